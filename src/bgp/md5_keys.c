/*
 * The TCP-MD5 (RFC 2385) key set of a socket and the difference between
 * two of them. A speaker has a handful of peers, so the sets are plain
 * arrays searched from end to end. Pure.
 */
#include "bgp/md5_keys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void bgp_md5_keys_init(struct bgp_md5_keys *k)
{
	memset(k, 0, sizeof(*k));
}

void bgp_md5_keys_fini(struct bgp_md5_keys *k)
{
	free(k->v);
	bgp_md5_keys_init(k);
}

static long keys_pos(const struct bgp_md5_keys *k, const struct core_addr *a)
{
	for (size_t i = 0; i < k->n; i++)
		if (core_addr_equal(&k->v[i].addr, a))
			return (long)i;
	return -1;
}

const struct bgp_md5_key *bgp_md5_keys_find(const struct bgp_md5_keys *k, const struct core_addr *a)
{
	long i = keys_pos(k, a);

	return i < 0 ? NULL : &k->v[i];
}

int bgp_md5_keys_set(struct bgp_md5_keys *k, const struct core_addr *a, const char *key)
{
	size_t len = key ? strlen(key) : 0;
	long i = keys_pos(k, a);
	struct bgp_md5_key *e = i < 0 ? NULL : &k->v[i];

	if (len > TCP_MD5SIG_MAXKEYLEN || (a->family != AF_INET && a->family != AF_INET6))
		return -EINVAL;
	if (!len) {
		if (e)
			*e = k->v[--k->n];
		return 0;
	}
	if (!e) {
		if (k->n == k->cap) {
			size_t cap = k->cap ? k->cap * 2 : 4;
			struct bgp_md5_key *v = reallocarray(k->v, cap, sizeof(*v));

			if (!v)
				return -ENOMEM;
			k->v = v;
			k->cap = cap;
		}
		e = &k->v[k->n++];
		memset(e, 0, sizeof(*e));
		e->addr = *a;
	}
	memset(e->key, 0, sizeof(e->key));
	memcpy(e->key, key, len);
	return 0;
}

int bgp_md5_keys_diff(const struct bgp_md5_keys *want, const struct bgp_md5_keys *have,
                      struct bgp_md5_key **ops, size_t *n_ops)
{
	struct bgp_md5_key *v = NULL;
	size_t n = 0;

	*ops = NULL;
	*n_ops = 0;
	if (want->n + have->n && !(v = calloc(want->n + have->n, sizeof(*v))))
		return -ENOMEM;
	for (size_t i = 0; i < have->n; i++)
		if (!bgp_md5_keys_find(want, &have->v[i].addr))
			v[n++].addr = have->v[i].addr; /* key "": remove */
	for (size_t i = 0; i < want->n; i++) {
		const struct bgp_md5_key *h = bgp_md5_keys_find(have, &want->v[i].addr);

		if (!h || strcmp(h->key, want->v[i].key))
			v[n++] = want->v[i];
	}
	if (!n) {
		free(v);
		return 0;
	}
	*ops = v;
	*n_ops = n;
	return 0;
}
