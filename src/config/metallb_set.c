/*
 * MetalLB's rules across objects, and the lowering of its objects onto
 * the one model of pools and peers (config.h: cfg_set_validate's MetalLB
 * part, cfg_set_resolve, cfg_set_notes). One walk over the set serves
 * both: validating, the first broken rule is the error; resolving, what
 * breaks a rule is left out and said in the note of the object at fault,
 * the rest is attached. Pure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/dec.h"

/* ---- The MetalLB namespace ---- */

const char *cfg_metallb_ns(const struct cfg_set *s)
{
	return s->metallb_ns ? s->metallb_ns : CFG_METALLB_NS;
}

/* A namespace's name: a DNS-1123 label, [a-z0-9-], at most 63 bytes,
 * a letter or digit at each end. */
static bool dns1123_label(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

int cfg_set_metallb_ns(struct cfg_set *s, const char *ns)
{
	char *c;

	if (!ns || !dns1123_label(ns))
		return -EINVAL;
	if (!(c = strdup(ns)))
		return -ENOMEM;
	free(s->metallb_ns);
	s->metallb_ns = c;
	return 0;
}

/* ---- The walk ---- */

/*
 * What resolving builds, per object (indexed as the set's arrays), before
 * it replaces what the set held: nothing is touched until everything is
 * built, so that running out of memory leaves the set as it was.
 */
struct built {
	struct cfg_eip_bgp **bgp; /* per pool */
	size_t *n_bgp;
	struct cfg_eip_l2 **l2;
	size_t *n_l2;
	struct cfg_bfd *bfd; /* per peer */
	char **x_eips, **x_peers, **x_bgp_advs, **x_l2_advs, **x_bfds, **x_communities;
	struct cfg_bgp_conf *conf; /* the BgpConf made for BGPPeers, or NULL */
};

struct walk {
	const struct cfg_set *s;
	struct cfg_error *err; /* validating: where the first broken rule goes */
	struct built *b;       /* resolving: NULL when validating */
};

/*
 * A rule that object m (kind) breaks at path. Validating: the error.
 * Resolving: said in *xnote. Returns -EINVAL (validating), 1 (noted) or
 * -ENOMEM.
 */
static int brk(struct walk *w, const char *kind, const struct cfg_meta *m, char **xnote,
               const char *path, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int brk(struct walk *w, const char *kind, const struct cfg_meta *m, char **xnote,
               const char *path, const char *fmt, ...)
{
	char msg[CFG_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!w->b)
		return cfg_obj_fail(w->err, kind, m, path, "%s", msg);
	return cfg_note_add(xnote, "%s: %s", path, msg) < 0 ? -ENOMEM : 1;
}

static const struct cfg_eip *pool_named(const struct cfg_set *s, const char *name)
{
	for (size_t i = 0; i < s->n_eips; i++)
		if (s->eips[i].api == CFG_API_METALLB && strcmp(s->eips[i].meta.name, name) == 0)
			return &s->eips[i];
	return NULL;
}

static bool peer_known(const struct cfg_set *s, const char *name)
{
	for (size_t i = 0; i < s->n_peers; i++)
		if (s->peers[i].api == CFG_API_METALLB && strcmp(s->peers[i].meta.name, name) == 0)
			return true;
	/* one berth does not peer with (its note says why) is still there */
	for (size_t i = 0; i < s->n_ignored; i++)
		if (!strcmp(s->ignored[i].kind, "BGPPeer") &&
		    strcmp(s->ignored[i].meta.name, name) == 0 &&
		    cfg_str_eq(s->ignored[i].meta.ns, cfg_metallb_ns(s)))
			return true;
	return false;
}

/* Whether an advertisement (its pool names and selectors) selects pool e:
 * neither means every IPAddressPool (setBGPAdvertisementsToPools). */
static bool selects(char *const *pools, size_t n_pools, const struct cfg_selector *sels,
                    size_t n_sels, const struct cfg_eip *e)
{
	if (e->api != CFG_API_METALLB)
		return false;
	if (!n_pools && !n_sels)
		return true;
	for (size_t i = 0; i < n_pools; i++)
		if (strcmp(pools[i], e->meta.name) == 0)
			return true;
	return n_sels && cfg_selectors_match(sels, n_sels, &e->meta.labels);
}

/* ---- Communities ---- */

/* The first definition of alias name, or NULL (*where: its object). */
static const struct cfg_mlb_alias *alias_of(const struct cfg_set *s, const char *name,
                                            size_t *where)
{
	for (size_t i = 0; i < s->n_communities; i++)
		for (size_t k = 0; k < s->communities[i].n_aliases; k++)
			if (strcmp(s->communities[i].aliases[k].name, name) == 0) {
				if (where)
					*where = i;
				return &s->communities[i].aliases[k];
			}
	return NULL;
}

static int check_aliases(struct walk *w)
{
	const struct cfg_set *s = w->s;

	/* communitiesFromCrs: "duplicate definition of community" */
	for (size_t i = 0; i < s->n_communities; i++) {
		const struct cfg_mlb_community *c = &s->communities[i];

		for (size_t k = 0; k < c->n_aliases; k++) {
			size_t first = i;
			char path[64];
			int rc;

			alias_of(s, c->aliases[k].name, &first);
			if (first == i)
				continue;
			snprintf(path, sizeof(path), "spec.communities[%zu].name", k);
			rc = brk(w, "Community", &c->meta, w->b ? &w->b->x_communities[i] : NULL,
			         path,
			         "\"%s\" is defined by Community %s too (%s): the first one counts",
			         c->aliases[k].name, s->communities[first].meta.name,
			         cfg_src_or(&s->communities[first].meta));
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/*
 * The communities of advertisement a (aliases looked up) into the arrays
 * of *out (sorted, each once; out's other fields untouched). Returns 0,
 * 1 when a rule is broken (noted), or < 0.
 */
static int adv_communities(struct walk *w, const struct cfg_mlb_bgp_adv *a, size_t ai,
                           struct cfg_eip_bgp *out)
{
	uint32_t *std = NULL, *lg = NULL;
	size_t n_std = 0, n_lg = 0;
	int rc = 0;

	if (a->n_communities && (!(std = calloc(a->n_communities, sizeof(*std))) ||
	                         !(lg = calloc(a->n_communities * 3, sizeof(*lg))))) {
		free(std);
		return -ENOMEM;
	}
	for (size_t i = 0; i < a->n_communities && rc == 0; i++) {
		const struct cfg_mlb_alias *al = alias_of(w->s, a->communities[i], NULL);
		const char *why = NULL;
		char path[48], text[72];
		uint32_t v[3];
		bool large;
		int p;

		snprintf(path, sizeof(path), "spec.communities[%zu]", i);
		cfg_shown(text, a->communities[i], strlen(a->communities[i]));
		/* getCommunityValue: an alias first, then a value */
		if (al) {
			large = al->large;
			memcpy(v, al->v, sizeof(v));
		} else if ((p = cfg_mlb_community_parse(a->communities[i], &large, v, &why)) < 0) {
			rc =
			    p == -ENOENT
			        ? brk(w, "BGPAdvertisement", &a->meta,
			              w->b ? &w->b->x_bgp_advs[ai] : NULL, path,
			              "no Community alias \"%s\", and no community value (AS:VALUE "
			              "or large:G:L1:L2)",
			              text)
			        : brk(w, "BGPAdvertisement", &a->meta,
			              w->b ? &w->b->x_bgp_advs[ai] : NULL, path, "\"%s\" %s", text,
			              why);
			break;
		}
		if (large)
			memcpy(lg + 3 * n_lg++, v, sizeof(v));
		else
			std[n_std++] = v[0];
	}
	if (rc == 0) {
		n_std = cfg_communities_sort(std, n_std, 1);
		n_lg = cfg_communities_sort(lg, n_lg, 3);
		if (n_std > CFG_EIP_MAX_COMMUNITIES || n_lg > CFG_EIP_MAX_LARGE_COMMUNITIES)
			rc = brk(w, "BGPAdvertisement", &a->meta,
			         w->b ? &w->b->x_bgp_advs[ai] : NULL, "spec.communities",
			         "at most %d communities and %d large ones",
			         CFG_EIP_MAX_COMMUNITIES, CFG_EIP_MAX_LARGE_COMMUNITIES);
	}
	if (rc == 0 && out) {
		out->communities = n_std ? std : NULL;
		out->n_communities = n_std;
		out->large_communities = n_lg ? lg : NULL;
		out->n_large_communities = n_lg;
		if (n_std)
			std = NULL;
		if (n_lg)
			lg = NULL;
	}
	free(std);
	free(lg);
	return rc;
}

/* ---- Advertisements against the pools they select ---- */

static bool pool_has(const struct cfg_eip *e, int family)
{
	return cfg_eip_first_of(e, family) != NULL;
}

/* isAggrLengthDifferent: the two give different routes to the pool. */
static bool aggr_differs(const struct cfg_eip_bgp *x, const struct cfg_eip_bgp *y,
                         const struct cfg_eip *e)
{
	bool v4 = pool_has(e, AF_INET), v6 = pool_has(e, AF_INET6);
	bool d4 = x->aggregation_length != y->aggregation_length;
	bool d6 = x->aggregation_length_v6 != y->aggregation_length_v6;

	if (!v4 && !v6)
		return true;
	if (!v6)
		return d4;
	if (!v4)
		return d6;
	return d4 && d6;
}

/* BGPAdvertisementsHaveCompatibleLocalPref: x and y reach no route,
 * peer and node in common, or agree on LOCAL_PREF. */
static bool local_pref_ok(const struct cfg_set *s, const struct cfg_eip_bgp *x,
                          const struct cfg_eip_bgp *y, const struct cfg_eip *e)
{
	uint32_t lx = x->has_local_pref ? x->local_pref : 0;
	uint32_t ly = y->has_local_pref ? y->local_pref : 0;

	if (lx == ly || aggr_differs(x, y, e))
		return true;
	if (x->n_peers && y->n_peers) {
		bool common = false;

		for (size_t i = 0; i < x->n_peers && !common; i++)
			for (size_t j = 0; j < y->n_peers && !common; j++)
				common = !strcmp(x->peers[i], y->peers[j]);
		if (!common)
			return true;
	}
	/* the nodes each selects, of the set's. A set without Nodes (a
	 * manifest) cannot tell: two advertisements without node selectors
	 * meet on every node; with one, berth gives the benefit of the doubt,
	 * as MetalLB with no node in common does */
	if (!s->n_nodes)
		return x->n_node_selectors || y->n_node_selectors;
	for (size_t i = 0; i < s->n_nodes; i++) {
		const struct cfg_map *l = &s->nodes[i].meta.labels;

		if (cfg_selectors_match(x->node_selectors, x->n_node_selectors, l) &&
		    cfg_selectors_match(y->node_selectors, y->n_node_selectors, l))
			return false;
	}
	return true;
}

static int copy_bgp(const struct cfg_eip_bgp *src, const struct cfg_eip_bgp *comm,
                    struct cfg_eip_bgp *dst)
{
	int err;

	memset(dst, 0, sizeof(*dst));
	*dst = (struct cfg_eip_bgp){
	    .present = true,
	    .n_communities = comm->n_communities,
	    .n_large_communities = comm->n_large_communities,
	    .has_local_pref = src->has_local_pref,
	    .local_pref = src->local_pref,
	    .aggregation_length = src->aggregation_length,
	    .aggregation_length_v6 = src->aggregation_length_v6,
	    .link_bandwidth = src->link_bandwidth,
	};
	if ((src->name && !(dst->name = strdup(src->name))) ||
	    (comm->n_communities &&
	     !(dst->communities = malloc(comm->n_communities * sizeof(uint32_t)))) ||
	    (comm->n_large_communities &&
	     !(dst->large_communities =
	           malloc(comm->n_large_communities * 3 * sizeof(uint32_t))))) {
		cfg_eip_bgp_fini(dst);
		return -ENOMEM;
	}
	if (comm->n_communities)
		memcpy(dst->communities, comm->communities, comm->n_communities * sizeof(uint32_t));
	if (comm->n_large_communities)
		memcpy(dst->large_communities, comm->large_communities,
		       comm->n_large_communities * 3 * sizeof(uint32_t));
	if ((err = cfg_strings_copy(src->peers, src->n_peers, &dst->peers)) < 0 ||
	    (err = cfg_selectors_copy(src->node_selectors, src->n_node_selectors,
	                              &dst->node_selectors)) < 0) {
		cfg_eip_bgp_fini(dst);
		return err;
	}
	dst->n_peers = src->n_peers;
	dst->n_node_selectors = src->n_node_selectors;
	return 0;
}

static int copy_l2(const struct cfg_eip_l2 *src, struct cfg_eip_l2 *dst)
{
	int err;

	memset(dst, 0, sizeof(*dst));
	if ((src->name && !(dst->name = strdup(src->name))) ||
	    (err = cfg_strings_copy(src->interfaces, src->n_interfaces, &dst->interfaces)) < 0 ||
	    (err = cfg_selectors_copy(src->node_selectors, src->n_node_selectors,
	                              &dst->node_selectors)) < 0) {
		cfg_eip_l2_fini(dst);
		return -ENOMEM;
	}
	dst->n_interfaces = src->n_interfaces;
	dst->n_node_selectors = src->n_node_selectors;
	return 0;
}

static int push_bgp(struct built *b, size_t pool, const struct cfg_eip_bgp *src,
                    const struct cfg_eip_bgp *comm)
{
	struct cfg_eip_bgp *v = realloc(b->bgp[pool], (b->n_bgp[pool] + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	b->bgp[pool] = v;
	if (copy_bgp(src, comm, &v[b->n_bgp[pool]]) < 0)
		return -ENOMEM;
	b->n_bgp[pool]++;
	return 0;
}

static int push_l2(struct built *b, size_t pool, const struct cfg_eip_l2 *src)
{
	struct cfg_eip_l2 *v = realloc(b->l2[pool], (b->n_l2[pool] + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	b->l2[pool] = v;
	if (copy_l2(src, &v[b->n_l2[pool]]) < 0)
		return -ENOMEM;
	b->n_l2[pool]++;
	return 0;
}

/* The names an advertisement lists that are no pool of the set. */
static int check_pool_names(struct walk *w, const char *kind, const struct cfg_meta *m,
                            char *const *pools, size_t n, char **xnote)
{
	for (size_t i = 0; i < n; i++) {
		char path[48];
		int rc;

		if (pool_named(w->s, pools[i]))
			continue;
		snprintf(path, sizeof(path), "spec.ipAddressPools[%zu]", i);
		rc = brk(w, kind, m, xnote, path, "no IPAddressPool \"%s\"", pools[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int check_bgp_adv(struct walk *w, size_t ai)
{
	const struct cfg_set *s = w->s;
	const struct cfg_mlb_bgp_adv *a = &s->bgp_advs[ai];
	char **x = w->b ? &w->b->x_bgp_advs[ai] : NULL;
	struct cfg_eip_bgp comm = {0};
	int rc;

	if ((rc = check_pool_names(w, "BGPAdvertisement", &a->meta, a->pools, a->n_pools, x)) < 0)
		return rc;
	for (size_t i = 0; i < a->adv.n_peers; i++) {
		char path[48];

		if (peer_known(s, a->adv.peers[i]))
			continue;
		snprintf(path, sizeof(path), "spec.peers[%zu]", i);
		/* resolving, the name matches no peer: its routes go nowhere */
		if ((rc = brk(w, "BGPAdvertisement", &a->meta, x, path, "no BGPPeer \"%s\"",
		              a->adv.peers[i])) < 0)
			return rc;
	}
	if ((rc = adv_communities(w, a, ai, &comm)) != 0 || a->svc_selectors) {
		cfg_eip_bgp_fini(&comm);
		return rc < 0 ? rc : 0; /* not applied, and said so */
	}
	for (size_t k = 0; k < s->n_eips && rc >= 0; k++) {
		const struct cfg_eip *e = &s->eips[k];
		const char *range = NULL;
		unsigned min = 0;
		int fam = 0;

		if (!selects(a->pools, a->n_pools, a->pool_selectors, a->n_pool_selectors, e))
			continue;
		/* validateBGPAdvPerPool: aggregates inside each range */
		if (cfg_eip_check_aggregation(e, &a->adv, &fam, &min, &range) < 0) {
			rc = brk(
			    w, "BGPAdvertisement", &a->meta, x,
			    fam == AF_INET ? "spec.aggregationLength" : "spec.aggregationLengthV6",
			    "%u is shorter than IPAddressPool %s allows: an aggregate must lie "
			    "inside %s, so at least %u",
			    fam == AF_INET ? a->adv.aggregation_length
			                   : a->adv.aggregation_length_v6,
			    e->meta.name, range, min);
			continue;
		}
		/* ... and one LOCAL_PREF for one route to one peer from one node */
		if (!w->b) {
			/* validating: against every earlier advertisement of the pool */
			for (size_t j = 0; j < ai && rc == 0; j++) {
				const struct cfg_mlb_bgp_adv *o = &s->bgp_advs[j];

				if (o->svc_selectors ||
				    !selects(o->pools, o->n_pools, o->pool_selectors,
				             o->n_pool_selectors, e) ||
				    local_pref_ok(s, &a->adv, &o->adv, e))
					continue;
				rc = brk(
				    w, "BGPAdvertisement", &a->meta, x, "spec.localPref",
				    "%u differs from BGPAdvertisement %s's %u for the same routes "
				    "of IPAddressPool %s (same aggregation length, peers and "
				    "nodes)",
				    a->adv.has_local_pref ? a->adv.local_pref : 0, o->meta.name,
				    o->adv.has_local_pref ? o->adv.local_pref : 0, e->meta.name);
			}
			continue;
		}
		/* resolving: against those attached to the pool so far */
		{
			const struct cfg_eip_bgp *prev = w->b->bgp[k];
			bool ok = true;

			for (size_t j = 0; j < w->b->n_bgp[k] && ok; j++) {
				if (local_pref_ok(s, &a->adv, &prev[j], e))
					continue;
				ok = false;
				rc = brk(
				    w, "BGPAdvertisement", &a->meta, x, "spec.localPref",
				    "%u differs from BGPAdvertisement %s's %u for the same routes "
				    "of IPAddressPool %s (same aggregation length, peers and "
				    "nodes): not applied to that pool",
				    a->adv.has_local_pref ? a->adv.local_pref : 0,
				    prev[j].name ? prev[j].name : "?",
				    prev[j].has_local_pref ? prev[j].local_pref : 0, e->meta.name);
			}
			if (ok)
				rc = push_bgp(w->b, k, &a->adv, &comm);
		}
	}
	cfg_eip_bgp_fini(&comm);
	return rc < 0 ? rc : 0;
}

static int check_l2_adv(struct walk *w, size_t ai)
{
	const struct cfg_set *s = w->s;
	const struct cfg_mlb_l2_adv *a = &s->l2_advs[ai];
	char **x = w->b ? &w->b->x_l2_advs[ai] : NULL;
	int rc = check_pool_names(w, "L2Advertisement", &a->meta, a->pools, a->n_pools, x);

	if (rc < 0 || !w->b || a->svc_selectors)
		return rc < 0 ? rc : 0;
	for (size_t k = 0; k < s->n_eips && rc >= 0; k++)
		if (selects(a->pools, a->n_pools, a->pool_selectors, a->n_pool_selectors,
		            &s->eips[k]))
			rc = push_l2(w->b, k, &a->adv);
	return rc < 0 ? rc : 0;
}

static const struct cfg_mlb_bfd *bfd_named(const struct cfg_set *s, const char *name)
{
	for (size_t i = 0; i < s->n_bfds; i++)
		if (strcmp(s->bfds[i].meta.name, name) == 0)
			return &s->bfds[i];
	return NULL;
}

static int check_peers(struct walk *w)
{
	const struct cfg_set *s = w->s;

	for (size_t i = 0; i < s->n_peers; i++) {
		const struct cfg_bgp_peer *p = &s->peers[i];
		const struct cfg_mlb_bfd *b;
		int rc;

		if (p->api != CFG_API_METALLB || !p->bfd_profile)
			continue;
		/* "peer ... referencing non existing bfd profile" */
		if ((b = bfd_named(s, p->bfd_profile))) {
			if (w->b)
				w->b->bfd[i] = b->bfd;
			continue;
		}
		rc = brk(w, "BGPPeer", &p->meta, w->b ? &w->b->x_peers[i] : NULL, "spec.bfdProfile",
		         "no BFDProfile \"%s\"%s", p->bfd_profile, w->b ? ": no BFD" : "");
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int walk_rules(struct walk *w)
{
	int rc;

	if ((rc = check_aliases(w)) < 0 || (rc = check_peers(w)) < 0)
		return rc;
	for (size_t i = 0; i < w->s->n_bgp_advs; i++)
		if ((rc = check_bgp_adv(w, i)) < 0)
			return rc;
	for (size_t i = 0; i < w->s->n_l2_advs; i++)
		if ((rc = check_l2_adv(w, i)) < 0)
			return rc;
	return 0;
}

int cfg_metallb_validate(const struct cfg_set *s, struct cfg_error *err)
{
	struct walk w = {.s = s, .err = err};

	return walk_rules(&w);
}

/* ---- Resolving ---- */

static void u32_ip(uint32_t v, char buf[20])
{
	snprintf(buf, 20, "%u.%u.%u.%u", v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255);
}

/* The BgpConf MetalLB's BGPPeers get when the set has none, and what the
 * peers' routerIDs say against it. */
static int make_conf(const struct cfg_set *s, struct built *b)
{
	const struct cfg_bgp_peer *first = NULL, *rid = NULL;
	const struct cfg_bgp_conf *conf =
	    s->bgp_conf && s->bgp_conf->api == CFG_API_OPENELB ? s->bgp_conf : NULL;

	for (size_t i = 0; i < s->n_peers; i++) {
		const struct cfg_bgp_peer *p = &s->peers[i];

		if (p->api != CFG_API_METALLB)
			continue;
		if (!first)
			first = p;
		if (p->has_router_id && !rid)
			rid = p;
	}
	if (!first)
		return 0;
	if (!conf) {
		if (!(b->conf = calloc(1, sizeof(*b->conf))) ||
		    cfg_bgp_conf_init_default(b->conf, first->my_asn) < 0)
			return -ENOMEM;
		b->conf->api = CFG_API_METALLB;
		b->conf->has_router_id = rid != NULL;
		b->conf->router_id = rid ? rid->router_id : 0;
		conf = b->conf;
	}
	/* one router ID per node (RFC 4271 4.2: the speaker's, not a session's) */
	for (size_t i = 0; i < s->n_peers; i++) {
		const struct cfg_bgp_peer *p = &s->peers[i];
		char a[20], c[20];
		int rc;

		if (p->api != CFG_API_METALLB || !p->has_router_id ||
		    (conf->has_router_id && conf->router_id == p->router_id))
			continue;
		u32_ip(p->router_id, a);
		u32_ip(conf->router_id, c);
		if (conf->api == CFG_API_METALLB)
			rc =
			    cfg_note_add(&b->x_peers[i],
			                 "spec.routerID: %s: berth has one router ID per node: %s, "
			                 "BGPPeer %s's",
			                 a, c, rid->meta.name);
		else if (conf->has_router_id)
			rc =
			    cfg_note_add(&b->x_peers[i],
			                 "spec.routerID: %s: berth has one router ID per node: %s, "
			                 "BgpConf default's",
			                 a, c);
		else
			rc =
			    cfg_note_add(&b->x_peers[i],
			                 "spec.routerID: %s: berth has one router ID per node: the "
			                 "node's address, as BgpConf default gives none",
			                 a);
		if (rc < 0)
			return -ENOMEM;
	}
	return 0;
}

static void built_free(struct built *b, const struct cfg_set *s)
{
	for (size_t i = 0; b->bgp && i < s->n_eips; i++) {
		for (size_t k = 0; k < b->n_bgp[i]; k++)
			cfg_eip_bgp_fini(&b->bgp[i][k]);
		free(b->bgp[i]);
	}
	for (size_t i = 0; b->l2 && i < s->n_eips; i++) {
		for (size_t k = 0; k < b->n_l2[i]; k++)
			cfg_eip_l2_fini(&b->l2[i][k]);
		free(b->l2[i]);
	}
#define FREE_NOTES(arr, n)                                                                         \
	do {                                                                                       \
		for (size_t i_ = 0; (arr) && i_ < (n); i_++)                                       \
			free((arr)[i_]);                                                           \
		free(arr);                                                                         \
	} while (0)
	FREE_NOTES(b->x_eips, s->n_eips);
	FREE_NOTES(b->x_peers, s->n_peers);
	FREE_NOTES(b->x_bgp_advs, s->n_bgp_advs);
	FREE_NOTES(b->x_l2_advs, s->n_l2_advs);
	FREE_NOTES(b->x_bfds, s->n_bfds);
	FREE_NOTES(b->x_communities, s->n_communities);
#undef FREE_NOTES
	free(b->bgp);
	free(b->n_bgp);
	free(b->l2);
	free(b->n_l2);
	free(b->bfd);
	if (b->conf) {
		cfg_bgp_conf_fini(b->conf);
		free(b->conf);
	}
	memset(b, 0, sizeof(*b));
}

/* calloc that gives a non-NULL pointer for none too. */
static void *zalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

static int built_alloc(struct built *b, const struct cfg_set *s)
{
	memset(b, 0, sizeof(*b));
	if (!(b->bgp = zalloc(s->n_eips, sizeof(*b->bgp))) ||
	    !(b->n_bgp = zalloc(s->n_eips, sizeof(*b->n_bgp))) ||
	    !(b->l2 = zalloc(s->n_eips, sizeof(*b->l2))) ||
	    !(b->n_l2 = zalloc(s->n_eips, sizeof(*b->n_l2))) ||
	    !(b->bfd = zalloc(s->n_peers, sizeof(*b->bfd))) ||
	    !(b->x_eips = zalloc(s->n_eips, sizeof(char *))) ||
	    !(b->x_peers = zalloc(s->n_peers, sizeof(char *))) ||
	    !(b->x_bgp_advs = zalloc(s->n_bgp_advs, sizeof(char *))) ||
	    !(b->x_l2_advs = zalloc(s->n_l2_advs, sizeof(char *))) ||
	    !(b->x_bfds = zalloc(s->n_bfds, sizeof(char *))) ||
	    !(b->x_communities = zalloc(s->n_communities, sizeof(char *))))
		return -ENOMEM;
	return 0;
}

#define SWAP_NOTE(dst, src)                                                                        \
	do {                                                                                       \
		free(dst);                                                                         \
		(dst) = (src);                                                                     \
		(src) = NULL;                                                                      \
	} while (0)

/* Everything built into s: nothing can fail here. */
static void built_commit(struct built *b, struct cfg_set *s)
{
	for (size_t i = 0; i < s->n_eips; i++) {
		struct cfg_eip *e = &s->eips[i];

		if (e->api != CFG_API_METALLB)
			continue;
		for (size_t k = 0; k < e->n_bgp; k++)
			cfg_eip_bgp_fini(&e->bgp[k]);
		free(e->bgp);
		for (size_t k = 0; k < e->n_l2; k++)
			cfg_eip_l2_fini(&e->l2[k]);
		free(e->l2);
		e->bgp = b->bgp[i];
		e->n_bgp = b->n_bgp[i];
		e->l2 = b->l2[i];
		e->n_l2 = b->n_l2[i];
		b->bgp[i] = NULL;
		b->n_bgp[i] = 0;
		b->l2[i] = NULL;
		b->n_l2[i] = 0;
		SWAP_NOTE(e->xnote, b->x_eips[i]);
	}
	for (size_t i = 0; i < s->n_peers; i++) {
		if (s->peers[i].api != CFG_API_METALLB)
			continue;
		s->peers[i].bfd = b->bfd[i];
		SWAP_NOTE(s->peers[i].xnote, b->x_peers[i]);
	}
	for (size_t i = 0; i < s->n_bgp_advs; i++)
		SWAP_NOTE(s->bgp_advs[i].xnote, b->x_bgp_advs[i]);
	for (size_t i = 0; i < s->n_l2_advs; i++)
		SWAP_NOTE(s->l2_advs[i].xnote, b->x_l2_advs[i]);
	for (size_t i = 0; i < s->n_bfds; i++)
		SWAP_NOTE(s->bfds[i].xnote, b->x_bfds[i]);
	for (size_t i = 0; i < s->n_communities; i++)
		SWAP_NOTE(s->communities[i].xnote, b->x_communities[i]);
	if (s->bgp_conf && s->bgp_conf->api == CFG_API_METALLB) {
		cfg_bgp_conf_fini(s->bgp_conf);
		free(s->bgp_conf);
		s->bgp_conf = NULL;
	}
	if (b->conf) {
		s->bgp_conf = b->conf;
		b->conf = NULL;
	}
}

int cfg_set_resolve(struct cfg_set *s)
{
	struct built b;
	struct walk w = {.s = s, .b = &b};
	int rc;

	if ((rc = built_alloc(&b, s)) == 0 && (rc = walk_rules(&w)) == 0)
		rc = make_conf(s, &b);
	if (rc == 0)
		built_commit(&b, s);
	built_free(&b, s);
	return rc;
}

/* ---- Notes ---- */

static void note(void (*fn)(const struct cfg_note *n, void *arg), void *arg, const char *kind,
                 const char *api_version, const struct cfg_meta *m, const char *a, const char *b)
{
	char msg[2 * CFG_NOTE_MAX + 4];
	struct cfg_note n = {
	    .kind = kind, .api_version = api_version, .meta = m, .msg = msg, .left_out = b != NULL};

	if (!a && !b)
		return;
	snprintf(msg, sizeof(msg), "%s%s%s", a ? a : "", a && b ? "; " : "", b ? b : "");
	fn(&n, arg);
}

void cfg_set_notes(const struct cfg_set *s, void (*fn)(const struct cfg_note *n, void *arg),
                   void *arg)
{
	for (size_t i = 0; i < s->n_eips; i++)
		if (s->eips[i].api == CFG_API_METALLB)
			note(fn, arg, "IPAddressPool", CFG_METALLB_V1BETA1, &s->eips[i].meta,
			     s->eips[i].note, s->eips[i].xnote);
	for (size_t i = 0; i < s->n_peers; i++)
		if (s->peers[i].api == CFG_API_METALLB)
			note(fn, arg, "BGPPeer", CFG_METALLB_V1BETA2, &s->peers[i].meta,
			     s->peers[i].note, s->peers[i].xnote);
	for (size_t i = 0; i < s->n_bgp_advs; i++)
		note(fn, arg, "BGPAdvertisement", CFG_METALLB_V1BETA1, &s->bgp_advs[i].meta,
		     s->bgp_advs[i].note, s->bgp_advs[i].xnote);
	for (size_t i = 0; i < s->n_l2_advs; i++)
		note(fn, arg, "L2Advertisement", CFG_METALLB_V1BETA1, &s->l2_advs[i].meta,
		     s->l2_advs[i].note, s->l2_advs[i].xnote);
	for (size_t i = 0; i < s->n_bfds; i++)
		note(fn, arg, "BFDProfile", CFG_METALLB_V1BETA1, &s->bfds[i].meta, s->bfds[i].note,
		     s->bfds[i].xnote);
	for (size_t i = 0; i < s->n_communities; i++)
		note(fn, arg, "Community", CFG_METALLB_V1BETA1, &s->communities[i].meta,
		     s->communities[i].note, s->communities[i].xnote);
	for (size_t i = 0; i < s->n_ignored; i++)
		note(fn, arg, s->ignored[i].kind, s->ignored[i].api_version, &s->ignored[i].meta,
		     s->ignored[i].note, NULL);
}
