/*
 * Pools: validation (specs, overlap, one default per family), replacement,
 * deletion, status for the Eip object, walks over used and orphaned
 * addresses.
 */
#include "controller/ipam_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ipam_pool_destroy(struct ipam_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_namespaces; i++)
		free(p->namespaces[i]);
	free(p->namespaces);
	free(p->spans);
	free(p->name);
	free(p);
}

struct ipam_pool *ipam_pool_find(const struct ipam *ipam, const char *name)
{
	for (size_t i = 0; i < ipam->n_pools; i++) {
		if (strcmp(ipam->pools[i]->name, name) == 0)
			return ipam->pools[i];
	}
	return NULL;
}

bool ipam_pool_has(const struct ipam_pool *p, int f, struct u128 v)
{
	for (size_t i = 0; i < p->n_spans; i++) {
		const struct ipam_span *s = &p->spans[i];

		if (s->fam == f && u128_cmp(s->first, v) <= 0 && u128_cmp(v, s->last) <= 0)
			return true;
	}
	return false;
}

struct ipam_pool *ipam_pool_containing(const struct ipam *ipam, int f, struct u128 v)
{
	/* Pools never overlap, so the first hit is the only one. */
	for (size_t i = 0; i < ipam->n_pools; i++) {
		if (ipam_pool_has(ipam->pools[i], f, v))
			return ipam->pools[i];
	}
	return NULL;
}

bool ipam_pool_lowest_free(const struct ipam *ipam, const struct ipam_pool *p, int f,
                           struct u128 *out)
{
	for (size_t i = 0; i < p->n_spans; i++) {
		const struct ipam_span *s = &p->spans[i];
		struct u128 x = s->first, c;

		if (s->fam != f)
			continue;
		while (ipam_iset_next_free(&ipam->used[f], x, s->last, &c)) {
			if (!(p->avoid_buggy && ipam_buggy(f, c))) {
				*out = c;
				return true;
			}
			if (u128_eq(c, s->last))
				break;
			x = u128_inc(c);
		}
	}
	return false;
}

static bool valid_name(const char *s)
{
	size_t n;

	return s && (n = strnlen(s, IPAM_NAME_MAX + 1)) > 0 && n <= IPAM_NAME_MAX;
}

static int span_cmp(const void *a, const void *b)
{
	const struct ipam_span *x = a, *y = b;

	if (x->fam != y->fam)
		return x->fam - y->fam;
	return u128_cmp(x->first, y->first);
}

static const char *fam_name(int f)
{
	return f == IPAM_F4 ? "IPv4" : "IPv6";
}

/* Builds a pool object from cfg, checking it on its own (not against the
 * other pools). */
static int pool_build(const struct ipam_pool_cfg *cfg, struct ipam_pool **out,
                      struct ipam_error *err)
{
	struct ipam_pool *p = NULL;
	char a[CORE_ADDR_STRLEN], b[CORE_ADDR_STRLEN];
	int ret;

	if (!cfg || !valid_name(cfg->name))
		return ipam_set_err(err, IPAM_ERR_INVALID, "pool name must be 1..%d bytes",
		                    IPAM_NAME_MAX);
	if (!cfg->addresses || cfg->n_addresses == 0 || cfg->n_addresses > IPAM_MAX_SPECS)
		return ipam_set_err(err, IPAM_ERR_INVALID, "pool %s: needs 1..%d address specs",
		                    cfg->name, IPAM_MAX_SPECS);
	if (cfg->n_namespaces > IPAM_MAX_NS || (cfg->n_namespaces && !cfg->namespaces))
		return ipam_set_err(err, IPAM_ERR_INVALID, "pool %s: too many namespaces",
		                    cfg->name);
	p = calloc(1, sizeof(*p));
	if (!p || !(p->name = strdup(cfg->name)) ||
	    !(p->spans = calloc(cfg->n_addresses, sizeof(*p->spans))) ||
	    (cfg->n_namespaces && !(p->namespaces = calloc(cfg->n_namespaces, sizeof(char *))))) {
		ret = ipam_set_err(err, IPAM_ERR_NOMEM, "pool %s: out of memory", cfg->name);
		goto out;
	}
	p->priority = cfg->priority;
	p->disabled = cfg->disabled;
	p->is_default = cfg->is_default;
	p->avoid_buggy = cfg->avoid_buggy_ips;
	p->ns_selector = cfg->ns_selector;
	for (size_t i = 0; i < cfg->n_addresses; i++) {
		struct ipam_range r;
		const char *spec = cfg->addresses[i];

		if (ipam_range_parse(spec, &r) < 0) {
			ret = ipam_set_err(err, IPAM_ERR_INVALID,
			                   "pool %s: \"%.64s\" is not an address, CIDR or range",
			                   cfg->name, spec ? spec : "(null)");
			goto out;
		}
		p->spans[i].fam = ipam_fam_of(r.first.family);
		p->spans[i].first = ipam_addr_val(&r.first);
		p->spans[i].last = ipam_addr_val(&r.last);
		p->fam[p->spans[i].fam] = true;
		p->n_spans++;
	}
	qsort(p->spans, p->n_spans, sizeof(p->spans[0]), span_cmp);
	for (size_t i = 1; i < p->n_spans; i++) {
		const struct ipam_span *x = &p->spans[i - 1], *y = &p->spans[i];

		if (x->fam == y->fam && u128_cmp(y->first, x->last) <= 0) {
			ret = ipam_set_err(err, IPAM_ERR_OVERLAP,
			                   "pool %s: its own specs overlap at %s-%s", cfg->name,
			                   ipam_val_str(y->fam, y->first, a),
			                   ipam_val_str(y->fam, x->last, b));
			goto out;
		}
	}
	for (size_t i = 0; i < cfg->n_namespaces; i++) {
		if (!valid_name(cfg->namespaces[i])) {
			ret = ipam_set_err(err, IPAM_ERR_INVALID, "pool %s: namespace %zu invalid",
			                   cfg->name, i);
			goto out;
		}
		if (!(p->namespaces[i] = strdup(cfg->namespaces[i]))) {
			ret =
			    ipam_set_err(err, IPAM_ERR_NOMEM, "pool %s: out of memory", cfg->name);
			goto out;
		}
		p->n_namespaces++;
	}
	*out = p;
	p = NULL;
	ret = 0;
out:
	ipam_pool_destroy(p);
	return ret;
}

/* Checks p against every other pool (a pool of the same name is the one p
 * replaces and is skipped). */
static int pool_check(const struct ipam *ipam, const struct ipam_pool *p, struct ipam_error *err)
{
	char a[CORE_ADDR_STRLEN], b[CORE_ADDR_STRLEN], c[CORE_ADDR_STRLEN], d[CORE_ADDR_STRLEN];

	for (size_t i = 0; i < ipam->n_pools; i++) {
		const struct ipam_pool *q = ipam->pools[i];

		if (strcmp(q->name, p->name) == 0)
			continue;
		for (size_t x = 0; x < p->n_spans; x++) {
			const struct ipam_span *s = &p->spans[x];

			for (size_t y = 0; y < q->n_spans; y++) {
				const struct ipam_span *t = &q->spans[y];

				if (s->fam != t->fam || u128_cmp(s->first, t->last) > 0 ||
				    u128_cmp(t->first, s->last) > 0)
					continue;
				return ipam_set_err(err, IPAM_ERR_OVERLAP,
				                    "pool %s: %s-%s overlaps pool %s (%s-%s)",
				                    p->name, ipam_val_str(s->fam, s->first, a),
				                    ipam_val_str(s->fam, s->last, b), q->name,
				                    ipam_val_str(t->fam, t->first, c),
				                    ipam_val_str(t->fam, t->last, d));
			}
		}
		if (!p->is_default || !q->is_default)
			continue;
		for (int f = 0; f < IPAM_NFAM; f++) {
			if (p->fam[f] && q->fam[f])
				return ipam_set_err(
				    err, IPAM_ERR_DEFAULT_CONFLICT,
				    "pool %s: pool %s is already the default %s pool", p->name,
				    q->name, fam_name(f));
		}
	}
	return 0;
}

int ipam_pool_validate(const struct ipam *ipam, const struct ipam_pool_cfg *cfg,
                       struct ipam_error *err)
{
	struct ipam_pool *p = NULL;
	int ret;

	if (!ipam)
		return ipam_set_err(err, IPAM_ERR_INVALID, "no allocator");
	ret = pool_build(cfg, &p, err);
	if (ret == 0)
		ret = pool_check(ipam, p, err);
	ipam_pool_destroy(p);
	if (ret == 0 && err)
		err->code = IPAM_OK, err->msg[0] = '\0';
	return ret;
}

static bool pool_before(const struct ipam_pool *a, const struct ipam_pool *b)
{
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return strcmp(a->name, b->name) < 0;
}

static void pool_unlink(struct ipam *ipam, size_t i)
{
	memmove(&ipam->pools[i], &ipam->pools[i + 1], (ipam->n_pools - i - 1) * sizeof(void *));
	ipam->n_pools--;
}

int ipam_pool_set(struct ipam *ipam, const struct ipam_pool_cfg *cfg, struct ipam_error *err)
{
	struct ipam_pool *p = NULL;
	size_t i;
	int ret;

	if (!ipam)
		return ipam_set_err(err, IPAM_ERR_INVALID, "no allocator");
	ret = pool_build(cfg, &p, err);
	if (ret < 0)
		return ret;
	ret = pool_check(ipam, p, err);
	if (ret < 0)
		goto out;
	if (ipam->n_pools == ipam->cap_pools) {
		size_t cap = ipam->cap_pools ? 2 * ipam->cap_pools : 8;
		struct ipam_pool **v = realloc(ipam->pools, cap * sizeof(*v));

		if (!v) {
			ret = ipam_set_err(err, IPAM_ERR_NOMEM, "pool %s: out of memory", p->name);
			goto out;
		}
		ipam->pools = v;
		ipam->cap_pools = cap;
	}
	for (i = 0; i < ipam->n_pools; i++) {
		if (strcmp(ipam->pools[i]->name, p->name) == 0) {
			ipam_pool_destroy(ipam->pools[i]);
			pool_unlink(ipam, i);
			break;
		}
	}
	for (i = 0; i < ipam->n_pools && pool_before(ipam->pools[i], p); i++)
		;
	memmove(&ipam->pools[i + 1], &ipam->pools[i], (ipam->n_pools - i) * sizeof(void *));
	ipam->pools[i] = p;
	ipam->n_pools++;
	p = NULL;
	if (err)
		err->code = IPAM_OK, err->msg[0] = '\0';
out:
	ipam_pool_destroy(p);
	return ret;
}

int ipam_pool_delete(struct ipam *ipam, const char *name)
{
	if (!ipam || !name)
		return -EINVAL;
	for (size_t i = 0; i < ipam->n_pools; i++) {
		if (strcmp(ipam->pools[i]->name, name) == 0) {
			ipam_pool_destroy(ipam->pools[i]);
			pool_unlink(ipam, i);
			return 0;
		}
	}
	return -ENOENT;
}

size_t ipam_pool_count(const struct ipam *ipam)
{
	return ipam ? ipam->n_pools : 0;
}

const char *ipam_pool_name(const struct ipam *ipam, size_t i)
{
	return ipam && i < ipam->n_pools ? ipam->pools[i]->name : NULL;
}

/* IPv4 x in [0, n] with x % 256 in {0, 255}. */
static uint64_t buggy_upto(uint64_t n)
{
	return n / 256 + 1 + (n + 1) / 256;
}

/* Walks the held addresses of family f in [from, to]. */
static int walk_range(const struct ipam *ipam, int f, struct u128 from, struct u128 to,
                      bool orphans_only, ipam_walk_fn fn, void *arg)
{
	const struct ipam_iset *s = &ipam->used[f];

	for (size_t i = ipam_iset_lower(s, from); i < s->n; i++) {
		struct u128 x = u128_cmp(s->v[i].first, from) < 0 ? from : s->v[i].first;
		struct u128 end = u128_cmp(s->v[i].last, to) > 0 ? to : s->v[i].last;

		if (u128_cmp(x, to) > 0)
			break;
		for (;;) {
			const struct ipam_hold *h = ipam_hold_find(ipam, f, x);
			struct core_addr a;

			ipam_val_addr(f, x, &a);
			if (h && !(orphans_only && ipam_pool_containing(ipam, f, x))) {
				for (size_t k = 0; k < h->n_holders; k++) {
					int ret = fn(&a, h->holders[k]->key, arg);

					if (ret)
						return ret;
				}
			}
			if (u128_eq(x, end))
				break;
			x = u128_inc(x);
		}
	}
	return 0;
}

static int count_holders(const struct core_addr *addr, const char *service, void *arg)
{
	(*(uint64_t *)arg)++;
	return 0;
}

int ipam_pool_stats(const struct ipam *ipam, const char *name, struct ipam_pool_stats *out)
{
	const struct ipam_pool *p;
	uint64_t v4 = 0;
	struct u128 v6 = {0, 0}, c;
	bool v6_full = false; /* the IPv6 total is exactly 2^128 (::/0) */

	if (!ipam || !name || !out)
		return -EINVAL;
	if (!(p = ipam_pool_find(ipam, name)))
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < p->n_spans; i++) {
		const struct ipam_span *s = &p->spans[i];
		struct u128 d = u128_sub(s->last, s->first);

		out->used += ipam_iset_count(&ipam->used[s->fam], s->first, s->last);
		walk_range(ipam, s->fam, s->first, s->last, false, count_holders, &out->holders);
		if (s->fam == IPAM_F4) {
			v4 += d.lo + 1;
			if (p->avoid_buggy)
				v4 -= buggy_upto(s->last.lo) -
				      (s->first.lo ? buggy_upto(s->first.lo - 1) : 0);
			continue;
		}
		if (u128_is_max(d)) {
			v6_full = true;
			continue;
		}
		/* Spans are disjoint, so the running sum is at most 2^128: it can
		 * only wrap to exactly zero (e.g. ::/1 plus 8000::/1). */
		d = u128_inc(d);
		c.lo = v6.lo + d.lo;
		c.hi = v6.hi + d.hi + (c.lo < v6.lo);
		v6 = c;
		if (!v6.hi && !v6.lo)
			v6_full = true;
	}
	if (v6_full) {
		snprintf(out->size_dec, sizeof(out->size_dec), "%s",
		         "340282366920938463463374607431768211456");
		out->size = UINT64_MAX;
	} else {
		u128_to_dec(v6, out->size_dec);
		out->size = v6.hi || v6.lo > UINT64_MAX - v4 ? UINT64_MAX : v6.lo + v4;
	}
	dec_add_u64(out->size_dec, sizeof(out->size_dec), v4);
	ipam_val_addr(p->spans[0].fam, p->spans[0].first, &out->first);
	ipam_val_addr(p->spans[p->n_spans - 1].fam, p->spans[p->n_spans - 1].last, &out->last);
	out->v4 = p->fam[IPAM_F4];
	out->v6 = p->fam[IPAM_F6];
	out->ready = !p->disabled;
	out->occupied = !ipam_pool_lowest_free(ipam, p, IPAM_F4, &c) &&
	                !ipam_pool_lowest_free(ipam, p, IPAM_F6, &c);
	return 0;
}

int ipam_pool_walk(const struct ipam *ipam, const char *name, ipam_walk_fn fn, void *arg)
{
	const struct ipam_pool *p;

	if (!ipam || !name || !fn)
		return -EINVAL;
	if (!(p = ipam_pool_find(ipam, name)))
		return -ENOENT;
	for (size_t i = 0; i < p->n_spans; i++) {
		const struct ipam_span *s = &p->spans[i];
		int ret = walk_range(ipam, s->fam, s->first, s->last, false, fn, arg);

		if (ret)
			return ret;
	}
	return 0;
}

int ipam_orphans_walk(const struct ipam *ipam, ipam_walk_fn fn, void *arg)
{
	if (!ipam || !fn)
		return -EINVAL;
	for (int f = 0; f < IPAM_NFAM; f++) {
		int ret = walk_range(ipam, f, (struct u128){0, 0}, ipam_fam_max(f), true, fn, arg);

		if (ret)
			return ret;
	}
	return 0;
}
