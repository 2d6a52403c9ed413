/*
 * ipam_allocate(): decide, per family, keep / drop / claim, then commit the
 * whole decision at once. The decision never moves a held address except to
 * an explicitly requested one (see ipam.h).
 */
#include "controller/ipam_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *fam_name(int f)
{
	return f == IPAM_F4 ? "IPv4" : "IPv6";
}

/* Is p bound to the request's namespace (namespaces list or selector)? */
static bool pool_bound(const struct ipam_pool *p, const struct ipam_norm *n)
{
	for (size_t i = 0; i < p->n_namespaces; i++) {
		if (strcmp(p->namespaces[i], n->ns) == 0)
			return true;
	}
	return p->ns_selector && n->req->ns_match &&
	       n->req->ns_match(p->name, n->req->ns_match_arg);
}

/* Pools for automatic allocation, best first: the bound ones in (priority,
 * name) order, then the default pools (one per family at most). */
static size_t candidates(const struct ipam *ipam, const struct ipam_norm *n,
                         const struct ipam_pool **out)
{
	size_t k = 0;
	bool *taken = calloc(ipam->n_pools ? ipam->n_pools : 1, sizeof(bool));

	if (!taken)
		return SIZE_MAX;
	for (size_t i = 0; i < ipam->n_pools; i++) {
		const struct ipam_pool *p = ipam->pools[i];

		if (!p->disabled && pool_bound(p, n)) {
			out[k++] = p;
			taken[i] = true;
		}
	}
	for (size_t i = 0; i < ipam->n_pools; i++) {
		const struct ipam_pool *p = ipam->pools[i];

		if (!p->disabled && p->is_default && !taken[i])
			out[k++] = p;
	}
	free(taken);
	return k;
}

static int plan_specific(const struct ipam *ipam, const struct ipam_svc *svc,
                         const struct ipam_norm *n, int f, struct ipam_plan *pl,
                         struct ipam_error *err)
{
	struct u128 v = n->spec[f];
	const struct ipam_pool *p;
	struct ipam_hold *h;
	char a[CORE_ADDR_STRLEN];
	int ret;

	ipam_val_str(f, v, a);
	if (n->pool) {
		if (!(p = ipam_pool_find(ipam, n->pool)))
			return ipam_set_err(err, IPAM_ERR_NO_SUCH_POOL,
			                    "service %s: pool %s does not exist", n->key, n->pool);
		if (!ipam_pool_has(p, f, v))
			return ipam_set_err(
			    err, IPAM_ERR_POOL_MISMATCH,
			    "service %s: address %s is not in the requested pool %s", n->key, a,
			    p->name);
	} else if (!(p = ipam_pool_containing(ipam, f, v))) {
		return ipam_set_err(err, IPAM_ERR_NOT_IN_POOL,
		                    "service %s: address %s is in no pool", n->key, a);
	}
	if (p->disabled)
		return ipam_set_err(err, IPAM_ERR_POOL_DISABLED,
		                    "service %s: address %s is in pool %s, which is disabled",
		                    n->key, a, p->name);
	if (p->avoid_buggy && ipam_buggy(f, v))
		return ipam_set_err(
		    err, IPAM_ERR_RESERVED,
		    "service %s: address %s is excluded by avoid_buggy_ips of pool %s", n->key, a,
		    p->name);
	h = ipam_hold_find(ipam, f, v);
	if (h && (ret = ipam_share_check(h, svc, n, err)) < 0)
		return ret;
	pl->act[f] = IPAM_ACT_NEW;
	pl->val[f] = v;
	pl->join[f] = h;
	return 0;
}

/* Lowest address in p held under the request's sharing key that the request
 * may join. */
static struct ipam_hold *shareable(const struct ipam *ipam, const struct ipam_svc *svc,
                                   const struct ipam_norm *n, int f, const struct ipam_pool *p)
{
	struct ipam_hold *best = NULL;

	for (struct ipam_hold *h = core_map_get(&ipam->groups, n->skey, strlen(n->skey)); h;
	     h = h->grp_next) {
		if (h->fam != f || !ipam_pool_has(p, f, h->val) ||
		    (p->avoid_buggy && ipam_buggy(f, h->val)) ||
		    ipam_share_check(h, svc, n, NULL) < 0)
			continue;
		if (!best || u128_cmp(h->val, best->val) < 0)
			best = h;
	}
	return best;
}

static int plan_auto(const struct ipam *ipam, const struct ipam_svc *svc, const struct ipam_norm *n,
                     int f, const struct ipam_pool **cands, size_t nc, struct ipam_plan *pl,
                     struct ipam_error *err)
{
	const struct ipam_pool *p, **list = cands;
	size_t nl = 0;
	char names[160] = "";
	size_t used = 0;

	if (n->pool) {
		if (!(p = ipam_pool_find(ipam, n->pool)))
			return ipam_set_err(err, IPAM_ERR_NO_SUCH_POOL,
			                    "service %s: pool %s does not exist", n->key, n->pool);
		if (p->disabled)
			return ipam_set_err(err, IPAM_ERR_POOL_DISABLED,
			                    "service %s: pool %s is disabled", n->key, p->name);
		if (!p->fam[f])
			return ipam_set_err(err, IPAM_ERR_FAMILY,
			                    "service %s: pool %s has no %s addresses", n->key,
			                    p->name, fam_name(f));
		list = &p;
		nl = 1;
	} else {
		if (nc == 0)
			return ipam_set_err(err, IPAM_ERR_NO_POOL,
			                    "service %s: no enabled pool is bound to namespace %s "
			                    "and there is no enabled default pool",
			                    n->key, n->ns);
		for (size_t i = 0; i < nc; i++)
			nl += cands[i]->fam[f];
		if (nl == 0)
			return ipam_set_err(err, IPAM_ERR_FAMILY,
			                    "service %s: no %s pool is available to namespace %s",
			                    n->key, fam_name(f), n->ns);
		nl = nc;
	}
	/* Sharing intent beats pool preference: first an address to share. */
	for (size_t i = 0; n->skey && i < nl; i++) {
		struct ipam_hold *h;

		if (list[i]->fam[f] && (h = shareable(ipam, svc, n, f, list[i]))) {
			pl->act[f] = IPAM_ACT_NEW;
			pl->val[f] = h->val;
			pl->join[f] = h;
			return 0;
		}
	}
	for (size_t i = 0; i < nl; i++) {
		struct u128 v;

		if (!list[i]->fam[f])
			continue;
		if (ipam_pool_lowest_free(ipam, list[i], f, &v)) {
			pl->act[f] = IPAM_ACT_NEW;
			pl->val[f] = v;
			pl->join[f] = NULL;
			return 0;
		}
		if (used < sizeof(names) - 1) {
			int w = snprintf(names + used, sizeof(names) - used, "%s%s",
			                 used ? ", " : "", list[i]->name);
			used = w < 0 ? used : used + (size_t)w;
		}
	}
	return ipam_set_err(err, IPAM_ERR_EXHAUSTED, "service %s: no free %s address in pool(s) %s",
	                    n->key, fam_name(f), names);
}

/* DUAL_PREFER does without a family that has no pool or no room (never
 * without an address it named: that is an explicit request). */
static bool tolerable(const struct ipam_norm *n, int f, const struct ipam_error *e)
{
	return n->req->policy == IPAM_DUAL_PREFER && !n->has_spec[f] &&
	       (e->code == IPAM_ERR_EXHAUSTED || e->code == IPAM_ERR_FAMILY ||
	        e->code == IPAM_ERR_NO_POOL || e->code == IPAM_ERR_NO_SUCH_POOL ||
	        e->code == IPAM_ERR_POOL_DISABLED);
}

int ipam_allocate(struct ipam *ipam, const struct ipam_request *req, struct ipam_result *out,
                  struct ipam_error *err)
{
	struct ipam_norm n;
	struct ipam_plan pl;
	struct ipam_svc *svc;
	struct ipam_error ferr[IPAM_NFAM];
	const struct ipam_pool **cands = NULL;
	size_t nc = 0, released = 0;
	int ret, rc[IPAM_NFAM] = {0, 0}, partial = -1;
	char a[CORE_ADDR_STRLEN];

	if (!ipam)
		return ipam_set_err(err, IPAM_ERR_INVALID, "no allocator");
	ret = ipam_norm_init(&n, req, err);
	if (ret < 0)
		return ret;
	ret = ipam_norm_addrs(&n, req->addrs, req->n_addrs, err);
	if (ret < 0)
		goto out;
	for (int f = 0; f < IPAM_NFAM; f++) {
		if (n.has_spec[f] && !n.want[f]) {
			ret = ipam_set_err(err, IPAM_ERR_FAMILY,
			                   "service %s: address %s is %s but the service does not "
			                   "want that family",
			                   n.key, ipam_val_str(f, n.spec[f], a), fam_name(f));
			goto out;
		}
	}
	memset(&pl, 0, sizeof(pl));
	svc = ipam_svc_find(ipam, n.key);
	for (int f = 0; f < IPAM_NFAM; f++) {
		struct ipam_hold *h = svc ? svc->hold[f] : NULL;
		const struct ipam_pool *p;

		if (!h)
			continue;
		if (!n.want[f]) {
			pl.act[f] = IPAM_ACT_DROP;
			released++;
			continue;
		}
		if (n.has_spec[f] && !u128_eq(n.spec[f], h->val))
			continue; /* an explicit move, planned below */
		pl.act[f] = IPAM_ACT_KEEP;
		p = ipam_pool_containing(ipam, f, h->val);
		pl.mismatch[f] = n.pool && (!p || strcmp(p->name, n.pool) != 0);
		/* New sharing key or ports must still fit the co-holders. */
		if ((ret = ipam_share_check(h, svc, &n, err)) < 0)
			goto out;
	}
	for (int f = 0; f < IPAM_NFAM; f++) {
		if (!n.want[f] || pl.act[f] == IPAM_ACT_KEEP)
			continue;
		if (n.has_spec[f]) {
			rc[f] = plan_specific(ipam, svc, &n, f, &pl, &ferr[f]);
			continue;
		}
		if (!cands && !n.pool) {
			cands = malloc((ipam->n_pools ? ipam->n_pools : 1) * sizeof(*cands));
			if (!cands || (nc = candidates(ipam, &n, cands)) == SIZE_MAX) {
				ret = ipam_set_err(err, IPAM_ERR_NOMEM, "service %s: out of memory",
				                   n.key);
				goto out;
			}
		}
		rc[f] = plan_auto(ipam, svc, &n, f, cands, nc, &pl, &ferr[f]);
	}
	for (int f = 0; f < IPAM_NFAM; f++) {
		int o = 1 - f;
		bool other_ok = n.want[o] && rc[o] == 0 && pl.act[o] != IPAM_ACT_NONE;

		if (rc[f] == 0)
			continue;
		if (!(other_ok && tolerable(&n, f, &ferr[f]))) {
			ret = rc[f];
			if (err)
				*err = ferr[f];
			goto out;
		}
		partial = f;
	}
	for (int f = 0; f < IPAM_NFAM; f++) {
		if (pl.act[f] == IPAM_ACT_NEW && svc && svc->hold[f])
			released++;
	}
	ret = ipam_commit(ipam, &n, &pl, err);
	if (ret < 0)
		goto out;
	if (out) {
		ipam_result_fill(ipam, ipam_svc_find(ipam, n.key), &pl, out);
		out->released = released;
		out->partial = partial >= 0;
	}
	if (err) {
		if (partial >= 0)
			*err = ferr[partial];
		else
			err->code = IPAM_OK, err->msg[0] = '\0';
	}
out:
	free(cands);
	ipam_norm_fini(&n);
	return ret;
}
