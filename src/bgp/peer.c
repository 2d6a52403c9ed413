/*
 * Peer I/O: drives the pure FSM with socket and timer events and writes
 * what the FSM and the Adj-RIB-Out produce. See peer.h.
 */
#include "bgp/peer.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bgp/frame.h"
#include "bgp/rib_out.h"
#include "bgp/rib_out_map.h"
#include "bgp/sock.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/loglimit.h"

/* Keep this much queued for the socket; refill from the Adj-RIB-Out below it. */
#define WBUF_HIGH (256 * 1024)
#define BUF_KEEP  4096 /* what an idle connection keeps of its write buffer */
#define WBUF_MAX  (WBUF_HIGH + 2 * BGP_MAX_EXT_MSG_LEN)
/* How long a graceful stop waits for the withdrawals to drain. */
#define SHUTDOWN_MS 3000

struct conn {
	struct bgp_peer *peer;
	int fd;
	bool connecting; /* outgoing connect not completed yet */
	ev_io rio, wio;
	struct bgp_framer rx; /* received bytes, cut into whole messages */
	struct buf wbuf;
	struct bgp_fsm fsm;
	bool in_use; /* the second slot is used only during a collision */
};

struct bgp_peer {
	struct ev_loop *loop;
	struct bgp_peer_cfg cfg;
	const struct prefix_set *routes; /* borrowed from the owner */
	bgp_peer_state_fn state_fn;
	void *state_arg;

	struct conn conns[2];
	struct conn *cur; /* the peer's session */
	struct conn *alt; /* an incoming connection during a collision */
	ev_timer timer;

	struct rib_out *rib;
	struct rib_out_map map;   /* route attributes id -> set of rib, per session */
	bool af_ok[BGP_AF_COUNT]; /* a next hop exists for the family */
	uint32_t logged_attrs[8]; /* RFC 7606 problems logged this session */

	struct prefix_set received;
	struct bgp_peer_stats st;
	bool shutting_down, stopped;
	uint64_t shutdown_deadline;
	unsigned rand_state;
};

/*
 * Lines that a broken or hostile neighbour can repeat as fast as it
 * connects (on the collision slot, or in Active while passive): the
 * first of each peer and reason at once, then a count per window.
 */
static const struct core_loglimit_kind ll_malformed = {
    .lvl = LOG_LVL_WARN,
    .summary = "{a}: {n} more malformed messages in the last {s}: {b}",
    .others = "{n} more malformed messages from BGP peers in the last {s}",
};
static const struct core_loglimit_kind ll_notif_sent = {
    .lvl = LOG_LVL_WARN,
    .summary = "{a}: sent {n} more NOTIFICATIONs {b} in the last {s}",
    .others = "sent {n} more NOTIFICATIONs to BGP peers in the last {s}",
};
static const struct core_loglimit_kind ll_notif_rcvd = {
    .lvl = LOG_LVL_WARN,
    .summary = "{a}: received {n} more NOTIFICATIONs {b} in the last {s}",
    .others = "received {n} more NOTIFICATIONs from BGP peers in the last {s}",
};
static const struct core_loglimit_kind ll_ended = {
    .lvl = LOG_LVL_INFO,
    .summary = "{a}: {n} more connections ended in the last {s}: {b}",
    .others = "{n} more connections to BGP peers ended in the last {s}",
};
static const struct core_loglimit_kind ll_connect = {
    .lvl = LOG_LVL_WARN,
    .summary = "{a}: {n} more attempts to connect failed in the last {s}: {b}",
    .others = "{n} more attempts to connect to BGP peers failed in the last {s}",
};

static void conn_event(struct conn *c, struct bgp_fsm_event *ev);
static void peer_rearm(struct bgp_peer *p);
static void conn_fill(struct conn *c);

static void conn_init(struct conn *c, struct bgp_peer *p)
{
	memset(c, 0, sizeof(*c));
	c->peer = p;
	c->fd = -1;
	bgp_framer_init(&c->rx);
	buf_init(&c->wbuf, WBUF_MAX);
}

/*
 * A connection on its way out after a NOTIFICATION (RFC 4271 section 6:
 * send it, then close). Closed at once while the peer's UPDATEs still sit
 * unread in our receive queue, the kernel would answer with a RST, and a
 * peer that gets a RST drops what it has not read yet: our NOTIFICATION
 * with it, so the router never learns why (a prefix limit, a bad UPDATE).
 * So: FIN after the NOTIFICATION (shutdown), then read and drop whatever
 * still comes until the peer closes too, for LINGER_S at most. It holds
 * only the descriptor and the loop: the peer may be freed meanwhile.
 */
#define LINGER_S 2.0

struct bgp_linger {
	struct ev_loop *loop;
	ev_io io;
	ev_timer timer;
};

static void linger_end(struct bgp_linger *l)
{
	ev_io_stop(l->loop, &l->io);
	ev_timer_stop(l->loop, &l->timer);
	close(l->io.fd);
	free(l);
}

static void on_linger_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bgp_linger *l = w->data;
	char buf[4096];
	ssize_t n;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		linger_end(l);
}

static void on_linger_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	linger_end(w->data);
}

static void linger_start(struct ev_loop *loop, int fd)
{
	struct bgp_linger *l = malloc(sizeof(*l));

	if (!l || shutdown(fd, SHUT_WR) < 0) {
		free(l);
		close(fd);
		return;
	}
	l->loop = loop;
	ev_io_init(&l->io, on_linger_read, fd, EV_READ);
	l->io.data = l;
	ev_timer_init(&l->timer, on_linger_timer, LINGER_S, 0.0);
	l->timer.data = l;
	ev_io_start(loop, &l->io);
	ev_timer_start(loop, &l->timer);
}

static void conn_close(struct conn *c)
{
	struct bgp_peer *p = c->peer;

	if (c->fd >= 0) {
		ev_io_stop(p->loop, &c->rio);
		ev_io_stop(p->loop, &c->wio);
		/* Best effort: a NOTIFICATION queued by the FSM goes out
		 * before the close, and the close lingers (above). */
		if (buf_len(&c->wbuf) && !c->connecting &&
		    write(c->fd, buf_head(&c->wbuf), buf_len(&c->wbuf)) > 0)
			linger_start(p->loop, c->fd);
		else
			close(c->fd);
	}
	c->fd = -1;
	c->connecting = false;
	bgp_framer_reset(&c->rx);
	buf_reset(&c->wbuf);
}

static void conn_fini(struct conn *c)
{
	conn_close(c);
	bgp_framer_fini(&c->rx);
	buf_fini(&c->wbuf);
}

static void conn_want_write(struct conn *c)
{
	if (c->fd >= 0 && !ev_is_active(&c->wio))
		ev_io_start(c->peer->loop, &c->wio);
}

static int conn_queue(struct conn *c, ssize_t (*enc)(uint8_t *, size_t, const void *),
                      const void *arg)
{
	uint8_t *w = buf_reserve(&c->wbuf, BGP_MAX_MSG_LEN);
	ssize_t n;

	if (!w)
		return -ENOBUFS;
	n = enc(w, BGP_MAX_MSG_LEN, arg);
	if (n < 0)
		return (int)n;
	buf_commit(&c->wbuf, (size_t)n);
	c->peer->st.msgs_out++;
	conn_want_write(c);
	return 0;
}

static ssize_t enc_open(uint8_t *b, size_t cap, const void *arg)
{
	return bgp_open_encode(b, cap, arg);
}

static ssize_t enc_keepalive(uint8_t *b, size_t cap, const void *arg)
{
	return bgp_keepalive_encode(b, cap);
}

static ssize_t enc_notification(uint8_t *b, size_t cap, const void *arg)
{
	const struct bgp_fsm_actions *a = arg;

	return bgp_notification_encode(b, cap, a->notif_code, a->notif_subcode, a->notif_data,
	                               a->notif_data_len);
}

/* ---- next hops and the per-session attribute set ---- */

/* A global address of family fam on the interface that holds local. */
static int iface_sibling(const struct core_addr *local, int fam, struct core_addr *out)
{
	struct ifaddrs *ifa, *i;
	char ifname[IF_NAMESIZE] = "";
	int r = -ENOENT;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		struct core_addr a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != local->family)
			continue;
		if (core_addr_from_sockaddr((struct sockaddr_storage *)i->ifa_addr, &a, NULL) < 0)
			continue;
		if (!memcmp(a.bytes, local->bytes, core_af_len(local->family))) {
			snprintf(ifname, sizeof(ifname), "%s", i->ifa_name);
			break;
		}
	}
	for (i = ifa; i && *ifname; i = i->ifa_next) {
		struct core_addr a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != fam || strcmp(i->ifa_name, ifname))
			continue;
		if (core_addr_from_sockaddr((struct sockaddr_storage *)i->ifa_addr, &a, NULL) < 0)
			continue;
		/* Link-local IPv6 (fe80::/10) cannot be a global next hop. */
		if (fam == AF_INET6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80)
			continue;
		*out = a;
		r = 0;
		break;
	}
	freeifaddrs(ifa);
	return r;
}

/* The session's view of the route attributes. */
static struct rib_out_map_session peer_map_session(const struct bgp_peer *p)
{
	return (struct rib_out_map_session){
	    .peer = p->cfg.route_name,
	    .local_as = p->cfg.fsm.local_as,
	    .ebgp = p->cfg.ebgp,
	    .link_bw_non_transitive = p->cfg.link_bw_non_transitive,
	};
}

/* The session's base set; the map of route attributes starts over on it
 * (rib_out_map_base). */
static void peer_setup_attrs(struct bgp_peer *p, int fd)
{
	struct rib_out_map_session sess = peer_map_session(p);
	struct bgp_out_attrs a;
	struct core_addr local;
	char s[64];
	int r;

	memset(&a, 0, sizeof(a));
	a.origin = BGP_ORIGIN_IGP;
	if (p->cfg.ebgp) {
		/* RFC 4271 section 5.1.2: prepend our AS towards an external peer. */
		a.as_path[0] = p->cfg.fsm.local_as;
		a.as_path_len = 1;
	} else {
		/* RFC 4271 section 5.1.5: LOCAL_PREF goes to internal peers. */
		a.has_local_pref = true;
		a.local_pref = 100;
	}
	if (bgp_sock_local(fd, &local, NULL) < 0)
		memset(&local, 0, sizeof(local));
	a.next_hop = p->cfg.nexthop4;
	a.next_hop6 = p->cfg.nexthop6;
	/* Next hop self (RFC 4271 5.1.3): the session's own address for its
	 * family, a sibling address on the same interface for the other. */
	if (local.family == AF_INET && !a.next_hop.family)
		a.next_hop = local;
	if (local.family == AF_INET6 && !a.next_hop6.family)
		a.next_hop6 = local;
	if (!a.next_hop.family && local.family)
		iface_sibling(&local, AF_INET, &a.next_hop);
	if (!a.next_hop6.family && local.family)
		iface_sibling(&local, AF_INET6, &a.next_hop6);
	p->af_ok[BGP_AF_IPV4] = a.next_hop.family == AF_INET;
	p->af_ok[BGP_AF_IPV6] = a.next_hop6.family == AF_INET6;
	for (int af = 0; af < BGP_AF_COUNT; af++)
		if (!p->af_ok[af])
			log_warn("%s: no %s next hop on the interface of %s: %s routes are not "
			         "announced on this session",
			         p->cfg.name, af ? "IPv6" : "IPv4", core_addr_str(&local, s),
			         af ? "IPv6" : "IPv4");

	r = rib_out_map_base(&p->map, &a, &sess);
	if (r < 0) {
		log_err("%s: cannot build path attributes: %s", p->cfg.name, strerror(-r));
		p->af_ok[0] = p->af_ok[1] = false;
	}
}

void bgp_peer_attrs_drop(struct bgp_peer *p, uint32_t id)
{
	rib_out_map_drop(&p->map, id);
}

/* The Adj-RIB-Out set of pfx with route attributes id on this session,
 * or 0: not announced here (no session attributes yet, no next hop of
 * its family, the id keeps it from this peer or its set cannot be built). */
static uint32_t peer_route_set(struct bgp_peer *p, const struct bgp_prefix *pfx, uint32_t id)
{
	int af = pfx->family == AF_INET ? BGP_AF_IPV4 : BGP_AF_IPV6;
	uint32_t set = 0;
	int r;

	if (!p->af_ok[af])
		return 0;
	r = rib_out_map_get(&p->map, id, &set);
	/* Said once per id and session; out of memory, each time. */
	if (r < 0)
		log_err("%s: cannot build the path attributes of a pool's routes: %s; they are "
		        "not announced on this session",
		        p->cfg.name, strerror(-r));
	return set;
}

/* Session up: the whole route set goes into the Adj-RIB-Out. A route whose
 * attributes did not change (same next hop as last time) costs nothing. */
static void peer_load_routes(struct bgp_peer *p)
{
	for (size_t i = 0; i < p->routes->n; i++) {
		const struct bgp_prefix *pfx = &p->routes->v[i];
		uint32_t rid = peer_route_set(p, pfx, prefix_set_val(p->routes, i));

		if (rid)
			rib_out_announce(p->rib, pfx, rid);
		else
			rib_out_withdraw(p->rib, pfx);
	}
}

int bgp_peer_route_add(struct bgp_peer *p, const struct bgp_prefix *pfx, uint32_t id)
{
	uint32_t rid;
	int r;

	if (p->shutting_down)
		return 0;
	/* Another id may keep a route from this peer that it has now. */
	rid = peer_route_set(p, pfx, id);
	r = rid ? rib_out_announce(p->rib, pfx, rid) : rib_out_withdraw(p->rib, pfx);
	if (r == 0 && p->cur->fsm.state == BGP_FSM_ESTABLISHED)
		conn_want_write(p->cur);
	return r;
}

int bgp_peer_route_del(struct bgp_peer *p, const struct bgp_prefix *pfx)
{
	int r = rib_out_withdraw(p->rib, pfx);

	if (r == 0 && p->cur->fsm.state == BGP_FSM_ESTABLISHED)
		conn_want_write(p->cur);
	return r;
}

/* ---- received routes: validated, counted, never installed ---- */

static int count_nlri(struct bgp_peer *p, const uint8_t *nlri, size_t len, int fam, bool addpath,
                      bool announce)
{
	uint32_t *n = &p->st.received[fam == AF_INET6];
	struct bgp_prefix pfx;
	size_t off = 0;
	int r;

	while ((r = bgp_nlri_next(nlri, len, &off, (uint8_t)fam, addpath, &pfx)) > 0) {
		if (announce) {
			r = prefix_set_add(&p->received, &pfx);
			if (r < 0)
				return r;
			*n += (uint32_t)r;
		} else {
			*n -= (uint32_t)prefix_set_del(&p->received, &pfx);
		}
	}
	return r;
}

static void log_malformed(struct bgp_peer *p, const struct bgp_error *err)
{
	static const char *action[] = {"ok", "attribute discarded", "treat-as-withdraw",
	                               "family disabled", "session reset"};
	uint8_t t = err->attr_type;

	p->st.malformed_updates++;
	/* One line per peer and attribute type per session: a peer that
	 * repeats the same mistake does not flood the log. */
	if (p->logged_attrs[t / 32 % 8] & (1u << (t % 32)))
		return;
	p->logged_attrs[t / 32 % 8] |= 1u << (t % 32);
	log_warn("%s: malformed UPDATE, attribute %u: %s (RFC 7606: %s; further ones counted)",
	         p->cfg.name, t, err->reason ? err->reason : "?", action[err->action]);
}

/* Returns -EOVERFLOW when the peer went past the maximum of family *over. */
static int account_update(struct bgp_peer *p, const struct bgp_update *u,
                          const struct bgp_error *err, const struct bgp_session_params *sp,
                          enum bgp_af *over)
{
	bool withdraw_all = err->action >= BGP_UPD_TREAT_AS_WITHDRAW;
	const struct bgp_attrs *a = &u->attrs;
	int r = 0;

	if (err->action != BGP_UPD_OK)
		log_malformed(p, err);
	r |= count_nlri(p, u->withdrawn, u->withdrawn_len, AF_INET, sp->addpath_rx[0], false);
	r |= count_nlri(p, u->nlri, u->nlri_len, AF_INET, sp->addpath_rx[0], !withdraw_all);
	if (a->present & BGP_PA_MP_UNREACH) {
		enum bgp_af af;

		if (!bgp_af_from_afi(a->mp_unreach.afi, a->mp_unreach.safi, &af))
			r |= count_nlri(p, a->mp_unreach.nlri, a->mp_unreach.nlri_len,
			                af ? AF_INET6 : AF_INET, sp->addpath_rx[af], false);
	}
	if (a->present & BGP_PA_MP_REACH) {
		enum bgp_af af;

		if (!bgp_af_from_afi(a->mp_reach.afi, a->mp_reach.safi, &af))
			r |= count_nlri(p, a->mp_reach.nlri, a->mp_reach.nlri_len,
			                af ? AF_INET6 : AF_INET, sp->addpath_rx[af], !withdraw_all);
	}
	(void)r; /* the decoder validated the NLRI already */
	for (int af = 0; af < BGP_AF_COUNT; af++) {
		if (p->cfg.max_prefixes[af] && p->st.received[af] > p->cfg.max_prefixes[af]) {
			*over = (enum bgp_af)af;
			return -EOVERFLOW;
		}
	}
	return 0;
}

/* ---- FSM actions ---- */

static void conn_connect(struct conn *c);

static void peer_state_changed(struct bgp_peer *p, enum bgp_fsm_state old)
{
	if (old != p->cur->fsm.state && p->state_fn)
		p->state_fn(p, old, p->cur->fsm.state, p->state_arg);
}

/* "code/subcode (name)": the NOTIFICATION as logged, and its key. */
static const char *notif_str(uint8_t code, uint8_t subcode, char *buf, size_t len)
{
	snprintf(buf, len, "%u/%u (%s)", code, subcode, bgp_err_name(code, subcode));
	return buf;
}

static void log_notif_rcvd(struct bgp_peer *p, const struct bgp_notification *n)
{
	char why[128];

	notif_str(n->code, n->subcode, why, sizeof(why));
	log_limited(p->cfg.loglimit, &ll_notif_rcvd, p->cfg.name, why, core_now_ms(),
	            "%s: received NOTIFICATION %s", p->cfg.name, why);
}

static void log_bad_message(struct bgp_peer *p, const struct bgp_error *err)
{
	const char *why = err->reason ? err->reason : bgp_err_name(err->code, err->subcode);

	log_limited(p->cfg.loglimit, &ll_malformed, p->cfg.name, why, core_now_ms(),
	            "%s: malformed message: %s", p->cfg.name, why);
}

static void conn_exec(struct conn *c, const struct bgp_fsm_actions *a)
{
	struct bgp_peer *p = c->peer;
	char s[64], why[128];

	if (a->flags & BGP_FSM_ACT_SEND_OPEN)
		conn_queue(c, enc_open, &a->open);
	if (a->flags & BGP_FSM_ACT_SEND_KEEPALIVE)
		conn_queue(c, enc_keepalive, NULL);
	if (a->flags & BGP_FSM_ACT_SEND_NOTIFICATION) {
		conn_queue(c, enc_notification, a);
		notif_str(a->notif_code, a->notif_subcode, why, sizeof(why));
		log_limited(p->cfg.loglimit, &ll_notif_sent, p->cfg.name, why, core_now_ms(),
		            "%s: sent NOTIFICATION %s", p->cfg.name, why);
	}
	if (a->flags & BGP_FSM_ACT_CLOSE)
		conn_close(c);
	if (a->flags & BGP_FSM_ACT_SESSION_DOWN) {
		rib_out_session_down(p->rib);
		prefix_set_clear(&p->received);
		p->st.received[0] = p->st.received[1] = 0;
		p->st.established_at_ms = 0;
		p->st.last_down = a->down;
		log_warn("%s: session down: %s%s%s", p->cfg.name,
		         bgp_fsm_reason_name(a->down.reason), a->down.code ? ", " : "",
		         a->down.code ? bgp_err_name(a->down.code, a->down.subcode) : "");
	} else if (a->down.reason != BGP_FSM_R_NONE) {
		p->st.last_down = a->down;
		snprintf(why, sizeof(why), "%s%s%s", bgp_fsm_reason_name(a->down.reason),
		         a->down.code ? ", " : "",
		         a->down.code ? bgp_err_name(a->down.code, a->down.subcode) : "");
		log_limited(p->cfg.loglimit, &ll_ended, p->cfg.name, why, core_now_ms(),
		            "%s: connection to %s ended: %s", p->cfg.name,
		            core_addr_str(&p->cfg.remote, s), why);
	}
	if (a->idle_hold_ms)
		log_warn("%s: staying idle for %u.%03u s, refusing the peer's connections (idle "
		         "hold: doubles on each repeat)",
		         p->cfg.name, a->idle_hold_ms / 1000, a->idle_hold_ms % 1000);
	if (a->flags & BGP_FSM_ACT_CONNECT)
		conn_connect(c);
	if (a->flags & BGP_FSM_ACT_SESSION_UP) {
		p->st.sessions++;
		p->st.established_at_ms = core_now_ms();
		memset(p->logged_attrs, 0, sizeof(p->logged_attrs));
		log_info("%s: session established with AS %u (router id %u.%u.%u.%u), hold %us, "
		         "IPv4 %s, IPv6 %s%s",
		         p->cfg.name, a->session.peer_as, a->session.peer_id >> 24,
		         a->session.peer_id >> 16 & 255, a->session.peer_id >> 8 & 255,
		         a->session.peer_id & 255, a->session.hold_time,
		         a->session.af[0] ? "on" : "off", a->session.af[1] ? "on" : "off",
		         a->session.gr_peer && a->session.gr_local ? ", graceful restart" : "");
		peer_setup_attrs(p, c->fd);
		peer_load_routes(p);
		conn_fill(c);
	}
}

static void conn_event(struct conn *c, struct bgp_fsm_event *ev)
{
	struct bgp_peer *p = c->peer;
	struct bgp_fsm_actions a;
	enum bgp_fsm_state old = p->cur->fsm.state;

	ev->rand = (uint32_t)rand_r(&p->rand_state);
	if (bgp_fsm_handle(&c->fsm, ev, core_now_ms(), &a) == 0)
		conn_exec(c, &a);

	/* RFC 4271 section 6.8: with two connections, one must go. */
	if (p->alt->in_use) {
		enum bgp_fsm_collision k = bgp_fsm_collision(&p->cur->fsm, &p->alt->fsm);
		struct conn *loser = k == BGP_FSM_COLLISION_CLOSE_A   ? p->cur
		                     : k == BGP_FSM_COLLISION_CLOSE_B ? p->alt
		                                                      : NULL;

		if (loser) {
			struct bgp_fsm_event lost = {.type = BGP_FSM_EV_COLLISION_LOST};

			log_info("%s: connection collision, closing the %s connection", p->cfg.name,
			         loser->fsm.outgoing ? "outgoing" : "incoming");
			lost.rand = (uint32_t)rand_r(&p->rand_state);
			if (bgp_fsm_handle(&loser->fsm, &lost, core_now_ms(), &a) == 0)
				conn_exec(loser, &a);
			if (loser == p->cur) {
				/* The survivor becomes the session; the FSM keeps the
				 * main one's backoff state. */
				struct conn *t = p->cur;

				bgp_fsm_adopt(&t->fsm, &p->alt->fsm);
				p->alt->fsm = t->fsm;
				p->cur = p->alt;
				p->alt = t;
				p->cur->in_use = false;
				p->alt->in_use = true; /* closed and released just below */
				p->alt->fsm.state = BGP_FSM_IDLE;
			}
		}
		if (p->alt->fsm.state == BGP_FSM_IDLE) {
			conn_close(p->alt);
			p->alt->in_use = false;
		}
	}
	peer_state_changed(p, old);
	peer_rearm(p);
}

/*
 * The peer went past our limit for family af: Cease/1 naming that family
 * and the limit (RFC 4486 section 4); the FSM then holds the session Idle.
 */
static void conn_prefix_limit(struct conn *c, enum bgp_af af)
{
	struct bgp_peer *p = c->peer;
	struct bgp_error cease;
	struct bgp_fsm_event ev = {.type = BGP_FSM_EV_PREFIX_LIMIT, .err = &cease};

	bgp_cease_max_prefix(&cease, af, p->cfg.max_prefixes[af]);
	log_warn("%s: peer sent more than %u %s prefixes", p->cfg.name, p->cfg.max_prefixes[af],
	         af == BGP_AF_IPV6 ? "IPv6" : "IPv4");
	conn_event(c, &ev);
}

/* ---- socket callbacks ---- */

static void conn_read(struct conn *c)
{
	struct bgp_peer *p = c->peer;
	struct bgp_fsm_event ev;
	struct bgp_error err;
	struct bgp_msg msg;
	const uint8_t *m;
	size_t mlen, room;
	uint8_t *w;
	ssize_t n;
	int r;

	if (!(w = bgp_framer_room(&c->rx, &room)))
		return;
	n = read(c->fd, w, room);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		ev = (struct bgp_fsm_event){.type = BGP_FSM_EV_TCP_CLOSED};
		conn_event(c, &ev);
		return;
	}
	bgp_framer_commit(&c->rx, (size_t)n);

	while (c->fd >= 0) {
		memset(&err, 0, sizeof(err));
		/* Only whole messages reach the decoder (frame.h). */
		r = bgp_framer_next(&c->rx, bgp_fsm_max_msg_len(&c->fsm), &m, &mlen, &err);
		if (r == -EAGAIN)
			break;
		memset(&ev, 0, sizeof(ev));
		if (r == 0)
			r = bgp_msg_decode(m, mlen, &c->fsm.session.params, &msg, &err);
		if (r < 0) {
			log_bad_message(p, &err);
			ev.type = BGP_FSM_EV_MSG_ERROR;
			ev.err = &err;
			conn_event(c, &ev);
			return;
		}
		p->st.msgs_in++;
		if (msg.type == BGP_MSG_UPDATE && c->fsm.state == BGP_FSM_ESTABLISHED) {
			p->st.updates_in++;
			enum bgp_af af;

			if (account_update(p, &msg.u.update, &err, &c->fsm.session.params, &af)) {
				conn_prefix_limit(c, af);
				return;
			}
		}
		if (msg.type == BGP_MSG_NOTIFICATION)
			log_notif_rcvd(p, &msg.u.notification);
		if (msg.type == BGP_MSG_ROUTE_REFRESH && c->fsm.state == BGP_FSM_ESTABLISHED) {
			enum bgp_af af;

			/* RFC 2918 section 4: re-send the Adj-RIB-Out of that family. */
			if (!bgp_af_from_afi(msg.u.route_refresh.afi, msg.u.route_refresh.safi,
			                     &af))
				rib_out_refresh(p->rib, af);
		}
		ev.type = BGP_FSM_EV_MSG;
		ev.msg = &msg;
		conn_event(c, &ev);
		if (msg.type == BGP_MSG_ROUTE_REFRESH || msg.type == BGP_MSG_UPDATE)
			if (c->fsm.state == BGP_FSM_ESTABLISHED)
				conn_fill(c);
	}
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	conn_read(w->data);
}

/* Moves queued UPDATEs from the Adj-RIB-Out into the write buffer. */
static void conn_fill(struct conn *c)
{
	struct bgp_peer *p = c->peer;
	bool af[BGP_AF_COUNT];

	if (c->fd < 0 || c->fsm.state != BGP_FSM_ESTABLISHED)
		return;
	for (int i = 0; i < BGP_AF_COUNT; i++)
		af[i] = c->fsm.session.af[i];
	/* Room for one message of the session's size: 64 kB only with
	 * extended messages (RFC 8654), else 4 kB. */
	size_t room = bgp_fsm_max_msg_len(&c->fsm);

	while (buf_len(&c->wbuf) < WBUF_HIGH) {
		uint8_t *w = buf_reserve(&c->wbuf, room);
		ssize_t n;

		if (!w)
			break;
		n = rib_out_next_update(p->rib, w, room, &c->fsm.session.params, af);
		if (n <= 0) {
			if (n < 0)
				log_err("%s: cannot build UPDATE: %s", p->cfg.name,
				        strerror((int)-n));
			break;
		}
		buf_commit(&c->wbuf, (size_t)n);
		p->st.updates_out++;
		p->st.msgs_out++;
	}
	conn_want_write(c);
}

static void conn_write(struct conn *c)
{
	struct bgp_peer *p = c->peer;
	struct bgp_fsm_event ev = {0};
	ssize_t n;

	if (c->connecting) {
		int r = bgp_sock_connect_result(c->fd);

		c->connecting = false;
		ev_io_stop(p->loop, &c->wio);
		if (r < 0) {
			char s[64];

			log_debug("%s: connect to %s failed: %s", p->cfg.name,
			          core_addr_str(&p->cfg.remote, s), strerror(-r));
			close(c->fd);
			c->fd = -1;
			ev.type = BGP_FSM_EV_TCP_FAILED;
		} else {
			ev_io_start(p->loop, &c->rio);
			ev.type = BGP_FSM_EV_TCP_CONNECTED;
		}
		conn_event(c, &ev);
		return;
	}
	for (;;) {
		if (!buf_len(&c->wbuf))
			conn_fill(c);
		if (!buf_len(&c->wbuf))
			break;
		n = write(c->fd, buf_head(&c->wbuf), buf_len(&c->wbuf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			ev.type = BGP_FSM_EV_TCP_CLOSED;
			conn_event(c, &ev);
			return;
		}
		buf_consume(&c->wbuf, (size_t)n);
		if (buf_len(&c->wbuf))
			return; /* the socket is full: wait for the next writable */
	}
	ev_io_stop(p->loop, &c->wio);
	/* A burst of UPDATEs grew it to a few hundred kB: drained, it goes. */
	buf_trim(&c->wbuf, BUF_KEEP);
	if (p->shutting_down && c == p->cur)
		peer_rearm(p); /* the withdrawals are out: time to say goodbye */
}

static void on_write(struct ev_loop *loop, ev_io *w, int revents)
{
	conn_write(w->data);
}

static void conn_attach(struct conn *c, int fd, bool connecting)
{
	struct bgp_peer *p = c->peer;

	c->fd = fd;
	c->connecting = connecting;
	ev_io_init(&c->rio, on_read, fd, EV_READ);
	ev_io_init(&c->wio, on_write, fd, EV_WRITE);
	c->rio.data = c->wio.data = c;
	if (connecting)
		ev_io_start(p->loop, &c->wio);
	else
		ev_io_start(p->loop, &c->rio);
}

static void conn_connect(struct conn *c)
{
	struct bgp_peer *p = c->peer;
	struct bgp_sock_opts o = {
	    .md5_key = p->cfg.md5_key,
	    .ttl = p->cfg.ttl,
	    .local = p->cfg.local.family ? &p->cfg.local : NULL,
	    .mss = p->cfg.tcp_mss,
	};
	int fd;

	conn_close(c);
	fd = bgp_sock_connect(&p->cfg.remote, p->cfg.remote_port, &o);
	if (fd < 0) {
		struct bgp_fsm_event ev = {.type = BGP_FSM_EV_TCP_FAILED};

		log_limited(p->cfg.loglimit, &ll_connect, p->cfg.name, strerror(-fd), core_now_ms(),
		            "%s: cannot connect: %s", p->cfg.name, strerror(-fd));
		conn_event(c, &ev);
		return;
	}
	conn_attach(c, fd, true);
}

void bgp_peer_accept(struct bgp_peer *p, int fd)
{
	struct bgp_fsm_event ev = {.type = BGP_FSM_EV_TCP_ACCEPTED};

	if (p->shutting_down) {
		close(fd);
		return;
	}
	/* RFC 4271 section 8: an accepted connection must be authenticated the
	 * same way; the listening socket carries the key, so it already is. */
	if (p->cfg.ttl > 0)
		bgp_sock_set_ttl(fd, p->cfg.remote.family, p->cfg.ttl);
	switch (bgp_fsm_accept(&p->cur->fsm)) {
	case BGP_FSM_ACCEPT_HERE:
		conn_close(p->cur);
		conn_attach(p->cur, fd, false);
		conn_event(p->cur, &ev);
		break;
	case BGP_FSM_ACCEPT_SECOND:
		if (p->alt->in_use) {
			close(fd);
			break;
		}
		conn_close(p->alt);
		if (bgp_fsm_init_incoming(&p->alt->fsm, &p->cfg.fsm, core_now_ms()) < 0) {
			close(fd);
			break;
		}
		p->alt->in_use = true;
		conn_attach(p->alt, fd, false);
		conn_event(p->alt, &ev);
		break;
	default:
		log_debug("%s: refused a connection: %s", p->cfg.name,
		          p->cur->fsm.idle_hold ? "idle hold after the prefix limit" : "Idle");
		close(fd);
		break;
	}
}

/* ---- timers ---- */

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bgp_peer *p = w->data;
	uint64_t now = core_now_ms();

	if (p->shutting_down && !p->stopped) {
		bool drained =
		    !buf_len(&p->cur->wbuf) && !rib_out_has_pending(p->rib, p->cur->fsm.session.af);

		if (p->cur->fsm.state != BGP_FSM_ESTABLISHED || drained ||
		    now >= p->shutdown_deadline) {
			struct bgp_fsm_event ev = {.type = BGP_FSM_EV_MANUAL_STOP};

			p->stopped = true;
			conn_event(p->cur, &ev);
			conn_close(p->cur);
			if (p->alt->in_use)
				conn_close(p->alt);
			p->alt->in_use = false;
			ev_timer_stop(p->loop, &p->timer);
			return;
		}
	}
	if (bgp_fsm_next_deadline(&p->cur->fsm) <= now) {
		struct bgp_fsm_event ev = {.type = BGP_FSM_EV_TIMER};

		conn_event(p->cur, &ev);
	}
	if (p->alt->in_use && bgp_fsm_next_deadline(&p->alt->fsm) <= now) {
		struct bgp_fsm_event ev = {.type = BGP_FSM_EV_TIMER};

		conn_event(p->alt, &ev);
	}
	peer_rearm(p);
}

static void peer_rearm(struct bgp_peer *p)
{
	uint64_t now = core_now_ms(), at = bgp_fsm_next_deadline(&p->cur->fsm);

	if (p->stopped)
		return;
	if (p->alt->in_use && bgp_fsm_next_deadline(&p->alt->fsm) < at)
		at = bgp_fsm_next_deadline(&p->alt->fsm);
	if (p->shutting_down) {
		uint64_t soon = buf_len(&p->cur->wbuf) ? now + 50 : now;

		if (soon < at)
			at = soon;
	}
	ev_timer_stop(p->loop, &p->timer);
	if (at == BGP_FSM_NEVER)
		return;
	ev_timer_set(&p->timer, at > now ? (double)(at - now) / 1000.0 : 0.0, 0.0);
	ev_timer_start(p->loop, &p->timer);
}

/* ---- lifecycle ---- */

struct bgp_peer *bgp_peer_new(struct ev_loop *loop, const struct bgp_peer_cfg *cfg,
                              const struct prefix_set *routes,
                              const struct bgp_route_attrs_tab *attrs, bgp_peer_state_fn fn,
                              void *arg)
{
	struct bgp_peer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->loop = loop;
	p->cfg = *cfg;
	p->routes = routes;
	p->state_fn = fn;
	p->state_arg = arg;
	p->rand_state = (unsigned)core_now_ms() ^ (unsigned)(uintptr_t)p;
	p->cur = &p->conns[0];
	p->alt = &p->conns[1];
	conn_init(p->cur, p);
	conn_init(p->alt, p);
	prefix_set_init(&p->received);
	p->rib = rib_out_new();
	rib_out_map_init(&p->map, p->rib, attrs);
	if (!p->rib || bgp_fsm_init(&p->cur->fsm, &p->cfg.fsm, core_now_ms()) < 0) {
		bgp_peer_free(p);
		return NULL;
	}
	ev_init(&p->timer, on_timer);
	p->timer.data = p;
	peer_rearm(p);
	return p;
}

void bgp_peer_free(struct bgp_peer *p)
{
	if (!p)
		return;
	if (p->cur->fd >= 0 && !p->stopped) {
		struct bgp_fsm_event ev = {.type = BGP_FSM_EV_PEER_UNCONFIGURED};
		struct bgp_fsm_actions a;

		if (bgp_fsm_handle(&p->cur->fsm, &ev, core_now_ms(), &a) == 0 &&
		    (a.flags & BGP_FSM_ACT_SEND_NOTIFICATION))
			conn_queue(p->cur, enc_notification, &a);
	}
	if (p->loop)
		ev_timer_stop(p->loop, &p->timer);
	conn_fini(p->cur);
	conn_fini(p->alt);
	prefix_set_fini(&p->received);
	if (p->rib)
		rib_out_map_fini(&p->map);
	rib_out_free(p->rib);
	free(p);
}

const struct bgp_peer_cfg *bgp_peer_config(const struct bgp_peer *p)
{
	return &p->cfg;
}

void bgp_peer_get_stats(const struct bgp_peer *p, struct bgp_peer_stats *st)
{
	struct rib_out_stats rs;

	*st = p->st;
	st->state = p->cur->fsm.state;
	rib_out_stats(p->rib, &rs);
	for (int i = 0; i < BGP_AF_COUNT; i++)
		st->announced[i] = rs.sent[i];
}

static bool session_cfg_equal(const struct bgp_peer_cfg *a, const struct bgp_peer_cfg *b)
{
	struct bgp_peer_cfg x = *a, y = *b;

	/* Fields that apply without a new session. */
	memset(x.max_prefixes, 0, sizeof(x.max_prefixes));
	memset(y.max_prefixes, 0, sizeof(y.max_prefixes));
	x.fsm.idle_hold_ms = y.fsm.idle_hold_ms = 0;
	x.fsm.idle_hold_max_ms = y.fsm.idle_hold_max_ms = 0;
	x.fsm.idle_hold_reset_ms = y.fsm.idle_hold_reset_ms = 0;
	memcpy(x.name, y.name, sizeof(x.name));
	x.fsm.admin_down = y.fsm.admin_down = false;
	x.fsm.bfd_strict = y.fsm.bfd_strict = false;
	x.link_bw_non_transitive = y.link_bw_non_transitive = false;
	return !memcmp(&x, &y, sizeof(x));
}

/* Feeds a BFD or admin event to both connections while two run. */
static void peer_event_all(struct bgp_peer *p, enum bgp_fsm_event_type type)
{
	struct bgp_fsm_event ev = {.type = type};

	if (p->alt->in_use)
		conn_event(p->alt, &ev);
	conn_event(p->cur, &ev);
}

void bgp_peer_bfd(struct bgp_peer *p, bool up)
{
	peer_event_all(p, up ? BGP_FSM_EV_BFD_UP : BGP_FSM_EV_BFD_DOWN);
}

void bgp_peer_bfd_admin_down(struct bgp_peer *p)
{
	peer_event_all(p, BGP_FSM_EV_BFD_ADMIN_DOWN);
}

/*
 * bfd.strict applies in place: a running session is left alone when it
 * is turned on; an FSM that waited for BFD starts when it is turned off.
 */
static void peer_strict_set(struct bgp_peer *p, bool strict)
{
	struct bgp_fsm *f = &p->cur->fsm;

	p->cfg.fsm.bfd_strict = strict;
	p->cur->fsm.cfg.bfd_strict = p->alt->fsm.cfg.bfd_strict = strict;
	if (!strict && f->state == BGP_FSM_IDLE && f->retry_at == BGP_FSM_NEVER &&
	    !f->cfg.admin_down && !f->idle_hold)
		peer_event_all(p, BGP_FSM_EV_MANUAL_START);
}

static bool limits_equal(const struct bgp_peer_cfg *a, const struct bgp_peer_cfg *b)
{
	return !memcmp(a->max_prefixes, b->max_prefixes, sizeof(a->max_prefixes)) &&
	       a->fsm.idle_hold_ms == b->fsm.idle_hold_ms &&
	       a->fsm.idle_hold_max_ms == b->fsm.idle_hold_max_ms &&
	       a->fsm.idle_hold_reset_ms == b->fsm.idle_hold_reset_ms;
}

int bgp_peer_reconfigure(struct bgp_peer *p, const struct bgp_peer_cfg *cfg)
{
	bool was_down = p->cfg.fsm.admin_down, limits = !limits_equal(&p->cfg, cfg);
	bool link_bw_type = p->cfg.link_bw_non_transitive != cfg->link_bw_non_transitive;

	if (p->cfg.fsm.bfd_strict != cfg->fsm.bfd_strict)
		peer_strict_set(p, cfg->fsm.bfd_strict);

	if (!session_cfg_equal(&p->cfg, cfg)) {
		struct bgp_fsm_event ev = {.type = BGP_FSM_EV_CONFIG_CHANGED, .cfg = &cfg->fsm};

		log_info("%s: configuration changed, restarting the session", cfg->name);
		p->cfg = *cfg;
		if (p->alt->in_use) {
			conn_close(p->alt);
			p->alt->in_use = false;
		}
		conn_event(p->cur, &ev);
	} else if (was_down != cfg->fsm.admin_down) {
		struct bgp_fsm_event ev = {.type = cfg->fsm.admin_down ? BGP_FSM_EV_MANUAL_STOP
		                                                       : BGP_FSM_EV_MANUAL_START};

		p->cfg.fsm.admin_down = cfg->fsm.admin_down;
		log_info("%s: admin %s", cfg->name, cfg->fsm.admin_down ? "down" : "up");
		conn_event(p->cur, &ev);
	}
	/* After a config change (which waits out an idle hold): the limits
	 * end the hold, with the new config. */
	if (limits) {
		struct bgp_fsm_event ev = {.type = BGP_FSM_EV_LIMITS_CHANGED, .cfg = &cfg->fsm};

		log_info("%s: prefix limit or idle hold changed", cfg->name);
		p->cfg = *cfg;
		conn_event(p->cur, &ev);
	}
	/* The link bandwidth community's type: the routes that carry one get
	 * a new set, in UPDATEs; the others intern to the sets they have. */
	if (link_bw_type) {
		struct rib_out_map_session sess;

		log_info("%s: link bandwidth community now %s", cfg->name,
		         cfg->link_bw_non_transitive ? "non-transitive" : "transitive");
		p->cfg.link_bw_non_transitive = cfg->link_bw_non_transitive;
		sess = peer_map_session(p);
		rib_out_map_session(&p->map, &sess);
		if (!p->shutting_down) {
			peer_load_routes(p);
			conn_fill(p->cur);
		}
	}
	return 0;
}

void bgp_peer_shutdown(struct bgp_peer *p)
{
	if (p->shutting_down)
		return;
	p->shutting_down = true;
	p->shutdown_deadline = core_now_ms() + SHUTDOWN_MS;
	for (size_t i = 0; i < p->routes->n; i++)
		rib_out_withdraw(p->rib, &p->routes->v[i]);
	conn_fill(p->cur);
	peer_rearm(p);
}

bool bgp_peer_stopped(const struct bgp_peer *p)
{
	return p->stopped;
}
