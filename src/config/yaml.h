/*
 * YAML manifests -> jansson trees, the same json_t an API server returns.
 *
 * Pure: bytes in, trees out. No files, clocks, globals or logging.
 *
 * Scalars are typed by the YAML 1.2 core schema (YAML 1.2.2 section
 * 10.3.2): true/false, null/~/empty, decimal/0o/0x integers and floats
 * for plain scalars only; quoted scalars always stay strings, and so do
 * "yes", "on", "no", "off" (YAML 1.1 booleans are not booleans here).
 * Integers beyond int64 become reals, so decoders can say "out of range".
 * .inf and .nan are refused: JSON cannot carry them.
 *
 * Also accepted: anchors and aliases (an alias shares the anchored tree,
 * it is not copied), the YAML 1.1 merge key "<<" that Kubernetes' YAML
 * reader also honours, explicit tags !!str !!int !!float !!bool !!null
 * !!map !!seq. Refused: duplicate keys, non-scalar keys, aliases used as
 * keys, other tags, strings or keys containing NUL.
 *
 * Documents are read one at a time (cfg_yaml_stream): a manifest costs one
 * document's tree at once, not the whole file's. A large List (kubectl's
 * "get -o yaml" output) is one document; its items can be handed out one
 * at a time too, so it costs one item's tree.
 *
 * Bombs and limits:
 *   CFG_YAML_MAX_BYTES    input size (per stream);
 *   CFG_YAML_MAX_DEPTH    nesting of mappings and sequences;
 *   CFG_YAML_MAX_SCALAR   one scalar or key: Kubernetes objects are stored
 *                         whole in one etcd value of at most 1.5 MiB, and
 *                         ConfigMap data is capped at 1 MiB, so no real
 *                         field is larger;
 *   CFG_YAML_MAX_NODES    nodes in one document's tree (a List item handed
 *                         out and dropped no longer counts), an alias
 *                         counted at the size of the tree it names: a tree
 *                         costs up to ~200 bytes a node (a jansson container
 *                         and its line entry), so at most ~26 MB;
 *   CFG_YAML_MAX_ALIASED  nodes that aliases repeat, over the whole stream:
 *                         aliases share trees, so the tree does not grow,
 *                         but decoders copy what they read ("billion
 *                         laughs" stops here, not at 10^9 nodes, and the
 *                         typed objects stay within a few MB of it).
 * Invalid UTF-8, control characters (NUL included) and tab indentation are
 * refused by libyaml itself; its message is passed on with the line.
 */
#ifndef BERTH_CONFIG_YAML_H
#define BERTH_CONFIG_YAML_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct cfg_error;

#define CFG_YAML_MAX_BYTES   (16u * 1024 * 1024)
#define CFG_YAML_MAX_DEPTH   100
#define CFG_YAML_MAX_SCALAR  (1024u * 1024)
#define CFG_YAML_MAX_NODES   (1u << 17)
#define CFG_YAML_MAX_ALIASED (1u << 18)

/*
 * Where each member of every mapping and sequence was written: the line
 * numbers that error messages cite. Keyed by container and key (or index),
 * because jansson shares true/false/null and aliased trees.
 */
struct cfg_lines;

/* 1-based line of obj[key], arr[idx] or the container itself; 0 if unknown.
 * lines may be NULL (objects from an API server have no lines). */
unsigned cfg_lines_key(const struct cfg_lines *lines, const json_t *obj, const char *key);
unsigned cfg_lines_index(const struct cfg_lines *lines, const json_t *arr, size_t idx);
unsigned cfg_lines_self(const struct cfg_lines *lines, const json_t *container);

struct cfg_yaml_doc {
	json_t *root;  /* owned reference; json_null() for an empty document */
	unsigned line; /* 1-based line where the document starts */
};

struct cfg_yaml {
	struct cfg_yaml_doc *docs; /* owned array */
	size_t n_docs;
	struct cfg_lines *lines; /* owned; keys point into the docs' trees */
	json_t *keep;            /* owned: inline "<<" merge sources, which lines still cite */
};

/*
 * Parses a whole YAML stream (any number of documents) into memory, for
 * small inputs (kubeconfig). Returns 0 with *out filled (release with
 * cfg_yaml_fini), or a negative errno with err filled ("file:line:
 * reason", file from err->file) and *out empty: -EINVAL for bad YAML,
 * -E2BIG for a limit, -ENOMEM.
 */
int cfg_yaml_parse(const char *buf, size_t len, struct cfg_yaml *out, struct cfg_error *err);
void cfg_yaml_fini(struct cfg_yaml *y);

/* ---- One document at a time ---- */

/*
 * Input read on demand (a file): fills buf with up to size bytes and sets
 * *got (0 at the end). Returns 0, or a negative errno with err filled.
 */
typedef int (*cfg_yaml_read_fn)(void *arg, unsigned char *buf, size_t size, size_t *got,
                                struct cfg_error *err);

struct cfg_yaml_input {
	const char *buf; /* in memory (borrowed, outlives the stream), or */
	size_t len;
	cfg_yaml_read_fn read; /* read on demand, when buf is NULL */
	void *arg;
	/* Hand out the items of a List one by one (see cfg_yaml_unit). */
	bool items;
};

/*
 * What cfg_yaml_stream_next hands out. Everything is borrowed from the
 * stream and valid until the next call.
 *
 * A document: list is NULL; root is its tree (json_null() when empty).
 * An item of a List (with input.items): a mapping in the sequence under
 * the key "items" of a document's top-level mapping, handed out as soon as
 * it ends; list is that top-level mapping with the members read so far
 * (the "kind" of the List when it was written before "items"). Its
 * document follows once it ends, without the items that were dropped. A
 * caller that cannot decide yet (an item without "kind" whose List has no
 * "kind" so far) passes keep to the next call: the item then stays in the
 * document's "items" instead.
 */
struct cfg_yaml_unit {
	const json_t *root;
	unsigned line; /* 1-based line where it starts */
	const json_t *list;
	const struct cfg_lines *lines; /* lines of root's members */
};

struct cfg_yaml_stream;

/* Returns 0 with *out set, or a negative errno with err filled. err (and
 * the file it names) is borrowed: it must outlive the stream. */
int cfg_yaml_stream_new(const struct cfg_yaml_input *in, struct cfg_error *err,
                        struct cfg_yaml_stream **out);
void cfg_yaml_stream_free(struct cfg_yaml_stream *s);

/*
 * Releases the unit handed out last (keep: an item stays in its
 * document's "items"; ignored for documents) and reads the next one.
 * Returns 1 with *u filled, 0 at the end of the stream, or a negative
 * errno with err filled (again on every later call).
 */
int cfg_yaml_stream_next(struct cfg_yaml_stream *s, bool keep, struct cfg_yaml_unit *u);

#endif
