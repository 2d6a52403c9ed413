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

/*
 * Where a BgpPeer's TCP-MD5 key stands, for spec.conf.authPasswordSecretRef
 * (berth extension): NONE when the peer has no reference (authPassword,
 * or no password), OK when the Secret's key gave one, else why not.
 */
enum speaker_key {
	SPEAKER_KEY_NONE = 0,
	SPEAKER_KEY_OK,
	SPEAKER_KEY_NO_SECRET, /* no such Secret in the speaker's namespace */
	SPEAKER_KEY_NO_KEY,    /* the Secret lacks the key */
	SPEAKER_KEY_INVALID,   /* empty, over CFG_MD5_KEY_MAX bytes, or a NUL inside */
};

/* The Event reason for a state: "", "SecretLoaded", "SecretMissing",
 * "SecretKeyMissing", "SecretInvalid". */
const char *speaker_key_reason(enum speaker_key k);

/*
 * The TCP-MD5 key of BgpPeer bp from its authPasswordSecretRef: the value
 * of that key of Secret ns/name in set (ns: the speaker's namespace, the
 * only one it reads, as MetalLB reads only its own), byte for byte (a
 * trailing newline is part of it). A value must be 1..CFG_MD5_KEY_MAX
 * bytes (RFC 2385 keys live in struct tcp_md5sig) without a NUL (the key
 * travels as a C string). OK: pc->md5_key is that value. A problem:
 * pc->md5_key is "" and pc->fsm.admin_down is set, so that the session
 * stays down rather than run without its password (never a fallback to
 * no key). NONE leaves pc alone. why (len bytes) says what was found
 * (names the Secret and key, never the value). Pure.
 */
enum speaker_key speaker_peer_key(const struct cfg_set *set, const char *ns,
                                  const struct cfg_bgp_peer *bp, struct bgp_peer_cfg *pc, char *why,
                                  size_t len);

uint32_t speaker_addr_v4(const struct core_addr *a);

#endif
