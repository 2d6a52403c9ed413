/*
 * libFuzzer target for the NDP codec of layer 2 mode (l2/ndp.h).
 *
 * Input: byte 0 is the hop limit; byte 1 picks the rest of the IPv6
 * fields (bit 0: verify the checksum; bits 1-2: the source, bits 3-4: the
 * destination, from the tables below); the rest is the ICMPv6 message,
 * decoded from an exact-size heap copy (ASan sees any read past it). A
 * message that decodes is re-encoded and must decode to the same; the
 * decision on it (owning 2001:db8::100 as 02:00:00:00:00:64) must produce
 * an NA that decodes, checksum verified, to what was built.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "l2/ndp.h"
#include "fuzz.h"

#define V6(...)                                                                                    \
	{                                                                                          \
		.family = AF_INET6, .bytes = { __VA_ARGS__ }                                       \
	}

static const struct core_addr srcs[4] = {
    V6(0x20, 0x01, 0x0d, 0xb8, [15] = 0x10), /* 2001:db8::10 */
    V6(0),                                   /* :: */
    V6(0xfe, 0x80, [15] = 0x01),             /* fe80::1 */
    V6(0xff, 0x02, [15] = 0x01),             /* ff02::1 */
};
static const struct core_addr dsts[4] = {
    V6(0xff, 0x02, [11] = 0x01, 0xff, 0, 0x01, 0), /* ff02::1:ff00:100 */
    V6(0x20, 0x01, 0x0d, 0xb8, [14] = 0x01),       /* 2001:db8::100 */
    V6(0xff, 0x02, [15] = 0x01),                   /* ff02::1 */
    V6(0xff, 0x02, [11] = 0x01, 0xff, 0, 0x01, 1), /* ff02::1:ff00:101 */
};
static const struct core_addr owned = V6(0x20, 0x01, 0x0d, 0xb8, [14] = 0x01);

static bool owns(void *ctx, const struct core_addr *a)
{
	(void)ctx;
	return core_addr_equal(a, &owned);
}

static bool nd_equal(const struct l2_nd *a, const struct l2_nd *b)
{
	return a->type == b->type && a->flags == b->flags &&
	       core_addr_equal(&a->target, &b->target) && a->has_lla == b->has_lla &&
	       (!a->has_lla || l2_mac_equal(&a->lla, &b->lla));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct l2_mac ours = {{2, 0, 0, 0, 0, 0x64}};
	static const struct core_addr me = V6(0xfe, 0x80, [15] = 0x64);
	uint8_t *copy, out[L2_ND_LEN];
	struct l2_ip6 ip, ans_ip;
	struct l2_nd nd, back, ans;
	size_t len, on;
	bool check;
	int r;

	if (size < 2)
		return 0;
	ip.hop_limit = data[0];
	check = data[1] & 1;
	ip.src = srcs[(data[1] >> 1) & 3];
	ip.dst = dsts[(data[1] >> 3) & 3];
	len = size - 2;
	copy = malloc(len ? len : 1);
	CHECK(copy);
	memcpy(copy, data + 2, len);
	r = l2_nd_decode(copy, len, &ip, check, &nd);
	CHECK(r == 0 || r == -EBADMSG);
	if (r == 0) {
		CHECK(ip.hop_limit == 255 && len >= 24);
		CHECK(l2_nd_encode(&ip, &nd, out, sizeof(out), &on) == 0);
		CHECK(l2_nd_decode(out, on, &ip, true, &back) == 0);
		CHECK(nd_equal(&nd, &back));
		switch (l2_nd_decide(&nd, &ip, &ours, &me, owns, NULL, &ans_ip, &ans)) {
		case L2_ANSWER:
			CHECK(nd.type == L2_ND_NS && owns(NULL, &nd.target));
			CHECK(ans_ip.dst.bytes[0] != 0xff || ans_ip.dst.bytes[15] == 1);
			CHECK(l2_nd_encode(&ans_ip, &ans, out, sizeof(out), &on) == 0);
			CHECK(l2_nd_decode(out, on, &ans_ip, true, &back) == 0);
			CHECK(nd_equal(&ans, &back) && back.type == L2_ND_NA);
			CHECK(back.has_lla && l2_mac_equal(&back.lla, &ours));
			break;
		case L2_CONFLICT:
			CHECK(nd.type == L2_ND_NA && owns(NULL, &nd.target));
			break;
		case L2_IGNORE:
			break;
		}
	}
	free(copy);
	return 0;
}
