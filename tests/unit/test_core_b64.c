/*
 * core_b64_decode: what Go's base64.StdEncoding reads (CR and LF skipped,
 * non-zero pad bits), what it refuses and where, and round trips of
 * random bytes against OpenSSL's encoder (EVP_EncodeBlock), with line
 * breaks put anywhere.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "core/b64.h"

static void test_valid(void **state)
{
	char *out;
	size_t len;

	assert_int_equal(core_b64_decode("", 0, &out, &len, NULL), 0);
	assert_int_equal(len, 0);
	assert_int_equal(out[0], 0);
	free(out);
	assert_int_equal(core_b64_decode("aGVs\r\nbG8=", 10, &out, &len, NULL), 0);
	assert_string_equal(out, "hello");
	free(out);
	assert_int_equal(core_b64_decode("AP8=", 4, &out, &len, NULL), 0);
	assert_int_equal(len, 2);
	assert_int_equal((unsigned char)out[1], 0xff);
	free(out);
	/* a NUL inside is data: the length says where the bytes end */
	assert_int_equal(core_b64_decode("YQBi", 4, &out, &len, NULL), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "a\0b", 3);
	free(out);
	/* Go's StdEncoding is not Strict: the pad bits of "R" are 0001 */
	assert_int_equal(core_b64_decode("YR==", 4, &out, &len, NULL), 0);
	assert_int_equal(len, 1);
	assert_int_equal(out[0], 'a');
	free(out);
	/* line breaks between the pad characters and after them */
	assert_int_equal(core_b64_decode("YQ=\n=\r\n", 7, &out, &len, NULL), 0);
	assert_string_equal(out, "a");
	free(out);
}

static void test_refused(void **state)
{
	static const struct {
		const char *in;
		size_t at;
	} bad[] = {
	    {"a", 1},        {"ab", 2},        {"abc", 3},        {"ab=", 3},      {"a===", 1},
	    {"ab==cd==", 4}, {"ab c", 2},      {"a-_b", 1},       {"====", 0},     {"abcd=", 4},
	    {"ab===", 4},    {"abc==", 4},     {"YWJj\tZA==", 4}, {"YQ==YQ==", 4}, {"YWJj ", 4},
	    {"\xc3\xa9", 0}, {"YQ=\n=\n=", 6}, {"=YQ=", 0},
	};
	char *out = (char *)1;
	size_t len = 7, at;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		at = 99;
		if (core_b64_decode(bad[i].in, strlen(bad[i].in), &out, &len, &at) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i].in);
		assert_null(out);
		assert_int_equal(len, 0);
		if (at != bad[i].at)
			fail_msg("\"%s\": refused at %zu, want %zu", bad[i].in, at, bad[i].at);
	}
	/* a NUL byte is no base64 either */
	assert_int_equal(core_b64_decode("YQ\0=", 4, &out, &len, &at), -EINVAL);
	assert_int_equal(at, 2);
}

/* Random bytes, encoded by OpenSSL, decoded back; with a line break
 * (LF or CRLF) put at a random place. Every other byte at a random
 * position is refused there. */
static void test_round_trip(void **state)
{
	unsigned char in[200], enc[300], text[310];
	uint32_t seed = 12345;

	for (size_t n = 0; n < sizeof(in); n++) {
		for (int round = 0; round < 20; round++) {
			size_t elen, tlen, len, at, cut;
			char *out;

			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				in[i] = (unsigned char)(seed >> 16);
			}
			elen = (size_t)EVP_EncodeBlock(enc, in, (int)n);
			seed = seed * 1103515245u + 12345u;
			cut = elen ? (seed >> 8) % (elen + 1) : 0;
			memcpy(text, enc, cut);
			tlen = cut;
			if (round & 1)
				text[tlen++] = '\r';
			text[tlen++] = '\n';
			memcpy(text + tlen, enc + cut, elen - cut);
			tlen += elen - cut;
			assert_int_equal(
			    core_b64_decode((const char *)text, tlen, &out, &len, NULL), 0);
			assert_int_equal(len, n);
			assert_memory_equal(out, in, n);
			assert_int_equal(out[n], 0);
			free(out);
			if (!elen)
				continue;
			/* one character replaced by a byte outside the alphabet */
			seed = seed * 1103515245u + 12345u;
			at = (seed >> 8) % elen;
			memcpy(text, enc, elen);
			text[at] = "!-_.~ \t*"[round % 8];
			assert_int_equal(
			    core_b64_decode((const char *)text, elen, &out, &len, &cut), -EINVAL);
			assert_int_equal(cut, at);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
