/*
 * The speaker's cluster mode (see cluster.h): informers into the store,
 * debounced applies of the store's set, BgpPeer status and Events back.
 */
#include "speaker/cluster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "k8s/event.h"
#include "k8s/informer.h"
#include "obs/families.h"
#include "speaker/announce.h"
#include "speaker/bfd.h"
#include "speaker/peer_cfg.h"
#include "speaker/status.h"
#include "speaker/store.h"

/* OpenELB's kinds everywhere, then MetalLB's in its namespace only
 * (optional: a cluster without metallb.io reads none, docs/metallb.md),
 * with that namespace's Secrets (a BGPPeer's passwordSecret). */
enum {
	INF_SVC = 0,
	INF_SLICE,
	INF_NODE,
	INF_CONF,
	INF_PEER,
	INF_EIP,
	INF_SECRET,
	INF_MLB_POOL,
	INF_MLB_PEER,
	INF_MLB_BGP_ADV,
	INF_MLB_L2_ADV,
	INF_MLB_BFD,
	INF_MLB_COMMUNITY,
	INF_MLB_SECRET,
	N_INF
};

static const char *const inf_names[N_INF] = {
    "services",          "endpointslices",   "nodes",
    "bgpconfs",          "bgppeers",         "eips",
    "secrets",           "ipaddresspools",   "bgppeers.metallb.io",
    "bgpadvertisements", "l2advertisements", "bfdprofiles",
    "communities",       "secrets (MetalLB)"};
static const struct k8s_resource *const inf_res[N_INF] = {
    &k8s_res_services,        &k8s_res_endpointslices, &k8s_res_nodes,       &k8s_res_bgpconfs,
    &k8s_res_bgppeers,        &k8s_res_eips,           &k8s_res_secrets,     &k8s_res_mlb_pools,
    &k8s_res_mlb_peers,       &k8s_res_mlb_bgp_advs,   &k8s_res_mlb_l2_advs, &k8s_res_mlb_bfds,
    &k8s_res_mlb_communities, &k8s_res_secrets};

/* MetalLB's metallb.io kinds (not its namespace's Secrets). */
static bool is_mlb(int i)
{
	return i >= INF_MLB_POOL && i <= INF_MLB_COMMUNITY;
}

struct speaker_cluster {
	struct ev_loop *loop;
	char node[256];
	char ns[254];     /* the speaker's namespace: the only one whose Secrets it reads */
	char mlb_ns[254]; /* MetalLB's: its objects, and its BGPPeers' Secrets */
	struct k8s_client *cl;
	struct k8s_recorder *rec;
	struct k8s_informer *inf[N_INF];
	struct k8s_informer_stats seen[N_INF]; /* what the metrics already counted */
	struct speaker *sp;                    /* borrowed */
	struct obs_registry *reg;              /* borrowed, may be NULL */
	struct k8s_served *served;             /* borrowed, may be NULL */
	ev_timer debounce, status;
	double debounce_s;
	json_t *dirty;   /* owned: BgpPeer name -> true, status to look at */
	json_t *sent;    /* owned: BgpPeer name -> the value last written */
	json_t *times;   /* owned: BgpPeer name -> {"up": ms, "down": ms}, wall clock */
	unsigned writes; /* status patches in flight */
	bool started, stopped;
	/* Services and EndpointSlices are decoded into the store as they
	 * come; the few other objects are kept whole in their caches and
	 * decoded again into the store's set when one of them changes. */
	struct speaker_store store;
	struct k8s_cache cache[N_INF]; /* Nodes, BgpConfs, BgpPeers, Eips, MetalLB's... */
	bool off[N_INF];               /* not watched (MetalLB's Secrets when mlb_ns is ns) */
	/* Owned: "Kind/ns/name" -> the last version of a MetalLB object that
	 * passed its check. A version MetalLB would refuse (no webhook runs
	 * once MetalLB is gone) leaves the previous one in force, as the
	 * controller's engine keeps a pool's. */
	json_t *mlb_good;
	bool small_dirty;
};

struct status_write {
	struct speaker_cluster *c;
	char peer[256];
	json_t *value; /* owned; NULL: the key was deleted */
};

/* ---- configuration from the caches ---- */

static int check_obj(const json_t *obj, char *why, size_t size, void *arg)
{
	struct speaker_cluster *c = arg;
	struct cfg_error err;
	struct cfg_set tmp;
	int rc;

	cfg_set_init(&tmp);
	cfg_error_init(&err, NULL, NULL);
	rc = cfg_set_metallb_ns(&tmp, c->mlb_ns);
	if (rc == 0)
		rc = cfg_set_add_json(&tmp, obj, &err);
	cfg_set_fini(&tmp);
	if (rc < 0)
		snprintf(why, size, "%s", err.msg);
	return rc;
}

static void store_gone(const struct cfg_service *old, void *arg)
{
	struct speaker_cluster *c = arg;

	if (c->sp)
		speaker_service_gone(c->sp, old);
}

bool speaker_cluster_ready_on(const char *ns, const char *name, const char *node, void *arg)
{
	const struct speaker_cluster *c = arg;

	return speaker_store_ready_on(&c->store, ns, name, node);
}

uint32_t speaker_cluster_ready_count(const char *ns, const char *name, const char *node, void *arg)
{
	const struct speaker_cluster *c = arg;

	return speaker_store_ready_count(&c->store, ns, name, node);
}

static void mark_peer(const char *peer, const struct bgp_peer *p, void *arg)
{
	struct speaker_cluster *c = arg;

	json_object_set_new(c->dirty, peer, json_true());
}

static bool all_synced(const struct speaker_cluster *c)
{
	for (int i = 0; i < N_INF; i++)
		if (!c->off[i] && (!c->inf[i] || !k8s_informer_synced(c->inf[i])))
			return false;
	return true;
}

/* The configuration from the caches, decoded again whole: few objects. */
static void small_rebuild(struct speaker_cluster *c)
{
	struct cfg_error err;
	struct cfg_set set;

	cfg_set_init(&set);
	if (cfg_set_metallb_ns(&set, c->mlb_ns) < 0)
		log_err("MetalLB's namespace %s: %s", c->mlb_ns, strerror(ENOMEM));
	for (int i = 0; i <= N_INF; i++) {
		/* MetalLB's kinds: their last good versions, after the others */
		json_t *objs = i == N_INF ? c->mlb_good : c->cache[i].objs;
		const char *key;
		json_t *obj;

		if (is_mlb(i))
			continue;
		json_object_foreach(objs, key, obj)
		{
			cfg_error_init(&err, NULL, NULL);
			/* Objects were checked one by one on the way in; what fails
			 * here breaks a rule across objects (overlapping Eips...).
			 * MetalLB's: the controller puts it in an Event. */
			if (cfg_set_add_json(&set, obj, &err) < 0)
				log_msg(i >= INF_MLB_POOL ? LOG_LVL_DEBUG : LOG_LVL_WARN,
				        "skipping %s", err.msg);
		}
	}
	/* MetalLB's objects onto the pools and peers (what breaks a rule
	 * across objects is left out, in the objects' notes, which the
	 * controller turns into Events: one actor, not one per node) */
	if (cfg_set_resolve(&set) < 0)
		log_err("lowering MetalLB's objects: %s", strerror(ENOMEM));
	speaker_store_config(&c->store, &set);
	cfg_set_fini(&set);
	c->small_dirty = false;
}

static void rebuild(struct speaker_cluster *c)
{
	const struct cfg_set *set = &c->store.set;
	int rc;

	if (c->small_dirty)
		small_rebuild(c);
	log_debug("cluster: %zu LoadBalancer Services, %zu EndpointSlices ready here, %zu "
	          "BgpPeers, %zu Eips",
	          set->n_services, c->store.n_sl, set->n_peers, set->n_eips);
	rc = speaker_apply(c->sp, set);
	if (rc < 0)
		log_err("applying the cluster's configuration: %s", strerror(-rc));
	speaker_foreach_peer(c->sp, mark_peer, c);
}

static void on_debounce(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct speaker_cluster *c = w->data;

	if (!c->stopped && all_synced(c))
		rebuild(c);
}

/* Bursts (a re-list, a rollout) become one apply. */
static void changed(struct speaker_cluster *c)
{
	if (c->stopped || ev_is_active(&c->debounce))
		return;
	ev_timer_set(&c->debounce, c->debounce_s, 0.0);
	ev_timer_start(c->loop, &c->debounce);
}

/* After the first list of each kind, an apply even if it showed nothing
 * (a cluster without Services still gets its BGP sessions). */
static void on_relist(bool done, void *arg)
{
	if (done)
		changed(arg);
}

/* Nodes, BgpConfs, BgpPeers, Eips. */
static void on_small(const json_t *obj, void *arg)
{
	struct speaker_cluster *c = arg;

	c->small_dirty = true;
	changed(c);
}

/* ---- MetalLB's kinds: the last good version of each object ---- */

static void mlb_key(const json_t *obj, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s/%s", k8s_obj_kind(obj) ? k8s_obj_kind(obj) : "",
	         k8s_obj_namespace(obj) ? k8s_obj_namespace(obj) : "", k8s_obj_name(obj));
}

static void on_mlb(const json_t *obj, void *arg)
{
	struct speaker_cluster *c = arg;
	char key[600], why[sizeof(((struct cfg_error *)0)->msg)] = "";

	mlb_key(obj, key, sizeof(key));
	if (check_obj(obj, why, sizeof(why), c) < 0) {
		/* the controller's Event names the object and field */
		log_warn("cluster: %s refused: %s; %s", key, why,
		         json_object_get(c->mlb_good, key) ? "its previous version stays in force"
		                                           : "not used");
		return;
	}
	json_object_set(c->mlb_good, key, (json_t *)obj);
	on_small(obj, arg);
}

static void on_mlb_delete(const json_t *obj, void *arg)
{
	struct speaker_cluster *c = arg;
	char key[600];

	mlb_key(obj, key, sizeof(key));
	json_object_del(c->mlb_good, key);
	on_small(obj, arg);
}

static bool same_meta(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;

	if (!json_is_object(a) || !json_is_object(b) || json_object_size(a) != json_object_size(b))
		return json_equal(a, b);
	json_object_foreach((json_t *)a, k, v)
	{
		if (strcmp(k, "resourceVersion") && !json_equal(v, json_object_get(b, k)))
			return false;
	}
	return true;
}

/* Equal but for metadata.resourceVersion: a change of what was trimmed. */
static bool same_but_rv(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;

	if (json_object_size(a) != json_object_size(b))
		return false;
	json_object_foreach((json_t *)a, k, v)
	{
		const json_t *w = json_object_get(b, k);

		if (strcmp(k, "metadata") ? !json_equal(v, w) : !same_meta(v, w))
			return false;
	}
	return true;
}

static void on_small_update(const json_t *cur, void *arg)
{
	struct speaker_cluster *c = arg;
	const char *kind = k8s_obj_kind(cur);
	const json_t *old = NULL;
	int i;

	/* The cache still holds the state before this update. */
	for (i = 0; i < N_INF && !old; i++)
		if (kind && !strcmp(kind, inf_res[i]->kind))
			old =
			    k8s_cache_get(&c->cache[i], k8s_obj_namespace(cur), k8s_obj_name(cur));
	if (old && same_but_rv(old, cur))
		return;
	if (is_mlb(i - 1))
		on_mlb(cur, arg);
	else
		on_small(cur, arg);
}

/*
 * Of its Node the speaker reads the labels, spec and status.conditions
 * and addresses; the rest of the status (images, capacity...) goes as it
 * arrives. Of BgpConf, BgpPeer and Eip it reads the spec alone: their
 * status is not even decoded (status_unread).
 */
static void trim_node(json_t *obj, void *arg)
{
	json_t *st = json_object_get(obj, "status");
	const char *k;
	json_t *v;
	void *tmp;

	(void)arg;
	json_object_foreach_safe(st, tmp, k, v)
	{
		if (strcmp(k, "conditions") && strcmp(k, "addresses"))
			json_object_del(st, k);
	}
}

static const char *const status_unread[] = {"status", NULL};
/* kubectl apply keeps a copy of what it applied, a Secret's data too, in
 * this annotation: not read, not kept. */
static const char *const secret_unread[] = {"metadata.annotations", NULL};

static void put_failed(const char *kind, const json_t *obj, int rc, const struct cfg_error *err)
{
	log_err("cluster: %s %s/%s: %s", kind, k8s_obj_namespace(obj), k8s_obj_name(obj),
	        err->msg[0] ? err->msg : strerror(-rc));
}

/* The check passed: the store decodes it again, keeps it or not. */
static void on_svc(const json_t *obj, void *arg)
{
	struct speaker_cluster *c = arg;
	struct cfg_error err;
	int rc;

	cfg_error_init(&err, NULL, NULL);
	if ((rc = speaker_store_service_put(&c->store, obj, &err)) < 0)
		put_failed("Service", obj, rc, &err);
	changed(c);
}

static void on_slice(const json_t *obj, void *arg)
{
	struct speaker_cluster *c = arg;
	struct cfg_error err;
	int rc;

	cfg_error_init(&err, NULL, NULL);
	if ((rc = speaker_store_slice_put(&c->store, obj, &err)) < 0)
		put_failed("EndpointSlice", obj, rc, &err);
	changed(c);
}

static void on_svc_delete(const json_t *obj, void *arg)
{
	struct speaker_cluster *c = arg;

	speaker_store_service_del(&c->store, k8s_obj_namespace(obj), k8s_obj_name(obj));
	changed(c);
}

static void on_slice_delete(const json_t *obj, void *arg)
{
	struct speaker_cluster *c = arg;

	speaker_store_slice_del(&c->store, k8s_obj_namespace(obj), k8s_obj_name(obj));
	changed(c);
}

/* ---- BgpPeer status ---- */

struct find_peer {
	const char *name;
	const struct bgp_peer *p;
};

static void find_peer_fn(const char *peer, const struct bgp_peer *p, void *arg)
{
	struct find_peer *f = arg;

	if (!strcmp(peer, f->name))
		f->p = p;
}

static void on_status_done(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct status_write *w = arg;
	struct speaker_cluster *c = w->c;

	c->writes--;
	if (rc == 0) {
		if (w->value)
			json_object_set(c->sent, w->peer, w->value);
		else
			json_object_del(c->sent, w->peer);
	} else if (rc == -ENOENT) {
		/* The BgpPeer is gone: nothing to report on. */
		json_object_del(c->sent, w->peer);
	} else {
		log_warn("BgpPeer %s: status not written: %s", w->peer,
		         st && st->message[0] ? st->message : strerror(-rc));
		json_object_set_new(c->dirty, w->peer, json_true());
	}
	json_decref(w->value);
	free(w);
}

static uint64_t peer_time(struct speaker_cluster *c, const char *peer, const char *which)
{
	return (uint64_t)json_integer_value(
	    json_object_get(json_object_get(c->times, peer), which));
}

static void status_write(struct speaker_cluster *c, const char *peer, json_t *value)
{
	struct status_write *w;
	json_t *patch;

	if (!(w = calloc(1, sizeof(*w)))) {
		json_decref(value);
		return;
	}
	w->c = c;
	snprintf(w->peer, sizeof(w->peer), "%s", peer);
	w->value = value;
	patch = speaker_status_patch(c->node, value);
	if (!patch || k8s_patch(c->cl, &k8s_res_bgppeers, NULL, peer, "status", patch,
	                        on_status_done, w, NULL) < 0) {
		json_object_set_new(c->dirty, peer, json_true());
		json_decref(w->value);
		free(w);
	} else {
		c->writes++;
	}
	json_decref(patch);
}

static void status_flush(struct speaker_cluster *c)
{
	const char *peer;
	json_t *v, *dirty = c->dirty;

	if (!(c->dirty = json_object())) {
		c->dirty = dirty;
		return;
	}
	json_object_foreach(dirty, peer, v)
	{
		struct find_peer f = {.name = peer};
		const struct cfg_bgp_peer *bp = cfg_set_peer(&c->store.set, peer);
		json_t *value = NULL;

		/* A MetalLB BGPPeer has no status (and is no BgpPeer). */
		if (bp && bp->api == CFG_API_METALLB)
			continue;
		speaker_foreach_peer(c->sp, find_peer_fn, &f);
		if (f.p) {
			struct bgp_peer_stats st;
			const struct bfd_sess *bs;
			uint64_t bfd_changed;

			bgp_peer_get_stats(f.p, &st);
			value =
			    speaker_peer_status(bgp_peer_config(f.p), &st, peer_time(c, peer, "up"),
			                        peer_time(c, peer, "down"));
			if (!value)
				continue;
			/* berth's bfdState beside peerState while BFD runs; null
			 * (removed by the merge patch) once it stopped. */
			bs = speaker_bfd_find(speaker_bfd(c->sp), peer, &bfd_changed);
			if ((bs || json_object_get(json_object_get(c->sent, peer), "bfdState")) &&
			    speaker_peer_status_bfd(value, bs ? bfd_sess_session(bs) : NULL,
			                            bfd_changed) < 0) {
				json_decref(value);
				json_object_set_new(c->dirty, peer, json_true());
				continue;
			}
			if (json_equal(value, json_object_get(c->sent, peer))) {
				json_decref(value);
				continue;
			}
		} else if (!json_object_get(c->sent, peer)) {
			continue; /* never written, nothing to take back */
		}
		status_write(c, peer, value);
	}
	json_decref(dirty);
}

/* bfdState also holds what changes without a state change of ours (the
 * peer's state, the negotiated intervals): looked at each interval,
 * written only when it differs from what was sent. */
static void mark_bfd_peer(const char *peer, const struct bfd_sess *bs, uint64_t changed_wall_ms,
                          void *arg)
{
	struct speaker_cluster *c = arg;

	(void)bs;
	(void)changed_wall_ms;
	json_object_set_new(c->dirty, peer, json_true());
}

static void on_status_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct speaker_cluster *c = w->data;

	if (c->stopped || !c->sp)
		return;
	speaker_bfd_foreach(speaker_bfd(c->sp), mark_bfd_peer, c);
	if (json_object_size(c->dirty))
		status_flush(c);
}

/* ---- hooks from the speaker ---- */

static void svc_ref(const struct cfg_service *svc, struct k8s_objref *ref)
{
	memset(ref, 0, sizeof(*ref));
	ref->kind = "Service";
	ref->api_version = "v1";
	ref->ns = svc->meta.ns;
	ref->name = svc->meta.name;
	ref->uid = svc->meta.uid;
}

static void hook_announce(const struct cfg_service *svc, bool on, int why, void *arg)
{
	struct speaker_cluster *c = arg;
	struct k8s_objref ref;

	svc_ref(svc, &ref);
	if (on)
		k8s_event_emit(c->rec, &ref, "Normal", "Announcing", "announcing from node %s",
		               c->node);
	else
		k8s_event_emit(c->rec, &ref, "Normal", "Withdrawn",
		               "node %s stopped announcing: %s", c->node,
		               lb_announce_why_name((enum lb_announce_why)why));
}

static void hook_conflict(const struct cfg_service *svc, const struct core_addr *a,
                          const char *ifname, bool ipvs, void *arg)
{
	struct speaker_cluster *c = arg;
	struct k8s_objref ref;
	struct bgp_prefix p;
	char str[64];

	if (ipvs)
		return; /* kube-proxy's own binding: expected */
	svc_ref(svc, &ref);
	lb_host_prefix(a, &p);
	bgp_prefix_format(&p, str, sizeof(str));
	k8s_event_emit(c->rec, &ref, "Warning", "AddressConflict",
	               "%s is already on interface %s of node %s: not announced from there", str,
	               ifname, c->node);
}

static void hook_peer_state(const char *peer, enum bgp_fsm_state old, enum bgp_fsm_state now,
                            void *arg)
{
	struct speaker_cluster *c = arg;
	json_t *t = json_object_get(c->times, peer);

	if (c->reg)
		obs_bgp_session_state_set(c->reg, peer, bgp_fsm_state_name(now));
	if (!t && (t = json_object()))
		json_object_set_new(c->times, peer, t);
	if (t && now == BGP_FSM_ESTABLISHED)
		json_object_set_new(t, "up", json_integer((json_int_t)core_wall_ms()));
	if (t && old == BGP_FSM_ESTABLISHED)
		json_object_set_new(t, "down", json_integer((json_int_t)core_wall_ms()));
	json_object_set_new(c->dirty, peer, json_true());
}

static void hook_peer_gone(const char *peer, void *arg)
{
	struct speaker_cluster *c = arg;

	if (c->reg)
		obs_bgp_peer_forget(c->reg, peer);
	json_object_del(c->times, peer);
	json_object_set_new(c->dirty, peer, json_true());
}

/* The object a peer's Events go on: its BgpPeer, or MetalLB's BGPPeer
 * in MetalLB's namespace. */
static void peer_ref(const struct speaker_cluster *c, const char *peer, struct k8s_objref *ref)
{
	const struct cfg_bgp_peer *bp = cfg_set_peer(&c->store.set, peer);
	bool mlb = bp && bp->api == CFG_API_METALLB;

	memset(ref, 0, sizeof(*ref));
	ref->kind = mlb ? "BGPPeer" : "BgpPeer";
	ref->api_version = mlb ? CFG_METALLB_V1BETA2 : CFG_OPENELB_API_VERSION;
	ref->ns = mlb ? bp->meta.ns : NULL;
	ref->name = peer;
	ref->uid = bp ? bp->meta.uid : NULL;
}

/*
 * A BFD session changed state: the status shows it, and a flap is an
 * Event on the BgpPeer (Up -> Down: Warning BFDDown with the
 * diagnostic; the peer's AdminDown is no failure, Normal BFDAdminDown;
 * back Up: Normal BFDUp). Our own AdminDown (shutdown) posts nothing.
 */
static void hook_bfd_state(const char *peer, enum bfd_state from, enum bfd_state to,
                           enum bfd_diag diag, void *arg)
{
	struct speaker_cluster *c = arg;
	const struct bfd_sess *bs = c->sp ? speaker_bfd_find(speaker_bfd(c->sp), peer, NULL) : NULL;
	struct k8s_objref ref;
	char as[CORE_ADDR_STRLEN] = "?";

	/* Stopping: the BGP Ceases make routers drop their BFD sessions,
	 * which is no news for the BgpPeer. */
	if (c->stopped)
		return;
	peer_ref(c, peer, &ref);
	json_object_set_new(c->dirty, peer, json_true());
	if (bs)
		core_addr_str(&bfd_sess_config(bs)->remote, as);
	if (to == BFD_STATE_UP)
		k8s_event_emit(c->rec, &ref, "Normal", "BFDUp",
		               "BFD session from node %s to %s is up (was %s)", c->node, as,
		               bfd_state_name(from));
	else if (from == BFD_STATE_UP && to == BFD_STATE_DOWN && bs &&
	         bfd_sess_session(bs)->remote_state == BFD_STATE_ADMIN_DOWN)
		k8s_event_emit(c->rec, &ref, "Normal", "BFDAdminDown",
		               "BFD session from node %s to %s: the peer is administratively down "
		               "(not a failure: the BGP session stays)",
		               c->node, as);
	else if (from == BFD_STATE_UP && to == BFD_STATE_DOWN)
		k8s_event_emit(c->rec, &ref, "Warning", "BFDDown",
		               "BFD session from node %s to %s went down: %s; the BGP session, if "
		               "open, is closed (Cease / BFD Down)",
		               c->node, as, bfd_diag_name(diag));
}

/* A BgpPeer's password from a Secret: where it stands, on the BgpPeer,
 * once per change (the speaker tells each change once). */
static void hook_peer_key(const char *peer, int k, const char *msg, void *arg)
{
	struct speaker_cluster *c = arg;
	struct k8s_objref ref;

	if (c->stopped)
		return;
	peer_ref(c, peer, &ref);
	k8s_event_emit(c->rec, &ref, k == SPEAKER_KEY_OK ? "Normal" : "Warning",
	               speaker_key_reason((enum speaker_key)k), "node %s: %s", c->node, msg);
}

void speaker_cluster_hooks(struct speaker_cluster *c, struct speaker_hooks *h)
{
	memset(h, 0, sizeof(*h));
	h->announce = hook_announce;
	h->conflict = hook_conflict;
	h->peer_state = hook_peer_state;
	h->peer_gone = hook_peer_gone;
	h->peer_key = hook_peer_key;
	h->bfd_state = hook_bfd_state;
	h->arg = c;
}

/* Layer 2: the node that answers for an address says so on the Service
 * (kubectl describe shows where it went at each failover). */
static void hook_l2_owner(const char *ns, const char *name, const char *uid,
                          const struct core_addr *a, const char *ifname, bool takeover, void *arg)
{
	struct speaker_cluster *c = arg;
	struct k8s_objref ref = {
	    .kind = "Service", .api_version = "v1", .ns = ns, .name = name, .uid = uid};
	char str[CORE_ADDR_STRLEN];

	k8s_event_emit(c->rec, &ref, "Normal", takeover ? "TookOver" : "Answering",
	               "node %s answers ARP/NDP for %s on %s%s", c->node, core_addr_str(a, str),
	               ifname, takeover ? ": the nodes ahead of it in line are gone" : "");
}

/* Layer 2: an Eip this node cannot serve, per node on the Eip. */
static void hook_l2_unserved(const struct cfg_eip *e, const char *why, void *arg)
{
	struct speaker_cluster *c = arg;
	struct k8s_objref ref = {.kind = "Eip",
	                         .api_version = CFG_OPENELB_API_VERSION,
	                         .name = e->meta.name,
	                         .uid = e->meta.uid};

	if (why)
		k8s_event_emit(
		    c->rec, &ref, "Warning", "InterfaceMissing",
		    "node %s cannot answer for this Eip's addresses: %s; the other nodes "
		    "serve them",
		    c->node, why);
	else
		k8s_event_emit(c->rec, &ref, "Normal", "InterfaceFound",
		               "node %s can answer for this Eip's addresses again", c->node);
}

void speaker_cluster_l2_hooks(struct speaker_cluster *c, struct speaker_l2_hooks *h)
{
	h->owner = hook_l2_owner;
	h->eip_unserved = hook_l2_unserved;
	h->arg = c;
}

/* ---- lifecycle ---- */

int speaker_cluster_new(struct ev_loop *loop, const struct speaker_cluster_opts *o,
                        struct speaker_cluster **out, char *err, size_t errlen)
{
	struct speaker_cluster *c = calloc(1, sizeof(*c));
	struct k8s_err kerr = {{0}};
	int rc = -ENOMEM;

	*out = NULL;
	snprintf(err, errlen, "out of memory");
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	c->reg = o->metrics;
	c->served = o->served;
	snprintf(c->node, sizeof(c->node), "%s", o->node);
	snprintf(c->ns, sizeof(c->ns), "%s", o->ns && *o->ns ? o->ns : "default");
	snprintf(c->mlb_ns, sizeof(c->mlb_ns), "%s",
	         o->metallb_ns && *o->metallb_ns ? o->metallb_ns : CFG_METALLB_NS);
	/* One Secret informer is enough when the speaker runs in MetalLB's
	 * namespace (a Secret twice would be a duplicate in the set). */
	c->off[INF_MLB_SECRET] = !strcmp(c->ns, c->mlb_ns);
	c->debounce_s = (o->debounce_ms ? o->debounce_ms : 5) / 1000.0;
	ev_timer_init(&c->debounce, on_debounce, c->debounce_s, 0.0);
	c->debounce.data = c;
	double st = (o->status_interval_ms ? o->status_interval_ms : 1000) / 1000.0;
	ev_timer_init(&c->status, on_status_timer, st, st);
	c->status.data = c;
	for (int i = 0; i < N_INF; i++)
		if (k8s_cache_init(&c->cache[i]) < 0)
			goto out;
	if (speaker_store_init(&c->store, c->node) < 0)
		goto out;
	c->store.gone = store_gone;
	c->store.arg = c;
	if (!(c->dirty = json_object()) || !(c->sent = json_object()) ||
	    !(c->times = json_object()) || !(c->mlb_good = json_object()))
		goto out;
	rc = k8s_client_new(loop, o->cfg, NULL, &c->cl, &kerr);
	if (rc < 0) {
		snprintf(err, errlen, "%s", kerr.msg[0] ? kerr.msg : strerror(-rc));
		goto out;
	}
	rc = k8s_recorder_new(c->cl, "berth-speaker", c->node, &c->rec);
	if (rc < 0) {
		snprintf(err, errlen, "event recorder: %s", strerror(-rc));
		goto out;
	}
	*out = c;
out:
	if (rc < 0)
		speaker_cluster_free(c);
	return rc;
}

/* MetalLB's kinds: a few objects, kept whole; a status (MetalLB's newer
 * IPAddressPool's) is not read. */
#define MLB_KIND                                                                                   \
	{                                                                                          \
		.on_add = on_mlb, .on_update = on_small_update, .on_delete = on_mlb_delete,        \
		.cached = true, .unread = status_unread, .mlb_ns = true, .no_check = true          \
	}

/* Where each kind's objects go: Services and EndpointSlices into the
 * store one by one; the others stay whole in their caches, the store's
 * configuration decoded again from them (small_rebuild). */
static const struct {
	void (*on_add)(const json_t *obj, void *arg);
	void (*on_update)(const json_t *obj, void *arg);
	void (*on_delete)(const json_t *obj, void *arg);
	bool cached;
	bool own_ns;   /* watched in c->ns alone; the others everywhere */
	bool mlb_ns;   /* watched in c->mlb_ns alone, optional */
	bool no_check; /* checked by the callbacks (on_mlb), not the informer */
	const char *const *unread;
	void (*transform)(json_t *obj, void *arg);
} kinds[N_INF] = {
    [INF_SVC] = {.on_add = on_svc, .on_update = on_svc, .on_delete = on_svc_delete},
    [INF_SLICE] = {.on_add = on_slice, .on_update = on_slice, .on_delete = on_slice_delete},
    [INF_NODE] = {.on_add = on_small,
                  .on_update = on_small_update,
                  .on_delete = on_small,
                  .cached = true,
                  .transform = trim_node},
    [INF_CONF] = {.on_add = on_small,
                  .on_update = on_small_update,
                  .on_delete = on_small,
                  .cached = true,
                  .unread = status_unread},
    [INF_PEER] = {.on_add = on_small,
                  .on_update = on_small_update,
                  .on_delete = on_small,
                  .cached = true,
                  .unread = status_unread},
    [INF_EIP] = {.on_add = on_small,
                 .on_update = on_small_update,
                 .on_delete = on_small,
                 .cached = true,
                 .unread = status_unread},
    /* the speaker's namespace only (the Role allows no other) */
    [INF_SECRET] = {.on_add = on_small,
                    .on_update = on_small_update,
                    .on_delete = on_small,
                    .cached = true,
                    .unread = secret_unread,
                    .own_ns = true},
    [INF_MLB_POOL] = MLB_KIND,
    [INF_MLB_PEER] = MLB_KIND,
    [INF_MLB_BGP_ADV] = MLB_KIND,
    [INF_MLB_L2_ADV] = MLB_KIND,
    [INF_MLB_BFD] = MLB_KIND,
    [INF_MLB_COMMUNITY] = MLB_KIND,
    /* a BGPPeer's passwordSecret: MetalLB's namespace (its Role is
     * deploy/metallb/rbac; without it, none read) */
    [INF_MLB_SECRET] = {.on_add = on_small,
                        .on_update = on_small_update,
                        .on_delete = on_small,
                        .cached = true,
                        .unread = secret_unread,
                        .mlb_ns = true},
};

int speaker_cluster_start(struct speaker_cluster *c, struct speaker *s)
{
	int rc;

	c->sp = s;
	c->small_dirty = true;
	/* Every Node: this one's labels, readiness and cordon decide what it
	 * announces; layer 2 chooses its owners among all of them and sends
	 * them heartbeats at their InternalIP. */
	for (int i = 0; i < N_INF; i++) {
		struct k8s_informer_opts o = {
		    .res = inf_res[i],
		    .ns = kinds[i].own_ns   ? c->ns
		          : kinds[i].mlb_ns ? c->mlb_ns
		                            : NULL,
		    .optional = kinds[i].mlb_ns,
		    .unread = kinds[i].unread,
		    .on_relist = on_relist,
		    .on_add = kinds[i].on_add,
		    .on_update = kinds[i].on_update,
		    .on_delete = kinds[i].on_delete,
		    .cache = kinds[i].cached ? &c->cache[i] : NULL,
		    .check = kinds[i].no_check ? NULL : check_obj,
		    .transform = kinds[i].transform,
		    .served = c->served,
		    .arg = c,
		};

		if (c->off[i])
			continue;
		rc = k8s_informer_new(c->cl, &o, &c->inf[i]);
		if (rc == 0)
			rc = k8s_informer_start(c->inf[i]);
		if (rc < 0) {
			log_err("informer for %s: %s", inf_names[i], strerror(-rc));
			return rc;
		}
	}
	ev_timer_start(c->loop, &c->status);
	c->started = true;
	return 0;
}

bool speaker_cluster_ready(const struct speaker_cluster *c, char *why, size_t len)
{
	for (int i = 0; i < N_INF; i++)
		if (!c->off[i] && (!c->inf[i] || !k8s_informer_synced(c->inf[i]))) {
			snprintf(why, len, "waiting for the first list of %s", inf_names[i]);
			return false;
		}
	if (!c->sp || !speaker_configured(c->sp)) {
		snprintf(why, len, "configuration not applied yet");
		return false;
	}
	return true;
}

void speaker_cluster_metrics(struct speaker_cluster *c)
{
	for (int i = 0; c->reg && i < N_INF; i++) {
		struct k8s_informer_stats st;
		const char *lv[1] = {inf_names[i]};

		if (!c->inf[i])
			continue;
		k8s_informer_stats(c->inf[i], &st);
		/* The first list and watch are starts, not restarts. */
		unsigned w = st.watches ? st.watches - 1 : 0, l = st.lists ? st.lists - 1 : 0;
		unsigned w0 = c->seen[i].watches, l0 = c->seen[i].lists;

		obs_counter_add(c->reg, OBS_K8S_WATCH_RESTARTS, lv, w > w0 ? w - w0 : 0);
		obs_counter_add(c->reg, OBS_K8S_RELISTS, lv, l > l0 ? l - l0 : 0);
		c->seen[i].watches = w;
		c->seen[i].lists = l;
	}
}

void speaker_cluster_stop(struct speaker_cluster *c)
{
	c->stopped = true;
	ev_timer_stop(c->loop, &c->debounce);
	ev_timer_stop(c->loop, &c->status);
	for (int i = 0; i < N_INF; i++) {
		k8s_informer_free(c->inf[i]);
		c->inf[i] = NULL;
	}
}

unsigned speaker_cluster_pending(const struct speaker_cluster *c)
{
	return c->writes + (c->rec ? k8s_recorder_pending(c->rec) : 0);
}

void speaker_cluster_free(struct speaker_cluster *c)
{
	if (!c)
		return;
	speaker_cluster_stop(c);
	k8s_recorder_free(c->rec);
	/* Cancels the status writes: their callbacks never run. */
	k8s_client_free(c->cl);
	json_decref(c->dirty);
	json_decref(c->sent);
	json_decref(c->times);
	json_decref(c->mlb_good);
	speaker_store_fini(&c->store);
	for (int i = 0; i < N_INF; i++)
		k8s_cache_fini(&c->cache[i]);
	free(c);
}
