/*
 * The text exposition format, version 0.0.4, as Prometheus documents it
 * ("Exposition formats", text-based format): per family an optional
 * "# HELP name text" line, a "# TYPE name type" line, then one sample
 * per line: name{label="value",...} value.
 */
#include "obs/metrics_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t obs_format_value(char *dst, double v)
{
	int prec, n = 0;

	if (isnan(v))
		return (size_t)snprintf(dst, OBS_VALUE_LEN, "NaN");
	if (isinf(v))
		return (size_t)snprintf(dst, OBS_VALUE_LEN, v > 0 ? "+Inf" : "-Inf");
	if (v == 0) /* also -0, which would print as "-0" */
		return (size_t)snprintf(dst, OBS_VALUE_LEN, "0");
	/* Counters are integers: keep them exact and free of exponents
	 * (%.0f of an integral double below 2^63 has at most 19 digits). */
	if (v > -9223372036854775808.0 && v < 9223372036854775808.0 && v == (double)(int64_t)v)
		return (size_t)snprintf(dst, OBS_VALUE_LEN, "%.0f", v);
	/* Shortest %g form that reads back as the same double; 17
	 * significant digits always do (IEEE 754 binary64). */
	for (prec = 1; prec <= 17; prec++) {
		n = snprintf(dst, OBS_VALUE_LEN, "%.*g", prec, v);
		if (strtod(dst, NULL) == v)
			break;
	}
	return (size_t)n;
}

static int put(struct buf *b, const char *s, size_t n)
{
	return buf_append(b, s, n);
}

static int puts_(struct buf *b, const char *s)
{
	return put(b, s, strlen(s));
}

/* Label values escape backslash, double quote and line feed; HELP text
 * only backslash and line feed. */
static int put_escaped(struct buf *b, const char *s, bool quote)
{
	const char *run = s;
	int rc = 0;

	for (; *s && !rc; s++) {
		const char *esc = NULL;

		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (*s == '"' && quote)
			esc = "\\\"";
		if (!esc)
			continue;
		rc = put(b, run, (size_t)(s - run));
		if (!rc)
			rc = put(b, esc, 2);
		run = s + 1;
	}
	if (!rc)
		rc = puts_(b, run);
	return rc;
}

static int put_value(struct buf *b, double v)
{
	char tmp[OBS_VALUE_LEN];
	size_t n = obs_format_value(tmp, v);

	return put(b, tmp, n);
}

/* name{l1="v1",...[,le="bound"]} value\n; suffix: "_bucket" and the like. */
static int put_sample(struct buf *b, const struct obs_family *f, const struct obs_series *s,
                      const char *suffix, const char *le, double v)
{
	size_t i;
	int rc;

	rc = puts_(b, f->name);
	if (!rc)
		rc = puts_(b, suffix);
	if (!rc && (f->nlabels || le))
		rc = put(b, "{", 1);
	for (i = 0; i < f->nlabels && !rc; i++) {
		if (i)
			rc = put(b, ",", 1);
		if (!rc)
			rc = puts_(b, f->labels[i]);
		if (!rc)
			rc = put(b, "=\"", 2);
		if (!rc)
			rc = put_escaped(b, s->lv[i], true);
		if (!rc)
			rc = put(b, "\"", 1);
	}
	if (!rc && le) {
		rc = puts_(b, f->nlabels ? ",le=\"" : "le=\"");
		if (!rc)
			rc = puts_(b, le);
		if (!rc)
			rc = put(b, "\"", 1);
	}
	if (!rc && (f->nlabels || le))
		rc = put(b, "}", 1);
	if (!rc)
		rc = put(b, " ", 1);
	if (!rc)
		rc = put_value(b, v);
	if (!rc)
		rc = put(b, "\n", 1);
	return rc;
}

static int put_histogram(struct buf *b, const struct obs_family *f, const struct obs_series *s)
{
	char le[OBS_VALUE_LEN];
	uint64_t cum = 0;
	size_t i;
	int rc = 0;

	for (i = 0; i <= f->nbuckets && !rc; i++) {
		cum += s->bkt[i];
		if (i < f->nbuckets)
			obs_format_value(le, f->bounds[i]);
		else
			strcpy(le, "+Inf");
		rc = put_sample(b, f, s, "_bucket", le, (double)cum);
	}
	if (!rc)
		rc = put_sample(b, f, s, "_sum", NULL, s->v);
	if (!rc)
		rc = put_sample(b, f, s, "_count", NULL, (double)s->n);
	return rc;
}

static int put_family(struct buf *b, const struct obs_family *f)
{
	static const char *const types[] = {"counter", "gauge", "histogram"};
	size_t i;
	int rc = 0;

	if (*f->help) {
		rc = puts_(b, "# HELP ");
		if (!rc)
			rc = puts_(b, f->name);
		if (!rc)
			rc = put(b, " ", 1);
		if (!rc)
			rc = put_escaped(b, f->help, false);
		if (!rc)
			rc = put(b, "\n", 1);
	}
	if (!rc)
		rc = puts_(b, "# TYPE ");
	if (!rc)
		rc = puts_(b, f->name);
	if (!rc)
		rc = put(b, " ", 1);
	if (!rc)
		rc = puts_(b, types[f->type]);
	if (!rc)
		rc = put(b, "\n", 1);
	for (i = 0; i < f->n && !rc; i++) {
		if (f->type == OBS_HISTOGRAM)
			rc = put_histogram(b, f, f->series[i]);
		else
			rc = put_sample(b, f, f->series[i], "", NULL, f->series[i]->v);
	}
	return rc;
}

int obs_render(const struct obs_registry *r, struct buf *out)
{
	size_t i;
	int rc = 0;

	if (!r || !out)
		return -EINVAL;
	for (i = 0; i < r->n && !rc; i++) {
		if (r->fam[i]->n)
			rc = put_family(out, r->fam[i]);
	}
	return rc;
}
