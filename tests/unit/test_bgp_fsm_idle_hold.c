/*
 * The idle hold after a prefix-limit Cease (RFC 4486 section 4, RFC 4271
 * 8.1.1 IdleHoldTimer): 60 s, doubling per repeat up to 15 min, starting
 * over after 15 min Established or on an operator's action; incoming
 * connections refused meanwhile; and the Cease/1 bytes for each family.
 */
#include "test_bgp_fsm_util.h"

#define MIN_MS (60 * 1000ull)

static struct bgp_error cease_v4(void)
{
	struct bgp_error e;

	bgp_cease_max_prefix(&e, BGP_AF_IPV4, 10000);
	return e;
}

static int limit_ev(struct bgp_fsm *f, const struct bgp_error *e, uint64_t now,
                    struct bgp_fsm_actions *a)
{
	struct bgp_fsm_event ev = {.type = BGP_FSM_EV_PREFIX_LIMIT, .err = e};

	return bgp_fsm_handle(f, &ev, now, a);
}

static int limits_changed(struct bgp_fsm *f, const struct bgp_fsm_config *cfg, uint64_t now,
                          struct bgp_fsm_actions *a)
{
	struct bgp_fsm_event ev = {.type = BGP_FSM_EV_LIMITS_CHANGED, .cfg = cfg};

	return bgp_fsm_handle(f, &ev, now, a);
}

/* From Idle (deadline due) or Active/Connect to Established at time now. */
static void reestablish(struct bgp_fsm *f, uint64_t now)
{
	struct bgp_fsm_actions a;
	struct bgp_msg m;

	if (f->state == BGP_FSM_IDLE) {
		assert_true(bgp_fsm_next_deadline(f) <= now);
		assert_int_equal(fsm_ev(f, BGP_FSM_EV_TIMER, now, &a), 0);
	}
	if (f->state == BGP_FSM_ACTIVE)
		assert_int_equal(fsm_ev(f, BGP_FSM_EV_TCP_ACCEPTED, now, &a), 0);
	else
		assert_int_equal(fsm_ev(f, BGP_FSM_EV_TCP_CONNECTED, now, &a), 0);
	m = open_msg();
	assert_int_equal(fsm_msg(f, &m, now, &a), 0);
	m = simple_msg(BGP_MSG_KEEPALIVE);
	assert_int_equal(fsm_msg(f, &m, now, &a), 0);
	assert_int_equal(f->state, BGP_FSM_ESTABLISHED);
}

/* Overflow at now; returns the hold the FSM chose (and checks it). */
static uint64_t overflow(struct bgp_fsm *f, uint64_t now)
{
	struct bgp_error e = cease_v4();
	struct bgp_fsm_actions a;

	assert_int_equal(limit_ev(f, &e, now, &a), 0);
	assert_int_equal(f->state, BGP_FSM_IDLE);
	assert_true(f->idle_hold);
	assert_int_equal(bgp_fsm_next_deadline(f), now + a.idle_hold_ms);
	return a.idle_hold_ms;
}

static void test_first_overflow(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_error e = cease_v4();
	struct bgp_fsm_actions a;
	struct bgp_fsm f;
	uint64_t t0 = 1000;

	(void)state;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, t0);
	assert_int_equal(limit_ev(&f, &e, t0 + 500, &a), 0);
	/* The Cease goes out as given, the session ends, Idle for 60 s. */
	assert_int_equal(a.flags, BGP_FSM_ACT_SEND_NOTIFICATION | BGP_FSM_ACT_CLOSE |
	                              BGP_FSM_ACT_SESSION_DOWN);
	assert_int_equal(a.notif_code, BGP_ERR_CEASE);
	assert_int_equal(a.notif_subcode, BGP_ERR_CEASE_MAX_PREFIX);
	assert_int_equal(a.notif_data_len, 7);
	assert_memory_equal(a.notif_data, e.data, 7);
	assert_int_equal(a.down.reason, BGP_FSM_R_PREFIX_LIMIT);
	assert_int_equal(a.down.code, BGP_ERR_CEASE);
	assert_int_equal(a.down.subcode, BGP_ERR_CEASE_MAX_PREFIX);
	assert_int_equal(a.idle_hold_ms, 60000);
	assert_int_equal(f.state, BGP_FSM_IDLE);
	assert_int_equal(bgp_fsm_next_deadline(&f), t0 + 500 + MIN_MS);

	/* One ms early: nothing; the peer's connections are refused. */
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, t0 + 500 + MIN_MS - 1, &a), 0);
	assert_int_equal(a.flags, 0);
	assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_REFUSE);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TCP_ACCEPTED, t0 + 30000, &a), -EBUSY);
	assert_int_equal(a.flags, 0);
	/* Socket events of the closed connection change nothing. */
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TCP_CLOSED, t0 + 600, &a), 0);
	assert_int_equal(a.flags, 0);
	assert_int_equal(bgp_fsm_next_deadline(&f), t0 + 500 + MIN_MS);

	/* At 60 s: connect again, the hold is over. */
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, t0 + 500 + MIN_MS, &a), 0);
	assert_int_equal(a.flags, BGP_FSM_ACT_CONNECT);
	assert_int_equal(f.state, BGP_FSM_CONNECT);
	assert_false(f.idle_hold);
}

static void test_doubling_and_cap(void **state)
{
	static const uint64_t want[] = {1, 2, 4, 8, 15, 15, 15};
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	uint64_t now = 0;

	(void)state;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, now);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		/* Each new session overflows 10 s after it came up. */
		now += 10000;
		assert_int_equal(overflow(&f, now), want[i] * MIN_MS);
		now += want[i] * MIN_MS;
		reestablish(&f, now);
	}
}

/* A configured hold above the 15 min cap is the cap. */
static void test_hold_above_cap(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	uint64_t now = 0;

	(void)state;
	cfg.idle_hold_ms = 20 * MIN_MS;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, now);
	for (int i = 0; i < 3; i++) {
		now += 1000;
		assert_int_equal(overflow(&f, now), 20 * MIN_MS);
		now += 20 * MIN_MS;
		reestablish(&f, now);
	}
}

/* idle_hold_ms 0: the ordinary retry backoff, no idle hold. */
static void test_no_hold(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_error e = cease_v4();
	struct bgp_fsm_actions a;
	struct bgp_fsm f;

	(void)state;
	cfg.idle_hold_ms = 0;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	assert_int_equal(limit_ev(&f, &e, 100, &a), 0);
	assert_true(a.flags & BGP_FSM_ACT_SEND_NOTIFICATION);
	assert_int_equal(a.idle_hold_ms, 0);
	assert_false(f.idle_hold);
	assert_true(bgp_fsm_next_deadline(&f) <= 100 + cfg.retry_start_ms);
}

/*
 * The doubling starts over once a session stayed Established for 15 min
 * (idle_hold_reset_ms): measured when the session ends, whatever ends it.
 */
static void test_reset_rule(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm_actions a;
	struct bgp_fsm f;
	uint64_t now = 0, up;

	(void)state;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, now);
	assert_int_equal(overflow(&f, now += 1000), 1 * MIN_MS);
	reestablish(&f, now += MIN_MS);
	assert_int_equal(overflow(&f, now += 1000), 2 * MIN_MS);

	/* Up for 15 min less 1 ms: still a repeat. */
	reestablish(&f, now += 2 * MIN_MS);
	up = now;
	assert_int_equal(overflow(&f, now = up + 15 * MIN_MS - 1), 4 * MIN_MS);

	/* Up for exactly 15 min: forgiven, 60 s again. */
	reestablish(&f, now += 4 * MIN_MS);
	up = now;
	assert_int_equal(overflow(&f, now = up + 15 * MIN_MS), 1 * MIN_MS);
	reestablish(&f, now += MIN_MS);
	assert_int_equal(overflow(&f, now += 1000), 2 * MIN_MS);

	/* A long session that ends otherwise (the peer's Cease) forgives too. */
	reestablish(&f, now += 2 * MIN_MS);
	{
		struct bgp_msg n = notif_msg(BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_RESET);

		assert_int_equal(fsm_msg(&f, &n, now += 16 * MIN_MS, &a), 0);
	}
	assert_int_equal(a.idle_hold_ms, 0);
	assert_false(f.idle_hold);
	reestablish(&f, now = bgp_fsm_next_deadline(&f));
	assert_int_equal(overflow(&f, now += 1000), 1 * MIN_MS);

	/* A short one that ends otherwise does not. */
	reestablish(&f, now += MIN_MS);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TCP_CLOSED, now += 1000, &a), 0);
	reestablish(&f, now = bgp_fsm_next_deadline(&f));
	assert_int_equal(overflow(&f, now += 1000), 2 * MIN_MS);
}

/* A passive peer waits out the hold in Idle (refusing), then accepts. */
static void test_passive(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm_actions a;
	struct bgp_fsm f;

	(void)state;
	cfg.passive = true;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	assert_int_equal(overflow(&f, 1000), MIN_MS);
	assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_REFUSE);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, 1000 + MIN_MS, &a), 0);
	assert_int_equal(a.flags, 0); /* listens, never connects */
	assert_int_equal(f.state, BGP_FSM_ACTIVE);
	assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_HERE);
	reestablish(&f, 2000 + MIN_MS);
	assert_int_equal(overflow(&f, 3000 + MIN_MS), 2 * MIN_MS);
}

/* Only an Established session counts prefixes; err is required. */
static void test_outside_established(void **state)
{
	static const enum bgp_fsm_state states[] = {BGP_FSM_IDLE, BGP_FSM_CONNECT, BGP_FSM_ACTIVE,
	                                            BGP_FSM_OPENSENT, BGP_FSM_OPENCONFIRM};
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_error e = cease_v4();
	struct bgp_fsm_actions a;
	struct bgp_fsm f;

	(void)state;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		fsm_reach(&f, &cfg, states[i], 0);
		assert_int_equal(limit_ev(&f, &e, 10, &a), 0);
		assert_int_equal(a.flags, 0);
		assert_int_equal(f.state, states[i]);
		assert_false(f.idle_hold);
	}
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	assert_int_equal(limit_ev(&f, NULL, 10, &a), -EINVAL);
	assert_int_equal(f.state, BGP_FSM_ESTABLISHED);
	assert_int_equal(limits_changed(&f, NULL, 10, &a), -EINVAL);
}

/* Admin down or up (the operator's "clear") ends the hold and forgives. */
static void test_admin(void **state)
{
	struct bgp_fsm_config cfg = cfg_base(), down;
	struct bgp_fsm_actions a;
	struct bgp_fsm f;
	uint64_t now = 0;

	(void)state;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, now);
	overflow(&f, now += 1000);
	reestablish(&f, now += MIN_MS);
	assert_int_equal(overflow(&f, now += 1000), 2 * MIN_MS);

	/* MANUAL_START while holding: connect now, count from zero. */
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_MANUAL_START, now += 1000, &a), 0);
	assert_int_equal(a.flags, BGP_FSM_ACT_CONNECT);
	assert_false(f.idle_hold);
	reestablish(&f, now);
	assert_int_equal(overflow(&f, now += 1000), MIN_MS);

	/* MANUAL_STOP while holding: no restart at all, until MANUAL_START. */
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_MANUAL_STOP, now += 1000, &a), 0);
	assert_int_equal(a.flags, 0); /* nothing to close or notify */
	assert_false(f.idle_hold);
	assert_int_equal(bgp_fsm_next_deadline(&f), BGP_FSM_NEVER);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_MANUAL_START, now += 1000, &a), 0);
	assert_int_equal(a.flags, BGP_FSM_ACT_CONNECT);
	reestablish(&f, now);
	assert_int_equal(overflow(&f, now += 1000), MIN_MS);

	/* adminDown by config while holding: the same. */
	down = cfg;
	down.admin_down = true;
	{
		struct bgp_fsm_event ev = {.type = BGP_FSM_EV_CONFIG_CHANGED, .cfg = &down};

		assert_int_equal(bgp_fsm_handle(&f, &ev, now += 1000, &a), 0);
		assert_int_equal(bgp_fsm_next_deadline(&f), BGP_FSM_NEVER);
		assert_false(f.idle_hold);
		ev.cfg = &cfg;
		assert_int_equal(bgp_fsm_handle(&f, &ev, now += 1000, &a), 0);
		assert_int_equal(a.flags, BGP_FSM_ACT_CONNECT);
	}
	reestablish(&f, now);
	assert_int_equal(overflow(&f, now += 1000), MIN_MS);

	/* The peer de-configured while holding: stays Idle for good. */
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_PEER_UNCONFIGURED, now += 1000, &a), 0);
	assert_int_equal(bgp_fsm_next_deadline(&f), BGP_FSM_NEVER);
	assert_false(f.idle_hold);
}

/*
 * A session-relevant config change (here the hold time) does not cure the
 * flood: the hold runs on, and the new config applies on the restart.
 */
static void test_config_change_keeps_hold(void **state)
{
	struct bgp_fsm_config cfg = cfg_base(), next;
	struct bgp_fsm_event ev = {.type = BGP_FSM_EV_CONFIG_CHANGED, .cfg = &next};
	struct bgp_fsm_actions a;
	struct bgp_fsm f;

	(void)state;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	overflow(&f, 1000);
	next = cfg;
	next.hold_time = 30;
	assert_int_equal(bgp_fsm_handle(&f, &ev, 2000, &a), 0);
	assert_int_equal(a.flags, 0);
	assert_true(f.idle_hold);
	assert_int_equal(f.cfg.hold_time, 30);
	assert_int_equal(bgp_fsm_next_deadline(&f), 1000 + MIN_MS);
	assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_REFUSE);
	reestablish(&f, 1000 + MIN_MS);
	assert_int_equal(f.session.hold_time, 30);
	/* Still counted as a repeat. */
	assert_int_equal(overflow(&f, 2000 + MIN_MS), 2 * MIN_MS);
}

/* The operator changed the limit or the hold: the hold ends now. */
static void test_limits_changed(void **state)
{
	struct bgp_fsm_config cfg = cfg_base(), next;
	struct bgp_fsm_actions a;
	struct bgp_fsm f;
	uint64_t now = 0;

	(void)state;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, now);
	overflow(&f, now += 1000);
	reestablish(&f, now += MIN_MS);
	assert_int_equal(overflow(&f, now += 1000), 2 * MIN_MS);

	next = cfg;
	next.idle_hold_ms = 5000;
	next.hold_time = 30; /* not taken: only the idle hold fields are */
	assert_int_equal(limits_changed(&f, &next, now += 1000, &a), 0);
	assert_int_equal(a.flags, BGP_FSM_ACT_CONNECT);
	assert_false(f.idle_hold);
	assert_int_equal(f.cfg.idle_hold_ms, 5000);
	assert_int_equal(f.cfg.hold_time, cfg.hold_time);
	reestablish(&f, now);
	assert_int_equal(overflow(&f, now += 1000), 5000);

	/* While Established (or connecting): only the fields change. */
	reestablish(&f, now += 5000);
	next.idle_hold_ms = 7000;
	assert_int_equal(limits_changed(&f, &next, now += 1000, &a), 0);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, BGP_FSM_ESTABLISHED);
	assert_int_equal(overflow(&f, now += 1000), 7000);

	/* Admin down: stays down. */
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_MANUAL_STOP, now += 1000, &a), 0);
	assert_int_equal(limits_changed(&f, &next, now += 1000, &a), 0);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, BGP_FSM_IDLE);
	assert_int_equal(bgp_fsm_next_deadline(&f), BGP_FSM_NEVER);
}

/* A collision survivor keeps the main FSM's overflow count. */
static void test_adopt_keeps_count(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm main_fsm, second;
	struct bgp_fsm_actions a;
	uint64_t now = 0;

	(void)state;
	fsm_reach(&main_fsm, &cfg, BGP_FSM_ESTABLISHED, now);
	overflow(&main_fsm, now += 1000);
	now += MIN_MS;
	assert_int_equal(fsm_ev(&main_fsm, BGP_FSM_EV_TIMER, now, &a), 0);
	assert_int_equal(main_fsm.state, BGP_FSM_CONNECT);
	assert_int_equal(bgp_fsm_init_incoming(&second, &cfg, now), 0);
	reestablish(&second, now);
	bgp_fsm_adopt(&main_fsm, &second);
	assert_int_equal(main_fsm.state, BGP_FSM_ESTABLISHED);
	assert_int_equal(overflow(&main_fsm, now += 1000), 2 * MIN_MS);
	/* And the adopted FSM restarts by itself after the hold. */
	assert_int_equal(fsm_ev(&main_fsm, BGP_FSM_EV_TIMER, now + 2 * MIN_MS, &a), 0);
	assert_int_equal(a.flags, BGP_FSM_ACT_CONNECT);
}

/* RFC 4486 section 4: AFI (2), SAFI (1), upper bound (4), on the wire. */
static void test_cease_bytes(void **state)
{
	static const uint8_t want4[] = {
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0x00, 28,   3,    6,    1,    0x00, 0x01, 0x01, 0x00, 0x00, 0x27, 0x10,
	};
	static const uint8_t want6[] = {
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0x00, 28,   3,    6,    1,    0x00, 0x02, 0x01, 0xfe, 0xdc, 0xba, 0x98,
	};
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm_actions a;
	struct bgp_error e;
	struct bgp_fsm f;
	struct bgp_msg m;
	uint8_t buf[64];
	ssize_t n;

	(void)state;
	bgp_cease_max_prefix(&e, BGP_AF_IPV4, 10000);
	assert_int_equal(e.code, BGP_ERR_CEASE);
	assert_int_equal(e.subcode, BGP_ERR_CEASE_MAX_PREFIX);
	assert_int_equal(e.action, BGP_UPD_SESSION_RESET);
	assert_non_null(e.reason);
	n = bgp_notification_encode(buf, sizeof(buf), e.code, e.subcode, e.data, e.data_len);
	assert_int_equal(n, sizeof(want4));
	assert_memory_equal(buf, want4, sizeof(want4));

	/* IPv6, through the FSM: the same bytes reach the wire. */
	cfg.caps.mp[BGP_AF_IPV6] = true;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	bgp_cease_max_prefix(&e, BGP_AF_IPV6, 0xfedcba98u);
	assert_int_equal(limit_ev(&f, &e, 10, &a), 0);
	n = bgp_notification_encode(buf, sizeof(buf), a.notif_code, a.notif_subcode, a.notif_data,
	                            a.notif_data_len);
	assert_int_equal(n, sizeof(want6));
	assert_memory_equal(buf, want6, sizeof(want6));

	/* And our own decoder reads it back. */
	assert_int_equal(bgp_msg_decode(buf, (size_t)n, NULL, &m, &e), 0);
	assert_int_equal(m.type, BGP_MSG_NOTIFICATION);
	assert_int_equal(m.u.notification.code, BGP_ERR_CEASE);
	assert_int_equal(m.u.notification.subcode, BGP_ERR_CEASE_MAX_PREFIX);
	assert_int_equal(m.u.notification.data_len, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_overflow),
	    cmocka_unit_test(test_doubling_and_cap),
	    cmocka_unit_test(test_hold_above_cap),
	    cmocka_unit_test(test_no_hold),
	    cmocka_unit_test(test_reset_rule),
	    cmocka_unit_test(test_passive),
	    cmocka_unit_test(test_outside_established),
	    cmocka_unit_test(test_admin),
	    cmocka_unit_test(test_config_change_keeps_hold),
	    cmocka_unit_test(test_limits_changed),
	    cmocka_unit_test(test_adopt_keeps_count),
	    cmocka_unit_test(test_cease_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
