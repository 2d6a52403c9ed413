/*
 * YAML -> jansson: core-schema typing, anchors, merges, documents, line
 * numbers, and hostile input (bombs, depth, bad bytes).
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

#include "config/config.h"
#include "config/yaml.h"
#include "test_config_util.h"

/* Parses text as "t.yaml"; returns the rc and leaves *y / *err filled. */
static int parse(const char *text, struct cfg_yaml *y, struct cfg_error *err)
{
	cfg_error_init(err, "t.yaml", NULL);
	return cfg_yaml_parse(text, strlen(text), y, err);
}

/* The single document's root (the test fails if there is not exactly one). */
static json_t *one_doc(const char *text, struct cfg_yaml *y)
{
	struct cfg_error err;
	int rc = parse(text, y, &err);

	if (rc != 0)
		fail_msg("parse failed: %s", err.msg);
	assert_int_equal(y->n_docs, 1);
	return y->docs[0].root;
}

static void expect_error(const char *text, int rc, const char *msg)
{
	struct cfg_yaml y;
	struct cfg_error err;

	assert_int_equal(parse(text, &y, &err), rc);
	assert_string_equal(err.msg, msg);
	assert_null(y.docs);
	assert_int_equal(y.n_docs, 0);
}

static void test_core_schema_scalars(void **state)
{
	struct cfg_yaml y;
	json_t *r = one_doc("t1: true\nt2: True\nt3: TRUE\nf1: false\n"
	                    "s_yes: yes\ns_on: on\ns_no: no\ns_off: off\ns_y: y\n"
	                    "n1: null\nn2: ~\nn3:\nn4: NULL\n"
	                    "i1: 42\ni2: -17\ni3: +5\ni4: 0x1F\ni5: 0o17\ni6: 017\ni7: -0\n"
	                    "f1r: 1.5\nf2r: .5\nf3r: 1e3\nf4r: -2.5E-1\nf5r: 1.\n"
	                    "q1: \"42\"\nq2: '42'\nq3: \"true\"\nq4: 'null'\n"
	                    "u1: 1_000\nu2: 0x\nu3: 12abc\nu4: 1.2.3\nu5: 2021-01-01T00:00:00Z\n",
	                    &y);

	assert_true(json_is_true(json_object_get(r, "t1")));
	assert_true(json_is_true(json_object_get(r, "t2")));
	assert_true(json_is_true(json_object_get(r, "t3")));
	assert_true(json_is_false(json_object_get(r, "f1")));
	/* YAML 1.1 booleans stay strings in YAML 1.2 */
	assert_string_equal(json_string_value(json_object_get(r, "s_yes")), "yes");
	assert_string_equal(json_string_value(json_object_get(r, "s_on")), "on");
	assert_string_equal(json_string_value(json_object_get(r, "s_no")), "no");
	assert_string_equal(json_string_value(json_object_get(r, "s_off")), "off");
	assert_string_equal(json_string_value(json_object_get(r, "s_y")), "y");
	for (int i = 1; i <= 4; i++) {
		char k[8];

		snprintf(k, sizeof(k), "n%d", i);
		assert_true(json_is_null(json_object_get(r, k)));
	}
	assert_int_equal(json_integer_value(json_object_get(r, "i1")), 42);
	assert_int_equal(json_integer_value(json_object_get(r, "i2")), -17);
	assert_int_equal(json_integer_value(json_object_get(r, "i3")), 5);
	assert_int_equal(json_integer_value(json_object_get(r, "i4")), 31);
	assert_int_equal(json_integer_value(json_object_get(r, "i5")), 15);
	/* 1.2 core schema: a leading zero is still decimal */
	assert_int_equal(json_integer_value(json_object_get(r, "i6")), 17);
	assert_true(json_is_integer(json_object_get(r, "i7")));
	assert_int_equal(json_integer_value(json_object_get(r, "i7")), 0);
	assert_true(json_is_real(json_object_get(r, "f1r")));
	assert_true(json_real_value(json_object_get(r, "f1r")) == 1.5);
	assert_true(json_real_value(json_object_get(r, "f2r")) == 0.5);
	assert_true(json_real_value(json_object_get(r, "f3r")) == 1000.0);
	assert_true(json_real_value(json_object_get(r, "f4r")) == -0.25);
	assert_true(json_real_value(json_object_get(r, "f5r")) == 1.0);
	assert_string_equal(json_string_value(json_object_get(r, "q1")), "42");
	assert_string_equal(json_string_value(json_object_get(r, "q2")), "42");
	assert_string_equal(json_string_value(json_object_get(r, "q3")), "true");
	assert_string_equal(json_string_value(json_object_get(r, "q4")), "null");
	assert_string_equal(json_string_value(json_object_get(r, "u1")), "1_000");
	assert_string_equal(json_string_value(json_object_get(r, "u2")), "0x");
	assert_string_equal(json_string_value(json_object_get(r, "u3")), "12abc");
	assert_string_equal(json_string_value(json_object_get(r, "u4")), "1.2.3");
	assert_string_equal(json_string_value(json_object_get(r, "u5")), "2021-01-01T00:00:00Z");
	cfg_yaml_fini(&y);
}

static void test_huge_numbers(void **state)
{
	struct cfg_yaml y;
	json_t *r = one_doc("max: 9223372036854775807\nmin: -9223372036854775808\n"
	                    "over: 9223372036854775808\nhuge: 99999999999999999999999\n"
	                    "hex: 0xFFFFFFFFFFFFFFFFFF\n",
	                    &y);

	assert_true(json_is_integer(json_object_get(r, "max")));
	assert_true(json_integer_value(json_object_get(r, "max")) == INT64_MAX);
	assert_true(json_integer_value(json_object_get(r, "min")) == INT64_MIN);
	/* past int64: a real, so decoders report "out of range", not garbage */
	assert_true(json_is_real(json_object_get(r, "over")));
	assert_true(json_is_real(json_object_get(r, "huge")));
	assert_true(json_real_value(json_object_get(r, "huge")) > 9.9e22);
	assert_true(json_is_real(json_object_get(r, "hex")));
	cfg_yaml_fini(&y);

	expect_error("a: .inf\n", -EINVAL,
	             "t.yaml:1: infinity and NaN cannot be represented in JSON");
	expect_error("a: -.Inf\n", -EINVAL,
	             "t.yaml:1: infinity and NaN cannot be represented in JSON");
	expect_error("a: .nan\n", -EINVAL,
	             "t.yaml:1: infinity and NaN cannot be represented in JSON");
	expect_error("a: 1e999\n", -EINVAL, "t.yaml:1: number out of range");
}

static void test_tags(void **state)
{
	struct cfg_yaml y;
	json_t *r = one_doc("s: !!str 42\ni: !!int \"7\"\nf: !!float 3\nb: !!bool true\n"
	                    "n: !!null ~\nq: ! 12\nm: !!map {a: 1}\nl: !!seq [1]\n",
	                    &y);

	assert_string_equal(json_string_value(json_object_get(r, "s")), "42");
	assert_int_equal(json_integer_value(json_object_get(r, "i")), 7);
	assert_true(json_is_real(json_object_get(r, "f")));
	assert_true(json_real_value(json_object_get(r, "f")) == 3.0);
	assert_true(json_is_true(json_object_get(r, "b")));
	assert_true(json_is_null(json_object_get(r, "n")));
	assert_string_equal(json_string_value(json_object_get(r, "q")), "12");
	assert_true(json_is_object(json_object_get(r, "m")));
	assert_true(json_is_array(json_object_get(r, "l")));
	cfg_yaml_fini(&y);

	expect_error("a: !!int abc\n", -EINVAL, "t.yaml:1: value does not match its tag");
	expect_error("a: !!bool yes\n", -EINVAL, "t.yaml:1: value does not match its tag");
	expect_error("a: !custom x\n", -EINVAL, "t.yaml:1: unsupported tag");
	expect_error("a: !!binary aGk=\n", -EINVAL, "t.yaml:1: unsupported tag");
	expect_error("a: !!seq {b: 1}\n", -EINVAL,
	             "t.yaml:1: unsupported tag tag:yaml.org,2002:seq");
}

static void test_anchors_aliases(void **state)
{
	struct cfg_yaml y;
	json_t *r = one_doc("base: &b\n  peerAs: 65001\n  list: &l [1, 2]\n"
	                    "copy: *b\nlist2: *l\nscalar: &s hello\nagain: *s\n"
	                    "redef: &s bye\nlatest: *s\n",
	                    &y);

	/* aliases share the anchored tree */
	assert_ptr_equal(json_object_get(r, "copy"), json_object_get(r, "base"));
	assert_ptr_equal(json_object_get(r, "list2"),
	                 json_object_get(json_object_get(r, "base"), "list"));
	assert_string_equal(json_string_value(json_object_get(r, "again")), "hello");
	/* a redefined anchor: later aliases see the new node */
	assert_string_equal(json_string_value(json_object_get(r, "latest")), "bye");
	cfg_yaml_fini(&y);

	expect_error("a: *nope\n", -EINVAL, "t.yaml:1: unknown alias *nope");
	/* a node cannot contain itself: its anchor exists only once it ends */
	expect_error("a: &x [1, *x]\n", -EINVAL, "t.yaml:1: unknown alias *x");
	expect_error("a: &x 1\n*x : 2\n", -EINVAL,
	             "t.yaml:2: aliases as mapping keys are not supported");
	/* anchors are per document */
	expect_error("a: &x 1\n---\nb: *x\n", -EINVAL, "t.yaml:3: unknown alias *x");
}

static void test_merge_keys(void **state)
{
	struct cfg_yaml y;
	json_t *r = one_doc("defaults: &d\n  holdTime: \"90\"\n  keepaliveInterval: \"30\"\n"
	                    "more: &m\n  connectRetry: \"5\"\n  holdTime: \"60\"\n"
	                    "peer:\n  holdTime: \"9\"\n  <<: [*d, *m]\n",
	                    &y);
	json_t *peer = json_object_get(r, "peer");

	/* explicit keys win, then earlier merge sources */
	assert_string_equal(json_string_value(json_object_get(peer, "holdTime")), "9");
	assert_string_equal(json_string_value(json_object_get(peer, "keepaliveInterval")), "30");
	assert_string_equal(json_string_value(json_object_get(peer, "connectRetry")), "5");
	assert_int_equal(json_object_size(peer), 3);
	/* merged members cite the line where they were written */
	assert_int_equal(cfg_lines_key(y.lines, peer, "keepaliveInterval"), 3);
	assert_int_equal(cfg_lines_key(y.lines, peer, "holdTime"), 8);
	cfg_yaml_fini(&y);

	expect_error("a:\n  <<: 5\n", -EINVAL,
	             "t.yaml:2: merge key \"<<\" needs a mapping or a list of mappings");
	expect_error("a:\n  <<: [1]\n", -EINVAL,
	             "t.yaml:2: merge key \"<<\" needs a mapping or a list of mappings");
	/* Regression (fuzz): an inline merge source is dropped from the tree
	 * but its line entries stay; many nodes after it make the line table
	 * rehash and read its keys (use-after-free under ASan before the fix). */
	{
		char buf[8192];
		size_t off = (size_t)snprintf(buf, sizeof(buf), "m: {<<: {p: 1, q: 2}, r: 3}\n");

		for (int i = 0; i < 300; i++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "k%d: %d\n", i, i);
		r = one_doc(buf, &y);
		assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "m"), "q")),
		                 2);
		assert_int_equal(cfg_lines_key(y.lines, json_object_get(r, "m"), "p"), 1);
		assert_int_equal(cfg_lines_key(y.lines, r, "k299"), 301);
		cfg_yaml_fini(&y);
	}
	/* a quoted "<<" is an ordinary key */
	r = one_doc("\"<<\": 5\n", &y);
	assert_int_equal(json_integer_value(json_object_get(r, "<<")), 5);
	cfg_yaml_fini(&y);
}

static void test_documents(void **state)
{
	struct cfg_yaml y;
	struct cfg_error err;

	assert_int_equal(parse("", &y, &err), 0);
	assert_int_equal(y.n_docs, 0);
	cfg_yaml_fini(&y);

	assert_int_equal(parse("# only a comment\n\n", &y, &err), 0);
	assert_int_equal(y.n_docs, 0);
	cfg_yaml_fini(&y);

	assert_int_equal(parse("---\n", &y, &err), 0);
	assert_int_equal(y.n_docs, 1);
	assert_true(json_is_null(y.docs[0].root));
	cfg_yaml_fini(&y);

	assert_int_equal(parse("a: 1\n---\n---\n# c\nb: 2\n...\n---\n- x\n", &y, &err), 0);
	assert_int_equal(y.n_docs, 4);
	assert_int_equal(json_integer_value(json_object_get(y.docs[0].root, "a")), 1);
	assert_int_equal(y.docs[0].line, 1);
	assert_true(json_is_null(y.docs[1].root));
	assert_int_equal(y.docs[1].line, 2);
	assert_int_equal(json_integer_value(json_object_get(y.docs[2].root, "b")), 2);
	assert_int_equal(y.docs[2].line, 3);
	assert_true(json_is_array(y.docs[3].root));
	cfg_yaml_fini(&y);

	/* CRLF line ends and JSON (a YAML subset) */
	assert_int_equal(parse("a: 1\r\nb:\r\n  c: x\r\n", &y, &err), 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(y.docs[0].root, "b"), "c")), "x");
	cfg_yaml_fini(&y);
	assert_int_equal(parse("{\"kind\": \"Eip\", \"n\": [1, 2.5, null, true]}", &y, &err), 0);
	assert_int_equal(json_array_size(json_object_get(y.docs[0].root, "n")), 4);
	cfg_yaml_fini(&y);
}

static void test_line_numbers(void **state)
{
	struct cfg_yaml y;
	json_t *r = one_doc("# comment\nspec:\n  conf:\n    peerAs: 1\n    neighborAddress: x\n"
	                    "  afiSafis:\n    - a: 1\n    - b: 2\n",
	                    &y);
	json_t *spec = json_object_get(r, "spec");
	json_t *conf = json_object_get(spec, "conf");
	json_t *afs = json_object_get(spec, "afiSafis");

	assert_int_equal(cfg_lines_key(y.lines, r, "spec"), 2);
	assert_int_equal(cfg_lines_key(y.lines, spec, "conf"), 3);
	assert_int_equal(cfg_lines_key(y.lines, conf, "peerAs"), 4);
	assert_int_equal(cfg_lines_key(y.lines, conf, "neighborAddress"), 5);
	assert_int_equal(cfg_lines_self(y.lines, conf), 4);
	assert_int_equal(cfg_lines_index(y.lines, afs, 1), 8);
	assert_int_equal(cfg_lines_key(y.lines, conf, "missing"), 0);
	assert_int_equal(cfg_lines_key(NULL, conf, "peerAs"), 0);
	cfg_yaml_fini(&y);
}

static void test_duplicate_and_bad_keys(void **state)
{
	struct cfg_yaml y;
	json_t *r;

	expect_error("a: 1\nb: 2\na: 3\n", -EINVAL, "t.yaml:3: duplicate key \"a\"");
	expect_error("spec:\n  conf:\n    peerAs: 1\n    peerAs: 2\n", -EINVAL,
	             "t.yaml:4: duplicate key \"peerAs\"");
	expect_error("{a: 1, a: 1}\n", -EINVAL, "t.yaml:1: duplicate key \"a\"");
	expect_error("? [a]\n: b\n", -EINVAL, "t.yaml:1: mapping keys must be scalars");
	expect_error("? {a: 1}\n: b\n", -EINVAL, "t.yaml:1: mapping keys must be scalars");
	expect_error("&k a: 1\n", -EINVAL, "t.yaml:1: anchors on keys are not supported");
	/* scalar keys keep their text, typed or not */
	r = one_doc("1: a\ntrue: b\n~: c\n", &y);
	assert_string_equal(json_string_value(json_object_get(r, "1")), "a");
	assert_string_equal(json_string_value(json_object_get(r, "true")), "b");
	assert_string_equal(json_string_value(json_object_get(r, "~")), "c");
	cfg_yaml_fini(&y);
}

static void test_syntax_errors(void **state)
{
	struct cfg_yaml y;
	struct cfg_error err;

	/* YAML forbids tabs in indentation (YAML 1.2.2 section 6.1) */
	assert_int_equal(parse("a:\n\tb: 1\n", &y, &err), -EINVAL);
	assert_string_equal(err.msg, "t.yaml:2: while scanning for the next token: found character "
	                             "that cannot start any token");
	/* tabs inside a value are fine */
	assert_int_equal(parse("a: \"x\ty\"\nb: x\ty\n", &y, &err), 0);
	assert_string_equal(json_string_value(json_object_get(y.docs[0].root, "b")), "x\ty");
	cfg_yaml_fini(&y);

	assert_int_equal(parse("a: [1, 2\nb: 3\n", &y, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "t.yaml:"));
	assert_int_equal(parse("a: b: c\n", &y, &err), -EINVAL);
	assert_int_equal(err.line, 1);
	assert_int_equal(parse("a: 'unterminated\n", &y, &err), -EINVAL);
	assert_int_equal(parse("- a\nb: 1\n", &y, &err), -EINVAL);
	assert_int_equal(err.line, 2);
}

static void test_bad_bytes(void **state)
{
	static const char bad_utf8[] = "a: 1\nb: \xff\xfe\n";
	static const char nul[] = "a: 1\nb: x\0y\n";
	static const char overlong[] = "a: \xc0\xaf\n";
	struct cfg_yaml y;
	struct cfg_error err;

	cfg_error_init(&err, "t.yaml", NULL);
	assert_int_equal(cfg_yaml_parse(bad_utf8, sizeof(bad_utf8) - 1, &y, &err), -EINVAL);
	assert_string_equal(err.msg, "t.yaml:2: invalid leading UTF-8 octet");
	assert_int_equal(cfg_yaml_parse(overlong, sizeof(overlong) - 1, &y, &err), -EINVAL);
	assert_int_equal(err.line, 1);
	/* a raw NUL byte is a control character, which YAML does not allow */
	assert_int_equal(cfg_yaml_parse(nul, sizeof(nul) - 1, &y, &err), -EINVAL);
	assert_string_equal(err.msg, "t.yaml:2: control characters are not allowed");
	/* escaped NULs would cut C strings short */
	expect_error("a: \"x\\0y\"\n", -EINVAL, "t.yaml:1: NUL character in a string");
	expect_error("\"k\\0\": 1\n", -EINVAL, "t.yaml:1: NUL character in a key");
	/* escaped surrogates are not characters */
	assert_int_equal(parse("a: \"\\ud800\"\n", &y, &err), -EINVAL);
}

static void test_alias_bomb(void **state)
{
	/* "billion laughs": 10^9 leaves if expanded; level f (line 6), which
	 * names 111111, is the first past the limit */
	const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	                   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	                   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	                   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	                   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	                   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	                   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	                   "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
	                   "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
	struct cfg_yaml y;
	struct cfg_error err;
	bool measured;
	long rss;

	/* the trees it builds are a few kB: aliases share them */
	measured = tproc_hwm_reset();
	rss = tproc_kb("VmRSS");
	assert_int_equal(parse(bomb, &y, &err), -E2BIG);
	assert_string_equal(
	    err.msg, "t.yaml:6: more than 131072 nodes in one document after alias expansion");
	if (measured)
		assert_in_range(tproc_kb("VmHWM") - rss, 0, 2048);
	/* a few levels stay well within the limit */
	assert_int_equal(parse("a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b]\n", &y, &err), 0);
	cfg_yaml_fini(&y);
}

/* n documents, each of which repeats the 18-node tree "a" k times. */
static char *alias_docs(size_t n, size_t k)
{
	size_t cap = n * (128 + 4 * k), off = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	for (size_t d = 0; d < n; d++) {
		off += (size_t)snprintf(
		    s + off, cap - off,
		    "---\na: &a [x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x]"
		    "\nb: [");
		for (size_t i = 0; i < k; i++)
			off += (size_t)snprintf(s + off, cap - off, "%s*a", i ? ", " : "");
		off += (size_t)snprintf(s + off, cap - off, "]\n");
	}
	return s;
}

static void test_aliases_per_stream(void **state)
{
	/* 4 documents of 4,000 aliases * 18 nodes = 72,000 each: every one
	 * within CFG_YAML_MAX_NODES, all four past CFG_YAML_MAX_ALIASED */
	char *s = alias_docs(3, 4000);
	struct cfg_yaml y;
	struct cfg_error err;

	assert_int_equal(parse(s, &y, &err), 0);
	assert_int_equal(y.n_docs, 3);
	cfg_yaml_fini(&y);
	free(s);
	s = alias_docs(4, 4000);
	assert_int_equal(parse(s, &y, &err), -E2BIG);
	assert_string_equal(err.msg, "t.yaml:12: aliases repeat more than 262144 nodes");
	free(s);
}

static char *nested(size_t levels, const char *open, const char *close)
{
	size_t lo = strlen(open), lc = strlen(close);
	char *s = malloc(levels * (lo + lc) + 2);
	char *p = s;

	assert_non_null(s);
	for (size_t i = 0; i < levels; i++, p += lo)
		memcpy(p, open, lo);
	for (size_t i = 0; i < levels; i++, p += lc)
		memcpy(p, close, lc);
	*p++ = '\n';
	*p = '\0';
	return s;
}

static void test_depth(void **state)
{
	struct cfg_yaml y;
	struct cfg_error err;
	char *s = nested(1000000, "[", "]");
	bool measured = tproc_hwm_reset();
	long rss = tproc_kb("VmRSS");

	/* refused at level 101, before libyaml reads much of its 2 MB */
	assert_int_equal(parse(s, &y, &err), -E2BIG);
	if (measured)
		assert_in_range(tproc_kb("VmHWM") - rss, 0, 1024);
	assert_string_equal(err.msg, "t.yaml:1: nested deeper than 100 levels");
	free(s);
	s = nested(10000, "{a: ", "}");
	assert_int_equal(parse(s, &y, &err), -E2BIG);
	free(s);
	/* exactly the limit is fine */
	s = nested(CFG_YAML_MAX_DEPTH, "[", "]");
	assert_int_equal(parse(s, &y, &err), 0);
	cfg_yaml_fini(&y);
	free(s);
	s = nested(CFG_YAML_MAX_DEPTH + 1, "[", "]");
	assert_int_equal(parse(s, &y, &err), -E2BIG);
	free(s);
}

static void test_size_limit(void **state)
{
	size_t len = CFG_YAML_MAX_BYTES + 1;
	char *s = malloc(len);
	struct cfg_yaml y;
	struct cfg_error err;

	assert_non_null(s);
	memset(s, ' ', len);
	cfg_error_init(&err, "big.yaml", NULL);
	assert_int_equal(cfg_yaml_parse(s, len, &y, &err), -E2BIG);
	assert_string_equal(err.msg, "big.yaml: larger than the limit of 16777216 bytes");
	free(s);
}

static void test_scalar_limit(void **state)
{
	size_t len = CFG_YAML_MAX_SCALAR + 16;
	char *s = malloc(15u * 1024 * 1024);
	struct cfg_yaml y;
	struct cfg_error err;
	bool measured;
	long rss;

	assert_non_null(s);
	/* exactly the limit is fine, one byte more is not; keys alike */
	memcpy(s, "a: ", 3);
	memset(s + 3, 'x', CFG_YAML_MAX_SCALAR);
	strcpy(s + 3 + CFG_YAML_MAX_SCALAR, "\n");
	assert_int_equal(parse(s, &y, &err), 0);
	assert_int_equal(json_string_length(json_object_get(y.docs[0].root, "a")),
	                 CFG_YAML_MAX_SCALAR);
	cfg_yaml_fini(&y);
	strcpy(s + 3 + CFG_YAML_MAX_SCALAR, "y\n");
	assert_int_equal(parse(s, &y, &err), -E2BIG);
	assert_string_equal(err.msg, "t.yaml:1: a scalar of 1048577 bytes, more than 1048576");
	memset(s, 'k', len);
	strcpy(s + len, ": 1\n");
	assert_int_equal(parse(s, &y, &err), -E2BIG);
	assert_string_equal(err.msg, "t.yaml:1: a scalar of 1048592 bytes, more than 1048576");

	/* a 14 MiB scalar: libyaml holds it whole before it is refused,
	 * which costs about twice its size, and nothing more */
	len = 14u * 1024 * 1024;
	memcpy(s, "a: \"", 4);
	memset(s + 4, 'x', len);
	strcpy(s + 4 + len, "\"\n");
	measured = tproc_hwm_reset();
	rss = tproc_kb("VmRSS");
	assert_int_equal(parse(s, &y, &err), -E2BIG);
	assert_string_equal(err.msg, "t.yaml:1: a scalar of 14680064 bytes, more than 1048576");
	if (measured)
		assert_in_range(tproc_kb("VmHWM") - rss, 0, 3 * 14 * 1024);
	free(s);
}

static void test_many_nodes(void **state)
{
	/* a flat list just past the node limit */
	size_t n = CFG_YAML_MAX_NODES + 1;
	char *s = malloc(n * 2 + 4);
	struct cfg_yaml y;
	struct cfg_error err;

	assert_non_null(s);
	s[0] = '[';
	for (size_t i = 0; i < n; i++) {
		s[1 + 2 * i] = '1';
		s[2 + 2 * i] = ',';
	}
	s[2 * n] = ']';
	s[2 * n + 1] = '\0';
	tjson_reset();
	assert_int_equal(parse(s, &y, &err), -E2BIG);
	assert_string_equal(err.msg, "t.yaml:1: more than 131072 nodes in one document");
	/* what a tree can cost: at most 131072 integers of 32 bytes and an
	 * array of pointers to them */
	assert_in_range(tjson_grew(), CFG_YAML_MAX_NODES * 32, CFG_YAML_MAX_NODES * 48);
	free(s);

	/* the limit is per document: the same nodes in two documents load */
	s = malloc(n * 2 + 16);
	assert_non_null(s);
	for (int d = 0, off = 0; d < 2; d++) {
		off += sprintf(s + off, "---\n[");
		for (size_t i = 0; i < n / 2; i++)
			off += sprintf(s + off, "1,");
		off += sprintf(s + off, "1]\n");
	}
	assert_int_equal(parse(s, &y, &err), 0);
	assert_int_equal(y.n_docs, 2);
	assert_int_equal(json_array_size(y.docs[1].root), n / 2 + 1);
	cfg_yaml_fini(&y);
	free(s);
}

/* The stream over text in memory. */
static struct cfg_yaml_stream *stream(const char *text, bool items, struct cfg_error *err)
{
	const struct cfg_yaml_input in = {.buf = text, .len = strlen(text), .items = items};
	struct cfg_yaml_stream *s;

	cfg_error_init(err, "t.yaml", NULL);
	assert_int_equal(cfg_yaml_stream_new(&in, err, &s), 0);
	return s;
}

static void test_stream_documents(void **state)
{
	enum { N = 2000 };
	char *text = malloc(N * 32);
	struct cfg_yaml_stream *s;
	struct cfg_yaml_unit u;
	struct cfg_error err;
	size_t off = 0, most = 0, live;
	struct cfg_yaml y;
	int i = 0;

	assert_non_null(text);
	for (int d = 0; d < N; d++)
		off += (size_t)sprintf(text + off, "---\nk: %d\nv: [a, b, c]\n", d);
	/* one document at a time: jansson holds one tree, never two */
	live = tjson_live;
	s = stream(text, false, &err);
	while (cfg_yaml_stream_next(s, false, &u) > 0) {
		assert_null(u.list);
		assert_int_equal(u.line, 3 * i + 1);
		assert_int_equal(json_integer_value(json_object_get(u.root, "k")), i);
		assert_int_equal(cfg_lines_key(u.lines, u.root, "v"), 3 * i + 3);
		if (tjson_live - live > most)
			most = tjson_live - live;
		i++;
	}
	assert_int_equal(i, N);
	assert_int_equal(cfg_yaml_stream_next(s, false, &u), 0); /* and stays at the end */
	cfg_yaml_stream_free(s);
	assert_int_equal(tjson_live, live);
	assert_in_range(most, 64, 1024);
	/* cfg_yaml_parse holds them all */
	assert_int_equal(parse(text, &y, &err), 0);
	assert_int_equal(y.n_docs, N);
	assert_true(tjson_live - live > N * most / 2);
	cfg_yaml_fini(&y);
	free(text);

	/* a failure stays */
	s = stream("a: 1\n---\nb: *x\n---\nc: 1\n", false, &err);
	assert_int_equal(cfg_yaml_stream_next(s, false, &u), 1);
	assert_int_equal(cfg_yaml_stream_next(s, false, &u), -EINVAL);
	assert_string_equal(err.msg, "t.yaml:3: unknown alias *x");
	assert_int_equal(cfg_yaml_stream_next(s, false, &u), -EINVAL);
	cfg_yaml_stream_free(s);
}

static void test_stream_list_items(void **state)
{
	static const char list[] = "apiVersion: v1\n"
	                           "items:\n"
	                           "- {kind: A, n: 1}\n"
	                           "- n: 2\n"
	                           "  m: x\n"
	                           "- 3\n"
	                           "- kind: B\n"
	                           "kind: List\n"
	                           "spec:\n"
	                           "  items:\n"
	                           "  - {a: 1}\n";
	struct cfg_yaml_stream *s;
	struct cfg_yaml_unit u;
	struct cfg_error err;
	const json_t *items, *it;
	enum { N = 2000, G = 6000 };
	char *text;
	size_t off, most = 0, live, units = 0;
	bool keep = false;
	int rc;

	s = stream(list, true, &err);
	/* items as they end; the List so far beside them */
	assert_int_equal(cfg_yaml_stream_next(s, false, &u), 1);
	assert_string_equal(json_string_value(json_object_get(u.root, "kind")), "A");
	assert_int_equal(u.line, 3);
	assert_int_equal(cfg_lines_key(u.lines, u.root, "n"), 3);
	assert_non_null(u.list);
	assert_string_equal(json_string_value(json_object_get(u.list, "apiVersion")), "v1");
	assert_null(json_object_get(u.list, "kind")); /* written after "items" */
	assert_int_equal(cfg_yaml_stream_next(s, false, &u), 1);
	assert_int_equal(u.line, 4);
	assert_int_equal(cfg_lines_key(u.lines, u.root, "m"), 5);
	/* kept: it stays in the document; the scalar 3 is no item */
	assert_int_equal(cfg_yaml_stream_next(s, true, &u), 1);
	assert_string_equal(json_string_value(json_object_get(u.root, "kind")), "B");
	assert_int_equal(u.line, 7);
	/* the document: the kept item, with its lines, and what is not an item */
	assert_int_equal(cfg_yaml_stream_next(s, false, &u), 1);
	assert_null(u.list);
	items = json_object_get(u.root, "items");
	assert_int_equal(json_array_size(items), 2);
	it = json_array_get(items, 0);
	assert_int_equal(json_integer_value(json_object_get(it, "n")), 2);
	assert_int_equal(cfg_lines_index(u.lines, items, 0), 4);
	assert_int_equal(cfg_lines_key(u.lines, it, "m"), 5);
	assert_int_equal(json_integer_value(json_array_get(items, 1)), 3);
	assert_int_equal(cfg_lines_index(u.lines, items, 1), 6);
	assert_string_equal(json_string_value(json_object_get(u.root, "kind")), "List");
	/* only the top level's "items" */
	assert_int_equal(json_array_size(json_object_get(json_object_get(u.root, "spec"), "items")),
	                 1);
	assert_int_equal(cfg_yaml_stream_next(s, false, &u), 0);
	cfg_yaml_stream_free(s);

	/* without input.items, the document comes whole */
	s = stream(list, false, &err);
	assert_int_equal(cfg_yaml_stream_next(s, false, &u), 1);
	assert_null(u.list);
	assert_int_equal(json_array_size(json_object_get(u.root, "items")), 4);
	cfg_yaml_stream_free(s);

	/* An alias of a mapping is an item too, and dropping it gives back
	 * what it counted, not what the item kept before it did: kept items
	 * stay counted, so a List cannot pass the limit that way. */
	text = malloc(G * 80 + 256);
	assert_non_null(text);
	off = (size_t)sprintf(text, "x: &x {kind: A}\nitems:\n");
	for (int i = 0; i < G; i++)
		off +=
		    (size_t)sprintf(text + off, "- [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
		                                "- {a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}\n- *x\n");
	s = stream(text, true, &err);
	/* keep the mappings, drop the aliases: 24 nodes a line group stay */
	while ((rc = cfg_yaml_stream_next(s, keep, &u)) == 1) {
		keep = !json_object_get(u.root, "kind");
		units++;
	}
	assert_int_equal(rc, -E2BIG);
	assert_non_null(strstr(err.msg, "more than 131072 nodes in one document"));
	assert_in_range(units, 2 * (CFG_YAML_MAX_NODES / 24 - 1), 2 * (CFG_YAML_MAX_NODES / 24));
	cfg_yaml_stream_free(s);
	free(text);

	/* items dropped as they come: a List costs one item at a time */
	text = malloc(N * 128 + 256);
	assert_non_null(text);
	off = (size_t)sprintf(text, "apiVersion: v1\nitems:\n");
	for (int i = 0; i < N; i++)
		off += (size_t)sprintf(
		    text + off,
		    "- {kind: A, metadata: {name: n%d}, v: [1, 2, 3, 4, 5, 6, 7, 8, "
		    "9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]}\n",
		    i);
	sprintf(text + off, "kind: List\n");
	live = tjson_live;
	s = stream(text, true, &err);
	for (int i = 0; i < N; i++) {
		assert_int_equal(cfg_yaml_stream_next(s, false, &u), 1);
		assert_int_equal(u.line, i + 3);
		if (tjson_live - live > most)
			most = tjson_live - live;
	}
	assert_int_equal(cfg_yaml_stream_next(s, false, &u), 1);
	assert_int_equal(json_array_size(json_object_get(u.root, "items")), 0);
	cfg_yaml_stream_free(s);
	assert_in_range(most, 256, 4096);
	free(text);
}

static int read_fails(void *arg, unsigned char *buf, size_t size, size_t *got,
                      struct cfg_error *err)
{
	snprintf(err->msg, sizeof(err->msg), "t.yaml: disk on fire");
	return -EIO;
}

/* An endless stream of comments. */
static int read_endless(void *arg, unsigned char *buf, size_t size, size_t *got,
                        struct cfg_error *err)
{
	for (size_t i = 0; i < size; i++)
		buf[i] = i % 64 == 63 ? '\n' : '#';
	*got = size;
	return 0;
}

static int stream_all(struct cfg_yaml_input *in, struct cfg_error *err, size_t *n)
{
	struct cfg_yaml_stream *s;
	struct cfg_yaml_unit u;
	int rc;

	cfg_error_init(err, "t.yaml", NULL);
	assert_int_equal(cfg_yaml_stream_new(in, err, &s), 0);
	*n = 0;
	while ((rc = cfg_yaml_stream_next(s, false, &u)) > 0)
		(*n)++;
	cfg_yaml_stream_free(s);
	return rc;
}

static void test_stream_reader(void **state)
{
	enum { LINES = 20000 };
	char *text = malloc(LINES * 16 + 64);
	struct pieces p = {.text = text};
	struct cfg_yaml_input in = {.read = read_pieces, .arg = &p};
	struct cfg_error err;
	size_t off = 0, n;

	assert_non_null(text);
	for (int i = 1; i <= LINES; i++)
		off += (size_t)sprintf(text + off, "---\nk: %d\n", i);
	p.len = off;
	assert_int_equal(stream_all(&in, &err, &n), 0);
	assert_int_equal(n, LINES);

	/* a bad byte far into the input, after many reads: the right line */
	memcpy(text + off, "x: \xff\n", 5);
	p.len = off + 5;
	p.pos = p.n = 0;
	assert_int_equal(stream_all(&in, &err, &n), -EINVAL);
	assert_string_equal(err.msg, "t.yaml:40001: invalid leading UTF-8 octet");
	/* and early, while the pieces are small */
	memcpy(text + 20, "\xff", 1); /* in the third "---", line 5 */
	p.pos = p.n = 0;
	assert_int_equal(stream_all(&in, &err, &n), -EINVAL);
	assert_int_equal(err.line, 5);

	/* the reader's failure is the stream's */
	in.read = read_fails;
	assert_int_equal(stream_all(&in, &err, &n), -EIO);
	assert_string_equal(err.msg, "t.yaml: disk on fire");

	/* input that does not end is cut at the limit, read 16 kB at a time */
	in.read = read_endless;
	assert_int_equal(stream_all(&in, &err, &n), -E2BIG);
	assert_string_equal(err.msg, "t.yaml: larger than the limit of 16777216 bytes");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_core_schema_scalars),
	    cmocka_unit_test(test_huge_numbers),
	    cmocka_unit_test(test_tags),
	    cmocka_unit_test(test_anchors_aliases),
	    cmocka_unit_test(test_merge_keys),
	    cmocka_unit_test(test_documents),
	    cmocka_unit_test(test_line_numbers),
	    cmocka_unit_test(test_duplicate_and_bad_keys),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_bad_bytes),
	    cmocka_unit_test(test_alias_bomb),
	    cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_size_limit),
	    cmocka_unit_test(test_many_nodes),
	    cmocka_unit_test(test_aliases_per_stream),
	    cmocka_unit_test(test_scalar_limit),
	    cmocka_unit_test(test_stream_documents),
	    cmocka_unit_test(test_stream_list_items),
	    cmocka_unit_test(test_stream_reader),
	};

	tjson_count();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
