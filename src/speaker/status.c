/*
 * BgpPeer status.nodesPeerStatus[node] as the speaker writes it
 * (speaker/status.h). Pure: configuration and counters in, JSON out.
 */
#include "speaker/status.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "k8s/api.h"

const char *speaker_session_state_name(enum bgp_fsm_state s)
{
	switch (s) {
	case BGP_FSM_IDLE:
		return "IDLE";
	case BGP_FSM_CONNECT:
		return "CONNECT";
	case BGP_FSM_ACTIVE:
		return "ACTIVE";
	case BGP_FSM_OPENSENT:
		return "OPENSENT";
	case BGP_FSM_OPENCONFIRM:
		return "OPENCONFIRM";
	case BGP_FSM_ESTABLISHED:
		return "ESTABLISHED";
	}
	return "UNKNOWN";
}

static int set_time(json_t *o, const char *key, uint64_t ms)
{
	char t[K8S_TIME_MAX];

	if (!ms || k8s_time_format(ms, false, t, sizeof(t)) < 0)
		return 0;
	return json_object_set_new(o, key, json_string(t));
}

static int set_secs(json_t *o, const char *key, uint32_t v)
{
	char t[16];

	/* TimersState holds GoBGP's uint64 seconds as strings. */
	snprintf(t, sizeof(t), "%u", v);
	return json_object_set_new(o, key, json_string(t));
}

json_t *speaker_peer_status(const struct bgp_peer_cfg *cfg, const struct bgp_peer_stats *st,
                            uint64_t established_wall_ms, uint64_t down_wall_ms)
{
	json_t *v = json_object(), *ps = json_object(), *ts = json_object();
	char addr[CORE_ADDR_STRLEN], rid[16];
	uint32_t id = cfg->fsm.router_id;
	int rc = 0;

	if (!v || !ps || !ts)
		goto fail;
	core_addr_str(&cfg->remote, addr);
	snprintf(rid, sizeof(rid), "%u.%u.%u.%u", id >> 24, id >> 16 & 255, id >> 8 & 255,
	         id & 255);
	rc |= json_object_set_new(ps, "neighborAddress", json_string(addr));
	rc |= json_object_set_new(ps, "peerAs", json_integer(cfg->fsm.peer_as));
	rc |= json_object_set_new(ps, "localAs", json_integer(cfg->fsm.local_as));
	rc |= json_object_set_new(ps, "routerId", json_string(rid));
	rc |= json_object_set_new(ps, "peerType", json_integer(cfg->ebgp ? 1 : 0));
	rc |= json_object_set_new(ps, "sessionState",
	                          json_string(speaker_session_state_name(st->state)));
	rc |=
	    json_object_set_new(ps, "adminState", json_string(cfg->fsm.admin_down ? "DOWN" : "UP"));
	rc |=
	    json_object_set_new(ps, "flops", json_integer(st->sessions > 1 ? st->sessions - 1 : 0));
	rc |= set_secs(ts, "holdTime", cfg->fsm.hold_time);
	rc |= set_secs(ts, "keepaliveInterval",
	               cfg->fsm.keepalive_time ? cfg->fsm.keepalive_time : cfg->fsm.hold_time / 3);
	rc |= set_secs(ts, "connectRetry", cfg->fsm.retry_max_ms / 1000);
	if (st->state == BGP_FSM_ESTABLISHED)
		rc |= set_time(ts, "uptime", established_wall_ms);
	rc |= set_time(ts, "downtime", down_wall_ms);
	rc |= json_object_set_new(v, "peerState", ps);
	ps = NULL;
	rc |= json_object_set_new(v, "timersState", ts);
	ts = NULL;
	if (rc)
		goto fail;
	return v;
fail:
	json_decref(v);
	json_decref(ps);
	json_decref(ts);
	return NULL;
}

/* Microseconds to the nearest millisecond, for people and the CRD's
 * integers; the peer may advertise any number of microseconds. */
static json_t *ms_of(uint64_t us)
{
	return json_integer((json_int_t)((us + 500) / 1000));
}

int speaker_peer_status_bfd(json_t *value, const struct bfd_session *bfd, uint64_t changed_wall_ms)
{
	json_t *b;
	int rc = 0;

	if (!value)
		return -EINVAL;
	/* The status is written as a JSON merge patch (RFC 7386): an absent
	 * member would leave a stale bfdState behind once BFD is turned off;
	 * null removes it. */
	if (!bfd)
		return json_object_set_new(value, "bfdState", json_null()) ? -ENOMEM : 0;
	if (!(b = json_object()))
		return -ENOMEM;
	rc |= json_object_set_new(b, "state", json_string(bfd_state_name(bfd->state)));
	rc |= json_object_set_new(b, "remoteState", json_string(bfd_state_name(bfd->remote_state)));
	/* bfd.LocalDiag: why our side last left Up, kept while Down (RFC 5880
	 * section 6.8.1), "No Diagnostic" before any failure. */
	rc |= json_object_set_new(b, "diagnostic", json_string(bfd_diag_name(bfd->local_diag)));
	rc |= json_object_set_new(b, "transmitInterval", ms_of(bfd_session_tx_interval(bfd)));
	rc |= json_object_set_new(b, "detectTime", ms_of(bfd_session_detect_time(bfd)));
	rc |= json_object_set_new(b, "flaps", json_integer(bfd->downs));
	rc |= set_time(b, "lastChange", changed_wall_ms);
	if (rc) {
		json_decref(b);
		return -ENOMEM;
	}
	return json_object_set_new(value, "bfdState", b) ? -ENOMEM : 0;
}

json_t *speaker_status_patch(const char *node, const json_t *value)
{
	json_t *nps = json_object(), *status = json_object(), *patch = json_object();

	if (!nps || !status || !patch ||
	    json_object_set_new(nps, node, value ? json_deep_copy(value) : json_null()) ||
	    json_object_set(status, "nodesPeerStatus", nps) ||
	    json_object_set(patch, "status", status)) {
		json_decref(patch);
		patch = NULL;
	}
	json_decref(nps);
	json_decref(status);
	return patch;
}
