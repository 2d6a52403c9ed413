/*
 * Event recorder: correlates (evcorr.c), then writes Events one at a
 * time, in order, so the counts of repeats arrive in order too.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "core/log.h"
#include "core/strs.h"
#include "core/clock.h"
#include "k8s/event.h"

/* Events waiting to be written (client-go's broadcaster holds 1000). A
 * burst larger than this (10,000 Services announced at start) is dropped
 * and counted anyway. */
#define QUEUE_MAX 256

/* The strings of a queued write, in ev_write.str, each NUL-terminated. */
enum { S_NS, S_TYPE, S_REASON, S_MSG, S_NOW, S_KIND, S_REF_NS, S_NAME, S_UID, S_APIV, S_N };

/* A queued write keeps only the fields: its JSON is built when it is sent
 * (a whole Event in jansson is some 4 kB, and the queue is full after a
 * burst). */
struct ev_write {
	struct ev_write *next;
	enum k8s_evc_act act;
	bool renamed; /* once: a second clash is not chance */
	uint32_t count;
	uint64_t first_ms;
	/* Into str, with room for a rename (which changes only the hex
	 * after the last dot): 300 bytes a queued write kept for a name of
	 * some 40 were 60 kB with the queue full. */
	char *name;
	size_t name_cap;
	char *s[S_N]; /* into str; NULL where not given */
	char str[];   /* owned */
};

struct k8s_recorder {
	struct k8s_client *c; /* borrowed */
	char *component;      /* owned */
	char *host;           /* owned, may be NULL */
	struct k8s_evcorr *ec;
	struct ev_write *head, *tail; /* owned queue; head is in flight when req */
	unsigned n;
	unsigned full; /* drops since the queue was last full */
	struct k8s_req *req;
	struct k8s_recorder_stats st;
};

static void write_free(struct ev_write *w)
{
	free(w);
}

static void start_next(struct k8s_recorder *r);

static void on_written(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct k8s_recorder *r = arg;
	struct ev_write *w = r->head;
	char fresh[K8S_EVENT_NAME_MAX];

	r->req = NULL;
	if (rc == -ENOENT && w->act == K8S_EVC_PATCH) {
		/* The Event expired (the apiserver keeps them an hour) or was
		 * deleted: write it anew, with the count it has reached. */
		w->act = K8S_EVC_CREATE;
		start_next(r);
		return;
	}
	if (rc == -EEXIST && w->act == K8S_EVC_CREATE && !w->renamed &&
	    !k8s_evcorr_rename(r->ec, w->name, core_wall_ms(), fresh) &&
	    strlen(fresh) < w->name_cap) {
		/* Another process took the name (same object, same instant). */
		memcpy(w->name, fresh, strlen(fresh) + 1);
		w->renamed = true;
		start_next(r);
		return;
	}
	if (rc == 0 && w->act == K8S_EVC_PATCH) {
		r->st.patched++;
	} else if (rc == 0) {
		r->st.created++;
	} else {
		r->st.failed++;
		log_warn("k8s: event %s/%s: %s", w->s[S_NS], w->name,
		         st->message[0] ? st->message : strerror(-rc));
	}
	r->head = w->next;
	if (!r->head)
		r->tail = NULL;
	r->n--;
	write_free(w);
	start_next(r);
}

static int set_opt(json_t *o, const char *key, const char *v)
{
	if (!v)
		return 0;
	return json_object_set_new(o, key, json_string(v)) ? -ENOMEM : 0;
}

static json_t *build_event(const struct k8s_recorder *r, const struct ev_write *w)
{
	char first[K8S_TIME_MAX];
	json_t *ev, *inv, *src;

	if (k8s_time_format(w->first_ms, false, first, sizeof(first)))
		return NULL;
	ev = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{}, s:s, s:s, s:s, s:{}, s:s, s:s, s:i, s:n, "
	               "s:s, s:s}",
	               "apiVersion", "v1", "kind", "Event", "metadata", "name", w->name,
	               "namespace", w->s[S_NS], "involvedObject", "reason", w->s[S_REASON],
	               "message", w->s[S_MSG], "type", w->s[S_TYPE], "source", "firstTimestamp",
	               first, "lastTimestamp", w->s[S_NOW], "count", (json_int_t)w->count,
	               "eventTime", "reportingComponent", r->component, "reportingInstance",
	               r->host ? r->host : "");
	inv = json_object_get(ev, "involvedObject");
	src = json_object_get(ev, "source");
	if (!ev || set_opt(inv, "kind", w->s[S_KIND]) ||
	    set_opt(inv, "namespace", w->s[S_REF_NS]) || set_opt(inv, "name", w->s[S_NAME]) ||
	    set_opt(inv, "uid", w->s[S_UID]) || set_opt(inv, "apiVersion", w->s[S_APIV]) ||
	    set_opt(src, "component", r->component) || set_opt(src, "host", r->host)) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

static json_t *build_patch(const struct ev_write *w)
{
	return json_pack("{s:i, s:s, s:s}", "count", (json_int_t)w->count, "lastTimestamp",
	                 w->s[S_NOW], "message", w->s[S_MSG]);
}

/* One allocation for the write and its strings (NULL ones are absent). */
static struct ev_write *write_new(const struct k8s_objref *ref, const char *type,
                                  const char *reason, const struct k8s_evc_out *co, const char *now)
{
	/* client-go puts Events of cluster-scoped objects in "default". */
	const char *s[S_N] = {
	    [S_NS] = ref->ns && ref->ns[0] ? ref->ns : "default",
	    [S_TYPE] = type,
	    [S_REASON] = reason,
	    [S_MSG] = co->message,
	    [S_NOW] = now,
	    [S_KIND] = ref->kind,
	    [S_REF_NS] = ref->ns,
	    [S_NAME] = ref->name,
	    [S_UID] = ref->uid,
	    [S_APIV] = ref->api_version,
	};
	size_t total = core_strs_size(s, S_N), cap = strlen(co->name) + 1 + 16 + 1;
	struct ev_write *w = calloc(1, sizeof(*w) + total + cap);

	if (!w)
		return NULL;
	w->name = core_strs_copy(w->str, s, S_N, w->s);
	w->name_cap = cap;
	memcpy(w->name, co->name, strlen(co->name) + 1);
	w->act = co->act;
	w->count = co->count;
	w->first_ms = co->first_ms;
	return w;
}

static void start_next(struct k8s_recorder *r)
{
	while (r->head && !r->req) {
		struct ev_write *w = r->head;
		json_t *body = w->act == K8S_EVC_PATCH ? build_patch(w) : build_event(r, w);
		int rc = -ENOMEM;

		if (body && w->act == K8S_EVC_PATCH)
			rc = k8s_patch(r->c, &k8s_res_events, w->s[S_NS], w->name, NULL, body,
			               on_written, r, &r->req);
		else if (body)
			rc = k8s_create(r->c, &k8s_res_events, w->s[S_NS], body, on_written, r,
			                &r->req);
		json_decref(body);
		if (rc == 0)
			return;
		r->st.failed++;
		log_warn("k8s: event %s/%s: cannot send: %s", w->s[S_NS], w->name, strerror(-rc));
		r->head = w->next;
		if (!r->head)
			r->tail = NULL;
		r->n--;
		write_free(w);
	}
}

int k8s_event_emit(struct k8s_recorder *r, const struct k8s_objref *ref, const char *type,
                   const char *reason, const char *fmt, ...)
{
	char msg[K8S_EVENT_MSG_MAX * 2], now[K8S_TIME_MAX];
	struct k8s_event_in in = {0};
	struct k8s_evc_out co;
	struct ev_write *w;
	uint64_t wall = core_wall_ms();
	va_list ap;
	int rc;

	if (!type || (strcmp(type, "Normal") != 0 && strcmp(type, "Warning") != 0))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	in.obj = *ref;
	in.type = type;
	in.reason = reason;
	in.message = msg;
	in.component = r->component;
	in.host = r->host;
	rc = k8s_evcorr_observe(r->ec, &in, wall, &co);
	if (rc)
		return rc;
	if (co.act == K8S_EVC_DROP) {
		r->st.dropped++;
		log_debug("k8s: event %s %s dropped by the spam filter", reason, ref->name);
		return 0;
	}
	if (r->n >= QUEUE_MAX) {
		/* Once per burst: the log must not become the flood. */
		if (!r->full++)
			log_warn("k8s: %u Events waiting to be written: dropping new ones until "
			         "the queue drains (first: %s %s/%s)",
			         r->n, reason, ref->ns ? ref->ns : "", ref->name);
		r->st.dropped++;
		return -ENOBUFS;
	}
	if (r->full) {
		log_warn("k8s: Event queue drained; %u Events were dropped", r->full);
		r->full = 0;
	}
	if (k8s_time_format(wall, false, now, sizeof(now)))
		return -ENOMEM;
	if (!(w = write_new(ref, type, reason, &co, now)))
		return -ENOMEM;
	if (r->tail)
		r->tail->next = w;
	else
		r->head = w;
	r->tail = w;
	r->n++;
	start_next(r);
	return 0;
}

int k8s_recorder_new(struct k8s_client *c, const char *component, const char *host,
                     struct k8s_recorder **out)
{
	struct k8s_recorder *r;
	int rc;

	*out = NULL;
	if (!component || !component[0])
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->c = c;
	r->component = strdup(component);
	r->host = host ? strdup(host) : NULL;
	rc = k8s_evcorr_new(&r->ec);
	if (!rc && (!r->component || (host && !r->host)))
		rc = -ENOMEM;
	if (!rc) {
		uint32_t seed = 0;

		/* Without entropy the pid still tells two nodes' speakers apart
		 * more often than not; the names only need to differ. */
		if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
			seed = (uint32_t)getpid() * 2654435761u;
		k8s_evcorr_seed(r->ec, seed);
	}
	if (rc) {
		k8s_recorder_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void k8s_recorder_free(struct k8s_recorder *r)
{
	if (!r)
		return;
	k8s_request_cancel(r->req);
	while (r->head) {
		struct ev_write *w = r->head;

		r->head = w->next;
		write_free(w);
	}
	k8s_evcorr_free(r->ec);
	free(r->component);
	free(r->host);
	free(r);
}

void k8s_recorder_stats(const struct k8s_recorder *r, struct k8s_recorder_stats *out)
{
	*out = r->st;
}

unsigned k8s_recorder_pending(const struct k8s_recorder *r)
{
	return r->n;
}
