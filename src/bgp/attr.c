/*
 * Path attribute validation of a received UPDATE, following the revised
 * error handling of RFC 7606: each finding is classified as attribute
 * discard, treat-as-withdraw or session reset, and the most severe one is
 * kept in struct bgp_error. berth stores nothing it receives, so decoding
 * stops at what is needed to validate and count.
 */
#include <errno.h>
#include <string.h>

#include "bgp/wire.h"

#define F_OPT   BGP_ATTR_FLAG_OPTIONAL
#define F_TRANS BGP_ATTR_FLAG_TRANSITIVE

/* AS_PATH segment types, RFC 4271 section 4.3 and RFC 5065 section 3 */
enum { SEG_SET = 1, SEG_SEQUENCE = 2, SEG_CONFED_SEQUENCE = 3, SEG_CONFED_SET = 4 };

/* One attribute as found on the wire. */
struct raw_attr {
	uint8_t flags;
	uint8_t type;
	const uint8_t *val;
	size_t len;
	const uint8_t *raw; /* flags..end of value, for NOTIFICATION data */
	size_t raw_len;
};

/* Expected Optional/Transitive bits of the attributes we recognize; -1 otherwise. */
static int expected_flags(uint8_t type)
{
	switch (type) {
	case BGP_ATTR_ORIGIN:
	case BGP_ATTR_AS_PATH:
	case BGP_ATTR_NEXT_HOP:
	case BGP_ATTR_LOCAL_PREF:
	case BGP_ATTR_ATOMIC_AGGREGATE:
		return F_TRANS; /* well-known */
	case BGP_ATTR_MED:
	case BGP_ATTR_ORIGINATOR_ID:
	case BGP_ATTR_CLUSTER_LIST:
	case BGP_ATTR_MP_REACH_NLRI:
	case BGP_ATTR_MP_UNREACH_NLRI:
		return F_OPT; /* optional non-transitive */
	case BGP_ATTR_AGGREGATOR:
	case BGP_ATTR_COMMUNITIES:
	case BGP_ATTR_EXT_COMMUNITIES:
	case BGP_ATTR_AS4_PATH:
	case BGP_ATTR_AS4_AGGREGATOR:
	case BGP_ATTR_LARGE_COMMUNITIES:
		return F_OPT | F_TRANS;
	default:
		return -1;
	}
}

static void raise_attr(struct bgp_error *err, enum bgp_upd_action action, uint8_t subcode,
                       const struct raw_attr *a, const char *reason)
{
	bgp_err_raise(err, action, BGP_ERR_UPDATE, subcode, a->type, a->raw, a->raw_len, reason);
}

static int reset_attr(struct bgp_error *err, uint8_t subcode, const struct raw_attr *a,
                      const char *reason)
{
	raise_attr(err, BGP_UPD_SESSION_RESET, subcode, a, reason);
	return -EBADMSG;
}

/*
 * RFC 7606 section 7.2 (and RFC 6793 section 6 for AS4_PATH): unknown
 * segment type, zero segment length, a segment overrunning the attribute or
 * a lone trailing octet make the path malformed. *count is the path length
 * as RFC 4271 9.1.2.2 counts it (a set counts one, confederation segments
 * nothing), which RFC 6793 section 4.2.3 compares.
 */
static int as_path_check(const uint8_t *v, size_t len, size_t asn_size, bool confed_ok,
                         uint32_t *count)
{
	size_t off = 0;
	uint32_t n = 0;

	while (off < len) {
		uint8_t type, segn;

		if (len - off < 2)
			return -EBADMSG;
		type = v[off];
		segn = v[off + 1];
		if (type < SEG_SET || type > SEG_CONFED_SET || segn == 0)
			return -EBADMSG;
		if (!confed_ok && (type == SEG_CONFED_SEQUENCE || type == SEG_CONFED_SET))
			return -EBADMSG;
		if ((size_t)segn * asn_size > len - off - 2)
			return -EBADMSG;
		if (type == SEG_SEQUENCE)
			n += segn;
		else if (type == SEG_SET)
			n += 1;
		off += 2 + (size_t)segn * asn_size;
	}
	*count = n;
	return 0;
}

/* RFC 4271 section 6.3: a NEXT_HOP that cannot be a neighbour's address. */
static bool ipv4_martian(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

static bool ipv6_martian(const uint8_t *a)
{
	static const uint8_t zero[16];

	return a[0] == 0xff || memcmp(a, zero, 16) == 0;
}

/*
 * MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 sections 3, 4). A length error
 * here leaves the NLRI impossible to locate, so RFC 7606 section 7.11 asks
 * for a session reset; RFC 4760 section 7 names the subcode.
 */
static int mp_decode(const struct raw_attr *a, bool reach, const struct bgp_session_params *sp,
                     struct bgp_mp_nlri *mp, int *af_out, uint32_t *count, struct bgp_error *err)
{
	const uint8_t *v = a->val;
	size_t off, nhlen = 0;
	enum bgp_af af;
	uint8_t family;

	*af_out = -1;
	*count = 0;
	if (a->len < (reach ? 5u : 3u))
		return reset_attr(err, BGP_ERR_UPD_OPT_ATTR, a,
		                  reach ? "MP_REACH_NLRI shorter than 5"
		                        : "MP_UNREACH_NLRI shorter than 3");
	mp->afi = bgp_get16(v);
	mp->safi = v[2];
	off = 3;
	if (reach) {
		nhlen = v[3];
		if (nhlen + 5 > a->len)
			return reset_attr(err, BGP_ERR_UPD_OPT_ATTR, a,
			                  "MP_REACH_NLRI next hop overruns the attribute");
		off = 4;
	}
	if (bgp_af_from_afi(mp->afi, mp->safi, &af) < 0) {
		/* Never negotiated, so not ours to count; skipping it is safe
		 * because its length is known. */
		raise_attr(err, BGP_UPD_ATTR_DISCARD, BGP_ERR_UPD_OPT_ATTR, a,
		           "multiprotocol attribute for an unsupported AFI/SAFI");
		return 0;
	}
	family = af == BGP_AF_IPV4 ? AF_INET : AF_INET6;
	if (reach) {
		const uint8_t *nh = v + off;

		/* IPv4 NLRI may carry an IPv6 next hop (RFC 8950 section 3:
		 * length 16 or 32). Peers send it even where the Extended Next
		 * Hop capability was not negotiated (GoBGP over IPv6 sessions);
		 * the length is self-describing, the NLRI can be located, and
		 * berth installs nothing, so it is accepted rather than reset. */
		bool v6nh = nhlen == 16 || nhlen == 32;

		if (af == BGP_AF_IPV4 ? nhlen != 4 && !v6nh : !v6nh)
			return reset_attr(
			    err, BGP_ERR_UPD_OPT_ATTR, a,
			    af == BGP_AF_IPV4
			        ? "MP_REACH_NLRI IPv4 next hop length is not 4, 16 or 32"
			        : "MP_REACH_NLRI IPv6 next hop length is not 16 or 32");
		mp->nexthop.family = v6nh ? AF_INET6 : AF_INET;
		memcpy(mp->nexthop.bytes, nh, core_af_len(mp->nexthop.family));
		if (nhlen == 32) { /* RFC 2545 section 3: global then link-local */
			mp->nexthop_ll.family = AF_INET6;
			memcpy(mp->nexthop_ll.bytes, nh + 16, 16);
		}
		off += nhlen + 1; /* next hop, then the reserved octet (ignored) */
	}
	mp->nlri = v + off;
	mp->nlri_len = a->len - off;
	if (bgp_nlri_count(mp->nlri, mp->nlri_len, family, sp->addpath_rx[af], count) < 0)
		return reset_attr(err, BGP_ERR_UPD_OPT_ATTR, a,
		                  reach ? "MP_REACH_NLRI prefixes malformed"
		                        : "MP_UNREACH_NLRI prefixes malformed");
	if (reach && (mp->nexthop.family == AF_INET ? ipv4_martian(mp->nexthop.bytes)
	                                            : ipv6_martian(mp->nexthop.bytes)))
		raise_attr(err, BGP_UPD_TREAT_AS_WITHDRAW, BGP_ERR_UPD_NEXT_HOP, a,
		           "MP_REACH_NLRI next hop is not a unicast address");
	*af_out = (int)af;
	return 0;
}

/* Checks one recognized, non-duplicate attribute whose flags are right. */
static int attr_one(const struct raw_attr *a, const struct bgp_session_params *sp,
                    struct bgp_attrs *out, struct bgp_attr_walk *w, uint32_t *as_cnt,
                    uint32_t *as4_cnt, struct bgp_error *err)
{
	enum bgp_upd_action taw = BGP_UPD_TREAT_AS_WITHDRAW, discard = BGP_UPD_ATTR_DISCARD;
	const uint8_t *v = a->val;
	size_t len = a->len;

	switch (a->type) {
	case BGP_ATTR_ORIGIN: /* RFC 7606 section 7.1 */
		if (len != 1)
			raise_attr(err, taw, BGP_ERR_UPD_ATTR_LEN, a, "ORIGIN length is not 1");
		else if (v[0] > BGP_ORIGIN_INCOMPLETE)
			raise_attr(err, taw, BGP_ERR_UPD_ORIGIN, a, "ORIGIN value undefined");
		else {
			out->origin = v[0];
			out->present |= BGP_PA_ORIGIN;
		}
		break;
	case BGP_ATTR_AS_PATH: /* RFC 7606 section 7.2 */
		if (as_path_check(v, len, sp->as4 ? 4 : 2, true, as_cnt) < 0) {
			raise_attr(err, taw, BGP_ERR_UPD_AS_PATH, a, "AS_PATH malformed");
		} else {
			out->as_path = v;
			out->as_path_len = len;
			out->present |= BGP_PA_AS_PATH;
		}
		break;
	case BGP_ATTR_NEXT_HOP: /* RFC 7606 section 7.3 */
		if (len != 4) {
			raise_attr(err, taw, BGP_ERR_UPD_ATTR_LEN, a, "NEXT_HOP length is not 4");
			break;
		}
		if (ipv4_martian(v))
			raise_attr(err, taw, BGP_ERR_UPD_NEXT_HOP, a,
			           "NEXT_HOP is not a unicast address");
		out->next_hop.family = AF_INET;
		memcpy(out->next_hop.bytes, v, 4);
		out->present |= BGP_PA_NEXT_HOP;
		break;
	case BGP_ATTR_MED:        /* RFC 7606 section 7.4 */
	case BGP_ATTR_LOCAL_PREF: /* RFC 7606 section 7.5 */
		if (len != 4) {
			raise_attr(err, taw, BGP_ERR_UPD_ATTR_LEN, a,
			           a->type == BGP_ATTR_MED ? "MULTI_EXIT_DISC length is not 4"
			                                   : "LOCAL_PREF length is not 4");
		} else if (a->type == BGP_ATTR_MED) {
			out->med = bgp_get32(v);
			out->present |= BGP_PA_MED;
		} else {
			out->local_pref = bgp_get32(v);
			out->present |= BGP_PA_LOCAL_PREF;
		}
		break;
	case BGP_ATTR_ATOMIC_AGGREGATE: /* RFC 7606 section 7.6 */
		if (len != 0)
			raise_attr(err, discard, BGP_ERR_UPD_ATTR_LEN, a,
			           "ATOMIC_AGGREGATE length is not 0");
		else
			out->present |= BGP_PA_ATOMIC_AGGREGATE;
		break;
	case BGP_ATTR_AGGREGATOR: /* RFC 7606 section 7.7, RFC 6793 section 6 */
		if (len != (sp->as4 ? 8u : 6u))
			raise_attr(err, discard, BGP_ERR_UPD_ATTR_LEN, a,
			           "AGGREGATOR length does not match the AS size");
		else
			out->present |= BGP_PA_AGGREGATOR;
		break;
	case BGP_ATTR_COMMUNITIES: /* RFC 7606 section 7.8 */
		if (len == 0 || len % 4) {
			raise_attr(err, taw, BGP_ERR_UPD_ATTR_LEN, a,
			           "COMMUNITIES length is not a non-zero multiple of 4");
		} else {
			out->communities = v;
			out->communities_len = len;
			out->present |= BGP_PA_COMMUNITIES;
		}
		break;
	case BGP_ATTR_ORIGINATOR_ID: /* RFC 7606 section 7.9 */
		if (len != 4)
			raise_attr(err, taw, BGP_ERR_UPD_ATTR_LEN, a,
			           "ORIGINATOR_ID length is not 4");
		break;
	case BGP_ATTR_CLUSTER_LIST: /* RFC 7606 section 7.10 */
		if (len == 0 || len % 4)
			raise_attr(err, taw, BGP_ERR_UPD_ATTR_LEN, a,
			           "CLUSTER_LIST length is not a non-zero multiple of 4");
		break;
	case BGP_ATTR_MP_REACH_NLRI:
		if (mp_decode(a, true, sp, &out->mp_reach, &w->mp_reach_af, &w->mp_announce, err) <
		    0)
			return -EBADMSG;
		if (w->mp_reach_af >= 0)
			out->present |= BGP_PA_MP_REACH;
		break;
	case BGP_ATTR_MP_UNREACH_NLRI:
		if (mp_decode(a, false, sp, &out->mp_unreach, &w->mp_unreach_af, &w->mp_withdraw,
		              err) < 0)
			return -EBADMSG;
		if (w->mp_unreach_af >= 0)
			out->present |= BGP_PA_MP_UNREACH;
		break;
	case BGP_ATTR_EXT_COMMUNITIES: /* RFC 7606 section 7.14 */
		if (len == 0 || len % 8) {
			raise_attr(err, taw, BGP_ERR_UPD_ATTR_LEN, a,
			           "EXTENDED_COMMUNITIES length is not a non-zero multiple of 8");
		} else {
			out->ext_communities = v;
			out->ext_communities_len = len;
			out->present |= BGP_PA_EXT_COMMUNITIES;
		}
		break;
	case BGP_ATTR_AS4_PATH: /* RFC 6793 sections 4.1 and 6 */
		if (sp->as4)
			raise_attr(err, discard, BGP_ERR_UPD_OPT_ATTR, a,
			           "AS4_PATH from a 4-octet AS speaker");
		else if (as_path_check(v, len, 4, false, as4_cnt) < 0)
			raise_attr(err, discard, BGP_ERR_UPD_OPT_ATTR, a, "AS4_PATH malformed");
		else {
			out->as4_path = v;
			out->as4_path_len = len;
			out->present |= BGP_PA_AS4_PATH;
		}
		break;
	case BGP_ATTR_AS4_AGGREGATOR: /* RFC 6793 sections 4.1 and 6 */
		if (sp->as4)
			raise_attr(err, discard, BGP_ERR_UPD_OPT_ATTR, a,
			           "AS4_AGGREGATOR from a 4-octet AS speaker");
		else if (len != 8)
			raise_attr(err, discard, BGP_ERR_UPD_ATTR_LEN, a,
			           "AS4_AGGREGATOR length is not 8");
		break;
	case BGP_ATTR_LARGE_COMMUNITIES: /* RFC 8092 section 6 */
		if (len == 0 || len % 12) {
			raise_attr(err, taw, BGP_ERR_UPD_ATTR_LEN, a,
			           "LARGE_COMMUNITY length is not a non-zero multiple of 12");
		} else {
			out->large_communities = v;
			out->large_communities_len = len;
			out->present |= BGP_PA_LARGE_COMMUNITIES;
		}
		break;
	}
	return 0;
}

/*
 * RFC 7606 section 4: the attribute list ends inside an attribute header or
 * an attribute's length overruns it. The Total Attribute Length still
 * locates the NLRI, so treat-as-withdraw, unless the broken attribute is
 * itself MP_REACH/MP_UNREACH: then NLRI would be lost and only a reset is safe.
 */
static int overrun(const uint8_t *a, size_t rem, struct bgp_error *err, const char *reason)
{
	uint8_t type = rem >= 2 ? a[1] : 0;

	if (type == BGP_ATTR_MP_REACH_NLRI || type == BGP_ATTR_MP_UNREACH_NLRI) {
		bgp_err_raise(err, BGP_UPD_SESSION_RESET, BGP_ERR_UPDATE, BGP_ERR_UPD_ATTR_LEN,
		              type, a, rem, "multiprotocol attribute overruns the attributes");
		return -EBADMSG;
	}
	bgp_err_raise(err, BGP_UPD_TREAT_AS_WITHDRAW, BGP_ERR_UPDATE, BGP_ERR_UPD_ATTR_LEN, type, a,
	              rem, reason);
	return 0;
}

int bgp_attrs_decode(const uint8_t *a, size_t len, const struct bgp_session_params *sp,
                     struct bgp_attrs *out, struct bgp_attr_walk *w, struct bgp_error *err)
{
	uint8_t seen[256 / 8] = {0};
	uint32_t as_cnt = 0, as4_cnt = 0;
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	memset(w, 0, sizeof(*w));
	w->mp_reach_af = w->mp_unreach_af = -1;
	while (off < len) {
		size_t rem = len - off, hl;
		struct raw_attr at;
		int want;

		if (rem < 3 || ((a[off] & BGP_ATTR_FLAG_EXTLEN) && rem < 4))
			return overrun(a + off, rem, err, "attribute header truncated");
		at.flags = a[off];
		at.type = a[off + 1];
		hl = (at.flags & BGP_ATTR_FLAG_EXTLEN) ? 4 : 3;
		at.len = hl == 4 ? bgp_get16(a + off + 2) : a[off + 2];
		if (at.len > rem - hl)
			return overrun(a + off, rem, err,
			               "attribute length overruns the attributes");
		at.val = a + off + hl;
		at.raw = a + off;
		at.raw_len = hl + at.len;
		off += hl + at.len;
		w->n_attrs++;

		/* RFC 7606 section 3(g) */
		if (seen[at.type / 8] & (1u << (at.type % 8))) {
			if (at.type == BGP_ATTR_MP_REACH_NLRI ||
			    at.type == BGP_ATTR_MP_UNREACH_NLRI) {
				bgp_err_raise(err, BGP_UPD_SESSION_RESET, BGP_ERR_UPDATE,
				              BGP_ERR_UPD_ATTR_LIST, at.type, NULL, 0,
				              "multiprotocol attribute repeated");
				return -EBADMSG;
			}
			raise_attr(err, BGP_UPD_ATTR_DISCARD, BGP_ERR_UPD_ATTR_LIST, &at,
			           "repeated attribute discarded");
			continue;
		}
		seen[at.type / 8] |= (uint8_t)(1u << (at.type % 8));
		if (at.type == BGP_ATTR_MP_REACH_NLRI)
			w->mp_reach_seen = true;

		want = expected_flags(at.type);
		if (want < 0) {
			/* RFC 4271 section 6.3; optional ones we do not know are fine. */
			if (!(at.flags & F_OPT))
				return reset_attr(err, BGP_ERR_UPD_UNRECOGNIZED_WK, &at,
				                  "unrecognized well-known attribute");
			continue;
		}
		if ((at.flags & (F_OPT | F_TRANS)) != want) {
			/* RFC 6793 section 6 mandates discard for the AS4 attributes;
			 * RFC 7606 section 3(c) treat-as-withdraw for the others. */
			if (at.type == BGP_ATTR_AS4_PATH || at.type == BGP_ATTR_AS4_AGGREGATOR) {
				raise_attr(err, BGP_UPD_ATTR_DISCARD, BGP_ERR_UPD_ATTR_FLAGS, &at,
				           "AS4 attribute flags wrong");
				continue;
			}
			raise_attr(err, BGP_UPD_TREAT_AS_WITHDRAW, BGP_ERR_UPD_ATTR_FLAGS, &at,
			           "attribute flags conflict with the type");
			/* The multiprotocol NLRI must still be located and checked. */
			if (at.type != BGP_ATTR_MP_REACH_NLRI &&
			    at.type != BGP_ATTR_MP_UNREACH_NLRI)
				continue;
		}
		if (attr_one(&at, sp, out, w, &as_cnt, &as4_cnt, err) < 0)
			return -EBADMSG;
	}
	/*
	 * RFC 6793 section 4.2.3: an AS4_PATH longer than AS_PATH is ignored.
	 * Checked after the walk, so the order the two arrived in is irrelevant.
	 */
	if ((out->present & BGP_PA_AS4_PATH) && (out->present & BGP_PA_AS_PATH) &&
	    as4_cnt > as_cnt) {
		bgp_err_raise(err, BGP_UPD_ATTR_DISCARD, BGP_ERR_UPDATE, BGP_ERR_UPD_OPT_ATTR,
		              BGP_ATTR_AS4_PATH, NULL, 0, "AS4_PATH longer than AS_PATH");
		out->present &= ~BGP_PA_AS4_PATH;
		out->as4_path = NULL;
		out->as4_path_len = 0;
	}
	return 0;
}
