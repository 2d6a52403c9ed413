/*
 * From configuration objects to one peer's session settings. Pure.
 */
#ifndef BERTH_SPEAKER_PEER_CFG_H
#define BERTH_SPEAKER_PEER_CFG_H

#include "bfd/io.h"
#include "bgp/peer.h"
#include "config/config.h"
#include "speaker/speaker.h"

/* The BGP identifier from the flag, the BgpConf or the node's InternalIP,
 * in that order; 0 when none gives one. */
uint32_t speaker_router_id(const struct speaker_opts *o, const struct cfg_bgp_conf *c,
                           const struct cfg_node *node);
/*
 * Fills *pc for BgpPeer bp on this node (node may be NULL when the set has
 * no Node object for it). Decisions (see each comment in peer_cfg.c):
 * router id from --router-id, BgpConf, the Node's InternalIP, then
 * fallback_router_id; eBGP TTL 1 unless ebgpMultihop; both unicast
 * families when afiSafis lists none; graceful restart from the BgpPeer,
 * else the BgpConf. pc->fsm.router_id is 0 when nothing gave one.
 */
void speaker_peer_cfg(const struct speaker_opts *o, const struct cfg_bgp_conf *c,
                      const struct cfg_node *node, const struct cfg_bgp_peer *bp,
                      uint32_t fallback_router_id, struct bgp_peer_cfg *pc);

/*
 * The BFD session for BgpPeer bp whose BGP settings are pc: false when
 * spec.bfd is absent or not enabled. Remote and source address are the
 * BGP session's (transport.localAddress or the kernel's choice);
 * multihop (RFC 5883) when ebgpMultihop is enabled, accepting a TTL of
 * at least 256 - multihopTtl; pc->fsm.bfd_strict is set from spec.bfd.strict.
 */
bool speaker_bfd_cfg(const struct cfg_bgp_peer *bp, struct bgp_peer_cfg *pc,
                     struct bfd_sess_cfg *out);

uint32_t speaker_addr_v4(const struct core_addr *a);

#endif
