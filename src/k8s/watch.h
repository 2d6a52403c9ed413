/*
 * Watch streams, pure.
 *
 * A watch response (Kubernetes API concepts, "Efficient detection of
 * changes") is a chunked HTTP body of newline-delimited JSON events:
 *   {"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}
 * k8s_wstream turns bytes, split anywhere, into events (the informer then
 * makes them its contract's, k8s/known.h).
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

#endif
