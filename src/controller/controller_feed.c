/*
 * From informer objects to engine inputs: decode with the cfg decoders,
 * report what does not decode, feed lb_ctrl.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "controller/controller_int.h"
#include "core/log.h"
#include "k8s/api.h"

const struct k8s_resource *const ctl_inf_res[CTL_INF_N] = {
    [CTL_INF_SVC] = &k8s_res_services,
    [CTL_INF_EIP] = &k8s_res_eips,
    [CTL_INF_NS] = &k8s_res_namespaces,
    [CTL_INF_PEER] = &k8s_res_bgppeers,
    [CTL_INF_MLB_POOL] = &k8s_res_mlb_pools,
    [CTL_INF_MLB_PEER] = &k8s_res_mlb_peers,
    [CTL_INF_MLB_BGP_ADV] = &k8s_res_mlb_bgp_advs,
    [CTL_INF_MLB_L2_ADV] = &k8s_res_mlb_l2_advs,
    [CTL_INF_MLB_BFD] = &k8s_res_mlb_bfds,
    [CTL_INF_MLB_COMMUNITY] = &k8s_res_mlb_communities,
};

static const char *str_at(const json_t *obj, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(obj, a), b));
}

static const char *annotation(const json_t *obj, const char *key)
{
	return json_string_value(
	    json_object_get(json_object_get(json_object_get(obj, "metadata"), "annotations"), key));
}

/* Would berth serve this Service (read from the raw object, since it did
 * not decode)? The rules of controller/ctrl.h, as far as the raw object shows. */
static bool svc_is_berths(const struct controller *c, const json_t *obj)
{
	const char *type = str_at(obj, "spec", "type");
	const char *cls = str_at(obj, "spec", "loadBalancerClass");
	const char *lb = annotation(obj, CFG_ANN_LB);

	if (!type || strcmp(type, "LoadBalancer") != 0)
		return false;
	if (cls)
		return strcmp(cls, c->lb_class) == 0;
	if (lb)
		return strcmp(lb, "openelb") == 0 || strcmp(lb, "porter") == 0;
	return annotation(obj, LB_ANN_POOL) || (c->engine && lb_ctrl_default_eip_seen(c->engine));
}

void ctl_report_bad(struct controller *c, const json_t *obj, const char *kind,
                    const char *api_version, bool warn_event, const char *msg)
{
	const char *ns = k8s_obj_namespace(obj), *name = k8s_obj_name(obj);
	struct k8s_objref ref = {
	    .kind = kind,
	    .api_version = api_version,
	    .ns = ns,
	    .name = name,
	    .uid = k8s_obj_uid(obj),
	};
	int rc;

	log_warn("controller: %s %s%s%s skipped: %s", kind, ns ? ns : "", ns ? "/" : "",
	         name ? name : "", msg);
	ctl_obs_count(c, CTL_DECODE_ERRORS, kind);
	if (!warn_event || !c->active || !c->rec || !name)
		return;
	rc = k8s_event_emit(c->rec, &ref, "Warning", "InvalidObject", "%s", msg);
	if (rc == -ENOBUFS)
		ctl_obs_count(c, CTL_EVENTS_DROPPED, "full");
}

static void feed_service(struct controller *c, const json_t *obj)
{
	struct cfg_service svc;
	struct cfg_error err;
	struct lb_cond cond;
	struct lb_svc_seen seen = {0};
	int rc, has;

	cfg_error_init(&err, NULL, NULL);
	if (cfg_service_decode(obj, &svc, &err) < 0) {
		/* An update that does not decode leaves the engine with the
		 * last good state: the Service keeps its address. */
		ctl_report_bad(c, obj, "Service", "v1", svc_is_berths(c, obj), err.msg);
		return;
	}
	if (c->engine) {
		/* A malformed condition is "not known": it alone causes no write. */
		has = lb_cond_from_json(obj, &cond);
		seen.cond_known = has >= 0;
		seen.cond = has > 0 ? &cond : NULL;
		seen.generation = json_integer_value(
		    json_object_get(json_object_get(obj, "metadata"), "generation"));
		rc = lb_ctrl_service_upsert_seen(c->engine, &svc, &seen);
		if (rc)
			log_err("controller: Service %s/%s: %s", svc.meta.ns, svc.meta.name,
			        strerror(-rc));
	}
	cfg_service_fini(&svc);
}

static void feed_eip(struct controller *c, const json_t *obj)
{
	struct cfg_eip eip;
	struct cfg_error err;
	int rc;

	cfg_error_init(&err, NULL, NULL);
	if (cfg_eip_decode(obj, &eip, &err) < 0) {
		ctl_report_bad(c, obj, "Eip", CFG_OPENELB_API_VERSION, true, err.msg);
		return;
	}
	if (c->engine && (rc = lb_ctrl_eip_upsert(c->engine, &eip)))
		log_err("controller: Eip %s: %s", eip.meta.name, strerror(-rc));
	cfg_eip_fini(&eip);
}

static void feed_namespace(struct controller *c, const json_t *obj)
{
	const json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
	const char *name = k8s_obj_name(obj), *key;
	struct cfg_map m = {0};
	json_t *v;
	int rc;

	if (!c->engine || !name)
		return;
	if (json_is_object(labels) && json_object_size(labels)) {
		m.items = calloc(json_object_size(labels), sizeof(*m.items));
		if (!m.items) {
			log_err("controller: Namespace %s: %s", name, strerror(ENOMEM));
			return;
		}
		/* Borrowed from obj for the call: lb_ctrl copies what it keeps. */
		json_object_foreach((json_t *)labels, key, v)
		{
			if (!json_is_string(v))
				continue;
			m.items[m.n].key = (char *)key;
			m.items[m.n].value = (char *)json_string_value(v);
			m.n++;
		}
	}
	rc = lb_ctrl_namespace_upsert(c->engine, name, &m);
	if (rc)
		log_err("controller: Namespace %s: %s", name, strerror(-rc));
	free(m.items);
}

void ctl_feed_add(enum ctl_inf which, const json_t *obj, struct controller *c)
{
	int rc;

	switch (which) {
	case CTL_INF_SVC:
		feed_service(c, obj);
		break;
	case CTL_INF_EIP:
		feed_eip(c, obj);
		break;
	case CTL_INF_MLB_POOL:
	case CTL_INF_MLB_PEER:
	case CTL_INF_MLB_BGP_ADV:
	case CTL_INF_MLB_L2_ADV:
	case CTL_INF_MLB_BFD:
	case CTL_INF_MLB_COMMUNITY:
		ctl_mlb_feed(c, which, obj);
		break;
	case CTL_INF_PEER:
		/* Only the name: which Eips name a BgpPeer that exists. */
		if (c->engine && k8s_obj_name(obj) &&
		    (rc = lb_ctrl_peer_upsert(c->engine, k8s_obj_name(obj))))
			log_err("controller: BgpPeer %s: %s", k8s_obj_name(obj), strerror(-rc));
		break;
	default:
		feed_namespace(c, obj);
		break;
	}
	if (c->active)
		ctl_schedule_drain(c);
}

void ctl_feed_delete(enum ctl_inf which, const json_t *obj, struct controller *c)
{
	const char *name = k8s_obj_name(obj);
	int rc;

	if (which >= CTL_INF_MLB_POOL) {
		ctl_mlb_delete(c, which, obj);
		if (c->active)
			ctl_schedule_drain(c);
		return;
	}
	if (!c->engine || !name)
		return;
	if (which == CTL_INF_SVC)
		rc = lb_ctrl_service_delete(c->engine, k8s_obj_namespace(obj), name);
	else if (which == CTL_INF_EIP)
		rc = lb_ctrl_eip_delete(c->engine, name);
	else if (which == CTL_INF_PEER)
		rc = lb_ctrl_peer_delete(c->engine, name);
	else
		rc = lb_ctrl_namespace_delete(c->engine, name);
	if (rc && rc != -ENOENT)
		log_err("controller: delete of %s %s: %s", ctl_inf_res[which]->kind, name,
		        strerror(-rc));
	if (c->active)
		ctl_schedule_drain(c);
}

void ctl_feed_cached(struct controller *c)
{
	const char *key;
	json_t *obj;

	json_object_foreach(c->ns_cache.objs, key, obj)
	{
		ctl_feed_add(CTL_INF_NS, obj, c);
	}
	json_object_foreach(c->mlb_cache[0].objs, key, obj)
	{
		ctl_feed_add(CTL_INF_MLB_POOL, obj, c);
	}
}

bool ctl_all_synced(const struct controller *c)
{
	for (int i = 0; i < CTL_INF_N; i++)
		if (!c->inf[i] || !k8s_informer_synced(c->inf[i]))
			return false;
	return true;
}
