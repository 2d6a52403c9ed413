/*
 * The speaker's BFD (RFC 5880/5881/5883) beside its BGP peers: one
 * struct bfd_io (bfd/io.h) for the process, opened when the first
 * BgpPeer with spec.bfd.enabled appears and closed when the last one
 * goes, and one BFD session per such peer, whose state drives the BGP
 * session (RFC 5882):
 *
 *   BFD Up                              bgp_peer_bfd(p, true)
 *   Up -> Down, the peer not AdminDown  bgp_peer_bfd(p, false): Cease/10
 *                                       (RFC 9384) and the usual restart
 *   Up -> Down for the peer's AdminDown,
 *   Up -> AdminDown (ours), the session
 *   replaced or removed while Up        bgp_peer_bfd_admin_down(p)
 *
 * RFC 5882 section 3.2: AdminDown says nothing about the path, so it
 * never ends a BGP session. With spec.bfd.strict it still holds BGP: a
 * session that ends for another reason restarts only once BFD is Up
 * again (the FSM forgets that BFD was Up). A router whose operator took
 * BFD away thus keeps its running session, and a strict peer never
 * starts a session BFD does not watch; an operator who wants BGP without
 * BFD turns strict (or bfd) off.
 *
 * When BFD cannot run for a peer (the sockets did not open: another BFD
 * daemon holds 3784; a session could not be created) the peer runs BGP
 * without BFD: strict is cleared for it, so that BGP never waits for a
 * BFD that cannot come. The sockets are tried again at most once a
 * minute, at a configuration change; the failure is logged once.
 *
 * Impure (sockets through bfd/io.h, logs). Called from the loop only.
 */
#ifndef BERTH_SPEAKER_BFD_H
#define BERTH_SPEAKER_BFD_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "bfd/io.h"
#include "bgp/peer.h"

/* What a BFD state change does to the BGP session (the table above). */
enum speaker_bfd_bgp {
	SPEAKER_BFD_BGP_NONE = 0,   /* nothing (Down -> Init...) */
	SPEAKER_BFD_BGP_UP,         /* bgp_peer_bfd(p, true) */
	SPEAKER_BFD_BGP_DOWN,       /* bgp_peer_bfd(p, false): a failure */
	SPEAKER_BFD_BGP_ADMIN_DOWN, /* bgp_peer_bfd_admin_down(p) */
};

/* from -> to with the peer's state remote after it. Pure. */
enum speaker_bfd_bgp speaker_bfd_bgp_action(enum bfd_state from, enum bfd_state to,
                                            enum bfd_state remote);

/* A session changed state (peer: the BgpPeer's name, borrowed for the
 * call). Called after BGP was told. */
typedef void (*speaker_bfd_state_fn)(const char *peer, enum bfd_state from, enum bfd_state to,
                                     enum bfd_diag diag, void *arg);

struct speaker_bfd;

/* loop: borrowed. fn may be NULL. NULL when out of memory. */
struct speaker_bfd *speaker_bfd_new(struct ev_loop *loop, speaker_bfd_state_fn fn, void *arg);
/* Every session sends AdminDown (bfd_sess_free), then the sockets close.
 * No callback runs. b may be NULL. */
void speaker_bfd_free(struct speaker_bfd *b);

/*
 * The BFD session of BgpPeer key follows want (NULL: none), before the
 * peer's new BGP settings pc apply (bgp_peer_new or _reconfigure):
 * created, reconfigured in place (timers, min_ttl: a Poll Sequence while
 * Up), or freed and created again when its remote, local address or hop
 * mode changed. p: the running BGP peer, NULL before it is created
 * (speaker_bfd_attach gives it then). When a session that was Up goes
 * away, p learns it first (bgp_peer_bfd_admin_down), so that a strict
 * restart caused by pc waits for the new session. pc->fsm.bfd_strict is
 * cleared when no session runs for the peer. key, want: borrowed for the
 * call (copied); p: borrowed until speaker_bfd_gone; pc: the caller's,
 * changed in place.
 */
void speaker_bfd_sync(struct speaker_bfd *b, const char *key, struct bgp_peer *p,
                      const struct bfd_sess_cfg *want, struct bgp_peer_cfg *pc);
/* The BGP peer of key (just created; borrowed until speaker_bfd_gone). */
void speaker_bfd_attach(struct speaker_bfd *b, const char *key, struct bgp_peer *p);
/* BgpPeer key no longer runs here: its session ends (AdminDown). */
void speaker_bfd_gone(struct speaker_bfd *b, const char *key);
/* Graceful stop (RFC 5880 section 6.8.16): every session AdminDown. */
void speaker_bfd_admin_down(struct speaker_bfd *b);

/* The session of BgpPeer key (owned by b), or NULL; *changed_wall_ms
 * (may be NULL): wall time of its last state change, 0 if none. */
const struct bfd_sess *speaker_bfd_find(const struct speaker_bfd *b, const char *key,
                                        uint64_t *changed_wall_ms);
/* Visits every session: peer (the BgpPeer's name) and bs are borrowed
 * for the call. */
typedef void (*speaker_bfd_fn)(const char *peer, const struct bfd_sess *bs,
                               uint64_t changed_wall_ms, void *arg);
void speaker_bfd_foreach(const struct speaker_bfd *b, speaker_bfd_fn fn, void *arg);
/* The I/O counters since b was created (across closes and reopens of
 * the sockets); false (st zeroed) until they first opened. */
bool speaker_bfd_stats(const struct speaker_bfd *b, struct bfd_io_stats *st);

#endif
