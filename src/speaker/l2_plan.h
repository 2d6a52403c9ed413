/*
 * Which node answers ARP and neighbour discovery for each layer 2
 * address, and which other speakers this node must watch to know it.
 * Pure: a configuration set and a view of who is alive in, a plan out;
 * the speaker's layer 2 glue (speaker/l2.h) acts on it.
 *
 * Rules, per address in status.loadBalancer.ingress of a Service of type
 * LoadBalancer that lies in a pool with a layer 2 announcement (an Eip
 * whose spec.protocol is layer2; a MetalLB pool an L2Advertisement
 * selects):
 *  - the owner key (l2/owner.h): the Service ("ns/name"), or, for
 *    Services linked by shared addresses, the group's smallest address,
 *    so both addresses of a dual-stack Service and every address of a
 *    sharing group have one owner;
 *  - the eligible nodes: the Nodes of the set that take traffic
 *    (lb_announce_node_ok: Ready not False, not cordoned, not labelled
 *    exclude-from-external-load-balancers) that one of the layer 2
 *    announcements of each pool of the group lets answer (a MetalLB
 *    L2Advertisement's nodeSelectors; none: every node), and under
 *    externalTrafficPolicy Local only those with a ready endpoint of
 *    every Local Service of the group (lb_announce_ready_on). A set with
 *    no Node at all (manifest mode, one node) has this node alone;
 *  - the order of succession over them (l2_owner_rank), its first
 *    `places` entries only (not counting nodes known to lack the
 *    interface, up to L2_PLAN_MAX_PLACES): the owner is the first of them
 *    that can own
 *    every Eip of the group now (can_own: for this node its interface
 *    exists and its start-up hold is over; for another node, what its
 *    heartbeats say). A node further down never owns the address; when
 *    all of the first `places` are gone only the Node objects (Ready
 *    False, from the API server, in about 40 s) move it on.
 *  - this node watches the nodes ahead of it among those first places,
 *    for every group where it is one of them: so each speaker watches a
 *    few nodes, not all of them.
 */
#ifndef BERTH_SPEAKER_L2_PLAN_H
#define BERTH_SPEAKER_L2_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "core/addr.h"
#include "speaker/announce.h"

/* Default depth of the order of succession that watches and may own, and
 * the most it may be set to. */
#define L2_PLAN_PLACES     3
#define L2_PLAN_MAX_PLACES 8

struct l2_plan_opts {
	const char *node;                   /* borrowed: this node */
	size_t places;                      /* 0: L2_PLAN_PLACES; at most L2_PLAN_MAX_PLACES */
	const struct lb_announce_opts *ann; /* borrowed: node rules and endpoints */
	/* Whether node (borrowed name) may own addresses of Eip e now. */
	bool (*can_own)(const char *node, const struct cfg_eip *e, void *arg);
	/* Optional: node is known to lack Eip e's interface (it said so in
	 * its heartbeats). It then takes no place among the first ones:
	 * nodes further down, up to L2_PLAN_MAX_PLACES in all, watch and
	 * may own instead. */
	bool (*unserved)(const char *node, const struct cfg_eip *e, void *arg);
	void *arg;
};

/* One layer 2 address. Pointers are borrowed from the set (and node
 * names from the set's Nodes or opts.node): valid while the set is. */
struct l2_plan_addr {
	struct core_addr addr;
	const struct cfg_service *svc; /* the first Service with the address */
	const struct cfg_eip *eip;     /* the layer2 Eip it lies in */
	const char *owner;             /* NULL: no eligible node can own it */
	bool watched;                  /* this node is among the first places */
	size_t self_place;             /* which one (0: first in line); valid when watched */
	/* The nodes ahead of this one (places 0 .. self_place - 1), the ones
	 * it watches for this address: borrowed like owner. */
	const char *ahead[L2_PLAN_MAX_PLACES - 1];
};

struct l2_plan {
	struct l2_plan_addr *v; /* owned array, sorted by address, one entry per address */
	size_t n;
	const char **watch; /* owned array of borrowed names, sorted, distinct */
	size_t n_watch;
};

void l2_plan_init(struct l2_plan *p);
void l2_plan_fini(struct l2_plan *p);

/* The plan for set (borrowed) into *out (emptied first). 0 or -ENOMEM
 * (*out then empty). */
int l2_plan_build(const struct cfg_set *set, const struct l2_plan_opts *o, struct l2_plan *out);

/* The pool with a layer 2 announcement that holds a, or NULL (borrowed from set). */
const struct cfg_eip *l2_plan_eip(const struct cfg_set *set, const struct core_addr *a);

/* The entry for a, or NULL. */
const struct l2_plan_addr *l2_plan_find(const struct l2_plan *p, const struct core_addr *a);

#endif
