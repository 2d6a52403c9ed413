/*
 * Borrowed key -> pointer map on core_idx (see map.h).
 */
#include "core/map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void core_map_init(struct core_map *m)
{
	memset(m, 0, sizeof(*m));
}

void core_map_fini(struct core_map *m)
{
	free(m->v);
	core_idx_fini(&m->ix);
	core_map_init(m);
}

int core_map_reserve(struct core_map *m, size_t extra)
{
	size_t need = m->n + extra, cap = m->cap ? m->cap : 16;
	struct core_map_ent *v;

	if (core_idx_reserve(&m->ix, need) < 0)
		return -ENOMEM;
	if (need <= m->cap)
		return 0;
	/* By halves, not doubling: at 10,000 Services the entries take
	 * 10,390 x 24 bytes instead of 16,384 x 24. */
	while (cap < need)
		cap += cap / 2;
	if (!(v = realloc(m->v, cap * sizeof(*v))))
		return -ENOMEM;
	m->v = v;
	m->cap = cap;
	return 0;
}

struct lookup {
	const struct core_map *m;
	const void *key;
	size_t klen;
};

static int key_eq(const void *ctx, uint32_t pos)
{
	const struct lookup *l = ctx;
	const struct core_map_ent *e = &l->m->v[pos];

	return e->klen == l->klen && memcmp(e->key, l->key, l->klen) == 0;
}

static uint32_t key_hash(const void *key, size_t klen)
{
	return core_hash_mix(core_fnv(CORE_FNV_INIT, key, klen));
}

static int64_t find(const struct core_map *m, const void *key, size_t klen, uint32_t h)
{
	struct lookup l = {m, key, klen};

	return core_idx_find(&m->ix, h, key_eq, &l);
}

void *core_map_get(const struct core_map *m, const void *key, size_t klen)
{
	int64_t at = find(m, key, klen, key_hash(key, klen));

	return at < 0 ? NULL : m->v[at].val;
}

int core_map_put(struct core_map *m, const void *key, size_t klen, void *val)
{
	uint32_t h = key_hash(key, klen);

	if (core_map_reserve(m, 1) < 0 || core_idx_insert(&m->ix, h, (uint32_t)m->n) < 0)
		return -ENOMEM;
	m->v[m->n++] = (struct core_map_ent){key, val, (uint32_t)klen, h};
	return 0;
}

void core_map_replace(struct core_map *m, const void *key, size_t klen, void *val)
{
	int64_t at = find(m, key, klen, key_hash(key, klen));

	if (at >= 0) {
		m->v[at].key = key;
		m->v[at].val = val;
	}
}

void *core_map_del(struct core_map *m, const void *key, size_t klen)
{
	uint32_t h = key_hash(key, klen);
	int64_t at = find(m, key, klen, h);
	size_t last = m->n - 1;
	void *val;

	if (at < 0)
		return NULL;
	val = m->v[at].val;
	core_idx_remove(&m->ix, h, (uint32_t)at);
	if ((size_t)at != last) {
		core_idx_move(&m->ix, m->v[last].hash, (uint32_t)last, (uint32_t)at);
		m->v[at] = m->v[last];
	}
	m->n--;
	return val;
}
