/*
 * Pure API helpers: resource paths, query encoding, Status errors,
 * RFC 3339 times, backoff.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "k8s/api.h"

static void test_paths(void **state)
{
	char p[K8S_PATH_MAX];

	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_services, NULL, NULL, NULL), 0);
	assert_string_equal(p, "/api/v1/services");
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_services, "kube-system", NULL, NULL), 0);
	assert_string_equal(p, "/api/v1/namespaces/kube-system/services");
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_services, "default", "web", "status"), 0);
	assert_string_equal(p, "/api/v1/namespaces/default/services/web/status");
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_nodes, "ignored", "n1", NULL), 0);
	assert_string_equal(p, "/api/v1/nodes/n1");
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_leases, "berth", "ctl", NULL), 0);
	assert_string_equal(p, "/apis/coordination.k8s.io/v1/namespaces/berth/leases/ctl");
	assert_int_equal(
	    k8s_path(p, sizeof(p), &k8s_res_secrets, "berth", "berth-memberlist", NULL), 0);
	assert_string_equal(p, "/api/v1/namespaces/berth/secrets/berth-memberlist");
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_eips, NULL, "pool-1", "status"), 0);
	assert_string_equal(p, "/apis/network.kubesphere.io/v1alpha2/eips/pool-1/status");
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_endpointslices, NULL, NULL, NULL), 0);
	assert_string_equal(p, "/apis/discovery.k8s.io/v1/endpointslices");
}

static void test_path_errors(void **state)
{
	char p[K8S_PATH_MAX], longname[300];

	/* a namespaced object needs its namespace */
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_services, NULL, "web", NULL), -EINVAL);
	assert_string_equal(p, "");
	/* hostile segments never reach the URL */
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_services, "default", "../x", NULL),
	                 -EINVAL);
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_services, "default", "..", NULL), -EINVAL);
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_services, "a/b", "x", NULL), -EINVAL);
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_services, "default", "x?watch=1", NULL),
	                 -EINVAL);
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_services, "default", "x%2f", NULL),
	                 -EINVAL);
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_services, "default", "", NULL), -EINVAL);
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_services, "default", NULL, "status"),
	                 -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(k8s_path(p, sizeof(p), &k8s_res_services, "default", longname, NULL),
	                 -EINVAL);
	longname[253] = '\0';
	assert_int_equal(k8s_path(p, 40, &k8s_res_services, "default", longname, NULL),
	                 -ENAMETOOLONG);
	assert_string_equal(p, "");
}

static void test_query(void **state)
{
	char p[128] = "/api/v1/services", small[24] = "/x";

	assert_int_equal(k8s_query_add(p, sizeof(p), "labelSelector", "app in (a,b),!tier"), 0);
	assert_string_equal(p, "/api/v1/services?labelSelector=app%20in%20%28a%2Cb%29%2C%21tier");
	assert_int_equal(k8s_query_add(p, sizeof(p), "limit", "500"), 0);
	assert_string_equal(p, "/api/v1/services?labelSelector=app%20in%20%28a%2Cb%29%2C%21tier"
	                       "&limit=500");
	/* '&' and '=' in a value cannot forge parameters */
	assert_int_equal(k8s_query_add(small, sizeof(small), "f", "a=b&c"), 0);
	assert_string_equal(small, "/x?f=a%3Db%26c");
	assert_int_equal(k8s_query_add(small, sizeof(small), "long", "0123456789"), -ENAMETOOLONG);
	assert_string_equal(small, "/x?f=a%3Db%26c");
}

static void test_status_json(void **state)
{
	const char *conflict =
	    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
	    "\"message\":\"Operation cannot be fulfilled on services \\\"web\\\": the object has "
	    "been modified\",\"reason\":\"Conflict\",\"details\":{\"name\":\"web\","
	    "\"kind\":\"services\"},\"code\":409}";
	const char *exists = "{\"kind\":\"Status\",\"reason\":\"AlreadyExists\",\"code\":409}";
	const char *tmr = "{\"kind\":\"Status\",\"reason\":\"TooManyRequests\",\"code\":429,"
	                  "\"details\":{\"retryAfterSeconds\":3}}";
	struct k8s_status st;

	assert_int_equal(k8s_status_decode(409, conflict, strlen(conflict), &st), -ESTALE);
	assert_int_equal(st.code, 409);
	assert_string_equal(st.reason, "Conflict");
	assert_non_null(strstr(st.message, "the object has been modified"));
	assert_int_equal(k8s_status_decode(409, exists, strlen(exists), &st), -EEXIST);
	assert_int_equal(k8s_status_decode(429, tmr, strlen(tmr), &st), -EAGAIN);
	assert_int_equal(st.retry_after_s, 3);
}

static void test_status_other_bodies(void **state)
{
	struct k8s_status st;
	const char *html = "<html>bad gateway</html>\nmore";
	const char *ctl = "line\twith\x01"
	                  "control";
	json_t *ev;

	assert_int_equal(k8s_status_decode(502, html, strlen(html), &st), -EIO);
	assert_string_equal(st.message, "<html>bad gateway</html>");
	assert_int_equal(k8s_status_decode(404, NULL, 0, &st), -ENOENT);
	assert_string_equal(st.reason, "NotFound");
	assert_string_equal(st.message, "");
	assert_int_equal(k8s_status_decode(418, ctl, strlen(ctl), &st), -EPROTO);
	assert_string_equal(st.message, "line with control");
	/* a JSON body that is not a Status is just text */
	assert_int_equal(k8s_status_decode(500, "{\"a\":1}", 7, &st), -EIO);
	assert_string_equal(st.reason, "InternalError");
	/* watch ERROR objects */
	ev = json_pack("{s:s, s:s, s:s, s:i}", "kind", "Status", "reason", "Expired", "message",
	               "too old resource version: 5 (10)", "code", 410);
	assert_int_equal(k8s_status_from_json(ev, 0, &st), -ENODATA);
	assert_true(k8s_status_is_gone(&st));
	json_decref(ev);
	/* a "code" that is not an HTTP code falls back to the given one */
	ev = json_pack("{s:s, s:i}", "kind", "Status", "code", 99999);
	assert_int_equal(k8s_status_from_json(ev, 500, &st), -EIO);
	assert_int_equal(st.code, 500);
	json_decref(ev);
	assert_int_equal(k8s_status_errno(200, NULL), 0);
	assert_int_equal(k8s_status_errno(401, NULL), -EACCES);
	assert_int_equal(k8s_status_errno(403, NULL), -EPERM);
	assert_int_equal(k8s_status_errno(422, "Invalid"), -EINVAL);
	assert_int_equal(k8s_status_errno(504, NULL), -ETIMEDOUT);
}

static void test_time(void **state)
{
	char buf[K8S_TIME_MAX];
	uint64_t ms;

	assert_int_equal(k8s_time_parse("1970-01-01T00:00:00Z", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(k8s_time_parse("2024-02-29T12:34:56Z", &ms), 0);
	assert_int_equal(ms, 1709210096000ull);
	assert_int_equal(k8s_time_parse("2024-02-29T12:34:56.789123Z", &ms), 0);
	assert_int_equal(ms, 1709210096789ull);
	assert_int_equal(k8s_time_parse("2024-02-29T14:34:56.5+02:00", &ms), 0);
	assert_int_equal(ms, 1709210096500ull);
	assert_int_equal(k8s_time_parse("2024-02-29T10:04:56-02:30", &ms), 0);
	assert_int_equal(ms, 1709210096000ull);
	assert_int_equal(k8s_time_format(1709210096789ull, false, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2024-02-29T12:34:56Z");
	assert_int_equal(k8s_time_format(1709210096789ull, true, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2024-02-29T12:34:56.789000Z");
	assert_int_equal(k8s_time_parse(buf, &ms), 0);
	assert_int_equal(ms, 1709210096789ull);
	assert_int_equal(k8s_time_format(1, true, buf, 10), -ENOSPC);

	const char *bad[] = {"",
	                     "2023-02-29T00:00:00Z",
	                     "2024-13-01T00:00:00Z",
	                     "2024-01-01 00:00:00Z",
	                     "2024-01-01T24:00:00Z",
	                     "2024-01-01T00:00:60Z",
	                     "2024-01-01T00:00:00",
	                     "2024-01-01T00:00:00.Z",
	                     "2024-01-01T00:00:00.1234567890Z",
	                     "2024-01-01T00:00:00+0100",
	                     "2024-01-01T00:00:00Zjunk",
	                     "1969-12-31T23:59:59Z",
	                     "1970-01-01T00:00:00+01:00",
	                     "abcd-01-01T00:00:00Z"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (k8s_time_parse(bad[i], &ms) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(k8s_time_parse(NULL, &ms), -EINVAL);
}

static void test_time_roundtrip(void **state)
{
	char buf[K8S_TIME_MAX];
	uint64_t ms, back;

	/* every day boundary over four centuries' worth of leap rules */
	for (ms = 0; ms < 400ull * 366 * 86400000; ms += 86400000ull * 7 + 3601234) {
		assert_int_equal(k8s_time_format(ms, true, buf, sizeof(buf)), 0);
		assert_int_equal(k8s_time_parse(buf, &back), 0);
		assert_int_equal(back, ms);
	}
}

static void test_backoff(void **state)
{
	struct k8s_backoff b;

	k8s_backoff_init(&b, 800, 30000, 2, 100);
	assert_int_equal(k8s_backoff_next(&b, 0), 800);
	assert_int_equal(k8s_backoff_next(&b, 0), 1600);
	assert_int_equal(k8s_backoff_next(&b, 0), 3200);
	/* the largest jitter almost doubles the step */
	assert_int_equal(k8s_backoff_next(&b, UINT32_MAX), 6400 + 6399);
	for (int i = 0; i < 10; i++)
		k8s_backoff_next(&b, 0);
	assert_int_equal(k8s_backoff_next(&b, 0), 30000);
	k8s_backoff_reset(&b);
	assert_int_equal(k8s_backoff_next(&b, 1u << 31), 1200);
	/* retry.DefaultBackoff: 10 ms x5 with 10% jitter */
	k8s_backoff_init(&b, 10, 10000, 5, 10);
	assert_int_equal(k8s_backoff_next(&b, 0), 10);
	assert_int_equal(k8s_backoff_next(&b, 0), 50);
	assert_int_equal(k8s_backoff_next(&b, UINT32_MAX), 250 + 24);
}

static void test_obj_accessors(void **state)
{
	json_t *o =
	    json_pack("{s:s, s:{s:s, s:s, s:s, s:i}}", "kind", "Service", "metadata", "name", "web",
	              "namespace", "default", "resourceVersion", "42", "uid", 7);

	assert_string_equal(k8s_obj_name(o), "web");
	assert_string_equal(k8s_obj_namespace(o), "default");
	assert_string_equal(k8s_obj_rv(o), "42");
	assert_string_equal(k8s_obj_kind(o), "Service");
	assert_null(k8s_obj_uid(o)); /* not a string */
	assert_null(k8s_obj_name(NULL));
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_path_errors),
	    cmocka_unit_test(test_query),
	    cmocka_unit_test(test_status_json),
	    cmocka_unit_test(test_status_other_bodies),
	    cmocka_unit_test(test_time),
	    cmocka_unit_test(test_time_roundtrip),
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_obj_accessors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
