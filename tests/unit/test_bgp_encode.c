/*
 * Encoders for what berth originates: path attributes, UPDATE (classic and
 * multiprotocol NLRI, ADD-PATH), End-of-RIB, and the exactness of
 * bgp_update_overhead that the Adj-RIB-Out packer relies on. Everything
 * encoded is decoded again with bgp_msg_decode.
 */
#include <errno.h>

#include "test_bgp_util.h"

static struct bgp_out_attrs v4_attrs(void)
{
	struct bgp_out_attrs a;

	memset(&a, 0, sizeof(a));
	a.origin = BGP_ORIGIN_IGP;
	a.as_path[0] = 65001;
	a.as_path_len = 1;
	assert_int_equal(core_addr_parse("192.0.2.1", &a.next_hop), 0);
	assert_int_equal(core_addr_parse("2001:db8::1", &a.next_hop6), 0);
	return a;
}

static void expect_hex(const uint8_t *got, ssize_t n, const char *want_hex)
{
	uint8_t want[1024];
	size_t wn = hx(want_hex, want, sizeof(want));

	assert_int_equal(n, wn);
	assert_memory_equal(got, want, wn);
}

static void test_attrs_exact_bytes(void **state)
{
	struct bgp_out_attrs a = v4_attrs();
	uint32_t comm[] = {0xfde90001};
	uint64_t ext[] = {0x0002fde900000001ull};
	uint32_t large[] = {65001, 1, 2};
	uint8_t buf[256];

	a.has_med = true;
	a.med = 10;
	a.has_local_pref = true;
	a.local_pref = 100;
	a.communities = comm;
	a.n_communities = 1;
	a.ext_communities = ext;
	a.n_ext_communities = 1;
	a.large_communities = large;
	a.n_large_communities = 1;
	expect_hex(buf, bgp_attrs_encode(buf, sizeof(buf), &a, BGP_AF_IPV4, NULL),
	           "40 01 01 00 40 02 04 02 01 fd e9 40 03 04 c0 00 02 01 80 04 04 00 00 00 0a "
	           "40 05 04 00 00 00 64 c0 08 04 fd e9 00 01 c0 10 08 00 02 fd e9 00 00 00 01 "
	           "c0 20 0c 00 00 fd e9 00 00 00 01 00 00 00 02");
	/* IPv6: no NEXT_HOP attribute, the next hop travels in MP_REACH_NLRI. */
	a = v4_attrs();
	expect_hex(buf, bgp_attrs_encode(buf, sizeof(buf), &a, BGP_AF_IPV6, NULL),
	           "40 01 01 00 40 02 04 02 01 fd e9");
	/* iBGP: empty AS_PATH. */
	a.as_path_len = 0;
	a.origin = BGP_ORIGIN_INCOMPLETE;
	expect_hex(buf, bgp_attrs_encode(buf, sizeof(buf), &a, BGP_AF_IPV6, NULL),
	           "40 01 01 02 40 02 00");
}

/* RFC 6793 section 4.2.2 */
static void test_attrs_as4(void **state)
{
	struct bgp_out_attrs a = v4_attrs();
	struct bgp_session_params sp = {0};
	uint8_t buf[256];

	a.as_path[0] = 4200000000u;
	a.as_path[1] = 65001;
	a.as_path_len = 2;
	expect_hex(buf, bgp_attrs_encode(buf, sizeof(buf), &a, BGP_AF_IPV4, &sp),
	           "40 01 01 00 40 02 06 02 02 5b a0 fd e9 40 03 04 c0 00 02 01 "
	           "c0 11 0a 02 02 fa 56 ea 00 00 00 fd e9");
	sp.as4 = true;
	expect_hex(buf, bgp_attrs_encode(buf, sizeof(buf), &a, BGP_AF_IPV4, &sp),
	           "40 01 01 00 40 02 0a 02 02 fa 56 ea 00 00 00 fd e9 40 03 04 c0 00 02 01");
	/* All ASes fit 2 octets: no AS4_PATH. */
	sp.as4 = false;
	a.as_path[0] = 64512;
	expect_hex(buf, bgp_attrs_encode(buf, sizeof(buf), &a, BGP_AF_IPV4, &sp),
	           "40 01 01 00 40 02 06 02 02 fc 00 fd e9 40 03 04 c0 00 02 01");
}

static void test_attrs_extended_length(void **state)
{
	struct bgp_out_attrs a = v4_attrs();
	uint32_t comm[70];
	uint8_t buf[512];
	ssize_t n;

	for (int i = 0; i < 70; i++)
		comm[i] = 0xfde90000u + (uint32_t)i;
	a.communities = comm;
	a.n_communities = 70;
	n = bgp_attrs_encode(buf, sizeof(buf), &a, BGP_AF_IPV4, NULL);
	assert_int_equal(n, 18 + 4 + 280);
	/* 280 > 255: extended length flag and a 2-octet length */
	assert_memory_equal(buf + 18, "\xd0\x08\x01\x18\xfd\xe9\x00\x00", 8);
	a.n_communities = 64; /* 256: the first length that needs 2 octets */
	n = bgp_attrs_encode(buf, sizeof(buf), &a, BGP_AF_IPV4, NULL);
	assert_int_equal(n, 18 + 4 + 256);
	assert_memory_equal(buf + 18, "\xd0\x08\x01\x00", 4);
	a.n_communities = 63; /* 252: still the short form */
	n = bgp_attrs_encode(buf, sizeof(buf), &a, BGP_AF_IPV4, NULL);
	assert_int_equal(n, 18 + 3 + 252);
	assert_memory_equal(buf + 18, "\xc0\x08\xfc", 3);
}

static void test_attrs_errors(void **state)
{
	struct bgp_out_attrs a = v4_attrs(), bad;
	uint8_t buf[256];
	ssize_t n = bgp_attrs_encode(buf, sizeof(buf), &a, BGP_AF_IPV4, NULL);

	assert_true(n > 0);
	for (size_t cap = 0; cap < (size_t)n; cap++)
		assert_int_equal(bgp_attrs_encode(buf, cap, &a, BGP_AF_IPV4, NULL), -ENOBUFS);
	bad = a;
	bad.next_hop.family = 0;
	assert_int_equal(bgp_attrs_encode(buf, sizeof(buf), &bad, BGP_AF_IPV4, NULL), -EINVAL);
	assert_true(bgp_attrs_encode(buf, sizeof(buf), &bad, BGP_AF_IPV6, NULL) > 0);
	bad = a;
	bad.origin = 3;
	assert_int_equal(bgp_attrs_encode(buf, sizeof(buf), &bad, BGP_AF_IPV4, NULL), -EINVAL);
	bad = a;
	bad.as_path[0] = 0;
	assert_int_equal(bgp_attrs_encode(buf, sizeof(buf), &bad, BGP_AF_IPV4, NULL), -EINVAL);
	bad = a;
	bad.as_path_len = 9;
	assert_int_equal(bgp_attrs_encode(buf, sizeof(buf), &bad, BGP_AF_IPV4, NULL), -EINVAL);
	bad = a;
	bad.n_communities = 1;
	assert_int_equal(bgp_attrs_encode(buf, sizeof(buf), &bad, BGP_AF_IPV4, NULL), -EINVAL);
	assert_int_equal(bgp_attrs_encode(buf, sizeof(buf), &a, BGP_AF_COUNT, NULL), -EINVAL);
}

/* Encodes, decodes, and checks every prefix and count came back. */
static void round_trip(enum bgp_af af, const struct bgp_prefix *ann, size_t na,
                       const struct bgp_prefix *wd, size_t nw, const struct bgp_out_attrs *oa,
                       const struct bgp_session_params *sp, uint8_t *buf, size_t cap)
{
	uint8_t attrs[512];
	ssize_t alen = bgp_attrs_encode(attrs, sizeof(attrs), oa, af, sp);
	struct bgp_update_parts u = {.af = af,
	                             .withdraw = wd,
	                             .n_withdraw = nw,
	                             .announce = ann,
	                             .n_announce = na,
	                             .attrs = attrs,
	                             .attrs_len = (size_t)alen,
	                             .out = oa};
	struct bgp_session_params rx = *sp;
	struct bgp_prefix got[64];
	const struct bgp_update *up;
	struct bgp_error err;
	struct bgp_msg m;
	uint8_t family = af == BGP_AF_IPV4 ? AF_INET : AF_INET6;
	bool ap = sp->addpath_tx[af];
	ssize_t n;
	size_t k;

	assert_true(alen > 0);
	n = bgp_update_encode(buf, cap, &u, sp);
	assert_true(n > 0);
	/* the receiver sees our transmit direction as its receive direction */
	rx.addpath_rx[af] = sp->addpath_tx[af];
	assert_int_equal(bgp_msg_decode(buf, (size_t)n, &rx, &m, &err), 0);
	assert_int_equal(err.action, BGP_UPD_OK);
	up = &m.u.update;
	assert_int_equal(up->n_announce[af], na);
	assert_int_equal(up->n_withdraw[af], nw);
	assert_false(up->end_of_rib);
	if (af == BGP_AF_IPV4) {
		k = collect_nlri(up->nlri, up->nlri_len, family, ap, got, 64);
		assert_int_equal(k, na);
		assert_prefixes_equal(got, ann, na);
		k = collect_nlri(up->withdrawn, up->withdrawn_len, family, ap, got, 64);
		assert_int_equal(k, nw);
		assert_prefixes_equal(got, wd, nw);
		if (na)
			assert_memory_equal(up->attrs.next_hop.bytes, oa->next_hop.bytes, 4);
		return;
	}
	k = collect_nlri(up->attrs.mp_reach.nlri, up->attrs.mp_reach.nlri_len, family, ap, got, 64);
	assert_int_equal(k, na);
	assert_prefixes_equal(got, ann, na);
	k = collect_nlri(up->attrs.mp_unreach.nlri, up->attrs.mp_unreach.nlri_len, family, ap, got,
	                 64);
	assert_int_equal(k, nw);
	assert_prefixes_equal(got, wd, nw);
	if (na) {
		assert_memory_equal(up->attrs.mp_reach.nexthop.bytes, oa->next_hop6.bytes, 16);
		assert_int_equal(up->attrs.mp_reach.nexthop_ll.family, oa->next_hop6_ll.family);
		/* RFC 7606 section 5.1: MP_REACH_NLRI is the first attribute. */
		assert_int_equal(buf[23 + 1], BGP_ATTR_MP_REACH_NLRI);
	}
}

static void test_update_round_trip_ipv4(void **state)
{
	static uint8_t buf[4096];
	struct bgp_prefix ann[3] = {pfx("198.51.100.0/24"), pfx("203.0.113.7/32"),
	                            pfx("0.0.0.0/0")};
	struct bgp_prefix wd[2] = {pfx("192.0.2.128/25"), pfx("10.0.0.0/8")};
	struct bgp_out_attrs oa = v4_attrs();
	struct bgp_session_params sp = {0};

	round_trip(BGP_AF_IPV4, ann, 3, wd, 2, &oa, &sp, buf, sizeof(buf));
	round_trip(BGP_AF_IPV4, ann, 3, NULL, 0, &oa, &sp, buf, sizeof(buf));
	round_trip(BGP_AF_IPV4, NULL, 0, wd, 2, &oa, &sp, buf, sizeof(buf));
	ann[0].path_id = 7;
	ann[1].path_id = 0xffffffff;
	wd[1].path_id = 3;
	sp.addpath_tx[BGP_AF_IPV4] = 1;
	round_trip(BGP_AF_IPV4, ann, 3, wd, 2, &oa, &sp, buf, sizeof(buf));
	sp.as4 = true;
	round_trip(BGP_AF_IPV4, ann, 3, wd, 2, &oa, &sp, buf, sizeof(buf));
}

static void test_update_round_trip_ipv6(void **state)
{
	static uint8_t buf[4096];
	struct bgp_prefix ann[2] = {pfx("2001:db8:1::/48"), pfx("2001:db8::5")};
	struct bgp_prefix wd[2] = {pfx("2001:db8:ffff::/64"), pfx("::/0")};
	struct bgp_out_attrs oa = v4_attrs();
	struct bgp_session_params sp = {0};

	round_trip(BGP_AF_IPV6, ann, 2, wd, 2, &oa, &sp, buf, sizeof(buf));
	round_trip(BGP_AF_IPV6, ann, 2, NULL, 0, &oa, &sp, buf, sizeof(buf));
	round_trip(BGP_AF_IPV6, NULL, 0, wd, 2, &oa, &sp, buf, sizeof(buf));
	assert_int_equal(core_addr_parse("fe80::1", &oa.next_hop6_ll), 0);
	round_trip(BGP_AF_IPV6, ann, 2, wd, 2, &oa, &sp, buf, sizeof(buf));
	ann[1].path_id = 42;
	sp.addpath_tx[BGP_AF_IPV6] = 1;
	round_trip(BGP_AF_IPV6, ann, 2, wd, 2, &oa, &sp, buf, sizeof(buf));
}

static void test_update_masks_host_bits(void **state)
{
	uint8_t attrs[64], buf[128];
	struct bgp_out_attrs oa = v4_attrs();
	struct bgp_prefix p = pfx("198.51.100.0/24");
	ssize_t alen = bgp_attrs_encode(attrs, sizeof(attrs), &oa, BGP_AF_IPV4, NULL);
	struct bgp_update_parts u = {.af = BGP_AF_IPV4,
	                             .announce = &p,
	                             .n_announce = 1,
	                             .attrs = attrs,
	                             .attrs_len = (size_t)alen};
	ssize_t n;

	p.len = 20; /* 198.51.100.0 has bits past /20 */
	n = bgp_update_encode(buf, sizeof(buf), &u, NULL);
	assert_true(n > 0);
	assert_memory_equal(buf + n - 4, "\x14\xc6\x33\x60", 4);
}

static void test_update_errors(void **state)
{
	uint8_t attrs[64], buf[256];
	struct bgp_out_attrs oa = v4_attrs();
	struct bgp_prefix p4 = pfx("198.51.100.0/24"), p6 = pfx("2001:db8::/32");
	ssize_t alen = bgp_attrs_encode(attrs, sizeof(attrs), &oa, BGP_AF_IPV4, NULL);
	struct bgp_update_parts u = {.af = BGP_AF_IPV4,
	                             .announce = &p4,
	                             .n_announce = 1,
	                             .attrs = attrs,
	                             .attrs_len = (size_t)alen,
	                             .out = &oa},
	                        bad;
	ssize_t n = bgp_update_encode(buf, sizeof(buf), &u, NULL);

	assert_true(n > 0);
	for (size_t cap = 0; cap < (size_t)n; cap++)
		assert_int_equal(bgp_update_encode(buf, cap, &u, NULL), -ENOBUFS);
	bad = u;
	bad.n_announce = 0;
	assert_int_equal(bgp_update_encode(buf, sizeof(buf), &bad, NULL), -EINVAL);
	bad = u;
	bad.attrs = NULL;
	bad.attrs_len = 0;
	assert_int_equal(bgp_update_encode(buf, sizeof(buf), &bad, NULL), -EINVAL);
	bad = u;
	bad.announce = &p6;
	assert_int_equal(bgp_update_encode(buf, sizeof(buf), &bad, NULL), -EINVAL);
	bad = u;
	bad.af = BGP_AF_IPV6;
	bad.announce = &p6;
	bad.out = NULL;
	assert_int_equal(bgp_update_encode(buf, sizeof(buf), &bad, NULL), -EINVAL);
	bad.out = &oa;
	assert_true(bgp_update_encode(buf, sizeof(buf), &bad, NULL) > 0);
	oa.next_hop6.family = 0;
	assert_int_equal(bgp_update_encode(buf, sizeof(buf), &bad, NULL), -EINVAL);
}

static void test_eor(void **state)
{
	uint8_t buf[64];
	struct bgp_error err;
	struct bgp_msg m;

	expect_hex(buf, bgp_eor_encode(buf, sizeof(buf), BGP_AF_IPV4),
	           "ffffffffffffffffffffffffffffffff 0017 02 0000 0000");
	assert_int_equal(bgp_msg_decode(buf, 23, NULL, &m, &err), 0);
	assert_true(m.u.update.end_of_rib);
	assert_int_equal(m.u.update.end_of_rib_af, BGP_AF_IPV4);
	expect_hex(buf, bgp_eor_encode(buf, sizeof(buf), BGP_AF_IPV6),
	           "ffffffffffffffffffffffffffffffff 001d 02 0000 0006 80 0f 03 0002 01");
	assert_int_equal(bgp_msg_decode(buf, 29, NULL, &m, &err), 0);
	assert_true(m.u.update.end_of_rib);
	assert_int_equal(m.u.update.end_of_rib_af, BGP_AF_IPV6);
	assert_int_equal(bgp_eor_encode(buf, 28, BGP_AF_IPV6), -ENOBUFS);
	assert_int_equal(bgp_eor_encode(buf, 22, BGP_AF_IPV4), -ENOBUFS);
	assert_int_equal(bgp_eor_encode(buf, sizeof(buf), BGP_AF_COUNT), -EINVAL);
}

/*
 * Fills an UPDATE to exactly the session maximum using the overhead
 * formula: host routes, then shorter prefixes to land on the last byte.
 * That message must encode and decode; one more 1-octet prefix (/0) must
 * be -EMSGSIZE.
 */
static void fill_exactly(enum bgp_af af, bool ll, bool addpath, bool ext, bool ann, bool wd)
{
	static struct bgp_prefix pa[20000], pw[20000];
	static uint8_t buf[70000];
	struct bgp_out_attrs oa = v4_attrs();
	struct bgp_session_params sp = {.ext_msg = ext};
	uint8_t attrs[128];
	size_t max = ext ? BGP_MAX_EXT_MSG_LEN : BGP_MAX_MSG_LEN, room, na = 0, nw = 0;
	size_t hostlen = af == BGP_AF_IPV4 ? 32 : 128;
	ssize_t alen, n;
	struct bgp_update_parts u;
	struct bgp_error err;
	struct bgp_msg m;

	if (ll)
		assert_int_equal(core_addr_parse("fe80::1", &oa.next_hop6_ll), 0);
	sp.addpath_tx[af] = addpath;
	alen = bgp_attrs_encode(attrs, sizeof(attrs), &oa, af, &sp);
	assert_true(alen > 0);
	room = max - bgp_update_overhead(af, &oa, ann, wd) - (ann ? (size_t)alen : 0);
	/*
	 * Alternate between the lists, host routes first; near the end pick
	 * sizes so that the last prefix lands on the last byte (the smallest
	 * prefix takes m octets).
	 */
	while (room > 0) {
		size_t minw = addpath ? 5 : 1, wmax = minw + hostlen / 8;
		size_t w = room < wmax ? room : wmax;
		bool to_ann = ann && (!wd || (na + nw) % 2 == 0);
		struct bgp_prefix p;

		if (room - w != 0 && room - w < minw)
			w = room - minw;
		if (w < minw)
			break;
		memset(&p, 0, sizeof(p));
		p.family = af == BGP_AF_IPV4 ? AF_INET : AF_INET6;
		p.len = (uint8_t)((w - minw) * 8);
		p.addr[0] = 0x20;
		p.path_id = (uint32_t)(na + nw);
		assert_int_equal(bgp_prefix_wire_len(&p, addpath), w);
		if (to_ann)
			pa[na++] = p;
		else
			pw[nw++] = p;
		room -= w;
	}
	assert_int_equal(room, 0);
	u = (struct bgp_update_parts){.af = af,
	                              .announce = pa,
	                              .n_announce = na,
	                              .withdraw = pw,
	                              .n_withdraw = nw,
	                              .attrs = attrs,
	                              .attrs_len = (size_t)alen,
	                              .out = &oa};
	n = bgp_update_encode(buf, sizeof(buf), &u, &sp);
	assert_int_equal(n, max);
	sp.addpath_rx[af] = addpath;
	assert_int_equal(bgp_msg_decode(buf, (size_t)n, &sp, &m, &err), 0);
	assert_int_equal(err.action, BGP_UPD_OK);
	assert_int_equal(m.u.update.n_announce[af], na);
	assert_int_equal(m.u.update.n_withdraw[af], nw);
	/* one more prefix, the smallest there is */
	memset(&pa[na], 0, sizeof(pa[na]));
	pa[na].family = af == BGP_AF_IPV4 ? AF_INET : AF_INET6;
	memset(&pw[nw], 0, sizeof(pw[nw]));
	pw[nw].family = pa[na].family;
	if (ann)
		u.n_announce++;
	else
		u.n_withdraw++;
	assert_int_equal(bgp_update_encode(buf, sizeof(buf), &u, &sp), -EMSGSIZE);
	/* the session maximum is checked before the buffer */
	assert_int_equal(bgp_update_encode(buf, 100, &u, &sp), -EMSGSIZE);
}

static void test_overhead_exact(void **state)
{
	for (int af = 0; af < BGP_AF_COUNT; af++)
		for (int ll = 0; ll < (af == BGP_AF_IPV6 ? 2 : 1); ll++)
			for (int ap = 0; ap < 2; ap++)
				for (int ext = 0; ext < 2; ext++)
					for (int mode = 1; mode < 4; mode++)
						fill_exactly((enum bgp_af)af, ll, ap, ext, mode & 1,
						             mode & 2);
}

static void test_overhead_values(void **state)
{
	struct bgp_out_attrs oa = v4_attrs();

	assert_int_equal(bgp_update_overhead(BGP_AF_IPV4, &oa, true, true), 23);
	assert_int_equal(bgp_update_overhead(BGP_AF_IPV6, &oa, true, false), 23 + 4 + 5 + 16);
	assert_int_equal(bgp_update_overhead(BGP_AF_IPV6, &oa, false, true), 23 + 4 + 3);
	assert_int_equal(bgp_update_overhead(BGP_AF_IPV6, NULL, true, true), 23 + 25 + 7);
	assert_int_equal(core_addr_parse("fe80::1", &oa.next_hop6_ll), 0);
	assert_int_equal(bgp_update_overhead(BGP_AF_IPV6, &oa, true, false), 23 + 4 + 5 + 32);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_attrs_exact_bytes),
	    cmocka_unit_test(test_attrs_as4),
	    cmocka_unit_test(test_attrs_extended_length),
	    cmocka_unit_test(test_attrs_errors),
	    cmocka_unit_test(test_update_round_trip_ipv4),
	    cmocka_unit_test(test_update_round_trip_ipv6),
	    cmocka_unit_test(test_update_masks_host_bits),
	    cmocka_unit_test(test_update_errors),
	    cmocka_unit_test(test_eor),
	    cmocka_unit_test(test_overhead_values),
	    cmocka_unit_test(test_overhead_exact),
	};

	return cmocka_run_group_tests_name("bgp_encode", tests, NULL, NULL);
}
