/*
 * Members left out of a JSON text as it is decoded. Pure.
 *
 * An Eip's status lists every address it has handed out: some 400 kB of
 * JSON at 10,000 Services, sent to every speaker again at each allocation,
 * and its metadata.managedFields as much again (the API server records
 * each of those fields for the manager that set it). A speaker reads
 * neither, and decoding them only to drop them costs megabytes of heap
 * per event. So the bytes are scanned first for where those values lie,
 * and jansson reads them as null.
 *
 * The scan reads only what leads to those members and skips the rest by
 * brackets and strings; it validates nothing, jansson does. A text it
 * cannot follow, or a key on the way written with escapes, gives no
 * ranges: the text is then decoded whole, and fails or not as before.
 * What lies inside a value read as null is checked for its strings and
 * the count of its brackets only: a malformed status, never read, does
 * not make the object refused (tests/fuzz/fuzz_k8s_jcut.c holds the rest
 * to jansson's own decode).
 */
#ifndef BERTH_K8S_JCUT_H
#define BERTH_K8S_JCUT_H

#include <jansson.h>
#include <stddef.h>

enum k8s_jcut_shape {
	K8S_JCUT_EVENT = 0, /* a watch event: {"type": ..., "object": {...}} */
	K8S_JCUT_LIST,      /* a list: {"items": [{...}, ...], ...} */
};

struct k8s_jcut {
	size_t (*v)[2]; /* owned: [start, end) of each value, in order */
	size_t n, cap;
};

void k8s_jcut_init(struct k8s_jcut *c);
void k8s_jcut_fini(struct k8s_jcut *c);

/* Finds in the n bytes at p the values of members (each "name" or
 * "parent.name", names without escapes or further dots, parents under 64
 * bytes) of the event's object or of each list item. Replaces what c
 * held. Returns how many, 0 when the text cannot be followed, or -ENOMEM
 * (c then empty). */
int k8s_jcut_scan(struct k8s_jcut *c, const char *p, size_t n, enum k8s_jcut_shape shape,
                  const char *const *members, size_t n_members);

/* json_loadb(p, n, flags, err), with each range of c read as null. */
json_t *k8s_jcut_load(const struct k8s_jcut *c, const char *p, size_t n, size_t flags,
                      json_error_t *err);

/* Scan, then load: what the callers want. Without ranges (none found, or
 * no memory for them) the text is decoded whole. c is scratch. */
json_t *k8s_jcut_decode(struct k8s_jcut *c, const char *p, size_t n, enum k8s_jcut_shape shape,
                        const char *const *members, size_t n_members, json_error_t *err);

#endif
