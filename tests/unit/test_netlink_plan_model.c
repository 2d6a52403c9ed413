/*
 * Reconcile planner against models: small random cases against a
 * brute-force model, thousands of addresses against a per-address
 * reference model (any order of an address's entries), and a size test.
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
	size_t n = core_af_len(x->addr.family);

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
		assert_false(in(p->del, i, &p->del[i])); /* each once */
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
		rc = plan(&p, want, nw, have, nh);
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

/* ---- thousands of addresses against a reference model ----
 *
 * The universe: U IPv4 addresses 198.18.x.y (RFC 2544), address u at
 * 198.18.(u >> 8).(u & 255). The wanted set is a random subset in random
 * order; the model decides per address. */

#define U 8192

static struct nl_addr uaddr(size_t u, uint8_t plen, int ifindex, uint8_t scope)
{
	struct nl_addr a = {.ifindex = ifindex, .prefixlen = plen, .scope = scope};

	a.addr.family = AF_INET;
	a.addr.bytes[0] = 198;
	a.addr.bytes[1] = 18;
	a.addr.bytes[2] = (uint8_t)(u >> 8);
	a.addr.bytes[3] = (uint8_t)u;
	return a;
}

static long big_index(const struct core_addr *a)
{
	if (a->family != AF_INET || a->bytes[0] != 198 || a->bytes[1] != 18 ||
	    ((size_t)a->bytes[2] << 8 | a->bytes[3]) >= U)
		return -1;
	return (long)((size_t)a->bytes[2] << 8 | a->bytes[3]);
}

static int addr_order(const void *x, const void *y)
{
	const struct nl_addr *a = x, *b = y;
	int c = memcmp(a->addr.bytes, b->addr.bytes, 4);

	if (c)
		return c;
	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	return (int)a->prefixlen - (int)b->prefixlen;
}

static void assert_same_list(struct nl_addr *x, size_t nx, struct nl_addr *y, size_t ny)
{
	assert_int_equal(nx, ny);
	qsort(x, nx, sizeof(*x), addr_order);
	qsort(y, ny, sizeof(*y), addr_order);
	for (size_t i = 0; i < nx; i++)
		assert_true(same(&x[i], &y[i]));
}

static void test_thousands_vs_reference(void **state)
{
	static struct nl_addr want[U], have[3 * U];
	static struct nl_addr e_add[U], e_del[3 * U], e_conf[3 * U];
	static uint8_t wlen[U];
	static bool other[U], ours_ok[U];
	size_t n_seen[4] = {0};

	for (int round = 0; round < 4; round++) {
		size_t nw = 0, nh = 0, ne_add = 0, ne_del = 0, ne_conf = 0;
		struct nl_plan p;
		int rc;

		memset(wlen, 0, sizeof(wlen));
		memset(other, 0, sizeof(other));
		memset(ours_ok, 0, sizeof(ours_ok));
		for (size_t u = 0; u < U; u++) {
			if (rnd() % 4 != 0) /* three in four wanted */
				wlen[u] = rnd() % 32 == 0 ? 24 : 32;
		}
		/* The set in a random order. */
		for (size_t u = 0; u < U; u++)
			if (wlen[u])
				want[nw++] = uaddr(u, wlen[u], 0, 0);
		for (size_t i = nw; i > 1; i--) {
			size_t j = rnd() % i;
			struct nl_addr t = want[i - 1];

			want[i - 1] = want[j];
			want[j] = t;
		}
		/* The node: each address on ours (host route, another length,
		 * link scope), on one or two other interfaces, or nowhere. */
		for (size_t u = 0; u < U; u++) {
			uint32_t r = rnd();

			if (r % 3 == 0)
				have[nh++] = uaddr(u, 32, OURS, RT_SCOPE_UNIVERSE);
			if (r % 11 == 0)
				have[nh++] = uaddr(u, 24, OURS, RT_SCOPE_UNIVERSE);
			if (r % 13 == 0)
				have[nh++] = uaddr(u, 32, OURS, RT_SCOPE_LINK);
			if ((r >> 8) % 20 == 0)
				have[nh++] = uaddr(u, 24, OTHER, RT_SCOPE_UNIVERSE);
			if ((r >> 8) % 40 == 1)
				have[nh++] = uaddr(u, 32, 1, RT_SCOPE_HOST);
		}
		for (size_t i = nh; i > 1; i--) {
			size_t j = rnd() % i;
			struct nl_addr t = have[i - 1];

			have[i - 1] = have[j];
			have[j] = t;
		}
		/* The model, address by address. */
		for (size_t i = 0; i < nh; i++) {
			size_t u = (size_t)big_index(&have[i].addr);

			if (have[i].ifindex != OURS)
				other[u] |= wlen[u] != 0;
		}
		for (size_t i = 0; i < nh; i++) {
			size_t u = (size_t)big_index(&have[i].addr);

			if (have[i].ifindex != OURS) {
				if (wlen[u])
					e_conf[ne_conf++] = have[i];
			} else if (have[i].scope == RT_SCOPE_UNIVERSE) {
				if (wlen[u] && !other[u] && have[i].prefixlen == wlen[u])
					ours_ok[u] = true;
				else
					e_del[ne_del++] = have[i];
			}
		}
		for (size_t u = 0; u < U; u++)
			if (wlen[u] && !other[u] && !ours_ok[u])
				e_add[ne_add++] = uaddr(u, wlen[u], OURS, 0);

		nl_plan_init(&p);
		rc = plan(&p, want, nw, have, nh);
		assert_int_equal(rc, 0);
		assert_same_list(p.add, p.n_add, e_add, ne_add);
		assert_same_list(p.del, p.n_del, e_del, ne_del);
		assert_same_list(p.conflict, p.n_conflict, e_conf, ne_conf);
		n_seen[0] += ne_add;
		n_seen[1] += ne_del;
		n_seen[2] += ne_conf;
		n_seen[3] += nh;
		nl_plan_fini(&p);
	}
	/* Thousands of each kind went through. */
	assert_true(n_seen[0] > 4000 && n_seen[1] > 4000 && n_seen[2] > 1000 &&
	            n_seen[3] > 4 * 4000);
}

/* 20000 wanted, 20000 present: has to be quick (a merge, not n*m). */
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
	assert_int_equal(plan(&p, want, n, have, n), 0);
	assert_int_equal(p.n_del, n / 2);
	assert_int_equal(p.n_add, n / 2);
	assert_int_equal(p.n_conflict, 0);
	for (size_t i = 0; i < p.n_add; i++) {
		const struct nl_addr *a = &p.add[i];

		/* have[i] keeps want[i + 1] for even i: the odd ones stay. */
		assert_int_equal(((size_t)a->addr.bytes[14] << 8 | a->addr.bytes[15]) % 2, 0);
	}
	nl_plan_fini(&p);
	free(want);
	free(have);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_vs_model),
	    cmocka_unit_test(test_thousands_vs_reference),
	    cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
