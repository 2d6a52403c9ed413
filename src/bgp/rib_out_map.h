/*
 * One peer's view of route attributes (bgp/route_attrs.h): maps a route
 * attributes id to an attribute set of the peer's Adj-RIB-Out (rib_out.h),
 * built once per id and session from the session's base set (ORIGIN,
 * AS_PATH, next hops, LOCAL_PREF 100 on iBGP) plus what the id adds:
 *  - its communities and large communities (RFC 1997, RFC 8092);
 *  - its LOCAL_PREF, on internal sessions only (RFC 4271 section 5.1.5);
 *  - its link bandwidth as the extended community of
 *    draft-ietf-idr-link-bandwidth section 2, with the session's local AS
 *    (AS_TRANS for a 4-octet one: bgp_link_bw_encode) and the type the
 *    peer asks for (transitive 0x00, or non-transitive 0x40);
 *  - or nothing at all: a peers list without this peer's name keeps the
 *    routes of that id from it.
 * Id 0 is the base set alone. Equal sets intern to one Adj-RIB-Out set, so
 * routes with equal attributes still share UPDATEs. Pure.
 *
 * Each mapping holds one reference of its Adj-RIB-Out set (routes hold
 * their own): forgetting a mapping never takes a set from a route.
 */
#ifndef BERTH_BGP_RIB_OUT_MAP_H
#define BERTH_BGP_RIB_OUT_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "bgp/rib_out.h"
#include "bgp/route_attrs.h"

/* What the session decides about the route attributes. */
struct rib_out_map_session {
	const char *peer;  /* the BgpPeer's name (Eip spec.bgp.peers); borrowed, must
	                      outlive its use by the map */
	uint32_t local_as; /* the session's, per-rack AS included */
	bool ebgp;
	bool link_bw_non_transitive;
};

struct rib_out_map {
	struct rib_out *rib;                   /* borrowed */
	const struct bgp_route_attrs_tab *tab; /* borrowed */
	struct rib_out_map_session s;
	struct bgp_out_attrs base; /* the session's set: no arrays */
	uint32_t base_id;          /* base in rib (one reference), 0: no session set */
	uint32_t *rib_of;          /* owned: id -> set, RIB_OUT_MAP_NONE, or 0: not built */
	uint32_t n_rib_of;
};

#define RIB_OUT_MAP_NONE UINT32_MAX

/* rib and tab: borrowed, must outlive m (rib_out_map_fini included). */
void rib_out_map_init(struct rib_out_map *m, struct rib_out *rib,
                      const struct bgp_route_attrs_tab *tab);
/* Gives back every reference (into m->rib) and frees the map. */
void rib_out_map_fini(struct rib_out_map *m);

/*
 * A new session: base (interned; no communities of any kind: the ids
 * bring those) and s replace the old ones and every mapping is forgotten.
 * Returns 0, or -EINVAL or a negative errno of rib_out_attrs_add (no
 * session set then: every id maps to 0).
 */
int rib_out_map_base(struct rib_out_map *m, const struct bgp_out_attrs *base,
                     const struct rib_out_map_session *s);
/* The same session with other settings (the link bandwidth type): every
 * mapping forgotten, the base kept. */
void rib_out_map_session(struct rib_out_map *m, const struct rib_out_map_session *s);

/*
 * The Adj-RIB-Out set of route attributes id on this session: 0 with *set
 * (0: the routes of id are not for this peer, or there is no session set
 * yet, or id is dead), or a negative errno the first time the set of an
 * id cannot be built (-EMSGSIZE, -EINVAL: the id then maps to 0 for the
 * session) or every time memory runs out (-ENOMEM: tried again next time).
 */
int rib_out_map_get(struct rib_out_map *m, uint32_t id, uint32_t *set);
/* Forgets the mapping of id (the owner reclaims it). */
void rib_out_map_drop(struct rib_out_map *m, uint32_t id);

/*
 * The base set plus what ra adds for session s, into *out (its arrays
 * borrowed from ra and ext, one element of caller storage). What
 * rib_out_map_get interns; for tests and tools.
 */
void rib_out_map_attrs(const struct bgp_out_attrs *base, const struct bgp_route_attrs *ra,
                       const struct rib_out_map_session *s, uint64_t *ext,
                       struct bgp_out_attrs *out);

#endif
