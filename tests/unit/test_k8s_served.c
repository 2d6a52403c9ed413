/*
 * The tracker of resources the API server does not serve (k8s/served.h):
 * when the full explanation is due (first 404, then once per repeat
 * window while it lasts), what it says for a built-in group and for a
 * CRD, and the reason /readyz gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "k8s/served.h"

static void test_verdicts(void **state)
{
	struct k8s_served s;
	char why[512];

	k8s_served_init(&s);
	assert_int_equal(s.repeat_ms, 5 * 60 * 1000);
	assert_true(k8s_served_ok(&s, why, sizeof(why)));
	/* served from the start: nothing to say */
	assert_int_equal(k8s_served_note(&s, &k8s_res_services, 200, 0), K8S_SERVED_QUIET);
	/* the first 404: the full message */
	assert_int_equal(k8s_served_note(&s, &k8s_res_endpointslices, 404, 1000),
	                 K8S_SERVED_MISSING);
	assert_false(k8s_served_ok(&s, why, sizeof(why)));
	assert_non_null(strstr(why, "discovery.k8s.io/v1 endpointslices"));
	/* retries within the window: quiet, still missing */
	for (uint64_t t = 1800; t < 1000 + s.repeat_ms; t += 30000)
		assert_int_equal(k8s_served_note(&s, &k8s_res_endpointslices, 404, t),
		                 K8S_SERVED_QUIET);
	assert_false(k8s_served_ok(&s, why, sizeof(why)));
	/* answers that say nothing about it change nothing */
	assert_int_equal(k8s_served_note(&s, &k8s_res_endpointslices, 0, 2000), K8S_SERVED_QUIET);
	assert_int_equal(k8s_served_note(&s, &k8s_res_endpointslices, 410, 2000), K8S_SERVED_QUIET);
	assert_int_equal(k8s_served_note(&s, &k8s_res_endpointslices, 503, 2000), K8S_SERVED_QUIET);
	assert_false(k8s_served_ok(&s, why, sizeof(why)));
	/* once the window is over: again, then quiet for another window */
	assert_int_equal(k8s_served_note(&s, &k8s_res_endpointslices, 404, 1000 + s.repeat_ms),
	                 K8S_SERVED_MISSING);
	assert_int_equal(k8s_served_note(&s, &k8s_res_endpointslices, 404, 2000 + s.repeat_ms),
	                 K8S_SERVED_QUIET);
	/* a second resource missing: counted in the reason */
	assert_int_equal(k8s_served_note(&s, &k8s_res_eips, 404, 3000 + s.repeat_ms),
	                 K8S_SERVED_MISSING);
	assert_false(k8s_served_ok(&s, why, sizeof(why)));
	assert_non_null(strstr(why, "endpointslices"));
	assert_non_null(strstr(why, "and 1 more resource not served"));
	/* served again: said once, and ready once both are */
	assert_int_equal(k8s_served_note(&s, &k8s_res_endpointslices, 200, 4000 + s.repeat_ms),
	                 K8S_SERVED_BACK);
	assert_int_equal(k8s_served_note(&s, &k8s_res_endpointslices, 200, 4001 + s.repeat_ms),
	                 K8S_SERVED_QUIET);
	assert_false(k8s_served_ok(&s, why, sizeof(why)));
	assert_non_null(strstr(why, "eips"));
	assert_null(strstr(why, "more"));
	assert_int_equal(k8s_served_note(&s, &k8s_res_eips, 201, 5000 + s.repeat_ms),
	                 K8S_SERVED_BACK);
	assert_true(k8s_served_ok(&s, why, sizeof(why)));
	/* gone again later: the full message at once, not after a window */
	assert_int_equal(k8s_served_note(&s, &k8s_res_eips, 404, 6000 + s.repeat_ms),
	                 K8S_SERVED_MISSING);
}

static void test_explain(void **state)
{
	char why[512];

	k8s_served_explain(&k8s_res_endpointslices, why, sizeof(why));
	assert_string_equal(why, "the API server does not serve discovery.k8s.io/v1 endpointslices "
	                         "(Kubernetes 1.21 and later do): berth supports Kubernetes 1.21 "
	                         "or newer");
	k8s_served_explain(&k8s_res_leases, why, sizeof(why));
	assert_non_null(strstr(why, "coordination.k8s.io/v1 leases (Kubernetes 1.14 and later"));
	assert_non_null(strstr(why, K8S_SUPPORTED_VERSIONS));
	/* berth's own resources: the CRD and how to install it */
	k8s_served_explain(&k8s_res_bgppeers, why, sizeof(why));
	assert_string_equal(why, "the API server does not serve network.kubesphere.io/v1alpha2 "
	                         "bgppeers: the CustomResourceDefinition "
	                         "bgppeers.network.kubesphere.io is not installed (`kubectl apply "
	                         "-k deploy/` installs it)");
	/* a built-in group berth has no release for: the supported versions */
	{
		static const struct k8s_resource apps = {"apps", "v1", "deployments", "Deployment",
		                                         true};

		k8s_served_explain(&apps, why, sizeof(why));
		assert_string_equal(why, "the API server does not serve apps/v1 deployments: berth "
		                         "supports Kubernetes 1.21 or newer");
	}
	/* a short buffer: truncated, terminated */
	k8s_served_explain(&k8s_res_eips, why, 16);
	assert_int_equal(strlen(why), 15);
}

static void test_full(void **state)
{
	static struct k8s_resource res[K8S_SERVED_MAX + 1];
	struct k8s_served s;
	char why[512];

	k8s_served_init(&s);
	for (size_t i = 0; i <= K8S_SERVED_MAX; i++) {
		res[i] = (struct k8s_resource){"example.com", "v1", "things", "Thing", true};
		assert_int_equal(k8s_served_note(&s, &res[i], 404, 0),
		                 i < K8S_SERVED_MAX ? K8S_SERVED_MISSING : K8S_SERVED_QUIET);
	}
	assert_int_equal(s.n, K8S_SERVED_MAX);
	assert_false(k8s_served_ok(&s, why, sizeof(why)));
	assert_non_null(strstr(why, "and 15 more resources not served"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verdicts),
	    cmocka_unit_test(test_explain),
	    cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
