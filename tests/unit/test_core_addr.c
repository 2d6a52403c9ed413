/*
 * core_addr: text round trips (IPv4, IPv6, v4-mapped), what parse refuses
 * (blanks, garbage, zones, over-long text), the order of core_addr_cmp over
 * a sorted table, lengths, and sockaddr conversions.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/addr.h"

static struct core_addr A(const char *s) {
	struct core_addr a;

	if (core_addr_parse(s, &a) != 0)
		fail_msg("refused \"%s\"", s);
	return a;
}

/* text in -> canonical text out -> the same address */
static void
test_round_trip(void **state)
{
	static const struct {
		const char *in, *out;
		int family;
	} t[] = {
	    {"192.0.2.1", "192.0.2.1", AF_INET},
	    {"0.0.0.0", "0.0.0.0", AF_INET},
	    {"255.255.255.255", "255.255.255.255", AF_INET},
	    {"2001:db8::1", "2001:db8::1", AF_INET6},
	    {"2001:DB8:0:0:0:0:0:1", "2001:db8::1", AF_INET6},       /* RFC 5952 4.3, 4.2.1 */
	    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", AF_INET6}, /* RFC 5952 4.2.3 */
	    {"2001:0db8::0001", "2001:db8::1", AF_INET6},            /* RFC 5952 4.1 */
	    {"::", "::", AF_INET6},
	    {"::1", "::1", AF_INET6},
	    {"fe80::1", "fe80::1", AF_INET6},
	    {"::ffff:192.0.2.1", "::ffff:192.0.2.1", AF_INET6}, /* v4-mapped stays IPv6 */
	    {"::FFFF:c000:201", "::ffff:192.0.2.1", AF_INET6},
	    {"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", /* 45 bytes: the longest */
	     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AF_INET6},
	};
	char buf[CORE_ADDR_STRLEN];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct core_addr a = A(t[i].in), b;

		assert_int_equal(a.family, t[i].family);
		for (size_t k = core_af_len(a.family); k < sizeof(a.bytes); k++)
			assert_int_equal(a.bytes[k], 0);
		assert_int_equal(core_addr_format(&a, buf, sizeof(buf)), 0);
		assert_string_equal(buf, t[i].out);
		assert_string_equal(core_addr_str(&a, buf), t[i].out);
		b = A(buf);
		assert_true(core_addr_equal(&a, &b));
		assert_memory_equal(&a, &b, sizeof(a));
	}
	struct core_addr m = A("::ffff:192.0.2.1"), v4 = A("192.0.2.1");

	assert_true(core_addr_is_v4mapped(&m));
	assert_false(core_addr_is_v4mapped(&v4));
	assert_false(core_addr_equal(&m, &v4));
	m = A("::1.2.3.4"); /* IPv4-compatible (deprecated): just IPv6 */
	assert_false(core_addr_is_v4mapped(&m));
	m = A("::fffe:192.0.2.1");
	assert_false(core_addr_is_v4mapped(&m));
}

static void test_parse_hostile(void **state)
{
	static const char *bad[] = {
	    "",
	    " 192.0.2.1",
	    "192.0.2.1 ",
	    "192.0.2.1\n",
	    "192.0.2.1\t",
	    "192.0.2.1/32",
	    "192.0.2.1:179",
	    "192.0.2.1x",
	    "x192.0.2.1",
	    "192.0.2",
	    "192.0.2.1.5",
	    "192.0.2.256",
	    "010.0.0.1",
	    "0x1.2.3.4",
	    "-1.2.3.4",
	    "1e2.0.0.1",
	    "192.0.2.1\x01",
	    "192,0,2,1",
	    /* zones (RFC 4007 section 11): refused, see core/addr.h */
	    "fe80::1%eth0",
	    "fe80::1%1",
	    "fe80::1%",
	    "::ffff:192.0.2.1%eth0",
	    /* IPv6 garbage */
	    "2001:db8::1::",
	    "1::2::3",
	    "1:2:3:4:5:6:7:8:9",
	    "12345::",
	    "2001:db8::g",
	    ":::",
	    "[2001:db8::1]",
	    "2001:db8::1/128",
	    "2001:db8::1 ",
	    "::ffff:192.0.2",
	    "::ffff:192.0.2.01",
	    "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa",
	    /* 46 bytes: a valid form padded past the longest one */
	    "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2550",
	    "0000:0000:0000:0000:0000:0000:0000:0000:0000:",
	    "host.example",
	    "localhost",
	};
	struct core_addr a = {.family = 77, .bytes = {9}};
	char huge[4096];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (core_addr_parse(bad[i], &a) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	/* far too long, valid-looking prefix */
	memset(huge, '1', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	memcpy(huge, "192.0.2.1", 9);
	assert_int_equal(core_addr_parse(huge, &a), -EINVAL);
	memcpy(huge, "::", 2);
	assert_int_equal(core_addr_parse(huge, &a), -EINVAL);
	assert_int_equal(core_addr_parse(NULL, &a), -EINVAL);
	assert_int_equal(core_addr_parse("192.0.2.1", NULL), -EINVAL);
	/* untouched on failure */
	assert_int_equal(a.family, 77);
	assert_int_equal(a.bytes[0], 9);
}

static void test_format_errors(void **state)
{
	struct core_addr v4 = A("192.0.2.1"), v6 = A("2001:db8::1"), junk = {.family = 99},
	                 none = {0};
	char buf[CORE_ADDR_STRLEN], small[4];

	assert_int_equal(core_addr_format(&v4, small, sizeof(small)), -ENOSPC);
	assert_int_equal(core_addr_format(&v4, buf, strlen("192.0.2.1")), -ENOSPC);
	assert_int_equal(core_addr_format(&v4, buf, strlen("192.0.2.1") + 1), 0);
	assert_string_equal(buf, "192.0.2.1");
	assert_int_equal(core_addr_format(&v6, buf, strlen("2001:db8::1") + 1), 0);
	assert_int_equal(core_addr_format(&junk, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(core_addr_format(&none, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(core_addr_format(NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(core_addr_format(&v4, NULL, sizeof(buf)), -EINVAL);
	assert_int_equal(core_addr_format(&v4, buf, 0), -EINVAL);
	assert_string_equal(core_addr_str(&junk, buf), "?");
	assert_string_equal(core_addr_str(&none, buf), "?");
	assert_string_equal(core_addr_str(NULL, buf), "?");
}

/* Every pair of a sorted table compares as its indexes do. */
static void test_cmp_order(void **state)
{
	static const char *sorted[] = {
	    "0.0.0.0",
	    "0.0.0.1",
	    "192.0.2.1",
	    "192.0.2.255",
	    "198.51.100.0",
	    "255.255.255.255",
	    "::",
	    "::1",
	    "::ffff:0.0.0.0",
	    "2001:db8::",
	    "2001:db8::1",
	    "2001:db8:0:1::",
	    "fe80::1",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	enum { N = sizeof(sorted) / sizeof(sorted[0]) + 1 };
	struct core_addr v[N] = {{0}}; /* v[0]: family 0, before everything */

	for (size_t i = 1; i < N; i++)
		v[i] = A(sorted[i - 1]);
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < N; j++) {
			int c = core_addr_cmp(&v[i], &v[j]);

			if ((i < j && c >= 0) || (i > j && c <= 0) || (i == j && c != 0))
				fail_msg("cmp(%zu, %zu) = %d", i, j, c);
			assert_int_equal(core_addr_equal(&v[i], &v[j]), i == j);
		}
	/* Only the family's bytes count: IPv4 ignores bytes 4..15. */
	struct core_addr x = A("192.0.2.1"), y = x;

	y.bytes[4] = 0xff;
	y.bytes[15] = 1;
	assert_int_equal(core_addr_cmp(&x, &y), 0);
	assert_true(core_addr_equal(&x, &y));
	/* Same bytes, other family: different. */
	struct core_addr z = A("c000:201::");

	assert_int_equal(memcmp(x.bytes, z.bytes, 4), 0);
	assert_false(core_addr_equal(&x, &z));
	assert_true(core_addr_cmp(&x, &z) < 0);
}

static void test_len_bits(void **state)
{
	assert_int_equal(core_af_len(AF_INET), 4);
	assert_int_equal(core_af_len(AF_INET6), 16);
	assert_int_equal(core_af_len(0), 0);
	assert_int_equal(core_af_len(AF_UNIX), 0);
	assert_int_equal(core_af_len(255), 0);
	assert_int_equal(core_af_len(-1), 0);
	assert_int_equal(core_af_bits(AF_INET), 32);
	assert_int_equal(core_af_bits(AF_INET6), 128);
	assert_int_equal(core_af_bits(0), 0);
	assert_int_equal(core_af_bits(AF_PACKET), 0);
	assert_int_equal(CORE_ADDR_STRLEN, INET6_ADDRSTRLEN);
}

static void test_sockaddr(void **state)
{
	struct core_addr v4 = A("192.0.2.1"), v6 = A("2001:db8::1"), back, none = {0};
	struct sockaddr_storage ss;
	uint16_t port = 0;

	assert_int_equal(core_addr_to_sockaddr(&v4, 179, &ss), sizeof(struct sockaddr_in));
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_port, htons(179));
	assert_int_equal(core_addr_from_sockaddr(&ss, &back, &port), 0);
	assert_int_equal(port, 179);
	assert_memory_equal(&back, &v4, sizeof(v4));

	assert_int_equal(core_addr_to_sockaddr(&v6, 1179, &ss), sizeof(struct sockaddr_in6));
	assert_int_equal(core_addr_from_sockaddr(&ss, &back, NULL), 0);
	assert_memory_equal(&back, &v6, sizeof(v6));

	/* a dual-stack socket's IPv4 peer comes back as IPv4 */
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct core_addr mapped = A("::ffff:192.0.2.1");

	core_addr_to_sockaddr(&mapped, 0, &ss);
	assert_true(IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr));
	assert_int_equal(core_addr_from_sockaddr(&ss, &back, NULL), 0);
	assert_memory_equal(&back, &v4, sizeof(v4));

	assert_int_equal(core_addr_to_sockaddr(&none, 179, &ss), 0);
	assert_int_equal(ss.ss_family, 0);
	ss.ss_family = AF_UNIX;
	assert_int_equal(core_addr_from_sockaddr(&ss, &back, NULL), -EAFNOSUPPORT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_parse_hostile),
	    cmocka_unit_test(test_format_errors), cmocka_unit_test(test_cmp_order),
	    cmocka_unit_test(test_len_bits),      cmocka_unit_test(test_sockaddr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
