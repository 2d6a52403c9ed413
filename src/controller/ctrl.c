/*
 * lb_ctrl: object tables, the inputs, the initial sync.
 */
#include "controller/ctrl_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* ---- Lifecycle ---- */

void lb_svc_unsend(struct lb_svc *s)
{
	if (!s->sent)
		return;
	free(s->sent->pool);
	free(s->sent->shared);
	free(s->sent->mlb_pool);
	free(s->sent->cond);
	free(s->sent);
	s->sent = NULL;
}

struct lb_sent *lb_svc_send(struct lb_svc *s, enum lb_action_type type)
{
	lb_svc_unsend(s);
	if ((s->sent = calloc(1, sizeof(*s->sent))))
		s->sent->type = type;
	return s->sent;
}

char *lb_cond_pack(const struct lb_cond *c)
{
	size_t r = strnlen(c->reason, sizeof(c->reason) - 1);
	size_t m = strnlen(c->message, sizeof(c->message) - 1);
	char *p = malloc(r + m + 3);

	if (!p)
		return NULL;
	p[0] = c->ok ? 'T' : 'F';
	memcpy(p + 1, c->reason, r);
	p[1 + r] = '\0';
	memcpy(p + 2 + r, c->message, m);
	p[2 + r + m] = '\0';
	return p;
}

bool lb_cond_packed_ok(const char *p)
{
	return p && p[0] == 'T';
}

const char *lb_cond_packed_reason(const char *p)
{
	return p ? p + 1 : "";
}

bool lb_cond_packed_eq(const char *p, const struct lb_cond *c)
{
	const char *reason;

	if (!p || lb_cond_packed_ok(p) != c->ok)
		return false;
	reason = lb_cond_packed_reason(p);
	return strncmp(reason, c->reason, sizeof(c->reason)) == 0 &&
	       strncmp(reason + strlen(reason) + 1, c->message, sizeof(c->message)) == 0;
}

void lb_svc_destroy(struct lb_svc *s)
{
	if (!s)
		return;
	free(s->key);
	free(s->uid);
	lb_req_fini(&s->req);
	free(s->obs);
	free(s->obs_cond);
	free(s->obs_marker_val);
	free(s->obs_shared);
	free(s->obs_mlb_pool);
	free(s->fail_msg);
	free(s->partial_msg);
	free(s->fail_event);
	lb_eff_clear(s);
	lb_svc_unsend(s);
	free(s);
}

static void ns_destroy(struct lb_ns *n)
{
	if (!n)
		return;
	free(n->name);
	cfg_map_fini(&n->labels);
	free(n);
}

struct lb_ctrl *lb_ctrl_new(const struct lb_ctrl_opts *opts)
{
	struct lb_ctrl *c = calloc(1, sizeof(*c));
	const char *cls = opts && opts->lb_class ? opts->lb_class : LB_DEFAULT_CLASS;

	if (!c)
		return NULL;
	c->default_family = opts && opts->default_family == AF_INET6 ? AF_INET6 : AF_INET;
	if (!(c->lb_class = strdup(cls)) || !(c->ipam = ipam_new())) {
		lb_ctrl_free(c);
		return NULL;
	}
	return c;
}

void lb_ctrl_free(struct lb_ctrl *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->svcs.n; i++)
		lb_svc_destroy(c->svcs.v[i].val);
	for (size_t i = 0; i < c->eips.n; i++)
		lb_eip_destroy(c->eips.v[i].val);
	for (size_t i = 0; i < c->nss.n; i++)
		ns_destroy(c->nss.v[i].val);
	for (size_t i = 0; i < c->peers.n; i++)
		free(c->peers.v[i].val);
	core_map_fini(&c->svcs);
	core_map_fini(&c->eips);
	core_map_fini(&c->nss);
	core_map_fini(&c->peers);
	lb_queue_fini(c);
	ipam_free(c->ipam);
	free(c->lb_class);
	free(c);
}

void lb_ctrl_eips_seen(const struct lb_ctrl *c,
                       void (*fn)(const char *name, const struct cfg_eip_status *st, void *arg),
                       void *arg)
{
	for (size_t i = 0; i < c->eips.n; i++) {
		const struct lb_eip *e = c->eips.v[i].val;

		fn(e->name, &e->obs, arg);
	}
}

bool lb_ctrl_default_eip_seen(const struct lb_ctrl *c)
{
	for (size_t i = 0; i < c->eips.n; i++) {
		const struct lb_eip *e = c->eips.v[i].val;

		if ((e->is_default && !e->disable) || e->api == CFG_API_METALLB)
			return true;
	}
	return false;
}

void lb_ctrl_stats(const struct lb_ctrl *c, struct lb_ctrl_stats *out)
{
	out->events_dropped = c->events_dropped;
}

bool lb_ctrl_is_synced(const struct lb_ctrl *c)
{
	return c->synced;
}

/* ---- Services ---- */

/* The observed parts of a Service, compared to see whether it changed. */
static int obs_read(const struct cfg_service *in, struct core_addr **obs, size_t *n)
{
	*obs = NULL;
	*n = 0;
	if (!in->n_ingress)
		return 0;
	if (!(*obs = calloc(in->n_ingress, sizeof(**obs))))
		return -ENOMEM;
	memcpy(*obs, in->ingress, in->n_ingress * sizeof(**obs));
	*n = in->n_ingress;
	return 0;
}

/* "ns/name", then ns and name, in one allocation. */
static char *svc_key_new(const char *ns, const char *name)
{
	size_t ln = strlen(ns), lm = strlen(name);
	char *k = malloc(2 * (ln + lm + 2));

	if (!k)
		return NULL;
	memcpy(k, ns, ln);
	k[ln] = '/';
	memcpy(k + ln + 1, name, lm + 1);
	memcpy(k + ln + lm + 2, ns, ln + 1);
	memcpy(k + 2 * ln + lm + 3, name, lm + 1);
	return k;
}

static int svc_input(struct lb_ctrl *c, const struct cfg_service *in,
                     const struct lb_svc_seen *seen)
{
	bool cond_known = seen->cond_known;
	const struct lb_cond *cond = cond_known ? seen->cond : NULL;
	const char *ns = in->meta.ns ? in->meta.ns : "default";
	const char *marker = cfg_meta_annotation(&in->meta, LB_ANN_POOL);
	const char *openelb = cfg_meta_label(&in->meta, LB_LABEL_OPENELB_EIP);
	const char *shared = cfg_meta_annotation(&in->meta, LB_ANN_SHARED);
	const char *mfrom = cfg_meta_annotation(&in->meta, LB_ANN_METALLB_FROM);
	bool metallb = mfrom || cfg_meta_annotation(&in->meta, LB_ANN_METALLB_FROM0);
	struct lb_req req;
	struct core_addr *obs;
	size_t n_obs;
	struct lb_svc *s;
	uint8_t pann = lb_proto_ann(in);
	bool is_new = false, req_changed, obs_changed, pann_changed;
	char *key, *mval = NULL, *uid = NULL, *sval = NULL, *cval = NULL, *fval = NULL;
	int err = 0, ret;

	if (!in->meta.name || !*in->meta.name)
		return -EINVAL;
	if (!(key = svc_key_new(ns, in->meta.name)))
		return -ENOMEM;
	if ((ret = lb_req_build(c, in, &req)) < 0) {
		free(key);
		return ret;
	}
	if ((ret = obs_read(in, &obs, &n_obs)) < 0) {
		lb_req_fini(&req);
		free(key);
		return ret;
	}
	mval = lb_strdup(marker, &err);
	sval = lb_strdup(shared, &err);
	fval = lb_strdup(mfrom, &err);
	uid = lb_strdup(in->meta.uid, &err);
	if (cond && !(cval = lb_cond_pack(cond)))
		err = -ENOMEM;
	s = core_map_get(&c->svcs, key, strlen(key));
	if (!s && !err) {
		if (!(s = calloc(1, sizeof(*s)))) {
			err = -ENOMEM;
		} else {
			s->key = key;
			key = NULL;
			s->ns = s->key + strlen(s->key) + 1;
			s->name = s->ns + strlen(s->ns) + 1;
			if ((err = core_map_put(&c->svcs, s->key, strlen(s->key), s)) < 0) {
				lb_svc_destroy(s);
				s = NULL;
			}
			is_new = true;
		}
	}
	free(key);
	if (err) {
		lb_req_fini(&req);
		free(obs);
		free(mval);
		free(sval);
		free(fval);
		free(uid);
		free(cval);
		return err;
	}
	req_changed = is_new || !lb_req_equal(&s->req, &req);
	obs_changed = is_new || n_obs != s->n_obs ||
	              (n_obs && memcmp(obs, s->obs, n_obs * sizeof(*obs)) != 0) ||
	              s->obs_marker != !!marker || !str_eq(s->obs_marker_val, mval) ||
	              s->obs_openelb != !!openelb || !str_eq(s->obs_shared, sval) ||
	              s->obs_metallb != metallb || !str_eq(s->obs_mlb_pool, fval) ||
	              s->cond_known != cond_known || !s->obs_cond != !cond ||
	              (cond && !lb_cond_packed_eq(s->obs_cond, cond));
	/* The annotation is no request: it changes only what is reported. */
	pann_changed = s->proto_ann != pann;
	s->proto_ann = pann;
	lb_req_fini(&s->req);
	s->req = req;
	s->claim = lb_svc_claim(c, in);
	free(s->obs);
	s->obs = obs;
	s->n_obs = n_obs;
	s->obs_marker = marker != NULL;
	s->obs_openelb = openelb != NULL;
	s->obs_metallb = metallb;
	free(s->obs_shared);
	s->obs_shared = sval;
	free(s->obs_mlb_pool);
	s->obs_mlb_pool = fval;
	free(s->obs_marker_val);
	s->obs_marker_val = mval;
	free(s->uid);
	s->uid = uid;
	s->cond_known = cond_known;
	free(s->obs_cond);
	s->obs_cond = cval;
	s->generation = seen->generation;
	/* What we sent is now superseded by what the object shows. */
	if (obs_changed)
		lb_svc_unsend(s);
	if (!c->synced)
		return 0;
	if ((ret = lb_svc_reconcile(c, s, req_changed)) < 0 ||
	    (pann_changed && s->owned && (ret = lb_svc_report_proto(c, s)) < 0))
		return ret;
	return lb_retry_pending(c);
}

int lb_ctrl_service_upsert(struct lb_ctrl *c, const struct cfg_service *svc)
{
	struct lb_svc_seen seen = {.cond_known = false};

	if (!c || !svc)
		return -EINVAL;
	return svc_input(c, svc, &seen);
}

int lb_ctrl_service_upsert_cond(struct lb_ctrl *c, const struct cfg_service *svc,
                                const struct lb_cond *cond)
{
	struct lb_svc_seen seen = {.cond_known = true, .cond = cond};

	if (!c || !svc)
		return -EINVAL;
	return svc_input(c, svc, &seen);
}

int lb_ctrl_service_upsert_seen(struct lb_ctrl *c, const struct cfg_service *svc,
                                const struct lb_svc_seen *seen)
{
	if (!c || !svc || !seen)
		return -EINVAL;
	return svc_input(c, svc, seen);
}

int lb_ctrl_service_delete(struct lb_ctrl *c, const char *ns, const char *name)
{
	char key[2 * IPAM_NAME_MAX + 2];
	struct lb_svc *s;
	int ret = 0;

	if (!c || !name)
		return -EINVAL;
	if (!ns)
		ns = "default";
	if ((size_t)snprintf(key, sizeof(key), "%s/%s", ns, name) >= sizeof(key))
		return 0; /* longer than any name we could have stored */
	if (!(s = core_map_get(&c->svcs, key, strlen(key))))
		return 0;
	/* No Events: the object is gone. */
	if (c->synced && s->owned && (ret = lb_svc_release(c, s, NULL, false)) < 0)
		return ret;
	core_map_del(&c->svcs, key, strlen(key));
	lb_svc_destroy(s);
	return c->synced ? lb_retry_pending(c) : 0;
}

/* ---- Eips ---- */

/* After any change to the pools: the knock-on effects, in a fixed order. */
static int pools_changed(struct lb_ctrl *c)
{
	bool had = c->has_default;
	int ret;

	if ((ret = lb_eip_retry_refused(c)) < 0)
		return ret;
	lb_update_default(c);
	if (had != c->has_default && (ret = lb_reclaim_default(c)) < 0)
		return ret;
	if ((ret = lb_report_all(c)) < 0)
		return ret;
	c->retry = true;
	return lb_retry_pending(c);
}

int lb_ctrl_eip_upsert(struct lb_ctrl *c, const struct cfg_eip *in)
{
	struct lb_eip *e, *tmp;
	bool spec_same, obs_same, proto_same;
	int ret;

	if (!c || !in || !in->meta.name || !*in->meta.name)
		return -EINVAL;
	if (!(tmp = calloc(1, sizeof(*tmp))))
		return -ENOMEM;
	if ((ret = lb_eip_set(tmp, in)) < 0) {
		lb_eip_destroy(tmp);
		return ret;
	}
	e = core_map_get(&c->eips, tmp->name, strlen(tmp->name));
	if (e && e->api != tmp->api) {
		/* Services name pools by name alone (config.h, the set's rule) */
		ret = lb_queue_event(c, lb_eip_kind(tmp), tmp->ns, tmp->name, tmp->uid, true,
		                     "InvalidPool",
		                     "metadata.name: %s %s has this name: Services name pools by "
		                     "name alone; this one is not used",
		                     lb_eip_kind(e), e->name);
		lb_eip_destroy(tmp);
		return ret < 0 ? ret : 0;
	}
	if (!e) {
		if ((ret = core_map_put(&c->eips, tmp->name, strlen(tmp->name), tmp)) < 0) {
			lb_eip_destroy(tmp);
			return ret;
		}
		if (!c->synced)
			return 0;
		if ((ret = lb_eip_apply(c, tmp)) < 0 || (ret = lb_eip_check_peers(c, tmp)) < 0)
			return ret;
		return pools_changed(c);
	}
	spec_same = lb_eip_spec_equal(e, tmp);
	/* Not the allocator's business: only what its holders are told. */
	proto_same = e->protocol == tmp->protocol;
	obs_same = lb_eip_status_equal(&e->obs, &tmp->obs);
	/* Keep the engine's state, take the object's. */
	tmp->accepted = e->accepted;
	tmp->app_default = e->app_default;
	tmp->app_disable = e->app_disable;
	tmp->refused = e->refused;
	e->refused = NULL;
	tmp->unknown_peers = e->unknown_peers;
	e->unknown_peers = NULL;
	tmp->queued = e->queued;
	if (obs_same) {
		tmp->has_sent = e->has_sent;
		tmp->sent_hash = e->sent_hash;
	}
	core_map_replace(&c->eips, tmp->name, strlen(tmp->name), tmp);
	lb_eip_destroy(e);
	if (!c->synced)
		return 0;
	if ((ret = lb_eip_check_peers(c, tmp)) < 0)
		return ret;
	if (spec_same) {
		if (!proto_same && (ret = lb_report_all(c)) < 0)
			return ret;
		return lb_queue_eip(c, tmp);
	}
	if ((ret = lb_eip_apply(c, tmp)) < 0)
		return ret;
	return pools_changed(c);
}

int lb_ctrl_eip_delete(struct lb_ctrl *c, const char *name)
{
	return lb_ctrl_pool_delete(c, CFG_API_OPENELB, name);
}

int lb_ctrl_pool_delete(struct lb_ctrl *c, enum cfg_api api, const char *name)
{
	struct lb_eip *e;

	if (!c || !name)
		return -EINVAL;
	/* the other API's pool of that name is not this one */
	if (!(e = core_map_get(&c->eips, name, strlen(name))) || e->api != api)
		return 0;
	core_map_del(&c->eips, name, strlen(name));
	/* Holdings stay with their Services (ipam.h). */
	if (e->accepted)
		ipam_pool_delete(c->ipam, e->name);
	lb_eip_destroy(e);
	return c->synced ? pools_changed(c) : 0;
}

/* ---- Namespaces ---- */

int lb_ctrl_namespace_upsert(struct lb_ctrl *c, const char *name, const struct cfg_map *labels)
{
	struct lb_ns *n;
	struct cfg_map copy;
	int ret, err = 0;

	if (!c || !name || !*name)
		return -EINVAL;
	n = core_map_get(&c->nss, name, strlen(name));
	if (n && lb_cfg_map_equal(&n->labels, labels))
		return 0;
	if ((ret = lb_map_copy(&copy, labels)) < 0)
		return ret;
	if (!n) {
		if (!(n = calloc(1, sizeof(*n))) || !(n->name = lb_strdup(name, &err)) ||
		    core_map_put(&c->nss, n->name, strlen(n->name), n) < 0) {
			ns_destroy(n);
			cfg_map_fini(&copy);
			return -ENOMEM;
		}
	}
	cfg_map_fini(&n->labels);
	n->labels = copy;
	/* New labels may bind the namespace to a pool with a selector. */
	c->retry = true;
	return c->synced ? lb_retry_pending(c) : 0;
}

int lb_ctrl_namespace_delete(struct lb_ctrl *c, const char *name)
{
	if (!c || !name)
		return -EINVAL;
	ns_destroy(core_map_del(&c->nss, name, strlen(name)));
	return 0;
}

static int check_all_peers(struct lb_ctrl *c)
{
	int ret = 0;

	for (size_t i = 0; i < c->eips.n && !ret; i++)
		ret = lb_eip_check_peers(c, c->eips.v[i].val);
	return ret;
}

int lb_ctrl_peer_upsert(struct lb_ctrl *c, const char *name)
{
	char *key;

	if (!c || !name || !*name)
		return -EINVAL;
	if (core_map_get(&c->peers, name, strlen(name)))
		return 0;
	if (!(key = strdup(name)) || core_map_put(&c->peers, key, strlen(key), key) < 0) {
		free(key);
		return -ENOMEM;
	}
	return c->synced ? check_all_peers(c) : 0;
}

int lb_ctrl_peer_delete(struct lb_ctrl *c, const char *name)
{
	if (!c || !name)
		return -EINVAL;
	free(core_map_del(&c->peers, name, strlen(name)));
	return c->synced ? check_all_peers(c) : 0;
}

/* ---- The initial sync ---- */

/* Eips accepted before the restart (their status has a firstIP) first:
 * they won any overlap and keep winning. */
static int cmp_eip_sync(const void *a, const void *b)
{
	const struct lb_eip *x = *(const struct lb_eip *const *)a;
	const struct lb_eip *y = *(const struct lb_eip *const *)b;
	bool xa = x->obs.first_ip && *x->obs.first_ip, ya = y->obs.first_ip && *y->obs.first_ip;

	if (xa != ya)
		return xa ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* A Service whose last request berth refused (its condition says so). */
static bool refused(const struct lb_svc *s)
{
	return s->obs_cond && strcmp(lb_cond_packed_reason(s->obs_cond), "AllocationFailed") == 0;
}

/* Status written by berth first: it wins a restore conflict. Then those
 * whose requests are in effect, so that a Service with a refused change
 * finds its co-holders' parameters in place (params_lenient). */
static int cmp_svc_restore(const void *a, const void *b)
{
	const struct lb_svc *x = *(const struct lb_svc *const *)a;
	const struct lb_svc *y = *(const struct lb_svc *const *)b;

	if (x->obs_marker != y->obs_marker)
		return x->obs_marker ? -1 : 1;
	if (refused(x) != refused(y))
		return refused(x) ? 1 : -1;
	return strcmp(x->key, y->key);
}

int lb_ctrl_synced(struct lb_ctrl *c)
{
	void **v = NULL;
	struct lb_svc **rs = NULL;
	size_t n = 0, nr = 0;
	int ret;

	if (!c)
		return -EINVAL;
	if (c->synced)
		return 0;
	c->synced = true;
	if ((ret = lb_sorted(&c->eips, &v, &n)) < 0)
		return ret;
	if (n)
		qsort(v, n, sizeof(*v), cmp_eip_sync);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = lb_eip_apply(c, v[i]);
	free(v);
	if (ret < 0 || (ret = lb_eip_retry_refused(c)) < 0 || (ret = check_all_peers(c)) < 0)
		return ret;
	lb_update_default(c);
	if ((ret = lb_sorted(&c->svcs, &v, &n)) < 0)
		return ret;
	if (n && !(rs = malloc(n * sizeof(*rs)))) {
		free(v);
		return -ENOMEM;
	}
	/* Restore everything before the first allocation (ipam.h). */
	for (size_t i = 0; i < n; i++) {
		struct lb_svc *s = v[i];

		if (lb_svc_wanted(c, s) && s->n_obs)
			rs[nr++] = s;
	}
	if (nr)
		qsort(rs, nr, sizeof(*rs), cmp_svc_restore);
	for (size_t i = 0; i < nr && ret == 0; i++) {
		rs[i]->owned = true;
		ret = lb_svc_restore(c, rs[i]);
	}
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = lb_svc_reconcile(c, v[i], true);
	free(rs);
	free(v);
	if (ret < 0)
		return ret;
	return lb_retry_pending(c);
}

int lb_ctrl_service_unsent(struct lb_ctrl *c, const char *ns, const char *name, bool recheck)
{
	char key[2 * IPAM_NAME_MAX + 2];
	struct lb_svc *s;

	if (!c || !name)
		return -EINVAL;
	if ((size_t)snprintf(key, sizeof(key), "%s/%s", ns ? ns : "default", name) >= sizeof(key))
		return 0;
	if (!c->synced || !(s = core_map_get(&c->svcs, key, strlen(key))))
		return 0;
	lb_svc_unsend(s);
	return recheck ? lb_queue_svc(c, s) : 0;
}

int lb_ctrl_resync(struct lb_ctrl *c)
{
	void **v = NULL;
	size_t n = 0;
	int ret;

	if (!c)
		return -EINVAL;
	if (!c->synced)
		return 0;
	if ((ret = lb_sorted(&c->svcs, &v, &n)) < 0)
		return ret;
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct lb_svc *s = v[i];

		lb_svc_unsend(s);
		ret = lb_queue_svc(c, s);
	}
	free(v);
	if (ret < 0 || (ret = lb_sorted(&c->eips, &v, &n)) < 0)
		return ret;
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct lb_eip *e = v[i];

		e->has_sent = false;
		ret = lb_queue_eip(c, e);
	}
	free(v);
	return ret;
}
