/*
 * The CRD schemas in deploy/crds/ and berth's decoder agree.
 *
 * The API server validates with the schema and prunes what it does not
 * declare; the controller and speaker then decode strictly. If the two
 * drifted apart, either the server would accept objects berth refuses
 * (found only in a log, later) or, worse, silently drop fields berth
 * reads. So, for each of Eip, BgpConf and BgpPeer:
 *   - an object with every field the schema declares decodes (schema
 *     fields are all known to the decoder);
 *   - an object with every field the decoder knows loses nothing to the
 *     schema (no field berth reads would be pruned);
 *   - every integer bound, enum and required field of the schema is one
 *     the decoder enforces too, at the same values;
 *   - the timer patterns accept exactly the strings the decoder accepts.
 * What the schema checks on its own (formats, CEL) is exercised against
 * the API server stand-in by tests/e2e/test_deploy_manifests.sh.
 */
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"

#define MAX_DEPTH 16
#define PATH_TEXT 256

enum kind { K_EIP, K_CONF, K_PEER, K_COUNT };

struct crd {
	const char *file;
	const char *kind;
	const char *name; /* metadata.name of sample objects */
	json_t *schema;   /* v1alpha2 openAPIV3Schema, owned */
	json_t *full;     /* an object with every schema field, owned */
};

static struct crd crds[K_COUNT] = {
    [K_EIP] = {"eips.yaml", "Eip", "pool", NULL, NULL},
    [K_CONF] = {"bgpconfs.yaml", "BgpConf", "default", NULL, NULL},
    [K_PEER] = {"bgppeers.yaml", "BgpPeer", "tor1", NULL, NULL},
};

/* A position in an object: a key, item 0 of an array, or the sample key
 * "k1" of a map (additionalProperties). */
enum step_type { S_KEY, S_ITEM, S_MAP };

struct step {
	enum step_type t;
	const char *key; /* S_KEY: borrowed from the schema */
};

struct path {
	struct step s[MAX_DEPTH];
	size_t n;
};

#define MAP_KEY "k1"

/* "spec.afiSafis[0].config", as the decoder writes paths. */
static const char *path_text(const struct path *p, char *buf)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n; i++) {
		const char *k = p->s[i].t == S_KEY ? p->s[i].key : MAP_KEY;
		int w = p->s[i].t == S_ITEM
		            ? snprintf(buf + off, PATH_TEXT - off, "[0]")
		            : snprintf(buf + off, PATH_TEXT - off, "%s%s", off ? "." : "", k);

		assert_true(w > 0 && (size_t)w < PATH_TEXT - off);
		off += (size_t)w;
	}
	return buf;
}

static void push(struct path *p, enum step_type t, const char *key)
{
	assert_true(p->n < MAX_DEPTH);
	p->s[p->n].t = t;
	p->s[p->n].key = key;
	p->n++;
}

/* ---- Loading ---- */

static char *read_deploy(const char *rel, size_t *len)
{
	const char *data = getenv("BERTH_TESTDATA");
	char path[1024];
	char *buf;
	long size;
	FILE *f;

	snprintf(path, sizeof(path), "%s/../../deploy/crds/%s", data ? data : "tests/data", rel);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	buf[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return buf;
}

static json_t *load_schema(const char *file)
{
	struct cfg_error err;
	struct cfg_yaml y;
	json_t *versions, *v, *schema = NULL;
	size_t len, i;
	char *buf = read_deploy(file, &len);

	cfg_error_init(&err, file, NULL);
	if (cfg_yaml_parse(buf, len, &y, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(y.n_docs, 1);
	versions = json_object_get(json_object_get(y.docs[0].root, "spec"), "versions");
	json_array_foreach(versions, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "name")), "v1alpha2") == 0)
			schema = json_object_get(json_object_get(v, "schema"), "openAPIV3Schema");
	}
	assert_non_null(schema);
	json_incref(schema);
	cfg_yaml_fini(&y);
	free(buf);
	return schema;
}

static int decode(enum kind k, const json_t *obj, struct cfg_error *err)
{
	union {
		struct cfg_eip e;
		struct cfg_bgp_conf c;
		struct cfg_bgp_peer p;
	} u;
	int rc;

	cfg_error_init(err, NULL, NULL);
	switch (k) {
	case K_EIP:
		rc = cfg_eip_decode(obj, &u.e, err);
		cfg_eip_fini(&u.e);
		break;
	case K_CONF:
		rc = cfg_bgp_conf_decode(obj, &u.c, err);
		cfg_bgp_conf_fini(&u.c);
		break;
	default:
		rc = cfg_bgp_peer_decode(obj, &u.p, err);
		cfg_bgp_peer_fini(&u.p);
		break;
	}
	return rc;
}

/* ---- An object with every field of a schema ---- */

/* Strings whose schema (pattern, anyOf of formats) a plain "x" fails. */
static const char *const sample_strings[][2] = {
    {"holdTime", "90"},
    {"keepaliveInterval", "30"},
    {"connectRetry", "10"},
    {"minimumAdvertisementInterval", "5"},
    {"idleHoldTimeAfterReset", "60"},
    /* the whole space: every aggregationLength down to the minimum 0
     * keeps the aggregate inside the pool */
    {"address", "0.0.0.0/0"},
    /* "" is no password: authPasswordSecretRef may stand beside it (the
     * CRD's CEL rule and the decoder refuse only a real password there) */
    {"authPassword", ""},
    {"communities", "no-export"},
    {"largeCommunities", "65000:1:2"},
};

static json_t *sample(const json_t *s, const char *key)
{
	const char *type = json_string_value(json_object_get(s, "type"));
	const json_t *e = json_object_get(s, "enum"), *props, *addl, *sub;
	const char *k;
	json_t *o;

	if (e)
		return json_deep_copy(json_array_get(e, 0));
	if (!type)
		return json_object(); /* preserve-unknown-fields */
	if (!strcmp(type, "object")) {
		o = json_object();
		props = json_object_get(s, "properties");
		json_object_foreach((json_t *)props, k, sub)
		{
			json_object_set_new(o, k, sample(sub, k));
		}
		addl = json_object_get(s, "additionalProperties");
		if (json_is_object(addl))
			json_object_set_new(o, MAP_KEY, sample(addl, MAP_KEY));
		return o;
	}
	if (!strcmp(type, "array")) {
		o = json_array();
		json_array_append_new(o, sample(json_object_get(s, "items"), key));
		return o;
	}
	if (!strcmp(type, "integer")) {
		const json_t *min = json_object_get(s, "minimum");

		return json_integer(min ? json_integer_value(min) : 0);
	}
	if (!strcmp(type, "boolean"))
		return json_true();
	for (size_t i = 0; i < sizeof(sample_strings) / sizeof(sample_strings[0]); i++)
		if (!strcmp(sample_strings[i][0], key))
			return json_string(sample_strings[i][1]);
	if (json_object_get(s, "anyOf"))
		return json_string("192.0.2.1");
	return json_string("x");
}

static json_t *sample_object(enum kind k)
{
	const struct crd *c = &crds[k];
	json_t *o = sample(c->schema, "");

	/* TypeMeta and ObjectMeta are the API server's, not the schema's */
	json_object_set_new(o, "apiVersion", json_string(CFG_OPENELB_API_VERSION));
	json_object_set_new(o, "kind", json_string(c->kind));
	json_object_set_new(o, "metadata", json_pack("{ss}", "name", c->name));
	return o;
}

static int setup(void **state)
{
	for (int k = 0; k < K_COUNT; k++) {
		crds[k].schema = load_schema(crds[k].file);
		crds[k].full = sample_object((enum kind)k);
	}
	return 0;
}

static int teardown(void **state)
{
	for (int k = 0; k < K_COUNT; k++) {
		json_decref(crds[k].schema);
		json_decref(crds[k].full);
		crds[k].schema = crds[k].full = NULL;
	}
	return 0;
}

/* ---- Editing an object at a path ---- */

static json_t *child(json_t *c, const struct step *s)
{
	if (s->t == S_ITEM)
		return json_array_get(c, 0);
	return json_object_get(c, s->t == S_KEY ? s->key : MAP_KEY);
}

/* The container of the last step; the path exists in crds[k].full. */
static json_t *parent(json_t *root, const struct path *p)
{
	json_t *c = root;

	for (size_t i = 0; i + 1 < p->n; i++) {
		c = child(c, &p->s[i]);
		assert_non_null(c);
	}
	return c;
}

static void put(json_t *root, const struct path *p, json_t *v)
{
	json_t *c = parent(root, p);
	const struct step *last = &p->s[p->n - 1];

	if (last->t == S_ITEM)
		assert_int_equal(json_array_set_new(c, 0, v), 0);
	else
		assert_int_equal(json_object_set_new(c, last->t == S_KEY ? last->key : MAP_KEY, v),
		                 0);
}

/* ---- Walking a schema ---- */

typedef void (*visit_fn)(enum kind k, const json_t *s, struct path *p);

static void walk(enum kind k, const json_t *s, struct path *p, visit_fn fn)
{
	const json_t *props = json_object_get(s, "properties"), *sub;
	const char *key;

	fn(k, s, p);
	json_object_foreach((json_t *)props, key, sub)
	{
		/* metadata is ObjectMeta: its rules are the set's (name) */
		if (p->n == 0 && !strcmp(key, "metadata"))
			continue;
		push(p, S_KEY, key);
		walk(k, sub, p, fn);
		p->n--;
	}
	if (json_is_object(json_object_get(s, "items"))) {
		push(p, S_ITEM, NULL);
		walk(k, json_object_get(s, "items"), p, fn);
		p->n--;
	}
	if (json_is_object(json_object_get(s, "additionalProperties"))) {
		push(p, S_MAP, NULL);
		walk(k, json_object_get(s, "additionalProperties"), p, fn);
		p->n--;
	}
}

static void walk_all(visit_fn fn)
{
	for (int k = 0; k < K_COUNT; k++) {
		struct path p = {.n = 0};

		walk((enum kind)k, crds[k].schema, &p, fn);
	}
}

static unsigned n_checked;

/* Decodes crds[k].full with the value v (owned) at p; checks the outcome. */
static void expect(enum kind k, const struct path *p, json_t *v, bool ok)
{
	json_t *o = json_deep_copy(crds[k].full);
	char where[PATH_TEXT], *text;
	struct cfg_error err;
	int rc;

	path_text(p, where);
	text = json_dumps(v, JSON_ENCODE_ANY);
	put(o, p, v);
	rc = decode(k, o, &err);
	if (ok && rc != 0)
		fail_msg("%s %s = %s: schema allows it, decoder refuses: %s", crds[k].kind, where,
		         text, err.msg);
	if (!ok && rc == 0)
		fail_msg("%s %s = %s: schema refuses it, decoder accepts it", crds[k].kind, where,
		         text);
	/* the decoder blames the same field */
	if (!ok && !strstr(err.msg, where))
		fail_msg("%s %s = %s: decoder blames another field: %s", crds[k].kind, where, text,
		         err.msg);
	free(text);
	json_decref(o);
	n_checked++;
}

/* ---- Tests ---- */

/* Every field the schema declares is one the decoder knows. */
static void test_schema_fields_decode(void **state)
{
	for (int k = 0; k < K_COUNT; k++) {
		struct cfg_error err;

		if (decode((enum kind)k, crds[k].full, &err) != 0) {
			char *t = json_dumps(crds[k].full, JSON_INDENT(1));

			fail_msg("%s with every schema field does not decode: %s\n%s", crds[k].kind,
			         err.msg, t);
		}
	}
}

static void visit_bounds(enum kind k, const json_t *s, struct path *p)
{
	const char *type = json_string_value(json_object_get(s, "type"));
	const json_t *min = json_object_get(s, "minimum"), *max = json_object_get(s, "maximum");

	if (!type || strcmp(type, "integer") != 0 || json_object_get(s, "enum"))
		return;
	if (min) {
		expect(k, p, json_integer(json_integer_value(min)), true);
		expect(k, p, json_integer(json_integer_value(min) - 1), false);
	}
	if (max) {
		expect(k, p, json_integer(json_integer_value(max)), true);
		expect(k, p, json_integer(json_integer_value(max) + 1), false);
	}
}

/* minimum/maximum: the decoder's range is the schema's. */
static void test_integer_bounds(void **state)
{
	n_checked = 0;
	walk_all(visit_bounds);
	/* as, peerAs, ports, TTL, restart times...: dozens, not a handful */
	assert_true(n_checked >= 60);
}

static void visit_enums(enum kind k, const json_t *s, struct path *p)
{
	const json_t *e = json_object_get(s, "enum"), *v;
	const char *type = json_string_value(json_object_get(s, "type"));
	size_t i;

	if (!e)
		return;
	/* In/NotIn need values and Exists/DoesNotExist refuse them: the
	 * cross-field rule is the decoder's; only the names are compared */
	if (p->n && p->s[p->n - 1].t == S_KEY && !strcmp(p->s[p->n - 1].key, "operator")) {
		json_array_foreach(e, i, v)
		{
			json_t *o = json_deep_copy(crds[k].full);
			json_t *item = parent(o, p);
			struct cfg_error err;
			bool needs_values = !strcmp(json_string_value(v), "In") ||
			                    !strcmp(json_string_value(v), "NotIn");

			if (!needs_values)
				json_object_del(item, "values");
			json_object_set_new(item, "operator", json_deep_copy(v));
			if (decode(k, o, &err) != 0)
				fail_msg("operator %s: %s", json_string_value(v), err.msg);
			json_decref(o);
			n_checked++;
		}
	} else if (k == K_EIP && p->n == 2 && !strcmp(p->s[1].key, "protocol")) {
		/* spec.bgp is for protocol bgp only (a CEL rule, and the
		 * decoder): the other protocols are compared without it */
		json_array_foreach(e, i, v)
		{
			json_t *o = json_deep_copy(crds[k].full);
			struct cfg_error err;

			if (strcmp(json_string_value(v), "bgp") != 0) {
				assert_int_equal(json_object_del(json_object_get(o, "spec"), "bgp"),
				                 0);
				json_object_set_new(json_object_get(o, "spec"), "protocol",
				                    json_deep_copy(v));
				if (decode(k, o, &err) != 0)
					fail_msg("protocol %s: %s", json_string_value(v), err.msg);
				/* ...and refused with it */
				json_object_set_new(json_object_get(o, "spec"), "bgp",
				                    json_object());
				assert_int_equal(decode(k, o, &err), -EINVAL);
				assert_non_null(strstr(err.msg, "spec.bgp: only for protocol bgp"));
				n_checked++;
			} else {
				expect(k, p, json_deep_copy(v), true);
			}
			json_decref(o);
		}
	} else {
		json_array_foreach(e, i, v)
		{
			expect(k, p, json_deep_copy(v), true);
		}
	}
	expect(k, p, !strcmp(type, "integer") ? json_integer(1) : json_string("bogus"), false);
}

/* enum: the decoder accepts exactly these names. */
static void test_enums(void **state)
{
	n_checked = 0;
	walk_all(visit_enums);
	/* protocol, removePrivateAs, afi, safi, operator, families */
	assert_true(n_checked >= 20);
}

static unsigned n_required;

static void visit_required(enum kind k, const json_t *s, struct path *p)
{
	const json_t *req = json_object_get(s, "required"), *v;
	size_t i;

	json_array_foreach(req, i, v)
	{
		json_t *o = json_deep_copy(crds[k].full);
		char where[PATH_TEXT];
		struct cfg_error err;
		json_t *c = o;

		push(p, S_KEY, json_string_value(v));
		if (p->n > 1)
			c = parent(o, p);
		assert_int_equal(json_object_del(c, json_string_value(v)), 0);
		if (decode(k, o, &err) == 0)
			fail_msg("%s: %s is required by the schema, not by the decoder",
			         crds[k].kind, path_text(p, where));
		if (!strstr(err.msg, path_text(p, where)) || !strstr(err.msg, "required"))
			fail_msg("%s: without %s: %s", crds[k].kind, where, err.msg);
		p->n--;
		json_decref(o);
		n_required++;
	}
}

/* required: the decoder refuses the object without each of them. */
static void test_required(void **state)
{
	n_required = 0;
	walk_all(visit_required);
	/* spec x3, address, as, conf, neighborAddress, peerAs, config, family,
	 * afi, safi, key, operator, authPasswordSecretRef's name and key */
	assert_int_equal(n_required, 16);
}

static const json_t *schema_at(const json_t *s, const char *const *keys)
{
	for (; *keys; keys++)
		s = json_object_get(json_object_get(s, "properties"), *keys);
	assert_non_null(s);
	return s;
}

/* The timers are strings of seconds: pattern match == decoder accepts. */
static void test_timer_patterns(void **state)
{
	static const char *const timers[] = {
	    "connectRetry", "holdTime", "minimumAdvertisementInterval", "idleHoldTimeAfterReset"};
	static const char *const odd[] = {"", "-1", "+5", " 5", "5 ", "1e3", "0x10", "abc", "9.5"};
	const char *keys[] = {"spec", "timers", "config", NULL, NULL};

	for (size_t t = 0; t < sizeof(timers) / sizeof(timers[0]); t++) {
		const json_t *s;
		regex_t re;
		struct path p = {.n = 0};
		char buf[32];

		keys[3] = timers[t];
		s = schema_at(crds[K_PEER].schema, keys);
		assert_int_equal(regcomp(&re, json_string_value(json_object_get(s, "pattern")),
		                         REG_EXTENDED | REG_NOSUB),
		                 0);
		push(&p, S_KEY, "spec");
		push(&p, S_KEY, "timers");
		push(&p, S_KEY, "config");
		push(&p, S_KEY, timers[t]);
		/* keepaliveInterval depends on holdTime: let it default */
		json_object_del(
		    json_object_get(
		        json_object_get(json_object_get(crds[K_PEER].full, "spec"), "timers"),
		        "config"),
		    "keepaliveInterval");
		for (long v = 0; v <= 70000; v++) {
			if (v > 1100 && v < 64990 && v % 997 != 0)
				continue; /* the edges, and a sample of the middle */
			for (int zeros = 0; zeros < 2; zeros++) {
				snprintf(buf, sizeof(buf), "%s%ld", zeros ? "00" : "", v);
				expect(K_PEER, &p, json_string(buf),
				       regexec(&re, buf, 0, NULL, 0) == 0);
			}
		}
		for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
			expect(K_PEER, &p, json_string(odd[i]),
			       regexec(&re, odd[i], 0, NULL, 0) == 0);
		regfree(&re);
	}
	/* put keepaliveInterval back for the other tests */
	json_object_set_new(
	    json_object_get(json_object_get(json_object_get(crds[K_PEER].full, "spec"), "timers"),
	                    "config"),
	    "keepaliveInterval", json_string("30"));
}

static void compile_at(regex_t *re, enum kind k, const char *const *keys, bool items)
{
	const json_t *s = schema_at(crds[k].schema, keys);

	if (items)
		s = json_object_get(s, "items");
	assert_int_equal(
	    regcomp(re, json_string_value(json_object_get(s, "pattern")), REG_EXTENDED | REG_NOSUB),
	    0);
}

static bool re_ok(const regex_t *re, const char *s)
{
	return regexec(re, s, 0, NULL, 0) == 0;
}

static bool comm_ok(const char *s)
{
	const char *why;
	uint32_t v[3];

	return cfg_community_parse(s, strlen(s), v, &why) == 0;
}

static bool large_ok(const char *s)
{
	const char *why;
	uint32_t v[3];

	return cfg_large_community_parse(s, strlen(s), v, &why) == 0;
}

/* Odd community text: the pattern and the decoder agree on each. */
static const char *const odd_communities[] = {
    "",
    ":",
    "1:",
    ":1",
    "1:2:3",
    "1:2:3:4",
    "-1:2",
    "+1:2",
    " 1:2",
    "1:2 ",
    "1:2\n",
    "01:2",
    "1:02",
    "00:0",
    "0:00",
    "1.5:2",
    "0x1:2",
    "no_export",
    "NO-EXPORT",
    "no-export ",
    "no-exportx",
    "xno-export",
    "internet",
    "local-AS",
    "large:1:2:3",
    "65535",
    "a:b",
    "no-export:1",
    "1:no-export",
    "no-export|blackhole",
    "(no-export)",
};

static void test_community_patterns(void **state)
{
	static const char *const comm_keys[] = {"spec", "bgp", "communities", NULL};
	static const char *const large_keys[] = {"spec", "bgp", "largeCommunities", NULL};
	static const char *const names[] = {"no-export",  "no-advertise", "no-export-subconfed",
	                                    "no-peer",    "blackhole",    "graceful-shutdown",
	                                    "llgr-stale", "no-llgr"};
	static const uint64_t edges32[] = {
	    0,          1,          9,          10,         99,          100,
	    999999999,  1000000000, 3999999999, 4000000000, 4199999999,  4200000000,
	    4289999999, 4290000000, 4293999999, 4294000000, 4294899999,  4294900000,
	    4294959999, 4294960000, 4294966999, 4294967000, 4294967199,  4294967200,
	    4294967289, 4294967290, 4294967295, 4294967296, 4294967299,  4294967300,
	    4294967999, 4294968000, 4295000000, 9999999999, 10000000000, 42949672950};
	struct path p = {.n = 0};
	regex_t comm, large;
	char buf[96];
	uint64_t x = 88172645463325252ull;
	unsigned agree = 0;

	(void)state;
	compile_at(&comm, K_EIP, comm_keys, true);
	compile_at(&large, K_EIP, large_keys, true);
	/* every first number 0..70000, bare and with a leading zero */
	for (unsigned a = 0; a <= 70000; a++) {
		for (int z = 0; z < 2; z++) {
			snprintf(buf, sizeof(buf), "%s%u:%u", z ? "0" : "", a, 70000 - a);
			if (re_ok(&comm, buf) != comm_ok(buf))
				fail_msg("community %s: pattern %d, decoder %d", buf,
				         re_ok(&comm, buf), comm_ok(buf));
			snprintf(buf, sizeof(buf), "1:%s%u", z ? "0" : "", a);
			if (re_ok(&comm, buf) != comm_ok(buf))
				fail_msg("community %s: pattern %d, decoder %d", buf,
				         re_ok(&comm, buf), comm_ok(buf));
			agree += 2;
		}
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_true(re_ok(&comm, names[i]) && comm_ok(names[i]));
		assert_false(re_ok(&large, names[i]) || large_ok(names[i]));
	}
	/* large: the edges of each number, in each position */
	for (size_t i = 0; i < sizeof(edges32) / sizeof(edges32[0]); i++) {
		for (int pos = 0; pos < 3; pos++) {
			uint64_t v[3] = {7, 0, 4294967295u};

			v[pos] = edges32[i];
			snprintf(buf, sizeof(buf), "%llu:%llu:%llu", (unsigned long long)v[0],
			         (unsigned long long)v[1], (unsigned long long)v[2]);
			if (re_ok(&large, buf) != large_ok(buf))
				fail_msg("large %s: pattern %d, decoder %d", buf,
				         re_ok(&large, buf), large_ok(buf));
			agree++;
		}
	}
	/* and a spread of numbers of every length (xorshift) */
	for (int i = 0; i < 200000; i++) {
		uint64_t v[3];

		for (int j = 0; j < 3; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			v[j] = x >> (x % 64 / 2 + 22); /* 10..42 bits */
		}
		snprintf(buf, sizeof(buf), "%llu:%llu:%llu", (unsigned long long)v[0],
		         (unsigned long long)v[1], (unsigned long long)v[2]);
		if (re_ok(&large, buf) != large_ok(buf))
			fail_msg("large %s: pattern %d, decoder %d", buf, re_ok(&large, buf),
			         large_ok(buf));
		snprintf(buf, sizeof(buf), "%llu:%llu", (unsigned long long)(v[0] % 70000),
		         (unsigned long long)(v[1] % 140000));
		if (re_ok(&comm, buf) != comm_ok(buf))
			fail_msg("community %s: pattern %d, decoder %d", buf, re_ok(&comm, buf),
			         comm_ok(buf));
		agree += 2;
	}
	/* odd text, through the whole decoder: refused by both, same field */
	push(&p, S_KEY, "spec");
	push(&p, S_KEY, "bgp");
	push(&p, S_KEY, "communities");
	push(&p, S_ITEM, NULL);
	for (size_t i = 0; i < sizeof(odd_communities) / sizeof(odd_communities[0]); i++) {
		const char *o = odd_communities[i];

		expect(K_EIP, &p, json_string(o), re_ok(&comm, o));
		assert_false(re_ok(&comm, o));
		assert_int_equal(re_ok(&large, o), large_ok(o));
	}
	p.s[2].key = "largeCommunities";
	for (size_t i = 0; i < sizeof(odd_communities) / sizeof(odd_communities[0]); i++)
		expect(K_EIP, &p, json_string(odd_communities[i]),
		       re_ok(&large, odd_communities[i]));
	expect(K_EIP, &p, json_string("0:0:0"), true);
	expect(K_EIP, &p, json_string("01:0:0"), false);
	assert_true(agree > 600000);
	regfree(&comm);
	regfree(&large);
}

/* authPasswordSecretRef: the name and key patterns accept what the
 * decoder accepts. */
static void test_secret_ref_patterns(void **state)
{
	static const char *const names[] = {
	    "a",  "0",   "bgp-auth", "a.b",  "a-1.b-2", "A", "-a",  "a-",  "a..b",   ".a",
	    "a.", "a_b", "a b",      "a.-b", "a-.b",    "",  "a/b", "a\n", "x.y.z-9"};
	static const char *const keys[] = {"a",        "A",    "pw",  ".pw", "a..b", "-",   "_",
	                                   "a.b-c_D9", ".",    "..",  "..a", "a b",  "a/b", "",
	                                   "a:b",      "pw\n", "._a", ".-",  "a."};
	static const char *const name_keys[] = {"spec", "conf", "authPasswordSecretRef", "name",
	                                        NULL};
	static const char *const key_keys[] = {"spec", "conf", "authPasswordSecretRef", "key",
	                                       NULL};
	struct path p = {.n = 0};
	regex_t re;

	(void)state;
	push(&p, S_KEY, "spec");
	push(&p, S_KEY, "conf");
	push(&p, S_KEY, "authPasswordSecretRef");
	push(&p, S_KEY, "name");
	compile_at(&re, K_PEER, name_keys, false);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		expect(K_PEER, &p, json_string(names[i]), re_ok(&re, names[i]));
	regfree(&re);
	p.s[3].key = "key";
	compile_at(&re, K_PEER, key_keys, false);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		expect(K_PEER, &p, json_string(keys[i]), re_ok(&re, keys[i]));
	regfree(&re);
}

/*
 * Every field the decoder reads (the known-field lists of eip.c,
 * bgp_conf.c, bgp_peer.c and meta.c) is declared by the schema; else the
 * API server would prune it before berth sees it.
 */
static const char *const decoder_fields[K_COUNT] = {
    [K_EIP] = "{'spec': {'address': '192.0.2.0/24', 'protocol': 'bgp', 'interface': 'eth0',"
              " 'disable': true, 'usingKnownIPs': true, 'priority': 3, 'namespaces': ['a'],"
              " 'namespaceSelector': {'a': 'b'}, 'bgp': {'communities': ['1:2', 'no-export'],"
              " 'largeCommunities': ['1:2:3'], 'localPref': 200, 'aggregationLength': 24,"
              " 'aggregationLengthV6': 64, 'peers': ['tor1'], 'nodeSelector': {'rack': 'r1'},"
              " 'linkBandwidth': false}},"
              " 'status': {'occupied': true, 'usage': 1, 'poolSize': 256, 'used': {'a': 'b'},"
              " 'firstIP': 'a', 'lastIP': 'b', 'ready': true, 'v4': true}}",
    [K_CONF] = "{'spec': {'as': 1, 'asPerRack': {'r': 2}, 'routerId': '192.0.2.1',"
               " 'listenPort': 179, 'listenAddresses': ['192.0.2.1'], 'families': [65537],"
               " 'useMultiplePaths': true, 'policy': 'p', 'gracefulRestart': {"
               " 'enabled': true, 'restartTime': 1, 'helperOnly': true, 'deferralTime': 1,"
               " 'notificationEnabled': true, 'longlivedEnabled': true, 'staleRoutesTime': 1,"
               " 'peerRestartTime': 1, 'peerRestarting': true, 'localRestarting': true,"
               " 'mode': 'm'}, 'linkBandwidthPerEndpoint': 1250000}, 'status': {}}",
    [K_PEER] = "{'spec': {'conf': {'authPassword': '', 'description': 'd', 'localAs': 1,"
               " 'authPasswordSecretRef': {'name': 'bgp-auth', 'key': 'tor1'},"
               " 'neighborAddress': '192.0.2.1', 'peerAs': 2, 'peerGroup': 'g', 'peerType': 1,"
               " 'removePrivateAs': 'ALL', 'routeFlapDamping': true, 'sendCommunity': 1,"
               " 'neighborInterface': 'i', 'vrf': 'v', 'allowOwnAs': 1, 'replacePeerAs': true,"
               " 'adminDown': true},"
               " 'ebgpMultihop': {'enabled': true, 'multihopTtl': 2},"
               " 'timers': {'config': {'connectRetry': '1', 'holdTime': '9',"
               " 'keepaliveInterval': '3', 'minimumAdvertisementInterval': '1',"
               " 'idleHoldTimeAfterReset': '5'}},"
               " 'transport': {'mtuDiscovery': true, 'passiveMode': true,"
               " 'remoteAddress': '192.0.2.2', 'remotePort': 1, 'tcpMss': 1,"
               " 'localAddress': '192.0.2.3'},"
               " 'gracefulRestart': {'enabled': true, 'restartTime': 1, 'helperOnly': true,"
               " 'deferralTime': 1, 'notificationEnabled': true, 'longlivedEnabled': true,"
               " 'staleRoutesTime': 1, 'peerRestartTime': 1, 'peerRestarting': true,"
               " 'localRestarting': true, 'mode': 'm'},"
               " 'afiSafis': [{'config': {'family': {'afi': 'AFI_IP', 'safi': 'SAFI_UNICAST'},"
               " 'enabled': true}, 'mpGracefulRestart': {'config': {'enabled': true}},"
               " 'addPaths': {'config': {'receive': true, 'sendMax': 1}},"
               " 'prefixLimits': {'maxPrefixes': 100}}],"
               " 'nodeSelector': {'matchLabels': {'a': 'b'}, 'matchExpressions':"
               " [{'key': 'k', 'operator': 'In', 'values': ['v']}]},"
               " 'bfd': {'enabled': true, 'receiveInterval': 100, 'transmitInterval': 200,"
               " 'detectMultiplier': 4, 'strict': true},"
               " 'linkBandwidth': {'nonTransitive': true}}, 'status': {}}",
};

/* The first path of v that schema s does not declare, or NULL. */
static const char *undeclared(const json_t *s, const json_t *v, char *path, size_t off)
{
	const json_t *props = json_object_get(s, "properties");
	const json_t *addl = json_object_get(s, "additionalProperties");
	const json_t *sub, *item;
	const char *k, *r;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, sub)
		{
			const json_t *ss = json_object_get(props, k);
			int w = snprintf(path + off, PATH_TEXT - off, "%s%s", off ? "." : "", k);

			assert_true(w > 0 && (size_t)w < PATH_TEXT - off);
			if (!ss && json_is_object(addl))
				ss = addl;
			if (!ss && !json_is_true(json_object_get(s, "x-kubernetes-preserve-unknown-"
			                                            "fields")))
				return path;
			if (ss && (r = undeclared(ss, sub, path, off + (size_t)w)) != NULL)
				return r;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
		{
			if ((r = undeclared(json_object_get(s, "items"), item, path, off)) != NULL)
				return r;
		}
	}
	path[off] = '\0';
	return NULL;
}

static void test_decoder_fields_declared(void **state)
{
	for (int k = 0; k < K_COUNT; k++) {
		char text[4096], path[PATH_TEXT];
		json_error_t jerr;
		struct cfg_error err;
		json_t *o;
		size_t j = 0;

		/* single quotes keep the C literals readable */
		for (const char *c = decoder_fields[k]; *c && j + 1 < sizeof(text); c++)
			text[j++] = *c == '\'' ? '"' : *c;
		text[j] = '\0';
		o = json_loads(text, 0, &jerr);
		if (!o)
			fail_msg("fixture %d: %s", k, jerr.text);
		json_object_set_new(o, "apiVersion", json_string(CFG_OPENELB_API_VERSION));
		json_object_set_new(o, "kind", json_string(crds[k].kind));
		json_object_set_new(o, "metadata", json_pack("{ss}", "name", crds[k].name));
		/* the fixture is valid for the decoder... */
		if (decode((enum kind)k, o, &err) != 0)
			fail_msg("fixture %s: %s", crds[k].kind, err.msg);
		/* ...and the schema declares every one of its fields */
		json_object_del(o, "metadata");
		if (undeclared(crds[k].schema, o, path, 0))
			fail_msg("%s: the schema does not declare %s, which berth reads",
			         crds[k].kind, path);
		json_decref(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_schema_fields_decode),
	    cmocka_unit_test(test_decoder_fields_declared),
	    cmocka_unit_test(test_integer_bounds),
	    cmocka_unit_test(test_enums),
	    cmocka_unit_test(test_required),
	    cmocka_unit_test(test_timer_patterns),
	    cmocka_unit_test(test_community_patterns),
	    cmocka_unit_test(test_secret_ref_patterns),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
