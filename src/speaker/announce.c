/*
 * The speaker's announce rules (speaker/announce.h): which prefixes this
 * node announces over BGP, and their route attributes, from a
 * configuration set. Pure.
 */
#include "speaker/announce.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

void lb_host_prefix(const struct core_addr *a, struct bgp_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = a->family;
	p->len = core_af_bits(a->family);
	memcpy(p->addr, a->bytes, core_af_len(a->family));
}

const char *lb_announce_why_name(enum lb_announce_why w)
{
	switch (w) {
	case LB_ANN_YES:
		return "announced";
	case LB_ANN_NOT_LB:
		return "not a LoadBalancer with an address";
	case LB_ANN_PROTOCOL:
		return "not a BGP Service";
	case LB_ANN_NODE:
		return "node takes no traffic";
	case LB_ANN_NO_ENDPOINTS:
		return "no ready endpoint on this node";
	}
	return "?";
}

bool lb_announce_node_ok(const struct cfg_set *set, const char *node,
                         const struct lb_announce_opts *o)
{
	const struct cfg_node *n = cfg_set_node(set, node);

	if (!n)
		return o->missing_node_announces;
	/* A cordoned node is being drained: kube-proxy's and the cloud
	 * providers' rule (service controller) is to take it out of load
	 * balancers. Ready=Unknown (kubelet silent, or no status at all in a
	 * manifest) keeps announcing: the data path may well still work, and
	 * withdrawing every node at once on an API server outage would be
	 * worse. */
	if (n->unschedulable || n->ready == CFG_COND_FALSE)
		return false;
	return !cfg_meta_label(&n->meta, LB_LABEL_EXCLUDE_LB);
}

enum lb_announce_why lb_announce_service(const struct cfg_set *set, const char *node,
                                         const struct lb_announce_opts *o,
                                         const struct cfg_service *svc)
{
	if (svc->type != CFG_SVC_LOAD_BALANCER || !svc->n_ingress)
		return LB_ANN_NOT_LB;
	/* Without Eips, OpenELB's protocol annotation may name another speaker. */
	if (!set->n_eips && !svc->bgp)
		return LB_ANN_PROTOCOL;
	if (!lb_announce_node_ok(set, node, o))
		return LB_ANN_NODE;
	if (svc->external_traffic_policy == CFG_ETP_LOCAL && o->endpoints_known &&
	    !lb_announce_ready_on(set, o, svc->meta.ns, svc->meta.name, node))
		return LB_ANN_NO_ENDPOINTS;
	return LB_ANN_YES;
}

bool lb_announce_ready_on(const struct cfg_set *set, const struct lb_announce_opts *o,
                          const char *ns, const char *name, const char *node)
{
	if (o->ready_on)
		return o->ready_on(ns, name, node, o->ready_arg);
	if (o->ready_count)
		return o->ready_count(ns, name, node, o->ready_arg) > 0;
	return cfg_slices_ready_on(set->slices, set->n_slices, ns, name, node);
}

uint32_t lb_announce_ready_count(const struct cfg_set *set, const struct lb_announce_opts *o,
                                 const char *ns, const char *name, const char *node)
{
	if (o->ready_count)
		return o->ready_count(ns, name, node, o->ready_arg);
	if (o->ready_on)
		return o->ready_on(ns, name, node, o->ready_arg) ? 1 : 0;
	return cfg_slices_ready_count(set->slices, set->n_slices, ns, name, node);
}

const struct cfg_eip *lb_announce_eip(const struct cfg_set *set, const struct core_addr *a)
{
	for (size_t i = 0; i < set->n_eips; i++) {
		const struct cfg_eip *e = &set->eips[i];

		/* pools do not overlap (the loader's rule, for both APIs) */
		if (cfg_eip_range_of(e, a))
			return e;
	}
	return NULL;
}

/* Whether announcement b of a pool applies on the node with labels. */
static bool bgp_here(const struct cfg_eip_bgp *b, const struct cfg_map *labels)
{
	return cfg_selectors_match(b->node_selectors, b->n_node_selectors, labels);
}

/* This node's labels: none without its Node object. */
static const struct cfg_map *node_labels(const struct cfg_set *set, const char *node)
{
	static const struct cfg_map no_labels;
	const struct cfg_node *n = node ? cfg_set_node(set, node) : NULL;

	return n ? &n->meta.labels : &no_labels;
}

bool lb_announce_addr_ok(const struct cfg_set *set, const struct lb_announce_opts *o,
                         const struct core_addr *a)
{
	const struct cfg_eip *e;

	for (size_t i = 0; i < o->n_exclude; i++)
		if (core_addr_equal(&o->exclude[i], a))
			return false;
	if (!set->n_eips)
		return true;
	/* A disabled Eip hands out nothing new, but the addresses it already
	 * gave keep working (OpenELB). */
	e = lb_announce_eip(set, a);
	return e && e->n_bgp > 0;
}

bool lb_announce_addr_here(const struct cfg_set *set, const char *node,
                           const struct lb_announce_opts *o, const struct core_addr *a)
{
	const struct cfg_map *labels;
	const struct cfg_eip *e;

	if (!lb_announce_addr_ok(set, o, a))
		return false;
	e = lb_announce_eip(set, a);
	if (!e)
		return true;
	/* No Node object: no labels, which a selector with labels misses.
	 * Any of the pool's announcements that applies here will do. */
	labels = node_labels(set, node);
	for (size_t i = 0; i < e->n_bgp; i++)
		if (bgp_here(&e->bgp[i], labels))
			return true;
	return false;
}

/* Adds what one Service asks (add: LB_HOST_* flags and a count) to the
 * address p of hosts. */
static int host_note(struct prefix_set *hosts, const struct bgp_prefix *p, uint32_t add)
{
	long at = prefix_set_find(hosts, p);
	uint32_t v = at >= 0 ? prefix_set_val(hosts, (size_t)at) : 0;
	uint64_t n = (uint64_t)(v & LB_HOST_COUNT) + (add & LB_HOST_COUNT);

	v = ((v | add) & ~LB_HOST_COUNT) | (n < LB_HOST_COUNT ? (uint32_t)n : LB_HOST_COUNT);
	return prefix_set_put(hosts, p, v) < 0 ? -ENOMEM : 0;
}

/* What svc (announced here) asks for each of its addresses. */
static uint32_t svc_asks(const struct cfg_set *set, const char *node,
                         const struct lb_announce_opts *o, const struct cfg_service *svc)
{
	uint32_t n;

	if (svc->external_traffic_policy != CFG_ETP_LOCAL)
		return LB_HOST_CLUSTER;
	/* Without endpoint data Local is announced as Cluster is, but stays
	 * a host route, and has no weight to give. */
	if (!o->endpoints_known)
		return LB_HOST_LOCAL | LB_HOST_UNCOUNTED;
	n = lb_announce_ready_count(set, o, svc->meta.ns, svc->meta.name, node);
	return LB_HOST_LOCAL | (n < LB_HOST_COUNT ? n : LB_HOST_COUNT);
}

int lb_announce_hosts(const struct cfg_set *set, const char *node, const struct lb_announce_opts *o,
                      struct prefix_set *hosts)
{
	size_t most = 0;

	/* One prefix at most per ingress address: the set is allocated once,
	 * at its size (the interface's and the routes' sets live beside it). */
	for (size_t i = 0; i < set->n_services; i++)
		most += set->services[i].n_ingress;
	prefix_set_clear(hosts);
	if (prefix_set_reserve(hosts, most) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < set->n_services; i++) {
		const struct cfg_service *svc = &set->services[i];
		uint32_t asks;

		if (lb_announce_service(set, node, o, svc) != LB_ANN_YES)
			continue;
		asks = svc_asks(set, node, o, svc);
		for (size_t k = 0; k < svc->n_ingress; k++) {
			struct bgp_prefix p;

			if (!lb_announce_addr_here(set, node, o, &svc->ingress[k]))
				continue;
			lb_host_prefix(&svc->ingress[k], &p);
			if (host_note(hosts, &p, asks) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/*
 * The attributes of one route of a pool: the pool's announcements that
 * give it, merged (several MetalLB advertisements for one pool all apply;
 * an Eip has one). Communities and peers are their union, none of which
 * listing peers meaning every peer; LOCAL_PREF the first one's that sets
 * one (cfg_set_validate holds them equal where they meet). One
 * announcement is used as it is; more are merged in buf, kept across
 * routes.
 */
struct merge {
	uint32_t *comm, *large;
	const char **peers;
	size_t cap_comm, cap_large, cap_peers;
};

static bool has_u32(const uint32_t *v, size_t n, size_t width, const uint32_t *x)
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(v + i * width, x, width * sizeof(*x)))
			return true;
	return false;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	void *n;

	if (need <= *cap)
		return 0;
	if (!(n = realloc(*p, need * size)))
		return -ENOMEM;
	*p = n;
	*cap = need;
	return 0;
}

/* ads[0..n) of one pool into *a (borrowing from them or from m). Link
 * bandwidth: whether any of them carries it. */
static int merge_attrs(struct merge *m, const struct cfg_eip_bgp *const *ads, size_t n,
                       struct bgp_route_attrs *a, bool *link_bw)
{
	size_t nc = 0, nl = 0, np = 0;
	bool all_peers = false;

	memset(a, 0, sizeof(*a));
	*link_bw = !n;
	for (size_t i = 0; i < n; i++) {
		*link_bw |= ads[i]->link_bandwidth;
		if (!a->has_local_pref && ads[i]->has_local_pref) {
			a->has_local_pref = true;
			a->local_pref = ads[i]->local_pref;
		}
	}
	if (n == 1) {
		const struct cfg_eip_bgp *b = ads[0];

		a->communities = b->communities;
		a->n_communities = b->n_communities;
		a->large_communities = b->large_communities;
		a->n_large_communities = b->n_large_communities;
		a->peers = (const char *const *)b->peers;
		a->n_peers = b->n_peers;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cfg_eip_bgp *b = ads[i];

		if (grow((void **)&m->comm, &m->cap_comm, nc + b->n_communities,
		         sizeof(uint32_t)) ||
		    grow((void **)&m->large, &m->cap_large, 3 * (nl + b->n_large_communities),
		         sizeof(uint32_t)) ||
		    grow((void **)&m->peers, &m->cap_peers, np + b->n_peers, sizeof(char *)))
			return -ENOMEM;
		for (size_t k = 0; k < b->n_communities; k++)
			if (!has_u32(m->comm, nc, 1, &b->communities[k]))
				m->comm[nc++] = b->communities[k];
		for (size_t k = 0; k < b->n_large_communities; k++)
			if (!has_u32(m->large, nl, 3, &b->large_communities[3 * k]))
				memcpy(&m->large[3 * nl++], &b->large_communities[3 * k],
				       3 * sizeof(uint32_t));
		all_peers |= !b->n_peers;
		for (size_t k = 0; k < b->n_peers; k++)
			m->peers[np++] = b->peers[k];
	}
	a->communities = m->comm;
	a->n_communities = nc;
	a->large_communities = m->large;
	a->n_large_communities = nl;
	/* the table keeps each name once */
	a->peers = all_peers ? NULL : m->peers;
	a->n_peers = all_peers ? 0 : np;
	return 0;
}

/* p -> the interned a into out; the reference goes with the value. A set
 * the table refuses (over the community limits, which the Eip decoder
 * holds already) leaves p out rather than announce it without them. */
static int route_put(const struct lb_announce_opts *o, struct prefix_set *out,
                     const struct bgp_prefix *p, const struct bgp_route_attrs *a)
{
	uint32_t id = 0;
	int r;

	if (o->attrs && (r = bgp_route_attrs_add(o->attrs, a, &id)) < 0)
		return r == -ENOMEM ? -ENOMEM : 0;
	if (prefix_set_put(out, p, id) < 0) {
		if (o->attrs)
			bgp_route_attrs_put(o->attrs, id);
		return -ENOMEM;
	}
	return 0;
}

static uint64_t link_bw_unit(const struct cfg_set *set)
{
	return set->bgp_conf ? set->bgp_conf->link_bw_per_endpoint
	                     : CFG_DEFAULT_LINK_BW_PER_ENDPOINT;
}

/* The aggregation length announcement b gives a route of family. */
static unsigned agg_len(const struct cfg_eip_bgp *b, int family)
{
	return family == AF_INET ? b->aggregation_length : b->aggregation_length_v6;
}

/*
 * The routes of one host p (value v) of pool e, whose announcements that
 * apply on this node are here[0..n): for each aggregation length they
 * give, the aggregate (Cluster Services) with the attributes of those
 * that give it; the host route with those of the announcements that give
 * it: the host length's, and every one for Local Services (an aggregate
 * would draw traffic to nodes without endpoints).
 */
static int pool_routes(const struct cfg_set *set, const struct lb_announce_opts *o,
                       const struct bgp_prefix *p, uint32_t v,
                       const struct cfg_eip_bgp *const *here, size_t n, struct merge *m,
                       const struct cfg_eip_bgp **pick, struct prefix_set *out)
{
	struct bgp_route_attrs ra;
	size_t k;
	bool lbw;
	int r;

	for (size_t i = 0; (v & LB_HOST_CLUSTER) && i < n; i++) {
		unsigned len = agg_len(here[i], p->family);
		struct bgp_prefix agg = *p;
		bool first = true;

		if (len >= p->len)
			continue;
		/* each length once: with every announcement that gives it */
		for (size_t j = 0; j < i && first; j++)
			first = agg_len(here[j], p->family) != len;
		if (!first)
			continue;
		agg.len = (uint8_t)len;
		prefix_canon(&agg);
		/* One pool per aggregate (aggregates stay inside non-overlapping
		 * ranges): the first address brings its attributes, the others
		 * find it there. */
		if (prefix_set_find(out, &agg) >= 0)
			continue;
		k = 0;
		for (size_t j = i; j < n; j++)
			if (agg_len(here[j], p->family) == len)
				pick[k++] = here[j];
		if ((r = merge_attrs(m, pick, k, &ra, &lbw)) < 0 ||
		    (r = route_put(o, out, &agg, &ra)) < 0)
			return r;
	}
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (agg_len(here[i], p->family) >= p->len || (v & LB_HOST_LOCAL))
			pick[k++] = here[i];
	if (!k)
		return 0;
	if ((r = merge_attrs(m, pick, k, &ra, &lbw)) < 0)
		return r;
	if ((v & LB_HOST_LOCAL) && !(v & (LB_HOST_CLUSTER | LB_HOST_UNCOUNTED)) && lbw) {
		uint64_t bw = (uint64_t)(v & LB_HOST_COUNT) * link_bw_unit(set);

		ra.link_bw = bw < BGP_LINK_BW_MAX ? bw : BGP_LINK_BW_MAX;
	}
	return route_put(o, out, p, &ra);
}

int lb_announce_routes(const struct cfg_set *set, const char *node,
                       const struct lb_announce_opts *o, const struct prefix_set *hosts,
                       struct prefix_set *out)
{
	const struct cfg_map *labels = node_labels(set, node);
	const struct cfg_eip_bgp **here = NULL, **pick = NULL;
	struct merge m = {0};
	size_t cap = 0;
	int r = 0;

	lb_announce_routes_clear(o, out);
	/* Room for a route per host, the usual case (more grow the set:
	 * several advertisements may give a host several prefixes). */
	if (prefix_set_reserve(out, hosts->n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < hosts->n && r == 0; i++) {
		const struct bgp_prefix *p = &hosts->v[i];
		uint32_t v = prefix_set_val(hosts, i);
		struct core_addr a = {.family = p->family};
		const struct cfg_eip *e;
		size_t n = 0;

		memcpy(a.bytes, p->addr, core_af_len(p->family));
		e = lb_announce_eip(set, &a);
		if (!e) {
			/* no pool (a set without pools): a host route, no attributes */
			struct bgp_route_attrs ra = {0};

			if ((v & LB_HOST_LOCAL) && !(v & (LB_HOST_CLUSTER | LB_HOST_UNCOUNTED))) {
				uint64_t bw = (uint64_t)(v & LB_HOST_COUNT) * link_bw_unit(set);

				ra.link_bw = bw < BGP_LINK_BW_MAX ? bw : BGP_LINK_BW_MAX;
			}
			r = route_put(o, out, p, &ra);
			continue;
		}
		if (e->n_bgp > cap) {
			const struct cfg_eip_bgp **h = realloc(here, e->n_bgp * sizeof(*h));
			const struct cfg_eip_bgp **k =
			    h ? realloc(pick, e->n_bgp * sizeof(*k)) : NULL;

			if (h)
				here = h;
			if (!h || !k) {
				r = -ENOMEM;
				break;
			}
			pick = k;
			cap = e->n_bgp;
		}
		for (size_t k = 0; k < e->n_bgp; k++)
			if (bgp_here(&e->bgp[k], labels))
				here[n++] = &e->bgp[k];
		r = pool_routes(set, o, p, v, here, n, &m, pick, out);
	}
	free(here);
	free(pick);
	free(m.comm);
	free(m.large);
	free(m.peers);
	return r;
}

void lb_announce_routes_clear(const struct lb_announce_opts *o, struct prefix_set *out)
{
	for (size_t i = 0; o->attrs && i < out->n; i++)
		bgp_route_attrs_put(o->attrs, prefix_set_val(out, i));
	prefix_set_clear(out);
}

int lb_announce_compute_opts(const struct cfg_set *set, const char *node,
                             const struct lb_announce_opts *o, struct prefix_set *out)
{
	struct prefix_set hosts;
	int r;

	prefix_set_init(&hosts);
	r = lb_announce_hosts(set, node, o, &hosts);
	if (!r)
		r = lb_announce_routes(set, node, o, &hosts, out);
	prefix_set_fini(&hosts);
	return r;
}

void lb_announce_opts_manifest(const struct cfg_set *set, struct lb_announce_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->endpoints_known = set->n_slices > 0;
	o->missing_node_announces = true;
}

int lb_announce_compute(const struct cfg_set *set, const char *node, struct prefix_set *out)
{
	struct lb_announce_opts o;

	lb_announce_opts_manifest(set, &o);
	return lb_announce_compute_opts(set, node, &o, out);
}
