/*
 * BgpPeer status.nodesPeerStatus[node] as the speaker writes it (shape:
 * deploy/crds/bgppeers.yaml, OpenELB's PeerState/TimersState from GoBGP).
 * Pure: configuration and counters in, JSON out.
 *
 * Only values that change with the session are written, not message
 * counters, so that a patch goes out when something happened rather than
 * on every keepalive.
 */
#ifndef BERTH_SPEAKER_STATUS_H
#define BERTH_SPEAKER_STATUS_H

#include <jansson.h>
#include <stdint.h>

#include "bfd/session.h"
#include "bgp/peer.h"

/*
 * The value for this node's key: {"peerState": {...}, "timersState":
 * {...}}. established_wall_ms: wall-clock time the session came up
 * (0 when not Established); down_wall_ms: when it last went down (0:
 * never). Returns a new reference, or NULL on ENOMEM.
 */
json_t *speaker_peer_status(const struct bgp_peer_cfg *cfg, const struct bgp_peer_stats *st,
                            uint64_t established_wall_ms, uint64_t down_wall_ms);

/*
 * berth extension beside peerState: {"bfdState": {"state": "Up",
 * "remoteState": "Up", "diagnostic": "Control Detection Time Expired",
 * "transmitInterval": ms, "detectTime": ms, "flaps": n, "lastChange":
 * RFC 3339}} set into value (from speaker_peer_status). bfd: the session
 * (borrowed); changed_wall_ms: wall time of its last state change (0:
 * none, lastChange left out). bfd NULL (no BFD for this peer) sets
 * "bfdState": null, which the merge patch of speaker_status_patch turns
 * into removing one written before. Returns 0, -EINVAL (value NULL) or
 * -ENOMEM.
 */
int speaker_peer_status_bfd(json_t *value, const struct bfd_session *bfd, uint64_t changed_wall_ms);

/* GoBGP's SessionState names ("ESTABLISHED"...), which OpenELB copies. */
const char *speaker_session_state_name(enum bgp_fsm_state s);

/* The merge patch (RFC 7386) that sets nodesPeerStatus[node] to value
 * (borrowed; NULL deletes the key). New reference or NULL. */
json_t *speaker_status_patch(const char *node, const json_t *value);

#endif
