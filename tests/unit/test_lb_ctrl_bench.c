/*
 * Micro-benchmark (prints timings; asserts results, not times): 10,000
 * Services through upsert + synced + drain, a restart over the same
 * cluster (which must write nothing), and a resend of every unchanged
 * object. LB_BENCH_N overrides the count.
 */
#include <time.h>

#include "test_lb_ctrl_util.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct bench_svc {
	struct cfg_service svc;
	struct cfg_kv ann;
	struct lb_cond cond;
};

static void svc_init(struct bench_svc *b, unsigned i)
{
	char name[32];

	memset(b, 0, sizeof(*b));
	snprintf(name, sizeof(name), "svc-%05u", i);
	assert_int_equal(cfg_meta_set_id(&b->svc.meta, name, i % 2 ? "default" : "team", NULL), 0);
	b->svc.type = CFG_SVC_LOAD_BALANCER;
	b->svc.load_balancer_class = strdup(LB_DEFAULT_CLASS);
	b->svc.ports = calloc(1, sizeof(*b->svc.ports));
	b->svc.ports[0].port = 80;
	b->svc.ports[0].protocol = strdup("TCP");
	b->svc.n_ports = 1;
	assert_non_null(b->svc.ports[0].protocol);
}

/* What the daemon's write leaves on the object. */
static void svc_written(struct bench_svc *b, const struct lb_action *a)
{
	free(b->svc.ingress);
	b->svc.ingress = calloc(a->u.svc.n_ingress, sizeof(*b->svc.ingress));
	memcpy(b->svc.ingress, a->u.svc.ingress, a->u.svc.n_ingress * sizeof(*b->svc.ingress));
	b->svc.n_ingress = a->u.svc.n_ingress;
	free(b->ann.key);
	free(b->ann.value);
	b->ann.key = strdup(LB_ANN_POOL);
	b->ann.value = strdup(a->u.svc.pool);
	b->svc.meta.annotations.items = &b->ann;
	b->svc.meta.annotations.n = 1;
	b->cond = a->u.svc.cond;
}

static void svc_fini(struct bench_svc *b)
{
	free(b->ann.key);
	free(b->ann.value);
	b->svc.meta.annotations.items = NULL;
	b->svc.meta.annotations.n = 0;
	cfg_service_fini(&b->svc);
}

static struct cfg_eip load_eip(void)
{
	static const char y[] = "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\n"
	                        "metadata: {name: big}\n"
	                        "spec: {address: 10.0.0.0/12, namespaces: [default, team]}\n";
	struct cfg_yaml doc;
	struct cfg_error err;
	struct cfg_eip e;

	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_yaml_parse(y, sizeof(y) - 1, &doc, &err), 0);
	assert_int_equal(cfg_eip_decode(doc.docs[0].root, &e, &err), 0);
	cfg_yaml_fini(&doc);
	return e;
}

struct counts {
	unsigned set, clear, eip, events;
};

static struct counts drain(struct lb_ctrl *c, struct bench_svc *v, unsigned n, struct cfg_eip *e)
{
	struct counts k = {0};
	struct lb_action a;

	for (;;) {
		assert_int_equal(lb_ctrl_next_action(c, &a), 0);
		if (a.type == LB_ACT_NONE)
			break;
		if (a.type == LB_ACT_SERVICE_STATUS) {
			unsigned i;

			k.set++;
			assert_int_equal(sscanf(a.u.svc.name, "svc-%u", &i), 1);
			assert_true(i < n);
			svc_written(&v[i], &a);
		} else if (a.type == LB_ACT_EIP_STATUS) {
			k.eip++;
			/* Keep the status berth wrote, as the API server would. */
			struct cfg_eip_status t = e->status;

			e->status = a.u.eip.status;
			a.u.eip.status = t;
		} else if (a.type == LB_ACT_SERVICE_CLEAR) {
			k.clear++;
		} else {
			k.events++;
		}
		lb_action_fini(&a);
	}
	return k;
}

static void test_bench(void **state)
{
	const char *env = getenv("LB_BENCH_N");
	unsigned n = env ? (unsigned)strtoul(env, NULL, 10) : 10000;
	struct bench_svc *v = calloc(n, sizeof(*v));
	struct cfg_eip e = load_eip();
	struct lb_ctrl *c;
	struct counts k;
	double t0, t1, t2, t3;

	assert_non_null(v);
	for (unsigned i = 0; i < n; i++)
		svc_init(&v[i], i);
	/* First start: everything allocated. */
	t0 = now_ms();
	c = lb_ctrl_new(NULL);
	assert_int_equal(lb_ctrl_eip_upsert(c, &e), 0);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(lb_ctrl_service_upsert(c, &v[i].svc), 0);
	assert_int_equal(lb_ctrl_synced(c), 0);
	k = drain(c, v, n, &e);
	t1 = now_ms();
	assert_int_equal(k.set, n);
	assert_int_equal(k.eip, 1);
	/* The events beyond the engine's bound are dropped and counted. */
	{
		struct lb_ctrl_stats st;
		unsigned kept = n < LB_EVENTS_MAX ? n : LB_EVENTS_MAX;

		lb_ctrl_stats(c, &st);
		assert_int_equal(k.events, kept);
		assert_int_equal(st.events_dropped, n - kept);
	}
	assert_int_equal(e.status.usage, n);
	/* Every address once. */
	for (unsigned i = 1; i < n; i++)
		assert_true(v[i].svc.n_ingress == 1 &&
		            memcmp(&v[i].svc.ingress[0], &v[i - 1].svc.ingress[0],
		                   sizeof(v[i].svc.ingress[0])) != 0);
	lb_ctrl_free(c);
	/* Restart over the cluster as written: no write at all. */
	t2 = now_ms();
	c = lb_ctrl_new(NULL);
	assert_int_equal(lb_ctrl_eip_upsert(c, &e), 0);
	for (unsigned i = n; i-- > 0;)
		assert_int_equal(lb_ctrl_service_upsert_cond(c, &v[i].svc, &v[i].cond), 0);
	assert_int_equal(lb_ctrl_synced(c), 0);
	k = drain(c, v, n, &e);
	t3 = now_ms();
	assert_int_equal(k.set + k.clear + k.eip + k.events, 0);
	print_message("%u services: first start %.1f ms, restart %.1f ms", n, t1 - t0, t3 - t2);
	/* Every object again, unchanged (an informer resync). */
	t0 = now_ms();
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(lb_ctrl_service_upsert_cond(c, &v[i].svc, &v[i].cond), 0);
	k = drain(c, v, n, &e);
	t1 = now_ms();
	assert_int_equal(k.set + k.clear + k.eip + k.events, 0);
	print_message(", resend %.1f ms\n", t1 - t0);
	lb_ctrl_free(c);
	for (unsigned i = 0; i < n; i++)
		svc_fini(&v[i]);
	free(v);
	cfg_eip_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bench),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
