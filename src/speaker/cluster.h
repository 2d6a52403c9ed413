/*
 * The speaker's cluster mode: informers on Services, EndpointSlices, this
 * Node, BgpConfs, BgpPeers, Eips and the Secrets of the speaker's own
 * namespace (BgpPeer passwords); Services and EndpointSlices are
 * decoded one by one into the store (speaker/store.h), the few other
 * objects are kept as JSON (the informers' cache layer) and decoded again
 * into the store's cfg_set when one changes; after any change (debounced)
 * that set goes to speaker_apply. Back to the API: per-node
 * session state in BgpPeer status.nodesPeerStatus (merge patch, only on
 * change, at most once per status_interval_ms per peer), Events on
 * Services when this node starts or stops announcing them, and on a
 * BgpPeer when its password's Secret or key is missing or unusable, and
 * when it is loaded again or changes. Impure.
 */
#ifndef BERTH_SPEAKER_CLUSTER_H
#define BERTH_SPEAKER_CLUSTER_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/config.h"
#include "k8s/served.h"
#include "obs/metrics.h"
#include "speaker/speaker.h"

struct speaker_cluster_opts {
	const char *node;             /* borrowed during _new (copied) */
	const struct k8s_config *cfg; /* borrowed during _new (k8s_config_discover) */
	/* borrowed during _new (copied): the speaker's namespace, the only one
	 * whose Secrets are listed and watched; NULL or "": "default" */
	const char *ns;
	/* borrowed during _new (copied): MetalLB's namespace, where its
	 * metallb.io objects and the Secrets of its BGPPeers are read; NULL
	 * or "": CFG_METALLB_NS */
	const char *metallb_ns;
	struct obs_registry *metrics; /* borrowed, may be NULL */
	struct k8s_served *served;    /* borrowed, may be NULL: the informers report to it */
	uint32_t debounce_ms;         /* default 5: a change costs one pass, not a rebuild */
	uint32_t status_interval_ms;  /* default 1000 */
};

struct speaker_cluster;

/* Connects nothing yet. Returns 0 or a negative errno; err (errlen
 * bytes) says why. */
int speaker_cluster_new(struct ev_loop *loop, const struct speaker_cluster_opts *o,
                        struct speaker_cluster **out, char *err, size_t errlen);
/* The hooks to give the speaker (speaker_opts.hooks). */
void speaker_cluster_hooks(struct speaker_cluster *c, struct speaker_hooks *h);
/* The Events of layer 2 (speaker_opts.l2.hooks). */
void speaker_cluster_l2_hooks(struct speaker_cluster *c, struct speaker_l2_hooks *h);
/* For speaker_opts.ready_on (arg: c): EndpointSlices from the store. */
bool speaker_cluster_ready_on(const char *ns, const char *name, const char *node, void *arg);
/* For speaker_opts.ready_count (arg: c): the same store, counted. */
uint32_t speaker_cluster_ready_count(const char *ns, const char *name, const char *node, void *arg);
/* Starts the informers; the speaker (borrowed, must outlive c) gets its
 * first configuration once every informer has listed. */
int speaker_cluster_start(struct speaker_cluster *c, struct speaker *s);
/* Ready once every informer synced and the first set was applied. */
bool speaker_cluster_ready(const struct speaker_cluster *c, char *why, size_t len);
/* Brings the watch counters in the registry up to date (before a scrape). */
void speaker_cluster_metrics(struct speaker_cluster *c);
/* Stops informers and writers (no more applies). */
void speaker_cluster_stop(struct speaker_cluster *c);
/* Writes (status, events) still in flight. */
unsigned speaker_cluster_pending(const struct speaker_cluster *c);
void speaker_cluster_free(struct speaker_cluster *c);

#endif
