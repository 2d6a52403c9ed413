/*
 * core_idx, the one hash table, against a plain model: random inserts,
 * swap-removes and lookups on a dense array of names, every position
 * checked often (backward-shift deletion and renumbering are where it
 * would break), under two seeds; then keys crowded onto a few hashes whose
 * homes wrap around the end of the table, growth, reserve and clear.
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
	/* FNV-1a 64's published value for "a" (fingerprints rely on it). */
	assert_true(core_fnv(CORE_FNV_INIT, "a", 1) == 0xaf63dc4c8601ec8cull);
	assert_true(core_fnv_str(CORE_FNV_INIT, "a") == core_fnv(CORE_FNV_INIT, "a", 2));
	/* The seed moves keys; fingerprints stay. */
	core_hash_seed(1);
	uint32_t a1 = core_idx_hash2("ns", "svc-1");
	core_hash_seed(0);
	assert_int_not_equal(a1, core_idx_hash2("ns", "svc-1"));
	assert_true(core_fnv(CORE_FNV_INIT, "a", 1) == 0xaf63dc4c8601ec8cull);
}

/* Linear probing into 16,384 slots, 12,000 keys (0.73 full, as at
 * 10,000 Services): total extra probes and the longest run. */
static void place(uint32_t h, uint8_t *used, size_t cap, size_t *probes)
{
	size_t s = h & (cap - 1);

	while (used[s]) {
		s = (s + 1) & (cap - 1);
		(*probes)++;
	}
	used[s] = 1;
}

static size_t longest_run(const uint8_t *used, size_t cap)
{
	size_t run = 0, longest = 0;

	for (size_t i = 0; i < 2 * cap; i++) {
		run = used[i % cap] ? run + 1 : 0;
		longest = run > longest ? run : longest;
	}
	return longest;
}

/* Sequential keys (names, /32s) spread as random ones would: at 0.73 full
 * random placement makes some 1.3 extra probes a key, runs of about 100. */
static void test_spread(void **state)
{
	enum { N = 12000, CAP = 16384 };
	static uint8_t names[CAP], addrs[CAP];
	size_t pn = 0, pa = 0;
	char name[16];

	memset(names, 0, sizeof(names));
	memset(addrs, 0, sizeof(addrs));
	for (uint32_t i = 0; i < N; i++) {
		uint8_t a[4] = {198, 18, (uint8_t)(i >> 8), (uint8_t)i};

		snprintf(name, sizeof(name), "svc-%u", i);
		place(core_idx_hash2("default", name), names, CAP, &pn);
		place(core_hash_mix(core_fnv(CORE_FNV_INIT, a, sizeof(a))), addrs, CAP, &pa);
	}
	assert_true(pn < 3 * N && pa < 3 * N);
	assert_true(longest_run(names, CAP) < 400 && longest_run(addrs, CAP) < 400);
}

static void model(uint64_t seed)
{
	static struct arr a;
	struct core_idx ix;
	char name[16];

	core_hash_seed(seed);
	memset(&a, 0, sizeof(a));
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
	core_hash_seed(0);
}

static void test_model(void **state)
{
	model(0);
	model(0x243f6a8885a308d3ull);
}

/* Keys are numbers; their hashes crowd onto 5 values whose homes are the
 * last two slots and the first three, so every run wraps around and
 * every delete shifts, across the end too. */
struct nums {
	uint32_t k[256];
	size_t n;
	uint32_t want;
};

static uint32_t crowd(uint32_t k)
{
	return 0xfffffffeu + k % 5; /* ..fe, ..ff, 0, 1, 2 */
}

static int num_eq(const void *ctx, uint32_t pos)
{
	const struct nums *a = ctx;

	return a->k[pos] == a->want;
}

static int64_t num_find(struct core_idx *ix, struct nums *a, uint32_t k)
{
	a->want = k;
	return core_idx_find(ix, crowd(k), num_eq, a);
}

static void test_crowded(void **state)
{
	static struct nums a;
	struct core_idx ix;

	core_idx_init(&ix);
	for (int step = 0; step < 40000; step++) {
		uint32_t k = (uint32_t)(next() % 200);
		int64_t at = num_find(&ix, &a, k);

		if (at < 0) {
			assert_int_equal(core_idx_insert(&ix, crowd(k), (uint32_t)a.n), 0);
			a.k[a.n++] = k;
		} else {
			size_t last = a.n - 1;

			assert_int_equal(core_idx_remove(&ix, crowd(k), (uint32_t)at), 1);
			if ((size_t)at != last) {
				assert_int_equal(core_idx_move(&ix, crowd(a.k[last]),
				                               (uint32_t)last, (uint32_t)at),
				                 1);
				a.k[at] = a.k[last];
			}
			a.n--;
		}
		/* Every key, present or not, after every step. */
		for (uint32_t j = 0; j < 200; j++) {
			int64_t real = -1;

			for (size_t i = 0; i < a.n; i++)
				if (a.k[i] == j)
					real = (int64_t)i;
			assert_int_equal(num_find(&ix, &a, j), real);
		}
	}
	core_idx_fini(&ix);
}

static int u32_eq(const void *ctx, uint32_t pos)
{
	const uint32_t *k = ctx;

	return k[pos] == k[UINT32_C(100000)];
}

/* Growth keeps every position; reserve makes room once; clear empties
 * and keeps the slots. */
static void test_growth_reserve_clear(void **state)
{
	enum { N = 100000 };
	static uint32_t k[N + 1]; /* k[N]: the key looked for */
	struct core_idx ix;
	struct core_idx_slot *slots;
	size_t cap;

	core_idx_init(&ix);
	for (uint32_t i = 0; i < N; i++) {
		k[i] = i * 2654435761u;
		assert_int_equal(core_idx_insert(&ix, core_hash_mix(k[i]), i), 0);
		assert_true(ix.n * 4 <= ix.cap * 3);
		assert_int_equal(ix.cap & (ix.cap - 1), 0);
	}
	for (uint32_t i = 0; i < N; i++) {
		k[N] = k[i];
		assert_int_equal(core_idx_find(&ix, core_hash_mix(k[i]), u32_eq, k), i);
	}
	core_idx_clear(&ix);
	assert_int_equal(ix.n, 0);
	k[N] = k[0];
	assert_int_equal(core_idx_find(&ix, core_hash_mix(k[0]), u32_eq, k), -1);
	assert_int_equal(core_idx_remove(&ix, core_hash_mix(k[0]), 0), 0);
	core_idx_fini(&ix);

	core_idx_init(&ix);
	assert_int_equal(core_idx_reserve(&ix, 1000), 0);
	slots = ix.slots;
	cap = ix.cap;
	assert_true(cap * 3 >= 1000 * 4);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(core_idx_insert(&ix, core_hash_mix(i), i), 0);
	assert_ptr_equal(ix.slots, slots);
	assert_int_equal(ix.cap, cap);
	core_idx_clear(&ix);
	assert_ptr_equal(ix.slots, slots);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(core_idx_insert(&ix, core_hash_mix(i), i), 0);
	assert_ptr_equal(ix.slots, slots);
	core_idx_fini(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash),
	    cmocka_unit_test(test_spread),
	    cmocka_unit_test(test_model),
	    cmocka_unit_test(test_crowded),
	    cmocka_unit_test(test_growth_reserve_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
