/*
 * Watch streams and the informer's cache, both pure.
 *
 * A watch response (Kubernetes API concepts, "Efficient detection of
 * changes") is a chunked HTTP body of newline-delimited JSON events:
 *   {"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}
 * k8s_wstream turns bytes, split anywhere, into events. The cache keeps
 * the last state of every object and turns events, or a whole new list
 * after a re-list, into add/update/delete changes without duplicates.
 *
 * No sockets, clocks, globals or logging: errors are returned, with a
 * one-line explanation in the parser's `why`.
 */
#ifndef BERTH_K8S_WATCH_H
#define BERTH_K8S_WATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "k8s/jcut.h"

/* Largest event line accepted: far above the apiserver's own 3 MiB
 * object limit (etcd's request size), far below memory trouble. */
#define K8S_WSTREAM_MAX_LINE (16u * 1024 * 1024)
#define K8S_WHY_MAX          256
/* A line buffer above this is freed once its line is decoded. */
#define K8S_WSTREAM_KEEP (16u * 1024)

enum k8s_wev {
	K8S_WEV_ADDED = 0,
	K8S_WEV_MODIFIED,
	K8S_WEV_DELETED,
	K8S_WEV_BOOKMARK,
	K8S_WEV_ERROR,
};

const char *k8s_wev_name(enum k8s_wev t);

/* One decoded event. object: borrowed, valid during the call (json_incref
 * to keep it). Return 0 to go on; anything else stops the feed, which
 * returns it. */
typedef int (*k8s_wev_fn)(enum k8s_wev type, json_t *object, void *arg);

struct k8s_wstream {
	char *buf;             /* owned: bytes of the unfinished line */
	size_t len;            /* bytes in buf */
	size_t cap;            /* allocated */
	size_t max_line;       /* longest line accepted */
	int error;             /* sticky: once set, every feed returns it */
	char why[K8S_WHY_MAX]; /* what was wrong, set with error */
	/* Borrowed: members of each event's object to read as null
	 * (k8s/jcut.h): what the caller never reads is not decoded. */
	const char *const *cut;
	size_t n_cut;
	struct k8s_jcut jc;
};

/* max_line 0 means K8S_WSTREAM_MAX_LINE. */
void k8s_wstream_init(struct k8s_wstream *ws, size_t max_line);
void k8s_wstream_fini(struct k8s_wstream *ws);
/* Forgets any partial line and error (a new stream begins). */
void k8s_wstream_reset(struct k8s_wstream *ws);

/*
 * Consumes len bytes; calls cb once per complete event, in order. When cb
 * stops the feed, the rest of data is dropped.
 * Returns 0, cb's non-zero return, or (sticky) -EBADMSG for a line that
 * is not a JSON event (why says what, and the object's kind and name
 * when they could be read), -EMSGSIZE for a line above max_line, -ENOMEM.
 * Blank lines are skipped.
 */
int k8s_wstream_feed(struct k8s_wstream *ws, const char *data, size_t len, k8s_wev_fn cb,
                     void *arg);

/* The stream ended: -EBADMSG if it stopped inside an event, else 0. */
int k8s_wstream_finish(struct k8s_wstream *ws);

/* ---- Cache ---- */

enum k8s_change { K8S_CHANGE_ADD = 0, K8S_CHANGE_UPDATE, K8S_CHANGE_DELETE };

/*
 * One change. ADD: old NULL. UPDATE: both. DELETE: old is the last cached
 * state, cur the object from the DELETED event or NULL (after a re-list,
 * the final state is unknown). Both borrowed, valid during the call.
 */
typedef void (*k8s_change_fn)(enum k8s_change c, const json_t *old, const json_t *cur, void *arg);

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

/*
 * Applies a watch event (ADDED, MODIFIED or DELETED; others are refused
 * with -EINVAL). obj: borrowed, the cache takes its own reference.
 * ADDED or MODIFIED of a cached object with the same resourceVersion is
 * a repeat and changes nothing; of an object with another uid (deleted
 * and re-created while we were not looking) gives DELETE then ADD.
 * DELETED of an unknown object changes nothing.
 */
int k8s_cache_apply(struct k8s_cache *c, enum k8s_wev type, json_t *obj, k8s_change_fn cb,
                    void *arg);

/*
 * Replaces the whole content by items (a JSON array of objects from a
 * list, borrowed) and reports the difference: DELETE for cached objects
 * not listed (cur NULL), then ADD for new ones and UPDATE for those
 * whose resourceVersion changed, in list order. Unchanged objects give
 * nothing. Items without a name are skipped; returns how many were, or
 * -ENOMEM (the cache is then unchanged).
 */
int k8s_cache_replace(struct k8s_cache *c, json_t *items, k8s_change_fn cb, void *arg);

#endif
