/*
 * Helpers for the FSM tests: a standard config pair (us AS 65001 id
 * 10.0.0.1, the peer AS 65002 id 10.0.0.2), message builders and a
 * driver that walks an FSM into any state.
 */
#ifndef BERTH_TEST_BGP_FSM_UTIL_H
#define BERTH_TEST_BGP_FSM_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bgp/fsm.h"

#define LOCAL_AS 65001u
#define PEER_AS  65002u
#define LOCAL_ID 0x0a000001u
#define PEER_ID  0x0a000002u

static inline struct bgp_fsm_config cfg_base(void)
{
	struct bgp_fsm_config c;

	bgp_fsm_config_defaults(&c);
	c.local_as = LOCAL_AS;
	c.peer_as = PEER_AS;
	c.router_id = LOCAL_ID;
	c.caps.mp[BGP_AF_IPV4] = true;
	c.caps.as4 = true;
	c.caps.route_refresh = true;
	return c;
}

/* The OPEN the standard peer sends. */
static inline struct bgp_msg open_msg(void)
{
	struct bgp_msg m;

	memset(&m, 0, sizeof(m));
	m.type = BGP_MSG_OPEN;
	m.u.open.version = 4;
	m.u.open.my_as = PEER_AS;
	m.u.open.hold_time = 90;
	m.u.open.bgp_id = PEER_ID;
	m.u.open.caps.mp[BGP_AF_IPV4] = true;
	m.u.open.caps.as4 = true;
	m.u.open.caps.as4_asn = PEER_AS;
	m.u.open.caps.route_refresh = true;
	return m;
}

static inline struct bgp_msg simple_msg(enum bgp_msg_type t)
{
	struct bgp_msg m;

	memset(&m, 0, sizeof(m));
	m.type = t;
	return m;
}

static inline struct bgp_msg notif_msg(uint8_t code, uint8_t subcode)
{
	struct bgp_msg m = simple_msg(BGP_MSG_NOTIFICATION);

	m.u.notification.code = code;
	m.u.notification.subcode = subcode;
	return m;
}

static inline int fsm_ev(struct bgp_fsm *f, enum bgp_fsm_event_type t, uint64_t now,
                         struct bgp_fsm_actions *a)
{
	struct bgp_fsm_event ev = {.type = t};

	return bgp_fsm_handle(f, &ev, now, a);
}

static inline int fsm_ev_rand(struct bgp_fsm *f, enum bgp_fsm_event_type t, uint32_t rand,
                              uint64_t now, struct bgp_fsm_actions *a)
{
	struct bgp_fsm_event ev = {.type = t, .rand = rand};

	return bgp_fsm_handle(f, &ev, now, a);
}

static inline int fsm_msg(struct bgp_fsm *f, const struct bgp_msg *m, uint64_t now,
                          struct bgp_fsm_actions *a)
{
	struct bgp_fsm_event ev = {.type = BGP_FSM_EV_MSG, .msg = m};

	return bgp_fsm_handle(f, &ev, now, a);
}

static inline int fsm_err(struct bgp_fsm *f, const struct bgp_error *e, uint64_t now,
                          struct bgp_fsm_actions *a)
{
	struct bgp_fsm_event ev = {.type = BGP_FSM_EV_MSG_ERROR, .err = e};

	return bgp_fsm_handle(f, &ev, now, a);
}

/*
 * Walks a fresh FSM with cfg to state s at time now (Active is reached
 * passively when cfg->passive, else through a failed connect).
 */
static inline void fsm_reach(struct bgp_fsm *f, const struct bgp_fsm_config *cfg,
                             enum bgp_fsm_state s, uint64_t now)
{
	struct bgp_fsm_actions a;
	struct bgp_msg m;

	assert_int_equal(bgp_fsm_init(f, cfg, now), 0);
	if (s == BGP_FSM_IDLE)
		return;
	assert_int_equal(fsm_ev(f, BGP_FSM_EV_TIMER, now, &a), 0);
	if (s == BGP_FSM_CONNECT) {
		assert_int_equal(f->state, BGP_FSM_CONNECT);
		return;
	}
	if (cfg->passive) {
		assert_int_equal(f->state, BGP_FSM_ACTIVE);
		if (s == BGP_FSM_ACTIVE)
			return;
		assert_int_equal(fsm_ev(f, BGP_FSM_EV_TCP_ACCEPTED, now, &a), 0);
	} else if (s == BGP_FSM_ACTIVE) {
		assert_int_equal(fsm_ev(f, BGP_FSM_EV_TCP_FAILED, now, &a), 0);
		assert_int_equal(f->state, BGP_FSM_ACTIVE);
		return;
	} else {
		assert_int_equal(fsm_ev(f, BGP_FSM_EV_TCP_CONNECTED, now, &a), 0);
	}
	assert_int_equal(f->state, BGP_FSM_OPENSENT);
	if (s == BGP_FSM_OPENSENT)
		return;
	m = open_msg();
	assert_int_equal(fsm_msg(f, &m, now, &a), 0);
	assert_int_equal(f->state, BGP_FSM_OPENCONFIRM);
	if (s == BGP_FSM_OPENCONFIRM)
		return;
	m = simple_msg(BGP_MSG_KEEPALIVE);
	assert_int_equal(fsm_msg(f, &m, now, &a), 0);
	assert_int_equal(f->state, BGP_FSM_ESTABLISHED);
}

#endif
