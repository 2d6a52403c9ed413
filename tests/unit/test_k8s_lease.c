/*
 * Leader election decisions with a fake clock: acquisition, expiry as
 * seen by the candidate, renewals, takeover counts, losing on the renew
 * deadline, release; Lease record encode/decode.
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

#include "k8s/api.h"
#include "k8s/lease.h"

#define WALL0 1700000000000ull /* wall clock at mono 0 */

static struct k8s_lease_rec held_by(const char *who, int32_t dur, uint64_t renew, int32_t tr)
{
	struct k8s_lease_rec r = {0};

	snprintf(r.holder, sizeof(r.holder), "%s", who);
	r.duration_s = dur;
	r.acquire_ms = renew;
	r.renew_ms = renew;
	r.transitions = tr;
	return r;
}

static void test_create_when_absent(void **state)
{
	struct k8s_lease_fsm f;
	struct k8s_lease_rec out;

	k8s_lease_init(&f, "pod-a", 15000, 10000);
	assert_int_equal(k8s_lease_decide(&f, 0, WALL0, NULL, &out), K8S_LEASE_CREATE);
	assert_string_equal(out.holder, "pod-a");
	assert_int_equal(out.duration_s, 15);
	assert_int_equal(out.acquire_ms, WALL0);
	assert_int_equal(out.renew_ms, WALL0);
	assert_int_equal(out.transitions, 0);
	assert_false(f.leading);
	assert_true(k8s_lease_written(&f, 5, &out));
	assert_true(f.leading);
	assert_false(k8s_lease_written(&f, 6, &out)); /* already leading */
}

/* Expiry counts from when this candidate saw the record change, not from
 * renewTime: the other node's clock may be off by hours. */
static void test_expiry_by_observation(void **state)
{
	struct k8s_lease_fsm f;
	struct k8s_lease_rec out;
	/* renewTime one hour in the past by our wall clock: still valid */
	struct k8s_lease_rec cur = held_by("pod-b", 15, WALL0 - 3600000, 3);

	k8s_lease_init(&f, "pod-a", 15000, 10000);
	assert_int_equal(k8s_lease_decide(&f, 1000, WALL0, &cur, &out), K8S_LEASE_WAIT);
	assert_int_equal(k8s_lease_decide(&f, 15999, WALL0, &cur, &out), K8S_LEASE_WAIT);
	/* the holder renews at 10 s: the 15 s start again */
	cur.renew_ms += 10000;
	assert_int_equal(k8s_lease_decide(&f, 10000, WALL0, &cur, &out), K8S_LEASE_WAIT);
	assert_int_equal(k8s_lease_decide(&f, 24999, WALL0, &cur, &out), K8S_LEASE_WAIT);
	/* no change for a whole lease duration: take over */
	assert_int_equal(k8s_lease_decide(&f, 25000, WALL0 + 25000, &cur, &out), K8S_LEASE_UPDATE);
	assert_string_equal(out.holder, "pod-a");
	assert_int_equal(out.transitions, 4);
	assert_int_equal(out.acquire_ms, WALL0 + 25000);
	assert_int_equal(out.renew_ms, WALL0 + 25000);
}

static void test_renew_keeps_acquire(void **state)
{
	struct k8s_lease_fsm f;
	struct k8s_lease_rec out, cur = held_by("pod-a", 15, WALL0, 7);

	k8s_lease_init(&f, "pod-a", 15000, 10000);
	/* our own record (e.g. after a restart): renew at once */
	assert_int_equal(k8s_lease_decide(&f, 0, WALL0 + 2000, &cur, &out), K8S_LEASE_UPDATE);
	assert_int_equal(out.acquire_ms, WALL0);
	assert_int_equal(out.renew_ms, WALL0 + 2000);
	assert_int_equal(out.transitions, 7);
}

static void test_released_lease(void **state)
{
	struct k8s_lease_fsm a, b;
	struct k8s_lease_rec out, rel, cur = held_by("pod-a", 15, WALL0, 2);

	k8s_lease_init(&a, "pod-a", 15000, 10000);
	k8s_lease_init(&b, "pod-b", 15000, 10000);
	assert_int_equal(k8s_lease_decide(&a, 0, WALL0, &cur, &out), K8S_LEASE_UPDATE);
	k8s_lease_written(&a, 0, &out);
	assert_int_equal(k8s_lease_decide(&b, 0, WALL0, &out, &rel), K8S_LEASE_WAIT);
	assert_true(k8s_lease_release(&a, WALL0 + 500, &rel));
	assert_false(a.leading);
	assert_string_equal(rel.holder, "");
	assert_int_equal(rel.duration_s, 1);
	assert_int_equal(rel.transitions, 2);
	assert_false(k8s_lease_release(&a, WALL0 + 600, &out)); /* nothing more to release */
	/* b sees the empty holder: takes it at once, one more transition */
	assert_int_equal(k8s_lease_decide(&b, 600, WALL0 + 600, &rel, &out), K8S_LEASE_UPDATE);
	assert_string_equal(out.holder, "pod-b");
	assert_int_equal(out.transitions, 3);
}

static void test_renew_deadline(void **state)
{
	struct k8s_lease_fsm f;
	struct k8s_lease_rec out;

	k8s_lease_init(&f, "pod-a", 15000, 10000);
	assert_false(k8s_lease_failed(&f, 50000)); /* not leading: nothing to lose */
	k8s_lease_decide(&f, 0, WALL0, NULL, &out);
	k8s_lease_written(&f, 1000, &out);
	assert_false(k8s_lease_failed(&f, 3000));
	assert_false(k8s_lease_failed(&f, 10999));
	assert_true(f.leading);
	assert_true(k8s_lease_failed(&f, 11000));
	assert_false(f.leading);
	assert_false(k8s_lease_failed(&f, 12000)); /* reported once */
}

static void test_lost_to_other(void **state)
{
	struct k8s_lease_fsm f;
	struct k8s_lease_rec out, cur;

	k8s_lease_init(&f, "pod-a", 15000, 10000);
	k8s_lease_decide(&f, 0, WALL0, NULL, &out);
	k8s_lease_written(&f, 0, &out);
	/* we stalled; someone took over after expiry */
	cur = held_by("pod-b", 15, WALL0 + 20000, 1);
	assert_int_equal(k8s_lease_decide(&f, 20000, WALL0 + 20000, &cur, &out), K8S_LEASE_LOST);
	assert_false(f.leading);
	assert_int_equal(k8s_lease_decide(&f, 21000, WALL0 + 21000, &cur, &out), K8S_LEASE_WAIT);
}

/* Two candidates, one Lease, a simulated server with optimistic
 * concurrency: never two leaders at the same time. */
static void test_two_candidates(void **state)
{
	struct k8s_lease_fsm c[2];
	struct k8s_lease_rec lease = {0}, out;
	bool exists = false;
	unsigned version = 0, seen[2] = {0};
	const char *ids[2] = {"a", "b"};
	int leaders_max = 0;
	bool alive[2] = {true, true};

	for (int i = 0; i < 2; i++)
		k8s_lease_init(&c[i], ids[i], 15000, 10000);
	for (uint64_t t = 0; t < 120000; t += 500) {
		if (t == 40000)
			alive[c[0].leading ? 0 : 1] = false; /* the leader hangs */
		for (int i = 0; i < 2; i++) {
			enum k8s_lease_act act;

			if (!alive[i]) {
				k8s_lease_failed(&c[i], t);
				continue;
			}
			if ((t / 500 + (unsigned)i) % 4) /* each tries every 2 s, staggered */
				continue;
			seen[i] = version;
			act = k8s_lease_decide(&c[i], t, WALL0 + t, exists ? &lease : NULL, &out);
			if (act == K8S_LEASE_WAIT || act == K8S_LEASE_LOST) {
				k8s_lease_failed(&c[i], t);
				continue;
			}
			if (seen[i] != version || (act == K8S_LEASE_CREATE && exists)) {
				k8s_lease_failed(&c[i], t); /* 409 */
				continue;
			}
			lease = out;
			exists = true;
			version++;
			k8s_lease_written(&c[i], t, &out);
		}
		/* the hung one counts too: it must step down (renew deadline)
		 * before the other may take over (lease duration) */
		int leaders = c[0].leading + c[1].leading;
		if (leaders > leaders_max)
			leaders_max = leaders;
		if (t == 39500)
			assert_int_equal(leaders, 1);
	}
	assert_int_equal(leaders_max, 1);
	/* the survivor took over */
	assert_true((alive[0] && c[0].leading) || (alive[1] && c[1].leading));
	assert_int_equal(lease.transitions, 1);
}

static void test_rec_codec(void **state)
{
	struct k8s_lease_rec r = held_by("pod-a", 15, 1709210096789ull, 4), back;
	json_t *lease = json_pack("{s:s, s:{s:s, s:s}}", "kind", "Lease", "metadata", "name", "x",
	                          "resourceVersion", "9");

	r.acquire_ms = 1709210000000ull;
	assert_int_equal(k8s_lease_rec_encode(&r, lease), 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(lease, "spec"), "renewTime")),
	    "2024-02-29T12:34:56.789000Z");
	assert_int_equal(k8s_lease_rec_decode(lease, &back), 0);
	assert_true(k8s_lease_rec_equal(&r, &back));
	/* metadata (resourceVersion) untouched */
	assert_string_equal(k8s_obj_rv(lease), "9");
	json_decref(lease);

	/* a Lease without spec is the empty record */
	lease = json_pack("{s:{}}", "metadata");
	assert_int_equal(k8s_lease_rec_decode(lease, &back), 0);
	assert_string_equal(back.holder, "");
	json_decref(lease);
}

static void test_rec_decode_hostile(void **state)
{
	const char *bad[] = {
	    "{\"spec\":[]}",
	    "{\"spec\":{\"holderIdentity\":5}}",
	    "{\"spec\":{\"leaseDurationSeconds\":\"15\"}}",
	    "{\"spec\":{\"leaseDurationSeconds\":-1}}",
	    "{\"spec\":{\"leaseDurationSeconds\":99999999999}}",
	    "{\"spec\":{\"leaseTransitions\":1.5}}",
	    "{\"spec\":{\"renewTime\":\"yesterday\"}}",
	    "{\"spec\":{\"acquireTime\":12}}",
	    "{\"spec\":{\"holderIdentity\":\"a\\u0000b\"}}",
	    "[]",
	};
	struct k8s_lease_rec r;
	char big[600];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *o = json_loads(bad[i], JSON_ALLOW_NUL, NULL);
		assert_non_null(o);
		if (k8s_lease_rec_decode(o, &r) != -EINVAL)
			fail_msg("accepted %s", bad[i]);
		assert_string_equal(r.holder, "");
		json_decref(o);
	}
	memset(big, 'h', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	json_t *o = json_pack("{s:{s:s}}", "spec", "holderIdentity", big);
	assert_int_equal(k8s_lease_rec_decode(o, &r), -EINVAL);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_when_absent),
	    cmocka_unit_test(test_expiry_by_observation),
	    cmocka_unit_test(test_renew_keeps_acquire),
	    cmocka_unit_test(test_released_lease),
	    cmocka_unit_test(test_renew_deadline),
	    cmocka_unit_test(test_lost_to_other),
	    cmocka_unit_test(test_two_candidates),
	    cmocka_unit_test(test_rec_codec),
	    cmocka_unit_test(test_rec_decode_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
