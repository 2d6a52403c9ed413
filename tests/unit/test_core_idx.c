/*
 * core_idx against a plain model: random inserts, swap-removes and
 * lookups on a dense array of names, every position checked often
 * (backward-shift deletion and renumbering are where it would break).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/idx.h"

#define MAXN 600

struct arr {
	char names[MAXN][16];
	size_t n;
	const char *want;
};

static int eq(const void *ctx, uint32_t pos)
{
	const struct arr *a = ctx;

	return strcmp(a->names[pos], a->want) == 0;
}

static int64_t find(struct core_idx *ix, struct arr *a, const char *name)
{
	a->want = name;
	return core_idx_find(ix, core_idx_hash2("ns", name), eq, a);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_hash(void **state)
{
	assert_int_not_equal(core_idx_hash2("a", "bc"), core_idx_hash2("ab", "c"));
	assert_int_equal(core_idx_hash2(NULL, "x"), core_idx_hash2("", "x"));
}

static void test_model(void **state)
{
	static struct arr a;
	struct core_idx ix;
	char name[16];

	core_idx_init(&ix);
	assert_int_equal(find(&ix, &a, "nothing"), -1);
	assert_int_equal(core_idx_remove(&ix, 1, 0), 0);
	for (int step = 0; step < 100000; step++) {
		snprintf(name, sizeof(name), "s%u", (unsigned)(next() % 900));
		int64_t at = find(&ix, &a, name);
		int64_t real = -1;

		for (size_t i = 0; i < a.n; i++)
			if (!strcmp(a.names[i], name))
				real = (int64_t)i;
		assert_int_equal(at, real);
		if (at < 0 && a.n < MAXN) {
			snprintf(a.names[a.n], sizeof(a.names[0]), "%s", name);
			assert_int_equal(
			    core_idx_insert(&ix, core_idx_hash2("ns", name), (uint32_t)a.n), 0);
			a.n++;
		} else if (at >= 0) {
			size_t last = a.n - 1;

			assert_int_equal(
			    core_idx_remove(&ix, core_idx_hash2("ns", name), (uint32_t)at), 1);
			if ((size_t)at != last) {
				assert_int_equal(core_idx_move(&ix,
				                               core_idx_hash2("ns", a.names[last]),
				                               (uint32_t)last, (uint32_t)at),
				                 1);
				memcpy(a.names[at], a.names[last], sizeof(a.names[0]));
			}
			a.n--;
		}
		assert_int_equal(ix.n, a.n);
		if (step % 499 == 0)
			for (size_t i = 0; i < a.n; i++)
				assert_int_equal(find(&ix, &a, a.names[i]), (int64_t)i);
	}
	core_idx_fini(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash),
	    cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
