/*
 * IPAM pools: validation, overlap, default per family, edits, deletes,
 * status (sizes up to 2^128), walks.
 */
#include "test_ipam_util.h"

static void test_pool_validation(void **state)
{
	struct ipam *ipam = ipam_new();
	struct ipam_error e;
	const char *good[] = {"10.0.0.0/24"}, *bad[] = {"10.0.0.1/24"}, *nul[] = {NULL};
	char longname[IPAM_NAME_MAX + 2];
	struct ipam_pool_cfg c = P("p", good);

	assert_non_null(ipam);
	c.name = "";
	assert_int_equal(ipam_pool_set(ipam, &c, &e), -EINVAL);
	assert_int_equal(e.code, IPAM_ERR_INVALID);
	c.name = NULL;
	assert_int_equal(ipam_pool_set(ipam, &c, &e), -EINVAL);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	c.name = longname;
	assert_int_equal(ipam_pool_set(ipam, &c, &e), -EINVAL);
	longname[IPAM_NAME_MAX] = '\0'; /* exactly the maximum is fine */
	assert_int_equal(ipam_pool_validate(ipam, &c, &e), 0);
	assert_int_equal(e.code, IPAM_OK);

	c = P("p", bad);
	assert_int_equal(ipam_pool_set(ipam, &c, &e), -EINVAL);
	assert_contains(e.msg, "pool p");
	assert_contains(e.msg, "10.0.0.1/24");
	c = P("p", nul);
	assert_int_equal(ipam_pool_set(ipam, &c, &e), -EINVAL);
	c = P("p", good);
	c.n_addresses = 0;
	assert_int_equal(ipam_pool_set(ipam, &c, &e), -EINVAL);
	c.n_addresses = IPAM_MAX_SPECS + 1;
	assert_int_equal(ipam_pool_set(ipam, &c, &e), -EINVAL);
	c = P("p", good);
	const char *nss[] = {"ok", ""};
	c.namespaces = nss;
	c.n_namespaces = 2;
	assert_int_equal(ipam_pool_set(ipam, &c, &e), -EINVAL);
	assert_int_equal(ipam_pool_count(ipam), 0);

	/* The same range twice in one pool, and overlapping specs. */
	const char *twice[] = {"10.0.0.0/24", "10.0.0.200-10.0.1.3"};
	c = P("p", twice);
	c.n_addresses = 2;
	assert_int_equal(ipam_pool_set(ipam, &c, &e), -EEXIST);
	assert_int_equal(e.code, IPAM_ERR_OVERLAP);
	const char *adjacent[] = {"10.0.1.0-10.0.1.9", "10.0.0.0/24"};
	c.addresses = adjacent;
	assert_int_equal(ipam_pool_set(ipam, &c, &e), 0);
	assert_int_equal(ipam_pool_count(ipam), 1);
	ipam_free(ipam);
}

static void test_pool_overlap(void **state)
{
	struct ipam *ipam = ipam_new();
	struct ipam_error e;
	const char *a[] = {"10.0.0.0/24"}, *b[] = {"10.0.0.250-10.0.1.10"}, *c6[] = {"::a00:0/120"};
	struct ipam_pool_cfg ca = P("eip-a", a), cb = P("eip-b", b), c6c = P("v6", c6);
	struct ipam_request r = R("ns/s1");

	pool_ok(ipam, &ca);
	assert_int_equal(ipam_pool_set(ipam, &cb, &e), -EEXIST);
	assert_int_equal(e.code, IPAM_ERR_OVERLAP);
	assert_contains(e.msg, "eip-b");
	assert_contains(e.msg, "eip-a");
	assert_contains(e.msg, "10.0.0.250-10.0.1.10");
	assert_int_equal(ipam_pool_count(ipam), 1);
	/* The existing pool keeps working. */
	r.pool = "eip-a";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.0");
	/* The same numbers in the other family do not overlap. */
	pool_ok(ipam, &c6c);
	/* Editing a pool to overlap another is refused; the old version stays. */
	const char *grown[] = {"10.0.0.0/23"}, *a2[] = {"10.0.1.0/24"};
	struct ipam_pool_cfg cb2 = P("eip-b", a2), ca2 = P("eip-a", grown);
	pool_ok(ipam, &cb2);
	assert_int_equal(ipam_pool_set(ipam, &ca2, &e), -EEXIST);
	assert_contains(e.msg, "eip-a");
	assert_contains(e.msg, "eip-b");
	struct ipam_pool_stats st;
	assert_int_equal(ipam_pool_stats(ipam, "eip-a", &st), 0);
	assert_string_equal(S(&st.last), "10.0.0.255");
	/* Validate says the same without applying. */
	assert_int_equal(ipam_pool_validate(ipam, &ca2, &e), -EEXIST);
	assert_int_equal(ipam_pool_validate(ipam, &ca, &e), 0);
	ipam_free(ipam);
}

static void test_pool_default_per_family(void **state)
{
	struct ipam *ipam = ipam_new();
	struct ipam_error e;
	const char *v4a[] = {"10.0.0.0/24"}, *v4b[] = {"10.1.0.0/24"}, *v6[] = {"2001:db8::/64"};
	const char *dual[] = {"10.2.0.0/24", "2001:db8:1::/64"};
	struct ipam_pool_cfg a = P("a", v4a), b = P("b", v4b), c = P("c", v6), d = P("d", dual);

	a.is_default = b.is_default = c.is_default = d.is_default = true;
	d.n_addresses = 2;
	pool_ok(ipam, &a);
	assert_int_equal(ipam_pool_set(ipam, &b, &e), -EEXIST);
	assert_int_equal(e.code, IPAM_ERR_DEFAULT_CONFLICT);
	assert_contains(e.msg, "pool b");
	assert_contains(e.msg, "pool a");
	assert_contains(e.msg, "IPv4");
	pool_ok(ipam, &c); /* a v6 default beside a v4 default */
	assert_int_equal(ipam_pool_set(ipam, &d, &e), -EEXIST);
	/* Re-setting the default pool itself is not a conflict. */
	pool_ok(ipam, &a);
	b.is_default = false;
	pool_ok(ipam, &b);
	assert_int_equal(ipam_pool_count(ipam), 3);
	ipam_free(ipam);
}

static void test_pool_order(void **state)
{
	struct ipam *ipam = ipam_new();
	const char *s1[] = {"10.0.1.0/24"}, *s2[] = {"10.0.2.0/24"}, *s3[] = {"10.0.3.0/24"};
	struct ipam_pool_cfg z = P("z", s1), y = P("y", s2), x = P("x", s3);

	z.priority = -5;
	y.priority = 10;
	x.priority = 10;
	pool_ok(ipam, &y);
	pool_ok(ipam, &x);
	pool_ok(ipam, &z);
	assert_string_equal(ipam_pool_name(ipam, 0), "z");
	assert_string_equal(ipam_pool_name(ipam, 1), "x");
	assert_string_equal(ipam_pool_name(ipam, 2), "y");
	assert_null(ipam_pool_name(ipam, 3));
	z.priority = 20; /* an edit re-sorts */
	pool_ok(ipam, &z);
	assert_string_equal(ipam_pool_name(ipam, 2), "z");
	assert_int_equal(ipam_pool_delete(ipam, "x"), 0);
	assert_int_equal(ipam_pool_delete(ipam, "x"), -ENOENT);
	assert_string_equal(ipam_pool_name(ipam, 0), "y");
	assert_int_equal(ipam_pool_count(ipam), 2);
	ipam_free(ipam);
}

static void stats(struct ipam *ipam, const char *name, struct ipam_pool_stats *st)
{
	assert_int_equal(ipam_pool_stats(ipam, name, st), 0);
}

static void test_pool_sizes(void **state)
{
	struct ipam *ipam = ipam_new();
	struct ipam_pool_stats st;
	const char *s24[] = {"192.0.2.0/24"}, *rng[] = {"10.0.0.250-10.0.1.5"};
	const char *s64[] = {"2001:db8::/64"}, *all6[] = {"::/0"}, *all4[] = {"0.0.0.0/0"};
	const char *mix[] = {"2001:db8:1::/64", "198.51.100.0/24"};
	const char *one[] = {"203.0.113.7"};
	struct ipam_pool_cfg c;

	c = P("s24", s24);
	pool_ok(ipam, &c);
	stats(ipam, "s24", &st);
	assert_int_equal(st.size, 256); /* network and broadcast included */
	assert_string_equal(st.size_dec, "256");
	assert_string_equal(S(&st.first), "192.0.2.0");
	assert_string_equal(S(&st.last), "192.0.2.255");
	assert_true(st.v4);
	assert_false(st.v6);
	assert_true(st.ready);
	assert_false(st.occupied);
	c.avoid_buggy_ips = true;
	pool_ok(ipam, &c);
	stats(ipam, "s24", &st);
	assert_int_equal(st.size, 254);

	c = P("rng", rng);
	c.avoid_buggy_ips = true;
	pool_ok(ipam, &c);
	stats(ipam, "rng", &st);
	assert_int_equal(st.size, 10); /* 12 minus .255 and .0 */
	assert_string_equal(st.size_dec, "10");

	c = P("s64", s64);
	pool_ok(ipam, &c);
	stats(ipam, "s64", &st);
	assert_int_equal(st.size, UINT64_MAX); /* 2^64 saturates */
	assert_string_equal(st.size_dec, "18446744073709551616");
	assert_true(st.v6);

	c = P("mix", mix);
	c.n_addresses = 2;
	pool_ok(ipam, &c);
	stats(ipam, "mix", &st);
	assert_string_equal(st.size_dec, "18446744073709551872");
	assert_string_equal(S(&st.first), "198.51.100.0"); /* IPv4 first */
	assert_string_equal(S(&st.last), "2001:db8:1:0:ffff:ffff:ffff:ffff");
	assert_true(st.v4 && st.v6);

	c = P("one", one);
	pool_ok(ipam, &c);
	stats(ipam, "one", &st);
	assert_int_equal(st.size, 1);
	ipam_free(ipam);

	ipam = ipam_new();
	c = P("all6", all6);
	pool_ok(ipam, &c);
	stats(ipam, "all6", &st);
	assert_string_equal(st.size_dec, "340282366920938463463374607431768211456");
	assert_int_equal(st.size, UINT64_MAX);
	ipam_free(ipam);

	/* Two halves add up to 2^128 without one ::/0 span. */
	ipam = ipam_new();
	const char *halves[] = {"8000::/1", "::/1"};
	c = P("halves", halves);
	c.n_addresses = 2;
	pool_ok(ipam, &c);
	stats(ipam, "halves", &st);
	assert_string_equal(st.size_dec, "340282366920938463463374607431768211456");
	assert_int_equal(st.size, UINT64_MAX);
	c = P("all4", all4);
	c.avoid_buggy_ips = true;
	pool_ok(ipam, &c);
	stats(ipam, "all4", &st);
	assert_int_equal(st.size, 4294967296ull - 2 * 16777216ull);
	c.avoid_buggy_ips = false;
	pool_ok(ipam, &c);
	stats(ipam, "all4", &st);
	assert_string_equal(st.size_dec, "4294967296");
	assert_int_equal(ipam_pool_stats(ipam, "nope", &st), -ENOENT);
	ipam_free(ipam);
}

struct walk {
	char lines[16][96];
	int n, stop_at;
};

static int walk_cb(const struct core_addr *addr, const char *svc, void *arg)
{
	struct walk *w = arg;

	if (w->n == w->stop_at)
		return 42;
	snprintf(w->lines[w->n++], sizeof(w->lines[0]), "%s %s", S(addr), svc);
	return 0;
}

static void test_pool_used_and_walk(void **state)
{
	struct ipam *ipam = ipam_new();
	struct ipam_pool_stats st;
	const char *s[] = {"192.0.2.0/30"};
	struct ipam_pool_cfg c = P("small", s);
	struct ipam_port p80 = {80, IPAM_PROTO_TCP}, p443 = {443, IPAM_PROTO_TCP};
	struct ipam_request r;
	struct walk w = {.stop_at = -1};

	pool_ok(ipam, &c);
	r = R("ns/b");
	r.pool = "small";
	r.sharing_key = "k";
	r.ports = &p80;
	r.n_ports = 1;
	assert_string_equal(alloc_ok(ipam, &r, NULL), "192.0.2.0");
	r.service = "ns/a";
	r.ports = &p443;
	assert_string_equal(alloc_ok(ipam, &r, NULL), "192.0.2.0"); /* shared */
	r = R("ns/c");
	r.pool = "small";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "192.0.2.1");
	stats(ipam, "small", &st);
	assert_int_equal(st.size, 4);
	assert_int_equal(st.used, 2);
	assert_int_equal(st.holders, 3);
	assert_false(st.occupied);

	assert_int_equal(ipam_pool_walk(ipam, "small", walk_cb, &w), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.lines[0], "192.0.2.0 ns/a"); /* by address, then Service */
	assert_string_equal(w.lines[1], "192.0.2.0 ns/b");
	assert_string_equal(w.lines[2], "192.0.2.1 ns/c");
	w.n = 0;
	w.stop_at = 1;
	assert_int_equal(ipam_pool_walk(ipam, "small", walk_cb, &w), 42);
	assert_int_equal(ipam_pool_walk(ipam, "nope", walk_cb, &w), -ENOENT);

	r.service = "ns/d";
	alloc_ok(ipam, &r, NULL);
	r.service = "ns/e";
	alloc_ok(ipam, &r, NULL);
	stats(ipam, "small", &st);
	assert_true(st.occupied);
	assert_int_equal(st.used, 4);
	/* Disabled: not ready, holdings untouched. */
	c.disabled = true;
	pool_ok(ipam, &c);
	stats(ipam, "small", &st);
	assert_false(st.ready);
	assert_int_equal(st.used, 4);
	ipam_free(ipam);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pool_validation),
	    cmocka_unit_test(test_pool_overlap),
	    cmocka_unit_test(test_pool_default_per_family),
	    cmocka_unit_test(test_pool_order),
	    cmocka_unit_test(test_pool_sizes),
	    cmocka_unit_test(test_pool_used_and_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
