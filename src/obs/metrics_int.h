/* Registry internals shared by metrics.c and metrics_render.c. */
#ifndef BERTH_OBS_METRICS_INT_H
#define BERTH_OBS_METRICS_INT_H

#include "obs/metrics.h"

struct obs_series {
	double v;      /* counter or gauge value; histogram sum */
	uint64_t n;    /* histogram: observations */
	uint64_t *bkt; /* owned; histogram: per-bucket (not cumulative) counts */
	char **lv;     /* owned, one block: nlabels pointers, then the strings */
};

struct obs_family {
	char *name; /* owned */
	char *help; /* owned */
	enum obs_type type;
	size_t nlabels;
	char **labels; /* owned, like obs_series.lv */
	size_t nbuckets;
	double *bounds;             /* owned */
	struct obs_series **series; /* owned; sorted by label values */
	size_t n, cap;
};

struct obs_registry {
	struct obs_family **fam; /* owned; sorted by name */
	size_t n, cap;
	size_t max_series;
};

#endif
