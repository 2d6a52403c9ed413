/*
 * The link bandwidth extended community (bgp_link_bw_encode/_decode): the
 * exact octets the draft gives, both types, AS_TRANS, the float's rounding
 * and clamp, and a round trip through bgp_attrs_encode, an UPDATE and
 * bgp_msg_decode (src/bgp/attr.c), as a peer would read it.
 */
#include <errno.h>
#include <string.h>

#include "test_bgp_util.h"

static void u64_bytes(uint64_t v, uint8_t out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void expect_ext(uint64_t got, const char *want_hex)
{
	uint8_t g[8], w[8];

	u64_bytes(got, g);
	assert_int_equal(hx(want_hex, w, sizeof(w)), 8);
	assert_memory_equal(g, w, 8);
}

/* AS 65001 (0xfde9), 1 Mbit/s = 125,000 bytes/s = float 0x47f42400. */
static void test_exact_bytes(void **state)
{
	(void)state;
	expect_ext(bgp_link_bw_encode(65001, 125000, false), "00 04 fd e9 47 f4 24 00");
	expect_ext(bgp_link_bw_encode(65001, 125000, true), "40 04 fd e9 47 f4 24 00");
	/* 2 and 3 endpoints: exact multiples, the 1:2:3 of the issue */
	expect_ext(bgp_link_bw_encode(65001, 250000, false), "00 04 fd e9 48 74 24 00");
	expect_ext(bgp_link_bw_encode(65001, 375000, false), "00 04 fd e9 48 b7 1b 00");
	/* 1.0 and 0.0 */
	expect_ext(bgp_link_bw_encode(1, 1, false), "00 04 00 01 3f 80 00 00");
	expect_ext(bgp_link_bw_encode(65535, 0, false), "00 04 ff ff 00 00 00 00");
}

/* RFC 6793 section 9: an AS that needs 4 octets is sent as AS_TRANS. */
static void test_as_trans(void **state)
{
	(void)state;
	expect_ext(bgp_link_bw_encode(65536, 125000, false), "00 04 5b a0 47 f4 24 00");
	expect_ext(bgp_link_bw_encode(4200000000u, 125000, true), "40 04 5b a0 47 f4 24 00");
	expect_ext(bgp_link_bw_encode(0xffffffffu, 125000, false), "00 04 5b a0 47 f4 24 00");
	/* the largest 2-octet AS is itself */
	expect_ext(bgp_link_bw_encode(65535, 125000, false), "00 04 ff ff 47 f4 24 00");
}

/* Past 2^24 the float rounds to nearest; past BGP_LINK_BW_MAX it clamps
 * below 2^32 (FRR converts to uint32_t). */
static void test_rounding_and_clamp(void **state)
{
	(void)state;
	/* 2^24 + 1 is no float: ties to even, 2^24 */
	expect_ext(bgp_link_bw_encode(1, 16777217, false), "00 04 00 01 4b 80 00 00");
	/* 2^24 + 3: ties to even upward, 2^24 + 4 */
	expect_ext(bgp_link_bw_encode(1, 16777219, false), "00 04 00 01 4b 80 00 02");
	/* 2^32 - 256, the largest float below 2^32 */
	expect_ext(bgp_link_bw_encode(1, BGP_LINK_BW_MAX, false), "00 04 00 01 4f 7f ff ff");
	/* one more would round up to 2^32 (0x4f800000): clamped instead */
	expect_ext(bgp_link_bw_encode(1, BGP_LINK_BW_MAX + 1ull, false), "00 04 00 01 4f 7f ff ff");
	expect_ext(bgp_link_bw_encode(1, UINT32_MAX, false), "00 04 00 01 4f 7f ff ff");
	expect_ext(bgp_link_bw_encode(1, UINT64_MAX, false), "00 04 00 01 4f 7f ff ff");
}

static void test_decode(void **state)
{
	static const uint64_t values[] = {
	    0,        1,        2,          125000,   250000,      375000,         16777215,
	    16777216, 16777217, 1000000007, 1u << 31, 0xfffffeffu, BGP_LINK_BW_MAX};
	struct bgp_link_bw bw;

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		for (int nt = 0; nt < 2; nt++) {
			uint64_t v = bgp_link_bw_encode(4200000000u, values[i], nt);

			memset(&bw, 0xa5, sizeof(bw));
			assert_int_equal(bgp_link_bw_decode(v, &bw), 0);
			assert_int_equal(bw.as, BGP_AS_TRANS);
			assert_true(bw.bytes_per_s == (float)values[i]);
			assert_int_equal(bw.non_transitive, nt);
		}
	}
	/* the value berth never sends, but a peer may */
	assert_int_equal(bgp_link_bw_decode(0x0004fde980000000ull, &bw), 0); /* -0.0 */
	assert_true(bw.bytes_per_s == 0.0f);
}

static void test_decode_refuses(void **state)
{
	static const struct {
		uint64_t v;
		int rc;
	} cases[] = {
	    {0x0002fde900000001ull, -ENOENT}, /* route target, 2-octet AS (RFC 4360 4) */
	    {0x0104c0000201000aull, -ENOENT}, /* IPv4 address specific, sub-type 4 */
	    {0x0204fde947f42400ull, -ENOENT}, /* 4-octet AS specific, sub-type 4 */
	    {0x4104fde947f42400ull, -ENOENT}, /* IPv4 non-transitive */
	    {0x0005fde947f42400ull, -ENOENT}, /* sub-type 5 */
	    {0x0004fde97fc00000ull, -EINVAL}, /* NaN */
	    {0x0004fde97f800001ull, -EINVAL}, /* signalling NaN */
	    {0x0004fde97f800000ull, -EINVAL}, /* +infinity */
	    {0x0004fde9ff800000ull, -EINVAL}, /* -infinity */
	    {0x4004fde9bf800000ull, -EINVAL}, /* -1.0 */
	    {0x0004fde980000001ull, -EINVAL}, /* the smallest negative denormal */
	};
	struct bgp_link_bw bw;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(bgp_link_bw_decode(cases[i].v, &bw), cases[i].rc);
}

/* What a peer reads: the attribute bytes, and bgp_msg_decode's view. */
static void test_round_trip_through_update(void **state)
{
	uint64_t ext[2] = {bgp_link_bw_encode(65001, 125000, false),
	                   bgp_link_bw_encode(4200000000u, 375000, true)};
	struct bgp_prefix p = pfx("192.0.2.10/32");
	struct bgp_out_attrs a;
	struct bgp_update_parts u;
	struct bgp_error err;
	struct bgp_msg m;
	struct bgp_link_bw bw;
	uint8_t attrs[256], msg[512], want[32];
	ssize_t na, nm;
	size_t wn;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.origin = BGP_ORIGIN_IGP;
	a.as_path[0] = 65001;
	a.as_path_len = 1;
	assert_int_equal(core_addr_parse("192.0.2.1", &a.next_hop), 0);
	a.ext_communities = ext;
	a.n_ext_communities = 2;
	na = bgp_attrs_encode(attrs, sizeof(attrs), &a, BGP_AF_IPV4, NULL);
	assert_true(na > 0);
	/* EXTENDED_COMMUNITIES, optional transitive (RFC 4360 section 2) */
	wn = hx("c0 10 10  00 04 fd e9 47 f4 24 00  40 04 5b a0 48 b7 1b 00", want, sizeof(want));
	assert_true((size_t)na >= wn);
	assert_memory_equal(attrs + na - wn, want, wn);

	memset(&u, 0, sizeof(u));
	u.af = BGP_AF_IPV4;
	u.announce = &p;
	u.n_announce = 1;
	u.attrs = attrs;
	u.attrs_len = (size_t)na;
	u.out = &a;
	nm = bgp_update_encode(msg, sizeof(msg), &u, NULL);
	assert_true(nm > 0);
	assert_int_equal(bgp_msg_decode(msg, (size_t)nm, NULL, &m, &err), 0);
	assert_int_equal(err.action, BGP_UPD_OK);
	assert_true(m.u.update.attrs.present & BGP_PA_EXT_COMMUNITIES);
	assert_int_equal(m.u.update.attrs.ext_communities_len, 16);
	assert_memory_equal(m.u.update.attrs.ext_communities, want + 3, 16);
	for (int i = 0; i < 2; i++) {
		const uint8_t *q = m.u.update.attrs.ext_communities + 8 * i;
		uint64_t v = 0;

		for (int k = 0; k < 8; k++)
			v = v << 8 | q[k];
		assert_true(v == ext[i]);
		assert_int_equal(bgp_link_bw_decode(v, &bw), 0);
		assert_int_equal(bw.as, i ? BGP_AS_TRANS : 65001);
		assert_true(bw.bytes_per_s == (i ? 375000.0f : 125000.0f));
		assert_int_equal(bw.non_transitive, i == 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact_bytes),
	    cmocka_unit_test(test_as_trans),
	    cmocka_unit_test(test_rounding_and_clamp),
	    cmocka_unit_test(test_decode),
	    cmocka_unit_test(test_decode_refuses),
	    cmocka_unit_test(test_round_trip_through_update),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
