/*
 * IPAM address parsing and formatting, 128-bit helpers, and the interval
 * set checked against a brute-force model (the hash map's model test is
 * test_core_map's, as the map is core_map now).
 */
#include "test_ipam_util.h"

#include "controller/ipam_int.h"

static void test_addr_parse_ok(void **state)
{
	struct core_addr a;
	char buf[CORE_ADDR_STRLEN];

	assert_int_equal(ipam_addr_parse("192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.bytes[0], 192);
	assert_int_equal(a.bytes[3], 1);
	assert_int_equal(a.bytes[4], 0);
	assert_int_equal(core_addr_format(&a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "192.0.2.1");

	assert_int_equal(ipam_addr_parse("2001:DB8::1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(core_addr_format(&a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2001:db8::1");
	assert_int_equal(ipam_addr_parse("::", &a), 0);
	assert_int_equal(ipam_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &a), 0);
	/* IPv4-compatible (deprecated) is just an IPv6 address. */
	assert_int_equal(ipam_addr_parse("::1.2.3.4", &a), 0);
	assert_int_equal(a.family, AF_INET6);
}

static void test_addr_parse_hostile(void **state)
{
	static const char *bad[] = {
	    "",           " 1.2.3.4",
	    "1.2.3.4 ",   "010.0.0.1",
	    "1.2.3",      "1.2.3.4.5",
	    "256.0.0.1",  "0x1.2.3.4",
	    "-1.2.3.4",   "::ffff:1.2.3.4", /* IPv4-mapped */
	    "::FFFF:0:0", "fe80::1%eth0",
	    "1::2::3",    "1:2:3:4:5:6:7:8:9",
	    "12345::",    "1.2.3.4/32",
	    "abc",        "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa",
	};
	struct core_addr a = {.family = 77};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ipam_addr_parse(bad[i], &a) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(a.family, 77); /* untouched on failure */
	assert_int_equal(ipam_addr_parse(NULL, &a), -EINVAL);
	assert_int_equal(ipam_addr_parse("1.2.3.4", NULL), -EINVAL);

	char buf[4];
	struct core_addr b = A("1.2.3.4"), junk = {.family = 99};
	assert_int_equal(core_addr_format(&b, buf, sizeof(buf)), -ENOSPC);
	assert_int_equal(core_addr_format(&junk, buf, sizeof(buf)), -EINVAL);
}

static void test_addr_cmp(void **state)
{
	struct core_addr a = A("10.0.0.1"), b = A("10.0.0.2"), c = A("::1"), d = A("::2");

	assert_true(core_addr_cmp(&a, &b) < 0);
	assert_true(core_addr_cmp(&b, &a) > 0);
	assert_int_equal(core_addr_cmp(&a, &a), 0);
	assert_true(core_addr_cmp(&b, &c) < 0); /* v4 before v6 */
	assert_true(core_addr_cmp(&c, &a) > 0);
	assert_true(core_addr_cmp(&c, &d) < 0);
}

static void range(const char *spec, const char *first, const char *last)
{
	struct ipam_range r;

	if (ipam_range_parse(spec, &r) != 0)
		fail_msg("refused \"%s\"", spec);
	assert_string_equal(S(&r.first), first);
	assert_string_equal(S(&r.last), last);
}

static void test_range_parse_ok(void **state)
{
	range("192.0.2.7", "192.0.2.7", "192.0.2.7");
	range("192.0.2.0/24", "192.0.2.0", "192.0.2.255");
	range("192.0.2.128/25", "192.0.2.128", "192.0.2.255");
	range("192.0.2.7/32", "192.0.2.7", "192.0.2.7");
	range("0.0.0.0/0", "0.0.0.0", "255.255.255.255");
	range("10.0.0.0/7", "10.0.0.0", "11.255.255.255");
	range("192.0.2.10-192.0.2.20", "192.0.2.10", "192.0.2.20");
	range("  192.0.2.10 - 192.0.2.20\t", "192.0.2.10", "192.0.2.20");
	range("192.0.2.10-192.0.2.10", "192.0.2.10", "192.0.2.10");
	range("2001:db8::/64", "2001:db8::", "2001:db8::ffff:ffff:ffff:ffff");
	range("2001:db8::/127", "2001:db8::", "2001:db8::1");
	range("2001:db8::5/128", "2001:db8::5", "2001:db8::5");
	range("::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	range("2001:db8::1-2001:db8::1:0", "2001:db8::1", "2001:db8::1:0");
	range("2001:db8:0:0:8000::/65", "2001:db8:0:0:8000::", "2001:db8::ffff:ffff:ffff:ffff");
}

static void test_range_parse_hostile(void **state)
{
	static const char *bad[] = {
	    "",
	    "   ",
	    "192.0.2.5/24", /* host bits set: ambiguous */
	    "192.0.2.0/33",
	    "192.0.2.0/",
	    "/24",
	    "192.0.2.0/024",
	    "192.0.2.0/+24",
	    "192.0.2.0/-1",
	    "192.0.2.0/24/24",
	    "192.0.2.0/2 4",
	    "192.0.2.0/1000",
	    "2001:db8::/129",
	    "2001:db8::1/64",
	    "192.0.2.20-192.0.2.10", /* reversed */
	    "192.0.2.1-2001:db8::1", /* mixed families */
	    "192.0.2.1-",
	    "-192.0.2.1",
	    "192.0.2.1--192.0.2.2",
	    "192.0.2.1-192.0.2.2-192.0.2.3",
	    "192.0.2.0/24-192.0.3.0",
	    "::ffff:10.0.0.0/104",
	    "::ffff:10.0.0.1-::ffff:10.0.0.9",
	    "1.2.3.4\n",
	    "1.2.3.4,1.2.3.5",
	};
	struct ipam_range r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ipam_range_parse(bad[i], &r) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(ipam_range_parse(NULL, &r), -EINVAL);

	/* Padding that would be truncated must not shorten an address. */
	char big[400];
	memset(big, ' ', sizeof(big));
	strcpy(big + sizeof(big) - 10, "1.2.3.45");
	assert_int_equal(ipam_range_parse(big, &r), -EINVAL);
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ipam_range_parse(big, &r), -EINVAL);
}

static void test_u128_dec(void **state)
{
	char buf[48];

	u128_to_dec((struct u128){0, 0}, buf);
	assert_string_equal(buf, "0");
	u128_to_dec((struct u128){0, 1234567890123ull}, buf);
	assert_string_equal(buf, "1234567890123");
	u128_to_dec((struct u128){0, UINT64_MAX}, buf);
	assert_string_equal(buf, "18446744073709551615");
	u128_to_dec((struct u128){1, 0}, buf);
	assert_string_equal(buf, "18446744073709551616");
	u128_to_dec((struct u128){UINT64_MAX, UINT64_MAX}, buf);
	assert_string_equal(buf, "340282366920938463463374607431768211455");
	u128_to_dec((struct u128){0x0123456789abcdefull, 0xfedcba9876543210ull}, buf);
	assert_string_equal(buf, "1512366075204170947332355369683137040");

	strcpy(buf, "999");
	dec_add_u64(buf, sizeof(buf), 1);
	assert_string_equal(buf, "1000");
	strcpy(buf, "0");
	dec_add_u64(buf, sizeof(buf), UINT64_MAX);
	assert_string_equal(buf, "18446744073709551615");
	strcpy(buf, "340282366920938463463374607431768211456");
	dec_add_u64(buf, sizeof(buf), 4294967296ull);
	assert_string_equal(buf, "340282366920938463463374607436063178752");

	struct u128 a = {1, 0}, b = {0, 1};
	assert_true(u128_eq(u128_sub(a, b), ((struct u128){0, UINT64_MAX})));
	assert_true(u128_eq(u128_inc((struct u128){0, UINT64_MAX}), a));
	assert_true(u128_cmp(a, b) > 0);
}

/* Random add/del on a 300-address universe against a bool array. */
static void test_iset_model(void **state)
{
	enum { U = 300 };
	bool model[U] = {false};
	struct ipam_iset s = {0};
	uint32_t rng = 12345;

	for (int step = 0; step < 20000; step++) {
		rng = rng * 1103515245u + 12345u;
		unsigned x = (rng >> 8) % U;
		struct u128 v = {0, x};

		assert_int_equal(ipam_iset_reserve(&s, 1), 0);
		if (model[x])
			ipam_iset_del(&s, v);
		else
			ipam_iset_add(&s, v);
		model[x] = !model[x];

		if (step % 97)
			continue;
		/* Structure: sorted, disjoint, never adjacent. */
		for (size_t i = 0; i < s.n; i++) {
			assert_true(u128_cmp(s.v[i].first, s.v[i].last) <= 0);
			if (i)
				assert_true(s.v[i - 1].last.lo + 1 < s.v[i].first.lo);
		}
		unsigned from = (rng >> 4) % U, to = from + (rng >> 12) % (U - from);
		uint64_t cnt = 0;
		int free_at = -1;
		for (unsigned y = 0; y < U; y++) {
			assert_int_equal(ipam_iset_has(&s, (struct u128){0, y}), model[y]);
			if (y >= from && y <= to) {
				cnt += model[y];
				if (!model[y] && free_at < 0)
					free_at = (int)y;
			}
		}
		struct u128 got;
		assert_int_equal(ipam_iset_count(&s, (struct u128){0, from}, (struct u128){0, to}),
		                 cnt);
		bool found =
		    ipam_iset_next_free(&s, (struct u128){0, from}, (struct u128){0, to}, &got);
		assert_int_equal(found, free_at >= 0);
		if (found)
			assert_int_equal(got.lo, (uint64_t)free_at);
	}
	ipam_iset_fini(&s);
}

static void test_iset_edges(void **state)
{
	struct ipam_iset s = {0};
	struct u128 max = {UINT64_MAX, UINT64_MAX}, zero = {0, 0}, got;

	assert_int_equal(ipam_iset_reserve(&s, 4), 0);
	ipam_iset_add(&s, max);
	ipam_iset_add(&s, zero);
	assert_false(ipam_iset_next_free(&s, max, max, &got));
	assert_true(ipam_iset_next_free(&s, zero, max, &got));
	assert_true(u128_eq(got, ((struct u128){0, 1})));
	ipam_iset_add(&s, (struct u128){UINT64_MAX, UINT64_MAX - 1});
	assert_int_equal(s.n, 2);
	assert_int_equal(ipam_iset_count(&s, zero, max), 3);
	/* A count across the 2^64 boundary. */
	ipam_iset_add(&s, (struct u128){0, UINT64_MAX});
	ipam_iset_add(&s, (struct u128){1, 0});
	assert_int_equal(ipam_iset_count(&s, (struct u128){0, 5}, (struct u128){2, 0}), 2);
	assert_int_equal(ipam_iset_reserve(&s, 1), 0);
	ipam_iset_del(&s, max);
	assert_false(ipam_iset_has(&s, max));
	assert_true(ipam_iset_next_free(&s, (struct u128){UINT64_MAX, 0}, max, &got));
	assert_true(u128_eq(got, ((struct u128){UINT64_MAX, 0})));
	ipam_iset_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_parse_ok),
	    cmocka_unit_test(test_addr_parse_hostile),
	    cmocka_unit_test(test_addr_cmp),
	    cmocka_unit_test(test_range_parse_ok),
	    cmocka_unit_test(test_range_parse_hostile),
	    cmocka_unit_test(test_u128_dec),
	    cmocka_unit_test(test_iset_model),
	    cmocka_unit_test(test_iset_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
