/*
 * The cluster-mode speaker's store: only LoadBalancer Services with an
 * address are kept (trimmed), only EndpointSlices with a ready endpoint
 * (one per node); replaces, deletes, the gone hook, ready_on through
 * label changes, and a bad object that drops the earlier good one.
 * (Re-lists and uid changes are the informer's: test_k8s_known_model.c.)
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "speaker/store.h"

static int n_gone;
static char last_gone[64];

static void on_gone(const struct cfg_service *old, void *arg)
{
	n_gone++;
	snprintf(last_gone, sizeof(last_gone), "%s/%s", old->meta.ns, old->meta.name);
}

static json_t *svc(const char *name, const char *type, const char *ip)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s}}, s:{s:s, "
	              "s:[{s:i}]}, s:{s:{s:[]}}}",
	              "apiVersion", "v1", "kind", "Service", "metadata", "name", name, "namespace",
	              "ns", "uid", "u-1", "annotations", "a", "b",
	              "protocol.openelb.kubesphere.io/v1alpha1", "bgp", "labels", "l", "v", "spec",
	              "type", type, "ports", "port", 80, "status", "loadBalancer", "ingress");

	if (ip)
		json_array_append_new(
		    json_object_get(json_object_get(json_object_get(o, "status"), "loadBalancer"),
		                    "ingress"),
		    json_pack("{s:s}", "ip", ip));
	return o;
}

static json_t *slice(const char *name, const char *service, const char *node, bool ready)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:s, s:[{s:[s], s:s, s:{s:b}}]}",
	                 "apiVersion", "discovery.k8s.io/v1", "kind", "EndpointSlice", "metadata",
	                 "name", name, "namespace", "ns", "labels", "kubernetes.io/service-name",
	                 service, "addressType", "IPv4", "endpoints", "addresses", "10.0.0.1",
	                 "nodeName", node, "conditions", "ready", ready);
}

static int put_svc(struct speaker_store *st, json_t *o)
{
	struct cfg_error err;
	int rc;

	cfg_error_init(&err, NULL, NULL);
	rc = speaker_store_service_put(st, o, &err);
	json_decref(o);
	return rc;
}

static int put_slice(struct speaker_store *st, json_t *o)
{
	struct cfg_error err;
	int rc;

	cfg_error_init(&err, NULL, NULL);
	rc = speaker_store_slice_put(st, o, &err);
	json_decref(o);
	return rc;
}

/* Service i of the store, as the speaker reads it. */
static const struct cfg_service *at(const struct speaker_store *st, size_t i)
{
	assert_true(i < st->set.n_services);
	return &st->set.services[i];
}

static void test_services(void **state)
{
	struct speaker_store st;
	char name[16];

	assert_int_equal(speaker_store_init(&st, "n1"), 0);
	st.gone = on_gone;
	n_gone = 0;
	assert_int_equal(put_svc(&st, svc("a", "LoadBalancer", "192.0.2.1")), 0);
	assert_int_equal(put_svc(&st, svc("b", "ClusterIP", NULL)), 0);
	assert_int_equal(put_svc(&st, svc("c", "LoadBalancer", NULL)), 0); /* no address yet */
	assert_int_equal(st.set.n_services, 1);
	/* trimmed: the protocol annotation ("bgp") is kept decoded, the
	 * annotations themselves go */
	assert_true(at(&st, 0)->bgp);
	assert_int_equal(at(&st, 0)->meta.annotations.n, 0);
	assert_null(cfg_meta_annotation(&at(&st, 0)->meta, "a"));
	assert_int_equal(at(&st, 0)->meta.labels.n, 0);
	assert_int_equal(at(&st, 0)->n_ports, 0);
	assert_string_equal(at(&st, 0)->meta.uid, "u-1");
	assert_string_equal(at(&st, 0)->meta.ns, "ns");
	assert_string_equal(at(&st, 0)->meta.name, "a");
	assert_int_equal(at(&st, 0)->type, CFG_SVC_LOAD_BALANCER);
	assert_int_equal(at(&st, 0)->external_traffic_policy, CFG_ETP_CLUSTER);
	assert_int_equal(at(&st, 0)->n_ingress, 1);
	assert_int_equal(at(&st, 0)->ingress[0].family, AF_INET);
	assert_memory_equal(at(&st, 0)->ingress[0].bytes, "\xc0\x00\x02\x01", 4);
	/* the address arrives; then a replaces itself */
	assert_int_equal(put_svc(&st, svc("c", "LoadBalancer", "192.0.2.3")), 0);
	assert_int_equal(put_svc(&st, svc("a", "LoadBalancer", "192.0.2.9")), 0);
	assert_int_equal(st.set.n_services, 2);
	assert_int_equal(n_gone, 0);
	/* a becomes ClusterIP: it leaves, the hook sees it */
	assert_int_equal(put_svc(&st, svc("a", "ClusterIP", NULL)), 0);
	assert_int_equal(st.set.n_services, 1);
	assert_int_equal(n_gone, 1);
	assert_string_equal(last_gone, "ns/a");
	assert_string_equal(at(&st, 0)->meta.name, "c");
	/* a bad object drops the good one before it */
	json_t *bad = svc("c", "LoadBalancer", "192.0.2.3");
	json_object_set_new(json_object_get(bad, "spec"), "type", json_integer(3));
	assert_true(put_svc(&st, bad) < 0);
	assert_int_equal(st.set.n_services, 0);
	assert_int_equal(n_gone, 2);
	/* many, deleted in another order: positions stay consistent */
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		assert_int_equal(put_svc(&st, svc(name, "LoadBalancer", "192.0.2.7")), 0);
	}
	for (int i = 0; i < 300; i += 2) {
		snprintf(name, sizeof(name), "s%d", i);
		assert_int_equal(speaker_store_service_del(&st, "ns", name), 1);
		assert_int_equal(speaker_store_service_del(&st, "ns", name), 0);
	}
	assert_int_equal(st.set.n_services, 150);
	for (size_t i = 0; i < st.set.n_services; i++) {
		int k;

		assert_int_equal(sscanf(at(&st, i)->meta.name, "s%d", &k), 1);
		assert_int_equal(k % 2, 1);
	}
	speaker_store_fini(&st);
}

/* What a trimmed Service keeps: optional uid, the protocol annotation
 * decoded (an empty one is not an absent one: it is not "bgp"), the
 * policy, every address. */
static void test_trimmed(void **state)
{
	struct speaker_store st;
	const struct cfg_service *v;
	struct cfg_error err;
	json_t *o =
	    json_loads("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"x\","
	               "\"annotations\":{\"protocol.openelb.kubesphere.io/v1alpha1\":\"\"}},"
	               "\"spec\":{\"type\":\"LoadBalancer\",\"externalTrafficPolicy\":\"Local\"},"
	               "\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"2001:db8::7\"},"
	               "{\"hostname\":\"lb.example\"},{\"ip\":\"198.51.100.9\"}]}}}",
	               0, NULL);

	(void)state;
	assert_non_null(o);
	assert_int_equal(speaker_store_init(&st, "n1"), 0);
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(speaker_store_service_put(&st, o, &err), 0);
	assert_int_equal(st.set.n_services, 1);
	v = at(&st, 0);
	assert_string_equal(v->meta.name, "x");
	assert_string_equal(v->meta.ns, "default");
	assert_null(v->meta.uid);
	assert_false(v->bgp); /* "": not absent, so not "bgp" */
	assert_int_equal(v->external_traffic_policy, CFG_ETP_LOCAL);
	assert_int_equal(v->n_ingress, 2);
	assert_int_equal(v->ingress[0].family, AF_INET6);
	assert_memory_equal(v->ingress[0].bytes, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07", 16);
	assert_int_equal(v->ingress[1].family, AF_INET);
	assert_memory_equal(v->ingress[1].bytes, "\xc6\x33\x64\x09", 4);
	/* uids read back exactly, of UUID form or not (upper case here) */
	json_object_set_new(json_object_get(o, "metadata"), "uid",
	                    json_string("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
	assert_int_equal(speaker_store_service_put(&st, o, &err), 0);
	assert_string_equal(at(&st, 0)->meta.uid, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	assert_int_equal(at(&st, 0)->n_ingress, 2);
	assert_int_equal(at(&st, 0)->ingress[1].family, AF_INET);
	json_object_set_new(json_object_get(o, "metadata"), "uid",
	                    json_string("0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"));
	assert_int_equal(speaker_store_service_put(&st, o, &err), 0);
	assert_string_equal(at(&st, 0)->meta.uid, "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0");
	json_object_set_new(json_object_get(o, "metadata"), "uid",
	                    json_string("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f"));
	assert_int_equal(speaker_store_service_put(&st, o, &err), 0);
	assert_string_equal(at(&st, 0)->meta.uid, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f");
	json_object_set_new(json_object_get(o, "metadata"), "uid",
	                    json_string("0f1e2d3c+4b5a-6978-8796-a5b4c3d2e1f0"));
	assert_int_equal(speaker_store_service_put(&st, o, &err), 0);
	assert_string_equal(at(&st, 0)->meta.uid, "0f1e2d3c+4b5a-6978-8796-a5b4c3d2e1f0");
	json_object_del(json_object_get(o, "metadata"), "uid");
	/* the annotation goes: absent, not empty, so BGP's */
	json_object_del(json_object_get(json_object_get(o, "metadata"), "annotations"),
	                CFG_ANN_PROTOCOL);
	assert_int_equal(speaker_store_service_put(&st, o, &err), 0);
	assert_int_equal(st.set.n_services, 1);
	assert_true(at(&st, 0)->bgp);
	assert_int_equal(at(&st, 0)->n_ingress, 2);
	/* more addresses: every one, in order */
	json_t *ing = json_object_get(json_object_get(json_object_get(o, "status"), "loadBalancer"),
	                              "ingress");
	json_array_append_new(ing, json_pack("{s:s}", "ip", "198.51.100.10"));
	json_array_append_new(ing, json_pack("{s:s}", "ip", "2001:db8::10"));
	json_array_append_new(ing, json_pack("{s:s}", "ip", "203.0.113.10"));
	assert_int_equal(speaker_store_service_put(&st, o, &err), 0);
	v = at(&st, 0);
	assert_int_equal(v->n_ingress, 5);
	assert_int_equal(v->ingress[0].family, AF_INET6);
	assert_memory_equal(v->ingress[1].bytes, "\xc6\x33\x64\x09", 4);
	assert_memory_equal(v->ingress[2].bytes, "\xc6\x33\x64\x0a", 4);
	assert_int_equal(v->ingress[3].family, AF_INET6);
	assert_int_equal(v->ingress[3].bytes[15], 0x10);
	assert_memory_equal(v->ingress[4].bytes, "\xcb\x00\x71\x0a", 4);
	json_decref(o);
	speaker_store_fini(&st);
}

static void test_slices(void **state)
{
	struct speaker_store st;

	assert_int_equal(speaker_store_init(&st, "n1"), 0);
	assert_false(speaker_store_ready_on(&st, "ns", "web", "n1"));
	assert_int_equal(put_slice(&st, slice("web-1", "web", "n2", true)), 0);
	/* Another node's endpoint is kept: layer 2 chooses among all nodes. */
	assert_int_equal(st.n_sl, 1);
	assert_true(speaker_store_ready_on(&st, "ns", "web", "n2"));
	assert_false(speaker_store_ready_on(&st, "ns", "web", "n1"));
	assert_int_equal(speaker_store_slice_del(&st, "ns", "web-1"), 1);
	assert_int_equal(put_slice(&st, slice("web-2", "web", "n1", false)), 0);
	assert_int_equal(st.n_sl, 0); /* not ready: not kept */
	assert_false(speaker_store_ready_on(&st, "ns", "web", "n1"));
	assert_int_equal(put_slice(&st, slice("web-2", "web", "n1", true)), 0);
	assert_true(speaker_store_ready_on(&st, "ns", "web", "n1"));
	assert_false(speaker_store_ready_on(&st, "other", "web", "n1"));
	assert_int_equal(put_slice(&st, slice("web-3", "web", "n1", true)), 0);
	assert_int_equal(st.n_sl, 2);
	assert_int_equal(st.sl[0].n_endpoints, 1);
	assert_string_equal(st.sl[0].endpoints[0].node_name, "n1");
	assert_string_equal(st.sl[0].service, "web");
	/* the label moves web-2 to another Service */
	assert_int_equal(put_slice(&st, slice("web-2", "api", "n1", true)), 0);
	assert_true(speaker_store_ready_on(&st, "ns", "api", "n1"));
	assert_true(speaker_store_ready_on(&st, "ns", "web", "n1")); /* web-3 */
	assert_int_equal(speaker_store_slice_del(&st, "ns", "web-3"), 1);
	assert_false(speaker_store_ready_on(&st, "ns", "web", "n1"));
	assert_true(speaker_store_ready_on(&st, "ns", "api", "n1"));
	/* the pod moves away */
	assert_int_equal(put_slice(&st, slice("web-2", "api", "n3", true)), 0);
	assert_false(speaker_store_ready_on(&st, "ns", "api", "n1"));
	assert_true(speaker_store_ready_on(&st, "ns", "api", "n3"));
	assert_int_equal(speaker_store_slice_del(&st, "ns", "web-2"), 1);
	assert_int_equal(st.n_sl, 0);
	speaker_store_fini(&st);
}

/* A slice with the given node of each endpoint ("-" for a not ready one
 * on n1). */
static json_t *slice_of(const char *name, const char *service, const char *const *nodes, size_t n)
{
	json_t *o = slice(name, service, "n1", true), *eps = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(eps,
		                      json_pack("{s:[s], s:s, s:{s:b}}", "addresses", "10.0.0.1",
		                                "nodeName", *nodes[i] == '-' ? "n1" : nodes[i],
		                                "conditions", "ready", *nodes[i] != '-'));
	json_object_set_new(o, "endpoints", eps);
	return o;
}

/* Ready endpoints per node, kept as one entry per node with its count,
 * summed over the Service's slices (link bandwidth weights). */
static void test_counts(void **state)
{
	static const char *const a[] = {"n1", "n2", "n1", "-", "n1"}, *b[] = {"n1", "n3"};
	struct speaker_store st;

	assert_int_equal(speaker_store_init(&st, "n1"), 0);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n1"), 0);
	assert_int_equal(put_slice(&st, slice_of("web-1", "web", a, 5)), 0);
	assert_int_equal(st.sl[0].n_endpoints, 2); /* one entry per node */
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n1"), 3);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n2"), 1);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n3"), 0);
	assert_int_equal(put_slice(&st, slice_of("web-2", "web", b, 2)), 0);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n1"), 4);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n3"), 1);
	assert_int_equal(speaker_store_ready_count(&st, "other", "web", "n1"), 0);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "api", "n1"), 0);
	/* a replaced slice counts anew */
	assert_int_equal(put_slice(&st, slice_of("web-1", "web", b, 1)), 0);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n1"), 2);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n2"), 0);
	assert_int_equal(speaker_store_slice_del(&st, "ns", "web-2"), 1);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n1"), 1);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n3"), 0);
	speaker_store_fini(&st);
}

/* An IPv6 slice of the same pods as the IPv4 one: each pod counts once. */
static void test_counts_dual_stack(void **state)
{
	static const char *const a[] = {"n1", "n1", "n2"}, *b[] = {"n1", "n1", "n2", "n2"};
	struct speaker_store st;
	json_t *v6;

	assert_int_equal(speaker_store_init(&st, "n1"), 0);
	assert_int_equal(put_slice(&st, slice_of("web-4", "web", a, 3)), 0);
	v6 = slice_of("web-6", "web", a, 3);
	json_object_set_new(v6, "addressType", json_string("IPv6"));
	assert_int_equal(put_slice(&st, v6), 0);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n1"), 2);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n2"), 1);
	/* the IPv6 slice ahead of the IPv4 one: the larger count */
	v6 = slice_of("web-6", "web", b, 4);
	json_object_set_new(v6, "addressType", json_string("IPv6"));
	assert_int_equal(put_slice(&st, v6), 0);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n1"), 2);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n2"), 2);
	assert_int_equal(speaker_store_slice_del(&st, "ns", "web-6"), 1);
	assert_int_equal(speaker_store_ready_count(&st, "ns", "web", "n2"), 1);
	speaker_store_fini(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_services),
	    cmocka_unit_test(test_trimmed),
	    cmocka_unit_test(test_slices),
	    cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_counts_dual_stack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
