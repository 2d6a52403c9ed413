/*
 * Which prefixes a node announces over BGP, and with which route
 * attributes. Pure: a configuration set in, a prefix set out (prefix ->
 * route attributes id, bgp/route_attrs.h).
 *
 * Rules, per address in status.loadBalancer.ingress of a Service of type
 * LoadBalancer:
 *  - the address lies in a pool (an Eip or a MetalLB IPAddressPool, one
 *    model: config.h struct cfg_eip) that has a BGP announcement (an Eip
 *    of protocol bgp; a pool some BGPAdvertisement selects): the pool
 *    decides how its addresses are served, as in OpenELB 0.6 and MetalLB
 *    (layer2's are speaker/l2.h's; a Service annotated for another
 *    protocol than its Eip's gets an Event from the controller). Only a
 *    set with no pool at all (manifest mode without pools) goes by the
 *    Service's protocol.openelb.kubesphere.io/v1alpha1 annotation: none
 *    or "bgp";
 *  - this node may take traffic: its Node object is neither unschedulable
 *    (cordoned) nor Ready=False, and lacks the label
 *    node.kubernetes.io/exclude-from-external-load-balancers. A set
 *    without this node's Node object: see missing_node_announces;
 *  - externalTrafficPolicy: Cluster: every such node announces; Local:
 *    only nodes with a ready endpoint of the Service (EndpointSlices),
 *    when endpoints_known;
 *  - the address is not in exclude (the caller's conflicts);
 *  - one of the pool's BGP announcements applies on this node: its node
 *    selectors (an Eip's spec.bgp.nodeSelector, a BGPAdvertisement's
 *    nodeSelectors; none: every node) match this node's labels (no Node
 *    object: no labels).
 *
 * Routes and their attributes (issue 14), per address announced, for
 * each of its pool's announcements that apply on this node (an Eip has
 * one; every BGPAdvertisement that selects a MetalLB pool applies):
 *  - an address of some Cluster Service, with an announcement whose
 *    aggregation length for its family (aggregationLength / V6) is below
 *    the host length, is announced as addr/L (canonical): that route is
 *    wanted while one such address inside it is, so it comes with the
 *    first and goes with the last. Since pools do not overlap and an
 *    aggregate stays inside its range, every aggregate has one pool;
 *  - an address of a Local Service is a host route whatever the length
 *    (an aggregate would draw traffic to nodes without endpoints); so is
 *    any address with an announcement without aggregation;
 *  - a route carries the communities, large communities, LOCAL_PREF and
 *    peers of the announcements that give it: one's as they are; several
 *    (two BGPAdvertisements with one length) merged, communities and
 *    peers their union, no peers list in one meaning every peer, the
 *    first LOCAL_PREF (cfg_set_validate holds them equal where they
 *    meet). MetalLB gives each peer the advertisements that name it: the
 *    merge differs only for advertisements of one length that name
 *    different peers with different attributes. A set without spec.bgp,
 *    or an address in no pool, carries none (id 0, the routes as before);
 *  - a host route of Local Services only, with the endpoints known and
 *    linkBandwidth on in an announcement that gives it (MetalLB's have it
 *    on), carries the link bandwidth: the ready
 *    endpoints on this node summed over those Services, times BgpConf
 *    linkBandwidthPerEndpoint (capped at BGP_LINK_BW_MAX). A Cluster
 *    Service on the address means none: every node carries it anyway.
 */
#ifndef BERTH_SPEAKER_ANNOUNCE_H
#define BERTH_SPEAKER_ANNOUNCE_H

#include <stdbool.h>

#include "bgp/prefix_set.h"
#include "bgp/route_attrs.h"
#include "config/config.h"

/* Node label that keeps a node out of external load balancers (k8s 1.19+). */
#define LB_LABEL_EXCLUDE_LB "node.kubernetes.io/exclude-from-external-load-balancers"

struct lb_announce_opts {
	/* true: externalTrafficPolicy: Local looks at EndpointSlices (cluster
	 * mode). false: Local is treated as Cluster, since the set carries no
	 * endpoint information (manifest mode without EndpointSlices). */
	bool endpoints_known;
	/* What a node does when the set has no Node object of its name:
	 * announce (manifest mode, where Nodes are optional) or not (cluster
	 * mode: a node unknown to the API server gets no traffic). */
	bool missing_node_announces;
	const struct core_addr *exclude; /* borrowed; addresses never announced */
	size_t n_exclude;
	/* Optional, with endpoints_known: whether Service ns/name has a ready
	 * endpoint on node, from the caller's index, instead of a scan of the
	 * set's EndpointSlices (which a cluster-mode speaker keeps apart,
	 * indexed). */
	bool (*ready_on)(const char *ns, const char *name, const char *node, void *arg);
	/* Optional, the same index counted: how many ready endpoints Service
	 * ns/name has on node (the link bandwidth). Without it: ready_on's
	 * answer as 1 or 0 when given, else the set's EndpointSlices counted. */
	uint32_t (*ready_count)(const char *ns, const char *name, const char *node, void *arg);
	void *ready_arg; /* for both */
	/* Where route attributes are interned (borrowed); NULL: every route
	 * gets id 0 (the prefixes are the same). */
	struct bgp_route_attrs_tab *attrs;
};

/*
 * What the Services that announce one address from this node ask for it:
 * the value of each address in lb_announce_hosts' set.
 */
#define LB_HOST_CLUSTER   0x80000000u /* some Cluster Service */
#define LB_HOST_LOCAL     0x40000000u /* some Local Service: a host route */
#define LB_HOST_UNCOUNTED 0x20000000u /* a Local Service, endpoints not known */
#define LB_HOST_COUNT     0x1fffffffu /* ready endpoints here, summed, saturating */

/* Why a node does or does not announce a Service (lb_announce_service). */
enum lb_announce_why {
	LB_ANN_YES = 0,
	LB_ANN_NOT_LB,       /* not of type LoadBalancer, or no ingress IP */
	LB_ANN_PROTOCOL,     /* annotated for layer2/vip, and no Eips to decide */
	LB_ANN_NODE,         /* this node takes no traffic (see above) */
	LB_ANN_NO_ENDPOINTS, /* Local, and no ready endpoint here */
};

const char *lb_announce_why_name(enum lb_announce_why w);

/* Whether node may announce anything. */
bool lb_announce_node_ok(const struct cfg_set *set, const char *node,
                         const struct lb_announce_opts *o);

/* Whether Service ns/name has a ready endpoint on node (o->ready_on, or
 * o->ready_count, or the set's EndpointSlices). */
bool lb_announce_ready_on(const struct cfg_set *set, const struct lb_announce_opts *o,
                          const char *ns, const char *name, const char *node);
/* How many (see lb_announce_opts.ready_count). */
uint32_t lb_announce_ready_count(const struct cfg_set *set, const struct lb_announce_opts *o,
                                 const char *ns, const char *name, const char *node);

/* Whether node announces svc (its addresses are then filtered by Eip and
 * exclude, lb_announce_addr_ok). */
enum lb_announce_why lb_announce_service(const struct cfg_set *set, const char *node,
                                         const struct lb_announce_opts *o,
                                         const struct cfg_service *svc);

/* Address rules: inside a pool with a BGP announcement (or no pools), not excluded. */
bool lb_announce_addr_ok(const struct cfg_set *set, const struct lb_announce_opts *o,
                         const struct core_addr *a);
/* The same, and one of the pool's announcements applies on node: node announces a. */
bool lb_announce_addr_here(const struct cfg_set *set, const char *node,
                           const struct lb_announce_opts *o, const struct core_addr *a);
/* The pool whose ranges hold a (borrowed from set), or NULL. */
const struct cfg_eip *lb_announce_eip(const struct cfg_set *set, const struct core_addr *a);

/*
 * The addresses node announces by the rules above, as host prefixes into
 * hosts (cleared first), each once, its value what the Services sharing
 * it ask (LB_HOST_*): the addresses the node answers for (the LB
 * interface's), before aggregation. Returns 0 or -ENOMEM.
 */
int lb_announce_hosts(const struct cfg_set *set, const char *node, const struct lb_announce_opts *o,
                      struct prefix_set *hosts);
/*
 * The routes of hosts (lb_announce_hosts' output for node) into out
 * (cleared first by lb_announce_routes_clear): prefix -> route attributes
 * id, each value holding one reference of o->attrs (none without it).
 * Returns 0 or -ENOMEM; out then holds what was done, to be cleared the
 * same way.
 */
int lb_announce_routes(const struct cfg_set *set, const char *node,
                       const struct lb_announce_opts *o, const struct prefix_set *hosts,
                       struct prefix_set *out);
/* Gives back the references of out's values (when o->attrs) and empties
 * it. */
void lb_announce_routes_clear(const struct lb_announce_opts *o, struct prefix_set *out);

/* lb_announce_hosts, then lb_announce_routes into out. Returns 0 or
 * -ENOMEM. */
int lb_announce_compute_opts(const struct cfg_set *set, const char *node,
                             const struct lb_announce_opts *o, struct prefix_set *out);

/*
 * Manifest-mode defaults: endpoints_known when the set holds any
 * EndpointSlice, a missing Node announces, nothing excluded.
 */
void lb_announce_opts_manifest(const struct cfg_set *set, struct lb_announce_opts *o);

/* lb_announce_compute_opts with lb_announce_opts_manifest. */
int lb_announce_compute(const struct cfg_set *set, const char *node, struct prefix_set *out);

/* A host route for an address. */
void lb_host_prefix(const struct core_addr *a, struct bgp_prefix *p);

#endif
