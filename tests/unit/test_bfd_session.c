/*
 * The BFD session state machine (bfd/session.h), RFC 5880 asynchronous
 * mode: one session driven packet by packet against hand-built peer
 * packets, and two sessions wired back to back through the real codec
 * on a simulated clock. Covers the three-way handshake, the slow rate
 * while not Up and the Poll Sequence to the configured intervals,
 * renegotiation in both directions with the values in force until the
 * Final, Detection Time expiry to the microsecond, P answered by F, the
 * peer's and our AdminDown, a peer asking for no packets or in Demand
 * mode, jitter bounds, clamping of a peer's absurd intervals, bad
 * configurations, and random sequences that must keep the invariants.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bfd/session.h"

#define MS  1000ull
#define SEC 1000000ull

#define OUR_DISC  0x0a0b0c0du
#define PEER_DISC 0x11223344u

static const struct bfd_session_cfg CFG300 = {
    .desired_min_tx_us = 300000, .required_min_rx_us = 300000, .detect_mult = 3};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	/* xorshift64*: fixed seed, the same run every time. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static bool in_range(uint32_t us)
{
	return us >= BFD_INTERVAL_MIN_US && us <= BFD_INTERVAL_MAX_US;
}

/* What must hold after every call. */
static void check(const struct bfd_session *s)
{
	bool demand =
	    s->remote_demand && s->state == BFD_STATE_UP && s->remote_state == BFD_STATE_UP;

	assert_true(s->state <= BFD_STATE_UP && s->remote_state <= BFD_STATE_UP);
	assert_true(s->local_disc != 0);
	assert_true(in_range(s->desired_min_tx_us) && in_range(s->required_min_rx_us));
	assert_true(in_range(s->tx_in_force_us) && in_range(s->rx_in_force_us));
	assert_true(s->remote_min_rx_us == 0 || in_range(s->remote_min_rx_us));
	assert_true(s->remote_min_tx_us == 0 || in_range(s->remote_min_tx_us));
	assert_true((s->remote_mult == 0) == (s->remote_min_tx_us == 0));
	assert_true(in_range(bfd_session_tx_interval(s)));
	assert_true(bfd_session_detect_time(s) <= 255ull * BFD_INTERVAL_MAX_US);
	/* Section 6.8.3: slow while not Up; a Poll only while Up. */
	if (s->state != BFD_STATE_UP) {
		assert_true(s->desired_min_tx_us >= BFD_SLOW_TX_US);
		assert_false(s->poll);
	}
	if (!s->poll) {
		assert_int_equal(s->tx_in_force_us, s->desired_min_tx_us);
		assert_int_equal(s->rx_in_force_us, s->required_min_rx_us);
	}
	assert_true(s->tx_in_force_us <= s->desired_min_tx_us);
	assert_true(s->rx_in_force_us >= s->required_min_rx_us);
	/* Periodic transmission stops exactly when section 6.8.7 says. */
	assert_int_equal(s->next_tx_us == BFD_NEVER, s->remote_min_rx_us == 0 || demand);
	if (s->state == BFD_STATE_INIT || s->state == BFD_STATE_UP)
		assert_true(s->detect_at_us != 0);
	if (s->state != BFD_STATE_ADMIN_DOWN)
		assert_true(bfd_session_next_deadline(s) != BFD_NEVER);
	assert_true(s->downs <= s->ups);
}

static struct bfd_pkt peer_pkt(enum bfd_state st, uint32_t your, uint32_t tx, uint32_t rx,
                               uint8_t mult, uint8_t flags)
{
	struct bfd_pkt p;

	memset(&p, 0, sizeof(p));
	p.version = BFD_VERSION;
	p.state = st;
	p.flags = flags;
	p.detect_mult = mult;
	p.length = BFD_PKT_LEN;
	p.my_disc = PEER_DISC;
	p.your_disc = your;
	p.desired_min_tx_us = tx;
	p.required_min_rx_us = rx;
	return p;
}

static void rx(struct bfd_session *s, struct bfd_pkt p, uint64_t now, struct bfd_actions *a)
{
	bfd_session_rx(s, &p, now, a);
	check(s);
	assert_int_equal(a->to, s->state);
	assert_int_equal(a->diag, s->local_diag);
	assert_int_equal(a->remote, s->remote_state);
	if (a->changed)
		assert_int_not_equal(a->from, a->to);
}

static void tick(struct bfd_session *s, uint64_t now, uint32_t r, struct bfd_actions *a)
{
	bfd_session_timer(s, now, r, a);
	check(s);
	assert_true(bfd_session_next_deadline(s) > now);
	assert_int_equal(a->to, s->state);
}

/* A session taken Up by hand, timers run with rand 0 (no jitter): it
 * sends at 0, the peer (PEER_DISC) sends Down at 1 s, we send Init at
 * 1 s, the peer Init at 2 s with ptx/prx and multiplier 3: Up at 2 s,
 * and the first packet Up goes at 2 s. The Poll to the configured
 * intervals is then out. */
static void bring_up(struct bfd_session *s, const struct bfd_session_cfg *cfg, uint32_t ptx,
                     uint32_t prx)
{
	struct bfd_actions a;

	assert_int_equal(bfd_session_init(s, cfg, OUR_DISC, 0), 0);
	check(s);
	tick(s, 0, 0, &a);
	rx(s, peer_pkt(BFD_STATE_DOWN, 0, BFD_SLOW_TX_US, prx, 3, 0), 1 * SEC, &a);
	assert_true(a.changed && a.from == BFD_STATE_DOWN && a.to == BFD_STATE_INIT);
	tick(s, 1 * SEC, 0, &a);
	rx(s, peer_pkt(BFD_STATE_INIT, OUR_DISC, ptx, prx, 3, 0), 2 * SEC, &a);
	assert_true(a.changed && a.from == BFD_STATE_INIT && a.to == BFD_STATE_UP);
	assert_int_equal(a.diag, BFD_DIAG_NONE);
	assert_int_equal(s->ups, 1);
	tick(s, 2 * SEC, 0, &a);
}

static void test_init(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	(void)state;
	assert_int_equal(bfd_session_init(&s, &CFG300, OUR_DISC, 5 * SEC), 0);
	check(&s);
	assert_int_equal(s.state, BFD_STATE_DOWN);
	assert_int_equal(s.remote_state, BFD_STATE_DOWN);
	assert_int_equal(s.remote_disc, 0);
	assert_int_equal(s.local_diag, BFD_DIAG_NONE);
	/* Section 6.8.3: one second while not Up, RequiredMinRx as asked. */
	assert_int_equal(s.desired_min_tx_us, BFD_SLOW_TX_US);
	assert_int_equal(s.required_min_rx_us, 300000);
	assert_int_equal(bfd_session_detect_time(&s), 0);
	assert_int_equal(s.detect_at_us, 0);
	/* The first packet at once. */
	assert_true(bfd_session_next_deadline(&s) == 5 * SEC);
	tick(&s, 5 * SEC, 0, &a);
	assert_true(a.send);
	assert_false(a.changed);
	bfd_session_build(&s, &p);
	assert_int_equal(p.version, 1);
	assert_int_equal(p.state, BFD_STATE_DOWN);
	assert_int_equal(p.diag, BFD_DIAG_NONE);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.detect_mult, 3);
	assert_int_equal(p.length, 24);
	assert_int_equal(p.my_disc, OUR_DISC);
	assert_int_equal(p.your_disc, 0);
	assert_int_equal(p.desired_min_tx_us, BFD_SLOW_TX_US);
	assert_int_equal(p.required_min_rx_us, 300000);
	assert_int_equal(p.required_min_echo_rx_us, 0);
	/* rand 0: no reduction; the next a full second later. */
	assert_true(s.next_tx_us == 6 * SEC);
	/* Not due: nothing. */
	tick(&s, 6 * SEC - 1, 0, &a);
	assert_false(a.send);

	/* Configured slower than a second: kept as is. */
	struct bfd_session_cfg slow = CFG300;
	slow.desired_min_tx_us = 2 * SEC;
	assert_int_equal(bfd_session_init(&s, &slow, OUR_DISC, 0), 0);
	assert_int_equal(s.desired_min_tx_us, 2 * SEC);
	/* Starting AdminDown. */
	slow.admin_down = true;
	assert_int_equal(bfd_session_init(&s, &slow, OUR_DISC, 0), 0);
	check(&s);
	assert_int_equal(s.state, BFD_STATE_ADMIN_DOWN);
	assert_int_equal(s.local_diag, BFD_DIAG_ADMIN_DOWN);
}

static void test_bad_config(void **state)
{
	static const struct bfd_session_cfg bad[] = {
	    {BFD_INTERVAL_MIN_US - 1, 300000, 3, false},
	    {BFD_INTERVAL_MAX_US + 1, 300000, 3, false},
	    {300000, BFD_INTERVAL_MIN_US - 1, 3, false},
	    {300000, BFD_INTERVAL_MAX_US + 1, 3, false},
	    {0, 300000, 3, false},
	    {300000, 0, 3, false},
	    {300000, 300000, 1, false},
	    {300000, 300000, 0, false},
	    {UINT32_MAX, UINT32_MAX, 3, false},
	};
	static const struct bfd_session_cfg edges[] = {
	    {BFD_INTERVAL_MIN_US, BFD_INTERVAL_MIN_US, BFD_MULT_MIN, false},
	    {BFD_INTERVAL_MAX_US, BFD_INTERVAL_MAX_US, BFD_MULT_MAX, false},
	};
	struct bfd_session s, before;
	struct bfd_actions a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(bfd_session_init(&s, &bad[i], OUR_DISC, 0), -EINVAL);
	assert_int_equal(bfd_session_init(&s, &CFG300, 0, 0), -EINVAL);
	assert_int_equal(bfd_session_init(&s, NULL, OUR_DISC, 0), -EINVAL);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(bfd_session_init(&s, &edges[i], OUR_DISC, 0), 0);
		check(&s);
	}
	/* Reconfigure: refused and nothing changed, Up or not. */
	for (int up = 0; up < 2; up++) {
		if (up)
			bring_up(&s, &CFG300, 300000, 300000);
		else
			assert_int_equal(bfd_session_init(&s, &CFG300, OUR_DISC, 0), 0);
		before = s;
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			assert_int_equal(bfd_session_reconfigure(&s, &bad[i], 3 * SEC, &a),
			                 -EINVAL);
			assert_false(a.changed);
			assert_false(a.send);
			assert_memory_equal(&s, &before, sizeof(s));
		}
		assert_int_equal(bfd_session_reconfigure(&s, NULL, 3 * SEC, &a), -EINVAL);
		assert_memory_equal(&s, &before, sizeof(s));
		for (size_t i = 0; i < 2; i++) {
			assert_int_equal(bfd_session_reconfigure(&s, &edges[i], 3 * SEC, &a), 0);
			check(&s);
		}
	}
}

/* Section 6.8.3: 1 s until Up, then the configured values by a Poll. */
static void test_slow_then_poll(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	(void)state;
	bring_up(&s, &CFG300, 300000, 300000);
	/* The decrease applies at once; the Poll carries the new value. */
	assert_true(s.poll);
	assert_int_equal(s.desired_min_tx_us, 300000);
	assert_int_equal(s.tx_in_force_us, 300000);
	assert_int_equal(bfd_session_tx_interval(&s), 300000);
	/* The packet due at 2 s went; the next one 300 ms on. */
	assert_true(s.next_tx_us == 2 * SEC + 300 * MS);
	bfd_session_build(&s, &p);
	assert_int_equal(p.state, BFD_STATE_UP);
	assert_int_equal(p.flags, BFD_F_POLL);
	assert_int_equal(p.your_disc, PEER_DISC);
	assert_int_equal(p.desired_min_tx_us, 300000);
	/* Polls go on until the Final. */
	tick(&s, s.next_tx_us, 0, &a);
	bfd_session_build(&s, &p);
	assert_int_equal(p.flags, BFD_F_POLL);
	/* F from the peer ends it. */
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, BFD_F_FINAL), 2600 * MS, &a);
	assert_false(a.changed);
	assert_false(a.send);
	assert_false(s.poll);
	bfd_session_build(&s, &p);
	assert_int_equal(p.flags, 0);
	/* An F with no Poll of ours is nothing. */
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, BFD_F_FINAL), 2700 * MS, &a);
	assert_false(s.poll);

	/* Configured at one second or slower: the same before and after
	 * Up, so no Poll. */
	struct bfd_session_cfg slow = CFG300;
	slow.desired_min_tx_us = 3 * SEC;
	bring_up(&s, &slow, 300000, 300000);
	assert_false(s.poll);
	assert_int_equal(s.desired_min_tx_us, 3 * SEC);
	assert_int_equal(bfd_session_tx_interval(&s), 3 * SEC);
	slow.desired_min_tx_us = BFD_SLOW_TX_US;
	bring_up(&s, &slow, 300000, 300000);
	assert_false(s.poll);
}

/* Section 6.8.3: while Up, an increase of DesiredMinTx keeps the old
 * interval until the Final; a decrease applies at once. */
static void test_renegotiate_tx(void **state)
{
	struct bfd_session_cfg cfg = CFG300;
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;
	uint64_t now;

	(void)state;
	bring_up(&s, &cfg, 300000, 50000);
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 50000, 3, BFD_F_FINAL), 2100 * MS, &a);
	assert_false(s.poll);
	now = 2200 * MS;
	cfg.desired_min_tx_us = SEC;
	assert_int_equal(bfd_session_reconfigure(&s, &cfg, now, &a), 0);
	check(&s);
	assert_false(a.changed);
	assert_true(s.poll);
	assert_int_equal(s.desired_min_tx_us, SEC);
	assert_int_equal(bfd_session_tx_interval(&s), 300000);
	/* Packets advertise 1 s with P, at the 300 ms rate still. */
	for (int i = 0; i < 5; i++) {
		now = s.next_tx_us;
		tick(&s, now, 0, &a);
		assert_true(a.send);
		assert_int_equal(s.next_tx_us - now, 300000);
		bfd_session_build(&s, &p);
		assert_int_equal(p.flags, BFD_F_POLL);
		assert_int_equal(p.desired_min_tx_us, SEC);
		rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 50000, 3, 0), now + 1, &a);
	}
	/* The Final: 1 s in force. */
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 50000, 3, BFD_F_FINAL), now + 2, &a);
	assert_false(s.poll);
	assert_int_equal(bfd_session_tx_interval(&s), SEC);
	now = s.next_tx_us;
	tick(&s, now, 0, &a);
	assert_int_equal(s.next_tx_us - now, SEC);

	/* A decrease to 100 ms: at once, next packet brought forward. */
	now += 10 * MS;
	cfg.desired_min_tx_us = 100000;
	assert_int_equal(bfd_session_reconfigure(&s, &cfg, now, &a), 0);
	check(&s);
	assert_true(s.poll);
	assert_int_equal(bfd_session_tx_interval(&s), 100000);
	assert_true(s.next_tx_us <= now + 100000);
	/* Changed again mid-Poll, up: 100 ms stays in force. */
	cfg.desired_min_tx_us = 500000;
	assert_int_equal(bfd_session_reconfigure(&s, &cfg, now, &a), 0);
	check(&s);
	assert_int_equal(bfd_session_tx_interval(&s), 100000);
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 50000, 3, BFD_F_FINAL), now + 1, &a);
	assert_int_equal(bfd_session_tx_interval(&s), 500000);
	/* The multiplier alone: no Poll; sent from the next packet. */
	cfg.detect_mult = 7;
	assert_int_equal(bfd_session_reconfigure(&s, &cfg, now + 2, &a), 0);
	assert_false(s.poll);
	bfd_session_build(&s, &p);
	assert_int_equal(p.detect_mult, 7);
	/* Not Up: new values apply at once, with no Poll, slow kept. */
	rx(&s, peer_pkt(BFD_STATE_DOWN, OUR_DISC, 300000, 50000, 3, 0), now + 3, &a);
	assert_int_equal(s.state, BFD_STATE_DOWN);
	cfg.desired_min_tx_us = 20000;
	cfg.required_min_rx_us = 20000;
	assert_int_equal(bfd_session_reconfigure(&s, &cfg, now + 4, &a), 0);
	check(&s);
	assert_false(s.poll);
	assert_int_equal(s.desired_min_tx_us, BFD_SLOW_TX_US);
	assert_int_equal(s.required_min_rx_us, 20000);
}

/* Section 6.8.3: while Up, a decrease of RequiredMinRx keeps the old
 * Detection Time until the Final; an increase lengthens it at once. */
static void test_renegotiate_rx(void **state)
{
	struct bfd_session_cfg cfg = CFG300;
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;
	uint64_t t0 = 3 * SEC, t1;

	(void)state;
	/* The peer sends every 20 ms if we let it. */
	bring_up(&s, &cfg, 20000, 300000);
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 20000, 300000, 3, BFD_F_FINAL), t0, &a);
	assert_false(s.poll);
	assert_int_equal(bfd_session_detect_time(&s), 900000);
	assert_true(s.detect_at_us == t0 + 900000);
	cfg.required_min_rx_us = 50000;
	assert_int_equal(bfd_session_reconfigure(&s, &cfg, t0 + 10 * MS, &a), 0);
	check(&s);
	assert_true(s.poll);
	assert_int_equal(s.required_min_rx_us, 50000);
	assert_int_equal(bfd_session_detect_time(&s), 900000);
	assert_true(s.detect_at_us == t0 + 900000);
	bfd_session_build(&s, &p);
	assert_int_equal(p.flags, BFD_F_POLL);
	assert_int_equal(p.required_min_rx_us, 50000);
	/* Packets without F keep the old Detection Time. */
	t1 = t0 + 20 * MS;
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 20000, 300000, 3, 0), t1, &a);
	assert_true(s.detect_at_us == t1 + 900000);
	/* The Final: 3 x max(50 ms, 20 ms). */
	t1 += 20 * MS;
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 20000, 300000, 3, BFD_F_FINAL), t1, &a);
	assert_false(s.poll);
	assert_int_equal(bfd_session_detect_time(&s), 150000);
	assert_true(s.detect_at_us == t1 + 150000);
	/* An increase to 600 ms: at once, from the last packet received. */
	cfg.required_min_rx_us = 600000;
	assert_int_equal(bfd_session_reconfigure(&s, &cfg, t1 + 100 * MS, &a), 0);
	check(&s);
	assert_true(s.poll);
	assert_int_equal(bfd_session_detect_time(&s), 1800000);
	assert_true(s.detect_at_us == t1 + 1800000);
	/* And expiry then, not before. */
	tick(&s, t1 + 1800000 - 1, 0, &a);
	assert_int_equal(s.state, BFD_STATE_UP);
	tick(&s, t1 + 1800000, 0, &a);
	assert_true(a.changed && a.to == BFD_STATE_DOWN);
	assert_int_equal(a.diag, BFD_DIAG_TIME_EXPIRED);
}

/* Section 6.8.4: Detection Time = remote Detect Mult x max(our
 * RequiredMinRx, their DesiredMinTx); expiry in Init or Up is Down with
 * diag 1 and RemoteDiscr back to 0 (section 6.8.1). */
static void test_detection(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;
	uint64_t t;

	(void)state;
	/* Init: the peer at 1 s, multiplier 4: 4 s. */
	assert_int_equal(bfd_session_init(&s, &CFG300, OUR_DISC, 0), 0);
	tick(&s, 0, 0, &a);
	rx(&s, peer_pkt(BFD_STATE_DOWN, 0, SEC, 300000, 4, 0), 1500, &a);
	assert_int_equal(s.state, BFD_STATE_INIT);
	assert_int_equal(bfd_session_detect_time(&s), 4 * SEC);
	assert_true(bfd_session_next_deadline(&s) <= 1500 + 4 * SEC);
	for (t = 0; t < 1500 + 4 * SEC; t = s.next_tx_us) {
		tick(&s, t, rnd(), &a);
		assert_int_equal(s.state, BFD_STATE_INIT);
	}
	tick(&s, 1500 + 4 * SEC - 1, 0, &a);
	assert_int_equal(s.state, BFD_STATE_INIT);
	tick(&s, 1500 + 4 * SEC, 0, &a);
	assert_true(a.changed && a.from == BFD_STATE_INIT && a.to == BFD_STATE_DOWN);
	assert_int_equal(a.diag, BFD_DIAG_TIME_EXPIRED);
	assert_int_equal(s.remote_disc, 0);
	assert_int_equal(s.detect_at_us, 0);
	assert_int_equal(bfd_session_detect_time(&s), 0);

	/* Up at 300 ms: 3 x 300 ms after the last packet. */
	bring_up(&s, &CFG300, 300000, 300000);
	t = 2500 * MS;
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, BFD_F_FINAL), t, &a);
	assert_int_equal(bfd_session_detect_time(&s), 900000);
	tick(&s, t + 899999, 0, &a);
	assert_int_equal(s.state, BFD_STATE_UP);
	/* A packet just in time moves it on. */
	t += 899999;
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, 0), t, &a);
	tick(&s, t + 899999, 0, &a);
	assert_int_equal(s.state, BFD_STATE_UP);
	tick(&s, t + 900000, 0, &a);
	assert_true(a.changed && a.from == BFD_STATE_UP && a.to == BFD_STATE_DOWN);
	assert_int_equal(s.local_diag, BFD_DIAG_TIME_EXPIRED);
	assert_int_equal(s.downs, 1);
	assert_true(s.changed_at_us == t + 900000);
	assert_int_equal(s.remote_disc, 0);
	/* Down again: slow, Your Discriminator 0, diag 1 on the wire. */
	assert_int_equal(s.desired_min_tx_us, BFD_SLOW_TX_US);
	bfd_session_build(&s, &p);
	assert_int_equal(p.state, BFD_STATE_DOWN);
	assert_int_equal(p.diag, BFD_DIAG_TIME_EXPIRED);
	assert_int_equal(p.your_disc, 0);
	assert_int_equal(p.flags, 0);

	/* In Down, expiry only forgets the peer. */
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, 0), 10 * SEC, &a);
	assert_false(a.changed);
	assert_int_equal(s.remote_disc, PEER_DISC);
	tick(&s, 10 * SEC + 900000, 0, &a);
	assert_false(a.changed);
	assert_int_equal(s.remote_disc, 0);
	assert_int_equal(s.local_diag, BFD_DIAG_TIME_EXPIRED);
}

/* Section 6.8.7: a P is answered by F at once; never both bits. */
static void test_poll_final(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	(void)state;
	assert_int_equal(bfd_session_init(&s, &CFG300, OUR_DISC, 0), 0);
	/* Even in Down, even between periodic packets. */
	rx(&s, peer_pkt(BFD_STATE_DOWN, 0, SEC, 300000, 3, BFD_F_POLL), 10, &a);
	assert_true(a.send);
	assert_true(s.final_due);
	bfd_session_build(&s, &p);
	assert_int_equal(p.flags, BFD_F_FINAL);
	assert_false(s.final_due);
	bfd_session_build(&s, &p);
	assert_int_equal(p.flags, 0);
	/* No P: nothing to send. */
	rx(&s, peer_pkt(BFD_STATE_DOWN, 0, SEC, 300000, 3, 0), 20, &a);
	assert_false(a.send);

	/* Our own Poll out too: F first, without P; P in the next one. */
	bring_up(&s, &CFG300, 300000, 300000);
	assert_true(s.poll);
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, BFD_F_POLL), 2 * SEC + 1, &a);
	assert_true(a.send);
	bfd_session_build(&s, &p);
	assert_int_equal(p.flags, BFD_F_FINAL);
	bfd_session_build(&s, &p);
	assert_int_equal(p.flags, BFD_F_POLL);
	/* The answer does not move the periodic schedule. */
	uint64_t next = s.next_tx_us;
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, BFD_F_POLL), 2 * SEC + 2, &a);
	assert_true(s.next_tx_us == next);
	/* A refused packet's P is not answered. */
	rx(&s, peer_pkt(BFD_STATE_UP, 0x999, 300000, 300000, 3, BFD_F_POLL), 2 * SEC + 3, &a);
	assert_true(a.discarded);
	assert_false(a.send);
}

/* Section 6.8.6: a received AdminDown takes Init or Up Down, diag 3. */
static void test_remote_admin_down(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;

	(void)state;
	bring_up(&s, &CFG300, 300000, 300000);
	rx(&s, peer_pkt(BFD_STATE_ADMIN_DOWN, OUR_DISC, SEC, 300000, 3, 0), 3 * SEC, &a);
	assert_true(a.changed && a.from == BFD_STATE_UP && a.to == BFD_STATE_DOWN);
	assert_int_equal(a.diag, BFD_DIAG_NEIGHBOR_DOWN);
	assert_int_equal(a.remote, BFD_STATE_ADMIN_DOWN);
	assert_int_equal(s.downs, 1);
	/* The peer's discriminator is kept: it told us, it did not vanish. */
	assert_int_equal(s.remote_disc, PEER_DISC);
	/* Down stays Down, no new diagnostic. */
	rx(&s, peer_pkt(BFD_STATE_ADMIN_DOWN, 0, SEC, 300000, 3, 0), 4 * SEC, &a);
	assert_false(a.changed);
	assert_int_equal(a.remote, BFD_STATE_ADMIN_DOWN);
	/* Init: Down too. */
	rx(&s, peer_pkt(BFD_STATE_DOWN, 0, SEC, 300000, 3, 0), 5 * SEC, &a);
	assert_int_equal(s.state, BFD_STATE_INIT);
	assert_int_equal(s.local_diag, BFD_DIAG_NONE);
	rx(&s, peer_pkt(BFD_STATE_ADMIN_DOWN, 0, SEC, 300000, 3, 0), 6 * SEC, &a);
	assert_true(a.changed && a.from == BFD_STATE_INIT && a.to == BFD_STATE_DOWN);
	assert_int_equal(a.diag, BFD_DIAG_NEIGHBOR_DOWN);
	/* Up then the peer Down (it restarted): Down, diag 3 as well. */
	bring_up(&s, &CFG300, 300000, 300000);
	rx(&s, peer_pkt(BFD_STATE_DOWN, 0, SEC, 300000, 3, 0), 3 * SEC, &a);
	assert_true(a.changed && a.to == BFD_STATE_DOWN);
	assert_int_equal(a.diag, BFD_DIAG_NEIGHBOR_DOWN);
	assert_int_equal(a.remote, BFD_STATE_DOWN);
	/* The rest of the table: Down+Up stays Down, Init+Down stays Init,
	 * Up+Init stays Up. */
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, SEC, 300000, 3, 0), 3 * SEC + 1, &a);
	assert_false(a.changed);
	rx(&s, peer_pkt(BFD_STATE_DOWN, 0, SEC, 300000, 3, 0), 3 * SEC + 2, &a);
	assert_int_equal(s.state, BFD_STATE_INIT);
	rx(&s, peer_pkt(BFD_STATE_DOWN, 0, SEC, 300000, 3, 0), 3 * SEC + 3, &a);
	assert_false(a.changed);
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, SEC, 300000, 3, 0), 3 * SEC + 4, &a);
	assert_true(a.changed && a.from == BFD_STATE_INIT && a.to == BFD_STATE_UP);
	rx(&s, peer_pkt(BFD_STATE_INIT, OUR_DISC, SEC, 300000, 3, 0), 3 * SEC + 5, &a);
	assert_false(a.changed);
	assert_int_equal(s.ups, 2);
}

/* Section 6.8.16: our AdminDown, diag 7; packets then discarded. */
static void test_admin_down(void **state)
{
	struct bfd_session s, before;
	struct bfd_actions a;
	struct bfd_pkt p;
	uint64_t detect_at;

	(void)state;
	bring_up(&s, &CFG300, 300000, 300000);
	tick(&s, 2300 * MS, 0, &a);
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, BFD_F_FINAL), 2500 * MS, &a);
	bfd_session_admin(&s, true, 3 * SEC, &a);
	check(&s);
	assert_true(a.changed && a.from == BFD_STATE_UP && a.to == BFD_STATE_ADMIN_DOWN);
	assert_int_equal(a.diag, BFD_DIAG_ADMIN_DOWN);
	assert_int_equal(s.downs, 1);
	assert_true(s.cfg.admin_down);
	assert_false(s.poll);
	assert_int_equal(s.desired_min_tx_us, BFD_SLOW_TX_US);
	bfd_session_build(&s, &p);
	assert_int_equal(p.state, BFD_STATE_ADMIN_DOWN);
	assert_int_equal(p.diag, BFD_DIAG_ADMIN_DOWN);
	/* Again: nothing. */
	before = s;
	bfd_session_admin(&s, true, 3 * SEC + 1, &a);
	assert_false(a.changed);
	assert_memory_equal(&s, &before, sizeof(s));
	/* Packets change no state, answer no Poll, do not feed detection. */
	detect_at = s.detect_at_us;
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, BFD_F_POLL), 3 * SEC + 2, &a);
	assert_false(a.changed);
	assert_false(a.discarded);
	assert_false(a.send);
	assert_int_equal(s.state, BFD_STATE_ADMIN_DOWN);
	assert_true(s.detect_at_us == detect_at);
	/* Still transmitting, so that the peer sees AdminDown. */
	assert_true(s.next_tx_us < 3 * SEC);
	tick(&s, 3 * SEC + 3, 0, &a);
	assert_true(a.send);
	assert_true(s.next_tx_us == 4 * SEC + 3);
	/* Detection runs out: the peer forgotten, still AdminDown. */
	tick(&s, detect_at, 0, &a);
	assert_false(a.changed);
	assert_int_equal(s.remote_disc, 0);
	assert_int_equal(s.local_diag, BFD_DIAG_ADMIN_DOWN);
	/* Reconfigure keeps AdminDown whatever cfg says. */
	assert_int_equal(bfd_session_reconfigure(&s, &CFG300, 5 * SEC, &a), 0);
	assert_int_equal(s.state, BFD_STATE_ADMIN_DOWN);
	assert_true(s.cfg.admin_down);
	/* Off: Down, no diagnostic, starting anew. */
	bfd_session_admin(&s, false, 6 * SEC, &a);
	check(&s);
	assert_true(a.changed && a.from == BFD_STATE_ADMIN_DOWN && a.to == BFD_STATE_DOWN);
	assert_int_equal(a.diag, BFD_DIAG_NONE);
	assert_false(s.cfg.admin_down);
	bfd_session_admin(&s, false, 6 * SEC, &a);
	assert_false(a.changed);
	/* A peer that asked for nothing while we were AdminDown is asked
	 * again: transmission resumes. */
	bfd_session_admin(&s, true, 7 * SEC, &a);
	rx(&s, peer_pkt(BFD_STATE_DOWN, 0, SEC, 0, 3, 0), 7 * SEC + 1, &a);
	assert_true(s.next_tx_us == BFD_NEVER);
	bfd_session_admin(&s, false, 8 * SEC, &a);
	check(&s);
	assert_true(s.next_tx_us <= 9 * SEC);
}

/* Section 6.8.7: RemoteMinRx zero stops periodic packets; Demand mode
 * on the remote system while both are Up too. F answers still go. */
static void test_no_tx(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	(void)state;
	bring_up(&s, &CFG300, 300000, 300000);
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 0, 3, 0), 2100 * MS, &a);
	assert_int_equal(s.remote_min_rx_us, 0);
	assert_true(s.next_tx_us == BFD_NEVER);
	assert_true(bfd_session_next_deadline(&s) == s.detect_at_us);
	tick(&s, 2500 * MS, rnd(), &a);
	assert_false(a.send);
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 0, 3, BFD_F_POLL), 2600 * MS, &a);
	assert_true(a.send);
	bfd_session_build(&s, &p);
	assert_int_equal(p.flags, BFD_F_FINAL);
	/* Asked again: within the interval from now. */
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 200000, 3, 0), 2700 * MS, &a);
	assert_int_equal(s.remote_min_rx_us, 200000);
	assert_true(s.next_tx_us <= 3000 * MS);
	/* The peer raises its RequiredMinRx to 2 s: the packet already due
	 * within 300 ms waits for 2 s less jitter after the last one sent
	 * (section 6.8.7). */
	tick(&s, s.next_tx_us, UINT32_MAX, &a);
	assert_true(a.send);
	{
		uint64_t sent = s.last_tx_us;

		rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 2000000, 3, 0), sent + 10 * MS, &a);
		assert_true(s.next_tx_us >= sent + 1500 * MS);
		assert_true(s.next_tx_us <= sent + 10 * MS + 2000 * MS);
		tick(&s, sent + 400 * MS, rnd(), &a);
		assert_false(a.send);
	}
	/* Silence then expiry: Down and transmitting again, slow. */
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 0, 3, 0), 2800 * MS, &a);
	tick(&s, 3700 * MS, 0, &a);
	assert_int_equal(s.state, BFD_STATE_DOWN);
	assert_true(s.next_tx_us <= 4700 * MS);

	/* Demand mode of the remote system. */
	bring_up(&s, &CFG300, 300000, 300000);
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, BFD_F_DEMAND), 2100 * MS, &a);
	assert_true(s.remote_demand);
	assert_true(s.next_tx_us == BFD_NEVER);
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, BFD_F_DEMAND | BFD_F_POLL),
	   2200 * MS, &a);
	assert_true(a.send);
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, 0), 2300 * MS, &a);
	assert_true(s.next_tx_us <= 2600 * MS);
	/* D while not Up: ignored for transmission (section 6.8.6). */
	bring_up(&s, &CFG300, 300000, 300000);
	rx(&s, peer_pkt(BFD_STATE_INIT, OUR_DISC, 300000, 300000, 3, BFD_F_DEMAND), 2100 * MS, &a);
	assert_true(s.next_tx_us != BFD_NEVER);
}

/* Section 6.8.6: what the session refuses itself. */
static void test_refused(void **state)
{
	struct bfd_session s, before;
	struct bfd_actions a;
	struct bfd_pkt p;

	(void)state;
	bring_up(&s, &CFG300, 300000, 300000);
	before = s;
	struct {
		struct bfd_pkt p;
		enum bfd_drop why;
	} cases[] = {
	    {peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, BFD_F_AUTH), BFD_DROP_AUTH},
	    {peer_pkt(BFD_STATE_DOWN, OUR_DISC, 300000, 300000, 3, BFD_F_AUTH), BFD_DROP_AUTH},
	    {peer_pkt(BFD_STATE_UP, OUR_DISC + 1, 300000, 300000, 3, 0), BFD_DROP_NO_SESSION},
	    {peer_pkt(BFD_STATE_UP, 0, 300000, 300000, 3, 0), BFD_DROP_YOUR_DISC},
	    {peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 0, 0), BFD_DROP_MULT},
	    {peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, BFD_F_MULTIPOINT),
	     BFD_DROP_MULTIPOINT},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rx(&s, cases[i].p, 2500 * MS, &a);
		assert_true(a.discarded);
		assert_int_equal(a.why, cases[i].why);
		assert_false(a.changed);
		assert_memory_equal(&s, &before, sizeof(s));
	}
	p = peer_pkt(BFD_STATE_UP, OUR_DISC, 300000, 300000, 3, 0);
	p.my_disc = 0;
	rx(&s, p, 2500 * MS, &a);
	assert_int_equal(a.why, BFD_DROP_MY_DISC);
	p.my_disc = 1;
	p.version = 0;
	rx(&s, p, 2500 * MS, &a);
	assert_int_equal(a.why, BFD_DROP_VERSION);
	assert_memory_equal(&s, &before, sizeof(s));
}

/* Section 6.8.7: each interval reduced by 0 to 25%, from rand. */
static void test_jitter(void **state)
{
	static const uint32_t edges[] = {0, 1, UINT32_MAX / 2, UINT32_MAX - 1, UINT32_MAX};
	struct bfd_session s;
	struct bfd_actions a;
	uint64_t sum = 0, lo = UINT64_MAX, hi = 0, d, now;
	const int n = 100000;

	(void)state;
	/* Down: one second. */
	assert_int_equal(bfd_session_init(&s, &CFG300, OUR_DISC, 0), 0);
	tick(&s, 0, 0, &a);
	assert_true(s.next_tx_us == SEC);
	tick(&s, SEC, UINT32_MAX, &a);
	assert_true(s.next_tx_us == SEC + 750000);
	tick(&s, s.next_tx_us, UINT32_MAX / 2, &a);
	d = s.next_tx_us - (SEC + 750000);
	assert_true(d >= 875000 && d <= 875001);
	for (int i = 0; i < n; i++) {
		uint32_t r = i < 5 ? edges[i] : rnd();

		now = s.next_tx_us;
		tick(&s, now, r, &a);
		assert_true(a.send);
		d = s.next_tx_us - now;
		assert_true(d >= 750000 && d <= SEC);
		sum += d;
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	/* Spread over the whole range, 12.5% off on average. */
	assert_true(lo < 751000 && hi > 999000);
	assert_true(sum / n > 870000 && sum / n < 880000);

	/* Up at 10 ms with the peer sending: 7.5 to 10 ms. */
	struct bfd_session_cfg fast = {BFD_INTERVAL_MIN_US, BFD_INTERVAL_MIN_US, 2, false};
	bring_up(&s, &fast, BFD_INTERVAL_MIN_US, BFD_INTERVAL_MIN_US);
	for (int i = 0; i < 10000; i++) {
		now = s.next_tx_us;
		rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 10000, 10000, 3, BFD_F_FINAL), now, &a);
		tick(&s, now, rnd(), &a);
		d = s.next_tx_us - now;
		assert_true(d >= 7500 && d <= 10000);
	}
	assert_int_equal(s.state, BFD_STATE_UP);
}

/* Peer intervals clamped into [10 ms, 60 s]; RequiredMinRx 0 kept. */
static void test_clamp(void **state)
{
	struct bfd_session_cfg cfg = {BFD_INTERVAL_MIN_US, BFD_INTERVAL_MIN_US, 3, false};
	struct bfd_session s;
	struct bfd_actions a;
	uint64_t now;

	(void)state;
	bring_up(&s, &cfg, 1, 1);
	assert_int_equal(s.remote_min_rx_us, BFD_INTERVAL_MIN_US);
	assert_int_equal(s.remote_min_tx_us, BFD_INTERVAL_MIN_US);
	assert_int_equal(bfd_session_tx_interval(&s), BFD_INTERVAL_MIN_US);
	assert_int_equal(bfd_session_detect_time(&s), 3 * BFD_INTERVAL_MIN_US);

	now = 3 * SEC;
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, UINT32_MAX, UINT32_MAX, 255, BFD_F_FINAL), now, &a);
	assert_int_equal(s.remote_min_rx_us, BFD_INTERVAL_MAX_US);
	assert_int_equal(s.remote_min_tx_us, BFD_INTERVAL_MAX_US);
	assert_int_equal(bfd_session_tx_interval(&s), BFD_INTERVAL_MAX_US);
	assert_true(bfd_session_detect_time(&s) == 255ull * BFD_INTERVAL_MAX_US);
	assert_true(s.detect_at_us == now + 255ull * BFD_INTERVAL_MAX_US);
	/* The packet that was due is held back: no sooner than 60 s less
	 * the jitter after the last one sent (section 6.8.7). */
	assert_true(s.last_tx_us != 0);
	assert_true(s.next_tx_us >= s.last_tx_us + 45 * SEC);
	tick(&s, now + 1, rnd(), &a);
	assert_false(a.send);
	/* The next packet at most 60 s on, at least 45 s. */
	now = s.next_tx_us;
	tick(&s, now, rnd(), &a);
	assert_true(a.send);
	assert_true(s.next_tx_us - now >= 45 * SEC && s.next_tx_us - now <= 60 * SEC);
	/* Desired Min TX 0 (nonsense): the floor. */
	rx(&s, peer_pkt(BFD_STATE_UP, OUR_DISC, 0, 0, 3, 0), now + 1, &a);
	assert_int_equal(s.remote_min_tx_us, BFD_INTERVAL_MIN_US);
	assert_int_equal(s.remote_min_rx_us, 0);
}

/* Two sessions wired back to back on a simulated clock, through the
 * codec. */
struct end {
	struct bfd_session s;
	bool cut;         /* what this end sends is lost */
	uint64_t last_rx; /* last packet accepted outside AdminDown */
	size_t n_tx, n_poll, n_final, changes;
	enum bfd_diag down_diag;   /* with the last change to Down */
	uint64_t prev_periodic;    /* time of the previous periodic packet */
	uint64_t min_gap, max_gap; /* between periodic packets, see gap_reset */
	enum bfd_diag last_diag;
};

struct net {
	struct end e[2];
	uint64_t now;
};

static void gap_reset(struct end *e)
{
	e->min_gap = UINT64_MAX;
	e->max_gap = 0;
	e->prev_periodic = 0;
}

static void changed(struct end *e, const struct bfd_actions *a)
{
	if (a->changed) {
		e->changes++;
		e->last_diag = a->diag;
		if (a->to == BFD_STATE_DOWN)
			e->down_diag = a->diag;
	}
}

static void deliver(struct net *n, int from, bool periodic)
{
	struct end *e = &n->e[from], *o = &n->e[!from];
	struct bfd_actions a;
	struct bfd_pkt p, d;
	uint8_t buf[BFD_PKT_MAX];
	enum bfd_drop why;
	bool admin = o->s.state == BFD_STATE_ADMIN_DOWN;

	bfd_session_build(&e->s, &p);
	check(&e->s);
	e->n_tx++;
	e->n_poll += !!(p.flags & BFD_F_POLL);
	e->n_final += !!(p.flags & BFD_F_FINAL);
	assert_false((p.flags & BFD_F_POLL) && (p.flags & BFD_F_FINAL));
	if (periodic) {
		if (e->prev_periodic) {
			uint64_t gap = n->now - e->prev_periodic;

			e->min_gap = gap < e->min_gap ? gap : e->min_gap;
			e->max_gap = gap > e->max_gap ? gap : e->max_gap;
		}
		e->prev_periodic = n->now;
	}
	if (e->cut)
		return;
	assert_int_equal(bfd_pkt_encode(&p, buf, sizeof(buf)), BFD_PKT_LEN);
	assert_int_equal(bfd_pkt_decode(buf, BFD_PKT_LEN, &d, &why), 0);
	rx(&o->s, d, n->now, &a);
	assert_false(a.discarded);
	if (!admin)
		o->last_rx = n->now;
	if (o->s.detect_at_us)
		assert_true(o->s.detect_at_us == o->last_rx + bfd_session_detect_time(&o->s));
	changed(o, &a);
	if (a.send)
		deliver(n, !from, false);
}

/* Runs both ends until `until`, timers exactly at their deadlines. */
static void run(struct net *n, uint64_t until)
{
	for (;;) {
		uint64_t d0 = bfd_session_next_deadline(&n->e[0].s);
		uint64_t d1 = bfd_session_next_deadline(&n->e[1].s);
		uint64_t d = d0 < d1 ? d0 : d1;

		if (d > until) {
			n->now = until;
			return;
		}
		n->now = d;
		for (int i = 0; i < 2; i++) {
			struct end *e = &n->e[i];
			struct bfd_actions a;
			uint64_t detect_at = e->s.detect_at_us;

			if (bfd_session_next_deadline(&e->s) > n->now)
				continue;
			tick(&e->s, n->now, rnd(), &a);
			changed(e, &a);
			/* Expiry exactly at the deadline, never before. */
			if (a.changed && a.diag == BFD_DIAG_TIME_EXPIRED)
				assert_true(detect_at == n->now);
			if (a.send)
				deliver(n, i, true);
		}
	}
}

static void net_init(struct net *n, const struct bfd_session_cfg *c0,
                     const struct bfd_session_cfg *c1)
{
	memset(n, 0, sizeof(*n));
	assert_int_equal(bfd_session_init(&n->e[0].s, c0, 1, 0), 0);
	assert_int_equal(bfd_session_init(&n->e[1].s, c1, 2, 0), 0);
	gap_reset(&n->e[0]);
	gap_reset(&n->e[1]);
}

static bool both_up(const struct net *n)
{
	return n->e[0].s.state == BFD_STATE_UP && n->e[1].s.state == BFD_STATE_UP;
}

/* Runs in 1 ms steps until both are Up; the time it took. */
static uint64_t until_up(struct net *n, uint64_t limit)
{
	uint64_t t0 = n->now;

	while (!both_up(n) && n->now - t0 < limit)
		run(n, n->now + MS);
	assert_true(both_up(n));
	return n->now - t0;
}

static void test_back_to_back(void **state)
{
	struct net n;
	uint64_t took;

	(void)state;
	net_init(&n, &CFG300, &CFG300);
	/* 1 is not heard for 5 s: 0 stays Down, 1 goes Init on 0's Down;
	 * both at one packet a second less jitter. */
	n.e[1].cut = true;
	run(&n, 5 * SEC);
	assert_int_equal(n.e[0].s.state, BFD_STATE_DOWN);
	assert_int_equal(n.e[1].s.state, BFD_STATE_INIT);
	for (int i = 0; i < 2; i++) {
		assert_true(n.e[i].n_tx >= 5 && n.e[i].n_tx <= 7);
		assert_true(n.e[i].min_gap >= 750 * MS && n.e[i].max_gap <= SEC);
		assert_int_equal(n.e[i].s.desired_min_tx_us, BFD_SLOW_TX_US);
	}
	/* Heard: 1's Init takes 0 Up, 0's Up (with its Poll, sooner) takes
	 * 1 Up. */
	n.e[1].cut = false;
	took = until_up(&n, 5 * SEC);
	assert_true(took <= SEC + 300 * MS);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n.e[i].s.remote_disc, i ? 1 : 2);
		gap_reset(&n.e[i]);
	}
	/* The Polls to 300 ms are answered. */
	run(&n, n.now + SEC);
	for (int i = 0; i < 2; i++) {
		assert_false(n.e[i].s.poll);
		assert_true(n.e[i].n_poll >= 1);
		assert_true(n.e[i].n_final >= 1);
		assert_int_equal(bfd_session_tx_interval(&n.e[i].s), 300000);
		gap_reset(&n.e[i]);
	}
	/* A minute of Up at 300 ms less jitter. */
	run(&n, n.now + 60 * SEC);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n.e[i].s.state, BFD_STATE_UP);
		assert_int_equal(n.e[i].s.ups, 1);
		assert_int_equal(n.e[i].s.downs, 0);
		assert_true(n.e[i].min_gap >= 225 * MS && n.e[i].max_gap <= 300 * MS);
		assert_true(n.e[i].min_gap < 235 * MS && n.e[i].max_gap > 290 * MS);
	}

	/* Renegotiated on one side, both directions, end to end. */
	struct bfd_session_cfg fast = {50000, 20000, 5, false};
	struct bfd_actions a;
	assert_int_equal(bfd_session_reconfigure(&n.e[0].s, &fast, n.now, &a), 0);
	run(&n, n.now + SEC);
	assert_false(n.e[0].s.poll);
	/* 0 sends at max(50, 300) ms; 1 at max(300, 20) ms; 1 detects 0
	 * in 5 x max(300, 50) ms, 0 detects 1 in 3 x max(20, 300) ms. */
	assert_int_equal(bfd_session_tx_interval(&n.e[0].s), 300000);
	assert_int_equal(bfd_session_tx_interval(&n.e[1].s), 300000);
	assert_int_equal(bfd_session_detect_time(&n.e[1].s), 1500000);
	assert_int_equal(bfd_session_detect_time(&n.e[0].s), 900000);
	assert_int_equal(bfd_session_reconfigure(&n.e[1].s, &fast, n.now, &a), 0);
	run(&n, n.now + SEC);
	gap_reset(&n.e[0]);
	gap_reset(&n.e[1]);
	run(&n, n.now + 10 * SEC);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(bfd_session_tx_interval(&n.e[i].s), 50000);
		assert_int_equal(bfd_session_detect_time(&n.e[i].s), 250000);
		assert_true(n.e[i].max_gap <= 50 * MS && n.e[i].min_gap >= 37500);
		assert_int_equal(n.e[i].s.downs, 0);
	}

	/* One direction cut: 0 goes Down after its Detection Time, then 1
	 * hears 0's Down and follows with diag 3. */
	uint64_t cut_at = n.now;
	n.e[1].cut = true;
	run(&n, cut_at + 5 * SEC);
	assert_int_equal(n.e[0].s.downs, 1);
	assert_int_equal(n.e[0].down_diag, BFD_DIAG_TIME_EXPIRED);
	assert_true(n.e[0].s.changed_at_us == n.e[0].last_rx + 250000);
	assert_true(n.e[0].s.changed_at_us - cut_at <= 250000);
	assert_int_equal(n.e[1].s.downs, 1);
	assert_int_equal(n.e[1].down_diag, BFD_DIAG_NEIGHBOR_DOWN);
	assert_int_equal(n.e[1].s.state, BFD_STATE_INIT);
	/* Healed: Up again. */
	n.e[1].cut = false;
	took = until_up(&n, 5 * SEC);
	assert_true(took <= 2 * SEC);

	/* One side AdminDown: the other Down, diag 3, and stays Down. */
	bfd_session_admin(&n.e[0].s, true, n.now, &a);
	run(&n, n.now + 5 * SEC);
	assert_int_equal(n.e[1].s.state, BFD_STATE_DOWN);
	assert_int_equal(n.e[1].s.remote_state, BFD_STATE_ADMIN_DOWN);
	assert_int_equal(n.e[1].down_diag, BFD_DIAG_NEIGHBOR_DOWN);
	assert_int_equal(n.e[1].s.downs, 2);
	bfd_session_admin(&n.e[0].s, false, n.now, &a);
	until_up(&n, 5 * SEC);
}

/* Random packets, timers, admin and reconfiguration on one session:
 * the invariants hold after every call. */
static void test_prop_single(void **state)
{
	static const uint32_t ivals[] = {0,      1,   9999,     10000,     20000,
	                                 300000, SEC, 60 * SEC, UINT32_MAX};
	struct bfd_session s;
	struct bfd_actions a;
	uint64_t now = 1000, last_rx = 0;

	(void)state;
	assert_int_equal(bfd_session_init(&s, &CFG300, OUR_DISC, now), 0);
	for (int i = 0; i < 200000; i++) {
		uint32_t r = rnd();

		now += r % 4 == 0 ? rnd() % (2 * SEC) : rnd() % (50 * MS);
		switch (r >> 29) {
		case 0:
		case 1:
		case 2: {
			uint8_t flags = (uint8_t)(rnd() & 0x3f);
			bool admin = s.state == BFD_STATE_ADMIN_DOWN;
			struct bfd_pkt p;

			if (rnd() % 4)
				flags &= (uint8_t) ~(BFD_F_AUTH | BFD_F_MULTIPOINT);
			p = peer_pkt((enum bfd_state)(rnd() % 4), rnd() % 8 ? OUR_DISC : rnd() % 2,
			             ivals[rnd() % 9], ivals[rnd() % 9],
			             (uint8_t)(rnd() % 4 ? rnd() % 6 : rnd()), flags);
			rx(&s, p, now, &a);
			if (!a.discarded && !admin)
				last_rx = now;
			break;
		}
		case 3:
		case 4:
		case 5: {
			uint64_t detect_at = s.detect_at_us;

			if (rnd() % 2 && bfd_session_next_deadline(&s) != BFD_NEVER &&
			    bfd_session_next_deadline(&s) > now)
				now = bfd_session_next_deadline(&s);
			tick(&s, now, rnd(), &a);
			if (a.changed)
				assert_true(a.diag == BFD_DIAG_TIME_EXPIRED && detect_at &&
				            now >= detect_at);
			if (detect_at && now >= detect_at)
				assert_int_equal(s.detect_at_us, 0);
			break;
		}
		case 6:
			bfd_session_admin(&s, rnd() % 2, now, &a);
			check(&s);
			break;
		default: {
			struct bfd_session_cfg c = {ivals[rnd() % 9], ivals[rnd() % 9],
			                            (uint8_t)rnd(), false};
			bool ok = in_range(c.desired_min_tx_us) && in_range(c.required_min_rx_us) &&
			          c.detect_mult >= 2;

			assert_int_equal(bfd_session_reconfigure(&s, &c, now, &a),
			                 ok ? 0 : -EINVAL);
			check(&s);
			break;
		}
		}
		if (s.detect_at_us)
			assert_true(s.detect_at_us == last_rx + bfd_session_detect_time(&s));
	}
}

/* Two sessions with random loss, admin and reconfiguration: the
 * invariants always; once the link heals, Up on both within seconds. */
static void test_prop_pair(void **state)
{
	static const uint32_t ivals[] = {10000, 20000, 50000, 300000, 700000, SEC, 2 * SEC};
	struct net n;
	struct bfd_actions a;

	(void)state;
	for (int round = 0; round < 100; round++) {
		net_init(&n, &CFG300, &CFG300);
		for (int step = 0; step < 300; step++) {
			uint32_t r = rnd();
			struct end *e = &n.e[r & 1];

			switch ((r >> 1) % 8) {
			case 0:
				e->cut = !e->cut;
				break;
			case 1:
				bfd_session_admin(&e->s, rnd() % 4 == 0, n.now, &a);
				check(&e->s);
				break;
			case 2: {
				struct bfd_session_cfg c = {ivals[rnd() % 7], ivals[rnd() % 7],
				                            (uint8_t)(2 + rnd() % 10), false};

				assert_int_equal(bfd_session_reconfigure(&e->s, &c, n.now, &a), 0);
				check(&e->s);
				break;
			}
			default:
				run(&n, n.now + rnd() % (3 * SEC));
			}
		}
		for (int i = 0; i < 2; i++) {
			n.e[i].cut = false;
			bfd_session_admin(&n.e[i].s, false, n.now, &a);
		}
		until_up(&n, 15 * SEC);
		run(&n, n.now + 30 * SEC);
		assert_true(both_up(&n));
		assert_false(n.e[0].s.poll || n.e[1].s.poll);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init),           cmocka_unit_test(test_bad_config),
	    cmocka_unit_test(test_slow_then_poll), cmocka_unit_test(test_renegotiate_tx),
	    cmocka_unit_test(test_renegotiate_rx), cmocka_unit_test(test_detection),
	    cmocka_unit_test(test_poll_final),     cmocka_unit_test(test_remote_admin_down),
	    cmocka_unit_test(test_admin_down),     cmocka_unit_test(test_no_tx),
	    cmocka_unit_test(test_refused),        cmocka_unit_test(test_jitter),
	    cmocka_unit_test(test_clamp),          cmocka_unit_test(test_back_to_back),
	    cmocka_unit_test(test_prop_single),    cmocka_unit_test(test_prop_pair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
