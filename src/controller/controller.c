/*
 * The controller's life: informers always, the engine only while acting
 * (leading, or without election), a clean stop that releases the Lease.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "controller/controller_int.h"
#include "config/config.h"
#include "core/log.h"
#include "k8s/api.h"

/* Writes in flight. Each holds a TLS connection and its buffers (~70 KB
 * with libcurl and OpenSSL); against the stand-in 16 allocate 10,000
 * Services in 6.2 s and 32 in 5.4 s for 2 MB more, and a real API server
 * also rate-limits clients (client-go's default is 5 QPS, burst 10). */
#define DEFAULT_INFLIGHT 16
#define STOP_GUARD_S     3.0
#define SVC_PAGE         100

static void try_synced(struct controller *c)
{
	int rc;

	if (!c->active || !c->engine || lb_ctrl_is_synced(c->engine) || !ctl_all_synced(c))
		return;
	/* Every list is complete: the allocator restores what the cluster
	 * shows before anything is allocated. */
	if ((rc = lb_ctrl_synced(c->engine))) {
		log_err("controller: initial sync: %s", strerror(-rc));
		return;
	}
	log_info("controller: caches synced, %zu Services, %zu Eips: deciding",
	         k8s_informer_size(c->inf[CTL_INF_SVC]), k8s_informer_size(c->inf[CTL_INF_EIP]));
	ctl_drain(c);
}

static int recorder_open(struct controller *c)
{
	int rc = k8s_recorder_new(c->client, CONTROLLER_COMPONENT, getenv("NODE_NAME"), &c->rec);

	if (rc)
		c->rec = NULL;
	return rc;
}

static void inf_add(const json_t *obj, void *arg);
static void inf_delete(const json_t *obj, void *arg);
static void inf_relist(bool done, void *arg);

/* A status (MetalLB's newer IPAddressPool's) is not read. */
static const char *const mlb_unread[] = {"status", NULL};

static int make_informer(struct controller *c, enum ctl_inf i)
{
	bool mlb = i >= CTL_INF_MLB_POOL;
	struct k8s_informer_opts io = {
	    .res = ctl_inf_res[i],
	    /* MetalLB's: its namespace only, read if served (docs/metallb.md) */
	    .ns = mlb ? c->mlb_ns : NULL,
	    .optional = mlb,
	    .unread = mlb ? mlb_unread : NULL,
	    /* Pages of 100: a page of 500 (client-go's size) is ~3 MB of
	     * transient JSON; a restart over 10,000 Services lists in
	     * 0.8 s either way against the stand-in. */
	    .page_size = i == CTL_INF_SVC ? SVC_PAGE : 0,
	    .on_relist = inf_relist,
	    .on_add = inf_add,
	    .on_update = inf_add,
	    .on_delete = inf_delete,
	    .served = &c->served,
	    /* Services are many, and an Eip's status lists every address it
	     * gave: only the engine's decoded state is kept of either. */
	    .cache = i == CTL_INF_NS ? &c->ns_cache
	             : mlb           ? &c->mlb_cache[i - CTL_INF_MLB_POOL]
	                             : NULL,
	    .arg = &c->inf_arg[i],
	};

	c->inf_arg[i].c = c;
	c->inf_arg[i].which = i;
	return k8s_informer_new(c->client, &io, &c->inf[i]);
}

static struct lb_ctrl *engine_new(struct controller *c)
{
	struct lb_ctrl_opts eo = {.lb_class = c->lb_class, .default_family = AF_INET};
	struct lb_ctrl *e = lb_ctrl_new(&eo);

	c->engine_drops = 0;
	if (!e)
		log_err("controller: cannot create the engine: %s", strerror(ENOMEM));
	return e;
}

/*
 * A fresh, unsynced engine after this replica stopped acting (the old one
 * holds decisions the next leader may not share): Namespaces from their
 * cache, Eips, Services and BgpPeers from new lists, since their informers keep no
 * objects. Leadership changes are rare; listing again is cheap next to
 * holding every object as JSON on every replica.
 */
static void engine_rebuild(struct controller *c)
{
	static const enum ctl_inf uncached[] = {CTL_INF_EIP, CTL_INF_SVC, CTL_INF_PEER};
	int rc = 0;

	lb_ctrl_free(c->engine);
	if (!(c->engine = engine_new(c)))
		return;
	ctl_feed_cached(c);
	for (size_t i = 0; i < sizeof(uncached) / sizeof(uncached[0]) && !rc; i++) {
		k8s_informer_free(c->inf[uncached[i]]);
		c->inf[uncached[i]] = NULL;
		if (!(rc = make_informer(c, uncached[i])))
			rc = k8s_informer_start(c->inf[uncached[i]]);
	}
	if (rc) {
		/* Without them the engine cannot be trusted: none until a retry. */
		log_err("controller: restarting the informers: %s", strerror(-rc));
		lb_ctrl_free(c->engine);
		c->engine = NULL;
	}
}

static void become_active(struct controller *c)
{
	if (c->active || c->stopping)
		return;
	if (!c->engine) {
		engine_rebuild(c);
		if (!c->engine)
			return;
	}
	c->active = true;
	c->initial_drained = false;
	ctl_mlb_changed(c);
	log_info("controller: %s: acting on %zu Services seen so far",
	         c->elector ? "leading" : "no leader election",
	         k8s_informer_size(c->inf[CTL_INF_SVC]));
	try_synced(c);
}

/* Stops writing at once: in-flight writes are cancelled, the engine and
 * the recorder's queue dropped. The next leader recomputes everything. */
static void become_passive(struct controller *c)
{
	if (!c->active)
		return;
	c->active = false;
	ctl_writes_cancel(c);
	ctl_mlb_reset(c);
	lb_ctrl_free(c->engine);
	c->engine = NULL;
	k8s_recorder_free(c->rec);
	if (recorder_open(c))
		log_err("controller: cannot create the event recorder");
	log_info("controller: no longer acting");
	if (!c->stopping)
		engine_rebuild(c);
}

static void on_started(void *arg)
{
	become_active(arg);
}

static void on_stopped(void *arg)
{
	become_passive(arg);
}

static void inf_add(const json_t *obj, void *arg)
{
	struct ctl_inf_arg *a = arg;

	ctl_feed_add(a->which, obj, a->c);
}

static void inf_delete(const json_t *obj, void *arg)
{
	struct ctl_inf_arg *a = arg;

	ctl_feed_delete(a->which, obj, a->c);
}

/* After each complete list (the first makes the informer synced). */
static void inf_relist(bool done, void *arg)
{
	struct ctl_inf_arg *a = arg;

	if (!done)
		return;
	if (a->which >= CTL_INF_MLB_POOL)
		ctl_mlb_changed(a->c);
	if (k8s_informer_absent(a->c->inf[a->which]))
		log_debug("controller: %s not served, none read", ctl_inf_res[a->which]->resource);
	else
		log_info("controller: %s listed (%zu)", ctl_inf_res[a->which]->resource,
		         k8s_informer_size(a->c->inf[a->which]));
	try_synced(a->c);
}

static char *dup_or(const char *s, const char *dflt, bool *oom)
{
	char *d;

	if (!s)
		s = dflt;
	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*oom = true;
	return d;
}

static void stop_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct controller *c = t->data;
	void (*done)(void *) = c->stop_done;

	ev_timer_stop(loop, t);
	c->stop_done = NULL;
	if (done)
		done(c->stop_arg);
}

static int make_informers(struct controller *c, char *err, size_t errlen)
{
	for (int i = 0; i < CTL_INF_N; i++) {
		int rc;

		if ((rc = make_informer(c, (enum ctl_inf)i))) {
			snprintf(err, errlen, "informer %s: %s", ctl_inf_res[i]->resource,
			         strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* The layer 2 key's Secret, in lease_ns unless the flag names another. */
static int make_member_secret(struct controller *c, const char *flag, char *err, size_t errlen)
{
	struct member_secret_ref ref;
	struct member_secret_opts mo = {0};
	int rc;

	if (member_secret_ref_parse(flag, &ref)) {
		snprintf(err, errlen, "member secret '%s': want NAMESPACE/NAME, NAME or none",
		         flag ? flag : "");
		return -EINVAL;
	}
	if (ref.disabled) {
		log_info("controller: no layer 2 key Secret (--member-secret none)");
		return 0;
	}
	mo.ns = ref.ns[0] ? ref.ns : c->lease_ns;
	mo.name = ref.name;
	if ((rc = member_secret_new(c->client, &mo, &c->member)))
		snprintf(err, errlen, "member secret %s/%s: %s", mo.ns, mo.name, strerror(-rc));
	return rc;
}

static int make_elector(struct controller *c, char *err, size_t errlen)
{
	struct k8s_elector_opts eo = {
	    .ns = c->lease_ns,
	    .name = c->lease_name,
	    .identity = c->identity,
	    .lease_duration_ms = c->o.lease_duration_ms,
	    .renew_deadline_ms = c->o.renew_deadline_ms,
	    .retry_period_ms = c->o.retry_period_ms,
	    .on_started = on_started,
	    .on_stopped = on_stopped,
	    .arg = c,
	};
	int rc;

	if (!c->identity || !c->identity[0]) {
		snprintf(err, errlen, "leader election needs an identity");
		return -EINVAL;
	}
	if ((rc = k8s_elector_new(c->client, &eo, &c->elector)))
		snprintf(err, errlen, "leader election: %s", strerror(-rc));
	return rc;
}

int controller_new(struct ev_loop *loop, const struct k8s_config *cfg,
                   const struct controller_opts *o, struct controller **out, char *err,
                   size_t errlen)
{
	struct controller *c;
	struct k8s_err kerr = {{0}};
	struct k8s_client_opts co = {0};
	char ua[128];
	bool oom = false;
	int rc;

	*out = NULL;
	err[0] = '\0';
	if (!(c = calloc(1, sizeof(*c)))) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	c->loop = loop;
	c->o = *o;
	k8s_served_init(&c->served);
	if (!c->o.max_inflight)
		c->o.max_inflight = DEFAULT_INFLIGHT;
	ev_init(&c->stop_timer, stop_cb);
	c->stop_timer.data = c;
	ctl_write_init(c);
	ctl_mlb_init(c);
	if ((rc = k8s_cache_init(&c->ns_cache))) {
		snprintf(err, errlen, "%s", strerror(-rc));
		goto out;
	}
	for (int i = 0; i < CTL_INF_MLB_N; i++)
		if ((rc = k8s_cache_init(&c->mlb_cache[i]))) {
			snprintf(err, errlen, "%s", strerror(-rc));
			goto out;
		}
	c->mlb_ns = dup_or(o->metallb_ns, CFG_METALLB_NS, &oom);
	if (!(c->noted = json_object()))
		oom = true;
	snprintf(ua, sizeof(ua), "%s/%s", CONTROLLER_COMPONENT, o->version ? o->version : "dev");
	co.user_agent = ua;
	if ((rc = k8s_client_new(loop, cfg, &co, &c->client, &kerr))) {
		snprintf(err, errlen, "API client: %s", kerr.msg[0] ? kerr.msg : strerror(-rc));
		goto out;
	}
	c->lb_class = dup_or(o->lb_class, LB_DEFAULT_CLASS, &oom);
	c->identity = dup_or(o->identity, NULL, &oom);
	c->lease_ns = dup_or(o->lease_ns, k8s_client_namespace(c->client), &oom);
	c->lease_name = dup_or(o->lease_name, CONTROLLER_LEASE_NAME, &oom);
	/* Borrowed strings of o are not kept past this call. */
	c->o.lb_class = c->o.lease_ns = c->o.lease_name = c->o.identity = NULL;
	c->o.member_secret = NULL; /* parsed below, from o */
	c->o.metallb_ns = NULL;    /* c->mlb_ns */
	if (oom) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		goto out;
	}
	{
		struct cfg_set tmp;

		cfg_set_init(&tmp);
		rc = cfg_set_metallb_ns(&tmp, c->mlb_ns);
		cfg_set_fini(&tmp);
		if (rc) {
			snprintf(err, errlen, "MetalLB namespace '%s': %s", c->mlb_ns,
			         rc == -EINVAL ? "not a namespace name (DNS-1123 label)"
			                       : strerror(-rc));
			goto out;
		}
	}
	if ((rc = recorder_open(c))) {
		snprintf(err, errlen, "event recorder: %s", strerror(-rc));
		goto out;
	}
	if ((rc = ctl_obs_init(c, err, errlen)))
		goto out;
	c->o.metrics_address = c->o.health_address = NULL;
	if ((rc = make_informers(c, err, errlen)))
		goto out;
	if ((rc = make_member_secret(c, o->member_secret, err, errlen)))
		goto out;
	if (!(c->engine = engine_new(c))) {
		rc = -ENOMEM;
		snprintf(err, errlen, "engine: %s", strerror(ENOMEM));
		goto out;
	}
	if (o->leader_elect && (rc = make_elector(c, err, errlen)))
		goto out;
	*out = c;
	return 0;
out:
	controller_free(c);
	return rc;
}

int controller_start(struct controller *c)
{
	int rc;

	for (int i = 0; i < CTL_INF_N; i++)
		if ((rc = k8s_informer_start(c->inf[i])))
			return rc;
	/* Every replica, leading or not: the speakers wait for the Secret,
	 * and creating it is idempotent. */
	if (c->member && (rc = member_secret_start(c->member)))
		return rc;
	if (c->elector) {
		log_info("controller: %s campaigning for lease %s/%s", c->identity, c->lease_ns,
		         c->lease_name);
		return k8s_elector_start(c->elector);
	}
	become_active(c);
	return 0;
}

static void on_released(int rc, void *arg)
{
	struct controller *c = arg;

	if (rc)
		log_warn("controller: releasing the lease: %s", strerror(-rc));
	else
		log_info("controller: lease released");
	ev_timer_stop(c->loop, &c->stop_timer);
	ev_timer_set(&c->stop_timer, 0., 0.);
	ev_timer_start(c->loop, &c->stop_timer);
}

void controller_shutdown(struct controller *c, void (*done)(void *arg), void *arg)
{
	if (c->stopping)
		return;
	c->stopping = true;
	c->stop_done = done;
	c->stop_arg = arg;
	member_secret_free(c->member);
	c->member = NULL;
	/* No write may follow the release: another replica may start the
	 * moment the Lease is free. */
	become_passive(c);
	ev_timer_set(&c->stop_timer, c->elector ? STOP_GUARD_S : 0., 0.);
	ev_timer_start(c->loop, &c->stop_timer);
	if (c->elector && k8s_elector_release(c->elector, on_released, c) < 0)
		on_released(0, c);
}

void controller_free(struct controller *c)
{
	if (!c)
		return;
	ev_timer_stop(c->loop, &c->stop_timer);
	ctl_writes_cancel(c);
	lb_ctrl_free(c->engine);
	k8s_elector_free(c->elector);
	member_secret_free(c->member);
	for (int i = 0; i < CTL_INF_N; i++)
		k8s_informer_free(c->inf[i]);
	k8s_cache_fini(&c->ns_cache);
	ctl_mlb_reset(c);
	for (int i = 0; i < CTL_INF_MLB_N; i++)
		k8s_cache_fini(&c->mlb_cache[i]);
	json_decref(c->noted);
	free(c->mlb_ns);
	k8s_recorder_free(c->rec);
	ctl_obs_fini(c);
	k8s_client_free(c->client);
	free(c->lb_class);
	free(c->identity);
	free(c->lease_ns);
	free(c->lease_name);
	free(c);
}

uint16_t controller_metrics_port(const struct controller *c)
{
	return c->srv.metrics ? obs_http_port(c->srv.metrics) : 0;
}

bool controller_active(const struct controller *c)
{
	return c->active;
}
