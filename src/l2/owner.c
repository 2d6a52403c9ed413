/*
 * The owner of a layer 2 address by rendezvous hashing, and its order of
 * succession (see owner.h for the key and why the hash is pinned).
 */
#include "l2/owner.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/hash.h"

uint64_t l2_owner_score(const char *key, const char *node)
{
	/* Key then node, each with its terminating 0 so that ("a","bc") and
	 * ("ab","c") differ; the mix, because FNV-1a's high bits barely
	 * depend on the last bytes ("node-1", "node-2" ...). */
	return core_hash_fmix64(core_fnv_str(core_fnv_str(CORE_FNV_INIT, key), node));
}

/* The order of succession: higher score first, then smaller name. >0
 * when a comes first, 0 for the same node. */
static int before(const struct l2_owner_place *a, const char *an, const struct l2_owner_place *b,
                  const char *bn)
{
	if (a->score != b->score)
		return a->score > b->score ? 1 : -1;
	return strcmp(bn, an);
}

int l2_owner_rank(const char *key, const char *const *nodes, size_t n, struct l2_owner_place *out,
                  size_t k)
{
	size_t m = 0;

	if (!key || (n && !nodes) || (k && !out))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!nodes[i])
			return -EINVAL;
	if (!n)
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		struct l2_owner_place c = {.idx = i, .score = l2_owner_score(key, nodes[i])};
		size_t j = m;
		int dup = 0;

		/* Insertion into the sorted top k: from the end, shift down
		 * every place that c comes before. */
		while (j > 0) {
			int o = before(&c, nodes[i], &out[j - 1], nodes[out[j - 1].idx]);

			if (o == 0)
				dup = 1;
			if (o <= 0)
				break;
			j--;
		}
		if (dup || j >= k)
			continue;
		if (m < k)
			m++;
		memmove(&out[j + 1], &out[j], (m - 1 - j) * sizeof(*out));
		out[j] = c;
	}
	return (int)m;
}

int l2_owner_pick(const char *key, const char *const *nodes, size_t n, size_t *owner)
{
	struct l2_owner_place p;
	int r;

	if (!owner)
		return -EINVAL;
	r = l2_owner_rank(key, nodes, n, &p, 1);
	if (r < 0)
		return r;
	*owner = p.idx;
	return 0;
}

int l2_owner_key_svc(char *buf, size_t len, const char *ns, const char *name)
{
	int w;

	if (!buf || !ns || !name || !*ns || !*name)
		return -EINVAL;
	w = snprintf(buf, len, "%s/%s", ns, name);
	if (w < 0 || (size_t)w >= len)
		return -ENOSPC;
	return 0;
}

int l2_owner_key_addr(char *buf, size_t len, const struct core_addr *a)
{
	return core_addr_format(a, buf, len);
}
