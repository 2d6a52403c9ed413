/* core_strs: several optional strings packed in one block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/strs.h"

static void test_pack(void **state)
{
	const char *in[4] = {"ns", NULL, "", "name"};
	char *out[4], blk[16], *end;

	(void)state;
	/* "ns\0" + nothing + "\0" + "name\0" */
	assert_int_equal(core_strs_size(in, 4), 9);
	memset(blk, 'x', sizeof(blk));
	end = core_strs_copy(blk, in, 4, out);
	assert_ptr_equal(end, blk + 9);
	assert_ptr_equal(out[0], blk);
	assert_string_equal(out[0], "ns");
	assert_null(out[1]);
	assert_ptr_equal(out[2], blk + 3);
	assert_string_equal(out[2], "");
	assert_ptr_equal(out[3], blk + 4);
	assert_string_equal(out[3], "name");
	assert_int_equal(blk[9], 'x'); /* nothing written past the end */
	assert_int_equal(core_strs_size(in, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_pack)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
