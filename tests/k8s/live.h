/*
 * Helpers for the tests against the API server stand-in
 * (tools/apiserver), included by tests/unit/test_k8s_live*.c. Those
 * tests SKIP unless BERTH_TEST_APISERVER names the stand-in's kubeconfig
 * (tests/e2e/test_k8s_*.sh start it and set the variable).
 *
 * Two loops: loop A runs the code under test (informers, electors);
 * loop B runs a second client that plays kubectl and the test controls
 * (POST /_admin/...). While B runs, A is frozen, which makes races
 * (changes while a watch is down) deterministic.
 */
#ifndef BERTH_TESTS_K8S_LIVE_H
#define BERTH_TESTS_K8S_LIVE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "k8s/api.h"
#include "k8s/client.h"
#include "k8s/config.h"
#include "k8s/informer.h"

/* Each test file uses some of these. */
#define LIVE_FN static __attribute__((unused))

struct live {
	struct ev_loop *loop_a, *loop_b;
	struct k8s_client *a, *b;
	char ns[64];
};

LIVE_FN void live_log(enum log_level lvl, const char *line, void *arg)
{
	static const char *const names[] = {"ERR", "WRN", "INF", "DBG"};

	fprintf(stderr, "    [%s] %s\n", names[lvl], line);
}

LIVE_FN double live_now(void)
{
	return (double)core_now_ms() / 1000.0;
}

LIVE_FN void live_wake(struct ev_loop *loop, ev_timer *w, int revents)
{
}

/* Runs loop until cond(arg) or timeout seconds; returns cond's value. */
LIVE_FN bool live_run_until(struct ev_loop *loop, bool (*cond)(void *), void *arg, double timeout)
{
	double end = live_now() + timeout;
	ev_timer wake;
	bool ok;

	ev_timer_init(&wake, live_wake, 0.02, 0.02);
	ev_timer_start(loop, &wake);
	while (!(ok = cond && cond(arg)) && live_now() < end)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &wake);
	return ok;
}

LIVE_FN void live_run_for(struct ev_loop *loop, double secs)
{
	live_run_until(loop, NULL, NULL, secs);
}

struct live_res {
	bool done;
	int rc;
	json_t *body;
	struct k8s_status st;
};

LIVE_FN void live_done(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct live_res *r = arg;

	r->done = true;
	r->rc = rc;
	r->body = json_incref(body);
	if (st)
		r->st = *st;
}

LIVE_FN bool live_res_done(void *arg)
{
	return ((struct live_res *)arg)->done;
}

/* A request run to completion on c's loop. *out (may be NULL) owned. */
LIVE_FN int live_call(struct k8s_client *c, enum k8s_method m, const char *path, const json_t *body,
                      json_t **out, struct k8s_status *st)
{
	struct live_res r = {0};
	int rc = k8s_request(c, m, path, body, live_done, &r, NULL);

	if (rc)
		return rc;
	if (!live_run_until(k8s_client_loop(c), live_res_done, &r, 40))
		fail_msg("%s: no answer in 40 s", path);
	if (st)
		*st = r.st;
	if (out)
		*out = r.body;
	else
		json_decref(r.body);
	return r.rc;
}

/* Test control on the stand-in, e.g. ("drop-watches", "abrupt=1"). */
LIVE_FN void live_admin(struct live *l, const char *op, const char *query)
{
	char path[256];
	struct k8s_status st;
	int rc;

	snprintf(path, sizeof(path), "/_admin/%s%s%s", op, query ? "?" : "", query ? query : "");
	rc = live_call(l->b, K8S_POST, path, NULL, NULL, &st);
	if (rc)
		fail_msg("admin %s: %d %s", path, rc, st.message);
}

/* Retries GET /version until the server answers (after a restart). */
LIVE_FN void live_wait_server(struct live *l)
{
	for (int i = 0; i < 200; i++) {
		if (live_call(l->b, K8S_GET, "/version", NULL, NULL, NULL) == 0)
			return;
		live_run_for(l->loop_b, 0.1);
	}
	fail_msg("the server did not come back");
}

LIVE_FN int live_client(struct ev_loop *loop, const char *kubeconfig, struct k8s_client **out)
{
	struct k8s_config cfg;
	struct k8s_err err;
	int rc = k8s_kubeconfig_load(kubeconfig, NULL, false, &cfg, &err);

	if (rc)
		fail_msg("kubeconfig %s: %s", kubeconfig, err.msg);
	rc = k8s_client_new(loop, &cfg, NULL, out, &err);
	if (rc)
		fail_msg("client: %s", err.msg);
	k8s_config_fini(&cfg);
	return rc;
}

/* Skips the test without a server; else both clients and a fresh
 * namespace of the test's own. */
LIVE_FN void live_begin(struct live *l, const char *tag)
{
	const char *kc = getenv("BERTH_TEST_APISERVER");
	static unsigned seq;
	json_t *ns;
	char path[64];

	memset(l, 0, sizeof(*l));
	if (!kc || !kc[0]) {
		print_message("BERTH_TEST_APISERVER unset: skipped\n");
		skip();
	}
	if (getenv("BERTH_TEST_VERBOSE"))
		log_set_sink(live_log, NULL, LOG_LVL_DEBUG);
	else
		log_set_sink(live_log, NULL, LOG_LVL_WARN);
	l->loop_a = ev_loop_new(EVFLAG_AUTO);
	l->loop_b = ev_loop_new(EVFLAG_AUTO);
	live_client(l->loop_a, kc, &l->a);
	live_client(l->loop_b, kc, &l->b);
	snprintf(l->ns, sizeof(l->ns), "%s-%d-%u", tag, (int)getpid(), seq++);
	ns = json_pack("{s:{s:s}}", "metadata", "name", l->ns);
	snprintf(path, sizeof(path), "/api/v1/namespaces");
	assert_int_equal(live_call(l->b, K8S_POST, path, ns, NULL, NULL), 0);
	json_decref(ns);
}

LIVE_FN void live_end(struct live *l)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s", l->ns);
	live_call(l->b, K8S_DELETE, path, NULL, NULL, NULL);
	k8s_client_free(l->a);
	k8s_client_free(l->b);
	ev_loop_destroy(l->loop_a);
	ev_loop_destroy(l->loop_b);
	log_set_sink(NULL, NULL, LOG_LVL_ERROR);
}

/* ---- Services, written by "kubectl" (loop B) ---- */

LIVE_FN void live_svc_create(struct live *l, const char *name)
{
	json_t *svc = json_pack("{s:{s:s, s:{s:s}}, s:{s:[{s:i}]}}", "metadata", "name", name,
	                        "labels", "app", "berth-test", "spec", "ports", "port", 80);
	struct k8s_status st;
	int rc = 0;
	struct live_res r = {0};

	rc = k8s_create(l->b, &k8s_res_services, l->ns, svc, live_done, &r, NULL);
	assert_int_equal(rc, 0);
	live_run_until(l->loop_b, live_res_done, &r, 30);
	st = r.st;
	json_decref(r.body);
	json_decref(svc);
	if (r.rc)
		fail_msg("create %s: %d %s", name, r.rc, st.message);
}

/* A label change: a MODIFIED event with a new resourceVersion. */
LIVE_FN void live_svc_touch(struct live *l, const char *name, const char *value)
{
	json_t *patch = json_pack("{s:{s:{s:s}}}", "metadata", "labels", "touched", value);
	struct live_res r = {0};

	assert_int_equal(
	    k8s_patch(l->b, &k8s_res_services, l->ns, name, NULL, patch, live_done, &r, NULL), 0);
	live_run_until(l->loop_b, live_res_done, &r, 30);
	json_decref(r.body);
	json_decref(patch);
	if (r.rc)
		fail_msg("patch %s: %d %s", name, r.rc, r.st.message);
}

LIVE_FN void live_svc_delete(struct live *l, const char *name)
{
	struct live_res r = {0};

	assert_int_equal(k8s_delete(l->b, &k8s_res_services, l->ns, name, live_done, &r, NULL), 0);
	live_run_until(l->loop_b, live_res_done, &r, 30);
	json_decref(r.body);
	if (r.rc)
		fail_msg("delete %s: %d %s", name, r.rc, r.st.message);
}

/* ---- Mirror: what an informer's callbacks built, with invariants ---- */

struct mirror {
	json_t *objs; /* name -> resourceVersion, from callbacks only */
	char log[64][80];
	int n_log;
	int violations;
	char violation[256];
	bool synced;
	bool relisting; /* between on_relist(false) and on_relist(true) */
	struct live *l;
};

LIVE_FN void mirror_log(struct mirror *m, const char *what, const json_t *o)
{
	if (m->n_log < 64)
		snprintf(m->log[m->n_log], sizeof(m->log[0]), "%s %s", what, k8s_obj_name(o));
	m->n_log++;
}

LIVE_FN void mirror_bad(struct mirror *m, const char *what, const json_t *o)
{
	if (!m->violations++)
		snprintf(m->violation, sizeof(m->violation), "%s %s rv %s", what, k8s_obj_name(o),
		         k8s_obj_rv(o));
}

/* Every object the caller sees has kind and apiVersion (list items come
 * without them). */
LIVE_FN void mirror_typed(struct mirror *m, const json_t *o)
{
	if (!k8s_obj_kind(o) || !json_is_string(json_object_get(o, "apiVersion")))
		mirror_bad(m, "untyped object", o);
}

LIVE_FN void mirror_add(const json_t *o, void *arg)
{
	struct mirror *m = arg;

	mirror_typed(m, o);
	if (json_object_get(m->objs, k8s_obj_name(o)))
		mirror_bad(m, "duplicate add", o);
	json_object_set_new(m->objs, k8s_obj_name(o), json_string(k8s_obj_rv(o)));
	mirror_log(m, "add", o);
}

LIVE_FN void mirror_update(const json_t *cur, void *arg)
{
	struct mirror *m = arg;
	const char *had = json_string_value(json_object_get(m->objs, k8s_obj_name(cur)));

	mirror_typed(m, cur);
	if (!had)
		mirror_bad(m, "update from an unknown state", cur);
	else if (strcmp(had, k8s_obj_rv(cur)) == 0)
		mirror_bad(m, "duplicate update", cur);
	json_object_set_new(m->objs, k8s_obj_name(cur), json_string(k8s_obj_rv(cur)));
	mirror_log(m, "update", cur);
}

LIVE_FN void mirror_delete(const json_t *o, void *arg)
{
	struct mirror *m = arg;

	mirror_typed(m, o);
	/* o is the DELETED event's object (its own version) or, for what a
	 * re-list no longer shows, a stub: only its presence is checked. */
	if (!json_object_get(m->objs, k8s_obj_name(o)))
		mirror_bad(m, "delete of an unknown state", o);
	json_object_del(m->objs, k8s_obj_name(o));
	mirror_log(m, "delete", o);
}

LIVE_FN void mirror_relist(bool done, void *arg)
{
	struct mirror *m = arg;

	if (done && !m->relisting) {
		json_t *none = json_pack("{s{ss}}", "metadata", "name", "(re-list)");

		mirror_bad(m, "end of a re-list never begun", none);
		json_decref(none);
	}
	m->relisting = !done;
	if (done)
		m->synced = true;
}

LIVE_FN bool mirror_is_synced(void *arg)
{
	return ((struct mirror *)arg)->synced;
}

/* True when the mirror holds exactly the server's Services (names and
 * resourceVersions), read with loop B. */
LIVE_FN bool mirror_matches_server(struct mirror *m)
{
	char path[K8S_PATH_MAX];
	json_t *list = NULL, *item;
	size_t i, n = 0;
	bool ok = true;

	k8s_path(path, sizeof(path), &k8s_res_services, m->l->ns, NULL, NULL);
	if (live_call(m->l->b, K8S_GET, path, NULL, &list, NULL))
		return false;
	json_array_foreach(json_object_get(list, "items"), i, item)
	{
		const char *rv = json_string_value(json_object_get(m->objs, k8s_obj_name(item)));
		n++;
		if (!rv || strcmp(rv, k8s_obj_rv(item)) != 0)
			ok = false;
	}
	json_decref(list);
	return ok && n == json_object_size(m->objs);
}

LIVE_FN void mirror_init(struct mirror *m, struct live *l, struct k8s_informer_opts *o)
{
	memset(m, 0, sizeof(*m));
	m->objs = json_object();
	m->l = l;
	memset(o, 0, sizeof(*o));
	o->res = &k8s_res_services;
	o->ns = l->ns;
	o->on_relist = mirror_relist;
	o->on_add = mirror_add;
	o->on_update = mirror_update;
	o->on_delete = mirror_delete;
	o->arg = m;
}

/* Runs loop A until the mirror matches the server, checking each second. */
LIVE_FN bool mirror_converge(struct mirror *m, double timeout)
{
	double end = live_now() + timeout;

	while (live_now() < end) {
		live_run_for(m->l->loop_a, 0.5);
		if (mirror_matches_server(m))
			return true;
	}
	return false;
}

LIVE_FN bool mirror_logged(const struct mirror *m, int from, const char *line)
{
	for (int i = from; i < m->n_log && i < 64; i++)
		if (strcmp(m->log[i], line) == 0)
			return true;
	return false;
}

#endif
