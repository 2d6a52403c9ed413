/* Announcement rules (speaker/announce.h): traffic policies, endpoints moving,
 * node state, protocol annotation, Eip protocol, conflicts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "speaker/announce.h"

#define SVC(name, etp, ip, ann)                                                                    \
	"apiVersion: v1\nkind: Service\nmetadata: {name: " name ", namespace: ns" ann "}\n"        \
	"spec: {type: LoadBalancer, externalTrafficPolicy: " etp "}\n"                             \
	"status: {loadBalancer: {ingress: [{ip: '" ip "'}]}}\n---\n"

#define SLICE(name, svc, eps)                                                                      \
	"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"                                   \
	"metadata: {name: " name ", namespace: ns, labels: {kubernetes.io/service-name: " svc      \
	"}}\naddressType: IPv4\nendpoints: " eps "\n---\n"

#define NODE(name, extra) "apiVersion: v1\nkind: Node\nmetadata: {name: " name "}\n" extra "\n---\n"

static void load(struct cfg_set *set, const char *yaml)
{
	struct cfg_error err;

	cfg_set_init(set);
	cfg_error_init(&err, "t.yaml", NULL);
	if (cfg_manifest_load_buf("t.yaml", yaml, strlen(yaml), set, &err) < 0)
		fail_msg("load: %s", err.msg);
}

static struct lb_announce_opts cluster_opts(void)
{
	struct lb_announce_opts o = {.endpoints_known = true};

	return o;
}

/* Whether node announces ip under o. */
static bool announces(const struct cfg_set *set, const char *node, const struct lb_announce_opts *o,
                      const char *ip)
{
	struct prefix_set out;
	struct bgp_prefix p;
	char buf[64];
	bool has;

	snprintf(buf, sizeof(buf), "%s/%d", ip, strchr(ip, ':') ? 128 : 32);
	assert_int_equal(bgp_prefix_parse(buf, &p), 0);
	prefix_set_init(&out);
	assert_int_equal(lb_announce_compute_opts(set, node, o, &out), 0);
	has = prefix_set_has(&out, &p);
	prefix_set_fini(&out);
	return has;
}

static size_t count(const struct cfg_set *set, const char *node, const struct lb_announce_opts *o)
{
	struct prefix_set out;
	size_t n;

	prefix_set_init(&out);
	assert_int_equal(lb_announce_compute_opts(set, node, o, &out), 0);
	n = out.n;
	prefix_set_fini(&out);
	return n;
}

static const char *const two_nodes = NODE("n1", "") NODE("n2", "") NODE("n3", "");

static void test_cluster_policy_every_node(void **state)
{
	char y[4096];
	struct cfg_set set;
	struct lb_announce_opts o = cluster_opts();

	snprintf(y, sizeof(y), "%s%s", two_nodes, SVC("c", "Cluster", "203.0.113.1", ""));
	load(&set, y);
	assert_true(announces(&set, "n1", &o, "203.0.113.1"));
	assert_true(announces(&set, "n2", &o, "203.0.113.1"));
	assert_true(announces(&set, "n3", &o, "203.0.113.1"));
	cfg_set_fini(&set);
}

static void test_local_follows_ready_endpoint(void **state)
{
	const char *base = SVC("l", "Local", "203.0.113.2", "");
	const char *on_n1 = SLICE("l-a", "l", "[{addresses: [10.0.0.1], nodeName: n1}]");
	const char *on_n2 = SLICE("l-a", "l", "[{addresses: [10.0.0.1], nodeName: n2}]");
	const char *unready =
	    SLICE("l-a", "l",
	          "[{addresses: [10.0.0.1], nodeName: n2, conditions: {ready: false}},"
	          " {addresses: [10.0.0.2], nodeName: n3, conditions: {ready: true}}]");
	const char *other_svc = SLICE("x-a", "x", "[{addresses: [10.0.0.1], nodeName: n1}]");
	struct lb_announce_opts o = cluster_opts();
	struct cfg_set set;
	char y[4096];

	snprintf(y, sizeof(y), "%s%s%s", two_nodes, base, on_n1);
	load(&set, y);
	assert_true(announces(&set, "n1", &o, "203.0.113.2"));
	assert_false(announces(&set, "n2", &o, "203.0.113.2"));
	assert_int_equal(lb_announce_service(&set, "n2", &o, &set.services[0]),
	                 LB_ANN_NO_ENDPOINTS);
	cfg_set_fini(&set);

	/* the endpoint moved to n2: the announcement follows */
	snprintf(y, sizeof(y), "%s%s%s", two_nodes, base, on_n2);
	load(&set, y);
	assert_false(announces(&set, "n1", &o, "203.0.113.2"));
	assert_true(announces(&set, "n2", &o, "203.0.113.2"));
	cfg_set_fini(&set);

	/* ready: false does not count; ready: true does */
	snprintf(y, sizeof(y), "%s%s%s", two_nodes, base, unready);
	load(&set, y);
	assert_false(announces(&set, "n2", &o, "203.0.113.2"));
	assert_true(announces(&set, "n3", &o, "203.0.113.2"));
	cfg_set_fini(&set);

	/* another Service's endpoints do not count; no slice: nobody */
	snprintf(y, sizeof(y), "%s%s%s", two_nodes, base, other_svc);
	load(&set, y);
	assert_int_equal(count(&set, "n1", &o), 0);
	cfg_set_fini(&set);
}

static void test_local_same_name_other_namespace(void **state)
{
	const char *y = NODE("n1", "") SVC(
	    "l", "Local", "203.0.113.2",
	    "") "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
	        "metadata: {name: l-a, namespace: other, labels: {kubernetes.io/service-name: l}}\n"
	        "addressType: IPv4\nendpoints: [{addresses: [10.0.0.1], nodeName: n1}]\n";
	struct lb_announce_opts o = cluster_opts();
	struct cfg_set set;

	load(&set, y);
	assert_false(announces(&set, "n1", &o, "203.0.113.2"));
	cfg_set_fini(&set);
}

static void test_local_in_manifest_mode(void **state)
{
	/* Manifest mode without EndpointSlices has no endpoint data: Local is
	 * announced like Cluster (the behaviour before endpoints were read). */
	const char *no_slices = SVC("l", "Local", "203.0.113.2", "");
	const char *with_slice = SVC("l", "Local", "203.0.113.2", "")
	    SLICE("l-a", "l", "[{addresses: [10.0.0.1], nodeName: n2}]");
	struct prefix_set out;
	struct cfg_set set;

	prefix_set_init(&out);
	load(&set, no_slices);
	assert_int_equal(lb_announce_compute(&set, "n1", &out), 0);
	assert_int_equal(out.n, 1);
	cfg_set_fini(&set);
	load(&set, with_slice);
	assert_int_equal(lb_announce_compute(&set, "n1", &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(lb_announce_compute(&set, "n2", &out), 0);
	assert_int_equal(out.n, 1);
	cfg_set_fini(&set);
	prefix_set_fini(&out);
}

static void test_node_state(void **state)
{
	const char *y = NODE("cordoned", "spec: {unschedulable: true}")
	    NODE("notready", "status: {conditions: [{type: Ready, status: 'False'}]}")
	        NODE("unknown", "status: {conditions: [{type: Ready, status: Unknown}]}")
	            NODE("ready", "status: {conditions: [{type: Ready, status: 'True'}]}")
	                NODE("excluded", "") SVC("c", "Cluster", "203.0.113.1", "");
	struct lb_announce_opts o = cluster_opts();
	struct lb_announce_opts m = {.missing_node_announces = true};
	struct cfg_set set;

	load(&set, y);
	assert_false(announces(&set, "cordoned", &o, "203.0.113.1"));
	assert_false(announces(&set, "notready", &o, "203.0.113.1"));
	assert_true(announces(&set, "unknown", &o, "203.0.113.1"));
	assert_true(announces(&set, "ready", &o, "203.0.113.1"));
	assert_int_equal(lb_announce_service(&set, "cordoned", &o, &set.services[0]), LB_ANN_NODE);
	/* no Node object: cluster mode says no, manifest mode says yes */
	assert_false(announces(&set, "ghost", &o, "203.0.113.1"));
	assert_true(announces(&set, "ghost", &m, "203.0.113.1"));
	assert_true(announces(&set, "excluded", &o, "203.0.113.1"));
	cfg_set_fini(&set);

	/* the label keeps a node out whatever its state */
	const char *y3 = "apiVersion: v1\nkind: Node\nmetadata:\n  name: excluded\n  labels: "
	                 "{node.kubernetes.io/exclude-from-external-load-balancers: ''}\n---\n" SVC(
	                     "c", "Cluster", "203.0.113.1", "");
	load(&set, y3);
	assert_false(announces(&set, "excluded", &o, "203.0.113.1"));
	cfg_set_fini(&set);
}

static void test_protocol_annotation(void **state)
{
	const char *y = NODE("n1", "") SVC("b", "Cluster", "203.0.113.1",
	                                   ", annotations: {protocol.openelb.kubesphere.io/"
	                                   "v1alpha1: bgp}")
	    SVC("l2", "Cluster", "203.0.113.2",
	        ", annotations: {protocol.openelb.kubesphere.io/v1alpha1: layer2}")
	        SVC("vip", "Cluster", "203.0.113.3",
	            ", annotations: {protocol.openelb.kubesphere.io/v1alpha1: vip}")
	            SVC("none", "Cluster", "2001:db8::4", "");
	struct lb_announce_opts o = cluster_opts();
	struct cfg_set set;

	load(&set, y);
	assert_true(announces(&set, "n1", &o, "203.0.113.1"));
	assert_false(announces(&set, "n1", &o, "203.0.113.2"));
	assert_false(announces(&set, "n1", &o, "203.0.113.3"));
	assert_true(announces(&set, "n1", &o, "2001:db8::4"));
	assert_int_equal(lb_announce_service(&set, "n1", &o, &set.services[1]), LB_ANN_PROTOCOL);
	cfg_set_fini(&set);
}

static void test_eip_filter(void **state)
{
	const char *y =
	    NODE("n1", "") "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\n"
	                   "metadata: {name: bgp}\nspec: {address: 203.0.113.0/28}\n---\n"
	                   "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\n"
	                   "metadata: {name: l2}\nspec: {address: 203.0.113.16-203.0.113.31, "
	                   "protocol: layer2, interface: eth0}\n---\n"
	                   "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\n"
	                   "metadata: {name: off}\nspec: {address: 2001:db8::/120, disable: true}\n"
	                   "---\n" SVC("a", "Cluster", "203.0.113.1", "")
	                       SVC("b", "Cluster", "203.0.113.17", "")
	                           SVC("c", "Cluster", "198.51.100.1", "")
	                               SVC("d", "Cluster", "2001:db8::5", "")
	                                   SVC("e", "Cluster", "203.0.113.15", "");
	struct lb_announce_opts o = cluster_opts();
	struct cfg_set set;

	load(&set, y);
	assert_true(announces(&set, "n1", &o, "203.0.113.1"));   /* bgp pool */
	assert_true(announces(&set, "n1", &o, "203.0.113.15"));  /* last of the /28 */
	assert_false(announces(&set, "n1", &o, "203.0.113.17")); /* layer2 pool */
	assert_false(announces(&set, "n1", &o, "198.51.100.1")); /* outside every pool */
	assert_true(announces(&set, "n1", &o, "2001:db8::5"));   /* disabled pool keeps its own */
	assert_int_equal(count(&set, "n1", &o), 3);
	cfg_set_fini(&set);
}

static void test_exclude(void **state)
{
	const char *y = NODE("n1", "") SVC("a", "Cluster", "203.0.113.1", "")
	    SVC("b", "Cluster", "203.0.113.2", "");
	struct lb_announce_opts o = cluster_opts();
	struct core_addr ex;
	struct cfg_set set;

	assert_int_equal(core_addr_parse("203.0.113.2", &ex), 0);
	o.exclude = &ex;
	o.n_exclude = 1;
	load(&set, y);
	assert_true(announces(&set, "n1", &o, "203.0.113.1"));
	assert_false(announces(&set, "n1", &o, "203.0.113.2"));
	assert_false(lb_announce_addr_ok(&set, &o, &ex));
	cfg_set_fini(&set);
}

static void test_why_names(void **state)
{
	for (int w = LB_ANN_YES; w <= LB_ANN_NO_ENDPOINTS; w++)
		assert_string_not_equal(lb_announce_why_name((enum lb_announce_why)w), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cluster_policy_every_node),
	    cmocka_unit_test(test_local_follows_ready_endpoint),
	    cmocka_unit_test(test_local_same_name_other_namespace),
	    cmocka_unit_test(test_local_in_manifest_mode),
	    cmocka_unit_test(test_node_state),
	    cmocka_unit_test(test_protocol_annotation),
	    cmocka_unit_test(test_eip_filter),
	    cmocka_unit_test(test_exclude),
	    cmocka_unit_test(test_why_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
