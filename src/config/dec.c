/*
 * Typed field getters with JSON paths in their errors (see dec.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/dec.h"

void cfg_dec_init(struct cfg_dec *d, struct cfg_error *err, const char *kind, bool strict)
{
	memset(d, 0, sizeof(*d));
	d->err = err;
	d->kind = kind;
	d->strict = strict;
}

static void path_append(struct cfg_dec *d, const char *fmt, const char *s, size_t idx, bool is_idx)
{
	size_t cap = sizeof(d->path);
	int n;

	if (d->plen >= cap - 1)
		return;
	if (is_idx)
		n = snprintf(d->path + d->plen, cap - d->plen, "[%zu]", idx);
	else
		n = snprintf(d->path + d->plen, cap - d->plen, fmt, s);
	if (n > 0)
		d->plen += (size_t)n < cap - d->plen ? (size_t)n : cap - d->plen - 1;
}

/* Keys such as "openelb.kubesphere.io/rack" would make a dotted path ambiguous. */
static bool plain_key(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!(*k == '_' || *k == '-' || (*k >= 'a' && *k <= 'z') ||
		      (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9')))
			return false;
	return true;
}

size_t cfg_dec_push(struct cfg_dec *d, const char *key)
{
	size_t mark = d->plen;

	if (!plain_key(key))
		path_append(d, "[\"%s\"]", key, 0, false);
	else
		path_append(d, d->plen ? ".%s" : "%s", key, 0, false);
	return mark;
}

size_t cfg_dec_push_idx(struct cfg_dec *d, size_t idx)
{
	size_t mark = d->plen;

	path_append(d, NULL, NULL, idx, true);
	return mark;
}

void cfg_dec_pop(struct cfg_dec *d, size_t mark)
{
	d->plen = mark;
	d->path[mark] = '\0';
}

static int vfail(struct cfg_dec *d, unsigned line, const char *fmt, va_list ap)
{
	char obj[CFG_ERR_MSG_MAX / 2];

	cfg_obj_label(obj, sizeof(obj), d->kind, d->ns, d->name);
	return cfg_err_vset(d->err, -EINVAL, line, obj, d->path, fmt, ap);
}

static unsigned key_line(const struct cfg_dec *d, const json_t *c, const char *key)
{
	const struct cfg_lines *l = d->err ? d->err->lines : NULL;
	unsigned line = cfg_lines_key(l, c, key);

	/* a missing field: cite the mapping that should hold it */
	return line ? line : cfg_lines_self(l, c);
}

int cfg_dec_fail_at(struct cfg_dec *d, const json_t *c, const char *key, const char *fmt, ...)
{
	size_t mark = cfg_dec_push(d, key);
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(d, key_line(d, c, key), fmt, ap);
	va_end(ap);
	cfg_dec_pop(d, mark);
	return rc;
}

int cfg_dec_fail_idx(struct cfg_dec *d, const json_t *c, size_t idx, const char *fmt, ...)
{
	size_t mark = cfg_dec_push_idx(d, idx);
	const struct cfg_lines *l = d->err ? d->err->lines : NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(d, cfg_lines_index(l, c, idx), fmt, ap);
	va_end(ap);
	cfg_dec_pop(d, mark);
	return rc;
}

int cfg_dec_fail_here(struct cfg_dec *d, const json_t *c, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(d, cfg_lines_self(d->err ? d->err->lines : NULL, c), fmt, ap);
	va_end(ap);
	return rc;
}

const json_t *cfg_dec_get(const json_t *obj, const char *key)
{
	const json_t *v = obj ? json_object_get(obj, key) : NULL;

	return json_is_null(v) ? NULL : v;
}

int cfg_dec_known(struct cfg_dec *d, const json_t *obj, const char *const *known)
{
	const char *k;
	json_t *v;

	if (!d->strict)
		return 0;
	json_object_foreach((json_t *)obj, k, v)
	{
		const char *const *p;

		for (p = known; *p && strcmp(*p, k) != 0; p++)
			;
		if (!*p)
			return cfg_dec_fail_at(d, obj, k, "unknown field");
	}
	return 0;
}

int cfg_dec_object(struct cfg_dec *d, const json_t *obj, const char *key, const json_t **out)
{
	const json_t *v = cfg_dec_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_object(v))
		return cfg_dec_fail_at(d, obj, key, "must be a mapping");
	*out = v;
	return 1;
}

int cfg_dec_array(struct cfg_dec *d, const json_t *obj, const char *key, const json_t **out)
{
	const json_t *v = cfg_dec_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_array(v))
		return cfg_dec_fail_at(d, obj, key, "must be a list");
	*out = v;
	return 1;
}

int cfg_dec_bool(struct cfg_dec *d, const json_t *obj, const char *key, bool *out)
{
	const json_t *v = cfg_dec_get(obj, key);

	if (!v)
		return 0;
	/* "yes"/"on" arrive as strings (YAML 1.2), and end here */
	if (!json_is_boolean(v))
		return cfg_dec_fail_at(d, obj, key, "must be true or false");
	*out = json_is_true(v);
	return 1;
}

int cfg_dec_cstr(struct cfg_dec *d, const json_t *obj, const char *key, const char **out)
{
	const json_t *v = cfg_dec_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return cfg_dec_fail_at(d, obj, key, "must be a string");
	*out = json_string_value(v);
	return 1;
}

int cfg_dec_string(struct cfg_dec *d, const json_t *obj, const char *key, char **out)
{
	const char *s = NULL;
	int rc = cfg_dec_cstr(d, obj, key, &s);
	char *copy;

	if (rc <= 0)
		return rc;
	copy = strdup(s);
	if (!copy)
		return cfg_err_set(d->err, -ENOMEM, 0, NULL, NULL, "out of memory");
	free(*out);
	*out = copy;
	return 1;
}

/* An integral JSON number; reals beyond int64 (huge YAML ints) are *big. */
static bool integral(const json_t *v, json_int_t *out, int *big)
{
	*big = 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (json_is_real(v)) {
		double x = json_real_value(v);

		/* doubles this large are whole numbers; jansson holds no NaN */
		if (x >= 9223372036854775808.0 || x < -9223372036854775808.0) {
			*big = x > 0 ? 1 : -1;
			return true;
		}
		/* berthlib does not link libm: a round trip replaces floor() */
		*out = (json_int_t)x;
		return (double)*out == x;
	}
	return false;
}

int cfg_dec_uint_unit(struct cfg_dec *d, const json_t *obj, const char *key, uint64_t min,
                      uint64_t max, const char *unit, uint64_t *out)
{
	const json_t *v = cfg_dec_get(obj, key);
	json_int_t i = 0;
	int big;

	if (!v)
		return 0;
	if (!integral(v, &i, &big))
		return cfg_dec_fail_at(d, obj, key, "must be an integer");
	if (big || i < 0 || (uint64_t)i < min || (uint64_t)i > max)
		return cfg_dec_fail_at(d, obj, key, "must be %" PRIu64 "..%" PRIu64 "%s%s%s", min,
		                       max, unit ? " (" : "", unit ? unit : "", unit ? ")" : "");
	*out = (uint64_t)i;
	return 1;
}

int cfg_dec_uint(struct cfg_dec *d, const json_t *obj, const char *key, uint64_t min, uint64_t max,
                 uint64_t *out)
{
	return cfg_dec_uint_unit(d, obj, key, min, max, NULL, out);
}

int cfg_dec_int(struct cfg_dec *d, const json_t *obj, const char *key, int64_t min, int64_t max,
                int64_t *out)
{
	const json_t *v = cfg_dec_get(obj, key);
	json_int_t i = 0;
	int big;

	if (!v)
		return 0;
	if (!integral(v, &i, &big))
		return cfg_dec_fail_at(d, obj, key, "must be an integer");
	if (big || i < min || i > max)
		return cfg_dec_fail_at(d, obj, key, "must be %" PRId64 "..%" PRId64, min, max);
	*out = i;
	return 1;
}

int cfg_dec_uint_or_string(struct cfg_dec *d, const json_t *obj, const char *key, uint64_t min,
                           uint64_t max, uint64_t *out)
{
	const json_t *v = cfg_dec_get(obj, key);
	const char *s;
	uint64_t u = 0;

	if (!v || !json_is_string(v))
		return cfg_dec_uint(d, obj, key, min, max, out);
	s = json_string_value(v);
	/* OpenELB drops "" (omitempty), so it means absent */
	if (!*s)
		return 0;
	for (const char *p = s; *p; p++) {
		unsigned dig = (unsigned)(*p - '0');

		if (*p < '0' || *p > '9')
			return cfg_dec_fail_at(d, obj, key, "must be a whole number of seconds");
		if (u > (UINT64_MAX - dig) / 10)
			u = UINT64_MAX; /* saturate: out of range anyway */
		else
			u = u * 10 + dig;
	}
	if (u < min || u > max)
		return cfg_dec_fail_at(d, obj, key, "must be %" PRIu64 "..%" PRIu64, min, max);
	*out = u;
	return 1;
}

int cfg_dec_enum(struct cfg_dec *d, const json_t *obj, const char *key, const char *const *names,
                 unsigned *out)
{
	const char *s = NULL;
	char list[256];
	size_t off = 0;
	int rc = cfg_dec_cstr(d, obj, key, &s);

	if (rc <= 0)
		return rc;
	for (unsigned i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0) {
			*out = i;
			return 1;
		}
	list[0] = '\0';
	for (unsigned i = 0; names[i] && off < sizeof(list); i++) {
		int n = snprintf(list + off, sizeof(list) - off, "%s%s",
		                 i == 0 ? "" : (names[i + 1] ? ", " : " or "), names[i]);

		if (n > 0)
			off += (size_t)n;
	}
	return cfg_dec_fail_at(d, obj, key, "must be %s", list);
}

int cfg_dec_addr(struct cfg_dec *d, const json_t *obj, const char *key, struct core_addr *out)
{
	const char *s = NULL;
	int rc = cfg_dec_cstr(d, obj, key, &s);

	if (rc <= 0)
		return rc;
	if (cfg_addr_parse(s, out) < 0)
		return cfg_dec_fail_at(d, obj, key, "\"%s\" is not an IP address", s);
	return 1;
}

static int nomem(struct cfg_dec *d)
{
	return cfg_err_set(d->err, -ENOMEM, 0, NULL, NULL, "out of memory");
}

int cfg_dec_map(struct cfg_dec *d, const json_t *obj, const char *key, struct cfg_map *out)
{
	const json_t *m = NULL;
	const char *k;
	json_t *v;
	size_t mark;
	int rc = cfg_dec_object(d, obj, key, &m);

	if (rc <= 0)
		return rc;
	cfg_map_fini(out);
	if (!json_object_size(m))
		return 1;
	out->items = calloc(json_object_size(m), sizeof(*out->items));
	if (!out->items)
		return nomem(d);
	mark = cfg_dec_push(d, key);
	json_object_foreach((json_t *)m, k, v)
	{
		struct cfg_kv *kv = &out->items[out->n];

		if (!json_is_string(v)) {
			rc = cfg_dec_fail_at(d, m, k, "must be a string");
			goto out;
		}
		kv->key = strdup(k);
		kv->value = strdup(json_string_value(v));
		out->n++;
		if (!kv->key || !kv->value) {
			rc = nomem(d);
			goto out;
		}
	}
	rc = 1;
out:
	cfg_dec_pop(d, mark);
	if (rc < 0)
		cfg_map_fini(out);
	return rc;
}

int cfg_dec_mappings(struct cfg_dec *d, const json_t *obj, const char *key, void **out, size_t size,
                     cfg_dec_item_fn each, void *ctx)
{
	const json_t *arr = NULL, *item;
	size_t i, mark;
	int rc = cfg_dec_array(d, obj, key, &arr);

	if (rc <= 0 || !json_array_size(arr))
		return rc;
	if (out && !(*out = calloc(json_array_size(arr), size)))
		return nomem(d);
	mark = cfg_dec_push(d, key);
	json_array_foreach(arr, i, item)
	{
		size_t m2;

		if (!json_is_object(item)) {
			rc = cfg_dec_fail_idx(d, arr, i, "must be a mapping");
			break;
		}
		m2 = cfg_dec_push_idx(d, i);
		rc = each(d, item, i, ctx);
		cfg_dec_pop(d, m2);
		if (rc < 0)
			break;
	}
	cfg_dec_pop(d, mark);
	return rc < 0 ? rc : 1;
}

int cfg_dec_strings(struct cfg_dec *d, const json_t *obj, const char *key, char ***out, size_t *n)
{
	const json_t *a = NULL;
	size_t i, mark;
	json_t *v;
	int rc = cfg_dec_array(d, obj, key, &a);

	if (rc <= 0)
		return rc;
	cfg_strings_free(*out, *n);
	*out = NULL;
	*n = 0;
	if (!json_array_size(a))
		return 1;
	*out = calloc(json_array_size(a), sizeof(**out));
	if (!*out)
		return nomem(d);
	mark = cfg_dec_push(d, key);
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v)) {
			rc = cfg_dec_fail_idx(d, a, i, "must be a string");
			break;
		}
		(*out)[i] = strdup(json_string_value(v));
		*n = i + 1;
		if (!(*out)[i]) {
			rc = nomem(d);
			break;
		}
	}
	cfg_dec_pop(d, mark);
	if (rc < 0) {
		cfg_strings_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void cfg_map_fini(struct cfg_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->items[i].key);
		free(m->items[i].value);
	}
	free(m->items);
	m->items = NULL;
	m->n = 0;
}

void cfg_map_keep(struct cfg_map *m, const char *keep)
{
	size_t k = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (!k && strcmp(m->items[i].key, keep) == 0) {
			m->items[k++] = m->items[i];
			continue;
		}
		free(m->items[i].key);
		free(m->items[i].value);
	}
	m->n = k;
	if (!k) {
		free(m->items);
		m->items = NULL;
	}
}

void cfg_strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

const char *cfg_map_get(const struct cfg_map *m, const char *key)
{
	if (!m)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->items[i].key, key) == 0)
			return m->items[i].value;
	return NULL;
}

int cfg_dec_openelb_head(struct cfg_dec *d, const json_t *obj, const char *const *known,
                         struct cfg_meta *meta, const json_t **spec)
{
	int rc;

	*spec = NULL;
	if ((rc = cfg_dec_type(d, obj, CFG_OPENELB_API_VERSION)) < 0 ||
	    (rc = cfg_dec_meta(d, obj, false, meta)) < 0 ||
	    (rc = cfg_dec_known(d, obj, known)) < 0 ||
	    (rc = cfg_dec_object(d, obj, "spec", spec)) < 0)
		return rc;
	if (!rc)
		return cfg_dec_fail_at(d, obj, "spec", "required");
	return 0;
}
