/*
 * JSON glue for the daemon: apply an action to the object the API server
 * returned (inside a retry-on-conflict mutation), read berth's condition
 * back. Pure.
 */
#include "lb/ctrl_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static const char *cond_status(bool ok)
{
	return ok ? "True" : "False";
}

static json_t *conditions_of(const json_t *svc)
{
	return json_object_get(json_object_get(svc, "status"), "conditions");
}

int lb_cond_from_json(const json_t *svc, struct lb_cond *out)
{
	const json_t *conds = conditions_of(svc), *item;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(conds))
		return 0;
	json_array_foreach(conds, i, item)
	{
		const char *type = json_string_value(json_object_get(item, "type"));
		const char *st, *reason, *msg;

		if (!type || strcmp(type, LB_COND_TYPE) != 0)
			continue;
		st = json_string_value(json_object_get(item, "status"));
		reason = json_string_value(json_object_get(item, "reason"));
		msg = json_string_value(json_object_get(item, "message"));
		/* Without a lastTransitionTime a patch could not keep it. */
		if (!st || !json_is_string(json_object_get(item, "lastTransitionTime")))
			return -EINVAL;
		out->ok = strcmp(st, "True") == 0;
		snprintf(out->reason, sizeof(out->reason), "%s", reason ? reason : "");
		snprintf(out->message, sizeof(out->message), "%s", msg ? msg : "");
		return 1;
	}
	return 0;
}

static const char *addr_text(const struct bgp_addr *a, char buf[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(a->family == AF_INET6 ? AF_INET6 : AF_INET, a->bytes, buf, INET6_ADDRSTRLEN))
		buf[0] = '\0';
	return buf;
}

/* obj[key] as an object, created when absent. NULL on a type clash or ENOMEM. */
static json_t *child(json_t *obj, const char *key)
{
	json_t *c = json_object_get(obj, key);

	if (c)
		return json_is_object(c) ? c : NULL;
	c = json_object();
	if (!c || json_object_set_new(obj, key, c) < 0)
		return NULL;
	return c;
}

static int ingress_set(json_t *lb, const struct lb_svc_status *st, bool *changed)
{
	json_t *cur = json_object_get(lb, "ingress"), *arr;
	char buf[INET6_ADDRSTRLEN];
	bool same = json_is_array(cur) && json_array_size(cur) == st->n_ingress;

	for (size_t i = 0; same && i < st->n_ingress; i++) {
		const char *ip = json_string_value(json_object_get(json_array_get(cur, i), "ip"));

		same = ip && strcmp(ip, addr_text(&st->ingress[i], buf)) == 0;
	}
	if (same || (!st->n_ingress && !cur))
		return 0;
	*changed = true;
	/* omitempty: the API shows no empty ingress. */
	if (!st->n_ingress)
		return json_object_del(lb, "ingress") < 0 ? -EINVAL : 0;
	if (!(arr = json_array()))
		return -ENOMEM;
	for (size_t i = 0; i < st->n_ingress; i++) {
		if (json_array_append_new(
		        arr, json_pack("{ss}", "ip", addr_text(&st->ingress[i], buf))) < 0) {
			json_decref(arr);
			return -ENOMEM;
		}
	}
	return json_object_set_new(lb, "ingress", arr) < 0 ? -ENOMEM : 0;
}

/* Removes the listed addresses (only those) from the ingress. */
static void ingress_remove(json_t *lb, const struct lb_svc_status *st, bool *changed)
{
	json_t *cur = json_object_get(lb, "ingress");
	char buf[INET6_ADDRSTRLEN];

	if (!json_is_array(cur))
		return;
	for (size_t i = json_array_size(cur); i-- > 0;) {
		const char *ip = json_string_value(json_object_get(json_array_get(cur, i), "ip"));

		for (size_t k = 0; ip && k < st->n_ingress; k++) {
			if (strcmp(ip, addr_text(&st->ingress[k], buf)) == 0) {
				json_array_remove(cur, i);
				*changed = true;
				break;
			}
		}
	}
	if (!json_array_size(cur))
		json_object_del(lb, "ingress");
}

static int cond_set(json_t *svc, json_t *status, const struct lb_cond *c, const char *now,
                    bool *changed)
{
	json_t *conds = json_object_get(status, "conditions"), *item = NULL, *gen;
	const char *st = cond_status(c->ok);
	size_t i;

	if (conds && !json_is_array(conds))
		return -EINVAL;
	if (!conds) {
		if (!(conds = json_array()) || json_object_set_new(status, "conditions", conds) < 0)
			return -ENOMEM;
	}
	json_array_foreach(conds, i, item)
	{
		const char *t = json_string_value(json_object_get(item, "type"));

		if (t && strcmp(t, LB_COND_TYPE) == 0)
			break;
	}
	if (i == json_array_size(conds)) {
		if (!(item = json_object()) || json_array_append_new(conds, item) < 0)
			return -ENOMEM;
		json_object_set_new(item, "type", json_string(LB_COND_TYPE));
	} else {
		const char *ost = json_string_value(json_object_get(item, "status"));
		const char *ors = json_string_value(json_object_get(item, "reason"));
		const char *oms = json_string_value(json_object_get(item, "message"));

		if (ost && ors && oms && strcmp(ost, st) == 0 && strcmp(ors, c->reason) == 0 &&
		    strcmp(oms, c->message) == 0)
			return 0;
		/* metav1.Condition: the time of the last change of status only. */
		if (ost && strcmp(ost, st) == 0 && json_object_get(item, "lastTransitionTime"))
			now = NULL;
	}
	*changed = true;
	gen = json_object_get(json_object_get(svc, "metadata"), "generation");
	if (json_object_set_new(item, "status", json_string(st)) < 0 ||
	    json_object_set_new(item, "reason", json_string(c->reason)) < 0 ||
	    json_object_set_new(item, "message", json_string(c->message)) < 0 ||
	    (now && json_object_set_new(item, "lastTransitionTime", json_string(now)) < 0) ||
	    (json_is_integer(gen) && json_object_set(item, "observedGeneration", gen) < 0))
		return -ENOMEM;
	return 0;
}

static void cond_remove(json_t *status, bool *changed)
{
	json_t *conds = json_object_get(status, "conditions");

	if (!json_is_array(conds))
		return;
	for (size_t i = json_array_size(conds); i-- > 0;) {
		const char *t =
		    json_string_value(json_object_get(json_array_get(conds, i), "type"));

		if (t && strcmp(t, LB_COND_TYPE) == 0) {
			json_array_remove(conds, i);
			*changed = true;
		}
	}
}

int lb_action_apply_service(json_t *svc, const struct lb_action *a, const char *now)
{
	const struct lb_svc_status *st = &a->u.svc;
	json_t *meta, *ann, *status, *lb;
	const char *cur;
	bool changed = false;
	int ret;

	if (!json_is_object(svc) || !a ||
	    (a->type != LB_ACT_SERVICE_STATUS && a->type != LB_ACT_SERVICE_CLEAR))
		return -EINVAL;
	if (!(meta = child(svc, "metadata")) || !(status = child(svc, "status")) ||
	    !(lb = child(status, "loadBalancer")))
		return -EINVAL;
	ann = json_object_get(meta, "annotations");
	if (a->type == LB_ACT_SERVICE_CLEAR) {
		if (json_is_object(ann) && json_object_get(ann, LB_ANN_POOL)) {
			json_object_del(ann, LB_ANN_POOL);
			changed = true;
		}
		if (json_is_object(ann) && json_object_get(ann, LB_ANN_SHARED)) {
			json_object_del(ann, LB_ANN_SHARED);
			changed = true;
		}
		ingress_remove(lb, st, &changed);
		cond_remove(status, &changed);
		return changed ? 0 : 1;
	}
	if (!(ann = child(meta, "annotations")))
		return -EINVAL;
	if (!json_string_value(json_object_get(ann, LB_ANN_POOL)) ||
	    strcmp(json_string_value(json_object_get(ann, LB_ANN_POOL)),
	           st->pool ? st->pool : "")) {
		if (json_object_set_new(ann, LB_ANN_POOL, json_string(st->pool ? st->pool : "")) <
		    0)
			return -ENOMEM;
		changed = true;
	}
	cur = json_string_value(json_object_get(ann, LB_ANN_SHARED));
	if (st->shared && (!cur || strcmp(cur, st->shared) != 0)) {
		if (json_object_set_new(ann, LB_ANN_SHARED, json_string(st->shared)) < 0)
			return -ENOMEM;
		changed = true;
	} else if (!st->shared && json_object_get(ann, LB_ANN_SHARED)) {
		json_object_del(ann, LB_ANN_SHARED);
		changed = true;
	}
	if ((ret = ingress_set(lb, st, &changed)) < 0 ||
	    (ret = cond_set(svc, status, &st->cond, now, &changed)) < 0)
		return ret;
	return changed ? 0 : 1;
}

static bool is_svc_action(const struct lb_action *a)
{
	return a && (a->type == LB_ACT_SERVICE_STATUS || a->type == LB_ACT_SERVICE_CLEAR);
}

int lb_action_meta_patch(const struct lb_action *a, json_t **out)
{
	const struct lb_svc_status *st;
	json_t *p;
	bool set;

	*out = NULL;
	if (!is_svc_action(a))
		return -EINVAL;
	st = &a->u.svc;
	set = a->type == LB_ACT_SERVICE_STATUS;
	if (!st->write_meta)
		return 0;
	p = json_pack("{s{s{s:s?,s:s?}}}", "metadata", "annotations", LB_ANN_POOL,
	              set ? (st->pool ? st->pool : "") : NULL, LB_ANN_SHARED,
	              set ? st->shared : NULL);
	if (!p)
		return -ENOMEM;
	*out = p;
	return 0;
}

/* [{"ip": ...}, ...], or null for none (the key is removed). */
static json_t *ingress_json(const struct bgp_addr *list, size_t n)
{
	char buf[INET6_ADDRSTRLEN];
	json_t *arr;

	if (!n)
		return json_null();
	if (!(arr = json_array()))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (json_array_append_new(arr, json_pack("{ss}", "ip", addr_text(&list[i], buf))) <
		    0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* berth's condition as a strategic merge patch list item. */
static json_t *cond_item(const struct lb_svc_status *st, bool keep_time, const char *now)
{
	json_t *item = json_pack("{s:s, s:s, s:s, s:s}", "type", LB_COND_TYPE, "status",
	                         cond_status(st->cond.ok), "reason", st->cond.reason, "message",
	                         st->cond.message);

	if (!item)
		return NULL;
	if ((!keep_time && json_object_set_new(item, "lastTransitionTime", json_string(now)) < 0) ||
	    (st->generation > 0 &&
	     json_object_set_new(item, "observedGeneration", json_integer(st->generation)) < 0)) {
		json_decref(item);
		return NULL;
	}
	return item;
}

int lb_action_status_patch(const struct lb_action *a, const char *rv, bool keep_time,
                           const char *now, json_t **out)
{
	const struct lb_svc_status *st;
	json_t *p, *status, *lb, *conds, *item;
	bool set, depends;

	*out = NULL;
	if (!is_svc_action(a) || (a->type == LB_ACT_SERVICE_STATUS && !now))
		return -EINVAL;
	st = &a->u.svc;
	set = a->type == LB_ACT_SERVICE_STATUS;
	p = json_object();
	status = json_object();
	/* jansson's *_set_new and *_append_new take the value even when they
	 * fail, and refuse a NULL one: each step below frees what it made. */
	if (json_object_set_new(p, "status", status) < 0)
		goto oom;
	if (!st->write_status) {
		json_decref(p);
		return 0;
	}
	/* Without a precondition a kept time could meet a condition that is
	 * gone by now: write the time instead. */
	keep_time = keep_time && rv && set;
	depends = rv && (set ? keep_time : st->clear_ingress);
	if (depends &&
	    json_object_set_new(p, "metadata", json_pack("{s:s}", "resourceVersion", rv)) < 0)
		goto oom;
	if (set || st->clear_ingress) {
		lb = json_object();
		if (json_object_set_new(status, "loadBalancer", lb) < 0 ||
		    json_object_set_new(lb, "ingress",
		                        set ? ingress_json(st->ingress, st->n_ingress)
		                            : ingress_json(st->keep, st->n_keep)) < 0)
			goto oom;
	}
	if (set || st->clear_cond) {
		item = set ? cond_item(st, keep_time, now)
		           : json_pack("{s:s, s:s}", "type", LB_COND_TYPE, "$patch", "delete");
		conds = json_array();
		if (json_array_append_new(conds, item) < 0) {
			json_decref(conds);
			goto oom;
		}
		if (json_object_set_new(status, "conditions", conds) < 0)
			goto oom;
	}
	*out = p;
	return 0;
oom:
	json_decref(p);
	return -ENOMEM;
}

/* v, or null for OpenELB's omitempty zero values. */
static json_t *or_null(json_t *v, bool present)
{
	if (present)
		return v;
	json_decref(v);
	return json_null();
}

int lb_action_eip_patch(const struct lb_action *a, json_t **out)
{
	const struct lb_eip_status_action *e;
	const struct cfg_eip_status *s;
	json_t *p, *st, *used = NULL;
	bool oom;

	*out = NULL;
	if (!a || a->type != LB_ACT_EIP_STATUS)
		return -EINVAL;
	e = &a->u.eip;
	s = &e->status;
	p = json_object();
	st = json_object();
	if (json_object_set_new(p, "status", st) < 0) {
		json_decref(p);
		return -ENOMEM;
	}
	oom = json_object_set_new(st, "occupied", or_null(json_true(), s->occupied)) < 0 ||
	      json_object_set_new(st, "usage", or_null(json_integer(s->usage), s->usage)) < 0 ||
	      json_object_set_new(st, "poolSize",
	                          or_null(json_integer(s->pool_size), s->pool_size)) < 0 ||
	      json_object_set_new(st, "firstIP",
	                          or_null(json_string(s->first_ip ? s->first_ip : ""),
	                                  s->first_ip && *s->first_ip)) < 0 ||
	      json_object_set_new(st, "lastIP",
	                          or_null(json_string(s->last_ip ? s->last_ip : ""),
	                                  s->last_ip && *s->last_ip)) < 0 ||
	      json_object_set_new(st, "ready", or_null(json_true(), s->ready)) < 0 ||
	      json_object_set_new(st, "v4", or_null(json_true(), s->v4)) < 0;
	if (!oom && !s->used.n) {
		/* Nothing held: the whole map goes (omitempty). */
		oom = json_object_set_new(st, "used", json_null()) < 0;
	} else if (!oom && (e->n_set || e->n_gone)) {
		used = json_object();
		oom = json_object_set_new(st, "used", used) < 0;
		for (size_t i = 0; !oom && i < e->n_set; i++) {
			const struct cfg_kv *kv;

			if (e->set[i] >= s->used.n) {
				json_decref(p);
				return -EINVAL;
			}
			kv = &s->used.items[e->set[i]];
			oom = json_object_set_new(used, kv->key, json_string(kv->value)) < 0;
		}
		for (size_t i = 0; !oom && i < e->n_gone; i++)
			oom = json_object_set_new(used, e->gone[i], json_null()) < 0;
	}
	if (oom) {
		json_decref(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

int lb_action_apply_eip(json_t *eip, const struct lb_action *a)
{
	const struct cfg_eip_status *s;
	json_t *st, *used;

	if (!json_is_object(eip) || !a || a->type != LB_ACT_EIP_STATUS)
		return -EINVAL;
	s = &a->u.eip.status;
	/* EipStatus fields are all omitempty. */
	if (!(st = json_object()) || !(used = json_object())) {
		json_decref(st);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->used.n; i++)
		json_object_set_new(used, s->used.items[i].key,
		                    json_string(s->used.items[i].value));
	if ((s->occupied && json_object_set_new(st, "occupied", json_true()) < 0) ||
	    (s->usage && json_object_set_new(st, "usage", json_integer(s->usage)) < 0) ||
	    (s->pool_size && json_object_set_new(st, "poolSize", json_integer(s->pool_size)) < 0) ||
	    (s->used.n && json_object_set(st, "used", used) < 0) ||
	    (s->first_ip && *s->first_ip &&
	     json_object_set_new(st, "firstIP", json_string(s->first_ip)) < 0) ||
	    (s->last_ip && *s->last_ip &&
	     json_object_set_new(st, "lastIP", json_string(s->last_ip)) < 0) ||
	    (s->ready && json_object_set_new(st, "ready", json_true()) < 0) ||
	    (s->v4 && json_object_set_new(st, "v4", json_true()) < 0)) {
		json_decref(used);
		json_decref(st);
		return -ENOMEM;
	}
	json_decref(used);
	if (json_equal(json_object_get(eip, "status"), st)) {
		json_decref(st);
		return 1;
	}
	return json_object_set_new(eip, "status", st) < 0 ? -ENOMEM : 0;
}
