/*
 * Event correlation with a fake clock: deduplication counts, aggregation
 * of similar events, spam filter, LRU bound, names and truncation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "k8s/event.h"

#define T0 1700000000000ull

static struct k8s_event_in ev(const char *name, const char *reason, const char *msg)
{
	struct k8s_event_in in = {
	    .obj = {.kind = "Service",
	            .api_version = "v1",
	            .ns = "default",
	            .name = name,
	            .uid = "u-1"},
	    .type = "Normal",
	    .reason = reason,
	    .message = msg,
	    .component = "berth-controller",
	    .host = "node1",
	};
	return in;
}

static int setup(void **state)
{
	return k8s_evcorr_new((struct k8s_evcorr **)state);
}

static int teardown(void **state)
{
	k8s_evcorr_free(*state);
	return 0;
}

static void test_dedupe(void **state)
{
	struct k8s_evcorr *ec = *state;
	struct k8s_event_in in = ev("web", "IPAllocated", "10.0.0.1 from pool-a");
	struct k8s_evc_out o, o2;

	assert_int_equal(k8s_evcorr_observe(ec, &in, T0, &o), 0);
	assert_int_equal(o.act, K8S_EVC_CREATE);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.first_ms, T0);
	/* client-go's name: object "." hex UnixNano */
	assert_string_equal(o.name, "web.17979cfe362a0000");
	assert_string_equal(o.message, "10.0.0.1 from pool-a");
	for (uint32_t i = 2; i <= 5; i++) {
		assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + i * 1000, &o2), 0);
		assert_int_equal(o2.act, K8S_EVC_PATCH);
		assert_int_equal(o2.count, i);
		assert_string_equal(o2.name, o.name);
		assert_int_equal(o2.first_ms, T0);
	}
	/* another message, object, type or reason is another Event */
	in.message = "10.0.0.2 from pool-a";
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 9000, &o2), 0);
	assert_int_equal(o2.act, K8S_EVC_CREATE);
	assert_string_not_equal(o2.name, o.name);
	in = ev("web", "IPAllocated", "10.0.0.1 from pool-a");
	in.type = "Warning";
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 9000, &o2), 0);
	assert_int_equal(o2.act, K8S_EVC_CREATE);
	in = ev("web2", "IPAllocated", "10.0.0.1 from pool-a");
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 9000, &o2), 0);
	assert_int_equal(o2.act, K8S_EVC_CREATE);
	/* two creates in the same millisecond get different names */
	in = ev("web3", "A", "x");
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 9000, &o), 0);
	in = ev("web3", "A", "y");
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 9000, &o2), 0);
	assert_string_not_equal(o.name, o2.name);
}

/* Two processes (speakers on two nodes) report the same object in the
 * same millisecond: seeded apart, their names differ; after a clash the
 * renamed Event keeps its new name for later updates. */
static void test_seed_rename(void **state)
{
	struct k8s_evcorr *a = *state, *b;
	struct k8s_event_in in = ev("web", "Announcing", "announcing from node n1");
	struct k8s_evc_out oa, ob;
	char fresh[K8S_EVENT_NAME_MAX];

	assert_int_equal(k8s_evcorr_new(&b), 0);
	k8s_evcorr_seed(a, 0);
	k8s_evcorr_seed(b, 0);
	assert_int_equal(k8s_evcorr_observe(a, &in, T0, &oa), 0);
	assert_int_equal(k8s_evcorr_observe(b, &in, T0, &ob), 0);
	assert_string_equal(oa.name, ob.name); /* the clash the seed avoids */
	k8s_evcorr_seed(b, 777);
	in.message = "announcing from node n2";
	assert_int_equal(k8s_evcorr_observe(b, &in, T0, &ob), 0);
	assert_string_not_equal(oa.name, ob.name);

	assert_int_equal(k8s_evcorr_rename(b, ob.name, T0 + 1, fresh), 0);
	assert_string_not_equal(fresh, ob.name);
	assert_int_equal(strncmp(fresh, "web.", 4), 0);
	assert_int_equal(k8s_evcorr_observe(b, &in, T0 + 2, &ob), 0);
	assert_int_equal(ob.act, K8S_EVC_PATCH);
	assert_string_equal(ob.name, fresh);
	assert_int_equal(k8s_evcorr_rename(b, "no-dot", T0, fresh), -EINVAL);
	k8s_evcorr_free(b);
}

static void test_aggregate(void **state)
{
	struct k8s_evcorr *ec = *state;
	struct k8s_evc_out o, first_combined;
	char msg[64];
	struct k8s_event_in in;

	for (int i = 0; i < 9; i++) {
		snprintf(msg, sizeof(msg), "peer %d down", i);
		in = ev("spk", "PeerDown", msg);
		assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + (uint64_t)i, &o), 0);
		assert_int_equal(o.act, K8S_EVC_CREATE);
	}
	/* a repeat is no new message: it is counted, not combined */
	in = ev("spk", "PeerDown", "peer 3 down");
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 50, &o), 0);
	assert_int_equal(o.act, K8S_EVC_PATCH);
	assert_int_equal(o.count, 2);
	assert_string_equal(o.message, "peer 3 down");
	/* the 10th different message within 10 minutes is combined */
	in = ev("spk", "PeerDown", "peer 9 down");
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 100, &first_combined), 0);
	assert_int_equal(first_combined.act, K8S_EVC_CREATE);
	assert_string_equal(first_combined.message, "(combined from similar events): peer 9 down");
	/* and further ones count on the combined Event */
	in = ev("spk", "PeerDown", "peer 10 down");
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 200, &o), 0);
	assert_int_equal(o.act, K8S_EVC_PATCH);
	assert_int_equal(o.count, 2);
	assert_string_equal(o.name, first_combined.name);
	assert_string_equal(o.message, "(combined from similar events): peer 10 down");
	/* a quiet window resets the aggregation */
	in = ev("spk", "PeerDown", "peer 11 down");
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 200 + K8S_EVC_SIMILAR_WINDOW_MS + 1, &o),
	                 0);
	assert_int_equal(o.act, K8S_EVC_CREATE);
	assert_string_equal(o.message, "peer 11 down");
}

static void test_spam(void **state)
{
	struct k8s_evcorr *ec = *state;
	struct k8s_evc_out o;
	struct k8s_event_in in = ev("noisy", "Flap", "flap");
	int sent = 0;

	for (int i = 0; i < 40; i++) {
		assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + (uint64_t)i, &o), 0);
		sent += o.act != K8S_EVC_DROP;
	}
	assert_int_equal(sent, K8S_EVC_SPAM_BURST);
	/* the count kept going while dropped: the next write tells the truth */
	assert_int_equal(o.count, 40);
	/* one token per 5 minutes */
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 40 + K8S_EVC_SPAM_REFILL_MS / 2, &o), 0);
	assert_int_equal(o.act, K8S_EVC_DROP);
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 40 + K8S_EVC_SPAM_REFILL_MS, &o), 0);
	assert_int_equal(o.act, K8S_EVC_PATCH);
	assert_int_equal(o.count, 42);
	/* the bucket is per object: others still get through */
	in = ev("quiet", "Flap", "flap");
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 50, &o), 0);
	assert_int_equal(o.act, K8S_EVC_CREATE);
}

static void test_lru_bound(void **state)
{
	struct k8s_evcorr *ec = *state;
	struct k8s_evc_out o;
	char name[32];
	struct k8s_event_in in;

	/* each object once, spaced so the spam buckets never run dry */
	for (int i = 0; i < K8S_EVC_CACHE + 10; i++) {
		snprintf(name, sizeof(name), "svc-%d", i);
		in = ev(name, "R", "m");
		assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + (uint64_t)i, &o), 0);
		assert_int_equal(o.act, K8S_EVC_CREATE);
		if (i == K8S_EVC_CACHE - 2) { /* keep svc-0 recently used */
			in = ev("svc-0", "R", "m");
			assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + (uint64_t)i, &o), 0);
			assert_int_equal(o.act, K8S_EVC_PATCH);
		}
	}
	in = ev("svc-0", "R", "m");
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 99999, &o), 0);
	assert_int_equal(o.act, K8S_EVC_PATCH); /* kept: used recently */
	in = ev("svc-1", "R", "m");
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0 + 99999, &o), 0);
	assert_int_equal(o.act, K8S_EVC_CREATE); /* evicted: forgotten */
}

static void test_limits(void **state)
{
	struct k8s_evcorr *ec = *state;
	struct k8s_evc_out o;
	char longname[260], longmsg[2000];
	struct k8s_event_in in;

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	/* a message cut inside a 2-byte UTF-8 sequence keeps whole characters */
	longmsg[0] = 'x';
	for (size_t i = 1; i + 1 < sizeof(longmsg); i += 2) {
		longmsg[i] = (char)0xc3;
		longmsg[i + 1] = (char)0xa9;
	}
	longmsg[sizeof(longmsg) - 1] = '\0';
	in = ev(longname, "R", longmsg);
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0, &o), 0);
	assert_true(strlen(o.name) <= 253);
	assert_int_equal(strlen(o.message), K8S_EVENT_MSG_MAX - 1);
	assert_int_equal((unsigned char)o.message[strlen(o.message) - 1], 0xa9);
	in = ev("x", NULL, "m");
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0, &o), -EINVAL);
	in = ev("", "R", "m");
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0, &o), -EINVAL);
	in = ev("x", "R", NULL); /* no message is an empty one */
	assert_int_equal(k8s_evcorr_observe(ec, &in, T0, &o), 0);
	assert_string_equal(o.message, "");
}

static void test_objref(void **state)
{
	struct k8s_objref ref;
	json_t *svc = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "kind", "Service", "apiVersion",
	                        "v1", "metadata", "name", "web", "namespace", "prod", "uid", "u9");

	assert_int_equal(k8s_objref_from(svc, &ref), 0);
	assert_string_equal(ref.kind, "Service");
	assert_string_equal(ref.ns, "prod");
	assert_string_equal(ref.uid, "u9");
	json_object_del(svc, "kind");
	assert_int_equal(k8s_objref_from(svc, &ref), -EINVAL);
	json_decref(svc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_dedupe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_seed_rename, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_aggregate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_spam, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lru_bound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
	    cmocka_unit_test(test_objref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
