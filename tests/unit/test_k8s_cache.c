/*
 * The informer cache: watch events and the re-list difference (no
 * duplicates, no losses), uid changes, hostile lists.
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
#include "k8s/watch.h"

struct log {
	char lines[32][96];
	int n;
	const struct k8s_cache *cache; /* checked during callbacks when set */
};

static void record(enum k8s_change ch, const json_t *old, const json_t *cur, void *arg)
{
	struct log *l = arg;
	static const char *const names[] = {"add", "update", "delete"};
	const json_t *o = cur ? cur : old;

	assert_true(l->n < 32);
	snprintf(l->lines[l->n], sizeof(l->lines[0]), "%s %s %s->%s", names[ch], k8s_obj_name(o),
	         old ? k8s_obj_rv(old) : "-", cur ? k8s_obj_rv(cur) : "-");
	l->n++;
	if (l->cache && ch != K8S_CHANGE_DELETE)
		assert_ptr_equal(k8s_cache_get(l->cache, k8s_obj_namespace(cur), k8s_obj_name(cur)),
		                 cur);
}

static json_t *obj(const char *ns, const char *name, const char *rv, const char *uid)
{
	json_t *o = json_pack("{s:{s:s, s:s}}", "metadata", "name", name, "resourceVersion", rv);
	json_t *m = json_object_get(o, "metadata");

	if (ns)
		json_object_set_new(m, "namespace", json_string(ns));
	if (uid)
		json_object_set_new(m, "uid", json_string(uid));
	return o;
}

static void apply(struct k8s_cache *c, enum k8s_wev t, json_t *o, struct log *l)
{
	assert_int_equal(k8s_cache_apply(c, t, o, record, l), 0);
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
	struct k8s_cache c;
	struct log l = {0};
	const char *w1[] = {"add a -->1", "add b -->2", "update a 1->3"};
	const char *w2[] = {"delete a 3->4"};

	assert_int_equal(k8s_cache_init(&c), 0);
	l.cache = &c;
	apply(&c, K8S_WEV_ADDED, obj("ns", "a", "1", "u1"), &l);
	apply(&c, K8S_WEV_ADDED, obj("ns", "b", "2", "u2"), &l);
	apply(&c, K8S_WEV_ADDED, obj("ns", "a", "1", "u1"), &l); /* repeat: nothing */
	apply(&c, K8S_WEV_MODIFIED, obj("ns", "a", "3", "u1"), &l);
	apply(&c, K8S_WEV_MODIFIED, obj("ns", "a", "3", "u1"), &l); /* repeat */
	expect(&l, w1, 3);
	assert_int_equal(k8s_cache_size(&c), 2);
	assert_string_equal(k8s_obj_rv(k8s_cache_get(&c, "ns", "a")), "3");
	apply(&c, K8S_WEV_DELETED, obj("ns", "a", "4", "u1"), &l);
	apply(&c, K8S_WEV_DELETED, obj("ns", "a", "4", "u1"), &l); /* unknown now: nothing */
	apply(&c, K8S_WEV_DELETED, obj("ns", "zz", "5", NULL), &l);
	expect(&l, w2, 1);
	assert_null(k8s_cache_get(&c, "ns", "a"));
	assert_int_equal(k8s_cache_size(&c), 1);
	k8s_cache_fini(&c);
}

static void test_modified_unknown_and_uid(void **state)
{
	struct k8s_cache c;
	struct log l = {0};
	const char *w[] = {"add x -->7", "delete x 7->-", "add x -->9", "add y -->1"};
	json_t *bad = json_pack("{s:{}}", "metadata");

	assert_int_equal(k8s_cache_init(&c), 0);
	apply(&c, K8S_WEV_MODIFIED, obj(NULL, "x", "7", "old"), &l);
	/* same name, new uid: deleted and re-created while we did not look */
	apply(&c, K8S_WEV_MODIFIED, obj(NULL, "x", "9", "new"), &l);
	/* cluster-scoped key has no namespace part */
	apply(&c, K8S_WEV_ADDED, obj(NULL, "y", "1", NULL), &l);
	expect(&l, w, 4);
	assert_non_null(k8s_cache_get(&c, NULL, "y"));
	assert_int_equal(k8s_cache_apply(&c, K8S_WEV_ADDED, bad, record, &l), -EINVAL);
	assert_int_equal(k8s_cache_apply(&c, K8S_WEV_BOOKMARK, bad, record, &l), -EINVAL);
	assert_int_equal(l.n, 0);
	json_decref(bad);
	k8s_cache_fini(&c);
}

/* A re-list after 410: only the difference comes out. */
static void test_replace_diff(void **state)
{
	struct k8s_cache c;
	struct log l = {0};
	json_t *items = json_array();
	const char *first[] = {"add a -->1", "add b -->1", "add c -->1", "add d -->1"};
	const char *diff[] = {"delete b 1->-", "delete d 1->-", "update a 1->5",
	                      "add e -->6",    "delete c 1->-", "add c -->7"};

	assert_int_equal(k8s_cache_init(&c), 0);
	json_array_append_new(items, obj("ns", "a", "1", "ua"));
	json_array_append_new(items, obj("ns", "b", "1", "ub"));
	json_array_append_new(items, obj("ns", "c", "1", "uc"));
	json_array_append_new(items, obj("ns", "d", "1", "ud"));
	assert_int_equal(k8s_cache_replace(&c, items, record, &l), 0);
	expect(&l, first, 4);
	json_array_clear(items);
	/* a changed, b and d gone, c re-created (new uid), e new, f unchanged
	 * would say nothing */
	json_array_append_new(items, obj("ns", "a", "5", "ua"));
	json_array_append_new(items, obj("ns", "e", "6", "ue"));
	json_array_append_new(items, obj("ns", "c", "7", "uc2"));
	l.cache = &c;
	assert_int_equal(k8s_cache_replace(&c, items, record, &l), 0);
	expect(&l, diff, 6);
	assert_int_equal(k8s_cache_size(&c), 3);
	/* the same list again: nothing at all */
	assert_int_equal(k8s_cache_replace(&c, items, record, &l), 0);
	assert_int_equal(l.n, 0);
	/* an empty list deletes everything */
	json_array_clear(items);
	assert_int_equal(k8s_cache_replace(&c, items, record, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(k8s_cache_size(&c), 0);
	json_decref(items);
	k8s_cache_fini(&c);
}

static void test_replace_hostile(void **state)
{
	struct k8s_cache c;
	struct log l = {0};
	json_t *items = json_array();
	const char *w[] = {"add a -->2"};

	assert_int_equal(k8s_cache_init(&c), 0);
	json_array_append_new(items, json_string("not an object"));
	json_array_append_new(items, json_pack("{s:{s:i}}", "metadata", "name", 5));
	json_array_append_new(items, json_object());
	json_array_append_new(items, obj("ns", "a", "1", NULL));
	json_array_append_new(items, obj("ns", "a", "2", NULL)); /* listed twice: last wins */
	assert_int_equal(k8s_cache_replace(&c, items, record, &l), 3);
	expect(&l, w, 1);
	assert_string_equal(k8s_obj_rv(k8s_cache_get(&c, "ns", "a")), "2");
	/* not an array: treated as empty */
	assert_int_equal(k8s_cache_replace(&c, NULL, record, &l), 0);
	assert_int_equal(l.n, 1);
	json_decref(items);
	k8s_cache_fini(&c);
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
	    cmocka_unit_test(test_events),       cmocka_unit_test(test_modified_unknown_and_uid),
	    cmocka_unit_test(test_replace_diff), cmocka_unit_test(test_replace_hostile),
	    cmocka_unit_test(test_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
