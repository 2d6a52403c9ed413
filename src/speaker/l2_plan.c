/*
 * The layer 2 plan (see l2_plan.h): the addresses of layer2 Eips, grouped
 * by shared addresses (union-find over Services), each group ranked over
 * its eligible nodes (l2/owner.h).
 */
#include "speaker/l2_plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "l2/owner.h"

/* One (address, Service) pair of a layer2 Eip. */
struct ent {
	struct core_addr addr;
	size_t svc;  /* index into set->services */
	size_t root; /* its group: the union-find root of svc */
	const struct cfg_eip *eip;
};

void l2_plan_init(struct l2_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void l2_plan_fini(struct l2_plan *p)
{
	free(p->v);
	free(p->watch);
	l2_plan_init(p);
}

const struct cfg_eip *l2_plan_eip(const struct cfg_set *set, const struct core_addr *a)
{
	for (size_t i = 0; i < set->n_eips; i++) {
		const struct cfg_eip *e = &set->eips[i];

		/* Pools do not overlap (the loader's and the webhooks' rule). */
		if (cfg_eip_range_of(e, a))
			return e->n_l2 ? e : NULL;
	}
	return NULL;
}

const struct l2_plan_addr *l2_plan_find(const struct l2_plan *p, const struct core_addr *a)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = core_addr_cmp(&p->v[mid].addr, a);

		if (!c)
			return &p->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- groups ---- */

static size_t uf_find(size_t *parent, size_t x)
{
	while (parent[x] != x)
		x = parent[x] = parent[parent[x]];
	return x;
}

static int ent_by_addr(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = core_addr_cmp(&x->addr, &y->addr);

	return c ? c : (x->svc > y->svc) - (x->svc < y->svc);
}

static int ent_by_group(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->root != y->root)
		return (x->root > y->root) - (x->root < y->root);
	return ent_by_addr(a, b);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The (address, Service) pairs of layer2 Eips, grouped: sorted by group,
 * then address. 0 or -ENOMEM. */
static int collect(const struct cfg_set *set, struct ent **out, size_t *n_out)
{
	struct ent *v = NULL;
	size_t n = 0, cap = 0, *parent = NULL;

	for (size_t i = 0; i < set->n_services; i++) {
		const struct cfg_service *svc = &set->services[i];

		if (svc->type != CFG_SVC_LOAD_BALANCER)
			continue;
		for (size_t k = 0; k < svc->n_ingress; k++) {
			const struct cfg_eip *e = l2_plan_eip(set, &svc->ingress[k]);

			if (!e)
				continue;
			if (n == cap) {
				size_t c = cap ? cap * 2 : 16;
				struct ent *nv = reallocarray(v, c, sizeof(*nv));

				if (!nv)
					goto nomem;
				v = nv;
				cap = c;
			}
			v[n++] = (struct ent){.addr = svc->ingress[k], .svc = i, .eip = e};
		}
	}
	if (n) {
		if (!(parent = calloc(set->n_services, sizeof(*parent))))
			goto nomem;
		for (size_t i = 0; i < set->n_services; i++)
			parent[i] = i;
		/* Services with an address in common are one group. */
		qsort(v, n, sizeof(*v), ent_by_addr);
		for (size_t i = 1; i < n; i++)
			if (core_addr_equal(&v[i].addr, &v[i - 1].addr))
				parent[uf_find(parent, v[i].svc)] = uf_find(parent, v[i - 1].svc);
		for (size_t i = 0; i < n; i++)
			v[i].root = uf_find(parent, v[i].svc);
		qsort(v, n, sizeof(*v), ent_by_group);
		free(parent);
	}
	*out = v;
	*n_out = n;
	return 0;
nomem:
	free(v);
	return -ENOMEM;
}

/* ---- one group ---- */

struct work {
	const struct cfg_set *set;
	const struct l2_plan_opts *o;
	const char **cand; /* nodes that take traffic */
	size_t n_cand;
	const char **elig; /* scratch: the group's eligible nodes */
	struct l2_owner_place *places;
	size_t n_places;
};

/* Whether node has a ready endpoint of every Local Service of g[0..n). */
static bool has_endpoints(const struct work *w, const struct ent *g, size_t n, const char *node)
{
	const struct lb_announce_opts *ann = w->o->ann;

	if (!ann->endpoints_known)
		return true;
	for (size_t i = 0; i < n; i++) {
		const struct cfg_service *svc = &w->set->services[g[i].svc];

		if (i && g[i].svc == g[i - 1].svc)
			continue;
		if (svc->external_traffic_policy == CFG_ETP_LOCAL &&
		    !lb_announce_ready_on(w->set, ann, svc->meta.ns, svc->meta.name, node))
			return false;
	}
	return true;
}

/* Whether one of the layer 2 announcements of every pool of g[0..n)
 * lets node answer (their node selectors; none: every node). */
static bool l2_node_ok(const struct work *w, const struct ent *g, size_t n, const char *node)
{
	static const struct cfg_map no_labels;
	const struct cfg_node *nd = cfg_set_node(w->set, node);
	const struct cfg_map *labels = nd ? &nd->meta.labels : &no_labels;

	for (size_t i = 0; i < n; i++) {
		const struct cfg_eip *e = g[i].eip;
		bool ok = false;

		if (i && g[i].eip == g[i - 1].eip)
			continue;
		for (size_t k = 0; k < e->n_l2 && !ok; k++)
			ok = cfg_selectors_match(e->l2[k].node_selectors, e->l2[k].n_node_selectors,
			                         labels);
		if (!ok)
			return false;
	}
	return true;
}

/* Whether node can own every Eip of g[0..n). */
static bool can_own_all(const struct work *w, const struct ent *g, size_t n, const char *node)
{
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = g[j].eip == g[i].eip;
		if (!seen && !w->o->can_own(node, g[i].eip, w->o->arg))
			return false;
	}
	return true;
}

static int watch_add(struct l2_plan *p, size_t *cap, const char *name)
{
	if (p->n_watch == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		const char **nv = reallocarray(p->watch, c, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		p->watch = nv;
		*cap = c;
	}
	p->watch[p->n_watch++] = name;
	return 0;
}

/* How many of the m ranked places count: the first n_places nodes that
 * may serve the group, and the nodes known not to (no interface for one
 * of its Eips) that come before them. So a node lacking the interface
 * does not take a place: the next ones watch past it. */
static int window(const struct work *w, const struct ent *g, size_t n, int m)
{
	size_t may = 0;
	int i;

	for (i = 0; i < m && may < w->n_places; i++) {
		const char *node = w->elig[w->places[i].idx];
		bool serves = true;

		for (size_t k = 0; k < n && serves && w->o->unserved; k++)
			serves = !w->o->unserved(node, g[k].eip, w->o->arg);
		may += serves;
	}
	return i;
}

/* The owner of group g[0..n) (sorted by address), its entries into out. */
static int plan_group(struct work *w, const struct ent *g, size_t n, struct l2_plan *out,
                      size_t *watch_cap)
{
	const struct cfg_service *first = &w->set->services[g[0].svc];
	char key[CORE_ADDR_STRLEN + 256];
	const char *owner = NULL;
	bool shared = false, watched = false;
	size_t n_elig = 0, self_place = 0;
	const char *ahead[L2_PLAN_MAX_PLACES - 1] = {0};
	int r = 0, m = 0;

	for (size_t i = 1; i < n && !shared; i++)
		shared = g[i].svc != g[0].svc;
	/* A key that does not fit (names longer than Kubernetes allows)
	 * leaves the group without an owner rather than failing the plan. */
	if (shared ? l2_owner_key_addr(key, sizeof(key), &g[0].addr) == 0
	           : l2_owner_key_svc(key, sizeof(key), first->meta.ns ? first->meta.ns : "default",
	                              first->meta.name) == 0) {
		for (size_t i = 0; i < w->n_cand; i++)
			if (has_endpoints(w, g, n, w->cand[i]) && l2_node_ok(w, g, n, w->cand[i]))
				w->elig[n_elig++] = w->cand[i];
		m = n_elig ? l2_owner_rank(key, w->elig, n_elig, w->places, L2_PLAN_MAX_PLACES) : 0;
		m = window(w, g, n, m);
	}
	for (int i = 0; i < m; i++) {
		const char *node = w->elig[w->places[i].idx];

		if (!strcmp(node, w->o->node)) {
			watched = true;
			self_place = (size_t)i;
			for (int j = 0; j < i && r == 0; j++) {
				ahead[j] = w->elig[w->places[j].idx];
				r = watch_add(out, watch_cap, ahead[j]);
			}
			break;
		}
	}
	for (int i = 0; i < m && !owner; i++)
		if (can_own_all(w, g, n, w->elig[w->places[i].idx]))
			owner = w->elig[w->places[i].idx];
	for (size_t i = 0; i < n && r == 0; i++) {
		if (i && core_addr_equal(&g[i].addr, &g[i - 1].addr))
			continue;
		out->v[out->n++] = (struct l2_plan_addr){.addr = g[i].addr,
		                                         .svc = &w->set->services[g[i].svc],
		                                         .eip = g[i].eip,
		                                         .owner = owner,
		                                         .watched = watched,
		                                         .self_place = self_place};
		memcpy(out->v[out->n - 1].ahead, ahead, sizeof(ahead));
	}
	return r;
}

static int addr_entry_cmp(const void *a, const void *b)
{
	return core_addr_cmp(&((const struct l2_plan_addr *)a)->addr,
	                     &((const struct l2_plan_addr *)b)->addr);
}

/* Nodes that take traffic (lb_announce_node_ok), into w->cand. */
static int candidates(struct work *w)
{
	const struct cfg_set *set = w->set;
	size_t n = set->n_nodes ? set->n_nodes : 1;

	if (!(w->cand = calloc(n, sizeof(*w->cand))) || !(w->elig = calloc(n, sizeof(*w->elig))))
		return -ENOMEM;
	if (!set->n_nodes) {
		if (lb_announce_node_ok(set, w->o->node, w->o->ann))
			w->cand[w->n_cand++] = w->o->node;
		return 0;
	}
	for (size_t i = 0; i < set->n_nodes; i++)
		if (lb_announce_node_ok(set, set->nodes[i].meta.name, w->o->ann))
			w->cand[w->n_cand++] = set->nodes[i].meta.name;
	return 0;
}

int l2_plan_build(const struct cfg_set *set, const struct l2_plan_opts *o, struct l2_plan *out)
{
	struct work w = {.set = set, .o = o, .n_places = o->places ? o->places : L2_PLAN_PLACES};
	struct ent *v = NULL;
	size_t n = 0, watch_cap = 0;
	int r;

	if (w.n_places > L2_PLAN_MAX_PLACES)
		w.n_places = L2_PLAN_MAX_PLACES;
	l2_plan_fini(out);
	r = collect(set, &v, &n);
	if (!r && n && !(out->v = calloc(n, sizeof(*out->v))))
		r = -ENOMEM;
	if (!r && n && !(w.places = calloc(L2_PLAN_MAX_PLACES, sizeof(*w.places))))
		r = -ENOMEM;
	if (!r && n)
		r = candidates(&w);
	for (size_t i = 0; !r && i < n;) {
		size_t j = i + 1;

		while (j < n && v[j].root == v[i].root)
			j++;
		r = plan_group(&w, &v[i], j - i, out, &watch_cap);
		i = j;
	}
	if (!r) {
		if (out->n) /* qsort's base must not be NULL, even for 0 entries */
			qsort(out->v, out->n, sizeof(*out->v), addr_entry_cmp);
		if (out->n_watch)
			qsort(out->watch, out->n_watch, sizeof(*out->watch), name_cmp);
		size_t k = 0;
		for (size_t i = 0; i < out->n_watch; i++)
			if (!k || strcmp(out->watch[k - 1], out->watch[i]))
				out->watch[k++] = out->watch[i];
		out->n_watch = k;
	} else {
		l2_plan_fini(out);
	}
	free(v);
	free(w.cand);
	free(w.elig);
	free(w.places);
	return r;
}
