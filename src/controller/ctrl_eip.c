/*
 * Eips as allocator pools, and the Eip status berth writes (OpenELB's
 * EipStatus, api/v1alpha2/eip_types.go).
 */
#include "controller/ctrl_int.h"
#include "core/hash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define EV_EIP(c, e, warn, reason, ...)                                                            \
	lb_queue_event(c, lb_eip_kind(e), (e)->ns, (e)->name, (e)->uid, warn, reason, __VA_ARGS__)

void lb_eip_status_fini(struct cfg_eip_status *s)
{
	cfg_map_fini(&s->used);
	free(s->first_ip);
	free(s->last_ip);
	memset(s, 0, sizeof(*s));
}

int lb_eip_status_copy(struct cfg_eip_status *dst, const struct cfg_eip_status *src)
{
	int err = 0;

	*dst = *src;
	dst->first_ip = dst->last_ip = NULL;
	if ((err = lb_map_copy(&dst->used, &src->used)) < 0) {
		memset(dst, 0, sizeof(*dst));
		return err;
	}
	dst->first_ip = lb_strdup(src->first_ip, &err);
	dst->last_ip = lb_strdup(src->last_ip, &err);
	if (err)
		lb_eip_status_fini(dst);
	return err;
}

static bool str_eq(const char *a, const char *b)
{
	/* An absent string and an empty one read the same in the API. */
	return strcmp(a ? a : "", b ? b : "") == 0;
}

bool lb_eip_status_equal(const struct cfg_eip_status *a, const struct cfg_eip_status *b)
{
	return a->occupied == b->occupied && a->usage == b->usage && a->pool_size == b->pool_size &&
	       a->ready == b->ready && a->v4 == b->v4 && str_eq(a->first_ip, b->first_ip) &&
	       str_eq(a->last_ip, b->last_ip) && lb_cfg_map_equal(&a->used, &b->used);
}

uint64_t lb_eip_status_hash(const struct cfg_eip_status *s)
{
	uint64_t h = CORE_FNV_INIT;
	uint8_t flags = (uint8_t)(s->occupied | s->ready << 1 | s->v4 << 2);

	h = core_fnv(h, &flags, sizeof(flags));
	h = core_fnv(h, &s->usage, sizeof(s->usage));
	h = core_fnv(h, &s->pool_size, sizeof(s->pool_size));
	h = core_fnv_str(h, s->first_ip);
	h = core_fnv_str(h, s->last_ip);
	/* lb_eip_status lists used in address order: the same map hashes
	 * the same. */
	for (size_t i = 0; i < s->used.n; i++) {
		h = core_fnv_str(h, s->used.items[i].key);
		h = core_fnv_str(h, s->used.items[i].value);
	}
	return h;
}

static int cmp_kvp(const void *a, const void *b)
{
	return strcmp((*(const struct cfg_kv *const *)a)->key,
	              (*(const struct cfg_kv *const *)b)->key);
}

/* Pointers to m's items, sorted by key (caller frees); NULL and *n 0 when m is empty. */
static int sorted_kv(const struct cfg_map *m, const struct cfg_kv ***out)
{
	*out = NULL;
	if (!m->n)
		return 0;
	if (!(*out = malloc(m->n * sizeof(**out))))
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++)
		(*out)[i] = &m->items[i];
	qsort(*out, m->n, sizeof(**out), cmp_kvp);
	return 0;
}

int lb_used_diff(const struct cfg_map *want, const struct cfg_map *seen, size_t **set,
                 size_t *n_set, char ***gone, size_t *n_gone)
{
	const struct cfg_kv **w = NULL, **s = NULL;
	size_t i = 0, j = 0;
	int err;

	*set = NULL;
	*gone = NULL;
	*n_set = *n_gone = 0;
	if ((err = sorted_kv(want, &w)) < 0 || (err = sorted_kv(seen, &s)) < 0)
		goto out;
	if ((want->n && !(*set = malloc(want->n * sizeof(**set)))) ||
	    (seen->n && !(*gone = calloc(seen->n, sizeof(**gone))))) {
		err = -ENOMEM;
		goto out;
	}
	/* A merge of the two sorted lists. */
	while (i < want->n || j < seen->n) {
		int c = i == want->n ? 1 : j == seen->n ? -1 : strcmp(w[i]->key, s[j]->key);

		if (c < 0 || (c == 0 && strcmp(w[i]->value, s[j]->value) != 0))
			(*set)[(*n_set)++] = (size_t)(w[i] - want->items);
		if (c > 0 && !((*gone)[(*n_gone)++] = strdup(s[j]->key))) {
			err = -ENOMEM;
			goto out;
		}
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
out:
	free(w);
	free(s);
	if (err) {
		for (size_t k = 0; k < *n_gone; k++)
			free((*gone)[k]);
		free(*gone);
		free(*set);
		*set = NULL;
		*gone = NULL;
		*n_set = *n_gone = 0;
	}
	return err;
}

void lb_eip_destroy(struct lb_eip *e)
{
	if (!e)
		return;
	free(e->name);
	free(e->ns);
	free(e->uid);
	free(e->address);
	for (size_t i = 0; i < e->n_ranges; i++)
		free(e->ranges[i]);
	free(e->ranges);
	free(e->spans);
	for (size_t i = 0; i < e->n_namespaces; i++)
		free(e->namespaces[i]);
	free(e->namespaces);
	cfg_selectors_free(e->ns_selectors, e->n_ns_selectors);
	lb_eip_status_fini(&e->obs);
	free(e->refused);
	for (size_t i = 0; i < e->n_bgp_peers; i++)
		free(e->bgp_peers[i]);
	free(e->bgp_peers);
	free(e->unknown_peers);
	free(e);
}

const char *lb_eip_kind(const struct lb_eip *e)
{
	return e->api == CFG_API_METALLB ? "IPAddressPool" : "Eip";
}

/* The ranges as written, ", " between them (caller frees), NULL on ENOMEM. */
static char *join_ranges(const struct cfg_eip *in)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < in->n_ranges; i++)
		len += strlen(in->ranges[i].text ? in->ranges[i].text : "") + 2;
	if (!(s = malloc(len)))
		return NULL;
	*s = '\0';
	for (size_t i = 0; i < in->n_ranges; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, in->ranges[i].text ? in->ranges[i].text : "");
	}
	return s;
}

static int copy_peers(struct lb_eip *e, const struct cfg_eip_bgp *b)
{
	int err = 0;

	if (b->n_peers && !(e->bgp_peers = calloc(b->n_peers, sizeof(char *))))
		return -ENOMEM;
	for (size_t i = 0; !err && i < b->n_peers; i++, e->n_bgp_peers++)
		e->bgp_peers[i] = lb_strdup(b->peers[i], &err);
	return err;
}

int lb_eip_set(struct lb_eip *e, const struct cfg_eip *in)
{
	char a[CORE_ADDR_STRLEN], b[CORE_ADDR_STRLEN];
	const char *def = cfg_meta_annotation(&in->meta, CFG_ANN_DEFAULT_EIP);
	int err = 0;

	e->name = lb_strdup(in->meta.name, &err);
	e->api = in->api;
	if (in->api == CFG_API_METALLB)
		e->ns = lb_strdup(in->meta.ns, &err);
	e->uid = lb_strdup(in->meta.uid, &err);
	if (!(e->address = join_ranges(in)))
		err = -ENOMEM;
	if (in->n_ranges && (!(e->ranges = calloc(in->n_ranges, sizeof(char *))) ||
	                     !(e->spans = calloc(in->n_ranges, sizeof(*e->spans)))))
		err = -ENOMEM;
	/* The decoders already read each range the way its API does (an
	 * Eip's CIDR may have host bits set): hand the allocator that exact
	 * range. */
	for (size_t i = 0; !err && i < in->n_ranges; i++, e->n_ranges++) {
		size_t len;

		e->spans[i].first = in->ranges[i].first;
		e->spans[i].last = in->ranges[i].last;
		core_addr_str(&in->ranges[i].first, a);
		core_addr_str(&in->ranges[i].last, b);
		len = strlen(a) + strlen(b) + 2;
		if ((e->ranges[i] = malloc(len)))
			snprintf(e->ranges[i], len, "%s-%s", a, b);
		else
			err = -ENOMEM;
	}
	e->disable = in->disable;
	e->protocol = in->protocol;
	e->avoid_buggy_ips = in->avoid_buggy_ips;
	e->auto_assign = in->auto_assign;
	e->all_namespaces = in->all_namespaces;
	e->svc_selectors = in->svc_selectors;
	/* OpenELB's default pool is an Eip's; MetalLB has none (all_namespaces) */
	e->is_default = in->api == CFG_API_OPENELB && def && strcmp(def, "true") == 0;
	/* ipam keeps priorities in 32 bits; no real Eip comes near. */
	e->priority = in->priority < INT32_MIN   ? INT32_MIN
	              : in->priority > INT32_MAX ? INT32_MAX
	                                         : (int32_t)in->priority;
	if (in->n_namespaces && !(e->namespaces = calloc(in->n_namespaces, sizeof(char *))))
		err = -ENOMEM;
	for (size_t i = 0; !err && i < in->n_namespaces; i++, e->n_namespaces++)
		e->namespaces[i] = lb_strdup(in->namespaces[i], &err);
	/* An Eip's spec.bgp.peers, for UnknownPeer (an IPAddressPool's
	 * advertisements name BGPPeers: their own objects' business). */
	if (!err && in->api == CFG_API_OPENELB && in->n_bgp)
		err = copy_peers(e, &in->bgp[0]);
	if (!err &&
	    (err = cfg_selectors_copy(in->ns_selectors, in->n_ns_selectors, &e->ns_selectors)) == 0)
		e->n_ns_selectors = in->n_ns_selectors;
	if (!err)
		err = lb_eip_status_copy(&e->obs, &in->status);
	return err;
}

int lb_eip_check_peers(struct lb_ctrl *c, struct lb_eip *e)
{
	char msg[512];
	size_t len = 0;

	msg[0] = 0;
	for (size_t i = 0; i < e->n_bgp_peers && len < sizeof(msg); i++) {
		const char *p = e->bgp_peers[i];

		if (core_map_get(&c->peers, p, strlen(p)))
			continue;
		/* A long list is cut short: the first names say enough. */
		len += (size_t)snprintf(msg + len, sizeof(msg) - len,
		                        "%sspec.bgp.peers[%zu]: no BgpPeer \"%s\"", len ? "; " : "",
		                        i, p);
	}
	if (!msg[0] || (e->unknown_peers && strcmp(e->unknown_peers, msg) == 0)) {
		if (!msg[0]) {
			free(e->unknown_peers);
			e->unknown_peers = NULL;
		}
		return 0;
	}
	free(e->unknown_peers);
	if (!(e->unknown_peers = strdup(msg)))
		return -ENOMEM;
	return EV_EIP(c, e, true, "UnknownPeer",
	              "%s: the pool is announced only to the BgpPeers it names that exist", msg);
}

bool lb_eip_spec_equal(const struct lb_eip *a, const struct lb_eip *b)
{
	if (a->api != b->api || a->n_ranges != b->n_ranges || a->disable != b->disable ||
	    a->is_default != b->is_default || a->priority != b->priority ||
	    a->avoid_buggy_ips != b->avoid_buggy_ips || a->auto_assign != b->auto_assign ||
	    a->all_namespaces != b->all_namespaces || a->svc_selectors != b->svc_selectors ||
	    a->n_namespaces != b->n_namespaces ||
	    !cfg_selectors_equal(a->ns_selectors, a->n_ns_selectors, b->ns_selectors,
	                         b->n_ns_selectors))
		return false;
	for (size_t i = 0; i < a->n_ranges; i++)
		if (strcmp(a->ranges[i], b->ranges[i]) != 0)
			return false;
	for (size_t i = 0; i < a->n_namespaces; i++) {
		if (strcmp(a->namespaces[i], b->namespaces[i]) != 0)
			return false;
	}
	return true;
}

static const char *pool_err_field(const struct lb_eip *e, enum ipam_err code)
{
	switch (code) {
	case IPAM_ERR_DEFAULT_CONFLICT:
		return "metadata.annotations[" CFG_ANN_DEFAULT_EIP "]";
	case IPAM_ERR_OVERLAP:
		return e->api == CFG_API_METALLB ? "spec.addresses" : "spec.address";
	default:
		return "spec";
	}
}

int lb_eip_apply(struct lb_ctrl *c, struct lb_eip *e)
{
	/* Automatic allocation from pools bound to the Service's namespace:
	 * an IPAddressPool without autoAssign, or one berth cannot match
	 * against Service labels, is bound to none (explicit requests only);
	 * one without serviceAllocation to every namespace (lb_ns_match). */
	bool bound = e->auto_assign && !e->svc_selectors;
	struct ipam_pool_cfg cfg = {
	    .name = e->name,
	    .addresses = (const char *const *)e->ranges,
	    .n_addresses = e->n_ranges,
	    .priority = e->priority,
	    .disabled = e->disable,
	    .is_default = e->is_default,
	    .avoid_buggy_ips = e->avoid_buggy_ips,
	    .namespaces = bound ? (const char *const *)e->namespaces : NULL,
	    .n_namespaces = bound ? e->n_namespaces : 0,
	    /* OpenELB applies a selector only when it has entries. */
	    .ns_selector = bound && (e->n_ns_selectors > 0 || e->all_namespaces),
	};
	struct ipam_error err = {IPAM_OK, ""};
	char msg[IPAM_MSG_MAX + 96];
	int ret;

	if (ipam_pool_set(c->ipam, &cfg, &err) < 0) {
		if (err.code == IPAM_ERR_NOMEM)
			return -ENOMEM;
		/* Refused: the previous version, if any, stays in force. */
		snprintf(msg, sizeof(msg), "%s: %s", pool_err_field(e, err.code), err.msg);
		if (!e->refused || strcmp(e->refused, msg) != 0) {
			free(e->refused);
			if (!(e->refused = strdup(msg)))
				return -ENOMEM;
			if ((ret = EV_EIP(c, e, true, "InvalidPool", "%s%s", msg,
			                  e->accepted ? "; the previous version stays in force"
			                              : "")) < 0)
				return ret;
		}
		return lb_queue_eip(c, e);
	}
	if (e->refused) {
		free(e->refused);
		e->refused = NULL;
		if ((ret = EV_EIP(c, e, false, "PoolAccepted", "accepted %s", e->address)) < 0)
			return ret;
	}
	e->accepted = true;
	e->app_default = e->is_default;
	e->app_disable = e->disable;
	c->retry = true;
	return lb_queue_eip(c, e);
}

/* A refused Eip may fit once another is deleted or shrunk. */
int lb_eip_retry_refused(struct lb_ctrl *c)
{
	void **v;
	size_t n;
	int ret;

	if ((ret = lb_sorted(&c->eips, &v, &n)) < 0)
		return ret;
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct lb_eip *e = v[i];

		if (e->refused)
			ret = lb_eip_apply(c, e);
	}
	free(v);
	return ret;
}

void lb_update_default(struct lb_ctrl *c)
{
	c->has_default = false;
	for (size_t i = 0; i < c->eips.n; i++) {
		const struct lb_eip *e = c->eips.v[i].val;

		/* MetalLB serves every Service without a class: a cluster that
		 * configures it so gets the same from berth */
		if (e->accepted &&
		    ((e->app_default && !e->app_disable) || e->api == CFG_API_METALLB))
			c->has_default = true;
	}
}

bool lb_ns_match(const char *pool, void *arg)
{
	const struct lb_nsarg *a = arg;
	const struct lb_eip *e = core_map_get(&a->c->eips, pool, strlen(pool));
	const struct lb_ns *ns = core_map_get(&a->c->nss, a->ns, strlen(a->ns));

	if (!e)
		return false;
	/* an IPAddressPool without serviceAllocation: every namespace */
	if (e->all_namespaces)
		return true;
	/* An Eip's spec.namespaceSelector is a map: matchLabels semantics
	 * (metav1.SetAsLabelSelector in OpenELB's getDefaultEIP); an
	 * IPAddressPool's namespaceSelectors, any of them. */
	if (!e->n_ns_selectors || !ns)
		return false;
	return cfg_selectors_match(e->ns_selectors, e->n_ns_selectors, &ns->labels);
}

static bool in_range(const struct core_addr *a, const struct core_addr *f,
                     const struct core_addr *l)
{
	return core_addr_cmp(f, a) <= 0 && core_addr_cmp(a, l) <= 0;
}

const struct lb_eip *lb_eip_containing(const struct lb_ctrl *c, const struct core_addr *a)
{
	for (size_t i = 0; i < c->eips.n; i++) {
		const struct lb_eip *e = c->eips.v[i].val;

		if (!e->accepted)
			continue;
		for (size_t k = 0; k < e->n_ranges; k++)
			if (a->family == e->spans[k].first.family &&
			    in_range(a, &e->spans[k].first, &e->spans[k].last))
				return e;
	}
	return NULL;
}

bool lb_in_eips(const struct lb_ctrl *c, const struct core_addr *a)
{
	return lb_eip_containing(c, a) != NULL;
}

/* ---- Status ---- */

struct used_walk {
	struct cfg_map *m;
	size_t cap;
	struct core_addr last;
	bool have_last;
};

/* OpenELB's used map: address -> "ns/a;ns/b" for shared addresses. */
static int used_add(const struct core_addr *addr, const char *service, void *arg)
{
	struct used_walk *w = arg;
	struct cfg_map *m = w->m;
	char a[CORE_ADDR_STRLEN];

	if (w->have_last && core_addr_cmp(addr, &w->last) == 0) {
		struct cfg_kv *kv = &m->items[m->n - 1];
		size_t ol = strlen(kv->value), sl = strlen(service);
		char *v = realloc(kv->value, ol + sl + 2);

		if (!v)
			return -ENOMEM;
		v[ol] = ';';
		memcpy(v + ol + 1, service, sl + 1);
		kv->value = v;
		return 0;
	}
	if (m->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 8;
		struct cfg_kv *items = realloc(m->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		m->items = items;
		w->cap = cap;
	}
	m->items[m->n].key = strdup(core_addr_str(addr, a));
	m->items[m->n].value = strdup(service);
	if (!m->items[m->n].key || !m->items[m->n].value) {
		free(m->items[m->n].key);
		free(m->items[m->n].value);
		return -ENOMEM;
	}
	m->n++;
	w->last = *addr;
	w->have_last = true;
	return 0;
}

static int64_t clamp64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

int lb_eip_status(struct lb_ctrl *c, const struct lb_eip *e, struct cfg_eip_status *out)
{
	struct ipam_pool_stats st;
	struct used_walk w = {0};
	char buf[CORE_ADDR_STRLEN];
	int err = 0, ret;

	memset(out, 0, sizeof(*out));
	/* Never accepted: not a pool, so no range and no size. An empty
	 * firstIP also tells the next leader that this Eip lost an overlap
	 * (lb_ctrl_synced accepts Eips with a firstIP first). */
	if (!e->accepted || ipam_pool_stats(c->ipam, e->name, &st) < 0)
		return 0;
	out->occupied = st.occupied;
	out->usage = clamp64(st.used);
	out->pool_size = clamp64(st.size);
	out->ready = st.ready;
	out->v4 = st.v4;
	out->first_ip = lb_strdup(core_addr_str(&st.first, buf), &err);
	out->last_ip = lb_strdup(core_addr_str(&st.last, buf), &err);
	w.m = &out->used;
	if (!err && (ret = ipam_pool_walk(c->ipam, e->name, used_add, &w)) < 0)
		err = ret;
	if (err)
		lb_eip_status_fini(out);
	return err;
}
