/*
 * BGP FSM transitions (RFC 4271 section 8.2.2), table-driven: every
 * state x event row that matters, with the exact actions, the
 * NOTIFICATION sent, the next state and the reason reported.
 */
#include "test_bgp_fsm_util.h"

#define F_OPEN  BGP_FSM_ACT_SEND_OPEN
#define F_KA    BGP_FSM_ACT_SEND_KEEPALIVE
#define F_NOTIF BGP_FSM_ACT_SEND_NOTIFICATION
#define F_CLOSE BGP_FSM_ACT_CLOSE
#define F_CONN  BGP_FSM_ACT_CONNECT
#define F_UP    BGP_FSM_ACT_SESSION_UP
#define F_DOWN  BGP_FSM_ACT_SESSION_DOWN

enum input {
	IN_EVENT,    /* plain event */
	IN_OPEN,     /* MSG with the standard peer OPEN */
	IN_KA,       /* MSG KEEPALIVE */
	IN_UPDATE,   /* MSG UPDATE */
	IN_RR,       /* MSG ROUTE-REFRESH */
	IN_NOTIF,    /* MSG NOTIFICATION 6/4 */
	IN_ERR,      /* MSG_ERROR session reset UPDATE 3/11 */
	IN_ERR_OPEN, /* MSG_ERROR OPEN 2/4 */
	IN_ERR_TAW,  /* MSG_ERROR treat-as-withdraw */
	IN_ERR_DISC, /* MSG_ERROR attribute discard */
};

struct row {
	const char *name;
	enum bgp_fsm_state from;
	bool passive;
	enum input in;
	enum bgp_fsm_event_type ev; /* for IN_EVENT */
	int rc;
	uint32_t flags;
	enum bgp_fsm_state to;
	uint8_t code, subcode; /* NOTIFICATION sent, when F_NOTIF */
	enum bgp_fsm_reason reason;
};

#define S(x) BGP_FSM_##x
#define E(x) IN_EVENT, BGP_FSM_EV_##x
#define M(x) IN_##x, 0
#define R(x) BGP_FSM_R_##x

static const struct row rows[] = {
    /* Idle */
    {"idle stopped refuses accepted", S(IDLE), 0, E(TCP_ACCEPTED), -EBUSY, 0, S(IDLE), 0, 0,
     R(NONE)},
    {"idle ignores messages", S(IDLE), 0, M(KA), 0, 0, S(IDLE), 0, 0, R(NONE)},
    {"idle stale connect completion", S(IDLE), 0, E(TCP_CONNECTED), -EBUSY, 0, S(IDLE), 0, 0,
     R(NONE)},
    {"idle manual start connects", S(IDLE), 0, E(MANUAL_START), 0, F_CONN, S(CONNECT), 0, 0,
     R(NONE)},
    {"idle manual start passive listens", S(IDLE), 1, E(MANUAL_START), 0, 0, S(ACTIVE), 0, 0,
     R(NONE)},
    /* Connect */
    {"connect succeeds", S(CONNECT), 0, E(TCP_CONNECTED), 0, F_OPEN, S(OPENSENT), 0, 0, R(NONE)},
    {"connect fails", S(CONNECT), 0, E(TCP_FAILED), 0, F_CLOSE, S(ACTIVE), 0, 0, R(TCP_FAILED)},
    {"connect closed", S(CONNECT), 0, E(TCP_CLOSED), 0, F_CLOSE, S(ACTIVE), 0, 0, R(TCP_FAILED)},
    {"connect accepted goes to a second fsm", S(CONNECT), 0, E(TCP_ACCEPTED), -EBUSY, 0, S(CONNECT),
     0, 0, R(NONE)},
    {"connect manual stop", S(CONNECT), 0, E(MANUAL_STOP), 0, F_CLOSE, S(IDLE), 0, 0,
     R(ADMIN_STOP)},
    {"connect ignores messages", S(CONNECT), 0, M(OPEN), 0, 0, S(CONNECT), 0, 0, R(NONE)},
    /* Active */
    {"active accepts", S(ACTIVE), 0, E(TCP_ACCEPTED), 0, F_OPEN, S(OPENSENT), 0, 0, R(NONE)},
    {"active passive accepts", S(ACTIVE), 1, E(TCP_ACCEPTED), 0, F_OPEN, S(OPENSENT), 0, 0,
     R(NONE)},
    {"active stale connect", S(ACTIVE), 0, E(TCP_CONNECTED), -EBUSY, 0, S(ACTIVE), 0, 0, R(NONE)},
    {"active ignores close", S(ACTIVE), 1, E(TCP_CLOSED), 0, 0, S(ACTIVE), 0, 0, R(NONE)},
    {"active manual stop", S(ACTIVE), 1, E(MANUAL_STOP), 0, 0, S(IDLE), 0, 0, R(ADMIN_STOP)},
    {"active ignores messages", S(ACTIVE), 1, M(UPDATE), 0, 0, S(ACTIVE), 0, 0, R(NONE)},
    /* OpenSent */
    {"opensent good open", S(OPENSENT), 0, M(OPEN), 0, F_KA, S(OPENCONFIRM), 0, 0, R(NONE)},
    {"opensent keepalive is fsm error", S(OPENSENT), 0, M(KA), 0, F_NOTIF | F_CLOSE, S(IDLE),
     BGP_ERR_FSM, 1, R(PROTOCOL_ERROR)},
    {"opensent update is fsm error", S(OPENSENT), 0, M(UPDATE), 0, F_NOTIF | F_CLOSE, S(IDLE),
     BGP_ERR_FSM, 1, R(PROTOCOL_ERROR)},
    {"opensent tolerable update error is fsm error", S(OPENSENT), 0, M(ERR_TAW), 0,
     F_NOTIF | F_CLOSE, S(IDLE), BGP_ERR_FSM, 1, R(PROTOCOL_ERROR)},
    {"opensent notification", S(OPENSENT), 0, M(NOTIF), 0, F_CLOSE, S(IDLE), 0, 0,
     R(NOTIF_RECEIVED)},
    {"opensent tcp closed", S(OPENSENT), 0, E(TCP_CLOSED), 0, F_CLOSE, S(ACTIVE), 0, 0,
     R(TCP_CLOSED)},
    {"opensent open decode error", S(OPENSENT), 0, M(ERR_OPEN), 0, F_NOTIF | F_CLOSE, S(IDLE),
     BGP_ERR_OPEN, 4, R(PROTOCOL_ERROR)},
    {"opensent manual stop", S(OPENSENT), 0, E(MANUAL_STOP), 0, F_NOTIF | F_CLOSE, S(IDLE),
     BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_SHUTDOWN, R(ADMIN_STOP)},
    {"opensent second accept", S(OPENSENT), 0, E(TCP_ACCEPTED), -EBUSY, 0, S(OPENSENT), 0, 0,
     R(NONE)},
    /* OpenConfirm */
    {"openconfirm keepalive", S(OPENCONFIRM), 0, M(KA), 0, F_UP, S(ESTABLISHED), 0, 0, R(NONE)},
    {"openconfirm open is fsm error", S(OPENCONFIRM), 0, M(OPEN), 0, F_NOTIF | F_CLOSE, S(IDLE),
     BGP_ERR_FSM, 2, R(PROTOCOL_ERROR)},
    {"openconfirm update is fsm error", S(OPENCONFIRM), 0, M(UPDATE), 0, F_NOTIF | F_CLOSE, S(IDLE),
     BGP_ERR_FSM, 2, R(PROTOCOL_ERROR)},
    {"openconfirm notification", S(OPENCONFIRM), 0, M(NOTIF), 0, F_CLOSE, S(IDLE), 0, 0,
     R(NOTIF_RECEIVED)},
    {"openconfirm tcp closed", S(OPENCONFIRM), 0, E(TCP_CLOSED), 0, F_CLOSE, S(IDLE), 0, 0,
     R(TCP_CLOSED)},
    {"openconfirm manual stop", S(OPENCONFIRM), 0, E(MANUAL_STOP), 0, F_NOTIF | F_CLOSE, S(IDLE),
     BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_SHUTDOWN, R(ADMIN_STOP)},
    {"openconfirm header error", S(OPENCONFIRM), 0, M(ERR), 0, F_NOTIF | F_CLOSE, S(IDLE),
     BGP_ERR_UPDATE, BGP_ERR_UPD_AS_PATH, R(PROTOCOL_ERROR)},
    /* Established */
    {"established keepalive", S(ESTABLISHED), 0, M(KA), 0, 0, S(ESTABLISHED), 0, 0, R(NONE)},
    {"established update", S(ESTABLISHED), 0, M(UPDATE), 0, 0, S(ESTABLISHED), 0, 0, R(NONE)},
    {"established route refresh", S(ESTABLISHED), 0, M(RR), 0, 0, S(ESTABLISHED), 0, 0, R(NONE)},
    {"established treat-as-withdraw keeps session", S(ESTABLISHED), 0, M(ERR_TAW), 0, 0,
     S(ESTABLISHED), 0, 0, R(NONE)},
    {"established attribute discard keeps session", S(ESTABLISHED), 0, M(ERR_DISC), 0, 0,
     S(ESTABLISHED), 0, 0, R(NONE)},
    {"established session reset error", S(ESTABLISHED), 0, M(ERR), 0, F_NOTIF | F_CLOSE | F_DOWN,
     S(IDLE), BGP_ERR_UPDATE, BGP_ERR_UPD_AS_PATH, R(PROTOCOL_ERROR)},
    {"established open is fsm error", S(ESTABLISHED), 0, M(OPEN), 0, F_NOTIF | F_CLOSE | F_DOWN,
     S(IDLE), BGP_ERR_FSM, 3, R(PROTOCOL_ERROR)},
    {"established notification", S(ESTABLISHED), 0, M(NOTIF), 0, F_CLOSE | F_DOWN, S(IDLE), 0, 0,
     R(NOTIF_RECEIVED)},
    {"established tcp closed", S(ESTABLISHED), 0, E(TCP_CLOSED), 0, F_CLOSE | F_DOWN, S(IDLE), 0, 0,
     R(TCP_CLOSED)},
    {"established manual stop", S(ESTABLISHED), 0, E(MANUAL_STOP), 0, F_NOTIF | F_CLOSE | F_DOWN,
     S(IDLE), BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_SHUTDOWN, R(ADMIN_STOP)},
    {"established peer unconfigured", S(ESTABLISHED), 0, E(PEER_UNCONFIGURED), 0,
     F_NOTIF | F_CLOSE | F_DOWN, S(IDLE), BGP_ERR_CEASE, BGP_ERR_CEASE_PEER_DECONF,
     R(PEER_UNCONFIGURED)},
    {"established collision lost", S(ESTABLISHED), 0, E(COLLISION_LOST), 0,
     F_NOTIF | F_CLOSE | F_DOWN, S(IDLE), BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, R(COLLISION)},
    {"established accept goes to a second fsm", S(ESTABLISHED), 0, E(TCP_ACCEPTED), -EBUSY, 0,
     S(ESTABLISHED), 0, 0, R(NONE)},
    {"established manual start is a no-op", S(ESTABLISHED), 0, E(MANUAL_START), 0, 0,
     S(ESTABLISHED), 0, 0, R(NONE)},
};

static struct bgp_error make_err(enum input in)
{
	struct bgp_error e;

	memset(&e, 0, sizeof(e));
	switch (in) {
	case IN_ERR_OPEN:
		e.action = BGP_UPD_SESSION_RESET;
		e.code = BGP_ERR_OPEN;
		e.subcode = BGP_ERR_OPEN_OPT_PARAM;
		break;
	case IN_ERR_TAW:
		e.action = BGP_UPD_TREAT_AS_WITHDRAW;
		e.code = BGP_ERR_UPDATE;
		e.subcode = BGP_ERR_UPD_NEXT_HOP;
		break;
	case IN_ERR_DISC:
		e.action = BGP_UPD_ATTR_DISCARD;
		e.code = BGP_ERR_UPDATE;
		e.subcode = BGP_ERR_UPD_OPT_ATTR;
		break;
	default:
		e.action = BGP_UPD_SESSION_RESET;
		e.code = BGP_ERR_UPDATE;
		e.subcode = BGP_ERR_UPD_AS_PATH;
		e.data_len = 3;
		e.data[0] = 0x40;
		e.data[1] = 0x02;
		e.data[2] = 0x00;
		break;
	}
	return e;
}

static int feed(struct bgp_fsm *f, const struct row *r, uint64_t now, struct bgp_fsm_actions *a)
{
	struct bgp_msg m;
	struct bgp_error e;

	switch (r->in) {
	case IN_EVENT:
		return fsm_ev(f, r->ev, now, a);
	case IN_OPEN:
		m = open_msg();
		return fsm_msg(f, &m, now, a);
	case IN_KA:
		m = simple_msg(BGP_MSG_KEEPALIVE);
		return fsm_msg(f, &m, now, a);
	case IN_UPDATE:
		m = simple_msg(BGP_MSG_UPDATE);
		return fsm_msg(f, &m, now, a);
	case IN_RR:
		m = simple_msg(BGP_MSG_ROUTE_REFRESH);
		return fsm_msg(f, &m, now, a);
	case IN_NOTIF:
		m = notif_msg(BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_RESET);
		return fsm_msg(f, &m, now, a);
	default:
		e = make_err(r->in);
		return fsm_err(f, &e, now, a);
	}
}

static void test_transition_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct bgp_fsm_config cfg = cfg_base();
		struct bgp_fsm f;
		struct bgp_fsm_actions a;
		uint64_t now = 1000000;
		int rc;

		print_message("row: %s\n", r->name);
		cfg.passive = r->passive;
		cfg.admin_down = r->from == BGP_FSM_IDLE;
		fsm_reach(&f, &cfg, r->from, now);
		assert_int_equal(f.state, r->from);
		memset(&f.down, 0, sizeof(f.down));
		rc = feed(&f, r, now + 10, &a);
		assert_int_equal(rc, r->rc);
		assert_int_equal(a.flags, r->flags);
		assert_int_equal(f.state, r->to);
		if (r->flags & F_NOTIF) {
			assert_int_equal(a.notif_code, r->code);
			assert_int_equal(a.notif_subcode, r->subcode);
		}
		if (r->rc == 0)
			assert_int_equal(a.down.reason, r->reason);
		if (r->reason == BGP_FSM_R_NOTIF_RECEIVED) {
			assert_int_equal(a.down.code, BGP_ERR_CEASE);
			assert_int_equal(a.down.subcode, BGP_ERR_CEASE_ADMIN_RESET);
		}
		if (r->reason == BGP_FSM_R_PROTOCOL_ERROR) {
			assert_int_equal(a.down.code, r->code);
			assert_int_equal(a.down.subcode, r->subcode);
		}
	}
}

/* The decoder's NOTIFICATION data goes out unchanged (RFC 4271 6.3). */
static void test_error_data_forwarded(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;
	struct bgp_error e = make_err(IN_ERR);

	(void)state;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	assert_int_equal(fsm_err(&f, &e, 5, &a), 0);
	assert_int_equal(a.notif_data_len, 3);
	assert_memory_equal(a.notif_data, e.data, 3);
	assert_int_equal(f.down.reason, BGP_FSM_R_PROTOCOL_ERROR);
}

static void test_session_up_contents(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;
	struct bgp_msg m = open_msg();

	(void)state;
	cfg.caps.gr = true;
	cfg.caps.gr_time = 120;
	m.u.open.caps.gr = true;
	m.u.open.caps.gr_time = 90;
	m.u.open.caps.gr_af[BGP_AF_IPV4].present = true;
	m.u.open.caps.gr_af[BGP_AF_IPV4].forwarding_preserved = true;
	fsm_reach(&f, &cfg, BGP_FSM_OPENSENT, 0);
	assert_int_equal(fsm_msg(&f, &m, 0, &a), 0);
	m = simple_msg(BGP_MSG_KEEPALIVE);
	assert_int_equal(fsm_msg(&f, &m, 0, &a), 0);
	assert_int_equal(a.flags, BGP_FSM_ACT_SESSION_UP);
	assert_true(a.session.af[BGP_AF_IPV4]);
	assert_false(a.session.af[BGP_AF_IPV6]);
	assert_true(a.session.params.as4);
	assert_true(a.session.route_refresh);
	assert_int_equal(a.session.hold_time, 90);
	assert_int_equal(a.session.keepalive_time, 30);
	assert_int_equal(a.session.peer_as, PEER_AS);
	assert_int_equal(a.session.peer_id, PEER_ID);
	assert_true(a.session.gr_local);
	assert_true(a.session.gr_peer);
	assert_int_equal(a.session.peer_open.caps.gr_time, 90);
	assert_true(a.session.peer_open.caps.gr_af[BGP_AF_IPV4].forwarding_preserved);
	assert_int_equal(bgp_fsm_max_msg_len(&f), BGP_MAX_MSG_LEN);
}

/* Our OPEN: RFC 6793 AS_TRANS for a 4-octet AS, the real AS in the cap. */
static void test_open_sent_contents(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;

	(void)state;
	cfg.local_as = 4200000001u;
	cfg.hold_time = 30;
	cfg.caps.ext_msg = true;
	assert_int_equal(bgp_fsm_init(&f, &cfg, 0), 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, 0, &a), 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TCP_CONNECTED, 0, &a), 0);
	assert_int_equal(a.flags, BGP_FSM_ACT_SEND_OPEN);
	assert_int_equal(a.open.version, 4);
	assert_int_equal(a.open.my_as, BGP_AS_TRANS);
	assert_int_equal(a.open.caps.as4_asn, 4200000001u);
	assert_int_equal(a.open.hold_time, 30);
	assert_int_equal(a.open.bgp_id, LOCAL_ID);
	assert_true(a.open.caps.ext_msg);
	assert_true(f.outgoing);

	cfg.local_as = 64999;
	assert_int_equal(bgp_fsm_init(&f, &cfg, 0), 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TIMER, 0, &a), 0);
	assert_int_equal(fsm_ev(&f, BGP_FSM_EV_TCP_CONNECTED, 0, &a), 0);
	assert_int_equal(a.open.my_as, 64999);
	assert_int_equal(a.open.caps.as4_asn, 64999);
}

static void test_init_rejects_bad_config(void **state)
{
	struct bgp_fsm f;
	struct bgp_fsm_config c;

	(void)state;
	c = cfg_base();
	assert_int_equal(bgp_fsm_init(&f, &c, 0), 0);
	c.hold_time = 2;
	assert_int_equal(bgp_fsm_init(&f, &c, 0), -EINVAL);
	c = cfg_base();
	c.hold_time = 1;
	assert_int_equal(bgp_fsm_init(&f, &c, 0), -EINVAL);
	c = cfg_base();
	c.hold_time = 0; /* allowed: no keepalives */
	assert_int_equal(bgp_fsm_init(&f, &c, 0), 0);
	c = cfg_base();
	c.keepalive_time = 90; /* not below the hold time */
	assert_int_equal(bgp_fsm_init(&f, &c, 0), -EINVAL);
	c = cfg_base();
	c.router_id = 0;
	assert_int_equal(bgp_fsm_init(&f, &c, 0), -EINVAL);
	c = cfg_base();
	c.peer_as = 0;
	assert_int_equal(bgp_fsm_init(&f, &c, 0), -EINVAL);
	c = cfg_base();
	c.local_as = 70000;
	c.caps.as4 = false;
	assert_int_equal(bgp_fsm_init(&f, &c, 0), -EINVAL);
	c = cfg_base();
	c.retry_max_ms = c.retry_start_ms - 1;
	assert_int_equal(bgp_fsm_init(&f, &c, 0), -EINVAL);
	c = cfg_base();
	c.caps.addpath[BGP_AF_IPV4] = 4;
	assert_int_equal(bgp_fsm_init(&f, &c, 0), -EINVAL);
	c = cfg_base();
	c.caps.gr_time = 4096;
	assert_int_equal(bgp_fsm_init(&f, &c, 0), -EINVAL);
	assert_int_equal(bgp_fsm_init(&f, NULL, 0), -EINVAL);
}

static void test_malformed_events(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;
	struct bgp_fsm_event ev = {.type = BGP_FSM_EV_MSG};

	(void)state;
	fsm_reach(&f, &cfg, BGP_FSM_ESTABLISHED, 0);
	assert_int_equal(bgp_fsm_handle(&f, &ev, 0, &a), -EINVAL);
	ev.type = BGP_FSM_EV_MSG_ERROR;
	assert_int_equal(bgp_fsm_handle(&f, &ev, 0, &a), -EINVAL);
	ev.type = BGP_FSM_EV_CONFIG_CHANGED;
	assert_int_equal(bgp_fsm_handle(&f, &ev, 0, &a), -EINVAL);
	ev.type = (enum bgp_fsm_event_type)99;
	assert_int_equal(bgp_fsm_handle(&f, &ev, 0, &a), -EINVAL);
	assert_int_equal(bgp_fsm_handle(&f, NULL, 0, &a), -EINVAL);
	assert_int_equal(bgp_fsm_handle(&f, &ev, 0, NULL), -EINVAL);
	assert_int_equal(f.state, BGP_FSM_ESTABLISHED);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(bgp_fsm_state_name(BGP_FSM_ESTABLISHED), "Established");
	assert_string_equal(bgp_fsm_state_name((enum bgp_fsm_state)42), "?");
	assert_string_equal(bgp_fsm_reason_name(BGP_FSM_R_HOLD_EXPIRED), "hold timer expired");
	assert_string_equal(bgp_fsm_reason_name(BGP_FSM_R_COLLISION), "connection collision");
	assert_string_equal(bgp_fsm_reason_name((enum bgp_fsm_reason)42), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transition_table),
	    cmocka_unit_test(test_error_data_forwarded),
	    cmocka_unit_test(test_session_up_contents),
	    cmocka_unit_test(test_open_sent_contents),
	    cmocka_unit_test(test_init_rejects_bad_config),
	    cmocka_unit_test(test_malformed_events),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
