/*
 * IPAM allocation: address choice, pool choice (priority, namespaces,
 * selector, default), specific addresses and pools, families and dual-stack,
 * the error values, explicit moves, 128-bit edges.
 */
#include "test_ipam_util.h"

#include <time.h>

static struct ipam *with_pool(const char *name, const char *spec)
{
	struct ipam *ipam = ipam_new();
	const char *s[] = {spec};
	struct ipam_pool_cfg c = P(name, s);

	assert_non_null(ipam);
	c.is_default = true;
	pool_ok(ipam, &c);
	return ipam;
}

static void test_lowest_free_and_idempotent(void **state)
{
	struct ipam *ipam = with_pool("d", "10.0.0.0/29");
	struct ipam_request r = R("ns/a");
	struct ipam_result res;

	assert_string_equal(alloc_ok(ipam, &r, &res), "10.0.0.0");
	assert_true(res.a[0].is_new);
	assert_string_equal(res.a[0].pool, "d");
	assert_false(res.a[0].orphaned);
	/* Asking again changes nothing. */
	assert_string_equal(alloc_ok(ipam, &r, &res), "10.0.0.0");
	assert_false(res.a[0].is_new);
	assert_int_equal(res.released, 0);
	r.service = "ns/b";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.1");
	r.service = "ns/c";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.2");
	assert_int_equal(ipam_release(ipam, "ns/b"), 0);
	assert_int_equal(ipam_release(ipam, "ns/b"), -ENOENT);
	r.service = "ns/d";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.1"); /* the hole first */
	r.service = "ns/e";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.3");
	assert_int_equal(ipam_service_count(ipam), 4);
	ipam_free(ipam);
}

static void test_exhausted(void **state)
{
	struct ipam *ipam = with_pool("tiny", "10.0.0.0/31");
	struct ipam_request r = R("ns/a");
	const char *msg;

	alloc_ok(ipam, &r, NULL);
	r.service = "ns/b";
	alloc_ok(ipam, &r, NULL);
	r.service = "ns/c";
	msg = alloc_fail(ipam, &r, IPAM_ERR_EXHAUSTED);
	assert_contains(msg, "ns/c");
	assert_contains(msg, "tiny");
	assert_int_equal(ipam_service_get(ipam, "ns/c", &(struct ipam_result){0}), -ENOENT);
	ipam_free(ipam);
}

static void test_avoid_buggy(void **state)
{
	struct ipam *ipam = ipam_new();
	const char *s[] = {"10.0.0.254-10.0.1.1"};
	struct ipam_pool_cfg c = P("p", s);
	struct ipam_request r = R("ns/a");
	struct core_addr zero = A("10.0.1.0");

	c.is_default = true;
	c.avoid_buggy_ips = true;
	pool_ok(ipam, &c);
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.254");
	r.service = "ns/b";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.1.1"); /* skips .255, .0 */
	r.service = "ns/c";
	alloc_fail(ipam, &r, IPAM_ERR_EXHAUSTED);
	r.addrs = &zero;
	r.n_addrs = 1;
	assert_contains(alloc_fail(ipam, &r, IPAM_ERR_RESERVED), "10.0.1.0");
	/* Without the option the same addresses are ordinary. */
	c.avoid_buggy_ips = false;
	pool_ok(ipam, &c);
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.1.0");
	ipam_free(ipam);
}

static bool match_label(const char *pool, void *arg)
{
	/* The namespace in arg "has label team=x" for pools named sel-*. */
	return arg && strncmp(pool, "sel-", 4) == 0;
}

static void test_pool_choice(void **state)
{
	struct ipam *ipam = ipam_new();
	const char *sa[] = {"10.1.0.0/31"}, *sb[] = {"10.2.0.0/31"}, *sc[] = {"10.3.0.0/31"};
	const char *sd[] = {"10.9.0.0/24"}, *ss[] = {"10.5.0.0/24"}, *su[] = {"10.7.0.0/24"};
	const char *nsx[] = {"x"};
	struct ipam_pool_cfg a = P("a", sa), b = P("b", sb), c = P("c", sc), d = P("dflt", sd);
	struct ipam_pool_cfg sel = P("sel-1", ss), unbound = P("unbound", su);
	struct ipam_request r = R("x/1");
	char name[32];

	/* b and c bound to x with equal priority (name breaks the tie),
	 * a bound with a worse priority. */
	a.namespaces = b.namespaces = c.namespaces = nsx;
	a.n_namespaces = b.n_namespaces = c.n_namespaces = 1;
	a.priority = 5;
	b.priority = c.priority = 1;
	d.is_default = true;
	sel.ns_selector = true;
	pool_ok(ipam, &unbound);
	pool_ok(ipam, &sel);
	pool_ok(ipam, &d);
	pool_ok(ipam, &a);
	pool_ok(ipam, &c);
	pool_ok(ipam, &b);
	const char *want[] = {"10.2.0.0", "10.2.0.1", "10.3.0.0", "10.3.0.1",
	                      "10.1.0.0", "10.1.0.1", "10.9.0.0", "10.9.0.1"};
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "x/s%d", i);
		r.service = name;
		assert_string_equal(alloc_ok(ipam, &r, NULL), want[i]);
	}
	/* Namespace y is bound to nothing: the default pool. */
	r.service = "y/1";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.9.0.2");
	/* The selector pool, when the controller says the labels match. */
	r.service = "z/1";
	r.ns_match = match_label;
	r.ns_match_arg = "team=x";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.5.0.0");
	r.ns_match_arg = NULL;
	r.service = "z/2";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.9.0.3");
	/* ns overrides the key's namespace part. */
	r.service = "q/1";
	r.ns = "x";
	r.ns_match = NULL;
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.9.0.4"); /* x's pools are full */
	/* Without a default pool, unbound namespaces get nothing. */
	assert_int_equal(ipam_pool_delete(ipam, "dflt"), 0);
	r = R("y/2");
	assert_contains(alloc_fail(ipam, &r, IPAM_ERR_NO_POOL), "namespace y");
	/* A disabled bound pool is skipped, the unbound pool is never chosen. */
	sel.disabled = true;
	pool_ok(ipam, &sel);
	r.ns_match = match_label;
	r.ns_match_arg = "team=x";
	alloc_fail(ipam, &r, IPAM_ERR_NO_POOL);
	/* ...but can be asked for by name. */
	r.pool = "unbound";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.7.0.0");
	ipam_free(ipam);
}

static void test_specific_requests(void **state)
{
	struct ipam *ipam = ipam_new();
	const char *s1[] = {"10.0.0.0/24"}, *s2[] = {"10.0.1.0/24"};
	struct ipam_pool_cfg p1 = P("one", s1), p2 = P("two", s2);
	struct core_addr want = A("10.0.0.77"), other = A("10.0.1.5"), outside = A("192.0.2.1");
	struct ipam_request r = R("ns/a");
	const char *msg;

	p1.is_default = true;
	pool_ok(ipam, &p1);
	pool_ok(ipam, &p2);
	r.addrs = &want;
	r.n_addrs = 1;
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.77");
	/* Taken: the message names both Services and the address. */
	r.service = "ns/b";
	msg = alloc_fail(ipam, &r, IPAM_ERR_IN_USE);
	assert_contains(msg, "ns/b");
	assert_contains(msg, "ns/a");
	assert_contains(msg, "10.0.0.77");
	r.addrs = &outside;
	assert_contains(alloc_fail(ipam, &r, IPAM_ERR_NOT_IN_POOL), "192.0.2.1");
	/* Address and pool must agree. */
	r.addrs = &other;
	r.pool = "one";
	msg = alloc_fail(ipam, &r, IPAM_ERR_POOL_MISMATCH);
	assert_contains(msg, "one");
	assert_contains(msg, "10.0.1.5");
	r.pool = "two";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.1.5");
	/* Unknown pool, with and without an address. */
	r.service = "ns/c";
	r.pool = "three";
	assert_contains(alloc_fail(ipam, &r, IPAM_ERR_NO_SUCH_POOL), "three");
	r.addrs = NULL;
	r.n_addrs = 0;
	alloc_fail(ipam, &r, IPAM_ERR_NO_SUCH_POOL);
	/* Disabled pool: neither by name nor by address. */
	p2.disabled = true;
	pool_ok(ipam, &p2);
	r.pool = "two";
	assert_contains(alloc_fail(ipam, &r, IPAM_ERR_POOL_DISABLED), "two");
	r.pool = NULL;
	r.addrs = &other;
	r.n_addrs = 1;
	other = A("10.0.1.6");
	alloc_fail(ipam, &r, IPAM_ERR_POOL_DISABLED);
	/* The Service already in the disabled pool keeps its address. */
	r = R("ns/b");
	r.pool = "two";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.1.5");
	ipam_free(ipam);
}

static void test_explicit_move_only(void **state)
{
	struct ipam *ipam = ipam_new();
	const char *s1[] = {"10.0.0.0/24"}, *s2[] = {"10.0.1.0/24"};
	struct ipam_pool_cfg p1 = P("one", s1), p2 = P("two", s2);
	struct ipam_request r = R("ns/a");
	struct ipam_result res;
	struct core_addr to = A("10.0.0.9"), busy;

	p1.is_default = true;
	pool_ok(ipam, &p1);
	pool_ok(ipam, &p2);
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.0");
	r.service = "ns/b";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.1");
	/* Another pool is requested: no move, only a note. */
	r.service = "ns/a";
	r.pool = "two";
	assert_string_equal(alloc_ok(ipam, &r, &res), "10.0.0.0");
	assert_true(res.a[0].pool_mismatch);
	assert_string_equal(res.a[0].pool, "one");
	/* An explicit address moves, atomically. */
	r.pool = NULL;
	r.addrs = &to;
	r.n_addrs = 1;
	assert_string_equal(alloc_ok(ipam, &r, &res), "10.0.0.9");
	assert_int_equal(res.released, 1);
	busy = A("10.0.0.1");
	r.addrs = &busy;
	alloc_fail(ipam, &r, IPAM_ERR_IN_USE);
	assert_string_equal(held(ipam, "ns/a", AF_INET), "10.0.0.9");
	/* The old address was freed by the move. */
	r = R("ns/c");
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.0");
	ipam_free(ipam);
}

static void test_families(void **state)
{
	struct ipam *ipam = ipam_new();
	const char *s4[] = {"10.0.0.0/29"}, *s6[] = {"2001:db8::/126"},
	           *s66[] = {"2001:db8:1::/64"};
	struct ipam_pool_cfg p4 = P("v4", s4), p6 = P("v6", s6), p66 = P("v6b", s66);
	struct ipam_request r = R("ns/a");
	struct ipam_result res;
	struct ipam_error e;
	struct core_addr v6 = A("2001:db8::3");

	p4.is_default = true;
	pool_ok(ipam, &p4);
	r.policy = IPAM_SINGLE_V6;
	assert_contains(alloc_fail(ipam, &r, IPAM_ERR_FAMILY), "IPv6");
	r.policy = IPAM_DUAL_REQUIRE;
	alloc_fail(ipam, &r, IPAM_ERR_FAMILY);
	/* Nothing leaked from the v4 half of the failed dual request. */
	assert_int_equal(ipam_service_count(ipam), 0);
	/* PreferDualStack does with v4 alone and says why. */
	r.policy = IPAM_DUAL_PREFER;
	assert_int_equal(ipam_allocate(ipam, &r, &res, &e), 0);
	assert_int_equal(res.n, 1);
	assert_true(res.partial);
	assert_int_equal(e.code, IPAM_ERR_FAMILY);
	assert_string_equal(S(&res.a[0].addr), "10.0.0.0");
	/* A v6 default appears: the next pass adds v6, v4 stays. */
	p6.is_default = true;
	pool_ok(ipam, &p6);
	assert_int_equal(ipam_allocate(ipam, &r, &res, &e), 0);
	assert_int_equal(e.code, IPAM_OK);
	assert_int_equal(res.n, 2);
	assert_false(res.partial);
	assert_string_equal(S(&res.a[0].addr), "10.0.0.0");
	assert_false(res.a[0].is_new);
	assert_string_equal(S(&res.a[1].addr), "2001:db8::");
	assert_true(res.a[1].is_new);
	/* RequireDualStack is all or nothing. */
	r = R("ns/b");
	r.policy = IPAM_DUAL_REQUIRE;
	r.addrs = &v6;
	r.n_addrs = 1;
	assert_int_equal(ipam_allocate(ipam, &r, &res, &e), 0);
	assert_string_equal(S(&res.a[1].addr), "2001:db8::3");
	r.service = "ns/c";
	r.n_addrs = 0;
	alloc_ok(ipam, &r, NULL);
	r.service = "ns/d";
	alloc_ok(ipam, &r, NULL);
	r.service = "ns/e"; /* v4 has room left, v6 does not */
	alloc_fail(ipam, &r, IPAM_ERR_EXHAUSTED);
	assert_int_equal(ipam_service_get(ipam, "ns/e", &res), -ENOENT);
	r.service = "ns/f";
	r.policy = IPAM_SINGLE_V4;
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.4");
	/* Policy change to single v4 drops the v6 address. */
	r = R("ns/b");
	assert_int_equal(ipam_allocate(ipam, &r, &res, &e), 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.released, 1);
	assert_string_equal(held(ipam, "ns/b", AF_INET6), "");
	/* A specific address of an unwanted family. */
	r.addrs = &v6;
	r.n_addrs = 1;
	alloc_fail(ipam, &r, IPAM_ERR_FAMILY);
	/* v4 exhausted, single v6: the v4 address is dropped only on success. */
	r = R("ns/f");
	r.policy = IPAM_SINGLE_V6;
	assert_string_equal(alloc_ok(ipam, &r, NULL), "2001:db8::3");
	assert_string_equal(held(ipam, "ns/f", AF_INET), "");
	r.service = "ns/a";
	alloc_ok(ipam, &r, NULL);
	r.service = "ns/c";
	r.pool = "v6b";
	pool_ok(ipam, &p66);
	assert_string_equal(alloc_ok(ipam, &r, &res), "2001:db8::1");
	assert_true(res.a[0].pool_mismatch); /* kept in v6, not moved to v6b */
	ipam_free(ipam);
}

static void test_ipv6_and_edges(void **state)
{
	struct ipam *ipam = ipam_new();
	const char *big[] = {"2001:db8::/64"}, *top4[] = {"255.255.255.254/31"};
	const char *top6[] = {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe-ffff:ffff:ffff:ffff:ffff:"
	                      "ffff:ffff:ffff"};
	const char *cross[] = {"2001:db8:2::ffff:ffff:ffff:fffe-2001:db8:2:1::1"};
	struct ipam_pool_cfg c;
	struct ipam_request r = R("ns/a");
	char name[32];

	c = P("big", big);
	pool_ok(ipam, &c);
	r.policy = IPAM_SINGLE_V6;
	r.pool = "big";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "2001:db8::");
	r.service = "ns/b";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "2001:db8::1");
	c = P("top6", top6);
	pool_ok(ipam, &c);
	r.pool = "top6";
	r.service = "ns/c";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	r.service = "ns/d";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	r.service = "ns/e";
	alloc_fail(ipam, &r, IPAM_ERR_EXHAUSTED);
	/* Across the 64-bit boundary of the value. */
	c = P("cross", cross);
	pool_ok(ipam, &c);
	r.pool = "cross";
	const char *want[] = {"2001:db8:2:0:ffff:ffff:ffff:fffe",
	                      "2001:db8:2:0:ffff:ffff:ffff:ffff",
	                      "2001:db8:2:1::", "2001:db8:2:1::1"};
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "ns/x%d", i);
		r.service = name;
		assert_string_equal(alloc_ok(ipam, &r, NULL), want[i]);
	}
	c = P("top4", top4);
	pool_ok(ipam, &c);
	r = R("ns/f");
	r.pool = "top4";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "255.255.255.254");
	r.service = "ns/g";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "255.255.255.255");
	r.service = "ns/h";
	alloc_fail(ipam, &r, IPAM_ERR_EXHAUSTED);
	ipam_free(ipam);
}

static void test_invalid_requests(void **state)
{
	struct ipam *ipam = with_pool("d", "10.0.0.0/24");
	struct ipam_request r = R("ns/a");
	struct ipam_port bad_port = {0, IPAM_PROTO_TCP}, bad_proto = {80, 9};
	struct core_addr two[3] = {A("10.0.0.1"), A("10.0.0.2"), A("10.0.0.3")};
	struct core_addr mapped = {.family = AF_INET6}, junk = {.family = 3};
	const char *keys[] = {"", "nons", "/x", "x/", "a/b/c", NULL};
	char longkey[IPAM_STR_MAX + 8];

	for (int i = 0; i < 6; i++) {
		r.service = keys[i];
		alloc_fail(ipam, &r, IPAM_ERR_INVALID);
	}
	memset(longkey, 'a', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	longkey[3] = '/';
	r.service = longkey;
	alloc_fail(ipam, &r, IPAM_ERR_INVALID);
	r = R("ns/a");
	r.ports = &bad_port;
	r.n_ports = 1;
	alloc_fail(ipam, &r, IPAM_ERR_INVALID);
	r.ports = &bad_proto;
	alloc_fail(ipam, &r, IPAM_ERR_INVALID);
	r.ports = NULL;
	alloc_fail(ipam, &r, IPAM_ERR_INVALID);
	r = R("ns/a");
	r.policy = 17;
	alloc_fail(ipam, &r, IPAM_ERR_INVALID);
	r.policy = IPAM_DUAL_REQUIRE;
	r.addrs = two;
	r.n_addrs = 2; /* two of the same family */
	alloc_fail(ipam, &r, IPAM_ERR_INVALID);
	r.n_addrs = 3;
	alloc_fail(ipam, &r, IPAM_ERR_INVALID);
	mapped.bytes[10] = mapped.bytes[11] = 0xff;
	r.addrs = &mapped;
	r.n_addrs = 1;
	alloc_fail(ipam, &r, IPAM_ERR_INVALID);
	r.addrs = &junk;
	alloc_fail(ipam, &r, IPAM_ERR_INVALID);
	r = R("ns/a");
	r.ns = "";
	alloc_fail(ipam, &r, IPAM_ERR_INVALID);
	assert_int_equal(ipam_service_count(ipam), 0);
	assert_int_equal(ipam_allocate(NULL, &r, NULL, NULL), -EINVAL);
	assert_int_equal(ipam_release(ipam, NULL), -EINVAL);
	ipam_free(ipam);
	ipam_free(NULL);
}

/* Not a real benchmark: catches an accidental quadratic path. */
static void test_ten_thousand(void **state)
{
	struct ipam *ipam = ipam_new();
	const char *s[] = {"10.0.0.0/16"};
	struct ipam_pool_cfg c = P("big", s);
	struct ipam_request r = R("ns/x");
	struct ipam_result res;
	struct timespec t0, t1;
	char name[32];

	c.is_default = true;
	pool_ok(ipam, &c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "ns/s%d", i);
		r.service = name;
		assert_int_equal(ipam_allocate(ipam, &r, &res, NULL), 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_string_equal(S(&res.a[0].addr), "10.0.39.15"); /* 9999 = 39 * 256 + 15 */
	print_message("10000 allocations: %.1f ms\n", ms);
	assert_true(ms < 5000);
	ipam_free(ipam);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lowest_free_and_idempotent),
	    cmocka_unit_test(test_exhausted),
	    cmocka_unit_test(test_avoid_buggy),
	    cmocka_unit_test(test_pool_choice),
	    cmocka_unit_test(test_specific_requests),
	    cmocka_unit_test(test_explicit_move_only),
	    cmocka_unit_test(test_families),
	    cmocka_unit_test(test_ipv6_and_edges),
	    cmocka_unit_test(test_invalid_requests),
	    cmocka_unit_test(test_ten_thousand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
