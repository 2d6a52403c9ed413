/*
 * Informer: list, then watch one resource, and tell the caller about its
 * objects by one contract (k8s/known.h): on_add, on_update, on_delete,
 * and on_relist around each list; as client-go's reflector does.
 *
 * - Lists are paged (limit/continue) and read consistently (no
 *   resourceVersion); each page is delivered as it comes, so no whole list
 *   is ever held. "synced" holds after the first list.
 * - The watch asks for bookmarks (allowWatchBookmarks=true) and resumes
 *   from the last resourceVersion seen, bookmarks included, after a clean
 *   end or a transport error (exponential backoff with jitter on errors).
 * - 410 Gone (an HTTP 410, or an ERROR event with code 410) means the
 *   version was compacted away: the informer lists again, and the
 *   contract makes of it only the difference (what changed while no
 *   watch was up: updates, adds, and the deletes of what the list no
 *   longer shows, logged), so the caller sees no duplicates and no losses.
 * - A line that is not a watch event is a stream error: logged (with kind
 *   and name when known), then the watch reconnects. An object without a
 *   name, or refused by the caller's check, is logged and skipped; if it
 *   had been delivered before, the caller gets a delete for it.
 *
 * Objects get kind and apiVersion (list items lack them) and come without
 * metadata.managedFields and the caller's unread members. Callbacks run
 * from the loop; objects are borrowed for the call (json_incref to keep
 * longer, never modify them). A caller that needs the objects later asks
 * for the cache layer (opts.cache). k8s_informer_free must not be called
 * from the informer's own callbacks.
 */
#ifndef BERTH_K8S_INFORMER_H
#define BERTH_K8S_INFORMER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "k8s/client.h"
#include "k8s/known.h"
#include "k8s/served.h"

struct k8s_informer;

struct k8s_informer_opts {
	const struct k8s_resource *res; /* borrowed, must outlive the informer */
	const char *ns;                 /* copied; NULL: all namespaces */
	const char *label_selector;     /* copied; NULL: none */
	const char *field_selector;     /* copied; NULL: none */
	uint32_t page_size;             /* list limit, default 100 (a page of 500,
	                                   client-go's, is ~3 MB of transient JSON
	                                   for Services) */
	uint32_t backoff_initial_ms;    /* default 800 (client-go's reflector) */
	uint32_t backoff_max_ms;        /* default 30000 */
	uint32_t watch_timeout_s;       /* default random 300..600 s, as client-go */
	/*
	 * Optional, NULL-terminated, borrowed (must outlive the informer):
	 * members the caller never reads ("status", or "parent.name"; see
	 * k8s/jcut.h for the form). They are not even decoded, and the
	 * objects come without them: an Eip's status lists every address
	 * handed out, 400 kB of JSON at 10,000 Services, sent again at each
	 * allocation. metadata.managedFields is always left out. At most 7
	 * (k8s_informer_new: -E2BIG).
	 */
	const char *const *unread;

	/* Optional, borrowed: told the HTTP code of every list and watch
	 * (k8s/served.h), which explains a 404 (a group/version not served,
	 * a CRD not installed) instead of the informer repeating it at each
	 * retry. */
	struct k8s_served *served;

	/*
	 * An optional resource (MetalLB's metallb.io kinds: read when
	 * installed, and a cluster without them runs as before). A list
	 * answered 404 (not served: no CRD) or 403 (not allowed: berth's RBAC
	 * for it not applied) is an empty list: the informer is synced,
	 * whatever it delivered before is deleted, one info line says so
	 * (again only after it was served), served is not told (readiness
	 * stays), and it lists again every absent_retry_ms (default 60000)
	 * until it is served.
	 */
	bool optional;
	uint32_t absent_retry_ms;

	/* The contract (k8s/known.h); each optional. */
	void (*on_relist)(bool done, void *arg);
	void (*on_add)(const json_t *obj, void *arg);
	void (*on_update)(const json_t *obj, void *arg);
	void (*on_delete)(const json_t *obj, void *arg);
	/* Optional layer (borrowed, initialised, must outlive the informer):
	 * kept current with the last state of every object delivered; during
	 * a callback it still holds the state before the event. */
	struct k8s_cache *cache;
	/* Optional: 0 keeps obj; else it is skipped, and why (NUL-terminated,
	 * size bytes) goes to the log. E.g. a cfg_*_decode. */
	int (*check)(const json_t *obj, char *why, size_t size, void *arg);
	/* Optional, as client-go's SetTransform: trims each object as it
	 * arrives, before check and the cache (drop what the caller never
	 * reads: the Node's images and capacity...). It must leave kind,
	 * apiVersion and metadata alone. */
	void (*transform)(json_t *obj, void *arg);
	void *arg;
};

struct k8s_informer_stats {
	unsigned lists;   /* complete lists */
	unsigned watches; /* watch requests started */
	unsigned gone;    /* 410s that forced a re-list */
	unsigned errors;  /* failed lists/watches, stream errors */
	unsigned skipped; /* objects skipped as malformed or refused */
	unsigned bookmarks;
	unsigned absent; /* lists of an optional resource answered 404 or 403 */
};

/* c: borrowed, must outlive the informer. Returns 0 or a negative errno. */
int k8s_informer_new(struct k8s_client *c, const struct k8s_informer_opts *o,
                     struct k8s_informer **out);
/* Starts the first list. */
int k8s_informer_start(struct k8s_informer *inf);
void k8s_informer_free(struct k8s_informer *inf);

bool k8s_informer_synced(const struct k8s_informer *inf);
/* True while an optional resource is not served or not allowed. */
bool k8s_informer_absent(const struct k8s_informer *inf);
/* Last resourceVersion seen (borrowed), NULL before the first list. */
const char *k8s_informer_rv(const struct k8s_informer *inf);
/* Number of objects delivered and not deleted. */
size_t k8s_informer_size(const struct k8s_informer *inf);
/* resourceVersion of a delivered object (borrowed until its next event),
 * NULL if none; ns NULL for cluster-scoped. */
const char *k8s_informer_rv_of(const struct k8s_informer *inf, const char *ns, const char *name);
void k8s_informer_stats(const struct k8s_informer *inf, struct k8s_informer_stats *out);

#endif
