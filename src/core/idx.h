/*
 * An index over a caller's dense array: hash -> position, open addressing
 * with linear probing and backward-shift deletion. The keys live in the
 * caller's elements; lookups compare through a callback, so the index
 * costs 8 bytes a slot and no copies of the keys. Pure.
 */
#ifndef BERTH_CORE_IDX_H
#define BERTH_CORE_IDX_H

#include <stddef.h>
#include <stdint.h>

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

/* FNV-1a, 64 bits: start from CORE_FNV_INIT, feed strings in turn; each
 * string's terminating 0 is hashed too, so ("a","bc") and ("ab","c")
 * differ. Spread, not secrecy: keys come from the trusted API server. */
#define CORE_FNV_INIT 14695981039346656037ull
uint64_t core_fnv_str(uint64_t h, const char *s);
/* The same over n raw bytes (no terminator). */
uint64_t core_fnv(uint64_t h, const void *p, size_t n);

void core_idx_init(struct core_idx *ix);
void core_idx_fini(struct core_idx *ix);
/* core_fnv_str over a then b (NULL as ""), folded to 32 bits. */
uint32_t core_idx_hash2(const char *a, const char *b);
/* Position whose element eq accepts, or -1. */
int64_t core_idx_find(const struct core_idx *ix, uint32_t hash, core_idx_eq_fn eq, const void *ctx);
/* Records pos under hash (the caller checked it is not there). 0 or -ENOMEM. */
int core_idx_insert(struct core_idx *ix, uint32_t hash, uint32_t pos);
/* Forgets pos (recorded under hash); 1 when found. */
int core_idx_remove(struct core_idx *ix, uint32_t hash, uint32_t pos);
/* The element at from moved to to (a swap-remove): 1 when found. */
int core_idx_move(struct core_idx *ix, uint32_t hash, uint32_t from, uint32_t to);

#endif
