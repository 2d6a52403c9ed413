/*
 * MetalLB's configuration in the controller: IPAddressPools into the
 * engine as pools, and the whole metallb.io configuration checked across
 * its objects (cfg_set_resolve) so that what berth does not honour, and
 * what MetalLB's own validation would refuse, is said once per object in
 * an Event and a log line. The controller is the one actor that says it
 * (the speakers, one per node, only log at debug): docs/metallb.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "controller/controller_int.h"
#include "core/log.h"
#include "k8s/api.h"

#define NOTES_DELAY_S 0.5 /* a burst of changes (an apply -f), one pass */

/* Kind and apiVersion of each informer's objects, for Events. */
static const struct {
	const char *kind, *api_version;
} mlb_kinds[CTL_INF_MLB_N] = {
    {"IPAddressPool", CFG_METALLB_V1BETA1},    {"BGPPeer", CFG_METALLB_V1BETA2},
    {"BGPAdvertisement", CFG_METALLB_V1BETA1}, {"L2Advertisement", CFG_METALLB_V1BETA1},
    {"BFDProfile", CFG_METALLB_V1BETA1},       {"Community", CFG_METALLB_V1BETA1},
};

static void pass(struct controller *c);

static void on_notes_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	pass(w->data);
}

void ctl_mlb_init(struct controller *c)
{
	ev_timer_init(&c->notes_timer, on_notes_timer, NOTES_DELAY_S, 0.);
	c->notes_timer.data = c;
}

void ctl_mlb_changed(struct controller *c)
{
	if (!c->active || c->stopping || ev_is_active(&c->notes_timer))
		return;
	ev_timer_set(&c->notes_timer, NOTES_DELAY_S, 0.);
	ev_timer_start(c->loop, &c->notes_timer);
}

void ctl_mlb_reset(struct controller *c)
{
	if (c->loop)
		ev_timer_stop(c->loop, &c->notes_timer);
	if (c->noted)
		json_object_clear(c->noted);
}

/* One object alone, in a set of MetalLB's namespace: what MetalLB's CRD
 * and webhook would refuse (a bad CIDR...). 0 or -EINVAL with err. */
static int check_one(const struct controller *c, const json_t *obj, struct cfg_error *err)
{
	struct cfg_set tmp;
	int rc;

	cfg_set_init(&tmp);
	cfg_error_init(err, NULL, NULL);
	rc = cfg_set_metallb_ns(&tmp, c->mlb_ns);
	if (rc == 0)
		rc = cfg_set_add_json(&tmp, obj, err);
	cfg_set_fini(&tmp);
	return rc;
}

void ctl_mlb_feed(struct controller *c, enum ctl_inf which, const json_t *obj)
{
	size_t k = which - CTL_INF_MLB_POOL;
	struct cfg_error err;
	struct cfg_eip eip;
	int rc;

	if (which == CTL_INF_MLB_POOL) {
		cfg_error_init(&err, NULL, NULL);
		if (cfg_ip_address_pool_decode(obj, &eip, &err) < 0) {
			/* The engine keeps the last good version, if any. */
			ctl_report_bad(c, obj, mlb_kinds[k].kind, mlb_kinds[k].api_version, true,
			               err.msg);
		} else {
			if (c->engine && (rc = lb_ctrl_eip_upsert(c->engine, &eip)))
				log_err("controller: IPAddressPool %s/%s: %s", eip.meta.ns,
				        eip.meta.name, strerror(-rc));
			cfg_eip_fini(&eip);
		}
	} else if (check_one(c, obj, &err) < 0) {
		ctl_report_bad(c, obj, mlb_kinds[k].kind, mlb_kinds[k].api_version, true, err.msg);
	}
	ctl_mlb_changed(c);
}

void ctl_mlb_delete(struct controller *c, enum ctl_inf which, const json_t *obj)
{
	const char *name = k8s_obj_name(obj);
	int rc;

	if (which == CTL_INF_MLB_POOL && c->engine && name &&
	    (rc = lb_ctrl_pool_delete(c->engine, CFG_API_METALLB, name)) && rc != -ENOENT)
		log_err("controller: delete of IPAddressPool %s: %s", name, strerror(-rc));
	ctl_mlb_changed(c);
}

struct notes_walk {
	struct controller *c;
	json_t *now; /* "Kind/ns/name" -> message said */
};

/*
 * One Event per object and message: Warning UnsupportedField when only
 * fields berth does not honour are named, NotApplied when something was
 * left out (an advertisement naming no pool, an unknown alias...).
 */
static void on_note(const struct cfg_note *n, void *arg)
{
	struct notes_walk *w = arg;
	struct controller *c = w->c;
	const char *ns = n->meta->ns ? n->meta->ns : "";
	const char *reason = n->left_out ? "NotApplied" : "UnsupportedField";
	struct k8s_objref ref = {.kind = n->kind,
	                         .api_version = n->api_version,
	                         .ns = n->meta->ns,
	                         .name = n->meta->name,
	                         .uid = n->meta->uid};
	char key[K8S_KEY_MAX + 64];
	const char *before;
	int rc;

	snprintf(key, sizeof(key), "%s/%s/%s", n->kind, ns, n->meta->name);
	json_object_set_new(w->now, key, json_string(n->msg));
	before = json_string_value(json_object_get(c->noted, key));
	if (before && !strcmp(before, n->msg))
		return;
	log_warn("controller: %s %s/%s: %s", n->kind, ns, n->meta->name, n->msg);
	if (!c->rec || !n->meta->name)
		return;
	rc = k8s_event_emit(c->rec, &ref, "Warning", reason, "%s", n->msg);
	if (rc == -ENOBUFS)
		ctl_obs_count(c, CTL_EVENTS_DROPPED, "full");
}

static bool mlb_synced(const struct controller *c)
{
	for (int i = CTL_INF_MLB_POOL; i < CTL_INF_N; i++)
		if (!c->inf[i] || !k8s_informer_synced(c->inf[i]))
			return false;
	return true;
}

/* The configuration from the caches, lowered as the speakers lower it. */
static void pass(struct controller *c)
{
	struct notes_walk w = {.c = c};
	struct cfg_error err;
	struct cfg_set set;

	if (!c->active || c->stopping)
		return;
	if (!mlb_synced(c)) {
		ctl_mlb_changed(c); /* again once listed */
		return;
	}
	if (!(w.now = json_object()))
		return;
	cfg_set_init(&set);
	if (cfg_set_metallb_ns(&set, c->mlb_ns) < 0)
		goto out;
	for (int i = 0; i < CTL_INF_MLB_N; i++) {
		const char *key;
		json_t *obj;

		json_object_foreach(c->mlb_cache[i].objs, key, obj)
		{
			/* Refused alone: said when it came (ctl_mlb_feed). With
			 * others (overlapping pools): the engine's InvalidPool. */
			cfg_error_init(&err, NULL, NULL);
			if (cfg_set_add_json(&set, obj, &err) < 0)
				log_debug("controller: MetalLB configuration without %s", err.msg);
		}
	}
	if (cfg_set_resolve(&set) < 0) {
		log_err("controller: lowering MetalLB's objects: %s", strerror(ENOMEM));
		goto out;
	}
	cfg_set_notes(&set, on_note, &w);
	json_decref(c->noted);
	c->noted = w.now;
	w.now = NULL;
out:
	cfg_set_fini(&set);
	json_decref(w.now);
}
