/*
 * BgpPeer: openelb/openelb api/v1alpha2/bgppeer_types.go (BgpPeerSpec).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/dec.h"

static const char *const top_known[] = {"apiVersion", "kind", "metadata", "spec", "status", NULL};
static const char *const spec_known[] = {
    "conf",
    "ebgpMultihop",
    "timers",
    "transport",
    "gracefulRestart",
    "afiSafis",
    "nodeSelector",
    /* berth extension: RFC 5880 BFD, named as MetalLB's BFDProfile */
    "bfd",
    /* berth extension (issue 14): the form of the link bandwidth community */
    "linkBandwidth",
    NULL,
};
/* PeerConf */
static const char *const conf_known[] = {
    "authPassword",
    "description",
    "localAs",
    "neighborAddress",
    "peerAs",
    "peerGroup",
    "peerType",
    "removePrivateAs",
    "routeFlapDamping",
    "sendCommunity",
    "neighborInterface",
    "vrf",
    "allowOwnAs",
    "replacePeerAs",
    "adminDown",
    /* berth extension (issue 14): the password from a Secret */
    "authPasswordSecretRef",
    NULL,
};
static const char *const secret_ref_known[] = {"name", "key", NULL};
static const char *const link_bw_known[] = {"nonTransitive", NULL};
static const char *const multihop_known[] = {"enabled", "multihopTtl", NULL};
static const char *const timers_known[] = {"config", NULL};
static const char *const timers_config_known[] = {
    "connectRetry",
    "holdTime",
    "keepaliveInterval",
    "minimumAdvertisementInterval",
    /* berth extension (GoBGP TimersConfig.IdleHoldTimeAfterReset) */
    "idleHoldTimeAfterReset",
    NULL,
};
static const char *const transport_known[] = {
    "mtuDiscovery",
    "passiveMode",
    "remoteAddress",
    "remotePort",
    "tcpMss",
    /* berth extension (GoBGP TransportConfig.LocalAddress): source of outgoing sessions */
    "localAddress",
    NULL,
};
static const char *const afi_safi_known[] = {
    "mpGracefulRestart",
    "config",
    "addPaths",
    /* berth extension (GoBGP AfiSafi.PrefixLimits) */
    "prefixLimits",
    NULL,
};
static const char *const bfd_known[] = {
    "enabled", "receiveInterval", "transmitInterval", "detectMultiplier", "strict", NULL,
};
static const char *const prefix_limits_known[] = {"maxPrefixes", NULL};
static const char *const config_only[] = {"config", NULL};
static const char *const enabled_only[] = {"enabled", NULL};
static const char *const afi_safi_config_known[] = {"family", "enabled", NULL};
static const char *const family_known[] = {"afi", "safi", NULL};
static const char *const add_paths_config_known[] = {"receive", "sendMax", NULL};

/* GoBGP's RemovePrivate enum, by its older and newer names */
static const char *const remove_private_names[] = {
    "NONE", "ALL", "REPLACE", "REMOVE_NONE", "REMOVE_ALL", NULL,
};
/* GoBGP Family.Afi / Family.Safi names; berth speaks unicast IPv4 and IPv6 */
static const char *const afi_names[] = {"AFI_IP", "AFI_IP6", NULL};
static const char *const safi_names[] = {"SAFI_UNICAST", NULL};

static int nomem(struct cfg_dec *d)
{
	return cfg_err_set(d->err, -ENOMEM, 0, NULL, NULL, "out of memory");
}

/* A sub-mapping, pushed onto the path; 0 when absent. */
static int enter(struct cfg_dec *d, const json_t *obj, const char *key, const char *const *known,
                 const json_t **out, size_t *mark)
{
	int rc = cfg_dec_object(d, obj, key, out);

	if (rc <= 0)
		return rc;
	*mark = cfg_dec_push(d, key);
	rc = cfg_dec_known(d, *out, known);
	if (rc < 0) {
		cfg_dec_pop(d, *mark);
		return rc;
	}
	return 1;
}

static int u32(struct cfg_dec *d, const json_t *o, const char *key, uint64_t min, uint64_t max,
               uint32_t *out)
{
	uint64_t u = 0;
	int rc = cfg_dec_uint(d, o, key, min, max, &u);

	if (rc > 0)
		*out = (uint32_t)u;
	return rc;
}

static int cfg_dec_secret_ref(struct cfg_dec *d, const json_t *o, struct cfg_secret_ref *r)
{
	int rc;

	/* a JSON string with a NUL inside would pass as its first part */
	if ((rc = cfg_dec_string(d, o, "name", &r->name)) < 0)
		return rc;
	if (!rc)
		return cfg_dec_fail_at(d, o, "name", "required");
	if (!cfg_dns1123_subdomain(r->name) ||
	    strlen(r->name) != json_string_length(cfg_dec_get(o, "name")))
		return cfg_dec_fail_at(
		    d, o, "name",
		    "must be a Secret name: lower case letters, digits, '-' and "
		    "'.', starting and ending with a letter or digit, at most %d",
		    CFG_K8S_NAME_MAX);
	if ((rc = cfg_dec_string(d, o, "key", &r->key)) < 0)
		return rc;
	if (!rc)
		return cfg_dec_fail_at(d, o, "key", "required");
	if (!cfg_secret_key_valid(r->key) ||
	    strlen(r->key) != json_string_length(cfg_dec_get(o, "key")))
		return cfg_dec_fail_at(
		    d, o, "key",
		    "must be a Secret data key: letters, digits, '-', '_' and '.', "
		    "not \".\" nor starting with \"..\", at most %d",
		    CFG_K8S_NAME_MAX);
	return 0;
}

static int cfg_dec_conf(struct cfg_dec *d, const json_t *conf, struct cfg_peer_conf *c)
{
	const json_t *o = NULL;
	size_t mark = 0;
	unsigned rp = 0;
	int rc;

	if ((rc = cfg_dec_string(d, conf, "authPassword", &c->auth_password)) < 0)
		return rc;
	/* a NUL would cut the key short without a word (strdup) */
	if (c->auth_password &&
	    strlen(c->auth_password) != json_string_length(cfg_dec_get(conf, "authPassword")))
		return cfg_dec_fail_at(d, conf, "authPassword", "must not contain a NUL byte");
	/* RFC 2385 keys live in struct tcp_md5sig, at most TCP_MD5SIG_MAXKEYLEN bytes */
	if (c->auth_password && strlen(c->auth_password) > CFG_MD5_KEY_MAX)
		return cfg_dec_fail_at(d, conf, "authPassword",
		                       "must be at most %d bytes (TCP-MD5 key limit)",
		                       CFG_MD5_KEY_MAX);
	if ((rc = enter(d, conf, "authPasswordSecretRef", secret_ref_known, &o, &mark)) < 0)
		return rc;
	if (rc) {
		rc = cfg_dec_secret_ref(d, o, &c->auth_password_secret_ref);
		cfg_dec_pop(d, mark);
		if (rc < 0)
			return rc;
		/* MetalLB: "can not have both password and secret ref"; "" is
		 * no password there (and here: no TCP-MD5 key) */
		if (c->auth_password && *c->auth_password)
			return cfg_dec_fail_at(d, conf, "authPasswordSecretRef",
			                       "not with authPassword: give the password one way");
	}
	if ((rc = cfg_dec_string(d, conf, "description", &c->description)) < 0 ||
	    (rc = u32(d, conf, "localAs", 0, UINT32_MAX, &c->local_as)) < 0)
		return rc;
	rc = cfg_dec_addr(d, conf, "neighborAddress", &c->neighbor_address);
	if (rc < 0)
		return rc;
	if (!rc)
		return cfg_dec_fail_at(d, conf, "neighborAddress", "required");
	rc = u32(d, conf, "peerAs", 1, UINT32_MAX, &c->peer_as);
	if (rc < 0)
		return rc;
	if (!rc)
		return cfg_dec_fail_at(d, conf, "peerAs", "required");
	if ((rc = cfg_dec_string(d, conf, "peerGroup", &c->peer_group)) < 0 ||
	    (rc = u32(d, conf, "peerType", 0, 1, &c->peer_type)) < 0 ||
	    (rc = cfg_dec_enum(d, conf, "removePrivateAs", remove_private_names, &rp)) < 0)
		return rc;
	if (rc && !(c->remove_private_as = strdup(remove_private_names[rp])))
		return nomem(d);
	if ((rc = cfg_dec_bool(d, conf, "routeFlapDamping", &c->route_flap_damping)) < 0 ||
	    (rc = u32(d, conf, "sendCommunity", 0, UINT32_MAX, &c->send_community)) < 0 ||
	    (rc = cfg_dec_string(d, conf, "neighborInterface", &c->neighbor_interface)) < 0 ||
	    (rc = cfg_dec_string(d, conf, "vrf", &c->vrf)) < 0 ||
	    (rc = u32(d, conf, "allowOwnAs", 0, 255, &c->allow_own_as)) < 0 ||
	    (rc = cfg_dec_bool(d, conf, "replacePeerAs", &c->replace_peer_as)) < 0 ||
	    (rc = cfg_dec_bool(d, conf, "adminDown", &c->admin_down)) < 0)
		return rc;
	return 0;
}

static int cfg_dec_multihop(struct cfg_dec *d, const json_t *m, struct cfg_ebgp_multihop *h)
{
	int rc;

	if ((rc = cfg_dec_bool(d, m, "enabled", &h->enabled)) < 0)
		return rc;
	/* RFC 4271 does not bound it; the IP TTL field does */
	rc = u32(d, m, "multihopTtl", 1, 255, &h->multihop_ttl);
	if (rc < 0)
		return rc;
	if (!rc && h->enabled)
		h->multihop_ttl = CFG_DEFAULT_MULTIHOP_TTL;
	return 0;
}

static int timer(struct cfg_dec *d, const json_t *o, const char *key, uint64_t min, uint64_t max,
                 uint32_t *out)
{
	uint64_t u = 0;
	int rc = cfg_dec_uint_or_string(d, o, key, min, max, &u);

	if (rc > 0)
		*out = (uint32_t)u;
	return rc;
}

static int cfg_dec_timers(struct cfg_dec *d, const json_t *c, struct cfg_timers *t)
{
	int rc, has_keepalive;

	if ((rc = timer(d, c, "connectRetry", 1, 65535, &t->connect_retry)) < 0)
		return rc;
	rc = timer(d, c, "holdTime", 0, 65535, &t->hold_time);
	if (rc < 0)
		return rc;
	/* RFC 4271 section 4.2: Hold Time is either zero or at least three seconds */
	if (rc && (t->hold_time == 1 || t->hold_time == 2))
		return cfg_dec_fail_at(d, c, "holdTime", "must be 0 or 3..65535");
	has_keepalive = timer(d, c, "keepaliveInterval", 0, 65535, &t->keepalive_interval);
	if (has_keepalive < 0)
		return has_keepalive;
	/* RFC 4271 section 10: KeepaliveTime, one third of the Hold Time by default */
	if (!has_keepalive)
		t->keepalive_interval = t->hold_time / 3;
	else if (t->hold_time && t->keepalive_interval >= t->hold_time)
		return cfg_dec_fail_at(d, c, "keepaliveInterval", "must be less than holdTime (%u)",
		                       t->hold_time);
	else if (t->hold_time && !t->keepalive_interval)
		return cfg_dec_fail_at(d, c, "keepaliveInterval",
		                       "must not be 0 unless holdTime is 0");
	else if (!t->hold_time && t->keepalive_interval)
		return cfg_dec_fail_at(d, c, "keepaliveInterval", "must be 0 when holdTime is 0");
	if ((rc = timer(d, c, "minimumAdvertisementInterval", 0, 65535, &t->min_adv_interval)) < 0)
		return rc;
	/* 0 would reconnect at once into the same flood of prefixes. */
	rc = timer(d, c, "idleHoldTimeAfterReset", 1, 65535, &t->idle_hold_after_reset);
	return rc < 0 ? rc : 0;
}

static int cfg_dec_transport(struct cfg_dec *d, const json_t *o, struct cfg_transport *t)
{
	int rc;

	if ((rc = cfg_dec_bool(d, o, "mtuDiscovery", &t->mtu_discovery)) < 0 ||
	    (rc = cfg_dec_bool(d, o, "passiveMode", &t->passive_mode)) < 0)
		return rc;
	rc = cfg_dec_addr(d, o, "remoteAddress", &t->remote_address);
	if (rc < 0)
		return rc;
	t->has_remote_address = rc > 0;
	rc = cfg_dec_addr(d, o, "localAddress", &t->local_address);
	if (rc < 0)
		return rc;
	t->has_local_address = rc > 0;
	if ((rc = u32(d, o, "remotePort", 1, 65535, &t->remote_port)) < 0 ||
	    (rc = u32(d, o, "tcpMss", 0, 65535, &t->tcp_mss)) < 0)
		return rc;
	return 0;
}

/*
 * spec.bfd. Every field has its default once the mapping is given, so
 * that `bfd: {enabled: true}` is a whole configuration (MetalLB's
 * BFDProfile defaults: 300 ms both ways, multiplier 3). Intervals are
 * integers of milliseconds, as the CRD declares them: no strings, unlike
 * the BGP timers, which OpenELB types as strings.
 */
static int cfg_dec_bfd(struct cfg_dec *d, const json_t *o, struct cfg_bfd *b)
{
	uint64_t u = 0;
	int rc;

	b->present = true;
	b->receive_interval = b->transmit_interval = CFG_DEFAULT_BFD_INTERVAL;
	b->detect_multiplier = CFG_DEFAULT_BFD_MULT;
	if ((rc = cfg_dec_bool(d, o, "enabled", &b->enabled)) < 0 ||
	    (rc = cfg_dec_bool(d, o, "strict", &b->strict)) < 0)
		return rc;
	rc = cfg_dec_uint_unit(d, o, "receiveInterval", CFG_BFD_INTERVAL_MIN, CFG_BFD_INTERVAL_MAX,
	                       "ms", &u);
	if (rc < 0)
		return rc;
	if (rc)
		b->receive_interval = (uint32_t)u;
	rc = cfg_dec_uint_unit(d, o, "transmitInterval", CFG_BFD_INTERVAL_MIN, CFG_BFD_INTERVAL_MAX,
	                       "ms", &u);
	if (rc < 0)
		return rc;
	if (rc)
		b->transmit_interval = (uint32_t)u;
	rc = u32(d, o, "detectMultiplier", CFG_BFD_MULT_MIN, CFG_BFD_MULT_MAX,
	         &b->detect_multiplier);
	return rc < 0 ? rc : 0;
}

/* An optional {config: {...}} wrapper, GoBGP style. */
static int enter_config(struct cfg_dec *d, const json_t *o, const char *key,
                        const char *const *known, const json_t **cfg, size_t *mark)
{
	const json_t *w = NULL;
	size_t m1 = 0;
	int rc = enter(d, o, key, config_only, &w, &m1);

	if (rc <= 0)
		return rc;
	rc = enter(d, w, "config", known, cfg, mark);
	if (rc <= 0)
		cfg_dec_pop(d, m1);
	else
		*mark = m1;
	return rc;
}

static int cfg_dec_afi_safi(struct cfg_dec *d, const json_t *item, struct cfg_afi_safi *a)
{
	const json_t *cfg = NULL, *fam = NULL;
	unsigned afi = 0, safi = 0;
	size_t mark = 0, m2;
	int rc;

	if ((rc = cfg_dec_known(d, item, afi_safi_known)) < 0)
		return rc;
	rc = enter_config(d, item, "mpGracefulRestart", enabled_only, &cfg, &mark);
	if (rc < 0)
		return rc;
	if (rc) {
		rc = cfg_dec_bool(d, cfg, "enabled", &a->mp_graceful_restart);
		cfg_dec_pop(d, mark);
		if (rc < 0)
			return rc;
	}
	rc = enter_config(d, item, "addPaths", add_paths_config_known, &cfg, &mark);
	if (rc < 0)
		return rc;
	if (rc) {
		if ((rc = cfg_dec_bool(d, cfg, "receive", &a->add_paths_receive)) >= 0)
			rc = u32(d, cfg, "sendMax", 0, UINT32_MAX, &a->add_paths_send_max);
		cfg_dec_pop(d, mark);
		if (rc < 0)
			return rc;
	}
	rc = enter(d, item, "prefixLimits", prefix_limits_known, &cfg, &mark);
	if (rc < 0)
		return rc;
	if (rc) {
		rc = u32(d, cfg, "maxPrefixes", 0, UINT32_MAX, &a->max_prefixes);
		cfg_dec_pop(d, mark);
		if (rc < 0)
			return rc;
	}
	rc = enter(d, item, "config", afi_safi_config_known, &cfg, &mark);
	if (rc < 0)
		return rc;
	if (!rc)
		return cfg_dec_fail_at(d, item, "config", "required");
	if ((rc = cfg_dec_bool(d, cfg, "enabled", &a->enabled)) < 0 ||
	    (rc = enter(d, cfg, "family", family_known, &fam, &m2)) < 0)
		goto out;
	if (!rc) {
		rc = cfg_dec_fail_at(d, cfg, "family", "required");
		goto out;
	}
	if ((rc = cfg_dec_enum(d, fam, "afi", afi_names, &afi)) == 0)
		rc = cfg_dec_fail_at(d, fam, "afi", "required");
	if (rc > 0 && (rc = cfg_dec_enum(d, fam, "safi", safi_names, &safi)) == 0)
		rc = cfg_dec_fail_at(d, fam, "safi", "required");
	cfg_dec_pop(d, m2);
	a->af = afi == 0 ? BGP_AF_IPV4 : BGP_AF_IPV6;
out:
	cfg_dec_pop(d, mark);
	return rc < 0 ? rc : 0;
}

static const char *af_name(enum bgp_af af)
{
	return af == BGP_AF_IPV4 ? afi_names[0] : afi_names[1];
}

static int dec_afi_safi_item(struct cfg_dec *d, const json_t *item, size_t i, void *ctx)
{
	struct cfg_bgp_peer *p = ctx;
	struct cfg_afi_safi *a = &p->afi_safis[i];
	int rc = cfg_dec_afi_safi(d, item, a);

	for (size_t j = 0; rc == 0 && j < i; j++)
		if (p->afi_safis[j].af == a->af)
			rc = cfg_dec_fail_here(d, item, "duplicate family %s", af_name(a->af));
	if (rc == 0)
		p->n_afi_safis = i + 1;
	return rc;
}

static int cfg_dec_spec(struct cfg_dec *d, const json_t *spec, struct cfg_bgp_peer *p)
{
	const json_t *o = NULL, *t = NULL;
	size_t mark = 0, m2;
	int rc;

	if ((rc = cfg_dec_known(d, spec, spec_known)) < 0)
		return rc;
	rc = enter(d, spec, "conf", conf_known, &o, &mark);
	if (rc < 0)
		return rc;
	if (!rc)
		return cfg_dec_fail_at(d, spec, "conf", "required");
	rc = cfg_dec_conf(d, o, &p->conf);
	cfg_dec_pop(d, mark);
	if (rc < 0)
		return rc;

	if ((rc = enter(d, spec, "ebgpMultihop", multihop_known, &o, &mark)) < 0)
		return rc;
	if (rc) {
		rc = cfg_dec_multihop(d, o, &p->ebgp_multihop);
		cfg_dec_pop(d, mark);
		if (rc < 0)
			return rc;
	}

	p->timers.hold_time = CFG_DEFAULT_HOLD_TIME;
	p->timers.keepalive_interval = CFG_DEFAULT_HOLD_TIME / 3;
	p->timers.connect_retry = CFG_DEFAULT_CONNECT_RETRY;
	if ((rc = enter(d, spec, "timers", timers_known, &o, &mark)) < 0)
		return rc;
	if (rc) {
		rc = enter(d, o, "config", timers_config_known, &t, &m2);
		if (rc > 0) {
			rc = cfg_dec_timers(d, t, &p->timers);
			cfg_dec_pop(d, m2);
		}
		cfg_dec_pop(d, mark);
		if (rc < 0)
			return rc;
	}

	p->transport.remote_port = CFG_DEFAULT_BGP_PORT;
	if ((rc = enter(d, spec, "transport", transport_known, &o, &mark)) < 0)
		return rc;
	if (rc) {
		rc = cfg_dec_transport(d, o, &p->transport);
		cfg_dec_pop(d, mark);
		if (rc < 0)
			return rc;
	}
	if ((rc = enter(d, spec, "bfd", bfd_known, &o, &mark)) < 0)
		return rc;
	if (rc) {
		rc = cfg_dec_bfd(d, o, &p->bfd);
		cfg_dec_pop(d, mark);
		if (rc < 0)
			return rc;
	}
	if ((rc = enter(d, spec, "linkBandwidth", link_bw_known, &o, &mark)) < 0)
		return rc;
	if (rc) {
		rc = cfg_dec_bool(d, o, "nonTransitive", &p->link_bw_non_transitive);
		cfg_dec_pop(d, mark);
		if (rc < 0)
			return rc;
	}
	if ((rc = cfg_dec_graceful_restart(d, spec, "gracefulRestart", &p->graceful_restart)) < 0 ||
	    (rc = cfg_dec_mappings(d, spec, "afiSafis", (void **)&p->afi_safis,
	                           sizeof(*p->afi_safis), dec_afi_safi_item, p)) < 0)
		return rc;
	/* one selector: a list of one */
	if (cfg_dec_get(spec, "nodeSelector")) {
		if (!(p->node_selectors = calloc(1, sizeof(*p->node_selectors))))
			return nomem(d);
		p->n_node_selectors = 1;
		if ((rc = cfg_dec_selector(d, spec, "nodeSelector", p->node_selectors)) < 0)
			return rc;
	}
	return 0;
}

int cfg_bgp_peer_decode(const json_t *obj, struct cfg_bgp_peer *out, struct cfg_error *err)
{
	const json_t *spec = NULL, *status = NULL;
	struct cfg_dec d;
	size_t mark;
	int rc;

	memset(out, 0, sizeof(*out));
	cfg_dec_init(&d, err, "BgpPeer", true);
	/* status is OpenELB's to write: type-checked only. */
	if ((rc = cfg_dec_openelb_head(&d, obj, top_known, &out->meta, &spec)) < 0 ||
	    (rc = cfg_dec_object(&d, obj, "status", &status)) < 0)
		goto out;
	mark = cfg_dec_push(&d, "spec");
	rc = cfg_dec_spec(&d, spec, out);
	cfg_dec_pop(&d, mark);
out:
	if (rc < 0)
		cfg_bgp_peer_fini(out);
	return rc < 0 ? rc : 0;
}

void cfg_bgp_peer_fini(struct cfg_bgp_peer *p)
{
	cfg_meta_fini(&p->meta);
	free(p->conf.auth_password);
	free(p->conf.auth_password_secret_ref.name);
	free(p->conf.auth_password_secret_ref.key);
	free(p->conf.description);
	free(p->conf.peer_group);
	free(p->conf.remove_private_as);
	free(p->conf.neighbor_interface);
	free(p->conf.vrf);
	free(p->graceful_restart.mode);
	free(p->afi_safis);
	cfg_selectors_free(p->node_selectors, p->n_node_selectors);
	free(p->bfd_profile);
	free(p->note);
	free(p->xnote);
	memset(p, 0, sizeof(*p));
}

static bool afi_safi_equal(const struct cfg_afi_safi *a, const struct cfg_afi_safi *b)
{
	return a->af == b->af && a->enabled == b->enabled &&
	       a->mp_graceful_restart == b->mp_graceful_restart &&
	       a->add_paths_receive == b->add_paths_receive &&
	       a->add_paths_send_max == b->add_paths_send_max;
}

/* Families are a set: their order in the manifest does not matter. */
static bool afi_safis_equal(const struct cfg_bgp_peer *a, const struct cfg_bgp_peer *b)
{
	if (a->n_afi_safis != b->n_afi_safis)
		return false;
	for (size_t i = 0; i < a->n_afi_safis; i++) {
		size_t j;

		for (j = 0; j < b->n_afi_safis; j++)
			if (b->afi_safis[j].af == a->afi_safis[i].af)
				break;
		if (j == b->n_afi_safis || !afi_safi_equal(&a->afi_safis[i], &b->afi_safis[j]))
			return false;
	}
	return true;
}

/* spec.bfd is left out on purpose: BFD never resets the BGP session. */
bool cfg_bgp_peer_session_equal(const struct cfg_bgp_peer *a, const struct cfg_bgp_peer *b)
{
	const struct cfg_peer_conf *ca = &a->conf, *cb = &b->conf;
	const struct cfg_transport *ta = &a->transport, *tb = &b->transport;

	return core_addr_equal(&ca->neighbor_address, &cb->neighbor_address) &&
	       ca->peer_as == cb->peer_as && ca->local_as == cb->local_as &&
	       cfg_str_eq(ca->auth_password, cb->auth_password) &&
	       cfg_str_eq(ca->auth_password_secret_ref.name, cb->auth_password_secret_ref.name) &&
	       cfg_str_eq(ca->auth_password_secret_ref.key, cb->auth_password_secret_ref.key) &&
	       ca->peer_type == cb->peer_type && ca->admin_down == cb->admin_down &&
	       cfg_str_eq(ca->neighbor_interface, cb->neighbor_interface) &&
	       cfg_str_eq(ca->vrf, cb->vrf) &&
	       a->ebgp_multihop.enabled == b->ebgp_multihop.enabled &&
	       a->ebgp_multihop.multihop_ttl == b->ebgp_multihop.multihop_ttl &&
	       a->timers.hold_time == b->timers.hold_time &&
	       a->timers.keepalive_interval == b->timers.keepalive_interval &&
	       ta->mtu_discovery == tb->mtu_discovery && ta->passive_mode == tb->passive_mode &&
	       ta->has_remote_address == tb->has_remote_address &&
	       (!ta->has_remote_address ||
	        core_addr_equal(&ta->remote_address, &tb->remote_address)) &&
	       ta->has_local_address == tb->has_local_address &&
	       (!ta->has_local_address ||
	        core_addr_equal(&ta->local_address, &tb->local_address)) &&
	       ta->remote_port == tb->remote_port && ta->tcp_mss == tb->tcp_mss &&
	       cfg_graceful_restart_equal(&a->graceful_restart, &b->graceful_restart) &&
	       afi_safis_equal(a, b);
}

bool cfg_bgp_peer_routes_equal(const struct cfg_bgp_peer *a, const struct cfg_bgp_peer *b)
{
	return a->link_bw_non_transitive == b->link_bw_non_transitive;
}
