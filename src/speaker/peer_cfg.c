/*
 * From configuration objects to one peer's session settings
 * (speaker/peer_cfg.h). Pure.
 */
#include "speaker/peer_cfg.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

uint32_t speaker_addr_v4(const struct core_addr *a)
{
	return (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
	       (uint32_t)a->bytes[2] << 8 | a->bytes[3];
}

/* RFC 6286: any unique non-zero 32-bit value; OpenELB takes BgpConf
 * routerId, else the node's IPv4 address. A flag overrides both, since one
 * cluster-wide routerId would give every node the same identifier. */
uint32_t speaker_router_id(const struct speaker_opts *o, const struct cfg_bgp_conf *c,
                           const struct cfg_node *node)
{
	const struct core_addr *ip;
	uint32_t id;

	if (o->router_id.family == AF_INET)
		return speaker_addr_v4(&o->router_id);
	if (cfg_bgp_conf_node_router_id(c, node ? &node->meta.labels : NULL, &id))
		return id;
	if (node && (ip = cfg_node_ip(node, "InternalIP", AF_INET)))
		return speaker_addr_v4(ip);
	return 0;
}

void speaker_peer_cfg(const struct speaker_opts *o, const struct cfg_bgp_conf *c,
                      const struct cfg_node *node, const struct cfg_bgp_peer *bp,
                      uint32_t fallback_router_id, struct bgp_peer_cfg *pc)
{
	const struct cfg_map *labels = node ? &node->meta.labels : NULL;
	const struct cfg_graceful_restart *gr =
	    bp->graceful_restart.present ? &bp->graceful_restart : &c->graceful_restart;
	struct bgp_fsm_config *f = &pc->fsm;
	bool fam[BGP_AF_COUNT] = {false, false};
	size_t n_enabled = 0;

	memset(pc, 0, sizeof(*pc));
	snprintf(pc->name, sizeof(pc->name), "BgpPeer %s", bp->meta.name);
	snprintf(pc->route_name, sizeof(pc->route_name), "%s", bp->meta.name);
	pc->link_bw_non_transitive = bp->link_bw_non_transitive;
	pc->remote = bp->conf.neighbor_address;
	pc->remote_port = (uint16_t)bp->transport.remote_port;
	if (bp->transport.has_local_address)
		pc->local = bp->transport.local_address;
	pc->tcp_mss = (int)bp->transport.tcp_mss;
	if (bp->conf.auth_password)
		snprintf(pc->md5_key, sizeof(pc->md5_key), "%s", bp->conf.auth_password);
	bgp_fsm_config_defaults(f);
	f->local_as = bp->conf.local_as ? bp->conf.local_as : cfg_bgp_conf_node_as(c, labels);
	f->peer_as = bp->conf.peer_as;
	f->router_id = speaker_router_id(o, c, node);
	if (!f->router_id)
		f->router_id = fallback_router_id;
	f->hold_time = (uint16_t)bp->timers.hold_time;
	f->keepalive_time = (uint16_t)bp->timers.keepalive_interval;
	f->retry_max_ms = bp->timers.connect_retry * 1000u;
	f->passive = bp->transport.passive_mode;
	f->admin_down = bp->conf.admin_down;
	pc->ebgp = f->local_as != f->peer_as;
	/* eBGP peers are one hop away unless told otherwise (RFC 4271 leaves
	 * it to configuration; every router defaults to TTL 1). */
	if (bp->ebgp_multihop.enabled)
		pc->ttl = (int)bp->ebgp_multihop.multihop_ttl;
	else if (pc->ebgp)
		pc->ttl = 1;
	/* --max-received per family, unless afiSafis[].prefixLimits says
	 * otherwise (below); the idle hold after an overflow from the BgpPeer,
	 * else the FSM's default. */
	for (int af = 0; af < BGP_AF_COUNT; af++)
		pc->max_prefixes[af] = o->max_received;
	if (bp->timers.idle_hold_after_reset)
		f->idle_hold_ms = bp->timers.idle_hold_after_reset * 1000u;
	pc->nexthop4 = o->nexthop4;
	pc->nexthop6 = o->nexthop6;
	if (node && !pc->nexthop6.family) {
		const struct core_addr *ip = cfg_node_ip(node, "InternalIP", AF_INET6);

		if (ip)
			pc->nexthop6 = *ip;
	}

	/* Families: what afiSafis enables; both unicast families when the
	 * peer lists none (capability negotiation keeps what the peer has). */
	for (size_t i = 0; i < bp->n_afi_safis; i++) {
		const struct cfg_afi_safi *as = &bp->afi_safis[i];

		if (as->max_prefixes)
			pc->max_prefixes[as->af] = as->max_prefixes;
		if (!as->enabled)
			continue;
		n_enabled++;
		fam[as->af] = true;
		if (as->add_paths_send_max)
			f->caps.addpath[as->af] |= BGP_ADDPATH_SEND;
		if (as->add_paths_receive)
			f->caps.addpath[as->af] |= BGP_ADDPATH_RECEIVE;
	}
	if (!n_enabled)
		fam[BGP_AF_IPV4] = fam[BGP_AF_IPV6] = true;
	for (int af = 0; af < BGP_AF_COUNT; af++)
		f->caps.mp[af] = fam[af];
	f->caps.route_refresh = true;
	f->caps.as4 = true;
	f->caps.ext_msg = true;
	if (gr->enabled) {
		/* RFC 4724 section 3: our forwarding state (the address on the
		 * node, the kernel routes) survives a restart of berth. */
		f->caps.gr = true;
		f->caps.gr_time = (uint16_t)(gr->restart_time ? gr->restart_time : 120);
		for (int af = 0; af < BGP_AF_COUNT; af++)
			if (fam[af])
				f->caps.gr_af[af] = (struct bgp_gr_af){
				    .present = true, .forwarding_preserved = true};
	}
}

/* speaker_peer_key copies up to CFG_MD5_KEY_MAX bytes and a NUL. */
_Static_assert(sizeof(((struct bgp_peer_cfg *)0)->md5_key) > CFG_MD5_KEY_MAX,
               "md5_key holds a TCP-MD5 key");

static const char *const key_reasons[] = {
    [SPEAKER_KEY_NONE] = "",
    [SPEAKER_KEY_OK] = "SecretLoaded",
    [SPEAKER_KEY_NO_SECRET] = "SecretMissing",
    [SPEAKER_KEY_NO_KEY] = "SecretKeyMissing",
    [SPEAKER_KEY_INVALID] = "SecretInvalid",
};

const char *speaker_key_reason(enum speaker_key k)
{
	return (unsigned)k < sizeof(key_reasons) / sizeof(key_reasons[0]) ? key_reasons[k] : "";
}

enum speaker_key speaker_peer_key(const struct cfg_set *set, const char *ns,
                                  const struct cfg_bgp_peer *bp, struct bgp_peer_cfg *pc, char *why,
                                  size_t len)
{
	const struct cfg_secret_ref *r = &bp->conf.auth_password_secret_ref;
	const struct cfg_secret *sec;
	const struct cfg_secret_item *it;
	enum speaker_key k = SPEAKER_KEY_INVALID;

	ns = ns ? ns : "default";
	if (!r->name) {
		snprintf(why, len, "%s", "");
		return SPEAKER_KEY_NONE;
	}
	if (!(sec = cfg_set_secret(set, ns, r->name))) {
		k = SPEAKER_KEY_NO_SECRET;
		snprintf(why, len,
		         "Secret %s/%s not found (BgpPeer Secrets are read from namespace %s "
		         "only)",
		         ns, r->name, ns);
	} else if (!(it = cfg_secret_get(sec, r->key))) {
		k = SPEAKER_KEY_NO_KEY;
		snprintf(why, len, "Secret %s/%s has no key \"%s\"", ns, r->name, r->key);
	} else if (!it->len) {
		snprintf(why, len,
		         "Secret %s/%s key \"%s\" is empty: a TCP-MD5 key has 1 to %d bytes", ns,
		         r->name, r->key, CFG_MD5_KEY_MAX);
	} else if (it->len > CFG_MD5_KEY_MAX) {
		snprintf(why, len,
		         "Secret %s/%s key \"%s\" holds %zu bytes: a TCP-MD5 key has 1 to %d", ns,
		         r->name, r->key, it->len, CFG_MD5_KEY_MAX);
	} else if (memchr(it->value, '\0', it->len)) {
		snprintf(why, len,
		         "Secret %s/%s key \"%s\" holds a NUL byte, which no TCP-MD5 key "
		         "may (the kernel takes it as text)",
		         ns, r->name, r->key);
	} else {
		k = SPEAKER_KEY_OK;
		memcpy(pc->md5_key, it->value, it->len);
		pc->md5_key[it->len] = '\0';
		snprintf(why, len, "TCP-MD5 key from Secret %s/%s key \"%s\"", ns, r->name, r->key);
		return k;
	}
	pc->md5_key[0] = '\0';
	pc->fsm.admin_down = true;
	return k;
}

/*
 * RFC 5882 section 4.3: BFD watches the same path as the BGP session, so
 * it runs between the same two addresses. An eBGP multihop peer more than
 * one hop away gets RFC 5883 multihop BFD (port 4784); there GTSM
 * (RFC 5082) admits packets that crossed at most multihopTtl - 1
 * routers: a TTL of at least 255 - (multihopTtl - 1). Everyone else is
 * one hop away (RFC 5881 section 5: TTL 255 only). multihopTtl 1 means
 * directly connected, so it stays single hop.
 */
bool speaker_bfd_cfg(const struct cfg_bgp_peer *bp, struct bgp_peer_cfg *pc,
                     struct bfd_sess_cfg *out)
{
	const struct cfg_bfd *b = &bp->bfd;
	const struct cfg_ebgp_multihop *mh = &bp->ebgp_multihop;

	memset(out, 0, sizeof(*out));
	/* strict without a BFD session would hold BGP down for good */
	pc->fsm.bfd_strict = false;
	if (!b->present || !b->enabled)
		return false;
	pc->fsm.bfd_strict = b->strict;
	snprintf(out->name, sizeof(out->name), "%s", pc->name);
	out->remote = pc->remote;
	out->local = pc->local;
	out->multihop = mh->enabled && mh->multihop_ttl > 1;
	out->min_ttl = out->multihop ? (uint8_t)(256 - mh->multihop_ttl) : BFD_TTL;
	/* RFC 5880 section 4.1: the intervals travel in microseconds */
	out->timers.desired_min_tx_us = b->transmit_interval * 1000u;
	out->timers.required_min_rx_us = b->receive_interval * 1000u;
	out->timers.detect_mult = (uint8_t)b->detect_multiplier;
	return true;
}
