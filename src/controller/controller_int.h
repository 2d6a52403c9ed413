/* Internals shared by the files of src/controller. */
#ifndef BERTH_CONTROLLER_INT_H
#define BERTH_CONTROLLER_INT_H

#include <jansson.h>

#include "controller/controller.h"
#include "controller/ctrl.h"
#include "controller/member_secret.h"
#include "k8s/client.h"
#include "k8s/event.h"
#include "k8s/informer.h"
#include "k8s/lease.h"
#include "obs/http.h"
#include "obs/metrics.h"

/* Families of the controller's own, next to obs/families.h. */
#define CTL_WRITES         "berth_controller_writes_total"
#define CTL_WRITE_FAILURES "berth_controller_write_failures_total"
#define CTL_EVENTS_DROPPED "berth_controller_events_dropped_total"
#define CTL_DECODE_ERRORS  "berth_controller_decode_errors_total"
#define CTL_RESYNCS        "berth_controller_resyncs_total"
#define CTL_CONFLICTS      "berth_controller_write_conflicts_total"

/* resourceVersions are opaque strings; a longer one is treated as unknown
 * (the write then goes without a precondition and writes the time anew). */
#define CTL_RV_MAX 64

/* MetalLB's kinds come last, from CTL_INF_MLB_POOL on: optional
 * informers in MetalLB's namespace, their objects kept (few, small). */
enum ctl_inf {
	CTL_INF_SVC = 0,
	CTL_INF_EIP,
	CTL_INF_NS,
	CTL_INF_PEER,
	CTL_INF_MLB_POOL,
	CTL_INF_MLB_PEER,
	CTL_INF_MLB_BGP_ADV,
	CTL_INF_MLB_L2_ADV,
	CTL_INF_MLB_BFD,
	CTL_INF_MLB_COMMUNITY,
	CTL_INF_N
};
#define CTL_INF_MLB_N (CTL_INF_N - CTL_INF_MLB_POOL)

/* One object being written: an action in progress and, when the engine
 * produced a newer one for the same object meanwhile, that one next. */
struct ctl_write {
	struct controller *c;      /* borrowed */
	struct ctl_write *next;    /* the in-flight list */
	struct lb_action act;      /* owned */
	struct lb_action queued;   /* owned; type LB_ACT_NONE when none */
	char key[K8S_KEY_MAX + 8]; /* "s/ns/name" or "e/name" */
	unsigned stage;            /* index into the action's stages */
	bool wrote;                /* a stage of this action was written */
	bool conflicted;           /* ended by a 409 on a precondition */
	/* Services (patches): the resourceVersion of the object act was
	 * computed from, then of the object a stage wrote ("" unknown); and
	 * whether berth's condition there has act's status (-1: act's own
	 * keep_time, from the engine's view). */
	char rv[CTL_RV_MAX];
	char rv_queued[CTL_RV_MAX]; /* the same for queued */
	int keep_time;
	char sent_rv[CTL_RV_MAX]; /* the precondition of the patch in flight, "" none */
	struct k8s_req *req;      /* the patch in flight */
	char now[K8S_TIME_MAX];   /* lastTransitionTime for this action */
};

struct ctl_inf_arg {
	struct controller *c;
	enum ctl_inf which;
};

struct controller {
	struct ev_loop *loop; /* borrowed */
	struct ctl_inf_arg inf_arg[CTL_INF_N];
	struct k8s_client *client;
	struct k8s_informer *inf[CTL_INF_N];
	/* The Namespaces, whole: a new engine is fed from here. Services and
	 * Eips keep no objects (an Eip's status lists every address it gave):
	 * a new engine lists them again. */
	struct k8s_cache ns_cache;
	/* MetalLB's objects, whole (CTL_INF_MLB_POOL on): the configuration
	 * is checked across them (controller_mlb.c), and pools feed a new
	 * engine from here. */
	struct k8s_cache mlb_cache[CTL_INF_MLB_N];
	char *mlb_ns;
	/* What the last notes pass said on each MetalLB object ("Kind/ns/name"
	 * -> message), so that each is said once (owned); the pass runs on
	 * notes_timer after a change. */
	json_t *noted;
	ev_timer notes_timer;
	struct k8s_elector *elector;  /* NULL without --leader-elect */
	struct member_secret *member; /* NULL with --member-secret none, or once stopping */
	struct k8s_recorder *rec;
	struct obs_registry *reg;
	struct obs_http_pair srv; /* metrics, and probes alone (obs/http.h) */

	char *lb_class;
	char *identity;
	char *lease_ns, *lease_name;
	struct controller_opts o; /* strings above; others borrowed as NULL */

	/* The engine is fed by the informers whether or not this replica
	 * acts (the Service informer keeps no objects to feed a new one
	 * from); it decides only once synced, which only an acting replica
	 * does. NULL only when it could not be made. */
	struct lb_ctrl *engine;
	uint64_t engine_drops; /* the engine's dropped events already counted */
	bool active;
	bool initial_drained;     /* after lb_ctrl_synced, the queue ran empty once */
	struct ctl_write *writes; /* in flight, at most o.max_inflight */
	unsigned n_writes;
	ev_timer drain_timer; /* drains the engine's queue on the next loop turn */
	ev_timer resync_timer;
	uint32_t resync_delay_ms; /* backoff after failed writes */

	/* Shutdown. */
	bool stopping;
	void (*stop_done)(void *arg);
	void *stop_arg;
	ev_timer stop_timer;

	/* Resources the server does not serve (k8s/served.h), for /readyz. */
	struct k8s_served served;

	/* Last informer stats turned into counters. */
	struct k8s_informer_stats seen[CTL_INF_N];
};

/* controller_feed.c: informer callbacks and building an engine. */
extern const struct k8s_resource *const ctl_inf_res[CTL_INF_N];
void ctl_feed_add(enum ctl_inf which, const json_t *obj, struct controller *c);
void ctl_feed_delete(enum ctl_inf which, const json_t *obj, struct controller *c);
/* Feeds the cached Namespaces into c->engine (failures are logged);
 * Eips and Services come from their informers' own (re-)lists. */
void ctl_feed_cached(struct controller *c);
bool ctl_all_synced(const struct controller *c);
/* A log line on an object that does not decode and, with warn_event
 * while acting, a Warning InvalidObject Event on it. */
void ctl_report_bad(struct controller *c, const json_t *obj, const char *kind,
                    const char *api_version, bool warn_event, const char *msg);

/* controller_mlb.c: MetalLB's configuration across objects, as Events. */
void ctl_mlb_init(struct controller *c); /* the timer, once */
/* Something of MetalLB's changed, or this replica began acting: a pass
 * soon. */
void ctl_mlb_changed(struct controller *c);
/* Stops the timer; forgets what was said (a new leader says it again). */
void ctl_mlb_reset(struct controller *c);
/* A pool that does not decode, or another kind's object: whether it goes
 * to the engine (pools), in an Event on the object when it is refused. */
void ctl_mlb_feed(struct controller *c, enum ctl_inf which, const json_t *obj);
void ctl_mlb_delete(struct controller *c, enum ctl_inf which, const json_t *obj);

/* controller_write.c: draining the engine and writing. */
void ctl_write_init(struct controller *c); /* the timers, once */
void ctl_schedule_drain(struct controller *c);
void ctl_drain(struct controller *c);
/* Cancels every write in flight (no callbacks after). */
void ctl_writes_cancel(struct controller *c);

/* controller_obs.c: metrics and readiness. */
int ctl_obs_init(struct controller *c, char *err, size_t errlen);
void ctl_obs_fini(struct controller *c);
void ctl_obs_count(struct controller *c, const char *family, const char *label);

#endif
