/*
 * One BFD session's state machine, RFC 5880 asynchronous mode: the
 * three-way handshake of section 6.2, the reception rules of section
 * 6.8.6, timer negotiation and Poll Sequences (sections 6.5, 6.8.2,
 * 6.8.3), the Detection Time (section 6.8.4) and transmission (section
 * 6.8.7). Pure: see bfd/session.h.
 *
 * Decisions the header leaves open:
 *  - tx_in_force_us / rx_in_force_us always hold the values in force
 *    (equal to bfd.DesiredMinTxInterval / bfd.RequiredMinRxInterval
 *    when no Poll Sequence is out); only a change while Up makes them
 *    differ until the Final arrives (section 6.8.3).
 *  - A Poll Sequence runs only for a change while Up, the one section
 *    6.8.3 protects; while not Up new values apply at once.
 *  - bfd.LocalDiag is cleared (0) on the way to Init or Up and when
 *    AdminDown ends: the diagnostic is the reason of the last change,
 *    and those changes have none (section 6.8.1).
 *  - A packet received in AdminDown is learnt from and then discarded as
 *    section 6.8.6 says; that is no error, so act.discarded stays false.
 *    It does not count for the Detection Time (the timer runs on and
 *    forgets the peer when it expires), and leaving AdminDown forgets the
 *    peer too: the new session starts from the initial values.
 *  - AdminDown keeps transmitting (at the slow rate) so that the peer
 *    sees AdminDown rather than a failure (RFC 5882 section 3.2).
 *  - bfd_session_reconfigure takes timers and multiplier only;
 *    cfg->admin_down is bfd_session_admin's (bfd/io.h: "Timers only").
 */
#include "bfd/session.h"

#include <errno.h>
#include <string.h>

static uint32_t max32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static bool interval_ok(uint32_t us)
{
	return us >= BFD_INTERVAL_MIN_US && us <= BFD_INTERVAL_MAX_US;
}

/* A peer's interval, brought into what we accept (bfd/session.h). */
static uint32_t clamp_interval(uint32_t us)
{
	return min32(max32(us, BFD_INTERVAL_MIN_US), BFD_INTERVAL_MAX_US);
}

static bool cfg_ok(const struct bfd_session_cfg *c)
{
	/* detect_mult is 8 bits: BFD_MULT_MAX (255) holds by its type. */
	return c && interval_ok(c->desired_min_tx_us) && interval_ok(c->required_min_rx_us) &&
	       c->detect_mult >= BFD_MULT_MIN;
}

uint32_t bfd_session_tx_interval(const struct bfd_session *s)
{
	/* Section 6.8.7: the larger of bfd.DesiredMinTxInterval (the one in
	 * force, section 6.8.3) and bfd.RemoteMinRxInterval. */
	return max32(s->tx_in_force_us, s->remote_min_rx_us);
}

uint64_t bfd_session_detect_time(const struct bfd_session *s)
{
	/* Section 6.8.4, asynchronous mode: the remote Detect Mult times the
	 * agreed transmit interval of the remote system, the larger of our
	 * RequiredMinRx (the one in force, section 6.8.3) and its Desired Min
	 * TX. remote_mult is 0 until a packet is received. */
	return (uint64_t)s->remote_mult * max32(s->rx_in_force_us, s->remote_min_tx_us);
}

uint64_t bfd_session_next_deadline(const struct bfd_session *s)
{
	uint64_t detect = s->detect_at_us ? s->detect_at_us : BFD_NEVER;

	return s->next_tx_us < detect ? s->next_tx_us : detect;
}

/* Whether periodic Control packets go out at all. */
static bool tx_periodic(const struct bfd_session *s)
{
	/* Section 6.8.6: Demand mode is active on the remote system when it
	 * sets D and both ends are Up; we then stop (section 6.8.7). */
	bool demand =
	    s->remote_demand && s->state == BFD_STATE_UP && s->remote_state == BFD_STATE_UP;

	/* Section 6.8.7: never while bfd.RemoteMinRxInterval is zero. */
	return s->remote_min_rx_us != 0 && !demand;
}

/* After anything that may change the transmit interval: stops or
 * resumes periodic transmission, brings the next packet forward when the
 * interval shrank (never later than an interval from now), and holds it
 * back when the peer asked for fewer packets: section 6.8.7 forbids an
 * interval below bfd.RemoteMinRxInterval less the jitter (at most 25%),
 * counted from the last packet sent. (Our own slower rate on leaving Up
 * takes effect from the next interval: the packet saying Down or
 * AdminDown is better not held back.) */
static void tx_resched(struct bfd_session *s, uint64_t now_us)
{
	uint32_t iv = bfd_session_tx_interval(s), rx = s->remote_min_rx_us;
	uint64_t by = now_us + iv, earliest = s->last_tx_us + rx - rx / 4;

	if (!tx_periodic(s)) {
		s->next_tx_us = BFD_NEVER;
		return;
	}
	if (s->next_tx_us > by)
		s->next_tx_us = by;
	if (s->last_tx_us && s->next_tx_us < earliest)
		s->next_tx_us = earliest;
}

/* Section 6.8.7: each interval is reduced by a random 0 to 25%, or 10 to
 * 25% when bfd.DetectMult is 1; rand spread over that range in parts
 * per million. */
static uint64_t jittered(uint32_t interval_us, uint8_t mult, uint32_t rand)
{
	uint64_t lo = mult == 1 ? 100000 : 0, span = 250000 - lo;
	uint64_t ppm = lo + span * rand / UINT32_MAX;

	return interval_us - interval_us * ppm / 1000000;
}

/* Keeps the detection timer on the last packet received when the
 * Detection Time changes from old_dt (detect_at = last rx + Detection
 * Time). */
static void detect_shift(struct bfd_session *s, uint64_t old_dt)
{
	if (s->detect_at_us)
		s->detect_at_us = s->detect_at_us - old_dt + bfd_session_detect_time(s);
}

static void poll_end(struct bfd_session *s)
{
	s->poll = false;
	s->tx_in_force_us = s->desired_min_tx_us;
	s->rx_in_force_us = s->required_min_rx_us;
}

/*
 * Puts the intervals that cfg and the state ask for in place. Section
 * 6.8.3: bfd.DesiredMinTxInterval is at least one second while not Up;
 * a change while Up runs a Poll Sequence (section 6.5), during which an
 * increase of DesiredMinTx does not yet change the transmit interval and
 * a decrease of RequiredMinRx does not yet shorten the Detection Time.
 */
static void set_intervals(struct bfd_session *s, uint64_t now_us)
{
	uint32_t tx = s->cfg.desired_min_tx_us, rx = s->cfg.required_min_rx_us;
	uint64_t dt = bfd_session_detect_time(s);
	bool up = s->state == BFD_STATE_UP;

	if (!up)
		tx = max32(tx, BFD_SLOW_TX_US);
	if (up && (tx != s->desired_min_tx_us || rx != s->required_min_rx_us)) {
		s->poll = true;
		s->tx_in_force_us = min32(s->tx_in_force_us, tx);
		s->rx_in_force_us = max32(s->rx_in_force_us, rx);
	}
	s->desired_min_tx_us = tx;
	s->required_min_rx_us = rx;
	if (!up)
		poll_end(s);
	detect_shift(s, dt);
	tx_resched(s, now_us);
}

/* Back to what nothing has been received gives (section 6.8.1 initial
 * values; RemoteMinRx's 1 us clamped). Stops the detection timer. */
static void forget_remote(struct bfd_session *s)
{
	s->remote_disc = 0;
	s->remote_state = BFD_STATE_DOWN;
	s->remote_diag = BFD_DIAG_NONE;
	s->remote_demand = false;
	s->remote_min_rx_us = BFD_INTERVAL_MIN_US;
	s->remote_min_tx_us = 0;
	s->remote_mult = 0;
	s->detect_at_us = 0;
}

static void act_begin(const struct bfd_session *s, struct bfd_actions *act)
{
	memset(act, 0, sizeof(*act));
	act->from = act->to = s->state;
}

static void act_end(const struct bfd_session *s, struct bfd_actions *act)
{
	act->diag = s->local_diag;
	act->remote = s->remote_state;
}

static void set_state(struct bfd_session *s, enum bfd_state to, enum bfd_diag diag, uint64_t now_us,
                      struct bfd_actions *act)
{
	if (!act->changed)
		act->from = s->state;
	act->changed = true;
	act->to = to;
	s->downs += s->state == BFD_STATE_UP;
	s->ups += to == BFD_STATE_UP;
	s->state = to;
	s->local_diag = diag;
	s->changed_at_us = now_us;
	set_intervals(s, now_us);
}

int bfd_session_init(struct bfd_session *s, const struct bfd_session_cfg *cfg, uint32_t my_disc,
                     uint64_t now_us)
{
	if (!s || !cfg_ok(cfg) || my_disc == 0)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->state = cfg->admin_down ? BFD_STATE_ADMIN_DOWN : BFD_STATE_DOWN;
	s->local_diag = cfg->admin_down ? BFD_DIAG_ADMIN_DOWN : BFD_DIAG_NONE;
	s->local_disc = my_disc;
	forget_remote(s);
	s->changed_at_us = now_us;
	s->next_tx_us = now_us;
	set_intervals(s, now_us);
	return 0;
}

/* Section 6.8.6: the rules a packet must meet before it is learnt from.
 * Those of the codec come again for packets not from bfd_pkt_decode. */
static bool rx_refused(const struct bfd_session *s, const struct bfd_pkt *p, enum bfd_drop *why)
{
	bool down = p->state == BFD_STATE_DOWN || p->state == BFD_STATE_ADMIN_DOWN;
	const struct {
		bool bad;
		enum bfd_drop why;
	} rules[] = {
	    {p->version != BFD_VERSION, BFD_DROP_VERSION},
	    {p->detect_mult == 0, BFD_DROP_MULT},
	    {p->flags & BFD_F_MULTIPOINT, BFD_DROP_MULTIPOINT},
	    {p->my_disc == 0, BFD_DROP_MY_DISC},
	    {p->your_disc == 0 && !down, BFD_DROP_YOUR_DISC},
	    /* Session selection: a non-zero Your Discriminator is ours. */
	    {p->your_disc != 0 && p->your_disc != s->local_disc, BFD_DROP_NO_SESSION},
	    /* A set and no authentication in use (bfd.AuthType zero). */
	    {p->flags & BFD_F_AUTH, BFD_DROP_AUTH},
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (rules[i].bad) {
			*why = rules[i].why;
			return true;
		}
	}
	return false;
}

/* Section 6.8.6: what the packet tells of the remote system, then the
 * end of our Poll Sequence on F. */
static void learn(struct bfd_session *s, const struct bfd_pkt *p)
{
	uint64_t dt = bfd_session_detect_time(s);

	s->remote_disc = p->my_disc;
	s->remote_state = (enum bfd_state)(p->state & 3);
	s->remote_diag = p->diag;
	s->remote_demand = p->flags & BFD_F_DEMAND;
	/* Zero is kept: the peer wants no periodic packets (section 6.8.7). */
	s->remote_min_rx_us = p->required_min_rx_us ? clamp_interval(p->required_min_rx_us) : 0;
	s->remote_min_tx_us = clamp_interval(p->desired_min_tx_us);
	s->remote_mult = p->detect_mult;
	if (s->poll && (p->flags & BFD_F_FINAL))
		poll_end(s);
	detect_shift(s, dt);
}

/* Section 6.8.6 (and the diagram of section 6.2): where a received State
 * takes us, [ours][received]; the same state: no change. Diag 3 is
 * "Neighbor Signaled Session Down". AdminDown discards before this. */
static const struct {
	enum bfd_state to;
	enum bfd_diag diag;
} rx_steps[4][4] = {
    [BFD_STATE_DOWN] =
        {
            [BFD_STATE_ADMIN_DOWN] = {BFD_STATE_DOWN, BFD_DIAG_NONE},
            [BFD_STATE_DOWN] = {BFD_STATE_INIT, BFD_DIAG_NONE},
            [BFD_STATE_INIT] = {BFD_STATE_UP, BFD_DIAG_NONE},
            [BFD_STATE_UP] = {BFD_STATE_DOWN, BFD_DIAG_NONE},
        },
    [BFD_STATE_INIT] =
        {
            [BFD_STATE_ADMIN_DOWN] = {BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN},
            [BFD_STATE_DOWN] = {BFD_STATE_INIT, BFD_DIAG_NONE},
            [BFD_STATE_INIT] = {BFD_STATE_UP, BFD_DIAG_NONE},
            [BFD_STATE_UP] = {BFD_STATE_UP, BFD_DIAG_NONE},
        },
    [BFD_STATE_UP] =
        {
            [BFD_STATE_ADMIN_DOWN] = {BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN},
            [BFD_STATE_DOWN] = {BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN},
            [BFD_STATE_INIT] = {BFD_STATE_UP, BFD_DIAG_NONE},
            [BFD_STATE_UP] = {BFD_STATE_UP, BFD_DIAG_NONE},
        },
};

void bfd_session_rx(struct bfd_session *s, const struct bfd_pkt *p, uint64_t now_us,
                    struct bfd_actions *act)
{
	act_begin(s, act);
	if (rx_refused(s, p, &act->why)) {
		act->discarded = true;
		goto out;
	}
	learn(s, p);
	if (s->state == BFD_STATE_ADMIN_DOWN) {
		tx_resched(s, now_us);
		goto out;
	}
	/* Received for the Detection Time (section 6.8.4). */
	s->detect_at_us = now_us + bfd_session_detect_time(s);
	if (rx_steps[s->state][s->remote_state].to != s->state)
		set_state(s, rx_steps[s->state][s->remote_state].to,
		          rx_steps[s->state][s->remote_state].diag, now_us, act);
	tx_resched(s, now_us);
	/* Section 6.8.7: a Poll is answered with a Final as soon as
	 * practicable, whatever the timers, state and Demand mode. */
	if (p->flags & BFD_F_POLL) {
		s->final_due = true;
		act->send = true;
	}
out:
	act_end(s, act);
}

/* Section 6.8.4: a Detection Time passed without a packet. Init and Up
 * go Down with diag 1; in any state the peer is forgotten, RemoteDiscr
 * first (section 6.8.1). */
static void expire(struct bfd_session *s, uint64_t now_us, struct bfd_actions *act)
{
	forget_remote(s);
	if (s->state == BFD_STATE_INIT || s->state == BFD_STATE_UP)
		set_state(s, BFD_STATE_DOWN, BFD_DIAG_TIME_EXPIRED, now_us, act);
	tx_resched(s, now_us);
}

void bfd_session_timer(struct bfd_session *s, uint64_t now_us, uint32_t rand,
                       struct bfd_actions *act)
{
	act_begin(s, act);
	if (s->detect_at_us && now_us >= s->detect_at_us)
		expire(s, now_us, act);
	if (s->next_tx_us != BFD_NEVER && now_us >= s->next_tx_us) {
		act->send = true;
		s->last_tx_us = now_us;
		s->next_tx_us =
		    now_us + jittered(bfd_session_tx_interval(s), s->cfg.detect_mult, rand);
	}
	act_end(s, act);
}

void bfd_session_admin(struct bfd_session *s, bool down, uint64_t now_us, struct bfd_actions *act)
{
	act_begin(s, act);
	if (down && s->state != BFD_STATE_ADMIN_DOWN) {
		/* Section 6.8.16: AdminDown, diag 7 (Administratively Down). */
		s->cfg.admin_down = true;
		set_state(s, BFD_STATE_ADMIN_DOWN, BFD_DIAG_ADMIN_DOWN, now_us, act);
	} else if (!down && s->state == BFD_STATE_ADMIN_DOWN) {
		/* Section 6.8.16: leaving AdminDown is to Down. What came in
		 * meanwhile was discarded: start anew. */
		s->cfg.admin_down = false;
		forget_remote(s);
		set_state(s, BFD_STATE_DOWN, BFD_DIAG_NONE, now_us, act);
	}
	act_end(s, act);
}

int bfd_session_reconfigure(struct bfd_session *s, const struct bfd_session_cfg *cfg,
                            uint64_t now_us, struct bfd_actions *act)
{
	bool admin = s->cfg.admin_down;
	int rc = 0;

	act_begin(s, act);
	if (!cfg_ok(cfg)) {
		rc = -EINVAL;
		goto out;
	}
	s->cfg = *cfg;
	s->cfg.admin_down = admin;
	set_intervals(s, now_us);
out:
	act_end(s, act);
	return rc;
}

void bfd_session_build(struct bfd_session *s, struct bfd_pkt *out)
{
	memset(out, 0, sizeof(*out));
	out->version = BFD_VERSION;
	out->diag = s->local_diag;
	out->state = s->state;
	/* Section 6.8.7: F answers a Poll; a packet never has both P and F,
	 * the Poll goes on in the next one. C stays clear: our BFD shares
	 * fate with the control plane (the BGP in the same process), so that
	 * a peer may keep our routes through a graceful restart (RFC 5882
	 * section 4.3.1). A and D clear: no authentication, no Demand mode. */
	if (s->final_due)
		out->flags = BFD_F_FINAL;
	else if (s->poll)
		out->flags = BFD_F_POLL;
	out->detect_mult = s->cfg.detect_mult;
	out->length = BFD_PKT_LEN;
	out->my_disc = s->local_disc;
	out->your_disc = s->remote_disc;
	out->desired_min_tx_us = s->desired_min_tx_us;
	out->required_min_rx_us = s->required_min_rx_us;
	/* Required Min Echo RX zero: no Echo function (section 6.8.9). */
	out->required_min_echo_rx_us = 0;
	s->final_due = false;
}
