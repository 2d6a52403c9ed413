/*
 * lb_ctrl helpers: the engine's maps walked in key order, and copies and
 * comparisons of config maps.
 */
#include "controller/ctrl_int.h"

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
		cfg_map_fini(dst);
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

/* ---- The engine's maps (core_map, keys are strings) in key order ---- */

static int cmp_ent_key(const void *a, const void *b)
{
	return strcmp((*(const struct core_map_ent *const *)a)->key,
	              (*(const struct core_map_ent *const *)b)->key);
}

int lb_sorted(const struct core_map *m, void ***out, size_t *n)
{
	const struct core_map_ent **tmp;
	void **vals;

	*out = NULL;
	*n = 0;
	if (!m->n)
		return 0;
	tmp = malloc(m->n * sizeof(*tmp));
	vals = malloc(m->n * sizeof(*vals));
	if (!tmp || !vals) {
		free(tmp);
		free(vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->n; i++)
		tmp[i] = &m->v[i];
	qsort(tmp, m->n, sizeof(*tmp), cmp_ent_key);
	for (size_t i = 0; i < m->n; i++)
		vals[i] = tmp[i]->val;
	free(tmp);
	*out = vals;
	*n = m->n;
	return 0;
}
