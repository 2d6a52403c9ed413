/* EndpointSlice decoding (config/endpointslice.c), hostile inputs too,
 * and the BgpPeer status value the speaker writes (speaker/status.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "config/config.h"
#include "speaker/status.h"

static int decode(const char *json, struct cfg_endpoint_slice *out, struct cfg_error *err)
{
	json_error_t je;
	json_t *obj = json_loads(json, 0, &je);
	int rc;

	if (!obj)
		fail_msg("bad test JSON: %s", je.text);
	cfg_error_init(err, NULL, NULL);
	rc = cfg_endpoint_slice_decode(obj, out, err);
	json_decref(obj);
	return rc;
}

static void test_decode_full(void **state)
{
	struct cfg_endpoint_slice s;
	struct cfg_error err;

	assert_int_equal(
	    decode("{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\","
	           "\"metadata\":{\"name\":\"web-abc\",\"namespace\":\"shop\",\"labels\":"
	           "{\"kubernetes.io/service-name\":\"web\"}},\"addressType\":\"IPv4\","
	           "\"ports\":[{\"port\":80}],\"somethingNew\":{\"x\":1},"
	           "\"endpoints\":[{\"addresses\":[\"10.0.0.1\"],\"nodeName\":\"n1\","
	           "\"conditions\":{\"ready\":true,\"serving\":true,\"terminating\":false}},"
	           "{\"addresses\":[\"10.0.0.2\"],\"nodeName\":\"n2\",\"conditions\":"
	           "{\"ready\":false,\"terminating\":true},\"zone\":\"z\"},"
	           "{\"addresses\":[\"10.0.0.3\"],\"conditions\":{\"ready\":null}},"
	           "{\"addresses\":[\"10.0.0.4\"],\"nodeName\":\"n3\"}]}",
	           &s, &err),
	    0);
	assert_string_equal(s.meta.ns, "shop");
	assert_string_equal(s.service, "web");
	assert_int_equal(s.address_type, CFG_SLICE_IPV4);
	assert_int_equal(s.n_endpoints, 4);
	assert_true(s.endpoints[0].ready);
	assert_string_equal(s.endpoints[0].node_name, "n1");
	assert_false(s.endpoints[1].ready);
	assert_true(s.endpoints[1].serving); /* absent: unknown, read as true */
	assert_true(s.endpoints[1].terminating);
	assert_null(s.endpoints[2].node_name);
	assert_true(s.endpoints[2].ready); /* null: unknown, read as ready */
	assert_true(s.endpoints[3].ready); /* no conditions at all */
	assert_true(cfg_slices_ready_on(&s, 1, "shop", "web", "n1"));
	assert_false(cfg_slices_ready_on(&s, 1, "shop", "web", "n2"));
	assert_true(cfg_slices_ready_on(&s, 1, "shop", "web", "n3"));
	assert_false(cfg_slices_ready_on(&s, 1, "other", "web", "n1"));
	assert_false(cfg_slices_ready_on(&s, 1, "shop", "web2", "n1"));
	cfg_endpoint_slice_fini(&s);
	assert_null(s.endpoints);
}

/* Trimming keeps one entry per node with a ready endpoint and counts
 * the node's others in it: the counts before and after are the same. */
static void test_trim_counts(void **state)
{
	static const char *const nodes[] = {"n1", "n2", "n3", "n4"};
	static const uint32_t want[] = {3, 1, 0, 0};
	struct cfg_endpoint_slice s;
	struct cfg_error err;

	assert_int_equal(
	    decode("{\"metadata\":{\"name\":\"web-a\",\"namespace\":\"shop\",\"uid\":\"u-1\","
	           "\"resourceVersion\":\"9\",\"labels\":"
	           "{\"kubernetes.io/service-name\":\"web\"}},\"addressType\":\"IPv4\","
	           "\"endpoints\":[{\"addresses\":[\"10.0.0.1\"],\"nodeName\":\"n1\"},"
	           "{\"addresses\":[\"10.0.0.2\"],\"nodeName\":\"n2\"},"
	           "{\"addresses\":[\"10.0.0.3\"],\"nodeName\":\"n1\"},"
	           "{\"addresses\":[\"10.0.0.4\"],\"nodeName\":\"n3\",\"conditions\":"
	           "{\"ready\":false}},"
	           "{\"addresses\":[\"10.0.0.5\"]},"
	           "{\"addresses\":[\"10.0.0.6\"],\"nodeName\":\"n1\"}]}",
	           &s, &err),
	    0);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(cfg_slices_ready_count(&s, 1, "shop", "web", nodes[i]), want[i]);
	assert_string_equal(s.meta.uid, "u-1");
	assert_true(cfg_endpoint_slice_trim(&s));
	/* what stays of the metadata: name, namespace, the Service's label */
	assert_string_equal(s.meta.name, "web-a");
	assert_string_equal(s.meta.ns, "shop");
	assert_null(s.meta.uid);
	assert_null(s.meta.resource_version);
	assert_string_equal(s.service, "web");
	assert_int_equal(s.n_endpoints, 2);
	assert_string_equal(s.endpoints[0].node_name, "n1");
	assert_int_equal(s.endpoints[0].merged, 2);
	assert_int_equal(s.endpoints[1].merged, 0);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(cfg_slices_ready_count(&s, 1, "shop", "web", nodes[i]), want[i]);
		assert_int_equal(cfg_slices_ready_on(&s, 1, "shop", "web", nodes[i]), want[i] > 0);
	}
	assert_int_equal(cfg_slices_ready_count(&s, 1, "other", "web", "n1"), 0);
	cfg_endpoint_slice_fini(&s);
}

/* A dual-stack Service's pods are listed once per family: an IPv4 and an
 * IPv6 slice of the same pods count each pod once (the larger family),
 * not twice; slices of one family add up. */
static void test_count_dual_stack(void **state)
{
	static const char *const nodes[] = {"n1", "n2", "n3"};
	/* v4: n1 x2, n2 x1; v6: n1 x2, n2 x1, n3 x1 (a pod the IPv4 slice has
	 * not caught up with); a second IPv4 slice: n1 x1 */
	static const uint32_t want[] = {3, 1, 1};
	struct cfg_endpoint_slice s[3];
	struct cfg_error err;

	assert_int_equal(
	    decode("{\"metadata\":{\"name\":\"web-4\",\"namespace\":\"shop\",\"labels\":"
	           "{\"kubernetes.io/service-name\":\"web\"}},\"addressType\":\"IPv4\","
	           "\"endpoints\":[{\"addresses\":[\"10.0.0.1\"],\"nodeName\":\"n1\"},"
	           "{\"addresses\":[\"10.0.0.2\"],\"nodeName\":\"n2\"},"
	           "{\"addresses\":[\"10.0.0.3\"],\"nodeName\":\"n1\"}]}",
	           &s[0], &err),
	    0);
	assert_int_equal(
	    decode("{\"metadata\":{\"name\":\"web-6\",\"namespace\":\"shop\",\"labels\":"
	           "{\"kubernetes.io/service-name\":\"web\"}},\"addressType\":\"IPv6\","
	           "\"endpoints\":[{\"addresses\":[\"fd00::1\"],\"nodeName\":\"n1\"},"
	           "{\"addresses\":[\"fd00::2\"],\"nodeName\":\"n2\"},"
	           "{\"addresses\":[\"fd00::3\"],\"nodeName\":\"n1\"},"
	           "{\"addresses\":[\"fd00::4\"],\"nodeName\":\"n3\"}]}",
	           &s[1], &err),
	    0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(cfg_slices_ready_count(s, 2, "shop", "web", nodes[i]), i ? 1 : 2);
	assert_int_equal(
	    decode("{\"metadata\":{\"name\":\"web-4b\",\"namespace\":\"shop\",\"labels\":"
	           "{\"kubernetes.io/service-name\":\"web\"}},\"addressType\":\"IPv4\","
	           "\"endpoints\":[{\"addresses\":[\"10.0.0.9\"],\"nodeName\":\"n1\"}]}",
	           &s[2], &err),
	    0);
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < 3; i++)
			assert_int_equal(cfg_slices_ready_count(s, 3, "shop", "web", nodes[i]),
			                 want[i]);
		/* the same after trimming */
		for (size_t j = 0; j < 3; j++)
			assert_true(cfg_endpoint_slice_trim(&s[j]));
	}
	for (size_t j = 0; j < 3; j++)
		cfg_endpoint_slice_fini(&s[j]);
}

static void test_decode_minimal(void **state)
{
	struct cfg_endpoint_slice s;
	struct cfg_error err;

	/* no label, null endpoints: valid, belongs to no Service */
	assert_int_equal(decode("{\"metadata\":{\"name\":\"x\"},\"addressType\":\"FQDN\","
	                        "\"endpoints\":null}",
	                        &s, &err),
	                 0);
	assert_string_equal(s.meta.ns, "default");
	assert_null(s.service);
	assert_int_equal(s.n_endpoints, 0);
	assert_int_equal(s.address_type, CFG_SLICE_FQDN);
	assert_false(cfg_slices_ready_on(&s, 1, "default", "x", "n1"));
	cfg_endpoint_slice_fini(&s);
}

static void test_decode_hostile(void **state)
{
	static const struct {
		const char *json;
		const char *want; /* part of the message */
	} bad[] = {
	    {"{\"metadata\":{\"name\":\"x\"}}", "addressType: required"},
	    {"{\"metadata\":{\"name\":\"x\"},\"addressType\":\"IPv5\"}", "addressType"},
	    {"{\"metadata\":{\"name\":\"x\"},\"addressType\":4}", "addressType"},
	    {"{\"addressType\":\"IPv4\"}", "metadata"},
	    {"{\"metadata\":{\"name\":\"x\"},\"addressType\":\"IPv4\",\"endpoints\":{}}",
	     "endpoints"},
	    {"{\"metadata\":{\"name\":\"x\"},\"addressType\":\"IPv4\",\"endpoints\":[1]}",
	     "endpoints[0]"},
	    {"{\"metadata\":{\"name\":\"x\"},\"addressType\":\"IPv4\",\"endpoints\":"
	     "[{\"addresses\":[1]}]}",
	     "endpoints[0].addresses[0]"},
	    {"{\"metadata\":{\"name\":\"x\"},\"addressType\":\"IPv4\",\"endpoints\":"
	     "[{\"addresses\":\"10.0.0.1\"}]}",
	     "addresses"},
	    {"{\"metadata\":{\"name\":\"x\"},\"addressType\":\"IPv4\",\"endpoints\":"
	     "[{\"addresses\":[],\"nodeName\":7}]}",
	     "nodeName"},
	    {"{\"metadata\":{\"name\":\"x\"},\"addressType\":\"IPv4\",\"endpoints\":"
	     "[{\"addresses\":[],\"nodeName\":\"n1\"},{\"conditions\":{\"ready\":\"yes\"}}]}",
	     "endpoints[1].conditions.ready"},
	    {"{\"metadata\":{\"name\":\"x\"},\"addressType\":\"IPv4\",\"endpoints\":"
	     "[{\"conditions\":[]}]}",
	     "conditions"},
	    {"{\"kind\":\"Service\",\"metadata\":{\"name\":\"x\"},\"addressType\":\"IPv4\"}",
	     "kind"},
	    {"{\"apiVersion\":\"discovery.k8s.io/v1beta1\",\"metadata\":{\"name\":\"x\"},"
	     "\"addressType\":\"IPv4\"}",
	     "apiVersion"},
	    {"{\"metadata\":{\"name\":\"x\",\"labels\":{\"kubernetes.io/service-name\":1}},"
	     "\"addressType\":\"IPv4\"}",
	     "labels"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cfg_endpoint_slice s;
		struct cfg_error err;

		if (decode(bad[i].json, &s, &err) != -EINVAL)
			fail_msg("accepted: %s", bad[i].json);
		if (!strstr(err.msg, bad[i].want))
			fail_msg("%s: message '%s' lacks '%s'", bad[i].json, err.msg, bad[i].want);
		assert_null(s.endpoints); /* zeroed on failure */
		assert_null(s.meta.name);
	}
}

static void test_set_loads_slices(void **state)
{
	const char *y = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSliceList\nitems:\n"
	                "- metadata: {name: a, namespace: n}\n  addressType: IPv6\n"
	                "- metadata: {name: b, namespace: n}\n  addressType: IPv4\n";
	const char *dup = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
	                  "metadata: {name: a, namespace: n}\naddressType: IPv4\n";
	struct cfg_error err;
	struct cfg_set set;

	cfg_set_init(&set);
	assert_false(cfg_kind_is_skipped("EndpointSlice"));
	assert_int_equal(cfg_manifest_load_buf("l.yaml", y, strlen(y), &set, &err), 0);
	assert_int_equal(set.n_slices, 2);
	assert_int_equal(set.slices[0].address_type, CFG_SLICE_IPV6);
	assert_int_equal(cfg_manifest_load_buf("d.yaml", dup, strlen(dup), &set, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "duplicate"));
	assert_int_equal(set.n_slices, 2); /* all or nothing */
	cfg_set_fini(&set);
	assert_int_equal(set.n_slices, 0);
}

static void test_status_value(void **state)
{
	struct bgp_peer_cfg cfg = {0};
	struct bgp_peer_stats st = {0};
	json_t *v, *patch;

	assert_int_equal(core_addr_parse("192.0.2.1", &cfg.remote), 0);
	cfg.fsm.peer_as = 65001;
	cfg.fsm.local_as = 64512;
	cfg.fsm.router_id = 0x0a000001;
	cfg.fsm.hold_time = 90;
	cfg.ebgp = true;
	st.state = BGP_FSM_ESTABLISHED;
	st.sessions = 3;
	v = speaker_peer_status(&cfg, &st, 1714557600000ull, 0);
	assert_non_null(v);
	json_t *ps = json_object_get(v, "peerState"), *ts = json_object_get(v, "timersState");
	assert_string_equal(json_string_value(json_object_get(ps, "neighborAddress")), "192.0.2.1");
	assert_string_equal(json_string_value(json_object_get(ps, "sessionState")), "ESTABLISHED");
	assert_string_equal(json_string_value(json_object_get(ps, "routerId")), "10.0.0.1");
	assert_int_equal(json_integer_value(json_object_get(ps, "peerAs")), 65001);
	assert_int_equal(json_integer_value(json_object_get(ps, "flops")), 2);
	assert_string_equal(json_string_value(json_object_get(ts, "holdTime")), "90");
	assert_string_equal(json_string_value(json_object_get(ts, "keepaliveInterval")), "30");
	assert_string_equal(json_string_value(json_object_get(ts, "uptime")),
	                    "2024-05-01T10:00:00Z");
	assert_null(json_object_get(ts, "downtime"));
	/* the secret never lands in status */
	assert_null(json_object_get(ps, "authPassword"));

	patch = speaker_status_patch("node-1", v);
	assert_true(json_equal(
	    json_object_get(json_object_get(json_object_get(patch, "status"), "nodesPeerStatus"),
	                    "node-1"),
	    v));
	json_decref(patch);
	patch = speaker_status_patch("node-1", NULL);
	assert_true(json_is_null(json_object_get(
	    json_object_get(json_object_get(patch, "status"), "nodesPeerStatus"), "node-1")));
	json_decref(patch);

	/* not Established: no uptime; IPv6 neighbour without "/128" */
	st.state = BGP_FSM_ACTIVE;
	assert_int_equal(core_addr_parse("2001:db8::1", &cfg.remote), 0);
	json_decref(v);
	v = speaker_peer_status(&cfg, &st, 1714557600000ull, 1714557700000ull);
	ps = json_object_get(v, "peerState");
	ts = json_object_get(v, "timersState");
	assert_string_equal(json_string_value(json_object_get(ps, "sessionState")), "ACTIVE");
	assert_string_equal(json_string_value(json_object_get(ps, "neighborAddress")),
	                    "2001:db8::1");
	assert_null(json_object_get(ts, "uptime"));
	assert_non_null(json_object_get(ts, "downtime"));
	json_decref(v);
	assert_string_equal(speaker_session_state_name((enum bgp_fsm_state)99), "UNKNOWN");
}

static const json_t *bfd_member(const json_t *v, const char *key)
{
	return json_object_get(json_object_get(v, "bfdState"), key);
}

/* status.nodesPeerStatus[node].bfdState from a hand-filled session. */
static void test_status_bfd(void **state)
{
	struct bfd_session s = {0};
	json_t *v = json_object(), *patch;

	/* Up again after two failures; the last one a detection timeout */
	s.state = BFD_STATE_UP;
	s.remote_state = BFD_STATE_UP;
	s.local_diag = BFD_DIAG_TIME_EXPIRED;
	s.downs = 2;
	s.ups = 3;
	/* RFC 5880 6.8.7: we send at the slower of our Desired Min TX (300
	 * ms) and the peer's Required Min RX (500 ms) */
	s.tx_in_force_us = s.desired_min_tx_us = 300000;
	s.remote_min_rx_us = 500000;
	/* 6.8.4: the peer's multiplier times the slower of our Required Min
	 * RX (300 ms) and its Desired Min TX (200 ms) */
	s.rx_in_force_us = s.required_min_rx_us = 300000;
	s.remote_min_tx_us = 200000;
	s.remote_mult = 3;
	assert_int_equal(speaker_peer_status_bfd(v, &s, 1714557600000ull), 0);
	assert_string_equal(json_string_value(bfd_member(v, "state")), "Up");
	assert_string_equal(json_string_value(bfd_member(v, "remoteState")), "Up");
	assert_string_equal(json_string_value(bfd_member(v, "diagnostic")),
	                    "Control Detection Time Expired");
	assert_int_equal(json_integer_value(bfd_member(v, "transmitInterval")), 500);
	assert_int_equal(json_integer_value(bfd_member(v, "detectTime")), 900);
	assert_int_equal(json_integer_value(bfd_member(v, "flaps")), 2);
	assert_string_equal(json_string_value(bfd_member(v, "lastChange")), "2024-05-01T10:00:00Z");
	assert_int_equal(json_object_size(json_object_get(v, "bfdState")), 7);

	/* the other way round: our intervals are the slower ones */
	s.remote_min_rx_us = 100000;
	s.remote_min_tx_us = 400000;
	s.remote_mult = 5;
	assert_int_equal(speaker_peer_status_bfd(v, &s, 1714557600000ull), 0);
	assert_int_equal(json_integer_value(bfd_member(v, "transmitInterval")), 300);
	assert_int_equal(json_integer_value(bfd_member(v, "detectTime")), 2000);

	/* a peer's microseconds, to the nearest millisecond */
	s.tx_in_force_us = 10000;
	s.remote_min_rx_us = 33499;
	s.rx_in_force_us = 10000;
	s.remote_min_tx_us = 33500;
	s.remote_mult = 1;
	assert_int_equal(speaker_peer_status_bfd(v, &s, 1714557600000ull), 0);
	assert_int_equal(json_integer_value(bfd_member(v, "transmitInterval")), 33);
	assert_int_equal(json_integer_value(bfd_member(v, "detectTime")), 34);

	/* never heard from: slow transmission (6.8.3), no detection time, no
	 * change yet; the peer's AdminDown and a reserved diagnostic named */
	memset(&s, 0, sizeof(s));
	s.state = BFD_STATE_DOWN;
	s.remote_state = BFD_STATE_ADMIN_DOWN;
	s.local_diag = (enum bfd_diag)20;
	s.tx_in_force_us = s.desired_min_tx_us = BFD_SLOW_TX_US;
	s.remote_min_rx_us = 1; /* bfd.RemoteMinRxInterval starts at 1 */
	s.rx_in_force_us = 300000;
	assert_int_equal(speaker_peer_status_bfd(v, &s, 0), 0);
	assert_string_equal(json_string_value(bfd_member(v, "state")), "Down");
	assert_string_equal(json_string_value(bfd_member(v, "remoteState")), "AdminDown");
	assert_string_equal(json_string_value(bfd_member(v, "diagnostic")), "Reserved");
	assert_int_equal(json_integer_value(bfd_member(v, "transmitInterval")), 1000);
	assert_int_equal(json_integer_value(bfd_member(v, "detectTime")), 0);
	assert_int_equal(json_integer_value(bfd_member(v, "flaps")), 0);
	assert_null(bfd_member(v, "lastChange"));
	s.local_diag = BFD_DIAG_NONE;
	s.state = BFD_STATE_INIT;
	assert_int_equal(speaker_peer_status_bfd(v, &s, 0), 0);
	assert_string_equal(json_string_value(bfd_member(v, "diagnostic")), "No Diagnostic");
	assert_string_equal(json_string_value(bfd_member(v, "state")), "Init");

	/* beside peerState, in the patch the speaker sends */
	json_decref(v);
	{
		struct bgp_peer_cfg cfg = {0};
		struct bgp_peer_stats st = {0};

		assert_int_equal(core_addr_parse("192.0.2.1", &cfg.remote), 0);
		v = speaker_peer_status(&cfg, &st, 0, 0);
	}
	assert_non_null(v);
	s.state = BFD_STATE_ADMIN_DOWN;
	assert_int_equal(speaker_peer_status_bfd(v, &s, 1714557600000ull), 0);
	patch = speaker_status_patch("node-1", v);
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_object_get(json_object_get(json_object_get(json_object_get(patch, "status"),
	                                                        "nodesPeerStatus"),
	                                        "node-1"),
	                        "bfdState"),
	        "state")),
	    "AdminDown");
	assert_non_null(json_object_get(
	    json_object_get(json_object_get(json_object_get(patch, "status"), "nodesPeerStatus"),
	                    "node-1"),
	    "peerState"));
	json_decref(patch);

	/* BFD turned off: null, so that the merge patch removes it */
	assert_int_equal(speaker_peer_status_bfd(v, NULL, 0), 0);
	assert_true(json_is_null(json_object_get(v, "bfdState")));
	assert_non_null(json_object_get(v, "peerState"));
	json_decref(v);
	assert_int_equal(speaker_peer_status_bfd(NULL, &s, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_full),    cmocka_unit_test(test_decode_minimal),
	    cmocka_unit_test(test_decode_hostile), cmocka_unit_test(test_set_loads_slices),
	    cmocka_unit_test(test_status_value),   cmocka_unit_test(test_status_bfd),
	    cmocka_unit_test(test_trim_counts),    cmocka_unit_test(test_count_dual_stack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
