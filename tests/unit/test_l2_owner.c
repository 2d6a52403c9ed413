/*
 * l2/owner, the owner of a layer 2 address: a pinned table of vectors (a
 * change of the hash would move owners cluster-wide during a rolling
 * upgrade, see owner.h), then properties over random node sets under
 * fixed seeds: one owner among the eligible, the node array's order does
 * not matter, removing a node moves only its keys (to their second in
 * line), adding one moves keys only to it, owners spread, and the keys of
 * Services and shared addresses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/hash.h"
#include "l2/owner.h"

static const char *const fixed_nodes[] = {"node-1", "node-2", "node-3", "worker-a", "worker-b"};

/* Pinned: if one of these moves, every speaker of a cluster upgraded one
 * by one disagrees with the old ones about most owners. */
static const struct {
	const char *key;
	size_t rank[5];
} vectors[] = {
    {"default/web", {1, 2, 0, 3, 4}}, {"kube-system/dns", {1, 3, 4, 0, 2}},
    {"prod/api", {0, 4, 1, 2, 3}},    {"10.0.0.5", {3, 0, 4, 2, 1}},
    {"fd00::5", {4, 1, 3, 0, 2}},     {"a/b", {1, 4, 0, 2, 3}},
};

static void test_vectors(void **state)
{
	/* The score itself, and the same with a per-process seed set: the
	 * owner must not depend on it. */
	assert_true(l2_owner_score("default/web", "node-1") == 0x7c21955e9c7494f7ull);
	assert_true(l2_owner_score("", "") == 0xdb01c3104e99566dull);
	for (int seeded = 0; seeded < 2; seeded++) {
		core_hash_seed(seeded ? 0x1234567890abcdefull : 0);
		for (size_t v = 0; v < sizeof(vectors) / sizeof(vectors[0]); v++) {
			struct l2_owner_place p[5];
			size_t o = 99;

			assert_int_equal(l2_owner_pick(vectors[v].key, fixed_nodes, 5, &o), 0);
			assert_int_equal(o, vectors[v].rank[0]);
			assert_int_equal(l2_owner_rank(vectors[v].key, fixed_nodes, 5, p, 5), 5);
			for (size_t j = 0; j < 5; j++)
				assert_int_equal(p[j].idx, vectors[v].rank[j]);
		}
	}
	core_hash_seed(0);
	/* FNV-1a separates its fields by their 0: no aliasing. */
	assert_true(l2_owner_score("ab", "c") != l2_owner_score("a", "bc"));
}

static void test_edges(void **state)
{
	const char *one[] = {"n"};
	const char *dup[] = {"b", "a", "b", "a", "c"};
	const char *withnull[] = {"a", NULL};
	struct l2_owner_place p[6];
	size_t o = 7;

	assert_int_equal(l2_owner_pick("k", one, 0, &o), -ENOENT);
	assert_int_equal(o, 7);
	assert_int_equal(l2_owner_pick("k", NULL, 0, &o), -ENOENT);
	assert_int_equal(l2_owner_rank("k", one, 0, p, 3), -ENOENT);
	assert_int_equal(l2_owner_pick(NULL, one, 1, &o), -EINVAL);
	assert_int_equal(l2_owner_pick("k", NULL, 1, &o), -EINVAL);
	assert_int_equal(l2_owner_pick("k", one, 1, NULL), -EINVAL);
	assert_int_equal(l2_owner_pick("k", withnull, 2, &o), -EINVAL);
	assert_int_equal(l2_owner_rank("k", one, 1, NULL, 1), -EINVAL);
	assert_int_equal(l2_owner_rank("k", one, 1, NULL, 0), 0);
	assert_int_equal(l2_owner_pick("k", one, 1, &o), 0);
	assert_int_equal(o, 0);
	/* Equal names are one node, at its first index, for every key. */
	for (int i = 0; i < 200; i++) {
		char key[16];
		int seen[3] = {0};

		snprintf(key, sizeof(key), "ns/s%d", i);
		assert_int_equal(l2_owner_rank(key, dup, 5, p, 6), 3);
		for (int j = 0; j < 3; j++) {
			assert_true(p[j].idx == 0 || p[j].idx == 1 || p[j].idx == 4);
			seen[dup[p[j].idx][0] - 'a']++;
		}
		assert_true(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
		assert_int_equal(l2_owner_rank(key, dup, 5, p, 2), 2);
		assert_true(p[0].idx == 0 || p[0].idx == 1 || p[0].idx == 4);
	}
}

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define MAXN  40
#define NKEYS 400

struct set {
	char names[MAXN][48];
	const char *p[MAXN];
	size_t n;
};

static void set_random(struct set *s, size_t n)
{
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		/* Distinct: the index is part of the name; the rest varies the
		 * length and the bytes. */
		snprintf(s->names[i], sizeof(s->names[i]), "%s-%zu-%x",
		         next() & 1 ? "node" : "ip-10-0-0", i, (unsigned)(next() & 0xfff));
		s->p[i] = s->names[i];
	}
}

/* The owner by brute force: the maximum of (score, then smaller name). */
static size_t brute(const char *key, const struct set *s)
{
	size_t best = 0;

	for (size_t i = 1; i < s->n; i++) {
		uint64_t a = l2_owner_score(key, s->p[i]), b = l2_owner_score(key, s->p[best]);

		if (a > b || (a == b && strcmp(s->p[i], s->p[best]) < 0))
			best = i;
	}
	return best;
}

static const char *owner_name(const char *key, const struct set *s)
{
	size_t o = MAXN;

	assert_int_equal(l2_owner_pick(key, s->p, s->n, &o), 0);
	assert_true(o < s->n);
	return s->p[o];
}

static void test_properties(void **state)
{
	static const uint64_t seeds[] = {0x9e3779b97f4a7c15ull, 42, 0xdeadbeefcafef00dull};
	char keys[NKEYS][48];

	for (size_t sd = 0; sd < sizeof(seeds) / sizeof(seeds[0]); sd++) {
		rng = seeds[sd];
		for (int round = 0; round < 8; round++) {
			struct set s, t;
			size_t n = 1 + next() % (MAXN - 1);

			set_random(&s, n);
			for (size_t k = 0; k < NKEYS; k++)
				snprintf(keys[k], sizeof(keys[k]), "ns-%u/svc-%zu",
				         (unsigned)(next() % 50), k);
			for (size_t k = 0; k < NKEYS; k++) {
				struct l2_owner_place p[MAXN];
				size_t o;

				/* Exactly one owner, among the eligible: the brute
				 * maximum; the rank is the full order. */
				assert_int_equal(l2_owner_pick(keys[k], s.p, n, &o), 0);
				assert_int_equal(o, brute(keys[k], &s));
				assert_int_equal(l2_owner_rank(keys[k], s.p, n, p, MAXN), (int)n);
				assert_int_equal(p[0].idx, o);
				for (size_t j = 1; j < n; j++)
					assert_true(p[j - 1].score > p[j].score ||
					            (p[j - 1].score == p[j].score &&
					             strcmp(s.p[p[j - 1].idx], s.p[p[j].idx]) < 0));
			}
			/* The order of the array does not matter. */
			t = s;
			for (size_t i = n; i > 1; i--) {
				size_t j = next() % i;
				const char *x = t.p[i - 1];

				t.p[i - 1] = t.p[j];
				t.p[j] = x;
			}
			for (size_t k = 0; k < NKEYS; k++)
				assert_string_equal(owner_name(keys[k], &s),
				                    owner_name(keys[k], &t));
			/* Removing one node moves only its keys, each to its
			 * second in line. */
			if (n > 1) {
				size_t gone = next() % n;

				t = s;
				t.p[gone] = t.p[n - 1];
				t.n = n - 1;
				for (size_t k = 0; k < NKEYS; k++) {
					struct l2_owner_place p[2];
					const char *before = owner_name(keys[k], &s);

					assert_int_equal(l2_owner_rank(keys[k], s.p, n, p, 2), 2);
					if (strcmp(before, s.p[gone]) != 0)
						assert_string_equal(owner_name(keys[k], &t),
						                    before);
					else
						assert_string_equal(owner_name(keys[k], &t),
						                    s.p[p[1].idx]);
				}
			}
			/* Adding one takes keys only to the new node. */
			if (n < MAXN) {
				size_t moved = 0;

				t = s;
				snprintf(t.names[n], sizeof(t.names[n]), "new-%d", round);
				for (size_t i = 0; i < n; i++)
					t.p[i] = s.p[i];
				t.p[n] = t.names[n];
				t.n = n + 1;
				for (size_t k = 0; k < NKEYS; k++) {
					const char *after = owner_name(keys[k], &t);

					if (strcmp(after, t.names[n]) == 0)
						moved++;
					else
						assert_string_equal(after, owner_name(keys[k], &s));
				}
				/* About NKEYS/(n+1) move: at least one, not all. */
				assert_true(moved > 0 && moved < NKEYS);
			}
		}
	}
}

static void test_spread(void **state)
{
	static const char *const sets[][3] = {
	    {"node-1", "node-2", "node-3"},
	    {"a", "b", "c"},
	    {"k8s-worker-01.example.com", "k8s-worker-02.example.com", "k8s-worker-03.example.com"},
	};

	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		size_t count[3] = {0};

		for (int k = 0; k < 3000; k++) {
			char key[32];
			size_t o;

			/* Sequential names, the worst case for an unmixed FNV. */
			snprintf(key, sizeof(key), "default/svc-%d", k);
			assert_int_equal(l2_owner_pick(key, sets[s], 3, &o), 0);
			count[o]++;
		}
		for (int i = 0; i < 3; i++) {
			assert_in_range(count[i], 850, 1150);
		}
	}
}

static void test_keys(void **state)
{
	char a[64], b[64], small[8];
	struct core_addr v4, v6;
	size_t o4, o6;

	/* Dual-stack: both addresses of a Service take its key, so one
	 * owner whatever the addresses are. */
	assert_int_equal(l2_owner_key_svc(a, sizeof(a), "prod", "web"), 0);
	assert_string_equal(a, "prod/web");
	assert_int_equal(l2_owner_pick(a, fixed_nodes, 5, &o4), 0);
	assert_int_equal(l2_owner_pick(a, fixed_nodes, 5, &o6), 0);
	assert_int_equal(o4, o6);
	assert_int_equal(l2_owner_key_svc(small, sizeof(small), "prod", "web"), -ENOSPC);
	assert_int_equal(l2_owner_key_svc(small, sizeof(small), "prod", "we"), 0);
	assert_int_equal(l2_owner_key_svc(a, sizeof(a), "", "web"), -EINVAL);
	assert_int_equal(l2_owner_key_svc(a, sizeof(a), "prod", NULL), -EINVAL);
	/* A shared address: its canonical text, whichever way it was
	 * written; never equal to a Service key (no '/'). */
	assert_int_equal(core_addr_parse("fd00:0::0:5", &v6), 0);
	assert_int_equal(l2_owner_key_addr(b, sizeof(b), &v6), 0);
	assert_string_equal(b, "fd00::5");
	assert_null(strchr(b, '/'));
	assert_int_equal(core_addr_parse("10.0.0.5", &v4), 0);
	assert_int_equal(l2_owner_key_addr(b, sizeof(b), &v4), 0);
	assert_string_equal(b, "10.0.0.5");
	assert_int_equal(l2_owner_key_addr(small, 4, &v4), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),    cmocka_unit_test(test_edges),
	    cmocka_unit_test(test_properties), cmocka_unit_test(test_spread),
	    cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
