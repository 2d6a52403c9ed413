/*
 * OPEN message (RFC 4271 section 4.2) with Capabilities (RFC 5492) and
 * RFC 9072 extended optional parameters length.
 */
#include <errno.h>
#include <string.h>

#include "bgp/wire.h"

/* Version, My AS, Hold Time, BGP Identifier, Opt Parm Len */
#define OPEN_FIXED_LEN 10
/* RFC 5492 section 4 */
#define OPT_PARAM_CAPABILITIES 2
/* RFC 9072 section 2: Non-Ext OP Type value marking the extended format */
#define OPT_PARAM_EXTENDED 255

enum {
	CAP_MP = 1,            /* RFC 4760 section 8 */
	CAP_ROUTE_REFRESH = 2, /* RFC 2918 section 2 */
	CAP_EXT_MSG = 6,       /* RFC 8654 section 3 */
	CAP_GR = 64,           /* RFC 4724 section 3 */
	CAP_AS4 = 65,          /* RFC 6793 section 3 */
	CAP_ADDPATH = 69,      /* RFC 7911 section 4 */
};

/* RFC 4724 section 3: R bit of the Restart Flags, F bit of the per-AFI flags */
#define GR_FLAG_RESTARTING 0x8
#define GR_AF_FORWARDING   0x80
#define GR_TIME_MASK       0x0fff

static int open_error(struct bgp_error *err, uint8_t subcode, const uint8_t *data, size_t data_len,
                      const char *reason)
{
	bgp_err_raise(err, BGP_UPD_SESSION_RESET, BGP_ERR_OPEN, subcode, 0, data, data_len, reason);
	return -EBADMSG;
}

/* RFC 4271 section 6.2: a recognized but malformed parameter is subcode 0. */
static int malformed(struct bgp_error *err, const uint8_t *cap, size_t cap_len, const char *reason)
{
	return open_error(err, BGP_ERR_OPEN_UNSPECIFIC, cap, cap_len, reason);
}

static void decode_gr(const uint8_t *c, size_t clen, struct bgp_caps *caps)
{
	uint16_t hdr = bgp_get16(c);
	enum bgp_af af;

	caps->gr = true;
	caps->gr_restarting = (hdr >> 12) & GR_FLAG_RESTARTING;
	caps->gr_time = hdr & GR_TIME_MASK;
	for (size_t i = 2; i + 4 <= clen; i += 4) {
		if (bgp_af_from_afi(bgp_get16(c + i), c[i + 2], &af) < 0)
			continue;
		caps->gr_af[af].present = true;
		caps->gr_af[af].forwarding_preserved = c[i + 3] & GR_AF_FORWARDING;
	}
}

static void decode_addpath(const uint8_t *c, size_t clen, struct bgp_caps *caps)
{
	enum bgp_af af;

	for (size_t i = 0; i + 4 <= clen; i += 4) {
		uint8_t sr = c[i + 3];

		/* Values other than 1..3 are undefined; such a tuple offers nothing. */
		if (bgp_af_from_afi(bgp_get16(c + i), c[i + 2], &af) < 0 || sr < 1 || sr > 3)
			continue;
		caps->addpath[af] = sr;
	}
}

/* One Capabilities optional parameter: a sequence of <code, length, value>. */
static int decode_caps(const uint8_t *v, size_t vlen, struct bgp_caps *caps, struct bgp_error *err)
{
	size_t off = 0;
	enum bgp_af af;

	while (off < vlen) {
		const uint8_t *c;
		uint8_t code, clen;

		if (vlen - off < 2)
			return malformed(err, v + off, vlen - off, "capability header truncated");
		code = v[off];
		clen = v[off + 1];
		/* The FRR CVE-2022-37032 class: a length running past its container. */
		if (clen > vlen - off - 2)
			return malformed(err, v + off, vlen - off,
			                 "capability length overruns its parameter");
		c = v + off + 2;
		switch (code) {
		case CAP_MP:
			if (clen != 4)
				return malformed(err, v + off, 2u + clen,
				                 "multiprotocol capability length is not 4");
			if (bgp_af_from_afi(bgp_get16(c), c[3], &af) == 0)
				caps->mp[af] = true;
			break;
		case CAP_ROUTE_REFRESH:
			if (clen != 0)
				return malformed(err, v + off, 2u + clen,
				                 "route refresh capability length is not 0");
			caps->route_refresh = true;
			break;
		case CAP_EXT_MSG:
			if (clen != 0)
				return malformed(err, v + off, 2u + clen,
				                 "extended message capability length is not 0");
			caps->ext_msg = true;
			break;
		case CAP_GR:
			if (clen < 2 || (clen - 2) % 4)
				return malformed(err, v + off, 2u + clen,
				                 "graceful restart capability length is not 2+4n");
			decode_gr(c, clen, caps);
			break;
		case CAP_AS4: {
			uint32_t asn;

			if (clen != 4)
				return malformed(err, v + off, 2u + clen,
				                 "4-octet AS capability length is not 4");
			asn = bgp_get32(c);
			/* RFC 7607 section 2: AS 0 in an OPEN is Bad Peer AS. */
			if (asn == 0)
				return open_error(err, BGP_ERR_OPEN_PEER_AS, NULL, 0,
				                  "4-octet AS capability carries AS 0");
			caps->as4 = true;
			caps->as4_asn = asn;
			break;
		}
		case CAP_ADDPATH:
			if (clen % 4)
				return malformed(err, v + off, 2u + clen,
				                 "ADD-PATH capability length is not 4n");
			decode_addpath(c, clen, caps);
			break;
		default:
			break; /* RFC 5492 section 3: ignore what we do not know */
		}
		off += 2u + clen;
	}
	return 0;
}

int bgp_open_decode(const uint8_t *body, size_t len, struct bgp_open *o, struct bgp_error *err)
{
	static const uint8_t version_data[2] = {0, BGP_VERSION};
	const uint8_t *p = body + OPEN_FIXED_LEN;
	size_t plen, optlen, hl = 2, off = 0;

	memset(o, 0, sizeof(*o));
	if (len < OPEN_FIXED_LEN)
		return open_error(err, BGP_ERR_OPEN_UNSPECIFIC, NULL, 0, "OPEN truncated");
	o->version = body[0];
	o->my_as = bgp_get16(body + 1);
	o->hold_time = bgp_get16(body + 3);
	o->bgp_id = bgp_get32(body + 5);
	optlen = body[9];
	plen = len - OPEN_FIXED_LEN;

	/* RFC 4271 section 6.2: the data is the largest version we support. */
	if (o->version != BGP_VERSION)
		return open_error(err, BGP_ERR_OPEN_VERSION, version_data, sizeof(version_data),
		                  "unsupported BGP version");
	if (o->my_as == 0) /* RFC 7607 section 2 */
		return open_error(err, BGP_ERR_OPEN_PEER_AS, body + 1, 2, "My AS is 0");
	if (o->hold_time == 1 || o->hold_time == 2)
		return open_error(err, BGP_ERR_OPEN_HOLD_TIME, NULL, 0, "hold time 1 or 2");
	if (o->bgp_id == 0)
		return open_error(err, BGP_ERR_OPEN_BGP_ID, NULL, 0, "BGP identifier is 0");

	/* RFC 9072 section 2: 255 then type 255 announces a 2-octet length. */
	if (optlen == 255 && plen >= 1 && p[0] == OPT_PARAM_EXTENDED) {
		if (plen < 3)
			return open_error(err, BGP_ERR_OPEN_UNSPECIFIC, NULL, 0,
			                  "extended optional parameters length truncated");
		optlen = bgp_get16(p + 1);
		p += 3;
		plen -= 3;
		hl = 3;
	}
	if (optlen != plen)
		return open_error(err, BGP_ERR_OPEN_UNSPECIFIC, NULL, 0,
		                  "optional parameters length does not match the message");
	while (off < plen) {
		size_t pl;
		int rc;

		if (plen - off < hl)
			return open_error(err, BGP_ERR_OPEN_UNSPECIFIC, p + off, plen - off,
			                  "optional parameter header truncated");
		pl = hl == 3 ? bgp_get16(p + off + 1) : p[off + 1];
		if (pl > plen - off - hl)
			return open_error(err, BGP_ERR_OPEN_UNSPECIFIC, p + off, plen - off,
			                  "optional parameter length overruns the OPEN");
		if (p[off] != OPT_PARAM_CAPABILITIES)
			return open_error(err, BGP_ERR_OPEN_OPT_PARAM, p + off, 1,
			                  "unsupported optional parameter");
		rc = decode_caps(p + off + hl, pl, &o->caps, err);
		if (rc < 0)
			return rc;
		off += hl + pl;
	}
	return 0;
}

/* Appends one capability in its own optional parameter (RFC 5492 section 4). */
static size_t put_cap(uint8_t *w, uint8_t code, const uint8_t *val, uint8_t vlen)
{
	w[0] = OPT_PARAM_CAPABILITIES;
	w[1] = (uint8_t)(2 + vlen);
	w[2] = code;
	w[3] = vlen;
	if (vlen)
		memcpy(w + 4, val, vlen);
	return 4u + vlen;
}

static size_t put_caps(uint8_t *w, const struct bgp_caps *c)
{
	uint8_t v[4 * BGP_AF_COUNT + 2];
	size_t o = 0, n;

	for (int af = 0; af < BGP_AF_COUNT; af++) {
		if (!c->mp[af])
			continue;
		bgp_put16(v, bgp_af_to_afi((enum bgp_af)af));
		v[2] = 0;
		v[3] = BGP_SAFI_UNICAST;
		o += put_cap(w + o, CAP_MP, v, 4);
	}
	if (c->route_refresh)
		o += put_cap(w + o, CAP_ROUTE_REFRESH, NULL, 0);
	if (c->ext_msg)
		o += put_cap(w + o, CAP_EXT_MSG, NULL, 0);
	if (c->gr) {
		bgp_put16(v, (uint16_t)((c->gr_restarting ? GR_FLAG_RESTARTING << 12 : 0) |
		                        (c->gr_time & GR_TIME_MASK)));
		n = 2;
		for (int af = 0; af < BGP_AF_COUNT; af++) {
			if (!c->gr_af[af].present)
				continue;
			bgp_put16(v + n, bgp_af_to_afi((enum bgp_af)af));
			v[n + 2] = BGP_SAFI_UNICAST;
			v[n + 3] = c->gr_af[af].forwarding_preserved ? GR_AF_FORWARDING : 0;
			n += 4;
		}
		o += put_cap(w + o, CAP_GR, v, (uint8_t)n);
	}
	if (c->as4) {
		bgp_put32(v, c->as4_asn);
		o += put_cap(w + o, CAP_AS4, v, 4);
	}
	n = 0;
	for (int af = 0; af < BGP_AF_COUNT; af++) {
		if (!c->addpath[af])
			continue;
		bgp_put16(v + n, bgp_af_to_afi((enum bgp_af)af));
		v[n + 2] = BGP_SAFI_UNICAST;
		v[n + 3] = c->addpath[af];
		n += 4;
	}
	if (n)
		o += put_cap(w + o, CAP_ADDPATH, v, (uint8_t)n);
	return o;
}

ssize_t bgp_open_encode(uint8_t *buf, size_t cap, const struct bgp_open *o)
{
	/* Every capability at most once: far below the 255-octet limit. */
	uint8_t params[128];
	const struct bgp_caps *c = &o->caps;
	uint16_t my_as = o->my_as;
	size_t plen, len;

	if (o->hold_time == 1 || o->hold_time == 2 || o->bgp_id == 0 || c->gr_time > GR_TIME_MASK)
		return -EINVAL;
	for (int af = 0; af < BGP_AF_COUNT; af++)
		if (c->addpath[af] > (BGP_ADDPATH_RECEIVE | BGP_ADDPATH_SEND))
			return -EINVAL;
	/* RFC 6793 section 4.2.1: AS_TRANS stands in for an AS that needs 4 octets. */
	if (c->as4)
		my_as = c->as4_asn > 0xffff ? BGP_AS_TRANS : (uint16_t)c->as4_asn;
	if (my_as == 0) /* RFC 7607 */
		return -EINVAL;
	plen = put_caps(params, c);
	len = BGP_HEADER_LEN + OPEN_FIXED_LEN + plen;
	if (cap < len)
		return -ENOBUFS;
	bgp_header_put(buf, (uint16_t)len, BGP_MSG_OPEN);
	buf[19] = BGP_VERSION;
	bgp_put16(buf + 20, my_as);
	bgp_put16(buf + 22, o->hold_time);
	bgp_put32(buf + 24, o->bgp_id);
	buf[28] = (uint8_t)plen;
	memcpy(buf + 29, params, plen);
	return (ssize_t)len;
}
