/*
 * Layer 2 mode on one node (see l2.h): plan, heartbeats, responders.
 */
#include "speaker/l2.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/strs.h"
#include "l2/io.h"
#include "l2/member_io.h"
#include "speaker/l2_plan.h"

#define IFNAME_LEN 16
#define WHY_LEN    160
#define ERR_LEN    120  /* what a callee says, inside a WHY_LEN message */
#define POLL_S     0.05 /* s: how often the start-up hold, the carriers and the key are checked */
#define NAME_LEN   256

/* An interface with a responder. */
struct l2_if {
	char name[IFNAME_LEN];
	struct l2_io *io; /* owned */
	bool carrier;     /* as of the last poll: a plan reads this, never the live state,
	                     so that a carrier back is seen first by on_poll (which holds) */
	struct speaker_l2 *l;
};

/* An address this node answers for (or will, after the commit). */
struct owned {
	struct core_addr addr;
	char ifname[IFNAME_LEN];
	bool takeover;         /* not first in line: a failover */
	char *ns, *name, *uid; /* one owned block (core/strs.h), at ns */
};

/* How a layer2 Eip's spec.interface resolves on this node. */
struct eip_res {
	const struct cfg_eip *e; /* borrowed from the planned set */
	char ifname[IFNAME_LEN]; /* "" when it does not */
	char why[WHY_LEN];
};

struct speaker_l2 {
	struct ev_loop *loop;
	struct speaker_l2_opts o;
	char node[NAME_LEN];
	struct l2_hb_key key;
	bool has_key;
	struct l2_member_io *mio; /* owned; NULL until the first layer2 Eip */
	bool mio_failed;          /* logged once */
	ev_timer poll; /* the start-up hold, carriers, key trust: apply again on a change */
	bool was_ready, was_trusted, was_held;
	struct l2_if **ifs; /* owned array of owned responders (their address is
	                       their responder's ctx: they never move) */
	size_t n_ifs;
	struct owned *cur, *next; /* owned arrays, sorted by address */
	size_t n_cur, n_next;
	struct l2_plan plan;          /* borrows from the set of the last plan: read only in it */
	size_t n_watch, n_watch_down; /* for the metrics, counted at each plan and event */
	char **watch_names;           /* owned copies: the watch set of the state machine */
	size_t n_watch_names;
	struct eip_res *res; /* owned array, one per layer2 Eip of the set */
	size_t n_res;
	char **unserved; /* owned: names of the Eips reported unserved */
	size_t n_unserved;
	bool leaving;
	uint64_t gained, takeovers, released;
};

/* ---- owned addresses ---- */

static void owned_free(struct owned *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].ns);
	free(v);
}

static int owned_cmp(const void *a, const void *b)
{
	return core_addr_cmp(&((const struct owned *)a)->addr, &((const struct owned *)b)->addr);
}

static const struct owned *owned_find(const struct owned *v, size_t n, const struct core_addr *a)
{
	struct owned k = {.addr = *a};

	return n ? bsearch(&k, v, n, sizeof(*v), owned_cmp) : NULL;
}

/* The responders ask this at each packet. */
static bool owns(void *ctx, const struct core_addr *a)
{
	const struct l2_if *f = ctx;
	const struct owned *o = owned_find(f->l->cur, f->l->n_cur, a);

	return o && !f->l->leaving && !strcmp(o->ifname, f->name);
}

/* ---- interfaces ---- */

static void on_conflict(const char *ifname, const struct core_addr *a, const struct l2_mac *other,
                        void *arg)
{
	char str[CORE_ADDR_STRLEN];

	(void)arg;
	log_warn("layer2: %s: another host (%02x:%02x:%02x:%02x:%02x:%02x) claims %s, which this "
	         "node answers for",
	         ifname, other->b[0], other->b[1], other->b[2], other->b[3], other->b[4],
	         other->b[5], core_addr_str(a, str));
}

static struct l2_if *if_find(struct speaker_l2 *l, const char *name)
{
	for (size_t i = 0; i < l->n_ifs; i++)
		if (!strcmp(l->ifs[i]->name, name))
			return l->ifs[i];
	return NULL;
}

/* The responder on name, opened on first use. NULL with why filled. */
static struct l2_if *if_open(struct speaker_l2 *l, const char *name, char *why, size_t len)
{
	static const struct l2_io_hooks hooks = {.conflict = on_conflict};
	struct l2_if *f = if_find(l, name), **nv;
	char err[ERR_LEN];
	int r;

	if (f)
		return f;
	if (!(nv = reallocarray(l->ifs, l->n_ifs + 1, sizeof(*nv))) ||
	    !(f = calloc(1, sizeof(*f)))) {
		if (nv)
			l->ifs = nv;
		snprintf(why, len, "out of memory");
		return NULL;
	}
	l->ifs = nv;
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->l = l;
	/* Only the owner may answer ARP, though the kernel would answer for
	 * any local address (kube-ipvs0 holds them all): l2/io.h. */
	if (l2_io_strict_arp(name, err, sizeof(err)) < 0)
		log_warn("layer2: %s (other nodes may answer ARP for its addresses too)", err);
	r = l2_io_open(l->loop, name, owns, f, &hooks, &f->io, err, sizeof(err));
	if (r < 0) {
		snprintf(why, len, "%s", err);
		free(f);
		return NULL;
	}
	f->carrier = l2_io_carrier(f->io);
	l->ifs[l->n_ifs++] = f;
	log_info("layer2: answering ARP and NDP on %s", name);
	return f;
}

/* ---- heartbeats ---- */

/* Watched members Down now, for the metrics (the plan's names are only
 * valid during a plan). */
static void count_down(struct speaker_l2 *l)
{
	struct l2_member *m = l2_member_io_fsm(l->mio);

	l->n_watch = l->plan.n_watch;
	l->n_watch_down = 0;
	for (size_t i = 0; i < l->plan.n_watch; i++)
		l->n_watch_down += l2_member_state(m, l->plan.watch[i]) == L2_PEER_DOWN;
}

static void on_member(const struct l2_member_ev *ev, void *arg)
{
	static const char *const names[] = {"pending", "up", "down"};
	struct speaker_l2 *l = arg;

	if (ev->kind == L2_MEMBER_REJOINED) {
		/* Our link was down: clients and switches may have moved to
		 * another node meanwhile. */
		log_info("layer2: heard from the other speakers again: announcing the %zu "
		         "addresses this node answers for",
		         l->n_cur);
		for (size_t i = 0; i < l->n_cur; i++) {
			struct l2_if *f = if_find(l, l->cur[i].ifname);

			if (f)
				l2_io_announce(f->io, &l->cur[i].addr);
		}
		return;
	}
	if (ev->kind == L2_MEMBER_HELD) {
		bool held = l2_member_held(l2_member_io_fsm(l->mio));

		if (held != l->was_held)
			log_info(held ? "layer2: node %s waits: another node still answers for "
			                "addresses this one is ahead for (handover)"
			              : "layer2: node %s: handover done",
			         l->node);
		l->was_held = held;
		if (l->o.changed)
			l->o.changed(l->o.changed_arg);
		return;
	}
	if (ev->kind != L2_MEMBER_STATE)
		return;
	if (ev->old != ev->now) {
		log_info("layer2: speaker of node %s: %s -> %s", ev->peer, names[ev->old],
		         names[ev->now]);
		if (ev->now == L2_PEER_DOWN)
			l->n_watch_down++;
		else if (ev->old == L2_PEER_DOWN && l->n_watch_down)
			l->n_watch_down--;
	}
	if (l->o.changed)
		l->o.changed(l->o.changed_arg);
}

/* The heartbeats' interval and detection time, in ms (l2/member.h
 * defaults). */
static uint64_t interval_ms(const struct speaker_l2 *l)
{
	return l->o.member.interval_ms ? l->o.member.interval_ms : 100;
}

static uint64_t detect_ms(const struct speaker_l2 *l)
{
	return interval_ms(l) * (l->o.member.detect_mult ? l->o.member.detect_mult : 3);
}

/*
 * Whether this node's key is the others': a speaker that only ever gets
 * heartbeats from members' addresses that fail their HMAC, and accepts
 * none, holds another key (or none). It would count every other node
 * gone and answer for everything beside them: it answers nothing
 * instead. A forger cannot silence a node this way as long as the node
 * hears valid heartbeats, which every node that is ahead of another in
 * line does.
 */
static bool key_trusted(const struct speaker_l2 *l, uint64_t now)
{
	struct l2_member_io_stats st;
	uint64_t window = 3 * detect_ms(l);

	l2_member_io_get_stats(l->mio, &st);
	if (!st.last_bad_auth_member_ms || now - st.last_bad_auth_member_ms > window)
		return true;
	return st.last_valid_ms && now - st.last_valid_ms <= window;
}

/* Carriers lost or back since the last poll. One back: the hold starts
 * again (l2_member_hold), as at start-up: the nodes that answered while
 * this one was cut off let go only when they see it READY again, and it
 * answers only once they did (HOLDING), so the two never answer at once. */
static bool carriers_poll(struct speaker_l2 *l, uint64_t now)
{
	bool changed = false;

	for (size_t i = 0; i < l->n_ifs; i++) {
		struct l2_if *f = l->ifs[i];
		bool c = l2_io_carrier(f->io);

		if (c == f->carrier)
			continue;
		f->carrier = c;
		changed = true;
		if (c && l->mio)
			l2_member_hold(l2_member_io_fsm(l->mio), now);
		log_warn("layer2: %s: carrier %s", f->name,
		         c ? "back: answering again after the start-up hold"
		           : "lost: its addresses go to the next in line");
	}
	return changed;
}

/* What the heartbeats' callbacks do not report: the end of the start-up
 * hold, a carrier lost or back, the key trusted or not. */
static void on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct speaker_l2 *l = w->data;
	uint64_t now = core_now_ms();
	bool carriers = carriers_poll(l, now);
	bool ready = l2_member_self_ready(l2_member_io_fsm(l->mio), now);
	bool trusted = key_trusted(l, now);

	(void)loop;
	(void)revents;
	if (ready == l->was_ready && trusted == l->was_trusted && !carriers)
		return;
	if (ready && !l->was_ready)
		log_info("layer2: start-up hold over: node %s may answer", l->node);
	if (trusted != l->was_trusted)
		log_err(
		    trusted
		        ? "layer2: heartbeats of the other speakers are accepted again: node "
		          "%s may answer"
		        : "layer2: every heartbeat from the other nodes fails its HMAC and none "
		          "passes: is --member-key-file the same on every node? node %s "
		          "answers for nothing meanwhile",
		    l->node);
	l->was_ready = ready;
	l->was_trusted = trusted;
	if (l->o.changed)
		l->o.changed(l->o.changed_arg);
}

/* Opens the heartbeat socket (once). false when it is not open. */
static bool mio_open(struct speaker_l2 *l)
{
	struct l2_member_io_opts mo = {
	    .self = l->node,
	    .listen = l->o.listen,
	    .port = l->o.port,
	    .key = l->has_key ? &l->key : NULL,
	    .member = l->o.member,
	    .on_event = on_member,
	    .arg = l,
	};
	char err[WHY_LEN];

	if (l->mio)
		return true;
	/* Tried again at every plan (the port may be free later), logged
	 * once. */
	if (l2_member_io_new(l->loop, &mo, &l->mio, err, sizeof(err)) < 0) {
		if (!l->mio_failed)
			log_err("layer2: heartbeats: %s: this node answers for nothing until they "
			        "work (it could not tell whether the others are alive)",
			        err);
		l->mio_failed = true;
		return false;
	}
	l->mio_failed = false;
	log_info("layer2: heartbeats on UDP port %u%s", l2_member_io_port(l->mio),
	         l->has_key ? ", signed" : "");
	if (!l->has_key)
		log_warn("layer2: heartbeats are not authenticated (no --member-key-file): any "
		         "host on the node network can make this node give up its addresses");
	l->was_trusted = true;
	ev_timer_start(l->loop, &l->poll);
	return true;
}

/* Members: the set's Nodes at their first InternalIP. */
static int members_set(struct speaker_l2 *l, const struct cfg_set *set)
{
	struct l2_member_peer *v = calloc(set->n_nodes + 1, sizeof(*v));
	uint16_t port = l->o.port ? l->o.port : SPEAKER_L2_PORT;
	size_t n = 0;
	int r;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < set->n_nodes; i++) {
		const struct core_addr *ip = cfg_node_ip(&set->nodes[i], "InternalIP", 0);

		if (ip)
			v[n++] = (struct l2_member_peer){set->nodes[i].meta.name, *ip, port};
	}
	r = l2_member_set_peers(l2_member_io_fsm(l->mio), v, n);
	free(v);
	return r;
}

/* ---- the Eips' interfaces ---- */

static struct eip_res *res_find(struct speaker_l2 *l, const struct cfg_eip *e)
{
	for (size_t i = 0; i < l->n_res; i++)
		if (l->res[i].e == e)
			return &l->res[i];
	return NULL;
}

static bool name_in(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

/* Reports the Eips that became unserved here, or served again, and
 * keeps the list. */
static void unserved_report(struct speaker_l2 *l)
{
	char **now = calloc(l->n_res + 1, sizeof(*now));
	size_t n = 0;

	if (!now)
		return;
	for (size_t i = 0; i < l->n_res; i++) {
		const struct eip_res *r = &l->res[i];

		if (r->ifname[0] || !(now[n] = strdup(r->e->meta.name)))
			continue;
		if (!name_in(l->unserved, l->n_unserved, now[n])) {
			log_warn("layer2: Eip %s: node %s cannot answer for it: %s",
			         r->e->meta.name, l->node, r->why);
			if (l->o.hooks.eip_unserved)
				l->o.hooks.eip_unserved(r->e, r->why, l->o.hooks.arg);
		}
		n++;
	}
	for (size_t i = 0; i < l->n_unserved; i++) {
		if (!name_in(now, n, l->unserved[i])) {
			log_info("layer2: Eip %s: node %s can answer for it again", l->unserved[i],
			         l->node);
			for (size_t k = 0; k < l->n_res && l->o.hooks.eip_unserved; k++)
				if (!strcmp(l->res[k].e->meta.name, l->unserved[i]))
					l->o.hooks.eip_unserved(l->res[k].e, NULL, l->o.hooks.arg);
		}
		free(l->unserved[i]);
	}
	free(l->unserved);
	l->unserved = now;
	l->n_unserved = n;
}

/* Resolves every layer2 Eip's interface and opens its responder; the
 * ones that fail are reported and told to the other speakers. */
static int res_build(struct speaker_l2 *l, const struct cfg_set *set)
{
	uint64_t ids[L2_HB_MAX_UNSERVED];
	size_t n_ids = 0;

	free(l->res);
	l->n_res = 0;
	if (!(l->res = calloc(set->n_eips + 1, sizeof(*l->res))))
		return -ENOMEM;
	for (size_t i = 0; i < set->n_eips; i++) {
		const struct cfg_eip *e = &set->eips[i];
		struct eip_res *r = &l->res[l->n_res++];
		/* an Eip's field, or the interfaces its L2Advertisements name */
		const char *field = e->api == CFG_API_OPENELB ? "spec.interface" : "interface";
		char spec[CORE_ADDR_STRLEN + 128];
		const char *ifs;
		struct l2_if *f;
		char err[ERR_LEN];

		if (!e->n_l2) {
			l->n_res--;
			continue;
		}
		r->e = e;
		ifs = cfg_eip_l2_ifspec(e, spec, sizeof(spec));
		if (!ifs || !*ifs)
			snprintf(r->why, sizeof(r->why), "%s is not set", field);
		else if (l2_io_resolve(ifs, r->ifname, err, sizeof(err)) < 0)
			snprintf(r->why, sizeof(r->why), "%s %s: %s", field, ifs, err);
		else if (!(f = if_open(l, r->ifname, err, sizeof(err))))
			snprintf(r->why, sizeof(r->why), "%s %s: %s", field, ifs, err);
		else if (!f->carrier)
			snprintf(r->why, sizeof(r->why), "%s %s: %s is down or has no carrier",
			         field, ifs, r->ifname);
		else
			continue;
		r->ifname[0] = 0;
		if (n_ids < L2_HB_MAX_UNSERVED)
			ids[n_ids++] = l2_hb_eip_id(e->meta.name);
	}
	unserved_report(l);
	if (l->mio)
		l2_member_set_unserved(l2_member_io_fsm(l->mio), ids, n_ids);
	return 0;
}

/* ---- plan and commit ---- */

static bool can_own(const char *node, const struct cfg_eip *e, void *arg)
{
	struct speaker_l2 *l = arg;
	struct l2_member *m = l->mio ? l2_member_io_fsm(l->mio) : NULL;

	if (!strcmp(node, l->node)) {
		const struct eip_res *r = res_find(l, e);
		uint64_t now = core_now_ms();

		/* Held: a node behind this one still answers for addresses this
		 * one is ahead for; it lets go when it sees us READY, then we
		 * answer, so two nodes never answer for one address. */
		return !l->leaving && r && r->ifname[0] && m && l2_member_self_ready(m, now) &&
		       !l2_member_held(m) && key_trusted(l, now);
	}
	/* Without heartbeats (no socket) nothing is known of the others:
	 * they are counted alive, and this node answers for nothing. */
	if (!m || l2_member_can_own(m, node, l2_hb_eip_id(e->meta.name)))
		return true;
	/* Up, serving the Eip, but not READY: in its start-up hold. Just
	 * after ours ended (speakers that started together end together)
	 * its READY is on the way: it counts as the owner for two more
	 * intervals, or every node would answer for a moment. A node that
	 * restarted while we ran long since is not waited for: whoever
	 * answers in its absence goes on until it is READY. */
	return l2_member_state(m, node) == L2_PEER_UP &&
	       !l2_member_unserved(m, node, l2_hb_eip_id(e->meta.name)) &&
	       core_now_ms() < l2_member_ready_at(m) + 2 * interval_ms(l);
}

static bool unserved(const char *node, const struct cfg_eip *e, void *arg)
{
	struct speaker_l2 *l = arg;
	const struct eip_res *r;

	if (!strcmp(node, l->node))
		return (r = res_find(l, e)) && !r->ifname[0];
	return l->mio &&
	       l2_member_unserved(l2_member_io_fsm(l->mio), node, l2_hb_eip_id(e->meta.name));
}

static bool has_layer2(const struct cfg_set *set)
{
	for (size_t i = 0; i < set->n_eips; i++)
		if (set->eips[i].n_l2)
			return true;
	return false;
}

/* l->next from the plan: the entries this node owns. */
static int next_build(struct speaker_l2 *l, struct prefix_set *owned)
{
	owned_free(l->next, l->n_next);
	l->next = NULL;
	l->n_next = 0;
	if (l->plan.n && !(l->next = calloc(l->plan.n, sizeof(*l->next))))
		return -ENOMEM;
	for (size_t i = 0; i < l->plan.n; i++) {
		const struct l2_plan_addr *p = &l->plan.v[i];
		const struct eip_res *r;
		const char *s[3] = {p->svc->meta.ns ? p->svc->meta.ns : "default",
		                    p->svc->meta.name, p->svc->meta.uid};
		struct owned *o = &l->next[l->n_next];
		struct bgp_prefix hp;
		char *blk, *out[3];

		if (!p->owner || strcmp(p->owner, l->node) || !(r = res_find(l, p->eip)))
			continue;
		if (!(blk = malloc(core_strs_size(s, 3))))
			return -ENOMEM;
		core_strs_copy(blk, s, 3, out);
		*o = (struct owned){.addr = p->addr, .takeover = p->self_place > 0};
		o->ns = out[0];
		o->name = out[1];
		o->uid = out[2];
		snprintf(o->ifname, sizeof(o->ifname), "%s", r->ifname);
		l->n_next++;
		lb_host_prefix(&p->addr, &hp);
		if (prefix_set_add(owned, &hp) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Whether the plan's watch set differs from the one the state machine
 * has (kept as owned copies: the plan's names are the set's). */
static bool watch_changed(struct speaker_l2 *l)
{
	bool same = l->plan.n_watch == l->n_watch_names;

	for (size_t i = 0; same && i < l->n_watch_names; i++)
		same = !strcmp(l->plan.watch[i], l->watch_names[i]);
	if (same)
		return false;
	for (size_t i = 0; i < l->n_watch_names; i++)
		free(l->watch_names[i]);
	free(l->watch_names);
	l->n_watch_names = 0;
	l->watch_names = calloc(l->plan.n_watch + 1, sizeof(*l->watch_names));
	for (size_t i = 0; l->watch_names && i < l->plan.n_watch; i++)
		if ((l->watch_names[l->n_watch_names] = strdup(l->plan.watch[i])))
			l->n_watch_names++;
	return true;
}

/* Our PINGs say HOLDING to each node ahead of us for an address we
 * answer for because that node is gone or not ready (not because it
 * lacks the Eip's interface: then it never takes the address). */
static int holding_set(struct speaker_l2 *l)
{
	struct l2_member *m = l2_member_io_fsm(l->mio);
	const char **v = calloc(l->plan.n_watch + 1, sizeof(*v));
	size_t n = 0;
	int r;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < l->plan.n; i++) {
		const struct l2_plan_addr *p = &l->plan.v[i];

		if (!p->owner || strcmp(p->owner, l->node) || !p->watched)
			continue;
		for (size_t j = 0; j < p->self_place; j++) {
			bool seen = false;

			for (size_t k = 0; k < n && !seen; k++)
				seen = !strcmp(v[k], p->ahead[j]);
			/* ahead[] names are watched: at most n_watch distinct */
			if (!seen && n < l->plan.n_watch && !l2_member_can_own(m, p->ahead[j], 0))
				v[n++] = p->ahead[j];
		}
	}
	r = l2_member_set_holding(m, v, n);
	free(v);
	return r;
}

int speaker_l2_plan(struct speaker_l2 *l, const struct cfg_set *set,
                    const struct lb_announce_opts *ann, struct prefix_set *owned)
{
	struct l2_plan_opts po = {.node = l->node,
	                          .places = l->o.places,
	                          .ann = ann,
	                          .can_own = can_own,
	                          .unserved = unserved,
	                          .arg = l};
	int r;

	if (!l->mio && !has_layer2(set)) {
		l2_plan_fini(&l->plan);
		return next_build(l, owned);
	}
	mio_open(l);
	r = res_build(l, set);
	if (!r && l->mio)
		r = members_set(l, set);
	if (!r)
		r = l2_plan_build(set, &po, &l->plan);
	/* A member newly watched is unknown to the state machine until
	 * set_watch: it would count as gone, and this node would answer for
	 * its addresses. The plan is made again once the watch is set. */
	if (!r && l->mio && watch_changed(l)) {
		r = l2_member_set_watch(l2_member_io_fsm(l->mio), l->plan.watch, l->plan.n_watch,
		                        core_now_ms());
		if (!r)
			r = l2_plan_build(set, &po, &l->plan);
		l2_member_io_kick(l->mio);
	}
	if (!r && l->mio) {
		r = holding_set(l);
		count_down(l);
	}
	if (!r)
		r = next_build(l, owned);
	if (r < 0)
		log_err("layer2: planning failed: %s; answering as before", strerror(-r));
	return r;
}

static void report_gain(struct speaker_l2 *l, const struct owned *o)
{
	char str[CORE_ADDR_STRLEN];

	l->gained++;
	if (o->takeover)
		l->takeovers++;
	log_info("layer2: Service %s/%s: node %s owns %s on %s%s", o->ns, o->name, l->node,
	         core_addr_str(&o->addr, str), o->ifname,
	         o->takeover ? " (took over: the nodes ahead in line are gone)" : "");
	if (l->o.hooks.owner)
		l->o.hooks.owner(o->ns, o->name, o->uid, &o->addr, o->ifname, o->takeover,
		                 l->o.hooks.arg);
}

void speaker_l2_commit(struct speaker_l2 *l)
{
	struct owned *old = l->cur;
	size_t n_old = l->n_cur;
	char str[CORE_ADDR_STRLEN];

	/* Released first: no longer answered from the swap on. */
	for (size_t i = 0; i < n_old; i++) {
		const struct owned *n = owned_find(l->next, l->n_next, &old[i].addr);
		struct l2_if *f = if_find(l, old[i].ifname);

		if (n && !strcmp(n->ifname, old[i].ifname))
			continue;
		if (f)
			l2_io_leave(f->io, &old[i].addr);
		l->released++;
		log_info("layer2: Service %s/%s: node %s no longer answers for %s", old[i].ns,
		         old[i].name, l->node, core_addr_str(&old[i].addr, str));
	}
	l->cur = l->next;
	l->n_cur = l->n_next;
	l->next = NULL;
	l->n_next = 0;
	for (size_t i = 0; i < l->n_cur; i++) {
		const struct owned *o = &l->cur[i], *was = owned_find(old, n_old, &o->addr);
		struct l2_if *f = if_find(l, o->ifname);

		if ((was && !strcmp(was->ifname, o->ifname)) || !f)
			continue;
		l2_io_join(f->io, &o->addr);
		l2_io_announce(f->io, &o->addr);
		report_gain(l, o);
	}
	owned_free(old, n_old);
}

/* ---- lifecycle ---- */

struct speaker_l2 *speaker_l2_new(struct ev_loop *loop, const struct speaker_l2_opts *o)
{
	struct speaker_l2 *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->loop = loop;
	l->o = *o;
	snprintf(l->node, sizeof(l->node), "%s", o->node);
	l->o.node = l->node;
	l->o.key = NULL;
	if (o->key && o->key->set) {
		l->key = *o->key;
		l->has_key = true;
	}
	l2_plan_init(&l->plan);
	ev_timer_init(&l->poll, on_poll, POLL_S, POLL_S);
	l->poll.data = l;
	return l;
}

void speaker_l2_free(struct speaker_l2 *l)
{
	if (!l)
		return;
	ev_timer_stop(l->loop, &l->poll);
	l2_member_io_free(l->mio);
	for (size_t i = 0; i < l->n_ifs; i++) {
		l2_io_free(l->ifs[i]->io);
		free(l->ifs[i]);
	}
	free(l->ifs);
	owned_free(l->cur, l->n_cur);
	owned_free(l->next, l->n_next);
	l2_plan_fini(&l->plan);
	free(l->res);
	for (size_t i = 0; i < l->n_watch_names; i++)
		free(l->watch_names[i]);
	free(l->watch_names);
	for (size_t i = 0; i < l->n_unserved; i++)
		free(l->unserved[i]);
	free(l->unserved);
	free(l);
}

void speaker_l2_leave(struct speaker_l2 *l)
{
	l->leaving = true;
	if (l->mio)
		l2_member_io_leave(l->mio);
	if (l->n_cur)
		log_info("layer2: node %s leaves: %zu addresses go to the next in line", l->node,
		         l->n_cur);
}

void speaker_l2_get_stats(const struct speaker_l2 *l, struct speaker_l2_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->owned = l->n_cur;
	out->gained = l->gained;
	out->takeovers = l->takeovers;
	out->released = l->released;
	for (size_t i = 0; i < l->n_ifs; i++) {
		struct l2_io_stats s;

		l2_io_get_stats(l->ifs[i]->io, &s);
		out->arp_answered += s.arp_answered;
		out->nd_answered += s.nd_answered;
		out->announced += s.announced;
		out->conflicts += s.conflicts;
		out->malformed += s.malformed;
	}
	if (l->mio) {
		struct l2_member_io_stats s;

		l2_member_io_get_stats(l->mio, &s);
		out->hb_malformed = s.malformed;
		out->hb_bad_auth = s.bad_auth;
		out->hb_replayed = s.fsm.replayed;
		out->hb_other_refused =
		    s.fsm.not_for_us + s.fsm.unknown_sender + s.fsm.bad_nonce + s.fsm.skewed;
	}
	out->watched = l->n_watch;
	out->members_down = l->n_watch_down;
}

void speaker_l2_foreach_owned(const struct speaker_l2 *l,
                              void (*fn)(const struct core_addr *a, const char *ifname, void *arg),
                              void *arg)
{
	for (size_t i = 0; i < l->n_cur; i++)
		fn(&l->cur[i].addr, l->cur[i].ifname, arg);
}
