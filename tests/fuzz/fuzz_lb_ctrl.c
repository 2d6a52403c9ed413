/*
 * libFuzzer target for lb_ctrl (proposed as tests/fuzz/fuzz_lb_ctrl.c):
 * the fields of the input, split at newlines, become the annotations berth
 * parses on a Service (address list, Eip name, sharing key, berth's own
 * records, OpenELB's protocol) in a small cluster (an IPv4 bgp Eip, an
 * IPv6 layer2 one whose protocol is then edited) that is synced, drained
 * and restarted; the whole input is also tried as a Service whose
 * condition is read back.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "controller/ctrl.h"
#include "fuzz.h"

/* Pulls every action; returns the number of Events, and of
 * ProtocolMismatch ones in *pm. */
static unsigned drain(struct lb_ctrl *c, unsigned *pm)
{
	struct lb_action a;
	unsigned n = 0;

	*pm = 0;
	while (lb_ctrl_next_action(c, &a) == 0 && a.type != LB_ACT_NONE) {
		if (a.type == LB_ACT_EVENT) {
			n++;
			*pm += strcmp(a.u.event.reason, "ProtocolMismatch") == 0;
		}
		lb_action_fini(&a);
	}
	return n;
}

static void feed(struct lb_ctrl *c, json_t *obj, int kind)
{
	struct cfg_error err;

	cfg_error_init(&err, NULL, NULL);
	if (kind) {
		struct cfg_eip e;

		if (cfg_eip_decode(obj, &e, &err) == 0) {
			lb_ctrl_eip_upsert(c, &e);
			cfg_eip_fini(&e);
		}
	} else {
		struct cfg_service s;
		struct lb_cond cond;
		int got = lb_cond_from_json(obj, &cond);

		if (cfg_service_decode(obj, &s, &err) == 0) {
			lb_ctrl_service_upsert_cond(c, &s, got == 1 ? &cond : NULL);
			cfg_service_fini(&s);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {LB_ANN_EIP_IP,   CFG_ANN_EIP, LB_ANN_SHARING_KEY,
	                                   LB_ANN_SHARED,   LB_ANN_POOL, CFG_ANN_LB,
	                                   CFG_ANN_PROTOCOL};
	const size_t n_keys = sizeof(keys) / sizeof(keys[0]);
	char *buf = malloc(size + 1), *p, *save = NULL;
	json_t *svc, *ann, *eip, *eip6, *j;
	struct lb_ctrl *c;
	size_t k = 0;
	unsigned pm;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	svc = json_pack("{ss ss s{ss ss s{}} s{ss ss ss s[{si}{sssi}]} s{s{s[{ss}{ss}]}}}",
	                "apiVersion", "v1", "kind", "Service", "metadata", "name", "x", "namespace",
	                "default", "annotations", "spec", "type", "LoadBalancer",
	                "loadBalancerClass", LB_DEFAULT_CLASS, "ipFamilyPolicy", "PreferDualStack",
	                "ports", "port", 80, "protocol", "UDP", "port", 53, "status",
	                "loadBalancer", "ingress", "ip", "10.0.0.1", "ip", "fd00::5");
	eip = json_pack("{ss ss s{ss} s{ss s[s]}}", "apiVersion", CFG_OPENELB_API_VERSION, "kind",
	                "Eip", "metadata", "name", "a", "spec", "address", "10.0.0.0/29",
	                "namespaces", "default");
	eip6 = json_pack("{ss ss s{ss} s{ss ss ss s[s]}}", "apiVersion", CFG_OPENELB_API_VERSION,
	                 "kind", "Eip", "metadata", "name", "b", "spec", "address", "fd00::/126",
	                 "protocol", "layer2", "interface", "eth0", "namespaces", "default");
	ann = json_object_get(json_object_get(svc, "metadata"), "annotations");
	for (p = strtok_r(buf, "\n", &save); p && k < n_keys;
	     p = strtok_r(NULL, "\n", &save), k++) {
		json_t *v = json_string(p); /* NULL for invalid UTF-8: skipped */

		if (v)
			json_object_set_new(ann, keys[k], v);
	}
	c = lb_ctrl_new(NULL);
	if (c) {
		feed(c, eip, 1);
		feed(c, eip6, 1);
		feed(c, svc, 0);
		lb_ctrl_synced(c);
		drain(c, &pm);
		/* One Service, one address per family: one mismatch each. */
		if (pm > 2)
			abort();
		feed(c, svc, 0);
		/* Only the protocol changes: what the holders are told, about
		 * the IPv6 address alone. */
		json_object_set_new(json_object_get(eip6, "spec"), "protocol", json_string("vip"));
		feed(c, eip6, 1);
		drain(c, &pm);
		if (pm > 1)
			abort();
		lb_ctrl_eip_delete(c, "a");
		lb_ctrl_resync(c);
		drain(c, &pm);
		/* Orphaned: not a protocol's. */
		if (pm)
			abort();
		/* Events are sent on transitions: a resync has none. */
		lb_ctrl_resync(c);
		if (drain(c, &pm))
			abort();
		lb_ctrl_service_delete(c, "default", "x");
		drain(c, &pm);
		lb_ctrl_free(c);
	}
	/* berth's condition read back from whatever the input is. */
	j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (j) {
		struct lb_cond cond;

		lb_cond_from_json(j, &cond);
		json_decref(j);
	}
	json_decref(svc);
	json_decref(eip);
	json_decref(eip6);
	free(buf);
	return 0;
}
