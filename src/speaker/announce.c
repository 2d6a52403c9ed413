/*
 * The speaker's announce rules (speaker/announce.h): which prefixes this
 * node announces over BGP, from a configuration set. Pure.
 */
#include "speaker/announce.h"

#include <errno.h>
#include <string.h>

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
	return cfg_slices_ready_on(set->slices, set->n_slices, ns, name, node);
}

bool lb_announce_addr_ok(const struct cfg_set *set, const struct lb_announce_opts *o,
                         const struct core_addr *a)
{
	bool in_bgp_eip = set->n_eips == 0;

	for (size_t i = 0; i < o->n_exclude; i++)
		if (core_addr_equal(&o->exclude[i], a))
			return false;
	for (size_t i = 0; !in_bgp_eip && i < set->n_eips; i++) {
		const struct cfg_eip *e = &set->eips[i];

		/* A disabled Eip hands out nothing new, but the addresses it
		 * already gave keep working (OpenELB). */
		if (core_addr_cmp(&e->first, a) <= 0 && core_addr_cmp(a, &e->last) <= 0)
			return e->protocol == CFG_EIP_BGP;
	}
	return in_bgp_eip;
}

int lb_announce_foreach(const struct cfg_set *set, const char *node,
                        const struct lb_announce_opts *o,
                        int (*fn)(const struct bgp_prefix *p, void *arg), void *arg)
{
	for (size_t i = 0; i < set->n_services; i++) {
		const struct cfg_service *svc = &set->services[i];

		if (lb_announce_service(set, node, o, svc) != LB_ANN_YES)
			continue;
		for (size_t k = 0; k < svc->n_ingress; k++) {
			struct bgp_prefix p;
			int r;

			if (!lb_announce_addr_ok(set, o, &svc->ingress[k]))
				continue;
			lb_host_prefix(&svc->ingress[k], &p);
			if ((r = fn(&p, arg)) < 0)
				return r;
		}
	}
	return 0;
}

static int add_to(const struct bgp_prefix *p, void *arg)
{
	return prefix_set_add(arg, p) < 0 ? -ENOMEM : 0;
}

int lb_announce_compute_opts(const struct cfg_set *set, const char *node,
                             const struct lb_announce_opts *o, struct prefix_set *out)
{
	prefix_set_clear(out);
	return lb_announce_foreach(set, node, o, add_to, out);
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
