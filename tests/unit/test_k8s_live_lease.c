/*
 * Leader election against the API server stand-in: two electors on one
 * Lease (exactly one leads), failover when the leader stops renewing,
 * release on clean shutdown, losing the lease to an outside write.
 * Skipped unless BERTH_TEST_APISERVER is set.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../k8s/live.h"
#include "core/clock.h"
#include "k8s/lease.h"

struct cand {
	struct k8s_elector *e;
	int started, stopped;
	double started_at;
};

static void on_started(void *arg)
{
	struct cand *c = arg;

	c->started++;
	c->started_at = live_now();
}

static void on_stopped(void *arg)
{
	((struct cand *)arg)->stopped++;
}

static void cand_new(struct live *l, struct cand *c, const char *id)
{
	struct k8s_elector_opts o = {
	    .ns = l->ns,
	    .name = "berth-controller",
	    .identity = id,
	    .lease_duration_ms = 3000,
	    .renew_deadline_ms = 2000,
	    .retry_period_ms = 400,
	    .on_started = on_started,
	    .on_stopped = on_stopped,
	    .arg = c,
	};

	memset(c, 0, sizeof(*c));
	assert_int_equal(k8s_elector_new(l->a, &o, &c->e), 0);
	assert_int_equal(k8s_elector_start(c->e), 0);
}

static bool someone_leads(void *arg)
{
	struct cand *c = arg;

	return (c[0].e && k8s_elector_leading(c[0].e)) || (c[1].e && k8s_elector_leading(c[1].e));
}

static bool second_leads(void *arg)
{
	struct cand *c = arg;

	return c->e && k8s_elector_leading(c->e);
}

/* Samples both every 50 ms for secs: never two leaders. */
static void watch_exclusive(struct live *l, struct cand *c, double secs)
{
	double end = live_now() + secs;

	while (live_now() < end) {
		live_run_for(l->loop_a, 0.05);
		assert_false(k8s_elector_leading(c[0].e) && k8s_elector_leading(c[1].e));
	}
}

static json_t *get_lease(struct live *l)
{
	char path[K8S_PATH_MAX];
	json_t *lease = NULL;

	k8s_path(path, sizeof(path), &k8s_res_leases, l->ns, "berth-controller", NULL);
	assert_int_equal(live_call(l->b, K8S_GET, path, NULL, &lease, NULL), 0);
	return lease;
}

static bool released(void *arg)
{
	return *(int *)arg != 1;
}

static void release_done(int rc, void *arg)
{
	*(int *)arg = rc;
}

static void test_two_electors(void **state)
{
	struct live l;
	struct cand c[2], third;
	struct k8s_lease_rec rec;
	int leader, follower, rel = 1;
	double freed_at, took;
	json_t *lease;

	live_begin(&l, "lease");
	cand_new(&l, &c[0], "pod-a");
	cand_new(&l, &c[1], "pod-b");
	assert_true(live_run_until(l.loop_a, someone_leads, c, 10));
	watch_exclusive(&l, c, 4.0);
	leader = k8s_elector_leading(c[0].e) ? 0 : 1;
	follower = 1 - leader;
	assert_true(k8s_elector_leading(c[leader].e));
	assert_int_equal(c[leader].started, 1);
	assert_int_equal(c[follower].started, 0);
	lease = get_lease(&l);
	assert_int_equal(k8s_lease_rec_decode(lease, &rec), 0);
	assert_string_equal(rec.holder, leader ? "pod-b" : "pod-a");
	assert_int_equal(rec.duration_s, 3);
	assert_true(rec.renew_ms > rec.acquire_ms); /* renewed meanwhile */
	json_decref(lease);

	/* the leader stops renewing (crash): the other waits out the lease */
	k8s_elector_free(c[leader].e);
	c[leader].e = NULL;
	freed_at = live_now();
	assert_true(live_run_until(l.loop_a, second_leads, &c[follower], 10));
	took = c[follower].started_at - freed_at;
	print_message("failover after %.2f s\n", took);
	assert_true(took >= 2.0); /* lease 3 s minus at most one renew period */
	assert_true(took <= 6.0);
	lease = get_lease(&l);
	assert_int_equal(k8s_lease_rec_decode(lease, &rec), 0);
	assert_string_equal(rec.holder, follower ? "pod-b" : "pod-a");
	assert_int_equal(rec.transitions, 1);
	json_decref(lease);

	/* clean shutdown releases: a newcomer takes over at once */
	assert_int_equal(k8s_elector_release(c[follower].e, release_done, &rel), 0);
	assert_true(live_run_until(l.loop_a, released, &rel, 10));
	assert_int_equal(rel, 0);
	assert_int_equal(c[follower].stopped, 1);
	assert_false(k8s_elector_leading(c[follower].e));
	lease = get_lease(&l);
	assert_int_equal(k8s_lease_rec_decode(lease, &rec), 0);
	assert_string_equal(rec.holder, "");
	json_decref(lease);
	cand_new(&l, &third, "pod-c");
	freed_at = live_now();
	assert_true(live_run_until(l.loop_a, second_leads, &third, 10));
	assert_true(third.started_at - freed_at < 1.5);
	lease = get_lease(&l);
	assert_int_equal(k8s_lease_rec_decode(lease, &rec), 0);
	assert_int_equal(rec.transitions, 2);
	json_decref(lease);

	k8s_elector_free(third.e);
	k8s_elector_free(c[follower].e);
	live_end(&l);
}

/* Someone else overwrites the Lease: the leader notices on its next
 * renewal and stops at once. */
static void test_lease_stolen(void **state)
{
	struct live l;
	struct cand c;
	json_t *lease;
	char path[K8S_PATH_MAX];
	struct k8s_lease_rec rec = {0};

	live_begin(&l, "steal");
	cand_new(&l, &c, "pod-a");
	assert_true(live_run_until(l.loop_a, second_leads, &c, 10));
	lease = get_lease(&l);
	snprintf(rec.holder, sizeof(rec.holder), "intruder");
	rec.duration_s = 60;
	rec.renew_ms = rec.acquire_ms = core_wall_ms();
	assert_int_equal(k8s_lease_rec_encode(&rec, lease), 0);
	k8s_path(path, sizeof(path), &k8s_res_leases, l.ns, "berth-controller", NULL);
	assert_int_equal(live_call(l.b, K8S_PUT, path, lease, NULL, NULL), 0);
	json_decref(lease);
	live_run_for(l.loop_a, 1.5);
	assert_false(k8s_elector_leading(c.e));
	assert_int_equal(c.stopped, 1);
	/* and does not take it back while the intruder's lease is valid */
	live_run_for(l.loop_a, 2.0);
	assert_false(k8s_elector_leading(c.e));
	k8s_elector_free(c.e);
	live_end(&l);
}

/* The renew deadline: renewals fail (500), or hang (latency), and the
 * leader steps down within renew_deadline, before the lease expires. */
static void test_renew_deadline(void **state)
{
	struct live l;
	struct cand c;
	double t0;

	live_begin(&l, "deadline");
	cand_new(&l, &c, "pod-a");
	assert_true(live_run_until(l.loop_a, second_leads, &c, 10));
	live_admin(&l, "fail",
	           "code=500&count=1000&verbs=update&resource=leases.coordination.k8s.io");
	t0 = live_now();
	while (k8s_elector_leading(c.e) && live_now() - t0 < 10)
		live_run_for(l.loop_a, 0.05);
	assert_false(k8s_elector_leading(c.e));
	assert_true(live_now() - t0 <= 2.6); /* renew deadline + one retry period */
	assert_int_equal(c.stopped, 1);
	live_admin(&l, "fail", "count=0");
	/* the server answers again: it leads again */
	assert_true(live_run_until(l.loop_a, second_leads, &c, 10));
	assert_int_equal(c.started, 2);
	/* requests that hang: the watchdog ends leadership on time */
	live_admin(&l, "latency", "ms=5000");
	t0 = live_now();
	while (k8s_elector_leading(c.e) && live_now() - t0 < 10)
		live_run_for(l.loop_a, 0.05);
	assert_false(k8s_elector_leading(c.e));
	assert_true(live_now() - t0 <= 2.6);
	assert_int_equal(c.stopped, 2);
	live_admin(&l, "latency", "ms=0");
	assert_true(live_run_until(l.loop_a, second_leads, &c, 15));
	k8s_elector_free(c.e);
	live_end(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_electors),
	    cmocka_unit_test(test_lease_stolen),
	    cmocka_unit_test(test_renew_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
