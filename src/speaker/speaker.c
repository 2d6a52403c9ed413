/*
 * The speaker (see speaker.h). One apply, whatever the mode: the peers
 * (peers_apply) and listeners follow the set first, then the routes by
 * build, diff, swap (routes_apply): the routes the set wants are built
 * (routes_build: speaker/announce.h's rules), the LB interface takes their
 * addresses (lbif_apply; a conflict there means a second build), the
 * peers learn the difference from what was announced (routes_swap), and
 * the Services announced are listed and compared the same way
 * (services_report: logs and the announce hook). A new way to announce
 * (layer 2, BFD) is one more step in routes_apply with its own build and
 * diff against its own last state.
 */
#include "speaker/speaker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgp/md5_keys.h"
#include "bgp/peer.h"
#include "bgp/prefix_set.h"
#include "bgp/route_attrs.h"
#include "bgp/sock.h"
#include "core/clock.h"
#include "core/idx.h"
#include "core/log.h"
#include "core/loglimit.h"
#include "core/sort.h"
#include "netlink/nl.h"
#include "speaker/announce.h"
#include "speaker/bfd.h"
#include "speaker/l2.h"
#include "speaker/lbif.h"
#include "speaker/peer_cfg.h"

#define MAX_LISTENERS 8

/* Repeated log lines (core/loglimit.h): counted per key for this long,
 * then summarised; the flush runs each second. Keys followed at once:
 * 16 source addresses of refused connections (the rest of a flood from
 * many addresses shares one line per window), and 64 peer name + reason
 * pairs for the peers' lines. */
#define LOG_WINDOW_MS     10000
#define LOG_FLUSH_S       1.0
#define LOG_REFUSED_SLOTS 16
#define LOG_PEER_SLOTS    64

/* A client that is no BgpPeer may connect in a loop. */
static const struct core_loglimit_kind ll_refused = {
    .lvl = LOG_LVL_INFO,
    .summary = "refused {n} more BGP connections from {a} in the last {s}: no BgpPeer with "
               "that address",
    .others = "refused {n} BGP connections from other addresses in the last {s}: no BgpPeer "
              "with those addresses",
};

struct speaker_peer {
	char key[256]; /* BgpPeer name */
	struct bgp_peer *peer;
	enum speaker_key md5; /* where its authPasswordSecretRef stands */
	char md5_why[320];    /* speaker_peer_key's words for it */
};

struct listener {
	int fd;
	struct core_addr addr;
	uint16_t port;
	struct bgp_md5_keys keys; /* RFC 2385 keys installed on fd */
	ev_io io;
	struct speaker *s;
};

struct speaker {
	struct ev_loop *loop;
	struct speaker_opts o;
	char node[256];
	char ns[254];             /* whose Secrets BgpPeers may name */
	char **manifests;         /* owned copies */
	struct cfg_set cfg;       /* manifest mode: what they hold (cluster mode: empty) */
	struct prefix_set routes; /* what this node announces: prefix -> route attributes id,
	                             each holding a reference of attrs */
	struct bgp_route_attrs_tab *attrs; /* owned: the ids of routes */
	struct speaker_peer *peers;
	size_t n_peers;
	struct listener ls[MAX_LISTENERS];
	size_t n_ls;
	bool shutting_down;
	bool configured;
	char lbif_name[NL_IFNAME_LEN]; /* "" when none */
	struct speaker_lbif *lbif;     /* NULL: no LB interface */
	bool lbif_emptied;             /* by speaker_stopped, at shutdown */
	uint64_t *announced;           /* owned, sorted: svc_hash of the Services announced */
	size_t n_announced;
	struct core_addr *conflicts; /* owned: addresses found on another interface */
	size_t n_conflicts;
	struct core_loglimit *ll_refused, *ll_peers; /* owned; NULL: not limited */
	ev_timer ll_timer;                           /* their flush */
	struct speaker_l2 *l2;                       /* owned: layer 2 mode */
	struct speaker_bfd *bfd;                     /* owned: BFD sessions */
	bool bfd_stopped;                            /* AdminDown sent at shutdown */
	const struct cfg_set *applied; /* the set of the last apply (&cfg in manifest mode,
	                                  the caller's in cluster mode) */
	char invalid[CFG_ERR_MSG_MAX]; /* cfg_set_validate's last complaint, "" none */
	ev_timer l2_again;             /* layer 2's view changed: apply again */
};

/* ---- router id and peer configuration ---- */

/* The first IPv4 address that is not loopback: a usual router id source.
 * Service addresses are not: every node holds them, and BGP identifiers
 * must differ (RFC 4271 section 6.2). */
static uint32_t first_ipv4(const char *lbif)
{
	struct ifaddrs *ifa, *i;
	uint32_t id = 0;

	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i && !id; i = i->ifa_next) {
		struct core_addr a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		if (!strcmp(i->ifa_name, lbif) || !strcmp(i->ifa_name, SPEAKER_IPVS_IF))
			continue;
		if (core_addr_from_sockaddr((struct sockaddr_storage *)i->ifa_addr, &a, NULL) < 0)
			continue;
		if (a.bytes[0] != 127)
			id = speaker_addr_v4(&a);
	}
	freeifaddrs(ifa);
	return id;
}

/* ---- peers ---- */

static struct speaker_peer *peer_by_ptr(struct speaker *s, const struct bgp_peer *p)
{
	for (size_t i = 0; i < s->n_peers; i++)
		if (s->peers[i].peer == p)
			return &s->peers[i];
	return NULL;
}

static void on_peer_state(struct bgp_peer *p, enum bgp_fsm_state old, enum bgp_fsm_state now,
                          void *arg)
{
	struct speaker *s = arg;
	struct speaker_peer *sp = peer_by_ptr(s, p);

	log_debug("%s: %s -> %s", bgp_peer_config(p)->name, bgp_fsm_state_name(old),
	          bgp_fsm_state_name(now));
	/* A peer being created reports before it is in s->peers: its first
	 * state is Idle anyway, reported when it leaves it. */
	if (sp && s->o.hooks.peer_state)
		s->o.hooks.peer_state(sp->key, old, now, s->o.hooks.arg);
}

static struct speaker_peer *peer_find(struct speaker *s, const char *key)
{
	for (size_t i = 0; i < s->n_peers; i++)
		if (!strcmp(s->peers[i].key, key))
			return &s->peers[i];
	return NULL;
}

/*
 * Where a BgpPeer's Secret key stands, said once per change (log line,
 * and the peer_key hook: an Event in cluster mode), not at each apply:
 * every change of any object applies the whole set again. prev: the key
 * the peer ran with before this apply ("" for a new peer).
 */
static void key_report(struct speaker *s, struct speaker_peer *sp, const struct speaker_peer *old,
                       enum speaker_key k, const char *why, const char *prev,
                       const struct bgp_peer_cfg *pc)
{
	enum speaker_key was = old ? old->md5 : SPEAKER_KEY_NONE;
	bool same = old && was == k && !strcmp(old->md5_why, why);
	char msg[sizeof(sp->md5_why) + 128];

	sp->md5 = k;
	snprintf(sp->md5_why, sizeof(sp->md5_why), "%s", why);
	if (k == SPEAKER_KEY_NONE)
		return;
	if (k != SPEAKER_KEY_OK) {
		if (same)
			return;
		snprintf(msg, sizeof(msg), "%s: the session is held down (none without its key)",
		         why);
		log_warn("%s: %s", pc->name, msg);
	} else if (was != SPEAKER_KEY_OK && was != SPEAKER_KEY_NONE) {
		snprintf(msg, sizeof(msg), "%s: loaded, the session starts", why);
		log_info("%s: %s", pc->name, msg);
	} else if (was == SPEAKER_KEY_OK && strcmp(prev, pc->md5_key)) {
		/* RFC 2385: an open connection keeps the key it was made
		 * with, so a new key is a new connection (bgp_peer_reconfigure) */
		snprintf(msg, sizeof(msg), "%s: a new key, the session restarts with it", why);
		log_info("%s: %s", pc->name, msg);
	} else {
		/* the first load, or another Secret with the same value */
		if (!same)
			log_info("%s: %s", pc->name, why);
		return;
	}
	if (s->o.hooks.peer_key)
		s->o.hooks.peer_key(sp->key, (int)k, msg, s->o.hooks.arg);
}

static void peers_apply(struct speaker *s, const struct cfg_set *set)
{
	const struct cfg_node *node = cfg_set_node(set, s->node);
	const struct cfg_map *labels = node ? &node->meta.labels : NULL;
	struct speaker_peer *next = NULL;
	size_t n_next = 0, cap = 0, it = 0;
	const struct cfg_bgp_peer *bp;

	if (!set->bgp_conf) {
		if (set->n_peers)
			log_warn("node %s: BgpPeers present but no BgpConf 'default': no BGP",
			         s->node);
	} else {
		/* Only when nothing else names one: getifaddrs lists every
		 * address, the thousands on the LB interface too. */
		uint32_t rid = speaker_router_id(&s->o, set->bgp_conf, node);

		if (!rid)
			rid = first_ipv4(s->lbif_name);
		while ((bp = cfg_set_next_peer(set, labels, &it))) {
			struct bgp_peer_cfg pc;
			struct bfd_sess_cfg bc;
			struct speaker_peer *old;
			char why[sizeof(old->md5_why)], prev[sizeof(pc.md5_key)] = "";
			enum speaker_key k;
			bool bfd;

			speaker_peer_cfg(&s->o, set->bgp_conf, node, bp, rid, &pc);
			/* before BFD: a key that is missing holds the session down */
			/* MetalLB reads a BGPPeer's passwordSecret in its own namespace */
			k = speaker_peer_key(
			    set, bp->api == CFG_API_METALLB ? cfg_metallb_ns(set) : s->ns, bp, &pc,
			    why, sizeof(why));
			bfd = speaker_bfd_cfg(bp, &pc, &bc);
			pc.loglimit = s->ll_peers;
			if (n_next == cap) {
				cap = cap ? cap * 2 : 8;
				struct speaker_peer *nv = realloc(next, cap * sizeof(*nv));
				if (!nv)
					break;
				next = nv;
			}
			struct speaker_peer *sp = &next[n_next];
			snprintf(sp->key, sizeof(sp->key), "%s", bp->meta.name);
			old = peer_find(s, sp->key);
			if (old)
				snprintf(prev, sizeof(prev), "%s",
				         bgp_peer_config(old->peer)->md5_key);
			/* BFD first: it decides whether strict can hold (pc). */
			speaker_bfd_sync(s->bfd, sp->key, old ? old->peer : NULL, bfd ? &bc : NULL,
			                 &pc);
			if (old) {
				bgp_peer_reconfigure(old->peer, &pc);
				sp->peer = old->peer;
				old->peer = NULL;
			} else {
				if (!pc.fsm.router_id) {
					log_err("%s: no router id: set BgpConf spec.routerId or "
					        "--router-id, or give the node an IPv4 address",
					        pc.name);
					speaker_bfd_gone(s->bfd, sp->key);
					continue;
				}
				sp->peer = bgp_peer_new(s->loop, &pc, &s->routes, s->attrs,
				                        on_peer_state, s);
				if (!sp->peer) {
					log_err("%s: cannot start the session", pc.name);
					speaker_bfd_gone(s->bfd, sp->key);
					continue;
				}
				speaker_bfd_attach(s->bfd, sp->key, sp->peer);
				log_info("%s: added (AS %u -> AS %u)", pc.name, pc.fsm.local_as,
				         pc.fsm.peer_as);
			}
			key_report(s, sp, old, k, why, prev, &pc);
			n_next++;
		}
	}
	/* Peers that are gone, or no longer select this node. */
	for (size_t i = 0; i < s->n_peers; i++) {
		if (!s->peers[i].peer)
			continue;
		log_info("BgpPeer %s: removed from node %s", s->peers[i].key, s->node);
		speaker_bfd_gone(s->bfd, s->peers[i].key);
		bgp_peer_free(s->peers[i].peer);
		if (s->o.hooks.peer_gone)
			s->o.hooks.peer_gone(s->peers[i].key, s->o.hooks.arg);
	}
	free(s->peers);
	s->peers = next;
	s->n_peers = n_next;
}

/* ---- listeners ---- */

static struct speaker_peer *peer_by_addr(struct speaker *s, const struct core_addr *a)
{
	for (size_t i = 0; i < s->n_peers; i++) {
		const struct bgp_peer_cfg *c = bgp_peer_config(s->peers[i].peer);

		if (core_addr_equal(&c->remote, a))
			return &s->peers[i];
	}
	return NULL;
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct listener *l = w->data;
	struct core_addr remote;
	struct speaker_peer *sp;
	char str[64];
	int fd = bgp_sock_accept(l->fd, &remote, NULL);

	if (fd < 0)
		return;
	sp = peer_by_addr(l->s, &remote);
	if (!sp) {
		struct bgp_prefix p;

		lb_host_prefix(&remote, &p);
		bgp_prefix_format(&p, str, sizeof(str));
		log_limited(l->s->ll_refused, &ll_refused, str, NULL, core_now_ms(),
		            "refused a BGP connection from %s: no BgpPeer with that address", str);
		close(fd);
		return;
	}
	bgp_peer_accept(sp->peer, fd);
}

static void listeners_close(struct speaker *s)
{
	for (size_t i = 0; i < s->n_ls; i++) {
		ev_io_stop(s->loop, &s->ls[i].io);
		close(s->ls[i].fd);
		bgp_md5_keys_fini(&s->ls[i].keys);
	}
	s->n_ls = 0;
}

static void listener_open(struct speaker *s, const struct core_addr *a, uint16_t port)
{
	struct listener *l;
	int fd;

	if (s->n_ls == MAX_LISTENERS)
		return;
	fd = bgp_sock_listen(a, port);
	if (fd < 0) {
		log_err("BgpConf default: cannot listen on port %u (%s): %s; outgoing sessions "
		        "still work",
		        port, a->family == AF_INET ? "IPv4" : "IPv6", strerror(-fd));
		return;
	}
	l = &s->ls[s->n_ls++];
	l->fd = fd;
	l->addr = *a;
	l->port = port;
	bgp_md5_keys_init(&l->keys);
	l->s = s;
	ev_io_init(&l->io, on_accept, fd, EV_READ);
	l->io.data = l;
	ev_io_start(s->loop, &l->io);
}

/*
 * Connections that the kernel completed on l before its keys changed were
 * signed with the keys of then: it copies the listener's key for the
 * address into each connection at the handshake. Those from an address
 * whose key changed (ops) are closed, so that a password that was just
 * replaced or removed opens no session; the router connects again, with
 * the key configured now. The others go to their peer as on_accept would
 * hand them; one of no peer is closed without the log line on_accept
 * writes (it came in at the very moment of a key change).
 */
static void listener_flush(struct speaker *s, struct listener *l, const struct bgp_md5_key *ops,
                           size_t n_ops)
{
	struct core_addr remote;
	struct speaker_peer *sp;
	char str[INET6_ADDRSTRLEN];
	int fd;

	for (;;) {
		bool changed = false;

		fd = bgp_sock_accept(l->fd, &remote, NULL);
		/* A connection reset while queued, or of an unknown family
		 * (closed by bgp_sock_accept): the next one. Else empty. */
		if (fd == -ECONNABORTED || fd == -EINTR || fd == -EAFNOSUPPORT)
			continue;
		if (fd < 0)
			break;
		for (size_t i = 0; i < n_ops && !changed; i++)
			changed = core_addr_equal(&ops[i].addr, &remote);
		sp = changed ? NULL : peer_by_addr(s, &remote);
		if (changed)
			log_info("closed a BGP connection from %s accepted before its TCP-MD5 key "
			         "changed",
			         inet_ntop(remote.family, remote.bytes, str, sizeof(str)));
		if (sp)
			bgp_peer_accept(sp->peer, fd);
		else
			close(fd);
	}
}

/*
 * RFC 2385 keys of a listening socket: those of the peers of its family,
 * no other (a key left behind would keep a removed or replaced password
 * working, and refuse a router that no longer signs). IPv6 listeners are
 * v6-only (bgp_sock_listen), so an IPv4 peer only ever arrives on an IPv4
 * listener: its key goes there, never as a v4-mapped address. Two
 * BgpPeers with one address: the first one's key, as peer_by_addr finds
 * the first one. Unchanged keys cost no system call.
 */
static void listener_keys(struct speaker *s, struct listener *l)
{
	struct bgp_md5_keys want;
	struct bgp_md5_key *ops = NULL;
	size_t n_ops = 0;
	char str[INET6_ADDRSTRLEN];
	int r = 0;

	bgp_md5_keys_init(&want);
	for (size_t i = 0; i < s->n_peers && !r; i++) {
		const struct bgp_peer_cfg *pc = bgp_peer_config(s->peers[i].peer);

		if (pc->remote.family == l->addr.family && *pc->md5_key &&
		    !bgp_md5_keys_find(&want, &pc->remote))
			r = bgp_md5_keys_set(&want, &pc->remote, pc->md5_key);
	}
	if (!r)
		r = bgp_md5_keys_diff(&want, &l->keys, &ops, &n_ops);
	if (r < 0)
		log_err("BgpConf default: TCP-MD5 keys of the listening socket left as they "
		        "were: %s",
		        strerror(-r));
	for (size_t i = 0; i < n_ops; i++) {
		const struct bgp_md5_key *op = &ops[i];

		inet_ntop(op->addr.family, op->addr.bytes, str, sizeof(str));
		r = bgp_sock_set_md5(l->fd, &op->addr, op->key);
		/* Recorded as installed only when the kernel took it: what
		 * failed is tried again at the next change. */
		if (r < 0)
			log_err("BgpConf default: cannot %s the TCP-MD5 key for %s on port %u: %s",
			        *op->key ? "install" : "remove", str, l->port, strerror(-r));
		else if (bgp_md5_keys_set(&l->keys, &op->addr, op->key) < 0)
			/* Kept in the kernel, forgotten here: set again next time. */
			log_warn("TCP-MD5 key for %s: out of memory", str);
		else
			log_info("TCP-MD5 key for %s %s on the listening socket (port %u)", str,
			         *op->key ? "installed" : "removed", l->port);
	}
	if (n_ops)
		listener_flush(s, l, ops, n_ops);
	free(ops);
	bgp_md5_keys_fini(&want);
}

static void listeners_apply(struct speaker *s, const struct cfg_bgp_conf *c)
{
	int32_t port = c ? c->listen_port : -1;
	struct core_addr any[2] = {{.family = AF_INET}, {.family = AF_INET6}};
	const struct core_addr *addrs = any;
	size_t n = 2;

	if (c && c->n_listen_addresses) {
		addrs = c->listen_addresses;
		n = c->n_listen_addresses;
	}
	/* Same port and addresses: keep the sockets (and connections queued
	 * on them); else start over. */
	bool same = port > 0 && s->n_ls == n;
	for (size_t i = 0; same && i < n; i++)
		same = s->ls[i].port == port && !memcmp(&s->ls[i].addr, &addrs[i], sizeof(*addrs));
	if (!same) {
		listeners_close(s);
		for (size_t i = 0; port > 0 && i < n; i++)
			listener_open(s, &addrs[i], (uint16_t)port);
	}
	for (size_t i = 0; i < s->n_ls; i++)
		listener_keys(s, &s->ls[i]);
}

/* ---- routes ---- */

static int synthetic_each(const struct speaker *s, int (*fn)(const struct bgp_prefix *p, void *arg),
                          void *arg)
{
	struct core_addr a = s->o.synthetic_start;
	size_t last = core_af_len(a.family) - 1;

	for (uint32_t i = 0; i < s->o.n_synthetic; i++) {
		struct bgp_prefix p;
		int r;

		lb_host_prefix(&a, &p);
		if ((r = fn(&p, arg)) < 0)
			return r;
		for (size_t k = last + 1; k-- > 0 && ++a.bytes[k] == 0;)
			;
	}
	return 0;
}

static void announce_opts(const struct speaker *s, const struct cfg_set *set,
                          struct lb_announce_opts *o)
{
	if (s->o.cluster) {
		memset(o, 0, sizeof(*o));
		o->endpoints_known = true;
	} else {
		lb_announce_opts_manifest(set, o);
	}
	o->exclude = s->conflicts;
	o->n_exclude = s->n_conflicts;
	o->ready_on = s->o.ready_on;
	o->ready_count = s->o.ready_count;
	o->ready_arg = s->o.ready_arg;
	o->attrs = s->attrs;
}

static bool addr_in(const struct core_addr *v, size_t n, const struct core_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (core_addr_equal(&v[i], a))
			return true;
	return false;
}

/* Every Service of set with address a gets the conflict hook. */
static void conflict_report(struct speaker *s, const struct cfg_set *set,
                            const struct speaker_conflict *c)
{
	struct bgp_prefix p;
	char str[64];

	lb_host_prefix(&c->addr, &p);
	bgp_prefix_format(&p, str, sizeof(str));
	if (c->ipvs)
		log_info("%s is on %s (kube-proxy IPVS): announced, not added to the LB "
		         "interface",
		         str, c->ifname);
	else
		log_warn("%s is already on interface %s of this node: not announced", str,
		         c->ifname);
	for (size_t i = 0; s->o.hooks.conflict && i < set->n_services; i++) {
		const struct cfg_service *svc = &set->services[i];

		if (addr_in(svc->ingress, svc->n_ingress, &c->addr))
			s->o.hooks.conflict(svc, &c->addr, c->ifname, c->ipvs, s->o.hooks.arg);
	}
}

/*
 * Puts addrs (speaker_lbif_want's copy of BGP's and layer 2's addresses)
 * on the LB interface; the addresses found elsewhere become s->conflicts
 * (kube-proxy's IPVS ones excepted). Returns true when the conflicts
 * changed, so that the routes must be computed again.
 */
static bool lbif_apply(struct speaker *s, const struct cfg_set *set, const struct nl_addr *addrs,
                       size_t n_addrs)
{
	struct speaker_conflict *conf = NULL;
	struct core_addr *next = NULL;
	size_t n_conf = 0, n_next = 0;
	bool changed;

	if (speaker_lbif_sync(s->lbif, addrs, n_addrs, &conf, &n_conf) < 0 && !conf)
		return false;
	if (n_conf && !(next = calloc(n_conf, sizeof(*next)))) {
		free(conf);
		return false;
	}
	for (size_t i = 0; i < n_conf; i++) {
		if (!conf[i].ipvs)
			next[n_next++] = conf[i].addr;
		/* Report each conflict once, when it appears. */
		if (!addr_in(s->conflicts, s->n_conflicts, &conf[i].addr))
			conflict_report(s, set, &conf[i]);
	}
	changed = n_next != s->n_conflicts;
	for (size_t i = 0; !changed && i < n_next; i++)
		changed = !addr_in(s->conflicts, s->n_conflicts, &next[i]);
	/* A conflict that went away is dropped by the next sync: wanted
	 * addresses that are no longer elsewhere get added then. */
	free(s->conflicts);
	s->conflicts = next;
	s->n_conflicts = n_next;
	free(conf);
	return changed;
}

/* A Service's identity in the announced list: 64 bits of (namespace,
 * name); a collision would only merge two log lines. */
static uint64_t svc_hash(const char *ns, const char *name)
{
	return core_fnv_str(core_fnv_str(CORE_FNV_INIT, ns ? ns : "default"), name);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool u64_has(const uint64_t *v, size_t n, uint64_t h)
{
	return n && bsearch(&h, v, n, sizeof(*v), u64_cmp) != NULL;
}

static void report_withdrawn(struct speaker *s, const struct cfg_service *svc, int why)
{
	log_info("Service %s/%s: withdrawn from node %s (%s)", svc->meta.ns, svc->meta.name,
	         s->node, lb_announce_why_name((enum lb_announce_why)why));
	if (s->o.hooks.announce)
		s->o.hooks.announce(svc, false, why, s->o.hooks.arg);
}

/* Whether this node announces svc now: some address of it passes. */
static bool announces(const struct speaker *s, const struct cfg_set *set,
                      const struct lb_announce_opts *o, const struct cfg_service *svc)
{
	if (lb_announce_service(set, s->node, o, svc) != LB_ANN_YES)
		return false;
	for (size_t k = 0; k < svc->n_ingress; k++)
		if (lb_announce_addr_here(set, s->node, o, &svc->ingress[k]))
			return true;
	return false;
}

/*
 * The Services this node announces, as a sorted array of their hashes:
 * the new one is built from set, each Service compared with the old one
 * as it goes (reported when it starts or stops being announced), then it
 * replaces the old one. A Service that left set was reported already
 * (speaker_service_gone). The array is allocated once for every Service
 * of set, then given back what this node does not announce.
 */
static void services_report(struct speaker *s, const struct cfg_set *set,
                            const struct lb_announce_opts *o)
{
	uint64_t *now = NULL, *fit;
	size_t n_now = 0;

	/* Out of memory: the old list stays, and the next change reports
	 * what this one could not. */
	if (set->n_services && !(now = reallocarray(NULL, set->n_services, sizeof(*now))))
		return;
	for (size_t i = 0; i < set->n_services; i++) {
		const struct cfg_service *svc = &set->services[i];
		uint64_t h = svc_hash(svc->meta.ns, svc->meta.name);
		bool was = u64_has(s->announced, s->n_announced, h), is = announces(s, set, o, svc);

		if (is)
			now[n_now++] = h;
		if (is && !was) {
			log_info("Service %s/%s: announcing from node %s", svc->meta.ns,
			         svc->meta.name, s->node);
			if (s->o.hooks.announce)
				s->o.hooks.announce(svc, true, LB_ANN_YES, s->o.hooks.arg);
		} else if (was && !is) {
			report_withdrawn(s, svc, lb_announce_service(set, s->node, o, svc));
		}
	}
	core_sort(now, n_now, sizeof(*now), u64_cmp);
	if (!n_now) {
		free(now);
		now = NULL;
	} else if (n_now < set->n_services && (fit = reallocarray(now, n_now, sizeof(*now)))) {
		now = fit;
	}
	free(s->announced);
	s->announced = now;
	s->n_announced = n_now;
}

void speaker_service_gone(struct speaker *s, const struct cfg_service *svc)
{
	uint64_t h = svc_hash(svc->meta.ns, svc->meta.name), *p;

	if (!s->n_announced || !(p = bsearch(&h, s->announced, s->n_announced, sizeof(h), u64_cmp)))
		return;
	report_withdrawn(s, svc, LB_ANN_NOT_LB);
	memmove(p, p + 1, (size_t)(s->announced + s->n_announced - (p + 1)) * sizeof(h));
	s->n_announced--;
}

/* Benchmark routes: plain (id 0), and on the LB interface. */
static int add_to(const struct bgp_prefix *p, void *arg)
{
	return prefix_set_add(arg, p) < 0 ? -ENOMEM : 0;
}

/* Gives back the references of a route set's ids and empties it. */
static void routes_clear(struct speaker *s, struct prefix_set *routes)
{
	struct lb_announce_opts o = {.attrs = s->attrs};

	lb_announce_routes_clear(&o, routes);
}

/* The addresses this node announces (hosts), with the conflicts known now. */
static int hosts_build(struct speaker *s, const struct cfg_set *set, struct prefix_set *hosts)
{
	struct lb_announce_opts o;
	int r;

	announce_opts(s, set, &o);
	r = lb_announce_hosts(set, s->node, &o, hosts);
	return r ? r : synthetic_each(s, add_to, hosts);
}

/* The routes (want, prefix -> route attributes id) of those hosts; want's
 * old ids are given back first. */
static int routes_build(struct speaker *s, const struct cfg_set *set,
                        const struct prefix_set *hosts, struct prefix_set *want)
{
	struct lb_announce_opts o;
	int r;

	announce_opts(s, set, &o);
	r = lb_announce_routes(set, s->node, &o, hosts, want);
	return r ? r : synthetic_each(s, add_to, want);
}

static void drop_id(uint32_t id, void *arg)
{
	struct speaker *s = arg;

	for (size_t k = 0; k < s->n_peers; k++)
		bgp_peer_attrs_drop(s->peers[k].peer, id);
}

/* The peers learn what want changes (a prefix gone, new, or with another
 * route attributes id), then want is what is announced (s->routes, which
 * the peers read at session up) and the old routes give their ids back;
 * want is emptied. */
static void routes_swap(struct speaker *s, struct prefix_set *want)
{
	size_t added = 0, removed = 0, changed = 0;

	for (size_t i = 0; i < s->routes.n; i++) {
		if (prefix_set_has(want, &s->routes.v[i]))
			continue;
		removed++;
		for (size_t k = 0; k < s->n_peers; k++)
			bgp_peer_route_del(s->peers[k].peer, &s->routes.v[i]);
	}
	for (size_t i = 0; i < want->n; i++) {
		long at = prefix_set_find(&s->routes, &want->v[i]);
		uint32_t id = prefix_set_val(want, i);

		if (at >= 0 && prefix_set_val(&s->routes, (size_t)at) == id)
			continue;
		if (at < 0)
			added++;
		else
			changed++;
		for (size_t k = 0; k < s->n_peers; k++)
			bgp_peer_route_add(s->peers[k].peer, &want->v[i], id);
	}
	routes_clear(s, &s->routes);
	prefix_set_move(&s->routes, want);
	if (added || removed || changed)
		log_info("node %s: %zu routes (+%zu -%zu, %zu with new attributes)", s->node,
		         s->routes.n, added, removed, changed);
}

/*
 * Build, diff, swap. The addresses set wants announced are built, and
 * those this node answers for in layer 2 (speaker_l2_plan); the LB
 * interface gets both, and the addresses are built again after it,
 * without those it found on another interface (a conflict: never
 * announced). Then the routes, from the addresses, which go before the
 * swap. At 10,000 Services the addresses, the routes, and the sync's copy
 * and dump are ~0.3-0.4 MB each: no more than two of them live at once
 * beside the announced routes (the speaker's budget is 20 MB at 10,000;
 * the addresses are built twice for it). Only then do
 * the peers learn the difference from what is announced, so that such an
 * address is never announced and withdrawn again, and only then does
 * layer 2 announce the addresses it gained (speaker_l2_commit), which
 * are on the node by then. On an error nothing changes: the next change
 * tries again. Last, route attributes ids that no route holds any more
 * are reclaimed: every peer forgets them before they can name another
 * set (bgp/route_attrs.h).
 */
static int routes_apply(struct speaker *s, const struct cfg_set *set)
{
	struct prefix_set hosts, want, l2;
	struct lb_announce_opts o;
	struct nl_addr *addrs;
	size_t n_addrs;
	int r;

	prefix_set_init(&hosts);
	prefix_set_init(&want);
	prefix_set_init(&l2);
	announce_opts(s, set, &o);
	r = hosts_build(s, set, &hosts);
	if (!r && s->l2)
		r = speaker_l2_plan(s->l2, set, &o, &l2);
	/* The sync takes a copy of the addresses: hosts is given back before
	 * it dumps the node's, and built again after it, with the conflicts it
	 * found. */
	if (!r && s->lbif) {
		bool again = false;

		if (speaker_lbif_want(s->lbif, (const struct prefix_set *[]){&hosts, &l2}, 2,
		                      &addrs, &n_addrs) == 0) {
			prefix_set_fini(&hosts);
			again = lbif_apply(s, set, addrs, n_addrs);
			free(addrs);
		}
		r = hosts_build(s, set, &hosts);
		/* The interface follows the second build too: an address whose
		 * conflict went away goes on it now, not at the next change.
		 * Conflicts this finds wait for the next change: the routes
		 * are those of this build. */
		if (!r && again &&
		    speaker_lbif_want(s->lbif, (const struct prefix_set *[]){&hosts, &l2}, 2,
		                      &addrs, &n_addrs) == 0) {
			(void)lbif_apply(s, set, addrs, n_addrs);
			free(addrs);
		}
	}
	if (!r)
		r = routes_build(s, set, &hosts, &want);
	prefix_set_fini(&hosts);
	if (!r) {
		routes_swap(s, &want);
		announce_opts(s, set, &o);
		services_report(s, set, &o);
		if (s->l2)
			speaker_l2_commit(s->l2);
	}
	routes_clear(s, &want);
	bgp_route_attrs_reclaim(s->attrs, drop_id, s);
	prefix_set_fini(&want);
	prefix_set_fini(&l2);
	return r;
}

/* Layer 2's view of who is alive changed: the same set again, from the
 * loop (speaker_l2 must not be re-entered from its own callback). */
static void on_l2_again(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct speaker *s = w->data;

	(void)loop;
	(void)revents;
	if (s->applied && !s->shutting_down)
		(void)routes_apply(s, s->applied);
}

static void l2_changed(void *arg)
{
	struct speaker *s = arg;

	if (!ev_is_active(&s->l2_again))
		ev_timer_start(s->loop, &s->l2_again);
}

/* ---- lifecycle ---- */

static void on_ll_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct speaker *s = w->data;
	uint64_t now = core_now_ms();

	log_limited_flush(s->ll_refused, now, false);
	log_limited_flush(s->ll_peers, now, false);
}

/*
 * Cluster mode gets objects one at a time, so the set is not refused for
 * what spans objects (an Eip naming a BgpPeer that does not exist (yet)):
 * such a name matches no peer; what breaks one of MetalLB's rules was
 * left out by cfg_set_resolve. Said once per new complaint (the first of
 * them).
 */
static void set_check(struct speaker *s, const struct cfg_set *set)
{
	struct cfg_error err;

	cfg_error_init(&err, NULL, NULL);
	if (cfg_set_validate(set, &err) == 0) {
		s->invalid[0] = 0;
		return;
	}
	if (!strcmp(err.msg, s->invalid))
		return;
	snprintf(s->invalid, sizeof(s->invalid), "%s", err.msg);
	log_warn("%s: the rest applies (a peer name that matches none: routes to no peer; "
	         "MetalLB's objects: left out)",
	         err.msg);
}

int speaker_apply(struct speaker *s, const struct cfg_set *set)
{
	int r;

	if (s->shutting_down)
		return -ECANCELED;
	set_check(s, set);
	/* Peers first so that a new peer gets the new routes at session up
	 * and a removed one does not get withdrawals it no longer needs. */
	peers_apply(s, set);
	listeners_apply(s, set->bgp_conf);
	s->applied = set;
	r = routes_apply(s, set);
	s->configured = true;
	return r;
}

/* A manifest's MetalLB object with something berth does not honour:
 * one log line each, at every load (manifest mode has no Events). */
static void log_note(const struct cfg_note *n, void *arg)
{
	(void)arg;
	log_warn("%s %s%s%s: %s", n->kind, n->meta->ns ? n->meta->ns : "", n->meta->ns ? "/" : "",
	         n->meta->name, n->msg);
}

int speaker_reload(struct speaker *s, struct cfg_error *err)
{
	struct cfg_set set;
	int r;

	if (!s->o.n_manifests)
		return 0; /* cluster mode: speaker_apply brings the objects */
	cfg_set_init(&set);
	if (s->o.metallb_ns && (r = cfg_set_metallb_ns(&set, s->o.metallb_ns)) < 0) {
		cfg_set_fini(&set);
		return r;
	}
	r = cfg_manifest_load_files((const char *const *)s->manifests, s->o.n_manifests, &set, err);
	if (r < 0) {
		cfg_set_fini(&set);
		return r;
	}
	cfg_set_notes(&set, log_note, NULL);
	/* A Service no longer in the manifests leaves, as one deleted in
	 * cluster mode leaves the store. */
	for (size_t i = 0; i < s->cfg.n_services; i++) {
		const struct cfg_service *svc = &s->cfg.services[i];

		if (!cfg_set_service(&set, svc->meta.ns, svc->meta.name))
			speaker_service_gone(s, svc);
	}
	r = speaker_apply(s, &set);
	if (r == -ECANCELED) {
		cfg_set_fini(&set);
		return r;
	}
	cfg_set_fini(&s->cfg);
	s->cfg = set;
	s->applied = &s->cfg;
	return r;
}

struct speaker *speaker_new(struct ev_loop *loop, const struct speaker_opts *o,
                            struct cfg_error *err)
{
	struct speaker *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->loop = loop;
	s->o = *o;
	snprintf(s->node, sizeof(s->node), "%s", o->node);
	s->o.node = s->node;
	snprintf(s->ns, sizeof(s->ns), "%s", o->ns ? o->ns : "default");
	s->o.ns = s->ns;
	cfg_set_init(&s->cfg);
	prefix_set_init(&s->routes);
	if (!(s->attrs = bgp_route_attrs_tab_new()))
		goto fail;
	/* Out of memory, the lines are just not limited. */
	s->ll_refused = core_loglimit_new(LOG_REFUSED_SLOTS, LOG_WINDOW_MS);
	s->ll_peers = core_loglimit_new(LOG_PEER_SLOTS, LOG_WINDOW_MS);
	ev_timer_init(&s->ll_timer, on_ll_timer, LOG_FLUSH_S, LOG_FLUSH_S);
	s->ll_timer.data = s;
	ev_timer_start(loop, &s->ll_timer);
	s->manifests = calloc(o->n_manifests + 1, sizeof(char *));
	if (!s->manifests)
		goto fail;
	for (size_t i = 0; i < o->n_manifests; i++)
		if (!(s->manifests[i] = strdup(o->manifests[i])))
			goto fail;
	s->o.manifests = (const char *const *)s->manifests;
	snprintf(s->lbif_name, sizeof(s->lbif_name), "%s", o->lb_interface ? o->lb_interface : "");
	s->o.lb_interface = NULL;
	/* Without the interface the routes still go out: traffic then needs
	 * the addresses some other way (kube-proxy IPVS, or by hand). */
	if (o->lb_interface && speaker_lbif_open(o->lb_interface, &s->lbif) < 0)
		log_err("%s: service addresses will not be put on the node", o->lb_interface);
	ev_timer_init(&s->l2_again, on_l2_again, 0.0, 0.0);
	s->l2_again.data = s;
	struct speaker_l2_opts lo = o->l2;
	lo.node = s->node;
	lo.changed = l2_changed;
	lo.changed_arg = s;
	if (!(s->l2 = speaker_l2_new(loop, &lo)))
		goto fail;
	if (!(s->bfd = speaker_bfd_new(loop, o->hooks.bfd_state, o->hooks.arg)))
		goto fail;
	if (o->n_manifests && speaker_reload(s, err) < 0)
		goto fail;
	return s;
fail:
	speaker_free(s);
	return NULL;
}

void speaker_free(struct speaker *s)
{
	if (!s)
		return;
	listeners_close(s);
	ev_timer_stop(s->loop, &s->l2_again);
	speaker_l2_free(s->l2);
	/* BFD before BGP: its sessions point at the peers. */
	speaker_bfd_free(s->bfd);
	for (size_t i = 0; i < s->n_peers; i++)
		bgp_peer_free(s->peers[i].peer);
	free(s->peers);
	cfg_set_fini(&s->cfg);
	prefix_set_fini(&s->routes);
	bgp_route_attrs_tab_free(s->attrs); /* after the peers, which read it */
	speaker_lbif_free(s->lbif);
	free(s->announced);
	free(s->conflicts);
	/* What the last window counted is not lost at exit. */
	ev_timer_stop(s->loop, &s->ll_timer);
	log_limited_flush(s->ll_refused, core_now_ms(), true);
	log_limited_flush(s->ll_peers, core_now_ms(), true);
	core_loglimit_free(s->ll_refused);
	core_loglimit_free(s->ll_peers);
	for (size_t i = 0; s->manifests && s->manifests[i]; i++)
		free(s->manifests[i]);
	free(s->manifests);
	free(s);
}

void speaker_shutdown(struct speaker *s)
{
	s->shutting_down = true;
	/* The next in line takes layer 2 addresses over at once. */
	if (s->l2)
		speaker_l2_leave(s->l2);
	listeners_close(s);
	for (size_t i = 0; i < s->n_peers; i++)
		bgp_peer_shutdown(s->peers[i].peer);
}

void speaker_foreach_peer(const struct speaker *s, speaker_peer_fn fn, void *arg)
{
	for (size_t i = 0; i < s->n_peers; i++)
		fn(s->peers[i].key, s->peers[i].peer, arg);
}

const struct speaker_l2 *speaker_layer2(const struct speaker *s)
{
	return s->l2;
}

const struct speaker_bfd *speaker_bfd(const struct speaker *s)
{
	return s->bfd;
}

size_t speaker_n_routes(const struct speaker *s)
{
	return s->routes.n;
}

const struct prefix_set *speaker_routes(const struct speaker *s)
{
	return &s->routes;
}

const struct bgp_route_attrs_tab *speaker_route_attrs(const struct speaker *s)
{
	return s->attrs;
}

bool speaker_configured(const struct speaker *s)
{
	return s->configured;
}

bool speaker_stopped(struct speaker *s)
{
	for (size_t i = 0; i < s->n_peers; i++)
		if (!bgp_peer_stopped(s->peers[i].peer))
			return false;
	/* RFC 5880 section 6.8.16: the withdrawals are out, now BFD says
	 * AdminDown, which the routers do not take for a failure (RFC 5882
	 * section 3.2); speaker_free sends it three times more. */
	if (s->shutting_down && !s->bfd_stopped) {
		speaker_bfd_admin_down(s->bfd);
		s->bfd_stopped = true;
	}
	/* The withdrawals are out: now the node stops taking the traffic
	 * too. Before, it would refuse what the routers still sent it while
	 * they heard of the withdrawals (the addresses of 10,000 Services
	 * take seconds to remove). SIGKILL leaves them for a graceful
	 * restart. */
	if (s->shutting_down && s->lbif && !s->lbif_emptied) {
		struct speaker_conflict *conf = NULL;
		size_t n_conf = 0;

		speaker_lbif_sync(s->lbif, NULL, 0, &conf, &n_conf);
		free(conf);
		s->lbif_emptied = true;
	}
	return true;
}
