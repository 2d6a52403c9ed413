/*
 * The cluster-mode speaker's Services, EndpointSlices and configuration,
 * kept current one object at a time (see store.h).
 */
#include "speaker/store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct key {
	const void *base;
	const char *ns, *name;
	const char *node;              /* sl_svc_node_eq, sl_svc_count only */
	struct cfg_ready_count *count; /* sl_svc_count only */
};

static const char *nz(const char *s)
{
	return s ? s : "";
}

static int sl_eq(const void *ctx, uint32_t pos)
{
	const struct key *k = ctx;
	const struct cfg_endpoint_slice *s = &((const struct cfg_endpoint_slice *)k->base)[pos];

	return !strcmp(s->meta.name, k->name) && !strcmp(nz(s->meta.ns), k->ns);
}

static int sl_svc_eq(const void *ctx, uint32_t pos)
{
	const struct key *k = ctx;
	const struct cfg_endpoint_slice *s = &((const struct cfg_endpoint_slice *)k->base)[pos];

	return s->service && !strcmp(s->service, k->name) && !strcmp(nz(s->meta.ns), k->ns);
}

/* A slice of the Service with a ready endpoint on k->node. */
static int sl_svc_node_eq(const void *ctx, uint32_t pos)
{
	const struct key *k = ctx;
	const struct cfg_endpoint_slice *s = &((const struct cfg_endpoint_slice *)k->base)[pos];

	if (!sl_svc_eq(ctx, pos))
		return 0;
	for (size_t i = 0; i < s->n_endpoints; i++)
		if (!strcmp(s->endpoints[i].node_name, k->node))
			return 1;
	return 0;
}

/* Adds the ready endpoints on k->node of a slice of the Service to
 * *k->count and says no: core_idx_find then visits every slice of it. */
static int sl_svc_count(const void *ctx, uint32_t pos)
{
	const struct key *k = ctx;

	if (sl_svc_eq(ctx, pos))
		cfg_slice_ready_count_add(&((const struct cfg_endpoint_slice *)k->base)[pos],
		                          k->node, k->count);
	return 0;
}

int speaker_store_init(struct speaker_store *st, const char *node)
{
	memset(st, 0, sizeof(*st));
	cfg_set_init(&st->set);
	if (snprintf(st->node, sizeof(st->node), "%s", node) >= (int)sizeof(st->node))
		return -ENAMETOOLONG;
	core_idx_init(&st->sl_ix);
	core_idx_init(&st->sl_svc_ix);
	return 0;
}

void speaker_store_fini(struct speaker_store *st)
{
	cfg_set_fini(&st->set);
	for (size_t i = 0; i < st->n_sl; i++)
		cfg_endpoint_slice_fini(&st->sl[i]);
	free(st->sl);
	core_idx_fini(&st->sl_ix);
	core_idx_fini(&st->sl_svc_ix);
	memset(st, 0, sizeof(*st));
}

int speaker_store_service_del(struct speaker_store *st, const char *ns, const char *name)
{
	const struct cfg_service *old = name ? cfg_set_service(&st->set, ns, name) : NULL;

	if (!old)
		return 0;
	if (st->gone)
		st->gone(old, st->arg);
	return cfg_set_service_del(&st->set, ns, name);
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t c;

	if (n < *cap)
		return 0;
	/* 1.5x: the arrays are the bulk of the speaker's memory. */
	c = *cap ? *cap + *cap / 2 : 16;
	if (!(nv = realloc(*v, c * size)))
		return -ENOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

int speaker_store_service_put(struct speaker_store *st, const json_t *obj, struct cfg_error *err)
{
	struct cfg_service s;
	int rc;

	rc = cfg_service_decode(obj, &s, err);
	if (rc < 0) {
		const json_t *m = json_object_get(obj, "metadata");

		speaker_store_service_del(st, json_string_value(json_object_get(m, "namespace")),
		                          json_string_value(json_object_get(m, "name")));
		return rc;
	}
	if (s.type != CFG_SVC_LOAD_BALANCER || !s.n_ingress) {
		speaker_store_service_del(st, s.meta.ns, s.meta.name);
		cfg_service_fini(&s);
		return 0;
	}
	cfg_service_trim(&s);
	rc = cfg_set_service_put(&st->set, &s);
	cfg_service_fini(&s); /* emptied by the put */
	return rc;
}

/* ---- EndpointSlices ---- */

static int64_t sl_find(const struct speaker_store *st, const char *ns, const char *name)
{
	struct key k = {st->sl, nz(ns), name, NULL, NULL};

	return core_idx_find(&st->sl_ix, core_idx_hash2(k.ns, name), sl_eq, &k);
}

static uint32_t sl_svc_hash(const struct cfg_endpoint_slice *e)
{
	return core_idx_hash2(nz(e->meta.ns), nz(e->service));
}

static void sl_remove_at(struct speaker_store *st, size_t i)
{
	struct cfg_endpoint_slice *e = &st->sl[i];
	size_t last = st->n_sl - 1;

	core_idx_remove(&st->sl_ix, core_idx_hash2(nz(e->meta.ns), e->meta.name), (uint32_t)i);
	core_idx_remove(&st->sl_svc_ix, sl_svc_hash(e), (uint32_t)i);
	cfg_endpoint_slice_fini(e);
	if (i != last) {
		struct cfg_endpoint_slice *m = &st->sl[last];

		core_idx_move(&st->sl_ix, core_idx_hash2(nz(m->meta.ns), m->meta.name),
		              (uint32_t)last, (uint32_t)i);
		core_idx_move(&st->sl_svc_ix, sl_svc_hash(m), (uint32_t)last, (uint32_t)i);
		*e = *m;
	}
	st->n_sl--;
}

int speaker_store_slice_del(struct speaker_store *st, const char *ns, const char *name)
{
	int64_t i = name ? sl_find(st, ns, name) : -1;

	if (i < 0)
		return 0;
	sl_remove_at(st, (size_t)i);
	return 1;
}

int speaker_store_slice_put(struct speaker_store *st, const json_t *obj, struct cfg_error *err)
{
	struct cfg_endpoint_slice e;
	int64_t i;
	int rc;

	rc = cfg_endpoint_slice_decode(obj, &e, err);
	if (rc < 0) {
		const json_t *m = json_object_get(obj, "metadata");

		speaker_store_slice_del(st, json_string_value(json_object_get(m, "namespace")),
		                        json_string_value(json_object_get(m, "name")));
		return rc;
	}
	i = sl_find(st, e.meta.ns, e.meta.name);
	/* Replaced by removal and insertion: the Service label may change. */
	if (i >= 0)
		sl_remove_at(st, (size_t)i);
	if (!e.service || !cfg_endpoint_slice_trim(&e)) {
		cfg_endpoint_slice_fini(&e);
		return 0;
	}
	if (grow((void **)&st->sl, &st->cap_sl, st->n_sl, sizeof(e)) < 0 ||
	    core_idx_insert(&st->sl_ix, core_idx_hash2(nz(e.meta.ns), e.meta.name),
	                    (uint32_t)st->n_sl) < 0) {
		cfg_endpoint_slice_fini(&e);
		return -ENOMEM;
	}
	if (core_idx_insert(&st->sl_svc_ix, sl_svc_hash(&e), (uint32_t)st->n_sl) < 0) {
		core_idx_remove(&st->sl_ix, core_idx_hash2(nz(e.meta.ns), e.meta.name),
		                (uint32_t)st->n_sl);
		cfg_endpoint_slice_fini(&e);
		return -ENOMEM;
	}
	st->sl[st->n_sl++] = e;
	return 0;
}

bool speaker_store_ready_on(const struct speaker_store *st, const char *ns, const char *name,
                            const char *node)
{
	struct key k = {st->sl, nz(ns), name, node, NULL};

	return core_idx_find(&st->sl_svc_ix, core_idx_hash2(k.ns, name), sl_svc_node_eq, &k) >= 0;
}

uint32_t speaker_store_ready_count(const struct speaker_store *st, const char *ns, const char *name,
                                   const char *node)
{
	struct cfg_ready_count c = {{0}};
	struct key k = {st->sl, nz(ns), name, node, &c};

	(void)core_idx_find(&st->sl_svc_ix, core_idx_hash2(k.ns, name), sl_svc_count, &k);
	return cfg_ready_count_value(&c);
}

void speaker_store_config(struct speaker_store *st, struct cfg_set *cfg)
{
	struct cfg_set *a = &st->set, was = *a;

	a->bgp_conf = cfg->bgp_conf;
	a->peers = cfg->peers;
	a->n_peers = cfg->n_peers;
	a->eips = cfg->eips;
	a->n_eips = cfg->n_eips;
	a->nodes = cfg->nodes;
	a->n_nodes = cfg->n_nodes;
	a->secrets = cfg->secrets;
	a->n_secrets = cfg->n_secrets;
	cfg->bgp_conf = was.bgp_conf;
	cfg->peers = was.peers;
	cfg->n_peers = was.n_peers;
	cfg->eips = was.eips;
	cfg->n_eips = was.n_eips;
	cfg->nodes = was.nodes;
	cfg->n_nodes = was.n_nodes;
	cfg->secrets = was.secrets;
	cfg->n_secrets = was.n_secrets;
	/* MetalLB's namespace (a BGPPeer's passwordSecret is read there) and
	 * its other kinds, already lowered onto the pools and peers: kept so
	 * that the set's check sees the objects its peers and pools name. */
#define STORE_SWAP(f)                                                                              \
	do {                                                                                       \
		a->f = cfg->f;                                                                     \
		cfg->f = was.f;                                                                    \
	} while (0)
	STORE_SWAP(metallb_ns);
	STORE_SWAP(bgp_advs);
	STORE_SWAP(n_bgp_advs);
	STORE_SWAP(l2_advs);
	STORE_SWAP(n_l2_advs);
	STORE_SWAP(bfds);
	STORE_SWAP(n_bfds);
	STORE_SWAP(communities);
	STORE_SWAP(n_communities);
	STORE_SWAP(ignored);
	STORE_SWAP(n_ignored);
#undef STORE_SWAP
}
