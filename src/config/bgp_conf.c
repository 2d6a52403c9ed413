/*
 * BgpConf: openelb/openelb api/v1alpha2/bgpconf_types.go (BgpConfSpec).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/dec.h"

static const char *const top_known[] = {"apiVersion", "kind", "metadata", "spec", "status", NULL};
static const char *const spec_known[] = {
    "as",
    "asPerRack",
    "routerId",
    "listenPort",
    "listenAddresses",
    "families",
    "useMultiplePaths",
    "gracefulRestart",
    "policy",
    /* berth extension (issue 14): the weight of one endpoint */
    "linkBandwidthPerEndpoint",
    NULL,
};

static int nomem(struct cfg_dec *d)
{
	return cfg_err_set(d->err, -ENOMEM, 0, NULL, NULL, "out of memory");
}

static int cfg_dec_as_per_rack(struct cfg_dec *d, const json_t *spec, struct cfg_bgp_conf *c)
{
	const json_t *m = NULL;
	const char *rack;
	json_t *v;
	size_t mark;
	int rc = cfg_dec_object(d, spec, "asPerRack", &m);

	if (rc <= 0 || !json_object_size(m))
		return rc;
	c->as_per_rack = calloc(json_object_size(m), sizeof(*c->as_per_rack));
	if (!c->as_per_rack)
		return nomem(d);
	mark = cfg_dec_push(d, "asPerRack");
	json_object_foreach((json_t *)m, rack, v)
	{
		struct cfg_as_rack *r = &c->as_per_rack[c->n_as_per_rack];
		uint64_t as = 0;

		rc = cfg_dec_uint(d, m, rack, 1, UINT32_MAX, &as);
		if (rc < 0)
			break;
		if (!rc) {
			/* null: keep the slot out, as if the rack were not listed */
			continue;
		}
		r->as = (uint32_t)as;
		r->rack = strdup(rack);
		c->n_as_per_rack++;
		if (!r->rack) {
			rc = nomem(d);
			break;
		}
	}
	cfg_dec_pop(d, mark);
	return rc < 0 ? rc : 1;
}

static int cfg_dec_router_id(struct cfg_dec *d, const json_t *spec, struct cfg_bgp_conf *c)
{
	const char *s = NULL;
	struct in_addr a;
	int rc = cfg_dec_cstr(d, spec, "routerId", &s);

	if (rc <= 0 || !*s)
		return rc;
	/* RFC 6286 section 2.1: a non-zero 4-octet BGP Identifier */
	if (inet_pton(AF_INET, s, &a) != 1 || a.s_addr == 0)
		return cfg_dec_fail_at(d, spec, "routerId", "\"%s\" is not a non-zero IPv4 address",
		                       s);
	c->has_router_id = true;
	c->router_id = ntohl(a.s_addr);
	return 1;
}

static int cfg_dec_listen_addresses(struct cfg_dec *d, const json_t *spec, struct cfg_bgp_conf *c)
{
	const json_t *a = NULL;
	size_t i, mark;
	json_t *v;
	int rc = cfg_dec_array(d, spec, "listenAddresses", &a);

	if (rc <= 0 || !json_array_size(a))
		return rc;
	c->listen_addresses = calloc(json_array_size(a), sizeof(*c->listen_addresses));
	if (!c->listen_addresses)
		return nomem(d);
	mark = cfg_dec_push(d, "listenAddresses");
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v)) {
			rc = cfg_dec_fail_idx(d, a, i, "must be a string");
			break;
		}
		if (cfg_addr_parse(json_string_value(v), &c->listen_addresses[i]) < 0) {
			rc = cfg_dec_fail_idx(d, a, i, "\"%s\" is not an IP address",
			                      json_string_value(v));
			break;
		}
		c->n_listen_addresses = i + 1;
	}
	cfg_dec_pop(d, mark);
	return rc;
}

static int cfg_dec_families(struct cfg_dec *d, const json_t *spec, struct cfg_bgp_conf *c)
{
	const json_t *a = NULL;
	size_t i, mark;
	json_t *v;
	int rc = cfg_dec_array(d, spec, "families", &a);

	if (rc <= 0 || !json_array_size(a))
		return rc;
	c->families = calloc(json_array_size(a), sizeof(*c->families));
	if (!c->families)
		return nomem(d);
	mark = cfg_dec_push(d, "families");
	json_array_foreach(a, i, v)
	{
		json_int_t f = json_is_integer(v) ? json_integer_value(v) : -1;

		if (f != CFG_FAMILY_IPV4_UNICAST && f != CFG_FAMILY_IPV6_UNICAST) {
			rc = cfg_dec_fail_idx(d, a, i,
			                      "must be %u (IPv4 unicast) or %u (IPv6 unicast)",
			                      CFG_FAMILY_IPV4_UNICAST, CFG_FAMILY_IPV6_UNICAST);
			break;
		}
		for (size_t j = 0; j < c->n_families; j++)
			if (c->families[j] == (uint32_t)f)
				rc = cfg_dec_fail_idx(d, a, i, "duplicate family %u", (uint32_t)f);
		if (rc < 0)
			break;
		c->families[c->n_families++] = (uint32_t)f;
	}
	cfg_dec_pop(d, mark);
	return rc;
}

static int cfg_dec_spec(struct cfg_dec *d, const json_t *spec, struct cfg_bgp_conf *c)
{
	uint64_t u = 0;
	int64_t port = 0;
	int rc;

	if ((rc = cfg_dec_known(d, spec, spec_known)) < 0)
		return rc;
	rc = cfg_dec_uint(d, spec, "as", 1, UINT32_MAX, &u);
	if (rc < 0)
		return rc;
	if (!rc)
		return cfg_dec_fail_at(d, spec, "as", "required");
	c->as = (uint32_t)u;
	if ((rc = cfg_dec_as_per_rack(d, spec, c)) < 0 || (rc = cfg_dec_router_id(d, spec, c)) < 0)
		return rc;
	/* GoBGP: -1 means "do not listen"; OpenELB omits 0, so 0 is the default */
	rc = cfg_dec_int(d, spec, "listenPort", -1, 65535, &port);
	if (rc < 0)
		return rc;
	c->listen_port = port ? (int32_t)port : CFG_DEFAULT_BGP_PORT;
	if ((rc = cfg_dec_listen_addresses(d, spec, c)) < 0 ||
	    (rc = cfg_dec_families(d, spec, c)) < 0 ||
	    (rc = cfg_dec_bool(d, spec, "useMultiplePaths", &c->use_multiple_paths)) < 0 ||
	    (rc = cfg_dec_graceful_restart(d, spec, "gracefulRestart", &c->graceful_restart)) < 0 ||
	    (rc = cfg_dec_string(d, spec, "policy", &c->policy)) < 0)
		return rc;
	/* Whole bytes per second: the community carries a float, but a
	 * fraction of a byte per second would only invite rounding questions.
	 * Past BGP_LINK_BW_MAX even one endpoint would be clamped. */
	c->link_bw_per_endpoint = CFG_DEFAULT_LINK_BW_PER_ENDPOINT;
	rc = cfg_dec_uint_unit(d, spec, "linkBandwidthPerEndpoint", 1, BGP_LINK_BW_MAX, "bytes/s",
	                       &c->link_bw_per_endpoint);
	return rc < 0 ? rc : 0;
}

int cfg_bgp_conf_decode(const json_t *obj, struct cfg_bgp_conf *out, struct cfg_error *err)
{
	const json_t *spec = NULL, *status = NULL;
	struct cfg_dec d;
	size_t mark;
	int rc;

	memset(out, 0, sizeof(*out));
	cfg_dec_init(&d, err, "BgpConf", true);
	/* status is OpenELB's to write: type-checked only. */
	if ((rc = cfg_dec_openelb_head(&d, obj, top_known, &out->meta, &spec)) < 0 ||
	    (rc = cfg_dec_object(&d, obj, "status", &status)) < 0)
		goto out;
	mark = cfg_dec_push(&d, "spec");
	rc = cfg_dec_spec(&d, spec, out);
	cfg_dec_pop(&d, mark);
out:
	if (rc < 0)
		cfg_bgp_conf_fini(out);
	return rc < 0 ? rc : 0;
}

void cfg_bgp_conf_fini(struct cfg_bgp_conf *c)
{
	cfg_meta_fini(&c->meta);
	for (size_t i = 0; i < c->n_as_per_rack; i++)
		free(c->as_per_rack[i].rack);
	free(c->as_per_rack);
	free(c->listen_addresses);
	free(c->families);
	free(c->graceful_restart.mode);
	free(c->policy);
	memset(c, 0, sizeof(*c));
}

uint32_t cfg_bgp_conf_node_as(const struct cfg_bgp_conf *c, const struct cfg_map *node_labels)
{
	const char *rack = cfg_map_get(node_labels, CFG_LABEL_RACK);

	if (rack && *rack)
		for (size_t i = 0; i < c->n_as_per_rack; i++)
			if (strcmp(c->as_per_rack[i].rack, rack) == 0 && c->as_per_rack[i].as)
				return c->as_per_rack[i].as;
	return c->as;
}

bool cfg_bgp_conf_node_router_id(const struct cfg_bgp_conf *c, const struct cfg_map *node_labels,
                                 uint32_t *id)
{
	const char *rack = cfg_map_get(node_labels, CFG_LABEL_RACK);

	/* OpenELB's bgpconf controller clears routerId for racked nodes */
	if (rack && *rack && c->n_as_per_rack)
		return false;
	if (!c->has_router_id)
		return false;
	*id = c->router_id;
	return true;
}

static bool gr_equal(const struct cfg_graceful_restart *a, const struct cfg_graceful_restart *b)
{
	return a->present == b->present && a->enabled == b->enabled &&
	       a->restart_time == b->restart_time && a->helper_only == b->helper_only &&
	       a->deferral_time == b->deferral_time &&
	       a->notification_enabled == b->notification_enabled &&
	       a->longlived_enabled == b->longlived_enabled &&
	       a->stale_routes_time == b->stale_routes_time &&
	       a->peer_restart_time == b->peer_restart_time && cfg_str_eq(a->mode, b->mode);
}

bool cfg_graceful_restart_equal(const struct cfg_graceful_restart *a,
                                const struct cfg_graceful_restart *b)
{
	return gr_equal(a, b);
}

bool cfg_bgp_conf_session_equal(const struct cfg_bgp_conf *a, const struct cfg_bgp_conf *b)
{
	if (a->as != b->as || a->has_router_id != b->has_router_id ||
	    a->router_id != b->router_id || a->listen_port != b->listen_port ||
	    a->n_as_per_rack != b->n_as_per_rack ||
	    a->n_listen_addresses != b->n_listen_addresses || a->n_families != b->n_families ||
	    a->use_multiple_paths != b->use_multiple_paths ||
	    !gr_equal(&a->graceful_restart, &b->graceful_restart) ||
	    !cfg_str_eq(a->policy, b->policy))
		return false;
	for (size_t i = 0; i < a->n_as_per_rack; i++)
		if (strcmp(a->as_per_rack[i].rack, b->as_per_rack[i].rack) != 0 ||
		    a->as_per_rack[i].as != b->as_per_rack[i].as)
			return false;
	for (size_t i = 0; i < a->n_listen_addresses; i++)
		if (!core_addr_equal(&a->listen_addresses[i], &b->listen_addresses[i]))
			return false;
	for (size_t i = 0; i < a->n_families; i++)
		if (a->families[i] != b->families[i])
			return false;
	return true;
}

int cfg_bgp_conf_init_default(struct cfg_bgp_conf *c, uint32_t as)
{
	memset(c, 0, sizeof(*c));
	if (!(c->meta.name = strdup("default")))
		return -ENOMEM;
	c->as = as;
	c->listen_port = CFG_DEFAULT_BGP_PORT;
	c->link_bw_per_endpoint = CFG_DEFAULT_LINK_BW_PER_ENDPOINT;
	return 0;
}
