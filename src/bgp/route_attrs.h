/*
 * Route attributes that do not depend on the session: what a pool (Eip
 * spec.bgp) and a node's endpoints decide about a route, interned in a
 * table so that a route carries a 32-bit id (the speaker's routes are
 * prefix -> id, bgp/prefix_set.h) and equal sets share one. Everything a
 * session decides (ORIGIN, AS_PATH, next hops, the AS inside the link
 * bandwidth community and its type) is the peer's, which maps an id to
 * an Adj-RIB-Out set of its own (bgp/peer.c). Pure.
 *
 * Id 0 is the empty set for every peer: exactly the routes of a speaker
 * without issue 14's settings. It needs no entry and no reference.
 *
 * Lifetime. Each bgp_route_attrs_add takes one reference, which the
 * owner gives back with bgp_route_attrs_put; the speaker holds one per
 * route that carries the id. An id whose last reference went is dead:
 * its content is gone (bgp_route_attrs_get returns NULL), but the id is
 * not handed out again until bgp_route_attrs_reclaim passes it to the
 * owner, who tells everyone that maps it (the peers) to forget it. So an
 * id never names two contents for someone who still remembers the first.
 *
 *   bgp_route_attrs_add(t, &a, &id)      once per route that carries it
 *   bgp_route_attrs_put(t, id)           when that route goes
 *   bgp_route_attrs_reclaim(t, fn, arg)  fn(id) for each dead id: forget it
 */
#ifndef BERTH_BGP_ROUTE_ATTRS_H
#define BERTH_BGP_ROUTE_ATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bgp_route_attrs {
	const uint32_t *communities; /* RFC 1997 values; borrowed (the table's own: sorted) */
	size_t n_communities;
	const uint32_t *large_communities; /* RFC 8092, 3 values each; same */
	size_t n_large_communities;
	bool has_local_pref; /* LOCAL_PREF for internal peers (RFC 4271 5.1.5) */
	uint32_t local_pref;
	/* Link bandwidth (draft-ietf-idr-link-bandwidth) in bytes per second,
	 * 0: no such community. The peer encodes it (bgp_link_bw_encode). */
	uint64_t link_bw;
	/* BgpPeer names the route goes to; none: every peer. Borrowed (the
	 * table's own: sorted, each once). */
	const char *const *peers;
	size_t n_peers;
};

/* Limits of one set, as Eip spec.bgp allows them (CFG_EIP_MAX_*), well
 * inside the Adj-RIB-Out's attribute budget. */
#define BGP_ROUTE_ATTRS_MAX_COMMUNITIES       64
#define BGP_ROUTE_ATTRS_MAX_LARGE_COMMUNITIES 32

struct bgp_route_attrs_tab;

/* NULL on allocation failure. The caller owns the result. */
struct bgp_route_attrs_tab *bgp_route_attrs_tab_new(void);
void bgp_route_attrs_tab_free(struct bgp_route_attrs_tab *t);

/*
 * Interns *a (its arrays are copied; order and repeats do not matter:
 * the table keeps them sorted, each once) and takes a reference: *id is
 * 0 for the empty set (no reference then), else the id of the live entry
 * with that content, or a new one. Returns 0, -EINVAL (over a limit
 * above, a NULL array with a count, a NULL peer name) or -ENOMEM.
 */
int bgp_route_attrs_add(struct bgp_route_attrs_tab *t, const struct bgp_route_attrs *a,
                        uint32_t *id);
/* Gives back one reference of id (0: nothing). The last one makes id
 * dead until bgp_route_attrs_reclaim. */
void bgp_route_attrs_put(struct bgp_route_attrs_tab *t, uint32_t id);
/* The content of id (owned by t, valid while id lives): the empty set for
 * 0, NULL for a dead or unknown id. */
const struct bgp_route_attrs *bgp_route_attrs_get(const struct bgp_route_attrs_tab *t, uint32_t id);
/* Whether the set of id goes to BgpPeer name (false for a dead id). */
bool bgp_route_attrs_for_peer(const struct bgp_route_attrs_tab *t, uint32_t id, const char *name);
/* Calls fn with each id that died since the last call, then lets the
 * table hand those ids out again. Returns how many. */
size_t bgp_route_attrs_reclaim(struct bgp_route_attrs_tab *t, void (*fn)(uint32_t id, void *arg),
                               void *arg);

struct bgp_route_attrs_stats {
	uint32_t live;    /* entries with references */
	uint32_t dead;    /* waiting for bgp_route_attrs_reclaim */
	uint32_t max_id;  /* the largest id ever handed out: peers size their maps by it */
	size_t mem_bytes; /* heap held by t */
};
void bgp_route_attrs_stats(const struct bgp_route_attrs_tab *t, struct bgp_route_attrs_stats *st);

#endif
