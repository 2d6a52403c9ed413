#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "obs/listen.h"

static void check_v4(const char *s, const char *addr, uint16_t port)
{
	struct obs_listen l;
	const struct sockaddr_in *a = (const struct sockaddr_in *)&l.addr;
	char got[INET_ADDRSTRLEN];

	assert_int_equal(obs_listen_parse(s, &l), 0);
	assert_false(l.any);
	assert_int_equal(l.port, port);
	assert_int_equal(a->sin_family, AF_INET);
	assert_int_equal(ntohs(a->sin_port), port);
	assert_int_equal(l.addrlen, sizeof(*a));
	assert_non_null(inet_ntop(AF_INET, &a->sin_addr, got, sizeof(got)));
	assert_string_equal(got, addr);
}

static void check_v6(const char *s, const char *addr, uint16_t port, bool any)
{
	struct obs_listen l;
	const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&l.addr;
	char got[INET6_ADDRSTRLEN];

	assert_int_equal(obs_listen_parse(s, &l), 0);
	assert_int_equal(l.any, any);
	assert_int_equal(l.port, port);
	assert_int_equal(a->sin6_family, AF_INET6);
	assert_int_equal(ntohs(a->sin6_port), port);
	assert_int_equal(l.addrlen, sizeof(*a));
	assert_non_null(inet_ntop(AF_INET6, &a->sin6_addr, got, sizeof(got)));
	assert_string_equal(got, addr);
}

static void test_valid(void **state)
{
	check_v4("127.0.0.1:9443", "127.0.0.1", 9443);
	check_v4("0.0.0.0:0", "0.0.0.0", 0);
	check_v4("192.0.2.255:65535", "192.0.2.255", 65535);
	check_v4("10.0.0.1:00080", "10.0.0.1", 80);
	/* "[$(POD_IP)]:PORT" from a manifest, with an IPv4 pod address. */
	check_v4("[127.0.0.1]:80", "127.0.0.1", 80);
	check_v4("[192.0.2.7]:9444", "192.0.2.7", 9444);
	check_v6("[::1]:9443", "::1", 9443, false);
	check_v6("[::]:1", "::", 1, false);
	check_v6("[2001:db8::ff00:42:8329]:443", "2001:db8::ff00:42:8329", 443, false);
	check_v6("[::ffff:192.0.2.1]:80", "::ffff:192.0.2.1", 80, false);
	check_v6(":9443", "::", 9443, true);
	check_v6(":0", "::", 0, true);
}

static void test_hostile(void **state)
{
	static const char *const bad[] = {
	    "",
	    ":",
	    "9443",
	    "127.0.0.1",
	    "127.0.0.1:",
	    "127.0.0.1:65536",
	    "127.0.0.1:99999",
	    "127.0.0.1:123456",
	    "127.0.0.1:-1",
	    "127.0.0.1:+80",
	    "127.0.0.1: 80",
	    "127.0.0.1:80 ",
	    " 127.0.0.1:80",
	    "127.0.0.1:0x50",
	    "127.0.0.1:80:80",
	    "127.0.0.256:80",
	    "127.0.0:80",
	    "127.0.0.01:80", /* no octal-looking octets */
	    "localhost:80",  /* no host names */
	    "::1:9443",      /* bare IPv6 is ambiguous */
	    "::1",
	    "[::1]",
	    "[::1]:",
	    "[::1]9443",
	    "[::1]:x",
	    "[]:80",
	    "[:80",
	    "::1]:80",
	    "[::1]]:80",
	    "[[::1]]:80",
	    "[127.0.0.1]",
	    "[127.0.0.1]80",
	    "[127.0.0.1:80]",
	    "[127.0.0.256]:80",
	    "[fe80::1%eth0]:80", /* no zone ids */
	    "[::1]:80]",
	    "[::1::2]:80",
	    "[1:2:3:4:5:6:7:8:9]:80",
	    "1.2.3.4:80\n",
	    "\xff\xfe:80",
	};
	struct obs_listen l;
	char longs[OBS_LISTEN_MAX + 16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&l, 0xa5, sizeof(l));
		if (obs_listen_parse(bad[i], &l) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(((uint8_t *)&l)[0], 0xa5); /* out untouched */
	}
	assert_int_equal(obs_listen_parse(NULL, &l), -EINVAL);
	assert_int_equal(obs_listen_parse("127.0.0.1:1", NULL), -EINVAL);
	/* A long string with a valid tail is refused on length alone. */
	memset(longs, ' ', sizeof(longs));
	strcpy(longs + sizeof(longs) - 16, "127.0.0.1:80");
	assert_int_equal(obs_listen_parse(longs, &l), -EINVAL);
	/* A host part longer than any address, within the overall limit. */
	memset(longs, '1', OBS_LISTEN_MAX - 3);
	strcpy(longs + OBS_LISTEN_MAX - 3, ":80");
	assert_int_equal(strlen(longs), OBS_LISTEN_MAX);
	assert_int_equal(obs_listen_parse(longs, &l), -EINVAL);
	longs[0] = '[';
	longs[OBS_LISTEN_MAX - 4] = ']';
	assert_int_equal(obs_listen_parse(longs, &l), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
