/*
 * The speaker daemon's /metrics, /healthz and /readyz (README.md "Metrics
 * and probes"): the registry with berth's families, what the speaker
 * exports (per peer: session state, prefixes announced and received,
 * UPDATEs sent, malformed UPDATEs; per BFD session: state, flaps,
 * detection time, and BFD's packet counters; in cluster mode the watch
 * counters;
 * the HTTP servers' own), refreshed when scraped, and readiness. The
 * controller's counterpart is src/controller/controller_obs.c; cmd/berth
 * only passes the flags.
 *
 * Ready: in manifest mode once started (speaker_new loaded them); in
 * cluster mode once every informer synced and the first configuration
 * was applied (speaker_cluster_ready), and not while a resource it lists
 * is not served (k8s/served.h); never after speaker_obs_stopping.
 */
#ifndef BERTH_SPEAKER_OBS_H
#define BERTH_SPEAKER_OBS_H

#include <ev.h>
#include <stddef.h>

#include "k8s/served.h"
#include "obs/metrics.h"
#include "speaker/cluster.h"
#include "speaker/speaker.h"

struct speaker_obs_opts {
	const char *metrics_address; /* borrowed; NULL or "none": no metrics server */
	const char *health_address;  /* borrowed; NULL or "none": no probes server */
	const char *version;         /* borrowed, static; berth_build_info */
};

struct speaker_obs;

/* The registry only: serving starts with speaker_obs_start. loop and o's
 * strings: borrowed, must outlive *out. Returns 0 or -ENOMEM (err, errlen
 * bytes, says why). */
int speaker_obs_new(struct ev_loop *loop, const struct speaker_obs_opts *o,
                    struct speaker_obs **out, char *err, size_t errlen);
/* The registry (owned by so) for speaker_cluster_opts.metrics. */
struct obs_registry *speaker_obs_registry(struct speaker_obs *so);
/* The tracker of resources the API server does not serve (owned by so),
 * for speaker_cluster_opts.served: /readyz gives its reason. */
struct k8s_served *speaker_obs_served(struct speaker_obs *so);
/* Starts the servers. sp and cluster (NULL in manifest mode): borrowed,
 * read by the servers' callbacks, which run only from the loop: once the
 * loop no longer runs they may go before so (whose registry the
 * cluster's hooks write to until it is freed). Returns 0 or a negative
 * errno, err naming the flag. */
int speaker_obs_start(struct speaker_obs *so, struct speaker *sp, struct speaker_cluster *cluster,
                      char *err, size_t errlen);
/* A clean stop began: /readyz answers 503 "shutting down" from now on. */
void speaker_obs_stopping(struct speaker_obs *so);
/* Stops the servers, frees the registry; so may be NULL. */
void speaker_obs_free(struct speaker_obs *so);

#endif
