/*
 * Draining the engine's queue: Events to the recorder, status writes to
 * the API server, a bounded number at a time and one at a time per
 * object.
 *
 * A Service action is two writes, since metadata and status are separate
 * subresources (lb/ctrl.h): SET writes the object (the LB_ANN_POOL
 * marker) before the status, so a crash between the two never leaves
 * addresses without the marker that says berth wrote them; CLEAR removes
 * the addresses first, then the marker.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/controller_int.h"
#include "core/log.h"
#include "obs/families.h"
#include "k8s/api.h"

#define RESYNC_MIN_MS 1000
#define RESYNC_MAX_MS 30000

/* The subresource of stage i ("" for the object itself), NULL past the end. */
static const char *stage_sub(const struct lb_action *a, unsigned i)
{
	static const char *const set[] = {"", "status", NULL};
	static const char *const clear[] = {"status", "", NULL};
	static const char *const eip[] = {"status", NULL};
	const char *const *s = a->type == LB_ACT_SERVICE_STATUS  ? set
	                       : a->type == LB_ACT_SERVICE_CLEAR ? clear
	                                                         : eip;

	for (unsigned k = 0; k < i; k++)
		if (!s[k])
			return NULL;
	return s[i];
}

static bool is_eip(const struct ctl_write *w)
{
	return w->act.type == LB_ACT_EIP_STATUS;
}

static const struct k8s_resource *res_of(const struct ctl_write *w)
{
	return is_eip(w) ? &k8s_res_eips : &k8s_res_services;
}

static const char *ns_of(const struct ctl_write *w)
{
	return is_eip(w) ? NULL : w->act.u.svc.ns;
}

static const char *name_of(const struct ctl_write *w)
{
	return is_eip(w) ? w->act.u.eip.name : w->act.u.svc.name;
}

static int apply(json_t *obj, const struct ctl_write *w)
{
	return is_eip(w) ? lb_action_apply_eip(obj, &w->act)
	                 : lb_action_apply_service(obj, &w->act, w->now);
}

/* Applies the action to obj; 0 when the part that sub writes changed, 1
 * when it did not (nothing to write), or a negative errno. */
static int mutate_part(json_t *obj, const struct ctl_write *w, const char *sub)
{
	const char *part = sub[0] ? "status" : "metadata";
	json_t *before = json_deep_copy(json_object_get(obj, part)), *after;
	int rc = apply(obj, w);

	if (rc == 0) {
		after = json_object_get(obj, part);
		if ((!before && !after) || (before && after && json_equal(before, after)))
			rc = 1;
	}
	json_decref(before);
	return rc;
}

static int upd_mutate(json_t *obj, void *arg)
{
	struct ctl_write *w = arg;

	return mutate_part(obj, w, stage_sub(&w->act, w->stage));
}

static void resync_later(struct controller *c)
{
	if (!c->resync_delay_ms)
		c->resync_delay_ms = RESYNC_MIN_MS;
	if (ev_is_active(&c->resync_timer))
		return;
	ev_timer_set(&c->resync_timer, c->resync_delay_ms / 1000.0, 0.);
	ev_timer_start(c->loop, &c->resync_timer);
	c->resync_delay_ms *= 2;
	if (c->resync_delay_ms > RESYNC_MAX_MS)
		c->resync_delay_ms = RESYNC_MAX_MS;
}

static void count_done(struct controller *c, const struct lb_action *a)
{
	const char *result;

	if (a->type == LB_ACT_SERVICE_STATUS)
		result = a->u.svc.cond.ok          ? "allocated"
		         : a->u.svc.cond.reason[0] ? a->u.svc.cond.reason
		                                   : "failed";
	else if (a->type == LB_ACT_SERVICE_CLEAR)
		result = "released";
	else
		return;
	ctl_obs_count(c, OBS_ALLOCATIONS, result);
}

static void start_stage(struct ctl_write *w);

static void write_free(struct ctl_write *w)
{
	k8s_request_cancel(w->req);
	k8s_update_cancel(w->upd);
	lb_action_fini(&w->act);
	lb_action_fini(&w->queued);
	json_decref(w->base);
	free(w);
}

/* The action ended (rc 0: written, or nothing needed writing). */
static void finish(struct ctl_write *w, int rc, const struct k8s_status *st)
{
	struct controller *c = w->c;
	struct ctl_write **pp;

	w->req = NULL;
	w->upd = NULL;
	if (rc == 0) {
		log_msg(w->wrote ? LOG_LVL_INFO : LOG_LVL_DEBUG, "controller: %s %s%s%s: %s %s",
		        res_of(w)->kind, ns_of(w) ? ns_of(w) : "", ns_of(w) ? "/" : "", name_of(w),
		        w->act.type == LB_ACT_SERVICE_CLEAR ? "release" : "status",
		        w->wrote ? "written" : "already up to date");
		count_done(c, &w->act);
		c->resync_delay_ms = 0;
	} else if (rc == -ENOENT) {
		/* Deleted meanwhile: the informer brings the delete. */
		log_debug("controller: %s: gone before it was written", w->key);
	} else {
		log_warn("controller: writing %s %s%s%s failed: %s; re-checking later",
		         res_of(w)->kind, ns_of(w) ? ns_of(w) : "", ns_of(w) ? "/" : "", name_of(w),
		         st && st->message[0] ? st->message : strerror(-rc));
		ctl_obs_count(c, CTL_WRITE_FAILURES, res_of(w)->kind);
		resync_later(c);
	}
	if (w->queued.type != LB_ACT_NONE) {
		lb_action_fini(&w->act);
		w->act = w->queued;
		memset(&w->queued, 0, sizeof(w->queued));
		/* w->base stays: the object as just written is newer than the
		 * informer's copy, which saves a 409 and a GET. */
		w->stage = 0;
		w->wrote = false;
		k8s_time_format(k8s_wall_ms(), false, w->now, sizeof(w->now));
		start_stage(w);
		return;
	}
	for (pp = &c->writes; *pp && *pp != w; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = w->next;
	c->n_writes--;
	write_free(w);
	ctl_schedule_drain(c);
}

static void next_stage(struct ctl_write *w, json_t *written)
{
	ctl_obs_count(w->c, CTL_WRITES, res_of(w)->kind);
	w->wrote = true;
	json_decref(w->base);
	w->base = json_incref(written);
	w->stage++;
	start_stage(w);
}

static void on_update(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct ctl_write *w = arg;

	w->upd = NULL;
	if (rc)
		finish(w, rc, st);
	else
		next_stage(w, body);
}

static void on_put(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct ctl_write *w = arg;
	const char *sub = stage_sub(&w->act, w->stage);
	struct k8s_update_opts o = {
	    .res = res_of(w),
	    .ns = ns_of(w),
	    .name = name_of(w),
	    .sub = sub[0] ? sub : NULL,
	    .mutate = upd_mutate,
	    .mutate_arg = w,
	    .done = on_update,
	    .done_arg = w,
	};

	w->req = NULL;
	if (rc == 0) {
		next_stage(w, body);
		return;
	}
	if (rc != -ESTALE) {
		finish(w, rc, st);
		return;
	}
	/* Our copy was stale: read-modify-write from a fresh GET. */
	log_debug("controller: %s: conflict, retrying from a fresh read", w->key);
	rc = k8s_update_retry(w->c->client, &o, &w->upd);
	if (rc)
		finish(w, rc, NULL);
}

/* Runs stages until one needs a request (or the action is done). */
static void start_stage(struct ctl_write *w)
{
	struct controller *c = w->c;
	const char *sub;
	const json_t *base;
	json_t *copy;
	int rc;

	for (;;) {
		sub = stage_sub(&w->act, w->stage);
		if (!sub) {
			finish(w, 0, NULL);
			return;
		}
		base = w->base ? w->base
		               : k8s_informer_get(c->inf[is_eip(w) ? CTL_INF_EIP : CTL_INF_SVC],
		                                  ns_of(w), name_of(w));
		if (!base) {
			finish(w, -ENOENT, NULL);
			return;
		}
		if (!(copy = json_deep_copy(base))) {
			finish(w, -ENOMEM, NULL);
			return;
		}
		rc = mutate_part(copy, w, sub);
		if (rc == 1) {
			json_decref(copy);
			w->stage++;
			continue;
		}
		if (rc == 0)
			rc = k8s_replace(c->client, res_of(w), ns_of(w), name_of(w),
			                 sub[0] ? sub : NULL, copy, on_put, w, &w->req);
		json_decref(copy);
		if (rc)
			finish(w, rc, NULL);
		return;
	}
}

static void make_key(const struct lb_action *a, char *buf, size_t size)
{
	if (a->type == LB_ACT_EIP_STATUS)
		snprintf(buf, size, "e/%s", a->u.eip.name);
	else
		snprintf(buf, size, "s/%s/%s", a->u.svc.ns, a->u.svc.name);
}

/* Takes a (ownership moves). */
static void start_write(struct controller *c, struct lb_action *a)
{
	struct ctl_write *w;
	char key[sizeof(w->key)];

	make_key(a, key, sizeof(key));
	for (w = c->writes; w; w = w->next) {
		if (strcmp(w->key, key) == 0) {
			/* The engine computed the newer state: it replaces the
			 * older one waiting, if any. */
			lb_action_fini(&w->queued);
			w->queued = *a;
			return;
		}
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		log_err("controller: %s: %s", key, strerror(ENOMEM));
		lb_action_fini(a);
		resync_later(c);
		return;
	}
	w->c = c;
	w->act = *a;
	memcpy(w->key, key, sizeof(key));
	k8s_time_format(k8s_wall_ms(), false, w->now, sizeof(w->now));
	w->next = c->writes;
	c->writes = w;
	c->n_writes++;
	start_stage(w);
}

static void emit_event(struct controller *c, const struct lb_event *e)
{
	struct k8s_objref ref = {
	    .kind = e->kind,
	    .api_version = strcmp(e->kind, "Eip") == 0 ? CFG_OPENELB_API_VERSION : "v1",
	    .ns = e->ns,
	    .name = e->name,
	    .uid = e->uid,
	};
	int rc =
	    c->rec ? k8s_event_emit(c->rec, &ref, e->type, e->reason, "%s", e->message) : -ENOBUFS;

	if (rc == -ENOBUFS)
		ctl_obs_count(c, CTL_EVENTS_DROPPED, "full");
	else if (rc)
		log_warn("controller: event %s on %s %s: %s", e->reason, e->kind, e->name,
		         strerror(-rc));
}

void ctl_drain(struct controller *c)
{
	struct lb_action a;
	int rc;

	if (!c->engine || !lb_ctrl_is_synced(c->engine))
		return;
	while (c->n_writes < c->o.max_inflight) {
		rc = lb_ctrl_next_action(c->engine, &a);
		if (rc) {
			log_err("controller: engine: %s", strerror(-rc));
			resync_later(c);
			return;
		}
		switch (a.type) {
		case LB_ACT_NONE:
			if (!c->n_writes && !c->initial_drained) {
				c->initial_drained = true;
				log_info("controller: initial sync done");
			}
			return;
		case LB_ACT_EVENT:
			emit_event(c, &a.u.event);
			lb_action_fini(&a);
			break;
		default:
			start_write(c, &a);
			/* start_write may finish at once and queue a drain: the
			 * loop here carries on either way. */
			break;
		}
	}
}

static void drain_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	ctl_drain(t->data);
}

static void resync_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct controller *c = t->data;
	int rc;

	if (!c->engine)
		return;
	log_info("controller: re-checking every object after failed writes");
	ctl_obs_count(c, CTL_RESYNCS, NULL);
	if ((rc = lb_ctrl_resync(c->engine)))
		log_err("controller: resync: %s", strerror(-rc));
	ctl_drain(c);
}

void ctl_schedule_drain(struct controller *c)
{
	if (!ev_is_active(&c->drain_timer)) {
		ev_timer_set(&c->drain_timer, 0., 0.);
		ev_timer_start(c->loop, &c->drain_timer);
	}
}

void ctl_write_init(struct controller *c)
{
	ev_init(&c->drain_timer, drain_cb);
	c->drain_timer.data = c;
	ev_init(&c->resync_timer, resync_cb);
	c->resync_timer.data = c;
}

void ctl_writes_cancel(struct controller *c)
{
	struct ctl_write *w;

	while ((w = c->writes)) {
		c->writes = w->next;
		write_free(w);
	}
	c->n_writes = 0;
	ev_timer_stop(c->loop, &c->drain_timer);
	ev_timer_stop(c->loop, &c->resync_timer);
	c->resync_delay_ms = 0;
}
