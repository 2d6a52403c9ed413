/*
 * MetalLB's kinds in config/: the decoders (MetalLB's rules, errors naming
 * file, object and field), hostile input, the rules across objects in a
 * manifest (cfg_set_validate) and in cluster mode (cfg_set_resolve leaves
 * out what breaks them and says so), the lowering onto pools and peers,
 * the notes, the MetalLB namespace, durations and community text.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "config/config.h"

#define NS "  namespace: metallb-system\n"
#define POOL(n, a)                                                                                 \
	"apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: " n "\n" NS       \
	"spec:\n  addresses: [" a "]\n"
#define PEER(n)                                                                                    \
	"apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata:\n  name: " n "\n" NS "spec:\n"
#define PEER_OK "  myASN: 64512\n  peerASN: 64513\n  peerAddress: 192.0.2.1\n"
#define BADV(n)                                                                                    \
	"apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata:\n  name: " n "\n" NS    \
	"spec:\n"
#define L2ADV(n)                                                                                   \
	"apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: " n "\n" NS     \
	"spec:\n"
#define BFD(n)                                                                                     \
	"apiVersion: metallb.io/v1beta1\nkind: BFDProfile\nmetadata:\n  name: " n "\n" NS "spec:"  \
	"\n"
#define COMM(n)                                                                                    \
	"apiVersion: metallb.io/v1beta1\nkind: Community\nmetadata:\n  name: " n "\n" NS "spec:\n"
#define EIP(n, a)                                                                                  \
	"apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata:\n  name: " n             \
	"\nspec:\n  address: " a "\n"

/* Loads yaml as a manifest is (validated, lowered); 0 or the error. */
static int load(const char *yaml, struct cfg_set *s, struct cfg_error *err)
{
	int rc;

	cfg_set_init(s);
	rc = cfg_manifest_load_buf("m.yaml", yaml, strlen(yaml), s, err);
	if (rc == 0) {
		cfg_error_init(err, NULL, NULL);
		if ((rc = cfg_set_validate(s, err)) == 0)
			assert_int_equal(cfg_set_resolve(s), 0);
	}
	return rc;
}

static void load_ok(const char *yaml, struct cfg_set *s)
{
	struct cfg_error err;

	if (load(yaml, s, &err) != 0)
		fail_msg("%s", err.msg);
}

/* ---- decoding errors ---- */

static const struct {
	const char *yaml, *msg;
} bad[] = {
    /* IPAddressPool */
    {"apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: p\n" NS,
     "m.yaml:1: IPAddressPool metallb-system/p: spec: required"},
    {POOL("p", ""), "m.yaml:7: IPAddressPool metallb-system/p: spec.addresses: required: at "
                    "least one CIDR or range"},
    {POOL("p", "192.0.2.0/33"), "m.yaml:7: IPAddressPool metallb-system/p: spec.addresses[0]: "
                                "\"192.0.2.0/33\" has a prefix length out of range"},
    {POOL("p", "192.0.2.1"), "m.yaml:7: IPAddressPool metallb-system/p: spec.addresses[0]: "
                             "\"192.0.2.1\" is no CIDR (one address is written as a /32 or "
                             "/128 CIDR)"},
    {POOL("p", "192.0.2.9-192.0.2.1"), "m.yaml:7: IPAddressPool metallb-system/p: "
                                       "spec.addresses[0]: \"192.0.2.9-192.0.2.1\" starts "
                                       "after its end"},
    {POOL("p", "192.0.2.1-2001:db8::1"), "m.yaml:7: IPAddressPool metallb-system/p: "
                                         "spec.addresses[0]: \"192.0.2.1-2001:db8::1\" mixes "
                                         "IPv4 and IPv6"},
    {POOL("p", "192.0.2.x-192.0.2.1"), "m.yaml:7: IPAddressPool metallb-system/p: "
                                       "spec.addresses[0]: \"192.0.2.x-192.0.2.1\" has a start "
                                       "that is no IP address"},
    {POOL("p", "192.0.2.0/28, 192.0.2.8/29"),
     "m.yaml:7: IPAddressPool metallb-system/p: spec.addresses[1]: \"192.0.2.8/29\" overlaps "
     "addresses[0] (192.0.2.0/28)"},
    {POOL("p", "1"), "m.yaml:7: IPAddressPool metallb-system/p: spec.addresses[0]: must be a "
                     "string"},
    {POOL("p", "192.0.2.0/28") "  autoAssign: \"yes\"\n",
     "m.yaml:8: IPAddressPool metallb-system/p: spec.autoAssign: must be true or false"},
    {POOL("p", "192.0.2.0/28") "  serviceAllocation: {namespaces: [a, a]}\n",
     "m.yaml:8: IPAddressPool metallb-system/p: spec.serviceAllocation.namespaces[1]: \"a\" is "
     "listed twice (namespaces[0])"},
    {POOL("p", "192.0.2.0/28") "  serviceAllocation:\n    namespaceSelectors: [{matchLabels: "
                               "{a: b}}, {matchLabels: {a: b}}]\n",
     "m.yaml:9: IPAddressPool metallb-system/p: spec.serviceAllocation.namespaceSelectors[1]: "
     "is the same selector as namespaceSelectors[0]"},
    {"apiVersion: metallb.io/v1alpha1\nkind: IPAddressPool\nmetadata: {name: p}\nspec: {}\n",
     "m.yaml:1: IPAddressPool: apiVersion: must be metallb.io/v1beta1"},
    /* BGPPeer */
    {PEER("a") "  peerASN: 1\n  peerAddress: 192.0.2.1\n",
     "m.yaml:7: BGPPeer metallb-system/a: spec.myASN: required: 1..4294967295"},
    {PEER("a") "  myASN: 1\n  peerAddress: 192.0.2.1\n",
     "m.yaml:7: BGPPeer metallb-system/a: spec.peerASN: required (or dynamicASN)"},
    {PEER("a") "  myASN: 1\n  peerASN: 2\n  dynamicASN: external\n  peerAddress: 192.0.2.1\n",
     "m.yaml:9: BGPPeer metallb-system/a: spec.dynamicASN: not with peerASN"},
    {PEER("a") "  myASN: 1\n  peerASN: 2\n  dynamicASN: outside\n  peerAddress: 192.0.2.1\n",
     "m.yaml:9: BGPPeer metallb-system/a: spec.dynamicASN: must be internal or external"},
    {PEER("a") "  myASN: 1\n  peerASN: 2\n",
     "m.yaml:7: BGPPeer metallb-system/a: spec.peerAddress: required (or interface)"},
    {PEER("a") "  myASN: 1\n  peerASN: 2\n  peerAddress: 192.0.2.1\n  interface: eth0\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.interface: not with peerAddress"},
    {PEER("a") PEER_OK "  holdTime: 2s\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.holdTime: hold time must be 0 or at least 3s"},
    {PEER("a") PEER_OK "  holdTime: 20h\n", "m.yaml:10: BGPPeer metallb-system/a: "
                                            "spec.holdTime: hold time must be at most 65535s "
                                            "(RFC 4271 4.2)"},
    {PEER("a") PEER_OK "  holdTime: 30s\n  keepaliveTime: 31s\n",
     "m.yaml:11: BGPPeer metallb-system/a: spec.keepaliveTime: keepalive time must not exceed "
     "the hold time"},
    {PEER("a") PEER_OK "  keepaliveTime: 500ms\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.keepaliveTime: the hold time it gives (3 times "
     "it) must be 0 or at least 3s"},
    {PEER("a") PEER_OK "  holdTime: 30s\n  keepaliveTime: 500ms\n",
     "m.yaml:11: BGPPeer metallb-system/a: spec.keepaliveTime: keepalive time must be at least "
     "1s unless the hold time is 0 (no KEEPALIVE would keep the session)"},
    {PEER("a") PEER_OK "  holdTime: 90\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.holdTime: must be a string"},
    {PEER("a") PEER_OK "  holdTime: 90 s\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.holdTime: \"90 s\" is not a duration (90s, "
     "1m30s)"},
    {PEER("a") PEER_OK "  holdTime: -90s\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.holdTime: \"-90s\" is not a duration (90s, "
     "1m30s)"},
    {PEER("a") PEER_OK "  connectTime: 1500ms\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.connectTime: must be a whole number of seconds, "
     "1s..65535s"},
    {PEER("a") PEER_OK "  peerPort: 16385\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.peerPort: must be 0..16384"},
    {PEER("a") PEER_OK "  routerID: 2001:db8::1\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.routerID: must be an IPv4 address"},
    {PEER("a") PEER_OK "  sourceAddress: nowhere\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.sourceAddress: \"nowhere\" is not an IP address"},
    {PEER("a") PEER_OK "  password: a\n  passwordSecret: {name: s}\n",
     "m.yaml:11: BGPPeer metallb-system/a: spec.passwordSecret: not with password: give the "
     "password one way"},
    {PEER("a") PEER_OK "  password: \"a\\nb\"\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.password: must not contain a NUL, CR or LF byte"},
    {PEER("a") PEER_OK "  password: "
                       "\"123456789012345678901234567890123456789012345678901234567890123456789012"
                       "345678901\"\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.password: must be at most 80 bytes (TCP-MD5 key "
     "limit)"},
    {PEER("a") PEER_OK "  passwordSecret: {name: Not_A_Name}\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.passwordSecret.name: must be a Secret name "
     "(DNS-1123 subdomain)"},
    {PEER("a") "  myASN: 64512\n  peerASN: 64512\n  peerAddress: 192.0.2.1\n  ebgpMultiHop: true\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.ebgpMultiHop: not for an iBGP peer (peerASN is "
     "myASN)"},
    {PEER("a") PEER_OK "  nodeSelectors: [{matchExpressions: [{key: k, operator: In}]}]\n",
     "m.yaml:10: BGPPeer metallb-system/a: spec.nodeSelectors[0].matchExpressions[0].values: "
     "must not be empty for In"},
    {"apiVersion: metallb.io/v1beta3\nkind: BGPPeer\nmetadata: {name: a}\nspec: {}\n",
     "m.yaml:1: BGPPeer: apiVersion: must be metallb.io/v1beta2 or metallb.io/v1beta1"},
    /* BGPAdvertisement */
    {BADV("a") "  aggregationLength: 0\n",
     "m.yaml:7: BGPAdvertisement metallb-system/a: spec.aggregationLength: must be 1..32"},
    {BADV("a") "  aggregationLengthV6: 129\n",
     "m.yaml:7: BGPAdvertisement metallb-system/a: spec.aggregationLengthV6: must be 0..128"},
    {BADV("a") "  localPref: -1\n",
     "m.yaml:7: BGPAdvertisement metallb-system/a: spec.localPref: must be 0..4294967295"},
    {BADV("a") "  communities: [\"1:2\", \"1:2\"]\n",
     "m.yaml:7: BGPAdvertisement metallb-system/a: spec.communities[1]: \"1:2\" is listed twice "
     "(communities[0])"},
    {BADV("a") "  communities: [\"\"]\n",
     "m.yaml:7: BGPAdvertisement metallb-system/a: spec.communities[0]: must not be empty (a "
     "community or a Community alias)"},
    {BADV("a") "  ipAddressPools: [p, p]\n",
     "m.yaml:7: BGPAdvertisement metallb-system/a: spec.ipAddressPools[1]: \"p\" is listed "
     "twice (ipAddressPools[0])"},
    {BADV("a") "  nodeSelectors: [{matchLabels: {a: b}}, {matchLabels: {a: b}}]\n",
     "m.yaml:7: BGPAdvertisement metallb-system/a: spec.nodeSelectors[1]: is the same selector "
     "as nodeSelectors[0]"},
    {BADV("a") "  aggregationLength: 24\n  serviceSelectors: [{matchLabels: {a: b}}]\n",
     "m.yaml:7: BGPAdvertisement metallb-system/a: spec.aggregationLength: must be 32 with "
     "serviceSelectors (an aggregate is no one Service's)"},
    /* L2Advertisement */
    {L2ADV("a") "  interfaces: [eth0, \"\"]\n",
     "m.yaml:7: L2Advertisement metallb-system/a: spec.interfaces[1]: must not be empty (an "
     "interface name)"},
    {L2ADV("a") "  preferredNodeSelectors: [{weight: 101, preference: {}}]\n",
     "m.yaml:7: L2Advertisement metallb-system/a: spec.preferredNodeSelectors[0].weight: must "
     "be 1..100"},
    /* BFDProfile */
    {BFD("b") "  receiveInterval: 5\n",
     "m.yaml:7: BFDProfile metallb-system/b: spec.receiveInterval: must be 10..60000 (ms)"},
    {BFD("b") "  detectMultiplier: 1\n",
     "m.yaml:7: BFDProfile metallb-system/b: spec.detectMultiplier: must be 2..255"},
    {BFD("b") "  minimumTtl: 255\n",
     "m.yaml:7: BFDProfile metallb-system/b: spec.minimumTtl: must be 1..254"},
    /* Community */
    {COMM("c") "  communities: [{name: x, value: \"65536:1\"}]\n",
     "m.yaml:7: Community metallb-system/c: spec.communities[0].value: \"65536:1\" has a number "
     "that is not 0..65535 on a side of ':'"},
    {COMM("c") "  communities: [{name: x, value: \"big:1:2:3\"}]\n",
     "m.yaml:7: Community metallb-system/c: spec.communities[0].value: \"big:1:2:3\" is not "
     "large:G:L1:L2 with G, L1 and L2 each 0..4294967295"},
    {COMM("c") "  communities: [{name: x, value: no-export}]\n",
     "m.yaml:7: Community metallb-system/c: spec.communities[0].value: \"no-export\" is neither "
     "AS:VALUE nor large:G:L1:L2"},
    {COMM("c") "  communities: [{name: x, value: \"1:1\"}, {name: x, value: \"1:2\"}]\n",
     "m.yaml:7: Community metallb-system/c: spec.communities[1]: \"x\" is defined twice "
     "(communities[0])"},
    {COMM("c") "  communities: [{value: \"1:1\"}]\n",
     "m.yaml:7: Community metallb-system/c: spec.communities[0].name: required"},
    /* across objects, as they are added */
    {POOL("p", "192.0.2.0/28") "---\n" POOL("p", "198.51.100.0/28"),
     "m.yaml:9: IPAddressPool metallb-system/p: duplicate object (also defined at m.yaml:1)"},
    {EIP("a", "192.0.2.0/24") "---\n" POOL("b", "198.51.100.0/24, 192.0.2.128/25"),
     "m.yaml:8: IPAddressPool metallb-system/b: spec.addresses[1]: overlaps Eip a "
     "(192.0.2.0/24) at m.yaml:1"},
    {POOL("b", "192.0.2.128/25") "---\n" EIP("a", "192.0.2.0/24"),
     "m.yaml:9: Eip a: spec.address: overlaps IPAddressPool metallb-system/b (192.0.2.128/25) "
     "at m.yaml:1"},
    {EIP("a", "192.0.2.0/24") "---\n" POOL("a", "198.51.100.0/24"),
     "m.yaml:8: IPAddressPool metallb-system/a: metadata.name: Eip a at m.yaml:1 has this name: "
     "Services name pools by name alone, whichever API they come from"},
    {"apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\nmetadata: {name: t}\nspec:\n"
     "  conf: {peerAs: 1, neighborAddress: 192.0.2.9}\n---\n" PEER("t") PEER_OK,
     "m.yaml:7: BGPPeer metallb-system/t: metadata.name: BgpPeer t at m.yaml:1 has this name: "
     "routes name peers by name alone, whichever API they come from"},
    /* across objects, in the whole set (cfg_set_validate) */
    {BADV("a") "  ipAddressPools: [nope]\n",
     "m.yaml:1: BGPAdvertisement metallb-system/a: spec.ipAddressPools[0]: no IPAddressPool "
     "\"nope\""},
    {L2ADV("a") "  ipAddressPools: [nope]\n",
     "m.yaml:1: L2Advertisement metallb-system/a: spec.ipAddressPools[0]: no IPAddressPool "
     "\"nope\""},
    {BADV("a") "  peers: [nope]\n",
     "m.yaml:1: BGPAdvertisement metallb-system/a: spec.peers[0]: no BGPPeer \"nope\""},
    {BADV("a") "  communities: [vpn]\n",
     "m.yaml:1: BGPAdvertisement metallb-system/a: spec.communities[0]: no Community alias "
     "\"vpn\", and no community value (AS:VALUE or large:G:L1:L2)"},
    {BADV("a") "  communities: [\"1:70000\"]\n",
     "m.yaml:1: BGPAdvertisement metallb-system/a: spec.communities[0]: \"1:70000\" has a number "
     "that is not 0..65535 on a side of ':'"},
    {POOL("p", "192.0.2.0/24, 198.51.100.0/26") "---\n" BADV("a") "  aggregationLength: 25\n",
     "m.yaml:9: BGPAdvertisement metallb-system/a: spec.aggregationLength: 25 is shorter than "
     "IPAddressPool p allows: an aggregate must lie inside 198.51.100.0/26, so at least 26"},
    {POOL("p", "2001:db8::/64") "---\n" BADV("a") "  aggregationLengthV6: 48\n",
     "m.yaml:9: BGPAdvertisement metallb-system/a: spec.aggregationLengthV6: 48 is shorter than "
     "IPAddressPool p allows: an aggregate must lie inside 2001:db8::/64, so at least 64"},
    {POOL("p", "192.0.2.0/24") "---\n" BADV("a") "  localPref: 100\n---\n" BADV(
         "b") "  localPref: 200\n",
     "m.yaml:17: BGPAdvertisement metallb-system/b: spec.localPref: 200 differs from "
     "BGPAdvertisement a's 100 for the same routes of IPAddressPool p (same aggregation "
     "length, peers and nodes)"},
    {PEER("a") PEER_OK "  bfdProfile: nope\n",
     "m.yaml:1: BGPPeer metallb-system/a: spec.bfdProfile: no BFDProfile \"nope\""},
    {COMM("c") "  communities: [{name: x, value: \"1:1\"}]\n---\n" COMM(
         "d") "  communities: [{name: x, value: \"1:2\"}]\n",
     "m.yaml:9: Community metallb-system/d: spec.communities[0].name: \"x\" is defined by "
     "Community c too (m.yaml:1): the first one counts"},
};

static void test_bad(void **state)
{
	size_t wrong = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cfg_set s;
		struct cfg_error err;
		int rc = load(bad[i].yaml, &s, &err);

		if (rc != -EINVAL)
			fail_msg("case %zu: rc %d, wanted an error: %s", i, rc, bad[i].msg);
		if (strcmp(err.msg, bad[i].msg) != 0) {
			print_error("case %zu:\n got  %s\n want %s\n", i, err.msg, bad[i].msg);
			wrong++;
		}
		cfg_set_fini(&s);
	}
	assert_int_equal(wrong, 0);
}

/* What MetalLB's rules let pass: the edges. */
static void test_good_edges(void **state)
{
	static const char *const good[] = {
	    /* the localPref rule: different routes, peers or nodes don't meet */
	    POOL("p", "192.0.2.0/24") "---\n" BADV("a") "  localPref: 100\n---\n" BADV(
	        "b") "  localPref: 200\n  aggregationLength: 24\n",
	    POOL("p", "192.0.2.0/24") "---\n" BADV(
	        "a") "  localPref: 100\n  peers: [x]\n---\n" BADV("b") "  localPref: 200\n  peers: "
	                                                               "[y]\n---\n" PEER("x")
	                                                                   PEER_OK
	    "---\n" PEER("y") "  myASN: 1\n  peerASN: 2\n  peerAddress: 192.0.2.2\n",
	    /* a dual-stack pool: both lengths must differ for other routes */
	    POOL("p", "192.0.2.0/24, 2001:db8::/64") "---\n" BADV(
	        "a") "  localPref: 100\n---\n" BADV("b") "  localPref: 200\n  aggregationLength: "
	                                                 "24\n  aggregationLengthV6: 64\n",
	    /* a serviceSelectors advertisement is in no such conflict */
	    POOL("p", "192.0.2.0/24") "---\n" BADV("a") "  localPref: 100\n---\n" BADV(
	        "b") "  localPref: 200\n  serviceSelectors: [{}]\n",
	    /* an advertisement naming a peer berth does not peer with */
	    BADV("a") "  peers: [v]\n---\n" PEER("v") PEER_OK "  vrf: red\n",
	    /* durations as Go writes them */
	    PEER("a") PEER_OK "  holdTime: 1m30s\n  keepaliveTime: 30s\n  connectTime: 5s\n",
	    PEER("a") PEER_OK "  holdTime: \"0\"\n",
	    PEER("a") PEER_OK "  holdTime: 3.9s\n",
	    /* v1beta1 BGPPeer, port 0 */
	    "apiVersion: metallb.io/v1beta1\nkind: BGPPeer\nmetadata: {name: a}\nspec:\n" PEER_OK
	    "  peerPort: 0\n",
	    /* a List of them, as kubectl get writes it */
	    "apiVersion: v1\nkind: List\nitems:\n- apiVersion: metallb.io/v1beta1\n  kind: "
	    "IPAddressPool\n  metadata: {name: p, namespace: metallb-system}\n  spec: {addresses: "
	    "[192.0.2.0/24]}\n",
	    "apiVersion: metallb.io/v1beta1\nkind: IPAddressPoolList\nitems:\n- metadata: {name: "
	    "p}\n"
	    "  spec: {addresses: [192.0.2.0/24]}\n",
	    /* MetalLB's status kinds are skipped */
	    "apiVersion: metallb.io/v1beta1\nkind: ServiceL2Status\nmetadata: {name: s}\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct cfg_set s;
		struct cfg_error err;

		if (load(good[i], &s, &err) != 0)
			fail_msg("case %zu: %s", i, err.msg);
		cfg_set_fini(&s);
	}
}

/* Hostile text: nothing crashes, every error names the field. */
static void test_hostile(void **state)
{
	static const char *const hostile[] = {
	    POOL("p", "\"-\""),
	    POOL("p", "\" - \""),
	    POOL("p", "\"192.0.2.1-\""),
	    POOL("p", "\"/\""),
	    POOL("p", "\"192.0.2.0/24/8\""),
	    POOL("p", "\"::ffff:192.0.2.1/128-\""),
	    POOL("p", "\"192.0.2.0/24\"") "  serviceAllocation: {priority: 1e99}\n",
	    PEER("a") PEER_OK "  holdTime: \"1e9h\"\n",
	    PEER("a") PEER_OK "  holdTime: \"99999999999999999999s\"\n",
	    PEER("a") PEER_OK "  holdTime: \".s\"\n",
	    PEER("a") PEER_OK "  holdTime: \"5\"\n",
	    PEER("a") PEER_OK "  holdTime: \"2562047h48m\"\n",
	    PEER("a") PEER_OK "  interface: \"eth0\\r\"\n",
	    PEER("a") "  myASN: 4294967296\n  peerASN: 1\n  peerAddress: 192.0.2.1\n",
	    COMM("c") "  communities: \"1:1\"\n",
	    COMM("c") "  communities: [7]\n",
	    L2ADV("a") "  nodeSelectors: {a: b}\n",
	    BFD("b") "  echoMode: 1\n",
	};
	/* JSON (the API server's) may carry a NUL, which YAML refuses */
	static const char *const nul[] = {
	    "{\"apiVersion\": \"metallb.io/v1beta1\", \"kind\": \"IPAddressPool\", \"metadata\": "
	    "{\"name\": \"p\"}, \"spec\": {\"addresses\": [\"192.0.2.0/24\\u0000x\"]}}",
	    "{\"apiVersion\": \"metallb.io/v1beta2\", \"kind\": \"BGPPeer\", \"metadata\": "
	    "{\"name\": "
	    "\"a\"}, \"spec\": {\"myASN\": 1, \"peerASN\": 2, \"peerAddress\": \"192.0.2.1\", "
	    "\"password\": \"a\\u0000b\"}}",
	    "{\"apiVersion\": \"metallb.io/v1beta2\", \"kind\": \"BGPPeer\", \"metadata\": "
	    "{\"name\": "
	    "\"a\"}, \"spec\": {\"myASN\": 1, \"peerASN\": 2, \"peerAddress\": \"192.0.2.1\", "
	    "\"passwordSecret\": {\"name\": \"s\\u0000x\"}}}",
	    "{\"apiVersion\": \"metallb.io/v1beta2\", \"kind\": \"BGPPeer\", \"metadata\": "
	    "{\"name\": "
	    "\"a\"}, \"spec\": {\"myASN\": 1, \"peerASN\": 2, \"peerAddress\": \"192.0.2.1\", "
	    "\"holdTime\": \"9s\\u0000\"}}",
	    "{\"apiVersion\": \"metallb.io/v1beta1\", \"kind\": \"BGPAdvertisement\", "
	    "\"metadata\": "
	    "{\"name\": \"a\"}, \"spec\": {\"communities\": [\"a\\u0000b\"]}}",
	    "{\"apiVersion\": \"metallb.io/v1beta1\", \"kind\": \"Community\", \"metadata\": "
	    "{\"name\": \"c\"}, \"spec\": {\"communities\": [{\"name\": \"x\", \"value\": "
	    "\"1:1\\u0000\"}]}}",
	    "{\"apiVersion\": \"metallb.io/v1beta1\", \"kind\": \"Community\", \"metadata\": "
	    "{\"name\": \"c\"}, \"spec\": {\"communities\": [{\"name\": \"x\\u0000\", \"value\": "
	    "\"1:1\"}]}}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct cfg_set s;
		struct cfg_error err;

		if (load(hostile[i], &s, &err) != -EINVAL)
			fail_msg("case %zu loaded", i);
		if (!strstr(err.msg, "m.yaml:") || !strstr(err.msg, "spec."))
			fail_msg("case %zu: %s", i, err.msg);
		assert_int_equal(s.n_eips + s.n_peers + s.n_bgp_advs + s.n_communities, 0);
		cfg_set_fini(&s);
	}
	for (size_t i = 0; i < sizeof(nul) / sizeof(nul[0]); i++) {
		json_t *obj = json_loads(nul[i], JSON_ALLOW_NUL, NULL);
		struct cfg_set s;
		struct cfg_error err;

		assert_non_null(obj);
		cfg_set_init(&s);
		cfg_error_init(&err, NULL, NULL);
		if (cfg_set_add_json(&s, obj, &err) != -EINVAL)
			fail_msg("nul case %zu loaded", i);
		/* no namespace: not "default/" (the set puts it in MetalLB's) */
		if (strstr(err.msg, "default/") || !strstr(err.msg, "spec."))
			fail_msg("nul case %zu: %s", i, err.msg);
		cfg_set_fini(&s);
		json_decref(obj);
	}
}

/* ---- lowering ---- */

struct notes {
	char text[8][2100];
	char who[8][128];
	size_t n;
};

static void note_cb(const struct cfg_note *n, void *arg)
{
	struct notes *ns = arg;

	assert_true(ns->n < 8);
	snprintf(ns->who[ns->n], sizeof(ns->who[0]), "%s %s/%s", n->kind, n->meta->ns,
	         n->meta->name);
	snprintf(ns->text[ns->n], sizeof(ns->text[0]), "%s", n->msg);
	ns->n++;
}

static void notes_of(const struct cfg_set *s, struct notes *ns)
{
	memset(ns, 0, sizeof(*ns));
	cfg_set_notes(s, note_cb, ns);
}

static void test_peer_lowered(void **state)
{
	struct cfg_set s;
	const struct cfg_bgp_peer *p;
	struct notes ns;

	(void)state;
	load_ok(PEER("a") "  myASN: 64512\n  peerASN: 64513\n  peerAddress: 2001:db8::1\n"
	                  "  sourceAddress: 2001:db8::2\n  peerPort: 1179\n  holdTime: 9s\n"
	                  "  connectTime: 7s\n  routerID: 192.0.2.7\n  password: s3cret\n"
	                  "  ebgpMultiHop: true\n  enableGracefulRestart: true\n"
	                  "  nodeSelectors: [{matchLabels: {rack: r1}}]\n  bfdProfile: fast\n"
	                  "  disableMP: true\n---\n" BFD(
	                      "fast") "  receiveInterval: 50\n"
	                              "  detectMultiplier: 5\n  passiveMode: true\n",
	        &s);
	p = cfg_set_peer(&s, "a");
	assert_non_null(p);
	assert_int_equal(p->api, CFG_API_METALLB);
	assert_int_equal(p->conf.local_as, 64512);
	assert_int_equal(p->conf.peer_as, 64513);
	assert_int_equal(p->conf.neighbor_address.family, AF_INET6);
	assert_true(p->transport.has_local_address);
	assert_int_equal(p->transport.remote_port, 1179);
	assert_int_equal(p->timers.hold_time, 9);
	assert_int_equal(p->timers.keepalive_interval, 3);
	assert_int_equal(p->timers.connect_retry, 7);
	assert_string_equal(p->conf.auth_password, "s3cret");
	assert_true(p->ebgp_multihop.enabled);
	assert_int_equal(p->ebgp_multihop.multihop_ttl, 255);
	assert_true(p->graceful_restart.present && p->graceful_restart.enabled);
	assert_int_equal(p->n_node_selectors, 1);
	/* the family of the peer's address only */
	assert_int_equal(p->n_afi_safis, 1);
	assert_int_equal(p->afi_safis[0].af, BGP_AF_IPV6);
	/* the profile, resolved */
	assert_true(p->bfd.present && p->bfd.enabled && !p->bfd.strict);
	assert_int_equal(p->bfd.receive_interval, 50);
	assert_int_equal(p->bfd.transmit_interval, 300);
	assert_int_equal(p->bfd.detect_multiplier, 5);
	/* a BgpConf for it: its AS and router ID */
	assert_non_null(s.bgp_conf);
	assert_int_equal(s.bgp_conf->api, CFG_API_METALLB);
	assert_int_equal(s.bgp_conf->as, 64512);
	assert_true(s.bgp_conf->has_router_id);
	assert_int_equal(s.bgp_conf->router_id, 0xc0000207u);
	assert_int_equal(s.bgp_conf->listen_port, CFG_DEFAULT_BGP_PORT);
	/* disableMP has no effect in MetalLB either: no note; passiveMode has one */
	notes_of(&s, &ns);
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.who[0], "BFDProfile metallb-system/fast");
	assert_string_equal(ns.text[0], "spec.passiveMode: berth's BFD sessions are active (RFC "
	                                "5880 6.1): they send from the start");
	cfg_set_fini(&s);

	/* a Secret, dual-stack, localASN */
	load_ok(PEER("a") PEER_OK "  passwordSecret: {name: bgp-auth, namespace: metallb-system}\n"
	                          "  dualStackAddressFamily: true\n  localASN: 65000\n",
	        &s);
	p = &s.peers[0];
	assert_string_equal(p->conf.auth_password_secret_ref.name, "bgp-auth");
	assert_string_equal(p->conf.auth_password_secret_ref.key, "password");
	assert_null(p->conf.auth_password);
	assert_int_equal(p->n_afi_safis, 0);
	assert_int_equal(p->conf.local_as, 65000);
	assert_int_equal(s.bgp_conf->as, 64512);
	cfg_set_fini(&s);
}

/* A peer berth cannot peer with: checked, kept aside, said once. */
static void test_peer_aside(void **state)
{
	struct cfg_set s;
	struct notes ns;

	(void)state;
	load_ok(PEER("u") "  myASN: 1\n  dynamicASN: internal\n  interface: eth1\n  vrf: red\n",
	        &s);
	assert_int_equal(s.n_peers, 0);
	assert_int_equal(s.n_ignored, 1);
	assert_null(s.bgp_conf);
	notes_of(&s, &ns);
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.who[0], "BGPPeer metallb-system/u");
	assert_string_equal(ns.text[0],
	                    "spec.interface: berth has no unnumbered BGP (RFC 5549): not peered; "
	                    "spec.dynamicASN: berth needs the peer's AS: not peered; spec.vrf: "
	                    "berth peers in the default VRF only: not peered");
	cfg_set_fini(&s);
}

/* Fields berth does not know: one note per object, every field named. */
static void test_unknown_fields(void **state)
{
	struct cfg_set s;
	struct notes ns;

	(void)state;
	load_ok(POOL("p", "192.0.2.0/24") "  shiny: true\n  serviceAllocation: {newer: 1}\n"
	                                  "extra: 1\n",
	        &s);
	notes_of(&s, &ns);
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.who[0], "IPAddressPool metallb-system/p");
	assert_string_equal(ns.text[0], "extra: unknown to berth, ignored; spec.shiny: unknown to "
	                                "berth, ignored; spec.serviceAllocation.newer: unknown to "
	                                "berth, ignored");
	cfg_set_fini(&s);
}

/* Advertisements onto pools: by name, by labels, every pool; several per
 * pool; none: not announced; Eips untouched. */
static void test_selection(void **state)
{
	struct cfg_set s;
	const struct cfg_eip *a, *b, *c, *e;

	(void)state;
	load_ok(
	    POOL(
	        "a",
	        "192.0.2.0/28") "---\n"
	                        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n "
	                        " name: b\n" NS "  labels: {tier: gold}\nspec: {addresses: "
	                        "[192.0.2.16/28]}\n---\n" POOL("c", "192.0.2.32/28") "---\n" EIP(
	                            "e",
	                            "198.51.100.0/24") "---\n" BADV("by-name") "  ipAddressPools: "
	                                                                       "[a]\n  localPref: "
	                                                                       "10\n---\n" BADV(
	                                                                           "by-label") "  "
	                                                                                       "ipA"
	                                                                                       "ddr"
	                                                                                       "ess"
	                                                                                       "Poo"
	                                                                                       "lSe"
	                                                                                       "lec"
	                                                                                       "tor"
	                                                                                       "s: "
	                                                                                       "[{"
	                                                                                       "mat"
	                                                                                       "chL"
	                                                                                       "abe"
	                                                                                       "ls:"
	                                                                                       " "
	                                                                                       "{ti"
	                                                                                       "er:"
	                                                                                       " "
	                                                                                       "gol"
	                                                                                       "d}}"
	                                                                                       "]\n"
	                                                                                       "---"
	                                                                                       "\n" L2ADV(
	                                                                                           "all") "  interfaces: [eth9]\n",
	    &s);
	a = cfg_set_eip(&s, "a");
	b = cfg_set_eip(&s, "b");
	c = cfg_set_eip(&s, "c");
	e = cfg_set_eip(&s, "e");
	assert_int_equal(a->n_bgp, 1);
	assert_string_equal(a->bgp[0].name, "by-name");
	assert_int_equal(a->bgp[0].local_pref, 10);
	assert_int_equal(b->n_bgp, 1);
	assert_string_equal(b->bgp[0].name, "by-label");
	assert_int_equal(c->n_bgp, 0);
	/* an L2Advertisement naming no pool: every IPAddressPool, no Eip */
	assert_int_equal(a->n_l2 + b->n_l2 + c->n_l2, 3);
	assert_int_equal(e->n_l2, 0);
	/* the Eip keeps its own announcement */
	assert_int_equal(e->n_bgp, 1);
	assert_null(e->bgp[0].name);
	/* again: the same, not twice as much */
	assert_int_equal(cfg_set_resolve(&s), 0);
	assert_int_equal(cfg_set_eip(&s, "a")->n_bgp, 1);
	assert_int_equal(cfg_set_eip(&s, "a")->n_l2, 1);
	assert_int_equal(cfg_set_eip(&s, "e")->n_bgp, 1);
	cfg_set_fini(&s);
}

/* Cluster mode: objects one at a time, no validation; what breaks a rule
 * is left out and noted on the object at fault, the rest applies. */
static void test_cluster_mode(void **state)
{
	static const char *const objs[] = {
	    POOL("p", "192.0.2.0/24"),
	    POOL("q", "198.51.100.0/26"),
	    BADV("a") "  ipAddressPools: [p, gone]\n  localPref: 100\n",
	    BADV("b") "  ipAddressPools: [p]\n  localPref: 200\n",
	    BADV("c") "  communities: [vpn, dup]\n",
	    BADV("d") "  aggregationLength: 25\n",
	    PEER("x") PEER_OK "  bfdProfile: nope\n",
	    COMM("c1") "  communities: [{name: dup, value: \"1:1\"}]\n",
	    COMM("c2") "  communities: [{name: dup, value: \"1:2\"}]\n",
	};
	struct cfg_set s;
	struct cfg_error err;
	struct notes ns;
	const struct cfg_eip *p, *q;

	(void)state;
	cfg_set_init(&s);
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		struct cfg_yaml y;

		cfg_error_init(&err, NULL, NULL);
		assert_int_equal(cfg_yaml_parse(objs[i], strlen(objs[i]), &y, &err), 0);
		if (cfg_set_add_json(&s, y.docs[0].root, &err) != 0)
			fail_msg("%zu: %s", i, err.msg);
		cfg_yaml_fini(&y);
	}
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_set_validate(&s, &err), -EINVAL);
	assert_int_equal(cfg_set_resolve(&s), 0);
	p = cfg_set_eip(&s, "p");
	q = cfg_set_eip(&s, "q");
	/* a applies to p; b meets a with another localPref: left out there; c
	 * names no alias: not applied; d: too short for q, applied to p */
	assert_int_equal(p->n_bgp, 2);
	assert_string_equal(p->bgp[0].name, "a");
	assert_string_equal(p->bgp[1].name, "d");
	assert_int_equal(q->n_bgp, 0);
	assert_false(s.peers[0].bfd.present);
	notes_of(&s, &ns);
	assert_int_equal(ns.n, 6);
	assert_string_equal(ns.who[0], "BGPPeer metallb-system/x");
	assert_string_equal(ns.text[0], "spec.bfdProfile: no BFDProfile \"nope\": no BFD");
	assert_string_equal(ns.who[1], "BGPAdvertisement metallb-system/a");
	assert_string_equal(ns.text[1], "spec.ipAddressPools[1]: no IPAddressPool \"gone\"");
	assert_string_equal(ns.who[2], "BGPAdvertisement metallb-system/b");
	assert_non_null(strstr(ns.text[2], "spec.localPref: 200 differs from BGPAdvertisement a's "
	                                   "100"));
	assert_non_null(strstr(ns.text[2], "not applied to that pool"));
	assert_string_equal(ns.who[3], "BGPAdvertisement metallb-system/c");
	assert_string_equal(ns.text[3], "spec.communities[0]: no Community alias \"vpn\", and no "
	                                "community value (AS:VALUE or large:G:L1:L2)");
	assert_string_equal(ns.who[4], "BGPAdvertisement metallb-system/d");
	assert_non_null(strstr(ns.text[4], "IPAddressPool q allows"));
	assert_string_equal(ns.who[5], "Community metallb-system/c2");
	/* the first alias counts */
	cfg_set_fini(&s);
}

/* Aliases and literal values together, large ones apart, sorted. */
static void test_communities(void **state)
{
	static const uint32_t large[] = {1, 2, 3, 4294967295u, 0, 0};
	struct cfg_set s;
	const struct cfg_eip_bgp *b;

	(void)state;
	load_ok(POOL("p", "192.0.2.0/24") "---\n" COMM(
	            "c") "  communities:\n  - {name: vpn-only, value: \"1234:1\"}\n"
	                 "  - {name: big, value: \"large:4294967295:0:0\"}\n"
	                 "  - {name: \"65000:9\", value: \"1:1\"}\n---\n" BADV(
	                     "a") "  communities: [\"large:1:2:3\", big, vpn-only, \"007:8\", "
	                          "\"65000:9\"]\n",
	        &s);
	b = &s.eips[0].bgp[0];
	/* an alias first, even one that reads as a value */
	assert_int_equal(b->n_communities, 3);
	assert_int_equal(b->communities[0], 0x00010001u);
	assert_int_equal(b->communities[1], 0x00070008u);
	assert_int_equal(b->communities[2], 1234u << 16 | 1);
	assert_int_equal(b->n_large_communities, 2);
	assert_memory_equal(b->large_communities, large, sizeof(large));
	cfg_set_fini(&s);
}

/* The router ID: one per node. */
static void test_router_id(void **state)
{
	struct cfg_set s;
	struct notes ns;

	(void)state;
	load_ok(PEER("a") PEER_OK "  routerID: 192.0.2.7\n---\n" PEER(
	            "b") "  myASN: 64512\n  peerASN: 64514\n  peerAddress: 192.0.2.2\n  routerID: "
	                 "192.0.2.8\n",
	        &s);
	assert_int_equal(s.bgp_conf->router_id, 0xc0000207u);
	notes_of(&s, &ns);
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.who[0], "BGPPeer metallb-system/b");
	assert_string_equal(ns.text[0], "spec.routerID: 192.0.2.8: berth has one router ID per "
	                                "node: 192.0.2.7, BGPPeer a's");
	cfg_set_fini(&s);

	/* with a BgpConf of OpenELB's: that one stays, and says */
	load_ok("apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpConf\nmetadata: {name: "
	        "default}\nspec: {as: 65000, routerId: 192.0.2.9}\n---\n" PEER("a") PEER_OK
	        "  routerID: 192.0.2.7\n",
	        &s);
	assert_int_equal(s.bgp_conf->api, CFG_API_OPENELB);
	assert_int_equal(s.bgp_conf->as, 65000);
	assert_int_equal(s.peers[0].conf.local_as, 64512);
	notes_of(&s, &ns);
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.text[0], "spec.routerID: 192.0.2.7: berth has one router ID per "
	                                "node: 192.0.2.9, BgpConf default's");
	cfg_set_fini(&s);
}

/* Only MetalLB's namespace counts; a load keeps the one the set names. */
static void test_namespace(void **state)
{
	static const char yaml[] =
	    "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: a, namespace: "
	    "lb}\nspec: {addresses: [192.0.2.0/28]}\n---\n"
	    "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: b, namespace: "
	    "metallb-system}\nspec: {addresses: [bad]}\n---\n"
	    "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: c}\n"
	    "spec: {addresses: [192.0.2.16/28]}\n";
	struct cfg_set s;
	struct cfg_error err;
	struct notes ns;

	(void)state;
	cfg_set_init(&s);
	assert_string_equal(cfg_metallb_ns(&s), CFG_METALLB_NS);
	assert_int_equal(cfg_set_metallb_ns(&s, "Bad_NS"), -EINVAL);
	assert_int_equal(cfg_set_metallb_ns(&s, ""), -EINVAL);
	assert_int_equal(cfg_set_metallb_ns(&s, "lb"), 0);
	/* b is another namespace's: not decoded, so not refused */
	if (cfg_manifest_load_buf("n.yaml", yaml, strlen(yaml), &s, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(s.n_eips, 2);
	assert_string_equal(s.eips[0].meta.ns, "lb");
	/* no namespace: MetalLB's */
	assert_string_equal(s.eips[1].meta.name, "c");
	assert_string_equal(s.eips[1].meta.ns, "lb");
	assert_int_equal(s.n_ignored, 1);
	notes_of(&s, &ns);
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.who[0], "IPAddressPool metallb-system/b");
	assert_non_null(strstr(ns.text[0], "not in MetalLB's namespace lb"));
	cfg_set_fini(&s);
	assert_string_equal(cfg_metallb_ns(&s), CFG_METALLB_NS);
}

/* ---- text ---- */

static void test_duration(void **state)
{
	static const struct {
		const char *s;
		uint64_t ns;
	} ok[] = {
	    {"0", 0},
	    {"90s", 90000000000ull},
	    {"1m30s", 90000000000ull},
	    {"1.5h", 5400000000000ull},
	    {"300ms", 300000000ull},
	    {"2h45m", 9900000000000ull},
	    {".5s", 500000000ull},
	    {"1us", 1000},
	    {"1\xc2\xb5s", 1000},
	    {"+3s", 3000000000ull},
	    {"9223372036s", 9223372036000000000ull},
	};
	static const char *const bad_d[] = {
	    "", "s", "90", "-1s", "1x", "1.s.", "9223372037s", "1e3s", " 1s", "1s ", "1ss",
	};
	uint64_t ns;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (cfg_parse_duration(ok[i].s, &ns) != 0)
			fail_msg("%s refused", ok[i].s);
		assert_int_equal(ns, ok[i].ns);
	}
	for (size_t i = 0; i < sizeof(bad_d) / sizeof(bad_d[0]); i++)
		if (cfg_parse_duration(bad_d[i], &ns) == 0)
			fail_msg("\"%s\" read", bad_d[i]);
}

static void test_community_text(void **state)
{
	uint32_t v[3];
	const char *why;
	bool large;

	(void)state;
	assert_int_equal(cfg_mlb_community_parse("65535:65282", &large, v, &why), 0);
	assert_false(large);
	assert_int_equal(v[0], 0xffffff02u);
	assert_int_equal(cfg_mlb_community_parse("0:0", &large, v, &why), 0);
	assert_int_equal(cfg_mlb_community_parse("large:4294967295:1:2", &large, v, &why), 0);
	assert_true(large);
	assert_int_equal(v[0], 4294967295u);
	assert_int_equal(v[2], 2);
	assert_int_equal(cfg_mlb_community_parse("65536:0", &large, v, &why), -EINVAL);
	assert_int_equal(cfg_mlb_community_parse("1:-1", &large, v, &why), -EINVAL);
	assert_int_equal(cfg_mlb_community_parse(":1", &large, v, &why), -EINVAL);
	assert_int_equal(cfg_mlb_community_parse("large:1:2:4294967296", &large, v, &why), -EINVAL);
	assert_int_equal(cfg_mlb_community_parse("small:1:2:3", &large, v, &why), -EINVAL);
	/* neither form: an alias, perhaps */
	assert_int_equal(cfg_mlb_community_parse("no-advertise", &large, v, &why), -ENOENT);
	assert_int_equal(cfg_mlb_community_parse("1:2:3", &large, v, &why), -ENOENT);
	assert_int_equal(cfg_mlb_community_parse("1:2:3:4:5", &large, v, &why), -ENOENT);
	assert_int_equal(cfg_mlb_community_parse("", &large, v, &why), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_good_edges),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_peer_lowered),
	    cmocka_unit_test(test_peer_aside),
	    cmocka_unit_test(test_unknown_fields),
	    cmocka_unit_test(test_selection),
	    cmocka_unit_test(test_cluster_mode),
	    cmocka_unit_test(test_communities),
	    cmocka_unit_test(test_router_id),
	    cmocka_unit_test(test_namespace),
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_community_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
