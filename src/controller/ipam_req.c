/*
 * Request validation and the sharing rule (MetalLB allow-shared-ip: same
 * sharing key, same compat key, no (protocol, port) in common).
 */
#include "controller/ipam_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int port_cmp(const void *a, const void *b)
{
	const struct ipam_port *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	return (int)x->port - (int)y->port;
}

static const char *opt_str(const char *s)
{
	return s && *s ? s : NULL;
}

int ipam_norm_init(struct ipam_norm *n, const struct ipam_request *req, struct ipam_error *err)
{
	const char *key, *slash;
	size_t klen, w = 0;

	memset(n, 0, sizeof(*n));
	if (!req || !(key = req->service))
		return ipam_set_err(err, IPAM_ERR_INVALID, "request without a service");
	n->req = req;
	n->key = key;
	klen = strnlen(key, IPAM_STR_MAX + 1);
	slash = memchr(key, '/', klen);
	if (klen > IPAM_STR_MAX || !slash || slash == key || slash == key + klen - 1 ||
	    memchr(slash + 1, '/', klen - (size_t)(slash - key) - 1))
		return ipam_set_err(err, IPAM_ERR_INVALID,
		                    "service key \"%.64s\" is not \"namespace/name\"", key);
	if (req->ns) {
		if (!*req->ns || strnlen(req->ns, IPAM_NAME_MAX + 1) > IPAM_NAME_MAX)
			return ipam_set_err(err, IPAM_ERR_INVALID, "service %s: bad namespace",
			                    key);
		strcpy(n->ns, req->ns);
	} else {
		if ((size_t)(slash - key) > IPAM_NAME_MAX)
			return ipam_set_err(err, IPAM_ERR_INVALID, "service %s: bad namespace",
			                    key);
		memcpy(n->ns, key, (size_t)(slash - key));
		n->ns[slash - key] = '\0';
	}
	n->pool = opt_str(req->pool);
	n->skey = opt_str(req->sharing_key);
	n->ckey = opt_str(req->compat_key);
	if ((n->pool && strnlen(n->pool, IPAM_NAME_MAX + 1) > IPAM_NAME_MAX) ||
	    (n->skey && strnlen(n->skey, IPAM_STR_MAX + 1) > IPAM_STR_MAX) ||
	    (n->ckey && strnlen(n->ckey, IPAM_STR_MAX + 1) > IPAM_STR_MAX))
		return ipam_set_err(err, IPAM_ERR_INVALID, "service %s: pool or key too long", key);
	switch (req->policy) {
	case IPAM_SINGLE_V4:
		n->want[IPAM_F4] = true;
		break;
	case IPAM_SINGLE_V6:
		n->want[IPAM_F6] = true;
		break;
	case IPAM_DUAL_REQUIRE:
	case IPAM_DUAL_PREFER:
		n->want[IPAM_F4] = n->want[IPAM_F6] = true;
		break;
	default:
		return ipam_set_err(err, IPAM_ERR_INVALID, "service %s: unknown family policy",
		                    key);
	}
	if (req->n_ports > IPAM_MAX_PORTS || (req->n_ports && !req->ports))
		return ipam_set_err(err, IPAM_ERR_INVALID, "service %s: bad port list", key);
	if (req->n_ports && !(n->ports = malloc(req->n_ports * sizeof(*n->ports))))
		return ipam_set_err(err, IPAM_ERR_NOMEM, "service %s: out of memory", key);
	for (size_t i = 0; i < req->n_ports; i++) {
		const struct ipam_port *p = &req->ports[i];

		if (p->port == 0 || p->proto < IPAM_PROTO_TCP || p->proto > IPAM_PROTO_SCTP) {
			ipam_norm_fini(n);
			return ipam_set_err(err, IPAM_ERR_INVALID,
			                    "service %s: bad port %u protocol %u", key, p->port,
			                    p->proto);
		}
		n->ports[i] = *p;
	}
	if (req->n_ports)
		qsort(n->ports, req->n_ports, sizeof(*n->ports), port_cmp);
	for (size_t i = 0; i < req->n_ports; i++) {
		if (w == 0 || port_cmp(&n->ports[w - 1], &n->ports[i]) != 0)
			n->ports[w++] = n->ports[i];
	}
	n->n_ports = w;
	return 0;
}

int ipam_norm_addrs(struct ipam_norm *n, const struct core_addr *addrs, size_t n_addrs,
                    struct ipam_error *err)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (n_addrs > IPAM_NFAM || (n_addrs && !addrs))
		return ipam_set_err(err, IPAM_ERR_INVALID,
		                    "service %s: at most one address per family", n->key);
	for (size_t i = 0; i < n_addrs; i++) {
		int f = ipam_fam_of(addrs[i].family);

		if (f < 0 || n->has_spec[f] ||
		    (f == IPAM_F6 && memcmp(addrs[i].bytes, mapped, sizeof(mapped)) == 0))
			return ipam_set_err(err, IPAM_ERR_INVALID,
			                    "service %s: bad or duplicate address family", n->key);
		n->has_spec[f] = true;
		n->spec[f] = ipam_addr_val(&addrs[i]);
	}
	return 0;
}

void ipam_norm_fini(struct ipam_norm *n)
{
	free(n->ports);
	n->ports = NULL;
	n->n_ports = 0;
}

bool ipam_str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static const char *proto_name(uint8_t p)
{
	return p == IPAM_PROTO_TCP ? "tcp" : p == IPAM_PROTO_UDP ? "udp" : "sctp";
}

/* First (protocol, port) in both sorted lists, or NULL. */
static const struct ipam_port *ports_common(const struct ipam_port *a, size_t na,
                                            const struct ipam_port *b, size_t nb)
{
	size_t i = 0, j = 0;

	while (i < na && j < nb) {
		int c = port_cmp(&a[i], &b[j]);

		if (c == 0)
			return &a[i];
		if (c < 0)
			i++;
		else
			j++;
	}
	return NULL;
}

int ipam_share_check(const struct ipam_hold *h, const struct ipam_svc *self,
                     const struct ipam_norm *n, struct ipam_error *err)
{
	char a[CORE_ADDR_STRLEN];

	for (size_t i = 0; i < h->n_holders; i++) {
		const struct ipam_svc *o = h->holders[i];
		const struct ipam_port *p = NULL;
		enum ipam_err code = IPAM_OK;

		if (o == self)
			continue;
		if (!n->skey || !o->skey || strcmp(n->skey, o->skey) != 0 ||
		    !ipam_str_eq(n->ckey, o->ckey))
			code = IPAM_ERR_IN_USE;
		else if ((p = ports_common(n->ports, n->n_ports, o->ports, o->n_ports)))
			code = IPAM_ERR_PORT_CONFLICT;
		else
			continue;
		if (!err) /* a probe: skip formatting */
			return ipam_set_err(NULL, code, "%s", "");
		ipam_val_str(h->fam, h->val, a);
		if (p)
			return ipam_set_err(err, code,
			                    "service %s: address %s is shared with %s under key "
			                    "\"%.64s\" but both use %s/%u",
			                    n->key, a, o->key, n->skey, proto_name(p->proto),
			                    p->port);
		return ipam_set_err(err, code,
		                    "service %s: address %s is held by %s and cannot be shared "
		                    "(sharing key \"%.64s\" vs \"%.64s\", compat key \"%.64s\" vs "
		                    "\"%.64s\")",
		                    n->key, a, o->key, n->skey ? n->skey : "",
		                    o->skey ? o->skey : "", n->ckey ? n->ckey : "",
		                    o->ckey ? o->ckey : "");
	}
	return 0;
}
