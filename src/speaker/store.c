/*
 * Incremental store of Services and EndpointSlices (see store.h).
 */
#include "speaker/store.h"

#include "core/strs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct key {
	const void *base;
	const char *ns, *name;
};

static const char *nz(const char *s)
{
	return s ? s : "";
}

static int svc_eq(const void *ctx, uint32_t pos)
{
	const struct key *k = ctx;
	const struct cfg_service *s = &((const struct cfg_service *)k->base)[pos];

	return !strcmp(s->meta.name, k->name) && !strcmp(nz(s->meta.ns), k->ns);
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

/*
 * A kept Service's name, namespace, uid and ingress addresses share one
 * allocation, starting with the name: four small blocks a Service cost
 * some 50 bytes of malloc overhead and rounding each, half a megabyte
 * for 10,000 Services.
 */
_Static_assert(_Alignof(struct bgp_addr) == 1, "ingress packed after the strings");

static int svc_pack(struct cfg_service *s)
{
	const char *str[3] = {s->meta.name, s->meta.ns, s->meta.uid};
	char *copy[3];
	size_t addrs = s->n_ingress * sizeof(*s->ingress);
	char *blk, *p;

	/* The block is freed as the name: there must be one (the decoder
	 * requires metadata.name). */
	if (!s->meta.name)
		return -EINVAL;
	if (!(blk = malloc(core_strs_size(str, 3) + addrs)))
		return -ENOMEM;
	p = core_strs_copy(blk, str, 3, copy);
	if (addrs)
		memcpy(p, s->ingress, addrs);
	free(s->meta.name);
	free(s->meta.ns);
	free(s->meta.uid);
	free(s->ingress);
	s->meta.name = blk;
	s->meta.ns = copy[1];
	s->meta.uid = copy[2];
	s->ingress = addrs ? (struct bgp_addr *)(void *)p : NULL;
	return 0;
}

/* cfg_service_fini of a packed Service: the block goes with the name. */
static void svc_fini(struct cfg_service *s)
{
	s->meta.ns = s->meta.uid = NULL;
	s->ingress = NULL;
	cfg_service_fini(s);
}

int speaker_store_init(struct speaker_store *st, const char *node)
{
	memset(st, 0, sizeof(*st));
	if (snprintf(st->node, sizeof(st->node), "%s", node) >= (int)sizeof(st->node))
		return -ENAMETOOLONG;
	core_idx_init(&st->svc_ix);
	core_idx_init(&st->sl_ix);
	core_idx_init(&st->sl_svc_ix);
	return 0;
}

void speaker_store_fini(struct speaker_store *st)
{
	for (size_t i = 0; i < st->n_svc; i++)
		svc_fini(&st->svc[i]);
	for (size_t i = 0; i < st->n_sl; i++)
		cfg_endpoint_slice_fini(&st->sl[i]);
	free(st->svc);
	free(st->sl);
	core_idx_fini(&st->svc_ix);
	core_idx_fini(&st->sl_ix);
	core_idx_fini(&st->sl_svc_ix);
	memset(st, 0, sizeof(*st));
}

static int64_t svc_find(const struct speaker_store *st, const char *ns, const char *name)
{
	struct key k = {st->svc, nz(ns), name};

	return core_idx_find(&st->svc_ix, core_idx_hash2(k.ns, name), svc_eq, &k);
}

static void svc_remove_at(struct speaker_store *st, size_t i)
{
	struct cfg_service *s = &st->svc[i];
	size_t last = st->n_svc - 1;

	if (st->gone)
		st->gone(s, st->arg);
	core_idx_remove(&st->svc_ix, core_idx_hash2(nz(s->meta.ns), s->meta.name), (uint32_t)i);
	svc_fini(s);
	if (i != last) {
		struct cfg_service *m = &st->svc[last];

		core_idx_move(&st->svc_ix, core_idx_hash2(nz(m->meta.ns), m->meta.name),
		              (uint32_t)last, (uint32_t)i);
		*s = *m;
	}
	st->n_svc--;
}

int speaker_store_service_del(struct speaker_store *st, const char *ns, const char *name)
{
	int64_t i = name ? svc_find(st, ns, name) : -1;

	if (i < 0)
		return 0;
	svc_remove_at(st, (size_t)i);
	return 1;
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
	int64_t i;
	int rc;

	rc = cfg_service_decode(obj, &s, err);
	if (rc < 0) {
		const json_t *m = json_object_get(obj, "metadata");

		speaker_store_service_del(st, json_string_value(json_object_get(m, "namespace")),
		                          json_string_value(json_object_get(m, "name")));
		return rc;
	}
	i = svc_find(st, s.meta.ns, s.meta.name);
	if (s.type != CFG_SVC_LOAD_BALANCER || !s.n_ingress) {
		if (i >= 0)
			svc_remove_at(st, (size_t)i);
		cfg_service_fini(&s);
		return 0;
	}
	cfg_service_trim(&s);
	if ((rc = svc_pack(&s)) < 0) {
		cfg_service_fini(&s);
		return rc;
	}
	if (i >= 0) {
		svc_fini(&st->svc[i]);
		st->svc[i] = s;
		return 0;
	}
	if (grow((void **)&st->svc, &st->cap_svc, st->n_svc, sizeof(s)) < 0 ||
	    core_idx_insert(&st->svc_ix, core_idx_hash2(nz(s.meta.ns), s.meta.name),
	                    (uint32_t)st->n_svc) < 0) {
		svc_fini(&s);
		return -ENOMEM;
	}
	st->svc[st->n_svc++] = s;
	return 0;
}

/* ---- EndpointSlices ---- */

static int64_t sl_find(const struct speaker_store *st, const char *ns, const char *name)
{
	struct key k = {st->sl, nz(ns), name};

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
	if (!e.service || !cfg_endpoint_slice_trim(&e, st->node)) {
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

bool speaker_store_ready_here(const struct speaker_store *st, const char *ns, const char *name)
{
	struct key k = {st->sl, nz(ns), name};

	return core_idx_find(&st->sl_svc_ix, core_idx_hash2(k.ns, name), sl_svc_eq, &k) >= 0;
}
