/*
 * The metric families both daemons expose (obs/families.h), registered in
 * one place so that the controller and the speaker agree on names, labels
 * and help texts.
 */
#include "obs/families.h"

#include <errno.h>
#include <string.h>

static const char *const l_peer[] = {"peer"};
static const char *const l_peer_state[] = {"peer", "state"};
static const char *const l_peer_family[] = {"peer", "family"};
static const char *const l_result[] = {"result"};
static const char *const l_pool[] = {"pool"};
static const char *const l_resource[] = {"resource"};
static const char *const l_version[] = {"version"};
static const char *const l_server[] = {"server"};
static const char *const l_server_reason[] = {"server", "reason"};
static const char *const l_addr_if[] = {"address", "interface"};
static const char *const l_protocol[] = {"protocol"};
static const char *const l_reason[] = {"reason"};
static const char *const l_peer_address[] = {"peer", "address"};

/* Allocation runs in memory: tens of microseconds normally, up to a
 * second for a scan of a huge, fragmented pool. */
static const double alloc_buckets[] = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct obs_desc families[] = {
    {OBS_BGP_SESSIONS_UP, "1 while the BGP session to the peer is Established.", OBS_GAUGE, l_peer,
     N(l_peer), NULL, 0},
    {OBS_BGP_SESSION_STATE, "1 for the current BGP FSM state of the session (RFC 4271 8.2.2).",
     OBS_GAUGE, l_peer_state, N(l_peer_state), NULL, 0},
    {OBS_BGP_PREFIXES_ANNOUNCED, "Prefixes currently announced to the peer.", OBS_GAUGE,
     l_peer_family, N(l_peer_family), NULL, 0},
    {OBS_BGP_PREFIXES_RECEIVED, "Prefixes the peer currently announces to us.", OBS_GAUGE,
     l_peer_family, N(l_peer_family), NULL, 0},
    {OBS_BGP_UPDATES_SENT, "BGP UPDATE messages sent to the peer.", OBS_COUNTER, l_peer, N(l_peer),
     NULL, 0},
    {OBS_BGP_MALFORMED_UPDATES, "Malformed BGP UPDATE messages received from the peer.",
     OBS_COUNTER, l_peer, N(l_peer), NULL, 0},
    {OBS_ALLOCATIONS, "Address allocation attempts by result.", OBS_COUNTER, l_result, N(l_result),
     NULL, 0},
    {OBS_ALLOCATION_DURATION, "Time one address allocation took.", OBS_HISTOGRAM, NULL, 0,
     alloc_buckets, N(alloc_buckets)},
    {OBS_POOL_SIZE, "Addresses in the pool.", OBS_GAUGE, l_pool, N(l_pool), NULL, 0},
    {OBS_POOL_USED, "Addresses of the pool in use.", OBS_GAUGE, l_pool, N(l_pool), NULL, 0},
    {OBS_K8S_WATCH_RESTARTS, "Kubernetes watch streams restarted.", OBS_COUNTER, l_resource,
     N(l_resource), NULL, 0},
    {OBS_K8S_RELISTS, "Kubernetes full re-lists (after 410 Gone or a failed watch).", OBS_COUNTER,
     l_resource, N(l_resource), NULL, 0},
    {OBS_HTTP_REFUSED,
     "Connections to the HTTP endpoint closed unserved (per_ip) or not taken (accept_error).",
     OBS_COUNTER, l_server_reason, N(l_server_reason), NULL, 0},
    {OBS_HTTP_CONNECTIONS, "Connections open on the HTTP endpoint.", OBS_GAUGE, l_server,
     N(l_server), NULL, 0},
    {OBS_L2_OWNED, "1 for each address this node answers ARP/NDP for (layer 2).", OBS_GAUGE,
     l_addr_if, N(l_addr_if), NULL, 0},
    {OBS_L2_GAINED, "Layer 2 addresses this node started answering for.", OBS_COUNTER, NULL, 0,
     NULL, 0},
    {OBS_L2_FAILOVERS, "Layer 2 addresses taken over from a node ahead in line that was gone.",
     OBS_COUNTER, NULL, 0, NULL, 0},
    {OBS_L2_RELEASED, "Layer 2 addresses this node stopped answering for.", OBS_COUNTER, NULL, 0,
     NULL, 0},
    {OBS_L2_ANSWERS, "ARP replies and neighbour advertisements sent.", OBS_COUNTER, l_protocol,
     N(l_protocol), NULL, 0},
    {OBS_L2_ANNOUNCEMENTS, "Gratuitous ARP and unsolicited neighbour advertisements sent.",
     OBS_COUNTER, NULL, 0, NULL, 0},
    {OBS_L2_CONFLICTS,
     "ARP/NDP packets from another MAC claiming an address this node answers for.", OBS_COUNTER,
     NULL, 0, NULL, 0},
    {OBS_L2_MALFORMED, "Malformed ARP/NDP packets ignored.", OBS_COUNTER, NULL, 0, NULL, 0},
    {OBS_L2_HEARTBEATS_REFUSED, "Heartbeats refused, by reason.", OBS_COUNTER, l_reason,
     N(l_reason), NULL, 0},
    {OBS_L2_MEMBERS_WATCHED, "Speakers of other nodes this one watches (layer 2).", OBS_GAUGE, NULL,
     0, NULL, 0},
    {OBS_L2_MEMBERS_DOWN, "Watched speakers that are down.", OBS_GAUGE, NULL, 0, NULL, 0},
    {OBS_BFD_SESSION_STATE,
     "BFD session state as on the wire: 0 AdminDown, 1 Down, 2 Init, 3 Up (RFC 5880 4.1).",
     OBS_GAUGE, l_peer_address, N(l_peer_address), NULL, 0},
    {OBS_BFD_FLAPS, "Times the BFD session to the peer left Up.", OBS_COUNTER, l_peer, N(l_peer),
     NULL, 0},
    {OBS_BFD_DETECT_TIME, "BFD detection time in force (0 until the peer was heard).", OBS_GAUGE,
     l_peer, N(l_peer), NULL, 0},
    {OBS_BFD_RECEIVED, "Datagrams received on the BFD ports, dropped ones included.", OBS_COUNTER,
     NULL, 0, NULL, 0},
    {OBS_BFD_SENT, "BFD Control packets sent.", OBS_COUNTER, NULL, 0, NULL, 0},
    {OBS_BFD_DROPPED, "Datagrams on the BFD ports dropped, by reason.", OBS_COUNTER, l_reason,
     N(l_reason), NULL, 0},
    {OBS_IS_LEADER, "1 while this process holds the leader Lease.", OBS_GAUGE, NULL, 0, NULL, 0},
    {OBS_BUILD_INFO, "Always 1; the version label says which build runs.", OBS_GAUGE, l_version,
     N(l_version), NULL, 0},
};

static const char *const bgp_states[] = {"Idle",     "Connect",     "Active",
                                         "OpenSent", "OpenConfirm", "Established"};

int obs_register_berth(struct obs_registry *r, const char *version)
{
	size_t i;
	int rc;

	if (!r || !version)
		return -EINVAL;
	for (i = 0; i < N(families); i++) {
		rc = obs_register(r, &families[i]);
		if (rc)
			return rc;
	}
	return obs_gauge_set(r, OBS_BUILD_INFO, &version, 1);
}

int obs_bgp_session_state_set(struct obs_registry *r, const char *peer, const char *state)
{
	size_t i, cur = N(bgp_states);
	int rc;

	if (!peer || !state)
		return -EINVAL;
	for (i = 0; i < N(bgp_states); i++)
		if (!strcmp(state, bgp_states[i]))
			cur = i;
	if (cur == N(bgp_states))
		return -EINVAL;
	for (i = 0; i < N(bgp_states); i++) {
		rc = obs_gauge_set(r, OBS_BGP_SESSION_STATE, OBS_LV(peer, bgp_states[i]), i == cur);
		if (rc)
			return rc;
	}
	return obs_gauge_set(r, OBS_BGP_SESSIONS_UP, &peer, cur == N(bgp_states) - 1);
}

void obs_bgp_peer_forget(struct obs_registry *r, const char *peer)
{
	static const char *const fams[] = {OBS_BGP_SESSIONS_UP,        OBS_BGP_SESSION_STATE,
	                                   OBS_BGP_PREFIXES_ANNOUNCED, OBS_BGP_PREFIXES_RECEIVED,
	                                   OBS_BGP_UPDATES_SENT,       OBS_BGP_MALFORMED_UPDATES};
	size_t i;

	for (i = 0; i < N(fams); i++)
		obs_series_del_where(r, fams[i], "peer", peer);
}
