/*
 * A map from borrowed keys (bytes) to borrowed pointers: a dense array of
 * entries and the one hash table (core/idx.h) over it. Keys are not
 * copied: each lives as long as its entry, typically inside the value
 * (a Service's "namespace/name", an address's 17 bytes). Walk the map as
 * v[0..n-1]: insertion order, changed by swap-removes. Pure.
 */
#ifndef BERTH_CORE_MAP_H
#define BERTH_CORE_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/idx.h"

struct core_map {
	struct core_map_ent {
		const void *key; /* borrowed */
		void *val;       /* borrowed */
		uint32_t klen;   /* names and addresses: far below 4 GiB */
		uint32_t hash;
	} * v; /* owned; dense */
	size_t n, cap;
	struct core_idx ix;
};

void core_map_init(struct core_map *m);
void core_map_fini(struct core_map *m);
/* Room for extra more entries: core_map_put cannot fail until they are
 * used. 0 or -ENOMEM. */
int core_map_reserve(struct core_map *m, size_t extra);
/* The value under key, or NULL. */
void *core_map_get(const struct core_map *m, const void *key, size_t klen);
/* key must not be present. 0 or -ENOMEM (never within a reservation). */
int core_map_put(struct core_map *m, const void *key, size_t klen, void *val);
/* key must be present: its entry takes key (other storage, same bytes)
 * and val. */
void core_map_replace(struct core_map *m, const void *key, size_t klen, void *val);
/* Removes key (the last entry moves into its place): its value, or NULL. */
void *core_map_del(struct core_map *m, const void *key, size_t klen);

#endif
