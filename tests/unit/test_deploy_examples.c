/*
 * deploy/: the examples decode with berth's own decoder (each file alone
 * and all of them as one set, so the cross-object rules hold too), and
 * every install manifest holds only kinds the loader knows to skip, so
 * that pointing `berth speaker --manifests` at deploy/ cannot fail on them.
 *
 * The repository root is derived from BERTH_TESTDATA (<root>/tests/data).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "config/config.h"

#define PATH_LEN  1024
#define MAX_FILES 32

static void deploy_path(char *out, const char *rel)
{
	const char *data = getenv("BERTH_TESTDATA");

	if (!data)
		data = "tests/data";
	snprintf(out, PATH_LEN, "%s/../../deploy/%s", data, rel);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The *.yaml files of deploy/<sub> (sorted, full paths); returns the count. */
static size_t list_yaml(const char *sub, char paths[][PATH_LEN], size_t max)
{
	char dir[PATH_LEN];
	char *sorted[MAX_FILES];
	char names[MAX_FILES][256];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	deploy_path(dir, sub);
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		/* kustomize's own file is no Kubernetes object */
		if (strcmp(de->d_name, "kustomization.yaml") == 0)
			continue;
		assert_true(n < max && n < MAX_FILES && len < sizeof(names[0]));
		memcpy(names[n], de->d_name, len + 1);
		sorted[n] = names[n];
		n++;
	}
	closedir(d);
	qsort(sorted, n, sizeof(sorted[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(paths[i], PATH_LEN, "%s/%s", dir, sorted[i]);

		assert_true(w > 0 && w < PATH_LEN);
	}
	return n;
}

static void load_one(const char *path, struct cfg_set *s)
{
	struct cfg_error err;
	int rc;

	cfg_error_init(&err, path, NULL);
	rc = cfg_manifest_load(path, s, &err);
	if (rc != 0)
		fail_msg("%s does not load (%d): %s", path, rc, err.msg);
}

static void addr_is(const struct core_addr *a, const char *text)
{
	struct core_addr want = {0};
	int fam = strchr(text, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(fam, text, want.bytes), 1);
	assert_int_equal(a->family, fam);
	assert_memory_equal(a->bytes, want.bytes, core_af_len(fam));
}

/* Every example file decodes on its own. */
static void test_examples_each(void **state)
{
	static char paths[MAX_FILES][PATH_LEN];
	size_t n = list_yaml("examples", paths, MAX_FILES);

	/* eip, eip-layer2, bgpconf, bgppeer, service at least */
	assert_true(n >= 5);
	for (size_t i = 0; i < n; i++) {
		struct cfg_set s;

		cfg_set_init(&s);
		load_one(paths[i], &s);
		/* each file holds objects berth reads, none it merely skips */
		assert_int_equal(s.n_skipped, 0);
		assert_true(s.n_eips + s.n_peers + s.n_services + (s.bgp_conf ? 1 : 0) > 0);
		cfg_set_fini(&s);
	}
}

/* All examples as one set: what `kubectl apply -f deploy/examples/` creates. */
static void test_examples_together(void **state)
{
	static char paths[MAX_FILES][PATH_LEN];
	const char *p[MAX_FILES];
	size_t n = list_yaml("examples", paths, MAX_FILES);
	const struct cfg_service *svc;
	const struct cfg_bgp_peer *peer;
	const struct cfg_eip *eip;
	const char *pool;
	struct cfg_error err;
	struct cfg_set s;
	int rc;

	for (size_t i = 0; i < n; i++)
		p[i] = paths[i];
	cfg_set_init(&s);
	cfg_error_init(&err, NULL, NULL);
	rc = cfg_manifest_load_files(p, n, &s, &err);
	if (rc != 0)
		fail_msg("examples do not load as one set: %s", err.msg);

	/* The singleton BgpConf, documentation AS (RFC 5398). */
	assert_non_null(s.bgp_conf);
	assert_string_equal(s.bgp_conf->meta.name, "default");
	assert_int_equal(s.bgp_conf->as, 64500);
	assert_int_equal(s.bgp_conf->listen_port, 17900);
	assert_true(s.bgp_conf->graceful_restart.enabled);

	/* Peers over IPv4 and IPv6, string timers decoded as seconds. */
	assert_int_equal(s.n_peers, 2);
	peer = cfg_set_peer(&s, "tor1");
	assert_non_null(peer);
	addr_is(&peer->conf.neighbor_address, "192.0.2.1");
	assert_int_equal(peer->conf.peer_as, 64501);
	assert_int_equal(peer->timers.hold_time, 90);
	assert_int_equal(peer->timers.keepalive_interval, 30);
	assert_int_equal(peer->timers.connect_retry, 10);
	assert_int_equal(peer->n_afi_safis, 1);
	assert_int_equal(peer->afi_safis[0].af, BGP_AF_IPV4);
	/* BFD enabled alone: the defaults */
	assert_true(peer->bfd.present && peer->bfd.enabled);
	assert_int_equal(peer->bfd.receive_interval, CFG_DEFAULT_BFD_INTERVAL);
	assert_int_equal(peer->bfd.transmit_interval, CFG_DEFAULT_BFD_INTERVAL);
	assert_int_equal(peer->bfd.detect_multiplier, CFG_DEFAULT_BFD_MULT);
	assert_false(peer->bfd.strict);
	peer = cfg_set_peer(&s, "tor1-v6");
	assert_non_null(peer);
	addr_is(&peer->conf.neighbor_address, "2001:db8::1");
	assert_int_equal(peer->afi_safis[0].af, BGP_AF_IPV6);
	assert_false(peer->bfd.present);

	/* The Service names a pool that exists, announced over BGP. */
	assert_int_equal(s.n_services, 1);
	svc = cfg_set_service(&s, "default", "web");
	assert_non_null(svc);
	assert_int_equal(svc->type, CFG_SVC_LOAD_BALANCER);
	assert_string_equal(cfg_meta_annotation(&svc->meta, CFG_ANN_LB), "openelb");
	assert_string_equal(cfg_meta_annotation(&svc->meta, CFG_ANN_PROTOCOL), "bgp");
	pool = cfg_meta_annotation(&svc->meta, CFG_ANN_EIP);
	assert_non_null(pool);
	eip = cfg_set_eip(&s, pool);
	assert_non_null(eip);
	assert_int_equal(eip->protocol, CFG_EIP_BGP);
	addr_is(&eip->ranges[0].first, "203.0.113.0");
	addr_is(&eip->ranges[0].last, "203.0.113.255");
	assert_string_equal(cfg_meta_annotation(&eip->meta, CFG_ANN_DEFAULT_EIP), "true");

	/* A layer 2 pool, answered on eth0 with ARP. */
	eip = cfg_set_eip(&s, "eip-layer2-pool");
	assert_non_null(eip);
	assert_int_equal(eip->protocol, CFG_EIP_LAYER2);
	assert_int_equal(eip->n_l2, 1);
	assert_string_equal(eip->l2[0].interfaces[0], "eth0");
	assert_false(eip->disable);
	addr_is(&eip->ranges[0].first, "192.0.2.200");
	addr_is(&eip->ranges[0].last, "192.0.2.220");

	/* Only documentation ranges (RFC 5737, RFC 3849) in the examples. */
	assert_int_equal(s.n_eips, 3);
	for (size_t i = 0; i < s.n_eips; i++) {
		const struct core_addr *a = &s.eips[i].ranges[0].first;

		if (a->family == AF_INET)
			assert_true(
			    (a->bytes[0] == 192 && a->bytes[1] == 0 && a->bytes[2] == 2) ||
			    (a->bytes[0] == 198 && a->bytes[1] == 51 && a->bytes[2] == 100) ||
			    (a->bytes[0] == 203 && a->bytes[1] == 0 && a->bytes[2] == 113));
		else
			assert_true(a->bytes[0] == 0x20 && a->bytes[1] == 0x01 &&
			            a->bytes[2] == 0x0d && a->bytes[3] == 0xb8);
	}
	cfg_set_fini(&s);
}

/* The install manifests: every object is of a kind the loader skips. */
static void test_install_manifests_skipped(void **state)
{
	static char top[MAX_FILES][PATH_LEN], crds[MAX_FILES][PATH_LEN];
	size_t n_top = list_yaml(".", top, MAX_FILES);
	size_t n_crds = list_yaml("crds", crds, MAX_FILES);
	struct cfg_set s;

	/* namespace, rbac, controller, networkpolicy, speaker; three CRDs */
	assert_true(n_top >= 5);
	assert_int_equal(n_crds, 3);
	cfg_set_init(&s);
	for (size_t i = 0; i < n_top; i++)
		load_one(top[i], &s);
	for (size_t i = 0; i < n_crds; i++)
		load_one(crds[i], &s);
	/* Namespace, 2 ServiceAccounts, 2 ClusterRoles, 2 ClusterRoleBindings,
	 * 3 Roles, 3 RoleBindings, Deployment, NetworkPolicy, DaemonSet,
	 * 3 CRDs; no Secret (the controller creates berth-memberlist) */
	assert_int_equal(s.n_skipped, 19);
	assert_null(s.bgp_conf);
	assert_int_equal(s.n_eips + s.n_peers + s.n_services + s.n_nodes + s.n_secrets, 0);
	cfg_set_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_examples_each),
	    cmocka_unit_test(test_examples_together),
	    cmocka_unit_test(test_install_manifests_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
