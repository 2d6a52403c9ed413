/*
 * UPDATE encoding for the routes berth originates: the path attributes
 * (RFC 4271 section 4.3/5, RFC 6793 section 4.2.2 towards 2-octet AS peers),
 * UPDATE messages with classic or multiprotocol NLRI (RFC 4760), and the
 * End-of-RIB marker (RFC 4724 section 2).
 */
#include <errno.h>
#include <string.h>

#include "bgp/wire.h"

/* Bounds-checked output cursor: writes stop at cap, overflow is remembered. */
struct wbuf {
	uint8_t *p;
	size_t cap;
	size_t off;
	bool overflow;
};

static uint8_t *wb_take(struct wbuf *w, size_t n)
{
	uint8_t *r;

	if (w->overflow || w->cap - w->off < n) {
		w->overflow = true;
		return NULL;
	}
	r = w->p + w->off;
	w->off += n;
	return r;
}

static void wb_u8(struct wbuf *w, uint8_t v)
{
	uint8_t *p = wb_take(w, 1);

	if (p)
		*p = v;
}

static void wb_u16(struct wbuf *w, uint16_t v)
{
	uint8_t *p = wb_take(w, 2);

	if (p)
		bgp_put16(p, v);
}

static void wb_u32(struct wbuf *w, uint32_t v)
{
	uint8_t *p = wb_take(w, 4);

	if (p)
		bgp_put32(p, v);
}

static void wb_mem(struct wbuf *w, const void *src, size_t n)
{
	uint8_t *p = wb_take(w, n);

	if (p && n)
		memcpy(p, src, n);
}

/* Attribute header; the 2-octet length form only when needed (RFC 4271 4.3). */
static void wb_attr_hdr(struct wbuf *w, uint8_t flags, uint8_t type, size_t len)
{
	if (len > 255) {
		wb_u8(w, flags | BGP_ATTR_FLAG_EXTLEN);
		wb_u8(w, type);
		wb_u16(w, (uint16_t)len);
	} else {
		wb_u8(w, flags);
		wb_u8(w, type);
		wb_u8(w, (uint8_t)len);
	}
}

static void wb_as_path(struct wbuf *w, uint8_t flags, uint8_t type, const uint32_t *asns, size_t n,
                       bool four)
{
	wb_attr_hdr(w, flags, type, n ? 2 + n * (four ? 4 : 2) : 0);
	if (!n)
		return;
	wb_u8(w, 2); /* AS_SEQUENCE */
	wb_u8(w, (uint8_t)n);
	for (size_t i = 0; i < n; i++) {
		if (four)
			wb_u32(w, asns[i]);
		else /* RFC 6793 section 4.2.2 */
			wb_u16(w, asns[i] > 0xffff ? BGP_AS_TRANS : (uint16_t)asns[i]);
	}
}

ssize_t bgp_attrs_encode(uint8_t *buf, size_t cap, const struct bgp_out_attrs *a, enum bgp_af af,
                         const struct bgp_session_params *sp)
{
	const uint8_t wk = BGP_ATTR_FLAG_TRANSITIVE;
	const uint8_t opt_trans = BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE;
	struct wbuf w = {.p = buf, .cap = cap};
	bool as4 = sp && sp->as4, need_as4_path = false;

	if (!a || (af != BGP_AF_IPV4 && af != BGP_AF_IPV6) || a->origin > BGP_ORIGIN_INCOMPLETE ||
	    a->as_path_len > sizeof(a->as_path) / sizeof(a->as_path[0]))
		return -EINVAL;
	if (af == BGP_AF_IPV4 && a->next_hop.family != AF_INET)
		return -EINVAL;
	if ((a->n_communities && !a->communities) ||
	    (a->n_large_communities && !a->large_communities) ||
	    (a->n_ext_communities && !a->ext_communities))
		return -EINVAL;
	/* Each must fit the 2-octet attribute length. */
	if (a->n_communities > 0xffff / 4 || a->n_large_communities > 0xffff / 12 ||
	    a->n_ext_communities > 0xffff / 8)
		return -EMSGSIZE;
	for (size_t i = 0; i < a->as_path_len; i++) {
		if (a->as_path[i] == 0) /* RFC 7607 section 2 */
			return -EINVAL;
		if (a->as_path[i] > 0xffff)
			need_as4_path = true;
	}

	/* Ascending type order, RFC 4271 section 5. */
	wb_attr_hdr(&w, wk, BGP_ATTR_ORIGIN, 1);
	wb_u8(&w, a->origin);
	wb_as_path(&w, wk, BGP_ATTR_AS_PATH, a->as_path, a->as_path_len, as4);
	if (af == BGP_AF_IPV4) {
		wb_attr_hdr(&w, wk, BGP_ATTR_NEXT_HOP, 4);
		wb_mem(&w, a->next_hop.bytes, 4);
	}
	if (a->has_med) {
		wb_attr_hdr(&w, BGP_ATTR_FLAG_OPTIONAL, BGP_ATTR_MED, 4);
		wb_u32(&w, a->med);
	}
	if (a->has_local_pref) {
		wb_attr_hdr(&w, wk, BGP_ATTR_LOCAL_PREF, 4);
		wb_u32(&w, a->local_pref);
	}
	if (a->n_communities) {
		wb_attr_hdr(&w, opt_trans, BGP_ATTR_COMMUNITIES, a->n_communities * 4);
		for (size_t i = 0; i < a->n_communities; i++)
			wb_u32(&w, a->communities[i]);
	}
	if (a->n_ext_communities) {
		wb_attr_hdr(&w, opt_trans, BGP_ATTR_EXT_COMMUNITIES, a->n_ext_communities * 8);
		for (size_t i = 0; i < a->n_ext_communities; i++) {
			wb_u32(&w, (uint32_t)(a->ext_communities[i] >> 32));
			wb_u32(&w, (uint32_t)a->ext_communities[i]);
		}
	}
	/* Only needed when some AS does not fit 2 octets (RFC 6793 4.2.2). */
	if (!as4 && need_as4_path)
		wb_as_path(&w, opt_trans, BGP_ATTR_AS4_PATH, a->as_path, a->as_path_len, true);
	if (a->n_large_communities) {
		wb_attr_hdr(&w, opt_trans, BGP_ATTR_LARGE_COMMUNITIES, a->n_large_communities * 12);
		for (size_t i = 0; i < a->n_large_communities * 3; i++)
			wb_u32(&w, a->large_communities[i]);
	}
	if (w.overflow)
		return -ENOBUFS;
	return (ssize_t)w.off;
}

/* Next hop length in MP_REACH_NLRI for IPv6: global, plus link-local if set. */
static size_t nh6_len(const struct bgp_out_attrs *out)
{
	return out && out->next_hop6_ll.family == AF_INET6 ? 32 : 16;
}

/* Multiprotocol attributes always use the 2-octet length (flags 0x90), as
 * several speakers do: the overhead then does not depend on the prefix count. */
#define MP_ATTR_HDR 4

static void wb_mp_hdr(struct wbuf *w, uint8_t type, size_t len)
{
	wb_u8(w, BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_EXTLEN);
	wb_u8(w, type);
	wb_u16(w, (uint16_t)len);
}
#define MP_REACH_FIXED(nhlen) (MP_ATTR_HDR + 2 + 1 + 1 + (nhlen) + 1)
#define MP_UNREACH_FIXED      (MP_ATTR_HDR + 2 + 1)
#define UPDATE_FIXED          (BGP_HEADER_LEN + 2 + 2)

size_t bgp_update_overhead(enum bgp_af af, const struct bgp_out_attrs *out, bool announce,
                           bool withdraw)
{
	size_t n = UPDATE_FIXED;

	if (af != BGP_AF_IPV6)
		return n;
	if (announce)
		n += MP_REACH_FIXED(nh6_len(out));
	if (withdraw)
		n += MP_UNREACH_FIXED;
	return n;
}

static int prefixes_len(const struct bgp_prefix *p, size_t n, uint8_t family, bool addpath,
                        size_t *len)
{
	size_t sum = 0;

	if (n && !p)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (p[i].family != family || p[i].len > core_af_bits(family))
			return -EINVAL;
		sum += bgp_prefix_wire_len(&p[i], addpath);
	}
	*len = sum;
	return 0;
}

static void wb_prefixes(struct wbuf *w, const struct bgp_prefix *p, size_t n, bool addpath)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t *d = wb_take(w, bgp_prefix_wire_len(&p[i], addpath));

		if (d)
			bgp_prefix_put(d, &p[i], addpath);
	}
}

ssize_t bgp_update_encode(uint8_t *buf, size_t cap, const struct bgp_update_parts *u,
                          const struct bgp_session_params *sp)
{
	static const struct bgp_session_params none;
	struct wbuf w = {.p = buf, .cap = cap};
	size_t wlen, alen, total, attrs_len, reach_len = 0, unreach_len = 0, nhlen = 0;
	size_t max;
	bool v6, ap_tx;
	uint8_t family;

	if (!sp)
		sp = &none;
	if (!u || (u->af != BGP_AF_IPV4 && u->af != BGP_AF_IPV6))
		return -EINVAL;
	/* Nothing to say would be an End-of-RIB: that has its own encoder. */
	if (!u->n_announce && !u->n_withdraw)
		return -EINVAL;
	if (u->n_announce && (!u->attrs || !u->attrs_len))
		return -EINVAL;
	v6 = u->af == BGP_AF_IPV6;
	family = v6 ? AF_INET6 : AF_INET;
	ap_tx = sp->addpath_tx[u->af];
	if (prefixes_len(u->withdraw, u->n_withdraw, family, ap_tx, &wlen) < 0 ||
	    prefixes_len(u->announce, u->n_announce, family, ap_tx, &alen) < 0)
		return -EINVAL;
	attrs_len = u->n_announce ? u->attrs_len : 0;
	if (v6 && u->n_announce) {
		if (!u->out || u->out->next_hop6.family != AF_INET6 ||
		    (u->out->next_hop6_ll.family && u->out->next_hop6_ll.family != AF_INET6))
			return -EINVAL;
		nhlen = nh6_len(u->out);
		reach_len = 2 + 1 + 1 + nhlen + 1 + alen;
	}
	if (v6 && u->n_withdraw)
		unreach_len = 3 + wlen;
	total = bgp_update_overhead(u->af, u->out, u->n_announce > 0, u->n_withdraw > 0) +
	        attrs_len + wlen + alen;
	max = sp->ext_msg ? BGP_MAX_EXT_MSG_LEN : BGP_MAX_MSG_LEN;
	if (total > max)
		return -EMSGSIZE;
	if (total > cap)
		return -ENOBUFS;

	bgp_header_put(buf, (uint16_t)total, BGP_MSG_UPDATE);
	w.off = BGP_HEADER_LEN;
	if (!v6) {
		wb_u16(&w, (uint16_t)wlen);
		wb_prefixes(&w, u->withdraw, u->n_withdraw, ap_tx);
		wb_u16(&w, (uint16_t)attrs_len);
		wb_mem(&w, u->attrs, attrs_len);
		wb_prefixes(&w, u->announce, u->n_announce, ap_tx);
		return w.overflow ? -ENOBUFS : (ssize_t)w.off;
	}
	wb_u16(&w, 0);
	wb_u16(&w, (uint16_t)(total - UPDATE_FIXED));
	/* RFC 7606 section 5.1: the multiprotocol attributes come first. */
	if (u->n_announce) {
		wb_mp_hdr(&w, BGP_ATTR_MP_REACH_NLRI, reach_len);
		wb_u16(&w, BGP_AFI_IPV6);
		wb_u8(&w, BGP_SAFI_UNICAST);
		wb_u8(&w, (uint8_t)nhlen);
		wb_mem(&w, u->out->next_hop6.bytes, 16);
		if (nhlen == 32)
			wb_mem(&w, u->out->next_hop6_ll.bytes, 16);
		wb_u8(&w, 0); /* reserved */
		wb_prefixes(&w, u->announce, u->n_announce, ap_tx);
	}
	if (u->n_withdraw) {
		wb_mp_hdr(&w, BGP_ATTR_MP_UNREACH_NLRI, unreach_len);
		wb_u16(&w, BGP_AFI_IPV6);
		wb_u8(&w, BGP_SAFI_UNICAST);
		wb_prefixes(&w, u->withdraw, u->n_withdraw, ap_tx);
	}
	wb_mem(&w, u->attrs, attrs_len);
	return w.overflow ? -ENOBUFS : (ssize_t)w.off;
}

ssize_t bgp_eor_encode(uint8_t *buf, size_t cap, enum bgp_af af)
{
	/* IPv6: one empty MP_UNREACH_NLRI, flags optional, 1-octet length. */
	static const uint8_t v6_attr[] = {BGP_ATTR_FLAG_OPTIONAL, BGP_ATTR_MP_UNREACH_NLRI, 3, 0,
	                                  BGP_AFI_IPV6,           BGP_SAFI_UNICAST};
	size_t len = UPDATE_FIXED + (af == BGP_AF_IPV6 ? sizeof(v6_attr) : 0);

	if (af != BGP_AF_IPV4 && af != BGP_AF_IPV6)
		return -EINVAL;
	if (cap < len)
		return -ENOBUFS;
	bgp_header_put(buf, (uint16_t)len, BGP_MSG_UPDATE);
	bgp_put16(buf + BGP_HEADER_LEN, 0);
	bgp_put16(buf + BGP_HEADER_LEN + 2, (uint16_t)(len - UPDATE_FIXED));
	if (af == BGP_AF_IPV6)
		memcpy(buf + UPDATE_FIXED, v6_attr, sizeof(v6_attr));
	return (ssize_t)len;
}
