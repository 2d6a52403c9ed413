/*
 * The controller's /metrics, /healthz and /readyz. Gauges that mirror
 * state (leadership, pools, informer counters) are refreshed when
 * scraped, so they never go stale between scrapes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "controller/controller_int.h"
#include "core/log.h"
#include "obs/families.h"

static const char *const l_resource[] = {"resource"};
static const char *const l_kind[] = {"kind"};
static const char *const l_reason[] = {"reason"};

static const struct obs_desc own[] = {
    {CTL_WRITES, "Successful writes to the API server, by resource.", OBS_COUNTER, l_resource, 1,
     NULL, 0},
    {CTL_WRITE_FAILURES, "Writes given up after retries, by resource.", OBS_COUNTER, l_resource, 1,
     NULL, 0},
    {CTL_EVENTS_DROPPED,
     "Events not recorded: the recorder's queue was full (full), or the engine's (backlog).",
     OBS_COUNTER, l_reason, 1, NULL, 0},
    {CTL_DECODE_ERRORS, "Objects skipped because they do not decode, by kind.", OBS_COUNTER, l_kind,
     1, NULL, 0},
    {CTL_RESYNCS, "Full re-checks of every object after failed writes.", OBS_COUNTER, NULL, 0, NULL,
     0},
    {CTL_CONFLICTS,
     "Patches refused as based on an older version of the object (decided again), by resource.",
     OBS_COUNTER, l_resource, 1, NULL, 0},
};

void ctl_obs_count(struct controller *c, const char *family, const char *label)
{
	int rc = obs_counter_add(c->reg, family, label ? OBS_LV(label) : NULL, 1);

	if (rc && rc != -ENOSPC)
		log_debug("controller: metric %s: %s", family, strerror(-rc));
}

static void pool_gauges(const char *name, const struct cfg_eip_status *st, void *arg)
{
	struct controller *c = arg;

	if (st->pool_size)
		obs_gauge_set(c->reg, OBS_POOL_SIZE, OBS_LV(name), (double)st->pool_size);
	if (st->usage)
		obs_gauge_set(c->reg, OBS_POOL_USED, OBS_LV(name), (double)st->usage);
}

static void refresh_pools(struct controller *c)
{
	obs_family_reset(c->reg, OBS_POOL_SIZE);
	obs_family_reset(c->reg, OBS_POOL_USED);
	/* From the Eips' status as the leader wrote it and the engine saw it
	 * (every replica's engine is fed): every replica shows the same. */
	if (c->engine)
		lb_ctrl_eips_seen(c->engine, pool_gauges, c);
}

static void refresh_informers(struct controller *c)
{
	for (int i = 0; i < CTL_INF_N; i++) {
		struct k8s_informer_stats st;
		char res[96];
		/* The first list and watch are not restarts. */
		unsigned restarts, relists;

		/* MetalLB's bgppeers are not OpenELB's */
		snprintf(res, sizeof(res), "%s%s", ctl_inf_res[i]->resource,
		         i >= CTL_INF_MLB_POOL ? ".metallb.io" : "");
		k8s_informer_stats(c->inf[i], &st);
		restarts = st.watches > 1 ? st.watches - 1 : 0;
		relists = st.lists > 1 ? st.lists - 1 : 0;
		obs_counter_add(c->reg, OBS_K8S_WATCH_RESTARTS, OBS_LV(res),
		                restarts - c->seen[i].watches);
		obs_counter_add(c->reg, OBS_K8S_RELISTS, OBS_LV(res), relists - c->seen[i].lists);
		c->seen[i].watches = restarts;
		c->seen[i].lists = relists;
	}
}

static int metrics_cb(struct buf *out, void *arg)
{
	struct controller *c = arg;

	obs_gauge_set(c->reg, OBS_IS_LEADER, NULL, c->active ? 1 : 0);
	obs_http_report(c->reg, c->srv.metrics, c->srv.probes);
	refresh_pools(c);
	refresh_informers(c);
	return obs_render(c->reg, out);
}

/* The standby is ready too: readiness means "caches synced" (so a rolling
 * update need not wait on an election); the leader is ready once its
 * first decisions are written. */
static bool ready_cb(char *reason, size_t len, void *arg)
{
	struct controller *c = arg;

	if (c->stopping) {
		snprintf(reason, len, "stopping");
		return false;
	}
	if (!k8s_served_ok(&c->served, reason, len))
		return false;
	for (int i = 0; i < CTL_INF_N; i++) {
		if (!k8s_informer_synced(c->inf[i])) {
			snprintf(reason, len, "%s not synced yet", ctl_inf_res[i]->resource);
			return false;
		}
	}
	if (c->active && !c->initial_drained) {
		snprintf(reason, len, "leading: initial sync not written yet");
		return false;
	}
	return true;
}

int ctl_obs_init(struct controller *c, char *err, size_t errlen)
{
	static const struct obs_http_cbs cbs = {.metrics = metrics_cb, .ready = ready_cb};
	int rc;

	if (!(c->reg = obs_registry_new(0))) {
		snprintf(err, errlen, "metrics: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	rc = obs_register_berth(c->reg, c->o.version ? c->o.version : "unknown");
	for (size_t i = 0; !rc && i < sizeof(own) / sizeof(own[0]); i++)
		rc = obs_register(c->reg, &own[i]);
	if (rc) {
		snprintf(err, errlen, "metrics: %s", strerror(-rc));
		return rc;
	}
	obs_gauge_set(c->reg, OBS_IS_LEADER, NULL, 0);
	return obs_http_pair_start(&c->srv, c->loop, "controller", c->o.metrics_address,
	                           c->o.health_address, &cbs, c, err, errlen);
}

void ctl_obs_fini(struct controller *c)
{
	obs_http_pair_stop(&c->srv);
	obs_registry_free(c->reg);
	c->reg = NULL;
}
