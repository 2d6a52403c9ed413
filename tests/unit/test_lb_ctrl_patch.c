/*
 * The patches the daemon sends for Service actions (lb_action_meta_patch,
 * lb_action_status_patch), compared as exact JSON, and the engine's side
 * of writing without the object: which parts an action says to write,
 * when it keeps the condition's time, and lb_ctrl_service_unsent after a
 * 409.
 */
#include <arpa/inet.h>

#include "test_lb_ctrl_util.h"

static void addr(struct core_addr *a, const char *text)
{
	memset(a, 0, sizeof(*a));
	a->family = strchr(text, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(a->family, text, a->bytes), 1);
}

static struct lb_action set_action(void)
{
	struct lb_action a = {.type = LB_ACT_SERVICE_STATUS};

	a.u.svc.ns = "default";
	a.u.svc.name = "x";
	addr(&a.u.svc.ingress[0], "10.0.0.1");
	a.u.svc.n_ingress = 1;
	a.u.svc.pool = "a";
	a.u.svc.shared = "Cluster:k";
	a.u.svc.cond.ok = true;
	snprintf(a.u.svc.cond.reason, sizeof(a.u.svc.cond.reason), "Allocated");
	snprintf(a.u.svc.cond.message, sizeof(a.u.svc.cond.message), "10.0.0.1 (Eip a)");
	a.u.svc.write_meta = a.u.svc.write_status = true;
	return a;
}

static struct lb_action clear_action(void)
{
	struct lb_action a = {.type = LB_ACT_SERVICE_CLEAR};

	a.u.svc.ns = "default";
	a.u.svc.name = "x";
	addr(&a.u.svc.ingress[0], "10.0.0.1");
	a.u.svc.n_ingress = 1;
	a.u.svc.write_meta = a.u.svc.write_status = true;
	a.u.svc.clear_ingress = a.u.svc.clear_cond = true;
	return a;
}

/* got must be the JSON text want (NULL: no patch); consumes got. */
static void expect(json_t *got, const char *want)
{
	json_error_t e;
	json_t *w;
	char *g;

	if (!want) {
		if (got) {
			g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
			fail_msg("want no patch, got %s", g);
		}
		return;
	}
	if (!(w = json_loads(want, 0, &e)))
		fail_msg("bad expectation %s: %s", want, e.text);
	if (!got)
		fail_msg("want %s, got no patch", want);
	if (!json_equal(got, w)) {
		g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
		fail_msg("want %s\n got %s", want, g);
	}
	json_decref(w);
	json_decref(got);
}

static json_t *meta(const struct lb_action *a)
{
	json_t *p = NULL;

	assert_int_equal(lb_action_meta_patch(a, &p), 0);
	return p;
}

static json_t *status(const struct lb_action *a, const char *rv, bool keep_time)
{
	json_t *p = NULL;

	assert_int_equal(lb_action_status_patch(a, rv, keep_time, SIM_NOW, &p), 0);
	return p;
}

static void test_meta_patch(void **state)
{
	struct lb_action a = set_action();

	expect(meta(&a), "{\"metadata\": {\"annotations\": {\"lb.berth.io/pool\": \"a\","
	                 " \"lb.berth.io/shared\": \"Cluster:k\"}}}");
	/* No sharing key in effect: the record goes. */
	a.u.svc.shared = NULL;
	expect(meta(&a), "{\"metadata\": {\"annotations\": {\"lb.berth.io/pool\": \"a\","
	                 " \"lb.berth.io/shared\": null}}}");
	/* Nothing held (all orphaned or none yet): the marker stays, empty. */
	a.u.svc.pool = NULL;
	expect(meta(&a), "{\"metadata\": {\"annotations\": {\"lb.berth.io/pool\": \"\","
	                 " \"lb.berth.io/shared\": null}}}");
	a.u.svc.write_meta = false;
	expect(meta(&a), NULL);

	a = clear_action();
	expect(meta(&a), "{\"metadata\": {\"annotations\": {\"lb.berth.io/pool\": null,"
	                 " \"lb.berth.io/shared\": null}}}");
	a.u.svc.write_meta = false;
	expect(meta(&a), NULL);
}

static void test_set_status_patch(void **state)
{
	struct lb_action a = set_action();

	/* A new condition (or a changed status): the time is written and the
	 * patch depends on nothing, so no precondition even with an rv. */
	expect(status(&a, "42", false),
	       "{\"status\": {\"loadBalancer\": {\"ingress\": [{\"ip\": \"10.0.0.1\"}]},"
	       " \"conditions\": [{\"type\": \"berth.io/Allocated\", \"status\": \"True\","
	       " \"reason\": \"Allocated\", \"message\": \"10.0.0.1 (Eip a)\","
	       " \"lastTransitionTime\": \"" SIM_NOW "\"}]}}");
	/* Same status as seen: the time stays, under the precondition. */
	a.u.svc.generation = 7;
	expect(status(&a, "42", true),
	       "{\"metadata\": {\"resourceVersion\": \"42\"},"
	       " \"status\": {\"loadBalancer\": {\"ingress\": [{\"ip\": \"10.0.0.1\"}]},"
	       " \"conditions\": [{\"type\": \"berth.io/Allocated\", \"status\": \"True\","
	       " \"reason\": \"Allocated\", \"message\": \"10.0.0.1 (Eip a)\","
	       " \"observedGeneration\": 7}]}}");
	/* No resourceVersion to guard it: the time is written instead. */
	expect(status(&a, NULL, true),
	       "{\"status\": {\"loadBalancer\": {\"ingress\": [{\"ip\": \"10.0.0.1\"}]},"
	       " \"conditions\": [{\"type\": \"berth.io/Allocated\", \"status\": \"True\","
	       " \"reason\": \"Allocated\", \"message\": \"10.0.0.1 (Eip a)\","
	       " \"lastTransitionTime\": \"" SIM_NOW "\", \"observedGeneration\": 7}]}}");
	/* Dual-stack, IPv6 first as spec.ipFamilies asks. */
	a.u.svc.generation = 0;
	addr(&a.u.svc.ingress[0], "2001:db8::1");
	addr(&a.u.svc.ingress[1], "10.0.0.1");
	a.u.svc.n_ingress = 2;
	a.u.svc.cond.ok = false;
	snprintf(a.u.svc.cond.reason, sizeof(a.u.svc.cond.reason), "PoolMismatch");
	snprintf(a.u.svc.cond.message, sizeof(a.u.svc.cond.message), "m \"q\"");
	expect(status(&a, "9", false),
	       "{\"status\": {\"loadBalancer\": {\"ingress\": [{\"ip\": \"2001:db8::1\"},"
	       " {\"ip\": \"10.0.0.1\"}]},"
	       " \"conditions\": [{\"type\": \"berth.io/Allocated\", \"status\": \"False\","
	       " \"reason\": \"PoolMismatch\", \"message\": \"m \\\"q\\\"\","
	       " \"lastTransitionTime\": \"" SIM_NOW "\"}]}}");
	/* Nothing held: the ingress is removed (null), not left empty. */
	a.u.svc.n_ingress = 0;
	expect(status(&a, "9", false),
	       "{\"status\": {\"loadBalancer\": {\"ingress\": null},"
	       " \"conditions\": [{\"type\": \"berth.io/Allocated\", \"status\": \"False\","
	       " \"reason\": \"PoolMismatch\", \"message\": \"m \\\"q\\\"\","
	       " \"lastTransitionTime\": \"" SIM_NOW "\"}]}}");
	a.u.svc.write_status = false;
	expect(status(&a, "9", false), NULL);
}

static void test_clear_status_patch(void **state)
{
	struct lb_action a = clear_action();
	struct core_addr other;

	/* berth's address was all there was: the ingress goes, guarded, since
	 * "all there was" is what the engine saw. */
	expect(status(&a, "42", false),
	       "{\"metadata\": {\"resourceVersion\": \"42\"},"
	       " \"status\": {\"loadBalancer\": {\"ingress\": null},"
	       " \"conditions\": [{\"type\": \"berth.io/Allocated\", \"$patch\": \"delete\"}]}}");
	/* Another controller's address stays. */
	addr(&other, "192.0.2.7");
	a.u.svc.keep = &other;
	a.u.svc.n_keep = 1;
	expect(status(&a, "43", false),
	       "{\"metadata\": {\"resourceVersion\": \"43\"},"
	       " \"status\": {\"loadBalancer\": {\"ingress\": [{\"ip\": \"192.0.2.7\"}]},"
	       " \"conditions\": [{\"type\": \"berth.io/Allocated\", \"$patch\": \"delete\"}]}}");
	/* Only the condition: a delete by key depends on nothing. */
	a.u.svc.clear_ingress = false;
	expect(status(&a, "43", false),
	       "{\"status\": {\"conditions\": [{\"type\": \"berth.io/Allocated\","
	       " \"$patch\": \"delete\"}]}}");
	/* Only the ingress. */
	a.u.svc.clear_ingress = true;
	a.u.svc.clear_cond = false;
	expect(status(&a, "44", true),
	       "{\"metadata\": {\"resourceVersion\": \"44\"},"
	       " \"status\": {\"loadBalancer\": {\"ingress\": [{\"ip\": \"192.0.2.7\"}]}}}");
	/* Without an rv (the object is gone from the cache): no precondition. */
	expect(status(&a, NULL, false),
	       "{\"status\": {\"loadBalancer\": {\"ingress\": [{\"ip\": \"192.0.2.7\"}]}}}");
	a.u.svc.write_status = false;
	expect(status(&a, "44", false), NULL);
	a.u.svc.keep = NULL;
}

static json_t *eip_patch(const struct lb_action *a)
{
	json_t *p = NULL;

	assert_int_equal(lb_action_eip_patch(a, &p), 0);
	return p;
}

static void test_eip_patch(void **state)
{
	struct cfg_kv used[2] = {{"10.0.0.0", "default/a"}, {"10.0.0.1", "default/b;default/c"}};
	char *gone[1] = {"10.0.0.9"};
	size_t set[1] = {1};
	struct lb_action a = {.type = LB_ACT_EIP_STATUS};
	json_t *p = NULL;

	a.u.eip.name = "pool";
	a.u.eip.status.usage = 2;
	a.u.eip.status.pool_size = 4;
	a.u.eip.status.first_ip = "10.0.0.0";
	a.u.eip.status.last_ip = "10.0.0.3";
	a.u.eip.status.ready = a.u.eip.status.v4 = true;
	a.u.eip.status.used.items = used;
	a.u.eip.status.used.n = 2;
	a.u.eip.set = set;
	a.u.eip.n_set = 1;
	a.u.eip.gone = gone;
	a.u.eip.n_gone = 1;
	/* Only what changed of the map; every scalar, null for zero ones. */
	expect(eip_patch(&a),
	       "{\"status\": {\"occupied\": null, \"usage\": 2, \"poolSize\": 4,"
	       " \"firstIP\": \"10.0.0.0\", \"lastIP\": \"10.0.0.3\", \"ready\": true,"
	       " \"v4\": true, \"used\": {\"10.0.0.1\": \"default/b;default/c\","
	       " \"10.0.0.9\": null}}}");
	/* The map as seen already: left alone. */
	a.u.eip.n_set = a.u.eip.n_gone = 0;
	a.u.eip.status.occupied = true;
	expect(eip_patch(&a), "{\"status\": {\"occupied\": true, \"usage\": 2, \"poolSize\": 4,"
	                      " \"firstIP\": \"10.0.0.0\", \"lastIP\": \"10.0.0.3\","
	                      " \"ready\": true, \"v4\": true}}");
	/* Refused Eip: nothing but ready false, every field removed. */
	memset(&a.u.eip.status, 0, sizeof(a.u.eip.status));
	expect(eip_patch(&a), "{\"status\": {\"occupied\": null, \"usage\": null,"
	                      " \"poolSize\": null, \"firstIP\": null, \"lastIP\": null,"
	                      " \"ready\": null, \"v4\": null, \"used\": null}}");
	/* An index past the map is refused. */
	a.u.eip.status.used.items = used;
	a.u.eip.status.used.n = 1;
	a.u.eip.set = set;
	a.u.eip.n_set = 1;
	assert_int_equal(lb_action_eip_patch(&a, &p), -EINVAL);
	assert_null(p);
	a.type = LB_ACT_SERVICE_STATUS;
	assert_int_equal(lb_action_eip_patch(&a, &p), -EINVAL);
}

static void test_patch_bad_input(void **state)
{
	struct lb_action a = {.type = LB_ACT_EIP_STATUS};
	json_t *p = (json_t *)1;

	assert_int_equal(lb_action_meta_patch(&a, &p), -EINVAL);
	assert_null(p);
	p = (json_t *)1;
	assert_int_equal(lb_action_status_patch(&a, "1", false, SIM_NOW, &p), -EINVAL);
	assert_null(p);
	assert_int_equal(lb_action_meta_patch(NULL, &p), -EINVAL);
	a = set_action();
	assert_int_equal(lb_action_status_patch(&a, "1", false, NULL, &p), -EINVAL);
	assert_null(p);
}

static struct sim *setup(void)
{
	struct sim *s = sim_new();

	sim_yaml(s, "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\n"
	            "metadata: {name: a}\nspec: {address: 10.0.0.0/30, namespaces: [default]}\n");
	assert_int_equal(lb_ctrl_synced(s->c), 0);
	sim_drain(s);
	return s;
}

static void svc(struct sim *s, const char *name, const char *cls)
{
	char y[1024];

	snprintf(y, sizeof(y),
	         "apiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: default}\n"
	         "spec:\n  type: LoadBalancer\n  loadBalancerClass: %s\n"
	         "  ports: [{port: 80, protocol: TCP}]\n",
	         name, cls ? cls : LB_DEFAULT_CLASS);
	sim_yaml(s, y);
}

static json_t *svc_part(struct sim *s, const char *part, const char *sub)
{
	return json_object_get(json_object_get(svc_obj(s, "default/x"), part), sub);
}

/* Pulls the next Service action (events and Eip statuses skipped). */
static void next_svc_action(struct sim *s, struct lb_action *a)
{
	for (;;) {
		assert_int_equal(lb_ctrl_next_action(s->c, a), 0);
		if (a->type != LB_ACT_EVENT && a->type != LB_ACT_EIP_STATUS)
			return;
		lb_action_fini(a);
	}
}

/* The type of the next Service action, LB_ACT_NONE when there is none. */
static enum lb_action_type next_svc_type(struct sim *s)
{
	struct lb_action a;
	enum lb_action_type t;

	do {
		assert_int_equal(lb_ctrl_next_action(s->c, &a), 0);
		t = a.type;
		lb_action_fini(&a);
	} while (t == LB_ACT_EVENT || t == LB_ACT_EIP_STATUS);
	return t;
}

/* What an action says to write, against what the engine has seen. */
static void test_action_parts(void **state)
{
	struct sim *s = setup();

	svc(s, "x", NULL);
	sim_drain(s);
	assert_int_equal(s->last_type, LB_ACT_SERVICE_STATUS);
	assert_true(s->last.write_meta && s->last.write_status);
	assert_false(s->last.keep_time); /* a new condition */
	assert_int_equal(s->patches, 2);
	assert_string_equal(ips(s, "default/x"), "10.0.0.0");

	/* Someone removes berth's marker only: only it is written. */
	json_object_del(svc_part(s, "metadata", "annotations"), LB_ANN_POOL);
	feed_svc(s, svc_obj(s, "default/x"));
	sim_drain(s);
	assert_true(s->last.write_meta);
	assert_false(s->last.write_status);
	assert_int_equal(s->patches, 1);
	assert_string_equal(pool_ann(s, "default/x"), "a");

	/* The ingress only: the condition's status is unchanged, its time stays. */
	json_object_del(svc_part(s, "status", "loadBalancer"), "ingress");
	feed_svc(s, svc_obj(s, "default/x"));
	sim_drain(s);
	assert_false(s->last.write_meta);
	assert_true(s->last.write_status && s->last.keep_time);
	assert_int_equal(s->patches, 1);
	assert_string_equal(ips(s, "default/x"), "10.0.0.0");

	/* Leaving berth: a CLEAR of everything, the ingress guarded. */
	svc(s, "x", "other");
	sim_drain(s);
	assert_int_equal(s->last_type, LB_ACT_SERVICE_CLEAR);
	assert_true(s->last.write_meta && s->last.write_status);
	assert_true(s->last.clear_ingress && s->last.clear_cond);
	assert_int_equal(s->last.n_keep, 0);
	assert_string_equal(ips(s, "default/x"), "");
	assert_null(pool_ann(s, "default/x"));
	assert_string_equal(cond_reason(s, "default/x"), "");
	assert_int_equal(sim_restart(s), 0);
	sim_free(s);
}

/* CLEAR keeps what another controller wrote next to berth's address. */
static void test_clear_keeps_others(void **state)
{
	struct sim *s = setup();
	json_t *ing;

	svc(s, "x", NULL);
	sim_drain(s);
	ing = json_object_get(
	    json_object_get(json_object_get(svc_obj(s, "default/x"), "status"), "loadBalancer"),
	    "ingress");
	json_array_append_new(ing, json_pack("{ss}", "ip", "192.0.2.7"));
	json_array_insert_new(ing, 0, json_pack("{ss}", "ip", "192.0.2.8"));
	svc(s, "x", "other");
	sim_drain(s);
	assert_int_equal(s->clear_actions, 1);
	assert_string_equal(ips(s, "default/x"), "192.0.2.8,192.0.2.7");
	assert_null(pool_ann(s, "default/x"));
	assert_string_equal(cond_reason(s, "default/x"), "");
	sim_free(s);
}

/* A 409 on a write: the engine forgets what it sent and writes it again
 * once it has seen the newer object, or at once when asked to. */
static void test_unsent(void **state)
{
	struct sim *s = setup();
	struct lb_action a, b;

	svc(s, "x", NULL);
	next_svc_action(s, &a);
	assert_int_equal(a.type, LB_ACT_SERVICE_STATUS);
	/* Sent (not yet seen): a re-check produces nothing. */
	feed_svc(s, svc_obj(s, "default/x"));
	assert_int_equal(next_svc_type(s), LB_ACT_NONE);
	assert_int_equal(lb_ctrl_service_unsent(s->c, "default", "x", false), 0);
	assert_int_equal(next_svc_type(s), LB_ACT_NONE);
	/* The newer object arrives (an unrelated change): written again. */
	json_object_set_new(json_object_get(svc_obj(s, "default/x"), "metadata"), "labels",
	                    json_pack("{ss}", "l", "v"));
	feed_svc(s, svc_obj(s, "default/x"));
	next_svc_action(s, &b);
	assert_int_equal(b.type, LB_ACT_SERVICE_STATUS);
	assert_memory_equal(b.u.svc.ingress, a.u.svc.ingress, sizeof(a.u.svc.ingress));
	lb_action_fini(&b);
	/* recheck: at once. */
	assert_int_equal(lb_ctrl_service_unsent(s->c, "default", "x", true), 0);
	next_svc_action(s, &b);
	assert_int_equal(b.type, LB_ACT_SERVICE_STATUS);
	lb_action_fini(&b);
	/* Unknown Services and bad arguments. */
	assert_int_equal(lb_ctrl_service_unsent(s->c, "default", "nope", true), 0);
	assert_int_equal(lb_ctrl_service_unsent(s->c, "default", NULL, true), -EINVAL);
	lb_action_fini(&a);
	/* Once more, through the simulated API. */
	assert_int_equal(lb_ctrl_service_unsent(s->c, "default", "x", true), 0);
	sim_drain(s);
	assert_string_equal(ips(s, "default/x"), "10.0.0.0");
	sim_free(s);
}

/* The engine's diff of the used map against the one seen. */
static void test_eip_action_diff(void **state)
{
	struct sim *s = setup();
	struct lb_action a;
	json_t *used;

	svc(s, "x", NULL);
	svc(s, "y", NULL);
	sim_drain(s);
	assert_string_equal(eip_used(s, "a", "10.0.0.1"), "default/y");
	/* y goes, and someone left a stray entry: both removed, x kept. */
	used = json_object_get(eip_status(s, "a"), "used");
	json_object_set_new(used, "10.0.0.3", json_string("default/gone"));
	feed_eip(s, json_object_get(s->eips, "a"));
	sim_delete_svc(s, "default", "y");
	do {
		assert_int_equal(lb_ctrl_next_action(s->c, &a), 0);
		if (a.type != LB_ACT_EIP_STATUS)
			lb_action_fini(&a);
	} while (a.type != LB_ACT_EIP_STATUS && a.type != LB_ACT_NONE);
	assert_int_equal(a.type, LB_ACT_EIP_STATUS);
	assert_int_equal(a.u.eip.status.used.n, 1);
	assert_int_equal(a.u.eip.n_set, 0);
	assert_int_equal(a.u.eip.n_gone, 2);
	assert_string_equal(a.u.eip.gone[0], "10.0.0.1");
	assert_string_equal(a.u.eip.gone[1], "10.0.0.3");
	lb_action_fini(&a);
	/* Sent, not yet seen: the same status is not sent again. */
	feed_eip(s, json_object_get(s->eips, "a"));
	for (;;) {
		assert_int_equal(lb_ctrl_next_action(s->c, &a), 0);
		if (a.type != LB_ACT_EVENT)
			break;
		lb_action_fini(&a);
	}
	assert_int_equal(a.type, LB_ACT_NONE);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_meta_patch),
	    cmocka_unit_test(test_set_status_patch),
	    cmocka_unit_test(test_clear_status_patch),
	    cmocka_unit_test(test_patch_bad_input),
	    cmocka_unit_test(test_action_parts),
	    cmocka_unit_test(test_clear_keeps_others),
	    cmocka_unit_test(test_unsent),
	    cmocka_unit_test(test_eip_patch),
	    cmocka_unit_test(test_eip_action_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
