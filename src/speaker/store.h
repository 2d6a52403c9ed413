/*
 * The cluster-mode speaker's Services and EndpointSlices, decoded, trimmed
 * to what announcing needs (cfg_service_trim, cfg_endpoint_slice_trim)
 * and kept current one object at a time, so that 10,000 Services cost a
 * few hundred bytes each and a change costs one decode, not a rebuild.
 *
 * Only Services of type LoadBalancer with an ingress IP are kept, and
 * only EndpointSlices with a ready endpoint on this node: nothing else
 * can make this node announce anything.
 */
#ifndef BERTH_SPEAKER_STORE_H
#define BERTH_SPEAKER_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "core/idx.h"

/*
 * A kept Service: 16 bytes and one block, about 90 bytes a Service in all
 * (a cfg_service alone is 168). Read it as a cfg_service through
 * speaker_store_service_at.
 */
struct speaker_svc {
	/* Owned: name, namespace, then the uid and the protocol annotation
	 * when present (flags), each with its NUL; then a uid of UUID form as
	 * 16 bytes instead (SPEAKER_SVC_UUID); then the n_ingress addresses
	 * (status.loadBalancer.ingress[].ip): up to CFG_VIEW_INGRESS of them
	 * as a family byte and 4 or 16 address bytes each, more as an array
	 * of bgp_addr (SPEAKER_SVC_WIDE). */
	char *blk;
	uint32_t n_ingress;
	uint8_t etp;   /* enum cfg_traffic_policy */
	uint8_t flags; /* SPEAKER_SVC_* */
};

#define SPEAKER_SVC_UID   0x01 /* metadata.uid present, as text */
#define SPEAKER_SVC_PROTO 0x02 /* CFG_ANN_PROTOCOL present */
#define SPEAKER_SVC_UUID  0x04 /* metadata.uid present, as 16 bytes */
#define SPEAKER_SVC_WIDE  0x08 /* addresses as struct bgp_addr */

struct speaker_store {
	char node[256];
	struct speaker_svc *svc; /* owned, dense */
	size_t n_svc, cap_svc;
	struct core_idx svc_ix;        /* (namespace, name) */
	struct cfg_endpoint_slice *sl; /* owned, dense */
	size_t n_sl, cap_sl;
	struct core_idx sl_ix;     /* (namespace, slice name) */
	struct core_idx sl_svc_ix; /* (namespace, Service name), repeats */
	/* Called with a Service as it leaves the store (deleted, or no longer
	 * a LoadBalancer with an address), before it is freed. */
	void (*gone)(const struct cfg_service *old, void *arg);
	void *arg;
};

/* Service i < n_svc, shown in *tmp (pointers into the store: valid until
 * it changes). The signature of cfg_set.service_at, ctx a store. */
const struct cfg_service *speaker_store_service_at(const void *ctx, size_t i,
                                                   struct cfg_service_view *tmp);

int speaker_store_init(struct speaker_store *st, const char *node);
void speaker_store_fini(struct speaker_store *st);

/* obj: a Service (borrowed). Decoded and kept, replacing the one of the
 * same name; dropped if it is no LoadBalancer with an address. Returns 0,
 * or a negative errno with err filled (the object is then dropped too:
 * the informer reports it as gone). */
int speaker_store_service_put(struct speaker_store *st, const json_t *obj, struct cfg_error *err);
/* 1 when it was kept, 0 when not. */
int speaker_store_service_del(struct speaker_store *st, const char *ns, const char *name);
int speaker_store_slice_put(struct speaker_store *st, const json_t *obj, struct cfg_error *err);
int speaker_store_slice_del(struct speaker_store *st, const char *ns, const char *name);
/* Some EndpointSlice of Service ns/name has a ready endpoint on this node. */
bool speaker_store_ready_here(const struct speaker_store *st, const char *ns, const char *name);

#endif
