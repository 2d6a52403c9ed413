/*
 * The elector: k8s_lease_decide on the client's loop. One attempt at a
 * time: GET the Lease, decide, POST or PUT it; then wait a retry period
 * (jittered by up to 1.2x while following, as client-go's JitterUntil)
 * and try again. While leading, a watchdog ends leadership at the renew
 * deadline even when a request hangs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "k8s/lease.h"

struct k8s_elector {
	struct k8s_client *c;      /* borrowed */
	struct k8s_elector_opts o; /* ns, name, identity: owned copies */
	struct k8s_lease_fsm fsm;
	struct k8s_lease_rec writing; /* the record being written */
	struct k8s_req *req;
	ev_timer tick;     /* next attempt */
	ev_timer deadline; /* leader watchdog */
	json_t *last;      /* owned: the Lease as last written by us */
	bool started, stopping;
	void (*release_done)(int rc, void *arg);
	void *release_arg;
	ev_timer release_timer; /* runs release_done from the loop */
	int release_rc;
};

static void attempt(struct k8s_elector *e);

static struct ev_loop *loop_of(const struct k8s_elector *e)
{
	return k8s_client_loop(e->c);
}

static void schedule(struct k8s_elector *e)
{
	double d = e->o.retry_period_ms / 1000.0;

	if (e->stopping)
		return;
	if (!e->fsm.leading) /* wait.JitterUntil(retryPeriod, 1.2) */
		d += d * 1.2 * (k8s_client_rand(e->c) / 4294967296.0);
	ev_timer_stop(loop_of(e), &e->tick);
	ev_timer_set(&e->tick, d, 0.);
	ev_timer_start(loop_of(e), &e->tick);
}

/* Fires when the renew deadline of the last successful write passes.
 * Computed from that write's time, not a fixed delay: libev counts from
 * its cached loop time, so a timer can fire a little before the deadline
 * on the monotonic clock, and re-arming it for a whole renew deadline
 * then would let a leader that cannot renew lead ~2x too long. */
static void arm_deadline(struct k8s_elector *e)
{
	uint64_t now = core_now_ms(), end = e->fsm.last_renew + e->o.renew_deadline_ms;

	ev_timer_stop(loop_of(e), &e->deadline);
	ev_timer_set(&e->deadline, (end > now ? (double)(end - now) : 0.) / 1000.0 + 0.001, 0.);
	ev_timer_start(loop_of(e), &e->deadline);
}

static void stopped(struct k8s_elector *e, const char *why)
{
	ev_timer_stop(loop_of(e), &e->deadline);
	log_msg(e->stopping ? LOG_LVL_INFO : LOG_LVL_WARN,
	        "k8s: lease %s/%s: %s stopped leading: %s", e->o.ns, e->o.name, e->o.identity, why);
	if (e->o.on_stopped)
		e->o.on_stopped(e->o.arg);
}

static void failed(struct k8s_elector *e, int rc, const struct k8s_status *st)
{
	log_debug("k8s: lease %s/%s: attempt failed: %s", e->o.ns, e->o.name,
	          st && st->message[0] ? st->message : strerror(-rc));
	if (k8s_lease_failed(&e->fsm, core_now_ms()))
		stopped(e, "renew deadline passed");
	schedule(e);
}

static void on_write(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct k8s_elector *e = arg;

	e->req = NULL;
	if (rc) {
		failed(e, rc, st);
		return;
	}
	json_decref(e->last);
	e->last = json_incref(body);
	if (k8s_lease_written(&e->fsm, core_now_ms(), &e->writing)) {
		log_info("k8s: lease %s/%s: %s is the leader", e->o.ns, e->o.name, e->o.identity);
		arm_deadline(e);
		if (e->o.on_started)
			e->o.on_started(e->o.arg);
	} else {
		arm_deadline(e);
	}
	schedule(e);
}

static void on_get(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct k8s_elector *e = arg;
	struct k8s_lease_rec cur, *curp = &cur;
	enum k8s_lease_act act;
	json_t *obj = NULL;

	e->req = NULL;
	if (rc == -ENOENT) {
		curp = NULL;
	} else if (rc) {
		failed(e, rc, st);
		return;
	} else if (k8s_lease_rec_decode(body, &cur)) {
		/* Not ours to overwrite: its holder may be alive and merely
		 * written by another implementation. */
		struct k8s_status bad = {0};

		snprintf(bad.message, sizeof(bad.message), "malformed Lease spec");
		failed(e, -EBADMSG, &bad);
		return;
	}
	act = k8s_lease_decide(&e->fsm, core_now_ms(), core_wall_ms(), curp, &e->writing);
	switch (act) {
	case K8S_LEASE_LOST:
		stopped(e, "another holder took the lease");
		/* fall through */
	case K8S_LEASE_WAIT:
		schedule(e);
		return;
	case K8S_LEASE_CREATE:
		obj =
		    json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "coordination.k8s.io/v1",
		              "kind", "Lease", "metadata", "name", e->o.name, "namespace", e->o.ns);
		break;
	case K8S_LEASE_UPDATE:
		/* body keeps metadata.resourceVersion: the PUT fails with 409
		 * if anyone wrote the Lease since this GET. */
		obj = json_incref(body);
		break;
	}
	if (!obj || k8s_lease_rec_encode(&e->writing, obj)) {
		json_decref(obj);
		failed(e, -ENOMEM, NULL);
		return;
	}
	if (act == K8S_LEASE_CREATE)
		rc = k8s_create(e->c, &k8s_res_leases, e->o.ns, obj, on_write, e, &e->req);
	else
		rc = k8s_replace(e->c, &k8s_res_leases, e->o.ns, e->o.name, NULL, obj, on_write, e,
		                 &e->req);
	json_decref(obj);
	if (rc)
		failed(e, rc, NULL);
}

static void attempt(struct k8s_elector *e)
{
	int rc;

	if (e->req || e->stopping)
		return;
	rc = k8s_get(e->c, &k8s_res_leases, e->o.ns, e->o.name, on_get, e, &e->req);
	if (rc)
		failed(e, rc, NULL);
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	attempt(w->data);
}

static void deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct k8s_elector *e = w->data;

	/* A renewal may hang in a dead connection: give up leadership on
	 * time anyway, and start over with a fresh attempt. */
	if (!k8s_lease_failed(&e->fsm, core_now_ms())) {
		if (e->fsm.leading)
			arm_deadline(e);
		return;
	}
	k8s_request_cancel(e->req);
	e->req = NULL;
	stopped(e, "renew deadline passed");
	schedule(e);
}

static void release_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct k8s_elector *e = w->data;

	if (e->release_done)
		e->release_done(e->release_rc, e->release_arg);
}

static void on_release(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct k8s_elector *e = arg;

	e->req = NULL;
	if (rc)
		log_warn("k8s: lease %s/%s: release failed: %s", e->o.ns, e->o.name,
		         st->message[0] ? st->message : strerror(-rc));
	e->release_rc = rc;
	stopped(e, "released");
	ev_timer_start(loop_of(e), &e->release_timer);
}

int k8s_elector_release(struct k8s_elector *e, void (*done)(int rc, void *arg), void *arg)
{
	struct k8s_lease_rec rec;
	json_t *obj;
	int rc;

	e->stopping = true;
	e->release_done = done;
	e->release_arg = arg;
	e->release_rc = 0;
	ev_timer_stop(loop_of(e), &e->tick);
	ev_timer_stop(loop_of(e), &e->deadline);
	k8s_request_cancel(e->req);
	e->req = NULL;
	if (!k8s_lease_release(&e->fsm, core_wall_ms(), &rec)) {
		ev_timer_start(loop_of(e), &e->release_timer);
		return 0;
	}
	/* Leading implies a successful write, so e->last is set. */
	obj = e->last ? json_deep_copy(e->last) : NULL;
	rc = obj ? k8s_lease_rec_encode(&rec, obj) : -ENOMEM;
	if (!rc)
		rc = k8s_replace(e->c, &k8s_res_leases, e->o.ns, e->o.name, NULL, obj, on_release,
		                 e, &e->req);
	json_decref(obj);
	if (rc) {
		e->release_rc = rc;
		stopped(e, "released (write failed)");
		ev_timer_start(loop_of(e), &e->release_timer);
	}
	return 0;
}

static char *dup_req(const char *s, bool *bad)
{
	char *d;

	if (!s || !s[0]) {
		*bad = true;
		return NULL;
	}
	d = strdup(s);
	if (!d)
		*bad = true;
	return d;
}

int k8s_elector_new(struct k8s_client *c, const struct k8s_elector_opts *o,
                    struct k8s_elector **out)
{
	struct k8s_elector *e;
	bool bad = false;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->c = c;
	e->o = *o;
	e->o.ns = dup_req(o->ns, &bad);
	e->o.name = dup_req(o->name, &bad);
	e->o.identity = dup_req(o->identity, &bad);
	if (!e->o.lease_duration_ms)
		e->o.lease_duration_ms = 15000;
	if (!e->o.renew_deadline_ms)
		e->o.renew_deadline_ms = 10000;
	if (!e->o.retry_period_ms)
		e->o.retry_period_ms = 2000;
	ev_init(&e->tick, tick_cb);
	e->tick.data = e;
	ev_init(&e->deadline, deadline_cb);
	e->deadline.data = e;
	ev_timer_init(&e->release_timer, release_timer_cb, 0., 0.);
	e->release_timer.data = e;
	if (bad || e->o.renew_deadline_ms >= e->o.lease_duration_ms ||
	    e->o.retry_period_ms >= e->o.renew_deadline_ms ||
	    strlen(e->o.identity) >= K8S_HOLDER_MAX || !k8s_name_valid(e->o.name) ||
	    !k8s_name_valid(e->o.ns)) {
		k8s_elector_free(e);
		return -EINVAL;
	}
	k8s_lease_init(&e->fsm, e->o.identity, e->o.lease_duration_ms, e->o.renew_deadline_ms);
	*out = e;
	return 0;
}

int k8s_elector_start(struct k8s_elector *e)
{
	if (e->started)
		return -EALREADY;
	e->started = true;
	ev_timer_set(&e->tick, 0., 0.);
	ev_timer_start(loop_of(e), &e->tick);
	return 0;
}

bool k8s_elector_leading(const struct k8s_elector *e)
{
	return e->fsm.leading;
}

void k8s_elector_free(struct k8s_elector *e)
{
	if (!e)
		return;
	k8s_request_cancel(e->req);
	ev_timer_stop(loop_of(e), &e->tick);
	ev_timer_stop(loop_of(e), &e->deadline);
	ev_timer_stop(loop_of(e), &e->release_timer);
	json_decref(e->last);
	free((char *)e->o.ns);
	free((char *)e->o.name);
	free((char *)e->o.identity);
	free(e);
}
