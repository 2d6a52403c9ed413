/*
 * A metrics registry rendered in the Prometheus text exposition format,
 * version 0.0.4. Pure: values in, text out; no clocks, no sockets, no
 * logging. The registry owns all its memory and copies every string it
 * is given.
 *
 * A family has a name, HELP text, a type and a fixed list of label names;
 * a series is one tuple of label values. Series spring into existence on
 * first use. Each family holds at most max_series series: past that,
 * new series are refused with -ENOSPC and counted in
 * berth_metrics_dropped_series_total{family="..."}, so a label fed from
 * the outside (a pool name, a peer) cannot grow the registry without
 * bound.
 *
 * Output order is stable: families by name, series by their label values
 * (bytewise), histogram buckets by bound. Families without series are
 * left out. Numbers are formatted in the C locale (the daemons never call
 * setlocale).
 */
#ifndef BERTH_OBS_METRICS_H
#define BERTH_OBS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum obs_type { OBS_COUNTER = 0, OBS_GAUGE, OBS_HISTOGRAM };

#define OBS_MAX_SERIES_DEFAULT 1024
#define OBS_MAX_LABELS         8
#define OBS_MAX_BUCKETS        32
#define OBS_MAX_LABEL_VALUE    1024 /* bytes; longer values are refused */
#define OBS_DROPPED_SERIES     "berth_metrics_dropped_series_total"

/* Label values for one series, in the family's label order:
 * obs_counter_add(r, "x_total", OBS_LV("a", "b"), 1). */
#define OBS_LV(...) ((const char *const[]){__VA_ARGS__})

/* A family's shape; every pointer is borrowed for the obs_register call. */
struct obs_desc {
	const char *name; /* [a-zA-Z_:][a-zA-Z0-9_:]* */
	const char *help; /* UTF-8; may be empty (no HELP line then) */
	enum obs_type type;
	const char *const *labels; /* nlabels names, [a-zA-Z_][a-zA-Z0-9_]*, no "__" prefix */
	size_t nlabels;
	const double *buckets; /* histograms: finite, strictly increasing upper bounds; */
	size_t nbuckets;       /* the +Inf bucket is implicit */
};

struct obs_registry;

/* max_series: per family; 0 means OBS_MAX_SERIES_DEFAULT. NULL on ENOMEM. */
struct obs_registry *obs_registry_new(size_t max_series);
/* r may be NULL. */
void obs_registry_free(struct obs_registry *r);

/* 0, -EINVAL (bad name, label, bucket or UTF-8), -EEXIST (name taken),
 * -ENOMEM. Histograms may not use the label "le". */
int obs_register(struct obs_registry *r, const struct obs_desc *d);

/*
 * Updates the series of family name with label values lv (exactly the
 * family's number of entries, UTF-8, at most OBS_MAX_LABEL_VALUE bytes;
 * NULL for families without labels). All return 0, -ENOENT (no such
 * family), -EINVAL (wrong type, bad value or label value), -ENOSPC (the
 * family is full; counted as dropped) or -ENOMEM.
 */
/* v: finite and >= 0; counters only go up. */
int obs_counter_add(struct obs_registry *r, const char *name, const char *const *lv, double v);
/* Any value, also NaN and infinities. */
int obs_gauge_set(struct obs_registry *r, const char *name, const char *const *lv, double v);
int obs_gauge_add(struct obs_registry *r, const char *name, const char *const *lv, double v);
/* v: not NaN. */
int obs_histogram_observe(struct obs_registry *r, const char *name, const char *const *lv,
                          double v);

/* A counter's or gauge's value (a histogram's sum). 0, -ENOENT (no such
 * family or series), -EINVAL. */
int obs_value(const struct obs_registry *r, const char *name, const char *const *lv, double *out);
/* Number of series in a family, 0 when it does not exist. */
size_t obs_series_count(const struct obs_registry *r, const char *name);

/* Forgets one series (a peer or pool that went away): 1 when removed,
 * 0 when absent, -ENOENT for no such family, -EINVAL. */
int obs_series_del(struct obs_registry *r, const char *name, const char *const *lv);
/* Forgets every series of a family whose label named label has value
 * value: the count removed, -ENOENT (no such family or label), -EINVAL. */
int obs_series_del_where(struct obs_registry *r, const char *name, const char *label,
                         const char *value);
/* Forgets all series of a family, so a scrape-time refresh can rebuild
 * it from current state. 0 or -ENOENT. */
int obs_family_reset(struct obs_registry *r, const char *name);

/* Appends the exposition text to out: 0, or -ENOBUFS when out's limit
 * is reached (out then holds a truncated text the caller must discard). */
int obs_render(const struct obs_registry *r, struct buf *out);

/*
 * Formats a sample value as Prometheus parses it: "+Inf", "-Inf", "NaN";
 * integral values below 2^63 in magnitude as plain integers; others in
 * the shortest form that reads back as the same double. dst: at least
 * OBS_VALUE_LEN bytes. Returns the length.
 */
#define OBS_VALUE_LEN 32
size_t obs_format_value(char *dst, double v);

/* true when s (len bytes) is well-formed UTF-8 (RFC 3629 section 4). */
bool obs_utf8_valid(const char *s, size_t len);

#endif
