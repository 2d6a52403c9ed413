/*
 * The speaker's BFD sessions and what their state does to BGP
 * (speaker/bfd.h). Few peers: a list of entries, each on the heap so
 * that it can be the session callback's argument.
 */
#include "speaker/bfd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

#define RETRY_OPEN_MS 60000 /* sockets that did not open: tried again after */

struct sbfd_peer {
	struct speaker_bfd *b;
	char key[256];         /* BgpPeer name */
	struct bgp_peer *peer; /* borrowed; NULL until attached */
	struct bfd_sess *bs;   /* owned */
	uint64_t changed_wall_ms;
};

struct speaker_bfd {
	struct ev_loop *loop; /* borrowed */
	speaker_bfd_state_fn fn;
	void *arg;
	struct bfd_io *io; /* owned; NULL while no BgpPeer uses BFD */
	bool ever_open;
	bool open_failed_logged;
	uint64_t open_retry_at;   /* core_now_ms: no new try before */
	struct bfd_io_stats base; /* counters of the ios closed so far */
	struct sbfd_peer **v;     /* owned */
	size_t n, cap;
};

static const char *peer_name(const struct sbfd_peer *e)
{
	const struct bfd_sess_cfg *c = e->bs ? bfd_sess_config(e->bs) : NULL;

	return c && c->name[0] ? c->name : e->key;
}

/* ---- what a state change does to BGP ---- */

enum speaker_bfd_bgp speaker_bfd_bgp_action(enum bfd_state from, enum bfd_state to,
                                            enum bfd_state remote)
{
	if (to == BFD_STATE_UP)
		return from == BFD_STATE_UP ? SPEAKER_BFD_BGP_NONE : SPEAKER_BFD_BGP_UP;
	if (from != BFD_STATE_UP)
		return SPEAKER_BFD_BGP_NONE;
	/* RFC 5882 section 4.3: Up -> Down is the path failing, unless the
	 * peer said AdminDown; section 3.2: AdminDown, the peer's or ours,
	 * is no failure, and strict only holds the next start. */
	if (to == BFD_STATE_DOWN && remote != BFD_STATE_ADMIN_DOWN)
		return SPEAKER_BFD_BGP_DOWN;
	return SPEAKER_BFD_BGP_ADMIN_DOWN;
}

/* For the log line of a failure: what BGP_FSM_EV_BFD_DOWN does to p. */
static const char *bgp_effect(const struct bgp_peer *p)
{
	struct bgp_peer_stats st;

	if (!p)
		return "no BGP session yet";
	bgp_peer_get_stats(p, &st);
	if (st.state >= BGP_FSM_OPENSENT)
		return "closing the BGP session (Cease / BFD Down, RFC 9384)";
	if (bgp_peer_config(p)->fsm.bfd_strict)
		return "BGP waits for BFD Up (strict)";
	return "the BGP session is not open";
}

static void on_state(struct bfd_sess *bs, enum bfd_state from, enum bfd_state to,
                     enum bfd_diag diag, enum bfd_state remote, void *arg)
{
	struct sbfd_peer *e = arg;
	struct speaker_bfd *b = e->b;
	const struct bfd_session *s = bfd_sess_session(bs);
	const char *name = peer_name(e);
	char as[CORE_ADDR_STRLEN];

	core_addr_str(&bfd_sess_config(bs)->remote, as);
	e->changed_wall_ms = core_wall_ms();
	switch (speaker_bfd_bgp_action(from, to, remote)) {
	case SPEAKER_BFD_BGP_UP:
		log_info("%s: BFD to %s %s -> Up (transmit every %u ms, detection time %llu ms)",
		         name, as, bfd_state_name(from), bfd_session_tx_interval(s) / 1000,
		         (unsigned long long)(bfd_session_detect_time(s) / 1000));
		if (e->peer)
			bgp_peer_bfd(e->peer, true);
		break;
	case SPEAKER_BFD_BGP_DOWN:
		log_warn("%s: BFD to %s Up -> Down (%s): %s", name, as, bfd_diag_name(diag),
		         bgp_effect(e->peer));
		if (e->peer)
			bgp_peer_bfd(e->peer, false);
		break;
	case SPEAKER_BFD_BGP_ADMIN_DOWN:
		log_info("%s: BFD to %s Up -> %s (%s)%s: not a failure, the BGP session stays",
		         name, as, bfd_state_name(to), bfd_diag_name(diag),
		         remote == BFD_STATE_ADMIN_DOWN ? ", the peer is administratively down"
		                                        : "");
		if (e->peer)
			bgp_peer_bfd_admin_down(e->peer);
		break;
	case SPEAKER_BFD_BGP_NONE:
		log_info("%s: BFD to %s %s -> %s (%s)", name, as, bfd_state_name(from),
		         bfd_state_name(to), bfd_diag_name(diag));
		break;
	}
	if (b->fn)
		b->fn(e->key, from, to, diag, b->arg);
}

/* ---- sockets ---- */

static bool io_open(struct speaker_bfd *b)
{
	uint64_t now = core_now_ms();
	int err = 0;

	if (b->io)
		return true;
	if (b->open_retry_at && now < b->open_retry_at)
		return false;
	b->io = bfd_io_new(b->loop, 0, 0, &err);
	if (!b->io) {
		b->open_retry_at = now + RETRY_OPEN_MS;
		if (!b->open_failed_logged)
			log_err(
			    "BFD: cannot open the BFD sockets (UDP 3784 and 4784): %s: BgpPeers "
			    "with spec.bfd run BGP without BFD (tried again at configuration "
			    "changes, once a minute at most)",
			    strerror(-err));
		b->open_failed_logged = true;
		return false;
	}
	if (b->open_failed_logged)
		log_info("BFD: the BFD sockets are open now");
	b->open_failed_logged = false;
	b->open_retry_at = 0;
	b->ever_open = true;
	return true;
}

static void stats_add(struct bfd_io_stats *to, const struct bfd_io_stats *st)
{
	to->rx += st->rx;
	to->tx += st->tx;
	to->send_errors += st->send_errors;
	for (int i = 0; i < BFD_DROP_COUNT; i++)
		to->dropped[i] += st->dropped[i];
}

/* No BgpPeer uses BFD any more: the ports are left to others. */
static void io_close_if_idle(struct speaker_bfd *b)
{
	struct bfd_io_stats st;

	if (b->n || !b->io)
		return;
	bfd_io_get_stats(b->io, &st);
	stats_add(&b->base, &st);
	bfd_io_free(b->io);
	b->io = NULL;
	log_info("BFD: no BgpPeer uses BFD any more: sockets closed");
}

/* ---- entries ---- */

static struct sbfd_peer *find(const struct speaker_bfd *b, const char *key)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->v[i]->key, key))
			return b->v[i];
	return NULL;
}

static struct sbfd_peer *add(struct speaker_bfd *b, const char *key)
{
	struct sbfd_peer *e;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		struct sbfd_peer **v = reallocarray(b->v, cap, sizeof(*v));

		if (!v)
			return NULL;
		b->v = v;
		b->cap = cap;
	}
	if (!(e = calloc(1, sizeof(*e))))
		return NULL;
	e->b = b;
	snprintf(e->key, sizeof(e->key), "%s", key);
	b->v[b->n++] = e;
	return e;
}

/* Ends e's session (AdminDown x3); p, when given and BFD was Up, learns
 * that it no longer is. */
static void sess_end(struct sbfd_peer *e, struct bgp_peer *p)
{
	if (!e->bs)
		return;
	if (p && bfd_sess_session(e->bs)->state == BFD_STATE_UP)
		bgp_peer_bfd_admin_down(p);
	bfd_sess_free(e->bs);
	e->bs = NULL;
}

static void drop(struct speaker_bfd *b, struct sbfd_peer *e, struct bgp_peer *p)
{
	sess_end(e, p);
	for (size_t i = 0; i < b->n; i++) {
		if (b->v[i] == e) {
			b->v[i] = b->v[--b->n];
			break;
		}
	}
	free(e);
	io_close_if_idle(b);
}

static void strict_off(struct bgp_peer_cfg *pc, const char *name)
{
	if (!pc || !pc->fsm.bfd_strict)
		return;
	pc->fsm.bfd_strict = false;
	log_warn("%s: bfd.strict ignored: no BFD session runs for this peer, BGP does not wait "
	         "for one",
	         name);
}

static bool same_identity(const struct bfd_sess_cfg *a, const struct bfd_sess_cfg *b)
{
	return core_addr_equal(&a->remote, &b->remote) && core_addr_equal(&a->local, &b->local) &&
	       a->multihop == b->multihop;
}

static void log_started(const struct sbfd_peer *e, const struct bfd_sess_cfg *c, bool strict)
{
	char as[CORE_ADDR_STRLEN];

	core_addr_str(&c->remote, as);
	log_info("%s: BFD session to %s started (%s, receive %u ms, transmit %u ms, multiplier "
	         "%u%s)",
	         peer_name(e), as, c->multihop ? "multihop" : "single hop",
	         c->timers.required_min_rx_us / 1000, c->timers.desired_min_tx_us / 1000,
	         c->timers.detect_mult, strict ? ", strict: BGP waits for it" : "");
}

void speaker_bfd_sync(struct speaker_bfd *b, const char *key, struct bgp_peer *p,
                      const struct bfd_sess_cfg *want, struct bgp_peer_cfg *pc)
{
	struct sbfd_peer *e = find(b, key);
	const char *name = want && want->name[0] ? want->name : key;
	int err = 0;

	if (!want) {
		if (e) {
			log_info("%s: BFD off", peer_name(e));
			drop(b, e, p);
		}
		return;
	}
	if (!io_open(b)) {
		if (e)
			drop(b, e, p);
		strict_off(pc, name);
		return;
	}
	if (!e && !(e = add(b, key))) {
		log_err("%s: out of memory: BGP runs without BFD", name);
		strict_off(pc, name);
		io_close_if_idle(b);
		return;
	}
	if (p)
		e->peer = p;
	if (e->bs && !same_identity(bfd_sess_config(e->bs), want)) {
		log_info("%s: BFD address or hop mode changed: starting the session again", name);
		sess_end(e, e->peer);
	}
	if (e->bs) {
		err = bfd_sess_reconfigure(e->bs, want);
		if (err < 0)
			log_err("%s: BFD settings not applied: %s", name, strerror(-err));
		return;
	}
	e->bs = bfd_sess_new(b->io, want, on_state, e, &err);
	if (!e->bs) {
		char as[CORE_ADDR_STRLEN];

		log_err("%s: cannot start the BFD session to %s: %s%s: BGP runs without BFD", name,
		        core_addr_str(&want->remote, as), strerror(-err),
		        err == -EEXIST ? " (another BgpPeer has a session to that address)" : "");
		drop(b, e, p);
		strict_off(pc, name);
		return;
	}
	log_started(e, want, pc && pc->fsm.bfd_strict);
}

void speaker_bfd_attach(struct speaker_bfd *b, const char *key, struct bgp_peer *p)
{
	struct sbfd_peer *e = find(b, key);

	if (e)
		e->peer = p;
}

void speaker_bfd_gone(struct speaker_bfd *b, const char *key)
{
	struct sbfd_peer *e = find(b, key);

	if (e)
		drop(b, e, NULL);
}

void speaker_bfd_admin_down(struct speaker_bfd *b)
{
	for (size_t i = 0; b && i < b->n; i++)
		if (b->v[i]->bs)
			bfd_sess_admin(b->v[i]->bs, true);
}

/* ---- lifecycle and views ---- */

struct speaker_bfd *speaker_bfd_new(struct ev_loop *loop, speaker_bfd_state_fn fn, void *arg)
{
	struct speaker_bfd *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->loop = loop;
	b->fn = fn;
	b->arg = arg;
	return b;
}

void speaker_bfd_free(struct speaker_bfd *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		bfd_sess_free(b->v[i]->bs);
		free(b->v[i]);
	}
	b->n = 0;
	bfd_io_free(b->io);
	free(b->v);
	free(b);
}

const struct bfd_sess *speaker_bfd_find(const struct speaker_bfd *b, const char *key,
                                        uint64_t *changed_wall_ms)
{
	const struct sbfd_peer *e = b ? find(b, key) : NULL;

	if (changed_wall_ms)
		*changed_wall_ms = e ? e->changed_wall_ms : 0;
	return e ? e->bs : NULL;
}

void speaker_bfd_foreach(const struct speaker_bfd *b, speaker_bfd_fn fn, void *arg)
{
	for (size_t i = 0; b && i < b->n; i++)
		if (b->v[i]->bs)
			fn(b->v[i]->key, b->v[i]->bs, b->v[i]->changed_wall_ms, arg);
}

bool speaker_bfd_stats(const struct speaker_bfd *b, struct bfd_io_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!b || !b->ever_open)
		return false;
	*st = b->base;
	if (b->io) {
		struct bfd_io_stats cur;

		bfd_io_get_stats(b->io, &cur);
		stats_add(st, &cur);
	}
	return true;
}
