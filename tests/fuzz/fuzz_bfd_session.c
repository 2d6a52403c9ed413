/*
 * libFuzzer target for the BFD session state machine (bfd/session.h).
 *
 * Two sessions, "a" (discriminator 1) and "b" (2), joined by a link whose
 * two directions the input cuts and restores; a also receives packets
 * made from the input, through the codec or handed in as structs. The
 * input is a script of one-byte ops (low 3 bits: the op, high 5 bits: its
 * argument) with operands after some:
 *   0 datagram: [length] then that many bytes, decoded, to a
 *   1 packet:   [state|flags][mult][your/my][tx][rx] as a struct, to a
 *   2 advance:  time on by table[arg], every timer fired at its deadline
 *   3 late:     time on by table[arg], one timer call each (a late loop)
 *   4 admin:    arg bit 0: a or b, bit 1: down or up
 *   5 reconfigure: arg bit 0: a or b; [tx][rx][mult], maybe out of range
 *   6 link:     arg bit 0 cuts/restores a->b, bit 1 b->a
 *   7 due:      a's timer at its next deadline
 * After every call the invariants below must hold. At the end both are
 * set to 50 ms / x3, AdminDown off, the link whole: they must settle Up
 * (each knowing the other's real values) and stay Up for 2 s.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bfd/session.h"
#include "fuzz.h"

#define SEC 1000000ull

/* Intervals as a peer or an operator may give them, in range or not. */
static const uint32_t ivals[16] = {
    0,      1,      9999,    10000,   10001,    20000,    50000,      100000,
    300000, 999999, 1000000, 2000000, 60000000, 60000001, 0x7fffffff, 0xffffffff,
};

/* Steps of the clock, us. */
static const uint64_t steps[32] = {
    0,       1,       100,      1000,     5000,     7500,      9999,      10000,
    20000,   37500,   50000,    75000,    100000,   150000,    225000,    250000,
    300000,  450000,  750000,   899999,   900000,   999999,    SEC,       2 * SEC,
    3 * SEC, 5 * SEC, 10 * SEC, 30 * SEC, 60 * SEC, 120 * SEC, 300 * SEC, 3600 * SEC,
};

/* Timer calls allowed for the script, and again for the end: keeps
 * one run short (ten minutes of 10 ms timers would be 120,000). */
#define MAX_EVENTS 4000

struct end {
	struct bfd_session s;
	bool cut;         /* what this end sends is lost */
	uint64_t last_rx; /* last packet accepted outside AdminDown */
};

struct world {
	struct end e[2];
	uint64_t now;
	uint32_t rnd;
	unsigned events;
};

static bool in_range(uint32_t us)
{
	return us >= BFD_INTERVAL_MIN_US && us <= BFD_INTERVAL_MAX_US;
}

static bool cfg_valid(const struct bfd_session_cfg *c)
{
	return in_range(c->desired_min_tx_us) && in_range(c->required_min_rx_us) &&
	       c->detect_mult >= BFD_MULT_MIN;
}

static void invariants(const struct end *e)
{
	const struct bfd_session *s = &e->s;
	bool demand =
	    s->remote_demand && s->state == BFD_STATE_UP && s->remote_state == BFD_STATE_UP;

	CHECK(s->state <= BFD_STATE_UP && s->remote_state <= BFD_STATE_UP);
	CHECK(in_range(s->desired_min_tx_us) && in_range(s->required_min_rx_us));
	CHECK(in_range(s->tx_in_force_us) && in_range(s->rx_in_force_us));
	CHECK(s->remote_min_rx_us == 0 || in_range(s->remote_min_rx_us));
	CHECK(s->remote_min_tx_us == 0 || in_range(s->remote_min_tx_us));
	CHECK((s->remote_mult == 0) == (s->remote_min_tx_us == 0));
	CHECK(in_range(bfd_session_tx_interval(s)));
	CHECK(bfd_session_detect_time(s) <= 255ull * BFD_INTERVAL_MAX_US);
	if (s->state != BFD_STATE_UP)
		CHECK(s->desired_min_tx_us >= BFD_SLOW_TX_US && !s->poll);
	if (!s->poll)
		CHECK(s->tx_in_force_us == s->desired_min_tx_us &&
		      s->rx_in_force_us == s->required_min_rx_us);
	CHECK(s->tx_in_force_us <= s->desired_min_tx_us);
	CHECK(s->rx_in_force_us >= s->required_min_rx_us);
	CHECK((s->next_tx_us == BFD_NEVER) == (s->remote_min_rx_us == 0 || demand));
	if (s->state == BFD_STATE_INIT || s->state == BFD_STATE_UP)
		CHECK(s->detect_at_us != 0 && s->remote_disc != 0);
	if (s->state != BFD_STATE_ADMIN_DOWN)
		CHECK(bfd_session_next_deadline(s) != BFD_NEVER);
	if (s->detect_at_us)
		CHECK(s->detect_at_us == e->last_rx + bfd_session_detect_time(s));
	CHECK(s->downs <= s->ups && s->ups <= s->downs + 1);
	CHECK((s->state == BFD_STATE_UP) == (s->ups == s->downs + 1));
	CHECK((s->state == BFD_STATE_ADMIN_DOWN) == s->cfg.admin_down);
}

static void act_ok(const struct bfd_session *s, const struct bfd_actions *a, enum bfd_state was)
{
	CHECK(a->to == s->state && a->diag == s->local_diag && a->remote == s->remote_state);
	CHECK(a->changed ? a->from == was && a->from != a->to : a->from == s->state);
	CHECK(!a->discarded || !a->changed);
}

/* A packet to end i; whether a Final is due in answer. */
static bool rx(struct world *w, int i, const struct bfd_pkt *p)
{
	struct end *e = &w->e[i];
	enum bfd_state was = e->s.state;
	struct bfd_session before = e->s;
	struct bfd_actions a;

	bfd_session_rx(&e->s, p, w->now, &a);
	act_ok(&e->s, &a, was);
	if (a.discarded) {
		CHECK(a.why < BFD_DROP_COUNT && !a.send);
		CHECK(memcmp(&before, &e->s, sizeof(before)) == 0);
	} else if (was != BFD_STATE_ADMIN_DOWN) {
		e->last_rx = w->now;
		CHECK(e->s.remote_disc == p->my_disc);
	} else {
		CHECK(!a.changed && !a.send);
	}
	CHECK(a.send == (!a.discarded && was != BFD_STATE_ADMIN_DOWN && (p->flags & BFD_F_POLL)));
	CHECK(e->s.final_due == a.send);
	invariants(e);
	return a.send;
}

/* A packet from the input to a: a's answer is built, not delivered (it
 * was not b that sent the Poll). */
static void rx_input(struct world *w, const struct bfd_pkt *p)
{
	struct bfd_pkt q;

	if (rx(w, 0, p)) {
		bfd_session_build(&w->e[0].s, &q);
		CHECK(q.flags == BFD_F_FINAL && !w->e[0].s.final_due);
	}
}

/* What session `from` sends: always valid on the wire, never P with F. */
static void send(struct world *w, int from)
{
	struct end *e = &w->e[from];
	uint8_t buf[BFD_PKT_MAX];
	struct bfd_pkt p, d;
	enum bfd_drop why;
	bool poll = e->s.poll, final = e->s.final_due;

	bfd_session_build(&e->s, &p);
	CHECK(!e->s.final_due);
	CHECK(p.state == e->s.state && p.diag == e->s.local_diag);
	CHECK(p.flags == (final ? BFD_F_FINAL : poll ? BFD_F_POLL : 0));
	CHECK(p.my_disc == e->s.local_disc && p.your_disc == e->s.remote_disc);
	CHECK(p.desired_min_tx_us == e->s.desired_min_tx_us);
	CHECK(p.required_min_rx_us == e->s.required_min_rx_us);
	CHECK(p.detect_mult == e->s.cfg.detect_mult && p.required_min_echo_rx_us == 0);
	CHECK(bfd_pkt_encode(&p, buf, sizeof(buf)) == BFD_PKT_LEN);
	CHECK(bfd_pkt_decode(buf, BFD_PKT_LEN, &d, &why) == 0);
	if (e->cut)
		return;
	/* Your Discriminator is 0 or the other's: never refused. The
	 * answer to a Poll goes back at once (a Final has no P: the
	 * recursion stops there). */
	if (rx(w, !from, &d))
		send(w, !from);
}

/* One timer call of end i at w->now. */
static void tick(struct world *w, int i)
{
	struct end *e = &w->e[i];
	enum bfd_state was = e->s.state;
	uint64_t detect_at = e->s.detect_at_us, next_tx = e->s.next_tx_us;
	struct bfd_actions a;

	w->rnd = w->rnd * 1103515245u + 12345u;
	w->events++;
	bfd_session_timer(&e->s, w->now, w->rnd, &a);
	act_ok(&e->s, &a, was);
	/* Expiry at the Detection Time, not before, and not missed. */
	if (a.changed)
		CHECK(a.diag == BFD_DIAG_TIME_EXPIRED && detect_at && w->now >= detect_at);
	if (detect_at && w->now >= detect_at) {
		CHECK(e->s.remote_disc == 0 && e->s.detect_at_us == 0);
		CHECK(e->s.state == BFD_STATE_DOWN || e->s.state == BFD_STATE_ADMIN_DOWN);
	}
	CHECK(a.send == (next_tx != BFD_NEVER && w->now >= next_tx));
	if (a.send) {
		uint64_t iv = bfd_session_tx_interval(&e->s), gap = e->s.next_tx_us - w->now;

		/* Section 6.8.7: 75% to 100% of the interval. */
		CHECK(gap <= iv && gap * 4 >= iv * 3);
	}
	CHECK(bfd_session_next_deadline(&e->s) > w->now);
	invariants(e);
	if (a.send)
		send(w, i);
}

/* Time on to `until`, every timer fired at its deadline. */
static void advance(struct world *w, uint64_t until)
{
	while (w->events < MAX_EVENTS) {
		uint64_t d0 = bfd_session_next_deadline(&w->e[0].s);
		uint64_t d1 = bfd_session_next_deadline(&w->e[1].s);
		uint64_t d = d0 < d1 ? d0 : d1;

		if (d > until)
			break;
		if (d > w->now)
			w->now = d;
		for (int i = 0; i < 2; i++)
			if (bfd_session_next_deadline(&w->e[i].s) <= w->now)
				tick(w, i);
	}
	if (until > w->now)
		w->now = until;
}

static void admin(struct world *w, int i, bool down)
{
	struct end *e = &w->e[i];
	enum bfd_state was = e->s.state;
	struct bfd_actions a;

	bfd_session_admin(&e->s, down, w->now, &a);
	act_ok(&e->s, &a, was);
	CHECK(!a.send && !a.discarded);
	CHECK(a.changed == (down != (was == BFD_STATE_ADMIN_DOWN)));
	if (a.changed)
		CHECK(e->s.local_diag == (down ? BFD_DIAG_ADMIN_DOWN : BFD_DIAG_NONE));
	invariants(e);
}

static void reconfigure(struct world *w, int i, const struct bfd_session_cfg *c)
{
	struct end *e = &w->e[i];
	struct bfd_session before = e->s;
	struct bfd_actions a;
	int r = bfd_session_reconfigure(&e->s, c, w->now, &a);

	CHECK(r == (cfg_valid(c) ? 0 : -EINVAL));
	CHECK(!a.changed && !a.send && !a.discarded);
	if (r)
		CHECK(memcmp(&before, &e->s, sizeof(before)) == 0);
	else
		CHECK(e->s.cfg.detect_mult == c->detect_mult);
	invariants(e);
}

/* Op 1: a packet as a struct, maybe one the codec would refuse. */
static void packet(struct world *w, const uint8_t *b)
{
	static const uint32_t discs[4] = {0, 1, 2, 0xdeadbeef};
	struct bfd_pkt p;

	memset(&p, 0, sizeof(p));
	p.version = (b[2] & 0x80) ? (b[2] >> 4) & 7 : BFD_VERSION;
	p.state = (enum bfd_state)(b[0] >> 6);
	p.flags = b[0] & 0x3f;
	p.detect_mult = b[1];
	p.length = BFD_PKT_LEN;
	p.your_disc = discs[b[2] & 3];
	p.my_disc = (b[2] & 4) ? discs[(b[2] >> 3) & 3] : 2;
	p.diag = (enum bfd_diag)(b[3] >> 4 ^ b[4] >> 4);
	p.desired_min_tx_us = ivals[b[3] & 15];
	p.required_min_rx_us = ivals[b[4] & 15];
	rx_input(w, &p);
}

/* Both Up, no Poll out, and each knowing the other as it is now (what
 * the input made a believe is gone). */
static bool settled(const struct world *w)
{
	for (int i = 0; i < 2; i++) {
		const struct bfd_session *s = &w->e[i].s, *o = &w->e[!i].s;

		if (s->state != BFD_STATE_UP || s->poll || s->remote_demand ||
		    s->remote_min_rx_us != o->required_min_rx_us ||
		    s->remote_min_tx_us != o->desired_min_tx_us ||
		    s->remote_mult != o->cfg.detect_mult)
			return false;
	}
	return true;
}

/* The end: both reasonable, nothing in the way; settled within 200 s,
 * then Up for 2 s more without a flap. */
static void heal(struct world *w)
{
	static const struct bfd_session_cfg c = {50000, 50000, 3, false};
	uint32_t d0, d1;
	uint64_t t0;

	w->events = 0;
	for (int i = 0; i < 2; i++) {
		w->e[i].cut = false;
		admin(w, i, false);
		reconfigure(w, i, &c);
	}
	/* Timers overdue (a late op, or the script's budget spent) fire
	 * first. */
	advance(w, w->now);
	t0 = w->now;
	while (!settled(w)) {
		CHECK(w->now - t0 < 200 * SEC && w->events < MAX_EVENTS);
		advance(w, w->now + 10000);
	}
	d0 = w->e[0].s.downs;
	d1 = w->e[1].s.downs;
	advance(w, w->now + 2 * SEC);
	CHECK(settled(w));
	CHECK(w->e[0].s.downs == d0 && w->e[1].s.downs == d1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bfd_session_cfg c = {300000, 300000, 3, false};
	struct world w;
	size_t i = 0;

	memset(&w, 0, sizeof(w));
	w.now = 1000;
	if (size > 0) {
		c.desired_min_tx_us = ivals[data[0] & 15];
		c.required_min_rx_us = ivals[data[0] >> 4];
		i = 1;
	}
	if (!cfg_valid(&c))
		c.desired_min_tx_us = c.required_min_rx_us = 300000;
	CHECK(bfd_session_init(&w.e[0].s, &c, 1, w.now) == 0);
	c.desired_min_tx_us = c.required_min_rx_us = 300000;
	CHECK(bfd_session_init(&w.e[1].s, &c, 2, w.now) == 0);
	invariants(&w.e[0]);
	invariants(&w.e[1]);
	while (i < size && w.events < MAX_EVENTS) {
		uint8_t op = data[i++], arg = op >> 3;

		switch (op & 7) {
		case 0: {
			size_t n = i < size ? data[i++] : 0;
			struct bfd_pkt p;
			uint8_t *copy;

			if (n > size - i)
				n = size - i;
			copy = malloc(n ? n : 1);
			CHECK(copy);
			memcpy(copy, data + i, n);
			if (bfd_pkt_decode(copy, n, &p, NULL) == 0)
				rx_input(&w, &p);
			free(copy);
			i += n;
			break;
		}
		case 1:
			if (size - i < 5)
				return 0;
			packet(&w, data + i);
			i += 5;
			break;
		case 2:
			advance(&w, w.now + steps[arg]);
			break;
		case 3:
			w.now += steps[arg];
			tick(&w, 0);
			tick(&w, 1);
			break;
		case 4:
			admin(&w, arg & 1, arg & 2);
			break;
		case 5: {
			struct bfd_session_cfg n = {0};

			if (size - i < 3)
				return 0;
			n.desired_min_tx_us = ivals[data[i] & 15];
			n.required_min_rx_us = ivals[data[i + 1] & 15];
			n.detect_mult = data[i + 2];
			reconfigure(&w, arg & 1, &n);
			i += 3;
			break;
		}
		case 6:
			w.e[0].cut ^= arg & 1;
			w.e[1].cut ^= (arg >> 1) & 1;
			break;
		default: {
			uint64_t d = bfd_session_next_deadline(&w.e[0].s);

			if (d != BFD_NEVER && d > w.now)
				w.now = d;
			tick(&w, 0);
		}
		}
	}
	heal(&w);
	return 0;
}
