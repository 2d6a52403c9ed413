/*
 * Field decoding helpers shared by the kind decoders (private to
 * src/config). They keep the JSON path of the field being decoded and
 * turn every failure into one cfg_error message:
 *   file:line: Kind ns/name: path: reason
 *
 * Getters return 1 when the field is present and stored, 0 when absent
 * (or null, which Kubernetes treats as absent; *out untouched), or a
 * negative errno with err filled.
 */
#ifndef BERTH_CONFIG_DEC_H
#define BERTH_CONFIG_DEC_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

struct cfg_dec {
	struct cfg_error *err; /* borrowed */
	const char *kind;      /* static: "BgpPeer" */
	const char *ns;        /* borrowed from the tree, NULL until known */
	const char *name;      /* borrowed from the tree, NULL until known */
	bool strict;           /* unknown fields are errors (OpenELB CRDs) */
	size_t plen;
	char path[CFG_ERR_PATH_MAX];
};

/*
 * Fills err: "file:line: " (when known), "obj: " (when not NULL),
 * "path: " (when not empty), then the reason. Returns rc.
 */
int cfg_err_set(struct cfg_error *err, int rc, unsigned line, const char *obj, const char *path,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int cfg_err_vset(struct cfg_error *err, int rc, unsigned line, const char *obj, const char *path,
                 const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

void cfg_dec_init(struct cfg_dec *d, struct cfg_error *err, const char *kind, bool strict);

/* Path building: push returns a mark that pop restores. */
size_t cfg_dec_push(struct cfg_dec *d, const char *key);
size_t cfg_dec_push_idx(struct cfg_dec *d, size_t idx);
void cfg_dec_pop(struct cfg_dec *d, size_t mark);

/* Failures. _at: the field c[key] (pushed onto the path for the message);
 * _idx: the item c[idx]; _here: the current path, line of container c. */
int cfg_dec_fail_at(struct cfg_dec *d, const json_t *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int cfg_dec_fail_idx(struct cfg_dec *d, const json_t *c, size_t idx, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int cfg_dec_fail_here(struct cfg_dec *d, const json_t *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* obj[key] unless absent or null. obj may be NULL. */
const json_t *cfg_dec_get(const json_t *obj, const char *key);

/* In strict mode: every key of obj must be in known (NULL-terminated). */
int cfg_dec_known(struct cfg_dec *d, const json_t *obj, const char *const *known);

/* Type-checked getters. */
int cfg_dec_object(struct cfg_dec *d, const json_t *obj, const char *key, const json_t **out);
int cfg_dec_array(struct cfg_dec *d, const json_t *obj, const char *key, const json_t **out);
int cfg_dec_bool(struct cfg_dec *d, const json_t *obj, const char *key, bool *out);
/* *out is a new heap copy (free the old value first if needed). */
int cfg_dec_string(struct cfg_dec *d, const json_t *obj, const char *key, char **out);
/* Borrowed string; "" counts as present. */
int cfg_dec_cstr(struct cfg_dec *d, const json_t *obj, const char *key, const char **out);
/* An integer in [min, max]; failure says "must be min..max". */
int cfg_dec_uint(struct cfg_dec *d, const json_t *obj, const char *key, uint64_t min, uint64_t max,
                 uint64_t *out);
int cfg_dec_int(struct cfg_dec *d, const json_t *obj, const char *key, int64_t min, int64_t max,
                int64_t *out);
/* The same, the failure naming the unit: "must be 10..60000 (ms)". */
int cfg_dec_uint_unit(struct cfg_dec *d, const json_t *obj, const char *key, uint64_t min,
                      uint64_t max, const char *unit, uint64_t *out);
/* An integer, or a string of decimal digits (OpenELB's timers); "" is absent. */
int cfg_dec_uint_or_string(struct cfg_dec *d, const json_t *obj, const char *key, uint64_t min,
                           uint64_t max, uint64_t *out);
/* One of names[] (NULL-terminated): *out is its index. */
int cfg_dec_enum(struct cfg_dec *d, const json_t *obj, const char *key, const char *const *names,
                 unsigned *out);
/* An IP address. */
int cfg_dec_addr(struct cfg_dec *d, const json_t *obj, const char *key, struct core_addr *out);
/* map[string]string */
int cfg_dec_map(struct cfg_dec *d, const json_t *obj, const char *key, struct cfg_map *out);
/* Called on each item of a list of mappings, the path at key[i]: 0 (or
 * more) to go on, or a negative errno (err filled) to stop. */
typedef int (*cfg_dec_item_fn)(struct cfg_dec *d, const json_t *item, size_t i, void *ctx);
/* []mapping: each(d, item, i, ctx) on the items of obj[key] in turn,
 * until one fails; an item that is no mapping fails the list. With out,
 * *out is first a new zeroed array (owned by the caller, who frees it
 * also on failure) of one element of size bytes per item, NULL when the
 * list is empty. Returns 1 when the list is there, 0 when absent, or
 * the negative errno of the first failure. */
int cfg_dec_mappings(struct cfg_dec *d, const json_t *obj, const char *key, void **out, size_t size,
                     cfg_dec_item_fn each, void *ctx);
/* []string */
int cfg_dec_strings(struct cfg_dec *d, const json_t *obj, const char *key, char ***out, size_t *n);

/*
 * ObjectMeta: name (required), namespace (namespaced kinds default to
 * "default"), labels, annotations, uid, resourceVersion. Sets d->name and
 * d->ns. In strict mode unknown ObjectMeta fields are errors.
 */
int cfg_dec_meta(struct cfg_dec *d, const json_t *root, bool namespaced, struct cfg_meta *m);

/*
 * apiVersion/kind check: kind, when present, must be d->kind;
 * apiVersion, when present, must be api_version.
 */
int cfg_dec_type(struct cfg_dec *d, const json_t *root, const char *api_version);

/*
 * What every OpenELB object shares: apiVersion and kind, metadata (cluster
 * scoped), only the top-level keys in known, and a required spec object.
 * Returns 0 with *spec set (borrowed from obj), or a negative errno with
 * the error filled. status is left to the caller.
 */
int cfg_dec_openelb_head(struct cfg_dec *d, const json_t *obj, const char *const *known,
                         struct cfg_meta *meta, const json_t **spec);

int cfg_dec_selector(struct cfg_dec *d, const json_t *obj, const char *key,
                     struct cfg_selector *out);
/* []LabelSelector into a new array (*out, *n; caller frees with
 * cfg_selectors_free); an empty list is none. */
int cfg_dec_selectors(struct cfg_dec *d, const json_t *obj, const char *key,
                      struct cfg_selector **out, size_t *n);
/* A map[string]string read as one selector of matchLabels (an Eip's
 * nodeSelector and namespaceSelector): none when absent or empty. */
int cfg_dec_map_selector(struct cfg_dec *d, const json_t *obj, const char *key,
                         struct cfg_selector **out, size_t *n);
bool cfg_map_equal(const struct cfg_map *a, const struct cfg_map *b);
/* A deep copy into a new array (NULL for none). 0 or -ENOMEM (*out NULL). */
int cfg_strings_copy(char *const *src, size_t n, char ***out);

/* eip.c, shared with the MetalLB decoders and the set's rules */
void cfg_eip_bgp_defaults(struct cfg_eip_bgp *b);
/* Whether first-last is a range: one family, first not after last. 0, or
 * -EINVAL with *why (static) saying what is wrong. */
int cfg_range_check(const struct core_addr *first, const struct core_addr *last, const char **why);
/* Whether every aggregation length of b keeps aggregates inside e's
 * ranges of its family: 0, or -EINVAL with the family at fault, the
 * least length it allows and the text of the range that needs it. */
int cfg_eip_check_aggregation(const struct cfg_eip *e, const struct cfg_eip_bgp *b, int *family,
                              unsigned *min, const char **range);
/* Untrusted text for a message: at most 64 bytes, printable ASCII only
 * (others become '?'), "..." when cut. */
const char *cfg_shown(char buf[72], const char *s, size_t len);
/* Appends "; " (when *note has text) and the formatted text to *note
 * (owned, may be NULL), up to CFG_NOTE_MAX bytes. 0 or -ENOMEM. */
int cfg_note_add(char **note, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define CFG_NOTE_MAX 1024
/* []string of names: none empty, none with a NUL, none twice (what: "a
 * BgpPeer name", for the message). */
int cfg_dec_names(struct cfg_dec *d, const json_t *obj, const char *key, const char *what,
                  char ***out, size_t *n);
/* Sorts n communities of width 1 or 3 and drops repeats; the new count. */
size_t cfg_communities_sort(uint32_t *v, size_t n, size_t width);
int cfg_dec_graceful_restart(struct cfg_dec *d, const json_t *obj, const char *key,
                             struct cfg_graceful_restart *out);

void cfg_meta_fini(struct cfg_meta *m);
/* Frees every entry of m but the one whose key is keep (if any). */
void cfg_map_keep(struct cfg_map *m, const char *keep);
void cfg_selector_fini(struct cfg_selector *s);
void cfg_strings_free(char **v, size_t n);

/* IP parsing: core_addr_parse (inet_pton: strict dotted quad, RFC 4291
 * text); *a is zeroed on failure. Eip CIDRs are parsed in eip.c, since
 * bgp_prefix_parse refuses host bits that OpenELB accepts. */
int cfg_addr_parse(const char *s, struct core_addr *a);

/* k8s.io/apimachinery validation (secret.c): IsDNS1123Subdomain (a
 * Secret's name: dot-separated labels of [a-z0-9-] that start and end
 * with a letter or digit) and IsConfigMapKey (a Secret's data key:
 * [-._a-zA-Z0-9]+, not "." and not starting with ".."), each at most
 * CFG_K8S_NAME_MAX bytes. */
#define CFG_K8S_NAME_MAX 253
bool cfg_dns1123_subdomain(const char *s);
bool cfg_secret_key_valid(const char *s);
/* set.c: "source: Kind ns/name: path: reason" for rules that span
 * objects (the source is the object's "file:line"). Returns -EINVAL. */
int cfg_obj_fail(struct cfg_error *err, const char *kind, const struct cfg_meta *m,
                 const char *path, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* m's source, or "an earlier object". */
const char *cfg_src_or(const struct cfg_meta *m);
/* metallb_set.c: cfg_set_validate's MetalLB rules. */
int cfg_metallb_validate(const struct cfg_set *s, struct cfg_error *err);

/* Both NULL, or equal strings. */
bool cfg_str_eq(const char *a, const char *b);
/* "Kind ns/name", "Kind name" or "Kind" into buf. */
const char *cfg_obj_label(char *buf, size_t len, const char *kind, const char *ns,
                          const char *name);

#endif
