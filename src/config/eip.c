/*
 * Eip: openelb/openelb api/v1alpha2/eip_types.go (EipSpec, EipStatus),
 * with the address forms of Eip.GetSize() and the checks of its
 * ValidateCreate webhook that concern one object.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/dec.h"

static const char *const top_known[] = {"apiVersion", "kind", "metadata", "spec", "status", NULL};
static const char *const spec_known[] = {
    "address",
    "protocol",
    "interface",
    "disable",
    "usingKnownIPs",
    "priority",
    "namespaces",
    "namespaceSelector",
    /* berth extension (issue 14), named as MetalLB's BGPAdvertisement */
    "bgp",
    NULL,
};
static const char *const bgp_known[] = {
    "communities",       "largeCommunities",    "localPref",
    "aggregationLength", "aggregationLengthV6", "peers",
    "nodeSelector",      "linkBandwidth",       NULL,
};
static const char *const status_known[] = {
    "occupied", "usage", "poolSize", "used", "firstIP", "lastIP", "ready", "v4", NULL,
};
/* kubebuilder:validation:Enum=bgp;layer2;vip, same order as enum cfg_eip_protocol */
static const char *const protocol_names[] = {"bgp", "layer2", "vip", NULL};

#define ADDR_TEXT_MAX 128

static int parse_prefix_len(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (!*s || strlen(s) > 3)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int cfg_range_check(const struct core_addr *first, const struct core_addr *last, const char **why)
{
	if (first->family != last->family) {
		*why = "mixes IPv4 and IPv6";
		return -EINVAL;
	}
	if (core_addr_cmp(first, last) > 0) {
		*why = "starts after its end";
		return -EINVAL;
	}
	return 0;
}

int cfg_eip_parse_address(const char *s, struct core_addr *first, struct core_addr *last,
                          const char **why)
{
	char buf[ADDR_TEXT_MAX];
	char *sep;
	size_t len = strlen(s);

	*why = "is not an IP address, CIDR or first-last range";
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len + 1);
	sep = strchr(buf, '/');
	if (sep) {
		unsigned plen, nbytes;

		*sep = '\0';
		if (cfg_addr_parse(buf, first) < 0)
			return -EINVAL;
		nbytes = core_af_len(first->family);
		if (parse_prefix_len(sep + 1, nbytes * 8, &plen) < 0) {
			*why = "has a prefix length out of range";
			return -EINVAL;
		}
		/* like Go's net.ParseCIDR, host bits are allowed and dropped */
		*last = *first;
		for (unsigned i = 0; i < nbytes; i++) {
			unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
			uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);

			first->bytes[i] &= mask;
			last->bytes[i] |= (uint8_t)~mask;
		}
		return 0;
	}
	/* EipRangeSeparator "-": no IPv4 or IPv6 text contains it */
	sep = strchr(buf, '-');
	if (sep) {
		*sep = '\0';
		if (cfg_addr_parse(buf, first) < 0 || cfg_addr_parse(sep + 1, last) < 0)
			return -EINVAL;
		return cfg_range_check(first, last, why);
	}
	if (cfg_addr_parse(buf, first) < 0)
		return -EINVAL;
	*last = *first;
	return 0;
}

static int nomem(struct cfg_dec *d)
{
	return cfg_err_set(d->err, -ENOMEM, 0, NULL, NULL, "out of memory");
}

const char *cfg_shown(char buf[72], const char *s, size_t len)
{
	size_t n = len < 64 ? len : 64, i;

	for (i = 0; i < n; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (len > n) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_triple(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	for (int i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/*
 * communities (width 1, RFC 1997) or largeCommunities (width 3, RFC
 * 8092): each item parsed, duplicates refused (naming the first), the
 * values sorted so that one set has one form, whatever the order written.
 */
static int cfg_dec_communities(struct cfg_dec *d, const json_t *bgp, const char *key, size_t width,
                               size_t max, uint32_t **out, size_t *n_out)
{
	const json_t *arr = NULL;
	size_t i, mark;
	json_t *v;
	int rc = cfg_dec_array(d, bgp, key, &arr);

	if (rc <= 0 || !json_array_size(arr))
		return rc;
	if (json_array_size(arr) > max)
		return cfg_dec_fail_at(d, bgp, key, "at most %zu communities", max);
	*out = calloc(json_array_size(arr) * width, sizeof(**out));
	if (!*out)
		return nomem(d);
	mark = cfg_dec_push(d, key);
	json_array_foreach(arr, i, v)
	{
		uint32_t *val = *out + i * width;
		const char *why = NULL;
		char text[72];

		if (!json_is_string(v)) {
			rc = cfg_dec_fail_idx(d, arr, i, "must be a string");
			break;
		}
		rc = width == 1 ? cfg_community_parse(json_string_value(v), json_string_length(v),
		                                      val, &why)
		                : cfg_large_community_parse(json_string_value(v),
		                                            json_string_length(v), val, &why);
		if (rc < 0) {
			rc = cfg_dec_fail_idx(
			    d, arr, i, "\"%s\" %s",
			    cfg_shown(text, json_string_value(v), json_string_length(v)), why);
			break;
		}
		for (size_t j = 0; j < i; j++)
			if (memcmp(*out + j * width, val, width * sizeof(*val)) == 0) {
				rc = cfg_dec_fail_idx(
				    d, arr, i, "\"%s\" is the same community as %s[%zu]",
				    cfg_shown(text, json_string_value(v), json_string_length(v)),
				    key, j);
				break;
			}
		if (rc < 0)
			break;
	}
	cfg_dec_pop(d, mark);
	if (rc < 0)
		return rc;
	*n_out = json_array_size(arr);
	qsort(*out, *n_out, width * sizeof(**out), width == 1 ? cmp_u32 : cmp_triple);
	return 1;
}

int cfg_dec_names(struct cfg_dec *d, const json_t *obj, const char *key, const char *what,
                  char ***out, size_t *n)
{
	const json_t *arr = cfg_dec_get(obj, key);
	size_t mark;
	int rc = cfg_dec_strings(d, obj, key, out, n);

	if (rc <= 0)
		return rc;
	mark = cfg_dec_push(d, key);
	for (size_t i = 0; rc > 0 && i < *n; i++) {
		if (!*(*out)[i])
			rc = cfg_dec_fail_idx(d, arr, i, "must not be empty (%s)", what);
		/* JSON may hold a NUL, which strdup would have cut the name at */
		else if (strlen((*out)[i]) != json_string_length(json_array_get(arr, i)))
			rc = cfg_dec_fail_idx(d, arr, i, "must not contain a NUL byte");
		for (size_t j = 0; rc > 0 && j < i; j++)
			if (strcmp((*out)[i], (*out)[j]) == 0)
				rc = cfg_dec_fail_idx(d, arr, i, "\"%s\" is listed twice (%s[%zu])",
				                      (*out)[i], key, j);
	}
	cfg_dec_pop(d, mark);
	if (rc < 0) {
		cfg_strings_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

size_t cfg_communities_sort(uint32_t *v, size_t n, size_t width)
{
	size_t k = 0;

	if (!n)
		return 0;
	qsort(v, n, width * sizeof(*v), width == 1 ? cmp_u32 : cmp_triple);
	for (size_t i = 1; i < n; i++)
		if (memcmp(v + k * width, v + i * width, width * sizeof(*v)) != 0) {
			k++;
			memmove(v + k * width, v + i * width, width * sizeof(*v));
		}
	return k + 1;
}

unsigned cfg_eip_min_aggregation(const struct core_addr *first, const struct core_addr *last)
{
	unsigned nbytes = (unsigned)core_af_len(first->family), bits = nbytes * 8;
	uint8_t end[16];
	unsigned tz_first = bits, tz_end = bits, carry = 1;

	/* end = last + 1; past the top of the space it wraps to 0, which has
	 * every bit zero like 2^bits, the block boundary it stands for */
	for (unsigned i = nbytes; i-- > 0;) {
		unsigned x = last->bytes[i] + carry;

		end[i] = (uint8_t)x;
		carry = x >> 8;
	}
	for (unsigned i = nbytes; i-- > 0;) {
		if (first->bytes[i]) {
			tz_first = (nbytes - 1 - i) * 8 + (unsigned)__builtin_ctz(first->bytes[i]);
			break;
		}
	}
	for (unsigned i = nbytes; i-- > 0;) {
		if (end[i]) {
			tz_end = (nbytes - 1 - i) * 8 + (unsigned)__builtin_ctz(end[i]);
			break;
		}
	}
	/* an aggregate of length L is a block of 2^(bits - L) addresses; every
	 * such block that meets [first, last] lies inside it iff first and
	 * last + 1 are multiples of the block size */
	return bits - (tz_first < tz_end ? tz_first : tz_end);
}

/* The range of family whose aggregates need the longest length (the one
 * cfg_eip_min_aggregation_of gives), or NULL. */
static const struct cfg_range *tightest(const struct cfg_eip *e, int family)
{
	const struct cfg_range *t = NULL;
	unsigned min = 0;

	for (size_t i = 0; i < e->n_ranges; i++) {
		const struct cfg_range *r = &e->ranges[i];
		unsigned m;

		if (r->first.family != family)
			continue;
		m = cfg_eip_min_aggregation(&r->first, &r->last);
		if (!t || m > min) {
			t = r;
			min = m;
		}
	}
	return t;
}

unsigned cfg_eip_min_aggregation_of(const struct cfg_eip *e, int family)
{
	const struct cfg_range *t = tightest(e, family);

	return t ? cfg_eip_min_aggregation(&t->first, &t->last) : 0;
}

int cfg_eip_check_aggregation(const struct cfg_eip *e, const struct cfg_eip_bgp *b, int *family,
                              unsigned *min, const char **range)
{
	static const int fams[2] = {AF_INET, AF_INET6};

	for (int k = 0; k < 2; k++) {
		unsigned len = k ? b->aggregation_length_v6 : b->aggregation_length;
		const struct cfg_range *r = tightest(e, fams[k]);

		if (!r || len >= cfg_eip_min_aggregation(&r->first, &r->last))
			continue;
		*family = fams[k];
		*min = cfg_eip_min_aggregation(&r->first, &r->last);
		*range = r->text;
		return -EINVAL;
	}
	return 0;
}

static int cfg_dec_aggregation(struct cfg_dec *d, const json_t *bgp, struct cfg_eip *e,
                               struct cfg_eip_bgp *b)
{
	static const struct {
		const char *key;
		unsigned max;
	} lens[2] = {{"aggregationLength", 32}, {"aggregationLengthV6", 128}};
	const char *range = NULL;
	unsigned min = 0;
	int fam = 0;

	for (int k = 0; k < 2; k++) {
		uint8_t *len = k ? &b->aggregation_length_v6 : &b->aggregation_length;
		uint64_t u = 0;
		int rc = cfg_dec_uint(d, bgp, lens[k].key, 0, lens[k].max, &u);

		if (rc < 0)
			return rc;
		if (rc)
			*len = (uint8_t)u;
	}
	/* the other family's is harmless, unused */
	if (cfg_eip_check_aggregation(e, b, &fam, &min, &range) < 0)
		return cfg_dec_fail_at(
		    d, bgp, fam == AF_INET ? lens[0].key : lens[1].key,
		    "%u is shorter than the pool allows: an aggregate must "
		    "lie inside %s, so at least %u",
		    fam == AF_INET ? b->aggregation_length : b->aggregation_length_v6, range, min);
	return 0;
}

static int cfg_dec_bgp(struct cfg_dec *d, const json_t *bgp, struct cfg_eip *e,
                       struct cfg_eip_bgp *b)
{
	uint64_t u = 0;
	int rc;

	b->present = true;
	if ((rc = cfg_dec_known(d, bgp, bgp_known)) < 0 ||
	    (rc = cfg_dec_communities(d, bgp, "communities", 1, CFG_EIP_MAX_COMMUNITIES,
	                              &b->communities, &b->n_communities)) < 0 ||
	    (rc = cfg_dec_communities(d, bgp, "largeCommunities", 3, CFG_EIP_MAX_LARGE_COMMUNITIES,
	                              &b->large_communities, &b->n_large_communities)) < 0)
		return rc;
	rc = cfg_dec_uint(d, bgp, "localPref", 0, UINT32_MAX, &u);
	if (rc < 0)
		return rc;
	b->has_local_pref = rc > 0;
	b->local_pref = (uint32_t)u;
	if ((rc = cfg_dec_aggregation(d, bgp, e, b)) < 0 ||
	    (rc = cfg_dec_names(d, bgp, "peers", "a BgpPeer name", &b->peers, &b->n_peers)) < 0)
		return rc;
	if ((rc = cfg_dec_map_selector(d, bgp, "nodeSelector", &b->node_selectors,
	                               &b->n_node_selectors)) < 0)
		return rc;
	rc = cfg_dec_bool(d, bgp, "linkBandwidth", &b->link_bandwidth);
	return rc < 0 ? rc : 0;
}

static int cfg_dec_status(struct cfg_dec *d, const json_t *st, struct cfg_eip_status *s)
{
	int64_t i = 0;
	int rc;

	if ((rc = cfg_dec_known(d, st, status_known)) < 0 ||
	    (rc = cfg_dec_bool(d, st, "occupied", &s->occupied)) < 0)
		return rc;
	if ((rc = cfg_dec_int(d, st, "usage", 0, INT64_MAX, &i)) < 0)
		return rc;
	s->usage = i;
	i = 0;
	if ((rc = cfg_dec_int(d, st, "poolSize", 0, INT64_MAX, &i)) < 0)
		return rc;
	s->pool_size = i;
	if ((rc = cfg_dec_map(d, st, "used", &s->used)) < 0 ||
	    (rc = cfg_dec_string(d, st, "firstIP", &s->first_ip)) < 0 ||
	    (rc = cfg_dec_string(d, st, "lastIP", &s->last_ip)) < 0 ||
	    (rc = cfg_dec_bool(d, st, "ready", &s->ready)) < 0 ||
	    (rc = cfg_dec_bool(d, st, "v4", &s->v4)) < 0)
		return rc;
	return 0;
}

void cfg_eip_bgp_defaults(struct cfg_eip_bgp *b)
{
	b->aggregation_length = 32;
	b->aggregation_length_v6 = 128;
	b->link_bandwidth = true;
}

static int cfg_dec_spec(struct cfg_dec *d, const json_t *spec, struct cfg_eip *e)
{
	const json_t *bgp = NULL;
	const char *why = NULL;
	char *interface = NULL;
	struct cfg_range *r;
	size_t mark;
	unsigned proto = CFG_EIP_BGP;
	int rc;

	if ((rc = cfg_dec_known(d, spec, spec_known)) < 0)
		return rc;
	if (!(e->ranges = calloc(1, sizeof(*e->ranges))))
		return nomem(d);
	e->n_ranges = 1;
	r = &e->ranges[0];
	rc = cfg_dec_string(d, spec, "address", &r->text);
	if (rc < 0)
		return rc;
	if (!rc || !*r->text)
		return cfg_dec_fail_at(d, spec, "address", "required");
	if (cfg_eip_parse_address(r->text, &r->first, &r->last, &why) < 0)
		return cfg_dec_fail_at(d, spec, "address", "\"%s\" %s", r->text, why);
	if ((rc = cfg_dec_enum(d, spec, "protocol", protocol_names, &proto)) < 0)
		return rc;
	e->protocol = (enum cfg_eip_protocol)proto;
	if ((rc = cfg_dec_string(d, spec, "interface", &interface)) < 0)
		return rc;
	/* Eip.ValidateCreate: "field spec.interface should not be empty" */
	if (e->protocol == CFG_EIP_LAYER2 && (!interface || !*interface)) {
		free(interface);
		return cfg_dec_fail_at(d, spec, "interface", "required when protocol is layer2");
	}
	if (e->protocol == CFG_EIP_LAYER2) {
		/* one layer 2 announcement, on spec.interface */
		if (!(e->l2 = calloc(1, sizeof(*e->l2))) ||
		    !(e->l2->interfaces = calloc(1, sizeof(char *)))) {
			free(interface);
			return nomem(d);
		}
		e->n_l2 = 1;
		e->l2->interfaces[0] = interface;
		e->l2->n_interfaces = 1;
	} else {
		/* OpenELB ignores it for the other protocols */
		free(interface);
	}
	e->auto_assign = true;
	if ((rc = cfg_dec_bool(d, spec, "disable", &e->disable)) < 0 ||
	    (rc = cfg_dec_bool(d, spec, "usingKnownIPs", &e->using_known_ips)) < 0 ||
	    (rc = cfg_dec_int(d, spec, "priority", INT64_MIN, INT64_MAX, &e->priority)) < 0 ||
	    (rc = cfg_dec_strings(d, spec, "namespaces", &e->namespaces, &e->n_namespaces)) < 0 ||
	    (rc = cfg_dec_map_selector(d, spec, "namespaceSelector", &e->ns_selectors,
	                               &e->n_ns_selectors)) < 0)
		return rc;
	if ((rc = cfg_dec_object(d, spec, "bgp", &bgp)) < 0)
		return rc;
	/* a layer2 pool is never announced over BGP: settings for it would
	 * silently do nothing */
	if (rc && e->protocol != CFG_EIP_BGP)
		return cfg_dec_fail_at(d, spec, "bgp", "only for protocol bgp (this pool is %s)",
		                       protocol_names[e->protocol]);
	if (e->protocol != CFG_EIP_BGP)
		return 0;
	/* protocol bgp: one BGP announcement, spec.bgp's or the defaults
	 * (host routes, link bandwidth) */
	if (!(e->bgp = calloc(1, sizeof(*e->bgp))))
		return nomem(d);
	e->n_bgp = 1;
	cfg_eip_bgp_defaults(e->bgp);
	if (!bgp)
		return 0;
	mark = cfg_dec_push(d, "bgp");
	rc = cfg_dec_bgp(d, bgp, e, e->bgp);
	cfg_dec_pop(d, mark);
	return rc < 0 ? rc : 0;
}

int cfg_eip_decode(const json_t *obj, struct cfg_eip *out, struct cfg_error *err)
{
	const json_t *spec = NULL, *status = NULL;
	struct cfg_dec d;
	size_t mark;
	int rc;

	memset(out, 0, sizeof(*out));
	cfg_dec_init(&d, err, "Eip", true);
	if ((rc = cfg_dec_openelb_head(&d, obj, top_known, &out->meta, &spec)) < 0)
		goto out;
	mark = cfg_dec_push(&d, "spec");
	rc = cfg_dec_spec(&d, spec, out);
	cfg_dec_pop(&d, mark);
	if (rc < 0 || (rc = cfg_dec_object(&d, obj, "status", &status)) <= 0)
		goto out;
	mark = cfg_dec_push(&d, "status");
	rc = cfg_dec_status(&d, status, &out->status);
	cfg_dec_pop(&d, mark);
out:
	if (rc < 0)
		cfg_eip_fini(out);
	return rc < 0 ? rc : 0;
}

void cfg_eip_bgp_fini(struct cfg_eip_bgp *b)
{
	free(b->name);
	free(b->communities);
	free(b->large_communities);
	cfg_strings_free(b->peers, b->n_peers);
	cfg_selectors_free(b->node_selectors, b->n_node_selectors);
	memset(b, 0, sizeof(*b));
}

void cfg_eip_l2_fini(struct cfg_eip_l2 *l)
{
	free(l->name);
	cfg_strings_free(l->interfaces, l->n_interfaces);
	cfg_selectors_free(l->node_selectors, l->n_node_selectors);
	memset(l, 0, sizeof(*l));
}

void cfg_eip_fini(struct cfg_eip *e)
{
	cfg_meta_fini(&e->meta);
	for (size_t i = 0; i < e->n_ranges; i++)
		free(e->ranges[i].text);
	free(e->ranges);
	cfg_strings_free(e->namespaces, e->n_namespaces);
	cfg_selectors_free(e->ns_selectors, e->n_ns_selectors);
	for (size_t i = 0; i < e->n_bgp; i++)
		cfg_eip_bgp_fini(&e->bgp[i]);
	free(e->bgp);
	for (size_t i = 0; i < e->n_l2; i++)
		cfg_eip_l2_fini(&e->l2[i]);
	free(e->l2);
	cfg_map_fini(&e->status.used);
	free(e->status.first_ip);
	free(e->status.last_ip);
	free(e->note);
	free(e->xnote);
	memset(e, 0, sizeof(*e));
}

const struct cfg_range *cfg_eip_range_of(const struct cfg_eip *e, const struct core_addr *a)
{
	for (size_t i = 0; i < e->n_ranges; i++) {
		const struct cfg_range *r = &e->ranges[i];

		if (r->first.family == a->family && core_addr_cmp(&r->first, a) <= 0 &&
		    core_addr_cmp(a, &r->last) <= 0)
			return r;
	}
	return NULL;
}

static bool ranges_overlap(const struct cfg_range *x, const struct cfg_range *y)
{
	return x->first.family == y->first.family && core_addr_cmp(&x->first, &y->last) <= 0 &&
	       core_addr_cmp(&y->first, &x->last) <= 0;
}

bool cfg_eip_overlaps(const struct cfg_eip *a, const struct cfg_eip *b, const struct cfg_range **ra,
                      const struct cfg_range **rb)
{
	for (size_t i = 0; i < a->n_ranges; i++)
		for (size_t j = 0; j < b->n_ranges; j++)
			if (ranges_overlap(&a->ranges[i], &b->ranges[j])) {
				if (ra)
					*ra = &a->ranges[i];
				if (rb)
					*rb = &b->ranges[j];
				return true;
			}
	return false;
}

const struct core_addr *cfg_eip_first_of(const struct cfg_eip *e, int family)
{
	for (size_t i = 0; i < e->n_ranges; i++)
		if (e->ranges[i].first.family == family)
			return &e->ranges[i].first;
	return NULL;
}

const char *cfg_eip_kind(const struct cfg_eip *e)
{
	return e->api == CFG_API_METALLB ? "IPAddressPool" : "Eip";
}

const char *cfg_eip_l2_ifspec(const struct cfg_eip *e, char *buf, size_t size)
{
	char a[CORE_ADDR_STRLEN];

	if (!e->n_l2 || !size)
		return NULL;
	for (size_t i = 0; i < e->n_l2; i++)
		if (e->l2[i].n_interfaces) {
			snprintf(buf, size, "%s", e->l2[i].interfaces[0]);
			return buf;
		}
	/* MetalLB answers on every interface; the one the pool's addresses
	 * are reached through is where their requests arrive */
	snprintf(buf, size, "can_reach:%s", core_addr_str(&e->ranges[0].first, a));
	return buf;
}

static bool names_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	/* a set of names (no duplicates): order does not matter */
	for (size_t i = 0; i < na; i++) {
		size_t j;

		for (j = 0; j < nb && strcmp(a[i], b[j]) != 0; j++)
			;
		if (j == nb)
			return false;
	}
	return true;
}

bool cfg_eip_bgp_equal(const struct cfg_eip_bgp *a, const struct cfg_eip_bgp *b)
{
	/* present is left out: no spec.bgp and an empty one announce alike.
	 * Communities are sorted by the decoder: equal sets, equal arrays. */
	return a->n_communities == b->n_communities &&
	       (!a->n_communities ||
	        !memcmp(a->communities, b->communities, a->n_communities * sizeof(uint32_t))) &&
	       a->n_large_communities == b->n_large_communities &&
	       (!a->n_large_communities ||
	        !memcmp(a->large_communities, b->large_communities,
	                a->n_large_communities * 3 * sizeof(uint32_t))) &&
	       a->has_local_pref == b->has_local_pref &&
	       (!a->has_local_pref || a->local_pref == b->local_pref) &&
	       a->aggregation_length == b->aggregation_length &&
	       a->aggregation_length_v6 == b->aggregation_length_v6 &&
	       names_equal(a->peers, a->n_peers, b->peers, b->n_peers) &&
	       cfg_selectors_equal(a->node_selectors, a->n_node_selectors, b->node_selectors,
	                           b->n_node_selectors) &&
	       a->link_bandwidth == b->link_bandwidth;
}
