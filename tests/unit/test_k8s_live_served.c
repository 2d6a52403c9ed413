/*
 * Informers against the API server stand-in when a resource is not
 * served (k8s/served.h): a built-in group/version turned off (the
 * stand-in's runtime-config, as kube-apiserver's --runtime-config, or a
 * server before 1.21 for discovery.k8s.io/v1) and a CRD not installed.
 * The list's 404 is explained in one error line naming the resource,
 * repeated only after the repeat window, the informer keeps retrying
 * with backoff, and once the resource is served it syncs and the tracker
 * clears; a CRD deleted under a running watch is reported again. An
 * optional informer (MetalLB's kinds) takes the 404 for an empty list,
 * says so once in an info line and leaves the tracker clear.
 * Skipped unless BERTH_TEST_APISERVER is set (tests/e2e/test_k8s_live.sh).
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
#include "k8s/served.h"

/* Every log line of the code under test, by level. */
static struct {
	char line[32][600];
	enum log_level lvl[32];
	int n[LOG_LVL_DEBUG + 1];
	int n_lines;
} g_log;

static void capture(enum log_level lvl, const char *line, void *arg)
{
	g_log.n[lvl]++;
	if (g_log.n_lines < 32) {
		g_log.lvl[g_log.n_lines] = lvl;
		snprintf(g_log.line[g_log.n_lines++], sizeof(g_log.line[0]), "%s", line);
	}
	live_log(lvl, line, arg);
}

static int lines_with(enum log_level lvl, const char *a, const char *b)
{
	int n = 0;

	for (int i = 0; i < g_log.n_lines; i++)
		if (g_log.lvl[i] == lvl && strstr(g_log.line[i], a) &&
		    (!b || strstr(g_log.line[i], b)))
			n++;
	return n;
}

static void capture_start(void)
{
	memset(&g_log, 0, sizeof(g_log));
	log_set_sink(capture, NULL, LOG_LVL_INFO);
}

struct watch {
	struct k8s_informer *inf;
	struct k8s_served *served;
};

static bool is_synced(void *arg)
{
	struct watch *w = arg;

	return k8s_informer_synced(w->inf);
}

static bool is_missing(void *arg)
{
	struct watch *w = arg;
	char why[512];

	return !k8s_served_ok(w->served, why, sizeof(why));
}

static bool is_served(void *arg)
{
	return !is_missing(arg);
}

static unsigned errors_of(struct k8s_informer *inf)
{
	struct k8s_informer_stats st;

	k8s_informer_stats(inf, &st);
	return st.errors;
}

static struct k8s_informer *informer(struct live *l, const struct k8s_resource *res,
                                     struct k8s_served *served)
{
	struct k8s_informer_opts o = {
	    .res = res,
	    .backoff_initial_ms = 50, /* several retries a second */
	    .backoff_max_ms = 200,
	    .served = served,
	};
	struct k8s_informer *inf;

	assert_int_equal(k8s_informer_new(l->a, &o, &inf), 0);
	assert_int_equal(k8s_informer_start(inf), 0);
	return inf;
}

static void test_group_version_off(void **state)
{
	struct live l;
	struct k8s_served served;
	struct watch w = {.served = &served};
	char why[512];
	unsigned errors;

	live_begin(&l, "served");
	live_admin(&l, "runtime-config", "discovery.k8s.io/v1=false");
	k8s_served_init(&served);
	served.repeat_ms = 1500;
	capture_start();
	w.inf = informer(&l, &k8s_res_endpointslices, &served);
	assert_true(live_run_until(l.loop_a, is_missing, &w, 10));
	/* retrying with backoff, the explanation logged once */
	live_run_for(l.loop_a, 1.0);
	errors = errors_of(w.inf);
	assert_true(errors >= 4);
	assert_false(k8s_informer_synced(w.inf));
	assert_int_equal(g_log.n[LOG_LVL_ERROR], 1);
	assert_int_equal(lines_with(LOG_LVL_ERROR, "discovery.k8s.io/v1 endpointslices",
	                            "berth supports " K8S_SUPPORTED_VERSIONS),
	                 1);
	assert_int_equal(g_log.n[LOG_LVL_WARN], 0); /* no bare 404 at each retry */
	assert_false(k8s_served_ok(&served, why, sizeof(why)));
	assert_non_null(strstr(why, "discovery.k8s.io/v1 endpointslices"));
	/* past the repeat window: once more */
	live_run_for(l.loop_a, 1.0);
	assert_int_equal(g_log.n[LOG_LVL_ERROR], 2);
	assert_true(errors_of(w.inf) > errors);
	/* served again: listed, and the tracker says so */
	live_admin(&l, "runtime-config", "discovery.k8s.io/v1=true");
	assert_true(live_run_until(l.loop_a, is_synced, &w, 10));
	assert_true(k8s_served_ok(&served, why, sizeof(why)));
	assert_int_equal(
	    lines_with(LOG_LVL_INFO, "discovery.k8s.io/v1 endpointslices is served now", NULL), 1);
	k8s_informer_free(w.inf);
	live_end(&l);
}

#define CRD_PATH "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"

static void crd_create(struct live *l)
{
	json_t *crd = json_pack(
	    "{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:[{s:s, s:b, s:b, "
	    "s:{s:{s:s, s:b}}}]}}",
	    "apiVersion", "apiextensions.k8s.io/v1", "kind", "CustomResourceDefinition", "metadata",
	    "name", "bgpconfs.network.kubesphere.io", "spec", "group", "network.kubesphere.io",
	    "scope", "Cluster", "names", "plural", "bgpconfs", "singular", "bgpconf", "kind",
	    "BgpConf", "listKind", "BgpConfList", "versions", "name", "v1alpha2", "served", 1,
	    "storage", 1, "schema", "openAPIV3Schema", "type", "object",
	    "x-kubernetes-preserve-unknown-fields", 1);
	struct k8s_status st;
	int rc = live_call(l->b, K8S_POST, CRD_PATH, crd, NULL, &st);

	json_decref(crd);
	if (rc)
		fail_msg("create CRD: %d %s", rc, st.message);
}

static void crd_delete(struct live *l)
{
	live_call(l->b, K8S_DELETE, CRD_PATH "/bgpconfs.network.kubesphere.io", NULL, NULL, NULL);
}

static void test_crd_missing(void **state)
{
	struct live l;
	struct k8s_served served;
	struct watch w = {.served = &served};
	char why[512];

	live_begin(&l, "served-crd");
	crd_delete(&l); /* left by an earlier run that failed */
	k8s_served_init(&served);
	capture_start();
	w.inf = informer(&l, &k8s_res_bgpconfs, &served);
	assert_true(live_run_until(l.loop_a, is_missing, &w, 10));
	live_run_for(l.loop_a, 0.5);
	assert_true(errors_of(w.inf) >= 2);
	assert_int_equal(g_log.n[LOG_LVL_ERROR], 1);
	assert_int_equal(lines_with(LOG_LVL_ERROR,
	                            "CustomResourceDefinition "
	                            "bgpconfs.network.kubesphere.io is not installed",
	                            "kubectl apply -k deploy/"),
	                 1);
	assert_false(k8s_served_ok(&served, why, sizeof(why)));
	assert_non_null(strstr(why, "bgpconfs.network.kubesphere.io"));
	/* installed later: the informer, still retrying, lists it */
	crd_create(&l);
	assert_true(live_run_until(l.loop_a, is_synced, &w, 10));
	assert_true(k8s_served_ok(&served, why, sizeof(why)));
	/* deleted under the running watch: its re-watch gets the 404 */
	live_run_for(l.loop_a, 0.3);
	crd_delete(&l);
	assert_true(live_run_until(l.loop_a, is_missing, &w, 10));
	assert_int_equal(g_log.n[LOG_LVL_ERROR], 2);
	crd_create(&l);
	assert_true(live_run_until(l.loop_a, is_served, &w, 10));
	k8s_informer_free(w.inf);
	crd_delete(&l);
	live_end(&l);
}

/* ---- an optional resource (MetalLB's metallb.io kinds) ---- */

static int g_adds, g_deletes, g_relists;

static void on_add(const json_t *obj, void *arg)
{
	g_adds++;
}

static void on_delete(const json_t *obj, void *arg)
{
	g_deletes++;
}

static void on_relist(bool done, void *arg)
{
	if (done)
		g_relists++;
}

static bool added(void *arg)
{
	return g_adds == 1;
}

static bool deleted(void *arg)
{
	return g_deletes == 1;
}

/*
 * Not installed: an empty list at once (synced, absent), one info line,
 * no error or warning, the tracker clear (readiness); installed later
 * with an object: listed within absent_retry_ms; the CRD deleted under
 * the watch: its object deleted, absent again, said once more.
 */
static void test_optional_missing(void **state)
{
	struct live l;
	struct k8s_served served;
	struct watch w = {.served = &served};
	struct k8s_informer_opts o = {
	    .res = &k8s_res_bgpconfs,
	    .backoff_initial_ms = 50,
	    .backoff_max_ms = 200,
	    .served = &served,
	    .optional = true,
	    .absent_retry_ms = 300,
	    .on_add = on_add,
	    .on_delete = on_delete,
	    .on_relist = on_relist,
	};
	struct k8s_informer_stats st;
	char why[512];
	json_t *obj;
	int rc;

	live_begin(&l, "served-optional");
	crd_delete(&l);
	k8s_served_init(&served);
	capture_start();
	g_adds = g_deletes = g_relists = 0;
	assert_int_equal(k8s_informer_new(l.a, &o, &w.inf), 0);
	assert_int_equal(k8s_informer_start(w.inf), 0);
	assert_true(live_run_until(l.loop_a, is_synced, &w, 10));
	assert_true(k8s_informer_absent(w.inf));
	assert_int_equal(g_relists, 1); /* the caller's first list: empty */
	live_run_for(l.loop_a, 1.0);    /* looked again ~3 times, quietly */
	k8s_informer_stats(w.inf, &st);
	assert_true(st.absent >= 3);
	assert_int_equal(st.errors, 0);
	assert_int_equal(g_relists, 1);
	assert_int_equal(g_log.n[LOG_LVL_ERROR], 0);
	assert_int_equal(g_log.n[LOG_LVL_WARN], 0);
	assert_int_equal(
	    lines_with(LOG_LVL_INFO, "network.kubesphere.io/v1alpha2 bgpconfs", "is not served"),
	    1);
	assert_true(k8s_served_ok(&served, why, sizeof(why)));
	/* installed, with an object: read within a retry */
	crd_create(&l);
	obj = json_pack("{s:s, s:s, s:{s:s}, s:{}}", "apiVersion", "network.kubesphere.io/v1alpha2",
	                "kind", "BgpConf", "metadata", "name", "default", "spec");
	rc = live_call(l.b, K8S_POST, "/apis/network.kubesphere.io/v1alpha2/bgpconfs", obj, NULL,
	               NULL);
	json_decref(obj);
	assert_int_equal(rc, 0);
	assert_true(live_run_until(l.loop_a, added, NULL, 10));
	assert_false(k8s_informer_absent(w.inf));
	assert_int_equal(lines_with(LOG_LVL_INFO, "BgpConf is served now", NULL), 1);
	/* the CRD deleted under the watch: its object goes, absent again */
	live_run_for(l.loop_a, 0.3);
	crd_delete(&l);
	assert_true(live_run_until(l.loop_a, deleted, NULL, 10));
	assert_true(k8s_informer_absent(w.inf));
	assert_true(k8s_informer_synced(w.inf));
	assert_int_equal(
	    lines_with(LOG_LVL_INFO, "network.kubesphere.io/v1alpha2 bgpconfs", "is not served"),
	    2);
	assert_int_equal(g_log.n[LOG_LVL_ERROR], 0);
	assert_true(k8s_served_ok(&served, why, sizeof(why)));
	k8s_informer_free(w.inf);
	live_end(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_group_version_off),
	    cmocka_unit_test(test_crd_missing),
	    cmocka_unit_test(test_optional_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
