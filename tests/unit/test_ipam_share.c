/*
 * IPAM address sharing, restore after a restart, orphaned addresses, and
 * pool edits that must not move anybody.
 */
#include "test_ipam_util.h"

static const struct ipam_port tcp80 = {80, IPAM_PROTO_TCP}, tcp443 = {443, IPAM_PROTO_TCP},
                              udp80 = {80, IPAM_PROTO_UDP};

static struct ipam *setup(void)
{
	struct ipam *ipam = ipam_new();
	const char *s[] = {"10.0.0.0/24"};
	struct ipam_pool_cfg c = P("d", s);

	c.is_default = true;
	pool_ok(ipam, &c);
	return ipam;
}

static struct ipam_request shared(const char *svc, const char *key, const struct ipam_port *p)
{
	struct ipam_request r = R(svc);

	r.sharing_key = key;
	r.ports = p;
	r.n_ports = p ? 1 : 0;
	return r;
}

static void test_share_rules(void **state)
{
	struct ipam *ipam = setup();
	struct ipam_request r;
	struct ipam_result res;
	struct core_addr zero = A("10.0.0.0");

	r = shared("ns/a", "k", &tcp80);
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.0");
	r = shared("ns/b", "k", &tcp443);
	assert_string_equal(alloc_ok(ipam, &r, &res), "10.0.0.0");
	assert_true(res.a[0].shared);
	r = shared("ns/c", "k", &udp80); /* same port, other protocol */
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.0");
	/* Port collision: automatic allocation takes a fresh address... */
	r = shared("ns/d", "k", &tcp80);
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.1");
	/* ...a specific request for the address is refused. */
	r = shared("ns/e", "k", &tcp443);
	r.addrs = &zero;
	r.n_addrs = 1;
	assert_contains(alloc_fail(ipam, &r, IPAM_ERR_PORT_CONFLICT), "tcp/443");
	/* Another key, no key, other compat key: no sharing. */
	r = shared("ns/f", "other", NULL);
	r.addrs = &zero;
	r.n_addrs = 1;
	alloc_fail(ipam, &r, IPAM_ERR_IN_USE);
	r.sharing_key = NULL;
	alloc_fail(ipam, &r, IPAM_ERR_IN_USE);
	r.sharing_key = "k";
	r.compat_key = "selector-hash";
	assert_contains(alloc_fail(ipam, &r, IPAM_ERR_IN_USE), "compat");
	r.compat_key = "";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.0"); /* "" == none */
	/* Release: the address stays while someone holds it. */
	assert_int_equal(ipam_release(ipam, "ns/a"), 0);
	assert_int_equal(ipam_release(ipam, "ns/b"), 0);
	assert_int_equal(ipam_release(ipam, "ns/c"), 0);
	r = R("ns/g");
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.2");
	assert_int_equal(ipam_release(ipam, "ns/f"), 0);
	r = R("ns/h");
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.0");
	ipam_free(ipam);
}

static void test_share_beats_priority(void **state)
{
	struct ipam *ipam = ipam_new();
	const char *s1[] = {"10.1.0.0/24"}, *s2[] = {"10.2.0.0/24"}, *nsx[] = {"x"};
	struct ipam_pool_cfg best = P("best", s1), dflt = P("dflt", s2);
	struct ipam_request r;

	best.namespaces = nsx;
	best.n_namespaces = 1;
	dflt.is_default = true;
	pool_ok(ipam, &best);
	pool_ok(ipam, &dflt);
	r = shared("y/a", "k", &tcp80); /* y only has the default pool */
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.2.0.0");
	r = shared("x/b", "k", &tcp443); /* x prefers best, but wants to share */
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.2.0.0");
	r = shared("x/c", "k", &tcp80); /* cannot share: best pool */
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.1.0.0");
	/* Among shareable addresses, the lowest in the best pool. */
	r = shared("x/d", "k", &udp80);
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.1.0.0");
	ipam_free(ipam);
}

static void test_share_param_changes(void **state)
{
	struct ipam *ipam = setup();
	struct ipam_request r;
	struct ipam_port both[2] = {tcp443, tcp80};

	r = shared("ns/a", "k", &tcp80);
	alloc_ok(ipam, &r, NULL);
	r = shared("ns/b", "k", &tcp443);
	alloc_ok(ipam, &r, NULL);
	/* b now wants port 80 too: refused, b keeps its address and old ports. */
	r.ports = both;
	r.n_ports = 2;
	assert_contains(alloc_fail(ipam, &r, IPAM_ERR_PORT_CONFLICT), "ns/a");
	assert_string_equal(held(ipam, "ns/b", AF_INET), "10.0.0.0");
	r = shared("ns/c", "k", &udp80);
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.0");
	/* A new key while sharing: refused. */
	r = shared("ns/b", "k2", &tcp443);
	alloc_fail(ipam, &r, IPAM_ERR_IN_USE);
	/* Alone, a Service may change its key; others then join the new one. */
	r = shared("ns/z", "old", NULL);
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.1");
	r.sharing_key = "new";
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.1");
	r = shared("ns/y", "old", NULL);
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.2");
	r = shared("ns/x", "new", &tcp80);
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.1");
	/* Dropping the key while sharing: refused. */
	r = shared("ns/z", NULL, NULL);
	alloc_fail(ipam, &r, IPAM_ERR_IN_USE);
	ipam_free(ipam);
}

struct list {
	char s[8][80];
	int n;
};

static int collect(const struct core_addr *a, const char *svc, void *arg)
{
	struct list *l = arg;

	if (l->n < 8)
		snprintf(l->s[l->n++], sizeof(l->s[0]), "%s %s", S(a), svc);
	return 0;
}

static void test_restore_and_orphans(void **state)
{
	struct ipam *ipam = ipam_new();
	struct ipam_request r;
	struct ipam_result res;
	struct ipam_error e;
	struct core_addr a1 = A("10.0.0.5"), a2[2] = {A("10.0.0.6"), A("2001:db8::6")};
	struct core_addr gone = A("192.0.2.9");
	const char *s[] = {"10.0.0.0/29"}, *s6[] = {"2001:db8::/120"};
	struct ipam_pool_cfg c = P("d", s), c6 = P("d6", s6);
	struct list l = {0};

	/* Restore first, even before the pools are known. */
	r = R("ns/a");
	assert_int_equal(ipam_restore(ipam, &r, &a1, 1, &res, &e), 0);
	assert_int_equal(res.n, 1);
	assert_true(res.a[0].orphaned);
	r = R("ns/b");
	assert_int_equal(ipam_restore(ipam, &r, a2, 2, &res, &e), 0);
	assert_int_equal(res.n, 2);
	r = R("ns/c");
	assert_int_equal(ipam_restore(ipam, &r, &gone, 1, &res, &e), 0);
	c.is_default = true;
	c6.is_default = true;
	pool_ok(ipam, &c);
	pool_ok(ipam, &c6);
	assert_int_equal(ipam_service_get(ipam, "ns/a", &res), 0);
	assert_false(res.a[0].orphaned);
	assert_string_equal(res.a[0].pool, "d");
	assert_int_equal(ipam_orphans_walk(ipam, collect, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.s[0], "192.0.2.9 ns/c");
	/* Nobody else gets restored or orphaned addresses. */
	r = R("ns/new");
	r.addrs = &gone;
	r.n_addrs = 1;
	alloc_fail(ipam, &r, IPAM_ERR_NOT_IN_POOL);
	r.addrs = &a1;
	alloc_fail(ipam, &r, IPAM_ERR_IN_USE);
	char name[16];
	const char *want[] = {"10.0.0.0", "10.0.0.1", "10.0.0.2",
	                      "10.0.0.3", "10.0.0.4", "10.0.0.7"};
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "ns/n%d", i);
		r = R(name);
		assert_string_equal(alloc_ok(ipam, &r, NULL), want[i]);
	}
	alloc_fail(ipam, &(struct ipam_request){.service = "ns/n9"}, IPAM_ERR_EXHAUSTED);
	/* The orphan stays with its Service through allocate. */
	r = R("ns/c");
	assert_string_equal(alloc_ok(ipam, &r, &res), "192.0.2.9");
	assert_true(res.a[0].orphaned);
	/* Restore conflicts: first restored wins, the other is told. */
	r = R("ns/late");
	assert_int_equal(ipam_restore(ipam, &r, &a1, 1, &res, &e), -EADDRINUSE);
	assert_int_equal(e.code, IPAM_ERR_IN_USE);
	assert_contains(e.msg, "ns/a");
	assert_int_equal(res.n, 0);
	assert_string_equal(held(ipam, "ns/a", AF_INET), "10.0.0.5");
	/* A known Service restored with another address. */
	r = R("ns/a");
	assert_int_equal(ipam_restore(ipam, &r, &a2[0], 1, &res, &e), -EEXIST);
	assert_int_equal(e.code, IPAM_ERR_CONFLICT);
	assert_int_equal(ipam_restore(ipam, &r, &a1, 1, &res, &e), 0); /* same: fine */
	/* Not atomic: the claimable half is claimed. */
	struct core_addr half[2] = {A("172.16.0.1"), A("2001:db8::6")};
	r = R("ns/half");
	assert_int_equal(ipam_restore(ipam, &r, half, 2, &res, &e), -EADDRINUSE);
	assert_int_equal(res.n, 1);
	assert_string_equal(held(ipam, "ns/half", AF_INET), "172.16.0.1");
	/* Restored sharers share. */
	r = shared("ns/s1", "k", &tcp80);
	struct core_addr sh = A("198.51.100.1");
	assert_int_equal(ipam_restore(ipam, &r, &sh, 1, &res, &e), 0);
	r = shared("ns/s2", "k", &tcp443);
	assert_int_equal(ipam_restore(ipam, &r, &sh, 1, &res, &e), 0);
	assert_true(res.a[0].shared);
	r = shared("ns/s3", "k", &tcp443);
	assert_int_equal(ipam_restore(ipam, &r, &sh, 1, &res, &e), -EADDRINUSE);
	assert_int_equal(e.code, IPAM_ERR_PORT_CONFLICT);
	ipam_free(ipam);
}

static void test_pool_edits_never_move(void **state)
{
	struct ipam *ipam = ipam_new();
	const char *wide[] = {"10.0.0.0/24"}, *narrow[] = {"10.0.0.0/30"};
	struct ipam_pool_cfg c = P("p", wide);
	struct ipam_request r;
	struct ipam_result res;
	struct ipam_pool_stats st;
	struct list l = {0};
	char name[16];

	c.is_default = true;
	pool_ok(ipam, &c);
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "ns/s%d", i);
		r = R(name);
		alloc_ok(ipam, &r, NULL);
	}
	/* Shrink: .4 and .5 are orphaned but stay put. */
	c.addresses = narrow;
	pool_ok(ipam, &c);
	r = R("ns/s5");
	assert_string_equal(alloc_ok(ipam, &r, &res), "10.0.0.5");
	assert_true(res.a[0].orphaned);
	assert_false(res.a[0].is_new);
	assert_int_equal(ipam_orphans_walk(ipam, collect, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.s[0], "10.0.0.4 ns/s4");
	r = R("ns/new");
	alloc_fail(ipam, &r, IPAM_ERR_EXHAUSTED);
	/* Grow back: no longer orphaned, still not free. */
	c.addresses = wide;
	pool_ok(ipam, &c);
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.6");
	assert_int_equal(ipam_pool_stats(ipam, "p", &st), 0);
	assert_int_equal(st.used, 7);
	/* Delete: everyone keeps their address. */
	assert_int_equal(ipam_pool_delete(ipam, "p"), 0);
	assert_int_equal(ipam_service_count(ipam), 7);
	r = R("ns/s0");
	alloc_fail(ipam, &(struct ipam_request){.service = "ns/x"}, IPAM_ERR_NO_POOL);
	assert_string_equal(alloc_ok(ipam, &r, &res), "10.0.0.0");
	assert_true(res.a[0].orphaned);
	/* A new pool over the orphans: they are in use, not free. */
	c = P("q", wide);
	c.is_default = true;
	pool_ok(ipam, &c);
	r = R("ns/y");
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.7");
	/* Disable: holders keep, nobody new. */
	c.disabled = true;
	pool_ok(ipam, &c);
	r = R("ns/s1");
	assert_string_equal(alloc_ok(ipam, &r, NULL), "10.0.0.1");
	r = R("ns/z");
	alloc_fail(ipam, &r, IPAM_ERR_NO_POOL);
	ipam_free(ipam);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_share_rules),
	    cmocka_unit_test(test_share_beats_priority),
	    cmocka_unit_test(test_share_param_changes),
	    cmocka_unit_test(test_restore_and_orphans),
	    cmocka_unit_test(test_pool_edits_never_move),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
