/*
 * FSM timers with a fake clock: hold timer expiry (RFC 4271 6.5), keepalive
 * cadence, the OpenSent hold (8.2.2), the connect retry backoff with its
 * jitter bounds (section 10), and admin/passive/config behaviour.
 */
#include "test_bgp_fsm_util.h"

/* Advances to the next deadline and fires it. */
static uint64_t fire(struct bgp_fsm *f, uint32_t rand, struct bgp_fsm_actions *a)
{
	uint64_t t = bgp_fsm_next_deadline(f);

	assert_true(t != BGP_FSM_NEVER);
	assert_int_equal(fsm_ev_rand(f, BGP_FSM_EV_TIMER, rand, t, a), 0);
	return t;
}

static void test_hold_expiry(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;
	uint64_t t0 = 5000, t;
	struct bgp_msg ka = simple_msg(BGP_MSG_KEEPALIVE);

	(void)state;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, t0);
	/* Keepalives every 30 s while the peer is silent, then 4/0 at 90 s. */
	t = fire(&f, 0, &a);
	assert_int_equal(t, t0 + 30000);
	assert_int_equal(a.flags, BGP_FSM_ACT_SEND_KEEPALIVE);
	t = fire(&f, 0, &a);
	assert_int_equal(t, t0 + 60000);
	assert_int_equal(a.flags, BGP_FSM_ACT_SEND_KEEPALIVE);
	/* One tick early nothing happens. */
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, t0 + 89999, &a), 0);
	assert_int_equal(a.flags, 0);
	t = fire(&f, 0, &a);
	assert_int_equal(t, t0 + 90000);
	assert_int_equal(a.flags, BGP_FSM_ACT_SEND_NOTIFICATION | BGP_FSM_ACT_CLOSE |
	                              BGP_FSM_ACT_SESSION_DOWN);
	assert_int_equal(a.notif_code, BGP_ERR_HOLD);
	assert_int_equal(a.notif_subcode, 0);
	assert_int_equal(a.down.reason, BGP_FSM_R_HOLD_EXPIRED);
	assert_int_equal(f.state, BGP_FSM_IDLE);

	/* A received KEEPALIVE or UPDATE restarts the hold timer. */
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, t0);
	assert_int_equal(fsm_msg(&f, &ka, t0 + 80000, &a), 0);
	assert_int_equal(f.hold_at, t0 + 170000);
	ka = simple_msg(BGP_MSG_UPDATE);
	assert_int_equal(fsm_msg(&f, &ka, t0 + 100000, &a), 0);
	assert_int_equal(f.hold_at, t0 + 190000);
	/* So does an UPDATE with a tolerable RFC 7606 error. */
	{
		struct bgp_error e = {.action = BGP_UPD_TREAT_AS_WITHDRAW};

		assert_int_equal(fsm_err(&f, &e, t0 + 120000, &a), 0);
		assert_int_equal(f.hold_at, t0 + 210000);
		assert_int_equal(f.state, BGP_FSM_ESTABLISHED);
	}
}

static void test_keepalive_cadence(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;
	struct bgp_msg ka = simple_msg(BGP_MSG_KEEPALIVE);
	int sent = 0;

	(void)state;
	cfg.hold_time = 9;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	/* The peer keeps us alive every 3 s; we send every 3 s. */
	for (uint64_t now = 0; now <= 60000; now += 500) {
		if (now % 3000 == 1000)
			assert_int_equal(fsm_msg(&f, &ka, now, &a), 0);
		if (now >= bgp_fsm_next_deadline(&f)) {
			assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, now, &a), 0);
			assert_int_equal(a.flags, BGP_FSM_ACT_SEND_KEEPALIVE);
			assert_int_equal(now % 3000, 0);
			sent++;
		}
	}
	assert_int_equal(sent, 20);
	assert_int_equal(f.state, BGP_FSM_ESTABLISHED);
}

static void test_opensent_and_openconfirm_hold(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;
	uint64_t t;

	(void)state;
	fsm_reach(&f, &cfg, BGP_FSM_OPENSENT, 0);
	t = fire(&f, 0, &a);
	assert_int_equal(t, BGP_FSM_OPEN_HOLD_MS);
	assert_int_equal(a.notif_code, BGP_ERR_HOLD);
	assert_int_equal(f.state, BGP_FSM_IDLE);

	/* OpenConfirm: keepalives at 30 s, hold expiry at 90 s. */
	fsm_reach(&f, &cfg, BGP_FSM_OPENCONFIRM, 0);
	t = fire(&f, 0, &a);
	assert_int_equal(t, 30000);
	assert_int_equal(a.flags, BGP_FSM_ACT_SEND_KEEPALIVE);
	fire(&f, 0, &a);
	t = fire(&f, 0, &a);
	assert_int_equal(t, 90000);
	assert_int_equal(a.notif_code, BGP_ERR_HOLD);
	assert_false(a.flags & BGP_FSM_ACT_SESSION_DOWN);
}

/* Connect fails again and again: 1, 2, 4, ..., capped at 30 s, jittered. */
static void backoff_run(uint32_t rand, double lo, double hi)
{
	static const uint64_t base[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;
	uint64_t now = 0;

	fsm_reach(&f, &cfg, BGP_FSM_CONNECT, now);
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
		uint64_t delay;

		assert_int_equal(fsm_ev_rand(&f, BGP_FSM_EV_TCP_FAILED, rand, now, &a), 0);
		assert_int_equal(f.state, BGP_FSM_ACTIVE);
		delay = bgp_fsm_next_deadline(&f) - now;
		assert_true(delay >= (uint64_t)(base[i] * lo));
		assert_true(delay <= (uint64_t)(base[i] * hi));
		/* Nothing before the deadline. */
		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, now + delay - 1, &a), 0);
		assert_int_equal(a.flags, 0);
		now = fire(&f, rand, &a);
		assert_int_equal(a.flags, BGP_FSM_ACT_CONNECT);
		assert_int_equal(f.state, BGP_FSM_CONNECT);
	}
}

static void test_connect_backoff(void **state)
{
	(void)state;
	backoff_run(UINT32_MAX, 1.0, 1.0);    /* no jitter at the top */
	backoff_run(0, 0.75, 0.751);          /* the bottom of the jitter */
	backoff_run(0x80000000u, 0.87, 0.88); /* the middle */
}

/* A session that stayed up resets the backoff; a flapping one does not. */
static void test_backoff_reset_after_stable_session(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;
	struct bgp_msg ka = simple_msg(BGP_MSG_KEEPALIVE);
	uint64_t now = 0;

	(void)state;
	fsm_reach(&f, &cfg, BGP_FSM_CONNECT, now);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(fsm_ev_rand(&f, BGP_FSM_EV_TCP_FAILED, UINT32_MAX, now, &a), 0);
		now = fire(&f, UINT32_MAX, &a);
	}
	assert_int_equal(f.failures, 4);
	/* Session up for 10 s only: goes down, the backoff keeps growing. */
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TCP_CONNECTED, now, &a), 0);
	{
		struct bgp_msg o = open_msg();

		assert_int_equal(fsm_msg(&f, &o, now, &a), 0);
	}
	assert_int_equal(fsm_msg(&f, &ka, now, &a), 0);
	assert_int_equal(f.state, BGP_FSM_ESTABLISHED);
	now += 10000;
	assert_int_equal(fsm_ev_rand(&f, BGP_FSM_EV_TCP_CLOSED, UINT32_MAX, now, &a), 0);
	assert_int_equal(f.state, BGP_FSM_IDLE);
	assert_int_equal(bgp_fsm_next_deadline(&f) - now, 16000);

	/* Up again, this time for longer than backoff_reset_ms. */
	now = fire(&f, UINT32_MAX, &a);
	assert_int_equal(a.flags, BGP_FSM_ACT_CONNECT);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TCP_CONNECTED, now, &a), 0);
	{
		struct bgp_msg o = open_msg();

		assert_int_equal(fsm_msg(&f, &o, now, &a), 0);
	}
	assert_int_equal(fsm_msg(&f, &ka, now, &a), 0);
	for (int i = 0; i < 10; i++) {
		now += 10000;
		assert_int_equal(fsm_msg(&f, &ka, now, &a), 0);
	}
	assert_int_equal(fsm_ev_rand(&f, BGP_FSM_EV_TCP_CLOSED, UINT32_MAX, now, &a), 0);
	assert_int_equal(bgp_fsm_next_deadline(&f) - now, 1000);
}

static void test_connect_timeout(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;
	uint64_t t;

	(void)state;
	cfg.retry_max_ms = 5000;
	fsm_reach(&f, &cfg, BGP_FSM_CONNECT, 100);
	t = fire(&f, 0, &a);
	assert_int_equal(t, 5100);
	/* Drop the hanging attempt and start a new one. */
	assert_int_equal(a.flags, BGP_FSM_ACT_CLOSE | BGP_FSM_ACT_CONNECT);
	assert_int_equal(a.down.reason, BGP_FSM_R_CONNECT_TIMEOUT);
	assert_int_equal(f.state, BGP_FSM_CONNECT);
	assert_int_equal(bgp_fsm_next_deadline(&f), 10100);
}

static void test_passive_never_connects(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;
	uint64_t now = 0;

	(void)state;
	cfg.passive = true;
	fsm_reach(&f, &cfg, BGP_FSM_ACTIVE, now);
	assert_int_equal(bgp_fsm_next_deadline(&f), BGP_FSM_NEVER);
	assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_HERE);
	/* Sessions that fail in every way: never a CONNECT action. */
	for (int i = 0; i < 5; i++) {
		struct bgp_msg o = open_msg();

		assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TCP_ACCEPTED, now, &a), 0);
		assert_int_equal(a.flags, BGP_FSM_ACT_SEND_OPEN);
		assert_false(f.outgoing);
		if (i % 2) {
			assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TCP_CLOSED, now, &a), 0);
			assert_int_equal(f.state, BGP_FSM_ACTIVE);
			continue;
		}
		assert_int_equal(fsm_msg(&f, &o, now, &a), 0);
		now = fire(&f, 0, &a); /* keepalive */
		now = fire(&f, 0, &a); /* keepalive */
		now = fire(&f, 0, &a); /* hold expiry */
		assert_int_equal(f.state, BGP_FSM_IDLE);
		assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_REFUSE);
		now = fire(&f, 0, &a); /* idle hold over */
		assert_false(a.flags & BGP_FSM_ACT_CONNECT);
		assert_int_equal(f.state, BGP_FSM_ACTIVE);
	}
}

static void test_admin_down_and_up(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;

	(void)state;
	cfg.admin_down = true;
	assert_int_equal(bgp_fsm_init(&f, &cfg, 0), 0);
	assert_int_equal(bgp_fsm_next_deadline(&f), BGP_FSM_NEVER);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, 100000, &a), 0);
	assert_int_equal(f.state, BGP_FSM_IDLE);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_MANUAL_START, 100000, &a), 0);
	assert_int_equal(a.flags, BGP_FSM_ACT_CONNECT);

	/* Admin down from Established: Cease/2, no restart. */
	cfg.admin_down = false;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_MANUAL_STOP, 10, &a), 0);
	assert_int_equal(a.notif_subcode, BGP_ERR_CEASE_ADMIN_SHUTDOWN);
	assert_int_equal(bgp_fsm_next_deadline(&f), BGP_FSM_NEVER);
	assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_REFUSE);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_MANUAL_START, 20, &a), 0);
	assert_int_equal(f.state, BGP_FSM_CONNECT);

	/* A deconfigured peer stays down. */
	fsm_reach(&f, &cfg, BGP_FSM_OPENCONFIRM, 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_PEER_UNCONFIGURED, 10, &a), 0);
	assert_int_equal(a.notif_subcode, BGP_ERR_CEASE_PEER_DECONF);
	assert_int_equal(bgp_fsm_next_deadline(&f), BGP_FSM_NEVER);
}

static void test_config_changed(void **state)
{
	struct bgp_fsm_config cfg = cfg_base(), ncfg;
	struct bgp_fsm f;
	struct bgp_fsm_actions a;
	struct bgp_fsm_event ev = {.type = BGP_FSM_EV_CONFIG_CHANGED, .cfg = &ncfg};

	(void)state;
	/* New hold time: Cease/6 and reconnect with it. */
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	ncfg = cfg;
	ncfg.hold_time = 30;
	assert_int_equal(bgp_fsm_handle(&f, &ev, 10, &a), 0);
	assert_int_equal(a.flags, BGP_FSM_ACT_SEND_NOTIFICATION | BGP_FSM_ACT_CLOSE |
	                              BGP_FSM_ACT_CONNECT | BGP_FSM_ACT_SESSION_DOWN);
	assert_int_equal(a.notif_code, BGP_ERR_CEASE);
	assert_int_equal(a.notif_subcode, BGP_ERR_CEASE_CONFIG_CHANGE);
	assert_int_equal(a.down.reason, BGP_FSM_R_CONFIG_CHANGED);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TCP_CONNECTED, 20, &a), 0);
	assert_int_equal(a.open.hold_time, 30);

	/* Config with admin_down: Cease/2 and stay down; clearing it starts. */
	ncfg.admin_down = true;
	assert_int_equal(bgp_fsm_handle(&f, &ev, 30, &a), 0);
	assert_int_equal(a.notif_subcode, BGP_ERR_CEASE_ADMIN_SHUTDOWN);
	assert_int_equal(f.state, BGP_FSM_IDLE);
	ncfg.admin_down = false;
	assert_int_equal(bgp_fsm_handle(&f, &ev, 40, &a), 0);
	assert_int_equal(a.flags, BGP_FSM_ACT_CONNECT);

	/* An invalid config is refused and changes nothing. */
	ncfg.hold_time = 2;
	assert_int_equal(bgp_fsm_handle(&f, &ev, 50, &a), -EINVAL);
	assert_int_equal(f.state, BGP_FSM_CONNECT);
	assert_int_equal(f.cfg.hold_time, 30);

	/* While waiting out a backoff the new config just waits too. */
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TCP_CLOSED, 10, &a), 0);
	ncfg = cfg;
	ncfg.passive = true;
	assert_int_equal(bgp_fsm_handle(&f, &ev, 20, &a), 0);
	assert_int_equal(a.flags, 0);
	assert_int_equal(fire(&f, 0, &a) > 20, 1);
	assert_int_equal(f.state, BGP_FSM_ACTIVE);
	assert_int_equal(a.flags, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hold_expiry),
	    cmocka_unit_test(test_keepalive_cadence),
	    cmocka_unit_test(test_opensent_and_openconfirm_hold),
	    cmocka_unit_test(test_connect_backoff),
	    cmocka_unit_test(test_backoff_reset_after_stable_session),
	    cmocka_unit_test(test_connect_timeout),
	    cmocka_unit_test(test_passive_never_connects),
	    cmocka_unit_test(test_admin_down_and_up),
	    cmocka_unit_test(test_config_changed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
