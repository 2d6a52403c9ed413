/*
 * lb_ctrl rules: which Services, requests, outputs, idempotency,
 * coalescing, the initial sync and restarts.
 */
#include "test_lb_ctrl_util.h"

#define EIP_A                                                                                      \
	"apiVersion: network.kubesphere.io/v1alpha2\n"                                             \
	"kind: Eip\n"                                                                              \
	"metadata: {name: a}\n"                                                                    \
	"spec: {address: 10.0.0.0/30, namespaces: [default]}\n"
#define EIP_DEF                                                                                    \
	"apiVersion: network.kubesphere.io/v1alpha2\n"                                             \
	"kind: Eip\n"                                                                              \
	"metadata:\n"                                                                              \
	"  name: def\n"                                                                            \
	"  annotations: {eip.openelb.kubesphere.io/is-default-eip: \"true\"}\n"                    \
	"spec: {address: 10.9.0.1-10.9.0.10}\n"
#define EIP_V6                                                                                     \
	"apiVersion: network.kubesphere.io/v1alpha2\n"                                             \
	"kind: Eip\n"                                                                              \
	"metadata: {name: six}\n"                                                                  \
	"spec: {address: \"fd00::10-fd00::1f\", namespaces: [default]}\n"

/* A Service of berth's class; extra: more YAML under metadata (annotations). */
static void svc(struct sim *s, const char *name, const char *meta_extra, const char *spec_extra)
{
	char buf[2048];

	snprintf(buf, sizeof(buf),
	         "apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: default\n%s"
	         "spec:\n  type: LoadBalancer\n  loadBalancerClass: berth.io/lb\n"
	         "  ports: [{port: 80}]\n%s",
	         name, meta_extra ? meta_extra : "", spec_extra ? spec_extra : "");
	sim_yaml(s, buf);
}

static struct sim *setup_a(void)
{
	struct sim *s = sim_new();

	sim_yaml(s, EIP_A);
	sim_sync(s);
	return s;
}

static void test_basic_allocation(void **state)
{
	struct sim *s = setup_a();

	svc(s, "web", NULL, NULL);
	assert_int_equal(sim_drain(s), 2); /* Service status + Eip status */
	assert_string_equal(ips(s, "default/web"), "10.0.0.0");
	assert_string_equal(pool_ann(s, "default/web"), "a");
	assert_string_equal(cond_reason(s, "default/web"), "Allocated");
	assert_int_equal(evcount(s, "IPAllocated", "default/web", "10.0.0.0 from Eip a"), 1);
	assert_int_equal(eip_int(s, "a", "usage"), 1);
	assert_int_equal(eip_int(s, "a", "poolSize"), 4);
	assert_string_equal(eip_used(s, "a", "10.0.0.0"), "default/web");
	assert_string_equal(eip_str(s, "a", "firstIP"), "10.0.0.0");
	assert_string_equal(eip_str(s, "a", "lastIP"), "10.0.0.3");
	assert_true(json_is_true(json_object_get(eip_status(s, "a"), "ready")));
	assert_true(json_is_true(json_object_get(eip_status(s, "a"), "v4")));
	/* The same object again, or a change berth does not read: nothing. */
	feed_svc(s, svc_obj(s, "default/web"));
	assert_int_equal(sim_drain(s), 0);
	svc(s, "web", "  labels: {app: web}\n", NULL);
	assert_int_equal(sim_drain(s), 0);
	assert_int_equal(s->events, 0);
	sim_free(s);
}

static void test_nothing_before_sync(void **state)
{
	struct sim *s = sim_new();

	sim_yaml(s, EIP_A);
	svc(s, "web", NULL, NULL);
	assert_int_equal(sim_drain(s), 0);
	assert_int_equal(s->events, 0);
	assert_false(lb_ctrl_is_synced(s->c));
	assert_int_equal(sim_sync(s), 2);
	assert_string_equal(ips(s, "default/web"), "10.0.0.0");
	/* A second synced() is a no-op. */
	assert_int_equal(sim_sync(s), 0);
	sim_free(s);
}

static void put_plain(struct sim *s, const char *name, const char *ann, const char *spec)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
	         "apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n%s"
	         "spec:\n  ports: [{port: 80}]\n%s",
	         name, ann ? ann : "", spec);
	sim_yaml(s, buf);
}

static void test_which_services(void **state)
{
	struct sim *s = setup_a();

	put_plain(s, "other", NULL, "  type: LoadBalancer\n  loadBalancerClass: example.com/lb\n");
	sim_yaml(s, "apiVersion: v1\nkind: Service\nmetadata: {name: plain, namespace: ns2}\n"
	            "spec: {type: LoadBalancer, ports: [{port: 80}]}\n");
	put_plain(s, "cip", "  annotations: {lb.kubesphere.io/v1alpha1: openelb}\n",
	          "  type: ClusterIP\n");
	assert_int_equal(sim_drain(s), 0);
	put_plain(s, "oelb", "  annotations: {lb.kubesphere.io/v1alpha1: openelb}\n",
	          "  type: LoadBalancer\n");
	put_plain(s, "porter", "  annotations: {lb.kubesphere.io/v1alpha1: porter}\n",
	          "  type: LoadBalancer\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/oelb"), "10.0.0.0");
	assert_string_equal(ips(s, "default/porter"), "10.0.0.1");
	/* A default Eip claims class-less Services without the annotation,
	 * never those with another class or that opt out. */
	put_plain(s, "optout", "  annotations: {lb.kubesphere.io/v1alpha1: metallb}\n",
	          "  type: LoadBalancer\n");
	sim_yaml(s, EIP_DEF);
	sim_drain(s);
	assert_string_equal(ips(s, "ns2/plain"), "10.9.0.1");
	assert_string_equal(ips(s, "default/other"), "");
	assert_string_equal(ips(s, "default/optout"), "");
	assert_string_equal(ips(s, "default/cip"), "");
	assert_null(pool_ann(s, "default/other"));
	assert_null(pool_ann(s, "default/optout"));
	/* The default Eip goes: what it gave stays (never renumber), also
	 * across a restart. */
	sim_delete_eip(s, "def");
	sim_drain(s);
	assert_string_equal(ips(s, "ns2/plain"), "10.9.0.1");
	assert_string_equal(cond_reason(s, "ns2/plain"), "AddressOrphaned");
	assert_int_equal(evcount(s, "AddressOrphaned", "ns2/plain", "10.9.0.1"), 1);
	assert_int_equal(sim_restart(s), 0);
	assert_string_equal(ips(s, "ns2/plain"), "10.9.0.1");
	assert_string_equal(pool_ann(s, "ns2/plain"), "def");
	sim_free(s);
}

static void test_custom_class(void **state)
{
	struct sim *s = sim_new();

	s->opts.lb_class = "example.org/mine";
	lb_ctrl_free(s->c);
	sim_start(s);
	sim_yaml(s, EIP_A);
	sim_sync(s);
	svc(s, "berth", NULL, NULL); /* class berth.io/lb is now someone else's */
	put_plain(s, "mine", NULL, "  type: LoadBalancer\n  loadBalancerClass: example.org/mine\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/berth"), "");
	assert_string_equal(ips(s, "default/mine"), "10.0.0.0");
	sim_free(s);
}

static void test_specific_address(void **state)
{
	struct sim *s = setup_a();

	svc(s, "x", NULL, "  loadBalancerIP: 10.0.0.2\n");
	/* The OpenELB annotation wins over spec.loadBalancerIP. */
	svc(s, "y", "  annotations: {eip.openelb.kubesphere.io/v1alpha1: 10.0.0.3}\n",
	    "  loadBalancerIP: 10.0.0.1\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/x"), "10.0.0.2");
	assert_string_equal(ips(s, "default/y"), "10.0.0.3");
	/* Outside every Eip: a Warning naming the field, and the condition. */
	svc(s, "out", NULL, "  loadBalancerIP: 192.0.2.1\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/out"), "");
	assert_int_equal(
	    evcount(s, "AllocationFailed", "default/out", "spec.loadBalancerIP: address 192.0.2.1"),
	    1);
	assert_string_equal(cond_reason(s, "default/out"), "AllocationFailed");
	assert_non_null(strstr(cond_msg(s, "default/out"), "192.0.2.1 is in no pool"));
	/* Taken by another: the message names it; the holder keeps it. */
	svc(s, "taken", NULL, "  loadBalancerIP: 10.0.0.2\n");
	sim_drain(s);
	assert_int_equal(evcount(s, "AllocationFailed", "default/taken", "held by default/x"), 1);
	assert_string_equal(ips(s, "default/x"), "10.0.0.2");
	assert_string_equal(ips(s, "default/taken"), "");
	/* Unparsable annotation: the field and the value are named. */
	svc(s, "bad", "  annotations: {eip.openelb.kubesphere.io/v1alpha1: 10.0.0.300}\n", NULL);
	sim_drain(s);
	assert_int_equal(evcount(s, "AllocationFailed", "default/bad",
	                         "annotation eip.openelb.kubesphere.io/v1alpha1: \"10.0.0.300\""),
	                 1);
	/* A held Service whose request turns invalid keeps its address. */
	svc(s, "y", "  annotations: {eip.openelb.kubesphere.io/v1alpha1: nonsense}\n", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "default/y"), "10.0.0.3");
	assert_string_equal(cond_reason(s, "default/y"), "AllocationFailed");
	assert_non_null(strstr(cond_msg(s, "default/y"), "keeps 10.0.0.3"));
	/* The same failure again is not reported again. */
	sim_clear_events(s);
	svc(s, "y", "  annotations: {eip.openelb.kubesphere.io/v1alpha1: nonsense}\n",
	    "  sessionAffinity: None\n");
	feed_svc(s, svc_obj(s, "default/out"));
	assert_int_equal(sim_drain(s), 0);
	assert_int_equal(s->events, 0);
	sim_free(s);
}

static void test_explicit_move(void **state)
{
	struct sim *s = setup_a();

	svc(s, "m", NULL, "  loadBalancerIP: 10.0.0.1\n");
	sim_drain(s);
	svc(s, "m", NULL, "  loadBalancerIP: 10.0.0.3\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/m"), "10.0.0.3");
	assert_int_equal(evcount(s, "IPReleased", "default/m", "moved to 10.0.0.3"), 1);
	assert_string_equal(eip_used(s, "a", "10.0.0.1"), "");
	/* Dropping the request keeps the address (it is not a move). */
	svc(s, "m", NULL, NULL);
	assert_int_equal(sim_drain(s), 0);
	assert_string_equal(ips(s, "default/m"), "10.0.0.3");
	sim_free(s);
}

static void test_specific_pool(void **state)
{
	struct sim *s = setup_a();

	sim_yaml(s, EIP_DEF);
	sim_drain(s);
	svc(s, "p", "  annotations: {eip.openelb.kubesphere.io/v1alpha2: def}\n", NULL);
	svc(s, "q", NULL, NULL); /* automatic: the Eip bound to the namespace first */
	svc(s, "none", "  annotations: {eip.openelb.kubesphere.io/v1alpha2: nope}\n", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "default/p"), "10.9.0.1");
	assert_string_equal(pool_ann(s, "default/p"), "def");
	assert_string_equal(ips(s, "default/q"), "10.0.0.0");
	assert_int_equal(evcount(s, "AllocationFailed", "default/none",
	                         "annotation eip.openelb.kubesphere.io/v1alpha2: pool nope"),
	                 1);
	/* Asking for another Eip later: kept, and reported once. */
	svc(s, "p", "  annotations: {eip.openelb.kubesphere.io/v1alpha2: a}\n", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "default/p"), "10.9.0.1");
	assert_string_equal(cond_reason(s, "default/p"), "PoolMismatch");
	assert_int_equal(evcount(s, "PoolMismatch", "default/p", "10.9.0.1 is in Eip def"), 1);
	feed_svc(s, svc_obj(s, "default/p"));
	assert_int_equal(sim_drain(s), 0);
	assert_int_equal(evcount(s, "PoolMismatch", "default/p", NULL), 1);
	sim_free(s);
}

static void test_dual_stack(void **state)
{
	struct sim *s = setup_a();

	sim_yaml(s, "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\n"
	            "metadata: {name: a, annotations: {eip.openelb.kubesphere.io/is-default-eip: "
	            "\"true\"}}\nspec: {address: 10.0.0.0/30}\n");
	svc(s, "d", NULL, "  ipFamilyPolicy: PreferDualStack\n  ipFamilies: [IPv4, IPv6]\n");
	sim_drain(s);
	/* No IPv6 Eip for the namespace yet: IPv4 only, and said so. */
	assert_string_equal(ips(s, "default/d"), "10.0.0.0");
	assert_string_equal(cond_reason(s, "default/d"), "PartiallyAllocated");
	svc(s, "r", NULL, "  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv6, IPv4]\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/r"), "");
	assert_int_equal(evcount(s, "AllocationFailed", "default/r", "IPv6"), 1);
	/* The IPv6 Eip arrives: both get their IPv6 address, in the order of
	 * spec.ipFamilies, and d keeps its IPv4 address. */
	sim_yaml(s, EIP_V6);
	sim_drain(s);
	assert_string_equal(ips(s, "default/d"), "10.0.0.0,fd00::10");
	assert_string_equal(ips(s, "default/r"), "fd00::11,10.0.0.1");
	assert_string_equal(pool_ann(s, "default/r"), "six,a");
	assert_string_equal(cond_reason(s, "default/d"), "Allocated");
	assert_false(json_is_true(json_object_get(eip_status(s, "six"), "v4")));
	/* SingleStack from ipFamilies[0]; going single drops the other family. */
	svc(s, "d", NULL, "  ipFamilyPolicy: SingleStack\n  ipFamilies: [IPv4]\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/d"), "10.0.0.0");
	assert_int_equal(evcount(s, "IPReleased", "default/d", "fd00::10: IPv6 is no longer"), 1);
	svc(s, "v6", NULL, "  ipFamilies: [IPv6]\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/v6"), "fd00::10");
	assert_int_equal(sim_restart(s), 0);
	sim_free(s);
}

static void test_sharing(void **state)
{
	struct sim *s = setup_a();

	svc(s, "s1", "  annotations: {lb.berth.io/sharing-key: k}\n", NULL);
	sim_drain(s);
	/* Same key, other port: shares. Same port: its own address. */
	sim_yaml(s, "apiVersion: v1\nkind: Service\nmetadata:\n  name: s2\n  annotations: "
	            "{metallb.universe.tf/allow-shared-ip: k}\nspec:\n  type: LoadBalancer\n"
	            "  loadBalancerClass: berth.io/lb\n  ports: [{port: 443}, {port: 53, "
	            "protocol: UDP}]\n");
	svc(s, "s3", "  annotations: {metallb.io/allow-shared-ip: k}\n", NULL);
	/* Local does not share with Cluster. */
	sim_yaml(s, "apiVersion: v1\nkind: Service\nmetadata:\n  name: s4\n  annotations: "
	            "{lb.berth.io/sharing-key: k}\nspec:\n  type: LoadBalancer\n"
	            "  loadBalancerClass: berth.io/lb\n  externalTrafficPolicy: Local\n"
	            "  ports: [{port: 8080}]\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/s1"), "10.0.0.0");
	assert_string_equal(ips(s, "default/s2"), "10.0.0.0");
	assert_string_equal(ips(s, "default/s3"), "10.0.0.1");
	assert_string_equal(ips(s, "default/s4"), "10.0.0.2");
	assert_string_equal(eip_used(s, "a", "10.0.0.0"), "default/s1;default/s2");
	assert_int_equal(eip_int(s, "a", "usage"), 3);
	assert_int_equal(evcount(s, "IPAllocated", "default/s2", "shared under sharing key"), 1);
	/* A sharer leaving keeps the address for the other. */
	sim_delete_svc(s, "default", "s1");
	sim_drain(s);
	assert_string_equal(ips(s, "default/s2"), "10.0.0.0");
	assert_string_equal(eip_used(s, "a", "10.0.0.0"), "default/s2");
	assert_int_equal(sim_restart(s), 0);
	sim_free(s);
}

/* A refused change of sharing parameters: berth keeps the old ones, and
 * so does a restart (they are recorded in LB_ANN_SHARED). */
static void test_refused_sharing_change_survives_restart(void **state)
{
	struct sim *s = setup_a();

	svc(s, "s1", "  annotations: {lb.berth.io/sharing-key: k}\n", NULL);
	sim_yaml(s, "apiVersion: v1\nkind: Service\nmetadata:\n  name: s2\n  annotations: "
	            "{lb.berth.io/sharing-key: k}\nspec:\n  type: LoadBalancer\n"
	            "  loadBalancerClass: berth.io/lb\n  ports: [{port: 443}]\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/s2"), "10.0.0.0");
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_object_get(json_object_get(svc_obj(s, "default/s2"), "metadata"),
	                        "annotations"),
	        LB_ANN_SHARED)),
	    "Cluster:k");
	sim_yaml(s, "apiVersion: v1\nkind: Service\nmetadata:\n  name: s2\n  annotations: "
	            "{lb.berth.io/sharing-key: other}\nspec:\n  type: LoadBalancer\n"
	            "  loadBalancerClass: berth.io/lb\n  ports: [{port: 443}]\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/s2"), "10.0.0.0");
	assert_string_equal(cond_reason(s, "default/s2"), "AllocationFailed");
	assert_int_equal(evcount(s, "AllocationFailed", "default/s2", "held by default/s1"), 1);
	/* s3 may still join under k, the key in effect. */
	sim_yaml(s, "apiVersion: v1\nkind: Service\nmetadata:\n  name: s3\n  annotations: "
	            "{lb.berth.io/sharing-key: k}\nspec:\n  type: LoadBalancer\n"
	            "  loadBalancerClass: berth.io/lb\n  ports: [{port: 8080}]\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/s3"), "10.0.0.0");
	assert_int_equal(sim_restart(s), 0);
	assert_string_equal(ips(s, "default/s1"), "10.0.0.0");
	assert_string_equal(ips(s, "default/s2"), "10.0.0.0");
	assert_string_equal(ips(s, "default/s3"), "10.0.0.0");
	assert_int_equal(evcount(s, "AddressConflict", NULL, NULL), 0);
	sim_free(s);
}

static void test_restart_zero_writes(void **state)
{
	struct sim *s = setup_a();

	sim_yaml(s, EIP_V6 "---\n" EIP_DEF);
	for (int i = 0; i < 12; i++) {
		char name[16];

		snprintf(name, sizeof(name), "s%02d", i);
		svc(s, name, NULL, i % 3 ? NULL : "  ipFamilyPolicy: PreferDualStack\n");
	}
	sim_drain(s);
	sim_clear_events(s);
	assert_int_equal(sim_restart(s), 0);
	assert_int_equal(s->events, 0);
	/* The same without the conditions fed back. */
	s->conds = false;
	assert_int_equal(sim_restart(s), 0);
	s->conds = true;
	sim_free(s);
}

/* Restore comes before any allocation: a Service that already shows an
 * address keeps it even when a new one is seen first and the address is
 * the lowest free one. */
static void test_restore_before_allocate(void **state)
{
	struct sim *s = setup_a();

	svc(s, "old", NULL, NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "default/old"), "10.0.0.0");
	svc(s, "new", NULL, NULL);
	lb_ctrl_free(s->c);
	sim_start(s);
	feed_eip(s, json_object_get(s->eips, "a"));
	feed_svc(s, svc_obj(s, "default/new"));
	feed_svc(s, svc_obj(s, "default/old"));
	sim_sync(s);
	assert_string_equal(ips(s, "default/old"), "10.0.0.0");
	assert_string_equal(ips(s, "default/new"), "10.0.0.1");
	sim_free(s);
}

/* Two Services show the same address (e.g. written by hand): the one
 * berth wrote keeps it, the other gets another one. */
static void test_restore_conflict(void **state)
{
	struct sim *s = setup_a();
	json_t *st;

	svc(s, "aaa", NULL, NULL);
	svc(s, "zzz", NULL, NULL);
	sim_drain(s);
	st = json_pack("{s{s[{ss}]}}", "loadBalancer", "ingress", "ip", "10.0.0.1");
	json_object_set_new(svc_obj(s, "default/aaa"), "status", st);
	json_object_del(
	    json_object_get(json_object_get(svc_obj(s, "default/aaa"), "metadata"), "annotations"),
	    LB_ANN_POOL);
	sim_restart(s);
	assert_string_equal(ips(s, "default/zzz"), "10.0.0.1");
	assert_string_equal(ips(s, "default/aaa"), "10.0.0.0");
	assert_int_equal(evcount(s, "AddressConflict", "default/aaa", "held by default/zzz"), 1);
	sim_free(s);
}

static void test_coalesce(void **state)
{
	struct sim *s = setup_a();

	svc(s, "c", NULL, NULL);
	svc(s, "c", NULL, "  loadBalancerIP: 10.0.0.2\n");
	svc(s, "c", NULL, "  loadBalancerIP: 10.0.0.3\n");
	assert_int_equal(sim_drain(s), 2);
	assert_int_equal(s->svc_actions, 1);
	assert_int_equal(s->eip_actions, 1);
	assert_string_equal(ips(s, "default/c"), "10.0.0.3");
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic_allocation),
	    cmocka_unit_test(test_nothing_before_sync),
	    cmocka_unit_test(test_which_services),
	    cmocka_unit_test(test_custom_class),
	    cmocka_unit_test(test_specific_address),
	    cmocka_unit_test(test_explicit_move),
	    cmocka_unit_test(test_specific_pool),
	    cmocka_unit_test(test_dual_stack),
	    cmocka_unit_test(test_sharing),
	    cmocka_unit_test(test_refused_sharing_change_survives_restart),
	    cmocka_unit_test(test_restart_zero_writes),
	    cmocka_unit_test(test_restore_before_allocate),
	    cmocka_unit_test(test_restore_conflict),
	    cmocka_unit_test(test_coalesce),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
