/*
 * Hostile inputs: the annotations berth parses (addresses, pool names,
 * sharing keys, its own records) and the JSON glue on malformed objects.
 * Nothing may crash, every refusal names the field, and the engine stays
 * consistent (sim_drain: feedback produces nothing).
 */
#include "test_lb_ctrl_util.h"

static struct sim *setup(void)
{
	struct sim *s = sim_new();

	sim_yaml(s, "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata: {name: a}\n"
	            "spec: {address: 10.0.0.0/29, namespaces: [default]}\n---\n"
	            "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata: {name: b}\n"
	            "spec: {address: \"fd00::/125\", namespaces: [default]}\n");
	sim_sync(s);
	return s;
}

/* A berth Service with one annotation set to value (any bytes but NUL). */
static void svc_ann(struct sim *s, const char *name, const char *key, const char *value,
                    const char *policy)
{
	json_t *o = json_pack("{ss ss s{ss ss s{ss}} s{ss ss s[{si}]}}", "apiVersion", "v1", "kind",
	                      "Service", "metadata", "name", name, "namespace", "default",
	                      "annotations", key, value, "spec", "type", "LoadBalancer",
	                      "loadBalancerClass", LB_DEFAULT_CLASS, "ports", "port", 80);

	assert_non_null(o);
	if (policy)
		json_object_set_new(json_object_get(o, "spec"), "ipFamilyPolicy",
		                    json_string(policy));
	sim_put(s, o);
	json_decref(o);
}

static void test_address_annotation(void **state)
{
	static const struct {
		const char *value, *ips, *why;
	} cases[] = {
	    {"10.0.0.3", "10.0.0.3,fd00::", NULL}, /* IPv6 automatic */
	    {" 10.0.0.4 , fd00::2 ", "10.0.0.4,fd00::2", NULL},
	    {"fd00::3,10.0.0.5", "10.0.0.5,fd00::3", NULL},
	    {"", "10.0.0.0,fd00::", NULL}, /* empty: automatic, as in OpenELB */
	    {"10.0.0.1,10.0.0.2", "", "two addresses of one family"},
	    {"10.0.0.1,fd00::1,10.0.0.2", "", "is not one IP address"},
	    {"::ffff:10.0.0.1", "", "is not one IP address"},
	    {"10.0.0.1/32", "", "is not one IP address"},
	    {"010.0.0.1", "", "is not one IP address"},
	    {",", "", "is not an IP address"},
	    {"10.0.0.1\n", "", "is not one IP address"},
	    {"1.2.3.4 5.6.7.8", "", "is not one IP address"},
	};
	char long_value[600];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim *s = setup();

		svc_ann(s, "x", LB_ANN_EIP_IP, cases[i].value, "PreferDualStack");
		sim_drain(s);
		if (strcmp(ips(s, "default/x"), cases[i].ips) != 0)
			fail_msg("\"%s\": got [%s], want [%s]", cases[i].value, ips(s, "default/x"),
			         cases[i].ips);
		if (cases[i].why) {
			assert_int_equal(evcount(s, "AllocationFailed", "default/x",
			                         "annotation " LB_ANN_EIP_IP),
			                 1);
			assert_int_equal(evcount(s, "AllocationFailed", "default/x", cases[i].why),
			                 1);
		}
		sim_free(s);
	}
	memset(long_value, '1', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	{
		struct sim *s = setup();

		svc_ann(s, "x", LB_ANN_EIP_IP, long_value, NULL);
		sim_drain(s);
		assert_int_equal(evcount(s, "AllocationFailed", "default/x", "too long"), 1);
		sim_free(s);
	}
}

static void test_long_names_and_keys(void **state)
{
	struct sim *s = setup();
	char big[2100];

	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	svc_ann(s, "key", LB_ANN_SHARING_KEY, big, NULL);
	big[300] = '\0';
	svc_ann(s, "pool", CFG_ANN_EIP, big, NULL);
	svc_ann(s, "weird", CFG_ANN_EIP, "a\xc3\xa9\"\\%s%n", NULL);
	sim_drain(s);
	assert_int_equal(evcount(s, "AllocationFailed", "default/key", "too long"), 1);
	assert_int_equal(evcount(s, "AllocationFailed", "default/pool", "too long"), 1);
	assert_int_equal(evcount(s, "AllocationFailed", "default/weird", "does not exist"), 1);
	/* A malformed request is not retried on every change. */
	sim_clear_events(s);
	svc_ann(s, "other", LB_ANN_SHARING_KEY, "k", NULL);
	sim_delete_svc(s, "default", "other");
	sim_drain(s);
	assert_int_equal(evcount(s, "AllocationFailed", NULL, NULL), 0);
	assert_int_equal(sim_restart(s), 0);
	sim_free(s);
}

/* berth's own annotations, tampered with: restores cope. */
static void test_tampered_records(void **state)
{
	static const char *const vals[] = {"",      ":",       "Local:",   ":k",
	                                   "Foo:k", "Cluster", "Local:k:x"};

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct sim *s = setup();
		json_t *ann;

		svc_ann(s, "x", LB_ANN_SHARING_KEY, "k", NULL);
		sim_drain(s);
		assert_string_equal(ips(s, "default/x"), "10.0.0.0");
		ann = json_object_get(json_object_get(svc_obj(s, "default/x"), "metadata"),
		                      "annotations");
		json_object_set_new(ann, LB_ANN_SHARED, json_string(vals[i]));
		json_object_set_new(ann, LB_ANN_POOL, json_string("no,such,,pool"));
		/* The next write puts the records right; the address stays. */
		sim_restart(s);
		assert_string_equal(ips(s, "default/x"), "10.0.0.0");
		assert_string_equal(pool_ann(s, "default/x"), "a");
		/* The write replaced the object. */
		ann = json_object_get(json_object_get(svc_obj(s, "default/x"), "metadata"),
		                      "annotations");
		assert_string_equal(json_string_value(json_object_get(ann, LB_ANN_SHARED)),
		                    "Cluster:k");
		assert_int_equal(sim_restart(s), 0);
		sim_free(s);
	}
}

static uint64_t rng = 42;

static uint32_t rnd(uint32_t n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng >> 33) % n;
}

/* A random JSON value, depth-limited. */
static json_t *rnd_json(int depth)
{
	static const char *const keys[] = {"status",     "conditions", "type",     "loadBalancer",
	                                   "ingress",    "ip",         "metadata", "annotations",
	                                   "generation", "reason",     "message",  LB_COND_TYPE,
	                                   LB_ANN_POOL,  "used"};
	json_t *o;

	switch (depth > 4 ? rnd(4) : rnd(7)) {
	case 0:
		return json_string(rnd(2) ? keys[rnd(14)] : "10.0.0.1");
	case 1:
		return json_integer(rnd(5));
	case 2:
		return rnd(2) ? json_true() : json_null();
	case 3:
		return json_real(0.5);
	case 4:
	case 5:
		o = json_object();
		for (uint32_t i = rnd(4); i > 0; i--)
			json_object_set_new(o, keys[rnd(14)], rnd_json(depth + 1));
		return o;
	default:
		o = json_array();
		for (uint32_t i = rnd(4); i > 0; i--)
			json_array_append_new(o, rnd_json(depth + 1));
		return o;
	}
}

static void test_json_glue_random(void **state)
{
	struct lb_action set = {.type = LB_ACT_SERVICE_STATUS},
	                 clr = {.type = LB_ACT_SERVICE_CLEAR};
	struct lb_action eip = {.type = LB_ACT_EIP_STATUS};
	struct cfg_kv used = {"10.0.0.1", "default/x"};

	set.u.svc.n_ingress = 1;
	set.u.svc.ingress[0].family = AF_INET;
	set.u.svc.ingress[0].bytes[0] = 10;
	set.u.svc.pool = "a";
	set.u.svc.shared = "Cluster:k";
	snprintf(set.u.svc.cond.reason, sizeof(set.u.svc.cond.reason), "Allocated");
	clr.u.svc = set.u.svc;
	clr.u.svc.pool = clr.u.svc.shared = NULL;
	eip.u.eip.status.used.items = &used;
	eip.u.eip.status.used.n = 1;
	eip.u.eip.status.usage = 1;
	for (int i = 0; i < 20000; i++) {
		json_t *o = rnd(8) ? json_object() : rnd_json(0);
		struct lb_cond c;
		int r;

		if (json_is_object(o))
			for (uint32_t k = rnd(4); k > 0; k--)
				json_object_set_new(o, rnd(2) ? "status" : "metadata", rnd_json(1));
		r = lb_cond_from_json(o, &c);
		assert_true(r >= -EINVAL && r <= 1);
		r = sim_apply_service(o, rnd(2) ? &set : &clr, SIM_NOW);
		assert_true(r == 0 || r == 1 || r == -EINVAL);
		if (r == 0 && json_is_object(o) && rnd(2)) {
			/* Applied once, the same action changes nothing more. */
			struct lb_action *a = &set;

			if (sim_apply_service(o, a, SIM_NOW) == 0)
				assert_int_equal(sim_apply_service(o, a, SIM_NOW), 1);
		}
		r = sim_apply_eip(o, &eip);
		assert_true(r == 0 || r == 1 || r == -EINVAL);
		json_decref(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_address_annotation),
	    cmocka_unit_test(test_long_names_and_keys),
	    cmocka_unit_test(test_tampered_records),
	    cmocka_unit_test(test_json_glue_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
