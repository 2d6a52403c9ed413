/*
 * From a decoded Service to what berth does with it: is it berth's, and
 * what does it ask for (controller/ctrl.h lists the fields and annotations).
 */
#include "controller/ctrl_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- Addresses ---- */

int lb_fam_bit(uint8_t family)
{
	return family == AF_INET6 ? 2 : 1;
}

/* ---- Which Services are berth's ---- */

enum lb_claim lb_svc_claim(const struct lb_ctrl *c, const struct cfg_service *svc)
{
	const char *ann;

	if (svc->type != CFG_SVC_LOAD_BALANCER)
		return LB_CLAIM_NO;
	/* spec.loadBalancerClass: a Service with a class belongs to the
	 * implementation of that class alone (KEP-1959). */
	if (svc->load_balancer_class)
		return strcmp(svc->load_balancer_class, c->lb_class) == 0 ? LB_CLAIM_YES
		                                                          : LB_CLAIM_NO;
	ann = cfg_meta_annotation(&svc->meta, CFG_ANN_LB);
	if (ann)
		return strcmp(ann, "openelb") == 0 || strcmp(ann, "porter") == 0 ? LB_CLAIM_YES
		                                                                 : LB_CLAIM_NO;
	return LB_CLAIM_DEFAULT;
}

/* ---- OpenELB's protocol annotation ---- */

/* spec.protocol's values (kubebuilder:validation:Enum=bgp;layer2;vip),
 * indexed by enum cfg_eip_protocol; the annotation takes the same ones. */
static const char *const proto_names[] = {
    [CFG_EIP_BGP] = "bgp",
    [CFG_EIP_LAYER2] = "layer2",
    [CFG_EIP_VIP] = "vip",
};

const char *lb_proto_name(enum cfg_eip_protocol p)
{
	return (size_t)p < sizeof(proto_names) / sizeof(proto_names[0]) ? proto_names[p] : "?";
}

uint8_t lb_proto_ann(const struct cfg_service *svc)
{
	const char *v = cfg_meta_annotation(&svc->meta, CFG_ANN_PROTOCOL);

	if (!v)
		return LB_PANN_NONE;
	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
		if (strcmp(v, proto_names[i]) == 0)
			return (uint8_t)(1 + i);
	}
	return LB_PANN_OTHER;
}

/* ---- Requests ---- */

void lb_req_fini(struct lb_req *r)
{
	free(r->pool);
	free(r->skey);
	free(r->ports);
	free(r->invalid);
	memset(r, 0, sizeof(*r));
}

static int set_invalidf(struct lb_req *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int set_invalidf(struct lb_req *r, const char *fmt, ...)
{
	char buf[LB_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(r->invalid);
	return (r->invalid = strdup(buf)) ? 0 : -ENOMEM;
}

static int set_invalid(struct lb_req *r, const char *fmt, const char *field, const char *val)
{
	return set_invalidf(r, fmt, field, val);
}

/* "a" or "a,b", spaces allowed around each: at most one address per family. */
static int parse_addr_list(const char *s, struct lb_req *r, const char *field)
{
	char buf[2 * CORE_ADDR_STRLEN + 8], *p, *save = NULL;
	size_t n = 0;

	if (strlen(s) >= sizeof(buf))
		return set_invalid(
		    r, "%s: \"%.64s...\" is too long for one IPv4 and one IPv6 address", field, s);
	strcpy(buf, s);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *end = p + strlen(p);
		struct core_addr a;

		while (*p == ' ')
			p++;
		while (end > p && end[-1] == ' ')
			*--end = '\0';
		if (n == 2 || ipam_addr_parse(p, &a) < 0)
			return set_invalid(
			    r, "%s: \"%s\" is not one IP address or one IPv4 and one IPv6 address",
			    field, s);
		if (n == 1 && r->addrs[0].family == a.family)
			return set_invalid(r, "%s: \"%s\" names two addresses of one family", field,
			                   s);
		r->addrs[n++] = a;
	}
	if (!n)
		return set_invalid(r, "%s: \"%s\" is not an IP address", field, s);
	r->n_addrs = n;
	return 0;
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* MetalLB's valueForAnnotation: the metallb.io spelling when present
 * (even empty), else the older one; *field says which. */
static const char *metallb_ann(const struct cfg_meta *m, const char *key, const char *old,
                               const char *field, const char *old_field, const char **which)
{
	const char *v = cfg_meta_annotation(m, key);

	*which = field;
	if (v)
		return v;
	*which = old_field;
	return cfg_meta_annotation(m, old);
}

static uint8_t port_proto(const char *p)
{
	if (p && strcmp(p, "UDP") == 0)
		return IPAM_PROTO_UDP;
	if (p && strcmp(p, "SCTP") == 0)
		return IPAM_PROTO_SCTP;
	return IPAM_PROTO_TCP; /* the Kubernetes default */
}

int lb_req_build(const struct lb_ctrl *c, const struct cfg_service *svc, struct lb_req *out)
{
	static const struct {
		const char *key, *field;
	} share[] = {
	    {LB_ANN_SHARING_KEY, "annotation " LB_ANN_SHARING_KEY},
	    {LB_ANN_METALLB_SHARE, "annotation " LB_ANN_METALLB_SHARE},
	    {LB_ANN_METALLB_SHARE0, "annotation " LB_ANN_METALLB_SHARE0},
	};
	const struct cfg_meta *m = &svc->meta;
	const char *ip_ann = nonempty(cfg_meta_annotation(m, LB_ANN_EIP_IP));
	const char *pool = nonempty(cfg_meta_annotation(m, CFG_ANN_EIP));
	const char *mlb_ips_field, *mlb_pool_field;
	const char *mlb_ips = nonempty(metallb_ann(
	    m, LB_ANN_METALLB_IPS, LB_ANN_METALLB_IPS0, "annotation " LB_ANN_METALLB_IPS,
	    "annotation " LB_ANN_METALLB_IPS0, &mlb_ips_field));
	const char *mlb_pool = nonempty(metallb_ann(
	    m, LB_ANN_METALLB_POOL, LB_ANN_METALLB_POOL0, "annotation " LB_ANN_METALLB_POOL,
	    "annotation " LB_ANN_METALLB_POOL0, &mlb_pool_field));
	int af = c->default_family, err = 0, ret = 0;

	memset(out, 0, sizeof(*out));
	if (svc->n_ip_families)
		af = svc->ip_families[0] == BGP_AF_IPV6 ? AF_INET6 : AF_INET;
	out->primary = af;
	switch (svc->ip_family_policy) {
	case CFG_IPFP_PREFER_DUAL_STACK:
		out->policy = IPAM_DUAL_PREFER;
		break;
	case CFG_IPFP_REQUIRE_DUAL_STACK:
		out->policy = IPAM_DUAL_REQUIRE;
		break;
	default: /* SingleStack, or unset as in a manifest */
		out->policy = af == AF_INET6 ? IPAM_SINGLE_V6 : IPAM_SINGLE_V4;
		break;
	}
	/* OpenELB ConstructRequest: the annotation overrides spec.loadBalancerIP.
	 * MetalLB's getDesiredLbIPs refuses its annotation beside
	 * spec.loadBalancerIP; OpenELB's and MetalLB's together would make
	 * one of them silently lose. */
	if (ip_ann && mlb_ips) {
		ret = set_invalidf(
		    out, "%s: not with annotation " LB_ANN_EIP_IP ": give the addresses one way",
		    mlb_ips_field);
	} else if (mlb_ips && svc->has_load_balancer_ip) {
		ret = set_invalidf(out,
		                   "%s: not with spec.loadBalancerIP: give the addresses one way",
		                   mlb_ips_field);
	} else if (ip_ann) {
		out->addr_field = "annotation " LB_ANN_EIP_IP;
		ret = parse_addr_list(ip_ann, out, out->addr_field);
	} else if (mlb_ips) {
		out->addr_field = mlb_ips_field;
		ret = parse_addr_list(mlb_ips, out, out->addr_field);
	} else if (svc->has_load_balancer_ip) {
		out->addr_field = "spec.loadBalancerIP";
		out->addrs[0] = svc->load_balancer_ip;
		out->n_addrs = 1;
	}
	if (ret < 0)
		goto out;
	/* one pool: OpenELB's annotation, or MetalLB's (pools are named by
	 * name alone, so either may name an Eip or an IPAddressPool) */
	if (pool && mlb_pool && strcmp(pool, mlb_pool) != 0 &&
	    (ret = set_invalidf(out,
	                        "%s: \"%.*s\" is another pool than annotation " CFG_ANN_EIP
	                        " names (\"%.*s\")",
	                        mlb_pool_field, 64, mlb_pool, 64, pool)) < 0)
		goto out;
	out->pool = lb_strdup(pool ? pool : mlb_pool, &err);
	for (size_t i = 0; i < sizeof(share) / sizeof(share[0]); i++) {
		const char *k = nonempty(cfg_meta_annotation(m, share[i].key));

		if (k) {
			out->skey = lb_strdup(k, &err);
			out->skey_field = share[i].field;
			break;
		}
	}
	/* MetalLB lets Local Services share only with the same pod selector,
	 * which berth does not see: Local shares with Local, Cluster with
	 * Cluster. */
	out->ckey = svc->external_traffic_policy == CFG_ETP_LOCAL ? "Local" : "Cluster";
	if (svc->n_ports && !(out->ports = calloc(svc->n_ports, sizeof(*out->ports))))
		err = -ENOMEM;
	for (size_t i = 0; !err && i < svc->n_ports; i++) {
		if (svc->ports[i].port == 0 || svc->ports[i].port > 65535)
			continue; /* the decoder refuses these */
		out->ports[out->n_ports].port = (uint16_t)svc->ports[i].port;
		out->ports[out->n_ports++].proto = port_proto(svc->ports[i].protocol);
	}
	ret = err;
out:
	if (ret < 0)
		lb_req_fini(out);
	return ret;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Equal for the allocator (the ingress order, primary, is not). */
bool lb_req_equal(const struct lb_req *a, const struct lb_req *b)
{
	return a->policy == b->policy && a->n_addrs == b->n_addrs &&
	       (!a->n_addrs || memcmp(a->addrs, b->addrs, a->n_addrs * sizeof(a->addrs[0])) == 0) &&
	       str_eq(a->addr_field, b->addr_field) && str_eq(a->pool, b->pool) &&
	       str_eq(a->skey, b->skey) && str_eq(a->ckey, b->ckey) && a->n_ports == b->n_ports &&
	       (!a->n_ports || memcmp(a->ports, b->ports, a->n_ports * sizeof(a->ports[0])) == 0) &&
	       str_eq(a->invalid, b->invalid);
}

void lb_req_ipam(struct lb_ctrl *c, const struct lb_svc *s, struct ipam_request *r,
                 struct lb_nsarg *nsarg)
{
	memset(r, 0, sizeof(*r));
	nsarg->c = c;
	nsarg->ns = s->ns;
	r->service = s->key;
	r->ns = s->ns;
	r->policy = s->req.policy;
	r->addrs = s->req.addrs;
	r->n_addrs = s->req.n_addrs;
	r->pool = s->req.pool;
	r->sharing_key = s->req.skey;
	/* The compat key only matters with a sharing key; without one it is
	 * left out, so that nothing unrecorded shows in messages. */
	r->compat_key = s->req.skey ? s->req.ckey : NULL;
	r->ports = s->req.ports;
	r->n_ports = s->req.n_ports;
	r->ns_match = lb_ns_match;
	r->ns_match_arg = nsarg;
}
