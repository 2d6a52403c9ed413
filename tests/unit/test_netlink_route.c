/*
 * RTM_GETROUTE for layer 2 mode's "can_reach:IP": the request against
 * hand-written byte layouts (as `ip route get` sends it), short buffers
 * and bad arguments; the reply decoder against replies captured from a
 * Linux 6.x kernel (a link route, a route through a gateway, a local
 * address, IPv6 of both kinds) and hostile variants of them. Byte
 * layouts are compared on little-endian hosts (netlink is host order).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "netlink/nl.h"
#include "test_hex.h"

#define LE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

static uint32_t wbuf[1024]; /* aligned scratch */

static struct core_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct core_addr x = {.family = AF_INET, .bytes = {a, b, c, d}};

	return x;
}

static struct core_addr v6_doc(uint8_t b5, uint8_t last)
{
	struct core_addr x = {.family = AF_INET6, .bytes = {0x20, 0x01, 0x0d, 0xb8, 0, b5}};

	x.bytes[15] = last;
	return x;
}

static void test_get_encode_layouts(void **state)
{
	struct core_addr a = v4(192, 0, 2, 1), b = v6_doc(0, 7);
	static const uint8_t want4[] = {
	    0x24, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x05, 0x00, /* len 36, RTM_GETROUTE, REQ|ACK */
	    0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* seq 7, pid 0 */
	    0x02, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* AF_INET, dst_len 32 */
	    0x00, 0x00, 0x00, 0x00,                         /* rtm_flags */
	    0x08, 0x00, 0x01, 0x00, 0xc0, 0x00, 0x02, 0x01, /* RTA_DST */
	};
	static const uint8_t want6[] = {
	    0x30, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x05, 0x00, 0x08, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x80, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, /* AF_INET6 /128, RTA_DST */
	    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x07,
	};
	int n;

	n = nl_route_get_encode(wbuf, sizeof(wbuf), 7, &a);
	assert_int_equal(n, (int)sizeof(want4));
	if (LE)
		assert_memory_equal(wbuf, want4, sizeof(want4));
	n = nl_route_get_encode(wbuf, sizeof(wbuf), 8, &b);
	assert_int_equal(n, (int)sizeof(want6));
	if (LE)
		assert_memory_equal(wbuf, want6, sizeof(want6));
}

static void test_get_encode_short_and_bad(void **state)
{
	struct core_addr a = v4(192, 0, 2, 1), b = v6_doc(0, 7), none = {0};

	/* Every length short of the message is -ENOBUFS, never an overrun
	 * (the canary past the given length stays). */
	for (size_t len = 0; len < 48; len++) {
		uint8_t *p = (uint8_t *)wbuf;
		int want = len < 36 ? -ENOBUFS : 36;

		memset(wbuf, 0xa5, sizeof(wbuf));
		assert_int_equal(nl_route_get_encode(wbuf, len, 1, &a), want);
		assert_int_equal(p[len], 0xa5);
		memset(wbuf, 0xa5, sizeof(wbuf));
		assert_int_equal(nl_route_get_encode(wbuf, len, 1, &b), -ENOBUFS);
		assert_int_equal(p[len], 0xa5);
	}
	assert_int_equal(nl_route_get_encode(wbuf, 48, 1, &b), 48);
	assert_int_equal(nl_route_get_encode(wbuf, sizeof(wbuf), 1, &none), -EINVAL);
	assert_int_equal(nl_route_get_encode(wbuf, sizeof(wbuf), 1, NULL), -EINVAL);
	none.family = AF_PACKET;
	assert_int_equal(nl_route_get_encode(wbuf, sizeof(wbuf), 1, &none), -EINVAL);
}

/* Replies of Linux 6.18 to the requests above, in a namespace whose only
 * link (ifindex 2) holds 192.0.2.11/24 and 2001:db8::11/64, default
 * routes via 192.0.2.1 and 2001:db8::1. */
static const char *const k_v4_link = /* ip route get 192.0.2.7 */
    "68000000 1800 0000 07000000 f84a0000"
    "02 20 00 00 fe 00 00 01 00020000"
    "0800 0f00 fe000000" /* RTA_TABLE 254 */
    "0800 0100 c0000207" /* RTA_DST */
    "0800 0400 02000000" /* RTA_OIF 2 */
    "0800 0700 c000020b" /* RTA_PREFSRC */
    "0800 1900 00000000" /* RTA_UID */
    "2400 0c00 0200000000000000000000000000000000000000000000000000000000000000";
static const char *const k_v4_gw = /* ip route get 203.0.113.9 */
    "70000000 1800 0000 07000000 3b4b0000"
    "02 20 00 00 fe 00 00 01 00020000"
    "0800 0f00 fe000000 0800 0100 cb007109 0800 0400 02000000 0800 0700 c000020b"
    "0800 0500 c0000201" /* RTA_GATEWAY */
    "0800 1900 00000000"
    "2400 0c00 0200000000000000000000000000000000000000000000000000000000000000";
static const char *const k_v4_local = /* ip route get 192.0.2.11 */
    "68000000 1800 0000 07000000 7f4b0000"
    "02 20 00 00 fe 00 00 02 00020080"
    "0800 0f00 fe000000 0800 0100 c000020b"
    "0800 0400 01000000" /* lo */
    "0800 0700 c000020b 0800 1900 00000000"
    "2400 0c00 0100000000000000000000000000000000000000000000000000000000000000";
static const char *const k_v6_gw = /* ip route get 2001:db8:5::1 */
    "b0000000 1800 0000 07000000 fe4b0000"
    "0a 80 80 00 fe 03 00 01 00000000"
    "0800 0f00 fe000000"
    "1400 0100 20010db8000500000000000000000001"
    "1400 0200 00000000000000000000000000000000" /* RTA_SRC :: */
    "1400 0700 20010db8000000000000000000000011"
    "0800 0600 00040000"                         /* RTA_PRIORITY 1024 */
    "1400 0500 20010db8000000000000000000000001" /* RTA_GATEWAY */
    "0800 0400 02000000"
    "2400 0c00 0200000000000000000000000000000000000000000000000000000000000000"
    "0500 1400 00000000"; /* RTA_PREF */

static struct nlmsghdr *load(const char *hex)
{
	size_t n = hx(hex, (uint8_t *)wbuf, sizeof(wbuf));
	struct nlmsghdr *nlh = (struct nlmsghdr *)wbuf;

	assert_int_equal(nlh->nlmsg_len, n);
	return nlh;
}

static void test_decode_kernel_replies(void **state)
{
	struct core_addr gw4 = v4(192, 0, 2, 1), gw6 = v6_doc(0, 1);
	struct nl_route r;

	if (!LE)
		skip();
	assert_int_equal(nl_route_decode(load(k_v4_link), &r), 0);
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.type, RTN_UNICAST);
	assert_int_equal(r.table, RT_TABLE_MAIN);
	assert_int_equal(r.oif, 2);
	assert_false(r.has_gateway);

	assert_int_equal(nl_route_decode(load(k_v4_gw), &r), 0);
	assert_int_equal(r.type, RTN_UNICAST);
	assert_int_equal(r.oif, 2);
	assert_true(r.has_gateway);
	assert_memory_equal(&r.gateway, &gw4, sizeof(gw4));

	assert_int_equal(nl_route_decode(load(k_v4_local), &r), 0);
	assert_int_equal(r.type, RTN_LOCAL);
	assert_int_equal(r.oif, 1);

	assert_int_equal(nl_route_decode(load(k_v6_gw), &r), 0);
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(r.type, RTN_UNICAST);
	assert_int_equal(r.oif, 2);
	assert_true(r.has_gateway);
	assert_memory_equal(&r.gateway, &gw6, sizeof(gw6));
}

/* The same reply through nl_reply_decode, followed by the ACK, as one
 * datagram: what nl_route_get reads. */
struct got {
	int calls;
	struct nl_route r;
};

static int on_route(const struct nlmsghdr *nlh, void *arg)
{
	struct got *g = arg;

	g->calls++;
	return nl_route_decode(nlh, &g->r);
}

static void test_decode_in_reply(void **state)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	struct nl_reply rep;
	struct got g = {0};
	size_t len;

	if (!LE)
		skip();
	nlh = load(k_v4_gw);
	nlh->nlmsg_pid = 100;
	len = MNL_ALIGN(nlh->nlmsg_len);
	nlh = mnl_nlmsg_put_header((char *)wbuf + len);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = 7;
	nlh->nlmsg_pid = 100;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = 0;
	len += nlh->nlmsg_len;
	nl_reply_init(&rep, 7, 100, false);
	assert_int_equal(nl_reply_decode(&rep, wbuf, len, on_route, &g), 0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.r.oif, 2);
	assert_true(g.r.has_gateway);

	/* No route: the kernel's ENETUNREACH, no data message. */
	memset(&g, 0, sizeof(g));
	nlh = mnl_nlmsg_put_header(wbuf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = 7;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -ENETUNREACH;
	nl_reply_init(&rep, 7, 0, false);
	assert_int_equal(nl_reply_decode(&rep, wbuf, nlh->nlmsg_len, on_route, &g), -ENETUNREACH);
	assert_int_equal(g.calls, 0);
}

static void test_decode_built(void **state)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct nl_route r;
	struct core_addr gw = v6_doc(0, 0xfe);

	memset(wbuf, 0, sizeof(wbuf));
	nlh = mnl_nlmsg_put_header(wbuf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET6;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_table = RT_TABLE_COMPAT; /* the table id is in RTA_TABLE */
	mnl_attr_put_u32(nlh, RTA_TABLE, 1000);
	mnl_attr_put(nlh, RTA_GATEWAY, 16, gw.bytes);
	mnl_attr_put_u32(nlh, 99, 0xdeadbeef); /* unknown: skipped */
	mnl_attr_put_u32(nlh, RTA_OIF, 5);
	assert_int_equal(nl_route_decode(nlh, &r), 0);
	assert_int_equal(r.table, 1000);
	assert_int_equal(r.oif, 5);
	assert_memory_equal(&r.gateway, &gw, sizeof(gw));

	/* Without RTA_OIF (a blackhole answers that way on some kernels). */
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*rtm));
	rtm->rtm_type = RTN_BLACKHOLE;
	assert_int_equal(nl_route_decode(nlh, &r), 0);
	assert_int_equal(r.oif, 0);
	assert_int_equal(r.type, RTN_BLACKHOLE);
	assert_false(r.has_gateway);
	assert_int_equal(r.table, RT_TABLE_COMPAT);
}

static void test_decode_hostile(void **state)
{
	static const struct nl_route zero;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct nlattr *a;
	struct nl_route r;
	uint32_t v;

	memset(wbuf, 0, sizeof(wbuf));
	nlh = mnl_nlmsg_put_header(wbuf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_type = RTN_UNICAST;
	a = (struct nlattr *)((char *)wbuf + nlh->nlmsg_len);
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	assert_int_equal(nl_route_decode(nlh, &r), 0);
	assert_int_equal(r.oif, 3);

	nlh->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(nl_route_decode(nlh, &r), -ENOMSG);
	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm->rtm_family = AF_PACKET;
	assert_int_equal(nl_route_decode(nlh, &r), -EAFNOSUPPORT);
	rtm->rtm_family = AF_INET;

	/* An RTA_OIF of the wrong size, 0, or past INT32_MAX. */
	a->nla_len = 6;
	nlh->nlmsg_len -= 2;
	assert_int_equal(nl_route_decode(nlh, &r), -EBADMSG);
	assert_memory_equal(&r, &zero, sizeof(r));
	a->nla_len = 8;
	nlh->nlmsg_len += 2;
	for (int i = 0; i < 2; i++) {
		v = i ? 0x80000000u : 0;
		memcpy(a + 1, &v, 4);
		assert_int_equal(nl_route_decode(nlh, &r), -EBADMSG);
		assert_memory_equal(&r, &zero, sizeof(r));
	}
	v = 3;
	memcpy(a + 1, &v, 4);

	/* The attribute claims more than the message holds. */
	a->nla_len = 12;
	assert_int_equal(nl_route_decode(nlh, &r), -EBADMSG);
	a->nla_len = 8;

	/* A gateway of the other family's length. */
	mnl_attr_put(nlh, RTA_GATEWAY, 16, v6_doc(0, 1).bytes);
	assert_int_equal(nl_route_decode(nlh, &r), -EBADMSG);

	/* Every cut of the message short of its rtmsg, or through an
	 * attribute, is refused; the cut right after the rtmsg is a route
	 * without attributes. */
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*rtm)) + 8;
	assert_int_equal(nl_route_decode(nlh, &r), 0);
	for (uint32_t cut = MNL_NLMSG_HDRLEN, full = nlh->nlmsg_len; cut < full; cut++) {
		bool bare = cut == MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*rtm));

		nlh->nlmsg_len = cut;
		assert_int_equal(nl_route_decode(nlh, &r), bare ? 0 : -EBADMSG);
		nlh->nlmsg_len = full;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get_encode_layouts),
	    cmocka_unit_test(test_get_encode_short_and_bad),
	    cmocka_unit_test(test_decode_kernel_replies),
	    cmocka_unit_test(test_decode_in_reply),
	    cmocka_unit_test(test_decode_built),
	    cmocka_unit_test(test_decode_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
