/*
 * The metric families both daemons expose, so the controller and the
 * speaker agree on names, labels and help texts. Register them with
 * obs_register_berth(); update them by name with obs_counter_add() and
 * friends from obs/metrics.h.
 */
#ifndef BERTH_OBS_FAMILIES_H
#define BERTH_OBS_FAMILIES_H

#include "obs/metrics.h"

/* Gauges: {peer} 1 while the session is Established, else 0. */
#define OBS_BGP_SESSIONS_UP "berth_bgp_sessions_up"
/* {peer,state}: 1 for the current RFC 4271 FSM state, 0 for the other
 * five; set with obs_bgp_session_state_set(). */
#define OBS_BGP_SESSION_STATE "berth_bgp_session_state"
/* {peer,family}: prefixes in the Adj-RIB-Out; family "ipv4" or "ipv6". */
#define OBS_BGP_PREFIXES_ANNOUNCED "berth_bgp_prefixes_announced"
/* {peer,family}: prefixes the peer announces to us now (validated and
 * counted against --max-received, never installed). */
#define OBS_BGP_PREFIXES_RECEIVED "berth_bgp_prefixes_received"
/* Counters {peer}. */
#define OBS_BGP_UPDATES_SENT      "berth_bgp_updates_sent_total"
#define OBS_BGP_MALFORMED_UPDATES "berth_bgp_malformed_updates_total"
/* Counter {result}: "allocated", "exhausted", "invalid", ... */
#define OBS_ALLOCATIONS "berth_allocations_total"
/* Histogram {}: seconds one allocation took. */
#define OBS_ALLOCATION_DURATION "berth_allocation_duration_seconds"
/* Gauges {pool}: addresses in / handed out from a pool. */
#define OBS_POOL_SIZE "berth_pool_size"
#define OBS_POOL_USED "berth_pool_used"
/* Counters {resource}: "services", "eips", ... */
#define OBS_K8S_WATCH_RESTARTS "berth_k8s_watch_restarts_total"
#define OBS_K8S_RELISTS        "berth_k8s_relists_total"
/* Counter {server,reason}: connections the HTTP endpoint closed unserved
 * or could not take; server "metrics" or "probes", reason "per_ip" (over
 * the per-address limit) or "accept_error" (no descriptors or memory).
 * Gauge {server}: connections open. Set with obs_http_report(). */
#define OBS_HTTP_REFUSED     "berth_http_connections_refused_total"
#define OBS_HTTP_CONNECTIONS "berth_http_connections"
/* Layer 2 (speaker). Gauge {address,interface}: 1 for each address this
 * node answers ARP/NDP for. Counters {}: addresses gained, of those taken
 * over from a node ahead in line (failovers), released. Counter
 * {protocol}: answers sent, "arp" or "ndp". Counters {}: announcements
 * (gratuitous ARP, unsolicited NA), conflicts (another MAC claims an
 * owned address), malformed ARP/NDP packets. Counter {reason}: heartbeats
 * refused: "malformed", "bad_auth" (wrong or missing HMAC), "replayed",
 * "other" (not for us, unknown sender, stale nonce, clock skew). Gauges
 * {}: speakers watched, and of those Down. */
#define OBS_L2_OWNED              "berth_l2_owned"
#define OBS_L2_GAINED             "berth_l2_addresses_gained_total"
#define OBS_L2_FAILOVERS          "berth_l2_failovers_total"
#define OBS_L2_RELEASED           "berth_l2_addresses_released_total"
#define OBS_L2_ANSWERS            "berth_l2_answers_total"
#define OBS_L2_ANNOUNCEMENTS      "berth_l2_announcements_total"
#define OBS_L2_CONFLICTS          "berth_l2_conflicts_total"
#define OBS_L2_MALFORMED          "berth_l2_malformed_packets_total"
#define OBS_L2_HEARTBEATS_REFUSED "berth_l2_heartbeats_refused_total"
#define OBS_L2_MEMBERS_WATCHED    "berth_l2_members_watched"
#define OBS_L2_MEMBERS_DOWN       "berth_l2_members_down"
/* BFD (speaker). Gauge {peer,address}: bfd.SessionState as on the wire
 * (RFC 5880 section 4.1: 0 AdminDown, 1 Down, 2 Init, 3 Up). Counter
 * {peer}: times the session left Up. Gauge {peer}: the detection time in
 * force, seconds (0 until the peer was heard). Counters {}: datagrams
 * read on ports 3784/4784 (dropped ones included) and Control packets
 * sent. Counter {reason}: datagrams dropped, by bfd_drop_name() ("ttl",
 * "no_session", "auth", "short", ...). */
#define OBS_BFD_SESSION_STATE "berth_bfd_session_state"
#define OBS_BFD_FLAPS         "berth_bfd_session_flaps_total"
#define OBS_BFD_DETECT_TIME   "berth_bfd_detect_time_seconds"
#define OBS_BFD_RECEIVED      "berth_bfd_packets_received_total"
#define OBS_BFD_SENT          "berth_bfd_packets_sent_total"
#define OBS_BFD_DROPPED       "berth_bfd_packets_dropped_total"
/* Gauge {}: 1 while this process holds the Lease. */
#define OBS_IS_LEADER "berth_is_leader"
/* Gauge {version}: always 1; obs_register_berth() sets it. */
#define OBS_BUILD_INFO "berth_build_info"

/* Registers every family above and sets berth_build_info{version} to 1.
 * version: borrowed for the call. 0 or a negative errno. */
int obs_register_berth(struct obs_registry *r, const char *version);

/* Sets berth_bgp_session_state{peer,state} to 1 for state and 0 for the
 * other states. state: "Idle", "Connect", "Active", "OpenSent",
 * "OpenConfirm" or "Established" (bgp_fsm_state_name()); -EINVAL for
 * others. Also sets berth_bgp_sessions_up{peer}. */
int obs_bgp_session_state_set(struct obs_registry *r, const char *peer, const char *state);
/* Forgets every series labelled with peer (a peer removed from the
 * configuration), in all berth_bgp_* families. */
void obs_bgp_peer_forget(struct obs_registry *r, const char *peer);

#endif
