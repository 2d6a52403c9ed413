/*
 * lb_ctrl and the pools: Eip edits and deletes never renumber, orphans,
 * invalid Eips, namespaces and priority, exhaustion and retries, releases,
 * the Eip status, and the JSON glue.
 */
#include "test_lb_ctrl_util.h"

static void eip(struct sim *s, const char *name, const char *spec, const char *ann)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
	         "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata:\n  name: %s\n"
	         "%s%s\nspec: %s\n",
	         name, ann ? "  annotations: " : "", ann ? ann : "", spec);
	sim_yaml(s, buf);
}

static void svc_ns(struct sim *s, const char *ns, const char *name, const char *extra)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
	         "apiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: %s}\n"
	         "spec:\n  type: LoadBalancer\n  loadBalancerClass: berth.io/lb\n"
	         "  ports: [{port: 80}]\n%s",
	         name, ns, extra ? extra : "");
	sim_yaml(s, buf);
}

static void test_pool_edit_delete_orphans(void **state)
{
	struct sim *s = sim_new();

	eip(s, "a", "{address: 10.0.0.0/29, namespaces: [default]}", NULL);
	sim_sync(s);
	for (int i = 0; i < 6; i++) {
		char n[8];

		snprintf(n, sizeof(n), "s%d", i);
		svc_ns(s, "default", n, NULL);
	}
	sim_drain(s);
	assert_string_equal(ips(s, "default/s5"), "10.0.0.5");
	/* Shrink the Eip under s4 and s5: they keep their addresses, now
	 * outside every Eip; nobody else gets them. OpenELB forbids
	 * changing spec.address; berth accepts it and renumbers nothing. */
	eip(s, "a", "{address: 10.0.0.0-10.0.0.3, namespaces: [default]}", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "default/s4"), "10.0.0.4");
	assert_string_equal(ips(s, "default/s5"), "10.0.0.5");
	assert_string_equal(cond_reason(s, "default/s4"), "AddressOrphaned");
	assert_string_equal(cond_reason(s, "default/s3"), "Allocated");
	assert_int_equal(evcount(s, "AddressOrphaned", NULL, NULL), 2);
	assert_int_equal(eip_int(s, "a", "usage"), 4);
	assert_int_equal(eip_int(s, "a", "poolSize"), 4);
	assert_true(json_is_true(json_object_get(eip_status(s, "a"), "occupied")));
	/* A specific request for an orphaned address fails ... */
	svc_ns(s, "default", "want4", "  loadBalancerIP: 10.0.0.4\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/want4"), "");
	/* ... also once an Eip covers it again; the holder is back in a pool. */
	eip(s, "b", "{address: 10.0.0.4/30, namespaces: [default]}", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "default/want4"), "");
	assert_int_equal(evcount(s, "AllocationFailed", "default/want4", "held by default/s4"), 1);
	assert_string_equal(cond_reason(s, "default/s4"), "Allocated");
	assert_string_equal(pool_ann(s, "default/s4"), "b");
	assert_string_equal(eip_used(s, "b", "10.0.0.5"), "default/s5");
	/* Delete both Eips: everything stays, every holder reported once. */
	sim_clear_events(s);
	sim_delete_eip(s, "a");
	sim_delete_eip(s, "b");
	sim_drain(s);
	assert_string_equal(ips(s, "default/s0"), "10.0.0.0");
	assert_int_equal(evcount(s, "AddressOrphaned", NULL, NULL), 6);
	assert_int_equal(sim_restart(s), 0);
	assert_string_equal(ips(s, "default/s0"), "10.0.0.0");
	assert_string_equal(cond_reason(s, "default/s0"), "AddressOrphaned");
	/* Marked as berth's even with no Eip to name. */
	assert_string_equal(pool_ann(s, "default/s0"), "a");
	sim_free(s);
}

/* spec.bgp.peers naming no BgpPeer: one Warning per distinct set of unknown
 * names, none before the sync (the BgpPeers may be listed after the Eip),
 * none once all exist; the pool itself is unaffected. */
static void test_unknown_peers(void **state)
{
	struct sim *s = sim_new();

	assert_int_equal(lb_ctrl_peer_upsert(s->c, "tor1"), 0);
	eip(s, "a", "{address: 10.0.0.0/24, namespaces: [default], bgp: {peers: [tor1, tor3]}}",
	    NULL);
	assert_int_equal(evcount(s, "UnknownPeer", NULL, NULL), 0);
	sim_sync(s);
	assert_int_equal(evcount(s, "UnknownPeer", "a", "spec.bgp.peers[1]: no BgpPeer \"tor3\""),
	                 1);
	assert_int_equal(evcount(s, "UnknownPeer", "a", "tor1"), 0);
	assert_true(json_is_true(json_object_get(eip_status(s, "a"), "ready")));
	/* The same Eip again, or another BgpPeer: nothing new to say. */
	eip(s, "a", "{address: 10.0.0.0/24, namespaces: [default], bgp: {peers: [tor1, tor3]}}",
	    NULL);
	assert_int_equal(lb_ctrl_peer_upsert(s->c, "tor2"), 0);
	sim_drain(s);
	assert_int_equal(evcount(s, "UnknownPeer", NULL, NULL), 1);
	/* tor3 appears: resolved, quietly; it goes: told again. */
	assert_int_equal(lb_ctrl_peer_upsert(s->c, "tor3"), 0);
	sim_drain(s);
	assert_int_equal(evcount(s, "UnknownPeer", NULL, NULL), 1);
	assert_int_equal(lb_ctrl_peer_delete(s->c, "tor3"), 0);
	sim_drain(s);
	assert_int_equal(evcount(s, "UnknownPeer", "a", "tor3"), 2);
	/* Both unknown, in one message. */
	assert_int_equal(lb_ctrl_peer_delete(s->c, "tor1"), 0);
	sim_drain(s);
	assert_int_equal(evcount(s, "UnknownPeer", "a",
	                         "peers[0]: no BgpPeer \"tor1\"; "
	                         "spec.bgp.peers[1]: no BgpPeer \"tor3\""),
	                 1);
	/* An Eip without spec.bgp.peers is never told. */
	eip(s, "b", "{address: 10.0.1.0/24}", NULL);
	sim_drain(s);
	assert_int_equal(evcount(s, "UnknownPeer", "b", NULL), 0);
	sim_free(s);
}

static void test_invalid_eips(void **state)
{
	struct sim *s = sim_new();

	eip(s, "a", "{address: 10.0.0.0/24, namespaces: [default]}", NULL);
	eip(s, "b", "{address: 10.0.0.128-10.0.1.5}", NULL);
	sim_sync(s);
	assert_int_equal(evcount(s, "InvalidPool", "b", "spec.address"), 1);
	assert_int_equal(evcount(s, "InvalidPool", "b", "a"), 1);
	assert_false(json_is_true(json_object_get(eip_status(s, "b"), "ready")));
	assert_int_equal(eip_int(s, "b", "poolSize"), 0);
	assert_string_equal(eip_str(s, "b", "firstIP"), "");
	assert_true(json_is_true(json_object_get(eip_status(s, "a"), "ready")));
	/* a still works. */
	svc_ns(s, "default", "x", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "default/x"), "10.0.0.0");
	/* Two defaults: the second is refused, naming the annotation. */
	eip(s, "d1", "{address: 192.0.2.0/28}",
	    "{eip.openelb.kubesphere.io/is-default-eip: \"true\"}");
	eip(s, "d2", "{address: 192.0.2.16/28}",
	    "{eip.openelb.kubesphere.io/is-default-eip: \"true\"}");
	sim_drain(s);
	assert_int_equal(evcount(s, "InvalidPool", "d2", "is-default-eip"), 1);
	/* An edit that is refused leaves the previous version in force. */
	eip(s, "c", "{address: 10.0.1.0/28}", NULL);
	eip(s, "a", "{address: 10.0.0.0/23, namespaces: [default]}", NULL);
	sim_drain(s);
	assert_int_equal(evcount(s, "InvalidPool", "a", "previous version stays"), 1);
	assert_string_equal(eip_str(s, "a", "lastIP"), "10.0.0.255");
	/* The Eips in the way go: the refused ones are accepted. */
	sim_delete_eip(s, "b");
	sim_drain(s);
	assert_int_equal(evcount(s, "InvalidPool", "a", NULL), 1);
	sim_delete_eip(s, "c");
	sim_drain(s);
	assert_int_equal(evcount(s, "PoolAccepted", "a", NULL), 1);
	assert_string_equal(eip_str(s, "a", "lastIP"), "10.0.1.255");
	assert_string_equal(ips(s, "default/x"), "10.0.0.0");
	sim_delete_eip(s, "d1");
	sim_drain(s);
	assert_int_equal(evcount(s, "PoolAccepted", "d2", NULL), 1);
	assert_int_equal(sim_restart(s), 0);
	sim_free(s);
}

/* After a restart the Eip that was ready keeps winning an overlap, even
 * if its name sorts later. */
static void test_overlap_winner_survives_restart(void **state)
{
	struct sim *s = sim_new();

	eip(s, "zz", "{address: 10.0.0.0/30, namespaces: [default]}", NULL);
	sim_sync(s);
	eip(s, "aa", "{address: 10.0.0.2/31, namespaces: [default]}", NULL);
	svc_ns(s, "default", "x", NULL);
	sim_drain(s);
	assert_string_equal(pool_ann(s, "default/x"), "zz");
	assert_int_equal(sim_restart(s), 0);
	assert_int_equal(evcount(s, "InvalidPool", "aa", NULL), 2);
	sim_free(s);
}

static void test_namespaces_priority(void **state)
{
	struct sim *s = sim_new();

	eip(s, "def", "{address: 10.9.0.0/28}",
	    "{eip.openelb.kubesphere.io/is-default-eip: \"true\"}");
	eip(s, "hi", "{address: 10.1.0.0/30, namespaces: [team], priority: 1}", NULL);
	eip(s, "lo", "{address: 10.2.0.0/30, namespaces: [team], priority: 5}", NULL);
	eip(s, "sel", "{address: 10.3.0.0/30, namespaceSelector: {tier: gold}}", NULL);
	sim_yaml(s,
	         "apiVersion: v1\nkind: Namespace\nmetadata: {name: rich, labels: {tier: gold}}\n");
	sim_sync(s);
	svc_ns(s, "team", "t1", NULL);
	svc_ns(s, "rich", "r1", NULL);
	svc_ns(s, "poor", "p1", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "team/t1"), "10.1.0.0"); /* lower priority first */
	assert_string_equal(ips(s, "rich/r1"), "10.3.0.0"); /* by label */
	assert_string_equal(ips(s, "poor/p1"), "10.9.0.0"); /* the default */
	/* Labels change: a pending Service may now fit; held ones stay. */
	eip(s, "sel", "{address: 10.3.0.0/30, namespaceSelector: {tier: gold}}", "{unrelated: x}");
	sim_yaml(s,
	         "apiVersion: v1\nkind: Namespace\nmetadata: {name: poor, labels: {tier: gold}}\n");
	sim_drain(s);
	assert_string_equal(ips(s, "poor/p1"), "10.9.0.0");
	svc_ns(s, "poor", "p2", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "poor/p2"), "10.3.0.1");
	/* A disabled Eip gives nothing new; the bound one next in line does. */
	eip(s, "hi", "{address: 10.1.0.0/30, namespaces: [team], priority: 1, disable: true}",
	    NULL);
	svc_ns(s, "team", "t2", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "team/t2"), "10.2.0.0");
	assert_string_equal(ips(s, "team/t1"), "10.1.0.0");
	assert_false(json_is_true(json_object_get(eip_status(s, "hi"), "ready")));
	assert_int_equal(sim_restart(s), 0);
	sim_free(s);
}

static void test_exhausted_then_freed(void **state)
{
	struct sim *s = sim_new();

	eip(s, "one", "{address: 10.0.0.7, namespaces: [default]}", NULL);
	sim_sync(s);
	svc_ns(s, "default", "first", NULL);
	svc_ns(s, "default", "second", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "default/first"), "10.0.0.7");
	assert_string_equal(ips(s, "default/second"), "");
	assert_int_equal(evcount(s, "AllocationFailed", "default/second", "no free IPv4 address"),
	                 1);
	assert_string_equal(cond_reason(s, "default/second"), "AllocationFailed");
	assert_string_equal(pool_ann(s, "default/second"), "");
	/* The holder is deleted: the waiting Service gets the address. */
	sim_delete_svc(s, "default", "first");
	sim_drain(s);
	assert_string_equal(ips(s, "default/second"), "10.0.0.7");
	assert_string_equal(cond_reason(s, "default/second"), "Allocated");
	assert_string_equal(eip_used(s, "one", "10.0.0.7"), "default/second");
	/* No pool at all for a namespace. */
	svc_ns(s, "elsewhere", "lost", NULL);
	sim_drain(s);
	assert_int_equal(evcount(s, "AllocationFailed", "elsewhere/lost", "no enabled pool"), 1);
	sim_free(s);
}

static void test_release_and_clear(void **state)
{
	struct sim *s = sim_new();
	json_t *ing;

	eip(s, "a", "{address: 10.0.0.0/30, namespaces: [default]}", NULL);
	sim_sync(s);
	svc_ns(s, "default", "x", NULL);
	svc_ns(s, "default", "y", NULL);
	sim_drain(s);
	/* Another controller added an address of its own to x's ingress. */
	ing = json_object_get(
	    json_object_get(json_object_get(svc_obj(s, "default/x"), "status"), "loadBalancer"),
	    "ingress");
	json_array_append_new(ing, json_pack("{ss}", "ip", "203.0.113.9"));
	sim_yaml(s, "apiVersion: v1\nkind: Service\nmetadata: {name: x, namespace: default}\n"
	            "spec: {type: ClusterIP, ports: [{port: 80}]}\n");
	sim_drain(s);
	assert_int_equal(s->clear_actions, 1);
	assert_string_equal(ips(s, "default/x"), "203.0.113.9");
	assert_null(pool_ann(s, "default/x"));
	assert_string_equal(cond_reason(s, "default/x"), "");
	assert_int_equal(
	    evcount(s, "IPReleased", "default/x", "10.0.0.0: the Service is no longer"), 1);
	assert_int_equal(eip_int(s, "a", "usage"), 1);
	/* Deleted: released, no write to the gone object. */
	sim_delete_svc(s, "default", "y");
	assert_int_equal(sim_drain(s), 1);
	assert_int_equal(s->eip_actions, 1);
	assert_int_equal(eip_int(s, "a", "usage"), 0);
	/* Back to LoadBalancer: a fresh allocation, the lowest free. */
	svc_ns(s, "default", "x", NULL);
	sim_drain(s);
	assert_string_equal(ips(s, "default/x"), "10.0.0.0");
	sim_free(s);
}

/* Type changed while berth was down: the restart clears what berth wrote. */
static void test_clear_after_restart(void **state)
{
	struct sim *s = sim_new();

	eip(s, "a", "{address: 10.0.0.0/30, namespaces: [default]}", NULL);
	sim_sync(s);
	svc_ns(s, "default", "x", NULL);
	sim_drain(s);
	lb_ctrl_free(s->c);
	sim_start(s);
	sim_yaml(s, "apiVersion: v1\nkind: Service\nmetadata: {name: x, namespace: default}\n"
	            "spec: {type: NodePort, ports: [{port: 80}]}\n");
	assert_int_equal(sim_restart(s), 2); /* the clear, and usage back to 0 */
	assert_int_equal(s->clear_actions, 1);
	assert_string_equal(ips(s, "default/x"), "");
	assert_null(pool_ann(s, "default/x"));
	sim_free(s);
}

static void test_ipv6_big_pool(void **state)
{
	struct sim *s = sim_new();

	eip(s, "big", "{address: \"2001:db8::/64\", namespaces: [default]}", NULL);
	eip(s, "huge", "{address: \"2001:db9::/32\"}", NULL);
	sim_sync(s);
	svc_ns(s, "default", "v6", "  ipFamilies: [IPv6]\n");
	sim_drain(s);
	assert_string_equal(ips(s, "default/v6"), "2001:db8::");
	assert_int_equal(eip_int(s, "big", "poolSize"), INT64_MAX);
	assert_string_equal(eip_str(s, "big", "lastIP"), "2001:db8::ffff:ffff:ffff:ffff");
	assert_false(json_is_true(json_object_get(eip_status(s, "big"), "v4")));
	assert_int_equal(sim_restart(s), 0);
	sim_free(s);
}

static void test_json_glue(void **state)
{
	json_t *o =
	    json_pack("{s{ss si}s{s[{ss ss ss ss ss}]}}", "metadata", "name", "x", "generation", 3,
	              "status", "conditions", "type", LB_COND_TYPE, "status", "True", "reason",
	              "Allocated", "message", "old", "lastTransitionTime", "2020-01-01T00:00:00Z");
	struct lb_action a = {.type = LB_ACT_SERVICE_STATUS};
	struct lb_cond c;
	json_t *cond;

	a.u.svc.pool = "p";
	a.u.svc.cond.ok = true;
	snprintf(a.u.svc.cond.reason, sizeof(a.u.svc.cond.reason), "Allocated");
	snprintf(a.u.svc.cond.message, sizeof(a.u.svc.cond.message), "new");
	a.u.svc.n_ingress = 1;
	a.u.svc.ingress[0].family = AF_INET;
	memcpy(a.u.svc.ingress[0].bytes, "\x0a\x00\x00\x01", 4);
	assert_int_equal(sim_apply_service(o, &a, SIM_NOW), 0);
	cond = json_array_get(json_object_get(json_object_get(o, "status"), "conditions"), 0);
	/* Status unchanged: the transition time stays. */
	assert_string_equal(json_string_value(json_object_get(cond, "lastTransitionTime")),
	                    "2020-01-01T00:00:00Z");
	assert_int_equal(json_integer_value(json_object_get(cond, "observedGeneration")), 3);
	assert_int_equal(sim_apply_service(o, &a, SIM_NOW), 1);
	a.u.svc.cond.ok = false;
	assert_int_equal(sim_apply_service(o, &a, SIM_NOW), 0);
	assert_string_equal(json_string_value(json_object_get(cond, "lastTransitionTime")),
	                    SIM_NOW);
	assert_int_equal(lb_cond_from_json(o, &c), 1);
	assert_false(c.ok);
	assert_string_equal(c.message, "new");
	/* Hostile shapes are refused, not crashed on. */
	a.type = LB_ACT_EVENT;
	assert_int_equal(sim_apply_service(o, &a, SIM_NOW), -EINVAL);
	a.type = LB_ACT_SERVICE_STATUS;
	json_object_set_new(o, "status", json_string("x"));
	assert_int_equal(sim_apply_service(o, &a, SIM_NOW), -EINVAL);
	json_object_set_new(o, "status", json_pack("{s[{si}]}", "conditions", "type", 1));
	assert_int_equal(lb_cond_from_json(o, &c), 0);
	json_object_set_new(o, "status",
	                    json_pack("{s[{ss}]}", "conditions", "type", LB_COND_TYPE));
	assert_int_equal(lb_cond_from_json(o, &c), -EINVAL);
	json_decref(o);
}

static void test_bad_inputs(void **state)
{
	struct lb_ctrl *c = lb_ctrl_new(NULL);
	struct cfg_service svc;
	struct cfg_eip e;
	struct lb_action a;

	assert_non_null(c);
	memset(&svc, 0, sizeof(svc));
	memset(&e, 0, sizeof(e));
	assert_int_equal(lb_ctrl_service_upsert(c, &svc), -EINVAL);
	assert_int_equal(lb_ctrl_eip_upsert(c, &e), -EINVAL);
	assert_int_equal(lb_ctrl_service_delete(c, "default", "nothing"), 0);
	assert_int_equal(lb_ctrl_eip_delete(c, "nothing"), 0);
	assert_int_equal(lb_ctrl_namespace_upsert(c, "", NULL), -EINVAL);
	assert_int_equal(lb_ctrl_synced(c), 0);
	assert_int_equal(lb_ctrl_resync(c), 0);
	assert_int_equal(lb_ctrl_next_action(c, &a), 0);
	assert_int_equal(a.type, LB_ACT_NONE);
	lb_ctrl_free(c);
}

/* resync forgets what was sent: a status overwritten behind berth's back
 * (and never fed back) is written again. */
static void test_resync(void **state)
{
	struct sim *s = sim_new();

	eip(s, "a", "{address: 10.0.0.0/30, namespaces: [default]}", NULL);
	sim_sync(s);
	svc_ns(s, "default", "x", NULL);
	sim_drain(s);
	assert_int_equal(lb_ctrl_resync(s->c), 0);
	assert_int_equal(sim_drain(s), 0);
	/* Someone rewrites the status and berth hears of it. */
	json_object_set_new(svc_obj(s, "default/x"), "status",
	                    json_pack("{s{s[{ss}]}}", "loadBalancer", "ingress", "ip", "10.0.0.3"));
	feed_svc(s, svc_obj(s, "default/x"));
	assert_int_equal(sim_drain(s), 1);
	assert_string_equal(ips(s, "default/x"), "10.0.0.0");
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pool_edit_delete_orphans),
	    cmocka_unit_test(test_invalid_eips),
	    cmocka_unit_test(test_unknown_peers),
	    cmocka_unit_test(test_overlap_winner_survives_restart),
	    cmocka_unit_test(test_namespaces_priority),
	    cmocka_unit_test(test_exhausted_then_freed),
	    cmocka_unit_test(test_release_and_clear),
	    cmocka_unit_test(test_clear_after_restart),
	    cmocka_unit_test(test_ipv6_big_pool),
	    cmocka_unit_test(test_json_glue),
	    cmocka_unit_test(test_bad_inputs),
	    cmocka_unit_test(test_resync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
