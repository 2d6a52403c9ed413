/*
 * Property test: a long random sequence (fixed seed) of Service creates,
 * updates and deletes, Eip edits and deletes, namespace label changes and
 * controller restarts against the simulated cluster. After every step:
 *  - no address is in two Services' status unless they may share it (same
 *    sharing key and externalTrafficPolicy, no port in common);
 *  - no Service lost or changed an address, unless this step changed that
 *    Service's loadBalancerIP, families or whether it is berth's;
 *  - every Eip status lists exactly the Services holding its addresses;
 *  - feeding back what was written produces nothing (sim_drain);
 *  - a restart writes nothing.
 * The same run twice gives the same cluster and the same Events.
 */
#include <arpa/inet.h>

#include "test_lb_ctrl_util.h"

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ull) >> 33) % n;
}

static const char *pick(const char *const *v, size_t n)
{
	return v[rnd((uint32_t)n)];
}

#define PICK(v) pick(v, sizeof(v) / sizeof(v[0]))

static const char *const nss[] = {"default", "team", "rich"};

/* Eip variants: each Eip stays in its own region, except ov, which
 * overlaps every variant of e0 and has one variant (so no accepted Eip
 * ever has an edit refused, which a restart could not honour: the last
 * good version is not persisted). Only e2 (IPv4) and e3 (IPv6) can be
 * the default. */
static const char *const eip_e0[] = {
    "{address: 10.0.0.0/29, namespaces: [default]}",
    "{address: 10.0.0.0-10.0.0.3, namespaces: [default]}",
    "{address: 10.0.0.2-10.0.0.9, namespaces: [default, team], priority: 2}",
    "{address: 10.0.0.0/29, namespaces: [default], disable: true}",
};
static const char *const eip_ov[] = {"{address: 10.0.0.2-10.0.0.3, namespaces: [team]}"};
static const char *const eip_e1[] = {
    "{address: 10.1.0.0/30, namespaces: [team], priority: 1}",
    "{address: 10.1.0.0/29, namespaceSelector: {tier: gold}}",
    "{address: 10.1.0.4/30, namespaces: [team]}",
};
static const char *const eip_e2[] = {
    "{address: 10.2.0.0/30}",
    "{address: 10.2.0.0-10.2.0.5}",
    "{address: 10.2.0.0/30, disable: true}",
    "{address: 10.2.0.0/31, namespaces: [rich]}",
};
static const char *const eip_e3[] = {
    "{address: \"fd00::/126\", namespaces: [default, team]}",
    "{address: \"fd00::/125\"}",
    "{address: \"fd00::4-fd00::7\", namespaces: [rich]}",
};
static const char *const eip_e4[] = {"{address: \"fd01::/127\", namespaces: [rich, default]}"};

static void put_eip(struct sim *s)
{
	static const char *const def = "{eip.openelb.kubesphere.io/is-default-eip: \"true\"}";
	const char *name, *spec, *ann = NULL;
	char buf[1024];

	switch (rnd(6)) {
	case 0:
		name = "e0", spec = PICK(eip_e0);
		break;
	case 1:
		name = "ov", spec = PICK(eip_ov);
		break;
	case 2:
		name = "e1", spec = PICK(eip_e1);
		break;
	case 3:
		name = "e2", spec = PICK(eip_e2), ann = rnd(3) ? def : NULL;
		break;
	case 4:
		name = "e3", spec = PICK(eip_e3), ann = rnd(2) ? def : NULL;
		break;
	default:
		name = "e4", spec = PICK(eip_e4);
		break;
	}
	snprintf(buf, sizeof(buf),
	         "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata:\n  name: %s\n"
	         "%s%s\nspec: %s\n",
	         name, ann ? "  annotations: " : "", ann ? ann : "", spec);
	sim_yaml(s, buf);
}

static void put_svc(struct sim *s, const char *ns, const char *name)
{
	static const char *const classes[] = {
	    "  loadBalancerClass: berth.io/lb\n",
	    "  loadBalancerClass: berth.io/lb\n",
	    "  loadBalancerClass: berth.io/lb\n",
	    "  loadBalancerClass: berth.io/lb\n",
	    "  loadBalancerClass: berth.io/lb\n",
	    "  loadBalancerClass: other.io/lb\n",
	    "",
	    "",
	};
	static const char *const fams[] = {
	    "",
	    "",
	    "  ipFamilies: [IPv4]\n",
	    "  ipFamilies: [IPv6]\n",
	    "  ipFamilyPolicy: PreferDualStack\n  ipFamilies: [IPv4, IPv6]\n",
	    "  ipFamilyPolicy: PreferDualStack\n  ipFamilies: [IPv6, IPv4]\n",
	    "  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv4, IPv6]\n",
	};
	static const char *const lbips[] = {"10.0.0.1", "10.0.0.5", "10.1.0.2",
	                                    "10.2.0.1", "10.9.9.9", "fd00::2"};
	static const char *const pools[] = {"e0", "e1", "e2", "e3", "nope"};
	static const char *const keys[] = {"lb.berth.io/sharing-key", "metallb.io/allow-shared-ip",
	                                   "metallb.universe.tf/allow-shared-ip"};
	static const char *const ports[] = {"{port: 80}", "{port: 443}",
	                                    "{port: 53, protocol: UDP}", "{port: 8080}"};
	char buf[2048], ann[512] = "", spec[1024];
	const char *cls = PICK(classes);

	if (!*cls && rnd(2))
		strcat(ann, "    lb.kubesphere.io/v1alpha1: openelb\n");
	if (rnd(10) == 0)
		snprintf(ann + strlen(ann), sizeof(ann) - strlen(ann),
		         "    eip.openelb.kubesphere.io/v1alpha2: %s\n", PICK(pools));
	if (rnd(4) == 0)
		snprintf(ann + strlen(ann), sizeof(ann) - strlen(ann), "    %s: k%u\n", PICK(keys),
		         rnd(2));
	snprintf(
	    spec, sizeof(spec), "  type: %s\n%s%s  externalTrafficPolicy: %s\n  ports: [%s%s]\n",
	    rnd(12) ? "LoadBalancer" : "ClusterIP", cls, PICK(fams), rnd(5) ? "Cluster" : "Local",
	    PICK(ports), rnd(2) ? ", {port: 9000, protocol: UDP}" : "");
	if (rnd(10) == 0)
		snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec),
		         "  loadBalancerIP: \"%s\"\n", PICK(lbips));
	snprintf(buf, sizeof(buf),
	         "apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: %s\n%s%s"
	         "spec:\n%s",
	         name, ns, *ann ? "  annotations:\n" : "", ann, spec);
	sim_yaml(s, buf);
}

/* ---- Invariants ---- */

static const char *jstr(const json_t *o, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(o, a), b));
}

static const char *share_key(const json_t *svc)
{
	static const char *const keys[] = {"lb.berth.io/sharing-key", "metallb.io/allow-shared-ip",
	                                   "metallb.universe.tf/allow-shared-ip"};
	const json_t *ann = json_object_get(json_object_get(svc, "metadata"), "annotations");

	for (size_t i = 0; i < 3; i++) {
		const char *k = json_string_value(json_object_get(ann, keys[i]));

		if (k && *k)
			return k;
	}
	return NULL;
}

static bool ports_disjoint(const json_t *a, const json_t *b)
{
	const json_t *pa = json_object_get(json_object_get(a, "spec"), "ports");
	const json_t *pb = json_object_get(json_object_get(b, "spec"), "ports");
	size_t i, j;
	json_t *x, *y;

	json_array_foreach(pa, i, x) json_array_foreach(pb, j, y)
	{
		const char *px = json_string_value(json_object_get(x, "protocol"));
		const char *py = json_string_value(json_object_get(y, "protocol"));

		if (json_integer_value(json_object_get(x, "port")) ==
		        json_integer_value(json_object_get(y, "port")) &&
		    strcmp(px ? px : "TCP", py ? py : "TCP") == 0)
			return false;
	}
	return true;
}

static const char *etp(const json_t *svc)
{
	const char *e = jstr(svc, "spec", "externalTrafficPolicy");

	return e ? e : "Cluster";
}

/* Every address in at most one status, unless sharing allows it. */
static void check_unique(struct sim *s)
{
	const char *k1, *k2;
	json_t *a, *b;

	json_object_foreach(s->svcs, k1, a)
	{
		json_object_foreach(s->svcs, k2, b)
		{
			const char *ia = ips(s, k1), *ib;
			char la[128], *save = NULL;

			if (strcmp(k1, k2) >= 0 || !*ia)
				continue;
			snprintf(la, sizeof(la), "%s", ia);
			ib = ips(s, k2);
			for (char *t = strtok_r(la, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				char lb[128], *save2 = NULL;

				snprintf(lb, sizeof(lb), "%s", ib);
				for (char *u = strtok_r(lb, ",", &save2); u;
				     u = strtok_r(NULL, ",", &save2)) {
					const char *sa = share_key(a), *sb = share_key(b);

					if (strcmp(t, u) != 0)
						continue;
					/* A refused request change (new key, ports, policy) is
					 * not in effect: the old sharing parameters are. */
					if (!strcmp(cond_reason(s, k1), "AllocationFailed") ||
					    !strcmp(cond_reason(s, k2), "AllocationFailed"))
						continue;
					if (!sa || !sb || strcmp(sa, sb) != 0 ||
					    strcmp(etp(a), etp(b)) != 0 || !ports_disjoint(a, b))
						fail_msg("%s held by %s and %s", t, k1, k2);
				}
			}
		}
	}
}

/* The address of one family in a status list, or "". */
static void fam_addr(const char *list, bool v6, char *out, size_t size)
{
	char buf[128], *save = NULL;

	out[0] = '\0';
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if ((strchr(t, ':') != NULL) == v6)
			snprintf(out, size, "%s", t);
	}
}

/* Does the Service (now) want family v6 (else v4)? */
static bool wants(const json_t *svc, bool v6)
{
	const char *pol = jstr(svc, "spec", "ipFamilyPolicy");
	const char *f0 = json_string_value(
	    json_array_get(json_object_get(json_object_get(svc, "spec"), "ipFamilies"), 0));

	if (pol && strstr(pol, "DualStack"))
		return true;
	return v6 == (f0 && strcmp(f0, "IPv6") == 0);
}

static void check_no_renumber(struct sim *s, json_t *before, const char *mutated)
{
	const char *k;
	json_t *v;

	json_object_foreach(before, k, v)
	{
		for (int f = 0; f < 2; f++) {
			char was[64], now[64];

			if (!json_object_get(s->svcs, k) || (mutated && strcmp(k, mutated) == 0))
				continue;
			const char *want =
			    jstr(json_object_get(s->svcs, k), "spec", "loadBalancerIP");

			fam_addr(json_string_value(v), f, was, sizeof(was));
			fam_addr(ips(s, k), f, now, sizeof(now));
			/* An explicit request is honoured once it can be, even later;
			 * so is giving up a family no longer asked for. */
			if ((want && strcmp(want, now) == 0) ||
			    !wants(json_object_get(s->svcs, k), f))
				continue;
			if (*was && strcmp(was, now) != 0)
				fail_msg("%s renumbered: %s -> \"%s\"", k, was, now);
		}
	}
}

static json_t *snapshot(struct sim *s)
{
	json_t *o = json_object();
	const char *k;
	json_t *v;

	json_object_foreach(s->svcs, k, v) json_object_set_new(o, k, json_string(ips(s, k)));
	return o;
}

static json_t *or_null(json_t *v)
{
	return v ? v : json_null();
}

/* The fields of a Service whose change allows it to change addresses. */
static json_t *move_fields(const json_t *svc)
{
	json_t *spec = json_object_get(svc, "spec");
	json_t *ann = json_object_get(json_object_get(svc, "metadata"), "annotations");

	return json_pack("{sOsOsOsOsOsO}", "ip", or_null(json_object_get(spec, "loadBalancerIP")),
	                 "fam", or_null(json_object_get(spec, "ipFamilies")), "pol",
	                 or_null(json_object_get(spec, "ipFamilyPolicy")), "type",
	                 or_null(json_object_get(spec, "type")), "cls",
	                 or_null(json_object_get(spec, "loadBalancerClass")), "lb",
	                 or_null(json_object_get(ann, "lb.kubesphere.io/v1alpha1")));
}

static bool in_range(const char *ip, const char *first, const char *last)
{
	uint8_t a[16] = {0}, f[16] = {0}, l[16] = {0};
	int fam = strchr(ip, ':') ? AF_INET6 : AF_INET;

	if (!first || !last || (strchr(first, ':') != NULL) != (fam == AF_INET6))
		return false;
	assert_int_equal(inet_pton(fam, ip, a), 1);
	assert_int_equal(inet_pton(fam, first, f), 1);
	assert_int_equal(inet_pton(fam, last, l), 1);
	return memcmp(f, a, 16) <= 0 && memcmp(a, l, 16) <= 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "b;a" -> "a;b" */
static void sort_list(const char *in, char *out, size_t size)
{
	char buf[600], *v[16], *save = NULL;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", in);
	for (char *t = strtok_r(buf, ";", &save); t && n < 16; t = strtok_r(NULL, ";", &save))
		v[n++] = t;
	qsort(v, n, sizeof(v[0]), cmp_str);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? ";" : "", v[i]);
}

/* Eip status "used" lists exactly the holders of its addresses. */
static void check_eip_status(struct sim *s)
{
	const char *name, *addr;
	json_t *e, *v;

	json_object_foreach(s->eips, name, e)
	{
		const json_t *st = json_object_get(e, "status");
		const char *first = json_string_value(json_object_get(st, "firstIP"));
		const char *last = json_string_value(json_object_get(st, "lastIP"));
		json_t *want = json_object();
		const char *k;
		json_t *svc;

		json_object_foreach(s->svcs, k, svc)
		{
			char buf[128], *save = NULL;

			snprintf(buf, sizeof(buf), "%s", ips(s, k));
			for (char *t = strtok_r(buf, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				const char *cur;
				char joined[600];

				if (!in_range(t, first, last))
					continue;
				cur = json_string_value(json_object_get(want, t));
				snprintf(joined, sizeof(joined), "%s%s%s", cur ? cur : "",
				         cur ? ";" : "", k);
				json_object_set_new(want, t, json_string(joined));
			}
		}
		json_object_foreach(json_object_get(st, "used"), addr, v)
		{
			const char *w = json_string_value(json_object_get(want, addr));
			char sw[600], sv[600];

			sort_list(w ? w : "", sw, sizeof(sw));
			sort_list(json_string_value(v), sv, sizeof(sv));
			/* berth writes holders sorted; compare as sets anyway */
			if (!w || strcmp(sw, sv) != 0)
				fail_msg("Eip %s used[%s] = %s, holders %s", name, addr,
				         json_string_value(v), w ? w : "none");
		}
		if (json_object_size(want) != json_object_size(json_object_get(st, "used")))
			fail_msg("Eip %s: %zu holders, used has %zu", name, json_object_size(want),
			         json_object_size(json_object_get(st, "used")));
		assert_int_equal(json_integer_value(json_object_get(st, "usage")),
		                 json_object_size(want));
		json_decref(want);
	}
}

/* ---- The run ---- */

static json_t *run(uint64_t seed, unsigned steps, json_t **events)
{
	struct sim *s = sim_new();
	unsigned restarts = 0;
	json_t *out;

	rng = seed;
	sim_sync(s);
	for (unsigned step = 0; step < steps; step++) {
		json_t *before = snapshot(s), *mf_before = NULL;
		char mutated[64] = "", name[16];
		const char *ns = PICK(nss);
		unsigned op = rnd(100);
		bool may_move = false;

		if (getenv("SIM_VERBOSE"))
			print_message("step %u op %u %s/%s\n", step, op, ns, name);

		snprintf(name, sizeof(name), "s%u", rnd(24));
		if (op < 50) {
			snprintf(mutated, sizeof(mutated), "%s/%s", ns, name);
			if (json_object_get(s->svcs, mutated))
				mf_before = move_fields(json_object_get(s->svcs, mutated));
			put_svc(s, ns, name);
		} else if (op < 62) {
			sim_delete_svc(s, ns, name);
		} else if (op < 80) {
			put_eip(s);
		} else if (op < 88) {
			static const char *const eips[] = {"e0", "ov", "e1", "e2", "e3", "e4"};

			sim_delete_eip(s, PICK(eips));
		} else if (op < 95) {
			static const char *const labels[] = {"{}", "{tier: gold}", "{tier: tin}"};
			char buf[256];

			snprintf(
			    buf, sizeof(buf),
			    "apiVersion: v1\nkind: Namespace\nmetadata: {name: %s, labels: %s}\n",
			    ns, PICK(labels));
			sim_yaml(s, buf);
		}
		if (op >= 95) {
			restarts++;
			if (sim_restart(s) != 0)
				fail_msg(
				    "step %u: restart wrote %u Service, %u clear, %u Eip statuses",
				    step, s->svc_actions, s->clear_actions, s->eip_actions);
		} else {
			sim_drain(s);
		}
		/* A change that could move this Service's addresses? */
		if (mf_before) {
			json_t *mf = move_fields(json_object_get(s->svcs, mutated));

			may_move = !json_equal(mf, mf_before);
			json_decref(mf);
			json_decref(mf_before);
		}
		check_no_renumber(s, before, may_move ? mutated : NULL);
		check_unique(s);
		check_eip_status(s);
		json_decref(before);
	}
	assert_true(restarts > steps / 40);
	assert_int_equal(sim_restart(s), 0);
	out = json_pack("{sOsO}", "svcs", s->svcs, "eips", s->eips);
	*events = json_array();
	for (size_t i = 0; i < s->n_evs; i++)
		json_array_append_new(*events, json_pack("{ssssss}", "r", s->evs[i].reason, "o",
		                                         s->evs[i].obj, "m", s->evs[i].msg));
	sim_free(s);
	return out;
}

static void test_random_sequence(void **state)
{
	/* LB_PROP_SEED / LB_PROP_STEPS explore other runs by hand. */
	const char *seed_env = getenv("LB_PROP_SEED"), *steps_env = getenv("LB_PROP_STEPS");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 0x6265727468ull;
	unsigned steps = steps_env ? (unsigned)strtoul(steps_env, NULL, 0) : 3000;
	json_t *ev1, *ev2;
	json_t *a = run(seed, steps, &ev1);
	json_t *b = run(seed, steps, &ev2);
	size_t held = 0;
	const char *k;
	json_t *v;

	/* Deterministic: the same inputs give the same cluster and Events. */
	assert_true(json_equal(a, b));
	assert_true(json_equal(ev1, ev2));
	/* The run did something worth checking. */
	json_object_foreach(json_object_get(a, "svcs"), k, v) held +=
	    json_array_size(json_object_get(
	        json_object_get(json_object_get(v, "status"), "loadBalancer"), "ingress"));
	assert_true(held > 5);
	assert_true(json_array_size(ev1) > 500);
	json_decref(a);
	json_decref(b);
	json_decref(ev1);
	json_decref(ev2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_sequence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
