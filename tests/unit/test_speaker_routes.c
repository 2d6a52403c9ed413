/*
 * The speaker's routes with their attributes, from the configuration to
 * the UPDATEs two routers receive over loopback (the routers are this
 * test: a listening socket each, the real codec): an iBGP and an eBGP
 * peer, a pool that aggregates and is for the iBGP peer only, a pool of
 * Local Services with weights, the eBGP peer asking for the
 * non-transitive community. Then an endpoint count change re-announces
 * that one prefix, the last Cluster address takes the aggregate with it,
 * the eBGP peer's switch to the transitive type re-announces in place
 * (no new session), and a pool's peers list without it withdraws that
 * pool's routes from it alone; two Services added (or deleted) in one
 * apply share one UPDATE. No namespaces, no daemons: 127.0.0.2 and
 * 127.0.0.3 on lo.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "config/config.h"
#include "core/clock.h"
#include "speaker/speaker.h"

#define MAX_RT 16

struct rt {
	struct bgp_prefix p;
	bool has_lp;
	uint32_t lp;
	uint8_t comm[64], ext[64];
	size_t n_comm, n_ext;
};

/* One router: listens on addr:port, answers the speaker's OPEN, keeps
 * what it was sent. */
struct router {
	const char *addr;
	uint16_t port;
	uint32_t as;
	int lfd, fd;
	uint8_t buf[1 << 16];
	size_t len;
	bool established;
	int eor;     /* End-of-RIB markers received */
	int updates; /* other UPDATEs */
	struct rt rt[MAX_RT];
	size_t n_rt;
};

static const struct bgp_session_params rsp = {.as4 = true};

static void router_listen(struct router *r, const char *addr, uint32_t as)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sin);
	int one = 1;

	memset(r, 0, sizeof(*r));
	r->addr = addr;
	r->as = as;
	r->fd = -1;
	assert_int_equal(inet_pton(AF_INET, addr, &sin.sin_addr), 1);
	r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(r->lfd >= 0);
	setsockopt(r->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(r->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(r->lfd, 4), 0);
	assert_int_equal(getsockname(r->lfd, (struct sockaddr *)&sin, &sl), 0);
	r->port = ntohs(sin.sin_port);
}

static void router_close(struct router *r)
{
	if (r->fd >= 0)
		close(r->fd);
	close(r->lfd);
}

static void send_all(int fd, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		assert_true(w > 0);
		b += w;
		n -= (size_t)w;
	}
}

static struct rt *rt_find(struct router *r, const struct bgp_prefix *p)
{
	for (size_t i = 0; i < r->n_rt; i++)
		if (!memcmp(&r->rt[i].p, p, sizeof(*p)))
			return &r->rt[i];
	return NULL;
}

static void on_update(struct router *r, const struct bgp_update *u)
{
	const struct bgp_attrs *a = &u->attrs;
	struct bgp_prefix p;
	size_t off = 0;
	int rc;

	if (u->end_of_rib) {
		r->eor++;
		return;
	}
	r->updates++;
	while ((rc = bgp_nlri_next(u->withdrawn, u->withdrawn_len, &off, AF_INET, false, &p)) > 0) {
		struct rt *x = rt_find(r, &p);

		if (x)
			*x = r->rt[--r->n_rt];
	}
	assert_int_equal(rc, 0);
	off = 0;
	while ((rc = bgp_nlri_next(u->nlri, u->nlri_len, &off, AF_INET, false, &p)) > 0) {
		struct rt *x = rt_find(r, &p);

		if (!x) {
			assert_true(r->n_rt < MAX_RT);
			x = &r->rt[r->n_rt++];
		}
		memset(x, 0, sizeof(*x));
		x->p = p;
		x->has_lp = a->present & BGP_PA_LOCAL_PREF;
		x->lp = a->local_pref;
		assert_true(a->communities_len <= sizeof(x->comm));
		assert_true(a->ext_communities_len <= sizeof(x->ext));
		x->n_comm = a->communities_len;
		if (x->n_comm)
			memcpy(x->comm, a->communities, x->n_comm);
		x->n_ext = a->ext_communities_len;
		if (x->n_ext)
			memcpy(x->ext, a->ext_communities, x->n_ext);
	}
	assert_int_equal(rc, 0);
}

static void on_message(struct router *r, const struct bgp_msg *m)
{
	uint8_t out[4096];
	ssize_t n;

	switch (m->type) {
	case BGP_MSG_OPEN: {
		struct bgp_open o = {
		    .version = 4,
		    .my_as = (uint16_t)r->as,
		    .hold_time = 90,
		    .bgp_id = 0xc6336401u + (uint32_t)r->port,
		    .caps = {
		        .mp = {true, false}, .route_refresh = true, .as4 = true, .as4_asn = r->as}};

		n = bgp_open_encode(out, sizeof(out), &o);
		assert_true(n > 0);
		send_all(r->fd, out, (size_t)n);
		n = bgp_keepalive_encode(out, sizeof(out));
		send_all(r->fd, out, (size_t)n);
		break;
	}
	case BGP_MSG_KEEPALIVE:
		r->established = true;
		break;
	case BGP_MSG_UPDATE:
		assert_true(r->established);
		on_update(r, &m->u.update);
		break;
	default:
		fail_msg("router %s: unexpected message type %d", r->addr, m->type);
	}
}

static void router_poll(struct router *r)
{
	ssize_t n;

	if (r->fd < 0) {
		r->fd = accept4(r->lfd, NULL, NULL, SOCK_NONBLOCK);
		if (r->fd < 0)
			return;
	}
	n = recv(r->fd, r->buf + r->len, sizeof(r->buf) - r->len, 0);
	if (n <= 0) {
		assert_true(n < 0 && (errno == EAGAIN || errno == EINTR));
		return;
	}
	r->len += (size_t)n;
	for (;;) {
		struct bgp_error err;
		struct bgp_msg m;
		size_t mlen;
		int rc;

		memset(&err, 0, sizeof(err));
		rc = bgp_header_check(r->buf, r->len, 4096, &mlen, &err);
		if (rc == -EAGAIN || (rc == 0 && mlen > r->len))
			break;
		assert_int_equal(rc, 0);
		assert_int_equal(bgp_msg_decode(r->buf, mlen, &rsp, &m, &err), 0);
		assert_int_equal(err.action, BGP_UPD_OK);
		on_message(r, &m);
		memmove(r->buf, r->buf + mlen, r->len - mlen);
		r->len -= mlen;
	}
}

/* Runs the speaker's loop and both routers until cond holds (5 s at
 * most), or for ms when cond is NULL. */
static void run(struct ev_loop *loop, struct router *r, size_t n_r, bool (*cond)(struct router *r),
                uint64_t ms)
{
	uint64_t until = core_now_ms() + (cond ? 5000 : ms);

	while (core_now_ms() < until) {
		ev_run(loop, EVRUN_NOWAIT);
		for (size_t i = 0; i < n_r; i++)
			router_poll(&r[i]);
		if (cond && cond(r))
			return;
		usleep(1000);
	}
	if (cond)
		fail_msg("timed out");
}

static bool both_synced(struct router *r)
{
	return r[0].eor >= 1 && r[1].eor >= 1;
}

static int ibgp_updates_at_least;
static bool ibgp_updated(struct router *r)
{
	return r[0].updates >= ibgp_updates_at_least;
}

static int tor1_updates_at_least;
static bool tor1_updated(struct router *r)
{
	return r[1].updates >= tor1_updates_at_least;
}

static bool tor1_empty(struct router *r)
{
	return r[1].n_rt == 0;
}

/* The session counters of tor1 (speaker_foreach_peer). */
static void sessions_of(const char *peer, const struct bgp_peer *p, void *arg)
{
	if (!strcmp(peer, "tor1"))
		bgp_peer_get_stats(p, arg);
}

static void apply(struct speaker *sp, const char *yaml)
{
	struct cfg_set set;
	struct cfg_error err;

	cfg_set_init(&set);
	cfg_error_init(&err, NULL, NULL);
	if (cfg_manifest_load_buf("t.yaml", yaml, strlen(yaml), &set, &err) < 0)
		fail_msg("load: %s", err.msg);
	assert_int_equal(speaker_apply(sp, &set), 0);
	cfg_set_fini(&set);
}

static const struct rt *route(struct router *r, const char *s)
{
	struct bgp_prefix p;

	assert_int_equal(bgp_prefix_parse(s, &p), 0);
	return rt_find(r, &p);
}

#define HEAD(kind, name)                                                                           \
	"---\napiVersion: network.kubesphere.io/v1alpha2\nkind: " kind "\nmetadata: {name: " name  \
	"}\n"
#define SVC(name, etp, ip)                                                                         \
	"---\napiVersion: v1\nkind: Service\nmetadata: {name: " name ", namespace: ns}\n"          \
	"spec: {type: LoadBalancer, externalTrafficPolicy: " etp "}\n"                             \
	"status: {loadBalancer: {ingress: [{ip: '" ip "'}]}}\n"
#define EP "{addresses: [10.0.0.1], nodeName: n1}"
#define SLICE(eps)                                                                                 \
	"---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"                              \
	"metadata: {name: l-1, namespace: ns, labels: {kubernetes.io/service-name: l}}\n"          \
	"addressType: IPv4\nendpoints: [" eps "]\n"

/* The configuration of each step: BgpConf (no listening socket: the
 * speaker connects), two peers, two pools, the Node; then the step's
 * Services and slices. Arguments: ibgp's address and port, tor1's, the
 * type tor1 asks for, the peers of the pool "local". */
static const char config_fmt[] =
    "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n"
    "---\napiVersion: network.kubesphere.io/v1alpha2\nkind: BgpConf\n"
    "metadata: {name: default}\n"
    "spec: {as: 65001, routerId: 192.0.2.11, listenPort: -1}\n"
    "---\napiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\n"
    "metadata: {name: ibgp}\n"
    "spec:\n"
    "  conf: {peerAs: 65001, neighborAddress: %s}\n"
    "  transport: {remotePort: %u}\n"
    "---\napiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\n"
    "metadata: {name: tor1}\n"
    "spec:\n"
    "  conf: {peerAs: 65000, neighborAddress: %s}\n"
    "  transport: {remotePort: %u}\n"
    "  linkBandwidth: {nonTransitive: %s}\n"
    "---\napiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\n"
    "metadata: {name: agg}\n"
    "spec:\n"
    "  address: 203.0.113.0/24\n"
    "  bgp: {aggregationLength: 24, localPref: 200, communities: [\"65000:100\"], "
    "peers: [ibgp]}\n"
    "---\napiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\n"
    "metadata: {name: local}\n"
    "spec:\n"
    "  address: 198.51.100.0/24\n"
    "  bgp: {communities: [no-export]%s}\n"
    "%s";

struct step {
	bool transitive;   /* tor1 asks for the transitive type */
	const char *peers; /* the pool "local"'s peers, NULL: every peer */
};

static char *config(const struct router *r, const struct step *st, const char *tail)
{
	char peers[64] = "", *y = NULL;

	if (st->peers)
		snprintf(peers, sizeof(peers), ", peers: [%s]", st->peers);
	assert_true(asprintf(&y, config_fmt, r[0].addr, r[0].port, r[1].addr, r[1].port,
	                     st->transitive ? "false" : "true", peers, tail) > 0);
	return y;
}

static void test_routes_to_two_routers(void **state)
{
	static const uint8_t comm100[4] = {0xfd, 0xe8, 0x00, 0x64};
	static const uint8_t no_export[4] = {0xff, 0xff, 0xff, 0x01};
	/* link bandwidth, AS 65001, 250000.0f and 375000.0f bytes/s */
	static const uint8_t bw2_t[8] = {0x00, 0x04, 0xfd, 0xe9, 0x48, 0x74, 0x24, 0x00};
	static const uint8_t bw2_nt[8] = {0x40, 0x04, 0xfd, 0xe9, 0x48, 0x74, 0x24, 0x00};
	static const uint8_t bw3_t[8] = {0x00, 0x04, 0xfd, 0xe9, 0x48, 0xb7, 0x1b, 0x00};
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct speaker_opts o = {.node = "n1", .cluster = true};
	struct router r[2]; /* ibgp, tor1 */
	struct step st = {.transitive = false, .peers = NULL};
	struct bgp_peer_stats ps;
	struct bgp_route_attrs_stats as;
	struct cfg_error err;
	const struct rt *x;
	struct speaker *sp;
	char *y;
	int before;

	(void)state;
	/* 127/8 is not a next hop to announce (rib_out refuses it) */
	assert_int_equal(core_addr_parse("192.0.2.1", &o.nexthop4), 0);
	assert_int_equal(core_addr_parse("2001:db8::1", &o.nexthop6), 0);
	router_listen(&r[0], "127.0.0.2", 65001);
	router_listen(&r[1], "127.0.0.3", 65000);
	cfg_error_init(&err, NULL, NULL);
	sp = speaker_new(loop, &o, &err);
	assert_non_null(sp);

	/* A Cluster and a Local Service in each pool */
	y = config(r, &st,
	           SVC("c1", "Cluster", "203.0.113.1") SVC("c2", "Cluster", "203.0.113.2")
	               SVC("c3", "Cluster", "198.51.100.9") SVC("l", "Local", "198.51.100.5")
	                   SLICE(EP ", " EP));
	apply(sp, y);
	free(y);
	run(loop, r, 2, both_synced, 0);

	/* ibgp: the aggregate with the pool's LOCAL_PREF and community */
	x = route(&r[0], "203.0.113.0/24");
	assert_non_null(x);
	assert_true(x->has_lp);
	assert_int_equal(x->lp, 200);
	assert_int_equal(x->n_comm, 4);
	assert_memory_equal(x->comm, comm100, 4);
	assert_int_equal(x->n_ext, 0);
	assert_null(route(&r[0], "203.0.113.1/32"));
	/* the Local address: LOCAL_PREF 100, no-export, two endpoints */
	x = route(&r[0], "198.51.100.5/32");
	assert_non_null(x);
	assert_int_equal(x->lp, 100);
	assert_memory_equal(x->comm, no_export, 4);
	assert_int_equal(x->n_ext, 8);
	assert_memory_equal(x->ext, bw2_t, 8);
	x = route(&r[0], "198.51.100.9/32");
	assert_non_null(x);
	assert_int_equal(x->n_ext, 0);
	assert_int_equal(r[0].n_rt, 3);

	/* tor1 (eBGP): not the aggregate's pool; no LOCAL_PREF; its type */
	assert_null(route(&r[1], "203.0.113.0/24"));
	x = route(&r[1], "198.51.100.5/32");
	assert_non_null(x);
	assert_false(x->has_lp);
	assert_memory_equal(x->ext, bw2_nt, 8);
	assert_int_equal(r[1].n_rt, 2);

	/* The speaker's own view: 3 routes, each with a set of its own */
	assert_int_equal(speaker_n_routes(sp), 3);
	bgp_route_attrs_stats(speaker_route_attrs(sp), &as);
	assert_int_equal(as.live, 3);

	/* A third endpoint: one UPDATE for that prefix, to each peer */
	before = r[1].updates;
	ibgp_updates_at_least = r[0].updates + 1;
	y = config(r, &st,
	           SVC("c1", "Cluster", "203.0.113.1") SVC("c2", "Cluster", "203.0.113.2")
	               SVC("c3", "Cluster", "198.51.100.9") SVC("l", "Local", "198.51.100.5")
	                   SLICE(EP ", " EP ", " EP));
	apply(sp, y);
	free(y);
	run(loop, r, 2, ibgp_updated, 0);
	run(loop, r, 2, NULL, 100);
	assert_int_equal(r[0].updates, ibgp_updates_at_least);
	assert_int_equal(r[1].updates, before + 1);
	assert_memory_equal(route(&r[0], "198.51.100.5/32")->ext, bw3_t, 8);
	assert_int_equal(r[0].n_rt, 3);

	/* One of two Cluster addresses gone: the aggregate stays (nothing
	 * sent); the last one gone: withdrawn */
	before = r[0].updates;
	y = config(r, &st,
	           SVC("c1", "Cluster", "203.0.113.1") SVC("c3", "Cluster", "198.51.100.9")
	               SVC("l", "Local", "198.51.100.5") SLICE(EP ", " EP ", " EP));
	apply(sp, y);
	free(y);
	run(loop, r, 2, NULL, 100);
	assert_int_equal(r[0].updates, before);
	ibgp_updates_at_least = before + 1;
	y = config(r, &st,
	           SVC("c3", "Cluster", "198.51.100.9") SVC("l", "Local", "198.51.100.5")
	               SLICE(EP ", " EP ", " EP));
	apply(sp, y);
	free(y);
	run(loop, r, 2, ibgp_updated, 0);
	assert_null(route(&r[0], "203.0.113.0/24"));
	assert_int_equal(r[0].n_rt, 2);
	/* the aggregate's id went back to the table and was reclaimed */
	bgp_route_attrs_stats(speaker_route_attrs(sp), &as);
	assert_int_equal(as.live, 2);
	assert_int_equal(as.dead, 0);

	/* tor1 switches to the transitive type: one UPDATE for the weighted
	 * route, the session stays */
	before = r[1].updates;
	st.transitive = true;
	y = config(r, &st,
	           SVC("c3", "Cluster", "198.51.100.9") SVC("l", "Local", "198.51.100.5")
	               SLICE(EP ", " EP ", " EP));
	apply(sp, y);
	free(y);
	tor1_updates_at_least = before + 1;
	run(loop, r, 2, tor1_updated, 0);
	run(loop, r, 2, NULL, 100);
	assert_int_equal(r[1].updates, before + 1);
	assert_memory_equal(route(&r[1], "198.51.100.5/32")->ext, bw3_t, 8);
	speaker_foreach_peer(sp, sessions_of, &ps);
	assert_int_equal(ps.sessions, 1);

	/* The pool's peers lose tor1: its routes are withdrawn there only */
	before = r[0].updates;
	st.peers = "ibgp";
	y = config(r, &st,
	           SVC("c3", "Cluster", "198.51.100.9") SVC("l", "Local", "198.51.100.5")
	               SLICE(EP ", " EP ", " EP));
	apply(sp, y);
	free(y);
	run(loop, r, 2, tor1_empty, 0);
	run(loop, r, 2, NULL, 100);
	assert_int_equal(r[0].n_rt, 2);
	/* for ibgp the new ids intern to the sets it has (the peers list is
	 * not on the wire): nothing sent */
	assert_int_equal(r[0].updates, before);
	assert_int_equal(route(&r[0], "198.51.100.5/32")->n_ext, 8);

	/* Two Services in one apply: their routes have equal attributes and
	 * share one UPDATE; gone in one apply, one UPDATE withdraws both */
	before = r[0].updates;
	ibgp_updates_at_least = before + 1;
	y = config(r, &st,
	           SVC("c3", "Cluster", "198.51.100.9") SVC("l", "Local", "198.51.100.5")
	               SVC("c4", "Cluster", "198.51.100.10") SVC("c5", "Cluster", "198.51.100.11")
	                   SLICE(EP ", " EP ", " EP));
	apply(sp, y);
	free(y);
	run(loop, r, 2, ibgp_updated, 0);
	run(loop, r, 2, NULL, 100);
	assert_int_equal(r[0].updates, before + 1);
	assert_non_null(route(&r[0], "198.51.100.10/32"));
	assert_non_null(route(&r[0], "198.51.100.11/32"));
	assert_int_equal(r[0].n_rt, 4);
	ibgp_updates_at_least = before + 2;
	y = config(r, &st,
	           SVC("c3", "Cluster", "198.51.100.9") SVC("l", "Local", "198.51.100.5")
	               SLICE(EP ", " EP ", " EP));
	apply(sp, y);
	free(y);
	run(loop, r, 2, ibgp_updated, 0);
	run(loop, r, 2, NULL, 100);
	assert_int_equal(r[0].updates, before + 2);
	assert_int_equal(r[0].n_rt, 2);

	/* The sessions end with a Cease, whose connections linger on the
	 * loop until the routers close theirs (bgp/peer.c). */
	speaker_free(sp);
	router_close(&r[0]);
	router_close(&r[1]);
	for (int i = 0; i < 100 && ev_run(loop, EVRUN_NOWAIT); i++)
		usleep(1000);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_routes_to_two_routers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
