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
 * Makes the interface hold exactly the host routes of the union of
 * want[0..n_want) (borrowed: BGP's and layer 2's, without a copy that
 * joins them; entries other than /32 and /128 with path id 0 fail the
 * sync with -EINVAL before anything changes). Conflicts go to *conf
 * (owned array, free()) / *n_conf. Returns 0 or a negative errno (logged;
 * *conf is then NULL).
 */
int speaker_lbif_sync(struct speaker_lbif *l, const struct prefix_set *const *want, size_t n_want,
                      struct speaker_conflict **conf, size_t *n_conf);

#endif
