/*
 * The informer's contract (k8s/known.h) case by case: watch events, the
 * re-list difference (no duplicates, no losses), uid changes, hostile
 * objects; and the cache layer, which during a callback still holds the
 * state before the event. tests/unit/test_k8s_known_model.c drives the
 * same at random against a model server.
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
#include "k8s/known.h"

struct log {
	char lines[32][96];
	int n;
	int begun, ended; /* on_relist(false), on_relist(true) */
	struct k8s_cache cache;
};

/* "add|update|delete NAME OLD->CUR": OLD from the cache, which still
 * holds the state before the event; CUR the object's ("-" for a stub). */
static void record(const char *what, const json_t *o, struct log *l)
{
	const json_t *old = k8s_cache_get(&l->cache, k8s_obj_namespace(o), k8s_obj_name(o));
	const char *cur = k8s_obj_rv(o);

	assert_true(l->n < 32);
	snprintf(l->lines[l->n], sizeof(l->lines[0]), "%s %s %s->%s", what, k8s_obj_name(o),
	         old ? k8s_obj_rv(old) : "-", cur ? cur : "-");
	l->n++;
}

static void on_add(const json_t *o, void *arg)
{
	assert_null(
	    k8s_cache_get(&((struct log *)arg)->cache, k8s_obj_namespace(o), k8s_obj_name(o)));
	record("add", o, arg);
}

static void on_update(const json_t *o, void *arg)
{
	record("update", o, arg);
}

static void on_delete(const json_t *o, void *arg)
{
	/* a stub names the object and its kind */
	assert_string_equal(k8s_obj_kind(o), "Service");
	record("delete", o, arg);
}

static void on_relist(bool done, void *arg)
{
	struct log *l = arg;

	if (done)
		l->ended++;
	else
		l->begun++;
}

static void start(struct k8s_known *k, struct log *l)
{
	struct k8s_handlers h = {on_relist, on_add, on_update, on_delete, l};

	memset(l, 0, sizeof(*l));
	assert_int_equal(k8s_cache_init(&l->cache), 0);
	k8s_known_init(k, &k8s_res_services, &h, &l->cache);
}

static void stop(struct k8s_known *k, struct log *l)
{
	k8s_known_fini(k);
	k8s_cache_fini(&l->cache);
}

static json_t *obj(const char *ns, const char *name, const char *rv, const char *uid)
{
	json_t *o = json_pack("{s:s, s:{s:s, s:s}}", "kind", "Service", "metadata", "name", name,
	                      "resourceVersion", rv);
	json_t *m = json_object_get(o, "metadata");

	if (ns)
		json_object_set_new(m, "namespace", json_string(ns));
	if (uid)
		json_object_set_new(m, "uid", json_string(uid));
	return o;
}

static void seen(struct k8s_known *k, json_t *o)
{
	assert_int_equal(k8s_known_seen(k, o), 0);
	json_decref(o);
}

static void gone(struct k8s_known *k, json_t *o)
{
	assert_int_equal(k8s_known_gone(k, o), 0);
	json_decref(o);
}

static void expect(struct log *l, const char *const *want, int n)
{
	assert_int_equal(l->n, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(l->lines[i], want[i]);
	l->n = 0;
}

static void test_events(void **state)
{
	struct k8s_known k;
	struct log l;
	const char *w1[] = {"add a -->1", "add b -->2", "update a 1->3"};
	const char *w2[] = {"delete a 3->4"};

	start(&k, &l);
	seen(&k, obj("ns", "a", "1", "u1"));
	seen(&k, obj("ns", "b", "2", "u2"));
	seen(&k, obj("ns", "a", "1", "u1")); /* repeat: nothing */
	seen(&k, obj("ns", "a", "3", "u1"));
	seen(&k, obj("ns", "a", "3", "u1")); /* repeat */
	expect(&l, w1, 3);
	assert_int_equal(k8s_known_size(&k), 2);
	assert_int_equal(k8s_cache_size(&l.cache), 2);
	assert_string_equal(k8s_obj_rv(k8s_cache_get(&l.cache, "ns", "a")), "3");
	assert_string_equal(k8s_known_rv(&k, "ns", "a"), "3");
	gone(&k, obj("ns", "a", "4", "u1"));
	gone(&k, obj("ns", "a", "4", "u1")); /* unknown now: nothing */
	gone(&k, obj("ns", "zz", "5", NULL));
	expect(&l, w2, 1);
	assert_null(k8s_cache_get(&l.cache, "ns", "a"));
	assert_null(k8s_known_rv(&k, "ns", "a"));
	assert_int_equal(k8s_cache_size(&l.cache), 1);
	assert_int_equal(l.begun + l.ended, 0);
	stop(&k, &l);
}

static void test_modified_unknown_and_uid(void **state)
{
	struct k8s_known k;
	struct log l;
	const char *w[] = {"add x -->7", "delete x 7->-", "add x -->9", "add y -->1"};
	json_t *bad = json_pack("{s:{}}", "metadata");

	start(&k, &l);
	seen(&k, obj(NULL, "x", "7", "old"));
	/* same name, new uid: deleted and re-created while we did not look */
	seen(&k, obj(NULL, "x", "9", "new"));
	/* cluster-scoped key has no namespace part */
	seen(&k, obj(NULL, "y", "1", NULL));
	expect(&l, w, 4);
	assert_non_null(k8s_cache_get(&l.cache, NULL, "y"));
	assert_string_equal(k8s_known_rv(&k, NULL, "x"), "9");
	assert_int_equal(k8s_known_seen(&k, bad), -EINVAL);
	assert_int_equal(k8s_known_gone(&k, bad), -EINVAL);
	assert_int_equal(l.n, 0);
	json_decref(bad);
	stop(&k, &l);
}

/* A re-list after 410: only the difference comes out, the deletes of
 * what it no longer shows at its end. */
static void test_relist_diff(void **state)
{
	struct k8s_known k;
	struct log l;
	const char *first[] = {"add a -->1", "add b -->1", "add c -->1", "add d -->1"};
	const char *diff[] = {"update a 1->5", "add e -->6",    "delete c 1->-",
	                      "add c -->7",    "delete d 1->-", "delete b 1->-"};

	start(&k, &l);
	k8s_known_relist_begin(&k);
	seen(&k, obj("ns", "a", "1", "ua"));
	seen(&k, obj("ns", "b", "1", "ub"));
	seen(&k, obj("ns", "c", "1", "uc"));
	seen(&k, obj("ns", "d", "1", "ud"));
	assert_int_equal(k8s_known_relist_end(&k), 0);
	expect(&l, first, 4);
	/* a changed, b and d gone, c re-created (new uid), e new */
	k8s_known_relist_begin(&k);
	seen(&k, obj("ns", "a", "5", "ua"));
	seen(&k, obj("ns", "e", "6", "ue"));
	seen(&k, obj("ns", "c", "7", "uc2"));
	assert_int_equal(l.ended, 1);
	assert_int_equal(k8s_known_relist_end(&k), 2);
	expect(&l, diff, 6);
	assert_int_equal(k8s_known_size(&k), 3);
	assert_int_equal(k8s_cache_size(&l.cache), 3);
	/* the same list again: nothing at all */
	k8s_known_relist_begin(&k);
	seen(&k, obj("ns", "a", "5", "ua"));
	seen(&k, obj("ns", "e", "6", "ue"));
	seen(&k, obj("ns", "c", "7", "uc2"));
	assert_int_equal(k8s_known_relist_end(&k), 0);
	assert_int_equal(l.n, 0);
	/* an empty list deletes everything */
	k8s_known_relist_begin(&k);
	assert_int_equal(k8s_known_relist_end(&k), 3);
	assert_int_equal(l.n, 3);
	assert_int_equal(k8s_known_size(&k), 0);
	assert_int_equal(k8s_cache_size(&l.cache), 0);
	assert_int_equal(l.begun, 4);
	assert_int_equal(l.ended, 4);
	stop(&k, &l);
}

/* A list that fails halfway is begun again: what only the failed one
 * showed, and the next does not, is deleted at the end of the next. */
static void test_relist_restarted(void **state)
{
	struct k8s_known k;
	struct log l;
	const char *w[] = {"add a -->1", "add b -->1", "update a 1->2", "delete b 1->-"};

	start(&k, &l);
	k8s_known_relist_begin(&k);
	seen(&k, obj("ns", "a", "1", "ua"));
	seen(&k, obj("ns", "b", "1", "ub"));
	/* the next page fails: the list starts over */
	k8s_known_relist_begin(&k);
	seen(&k, obj("ns", "a", "2", "ua"));
	assert_int_equal(k8s_known_relist_end(&k), 1);
	expect(&l, w, 4);
	assert_int_equal(l.begun, 2);
	assert_int_equal(l.ended, 1);
	stop(&k, &l);
}

static void test_hostile(void **state)
{
	struct k8s_known k;
	struct log l;
	json_t *bad[] = {json_string("not an object"),
	                 json_pack("{s:{s:i}}", "metadata", "name", 5), json_object()};
	const char *w[] = {"add a -->1", "update a 1->2", "delete a 2->-"};

	start(&k, &l);
	k8s_known_relist_begin(&k);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(k8s_known_seen(&k, bad[i]), -EINVAL);
		json_decref(bad[i]);
	}
	seen(&k, obj("ns", "a", "1", NULL));
	seen(&k, obj("ns", "a", "2", NULL)); /* listed twice: the last counts */
	assert_int_equal(k8s_known_relist_end(&k), 0);
	assert_string_equal(k8s_obj_rv(k8s_cache_get(&l.cache, "ns", "a")), "2");
	/* a list without items: everything goes */
	k8s_known_relist_begin(&k);
	assert_int_equal(k8s_known_relist_end(&k), 1);
	expect(&l, w, 3);
	stop(&k, &l);
}

/* Without a cache and without handlers: only the record. */
static void test_bare(void **state)
{
	struct k8s_handlers none = {0};
	struct k8s_known k;

	k8s_known_init(&k, &k8s_res_nodes, &none, NULL);
	seen(&k, obj(NULL, "n1", "1", "u"));
	seen(&k, obj(NULL, "n1", "2", "v"));
	assert_string_equal(k8s_known_rv(&k, "ignored", "n1"), "2");
	k8s_known_relist_begin(&k);
	assert_int_equal(k8s_known_relist_end(&k), 1);
	assert_int_equal(k8s_known_size(&k), 0);
	k8s_known_fini(&k);
}

static void test_key(void **state)
{
	char key[K8S_KEY_MAX], small[4];
	json_t *o = obj("default", "web", "1", NULL);

	assert_int_equal(k8s_cache_key(o, key, sizeof(key)), 0);
	assert_string_equal(key, "default/web");
	assert_int_equal(k8s_cache_key(o, small, sizeof(small)), -EINVAL);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_events),      cmocka_unit_test(test_modified_unknown_and_uid),
	    cmocka_unit_test(test_relist_diff), cmocka_unit_test(test_relist_restarted),
	    cmocka_unit_test(test_hostile),     cmocka_unit_test(test_bare),
	    cmocka_unit_test(test_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
