/*
 * The sharing parameters the allocator holds for a Service.
 *
 * ipam refuses a request change that would break an address's sharing
 * (new sharing key, ports colliding with a co-holder) and keeps the old
 * parameters (ipam.h). No Kubernetes object records them, yet they decide
 * who else may share the address; a restart must find them again, or two
 * sharers would no longer fit together and one would be renumbered. So
 * berth writes them next to its status, in the annotation LB_ANN_SHARED
 * ("<externalTrafficPolicy>:<sharing key>", only for Services with a
 * sharing key in effect), and restores with them.
 *
 * Ports are not recorded. A Service whose request berth refused holds,
 * before and after a restart alike, the ports it asks for minus those any
 * co-holder asks for (lb_share_settle): a function of the requests only,
 * not of the order in which things happened.
 */
#include "controller/ctrl_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lb_eff_clear(struct lb_svc *s)
{
	free(s->eff_skey);
	free(s->eff_ports);
	s->eff_skey = NULL;
	s->eff_ports = NULL;
	s->eff_n_ports = 0;
	s->eff_ckey = NULL;
	s->eff_set = false;
}

static const char *nonempty(const char *k)
{
	return k && *k ? k : NULL;
}

bool lb_eff_equal(const struct lb_svc *s, const struct ipam_request *r)
{
	const char *k = nonempty(r->sharing_key);

	return s->eff_set &&
	       ((!k && !s->eff_skey) || (k && s->eff_skey && !strcmp(k, s->eff_skey))) &&
	       s->eff_ckey == r->compat_key && s->eff_n_ports == r->n_ports &&
	       (!r->n_ports || memcmp(s->eff_ports, r->ports, r->n_ports * sizeof(*r->ports)) == 0);
}

int lb_eff_record(struct lb_svc *s, const struct ipam_request *r)
{
	char *skey = NULL;
	struct ipam_port *ports = NULL;

	/* r may point into s's current parameters: copy before freeing. */
	if (nonempty(r->sharing_key) && !(skey = strdup(r->sharing_key)))
		return -ENOMEM;
	if (r->n_ports) {
		if (!(ports = malloc(r->n_ports * sizeof(*r->ports)))) {
			free(skey);
			return -ENOMEM;
		}
		memcpy(ports, r->ports, r->n_ports * sizeof(*r->ports));
	}
	lb_eff_clear(s);
	s->eff_skey = skey;
	s->eff_ports = ports;
	s->eff_n_ports = r->n_ports;
	s->eff_ckey = r->compat_key;
	s->eff_set = true;
	return 0;
}

char *lb_shared_value(const struct lb_svc *s, int *err)
{
	size_t len;
	char *v;

	if (!s->eff_set || !s->eff_skey || !s->eff_ckey)
		return NULL;
	len = strlen(s->eff_ckey) + strlen(s->eff_skey) + 2;
	if (!(v = malloc(len))) {
		*err = -ENOMEM;
		return NULL;
	}
	snprintf(v, len, "%s:%s", s->eff_ckey, s->eff_skey);
	return v;
}

/* ---- Co-holders' ports ---- */

struct holders {
	struct lb_ctrl *c;
	const struct lb_svc *self;
	const struct core_addr *addr;
	struct ipam_port *ports; /* owned: the union */
	size_t n, cap;
	int err;
};

static int add_ports(struct holders *h, const struct ipam_port *ports, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (h->n == h->cap) {
			size_t cap = h->cap ? 2 * h->cap : 8;
			struct ipam_port *p = realloc(h->ports, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			h->ports = p;
			h->cap = cap;
		}
		h->ports[h->n++] = ports[i];
	}
	return 0;
}

static int holder_cb(const struct core_addr *addr, const char *service, void *arg)
{
	struct holders *h = arg;
	const struct lb_svc *o;

	if (core_addr_cmp(addr, h->addr) != 0 || strcmp(service, h->self->key) == 0 ||
	    !(o = core_map_get(&h->c->svcs, service, strlen(service))))
		return 0;
	if ((h->err = add_ports(h, o->req.ports, o->req.n_ports)) < 0)
		return 1;
	return 0;
}

static bool port_in(const struct ipam_port *p, const struct ipam_port *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].port == p->port && v[i].proto == p->proto)
			return true;
	}
	return false;
}

/* r's ports without those that anyone else holding one of addrs asks
 * for: into *out (caller frees), *n. Walks the holdings: only for Services
 * in conflict. */
static int ports_minus_holders(struct lb_ctrl *c, const struct lb_svc *s,
                               const struct ipam_request *r, const struct core_addr *addrs,
                               size_t n_addrs, struct ipam_port **out, size_t *n)
{
	struct holders h = {.c = c, .self = s};
	int ret = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < n_addrs && ret == 0; i++) {
		const struct lb_eip *e = lb_eip_containing(c, &addrs[i]);

		h.addr = &addrs[i];
		if (e)
			ipam_pool_walk(c->ipam, e->name, holder_cb, &h);
		else
			ipam_orphans_walk(c->ipam, holder_cb, &h);
		ret = h.err;
	}
	if (ret == 0 && r->n_ports && !(*out = malloc(r->n_ports * sizeof(**out))))
		ret = -ENOMEM;
	for (size_t i = 0; ret == 0 && i < r->n_ports; i++) {
		if (!port_in(&r->ports[i], h.ports, h.n))
			(*out)[(*n)++] = r->ports[i];
	}
	free(h.ports);
	return ret;
}

/* ipam_restore, and on a port collision again with the ports that fit. */
static int restore_fit(struct lb_ctrl *c, struct lb_svc *s, struct ipam_request *r,
                       const struct core_addr *addrs, size_t n, struct ipam_result *res,
                       struct ipam_error *err)
{
	struct ipam_error e = {IPAM_OK, ""};
	struct ipam_port *ports;
	size_t np;
	int ret = ipam_restore(c->ipam, r, addrs, n, res, &e);

	if (ret < 0 && e.code == IPAM_ERR_PORT_CONFLICT) {
		if (ports_minus_holders(c, s, r, addrs, n, &ports, &np) < 0)
			return -ENOMEM;
		r->ports = ports;
		r->n_ports = np;
		ret = ipam_restore(c->ipam, r, addrs, n, res, &e);
		if (ret == 0 && lb_eff_record(s, r) < 0)
			ret = -ENOMEM;
		free(ports);
		r->ports = NULL;
		r->n_ports = 0;
	} else if (ret == 0 && lb_eff_record(s, r) < 0) {
		ret = -ENOMEM;
	}
	if (err)
		*err = e;
	return ret;
}

int lb_share_restore(struct lb_ctrl *c, struct lb_svc *s, const struct ipam_request *r,
                     const struct core_addr *addrs, size_t n, struct ipam_result *res,
                     struct ipam_error *err)
{
	struct ipam_request r2 = *r;
	const char *v = s->obs_shared, *colon;

	/* What berth recorded wins over what the Service asks now: without
	 * the annotation, a status berth wrote had no sharing key in effect. */
	if (s->obs_marker) {
		r2.sharing_key = NULL;
		r2.compat_key = NULL;
		if (v && (colon = strchr(v, ':')) && colon[1]) {
			size_t cl = (size_t)(colon - v);

			if (cl == 5 && !strncmp(v, "Local", 5))
				r2.compat_key = "Local", r2.sharing_key = colon + 1;
			else if (cl == 7 && !strncmp(v, "Cluster", 7))
				r2.compat_key = "Cluster", r2.sharing_key = colon + 1;
		}
	}
	return restore_fit(c, s, &r2, addrs, n, res, err);
}

int lb_share_settle(struct lb_ctrl *c, struct lb_svc *s)
{
	struct ipam_result res;
	struct core_addr addrs[2];
	struct ipam_request r;
	struct ipam_port *ports;
	struct lb_nsarg na;
	size_t np;
	int ret;

	if (!s->eff_set || ipam_service_get(c->ipam, s->key, &res) < 0)
		return 0;
	for (size_t i = 0; i < res.n; i++)
		addrs[i] = res.a[i].addr;
	/* Keys as in effect, ports as asked minus what co-holders ask. */
	lb_req_ipam(c, s, &r, &na);
	r.sharing_key = s->eff_skey;
	r.compat_key = s->eff_ckey;
	if ((ret = ports_minus_holders(c, s, &r, addrs, res.n, &ports, &np)) < 0)
		return ret;
	r.ports = ports;
	r.n_ports = np;
	if (!lb_eff_equal(s, &r) && ipam_restore(c->ipam, &r, addrs, res.n, &res, NULL) == 0) {
		ret = lb_eff_record(s, &r);
		c->retry = true; /* co-holders settle against this */
	}
	free(ports);
	return ret;
}
