/*
 * Line numbers of YAML nodes, kept beside the jansson tree.
 *
 * An open-addressing hash keyed by (container, key) for mapping members,
 * (container, index) for sequence items and (container, self) for the
 * container's own start. Keys are not copied: they point at the key
 * jansson stores in the object, which lives as long as the tree.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/lines.h"

#define SELF_IDX SIZE_MAX

/* 24 bytes: there is one for every node of a tree, so it is a good part
 * of what a document costs in memory. */
struct line_ent {
	const json_t *c; /* NULL: empty slot */
	union {
		const char *key; /* is_key */
		size_t idx;      /* an index, or SELF_IDX */
	} u;
	unsigned line;
	bool is_key;
};

struct cfg_lines {
	struct line_ent *ents;
	size_t cap; /* power of two */
	size_t n;
};

static uint64_t mix(uint64_t h)
{
	/* splitmix64 finaliser: spreads pointer bits over the table */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

static uint64_t ent_hash(const json_t *c, const char *key, size_t idx)
{
	uint64_t h = (uint64_t)(uintptr_t)c;

	if (key) {
		uint64_t f = 14695981039346656037ull; /* FNV-1a */

		for (const unsigned char *p = (const unsigned char *)key; *p; p++)
			f = (f ^ *p) * 1099511628211ull;
		h ^= f;
	} else {
		h ^= (uint64_t)idx * 0x9e3779b97f4a7c15ull;
	}
	return mix(h);
}

static bool ent_eq(const struct line_ent *e, const json_t *c, const char *key, size_t idx)
{
	if (e->c != c || e->is_key != (key != NULL))
		return false;
	return key ? strcmp(e->u.key, key) == 0 : e->u.idx == idx;
}

static const char *ent_key(const struct line_ent *e)
{
	return e->is_key ? e->u.key : NULL;
}

static size_t ent_idx(const struct line_ent *e)
{
	return e->is_key ? 0 : e->u.idx;
}

struct cfg_lines *cfg_lines_new(void)
{
	return calloc(1, sizeof(struct cfg_lines));
}

void cfg_lines_free(struct cfg_lines *l)
{
	if (!l)
		return;
	free(l->ents);
	free(l);
}

/* Returns true when the slot was empty (a new entry). */
static bool put(struct line_ent *ents, size_t cap, const struct line_ent *e)
{
	size_t i = ent_hash(e->c, ent_key(e), ent_idx(e)) & (cap - 1);
	bool fresh;

	while (ents[i].c && !ent_eq(&ents[i], e->c, ent_key(e), ent_idx(e)))
		i = (i + 1) & (cap - 1);
	fresh = !ents[i].c;
	ents[i] = *e;
	return fresh;
}

static int grow(struct cfg_lines *l)
{
	size_t cap = l->cap ? l->cap * 2 : 64;
	struct line_ent *ents = calloc(cap, sizeof(*ents));

	if (!ents)
		return -ENOMEM;
	for (size_t i = 0; i < l->cap; i++)
		if (l->ents[i].c)
			put(ents, cap, &l->ents[i]);
	free(l->ents);
	l->ents = ents;
	l->cap = cap;
	return 0;
}

static int add(struct cfg_lines *l, const json_t *c, const char *key, size_t idx, unsigned line)
{
	struct line_ent e = {.c = c, .line = line, .is_key = key != NULL};

	if (key)
		e.u.key = key;
	else
		e.u.idx = idx;
	/* keep the load under 2/3 so probes stay short (about 5 for a miss) */
	if ((l->n + 1) * 3 > l->cap * 2) {
		int rc = grow(l);

		if (rc < 0)
			return rc;
	}
	if (put(l->ents, l->cap, &e))
		l->n++;
	return 0;
}

void cfg_lines_clear(struct cfg_lines *l)
{
	/* a large table goes: the next document is usually small */
	if (l->cap > 1024) {
		free(l->ents);
		l->ents = NULL;
		l->cap = 0;
	} else if (l->cap) {
		memset(l->ents, 0, l->cap * sizeof(*l->ents));
	}
	l->n = 0;
}

int cfg_lines_merge(struct cfg_lines *dst, const struct cfg_lines *src)
{
	for (size_t i = 0; i < src->cap; i++) {
		const struct line_ent *e = &src->ents[i];
		int rc;

		if (!e->c)
			continue;
		rc = add(dst, e->c, ent_key(e), ent_idx(e), e->line);
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

static unsigned find(const struct cfg_lines *l, const json_t *c, const char *key, size_t idx)
{
	if (!l || !l->cap || !c)
		return 0;
	for (size_t i = ent_hash(c, key, idx) & (l->cap - 1); l->ents[i].c;
	     i = (i + 1) & (l->cap - 1))
		if (ent_eq(&l->ents[i], c, key, idx))
			return l->ents[i].line;
	return 0;
}

unsigned cfg_lines_key(const struct cfg_lines *lines, const json_t *obj, const char *key)
{
	return key ? find(lines, obj, key, 0) : 0;
}

unsigned cfg_lines_index(const struct cfg_lines *lines, const json_t *arr, size_t idx)
{
	return find(lines, arr, NULL, idx);
}

unsigned cfg_lines_self(const struct cfg_lines *lines, const json_t *container)
{
	return find(lines, container, NULL, SELF_IDX);
}
