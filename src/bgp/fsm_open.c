/*
 * OPEN handling for the FSM: what we offer, what we accept from the peer
 * and what the two sides negotiate. Pure.
 */
#include "bgp/fsm_int.h"

#include <errno.h>
#include <string.h>

int fsm_config_check(const struct bgp_fsm_config *cfg)
{
	if (!cfg || cfg->local_as == 0 || cfg->peer_as == 0 || cfg->router_id == 0)
		return -EINVAL;
	/* RFC 4271 section 4.2: zero or at least three seconds. */
	if (cfg->hold_time == 1 || cfg->hold_time == 2)
		return -EINVAL;
	if (cfg->hold_time != 0 && cfg->keepalive_time >= cfg->hold_time)
		return -EINVAL;
	/* RFC 6793 section 3: a 4-octet AS can only be spoken with AS4. */
	if (cfg->local_as > 0xffff && !cfg->caps.as4)
		return -EINVAL;
	if (cfg->retry_start_ms == 0 || cfg->retry_max_ms < cfg->retry_start_ms)
		return -EINVAL;
	/* RFC 4724 section 3: the restart time field has 12 bits. */
	if (cfg->caps.gr_time > 0xfff)
		return -EINVAL;
	for (int af = 0; af < BGP_AF_COUNT; af++)
		if (cfg->caps.addpath[af] & ~(BGP_ADDPATH_RECEIVE | BGP_ADDPATH_SEND))
			return -EINVAL;
	return 0;
}

void fsm_open_build(const struct bgp_fsm_config *cfg, struct bgp_open *o)
{
	memset(o, 0, sizeof(*o));
	o->version = BGP_VERSION;
	/* RFC 6793 section 4.1: AS_TRANS in the 2-octet field when needed. */
	o->my_as = cfg->local_as > 0xffff ? BGP_AS_TRANS : (uint16_t)cfg->local_as;
	o->hold_time = cfg->hold_time;
	o->bgp_id = cfg->router_id;
	o->caps = cfg->caps;
	if (o->caps.as4)
		o->caps.as4_asn = cfg->local_as;
}

static int reject(struct bgp_fsm_actions *out, uint8_t subcode, const uint8_t *data,
                  size_t data_len)
{
	out->flags |= BGP_FSM_ACT_SEND_NOTIFICATION;
	out->notif_code = BGP_ERR_OPEN;
	out->notif_subcode = subcode;
	if (data_len > sizeof(out->notif_data))
		data_len = sizeof(out->notif_data);
	if (data_len)
		memcpy(out->notif_data, data, data_len);
	out->notif_data_len = (uint16_t)data_len;
	return -EPROTO;
}

/* The peer AS an OPEN claims, or 0 when its two AS fields disagree. */
static uint32_t open_peer_as(const struct bgp_open *o)
{
	if (!o->caps.as4)
		return o->my_as;
	/*
	 * RFC 6793 section 4.1: the 2-octet field is the AS itself when it
	 * fits, AS_TRANS otherwise. Anything else is inconsistent.
	 */
	if (o->my_as != BGP_AS_TRANS && o->my_as != o->caps.as4_asn)
		return 0;
	return o->caps.as4_asn;
}

/*
 * RFC 4271 carries IPv4 unicast natively: a speaker that sends no
 * multiprotocol capability at all (RFC 4760 section 8) speaks only that.
 */
static bool offers_af(const struct bgp_caps *c, enum bgp_af af)
{
	bool any = false;

	for (int i = 0; i < BGP_AF_COUNT; i++)
		any |= c->mp[i];
	return any ? c->mp[af] : af == BGP_AF_IPV4;
}

/* RFC 5492 section 3: Unsupported Capability lists the capabilities. */
static int reject_no_family(const struct bgp_fsm_config *cfg, struct bgp_fsm_actions *out)
{
	uint8_t data[6 * BGP_AF_COUNT];
	size_t n = 0;

	for (int af = 0; af < BGP_AF_COUNT; af++) {
		if (!offers_af(&cfg->caps, (enum bgp_af)af))
			continue;
		data[n++] = 1; /* capability code: multiprotocol, RFC 4760 */
		data[n++] = 4;
		data[n++] = (uint8_t)(bgp_af_to_afi((enum bgp_af)af) >> 8);
		data[n++] = (uint8_t)bgp_af_to_afi((enum bgp_af)af);
		data[n++] = 0;
		data[n++] = BGP_SAFI_UNICAST;
	}
	return reject(out, BGP_ERR_OPEN_CAPABILITY, data, n);
}

int fsm_open_accept(const struct bgp_fsm_config *cfg, const struct bgp_open *peer,
                    struct bgp_fsm_session *s, struct bgp_fsm_actions *out)
{
	const struct bgp_caps *mine = &cfg->caps, *theirs = &peer->caps;
	uint32_t as = open_peer_as(peer);
	bool any_af = false;

	if (peer->version != BGP_VERSION) {
		/* RFC 4271 section 6.2: data = largest version we support. */
		static const uint8_t v[2] = {0, BGP_VERSION};
		return reject(out, BGP_ERR_OPEN_VERSION, v, sizeof(v));
	}
	/* RFC 7607 section 2: AS 0 is a bad peer AS too (peer_as != 0). */
	if (as != cfg->peer_as)
		return reject(out, BGP_ERR_OPEN_PEER_AS, NULL, 0);
	/* RFC 4271 section 6.2: hold times of one or two seconds. */
	if (peer->hold_time == 1 || peer->hold_time == 2)
		return reject(out, BGP_ERR_OPEN_HOLD_TIME, NULL, 0);
	/*
	 * RFC 6286 section 2.2: non-zero, and unique within the AS (so only
	 * iBGP peers must not share ours).
	 */
	if (peer->bgp_id == 0 ||
	    (cfg->peer_as == cfg->local_as && peer->bgp_id == cfg->router_id) ||
	    (cfg->peer_id != 0 && peer->bgp_id != cfg->peer_id))
		return reject(out, BGP_ERR_OPEN_BGP_ID, NULL, 0);

	memset(s, 0, sizeof(*s));
	for (int af = 0; af < BGP_AF_COUNT; af++) {
		s->af[af] = offers_af(mine, (enum bgp_af)af) && offers_af(theirs, (enum bgp_af)af);
		any_af |= s->af[af];
		if (!s->af[af])
			continue;
		/* RFC 7911 section 4: send where we send and they receive. */
		if ((mine->addpath[af] & BGP_ADDPATH_SEND) &&
		    (theirs->addpath[af] & BGP_ADDPATH_RECEIVE))
			s->params.addpath_tx[af] = 1;
		if ((mine->addpath[af] & BGP_ADDPATH_RECEIVE) &&
		    (theirs->addpath[af] & BGP_ADDPATH_SEND))
			s->params.addpath_rx[af] = 1;
	}
	if (!any_af)
		return reject_no_family(cfg, out);

	s->params.as4 = mine->as4 && theirs->as4;
	s->params.ext_msg = mine->ext_msg && theirs->ext_msg;
	/* RFC 4271 section 4.2: the smaller hold time; keepalive a third. */
	s->hold_time = cfg->hold_time < peer->hold_time ? cfg->hold_time : peer->hold_time;
	s->keepalive_time = s->hold_time / 3;
	if (cfg->keepalive_time && cfg->keepalive_time < s->keepalive_time)
		s->keepalive_time = cfg->keepalive_time;
	s->peer_as = as;
	s->peer_id = peer->bgp_id;
	s->route_refresh = mine->route_refresh && theirs->route_refresh;
	s->gr_local = mine->gr;
	s->gr_peer = theirs->gr;
	s->peer_open = *peer;
	return 0;
}
