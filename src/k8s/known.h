/*
 * The informer's contract (k8s/informer.h), pure: what it has told its
 * caller about the objects of one resource, and the events that a new
 * sighting of an object makes. Also the optional cache of whole objects
 * that a caller may put on top.
 *
 * For every object it has delivered it keeps the key ("namespace/name" or
 * "name"), the resourceVersion and a hash of the uid (k8s/rvmap.h, some
 * 80 bytes an object), and turns what the server shows into exactly these
 * events:
 *
 *   on_add     an object not delivered before; also one of a delivered
 *              name with another uid (deleted and created again while no
 *              watch saw it), right after the on_delete of the old one;
 *   on_update  a delivered object whose resourceVersion changed;
 *   on_delete  a delivered object that is gone: a DELETED event, a list
 *              that no longer shows it, or a state the caller's check
 *              refuses;
 *   on_relist  false before the first page of a list (the first list
 *              too, and again when a list had to start over), true after
 *              its last page, once what it did not show is deleted.
 *
 * Nothing else: a repeat (the same resourceVersion again, as a re-list of
 * an unchanged object or a resumed watch shows it) and the DELETED event
 * of an object never delivered make no event. on_add and on_update get
 * the object as the server shows it now; on_delete the last state the
 * server sent (the DELETED event's object, the refused one), else a stub
 * with kind, apiVersion, metadata.name and metadata.namespace only.
 * Objects are borrowed for the call. Every callback is optional.
 *
 * The cache (k8s_cache) is the optional layer: given one, k8s_known keeps
 * the last state of every delivered object in it, and during a callback
 * the cache still holds the state before the event (on_update can compare
 * the old state with the new, on_delete read what went).
 *
 * No sockets, clocks, globals or logging.
 */
#ifndef BERTH_K8S_KNOWN_H
#define BERTH_K8S_KNOWN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "k8s/api.h"
#include "k8s/rvmap.h"

struct k8s_handlers {
	void (*on_relist)(bool done, void *arg);
	void (*on_add)(const json_t *obj, void *arg);
	void (*on_update)(const json_t *obj, void *arg);
	void (*on_delete)(const json_t *obj, void *arg);
	void *arg;
};

/* ---- The optional cache: the last state of every object ---- */

struct k8s_cache {
	json_t *objs; /* owned: "namespace/name" (or "name") -> object */
};

#define K8S_KEY_MAX 512

int k8s_cache_init(struct k8s_cache *c);
void k8s_cache_fini(struct k8s_cache *c);
/* "namespace/name" or "name" into buf; -EINVAL without metadata.name. */
int k8s_cache_key(const json_t *obj, char *buf, size_t size);
/* The same from parts: ns NULL or "" gives "name"; -EINVAL without a name
 * or when buf is too small. */
int k8s_cache_key_of(const char *ns, const char *name, char *buf, size_t size);
/* Borrowed from the cache; NULL if absent. ns NULL for cluster-scoped. */
const json_t *k8s_cache_get(const struct k8s_cache *c, const char *ns, const char *name);
size_t k8s_cache_size(const struct k8s_cache *c);

/* ---- What has been delivered ---- */

struct k8s_known {
	const struct k8s_resource *res; /* borrowed: kind and apiVersion of stubs */
	struct k8s_handlers h;
	struct k8s_cache *cache; /* borrowed, NULL: none */
	struct k8s_rvmap map;
};

/* res and cache (may be NULL) borrowed, must outlive k; h copied. */
void k8s_known_init(struct k8s_known *k, const struct k8s_resource *res,
                    const struct k8s_handlers *h, struct k8s_cache *cache);
void k8s_known_fini(struct k8s_known *k);

/* obj as the server shows it now: listed, or an ADDED or MODIFIED event
 * that the caller's check accepted. Returns 0, -EINVAL (no name) or
 * -ENOMEM (nothing delivered and nothing recorded, or, after the event,
 * the cache could not take the object). */
int k8s_known_seen(struct k8s_known *k, const json_t *obj);
/* obj is gone: a DELETED event, or a state the caller's check refused.
 * Returns 0 or -EINVAL (no name). */
int k8s_known_gone(struct k8s_known *k, const json_t *obj);

/* A list begins (on_relist(false)). */
void k8s_known_relist_begin(struct k8s_known *k);
/* The list is complete: what it did not show is deleted, then
 * on_relist(true). Returns how many were deleted. */
size_t k8s_known_relist_end(struct k8s_known *k);

size_t k8s_known_size(const struct k8s_known *k);
/* resourceVersion of object ns/name (borrowed until its next event),
 * NULL when not delivered. ns NULL for cluster-scoped. */
const char *k8s_known_rv(const struct k8s_known *k, const char *ns, const char *name);

#endif
