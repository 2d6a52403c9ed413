/*
 * Reconcile planner: stale addresses go (only from our interface, only
 * global ones), wanted ones come, conflicts with other interfaces are
 * reported and never touched, whatever order the node's addresses are fed
 * in; a hostile wanted set; an interrupted feed. The randomized and size
 * tests are in test_netlink_plan_model.c.
 */
#include <errno.h>
#include <limits.h>
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
#include "test_netlink_plan_util.h"

static void test_empty(void **state)
{
	struct nl_plan p;
	struct want_arr w;
	struct nl_addr add[ADD_CAP];

	nl_plan_init(&p);
	assert_int_equal(plan(&p, &w, NULL, 0, NULL, 0, add), 0);
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
	struct want_arr w;
	struct nl_addr add[ADD_CAP];
	struct nl_addr add1 = a4(2, 1, 32, OURS, 0), add2 = a6(1, 128, OURS, 0);

	nl_plan_init(&p);
	assert_int_equal(plan(&p, &w, want, 3, have, 5, add), 0);
	assert_int_equal(p.n_add, 2);
	assert_true(in(add, p.n_add, &add1));
	assert_true(in(add, p.n_add, &add2));
	for (size_t i = 0; i < p.n_add; i++)
		assert_int_equal(add[i].scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(p.n_del, 1);
	assert_true(same(&p.del[0], &have[1]));
	assert_int_equal(p.n_conflict, 0);

	/* Applying it and planning again: nothing left to do. */
	{
		struct nl_addr after[] = {have[0], have[2], have[3], have[4], add1, add2};

		assert_int_equal(plan(&p, &w, want, 3, after, 6, add), 0);
		assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	}
	nl_plan_fini(&p);
}

/* The next permutation of ix[0..n) in lexicographic order; false after
 * the last. */
static bool next_perm(size_t *ix, size_t n)
{
	size_t i = n - 1, j = n - 1;

	while (i > 0 && ix[i - 1] >= ix[i])
		i--;
	if (i == 0)
		return false;
	while (ix[j] <= ix[i - 1])
		j--;
	size_t t = ix[i - 1];
	ix[i - 1] = ix[j];
	ix[j] = t;
	for (j = n - 1; i < j; i++, j--) {
		t = ix[i];
		ix[i] = ix[j];
		ix[j] = t;
	}
	return true;
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
	size_t ix[] = {0, 1, 2, 3};
	int orders = 0;

	/* A dump lists interfaces in any order: every order, same plan. */
	do {
		struct nl_addr fed[4], add[ADD_CAP];
		struct nl_plan p;
		struct want_arr w;

		for (size_t i = 0; i < 4; i++)
			fed[i] = have[ix[i]];
		nl_plan_init(&p);
		assert_int_equal(plan(&p, &w, want, 3, fed, 4, add), 0);
		assert_int_equal(p.n_add, 0);
		assert_int_equal(p.n_conflict, 3);
		assert_true(in(p.conflict, p.n_conflict, &have[0]));
		assert_true(in(p.conflict, p.n_conflict, &have[1]));
		assert_true(in(p.conflict, p.n_conflict, &have[3]));
		/* Removed from our interface, never from the others. */
		assert_int_equal(p.n_del, 1);
		assert_true(same(&p.del[0], &have[2]));
		nl_plan_fini(&p);
		orders++;
	} while (next_perm(ix, 4));
	assert_int_equal(orders, 24);
}

/* max_del keeps the first dels and flags the rest for another round;
 * the adds and conflicts are planned as without it. */
static void test_max_del(void **state)
{
	struct nl_addr want[] = {a4(2, 1, 32, 0, 0), a4(2, 2, 32, 0, 0)};
	struct nl_addr have[] = {
	    a4(2, 10, 32, OURS, RT_SCOPE_UNIVERSE), a4(2, 11, 32, OURS, RT_SCOPE_UNIVERSE),
	    a4(2, 2, 32, OTHER, RT_SCOPE_UNIVERSE), a4(2, 12, 32, OURS, RT_SCOPE_UNIVERSE),
	    a4(2, 13, 32, OURS, RT_SCOPE_UNIVERSE),
	};
	struct nl_addr add[ADD_CAP];
	struct nl_plan p;
	struct want_arr w;

	(void)state;
	nl_plan_init(&p);
	p.max_del = 2;
	assert_int_equal(plan(&p, &w, want, 2, have, 5, add), 0);
	assert_int_equal(p.n_del, 2);
	assert_true(p.more_del);
	assert_true(same(&p.del[0], &have[0]));
	assert_true(same(&p.del[1], &have[1]));
	assert_int_equal(p.n_add, 1);
	assert_int_equal(p.n_conflict, 1);
	/* The next round, two gone: the rest fits. */
	assert_int_equal(plan(&p, &w, want, 2, have + 2, 3, add), 0);
	assert_int_equal(p.n_del, 2);
	assert_false(p.more_del);
	/* No limit: all four at once. */
	p.max_del = 0;
	assert_int_equal(plan(&p, &w, want, 2, have, 5, add), 0);
	assert_int_equal(p.n_del, 4);
	assert_false(p.more_del);
	nl_plan_fini(&p);
}

/* The conflicting entry comes AFTER the address was seen, and kept, on
 * our interface: it must still be deleted there, once, however many
 * other interfaces hold it. */
static void test_conflict_after_kept(void **state)
{
	struct nl_addr want[] = {a6(7, 128, 0, 0), a4(2, 7, 32, 0, 0), a4(2, 9, 32, 0, 0)};
	struct nl_addr have[] = {
	    a6(7, 128, OURS, RT_SCOPE_UNIVERSE), /* kept ... */
	    a4(2, 7, 32, OURS, RT_SCOPE_UNIVERSE),
	    a4(2, 7, 24, OURS, RT_SCOPE_UNIVERSE), /* another length: goes anyway */
	    a4(2, 9, 32, OURS, RT_SCOPE_UNIVERSE), /* kept for good */
	    a6(7, 64, OTHER, RT_SCOPE_UNIVERSE),   /* ... until these show up */
	    a6(7, 128, 9, RT_SCOPE_UNIVERSE),
	    a4(2, 7, 32, 1, RT_SCOPE_HOST),
	};
	struct nl_addr add[ADD_CAP];
	struct nl_plan p;
	struct want_arr w;

	have[0].flags = 0x80;
	nl_plan_init(&p);
	assert_int_equal(plan(&p, &w, want, 3, have, 7, add), 0);
	assert_int_equal(p.n_add, 0);
	assert_int_equal(p.n_conflict, 3);
	for (size_t i = 4; i < 7; i++)
		assert_true(in(p.conflict, p.n_conflict, &have[i]));
	assert_int_equal(p.n_del, 3);
	assert_true(in(p.del, p.n_del, &have[0]));
	assert_true(in(p.del, p.n_del, &have[1]));
	assert_true(in(p.del, p.n_del, &have[2]));
	for (size_t i = 0; i < p.n_del; i++) {
		assert_int_equal(p.del[i].scope, RT_SCOPE_UNIVERSE);
		assert_int_equal(p.del[i].ifindex, OURS);
	}

	/* Only on the other interface first, then ours: deleted as listed. */
	{
		struct nl_addr rev[] = {have[4], have[0]};

		assert_int_equal(plan(&p, &w, want, 1, rev, 2, add), 0);
		assert_int_equal(p.n_conflict, 1);
		assert_int_equal(p.n_del, 1);
		assert_true(same(&p.del[0], &have[0]));
		assert_int_equal(p.del[0].flags, 0x80);
		assert_int_equal(p.n_add, 0);
	}
	nl_plan_fini(&p);
}

static void test_prefixlen_change(void **state)
{
	struct nl_addr want[] = {a4(2, 1, 32, 0, 0), a6(1, 128, 0, 0)};
	struct nl_addr have[] = {a4(2, 1, 24, OURS, 0), a6(1, 64, OURS, 0)};
	struct nl_addr add1 = a4(2, 1, 32, OURS, 0), add2 = a6(1, 128, OURS, 0);
	struct nl_addr add[ADD_CAP];
	struct nl_plan p;
	struct want_arr w;

	nl_plan_init(&p);
	assert_int_equal(plan(&p, &w, want, 2, have, 2, add), 0);
	assert_int_equal(p.n_del, 2);
	assert_int_equal(p.n_add, 2);
	assert_true(in(p.del, p.n_del, &have[0]));
	assert_true(in(p.del, p.n_del, &have[1]));
	assert_true(in(add, p.n_add, &add1));
	assert_true(in(add, p.n_add, &add2));

	/* IPv4 may hold one address with two lengths on one interface: the
	 * wanted one stays, the other goes, in either order. */
	{
		struct nl_addr both[] = {a4(2, 1, 24, OURS, 0), a4(2, 1, 32, OURS, 0)};

		for (int order = 0; order < 2; order++) {
			struct nl_addr fed[] = {both[order], both[1 - order]};

			assert_int_equal(plan(&p, &w, want, 1, fed, 2, add), 0);
			assert_int_equal(p.n_del, 1);
			assert_true(same(&p.del[0], &both[0]));
			assert_int_equal(p.n_add, 0);
		}
	}
	/* Shorter wanted than present: the same, the other way round. */
	{
		struct nl_addr want24 = a4(2, 1, 24, 0, 0), have32 = a4(2, 1, 32, OURS, 0);
		struct nl_addr add24 = a4(2, 1, 24, OURS, 0);

		assert_int_equal(plan(&p, &w, &want24, 1, &have32, 1, add), 0);
		assert_int_equal(p.n_del, 1);
		assert_true(same(&p.del[0], &have32));
		assert_int_equal(p.n_add, 1);
		assert_true(same(&add[0], &add24));
	}
	nl_plan_fini(&p);
}

/* A hostile set: find naming entries that do not hold the address, or
 * out of range; get failing. Each refuses the plan, which stays empty. */
struct bad_set {
	const struct nl_addr *v;
	size_t n;
	long find_ret;   /* find's answer for every address; -2: the real one */
	size_t fail_get; /* get fails for this index (n: never) */
};

static int bad_get(const void *ctx, size_t i, struct bgp_addr *a, uint8_t *prefixlen)
{
	const struct bad_set *b = ctx;

	if (i >= b->n)
		fail_msg("get(%zu) out of range", i);
	if (i == b->fail_get)
		return -ENOMEM;
	*a = b->v[i].addr;
	*prefixlen = b->v[i].prefixlen;
	return 0;
}

static long bad_find(const void *ctx, const struct bgp_addr *a)
{
	const struct bad_set *b = ctx;
	struct want_arr w;

	if (b->find_ret != -2)
		return b->find_ret;
	want_arr_init(&w, b->v, b->n);
	return want_arr_find(&w, a);
}

static void test_hostile_set(void **state)
{
	struct nl_addr want[] = {a4(2, 1, 32, 0, 0), a6(1, 128, 0, 0)};
	struct nl_addr have[] = {a4(2, 1, 32, OURS, 0), a4(2, 50, 32, OURS, 0)};
	struct bad_set b = {.v = want, .n = 2, .find_ret = -2, .fail_get = 2};
	struct nl_want_set set = {.n = 2, .get = bad_get, .find = bad_find, .ctx = &b};
	struct nl_addr add[ADD_CAP];
	struct nl_plan p;
	size_t iter = 0;
	const long finds[] = {2, 1000, -3, LONG_MIN, 0};

	nl_plan_init(&p);
	/* Not started: nothing to feed, nothing to add. */
	assert_int_equal(nl_plan_feed(&p, &have[0]), -EINVAL);
	assert_int_equal(nl_plan_finish(&p), -EINVAL);
	assert_int_equal(nl_plan_next_add(&p, &iter, &add[0]), 0);
	assert_int_equal(plan_run(&p, OURS, &set, have, 2), 0);
	assert_int_equal(p.n_add, 1);
	for (size_t i = 0; i < sizeof(finds) / sizeof(finds[0]); i++) {
		b.find_ret = finds[i];
		assert_int_equal(plan_run(&p, OURS, &set, have, 2), -EINVAL);
		assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
		iter = 0;
		assert_int_equal(nl_plan_next_add(&p, &iter, &add[0]), 0);
		/* Stays failed until started again. */
		assert_int_equal(nl_plan_feed(&p, &have[0]), -EINVAL);
		assert_int_equal(nl_plan_finish(&p), -EINVAL);
	}
	/* find right for the wanted entries only: caught at the first
	 * address that is not wanted. */
	b.find_ret = 0;
	set.n = b.n = 1;
	assert_int_equal(nl_plan_start(&p, OURS, &set), 0);
	assert_int_equal(nl_plan_feed(&p, &have[0]), 0);
	assert_int_equal(nl_plan_feed(&p, &have[1]), -EINVAL);
	assert_int_equal(nl_plan_feed(&p, &have[0]), -EINVAL);
	assert_int_equal(nl_plan_finish(&p), -EINVAL);
	assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	/* get's own error is passed on. */
	b.find_ret = -2;
	set.n = b.n = 2;
	b.fail_get = 1;
	assert_int_equal(plan_run(&p, OURS, &set, have, 2), -ENOMEM);
	/* A set without functions. */
	set.find = NULL;
	assert_int_equal(nl_plan_start(&p, OURS, &set), -EINVAL);
	set.n = 0;
	assert_int_equal(plan_run(&p, OURS, &set, have, 2), 0);
	assert_int_equal(p.n_del, 2);
	assert_int_equal(nl_plan_feed(&p, NULL), -EINVAL);
	nl_plan_fini(&p);
}

/* An interrupted dump: planning again from nl_plan_start forgets what the
 * first, partial feed found. */
static void test_restart(void **state)
{
	struct nl_addr want[] = {a4(2, 1, 32, 0, 0), a4(2, 2, 32, 0, 0)};
	struct nl_addr first[] = {a4(2, 1, 32, OURS, 0), a4(2, 3, 32, OURS, 0),
	                          a4(2, 2, 32, OTHER, 0)};
	struct nl_addr second[] = {a4(2, 2, 32, OURS, 0)};
	struct nl_addr add[ADD_CAP];
	struct nl_plan p;
	struct want_arr w;

	want_arr_init(&w, want, 2);
	nl_plan_init(&p);
	assert_int_equal(nl_plan_start(&p, OURS, &w.set), 0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(nl_plan_feed(&p, &first[i]), 0);
	assert_int_equal(p.n_del + p.n_conflict, 2);
	assert_int_equal(plan(&p, &w, want, 2, second, 1, add), 0);
	assert_int_equal(p.n_del + p.n_conflict, 0);
	assert_int_equal(p.n_add, 1);
	{
		struct nl_addr exp = a4(2, 1, 32, OURS, 0);

		assert_true(same(&add[0], &exp));
	}
	nl_plan_fini(&p);
}

static void test_duplicates_and_invalid(void **state)
{
	struct nl_addr dup[] = {a4(2, 1, 32, 0, 0), a4(2, 1, 32, 9, 3), a6(1, 128, 0, 0)};
	struct nl_addr two_len[] = {a4(2, 1, 32, 0, 0), a4(2, 1, 31, 0, 0)};
	struct nl_addr bad[] = {a4(2, 1, 33, 0, 0)};
	struct nl_addr bad6[] = {a6(1, 129, 0, 0)};
	struct nl_addr nofam = {.prefixlen = 0};
	struct nl_addr add[ADD_CAP];
	struct nl_plan p;
	struct want_arr w;
	size_t iter = 0;

	nl_plan_init(&p);
	/* The same address twice with one length: added once. */
	assert_int_equal(plan(&p, &w, dup, 3, NULL, 0, add), 0);
	assert_int_equal(p.n_add, 2);
	assert_int_equal(plan(&p, &w, two_len, 2, NULL, 0, add), -EINVAL);
	assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	assert_int_equal(nl_plan_next_add(&p, &iter, &add[0]), 0);
	assert_int_equal(plan(&p, &w, bad, 1, NULL, 0, add), -EINVAL);
	assert_int_equal(plan(&p, &w, bad6, 1, NULL, 0, add), -EINVAL);
	assert_int_equal(plan(&p, &w, &nofam, 1, NULL, 0, add), -EINVAL);
	want_arr_init(&w, dup, 1);
	assert_int_equal(plan_run(&p, 0, &w.set, NULL, 0), -EINVAL);
	assert_int_equal(plan_run(&p, OURS, NULL, NULL, 0), -EINVAL);
	nl_plan_fini(&p);
}

/* IPv4 ignores bytes 4..15; an IPv6 address with the same first bytes is
 * another address. */
static void test_family_bytes(void **state)
{
	struct nl_addr want = a4(2, 1, 32, 0, 0);
	struct nl_addr have[2] = {a4(2, 1, 32, OURS, 0)};
	struct nl_addr add[ADD_CAP];
	struct nl_plan p;
	struct want_arr w;

	want.addr.bytes[9] = 0x55;
	have[0].addr.bytes[15] = 0x66;
	have[1] = have[0];
	have[1].ifindex = OTHER;
	have[1].addr.family = AF_INET6;
	nl_plan_init(&p);
	assert_int_equal(plan(&p, &w, &want, 1, have, 2, add), 0);
	assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	/* What the planner hands out is canonical. */
	have[0].ifindex = 9;
	assert_int_equal(plan(&p, &w, &want, 1, have, 1, add), 0);
	assert_int_equal(p.n_conflict, 1);
	assert_int_equal(p.n_add, 0);
	assert_int_equal(plan(&p, &w, &want, 1, NULL, 0, add), 0);
	assert_int_equal(p.n_add, 1);
	for (size_t i = 4; i < 16; i++)
		assert_int_equal(add[0].addr.bytes[i], 0);
	nl_plan_fini(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_adds_keeps_dels),
	    cmocka_unit_test(test_conflicts),
	    cmocka_unit_test(test_conflict_after_kept),
	    cmocka_unit_test(test_max_del),
	    cmocka_unit_test(test_prefixlen_change),
	    cmocka_unit_test(test_hostile_set),
	    cmocka_unit_test(test_restart),
	    cmocka_unit_test(test_duplicates_and_invalid),
	    cmocka_unit_test(test_family_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
