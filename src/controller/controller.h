/*
 * The controller daemon's glue: informers on Services, Eips and
 * Namespaces feed the pure decision engine (controller/ctrl.h), whose actions are
 * written back to the API server (Service object + status, Eip status,
 * Events), under Lease leader election (k8s/lease.h), with metrics and
 * health on obs/http.h. Everything runs on one libev loop.
 *
 * Every replica also ensures, once at start-up, that the Secret with the
 * layer 2 speakers' shared heartbeat key exists (controller/member_secret.h).
 *
 * Who acts: without leader election at once; with it, only while this
 * replica holds the Lease. Every replica keeps its informers and feeds an
 * engine that only records until it is synced, which happens when this
 * replica starts acting, so the allocator is rebuilt from what the
 * cluster shows (never renumbered). A replica that stops acting drops
 * that engine, cancelling its writes, and builds a fresh one (the Service
 * informer keeps no objects, so that means listing the Services again).
 *
 * Memory: Services are not cached as JSON (the informer keeps only key
 * and resourceVersion, k8s/known.h); the engine's decoded state is the
 * only copy.
 *
 * Writes: at most max_inflight objects at a time, one at a time per
 * object (a newer action for a busy object waits and replaces any older
 * waiting one). Services get patches of only what berth owns (see
 * controller_write.c); a 409 on a patch's resourceVersion precondition
 * makes the engine decide again from the newer object. Eips are PUT from
 * the informer's copy; a 409 falls back to k8s_update_retry (GET,
 * re-apply, PUT). A write that fails otherwise makes the engine re-check
 * every object after a backoff (lb_ctrl_resync).
 */
#ifndef BERTH_CONTROLLER_H
#define BERTH_CONTROLLER_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "k8s/config.h"

#define CONTROLLER_COMPONENT  "berth-controller"
#define CONTROLLER_LEASE_NAME "berth-controller"

struct controller_opts {
	/* All strings borrowed for controller_new (copied). */
	const char *lb_class;       /* NULL: LB_DEFAULT_CLASS */
	bool leader_elect;          /* false: act at once (one replica) */
	const char *lease_ns;       /* NULL: the kubeconfig's namespace */
	const char *lease_name;     /* NULL: CONTROLLER_LEASE_NAME */
	const char *identity;       /* required with leader_elect */
	uint32_t lease_duration_ms; /* 0: the elector's defaults (15000, */
	uint32_t renew_deadline_ms; /*    10000, 2000) */
	uint32_t retry_period_ms;
	const char *metrics_address; /* NULL or "none": no HTTP endpoint */
	const char *health_address;  /* NULL or "none": probes on metrics_address only */
	unsigned max_inflight;       /* objects written at once; 0: 16 */
	const char *version;         /* berth_build_info; NULL: "unknown" */
	/* The layer 2 heartbeat key's Secret, ensured at start-up by every
	 * replica (controller/member_secret.h): "NS/NAME", "NAME" (in
	 * lease_ns) or "none"; NULL: MEMBER_SECRET_NAME in lease_ns. */
	const char *member_secret;
	/* MetalLB's namespace, where its metallb.io objects are read (only
	 * if served: docs/metallb.md); NULL: CFG_METALLB_NS. */
	const char *metallb_ns;
};

struct controller;

/*
 * loop: borrowed, must outlive the controller. cfg: copied. Returns 0
 * with *out (caller owns, controller_free), or a negative errno with the
 * reason in err (NUL-terminated).
 */
int controller_new(struct ev_loop *loop, const struct k8s_config *cfg,
                   const struct controller_opts *o, struct controller **out, char *err,
                   size_t errlen);
/* Starts the informers and the election (or acts at once). */
int controller_start(struct controller *c);

/*
 * Clean stop: stops acting at once (writes in flight are cancelled; the
 * next leader redoes them, the engine being idempotent), releases the
 * Lease when leading so another replica takes over without waiting for
 * it to expire, then calls done(arg) from the loop (at most ~3 s later).
 */
void controller_shutdown(struct controller *c, void (*done)(void *arg), void *arg);
/* c may be NULL. */
void controller_free(struct controller *c);

/* The metrics endpoint's bound port, 0 without one. */
uint16_t controller_metrics_port(const struct controller *c);
/* True while this replica acts (leads, or runs without election). */
bool controller_active(const struct controller *c);

#endif
