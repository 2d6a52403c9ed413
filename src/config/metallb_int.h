/*
 * Pieces the MetalLB decoders share (private to src/config): the head of
 * every metallb.io object, unknown fields into the note, selector lists
 * with MetalLB's duplicate check.
 */
#ifndef BERTH_CONFIG_METALLB_INT_H
#define BERTH_CONFIG_METALLB_INT_H

#include <jansson.h>

#include "config/dec.h"

/*
 * apiVersion (one of versions, NULL-terminated) and kind (d->kind) when
 * present, metadata (namespaced), unknown top-level fields into *note,
 * and spec (*spec borrowed from obj, NULL when absent: MetalLB's spec is
 * optional, omitempty, for every kind but IPAddressPool). status, which
 * MetalLB writes, is type-checked only.
 */
int mlb_head(struct cfg_dec *d, const json_t *obj, const char *const *versions,
             struct cfg_meta *meta, const json_t **spec, char **note);
/* Every key of obj not in known (NULL-terminated) into *note, with its
 * path: "spec.foo: unknown to berth, ignored". */
int mlb_unknown(struct cfg_dec *d, const json_t *obj, const char *const *known, char **note);
/* cfg_dec_selectors, and no selector twice (internal/config
 * validateLabelSelectorDuplicate). */
int mlb_selectors(struct cfg_dec *d, const json_t *obj, const char *key, struct cfg_selector **out,
                  size_t *n);

#endif
