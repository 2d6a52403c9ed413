/*
 * The heartbeats over real loopback sockets (l2/member_io.h): several
 * speakers in one process and one libev loop, on ports the kernel picks.
 * One of them stops: the others see it Down within the detection time;
 * one leaves: Down at once. A speaker with another key (or none) is
 * refused and never Up. A flood of 100,000 garbage datagrams is counted,
 * costs no memory, and the watch of a live member stays Up through it.
 * IPv4 and IPv6 members on one dual-stack socket.
 */
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "l2/hb.h"
#include "core/clock.h"
#include "l2/member_io.h"

#define INTERVAL 50
#define MULT     3
#define DETECT   (INTERVAL * MULT)

struct rec {
	char peer[32];
	enum l2_peer_state old, now;
	uint64_t t;
};

/* One speaker and what it saw. */
struct spk {
	const char *name;
	const char *addr; /* where the others send to it */
	struct l2_member_io *io;
	struct rec ev[512];
	size_t nev;
	size_t rejoined;
};

static void on_event(const struct l2_member_ev *ev, void *arg)
{
	struct spk *s = arg;

	if (ev->kind == L2_MEMBER_REJOINED) {
		s->rejoined++;
		return;
	}
	assert_int_equal(ev->kind, L2_MEMBER_STATE);
	if (s->nev == 512)
		return;
	struct rec *r = &s->ev[s->nev++];
	snprintf(r->peer, sizeof(r->peer), "%s", ev->peer);
	r->old = ev->old;
	r->now = ev->now;
	r->t = core_now_ms();
}

static struct l2_hb_key key_of(uint8_t b)
{
	struct l2_hb_key k = {.set = true};

	memset(k.k, b, sizeof(k.k));
	return k;
}

static void start(struct ev_loop *loop, struct spk *s, const char *listen,
                  const struct l2_hb_key *key)
{
	struct l2_member_io_opts o = {
	    .self = s->name,
	    .listen = listen,
	    .key = key,
	    .member = {.interval_ms = INTERVAL, .detect_mult = MULT},
	    .on_event = on_event,
	    .arg = s,
	};
	char err[128] = "";

	s->nev = s->rejoined = 0;
	if (l2_member_io_new(loop, &o, &s->io, err, sizeof(err)) != 0)
		fail_msg("l2_member_io_new: %s", err);
	assert_true(l2_member_io_port(s->io) != 0);
}

/* Makes all of sp[0..n) members of s, at their addresses and ports, and
 * has s watch those named in watch (NULL-terminated). */
static void configure(struct spk *s, struct spk *sp, size_t n, const char *const *watch)
{
	struct l2_member_peer peers[8];
	size_t nw = 0;

	for (size_t i = 0; i < n; i++) {
		peers[i].name = sp[i].name;
		assert_int_equal(core_addr_parse(sp[i].addr, &peers[i].addr), 0);
		peers[i].port = sp[i].io ? l2_member_io_port(sp[i].io) : 9;
	}
	assert_int_equal(l2_member_set_peers(l2_member_io_fsm(s->io), peers, n), 0);
	while (watch && watch[nw])
		nw++;
	assert_int_equal(l2_member_set_watch(l2_member_io_fsm(s->io), watch, nw, core_now_ms()), 0);
	l2_member_io_kick(s->io);
}

static enum l2_peer_state state_of(struct spk *s, const char *peer)
{
	return l2_member_state(l2_member_io_fsm(s->io), peer);
}

static void on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	(void)w;
	ev_break(loop, EVBREAK_ONE);
}

/* Runs the loop until pred holds (checked every 2 ms) or timeout_ms
 * passed; whether it held. */
static bool run_until(struct ev_loop *loop, bool (*pred)(void *), void *arg, uint64_t timeout_ms)
{
	uint64_t end = core_now_ms() + timeout_ms;
	ev_timer poll;

	ev_timer_init(&poll, on_poll, 0.002, 0.002);
	ev_timer_start(loop, &poll);
	while (!(pred && pred(arg)) && core_now_ms() < end)
		ev_run(loop, 0);
	ev_timer_stop(loop, &poll);
	return pred && pred(arg);
}

static void run_for(struct ev_loop *loop, uint64_t ms)
{
	run_until(loop, NULL, NULL, ms);
}

struct want {
	struct spk *s;
	const char *peer;
	enum l2_peer_state st;
};

/* Every want[] holds (terminated by s NULL). */
static bool all_in_state(void *arg)
{
	for (const struct want *w = arg; w->s; w++)
		if (state_of(w->s, w->peer) != w->st)
			return false;
	return true;
}

/* The time s saw peer go to st, after t; 0 if it did not. */
static uint64_t seen_at(const struct spk *s, const char *peer, enum l2_peer_state st, uint64_t t)
{
	for (size_t i = 0; i < s->nev; i++)
		if (strcmp(s->ev[i].peer, peer) == 0 && s->ev[i].now == st && s->ev[i].t >= t)
			return s->ev[i].t;
	return 0;
}

static void test_three(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct spk sp[3] = {{.name = "node-a", .addr = "127.0.0.1"},
	                    {.name = "node-b", .addr = "127.0.0.1"},
	                    {.name = "node-c", .addr = "127.0.0.1"}};
	struct l2_hb_key key = key_of(0x42);
	struct l2_member_io_stats st;

	(void)state;
	for (size_t i = 0; i < 3; i++)
		start(loop, &sp[i], "127.0.0.1", &key);
	const char *wa[] = {"node-b", "node-c", NULL}, *wb[] = {"node-a", "node-c", NULL},
	           *wc[] = {"node-a", "node-b", NULL};
	configure(&sp[0], sp, 3, wa);
	configure(&sp[1], sp, 3, wb);
	configure(&sp[2], sp, 3, wc);
	struct want up[] = {{&sp[0], "node-b", L2_PEER_UP},
	                    {&sp[0], "node-c", L2_PEER_UP},
	                    {&sp[1], "node-a", L2_PEER_UP},
	                    {&sp[1], "node-c", L2_PEER_UP},
	                    {&sp[2], "node-a", L2_PEER_UP},
	                    {&sp[2], "node-b", L2_PEER_UP},
	                    {NULL, NULL, 0}};
	assert_true(run_until(loop, all_in_state, up, 1000));
	/* Some heartbeats, all of them accepted. */
	run_for(loop, 300);
	assert_true(all_in_state(up));
	for (size_t i = 0; i < 3; i++) {
		l2_member_io_get_stats(sp[i].io, &st);
		assert_true(st.fsm.pings_sent >= 2 * 300 / INTERVAL);
		assert_true(st.fsm.acks_sent >= 2 * 300 / INTERVAL);
		assert_int_equal(st.malformed + st.bad_auth + st.send_errors, 0);
		assert_int_equal(st.fsm.replayed + st.fsm.bad_nonce + st.fsm.not_for_us +
		                     st.fsm.unknown_sender + st.fsm.skewed,
		                 0);
		assert_int_equal(st.fsm.downs, 0);
		assert_true(st.datagrams == st.fsm.received);
		assert_int_equal(sp[i].rejoined, 0);
	}
	/* READY once the start-up hold is over (250 ms at these timers). */
	assert_true(l2_member_can_own(l2_member_io_fsm(sp[0].io), "node-b", 0));

	/* c crashes: no LEAVE. */
	uint64_t stop = core_now_ms();
	l2_member_io_free(sp[2].io);
	sp[2].io = NULL;
	struct want down_c[] = {
	    {&sp[0], "node-c", L2_PEER_DOWN}, {&sp[1], "node-c", L2_PEER_DOWN}, {NULL, NULL, 0}};
	assert_true(run_until(loop, all_in_state, down_c, 2000));
	for (size_t i = 0; i < 2; i++) {
		uint64_t t = seen_at(&sp[i], "node-c", L2_PEER_DOWN, stop);

		print_message("%s saw node-c Down %llu ms after it stopped\n", sp[i].name,
		              (unsigned long long)(t - stop));
		/* The last ACK came at most an interval before the stop (and
		 * the clocks are read in whole ms). */
		assert_true(t - stop + INTERVAL + 5 >= DETECT);
		/* Within the detection time, plus an interval of slack for
		 * the loop (ASan, a loaded machine). */
		assert_true(t - stop <= DETECT + INTERVAL);
	}
	assert_int_equal(state_of(&sp[0], "node-b"), L2_PEER_UP);
	assert_int_equal(state_of(&sp[1], "node-a"), L2_PEER_UP);

	/* b leaves: a sees it Down before a detection could. */
	uint64_t leave = core_now_ms();
	l2_member_io_leave(sp[1].io);
	struct want down_b[] = {{&sp[0], "node-b", L2_PEER_DOWN}, {NULL, NULL, 0}};
	assert_true(run_until(loop, all_in_state, down_b, 1000));
	uint64_t t = seen_at(&sp[0], "node-b", L2_PEER_DOWN, leave);
	print_message("node-a saw node-b Down %llu ms after its LEAVE\n",
	              (unsigned long long)(t - leave));
	assert_true(t - leave < INTERVAL);
	/* b stays Down: it answers no PING any more. */
	run_for(loop, 2 * DETECT);
	assert_int_equal(state_of(&sp[0], "node-b"), L2_PEER_DOWN);

	/* c comes back (a new incarnation, on a new port): Up again. */
	start(loop, &sp[2], "127.0.0.1", &key);
	configure(&sp[2], sp, 3, wc);
	configure(&sp[0], sp, 3, wa);
	struct want up_c[] = {{&sp[0], "node-c", L2_PEER_UP}, {NULL, NULL, 0}};
	assert_true(run_until(loop, all_in_state, up_c, 1000));
	for (size_t i = 0; i < 3; i++)
		l2_member_io_free(sp[i].io);
	ev_loop_destroy(loop);
}

static void test_wrong_key(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct spk sp[4] = {{.name = "a", .addr = "127.0.0.1"},
	                    {.name = "b", .addr = "127.0.0.1"},
	                    {.name = "d", .addr = "127.0.0.1"},
	                    {.name = "e", .addr = "127.0.0.1"}};
	struct l2_hb_key k1 = key_of(1), k2 = key_of(2);
	struct l2_member_io_stats sa, sb, sd, se;

	(void)state;
	start(loop, &sp[0], "127.0.0.1", &k1);
	start(loop, &sp[1], "127.0.0.1", &k1);
	start(loop, &sp[2], "127.0.0.1", &k2);  /* another key */
	start(loop, &sp[3], "127.0.0.1", NULL); /* none */
	const char *wa[] = {"b", "d", "e", NULL}, *wb[] = {"a", NULL}, *wd[] = {"a", NULL},
	           *we[] = {"a", NULL};
	configure(&sp[0], sp, 4, wa);
	configure(&sp[1], sp, 4, wb);
	configure(&sp[2], sp, 4, wd);
	configure(&sp[3], sp, 4, we);
	run_for(loop, 3 * DETECT);
	/* a and b share the key: Up. d and e never, either way. */
	assert_int_equal(state_of(&sp[0], "b"), L2_PEER_UP);
	assert_int_equal(state_of(&sp[1], "a"), L2_PEER_UP);
	assert_int_equal(state_of(&sp[0], "d"), L2_PEER_DOWN);
	assert_int_equal(state_of(&sp[0], "e"), L2_PEER_DOWN);
	assert_int_equal(state_of(&sp[2], "a"), L2_PEER_DOWN);
	assert_int_equal(state_of(&sp[3], "a"), L2_PEER_DOWN);
	assert_int_equal(seen_at(&sp[0], "d", L2_PEER_UP, 0), 0);
	assert_int_equal(seen_at(&sp[0], "e", L2_PEER_UP, 0), 0);
	assert_int_equal(seen_at(&sp[2], "a", L2_PEER_UP, 0), 0);
	assert_int_equal(seen_at(&sp[3], "a", L2_PEER_UP, 0), 0);
	l2_member_io_get_stats(sp[0].io, &sa);
	l2_member_io_get_stats(sp[1].io, &sb);
	l2_member_io_get_stats(sp[2].io, &sd);
	l2_member_io_get_stats(sp[3].io, &se);
	/* a refused the PINGs of d and e (the HMAC is checked before the
	 * state machine sees anything): some 9 each in 3 detection times. */
	assert_true(sa.bad_auth >= 2 * (3 * DETECT / INTERVAL - 2));
	assert_int_equal(sa.malformed, 0);
	/* a answered b's PINGs only (one may still be in flight). */
	assert_true(sa.fsm.acks_sent <= sb.fsm.pings_sent);
	assert_true(sa.fsm.acks_sent + 1 >= sb.fsm.pings_sent);
	/* d refused a's PINGs (another key); e has no key and takes a's
	 * signed PINGs unchecked, but its ACKs are unsigned: refused by a. */
	assert_true(sd.bad_auth >= 3 * DETECT / INTERVAL - 2);
	assert_int_equal(se.bad_auth, 0);
	assert_true(se.fsm.acks_sent >= 3 * DETECT / INTERVAL - 2);
	for (size_t i = 0; i < 4; i++)
		l2_member_io_free(sp[i].io);
	ev_loop_destroy(loop);
}

/* Under AddressSanitizer: the bytes allocated and not freed. */
size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

/* Memory in use, kB: the heap's live bytes under AddressSanitizer (whose
 * quarantine of freed blocks grows the process by itself), else the
 * resident anonymous memory (heap, stacks): resident minus file-backed
 * pages, which grow as code runs for the first time. */
static long rss_kb(void)
{
	long pages = 0, rss = 0, shared = 0;
	FILE *f;

	if (__sanitizer_get_current_allocated_bytes)
		return (long)(__sanitizer_get_current_allocated_bytes() / 1024);
	f = fopen("/proc/self/statm", "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld %ld %ld", &pages, &rss, &shared), 3);
	fclose(f);
	return (rss - shared) * (sysconf(_SC_PAGESIZE) / 1024);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Garbage number i into p: random bytes of random length (some longer
 * than any message, some empty), half of them behind a valid magic,
 * version and type, and truncations of a valid signed message. */
static size_t garbage(uint64_t *rnd, const uint8_t *valid, size_t vlen, uint8_t *p, size_t cap)
{
	uint64_t r = xorshift(rnd);
	size_t n = (size_t)(r % 1400), kind = (size_t)(r >> 60) % 4;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)xorshift(rnd);
	if (kind == 1 && n >= 8)
		memcpy(p, "BRTH\x01\x02\x00\x02", 8);
	if (kind == 2) {
		n %= vlen; /* every prefix of a valid message is malformed */
		memcpy(p, valid, n);
	}
	return n;
}

struct flood_wait {
	struct l2_member_io *io;
	uint64_t malformed; /* as many as sent so far */
};

static bool caught_up(void *arg)
{
	const struct flood_wait *w = arg;
	struct l2_member_io_stats st;

	l2_member_io_get_stats(w->io, &st);
	return st.malformed >= w->malformed;
}

static void test_flood(void **state)
{
	enum { TOTAL = 100000, BATCH = 32 };
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct spk sp[2] = {{.name = "a", .addr = "127.0.0.1"}, {.name = "b", .addr = "127.0.0.1"}};
	struct l2_hb_key key = key_of(9);
	struct l2_member_io_stats st;
	struct sockaddr_in to = {.sin_family = AF_INET};
	uint8_t valid[L2_HB_MAX], p[1400];
	uint64_t rnd = 0x9e3779b97f4a7c15ull;
	size_t vlen;
	long rss0 = 0, rss1;
	int fd;

	(void)state;
	start(loop, &sp[0], "127.0.0.1", &key);
	start(loop, &sp[1], "127.0.0.1", &key);
	const char *wa[] = {"b", NULL};
	configure(&sp[0], sp, 2, wa);
	configure(&sp[1], sp, 2, NULL);
	struct want up[] = {{&sp[0], "b", L2_PEER_UP}, {NULL, NULL, 0}};
	assert_true(run_until(loop, all_in_state, up, 1000));

	struct l2_hb m;
	memset(&m, 0, sizeof(m));
	m.type = L2_HB_PING;
	strcpy(m.from, "b");
	strcpy(m.to, "a");
	assert_int_equal(l2_hb_encode(&m, &key, valid, sizeof(valid), &vlen), 0);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(l2_member_io_port(sp[0].io));
	struct flood_wait want = {.io = sp[0].io};
	uint64_t t0 = core_now_ms();
	for (size_t sent = 0; sent < TOTAL;) {
		/* A batch the socket buffer holds, then the loop reads it:
		 * every datagram reaches the speaker, none is dropped. */
		for (size_t i = 0; i < BATCH; i++, sent++) {
			size_t n = garbage(&rnd, valid, vlen, p, sizeof(p));

			assert_true(sendto(fd, p, n, 0, (struct sockaddr *)&to, sizeof(to)) ==
			            (ssize_t)n);
		}
		want.malformed = sent;
		while (!caught_up(&want))
			ev_run(loop, EVRUN_ONCE);
		/* Memory from after the first tenth: warmed up by then. */
		if (sent >= TOTAL / 10 && !rss0)
			rss0 = rss_kb();
	}
	rss1 = rss_kb();
	uint64_t took = core_now_ms() - t0;
	l2_member_io_get_stats(sp[0].io, &st);
	print_message(
	    "100,000 garbage datagrams in %llu ms; memory %ld kB -> %ld kB; %llu heartbeats "
	    "meanwhile\n",
	    (unsigned long long)took, rss0, rss1, (unsigned long long)st.fsm.received);
	assert_int_equal(st.malformed, TOTAL);
	assert_int_equal(st.bad_auth, 0);
	assert_int_equal(st.datagrams, TOTAL + st.fsm.received);
	/* Flat: 64 kB of slack for the allocator's and libc's own; a leak of
	 * one byte a datagram would be 90 kB. */
	assert_true(rss1 - rss0 < 64);
	/* b stayed Up all along, and still is after the flood. */
	assert_int_equal(seen_at(&sp[0], "b", L2_PEER_DOWN, 0), 0);
	run_for(loop, 2 * DETECT);
	assert_int_equal(state_of(&sp[0], "b"), L2_PEER_UP);
	close(fd);
	for (size_t i = 0; i < 2; i++)
		l2_member_io_free(sp[i].io);
	ev_loop_destroy(loop);
}

/* One dual-stack speaker with an IPv4 and an IPv6 member; a bad listen
 * address and an empty name are refused with a reason. */
static void test_dual_stack(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct spk x[2] = {{.name = "v4", .addr = "127.0.0.1"},
	                   {.name = "any", .addr = "127.0.0.1"}};
	struct spk y[2] = {{.name = "v6", .addr = "::1"}, {.name = "any", .addr = "::1"}};
	struct spk all[2] = {{.name = "v4", .addr = "127.0.0.1"}, {.name = "v6", .addr = "::1"}};
	struct l2_member_io_opts o = {.self = "z"};
	struct l2_member_io *io = NULL;
	char err[128] = "";

	(void)state;
	start(loop, &x[0], "127.0.0.1", NULL);
	start(loop, &y[0], "::1", NULL);
	/* Bound to every address, on a port of its own. */
	start(loop, &x[1], NULL, NULL);
	y[1].io = x[1].io;
	all[0].io = x[0].io;
	all[1].io = y[0].io;
	const char *wany[] = {"v4", "v6", NULL}, *wx[] = {"any", NULL};
	configure(&x[0], x, 2, wx);
	configure(&y[0], y, 2, wx);
	configure(&x[1], all, 2, wany);
	struct want up[] = {{&x[1], "v4", L2_PEER_UP},
	                    {&x[1], "v6", L2_PEER_UP},
	                    {&x[0], "any", L2_PEER_UP},
	                    {&y[0], "any", L2_PEER_UP},
	                    {NULL, NULL, 0}};
	assert_true(run_until(loop, all_in_state, up, 1000));
	l2_member_io_free(x[0].io);
	l2_member_io_free(y[0].io);
	l2_member_io_free(x[1].io);

	o.listen = "192.0.2.300";
	assert_int_equal(l2_member_io_new(loop, &o, &io, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "192.0.2.300"));
	o.listen = "127.0.0.1";
	o.self = "";
	assert_int_equal(l2_member_io_new(loop, &o, &io, err, sizeof(err)), -EINVAL);
	assert_null(io);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_three),
	    cmocka_unit_test(test_wrong_key),
	    cmocka_unit_test(test_flood),
	    cmocka_unit_test(test_dual_stack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
