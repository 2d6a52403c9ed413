/* core_sort: in place, in cmp's order, against qsort on random input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/sort.h"

/* An element wider than a word, ordered by key only, with a tag that
 * says which input it was (the order of equal keys is not kept). */
struct el {
	uint32_t key;
	uint32_t tag;
	uint8_t pad[13];
};

static int el_cmp(const void *x, const void *y)
{
	const struct el *a = x, *b = y;

	return a->key < b->key ? -1 : a->key > b->key;
}

static uint32_t rng = 2463534242u;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static int tag_cmp(const void *x, const void *y)
{
	const struct el *a = x, *b = y;

	return a->tag < b->tag ? -1 : a->tag > b->tag;
}

static void test_against_qsort(void **state)
{
	static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 7, 8, 16, 31, 100, 1000, 4097};
	unsigned runs = 0;

	(void)state;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (uint32_t range = 1; range <= 1u << 20; range <<= 10) {
			size_t n = sizes[k];
			struct el *a = calloc(n + 1, sizeof(*a)), *b = calloc(n + 1, sizeof(*b));

			assert_true(a && b);
			for (size_t i = 0; i < n; i++) {
				a[i].key = rnd() % range; /* range 1: every key equal */
				a[i].tag = (uint32_t)i;
				memset(a[i].pad, (int)i, sizeof(a[i].pad));
			}
			a[n].key = 0xdeadbeef; /* past the end: never touched */
			memcpy(b, a, (n + 1) * sizeof(*a));
			core_sort(a, n, sizeof(*a), el_cmp);
			if (n)
				qsort(b, n, sizeof(*b), el_cmp);
			for (size_t i = 0; i < n; i++) {
				assert_int_equal(a[i].key, b[i].key);
				/* each element moved whole */
				assert_int_equal(a[i].pad[0], (uint8_t)a[i].tag);
				assert_int_equal(a[i].pad[12], (uint8_t)a[i].tag);
			}
			assert_int_equal(a[n].key, 0xdeadbeef);
			/* a permutation: every input once */
			if (n)
				qsort(a, n, sizeof(*a), tag_cmp);
			for (size_t i = 0; i < n; i++)
				assert_int_equal(a[i].tag, i);
			free(a);
			free(b);
			runs++;
		}
	}
	assert_int_equal(runs, 13 * 3);
}

static int u32_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/* Already sorted, reversed, all equal, and two values alternating: the
 * shapes a sort gets wrong. */
static void test_shapes(void **state)
{
	uint32_t v[257];

	(void)state;
	for (int shape = 0; shape < 4; shape++) {
		uint64_t sum = 0, want = 0;

		for (uint32_t i = 0; i < 257; i++) {
			v[i] = shape == 0 ? i : shape == 1 ? 256 - i : shape == 2 ? 5 : i % 2;
			want += v[i];
		}
		core_sort(v, 257, sizeof(v[0]), u32_cmp);
		for (uint32_t i = 0; i < 257; i++) {
			if (i)
				assert_true(v[i - 1] <= v[i]);
			sum += v[i];
		}
		assert_int_equal(sum, want);
		if (shape < 2)
			for (uint32_t i = 0; i < 257; i++)
				assert_int_equal(v[i], i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_against_qsort),
	    cmocka_unit_test(test_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
