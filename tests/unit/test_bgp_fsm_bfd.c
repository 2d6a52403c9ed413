/*
 * BFD events in the BGP FSM (RFC 5882 section 4.3, RFC 9384): BFD_DOWN
 * ends an open session with Cease/10 and restarts after the backoff;
 * without strict, BFD never holds a connection attempt; with strict the
 * FSM waits in Idle (refusing connections) until BFD_UP, which starts it
 * at once; an operator's admin down wins over BFD_UP; the peer's
 * AdminDown (BFD_ADMIN_DOWN) ends nothing but makes a strict restart
 * wait; a collision's survivor keeps the peer's BFD state.
 */
#include "test_bgp_fsm_util.h"

#define F_NOTIF BGP_FSM_ACT_SEND_NOTIFICATION
#define F_CLOSE BGP_FSM_ACT_CLOSE
#define F_CONN  BGP_FSM_ACT_CONNECT
#define F_DOWN  BGP_FSM_ACT_SESSION_DOWN

static struct bgp_fsm_config cfg_strict(void)
{
	struct bgp_fsm_config c = cfg_base();

	c.bfd_strict = true;
	return c;
}

/* fsm_reach, with BFD Up first (a strict FSM starts only then). */
static void reach(struct bgp_fsm *f, const struct bgp_fsm_config *cfg, enum bgp_fsm_state s,
                  uint64_t now)
{
	struct bgp_fsm_actions a;
	struct bgp_msg m;

	assert_int_equal(bgp_fsm_init(f, cfg, now), 0);
	/* Still Idle with the start pending: Up is only recorded. */
	assert_int_equal(fsm_ev(f, BGP_FSM_EV_BFD_UP, now, &a), 0);
	assert_int_equal(a.flags, 0);
	assert_true(f->bfd_up);
	if (s == BGP_FSM_IDLE)
		return;
	assert_int_equal(fsm_ev(f, BGP_FSM_EV_TIMER, now, &a), 0);
	if (cfg->passive) {
		assert_int_equal(f->state, BGP_FSM_ACTIVE);
		if (s == BGP_FSM_ACTIVE)
			return;
		assert_int_equal(fsm_ev(f, BGP_FSM_EV_TCP_ACCEPTED, now, &a), 0);
	} else {
		assert_int_equal(f->state, BGP_FSM_CONNECT);
		if (s == BGP_FSM_CONNECT)
			return;
		assert_int_equal(fsm_ev(f, BGP_FSM_EV_TCP_CONNECTED, now, &a), 0);
	}
	if (s == BGP_FSM_OPENSENT)
		return;
	m = open_msg();
	assert_int_equal(fsm_msg(f, &m, now, &a), 0);
	if (s == BGP_FSM_OPENCONFIRM)
		return;
	m = simple_msg(BGP_MSG_KEEPALIVE);
	assert_int_equal(fsm_msg(f, &m, now, &a), 0);
	assert_int_equal(f->state, BGP_FSM_ESTABLISHED);
}

/* The Cease/10 end of an open connection, with the FSM Idle until a
 * jittered backoff of [0.75, 1] x retry_start_ms after now. */
static void assert_bfd_cease(const struct bgp_fsm *f, const struct bgp_fsm_actions *a,
                             uint32_t extra_flags, uint64_t now)
{
	uint64_t dl = bgp_fsm_next_deadline(f);

	assert_int_equal(a->flags, F_NOTIF | F_CLOSE | extra_flags);
	assert_int_equal(a->notif_code, BGP_ERR_CEASE);
	assert_int_equal(a->notif_subcode, BGP_ERR_CEASE_BFD_DOWN);
	assert_int_equal(a->notif_data_len, 0);
	assert_int_equal(a->down.reason, BGP_FSM_R_BFD_DOWN);
	assert_int_equal(a->down.code, BGP_ERR_CEASE);
	assert_int_equal(a->down.subcode, BGP_ERR_CEASE_BFD_DOWN);
	assert_int_equal(f->state, BGP_FSM_IDLE);
	assert_false(f->bfd_up);
	assert_true(dl >= now + f->cfg.retry_start_ms * 3 / 4);
	assert_true(dl <= now + f->cfg.retry_start_ms);
}

static void test_down_established(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm_actions a;
	struct bgp_fsm f;
	uint64_t dl;

	(void)state;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, 1000);
	assert_int_equal(fsm_ev_rand(&f, BGP_FSM_EV_BFD_DOWN, 0x12345678, 2000, &a), 0);
	assert_bfd_cease(&f, &a, F_DOWN, 2000);
	assert_string_equal(bgp_fsm_reason_name(BGP_FSM_R_BFD_DOWN), "BFD down");

	/* Not before the backoff; then a new connection as after any
	 * failure, BFD Down or not (not strict). */
	dl = bgp_fsm_next_deadline(&f);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, dl - 1, &a), 0);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, BGP_FSM_IDLE);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, dl, &a), 0);
	assert_int_equal(a.flags, F_CONN);
	assert_int_equal(f.state, BGP_FSM_CONNECT);
}

/* Before Established: Cease/10 once an OPEN went out, no SESSION_DOWN. */
static void test_down_opensent_openconfirm(void **state)
{
	static const enum bgp_fsm_state from[] = {BGP_FSM_OPENSENT, BGP_FSM_OPENCONFIRM};
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm_actions a;
	struct bgp_fsm f;

	(void)state;
	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		fsm_reach(&f, &cfg, from[i], 0);
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_DOWN, 500, &a), 0);
		assert_bfd_cease(&f, &a, 0, 500);
	}
}

/* Without strict, BFD Down never touches a connection not yet open. */
static void test_down_not_open_not_strict(void **state)
{
	static const enum bgp_fsm_state from[] = {BGP_FSM_IDLE, BGP_FSM_CONNECT, BGP_FSM_ACTIVE};
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm_actions a;
	struct bgp_fsm f;

	(void)state;
	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		uint64_t dl;

		fsm_reach(&f, &cfg, from[i], 0);
		dl = bgp_fsm_next_deadline(&f);
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_DOWN, 10, &a), 0);
		assert_int_equal(a.flags, 0);
		assert_int_equal(a.down.reason, BGP_FSM_R_NONE);
		assert_int_equal(f.state, from[i]);
		assert_int_equal(bgp_fsm_next_deadline(&f), dl);
	}
	/* And a fresh one connects with BFD Down all along. */
	assert_int_equal(bgp_fsm_init(&f, &cfg, 0), 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_DOWN, 0, &a), 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, 0, &a), 0);
	assert_int_equal(a.flags, F_CONN);
}

/* Strict: Idle with no deadline until BFD_UP, connections refused; Up
 * connects at once (passive: listens at once). */
static void test_strict_waits_for_up(void **state)
{
	struct bgp_fsm_config cfg = cfg_strict();
	struct bgp_fsm_actions a;
	struct bgp_fsm f;

	(void)state;
	for (int passive = 0; passive <= 1; passive++) {
		cfg.passive = passive;
		assert_int_equal(bgp_fsm_init(&f, &cfg, 0), 0);
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, 0, &a), 0);
		assert_int_equal(a.flags, 0);
		assert_int_equal(f.state, BGP_FSM_IDLE);
		assert_int_equal(bgp_fsm_next_deadline(&f), BGP_FSM_NEVER);
		/* An hour later: still waiting, the router's connections refused. */
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, 3600000, &a), 0);
		assert_int_equal(a.flags, 0);
		assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_REFUSE);
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TCP_ACCEPTED, 3600000, &a), -EBUSY);
		assert_int_equal(f.state, BGP_FSM_IDLE);
		/* Down again changes nothing. */
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_DOWN, 3600001, &a), 0);
		assert_int_equal(a.flags, 0);
		assert_int_equal(f.state, BGP_FSM_IDLE);

		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_UP, 3600002, &a), 0);
		if (passive) {
			assert_int_equal(a.flags, 0);
			assert_int_equal(f.state, BGP_FSM_ACTIVE);
			assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_HERE);
		} else {
			assert_int_equal(a.flags, F_CONN);
			assert_int_equal(f.state, BGP_FSM_CONNECT);
		}
		/* A second Up does not start anything again. */
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_UP, 3600003, &a), 0);
		assert_int_equal(a.flags, 0);
	}
}

/* Strict, Established, BFD Down: Cease/10; the backoff runs out into
 * Idle without a connect; Up starts at once. */
static void test_strict_down_then_up(void **state)
{
	struct bgp_fsm_config cfg = cfg_strict();
	struct bgp_fsm_actions a;
	struct bgp_fsm f;
	uint64_t dl;

	(void)state;
	reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_DOWN, 5000, &a), 0);
	assert_bfd_cease(&f, &a, F_DOWN, 5000);
	dl = bgp_fsm_next_deadline(&f);
	assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_REFUSE);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, dl, &a), 0);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, BGP_FSM_IDLE);
	assert_int_equal(bgp_fsm_next_deadline(&f), BGP_FSM_NEVER);
	assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_REFUSE);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_UP, dl + 7000, &a), 0);
	assert_int_equal(a.flags, F_CONN);
	assert_int_equal(f.state, BGP_FSM_CONNECT);
}

/* Strict: Up again during the backoff does not cut it short; the
 * restart comes at its time and connects. */
static void test_strict_up_during_backoff(void **state)
{
	struct bgp_fsm_config cfg = cfg_strict();
	struct bgp_fsm_actions a;
	struct bgp_fsm f;
	uint64_t dl;

	(void)state;
	reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_DOWN, 100, &a), 0);
	dl = bgp_fsm_next_deadline(&f);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_UP, 200, &a), 0);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, BGP_FSM_IDLE);
	assert_int_equal(bgp_fsm_next_deadline(&f), dl);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, dl, &a), 0);
	assert_int_equal(a.flags, F_CONN);
}

/* Strict: a connection attempt or a passive listen in progress ends on
 * BFD Down (no OPEN went out: no NOTIFICATION), and waits for Up. */
static void test_strict_down_before_open(void **state)
{
	struct bgp_fsm_config cfg = cfg_strict();
	struct bgp_fsm_actions a;
	struct bgp_fsm f;

	(void)state;
	for (int passive = 0; passive <= 1; passive++) {
		cfg.passive = passive;
		reach(&f, &cfg, passive ? BGP_FSM_ACTIVE : BGP_FSM_CONNECT, 0);
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_DOWN, 50, &a), 0);
		assert_int_equal(a.flags, F_CLOSE);
		assert_int_equal(a.down.reason, BGP_FSM_R_BFD_DOWN);
		assert_int_equal(a.down.code, 0);
		assert_int_equal(f.state, BGP_FSM_IDLE);
		assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_REFUSE);
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, bgp_fsm_next_deadline(&f), &a), 0);
		assert_int_equal(a.flags, 0);
		assert_int_equal(f.state, BGP_FSM_IDLE);
	}
}

/* The operator's admin down wins over BFD: Up starts nothing, strict or
 * not; admin up then waits for BFD only when strict and BFD is Down. */
static void test_admin_down_wins(void **state)
{
	struct bgp_fsm_config cfg;
	struct bgp_fsm_actions a;
	struct bgp_fsm f;

	(void)state;
	for (int strict = 0; strict <= 1; strict++) {
		cfg = strict ? cfg_strict() : cfg_base();
		cfg.admin_down = true;
		assert_int_equal(bgp_fsm_init(&f, &cfg, 0), 0);
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_UP, 10, &a), 0);
		assert_int_equal(a.flags, 0);
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, 20, &a), 0);
		assert_int_equal(a.flags, 0);
		assert_int_equal(f.state, BGP_FSM_IDLE);
		assert_int_equal(bgp_fsm_next_deadline(&f), BGP_FSM_NEVER);
		/* Admin up with BFD Up: connect at once. */
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_MANUAL_START, 30, &a), 0);
		assert_int_equal(a.flags, F_CONN);
		/* Manual stop, then BFD flaps: still nothing. */
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_MANUAL_STOP, 40, &a), 0);
		assert_int_equal(f.state, BGP_FSM_IDLE);
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_DOWN, 50, &a), 0);
		assert_int_equal(a.flags, 0);
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_UP, 60, &a), 0);
		assert_int_equal(a.flags, 0);
		assert_int_equal(f.state, BGP_FSM_IDLE);
		/* BFD Down, admin up: strict waits, the other connects. */
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_DOWN, 70, &a), 0);
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_MANUAL_START, 80, &a), 0);
		assert_int_equal(a.flags, strict ? 0 : F_CONN);
		assert_int_equal(f.state, strict ? BGP_FSM_IDLE : BGP_FSM_CONNECT);
		if (strict) {
			assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_UP, 90, &a), 0);
			assert_int_equal(a.flags, F_CONN);
		}
	}
}

/* The prefix-limit idle hold is not cut short by BFD Up. */
static void test_strict_up_keeps_idle_hold(void **state)
{
	struct bgp_fsm_config cfg = cfg_strict();
	struct bgp_fsm_event ev = {.type = BGP_FSM_EV_PREFIX_LIMIT};
	struct bgp_fsm_actions a;
	struct bgp_error e;
	struct bgp_fsm f;

	(void)state;
	reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	bgp_cease_max_prefix(&e, BGP_AF_IPV4, 10);
	ev.err = &e;
	assert_int_equal(bgp_fsm_handle(&f, &ev, 100, &a), 0);
	assert_true(f.idle_hold);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_DOWN, 200, &a), 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_UP, 300, &a), 0);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, BGP_FSM_IDLE);
	assert_true(f.idle_hold);
	assert_int_equal(bgp_fsm_next_deadline(&f), 100 + cfg.idle_hold_ms);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, 100 + cfg.idle_hold_ms, &a), 0);
	assert_int_equal(a.flags, F_CONN);
}

/* The peer's AdminDown: nothing ends, in any state; with strict the
 * next start after a failure waits for Up. */
static void test_admin_down_event(void **state)
{
	static const enum bgp_fsm_state from[] = {BGP_FSM_CONNECT, BGP_FSM_OPENSENT,
	                                          BGP_FSM_OPENCONFIRM, BGP_FSM_ESTABLISHED};
	struct bgp_fsm_config cfg = cfg_strict();
	struct bgp_fsm_actions a;
	struct bgp_fsm f;
	struct bgp_msg n = notif_msg(BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_RESET);
	uint64_t dl;

	(void)state;
	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		reach(&f, &cfg, from[i], 0);
		dl = bgp_fsm_next_deadline(&f);
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_ADMIN_DOWN, 10, &a), 0);
		assert_int_equal(a.flags, 0);
		assert_int_equal(f.state, from[i]);
		assert_int_equal(bgp_fsm_next_deadline(&f), dl);
		assert_false(f.bfd_up);
	}
	/* The Established one ends on the peer's Cease: the restart waits. */
	assert_int_equal(fsm_msg(&f, &n, 100, &a), 0);
	assert_int_equal(f.state, BGP_FSM_IDLE);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, bgp_fsm_next_deadline(&f), &a), 0);
	assert_int_equal(a.flags, 0);
	assert_int_equal(bgp_fsm_next_deadline(&f), BGP_FSM_NEVER);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_UP, 9000, &a), 0);
	assert_int_equal(a.flags, F_CONN);

	/* Without strict the restart does not wait. */
	cfg = cfg_base();
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_BFD_ADMIN_DOWN, 10, &a), 0);
	assert_int_equal(a.flags, 0);
	assert_int_equal(fsm_msg(&f, &n, 100, &a), 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, bgp_fsm_next_deadline(&f), &a), 0);
	assert_int_equal(a.flags, F_CONN);
}

/* A collision won by the incoming connection: the survivor becomes the
 * main FSM and keeps the peer's BFD state, so that a strict restart
 * later does not wait for an Up that came before the collision. */
static void test_adopt_keeps_bfd(void **state)
{
	struct bgp_fsm_config cfg = cfg_strict();
	struct bgp_fsm_actions a;
	struct bgp_fsm main_fsm, second;
	struct bgp_msg m = open_msg(), n = notif_msg(BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_RESET);

	(void)state;
	reach(&main_fsm, &cfg, BGP_FSM_OPENSENT, 0);
	assert_int_equal(bgp_fsm_init_incoming(&second, &cfg, 10), 0);
	assert_false(second.bfd_up);
	/* A oneshot FSM is never started by BFD_UP. */
	assert_int_equal(fsm_ev(&second, BGP_FSM_EV_BFD_UP, 10, &a), 0);
	assert_int_equal(a.flags, 0);
	assert_int_equal(second.state, BGP_FSM_ACTIVE);
	second.bfd_up = false; /* as before any event reached it */
	assert_int_equal(fsm_ev(&second, BGP_FSM_EV_TCP_ACCEPTED, 10, &a), 0);
	assert_int_equal(fsm_msg(&second, &m, 20, &a), 0);
	assert_int_equal(second.state, BGP_FSM_OPENCONFIRM);
	bgp_fsm_adopt(&main_fsm, &second);
	assert_int_equal(main_fsm.state, BGP_FSM_OPENCONFIRM);
	assert_true(main_fsm.bfd_up);
	assert_false(main_fsm.oneshot);
	/* It ends; the restart connects without waiting. */
	assert_int_equal(fsm_msg(&main_fsm, &n, 30, &a), 0);
	assert_int_equal(fsm_ev(&main_fsm, BGP_FSM_EV_TIMER, bgp_fsm_next_deadline(&main_fsm), &a),
	                 0);
	assert_int_equal(a.flags, F_CONN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_down_established),
	    cmocka_unit_test(test_down_opensent_openconfirm),
	    cmocka_unit_test(test_down_not_open_not_strict),
	    cmocka_unit_test(test_strict_waits_for_up),
	    cmocka_unit_test(test_strict_down_then_up),
	    cmocka_unit_test(test_strict_up_during_backoff),
	    cmocka_unit_test(test_strict_down_before_open),
	    cmocka_unit_test(test_admin_down_wins),
	    cmocka_unit_test(test_strict_up_keeps_idle_hold),
	    cmocka_unit_test(test_admin_down_event),
	    cmocka_unit_test(test_adopt_keeps_bfd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
