/*
 * Which prefixes a node announces over BGP. Pure: a configuration set in,
 * a prefix set out.
 *
 * Rules, per address in status.loadBalancer.ingress of a Service of type
 * LoadBalancer:
 *  - the address lies in an Eip whose spec.protocol is bgp: the Eip
 *    decides how its addresses are served, as in OpenELB 0.6 (layer2's
 *    are speaker/l2.h's; a Service annotated for another protocol than
 *    its Eip's gets an Event from the controller). Only a set with no Eip
 *    at all (manifest mode without pools) goes by the Service's
 *    protocol.openelb.kubesphere.io/v1alpha1 annotation: none or "bgp";
 *  - this node may take traffic: its Node object is neither unschedulable
 *    (cordoned) nor Ready=False, and lacks the label
 *    node.kubernetes.io/exclude-from-external-load-balancers. A set
 *    without this node's Node object: see missing_node_announces;
 *  - externalTrafficPolicy: Cluster: every such node announces; Local:
 *    only nodes with a ready endpoint of the Service (EndpointSlices),
 *    when endpoints_known;
 *  - the address is not in exclude (the caller's conflicts).
 */
#ifndef BERTH_SPEAKER_ANNOUNCE_H
#define BERTH_SPEAKER_ANNOUNCE_H

#include <stdbool.h>

#include "bgp/prefix_set.h"
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
	void *ready_arg;
};

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
 * the set's EndpointSlices). */
bool lb_announce_ready_on(const struct cfg_set *set, const struct lb_announce_opts *o,
                          const char *ns, const char *name, const char *node);

/* Whether node announces svc (its addresses are then filtered by Eip and
 * exclude, lb_announce_addr_ok). */
enum lb_announce_why lb_announce_service(const struct cfg_set *set, const char *node,
                                         const struct lb_announce_opts *o,
                                         const struct cfg_service *svc);

/* Address rules: inside a bgp Eip (or no Eips), not excluded. */
bool lb_announce_addr_ok(const struct cfg_set *set, const struct lb_announce_opts *o,
                         const struct core_addr *a);

/* Calls fn with each prefix node announces by the rules above (a prefix
 * twice when two Services share an address); stops at fn's first
 * negative result and returns it, else 0. */
int lb_announce_foreach(const struct cfg_set *set, const char *node,
                        const struct lb_announce_opts *o,
                        int (*fn)(const struct bgp_prefix *p, void *arg), void *arg);

/* Fills out (cleared first) by the rules above. Returns 0 or -ENOMEM. */
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
