/*
 * Routes and their attributes (speaker/announce.h, issue 14): aggregates
 * for Cluster addresses that come with the first address and go with the
 * last, never for Local ones; the pool's nodeSelector; the pool's
 * communities, LOCAL_PREF and peers on every route; the link bandwidth
 * of Local addresses, summed over the Services sharing one and over a
 * Service's slices, none when a Cluster Service shares it; references
 * given back.
 */
#include "test_lb_announce_util.h"

#define SLICE(name, svc, eps)                                                                      \
	"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"                                   \
	"metadata: {name: " name ", namespace: ns, labels: {kubernetes.io/service-name: " svc      \
	"}}\naddressType: IPv4\nendpoints: " eps "\n---\n"

#define EP(node) "{addresses: [10.0.0.1], nodeName: " node "}"

#define PEER(name, addr)                                                                           \
	"apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\nmetadata: {name: " name "}\n"  \
	"spec:\n  conf: {peerAs: 65000, neighborAddress: " addr "}\n---\n"

#define EIP(name, addr, bgp)                                                                       \
	"apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata: {name: " name "}\n"      \
	"spec:\n  address: " addr "\n" bgp "---\n"

#define AGG_POOL EIP("pool", "203.0.113.0/24", "  bgp: {aggregationLength: 24}\n")

/* Cluster addresses in an aggregating pool: the /24 once, no host route;
 * it goes with the last of them. */
static void test_aggregate_follows_cluster_addresses(void **state)
{
	struct world w;

	load(&w,
	     NODES AGG_POOL SVC("a", "Cluster", "203.0.113.1") SVC("b", "Cluster", "203.0.113.2"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 1);
	assert_int_equal(route(&w, "203.0.113.0/24"), 0);
	assert_int_equal(route(&w, "203.0.113.1/32"), -1);
	unload(&w);

	load(&w, NODES AGG_POOL SVC("b", "Cluster", "203.0.113.2"));
	compute(&w, "n2");
	assert_int_equal(w.out.n, 1);
	assert_int_equal(route(&w, "203.0.113.0/24"), 0);
	unload(&w);

	/* the last Cluster address gone: so is the aggregate, even with a
	 * Local Service of the pool still announced (as a host route) */
	load(&w,
	     NODES AGG_POOL SVC("l", "Local", "203.0.113.3") SLICE("l-1", "l", "[" EP("n1") "]"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 1);
	assert_int_equal(route(&w, "203.0.113.0/24"), -1);
	assert_true(route(&w, "203.0.113.3/32") > 0); /* weighted: see below */
	unload(&w);
}

/* The hosts (the LB interface's addresses) stay host routes, one each. */
static void test_hosts_before_aggregation(void **state)
{
	struct world w;
	struct prefix_set hosts;
	struct bgp_prefix p;

	load(&w, NODES AGG_POOL SVC("a", "Cluster", "203.0.113.1")
	             SVC("b", "Cluster", "203.0.113.2") SVC("c", "Cluster", "203.0.113.2"));
	prefix_set_init(&hosts);
	assert_int_equal(lb_announce_hosts(&w.set, "n1", &w.o, &hosts), 0);
	assert_int_equal(hosts.n, 2);
	assert_int_equal(bgp_prefix_parse("203.0.113.2/32", &p), 0);
	assert_int_equal(prefix_set_val(&hosts, (size_t)prefix_set_find(&hosts, &p)),
	                 LB_HOST_CLUSTER);
	assert_int_equal(lb_announce_routes(&w.set, "n1", &w.o, &hosts, &w.out), 0);
	assert_int_equal(w.out.n, 1);
	prefix_set_fini(&hosts);
	unload(&w);
}

/* A Local address shares the pool with Cluster ones: the aggregate and
 * its host route. A Local and a Cluster Service on one address: both
 * routes, and no weight (every node carries the address anyway). */
static void test_local_never_aggregated(void **state)
{
	struct world w;

	load(&w, NODES AGG_POOL SVC("a", "Cluster", "203.0.113.1") SVC("l", "Local", "203.0.113.3")
	             SLICE("l-1", "l", "[" EP("n1") "]"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 2);
	assert_int_equal(route(&w, "203.0.113.0/24"), 0);
	assert_int_equal(attrs(&w, "203.0.113.3/32")->link_bw, CFG_DEFAULT_LINK_BW_PER_ENDPOINT);
	/* n2 has no endpoint: only the aggregate */
	compute(&w, "n2");
	assert_int_equal(w.out.n, 1);
	assert_int_equal(route(&w, "203.0.113.0/24"), 0);
	unload(&w);

	load(&w, NODES AGG_POOL SVC("c", "Cluster", "203.0.113.3") SVC("l", "Local", "203.0.113.3")
	             SLICE("l-1", "l", "[" EP("n1") ", " EP("n1") "]"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 2);
	assert_int_equal(route(&w, "203.0.113.0/24"), 0);
	assert_int_equal(route(&w, "203.0.113.3/32"), 0); /* no link bandwidth */
	unload(&w);

	/* without aggregation, Cluster sharing also means no weight */
	load(&w, NODES SVC("c", "Cluster", "203.0.113.3") SVC("l", "Local", "203.0.113.3")
	             SLICE("l-1", "l", "[" EP("n1") "]"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 1);
	assert_int_equal(route(&w, "203.0.113.3/32"), 0);
	unload(&w);
}

/* The weight: ready endpoints on this node, over the Local Services of
 * the address and over each one's slices, times the BgpConf unit. */
static void test_link_bw_summed(void **state)
{
	struct world w;

	load(&w, NODES SVC("a", "Local", "203.0.113.5") SVC("b", "Local", "203.0.113.5")
	             SLICE("a-1", "a", "[" EP("n1") ", " EP("n1") ", " EP("n2") "]")
	                 SLICE("a-2", "a", "[" EP("n1") "]")
	                     SLICE("b-1", "b",
	                           "[" EP("n1") ", {addresses: [10.0.0.9], nodeName: n1, "
	                                        "conditions: {ready: false}}, " EP("n2") "]"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 1);
	assert_int_equal(attrs(&w, "203.0.113.5/32")->link_bw,
	                 4 * CFG_DEFAULT_LINK_BW_PER_ENDPOINT);
	compute(&w, "n2");
	assert_int_equal(attrs(&w, "203.0.113.5/32")->link_bw,
	                 2 * CFG_DEFAULT_LINK_BW_PER_ENDPOINT);
	/* the index the speaker keeps counts alike */
	assert_int_equal(lb_announce_ready_count(&w.set, &w.o, "ns", "a", "n1"), 3);
	unload(&w);

	/* the unit from BgpConf; linkBandwidth: false switches it off */
	load(
	    &w, NODES
	    "apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpConf\nmetadata: {name: default}\n"
	    "spec: {as: 65000, linkBandwidthPerEndpoint: 1000}\n---\n" EIP("on", "203.0.113.0/28",
	                                                                   "")
	        EIP("off", "203.0.113.16/28", "  bgp: {linkBandwidth: false}\n")
	            SVC("a", "Local", "203.0.113.5") SVC("b", "Local", "203.0.113.17")
	                SLICE("a-1", "a", "[" EP("n1") ", " EP("n1") "]")
	                    SLICE("b-1", "b", "[" EP("n1") ", " EP("n1") "]"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 2);
	assert_int_equal(attrs(&w, "203.0.113.5/32")->link_bw, 2000);
	assert_int_equal(route(&w, "203.0.113.17/32"), 0);
	unload(&w);
}

/* An endpoint count change gives the address another id, nothing else. */
static void test_count_change_one_prefix(void **state)
{
	struct world w;
	long before, after;

	load(&w, NODES SVC("a", "Local", "203.0.113.5") SVC("c", "Cluster", "203.0.113.6")
	             SLICE("a-1", "a", "[" EP("n1") "]"));
	compute(&w, "n1");
	before = route(&w, "203.0.113.5/32");
	assert_int_equal(route(&w, "203.0.113.6/32"), 0);
	w.set.slices[0].endpoints[0].merged = 2; /* three on n1 now */
	compute(&w, "n1");
	after = route(&w, "203.0.113.5/32");
	assert_int_not_equal(before, after);
	assert_int_equal(attrs(&w, "203.0.113.5/32")->link_bw,
	                 3 * CFG_DEFAULT_LINK_BW_PER_ENDPOINT);
	assert_int_equal(route(&w, "203.0.113.6/32"), 0);
	unload(&w);
}

/* The pool's settings on host routes and aggregates alike. */
static void test_pool_attrs(void **state)
{
	const struct bgp_route_attrs *a;
	struct world w;

	load(&w,
	     NODES PEER("tor1", "192.0.2.201") PEER("tor2", "192.0.2.202")
	         EIP("pool", "203.0.113.0/24",
	             "  bgp:\n    communities: [\"65000:100\", no-export]\n"
	             "    largeCommunities: [\"65000:1:2\"]\n    localPref: 200\n"
	             "    aggregationLength: 25\n    peers: [tor2, tor1]\n")
	             SVC("c", "Cluster", "203.0.113.200") SVC("l", "Local", "203.0.113.5")
	                 SLICE("l-1", "l", "[" EP("n1") "]") SVC("x", "Cluster", "198.51.100.1"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 2); /* an address in no Eip of a set with Eips: none */
	assert_int_equal(route(&w, "198.51.100.1/32"), -1);
	a = attrs(&w, "203.0.113.128/25");
	assert_int_equal(a->n_communities, 2);
	assert_int_equal(a->communities[0], 65000u << 16 | 100);
	assert_int_equal(a->communities[1], 0xFFFFFF01u);
	assert_int_equal(a->n_large_communities, 1);
	assert_true(a->has_local_pref);
	assert_int_equal(a->local_pref, 200);
	assert_int_equal(a->link_bw, 0);
	assert_true(
	    bgp_route_attrs_for_peer(w.tab, (uint32_t)route(&w, "203.0.113.128/25"), "tor1"));
	assert_false(
	    bgp_route_attrs_for_peer(w.tab, (uint32_t)route(&w, "203.0.113.128/25"), "tor3"));
	a = attrs(&w, "203.0.113.5/32");
	assert_int_equal(a->n_communities, 2);
	assert_int_equal(a->link_bw, CFG_DEFAULT_LINK_BW_PER_ENDPOINT);
	unload(&w);
}

/* nodeSelector: a node that does not match announces none of the pool's
 * addresses; a node without a Node object has no labels. */
static void test_node_selector(void **state)
{
	struct world w;

	load(&w, NODES EIP("r1", "203.0.113.0/28", "  bgp: {nodeSelector: {rack: r1}}\n")
	             EIP("all", "203.0.113.16/28", "") SVC("a", "Cluster", "203.0.113.1")
	                 SVC("b", "Cluster", "203.0.113.17"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 2);
	compute(&w, "n2");
	assert_int_equal(w.out.n, 1);
	assert_int_equal(route(&w, "203.0.113.1/32"), -1);
	assert_int_equal(route(&w, "203.0.113.17/32"), 0);
	assert_false(lb_announce_addr_here(&w.set, "n2", &w.o, &w.set.services[0].ingress[0]));
	assert_true(lb_announce_addr_here(&w.set, "n1", &w.o, &w.set.services[0].ingress[0]));
	w.o.missing_node_announces = true;
	compute(&w, "n9");
	assert_int_equal(w.out.n, 1);
	assert_int_equal(route(&w, "203.0.113.17/32"), 0);
	unload(&w);
}

/* IPv6: aggregationLengthV6; the IPv4 length does not apply. */
static void test_aggregate_v6(void **state)
{
	struct world w;

	load(&w, NODES EIP("p6", "2001:db8:1::/64",
	                   "  bgp: {aggregationLength: 24, aggregationLengthV6: 64}\n")
	             SVC("a", "Cluster", "2001:db8:1::5") SVC("b", "Cluster", "2001:db8:1::6"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 1);
	assert_int_equal(route(&w, "2001:db8:1::/64"), 0);
	unload(&w);
}

/* Without endpoint data (manifest mode without slices) Local is announced
 * everywhere, as a host route and without a weight; without a table every
 * id is 0 but the prefixes are the same. */
static void test_no_counts_no_table(void **state)
{
	struct world w;
	struct prefix_set plain;

	load(&w,
	     NODES AGG_POOL SVC("l", "Local", "203.0.113.3") SVC("c", "Cluster", "203.0.113.9"));
	w.o.endpoints_known = false;
	compute(&w, "n2");
	assert_int_equal(w.out.n, 2);
	assert_int_equal(route(&w, "203.0.113.3/32"), 0);
	assert_int_equal(route(&w, "203.0.113.0/24"), 0);
	prefix_set_init(&plain);
	assert_int_equal(lb_announce_compute(&w.set, "n2", &plain), 0);
	assert_int_equal(plain.n, 2);
	assert_null(plain.val);
	prefix_set_fini(&plain);
	unload(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aggregate_follows_cluster_addresses),
	    cmocka_unit_test(test_hosts_before_aggregation),
	    cmocka_unit_test(test_local_never_aggregated),
	    cmocka_unit_test(test_link_bw_summed),
	    cmocka_unit_test(test_count_change_one_prefix),
	    cmocka_unit_test(test_pool_attrs),
	    cmocka_unit_test(test_node_selector),
	    cmocka_unit_test(test_aggregate_v6),
	    cmocka_unit_test(test_no_counts_no_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
