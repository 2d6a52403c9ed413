/*
 * cfg_set: decoded objects by kind; the manifest loader that fills it,
 * all or nothing; accessors for the speaker.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/dec.h"

static const char *const skipped_kinds[] = {
    "Namespace",
    "ConfigMap",
    "ServiceAccount",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "Deployment",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "Pod",
    "Endpoints",
    "NetworkPolicy",
    "CustomResourceDefinition",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    /* MetalLB's status kinds, written by MetalLB itself */
    "ServiceL2Status",
    "ServiceBGPStatus",
    "ConfigurationState",
    NULL,
};

/* Kinds whose objects have distinct names, and where a cfg_set keeps them. */
enum named {
	NAMED_PEER,
	NAMED_EIP,
	NAMED_SERVICE,
	NAMED_NODE,
	NAMED_SLICE,
	NAMED_SECRET,
	NAMED_BGP_ADV,
	NAMED_L2_ADV,
	NAMED_BFD,
	NAMED_COMMUNITY,
	NAMED_COUNT
};

#define NAMED(arr_, n_, type_)                                                                     \
	{                                                                                          \
		offsetof(struct cfg_set, arr_), offsetof(struct cfg_set, n_), sizeof(type_),       \
		    offsetof(type_, meta)                                                          \
	}

static const struct named_arr {
	size_t arr, n, size, meta; /* offsets in cfg_set, element size, offset of its meta */
} named_arrs[NAMED_COUNT] = {
    [NAMED_PEER] = NAMED(peers, n_peers, struct cfg_bgp_peer),
    [NAMED_EIP] = NAMED(eips, n_eips, struct cfg_eip),
    [NAMED_SERVICE] = NAMED(services, n_services, struct cfg_service),
    [NAMED_NODE] = NAMED(nodes, n_nodes, struct cfg_node),
    [NAMED_SLICE] = NAMED(slices, n_slices, struct cfg_endpoint_slice),
    [NAMED_SECRET] = NAMED(secrets, n_secrets, struct cfg_secret),
    [NAMED_BGP_ADV] = NAMED(bgp_advs, n_bgp_advs, struct cfg_mlb_bgp_adv),
    [NAMED_L2_ADV] = NAMED(l2_advs, n_l2_advs, struct cfg_mlb_l2_adv),
    [NAMED_BFD] = NAMED(bfds, n_bfds, struct cfg_mlb_bfd),
    [NAMED_COMMUNITY] = NAMED(communities, n_communities, struct cfg_mlb_community),
};

/* A hash of the names in a load and its base: a manifest of 45,000
 * Services compared each new one with all before it (10^9 strcmp). */
struct name_ent {
	size_t idx;
	uint32_t hash;
	uint8_t kind; /* enum named */
	bool used;
	bool in_base;
};

/* A linear scan below this many objects of a kind (cfg_set_add_json adds
 * one object to a small set at a time). */
#define NAME_INDEX_MIN 32

/* Objects of one load, with capacities, before they join the caller's set. */
struct builder {
	struct cfg_set s;
	const struct cfg_set *base; /* the caller's set, for duplicate checks */
	size_t caps[NAMED_COUNT];   /* of each named array (Services keep theirs in s) */
	size_t cap_ignored;
	const char *mlb_ns; /* the base's MetalLB namespace */
	struct cfg_error *err;
	struct name_ent *names; /* owned; NULL until a kind has NAME_INDEX_MIN objects */
	size_t cap_names, n_names;
};

/* How far the builder had got: what a List whose kind came too late undoes. */
struct mark {
	size_t n_peers, n_eips, n_services, n_nodes, n_slices, n_secrets, n_skipped;
	size_t n_bgp_advs, n_l2_advs, n_bfds, n_communities, n_ignored;
	bool bgp_conf;
};

void cfg_set_init(struct cfg_set *s)
{
	memset(s, 0, sizeof(*s));
	core_idx_init(&s->svc_ix);
}

void cfg_set_fini(struct cfg_set *s)
{
	if (s->bgp_conf) {
		cfg_bgp_conf_fini(s->bgp_conf);
		free(s->bgp_conf);
	}
	for (size_t i = 0; i < s->n_peers; i++)
		cfg_bgp_peer_fini(&s->peers[i]);
	free(s->peers);
	for (size_t i = 0; i < s->n_eips; i++)
		cfg_eip_fini(&s->eips[i]);
	free(s->eips);
	for (size_t i = 0; i < s->n_services; i++)
		cfg_service_fini(&s->services[i]);
	free(s->services);
	core_idx_fini(&s->svc_ix);
	for (size_t i = 0; i < s->n_nodes; i++)
		cfg_node_fini(&s->nodes[i]);
	free(s->nodes);
	for (size_t i = 0; i < s->n_slices; i++)
		cfg_endpoint_slice_fini(&s->slices[i]);
	free(s->slices);
	for (size_t i = 0; i < s->n_secrets; i++)
		cfg_secret_fini(&s->secrets[i]);
	free(s->secrets);
	for (size_t i = 0; i < s->n_bgp_advs; i++)
		cfg_mlb_bgp_adv_fini(&s->bgp_advs[i]);
	free(s->bgp_advs);
	for (size_t i = 0; i < s->n_l2_advs; i++)
		cfg_mlb_l2_adv_fini(&s->l2_advs[i]);
	free(s->l2_advs);
	for (size_t i = 0; i < s->n_bfds; i++)
		cfg_mlb_bfd_fini(&s->bfds[i]);
	free(s->bfds);
	for (size_t i = 0; i < s->n_communities; i++)
		cfg_mlb_community_fini(&s->communities[i]);
	free(s->communities);
	for (size_t i = 0; i < s->n_ignored; i++)
		cfg_mlb_ignored_fini(&s->ignored[i]);
	free(s->ignored);
	free(s->metallb_ns);
	cfg_set_init(s);
}

bool cfg_kind_is_skipped(const char *kind)
{
	for (const char *const *k = skipped_kinds; *k; k++)
		if (strcmp(*k, kind) == 0)
			return true;
	return false;
}

/* Makes room for one more element of size sz in *arr. */
static int reserve(void **arr, size_t n, size_t *cap, size_t sz)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 8;
	p = realloc(*arr, c * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

/* "source: Kind ns/name: path: reason" for rules that span objects. */
int cfg_obj_fail(struct cfg_error *err, const char *kind, const struct cfg_meta *m,
                 const char *path, const char *fmt, ...)
{
	const char *file = err->file;
	char label[CFG_ERR_MSG_MAX / 2];
	va_list ap;

	cfg_obj_label(label, sizeof(label), kind, m->ns, m->name);
	/* the source already says "file:line" */
	err->file = m->source;
	va_start(ap, fmt);
	cfg_err_vset(err, -EINVAL, 0, label, path, fmt, ap);
	va_end(ap);
	err->file = file;
	return -EINVAL;
}

const char *cfg_src_or(const struct cfg_meta *m)
{
	return m->source ? m->source : "an earlier object";
}

static bool same_name(const struct cfg_meta *a, const struct cfg_meta *b)
{
	return strcmp(a->name, b->name) == 0 && cfg_str_eq(a->ns, b->ns);
}

static size_t named_n(const struct cfg_set *s, enum named k)
{
	return s ? *(const size_t *)((const char *)s + named_arrs[k].n) : 0;
}

static const struct cfg_meta *named_meta(const struct cfg_set *s, enum named k, size_t i)
{
	const char *arr = *(const char *const *)((const char *)s + named_arrs[k].arr);

	return (const struct cfg_meta *)(arr + i * named_arrs[k].size + named_arrs[k].meta);
}

static uint32_t name_hash(enum named k, const struct cfg_meta *m)
{
	uint32_t h = 2166136261u ^ (uint32_t)k; /* FNV-1a */

	for (const char *p = m->ns ? m->ns : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ (m->ns ? '/' : 0xff)) * 16777619u;
	for (const char *p = m->name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

static const struct cfg_meta *name_meta(const struct builder *b, const struct name_ent *e)
{
	return named_meta(e->in_base ? b->base : &b->s, (enum named)e->kind, e->idx);
}

static void names_free(struct builder *b)
{
	free(b->names);
	b->names = NULL;
	b->cap_names = b->n_names = 0;
}

static void names_put(struct name_ent *ents, size_t cap, const struct name_ent *e)
{
	size_t i = e->hash & (cap - 1);

	while (ents[i].used)
		i = (i + 1) & (cap - 1);
	ents[i] = *e;
}

static int names_add(struct builder *b, enum named k, bool in_base, size_t idx)
{
	struct name_ent e = {.idx = idx, .kind = (uint8_t)k, .used = true, .in_base = in_base};

	if ((b->n_names + 1) * 2 > b->cap_names) {
		size_t cap = b->cap_names ? b->cap_names * 2 : 256;
		struct name_ent *ents = calloc(cap, sizeof(*ents));

		if (!ents)
			return -ENOMEM;
		for (size_t i = 0; i < b->cap_names; i++)
			if (b->names[i].used)
				names_put(ents, cap, &b->names[i]);
		free(b->names);
		b->names = ents;
		b->cap_names = cap;
	}
	e.hash = name_hash(k, name_meta(b, &e));
	names_put(b->names, b->cap_names, &e);
	b->n_names++;
	return 0;
}

/* Every object of the load and its base, of every kind. */
static int names_build(struct builder *b)
{
	for (int base = 0; base < 2; base++) {
		const struct cfg_set *s = base ? b->base : &b->s;

		for (enum named k = 0; k < NAMED_COUNT; k++)
			for (size_t i = 0; i < named_n(s, k); i++)
				if (names_add(b, k, base, i) < 0) {
					names_free(b);
					return -ENOMEM;
				}
	}
	return 0;
}

/* The object of kind k named like m in b's new set or its base, or NULL. */
static const struct cfg_meta *find_dup(struct builder *b, enum named k, const struct cfg_meta *m)
{
	if (!b->names && named_n(&b->s, k) + named_n(b->base, k) >= NAME_INDEX_MIN)
		(void)names_build(b); /* without memory for it: the scan below */
	if (b->names) {
		uint32_t h = name_hash(k, m);

		for (size_t i = h & (b->cap_names - 1); b->names[i].used;
		     i = (i + 1) & (b->cap_names - 1)) {
			const struct name_ent *e = &b->names[i];

			if (e->hash == h && e->kind == k && same_name(name_meta(b, e), m))
				return name_meta(b, e);
		}
		return NULL;
	}
	for (int base = 0; base < 2; base++) {
		const struct cfg_set *s = base ? b->base : &b->s;

		for (size_t i = 0; i < named_n(s, k); i++)
			if (same_name(named_meta(s, k, i), m))
				return named_meta(s, k, i);
	}
	return NULL;
}

/* The object just appended to b's set of kind k joins the index. */
static void names_note(struct builder *b, enum named k)
{
	if (b->names && names_add(b, k, false, named_n(&b->s, k) - 1) < 0)
		names_free(b); /* scans again */
}

static int dup_fail(struct builder *b, const char *kind, const struct cfg_meta *m,
                    const struct cfg_meta *other)
{
	return cfg_obj_fail(b->err, kind, m, NULL, "duplicate object (also defined at %s)",
	                    cfg_src_or(other));
}

static bool is_default_eip(const struct cfg_eip *e)
{
	const char *v = cfg_meta_annotation(&e->meta, CFG_ANN_DEFAULT_EIP);

	return e->api == CFG_API_OPENELB && v && strcmp(v, "true") == 0;
}

/* The field of e's range r, for a message: an Eip's spec.address, an
 * IPAddressPool's spec.addresses[i]. */
static const char *range_path(const struct cfg_eip *e, const struct cfg_range *r, char *buf,
                              size_t size)
{
	if (e->api == CFG_API_OPENELB)
		snprintf(buf, size, "spec.address");
	else
		snprintf(buf, size, "spec.addresses[%zu]", (size_t)(r - e->ranges));
	return buf;
}

/* OpenELB's Eip webhook (ValidateCreate) refuses overlaps and a second
 * default pool; MetalLB's config refuses a CIDR that overlaps another
 * pool's. One model, one rule: no address in two pools of either API.
 * berth allows one default pool per family, as its controller does
 * (controller/ipam_pool.c): a dual-stack cluster needs an IPv4 and an
 * IPv6 default, and a speaker that refused the second would leave the
 * addresses the controller hands out from it unanswered. Pools are named
 * by name alone (a Service's annotations, the pool berth writes on it):
 * an IPAddressPool and an Eip of one name would be one pool to them. */
static int eip_rules(struct builder *b, const void *obj)
{
	const struct cfg_eip *e = obj;
	const struct cfg_set *sets[2] = {&b->s, b->base};
	const struct cfg_range *re = NULL, *ro = NULL;
	char path[48], other[CFG_ERR_MSG_MAX / 4];

	for (int k = 0; k < 2; k++) {
		const struct cfg_set *s = sets[k];

		for (size_t i = 0; s && i < s->n_eips; i++) {
			const struct cfg_eip *o = &s->eips[i];

			cfg_obj_label(other, sizeof(other), cfg_eip_kind(o), o->meta.ns,
			              o->meta.name);
			if (cfg_eip_overlaps(e, o, &re, &ro))
				return cfg_obj_fail(b->err, cfg_eip_kind(e), &e->meta,
				                    range_path(e, re, path, sizeof(path)),
				                    "overlaps %s (%s) at %s", other, ro->text,
				                    cfg_src_or(&o->meta));
			if (e->api != o->api && strcmp(e->meta.name, o->meta.name) == 0)
				return cfg_obj_fail(
				    b->err, cfg_eip_kind(e), &e->meta, "metadata.name",
				    "%s at %s has this name: Services name pools by "
				    "name alone, whichever API they come from",
				    other, cfg_src_or(&o->meta));
			if (is_default_eip(e) && is_default_eip(o) &&
			    e->ranges[0].first.family == o->ranges[0].first.family)
				return cfg_obj_fail(
				    b->err, "Eip", &e->meta,
				    "metadata.annotations[\"" CFG_ANN_DEFAULT_EIP "\"]",
				    "Eip %s is already the default %s pool", o->meta.name,
				    e->ranges[0].first.family == AF_INET ? "IPv4" : "IPv6");
		}
	}
	return 0;
}

/* A BgpPeer and a BGPPeer of one name: routes (spec.bgp.peers, an
 * advertisement's peers) name peers by name alone. */
static int peer_rules(struct builder *b, const void *obj)
{
	const struct cfg_bgp_peer *p = obj;
	const struct cfg_set *sets[2] = {&b->s, b->base};
	char other[CFG_ERR_MSG_MAX / 4];

	for (int k = 0; k < 2; k++)
		for (size_t i = 0; sets[k] && i < sets[k]->n_peers; i++) {
			const struct cfg_bgp_peer *o = &sets[k]->peers[i];

			if (o->api == p->api || strcmp(o->meta.name, p->meta.name) != 0)
				continue;
			cfg_obj_label(other, sizeof(other),
			              o->api == CFG_API_METALLB ? "BGPPeer" : "BgpPeer", o->meta.ns,
			              o->meta.name);
			return cfg_obj_fail(
			    b->err, p->api == CFG_API_METALLB ? "BGPPeer" : "BgpPeer", &p->meta,
			    "metadata.name",
			    "%s at %s has this name: routes name peers by name alone, "
			    "whichever API they come from",
			    other, cfg_src_or(&o->meta));
		}
	return 0;
}

struct kind;

static int add_bgp_conf(struct builder *b, const json_t *obj, const struct kind *k)
{
	struct cfg_bgp_conf c;
	const struct cfg_bgp_conf *other =
	    b->s.bgp_conf ? b->s.bgp_conf : (b->base ? b->base->bgp_conf : NULL);
	int rc = cfg_bgp_conf_decode(obj, &c, b->err);

	(void)k;
	if (rc < 0)
		return rc;
	if (strcmp(c.meta.name, "default") != 0)
		rc = cfg_obj_fail(b->err, "BgpConf", &c.meta, "metadata.name",
		                  "must be \"default\" (OpenELB reads no other BgpConf)");
	else if (other)
		rc = dup_fail(b, "BgpConf", &c.meta, &other->meta);
	else if (!(b->s.bgp_conf = malloc(sizeof(c))))
		rc = -ENOMEM;
	if (rc < 0) {
		cfg_bgp_conf_fini(&c);
		return rc;
	}
	*b->s.bgp_conf = c;
	return 0;
}

/* ---- MetalLB's kinds ---- */

/* The namespace the object gives, "" when none. */
static const char *obj_ns(const json_t *obj)
{
	const char *ns = json_string_value(cfg_dec_get(cfg_dec_get(obj, "metadata"), "namespace"));

	return ns ? ns : "";
}

/* A MetalLB object without a namespace is in MetalLB's (see config.h). */
static int fix_ns(struct builder *b, struct cfg_meta *m)
{
	if (m->ns && strcmp(m->ns, b->mlb_ns) == 0)
		return 0;
	return cfg_meta_set_id(m, m->name, b->mlb_ns, m->uid);
}

static int put_ignored(struct builder *b, const char *kind, const char *api_version,
                       struct cfg_meta *m, char *note)
{
	struct cfg_mlb_ignored o = {
	    .kind = kind, .api_version = api_version, .meta = *m, .note = note};

	memset(m, 0, sizeof(*m));
	if (reserve((void **)&b->s.ignored, b->s.n_ignored, &b->cap_ignored, sizeof(o)) < 0) {
		cfg_mlb_ignored_fini(&o);
		return -ENOMEM;
	}
	b->s.ignored[b->s.n_ignored++] = o;
	return 0;
}

/* An object of a MetalLB kind in another namespace: its metadata only. */
static int add_elsewhere(struct builder *b, const json_t *obj, const char *kind,
                         const char *api_version)
{
	struct cfg_meta m = {0};
	struct cfg_dec d;
	char *note = NULL;
	int rc;

	cfg_dec_init(&d, b->err, kind, false);
	if ((rc = cfg_dec_meta(&d, obj, true, &m)) < 0) {
		cfg_meta_fini(&m);
		return rc;
	}
	if (cfg_note_add(&note,
	                 "ignored: not in MetalLB's namespace %s, the only one MetalLB "
	                 "(and berth) reads its objects from",
	                 b->mlb_ns) < 0) {
		cfg_meta_fini(&m);
		return -ENOMEM;
	}
	return put_ignored(b, kind, api_version, &m, note);
}

/* ---- The kinds table ---- */

/* The void * faces of a kind's decoder and fini, as the kinds table calls them. */
#define KIND_OPS(name_, decode_, fini_)                                                            \
	static int name_##_decode(const json_t *obj, void *out, struct cfg_error *err)             \
	{                                                                                          \
		return decode_(obj, out, err);                                                     \
	}                                                                                          \
	static void name_##_fini(void *obj)                                                        \
	{                                                                                          \
		fini_(obj);                                                                        \
	}

KIND_OPS(peer, cfg_bgp_peer_decode, cfg_bgp_peer_fini)
KIND_OPS(eip, cfg_eip_decode, cfg_eip_fini)
KIND_OPS(pool, cfg_ip_address_pool_decode, cfg_eip_fini)
KIND_OPS(node, cfg_node_decode, cfg_node_fini)
KIND_OPS(slice, cfg_endpoint_slice_decode, cfg_endpoint_slice_fini)
KIND_OPS(secret, cfg_secret_decode, cfg_secret_fini)
KIND_OPS(bgp_adv, cfg_bgp_adv_decode, cfg_mlb_bgp_adv_fini)
KIND_OPS(l2_adv, cfg_l2_adv_decode, cfg_mlb_l2_adv_fini)
KIND_OPS(bfd, cfg_bfd_profile_decode, cfg_mlb_bfd_fini)
KIND_OPS(community, cfg_mlb_community_decode, cfg_mlb_community_fini)

/* A kind a load reads, and how an object of it joins the load. */
struct kind {
	const char *kind;
	const char *api_version; /* MetalLB's kinds: what one elsewhere is reported under */
	/* its own way in, or NULL: add_named, by the fields below */
	int (*add)(struct builder *b, const json_t *obj, const struct kind *k);
	enum named named; /* the array it joins */
	int (*decode)(const json_t *obj, void *out, struct cfg_error *err);
	void (*fini)(void *obj);
	int (*rules)(struct builder *b, const void *obj); /* across objects; NULL: none */
};

/* Room for a decoded object of any kind the kinds table decodes. */
union named_obj {
	struct cfg_bgp_peer peer;
	struct cfg_eip eip;
	struct cfg_node node;
	struct cfg_endpoint_slice slice;
	struct cfg_secret secret;
	struct cfg_mlb_bgp_adv bgp_adv;
	struct cfg_mlb_l2_adv l2_adv;
	struct cfg_mlb_bfd bfd;
	struct cfg_mlb_community community;
};

/* Appends *obj, of kind k, to b's set, or frees it (k->fini) and fails. */
static int put_named(struct builder *b, const struct kind *k, void *obj)
{
	const struct named_arr *na = &named_arrs[k->named];
	struct cfg_meta *m = (struct cfg_meta *)((char *)obj + na->meta);
	const struct cfg_meta *dup = find_dup(b, k->named, m);
	void **arr = (void **)((char *)&b->s + na->arr);
	size_t *n = (size_t *)((char *)&b->s + na->n);
	int rc = dup ? dup_fail(b, k->kind, m, dup) : k->rules ? k->rules(b, obj) : 0;

	if (rc == 0)
		rc = reserve(arr, *n, &b->caps[k->named], na->size);
	if (rc < 0) {
		k->fini(obj);
		return rc;
	}
	memcpy((char *)*arr + *n * na->size, obj, na->size);
	(*n)++;
	names_note(b, k->named);
	return 0;
}

/* An object of a kind kept by name alone; MetalLB's in MetalLB's namespace. */
static int add_named(struct builder *b, const json_t *obj, const struct kind *k)
{
	union named_obj x;
	int rc = k->decode(obj, &x, b->err);

	if (rc < 0)
		return rc;
	if (k->api_version &&
	    fix_ns(b, (struct cfg_meta *)((char *)&x + named_arrs[k->named].meta)) < 0) {
		k->fini(&x);
		return -ENOMEM;
	}
	return put_named(b, k, &x);
}

static int add_mlb_peer(struct builder *b, const json_t *obj, const struct kind *k)
{
	struct cfg_bgp_peer p;
	const char *apiv = json_string_value(cfg_dec_get(obj, "apiVersion"));
	int rc = cfg_metallb_peer_decode(obj, &p, b->err);

	if (rc < 0)
		return rc;
	if (fix_ns(b, &p.meta) < 0) {
		cfg_bgp_peer_fini(&p);
		return -ENOMEM;
	}
	if (rc == 1) {
		/* decoded, checked, and not peered with: said in its note */
		char *note = p.note;

		p.note = NULL;
		rc = put_ignored(b, "BGPPeer",
		                 apiv && !strcmp(apiv, CFG_METALLB_V1BETA1) ? CFG_METALLB_V1BETA1
		                                                            : CFG_METALLB_V1BETA2,
		                 &p.meta, note);
		cfg_bgp_peer_fini(&p);
		return rc;
	}
	return put_named(b, k, &p);
}

static int add_service(struct builder *b, const json_t *obj, const struct kind *k)
{
	struct cfg_service s;
	const struct cfg_service *dup;
	int rc = cfg_service_decode(obj, &s, b->err);

	(void)k;
	if (rc < 0)
		return rc;
	dup = cfg_set_service(&b->s, s.meta.ns, s.meta.name);
	if (!dup && b->base)
		dup = cfg_set_service(b->base, s.meta.ns, s.meta.name);
	if (dup)
		rc = dup_fail(b, "Service", &s.meta, &dup->meta);
	else
		rc = cfg_set_service_put(&b->s, &s);
	cfg_service_fini(&s); /* emptied by the put */
	return rc;
}

/* Every kind a load reads. Those kept by name alone are decoded (a decoder
 * cleans up after itself on failure) and appended to their array after the
 * duplicate check and their rules. MetalLB's (api_version set) are read in
 * MetalLB's namespace only. */
static const struct kind kinds[] = {
#define BY_NAME(named_, ops_, rules_)                                                              \
	.named = (named_), .decode = ops_##_decode, .fini = ops_##_fini, .rules = (rules_)
    {"BgpConf", NULL, .add = add_bgp_conf},
    {"BgpPeer", NULL, BY_NAME(NAMED_PEER, peer, peer_rules)},
    {"Eip", NULL, BY_NAME(NAMED_EIP, eip, eip_rules)},
    {"Service", NULL, .add = add_service},
    {"Node", NULL, BY_NAME(NAMED_NODE, node, NULL)},
    {"EndpointSlice", NULL, BY_NAME(NAMED_SLICE, slice, NULL)},
    {"Secret", NULL, BY_NAME(NAMED_SECRET, secret, NULL)},
    {"IPAddressPool", CFG_METALLB_V1BETA1, BY_NAME(NAMED_EIP, pool, eip_rules)},
    {"BGPPeer", CFG_METALLB_V1BETA2, add_mlb_peer, NAMED_PEER, .fini = peer_fini,
     .rules = peer_rules},
    {"BGPAdvertisement", CFG_METALLB_V1BETA1, BY_NAME(NAMED_BGP_ADV, bgp_adv, NULL)},
    {"L2Advertisement", CFG_METALLB_V1BETA1, BY_NAME(NAMED_L2_ADV, l2_adv, NULL)},
    {"BFDProfile", CFG_METALLB_V1BETA1, BY_NAME(NAMED_BFD, bfd, NULL)},
    {"Community", CFG_METALLB_V1BETA1, BY_NAME(NAMED_COMMUNITY, community, NULL)},
#undef BY_NAME
};

static int add_kind(struct builder *b, const json_t *obj, const struct kind *k)
{
	const char *ns = obj_ns(obj);

	if (k->api_version && *ns && strcmp(ns, b->mlb_ns) != 0)
		return add_elsewhere(b, obj, k->kind, k->api_version);
	return k->add ? k->add(b, obj, k) : add_named(b, obj, k);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls > lx && strcmp(s + ls - lx, suffix) == 0;
}

static bool is_list_kind(const char *kind)
{
	return strcmp(kind, "List") == 0 || ends_with(kind, "List");
}

/* What the items of a List of kind are when they have no kind of their
 * own: "Service" in a "ServiceList", nothing ("") in a "List". */
static void list_item_kind(const char *kind, char *buf, size_t size)
{
	if (strcmp(kind, "List") == 0)
		snprintf(buf, size, "%s", "");
	else
		snprintf(buf, size, "%.*s", (int)(strlen(kind) - 4), kind);
}

static void builder_mark(const struct builder *b, struct mark *m)
{
	*m = (struct mark){
	    .n_peers = b->s.n_peers,
	    .n_eips = b->s.n_eips,
	    .n_services = b->s.n_services,
	    .n_nodes = b->s.n_nodes,
	    .n_slices = b->s.n_slices,
	    .n_secrets = b->s.n_secrets,
	    .n_bgp_advs = b->s.n_bgp_advs,
	    .n_l2_advs = b->s.n_l2_advs,
	    .n_bfds = b->s.n_bfds,
	    .n_communities = b->s.n_communities,
	    .n_ignored = b->s.n_ignored,
	    .n_skipped = b->s.n_skipped,
	    .bgp_conf = b->s.bgp_conf != NULL,
	};
}

#define TRUNCATE(b, arr, n, fini, to)                                                              \
	do {                                                                                       \
		while ((b)->s.n > (to))                                                            \
			fini(&(b)->s.arr[--(b)->s.n]);                                             \
	} while (0)

static uint32_t svc_hash(const struct cfg_service *v);

/* Frees what was added since m. */
static void builder_rollback(struct builder *b, const struct mark *m)
{
	TRUNCATE(b, peers, n_peers, cfg_bgp_peer_fini, m->n_peers);
	TRUNCATE(b, eips, n_eips, cfg_eip_fini, m->n_eips);
	/* Services leave their index too: a stale entry would point a later
	 * lookup at a freed Service. */
	while (b->s.n_services > m->n_services) {
		size_t last = b->s.n_services - 1;

		core_idx_remove(&b->s.svc_ix, svc_hash(&b->s.services[last]), (uint32_t)last);
		cfg_service_fini(&b->s.services[--b->s.n_services]);
	}
	TRUNCATE(b, nodes, n_nodes, cfg_node_fini, m->n_nodes);
	TRUNCATE(b, slices, n_slices, cfg_endpoint_slice_fini, m->n_slices);
	TRUNCATE(b, secrets, n_secrets, cfg_secret_fini, m->n_secrets);
	TRUNCATE(b, bgp_advs, n_bgp_advs, cfg_mlb_bgp_adv_fini, m->n_bgp_advs);
	TRUNCATE(b, l2_advs, n_l2_advs, cfg_mlb_l2_adv_fini, m->n_l2_advs);
	TRUNCATE(b, bfds, n_bfds, cfg_mlb_bfd_fini, m->n_bfds);
	TRUNCATE(b, communities, n_communities, cfg_mlb_community_fini, m->n_communities);
	TRUNCATE(b, ignored, n_ignored, cfg_mlb_ignored_fini, m->n_ignored);
	if (!m->bgp_conf && b->s.bgp_conf) {
		cfg_bgp_conf_fini(b->s.bgp_conf);
		free(b->s.bgp_conf);
		b->s.bgp_conf = NULL;
	}
	b->s.n_skipped = m->n_skipped;
	names_free(b); /* built again when needed */
}

static int add_object(struct builder *b, const json_t *obj, const char *list_kind, int depth);

/* v1 List, or <Kind>List as the API server returns it (items without kind). */
static int add_list(struct builder *b, const json_t *obj, const char *kind, int depth)
{
	char item_kind[128] = "";
	const json_t *items;
	struct cfg_dec d;
	size_t i;
	json_t *item;

	cfg_dec_init(&d, b->err, NULL, false);
	if (depth > 0)
		return cfg_dec_fail_here(&d, obj, "lists inside lists are not supported");
	list_item_kind(kind, item_kind, sizeof(item_kind));
	items = cfg_dec_get(obj, "items");
	if (items && !json_is_array(items))
		return cfg_dec_fail_at(&d, obj, "items", "must be a list");
	json_array_foreach(items, i, item)
	{
		int rc = add_object(b, item, *item_kind ? item_kind : NULL, depth + 1);

		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_object(struct builder *b, const json_t *obj, const char *list_kind, int depth)
{
	const json_t *k;
	const char *kind;
	struct cfg_dec d;

	cfg_dec_init(&d, b->err, NULL, false);
	if (!json_is_object(obj))
		return cfg_dec_fail_here(&d, obj, "must be a mapping (a Kubernetes object)");
	k = cfg_dec_get(obj, "kind");
	if (k && !json_is_string(k))
		return cfg_dec_fail_at(&d, obj, "kind", "must be a string");
	kind = k ? json_string_value(k) : list_kind;
	if (!kind || !*kind)
		return cfg_dec_fail_at(&d, obj, "kind", "required");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i].kind) == 0)
			return add_kind(b, obj, &kinds[i]);
	if (is_list_kind(kind))
		return add_list(b, obj, kind, depth);
	if (cfg_kind_is_skipped(kind)) {
		b->s.n_skipped++;
		return 0;
	}
	return cfg_dec_fail_at(&d, obj, "kind", "\"%s\" is not supported", kind);
}

/* Moves everything in b into *set, or fails (-ENOMEM) leaving *set as it was.
 * Into an empty set the array itself moves (cut to size): no second copy of
 * a large load at once. */
#define GROW(set, b, arr, n)                                                                       \
	do {                                                                                       \
		if ((b)->s.n && (set)->n) {                                                        \
			void *p_ =                                                                 \
			    realloc((set)->arr, ((set)->n + (b)->s.n) * sizeof(*(set)->arr));      \
			if (!p_)                                                                   \
				return -ENOMEM;                                                    \
			(set)->arr = p_;                                                           \
		}                                                                                  \
	} while (0)

#define MOVE(set, b, arr, n)                                                                       \
	do {                                                                                       \
		if (!(set)->n && (b)->s.n) {                                                       \
			void *p_ = realloc((b)->s.arr, (b)->s.n * sizeof(*(set)->arr));            \
			free((set)->arr);                                                          \
			(set)->arr = p_ ? p_ : (b)->s.arr;                                         \
		} else if ((b)->s.n) {                                                             \
			memcpy((set)->arr + (set)->n, (b)->s.arr, (b)->s.n * sizeof(*(set)->arr)); \
			free((b)->s.arr);                                                          \
		} else {                                                                           \
			free((b)->s.arr);                                                          \
		}                                                                                  \
		(set)->n += (b)->s.n;                                                              \
		(b)->s.arr = NULL;                                                                 \
		(b)->s.n = 0;                                                                      \
	} while (0)

static int svc_reserve(struct cfg_set *s, size_t n);
static int svc_index(struct core_idx *ix, const struct cfg_service *v, size_t n, size_t at);

static int commit(struct builder *b, struct cfg_set *set)
{
	struct core_idx ix;

	/* every allocation first: past this point nothing can fail */
	GROW(set, b, peers, n_peers);
	GROW(set, b, eips, n_eips);
	GROW(set, b, nodes, n_nodes);
	GROW(set, b, slices, n_slices);
	GROW(set, b, secrets, n_secrets);
	GROW(set, b, bgp_advs, n_bgp_advs);
	GROW(set, b, l2_advs, n_l2_advs);
	GROW(set, b, bfds, n_bfds);
	GROW(set, b, communities, n_communities);
	GROW(set, b, ignored, n_ignored);
	/* the Services' index is built whole, for set's and b's together */
	core_idx_init(&ix);
	if (b->s.n_services &&
	    ((set->n_services && svc_reserve(set, set->n_services + b->s.n_services) < 0) ||
	     svc_index(&ix, set->services, set->n_services, 0) < 0 ||
	     svc_index(&ix, b->s.services, b->s.n_services, set->n_services) < 0)) {
		core_idx_fini(&ix);
		return -ENOMEM;
	}
	MOVE(set, b, peers, n_peers);
	MOVE(set, b, eips, n_eips);
	if (b->s.n_services) {
		core_idx_fini(&set->svc_ix);
		set->svc_ix = ix;
	}
	/* Services keep their room (cap_services) for cfg_set_service_put:
	 * into an empty set the builder's array moves with its room. */
	if (!set->n_services && b->s.n_services) {
		free(set->services);
		set->services = b->s.services;
		set->cap_services = b->s.cap_services;
		set->n_services = b->s.n_services;
		b->s.services = NULL;
		b->s.n_services = b->s.cap_services = 0;
	}
	if (b->s.n_services) {
		memcpy(set->services + set->n_services, b->s.services,
		       b->s.n_services * sizeof(*set->services));
		set->n_services += b->s.n_services;
	}
	free(b->s.services);
	b->s.services = NULL;
	b->s.n_services = 0;
	MOVE(set, b, nodes, n_nodes);
	MOVE(set, b, slices, n_slices);
	MOVE(set, b, secrets, n_secrets);
	MOVE(set, b, bgp_advs, n_bgp_advs);
	MOVE(set, b, l2_advs, n_l2_advs);
	MOVE(set, b, bfds, n_bfds);
	MOVE(set, b, communities, n_communities);
	MOVE(set, b, ignored, n_ignored);
	if (b->s.bgp_conf) {
		set->bgp_conf = b->s.bgp_conf;
		b->s.bgp_conf = NULL;
	}
	set->n_skipped += b->s.n_skipped;
	return 0;
}

static int finish(struct builder *b, struct cfg_set *set, int rc)
{
	if (rc == 0)
		rc = commit(b, set);
	if (rc == -ENOMEM)
		cfg_err_set(b->err, rc, 0, NULL, NULL, "out of memory");
	cfg_set_fini(&b->s);
	names_free(b);
	return rc;
}

int cfg_set_add_json(struct cfg_set *set, const json_t *obj, struct cfg_error *err)
{
	struct builder b = {.base = set, .err = err, .mlb_ns = cfg_metallb_ns(set)};

	return finish(&b, set, add_object(&b, obj, NULL, 0));
}

/*
 * A List's items come one by one (cfg_yaml_unit), often before the List's
 * own kind: kubectl writes keys in order, "items" before "kind". An item
 * with a kind is decoded at once, provisionally until the document ends:
 * if it is no List after all, what its items added is undone (as if they
 * had never been read, which is what the whole document means then). An
 * item without a kind, under a List without one so far, stays in the
 * document and is decoded with it.
 */
struct loader {
	struct builder *b;
	bool provisional; /* items were decoded before the List's kind was known */
	struct mark mark; /* the builder before them */
	int stash_rc;     /* the first of them that failed, reported if it is a List */
	struct cfg_error stash;
};

static int load_item(struct loader *l, const struct cfg_yaml_unit *u, bool *keep)
{
	const json_t *lk = cfg_dec_get(u->list, "kind");
	char item_kind[128] = "";
	int rc;

	*keep = false;
	if (lk) {
		const char *kind = json_string_value(lk);

		/* not a List: the document decides, as a whole */
		if (!kind || !is_list_kind(kind)) {
			*keep = true;
			return 0;
		}
		list_item_kind(kind, item_kind, sizeof(item_kind));
		return add_object(l->b, u->root, *item_kind ? item_kind : NULL, 1);
	}
	if (!cfg_dec_get(u->root, "kind")) {
		*keep = true; /* its kind may come from the List's */
		return 0;
	}
	if (!l->provisional) {
		builder_mark(l->b, &l->mark);
		l->provisional = true;
	}
	if (l->stash_rc)
		return 0;
	rc = add_object(l->b, u->root, NULL, 1);
	if (rc < 0) {
		l->stash_rc = rc;
		l->stash = *l->b->err;
	}
	return 0;
}

static int load_doc(struct loader *l, const json_t *root)
{
	const char *kind = json_string_value(cfg_dec_get(root, "kind"));
	int rc = 0, stash_rc = l->stash_rc;

	if (l->provisional && !(kind && is_list_kind(kind))) {
		builder_rollback(l->b, &l->mark);
		stash_rc = 0;
	}
	l->provisional = false;
	l->stash_rc = 0;
	/* empty documents ("---" alone, comments only) hold nothing */
	if (!json_is_null(root))
		rc = add_object(l->b, root, NULL, 0);
	if (rc == 0 && stash_rc) {
		/* the List's first item that failed, of those decoded early */
		rc = stash_rc;
		*l->b->err = l->stash;
		l->b->err->lines = NULL; /* went with its item */
	}
	return rc;
}

int cfg_manifest_load_stream(const char *name, const struct cfg_yaml_input *in, struct cfg_set *set,
                             struct cfg_error *err)
{
	struct builder b = {.base = set, .err = err, .mlb_ns = cfg_metallb_ns(set)};
	struct loader l = {.b = &b};
	struct cfg_yaml_stream *ys;
	struct cfg_yaml_unit u;
	bool keep = false;
	int rc;

	cfg_error_init(err, name, NULL);
	rc = cfg_yaml_stream_new(in, err, &ys);
	if (rc < 0)
		return rc;
	/* one document (or List item) at a time: its tree goes before the next */
	while ((rc = cfg_yaml_stream_next(ys, keep, &u)) > 0) {
		err->lines = u.lines;
		rc = u.list ? load_item(&l, &u, &keep) : load_doc(&l, u.root);
		if (rc < 0)
			break;
	}
	rc = finish(&b, set, rc);
	err->lines = NULL; /* they die with the stream */
	cfg_yaml_stream_free(ys);
	return rc;
}

int cfg_manifest_load_buf(const char *name, const char *buf, size_t len, struct cfg_set *set,
                          struct cfg_error *err)
{
	const struct cfg_yaml_input in = {.buf = buf, .len = len, .items = true};

	return cfg_manifest_load_stream(name, &in, set, err);
}

struct file_input {
	int fd;
	uint64_t size; /* what fstat said */
	uint64_t got;
};

static int file_read(void *arg, unsigned char *buf, size_t size, size_t *got, struct cfg_error *err)
{
	struct file_input *f = arg;
	ssize_t n;

	do
		n = read(f->fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;

		return cfg_err_set(err, -e, 0, NULL, NULL, "%s", strerror(e));
	}
	f->got += (uint64_t)n;
	if (f->got > f->size)
		return cfg_err_set(err, -EAGAIN, 0, NULL, NULL, "file changed while being read");
	*got = (size_t)n;
	return 0;
}

int cfg_manifest_load(const char *path, struct cfg_set *set, struct cfg_error *err)
{
	struct file_input f = {.fd = -1};
	const struct cfg_yaml_input in = {.read = file_read, .arg = &f, .items = true};
	struct stat st;
	int rc;

	cfg_error_init(err, path, NULL);
	f.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f.fd < 0 || fstat(f.fd, &st) < 0) {
		rc = -errno;
		cfg_err_set(err, rc, 0, NULL, NULL, "%s", strerror(-rc));
	} else if (!S_ISREG(st.st_mode)) {
		rc = cfg_err_set(err, -EINVAL, 0, NULL, NULL, "not a regular file");
	} else if ((uint64_t)st.st_size > CFG_YAML_MAX_BYTES) {
		/* refused before a byte is read; one that grows is refused while read */
		rc = cfg_err_set(err, -E2BIG, 0, NULL, NULL,
		                 "%ju bytes, larger than the limit of %u bytes",
		                 (uintmax_t)st.st_size, CFG_YAML_MAX_BYTES);
	} else {
		f.size = (uint64_t)st.st_size;
		rc = cfg_manifest_load_stream(path, &in, set, err);
	}
	if (f.fd >= 0)
		close(f.fd);
	return rc;
}

int cfg_set_validate(const struct cfg_set *s, struct cfg_error *err)
{
	for (size_t i = 0; i < s->n_eips; i++) {
		const struct cfg_eip *e = &s->eips[i];

		/* an Eip's spec.bgp; MetalLB's advertisements are checked below */
		if (e->api != CFG_API_OPENELB || !e->n_bgp)
			continue;
		for (size_t k = 0; k < e->bgp[0].n_peers; k++) {
			char path[64];

			if (cfg_set_peer(s, e->bgp[0].peers[k]))
				continue;
			snprintf(path, sizeof(path), "spec.bgp.peers[%zu]", k);
			return cfg_obj_fail(err, "Eip", &e->meta, path, "no BgpPeer \"%s\"",
			                    e->bgp[0].peers[k]);
		}
	}
	return cfg_metallb_validate(s, err);
}

int cfg_manifest_load_files(const char *const *paths, size_t n_paths, struct cfg_set *set,
                            struct cfg_error *err)
{
	struct cfg_set fresh;
	int rc = 0;

	cfg_set_init(&fresh);
	if (set->metallb_ns)
		rc = cfg_set_metallb_ns(&fresh, set->metallb_ns);
	for (size_t i = 0; rc == 0 && i < n_paths; i++)
		rc = cfg_manifest_load(paths[i], &fresh, err);
	if (rc == 0) {
		/* the files' objects are all in: what refers across them holds */
		cfg_error_init(err, NULL, NULL);
		rc = cfg_set_validate(&fresh, err);
	}
	/* MetalLB's objects onto the pools and peers the speaker reads */
	if (rc == 0 && (rc = cfg_set_resolve(&fresh)) < 0)
		cfg_err_set(err, rc, 0, NULL, NULL, "out of memory");
	if (rc < 0) {
		cfg_set_fini(&fresh);
		return rc;
	}
	cfg_set_fini(set);
	*set = fresh;
	return 0;
}

/* ---- Accessors ---- */

const struct cfg_node *cfg_set_node(const struct cfg_set *s, const char *name)
{
	for (size_t i = 0; i < s->n_nodes; i++)
		if (strcmp(s->nodes[i].meta.name, name) == 0)
			return &s->nodes[i];
	return NULL;
}

const struct cfg_bgp_peer *cfg_set_peer(const struct cfg_set *s, const char *name)
{
	for (size_t i = 0; i < s->n_peers; i++)
		if (strcmp(s->peers[i].meta.name, name) == 0)
			return &s->peers[i];
	return NULL;
}

const struct cfg_eip *cfg_set_eip(const struct cfg_set *s, const char *name)
{
	for (size_t i = 0; i < s->n_eips; i++)
		if (strcmp(s->eips[i].meta.name, name) == 0)
			return &s->eips[i];
	return NULL;
}

const struct cfg_secret *cfg_set_secret(const struct cfg_set *s, const char *ns, const char *name)
{
	for (size_t i = 0; i < s->n_secrets; i++)
		if (!strcmp(s->secrets[i].meta.name, name) &&
		    !strcmp(s->secrets[i].meta.ns, ns ? ns : "default"))
			return &s->secrets[i];
	return NULL;
}

/* ---- Services: a dense array, indexed by (namespace, name) ---- */

struct svc_key {
	const struct cfg_service *v;
	const char *ns, *name;
};

static const char *ns_or_default(const char *ns)
{
	return ns ? ns : "default";
}

static uint32_t svc_hash(const struct cfg_service *v)
{
	return core_idx_hash2(ns_or_default(v->meta.ns), v->meta.name);
}

static int svc_eq(const void *ctx, uint32_t pos)
{
	const struct svc_key *k = ctx;
	const struct cfg_meta *m = &k->v[pos].meta;

	return !strcmp(m->name, k->name) && !strcmp(ns_or_default(m->ns), k->ns);
}

static int64_t svc_find(const struct cfg_set *s, const char *ns, const char *name)
{
	struct svc_key k = {s->services, ns_or_default(ns), name};

	return name ? core_idx_find(&s->svc_ix, core_idx_hash2(k.ns, name), svc_eq, &k) : -1;
}

/* Room for n Services: 1.5 times what was there (10,000 Services are the
 * bulk of a speaker's memory), or n when that is more. */
static int svc_reserve(struct cfg_set *s, size_t n)
{
	size_t cap = s->cap_services + s->cap_services / 2;
	struct cfg_service *v;

	if (n <= s->cap_services)
		return 0;
	if (cap < n)
		cap = n < 8 ? 8 : n;
	if (!(v = reallocarray(s->services, cap, sizeof(*v))))
		return -ENOMEM;
	s->services = v;
	s->cap_services = cap;
	return 0;
}

/* Records the n Services of v at positions at, at + 1... in ix. */
static int svc_index(struct core_idx *ix, const struct cfg_service *v, size_t n, size_t at)
{
	for (size_t i = 0; i < n; i++)
		if (core_idx_insert(ix, svc_hash(&v[i]), (uint32_t)(at + i)) < 0)
			return -ENOMEM;
	return 0;
}

const struct cfg_service *cfg_set_service(const struct cfg_set *s, const char *ns, const char *name)
{
	int64_t i = svc_find(s, ns, name);

	return i < 0 ? NULL : &s->services[i];
}

int cfg_set_service_put(struct cfg_set *s, struct cfg_service *svc)
{
	int64_t i = svc_find(s, svc->meta.ns, svc->meta.name);

	if (!svc->meta.name)
		return -EINVAL;
	if (i >= 0) {
		cfg_service_fini(&s->services[i]);
		s->services[i] = *svc;
	} else if (svc_reserve(s, s->n_services + 1) < 0 ||
	           core_idx_insert(&s->svc_ix, svc_hash(svc), (uint32_t)s->n_services) < 0) {
		return -ENOMEM;
	} else {
		s->services[s->n_services++] = *svc;
	}
	memset(svc, 0, sizeof(*svc));
	return 0;
}

int cfg_set_service_del(struct cfg_set *s, const char *ns, const char *name)
{
	int64_t i = svc_find(s, ns, name);
	size_t last = s->n_services - 1;

	if (i < 0)
		return 0;
	core_idx_remove(&s->svc_ix, svc_hash(&s->services[i]), (uint32_t)i);
	cfg_service_fini(&s->services[i]);
	if ((size_t)i != last) {
		core_idx_move(&s->svc_ix, svc_hash(&s->services[last]), (uint32_t)last,
		              (uint32_t)i);
		s->services[i] = s->services[last];
	}
	s->n_services--;
	return 1;
}

const struct cfg_bgp_peer *cfg_set_next_peer(const struct cfg_set *s,
                                             const struct cfg_map *node_labels, size_t *it)
{
	while (*it < s->n_peers) {
		const struct cfg_bgp_peer *p = &s->peers[(*it)++];

		if (cfg_selectors_match(p->node_selectors, p->n_node_selectors, node_labels))
			return p;
	}
	return NULL;
}

bool cfg_set_next_lb_addr(const struct cfg_set *s, struct cfg_lb_iter *it,
                          const struct cfg_service **svc, const struct core_addr **addr)
{
	for (; it->svc < s->n_services; it->svc++, it->ip = 0) {
		const struct cfg_service *v = &s->services[it->svc];

		if (v->type != CFG_SVC_LOAD_BALANCER || it->ip >= v->n_ingress)
			continue;
		*svc = v;
		*addr = &v->ingress[it->ip++];
		return true;
	}
	return false;
}
