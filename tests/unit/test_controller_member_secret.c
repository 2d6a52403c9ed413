/*
 * The layer 2 key's Secret, pure parts (controller/member_secret.h): the
 * --member-secret reference, the object created from 32 random bytes, and
 * the check of an existing Secret's data.key as the speakers read it.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "controller/member_secret.h"

/* base64("000102...1f"): the hex of the bytes 0..31, computed apart. */
#define KEY_0_31_B64                                                                               \
	"MDAwMTAyMDMwNDA1MDYwNzA4MDkwYTBiMGMwZDBlMGYxMDExMTIxMzE0MTUxNjE3MTgxOTFhMWIxYzFkMWUxZg=="

static void test_ref_parse(void **state)
{
	static const struct {
		const char *in;
		const char *ns, *name;
	} ok[] = {
	    {NULL, "", MEMBER_SECRET_NAME},
	    {"berth-memberlist", "", "berth-memberlist"},
	    {"berth-system/berth-memberlist", "berth-system", "berth-memberlist"},
	    {"a/b.c-d.e", "a", "b.c-d.e"},
	    {"x/none", "x", "none"}, /* a Secret called none */
	    {"0/9", "0", "9"},
	};
	static const char *const bad[] = {
	    "",     "/",    "ns/",  "/name",    "NS/x",   "ns/X",   "a/b/c",
	    "-a/b", "a-/b", "a/-b", "a/b-",     "a/b..c", "a/b.-c", "a/.b",
	    "a/b.", "a_b",  "a b",  "ns/na me", "None/x",
	};
	struct member_secret_ref r;
	char longer[300];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(member_secret_ref_parse(ok[i].in, &r), 0);
		assert_false(r.disabled);
		assert_string_equal(r.ns, ok[i].ns);
		assert_string_equal(r.name, ok[i].name);
	}
	assert_int_equal(member_secret_ref_parse("none", &r), 0);
	assert_true(r.disabled);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (member_secret_ref_parse(bad[i], &r) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	}

	/* A namespace is a label (63), a Secret's name a subdomain (253). */
	memset(longer, 'a', 63);
	strcpy(longer + 63, "/n");
	assert_int_equal(member_secret_ref_parse(longer, &r), 0);
	assert_int_equal(strlen(r.ns), 63);
	memset(longer, 'a', 64);
	strcpy(longer + 64, "/n");
	assert_int_equal(member_secret_ref_parse(longer, &r), -EINVAL);
	memset(longer, 'b', 253);
	longer[253] = '\0';
	longer[100] = '.';
	assert_int_equal(member_secret_ref_parse(longer, &r), 0);
	assert_int_equal(strlen(r.name), 253);
	longer[253] = 'b';
	longer[254] = '\0';
	assert_int_equal(member_secret_ref_parse(longer, &r), -EINVAL);
}

static const char *str_at(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);

	return json_string_value(b ? json_object_get(v, b) : v);
}

static void test_build(void **state)
{
	uint8_t key[MEMBER_KEY_BYTES];
	const json_t *labels;
	json_t *s;

	for (int i = 0; i < MEMBER_KEY_BYTES; i++)
		key[i] = (uint8_t)i;
	assert_int_equal(member_secret_build("berth-system", "berth-memberlist", key, &s), 0);
	assert_string_equal(str_at(s, "apiVersion", NULL), "v1");
	assert_string_equal(str_at(s, "kind", NULL), "Secret");
	assert_string_equal(str_at(s, "metadata", "name"), "berth-memberlist");
	assert_string_equal(str_at(s, "metadata", "namespace"), "berth-system");
	assert_string_equal(str_at(s, "type", NULL), "Opaque");
	assert_string_equal(str_at(s, "data", "key"), KEY_0_31_B64);
	/* data holds the key alone; nothing the API server would refuse */
	assert_int_equal(json_object_size(json_object_get(s, "data")), 1);
	assert_int_equal(json_object_size(s), 5);
	labels = json_object_get(json_object_get(s, "metadata"), "labels");
	assert_string_equal(json_string_value(json_object_get(labels, "app.kubernetes.io/name")),
	                    "berth");
	assert_int_equal(json_object_size(json_object_get(s, "metadata")), 3);
	assert_int_equal(member_secret_check(s), 0);
	json_decref(s);

	s = (json_t *)1;
	assert_int_equal(member_secret_build("Bad", "x", key, &s), -EINVAL);
	assert_null(s);
	assert_int_equal(member_secret_build("ns", "a_b", key, &s), -EINVAL);
	assert_int_equal(member_secret_build(NULL, "x", key, &s), -EINVAL);
}

/* Any 32 bytes: data.key decodes to their 64 lowercase hex digits. */
static void test_build_round_trip(void **state)
{
	uint32_t x = 0x9e3779b9;

	for (int round = 0; round < 500; round++) {
		uint8_t key[MEMBER_KEY_BYTES];
		unsigned char dec[128];
		char want[MEMBER_KEY_HEX + 1];
		const char *b64;
		json_t *s;
		int n;

		for (int i = 0; i < MEMBER_KEY_BYTES; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
			key[i] = round == 0 ? 0xff : (uint8_t)x;
		}
		for (int i = 0; i < MEMBER_KEY_BYTES; i++)
			snprintf(want + 2 * i, 3, "%02x", key[i]);
		assert_int_equal(member_secret_build("ns", "n", key, &s), 0);
		b64 = str_at(s, "data", "key");
		assert_int_equal(strlen(b64), 88);
		/* 88 characters, "==": 66 bytes of which the last 2 are padding */
		n = EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)strlen(b64));
		assert_int_equal(n, 66);
		assert_memory_equal(dec, want, MEMBER_KEY_HEX);
		assert_int_equal(member_secret_check(s), 0);
		json_decref(s);
	}
}

static int check_value(const char *b64)
{
	json_t *s = json_pack("{s:{s:s}}", "data", "key", b64);
	int rc = member_secret_check(s);

	json_decref(s);
	return rc;
}

static void test_check(void **state)
{
	static const struct {
		const char *b64;
		int rc;
	} cases[] = {
	    {KEY_0_31_B64, 0},
	    /* with a trailing newline, as `echo KEY | kubectl create secret` */
	    {"MDAwMTAyMDMwNDA1MDYwNzA4MDkwYTBiMGMwZDBlMGYxMDExMTIxMzE0MTUxNjE3MTgxOTFhMWIxYzFkMWUxZ"
	     "go=",
	     0},
	    /* upper-case digits */
	    {"MDAwMTAyMDMwNDA1MDYwNzA4MDkwQTBCMEMwRDBFMEYxMDExMTIxMzE0MTUxNjE3MTgxOTFBMUIxQzFEMUUxR"
	     "g==",
	     0},
	    /* 63 digits */
	    {"MDAwMTAyMDMwNDA1MDYwNzA4MDkwYTBiMGMwZDBlMGYxMDExMTIxMzE0MTUxNjE3MTgxOTFhMWIxYzFkMWUx",
	     -EINVAL},
	    /* 63 digits and a 'g' */
	    {"MDAwMTAyMDMwNDA1MDYwNzA4MDkwYTBiMGMwZDBlMGYxMDExMTIxMzE0MTUxNjE3MTgxOTFhMWIxYzFkMWUxZ"
	     "w==",
	     -EINVAL},
	    /* 65 digits */
	    {"MDAwMTAyMDMwNDA1MDYwNzA4MDkwYTBiMGMwZDBlMGYxMDExMTIxMzE0MTUxNjE3MTgxOTFhMWIxYzFkMWUxZ"
	     "jA=",
	     -EINVAL},
	    /* two newlines; CR LF */
	    {"MDAwMTAyMDMwNDA1MDYwNzA4MDkwYTBiMGMwZDBlMGYxMDExMTIxMzE0MTUxNjE3MTgxOTFhMWIxYzFkMWUxZ"
	     "goK",
	     -EINVAL},
	    {"MDAwMTAyMDMwNDA1MDYwNzA4MDkwYTBiMGMwZDBlMGYxMDExMTIxMzE0MTUxNjE3MTgxOTFhMWIxYzFkMWUxZ"
	     "g0K",
	     -EINVAL},
	    {"", -EINVAL},
	    {"!!!!", -EBADMSG},
	    {"c2VjcmV0", -EINVAL}, /* "secret" */
	};
	char big[200];
	json_t *s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = check_value(cases[i].b64);

		if (rc != cases[i].rc)
			fail_msg("case %zu: %d, want %d", i, rc, cases[i].rc);
	}
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(check_value(big), -EINVAL);

	assert_int_equal(member_secret_check(NULL), -ENOENT);
	s = json_pack("{s:s}", "type", "Opaque");
	assert_int_equal(member_secret_check(s), -ENOENT);
	json_decref(s);
	s = json_pack("{s:{s:s}}", "data", "other", KEY_0_31_B64);
	assert_int_equal(member_secret_check(s), -ENOENT);
	json_decref(s);
	s = json_pack("{s:{s:i}}", "data", "key", 5);
	assert_int_equal(member_secret_check(s), -ENOENT);
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ref_parse),
	    cmocka_unit_test(test_build),
	    cmocka_unit_test(test_build_round_trip),
	    cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
