/*
 * lb_ctrl with MetalLB's IPAddressPools (the one pool model): several
 * ranges, both families, autoAssign, serviceAllocation (namespaces,
 * namespaceSelectors, priority, serviceSelectors), avoidBuggyIPs;
 * MetalLB's Service annotations (address-pool, loadBalancerIPs, in both
 * spellings) and the metallb.io/ip-allocated-from-pool berth writes;
 * Services MetalLB served are adopted without renumbering; pools of the
 * two APIs side by side.
 */
#include "test_lb_ctrl_util.h"

static void pool(struct sim *s, const char *name, const char *spec, const char *labels)
{
	char buf[2048];

	snprintf(buf, sizeof(buf),
	         "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: %s\n"
	         "  namespace: metallb-system\n%s%s\nspec: %s\n",
	         name, labels ? "  labels: " : "", labels ? labels : "", spec);
	sim_yaml(s, buf);
}

static void eip(struct sim *s, const char *name, const char *spec)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
	         "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata:\n  name: %s\n"
	         "spec: %s\n",
	         name, spec);
	sim_yaml(s, buf);
}

/* A Service without a class: MetalLB serves every one. */
static void svc(struct sim *s, const char *ns, const char *name, const char *ann, const char *extra)
{
	char buf[2048];

	snprintf(buf, sizeof(buf),
	         "apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: %s\n"
	         "%s%s\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n%s",
	         name, ns, ann ? "  annotations: " : "", ann ? ann : "", extra ? extra : "");
	sim_yaml(s, buf);
}

static const char *ann_of(struct sim *s, const char *key, const char *ann)
{
	const char *v = json_string_value(json_object_get(
	    json_object_get(json_object_get(svc_obj(s, key), "metadata"), "annotations"), ann));

	return v ? v : "";
}

static bool has_ann(struct sim *s, const char *key, const char *ann)
{
	return json_object_get(
	           json_object_get(json_object_get(svc_obj(s, key), "metadata"), "annotations"),
	           ann) != NULL;
}

/* One pool, three ranges of two families: in the order of the addresses,
 * a dual-stack Service from one pool. */
static void test_ranges_families(void **state)
{
	struct sim *s = sim_new();

	(void)state;
	pool(s, "p",
	     "{addresses: [\"192.0.2.0/31\", \"198.51.100.10 - 198.51.100.11\", "
	     "\"2001:db8::/127\"]}",
	     NULL);
	sim_sync(s);
	for (int i = 0; i < 4; i++) {
		char n[8];

		snprintf(n, sizeof(n), "s%d", i);
		svc(s, "default", n, NULL, NULL);
	}
	svc(s, "default", "dual", NULL,
	    "  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv6, IPv4]\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/s0"), "192.0.2.0");
	assert_string_equal(ips(s, "default/s1"), "192.0.2.1");
	assert_string_equal(ips(s, "default/s2"), "198.51.100.10");
	assert_string_equal(ips(s, "default/s3"), "198.51.100.11");
	/* the IPv4 ranges are full: the dual-stack Service waits, whole */
	assert_string_equal(ips(s, "default/dual"), "");
	sim_delete_svc(s, "default", "s1");
	sim_drain(s);
	assert_string_equal(ips(s, "default/dual"), "2001:db8::,192.0.2.1");
	assert_string_equal(pool_ann(s, "default/dual"), "p");
	/* MetalLB's annotation: the pool, one name for both addresses */
	assert_string_equal(ann_of(s, "default/dual", LB_ANN_METALLB_FROM), "p");
	/* a restart renumbers nothing, writes nothing */
	assert_int_equal(sim_restart(s), 0);
	assert_string_equal(ips(s, "default/dual"), "2001:db8::,192.0.2.1");
	sim_free(s);
}

/* autoAssign: false gives only to Services that ask for the pool. */
static void test_auto_assign(void **state)
{
	struct sim *s = sim_new();

	(void)state;
	pool(s, "expensive", "{addresses: [\"203.0.113.64/30\"], autoAssign: false}", NULL);
	pool(s, "cheap", "{addresses: [\"192.0.2.0/30\"]}", NULL);
	sim_sync(s);
	svc(s, "default", "a", NULL, NULL);
	svc(s, "default", "b", "{metallb.io/address-pool: expensive}", NULL);
	svc(s, "default", "c", "{metallb.universe.tf/address-pool: expensive}", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "default/a"), "192.0.2.0");
	assert_string_equal(ips(s, "default/b"), "203.0.113.64");
	assert_string_equal(ips(s, "default/c"), "203.0.113.65");
	assert_string_equal(ann_of(s, "default/b", LB_ANN_METALLB_FROM), "expensive");
	/* cheap is full: expensive is still not used without being asked */
	for (int i = 0; i < 4; i++) {
		char n[8];

		snprintf(n, sizeof(n), "x%d", i);
		svc(s, "default", n, NULL, NULL);
	}
	sim_drain(s);
	assert_string_equal(ips(s, "default/x3"), "");
	assert_string_equal(cond_reason(s, "default/x3"), "AllocationFailed");
	sim_free(s);
}

/* serviceAllocation: bound pools first by priority (a priority before
 * none), then pools without serviceAllocation; namespaceSelectors by the
 * namespace's labels. */
static void test_service_allocation(void **state)
{
	struct sim *s = sim_new();

	(void)state;
	pool(s, "any", "{addresses: [\"192.0.2.0/30\"]}", NULL);
	pool(s, "noprio",
	     "{addresses: [\"198.51.100.0/30\"], serviceAllocation: {namespaces: [team-a]}}", NULL);
	pool(s, "prio5",
	     "{addresses: [\"198.51.100.8/30\"], serviceAllocation: {priority: 5, "
	     "namespaces: [team-a]}}",
	     NULL);
	pool(s, "prio1",
	     "{addresses: [\"198.51.100.16/31\"], serviceAllocation: {priority: 1, "
	     "namespaceSelectors: [{matchLabels: {tier: gold}}]}}",
	     NULL);
	sim_yaml(s, "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a, labels: {tier: "
	            "gold}}\n");
	sim_yaml(s, "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-b}\n");
	sim_sync(s);
	svc(s, "team-a", "a1", NULL, NULL);
	svc(s, "team-a", "a2", NULL, NULL);
	svc(s, "team-a", "a3", NULL, NULL);
	svc(s, "team-b", "b1", NULL, NULL);
	sim_drain(s);
	/* prio1 (selector) first, then prio5, then the one without priority */
	assert_string_equal(ips(s, "team-a/a1"), "198.51.100.16");
	assert_string_equal(ips(s, "team-a/a2"), "198.51.100.17");
	assert_string_equal(ips(s, "team-a/a3"), "198.51.100.8");
	/* an unbound namespace: the pools without serviceAllocation only */
	assert_string_equal(ips(s, "team-b/b1"), "192.0.2.0");
	/* the label goes: the selector no longer binds team-a; nothing moves */
	sim_yaml(s, "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n");
	svc(s, "team-a", "a4", NULL, NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "team-a/a1"), "198.51.100.16");
	assert_string_equal(ips(s, "team-a/a4"), "198.51.100.9");
	sim_free(s);
}

/* serviceSelectors: berth does not see Service labels when it picks a
 * pool, so such a pool serves only Services that name it. */
static void test_service_selectors(void **state)
{
	struct sim *s = sim_new();

	(void)state;
	pool(s, "sel",
	     "{addresses: [\"192.0.2.0/30\"], serviceAllocation: {serviceSelectors: "
	     "[{matchLabels: {app: web}}]}}",
	     NULL);
	sim_sync(s);
	svc(s, "default", "auto", NULL, NULL);
	svc(s, "default", "named", "{metallb.io/address-pool: sel}", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "default/auto"), "");
	assert_string_equal(ips(s, "default/named"), "192.0.2.0");
	sim_free(s);
}

/* avoidBuggyIPs: no x.y.z.0, no x.y.z.255. */
static void test_avoid_buggy_ips(void **state)
{
	struct sim *s = sim_new();

	(void)state;
	pool(s, "p", "{addresses: [\"192.0.2.255-198.51.100.1\"], avoidBuggyIPs: true}", NULL);
	sim_sync(s);
	svc(s, "default", "a", NULL, NULL);
	svc(s, "default", "b", NULL, "  loadBalancerIP: 198.51.100.0\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/a"), "192.0.3.1");
	assert_string_equal(ips(s, "default/b"), "");
	assert_string_equal(cond_reason(s, "default/b"), "AllocationFailed");
	sim_free(s);
}

/* metallb.io/loadBalancerIPs: one address or one per family; the older
 * spelling when the first is absent; refused beside spec.loadBalancerIP
 * (MetalLB's rule) or OpenELB's annotation. */
static void test_lb_ips_annotation(void **state)
{
	struct sim *s = sim_new();

	(void)state;
	pool(s, "p", "{addresses: [\"192.0.2.0/28\", \"2001:db8::/124\"]}", NULL);
	sim_sync(s);
	svc(s, "default", "one", "{metallb.io/loadBalancerIPs: 192.0.2.5}", NULL);
	svc(s, "default", "old", "{metallb.universe.tf/loadBalancerIPs: 192.0.2.6}", NULL);
	svc(s, "default", "both",
	    "{metallb.io/loadBalancerIPs: 192.0.2.7, "
	    "metallb.universe.tf/loadBalancerIPs: 192.0.2.8}",
	    NULL);
	svc(s, "default", "dual", "{metallb.io/loadBalancerIPs: \"2001:db8::3, 192.0.2.9\"}",
	    "  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv6, IPv4]\n");
	svc(s, "default", "spec", "{metallb.io/loadBalancerIPs: 192.0.2.10}",
	    "  loadBalancerIP: 192.0.2.10\n");
	svc(s, "default", "oelb",
	    "{metallb.io/loadBalancerIPs: 192.0.2.11, eip.openelb.kubesphere.io/v1alpha1: "
	    "192.0.2.11}",
	    NULL);
	svc(s, "default", "bad", "{metallb.io/loadBalancerIPs: \"192.0.2.12,192.0.2.13\"}", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "default/one"), "192.0.2.5");
	assert_string_equal(ips(s, "default/old"), "192.0.2.6");
	/* the metallb.io spelling wins, as in MetalLB */
	assert_string_equal(ips(s, "default/both"), "192.0.2.7");
	assert_string_equal(ips(s, "default/dual"), "2001:db8::3,192.0.2.9");
	assert_string_equal(ips(s, "default/spec"), "");
	assert_int_equal(evcount(s, "AllocationFailed", "default/spec",
	                         "annotation metallb.io/loadBalancerIPs: not with "
	                         "spec.loadBalancerIP"),
	                 1);
	assert_string_equal(ips(s, "default/oelb"), "");
	assert_int_equal(evcount(s, "AllocationFailed", "default/oelb",
	                         "not with annotation eip.openelb.kubesphere.io/v1alpha1"),
	                 1);
	assert_string_equal(ips(s, "default/bad"), "");
	assert_int_equal(evcount(s, "AllocationFailed", "default/bad",
	                         "annotation metallb.io/loadBalancerIPs: \"192.0.2.12,192.0.2.13\" "
	                         "names two addresses of one family"),
	                 1);
	sim_free(s);
}

/* The pool named by either API's annotation; two names, refused. */
static void test_pool_annotations(void **state)
{
	struct sim *s = sim_new();

	(void)state;
	pool(s, "m", "{addresses: [\"192.0.2.0/30\"], autoAssign: false}", NULL);
	eip(s, "o", "{address: 198.51.100.0/30}");
	sim_sync(s);
	svc(s, "default", "to-eip", "{metallb.io/address-pool: o}", NULL);
	svc(s, "default", "to-pool", "{eip.openelb.kubesphere.io/v1alpha2: m}", NULL);
	svc(s, "default", "same",
	    "{eip.openelb.kubesphere.io/v1alpha2: m, metallb.io/address-pool: m}", NULL);
	svc(s, "default", "two",
	    "{eip.openelb.kubesphere.io/v1alpha2: o, metallb.io/address-pool: m}",
	    "  loadBalancerClass: berth.io/lb\n");
	sim_drain(s);
	/* classless Services are berth's: an IPAddressPool is configured */
	assert_string_equal(ips(s, "default/to-eip"), "198.51.100.0");
	assert_string_equal(ips(s, "default/to-pool"), "192.0.2.0");
	assert_string_equal(ips(s, "default/same"), "192.0.2.1");
	assert_string_equal(ips(s, "default/two"), "");
	assert_int_equal(evcount(s, "AllocationFailed", "default/two",
	                         "annotation metallb.io/address-pool: \"m\" is another pool than "
	                         "annotation eip.openelb.kubesphere.io/v1alpha2 names (\"o\")"),
	                 1);
	/* MetalLB's annotation only for an IPAddressPool's address */
	assert_false(has_ann(s, "default/to-eip", LB_ANN_METALLB_FROM));
	assert_string_equal(ann_of(s, "default/to-pool", LB_ANN_METALLB_FROM), "m");
	/* the Service leaves: berth takes back what it wrote, MetalLB's too */
	svc(s, "default", "to-pool", "{eip.openelb.kubesphere.io/v1alpha2: m}",
	    "  loadBalancerClass: other.io/lb\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/to-pool"), "");
	assert_false(has_ann(s, "default/to-pool", LB_ANN_METALLB_FROM));
	assert_false(has_ann(s, "default/to-pool", LB_ANN_POOL));
	sim_free(s);
}

/* A cluster MetalLB served: berth adopts every address, inside its pools
 * or not, and renumbers nothing. */
static void test_adopt_metallb(void **state)
{
	struct sim *s = sim_new();

	(void)state;
	pool(s, "p", "{addresses: [\"192.0.2.0/29\"]}", NULL);
	/* MetalLB's work: addresses in status, its annotation beside them */
	sim_yaml(s, "apiVersion: v1\nkind: Service\nmetadata:\n  name: in\n  namespace: default\n"
	            "  annotations: {metallb.io/ip-allocated-from-pool: p}\n"
	            "spec: {type: LoadBalancer, ports: [{port: 80}]}\n"
	            "status: {loadBalancer: {ingress: [{ip: 192.0.2.5}]}}\n");
	/* from a pool berth was not given (left out of the migration) */
	sim_yaml(s, "apiVersion: v1\nkind: Service\nmetadata:\n  name: out\n  namespace: default\n"
	            "  annotations: {metallb.universe.tf/ip-allocated-from-pool: gone}\n"
	            "spec: {type: LoadBalancer, ports: [{port: 80}]}\n"
	            "status: {loadBalancer: {ingress: [{ip: 203.0.113.7}]}}\n");
	/* MetalLB's annotation on an address an Eip holds now: it goes */
	eip(s, "e", "{address: 198.51.100.0/29}");
	sim_yaml(s, "apiVersion: v1\nkind: Service\nmetadata:\n  name: to-eip\n  namespace: "
	            "default\n  annotations: {metallb.io/ip-allocated-from-pool: old}\n"
	            "spec: {type: LoadBalancer, ports: [{port: 80}]}\n"
	            "status: {loadBalancer: {ingress: [{ip: 198.51.100.3}]}}\n");
	/* another controller's address, outside every pool: not adopted */
	sim_yaml(s,
	         "apiVersion: v1\nkind: Service\nmetadata:\n  name: other\n  namespace: default\n"
	         "spec: {type: LoadBalancer, ports: [{port: 80}]}\n"
	         "status: {loadBalancer: {ingress: [{ip: 203.0.113.9}]}}\n");
	sim_sync(s);
	assert_string_equal(ips(s, "default/in"), "192.0.2.5");
	assert_string_equal(ann_of(s, "default/in", LB_ANN_METALLB_FROM), "p");
	assert_string_equal(cond_reason(s, "default/in"), "Allocated");
	assert_string_equal(ips(s, "default/out"), "203.0.113.7");
	assert_string_equal(cond_reason(s, "default/out"), "AddressOrphaned");
	assert_string_equal(ips(s, "default/other"), "192.0.2.0");
	assert_string_equal(ips(s, "default/to-eip"), "198.51.100.3");
	assert_string_equal(pool_ann(s, "default/to-eip"), "e");
	assert_false(has_ann(s, "default/to-eip", LB_ANN_METALLB_FROM));
	/* a new Service does not get the adopted addresses */
	svc(s, "default", "new", NULL, "  loadBalancerIP: 192.0.2.5\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/new"), "");
	assert_int_equal(sim_restart(s), 0);
	assert_string_equal(ips(s, "default/in"), "192.0.2.5");
	assert_string_equal(ips(s, "default/out"), "203.0.113.7");
	sim_free(s);
}

/* Pools of both APIs side by side: named alike or overlapping, the later
 * is refused, with an Event on it; deleting one API's pool leaves the
 * other's of that name. */
static void test_two_apis(void **state)
{
	struct sim *s = sim_new();

	(void)state;
	eip(s, "x", "{address: 192.0.2.0/30}");
	sim_sync(s);
	pool(s, "x", "{addresses: [\"198.51.100.0/30\"]}", NULL);
	pool(s, "y", "{addresses: [\"192.0.2.2-192.0.2.9\"]}", NULL);
	sim_drain(s);
	assert_int_equal(evcount(s, "InvalidPool", "metallb-system/x", "Eip x has this name"), 1);
	assert_int_equal(evcount(s, "InvalidPool", "metallb-system/y", "spec.addresses"), 1);
	assert_int_equal(evcount(s, "InvalidPool", "metallb-system/y", "x"), 1);
	sim_delete_pool(s, "x");
	sim_drain(s);
	/* no IPAddressPool was accepted: only a classed Service is berth's */
	svc(s, "default", "a", "{eip.openelb.kubesphere.io/v1alpha2: x}", NULL);
	svc(s, "default", "b", "{eip.openelb.kubesphere.io/v1alpha2: x}",
	    "  loadBalancerClass: berth.io/lb\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/a"), "");
	assert_string_equal(ips(s, "default/b"), "192.0.2.0");
	/* the Eip keeps its status writes; the IPAddressPool gets none */
	assert_int_equal(eip_int(s, "x", "usage"), 1);
	assert_null(eip_status(s, "y"));
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ranges_families),    cmocka_unit_test(test_auto_assign),
	    cmocka_unit_test(test_service_allocation), cmocka_unit_test(test_service_selectors),
	    cmocka_unit_test(test_avoid_buggy_ips),    cmocka_unit_test(test_lb_ips_annotation),
	    cmocka_unit_test(test_pool_annotations),   cmocka_unit_test(test_adopt_metallb),
	    cmocka_unit_test(test_two_apis),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
