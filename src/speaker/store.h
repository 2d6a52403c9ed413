/*
 * The cluster-mode speaker's objects, kept current one at a time: the
 * Services in a plain cfg_set (the set the speaker applies, the same
 * representation as manifest mode's), decoded and trimmed to what
 * announcing needs (cfg_service_trim), and the EndpointSlices, trimmed to
 * one entry per node with a ready endpoint and its count
 * (cfg_endpoint_slice_trim) and indexed by Service. A change costs one decode, not a rebuild. The
 * configuration (BgpConf, BgpPeers, Eips, Nodes, the Secrets of the
 * speaker's namespace) is few objects: it is replaced whole.
 *
 * Only Services of type LoadBalancer with an ingress IP are kept, and
 * only EndpointSlices with a ready endpoint: nothing else can make a node
 * announce or answer for anything.
 */
#ifndef BERTH_SPEAKER_STORE_H
#define BERTH_SPEAKER_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "core/idx.h"

struct speaker_store {
	char node[256];
	/* What the speaker applies: the Services (changed by the functions
	 * below) and the configuration (speaker_store_config); no slices. */
	struct cfg_set set;
	struct cfg_endpoint_slice *sl; /* owned, dense */
	size_t n_sl, cap_sl;
	struct core_idx sl_ix;     /* (namespace, slice name) */
	struct core_idx sl_svc_ix; /* (namespace, Service name), repeats */
	/* Called with a Service as it leaves the store (deleted, or no longer
	 * a LoadBalancer with an address), before it is freed. */
	void (*gone)(const struct cfg_service *old, void *arg);
	void *arg;
};

int speaker_store_init(struct speaker_store *st, const char *node);
void speaker_store_fini(struct speaker_store *st);

/* obj: a Service (borrowed). Decoded and kept, replacing the one of the
 * same name; dropped if it is no LoadBalancer with an address. Returns 0,
 * or a negative errno with err filled (the object is then dropped too:
 * the informer reports it as gone). */
int speaker_store_service_put(struct speaker_store *st, const json_t *obj, struct cfg_error *err);
/* 1 when it was kept, 0 when not. */
int speaker_store_service_del(struct speaker_store *st, const char *ns, const char *name);
int speaker_store_slice_put(struct speaker_store *st, const json_t *obj, struct cfg_error *err);
int speaker_store_slice_del(struct speaker_store *st, const char *ns, const char *name);
/* Some EndpointSlice of Service ns/name has a ready endpoint on node
 * (borrowed; this node or another: layer 2 chooses among all). */
bool speaker_store_ready_on(const struct speaker_store *st, const char *ns, const char *name,
                            const char *node);
/* How many ready endpoints of Service ns/name are on node, summed over
 * its EndpointSlices as cfg_slices_ready_count sums them (per
 * addressType, the largest; link bandwidth weights, speaker/announce.h). */
uint32_t speaker_store_ready_count(const struct speaker_store *st, const char *ns, const char *name,
                                   const char *node);

/* The BgpConf, BgpPeers, Eips, Nodes, Secrets and MetalLB's namespace and other
 * kinds (advertisements, BFDProfiles, Communities, ignored) of st->set become those of cfg,
 * which gets the old ones back (to be freed with cfg_set_fini). */
void speaker_store_config(struct speaker_store *st, struct cfg_set *cfg);

#endif
