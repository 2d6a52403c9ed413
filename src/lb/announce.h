/*
 * Which prefixes a node announces over BGP. Pure: a configuration set in,
 * a prefix set out.
 */
#ifndef BERTH_LB_ANNOUNCE_H
#define BERTH_LB_ANNOUNCE_H

#include "bgp/prefix_set.h"
#include "config/config.h"

/*
 * Fills out (cleared first) with one host route (/32 or /128) per address
 * in status.loadBalancer.ingress of every Service of type LoadBalancer
 * that is not handed to another protocol by the annotation
 * protocol.openelb.kubesphere.io/v1alpha1 (layer2, vip). node: this node's
 * name, for the per-node rules of later issues. Returns 0 or -ENOMEM.
 */
int lb_announce_compute(const struct cfg_set *set, const char *node, struct prefix_set *out);

/* A host route for an address. */
void lb_host_prefix(const struct bgp_addr *a, struct bgp_prefix *p);

#endif
