/*
 * Netlink request encoders: messages against hand-written byte layouts
 * (as iproute2 sends them; compared on little-endian hosts), every short
 * buffer, bad arguments. Replies: test_netlink_decode.c.
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

#include "netlink/nl.h"

#define LE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

static uint32_t wbuf[1024]; /* aligned scratch for requests */

static struct core_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct core_addr x = {.family = AF_INET, .bytes = {a, b, c, d}};

	return x;
}

static struct core_addr v6_doc(uint8_t last)
{
	struct core_addr x = {.family = AF_INET6, .bytes = {0x20, 0x01, 0x0d, 0xb8}};

	x.bytes[15] = last;
	return x;
}

static void assert_encoded(int n, const uint8_t *want, size_t want_len)
{
	assert_int_equal(n, (int)want_len);
	if (LE)
		assert_memory_equal(wbuf, want, want_len);
}

static void test_addr_new_v4_layout(void **state)
{
	struct nl_addr a = {.ifindex = 7, .prefixlen = 32, .addr = v4(192, 0, 2, 1)};
	static const uint8_t want[] = {
	    0x30, 0x00, 0x00, 0x00,
	    0x14, 0x00, 0x05, 0x06, /* len 48, RTM_NEWADDR, REQ|ACK|EXCL|CREATE */
	    0x04, 0x03, 0x02, 0x01,
	    0x00, 0x00, 0x00, 0x00, /* seq, pid */
	    0x02, 0x20, 0x00, 0x00,
	    0x07, 0x00, 0x00, 0x00, /* AF_INET /32 flags 0 scope 0, ifindex 7 */
	    0x08, 0x00, 0x02, 0x00,
	    0xc0, 0x00, 0x02, 0x01, /* IFA_LOCAL */
	    0x08, 0x00, 0x01, 0x00,
	    0xc0, 0x00, 0x02, 0x01, /* IFA_ADDRESS */
	    0x08, 0x00, 0x08, 0x00,
	    0x00, 0x02, 0x00, 0x00, /* IFA_FLAGS NOPREFIXROUTE */
	};

	assert_encoded(nl_addr_new_encode(wbuf, sizeof(wbuf), 0x01020304, &a), want, sizeof(want));
}

static void test_addr_new_v6_layout(void **state)
{
	struct nl_addr a = {.ifindex = 7, .prefixlen = 128, .addr = v6_doc(1)};
	static const uint8_t want[] = {
	    0x34, 0x00, 0x00, 0x00, 0x14, 0x00, 0x05, 0x06, 0x09, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x0a, 0x80, 0x02, 0x00, 0x07, 0x00, 0x00, 0x00, /* /128, NODAD */
	    0x14, 0x00, 0x01, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,       /* IFA_ADDRESS */
	    0x08, 0x00, 0x08, 0x00, 0x02, 0x02, 0x00, 0x00, /* IFA_FLAGS NODAD|NOPREFIXROUTE */
	};

	assert_encoded(nl_addr_new_encode(wbuf, sizeof(wbuf), 9, &a), want, sizeof(want));
}

static void test_addr_del_layout(void **state)
{
	struct nl_addr a = {.ifindex = 3, .prefixlen = 32, .addr = v4(198, 51, 100, 9)};
	static const uint8_t want[] = {
	    0x28, 0x00, 0x00, 0x00, 0x15, 0x00, 0x05, 0x00, /* RTM_DELADDR, REQ|ACK */
	    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20, 0x00,
	    0x00, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00, 0x02, 0x00, 0xc6, 0x33,
	    0x64, 0x09, 0x08, 0x00, 0x01, 0x00, 0xc6, 0x33, 0x64, 0x09,
	};

	assert_encoded(nl_addr_del_encode(wbuf, sizeof(wbuf), 2, &a), want, sizeof(want));
}

static void test_link_layouts(void **state)
{
	static const uint8_t want_new[] = {
	    0x40, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06, 0x01, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* flags IFF_UP, change IFF_UP */
	    0x0d, 0x00, 0x03, 0x00, 'k',  'u',  'b',  'e',  '-',  'l',  'b',  '0',
	    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x12, 0x80, /* IFLA_LINKINFO, NLA_F_NESTED */
	    0x0a, 0x00, 0x01, 0x00, 'd',  'u',  'm',  'm',  'y',  0x00, 0x00, 0x00,
	};
	static const uint8_t want_get[] = {
	    0x28, 0x00, 0x00, 0x00, 0x12, 0x00, 0x05, 0x00, /* RTM_GETLINK, REQ|ACK */
	    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x08, 0x00, 0x03, 0x00, 'l',  'b',  '0',  0x00, /* IFLA_IFNAME "lb0" */
	};
	static const uint8_t want_del[] = {
	    0x20, 0x00, 0x00, 0x00, 0x11, 0x00, 0x05, 0x00, 0x03, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t want_up[] = {
	    0x20, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x00, 0x04, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00,
	    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	};
	static const uint8_t want_dump[] = {
	    0x18, 0x00, 0x00, 0x00, 0x16, 0x00, 0x01, 0x03, /* RTM_GETADDR, REQ|DUMP */
	    0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};

	assert_encoded(nl_link_new_encode(wbuf, sizeof(wbuf), 1, "kube-lb0", "dummy"), want_new,
	               sizeof(want_new));
	assert_encoded(nl_link_get_encode(wbuf, sizeof(wbuf), 2, "lb0"), want_get,
	               sizeof(want_get));
	assert_encoded(nl_link_del_encode(wbuf, sizeof(wbuf), 3, 42), want_del, sizeof(want_del));
	assert_encoded(nl_link_up_encode(wbuf, sizeof(wbuf), 4, 42), want_up, sizeof(want_up));
	assert_encoded(nl_addr_dump_encode(wbuf, sizeof(wbuf), 5), want_dump, sizeof(want_dump));
}

/* Every buffer shorter than the message: -ENOBUFS, and not one byte
 * written past the length given. */
static void test_short_buffers(void **state)
{
	struct nl_addr a4 = {.ifindex = 7, .prefixlen = 32, .addr = v4(192, 0, 2, 1)};
	struct nl_addr a6 = {.ifindex = 7, .prefixlen = 128, .addr = v6_doc(1)};

	for (int which = 0; which < 7; which++) {
		int full = 0;

		for (size_t len = 0;; len++) {
			uint8_t *b = (uint8_t *)wbuf;
			int n;

			memset(wbuf, 0xaa, sizeof(wbuf));
			switch (which) {
			case 0:
				n = nl_addr_new_encode(wbuf, len, 1, &a4);
				break;
			case 1:
				n = nl_addr_new_encode(wbuf, len, 1, &a6);
				break;
			case 2:
				n = nl_addr_del_encode(wbuf, len, 1, &a6);
				break;
			case 3:
				n = nl_link_new_encode(wbuf, len, 1, "kube-lb0", "dummy");
				break;
			case 4:
				n = nl_link_get_encode(wbuf, len, 1, "kube-lb0");
				break;
			case 5:
				n = nl_link_up_encode(wbuf, len, 1, 9);
				break;
			default:
				n = nl_addr_dump_encode(wbuf, len, 1);
				break;
			}
			for (size_t i = len; i < sizeof(wbuf); i++)
				assert_int_equal(b[i], 0xaa);
			if (n > 0) {
				full = n;
				assert_int_equal((size_t)n, len);
				break;
			}
			assert_int_equal(n, -ENOBUFS);
			assert_true(len < 200);
		}
		assert_true(full > 0);
	}
}

static void test_bad_arguments(void **state)
{
	static const char *const bad_names[] = {
	    "", "0123456789abcdef", ".", "..", "a/b", "a:b", "a b", "a\tb", "x\n"};
	struct nl_addr a = {.ifindex = 7, .prefixlen = 32, .addr = v4(192, 0, 2, 1)};

	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		assert_int_equal(nl_link_get_encode(wbuf, sizeof(wbuf), 1, bad_names[i]), -EINVAL);
		assert_int_equal(nl_link_new_encode(wbuf, sizeof(wbuf), 1, bad_names[i], "dummy"),
		                 -EINVAL);
	}
	assert_int_equal(nl_link_get_encode(wbuf, sizeof(wbuf), 1, NULL), -EINVAL);
	assert_true(nl_link_get_encode(wbuf, sizeof(wbuf), 1, "0123456789abcde") > 0);
	assert_int_equal(nl_link_new_encode(wbuf, sizeof(wbuf), 1, "x", ""), -EINVAL);
	assert_int_equal(nl_link_new_encode(wbuf, sizeof(wbuf), 1, "x", NULL), -EINVAL);
	assert_int_equal(nl_link_up_encode(wbuf, sizeof(wbuf), 1, 0), -EINVAL);
	assert_int_equal(nl_link_del_encode(wbuf, sizeof(wbuf), 1, -1), -EINVAL);

	assert_true(nl_addr_new_encode(wbuf, sizeof(wbuf), 1, &a) > 0);
	a.prefixlen = 33;
	assert_int_equal(nl_addr_new_encode(wbuf, sizeof(wbuf), 1, &a), -EINVAL);
	a.prefixlen = 32;
	a.ifindex = 0;
	assert_int_equal(nl_addr_del_encode(wbuf, sizeof(wbuf), 1, &a), -EINVAL);
	a.ifindex = 7;
	a.addr.family = AF_UNSPEC;
	assert_int_equal(nl_addr_new_encode(wbuf, sizeof(wbuf), 1, &a), -EINVAL);
	a.addr = v6_doc(1);
	a.prefixlen = 129;
	assert_int_equal(nl_addr_new_encode(wbuf, sizeof(wbuf), 1, &a), -EINVAL);
	a.prefixlen = 64;
	assert_true(nl_addr_new_encode(wbuf, sizeof(wbuf), 1, &a) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_new_v4_layout), cmocka_unit_test(test_addr_new_v6_layout),
	    cmocka_unit_test(test_addr_del_layout),    cmocka_unit_test(test_link_layouts),
	    cmocka_unit_test(test_short_buffers),      cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
