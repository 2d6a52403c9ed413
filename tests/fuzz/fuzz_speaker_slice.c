/*
 * JSON bytes -> EndpointSlice decoder, then the same bytes as a manifest
 * through the set loader and the announcement rules for a few node names:
 * what the speaker does with objects from the API server. Checks that a
 * failed decode leaves the struct zeroed; ASan/UBSan catch the rest.
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
			(void)cfg_slices_ready_on(&s, 1, "default", "web", "n1");
			cfg_endpoint_slice_fini(&s);
		} else if (s.meta.name || s.endpoints || s.n_endpoints) {
			abort();
		}
		json_decref(obj);
	}
	cfg_set_init(&set);
	if (cfg_manifest_load_buf("fuzz.yaml", (const char *)data, size, &set, &err) == 0) {
		struct prefix_set out;
		struct lb_announce_opts o = {.endpoints_known = true};

		prefix_set_init(&out);
		for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
			if (lb_announce_compute_opts(&set, nodes[i], &o, &out) < 0 ||
			    lb_announce_compute(&set, nodes[i], &out) < 0)
				abort();
		}
		prefix_set_fini(&out);
	} else if (set.n_slices || set.n_services) {
		abort(); /* all or nothing */
	}
	cfg_set_fini(&set);
	return 0;
}
