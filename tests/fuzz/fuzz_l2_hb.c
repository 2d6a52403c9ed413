/*
 * libFuzzer target for the layer 2 heartbeats: the codec (l2/hb.h) and
 * the membership state machine (l2/member.h) behind it.
 *
 * The whole input is one datagram, decoded from an exact-size heap copy
 * (ASan sees any read past it) without a key and with the key 00 01 ..
 * 1f. A message that decodes re-encodes to a message that decodes to the
 * same struct, and to the same bytes where the encoding is canonical
 * (verified with the key, or unsigned). Then the input is read again as
 * a script for a state machine "node-b" watching "node-a" and "node-c":
 * records of [delay in 10 ms][length, 16 bits][datagram], each datagram
 * decoded and fed in at the time reached; the PINGs' nonces are 1, 2, 3
 * ... so that a seed can hold a matching ACK. After every step the
 * invariants below must hold.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "l2/hb.h"
#include "l2/member.h"
#include "fuzz.h"

#define T0    1000ull
#define WALL0 1700000000000ull /* the seeds' time_ms is WALL0 + T0 */

static const struct l2_hb_key KEY = {.set = true, .k = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                                        11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                                        22, 23, 24, 25, 26, 27, 28, 29, 30, 31}};

static void same(const struct l2_hb *a, const struct l2_hb *b, uint16_t flags_mask)
{
	CHECK(a->type == b->type);
	CHECK((a->flags & flags_mask) == (b->flags & flags_mask));
	CHECK(a->incarnation == b->incarnation && a->seq == b->seq && a->nonce == b->nonce &&
	      a->time_ms == b->time_ms);
	CHECK(strcmp(a->from, b->from) == 0 && strcmp(a->to, b->to) == 0);
	CHECK(a->n_unserved == b->n_unserved && a->n_unserved <= L2_HB_MAX_UNSERVED);
	CHECK(memcmp(a->unserved, b->unserved, a->n_unserved * sizeof(uint64_t)) == 0);
}

/* Decodes p[0..n) with key (NULL: none), checks the round trip; the
 * decoder's result, the message in *m. */
static int codec(const uint8_t *p, size_t n, const struct l2_hb_key *key, struct l2_hb *m)
{
	uint8_t out[L2_HB_MAX];
	struct l2_hb again;
	size_t len;
	int r = l2_hb_decode(p, n, key, m);

	CHECK(r == 0 || r == -EBADMSG || (key && r == -EACCES));
	if (r)
		return r;
	CHECK(n <= L2_HB_MAX);
	CHECK(m->from[0] && m->to[0] && strlen(m->from) <= L2_HB_NAME_MAX &&
	      strlen(m->to) <= L2_HB_NAME_MAX);
	CHECK(m->type >= L2_HB_PING && m->type <= L2_HB_LEAVE);
	CHECK(!key || (m->flags & L2_HB_F_AUTH));
	CHECK(l2_hb_encode(m, key, out, sizeof(out), &len) == 0);
	if (key || !(m->flags & L2_HB_F_AUTH))
		CHECK(len == n && memcmp(out, p, n) == 0);
	CHECK(l2_hb_decode(out, len, key, &again) == 0);
	/* Without a key F_AUTH is not re-encoded: the rest is the same. */
	same(m, &again, key ? 0xffff : (uint16_t)~L2_HB_F_AUTH);
	return 0;
}

struct fsm {
	struct l2_member *m;
	uint64_t now, rnd;
	uint64_t inputs;  /* messages handed to l2_member_input */
	uint64_t refused; /* of which refused */
};

static uint64_t next_nonce(void *arg)
{
	return ++*(uint64_t *)arg;
}

static void emit(const struct l2_member_ev *ev, void *arg)
{
	uint8_t out[L2_HB_MAX];
	struct l2_hb back;
	size_t len;

	(void)arg;
	switch (ev->kind) {
	case L2_MEMBER_SEND:
		/* Only to members, at their configured addresses; always
		 * encodable, signed or not. */
		CHECK(ev->msg && strcmp(ev->msg->from, "node-b") == 0);
		CHECK(strcmp(ev->peer, ev->msg->to) == 0);
		CHECK((strcmp(ev->peer, "node-a") == 0 && ev->addr.family == AF_INET &&
		       ev->port == 7946) ||
		      (strcmp(ev->peer, "node-c") == 0 && ev->addr.family == AF_INET6 &&
		       ev->port == 7947));
		CHECK(l2_hb_encode(ev->msg, &KEY, out, sizeof(out), &len) == 0);
		CHECK(l2_hb_decode(out, len, &KEY, &back) == 0);
		CHECK(l2_hb_encode(ev->msg, NULL, out, sizeof(out), &len) == 0);
		break;
	case L2_MEMBER_STATE:
		CHECK(ev->peer);
		CHECK(ev->now <= L2_PEER_DOWN && ev->old <= L2_PEER_DOWN);
		/* A change, or Up to Up (READY or unserved ids changed). */
		CHECK(ev->old != ev->now || ev->now == L2_PEER_UP);
		break;
	case L2_MEMBER_REJOINED:
		CHECK(!ev->peer);
		break;
	case L2_MEMBER_HELD:
		/* A member's PINGs started or stopped saying HOLDING. */
		CHECK(ev->peer && (!strcmp(ev->peer, "node-a") || !strcmp(ev->peer, "node-c")));
		break;
	default:
		CHECK(0);
	}
}

static void invariants(const struct fsm *f)
{
	static const char *names[] = {"node-a", "node-c", "node-b", "node-x"};
	struct l2_member_stats st;
	uint64_t next = l2_member_next(f->m);

	l2_member_stats(f->m, &st);
	CHECK(st.received + st.not_for_us + st.unknown_sender + st.bad_nonce + st.replayed +
	          st.skewed ==
	      f->inputs);
	CHECK(f->inputs - st.received == f->refused);
	CHECK(st.acks_sent <= st.received);
	CHECK(next == UINT64_MAX || next > f->now);
	for (size_t i = 0; i < 4; i++) {
		enum l2_peer_state s = l2_member_state(f->m, names[i]);

		CHECK(s <= L2_PEER_DOWN);
		if (l2_member_can_own(f->m, names[i], 0))
			CHECK(s != L2_PEER_DOWN && i < 2);
	}
}

static void feed(struct fsm *f, const struct l2_hb *msg)
{
	uint64_t wall = WALL0 + f->now;
	int r = l2_member_input(f->m, msg, f->now, wall, emit, NULL);

	CHECK(r == 0 || r == -EPERM);
	f->inputs++;
	f->refused += r != 0;
	if (r == 0) {
		enum l2_peer_state s = l2_member_state(f->m, msg->from);

		if (msg->type == L2_HB_ACK)
			CHECK(s == L2_PEER_UP);
		if (msg->type == L2_HB_LEAVE && s != L2_PEER_PENDING)
			CHECK(s == L2_PEER_DOWN);
		/* The same again: a replay. */
		CHECK(l2_member_input(f->m, msg, f->now, wall, emit, NULL) == -EPERM);
		f->inputs++;
		f->refused++;
	}
	invariants(f);
}

static void tick(struct fsm *f)
{
	if (l2_member_next(f->m) <= f->now)
		l2_member_tick(f->m, f->now, WALL0 + f->now, emit, NULL);
	invariants(f);
}

static void run_fsm(const uint8_t *data, size_t size, const struct l2_hb *whole)
{
	static const char *watch[] = {"node-a", "node-c", "node-b", "nobody"};
	struct l2_member_opts o = {.interval_ms = 100, .detect_mult = 3, .rand64 = next_nonce};
	struct l2_member_peer peers[3] = {
	    {.name = "node-a", .addr = {.family = AF_INET, .bytes = {192, 0, 2, 1}}, .port = 7946},
	    {.name = "node-c",
	     .addr = {.family = AF_INET6, .bytes = {0x20, 0x01, 0x0d, 0xb8, [15] = 3}},
	     .port = 7947},
	    {.name = "node-b", .addr = {.family = AF_INET, .bytes = {192, 0, 2, 2}}, .port = 1},
	};
	struct fsm f = {.now = T0};
	size_t off = 0;

	o.rand_arg = &f.rnd;
	f.m = l2_member_new("node-b", WALL0, T0, &o);
	CHECK(f.m);
	CHECK(l2_member_set_peers(f.m, peers, 3) == 0);
	CHECK(l2_member_set_watch(f.m, watch, 4, T0) == 0);
	CHECK(l2_member_next(f.m) == T0);
	tick(&f);
	if (whole)
		feed(&f, whole);
	while (size - off >= 3) {
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		struct l2_hb m;
		uint8_t *copy;

		f.now += 10 * (uint64_t)data[off];
		off += 3;
		if (len > size - off)
			break;
		/* The timers due on the way, in order. */
		while (l2_member_next(f.m) <= f.now) {
			uint64_t at = f.now, due = l2_member_next(f.m);

			f.now = due < at ? due : at;
			tick(&f);
			f.now = at;
		}
		copy = malloc(len ? len : 1);
		CHECK(copy);
		memcpy(copy, data + off, len);
		if (codec(copy, len, NULL, &m) == 0)
			feed(&f, &m);
		free(copy);
		off += len;
	}
	/* Long after: every watched member not heard from is Down. */
	f.now += 10000;
	tick(&f);
	CHECK(l2_member_state(f.m, "node-a") == L2_PEER_DOWN);
	CHECK(l2_member_state(f.m, "node-c") == L2_PEER_DOWN);
	l2_member_leave(f.m, WALL0 + f.now, emit, NULL);
	CHECK(l2_member_next(f.m) == UINT64_MAX);
	l2_member_free(f.m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct l2_hb m, mk;
	int r, rk;

	CHECK(copy);
	memcpy(copy, data, size);
	r = codec(copy, size, NULL, &m);
	rk = codec(copy, size, &KEY, &mk);
	/* With the key, accepted only what is accepted without it. */
	if (rk == 0) {
		CHECK(r == 0);
		same(&m, &mk, 0xffff);
	}
	/* Malformed is malformed with the key too, except an unsigned
	 * message whose HMAC field is not zero: with a key, unsigned is
	 * refused as such whatever that field holds. */
	if (r == -EBADMSG)
		CHECK(rk == -EBADMSG || (rk == -EACCES && !(copy[7] & L2_HB_F_AUTH)));
	run_fsm(data, size, r == 0 ? &m : NULL);
	free(copy);
	return 0;
}
