/*
 * Resource paths and query strings (Kubernetes API concepts, "Standard
 * API terminology": /api/v1 for the core group, /apis/GROUP/VERSION for
 * the others), and object accessors. Pure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "k8s/api.h"

const struct k8s_resource k8s_res_namespaces = {"", "v1", "namespaces", "Namespace", false};
const struct k8s_resource k8s_res_services = {"", "v1", "services", "Service", true};
const struct k8s_resource k8s_res_nodes = {"", "v1", "nodes", "Node", false};
const struct k8s_resource k8s_res_events = {"", "v1", "events", "Event", true};
const struct k8s_resource k8s_res_secrets = {"", "v1", "secrets", "Secret", true};
const struct k8s_resource k8s_res_endpointslices = {"discovery.k8s.io", "v1", "endpointslices",
                                                    "EndpointSlice", true};
const struct k8s_resource k8s_res_leases = {"coordination.k8s.io", "v1", "leases", "Lease", true};
/* OpenELB's custom resources are cluster-scoped. */
const struct k8s_resource k8s_res_eips = {"network.kubesphere.io", "v1alpha2", "eips", "Eip",
                                          false};
const struct k8s_resource k8s_res_bgpconfs = {"network.kubesphere.io", "v1alpha2", "bgpconfs",
                                              "BgpConf", false};
const struct k8s_resource k8s_res_bgppeers = {"network.kubesphere.io", "v1alpha2", "bgppeers",
                                              "BgpPeer", false};
/* MetalLB's are namespaced: berth reads them in MetalLB's namespace only. */
const struct k8s_resource k8s_res_mlb_pools = {"metallb.io", "v1beta1", "ipaddresspools",
                                               "IPAddressPool", true};
const struct k8s_resource k8s_res_mlb_peers = {"metallb.io", "v1beta2", "bgppeers", "BGPPeer",
                                               true};
const struct k8s_resource k8s_res_mlb_bgp_advs = {"metallb.io", "v1beta1", "bgpadvertisements",
                                                  "BGPAdvertisement", true};
const struct k8s_resource k8s_res_mlb_l2_advs = {"metallb.io", "v1beta1", "l2advertisements",
                                                 "L2Advertisement", true};
const struct k8s_resource k8s_res_mlb_bfds = {"metallb.io", "v1beta1", "bfdprofiles", "BFDProfile",
                                              true};
const struct k8s_resource k8s_res_mlb_communities = {"metallb.io", "v1beta1", "communities",
                                                     "Community", true};

bool k8s_name_valid(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n > 253 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_' || c == ':'))
			return false;
	}
	return true;
}

/* Appends to buf at *pos; -ENAMETOOLONG when it does not fit. */
static int put(char *buf, size_t size, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int put(char *buf, size_t size, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= size)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, size - *pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *pos)
		return -ENAMETOOLONG;
	*pos += (size_t)n;
	return 0;
}

int k8s_path(char *buf, size_t size, const struct k8s_resource *r, const char *ns, const char *name,
             const char *sub)
{
	size_t pos = 0;
	int rc;

	if (size)
		buf[0] = '\0';
	if (!k8s_name_valid(r->version) || !k8s_name_valid(r->resource) ||
	    (r->group[0] && !k8s_name_valid(r->group)))
		return -EINVAL;
	if (name && !k8s_name_valid(name))
		return -EINVAL;
	if (sub && (!name || !k8s_name_valid(sub)))
		return -EINVAL;
	if (!r->namespaced)
		ns = NULL;
	else if (ns && !k8s_name_valid(ns))
		return -EINVAL;
	else if (!ns && name)
		return -EINVAL;
	if (r->group[0])
		rc = put(buf, size, &pos, "/apis/%s/%s", r->group, r->version);
	else
		rc = put(buf, size, &pos, "/api/%s", r->version);
	if (!rc && ns)
		rc = put(buf, size, &pos, "/namespaces/%s", ns);
	if (!rc)
		rc = put(buf, size, &pos, "/%s", r->resource);
	if (!rc && name)
		rc = put(buf, size, &pos, "/%s", name);
	if (!rc && sub)
		rc = put(buf, size, &pos, "/%s", sub);
	if (rc && size)
		buf[0] = '\0';
	return rc;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int k8s_query_add(char *buf, size_t size, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t start = strnlen(buf, size), pos = start;
	int rc;

	if (start >= size)
		return -ENAMETOOLONG;
	rc = put(buf, size, &pos, "%c%s=", strchr(buf, '?') ? '&' : '?', key);
	for (const unsigned char *p = (const unsigned char *)value; !rc && *p; p++) {
		if (unreserved(*p))
			rc = put(buf, size, &pos, "%c", *p);
		else
			rc = put(buf, size, &pos, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	if (rc)
		buf[start] = '\0';
	return rc;
}

int k8s_api_version(const struct k8s_resource *r, char *buf, size_t size)
{
	int n;

	if (r->group[0])
		n = snprintf(buf, size, "%s/%s", r->group, r->version);
	else
		n = snprintf(buf, size, "%s", r->version);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static const char *meta_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), key));
}

const char *k8s_obj_name(const json_t *obj)
{
	return meta_str(obj, "name");
}

const char *k8s_obj_namespace(const json_t *obj)
{
	return meta_str(obj, "namespace");
}

const char *k8s_obj_rv(const json_t *obj)
{
	return meta_str(obj, "resourceVersion");
}

const char *k8s_obj_uid(const json_t *obj)
{
	return meta_str(obj, "uid");
}

const char *k8s_obj_kind(const json_t *obj)
{
	return json_string_value(json_object_get(obj, "kind"));
}
