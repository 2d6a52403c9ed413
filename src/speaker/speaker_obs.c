/*
 * The speaker's /metrics and /readyz: the peers' counters are turned into
 * families when scraped (they are totals kept by the BGP sessions), and
 * readiness asks the cluster mode what it still waits for.
 */
#include "speaker/speaker_obs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/families.h"
#include "obs/http.h"
#include "speaker/bfd.h"

struct speaker_obs {
	struct ev_loop *loop;            /* borrowed */
	struct obs_registry *reg;        /* owned */
	struct obs_http_pair srv;        /* owned */
	const char *metrics, *health;    /* borrowed: the flags */
	struct speaker *sp;              /* borrowed */
	struct speaker_cluster *cluster; /* borrowed, NULL in manifest mode */
	struct k8s_served served;
	bool stopping;
};

static void peer_metrics(const char *peer, const struct bgp_peer *p, void *arg)
{
	struct obs_registry *r = arg;
	struct bgp_peer_stats st;

	bgp_peer_get_stats(p, &st);
	obs_bgp_session_state_set(r, peer, bgp_fsm_state_name(st.state));
	obs_gauge_set(r, OBS_BGP_PREFIXES_ANNOUNCED, OBS_LV(peer, "ipv4"),
	              (double)st.announced[BGP_AF_IPV4]);
	obs_gauge_set(r, OBS_BGP_PREFIXES_ANNOUNCED, OBS_LV(peer, "ipv6"),
	              (double)st.announced[BGP_AF_IPV6]);
	obs_gauge_set(r, OBS_BGP_PREFIXES_RECEIVED, OBS_LV(peer, "ipv4"),
	              (double)st.received[BGP_AF_IPV4]);
	obs_gauge_set(r, OBS_BGP_PREFIXES_RECEIVED, OBS_LV(peer, "ipv6"),
	              (double)st.received[BGP_AF_IPV6]);
	obs_counter_add(r, OBS_BGP_UPDATES_SENT, OBS_LV(peer), (double)st.updates_out);
	obs_counter_add(r, OBS_BGP_MALFORMED_UPDATES, OBS_LV(peer), (double)st.malformed_updates);
}

static void owned_metric(const struct core_addr *a, const char *ifname, void *arg)
{
	char str[CORE_ADDR_STRLEN];

	obs_gauge_set(arg, OBS_L2_OWNED, OBS_LV(core_addr_str(a, str), ifname), 1);
}

/* Layer 2's counters are totals too: set, not added. */
static void l2_metrics(struct obs_registry *r, const struct speaker_l2 *l2)
{
	static const char *const families[] = {
	    OBS_L2_OWNED,           OBS_L2_GAINED,       OBS_L2_FAILOVERS,
	    OBS_L2_RELEASED,        OBS_L2_ANSWERS,      OBS_L2_ANNOUNCEMENTS,
	    OBS_L2_CONFLICTS,       OBS_L2_MALFORMED,    OBS_L2_HEARTBEATS_REFUSED,
	    OBS_L2_MEMBERS_WATCHED, OBS_L2_MEMBERS_DOWN,
	};
	struct speaker_l2_stats st;

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		obs_family_reset(r, families[i]);
	speaker_l2_get_stats(l2, &st);
	speaker_l2_foreach_owned(l2, owned_metric, r);
	obs_counter_add(r, OBS_L2_GAINED, NULL, (double)st.gained);
	obs_counter_add(r, OBS_L2_FAILOVERS, NULL, (double)st.takeovers);
	obs_counter_add(r, OBS_L2_RELEASED, NULL, (double)st.released);
	obs_counter_add(r, OBS_L2_ANSWERS, OBS_LV("arp"), (double)st.arp_answered);
	obs_counter_add(r, OBS_L2_ANSWERS, OBS_LV("ndp"), (double)st.nd_answered);
	obs_counter_add(r, OBS_L2_ANNOUNCEMENTS, NULL, (double)st.announced);
	obs_counter_add(r, OBS_L2_CONFLICTS, NULL, (double)st.conflicts);
	obs_counter_add(r, OBS_L2_MALFORMED, NULL, (double)st.malformed);
	obs_counter_add(r, OBS_L2_HEARTBEATS_REFUSED, OBS_LV("malformed"), (double)st.hb_malformed);
	obs_counter_add(r, OBS_L2_HEARTBEATS_REFUSED, OBS_LV("bad_auth"), (double)st.hb_bad_auth);
	obs_counter_add(r, OBS_L2_HEARTBEATS_REFUSED, OBS_LV("replayed"), (double)st.hb_replayed);
	obs_counter_add(r, OBS_L2_HEARTBEATS_REFUSED, OBS_LV("other"), (double)st.hb_other_refused);
	obs_gauge_set(r, OBS_L2_MEMBERS_WATCHED, NULL, (double)st.watched);
	obs_gauge_set(r, OBS_L2_MEMBERS_DOWN, NULL, (double)st.members_down);
}

static void bfd_session_metrics(const char *peer, const struct bfd_sess *bs,
                                uint64_t changed_wall_ms, void *arg)
{
	struct obs_registry *r = arg;
	const struct bfd_session *s = bfd_sess_session(bs);
	char as[CORE_ADDR_STRLEN];

	(void)changed_wall_ms;
	core_addr_str(&bfd_sess_config(bs)->remote, as);
	obs_gauge_set(r, OBS_BFD_SESSION_STATE, OBS_LV(peer, as), (double)s->state);
	obs_counter_add(r, OBS_BFD_FLAPS, OBS_LV(peer), (double)s->downs);
	obs_gauge_set(r, OBS_BFD_DETECT_TIME, OBS_LV(peer),
	              (double)bfd_session_detect_time(s) / 1e6);
}

/* BFD's counters are totals too; nothing at all while BFD never ran. */
static void bfd_metrics(struct obs_registry *r, const struct speaker_bfd *b)
{
	static const char *const families[] = {
	    OBS_BFD_SESSION_STATE, OBS_BFD_FLAPS, OBS_BFD_DETECT_TIME,
	    OBS_BFD_RECEIVED,      OBS_BFD_SENT,  OBS_BFD_DROPPED,
	};
	struct bfd_io_stats st;

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		obs_family_reset(r, families[i]);
	speaker_bfd_foreach(b, bfd_session_metrics, r);
	if (!speaker_bfd_stats(b, &st))
		return;
	obs_counter_add(r, OBS_BFD_RECEIVED, NULL, (double)st.rx);
	obs_counter_add(r, OBS_BFD_SENT, NULL, (double)st.tx);
	for (int i = 0; i < BFD_DROP_COUNT; i++)
		obs_counter_add(r, OBS_BFD_DROPPED, OBS_LV(bfd_drop_name((enum bfd_drop)i)),
		                (double)st.dropped[i]);
}

static int metrics_cb(struct buf *out, void *arg)
{
	static const char *const from_peers[] = {
	    OBS_BGP_SESSIONS_UP,       OBS_BGP_SESSION_STATE, OBS_BGP_PREFIXES_ANNOUNCED,
	    OBS_BGP_PREFIXES_RECEIVED, OBS_BGP_UPDATES_SENT,  OBS_BGP_MALFORMED_UPDATES,
	};
	struct speaker_obs *so = arg;

	/* The peers' counters are totals: rebuild those families from them,
	 * which also drops peers that went away. */
	for (size_t i = 0; i < sizeof(from_peers) / sizeof(from_peers[0]); i++)
		obs_family_reset(so->reg, from_peers[i]);
	speaker_foreach_peer(so->sp, peer_metrics, so->reg);
	l2_metrics(so->reg, speaker_layer2(so->sp));
	bfd_metrics(so->reg, speaker_bfd(so->sp));
	obs_http_report(so->reg, so->srv.metrics, so->srv.probes);
	if (so->cluster)
		speaker_cluster_metrics(so->cluster);
	return obs_render(so->reg, out);
}

static bool ready_cb(char *reason, size_t len, void *arg)
{
	struct speaker_obs *so = arg;

	if (so->stopping) {
		snprintf(reason, len, "shutting down");
		return false;
	}
	if (so->cluster && !k8s_served_ok(&so->served, reason, len))
		return false;
	if (so->cluster)
		return speaker_cluster_ready(so->cluster, reason, len);
	return true; /* manifest mode: speaker_new loaded them */
}

int speaker_obs_new(struct ev_loop *loop, const struct speaker_obs_opts *o,
                    struct speaker_obs **out, char *err, size_t errlen)
{
	struct speaker_obs *so = calloc(1, sizeof(*so));

	*out = NULL;
	if (!so || !(so->reg = obs_registry_new(0)) ||
	    obs_register_berth(so->reg, o->version ? o->version : "unknown") < 0) {
		snprintf(err, errlen, "metrics: %s", strerror(ENOMEM));
		speaker_obs_free(so);
		return -ENOMEM;
	}
	so->loop = loop;
	k8s_served_init(&so->served);
	so->metrics = o->metrics_address;
	so->health = o->health_address;
	*out = so;
	return 0;
}

struct obs_registry *speaker_obs_registry(struct speaker_obs *so)
{
	return so->reg;
}

struct k8s_served *speaker_obs_served(struct speaker_obs *so)
{
	return &so->served;
}

int speaker_obs_start(struct speaker_obs *so, struct speaker *sp, struct speaker_cluster *cluster,
                      char *err, size_t errlen)
{
	static const struct obs_http_cbs cbs = {.metrics = metrics_cb, .ready = ready_cb};

	so->sp = sp;
	so->cluster = cluster;
	return obs_http_pair_start(&so->srv, so->loop, "speaker", so->metrics, so->health, &cbs, so,
	                           err, errlen);
}

void speaker_obs_stopping(struct speaker_obs *so)
{
	so->stopping = true;
}

void speaker_obs_free(struct speaker_obs *so)
{
	if (!so)
		return;
	obs_http_pair_stop(&so->srv);
	obs_registry_free(so->reg);
	free(so);
}
