/*
 * The reference model of the Service and Eip status writes: an action
 * applied to a whole object, as berth wrote it before it sent patches.
 * The patch tests check that lb_action_*_patch, applied the way
 * kube-apiserver applies them (test_lb_ctrl_util.h), give the same object;
 * test-only code (the daemon holds no object to apply to).
 * sim_apply_service/sim_apply_eip return 0 when the object changed, 1
 * when nothing needed changing, -EINVAL or -ENOMEM.
 */
#ifndef BERTH_TEST_LB_CTRL_MODEL_H
#define BERTH_TEST_LB_CTRL_MODEL_H

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/socket.h>

#include "controller/ctrl.h"

static inline const char *sim_cond_status(bool ok)
{
	return ok ? "True" : "False";
}

/* obj[key] as an object, created when absent. NULL on a type clash or ENOMEM. */
static inline json_t *sim_child(json_t *obj, const char *key)
{
	json_t *c = json_object_get(obj, key);

	if (c)
		return json_is_object(c) ? c : NULL;
	c = json_object();
	if (!c || json_object_set_new(obj, key, c) < 0)
		return NULL;
	return c;
}

static inline int sim_ingress_set(json_t *lb, const struct lb_svc_status *st, bool *changed)
{
	json_t *cur = json_object_get(lb, "ingress"), *arr;
	char buf[CORE_ADDR_STRLEN];
	bool same = json_is_array(cur) && json_array_size(cur) == st->n_ingress;

	for (size_t i = 0; same && i < st->n_ingress; i++) {
		const char *ip = json_string_value(json_object_get(json_array_get(cur, i), "ip"));

		same = ip && strcmp(ip, core_addr_str(&st->ingress[i], buf)) == 0;
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
		        arr, json_pack("{ss}", "ip", core_addr_str(&st->ingress[i], buf))) < 0) {
			json_decref(arr);
			return -ENOMEM;
		}
	}
	return json_object_set_new(lb, "ingress", arr) < 0 ? -ENOMEM : 0;
}

/* Removes the listed addresses (only those) from the ingress. */
static inline void sim_ingress_remove(json_t *lb, const struct lb_svc_status *st, bool *changed)
{
	json_t *cur = json_object_get(lb, "ingress");
	char buf[CORE_ADDR_STRLEN];

	if (!json_is_array(cur))
		return;
	for (size_t i = json_array_size(cur); i-- > 0;) {
		const char *ip = json_string_value(json_object_get(json_array_get(cur, i), "ip"));

		for (size_t k = 0; ip && k < st->n_ingress; k++) {
			if (strcmp(ip, core_addr_str(&st->ingress[k], buf)) == 0) {
				json_array_remove(cur, i);
				*changed = true;
				break;
			}
		}
	}
	if (!json_array_size(cur))
		json_object_del(lb, "ingress");
}

static inline int sim_cond_set(json_t *svc, json_t *status, const struct lb_cond *c,
                               const char *now, bool *changed)
{
	json_t *conds = json_object_get(status, "conditions"), *item = NULL, *gen;
	const char *st = sim_cond_status(c->ok);
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

static inline void sim_cond_remove(json_t *status, bool *changed)
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

static inline int sim_apply_service(json_t *svc, const struct lb_action *a, const char *now)
{
	const struct lb_svc_status *st = &a->u.svc;
	json_t *meta, *ann, *status, *lb;
	const char *cur;
	bool changed = false;
	int ret;

	if (!json_is_object(svc) || !a ||
	    (a->type != LB_ACT_SERVICE_STATUS && a->type != LB_ACT_SERVICE_CLEAR))
		return -EINVAL;
	if (!(meta = sim_child(svc, "metadata")) || !(status = sim_child(svc, "status")) ||
	    !(lb = sim_child(status, "loadBalancer")))
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
		if (json_is_object(ann) && json_object_get(ann, LB_ANN_METALLB_FROM)) {
			json_object_del(ann, LB_ANN_METALLB_FROM);
			changed = true;
		}
		sim_ingress_remove(lb, st, &changed);
		sim_cond_remove(status, &changed);
		return changed ? 0 : 1;
	}
	if (!(ann = sim_child(meta, "annotations")))
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
	/* MetalLB's: the IPAddressPool(s), gone when none */
	cur = json_string_value(json_object_get(ann, LB_ANN_METALLB_FROM));
	if (st->mlb_pool && (!cur || strcmp(cur, st->mlb_pool) != 0)) {
		if (json_object_set_new(ann, LB_ANN_METALLB_FROM, json_string(st->mlb_pool)) < 0)
			return -ENOMEM;
		changed = true;
	} else if (!st->mlb_pool && json_object_get(ann, LB_ANN_METALLB_FROM)) {
		json_object_del(ann, LB_ANN_METALLB_FROM);
		changed = true;
	}
	if ((ret = sim_ingress_set(lb, st, &changed)) < 0 ||
	    (ret = sim_cond_set(svc, status, &st->cond, now, &changed)) < 0)
		return ret;
	return changed ? 0 : 1;
}

static inline int sim_apply_eip(json_t *eip, const struct lb_action *a)
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

#endif
