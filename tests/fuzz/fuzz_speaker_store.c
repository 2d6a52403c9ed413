/*
 * Bytes from the API server -> the cluster-mode speaker's store: a stream
 * of JSON objects (as watch events deliver them), each a Service or an
 * EndpointSlice put into the store, or deleted when it carries
 * "delete": true. After every step the store's invariants must hold: only
 * LoadBalancer Services with an address, trimmed, no name twice, each
 * found through the set's index, every kept slice found through the
 * Service index with a ready endpoint on this node, whose count there is
 * the sum over the Service's slices.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "speaker/store.h"
#include "fuzz.h"

static int same(const struct cfg_meta *a, const struct cfg_meta *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->ns ? a->ns : "", b->ns ? b->ns : "");
}

/* The ready endpoints of Service ns/name on node, over every slice,
 * summed per addressType; the largest sum. */
static uint32_t recount(const struct speaker_store *st, const char *ns, const char *name,
                        const char *node)
{
	uint64_t n[CFG_SLICE_TYPES] = {0}, max = 0;

	for (size_t i = 0; i < st->n_sl; i++) {
		const struct cfg_endpoint_slice *e = &st->sl[i];

		if (strcmp(e->service, name) || strcmp(e->meta.ns ? e->meta.ns : "", ns))
			continue;
		for (size_t k = 0; k < e->n_endpoints; k++)
			if (!strcmp(e->endpoints[k].node_name, node))
				n[e->address_type] += 1 + (uint64_t)e->endpoints[k].merged;
	}
	for (size_t t = 0; t < CFG_SLICE_TYPES; t++)
		if (n[t] > max)
			max = n[t];
	return max < UINT32_MAX ? (uint32_t)max : UINT32_MAX;
}

static void check(const struct speaker_store *st)
{
	for (size_t i = 0; i < st->set.n_services; i++) {
		const struct cfg_service *s = &st->set.services[i];

		if (s->type != CFG_SVC_LOAD_BALANCER || !s->n_ingress || s->n_ports ||
		    s->meta.labels.n || s->meta.annotations.n || !s->meta.ns ||
		    s->meta.resource_version ||
		    cfg_set_service(&st->set, s->meta.ns, s->meta.name) != s)
			abort();
		for (size_t k = 0; k < s->n_ingress; k++)
			if (s->ingress[k].family != AF_INET && s->ingress[k].family != AF_INET6)
				abort();
		for (size_t k = i + 1; k < st->set.n_services; k++)
			if (same(&s->meta, &st->set.services[k].meta))
				abort();
	}
	for (size_t i = 0; i < st->n_sl; i++) {
		const struct cfg_endpoint_slice *e = &st->sl[i];

		if (!e->service || !e->n_endpoints)
			abort();
		for (size_t k = 0; k < e->n_endpoints; k++) {
			/* Ready, one per node, and found through the index. */
			if (!e->endpoints[k].ready || !e->endpoints[k].node_name ||
			    !speaker_store_ready_on(st, e->meta.ns, e->service,
			                            e->endpoints[k].node_name))
				abort();
			if (speaker_store_ready_count(st, e->meta.ns, e->service,
			                              e->endpoints[k].node_name) !=
			    recount(st, e->meta.ns ? e->meta.ns : "", e->service,
			            e->endpoints[k].node_name))
				abort();
			for (size_t j = k + 1; j < e->n_endpoints; j++)
				if (!strcmp(e->endpoints[k].node_name, e->endpoints[j].node_name))
					abort();
		}
		for (size_t k = i + 1; k < st->n_sl; k++)
			if (same(&e->meta, &st->sl[k].meta))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct speaker_store st;
	size_t off = 0;

	if (speaker_store_init(&st, "n1") < 0)
		abort();
	while (off < size) {
		json_error_t jerr;
		json_t *obj =
		    json_loadb((const char *)data + off, size - off, JSON_DISABLE_EOF_CHECK, &jerr);
		const char *kind, *ns, *name;
		bool slice;
		struct cfg_error err;

		if (!obj || jerr.position <= 0)
			break;
		off += (size_t)jerr.position;
		kind = json_string_value(json_object_get(obj, "kind"));
		slice = kind && !strcmp(kind, "EndpointSlice");
		ns = json_string_value(
		    json_object_get(json_object_get(obj, "metadata"), "namespace"));
		name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
		cfg_error_init(&err, NULL, NULL);
		if (json_is_true(json_object_get(obj, "delete"))) {
			if (slice)
				speaker_store_slice_del(&st, ns, name);
			else
				speaker_store_service_del(&st, ns, name);
		} else if (slice) {
			speaker_store_slice_put(&st, obj, &err);
		} else {
			speaker_store_service_put(&st, obj, &err);
		}
		json_decref(obj);
		check(&st);
	}
	speaker_store_fini(&st);
	return 0;
}
