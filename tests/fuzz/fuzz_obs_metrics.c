/*
 * Registry operations decoded from the input (label values are raw input
 * bytes, so any byte sequence, valid UTF-8 or not), then the rendered
 * text is parsed back with an independent reader of the exposition
 * format: every line must be well-formed, every label value must
 * unescape to a series the registry holds, with the same value, and the
 * series of a family must come in strictly increasing order.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obs/metrics.h"
#include "fuzz.h"

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t byte(struct in *in)
{
	uint8_t b = 0;

	if (in->n) {
		b = *in->p++;
		in->n--;
	}
	return b;
}

/* A label value: length byte (0..15), then that many raw bytes. */
static void str(struct in *in, char *dst)
{
	size_t len = byte(in) % 16, i;

	for (i = 0; i < len; i++)
		dst[i] = (char)byte(in);
	dst[len] = 0;
}

static double num(struct in *in)
{
	static const double special[] = {0, 1, 0.5, 1e-7, 1e300, INFINITY, -INFINITY, NAN, -2, 3};
	uint8_t sel = byte(in);
	uint64_t bits = 0;
	double d;
	int i;

	if (sel < 200)
		return special[sel % 10];
	for (i = 0; i < 8; i++)
		bits = bits << 8 | byte(in);
	memcpy(&d, &bits, sizeof(d));
	return d;
}

static const char *const l_ab[] = {"a", "b"};
static const char *const l_a[] = {"a"};
static const double bounds[] = {0.5, 1, 2};

static const struct obs_desc fams[] = {
    {"c_total", "C.", OBS_COUNTER, l_ab, 2, NULL, 0},
    {"g", "G with \\ and \n.", OBS_GAUGE, l_a, 1, NULL, 0},
    {"u", "", OBS_GAUGE, NULL, 0, NULL, 0},
    {"h", "H.", OBS_HISTOGRAM, l_a, 1, bounds, 3},
};

static bool lv_ok(const char *const *lv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!obs_utf8_valid(lv[i], strlen(lv[i])))
			return false;
	return true;
}

static void run_op(struct obs_registry *r, struct in *in)
{
	char a[16], b[16];
	const char *lv[2] = {a, b};
	uint8_t op = byte(in) % 8;
	double v;
	int rc;

	str(in, a);
	str(in, b);
	v = num(in);
	switch (op) {
	case 0:
		rc = obs_counter_add(r, "c_total", lv, v);
		CHECK(rc == 0 || rc == -EINVAL || rc == -ENOSPC);
		if (rc == -EINVAL)
			CHECK(!isfinite(v) || v < 0 || !lv_ok(lv, 2));
		break;
	case 1:
		rc = obs_gauge_set(r, "g", lv, v);
		CHECK(rc == 0 || rc == -ENOSPC || (rc == -EINVAL && !lv_ok(lv, 1)));
		break;
	case 2:
		rc = obs_gauge_add(r, "g", lv, v);
		CHECK(rc == 0 || rc == -ENOSPC || (rc == -EINVAL && !lv_ok(lv, 1)));
		break;
	case 3:
		rc = obs_histogram_observe(r, "h", lv, v);
		CHECK(rc == 0 || rc == -ENOSPC || (rc == -EINVAL && (isnan(v) || !lv_ok(lv, 1))));
		break;
	case 4:
		rc = obs_series_del(r, (v > 0) ? "g" : "c_total", lv);
		CHECK(rc == 0 || rc == 1 || rc == -EINVAL);
		break;
	case 5:
		rc = obs_series_del_where(r, "c_total", "b", b);
		CHECK(rc >= 0);
		break;
	case 6:
		CHECK(obs_family_reset(r, (v > 0) ? "g" : "h") == 0);
		break;
	default:
		CHECK(obs_gauge_set(r, "u", NULL, v) == 0);
		break;
	}
}

/* Parses "name{l="v",...} value" in place; returns the number of
 * labels, their names and unescaped values. */
static size_t parse_sample(char *line, char **name, char **ln, char **lv, double *v)
{
	size_t n = 0;
	char *p = line, *w;

	*name = p;
	while (*p && *p != '{' && *p != ' ')
		p++;
	CHECK(p > line);
	if (*p == '{') {
		*p++ = 0;
		while (*p != '}') {
			CHECK(n < 4);
			ln[n] = p;
			while (*p && *p != '=')
				p++;
			CHECK(*p == '=' && p[1] == '"');
			*p = 0;
			p += 2;
			lv[n] = w = p;
			while (*p != '"') {
				CHECK(*p);
				if (*p == '\\') {
					p++;
					CHECK(*p == '\\' || *p == '"' || *p == 'n');
					*w++ = *p == 'n' ? '\n' : *p;
					p++;
				} else {
					*w++ = *p++;
				}
			}
			*w = 0;
			p++;
			n++;
			if (*p == ',')
				p++;
			else
				CHECK(*p == '}');
		}
		p++;
	}
	CHECK(*p == ' ');
	*p++ = 0;
	if (!strcmp(p, "+Inf"))
		*v = INFINITY;
	else if (!strcmp(p, "-Inf"))
		*v = -INFINITY;
	else if (!strcmp(p, "NaN"))
		*v = NAN;
	else {
		char *end;

		CHECK(*p && strchr("-0123456789", *p));
		*v = strtod(p, &end);
		CHECK(*end == 0 && isfinite(*v));
	}
	return n;
}

static bool same_value(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static void verify(struct obs_registry *r, char *text, size_t len)
{
	char *line = text, *nl, *name, *ln[4], *lv[4], prev[2][64];
	size_t samples[4] = {0}, i, n, prevn = 0;
	double v, bucket = 0, got;

	CHECK(len == 0 || text[len - 1] == '\n');
	for (; line < text + len; line = nl + 1) {
		nl = strchr(line, '\n');
		CHECK(nl);
		*nl = 0;
		if (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7)) {
			prevn = 0;
			continue;
		}
		CHECK(line[0] != '#');
		n = parse_sample(line, &name, ln, lv, &v);
		if (!strcmp(name, "h_bucket")) {
			CHECK(n == 2 && !strcmp(ln[0], "a") && !strcmp(ln[1], "le"));
			CHECK(obs_value(r, "h", (const char *const *)lv, &got) == 0);
			CHECK(v >= bucket || !strcmp(lv[1], "0.5"));
			bucket = v;
			continue;
		}
		if (!strcmp(name, "h_sum")) {
			CHECK(obs_value(r, "h", (const char *const *)lv, &got) == 0);
			CHECK(same_value(got, v));
			continue;
		}
		if (!strcmp(name, "h_count")) {
			CHECK(v == bucket); /* the +Inf bucket counts everything */
			samples[3]++;
			continue;
		}
		for (i = 0; i < 3 && strcmp(name, fams[i].name); i++)
			;
		if (i == 3) {
			CHECK(!strcmp(name, OBS_DROPPED_SERIES));
			continue;
		}
		CHECK(n == fams[i].nlabels);
		CHECK(obs_value(r, name, (const char *const *)lv, &got) == 0);
		CHECK(same_value(got, v));
		if (n) {
			int c = 0;
			size_t k;

			for (k = 0; k < n && !c && prevn; k++)
				c = strcmp(prev[k], lv[k]);
			CHECK(!prevn || c < 0);
			for (k = 0; k < n; k++)
				strcpy(prev[k], lv[k]);
			prevn = n;
		}
		samples[i]++;
	}
	for (i = 0; i < 4; i++)
		CHECK(samples[i] == obs_series_count(r, fams[i].name));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	struct obs_registry *r = obs_registry_new(1 + (size % 8));
	struct buf b;
	size_t i;
	char *text;

	if (!r)
		return 0;
	for (i = 0; i < 4; i++)
		CHECK(obs_register(r, &fams[i]) == 0);
	while (in.n)
		run_op(r, &in);
	buf_init(&b, 1 << 20);
	CHECK(obs_render(r, &b) == 0);
	text = malloc(buf_len(&b) + 1);
	if (text) {
		if (buf_len(&b))
			memcpy(text, buf_head(&b), buf_len(&b));
		text[buf_len(&b)] = 0;
		verify(r, text, buf_len(&b));
		free(text);
	}
	buf_fini(&b);
	obs_registry_free(r);
	return 0;
}
