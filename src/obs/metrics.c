/*
 * The metrics registry of obs/metrics.h: families, series and their
 * values; rendering to the Prometheus text format is in metrics_render.c.
 */
#include "obs/metrics_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void series_free(struct obs_series *s)
{
	if (!s)
		return;
	free(s->bkt);
	free(s->lv);
	free(s);
}

static void family_free(struct obs_family *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n; i++)
		series_free(f->series[i]);
	free(f->series);
	free(f->name);
	free(f->help);
	free(f->labels);
	free(f->bounds);
	free(f);
}

/* n strings in one allocation: the pointer array, then the bytes. With
 * n == 0 this still returns a valid (empty) block so NULL means ENOMEM. */
static char **strvec_dup(const char *const *v, size_t n)
{
	size_t i, bytes = n * sizeof(char *);
	char **out, *p;

	for (i = 0; i < n; i++)
		bytes += strlen(v[i]) + 1;
	out = malloc(bytes ? bytes : 1);
	if (!out)
		return NULL;
	p = (char *)(out + n);
	for (i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;

		memcpy(p, v[i], len);
		out[i] = p;
		p += len;
	}
	return out;
}

bool obs_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false; /* continuation byte, C0/C1 overlong lead, or > U+10FFFF */
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		/* RFC 3629 section 3: no overlong forms, no surrogates, nothing
		 * beyond U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static bool name_valid(const char *s, bool colon)
{
	size_t i;

	if (!s || !*s)
		return false;
	for (i = 0; s[i]; i++) {
		char c = s[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';

		if (alpha || (colon && c == ':') || (i > 0 && c >= '0' && c <= '9'))
			continue;
		return false;
	}
	return true;
}

static int lv_check(const struct obs_family *f, const char *const *lv)
{
	size_t i, len;

	if (f->nlabels && !lv)
		return -EINVAL;
	for (i = 0; i < f->nlabels; i++) {
		if (!lv[i])
			return -EINVAL;
		len = strnlen(lv[i], OBS_MAX_LABEL_VALUE + 1);
		if (len > OBS_MAX_LABEL_VALUE || !obs_utf8_valid(lv[i], len))
			return -EINVAL;
	}
	return 0;
}

/* Binary search; *pos is the match or the insertion point. */
static struct obs_family *fam_find(const struct obs_registry *r, const char *name, size_t *pos)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, r->fam[mid]->name);

		if (c == 0) {
			if (pos)
				*pos = mid;
			return r->fam[mid];
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (pos)
		*pos = lo;
	return NULL;
}

static int lv_cmp(const struct obs_family *f, const char *const *a, char *const *b)
{
	size_t i;
	int c;

	for (i = 0; i < f->nlabels; i++) {
		c = strcmp(a[i], b[i]);
		if (c)
			return c;
	}
	return 0;
}

static struct obs_series *series_find(const struct obs_family *f, const char *const *lv,
                                      size_t *pos)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = lv_cmp(f, lv, f->series[mid]->lv);

		if (c == 0) {
			if (pos)
				*pos = mid;
			return f->series[mid];
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (pos)
		*pos = lo;
	return NULL;
}

static int grow(void **v, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	p = realloc(*v, ncap * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

static int series_get(struct obs_registry *r, struct obs_family *f, const char *const *lv,
                      bool limited, struct obs_series **out);

static void count_dropped(struct obs_registry *r, const struct obs_family *f)
{
	struct obs_family *d = fam_find(r, OBS_DROPPED_SERIES, NULL);
	const char *name = f->name;
	struct obs_series *s;

	/* One series per registered family at most, hence unlimited; an
	 * allocation failure here only loses the count. */
	if (d && series_get(r, d, &name, false, &s) == 0)
		s->v += 1;
}

/* Finds or creates the series of f for lv (already checked). */
static int series_get(struct obs_registry *r, struct obs_family *f, const char *const *lv,
                      bool limited, struct obs_series **out)
{
	struct obs_series *s;
	size_t pos;

	s = series_find(f, lv, &pos);
	if (s) {
		*out = s;
		return 0;
	}
	if (limited && f->n >= r->max_series) {
		count_dropped(r, f);
		return -ENOSPC;
	}
	if (grow((void **)&f->series, &f->cap, f->n, sizeof(*f->series)))
		return -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->lv = strvec_dup(lv, f->nlabels);
	if (f->type == OBS_HISTOGRAM)
		s->bkt = calloc(f->nbuckets + 1, sizeof(*s->bkt));
	if (!s->lv || (f->type == OBS_HISTOGRAM && !s->bkt)) {
		series_free(s);
		return -ENOMEM;
	}
	memmove(f->series + pos + 1, f->series + pos, (f->n - pos) * sizeof(*f->series));
	f->series[pos] = s;
	f->n++;
	*out = s;
	return 0;
}

static int desc_check(const struct obs_desc *d)
{
	size_t i, j;

	if (!name_valid(d->name, true) || !d->help || !obs_utf8_valid(d->help, strlen(d->help)))
		return -EINVAL;
	if (d->type != OBS_COUNTER && d->type != OBS_GAUGE && d->type != OBS_HISTOGRAM)
		return -EINVAL;
	if (d->nlabels > OBS_MAX_LABELS || (d->nlabels && !d->labels))
		return -EINVAL;
	for (i = 0; i < d->nlabels; i++) {
		/* Names with "__" are reserved for Prometheus itself. */
		if (!name_valid(d->labels[i], false) || !strncmp(d->labels[i], "__", 2))
			return -EINVAL;
		if (d->type == OBS_HISTOGRAM && !strcmp(d->labels[i], "le"))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (!strcmp(d->labels[i], d->labels[j]))
				return -EINVAL;
	}
	if (d->type != OBS_HISTOGRAM)
		return d->nbuckets ? -EINVAL : 0;
	if (!d->nbuckets || d->nbuckets > OBS_MAX_BUCKETS || !d->buckets)
		return -EINVAL;
	for (i = 0; i < d->nbuckets; i++) {
		if (!isfinite(d->buckets[i]) || (i && d->buckets[i] <= d->buckets[i - 1]))
			return -EINVAL;
	}
	return 0;
}

int obs_register(struct obs_registry *r, const struct obs_desc *d)
{
	struct obs_family *f = NULL;
	size_t pos;
	int rc;

	if (!r || !d)
		return -EINVAL;
	rc = desc_check(d);
	if (rc)
		return rc;
	if (fam_find(r, d->name, &pos))
		return -EEXIST;
	rc = -ENOMEM;
	if (grow((void **)&r->fam, &r->cap, r->n, sizeof(*r->fam)))
		goto out;
	f = calloc(1, sizeof(*f));
	if (!f)
		goto out;
	f->type = d->type;
	f->nlabels = d->nlabels;
	f->nbuckets = d->nbuckets;
	f->name = strdup(d->name);
	f->help = strdup(d->help);
	f->labels = strvec_dup(d->labels, d->nlabels);
	if (d->nbuckets) {
		f->bounds = malloc(d->nbuckets * sizeof(*f->bounds));
		if (f->bounds)
			memcpy(f->bounds, d->buckets, d->nbuckets * sizeof(*f->bounds));
	}
	if (!f->name || !f->help || !f->labels || (d->nbuckets && !f->bounds))
		goto out;
	memmove(r->fam + pos + 1, r->fam + pos, (r->n - pos) * sizeof(*r->fam));
	r->fam[pos] = f;
	r->n++;
	f = NULL;
	rc = 0;
out:
	family_free(f);
	return rc;
}

struct obs_registry *obs_registry_new(size_t max_series)
{
	static const char *const fam_label[] = {"family"};
	static const struct obs_desc dropped = {
	    .name = OBS_DROPPED_SERIES,
	    .help = "Series refused because their family reached its series limit.",
	    .type = OBS_COUNTER,
	    .labels = fam_label,
	    .nlabels = 1,
	};
	struct obs_registry *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->max_series = max_series ? max_series : OBS_MAX_SERIES_DEFAULT;
	if (obs_register(r, &dropped)) {
		obs_registry_free(r);
		return NULL;
	}
	return r;
}

void obs_registry_free(struct obs_registry *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		family_free(r->fam[i]);
	free(r->fam);
	free(r);
}

/* The common front of every update: family lookup and checks. */
static int lookup(struct obs_registry *r, const char *name, const char *const *lv,
                  enum obs_type type, struct obs_series **s, struct obs_family **fp)
{
	struct obs_family *f;
	int rc;

	if (!r || !name)
		return -EINVAL;
	f = fam_find(r, name, NULL);
	if (!f)
		return -ENOENT;
	if (f->type != type)
		return -EINVAL;
	rc = lv_check(f, lv);
	if (rc)
		return rc;
	if (fp)
		*fp = f;
	return series_get(r, f, lv, true, s);
}

int obs_counter_add(struct obs_registry *r, const char *name, const char *const *lv, double v)
{
	struct obs_series *s;
	int rc;

	if (!isfinite(v) || v < 0)
		return -EINVAL;
	rc = lookup(r, name, lv, OBS_COUNTER, &s, NULL);
	if (rc)
		return rc;
	s->v += v;
	return 0;
}

int obs_gauge_set(struct obs_registry *r, const char *name, const char *const *lv, double v)
{
	struct obs_series *s;
	int rc = lookup(r, name, lv, OBS_GAUGE, &s, NULL);

	if (rc)
		return rc;
	s->v = v;
	return 0;
}

int obs_gauge_add(struct obs_registry *r, const char *name, const char *const *lv, double v)
{
	struct obs_series *s;
	int rc = lookup(r, name, lv, OBS_GAUGE, &s, NULL);

	if (rc)
		return rc;
	s->v += v;
	return 0;
}

int obs_histogram_observe(struct obs_registry *r, const char *name, const char *const *lv, double v)
{
	struct obs_family *f;
	struct obs_series *s;
	size_t i;
	int rc;

	if (isnan(v))
		return -EINVAL;
	rc = lookup(r, name, lv, OBS_HISTOGRAM, &s, &f);
	if (rc)
		return rc;
	/* Buckets are "less than or equal" upper bounds; index nbuckets is +Inf. */
	for (i = 0; i < f->nbuckets && v > f->bounds[i]; i++)
		;
	s->bkt[i]++;
	s->n++;
	s->v += v;
	return 0;
}

static int find_existing(const struct obs_registry *r, const char *name, const char *const *lv,
                         struct obs_family **f, struct obs_series **s, size_t *pos)
{
	int rc;

	if (!r || !name)
		return -EINVAL;
	*f = fam_find(r, name, NULL);
	if (!*f)
		return -ENOENT;
	rc = lv_check(*f, lv);
	if (rc)
		return rc;
	*s = series_find(*f, lv, pos);
	return 0;
}

int obs_value(const struct obs_registry *r, const char *name, const char *const *lv, double *out)
{
	struct obs_family *f;
	struct obs_series *s;
	int rc = find_existing(r, name, lv, &f, &s, NULL);

	if (rc)
		return rc;
	if (!s)
		return -ENOENT;
	*out = s->v;
	return 0;
}

size_t obs_series_count(const struct obs_registry *r, const char *name)
{
	const struct obs_family *f = (r && name) ? fam_find(r, name, NULL) : NULL;

	return f ? f->n : 0;
}

int obs_series_del(struct obs_registry *r, const char *name, const char *const *lv)
{
	struct obs_family *f;
	struct obs_series *s;
	size_t pos;
	int rc = find_existing(r, name, lv, &f, &s, &pos);

	if (rc)
		return rc;
	if (!s)
		return 0;
	series_free(s);
	f->n--;
	memmove(f->series + pos, f->series + pos + 1, (f->n - pos) * sizeof(*f->series));
	return 1;
}

int obs_series_del_where(struct obs_registry *r, const char *name, const char *label,
                         const char *value)
{
	struct obs_family *f;
	size_t i, k, keep = 0;
	int removed = 0;

	if (!r || !name || !label || !value)
		return -EINVAL;
	f = fam_find(r, name, NULL);
	if (!f)
		return -ENOENT;
	for (k = 0; k < f->nlabels && strcmp(f->labels[k], label); k++)
		;
	if (k == f->nlabels)
		return -ENOENT;
	/* Compacting in place keeps the survivors sorted. */
	for (i = 0; i < f->n; i++) {
		if (!strcmp(f->series[i]->lv[k], value)) {
			series_free(f->series[i]);
			removed++;
		} else {
			f->series[keep++] = f->series[i];
		}
	}
	f->n = keep;
	return removed;
}

int obs_family_reset(struct obs_registry *r, const char *name)
{
	struct obs_family *f;
	size_t i;

	if (!r || !name)
		return -EINVAL;
	f = fam_find(r, name, NULL);
	if (!f)
		return -ENOENT;
	for (i = 0; i < f->n; i++)
		series_free(f->series[i]);
	f->n = 0;
	return 0;
}
