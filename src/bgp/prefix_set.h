/*
 * A set of prefixes (family, length, address, path id): dense storage plus
 * the one hash table (core/idx.h) over it, so a million /32s cost about
 * 40 bytes each and iteration is a plain array walk. Pure; the set owns
 * its memory.
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
	size_t n;
	size_t cap;
	struct core_idx ix; /* prefix -> position in v */
};

void prefix_set_init(struct prefix_set *s);
void prefix_set_fini(struct prefix_set *s);
/* 1 when added, 0 when already there, -ENOMEM. */
int prefix_set_add(struct prefix_set *s, const struct bgp_prefix *p);
/* 1 when removed, 0 when absent. Moves the last element into the hole. */
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
