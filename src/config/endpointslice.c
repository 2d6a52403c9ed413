/*
 * discovery.k8s.io/v1 EndpointSlice (k8s.io/api/discovery/v1/types.go):
 * decoded like the core kinds, only what the speaker needs to decide
 * externalTrafficPolicy: Local (which nodes have a ready endpoint).
 */
#include <stdlib.h>
#include <string.h>

#include "config/dec.h"

static const char *const type_names[] = {"IPv4", "IPv6", "FQDN", NULL};

static int dec_conditions(struct cfg_dec *d, const json_t *ep, struct cfg_endpoint *e)
{
	const json_t *c = NULL;
	size_t mark;
	int rc = cfg_dec_object(d, ep, "conditions", &c);

	/* discovery/v1 EndpointConditions: nil ready/serving is "unknown",
	 * to be read as ready; nil terminating is not terminating. */
	e->ready = e->serving = true;
	if (rc <= 0)
		return rc;
	mark = cfg_dec_push(d, "conditions");
	if ((rc = cfg_dec_bool(d, c, "ready", &e->ready)) >= 0 &&
	    (rc = cfg_dec_bool(d, c, "serving", &e->serving)) >= 0)
		rc = cfg_dec_bool(d, c, "terminating", &e->terminating);
	cfg_dec_pop(d, mark);
	return rc;
}

static int dec_endpoint(struct cfg_dec *d, const json_t *ep, struct cfg_endpoint *e)
{
	const json_t *addrs = NULL;
	size_t i;
	json_t *a;
	int rc;

	/* addresses is required by the API; berth does not use the values but
	 * a slice whose shape is wrong is not one to trust for nodeName. */
	if ((rc = cfg_dec_array(d, ep, "addresses", &addrs)) < 0)
		return rc;
	json_array_foreach(addrs, i, a)
	{
		if (!json_is_string(a)) {
			size_t mark = cfg_dec_push(d, "addresses");

			rc = cfg_dec_fail_idx(d, addrs, i, "must be a string");
			cfg_dec_pop(d, mark);
			return rc;
		}
	}
	if ((rc = cfg_dec_string(d, ep, "nodeName", &e->node_name)) < 0)
		return rc;
	return dec_conditions(d, ep, e);
}

static int dec_endpoint_item(struct cfg_dec *d, const json_t *item, size_t i, void *ctx)
{
	struct cfg_endpoint_slice *s = ctx;

	s->n_endpoints = i + 1;
	return dec_endpoint(d, item, &s->endpoints[i]);
}

int cfg_endpoint_slice_decode(const json_t *obj, struct cfg_endpoint_slice *out,
                              struct cfg_error *err)
{
	unsigned type = 0;
	struct cfg_dec d;
	int rc;

	memset(out, 0, sizeof(*out));
	cfg_dec_init(&d, err, "EndpointSlice", false);
	if ((rc = cfg_dec_type(&d, obj, "discovery.k8s.io/v1")) < 0 ||
	    (rc = cfg_dec_meta(&d, obj, true, &out->meta)) < 0)
		goto out;
	if ((rc = cfg_dec_enum(&d, obj, "addressType", type_names, &type)) < 0)
		goto out;
	if (rc == 0) {
		rc = cfg_dec_fail_at(&d, obj, "addressType", "required");
		goto out;
	}
	out->address_type = (enum cfg_slice_type)type;
	if ((rc = cfg_dec_mappings(&d, obj, "endpoints", (void **)&out->endpoints,
	                           sizeof(*out->endpoints), dec_endpoint_item, out)) < 0)
		goto out;
	out->service = cfg_meta_label(&out->meta, CFG_LABEL_SERVICE_NAME);
out:
	if (rc < 0)
		cfg_endpoint_slice_fini(out);
	return rc < 0 ? rc : 0;
}

void cfg_endpoint_slice_fini(struct cfg_endpoint_slice *e)
{
	cfg_meta_fini(&e->meta);
	for (size_t i = 0; i < e->n_endpoints; i++)
		free(e->endpoints[i].node_name);
	free(e->endpoints);
	memset(e, 0, sizeof(*e));
}

/* The position of node's endpoint in v[0..n), or -1. */
static long node_at(const struct cfg_endpoint *v, size_t n, const char *node)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].node_name, node))
			return (long)i;
	return -1;
}

bool cfg_endpoint_slice_trim(struct cfg_endpoint_slice *e)
{
	struct cfg_meta *m = &e->meta;
	size_t k = 0;

	for (size_t i = 0; i < e->n_endpoints; i++) {
		struct cfg_endpoint *p = &e->endpoints[i];
		long at;

		if (!p->ready || !p->node_name) {
			free(p->node_name);
			continue;
		}
		at = node_at(e->endpoints, k, p->node_name);
		if (at < 0) {
			e->endpoints[k++] = *p;
			continue;
		}
		/* The node has one already: it counts this one too (the API
		 * allows 1000 a slice; the cap only guards the arithmetic). */
		uint64_t sum = (uint64_t)e->endpoints[at].merged + p->merged + 1;

		e->endpoints[at].merged = sum < UINT32_MAX ? (uint32_t)sum : UINT32_MAX - 1;
		free(p->node_name);
	}
	e->n_endpoints = k;
	if (!k) {
		free(e->endpoints);
		e->endpoints = NULL;
	}
	/* Only the label that names the Service survives (service points
	 * into it). */
	cfg_map_keep(&m->labels, CFG_LABEL_SERVICE_NAME);
	e->service = cfg_map_get(&m->labels, CFG_LABEL_SERVICE_NAME);
	cfg_map_fini(&m->annotations);
	free(m->resource_version);
	free(m->source);
	m->resource_version = m->source = NULL;
	/* Nor is the uid read (the informer keeps its own hash of it): the
	 * name and namespace alone, in a smaller block. Out of memory, the
	 * uid just stays. */
	(void)cfg_meta_set_id(m, m->name, m->ns, NULL);
	return k > 0;
}

static bool of_service(const struct cfg_endpoint_slice *s, const char *ns, const char *name)
{
	return s->service && !strcmp(s->service, name) && s->meta.ns && !strcmp(s->meta.ns, ns);
}

bool cfg_slices_ready_on(const struct cfg_endpoint_slice *slices, size_t n, const char *ns,
                         const char *name, const char *node)
{
	for (size_t i = 0; i < n; i++) {
		const struct cfg_endpoint_slice *s = &slices[i];

		if (!of_service(s, ns, name))
			continue;
		for (size_t k = 0; k < s->n_endpoints; k++) {
			const struct cfg_endpoint *e = &s->endpoints[k];

			if (e->ready && e->node_name && strcmp(e->node_name, node) == 0)
				return true;
		}
	}
	return false;
}

void cfg_slice_ready_count_add(const struct cfg_endpoint_slice *s, const char *node,
                               struct cfg_ready_count *c)
{
	uint32_t *sum = &c->by_type[s->address_type < CFG_SLICE_TYPES ? s->address_type : 0];

	for (size_t k = 0; k < s->n_endpoints; k++) {
		const struct cfg_endpoint *e = &s->endpoints[k];

		if (!e->ready || !e->node_name || strcmp(e->node_name, node) != 0)
			continue;
		/* 1 + merged, saturating at UINT32_MAX */
		if (*sum < UINT32_MAX - e->merged)
			*sum += e->merged + 1;
		else
			*sum = UINT32_MAX;
	}
}

uint32_t cfg_slices_ready_count(const struct cfg_endpoint_slice *slices, size_t n, const char *ns,
                                const char *name, const char *node)
{
	struct cfg_ready_count c = {{0}};

	for (size_t i = 0; i < n; i++)
		if (of_service(&slices[i], ns, name))
			cfg_slice_ready_count_add(&slices[i], node, &c);
	return cfg_ready_count_value(&c);
}

uint32_t cfg_ready_count_value(const struct cfg_ready_count *c)
{
	uint32_t max = 0;

	for (size_t t = 0; t < CFG_SLICE_TYPES; t++)
		if (c->by_type[t] > max)
			max = c->by_type[t];
	return max;
}
