/*
 * Draining the engine's queue: Events to the recorder, status writes to
 * the API server, a bounded number at a time and one at a time per
 * object.
 *
 * A Service action is two writes, since metadata and status are separate
 * subresources (controller/ctrl.h): SET writes the object (the LB_ANN_POOL
 * marker) before the status, so a crash between the two never leaves
 * addresses without the marker that says berth wrote them; CLEAR removes
 * the addresses first, then the marker.
 *
 * Services are written as patches of only what berth owns, since no copy
 * of them is kept (the informer has no cache): the annotations as a JSON merge
 * patch, the status as a strategic merge patch (lb_action_status_patch).
 * Where a patch depends on the object as the engine saw it, it carries
 * that object's resourceVersion; a 409 then means the engine's view was
 * stale: the engine forgets the action and decides again once it has seen
 * the newer object (at once when the informer already delivered it), and
 * writes nothing if that object already shows what berth wants.
 *
 * Eips get a merge patch of their status (lb_action_eip_patch): with
 * 10,000 Services in one Eip its used map is the biggest object berth
 * writes, and only the entries that changed are sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/controller_int.h"
#include "core/clock.h"
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
	lb_action_fini(&w->act);
	lb_action_fini(&w->queued);
	free(w);
}

/* The action ended (rc 0: written, or nothing needed writing). */
static void finish(struct ctl_write *w, int rc, const struct k8s_status *st)
{
	struct controller *c = w->c;
	struct ctl_write **pp;

	w->req = NULL;
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
	} else if (w->conflicted) {
		/* conflict(): the engine decides again, nothing failed. */
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
		memcpy(w->rv, w->rv_queued, sizeof(w->rv));
		w->keep_time = -1;
		w->stage = 0;
		w->wrote = false;
		k8s_time_format(core_wall_ms(), false, w->now, sizeof(w->now));
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

static void copy_rv(char dst[CTL_RV_MAX], const char *rv)
{
	if (!rv || strlen(rv) >= CTL_RV_MAX)
		rv = "";
	memcpy(dst, rv, strlen(rv) + 1);
}

static void next_stage(struct ctl_write *w, json_t *written)
{
	ctl_obs_count(w->c, CTL_WRITES, res_of(w)->kind);
	w->wrote = true;
	if (!is_eip(w) && json_is_object(written)) {
		struct lb_cond cond;
		int has = lb_cond_from_json(written, &cond);

		/* The object as this stage left it is what the next stage
		 * depends on: exact, where the engine's view may lag. */
		copy_rv(w->rv, k8s_obj_rv(written));
		w->keep_time = has > 0 && cond.ok == w->act.u.svc.cond.ok;
	}
	w->stage++;
	start_stage(w);
}

/* A patch's precondition failed: the object changed since the engine saw
 * it. The engine decides again from the newer object; what it decided
 * meanwhile for this Service (queued) came from the same stale view. */
static void conflict(struct ctl_write *w)
{
	struct controller *c = w->c;
	const char *now = k8s_informer_rv_of(c->inf[CTL_INF_SVC], ns_of(w), name_of(w));
	bool seen = now && strcmp(now, w->sent_rv) != 0;
	int rc;

	log_debug("controller: %s: conflict, re-checking %s", w->key,
	          seen ? "now" : "once the newer version is seen");
	ctl_obs_count(c, CTL_CONFLICTS, res_of(w)->kind);
	lb_action_fini(&w->queued);
	if (c->engine && (rc = lb_ctrl_service_unsent(c->engine, ns_of(w), name_of(w), seen)))
		log_err("controller: %s: %s", w->key, strerror(-rc));
	w->conflicted = true;
	finish(w, -ESTALE, NULL);
}

static void on_patch(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct ctl_write *w = arg;

	w->req = NULL;
	if (rc == 0) {
		next_stage(w, body);
	} else if (rc == -ESTALE && w->sent_rv[0]) {
		conflict(w);
	} else {
		/* A 409 on a patch without a precondition says nothing about
		 * the engine's view: a failure like any other. */
		if (rc == -ESTALE)
			log_debug("controller: %s: conflict, re-checking every object later",
			          w->key);
		finish(w, rc, st);
	}
}

/* Sends the patch for stage sub of a Service action; 1 when that part
 * needs no write. */
static int patch_stage(struct ctl_write *w, const char *sub)
{
	struct controller *c = w->c;
	bool keep = w->keep_time >= 0 ? w->keep_time : w->act.u.svc.keep_time;
	char path[K8S_PATH_MAX];
	const char *pre;
	json_t *p;
	int rc;

	rc = sub[0] ? lb_action_status_patch(&w->act, w->rv[0] ? w->rv : NULL, keep, w->now, &p)
	            : lb_action_meta_patch(&w->act, &p);
	if (rc)
		return rc;
	if (!p)
		return 1;
	pre = json_string_value(json_object_get(json_object_get(p, "metadata"), "resourceVersion"));
	copy_rv(w->sent_rv, pre);
	rc = k8s_path(path, sizeof(path), &k8s_res_services, ns_of(w), name_of(w),
	              sub[0] ? sub : NULL);
	if (!rc)
		rc = k8s_request(c->client, sub[0] ? K8S_PATCH_STRATEGIC : K8S_PATCH, path, p,
		                 on_patch, w, &w->req);
	json_decref(p);
	return rc;
}

/* The Eip's status as a merge patch (lb_action_eip_patch). */
static int eip_stage(struct ctl_write *w)
{
	char path[K8S_PATH_MAX];
	json_t *p;
	int rc;

	if ((rc = lb_action_eip_patch(&w->act, &p)))
		return rc;
	w->sent_rv[0] = '\0';
	rc = k8s_path(path, sizeof(path), &k8s_res_eips, NULL, name_of(w), "status");
	if (!rc)
		rc = k8s_request(w->c->client, K8S_PATCH, path, p, on_patch, w, &w->req);
	if (!rc) /* the echo is not read (next_stage), and can be large */
		k8s_request_discard_body(w->req);
	json_decref(p);
	return rc;
}

/* Runs stages until one needs a request (or the action is done). */
static void start_stage(struct ctl_write *w)
{
	const char *sub;
	int rc;

	for (;;) {
		sub = stage_sub(&w->act, w->stage);
		if (!sub) {
			finish(w, 0, NULL);
			return;
		}
		rc = is_eip(w) ? eip_stage(w) : patch_stage(w, sub);
		if (rc == 1) {
			w->stage++;
			continue;
		}
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
	/* What the engine just decided from: the informer feeds it at once,
	 * so its view is the informer's version now. */
	const char *rv = a->type == LB_ACT_EIP_STATUS
	                     ? NULL
	                     : k8s_informer_rv_of(c->inf[CTL_INF_SVC], a->u.svc.ns, a->u.svc.name);

	make_key(a, key, sizeof(key));
	for (w = c->writes; w; w = w->next) {
		if (strcmp(w->key, key) == 0) {
			/* The engine computed the newer state: it replaces the
			 * older one waiting, if any. */
			lb_action_fini(&w->queued);
			w->queued = *a;
			copy_rv(w->rv_queued, rv);
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
	copy_rv(w->rv, rv);
	w->keep_time = -1;
	memcpy(w->key, key, sizeof(key));
	k8s_time_format(core_wall_ms(), false, w->now, sizeof(w->now));
	w->next = c->writes;
	c->writes = w;
	c->n_writes++;
	start_stage(w);
}

static void emit_event(struct controller *c, const struct lb_event *e)
{
	struct k8s_objref ref = {
	    .kind = e->kind,
	    .api_version = strcmp(e->kind, "Eip") == 0             ? CFG_OPENELB_API_VERSION
	                   : strcmp(e->kind, "IPAddressPool") == 0 ? CFG_METALLB_V1BETA1
	                                                           : "v1",
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

/* Events the engine dropped since the last look (its bound, controller/ctrl.h). */
static void count_engine_drops(struct controller *c)
{
	struct lb_ctrl_stats st;
	int rc;

	lb_ctrl_stats(c->engine, &st);
	if (st.events_dropped <= c->engine_drops)
		return;
	rc = obs_counter_add(c->reg, CTL_EVENTS_DROPPED, OBS_LV("backlog"),
	                     (double)(st.events_dropped - c->engine_drops));
	if (rc && rc != -ENOSPC)
		log_debug("controller: metric %s: %s", CTL_EVENTS_DROPPED, strerror(-rc));
	c->engine_drops = st.events_dropped;
}

void ctl_drain(struct controller *c)
{
	struct lb_action a;
	int rc;

	if (!c->engine || !lb_ctrl_is_synced(c->engine))
		return;
	count_engine_drops(c);
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
