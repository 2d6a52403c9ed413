/*
 * The ARP codec of layer 2 mode (l2/arp.h): byte-exact vectors written by
 * hand from RFC 826's packet layout and RFC 5227's announcement, hostile
 * vectors (every truncation, every wrong fixed field), and the decision
 * whether to answer: requests, probes, announcements, replies, spoofed
 * senders, our own packets looped back.
 */
#include <errno.h>

#include "l2/arp.h"
#include "test_l2_util.h"

/* A request (op 1) from 02:00:00:00:00:0a at 192.0.2.10 for 192.0.2.100. */
static const char *REQUEST = "0001 0800 06 04 0001"
                             "02000000000a c000020a"
                             "000000000000 c0000264";
/* Its reply (op 2) from 02:00:00:00:00:64, which owns 192.0.2.100. */
static const char *REPLY = "0001 0800 06 04 0002"
                           "020000000064 c0000264"
                           "02000000000a c000020a";
/* RFC 5227 section 3: the announcement of 192.0.2.100 by 02:00:00:00:00:64. */
static const char *ANNOUNCE = "0001 0800 06 04 0001"
                              "020000000064 c0000264"
                              "000000000000 c0000264";

static const char *OURS = "020000000064";

static void test_request_and_reply(void **state)
{
	uint8_t in[64], want[64], out[64];
	size_t n = hx(REQUEST, in, sizeof(in)), wn = hx(REPLY, want, sizeof(want));
	struct l2_arp a, r;
	struct l2_mac m = mac(OURS);
	struct owned o = {.a = {ip("192.0.2.100")}, .n = 1};

	(void)state;
	assert_int_equal(n, L2_ARP_LEN);
	assert_int_equal(l2_arp_decode(in, n, &a), 0);
	assert_int_equal(a.op, L2_ARP_REQUEST);
	assert_true(l2_mac_equal(&a.sha, &(struct l2_mac){{2, 0, 0, 0, 0, 0x0a}}));
	struct core_addr spa = ip("192.0.2.10"), tpa = ip("192.0.2.100");
	assert_true(core_addr_equal(&a.spa, &spa));
	assert_true(core_addr_equal(&a.tpa, &tpa));
	assert_true(l2_mac_is_zero(&a.tha));

	assert_int_equal(l2_arp_decide(&a, &m, owns, &o, &r), L2_ANSWER);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(l2_arp_encode(&r, out, sizeof(out)), 0);
	assert_memory_equal(out, want, wn);
	assert_int_equal(out[L2_ARP_LEN], 0xee); /* nothing written past it */

	/* Ethernet pads ARP to 46 bytes: accepted, ignored. */
	memset(in + n, 0, 18);
	assert_int_equal(l2_arp_decode(in, n + 18, &a), 0);
	assert_true(core_addr_equal(&a.tpa, &tpa));

	/* The reply decodes to what was encoded. */
	struct l2_arp back;
	assert_int_equal(l2_arp_decode(out, L2_ARP_LEN, &back), 0);
	assert_int_equal(back.op, L2_ARP_REPLY);
	assert_true(core_addr_equal(&back.spa, &tpa));
	assert_true(core_addr_equal(&back.tpa, &spa));
	assert_true(l2_mac_equal(&back.sha, &m));

	/* Short buffers. */
	assert_int_equal(l2_arp_encode(&r, out, L2_ARP_LEN - 1), -ENOBUFS);
	assert_int_equal(l2_arp_encode(&r, out, L2_ARP_LEN), 0);
	r.spa.family = AF_INET6;
	assert_int_equal(l2_arp_encode(&r, out, sizeof(out)), -EINVAL);
	r.spa.family = AF_INET;
	r.op = 3;
	assert_int_equal(l2_arp_encode(&r, out, sizeof(out)), -EINVAL);
}

static void test_announce(void **state)
{
	uint8_t want[64], out[64];
	size_t wn = hx(ANNOUNCE, want, sizeof(want));
	struct l2_arp a;
	struct l2_mac m = mac(OURS);
	struct core_addr addr = ip("192.0.2.100"), v6 = ip("2001:db8::1");

	(void)state;
	assert_int_equal(l2_arp_announce(&addr, &m, &a), 0);
	assert_int_equal(l2_arp_encode(&a, out, sizeof(out)), 0);
	assert_memory_equal(out, want, wn);
	assert_int_equal(l2_arp_announce(&v6, &m, &a), -EINVAL);
}

static void test_truncated(void **state)
{
	uint8_t in[64], *copy;
	size_t n = hx(REQUEST, in, sizeof(in));
	struct l2_arp a;

	(void)state;
	/* Every length short of 28, from an exact-size heap copy (ASan). */
	for (size_t len = 0; len < n; len++) {
		copy = malloc(len ? len : 1);
		memcpy(copy, in, len);
		memset(&a, 0x5a, sizeof(a));
		assert_int_equal(l2_arp_decode(copy, len, &a), -EBADMSG);
		assert_int_equal(a.op, 0x5a5a); /* untouched */
		free(copy);
	}
	assert_int_equal(l2_arp_decode(NULL, 28, &a), -EINVAL);
}

static void test_bad_fields(void **state)
{
	/* offset, value: each breaks one fixed field of the request. */
	static const struct {
		size_t off;
		uint8_t v;
	} bad[] = {
	    {1, 6},    /* htype 6 (IEEE 802) */
	    {0, 1},    /* htype 0x0101 */
	    {2, 0x86}, /* ptype 0x8600 */
	    {3, 0x06}, /* ptype 0x0806 */
	    {4, 8},    /* hlen 8 */
	    {4, 0},    /* hlen 0 */
	    {5, 16},   /* plen 16 */
	    {7, 0},    /* op 0 */
	    {7, 3},    /* op 3 (RARP request) */
	    {7, 8},    /* op 8 (InARP request) */
	    {6, 1},    /* op 0x0101 */
	};
	uint8_t in[64];
	size_t n = hx(REQUEST, in, sizeof(in));
	struct l2_arp a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t v[64];

		memcpy(v, in, n);
		v[bad[i].off] = bad[i].v;
		assert_int_equal(l2_arp_decode(v, n, &a), -EBADMSG);
	}
}

/* One decision: a packet in hex, whether it is answered. */
static enum l2_action decide(const char *hex, struct l2_arp *reply)
{
	uint8_t in[64];
	size_t n = hx(hex, in, sizeof(in));
	struct l2_arp a;
	struct l2_mac m = mac(OURS);
	struct owned o = {.a = {ip("192.0.2.100"), ip("192.0.2.101")}, .n = 2};

	assert_int_equal(l2_arp_decode(in, n, &a), 0);
	return l2_arp_decide(&a, &m, owns, &o, reply);
}

static void test_decide(void **state)
{
	struct l2_arp r;
	uint8_t out[L2_ARP_LEN], want[L2_ARP_LEN];

	(void)state;
	/* A request for an address not ours; for the second owned one. */
	assert_int_equal(decide("0001080006040001 02000000000a c000020a 000000000000 c0000201", &r),
	                 L2_IGNORE);
	assert_int_equal(decide("0001080006040001 02000000000a c000020a ffffffffffff c0000265", &r),
	                 L2_ANSWER);
	assert_int_equal(l2_arp_encode(&r, out, sizeof(out)), 0);
	hx("0001080006040002 020000000064 c0000265 02000000000a c000020a", want, sizeof(want));
	assert_memory_equal(out, want, L2_ARP_LEN);
	/* A probe (sender 0.0.0.0, RFC 5227 section 2.1.1) for ours: answered,
	 * to the prober, target address 0.0.0.0. */
	assert_int_equal(decide("0001080006040001 02000000000a 00000000 000000000000 c0000264", &r),
	                 L2_ANSWER);
	assert_int_equal(l2_arp_encode(&r, out, sizeof(out)), 0);
	hx("0001080006040002 020000000064 c0000264 02000000000a 00000000", want, sizeof(want));
	assert_memory_equal(out, want, L2_ARP_LEN);
	/* A probe for another address. */
	assert_int_equal(decide("0001080006040001 02000000000a 00000000 000000000000 c0000201", &r),
	                 L2_IGNORE);
	/* Someone else's announcement of ours, of another address. */
	assert_int_equal(decide("0001080006040001 02000000000a c0000264 000000000000 c0000264", &r),
	                 L2_CONFLICT);
	assert_int_equal(decide("0001080006040001 02000000000a c0000201 000000000000 c0000201", &r),
	                 L2_IGNORE);
	/* A request from another MAC with our address as sender: conflict, not
	 * answered even though the target is ours too. */
	assert_int_equal(decide("0001080006040001 02000000000a c0000265 000000000000 c0000264", &r),
	                 L2_CONFLICT);
	/* A reply claiming ours from another MAC; a reply for ours. */
	assert_int_equal(decide("0001080006040002 02000000000a c0000264 020000000064 c000020a", &r),
	                 L2_CONFLICT);
	assert_int_equal(decide("0001080006040002 02000000000a c000020a 020000000064 c0000264", &r),
	                 L2_IGNORE);
	/* Our own announcement and request, looped back. */
	assert_int_equal(decide(ANNOUNCE, &r), L2_IGNORE);
	assert_int_equal(decide("0001080006040001 020000000064 c0000264 000000000000 c0000265", &r),
	                 L2_IGNORE);
	/* A request for ours from a broadcast, a multicast or a zero MAC. */
	assert_int_equal(decide("0001080006040001 ffffffffffff c000020a 000000000000 c0000264", &r),
	                 L2_IGNORE);
	assert_int_equal(decide("0001080006040001 01005e000001 c000020a 000000000000 c0000264", &r),
	                 L2_IGNORE);
	assert_int_equal(decide("0001080006040001 000000000000 c000020a 000000000000 c0000264", &r),
	                 L2_IGNORE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_and_reply),
	    cmocka_unit_test(test_announce),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_bad_fields),
	    cmocka_unit_test(test_decide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
