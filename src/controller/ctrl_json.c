/*
 * JSON glue for the daemon: an action as the patches that write it, and
 * berth's condition read back from a Service. Pure.
 */
#include "controller/ctrl_int.h"

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
	if (st->mlb_key &&
	    json_object_set_new(
	        json_object_get(json_object_get(p, "metadata"), "annotations"), LB_ANN_METALLB_FROM,
	        set && st->mlb_pool ? json_string(st->mlb_pool) : json_null()) < 0) {
		json_decref(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

/* [{"ip": ...}, ...], or null for none (the key is removed). */
static json_t *ingress_json(const struct core_addr *list, size_t n)
{
	char buf[CORE_ADDR_STRLEN];
	json_t *arr;

	if (!n)
		return json_null();
	if (!(arr = json_array()))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (json_array_append_new(
		        arr, json_pack("{ss}", "ip", core_addr_str(&list[i], buf))) < 0) {
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
