/*
 * The interface that holds the announced addresses on the node
 * (kube-lb0), so that the node accepts their traffic whatever kube-proxy's
 * mode. Impure: rtnetlink through src/netlink, logs.
 */
#ifndef BERTH_SPEAKER_LBIF_H
#define BERTH_SPEAKER_LBIF_H

#include <stdbool.h>
#include <stddef.h>

#include "bgp/bgp.h"
#include "bgp/prefix_set.h"
#include "netlink/nl.h"

/* kube-proxy in IPVS mode binds every LoadBalancer ingress address to
 * this interface: finding one there is expected, not a conflict. */
#define SPEAKER_IPVS_IF "kube-ipvs0"

struct speaker_lbif;

/* An address wanted on the interface but present on another one. */
struct speaker_conflict {
	struct core_addr addr;
	char ifname[16]; /* where it is; "?" when the index has no name */
	bool ipvs;       /* on SPEAKER_IPVS_IF: kube-proxy's, announce it anyway */
};

/*
 * Opens the interface name (created up when absent: kind dummy, or ifb
 * on kernels without the dummy driver). Returns 0 with *out set, or a
 * negative errno (logged).
 */
int speaker_lbif_open(const char *name, struct speaker_lbif **out);
void speaker_lbif_free(struct speaker_lbif *l);

/*
 * The addresses the interface is to hold, as speaker_lbif_sync takes
 * them: the host routes of the union of want[0..n_want) (borrowed: BGP's
 * and layer 2's), sorted, each once, into *out (owned array, free()) /
 * *n_out. A copy that the caller's sets need not outlive: the speaker
 * gives its own back before the sync dumps the node's addresses. Entries
 * other than /32 and /128 with path id 0 are refused: -EINVAL (logged),
 * as is -ENOMEM; *out is then NULL.
 */
int speaker_lbif_want(const struct speaker_lbif *l, const struct prefix_set *const *want,
                      size_t n_want, struct nl_addr **out, size_t *n_out);

/*
 * Makes the interface hold exactly addrs[0..n) (speaker_lbif_want's;
 * borrowed). Conflicts go to *conf (owned array, free()) / *n_conf.
 * Returns 0 or a negative errno (logged; *conf is then NULL).
 */
int speaker_lbif_sync(struct speaker_lbif *l, const struct nl_addr *addrs, size_t n,
                      struct speaker_conflict **conf, size_t *n_conf);

#endif
