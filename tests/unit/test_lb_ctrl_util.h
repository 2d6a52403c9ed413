/*
 * A simulated cluster for the lb_ctrl tests: objects are kept as the JSON
 * the API server would hold, decoded with the real decoders, fed to the
 * engine; its actions are applied with the JSON glue (as the daemon will)
 * and the written objects are fed back, which must produce nothing.
 *
 * Service actions are applied as the patches the daemon sends (a JSON merge
 * patch of the metadata, a strategic merge patch of the status, under the
 * resourceVersion the engine last saw), and the result must equal the
 * whole-object model (test_lb_ctrl_model.h) on the same object.
 */
#ifndef BERTH_TEST_LB_CTRL_UTIL_H
#define BERTH_TEST_LB_CTRL_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "config/config.h"
#include "config/yaml.h"
#include "controller/ctrl.h"
#include "test_lb_ctrl_model.h"

#define SIM_NOW "2024-05-01T10:00:00Z"

struct sim_ev {
	char reason[64];
	char obj[300]; /* "ns/name" or Eip name */
	char msg[1024];
	bool warning;
};

struct sim {
	struct lb_ctrl *c;
	struct lb_ctrl_opts opts;
	json_t *svcs; /* "ns/name" -> Service */
	json_t *eips; /* name -> Eip */
	json_t *nss;  /* name -> labels object */
	bool conds;   /* feed the condition back (lb_ctrl_service_upsert_seen) */
	json_t *rvs;  /* "ns/name" -> resourceVersion (integer) of each Service */
	json_t *seen; /* "ns/name" -> the resourceVersion the engine was last fed */
	json_int_t rv;
	struct sim_ev *evs;
	size_t n_evs, cap_evs;
	/* Counts of the last sim_drain. */
	unsigned svc_actions, clear_actions, eip_actions, events, writes;
	unsigned patches; /* requests the daemon would send for Services */
	/* The last Service action of sim_drain, its pointers cleared. */
	enum lb_action_type last_type;
	struct lb_svc_status last;
};

static inline void sim_start(struct sim *s)
{
	s->c = lb_ctrl_new(&s->opts);
	assert_non_null(s->c);
}

static inline struct sim *sim_new(void)
{
	struct sim *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->svcs = json_object();
	s->eips = json_object();
	s->nss = json_object();
	s->rvs = json_object();
	s->seen = json_object();
	s->conds = true;
	sim_start(s);
	return s;
}

static inline void sim_free(struct sim *s)
{
	lb_ctrl_free(s->c);
	json_decref(s->svcs);
	json_decref(s->eips);
	json_decref(s->nss);
	json_decref(s->rvs);
	json_decref(s->seen);
	free(s->evs);
	free(s);
}

static inline const char *svc_key(const json_t *obj, char *buf, size_t size)
{
	const json_t *m = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(m, "namespace"));

	snprintf(buf, size, "%s/%s", ns ? ns : "default",
	         json_string_value(json_object_get(m, "name")));
	return buf;
}

/* A new resourceVersion for the Service at key. */
static inline void sim_bump(struct sim *s, const char *key)
{
	json_object_set_new(s->rvs, key, json_integer(++s->rv));
}

static inline void feed_svc(struct sim *s, const json_t *obj)
{
	struct cfg_service svc;
	struct cfg_error err;
	struct lb_cond cond;
	char key[300];
	int got;

	cfg_error_init(&err, NULL, NULL);
	if (cfg_service_decode(obj, &svc, &err) < 0)
		fail_msg("service decode: %s", err.msg);
	svc_key(obj, key, sizeof(key));
	json_object_set(s->seen, key, json_object_get(s->rvs, key));
	if (s->conds) {
		json_t *gen = json_object_get(json_object_get(obj, "metadata"), "generation");
		struct lb_svc_seen seen = {.cond_known = true,
		                           .generation = json_integer_value(gen)};

		got = lb_cond_from_json(obj, &cond);
		assert_true(got >= 0);
		seen.cond = got ? &cond : NULL;
		assert_int_equal(lb_ctrl_service_upsert_seen(s->c, &svc, &seen), 0);
	} else {
		assert_int_equal(lb_ctrl_service_upsert(s->c, &svc), 0);
	}
	cfg_service_fini(&svc);
}

/* An Eip, or a MetalLB IPAddressPool (the one pool model). */
static inline void feed_eip(struct sim *s, const json_t *obj)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	struct cfg_eip e;
	struct cfg_error err;

	cfg_error_init(&err, NULL, NULL);
	if ((kind && strcmp(kind, "IPAddressPool") == 0 ? cfg_ip_address_pool_decode(obj, &e, &err)
	                                                : cfg_eip_decode(obj, &e, &err)) < 0)
		fail_msg("pool decode: %s", err.msg);
	assert_int_equal(lb_ctrl_eip_upsert(s->c, &e), 0);
	cfg_eip_fini(&e);
}

static inline void feed_ns(struct sim *s, const char *name, const json_t *labels)
{
	struct cfg_map m = {0};
	struct cfg_kv kv[16];
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)labels, k, v)
	{
		assert_true(m.n < 16);
		kv[m.n].key = (char *)k;
		kv[m.n].value = (char *)json_string_value(v);
		m.n++;
	}
	m.items = kv;
	assert_int_equal(lb_ctrl_namespace_upsert(s->c, name, &m), 0);
}

/* kubectl apply: the manifest replaces spec and user metadata; status and
 * berth's annotation stay as the cluster has them. */
static inline void sim_put(struct sim *s, json_t *obj)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	json_t *meta = json_object_get(obj, "metadata"), *old;
	char key[300];

	assert_non_null(kind);
	if (strcmp(kind, "Namespace") == 0) {
		const char *name = json_string_value(json_object_get(meta, "name"));
		json_t *labels = json_object_get(meta, "labels");

		labels = labels ? json_deep_copy(labels) : json_object();
		json_object_set_new(s->nss, name, labels);
		feed_ns(s, name, labels);
		return;
	}
	obj = json_deep_copy(obj);
	meta = json_object_get(obj, "metadata");
	if (strcmp(kind, "Service") == 0) {
		if (!json_object_get(meta, "namespace"))
			json_object_set_new(meta, "namespace", json_string("default"));
		svc_key(obj, key, sizeof(key));
		old = json_object_get(s->svcs, key);
		if (old) {
			static const char *const mine[] = {LB_ANN_POOL, LB_ANN_SHARED,
			                                   LB_ANN_METALLB_FROM};
			json_t *oann =
			    json_object_get(json_object_get(old, "metadata"), "annotations");

			if (json_object_get(old, "status"))
				json_object_set(obj, "status", json_object_get(old, "status"));
			for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++) {
				json_t *v = json_object_get(oann, mine[i]);

				if (!v)
					continue;
				if (!json_object_get(meta, "annotations"))
					json_object_set_new(meta, "annotations", json_object());
				json_object_set(json_object_get(meta, "annotations"), mine[i], v);
			}
		}
		json_object_set(s->svcs, key, obj);
		sim_bump(s, key);
		feed_svc(s, obj);
	} else if (strcmp(kind, "Eip") == 0 || strcmp(kind, "IPAddressPool") == 0) {
		const char *name = json_string_value(json_object_get(meta, "name"));

		/* an IPAddressPool under "ns/name": an Eip may have its name */
		if (strcmp(kind, "IPAddressPool") == 0) {
			snprintf(key, sizeof(key), "%s/%s",
			         json_string_value(json_object_get(meta, "namespace")), name);
			name = key;
		}

		old = json_object_get(s->eips, name);
		if (old && json_object_get(old, "status"))
			json_object_set(obj, "status", json_object_get(old, "status"));
		json_object_set(s->eips, name, obj);
		feed_eip(s, obj);
	} else {
		fail_msg("unexpected kind %s", kind);
	}
	json_decref(obj);
}

/* Applies every document of a YAML manifest. */
static inline void sim_yaml(struct sim *s, const char *yaml)
{
	struct cfg_yaml y;
	struct cfg_error err;

	cfg_error_init(&err, "test.yaml", NULL);
	if (cfg_yaml_parse(yaml, strlen(yaml), &y, &err) < 0)
		fail_msg("yaml: %s", err.msg);
	for (size_t i = 0; i < y.n_docs; i++) {
		if (!json_is_null(y.docs[i].root))
			sim_put(s, y.docs[i].root);
	}
	cfg_yaml_fini(&y);
}

static inline void sim_delete_svc(struct sim *s, const char *ns, const char *name)
{
	char key[300];

	snprintf(key, sizeof(key), "%s/%s", ns, name);
	json_object_del(s->svcs, key);
	json_object_del(s->rvs, key);
	json_object_del(s->seen, key);
	assert_int_equal(lb_ctrl_service_delete(s->c, ns, name), 0);
}

static inline void sim_delete_eip(struct sim *s, const char *name)
{
	json_object_del(s->eips, name);
	assert_int_equal(lb_ctrl_eip_delete(s->c, name), 0);
}

static inline void sim_delete_pool(struct sim *s, const char *name)
{
	char key[300];

	snprintf(key, sizeof(key), "metallb-system/%s", name);
	json_object_del(s->eips, key);
	assert_int_equal(lb_ctrl_pool_delete(s->c, CFG_API_METALLB, name), 0);
}

/* ---- Queries ---- */

static inline json_t *svc_obj(struct sim *s, const char *key)
{
	json_t *o = json_object_get(s->svcs, key);

	if (!o)
		fail_msg("no service %s", key);
	return o;
}

/* The ingress IPs, "," separated, into a rotating buffer. */
static inline const char *ips(struct sim *s, const char *key)
{
	static char bufs[8][128];
	static int next;
	char *b = bufs[next++ % 8];
	json_t *ing = json_object_get(
	    json_object_get(json_object_get(svc_obj(s, key), "status"), "loadBalancer"), "ingress");
	size_t i;
	json_t *it;

	b[0] = '\0';
	json_array_foreach(ing, i, it)
	{
		if (i)
			strcat(b, ",");
		strcat(b, json_string_value(json_object_get(it, "ip")));
	}
	return b;
}

static inline const char *pool_ann(struct sim *s, const char *key)
{
	return json_string_value(json_object_get(
	    json_object_get(json_object_get(svc_obj(s, key), "metadata"), "annotations"),
	    LB_ANN_POOL));
}

/* Reason of berth's condition, or "" when absent. */
static inline const char *cond_reason(struct sim *s, const char *key)
{
	static struct lb_cond c;
	int got = lb_cond_from_json(svc_obj(s, key), &c);

	assert_true(got >= 0);
	return got ? c.reason : "";
}

static inline const char *cond_msg(struct sim *s, const char *key)
{
	static struct lb_cond c;

	return lb_cond_from_json(svc_obj(s, key), &c) == 1 ? c.message : "";
}

/* Events with this reason about obj (NULL: any object); sub, when not
 * NULL, must occur in the message. */
static inline unsigned evcount(struct sim *s, const char *reason, const char *obj, const char *sub)
{
	unsigned n = 0;

	for (size_t i = 0; i < s->n_evs; i++) {
		const struct sim_ev *e = &s->evs[i];

		if (strcmp(e->reason, reason) == 0 && (!obj || strcmp(e->obj, obj) == 0) &&
		    (!sub || strstr(e->msg, sub)))
			n++;
	}
	return n;
}

static inline void sim_clear_events(struct sim *s)
{
	s->n_evs = 0;
}

static inline json_t *eip_status(struct sim *s, const char *name)
{
	return json_object_get(json_object_get(s->eips, name), "status");
}

static inline long long eip_int(struct sim *s, const char *name, const char *field)
{
	return json_integer_value(json_object_get(eip_status(s, name), field));
}

static inline const char *eip_str(struct sim *s, const char *name, const char *field)
{
	const char *v = json_string_value(json_object_get(eip_status(s, name), field));

	return v ? v : "";
}

static inline const char *eip_used(struct sim *s, const char *name, const char *addr)
{
	const char *v =
	    json_string_value(json_object_get(json_object_get(eip_status(s, name), "used"), addr));

	return v ? v : "";
}

static inline void sim_record(struct sim *s, const struct lb_event *ev)
{
	struct sim_ev *e;

	if (s->n_evs == s->cap_evs) {
		s->cap_evs = s->cap_evs ? 2 * s->cap_evs : 64;
		s->evs = realloc(s->evs, s->cap_evs * sizeof(*s->evs));
		assert_non_null(s->evs);
	}
	e = &s->evs[s->n_evs++];
	snprintf(e->reason, sizeof(e->reason), "%s", ev->reason);
	if (ev->ns)
		snprintf(e->obj, sizeof(e->obj), "%s/%s", ev->ns, ev->name);
	else
		snprintf(e->obj, sizeof(e->obj), "%s", ev->name);
	snprintf(e->msg, sizeof(e->msg), "%s", ev->message);
	e->warning = strcmp(ev->type, "Warning") == 0;
	if (getenv("SIM_VERBOSE"))
		print_message("event %s %s %s: %s\n", ev->type, e->obj, e->reason, e->msg);
	assert_true(strcmp(ev->kind, ev->ns ? "Service" : "Eip") == 0 ||
	            (ev->ns && strcmp(ev->kind, "IPAddressPool") == 0));
}

/* RFC 7386, in place (target an object). */
static inline void sim_merge_patch(json_t *target, const json_t *patch)
{
	const char *k;
	json_t *v, *t;

	json_object_foreach((json_t *)patch, k, v)
	{
		if (json_is_null(v)) {
			json_object_del(target, k);
		} else if (json_is_object(v)) {
			if (!json_is_object(t = json_object_get(target, k))) {
				t = json_object();
				json_object_set_new(target, k, t);
			}
			sim_merge_patch(t, v);
		} else {
			json_object_set_new(target, k, json_deep_copy(v));
		}
	}
}

/* The strategic merge patch of a Service's status as kube-apiserver
 * applies it (k8s.io/api core/v1: status.conditions has patchStrategy
 * merge on key "type", every other list is replaced whole), in place. */
static inline void sim_smp(json_t *target, const json_t *patch, bool in_status)
{
	const char *k;
	json_t *v, *t, *item;
	size_t i, j;

	json_object_foreach((json_t *)patch, k, v)
	{
		if (json_is_null(v)) {
			json_object_del(target, k);
		} else if (json_is_object(v)) {
			if (!json_is_object(t = json_object_get(target, k))) {
				t = json_object();
				json_object_set_new(target, k, t);
			}
			sim_smp(t, v, false);
		} else if (json_is_array(v) && in_status && strcmp(k, "conditions") == 0) {
			if (!json_is_array(t = json_object_get(target, k))) {
				t = json_array();
				json_object_set_new(target, k, t);
			}
			json_array_foreach(v, i, item)
			{
				const char *type = json_string_value(json_object_get(item, "type"));
				const char *dir =
				    json_string_value(json_object_get(item, "$patch"));
				json_t *cur = NULL;

				assert_non_null(type);
				for (j = 0; j < json_array_size(t); j++) {
					cur = json_array_get(t, j);
					if (json_equal(json_object_get(cur, "type"),
					               json_object_get(item, "type")))
						break;
				}
				if (j == json_array_size(t))
					cur = NULL;
				if (dir) {
					assert_string_equal(dir, "delete");
					if (cur)
						json_array_remove(t, j);
				} else if (cur) {
					sim_smp(cur, item, false);
				} else {
					json_array_append_new(t, json_deep_copy(item));
				}
			}
		} else {
			json_object_set_new(target, k, json_deep_copy(v));
		}
	}
}

/* What the API shows the same: omitempty maps and lists. */
static inline void sim_norm(json_t *svc)
{
	json_t *st = json_object_get(svc, "status"), *meta = json_object_get(svc, "metadata");

	if (json_is_object(json_object_get(st, "loadBalancer")) &&
	    !json_object_size(json_object_get(st, "loadBalancer")))
		json_object_del(st, "loadBalancer");
	if (json_is_array(json_object_get(st, "conditions")) &&
	    !json_array_size(json_object_get(st, "conditions")))
		json_object_del(st, "conditions");
	if (json_is_object(st) && !json_object_size(st))
		json_object_del(svc, "status");
	if (json_is_object(json_object_get(meta, "annotations")) &&
	    !json_object_size(json_object_get(meta, "annotations")))
		json_object_del(meta, "annotations");
}

/* Applies a Service action as the daemon's patches; returns the new object
 * (caller owns). It must equal the whole-object glue's result. */
static inline json_t *sim_patch_svc(struct sim *s, const char *key, const json_t *obj,
                                    const struct lb_action *a)
{
	json_t *got = json_deep_copy(obj), *want = json_deep_copy(obj), *mp, *sp;
	const json_t *seen = json_object_get(s->seen, key);
	char rv[32];
	int rc;

	snprintf(rv, sizeof(rv), "%lld", (long long)json_integer_value(seen));
	rc = sim_apply_service(want, a, SIM_NOW);
	assert_true(rc == 0 || rc == 1);
	assert_int_equal(lb_action_meta_patch(a, &mp), 0);
	assert_int_equal(
	    lb_action_status_patch(a, seen ? rv : NULL, a->u.svc.keep_time, SIM_NOW, &sp), 0);
	/* SET: metadata first; CLEAR: status first. Neither order changes the
	 * result here, where nothing else writes in between. */
	if (mp) {
		s->patches++;
		sim_merge_patch(got, mp);
	}
	if (sp) {
		const char *pre = json_string_value(
		    json_object_get(json_object_get(sp, "metadata"), "resourceVersion"));

		s->patches++;
		if (pre && strcmp(pre, rv) != 0)
			fail_msg("%s: precondition %s, the engine saw %s", key, pre, rv);
		if (pre && !json_equal(seen, json_object_get(s->rvs, key)))
			fail_msg("%s: 409: the engine's view is stale", key);
		if (!json_is_object(json_object_get(got, "status")))
			json_object_set_new(got, "status", json_object());
		sim_smp(json_object_get(got, "status"), json_object_get(sp, "status"), true);
	}
	sim_norm(got);
	sim_norm(want);
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
		char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
		char *m = mp ? json_dumps(mp, JSON_COMPACT) : NULL;
		char *p = sp ? json_dumps(sp, JSON_COMPACT) : NULL;

		fail_msg("%s: patches give\n%s\nthe glue\n%s\nmeta %s\nstatus %s", key, g, w,
		         m ? m : "-", p ? p : "-");
	}
	json_decref(want);
	json_decref(mp);
	json_decref(sp);
	return got;
}

static inline void sim_norm_eip(json_t *eip)
{
	json_t *st = json_object_get(eip, "status");

	if (json_is_object(json_object_get(st, "used")) &&
	    !json_object_size(json_object_get(st, "used")))
		json_object_del(st, "used");
	if (json_is_object(st) && !json_object_size(st))
		json_object_del(eip, "status");
}

/* Applies an Eip action as the daemon's merge patch; returns the new
 * object (caller owns). It must equal the whole-status model's result. */
static inline json_t *sim_patch_eip(const json_t *obj, const struct lb_action *a)
{
	json_t *got = json_deep_copy(obj), *want = json_deep_copy(obj), *p;
	int rc = sim_apply_eip(want, a);

	assert_true(rc == 0 || rc == 1);
	assert_int_equal(lb_action_eip_patch(a, &p), 0);
	sim_merge_patch(got, p);
	sim_norm_eip(got);
	sim_norm_eip(want);
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
		char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
		char *m = json_dumps(p, JSON_COMPACT);

		fail_msg("Eip %s: the patch gives\n%s\nthe glue\n%s\npatch %s", a->u.eip.name, g, w,
		         m);
	}
	json_decref(p);
	json_decref(want);
	return got;
}

/* Pulls every action, applies it, feeds the written objects back. Returns
 * the number of status actions. Feedback must produce no action at all. */
static inline unsigned sim_drain(struct sim *s)
{
	json_t *changed_svcs = json_object(), *changed_eips = json_object();
	struct lb_action a;
	const char *k;
	json_t *v;
	char key[300];

	s->svc_actions = s->clear_actions = s->eip_actions = s->events = s->writes = 0;
	s->patches = 0;
	for (;;) {
		json_t *obj;
		int rc;

		assert_int_equal(lb_ctrl_next_action(s->c, &a), 0);
		if (a.type == LB_ACT_NONE)
			break;
		switch (a.type) {
		case LB_ACT_EVENT:
			s->events++;
			sim_record(s, &a.u.event);
			break;
		case LB_ACT_SERVICE_STATUS:
		case LB_ACT_SERVICE_CLEAR:
			if (a.type == LB_ACT_SERVICE_STATUS)
				s->svc_actions++;
			else
				s->clear_actions++;
			snprintf(key, sizeof(key), "%s/%s", a.u.svc.ns, a.u.svc.name);
			obj = json_object_get(s->svcs, key);
			assert_non_null(obj);
			if (getenv("SIM_VERBOSE"))
				print_message("%s %s was [%s] pool %s cond %s: %s -> n=%zu pool %s "
				              "cond %s: %s\n",
				              a.type == LB_ACT_SERVICE_STATUS ? "SET" : "CLEAR",
				              key, ips(s, key),
				              pool_ann(s, key) ? pool_ann(s, key) : "-",
				              cond_reason(s, key), cond_msg(s, key),
				              a.u.svc.n_ingress, a.u.svc.pool ? a.u.svc.pool : "-",
				              a.u.svc.cond.reason, a.u.svc.cond.message);
			obj = sim_patch_svc(s, key, obj, &a);
			s->last_type = a.type;
			s->last = a.u.svc;
			s->last.ns = s->last.name = s->last.pool = s->last.shared = NULL;
			s->last.keep = NULL;
			v = json_deep_copy(json_object_get(s->svcs, key));
			sim_norm(v);
			rc = !json_equal(obj, v);
			json_decref(v);
			if (rc) {
				s->writes++;
				json_object_set(s->svcs, key, obj);
				sim_bump(s, key);
				json_object_set(changed_svcs, key, obj);
			}
			json_decref(obj);
			break;
		case LB_ACT_EIP_STATUS:
			s->eip_actions++;
			obj = json_object_get(s->eips, a.u.eip.name);
			assert_non_null(obj);
			if (getenv("SIM_VERBOSE")) {
				char *was =
				    json_dumps(json_object_get(obj, "status"), JSON_COMPACT);

				print_message("EIP %s was %s -> usage %lld ready %d first %s\n",
				              a.u.eip.name, was ? was : "null",
				              (long long)a.u.eip.status.usage, a.u.eip.status.ready,
				              a.u.eip.status.first_ip ? a.u.eip.status.first_ip
				                                      : "-");
				free(was);
			}
			obj = sim_patch_eip(obj, &a);
			v = json_deep_copy(json_object_get(s->eips, a.u.eip.name));
			sim_norm_eip(v);
			rc = !json_equal(obj, v);
			json_decref(v);
			if (rc) {
				s->writes++;
				json_object_set(s->eips, a.u.eip.name, obj);
				json_object_set(changed_eips, a.u.eip.name, obj);
			}
			json_decref(obj);
			break;
		default:
			fail_msg("bad action type %d", a.type);
		}
		lb_action_fini(&a);
	}
	json_object_foreach(changed_eips, k, v) feed_eip(s, v);
	json_object_foreach(changed_svcs, k, v) feed_svc(s, v);
	json_decref(changed_svcs);
	json_decref(changed_eips);
	assert_int_equal(lb_ctrl_next_action(s->c, &a), 0);
	if (a.type != LB_ACT_NONE)
		fail_msg("feedback produced action type %d (%s)", a.type,
		         a.type == LB_ACT_EVENT ? a.u.event.message : "");
	return s->svc_actions + s->clear_actions + s->eip_actions;
}

/* A controller restart: a fresh engine fed the current cluster (in reverse
 * key order, to show the order does not matter), then synced and drained. */
static inline unsigned sim_restart(struct sim *s)
{
	const char *k;
	json_t *v;
	size_t n = json_object_size(s->svcs), i = 0;
	const json_t **list = calloc(n ? n : 1, sizeof(*list));

	lb_ctrl_free(s->c);
	sim_start(s);
	json_object_foreach(s->nss, k, v) feed_ns(s, k, v);
	json_object_foreach(s->eips, k, v) feed_eip(s, v);
	json_object_foreach(s->svcs, k, v) list[i++] = v;
	while (i-- > 0)
		feed_svc(s, list[i]);
	free(list);
	assert_int_equal(lb_ctrl_synced(s->c), 0);
	return sim_drain(s);
}

static inline unsigned sim_sync(struct sim *s)
{
	assert_int_equal(lb_ctrl_synced(s->c), 0);
	return sim_drain(s);
}

#endif
