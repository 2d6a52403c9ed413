/*
 * The NDP codec of layer 2 mode (l2/ndp.h): byte-exact NS and NA vectors
 * written by hand from RFC 4861 sections 4.3, 4.4 and 4.6.1, their ICMPv6
 * checksums checked against a reference sum written here from RFC 4443
 * section 2.3; hostile vectors (every truncation, the validity checks of
 * RFC 4861 section 7.1, broken options); and the decision whether to
 * answer.
 */
#include <errno.h>
#include <stdio.h>

#include "l2/ndp.h"
#include "test_l2_util.h"

/* An NS from 2001:db8::10 (02:00:00:00:00:10) for 2001:db8::100, to its
 * solicited-node address ff02::1:ff00:100, with the Source Link-Layer
 * option. Checksum 0x1a0d. */
static const char *NS = "87 00 1a0d 00000000"
                        "20010db8000000000000000000000100"
                        "01 01 020000000010";
/* The answer from 02:00:00:00:00:64 (sent from 2001:db8::100 to
 * 2001:db8::10): Solicited and Override, Target Link-Layer option.
 * Checksum 0x8804. */
static const char *NA = "88 00 8804 60000000"
                        "20010db8000000000000000000000100"
                        "02 01 020000000064";
/* The unsolicited NA (RFC 4861 section 7.2.6) from 2001:db8::100 to
 * ff02::1: Override only. Checksum 0xf6c9. */
static const char *UNA = "88 00 f6c9 20000000"
                         "20010db8000000000000000000000100"
                         "02 01 020000000064";
/* DAD for 2001:db8::100 (from ::, no option). Checksum 0x4aef. */
static const char *DAD = "87 00 4aef 00000000"
                         "20010db8000000000000000000000100";

static const char *OURS = "020000000064";

static struct l2_ip6 ip6(const char *src, const char *dst, uint8_t hop)
{
	struct l2_ip6 h = {.src = ip(src), .dst = ip(dst), .hop_limit = hop};

	return h;
}

/* The reference: the pseudo-header of RFC 4443 section 2.3 laid out as
 * bytes, then the message, summed 16 bits at a time; a correct checksum
 * makes the folded sum 0xffff. */
static unsigned ref_sum(const struct l2_ip6 *h, const uint8_t *m, size_t n)
{
	uint8_t b[40 + 64] = {0};
	unsigned long s = 0;

	assert_true(n <= 64);
	memcpy(b, h->src.bytes, 16);
	memcpy(b + 16, h->dst.bytes, 16);
	b[35] = (uint8_t)n;
	b[39] = 58;
	memcpy(b + 40, m, n);
	for (size_t i = 0; i < 40 + n; i += 2)
		s += (unsigned long)b[i] * 256 + b[i + 1];
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned)s;
}

static void test_ns_and_na(void **state)
{
	uint8_t in[64], want[64], out[64];
	size_t n = hx(NS, in, sizeof(in)), wn = hx(NA, want, sizeof(want)), on;
	struct l2_ip6 h = ip6("2001:db8::10", "ff02::1:ff00:100", 255), ah;
	struct core_addr target = ip("2001:db8::100");
	struct l2_mac m = mac(OURS), peer = mac("020000000010");
	struct owned o = {.a = {target}, .n = 1};
	struct l2_nd nd, ans, back;

	(void)state;
	/* The vectors' checksums, by the reference. */
	assert_int_equal(ref_sum(&h, in, n), 0xffff);
	struct l2_ip6 nah = ip6("2001:db8::100", "2001:db8::10", 255);
	assert_int_equal(ref_sum(&nah, want, wn), 0xffff);

	assert_int_equal(l2_nd_decode(in, n, &h, true, &nd), 0);
	assert_int_equal(nd.type, L2_ND_NS);
	assert_int_equal(nd.flags, 0);
	assert_true(core_addr_equal(&nd.target, &target));
	assert_true(nd.has_lla);
	assert_true(l2_mac_equal(&nd.lla, &peer));

	assert_int_equal(l2_nd_decide(&nd, &h, &m, &target, owns, &o, &ah, &ans), L2_ANSWER);
	assert_true(core_addr_equal(&ah.src, &target));
	assert_true(core_addr_equal(&ah.dst, &nah.dst));
	assert_int_equal(ah.hop_limit, 255);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(l2_nd_encode(&ah, &ans, out, sizeof(out), &on), 0);
	assert_int_equal(on, wn);
	assert_int_equal(on, L2_ND_LEN);
	assert_memory_equal(out, want, wn);
	assert_int_equal(out[on], 0xee);
	assert_int_equal(ref_sum(&ah, out, on), 0xffff);

	/* The NA decodes back. */
	assert_int_equal(l2_nd_decode(out, on, &ah, true, &back), 0);
	assert_int_equal(back.type, L2_ND_NA);
	assert_int_equal(back.flags, L2_NA_SOLICITED | L2_NA_OVERRIDE);
	assert_true(back.has_lla && l2_mac_equal(&back.lla, &m));

	/* A wrong checksum fails only when checked; so do other addresses. */
	in[3] ^= 1;
	assert_int_equal(l2_nd_decode(in, n, &h, true, &nd), -EBADMSG);
	assert_int_equal(l2_nd_decode(in, n, &h, false, &nd), 0);
	in[3] ^= 1;
	h.src.bytes[15] = 0x11;
	assert_int_equal(l2_nd_decode(in, n, &h, true, &nd), -EBADMSG);
	h.src = ip("192.0.2.1");
	assert_int_equal(l2_nd_decode(in, n, &h, true, &nd), -EINVAL);

	/* Short buffers. */
	assert_int_equal(l2_nd_encode(&ah, &ans, out, L2_ND_LEN - 1, &on), -ENOBUFS);
	ans.type = 134;
	assert_int_equal(l2_nd_encode(&ah, &ans, out, sizeof(out), &on), -EINVAL);
}

static void test_unsolicited_and_dad(void **state)
{
	uint8_t want[64], out[64], in[64];
	size_t wn = hx(UNA, want, sizeof(want)), n = hx(DAD, in, sizeof(in)), on;
	struct core_addr target = ip("2001:db8::100"), v4 = ip("192.0.2.1");
	struct l2_mac m = mac(OURS);
	struct owned o = {.a = {target}, .n = 1};
	struct l2_ip6 h, dh = ip6("::", "ff02::1:ff00:100", 255), ah;
	struct l2_nd nd, ans;

	(void)state;
	assert_int_equal(l2_nd_unsolicited(&target, &target, &m, &h, &nd), 0);
	assert_int_equal(h.hop_limit, 255);
	struct core_addr all = ip("ff02::1");
	assert_true(core_addr_equal(&h.dst, &all));
	assert_int_equal(ref_sum(&h, want, wn), 0xffff);
	assert_int_equal(l2_nd_encode(&h, &nd, out, sizeof(out), &on), 0);
	assert_int_equal(on, wn);
	assert_memory_equal(out, want, wn);
	assert_int_equal(l2_nd_unsolicited(&v4, &target, &m, &h, &nd), -EINVAL);

	/* DAD for our address: answered to all-nodes, not Solicited. */
	assert_int_equal(ref_sum(&dh, in, n), 0xffff);
	assert_int_equal(l2_nd_decode(in, n, &dh, true, &nd), 0);
	assert_false(nd.has_lla);
	assert_int_equal(l2_nd_decide(&nd, &dh, &m, &target, owns, &o, &ah, &ans), L2_ANSWER);
	assert_true(core_addr_equal(&ah.dst, &all));
	assert_int_equal(ans.flags, L2_NA_OVERRIDE);
	assert_int_equal(l2_nd_encode(&ah, &ans, out, sizeof(out), &on), 0);
	assert_memory_equal(out, want, wn); /* the same bytes as the unsolicited NA */
}

static void test_truncated(void **state)
{
	uint8_t in[64], *copy;
	size_t n = hx(NS, in, sizeof(in));
	struct l2_ip6 h = ip6("2001:db8::10", "ff02::1:ff00:100", 255);
	struct l2_nd nd;

	(void)state;
	/* Every cut, unchecked checksum so that only the length decides; the
	 * option cut at 24 leaves a valid NS without it. */
	for (size_t len = 0; len < n; len++) {
		int r;

		copy = malloc(len ? len : 1);
		memcpy(copy, in, len);
		memset(&nd, 0x5a, sizeof(nd));
		r = l2_nd_decode(copy, len, &h, false, &nd);
		if (len == 24) {
			assert_int_equal(r, 0);
			assert_false(nd.has_lla);
		} else {
			assert_int_equal(r, -EBADMSG);
			assert_int_equal(nd.type, 0x5a); /* untouched */
		}
		free(copy);
	}
}

/* One hostile NS: hex of the message, the IPv6 fields. */
struct bad {
	const char *why;
	const char *hex;
	const char *src, *dst;
	uint8_t hop;
};

static void test_hostile(void **state)
{
	static const char *T = "20010db8000000000000000000000100";
	static const struct bad bad[] = {
	    {"hop limit 254", "87000000 00000000 %s 0101020000000010", "2001:db8::10",
	     "ff02::1:ff00:100", 254},
	    {"hop limit 64", "87000000 00000000 %s", "2001:db8::10", "2001:db8::100", 64},
	    {"code 1", "87010000 00000000 %s 0101020000000010", "2001:db8::10", "ff02::1:ff00:100",
	     255},
	    {"type 134 (RA)", "86000000 00000000 %s", "2001:db8::10", "ff02::1", 255},
	    {"type 137 (redirect)", "89000000 00000000 %s", "2001:db8::10", "ff02::1", 255},
	    {"multicast target", "87000000 00000000 ff020000000000000000000000000001",
	     "2001:db8::10", "ff02::1", 255},
	    {"zero-length option", "87000000 00000000 %s 0100020000000010", "2001:db8::10",
	     "ff02::1:ff00:100", 255},
	    {"zero-length unknown option", "87000000 00000000 %s 0e00000000000000", "2001:db8::10",
	     "ff02::1:ff00:100", 255},
	    {"option past the end", "87000000 00000000 %s 0102020000000010", "2001:db8::10",
	     "ff02::1:ff00:100", 255},
	    {"one byte of option", "87000000 00000000 %s 01", "2001:db8::10", "ff02::1:ff00:100",
	     255},
	    {"second option past the end", "87000000 00000000 %s 0101020000000010 0e01000000",
	     "2001:db8::10", "ff02::1:ff00:100", 255},
	    {"16-byte SLLA", "87000000 00000000 %s 0102020000000010 0000000000000000",
	     "2001:db8::10", "ff02::1:ff00:100", 255},
	    {"DAD with SLLA", "87000000 00000000 %s 0101020000000010", "::", "ff02::1:ff00:100",
	     255},
	    {"DAD to unicast", "87000000 00000000 %s", "::", "2001:db8::100", 255},
	    {"DAD to all-nodes", "87000000 00000000 %s", "::", "ff02::1", 255},
	    {"NA to multicast, Solicited", "88000000 40000000 %s", "2001:db8::10", "ff02::1", 255},
	    {"NA hop limit 1", "88000000 20000000 %s", "2001:db8::10", "ff02::1", 1},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char hex[256];
		uint8_t m[64];
		size_t n;
		struct l2_ip6 h = ip6(bad[i].src, bad[i].dst, bad[i].hop);
		struct l2_nd nd;

		snprintf(hex, sizeof(hex), bad[i].hex, T);
		n = hx(hex, m, sizeof(m));
		if (l2_nd_decode(m, n, &h, false, &nd) != -EBADMSG)
			fail_msg("accepted: %s", bad[i].why);
	}
}

/* Accepted oddities: unknown options skipped, a second SLLA ignored, an
 * NA to multicast without Solicited. */
static void test_accepted(void **state)
{
	uint8_t m[64];
	size_t n;
	struct l2_ip6 h = ip6("2001:db8::10", "ff02::1:ff00:100", 255);
	struct l2_nd nd;
	struct l2_mac first = mac("020000000010");

	(void)state;
	n = hx("87000000 00000000 20010db8000000000000000000000100"
	       "0e01000000000000 0101020000000010 0101020000000099",
	       m, sizeof(m));
	assert_int_equal(l2_nd_decode(m, n, &h, false, &nd), 0);
	assert_true(nd.has_lla && l2_mac_equal(&nd.lla, &first));
	n = hx("88000000 a0000000 20010db8000000000000000000000100", m, sizeof(m));
	h.dst = ip("ff02::1");
	assert_int_equal(l2_nd_decode(m, n, &h, false, &nd), 0);
	assert_int_equal(nd.flags, L2_NA_ROUTER | L2_NA_OVERRIDE);
}

/* One decision on a message in hex with its IPv6 fields. */
static enum l2_action decide(const char *hex, const char *src, const char *dst)
{
	uint8_t m[64];
	size_t n = hx(hex, m, sizeof(m));
	struct l2_ip6 h = ip6(src, dst, 255), ah;
	struct l2_mac ours = mac(OURS);
	struct core_addr me = ip("fe80::64");
	struct owned o = {.a = {ip("2001:db8::100")}, .n = 1};
	struct l2_nd nd, ans;

	assert_int_equal(l2_nd_decode(m, n, &h, false, &nd), 0);
	return l2_nd_decide(&nd, &h, &ours, &me, owns, &o, &ah, &ans);
}

static void test_decide(void **state)
{
	(void)state;
	/* NS for another target. */
	assert_int_equal(
	    decide("87000000 00000000 20010db8000000000000000000000101 0101020000000010",
	           "2001:db8::10", "ff02::1:ff00:101"),
	    L2_IGNORE);
	/* NS for ours without an option (unicast, NUD): answered. */
	assert_int_equal(decide("87000000 00000000 20010db8000000000000000000000100",
	                        "2001:db8::10", "2001:db8::100"),
	                 L2_ANSWER);
	/* NS with a broadcast, a zero, or our own SLLA. */
	assert_int_equal(
	    decide("87000000 00000000 20010db8000000000000000000000100 0101ffffffffffff",
	           "2001:db8::10", "ff02::1:ff00:100"),
	    L2_IGNORE);
	assert_int_equal(
	    decide("87000000 00000000 20010db8000000000000000000000100 0101000000000000",
	           "2001:db8::10", "ff02::1:ff00:100"),
	    L2_IGNORE);
	assert_int_equal(
	    decide("87000000 00000000 20010db8000000000000000000000100 0101020000000064",
	           "2001:db8::10", "ff02::1:ff00:100"),
	    L2_IGNORE);
	/* NS from a multicast source. */
	assert_int_equal(decide("87000000 00000000 20010db8000000000000000000000100", "ff02::1",
	                        "ff02::1:ff00:100"),
	                 L2_IGNORE);
	/* Another node advertises ours: conflict; our own NA looped: ignored;
	 * an NA for another target: ignored. */
	assert_int_equal(
	    decide("88000000 20000000 20010db8000000000000000000000100 0201020000000010",
	           "2001:db8::10", "ff02::1"),
	    L2_CONFLICT);
	assert_int_equal(
	    decide("88000000 20000000 20010db8000000000000000000000100", "2001:db8::10", "ff02::1"),
	    L2_CONFLICT);
	assert_int_equal(
	    decide("88000000 20000000 20010db8000000000000000000000100 0201020000000064",
	           "2001:db8::100", "ff02::1"),
	    L2_IGNORE);
	assert_int_equal(
	    decide("88000000 20000000 20010db8000000000000000000000101 0201020000000010",
	           "2001:db8::10", "ff02::1"),
	    L2_IGNORE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ns_and_na), cmocka_unit_test(test_unsolicited_and_dad),
	    cmocka_unit_test(test_truncated), cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_accepted),  cmocka_unit_test(test_decide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
