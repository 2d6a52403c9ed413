/*
 * speaker_apply, the way cluster mode drives it: a borrowed set of
 * Services changes at random, and after every apply the speaker's routes
 * and its announce reports must match a model. This covers the build,
 * diff and swap of the routes (routes_apply) and of the list of announced
 * Services (services_report): a Service is reported "on" exactly when it
 * starts being announced and "off" exactly when it stops, never twice,
 * also when it leaves the set (told by speaker_service_gone, as both
 * modes do).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ev.h>

#include "config/config.h"
#include "speaker/speaker.h"

#define N_SVC  300
#define ROUNDS 120

/* What a Service is in one round. */
struct svc_state {
	int kind;  /* 0: LoadBalancer, 1: ClusterIP, 2: LoadBalancer for layer2,
	              3: not in the set (deleted: speaker_service_gone) */
	int n_ip;  /* 0..2 addresses */
	int ip[2]; /* index into a pool of 64 addresses: Services share some */
};

struct report {
	int on[N_SVC], off[N_SVC];
};

static void on_announce(const struct cfg_service *svc, bool on, int why, void *arg)
{
	struct report *r = arg;
	int i = atoi(svc->meta.name + 1);

	(void)why;
	assert_true(i >= 0 && i < N_SVC);
	if (on)
		r->on[i]++;
	else
		r->off[i]++;
}

static bool announced(const struct svc_state *s)
{
	return s->kind == 0 && s->n_ip > 0;
}

/* The round's objects as one manifest: the Node and every Service. */
static char *manifest(const struct svc_state *st)
{
	size_t cap = 256 * N_SVC + 256, len = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	len += (size_t)snprintf(buf + len, cap - len,
	                        "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n");
	for (int i = 0; i < N_SVC; i++) {
		const struct svc_state *s = &st[i];

		if (s->kind == 3)
			continue;
		len += (size_t)snprintf(
		    buf + len, cap - len,
		    "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s%d\n"
		    "  namespace: ns\n%s"
		    "spec: {type: %s}\nstatus: {loadBalancer: {ingress: [",
		    i,
		    s->kind == 2 ? "  annotations: {protocol.openelb.kubesphere.io/v1alpha1: "
		                   "layer2}\n"
		                 : "",
		    s->kind == 1 ? "ClusterIP" : "LoadBalancer");
		for (int k = 0; k < s->n_ip; k++)
			len += (size_t)snprintf(buf + len, cap - len, "%s{ip: 198.51.100.%d}",
			                        k ? ", " : "", s->ip[k]);
		len += (size_t)snprintf(buf + len, cap - len, "]}}\n");
		assert_true(len < cap);
	}
	return buf;
}

/* kinds: the kinds a Service may take besides 0 (2: ClusterIP and
 * layer2; 3: also deleted). */
static void random_changes(int kinds)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct svc_state st[N_SVC], prev[N_SVC];
	struct report rep;
	struct speaker_opts o = {.node = "n1", .cluster = true};
	struct cfg_error err;
	struct speaker *sp;
	struct cfg_set last; /* the set of the round before */
	unsigned seed = 7;

	memset(st, 0, sizeof(st));
	o.hooks.announce = on_announce;
	o.hooks.arg = &rep;
	cfg_error_init(&err, NULL, NULL);
	sp = speaker_new(loop, &o, &err);
	assert_non_null(sp);
	cfg_set_init(&last);
	for (int round = 0; round < ROUNDS; round++) {
		struct cfg_set set;
		bool used[64] = {false};
		size_t want_routes = 0;
		char *m;
		/* Few changes in most rounds, many in some (a restart, a pool
		 * moved): both paths of the update. */
		int changes = round % 10 == 0 ? N_SVC : 1 + (int)(rand_r(&seed) % 8);

		memcpy(prev, st, sizeof(st));
		for (int c = 0; c < changes; c++) {
			struct svc_state *s = &st[rand_r(&seed) % N_SVC];

			s->kind =
			    rand_r(&seed) % 5 == 0 ? 1 + (int)(rand_r(&seed) % (unsigned)kinds) : 0;
			s->n_ip = (int)(rand_r(&seed) % 3);
			s->ip[0] = (int)(rand_r(&seed) % 64);
			s->ip[1] = (int)(rand_r(&seed) % 64);
		}
		m = manifest(st);
		cfg_set_init(&set);
		assert_int_equal(cfg_manifest_load_buf("round", m, strlen(m), &set, &err), 0);
		memset(&rep, 0, sizeof(rep));
		for (size_t i = 0; i < last.n_services; i++) {
			const struct cfg_service *svc = &last.services[i];

			if (!cfg_set_service(&set, svc->meta.ns, svc->meta.name))
				speaker_service_gone(sp, svc);
		}
		assert_int_equal(speaker_apply(sp, &set), 0);
		for (int i = 0; i < N_SVC; i++) {
			bool was = round > 0 && announced(&prev[i]), is = announced(&st[i]);

			assert_int_equal(rep.on[i], !was && is);
			assert_int_equal(rep.off[i], was && !is);
			for (int k = 0; is && k < st[i].n_ip; k++)
				used[st[i].ip[k]] = true;
		}
		for (int a = 0; a < 64; a++)
			want_routes += used[a];
		assert_int_equal(speaker_n_routes(sp), want_routes);
		cfg_set_fini(&last);
		last = set;
		free(m);
	}
	cfg_set_fini(&last);
	speaker_free(sp);
	ev_loop_destroy(loop);
}

static void test_random_changes(void **state)
{
	(void)state;
	random_changes(2);
}

static void test_random_changes_and_deletes(void **state)
{
	(void)state;
	random_changes(3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_changes),
	    cmocka_unit_test(test_random_changes_and_deletes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
