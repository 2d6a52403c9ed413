/*
 * Core v1 Service and Node (k8s.io/api/core/v1 types.go): only the fields
 * berth reads are decoded, unknown fields are ignored.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/dec.h"

static const char *const svc_types[] = {"ClusterIP", "NodePort", "LoadBalancer", "ExternalName",
                                        NULL};
static const char *const etp_names[] = {"Cluster", "Local", NULL};
static const char *const ipfp_names[] = {"", "SingleStack", "PreferDualStack", "RequireDualStack",
                                         NULL};
static const char *const family_names[] = {"IPv4", "IPv6", NULL};
static const char *const proto_names[] = {"TCP", "UDP", "SCTP", NULL};
static const char *const cond_names[] = {"Unknown", "True", "False", NULL};

static int nomem(struct cfg_dec *d)
{
	return cfg_err_set(d->err, -ENOMEM, 0, NULL, NULL, "out of memory");
}

static int cfg_dec_port(struct cfg_dec *d, const json_t *o, struct cfg_service_port *p)
{
	const json_t *tp;
	unsigned proto = 0;
	uint64_t u = 0;
	int rc;

	if ((rc = cfg_dec_string(d, o, "name", &p->name)) < 0 ||
	    (rc = cfg_dec_enum(d, o, "protocol", proto_names, &proto)) < 0)
		return rc;
	if (!(p->protocol = strdup(proto_names[proto])))
		return nomem(d);
	rc = cfg_dec_uint(d, o, "port", 1, 65535, &u);
	if (rc < 0)
		return rc;
	if (!rc)
		return cfg_dec_fail_at(d, o, "port", "required");
	p->port = (uint32_t)u;
	/* IntOrString: a port number or the name of a container port */
	tp = cfg_dec_get(o, "targetPort");
	if (json_is_integer(tp)) {
		char buf[24];

		if ((rc = cfg_dec_uint(d, o, "targetPort", 1, 65535, &u)) < 0)
			return rc;
		snprintf(buf, sizeof(buf), "%u", (unsigned)u);
		if (!(p->target_port = strdup(buf)))
			return nomem(d);
	} else if ((rc = cfg_dec_string(d, o, "targetPort", &p->target_port)) < 0) {
		return rc;
	}
	u = 0;
	if ((rc = cfg_dec_uint(d, o, "nodePort", 0, 65535, &u)) < 0)
		return rc;
	p->node_port = (uint32_t)u;
	if ((rc = cfg_dec_string(d, o, "appProtocol", &p->app_protocol)) < 0)
		return rc;
	return 0;
}

static int dec_port_item(struct cfg_dec *d, const json_t *item, size_t i, void *ctx)
{
	struct cfg_service *s = ctx;

	s->n_ports = i + 1;
	return cfg_dec_port(d, item, &s->ports[i]);
}

static int cfg_dec_families(struct cfg_dec *d, const json_t *spec, struct cfg_service *s)
{
	const json_t *arr = NULL;
	size_t i, mark;
	json_t *item;
	int rc = cfg_dec_array(d, spec, "ipFamilies", &arr);

	if (rc <= 0)
		return rc;
	mark = cfg_dec_push(d, "ipFamilies");
	json_array_foreach(arr, i, item)
	{
		const char *f = json_string_value(item);
		enum bgp_af af;

		if (f && strcmp(f, "IPv4") == 0)
			af = BGP_AF_IPV4;
		else if (f && strcmp(f, "IPv6") == 0)
			af = BGP_AF_IPV6;
		else {
			rc = cfg_dec_fail_idx(d, arr, i, "must be %s or %s", family_names[0],
			                      family_names[1]);
			break;
		}
		/* ipFamilies holds at most one of each, in order of preference */
		if (s->n_ip_families == BGP_AF_COUNT ||
		    (s->n_ip_families && s->ip_families[0] == af)) {
			rc = cfg_dec_fail_idx(d, arr, i, "duplicate family");
			break;
		}
		s->ip_families[s->n_ip_families++] = af;
	}
	cfg_dec_pop(d, mark);
	return rc;
}

static int dec_ingress_item(struct cfg_dec *d, const json_t *item, size_t i, void *ctx)
{
	struct cfg_service *s = ctx;
	/* hostname-only entries (cloud load balancers) carry nothing to announce */
	int rc = cfg_dec_addr(d, item, "ip", &s->ingress[s->n_ingress]);

	(void)i;
	if (rc > 0)
		s->n_ingress++;
	return rc;
}

static int cfg_dec_ingress(struct cfg_dec *d, const json_t *status, struct cfg_service *s)
{
	const json_t *lb = NULL;
	size_t mark;
	int rc;

	if ((rc = cfg_dec_object(d, status, "loadBalancer", &lb)) <= 0)
		return rc;
	mark = cfg_dec_push(d, "loadBalancer");
	rc = cfg_dec_mappings(d, lb, "ingress", (void **)&s->ingress, sizeof(*s->ingress),
	                      dec_ingress_item, s);
	cfg_dec_pop(d, mark);
	return rc;
}

static int cfg_dec_svc_spec(struct cfg_dec *d, const json_t *spec, struct cfg_service *s)
{
	const char *lbip = NULL;
	unsigned e = 0;
	int rc;

	if ((rc = cfg_dec_enum(d, spec, "type", svc_types, &e)) < 0)
		return rc;
	s->type = (enum cfg_svc_type)e;
	if ((rc = cfg_dec_string(d, spec, "loadBalancerClass", &s->load_balancer_class)) < 0 ||
	    (rc = cfg_dec_cstr(d, spec, "loadBalancerIP", &lbip)) < 0)
		return rc;
	if (rc && *lbip) {
		if ((rc = cfg_dec_addr(d, spec, "loadBalancerIP", &s->load_balancer_ip)) < 0)
			return rc;
		s->has_load_balancer_ip = true;
	}
	e = 0;
	if ((rc = cfg_dec_enum(d, spec, "externalTrafficPolicy", etp_names, &e)) < 0)
		return rc;
	s->external_traffic_policy = (enum cfg_traffic_policy)e;
	e = 0;
	if ((rc = cfg_dec_enum(d, spec, "ipFamilyPolicy", ipfp_names + 1, &e)) < 0)
		return rc;
	if (rc)
		s->ip_family_policy = (enum cfg_family_policy)(e + 1);
	if ((rc = cfg_dec_families(d, spec, s)) < 0 ||
	    (rc = cfg_dec_mappings(d, spec, "ports", (void **)&s->ports, sizeof(*s->ports),
	                           dec_port_item, s)) < 0)
		return rc;
	return 0;
}

int cfg_service_decode(const json_t *obj, struct cfg_service *out, struct cfg_error *err)
{
	const json_t *spec = NULL, *status = NULL;
	const char *proto;
	struct cfg_dec d;
	size_t mark;
	int rc;

	memset(out, 0, sizeof(*out));
	cfg_dec_init(&d, err, "Service", false);
	if ((rc = cfg_dec_type(&d, obj, "v1")) < 0 ||
	    (rc = cfg_dec_meta(&d, obj, true, &out->meta)) < 0 ||
	    (rc = cfg_dec_object(&d, obj, "spec", &spec)) < 0)
		goto out;
	proto = cfg_meta_annotation(&out->meta, CFG_ANN_PROTOCOL);
	out->bgp = !proto || strcmp(proto, "bgp") == 0;
	if (rc) {
		mark = cfg_dec_push(&d, "spec");
		rc = cfg_dec_svc_spec(&d, spec, out);
		cfg_dec_pop(&d, mark);
		if (rc < 0)
			goto out;
	}
	if ((rc = cfg_dec_object(&d, obj, "status", &status)) <= 0)
		goto out;
	mark = cfg_dec_push(&d, "status");
	rc = cfg_dec_ingress(&d, status, out);
	cfg_dec_pop(&d, mark);
out:
	if (rc < 0)
		cfg_service_fini(out);
	return rc < 0 ? rc : 0;
}

static void ports_free(struct cfg_service *s)
{
	for (size_t i = 0; i < s->n_ports; i++) {
		free(s->ports[i].name);
		free(s->ports[i].protocol);
		free(s->ports[i].target_port);
		free(s->ports[i].app_protocol);
	}
	free(s->ports);
	s->ports = NULL;
	s->n_ports = 0;
}

void cfg_service_fini(struct cfg_service *s)
{
	cfg_meta_fini(&s->meta);
	free(s->load_balancer_class);
	ports_free(s);
	free(s->ingress);
	memset(s, 0, sizeof(*s));
}

void cfg_service_trim(struct cfg_service *s)
{
	cfg_map_fini(&s->meta.labels);
	cfg_map_fini(&s->meta.annotations);
	free(s->meta.resource_version);
	free(s->meta.source);
	s->meta.resource_version = s->meta.source = NULL;
	free(s->load_balancer_class);
	s->load_balancer_class = NULL;
	ports_free(s);
}

/* ---- Node ---- */

static int dec_condition(struct cfg_dec *d, const json_t *item, size_t i, void *ctx)
{
	struct cfg_node *n = ctx;
	const char *type = NULL;
	unsigned st = 0;
	int rc = cfg_dec_cstr(d, item, "type", &type);

	(void)i;
	if (rc > 0 && strcmp(type, "Ready") == 0) {
		rc = cfg_dec_enum(d, item, "status", cond_names, &st);
		n->ready = rc > 0 ? (enum cfg_cond)st : CFG_COND_UNKNOWN;
	}
	return rc;
}

static int dec_address(struct cfg_dec *d, const json_t *item, size_t i, void *ctx)
{
	struct cfg_node *n = ctx;
	struct cfg_node_address *a = &n->addresses[i];
	int rc;

	n->n_addresses = i + 1;
	if ((rc = cfg_dec_string(d, item, "type", &a->type)) == 0)
		rc = cfg_dec_fail_at(d, item, "type", "required");
	if (rc > 0 && (rc = cfg_dec_string(d, item, "address", &a->address)) == 0)
		rc = cfg_dec_fail_at(d, item, "address", "required");
	if (rc < 0)
		return rc;
	a->is_ip = cfg_addr_parse(a->address, &a->ip) == 0;
	return 0;
}

int cfg_node_decode(const json_t *obj, struct cfg_node *out, struct cfg_error *err)
{
	const json_t *spec = NULL, *status = NULL;
	struct cfg_dec d;
	size_t mark;
	int rc;

	memset(out, 0, sizeof(*out));
	cfg_dec_init(&d, err, "Node", false);
	if ((rc = cfg_dec_type(&d, obj, "v1")) < 0 ||
	    (rc = cfg_dec_meta(&d, obj, false, &out->meta)) < 0 ||
	    (rc = cfg_dec_object(&d, obj, "spec", &spec)) < 0)
		goto out;
	if (rc) {
		mark = cfg_dec_push(&d, "spec");
		rc = cfg_dec_bool(&d, spec, "unschedulable", &out->unschedulable);
		cfg_dec_pop(&d, mark);
		if (rc < 0)
			goto out;
	}
	if ((rc = cfg_dec_object(&d, obj, "status", &status)) <= 0)
		goto out;
	mark = cfg_dec_push(&d, "status");
	if ((rc = cfg_dec_mappings(&d, status, "conditions", NULL, 0, dec_condition, out)) >= 0)
		rc = cfg_dec_mappings(&d, status, "addresses", (void **)&out->addresses,
		                      sizeof(*out->addresses), dec_address, out);
	cfg_dec_pop(&d, mark);
out:
	if (rc < 0)
		cfg_node_fini(out);
	return rc < 0 ? rc : 0;
}

void cfg_node_fini(struct cfg_node *n)
{
	cfg_meta_fini(&n->meta);
	for (size_t i = 0; i < n->n_addresses; i++) {
		free(n->addresses[i].type);
		free(n->addresses[i].address);
	}
	free(n->addresses);
	memset(n, 0, sizeof(*n));
}

const struct core_addr *cfg_node_ip(const struct cfg_node *n, const char *type, int family)
{
	for (size_t i = 0; i < n->n_addresses; i++) {
		const struct cfg_node_address *a = &n->addresses[i];

		if (a->is_ip && (!type || strcmp(a->type, type) == 0) &&
		    (!family || a->ip.family == family))
			return &a->ip;
	}
	return NULL;
}
