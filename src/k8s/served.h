/*
 * Which resources the API server does not serve. A list answered 404
 * means the resource's group/version is not served: a Kubernetes older
 * than berth supports, or, for berth's own resources, a CRD that is not
 * installed (a real kube-apiserver answers both with a NotFound Status,
 * "the server could not find the requested resource"). An informer
 * retries such a list forever with backoff, which is right (a CRD may be
 * installed later), but a bare 404 at each retry tells the operator
 * nothing. Both daemons give their informers one tracker
 * (k8s_informer_opts.served); it decides when the full explanation is
 * logged (the first time, then at most once per repeat_ms while it
 * lasts) and gives /readyz its reason.
 *
 * Supported: Kubernetes 1.21 or newer (discovery.k8s.io/v1 EndpointSlices
 * since 1.21, coordination.k8s.io/v1 Leases since 1.14), berth's CRDs
 * from `kubectl apply -k deploy/`.
 *
 * Pure (time is a parameter) but for k8s_served_report, the informers'
 * thin wrapper with the clock and the log. Resources are borrowed and
 * must outlive the tracker (the k8s_res_* constants).
 */
#ifndef BERTH_K8S_SERVED_H
#define BERTH_K8S_SERVED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/api.h"

#define K8S_SUPPORTED_VERSIONS "Kubernetes 1.21 or newer"
#define K8S_SERVED_MAX         16                 /* resources followed */
#define K8S_SERVED_REPEAT_MS   (5u * 60u * 1000u) /* the full message again */

struct k8s_served_ent {
	const struct k8s_resource *res; /* borrowed */
	uint64_t logged_ms;             /* when the full message was last due */
	bool missing;                   /* the last list or watch was a 404 */
};

/* Caller storage: k8s_served_init, nothing to free. */
struct k8s_served {
	struct k8s_served_ent ent[K8S_SERVED_MAX];
	size_t n;
	uint64_t repeat_ms; /* K8S_SERVED_REPEAT_MS after init; tests shorten it */
};

enum k8s_served_verdict {
	K8S_SERVED_QUIET = 0, /* nothing to log */
	K8S_SERVED_MISSING,   /* log the full message (k8s_served_explain) now */
	K8S_SERVED_BACK,      /* served again after a 404: say so */
};

void k8s_served_init(struct k8s_served *s);

/*
 * One answer to a list or watch of res at now_ms: code 404 is "not
 * served", 2xx "served"; any other code (0 for transport errors, 410,
 * 5xx...) says nothing about it and changes nothing. More than
 * K8S_SERVED_MAX resources: the extra ones are not followed (QUIET).
 */
enum k8s_served_verdict k8s_served_note(struct k8s_served *s, const struct k8s_resource *res,
                                        int code, uint64_t now_ms);

/* One line: what is not served and what to do (upgrade, or install the
 * CRD with `kubectl apply -k deploy/`); buf: len bytes, NUL-terminated. */
void k8s_served_explain(const struct k8s_resource *res, char *buf, size_t len);

/* True when no resource is missing; else false with the first missing
 * one's k8s_served_explain in why (len bytes) and how many more are. */
bool k8s_served_ok(const struct k8s_served *s, char *why, size_t len);

/* Impure: k8s_served_note at the monotonic clock, logging the verdict
 * (error, or info once served again). Returns true while res is missing,
 * so the informer keeps its own line about the failure for debug. s may
 * be NULL: false. */
bool k8s_served_report(struct k8s_served *s, const struct k8s_resource *res, int code);

#endif
