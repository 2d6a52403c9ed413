/*
 * Bearer token rotation against the API server stand-in: the token file
 * is rewritten and the server accepts only the new token; a client whose
 * periodic re-read is far away picks the new token up on the 401 and
 * resends, and its informer carries on without losses.
 * Skipped unless BERTH_TEST_APISERVER_ROTATE is set (by
 * tests/e2e/test_k8s_token.sh, with BERTH_TEST_APISERVER and
 * BERTH_TEST_APISERVER_TOKENFILE_KC, a kubeconfig with a tokenFile).
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

static void test_rotation(void **state)
{
	const char *rotate = getenv("BERTH_TEST_APISERVER_ROTATE");
	const char *tkc = getenv("BERTH_TEST_APISERVER_TOKENFILE_KC");
	struct k8s_client_opts opts = {.token_reread_ms = 600000};
	struct k8s_client *t;
	struct k8s_config cfg;
	struct k8s_err err;
	struct k8s_informer_opts o;
	struct k8s_informer *inf;
	struct k8s_status st;
	struct mirror m;
	struct live l;

	if (!rotate || !tkc) {
		print_message("BERTH_TEST_APISERVER_ROTATE unset: skipped\n");
		skip();
	}
	live_begin(&l, "token");
	assert_int_equal(k8s_kubeconfig_load(tkc, NULL, false, &cfg, &err), 0);
	assert_non_null(cfg.token_file);
	assert_non_null(cfg.ca_file); /* a file, relative to the kubeconfig */
	assert_int_equal(k8s_client_new(l.loop_a, &cfg, &opts, &t, &err), 0);
	k8s_config_fini(&cfg);

	live_svc_create(&l, "a");
	mirror_init(&m, &l, &o);
	o.backoff_initial_ms = 200;
	o.backoff_max_ms = 1000;
	assert_int_equal(k8s_informer_new(t, &o, &inf), 0);
	assert_int_equal(k8s_informer_start(inf), 0);
	assert_true(live_run_until(l.loop_a, mirror_is_synced, &m, 20));
	live_run_for(l.loop_a, 0.3);

	/* new token in the file, old one refused by the server */
	assert_int_equal(system(rotate), 0);
	assert_int_equal(live_call(l.b, K8S_GET, "/api/v1/namespaces", NULL, NULL, &st), -EACCES);
	assert_string_equal(st.reason, "Unauthorized");
	k8s_client_free(l.b);
	live_client(l.loop_b, getenv("BERTH_TEST_APISERVER"), &l.b);

	live_svc_create(&l, "b");
	assert_true(mirror_converge(&m, 30));
	assert_non_null(json_object_get(m.objs, "b"));
	/* plain requests too */
	assert_int_equal(live_call(t, K8S_GET, "/api/v1/namespaces", NULL, NULL, &st), 0);
	if (m.violations)
		fail_msg("%d violations, first: %s", m.violations, m.violation);
	k8s_informer_free(inf);
	k8s_client_free(t);
	json_decref(m.objs);
	live_end(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rotation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
