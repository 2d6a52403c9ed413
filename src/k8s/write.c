/*
 * Typed requests (paths from k8s_path) and read-modify-write with retry
 * on 409 Conflict, as client-go's retry.RetryOnConflict around a GET and
 * an Update.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "k8s/client.h"

int k8s_get(struct k8s_client *c, const struct k8s_resource *r, const char *ns, const char *name,
            k8s_done_fn cb, void *arg, struct k8s_req **out)
{
	char path[K8S_PATH_MAX];
	int rc = k8s_path(path, sizeof(path), r, ns, name, NULL);

	return rc ? rc : k8s_request(c, K8S_GET, path, NULL, cb, arg, out);
}

int k8s_create(struct k8s_client *c, const struct k8s_resource *r, const char *ns,
               const json_t *obj, k8s_done_fn cb, void *arg, struct k8s_req **out)
{
	char path[K8S_PATH_MAX];
	int rc;

	if (r->namespaced && !ns)
		ns = k8s_obj_namespace(obj);
	if (r->namespaced && !ns)
		return -EINVAL; /* POST to the all-namespaces path is not a create */
	rc = k8s_path(path, sizeof(path), r, ns, NULL, NULL);
	return rc ? rc : k8s_request(c, K8S_POST, path, obj, cb, arg, out);
}

int k8s_replace(struct k8s_client *c, const struct k8s_resource *r, const char *ns,
                const char *name, const char *sub, const json_t *obj, k8s_done_fn cb, void *arg,
                struct k8s_req **out)
{
	char path[K8S_PATH_MAX];
	int rc = k8s_path(path, sizeof(path), r, ns, name, sub);

	return rc ? rc : k8s_request(c, K8S_PUT, path, obj, cb, arg, out);
}

int k8s_patch(struct k8s_client *c, const struct k8s_resource *r, const char *ns, const char *name,
              const char *sub, const json_t *patch, k8s_done_fn cb, void *arg, struct k8s_req **out)
{
	char path[K8S_PATH_MAX];
	int rc = k8s_path(path, sizeof(path), r, ns, name, sub);

	return rc ? rc : k8s_request(c, K8S_PATCH, path, patch, cb, arg, out);
}

int k8s_delete(struct k8s_client *c, const struct k8s_resource *r, const char *ns, const char *name,
               k8s_done_fn cb, void *arg, struct k8s_req **out)
{
	char path[K8S_PATH_MAX];
	int rc = k8s_path(path, sizeof(path), r, ns, name, NULL);

	return rc ? rc : k8s_request(c, K8S_DELETE, path, NULL, cb, arg, out);
}

/* ---- read-modify-write ---- */

struct k8s_update {
	struct k8s_client *c;
	struct k8s_update_opts o; /* ns, name, sub: owned copies */
	char get_path[K8S_PATH_MAX];
	char put_path[K8S_PATH_MAX];
	struct k8s_req *req;
	ev_timer wait;
	struct k8s_backoff bo;
	unsigned attempt;
	bool in_cb, cancelled;
};

static void update_free(struct k8s_update *u)
{
	k8s_request_cancel(u->req);
	ev_timer_stop(k8s_client_loop(u->c), &u->wait);
	free((char *)u->o.ns);
	free((char *)u->o.name);
	free((char *)u->o.sub);
	free(u);
}

static void update_end(struct k8s_update *u, int rc, json_t *body, const struct k8s_status *st)
{
	u->req = NULL;
	u->in_cb = true;
	u->o.done(rc, body, st, u->o.done_arg);
	update_free(u);
}

static void on_get(int rc, json_t *body, const struct k8s_status *st, void *arg);

static void get_again(struct k8s_update *u)
{
	struct k8s_status st = {0};
	int rc;

	u->attempt++;
	rc = k8s_request(u->c, K8S_GET, u->get_path, NULL, on_get, u, &u->req);
	if (rc) {
		snprintf(st.message, sizeof(st.message), "cannot start GET: %s", strerror(-rc));
		update_end(u, rc, NULL, &st);
	}
}

static void wait_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	get_again(w->data);
}

static void on_put(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct k8s_update *u = arg;

	u->req = NULL;
	if (rc == -ESTALE && strcmp(st->reason, "Conflict") == 0 &&
	    u->attempt < u->o.max_attempts) {
		double delay = k8s_backoff_next(&u->bo, k8s_client_rand(u->c)) / 1000.0;

		log_debug("k8s: %s: conflict, attempt %u, again in %.3fs", u->put_path, u->attempt,
		          delay);
		ev_timer_init(&u->wait, wait_cb, delay, 0.);
		u->wait.data = u;
		ev_timer_start(k8s_client_loop(u->c), &u->wait);
		return;
	}
	update_end(u, rc, body, st);
}

static void on_get(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct k8s_update *u = arg;
	struct k8s_status mst = {0};
	int m;

	u->req = NULL;
	if (rc || !json_is_object(body)) {
		if (!rc) {
			rc = -EBADMSG;
			snprintf(mst.message, sizeof(mst.message), "GET %.400s: not an object",
			         u->get_path);
			st = &mst;
		}
		update_end(u, rc, NULL, st);
		return;
	}
	/* body is ours to change: the request drops its reference after
	 * this call and nobody else has one. */
	m = u->o.mutate(body, u->o.mutate_arg);
	if (m < 0) {
		snprintf(mst.message, sizeof(mst.message), "mutation gave up: %s", strerror(-m));
		update_end(u, m, NULL, &mst);
		return;
	}
	if (m == 1) {
		update_end(u, 0, body, NULL);
		return;
	}
	rc = k8s_request(u->c, K8S_PUT, u->put_path, body, on_put, u, &u->req);
	if (rc) {
		snprintf(mst.message, sizeof(mst.message), "cannot start PUT: %s", strerror(-rc));
		update_end(u, rc, NULL, &mst);
	}
}

static char *dup_opt(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

int k8s_update_retry(struct k8s_client *c, const struct k8s_update_opts *o, struct k8s_update **out)
{
	struct k8s_update *u;
	bool oom = false;
	int rc;

	if (out)
		*out = NULL;
	if (!o->res || !o->name || !o->mutate || !o->done)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->c = c;
	u->o = *o;
	u->o.ns = dup_opt(o->ns, &oom);
	u->o.name = dup_opt(o->name, &oom);
	u->o.sub = dup_opt(o->sub, &oom);
	if (!u->o.max_attempts)
		u->o.max_attempts = 5;
	ev_init(&u->wait, wait_cb);
	/* retry.DefaultBackoff: 10 ms, factor 5, jitter 10%. */
	k8s_backoff_init(&u->bo, 10, 10000, 5, 10);
	rc = oom ? -ENOMEM : 0;
	if (!rc)
		rc = k8s_path(u->get_path, sizeof(u->get_path), o->res, o->ns, o->name, NULL);
	if (!rc)
		rc = k8s_path(u->put_path, sizeof(u->put_path), o->res, o->ns, o->name, o->sub);
	if (!rc)
		rc = k8s_request(c, K8S_GET, u->get_path, NULL, on_get, u, &u->req);
	if (rc) {
		update_free(u);
		return rc;
	}
	u->attempt = 1;
	if (out)
		*out = u;
	return 0;
}

int k8s_status_update(struct k8s_client *c, const struct k8s_resource *r, const char *ns,
                      const char *name, k8s_mutate_fn mutate, void *marg, k8s_done_fn done,
                      void *darg, struct k8s_update **out)
{
	struct k8s_update_opts o = {
	    .res = r,
	    .ns = ns,
	    .name = name,
	    .sub = "status",
	    .mutate = mutate,
	    .mutate_arg = marg,
	    .done = done,
	    .done_arg = darg,
	};

	return k8s_update_retry(c, &o, out);
}

void k8s_update_cancel(struct k8s_update *u)
{
	if (!u)
		return;
	if (u->in_cb) {
		u->cancelled = true; /* update_end frees it */
		return;
	}
	update_free(u);
}
