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

		if (core_addr_cmp(&e->first, a) <= 0 && core_addr_cmp(a, &e->last) <= 0)
			return e;
	}
	return NULL;
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
	return e && e->protocol == CFG_EIP_BGP;
}

bool lb_announce_addr_here(const struct cfg_set *set, const char *node,
                           const struct lb_announce_opts *o, const struct core_addr *a)
{
	static const struct cfg_map no_labels;
	const struct cfg_eip *e;
	const struct cfg_node *n;

	if (!lb_announce_addr_ok(set, o, a))
		return false;
	e = lb_announce_eip(set, a);
	if (!e || !e->bgp.node_selector.present)
		return true;
	/* No Node object: no labels, which a selector with labels misses. */
	n = cfg_set_node(set, node);
	return cfg_selector_matches(&e->bgp.node_selector, n ? &n->meta.labels : &no_labels);
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

/* The pool's share of a route's attributes (none without an Eip). */
static void pool_attrs(const struct cfg_eip *e, struct bgp_route_attrs *a)
{
	memset(a, 0, sizeof(*a));
	if (!e)
		return;
	a->communities = e->bgp.communities;
	a->n_communities = e->bgp.n_communities;
	a->large_communities = e->bgp.large_communities;
	a->n_large_communities = e->bgp.n_large_communities;
	a->has_local_pref = e->bgp.has_local_pref;
	a->local_pref = e->bgp.local_pref;
	a->peers = (const char *const *)e->bgp.peers;
	a->n_peers = e->bgp.n_peers;
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

int lb_announce_routes(const struct cfg_set *set, const struct lb_announce_opts *o,
                       const struct prefix_set *hosts, struct prefix_set *out)
{
	lb_announce_routes_clear(o, out);
	/* One route at most per host (aggregates stand for several). */
	if (prefix_set_reserve(out, hosts->n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < hosts->n; i++) {
		const struct bgp_prefix *p = &hosts->v[i];
		uint32_t v = prefix_set_val(hosts, i);
		struct core_addr a = {.family = p->family};
		const struct cfg_eip *e;
		struct bgp_route_attrs ra;
		unsigned len = p->len;
		int r;

		memcpy(a.bytes, p->addr, core_af_len(p->family));
		e = lb_announce_eip(set, &a);
		if (e)
			len = p->family == AF_INET ? e->bgp.aggregation_length
			                           : e->bgp.aggregation_length_v6;
		pool_attrs(e, &ra);
		if ((v & LB_HOST_CLUSTER) && len < p->len) {
			struct bgp_prefix agg = *p;

			agg.len = (uint8_t)len;
			prefix_canon(&agg);
			/* One Eip per aggregate: the first address brings its
			 * attributes, the others find it there. */
			if (prefix_set_find(out, &agg) < 0 &&
			    (r = route_put(o, out, &agg, &ra)) < 0)
				return r;
			if (!(v & LB_HOST_LOCAL))
				continue;
		}
		if ((v & LB_HOST_LOCAL) && !(v & (LB_HOST_CLUSTER | LB_HOST_UNCOUNTED)) &&
		    (!e || e->bgp.link_bandwidth)) {
			uint64_t bw = (uint64_t)(v & LB_HOST_COUNT) * link_bw_unit(set);

			ra.link_bw = bw < BGP_LINK_BW_MAX ? bw : BGP_LINK_BW_MAX;
		}
		if ((r = route_put(o, out, p, &ra)) < 0)
			return r;
	}
	return 0;
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
		r = lb_announce_routes(set, o, &hosts, out);
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
