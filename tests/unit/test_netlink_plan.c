/*
 * Reconcile planner: stale addresses go (only from our interface, only
 * global ones), wanted ones come, conflicts with other interfaces are
 * reported and never touched, whatever order an address's entries come
 * in; input that is not sorted or not valid; planning again. The
 * randomized and size tests are in test_netlink_plan_model.c.
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

	nl_plan_init(&p);
	assert_int_equal(plan(&p, NULL, 0, NULL, 0), 0);
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
	assert_int_equal(plan(&p, want, 3, have, 5), 0);
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

		assert_int_equal(plan(&p, want, 3, after, 6), 0);
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

	/* A dump lists interfaces in any order: every order of the entries
	 * of one address, same plan. */
	do {
		struct nl_addr fed[4];
		struct nl_plan p;

		for (size_t i = 0; i < 4; i++)
			fed[i] = have[ix[i]];
		nl_plan_init(&p);
		assert_int_equal(plan(&p, want, 3, fed, 4), 0);
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

/* Every stale address of ours goes in one plan; the adds and conflicts
 * are planned beside them. */
static void test_all_dels(void **state)
{
	struct nl_addr want[] = {a4(2, 1, 32, 0, 0), a4(2, 2, 32, 0, 0)};
	struct nl_addr have[] = {
	    a4(2, 10, 32, OURS, RT_SCOPE_UNIVERSE), a4(2, 11, 32, OURS, RT_SCOPE_UNIVERSE),
	    a4(2, 2, 32, OTHER, RT_SCOPE_UNIVERSE), a4(2, 12, 32, OURS, RT_SCOPE_UNIVERSE),
	    a4(2, 13, 32, OURS, RT_SCOPE_UNIVERSE),
	};
	struct nl_plan p;

	(void)state;
	nl_plan_init(&p);
	assert_int_equal(plan(&p, want, 2, have, 5), 0);
	assert_int_equal(p.n_del, 4);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(in(p.del, p.n_del, &have[i]), i != 2);
	assert_int_equal(p.n_add, 1);
	assert_int_equal(p.n_conflict, 1);
	assert_true(same(&p.conflict[0], &have[2]));
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
	struct nl_plan p;

	have[0].flags = 0x80;
	nl_plan_init(&p);
	assert_int_equal(plan(&p, want, 3, have, 7), 0);
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

		assert_int_equal(plan(&p, want, 1, rev, 2), 0);
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
	struct nl_plan p;

	nl_plan_init(&p);
	assert_int_equal(plan(&p, want, 2, have, 2), 0);
	assert_int_equal(p.n_del, 2);
	assert_int_equal(p.n_add, 2);
	assert_true(in(p.del, p.n_del, &have[0]));
	assert_true(in(p.del, p.n_del, &have[1]));
	assert_true(in(p.add, p.n_add, &add1));
	assert_true(in(p.add, p.n_add, &add2));

	/* IPv4 may hold one address with two lengths on one interface: the
	 * wanted one stays, the other goes, in either order. */
	{
		struct nl_addr both[] = {a4(2, 1, 24, OURS, 0), a4(2, 1, 32, OURS, 0)};

		for (int order = 0; order < 2; order++) {
			struct nl_addr fed[] = {both[order], both[1 - order]};

			assert_int_equal(plan(&p, want, 1, fed, 2), 0);
			assert_int_equal(p.n_del, 1);
			assert_true(same(&p.del[0], &both[0]));
			assert_int_equal(p.n_add, 0);
		}
	}
	/* Shorter wanted than present: the same, the other way round. */
	{
		struct nl_addr want24 = a4(2, 1, 24, 0, 0), have32 = a4(2, 1, 32, OURS, 0);
		struct nl_addr add24 = a4(2, 1, 24, OURS, 0);

		assert_int_equal(plan(&p, &want24, 1, &have32, 1), 0);
		assert_int_equal(p.n_del, 1);
		assert_true(same(&p.del[0], &have32));
		assert_int_equal(p.n_add, 1);
		assert_true(same(&p.add[0], &add24));
	}
	nl_plan_fini(&p);
}

/* Input the planner cannot trust: not sorted by address, arrays missing,
 * no interface. Each refuses the plan, which stays empty; the next good
 * input is planned as if nothing had happened. */
static void test_bad_input(void **state)
{
	struct nl_addr want[] = {a4(2, 1, 32, 0, 0), a6(1, 128, 0, 0)};
	struct nl_addr have[] = {a4(2, 1, 32, OURS, 0), a4(2, 50, 32, OURS, 0)};
	struct nl_addr rwant[] = {want[1], want[0]}, rhave[] = {have[1], have[0]};
	struct nl_plan p;

	nl_plan_init(&p);
	assert_int_equal(nl_plan_compute(&p, OURS, want, 2, have, 2), 0);
	assert_int_equal(p.n_add, 1);
	assert_int_equal(p.n_del, 1);
	/* Sorted only by address: ifindex and prefix length may be in any
	 * order. */
	{
		struct nl_addr two[] = {a4(2, 1, 32, OURS, 0), a4(2, 1, 24, OTHER, 0)};

		assert_int_equal(nl_plan_compute(&p, OURS, want, 2, two, 2), 0);
		assert_int_equal(p.n_conflict, 1);
	}
	assert_int_equal(nl_plan_compute(&p, OURS, rwant, 2, have, 2), -EINVAL);
	assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	assert_int_equal(nl_plan_compute(&p, OURS, want, 2, have, 2), 0);
	assert_int_equal(nl_plan_compute(&p, OURS, want, 2, rhave, 2), -EINVAL);
	assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	assert_null(p.add);
	assert_int_equal(nl_plan_compute(&p, OURS, NULL, 2, have, 2), -EINVAL);
	assert_int_equal(nl_plan_compute(&p, OURS, want, 2, NULL, 2), -EINVAL);
	assert_int_equal(nl_plan_compute(&p, 0, want, 2, have, 2), -EINVAL);
	assert_int_equal(nl_plan_compute(&p, -1, want, 2, have, 2), -EINVAL);
	assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	/* Nothing wanted, nothing there: empty arrays may be NULL. */
	assert_int_equal(nl_plan_compute(&p, OURS, NULL, 0, have, 2), 0);
	assert_int_equal(p.n_del, 2);
	assert_int_equal(nl_plan_compute(&p, OURS, want, 2, NULL, 0), 0);
	assert_int_equal(p.n_add, 2);
	nl_plan_fini(&p);
}

/* Planning again (after an interrupted dump) forgets the last plan. */
static void test_again(void **state)
{
	struct nl_addr want[] = {a4(2, 1, 32, 0, 0), a4(2, 2, 32, 0, 0)};
	struct nl_addr first[] = {a4(2, 1, 32, OURS, 0), a4(2, 3, 32, OURS, 0),
	                          a4(2, 2, 32, OTHER, 0)};
	struct nl_addr second[] = {a4(2, 2, 32, OURS, 0)};
	struct nl_plan p;

	nl_plan_init(&p);
	assert_int_equal(plan(&p, want, 2, first, 3), 0);
	assert_int_equal(p.n_del + p.n_conflict, 2);
	assert_int_equal(plan(&p, want, 2, second, 1), 0);
	assert_int_equal(p.n_del + p.n_conflict, 0);
	assert_int_equal(p.n_add, 1);
	{
		struct nl_addr exp = a4(2, 1, 32, OURS, 0);

		assert_true(same(&p.add[0], &exp));
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
	struct nl_plan p;

	nl_plan_init(&p);
	/* The same address twice with one length: added once. */
	assert_int_equal(plan(&p, dup, 3, NULL, 0), 0);
	assert_int_equal(p.n_add, 2);
	assert_int_equal(plan(&p, two_len, 2, NULL, 0), -EINVAL);
	assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	assert_null(p.add);
	assert_int_equal(plan(&p, bad, 1, NULL, 0), -EINVAL);
	assert_int_equal(plan(&p, bad6, 1, NULL, 0), -EINVAL);
	assert_int_equal(plan(&p, &nofam, 1, NULL, 0), -EINVAL);
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
	assert_int_equal(plan(&p, &want, 1, have, 2), 0);
	assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	/* What the planner hands out is canonical. */
	have[0].ifindex = 9;
	assert_int_equal(plan(&p, &want, 1, have, 1), 0);
	assert_int_equal(p.n_conflict, 1);
	assert_int_equal(p.n_add, 0);
	assert_int_equal(plan(&p, &want, 1, NULL, 0), 0);
	assert_int_equal(p.n_add, 1);
	for (size_t i = 4; i < 16; i++)
		assert_int_equal(p.add[0].addr.bytes[i], 0);
	nl_plan_fini(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_adds_keeps_dels),
	    cmocka_unit_test(test_conflicts),
	    cmocka_unit_test(test_conflict_after_kept),
	    cmocka_unit_test(test_all_dels),
	    cmocka_unit_test(test_prefixlen_change),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_again),
	    cmocka_unit_test(test_duplicates_and_invalid),
	    cmocka_unit_test(test_family_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
