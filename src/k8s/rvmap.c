/*
 * Key -> resourceVersion map of the informer (see rvmap.h).
 */
#include "k8s/rvmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void k8s_rvmap_init(struct k8s_rvmap *m)
{
	memset(m, 0, sizeof(*m));
	core_idx_init(&m->ix);
}

void k8s_rvmap_fini(struct k8s_rvmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].kv);
	free(m->v);
	core_idx_fini(&m->ix);
	k8s_rvmap_init(m);
}

uint64_t k8s_rvmap_uid_hash(const char *uid)
{
	uint64_t h;

	if (!uid || !uid[0])
		return 0;
	h = core_fnv_str(CORE_FNV_INIT, uid);
	return h ? h : 1;
}

struct lookup {
	const struct k8s_rvmap *m;
	const char *key;
};

static int key_eq(const void *ctx, uint32_t pos)
{
	const struct lookup *l = ctx;

	return strcmp(l->m->v[pos].kv, l->key) == 0;
}

static int64_t find(const struct k8s_rvmap *m, const char *key, uint32_t h)
{
	struct lookup l = {m, key};

	return core_idx_find(&m->ix, h, key_eq, &l);
}

static char *make_kv(const char *key, const char *rv)
{
	size_t kl = strlen(key), rl = strlen(rv);
	char *kv = malloc(kl + rl + 2);

	if (kv) {
		memcpy(kv, key, kl + 1);
		memcpy(kv + kl + 1, rv, rl + 1);
	}
	return kv;
}

static const char *rv_of(const struct k8s_rvmap_ent *e)
{
	return e->kv + strlen(e->kv) + 1;
}

static int add(struct k8s_rvmap *m, const char *key, const char *rv, uint64_t uid, uint32_t h)
{
	struct k8s_rvmap_ent *e;
	char *kv;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap + m->cap / 2 : 16;
		struct k8s_rvmap_ent *nv = realloc(m->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		m->v = nv;
		m->cap = cap;
	}
	if (!(kv = make_kv(key, rv)))
		return -ENOMEM;
	if (core_idx_insert(&m->ix, h, (uint32_t)m->n) < 0) {
		free(kv);
		return -ENOMEM;
	}
	e = &m->v[m->n++];
	*e = (struct k8s_rvmap_ent){.kv = kv, .uid = uid, .hash = h, .gen = m->gen};
	return K8S_RV_NEW;
}

int k8s_rvmap_put(struct k8s_rvmap *m, const char *key, const char *rv, uint64_t uid)
{
	uint32_t h = core_idx_hash2(key, NULL);
	int64_t at = find(m, key, h);
	struct k8s_rvmap_ent *e;
	int res;

	if (!rv)
		rv = "";
	if (at < 0)
		return add(m, key, rv, uid, h);
	e = &m->v[at];
	if (e->uid && uid && e->uid != uid)
		res = K8S_RV_REPLACED;
	else if (strcmp(rv_of(e), rv) == 0)
		res = K8S_RV_SAME;
	else
		res = K8S_RV_CHANGED;
	if (res != K8S_RV_SAME) {
		char *kv = make_kv(key, rv);

		if (!kv)
			return -ENOMEM;
		free(e->kv);
		e->kv = kv;
	}
	if (uid)
		e->uid = uid;
	e->gen = m->gen;
	return res;
}

/* Swap-remove: the last entry moves into the hole. */
static void remove_at(struct k8s_rvmap *m, size_t i)
{
	size_t last = m->n - 1;

	core_idx_remove(&m->ix, m->v[i].hash, (uint32_t)i);
	free(m->v[i].kv);
	if (i != last) {
		core_idx_move(&m->ix, m->v[last].hash, (uint32_t)last, (uint32_t)i);
		m->v[i] = m->v[last];
	}
	m->n--;
}

int k8s_rvmap_del(struct k8s_rvmap *m, const char *key)
{
	int64_t at = find(m, key, core_idx_hash2(key, NULL));

	if (at < 0)
		return 0;
	remove_at(m, (size_t)at);
	return 1;
}

const char *k8s_rvmap_rv(const struct k8s_rvmap *m, const char *key)
{
	int64_t at = find(m, key, core_idx_hash2(key, NULL));

	return at < 0 ? NULL : rv_of(&m->v[at]);
}

size_t k8s_rvmap_size(const struct k8s_rvmap *m)
{
	return m->n;
}

void k8s_rvmap_begin(struct k8s_rvmap *m)
{
	m->gen++;
}

int k8s_rvmap_sweep(struct k8s_rvmap *m, void (*cb)(const char *key, void *arg), void *arg)
{
	int n = 0;

	/* Backwards: a swap-remove only moves an entry already visited. */
	for (size_t i = m->n; i-- > 0;) {
		if (m->v[i].gen == m->gen)
			continue;
		cb(m->v[i].kv, arg);
		remove_at(m, i);
		n++;
	}
	return n;
}
