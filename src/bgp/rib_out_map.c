/*
 * Route attributes id -> Adj-RIB-Out set of one peer (bgp/rib_out_map.h):
 * an array indexed by id, filled on first use.
 */
#include "bgp/rib_out_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rib_out_map_init(struct rib_out_map *m, struct rib_out *rib,
                      const struct bgp_route_attrs_tab *tab)
{
	memset(m, 0, sizeof(*m));
	m->rib = rib;
	m->tab = tab;
}

static void forget_all(struct rib_out_map *m)
{
	for (uint32_t i = 0; i < m->n_rib_of; i++)
		rib_out_map_drop(m, i);
}

void rib_out_map_fini(struct rib_out_map *m)
{
	forget_all(m);
	if (m->base_id)
		rib_out_attrs_put(m->rib, m->base_id);
	free(m->rib_of);
	memset(m, 0, sizeof(*m));
}

int rib_out_map_base(struct rib_out_map *m, const struct bgp_out_attrs *base,
                     const struct rib_out_map_session *s)
{
	uint32_t id = 0;
	int r = base->n_communities || base->n_large_communities || base->n_ext_communities
	            ? -EINVAL
	            : rib_out_attrs_add(m->rib, base, &id);

	/* The new base before the old one goes: the same content keeps its
	 * set (and the routes on it cost nothing at the next session). */
	forget_all(m);
	if (m->base_id)
		rib_out_attrs_put(m->rib, m->base_id);
	m->base_id = r < 0 ? 0 : id;
	m->base = *base;
	m->s = *s;
	return r < 0 ? r : 0;
}

void rib_out_map_session(struct rib_out_map *m, const struct rib_out_map_session *s)
{
	forget_all(m);
	m->s = *s;
}

void rib_out_map_drop(struct rib_out_map *m, uint32_t id)
{
	if (id >= m->n_rib_of || !m->rib_of[id])
		return;
	if (m->rib_of[id] != RIB_OUT_MAP_NONE)
		rib_out_attrs_put(m->rib, m->rib_of[id]);
	m->rib_of[id] = 0;
}

void rib_out_map_attrs(const struct bgp_out_attrs *base, const struct bgp_route_attrs *ra,
                       const struct rib_out_map_session *s, uint64_t *ext,
                       struct bgp_out_attrs *out)
{
	*out = *base;
	/* rib_out copies the arrays: borrowing const ones is safe. */
	out->communities = (uint32_t *)ra->communities;
	out->n_communities = ra->n_communities;
	out->large_communities = (uint32_t *)ra->large_communities;
	out->n_large_communities = ra->n_large_communities;
	out->ext_communities = NULL;
	out->n_ext_communities = 0;
	/* RFC 4271 section 5.1.5: LOCAL_PREF goes to internal peers only;
	 * there the pool's value replaces the session's. */
	if (!s->ebgp && ra->has_local_pref) {
		out->has_local_pref = true;
		out->local_pref = ra->local_pref;
	}
	if (ra->link_bw) {
		*ext = bgp_link_bw_encode(s->local_as, ra->link_bw, s->link_bw_non_transitive);
		out->ext_communities = ext;
		out->n_ext_communities = 1;
	}
}

/* Room in the map for id; 0 or -ENOMEM. */
static int grow(struct rib_out_map *m, uint32_t id)
{
	uint32_t n = m->n_rib_of ? m->n_rib_of : 16;
	uint32_t *nv;

	while (n <= id)
		n = n * 2 > n ? n * 2 : id + 1;
	if (n <= m->n_rib_of)
		return 0;
	if (!(nv = realloc(m->rib_of, (size_t)n * sizeof(*nv))))
		return -ENOMEM;
	memset(nv + m->n_rib_of, 0, (size_t)(n - m->n_rib_of) * sizeof(*nv));
	m->rib_of = nv;
	m->n_rib_of = n;
	return 0;
}

int rib_out_map_get(struct rib_out_map *m, uint32_t id, uint32_t *set)
{
	const struct bgp_route_attrs *ra;
	struct bgp_out_attrs a;
	uint64_t ext;
	uint32_t rid = 0;
	int r;

	*set = 0;
	if (!m->base_id)
		return 0;
	if (!id) {
		*set = m->base_id;
		return 0;
	}
	if (id < m->n_rib_of && m->rib_of[id]) {
		*set = m->rib_of[id] == RIB_OUT_MAP_NONE ? 0 : m->rib_of[id];
		return 0;
	}
	/* A dead id (its owner reclaims it soon) maps to nothing, unkept. */
	if (!(ra = bgp_route_attrs_get(m->tab, id)))
		return 0;
	if (grow(m, id) < 0)
		return -ENOMEM;
	if (!bgp_route_attrs_for_peer(m->tab, id, m->s.peer)) {
		m->rib_of[id] = RIB_OUT_MAP_NONE;
		return 0;
	}
	rib_out_map_attrs(&m->base, ra, &m->s, &ext, &a);
	r = rib_out_attrs_add(m->rib, &a, &rid);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		m->rib_of[id] = RIB_OUT_MAP_NONE;
		return r;
	}
	m->rib_of[id] = rid;
	*set = rid;
	return 0;
}
