/* The speaker's decisions: peer session settings and announced routes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "speaker/announce.h"
#include "speaker/peer_cfg.h"

static const char *conf_yaml = "apiVersion: network.kubesphere.io/v1alpha2\n"
                               "kind: BgpConf\n"
                               "metadata: {name: default}\n"
                               "spec:\n"
                               "  as: 64513\n"
                               "  asPerRack: {rack-b: 64600}\n"
                               "  %s\n"
                               "---\n";

static void load(struct cfg_set *set, const char *conf_extra, const char *rest)
{
	char buf[8192];
	struct cfg_error err;
	int r;

	snprintf(buf, sizeof(buf), conf_yaml, conf_extra);
	strncat(buf, rest, sizeof(buf) - strlen(buf) - 1);
	cfg_set_init(set);
	cfg_error_init(&err, "test.yaml", NULL);
	r = cfg_manifest_load_buf("test.yaml", buf, strlen(buf), set, &err);
	if (r < 0)
		fail_msg("load: %s", err.msg);
}

static void build(const struct cfg_set *set, const struct speaker_opts *o, const char *node,
                  struct bgp_peer_cfg *pc)
{
	size_t it = 0;
	const struct cfg_node *n = cfg_set_node(set, node);
	const struct cfg_bgp_peer *bp = cfg_set_next_peer(set, n ? &n->meta.labels : NULL, &it);

	assert_non_null(bp);
	speaker_peer_cfg(o, set->bgp_conf, n, bp, 0xc0000263 /* 192.0.2.99 */, pc);
}

static const char *peer_ebgp = "apiVersion: network.kubesphere.io/v1alpha2\n"
                               "kind: BgpPeer\n"
                               "metadata: {name: tor}\n"
                               "spec:\n"
                               "  conf: {peerAs: 64512, neighborAddress: 192.0.2.254,"
                               " authPassword: s3cret}\n"
                               "  timers: {config: {holdTime: \"9\", keepaliveInterval: \"3\","
                               " connectRetry: \"5\"}}\n";

static void test_ebgp_defaults(void **state)
{
	struct speaker_opts o = {0};
	struct bgp_peer_cfg pc;
	struct cfg_set set;

	load(&set, "", peer_ebgp);
	build(&set, &o, "n1", &pc);
	assert_true(pc.ebgp);
	assert_int_equal(pc.ttl, 1); /* single hop unless ebgpMultihop */
	assert_int_equal(pc.fsm.local_as, 64513);
	assert_int_equal(pc.fsm.peer_as, 64512);
	assert_int_equal(pc.fsm.hold_time, 9);
	assert_int_equal(pc.fsm.keepalive_time, 3);
	assert_int_equal(pc.fsm.retry_max_ms, 5000);
	assert_string_equal(pc.md5_key, "s3cret");
	assert_int_equal(pc.remote_port, 179);
	/* No afiSafis: both families offered; negotiation keeps the common ones. */
	assert_true(pc.fsm.caps.mp[BGP_AF_IPV4]);
	assert_true(pc.fsm.caps.mp[BGP_AF_IPV6]);
	assert_true(pc.fsm.caps.as4 && pc.fsm.caps.route_refresh);
	assert_false(pc.fsm.caps.gr);
	/* No flag, no routerId, no Node: the fallback. */
	assert_int_equal(pc.fsm.router_id, 0xc0000263);
	cfg_set_fini(&set);
}

static void test_router_id_precedence(void **state)
{
	const char *node = "---\napiVersion: v1\nkind: Node\nmetadata: {name: n1}\n"
	                   "status: {addresses: [{type: InternalIP, address: 198.51.100.7}]}\n";
	char rest[2048];
	struct speaker_opts o = {0};
	struct bgp_peer_cfg pc;
	struct cfg_set set;

	snprintf(rest, sizeof(rest), "%s%s", peer_ebgp, node);
	load(&set, "", rest);
	build(&set, &o, "n1", &pc);
	assert_int_equal(pc.fsm.router_id, 0xc6336407); /* the Node's InternalIP */
	cfg_set_fini(&set);

	load(&set, "routerId: 203.0.113.1", rest);
	build(&set, &o, "n1", &pc);
	assert_int_equal(pc.fsm.router_id, 0xcb007101); /* BgpConf beats the Node */
	assert_int_equal(core_addr_parse("203.0.113.9", &o.router_id), 0);
	build(&set, &o, "n1", &pc);
	assert_int_equal(pc.fsm.router_id, 0xcb007109); /* the flag beats both */
	cfg_set_fini(&set);
}

static void test_multihop_ibgp_families_gr(void **state)
{
	const char *peers =
	    "apiVersion: network.kubesphere.io/v1alpha2\n"
	    "kind: BgpPeer\n"
	    "metadata: {name: rr}\n"
	    "spec:\n"
	    "  conf: {peerAs: 64513, neighborAddress: '2001:db8::fe'}\n"
	    "  ebgpMultihop: {enabled: true, multihopTtl: 3}\n"
	    "  afiSafis:\n"
	    "  - config: {family: {afi: AFI_IP6, safi: SAFI_UNICAST}, enabled: true}\n"
	    "    addPaths: {config: {sendMax: 8}}\n";
	struct speaker_opts o = {0};
	struct bgp_peer_cfg pc;
	struct cfg_set set;

	load(&set, "gracefulRestart: {enabled: true, restartTime: 90}", peers);
	build(&set, &o, "n1", &pc);
	assert_false(pc.ebgp); /* same AS: iBGP */
	assert_int_equal(pc.ttl, 3);
	assert_false(pc.fsm.caps.mp[BGP_AF_IPV4]);
	assert_true(pc.fsm.caps.mp[BGP_AF_IPV6]);
	assert_int_equal(pc.fsm.caps.addpath[BGP_AF_IPV6], BGP_ADDPATH_SEND);
	assert_true(pc.fsm.caps.gr);
	assert_int_equal(pc.fsm.caps.gr_time, 90);
	assert_true(pc.fsm.caps.gr_af[BGP_AF_IPV6].present);
	assert_true(pc.fsm.caps.gr_af[BGP_AF_IPV6].forwarding_preserved);
	assert_false(pc.fsm.caps.gr_af[BGP_AF_IPV4].present);
	cfg_set_fini(&set);
}

static void test_as_per_rack(void **state)
{
	char rest[2048];
	struct speaker_opts o = {0};
	struct bgp_peer_cfg pc;
	struct cfg_set set;

	snprintf(rest, sizeof(rest),
	         "%s---\napiVersion: v1\nkind: Node\nmetadata: {name: n2, labels: "
	         "{openelb.kubesphere.io/rack: rack-b}}\n",
	         peer_ebgp);
	load(&set, "", rest);
	build(&set, &o, "n2", &pc);
	assert_int_equal(pc.fsm.local_as, 64600);
	build(&set, &o, "n1", &pc); /* no Node object: spec.as */
	assert_int_equal(pc.fsm.local_as, 64513);
	cfg_set_fini(&set);
}

/*
 * Prefix limits per family: --max-received for each, an afiSafis entry's
 * prefixLimits.maxPrefixes for its own (0 is absent); the idle hold after
 * an overflow from timers.config.idleHoldTimeAfterReset, else 60 s.
 */
static void test_prefix_limits_idle_hold(void **state)
{
	const char *peers =
	    "apiVersion: network.kubesphere.io/v1alpha2\n"
	    "kind: BgpPeer\n"
	    "metadata: {name: tor}\n"
	    "spec:\n"
	    "  conf: {peerAs: 64512, neighborAddress: 192.0.2.254}\n"
	    "  timers: {config: {idleHoldTimeAfterReset: \"7\"}}\n"
	    "  afiSafis:\n"
	    "  - config: {family: {afi: AFI_IP6, safi: SAFI_UNICAST}, enabled: true}\n"
	    "    prefixLimits: {maxPrefixes: 50}\n"
	    "  - config: {family: {afi: AFI_IP, safi: SAFI_UNICAST}, enabled: true}\n"
	    "    prefixLimits: {maxPrefixes: 0}\n";
	struct speaker_opts o = {.max_received = 10000};
	struct bgp_peer_cfg pc;
	struct cfg_set set;

	load(&set, "", peer_ebgp);
	build(&set, &o, "n1", &pc);
	assert_int_equal(pc.max_prefixes[BGP_AF_IPV4], 10000);
	assert_int_equal(pc.max_prefixes[BGP_AF_IPV6], 10000);
	assert_int_equal(pc.fsm.idle_hold_ms, BGP_FSM_IDLE_HOLD_MS);
	assert_int_equal(pc.fsm.idle_hold_max_ms, BGP_FSM_IDLE_HOLD_MAX_MS);
	assert_int_equal(pc.fsm.idle_hold_reset_ms, BGP_FSM_IDLE_HOLD_RESET_MS);
	cfg_set_fini(&set);

	load(&set, "", peers);
	build(&set, &o, "n1", &pc);
	assert_int_equal(pc.max_prefixes[BGP_AF_IPV4], 10000);
	assert_int_equal(pc.max_prefixes[BGP_AF_IPV6], 50);
	assert_int_equal(pc.fsm.idle_hold_ms, 7000);
	o.max_received = 0; /* no limit, but where the BgpPeer sets one */
	build(&set, &o, "n1", &pc);
	assert_int_equal(pc.max_prefixes[BGP_AF_IPV4], 0);
	assert_int_equal(pc.max_prefixes[BGP_AF_IPV6], 50);
	cfg_set_fini(&set);
}

/* Builds the peer, then its BFD session; returns speaker_bfd_cfg's answer. */
static bool build_bfd(const char *peer, struct bgp_peer_cfg *pc, struct bfd_sess_cfg *bc)
{
	struct speaker_opts o = {0};
	struct cfg_set set;
	bool on;

	load(&set, "", peer);
	build(&set, &o, "n1", pc);
	/* whatever was there before: the function decides it */
	pc->fsm.bfd_strict = true;
	memset(bc, 0xa5, sizeof(*bc));
	on = speaker_bfd_cfg(&set.peers[0], pc, bc);
	cfg_set_fini(&set);
	return on;
}

#define BFD_PEER(name, extra)                                                                      \
	"apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\nmetadata: {name: " name "}\n"  \
	"spec:\n  conf: {peerAs: 64512, neighborAddress: 192.0.2.254}\n" extra

/*
 * spec.bfd to the BFD session: none unless enabled; the BGP session's
 * addresses; single hop (TTL 255 only) unless ebgpMultihop reaches past
 * one hop, then multihop accepting 256 - multihopTtl; timers in us.
 */
static void test_bfd_cfg(void **state)
{
	struct bgp_peer_cfg pc;
	struct bfd_sess_cfg bc;
	struct core_addr a;

	/* absent, present but off: no session, never strict */
	assert_false(build_bfd(BFD_PEER("tor", ""), &pc, &bc));
	assert_false(pc.fsm.bfd_strict);
	assert_false(build_bfd(BFD_PEER("tor", "  bfd: {}\n"), &pc, &bc));
	assert_false(
	    build_bfd(BFD_PEER("tor", "  bfd: {enabled: false, strict: true}\n"), &pc, &bc));
	assert_false(pc.fsm.bfd_strict);

	/* enabled alone: defaults, single hop from the kernel's source */
	assert_true(build_bfd(BFD_PEER("tor", "  bfd: {enabled: true}\n"), &pc, &bc));
	assert_string_equal(bc.name, "BgpPeer tor");
	assert_string_equal(bc.name, pc.name);
	assert_int_equal(core_addr_parse("192.0.2.254", &a), 0);
	assert_true(core_addr_equal(&bc.remote, &a));
	assert_int_equal(bc.local.family, 0);
	assert_false(bc.multihop);
	assert_int_equal(bc.min_ttl, 255);
	assert_int_equal(bc.timers.desired_min_tx_us, 300000);
	assert_int_equal(bc.timers.required_min_rx_us, 300000);
	assert_int_equal(bc.timers.detect_mult, 3);
	assert_false(bc.timers.admin_down);
	assert_false(pc.fsm.bfd_strict);

	/* every field; transport.localAddress is the source; the edges */
	assert_true(build_bfd(BFD_PEER("tor2", "  transport: {localAddress: 192.0.2.10}\n"
	                                       "  bfd: {enabled: true, receiveInterval: 10,"
	                                       " transmitInterval: 60000, detectMultiplier: 255,"
	                                       " strict: true}\n"),
	                      &pc, &bc));
	assert_int_equal(core_addr_parse("192.0.2.10", &a), 0);
	assert_true(core_addr_equal(&bc.local, &a));
	assert_true(core_addr_equal(&bc.local, &pc.local));
	assert_int_equal(bc.timers.required_min_rx_us, 10000);
	assert_int_equal(bc.timers.desired_min_tx_us, 60000000);
	assert_int_equal(bc.timers.detect_mult, 255);
	assert_true(pc.fsm.bfd_strict);

	/* IPv6 */
	assert_true(build_bfd("apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\n"
	                      "metadata: {name: v6}\nspec:\n"
	                      "  conf: {peerAs: 64512, neighborAddress: '2001:db8::fe'}\n"
	                      "  bfd: {enabled: true, detectMultiplier: 2}\n",
	                      &pc, &bc));
	assert_int_equal(core_addr_parse("2001:db8::fe", &a), 0);
	assert_true(core_addr_equal(&bc.remote, &a));
	assert_int_equal(bc.timers.detect_mult, 2);

	/* multihop: 3 hops allowed, so at least TTL 253 on arrival */
	assert_true(build_bfd(BFD_PEER("rr", "  ebgpMultihop: {enabled: true, multihopTtl: 3}\n"
	                                     "  bfd: {enabled: true}\n"),
	                      &pc, &bc));
	assert_true(bc.multihop);
	assert_int_equal(bc.min_ttl, 253);
	/* multihopTtl 2 and 255; enabled without a TTL is GoBGP's 255 */
	assert_true(build_bfd(BFD_PEER("rr", "  ebgpMultihop: {enabled: true, multihopTtl: 2}\n"
	                                     "  bfd: {enabled: true}\n"),
	                      &pc, &bc));
	assert_true(bc.multihop);
	assert_int_equal(bc.min_ttl, 254);
	assert_true(build_bfd(BFD_PEER("rr", "  ebgpMultihop: {enabled: true, multihopTtl: 255}\n"
	                                     "  bfd: {enabled: true}\n"),
	                      &pc, &bc));
	assert_int_equal(bc.min_ttl, 1);
	assert_true(build_bfd(BFD_PEER("rr", "  ebgpMultihop: {enabled: true}\n"
	                                     "  bfd: {enabled: true}\n"),
	                      &pc, &bc));
	assert_true(bc.multihop);
	assert_int_equal(bc.min_ttl, 1);
	/* multihopTtl 1 is directly connected; a TTL given but not enabled
	 * is not multihop either */
	assert_true(build_bfd(BFD_PEER("rr", "  ebgpMultihop: {enabled: true, multihopTtl: 1}\n"
	                                     "  bfd: {enabled: true}\n"),
	                      &pc, &bc));
	assert_false(bc.multihop);
	assert_int_equal(bc.min_ttl, 255);
	assert_true(build_bfd(BFD_PEER("rr", "  ebgpMultihop: {enabled: false, multihopTtl: 5}\n"
	                                     "  bfd: {enabled: true}\n"),
	                      &pc, &bc));
	assert_false(bc.multihop);
	assert_int_equal(bc.min_ttl, 255);
}

static void test_announce_set(void **state)
{
	const char *svcs =
	    "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: LoadBalancer}\n"
	    "status: {loadBalancer: {ingress: [{ip: 203.0.113.10}, {ip: '2001:db8::10'}]}}\n"
	    "---\napiVersion: v1\nkind: Service\nmetadata: {name: shared}\n"
	    "spec: {type: LoadBalancer}\n"
	    "status: {loadBalancer: {ingress: [{ip: 203.0.113.10}]}}\n"
	    "---\napiVersion: v1\nkind: Service\nmetadata: {name: l2, annotations: "
	    "{protocol.openelb.kubesphere.io/v1alpha1: layer2}}\nspec: {type: LoadBalancer}\n"
	    "status: {loadBalancer: {ingress: [{ip: 203.0.113.20}]}}\n"
	    "---\napiVersion: v1\nkind: Service\nmetadata: {name: cip}\nspec: {type: ClusterIP}\n"
	    "status: {loadBalancer: {ingress: [{ip: 203.0.113.30}]}}\n";
	struct prefix_set out;
	struct bgp_prefix p;
	struct cfg_set set;

	load(&set, "", svcs);
	prefix_set_init(&out);
	assert_int_equal(lb_announce_compute(&set, "n1", &out), 0);
	assert_int_equal(out.n, 2); /* shared address once; layer2 and ClusterIP not */
	assert_int_equal(bgp_prefix_parse("203.0.113.10/32", &p), 0);
	assert_true(prefix_set_has(&out, &p));
	assert_int_equal(bgp_prefix_parse("2001:db8::10/128", &p), 0);
	assert_true(prefix_set_has(&out, &p));
	prefix_set_fini(&out);
	cfg_set_fini(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ebgp_defaults),
	    cmocka_unit_test(test_router_id_precedence),
	    cmocka_unit_test(test_multihop_ibgp_families_gr),
	    cmocka_unit_test(test_as_per_rack),
	    cmocka_unit_test(test_prefix_limits_idle_hold),
	    cmocka_unit_test(test_bfd_cfg),
	    cmocka_unit_test(test_announce_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
