/*
 * Incremental store of Services and EndpointSlices (see store.h).
 */
#include "speaker/store.h"

#include "core/strs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct key {
	const void *base;
	const char *ns, *name;
};

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* The namespace follows the name in a Service's block. */
static const char *svc_ns(const struct speaker_svc *s)
{
	return s->blk + strlen(s->blk) + 1;
}

static int svc_eq(const void *ctx, uint32_t pos)
{
	const struct key *k = ctx;
	const struct speaker_svc *s = &((const struct speaker_svc *)k->base)[pos];

	return !strcmp(s->blk, k->name) && !strcmp(svc_ns(s), k->ns);
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
 * The decoded Service, trimmed to what announcing and Events read, in one
 * block: five small allocations a Service cost some 50 bytes of malloc
 * overhead and rounding each.
 */
_Static_assert(_Alignof(struct bgp_addr) == 1, "ingress packed after the strings");

/* The API server's uids are UUIDs in canonical text (RFC 4122 section 3,
 * lower case, as Go's google/uuid writes them): 16 bytes instead of 37.
 * Anything else stays text, so that it reads back exactly as it came. */
static bool uuid_parse(const char *s, uint8_t out[16])
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;

	if (!s || strlen(s) != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		const char *d;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
			continue;
		}
		if (!(d = strchr(hex, s[i])))
			return false;
		if (k % 2 == 0)
			out[k / 2] = (uint8_t)((d - hex) << 4);
		else
			out[k / 2] |= (uint8_t)(d - hex);
		k++;
	}
	return true;
}

static void uuid_format(const uint8_t u[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = 0;
}

/* Bytes of a in the compact form: its family, then its address. */
static size_t ip_len(const struct bgp_addr *a)
{
	return a->family == AF_INET ? 5 : 17;
}

static int svc_pack(const struct cfg_service *s, struct speaker_svc *out)
{
	const char *proto = cfg_meta_annotation(&s->meta, CFG_ANN_PROTOCOL);
	uint8_t uuid[16];
	bool bin = uuid_parse(s->meta.uid, uuid);
	const char *str[4] = {s->meta.name, nz(s->meta.ns), bin ? NULL : s->meta.uid, proto};
	char *copy[4];
	bool wide = s->n_ingress > CFG_VIEW_INGRESS;
	size_t addrs = 0;
	char *p;

	for (size_t i = 0; i < s->n_ingress; i++)
		addrs += wide ? sizeof(*s->ingress) : ip_len(&s->ingress[i]);

	/* The decoder requires metadata.name. */
	if (!s->meta.name || s->n_ingress > UINT32_MAX)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!(out->blk = malloc(core_strs_size(str, 4) + (bin ? 16 : 0) + addrs)))
		return -ENOMEM;
	p = core_strs_copy(out->blk, str, 4, copy);
	if (bin) {
		memcpy(p, uuid, 16);
		p += 16;
	}
	if (wide)
		memcpy(p, s->ingress, addrs);
	for (size_t i = 0; !wide && i < s->n_ingress; i++) {
		*p = (char)s->ingress[i].family;
		memcpy(p + 1, s->ingress[i].bytes, ip_len(&s->ingress[i]) - 1);
		p += ip_len(&s->ingress[i]);
	}
	out->n_ingress = (uint32_t)s->n_ingress;
	out->etp = (uint8_t)s->external_traffic_policy;
	out->flags = (uint8_t)((bin           ? SPEAKER_SVC_UUID
	                        : s->meta.uid ? SPEAKER_SVC_UID
	                                      : 0) |
	                       (proto ? SPEAKER_SVC_PROTO : 0) | (wide ? SPEAKER_SVC_WIDE : 0));
	return 0;
}

const struct cfg_service *speaker_store_service_at(const void *ctx, size_t i,
                                                   struct cfg_service_view *tmp)
{
	const struct speaker_svc *s = &((const struct speaker_store *)ctx)->svc[i];
	struct cfg_service *v = &tmp->svc;
	char *p = s->blk;

	memset(tmp, 0, sizeof(*tmp));
	v->type = CFG_SVC_LOAD_BALANCER;
	v->external_traffic_policy = (enum cfg_traffic_policy)s->etp;
	v->meta.name = p;
	p += strlen(p) + 1;
	v->meta.ns = p;
	p += strlen(p) + 1;
	if (s->flags & SPEAKER_SVC_UID) {
		v->meta.uid = p;
		p += strlen(p) + 1;
	}
	if (s->flags & SPEAKER_SVC_PROTO) {
		tmp->ann.key = CFG_ANN_PROTOCOL;
		tmp->ann.value = p;
		v->meta.annotations.items = &tmp->ann;
		v->meta.annotations.n = 1;
		p += strlen(p) + 1;
	}
	if (s->flags & SPEAKER_SVC_UUID) {
		uuid_format((const uint8_t *)p, tmp->uid);
		v->meta.uid = tmp->uid;
		p += 16;
	}
	v->n_ingress = s->n_ingress;
	if (s->flags & SPEAKER_SVC_WIDE) {
		v->ingress = (struct bgp_addr *)(void *)p;
		return v;
	}
	for (size_t k = 0; k < s->n_ingress; k++) {
		struct bgp_addr *a = &tmp->ingress[k];

		a->family = (uint8_t)*p;
		memcpy(a->bytes, p + 1, ip_len(a) - 1);
		p += ip_len(a);
	}
	v->ingress = s->n_ingress ? tmp->ingress : NULL;
	return v;
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
		free(st->svc[i].blk);
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
	struct speaker_svc *s = &st->svc[i];
	size_t last = st->n_svc - 1;

	if (st->gone) {
		struct cfg_service_view tmp;

		st->gone(speaker_store_service_at(st, i, &tmp), st->arg);
	}
	core_idx_remove(&st->svc_ix, core_idx_hash2(svc_ns(s), s->blk), (uint32_t)i);
	free(s->blk);
	if (i != last) {
		struct speaker_svc *m = &st->svc[last];

		core_idx_move(&st->svc_ix, core_idx_hash2(svc_ns(m), m->blk), (uint32_t)last,
		              (uint32_t)i);
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
	struct speaker_svc v;
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
	rc = svc_pack(&s, &v);
	cfg_service_fini(&s);
	if (rc < 0)
		return rc;
	if (i >= 0) {
		free(st->svc[i].blk);
		st->svc[i] = v;
		return 0;
	}
	if (grow((void **)&st->svc, &st->cap_svc, st->n_svc, sizeof(v)) < 0 ||
	    core_idx_insert(&st->svc_ix, core_idx_hash2(svc_ns(&v), v.blk), (uint32_t)st->n_svc) <
	        0) {
		free(v.blk);
		return -ENOMEM;
	}
	st->svc[st->n_svc++] = v;
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
