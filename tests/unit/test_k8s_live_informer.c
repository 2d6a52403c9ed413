/*
 * Informer against the API server stand-in: list + watch, dropped
 * watches, a server restart, compaction (410) and the re-list diff, all
 * held to the one contract (k8s/known.h) by the mirror (tests/k8s/live.h).
 * Skipped unless BERTH_TEST_APISERVER is set (tests/e2e/test_k8s_live.sh).
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

/* Every test runs twice: the informer alone, and with the cache layer
 * (opts.cache), whose content is checked too. */
static bool g_cached;
static struct k8s_cache g_cache;

static void cache_init(struct mirror *m, struct k8s_informer_opts *o)
{
	(void)m;
	assert_int_equal(k8s_cache_init(&g_cache), 0);
	o->cache = g_cached ? &g_cache : NULL;
}

/* The cached state of Service name (NULL when not cached), checked
 * against the mirror; false without the cache layer. */
static bool cached(struct live *l, const char *name, const json_t **out)
{
	*out = k8s_cache_get(&g_cache, l->ns, name);
	return g_cached;
}

static void finish(struct live *l, struct mirror *m, struct k8s_informer *inf)
{
	if (m->violations)
		fail_msg("%d violations, first: %s", m->violations, m->violation);
	k8s_informer_free(inf);
	k8s_cache_fini(&g_cache);
	json_decref(m->objs);
	live_end(l);
}

static void test_list_watch(void **state)
{
	struct live l;
	struct mirror m;
	struct k8s_informer_opts o;
	struct k8s_informer *inf;
	struct k8s_informer_stats st;
	const json_t *c;

	live_begin(&l, "lw");
	live_svc_create(&l, "a");
	live_svc_create(&l, "b");
	live_svc_create(&l, "c");
	mirror_init(&m, &l, &o);
	cache_init(&m, &o);
	o.page_size = 2; /* the first list takes two pages */
	assert_int_equal(k8s_informer_new(l.a, &o, &inf), 0);
	assert_int_equal(k8s_informer_start(inf), 0);
	assert_true(live_run_until(l.loop_a, mirror_is_synced, &m, 20));
	assert_true(k8s_informer_synced(inf));
	assert_int_equal(m.n_log, 3);
	assert_true(mirror_matches_server(&m));
	assert_int_equal(k8s_informer_size(inf), 3);
	assert_non_null(k8s_informer_rv_of(inf, l.ns, "a"));
	assert_null(k8s_informer_rv_of(inf, l.ns, "zz"));
	/* list items get kind and apiVersion back (the mirror checks every
	 * object it is given) */
	if (cached(&l, "a", &c)) {
		assert_string_equal(k8s_obj_kind(c), "Service");
		assert_string_equal(json_string_value(json_object_get(c, "apiVersion")), "v1");
		assert_int_equal(k8s_cache_size(&g_cache), 3);
	}

	live_svc_create(&l, "d");
	live_svc_touch(&l, "a", "1");
	live_svc_delete(&l, "b");
	assert_true(mirror_converge(&m, 20));
	assert_int_equal(m.n_log, 6);
	assert_string_equal(m.log[3], "add d");
	assert_string_equal(m.log[4], "update a");
	assert_string_equal(m.log[5], "delete b");
	if (cached(&l, "b", &c))
		assert_null(c);
	assert_null(k8s_informer_rv_of(inf, l.ns, "b"));
	assert_string_equal(k8s_informer_rv_of(inf, l.ns, "a"),
	                    json_string_value(json_object_get(m.objs, "a")));
	if (cached(&l, "a", &c))
		assert_string_equal(
		    json_string_value(json_object_get(
		        json_object_get(json_object_get(c, "metadata"), "labels"), "touched")),
		    "1");
	k8s_informer_stats(inf, &st);
	assert_int_equal(st.lists, 1);
	assert_int_equal(st.gone, 0);
	finish(&l, &m, inf);
}

/* Watches cut (cleanly and abruptly) while objects change: the informer
 * resumes from its resourceVersion, loses nothing, repeats nothing. */
static void test_dropped_watches(void **state)
{
	struct live l;
	struct mirror m;
	struct k8s_informer_opts o;
	struct k8s_informer *inf;
	struct k8s_informer_stats st;
	char name[32];

	live_begin(&l, "drop");
	mirror_init(&m, &l, &o);
	cache_init(&m, &o);
	o.backoff_initial_ms = 100;
	assert_int_equal(k8s_informer_new(l.a, &o, &inf), 0);
	assert_int_equal(k8s_informer_start(inf), 0);
	assert_true(live_run_until(l.loop_a, mirror_is_synced, &m, 20));
	for (int round = 0; round < 6; round++) {
		snprintf(name, sizeof(name), "s%d", round);
		live_svc_create(&l, name);
		live_admin(&l, "drop-watches", round % 2 ? "abrupt=1" : NULL);
		/* changes while the watch is down */
		snprintf(name, sizeof(name), "t%d", round);
		live_svc_create(&l, name);
		if (round > 0) {
			snprintf(name, sizeof(name), "s%d", round - 1);
			live_svc_touch(&l, name, "x");
			live_svc_delete(&l, name);
		}
		live_run_for(l.loop_a, 0.4);
	}
	assert_true(mirror_converge(&m, 30));
	k8s_informer_stats(inf, &st);
	assert_int_equal(st.lists, 1); /* resumed every time, never re-listed */
	assert_int_equal(st.gone, 0);
	assert_true(st.watches >= 6);
	assert_int_equal(json_object_size(m.objs), 7); /* t0..t5 and s5 */
	finish(&l, &m, inf);
}

/* Compaction while the watch is down: the resumed watch gets 410, the
 * informer re-lists and reports exactly what changed. */
static void test_compaction_relist(void **state)
{
	struct live l;
	struct mirror m;
	struct k8s_informer_opts o;
	struct k8s_informer *inf;
	struct k8s_informer_stats st;
	int mark;

	live_begin(&l, "gone");
	live_svc_create(&l, "a");
	live_svc_create(&l, "b");
	live_svc_create(&l, "c");
	mirror_init(&m, &l, &o);
	cache_init(&m, &o);
	o.backoff_initial_ms = 100;
	assert_int_equal(k8s_informer_new(l.a, &o, &inf), 0);
	assert_int_equal(k8s_informer_start(inf), 0);
	assert_true(live_run_until(l.loop_a, mirror_is_synced, &m, 20));
	live_run_for(l.loop_a, 0.3); /* the watch is up */
	mark = m.n_log;
	/* loop A is frozen from here until mirror_converge */
	live_admin(&l, "drop-watches", "abrupt=1");
	live_svc_create(&l, "d");
	live_svc_touch(&l, "a", "2");
	live_svc_delete(&l, "b");
	live_admin(&l, "compact", NULL);
	assert_true(mirror_converge(&m, 30));
	k8s_informer_stats(inf, &st);
	assert_true(st.gone >= 1);
	assert_int_equal(st.lists, 2);
	/* the difference, and nothing about the unchanged c */
	assert_int_equal(m.n_log - mark, 3);
	assert_true(mirror_logged(&m, mark, "add d"));
	assert_true(mirror_logged(&m, mark, "update a"));
	assert_true(mirror_logged(&m, mark, "delete b"));
	finish(&l, &m, inf);
}

/* A server restart: connections cut, refused for a while, and a fresh
 * watch cache (resuming from the old version gives 410). */
static void test_server_restart(void **state)
{
	struct live l;
	struct mirror m;
	struct k8s_informer_opts o;
	struct k8s_informer *inf;
	struct k8s_informer_stats st;
	int mark;

	live_begin(&l, "restart");
	live_svc_create(&l, "a");
	live_svc_create(&l, "b");
	mirror_init(&m, &l, &o);
	cache_init(&m, &o);
	o.backoff_initial_ms = 200;
	o.backoff_max_ms = 1000;
	assert_int_equal(k8s_informer_new(l.a, &o, &inf), 0);
	assert_int_equal(k8s_informer_start(inf), 0);
	assert_true(live_run_until(l.loop_a, mirror_is_synced, &m, 20));
	live_run_for(l.loop_a, 0.3);
	mark = m.n_log;
	/* c is created while no watch is connected, so the informer's
	 * version is older than the restarted server's watch cache */
	live_admin(&l, "drop-watches", "abrupt=1");
	live_svc_create(&l, "c");
	live_admin(&l, "restart", "downtime_ms=1500");
	live_run_for(l.loop_a, 1.0); /* the informer finds the server gone */
	live_wait_server(&l);
	live_svc_delete(&l, "a");
	assert_true(mirror_converge(&m, 30));
	k8s_informer_stats(inf, &st);
	assert_true(st.errors >= 1);
	assert_true(st.gone >= 1);
	assert_int_equal(m.n_log - mark, 2);
	assert_true(mirror_logged(&m, mark, "add c"));
	assert_true(mirror_logged(&m, mark, "delete a"));
	finish(&l, &m, inf);
}

/* Objects the caller's check refuses are skipped; the rest keeps going. */
static int refuse_bad(const json_t *obj, char *why, size_t size, void *arg)
{
	const char *n = k8s_obj_name(obj);

	if (n && strncmp(n, "bad", 3) == 0) {
		snprintf(why, size, "name starts with bad");
		return -EINVAL;
	}
	return 0;
}

static void test_check_skips(void **state)
{
	struct live l;
	struct mirror m;
	struct k8s_informer_opts o;
	struct k8s_informer *inf;
	struct k8s_informer_stats st;
	const json_t *c;

	live_begin(&l, "check");
	live_svc_create(&l, "bad1");
	live_svc_create(&l, "good1");
	mirror_init(&m, &l, &o);
	cache_init(&m, &o);
	o.check = refuse_bad;
	assert_int_equal(k8s_informer_new(l.a, &o, &inf), 0);
	assert_int_equal(k8s_informer_start(inf), 0);
	assert_true(live_run_until(l.loop_a, mirror_is_synced, &m, 20));
	live_svc_create(&l, "bad2");
	live_svc_create(&l, "good2");
	live_run_for(l.loop_a, 1.0);
	assert_int_equal(json_object_size(m.objs), 2);
	assert_non_null(json_object_get(m.objs, "good2"));
	if (cached(&l, "bad2", &c))
		assert_null(c);
	k8s_informer_stats(inf, &st);
	assert_int_equal(st.skipped, 2);
	assert_int_equal(st.errors, 0);
	finish(&l, &m, inf);
}

static int g_trimmed;

/* Drops spec.clusterIP (the server always sets one); kind is there
 * already, list items included. */
static void trim(json_t *obj, void *arg)
{
	json_t *spec = json_object_get(obj, "spec");

	(void)arg;
	assert_string_equal(k8s_obj_kind(obj), "Service");
	g_trimmed += json_object_get(spec, "clusterIP") != NULL;
	json_object_del(spec, "clusterIP");
}

static void (*g_add)(const json_t *obj, void *arg);
static int g_seen;

/* What the caller gets: trimmed. */
static void add_trimmed(const json_t *obj, void *arg)
{
	assert_null(json_object_get(json_object_get(obj, "spec"), "clusterIP"));
	assert_non_null(json_object_get(json_object_get(obj, "spec"), "ports"));
	g_seen++;
	g_add(obj, arg);
}

static void test_transform(void **state)
{
	struct live l;
	struct mirror m;
	struct k8s_informer_opts o;
	struct k8s_informer *inf;
	const json_t *c;

	(void)state;
	g_trimmed = 0;
	live_begin(&l, "transform");
	live_svc_create(&l, "listed");
	mirror_init(&m, &l, &o);
	cache_init(&m, &o);
	o.transform = trim;
	g_add = o.on_add;
	o.on_add = add_trimmed;
	g_seen = 0;
	assert_int_equal(k8s_informer_new(l.a, &o, &inf), 0);
	assert_int_equal(k8s_informer_start(inf), 0);
	assert_true(live_run_until(l.loop_a, mirror_is_synced, &m, 20));
	live_svc_create(&l, "watched");
	live_run_for(l.loop_a, 1.0);
	assert_int_equal(json_object_size(m.objs), 2);
	assert_true(g_trimmed >= 2);
	assert_int_equal(g_seen, 2);
	if (cached(&l, "watched", &c)) {
		assert_non_null(c);
		assert_null(json_object_get(json_object_get(c, "spec"), "clusterIP"));
	}
	finish(&l, &m, inf);
}

static int g_with_status, g_without;

static void add_count_status(const json_t *obj, void *arg)
{
	if (json_object_get(obj, "status"))
		g_with_status++;
	else
		g_without++;
	g_add(obj, arg);
}

/* unread "status": the Services' status (the server always writes one)
 * is not decoded, in lists and watches; without it, it is there. */
static void test_unread(void **state)
{
	static const char *const status[] = {"status", NULL};

	for (int drop = 0; drop < 2; drop++) {
		struct live l;
		struct mirror m;
		struct k8s_informer_opts o;
		struct k8s_informer *inf;
		const json_t *c;

		g_with_status = g_without = 0;
		live_begin(&l, drop ? "drop" : "keep");
		live_svc_create(&l, "listed");
		mirror_init(&m, &l, &o);
		cache_init(&m, &o);
		o.unread = drop ? status : NULL;
		g_add = o.on_add;
		o.on_add = add_count_status;
		assert_int_equal(k8s_informer_new(l.a, &o, &inf), 0);
		assert_int_equal(k8s_informer_start(inf), 0);
		assert_true(live_run_until(l.loop_a, mirror_is_synced, &m, 20));
		live_run_for(l.loop_a, 0.3); /* the watch is up */
		live_svc_create(&l, "watched");
		assert_true(mirror_converge(&m, 20));
		assert_int_equal(g_with_status, drop ? 0 : 2);
		assert_int_equal(g_without, drop ? 2 : 0);
		if (cached(&l, "watched", &c))
			assert_int_equal(json_object_get(c, "status") != NULL, !drop);
		finish(&l, &m, inf);
	}
}

static int set_cached(void **state)
{
	g_cached = true;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list_watch),
	    cmocka_unit_test(test_dropped_watches),
	    cmocka_unit_test(test_compaction_relist),
	    cmocka_unit_test(test_check_skips),
	    cmocka_unit_test(test_server_restart),
	    cmocka_unit_test(test_transform),
	    cmocka_unit_test(test_unread),
	};

	int failed = cmocka_run_group_tests_name("plain", tests, NULL, NULL);

	return failed + cmocka_run_group_tests_name("cached", tests, set_cached, NULL);
}
