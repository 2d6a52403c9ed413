/*
 * Line numbers of YAML nodes, kept beside the jansson tree.
 *
 * A dense array of entries keyed by (container, key) for mapping members,
 * (container, index) for sequence items and (container, self) for the
 * container's own start, and a core_idx over it. Keys are not copied: they
 * point at the key jansson stores in the object, which lives as long as
 * the tree.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/lines.h"
#include "core/idx.h"

#define SELF_IDX SIZE_MAX

/* 24 bytes: there is one for every node of a tree, so it is a good part
 * of what a document costs in memory. */
struct line_ent {
	const json_t *c;
	union {
		const char *key; /* is_key */
		size_t idx;      /* an index, or SELF_IDX */
	} u;
	unsigned line;
	bool is_key;
};

struct cfg_lines {
	struct line_ent *v; /* owned; dense */
	size_t n, cap;
	struct core_idx ix;
};

/* The container's address (the tree outlives the table), then the key or
 * the index. */
static uint32_t ent_hash(const struct line_ent *e)
{
	uint64_t h = core_fnv(CORE_FNV_INIT, &e->c, sizeof(e->c));

	h = e->is_key ? core_fnv_str(h, e->u.key) : core_fnv(h, &e->u.idx, sizeof(e->u.idx));
	return core_hash_mix(h);
}

struct lookup {
	const struct cfg_lines *l;
	const struct line_ent *e;
};

static int ent_eq(const void *ctx, uint32_t pos)
{
	const struct line_ent *a = &((const struct lookup *)ctx)->l->v[pos];
	const struct line_ent *b = ((const struct lookup *)ctx)->e;

	if (a->c != b->c || a->is_key != b->is_key)
		return 0;
	return b->is_key ? strcmp(a->u.key, b->u.key) == 0 : a->u.idx == b->u.idx;
}

static int64_t find(const struct cfg_lines *l, const struct line_ent *e, uint32_t h)
{
	struct lookup k = {l, e};

	return core_idx_find(&l->ix, h, ent_eq, &k);
}

struct cfg_lines *cfg_lines_new(void)
{
	return calloc(1, sizeof(struct cfg_lines));
}

void cfg_lines_free(struct cfg_lines *l)
{
	if (!l)
		return;
	free(l->v);
	core_idx_fini(&l->ix);
	free(l);
}

static struct line_ent ent(const json_t *c, const char *key, size_t idx, unsigned line)
{
	struct line_ent e = {.c = c, .line = line, .is_key = key != NULL};

	if (key)
		e.u.key = key;
	else
		e.u.idx = idx;
	return e;
}

static int add_ent(struct cfg_lines *l, struct line_ent e)
{
	uint32_t h = ent_hash(&e);
	int64_t at = find(l, &e, h);

	if (at >= 0) {
		l->v[at].line = e.line;
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct line_ent *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (core_idx_insert(&l->ix, h, (uint32_t)l->n) < 0)
		return -ENOMEM;
	l->v[l->n++] = e;
	return 0;
}

static int add(struct cfg_lines *l, const json_t *c, const char *key, size_t idx, unsigned line)
{
	return add_ent(l, ent(c, key, idx, line));
}

void cfg_lines_clear(struct cfg_lines *l)
{
	/* a large table goes: the next document is usually small */
	if (l->cap > 1024) {
		free(l->v);
		l->v = NULL;
		l->cap = 0;
		core_idx_fini(&l->ix);
		core_idx_init(&l->ix);
	} else {
		core_idx_clear(&l->ix);
	}
	l->n = 0;
}

int cfg_lines_merge(struct cfg_lines *dst, const struct cfg_lines *src)
{
	for (size_t i = 0; i < src->n; i++) {
		int rc = add_ent(dst, src->v[i]);

		if (rc < 0)
			return rc;
	}
	return 0;
}

int cfg_lines_add_key(struct cfg_lines *l, const json_t *obj, const char *key, unsigned line)
{
	/* the key jansson owns, so the entry lives exactly as long as the member */
	void *it = json_object_iter_at((json_t *)obj, key);

	if (!it)
		return -ENOENT;
	return add(l, obj, json_object_iter_key(it), 0, line);
}

int cfg_lines_add_index(struct cfg_lines *l, const json_t *arr, size_t idx, unsigned line)
{
	return add(l, arr, NULL, idx, line);
}

int cfg_lines_add_self(struct cfg_lines *l, const json_t *c, unsigned line)
{
	return add(l, c, NULL, SELF_IDX, line);
}

static unsigned line_of(const struct cfg_lines *l, const json_t *c, const char *key, size_t idx)
{
	struct line_ent e = ent(c, key, idx, 0);
	int64_t at;

	if (!l || !c)
		return 0;
	at = find(l, &e, ent_hash(&e));
	return at < 0 ? 0 : l->v[at].line;
}

unsigned cfg_lines_key(const struct cfg_lines *lines, const json_t *obj, const char *key)
{
	return key ? line_of(lines, obj, key, 0) : 0;
}

unsigned cfg_lines_index(const struct cfg_lines *lines, const json_t *arr, size_t idx)
{
	return line_of(lines, arr, NULL, idx);
}

unsigned cfg_lines_self(const struct cfg_lines *lines, const json_t *container)
{
	return line_of(lines, container, NULL, SELF_IDX);
}
