/*
 * libFuzzer target: drives one FSM with events and with messages decoded
 * from the input by the real codec, checking the FSM's invariants.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/fsm.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_fsm_config cfg, ncfg;
	struct bgp_fsm f;
	struct bgp_fsm_actions a;
	uint64_t now = 0;
	size_t i = 0;
	uint8_t out[BGP_MAX_MSG_LEN];

	bgp_fsm_config_defaults(&cfg);
	cfg.local_as = 65001;
	cfg.peer_as = 65002;
	cfg.router_id = 0x0a000001;
	cfg.caps.mp[0] = cfg.caps.mp[1] = true;
	cfg.caps.as4 = true;
	cfg.caps.ext_msg = true;
	cfg.caps.addpath[0] = 3;
	if (size > 0) {
		cfg.passive = data[0] & 1;
		cfg.hold_time = (data[0] & 2) ? 0 : 9;
		cfg.caps.gr = data[0] & 4;
		i = 1;
	}
	if (bgp_fsm_init(&f, &cfg, now) < 0)
		return 0;
	while (i < size) {
		uint8_t op = data[i++];
		struct bgp_fsm_event ev = {.rand = (uint32_t)op * 0x01010101u};
		struct bgp_msg m;
		struct bgp_error e;
		enum bgp_fsm_state before = f.state;
		int rc;

		now += (op >> 4) * 1000u;
		switch (op % 16) {
		case 0:
			ev.type = BGP_FSM_EV_MANUAL_START;
			break;
		case 1:
			ev.type = BGP_FSM_EV_MANUAL_STOP;
			break;
		case 2:
			ev.type = BGP_FSM_EV_TCP_CONNECTED;
			break;
		case 3:
			ev.type = BGP_FSM_EV_TCP_ACCEPTED;
			break;
		case 4:
			ev.type = BGP_FSM_EV_TCP_FAILED;
			break;
		case 5:
			ev.type = BGP_FSM_EV_TCP_CLOSED;
			break;
		case 6:
			ev.type = BGP_FSM_EV_PEER_UNCONFIGURED;
			break;
		case 7:
			ncfg = cfg;
			ncfg.admin_down = op & 0x10;
			ncfg.hold_time = (op & 0x20) ? 30 : 3;
			ev.type = BGP_FSM_EV_CONFIG_CHANGED;
			ev.cfg = &ncfg;
			break;
		case 8:
			ev.type = BGP_FSM_EV_COLLISION_LOST;
			break;
		case 14:
			/* The peer layer's prefix limit, for either family. */
			bgp_cease_max_prefix(&e, (op & 0x10) ? BGP_AF_IPV6 : BGP_AF_IPV4, op);
			ev.type = BGP_FSM_EV_PREFIX_LIMIT;
			ev.err = &e;
			break;
		case 15:
			ncfg = f.cfg;
			ncfg.idle_hold_ms = (op >> 5) * 1000u;
			ev.type = BGP_FSM_EV_LIMITS_CHANGED;
			ev.cfg = &ncfg;
			break;
		case 9:
		case 10:
			ev.type = BGP_FSM_EV_TIMER;
			now = bgp_fsm_next_deadline(&f) == BGP_FSM_NEVER
			          ? now
			          : bgp_fsm_next_deadline(&f);
			break;
		default: {
			/* A message: 2-byte length then bytes, decoded for real. */
			size_t len, ml;

			if (i + 2 > size)
				return 0;
			len = (size_t)data[i] << 8 | data[i + 1];
			i += 2;
			if (len > size - i)
				len = size - i;
			memset(&e, 0, sizeof(e));
			if (bgp_header_check(data + i, len, bgp_fsm_max_msg_len(&f), &ml, &e) ==
			        0 &&
			    ml <= len &&
			    bgp_msg_decode(data + i, ml, &f.session.params, &m, &e) == 0) {
				ev.type = BGP_FSM_EV_MSG;
				ev.msg = &m;
			} else if (e.code) {
				ev.type = BGP_FSM_EV_MSG_ERROR;
				ev.err = &e;
			} else {
				ev.type = BGP_FSM_EV_TIMER;
			}
			i += len;
			break;
		}
		}
		rc = bgp_fsm_handle(&f, &ev, now, &a);
		CHECK(rc == 0 || rc == -EBUSY || rc == -EINVAL);
		CHECK(f.state <= BGP_FSM_ESTABLISHED);
		if (rc)
			CHECK(a.flags == 0 && f.state == before);
		if (a.flags & BGP_FSM_ACT_SESSION_UP)
			CHECK(f.state == BGP_FSM_ESTABLISHED && before == BGP_FSM_OPENCONFIRM);
		if (a.flags & BGP_FSM_ACT_SESSION_DOWN)
			CHECK(before == BGP_FSM_ESTABLISHED && f.state != BGP_FSM_ESTABLISHED);
		if (a.flags & BGP_FSM_ACT_SEND_OPEN) {
			CHECK(f.state == BGP_FSM_OPENSENT);
			CHECK(bgp_open_encode(out, sizeof(out), &a.open) > 0);
		}
		if (a.flags & BGP_FSM_ACT_SEND_NOTIFICATION) {
			CHECK(a.flags & BGP_FSM_ACT_CLOSE);
			CHECK(bgp_notification_encode(out, sizeof(out), a.notif_code,
			                              a.notif_subcode, a.notif_data,
			                              a.notif_data_len) > 0);
		}
		if (a.flags & BGP_FSM_ACT_CONNECT)
			CHECK(f.state == BGP_FSM_CONNECT && !f.cfg.passive);
		if (f.state == BGP_FSM_ESTABLISHED && f.session.hold_time)
			CHECK(f.hold_at != BGP_FSM_NEVER);
		if (ev.type == BGP_FSM_EV_TIMER)
			CHECK(bgp_fsm_next_deadline(&f) > now);
		if (f.state == BGP_FSM_ACTIVE && f.cfg.passive)
			CHECK(bgp_fsm_next_deadline(&f) == BGP_FSM_NEVER);
		/* An idle hold: Idle, refusing, restart due after the hold, which
		 * is never longer than the larger of the configured hold and cap. */
		if (a.idle_hold_ms) {
			CHECK(ev.type == BGP_FSM_EV_PREFIX_LIMIT && before == BGP_FSM_ESTABLISHED);
			CHECK(a.flags & BGP_FSM_ACT_SEND_NOTIFICATION);
			CHECK(bgp_fsm_next_deadline(&f) == now + a.idle_hold_ms);
			CHECK(a.idle_hold_ms <= f.cfg.idle_hold_max_ms ||
			      a.idle_hold_ms == f.cfg.idle_hold_ms);
		}
		if (f.idle_hold)
			CHECK(f.state == BGP_FSM_IDLE &&
			      bgp_fsm_accept(&f) == BGP_FSM_ACCEPT_REFUSE &&
			      bgp_fsm_next_deadline(&f) != BGP_FSM_NEVER);
	}
	return 0;
}
