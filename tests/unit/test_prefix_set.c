#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "bgp/prefix_set.h"

static struct bgp_prefix v4(uint32_t a, uint8_t len)
{
	struct bgp_prefix p = {.family = AF_INET, .len = len};

	p.addr[0] = a >> 24;
	p.addr[1] = a >> 16;
	p.addr[2] = a >> 8;
	p.addr[3] = a;
	prefix_canon(&p);
	return p;
}

static void test_add_has_del(void **state)
{
	struct prefix_set s;
	struct bgp_prefix a = v4(0xc0000201, 32), b = v4(0xc0000202, 32);

	prefix_set_init(&s);
	assert_int_equal(prefix_set_add(&s, &a), 1);
	assert_int_equal(prefix_set_add(&s, &a), 0);
	assert_true(prefix_set_has(&s, &a));
	assert_false(prefix_set_has(&s, &b));
	assert_int_equal(prefix_set_find(&s, &a), 0);
	assert_int_equal(prefix_set_find(&s, &b), -1);
	assert_int_equal(prefix_set_add(&s, &b), 1);
	assert_int_equal(prefix_set_find(&s, &b), 1);
	/* The last element fills the hole: its position follows. */
	assert_int_equal(prefix_set_del(&s, &a), 1);
	assert_int_equal(prefix_set_find(&s, &b), 0);
	assert_int_equal(prefix_set_find(&s, &a), -1);
	assert_int_equal(prefix_set_add(&s, &a), 1);
	prefix_set_clear(&s);
	assert_int_equal(prefix_set_find(&s, &b), -1);
	assert_int_equal(prefix_set_add(&s, &a), 1);
	assert_int_equal(prefix_set_del(&s, &b), 0);
	assert_int_equal(prefix_set_del(&s, &a), 1);
	assert_false(prefix_set_has(&s, &a));
	assert_int_equal(s.n, 0);
	prefix_set_fini(&s);
}

/* A reservation is the size: filling it moves nothing (v, val and the
 * index stay where they are), one more grows it, values included. */
static void test_reserve(void **state)
{
	struct prefix_set s;
	struct bgp_prefix *v;
	struct core_idx_slot *slots;
	uint32_t *val;

	(void)state;
	prefix_set_init(&s);
	assert_int_equal(prefix_set_reserve(&s, 1000), 0);
	assert_int_equal(s.cap, 1000);
	assert_true(s.ix.cap * 3 >= 1000 * 4);
	/* the values' array comes with the first value, at the set's size */
	for (uint32_t i = 0; i < 1000; i++) {
		struct bgp_prefix p = v4(0xc6120000 + i, 32);

		assert_int_equal(prefix_set_put(&s, &p, i + 1), 1);
		if (i == 0) {
			v = s.v;
			val = s.val;
			slots = s.ix.slots;
		}
	}
	assert_ptr_equal(s.v, v);
	assert_ptr_equal(s.val, val);
	assert_ptr_equal(s.ix.slots, slots);
	assert_int_equal(s.cap, 1000);
	/* smaller than what is there: nothing changes */
	assert_int_equal(prefix_set_reserve(&s, 10), 0);
	assert_int_equal(s.cap, 1000);
	{
		struct bgp_prefix p = v4(0xc6130000, 32);

		assert_int_equal(prefix_set_put(&s, &p, 7), 1);
		assert_true(s.cap > 1000);
	}
	for (uint32_t i = 0; i < 1000; i++) {
		struct bgp_prefix p = v4(0xc6120000 + i, 32);
		long at = prefix_set_find(&s, &p);

		assert_true(at >= 0);
		assert_int_equal(prefix_set_val(&s, (size_t)at), i + 1);
	}
	prefix_set_fini(&s);
}

static void test_canon_and_identity(void **state)
{
	struct prefix_set s;
	struct bgp_prefix a = v4(0xc00002ff, 24), b = v4(0xc0000200, 24);
	struct bgp_prefix c = b;

	c.path_id = 7;
	assert_memory_equal(a.addr, b.addr, 16); /* host bits cleared */
	prefix_set_init(&s);
	assert_int_equal(prefix_set_add(&s, &a), 1);
	assert_int_equal(prefix_set_add(&s, &b), 0);
	assert_int_equal(prefix_set_add(&s, &c), 1); /* path id distinguishes */
	prefix_set_fini(&s);
}

/* Random adds and deletes against a plain bitmap model. */
static void test_random_against_model(void **state)
{
	enum { N = 4096, STEPS = 200000 };
	static uint8_t model[N];
	struct prefix_set s;
	size_t count = 0;
	unsigned seed = 12345;

	memset(model, 0, sizeof(model));
	prefix_set_init(&s);
	for (int i = 0; i < STEPS; i++) {
		uint32_t k = (uint32_t)rand_r(&seed) % N;
		struct bgp_prefix p = v4(0xc6120000u + k, 32);
		int r;

		if (rand_r(&seed) & 1) {
			r = prefix_set_add(&s, &p);
			assert_int_equal(r, !model[k]);
			count += !model[k];
			model[k] = 1;
		} else {
			r = prefix_set_del(&s, &p);
			assert_int_equal(r, model[k]);
			count -= model[k];
			model[k] = 0;
		}
		assert_int_equal(s.n, count);
	}
	for (uint32_t k = 0; k < N; k++) {
		struct bgp_prefix p = v4(0xc6120000u + k, 32);

		long pos = prefix_set_find(&s, &p);

		assert_int_equal(prefix_set_has(&s, &p), model[k]);
		if (!model[k]) {
			assert_int_equal(pos, -1);
			continue;
		}
		assert_true(pos >= 0 && (size_t)pos < s.n);
		assert_int_equal(s.v[pos].len, 32);
		assert_memory_equal(s.v[pos].addr, p.addr, sizeof(p.addr));
	}
	prefix_set_fini(&s);
}

/* Values: none allocated until one is not 0; each follows its prefix
 * through swap-removes; add keeps a value, put replaces it. */
static void test_values_against_model(void **state)
{
	enum { N = 2048, STEPS = 100000 };
	static uint32_t model[N]; /* value + 1, 0 = absent */
	struct prefix_set s;
	unsigned seed = 99;

	memset(model, 0, sizeof(model));
	prefix_set_init(&s);
	for (uint32_t k = 0; k < 100; k++) {
		struct bgp_prefix p = v4(0xc6130000u + k, 32);

		assert_int_equal(prefix_set_put(&s, &p, 0), 1);
		model[k] = 1;
	}
	assert_null(s.val); /* only zeros so far: no array */
	for (int i = 0; i < STEPS; i++) {
		uint32_t k = (uint32_t)rand_r(&seed) % N, v = (uint32_t)rand_r(&seed) % 5;
		struct bgp_prefix p = v4(0xc6130000u + k, 32);

		switch (rand_r(&seed) % 3) {
		case 0:
			assert_int_equal(prefix_set_put(&s, &p, v), !model[k]);
			model[k] = v + 1;
			break;
		case 1:
			assert_int_equal(prefix_set_add(&s, &p), !model[k]);
			if (!model[k])
				model[k] = 1;
			break;
		default:
			assert_int_equal(prefix_set_del(&s, &p), model[k] != 0);
			model[k] = 0;
			break;
		}
	}
	assert_non_null(s.val);
	for (uint32_t k = 0; k < N; k++) {
		struct bgp_prefix p = v4(0xc6130000u + k, 32);
		long pos = prefix_set_find(&s, &p);

		assert_int_equal(pos >= 0, model[k] != 0);
		if (pos >= 0)
			assert_int_equal(prefix_set_val(&s, (size_t)pos), model[k] - 1);
	}
	/* clear keeps the array; new elements start from their own value */
	prefix_set_clear(&s);
	assert_int_equal(prefix_set_add(&s, &(struct bgp_prefix){.family = AF_INET, .len = 8}), 1);
	assert_int_equal(prefix_set_val(&s, 0), 0);
	prefix_set_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_has_del),
	    cmocka_unit_test(test_canon_and_identity),
	    cmocka_unit_test(test_reserve),
	    cmocka_unit_test(test_random_against_model),
	    cmocka_unit_test(test_values_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
