/*
 * tool_l2_respond: the layer 2 responder (l2/io.h) on one interface, for
 * the e2e tests (tests/e2e/test_l2_io.sh) and by hand.
 *
 *   tool_l2_respond [-s] IFNAME ADDR...   answer ARP / NS for ADDR... on
 *                                         IFNAME (-s: l2_io_strict_arp first)
 *   tool_l2_respond -S IFNAME             l2_io_strict_arp only, then exit
 *   tool_l2_respond -r SPEC               print l2_io_resolve(SPEC), exit
 *
 * Responding, it joins the addresses' solicited-node groups, announces
 * each once at start (with l2_io_announce's repeats) and prints
 * "ready IFNAME ifindex N mac M" on stdout. Then, on stdout:
 *   SIGUSR1  "stats arp_answered=.. nd_answered=.. announced=.. conflicts=..
 *            malformed=.. send_errors=.."
 *   SIGUSR2  announces every address again ("announce" once sent)
 *   SIGHUP   stops / starts owning the addresses ("owning 0" / "owning 1"):
 *            pending announcement repeats stop, nothing is answered
 *   SIGTERM, SIGINT  leaves the groups, prints the stats, exits 0
 *   a conflict prints "conflict ADDR MAC".
 * Logs go to stderr. Exit 1 on a failure, 2 on bad usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "l2/io.h"

#define MAX_ADDRS 64

struct tool {
	struct l2_io *io;
	struct core_addr addrs[MAX_ADDRS];
	size_t n;
	bool owning;
	int rc;
};

static bool owns(void *ctx, const struct core_addr *a)
{
	const struct tool *t = ctx;

	for (size_t i = 0; t->owning && i < t->n; i++)
		if (core_addr_equal(&t->addrs[i], a))
			return true;
	return false;
}

static void on_conflict(const char *ifname, const struct core_addr *a, const struct l2_mac *m,
                        void *arg)
{
	char s[CORE_ADDR_STRLEN];

	printf("conflict %s %02x:%02x:%02x:%02x:%02x:%02x\n", core_addr_str(a, s), m->b[0], m->b[1],
	       m->b[2], m->b[3], m->b[4], m->b[5]);
}

static void stats(const struct tool *t)
{
	struct l2_io_stats st;

	l2_io_get_stats(t->io, &st);
	printf("stats arp_answered=%llu nd_answered=%llu announced=%llu conflicts=%llu "
	       "malformed=%llu send_errors=%llu\n",
	       (unsigned long long)st.arp_answered, (unsigned long long)st.nd_answered,
	       (unsigned long long)st.announced, (unsigned long long)st.conflicts,
	       (unsigned long long)st.malformed, (unsigned long long)st.send_errors);
}

static void announce_all(struct tool *t)
{
	char s[CORE_ADDR_STRLEN];

	for (size_t i = 0; i < t->n; i++) {
		int rc = l2_io_announce(t->io, &t->addrs[i]);

		if (rc < 0)
			fprintf(stderr, "announce %s: %s\n", core_addr_str(&t->addrs[i], s),
			        strerror(-rc));
	}
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct tool *t = w->data;
	char s[CORE_ADDR_STRLEN];

	switch (w->signum) {
	case SIGUSR1:
		stats(t);
		break;
	case SIGUSR2:
		announce_all(t);
		printf("announce\n");
		break;
	case SIGHUP:
		t->owning = !t->owning;
		printf("owning %d\n", t->owning);
		break;
	default:
		for (size_t i = 0; i < t->n; i++) {
			int rc = l2_io_leave(t->io, &t->addrs[i]);

			if (rc < 0) {
				fprintf(stderr, "leave %s: %s\n", core_addr_str(&t->addrs[i], s),
				        strerror(-rc));
				t->rc = 1;
			}
		}
		stats(t);
		ev_break(loop, EVBREAK_ALL);
	}
}

static void log_stderr(enum log_level lvl, const char *line, void *arg)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};

	fprintf(stderr, "%s: %s\n", names[lvl], line);
}

static int usage(void)
{
	fprintf(stderr, "usage: tool_l2_respond [-s] IFNAME ADDR...\n"
	                "       tool_l2_respond -S IFNAME\n"
	                "       tool_l2_respond -r SPEC\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const int sigs[] = {SIGUSR1, SIGUSR2, SIGHUP, SIGTERM, SIGINT};
	struct tool t = {.owning = true};
	struct l2_io_hooks hooks = {.conflict = on_conflict, .arg = &t};
	ev_signal sw[sizeof(sigs) / sizeof(sigs[0])];
	struct ev_loop *loop;
	char err[256], name[16], s[CORE_ADDR_STRLEN];
	bool strict = false;
	int opt, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_set_sink(log_stderr, NULL, LOG_LVL_DEBUG);
	while ((opt = getopt(argc, argv, "sS:r:")) != -1) {
		switch (opt) {
		case 's':
			strict = true;
			break;
		case 'S':
			rc = l2_io_strict_arp(optarg, err, sizeof(err));
			if (rc < 0)
				fprintf(stderr, "strict ARP: %s\n", err);
			return rc < 0;
		case 'r':
			rc = l2_io_resolve(optarg, name, err, sizeof(err));
			if (rc < 0) {
				fprintf(stderr, "resolve: %s (%s)\n", err, strerror(-rc));
				return 1;
			}
			printf("%s\n", name);
			return 0;
		default:
			return usage();
		}
	}
	if (argc - optind < 2 || argc - optind - 1 > MAX_ADDRS)
		return usage();
	for (int i = optind + 1; i < argc; i++)
		if (core_addr_parse(argv[i], &t.addrs[t.n++]) < 0) {
			fprintf(stderr, "%s: not an address\n", argv[i]);
			return 2;
		}
	if (strict && l2_io_strict_arp(argv[optind], err, sizeof(err)) < 0) {
		fprintf(stderr, "strict ARP: %s\n", err);
		return 1;
	}
	loop = ev_default_loop(0);
	rc = l2_io_open(loop, argv[optind], owns, &t, &hooks, &t.io, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "open: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < t.n; i++) {
		rc = l2_io_join(t.io, &t.addrs[i]);
		if (rc < 0) {
			fprintf(stderr, "join %s: %s\n", core_addr_str(&t.addrs[i], s),
			        strerror(-rc));
			l2_io_free(t.io);
			return 1;
		}
	}
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ev_signal_init(&sw[i], on_signal, sigs[i]);
		sw[i].data = &t;
		ev_signal_start(loop, &sw[i]);
	}
	{
		const struct l2_mac *m = l2_io_mac(t.io);

		printf("ready %s ifindex %d mac %02x:%02x:%02x:%02x:%02x:%02x\n",
		       l2_io_ifname(t.io), l2_io_ifindex(t.io), m->b[0], m->b[1], m->b[2], m->b[3],
		       m->b[4], m->b[5]);
	}
	announce_all(&t);
	ev_run(loop, 0);
	l2_io_free(t.io);
	ev_loop_destroy(loop);
	return t.rc;
}
