/*
 * The one hash function, FNV-1a 64, and its keyed finish for tables
 * (see hash.h for why each is keyed or not).
 */
#include "core/hash.h"

/* Written once at start (core_hash_seed), read by every table after. */
static uint64_t seed;

uint64_t core_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

uint64_t core_fnv_str(uint64_t h, const char *s)
{
	for (const char *p = s ? s : "";; p++) {
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
		if (!*p)
			return h;
	}
}

uint64_t core_hash_fmix64(uint64_t h)
{
	/* murmur3's fmix64: every input bit reaches every output bit. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

uint32_t core_hash_mix(uint64_t h)
{
	return (uint32_t)core_hash_fmix64(h ^ seed);
}

void core_hash_seed(uint64_t s)
{
	seed = s;
}
