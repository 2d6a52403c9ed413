/*
 * The manifest loader (files in $BERTH_TESTDATA/manifests), all-or-nothing
 * reloads, cross-object rules, and the accessors the speaker uses:
 * selectors, per-node AS and router ID, announced addresses, session
 * comparison.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "test_config_util.h"

static char paths[16][512];

static const char *data(const char *name)
{
	static unsigned next;
	const char *dir = getenv("BERTH_TESTDATA");
	char *p = paths[next++ % 16];

	snprintf(p, sizeof(paths[0]), "%s/manifests/%s", dir ? dir : "tests/data", name);
	return p;
}

static void load_files(struct cfg_set *s, const char *const *names, size_t n)
{
	const char *p[8];
	struct cfg_error err;
	int rc;

	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++)
		p[i] = data(names[i]);
	rc = cfg_manifest_load_files(p, n, s, &err);
	if (rc != 0)
		fail_msg("load failed: %s", err.msg);
}

static const char *const all_good[] = {"bgp.yaml", "eips.yaml", "services.yaml", "nodes.yaml",
                                       "deploy-extras.yaml"};
#define N_GOOD (sizeof(all_good) / sizeof(all_good[0]))

static void addr_is(const struct core_addr *a, const char *text)
{
	struct core_addr want = {0};
	int fam = strchr(text, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(fam, text, want.bytes), 1);
	assert_int_equal(a->family, fam);
	assert_memory_equal(a->bytes, want.bytes, core_af_len(fam));
}

static void test_load_openelb_manifests(void **state)
{
	struct cfg_set s;
	const struct cfg_bgp_peer *p;
	const struct cfg_eip *e;
	const struct cfg_service *svc;
	const struct cfg_node *n;

	cfg_set_init(&s);
	load_files(&s, all_good, N_GOOD);
	assert_non_null(s.bgp_conf);
	assert_int_equal(s.n_peers, 3);
	assert_int_equal(s.n_eips, 3);
	assert_int_equal(s.n_services, 2);
	assert_int_equal(s.n_nodes, 2);
	assert_int_equal(s.n_skipped, 2); /* Namespace, DaemonSet */

	/* BgpConf */
	assert_int_equal(s.bgp_conf->as, 50000);
	assert_int_equal(s.bgp_conf->listen_port, 17900);
	assert_int_equal(s.bgp_conf->router_id, 0xc0000202);
	assert_int_equal(s.bgp_conf->n_families, 2);
	assert_int_equal(s.bgp_conf->families[1], CFG_FAMILY_IPV6_UNICAST);
	assert_true(s.bgp_conf->graceful_restart.present);
	assert_true(s.bgp_conf->graceful_restart.enabled);
	assert_int_equal(s.bgp_conf->graceful_restart.restart_time, 120);
	assert_non_null(strstr(s.bgp_conf->meta.source, "bgp.yaml:2"));

	/* BgpPeer tor1: every section */
	p = cfg_set_peer(&s, "tor1");
	assert_non_null(p);
	assert_int_equal(p->conf.peer_as, 50001);
	addr_is(&p->conf.neighbor_address, "192.0.2.5");
	assert_string_equal(p->conf.auth_password, "s3cret");
	assert_int_equal(p->timers.hold_time, 30);
	assert_int_equal(p->timers.keepalive_interval, 10);
	assert_int_equal(p->timers.connect_retry, 5);
	assert_int_equal(p->transport.remote_port, 17901);
	assert_true(p->ebgp_multihop.enabled);
	assert_int_equal(p->ebgp_multihop.multihop_ttl, 255);
	assert_int_equal(p->n_afi_safis, 1);
	assert_int_equal(p->afi_safis[0].af, BGP_AF_IPV4);
	assert_true(p->afi_safis[0].enabled);
	assert_int_equal(p->afi_safis[0].add_paths_send_max, 10);
	assert_int_equal(p->n_node_selectors, 1);
	assert_string_equal(cfg_map_get(&p->node_selectors[0].match_labels, CFG_LABEL_RACK),
	                    "leaf1");

	/* tor2: IPv6 neighbor, two families, expressions */
	p = cfg_set_peer(&s, "tor2");
	assert_non_null(p);
	assert_int_equal(p->conf.peer_as, 4200000002u);
	addr_is(&p->conf.neighbor_address, "2001:db8::5");
	assert_int_equal(p->n_afi_safis, 2);
	assert_int_equal(p->afi_safis[0].af, BGP_AF_IPV6);
	assert_int_equal(p->node_selectors[0].n_exprs, 2);
	assert_int_equal(p->node_selectors[0].exprs[0].op, CFG_SEL_IN);
	assert_int_equal(p->node_selectors[0].exprs[0].n_values, 2);
	assert_string_equal(p->node_selectors[0].exprs[0].values[1], "leaf3");
	assert_int_equal(p->node_selectors[0].exprs[1].op, CFG_SEL_DOES_NOT_EXIST);
	assert_string_equal(cfg_meta_label(&p->meta, "site"), "lab");
	assert_null(cfg_set_peer(&s, "tor3"));

	/* Eips */
	e = cfg_set_eip(&s, "eip-bgp-pool");
	assert_non_null(e);
	assert_int_equal(e->n_ranges, 1);
	addr_is(&e->ranges[0].first, "203.0.113.0");
	addr_is(&e->ranges[0].last, "203.0.113.15");
	assert_int_equal(e->protocol, CFG_EIP_BGP);
	assert_int_equal(e->priority, 1);
	assert_int_equal(e->n_namespaces, 2);
	assert_string_equal(e->namespaces[1], "default");
	assert_int_equal(e->n_ns_selectors, 1);
	assert_string_equal(
	    cfg_map_get(&e->ns_selectors[0].match_labels, "kubesphere.io/workspace"), "workspace");
	/* protocol bgp: one BGP announcement, none over layer 2 */
	assert_int_equal(e->n_bgp, 1);
	assert_int_equal(e->n_l2, 0);
	assert_string_equal(cfg_meta_annotation(&e->meta, CFG_ANN_DEFAULT_EIP), "true");
	assert_int_equal(e->status.pool_size, 16);
	assert_int_equal(e->status.usage, 1);
	assert_string_equal(cfg_map_get(&e->status.used, "203.0.113.1"), "default/web");
	assert_true(e->status.ready);
	assert_true(e->status.v4);
	e = cfg_set_eip(&s, "eip-layer2-pool");
	assert_int_equal(e->protocol, CFG_EIP_LAYER2);
	assert_int_equal(e->n_bgp, 0);
	assert_int_equal(e->n_l2, 1);
	assert_int_equal(e->l2[0].n_interfaces, 1);
	assert_string_equal(e->l2[0].interfaces[0], "can_reach:192.0.2.5");
	addr_is(&e->ranges[0].last, "198.51.100.100");
	e = cfg_set_eip(&s, "eip-v6");
	addr_is(&e->ranges[0].last, "2001:db8:1::ff");

	/* Services */
	svc = cfg_set_service(&s, NULL, "web");
	assert_non_null(svc);
	assert_string_equal(svc->meta.ns, "default");
	assert_string_equal(svc->meta.uid, "0b8c2f3e-0000-4000-8000-000000000001");
	assert_string_equal(svc->meta.resource_version, "4711");
	assert_string_equal(cfg_meta_annotation(&svc->meta, CFG_ANN_LB), "openelb");
	assert_int_equal(svc->type, CFG_SVC_LOAD_BALANCER);
	assert_string_equal(svc->load_balancer_class, "berth.io/bgp");
	assert_int_equal(svc->external_traffic_policy, CFG_ETP_LOCAL);
	assert_int_equal(svc->n_ip_families, 2);
	assert_int_equal(svc->ip_families[1], BGP_AF_IPV6);
	assert_int_equal(svc->ip_family_policy, CFG_IPFP_PREFER_DUAL_STACK);
	assert_int_equal(svc->n_ports, 2);
	assert_string_equal(svc->ports[0].protocol, "TCP");
	assert_string_equal(svc->ports[0].target_port, "8080");
	assert_string_equal(svc->ports[1].protocol, "UDP");
	assert_string_equal(svc->ports[1].target_port, "dns");
	assert_int_equal(svc->ports[1].node_port, 31053);
	assert_int_equal(svc->n_ingress, 2); /* the hostname-only entry is skipped */
	addr_is(&svc->ingress[1], "2001:db8:1::1");
	svc = cfg_set_service(&s, "kube-system", "internal");
	assert_non_null(svc);
	assert_int_equal(svc->type, CFG_SVC_CLUSTER_IP);
	assert_null(cfg_set_service(&s, "default", "internal"));

	/* Nodes (from a v1 List) */
	n = cfg_set_node(&s, "node1");
	assert_non_null(n);
	assert_int_equal(n->ready, CFG_COND_TRUE);
	assert_false(n->unschedulable);
	assert_int_equal(n->n_addresses, 3);
	addr_is(cfg_node_ip(n, "InternalIP", AF_INET6), "2001:db8::11");
	addr_is(cfg_node_ip(n, "InternalIP", 0), "192.0.2.11");
	assert_null(cfg_node_ip(n, "ExternalIP", 0));
	assert_false(n->addresses[2].is_ip);
	n = cfg_set_node(&s, "node2");
	assert_int_equal(n->ready, CFG_COND_FALSE);
	assert_true(n->unschedulable);
	cfg_set_fini(&s);
	assert_null(s.peers);
}

static size_t peers_for(const struct cfg_set *s, const struct cfg_map *labels, const char **names)
{
	const struct cfg_bgp_peer *p;
	size_t it = 0, n = 0;

	while ((p = cfg_set_next_peer(s, labels, &it)))
		names[n++] = p->meta.name;
	return n;
}

static void test_speaker_view(void **state)
{
	struct cfg_set s;
	const struct cfg_node *n1, *n2;
	const char *names[8];
	struct cfg_lb_iter it = {0};
	const struct cfg_service *svc;
	const struct core_addr *addr;
	uint32_t id = 0;
	size_t count = 0;

	cfg_set_init(&s);
	load_files(&s, all_good, N_GOOD);
	n1 = cfg_set_node(&s, "node1");
	n2 = cfg_set_node(&s, "node2");

	/* node1 (rack leaf1): tor1 and the selector-less route server */
	assert_int_equal(peers_for(&s, &n1->meta.labels, names), 2);
	assert_string_equal(names[0], "tor1");
	assert_string_equal(names[1], "route-server");
	/* node2 (rack leaf2): tor2 (In [leaf2, leaf3], no control-plane label) */
	assert_int_equal(peers_for(&s, &n2->meta.labels, names), 2);
	assert_string_equal(names[0], "tor2");
	/* a node unknown to the set: only selector-less peers */
	assert_int_equal(peers_for(&s, NULL, names), 1);
	assert_string_equal(names[0], "route-server");

	/* asPerRack: leaf2 has its own AS, and racked nodes drop routerId */
	assert_int_equal(cfg_bgp_conf_node_as(s.bgp_conf, &n2->meta.labels), 50002);
	assert_int_equal(cfg_bgp_conf_node_as(s.bgp_conf, &n1->meta.labels), 50000);
	assert_int_equal(cfg_bgp_conf_node_as(s.bgp_conf, NULL), 50000);
	assert_false(cfg_bgp_conf_node_router_id(s.bgp_conf, &n1->meta.labels, &id));
	assert_true(cfg_bgp_conf_node_router_id(s.bgp_conf, NULL, &id));
	assert_int_equal(id, 0xc0000202);

	/* addresses to announce: LoadBalancer ingress IPs only */
	while (cfg_set_next_lb_addr(&s, &it, &svc, &addr)) {
		assert_string_equal(svc->meta.name, "web");
		addr_is(addr, count == 0 ? "203.0.113.1" : "2001:db8:1::1");
		count++;
	}
	assert_int_equal(count, 2);
	assert_false(cfg_set_next_lb_addr(&s, &it, &svc, &addr));
	cfg_set_fini(&s);
}

static struct cfg_sel_req req(const char *key, enum cfg_sel_op op, char **values, size_t n)
{
	struct cfg_sel_req r = {.key = (char *)key, .op = op, .values = values, .n_values = n};

	return r;
}

static void test_selector_matcher(void **state)
{
	struct cfg_kv kv[] = {{"rack", "leaf1"}, {"zone", "a"}};
	struct cfg_map labels = {kv, 2};
	char *leafs[] = {"leaf1", "leaf2"};
	char *other[] = {"leaf9"};
	struct cfg_kv want[] = {{"rack", "leaf1"}};
	struct cfg_kv want_bad[] = {{"rack", "leaf2"}};
	struct cfg_sel_req r[2];
	struct cfg_selector sel = {.present = true};

	assert_true(cfg_selector_matches(NULL, &labels));
	assert_true(cfg_selector_matches(&sel, &labels)); /* empty: everything */
	assert_true(cfg_selector_matches(&sel, NULL));

	sel.match_labels = (struct cfg_map){want, 1};
	assert_true(cfg_selector_matches(&sel, &labels));
	assert_false(cfg_selector_matches(&sel, NULL));
	sel.match_labels = (struct cfg_map){want_bad, 1};
	assert_false(cfg_selector_matches(&sel, &labels));
	sel.match_labels = (struct cfg_map){NULL, 0};

	sel.exprs = r;
	sel.n_exprs = 1;
	r[0] = req("rack", CFG_SEL_IN, leafs, 2);
	assert_true(cfg_selector_matches(&sel, &labels));
	r[0] = req("rack", CFG_SEL_IN, other, 1);
	assert_false(cfg_selector_matches(&sel, &labels));
	r[0] = req("missing", CFG_SEL_IN, leafs, 2);
	assert_false(cfg_selector_matches(&sel, &labels));
	r[0] = req("rack", CFG_SEL_NOT_IN, other, 1);
	assert_true(cfg_selector_matches(&sel, &labels));
	r[0] = req("rack", CFG_SEL_NOT_IN, leafs, 2);
	assert_false(cfg_selector_matches(&sel, &labels));
	/* NotIn holds when the label is absent */
	r[0] = req("missing", CFG_SEL_NOT_IN, leafs, 2);
	assert_true(cfg_selector_matches(&sel, &labels));
	r[0] = req("zone", CFG_SEL_EXISTS, NULL, 0);
	assert_true(cfg_selector_matches(&sel, &labels));
	r[0] = req("missing", CFG_SEL_EXISTS, NULL, 0);
	assert_false(cfg_selector_matches(&sel, &labels));
	r[0] = req("missing", CFG_SEL_DOES_NOT_EXIST, NULL, 0);
	assert_true(cfg_selector_matches(&sel, &labels));
	r[0] = req("zone", CFG_SEL_DOES_NOT_EXIST, NULL, 0);
	assert_false(cfg_selector_matches(&sel, &labels));
	/* requirements are ANDed */
	sel.n_exprs = 2;
	r[0] = req("rack", CFG_SEL_IN, leafs, 2);
	r[1] = req("zone", CFG_SEL_DOES_NOT_EXIST, NULL, 0);
	assert_false(cfg_selector_matches(&sel, &labels));
	r[1] = req("zone", CFG_SEL_EXISTS, NULL, 0);
	assert_true(cfg_selector_matches(&sel, &labels));
	sel.match_labels = (struct cfg_map){want_bad, 1};
	assert_false(cfg_selector_matches(&sel, &labels));
}

/* Two versions of one peer: the base plus one changed line. */
static bool same_session(const char *extra_a, const char *extra_b)
{
	static const char base[] = "apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\n"
	                           "metadata:\n  name: tor1\nspec:\n  conf:\n    peerAs: 65001\n"
	                           "    neighborAddress: 192.0.2.5\n";
	char a[1024], b[1024];
	struct cfg_set sa, sb;
	struct cfg_error err;
	bool eq;

	snprintf(a, sizeof(a), "%s%s", base, extra_a);
	snprintf(b, sizeof(b), "%s%s", base, extra_b);
	cfg_set_init(&sa);
	cfg_set_init(&sb);
	if (cfg_manifest_load_buf("a", a, strlen(a), &sa, &err) ||
	    cfg_manifest_load_buf("b", b, strlen(b), &sb, &err))
		fail_msg("%s", err.msg);
	eq = cfg_bgp_peer_session_equal(&sa.peers[0], &sb.peers[0]);
	assert_true(eq == cfg_bgp_peer_session_equal(&sb.peers[0], &sa.peers[0]));
	cfg_set_fini(&sa);
	cfg_set_fini(&sb);
	return eq;
}

static void test_session_equal(void **state)
{
	static const char fam4[] = "    - config: {family: {afi: AFI_IP, safi: SAFI_UNICAST}}\n";
	static const char fam6[] = "    - config: {family: {afi: AFI_IP6, safi: SAFI_UNICAST}}\n";
	char x[512], y[512];

	assert_true(same_session("", ""));
	/* no reset needed */
	assert_true(same_session("", "    description: rack 1 ToR\n"));
	assert_true(same_session("", "  nodeSelector: {matchLabels: {a: b}}\n"));
	assert_true(same_session("", "  timers:\n    config:\n      connectRetry: \"10\"\n"));
	/* defaults are what they say: writing them changes nothing */
	assert_true(same_session("", "  timers:\n    config:\n      holdTime: \"90\"\n"));
	assert_true(same_session("", "  transport:\n    remotePort: 179\n"));
	/* family order is not a change */
	snprintf(x, sizeof(x), "  afiSafis:\n%s%s", fam4, fam6);
	snprintf(y, sizeof(y), "  afiSafis:\n%s%s", fam6, fam4);
	assert_true(same_session(x, y));
	/* limits apply in place (the speaker ends an idle hold instead) */
	assert_true(
	    same_session("", "  timers:\n    config:\n      idleHoldTimeAfterReset: \"10\"\n"));
	snprintf(x, sizeof(x), "  afiSafis:\n%s", fam4);
	snprintf(y, sizeof(y), "  afiSafis:\n%s      prefixLimits: {maxPrefixes: 5}\n", fam4);
	assert_true(same_session(x, y));
	snprintf(y, sizeof(y), "  afiSafis:\n%s%s", fam6, fam4);

	/* BFD never resets the BGP session: new timers go to the BFD
	 * session as a Poll Sequence, strict applies in place */
	assert_true(same_session("", "  bfd: {enabled: true}\n"));
	assert_true(same_session("  bfd: {enabled: true}\n", "  bfd: {enabled: false}\n"));
	assert_true(
	    same_session("  bfd: {enabled: true}\n",
	                 "  bfd: {enabled: true, receiveInterval: 100, transmitInterval: 50,"
	                 " detectMultiplier: 5, strict: true}\n"));

	/* session-affecting */
	assert_false(same_session("", "    authPassword: x\n"));
	assert_false(same_session("", "    localAs: 65000\n"));
	assert_false(same_session("", "    adminDown: true\n"));
	assert_false(same_session("", "  timers:\n    config:\n      holdTime: \"30\"\n"));
	assert_false(same_session("", "  transport:\n    passiveMode: true\n"));
	assert_false(same_session("", "  transport:\n    remotePort: 1179\n"));
	assert_false(same_session("", "  ebgpMultihop:\n    enabled: true\n"));
	assert_false(same_session("", "  gracefulRestart:\n    enabled: true\n"));
	snprintf(x, sizeof(x), "  afiSafis:\n%s", fam4);
	assert_false(same_session(x, y));
	snprintf(y, sizeof(y), "  afiSafis:\n%s      addPaths: {config: {sendMax: 4}}\n", fam4);
	assert_false(same_session(x, y));
}

static void test_all_or_nothing(void **state)
{
	static const char *const good[] = {"bgp.yaml", "eips.yaml"};
	const char *bad_set[] = {NULL, NULL, NULL};
	struct cfg_set s, snapshot;
	struct cfg_error err;
	int rc;

	cfg_set_init(&s);
	load_files(&s, good, 2);
	snapshot = s;

	/* a bad file after a good one: the running set is untouched */
	bad_set[0] = data("services.yaml");
	bad_set[1] = data("bad-peer.yaml");
	rc = cfg_manifest_load_files(bad_set, 2, &s, &err);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err.msg, "bad-peer.yaml:11: BgpPeer tor9: "
	                                "spec.ebgpMultihop.multihopTtl: must be 1..255"));
	assert_memory_equal(&s, &snapshot, sizeof(s));
	assert_string_equal(s.peers[0].meta.name, "tor1");

	/* a duplicate across files: both places named */
	bad_set[0] = data("bgp.yaml");
	bad_set[1] = data("dup-peer.yaml");
	rc = cfg_manifest_load_files(bad_set, 2, &s, &err);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err.msg, "dup-peer.yaml:1: BgpPeer tor1: duplicate object (also "
	                                "defined at "));
	assert_non_null(strstr(err.msg, "bgp.yaml:17)"));
	assert_memory_equal(&s, &snapshot, sizeof(s));

	/* a missing file */
	bad_set[0] = data("bgp.yaml");
	bad_set[1] = data("no-such-file.yaml");
	rc = cfg_manifest_load_files(bad_set, 2, &s, &err);
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(err.msg, "no-such-file.yaml: No such file or directory"));
	assert_memory_equal(&s, &snapshot, sizeof(s));

	/* a directory is not a manifest */
	rc = cfg_manifest_load(getenv("BERTH_TESTDATA") ? getenv("BERTH_TESTDATA") : "tests/data",
	                       &s, &err);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_memory_equal(&s, &snapshot, sizeof(s));

	/* adding one file to the running set: a conflict leaves it as it was */
	rc = cfg_manifest_load(data("dup-peer.yaml"), &s, &err);
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(s.n_peers, snapshot.n_peers);
	assert_ptr_equal(s.peers, snapshot.peers);
	/* ...and a good one joins it */
	rc = cfg_manifest_load(data("services.yaml"), &s, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(s.n_services, 2);
	assert_int_equal(s.n_peers, 3);

	/* a successful reload replaces the set */
	bad_set[0] = data("dup-peer.yaml");
	rc = cfg_manifest_load_files(bad_set, 1, &s, &err);
	assert_int_equal(rc, 0);
	assert_null(s.bgp_conf);
	assert_int_equal(s.n_peers, 1);
	assert_int_equal(s.peers[0].conf.peer_as, 65010);
	assert_int_equal(s.n_services, 0);
	cfg_set_fini(&s);
}

/* One default Eip per family: an IPv4 and an IPv6 default load together
 * (the controller hands out from both). */
static void test_default_per_family(void **state)
{
	static const char y[] =
	    "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata:\n  name: v4\n"
	    "  annotations: {eip.openelb.kubesphere.io/is-default-eip: \"true\"}\nspec:\n"
	    "  address: 192.0.2.0/24\n---\n"
	    "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata:\n  name: v6\n"
	    "  annotations: {eip.openelb.kubesphere.io/is-default-eip: \"true\"}\nspec:\n"
	    "  address: 2001:db8::/64\n";
	struct cfg_set s;
	struct cfg_error err;

	(void)state;
	cfg_set_init(&s);
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_manifest_load_buf("eips.yaml", y, strlen(y), &s, &err), 0);
	assert_int_equal(s.n_eips, 2);
	cfg_set_fini(&s);
}

/* A document read as a List while its items came (its kind after them)
 * and then not one: the items added on the way are taken back, out of the
 * Services' index too, so the document's own Service of the same name is
 * no duplicate and no lookup reaches a freed one (found by fuzz_manifest). */
static void test_list_rollback(void **state)
{
	static const char y[] = "items:\n"
	                        "- apiVersion: v1\n"
	                        "  kind: Service\n"
	                        "  metadata: {name: web}\n"
	                        "- apiVersion: v1\n"
	                        "  kind: Service\n"
	                        "  metadata: {name: api}\n"
	                        "apiVersion: v1\n"
	                        "kind: Service\n"
	                        "metadata: {name: web}\n";
	struct cfg_set s;
	struct cfg_error err;

	(void)state;
	cfg_set_init(&s);
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_manifest_load_buf("svc.yaml", y, strlen(y), &s, &err), 0);
	assert_int_equal(s.n_services, 1);
	assert_non_null(cfg_set_service(&s, "default", "web"));
	assert_null(cfg_set_service(&s, "default", "api"));
	cfg_set_fini(&s);
}

static void test_singleton_and_lists(void **state)
{
	static const char two_confs[] =
	    "apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpConf\n"
	    "metadata: {name: default}\nspec: {as: 1}\n";
	struct cfg_set s;
	struct cfg_error err;
	json_error_t jerr;
	json_t *o;

	cfg_set_init(&s);
	assert_int_equal(cfg_manifest_load_buf("a.yaml", two_confs, strlen(two_confs), &s, &err),
	                 0);
	assert_int_equal(cfg_manifest_load_buf("b.yaml", two_confs, strlen(two_confs), &s, &err),
	                 -EINVAL);
	assert_string_equal(err.msg, "b.yaml:1: BgpConf default: duplicate object (also defined at "
	                             "a.yaml:1)");
	assert_int_equal(s.bgp_conf->as, 1);

	/* an API server list: items carry no kind */
	assert_int_equal(cfg_manifest_load(data("eip-list.json"), &s, &err), 0);
	assert_int_equal(s.n_eips, 1);
	assert_int_equal(s.eips[0].protocol, CFG_EIP_VIP);
	assert_string_equal(s.eips[0].meta.uid, "u-1");

	/* JSON objects straight from the API server */
	o = json_loads("{\"kind\": \"Service\", \"apiVersion\": \"v1\", \"metadata\": "
	               "{\"name\": \"web\", \"namespace\": \"shop\"}, \"spec\": {\"type\": "
	               "\"LoadBalancer\"}, \"status\": {\"loadBalancer\": {\"ingress\": [{\"ip\": "
	               "\"203.0.113.9\"}]}}}",
	               0, &jerr);
	assert_non_null(o);
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_set_add_json(&s, o, &err), 0);
	assert_int_equal(cfg_set_add_json(&s, o, &err), -EINVAL);
	assert_string_equal(err.msg, "Service shop/web: duplicate object (also defined at an "
	                             "earlier object)");
	assert_int_equal(s.n_services, 1);
	assert_int_equal(s.services[0].n_ingress, 1);
	json_decref(o);

	/* an overlapping pool from the API server is refused against the set */
	o = json_loads("{\"kind\": \"Eip\", \"apiVersion\": \"network.kubesphere.io/v1alpha2\", "
	               "\"metadata\": {\"name\": \"p2\"}, \"spec\": {\"address\": "
	               "\"198.51.100.205\"}}",
	               0, &jerr);
	assert_int_equal(cfg_set_add_json(&s, o, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "Eip p2: spec.address: overlaps Eip json-pool "
	                                "(198.51.100.200-198.51.100.210) at "));
	assert_non_null(strstr(err.msg, "eip-list.json:4"));
	assert_int_equal(s.n_eips, 1);
	json_decref(o);
	cfg_set_fini(&s);

	assert_true(cfg_kind_is_skipped("ConfigMap"));
	assert_false(cfg_kind_is_skipped("DefinedSet"));
	assert_false(cfg_kind_is_skipped("Eip"));
}

/* ---- Large manifests, one document (or List item) at a time ---- */

enum form {
	FORM_DOCS,      /* one document a Service */
	FORM_LIST,      /* one List, "kind" first */
	FORM_LIST_LAST, /* one List, "kind" last, as kubectl writes it */
	FORM_SVC_LIST,  /* a ServiceList, "kind" last, items without kind */
};

/* Services svc-0..n-1, each with one address in 2001:db8::/32. */
static char *services_text(enum form form, int n, size_t *len)
{
	static const char *const head[] = {
	    [FORM_DOCS] = "",
	    [FORM_LIST] = "apiVersion: v1\nkind: List\nitems:\n",
	    [FORM_LIST_LAST] = "apiVersion: v1\nitems:\n",
	    [FORM_SVC_LIST] = "apiVersion: v1\nitems:\n",
	};
	static const char *const tail[] = {
	    [FORM_DOCS] = "",
	    [FORM_LIST] = "",
	    [FORM_LIST_LAST] = "kind: List\n",
	    [FORM_SVC_LIST] = "kind: ServiceList\n",
	};
	/* the item's lines, indented for a List */
	static const char *const lines[] = {
	    "apiVersion: v1", "kind: Service",
	    "metadata:",      "  name: svc-%d",
	    "  annotations:", "    " CFG_ANN_PROTOCOL ": bgp",
	    "spec:",          "  type: LoadBalancer",
	    "  ports:",       "  - {port: 80, targetPort: 8080}",
	    "status:",        "  loadBalancer:",
	    "    ingress:",   "    - ip: 2001:db8::%x",
	};
	size_t cap = (size_t)n * 400 + 256, off;
	char *t = malloc(cap);

	assert_non_null(t);
	off = (size_t)snprintf(t, cap, "%s", head[form]);
	for (int i = 0; i < n; i++) {
		if (form == FORM_DOCS)
			off += (size_t)snprintf(t + off, cap - off, "---\n");
		for (size_t l = 0; l < sizeof(lines) / sizeof(lines[0]); l++) {
			const char *indent = form == FORM_DOCS ? "" : l ? "  " : "- ";

			if (form == FORM_SVC_LIST && l == 1)
				continue;
			off += (size_t)snprintf(t + off, cap - off, "%s", indent);
			off += (size_t)snprintf(t + off, cap - off, lines[l], l == 3 ? i : i + 1);
			off += (size_t)snprintf(t + off, cap - off, "\n");
		}
	}
	off += (size_t)snprintf(t + off, cap - off, "%s", tail[form]);
	*len = off;
	return t;
}

/* s holds what services_text wrote, in order. */
static void services_are(const struct cfg_set *s, int n)
{
	char name[32], ip[32];

	assert_int_equal(s->n_services, n);
	for (int i = 0; i < n; i++) {
		const struct cfg_service *v = &s->services[i];

		snprintf(name, sizeof(name), "svc-%d", i);
		snprintf(ip, sizeof(ip), "2001:db8::%x", i + 1);
		assert_string_equal(v->meta.name, name);
		assert_string_equal(v->meta.ns, "default");
		assert_int_equal(v->type, CFG_SVC_LOAD_BALANCER);
		assert_string_equal(cfg_meta_annotation(&v->meta, CFG_ANN_PROTOCOL), "bgp");
		assert_int_equal(v->n_ports, 1);
		assert_int_equal(v->ports[0].port, 80);
		assert_int_equal(v->n_ingress, 1);
		addr_is(&v->ingress[0], ip);
	}
}

/* A file in $TMPDIR with text (len bytes); its path in path. */
static void temp_file(char *path, size_t size, const char *text, size_t len)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, size, "%s/berth-manifest-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void test_many_documents(void **state)
{
	enum { N = 2000 };
	struct cfg_set s;
	struct cfg_error err;
	size_t len, whole, one;
	char *t, path[512], src[600];
	struct pieces p;
	struct cfg_yaml_input in;
	struct cfg_yaml y;

	/* what the loader held before: every document's tree at once */
	t = services_text(FORM_DOCS, N, &len);
	tjson_reset();
	cfg_error_init(&err, "many.yaml", NULL);
	assert_int_equal(cfg_yaml_parse(t, len, &y, &err), 0);
	whole = tjson_grew();
	assert_int_equal(y.n_docs, N);
	cfg_yaml_fini(&y);

	/* one document at a time: one tree at a time */
	cfg_set_init(&s);
	tjson_reset();
	assert_int_equal(cfg_manifest_load_buf("many.yaml", t, len, &s, &err), 0);
	one = tjson_grew();
	services_are(&s, N);
	/* each object knows where it was written: document i starts at line 15i + 2 */
	snprintf(src, sizeof(src), "many.yaml:%d", 15 * 1234 + 2);
	assert_string_equal(s.services[1234].meta.source, src);
	cfg_set_fini(&s);
	/* a Service's tree is a few kB; every document's tree at once is not */
	assert_in_range(one, 1024, 16 * 1024);
	assert_true(whole > N * (one / 2));

	/* from a file, and from a reader that hands out a few bytes at a time */
	temp_file(path, sizeof(path), t, len);
	tjson_reset();
	assert_int_equal(cfg_manifest_load(path, &s, &err), 0);
	assert_in_range(tjson_grew(), 1024, 16 * 1024);
	services_are(&s, N);
	cfg_set_fini(&s);
	unlink(path);
	p = (struct pieces){.text = t, .len = len};
	in = (struct cfg_yaml_input){.read = read_pieces, .arg = &p, .items = true};
	assert_int_equal(cfg_manifest_load_stream("many.yaml", &in, &s, &err), 0);
	services_are(&s, N);
	cfg_set_fini(&s);
	free(t);

	/* A List: the same objects, whichever of "kind" and "items" comes
	 * first, and the same as when it was read whole; it costs one item's
	 * tree at a time, unless its items need its kind before it is known
	 * (ServiceList, kind last). */
	for (enum form f = FORM_LIST; f <= FORM_SVC_LIST; f++) {
		t = services_text(f, N, &len);
		in = (struct cfg_yaml_input){.buf = t, .len = len};
		assert_int_equal(cfg_manifest_load_stream("list.yaml", &in, &s, &err), 0);
		services_are(&s, N);
		cfg_set_fini(&s);
		tjson_reset();
		assert_int_equal(cfg_manifest_load_buf("list.yaml", t, len, &s, &err), 0);
		if (f != FORM_SVC_LIST)
			assert_in_range(tjson_grew(), 1024, 16 * 1024);
		else
			assert_true(tjson_grew() > N * (one / 2));
		services_are(&s, N);
		/* item i starts after the List's head (2 or 3 lines) and i items
		 * (14 lines, 13 without kind) */
		snprintf(src, sizeof(src), "list.yaml:%d",
		         (f == FORM_SVC_LIST ? 13 : 14) * 1234 + (f == FORM_LIST ? 3 : 2) + 1);
		assert_string_equal(s.services[1234].meta.source, src);
		cfg_set_fini(&s);
		free(t);
	}
}

static void test_size_limit(void **state)
{
	static const char svc[] = "kind: Service\nmetadata: {name: a}\n";
	const char *dir = getenv("TMPDIR");
	char path[512], want[700];
	struct cfg_set s;
	struct cfg_error err;
	char *big;
	int fd;

	cfg_set_init(&s);
	assert_int_equal(cfg_manifest_load_buf("a.yaml", svc, strlen(svc), &s, &err), 0);

	/* refused before a byte is read (a sparse file: it costs no disk) */
	snprintf(path, sizeof(path), "%s/berth-big-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, CFG_YAML_MAX_BYTES + 1), 0);
	close(fd);
	assert_int_equal(cfg_manifest_load(path, &s, &err), -E2BIG);
	snprintf(want, sizeof(want), "%s: 16777217 bytes, larger than the limit of 16777216 bytes",
	         path);
	assert_string_equal(err.msg, want);
	/* the running set stays */
	assert_int_equal(s.n_services, 1);
	unlink(path);

	/* exactly the limit is read, as it comes: its bytes are never all
	 * in memory at once */
	big = malloc(CFG_YAML_MAX_BYTES);
	assert_non_null(big);
	memset(big, '#', CFG_YAML_MAX_BYTES);
	for (size_t i = 4095; i < CFG_YAML_MAX_BYTES; i += 4096)
		big[i] = '\n';
	memcpy(big, "kind: Service\nmetadata: {name: b}\n", 34);
	temp_file(path, sizeof(path), big, CFG_YAML_MAX_BYTES);
	free(big);
	{
		bool measured = tproc_hwm_reset();
		long rss = tproc_kb("VmRSS");

		assert_int_equal(cfg_manifest_load(path, &s, &err), 0);
		if (measured)
			assert_in_range(tproc_kb("VmHWM") - rss, 0, 2048);
	}
	assert_int_equal(s.n_services, 2);
	unlink(path);
	cfg_set_fini(&s);
}

/* Loads text as l.yaml into a fresh set; returns the rc. */
static int load_text(const char *text, struct cfg_set *s, struct cfg_error *err)
{
	cfg_set_init(s);
	return cfg_manifest_load_buf("l.yaml", text, strlen(text), s, err);
}

static void test_list_kind_last(void **state)
{
	struct cfg_set s;
	struct cfg_error err;
	char msg[CFG_ERR_MSG_MAX];

	/* items read before a kind that makes no List: as if never read */
	assert_int_equal(
	    load_text("apiVersion: v1\nitems:\n"
	              "- {kind: Service, metadata: {name: a}}\n"
	              "- {kind: BgpConf, apiVersion: network.kubesphere.io/v1alpha2, "
	              "metadata: {name: default}, spec: {as: 1}}\n"
	              "- {kind: Eip, metadata: {name: e}, spec: {address: 192.0.2.0/28}}\n"
	              "kind: Secret\nmetadata: {name: s}\n"
	              "---\n"
	              "kind: BgpConf\napiVersion: network.kubesphere.io/v1alpha2\n"
	              "metadata: {name: default}\nspec: {as: 2}\n"
	              "---\n"
	              "kind: Eip\nmetadata: {name: e}\nspec: {address: 192.0.2.0/28}\n",
	              &s, &err),
	    0);
	assert_int_equal(s.n_services, 0);
	assert_int_equal(s.n_secrets, 1); /* the document itself: a Secret */
	assert_int_equal(s.n_skipped, 0);
	assert_int_equal(s.bgp_conf->as, 2);
	assert_int_equal(s.n_eips, 1);
	cfg_set_fini(&s);
	/* ... a Service that happens to have "items" is one Service */
	assert_int_equal(load_text("apiVersion: v1\nitems:\n"
	                           "- {kind: Service, metadata: {name: a}}\n"
	                           "kind: Service\nmetadata: {name: top}\n",
	                           &s, &err),
	                 0);
	assert_int_equal(s.n_services, 1);
	assert_string_equal(s.services[0].meta.name, "top");
	cfg_set_fini(&s);
	/* ... and a bad item of what is no List is no error, as before */
	assert_int_equal(load_text("items:\n- {kind: Service, metadata: {name: b}, spec: {ports: "
	                           "[{port: 0}]}}\nkind: ConfigMap\n",
	                           &s, &err),
	                 0);
	assert_int_equal(s.n_skipped, 1);
	cfg_set_fini(&s);

	/* a bad item: the same message, "kind" first or last */
	assert_int_equal(load_text("kind: List\nitems:\n- {kind: Service, metadata: {name: a}}\n"
	                           "- {kind: Service, metadata: {name: b}, spec: {ports: "
	                           "[{port: 0}]}}\n",
	                           &s, &err),
	                 -EINVAL);
	assert_string_equal(err.msg, "l.yaml:4: Service default/b: spec.ports[0].port: must be "
	                             "1..65535");
	snprintf(msg, sizeof(msg), "%s", err.msg);
	assert_int_equal(
	    load_text("apiVersion: v1\nitems:\n- {kind: Service, metadata: {name: a}}\n"
	              "- {kind: Service, metadata: {name: b}, spec: {ports: "
	              "[{port: 0}]}}\nkind: List\n",
	              &s, &err),
	    -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_int_equal(s.n_services, 0);
	/* ... also after an item kept for the List's kind, which loads */
	assert_int_equal(load_text("apiVersion: v1\nitems:\n- {metadata: {name: a}}\n"
	                           "- {kind: Service, metadata: {name: b}, spec: {ports: "
	                           "[{port: 0}]}}\nkind: ServiceList\n",
	                           &s, &err),
	                 -EINVAL);
	assert_string_equal(err.msg, msg);
	/* ... and a kept item's own error comes first */
	assert_int_equal(load_text("apiVersion: v1\nitems:\n- {metadata: {name: a}, spec: {type: "
	                           "Nope}}\n- {kind: Service, metadata: {name: b}, spec: {ports: "
	                           "[{port: 0}]}}\nkind: ServiceList\n",
	                           &s, &err),
	                 -EINVAL);
	assert_string_equal(err.msg, "l.yaml:3: Service default/a: spec.type: must be ClusterIP, "
	                             "NodePort, LoadBalancer or ExternalName");

	/* duplicates across documents and items, both places named */
	assert_int_equal(load_text("kind: Service\nmetadata: {name: a}\n---\napiVersion: v1\n"
	                           "items:\n- {kind: Service, metadata: {name: a}}\nkind: List\n",
	                           &s, &err),
	                 -EINVAL);
	assert_string_equal(err.msg, "l.yaml:6: Service default/a: duplicate object (also defined "
	                             "at l.yaml:1)");
	/* lists inside lists, either way */
	assert_int_equal(load_text("items:\n- {kind: List, items: []}\nkind: List\n", &s, &err),
	                 -EINVAL);
	assert_string_equal(err.msg, "l.yaml:2: lists inside lists are not supported");
	assert_int_equal(load_text("kind: List\nitems:\n- {kind: List, items: []}\n", &s, &err),
	                 -EINVAL);
	assert_string_equal(err.msg, "l.yaml:3: lists inside lists are not supported");
}

static struct cfg_service one_svc(const char *ns, const char *name, uint8_t last)
{
	char text[256];
	struct cfg_service v;
	struct cfg_error err;
	json_t *o;

	snprintf(text, sizeof(text),
	         "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"%s\""
	         "%s%s%s},\"spec\":{\"type\":\"LoadBalancer\"},\"status\":{\"loadBalancer\":"
	         "{\"ingress\":[{\"ip\":\"192.0.2.%u\"}]}}}",
	         name, ns ? ",\"namespace\":\"" : "", ns ? ns : "", ns ? "\"" : "", last);
	o = json_loads(text, 0, NULL);
	assert_non_null(o);
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_service_decode(o, &v, &err), 0);
	json_decref(o);
	return v;
}

/* Services one at a time, as cluster mode keeps them: replaced in place,
 * deleted with the last moving into the hole, always found by name; a
 * manifest then joins with its duplicate rule seeing them. */
static void test_services_one_by_one(void **state)
{
	struct cfg_set s;
	struct cfg_error err;
	char name[16];

	(void)state;
	cfg_set_init(&s);
	for (int i = 0; i < 300; i++) {
		struct cfg_service v;

		snprintf(name, sizeof(name), "s%d", i);
		v = one_svc(i % 2 ? "ns" : NULL, name, 1);
		assert_int_equal(cfg_set_service_put(&s, &v), 0);
		assert_null(v.meta.name); /* taken over */
	}
	assert_int_equal(s.n_services, 300);
	/* a new state of s7 replaces it where it is */
	struct cfg_service v = one_svc("ns", "s7", 9);
	const struct cfg_service *was = cfg_set_service(&s, "ns", "s7");

	assert_int_equal(cfg_set_service_put(&s, &v), 0);
	assert_int_equal(s.n_services, 300);
	assert_ptr_equal(cfg_set_service(&s, "ns", "s7"), was);
	assert_int_equal(was->ingress[0].bytes[3], 9);
	/* the even ones are in "default", the odd ones in "ns" */
	assert_non_null(cfg_set_service(&s, NULL, "s8"));
	assert_non_null(cfg_set_service(&s, "default", "s8"));
	assert_null(cfg_set_service(&s, "ns", "s8"));
	for (int i = 0; i < 300; i += 3) {
		snprintf(name, sizeof(name), "s%d", i);
		assert_int_equal(cfg_set_service_del(&s, i % 2 ? "ns" : NULL, name), 1);
		assert_int_equal(cfg_set_service_del(&s, i % 2 ? "ns" : NULL, name), 0);
	}
	assert_int_equal(s.n_services, 200);
	for (int i = 0; i < 300; i++) {
		const struct cfg_service *f;

		snprintf(name, sizeof(name), "s%d", i);
		f = cfg_set_service(&s, i % 2 ? "ns" : "default", name);
		if (i % 3 == 0) {
			assert_null(f);
			continue;
		}
		assert_non_null(f);
		assert_string_equal(f->meta.name, name);
		assert_true(f >= s.services && f < s.services + s.n_services);
	}
	/* a manifest's Service of a name already kept is a duplicate; the
	 * set stays as it was */
	static const char dup[] = "apiVersion: v1\nkind: Service\nmetadata: {name: s1, "
	                          "namespace: ns}\nspec: {type: LoadBalancer}\n";
	assert_int_equal(cfg_manifest_load_buf("dup.yaml", dup, strlen(dup), &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "Service ns/s1: duplicate object"));
	assert_int_equal(s.n_services, 200);
	static const char more[] = "apiVersion: v1\nkind: Service\nmetadata: {name: s0}\n"
	                           "spec: {type: LoadBalancer}\n";
	assert_int_equal(cfg_manifest_load_buf("more.yaml", more, strlen(more), &s, &err), 0);
	assert_int_equal(s.n_services, 201);
	assert_non_null(cfg_set_service(&s, "default", "s0"));
	assert_non_null(cfg_set_service(&s, "ns", "s299"));
	cfg_set_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_openelb_manifests),
	    cmocka_unit_test(test_speaker_view),
	    cmocka_unit_test(test_selector_matcher),
	    cmocka_unit_test(test_session_equal),
	    cmocka_unit_test(test_all_or_nothing),
	    cmocka_unit_test(test_singleton_and_lists),
	    cmocka_unit_test(test_default_per_family),
	    cmocka_unit_test(test_list_rollback),
	    cmocka_unit_test(test_many_documents),
	    cmocka_unit_test(test_size_limit),
	    cmocka_unit_test(test_list_kind_last),
	    cmocka_unit_test(test_services_one_by_one),
	};

	tjson_count();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
