/*
 * The speaker's rules over MetalLB's pools, through the one model (no
 * code path of their own): every BGPAdvertisement of a pool applies (the
 * documentation's /32 with attributes beside the /24), announcements of
 * one length merge, node selectors pick the announcements of each node,
 * a pool no advertisement selects is not announced; layer 2: the pools an
 * L2Advertisement selects, answered by the nodes its node selectors
 * allow, on the interface berth binds.
 */
#include "speaker/l2_plan.h"

#include "test_lb_announce_util.h"

#define NS " namespace: metallb-system"
#define POOL(name, addr)                                                                           \
	"apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: " name "," NS       \
	"}\nspec: {addresses: [" addr "]}\n---\n"
#define BADV(name, spec)                                                                           \
	"apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: {name: " name "," NS    \
	"}\nspec: " spec "\n---\n"
#define L2ADV(name, spec)                                                                          \
	"apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: {name: " name "," NS     \
	"}\nspec: " spec "\n---\n"
#define SLICE(name, svc, node)                                                                     \
	"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"                                   \
	"metadata: {name: " name ", namespace: ns, labels: {kubernetes.io/service-name: " svc      \
	"}}\naddressType: IPv4\nendpoints: [{addresses: [10.0.0.1], nodeName: " node "}]\n---\n"
#define PEER(name, addr)                                                                           \
	"apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: {name: " name "," NS "}\n"       \
	"spec: {myASN: 64512, peerASN: 64513, peerAddress: " addr "}\n---\n"
#define PEERS PEER("t1", "192.0.2.201") PEER("t2", "192.0.2.202")

static bool has_peer(const struct bgp_route_attrs *a, const char *name)
{
	for (size_t i = 0; i < a->n_peers; i++)
		if (!strcmp(a->peers[i], name))
			return true;
	return false;
}

/* The documentation's two advertisements: a Cluster address gives the
 * /32 with localPref 100 and no-advertise, and the /24 with nothing. */
#define DOC                                                                                        \
	POOL("first-pool", "198.51.100.10/24")                                                     \
	BADV("local", "{ipAddressPools: [first-pool], aggregationLength: 32, localPref: 100, "     \
	              "communities: [\"65535:65282\"]}")                                           \
	BADV("external", "{ipAddressPools: [first-pool], aggregationLength: 24}")

static void test_doc_two_advertisements(void **state)
{
	struct world w;
	const struct bgp_route_attrs *a;

	(void)state;
	load(&w,
	     NODES DOC SVC("a", "Cluster", "198.51.100.10") SVC("b", "Cluster", "198.51.100.20"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 3);
	a = attrs(&w, "198.51.100.10/32");
	assert_true(a->has_local_pref);
	assert_int_equal(a->local_pref, 100);
	assert_int_equal(a->n_communities, 1);
	assert_int_equal(a->communities[0], 0xffffff02u);
	assert_int_equal(a->n_peers, 0);
	assert_true(route(&w, "198.51.100.20/32") > 0);
	/* the /24 once, without attributes */
	assert_int_equal(route(&w, "198.51.100.0/24"), 0);
	unload(&w);

	/* a Local address: a host route only, with every announcement's
	 * attributes, weighted by its endpoints */
	load(&w, NODES DOC SVC("l", "Local", "198.51.100.30") SLICE("l-1", "l", "n1"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 1);
	a = attrs(&w, "198.51.100.30/32");
	assert_int_equal(a->local_pref, 100);
	assert_int_equal(a->n_communities, 1);
	assert_int_equal(a->link_bw, CFG_DEFAULT_LINK_BW_PER_ENDPOINT);
	unload(&w);
}

/* Two announcements of one length merge: communities and peers their
 * union; one that names no peer makes it every peer's. */
static void test_merge(void **state)
{
	struct world w;
	const struct bgp_route_attrs *a;

	(void)state;
	load(&w, NODES PEERS POOL("p", "203.0.113.0/24")
	             BADV("x", "{communities: [\"1:1\", \"2:2\"], peers: [t1], localPref: 7}")
	                 BADV("y", "{communities: [\"2:2\", \"large:3:3:3\"], peers: [t2]}")
	                     SVC("a", "Cluster", "203.0.113.1"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 1);
	a = attrs(&w, "203.0.113.1/32");
	assert_int_equal(a->n_communities, 2);
	assert_int_equal(a->n_large_communities, 1);
	assert_int_equal(a->local_pref, 7);
	assert_int_equal(a->n_peers, 2);
	assert_true(has_peer(a, "t1") && has_peer(a, "t2"));
	unload(&w);

	load(&w, NODES PEERS POOL("p", "203.0.113.0/24") BADV("x", "{peers: [t1]}") BADV("y", "{}")
	             SVC("a", "Cluster", "203.0.113.1"));
	compute(&w, "n1");
	assert_int_equal(attrs(&w, "203.0.113.1/32")->n_peers, 0);
	unload(&w);
}

/* Node selectors: each node its announcements; none for it, no route. */
static void test_nodes(void **state)
{
	struct world w;

	(void)state;
	load(&w,
	     NODES POOL("p", "203.0.113.0/24")
	         BADV("r1", "{nodeSelectors: [{matchLabels: {rack: r1}}], communities: [\"1:1\"]}")
	             BADV("r2", "{nodeSelectors: [{matchLabels: {rack: r2}}], communities: "
	                        "[\"2:2\"], aggregationLength: 24}")
	                 SVC("a", "Cluster", "203.0.113.1"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 1);
	assert_int_equal(attrs(&w, "203.0.113.1/32")->communities[0], 0x00010001u);
	compute(&w, "n2");
	assert_int_equal(w.out.n, 1);
	assert_int_equal(attrs(&w, "203.0.113.0/24")->communities[0], 0x00020002u);
	/* a node neither selects: not announced from there */
	lb_announce_routes_clear(&w.o, &w.out);
	assert_int_equal(lb_announce_compute_opts(&w.set, "n3", &w.o, &w.out), 0);
	assert_int_equal(w.out.n, 0);
	unload(&w);
}

/* A pool no advertisement selects, or only an L2Advertisement: no BGP. */
static void test_not_announced(void **state)
{
	struct world w;

	(void)state;
	load(&w, NODES POOL("quiet", "192.0.2.0/28") POOL("l2", "192.0.2.16/28")
	             L2ADV("l", "{ipAddressPools: [l2]}") POOL("b", "198.51.100.0/28")
	                 BADV("a", "{ipAddressPools: [b]}") SVC("q", "Cluster", "192.0.2.1")
	                     SVC("l", "Cluster", "192.0.2.17") SVC("b", "Cluster", "198.51.100.1"));
	compute(&w, "n1");
	assert_int_equal(w.out.n, 1);
	assert_int_equal(route(&w, "198.51.100.1/32"), 0);
	assert_null(l2_plan_eip(&w.set, &w.set.services[0].ingress[0]));
	assert_non_null(l2_plan_eip(&w.set, &w.set.services[1].ingress[0]));
	assert_null(l2_plan_eip(&w.set, &w.set.services[2].ingress[0]));
	unload(&w);
}

/* Both ways at once: a pool selected by a BGPAdvertisement and an
 * L2Advertisement is announced over BGP and answered over ARP. */
static void test_bgp_and_l2(void **state)
{
	struct world w;

	(void)state;
	load(&w, NODES POOL("p", "192.0.2.0/28") BADV("a", "{}") L2ADV("l", "{}")
	             SVC("s", "Cluster", "192.0.2.1"));
	compute(&w, "n1");
	assert_int_equal(route(&w, "192.0.2.1/32"), 0);
	assert_non_null(l2_plan_eip(&w.set, &w.set.services[0].ingress[0]));
	unload(&w);
}

static bool yes(const char *node, const struct cfg_eip *e, void *arg)
{
	(void)node;
	(void)e;
	(void)arg;
	return true;
}

/* Layer 2: only the nodes an L2Advertisement of the pool allows answer. */
static void test_l2_nodes(void **state)
{
	struct world w;
	struct lb_announce_opts ann = {.missing_node_announces = false};
	struct l2_plan_opts o = {.node = "n1", .ann = &ann, .can_own = yes};
	struct l2_plan plan;

	(void)state;
	/* eight Services: were the selector ignored, all eight owned by n2
	 * would be a 1 in 256 chance */
	load(&w,
	     NODES POOL("p", "192.0.2.0/28")
	         L2ADV("l", "{nodeSelectors: [{matchLabels: {rack: r2}}]}")
	             SVC("a", "Cluster", "192.0.2.1") SVC("b", "Cluster", "192.0.2.2")
	                 SVC("c", "Cluster", "192.0.2.3") SVC("d", "Cluster", "192.0.2.4")
	                     SVC("e", "Cluster", "192.0.2.5") SVC("f", "Cluster", "192.0.2.6")
	                         SVC("g", "Cluster", "192.0.2.7") SVC("h", "Cluster", "192.0.2.8"));
	l2_plan_init(&plan);
	assert_int_equal(l2_plan_build(&w.set, &o, &plan), 0);
	assert_int_equal(plan.n, 8);
	for (size_t i = 0; i < plan.n; i++) {
		assert_non_null(plan.v[i].owner);
		assert_string_equal(plan.v[i].owner, "n2");
	}
	l2_plan_fini(&plan);
	unload(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_doc_two_advertisements),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_nodes),
	    cmocka_unit_test(test_not_announced),
	    cmocka_unit_test(test_bgp_and_l2),
	    cmocka_unit_test(test_l2_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
