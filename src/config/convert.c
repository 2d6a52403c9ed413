/*
 * MetalLB's objects as OpenELB/berth YAML (config.h cfg_convert_metallb),
 * for users who want one API: written from the one model the MetalLB
 * objects were lowered into (cfg_set_resolve), so what it prints is what
 * berth does with them. Every field with no equivalent gets a comment
 * saying so and what berth does instead. Pure: a set in, text out.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/dec.h"

struct out {
	char *s;
	size_t n, cap;
	int err;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (o->err)
		return;
	for (;;) {
		size_t room = o->cap - o->n;

		va_start(ap, fmt);
		w = vsnprintf(o->s ? o->s + o->n : NULL, o->s ? room : 0, fmt, ap);
		va_end(ap);
		if (w < 0) {
			o->err = -EINVAL;
			return;
		}
		if (o->s && (size_t)w < room)
			break;
		{
			size_t cap = o->cap * 2 + (size_t)w + 256;
			char *s = realloc(o->s, cap);

			if (!s) {
				o->err = -ENOMEM;
				return;
			}
			o->s = s;
			o->cap = cap;
		}
	}
	o->n += (size_t)w;
}

/* A YAML double-quoted scalar (JSON's escapes are YAML's). */
static void q(struct out *o, const char *s)
{
	put(o, "\"");
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			put(o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			put(o, "\\u%04x", c);
		else
			put(o, "%c", c);
	}
	put(o, "\"");
}

/* A comment line at indent: text made one line of printable characters. */
static void comment(struct out *o, int indent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void comment(struct out *o, int indent, const char *fmt, ...)
{
	char buf[2 * CFG_NOTE_MAX + 512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	put(o, "%*s# %s\n", indent, "", buf);
}

/* The object's notes, as comments. */
static void notes(struct out *o, const char *kind, const char *name, const char *a, const char *b)
{
	if (a)
		comment(o, 0, "%s %s: %s", kind, name, a);
	if (b)
		comment(o, 0, "%s %s: %s", kind, name, b);
}

static void labels_map(struct out *o, int indent, const struct cfg_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		put(o, "%*s", indent, "");
		q(o, m->items[i].key);
		put(o, ": ");
		q(o, m->items[i].value);
		put(o, "\n");
	}
}

static const char *const op_names[] = {"In", "NotIn", "Exists", "DoesNotExist"};

/* A metav1.LabelSelector at indent (its keys). */
static void selector(struct out *o, int indent, const struct cfg_selector *sel)
{
	if (sel->match_labels.n) {
		put(o, "%*smatchLabels:\n", indent, "");
		labels_map(o, indent + 2, &sel->match_labels);
	}
	if (!sel->n_exprs && !sel->match_labels.n)
		put(o, "%*smatchLabels: {}\n", indent, "");
	if (sel->n_exprs)
		put(o, "%*smatchExpressions:\n", indent, "");
	for (size_t i = 0; i < sel->n_exprs; i++) {
		const struct cfg_sel_req *r = &sel->exprs[i];

		put(o, "%*s- key: ", indent, "");
		q(o, r->key);
		put(o, "\n%*s  operator: %s\n", indent, "", op_names[r->op]);
		if (r->n_values) {
			put(o, "%*s  values: [", indent, "");
			for (size_t k = 0; k < r->n_values; k++) {
				put(o, k ? ", " : "");
				q(o, r->values[k]);
			}
			put(o, "]\n");
		}
	}
}

/* A selector of matchLabels alone, as a map[string]string can say it. */
static bool labels_only(const struct cfg_selector *v, size_t n)
{
	return n == 1 && !v[0].n_exprs;
}

static void u32_ip(uint32_t v, char buf[20])
{
	snprintf(buf, 20, "%u.%u.%u.%u", v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255);
}

/* ---- BGP ---- */

static void conf(struct out *o, const struct cfg_bgp_conf *c)
{
	char id[20];

	comment(o, 0,
	        "MetalLB has no global BGP object: the BGPPeers' myASN (and routerID) as "
	        "berth reads them");
	put(o,
	    "apiVersion: " CFG_OPENELB_API_VERSION "\nkind: BgpConf\nmetadata:\n  name: "
	    "default\nspec:\n  as: %u\n",
	    c->as);
	if (c->has_router_id) {
		u32_ip(c->router_id, id);
		put(o, "  routerId: %s\n", id);
	}
	put(o, "---\n");
}

static void peer(struct out *o, const struct cfg_bgp_peer *p)
{
	char a[CORE_ADDR_STRLEN];

	notes(o, "BGPPeer", p->meta.name, p->note, p->xnote);
	put(o, "apiVersion: " CFG_OPENELB_API_VERSION "\nkind: BgpPeer\nmetadata:\n  name: ");
	q(o, p->meta.name);
	put(o, "\nspec:\n  conf:\n    localAs: %u\n    peerAs: %u\n    neighborAddress: %s\n",
	    p->conf.local_as, p->conf.peer_as, core_addr_str(&p->conf.neighbor_address, a));
	if (p->conf.auth_password) {
		put(o, "    authPassword: ");
		q(o, p->conf.auth_password);
		put(o, "\n");
	}
	if (p->conf.auth_password_secret_ref.name) {
		comment(o, 4,
		        "the Secret of MetalLB's passwordSecret, read from the speaker's "
		        "namespace");
		put(o, "    authPasswordSecretRef:\n      name: ");
		q(o, p->conf.auth_password_secret_ref.name);
		put(o, "\n      key: ");
		q(o, p->conf.auth_password_secret_ref.key);
		put(o, "\n");
	}
	if (p->transport.remote_port != CFG_DEFAULT_BGP_PORT || p->transport.has_local_address) {
		put(o, "  transport:\n");
		if (p->transport.remote_port != CFG_DEFAULT_BGP_PORT)
			put(o, "    remotePort: %u\n", p->transport.remote_port);
		if (p->transport.has_local_address)
			put(o, "    localAddress: %s\n",
			    core_addr_str(&p->transport.local_address, a));
	}
	{
		uint32_t ka = p->timers.keepalive_interval;

		/* MetalLB takes a keepalive as long as the hold time; a BgpPeer
		 * wants it shorter (RFC 4271 4.4 sends KEEPALIVEs within it) */
		if (p->timers.hold_time && ka >= p->timers.hold_time) {
			ka = p->timers.hold_time - 1;
			comment(o, 2,
			        "no equivalent: keepaliveTime as long as holdTime: a BgpPeer wants "
			        "it shorter, written as %u",
			        ka);
		}
		put(o,
		    "  timers:\n    config:\n      holdTime: \"%u\"\n      keepaliveInterval: "
		    "\"%u\"\n"
		    "      connectRetry: \"%u\"\n",
		    p->timers.hold_time, ka, p->timers.connect_retry);
	}
	if (p->ebgp_multihop.enabled)
		put(o, "  ebgpMultihop:\n    enabled: true\n    multihopTtl: %u\n",
		    p->ebgp_multihop.multihop_ttl);
	if (p->graceful_restart.enabled)
		put(o, "  gracefulRestart:\n    enabled: true\n");
	if (p->n_afi_safis) {
		put(o, "  afiSafis:\n");
		for (size_t i = 0; i < p->n_afi_safis; i++)
			put(o,
			    "  - config:\n      family: {afi: %s, safi: SAFI_UNICAST}\n"
			    "      enabled: true\n",
			    p->afi_safis[i].af == BGP_AF_IPV6 ? "AFI_IP6" : "AFI_IP");
	}
	if (p->n_node_selectors) {
		if (p->n_node_selectors > 1)
			comment(o, 2,
			        "no equivalent: a BgpPeer takes one nodeSelector; MetalLB peers on "
			        "nodes that match any of %zu: only the first is written",
			        p->n_node_selectors);
		put(o, "  nodeSelector:\n");
		selector(o, 4, &p->node_selectors[0]);
	}
	if (p->bfd.present) {
		comment(o, 2, "BFDProfile %s", p->bfd_profile ? p->bfd_profile : "");
		put(o,
		    "  bfd:\n    enabled: true\n    receiveInterval: %u\n    transmitInterval: %u\n"
		    "    detectMultiplier: %u\n",
		    p->bfd.receive_interval, p->bfd.transmit_interval, p->bfd.detect_multiplier);
	}
	put(o, "---\n");
}

/* ---- pools ---- */

/* Another pool of s that serves every namespace, of family, before e. */
static bool earlier_everyone(const struct cfg_set *s, const struct cfg_eip *e, int family)
{
	for (const struct cfg_eip *x = s->eips; x < e; x++)
		if (x->api == CFG_API_METALLB && x->all_namespaces && x->auto_assign &&
		    cfg_eip_first_of(x, family))
			return true;
	return false;
}

static void community_list(struct out *o, const char *key, const uint32_t *v, size_t n,
                           size_t width)
{
	if (!n)
		return;
	put(o, "    %s: [", key);
	for (size_t i = 0; i < n; i++) {
		if (width == 1)
			put(o, "%s\"%u:%u\"", i ? ", " : "", v[i] >> 16, v[i] & 0xffff);
		else
			put(o, "%s\"%u:%u:%u\"", i ? ", " : "", v[3 * i], v[3 * i + 1],
			    v[3 * i + 2]);
	}
	put(o, "]\n");
}

/* Whether name is a BGPPeer this conversion writes as a BgpPeer. */
static bool peer_written(const struct cfg_set *s, const char *name)
{
	const struct cfg_bgp_peer *p = cfg_set_peer(s, name);

	return p && p->api == CFG_API_METALLB;
}

static void spec_bgp(struct out *o, const struct cfg_set *s, const struct cfg_eip_bgp *b)
{
	size_t n = 0;

	put(o, "  bgp:\n");
	if (b->name)
		comment(o, 4, "BGPAdvertisement %s", b->name);
	community_list(o, "communities", b->communities, b->n_communities, 1);
	community_list(o, "largeCommunities", b->large_communities, b->n_large_communities, 3);
	if (b->has_local_pref)
		put(o, "    localPref: %u\n", b->local_pref);
	put(o, "    aggregationLength: %u\n    aggregationLengthV6: %u\n", b->aggregation_length,
	    b->aggregation_length_v6);
	for (size_t i = 0; i < b->n_peers; i++)
		if (!peer_written(s, b->peers[i]))
			comment(o, 4, "BGPPeer %s is not converted (see below): left out of peers",
			        b->peers[i]);
	for (size_t i = 0; i < b->n_peers; i++) {
		if (!peer_written(s, b->peers[i]))
			continue;
		put(o, n++ ? ", " : "    peers: [");
		q(o, b->peers[i]);
	}
	if (n)
		put(o, "]\n");
	if (labels_only(b->node_selectors, b->n_node_selectors)) {
		put(o, "    nodeSelector:\n");
		labels_map(o, 6, &b->node_selectors[0].match_labels);
	} else if (b->n_node_selectors) {
		comment(
		    o, 4,
		    "no equivalent: spec.bgp.nodeSelector is a map of labels; this announcement "
		    "is for nodes matching any of %zu selectors: not written, every node "
		    "announces",
		    b->n_node_selectors);
	}
}

static void announce(struct out *o, const struct cfg_set *s, const struct cfg_eip *e,
                     const struct cfg_range *r)
{
	char spec[CORE_ADDR_STRLEN + 32], a[CORE_ADDR_STRLEN];

	if (!e->n_bgp && !e->n_l2) {
		comment(o, 2,
		        "no advertisement selects this pool: allocated from, not announced "
		        "(protocol vip, which berth does not announce)");
		put(o, "  protocol: vip\n");
		return;
	}
	if (e->n_bgp && e->bgp[0].n_peers) {
		bool any = false;

		for (size_t i = 0; i < e->bgp[0].n_peers; i++)
			any |= peer_written(s, e->bgp[0].peers[i]);
		if (!any) {
			comment(o, 2,
			        "BGPAdvertisement %s names only peers berth does not peer with: "
			        "not announced (protocol vip)",
			        e->bgp[0].name ? e->bgp[0].name : "?");
			put(o, "  protocol: vip\n");
			return;
		}
	}
	if (e->n_bgp) {
		put(o, "  protocol: bgp\n");
		for (size_t i = 1; i < e->n_bgp; i++)
			comment(o, 2,
			        "no equivalent: BGPAdvertisement %s applies to this pool too "
			        "(aggregationLength %u, aggregationLengthV6 %u): an Eip has one "
			        "spec.bgp",
			        e->bgp[i].name ? e->bgp[i].name : "?", e->bgp[i].aggregation_length,
			        e->bgp[i].aggregation_length_v6);
		for (size_t i = 0; i < e->n_l2; i++)
			comment(
			    o, 2,
			    "no equivalent: L2Advertisement %s announces this pool over layer 2 "
			    "too: an Eip has one protocol",
			    e->l2[i].name ? e->l2[i].name : "?");
		spec_bgp(o, s, &e->bgp[0]);
		return;
	}
	put(o, "  protocol: layer2\n");
	/* the range's own first address when the pool's spec says none */
	if (cfg_eip_l2_ifspec(e, spec, sizeof(spec)) && !strncmp(spec, "can_reach:", 10)) {
		comment(o, 2,
		        "MetalLB answers on every interface: berth on the one the pool is "
		        "reached through");
		snprintf(spec, sizeof(spec), "can_reach:%s", core_addr_str(&r->first, a));
	}
	put(o, "  interface: ");
	q(o, spec);
	put(o, "\n");
	for (size_t i = 0; i < e->n_l2; i++) {
		if (e->l2[i].n_node_selectors)
			comment(o, 2,
			        "no equivalent: L2Advertisement %s lets only nodes matching its "
			        "nodeSelectors answer: every node may",
			        e->l2[i].name ? e->l2[i].name : "?");
		if (i)
			comment(o, 2, "L2Advertisement %s also selects this pool",
			        e->l2[i].name ? e->l2[i].name : "?");
	}
}

static void allocation(struct out *o, const struct cfg_set *s, const struct cfg_eip *e,
                       const struct cfg_range *r)
{
	if (e->avoid_buggy_ips)
		comment(o, 2,
		        "no equivalent: avoidBuggyIPs (no x.y.z.0, x.y.z.255): an Eip gives "
		        "every address");
	if (!e->auto_assign) {
		comment(o, 2,
		        "autoAssign: false: an Eip bound to no namespace, and not the "
		        "default, gives addresses only to Services that ask for it");
		return;
	}
	if (e->svc_selectors) {
		comment(o, 2,
		        "no equivalent: serviceAllocation.serviceSelectors: berth gives this "
		        "pool's addresses only to Services that ask for it, as here");
		return;
	}
	if (e->n_namespaces) {
		put(o, "  namespaces: [");
		for (size_t i = 0; i < e->n_namespaces; i++) {
			put(o, i ? ", " : "");
			q(o, e->namespaces[i]);
		}
		put(o, "]\n");
	}
	if (labels_only(e->ns_selectors, e->n_ns_selectors)) {
		put(o, "  namespaceSelector:\n");
		labels_map(o, 4, &e->ns_selectors[0].match_labels);
	} else if (e->n_ns_selectors) {
		comment(o, 2,
		        "no equivalent: namespaceSelectors beyond one of matchLabels: not "
		        "written, those namespaces are not bound");
	}
	if ((e->n_namespaces || e->n_ns_selectors) && e->priority != CFG_PRIORITY_LAST) {
		if (e->priority == CFG_PRIORITY_UNSET)
			comment(o, 2, "MetalLB's priority 0: after every pool that has one");
		put(o, "  priority: %lld\n", (long long)e->priority);
	}
	(void)s;
	(void)r;
}

static void pool(struct out *o, const struct cfg_set *s, const struct cfg_eip *e)
{
	for (size_t k = 0; k < e->n_ranges; k++) {
		const struct cfg_range *r = &e->ranges[k];
		int fam = r->first.family;
		bool every = e->all_namespaces && e->auto_assign && !e->svc_selectors;
		bool dflt = every && !earlier_everyone(s, e, fam);

		/* a pool's every range of one family: one default per family */
		for (size_t j = 0; dflt && j < k; j++)
			dflt = e->ranges[j].first.family != fam;
		if (!k)
			notes(o, "IPAddressPool", e->meta.name, e->note, e->xnote);
		if (e->n_ranges > 1)
			comment(
			    o, 0,
			    "IPAddressPool %s, range %zu of %zu: an Eip has one address; Services "
			    "that name the pool get the first Eip's addresses only",
			    e->meta.name, k + 1, e->n_ranges);
		put(o, "apiVersion: " CFG_OPENELB_API_VERSION "\nkind: Eip\nmetadata:\n  name: ");
		if (k) {
			char name[300];

			snprintf(name, sizeof(name), "%s-%zu", e->meta.name, k + 1);
			q(o, name);
		} else {
			q(o, e->meta.name);
		}
		put(o, "\n");
		if (every && !dflt)
			comment(o, 2,
			        "no equivalent: this pool serves every namespace; OpenELB has "
			        "one default Eip per family, an earlier one is it");
		if (dflt)
			put(o, "  annotations:\n    " CFG_ANN_DEFAULT_EIP ": \"true\"\n");
		put(o, "spec:\n  address: ");
		if (strchr(r->text, '-')) {
			/* MetalLB trims spaces around the '-', OpenELB does not */
			char a[CORE_ADDR_STRLEN], b[CORE_ADDR_STRLEN];

			put(o, "%s-%s\n", core_addr_str(&r->first, a), core_addr_str(&r->last, b));
		} else {
			q(o, r->text);
			put(o, "\n");
		}
		allocation(o, s, e, r);
		announce(o, s, e, r);
		put(o, "---\n");
	}
}

int cfg_convert_metallb(const struct cfg_set *s, char **text)
{
	struct out o = {0};

	*text = NULL;
	comment(&o, 0,
	        "OpenELB/berth objects written by berth convert --from metallb from "
	        "MetalLB's (namespace %s).",
	        cfg_metallb_ns(s));
	comment(&o, 0, "Services keep their metallb.io annotations: berth reads them too.");
	put(&o, "---\n");
	if (s->bgp_conf && s->bgp_conf->api == CFG_API_METALLB)
		conf(&o, s->bgp_conf);
	for (size_t i = 0; i < s->n_peers; i++)
		if (s->peers[i].api == CFG_API_METALLB)
			peer(&o, &s->peers[i]);
	for (size_t i = 0; i < s->n_eips; i++)
		if (s->eips[i].api == CFG_API_METALLB)
			pool(&o, s, &s->eips[i]);
	/* what went into the above, and what had no effect */
	for (size_t i = 0; i < s->n_bgp_advs; i++)
		notes(&o, "BGPAdvertisement", s->bgp_advs[i].meta.name, s->bgp_advs[i].note,
		      s->bgp_advs[i].xnote);
	for (size_t i = 0; i < s->n_l2_advs; i++)
		notes(&o, "L2Advertisement", s->l2_advs[i].meta.name, s->l2_advs[i].note,
		      s->l2_advs[i].xnote);
	for (size_t i = 0; i < s->n_bfds; i++)
		notes(&o, "BFDProfile", s->bfds[i].meta.name, s->bfds[i].note, s->bfds[i].xnote);
	for (size_t i = 0; i < s->n_communities; i++)
		notes(&o, "Community", s->communities[i].meta.name, s->communities[i].note,
		      s->communities[i].xnote);
	for (size_t i = 0; i < s->n_ignored; i++)
		comment(&o, 0, "%s %s not converted: %s", s->ignored[i].kind,
		        s->ignored[i].meta.name, s->ignored[i].note ? s->ignored[i].note : "");
	if (o.err) {
		free(o.s);
		return o.err;
	}
	*text = o.s;
	return 0;
}
