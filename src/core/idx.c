/*
 * The one hash table (see idx.h): slots of (hash, position + 1), linear
 * probing, backward-shift deletion.
 */
#include "core/idx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void core_idx_init(struct core_idx *ix)
{
	memset(ix, 0, sizeof(*ix));
}

void core_idx_fini(struct core_idx *ix)
{
	free(ix->slots);
	core_idx_init(ix);
}

void core_idx_clear(struct core_idx *ix)
{
	if (ix->slots)
		memset(ix->slots, 0, ix->cap * sizeof(*ix->slots));
	ix->n = 0;
}

uint32_t core_idx_hash2(const char *a, const char *b)
{
	return core_hash_mix(core_fnv_str(core_fnv_str(CORE_FNV_INIT, a), b));
}

int64_t core_idx_find(const struct core_idx *ix, uint32_t hash, core_idx_eq_fn eq, const void *ctx)
{
	size_t mask = ix->cap - 1;

	if (!ix->cap)
		return -1;
	for (size_t i = hash & mask; ix->slots[i].pos1; i = (i + 1) & mask)
		if (ix->slots[i].hash == hash && eq(ctx, ix->slots[i].pos1 - 1))
			return ix->slots[i].pos1 - 1;
	return -1;
}

static void put(struct core_idx *ix, uint32_t hash, uint32_t pos1)
{
	size_t mask = ix->cap - 1, i = hash & mask;

	while (ix->slots[i].pos1)
		i = (i + 1) & mask;
	ix->slots[i].hash = hash;
	ix->slots[i].pos1 = pos1;
}

int core_idx_reserve(struct core_idx *ix, size_t n)
{
	size_t cap = ix->cap ? ix->cap : 16, old_cap = ix->cap;
	struct core_idx_slot *old = ix->slots;

	/* At most 3/4 full: linear probing averages under three probes for
	 * a hit, and 10,000 keys take 16,384 slots (128 kB), not 32,768. */
	while (n * 4 > cap * 3)
		cap *= 2;
	if (cap == old_cap)
		return 0;
	if (!(ix->slots = calloc(cap, sizeof(*ix->slots)))) {
		ix->slots = old;
		return -ENOMEM;
	}
	ix->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].pos1)
			put(ix, old[i].hash, old[i].pos1);
	free(old);
	return 0;
}

int core_idx_insert(struct core_idx *ix, uint32_t hash, uint32_t pos)
{
	if (core_idx_reserve(ix, ix->n + 1) < 0)
		return -ENOMEM;
	put(ix, hash, pos + 1);
	ix->n++;
	return 0;
}

static size_t slot_of(const struct core_idx *ix, uint32_t hash, uint32_t pos)
{
	size_t mask = ix->cap - 1;

	for (size_t i = hash & mask; ix->slots[i].pos1; i = (i + 1) & mask)
		if (ix->slots[i].pos1 == pos + 1)
			return i;
	return SIZE_MAX;
}

int core_idx_remove(struct core_idx *ix, uint32_t hash, uint32_t pos)
{
	size_t mask = ix->cap - 1, i, j;

	if (!ix->cap || (i = slot_of(ix, hash, pos)) == SIZE_MAX)
		return 0;
	ix->slots[i].pos1 = 0;
	ix->n--;
	/* Backward shift (Knuth 6.4, algorithm R): a later slot of the run
	 * moves into the hole unless its home lies cyclically in (i, j]. */
	for (j = i;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!ix->slots[j].pos1)
			return 1;
		home = ix->slots[j].hash & mask;
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		ix->slots[i] = ix->slots[j];
		ix->slots[j].pos1 = 0;
		i = j;
	}
}

int core_idx_move(struct core_idx *ix, uint32_t hash, uint32_t from, uint32_t to)
{
	size_t i;

	if (!ix->cap || (i = slot_of(ix, hash, from)) == SIZE_MAX)
		return 0;
	ix->slots[i].pos1 = to + 1;
	return 1;
}
