/*
 * MetalLB's documentation examples (tests/fixtures/metallb/, the .metallb.yaml files)
 * loaded as the speaker loads manifests (validated, then lowered by
 * cfg_set_resolve): those with a hand-written OpenELB/berth equivalent
 * (the .berth.yaml beside) become the same internal model; the others become the
 * model each test spells out, with the notes berth gives for what it does
 * not honour.
 *
 * "The same model" is what the speaker and the controller read, whatever
 * an object is called or which API it came from: for every address range,
 * the pool holding it has the same range, the same BGP announcements (as
 * cfg_eip_bgp_equal compares them, in any order), the same layer 2
 * announcements (the interface the speaker binds, the nodes), the same
 * automatic allocation (who draws from it and in which order); every peer
 * runs the same session with the same BFD on the same nodes; the BgpConf
 * runs the same sessions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "config/config.h"

static void load(const char *name, struct cfg_set *s)
{
	const char *dir = getenv("BERTH_FIXTURES");
	char path[512];
	const char *paths[1] = {path};
	struct cfg_error err;

	snprintf(path, sizeof(path), "%s/metallb/%s", dir ? dir : "tests/fixtures", name);
	cfg_set_init(s);
	if (cfg_manifest_load_files(paths, 1, s, &err) != 0)
		fail_msg("%s: %s", name, err.msg);
}

/* ---- notes ---- */

struct notes {
	char text[16][CFG_ERR_MSG_MAX * 2];
	char who[16][128];
	size_t n;
};

static void note_cb(const struct cfg_note *n, void *arg)
{
	struct notes *ns = arg;

	assert_true(ns->n < 16);
	snprintf(ns->who[ns->n], sizeof(ns->who[0]), "%s %s", n->kind, n->meta->name);
	snprintf(ns->text[ns->n], sizeof(ns->text[0]), "%s", n->msg);
	ns->n++;
}

static void notes_of(const struct cfg_set *s, struct notes *ns)
{
	memset(ns, 0, sizeof(*ns));
	cfg_set_notes(s, note_cb, ns);
}

/* The note about "Kind name", which must exist and hold sub. */
static void note_has(const struct notes *ns, const char *who, const char *sub)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->who[i], who)) {
			if (!strstr(ns->text[i], sub))
				fail_msg("%s: \"%s\" lacks \"%s\"", who, ns->text[i], sub);
			return;
		}
	fail_msg("no note about %s", who);
}

/* ---- the same model ---- */

static const struct cfg_eip *pool_of(const struct cfg_set *s, const struct cfg_range *r,
                                     const struct cfg_range **out)
{
	for (size_t i = 0; i < s->n_eips; i++) {
		const struct cfg_range *o = cfg_eip_range_of(&s->eips[i], &r->first);

		if (o) {
			*out = o;
			return &s->eips[i];
		}
	}
	return NULL;
}

/* Who draws from e without naming it: nobody, every namespace (MetalLB's
 * pool without serviceAllocation, OpenELB's default Eip: after the pools
 * bound to the namespace), or the namespaces it is bound to. */
enum draw { DRAW_NOBODY, DRAW_EVERYONE, DRAW_BOUND };

static enum draw draw_of(const struct cfg_eip *e)
{
	const char *def = cfg_meta_annotation(&e->meta, CFG_ANN_DEFAULT_EIP);

	if (!e->auto_assign || e->svc_selectors)
		return DRAW_NOBODY;
	if (e->all_namespaces || (e->api == CFG_API_OPENELB && def && !strcmp(def, "true")))
		return DRAW_EVERYONE;
	return e->n_namespaces || e->n_ns_selectors ? DRAW_BOUND : DRAW_NOBODY;
}

static bool names_same(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		size_t j;

		for (j = 0; j < nb && strcmp(a[i], b[j]); j++)
			;
		if (j == nb)
			return false;
	}
	return true;
}

static void same_pool(const char *what, const struct cfg_eip *a, const struct cfg_eip *b)
{
	char ia[128], ib[128];

	if (draw_of(a) != draw_of(b))
		fail_msg("%s: drawn from by %d / %d", what, draw_of(a), draw_of(b));
	if (draw_of(a) == DRAW_BOUND &&
	    (a->priority != b->priority ||
	     !names_same(a->namespaces, a->n_namespaces, b->namespaces, b->n_namespaces) ||
	     !cfg_selectors_equal(a->ns_selectors, a->n_ns_selectors, b->ns_selectors,
	                          b->n_ns_selectors)))
		fail_msg("%s: bound otherwise", what);
	if (a->avoid_buggy_ips != b->avoid_buggy_ips || a->disable != b->disable)
		fail_msg("%s: allocates otherwise", what);
	/* the same BGP announcements, in any order */
	if (a->n_bgp != b->n_bgp)
		fail_msg("%s: %zu BGP announcements / %zu", what, a->n_bgp, b->n_bgp);
	for (size_t i = 0; i < a->n_bgp; i++) {
		size_t j;

		for (j = 0; j < b->n_bgp && !cfg_eip_bgp_equal(&a->bgp[i], &b->bgp[j]); j++)
			;
		if (j == b->n_bgp)
			fail_msg("%s: BGP announcement %zu has no equal", what, i);
	}
	/* layer 2: one interface bound, the same nodes */
	if (!a->n_l2 != !b->n_l2)
		fail_msg("%s: layer 2 %zu / %zu", what, a->n_l2, b->n_l2);
	if (a->n_l2) {
		assert_string_equal(cfg_eip_l2_ifspec(a, ia, sizeof(ia)),
		                    cfg_eip_l2_ifspec(b, ib, sizeof(ib)));
		assert_int_equal(a->n_l2, b->n_l2);
		for (size_t i = 0; i < a->n_l2; i++)
			assert_true(cfg_selectors_equal(
			    a->l2[i].node_selectors, a->l2[i].n_node_selectors,
			    b->l2[i].node_selectors, b->l2[i].n_node_selectors));
	}
}

static void same_peer(const struct cfg_bgp_peer *a, const struct cfg_bgp_peer *b)
{
	const char *n = a->meta.name;

	if (!cfg_bgp_peer_session_equal(a, b) || !cfg_bgp_peer_routes_equal(a, b))
		fail_msg("peer %s: another session", n);
	if (memcmp(&a->bfd, &b->bfd, sizeof(a->bfd)) != 0)
		fail_msg("peer %s: another BFD", n);
	if (!cfg_selectors_equal(a->node_selectors, a->n_node_selectors, b->node_selectors,
	                         b->n_node_selectors))
		fail_msg("peer %s: other nodes", n);
	if (a->timers.connect_retry != b->timers.connect_retry ||
	    a->graceful_restart.enabled != b->graceful_restart.enabled)
		fail_msg("peer %s: other timers", n);
}

/* a (MetalLB's) and b become the same model. */
static void same_sets(const char *base, const struct cfg_set *a, const struct cfg_set *b)
{
	/* every range, both ways */
	for (int k = 0; k < 2; k++) {
		const struct cfg_set *x = k ? b : a, *y = k ? a : b;

		for (size_t i = 0; i < x->n_eips; i++)
			for (size_t r = 0; r < x->eips[i].n_ranges; r++) {
				const struct cfg_range *rx = &x->eips[i].ranges[r], *ry = NULL;
				const struct cfg_eip *e = pool_of(y, rx, &ry);
				char what[256];

				snprintf(what, sizeof(what), "%s: range %s", base, rx->text);
				if (!e || core_addr_cmp(&ry->first, &rx->first) ||
				    core_addr_cmp(&ry->last, &rx->last))
					fail_msg("%s: not one range of the other", what);
				same_pool(what, &x->eips[i], e);
			}
	}
	assert_int_equal(a->n_peers, b->n_peers);
	for (size_t i = 0; i < a->n_peers; i++) {
		const struct cfg_bgp_peer *p = cfg_set_peer(b, a->peers[i].meta.name);

		assert_non_null(p);
		assert_int_equal(a->peers[i].api, CFG_API_METALLB);
		same_peer(&a->peers[i], p);
	}
	assert_int_equal(!a->bgp_conf, !b->bgp_conf);
	if (a->bgp_conf) {
		assert_int_equal(a->bgp_conf->api, CFG_API_METALLB);
		assert_int_equal(a->bgp_conf->as, b->bgp_conf->as);
		assert_true(cfg_bgp_conf_session_equal(a->bgp_conf, b->bgp_conf));
		assert_int_equal(a->bgp_conf->link_bw_per_endpoint,
		                 b->bgp_conf->link_bw_per_endpoint);
	}
}

static void same_model(const char *base)
{
	char m[128], o[128];
	struct cfg_set a, b;
	struct notes ns;

	snprintf(m, sizeof(m), "%s.metallb.yaml", base);
	snprintf(o, sizeof(o), "%s.berth.yaml", base);
	load(m, &a);
	load(o, &b);
	/* nothing berth does not honour: no note */
	notes_of(&a, &ns);
	if (ns.n)
		fail_msg("%s: %s: %s", m, ns.who[0], ns.text[0]);
	same_sets(base, &a, &b);
	cfg_set_fini(&a);
	cfg_set_fini(&b);
}

/* berth convert's text for fixture name, loaded back as a manifest is
 * (validated, resolved) into *out; the text into *text (caller frees). */
static void convert(const char *name, struct cfg_set *mlb, struct cfg_set *out, char **text)
{
	struct cfg_error err;

	load(name, mlb);
	assert_int_equal(cfg_convert_metallb(mlb, text), 0);
	cfg_set_init(out);
	if (cfg_manifest_load_buf("converted.yaml", *text, strlen(*text), out, &err) != 0)
		fail_msg("%s converted does not load: %s\n%s", name, err.msg, *text);
	cfg_error_init(&err, NULL, NULL);
	if (cfg_set_validate(out, &err) != 0)
		fail_msg("%s converted does not validate: %s\n%s", name, err.msg, *text);
	assert_int_equal(cfg_set_resolve(out), 0);
}

static void test_equivalents(void **state)
{
	static const char *const bases[] = {
	    "l2", "bgp", "bfd", "peers", "source", "community", "gr", "autoassign",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		same_model(bases[i]);
}

/* The comparison is no formality: an equivalent with one field changed is
 * told apart. */
static void test_equivalents_differ(void **state)
{
	struct cfg_set a, b;
	struct cfg_error err;
	static const char other[] =
	    "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata:\n  name: first-pool\n"
	    "  annotations: {eip.openelb.kubesphere.io/is-default-eip: \"true\"}\n"
	    "spec:\n  address: 198.51.100.0/24\n  bgp:\n    aggregationLength: 32\n"
	    "    localPref: 100\n    communities: [\"1234:2\"]\n";

	(void)state;
	load("community.metallb.yaml", &a);
	cfg_set_init(&b);
	assert_int_equal(cfg_manifest_load_buf("o.yaml", other, strlen(other), &b, &err), 0);
	assert_int_equal(a.eips[0].n_bgp, 1);
	assert_false(cfg_eip_bgp_equal(&a.eips[0].bgp[0], &b.eips[0].bgp[0]));
	cfg_set_fini(&a);
	cfg_set_fini(&b);
}

/* berth convert: what it writes for an example with an equivalent is
 * that equivalent, as a model; every example converts to objects that
 * load, with a comment where something has no equivalent. */
static void test_convert(void **state)
{
	static const char *const bases[] = {
	    "l2", "bgp", "bfd", "peers", "source", "community", "gr", "autoassign",
	};
	static const struct {
		const char *name, *comment;
	} lossy[] = {
	    {"aggregation.metallb.yaml",
	     "# no equivalent: BGPAdvertisement external applies to this "
	     "pool too (aggregationLength 24"},
	    {"nodeselectors.metallb.yaml", "# no equivalent: a BgpPeer takes one nodeSelector"},
	    {"nodeselectors.metallb.yaml", "this announcement is for nodes matching any of 2 "
	                                   "selectors"},
	    {"pools.metallb.yaml", "range 2 of 3: an Eip has one address"},
	    {"pools.metallb.yaml", "name: \"first-pool-3\""},
	    {"l2adv.metallb.yaml", "L2Advertisement example lets only nodes matching its "
	                           "nodeSelectors answer"},
	    {"l2adv.metallb.yaml", "# L2Advertisement example-3: spec.interfaces: berth answers"},
	    {"l2union.metallb.yaml",
	     "L2Advertisement example-advertisement10 also selects this pool"},
	    {"unsupported.metallb.yaml", "# BGPPeer example not converted: spec.vrf"},
	    {"unsupported.metallb.yaml", "# no equivalent: avoidBuggyIPs"},
	};
	struct cfg_set a, b;
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		char name[128];

		snprintf(name, sizeof(name), "%s.metallb.yaml", bases[i]);
		convert(name, &a, &b, &text);
		assert_null(strstr(text, "no equivalent"));
		same_sets(name, &a, &b);
		cfg_set_fini(&a);
		cfg_set_fini(&b);
		free(text);
	}
	for (size_t i = 0; i < sizeof(lossy) / sizeof(lossy[0]); i++) {
		convert(lossy[i].name, &a, &b, &text);
		if (!strstr(text, lossy[i].comment))
			fail_msg("%s: no \"%s\" in\n%s", lossy[i].name, lossy[i].comment, text);
		/* one announcement of the two: the first, written whole */
		if (!strcmp(lossy[i].name, "aggregation.metallb.yaml")) {
			assert_int_equal(b.eips[0].n_bgp, 1);
			assert_true(cfg_eip_bgp_equal(&a.eips[0].bgp[0], &b.eips[0].bgp[0]));
		}
		cfg_set_fini(&a);
		cfg_set_fini(&b);
		free(text);
	}
}

/* ---- examples without an equivalent ---- */

static void test_pools(void **state)
{
	struct cfg_set s;
	const struct cfg_eip *e;

	(void)state;
	load("pools.metallb.yaml", &s);
	assert_int_equal(s.n_eips, 1);
	e = &s.eips[0];
	assert_int_equal(e->api, CFG_API_METALLB);
	assert_string_equal(e->meta.ns, "metallb-system");
	assert_int_equal(e->n_ranges, 3);
	assert_string_equal(e->ranges[1].text, "198.51.100.1-198.51.100.5");
	assert_int_equal(e->ranges[2].first.family, AF_INET6);
	/* allocated from (every namespace, after the bound pools), not announced */
	assert_true(e->auto_assign && e->all_namespaces);
	assert_int_equal(e->priority, CFG_PRIORITY_LAST);
	assert_int_equal(e->n_bgp + e->n_l2, 0);
	assert_null(s.bgp_conf);
	cfg_set_fini(&s);
}

static void test_aggregation(void **state)
{
	struct cfg_set s;
	const struct cfg_eip *e;
	struct notes ns;

	(void)state;
	load("aggregation.metallb.yaml", &s);
	e = &s.eips[0];
	/* both apply, in the order of the set */
	assert_int_equal(e->n_bgp, 2);
	assert_string_equal(e->bgp[0].name, "local");
	assert_int_equal(e->bgp[0].aggregation_length, 32);
	assert_true(e->bgp[0].has_local_pref);
	assert_int_equal(e->bgp[0].local_pref, 100);
	assert_int_equal(e->bgp[0].n_communities, 1);
	assert_int_equal(e->bgp[0].communities[0], 0xffffff02u);
	assert_string_equal(e->bgp[1].name, "external");
	assert_int_equal(e->bgp[1].aggregation_length, 24);
	assert_false(e->bgp[1].has_local_pref);
	assert_int_equal(e->bgp[1].n_communities, 0);
	notes_of(&s, &ns);
	assert_int_equal(ns.n, 0);
	cfg_set_fini(&s);
}

static void test_node_selectors(void **state)
{
	struct cfg_set s;
	const struct cfg_bgp_peer *p;
	const struct cfg_eip *e;
	struct cfg_kv kv[2] = {{"rack", "frontend"}, {"network-speed", "slow"}};
	struct cfg_kv host = {"kubernetes.io/hostname", "hostB"};
	struct cfg_map fast = {kv, 1}, slow = {kv, 2}, b = {&host, 1};

	(void)state;
	load("nodeselectors.metallb.yaml", &s);
	p = cfg_set_peer(&s, "example");
	assert_non_null(p);
	assert_int_equal(p->transport.remote_port, 180);
	assert_int_equal(p->n_node_selectors, 2);
	/* either selector */
	assert_true(cfg_selectors_match(p->node_selectors, 2, &fast));
	assert_false(cfg_selectors_match(p->node_selectors, 2, &slow));
	assert_true(cfg_selectors_match(p->node_selectors, 2, &b));
	assert_false(cfg_selectors_match(p->node_selectors, 2, NULL));
	e = cfg_set_eip(&s, "first-pool");
	assert_int_equal(e->n_bgp, 1);
	assert_int_equal(e->bgp[0].n_node_selectors, 2);
	assert_false(cfg_selectors_match(e->bgp[0].node_selectors, 2, &b));
	host.value = "NodeB";
	assert_true(cfg_selectors_match(e->bgp[0].node_selectors, 2, &b));
	cfg_set_fini(&s);
}

static void test_l2(void **state)
{
	struct cfg_set s;
	const struct cfg_eip *e;
	struct notes ns;
	char buf[128];

	(void)state;
	load("l2adv.metallb.yaml", &s);
	e = cfg_set_eip(&s, "first-pool");
	assert_int_equal(e->n_l2, 1);
	assert_int_equal(e->l2[0].n_node_selectors, 2);
	/* no interface named: the one the pool is reached through */
	assert_string_equal(cfg_eip_l2_ifspec(e, buf, sizeof(buf)), "can_reach:192.0.2.0");
	e = cfg_set_eip(&s, "third-pool");
	assert_int_equal(e->l2[0].n_interfaces, 2);
	assert_string_equal(cfg_eip_l2_ifspec(e, buf, sizeof(buf)), "eth0");
	e = cfg_set_eip(&s, "fourth-pool");
	assert_string_equal(cfg_eip_l2_ifspec(e, buf, sizeof(buf)), "eth3");
	e = cfg_set_eip(&s, "production-pool");
	assert_int_equal(e->n_l2, 1);
	assert_int_equal(e->n_bgp, 0);
	notes_of(&s, &ns);
	assert_int_equal(ns.n, 2);
	note_has(&ns, "L2Advertisement example-3",
	         "spec.interfaces: berth answers for a pool on "
	         "one interface per node: eth0, the first");
	note_has(&ns, "L2Advertisement prefer-edge", "spec.preferredNodeSelectors");
	cfg_set_fini(&s);

	/* several advertisements for one pool all apply */
	load("l2union.metallb.yaml", &s);
	e = cfg_set_eip(&s, "pool1");
	assert_int_equal(e->n_l2, 2);
	assert_string_equal(e->l2[0].name, "example-advertisement9");
	assert_string_equal(e->l2[1].interfaces[0], "ens18");
	assert_string_equal(cfg_eip_l2_ifspec(e, buf, sizeof(buf)), "eno1");
	e = cfg_set_eip(&s, "pool2");
	assert_int_equal(e->n_l2, 1);
	cfg_set_fini(&s);
}

static void test_unsupported(void **state)
{
	struct cfg_set s;
	const struct cfg_eip *e;
	struct notes ns;

	(void)state;
	load("unsupported.metallb.yaml", &s);
	notes_of(&s, &ns);
	/* exactly one note per object that carries something berth ignores */
	assert_int_equal(ns.n, 5);
	note_has(&ns, "BGPAdvertisement production-services", "spec.serviceSelectors");
	note_has(&ns, "BGPAdvertisement staging-services", "not applied");
	note_has(&ns, "L2Advertisement frontend-services", "spec.serviceSelectors");
	note_has(&ns, "IPAddressPool ippool-ns-service-alloc-sample",
	         "spec.serviceAllocation.serviceSelectors");
	note_has(&ns, "BGPPeer example", "spec.vrf: berth peers in the default VRF only");
	/* what they do: not applied, not peered, named only */
	e = cfg_set_eip(&s, "first-pool");
	assert_int_equal(e->n_bgp + e->n_l2, 0);
	assert_int_equal(s.n_peers, 0);
	assert_int_equal(s.n_ignored, 1);
	assert_null(s.bgp_conf);
	e = cfg_set_eip(&s, "ippool-ns-service-alloc-sample");
	assert_true(e->svc_selectors && e->avoid_buggy_ips);
	assert_int_equal(e->priority, 50);
	assert_int_equal(e->n_namespaces, 2);
	assert_int_equal(e->n_ns_selectors, 1);
	assert_false(e->all_namespaces);
	cfg_set_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_equivalents),    cmocka_unit_test(test_equivalents_differ),
	    cmocka_unit_test(test_pools),          cmocka_unit_test(test_aggregation),
	    cmocka_unit_test(test_node_selectors), cmocka_unit_test(test_l2),
	    cmocka_unit_test(test_unsupported),    cmocka_unit_test(test_convert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
