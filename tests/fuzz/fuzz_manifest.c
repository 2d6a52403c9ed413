/*
 * Manifest bytes -> YAML -> jansson -> typed decoders -> cfg_set, and the
 * accessors the speaker calls on what loads. Checks the all-or-nothing
 * contract (a failed load leaves the set empty) and that a peer always
 * equals itself; ASan/UBSan catch the rest, leaks included.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every decoder on every document, whatever its kind says. */
static void decode_all(const char *buf, size_t len)
{
	struct cfg_yaml y;
	struct cfg_error err;

	cfg_error_init(&err, "fuzz.yaml", NULL);
	if (cfg_yaml_parse(buf, len, &y, &err) < 0)
		return;
	err.lines = y.lines;
	for (size_t i = 0; i < y.n_docs; i++) {
		json_t *o = json_is_object(y.docs[i].root) ? json_copy(y.docs[i].root) : NULL;
		struct cfg_bgp_conf c;
		struct cfg_bgp_peer p;
		struct cfg_eip e;
		struct cfg_service s;
		struct cfg_node n;

		if (!o)
			continue;
		json_object_del(o, "kind");
		json_object_del(o, "apiVersion");
		if (cfg_bgp_conf_decode(o, &c, &err) == 0)
			cfg_bgp_conf_fini(&c);
		if (cfg_bgp_peer_decode(o, &p, &err) == 0) {
			if (!cfg_bgp_peer_session_equal(&p, &p))
				abort();
			cfg_bgp_peer_fini(&p);
		}
		if (cfg_eip_decode(o, &e, &err) == 0)
			cfg_eip_fini(&e);
		if (cfg_service_decode(o, &s, &err) == 0)
			cfg_service_fini(&s);
		if (cfg_node_decode(o, &n, &err) == 0)
			cfg_node_fini(&n);
		json_decref(o);
	}
	cfg_yaml_fini(&y);
}

static void use_set(const struct cfg_set *s)
{
	struct cfg_lb_iter it = {0};
	const struct cfg_service *svc;
	const struct bgp_addr *addr;
	uint32_t id;

	for (size_t i = 0; i < s->n_nodes; i++) {
		const struct cfg_map *labels = &s->nodes[i].meta.labels;
		size_t pit = 0;

		while (cfg_set_next_peer(s, labels, &pit))
			;
		if (s->bgp_conf) {
			(void)cfg_bgp_conf_node_as(s->bgp_conf, labels);
			(void)cfg_bgp_conf_node_router_id(s->bgp_conf, labels, &id);
		}
		(void)cfg_node_ip(&s->nodes[i], "InternalIP", 0);
	}
	for (size_t i = 0; i < s->n_peers; i++)
		if (!cfg_bgp_peer_session_equal(&s->peers[i], &s->peers[i]))
			abort();
	if (s->bgp_conf && !cfg_bgp_conf_session_equal(s->bgp_conf, s->bgp_conf))
		abort();
	while (cfg_set_next_lb_addr(s, &it, &svc, &addr))
		if (addr->family == 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_set s;
	struct cfg_error err;
	int rc;

	cfg_set_init(&s);
	rc = cfg_manifest_load_buf("fuzz.yaml", (const char *)data, size, &s, &err);
	if (rc < 0) {
		/* all or nothing, and always a message */
		if (s.bgp_conf || s.n_peers || s.n_eips || s.n_services || s.n_nodes || !err.msg[0])
			abort();
	} else {
		use_set(&s);
	}
	cfg_set_fini(&s);
	decode_all((const char *)data, size);
	return 0;
}
