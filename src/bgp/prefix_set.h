/*
 * A set of prefixes (family, length, address, path id): dense storage plus
 * the one hash table (core/idx.h) over it, so a million /32s cost about
 * 40 bytes each and iteration is a plain array walk. Each prefix may carry
 * a 32-bit value (the speaker's routes: prefix -> route attributes id,
 * bgp/route_attrs.h), kept in a parallel array that exists only once a
 * value other than 0 was put: 4 bytes more per prefix then, none before.
 * Pure; the set owns its memory.
 */
#ifndef BERTH_PREFIX_SET_H
#define BERTH_PREFIX_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "core/idx.h"

struct prefix_set {
	struct bgp_prefix *v; /* owned; dense, unordered */
	uint32_t *val;        /* owned; val[i] is v[i]'s value; NULL: every value 0 */
	size_t n;
	size_t cap;
	struct core_idx ix; /* prefix -> position in v */
};

void prefix_set_init(struct prefix_set *s);
void prefix_set_fini(struct prefix_set *s);
/* Room for n prefixes in all (and their values, once there are any):
 * adds and puts up to n cannot fail. A set whose size is known before it
 * is built is then allocated once, at that size (grown by doubling, the
 * speaker's routes of 10,000 Services end up in arrays of 16,384). 0 or
 * -ENOMEM. */
int prefix_set_reserve(struct prefix_set *s, size_t n);
/* 1 when added (with value 0), 0 when already there (its value kept),
 * -ENOMEM. */
int prefix_set_add(struct prefix_set *s, const struct bgp_prefix *p);
/* p with value val: 1 when added, 0 when it was there (its value is val
 * now), -ENOMEM (s unchanged). */
int prefix_set_put(struct prefix_set *s, const struct bgp_prefix *p, uint32_t val);
/* The value of s->v[i] (i < s->n). */
static inline uint32_t prefix_set_val(const struct prefix_set *s, size_t i)
{
	return s->val ? s->val[i] : 0;
}
/* 1 when removed, 0 when absent. Moves the last element (and its value)
 * into the hole. */
int prefix_set_del(struct prefix_set *s, const struct bgp_prefix *p);
bool prefix_set_has(const struct prefix_set *s, const struct bgp_prefix *p);
/* The position of p in s->v, or -1: valid until the next add or del. */
long prefix_set_find(const struct prefix_set *s, const struct bgp_prefix *p);
void prefix_set_clear(struct prefix_set *s);
/* Moves src into dst (dst is finalized first); src becomes empty. */
void prefix_set_move(struct prefix_set *dst, struct prefix_set *src);
/* Canonical form: host bits beyond len zero, unused bytes zero. */
void prefix_canon(struct bgp_prefix *p);

#endif
