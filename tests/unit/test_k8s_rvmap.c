/*
 * The informer's key -> resourceVersion map: named cases, then a long
 * random sequence checked against a plain JSON model after every step
 * (backward-shift deletion is where open addressing goes wrong).
 */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "k8s/rvmap.h"

static void test_cases(void **state)
{
	struct k8s_rvmap m;
	uint64_t u1 = k8s_rvmap_uid_hash("uid-1"), u2 = k8s_rvmap_uid_hash("uid-2");

	k8s_rvmap_init(&m);
	assert_null(k8s_rvmap_rv(&m, "ns/a"));
	assert_int_equal(k8s_rvmap_del(&m, "ns/a"), 0);
	assert_int_equal(k8s_rvmap_uid_hash(NULL), 0);
	assert_int_equal(k8s_rvmap_uid_hash(""), 0);
	assert_int_equal(k8s_rvmap_put(&m, "ns/a", "10", u1), K8S_RV_NEW);
	assert_int_equal(k8s_rvmap_put(&m, "ns/a", "10", u1), K8S_RV_SAME);
	assert_int_equal(k8s_rvmap_put(&m, "ns/a", "11", u1), K8S_RV_CHANGED);
	assert_string_equal(k8s_rvmap_rv(&m, "ns/a"), "11");
	/* same name, another uid: deleted and created while unseen */
	assert_int_equal(k8s_rvmap_put(&m, "ns/a", "12", u2), K8S_RV_REPLACED);
	/* an unknown uid (0) is never a replacement */
	assert_int_equal(k8s_rvmap_put(&m, "ns/a", "13", 0), K8S_RV_CHANGED);
	assert_int_equal(k8s_rvmap_put(&m, "ns/a", "14", u2), K8S_RV_CHANGED);
	assert_int_equal(k8s_rvmap_put(&m, "b", NULL, 0), K8S_RV_NEW);
	assert_string_equal(k8s_rvmap_rv(&m, "b"), "");
	assert_int_equal(k8s_rvmap_size(&m), 2);
	assert_int_equal(k8s_rvmap_del(&m, "ns/a"), 1);
	assert_int_equal(k8s_rvmap_size(&m), 1);
	k8s_rvmap_fini(&m);
}

static char swept[4096];

static void on_swept(const char *key, void *arg)
{
	(*(int *)arg)++;
	strcat(swept, key);
	strcat(swept, ";");
}

static void test_sweep(void **state)
{
	struct k8s_rvmap m;
	char key[32];
	int n = 0;

	k8s_rvmap_init(&m);
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(k8s_rvmap_put(&m, key, "1", 0), K8S_RV_NEW);
	}
	k8s_rvmap_begin(&m);
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if (i % 10 != 3)
			assert_true(k8s_rvmap_put(&m, key, i % 2 ? "2" : "1", 0) >= 0);
	}
	strcpy(swept, ";");
	assert_int_equal(k8s_rvmap_sweep(&m, on_swept, &n), 10);
	assert_int_equal(n, 10);
	assert_int_equal(k8s_rvmap_size(&m), 90);
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), ";k%d;", i);
		assert_int_equal(strstr(swept, key) != NULL, i % 10 == 3);
		snprintf(key, sizeof(key), "k%d", i);
		if (i % 10 == 3)
			assert_null(k8s_rvmap_rv(&m, key));
		else
			assert_string_equal(k8s_rvmap_rv(&m, key), i % 2 ? "2" : "1");
	}
	/* nothing unseen: nothing swept */
	n = 0;
	assert_int_equal(k8s_rvmap_sweep(&m, on_swept, &n), 0);
	k8s_rvmap_fini(&m);
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_model(void **state)
{
	struct k8s_rvmap m;
	json_t *model = json_object();
	char key[32], rv[16];

	k8s_rvmap_init(&m);
	for (int step = 0; step < 200000; step++) {
		/* few keys, so the table fills, empties and wraps around */
		snprintf(key, sizeof(key), "ns%u/s%u", (unsigned)(next() % 3),
		         (unsigned)(next() % 700));
		snprintf(rv, sizeof(rv), "%u", (unsigned)(next() % 4));
		if (next() % 3 == 0) {
			int had = json_object_get(model, key) != NULL;

			assert_int_equal(k8s_rvmap_del(&m, key), had);
			json_object_del(model, key);
		} else {
			const char *old = json_string_value(json_object_get(model, key));
			int want = !old              ? K8S_RV_NEW
			           : strcmp(old, rv) ? K8S_RV_CHANGED
			                             : K8S_RV_SAME;

			assert_int_equal(k8s_rvmap_put(&m, key, rv, 0), want);
			json_object_set_new(model, key, json_string(rv));
		}
		assert_int_equal(k8s_rvmap_size(&m), json_object_size(model));
		if (step % 997 == 0) {
			const char *k;
			json_t *v;
			size_t live = 0;

			json_object_foreach(model, k, v)
			{
				assert_non_null(k8s_rvmap_rv(&m, k));
				assert_string_equal(k8s_rvmap_rv(&m, k), json_string_value(v));
			}
			/* every stored entry is the model's, found at its place */
			for (size_t i = 0; i < m.n; i++) {
				const char *kv = m.v[i].kv;

				assert_non_null(json_object_get(model, kv));
				assert_string_equal(k8s_rvmap_rv(&m, kv), kv + strlen(kv) + 1);
				live++;
			}
			assert_int_equal(live, json_object_size(model));
		}
	}
	json_decref(model);
	k8s_rvmap_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_sweep),
	    cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
