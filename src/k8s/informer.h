/*
 * Informer: list, then watch one resource, keeping a local cache of its
 * objects and telling the caller about adds, updates and deletes (as
 * client-go's reflector + informer do).
 *
 * - The first list is paged (limit/continue) and read consistently (no
 *   resourceVersion); "synced" holds after it.
 * - The watch asks for bookmarks (allowWatchBookmarks=true) and resumes
 *   from the last resourceVersion seen, bookmarks included, after a clean
 *   end or a transport error (exponential backoff with jitter on errors).
 * - 410 Gone (an HTTP 410, or an ERROR event with code 410) means the
 *   version was compacted away: the informer lists again and delivers
 *   only the difference against its cache, so the caller sees no
 *   duplicates and no losses.
 * - A line that is not a watch event is a stream error: logged (with kind
 *   and name when known), then the watch reconnects. An object without a
 *   name, or refused by the caller's check, is logged and skipped; if the
 *   cache held an earlier valid state, the caller gets a delete for it.
 *
 * Objects get kind and apiVersion (list items lack them) and lose
 * metadata.managedFields. Callbacks run from the loop; objects are
 * borrowed for the call (the
 * cache keeps them: json_incref to keep longer, never modify them).
 * k8s_informer_free must not be called from the informer's own callbacks.
 */
#ifndef BERTH_K8S_INFORMER_H
#define BERTH_K8S_INFORMER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "k8s/client.h"
#include "k8s/served.h"
#include "k8s/watch.h"

struct k8s_informer;

struct k8s_informer_opts {
	const struct k8s_resource *res; /* borrowed, must outlive the informer */
	const char *ns;                 /* copied; NULL: all namespaces */
	const char *label_selector;     /* copied; NULL: none */
	const char *field_selector;     /* copied; NULL: none */
	uint32_t page_size;             /* list limit, default 500 */
	uint32_t backoff_initial_ms;    /* default 800 (client-go's reflector) */
	uint32_t backoff_max_ms;        /* default 30000 */
	uint32_t watch_timeout_s;       /* default random 300..600 s, as client-go */
	/*
	 * Lean mode, for kinds with many objects (Services, EndpointSlices)
	 * whose callers keep their own compact decoded state: the cache
	 * keeps only each object's key, resourceVersion and a hash of its
	 * uid (under 100 bytes an object instead of kilobytes of JSON).
	 * Then on_update gets old == NULL; on_delete gets the DELETED
	 * event's object, or, for an object a re-list no longer shows, a
	 * stub with kind, apiVersion and metadata.name/namespace;
	 * k8s_informer_get returns NULL and k8s_informer_cache an empty
	 * cache. Lists are delivered page by page (upserts), the deletes of
	 * a re-list at its end, so no whole list is ever held in memory.
	 * The default page size becomes 100.
	 */
	bool lean;
	/*
	 * Keyless: lean, and the informer keeps nothing per object, for a
	 * caller whose store already holds every key it cares about (the
	 * speaker: 10,000 Services would otherwise be keyed twice). on_add
	 * gets every object listed, ADDED or MODIFIED (on_update is never
	 * called); on_delete every DELETED event's object and every object
	 * the check refused; on_relist(false) comes before the first page
	 * of each list and on_relist(true) after its last, when the caller
	 * removes what it holds and that list did not show (a delete missed
	 * while the watch was down). k8s_informer_size returns 0 and
	 * k8s_informer_rv_of NULL.
	 */
	bool keyless;
	void (*on_relist)(bool done, void *arg);
	/*
	 * The caller never reads status: it is not decoded (k8s/jcut.h) and
	 * the objects come without one. An Eip's status lists every address
	 * handed out (400 kB of JSON at 10,000 Services, sent again at each
	 * allocation); a transform would drop it only after decoding it.
	 */
	bool drop_status;

	/* Optional, borrowed: told the HTTP code of every list and watch
	 * (k8s/served.h), which explains a 404 (a group/version not served,
	 * a CRD not installed) instead of the informer repeating it at each
	 * retry. */
	struct k8s_served *served;

	void (*on_add)(const json_t *obj, void *arg);
	void (*on_update)(const json_t *old, const json_t *cur, void *arg);
	/* obj: the last state the cache held. */
	void (*on_delete)(const json_t *obj, void *arg);
	/* Once, after the first list has been delivered. */
	void (*on_synced)(void *arg);
	/* Optional: 0 keeps obj; else it is skipped, and why (NUL-terminated,
	 * size bytes) goes to the log. E.g. a cfg_*_decode. */
	int (*check)(const json_t *obj, char *why, size_t size, void *arg);
	/* Optional, as client-go's SetTransform: trims each object as it
	 * arrives, before check and the cache (drop what the caller never
	 * reads: a status the controller rewrites at every allocation is
	 * otherwise kept, and sent again, whole). It must leave kind,
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
};

/* c: borrowed, must outlive the informer. Returns 0 or a negative errno. */
int k8s_informer_new(struct k8s_client *c, const struct k8s_informer_opts *o,
                     struct k8s_informer **out);
/* Starts the first list. */
int k8s_informer_start(struct k8s_informer *inf);
void k8s_informer_free(struct k8s_informer *inf);

bool k8s_informer_synced(const struct k8s_informer *inf);
/* Last resourceVersion seen (borrowed), NULL before the first list. */
const char *k8s_informer_rv(const struct k8s_informer *inf);
/* Cached object (borrowed) or NULL; ns NULL for cluster-scoped. */
const json_t *k8s_informer_get(const struct k8s_informer *inf, const char *ns, const char *name);
/* Number of objects cached (0 when keyless). */
size_t k8s_informer_size(const struct k8s_informer *inf);
/* resourceVersion of the cached object (borrowed until the next change of
 * that object), NULL if not cached (always when keyless). */
const char *k8s_informer_rv_of(const struct k8s_informer *inf, const char *ns, const char *name);
/* The whole cache (borrowed; iterate cache->objs with json_object_foreach). */
const struct k8s_cache *k8s_informer_cache(const struct k8s_informer *inf);
void k8s_informer_stats(const struct k8s_informer *inf, struct k8s_informer_stats *out);

#endif
