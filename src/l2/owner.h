/*
 * The owner of a layer 2 address: which one of the eligible nodes answers
 * ARP and neighbour discovery for it, and who is next in line.
 *
 * Rendezvous hashing (highest random weight, Thaler and Ravishankar
 * 1998): every node gets a score for the key, score = fmix64(FNV-1a(key,
 * node name)) (core/hash.h), and the node with the highest score owns the
 * key; equal scores go to the smaller node name (strcmp). So:
 *  - every speaker that sees the same eligible nodes computes the same
 *    owner, with no coordination round;
 *  - owners spread evenly: each node wins a key with chance 1/n;
 *  - removing a node moves only the keys it owned, each to its second in
 *    line; adding one takes to the new node only the keys it now wins.
 *    The order of succession (l2_owner_rank) is what the next in line
 *    needs to know to watch the owner and take over.
 * Which nodes are eligible (Ready, speaker alive, has the interface, a
 * ready endpoint under externalTrafficPolicy Local ...) is the caller's
 * filter: the array passed in holds only them.
 *
 * The key. It is the Service, "namespace/name" (l2_owner_key_svc), not
 * the address: both addresses of a dual-stack Service then have one owner
 * (one node to look at, one failover), eligibility under
 * externalTrafficPolicy Local belongs to the Service, and an address
 * renumbered by the allocator stays on its node. An address held by more
 * than one Service (sharing) must have one owner whichever Service the
 * speaker looks at, else two nodes would answer for it: for every Service
 * of a group linked by shared addresses the key is the canonical text
 * (core_addr_format) of the group's smallest address (core_addr_cmp;
 * l2_owner_key_addr), so a dual-stack Service sharing its IPv4 address
 * keeps both addresses on the owner of that group. A Service key always
 * holds a '/', an address text never does: the two kinds never collide.
 *
 * Stability. The score uses FNV-1a and murmur3's fmix64 unseeded
 * (core_hash_fmix64, never core_hash_mix and its per-process seed), over
 * the bytes of the names: the same in every process, on every machine
 * and byte order. It is pinned by a table of vectors
 * (tests/unit/test_l2_owner.c): changing the hash, the order of its
 * inputs or the tie rule would give most addresses a new owner on the
 * upgraded speakers only, so during a rolling upgrade old and new
 * speakers would each claim their own owners, two nodes answering for
 * the same address, cluster-wide. Do not change it without a plan for
 * that.
 *
 * Pure: no allocation, no I/O; the caller owns every array.
 */
#ifndef BERTH_L2_OWNER_H
#define BERTH_L2_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

/* One place in the order of succession: index into the caller's node
 * array and that node's score for the key. */
struct l2_owner_place {
	size_t idx;
	uint64_t score;
};

/* node's score for key (both 0-terminated, borrowed). */
uint64_t l2_owner_score(const char *key, const char *node);

/* The owner of key among nodes[0..n) (the eligible nodes' names; array
 * and strings borrowed, none NULL). Its index into *owner. 0; -ENOENT
 * when n is 0; -EINVAL for a NULL. Equal names are one node: the first
 * of them is returned. */
int l2_owner_pick(const char *key, const char *const *nodes, size_t n, size_t *owner);

/* The first k places of the order of succession for key into out[0..k)
 * (caller's): out[0] is the owner, out[1] takes over when it goes, and so
 * on. Equal names count once (the first index). Returns how many places
 * were filled, min(k, distinct names); -ENOENT when n is 0; -EINVAL for a
 * NULL. O(n k). */
int l2_owner_rank(const char *key, const char *const *nodes, size_t n, struct l2_owner_place *out,
                  size_t k);

/* The key of a Service that shares no address: "ns/name" into buf
 * (caller's, len bytes). 0; -EINVAL for a NULL or an empty name;
 * -ENOSPC when buf is too small. */
int l2_owner_key_svc(char *buf, size_t len, const char *ns, const char *name);

/* The key of a group of Services linked by shared addresses: the text of
 * its smallest address a. As core_addr_format. */
int l2_owner_key_addr(char *buf, size_t len, const struct core_addr *a);

#endif
