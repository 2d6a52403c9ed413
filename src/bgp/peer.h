/*
 * One configured BGP neighbour: sockets and timers on a libev loop around
 * the pure FSM (fsm.h), codec (bgp.h) and Adj-RIB-Out (rib_out.h).
 *
 * The peer announces the routes of a prefix set that its owner (the
 * speaker) keeps, prefix -> route attributes id (bgp/route_attrs.h): at
 * session start it loads the whole set into its Adj-RIB-Out, afterwards
 * the owner reports each change with bgp_peer_route_add/del. Routes
 * received from the peer are validated (RFC 7606), counted against a
 * maximum per family and never installed.
 *
 * Route attributes. The session decides ORIGIN, AS_PATH, next hops and
 * LOCAL_PREF 100 on iBGP (the base set, built at session setup); a route
 * attributes id adds the pool's communities, large communities, its
 * LOCAL_PREF (iBGP only, RFC 4271 section 5.1.5) and the link bandwidth
 * community (bgp_link_bw_encode with the session's local AS and the
 * peer's link_bw_non_transitive), or keeps the route from this peer (a
 * peers list without its route_name). The peer maps each id it meets to
 * an Adj-RIB-Out set of its own, once, and forgets the map at each
 * session setup (next hops may change) and for an id the owner reclaims
 * (bgp_peer_attrs_drop). Id 0 is the base set alone.
 */
#ifndef BERTH_BGP_PEER_H
#define BERTH_BGP_PEER_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "bgp/fsm.h"
#include "bgp/prefix_set.h"
#include "bgp/route_attrs.h"

struct bgp_peer_cfg {
	char name[160];       /* for logs: "BgpPeer ns/name" */
	char route_name[256]; /* the BgpPeer's name, as Eip spec.bgp.peers names it */
	struct core_addr remote;
	uint16_t remote_port;
	struct core_addr local; /* family 0: the kernel chooses */
	char md5_key[81];       /* RFC 2385 key, "" for none */
	int ttl;                /* 0: kernel default */
	int tcp_mss;            /* 0: kernel default */
	struct bgp_fsm_config fsm;
	bool ebgp;
	/* Received routes kept in count, per family (BGP_AF_*); past one the
	 * session ends with Cease/1 and the FSM's idle hold. 0 = no limit. */
	uint32_t max_prefixes[BGP_AF_COUNT];
	/* Next hops for the family that is not the session's own; family 0
	 * means: a global address of the interface that carries the session. */
	struct core_addr nexthop4;
	struct core_addr nexthop6;
	/* Lines a loop can repeat (malformed messages, NOTIFICATIONs,
	 * connections that end, failed connects) go through it, keyed by
	 * name and reason (core/loglimit.h); the owner flushes it. Borrowed,
	 * may be shared by peers, must outlive them; NULL: all logged. */
	struct core_loglimit *loglimit;
	/* The link bandwidth community's type: non-transitive 0x40 instead
	 * of 0x00 (BgpPeer spec.linkBandwidth.nonTransitive). A change
	 * re-announces, it does not restart the session. */
	bool link_bw_non_transitive;
};

struct bgp_peer_stats {
	enum bgp_fsm_state state;
	uint64_t established_at_ms; /* 0 when not Established */
	uint32_t sessions;          /* times Established */
	uint64_t msgs_in, msgs_out, updates_in, updates_out;
	uint64_t malformed_updates; /* RFC 7606 actions other than OK */
	uint32_t received[BGP_AF_COUNT];
	uint64_t announced[BGP_AF_COUNT]; /* routes the peer has from us */
	struct bgp_fsm_down last_down;
};

struct bgp_peer;

/* Called after every state change; may be NULL. */
typedef void (*bgp_peer_state_fn)(struct bgp_peer *p, enum bgp_fsm_state old,
                                  enum bgp_fsm_state now, void *arg);

/* routes (prefix -> route attributes id) and attrs (the ids' table):
 * borrowed, must outlive the peer. Returns NULL on error. */
struct bgp_peer *bgp_peer_new(struct ev_loop *loop, const struct bgp_peer_cfg *cfg,
                              const struct prefix_set *routes,
                              const struct bgp_route_attrs_tab *attrs, bgp_peer_state_fn fn,
                              void *arg);
/* Sends Cease/3 (peer de-configured) if a session is up, closes everything. */
void bgp_peer_free(struct bgp_peer *p);

const struct bgp_peer_cfg *bgp_peer_config(const struct bgp_peer *p);
void bgp_peer_get_stats(const struct bgp_peer *p, struct bgp_peer_stats *st);

/* The owner's route set changed by one prefix: pfx is there now with
 * route attributes id (new, or another id than before: the route's set
 * is replaced, or withdrawn when id keeps it from this peer), or gone.
 * Only queued: the UPDATEs are built when the loop next finds the socket
 * writable, so that every change the owner makes in one go is packed
 * (routes with equal attributes share an UPDATE). */
int bgp_peer_route_add(struct bgp_peer *p, const struct bgp_prefix *pfx, uint32_t id);
int bgp_peer_route_del(struct bgp_peer *p, const struct bgp_prefix *pfx);
/* Route attributes id is being reclaimed (bgp_route_attrs_reclaim): no
 * route of the owner carries it any more; the peer forgets its map. */
void bgp_peer_attrs_drop(struct bgp_peer *p, uint32_t id);

/*
 * New configuration. Changes that the session negotiated (AS numbers,
 * router id, timers, capabilities, transport) restart it with Cease/6;
 * the rest (limits) apply in place; a change of the prefix limits or the
 * idle hold ends an idle hold in progress (the operator acted on the
 * cause). A changed, new or removed TCP-MD5 key restarts it too, as FRR
 * and BIRD do: the open connection keeps the key it was made with; only
 * the next one (bgp_sock_connect, or the owner's listener) proves the
 * new one.
 */
int bgp_peer_reconfigure(struct bgp_peer *p, const struct bgp_peer_cfg *cfg);

/* The peer's BFD session went Up (up) or failed (RFC 5882): fed to the
 * FSM as BGP_FSM_EV_BFD_UP / BFD_DOWN. */
void bgp_peer_bfd(struct bgp_peer *p, bool up);
/* The BFD session left Up without a failure (the peer's AdminDown, the
 * session replaced: RFC 5882 section 3.2): BGP_FSM_EV_BFD_ADMIN_DOWN,
 * nothing ends; with bfd_strict the next start waits for Up again. */
void bgp_peer_bfd_admin_down(struct bgp_peer *p);

/* An accepted connection whose remote address is this peer's; takes fd. */
void bgp_peer_accept(struct bgp_peer *p, int fd);

/*
 * Graceful stop (SIGTERM): withdraw every route, wait until the peer has
 * the withdrawals, send Cease/2 and close. bgp_peer_stopped() tells when
 * that is done.
 */
void bgp_peer_shutdown(struct bgp_peer *p);
bool bgp_peer_stopped(const struct bgp_peer *p);

#endif
