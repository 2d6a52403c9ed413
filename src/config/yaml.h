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
 * Bombs and limits (all per call):
 *   CFG_YAML_MAX_BYTES  input size;
 *   CFG_YAML_MAX_DEPTH  nesting of mappings and sequences;
 *   CFG_YAML_MAX_NODES  nodes after alias expansion: an alias costs the
 *                       size of the tree it names, so "billion laughs"
 *                       stops at this many nodes, not at 10^9.
 * Invalid UTF-8, control characters (NUL included) and tab indentation are
 * refused by libyaml itself; its message is passed on with the line.
 */
#ifndef BERTH_CONFIG_YAML_H
#define BERTH_CONFIG_YAML_H

#include <jansson.h>
#include <stddef.h>

struct cfg_error;

#define CFG_YAML_MAX_BYTES (16u * 1024 * 1024)
#define CFG_YAML_MAX_DEPTH 100
#define CFG_YAML_MAX_NODES (1u << 20)

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
 * Parses a whole YAML stream (any number of documents). Returns 0 with
 * *out filled (release with cfg_yaml_fini), or a negative errno with err
 * filled ("file:line: reason", file from err->file) and *out empty:
 * -EINVAL for bad YAML, -E2BIG for a limit, -ENOMEM.
 */
int cfg_yaml_parse(const char *buf, size_t len, struct cfg_yaml *out, struct cfg_error *err);
void cfg_yaml_fini(struct cfg_yaml *y);

#endif
