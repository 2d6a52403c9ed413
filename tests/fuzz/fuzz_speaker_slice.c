/*
 * JSON bytes -> EndpointSlice decoder, then the same bytes as a manifest
 * through the set loader and the announcement rules for a few node names:
 * what the speaker does with objects from the API server. Checks that a
 * failed decode leaves the struct zeroed, that trimming keeps every
 * node's ready count, and that the routes' route attributes ids hold one
 * reference each and give them all back; ASan/UBSan catch the rest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "speaker/announce.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const nodes[] = {"n1", "n2", "", "ghost"};
	struct cfg_endpoint_slice s;
	struct cfg_error err;
	struct cfg_set set;
	json_t *obj;

	obj = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (obj) {
		cfg_error_init(&err, NULL, NULL);
		if (cfg_endpoint_slice_decode(obj, &s, &err) == 0) {
			uint32_t before[sizeof(nodes) / sizeof(nodes[0])];
			const char *ns = s.meta.ns ? s.meta.ns : "", *svc = s.service;

			for (size_t i = 0; svc && i < sizeof(nodes) / sizeof(nodes[0]); i++)
				before[i] = cfg_slices_ready_count(&s, 1, ns, svc, nodes[i]);
			/* s.service points into the labels, which trim keeps; the
			 * name and namespace move to a new block (no uid) */
			(void)cfg_endpoint_slice_trim(&s);
			ns = s.meta.ns ? s.meta.ns : "";
			for (size_t i = 0; svc && i < sizeof(nodes) / sizeof(nodes[0]); i++) {
				uint32_t after =
				    cfg_slices_ready_count(&s, 1, ns, s.service, nodes[i]);

				if (after != before[i] ||
				    cfg_slices_ready_on(&s, 1, ns, s.service, nodes[i]) !=
				        (after > 0))
					abort();
			}
			cfg_endpoint_slice_fini(&s);
		} else if (s.meta.name || s.endpoints || s.n_endpoints) {
			abort();
		}
		json_decref(obj);
	}
	cfg_set_init(&set);
	if (cfg_manifest_load_buf("fuzz.yaml", (const char *)data, size, &set, &err) == 0) {
		struct bgp_route_attrs_tab *tab = bgp_route_attrs_tab_new();
		struct lb_announce_opts o = {.endpoints_known = true, .attrs = tab};
		struct bgp_route_attrs_stats st;
		struct prefix_set out;

		if (!tab)
			abort();
		prefix_set_init(&out);
		for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
			size_t n;

			if (lb_announce_compute_opts(&set, nodes[i], &o, &out) < 0)
				abort();
			for (size_t k = 0; k < out.n; k++) {
				uint32_t id = prefix_set_val(&out, k);

				/* every id live, and 0 where the pool asks nothing */
				if (!bgp_route_attrs_get(tab, id))
					abort();
			}
			n = out.n;
			lb_announce_routes_clear(&o, &out);
			bgp_route_attrs_stats(tab, &st);
			if (st.live)
				abort();
			bgp_route_attrs_reclaim(tab, NULL, NULL);
			/* without a table: the same prefixes, every id 0 */
			o.attrs = NULL;
			if (lb_announce_compute_opts(&set, nodes[i], &o, &out) < 0 || out.n != n)
				abort();
			o.attrs = tab;
			for (size_t k = 0; k < out.n; k++)
				if (prefix_set_val(&out, k))
					abort();
			if (lb_announce_compute(&set, nodes[i], &out) < 0)
				abort();
		}
		prefix_set_fini(&out);
		bgp_route_attrs_tab_free(tab);
	} else if (set.n_slices || set.n_services) {
		abort(); /* all or nothing */
	}
	cfg_set_fini(&set);
	return 0;
}
