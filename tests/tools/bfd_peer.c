/*
 * tool_bfd_peer: BFD sessions (bfd/io.h) from the namespace it runs in,
 * for the e2e test tests/e2e/test_bfd_io.sh and by hand.
 *
 *   tool_bfd_peer [-t TX_MS] [-r RX_MS] [-m MULT] [-T TX_MS] [-R RX_MS] SESSION...
 *
 * SESSION is REMOTE[,multihop=MIN_TTL][,local=ADDR]: single hop (port
 * 3784, TTL 255 only) unless multihop (port 4784, TTL >= MIN_TTL). -t,
 * -r, -m: our Desired Min TX, Required Min RX (ms) and Detect Mult
 * (default 300, 300, 3); -T, -R: the timers SIGHUP switches to and back.
 *
 * On stdout, one line each:
 *   "ready N"                      once the N sessions run
 *   "state REMOTE FROM TO diag=D remote=S ns=T"  a state change (T:
 *                                  CLOCK_REALTIME ns, as `date +%s%N`)
 *   SIGUSR1  "stats rx=.. tx=.. send_errors=.. drop_<reason>=.." then per
 *            session "session REMOTE state=S remote=S ups=N downs=N
 *            local_disc=D remote_disc=D tx_ms=N detect_ms=N"
 *   SIGUSR2  every session AdminDown, or back ("admin 1" / "admin 0")
 *   SIGHUP   every session to the other timers ("timers TX RX")
 *   SIGTERM, SIGINT  frees the sessions (AdminDown three times each),
 *            prints the stats, exits 0
 * Logs go to stderr. Exit 1 on a failure, 2 on bad usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bfd/io.h"
#include "core/log.h"

#define MAX_SESS 16

struct tool {
	struct bfd_io *io;
	struct bfd_sess *s[MAX_SESS];
	size_t n;
	bool admin;
	bool alt; /* the -T/-R timers in force */
	uint32_t tx[2], rx[2];
};

static long long wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_state(struct bfd_sess *bs, enum bfd_state from, enum bfd_state to,
                     enum bfd_diag diag, enum bfd_state remote, void *arg)
{
	char a[CORE_ADDR_STRLEN];

	(void)arg;
	printf("state %s %s %s diag=%d remote=%s ns=%lld\n",
	       core_addr_str(&bfd_sess_config(bs)->remote, a), bfd_state_name(from),
	       bfd_state_name(to), (int)diag, bfd_state_name(remote), wall_ns());
}

static void stats(const struct tool *t)
{
	struct bfd_io_stats st;
	char a[CORE_ADDR_STRLEN];

	bfd_io_get_stats(t->io, &st);
	printf("stats rx=%llu tx=%llu send_errors=%llu", (unsigned long long)st.rx,
	       (unsigned long long)st.tx, (unsigned long long)st.send_errors);
	for (int i = 0; i < BFD_DROP_COUNT; i++)
		printf(" drop_%s=%llu", bfd_drop_name((enum bfd_drop)i),
		       (unsigned long long)st.dropped[i]);
	printf("\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct bfd_session *s = bfd_sess_session(t->s[i]);

		printf("session %s state=%s remote=%s ups=%u downs=%u local_disc=%u "
		       "remote_disc=%u tx_ms=%u detect_ms=%llu\n",
		       core_addr_str(&bfd_sess_config(t->s[i])->remote, a),
		       bfd_state_name(s->state), bfd_state_name(s->remote_state), s->ups, s->downs,
		       s->local_disc, s->remote_disc, bfd_session_tx_interval(s) / 1000,
		       (unsigned long long)(bfd_session_detect_time(s) / 1000));
	}
}

static void retime(struct tool *t)
{
	t->alt = !t->alt;
	for (size_t i = 0; i < t->n; i++) {
		struct bfd_sess_cfg c = *bfd_sess_config(t->s[i]);
		int rc;

		c.timers.desired_min_tx_us = t->tx[t->alt] * 1000;
		c.timers.required_min_rx_us = t->rx[t->alt] * 1000;
		rc = bfd_sess_reconfigure(t->s[i], &c);
		if (rc < 0)
			fprintf(stderr, "reconfigure: %s\n", strerror(-rc));
	}
	printf("timers %u %u\n", t->tx[t->alt], t->rx[t->alt]);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct tool *t = w->data;

	(void)revents;
	switch (w->signum) {
	case SIGUSR1:
		stats(t);
		break;
	case SIGUSR2:
		t->admin = !t->admin;
		for (size_t i = 0; i < t->n; i++)
			bfd_sess_admin(t->s[i], t->admin);
		printf("admin %d\n", t->admin);
		break;
	case SIGHUP:
		retime(t);
		break;
	default:
		for (size_t i = 0; i < t->n; i++)
			bfd_sess_free(t->s[i]);
		t->n = 0;
		stats(t);
		ev_break(loop, EVBREAK_ALL);
	}
}

static void log_stderr(enum log_level lvl, const char *line, void *arg)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};

	(void)arg;
	fprintf(stderr, "%s: %s\n", names[lvl], line);
}

static int usage(void)
{
	fprintf(stderr, "usage: tool_bfd_peer [-t TX_MS] [-r RX_MS] [-m MULT] [-T TX_MS] "
	                "[-R RX_MS] REMOTE[,multihop=MIN_TTL][,local=ADDR]...\n");
	return 2;
}

/* REMOTE[,multihop=MIN_TTL][,local=ADDR] into c. 0 or -EINVAL. */
static int parse_session(const char *arg, struct bfd_sess_cfg *c)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", arg);
	tok = strtok_r(buf, ",", &save);
	if (!tok || core_addr_parse(tok, &c->remote) < 0)
		return -EINVAL;
	snprintf(c->name, sizeof(c->name), "peer %s", tok);
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strncmp(tok, "multihop=", 9)) {
			int v = atoi(tok + 9);

			if (v < 1 || v > 255)
				return -EINVAL;
			c->multihop = true;
			c->min_ttl = (uint8_t)v;
		} else if (!strncmp(tok, "local=", 6)) {
			if (core_addr_parse(tok + 6, &c->local) < 0)
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const int sigs[] = {SIGUSR1, SIGUSR2, SIGHUP, SIGTERM, SIGINT};
	struct tool t = {.tx = {300, 300}, .rx = {300, 300}};
	ev_signal sw[sizeof(sigs) / sizeof(sigs[0])];
	struct ev_loop *loop;
	unsigned mult = 3;
	int opt, err = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_set_sink(log_stderr, NULL, LOG_LVL_DEBUG);
	while ((opt = getopt(argc, argv, "t:r:m:T:R:")) != -1) {
		unsigned v = (unsigned)atoi(optarg);

		switch (opt) {
		case 't':
			t.tx[0] = v;
			break;
		case 'r':
			t.rx[0] = v;
			break;
		case 'm':
			mult = v;
			break;
		case 'T':
			t.tx[1] = v;
			break;
		case 'R':
			t.rx[1] = v;
			break;
		default:
			return usage();
		}
	}
	if (optind == argc || argc - optind > MAX_SESS || mult > 255)
		return usage();
	loop = ev_default_loop(0);
	t.io = bfd_io_new(loop, 0, 0, &err);
	if (!t.io) {
		fprintf(stderr, "bfd_io_new: %s\n", strerror(-err));
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		struct bfd_sess_cfg c = {
		    .timers = {.desired_min_tx_us = t.tx[0] * 1000,
		               .required_min_rx_us = t.rx[0] * 1000,
		               .detect_mult = (uint8_t)mult},
		};

		if (parse_session(argv[i], &c) < 0) {
			fprintf(stderr, "%s: not a session\n", argv[i]);
			bfd_io_free(t.io);
			return 2;
		}
		t.s[t.n] = bfd_sess_new(t.io, &c, on_state, &t, &err);
		if (!t.s[t.n]) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(-err));
			bfd_io_free(t.io);
			return 1;
		}
		t.n++;
	}
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ev_signal_init(&sw[i], on_signal, sigs[i]);
		sw[i].data = &t;
		ev_signal_start(loop, &sw[i]);
	}
	printf("ready %zu\n", t.n);
	ev_run(loop, 0);
	bfd_io_free(t.io);
	ev_loop_destroy(loop);
	return 0;
}
