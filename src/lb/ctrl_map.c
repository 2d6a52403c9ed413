/*
 * lb_ctrl helpers: a string-keyed hash map, and copies and comparisons of
 * config maps.
 */
#include "lb/ctrl_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- Helpers ---- */

char *lb_strdup(const char *s, int *err)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*err = -ENOMEM;
	return d;
}

void lb_map_copy_fini(struct cfg_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->items[i].key);
		free(m->items[i].value);
	}
	free(m->items);
	m->items = NULL;
	m->n = 0;
}

int lb_map_copy(struct cfg_map *dst, const struct cfg_map *src)
{
	int err = 0;

	memset(dst, 0, sizeof(*dst));
	if (!src || !src->n)
		return 0;
	if (!(dst->items = calloc(src->n, sizeof(*dst->items))))
		return -ENOMEM;
	for (size_t i = 0; i < src->n; i++, dst->n++) {
		dst->items[i].key = lb_strdup(src->items[i].key, &err);
		dst->items[i].value = lb_strdup(src->items[i].value, &err);
	}
	if (err)
		lb_map_copy_fini(dst);
	return err;
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp((*(const struct cfg_kv *const *)a)->key,
	              (*(const struct cfg_kv *const *)b)->key);
}

/* As sets: a map[string]string has no order. Sorts views of both (an Eip's
 * "used" map has an entry per held address). */
bool lb_cfg_map_equal(const struct cfg_map *a, const struct cfg_map *b)
{
	size_t n = a ? a->n : 0;
	const struct cfg_kv **x, **y;
	bool eq = true;

	if (n != (b ? b->n : 0))
		return false;
	if (n < 16) {
		for (size_t i = 0; i < n; i++) {
			const char *v = cfg_map_get(b, a->items[i].key);

			if (!v || strcmp(v, a->items[i].value) != 0)
				return false;
		}
		return true;
	}
	x = malloc(n * sizeof(*x));
	y = malloc(n * sizeof(*y));
	if (!x || !y) {
		free(x);
		free(y);
		return false; /* "differs" only costs a write */
	}
	for (size_t i = 0; i < n; i++) {
		x[i] = &a->items[i];
		y[i] = &b->items[i];
	}
	qsort(x, n, sizeof(*x), cmp_kv);
	qsort(y, n, sizeof(*y), cmp_kv);
	for (size_t i = 0; i < n && eq; i++)
		eq = strcmp(x[i]->key, y[i]->key) == 0 && strcmp(x[i]->value, y[i]->value) == 0;
	free(x);
	free(y);
	return eq;
}

/* ---- String-keyed map: linear probing, backward-shift deletion ---- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 1099511628211ull;
	}
	return h;
}

void lb_map_fini(struct lb_map *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static size_t map_find(const struct lb_map *m, const char *key, uint64_t h)
{
	size_t i = h & (m->cap - 1);

	while (m->slots[i].key && (m->slots[i].hash != h || strcmp(m->slots[i].key, key) != 0))
		i = (i + 1) & (m->cap - 1);
	return i;
}

void *lb_map_get(const struct lb_map *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = map_find(m, key, hash_str(key));
	return m->slots[i].key ? m->slots[i].val : NULL;
}

static int map_grow(struct lb_map *m)
{
	size_t cap = m->cap ? 2 * m->cap : 16;
	struct lb_map_slot *old = m->slots, *s = calloc(cap, sizeof(*s));
	size_t ocap = m->cap;

	if (!s)
		return -ENOMEM;
	m->slots = s;
	m->cap = cap;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].key)
			m->slots[map_find(m, old[i].key, old[i].hash)] = old[i];
	}
	free(old);
	return 0;
}

int lb_map_put(struct lb_map *m, const char *key, void *val)
{
	uint64_t h = hash_str(key);
	size_t i;

	/* Load factor at most 3/4: probes stay short (the stored hash makes
	 * each cheap), and 10,000 Services take 16,384 slots, not 32,768. */
	if (4 * (m->len + 1) > 3 * m->cap && map_grow(m) < 0)
		return -ENOMEM;
	i = map_find(m, key, h);
	m->slots[i].key = key;
	m->slots[i].hash = h;
	m->slots[i].val = val;
	m->len++;
	return 0;
}

void lb_map_replace(struct lb_map *m, const char *key, void *val)
{
	size_t i = map_find(m, key, hash_str(key));

	m->slots[i].key = key;
	m->slots[i].val = val;
}

void *lb_map_del(struct lb_map *m, const char *key)
{
	size_t i, j, mask = m->cap - 1;
	void *val;

	if (!m->cap)
		return NULL;
	i = map_find(m, key, hash_str(key));
	if (!m->slots[i].key)
		return NULL;
	val = m->slots[i].val;
	/* Shift later members of the probe run back into the hole. */
	for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = m->slots[j].hash & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	memset(&m->slots[i], 0, sizeof(m->slots[i]));
	m->len--;
	return val;
}

static int cmp_slot_key(const void *a, const void *b)
{
	return strcmp((*(const struct lb_map_slot *const *)a)->key,
	              (*(const struct lb_map_slot *const *)b)->key);
}

int lb_map_sorted(const struct lb_map *m, void ***out, size_t *n)
{
	const struct lb_map_slot **tmp;
	void **vals;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!m->len)
		return 0;
	tmp = malloc(m->len * sizeof(*tmp));
	vals = malloc(m->len * sizeof(*vals));
	if (!tmp || !vals) {
		free(tmp);
		free(vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key)
			tmp[k++] = &m->slots[i];
	}
	qsort(tmp, k, sizeof(*tmp), cmp_slot_key);
	for (size_t i = 0; i < k; i++)
		vals[i] = tmp[i]->val;
	free(tmp);
	*out = vals;
	*n = k;
	return 0;
}
