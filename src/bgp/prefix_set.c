#include "bgp/prefix_set.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void prefix_canon(struct bgp_prefix *p)
{
	size_t bytes = p->family == AF_INET ? 4 : 16;
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

/* FNV-1a over the identifying fields, then a final mix so that sequential
 * /32s spread over the table. */
static uint64_t prefix_hash(const struct bgp_prefix *p)
{
	uint64_t h = 1469598103934665603ull;
	const uint8_t *b = p->addr;

	for (size_t i = 0; i < sizeof(p->addr); i++)
		h = (h ^ b[i]) * 1099511628211ull;
	h = (h ^ p->family) * 1099511628211ull;
	h = (h ^ p->len) * 1099511628211ull;
	h = (h ^ p->path_id) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

void prefix_set_init(struct prefix_set *s)
{
	memset(s, 0, sizeof(*s));
}

void prefix_set_fini(struct prefix_set *s)
{
	free(s->v);
	free(s->index);
	memset(s, 0, sizeof(*s));
}

void prefix_set_clear(struct prefix_set *s)
{
	s->n = 0;
	if (s->index)
		memset(s->index, 0, s->slots * sizeof(*s->index));
}

void prefix_set_move(struct prefix_set *dst, struct prefix_set *src)
{
	prefix_set_fini(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

/* Slot holding p, or the empty slot where it would go. */
static size_t find_slot(const struct prefix_set *s, const struct bgp_prefix *p)
{
	size_t mask = s->slots - 1, i = prefix_hash(p) & mask;

	while (s->index[i] && !prefix_eq(&s->v[s->index[i] - 1], p))
		i = (i + 1) & mask;
	return i;
}

static int rehash(struct prefix_set *s, size_t slots)
{
	uint32_t *idx = calloc(slots, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	free(s->index);
	s->index = idx;
	s->slots = slots;
	for (size_t k = 0; k < s->n; k++)
		s->index[find_slot(s, &s->v[k])] = (uint32_t)(k + 1);
	return 0;
}

bool prefix_set_has(const struct prefix_set *s, const struct bgp_prefix *p)
{
	return prefix_set_find(s, p) >= 0;
}

long prefix_set_find(const struct prefix_set *s, const struct bgp_prefix *p)
{
	if (!s->n)
		return -1;
	/* The index stores position+1 (0 is an empty slot). */
	return (long)s->index[find_slot(s, p)] - 1;
}

int prefix_set_add(struct prefix_set *s, const struct bgp_prefix *p)
{
	size_t i;
	int r;

	if (s->n >= UINT32_MAX - 1)
		return -ENOMEM;
	/* Load factor at most 3/4: probes stay short (linear probing, a good
	 * hash), and the index of a speaker's 10,000 routes is 64 kB, not 128. */
	if ((s->n + 1) * 4 > s->slots * 3) {
		r = rehash(s, s->slots ? s->slots * 2 : 64);
		if (r < 0)
			return r;
	}
	i = find_slot(s, p);
	if (s->index[i])
		return 0;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		struct bgp_prefix *nv = realloc(s->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n] = *p;
	s->index[i] = (uint32_t)(++s->n);
	return 1;
}

int prefix_set_del(struct prefix_set *s, const struct bgp_prefix *p)
{
	size_t mask, i, j, pos, last;

	if (!s->n)
		return 0;
	mask = s->slots - 1;
	i = find_slot(s, p);
	if (!s->index[i])
		return 0;
	pos = s->index[i] - 1;
	last = s->n - 1;
	if (pos != last) {
		/* The last element moves into the hole; repoint its slot. */
		s->index[find_slot(s, &s->v[last])] = (uint32_t)(pos + 1);
		s->v[pos] = s->v[last];
	}
	s->n--;
	/* Backward-shift deletion keeps probe chains intact without tombstones. */
	s->index[i] = 0;
	j = i;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!s->index[j])
			break;
		home = prefix_hash(&s->v[s->index[j] - 1]) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			s->index[i] = s->index[j];
			s->index[j] = 0;
			i = j;
		}
	}
	return 1;
}
