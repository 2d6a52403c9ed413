/*
 * MetalLB's configuration kinds (group metallb.io): IPAddressPool into the
 * pool model (struct cfg_eip), BGPAdvertisement, L2Advertisement,
 * BFDProfile and Community as they are (config.h); BGPPeer is in
 * metallb_peer.c. Field names, types and rules follow MetalLB's
 * api/v1beta1 types (their kubebuilder markers) and internal/config
 * (ParseCIDR, bgpAdvertisementFromCR, bfdProfileFromCR,
 * communitiesFromCrs). What MetalLB refuses is an error naming the field;
 * what berth does not honour, and fields berth does not know, go into
 * the object's note (config.h), never dropped without a word.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/dec.h"
#include "config/metallb_int.h"

static const char *const top_known[] = {"apiVersion", "kind", "metadata", "spec", "status", NULL};

static const char *const pool_known[] = {
    "addresses", "autoAssign", "avoidBuggyIPs", "serviceAllocation", NULL,
};
static const char *const alloc_known[] = {
    "priority", "namespaces", "namespaceSelectors", "serviceSelectors", NULL,
};
static const char *const bgp_adv_known[] = {
    "aggregationLength", "aggregationLengthV6",
    "localPref",         "communities",
    "ipAddressPools",    "ipAddressPoolSelectors",
    "nodeSelectors",     "peers",
    "serviceSelectors",  NULL,
};
static const char *const l2_adv_known[] = {
    "ipAddressPools",
    "ipAddressPoolSelectors",
    "nodeSelectors",
    "interfaces",
    "serviceSelectors",
    "preferredNodeSelectors",
    NULL,
};
static const char *const pref_known[] = {"weight", "preference", NULL};
static const char *const bfd_known[] = {
    "receiveInterval", "transmitInterval", "detectMultiplier", "echoInterval",
    "echoMode",        "passiveMode",      "minimumTtl",       NULL,
};
static const char *const community_known[] = {"communities", NULL};
static const char *const alias_known[] = {"name", "value", NULL};

static const char *const v1beta1_only[] = {CFG_METALLB_V1BETA1, NULL};

static int nomem(struct cfg_dec *d)
{
	return cfg_err_set(d->err, -ENOMEM, 0, NULL, NULL, "out of memory");
}

/* ---- Shared pieces ---- */

int mlb_unknown(struct cfg_dec *d, const json_t *obj, const char *const *known, char **note)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v)
	{
		const char *const *p;
		char text[72];

		for (p = known; *p && strcmp(*p, k) != 0; p++)
			;
		if (*p)
			continue;
		if (cfg_note_add(note, "%s%s%s: unknown to berth, ignored", d->path,
		                 d->plen ? "." : "", cfg_shown(text, k, strlen(k))) < 0)
			return nomem(d);
	}
	return 0;
}

int mlb_head(struct cfg_dec *d, const json_t *obj, const char *const *versions,
             struct cfg_meta *meta, const json_t **spec, char **note)
{
	const char *s = NULL;
	const json_t *st = NULL;
	char list[96] = "";
	int rc;

	*spec = NULL;
	if (!json_is_object(obj))
		return cfg_dec_fail_here(d, obj, "must be a mapping");
	rc = cfg_dec_cstr(d, obj, "kind", &s);
	if (rc < 0)
		return rc;
	if (rc && strcmp(s, d->kind) != 0)
		return cfg_dec_fail_at(d, obj, "kind", "must be %s", d->kind);
	rc = cfg_dec_cstr(d, obj, "apiVersion", &s);
	if (rc < 0)
		return rc;
	if (rc) {
		size_t i;

		for (i = 0; versions[i] && strcmp(versions[i], s) != 0; i++)
			;
		if (!versions[i]) {
			for (i = 0; versions[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				         i ? " or " : "", versions[i]);
			return cfg_dec_fail_at(d, obj, "apiVersion", "must be %s", list);
		}
	}
	/* MetalLB's kinds live in a namespace; one that names none is put in
	 * MetalLB's by the set (config.h), not in "default" */
	if ((rc = cfg_dec_meta(d, obj, true, meta)) < 0)
		return rc;
	if (!json_string_length(cfg_dec_get(cfg_dec_get(obj, "metadata"), "namespace"))) {
		if ((rc = cfg_meta_set_id(meta, meta->name, NULL, meta->uid)) < 0)
			return nomem(d);
		d->ns = NULL;
	}
	if ((rc = mlb_unknown(d, obj, top_known, note)) < 0 ||
	    (rc = cfg_dec_object(d, obj, "spec", spec)) < 0 ||
	    /* status is MetalLB's to write: type-checked, not kept */
	    (rc = cfg_dec_object(d, obj, "status", &st)) < 0)
		return rc;
	return 0;
}

int mlb_selectors(struct cfg_dec *d, const json_t *obj, const char *key, struct cfg_selector **out,
                  size_t *n)
{
	const json_t *arr = cfg_dec_get(obj, key);
	size_t mark;
	int rc = cfg_dec_selectors(d, obj, key, out, n);

	if (rc <= 0)
		return rc;
	/* internal/config validateLabelSelectorDuplicate */
	mark = cfg_dec_push(d, key);
	for (size_t i = 0; rc > 0 && i < *n; i++)
		for (size_t j = 0; rc > 0 && j < i; j++)
			if (cfg_selectors_equal(&(*out)[i], 1, &(*out)[j], 1))
				rc = cfg_dec_fail_idx(d, arr, i, "is the same selector as %s[%zu]",
				                      key, j);
	cfg_dec_pop(d, mark);
	if (rc < 0) {
		cfg_selectors_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* ---- Community text (internal/bgp/community) ---- */

/* strconv.ParseUint(s, 10, bits): digits only (leading zeros fine), not
 * empty, at most max. */
static bool parse_dec(const char *s, size_t len, uint64_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

int cfg_mlb_community_parse(const char *s, bool *large, uint32_t v[3], const char **why)
{
	const char *f[4], *start = s;
	size_t len[4], n = 0;

	/* strings.Split(s, ":"): the fields and how many */
	for (const char *p = s;; p++) {
		if (*p && *p != ':')
			continue;
		if (n < 4) {
			f[n] = start;
			len[n] = (size_t)(p - start);
		}
		n++;
		if (!*p)
			break;
		start = p + 1;
	}
	if (n == 2) {
		uint32_t a, b;

		*why = "has a number that is not 0..65535 on a side of ':'";
		if (!parse_dec(f[0], len[0], 65535, &a) || !parse_dec(f[1], len[1], 65535, &b))
			return -EINVAL;
		*large = false;
		v[0] = a << 16 | b;
		v[1] = v[2] = 0;
		return 0;
	}
	if (n == 4) {
		*why = "is not large:G:L1:L2 with G, L1 and L2 each 0..4294967295";
		if (len[0] != 5 || strncmp(f[0], "large", 5) != 0)
			return -EINVAL;
		for (int i = 0; i < 3; i++)
			if (!parse_dec(f[i + 1], len[i + 1], UINT32_MAX, &v[i]))
				return -EINVAL;
		*large = true;
		return 0;
	}
	*why = "is neither AS:VALUE nor large:G:L1:L2";
	return -ENOENT;
}

/* ---- IPAddressPool (api/v1beta1/ipaddresspool_types.go) ---- */

#define ADDR_TEXT_MAX 128

/*
 * MetalLB's ParseCIDR: "a-b" (spaces around each side trimmed) or a CIDR
 * (host bits dropped, as Go's net.ParseCIDR does). One address is no
 * CIDR to MetalLB: it is written a.b.c.d/32.
 */
static int parse_pool_address(const char *s, struct core_addr *first, struct core_addr *last,
                              const char **why)
{
	char buf[ADDR_TEXT_MAX];
	char *sep, *a, *b, *e;
	size_t len = strlen(s);

	*why = "is neither a CIDR nor a first-last range";
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len + 1);
	sep = strchr(buf, '-');
	if (!sep) {
		if (!strchr(buf, '/')) {
			*why = "is no CIDR (one address is written as a /32 or /128 CIDR)";
			return -EINVAL;
		}
		return cfg_eip_parse_address(buf, first, last, why);
	}
	*sep = '\0';
	/* strings.TrimSpace around each side */
	for (a = buf; isspace((unsigned char)*a); a++)
		;
	for (e = sep; e > a && isspace((unsigned char)e[-1]);)
		*--e = '\0';
	for (b = sep + 1; isspace((unsigned char)*b); b++)
		;
	for (e = b + strlen(b); e > b && isspace((unsigned char)e[-1]);)
		*--e = '\0';
	if (cfg_addr_parse(a, first) < 0) {
		*why = "has a start that is no IP address";
		return -EINVAL;
	}
	if (cfg_addr_parse(b, last) < 0) {
		*why = "has an end that is no IP address";
		return -EINVAL;
	}
	return cfg_range_check(first, last, why);
}

static int dec_addresses(struct cfg_dec *d, const json_t *spec, struct cfg_eip *e)
{
	const json_t *arr = NULL;
	size_t mark, i;
	json_t *v;
	int rc = cfg_dec_array(d, spec, "addresses", &arr);

	if (rc < 0)
		return rc;
	/* "pool has no prefixes defined" */
	if (!rc || !json_array_size(arr))
		return cfg_dec_fail_at(d, spec, "addresses",
		                       "required: at least one CIDR or range");
	if (json_array_size(arr) > CFG_POOL_MAX_RANGES)
		return cfg_dec_fail_at(d, spec, "addresses", "at most %d ranges",
		                       CFG_POOL_MAX_RANGES);
	if (!(e->ranges = calloc(json_array_size(arr), sizeof(*e->ranges))))
		return nomem(d);
	mark = cfg_dec_push(d, "addresses");
	json_array_foreach(arr, i, v)
	{
		struct cfg_range *r = &e->ranges[i];
		const char *why = NULL;
		char text[72];

		if (!json_is_string(v)) {
			rc = cfg_dec_fail_idx(d, arr, i, "must be a string");
			break;
		}
		cfg_shown(text, json_string_value(v), json_string_length(v));
		if (strlen(json_string_value(v)) != json_string_length(v) ||
		    parse_pool_address(json_string_value(v), &r->first, &r->last, &why) < 0) {
			rc = cfg_dec_fail_idx(d, arr, i, "\"%s\" %s", text,
			                      why ? why : "must not contain a NUL byte");
			break;
		}
		if (!(r->text = strdup(json_string_value(v)))) {
			rc = nomem(d);
			break;
		}
		e->n_ranges = i + 1;
		/* "CIDR ... overlaps with already defined CIDR", within the pool too */
		for (size_t j = 0; j < i; j++) {
			const struct cfg_range *o = &e->ranges[j];

			if (o->first.family == r->first.family &&
			    core_addr_cmp(&o->first, &r->last) <= 0 &&
			    core_addr_cmp(&r->first, &o->last) <= 0) {
				rc = cfg_dec_fail_idx(d, arr, i,
				                      "\"%s\" overlaps addresses[%zu] (%s)", text,
				                      j, o->text);
				break;
			}
		}
		if (rc < 0)
			break;
	}
	cfg_dec_pop(d, mark);
	return rc < 0 ? rc : 0;
}

static int dec_allocation(struct cfg_dec *d, const json_t *sa, struct cfg_eip *e, char **note)
{
	struct cfg_selector *svc = NULL;
	size_t n_svc = 0;
	int64_t prio = 0;
	int rc;

	if ((rc = mlb_unknown(d, sa, alloc_known, note)) < 0 ||
	    (rc = cfg_dec_int(d, sa, "priority", INT32_MIN, INT32_MAX, &prio)) < 0 ||
	    (rc = cfg_dec_names(d, sa, "namespaces", "a namespace", &e->namespaces,
	                        &e->n_namespaces)) < 0 ||
	    (rc = mlb_selectors(d, sa, "namespaceSelectors", &e->ns_selectors,
	                        &e->n_ns_selectors)) < 0 ||
	    (rc = mlb_selectors(d, sa, "serviceSelectors", &svc, &n_svc)) < 0)
		return rc;
	cfg_selectors_free(svc, n_svc);
	/* MetalLB's sortPools: a priority above 0 first, lowest first; 0
	 * (or none) after every one that has one */
	e->priority = prio > 0 ? prio : CFG_PRIORITY_UNSET;
	if (n_svc) {
		e->svc_selectors = true;
		if (cfg_note_add(note,
		                 "spec.serviceAllocation.serviceSelectors: berth does not pick "
		                 "pools by Service labels: this pool gives addresses only to "
		                 "Services that name it (metallb.io/address-pool) or one of its "
		                 "addresses") < 0)
			return nomem(d);
	}
	/* a serviceAllocation that restricts nothing matches every Service
	 * (MetalLB: labels.Everything()) */
	if (!e->n_namespaces && !e->n_ns_selectors && !n_svc)
		e->all_namespaces = e->auto_assign;
	return 0;
}

static int dec_pool_spec(struct cfg_dec *d, const json_t *spec, struct cfg_eip *e, char **note)
{
	const json_t *sa = NULL;
	size_t mark;
	int rc;

	e->auto_assign = true;
	if ((rc = mlb_unknown(d, spec, pool_known, note)) < 0 ||
	    (rc = dec_addresses(d, spec, e)) < 0 ||
	    (rc = cfg_dec_bool(d, spec, "autoAssign", &e->auto_assign)) < 0 ||
	    (rc = cfg_dec_bool(d, spec, "avoidBuggyIPs", &e->avoid_buggy_ips)) < 0 ||
	    (rc = cfg_dec_object(d, spec, "serviceAllocation", &sa)) < 0)
		return rc;
	if (!sa) {
		/* MetalLB's Allocate: every pool with autoAssign and no
		 * serviceAllocation, after the pinned ones */
		e->all_namespaces = e->auto_assign;
		e->priority = CFG_PRIORITY_LAST;
		return 0;
	}
	mark = cfg_dec_push(d, "serviceAllocation");
	rc = dec_allocation(d, sa, e, note);
	cfg_dec_pop(d, mark);
	return rc;
}

int cfg_ip_address_pool_decode(const json_t *obj, struct cfg_eip *out, struct cfg_error *err)
{
	const json_t *spec = NULL;
	struct cfg_dec d;
	size_t mark;
	int rc;

	memset(out, 0, sizeof(*out));
	out->api = CFG_API_METALLB;
	cfg_dec_init(&d, err, "IPAddressPool", false);
	if ((rc = mlb_head(&d, obj, v1beta1_only, &out->meta, &spec, &out->note)) < 0)
		goto out;
	if (!spec) {
		rc = cfg_dec_fail_at(&d, obj, "spec", "required");
		goto out;
	}
	mark = cfg_dec_push(&d, "spec");
	rc = dec_pool_spec(&d, spec, out, &out->note);
	cfg_dec_pop(&d, mark);
out:
	if (rc < 0)
		cfg_eip_fini(out);
	else
		out->api = CFG_API_METALLB;
	return rc < 0 ? rc : 0;
}

/* ---- BGPAdvertisement (api/v1beta1/bgpadvertisement_types.go) ---- */

static int set_name(struct cfg_dec *d, char **dst, const char *name)
{
	return (*dst = strdup(name)) ? 0 : nomem(d);
}

static int dec_bgp_adv_spec(struct cfg_dec *d, const json_t *spec, struct cfg_mlb_bgp_adv *a)
{
	struct cfg_eip_bgp *b = &a->adv;
	struct cfg_selector *svc = NULL;
	size_t n_svc = 0;
	uint64_t u = 0;
	int rc;

	if ((rc = mlb_unknown(d, spec, bgp_adv_known, &a->note)) < 0)
		return rc;
	/* kubebuilder Minimum=1 for IPv4; internal/config: at most 32, 128 */
	rc = cfg_dec_uint(d, spec, "aggregationLength", 1, 32, &u);
	if (rc < 0)
		return rc;
	if (rc)
		b->aggregation_length = (uint8_t)u;
	rc = cfg_dec_uint(d, spec, "aggregationLengthV6", 0, 128, &u);
	if (rc < 0)
		return rc;
	if (rc)
		b->aggregation_length_v6 = (uint8_t)u;
	rc = cfg_dec_uint(d, spec, "localPref", 0, UINT32_MAX, &u);
	if (rc < 0)
		return rc;
	/* MetalLB sets LOCAL_PREF only when it is not 0 */
	b->has_local_pref = rc > 0 && u != 0;
	b->local_pref = b->has_local_pref ? (uint32_t)u : 0;
	if ((rc = cfg_dec_names(d, spec, "communities", "a community or a Community alias",
	                        &a->communities, &a->n_communities)) < 0 ||
	    (rc = cfg_dec_names(d, spec, "ipAddressPools", "an IPAddressPool name", &a->pools,
	                        &a->n_pools)) < 0 ||
	    (rc = mlb_selectors(d, spec, "ipAddressPoolSelectors", &a->pool_selectors,
	                        &a->n_pool_selectors)) < 0 ||
	    (rc = mlb_selectors(d, spec, "nodeSelectors", &b->node_selectors,
	                        &b->n_node_selectors)) < 0 ||
	    (rc = cfg_dec_names(d, spec, "peers", "a BGPPeer name", &b->peers, &b->n_peers)) < 0 ||
	    (rc = mlb_selectors(d, spec, "serviceSelectors", &svc, &n_svc)) < 0)
		return rc;
	cfg_selectors_free(svc, n_svc);
	if (!n_svc)
		return 0;
	/* the CRD's CEL rule: aggregates belong to no one Service */
	if (b->aggregation_length != 32)
		return cfg_dec_fail_at(d, spec, "aggregationLength",
		                       "must be 32 with serviceSelectors (an aggregate is no one "
		                       "Service's)");
	if (b->aggregation_length_v6 != 128)
		return cfg_dec_fail_at(d, spec, "aggregationLengthV6",
		                       "must be 128 with serviceSelectors (an aggregate is no one "
		                       "Service's)");
	a->svc_selectors = true;
	if (cfg_note_add(&a->note, "spec.serviceSelectors: berth does not pick advertisements "
	                           "by Service labels: this advertisement is not applied") < 0)
		return nomem(d);
	return 0;
}

int cfg_bgp_adv_decode(const json_t *obj, struct cfg_mlb_bgp_adv *out, struct cfg_error *err)
{
	const json_t *spec = NULL;
	struct cfg_dec d;
	size_t mark;
	int rc;

	memset(out, 0, sizeof(*out));
	cfg_dec_init(&d, err, "BGPAdvertisement", false);
	out->adv.present = true;
	cfg_eip_bgp_defaults(&out->adv);
	if ((rc = mlb_head(&d, obj, v1beta1_only, &out->meta, &spec, &out->note)) < 0 ||
	    (rc = set_name(&d, &out->adv.name, out->meta.name)) < 0 || !spec)
		goto out;
	mark = cfg_dec_push(&d, "spec");
	rc = dec_bgp_adv_spec(&d, spec, out);
	cfg_dec_pop(&d, mark);
out:
	if (rc < 0)
		cfg_mlb_bgp_adv_fini(out);
	return rc < 0 ? rc : 0;
}

void cfg_mlb_bgp_adv_fini(struct cfg_mlb_bgp_adv *a)
{
	cfg_meta_fini(&a->meta);
	cfg_eip_bgp_fini(&a->adv);
	cfg_strings_free(a->communities, a->n_communities);
	cfg_strings_free(a->pools, a->n_pools);
	cfg_selectors_free(a->pool_selectors, a->n_pool_selectors);
	free(a->note);
	free(a->xnote);
	memset(a, 0, sizeof(*a));
}

/* ---- L2Advertisement (api/v1beta1/l2advertisement_types.go) ---- */

static int dec_preferred_item(struct cfg_dec *d, const json_t *item, size_t i, void *ctx)
{
	struct cfg_selector sel = {0};
	uint64_t w = 0;
	int rc;

	(void)i;
	if ((rc = mlb_unknown(d, item, pref_known, ctx)) >= 0 &&
	    (rc = cfg_dec_uint(d, item, "weight", 1, 100, &w)) == 0)
		rc = cfg_dec_fail_at(d, item, "weight", "required");
	if (rc >= 0 && (rc = cfg_dec_selector(d, item, "preference", &sel)) == 0)
		rc = cfg_dec_fail_at(d, item, "preference", "required");
	cfg_selector_fini(&sel);
	return rc;
}

static int dec_preferred(struct cfg_dec *d, const json_t *spec, char **note)
{
	const json_t *arr = cfg_dec_get(spec, "preferredNodeSelectors");
	int rc =
	    cfg_dec_mappings(d, spec, "preferredNodeSelectors", NULL, 0, dec_preferred_item, note);

	if (rc <= 0 || !json_array_size(arr))
		return rc;
	if (cfg_note_add(note, "spec.preferredNodeSelectors: berth's choice of the answering "
	                       "node has no preferences (l2/owner): ignored") < 0)
		return nomem(d);
	return 0;
}

static int dec_l2_adv_spec(struct cfg_dec *d, const json_t *spec, struct cfg_mlb_l2_adv *a)
{
	struct cfg_selector *svc = NULL;
	size_t n_svc = 0;
	int rc;

	if ((rc = mlb_unknown(d, spec, l2_adv_known, &a->note)) < 0 ||
	    (rc = cfg_dec_names(d, spec, "ipAddressPools", "an IPAddressPool name", &a->pools,
	                        &a->n_pools)) < 0 ||
	    (rc = mlb_selectors(d, spec, "ipAddressPoolSelectors", &a->pool_selectors,
	                        &a->n_pool_selectors)) < 0 ||
	    (rc = mlb_selectors(d, spec, "nodeSelectors", &a->adv.node_selectors,
	                        &a->adv.n_node_selectors)) < 0 ||
	    (rc = cfg_dec_names(d, spec, "interfaces", "an interface name", &a->adv.interfaces,
	                        &a->adv.n_interfaces)) < 0 ||
	    (rc = mlb_selectors(d, spec, "serviceSelectors", &svc, &n_svc)) < 0 ||
	    (rc = dec_preferred(d, spec, &a->note)) < 0)
		return rc;
	cfg_selectors_free(svc, n_svc);
	if (a->adv.n_interfaces > 1 &&
	    cfg_note_add(&a->note,
	                 "spec.interfaces: berth answers for a pool on one interface per node: "
	                 "%s, the first",
	                 a->adv.interfaces[0]) < 0)
		return nomem(d);
	if (n_svc) {
		a->svc_selectors = true;
		if (cfg_note_add(&a->note, "spec.serviceSelectors: berth does not pick "
		                           "advertisements by Service labels: this advertisement "
		                           "is not applied") < 0)
			return nomem(d);
	}
	return 0;
}

int cfg_l2_adv_decode(const json_t *obj, struct cfg_mlb_l2_adv *out, struct cfg_error *err)
{
	const json_t *spec = NULL;
	struct cfg_dec d;
	size_t mark;
	int rc;

	memset(out, 0, sizeof(*out));
	cfg_dec_init(&d, err, "L2Advertisement", false);
	if ((rc = mlb_head(&d, obj, v1beta1_only, &out->meta, &spec, &out->note)) < 0 ||
	    (rc = set_name(&d, &out->adv.name, out->meta.name)) < 0 || !spec)
		goto out;
	mark = cfg_dec_push(&d, "spec");
	rc = dec_l2_adv_spec(&d, spec, out);
	cfg_dec_pop(&d, mark);
out:
	if (rc < 0)
		cfg_mlb_l2_adv_fini(out);
	return rc < 0 ? rc : 0;
}

void cfg_mlb_l2_adv_fini(struct cfg_mlb_l2_adv *a)
{
	cfg_meta_fini(&a->meta);
	cfg_eip_l2_fini(&a->adv);
	cfg_strings_free(a->pools, a->n_pools);
	cfg_selectors_free(a->pool_selectors, a->n_pool_selectors);
	free(a->note);
	free(a->xnote);
	memset(a, 0, sizeof(*a));
}

/* ---- BFDProfile (api/v1beta1/bfdprofile_types.go) ---- */

static int ms(struct cfg_dec *d, const json_t *spec, const char *key, uint32_t *out)
{
	uint64_t u = 0;
	int rc =
	    cfg_dec_uint_unit(d, spec, key, CFG_BFD_INTERVAL_MIN, CFG_BFD_INTERVAL_MAX, "ms", &u);

	if (rc > 0)
		*out = (uint32_t)u;
	return rc;
}

static int dec_bfd_spec(struct cfg_dec *d, const json_t *spec, struct cfg_mlb_bfd *b)
{
	uint32_t echo_interval = 0;
	bool echo = false, passive = false;
	uint64_t u = 0;
	int rc;

	if ((rc = mlb_unknown(d, spec, bfd_known, &b->note)) < 0 ||
	    (rc = ms(d, spec, "receiveInterval", &b->bfd.receive_interval)) < 0 ||
	    (rc = ms(d, spec, "transmitInterval", &b->bfd.transmit_interval)) < 0 ||
	    (rc = ms(d, spec, "echoInterval", &echo_interval)) < 0 ||
	    (rc = cfg_dec_bool(d, spec, "echoMode", &echo)) < 0 ||
	    (rc = cfg_dec_bool(d, spec, "passiveMode", &passive)) < 0)
		return rc;
	rc = cfg_dec_uint(d, spec, "detectMultiplier", CFG_BFD_MULT_MIN, CFG_BFD_MULT_MAX, &u);
	if (rc < 0)
		return rc;
	if (rc)
		b->bfd.detect_multiplier = (uint32_t)u;
	rc = cfg_dec_uint(d, spec, "minimumTtl", 1, 254, &u);
	if (rc < 0)
		return rc;
	if ((rc &&
	     cfg_note_add(&b->note, "spec.minimumTtl: berth admits multihop BFD packets by "
	                            "the BGPPeer's hops (RFC 5082, as for BGP): ignored") < 0) ||
	    (echo && cfg_note_add(&b->note, "spec.echoMode: berth sends no BFD Echo packets "
	                                    "(RFC 5880 6.4): Control packets alone, at the "
	                                    "intervals above") < 0) ||
	    (passive && cfg_note_add(&b->note, "spec.passiveMode: berth's BFD sessions are active "
	                                       "(RFC 5880 6.1): they send from the start") < 0))
		return nomem(d);
	return 0;
}

int cfg_bfd_profile_decode(const json_t *obj, struct cfg_mlb_bfd *out, struct cfg_error *err)
{
	const json_t *spec = NULL;
	struct cfg_dec d;
	size_t mark;
	int rc;

	memset(out, 0, sizeof(*out));
	cfg_dec_init(&d, err, "BFDProfile", false);
	/* what a BGPPeer naming the profile gets: MetalLB's defaults */
	out->bfd.present = out->bfd.enabled = true;
	out->bfd.receive_interval = out->bfd.transmit_interval = CFG_DEFAULT_BFD_INTERVAL;
	out->bfd.detect_multiplier = CFG_DEFAULT_BFD_MULT;
	if ((rc = mlb_head(&d, obj, v1beta1_only, &out->meta, &spec, &out->note)) < 0 || !spec)
		goto out;
	mark = cfg_dec_push(&d, "spec");
	rc = dec_bfd_spec(&d, spec, out);
	cfg_dec_pop(&d, mark);
out:
	if (rc < 0)
		cfg_mlb_bfd_fini(out);
	return rc < 0 ? rc : 0;
}

void cfg_mlb_bfd_fini(struct cfg_mlb_bfd *b)
{
	cfg_meta_fini(&b->meta);
	free(b->note);
	free(b->xnote);
	memset(b, 0, sizeof(*b));
}

/* ---- Community (api/v1beta1/community_types.go) ---- */

static int dec_alias(struct cfg_dec *d, const json_t *item, struct cfg_mlb_alias *a, char **note)
{
	const char *name = NULL, *value = NULL, *why = NULL;
	char text[72];
	int rc;

	if ((rc = mlb_unknown(d, item, alias_known, note)) < 0 ||
	    (rc = cfg_dec_cstr(d, item, "name", &name)) < 0)
		return rc;
	if (!rc || !*name)
		return cfg_dec_fail_at(d, item, "name", "required");
	if (strlen(name) != json_string_length(cfg_dec_get(item, "name")))
		return cfg_dec_fail_at(d, item, "name", "must not contain a NUL byte");
	if ((rc = cfg_dec_cstr(d, item, "value", &value)) < 0)
		return rc;
	if (!rc || !*value)
		return cfg_dec_fail_at(d, item, "value", "required");
	if (strlen(value) != json_string_length(cfg_dec_get(item, "value")) ||
	    cfg_mlb_community_parse(value, &a->large, a->v, &why) < 0)
		return cfg_dec_fail_at(
		    d, item, "value", "\"%s\" %s",
		    cfg_shown(text, value, json_string_length(cfg_dec_get(item, "value"))),
		    why ? why : "must not contain a NUL byte");
	return (a->name = strdup(name)) ? 0 : nomem(d);
}

static int dec_alias_item(struct cfg_dec *d, const json_t *item, size_t i, void *ctx)
{
	struct cfg_mlb_community *c = ctx;
	int rc;

	c->n_aliases = i + 1;
	rc = dec_alias(d, item, &c->aliases[i], &c->note);
	for (size_t j = 0; rc >= 0 && j < i; j++)
		if (strcmp(c->aliases[j].name, c->aliases[i].name) == 0)
			rc =
			    cfg_dec_fail_here(d, item, "\"%s\" is defined twice (communities[%zu])",
			                      c->aliases[i].name, j);
	return rc;
}

static int dec_community_spec(struct cfg_dec *d, const json_t *spec, struct cfg_mlb_community *c)
{
	int rc;

	if ((rc = mlb_unknown(d, spec, community_known, &c->note)) < 0 ||
	    (rc = cfg_dec_mappings(d, spec, "communities", (void **)&c->aliases,
	                           sizeof(*c->aliases), dec_alias_item, c)) < 0)
		return rc;
	return 0;
}

int cfg_mlb_community_decode(const json_t *obj, struct cfg_mlb_community *out,
                             struct cfg_error *err)
{
	const json_t *spec = NULL;
	struct cfg_dec d;
	size_t mark;
	int rc;

	memset(out, 0, sizeof(*out));
	cfg_dec_init(&d, err, "Community", false);
	if ((rc = mlb_head(&d, obj, v1beta1_only, &out->meta, &spec, &out->note)) < 0 || !spec)
		goto out;
	mark = cfg_dec_push(&d, "spec");
	rc = dec_community_spec(&d, spec, out);
	cfg_dec_pop(&d, mark);
out:
	if (rc < 0)
		cfg_mlb_community_fini(out);
	return rc < 0 ? rc : 0;
}

void cfg_mlb_community_fini(struct cfg_mlb_community *c)
{
	cfg_meta_fini(&c->meta);
	for (size_t i = 0; i < c->n_aliases; i++)
		free(c->aliases[i].name);
	free(c->aliases);
	free(c->note);
	free(c->xnote);
	memset(c, 0, sizeof(*c));
}

void cfg_mlb_ignored_fini(struct cfg_mlb_ignored *o)
{
	cfg_meta_fini(&o->meta);
	free(o->note);
	memset(o, 0, sizeof(*o));
}
