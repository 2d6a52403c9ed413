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

#include "bgp/peer.h"

/*
 * The value for this node's key: {"peerState": {...}, "timersState":
 * {...}}. established_wall_ms: wall-clock time the session came up
 * (0 when not Established); down_wall_ms: when it last went down (0:
 * never). Returns a new reference, or NULL on ENOMEM.
 */
json_t *speaker_peer_status(const struct bgp_peer_cfg *cfg, const struct bgp_peer_stats *st,
                            uint64_t established_wall_ms, uint64_t down_wall_ms);

/* GoBGP's SessionState names ("ESTABLISHED"...), which OpenELB copies. */
const char *speaker_session_state_name(enum bgp_fsm_state s);

/* The merge patch (RFC 7386) that sets nodesPeerStatus[node] to value
 * (borrowed; NULL deletes the key). New reference or NULL. */
json_t *speaker_status_patch(const char *node, const json_t *value);

#endif
