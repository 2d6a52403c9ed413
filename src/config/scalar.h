/*
 * YAML scalar -> JSON value, by the YAML 1.2 core schema (private to
 * src/config; see yaml.h).
 */
#ifndef BERTH_CONFIG_SCALAR_H
#define BERTH_CONFIG_SCALAR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * v[len] (NUL-terminated) is the scalar's text; plain is true for an
 * unquoted scalar; tag is libyaml's resolved tag or NULL. Returns 0 with
 * *out a new reference, -EINVAL with *why (static string), or -ENOMEM.
 */
int cfg_scalar_resolve(const char *v, size_t len, bool plain, const char *tag, json_t **out,
                       const char **why);

#endif
