/*
 * core v1 Secret in manifests and from JSON: data decoded from base64 as
 * the API server decodes it (line breaks skipped; anything else refused,
 * naming the field and the byte), stringData merged over data, keys and
 * the 1 MiB limit as the API server checks them, namespaces kept apart,
 * duplicates refused, all or nothing; and a random model: keys and
 * values of every byte, encoded by OpenSSL, come back the same.
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

#include "config/config.h"

/* Lines 1-5; data's members start on line 7. */
#define HEAD(name, ns)                                                                             \
	"apiVersion: v1\nkind: Secret\nmetadata:\n  name: " name "\n  namespace: " ns "\n"
#define SECRET HEAD("pw", "berth-system")

static int load(const char *yaml, struct cfg_set *s, struct cfg_error *err)
{
	cfg_set_init(s);
	return cfg_manifest_load_buf("e.yaml", yaml, strlen(yaml), s, err);
}

static void load_ok(const char *yaml, struct cfg_set *s)
{
	struct cfg_error err;

	if (load(yaml, s, &err) != 0)
		fail_msg("load failed: %s", err.msg);
}

static void value_is(const struct cfg_secret *sec, const char *key, const char *v, size_t len)
{
	const struct cfg_secret_item *it = cfg_secret_get(sec, key);

	if (!it)
		fail_msg("no key %s", key);
	assert_int_equal(it->len, len);
	assert_memory_equal(it->value, v, len);
	assert_int_equal(it->value[len], 0);
}

static void test_decode(void **state)
{
	const struct cfg_secret *sec;
	struct cfg_set s;

	load_ok(SECRET "type: Opaque\nimmutable: true\ndata:\n"
	               "  password: czNjcmV0\n"            /* s3cret */
	               "  folded: |\n    czNj\n    cmV0\n" /* line breaks, as Go skips them */
	               "  nul: YQBi\n"                     /* a\0b: bytes, whatever they are */
	               "  empty: \"\"\n"
	               "  gone: null\n"
	               "  both: b2xk\n" /* old */
	               "stringData:\n  both: new\n  plain: \"p w\\n\"\n",
	        &s);
	assert_int_equal(s.n_secrets, 1);
	assert_int_equal(s.n_skipped, 0);
	sec = cfg_set_secret(&s, "berth-system", "pw");
	assert_non_null(sec);
	assert_int_equal(sec->n_data, 6);
	value_is(sec, "password", "s3cret", 6);
	value_is(sec, "folded", "s3cret", 6);
	value_is(sec, "nul", "a\0b", 3);
	value_is(sec, "empty", "", 0);
	value_is(sec, "both", "new", 3); /* stringData wins, as the API server merges it */
	value_is(sec, "plain", "p w\n", 4);
	assert_null(cfg_secret_get(sec, "gone")); /* null: absent */
	assert_null(cfg_secret_get(sec, "Password"));
	assert_null(cfg_secret_get(NULL, "password"));
	/* namespaces are apart; no namespace is "default" */
	assert_null(cfg_set_secret(&s, "default", "pw"));
	assert_null(cfg_set_secret(&s, NULL, "pw"));
	cfg_set_fini(&s);

	load_ok("kind: Secret\napiVersion: v1\nmetadata: {name: pw}\n---\n" SECRET
	        "---\n" HEAD("pw2", "other") "data: {k: YQ==}\n",
	        &s);
	assert_int_equal(s.n_secrets, 3);
	assert_non_null(cfg_set_secret(&s, NULL, "pw"));
	assert_string_equal(cfg_set_secret(&s, "default", "pw")->meta.ns, "default");
	assert_int_equal(cfg_set_secret(&s, "berth-system", "pw")->n_data, 0);
	assert_null(cfg_set_secret(&s, "berth-system", "pw2"));
	value_is(cfg_set_secret(&s, "other", "pw2"), "k", "a", 1);
	cfg_set_fini(&s);
}

struct bad_case {
	const char *yaml, *msg;
};

#define KEY_RULE                                                                                   \
	"must be a Secret data key: letters, digits, '-', '_' and '.', not \".\" nor starting "    \
	"with \"..\", at most 253"

static const struct bad_case bad_cases[] = {
    {SECRET "data:\n  password: czN*cmV0\n",
     "e.yaml:7: Secret berth-system/pw: data.password: not base64 (RFC 4648 standard alphabet, "
     "padded): byte 3"},
    {SECRET "data:\n  password: czNjcmV\n",
     "e.yaml:7: Secret berth-system/pw: data.password: not base64 (RFC 4648 standard alphabet, "
     "padded): byte 7"},
    {SECRET "data:\n  password: czNjcmV0 \n", /* YAML drops the blank: valid */ NULL},
    {SECRET "data:\n  password: \"czNj cmV0\"\n",
     "e.yaml:7: Secret berth-system/pw: data.password: not base64 (RFC 4648 standard alphabet, "
     "padded): byte 4"},
    {SECRET "data:\n  password: czNjcmV0==\n",
     "e.yaml:7: Secret berth-system/pw: data.password: not base64 (RFC 4648 standard alphabet, "
     "padded): byte 8"},
    {SECRET "data:\n  password: czNjcmV0-_\n",
     "e.yaml:7: Secret berth-system/pw: data.password: not base64 (RFC 4648 standard alphabet, "
     "padded): byte 8"},
    {SECRET "data:\n  password: 12\n",
     "e.yaml:7: Secret berth-system/pw: data.password: must be a string (base64)"},
    {SECRET "data:\n  password: [YQ==]\n",
     "e.yaml:7: Secret berth-system/pw: data.password: must be a string (base64)"},
    {SECRET "stringData:\n  password: {a: b}\n",
     "e.yaml:7: Secret berth-system/pw: stringData.password: must be a string"},
    {SECRET "data: [a]\n", "e.yaml:6: Secret berth-system/pw: data: must be a mapping"},
    {SECRET "stringData: x\n", "e.yaml:6: Secret berth-system/pw: stringData: must be a mapping"},
    {SECRET "data:\n  \"..pw\": YQ==\n",
     "e.yaml:6: Secret berth-system/pw: data: key \"..pw\": " KEY_RULE},
    {SECRET "data:\n  \".\": YQ==\n",
     "e.yaml:6: Secret berth-system/pw: data: key \".\": " KEY_RULE},
    {SECRET "stringData:\n  \"a/b\": x\n",
     "e.yaml:6: Secret berth-system/pw: stringData: key \"a/b\": " KEY_RULE},
    {SECRET "stringData:\n  \"\": x\n",
     "e.yaml:6: Secret berth-system/pw: stringData: key \"\": " KEY_RULE},
    /* what is shown of a hostile key: printable, quoted, cut */
    {SECRET "data:\n  \"a\\e[31m\\\"\\u00e9\": YQ==\n",
     "e.yaml:6: Secret berth-system/pw: data: key \"a\\x1b[31m\\x22\\xc3\\xa9\": " KEY_RULE},
    {SECRET
     "data:\n  \"x xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\": "
     "YQ==\n",
     "e.yaml:6: Secret berth-system/pw: data: key \"x "
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\": " KEY_RULE},
    {"apiVersion: v2\nkind: Secret\nmetadata: {name: pw}\n",
     "e.yaml:1: Secret: apiVersion: must be v1"},
    {"apiVersion: v1\nkind: Secret\nmetadata: {namespace: x}\n",
     "e.yaml:3: Secret: metadata.name: required"},
    {SECRET "---\n" SECRET, "e.yaml:7: Secret berth-system/pw: duplicate object (also defined at "
                            "e.yaml:1)"},
};

static void test_bad(void **state)
{
	size_t failed = 0;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct cfg_error err;
		struct cfg_set s;
		int rc = load(c->yaml, &s, &err);

		if (!c->msg ? rc != 0 : rc != -EINVAL || strcmp(err.msg, c->msg) != 0) {
			print_error("case %zu: rc %d\n  got:  %s\n  want: %s\n", i, rc,
			            rc ? err.msg : "(loaded)", c->msg ? c->msg : "(loaded)");
			failed++;
		}
		/* all or nothing */
		if (c->msg)
			assert_int_equal(s.n_secrets, 0);
		cfg_set_fini(&s);
	}
	assert_int_equal(failed, 0);
}

/* A bad Secret beside good objects: nothing loads, the set is as it was. */
static void test_all_or_nothing(void **state)
{
	struct cfg_error err;
	struct cfg_set s;
	const char *bad = HEAD("b", "berth-system") "data: {k: \"Y\"}\n";
	char buf[512];

	load_ok(SECRET "data: {password: czNjcmV0}\n", &s);
	snprintf(buf, sizeof(buf), "%s---\n%s", HEAD("a", "berth-system") "data: {k: YQ==}\n", bad);
	assert_int_equal(cfg_manifest_load_buf("more.yaml", buf, strlen(buf), &s, &err), -EINVAL);
	assert_string_equal(err.msg, "more.yaml:13: Secret berth-system/b: data.k: not base64 (RFC "
	                             "4648 standard alphabet, padded): byte 1");
	assert_int_equal(s.n_secrets, 1);
	assert_null(cfg_set_secret(&s, "berth-system", "a"));
	value_is(cfg_set_secret(&s, "berth-system", "pw"), "password", "s3cret", 6);
	/* the same name again, from JSON as the API server sends it */
	json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "kind", "Secret", "apiVersion",
	                      "v1", "metadata", "name", "pw", "namespace", "berth-system", "data",
	                      "password", "bmV3");
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_set_add_json(&s, o, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "Secret berth-system/pw: duplicate object"));
	json_object_set_new(json_object_get(o, "metadata"), "name", json_string("pw3"));
	assert_int_equal(cfg_set_add_json(&s, o, &err), 0);
	value_is(cfg_set_secret(&s, "berth-system", "pw3"), "password", "new", 3);
	/* JSON strings may hold NULs: the base64 stops being base64 there */
	json_object_set_new(json_object_get(o, "metadata"), "name", json_string("pw4"));
	json_object_set_new(json_object_get(o, "data"), "password", json_stringn("YQ\0=", 4));
	assert_int_equal(cfg_set_add_json(&s, o, &err), -EINVAL);
	assert_string_equal(err.msg, "Secret berth-system/pw4: data.password: not base64 (RFC 4648 "
	                             "standard alphabet, padded): byte 2");
	json_decref(o);
	assert_int_equal(s.n_secrets, 2);
	cfg_set_fini(&s);
}

/* The API server's 1 MiB: of values, data and stringData together. */
static void test_size_limit(void **state)
{
	size_t half = CFG_SECRET_MAX_BYTES / 2;
	char *big = malloc(half + 1);
	json_t *o;
	struct cfg_secret sec;
	struct cfg_error err;

	memset(big, 'x', half);
	big[half] = 0;
	o = json_pack("{s:s, s:{s:s}, s:{s:s, s:s}}", "kind", "Secret", "metadata", "name", "big",
	              "stringData", "a", big, "b", big);
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_secret_decode(o, &sec, &err), 0);
	assert_int_equal(sec.n_data, 2);
	cfg_secret_fini(&sec);
	/* one more byte, from data */
	json_object_set_new(o, "data", json_pack("{s:s}", "c", "YQ=="));
	assert_int_equal(cfg_secret_decode(o, &sec, &err), -EINVAL);
	assert_string_equal(err.msg, "Secret default/big: data: 1048577 bytes of data, more than a "
	                             "Secret may hold (1048576)");
	assert_int_equal(sec.n_data, 0);
	assert_null(sec.meta.name);
	json_decref(o);
	free(big);
}

/* Random keys and values of every byte value, through OpenSSL's encoder
 * and back; stringData for some keys, overriding data. */
static void test_model(void **state)
{
	static const char key_chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._";
	uint32_t seed = 7;

	for (int round = 0; round < 300; round++) {
		struct {
			char key[40];
			unsigned char v[100];
			size_t len;
			bool str;
		} want[12];
		size_t n;
		json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{}, s:{}}", "apiVersion", "v1",
		                      "kind", "Secret", "metadata", "name", "m", "namespace", "x",
		                      "data", "stringData");
		struct cfg_secret sec;
		struct cfg_error err;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 12;
		for (size_t i = 0; i < n; i++) {
			size_t kl;
			unsigned char enc[200];

			seed = seed * 1103515245u + 12345u;
			kl = 1 + (seed >> 16) % 30;
			/* i as the first characters keeps the keys apart */
			snprintf(want[i].key, sizeof(want[i].key), "k%zu", i);
			for (size_t k = strlen(want[i].key); k < kl; k++) {
				seed = seed * 1103515245u + 12345u;
				want[i].key[k] = key_chars[(seed >> 16) % (sizeof(key_chars) - 1)];
				want[i].key[k + 1] = 0;
			}
			seed = seed * 1103515245u + 12345u;
			want[i].len = (seed >> 16) % sizeof(want[i].v);
			want[i].str = (seed >> 8) % 4 == 0;
			for (size_t k = 0; k < want[i].len; k++) {
				seed = seed * 1103515245u + 12345u;
				/* stringData is text: printable bytes there */
				want[i].v[k] = want[i].str
				                   ? (unsigned char)(0x20 + (seed >> 16) % 95)
				                   : (unsigned char)(seed >> 16);
			}
			EVP_EncodeBlock(enc, (const unsigned char *)"junk", 4);
			json_object_set_new(json_object_get(o, "data"), want[i].key,
			                    json_string((const char *)enc));
			EVP_EncodeBlock(enc, want[i].v, (int)want[i].len);
			if (want[i].str)
				json_object_set_new(
				    json_object_get(o, "stringData"), want[i].key,
				    json_stringn((const char *)want[i].v, want[i].len));
			else
				json_object_set_new(json_object_get(o, "data"), want[i].key,
				                    json_string((const char *)enc));
		}
		cfg_error_init(&err, NULL, NULL);
		if (cfg_secret_decode(o, &sec, &err) != 0)
			fail_msg("round %d: %s", round, err.msg);
		assert_int_equal(sec.n_data, n);
		for (size_t i = 0; i < n; i++)
			value_is(&sec, want[i].key, (const char *)want[i].v, want[i].len);
		cfg_secret_fini(&sec);
		json_decref(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode),         cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_all_or_nothing), cmocka_unit_test(test_size_limit),
	    cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
