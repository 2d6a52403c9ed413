/*
 * Eip: openelb/openelb api/v1alpha2/eip_types.go (EipSpec, EipStatus),
 * with the address forms of Eip.GetSize() and the checks of its
 * ValidateCreate webhook that concern one object.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/dec.h"

static const char *const top_known[] = {"apiVersion", "kind", "metadata", "spec", "status", NULL};
static const char *const spec_known[] = {
    "address",  "protocol",   "interface",         "disable", "usingKnownIPs",
    "priority", "namespaces", "namespaceSelector", NULL,
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
	if (cfg_addr_parse(buf, first) < 0)
		return -EINVAL;
	*last = *first;
	return 0;
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

static int cfg_dec_spec(struct cfg_dec *d, const json_t *spec, struct cfg_eip *e)
{
	const char *why = NULL;
	unsigned proto = CFG_EIP_BGP;
	int rc;

	if ((rc = cfg_dec_known(d, spec, spec_known)) < 0)
		return rc;
	rc = cfg_dec_string(d, spec, "address", &e->address);
	if (rc < 0)
		return rc;
	if (!rc || !*e->address)
		return cfg_dec_fail_at(d, spec, "address", "required");
	if (cfg_eip_parse_address(e->address, &e->first, &e->last, &why) < 0)
		return cfg_dec_fail_at(d, spec, "address", "\"%s\" %s", e->address, why);
	if ((rc = cfg_dec_enum(d, spec, "protocol", protocol_names, &proto)) < 0)
		return rc;
	e->protocol = (enum cfg_eip_protocol)proto;
	if ((rc = cfg_dec_string(d, spec, "interface", &e->interface)) < 0)
		return rc;
	/* Eip.ValidateCreate: "field spec.interface should not be empty" */
	if (e->protocol == CFG_EIP_LAYER2 && (!e->interface || !*e->interface))
		return cfg_dec_fail_at(d, spec, "interface", "required when protocol is layer2");
	if ((rc = cfg_dec_bool(d, spec, "disable", &e->disable)) < 0 ||
	    (rc = cfg_dec_bool(d, spec, "usingKnownIPs", &e->using_known_ips)) < 0 ||
	    (rc = cfg_dec_int(d, spec, "priority", INT64_MIN, INT64_MAX, &e->priority)) < 0 ||
	    (rc = cfg_dec_strings(d, spec, "namespaces", &e->namespaces, &e->n_namespaces)) < 0 ||
	    (rc = cfg_dec_map(d, spec, "namespaceSelector", &e->namespace_selector)) < 0)
		return rc;
	return 0;
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

void cfg_eip_fini(struct cfg_eip *e)
{
	cfg_meta_fini(&e->meta);
	free(e->address);
	free(e->interface);
	cfg_strings_free(e->namespaces, e->n_namespaces);
	cfg_map_fini(&e->namespace_selector);
	cfg_map_fini(&e->status.used);
	free(e->status.first_ip);
	free(e->status.last_ip);
	memset(e, 0, sizeof(*e));
}
