/*
 * The state machine of the layer 2 heartbeats (see l2/member.h): members
 * by name in a core_map, each with its replay state, and for the watched
 * ones the PING schedule, the nonces of the last PINGs, the detection
 * deadline and what their last ACK said.
 */
#include "l2/member.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/map.h"

struct peer {
	struct core_addr addr;
	uint16_t port;
	bool watched;
	bool want;     /* l2_member_set_watch's mark */
	bool heard;    /* inc and seq hold the last accepted (incarnation, seq) */
	bool ready;    /* READY in the last ACK; true while PENDING (no news) */
	bool hold_for; /* our PINGs to it say HOLDING */
	bool holds_us; /* its last PING said HOLDING, at holds_at */
	uint64_t holds_at;
	uint8_t state;               /* enum l2_peer_state, meaningful while watched */
	uint8_t n_nonces, nonce_pos; /* nonces[]: a ring of the last PINGs' */
	uint16_t n_unserved;
	uint64_t inc, seq;
	uint64_t since;     /* watch start or last valid ACK: detection counts from it */
	uint64_t next_ping; /* monotonic ms */
	uint64_t nonces[L2_MEMBER_NONCES];
	uint64_t unserved[L2_HB_MAX_UNSERVED];
	char name[]; /* the map's key */
};

struct l2_member {
	struct core_map peers; /* name -> struct peer (owned) */
	struct l2_member_opts o;
	uint64_t detect_ms; /* interval * detect_mult */
	uint64_t incarnation, seq;
	uint64_t start;      /* now_ms at l2_member_new */
	uint64_t ready_from; /* the hold runs from here: start, or l2_member_hold's */
	uint64_t last_rx;    /* when we last accepted a message (start until then) */
	size_t n_holding;    /* members with holds_us */
	bool left;
	uint16_t n_unserved;
	uint64_t unserved[L2_HB_MAX_UNSERVED];
	struct l2_member_stats st;
	char self[L2_HB_NAME_MAX + 1];
};

/* A name that fits a message: 1 to L2_HB_NAME_MAX bytes. Its length, or 0. */
static size_t name_ok(const char *s)
{
	size_t n = s ? strnlen(s, L2_HB_NAME_MAX + 1) : 0;

	return n > L2_HB_NAME_MAX ? 0 : n;
}

static struct peer *peer_get(const struct l2_member *m, const char *name)
{
	size_t n = name_ok(name);

	return n ? core_map_get(&m->peers, name, n) : NULL;
}

struct l2_member *l2_member_new(const char *self, uint64_t incarnation, uint64_t now_ms,
                                const struct l2_member_opts *o)
{
	size_t n = name_ok(self);
	struct l2_member *m;

	if (!n || !o || !o->rand64)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	core_map_init(&m->peers);
	m->o = *o;
	if (!m->o.interval_ms)
		m->o.interval_ms = 100;
	if (!m->o.detect_mult)
		m->o.detect_mult = 3;
	if (!m->o.ready_hold_ms)
		m->o.ready_hold_ms = m->o.interval_ms * (m->o.detect_mult + 2);
	if (!m->o.max_skew_ms)
		m->o.max_skew_ms = 30000;
	m->detect_ms = (uint64_t)m->o.interval_ms * m->o.detect_mult;
	m->incarnation = incarnation;
	m->start = m->ready_from = m->last_rx = now_ms;
	memcpy(m->self, self, n + 1);
	return m;
}

void l2_member_free(struct l2_member *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->peers.n; i++)
		free(m->peers.v[i].val);
	core_map_fini(&m->peers);
	free(m);
}

int l2_member_set_peers(struct l2_member *m, const struct l2_member_peer *peers, size_t n)
{
	struct core_map nm;
	struct peer **fresh = NULL; /* allocated here: freed again on failure */
	size_t *src = NULL;         /* nm.v[j] is peers[src[j]] */
	size_t n_fresh = 0;
	int r = -ENOMEM;

	if (!m || (n && !peers))
		return -EINVAL;
	core_map_init(&nm);
	if (n && (core_map_reserve(&nm, n) < 0 || !(fresh = calloc(n, sizeof(*fresh))) ||
	          !(src = calloc(n, sizeof(*src)))))
		goto out;
	/* First the new map, touching no member that stays: on failure the
	 * old list is kept as it was. */
	for (size_t i = 0; i < n; i++) {
		const char *name = peers[i].name;
		size_t len = name_ok(name);
		struct peer *p;

		if (!len || strcmp(name, m->self) == 0 || core_map_get(&nm, name, len))
			continue;
		p = core_map_get(&m->peers, name, len);
		if (!p) {
			if (!(p = calloc(1, sizeof(*p) + len + 1)))
				goto out;
			memcpy(p->name, name, len + 1);
			p->ready = true;
			fresh[n_fresh++] = p;
		}
		src[nm.n] = i;
		core_map_put(&nm, p->name, len, p); /* reserved: cannot fail */
	}
	for (size_t i = 0; i < m->peers.n; i++) {
		const struct core_map_ent *e = &m->peers.v[i];

		if (core_map_get(&nm, e->key, e->klen))
			continue;
		if (((struct peer *)e->val)->holds_us)
			m->n_holding--;
		free(e->val);
	}
	for (size_t j = 0; j < nm.n; j++) {
		struct peer *p = nm.v[j].val;

		p->addr = peers[src[j]].addr;
		p->port = peers[src[j]].port;
	}
	core_map_fini(&m->peers);
	m->peers = nm;
	n_fresh = 0;
	r = 0;
out:
	for (size_t i = 0; i < n_fresh; i++)
		free(fresh[i]);
	if (r < 0)
		core_map_fini(&nm);
	free(fresh);
	free(src);
	return r;
}

int l2_member_set_watch(struct l2_member *m, const char *const *names, size_t n, uint64_t now_ms)
{
	if (!m || (n && !names))
		return -EINVAL;
	/* Marks first, then applies: a name listed twice, or a member
	 * watched before and after, keeps its state. */
	for (size_t i = 0; i < m->peers.n; i++)
		((struct peer *)m->peers.v[i].val)->want = false;
	for (size_t i = 0; i < n; i++) {
		struct peer *p = peer_get(m, names[i]);

		if (p)
			p->want = true;
	}
	for (size_t i = 0; i < m->peers.n; i++) {
		struct peer *p = m->peers.v[i].val;

		if (p->want && !p->watched) {
			p->watched = true;
			p->state = L2_PEER_PENDING;
			p->ready = true;
			p->n_unserved = 0;
			p->n_nonces = p->nonce_pos = 0;
			p->since = now_ms;
			p->next_ping = now_ms; /* the first PING at once */
		} else if (!p->want && p->watched) {
			p->watched = false;
			p->state = L2_PEER_PENDING;
			p->n_nonces = 0; /* an ACK to an old PING is no longer wanted */
		}
	}
	return 0;
}

int l2_member_set_unserved(struct l2_member *m, const uint64_t *ids, size_t n)
{
	size_t k = n > L2_HB_MAX_UNSERVED ? L2_HB_MAX_UNSERVED : n;

	if (!m || (n && !ids))
		return -EINVAL;
	if (k)
		memcpy(m->unserved, ids, k * sizeof(*ids));
	m->n_unserved = (uint16_t)k;
	return n > k ? -E2BIG : 0;
}

bool l2_member_self_ready(const struct l2_member *m, uint64_t now_ms)
{
	return now_ms >= m->ready_from && now_ms - m->ready_from >= m->o.ready_hold_ms;
}

uint64_t l2_member_ready_at(const struct l2_member *m)
{
	return m->ready_from + m->o.ready_hold_ms;
}

void l2_member_hold(struct l2_member *m, uint64_t now_ms)
{
	m->ready_from = now_ms;
}

/* A message from us to p, its header filled; the caller sets the rest. */
static void msg_init(struct l2_member *m, struct l2_hb *h, enum l2_hb_type type,
                     const struct peer *p, uint64_t wall_ms)
{
	memset(h, 0, offsetof(struct l2_hb, unserved));
	h->type = (uint8_t)type;
	h->incarnation = m->incarnation;
	h->seq = ++m->seq;
	h->time_ms = wall_ms;
	memcpy(h->from, m->self, strlen(m->self) + 1);
	memcpy(h->to, p->name, strlen(p->name) + 1);
}

static void send_msg(const struct peer *p, const struct l2_hb *h, l2_member_emit_fn emit, void *arg)
{
	struct l2_member_ev ev = {
	    .kind = L2_MEMBER_SEND, .peer = p->name, .addr = p->addr, .port = p->port, .msg = h};

	emit(&ev, arg);
}

static void set_state(struct l2_member *m, struct peer *p, enum l2_peer_state now, bool changed,
                      l2_member_emit_fn emit, void *arg)
{
	struct l2_member_ev ev = {
	    .kind = L2_MEMBER_STATE, .peer = p->name, .old = p->state, .now = now};

	if (p->state == now && !changed)
		return;
	if (p->state != now && now == L2_PEER_DOWN)
		m->st.downs++;
	if (p->state != now && now == L2_PEER_UP)
		m->st.ups++;
	p->state = (uint8_t)now;
	emit(&ev, arg);
}

/* p's PINGs stopped or started saying HOLDING. */
static void set_holds_us(struct l2_member *m, struct peer *p, bool holds, l2_member_emit_fn emit,
                         void *arg)
{
	struct l2_member_ev ev = {.kind = L2_MEMBER_HELD, .peer = p->name};

	if (p->holds_us == holds)
		return;
	p->holds_us = holds;
	if (holds)
		m->n_holding++;
	else
		m->n_holding--;
	emit(&ev, arg);
}

static void ping(struct l2_member *m, struct peer *p, uint64_t wall_ms, l2_member_emit_fn emit,
                 void *arg)
{
	struct l2_hb h;

	msg_init(m, &h, L2_HB_PING, p, wall_ms);
	h.flags = p->hold_for ? L2_HB_F_HOLDING : 0;
	h.nonce = m->o.rand64(m->o.rand_arg);
	p->nonces[p->nonce_pos] = h.nonce;
	p->nonce_pos = (uint8_t)((p->nonce_pos + 1) % L2_MEMBER_NONCES);
	if (p->n_nonces < L2_MEMBER_NONCES)
		p->n_nonces++;
	m->st.pings_sent++;
	send_msg(p, &h, emit, arg);
}

void l2_member_tick(struct l2_member *m, uint64_t now_ms, uint64_t wall_ms, l2_member_emit_fn emit,
                    void *arg)
{
	if (m->left)
		return;
	for (size_t i = 0; i < m->peers.n; i++) {
		struct peer *p = m->peers.v[i].val;

		/* A holder that went silent (died) holds nothing any more. */
		if (p->holds_us && now_ms >= p->holds_at + m->detect_ms)
			set_holds_us(m, p, false, emit, arg);
		if (!p->watched)
			continue;
		/* Detection before the PING due at the same time: an ACK to
		 * it could not arrive in time anyway. */
		if (p->state != L2_PEER_DOWN && now_ms >= p->since + m->detect_ms)
			set_state(m, p, L2_PEER_DOWN, false, emit, arg);
		if (now_ms >= p->next_ping) {
			ping(m, p, wall_ms, emit, arg);
			/* Keep the cadence; after a stall (a suspended
			 * process) start it again from now, without a burst. */
			p->next_ping += m->o.interval_ms;
			if (p->next_ping <= now_ms)
				p->next_ping = now_ms + m->o.interval_ms;
		}
	}
}

uint64_t l2_member_next(const struct l2_member *m)
{
	uint64_t next = UINT64_MAX;

	if (m->left)
		return next;
	for (size_t i = 0; i < m->peers.n; i++) {
		const struct peer *p = m->peers.v[i].val;

		if (p->holds_us && p->holds_at + m->detect_ms < next)
			next = p->holds_at + m->detect_ms;
		if (!p->watched)
			continue;
		if (p->next_ping < next)
			next = p->next_ping;
		if (p->state != L2_PEER_DOWN && p->since + m->detect_ms < next)
			next = p->since + m->detect_ms;
	}
	return next;
}

/* Why a message is refused, in the order checked; 0: accepted so far. */
static uint64_t *refusal(struct l2_member *m, const struct l2_hb *msg, const struct peer *p,
                         uint64_t wall_ms)
{
	uint64_t skew = msg->time_ms > wall_ms ? msg->time_ms - wall_ms : wall_ms - msg->time_ms;

	if (strcmp(msg->to, m->self) != 0)
		return &m->st.not_for_us;
	if (!p)
		return &m->st.unknown_sender;
	if (skew > m->o.max_skew_ms)
		return &m->st.skewed;
	/* (incarnation, seq) strictly above the last accepted: a capture
	 * replayed, or a datagram overtaken by a later one, is refused. */
	if (p->heard &&
	    (msg->incarnation < p->inc || (msg->incarnation == p->inc && msg->seq <= p->seq)))
		return &m->st.replayed;
	if (msg->type == L2_HB_ACK) {
		for (size_t i = 0; i < p->n_nonces; i++)
			if (p->nonces[i] == msg->nonce)
				return NULL;
		return &m->st.bad_nonce;
	}
	return NULL;
}

static void on_ack(struct l2_member *m, struct peer *p, const struct l2_hb *msg, uint64_t now_ms,
                   l2_member_emit_fn emit, void *arg)
{
	bool ready = (msg->flags & L2_HB_F_READY) != 0;
	uint16_t n = msg->n_unserved > L2_HB_MAX_UNSERVED ? L2_HB_MAX_UNSERVED : msg->n_unserved;
	bool changed = ready != p->ready || n != p->n_unserved ||
	               memcmp(p->unserved, msg->unserved, n * sizeof(*msg->unserved)) != 0;

	p->since = now_ms;
	p->ready = ready;
	p->n_unserved = n;
	memcpy(p->unserved, msg->unserved, n * sizeof(*msg->unserved));
	set_state(m, p, L2_PEER_UP, changed, emit, arg);
}

static void on_ping(struct l2_member *m, struct peer *p, const struct l2_hb *msg, uint64_t now_ms,
                    uint64_t wall_ms, l2_member_emit_fn emit, void *arg)
{
	struct l2_hb h;

	if (msg->flags & L2_HB_F_HOLDING)
		p->holds_at = now_ms;
	set_holds_us(m, p, (msg->flags & L2_HB_F_HOLDING) != 0, emit, arg);
	if (m->left)
		return;
	msg_init(m, &h, L2_HB_ACK, p, wall_ms);
	h.nonce = msg->nonce;
	h.flags = l2_member_self_ready(m, now_ms) ? L2_HB_F_READY : 0;
	h.n_unserved = m->n_unserved;
	memcpy(h.unserved, m->unserved, m->n_unserved * sizeof(*m->unserved));
	m->st.acks_sent++;
	/* To the member's configured address, never to where the PING came
	 * from: a forged source cannot turn us into a reflector. */
	send_msg(p, &h, emit, arg);
}

int l2_member_input(struct l2_member *m, const struct l2_hb *msg, uint64_t now_ms, uint64_t wall_ms,
                    l2_member_emit_fn emit, void *arg)
{
	struct peer *p;
	uint64_t *why;

	if (!m || !msg)
		return -EINVAL;
	p = peer_get(m, msg->from);
	why = refusal(m, msg, p, wall_ms);
	if (why) {
		(*why)++;
		return -EPERM;
	}
	p->heard = true;
	p->inc = msg->incarnation;
	p->seq = msg->seq;
	m->st.received++;
	/* Accepted after a silence as long as detection: every member we
	 * watch went Down meanwhile and every speaker watching us saw us
	 * Down; our link was probably cut. Our start counts as heard, so
	 * that a link that comes up only after we started says so too. */
	if (now_ms >= m->last_rx && now_ms - m->last_rx >= m->detect_ms) {
		struct l2_member_ev ev = {.kind = L2_MEMBER_REJOINED};

		emit(&ev, arg);
	}
	if (now_ms > m->last_rx)
		m->last_rx = now_ms;
	switch (msg->type) {
	case L2_HB_PING:
		on_ping(m, p, msg, now_ms, wall_ms, emit, arg);
		break;
	case L2_HB_ACK:
		/* refusal() found the nonce among this member's, which only
		 * a watched member has. */
		on_ack(m, p, msg, now_ms, emit, arg);
		break;
	case L2_HB_LEAVE:
		if (p->watched)
			set_state(m, p, L2_PEER_DOWN, false, emit, arg);
		break;
	}
	return 0;
}

void l2_member_leave(struct l2_member *m, uint64_t wall_ms, l2_member_emit_fn emit, void *arg)
{
	struct l2_hb h;

	if (m->left)
		return;
	for (size_t i = 0; i < m->peers.n; i++) {
		const struct peer *p = m->peers.v[i].val;

		msg_init(m, &h, L2_HB_LEAVE, p, wall_ms);
		send_msg(p, &h, emit, arg);
	}
	m->left = true;
}

int l2_member_set_holding(struct l2_member *m, const char *const *names, size_t n)
{
	if (!m || (n && !names))
		return -EINVAL;
	for (size_t i = 0; i < m->peers.n; i++)
		((struct peer *)m->peers.v[i].val)->hold_for = false;
	for (size_t i = 0; i < n; i++) {
		struct peer *p = peer_get(m, names[i]);

		if (p)
			p->hold_for = true;
	}
	return 0;
}

bool l2_member_held(const struct l2_member *m)
{
	return m->n_holding > 0;
}

bool l2_member_is_peer_addr(const struct l2_member *m, const struct core_addr *a)
{
	for (size_t i = 0; i < m->peers.n; i++)
		if (core_addr_equal(&((const struct peer *)m->peers.v[i].val)->addr, a))
			return true;
	return false;
}

enum l2_peer_state l2_member_state(const struct l2_member *m, const char *name)
{
	const struct peer *p = peer_get(m, name);

	return p && p->watched ? (enum l2_peer_state)p->state : L2_PEER_PENDING;
}

bool l2_member_can_own(const struct l2_member *m, const char *name, uint64_t eip_id)
{
	const struct peer *p = peer_get(m, name);

	if (!p || !p->watched || p->state == L2_PEER_DOWN || !p->ready)
		return false;
	for (size_t i = 0; eip_id && i < p->n_unserved; i++)
		if (p->unserved[i] == eip_id)
			return false;
	return true;
}

bool l2_member_unserved(const struct l2_member *m, const char *name, uint64_t eip_id)
{
	const struct peer *p = peer_get(m, name);

	for (size_t i = 0; p && i < p->n_unserved; i++)
		if (p->unserved[i] == eip_id)
			return true;
	return false;
}

void l2_member_stats(const struct l2_member *m, struct l2_member_stats *out)
{
	*out = m->st;
}
