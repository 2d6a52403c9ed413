/*
 * The informer's one contract (k8s/known.h) against a model: a server
 * whose objects are created, changed, deleted and re-created under the
 * same name (a new uid), some in states the caller's check refuses; a
 * watch that delivers its events, drops them (the watch was down), or
 * ends in 410 Gone and a re-list in pages, begun again when a page fails;
 * repeats of states already delivered. The callbacks build a mirror that
 * checks every event against what it was told before (no add twice, no
 * update or delete of the unknown, an update keeps the uid, so a new uid
 * is always a delete and then an add; deletes of a re-list only inside
 * it), and after each re-list and each delivered watch the mirror, the
 * cache layer and the record must equal what the server holds.
 */
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

#define N_NAMES 24
#define STEPS   4000
#define MAX_EV  4096

/* One object on the server, or what the caller was told of one. */
struct state {
	bool exists;
	bool valid; /* the caller's check accepts it */
	unsigned uid, rv;
};

struct model {
	struct state server[N_NAMES];
	struct state mirror[N_NAMES]; /* from the callbacks alone */
	unsigned rv;                  /* the server's last resourceVersion */
	unsigned uid;
	json_t *pending[MAX_EV]; /* watch events not delivered yet: the objects */
	bool deleted[MAX_EV];    /* ...DELETED events */
	size_t n_pending;
	bool relisting;
	int last_stub; /* name of the last event, when it was a stub delete */
	unsigned adds, updates, deletes, replaced, relists, restarts;
	unsigned seen_replaced; /* a stub delete, then the add of a new uid */
	struct k8s_cache cache;
	struct k8s_known known;
};

static int name_of(const json_t *o)
{
	const char *n = k8s_obj_name(o);

	assert_non_null(n);
	return atoi(n + 1);
}

static unsigned num(const char *s)
{
	return s ? (unsigned)strtoul(s, NULL, 10) : 0;
}

static json_t *make(int i, const struct state *s)
{
	char name[16], rv[16], uid[16];

	snprintf(name, sizeof(name), "s%d", i);
	snprintf(rv, sizeof(rv), "%u", s->rv);
	snprintf(uid, sizeof(uid), "%u", s->uid);
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:{s:b}}", "kind", "Service",
	                 "apiVersion", "v1", "metadata", "name", name, "namespace", "ns",
	                 "resourceVersion", rv, "uid", uid, "spec", "valid", s->valid);
}

/* ---- the mirror: what the callbacks say, checked as they say it ---- */

/* What the cache holds of s<i>: during a callback, the state before it. */
static const json_t *cached(struct model *m, int i)
{
	char name[16];

	snprintf(name, sizeof(name), "s%d", i);
	return k8s_cache_get(&m->cache, "ns", name);
}

static void on_add(const json_t *o, void *arg)
{
	struct model *m = arg;
	int i = name_of(o);

	if (m->mirror[i].exists)
		fail_msg("s%d: added twice", i);
	assert_null(cached(m, i));
	if (m->last_stub == i && num(k8s_obj_uid(o)) != m->mirror[i].uid)
		m->seen_replaced++;
	m->last_stub = -1;
	m->mirror[i] = (struct state){true, true, num(k8s_obj_uid(o)), num(k8s_obj_rv(o))};
	m->adds++;
}

static void on_update(const json_t *o, void *arg)
{
	struct model *m = arg;
	int i = name_of(o);
	const json_t *old = cached(m, i);

	if (!m->mirror[i].exists)
		fail_msg("s%d: update of an object never added", i);
	if (num(k8s_obj_rv(o)) == m->mirror[i].rv)
		fail_msg("s%d: update to the version it had", i);
	if (num(k8s_obj_uid(o)) != m->mirror[i].uid)
		fail_msg("s%d: a new uid as an update", i);
	assert_non_null(old);
	assert_int_equal(num(k8s_obj_rv(old)), m->mirror[i].rv);
	m->mirror[i].rv = num(k8s_obj_rv(o));
	m->updates++;
	m->last_stub = -1;
}

static void on_delete(const json_t *o, void *arg)
{
	struct model *m = arg;
	int i = name_of(o);
	const json_t *old = cached(m, i);

	if (!m->mirror[i].exists)
		fail_msg("s%d: delete of an object never added", i);
	assert_string_equal(k8s_obj_namespace(o), "ns");
	assert_string_equal(k8s_obj_kind(o), "Service");
	assert_non_null(old);
	assert_int_equal(num(k8s_obj_rv(old)), m->mirror[i].rv);
	/* Watch events carry the final state; a stub comes of a re-list
	 * (swept, or a new uid under the name). */
	if (!k8s_obj_rv(o) && !m->relisting)
		fail_msg("s%d: a stub delete outside a re-list", i);
	m->mirror[i].exists = false;
	m->deletes++;
	m->last_stub = k8s_obj_rv(o) ? -1 : i;
}

static void on_relist(bool done, void *arg)
{
	struct model *m = arg;

	if (done && !m->relisting)
		fail_msg("a re-list ended that never began");
	m->relisting = !done;
}

/* ---- the server ---- */

static void emit(struct model *m, int i, bool deleted)
{
	assert_true(m->n_pending < MAX_EV);
	m->pending[m->n_pending] = make(i, &m->server[i]);
	m->deleted[m->n_pending++] = deleted;
}

static void mutate(struct model *m, unsigned *seed)
{
	int i = (int)(rand_r(seed) % N_NAMES);
	struct state *s = &m->server[i];
	unsigned r = rand_r(seed) % 10;

	if (!s->exists) {
		*s = (struct state){true, r != 0, ++m->uid, ++m->rv};
		emit(m, i, false);
	} else if (r < 5) {
		s->rv = ++m->rv;
		s->valid = rand_r(seed) % 8 != 0;
		emit(m, i, false);
	} else {
		/* deleted (its final state carries a new version), and
		 * sometimes created again under the same name at once */
		s->rv = ++m->rv;
		emit(m, i, true);
		s->exists = false;
		if (r >= 8) {
			*s = (struct state){true, true, ++m->uid, ++m->rv};
			emit(m, i, false);
			m->replaced++;
		}
	}
}

/* The informer's part: the check refuses invalid objects (gone). */
static void deliver(struct model *m, const json_t *o, bool deleted)
{
	if (deleted || !json_is_true(json_object_get(json_object_get(o, "spec"), "valid")))
		assert_int_equal(k8s_known_gone(&m->known, o), 0);
	else
		assert_int_equal(k8s_known_seen(&m->known, o), 0);
}

static void drop_pending(struct model *m, bool deliver_them)
{
	for (size_t e = 0; e < m->n_pending; e++) {
		if (deliver_them)
			deliver(m, m->pending[e], m->deleted[e]);
		json_decref(m->pending[e]);
	}
	m->n_pending = 0;
}

/* 410: a list of what the server holds now, in pages in name order, the
 * first attempt sometimes failing halfway. */
static void relist(struct model *m, unsigned *seed)
{
	bool fail = rand_r(seed) % 4 == 0;

	drop_pending(m, false);
	m->relists++;
	k8s_known_relist_begin(&m->known);
	for (int i = 0; i < N_NAMES; i++) {
		if (fail && i == N_NAMES / 2) {
			/* a page failed: the list starts over */
			m->restarts++;
			fail = false;
			i = -1;
			k8s_known_relist_begin(&m->known);
			continue;
		}
		if (m->server[i].exists) {
			json_t *o = make(i, &m->server[i]);

			deliver(m, o, false);
			json_decref(o);
		}
	}
	k8s_known_relist_end(&m->known);
}

/* The caller knows exactly the valid objects the server holds. */
static void check_in_sync(struct model *m)
{
	size_t n = 0;

	assert_false(m->relisting);
	for (int i = 0; i < N_NAMES; i++) {
		const struct state *s = &m->server[i], *t = &m->mirror[i];
		bool want = s->exists && s->valid;
		char name[16];

		snprintf(name, sizeof(name), "s%d", i);
		if (want != t->exists)
			fail_msg("%s: the caller %s it", name, t->exists ? "still has" : "lacks");
		if (!want) {
			assert_null(cached(m, i));
			assert_null(k8s_known_rv(&m->known, "ns", name));
			continue;
		}
		n++;
		assert_int_equal(t->uid, s->uid);
		assert_int_equal(t->rv, s->rv);
		assert_int_equal(num(k8s_obj_rv(cached(m, i))), s->rv);
		assert_int_equal(num(k8s_obj_uid(cached(m, i))), s->uid);
		assert_int_equal(num(k8s_known_rv(&m->known, "ns", name)), s->rv);
	}
	assert_int_equal(k8s_known_size(&m->known), n);
	assert_int_equal(k8s_cache_size(&m->cache), n);
}

static void run(unsigned seed)
{
	struct k8s_handlers h = {on_relist, on_add, on_update, on_delete, NULL};
	struct model *m = calloc(1, sizeof(*m));
	unsigned seed0 = seed;

	assert_non_null(m);
	h.arg = m;
	m->last_stub = -1;
	assert_int_equal(k8s_cache_init(&m->cache), 0);
	k8s_known_init(&m->known, &k8s_res_services, &h, &m->cache);
	relist(m, &seed); /* the first list: empty */
	for (int step = 0; step < STEPS; step++) {
		unsigned r = rand_r(&seed) % 20;

		if (r < 12) {
			mutate(m, &seed);
		} else if (r < 16) {
			drop_pending(m, true); /* the watch delivers */
			check_in_sync(m);
		} else if (r < 18) {
			/* a repeat: a state already delivered, again */
			int i = (int)(rand_r(&seed) % N_NAMES);

			if (!m->n_pending && m->server[i].exists) {
				json_t *o = make(i, &m->server[i]);
				unsigned before = m->adds + m->updates + m->deletes;

				deliver(m, o, false);
				assert_int_equal(m->adds + m->updates + m->deletes, before);
				json_decref(o);
			}
		} else {
			/* the watch was down: its events are lost, 410, re-list */
			relist(m, &seed);
			check_in_sync(m);
		}
	}
	drop_pending(m, true);
	check_in_sync(m);
	/* every path was taken */
	assert_true(m->adds && m->updates && m->deletes && m->replaced && m->seen_replaced &&
	            m->restarts);
	print_message("seed %u: %u adds, %u updates, %u deletes, %u uid changes (%u seen as "
	              "such in a re-list), %u re-lists (%u begun again)\n",
	              seed0, m->adds, m->updates, m->deletes, m->replaced, m->seen_replaced,
	              m->relists, m->restarts);
	k8s_known_fini(&m->known);
	k8s_cache_fini(&m->cache);
	free(m);
}

static void test_model(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 8; seed++)
		run(seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
