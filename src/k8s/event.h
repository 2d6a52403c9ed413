/*
 * core/v1 Events as client-go's record.EventRecorder writes them.
 *
 * The correlator (pure) decides per event, like client-go's
 * EventCorrelator:
 *  - aggregation: more than K8S_EVC_SIMILAR_MAX events of one object,
 *    type and reason with different messages within
 *    K8S_EVC_SIMILAR_WINDOW_MS become one event with the message
 *    "(combined from similar events): MSG";
 *  - deduplication: a repeat of an event (same object, type, reason,
 *    message, source) patches the earlier Event's count and
 *    lastTimestamp instead of creating another;
 *  - spam filter: per source and object a token bucket of
 *    K8S_EVC_SPAM_BURST events refilled one per K8S_EVC_SPAM_REFILL_MS;
 *    events beyond are dropped.
 * Each of the three tables holds at most K8S_EVC_CACHE entries (least
 * recently used ones go first): a quarter of client-go's 4096, since
 * each entry costs some 64 bytes (64 bits of its key, evcorr.c) plus the
 * Event's name or messages, and a speaker with 10,000 Services must stay
 * within a few megabytes; what it costs is that a repeat more than 1024
 * distinct events later is created anew instead of counted.
 *
 * The recorder (impure) writes the results in order, one request at a
 * time; a patch of an Event that has meanwhile expired (404) becomes a
 * create. Errors are logged, never returned to the emitter.
 */
#ifndef BERTH_K8S_EVENT_H
#define BERTH_K8S_EVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "k8s/client.h"

#define K8S_EVC_CACHE             1024
#define K8S_EVC_SIMILAR_MAX       10
#define K8S_EVC_SIMILAR_WINDOW_MS 600000
#define K8S_EVC_SPAM_BURST        25
#define K8S_EVC_SPAM_REFILL_MS    300000
#define K8S_EVENT_MSG_MAX         1024
#define K8S_EVENT_NAME_MAX        300

/* The involved object. All borrowed. */
struct k8s_objref {
	const char *kind;        /* "Service" */
	const char *api_version; /* "v1" */
	const char *ns;          /* NULL for cluster-scoped objects */
	const char *name;
	const char *uid; /* may be NULL */
};

/* Fills ref with strings borrowed from obj. Returns 0 or -EINVAL (no
 * kind or name). */
int k8s_objref_from(const json_t *obj, struct k8s_objref *ref);

struct k8s_event_in {
	struct k8s_objref obj;
	const char *type;   /* "Normal" or "Warning" */
	const char *reason; /* UpperCamelCase, e.g. "IPAllocated" */
	const char *message;
	const char *component; /* source.component, e.g. "berth-controller" */
	const char *host;      /* source.host, e.g. the node; may be NULL */
};

enum k8s_evc_act { K8S_EVC_CREATE = 0, K8S_EVC_PATCH, K8S_EVC_DROP };

struct k8s_evc_out {
	enum k8s_evc_act act;
	char name[K8S_EVENT_NAME_MAX];   /* the Event's metadata.name */
	char message[K8S_EVENT_MSG_MAX]; /* possibly combined, truncated */
	uint32_t count;
	uint64_t first_ms; /* firstTimestamp */
};

struct k8s_evcorr;

int k8s_evcorr_new(struct k8s_evcorr **out);
void k8s_evcorr_free(struct k8s_evcorr *ec);
/* Names are "<object>.<hex ns>" with the nanoseconds made up of the ms
 * clock and a counter: speakers on several nodes report the same Service
 * within one millisecond, so each process starts its counter at its own
 * random seed or their first Events would share a name (409 on create). */
void k8s_evcorr_seed(struct k8s_evcorr *ec, uint32_t seed);
/* The Event named old could not be created (the name was taken): a fresh
 * name into name, which later updates of the same Event will use. */
int k8s_evcorr_rename(struct k8s_evcorr *ec, const char *old, uint64_t now,
                      char name[K8S_EVENT_NAME_MAX]);
/* now: wall clock, ms. Returns 0 or -EINVAL (missing fields), -ENOMEM. */
int k8s_evcorr_observe(struct k8s_evcorr *ec, const struct k8s_event_in *ev, uint64_t now,
                       struct k8s_evc_out *out);

/* ---- recorder ---- */

struct k8s_recorder;

struct k8s_recorder_stats {
	unsigned created, patched, dropped, failed;
};

/* c: borrowed, must outlive the recorder. component, host: copied (host
 * may be NULL). */
int k8s_recorder_new(struct k8s_client *c, const char *component, const char *host,
                     struct k8s_recorder **out);
/* Pending writes are abandoned. r may be NULL. */
void k8s_recorder_free(struct k8s_recorder *r);

/* Records an event about ref (type "Normal" or "Warning"). Returns 0 when
 * queued or dropped by the spam filter, -EINVAL for bad arguments,
 * -ENOBUFS when too many writes are pending. */
int k8s_event_emit(struct k8s_recorder *r, const struct k8s_objref *ref, const char *type,
                   const char *reason, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void k8s_recorder_stats(const struct k8s_recorder *r, struct k8s_recorder_stats *out);
/* Writes queued or in flight. */
unsigned k8s_recorder_pending(const struct k8s_recorder *r);

#endif
