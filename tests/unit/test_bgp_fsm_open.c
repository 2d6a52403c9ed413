/*
 * OPEN checks (RFC 4271 section 6.2, RFC 6793, RFC 6286, RFC 5492) and
 * capability negotiation, fed through the FSM in OpenSent.
 */
#include "test_bgp_fsm_util.h"

/* Feeds m in OpenSent; returns the actions. */
static struct bgp_fsm_actions open_with(struct bgp_fsm *f, const struct bgp_fsm_config *cfg,
                                        const struct bgp_msg *m)
{
	struct bgp_fsm_actions a;

	fsm_reach(f, cfg, BGP_FSM_OPENSENT, 0);
	assert_int_equal(fsm_msg(f, m, 1, &a), 0);
	return a;
}

static void expect_reject(const struct bgp_fsm_config *cfg, const struct bgp_msg *m,
                          uint8_t subcode)
{
	struct bgp_fsm f;
	struct bgp_fsm_actions a = open_with(&f, cfg, m);

	assert_int_equal(a.flags, BGP_FSM_ACT_SEND_NOTIFICATION | BGP_FSM_ACT_CLOSE);
	assert_int_equal(a.notif_code, BGP_ERR_OPEN);
	assert_int_equal(a.notif_subcode, subcode);
	assert_int_equal(f.state, BGP_FSM_IDLE);
	assert_int_equal(a.down.reason, BGP_FSM_R_PROTOCOL_ERROR);
	assert_int_equal(a.down.code, BGP_ERR_OPEN);
	assert_int_equal(a.down.subcode, subcode);
}

static void expect_accept(const struct bgp_fsm_config *cfg, const struct bgp_msg *m,
                          struct bgp_fsm *f)
{
	struct bgp_fsm_actions a = open_with(f, cfg, m);

	assert_int_equal(a.flags, BGP_FSM_ACT_SEND_KEEPALIVE);
	assert_int_equal(f->state, BGP_FSM_OPENCONFIRM);
}

static void test_bad_version(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_msg m = open_msg();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;

	(void)state;
	m.u.open.version = 5;
	a = open_with(&f, &cfg, &m);
	assert_int_equal(a.notif_code, BGP_ERR_OPEN);
	assert_int_equal(a.notif_subcode, BGP_ERR_OPEN_VERSION);
	/* RFC 4271 6.2: the largest version we support, 2 octets. */
	assert_int_equal(a.notif_data_len, 2);
	assert_int_equal(a.notif_data[0], 0);
	assert_int_equal(a.notif_data[1], 4);
}

static void test_bad_peer_as(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_msg m;

	(void)state;
	m = open_msg();
	m.u.open.my_as = 65003;
	m.u.open.caps.as4_asn = 65003;
	expect_reject(&cfg, &m, BGP_ERR_OPEN_PEER_AS);

	/* AS4 capability disagreeing with the 2-octet field. */
	m = open_msg();
	m.u.open.my_as = 65005;
	expect_reject(&cfg, &m, BGP_ERR_OPEN_PEER_AS);

	/* RFC 7607: AS 0. */
	m = open_msg();
	m.u.open.my_as = 0;
	m.u.open.caps.as4_asn = 0;
	expect_reject(&cfg, &m, BGP_ERR_OPEN_PEER_AS);

	/* A 2-octet speaker (no AS4) claiming the right AS is fine. */
	m = open_msg();
	m.u.open.caps.as4 = false;
	m.u.open.caps.as4_asn = 0;
	{
		struct bgp_fsm f;

		expect_accept(&cfg, &m, &f);
		assert_false(f.session.params.as4);
		assert_int_equal(f.session.peer_as, PEER_AS);
	}
}

static void test_four_octet_peer_as(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_msg m = open_msg();
	struct bgp_fsm f;

	(void)state;
	cfg.peer_as = 4200000002u;
	m.u.open.my_as = BGP_AS_TRANS;
	m.u.open.caps.as4_asn = 4200000002u;
	expect_accept(&cfg, &m, &f);
	assert_int_equal(f.session.peer_as, 4200000002u);
	assert_true(f.session.params.as4);

	/* Without the capability only AS_TRANS is visible: bad peer AS. */
	m.u.open.caps.as4 = false;
	m.u.open.caps.as4_asn = 0;
	expect_reject(&cfg, &m, BGP_ERR_OPEN_PEER_AS);
}

static void test_hold_time(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_msg m = open_msg();
	struct bgp_fsm f;

	(void)state;
	m.u.open.hold_time = 1;
	expect_reject(&cfg, &m, BGP_ERR_OPEN_HOLD_TIME);
	m.u.open.hold_time = 2;
	expect_reject(&cfg, &m, BGP_ERR_OPEN_HOLD_TIME);

	m.u.open.hold_time = 3;
	expect_accept(&cfg, &m, &f);
	assert_int_equal(f.session.hold_time, 3);
	assert_int_equal(f.session.keepalive_time, 1);

	m.u.open.hold_time = 240; /* ours (90) is smaller */
	expect_accept(&cfg, &m, &f);
	assert_int_equal(f.session.hold_time, 90);
	assert_int_equal(f.session.keepalive_time, 30);

	/* A configured keepalive below hold/3 wins. */
	cfg.keepalive_time = 10;
	expect_accept(&cfg, &m, &f);
	assert_int_equal(f.session.keepalive_time, 10);
	/* ... but never above a third of the negotiated hold. */
	m.u.open.hold_time = 9;
	expect_accept(&cfg, &m, &f);
	assert_int_equal(f.session.hold_time, 9);
	assert_int_equal(f.session.keepalive_time, 3);

	/* Zero on either side: no hold timer, no keepalives. */
	m.u.open.hold_time = 0;
	expect_accept(&cfg, &m, &f);
	assert_int_equal(f.session.hold_time, 0);
	assert_int_equal(f.session.keepalive_time, 0);
	assert_int_equal(bgp_fsm_next_deadline(&f), BGP_FSM_NEVER);
}

static void test_bgp_id(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_msg m = open_msg();
	struct bgp_fsm f;

	(void)state;
	m.u.open.bgp_id = 0;
	expect_reject(&cfg, &m, BGP_ERR_OPEN_BGP_ID);

	/* Same id as ours: fine for eBGP (RFC 6286 section 2.2) ... */
	m.u.open.bgp_id = LOCAL_ID;
	expect_accept(&cfg, &m, &f);
	/* ... not for iBGP. */
	cfg.peer_as = LOCAL_AS;
	m.u.open.my_as = LOCAL_AS;
	m.u.open.caps.as4_asn = LOCAL_AS;
	expect_reject(&cfg, &m, BGP_ERR_OPEN_BGP_ID);
	m.u.open.bgp_id = PEER_ID;
	expect_accept(&cfg, &m, &f);

	/* An expected peer id must match. */
	cfg = cfg_base();
	cfg.peer_id = 0x0a0000ffu;
	m = open_msg();
	expect_reject(&cfg, &m, BGP_ERR_OPEN_BGP_ID);
	cfg.peer_id = PEER_ID;
	expect_accept(&cfg, &m, &f);
}

static void test_families(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_msg m = open_msg();
	struct bgp_fsm f;
	struct bgp_fsm_actions a;

	(void)state;
	/* Both offer v4 and v6. */
	cfg.caps.mp[BGP_AF_IPV6] = true;
	m.u.open.caps.mp[BGP_AF_IPV6] = true;
	expect_accept(&cfg, &m, &f);
	assert_true(f.session.af[BGP_AF_IPV4]);
	assert_true(f.session.af[BGP_AF_IPV6]);

	/* Only v6 in common. */
	m.u.open.caps.mp[BGP_AF_IPV4] = false;
	expect_accept(&cfg, &m, &f);
	assert_false(f.session.af[BGP_AF_IPV4]);
	assert_true(f.session.af[BGP_AF_IPV6]);

	/* Neither side sends MP: IPv4 unicast implicitly. */
	cfg = cfg_base();
	cfg.caps.mp[BGP_AF_IPV4] = false;
	m = open_msg();
	m.u.open.caps.mp[BGP_AF_IPV4] = false;
	expect_accept(&cfg, &m, &f);
	assert_true(f.session.af[BGP_AF_IPV4]);
	assert_false(f.session.af[BGP_AF_IPV6]);

	/* A peer without any MP capability speaks IPv4 to our MP-IPv4. */
	cfg = cfg_base();
	expect_accept(&cfg, &m, &f);
	assert_true(f.session.af[BGP_AF_IPV4]);

	/* Nothing in common: Unsupported Capability listing ours. */
	cfg.caps.mp[BGP_AF_IPV4] = false;
	cfg.caps.mp[BGP_AF_IPV6] = true;
	m = open_msg();
	a = open_with(&f, &cfg, &m);
	assert_int_equal(a.notif_code, BGP_ERR_OPEN);
	assert_int_equal(a.notif_subcode, BGP_ERR_OPEN_CAPABILITY);
	assert_int_equal(a.notif_data_len, 6);
	{
		static const uint8_t want[6] = {1, 4, 0, 2, 0, 1};

		assert_memory_equal(a.notif_data, want, 6);
	}
	assert_int_equal(f.state, BGP_FSM_IDLE);
}

static void test_capability_intersection(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_msg m = open_msg();
	struct bgp_fsm f;

	(void)state;
	cfg.caps.mp[BGP_AF_IPV6] = true;
	m.u.open.caps.mp[BGP_AF_IPV6] = true;
	cfg.caps.ext_msg = true;
	cfg.caps.addpath[BGP_AF_IPV4] = BGP_ADDPATH_SEND | BGP_ADDPATH_RECEIVE;
	cfg.caps.addpath[BGP_AF_IPV6] = BGP_ADDPATH_SEND;
	m.u.open.caps.addpath[BGP_AF_IPV4] = BGP_ADDPATH_RECEIVE;
	m.u.open.caps.addpath[BGP_AF_IPV6] = BGP_ADDPATH_SEND; /* no match */
	m.u.open.caps.route_refresh = false;
	expect_accept(&cfg, &m, &f);
	assert_false(f.session.params.ext_msg);
	assert_int_equal(f.session.params.addpath_tx[BGP_AF_IPV4], 1);
	assert_int_equal(f.session.params.addpath_rx[BGP_AF_IPV4], 0);
	assert_int_equal(f.session.params.addpath_tx[BGP_AF_IPV6], 0);
	assert_int_equal(f.session.params.addpath_rx[BGP_AF_IPV6], 0);
	assert_false(f.session.route_refresh);
	assert_false(f.session.gr_peer);

	m.u.open.caps.ext_msg = true;
	m.u.open.caps.addpath[BGP_AF_IPV4] = BGP_ADDPATH_SEND;
	cfg.caps.as4 = false;
	cfg.caps.addpath[BGP_AF_IPV6] = BGP_ADDPATH_RECEIVE;
	expect_accept(&cfg, &m, &f);
	assert_true(f.session.params.ext_msg);
	assert_false(f.session.params.as4);
	assert_int_equal(f.session.params.addpath_tx[BGP_AF_IPV4], 0);
	assert_int_equal(f.session.params.addpath_rx[BGP_AF_IPV4], 1);
	assert_int_equal(f.session.params.addpath_rx[BGP_AF_IPV6], 1);

	/* ADD-PATH on a family that is not exchanged does not count. */
	m.u.open.caps.mp[BGP_AF_IPV6] = false;
	expect_accept(&cfg, &m, &f);
	assert_int_equal(f.session.params.addpath_rx[BGP_AF_IPV6], 0);

	/* RFC 8654: larger messages only once Established. */
	{
		struct bgp_fsm_actions a;
		struct bgp_msg ka = simple_msg(BGP_MSG_KEEPALIVE);

		assert_int_equal(bgp_fsm_max_msg_len(&f), BGP_MAX_MSG_LEN);
		assert_int_equal(fsm_msg(&f, &ka, 2, &a), 0);
		assert_int_equal(bgp_fsm_max_msg_len(&f), BGP_MAX_EXT_MSG_LEN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_version),
	    cmocka_unit_test(test_bad_peer_as),
	    cmocka_unit_test(test_four_octet_peer_as),
	    cmocka_unit_test(test_hold_time),
	    cmocka_unit_test(test_bgp_id),
	    cmocka_unit_test(test_families),
	    cmocka_unit_test(test_capability_intersection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
