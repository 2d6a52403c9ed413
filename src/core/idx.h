/*
 * The one hash table: an index over a caller's array, hash -> position.
 * Open addressing with linear probing, at most 3/4 full, backward-shift
 * deletion (no tombstones, so lookups stay short under churn).
 *
 * The keys stay in the caller's elements, which the caller stores as it
 * likes (a dense array, a slab with a free list); the index holds only
 * (hash, position), 8 bytes a slot, and asks the caller to compare a
 * candidate (eq). So one module keeps its key and its equality, the
 * index its slots: a set of prefixes, the Services of a store, a map of
 * names (core/map.h) are each an array of their own and a core_idx.
 *
 * A dense array stays dense by swap-remove: core_idx_remove(the hole),
 * then core_idx_move(the last element's hash, last, hole) and copy the
 * last element into the hole. Pure.
 */
#ifndef BERTH_CORE_IDX_H
#define BERTH_CORE_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "core/hash.h"

struct core_idx {
	struct core_idx_slot {
		uint32_t hash;
		uint32_t pos1; /* position + 1; 0 = empty */
	} * slots;             /* owned */
	size_t cap;            /* power of two, or 0 */
	size_t n;
};

/* ctx: the caller's; pos: a position the index holds under the hash. */
typedef int (*core_idx_eq_fn)(const void *ctx, uint32_t pos);

void core_idx_init(struct core_idx *ix);
void core_idx_fini(struct core_idx *ix);
/* Forgets every position; keeps the slots for the next fill. */
void core_idx_clear(struct core_idx *ix);
/* Room for n positions in all, so that inserts up to n cannot fail.
 * 0 or -ENOMEM. */
int core_idx_reserve(struct core_idx *ix, size_t n);
/* The hash of the strings a then b (NULL as ""): core_hash_mix of their
 * FNV-1a. Other keys: core_hash_mix(core_fnv(CORE_FNV_INIT, ...)). */
uint32_t core_idx_hash2(const char *a, const char *b);
/* Position whose element eq accepts, or -1. */
int64_t core_idx_find(const struct core_idx *ix, uint32_t hash, core_idx_eq_fn eq, const void *ctx);
/* Records pos under hash (the caller checked it is not there; pos below
 * UINT32_MAX). 0 or -ENOMEM. */
int core_idx_insert(struct core_idx *ix, uint32_t hash, uint32_t pos);
/* Forgets pos (recorded under hash); 1 when found. */
int core_idx_remove(struct core_idx *ix, uint32_t hash, uint32_t pos);
/* The element at from moved to to (a swap-remove): 1 when found. */
int core_idx_move(struct core_idx *ix, uint32_t hash, uint32_t from, uint32_t to);

#endif
