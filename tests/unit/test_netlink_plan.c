/*
 * Reconcile planner: stale addresses go (only from our interface, only
 * global ones), wanted ones come, conflicts with other interfaces are
 * reported and never touched; plus a randomized comparison against a
 * brute-force model and a size test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <linux/rtnetlink.h>

#include "netlink/nl.h"

#define OURS  5
#define OTHER 2

static struct nl_addr a4(uint8_t c, uint8_t d, uint8_t plen, int ifindex, uint8_t scope)
{
	struct nl_addr a = {.ifindex = ifindex, .prefixlen = plen, .scope = scope};

	a.addr.family = AF_INET;
	a.addr.bytes[0] = 192;
	a.addr.bytes[1] = 0;
	a.addr.bytes[2] = c;
	a.addr.bytes[3] = d;
	return a;
}

static struct nl_addr a6(uint16_t last, uint8_t plen, int ifindex, uint8_t scope)
{
	struct nl_addr a = {.ifindex = ifindex, .prefixlen = plen, .scope = scope};
	static const uint8_t doc[4] = {0x20, 0x01, 0x0d, 0xb8};

	a.addr.family = AF_INET6;
	memcpy(a.addr.bytes, doc, sizeof(doc));
	a.addr.bytes[14] = (uint8_t)(last >> 8);
	a.addr.bytes[15] = (uint8_t)last;
	return a;
}

static bool same(const struct nl_addr *x, const struct nl_addr *y)
{
	size_t n = x->addr.family == AF_INET ? 4 : 16;

	return x->addr.family == y->addr.family && x->prefixlen == y->prefixlen &&
	       x->ifindex == y->ifindex && !memcmp(x->addr.bytes, y->addr.bytes, n);
}

static bool in(const struct nl_addr *v, size_t n, const struct nl_addr *x)
{
	for (size_t i = 0; i < n; i++)
		if (same(&v[i], x))
			return true;
	return false;
}

static void test_empty(void **state)
{
	struct nl_plan p;

	nl_plan_init(&p);
	assert_int_equal(nl_plan_compute(&p, OURS, NULL, 0, NULL, 0), 0);
	assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	nl_plan_fini(&p);
}

static void test_adds_keeps_dels(void **state)
{
	struct nl_addr want[] = {a4(2, 1, 32, 0, 0), a6(1, 128, 0, 0), a4(2, 2, 32, 0, 0)};
	struct nl_addr have[] = {
	    a4(2, 2, 32, OURS, RT_SCOPE_UNIVERSE),   /* kept */
	    a4(2, 99, 32, OURS, RT_SCOPE_UNIVERSE),  /* stale: berth's leftover */
	    a6(0xfe80, 64, OURS, RT_SCOPE_LINK),     /* the kernel's link-local */
	    a4(2, 200, 32, OURS, RT_SCOPE_HOST),     /* not ours to manage */
	    a4(0, 10, 24, OTHER, RT_SCOPE_UNIVERSE), /* other interface, not wanted */
	};
	struct nl_plan p;
	struct nl_addr add1 = a4(2, 1, 32, OURS, 0), add2 = a6(1, 128, OURS, 0);

	nl_plan_init(&p);
	assert_int_equal(nl_plan_compute(&p, OURS, want, 3, have, 5), 0);
	assert_int_equal(p.n_add, 2);
	assert_true(in(p.add, p.n_add, &add1));
	assert_true(in(p.add, p.n_add, &add2));
	for (size_t i = 0; i < p.n_add; i++)
		assert_int_equal(p.add[i].scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(p.n_del, 1);
	assert_true(same(&p.del[0], &have[1]));
	assert_int_equal(p.n_conflict, 0);

	/* Applying it and planning again: nothing left to do. */
	{
		struct nl_addr after[] = {have[0], have[2], have[3], have[4], add1, add2};

		assert_int_equal(nl_plan_compute(&p, OURS, want, 3, after, 6), 0);
		assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	}
	nl_plan_fini(&p);
}

static void test_conflicts(void **state)
{
	struct nl_addr want[] = {a4(2, 7, 32, 0, 0), a6(7, 128, 0, 0), a4(2, 8, 32, 0, 0)};
	struct nl_addr have[] = {
	    a4(2, 7, 24, OTHER, RT_SCOPE_UNIVERSE), /* the node's own address */
	    a6(7, 64, 9, RT_SCOPE_UNIVERSE),        /* on a third interface */
	    a6(7, 128, OURS, RT_SCOPE_UNIVERSE),    /* berth added it before the conflict */
	    a4(2, 8, 32, 1, RT_SCOPE_HOST),         /* on lo, host scope: still a conflict */
	};
	struct nl_plan p;

	nl_plan_init(&p);
	assert_int_equal(nl_plan_compute(&p, OURS, want, 3, have, 4), 0);
	assert_int_equal(p.n_add, 0);
	assert_int_equal(p.n_conflict, 3);
	assert_true(in(p.conflict, p.n_conflict, &have[0]));
	assert_true(in(p.conflict, p.n_conflict, &have[1]));
	assert_true(in(p.conflict, p.n_conflict, &have[3]));
	/* Removed from our interface, never from the others. */
	assert_int_equal(p.n_del, 1);
	assert_true(same(&p.del[0], &have[2]));
	nl_plan_fini(&p);
}

static void test_prefixlen_change(void **state)
{
	struct nl_addr want[] = {a4(2, 1, 32, 0, 0), a6(1, 128, 0, 0)};
	struct nl_addr have[] = {a4(2, 1, 24, OURS, 0), a6(1, 64, OURS, 0)};
	struct nl_addr add1 = a4(2, 1, 32, OURS, 0), add2 = a6(1, 128, OURS, 0);
	struct nl_plan p;

	nl_plan_init(&p);
	assert_int_equal(nl_plan_compute(&p, OURS, want, 2, have, 2), 0);
	assert_int_equal(p.n_del, 2);
	assert_int_equal(p.n_add, 2);
	assert_true(in(p.del, p.n_del, &have[0]));
	assert_true(in(p.del, p.n_del, &have[1]));
	assert_true(in(p.add, p.n_add, &add1));
	assert_true(in(p.add, p.n_add, &add2));
	nl_plan_fini(&p);
}

static void test_duplicates_and_invalid(void **state)
{
	struct nl_addr dup[] = {a4(2, 1, 32, 0, 0), a4(2, 1, 32, 9, 3), a6(1, 128, 0, 0)};
	struct nl_addr two_len[] = {a4(2, 1, 32, 0, 0), a4(2, 1, 31, 0, 0)};
	struct nl_addr bad[] = {a4(2, 1, 33, 0, 0)};
	struct nl_addr bad6[] = {a6(1, 129, 0, 0)};
	struct nl_addr nofam = {.prefixlen = 0};
	struct nl_plan p;

	nl_plan_init(&p);
	assert_int_equal(nl_plan_compute(&p, OURS, dup, 3, NULL, 0), 0);
	assert_int_equal(p.n_add, 2);
	assert_int_equal(nl_plan_compute(&p, OURS, two_len, 2, NULL, 0), -EINVAL);
	assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	assert_null(p.add);
	assert_int_equal(nl_plan_compute(&p, OURS, bad, 1, NULL, 0), -EINVAL);
	assert_int_equal(nl_plan_compute(&p, OURS, bad6, 1, NULL, 0), -EINVAL);
	assert_int_equal(nl_plan_compute(&p, OURS, &nofam, 1, NULL, 0), -EINVAL);
	assert_int_equal(nl_plan_compute(&p, 0, dup, 1, NULL, 0), -EINVAL);
	assert_int_equal(nl_plan_compute(&p, OURS, NULL, 1, NULL, 0), -EINVAL);
	nl_plan_fini(&p);
}

/* IPv4 ignores bytes 4..15; an IPv6 address with the same first bytes is
 * another address. */
static void test_family_bytes(void **state)
{
	struct nl_addr want = a4(2, 1, 32, 0, 0);
	struct nl_addr have[2] = {a4(2, 1, 32, OURS, 0)};
	struct nl_plan p;

	want.addr.bytes[9] = 0x55;
	have[0].addr.bytes[15] = 0x66;
	have[1] = have[0];
	have[1].ifindex = OTHER;
	have[1].addr.family = AF_INET6;
	nl_plan_init(&p);
	assert_int_equal(nl_plan_compute(&p, OURS, &want, 1, have, 2), 0);
	assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	nl_plan_fini(&p);
}

/* ---- randomized: the plan against a brute-force model ---- */

static uint32_t rng = 12345;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* A small universe so that collisions are common. */
static struct nl_addr pick(int ifindex)
{
	uint32_t r = rnd();
	uint8_t scope = (r >> 8) % 5 == 0 ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;

	/* Mostly host prefixes; now and then another length (a stale /24,
	 * or a wanted set naming one address twice with two lengths). */
	bool other_len = (r >> 4) % 16 == 0;

	if (r & 1)
		return a4(2, (uint8_t)((r >> 1) % 8), other_len ? 24 : 32, ifindex, scope);
	return a6((uint16_t)((r >> 1) % 8), other_len ? 64 : 128, ifindex, scope);
}

static bool addr_eq(const struct nl_addr *x, const struct nl_addr *y)
{
	size_t n = x->addr.family == AF_INET ? 4 : 16;

	return x->addr.family == y->addr.family && !memcmp(x->addr.bytes, y->addr.bytes, n);
}

static void check_plan(const struct nl_addr *want, size_t nw, const struct nl_addr *have, size_t nh,
                       const struct nl_plan *p)
{
	struct nl_addr after[64];
	size_t na = 0;

	/* Conflicts: exactly the entries of other interfaces that carry a
	 * wanted address. */
	for (size_t j = 0; j < nh; j++) {
		bool wanted = false;

		if (have[j].ifindex == OURS)
			continue;
		for (size_t i = 0; i < nw; i++)
			wanted |= addr_eq(&want[i], &have[j]);
		assert_int_equal(wanted, in(p->conflict, p->n_conflict, &have[j]));
	}
	for (size_t i = 0; i < p->n_conflict; i++)
		assert_true(in(have, nh, &p->conflict[i]));
	/* Dels only from our interface, only global, only what is there. */
	for (size_t i = 0; i < p->n_del; i++) {
		assert_int_equal(p->del[i].ifindex, OURS);
		assert_int_equal(p->del[i].scope, RT_SCOPE_UNIVERSE);
		assert_true(in(have, nh, &p->del[i]));
	}
	for (size_t i = 0; i < p->n_conflict; i++)
		assert_int_not_equal(p->conflict[i].ifindex, OURS);
	assert_true(p->n_del <= nh && p->n_conflict <= nh);
	/* Apply: our global addresses minus dels plus adds. */
	for (size_t i = 0; i < nh; i++)
		if (have[i].ifindex == OURS && have[i].scope == RT_SCOPE_UNIVERSE &&
		    !in(p->del, p->n_del, &have[i]))
			after[na++] = have[i];
	for (size_t i = 0; i < p->n_add; i++) {
		assert_int_equal(p->add[i].ifindex, OURS);
		assert_false(in(after, na, &p->add[i])); /* never adds what stays */
		after[na++] = p->add[i];
	}
	/* Result == wanted minus conflicts, as (address, prefix length). */
	for (size_t i = 0; i < na; i++) {
		struct nl_addr x = after[i];
		bool wanted = false, conflict = false;

		for (size_t j = 0; j < nw; j++) {
			struct nl_addr w = want[j];

			w.ifindex = OURS;
			wanted |= same(&w, &x);
		}
		for (size_t j = 0; j < nh; j++)
			conflict |= have[j].ifindex != OURS && addr_eq(&have[j], &x);
		assert_true(wanted);
		assert_false(conflict);
	}
	for (size_t j = 0; j < nw; j++) {
		struct nl_addr w = want[j];
		bool conflict = false;

		w.ifindex = OURS;
		for (size_t k = 0; k < nh; k++)
			conflict |= have[k].ifindex != OURS && addr_eq(&have[k], &w);
		assert_true(conflict || in(after, na, &w));
	}
}

static void test_random_vs_model(void **state)
{
	size_t n_invalid = 0, n_add = 0, n_del = 0, n_conflict = 0;

	for (int iter = 0; iter < 3000; iter++) {
		struct nl_addr want[12], have[24];
		size_t nw = rnd() % 12, nh = rnd() % 24;
		struct nl_plan p;
		int rc;
		bool two_len = false;

		for (size_t i = 0; i < nw; i++)
			want[i] = pick(0);
		for (size_t i = 0; i < nh; i++) {
			uint32_t r = rnd() % 3;

			have[i] = pick(r == 0 ? OURS : r == 1 ? OTHER : 1);
		}
		/* The kernel never lists one address twice per interface. */
		for (size_t i = 0; i < nh; i++)
			for (size_t j = 0; j < i; j++)
				if (have[i].ifindex == have[j].ifindex &&
				    addr_eq(&have[i], &have[j]))
					have[i].ifindex = 7 + (int)i;
		for (size_t i = 0; i < nw; i++)
			for (size_t j = 0; j < i; j++)
				two_len |= addr_eq(&want[i], &want[j]) &&
				           want[i].prefixlen != want[j].prefixlen;
		nl_plan_init(&p);
		rc = nl_plan_compute(&p, OURS, want, nw, have, nh);
		if (two_len) {
			assert_int_equal(rc, -EINVAL);
			n_invalid++;
		} else {
			assert_int_equal(rc, 0);
			check_plan(want, nw, have, nh, &p);
			n_add += p.n_add;
			n_del += p.n_del;
			n_conflict += p.n_conflict;
		}
		nl_plan_fini(&p);
	}
	/* The generator reaches every branch often. */
	assert_true(n_invalid > 100 && n_invalid < 1500);
	assert_true(n_add > 1000 && n_del > 1000 && n_conflict > 1000);
}

/* 20000 wanted, 20000 present: has to be quick (sorting, not n*m). */
static void test_large(void **state)
{
	size_t n = 20000;
	struct nl_addr *want = calloc(n, sizeof(*want)), *have = calloc(n, sizeof(*have));
	struct nl_plan p;

	assert_non_null(want);
	assert_non_null(have);
	for (size_t i = 0; i < n; i++)
		want[i] = a6((uint16_t)i, 128, 0, 0);
	for (size_t i = 0; i < n; i++) {
		have[i] = want[(i + 1) % n];
		have[i].ifindex = OURS;
		if (i % 2)
			have[i].addr.bytes[8] = 0xff; /* stale */
	}
	nl_plan_init(&p);
	assert_int_equal(nl_plan_compute(&p, OURS, want, n, have, n), 0);
	assert_int_equal(p.n_del, n / 2);
	assert_int_equal(p.n_add, n / 2);
	assert_int_equal(p.n_conflict, 0);
	nl_plan_fini(&p);
	free(want);
	free(have);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_adds_keeps_dels),
	    cmocka_unit_test(test_conflicts),
	    cmocka_unit_test(test_prefixlen_change),
	    cmocka_unit_test(test_duplicates_and_invalid),
	    cmocka_unit_test(test_family_bytes),
	    cmocka_unit_test(test_random_vs_model),
	    cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
