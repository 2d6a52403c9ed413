/*
 * A set of prefixes: a dense array and a core_idx over it (see
 * prefix_set.h); prefix_canon, the one form a prefix is kept in.
 */
#include "bgp/prefix_set.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void prefix_canon(struct bgp_prefix *p)
{
	size_t bytes = core_af_len(p->family);
	size_t full = p->len / 8;

	if (full < bytes && p->len % 8)
		p->addr[full++] &= (uint8_t)(0xff00u >> (p->len % 8));
	if (full < sizeof(p->addr))
		memset(p->addr + full, 0, sizeof(p->addr) - full);
}

static bool prefix_eq(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	return a->family == b->family && a->len == b->len && a->path_id == b->path_id &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Over the identifying fields. Prefixes a peer announces land here too:
 * core_hash_mix is keyed for them (core/hash.h). */
static uint32_t prefix_hash(const struct bgp_prefix *p)
{
	uint64_t h = core_fnv(CORE_FNV_INIT, p->addr, sizeof(p->addr));

	h = core_fnv(h, &p->family, sizeof(p->family));
	h = core_fnv(h, &p->len, sizeof(p->len));
	return core_hash_mix(core_fnv(h, &p->path_id, sizeof(p->path_id)));
}

struct lookup {
	const struct prefix_set *s;
	const struct bgp_prefix *p;
};

static int pos_eq(const void *ctx, uint32_t pos)
{
	const struct lookup *l = ctx;

	return prefix_eq(&l->s->v[pos], l->p);
}

static long find(const struct prefix_set *s, const struct bgp_prefix *p, uint32_t h)
{
	struct lookup l = {s, p};

	return (long)core_idx_find(&s->ix, h, pos_eq, &l);
}

void prefix_set_init(struct prefix_set *s)
{
	memset(s, 0, sizeof(*s));
	core_idx_init(&s->ix);
}

void prefix_set_fini(struct prefix_set *s)
{
	free(s->v);
	free(s->val);
	core_idx_fini(&s->ix);
	prefix_set_init(s);
}

void prefix_set_clear(struct prefix_set *s)
{
	s->n = 0;
	core_idx_clear(&s->ix);
}

void prefix_set_move(struct prefix_set *dst, struct prefix_set *src)
{
	prefix_set_fini(dst);
	*dst = *src;
	prefix_set_init(src);
}

bool prefix_set_has(const struct prefix_set *s, const struct bgp_prefix *p)
{
	return prefix_set_find(s, p) >= 0;
}

long prefix_set_find(const struct prefix_set *s, const struct bgp_prefix *p)
{
	return find(s, p, prefix_hash(p));
}

/* Room for ncap elements in v (and val, when there). */
static int resize(struct prefix_set *s, size_t ncap)
{
	struct bgp_prefix *nv;

	if (s->val) {
		uint32_t *nval = realloc(s->val, ncap * sizeof(*nval));

		if (!nval)
			return -ENOMEM;
		s->val = nval;
	}
	/* A val grown alone is harmless: cap stays until v follows. */
	if (!(nv = realloc(s->v, ncap * sizeof(*nv))))
		return -ENOMEM;
	s->v = nv;
	s->cap = ncap;
	return 0;
}

/* Room for one more element. */
static int grow(struct prefix_set *s)
{
	return s->n < s->cap ? 0 : resize(s, s->cap ? s->cap * 2 : 64);
}

int prefix_set_reserve(struct prefix_set *s, size_t n)
{
	if (core_idx_reserve(&s->ix, n) < 0)
		return -ENOMEM;
	return n <= s->cap ? 0 : resize(s, n);
}

/* Adds p (absent, hash h) at the end with value val; 0 or -ENOMEM. */
static int insert(struct prefix_set *s, const struct bgp_prefix *p, uint32_t h, uint32_t val)
{
	if (s->n >= UINT32_MAX - 1)
		return -ENOMEM;
	if (val && !s->val && !(s->val = calloc(s->cap ? s->cap : 1, sizeof(*s->val))))
		return -ENOMEM;
	if (grow(s) < 0 || core_idx_insert(&s->ix, h, (uint32_t)s->n) < 0)
		return -ENOMEM;
	if (s->val)
		s->val[s->n] = val;
	s->v[s->n++] = *p;
	return 0;
}

int prefix_set_add(struct prefix_set *s, const struct bgp_prefix *p)
{
	uint32_t h = prefix_hash(p);

	if (find(s, p, h) >= 0)
		return 0;
	return insert(s, p, h, 0) < 0 ? -ENOMEM : 1;
}

int prefix_set_put(struct prefix_set *s, const struct bgp_prefix *p, uint32_t val)
{
	uint32_t h = prefix_hash(p);
	long at = find(s, p, h);

	if (at < 0)
		return insert(s, p, h, val) < 0 ? -ENOMEM : 1;
	if (val && !s->val && !(s->val = calloc(s->cap, sizeof(*s->val))))
		return -ENOMEM;
	if (s->val)
		s->val[at] = val;
	return 0;
}

int prefix_set_del(struct prefix_set *s, const struct bgp_prefix *p)
{
	uint32_t h = prefix_hash(p);
	long at = find(s, p, h);
	size_t last = s->n - 1;

	if (at < 0)
		return 0;
	/* Swap-remove: the last element moves into the hole. */
	core_idx_remove(&s->ix, h, (uint32_t)at);
	if ((size_t)at != last) {
		core_idx_move(&s->ix, prefix_hash(&s->v[last]), (uint32_t)last, (uint32_t)at);
		s->v[at] = s->v[last];
		if (s->val)
			s->val[at] = s->val[last];
	}
	s->n--;
	return 1;
}
