/*
 * The one hash function: FNV-1a, 64 bits (Fowler, Noll, Vo), fed in
 * pieces (start from CORE_FNV_INIT, feed each field in turn), and its
 * finish for hash tables.
 *
 * FNV-1a alone is a fingerprint: the uid of a Service, the key of an
 * Event, a digest of a status that must not be written twice. Those keys
 * come from the trusted API server or from berth itself, so a fingerprint
 * is unkeyed and the same in every process.
 *
 * A table (core/idx.h) places keys by core_hash_mix(h): FNV-1a's low
 * bits depend only on the inputs' low bits, and murmur3's fmix64 spreads
 * every bit of h over the 32 it returns, so that sequential keys (the
 * /32s of a pool, "svc-1", "svc-2" ...) land as random ones would.
 *
 * The mix is keyed with a per-process seed (core_hash_seed, from
 * getrandom() at start) because some keys come from the network: every
 * prefix a BGP peer announces goes into a prefix_set (bgp/peer.c counts
 * them), and a router passing on a full table carries prefixes that
 * anyone on the Internet chose. Unkeyed, where a prefix lands could be
 * computed offline: some 65,000 of the 2^48 IPv6 /48s share each 32-bit
 * value, and as many of them announced would make every insert walk all
 * the others (linear probing: quadratic). Keyed, nobody outside the
 * process knows where a key lands. This is not a MAC (SipHash would be):
 * it defeats precomputed sets, which is what a remote announcer can
 * send; the tables stay correct whatever the seed.
 *
 * core_hash_fmix64 is the same mix without the seed and all 64 bits:
 * for a choice that every process on every machine must make alike (the
 * owner of a layer 2 address, l2/owner.h), so never seeded.
 */
#ifndef BERTH_CORE_HASH_H
#define BERTH_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define CORE_FNV_INIT 14695981039346656037ull

/* FNV-1a over n bytes at p, continuing from h. */
uint64_t core_fnv(uint64_t h, const void *p, size_t n);
/* The same over s and its terminating 0 (NULL as ""), so that ("a","bc")
 * and ("ab","c") differ. */
uint64_t core_fnv_str(uint64_t h, const char *s);

/* murmur3's fmix64 of h, unseeded: the same in every process. */
uint64_t core_hash_fmix64(uint64_t h);
/* A table's 32 bits of h: the seed, then fmix64. */
uint32_t core_hash_mix(uint64_t h);
/* Sets the seed of core_hash_mix for the whole process, once, before any
 * table is filled (a table holds hashes made with the seed of its time).
 * Until then it is 0: unit tests and fuzz targets see fixed layouts. */
void core_hash_seed(uint64_t seed);

#endif
