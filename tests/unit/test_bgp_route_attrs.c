/*
 * The table of session-independent route attributes (bgp/route_attrs.h):
 * interning (order and repeats do not matter, the empty set is id 0),
 * references, dead ids not handed out before bgp_route_attrs_reclaim,
 * peers lists, limits, and a random run against a model.
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

#include "bgp/route_attrs.h"

static void test_empty_is_zero(void **state)
{
	struct bgp_route_attrs_tab *t = bgp_route_attrs_tab_new();
	struct bgp_route_attrs a = {0};
	struct bgp_route_attrs_stats st;
	const struct bgp_route_attrs *g;
	uint32_t id = 7;

	assert_non_null(t);
	assert_int_equal(bgp_route_attrs_add(t, &a, &id), 0);
	assert_int_equal(id, 0);
	/* LOCAL_PREF's value without has_local_pref means nothing */
	a.local_pref = 300;
	assert_int_equal(bgp_route_attrs_add(t, &a, &id), 0);
	assert_int_equal(id, 0);
	g = bgp_route_attrs_get(t, 0);
	assert_non_null(g);
	assert_int_equal(g->n_communities + g->n_large_communities + g->n_peers, 0);
	assert_false(g->has_local_pref);
	assert_int_equal(g->link_bw, 0);
	assert_true(bgp_route_attrs_for_peer(t, 0, "tor1"));
	bgp_route_attrs_put(t, 0); /* no reference: nothing */
	bgp_route_attrs_stats(t, &st);
	assert_int_equal(st.live, 0);
	assert_int_equal(st.max_id, 0);
	bgp_route_attrs_tab_free(t);
}

static void test_interning_canonical(void **state)
{
	struct bgp_route_attrs_tab *t = bgp_route_attrs_tab_new();
	uint32_t c1[] = {0xFFFFFF01u, 65000u << 16 | 100, 65000u << 16 | 100};
	uint32_t c2[] = {65000u << 16 | 100, 0xFFFFFF01u};
	uint32_t l1[] = {65000, 1, 2, 64512, 0, 0};
	uint32_t l2[] = {64512, 0, 0, 65000, 1, 2, 64512, 0, 0};
	const char *p1[] = {"tor2", "tor1"}, *p2[] = {"tor1", "tor2", "tor1"};
	struct bgp_route_attrs a = {.communities = c1,
	                            .n_communities = 3,
	                            .large_communities = l1,
	                            .n_large_communities = 2,
	                            .has_local_pref = true,
	                            .local_pref = 200,
	                            .link_bw = 125000,
	                            .peers = p1,
	                            .n_peers = 2};
	struct bgp_route_attrs b = a;
	const struct bgp_route_attrs *g;
	uint32_t ia, ib, ic;

	b.communities = c2;
	b.n_communities = 2;
	b.large_communities = l2;
	b.n_large_communities = 3;
	b.peers = p2;
	b.n_peers = 3;
	assert_int_equal(bgp_route_attrs_add(t, &a, &ia), 0);
	assert_int_not_equal(ia, 0);
	assert_int_equal(bgp_route_attrs_add(t, &b, &ib), 0);
	assert_int_equal(ia, ib);
	/* The table's copy: sorted, each once; the caller's arrays untouched. */
	g = bgp_route_attrs_get(t, ia);
	assert_non_null(g);
	assert_int_equal(g->n_communities, 2);
	assert_int_equal(g->communities[0], 65000u << 16 | 100);
	assert_int_equal(g->communities[1], 0xFFFFFF01u);
	assert_int_equal(g->n_large_communities, 2);
	assert_int_equal(g->large_communities[0], 64512);
	assert_int_equal(g->large_communities[3], 65000);
	assert_int_equal(g->large_communities[5], 2);
	assert_int_equal(g->n_peers, 2);
	assert_string_equal(g->peers[0], "tor1");
	assert_string_equal(g->peers[1], "tor2");
	assert_ptr_not_equal(g->peers[0], p1[1]);
	assert_int_equal(c1[0], 0xFFFFFF01u);
	assert_string_equal(p1[0], "tor2");
	/* Each field tells sets apart. */
	struct bgp_route_attrs v[] = {a, a, a, a, a, a};
	v[0].link_bw = 250000;
	v[1].local_pref = 201;
	v[2].has_local_pref = false;
	v[3].n_communities = 1;
	v[4].n_large_communities = 1;
	v[5].n_peers = 1;
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(bgp_route_attrs_add(t, &v[i], &ic), 0);
		assert_int_not_equal(ic, 0);
		assert_int_not_equal(ic, ia);
		bgp_route_attrs_put(t, ic);
	}
	bgp_route_attrs_tab_free(t);
}

static void test_peers(void **state)
{
	struct bgp_route_attrs_tab *t = bgp_route_attrs_tab_new();
	const char *names[40];
	char buf[40][16];
	struct bgp_route_attrs a = {.peers = names, .n_peers = 2};
	uint32_t id;

	names[0] = "tor2";
	names[1] = "tor1";
	assert_int_equal(bgp_route_attrs_add(t, &a, &id), 0);
	assert_true(bgp_route_attrs_for_peer(t, id, "tor1"));
	assert_true(bgp_route_attrs_for_peer(t, id, "tor2"));
	assert_false(bgp_route_attrs_for_peer(t, id, "tor3"));
	assert_false(bgp_route_attrs_for_peer(t, id, "tor"));
	assert_false(bgp_route_attrs_for_peer(t, id, NULL));
	assert_false(bgp_route_attrs_for_peer(t, id + 1, "tor1")); /* unknown id */
	bgp_route_attrs_put(t, id);
	assert_false(bgp_route_attrs_for_peer(t, id, "tor1")); /* dead id */
	/* More names than the sort keeps on the stack */
	for (int i = 0; i < 40; i++) {
		snprintf(buf[i], sizeof(buf[i]), "peer-%02d", 39 - i);
		names[i] = buf[i];
	}
	a.n_peers = 40;
	assert_int_equal(bgp_route_attrs_add(t, &a, &id), 0);
	for (int i = 0; i < 40; i++)
		assert_true(bgp_route_attrs_for_peer(t, id, buf[i]));
	assert_string_equal(bgp_route_attrs_get(t, id)->peers[0], "peer-00");
	assert_false(bgp_route_attrs_for_peer(t, id, "peer-40"));
	bgp_route_attrs_tab_free(t);
}

static void test_limits(void **state)
{
	struct bgp_route_attrs_tab *t = bgp_route_attrs_tab_new();
	uint32_t c[BGP_ROUTE_ATTRS_MAX_COMMUNITIES + 1] = {0};
	uint32_t l[3 * (BGP_ROUTE_ATTRS_MAX_LARGE_COMMUNITIES + 1)] = {0};
	const char *bad[] = {"tor1", NULL};
	struct bgp_route_attrs a = {.communities = c};
	uint32_t id = 5;

	for (uint32_t i = 0; i <= BGP_ROUTE_ATTRS_MAX_COMMUNITIES; i++)
		c[i] = i + 1;
	for (uint32_t i = 0; i <= BGP_ROUTE_ATTRS_MAX_LARGE_COMMUNITIES; i++)
		l[3 * i] = i + 1;
	a.n_communities = BGP_ROUTE_ATTRS_MAX_COMMUNITIES;
	assert_int_equal(bgp_route_attrs_add(t, &a, &id), 0);
	assert_int_equal(bgp_route_attrs_get(t, id)->n_communities, 64);
	bgp_route_attrs_put(t, id);
	a.n_communities++;
	assert_int_equal(bgp_route_attrs_add(t, &a, &id), -EINVAL);
	assert_int_equal(id, 0);
	a = (struct bgp_route_attrs){.large_communities = l,
	                             .n_large_communities = BGP_ROUTE_ATTRS_MAX_LARGE_COMMUNITIES};
	assert_int_equal(bgp_route_attrs_add(t, &a, &id), 0);
	bgp_route_attrs_put(t, id);
	a.n_large_communities++;
	assert_int_equal(bgp_route_attrs_add(t, &a, &id), -EINVAL);
	a = (struct bgp_route_attrs){.n_communities = 1};
	assert_int_equal(bgp_route_attrs_add(t, &a, &id), -EINVAL);
	a = (struct bgp_route_attrs){.peers = bad, .n_peers = 2};
	assert_int_equal(bgp_route_attrs_add(t, &a, &id), -EINVAL);
	bgp_route_attrs_tab_free(t);
}

struct drops {
	uint32_t ids[64];
	size_t n;
};

static void on_drop(uint32_t id, void *arg)
{
	struct drops *d = arg;

	assert_true(d->n < 64);
	d->ids[d->n++] = id;
}

/* An id whose last reference went is not handed out again, not even for
 * the same content, until the owner reclaimed it (and told its peers). */
static void test_refcount_and_reuse(void **state)
{
	struct bgp_route_attrs_tab *t = bgp_route_attrs_tab_new();
	struct bgp_route_attrs a = {.link_bw = 125000}, b = {.link_bw = 250000};
	struct bgp_route_attrs_stats st;
	struct drops d = {0};
	uint32_t ia, ia2, ib, ic;

	assert_int_equal(bgp_route_attrs_add(t, &a, &ia), 0);
	assert_int_equal(bgp_route_attrs_add(t, &a, &ia2), 0);
	assert_int_equal(ia, ia2);
	bgp_route_attrs_put(t, ia);
	assert_non_null(bgp_route_attrs_get(t, ia)); /* one reference left */
	bgp_route_attrs_put(t, ia);
	assert_null(bgp_route_attrs_get(t, ia));
	bgp_route_attrs_put(t, ia); /* a dead id: nothing */
	bgp_route_attrs_stats(t, &st);
	assert_int_equal(st.live, 0);
	assert_int_equal(st.dead, 1);
	/* Dead: another content gets another id, and so does the same */
	assert_int_equal(bgp_route_attrs_add(t, &b, &ib), 0);
	assert_int_not_equal(ib, ia);
	assert_int_equal(bgp_route_attrs_add(t, &a, &ic), 0);
	assert_int_not_equal(ic, ia);
	assert_int_not_equal(ic, ib);
	assert_null(bgp_route_attrs_get(t, ia));
	/* Reclaimed: the owner hears of it once, and the id is free again */
	assert_int_equal(bgp_route_attrs_reclaim(t, on_drop, &d), 1);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.ids[0], ia);
	assert_int_equal(bgp_route_attrs_reclaim(t, on_drop, &d), 0);
	bgp_route_attrs_put(t, ic);
	assert_int_equal(bgp_route_attrs_add(t, &b, &ib), 0); /* live: same id */
	assert_int_equal(bgp_route_attrs_add(t, &(struct bgp_route_attrs){.link_bw = 1}, &ia2), 0);
	assert_int_equal(ia2, ia); /* ia was free, ic is still dead */
	bgp_route_attrs_stats(t, &st);
	assert_int_equal(st.live, 2);
	assert_int_equal(st.dead, 1);
	assert_int_equal(st.max_id, 3); /* ids stay small: peers size maps by them */
	bgp_route_attrs_tab_free(t);
}

/* Random adds and puts against a model: an id always names the content
 * it was given for while referenced, live ids never collide, dead ones
 * come back only through reclaim (ASan checks that nothing leaks). */
static void test_random_model(void **state)
{
	enum { N_CONTENT = 24, ROUNDS = 20000 };
	struct bgp_route_attrs_tab *t = bgp_route_attrs_tab_new();
	uint32_t refs[N_CONTENT] = {0}, id_of[N_CONTENT] = {0};
	uint32_t comm[N_CONTENT][2];
	struct bgp_route_attrs_stats st;
	bool dead[4096] = {false};
	unsigned seed = 14;

	for (int i = 0; i < N_CONTENT; i++) {
		comm[i][0] = (uint32_t)i % 5;
		comm[i][1] = 100 + (uint32_t)i;
	}
	for (int round = 0; round < ROUNDS; round++) {
		int c = (int)(rand_r(&seed) % N_CONTENT);
		struct bgp_route_attrs a = {
		    .communities = comm[c], .n_communities = 2, .link_bw = (uint64_t)(c % 3)};

		if (rand_r(&seed) % 2 || !refs[c]) {
			uint32_t id;

			assert_int_equal(bgp_route_attrs_add(t, &a, &id), 0);
			assert_true(id > 0 && id < 4096);
			assert_false(dead[id]);
			if (refs[c])
				assert_int_equal(id, id_of[c]);
			for (int k = 0; k < N_CONTENT; k++)
				if (k != c && refs[k])
					assert_int_not_equal(id_of[k], id);
			id_of[c] = id;
			refs[c]++;
		} else {
			bgp_route_attrs_put(t, id_of[c]);
			if (!--refs[c])
				dead[id_of[c]] = true;
		}
		for (int k = 0; k < N_CONTENT; k++) {
			const struct bgp_route_attrs *g;

			if (!refs[k])
				continue;
			g = bgp_route_attrs_get(t, id_of[k]);
			assert_non_null(g);
			assert_int_equal(g->communities[1], comm[k][1]);
		}
		if (rand_r(&seed) % 16 == 0) {
			bgp_route_attrs_reclaim(t, NULL, NULL);
			memset(dead, 0, sizeof(dead));
		}
	}
	for (int k = 0; k < N_CONTENT; k++)
		while (refs[k]--)
			bgp_route_attrs_put(t, id_of[k]);
	bgp_route_attrs_reclaim(t, NULL, NULL);
	bgp_route_attrs_stats(t, &st);
	assert_int_equal(st.live, 0);
	assert_int_equal(st.dead, 0);
	/* reclaimed ids are reused: the ids stay near the live count */
	assert_true(st.max_id <= N_CONTENT + 64);
	bgp_route_attrs_tab_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_is_zero),
	    cmocka_unit_test(test_interning_canonical),
	    cmocka_unit_test(test_peers),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_refcount_and_reuse),
	    cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
