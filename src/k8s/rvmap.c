/*
 * Key -> resourceVersion map of the lean informer (see rvmap.h).
 */
#include "k8s/rvmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CAP 16

void k8s_rvmap_init(struct k8s_rvmap *m)
{
	memset(m, 0, sizeof(*m));
}

void k8s_rvmap_fini(struct k8s_rvmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].kv);
	free(m->slots);
	k8s_rvmap_init(m);
}

/* FNV-1a: keys are short and the table only needs spread, not secrecy
 * (names come from the API server the client trusts). */
static uint64_t fnv(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

uint64_t k8s_rvmap_uid_hash(const char *uid)
{
	uint64_t h;

	if (!uid || !uid[0])
		return 0;
	h = fnv(uid);
	return h ? h : 1;
}

static uint32_t key_hash(const char *key)
{
	uint64_t h = fnv(key);

	return (uint32_t)(h ^ (h >> 32));
}

/* Slot of key, or of the free slot where it would go. cap > 0. */
static size_t find(const struct k8s_rvmap *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1, i = h & mask;

	while (m->slots[i].kv && (m->slots[i].hash != h || strcmp(m->slots[i].kv, key) != 0))
		i = (i + 1) & mask;
	return i;
}

static int grow(struct k8s_rvmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : MIN_CAP;
	struct k8s_rvmap_ent *old = m->slots, *nv = calloc(cap, sizeof(*nv));
	size_t old_cap = m->cap;

	if (!nv)
		return -ENOMEM;
	m->slots = nv;
	m->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].kv)
			m->slots[find(m, old[i].kv, old[i].hash)] = old[i];
	free(old);
	return 0;
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

int k8s_rvmap_put(struct k8s_rvmap *m, const char *key, const char *rv, uint64_t uid)
{
	uint32_t h = key_hash(key);
	struct k8s_rvmap_ent *e;
	int res;
	char *kv;

	if (!rv)
		rv = "";
	/* Load factor at most 3/4: probes stay short. */
	if ((m->n + 1) * 4 > m->cap * 3 && grow(m) < 0)
		return -ENOMEM;
	e = &m->slots[find(m, key, h)];
	if (!e->kv)
		res = K8S_RV_NEW;
	else if (e->uid && uid && e->uid != uid)
		res = K8S_RV_REPLACED;
	else if (strcmp(rv_of(e), rv) == 0)
		res = K8S_RV_SAME;
	else
		res = K8S_RV_CHANGED;
	if (res != K8S_RV_SAME) {
		if (!(kv = make_kv(key, rv)))
			return -ENOMEM;
		free(e->kv);
		e->kv = kv;
		e->hash = h;
		if (res == K8S_RV_NEW)
			m->n++;
	}
	if (uid)
		e->uid = uid;
	e->gen = m->gen;
	return res;
}

/* Backward-shift deletion (Knuth 6.4, algorithm R): no tombstones. */
static void remove_at(struct k8s_rvmap *m, size_t i)
{
	size_t mask = m->cap - 1, j = i;

	free(m->slots[i].kv);
	m->slots[i].kv = NULL;
	m->n--;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!m->slots[j].kv)
			return;
		home = m->slots[j].hash & mask;
		/* Move j into the hole at i unless its home lies cyclically
		 * in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		m->slots[i] = m->slots[j];
		m->slots[j].kv = NULL;
		i = j;
	}
}

int k8s_rvmap_del(struct k8s_rvmap *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return 0;
	i = find(m, key, key_hash(key));
	if (!m->slots[i].kv)
		return 0;
	remove_at(m, i);
	return 1;
}

const char *k8s_rvmap_rv(const struct k8s_rvmap *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = find(m, key, key_hash(key));
	return m->slots[i].kv ? rv_of(&m->slots[i]) : NULL;
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
	char **gone = NULL;
	size_t n = 0;

	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].kv && m->slots[i].gen != m->gen)
			n++;
	if (!n)
		return 0;
	/* Collected first: deleting shifts entries under the iteration. */
	if (!(gone = malloc(n * sizeof(*gone))))
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].kv && m->slots[i].gen != m->gen)
			gone[n++] = m->slots[i].kv;
	for (size_t k = 0; k < n; k++) {
		size_t i = find(m, gone[k], key_hash(gone[k]));

		cb(gone[k], arg);
		remove_at(m, i); /* frees gone[k]; shifts move entries, not strings */
	}
	free(gone);
	return (int)n;
}
