/*
 * Scalar typing by the YAML 1.2 core schema, YAML 1.2.2 section 10.3.2:
 *   null   null | Null | NULL | ~ | (empty)
 *   bool   true | True | TRUE | false | False | FALSE
 *   int    [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
 *   float  [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
 *          | [-+]?\.(inf|Inf|INF) | \.nan|\.NaN|\.NAN
 * Only plain scalars without a tag are resolved; everything else that
 * matches none of these is a string.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/scalar.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

static bool one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return false;
}

static bool is_null(const char *v)
{
	static const char *const set[] = {"", "~", "null", "Null", "NULL", NULL};

	return one_of(v, set);
}

static int is_bool(const char *v)
{
	static const char *const t[] = {"true", "True", "TRUE", NULL};
	static const char *const f[] = {"false", "False", "FALSE", NULL};

	if (one_of(v, t))
		return 1;
	if (one_of(v, f))
		return 0;
	return -1;
}

static bool all_digits(const char *s, int base)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		int c = (unsigned char)*s;

		if (base == 16 ? !isxdigit(c) : (c < '0' || c > (base == 8 ? '7' : '9')))
			return false;
	}
	return true;
}

/* Digits in base to an integer; past int64 the value becomes a real so
 * that decoders can report the field as out of range. */
static json_t *digits_value(const char *s, int base, bool neg)
{
	uint64_t u = 0;
	double d = 0;
	bool big = false;

	for (; *s; s++) {
		int c = (unsigned char)*s;
		unsigned dig = isdigit(c) ? (unsigned)(c - '0') : (unsigned)(tolower(c) - 'a' + 10);

		d = d * base + dig;
		if (u > (UINT64_MAX - dig) / (unsigned)base)
			big = true;
		else
			u = u * (unsigned)base + dig;
	}
	if (!big && !neg && u <= INT64_MAX)
		return json_integer((json_int_t)u);
	if (!big && neg && u <= (uint64_t)INT64_MAX + 1)
		return json_integer(u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(json_int_t)u);
	return json_real(neg ? -d : d);
}

/* 1 and *out set for an int, 0 if v is no int. */
static int parse_int(const char *v, json_t **out)
{
	const char *s = v;
	bool neg = false;

	if (s[0] == '0' && s[1] == 'o' && all_digits(s + 2, 8)) {
		*out = digits_value(s + 2, 8, false);
		return 1;
	}
	if (s[0] == '0' && s[1] == 'x' && all_digits(s + 2, 16)) {
		*out = digits_value(s + 2, 16, false);
		return 1;
	}
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!all_digits(s, 10))
		return 0;
	*out = digits_value(s, 10, neg);
	return 1;
}

static bool float_syntax(const char *s)
{
	bool mant = false;

	if (*s == '-' || *s == '+')
		s++;
	while (isdigit((unsigned char)*s)) {
		s++;
		mant = true;
	}
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			s++;
			mant = true;
		}
	}
	if (!mant)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!all_digits(s, 10))
			return false;
		return true;
	}
	return *s == '\0';
}

/* 1 float (*out set), 0 not a float, -EINVAL unrepresentable (*why). */
static int parse_float(const char *v, json_t **out, const char **why)
{
	static const char *const special[] = {".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf",
	                                      "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
	                                      ".NaN",  ".NAN",  NULL};
	double d;

	if (one_of(v, special)) {
		*why = "infinity and NaN cannot be represented in JSON";
		return -EINVAL;
	}
	if (!float_syntax(v))
		return 0;
	d = strtod(v, NULL);
	if (!isfinite(d)) {
		*why = "number out of range";
		return -EINVAL;
	}
	*out = json_real(d);
	return 1;
}

static int make_string(const char *v, size_t len, json_t **out, const char **why)
{
	if (memchr(v, '\0', len)) {
		*why = "NUL character in a string";
		return -EINVAL;
	}
	/* libyaml has validated UTF-8 already; jansson checks again */
	*out = json_stringn(v, len);
	if (!*out) {
		*why = "invalid UTF-8 in a string";
		return -EINVAL;
	}
	return 0;
}

static int resolve_plain(const char *v, size_t len, json_t **out, const char **why)
{
	int b, rc;

	if (is_null(v)) {
		*out = json_null();
		return 0;
	}
	b = is_bool(v);
	if (b >= 0) {
		*out = json_boolean(b);
		return 0;
	}
	if (parse_int(v, out))
		return *out ? 0 : -ENOMEM;
	rc = parse_float(v, out, why);
	if (rc < 0)
		return rc;
	if (rc)
		return *out ? 0 : -ENOMEM;
	return make_string(v, len, out, why);
}

static int resolve_tagged(const char *v, size_t len, const char *t, json_t **out, const char **why)
{
	int rc;

	if (strcmp(t, "str") == 0)
		return make_string(v, len, out, why);
	if (strcmp(t, "null") == 0) {
		if (!is_null(v))
			goto bad;
		*out = json_null();
		return 0;
	}
	if (strcmp(t, "bool") == 0) {
		rc = is_bool(v);
		if (rc < 0)
			goto bad;
		*out = json_boolean(rc);
		return 0;
	}
	if (strcmp(t, "int") == 0) {
		if (!parse_int(v, out))
			goto bad;
		return *out ? 0 : -ENOMEM;
	}
	if (strcmp(t, "float") == 0) {
		if (parse_int(v, out)) {
			json_t *i = *out;

			if (!i)
				return -ENOMEM;
			*out = json_real(json_number_value(i));
			json_decref(i);
			return *out ? 0 : -ENOMEM;
		}
		rc = parse_float(v, out, why);
		if (rc < 0)
			return rc;
		if (!rc)
			goto bad;
		return *out ? 0 : -ENOMEM;
	}
	*why = "unsupported tag";
	return -EINVAL;
bad:
	*why = "value does not match its tag";
	return -EINVAL;
}

int cfg_scalar_resolve(const char *v, size_t len, bool plain, const char *tag, json_t **out,
                       const char **why)
{
	*out = NULL;
	/* C consumers would silently cut such a value short */
	if (memchr(v, '\0', len)) {
		*why = "NUL character in a string";
		return -EINVAL;
	}
	if (!tag)
		return plain ? resolve_plain(v, len, out, why) : make_string(v, len, out, why);
	/* "!" is the non-specific tag: a string (YAML 1.2.2 section 6.9.1) */
	if (strcmp(tag, "!") == 0)
		return make_string(v, len, out, why);
	if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0)
		return resolve_tagged(v, len, tag + strlen(TAG_PREFIX), out, why);
	*why = "unsupported tag";
	return -EINVAL;
}
