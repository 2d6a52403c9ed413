/*
 * The action queue. Events are queued as they happen; a status is queued
 * as "check this object" and computed only when pulled, so many changes
 * before a pull coalesce into one write, and a status that already matches
 * the object (or what was last sent) is not written at all.
 */
#include "controller/ctrl_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define EVENT_MSG_MAX 1024

static void event_fini(struct lb_event *ev)
{
	free(ev->ns);
	free(ev->name);
	free(ev->uid);
	free(ev->message);
	memset(ev, 0, sizeof(*ev));
}

void lb_action_fini(struct lb_action *a)
{
	if (!a)
		return;
	switch (a->type) {
	case LB_ACT_SERVICE_STATUS:
	case LB_ACT_SERVICE_CLEAR:
		free(a->u.svc.ns);
		free(a->u.svc.name);
		free(a->u.svc.pool);
		free(a->u.svc.shared);
		free(a->u.svc.mlb_pool);
		free(a->u.svc.keep);
		break;
	case LB_ACT_EVENT:
		event_fini(&a->u.event);
		break;
	case LB_ACT_EIP_STATUS:
		free(a->u.eip.name);
		lb_eip_status_fini(&a->u.eip.status);
		free(a->u.eip.set);
		for (size_t i = 0; i < a->u.eip.n_gone; i++)
			free(a->u.eip.gone[i]);
		free(a->u.eip.gone);
		break;
	default:
		break;
	}
	memset(a, 0, sizeof(*a));
}

/* ---- The ring ---- */

static int q_push(struct lb_ctrl *c, const struct lb_qitem *it)
{
	if (c->q_len == c->q_cap) {
		size_t cap = c->q_cap ? 2 * c->q_cap : 64;
		struct lb_qitem *q = malloc(cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		for (size_t i = 0; i < c->q_len; i++)
			q[i] = c->q[(c->q_head + i) % c->q_cap];
		free(c->q);
		c->q = q;
		c->q_cap = cap;
		c->q_head = 0;
	}
	c->q[(c->q_head + c->q_len) % c->q_cap] = *it;
	c->q_len++;
	return 0;
}

static bool q_pop(struct lb_ctrl *c, struct lb_qitem *it)
{
	if (!c->q_len)
		return false;
	*it = c->q[c->q_head];
	c->q_head = (c->q_head + 1) % c->q_cap;
	c->q_len--;
	return true;
}

void lb_queue_fini(struct lb_ctrl *c)
{
	struct lb_qitem it;

	while (q_pop(c, &it)) {
		if (it.type == LB_ACT_EVENT) {
			event_fini(it.u.ev);
			free(it.u.ev);
		} else {
			free(it.u.key);
		}
	}
	free(c->q);
	c->q = NULL;
	c->q_cap = c->q_len = c->q_head = c->q_events = 0;
}

static int queue_check(struct lb_ctrl *c, enum lb_action_type type, const char *key, bool *queued)
{
	struct lb_qitem it = {.type = type};
	int ret;

	if (!c->synced || *queued)
		return 0;
	if (!(it.u.key = strdup(key)))
		return -ENOMEM;
	if ((ret = q_push(c, &it)) < 0) {
		free(it.u.key);
		return ret;
	}
	*queued = true;
	return 0;
}

int lb_queue_svc(struct lb_ctrl *c, struct lb_svc *s)
{
	return queue_check(c, LB_ACT_SERVICE_STATUS, s->key, &s->queued);
}

int lb_queue_eip(struct lb_ctrl *c, struct lb_eip *e)
{
	/* EipStatus is OpenELB's: an IPAddressPool gets none (docs/metallb.md) */
	if (e->api != CFG_API_OPENELB)
		return 0;
	return queue_check(c, LB_ACT_EIP_STATUS, e->name, &e->queued);
}

int lb_queue_pools_of(struct lb_ctrl *c, const struct ipam_result *r)
{
	for (size_t i = 0; i < r->n && i < sizeof(r->a) / sizeof(r->a[0]); i++) {
		struct lb_eip *e;
		int ret;

		if (r->a[i].orphaned ||
		    !(e = core_map_get(&c->eips, r->a[i].pool, strlen(r->a[i].pool))))
			continue;
		if ((ret = lb_queue_eip(c, e)) < 0)
			return ret;
	}
	return 0;
}

int lb_queue_event(struct lb_ctrl *c, const char *kind, const char *ns, const char *name,
                   const char *uid, bool warning, const char *reason, const char *fmt, ...)
{
	struct lb_qitem it = {.type = LB_ACT_EVENT};
	struct lb_event *ev;
	char buf[EVENT_MSG_MAX];
	int err = 0;
	va_list ap;

	if (c->q_events >= LB_EVENTS_MAX) {
		c->events_dropped++;
		return 0;
	}
	if (!(ev = calloc(1, sizeof(*ev))))
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ev->kind = kind;
	ev->type = warning ? "Warning" : "Normal";
	ev->reason = reason;
	ev->ns = lb_strdup(ns, &err);
	ev->name = lb_strdup(name, &err);
	ev->uid = lb_strdup(uid, &err);
	ev->message = lb_strdup(buf, &err);
	it.u.ev = ev;
	if (err || (err = q_push(c, &it)) < 0) {
		event_fini(ev);
		free(ev);
		return err;
	}
	c->q_events++;
	return 0;
}

/* ---- Service status ---- */

static void cond_set(struct lb_cond *c, bool ok, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void cond_set(struct lb_cond *c, bool ok, const char *reason, const char *fmt, ...)
{
	va_list ap;

	c->ok = ok;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
}

/* "a (Eip x), b (Eip y)" into buf. */
static void held_list(const struct ipam_result *r, char *buf, size_t size)
{
	char a[CORE_ADDR_STRLEN];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->n && used < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%s (%s%s)", i ? ", " : "",
		                 core_addr_str(&r->a[i].addr, a), r->a[i].orphaned ? "" : "Eip ",
		                 r->a[i].orphaned ? "in no Eip" : r->a[i].pool);
		used = w < 0 ? size : used + (size_t)w;
	}
}

/* The condition LB_COND_TYPE: the worst problem first. */
static void svc_cond(const struct lb_svc *s, const struct ipam_result *r, struct lb_cond *out)
{
	char list[LB_MSG_MAX / 2], a[CORE_ADDR_STRLEN];

	memset(out, 0, sizeof(*out));
	held_list(r, list, sizeof(list));
	if (s->fail_msg) {
		if (r->n)
			cond_set(out, false, "AllocationFailed", "keeps %s; %s", list, s->fail_msg);
		else
			cond_set(out, false, "AllocationFailed", "%s", s->fail_msg);
		return;
	}
	for (size_t i = 0; i < r->n && i < sizeof(r->a) / sizeof(r->a[0]); i++) {
		if (r->a[i].orphaned) {
			cond_set(out, false, "AddressOrphaned",
			         "%s is outside every Eip: kept, and given to no other Service",
			         core_addr_str(&r->a[i].addr, a));
			return;
		}
	}
	for (size_t i = 0; i < r->n && i < sizeof(r->a) / sizeof(r->a[0]); i++) {
		if (s->req.pool && strcmp(r->a[i].pool, s->req.pool) != 0) {
			cond_set(out, false, "PoolMismatch",
			         "%s is in Eip %s, not in the requested Eip %s",
			         core_addr_str(&r->a[i].addr, a), r->a[i].pool, s->req.pool);
			return;
		}
	}
	if (s->partial_msg)
		cond_set(out, false, "PartiallyAllocated", "%s; %s", list, s->partial_msg);
	else if (!r->n)
		cond_set(out, false, "Pending", "no address yet");
	else
		cond_set(out, true, "Allocated", "%s", list);
}

/* The pools of the held addresses, "," separated, for LB_ANN_POOL. */
static char *pool_value(const struct lb_svc *s, const struct ipam_result *r)
{
	char buf[2 * IPAM_NAME_MAX + 2] = "";

	for (size_t i = 0; i < r->n && i < sizeof(r->a) / sizeof(r->a[0]); i++) {
		if (r->a[i].orphaned || (i && strcmp(r->a[i].pool, r->a[0].pool) == 0))
			continue;
		if (buf[0])
			strcat(buf, ",");
		strcat(buf, r->a[i].pool);
	}
	/* All orphaned: keep whatever marks the status as ours. */
	if (!buf[0] && s->obs_marker_val)
		return strdup(s->obs_marker_val);
	return strdup(buf);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The IPAddressPools of the held addresses, "," separated, for
 * LB_ANN_METALLB_FROM (MetalLB names one); NULL when none is one (the
 * annotation goes), or on ENOMEM (*err). */
static char *mlb_pool_value(const struct lb_ctrl *c, const struct ipam_result *r, int *err)
{
	char buf[2 * IPAM_NAME_MAX + 2] = "";
	char *v;

	for (size_t i = 0; i < r->n && i < sizeof(r->a) / sizeof(r->a[0]); i++) {
		const struct lb_eip *e;

		if (r->a[i].orphaned || (i && strcmp(r->a[i].pool, r->a[0].pool) == 0) ||
		    !(e = core_map_get(&c->eips, r->a[i].pool, strlen(r->a[i].pool))) ||
		    e->api != CFG_API_METALLB)
			continue;
		if (buf[0])
			strcat(buf, ",");
		strcat(buf, r->a[i].pool);
	}
	if (!buf[0])
		return NULL;
	if (!(v = strdup(buf)))
		*err = -ENOMEM;
	return v;
}

static bool addrs_equal(const struct core_addr *a, size_t na, const struct core_addr *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if (core_addr_cmp(&a[i], &b[i]) != 0)
			return false;
	}
	return true;
}

static bool sent_meta_eq(const struct lb_sent *t, const char *pool, const char *shared,
                         const char *mlb)
{
	return t->pool && strcmp(t->pool, pool) == 0 && str_eq(t->shared, shared) &&
	       str_eq(t->mlb_pool, mlb);
}

static int svc_set_action(struct lb_ctrl *c, struct lb_svc *s, struct lb_action *out)
{
	struct ipam_result r;
	struct core_addr want[2];
	struct lb_cond cond;
	char *pool, *shared, *mlb;
	size_t n;
	bool meta_seen, addrs_seen, cond_seen, in_flight, sent_mlb;
	struct lb_sent *sent;
	int err = 0;

	if (ipam_service_get(c->ipam, s->key, &r) < 0)
		r.n = 0;
	n = r.n;
	/* ipam lists IPv4 first; the ingress follows spec.ipFamilies. */
	if (n == 2 && s->req.primary == AF_INET6) {
		struct ipam_held t = r.a[0];

		r.a[0] = r.a[1];
		r.a[1] = t;
	}
	for (size_t i = 0; i < n; i++)
		want[i] = r.a[i].addr;
	svc_cond(s, &r, &cond);
	if (!(pool = pool_value(s, &r)))
		return -ENOMEM;
	shared = n ? lb_shared_value(s, &err) : NULL;
	mlb = err ? NULL : mlb_pool_value(c, &r, &err);
	if (err) {
		free(pool);
		free(shared);
		return err;
	}
	meta_seen = s->obs_marker &&
	            strcmp(s->obs_marker_val ? s->obs_marker_val : "", pool) == 0 &&
	            str_eq(s->obs_shared, shared) && str_eq(s->obs_mlb_pool, mlb);
	addrs_seen = addrs_equal(want, n, s->obs, s->n_obs);
	cond_seen = s->cond_known && lb_cond_packed_eq(s->obs_cond, &cond);
	/* An unknown condition alone never causes a write. */
	if (meta_seen && addrs_seen && (cond_seen || !s->cond_known))
		goto same;
	sent = s->sent;
	in_flight = sent && sent->type == LB_ACT_SERVICE_STATUS;
	if (in_flight && addrs_equal(want, n, sent->addrs, sent->n) &&
	    sent_meta_eq(sent, pool, shared, mlb) && lb_cond_packed_eq(sent->cond, &cond))
		goto same;
	/* A part is written when the object shows otherwise, or when the
	 * last action sent, which may still land, said otherwise. */
	out->u.svc.write_meta = !meta_seen || (in_flight && !sent_meta_eq(sent, pool, shared, mlb));
	out->u.svc.write_status = !addrs_seen || !cond_seen ||
	                          (in_flight && (!addrs_equal(want, n, sent->addrs, sent->n) ||
	                                         !lb_cond_packed_eq(sent->cond, &cond)));
	out->u.svc.keep_time = s->obs_cond && lb_cond_packed_ok(s->obs_cond) == cond.ok;
	out->u.svc.generation = s->generation;
	sent_mlb = in_flight && sent->mlb_pool;
	if (!(sent = lb_svc_send(s, LB_ACT_SERVICE_STATUS))) {
		free(pool);
		free(shared);
		free(mlb);
		return -ENOMEM;
	}
	memcpy(sent->addrs, want, sizeof(want));
	sent->n = n;
	if (!(sent->cond = lb_cond_pack(&cond)))
		err = -ENOMEM;
	sent->pool = lb_strdup(pool, &err);
	sent->shared = lb_strdup(shared, &err);
	sent->mlb_pool = lb_strdup(mlb, &err);
	out->u.svc.shared = shared;
	out->u.svc.mlb_pool = mlb;
	/* only a Service that has or had it sees MetalLB's annotation */
	out->u.svc.mlb_key = mlb || s->obs_mlb_pool || (in_flight && sent_mlb);
	out->u.svc.ns = lb_strdup(s->ns, &err);
	out->u.svc.name = lb_strdup(s->name, &err);
	out->u.svc.pool = pool;
	out->u.svc.cond = cond;
	memcpy(out->u.svc.ingress, want, n * sizeof(*want));
	out->u.svc.n_ingress = n;
	out->type = LB_ACT_SERVICE_STATUS;
	s->wrote = true;
	if (err) {
		lb_svc_unsend(s);
		lb_action_fini(out);
	}
	return err;
same:
	free(pool);
	free(shared);
	free(mlb);
	return 0;
}

static bool addr_listed(const struct core_addr *a, const struct core_addr *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (core_addr_cmp(a, &list[i]) == 0)
			return true;
	}
	return false;
}

/* CLEAR without the object: what to write, from the object as last seen.
 * A status berth sent may not have been seen yet (wrote): then both parts
 * are written, and the ingress under the resourceVersion precondition, so
 * that a write landing in between makes it fail and be recomputed. */
static int svc_clear_parts(const struct lb_svc *s, struct lb_svc_status *out)
{
	bool listed = false;

	for (size_t i = 0; i < s->n_obs; i++)
		listed = listed || addr_listed(&s->obs[i], s->clear, s->n_clear);
	out->clear_ingress = listed || s->wrote;
	/* Only a condition seen: a delete directive for a list the object
	 * lacks is dropped by kube-apiserver, but stored as an item by the
	 * test stand-in; a status written but not seen yet is caught by the
	 * ingress's precondition, and this is decided again. */
	out->clear_cond = s->obs_cond || !s->cond_known;
	out->write_meta = s->obs_marker || s->obs_shared || s->obs_mlb_pool || s->wrote;
	out->write_status = out->clear_ingress || out->clear_cond;
	if (!out->clear_ingress || !s->n_obs)
		return 0;
	if (!(out->keep = calloc(s->n_obs, sizeof(*out->keep))))
		return -ENOMEM;
	for (size_t i = 0; i < s->n_obs; i++) {
		if (!addr_listed(&s->obs[i], s->clear, s->n_clear))
			out->keep[out->n_keep++] = s->obs[i];
	}
	return 0;
}

static int svc_action(struct lb_ctrl *c, struct lb_svc *s, struct lb_action *out)
{
	int err = 0;

	if (s->owned)
		return svc_set_action(c, s, out);
	/* Not berth's: undo what berth wrote, and nothing else. */
	if (!s->obs_marker && !s->wrote)
		return 0;
	if (s->sent && s->sent->type == LB_ACT_SERVICE_CLEAR &&
	    addrs_equal(s->clear, s->n_clear, s->sent->addrs, s->sent->n))
		return 0;
	/* MetalLB's annotation goes if the object shows it or berth sent it */
	out->u.svc.mlb_key = s->obs_mlb_pool || (s->sent && s->sent->mlb_pool);
	if (!lb_svc_send(s, LB_ACT_SERVICE_CLEAR))
		return -ENOMEM;
	memcpy(s->sent->addrs, s->clear, sizeof(s->clear));
	s->sent->n = s->n_clear;
	out->type = LB_ACT_SERVICE_CLEAR;
	out->u.svc.ns = lb_strdup(s->ns, &err);
	out->u.svc.name = lb_strdup(s->name, &err);
	memcpy(out->u.svc.ingress, s->clear, s->n_clear * sizeof(*s->clear));
	out->u.svc.n_ingress = s->n_clear;
	if (!err)
		err = svc_clear_parts(s, &out->u.svc);
	s->wrote = false;
	if (err)
		lb_action_fini(out);
	return err;
}

/* ---- Eip status ---- */

static int eip_action(struct lb_ctrl *c, struct lb_eip *e, struct lb_action *out)
{
	struct lb_eip_status_action *a = &out->u.eip;
	struct cfg_eip_status st;
	uint64_t h;
	int ret, err = 0;

	if ((ret = lb_eip_status(c, e, &st)) < 0)
		return ret;
	h = lb_eip_status_hash(&st);
	if (lb_eip_status_equal(&st, &e->obs) || (e->has_sent && e->sent_hash == h)) {
		lb_eip_status_fini(&st);
		return 0;
	}
	out->type = LB_ACT_EIP_STATUS;
	a->status = st;
	a->name = lb_strdup(e->name, &err);
	if (!err)
		err =
		    lb_used_diff(&st.used, &e->obs.used, &a->set, &a->n_set, &a->gone, &a->n_gone);
	if (err) {
		lb_action_fini(out);
		return err;
	}
	e->sent_hash = h;
	e->has_sent = true;
	return 0;
}

int lb_ctrl_next_action(struct lb_ctrl *c, struct lb_action *out)
{
	struct lb_qitem it;

	if (!c || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	while (q_pop(c, &it)) {
		struct lb_svc *s;
		struct lb_eip *e;
		int ret = 0;

		switch (it.type) {
		case LB_ACT_EVENT:
			out->type = LB_ACT_EVENT;
			out->u.event = *it.u.ev;
			free(it.u.ev);
			c->q_events--;
			return 0;
		case LB_ACT_SERVICE_STATUS:
			/* Gone meanwhile: nothing to write. */
			if ((s = core_map_get(&c->svcs, it.u.key, strlen(it.u.key)))) {
				s->queued = false;
				ret = svc_action(c, s, out);
			}
			break;
		case LB_ACT_EIP_STATUS:
			if ((e = core_map_get(&c->eips, it.u.key, strlen(it.u.key)))) {
				e->queued = false;
				ret = eip_action(c, e, out);
			}
			break;
		default:
			break;
		}
		free(it.u.key);
		if (ret < 0)
			return ret;
		if (out->type != LB_ACT_NONE)
			return 0;
	}
	/* Drained: the ring a sync grew goes back. */
	if (c->q_cap > 256) {
		free(c->q);
		c->q = NULL;
		c->q_cap = c->q_head = 0;
	}
	return 0;
}
