/*
 * core/buf: the byte queue of socket I/O. Appends and consumes keep the
 * bytes in order across growth and compaction, the hard limit holds, and
 * buf_trim gives back only an empty buffer larger than what it keeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"

static void test_order_growth_compaction(void **state)
{
	struct buf b;
	uint8_t in[10000], out[10000];
	size_t w = 0, r = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 3);
	buf_init(&b, 8192);
	/* Write in pieces of 700, read in pieces of 500: the queue wraps
	 * through compaction and growth; every byte comes out in order. */
	while (r < sizeof(in)) {
		if (w < sizeof(in) && buf_len(&b) < 4000) {
			size_t n = sizeof(in) - w < 700 ? sizeof(in) - w : 700;

			assert_int_equal(buf_append(&b, in + w, n), 0);
			w += n;
		}
		size_t n = buf_len(&b) < 500 ? buf_len(&b) : 500;

		memcpy(out + r, buf_head(&b), n);
		buf_consume(&b, n);
		r += n;
	}
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(buf_len(&b), 0);
	assert_true(b.cap <= 8192);
	buf_fini(&b);
}

static void test_max(void **state)
{
	struct buf b;
	uint8_t x[3000] = {0};

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(buf_append(&b, x, sizeof(x)), 0);
	assert_int_equal(buf_append(&b, x, sizeof(x)), -ENOBUFS);
	assert_null(buf_reserve(&b, 2000));
	assert_int_equal(buf_len(&b), sizeof(x));
	/* Consumed, the same bytes fit again (compaction). */
	buf_consume(&b, 2000);
	assert_int_equal(buf_append(&b, x, sizeof(x)), 0);
	assert_int_equal(buf_len(&b), 4000);
	buf_fini(&b);
}

static void test_trim(void **state)
{
	struct buf b;
	uint8_t x[20000] = {1};

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_append(&b, x, sizeof(x)), 0);
	assert_true(b.cap >= sizeof(x));
	/* Not empty: kept whatever its size. */
	buf_trim(&b, 4096);
	assert_non_null(b.data);
	assert_int_equal(buf_len(&b), sizeof(x));
	buf_consume(&b, sizeof(x));
	buf_trim(&b, 4096);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
	/* Usable again, and a small buffer is kept. */
	assert_int_equal(buf_append(&b, x, 100), 0);
	buf_consume(&b, 100);
	buf_trim(&b, 4096);
	assert_non_null(b.data);
	assert_int_equal(b.cap, 4096);
	buf_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_growth_compaction),
	    cmocka_unit_test(test_max),
	    cmocka_unit_test(test_trim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
