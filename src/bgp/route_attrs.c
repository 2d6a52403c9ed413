/*
 * The table of session-independent route attributes (bgp/route_attrs.h):
 * entries indexed by id, a core_idx from content to id over the live
 * ones, a free list of reusable ids and a list of dead ones that wait for
 * bgp_route_attrs_reclaim.
 */
#include "bgp/route_attrs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/idx.h"

enum ent_state { ENT_FREE = 0, ENT_LIVE, ENT_DEAD };

struct ent {
	struct bgp_route_attrs a; /* arrays and names owned */
	uint32_t refs;
	uint32_t hash;
	uint32_t next; /* free or dead list; 0 ends it (id 0 is never listed) */
	uint8_t state; /* enum ent_state */
};

struct bgp_route_attrs_tab {
	struct ent *e; /* e[0] is id 0's place, never used */
	uint32_t n;    /* ids handed out so far, plus 1 */
	uint32_t cap;
	uint32_t free_head, dead_head;
	uint32_t n_live, n_dead;
	struct core_idx ix; /* content hash -> id, live entries only */
	size_t mem;         /* bytes of the entries' arrays and names */
};

static const struct bgp_route_attrs empty;

struct bgp_route_attrs_tab *bgp_route_attrs_tab_new(void)
{
	struct bgp_route_attrs_tab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n = 1;
	core_idx_init(&t->ix);
	return t;
}

static void ent_release(struct bgp_route_attrs_tab *t, struct ent *x)
{
	for (size_t i = 0; i < x->a.n_peers; i++) {
		t->mem -= strlen(x->a.peers[i]) + 1;
		free((char *)x->a.peers[i]);
	}
	t->mem -=
	    x->a.n_communities * 4 + x->a.n_large_communities * 12 + x->a.n_peers * sizeof(char *);
	free((void *)x->a.communities);
	free((void *)x->a.large_communities);
	free((void *)x->a.peers);
	memset(&x->a, 0, sizeof(x->a));
}

void bgp_route_attrs_tab_free(struct bgp_route_attrs_tab *t)
{
	if (!t)
		return;
	for (uint32_t id = 1; id < t->n; id++)
		if (t->e[id].state == ENT_LIVE)
			ent_release(t, &t->e[id]);
	free(t->e);
	core_idx_fini(&t->ix);
	free(t);
}

/* ---- canonical form: sorted, each once ---- */

static int u32_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

static int u96_cmp(const void *x, const void *y)
{
	const uint32_t *a = x, *b = y;

	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static int str_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Sorts n elements of size sz in v and drops repeats; the new count. */
static size_t sort_uniq(void *v, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
	char *b = v;
	size_t k = 0;

	if (!n)
		return 0;
	qsort(v, n, sz, cmp);
	for (size_t i = 1; i < n; i++)
		if (cmp(b + k * sz, b + i * sz))
			memmove(b + ++k * sz, b + i * sz, sz);
	return k + 1;
}

/* Names sorted in place without an allocation up to this many. */
#define PEERS_ON_STACK 32

/* A canonical view of a set: the arrays are its buffers (peers on the
 * heap past PEERS_ON_STACK: canon_fini). */
struct canon {
	uint32_t comm[BGP_ROUTE_ATTRS_MAX_COMMUNITIES];
	uint32_t large[3 * BGP_ROUTE_ATTRS_MAX_LARGE_COMMUNITIES];
	const char *peers_buf[PEERS_ON_STACK];
	const char **peers;
	struct bgp_route_attrs a;
};

static void canon_fini(struct canon *c)
{
	if (c->peers != c->peers_buf)
		free(c->peers);
}

static int canon(struct canon *c, const struct bgp_route_attrs *a)
{
	c->peers = c->peers_buf;
	if (a->n_communities > BGP_ROUTE_ATTRS_MAX_COMMUNITIES ||
	    a->n_large_communities > BGP_ROUTE_ATTRS_MAX_LARGE_COMMUNITIES ||
	    (a->n_communities && !a->communities) ||
	    (a->n_large_communities && !a->large_communities) || (a->n_peers && !a->peers))
		return -EINVAL;
	for (size_t i = 0; i < a->n_peers; i++)
		if (!a->peers[i])
			return -EINVAL;
	if (a->n_peers > PEERS_ON_STACK && !(c->peers = calloc(a->n_peers, sizeof(char *)))) {
		c->peers = c->peers_buf;
		return -ENOMEM;
	}
	memset(&c->a, 0, sizeof(c->a));
	if (a->n_communities)
		memcpy(c->comm, a->communities, a->n_communities * 4);
	if (a->n_large_communities)
		memcpy(c->large, a->large_communities, a->n_large_communities * 12);
	for (size_t i = 0; i < a->n_peers; i++)
		c->peers[i] = a->peers[i];
	c->a.communities = c->comm;
	c->a.n_communities = sort_uniq(c->comm, a->n_communities, 4, u32_cmp);
	c->a.large_communities = c->large;
	c->a.n_large_communities = sort_uniq(c->large, a->n_large_communities, 12, u96_cmp);
	c->a.peers = c->peers;
	c->a.n_peers = sort_uniq(c->peers, a->n_peers, sizeof(char *), str_cmp);
	c->a.has_local_pref = a->has_local_pref;
	c->a.local_pref = a->has_local_pref ? a->local_pref : 0;
	c->a.link_bw = a->link_bw;
	return 0;
}

static bool is_empty(const struct bgp_route_attrs *a)
{
	return !a->n_communities && !a->n_large_communities && !a->has_local_pref && !a->link_bw &&
	       !a->n_peers;
}

static uint32_t attrs_hash(const struct bgp_route_attrs *a)
{
	uint64_t h = core_fnv(CORE_FNV_INIT, &a->n_communities, sizeof(a->n_communities));

	h = core_fnv(h, a->communities, a->n_communities * 4);
	h = core_fnv(h, &a->n_large_communities, sizeof(a->n_large_communities));
	h = core_fnv(h, a->large_communities, a->n_large_communities * 12);
	h = core_fnv(h, &a->has_local_pref, 1);
	h = core_fnv(h, &a->local_pref, sizeof(a->local_pref));
	h = core_fnv(h, &a->link_bw, sizeof(a->link_bw));
	h = core_fnv(h, &a->n_peers, sizeof(a->n_peers));
	for (size_t i = 0; i < a->n_peers; i++)
		h = core_fnv_str(h, a->peers[i]);
	return core_hash_mix(h);
}

static bool arr_eq(const void *x, const void *y, size_t n)
{
	return !n || !memcmp(x, y, n);
}

/* Both canonical. */
static bool attrs_equal(const struct bgp_route_attrs *x, const struct bgp_route_attrs *y)
{
	if (x->n_communities != y->n_communities ||
	    x->n_large_communities != y->n_large_communities ||
	    x->has_local_pref != y->has_local_pref || x->local_pref != y->local_pref ||
	    x->link_bw != y->link_bw || x->n_peers != y->n_peers ||
	    !arr_eq(x->communities, y->communities, x->n_communities * 4) ||
	    !arr_eq(x->large_communities, y->large_communities, x->n_large_communities * 12))
		return false;
	for (size_t i = 0; i < x->n_peers; i++)
		if (strcmp(x->peers[i], y->peers[i]))
			return false;
	return true;
}

struct lookup {
	const struct bgp_route_attrs_tab *t;
	const struct bgp_route_attrs *a;
};

static int ent_eq(const void *ctx, uint32_t id)
{
	const struct lookup *l = ctx;

	return attrs_equal(&l->t->e[id].a, l->a);
}

/* ---- entries ---- */

/* A deep copy of the canonical c into x; 0 or -ENOMEM (x left empty). */
static int ent_fill(struct bgp_route_attrs_tab *t, struct ent *x, const struct bgp_route_attrs *c)
{
	uint32_t *comm = NULL, *large = NULL;
	char **peers = NULL;
	size_t i = 0, mem = 0;

	if (c->n_communities && !(comm = malloc(c->n_communities * 4)))
		goto fail;
	if (c->n_large_communities && !(large = malloc(c->n_large_communities * 12)))
		goto fail;
	if (c->n_peers && !(peers = calloc(c->n_peers, sizeof(*peers))))
		goto fail;
	for (i = 0; i < c->n_peers; i++) {
		if (!(peers[i] = strdup(c->peers[i])))
			goto fail;
		mem += strlen(peers[i]) + 1;
	}
	if (comm)
		memcpy(comm, c->communities, c->n_communities * 4);
	if (large)
		memcpy(large, c->large_communities, c->n_large_communities * 12);
	x->a = *c;
	x->a.communities = comm;
	x->a.large_communities = large;
	x->a.peers = (const char *const *)peers;
	t->mem +=
	    mem + c->n_communities * 4 + c->n_large_communities * 12 + c->n_peers * sizeof(char *);
	return 0;
fail:
	while (i-- > 0)
		free(peers[i]);
	free(peers);
	free(large);
	free(comm);
	return -ENOMEM;
}

/* A free id (reused first), its entry zeroed; 0 or -ENOMEM. */
static int ent_alloc(struct bgp_route_attrs_tab *t, uint32_t *id)
{
	if (t->free_head) {
		*id = t->free_head;
		t->free_head = t->e[*id].next;
	} else {
		if (t->n >= t->cap) {
			uint32_t ncap = t->cap ? t->cap * 2 : 16;
			struct ent *ne;

			if (ncap <= t->cap || !(ne = realloc(t->e, (size_t)ncap * sizeof(*ne))))
				return -ENOMEM;
			t->e = ne;
			t->cap = ncap;
		}
		*id = t->n++;
	}
	memset(&t->e[*id], 0, sizeof(t->e[*id]));
	return 0;
}

/* id back on the free list (it was just taken by ent_alloc). */
static void ent_unalloc(struct bgp_route_attrs_tab *t, uint32_t id)
{
	t->e[id].state = ENT_FREE;
	t->e[id].next = t->free_head;
	t->free_head = id;
}

int bgp_route_attrs_add(struct bgp_route_attrs_tab *t, const struct bgp_route_attrs *a,
                        uint32_t *id)
{
	struct canon c;
	struct lookup l = {t, &c.a};
	uint32_t h, nid;
	int64_t at;
	int r = 0;

	*id = 0;
	if ((r = canon(&c, a)) < 0)
		goto out;
	if (is_empty(&c.a))
		goto out;
	h = attrs_hash(&c.a);
	at = core_idx_find(&t->ix, h, ent_eq, &l);
	if (at > 0) {
		t->e[at].refs++;
		*id = (uint32_t)at;
		goto out;
	}
	if ((r = ent_alloc(t, &nid)) < 0)
		goto out;
	if (ent_fill(t, &t->e[nid], &c.a) < 0 || core_idx_insert(&t->ix, h, nid) < 0) {
		ent_release(t, &t->e[nid]); /* harmless on the empty entry */
		ent_unalloc(t, nid);
		r = -ENOMEM;
		goto out;
	}
	t->e[nid].state = ENT_LIVE;
	t->e[nid].refs = 1;
	t->e[nid].hash = h;
	t->n_live++;
	*id = nid;
out:
	canon_fini(&c);
	return r;
}

void bgp_route_attrs_put(struct bgp_route_attrs_tab *t, uint32_t id)
{
	struct ent *x;

	if (!id || id >= t->n || t->e[id].state != ENT_LIVE)
		return;
	x = &t->e[id];
	if (--x->refs)
		return;
	core_idx_remove(&t->ix, x->hash, id);
	ent_release(t, x);
	x->state = ENT_DEAD;
	x->next = t->dead_head;
	t->dead_head = id;
	t->n_live--;
	t->n_dead++;
}

const struct bgp_route_attrs *bgp_route_attrs_get(const struct bgp_route_attrs_tab *t, uint32_t id)
{
	if (!id)
		return &empty;
	if (id >= t->n || t->e[id].state != ENT_LIVE)
		return NULL;
	return &t->e[id].a;
}

bool bgp_route_attrs_for_peer(const struct bgp_route_attrs_tab *t, uint32_t id, const char *name)
{
	const struct bgp_route_attrs *a = bgp_route_attrs_get(t, id);

	if (!a)
		return false;
	if (!a->n_peers)
		return true;
	return name && bsearch(&name, a->peers, a->n_peers, sizeof(char *), str_cmp) != NULL;
}

size_t bgp_route_attrs_reclaim(struct bgp_route_attrs_tab *t, void (*fn)(uint32_t id, void *arg),
                               void *arg)
{
	size_t n = 0;

	while (t->dead_head) {
		uint32_t id = t->dead_head;

		t->dead_head = t->e[id].next;
		if (fn)
			fn(id, arg);
		ent_unalloc(t, id);
		t->n_dead--;
		n++;
	}
	return n;
}

void bgp_route_attrs_stats(const struct bgp_route_attrs_tab *t, struct bgp_route_attrs_stats *st)
{
	st->live = t->n_live;
	st->dead = t->n_dead;
	st->max_id = t->n - 1;
	st->mem_bytes = sizeof(*t) + (size_t)t->cap * sizeof(struct ent) +
	                t->ix.cap * sizeof(*t->ix.slots) + t->mem;
}
