/*
 * Writes against the API server stand-in: status update with retry on
 * 409 Conflict (injected, and a real concurrent writer), Events with
 * count aggregation. Skipped unless BERTH_TEST_APISERVER is set.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../k8s/live.h"
#include "k8s/client_int.h"
#include "k8s/event.h"

struct mut {
	int calls;
	const char *ip;
	struct live *interfere; /* when set: a concurrent write on the first call */
};

static int set_ingress(json_t *obj, void *arg)
{
	struct mut *m = arg;
	json_t *status = json_pack("{s:{s:[{s:s}]}}", "loadBalancer", "ingress", "ip", m->ip);

	m->calls++;
	if (m->interfere && m->calls == 1) {
		/* someone else writes between our GET and PUT (loop B runs
		 * nested, loop A is ours) */
		live_svc_touch(m->interfere, k8s_obj_name(obj), "race");
	}
	json_object_set_new(obj, "status", status);
	return 0;
}

static const char *ingress_ip(const json_t *svc)
{
	return json_string_value(json_object_get(
	    json_array_get(
	        json_object_get(json_object_get(json_object_get(svc, "status"), "loadBalancer"),
	                        "ingress"),
	        0),
	    "ip"));
}

static void run_update(struct live *l, const char *name, struct mut *m, struct live_res *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(k8s_status_update(l->a, &k8s_res_services, l->ns, name, set_ingress, m,
	                                   live_done, r, NULL),
	                 0);
	assert_true(live_run_until(l->loop_a, live_res_done, r, 30));
}

static void test_status_conflict_injected(void **state)
{
	struct live l;
	struct mut m = {.ip = "192.0.2.10"};
	struct live_res r;
	json_t *svc = NULL;
	char path[K8S_PATH_MAX];

	live_begin(&l, "st409");
	live_svc_create(&l, "web");
	live_admin(&l, "fail", "code=409&count=2&verbs=update&resource=services");
	run_update(&l, "web", &m, &r);
	if (r.rc)
		fail_msg("status update: %d %s", r.rc, r.st.message);
	assert_int_equal(m.calls, 3);
	assert_string_equal(ingress_ip(r.body), "192.0.2.10");
	json_decref(r.body);
	k8s_path(path, sizeof(path), &k8s_res_services, l.ns, "web", NULL);
	assert_int_equal(live_call(l.b, K8S_GET, path, NULL, &svc, NULL), 0);
	assert_string_equal(ingress_ip(svc), "192.0.2.10");
	json_decref(svc);

	/* more conflicts than attempts: the Conflict comes back */
	m.calls = 0;
	m.ip = "192.0.2.11";
	live_admin(&l, "fail", "code=409&count=10&verbs=update&resource=services");
	run_update(&l, "web", &m, &r);
	assert_int_equal(r.rc, -ESTALE);
	assert_string_equal(r.st.reason, "Conflict");
	assert_int_equal(m.calls, 5);
	live_admin(&l, "fail", "count=0");
	/* other errors are not retried */
	m.calls = 0;
	run_update(&l, "nonexistent", &m, &r);
	assert_int_equal(r.rc, -ENOENT);
	assert_int_equal(m.calls, 0);
	live_end(&l);
}

static void test_status_conflict_real(void **state)
{
	struct live l;
	struct mut m = {.ip = "192.0.2.20"};
	struct live_res r;
	json_t *svc = NULL;
	char path[K8S_PATH_MAX];

	live_begin(&l, "strace");
	live_svc_create(&l, "web");
	m.interfere = &l;
	run_update(&l, "web", &m, &r);
	if (r.rc)
		fail_msg("status update: %d %s", r.rc, r.st.message);
	assert_int_equal(m.calls, 2); /* the first PUT carried a stale version */
	json_decref(r.body);
	k8s_path(path, sizeof(path), &k8s_res_services, l.ns, "web", NULL);
	assert_int_equal(live_call(l.b, K8S_GET, path, NULL, &svc, NULL), 0);
	assert_string_equal(ingress_ip(svc), "192.0.2.20");
	/* the concurrent writer's change survived */
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_object_get(json_object_get(svc, "metadata"), "labels"), "touched")),
	    "race");
	json_decref(svc);
	live_end(&l);
}

/* 429 with Retry-After: the client waits and sends again by itself. */
static void test_retry_after(void **state)
{
	struct live l;
	double t0;

	live_begin(&l, "r429");
	live_admin(&l, "fail", "code=429&count=2&verbs=create&resource=services");
	t0 = live_now();
	live_svc_create(&l, "web");          /* fails the test unless it succeeds */
	assert_true(live_now() - t0 >= 1.8); /* two Retry-After: 1 */
	live_admin(&l, "fail", "code=429&count=5&verbs=create&resource=services");
	{
		json_t *svc = json_pack("{s:{s:s}, s:{s:[{s:i}]}}", "metadata", "name", "web2",
		                        "spec", "ports", "port", 80);
		char path[K8S_PATH_MAX];
		struct k8s_status st;

		k8s_path(path, sizeof(path), &k8s_res_services, l.ns, NULL, NULL);
		/* more than max_retries (3): the 429 comes back */
		assert_int_equal(live_call(l.b, K8S_POST, path, svc, NULL, &st), -EAGAIN);
		assert_int_equal(st.code, 429);
		json_decref(svc);
	}
	/* A 500 without Retry-After is not sent again (client-go's
	 * checkWait): one failure, and the error comes back. */
	live_admin(&l, "fail", "code=500&count=1&verbs=create&resource=services");
	{
		json_t *svc = json_pack("{s:{s:s}, s:{s:[{s:i}]}}", "metadata", "name", "web3",
		                        "spec", "ports", "port", 80);
		char path[K8S_PATH_MAX];
		struct k8s_status st;

		k8s_path(path, sizeof(path), &k8s_res_services, l.ns, NULL, NULL);
		assert_true(live_call(l.b, K8S_POST, path, svc, NULL, &st) < 0);
		assert_int_equal(st.code, 500);
		/* the failure was used up by that one request */
		assert_int_equal(live_call(l.b, K8S_POST, path, svc, NULL, &st), 0);
		json_decref(svc);
	}
	live_admin(&l, "fail", "count=0");
	live_end(&l);
}

/* k8s_request_discard_body: a 2xx answer's body never reaches cb, an
 * error's Status still does. */
static void test_discard_body(void **state)
{
	struct live l;
	struct live_res r = {0};
	struct k8s_req *req;
	char path[K8S_PATH_MAX];
	json_t *p;

	live_begin(&l, "discard"); /* skips the test without a stand-in */
	p = json_pack("{s:{s:{s:s}}}", "metadata", "labels", "k", "v");
	live_svc_create(&l, "web");
	k8s_path(path, sizeof(path), &k8s_res_services, l.ns, "web", NULL);
	assert_int_equal(k8s_request(l.b, K8S_PATCH, path, p, live_done, &r, &req), 0);
	k8s_request_discard_body(req);
	assert_true(live_run_until(l.loop_b, live_res_done, &r, 40));
	assert_int_equal(r.rc, 0);
	assert_null(r.body);

	memset(&r, 0, sizeof(r));
	k8s_path(path, sizeof(path), &k8s_res_services, l.ns, "absent", NULL);
	assert_int_equal(k8s_request(l.b, K8S_PATCH, path, p, live_done, &r, &req), 0);
	k8s_request_discard_body(req);
	assert_true(live_run_until(l.loop_b, live_res_done, &r, 40));
	assert_int_equal(r.rc, -ENOENT);
	assert_int_equal(r.st.code, 404);
	assert_non_null(strstr(r.st.message, "absent"));
	json_decref(p);
	live_end(&l);
}

/* A watch that replays a burst of history: the bytes come to on_data in
 * bounded pieces (the transfer pauses past K8S_STREAM_HIGH), all of them,
 * in order, and the stream goes on after each resume. */
#define BURST_N 200

struct burst {
	size_t lines, max_piece, len;
	char *all; /* owned: every byte, in order */
};

static int burst_data(const char *data, size_t len, void *arg)
{
	struct burst *b = arg;
	char *n = realloc(b->all, b->len + len + 1);

	if (!n)
		return -ENOMEM;
	b->all = n;
	memcpy(b->all + b->len, data, len);
	b->len += len;
	b->all[b->len] = 0;
	if (len > b->max_piece)
		b->max_piece = len;
	for (size_t i = 0; i < len; i++)
		if (data[i] == '\n')
			b->lines++;
	return 0;
}

/* The events name burst-0, burst-1, ... in creation order. */
static bool burst_in_order(const struct burst *b)
{
	int next = 0;

	for (const char *p = b->all; (p = strstr(p, "\"burst-")); next++) {
		char *end;

		if (strtol(p + 7, &end, 10) != next)
			return false;
		p = end;
	}
	return next == BURST_N;
}

static void burst_done(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	(void)rc, (void)body, (void)st, (void)arg;
}

static bool burst_all(void *arg)
{
	return ((struct burst *)arg)->lines >= BURST_N;
}

static void test_stream_burst_paused(void **state)
{
	struct live l;
	struct burst b = {0};
	struct k8s_req *req;
	char path[K8S_PATH_MAX], rv[32], big[4001];
	json_t *list = NULL;

	live_begin(&l, "pause"); /* the namespace: not "burst-..." */
	k8s_path(path, sizeof(path), &k8s_res_services, l.ns, NULL, NULL);
	assert_int_equal(live_call(l.b, K8S_GET, path, NULL, &list, NULL), 0);
	snprintf(rv, sizeof(rv), "%s", k8s_obj_rv(list));
	json_decref(list);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	for (int i = 0; i < BURST_N; i++) {
		char name[32];
		json_t *svc;

		snprintf(name, sizeof(name), "burst-%d", i);
		svc = json_pack("{s:{s:s, s:{s:s}}, s:{s:[{s:i}]}}", "metadata", "name", name,
		                "annotations", "pad", big, "spec", "ports", "port", 80);
		assert_int_equal(live_call(l.b, K8S_POST, path, svc, NULL, NULL), 0);
		json_decref(svc);
	}
	/* ~800 KB of ADDED events, replayed at once from rv. */
	assert_int_equal(k8s_query_add(path, sizeof(path), "watch", "1"), 0);
	assert_int_equal(k8s_query_add(path, sizeof(path), "resourceVersion", rv), 0);
	assert_int_equal(k8s_stream(l.b, path, burst_data, burst_done, &b, &req), 0);
	if (!live_run_until(l.loop_b, burst_all, &b, 40))
		fail_msg("%zu of %d events, %zu bytes", b.lines, BURST_N, b.len);
	k8s_request_cancel(req);
	assert_int_equal(b.lines, BURST_N);
	if (!burst_in_order(&b))
		fail_msg("not all of burst-0..%d in order", BURST_N - 1);
	assert_true(b.len > (size_t)BURST_N * 4000);
	/* One pause threshold plus what libcurl hands over at once. */
	assert_true(b.max_piece <= K8S_STREAM_HIGH + 64 * 1024);
	free(b.all);
	live_end(&l);
}

static bool recorder_idle(void *arg)
{
	return k8s_recorder_pending(arg) == 0;
}

static void test_events(void **state)
{
	struct live l;
	struct k8s_recorder *rec;
	struct k8s_recorder_stats st;
	struct k8s_objref ref;
	json_t *svc = NULL, *list = NULL, *ev;
	char path[K8S_PATH_MAX * 2], sel[300];

	live_begin(&l, "events");
	live_svc_create(&l, "web");
	k8s_path(path, sizeof(path), &k8s_res_services, l.ns, "web", NULL);
	assert_int_equal(live_call(l.b, K8S_GET, path, NULL, &svc, NULL), 0);
	assert_int_equal(k8s_objref_from(svc, &ref), 0);
	assert_int_equal(k8s_recorder_new(l.a, "berth-controller", "node-1", &rec), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(k8s_event_emit(rec, &ref, "Normal", "IPAllocated",
		                                "allocated %s from %s", "192.0.2.1", "pool-a"),
		                 0);
	assert_int_equal(k8s_event_emit(rec, &ref, "Warning", "PeerDown", "peer %d down", 7), 0);
	assert_int_equal(k8s_event_emit(rec, &ref, "Bogus", "X", "x"), -EINVAL);
	assert_true(live_run_until(l.loop_a, recorder_idle, rec, 30));
	k8s_recorder_stats(rec, &st);
	assert_int_equal(st.created, 2);
	assert_int_equal(st.patched, 2);
	assert_int_equal(st.failed, 0);

	k8s_path(path, sizeof(path), &k8s_res_events, l.ns, NULL, NULL);
	snprintf(sel, sizeof(sel), "involvedObject.name=web,reason=IPAllocated");
	k8s_query_add(path, sizeof(path), "fieldSelector", sel);
	assert_int_equal(live_call(l.b, K8S_GET, path, NULL, &list, NULL), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
	ev = json_array_get(json_object_get(list, "items"), 0);
	assert_int_equal(json_integer_value(json_object_get(ev, "count")), 3);
	assert_string_equal(json_string_value(json_object_get(ev, "message")),
	                    "allocated 192.0.2.1 from pool-a");
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "Normal");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(ev, "involvedObject"), "uid")),
	    k8s_obj_uid(svc));
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(ev, "source"), "component")),
	    "berth-controller");
	json_decref(list);

	/* the Event disappears (TTL): the next repeat creates it again */
	k8s_path(path, sizeof(path), &k8s_res_events, l.ns, NULL, NULL);
	k8s_query_add(path, sizeof(path), "fieldSelector", "reason=IPAllocated");
	assert_int_equal(live_call(l.b, K8S_GET, path, NULL, &list, NULL), 0);
	ev = json_array_get(json_object_get(list, "items"), 0);
	k8s_path(path, sizeof(path), &k8s_res_events, l.ns, k8s_obj_name(ev), NULL);
	json_decref(list);
	assert_int_equal(live_call(l.b, K8S_DELETE, path, NULL, NULL, NULL), 0);
	assert_int_equal(k8s_event_emit(rec, &ref, "Normal", "IPAllocated", "allocated %s from %s",
	                                "192.0.2.1", "pool-a"),
	                 0);
	assert_true(live_run_until(l.loop_a, recorder_idle, rec, 30));
	k8s_recorder_stats(rec, &st);
	assert_int_equal(st.created, 3);
	assert_int_equal(st.failed, 0);
	assert_int_equal(live_call(l.b, K8S_GET, path, NULL, &ev, NULL), 0);
	assert_int_equal(json_integer_value(json_object_get(ev, "count")), 4);
	json_decref(ev);

	k8s_recorder_free(rec);
	json_decref(svc);
	live_end(&l);
}

/* A create whose name is taken (another speaker's Event of the same
 * object in the same instant): the recorder renames it once and creates
 * it, and a repeat then counts on the new name instead of creating a
 * third. */
static void test_event_renamed(void **state)
{
	struct live l;
	struct k8s_recorder *rec;
	struct k8s_recorder_stats st;
	struct k8s_objref ref;
	json_t *svc = NULL, *list = NULL, *ev;
	char path[K8S_PATH_MAX * 2];

	(void)state;
	live_begin(&l, "rename");
	live_svc_create(&l, "web");
	k8s_path(path, sizeof(path), &k8s_res_services, l.ns, "web", NULL);
	assert_int_equal(live_call(l.b, K8S_GET, path, NULL, &svc, NULL), 0);
	assert_int_equal(k8s_objref_from(svc, &ref), 0);
	assert_int_equal(k8s_recorder_new(l.a, "berth-speaker", "node-1", &rec), 0);
	live_admin(&l, "fail",
	           "code=409&reason=AlreadyExists&count=1&verbs=create&resource=events");
	assert_int_equal(k8s_event_emit(rec, &ref, "Normal", "Announcing", "from %s", "n1"), 0);
	assert_true(live_run_until(l.loop_a, recorder_idle, rec, 30));
	assert_int_equal(k8s_event_emit(rec, &ref, "Normal", "Announcing", "from %s", "n1"), 0);
	assert_true(live_run_until(l.loop_a, recorder_idle, rec, 30));
	k8s_recorder_stats(rec, &st);
	assert_int_equal(st.created, 1);
	assert_int_equal(st.patched, 1);
	assert_int_equal(st.failed, 0);
	k8s_path(path, sizeof(path), &k8s_res_events, l.ns, NULL, NULL);
	assert_int_equal(live_call(l.b, K8S_GET, path, NULL, &list, NULL), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
	ev = json_array_get(json_object_get(list, "items"), 0);
	assert_int_equal(json_integer_value(json_object_get(ev, "count")), 2);
	assert_true(strncmp(k8s_obj_name(ev), "web.", 4) == 0);
	json_decref(list);
	k8s_recorder_free(rec);
	json_decref(svc);
	live_end(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_conflict_injected),
	    cmocka_unit_test(test_status_conflict_real),
	    cmocka_unit_test(test_events),
	    cmocka_unit_test(test_event_renamed),
	    cmocka_unit_test(test_retry_after),
	    cmocka_unit_test(test_discard_body),
	    cmocka_unit_test(test_stream_burst_paused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
