/*
 * RFC 2385 (TCP-MD5) keys of one socket as a set: remote address -> key.
 * The kernel keeps a socket's keys per remote address and cannot list
 * them, so the owner of a listening socket keeps its own copy of what is
 * installed and, on every configuration change, asks bgp_md5_keys_diff
 * for the operations that make the socket hold exactly the wanted keys.
 * Pure: no sockets (bgp_sock_set_md5 in sock.h performs an operation).
 */
#ifndef BERTH_BGP_MD5_KEYS_H
#define BERTH_BGP_MD5_KEYS_H

#include <netinet/tcp.h>
#include <stddef.h>

#include "bgp/bgp.h"

/* One key; as an operation, key "" means: remove the address's key. */
struct bgp_md5_key {
	struct core_addr addr;
	char key[TCP_MD5SIG_MAXKEYLEN + 1];
};

/* Caller storage; at most one entry per address, never an empty key. */
struct bgp_md5_keys {
	struct bgp_md5_key *v; /* owned; unordered */
	size_t n, cap;
};

void bgp_md5_keys_init(struct bgp_md5_keys *k);
void bgp_md5_keys_fini(struct bgp_md5_keys *k);
/* The entry for a, or NULL; valid until the next change of k. */
const struct bgp_md5_key *bgp_md5_keys_find(const struct bgp_md5_keys *k,
                                            const struct core_addr *a);
/*
 * Installs (key non-empty: added, or replaces the address's key) or
 * removes (key NULL or "") the key for a. 0, -EINVAL for a key longer
 * than TCP_MD5SIG_MAXKEYLEN or an address that is neither IPv4 nor IPv6,
 * -ENOMEM.
 */
int bgp_md5_keys_set(struct bgp_md5_keys *k, const struct core_addr *a, const char *key);
/*
 * The operations that turn a socket holding have into one holding want:
 * first a removal (key "") for each address of have that want lacks, then
 * a set for each key of want that have lacks or holds with another key.
 * Addresses in both with the same key cost nothing. *ops (owned by the
 * caller, free()) is NULL when *n_ops is 0. 0 or -ENOMEM.
 */
int bgp_md5_keys_diff(const struct bgp_md5_keys *want, const struct bgp_md5_keys *have,
                      struct bgp_md5_key **ops, size_t *n_ops);

#endif
