/*
 * core_map (borrowed key -> pointer on core_idx) against a plain array:
 * random put/del under churn, every key looked up often; replace, and
 * reserve as the promise that put cannot fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/map.h"

struct kv {
	char key[16];
	int present;
};

/* Random put/del against an array; exercises backward-shift deletion.
 * (Moved from test_ipam_addr: ipam's map was the model of this one.) */
static void test_map_model(void **state)
{
	enum { K = 500 };
	static struct kv kv[K];
	struct core_map m = {0};
	uint32_t rng = 99;

	for (int i = 0; i < K; i++)
		snprintf(kv[i].key, sizeof(kv[i].key), "k%d", i * 7919);
	for (int step = 0; step < 50000; step++) {
		rng = rng * 1103515245u + 12345u;
		int i = (int)((rng >> 8) % K);
		size_t len = strlen(kv[i].key);

		if (kv[i].present) {
			assert_ptr_equal(core_map_del(&m, kv[i].key, len), &kv[i]);
			kv[i].present = 0;
		} else {
			assert_int_equal(core_map_reserve(&m, 1), 0);
			core_map_put(&m, kv[i].key, len, &kv[i]);
			kv[i].present = 1;
		}
		if (step % 501)
			continue;
		size_t n = 0;
		for (int j = 0; j < K; j++) {
			void *v = core_map_get(&m, kv[j].key, strlen(kv[j].key));
			assert_ptr_equal(v, kv[j].present ? &kv[j] : NULL);
			n += kv[j].present;
		}
		assert_int_equal(m.n, n);
	}
	assert_null(core_map_del(&m, "absent", 6));
	core_map_fini(&m);
	assert_null(core_map_get(&m, "k0", 2));
}

/* Keys are bytes: a prefix of another key, or with a 0 inside, is
 * another key. The walk v[0..n-1] holds each entry once. */
static void test_bytes_and_walk(void **state)
{
	struct core_map m;
	int a, b, c;

	core_map_init(&m);
	assert_int_equal(core_map_put(&m, "ab\0c", 4, &a), 0);
	assert_int_equal(core_map_put(&m, "ab", 2, &b), 0);
	assert_int_equal(core_map_put(&m, "ab\0d", 4, &c), 0);
	assert_ptr_equal(core_map_get(&m, "ab", 2), &b);
	assert_ptr_equal(core_map_get(&m, "ab\0c", 4), &a);
	assert_ptr_equal(core_map_get(&m, "ab\0d", 4), &c);
	assert_null(core_map_get(&m, "ab\0", 3));
	assert_int_equal(m.n, 3);
	assert_ptr_equal(core_map_del(&m, "ab\0c", 4), &a);
	assert_int_equal(m.n, 2);
	for (size_t i = 0; i < m.n; i++)
		assert_true(m.v[i].val == &b || m.v[i].val == &c);
	assert_ptr_not_equal(m.v[0].val, m.v[1].val);
	core_map_fini(&m);
}

/* replace re-points an entry at other storage for the same bytes (the
 * key lives in the value, and the value changes). */
static void test_replace(void **state)
{
	struct core_map m;
	char k1[] = "pool", k2[] = "pool";
	int v1, v2;

	core_map_init(&m);
	assert_int_equal(core_map_put(&m, k1, 4, &v1), 0);
	core_map_replace(&m, k2, 4, &v2);
	assert_int_equal(m.n, 1);
	assert_ptr_equal(m.v[0].key, k2);
	assert_ptr_equal(core_map_get(&m, "pool", 4), &v2);
	memset(k1, 'x', 4); /* the old storage is no longer read */
	assert_ptr_equal(core_map_get(&m, "pool", 4), &v2);
	assert_ptr_equal(core_map_del(&m, "pool", 4), &v2);
	core_map_fini(&m);
}

/* After reserve(n), n puts move nothing (no allocation can fail). */
static void test_reserve(void **state)
{
	static char keys[3000][8];
	struct core_map m;
	const struct core_map_ent *v;
	const void *slots;

	core_map_init(&m);
	assert_int_equal(core_map_put(&m, "first", 5, keys), 0);
	assert_int_equal(core_map_reserve(&m, 3000), 0);
	v = m.v;
	slots = m.ix.slots;
	for (int i = 0; i < 3000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "%d", i);
		assert_int_equal(core_map_put(&m, keys[i], strlen(keys[i]), keys[i]), 0);
	}
	assert_ptr_equal(m.v, v);
	assert_ptr_equal(m.ix.slots, slots);
	for (int i = 0; i < 3000; i++)
		assert_ptr_equal(core_map_get(&m, keys[i], strlen(keys[i])), keys[i]);
	core_map_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map_model),
	    cmocka_unit_test(test_bytes_and_walk),
	    cmocka_unit_test(test_replace),
	    cmocka_unit_test(test_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
