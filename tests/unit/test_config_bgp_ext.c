/*
 * Issue 14's configuration: the community parsers (hostile text
 * included), Eip spec.bgp, BgpConf spec.linkBandwidthPerEndpoint, BgpPeer
 * authPasswordSecretRef and linkBandwidth, with their exact messages;
 * the smallest aggregation length of a pool; the equality helpers; and
 * the peer names checked across the set (cfg_set_validate), also when a
 * manifest's objects come in another order or another file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "config/config.h"

/* Lines 1-5; spec members start on line 6. */
#define HEAD(kind, name)                                                                           \
	"apiVersion: network.kubesphere.io/v1alpha2\nkind: " kind "\nmetadata:\n  name: " name     \
	"\nspec:\n"
/* lines 6-7: the bgp block's members start on line 8 */
#define EIP     HEAD("Eip", "pool") "  address: 192.0.2.0/24\n  bgp:\n"
#define EIP6    HEAD("Eip", "pool6") "  address: 2001:db8::/64\n  bgp:\n"
#define PEER    HEAD("BgpPeer", "tor1")
#define CONF_OK "  conf:\n    peerAs: 65001\n    neighborAddress: 192.0.2.5\n"
#define CONF    HEAD("BgpConf", "default")

/* ---- parsers ---- */

struct comm_ok {
	const char *s;
	uint32_t v;
};

static void test_community_good(void **state)
{
	static const struct comm_ok ok[] = {
	    {"0:0", 0},
	    {"65535:65535", 0xffffffff},
	    {"65000:100", 0xfde80064},
	    {"1:2", 0x00010002},
	    {"0:65535", 0x0000ffff},
	    {"65535:0", 0xffff0000},
	    {"no-export", 0xffffff01},
	    {"no-advertise", 0xffffff02},
	    {"no-export-subconfed", 0xffffff03},
	    {"no-peer", 0xffffff04},
	    {"blackhole", 0xffff029a},
	    {"graceful-shutdown", 0xffff0000},
	    {"llgr-stale", 0xffff0006},
	    {"no-llgr", 0xffff0007},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const char *why = NULL;
		uint32_t v = 0x5a5a5a5a;

		if (cfg_community_parse(ok[i].s, strlen(ok[i].s), &v, &why) != 0)
			fail_msg("%s: %s", ok[i].s, why);
		assert_int_equal(v, ok[i].v);
	}
	/* names and numbers are the same values */
	assert_string_equal(cfg_community_name(0xffffff01), "no-export");
	assert_string_equal(cfg_community_name(0xffff029a), "blackhole");
	assert_null(cfg_community_name(0xfde80064));
}

struct bad {
	const char *s;
	size_t len; /* 0: strlen */
	const char *why;
};

#define NEITHER                                                                                    \
	"is neither AS:VALUE (two numbers 0..65535) nor a well-known name (no-export, "            \
	"no-advertise, no-export-subconfed, no-peer, blackhole, graceful-shutdown, llgr-stale, "   \
	"no-llgr)"

static void test_community_bad(void **state)
{
	static const struct bad bad[] = {
	    {"65536:1", 0, "has an AS number (before ':') above 65535"},
	    {"1:65536", 0, "has a value (after ':') above 65535"},
	    {"4294967296:1", 0, "has an AS number (before ':') above 65535"},
	    {"99999999999999999999999:1", 0, "has an AS number (before ':') above 65535"},
	    {"1:", 0, "has no value (after ':')"},
	    {":1", 0, "has no AS number (before ':')"},
	    {":", 0, "has no AS number (before ':')"},
	    {"1:2:3", 0, "has three numbers: a large community, which goes in largeCommunities"},
	    {"large:1:2:3", 0,
	     "has three numbers: a large community, which goes in largeCommunities"},
	    {"1:2:3:4", 0, "has more than two numbers"},
	    {"1::2", 0, "has three numbers: a large community, which goes in largeCommunities"},
	    {"-1:2", 0, "has an AS number (before ':') that is not a decimal number"},
	    {"+1:2", 0, "has an AS number (before ':') that is not a decimal number"},
	    {"1:-2", 0, "has a value (after ':') that is not a decimal number"},
	    {" 1:2", 0, "has an AS number (before ':') that is not a decimal number"},
	    {"1:2 ", 0, "has a value (after ':') that is not a decimal number"},
	    {"1 :2", 0, "has an AS number (before ':') that is not a decimal number"},
	    {"1:2\n", 0, "has a value (after ':') that is not a decimal number"},
	    {"1.5:2", 0, "has an AS number (before ':') that is not a decimal number"},
	    {"0x10:1", 0, "has an AS number (before ':') that is not a decimal number"},
	    {"1e3:1", 0, "has an AS number (before ':') that is not a decimal number"},
	    /* fullwidth digit one, U+FF11 */
	    {"\xef\xbc\x91:2", 0, "has an AS number (before ':') that is not a decimal number"},
	    {"01:2", 0, "has a leading zero in the AS number (before ':')"},
	    {"1:00", 0, "has a leading zero in the value (after ':')"},
	    {"00:0", 0, "has a leading zero in the AS number (before ':')"},
	    {"no_export", 0, NEITHER},
	    {"NO-EXPORT", 0, NEITHER},
	    {"No-Export", 0, NEITHER},
	    {"no-export ", 0, NEITHER},
	    {" no-export", 0, NEITHER},
	    {"no-exportx", 0, NEITHER},
	    {"internet", 0, NEITHER},
	    {"local-AS", 0, NEITHER},
	    {"65000", 0, NEITHER},
	    {"", 0, "is empty"},
	    {"1:2\0", 4, "contains a NUL byte"},
	    {"\0", 1, "contains a NUL byte"},
	    {"no-export\0", 10, "contains a NUL byte"},
	    {"1\0:2", 4, "contains a NUL byte"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		uint32_t v = 0x5a5a5a5a;
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].s);

		if (cfg_community_parse(bad[i].s, len, &v, &why) != -EINVAL)
			fail_msg("case %zu accepted: %s", i, bad[i].s);
		assert_non_null(why);
		if (strcmp(why, bad[i].why) != 0)
			fail_msg("case %zu (%s): %s", i, bad[i].s, why);
		assert_int_equal(v, 0x5a5a5a5a); /* untouched */
	}
}

/* Huge text: bounded work, a plain "above" (no overflow of the value). */
static void test_community_huge(void **state)
{
	size_t n = 1 << 20;
	char *s = malloc(n + 3);
	const char *why = NULL;
	uint32_t v[3];

	(void)state;
	assert_non_null(s);
	memset(s, '7', n);
	memcpy(s + n, ":1", 3);
	assert_int_equal(cfg_community_parse(s, n + 2, v, &why), -EINVAL);
	assert_string_equal(why, "has an AS number (before ':') above 65535");
	memcpy(s + n, ":1", 3);
	s[n / 2] = ':';
	assert_int_equal(cfg_large_community_parse(s, n + 2, v, &why), -EINVAL);
	assert_string_equal(why, "has a global administrator (first number) above 4294967295");
	/* a million colons */
	memset(s, ':', n);
	assert_int_equal(cfg_community_parse(s, n, v, &why), -EINVAL);
	assert_string_equal(why, "has more than two numbers");
	assert_int_equal(cfg_large_community_parse(s, n, v, &why), -EINVAL);
	assert_string_equal(why, "has more than three numbers");
	free(s);
}

static void test_large_community(void **state)
{
	static const struct {
		const char *s;
		uint32_t v[3];
	} ok[] = {
	    {"0:0:0", {0, 0, 0}},
	    {"65000:1:2", {65000, 1, 2}},
	    {"4294967295:4294967295:4294967295", {0xffffffff, 0xffffffff, 0xffffffff}},
	    {"4200000000:0:4294967294", {4200000000u, 0, 4294967294u}},
	};
	static const struct bad bad[] = {
	    {"4294967296:1:2", 0, "has a global administrator (first number) above 4294967295"},
	    {"1:4294967296:2", 0, "has a local data part 1 (second number) above 4294967295"},
	    {"1:2:4294967296", 0, "has a local data part 2 (third number) above 4294967295"},
	    {"99999999999:1:1", 0, "has a global administrator (first number) above 4294967295"},
	    {"1:2", 0, "is not GLOBAL:LOCAL1:LOCAL2 (three numbers 0..4294967295)"},
	    {"no-export", 0, "is not GLOBAL:LOCAL1:LOCAL2 (three numbers 0..4294967295)"},
	    {"1:2:3:4", 0, "has more than three numbers"},
	    {"1::3", 0, "has no local data part 1 (second number)"},
	    {"1:2:", 0, "has no local data part 2 (third number)"},
	    {":2:3", 0, "has no global administrator (first number)"},
	    {"large:1:2:3", 0,
	     "starts with \"large:\" (MetalLB's spelling): write GLOBAL:LOCAL1:LOCAL2"},
	    {"01:2:3", 0, "has a leading zero in the global administrator (first number)"},
	    {"1:2:03", 0, "has a leading zero in the local data part 2 (third number)"},
	    {"1:2:3\n", 0, "has a local data part 2 (third number) that is not a decimal number"},
	    {"-1:2:3", 0, "has a global administrator (first number) that is not a decimal number"},
	    {"1:+2:3", 0, "has a local data part 1 (second number) that is not a decimal number"},
	    {" 1:2:3", 0, "has a global administrator (first number) that is not a decimal number"},
	    {"", 0, "is empty"},
	    {"1:2:3\0", 6, "contains a NUL byte"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const char *why = NULL;
		uint32_t v[3] = {1, 1, 1};

		if (cfg_large_community_parse(ok[i].s, strlen(ok[i].s), v, &why) != 0)
			fail_msg("%s: %s", ok[i].s, why);
		assert_memory_equal(v, ok[i].v, sizeof(v));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		uint32_t v[3] = {7, 7, 7}, seven[3] = {7, 7, 7};
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].s);

		if (cfg_large_community_parse(bad[i].s, len, v, &why) != -EINVAL)
			fail_msg("case %zu accepted: %s", i, bad[i].s);
		if (strcmp(why, bad[i].why) != 0)
			fail_msg("case %zu (%s): %s", i, bad[i].s, why);
		assert_memory_equal(v, seven, sizeof(v));
	}
}

/* ---- the smallest aggregation length of a pool ---- */

static void test_min_aggregation(void **state)
{
	static const struct {
		const char *pool;
		unsigned min;
	} cases[] = {
	    {"192.0.2.0/24", 24},
	    {"192.0.2.77/28", 28},
	    {"192.0.2.0/23", 23},
	    {"192.0.2.7", 32},
	    {"192.0.2.0", 32},
	    {"192.0.2.0/32", 32},
	    {"0.0.0.0/0", 0},
	    {"128.0.0.0/1", 1},
	    {"255.255.255.255", 32},
	    {"255.255.255.0/24", 24},
	    /* ranges: the smallest block of their CIDR cover */
	    {"192.0.2.0-192.0.2.127", 25},
	    {"192.0.2.0-192.0.2.255", 24},
	    {"192.0.2.128-192.0.3.255", 25},
	    {"192.0.2.1-192.0.2.4", 32},
	    {"192.0.2.4-192.0.2.7", 30},
	    {"192.0.2.0-192.0.2.254", 32},
	    {"0.0.0.0-255.255.255.255", 0},
	    {"2001:db8::/64", 64},
	    {"2001:db8::/32", 32},
	    {"2001:db8::1", 128},
	    {"::/0", 0},
	    {"2001:db8::-2001:db8::ff", 120},
	    {"2001:db8::100-2001:db8::1ff", 120},
	    {"2001:db8::10-2001:db8::ff", 124},
	    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120", 120},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct core_addr f, l;
		const char *why = NULL;

		if (cfg_eip_parse_address(cases[i].pool, &f, &l, &why) != 0)
			fail_msg("%s: %s", cases[i].pool, why);
		if (cfg_eip_min_aggregation(&f, &l) != cases[i].min)
			fail_msg("%s: %u, want %u", cases[i].pool, cfg_eip_min_aggregation(&f, &l),
			         cases[i].min);
	}
}

/* Brute force on a small space: the IPv4 ranges inside 192.0.2.0/27; an
 * aggregation length is allowed iff every block of that length meeting
 * the range lies inside it. */
static void test_min_aggregation_exhaustive(void **state)
{
	(void)state;
	for (unsigned a = 0; a < 32; a++) {
		for (unsigned b = a; b < 32; b++) {
			struct core_addr f = {.family = AF_INET}, l = {.family = AF_INET};
			unsigned want = 33;

			memcpy(f.bytes, "\xc0\x00\x02", 3);
			memcpy(l.bytes, "\xc0\x00\x02", 3);
			f.bytes[3] = (uint8_t)a;
			l.bytes[3] = (uint8_t)b;
			for (unsigned len = 0; len <= 32 && want == 33; len++) {
				/* blocks of 2^(32-len) addresses; past /27 the
				 * first meets outside 192.0.2.0/27 anyway */
				uint64_t size = 1ull << (32 - len);
				bool inside = len >= 27;

				for (unsigned x = a; inside && x <= b; x++) {
					uint64_t lo = x / size * size, hi = lo + size - 1;

					inside = lo >= a && hi <= b;
				}
				if (inside)
					want = len;
			}
			if (cfg_eip_min_aggregation(&f, &l) != want)
				fail_msg(".%u-.%u: %u, want %u", a, b,
				         cfg_eip_min_aggregation(&f, &l), want);
		}
	}
}

/* ---- decoders: exact messages ---- */

struct bad_case {
	const char *yaml;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
    /* ---- Eip spec.bgp ---- */
    {EIP "    communities: [\"65536:1\"]\n",
     "e.yaml:8: Eip pool: spec.bgp.communities[0]: \"65536:1\" has an AS number (before ':') "
     "above 65535"},
    {EIP "    communities:\n      - no-export\n      - \"1:\"\n",
     "e.yaml:10: Eip pool: spec.bgp.communities[1]: \"1:\" has no value (after ':')"},
    {EIP "    communities: [no_export]\n",
     "e.yaml:8: Eip pool: spec.bgp.communities[0]: \"no_export\" " NEITHER},
    {EIP "    communities: [\"65000:1:2\"]\n",
     "e.yaml:8: Eip pool: spec.bgp.communities[0]: \"65000:1:2\" has three numbers: a large "
     "community, which goes in largeCommunities"},
    /* the YAML reader refuses a NUL in any string (JSON: test_json_nul) */
    {EIP "    communities: [\"1:2\\0\"]\n", "e.yaml:8: NUL character in a string"},
    {EIP "    communities: [\"\\t1:2\"]\n",
     "e.yaml:8: Eip pool: spec.bgp.communities[0]: \"?1:2\" has an AS number (before ':') "
     "that is not a decimal number"},
    {EIP "    communities: [\"\"]\n", "e.yaml:8: Eip pool: spec.bgp.communities[0]: \"\" is empty"},
    {EIP "    communities: [1]\n", "e.yaml:8: Eip pool: spec.bgp.communities[0]: must be a string"},
    /* YAML reads 1:2 unquoted as a string (no sexagesimal in 1.2) */
    {EIP "    communities: [65535:65281, no-export]\n",
     "e.yaml:8: Eip pool: spec.bgp.communities[1]: \"no-export\" is the same community as "
     "communities[0]"},
    {EIP "    communities: \"1:2\"\n", "e.yaml:8: Eip pool: spec.bgp.communities: must be a list"},
    {EIP "    largeCommunities: [\"1:2:4294967296\"]\n",
     "e.yaml:8: Eip pool: spec.bgp.largeCommunities[0]: \"1:2:4294967296\" has a local data "
     "part 2 (third number) above 4294967295"},
    {EIP "    largeCommunities: [\"1:2:3\", \"1:2:3\"]\n",
     "e.yaml:8: Eip pool: spec.bgp.largeCommunities[1]: \"1:2:3\" is the same community as "
     "largeCommunities[0]"},
    {EIP "    largeCommunities: [\"65000:1\"]\n",
     "e.yaml:8: Eip pool: spec.bgp.largeCommunities[0]: \"65000:1\" is not "
     "GLOBAL:LOCAL1:LOCAL2 (three numbers 0..4294967295)"},
    {EIP "    localPref: 4294967296\n",
     "e.yaml:8: Eip pool: spec.bgp.localPref: must be 0..4294967295"},
    {EIP "    localPref: -1\n", "e.yaml:8: Eip pool: spec.bgp.localPref: must be 0..4294967295"},
    {EIP "    localPref: \"200\"\n", "e.yaml:8: Eip pool: spec.bgp.localPref: must be an integer"},
    {EIP "    aggregationLength: 33\n",
     "e.yaml:8: Eip pool: spec.bgp.aggregationLength: must be 0..32"},
    {EIP "    aggregationLength: 16\n",
     "e.yaml:8: Eip pool: spec.bgp.aggregationLength: 16 is shorter than the pool allows: an "
     "aggregate must lie inside 192.0.2.0/24, so at least 24"},
    {EIP "    aggregationLength: 23\n",
     "e.yaml:8: Eip pool: spec.bgp.aggregationLength: 23 is shorter than the pool allows: an "
     "aggregate must lie inside 192.0.2.0/24, so at least 24"},
    {EIP "    aggregationLengthV6: 129\n",
     "e.yaml:8: Eip pool: spec.bgp.aggregationLengthV6: must be 0..128"},
    {EIP6 "    aggregationLengthV6: 48\n",
     "e.yaml:8: Eip pool6: spec.bgp.aggregationLengthV6: 48 is shorter than the pool allows: "
     "an aggregate must lie inside 2001:db8::/64, so at least 64"},
    {HEAD("Eip", "r") "  address: 192.0.2.1-192.0.2.4\n  bgp:\n    aggregationLength: 30\n",
     "e.yaml:8: Eip r: spec.bgp.aggregationLength: 30 is shorter than the pool allows: an "
     "aggregate must lie inside 192.0.2.1-192.0.2.4, so at least 32"},
    {EIP "    peers: [tor1, \"\"]\n",
     "e.yaml:8: Eip pool: spec.bgp.peers[1]: must not be empty (a BgpPeer name)"},
    {EIP "    peers: [tor1, tor2, tor1]\n",
     "e.yaml:8: Eip pool: spec.bgp.peers[2]: \"tor1\" is listed twice (peers[0])"},
    {EIP "    peers: tor1\n", "e.yaml:8: Eip pool: spec.bgp.peers: must be a list"},
    {EIP "    nodeSelector:\n      matchLabels: {rack: r1}\n",
     "e.yaml:9: Eip pool: spec.bgp.nodeSelector.matchLabels: must be a string"},
    {EIP "    nodeSelector: [rack]\n",
     "e.yaml:8: Eip pool: spec.bgp.nodeSelector: must be a mapping"},
    {EIP "    linkBandwidth: yes\n",
     "e.yaml:8: Eip pool: spec.bgp.linkBandwidth: must be true or false"},
    {EIP "    communties: [no-export]\n", "e.yaml:8: Eip pool: spec.bgp.communties: unknown field"},
    {EIP "    ipAddressPools: [a]\n", "e.yaml:8: Eip pool: spec.bgp.ipAddressPools: unknown field"},
    {HEAD("Eip", "pool") "  address: 192.0.2.0/24\n  bgp: 1\n",
     "e.yaml:7: Eip pool: spec.bgp: must be a mapping"},
    {HEAD("Eip", "l2") "  address: 192.0.2.0/24\n  protocol: layer2\n  interface: eth0\n"
                       "  bgp: {localPref: 200}\n",
     "e.yaml:9: Eip l2: spec.bgp: only for protocol bgp (this pool is layer2)"},
    /* ---- BgpConf ---- */
    {CONF "  as: 65000\n  linkBandwidthPerEndpoint: 0\n",
     "e.yaml:7: BgpConf default: spec.linkBandwidthPerEndpoint: must be 1..4294967040 "
     "(bytes/s)"},
    {CONF "  as: 65000\n  linkBandwidthPerEndpoint: 4294967041\n",
     "e.yaml:7: BgpConf default: spec.linkBandwidthPerEndpoint: must be 1..4294967040 "
     "(bytes/s)"},
    {CONF "  as: 65000\n  linkBandwidthPerEndpoint: 0.5\n",
     "e.yaml:7: BgpConf default: spec.linkBandwidthPerEndpoint: must be an integer"},
    {CONF "  as: 65000\n  linkBandwidthPerEndpoint: \"1Mbit\"\n",
     "e.yaml:7: BgpConf default: spec.linkBandwidthPerEndpoint: must be an integer"},
    /* ---- BgpPeer ---- */
    {PEER CONF_OK "    authPasswordSecretRef: {name: bgp-auth}\n",
     "e.yaml:9: BgpPeer tor1: spec.conf.authPasswordSecretRef.key: required"},
    {PEER CONF_OK "    authPasswordSecretRef: {key: password}\n",
     "e.yaml:9: BgpPeer tor1: spec.conf.authPasswordSecretRef.name: required"},
    {PEER CONF_OK "    authPasswordSecretRef: {name: Bgp_Auth, key: password}\n",
     "e.yaml:9: BgpPeer tor1: spec.conf.authPasswordSecretRef.name: must be a Secret name: "
     "lower case letters, digits, '-' and '.', starting and ending with a letter or digit, at "
     "most 253"},
    {PEER CONF_OK "    authPasswordSecretRef: {name: bgp-auth, key: \"..pw\"}\n",
     "e.yaml:9: BgpPeer tor1: spec.conf.authPasswordSecretRef.key: must be a Secret data key: "
     "letters, digits, '-', '_' and '.', not \".\" nor starting with \"..\", at most 253"},
    {PEER CONF_OK "    authPasswordSecretRef: {name: bgp-auth, key: \"pw\\0x\"}\n",
     "e.yaml:9: NUL character in a string"},
    {PEER CONF_OK "    authPasswordSecretRef: {name: bgp-auth, key: pw, namespace: x}\n",
     "e.yaml:9: BgpPeer tor1: spec.conf.authPasswordSecretRef.namespace: unknown field"},
    {PEER CONF_OK "    authPassword: s3cret\n    authPasswordSecretRef: {name: a, key: b}\n",
     "e.yaml:10: BgpPeer tor1: spec.conf.authPasswordSecretRef: not with authPassword: give "
     "the password one way"},
    {PEER CONF_OK "    authPassword: \"ab\\0cd\"\n", "e.yaml:9: NUL character in a string"},
    {PEER CONF_OK "  linkBandwidth: {nonTransitive: 1}\n",
     "e.yaml:9: BgpPeer tor1: spec.linkBandwidth.nonTransitive: must be true or false"},
    {PEER CONF_OK "  linkBandwidth: {enabled: false}\n",
     "e.yaml:9: BgpPeer tor1: spec.linkBandwidth.enabled: unknown field"},
};

static void test_bad_objects(void **state)
{
	size_t failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct cfg_set s;
		struct cfg_error err;
		int rc;

		cfg_set_init(&s);
		rc = cfg_manifest_load_buf("e.yaml", c->yaml, strlen(c->yaml), &s, &err);
		if (rc != -EINVAL || strcmp(err.msg, c->msg) != 0) {
			print_error("case %zu: rc %d\n  got:  %s\n  want: %s\n", i, rc, err.msg,
			            c->msg);
			failed++;
		}
		assert_null(s.bgp_conf);
		assert_int_equal(s.n_peers + s.n_eips, 0);
		cfg_set_fini(&s);
	}
	assert_int_equal(failed, 0);
}

static void load_ok(const char *yaml, struct cfg_set *s)
{
	struct cfg_error err;

	cfg_set_init(s);
	if (cfg_manifest_load_buf("ok.yaml", yaml, strlen(yaml), s, &err) != 0)
		fail_msg("load failed: %s", err.msg);
}

/* Without spec.bgp, and with an empty one: the same defaults. */
static void test_eip_defaults(void **state)
{
	struct cfg_set a, b;

	(void)state;
	load_ok(HEAD("Eip", "pool") "  address: 192.0.2.0/24\n", &a);
	load_ok(EIP "    {}\n", &b);
	for (int k = 0; k < 2; k++) {
		const struct cfg_eip_bgp *g = k ? b.eips[0].bgp : a.eips[0].bgp;

		assert_int_equal(g->present, k == 1);
		assert_int_equal(g->n_communities + g->n_large_communities + g->n_peers, 0);
		assert_false(g->has_local_pref);
		assert_int_equal(g->aggregation_length, 32);
		assert_int_equal(g->aggregation_length_v6, 128);
		assert_int_equal(g->n_node_selectors, 0);
		assert_true(g->link_bandwidth);
		/* every node: no selector matches */
		assert_true(cfg_selectors_match(g->node_selectors, g->n_node_selectors, NULL));
	}
	assert_true(cfg_eip_bgp_equal(a.eips[0].bgp, b.eips[0].bgp));
	cfg_set_fini(&a);
	cfg_set_fini(&b);
}

/* The example, with two Services' worth of communities. */
static void test_eip_values(void **state)
{
	static const uint32_t comms[] = {0x00010002, 0xfde80064, 0xffff029a, 0xffffff01};
	static const uint32_t large[] = {65000, 1, 2, 65000, 1, 10, 4294967295u, 0, 0};
	struct cfg_map rack1 = {0}, rack2 = {0};
	struct cfg_kv kv1 = {"rack", "r1"}, kv2 = {"rack", "r2"};
	struct cfg_set s;
	const struct cfg_eip_bgp *g;

	(void)state;
	load_ok(EIP "    communities: [\"65000:100\", no-export, \"1:2\", blackhole]\n"
	            "    largeCommunities: [\"4294967295:0:0\", \"65000:1:10\", \"65000:1:2\"]\n"
	            "    localPref: 200\n    aggregationLength: 24\n    aggregationLengthV6: 64\n"
	            "    peers: [tor1, tor2]\n    nodeSelector: {rack: r1}\n"
	            "    linkBandwidth: false\n",
	        &s);
	g = s.eips[0].bgp;
	assert_true(g->present);
	/* sorted, whatever the order written */
	assert_int_equal(g->n_communities, 4);
	assert_memory_equal(g->communities, comms, sizeof(comms));
	assert_int_equal(g->n_large_communities, 3);
	assert_memory_equal(g->large_communities, large, sizeof(large));
	assert_true(g->has_local_pref);
	assert_int_equal(g->local_pref, 200);
	assert_int_equal(g->aggregation_length, 24);
	/* the other family's: range-checked only, kept */
	assert_int_equal(g->aggregation_length_v6, 64);
	assert_int_equal(g->n_peers, 2);
	assert_string_equal(g->peers[0], "tor1");
	assert_string_equal(g->peers[1], "tor2");
	assert_int_equal(g->n_node_selectors, 1);
	rack1.items = &kv1;
	rack1.n = 1;
	rack2.items = &kv2;
	rack2.n = 1;
	assert_true(cfg_selectors_match(g->node_selectors, g->n_node_selectors, &rack1));
	assert_false(cfg_selectors_match(g->node_selectors, g->n_node_selectors, &rack2));
	assert_false(cfg_selectors_match(g->node_selectors, g->n_node_selectors, NULL));
	assert_false(g->link_bandwidth);
	cfg_set_fini(&s);

	/* the edges of every range */
	load_ok(HEAD("Eip", "all") "  address: 0.0.0.0/0\n  bgp:\n    aggregationLength: 0\n"
	                           "    aggregationLengthV6: 0\n    localPref: 4294967295\n"
	                           "    communities: [\"0:0\", \"65535:65535\"]\n",
	        &s);
	g = s.eips[0].bgp;
	assert_int_equal(g->aggregation_length, 0);
	assert_int_equal(g->aggregation_length_v6, 0);
	assert_int_equal(g->local_pref, 4294967295u);
	cfg_set_fini(&s);
	load_ok(EIP6 "    aggregationLengthV6: 128\n    aggregationLength: 32\n    localPref: 0\n",
	        &s);
	g = s.eips[0].bgp;
	assert_int_equal(g->aggregation_length_v6, 128);
	assert_true(g->has_local_pref);
	assert_int_equal(g->local_pref, 0);
	cfg_set_fini(&s);
}

/* As many communities as the CRD allows, and one more. */
static void test_eip_community_limits(void **state)
{
	char yaml[8192];
	size_t off;
	struct cfg_set s;
	struct cfg_error err;

	(void)state;
	for (int extra = 0; extra < 2; extra++) {
		off = (size_t)snprintf(yaml, sizeof(yaml), "%s    communities:\n", EIP);
		for (int i = 0; i < CFG_EIP_MAX_COMMUNITIES + extra; i++)
			off += (size_t)snprintf(yaml + off, sizeof(yaml) - off,
			                        "      - \"1:%d\"\n", i);
		off += (size_t)snprintf(yaml + off, sizeof(yaml) - off, "    largeCommunities:\n");
		for (int i = 0; i < CFG_EIP_MAX_LARGE_COMMUNITIES; i++)
			off += (size_t)snprintf(yaml + off, sizeof(yaml) - off,
			                        "      - \"1:2:%d\"\n", i);
		assert_true(off < sizeof(yaml));
		cfg_set_init(&s);
		if (!extra) {
			if (cfg_manifest_load_buf("l.yaml", yaml, off, &s, &err) != 0)
				fail_msg("%s", err.msg);
			assert_int_equal(s.eips[0].bgp->n_communities, CFG_EIP_MAX_COMMUNITIES);
			assert_int_equal(s.eips[0].bgp->n_large_communities,
			                 CFG_EIP_MAX_LARGE_COMMUNITIES);
		} else {
			assert_int_equal(cfg_manifest_load_buf("l.yaml", yaml, off, &s, &err),
			                 -EINVAL);
			assert_string_equal(err.msg, "l.yaml:8: Eip pool: spec.bgp.communities: at "
			                             "most 64 communities");
		}
		cfg_set_fini(&s);
	}
	off = (size_t)snprintf(yaml, sizeof(yaml), "%s    largeCommunities:\n", EIP);
	for (int i = 0; i <= CFG_EIP_MAX_LARGE_COMMUNITIES; i++)
		off += (size_t)snprintf(yaml + off, sizeof(yaml) - off, "      - \"1:2:%d\"\n", i);
	cfg_set_init(&s);
	assert_int_equal(cfg_manifest_load_buf("l.yaml", yaml, off, &s, &err), -EINVAL);
	assert_string_equal(
	    err.msg, "l.yaml:8: Eip pool: spec.bgp.largeCommunities: at most 32 communities");
	cfg_set_fini(&s);
}

/* A huge community string: refused with a short, printable quote. */
static void test_eip_huge_community(void **state)
{
	size_t n = 100000;
	char *yaml = malloc(n + 256);
	struct cfg_set s;
	struct cfg_error err;
	int off;

	(void)state;
	assert_non_null(yaml);
	off = snprintf(yaml, 256, "%s    communities: [\"", EIP);
	memset(yaml + off, '9', n);
	memcpy(yaml + off + n, ":1\"]\n", 6);
	cfg_set_init(&s);
	assert_int_equal(cfg_manifest_load_buf("h.yaml", yaml, strlen(yaml), &s, &err), -EINVAL);
	assert_string_equal(err.msg, "h.yaml:8: Eip pool: spec.bgp.communities[0]: "
	                             "\"9999999999999999999999999999999999999999999999999999999999"
	                             "999999...\" has an AS number (before ':') above 65535");
	cfg_set_fini(&s);
	free(yaml);
}

static void test_conf_link_bw(void **state)
{
	struct cfg_set s;

	(void)state;
	load_ok(CONF "  as: 65000\n", &s);
	assert_int_equal(s.bgp_conf->link_bw_per_endpoint, 125000);
	cfg_set_fini(&s);
	load_ok(CONF "  as: 65000\n  linkBandwidthPerEndpoint: 1\n", &s);
	assert_int_equal(s.bgp_conf->link_bw_per_endpoint, 1);
	cfg_set_fini(&s);
	load_ok(CONF "  as: 65000\n  linkBandwidthPerEndpoint: 4294967040\n", &s);
	assert_int_equal(s.bgp_conf->link_bw_per_endpoint, 4294967040u);
	cfg_set_fini(&s);
}

static void test_conf_link_bw_no_reset(void **state)
{
	struct cfg_set a, b;

	(void)state;
	load_ok(CONF "  as: 65000\n", &a);
	load_ok(CONF "  as: 65000\n  linkBandwidthPerEndpoint: 1250000\n", &b);
	assert_true(cfg_bgp_conf_session_equal(a.bgp_conf, b.bgp_conf));
	cfg_set_fini(&a);
	cfg_set_fini(&b);
}

static void test_peer_values(void **state)
{
	struct cfg_set s;
	const struct cfg_bgp_peer *p;

	(void)state;
	load_ok(PEER CONF_OK, &s);
	p = &s.peers[0];
	assert_null(p->conf.auth_password_secret_ref.name);
	assert_null(p->conf.auth_password_secret_ref.key);
	assert_false(p->link_bw_non_transitive);
	cfg_set_fini(&s);

	load_ok(PEER CONF_OK "    authPasswordSecretRef: {name: bgp-auth.tor1, key: tor1.pw_2}\n"
	                     "  linkBandwidth: {nonTransitive: true}\n",
	        &s);
	p = &s.peers[0];
	assert_string_equal(p->conf.auth_password_secret_ref.name, "bgp-auth.tor1");
	assert_string_equal(p->conf.auth_password_secret_ref.key, "tor1.pw_2");
	assert_null(p->conf.auth_password);
	assert_true(p->link_bw_non_transitive);
	cfg_set_fini(&s);

	/* "" is no password (MetalLB's rule too): the reference may come with it */
	load_ok(PEER CONF_OK
	        "    authPassword: \"\"\n    authPasswordSecretRef: {name: a, key: .b}\n"
	        "  linkBandwidth: {}\n",
	        &s);
	assert_string_equal(s.peers[0].conf.auth_password_secret_ref.key, ".b");
	assert_false(s.peers[0].link_bw_non_transitive);
	cfg_set_fini(&s);
}

/* Secret names and keys, the Kubernetes rules. */
static void test_secret_ref_names(void **state)
{
	static const char *const good_names[] = {"a", "0", "bgp-auth", "a.b.c", "a-1.b-2", "9x"};
	static const char *const bad_names[] = {"A",   "-a",  "a-",   "a..b", ".a", "a.",
	                                        "a_b", "a b", "a.-b", "a-.b", "é"};
	static const char *const good_keys[] = {"a",    "A", "pw", ".pw",
	                                        "a..b", "-", "_",  "a.b-c_D9"};
	static const char *const bad_keys[] = {".", "..", "..a", "a b", "a/b", "a:b", "é"};
	char yaml[1024];

	(void)state;
	for (int kind = 0; kind < 4; kind++) {
		const char *const *list = kind == 0   ? good_names
		                          : kind == 1 ? bad_names
		                          : kind == 2 ? good_keys
		                                      : bad_keys;
		size_t n = kind == 0   ? sizeof(good_names) / sizeof(*good_names)
		           : kind == 1 ? sizeof(bad_names) / sizeof(*bad_names)
		           : kind == 2 ? sizeof(good_keys) / sizeof(*good_keys)
		                       : sizeof(bad_keys) / sizeof(*bad_keys);

		for (size_t i = 0; i < n; i++) {
			struct cfg_set s;
			struct cfg_error err;
			int rc;

			snprintf(yaml, sizeof(yaml),
			         PEER CONF_OK
			         "    authPasswordSecretRef: {name: \"%s\", key: \"%s\"}\n",
			         kind < 2 ? list[i] : "s", kind < 2 ? "k" : list[i]);
			cfg_set_init(&s);
			rc = cfg_manifest_load_buf("s.yaml", yaml, strlen(yaml), &s, &err);
			if ((rc == 0) != (kind % 2 == 0))
				fail_msg("%s %s: rc %d %s", kind < 2 ? "name" : "key", list[i], rc,
				         err.msg);
			if (rc)
				assert_non_null(
				    strstr(err.msg, kind < 2 ? ".name: must be a Secret name"
				                             : ".key: must be a Secret data"));
			cfg_set_fini(&s);
		}
	}
	/* 253 bytes is the limit of both */
	for (int len = 253; len <= 254; len++) {
		char long_name[300];
		struct cfg_set s;
		struct cfg_error err;

		memset(long_name, 'a', (size_t)len);
		long_name[len] = '\0';
		snprintf(yaml, sizeof(yaml),
		         PEER CONF_OK "    authPasswordSecretRef: {name: %s, key: %s}\n", long_name,
		         long_name);
		cfg_set_init(&s);
		assert_int_equal(cfg_manifest_load_buf("s.yaml", yaml, strlen(yaml), &s, &err),
		                 len == 253 ? 0 : -EINVAL);
		cfg_set_fini(&s);
	}
}

/* ---- equality: what resets a session, what re-announces ---- */

static void load_two(const char *a, const char *b, struct cfg_set *sa, struct cfg_set *sb)
{
	load_ok(a, sa);
	load_ok(b, sb);
}

static void test_peer_equality(void **state)
{
	static const struct {
		const char *b;
		bool session, routes;
	} cases[] = {
	    {PEER CONF_OK, true, true},
	    /* the same reference: nothing changes */
	    {PEER CONF_OK "    authPasswordSecretRef: {name: a, key: b}\n", false, true},
	    {PEER CONF_OK "  linkBandwidth: {nonTransitive: true}\n", true, false},
	    {PEER CONF_OK "  linkBandwidth: {nonTransitive: false}\n", true, true},
	    {PEER CONF_OK "    authPassword: x\n", false, true},
	};
	static const char *const refs[] = {
	    PEER CONF_OK "    authPasswordSecretRef: {name: a, key: b}\n",
	    PEER CONF_OK "    authPasswordSecretRef: {name: a, key: c}\n",
	    PEER CONF_OK "    authPasswordSecretRef: {name: z, key: b}\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfg_set sa, sb;

		load_two(PEER CONF_OK, cases[i].b, &sa, &sb);
		assert_int_equal(cfg_bgp_peer_session_equal(&sa.peers[0], &sb.peers[0]),
		                 cases[i].session);
		assert_int_equal(cfg_bgp_peer_session_equal(&sb.peers[0], &sa.peers[0]),
		                 cases[i].session);
		assert_int_equal(cfg_bgp_peer_routes_equal(&sa.peers[0], &sb.peers[0]),
		                 cases[i].routes);
		cfg_set_fini(&sa);
		cfg_set_fini(&sb);
	}
	/* another Secret or another key: another password, a new session */
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 3; j++) {
			struct cfg_set sa, sb;

			load_two(refs[i], refs[j], &sa, &sb);
			assert_int_equal(cfg_bgp_peer_session_equal(&sa.peers[0], &sb.peers[0]),
			                 i == j);
			cfg_set_fini(&sa);
			cfg_set_fini(&sb);
		}
}

static void test_eip_equality(void **state)
{
	static const char *const variants[] = {
	    EIP "    communities: [\"1:2\"]\n",
	    EIP "    communities: [\"1:3\"]\n",
	    EIP "    largeCommunities: [\"1:2:3\"]\n",
	    EIP "    localPref: 100\n",
	    EIP "    localPref: 0\n",
	    EIP "    aggregationLength: 24\n",
	    EIP "    aggregationLengthV6: 64\n",
	    EIP "    peers: [a]\n",
	    EIP "    peers: [a, b]\n",
	    EIP "    nodeSelector: {rack: r1}\n",
	    EIP "    nodeSelector: {rack: r2}\n",
	    EIP "    linkBandwidth: false\n",
	    EIP "    {}\n",
	};
	static const char *const same[][2] = {
	    /* sets: the order written does not matter */
	    {EIP "    communities: [\"1:2\", no-export]\n",
	     EIP "    communities: [\"65535:65281\", \"1:2\"]\n"},
	    {EIP "    largeCommunities: [\"1:2:3\", \"4:5:6\"]\n",
	     EIP "    largeCommunities: [\"4:5:6\", \"1:2:3\"]\n"},
	    {EIP "    peers: [a, b]\n", EIP "    peers: [b, a]\n"},
	    {EIP "    nodeSelector: {a: x, b: y}\n", EIP "    nodeSelector: {b: y, a: x}\n"},
	    /* an empty selector matches every node, as none does */
	    {EIP "    nodeSelector: {}\n", EIP "    {}\n"},
	    /* the defaults, written or not */
	    {EIP "    aggregationLength: 32\n    linkBandwidth: true\n", EIP "    {}\n"},
	};
	size_t n = sizeof(variants) / sizeof(variants[0]);

	(void)state;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			struct cfg_set sa, sb;

			load_two(variants[i], variants[j], &sa, &sb);
			if (cfg_eip_bgp_equal(sa.eips[0].bgp, sb.eips[0].bgp) != (i == j))
				fail_msg("variants %zu and %zu", i, j);
			cfg_set_fini(&sa);
			cfg_set_fini(&sb);
		}
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		struct cfg_set sa, sb;

		load_two(same[i][0], same[i][1], &sa, &sb);
		if (!cfg_eip_bgp_equal(sa.eips[0].bgp, sb.eips[0].bgp))
			fail_msg("same %zu", i);
		cfg_set_fini(&sa);
		cfg_set_fini(&sb);
	}
}

/* ---- across the set ---- */

#define EIP_PEERS(list) HEAD("Eip", "pool") "  address: 192.0.2.0/24\n  bgp:\n    peers: " list "\n"
#define PEER_NAMED(n)                                                                              \
	"---\n" HEAD("BgpPeer", n) "  conf:\n    peerAs: 65001\n    neighborAddress: 192.0.2.5\n"

static void test_set_validate(void **state)
{
	struct cfg_set s;
	struct cfg_error err;

	(void)state;
	/* the Eip before the peers it names: fine once all is loaded */
	load_ok(EIP_PEERS("[tor2, tor1]") PEER_NAMED("tor1") PEER_NAMED("tor2"), &s);
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_set_validate(&s, &err), 0);
	cfg_set_fini(&s);

	load_ok(EIP_PEERS("[tor1, tor3]") PEER_NAMED("tor1"), &s);
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_set_validate(&s, &err), -EINVAL);
	assert_string_equal(err.msg, "ok.yaml:1: Eip pool: spec.bgp.peers[1]: no BgpPeer \"tor3\"");
	cfg_set_fini(&s);

	/* no peers named: nothing to check, even without any BgpPeer */
	load_ok(EIP "    localPref: 1\n", &s);
	assert_int_equal(cfg_set_validate(&s, &err), 0);
	cfg_set_fini(&s);
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/berth-i14-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* The speaker's load: several files, the reference across them, all or
 * nothing. */
static void test_load_files_validates(void **state)
{
	char *eips = write_tmp(EIP_PEERS("[tor1, tor2]"));
	char *peers = write_tmp(PEER_NAMED("tor1") PEER_NAMED("tor2"));
	char *one_peer = write_tmp(PEER_NAMED("tor1"));
	const char *both[] = {eips, peers}, *short_of_one[] = {eips, one_peer};
	struct cfg_set running;
	struct cfg_error err;
	char want[512];

	(void)state;
	cfg_set_init(&running);
	assert_int_equal(cfg_manifest_load_files(both, 2, &running, &err), 0);
	assert_int_equal(running.n_peers, 2);
	assert_int_equal(running.n_eips, 1);
	/* tor2 gone: refused, naming file, object and field; the running set stays */
	assert_int_equal(cfg_manifest_load_files(short_of_one, 2, &running, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: Eip pool: spec.bgp.peers[1]: no BgpPeer \"tor2\"",
	         eips);
	assert_string_equal(err.msg, want);
	assert_int_equal(running.n_peers, 2);
	assert_int_equal(running.n_eips, 1);
	cfg_set_fini(&running);
	unlink(eips);
	unlink(peers);
	unlink(one_peer);
	free(eips);
	free(peers);
	free(one_peer);
}

/* One object at a time (cluster mode): no reference is checked. */
static void test_add_json_does_not_validate(void **state)
{
	json_t *o = json_pack("{ss ss s{ss} s{ss s{s[s]}}}", "apiVersion", CFG_OPENELB_API_VERSION,
	                      "kind", "Eip", "metadata", "name", "pool", "spec", "address",
	                      "192.0.2.0/24", "bgp", "peers", "nowhere");
	struct cfg_set s;
	struct cfg_error err;

	(void)state;
	assert_non_null(o);
	cfg_set_init(&s);
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_set_add_json(&s, o, &err), 0);
	assert_int_equal(s.n_eips, 1);
	assert_int_equal(cfg_set_validate(&s, &err), -EINVAL);
	assert_string_equal(err.msg, "Eip pool: spec.bgp.peers[0]: no BgpPeer \"nowhere\"");
	cfg_set_fini(&s);
	json_decref(o);
}

/* JSON (the API server's objects) may carry a NUL inside a string: the
 * decoders refuse it rather than read the string's first part. */
static void test_json_nul(void **state)
{
	static const struct {
		const char *where; /* spec member holding the string */
		const char *kind;
		const char *msg;
	} cases[] = {
	    {"community", "Eip", "Eip e: spec.bgp.communities[0]: \"1:2?\" contains a NUL byte"},
	    {"large", "Eip", "Eip e: spec.bgp.largeCommunities[0]: \"1:2?\" contains a NUL byte"},
	    {"peers", "Eip", "Eip e: spec.bgp.peers[0]: must not contain a NUL byte"},
	    {"password", "BgpPeer",
	     "BgpPeer p: spec.conf.authPassword: must not contain a NUL byte"},
	    {"name", "BgpPeer",
	     "BgpPeer p: spec.conf.authPasswordSecretRef.name: must be a Secret name: lower case "
	     "letters, digits, '-' and '.', starting and ending with a letter or digit, at most "
	     "253"},
	    {"key", "BgpPeer",
	     "BgpPeer p: spec.conf.authPasswordSecretRef.key: must be a Secret data key: letters, "
	     "digits, '-', '_' and '.', not \".\" nor starting with \"..\", at most 253"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *nul = json_stringn("1:2\0", 4), *spec, *o;
		struct cfg_set s;
		struct cfg_error err;
		const char *w = cases[i].where;

		if (!strcmp(cases[i].kind, "Eip")) {
			spec = json_pack("{ss s{}}", "address", "192.0.2.0/24", "bgp");
			json_object_set_new(json_object_get(spec, "bgp"),
			                    !strcmp(w, "community") ? "communities"
			                    : !strcmp(w, "large")   ? "largeCommunities"
			                                            : "peers",
			                    json_pack("[o]", nul));
		} else {
			json_t *conf =
			    json_pack("{si ss}", "peerAs", 1, "neighborAddress", "192.0.2.9");

			if (!strcmp(w, "password"))
				json_object_set_new(conf, "authPassword", nul);
			else
				json_object_set_new(
				    conf, "authPasswordSecretRef",
				    !strcmp(w, "name")
				        ? json_pack("{so ss}", "name", nul, "key", "k")
				        : json_pack("{ss so}", "name", "n", "key", nul));
			spec = json_pack("{so}", "conf", conf);
		}
		o = json_pack("{ss ss s{ss} so}", "apiVersion", CFG_OPENELB_API_VERSION, "kind",
		              cases[i].kind, "metadata", "name",
		              !strcmp(cases[i].kind, "Eip") ? "e" : "p", "spec", spec);
		assert_non_null(o);
		cfg_set_init(&s);
		cfg_error_init(&err, NULL, NULL);
		assert_int_equal(cfg_set_add_json(&s, o, &err), -EINVAL);
		if (strcmp(err.msg, cases[i].msg) != 0)
			fail_msg("%s: %s", w, err.msg);
		cfg_set_fini(&s);
		json_decref(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_community_good),
	    cmocka_unit_test(test_community_bad),
	    cmocka_unit_test(test_community_huge),
	    cmocka_unit_test(test_large_community),
	    cmocka_unit_test(test_min_aggregation),
	    cmocka_unit_test(test_min_aggregation_exhaustive),
	    cmocka_unit_test(test_bad_objects),
	    cmocka_unit_test(test_eip_defaults),
	    cmocka_unit_test(test_eip_values),
	    cmocka_unit_test(test_eip_community_limits),
	    cmocka_unit_test(test_eip_huge_community),
	    cmocka_unit_test(test_conf_link_bw),
	    cmocka_unit_test(test_conf_link_bw_no_reset),
	    cmocka_unit_test(test_peer_values),
	    cmocka_unit_test(test_secret_ref_names),
	    cmocka_unit_test(test_peer_equality),
	    cmocka_unit_test(test_eip_equality),
	    cmocka_unit_test(test_set_validate),
	    cmocka_unit_test(test_load_files_validates),
	    cmocka_unit_test(test_add_json_does_not_validate),
	    cmocka_unit_test(test_json_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
