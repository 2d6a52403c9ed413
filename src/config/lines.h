/*
 * Building the line table of config/yaml.h (private to src/config).
 */
#ifndef BERTH_CONFIG_LINES_H
#define BERTH_CONFIG_LINES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/yaml.h"

struct cfg_lines *cfg_lines_new(void);
void cfg_lines_free(struct cfg_lines *l);
/* Forgets every entry (the tree they cite is going away). */
void cfg_lines_clear(struct cfg_lines *l);
/* Copies every entry of src into dst. Returns 0 or -ENOMEM. */
int cfg_lines_merge(struct cfg_lines *dst, const struct cfg_lines *src);

/* Records where obj[key] (already set in obj), arr[idx] or the container c
 * starts. Return 0 or -ENOMEM. A later record for the same slot wins. */
int cfg_lines_add_key(struct cfg_lines *l, const json_t *obj, const char *key, unsigned line);
int cfg_lines_add_index(struct cfg_lines *l, const json_t *arr, size_t idx, unsigned line);
int cfg_lines_add_self(struct cfg_lines *l, const json_t *c, unsigned line);

#endif
