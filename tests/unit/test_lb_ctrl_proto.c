/*
 * lb_ctrl and OpenELB's protocol annotation (issue 12): the Eip's
 * spec.protocol decides how an address is served; a Service annotated for
 * another protocol gets one Warning ProtocolMismatch per disagreement and
 * family, none on resyncs or unrelated changes, a new one when the
 * annotation or the Eip's protocol changes, none when they agree or the
 * annotation is absent.
 */
#include "test_lb_ctrl_util.h"

#define PM "ProtocolMismatch"

static void eip(struct sim *s, const char *name, const char *spec)
{
	char buf[512];

	snprintf(buf, sizeof(buf),
	         "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata: {name: %s}\n"
	         "spec: %s\n",
	         name, spec);
	sim_yaml(s, buf);
}

/* A berth Service in default; proto: the annotation's value, NULL none. */
static void svc(struct sim *s, const char *name, const char *proto, const char *extra)
{
	char buf[1024], ann[128] = "";

	if (proto)
		snprintf(ann, sizeof(ann), ", annotations: {" CFG_ANN_PROTOCOL ": \"%s\"}", proto);
	snprintf(buf, sizeof(buf),
	         "apiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: default%s}\n"
	         "spec:\n  type: LoadBalancer\n  loadBalancerClass: berth.io/lb\n"
	         "  ports: [{port: 80}]\n%s",
	         name, ann, extra ? extra : "");
	sim_yaml(s, buf);
}

/* Warnings only, and each about the Service and in its namespace. */
static unsigned pm(struct sim *s, const char *obj, const char *sub)
{
	for (size_t i = 0; i < s->n_evs; i++) {
		if (strcmp(s->evs[i].reason, PM) == 0)
			assert_true(s->evs[i].warning);
	}
	return evcount(s, PM, obj, sub);
}

/* Periodic resyncs, a re-apply of every object as it is, a restart-free
 * pool change elsewhere: none of them reports anything again. */
static void churn(struct sim *s, const char *name, const char *proto, const char *extra)
{
	for (int i = 0; i < 3; i++) {
		assert_int_equal(lb_ctrl_resync(s->c), 0);
		sim_drain(s);
	}
	svc(s, name, proto, extra);
	sim_drain(s);
	eip(s, "unrelated", "{address: 198.51.100.0/28, protocol: layer2, interface: eth9}");
	sim_drain(s);
	sim_delete_eip(s, "unrelated");
	sim_drain(s);
}

static const char *const l2 =
    "{address: 192.0.2.200/29, protocol: layer2, interface: eth0, namespaces: [default]}";

static void test_no_annotation_or_matching(void **state)
{
	struct sim *s = sim_new();

	eip(s, "eip-l2", l2);
	eip(s, "eip-bgp", "{address: 203.0.113.0/28}"); /* bgp: the default */
	sim_sync(s);
	svc(s, "none", NULL, "  loadBalancerIP: 192.0.2.200\n");
	svc(s, "l2", "layer2", "  loadBalancerIP: 192.0.2.201\n");
	svc(s, "bgp", "bgp", "  loadBalancerIP: 203.0.113.1\n");
	svc(s, "bgp-none", NULL, "  loadBalancerIP: 203.0.113.2\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/none"), "192.0.2.200");
	assert_string_equal(ips(s, "default/l2"), "192.0.2.201");
	assert_string_equal(ips(s, "default/bgp"), "203.0.113.1");
	churn(s, "none", NULL, "  loadBalancerIP: 192.0.2.200\n");
	assert_int_equal(sim_restart(s), 0);
	assert_int_equal(pm(s, NULL, NULL), 0);
	/* vip agrees with vip. */
	eip(s, "eip-vip", "{address: 198.51.100.64/28, protocol: vip}");
	svc(s, "vip", "vip", "  loadBalancerIP: 198.51.100.65\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/vip"), "198.51.100.65");
	assert_int_equal(pm(s, NULL, NULL), 0);
	sim_free(s);
}

static void test_mismatch_once(void **state)
{
	static const char ip[] = "  loadBalancerIP: 192.0.2.201\n";
	struct sim *s = sim_new();

	eip(s, "eip-l2", l2);
	sim_sync(s);
	svc(s, "x", "bgp", ip);
	sim_drain(s);
	assert_string_equal(ips(s, "default/x"), "192.0.2.201");
	assert_int_equal(pm(s, NULL, NULL), 1);
	assert_int_equal(
	    pm(s, "default/x",
	       "annotation protocol.openelb.kubesphere.io/v1alpha1 says \"bgp\" but 192.0.2.201 "
	       "comes from Eip eip-l2 (protocol layer2): it is served by layer2"),
	    1);
	/* An Event only: the address is served, the condition says so. */
	assert_string_equal(cond_reason(s, "default/x"), "Allocated");
	churn(s, "x", "bgp", ip);
	assert_int_equal(pm(s, NULL, NULL), 1);
	/* Fixed: nothing to say, also on the next resyncs. */
	svc(s, "x", "layer2", ip);
	sim_drain(s);
	churn(s, "x", "layer2", ip);
	assert_int_equal(pm(s, NULL, NULL), 1);
	/* Annotation dropped: nothing either. */
	svc(s, "x", NULL, ip);
	sim_drain(s);
	assert_int_equal(pm(s, NULL, NULL), 1);
	/* Broken again, the same way: a new transition, a new Event. */
	svc(s, "x", "bgp", ip);
	sim_drain(s);
	assert_int_equal(pm(s, "default/x", "says \"bgp\""), 2);
	/* Another wrong value: it changed, so it is told again, once. */
	svc(s, "x", "vip", ip);
	sim_drain(s);
	churn(s, "x", "vip", ip);
	assert_int_equal(pm(s, "default/x", "says \"vip\" but 192.0.2.201"), 1);
	/* A value OpenELB does not know. */
	svc(s, "x", "BGP", ip);
	sim_drain(s);
	churn(s, "x", "BGP", ip);
	assert_int_equal(pm(s, "default/x",
	                    "names none of \"bgp\", \"layer2\", \"vip\" and "
	                    "192.0.2.201 comes from Eip eip-l2 (protocol layer2)"),
	                 1);
	assert_int_equal(pm(s, NULL, NULL), 4);
	/* A new engine tells once more, like every Event after a restart. */
	sim_clear_events(s);
	assert_int_equal(sim_restart(s), 0);
	assert_int_equal(pm(s, "default/x", "names none of"), 1);
	assert_int_equal(pm(s, NULL, NULL), 1);
	sim_free(s);
}

/* The Eip's protocol edited under its holders. */
static void test_eip_protocol_edit(void **state)
{
	struct sim *s = sim_new();

	eip(s, "p", "{address: 192.0.2.0/28, namespaces: [default]}");
	sim_sync(s);
	svc(s, "a", "bgp", NULL);
	svc(s, "b", "layer2", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "default/a"), "192.0.2.0");
	assert_string_equal(ips(s, "default/b"), "192.0.2.1");
	assert_int_equal(pm(s, NULL, NULL), 1);
	assert_int_equal(pm(s, "default/b",
	                    "says \"layer2\" but 192.0.2.1 comes from Eip p "
	                    "(protocol bgp): it is served by bgp"),
	                 1);
	/* Now layer2: a is wrong, b is right. Only the protocol changed:
	 * nobody is renumbered. */
	eip(s, "p",
	    "{address: 192.0.2.0/28, protocol: layer2, interface: eth0, namespaces: [default]}");
	sim_drain(s);
	assert_int_equal(pm(s, "default/a",
	                    "says \"bgp\" but 192.0.2.0 comes from Eip p "
	                    "(protocol layer2)"),
	                 1);
	assert_int_equal(pm(s, NULL, NULL), 2);
	churn(s, "a", "bgp", NULL);
	assert_int_equal(pm(s, NULL, NULL), 2);
	/* vip: both are wrong, a told again since the Eip's side changed. */
	eip(s, "p", "{address: 192.0.2.0/28, protocol: vip, namespaces: [default]}");
	sim_drain(s);
	assert_int_equal(pm(s, "default/a", "(protocol vip): it is served by vip"), 1);
	assert_int_equal(pm(s, "default/b", "(protocol vip)"), 1);
	assert_int_equal(pm(s, NULL, NULL), 4);
	assert_string_equal(ips(s, "default/a"), "192.0.2.0");
	assert_string_equal(ips(s, "default/b"), "192.0.2.1");
	/* The Eip goes: the addresses are orphans, which is reported as
	 * such, not as a protocol. */
	sim_delete_eip(s, "p");
	sim_drain(s);
	assert_int_equal(evcount(s, "AddressOrphaned", NULL, NULL), 2);
	assert_int_equal(pm(s, NULL, NULL), 4);
	sim_free(s);
}

/* Dual-stack: one address from a bgp Eip, one from a layer2 Eip. */
static void test_dual_stack(void **state)
{
	static const char ds[] = "  ipFamilyPolicy: RequireDualStack\n"
	                         "  ipFamilies: [IPv4, IPv6]\n";
	struct sim *s = sim_new();

	eip(s, "v4-bgp", "{address: 192.0.2.0/28, namespaces: [default]}");
	eip(s, "v6-l2",
	    "{address: 2001:db8::/124, protocol: layer2, interface: eth0, namespaces: [default]}");
	sim_sync(s);
	svc(s, "d", "bgp", ds);
	sim_drain(s);
	assert_string_equal(ips(s, "default/d"), "192.0.2.0,2001:db8::");
	/* Only the IPv6 address disagrees. */
	assert_int_equal(pm(s, "default/d",
	                    "says \"bgp\" but 2001:db8:: comes from Eip v6-l2 "
	                    "(protocol layer2): it is served by layer2"),
	                 1);
	assert_int_equal(pm(s, NULL, NULL), 1);
	churn(s, "d", "bgp", ds);
	assert_int_equal(pm(s, NULL, NULL), 1);
	/* layer2: now the IPv4 one. */
	svc(s, "d", "layer2", ds);
	sim_drain(s);
	assert_int_equal(pm(s, "default/d",
	                    "says \"layer2\" but 192.0.2.0 comes from Eip v4-bgp "
	                    "(protocol bgp): it is served by bgp"),
	                 1);
	assert_int_equal(pm(s, NULL, NULL), 2);
	/* vip: both, one Event each. */
	svc(s, "d", "vip", ds);
	sim_drain(s);
	churn(s, "d", "vip", ds);
	assert_int_equal(pm(s, "default/d", "says \"vip\" but 192.0.2.0"), 1);
	assert_int_equal(pm(s, "default/d", "says \"vip\" but 2001:db8::"), 1);
	assert_int_equal(pm(s, NULL, NULL), 4);
	/* The IPv6 Eip becomes bgp: the IPv4 side is unchanged (no Event),
	 * the IPv6 side disagrees differently (one). */
	eip(s, "v6-l2", "{address: 2001:db8::/124, namespaces: [default]}");
	sim_drain(s);
	assert_int_equal(pm(s, "default/d", "2001:db8:: comes from Eip v6-l2 (protocol bgp)"), 1);
	assert_int_equal(pm(s, NULL, NULL), 5);
	/* bgp fits both now: nothing new, then or later. */
	svc(s, "d", "bgp", ds);
	sim_drain(s);
	churn(s, "d", "bgp", ds);
	assert_int_equal(pm(s, NULL, NULL), 5);
	sim_free(s);
}

/* A Service that stops being berth's and comes back is told again; one
 * that waits for an address it cannot have is told about what it holds. */
static void test_release_and_failure(void **state)
{
	struct sim *s = sim_new();

	eip(s, "eip-l2", l2);
	sim_sync(s);
	svc(s, "x", "bgp", NULL);
	sim_drain(s);
	assert_int_equal(pm(s, "default/x", NULL), 1);
	sim_yaml(s, "apiVersion: v1\nkind: Service\nmetadata: {name: x, namespace: default, "
	            "annotations: {" CFG_ANN_PROTOCOL ": bgp}}\n"
	            "spec: {type: LoadBalancer, loadBalancerClass: other.io/lb}\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/x"), "");
	svc(s, "x", "bgp", NULL);
	sim_drain(s);
	assert_int_equal(pm(s, "default/x", NULL), 2);
	/* Asks for an address outside every Eip: refused, keeps its own. */
	svc(s, "x", "bgp", "  loadBalancerIP: 198.51.100.9\n");
	sim_drain(s);
	assert_string_equal(cond_reason(s, "default/x"), "AllocationFailed");
	assert_int_equal(pm(s, "default/x", NULL), 2);
	/* The annotation changes while the request fails. */
	svc(s, "x", "vip", "  loadBalancerIP: 198.51.100.9\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/x"), "192.0.2.200");
	assert_int_equal(pm(s, "default/x", "says \"vip\" but 192.0.2.200"), 1);
	/* A restart: restored, the request still fails; what it holds is
	 * reported all the same. */
	sim_clear_events(s);
	assert_int_equal(sim_restart(s), 0);
	assert_string_equal(cond_reason(s, "default/x"), "AllocationFailed");
	assert_int_equal(pm(s, "default/x", "says \"vip\" but 192.0.2.200"), 1);
	assert_int_equal(pm(s, NULL, NULL), 1);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_annotation_or_matching), cmocka_unit_test(test_mismatch_once),
	    cmocka_unit_test(test_eip_protocol_edit),         cmocka_unit_test(test_dual_stack),
	    cmocka_unit_test(test_release_and_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
