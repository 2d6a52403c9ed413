/*
 * MetalLB's BGPPeer (metallb.io/v1beta2, and the deprecated v1beta1 it
 * converts from) lowered onto the BGP peer model (struct cfg_bgp_peer):
 * api/v1beta2/bgppeer_types.go for the fields and their markers,
 * internal/config peerFromCR and parseTimers for the rules. A peer berth
 * cannot peer with as written (unnumbered over an interface, a dynamic
 * AS, a VRF) decodes, is checked, and comes back as 1 with its note
 * saying why: the set keeps it aside (config.h, struct cfg_mlb_ignored).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/dec.h"
#include "config/metallb_int.h"

static const char *const peer_versions[] = {CFG_METALLB_V1BETA2, CFG_METALLB_V1BETA1, NULL};
static const char *const peer_known[] = {
    "myASN",
    "peerASN",
    "localASN",
    "dynamicASN",
    "peerAddress",
    "interface",
    "sourceAddress",
    "peerPort",
    "holdTime",
    "keepaliveTime",
    "connectTime",
    "routerID",
    "nodeSelectors",
    "password",
    "passwordSecret",
    "bfdProfile",
    "enableGracefulRestart",
    "ebgpMultiHop",
    "vrf",
    "disableMP",
    "dualStackAddressFamily",
    NULL,
};
static const char *const secret_known[] = {"name", "namespace", NULL};
/* kubebuilder:validation:Enum=internal;external */
static const char *const dynamic_names[] = {"internal", "external", NULL};

#define NS_PER_S 1000000000ull

static int nomem(struct cfg_dec *d)
{
	return cfg_err_set(d->err, -ENOMEM, 0, NULL, NULL, "out of memory");
}

/*
 * A metav1.Duration: Go's time.ParseDuration ("90s", "1m30s", "1.5h",
 * "300ms", "0"), into nanoseconds. Negative durations are refused (no
 * timer here takes one). Returns 0 or -EINVAL.
 */
int cfg_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
	    {"ns", 1},           {"us", 1000},    {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
	    {"\xce\xbcs", 1000},                                       /* U+03BC Greek mu */
	    {"ms", 1000000},     {"s", NS_PER_S}, {"m", 60 * NS_PER_S}, {"h", 3600 * NS_PER_S},
	};
	uint64_t total = 0;

	if (*s == '+')
		s++;
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t whole = 0, frac = 0, scale = 1, mult = 0, add;
		bool digits = false;
		size_t ulen = 0, best = 0;

		for (; *s >= '0' && *s <= '9'; s++, digits = true) {
			if (whole > (UINT64_MAX - 9) / 10)
				return -EINVAL;
			whole = whole * 10 + (uint64_t)(*s - '0');
		}
		if (*s == '.') {
			for (s++; *s >= '0' && *s <= '9'; s++, digits = true)
				if (scale < NS_PER_S * 1000) {
					frac = frac * 10 + (uint64_t)(*s - '0');
					scale *= 10;
				}
		}
		if (!digits)
			return -EINVAL;
		/* the longest unit that matches ("ms" before "m") */
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);

			if (l > best && !strncmp(s, units[i].unit, l)) {
				best = l;
				mult = units[i].ns;
			}
		}
		ulen = best;
		if (!ulen)
			return -EINVAL;
		s += ulen;
		if (whole && mult > UINT64_MAX / whole)
			return -EINVAL;
		add = whole * mult + (uint64_t)((double)frac * (double)mult / (double)scale);
		if (add > UINT64_MAX - total)
			return -EINVAL;
		total += add;
	}
	/* Go's durations are int64 nanoseconds */
	if (total > (uint64_t)INT64_MAX)
		return -EINVAL;
	*ns = total;
	return 0;
}

/* A Duration field into ns: 1 when present, 0 absent, < 0 error. */
static int duration(struct cfg_dec *d, const json_t *spec, const char *key, uint64_t *ns)
{
	const char *s = NULL;
	char text[72];
	int rc = cfg_dec_cstr(d, spec, key, &s);

	if (rc <= 0)
		return rc;
	if (strlen(s) != json_string_length(cfg_dec_get(spec, key)) ||
	    cfg_parse_duration(s, ns) < 0)
		return cfg_dec_fail_at(d, spec, key, "\"%s\" is not a duration (90s, 1m30s)",
		                       cfg_shown(text, s, strlen(s)));
	return 1;
}

/* parseTimers, and what berth's timers hold (whole seconds, 16 bits). */
static int dec_timers(struct cfg_dec *d, const json_t *spec, struct cfg_bgp_peer *p)
{
	uint64_t ht = 0, ka = 0, ct = 0;
	int has_ht, has_ka, rc;

	p->timers.hold_time = CFG_DEFAULT_HOLD_TIME;
	p->timers.keepalive_interval = CFG_DEFAULT_HOLD_TIME / 3;
	p->timers.connect_retry = CFG_DEFAULT_CONNECT_RETRY;
	if ((has_ht = duration(d, spec, "holdTime", &ht)) < 0)
		return has_ht;
	if ((has_ka = duration(d, spec, "keepaliveTime", &ka)) < 0)
		return has_ka;
	if (has_ht && !has_ka)
		ka = ht / 3;
	else if (!has_ht && has_ka)
		ht = ka * 3;
	if (has_ht || has_ka) {
		/* FRR takes whole seconds (frr.go divides by time.Second) */
		uint64_t hs = ht / NS_PER_S, ks = ka / NS_PER_S;
		const char *key = has_ht ? "holdTime" : "keepaliveTime";

		/* a keepalive alone gives a hold time of three times it */
		const char *which = has_ht ? "hold time" : "the hold time it gives (3 times it)";

		if (hs && hs < 3)
			return cfg_dec_fail_at(d, spec, key, "%s must be 0 or at least 3s", which);
		if (hs > 65535)
			return cfg_dec_fail_at(d, spec, key,
			                       "%s must be at most 65535s (RFC 4271 4.2)", which);
		if (ka > ht)
			return cfg_dec_fail_at(d, spec, has_ka ? "keepaliveTime" : "holdTime",
			                       "keepalive time must not exceed the hold time");
		if (hs && !ks)
			return cfg_dec_fail_at(d, spec, has_ka ? "keepaliveTime" : "holdTime",
			                       "keepalive time must be at least 1s unless the hold "
			                       "time is 0 (no KEEPALIVE would keep the session)");
		p->timers.hold_time = (uint32_t)hs;
		p->timers.keepalive_interval = hs ? (uint32_t)ks : 0;
	}
	if ((rc = duration(d, spec, "connectTime", &ct)) < 0)
		return rc;
	/* the CRD's CEL rules */
	if (rc && (ct % NS_PER_S || ct < NS_PER_S || ct > 65535 * NS_PER_S))
		return cfg_dec_fail_at(d, spec, "connectTime",
		                       "must be a whole number of seconds, 1s..65535s");
	if (rc)
		p->timers.connect_retry = (uint32_t)(ct / NS_PER_S);
	return 0;
}

static int dec_password(struct cfg_dec *d, const json_t *spec, struct cfg_bgp_peer *p)
{
	const json_t *sec = NULL;
	const char *name = NULL;
	size_t mark;
	int rc;

	if ((rc = cfg_dec_string(d, spec, "password", &p->conf.auth_password)) < 0)
		return rc;
	if (p->conf.auth_password && !*p->conf.auth_password) {
		/* "" is no password (omitempty) */
		free(p->conf.auth_password);
		p->conf.auth_password = NULL;
	}
	if (p->conf.auth_password) {
		if (strlen(p->conf.auth_password) !=
		        json_string_length(cfg_dec_get(spec, "password")) ||
		    strpbrk(p->conf.auth_password, "\n\r"))
			return cfg_dec_fail_at(d, spec, "password",
			                       "must not contain a NUL, CR or LF byte");
		if (strlen(p->conf.auth_password) > CFG_MD5_KEY_MAX)
			return cfg_dec_fail_at(d, spec, "password",
			                       "must be at most %d bytes (TCP-MD5 key limit)",
			                       CFG_MD5_KEY_MAX);
	}
	if ((rc = cfg_dec_object(d, spec, "passwordSecret", &sec)) <= 0)
		return rc;
	mark = cfg_dec_push(d, "passwordSecret");
	if ((rc = mlb_unknown(d, sec, secret_known, &p->note)) < 0 ||
	    (rc = cfg_dec_cstr(d, sec, "name", &name)) < 0 ||
	    (rc = cfg_dec_cstr(d, sec, "namespace", &(const char *){NULL})) < 0)
		goto out;
	rc = 0;
	if (!name || !*name)
		goto out; /* an empty SecretReference: none */
	if (!cfg_dns1123_subdomain(name) ||
	    strlen(name) != json_string_length(cfg_dec_get(sec, "name"))) {
		rc = cfg_dec_fail_at(d, sec, "name", "must be a Secret name (DNS-1123 subdomain)");
		goto out;
	}
	/* "can not have both password and secret ref set" */
	if (p->conf.auth_password) {
		cfg_dec_pop(d, mark);
		return cfg_dec_fail_at(d, spec, "passwordSecret",
		                       "not with password: give the password one way");
	}
	/* MetalLB reads the key "password" of a kubernetes.io/basic-auth
	 * Secret of its own namespace */
	if (!(p->conf.auth_password_secret_ref.name = strdup(name)) ||
	    !(p->conf.auth_password_secret_ref.key = strdup("password")))
		rc = nomem(d);
out:
	cfg_dec_pop(d, mark);
	return rc;
}

/* Why berth cannot peer as written: into *note; true if so. */
static int unpeerable(struct cfg_dec *d, const json_t *spec, const char *iface, const char *dynamic,
                      char **note, bool *skip)
{
	const char *vrf = NULL;
	int rc;

	if ((rc = cfg_dec_cstr(d, spec, "vrf", &vrf)) < 0)
		return rc;
	if (vrf && strpbrk(vrf, "\n\r"))
		return cfg_dec_fail_at(d, spec, "vrf", "must not contain a CR or LF byte");
	if (iface && cfg_note_add(note, "spec.interface: berth has no unnumbered BGP (RFC 5549): "
	                                "not peered") < 0)
		return nomem(d);
	if (dynamic && cfg_note_add(note, "spec.dynamicASN: berth needs the peer's AS: not "
	                                  "peered") < 0)
		return nomem(d);
	if (vrf && *vrf &&
	    cfg_note_add(note, "spec.vrf: berth peers in the default VRF only: not peered") < 0)
		return nomem(d);
	*skip = iface || dynamic || (vrf && *vrf);
	return 0;
}

static int dec_spec(struct cfg_dec *d, const json_t *spec, struct cfg_bgp_peer *p, bool *skip)
{
	const char *iface = NULL, *dynamic = NULL, *s = NULL;
	uint64_t my = 0, asn = 0, local = 0, port = 0;
	bool multihop = false, gr = false, dual = false;
	struct core_addr rid;
	unsigned dyn = 0;
	int rc, has_asn, has_addr;

	if ((rc = mlb_unknown(d, spec, peer_known, &p->note)) < 0)
		return rc;
	/* "missing local ASN" */
	if ((rc = cfg_dec_uint(d, spec, "myASN", 0, UINT32_MAX, &my)) < 0)
		return rc;
	if (!my)
		return cfg_dec_fail_at(d, spec, "myASN", "required: 1..4294967295");
	if ((has_asn = cfg_dec_uint(d, spec, "peerASN", 0, UINT32_MAX, &asn)) < 0 ||
	    (rc = cfg_dec_enum(d, spec, "dynamicASN", dynamic_names, &dyn)) < 0)
		return has_asn < 0 ? has_asn : rc;
	if (rc)
		dynamic = dynamic_names[dyn];
	if (!asn && !dynamic)
		return cfg_dec_fail_at(d, spec, "peerASN", "required (or dynamicASN)");
	if (asn && dynamic)
		return cfg_dec_fail_at(d, spec, "dynamicASN", "not with peerASN");
	if ((rc = cfg_dec_uint(d, spec, "localASN", 1, UINT32_MAX, &local)) < 0)
		return rc;
	/* "advertise that ASN to the peer instead of myASN" */
	p->my_asn = (uint32_t)my;
	p->conf.local_as = (uint32_t)(local ? local : my);
	p->conf.peer_as = (uint32_t)asn;
	if ((has_addr = cfg_dec_addr(d, spec, "peerAddress", &p->conf.neighbor_address)) < 0 ||
	    (rc = cfg_dec_cstr(d, spec, "interface", &iface)) < 0)
		return has_addr < 0 ? has_addr : rc;
	if (iface && !*iface)
		iface = NULL;
	if (!has_addr && !iface)
		return cfg_dec_fail_at(d, spec, "peerAddress", "required (or interface)");
	if (has_addr && iface)
		return cfg_dec_fail_at(d, spec, "interface", "not with peerAddress");
	if (iface && strpbrk(iface, "\n\r"))
		return cfg_dec_fail_at(d, spec, "interface", "must not contain a CR or LF byte");
	rc = cfg_dec_addr(d, spec, "sourceAddress", &p->transport.local_address);
	if (rc < 0)
		return rc;
	p->transport.has_local_address = rc > 0;
	/* kubebuilder Maximum=16384 (v1beta1 also took 0: the default) */
	if ((rc = cfg_dec_uint(d, spec, "peerPort", 0, 16384, &port)) < 0)
		return rc;
	p->transport.remote_port = port ? (uint32_t)port : CFG_DEFAULT_BGP_PORT;
	if ((rc = dec_timers(d, spec, p)) < 0)
		return rc;
	if ((rc = cfg_dec_cstr(d, spec, "routerID", &s)) < 0)
		return rc;
	if (rc && *s) {
		/* RFC 6286: a BGP Identifier is 32 bits */
		if (cfg_addr_parse(s, &rid) < 0 || rid.family != AF_INET)
			return cfg_dec_fail_at(d, spec, "routerID", "must be an IPv4 address");
		p->has_router_id = true;
		p->router_id = (uint32_t)rid.bytes[0] << 24 | (uint32_t)rid.bytes[1] << 16 |
		               (uint32_t)rid.bytes[2] << 8 | rid.bytes[3];
	}
	if ((rc = mlb_selectors(d, spec, "nodeSelectors", &p->node_selectors,
	                        &p->n_node_selectors)) < 0 ||
	    (rc = dec_password(d, spec, p)) < 0 ||
	    (rc = cfg_dec_string(d, spec, "bfdProfile", &p->bfd_profile)) < 0 ||
	    (rc = cfg_dec_bool(d, spec, "enableGracefulRestart", &gr)) < 0 ||
	    (rc = cfg_dec_bool(d, spec, "ebgpMultiHop", &multihop)) < 0 ||
	    (rc = cfg_dec_bool(d, spec, "disableMP", &(bool){false})) < 0 ||
	    (rc = cfg_dec_bool(d, spec, "dualStackAddressFamily", &dual)) < 0)
		return rc;
	if (p->bfd_profile && !*p->bfd_profile) {
		free(p->bfd_profile);
		p->bfd_profile = NULL;
	}
	/* "invalid ebgp-multihop parameter set for an ibgp peer" */
	if (multihop && asn == my)
		return cfg_dec_fail_at(d, spec, "ebgpMultiHop",
		                       "not for an iBGP peer (peerASN is myASN)");
	p->ebgp_multihop.enabled = multihop;
	p->ebgp_multihop.multihop_ttl = multihop ? CFG_DEFAULT_MULTIHOP_TTL : 0;
	p->graceful_restart.present = gr;
	p->graceful_restart.enabled = gr;
	/* frr.go: the session carries the family of the peer's address, both
	 * with dualStackAddressFamily (disableMP has no effect any more) */
	if (has_addr && !dual) {
		if (!(p->afi_safis = calloc(1, sizeof(*p->afi_safis))))
			return nomem(d);
		p->n_afi_safis = 1;
		p->afi_safis[0].af =
		    p->conf.neighbor_address.family == AF_INET6 ? BGP_AF_IPV6 : BGP_AF_IPV4;
		p->afi_safis[0].enabled = true;
	}
	return unpeerable(d, spec, iface, dynamic, &p->note, skip);
}

int cfg_metallb_peer_decode(const json_t *obj, struct cfg_bgp_peer *out, struct cfg_error *err)
{
	const json_t *spec = NULL;
	struct cfg_dec d;
	bool skip = false;
	size_t mark;
	int rc;

	memset(out, 0, sizeof(*out));
	cfg_dec_init(&d, err, "BGPPeer", false);
	if ((rc = mlb_head(&d, obj, peer_versions, &out->meta, &spec, &out->note)) < 0)
		goto out;
	if (!spec) {
		rc = cfg_dec_fail_at(&d, obj, "spec", "required");
		goto out;
	}
	mark = cfg_dec_push(&d, "spec");
	rc = dec_spec(&d, spec, out, &skip);
	cfg_dec_pop(&d, mark);
out:
	if (rc < 0) {
		cfg_bgp_peer_fini(out);
		return rc;
	}
	out->api = CFG_API_METALLB;
	return skip ? 1 : 0;
}
