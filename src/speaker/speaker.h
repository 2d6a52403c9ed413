/*
 * The BGP speaker of one node: configuration objects in, BGP sessions and
 * announcements out. Owns the peers (bgp/peer.h), the listening sockets
 * and the set of routes this node announces (speaker/announce.h).
 *
 * A reload computes the new wanted state and applies only the difference:
 * peers are added, removed or reconfigured one by one, and a route change
 * becomes an UPDATE without touching any session.
 */
#ifndef BERTH_SPEAKER_H
#define BERTH_SPEAKER_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "bfd/bfd.h"
#include "bgp/bgp.h"
#include "bgp/peer.h"
#include "config/config.h"
#include "speaker/l2.h"

/*
 * Notifications from the speaker to its owner (cluster mode: Events,
 * status, metrics). All optional; called from speaker_apply or the loop.
 * Pointers are borrowed for the call.
 */
struct speaker_hooks {
	/* This node started (on) or stopped announcing svc; why: the reason
	 * it stopped (LB_ANN_YES when only its addresses went away). */
	void (*announce)(const struct cfg_service *svc, bool on, int why, void *arg);
	/* An address of svc is already on another interface ifname: not put
	 * on the LB interface, and not announced (unless ipvs). */
	void (*conflict)(const struct cfg_service *svc, const struct core_addr *a,
	                 const char *ifname, bool ipvs, void *arg);
	/* A session changed state; peer is the BgpPeer's name. */
	void (*peer_state)(const char *peer, enum bgp_fsm_state old, enum bgp_fsm_state now,
	                   void *arg);
	/* A BgpPeer no longer runs on this node. */
	void (*peer_gone)(const char *peer, void *arg);
	/* The TCP-MD5 key of BgpPeer peer from its authPasswordSecretRef
	 * (speaker/peer_cfg.h, speaker_peer_key): k a problem (the session
	 * is held down), or SPEAKER_KEY_OK when it was loaded after a
	 * problem or with a new value (the session restarts with it). Once
	 * per change, not at each apply; msg names the Secret and key, never
	 * the value. k is an enum speaker_key. */
	void (*peer_key)(const char *peer, int k, const char *msg, void *arg);
	/* The BFD session of BgpPeer peer changed state (after BGP was
	 * told: speaker/bfd.h); speaker_bfd_find gives the session. */
	void (*bfd_state)(const char *peer, enum bfd_state from, enum bfd_state to,
	                  enum bfd_diag diag, void *arg);
	void *arg;
};

struct speaker_opts {
	const char *node; /* borrowed: this node's name */
	/* borrowed: the speaker's namespace, the only one whose Secrets it
	 * reads (BgpPeer authPasswordSecretRef); NULL: "default" */
	const char *ns;
	/* borrowed: MetalLB's namespace, where its objects and a BGPPeer's
	 * passwordSecret are read; NULL: CFG_METALLB_NS */
	const char *metallb_ns;
	const char *const *manifests; /* borrowed: files to load */
	size_t n_manifests;
	struct core_addr router_id;          /* family 0: BgpConf, Node or interface */
	struct core_addr nexthop4, nexthop6; /* family 0: automatic */
	uint32_t max_received; /* received prefixes per peer and family; 0 = no limit */
	/* Benchmarks: n host routes from synthetic_start upwards, announced
	 * beside the configured ones (and, like them, put on lb_interface). */
	struct core_addr synthetic_start;
	uint32_t n_synthetic;
	/* Cluster mode: objects come from speaker_apply, not files (speaker_new
	 * starts empty when n_manifests is 0), EndpointSlices decide
	 * externalTrafficPolicy: Local, and a node without a Node object
	 * announces nothing (see speaker/announce.h). */
	bool cluster;
	/* Interface for the announced addresses (kube-lb0); NULL: none. */
	const char *lb_interface;
	struct speaker_hooks hooks;
	/* Cluster mode: the caller's index of ready endpoints per node
	 * (speaker/announce.h); NULL: the set's EndpointSlices are scanned. */
	bool (*ready_on)(const char *ns, const char *name, const char *node, void *arg);
	/* The same index counted (link bandwidth weights); NULL: see
	 * lb_announce_opts.ready_count. */
	uint32_t (*ready_count)(const char *ns, const char *name, const char *node, void *arg);
	void *ready_arg;
	/* Layer 2 mode (speaker/l2.h): heartbeats, key, hooks; node and
	 * changed are the speaker's. */
	struct speaker_l2_opts l2;
};

struct speaker;

/* Loads the manifests and starts. NULL with *err filled on failure. */
struct speaker *speaker_new(struct ev_loop *loop, const struct speaker_opts *o,
                            struct cfg_error *err);
void speaker_free(struct speaker *s);

/* Re-reads the manifests; on error the running state is kept. */
int speaker_reload(struct speaker *s, struct cfg_error *err);

/* Applies set (borrowed for the call: the caller keeps it, manifest
 * mode's speaker_reload as cluster mode's store, and changes it one
 * object at a time or whole between calls). */
int speaker_apply(struct speaker *s, const struct cfg_set *set);
/* svc (borrowed) is leaving the caller's set: if this node announced it,
 * that is reported now (log, announce hook); its routes go at the next
 * apply, which no longer sees it. */
void speaker_service_gone(struct speaker *s, const struct cfg_service *svc);

/* Visits every running session: peer is the BgpPeer's name. */
typedef void (*speaker_peer_fn)(const char *peer, const struct bgp_peer *p, void *arg);
void speaker_foreach_peer(const struct speaker *s, speaker_peer_fn fn, void *arg);
/* Layer 2 mode, for its metrics (owned by s). */
const struct speaker_l2 *speaker_layer2(const struct speaker *s);
/* The BFD sessions (speaker/bfd.h), for status and metrics (owned by s). */
struct speaker_bfd;
const struct speaker_bfd *speaker_bfd(const struct speaker *s);
/* Routes announced now (host routes and aggregates). */
size_t speaker_n_routes(const struct speaker *s);
/* The routes announced now, prefix -> route attributes id (owned by s,
 * valid until the next apply), and the ids' table (owned by s). */
const struct prefix_set *speaker_routes(const struct speaker *s);
const struct bgp_route_attrs_tab *speaker_route_attrs(const struct speaker *s);
/* True once a configuration has been applied. */
bool speaker_configured(const struct speaker *s);

/* Withdraws everything and closes every session; poll speaker_stopped(),
 * which empties the LB interface once the withdrawals are out and sets
 * every BFD session AdminDown (RFC 5880 section 6.8.16). */
void speaker_shutdown(struct speaker *s);
bool speaker_stopped(struct speaker *s);

#endif
