/*
 * Helpers for the Adj-RIB-Out tests: prefixes by number, standard
 * attribute sets, and a simulated peer that decodes every UPDATE with the
 * real codec and keeps its Adj-RIB-In as prefix -> next hop tag.
 *
 * Prefix numbering: IPv4 n -> 10.(n>>16).(n>>8).n/32, IPv6 n ->
 * 2001:db8::n/128 (n < 2^17), path id as given.
 */
#ifndef BERTH_TEST_BGP_RIB_UTIL_H
#define BERTH_TEST_BGP_RIB_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "bgp/rib_out.h"

#define NPFX    (1u << 17)
#define NPATHID 4

static inline struct bgp_prefix pfx(enum bgp_af af, uint32_t n, uint32_t path_id)
{
	struct bgp_prefix p;

	memset(&p, 0, sizeof(p));
	p.path_id = path_id;
	if (af == BGP_AF_IPV4) {
		p.family = AF_INET;
		p.len = 32;
		p.addr[0] = 10;
		p.addr[1] = (uint8_t)(n >> 16);
		p.addr[2] = (uint8_t)(n >> 8);
		p.addr[3] = (uint8_t)n;
	} else {
		static const uint8_t base[4] = {0x20, 0x01, 0x0d, 0xb8};

		p.family = AF_INET6;
		p.len = 128;
		memcpy(p.addr, base, 4);
		p.addr[13] = (uint8_t)(n >> 16);
		p.addr[14] = (uint8_t)(n >> 8);
		p.addr[15] = (uint8_t)n;
	}
	return p;
}

/* Number of a prefix made by pfx(). */
static inline uint32_t pfx_num(const struct bgp_prefix *p)
{
	if (p->family == AF_INET)
		return (uint32_t)p->addr[1] << 16 | (uint32_t)p->addr[2] << 8 | p->addr[3];
	return (uint32_t)p->addr[13] << 16 | (uint32_t)p->addr[14] << 8 | p->addr[15];
}

/* An attribute set whose next hops end in tag: 192.0.2.<tag>, 2001:db8:ffff::<tag>. */
static inline struct bgp_out_attrs attrs_tag(uint8_t tag)
{
	struct bgp_out_attrs a;

	memset(&a, 0, sizeof(a));
	a.origin = BGP_ORIGIN_IGP;
	a.as_path[0] = 65001;
	a.as_path_len = 1;
	a.next_hop.family = AF_INET;
	a.next_hop.bytes[0] = 192;
	a.next_hop.bytes[2] = 2;
	a.next_hop.bytes[3] = tag;
	a.next_hop6.family = AF_INET6;
	a.next_hop6.bytes[0] = 0x20;
	a.next_hop6.bytes[1] = 0x01;
	a.next_hop6.bytes[2] = 0x0d;
	a.next_hop6.bytes[3] = 0xb8;
	a.next_hop6.bytes[4] = 0xff;
	a.next_hop6.bytes[5] = 0xff;
	a.next_hop6.bytes[15] = tag;
	return a;
}

static inline uint32_t add_attrs(struct rib_out *r, uint8_t tag)
{
	struct bgp_out_attrs a = attrs_tag(tag);
	uint32_t id = 0;

	assert_int_equal(rib_out_attrs_add(r, &a, &id), 0);
	assert_true(id != 0);
	return id;
}

/* What one UPDATE carried. */
struct msg_info {
	size_t len;
	int af; /* family of its prefixes, -1 for none */
	uint32_t n_ann, n_wd;
	uint8_t tag; /* next hop tag of the announcements */
	bool eor;
	size_t attr_len; /* total path attribute length field */
	size_t as_path_len;
};

/* The peer's Adj-RIB-In: tag per prefix (0 = absent) and counters. */
struct peer {
	uint8_t rib[BGP_AF_COUNT][NPATHID][NPFX];
	uint64_t n_routes[BGP_AF_COUNT];
	uint32_t eor[BGP_AF_COUNT];
	uint32_t msgs;
	uint64_t ann, wd;             /* prefixes announced / withdrawn, in total */
	uint64_t ann_noop, wd_noop;   /* announced as it was / withdrawn absent */
	struct bgp_session_params rx; /* the peer's view of the session */
};

static inline struct peer *peer_new(const struct bgp_session_params *sp)
{
	struct peer *pe = calloc(1, sizeof(*pe));

	assert_non_null(pe);
	/* What we send with path ids, the peer receives with them. */
	pe->rx.as4 = sp->as4;
	pe->rx.ext_msg = sp->ext_msg;
	for (int af = 0; af < BGP_AF_COUNT; af++)
		pe->rx.addpath_rx[af] = sp->addpath_tx[af];
	return pe;
}

static inline void peer_apply(struct peer *pe, int af, const uint8_t *nlri, size_t len, uint8_t tag,
                              struct msg_info *mi)
{
	size_t off = 0;
	struct bgp_prefix p;
	int rc;

	while ((rc = bgp_nlri_next(nlri, len, &off, af == BGP_AF_IPV4 ? AF_INET : AF_INET6,
	                           pe->rx.addpath_rx[af], &p)) == 1) {
		uint32_t n = pfx_num(&p);
		uint8_t *slot;

		assert_true(p.len == (af == BGP_AF_IPV4 ? 32 : 128));
		assert_true(n < NPFX && p.path_id < NPATHID);
		slot = &pe->rib[af][p.path_id][n];
		if (tag) {
			mi->n_ann++;
			pe->ann++;
			pe->ann_noop += *slot == tag;
			pe->n_routes[af] += *slot == 0;
		} else {
			mi->n_wd++;
			pe->wd++;
			pe->wd_noop += *slot == 0;
			pe->n_routes[af] -= *slot != 0;
		}
		*slot = tag;
	}
	assert_int_equal(rc, 0);
}

/* Decodes one UPDATE as the peer and applies it. */
static inline struct msg_info peer_recv(struct peer *pe, const uint8_t *buf, size_t len)
{
	struct msg_info mi;
	struct bgp_msg m;
	struct bgp_error e;
	const struct bgp_update *u = &m.u.update;

	memset(&mi, 0, sizeof(mi));
	mi.len = len;
	mi.af = -1;
	assert_int_equal(bgp_msg_decode(buf, len, &pe->rx, &m, &e), 0);
	assert_int_equal(m.type, BGP_MSG_UPDATE);
	assert_int_equal(e.action, BGP_UPD_OK);
	mi.attr_len = (size_t)buf[BGP_HEADER_LEN + 2 + u->withdrawn_len] << 8 |
	              buf[BGP_HEADER_LEN + 3 + u->withdrawn_len];
	mi.as_path_len = u->attrs.as_path_len;
	pe->msgs++;
	if (u->end_of_rib) {
		mi.eor = true;
		pe->eor[u->end_of_rib_af]++;
		return mi;
	}
	if (u->withdrawn_len) {
		mi.af = BGP_AF_IPV4;
		peer_apply(pe, BGP_AF_IPV4, u->withdrawn, u->withdrawn_len, 0, &mi);
	}
	if (u->nlri_len) {
		assert_true(u->attrs.present & BGP_PA_NEXT_HOP);
		mi.af = BGP_AF_IPV4;
		mi.tag = u->attrs.next_hop.bytes[3];
		peer_apply(pe, BGP_AF_IPV4, u->nlri, u->nlri_len, mi.tag, &mi);
	}
	if (u->attrs.present & BGP_PA_MP_UNREACH) {
		mi.af = BGP_AF_IPV6;
		peer_apply(pe, BGP_AF_IPV6, u->attrs.mp_unreach.nlri, u->attrs.mp_unreach.nlri_len,
		           0, &mi);
	}
	if (u->attrs.present & BGP_PA_MP_REACH) {
		mi.af = BGP_AF_IPV6;
		mi.tag = u->attrs.mp_reach.nexthop.bytes[15];
		peer_apply(pe, BGP_AF_IPV6, u->attrs.mp_reach.nlri, u->attrs.mp_reach.nlri_len,
		           mi.tag, &mi);
	}
	/* Every UPDATE we build carries something. */
	assert_true(mi.n_ann + mi.n_wd > 0);
	return mi;
}

/* Drains r into the peer; returns the number of messages. */
static inline uint32_t drain(struct rib_out *r, struct peer *pe,
                             const struct bgp_session_params *sp, const bool af[BGP_AF_COUNT],
                             size_t cap)
{
	static uint8_t buf[BGP_MAX_EXT_MSG_LEN];
	uint32_t n = 0;
	ssize_t len;

	assert_true(cap <= sizeof(buf));
	while ((len = rib_out_next_update(r, buf, cap, sp, af)) > 0) {
		assert_true((size_t)len <= cap);
		assert_true((size_t)len <= (sp->ext_msg ? BGP_MAX_EXT_MSG_LEN : BGP_MAX_MSG_LEN));
		peer_recv(pe, buf, (size_t)len);
		n++;
	}
	assert_int_equal(len, 0);
	assert_false(rib_out_has_pending(r, af));
	return n;
}

#define AF_BOTH ((const bool[BGP_AF_COUNT]){true, true})
#define AF_V4   ((const bool[BGP_AF_COUNT]){true, false})
#define AF_V6   ((const bool[BGP_AF_COUNT]){false, true})

#endif
