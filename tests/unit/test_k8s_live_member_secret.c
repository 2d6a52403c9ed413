/*
 * The layer 2 key's Secret against the API server stand-in
 * (controller/member_secret.h): created when missing, an existing one
 * (also one the speakers cannot read) never changed, 409 AlreadyExists
 * (injected, and two replicas at once) taken as success, other failures
 * and a missing namespace retried with backoff, nothing called after
 * member_secret_free. Skipped unless BERTH_TEST_APISERVER is set.
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
#include "controller/member_secret.h"

struct outcome {
	int calls;
	enum member_secret_outcome out;
};

static void on_done(enum member_secret_outcome out, void *arg)
{
	struct outcome *o = arg;

	o->calls++;
	o->out = out;
}

static bool outcome_seen(void *arg)
{
	return ((struct outcome *)arg)->calls > 0;
}

/* Warnings logged while a test runs (the step's only voice). */
static char warned[4096];

static void capture(enum log_level lvl, const char *line, void *arg)
{
	size_t n = strlen(warned);

	if (lvl <= LOG_LVL_WARN && n + strlen(line) + 2 < sizeof(warned))
		snprintf(warned + n, sizeof(warned) - n, "%s\n", line);
	live_log(lvl, line, arg);
}

/* Starts the step in ns on loop A; retries after backoff_ms (doubling up
 * to 4 times that). */
static struct member_secret *ensure_after(struct live *l, const char *ns, struct outcome *o,
                                          uint32_t backoff_ms)
{
	struct member_secret_opts mo = {
	    .ns = ns,
	    .name = MEMBER_SECRET_NAME,
	    .initial_ms = backoff_ms,
	    .max_ms = 4 * backoff_ms,
	    .done = on_done,
	    .arg = o,
	};
	struct member_secret *m = NULL;

	memset(o, 0, sizeof(*o));
	assert_int_equal(member_secret_new(l->a, &mo, &m), 0);
	assert_int_equal(member_secret_start(m), 0);
	assert_int_equal(member_secret_start(m), -EALREADY);
	return m;
}

static struct member_secret *ensure(struct live *l, const char *ns, struct outcome *o)
{
	return ensure_after(l, ns, o, 50);
}

/* Runs loop A until o has an outcome; fails the test otherwise. */
static void wait_outcome(struct live *l, struct member_secret *m, struct outcome *o)
{
	if (!live_run_until(l->loop_a, outcome_seen, o, 20))
		fail_msg("no outcome after %u attempts", member_secret_attempts(m));
	assert_int_equal(o->calls, 1);
	assert_true(member_secret_done(m));
}

/* The Secret as the server has it (owned), or NULL. */
static json_t *server_secret(struct live *l, const char *ns)
{
	char path[K8S_PATH_MAX];
	json_t *s = NULL;

	k8s_path(path, sizeof(path), &k8s_res_secrets, ns, MEMBER_SECRET_NAME, NULL);
	if (live_call(l->b, K8S_GET, path, NULL, &s, NULL))
		return NULL;
	return s;
}

static void put_secret(struct live *l, const char *key_b64)
{
	json_t *s = json_pack("{s:{s:s}, s:{s:s}}", "metadata", "name", MEMBER_SECRET_NAME, "data",
	                      MEMBER_SECRET_KEY, key_b64);
	char path[K8S_PATH_MAX];
	struct k8s_status st;
	int rc;

	k8s_path(path, sizeof(path), &k8s_res_secrets, l->ns, NULL, NULL);
	rc = live_call(l->b, K8S_POST, path, s, NULL, &st);
	if (rc)
		fail_msg("create: %d %s", rc, st.message);
	json_decref(s);
}

static const char *data_key(const json_t *s)
{
	return json_string_value(json_object_get(json_object_get(s, "data"), MEMBER_SECRET_KEY));
}

static void test_created_when_missing(void **state)
{
	struct live l;
	struct outcome o, o2;
	struct member_secret *m, *m2;
	json_t *s, *s2;
	char rv[64];

	live_begin(&l, "msnew");
	m = ensure(&l, l.ns, &o);
	wait_outcome(&l, m, &o);
	assert_int_equal(o.out, MEMBER_SECRET_CREATED);
	assert_int_equal(member_secret_attempts(m), 1);
	s = server_secret(&l, l.ns);
	assert_non_null(s);
	assert_string_equal(json_string_value(json_object_get(s, "type")), "Opaque");
	assert_int_equal(member_secret_check(s), 0);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(json_object_get(s, "metadata"), "labels"),
	                        "app.kubernetes.io/name")),
	                    "berth");
	snprintf(rv, sizeof(rv), "%s", k8s_obj_rv(s));

	/* A second replica (or a restart) finds it and leaves it as it is. */
	m2 = ensure(&l, l.ns, &o2);
	wait_outcome(&l, m2, &o2);
	assert_int_equal(o2.out, MEMBER_SECRET_FOUND);
	s2 = server_secret(&l, l.ns);
	assert_string_equal(k8s_obj_rv(s2), rv);
	assert_string_equal(data_key(s2), data_key(s));

	/* Two controllers' keys differ: the key is random, not derived. */
	{
		struct live l2;
		struct outcome o3;
		struct member_secret *m3;
		json_t *s3;

		live_begin(&l2, "msnew2");
		m3 = ensure(&l2, l2.ns, &o3);
		wait_outcome(&l2, m3, &o3);
		s3 = server_secret(&l2, l2.ns);
		assert_int_equal(o3.out, MEMBER_SECRET_CREATED);
		assert_string_not_equal(data_key(s3), data_key(s));
		json_decref(s3);
		member_secret_free(m3);
		live_end(&l2);
	}
	json_decref(s);
	json_decref(s2);
	member_secret_free(m);
	member_secret_free(m2);
	live_end(&l);
}

/* A user's own key is kept, readable or not; an unreadable one is named
 * in a warning. */
static void test_existing_kept(void **state)
{
	/* 64 'a's and a newline; then "short" */
	static const char *const keys[] = {
	    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYQ"
	    "o=",
	    "c2hvcnQ=",
	};

	for (size_t i = 0; i < 2; i++) {
		struct live l;
		struct outcome o;
		struct member_secret *m;
		json_t *before, *after;

		live_begin(&l, "mskeep");
		log_set_sink(capture, NULL, LOG_LVL_WARN);
		warned[0] = '\0';
		put_secret(&l, keys[i]);
		before = server_secret(&l, l.ns);
		m = ensure(&l, l.ns, &o);
		wait_outcome(&l, m, &o);
		assert_int_equal(o.out, MEMBER_SECRET_FOUND);
		after = server_secret(&l, l.ns);
		assert_string_equal(k8s_obj_rv(after), k8s_obj_rv(before));
		assert_string_equal(data_key(after), keys[i]);
		if (i == 0)
			assert_string_equal(warned, "");
		else if (!strstr(warned, "not 64 hex digits") || !strstr(warned, l.ns))
			fail_msg("no warning about the unreadable key: '%s'", warned);
		json_decref(before);
		json_decref(after);
		member_secret_free(m);
		live_end(&l);
	}
}

/* 409 AlreadyExists from the create: another replica was first. */
static void test_already_exists_is_success(void **state)
{
	struct live l;
	struct outcome o, o2;
	struct member_secret *m, *m2;
	json_t *s;

	live_begin(&l, "ms409");
	live_admin(&l, "fail",
	           "code=409&count=1&verbs=create&resource=secrets&reason=AlreadyExists");
	m = ensure(&l, l.ns, &o);
	wait_outcome(&l, m, &o);
	assert_int_equal(o.out, MEMBER_SECRET_RACED);
	assert_int_equal(member_secret_attempts(m), 1);
	member_secret_free(m);

	/* Two replicas at once: one creates, the other is told it exists
	 * (or, when its GET came later, finds it); one Secret either way. */
	m = ensure(&l, l.ns, &o);
	m2 = ensure(&l, l.ns, &o2);
	while (!o.calls || !o2.calls)
		if (!live_run_until(l.loop_a, outcome_seen, !o.calls ? (void *)&o : (void *)&o2,
		                    20))
			fail_msg("no outcome");
	assert_int_equal((o.out == MEMBER_SECRET_CREATED) + (o2.out == MEMBER_SECRET_CREATED), 1);
	assert_int_not_equal(o.out == MEMBER_SECRET_CREATED ? o2.out : o.out,
	                     MEMBER_SECRET_CREATED);
	s = server_secret(&l, l.ns);
	assert_int_equal(member_secret_check(s), 0);
	json_decref(s);
	member_secret_free(m);
	member_secret_free(m2);
	live_end(&l);
}

/* Failures are logged and retried from the GET, after a backoff; a 403
 * names the RBAC rule the controller lacks. */
static void test_errors_retried(void **state)
{
	struct live l;
	struct outcome o;
	struct member_secret *m;
	json_t *s;

	live_begin(&l, "ms403");
	log_set_sink(capture, NULL, LOG_LVL_WARN);
	warned[0] = '\0';
	live_admin(&l, "fail", "code=403&count=2&verbs=create&resource=secrets");
	m = ensure(&l, l.ns, &o);
	wait_outcome(&l, m, &o);
	assert_int_equal(o.out, MEMBER_SECRET_CREATED);
	assert_int_equal(member_secret_attempts(m), 3);
	if (!strstr(warned, "creating layer 2 key Secret") || !strstr(warned, "again in") ||
	    !strstr(warned, "RBAC: the controller needs get and create on secrets in namespace"))
		fail_msg("failures not logged: '%s'", warned);
	s = server_secret(&l, l.ns);
	assert_int_equal(member_secret_check(s), 0);
	json_decref(s);
	member_secret_free(m);

	/* 500s: the client does not resend a 5xx without Retry-After
	 * (client-go's checkWait), so each one costs this step an attempt. */
	live_admin(&l, "fail", "code=500&count=3&verbs=create&resource=secrets");
	{
		char path[128];
		char ns2[80];
		json_t *obj;

		snprintf(ns2, sizeof(ns2), "%s-b", l.ns);
		obj = json_pack("{s:{s:s}}", "metadata", "name", ns2);
		assert_int_equal(live_call(l.b, K8S_POST, "/api/v1/namespaces", obj, NULL, NULL),
		                 0);
		json_decref(obj);
		m = ensure(&l, ns2, &o);
		wait_outcome(&l, m, &o);
		assert_int_equal(o.out, MEMBER_SECRET_CREATED);
		assert_int_equal(member_secret_attempts(m), 4);
		s = server_secret(&l, ns2);
		assert_int_equal(member_secret_check(s), 0);
		json_decref(s);
		member_secret_free(m);
		snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns2);
		live_call(l.b, K8S_DELETE, path, NULL, NULL, NULL);
	}
	live_end(&l);
}

/* Its namespace does not exist yet: retried until it does. */
static void test_namespace_created_later(void **state)
{
	struct live l;
	struct outcome o;
	struct member_secret *m;
	char ns[80], path[128];
	unsigned tries;
	json_t *obj;

	live_begin(&l, "mslate");
	snprintf(ns, sizeof(ns), "%s-x", l.ns);
	m = ensure(&l, ns, &o);
	live_run_for(l.loop_a, 0.6);
	assert_int_equal(o.calls, 0);
	assert_false(member_secret_done(m));
	tries = member_secret_attempts(m);
	assert_true(tries >= 2);
	obj = json_pack("{s:{s:s}}", "metadata", "name", ns);
	snprintf(path, sizeof(path), "/api/v1/namespaces");
	assert_int_equal(live_call(l.b, K8S_POST, path, obj, NULL, NULL), 0);
	json_decref(obj);
	wait_outcome(&l, m, &o);
	assert_int_equal(o.out, MEMBER_SECRET_CREATED);
	/* Not "> tries": the attempt that succeeds may have been counted
	 * already, in flight when the namespace was created. */
	assert_true(member_secret_attempts(m) >= tries);
	obj = server_secret(&l, ns);
	assert_int_equal(member_secret_check(obj), 0);
	json_decref(obj);
	member_secret_free(m);
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns);
	live_call(l.b, K8S_DELETE, path, NULL, NULL, NULL);
	live_end(&l);
}

/* Freed with a request in flight, or while waiting to retry: silence. */
static void test_free_cancels(void **state)
{
	struct live l;
	struct outcome o;
	struct member_secret *m;

	live_begin(&l, "msfree");
	m = ensure(&l, l.ns, &o);
	member_secret_free(m);
	live_run_for(l.loop_a, 0.3);
	assert_int_equal(o.calls, 0);
	assert_null(server_secret(&l, l.ns));

	/* the create fails; the retry would come 5 s later */
	log_set_sink(capture, NULL, LOG_LVL_WARN);
	warned[0] = '\0';
	live_admin(&l, "fail", "code=403&count=1&verbs=create&resource=secrets");
	m = ensure_after(&l, l.ns, &o, 5000);
	for (int i = 0; i < 400 && !strstr(warned, "again in"); i++)
		live_run_for(l.loop_a, 0.01);
	assert_non_null(strstr(warned, "again in"));
	member_secret_free(m);
	live_run_for(l.loop_a, 0.5);
	assert_int_equal(o.calls, 0);
	assert_null(server_secret(&l, l.ns));
	live_end(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_created_when_missing),      cmocka_unit_test(test_existing_kept),
	    cmocka_unit_test(test_already_exists_is_success), cmocka_unit_test(test_errors_retried),
	    cmocka_unit_test(test_namespace_created_later),   cmocka_unit_test(test_free_cancels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
