/*
 * Allocator state: Services, holdings, sharing groups; atomic commit of a
 * plan, restore, release, queries.
 *
 * Invariants (checked by the property test):
 *  - a Service exists iff it holds at least one address, at most one per
 *    family;
 *  - a holding exists iff at least one Service holds it; its address is in
 *    used[fam]; all its holders carry the same non-NULL sharing key and
 *    compat key and pairwise disjoint ports, or it has exactly one holder;
 *  - a holding with a sharing key is in exactly one group list, the one of
 *    that key.
 */
#include "controller/ipam_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ipam *ipam_new(void)
{
	return calloc(1, sizeof(struct ipam));
}

static void svc_destroy(struct ipam_svc *s)
{
	if (!s)
		return;
	free(s->key);
	free(s->skey);
	free(s->ckey);
	free(s->ports);
	free(s);
}

static void hold_destroy(struct ipam_hold *h)
{
	if (!h)
		return;
	free(h->skey);
	free(h->holders);
	free(h);
}

void ipam_free(struct ipam *ipam)
{
	if (!ipam)
		return;
	for (size_t i = 0; i < ipam->svcs.n; i++)
		svc_destroy(ipam->svcs.v[i].val);
	for (size_t i = 0; i < ipam->holds.n; i++)
		hold_destroy(ipam->holds.v[i].val);
	for (size_t i = 0; i < ipam->n_pools; i++)
		ipam_pool_destroy(ipam->pools[i]);
	free(ipam->pools);
	core_map_fini(&ipam->svcs);
	core_map_fini(&ipam->holds);
	core_map_fini(&ipam->groups);
	for (int f = 0; f < IPAM_NFAM; f++)
		ipam_iset_fini(&ipam->used[f]);
	free(ipam);
}

void ipam_hold_keyfill(struct ipam_hold *h)
{
	h->key[0] = (uint8_t)h->fam;
	for (int i = 0; i < 8; i++) {
		h->key[1 + i] = (uint8_t)(h->val.hi >> (56 - 8 * i));
		h->key[9 + i] = (uint8_t)(h->val.lo >> (56 - 8 * i));
	}
}

struct ipam_hold *ipam_hold_find(const struct ipam *ipam, int f, struct u128 v)
{
	struct ipam_hold k = {.fam = f, .val = v};

	ipam_hold_keyfill(&k);
	return core_map_get(&ipam->holds, k.key, sizeof(k.key));
}

struct ipam_svc *ipam_svc_find(const struct ipam *ipam, const char *key)
{
	return core_map_get(&ipam->svcs, key, strlen(key));
}

/* ---- Sharing groups: intrusive lists headed from ipam->groups ---- */

/* Needs one reserved entry in ipam->groups. */
static void group_add(struct ipam *ipam, struct ipam_hold *h)
{
	size_t len = strlen(h->skey);
	struct ipam_hold *head = core_map_get(&ipam->groups, h->skey, len);

	h->grp_prev = NULL;
	h->grp_next = NULL;
	if (!head) {
		core_map_put(&ipam->groups, h->skey, len, h);
		return;
	}
	h->grp_prev = head;
	h->grp_next = head->grp_next;
	if (head->grp_next)
		head->grp_next->grp_prev = h;
	head->grp_next = h;
}

static void group_del(struct ipam *ipam, struct ipam_hold *h)
{
	size_t len = strlen(h->skey);

	if (h->grp_prev) {
		h->grp_prev->grp_next = h->grp_next;
		if (h->grp_next)
			h->grp_next->grp_prev = h->grp_prev;
	} else if (h->grp_next) {
		/* The map key points into the head: move it to the new head. */
		h->grp_next->grp_prev = NULL;
		core_map_replace(&ipam->groups, h->grp_next->skey, len, h->grp_next);
	} else {
		core_map_del(&ipam->groups, h->skey, len);
	}
	h->grp_prev = NULL;
	h->grp_next = NULL;
}

/* Drops svc from h; destroys h when it was the last holder. Needs one
 * reserved slot in used[h->fam]. */
static void hold_detach(struct ipam *ipam, struct ipam_hold *h, struct ipam_svc *svc)
{
	size_t i;

	for (i = 0; i < h->n_holders && h->holders[i] != svc; i++)
		;
	memmove(&h->holders[i], &h->holders[i + 1], (h->n_holders - i - 1) * sizeof(void *));
	h->n_holders--;
	svc->hold[h->fam] = NULL;
	if (h->n_holders)
		return;
	if (h->skey)
		group_del(ipam, h);
	core_map_del(&ipam->holds, h->key, sizeof(h->key));
	ipam_iset_del(&ipam->used[h->fam], h->val);
	hold_destroy(h);
}

/* Needs a free slot in h->holders. */
static void hold_attach(struct ipam_hold *h, struct ipam_svc *svc)
{
	size_t i;

	for (i = 0; i < h->n_holders && strcmp(h->holders[i]->key, svc->key) < 0; i++)
		;
	memmove(&h->holders[i + 1], &h->holders[i], (h->n_holders - i) * sizeof(void *));
	h->holders[i] = svc;
	h->n_holders++;
	svc->hold[h->fam] = h;
}

/* ---- Commit ---- */

struct prealloc {
	struct ipam_svc *svc;               /* new Service, or NULL */
	char *skey, *ckey;                  /* the Service's new keys */
	struct ipam_hold *fresh[IPAM_NFAM]; /* new holdings */
	char *regroup[IPAM_NFAM];           /* new key of a sole-held holding */
	bool do_regroup[IPAM_NFAM];
};

static char *dup_opt(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*fail = true;
	return d;
}

static void prealloc_free(struct prealloc *pa)
{
	svc_destroy(pa->svc);
	free(pa->skey);
	free(pa->ckey);
	for (int f = 0; f < IPAM_NFAM; f++) {
		hold_destroy(pa->fresh[f]);
		free(pa->regroup[f]);
	}
}

/* Every allocation a commit can need, made before anything changes. */
static int prepare(struct ipam *ipam, struct ipam_svc *svc, const struct ipam_norm *n,
                   const struct ipam_plan *pl, struct prealloc *pa)
{
	bool fail = false;

	memset(pa, 0, sizeof(*pa));
	if (!svc) {
		if (!(pa->svc = calloc(1, sizeof(*pa->svc))) || !(pa->svc->key = strdup(n->key)))
			return -ENOMEM;
	}
	pa->skey = dup_opt(n->skey, &fail);
	pa->ckey = dup_opt(n->ckey, &fail);
	if (fail)
		return -ENOMEM;
	for (int f = 0; f < IPAM_NFAM; f++) {
		struct ipam_hold *h;

		if (pl->act[f] == IPAM_ACT_NEW && !pl->join[f]) {
			if (!(h = pa->fresh[f] = calloc(1, sizeof(*h))) ||
			    !(h->holders = malloc(sizeof(*h->holders))))
				return -ENOMEM;
			h->cap_holders = 1;
			h->fam = f;
			h->val = pl->val[f];
			ipam_hold_keyfill(h);
			h->skey = dup_opt(n->skey, &fail);
		} else if (pl->act[f] == IPAM_ACT_NEW) {
			h = pl->join[f];
			if (h->n_holders == h->cap_holders) {
				size_t cap = 2 * h->cap_holders;
				struct ipam_svc **v = realloc(h->holders, cap * sizeof(*v));

				if (!v)
					return -ENOMEM;
				h->holders = v;
				h->cap_holders = cap;
			}
		} else if (pl->act[f] == IPAM_ACT_KEEP) {
			h = svc->hold[f];
			/* A sole holder takes its holding along to its new key. */
			if (h->n_holders == 1 && !ipam_str_eq(h->skey, n->skey)) {
				pa->do_regroup[f] = true;
				pa->regroup[f] = dup_opt(n->skey, &fail);
			}
		}
		if (fail || ipam_iset_reserve(&ipam->used[f], 2) < 0)
			return -ENOMEM;
	}
	if (core_map_reserve(&ipam->svcs, 1) < 0 || core_map_reserve(&ipam->holds, 2) < 0 ||
	    core_map_reserve(&ipam->groups, 2) < 0)
		return -ENOMEM;
	return 0;
}

int ipam_commit(struct ipam *ipam, const struct ipam_norm *n, const struct ipam_plan *pl,
                struct ipam_error *err)
{
	struct ipam_svc *svc = ipam_svc_find(ipam, n->key);
	struct ipam_port *ports = NULL;
	struct prealloc pa;

	if (n->n_ports && !(ports = malloc(n->n_ports * sizeof(*ports))))
		return ipam_set_err(err, IPAM_ERR_NOMEM, "service %s: out of memory", n->key);
	if (prepare(ipam, svc, n, pl, &pa) < 0) {
		prealloc_free(&pa);
		free(ports);
		return ipam_set_err(err, IPAM_ERR_NOMEM, "service %s: out of memory", n->key);
	}
	/* Nothing below can fail. */
	if (!svc) {
		svc = pa.svc;
		pa.svc = NULL;
		core_map_put(&ipam->svcs, svc->key, strlen(svc->key), svc);
	}
	for (int f = 0; f < IPAM_NFAM; f++) {
		struct ipam_hold *h = svc->hold[f];

		switch (pl->act[f]) {
		case IPAM_ACT_NONE:
			break;
		case IPAM_ACT_DROP:
			hold_detach(ipam, h, svc);
			break;
		case IPAM_ACT_KEEP:
			if (!pa.do_regroup[f])
				break;
			if (h->skey)
				group_del(ipam, h);
			free(h->skey);
			h->skey = pa.regroup[f];
			pa.regroup[f] = NULL;
			if (h->skey)
				group_add(ipam, h);
			break;
		case IPAM_ACT_NEW:
			if (h)
				hold_detach(ipam, h, svc); /* an explicit move */
			if (!(h = pl->join[f])) {
				h = pa.fresh[f];
				pa.fresh[f] = NULL;
				core_map_put(&ipam->holds, h->key, sizeof(h->key), h);
				ipam_iset_add(&ipam->used[f], h->val);
				if (h->skey)
					group_add(ipam, h);
			}
			hold_attach(h, svc);
			break;
		}
	}
	free(svc->skey);
	free(svc->ckey);
	free(svc->ports);
	svc->skey = pa.skey;
	svc->ckey = pa.ckey;
	pa.skey = pa.ckey = NULL;
	if (ports)
		memcpy(ports, n->ports, n->n_ports * sizeof(*ports));
	svc->ports = ports;
	svc->n_ports = n->n_ports;
	if (!svc->hold[IPAM_F4] && !svc->hold[IPAM_F6]) {
		/* Everything dropped: a Service exists only while it holds. */
		core_map_del(&ipam->svcs, svc->key, strlen(svc->key));
		svc_destroy(svc);
	}
	prealloc_free(&pa);
	return 0;
}

/* ---- Queries ---- */

void ipam_held_fill(const struct ipam *ipam, const struct ipam_hold *h, struct ipam_held *out)
{
	const struct ipam_pool *p = ipam_pool_containing(ipam, h->fam, h->val);

	memset(out, 0, sizeof(*out));
	ipam_val_addr(h->fam, h->val, &out->addr);
	if (p)
		memcpy(out->pool, p->name, strlen(p->name) + 1);
	out->orphaned = !p;
	out->shared = h->n_holders > 1;
}

void ipam_result_fill(const struct ipam *ipam, const struct ipam_svc *svc,
                      const struct ipam_plan *pl, struct ipam_result *out)
{
	memset(out, 0, sizeof(*out));
	if (!svc)
		return;
	for (int f = 0; f < IPAM_NFAM; f++) {
		struct ipam_held *o = &out->a[out->n];

		if (!svc->hold[f])
			continue;
		ipam_held_fill(ipam, svc->hold[f], o);
		o->is_new = pl && pl->act[f] == IPAM_ACT_NEW;
		o->pool_mismatch = pl && pl->mismatch[f];
		out->n++;
	}
}

int ipam_service_get(const struct ipam *ipam, const char *service, struct ipam_result *out)
{
	const struct ipam_svc *svc;

	if (!ipam || !service || !out)
		return -EINVAL;
	if (!(svc = ipam_svc_find(ipam, service)))
		return -ENOENT;
	ipam_result_fill(ipam, svc, NULL, out);
	return 0;
}

size_t ipam_service_count(const struct ipam *ipam)
{
	return ipam ? ipam->svcs.n : 0;
}

int ipam_release(struct ipam *ipam, const char *service)
{
	struct ipam_svc *svc;

	if (!ipam || !service)
		return -EINVAL;
	if (!(svc = ipam_svc_find(ipam, service)))
		return -ENOENT;
	for (int f = 0; f < IPAM_NFAM; f++) {
		if (ipam_iset_reserve(&ipam->used[f], 1) < 0)
			return -ENOMEM;
	}
	for (int f = 0; f < IPAM_NFAM; f++) {
		if (svc->hold[f])
			hold_detach(ipam, svc->hold[f], svc);
	}
	core_map_del(&ipam->svcs, svc->key, strlen(svc->key));
	svc_destroy(svc);
	return 0;
}

int ipam_restore(struct ipam *ipam, const struct ipam_request *req, const struct core_addr *addrs,
                 size_t n_addrs, struct ipam_result *out, struct ipam_error *err)
{
	struct ipam_norm n;
	struct ipam_plan pl;
	struct ipam_svc *svc;
	struct ipam_error first = {IPAM_OK, ""};
	int ret, fail = 0;
	char a[CORE_ADDR_STRLEN], b[CORE_ADDR_STRLEN];

	if (!ipam)
		return ipam_set_err(err, IPAM_ERR_INVALID, "no allocator");
	ret = ipam_norm_init(&n, req, err);
	if (ret < 0)
		return ret;
	ret = ipam_norm_addrs(&n, addrs, n_addrs, err);
	if (ret < 0)
		goto out;
	memset(&pl, 0, sizeof(pl));
	svc = ipam_svc_find(ipam, n.key);
	for (int f = 0; f < IPAM_NFAM; f++) {
		struct ipam_hold *h = svc ? svc->hold[f] : NULL;

		if (h) {
			pl.act[f] = IPAM_ACT_KEEP;
			if ((ret = ipam_share_check(h, svc, &n, err)) < 0)
				goto out; /* new sharing parameters break a co-holder */
		}
	}
	for (int f = 0; f < IPAM_NFAM; f++) {
		struct ipam_hold *h;
		struct ipam_error e;
		int r;

		if (!n.has_spec[f])
			continue;
		if (pl.act[f] == IPAM_ACT_KEEP) {
			if (u128_eq(svc->hold[f]->val, n.spec[f]))
				continue;
			r = ipam_set_err(&e, IPAM_ERR_CONFLICT,
			                 "service %s: restoring %s but it already holds %s", n.key,
			                 ipam_val_str(f, n.spec[f], a),
			                 ipam_val_str(f, svc->hold[f]->val, b));
		} else if (!(h = ipam_hold_find(ipam, f, n.spec[f])) ||
		           (r = ipam_share_check(h, svc, &n, &e)) == 0) {
			pl.act[f] = IPAM_ACT_NEW;
			pl.val[f] = n.spec[f];
			pl.join[f] = h;
			continue;
		}
		/* Someone else holds it incompatibly: the first restored wins. */
		if (!fail) {
			fail = r;
			first = e;
		}
	}
	ret = ipam_commit(ipam, &n, &pl, err);
	if (ret < 0)
		goto out;
	if (out)
		ipam_result_fill(ipam, ipam_svc_find(ipam, n.key), &pl, out);
	if (fail && err)
		*err = first;
	else if (err)
		err->code = IPAM_OK, err->msg[0] = '\0';
	ret = fail;
out:
	ipam_norm_fini(&n);
	return ret;
}
