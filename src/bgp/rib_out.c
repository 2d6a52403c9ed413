/*
 * Adj-RIB-Out route table: per-family slab and a core_idx over it, pending
 * queues, and the state changes behind announce/withdraw/session
 * down/refresh. Pure.
 */
#include "bgp/rib_out_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define RO_MIN_SLOTS 64

static void table_init(struct ro_table *t, uint32_t keylen)
{
	memset(t, 0, sizeof(*t));
	t->keylen = keylen;
	t->stride = (uint32_t)((offsetof(struct ro_ent, key) + keylen + 3) & ~(size_t)3);
	t->free_head = RO_NIL;
	t->withdraw.head = t->withdraw.tail = RO_NIL;
	t->act_head = t->act_tail = RO_NIL;
	t->eor_due = true;
}

struct rib_out *rib_out_new(void)
{
	struct rib_out *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	table_init(&r->tab[BGP_AF_IPV4], 4);
	table_init(&r->tab[BGP_AF_IPV6], 16);
	r->attrs_free = RO_NIL;
	return r;
}

void rib_out_free(struct rib_out *r)
{
	if (!r)
		return;
	for (int af = 0; af < BGP_AF_COUNT; af++) {
		free(r->tab[af].slab);
		core_idx_fini(&r->tab[af].ix);
	}
	ro_attrs_free_all(r);
	free(r->scratch);
	free(r);
}

/* ---- keys and hashing ---- */

static int prefix_check(const struct bgp_prefix *p, enum bgp_af *af)
{
	unsigned max, full, rem;

	if (!p)
		return -EINVAL;
	if (p->family == AF_INET) {
		*af = BGP_AF_IPV4;
		max = 32;
	} else if (p->family == AF_INET6) {
		*af = BGP_AF_IPV6;
		max = 128;
	} else {
		return -EINVAL;
	}
	if (p->len > max)
		return -EINVAL;
	/* Canonical: no bits past len, so that one route has one key. */
	full = p->len / 8;
	rem = p->len % 8;
	if (rem && (p->addr[full] & (0xffu >> rem)))
		return -EINVAL;
	for (unsigned i = full + (rem ? 1 : 0); i < max / 8; i++)
		if (p->addr[i])
			return -EINVAL;
	return 0;
}

/* Over (address, length, path id); the key's octets are those of the
 * family only. */
static uint32_t key_hash(const uint8_t *key, uint32_t keylen, uint8_t len, uint32_t path_id)
{
	uint64_t h = core_fnv(CORE_FNV_INIT, key, keylen);

	h = core_fnv(h, &len, sizeof(len));
	return core_hash_mix(core_fnv(h, &path_id, sizeof(path_id)));
}

static uint32_t ent_hash(const struct ro_table *t, const struct ro_ent *e)
{
	return key_hash(e->key, t->keylen, e->len, e->path_id);
}

struct lookup {
	const struct ro_table *t;
	const struct bgp_prefix *p;
};

static int ent_eq(const void *ctx, uint32_t idx)
{
	const struct lookup *l = ctx;
	const struct ro_ent *e = ro_ent(l->t, idx);

	return e->len == l->p->len && e->path_id == l->p->path_id &&
	       memcmp(e->key, l->p->addr, l->t->keylen) == 0;
}

static uint32_t table_find(const struct ro_table *t, const struct bgp_prefix *p)
{
	struct lookup l = {t, p};
	int64_t idx =
	    core_idx_find(&t->ix, key_hash(p->addr, t->keylen, p->len, p->path_id), ent_eq, &l);

	return idx < 0 ? RO_NIL : (uint32_t)idx;
}

static uint32_t table_insert(struct ro_table *t, const struct bgp_prefix *p)
{
	struct ro_ent *e;
	uint32_t idx;

	if (t->free_head != RO_NIL) {
		idx = t->free_head;
		t->free_head = ro_ent(t, idx)->next;
	} else {
		if (t->n_slots == t->cap) {
			uint32_t ncap = t->cap ? t->cap * 2 : RO_MIN_SLOTS;
			uint8_t *s;

			/* RO_NIL must stay out of the index range. */
			if (ncap <= t->cap || ncap == RO_NIL)
				return RO_NIL;
			s = realloc(t->slab, (size_t)ncap * t->stride);
			if (!s)
				return RO_NIL;
			t->slab = s;
			t->cap = ncap;
		}
		idx = t->n_slots++;
	}
	e = ro_ent(t, idx);
	memset(e, 0, t->stride);
	e->path_id = p->path_id;
	e->len = p->len;
	memcpy(e->key, p->addr, t->keylen);
	if (core_idx_insert(&t->ix, ent_hash(t, e), idx) < 0) {
		e->next = t->free_head;
		t->free_head = idx;
		return RO_NIL;
	}
	e->prev = e->next = RO_NIL;
	e->flags = RO_F_USED;
	return idx;
}

static void table_remove(struct ro_table *t, uint32_t idx)
{
	struct ro_ent *e = ro_ent(t, idx);

	core_idx_remove(&t->ix, ent_hash(t, e), idx);
	e->flags = 0;
	e->next = t->free_head;
	t->free_head = idx;
}

/* ---- queues ---- */

struct ro_list *ro_list_of(struct rib_out *r, struct ro_table *t, enum bgp_af af,
                           const struct ro_ent *e)
{
	return e->want ? &r->attrs[e->want].pend[af] : &t->withdraw;
}

void ro_act_append(struct rib_out *r, struct ro_table *t, enum bgp_af af, uint32_t id)
{
	struct ro_attrs *A = &r->attrs[id];

	A->active[af] = true;
	A->act_next[af] = RO_NIL;
	A->act_prev[af] = t->act_tail;
	if (t->act_tail != RO_NIL)
		r->attrs[t->act_tail].act_next[af] = id;
	else
		t->act_head = id;
	t->act_tail = id;
}

void ro_act_remove(struct rib_out *r, struct ro_table *t, enum bgp_af af, uint32_t id)
{
	struct ro_attrs *A = &r->attrs[id];

	if (!A->active[af])
		return;
	if (A->act_prev[af] != RO_NIL)
		r->attrs[A->act_prev[af]].act_next[af] = A->act_next[af];
	else
		t->act_head = A->act_next[af];
	if (A->act_next[af] != RO_NIL)
		r->attrs[A->act_next[af]].act_prev[af] = A->act_prev[af];
	else
		t->act_tail = A->act_prev[af];
	A->active[af] = false;
}

static void enqueue(struct rib_out *r, struct ro_table *t, enum bgp_af af, uint32_t idx)
{
	struct ro_ent *e = ro_ent(t, idx);
	struct ro_list *l = ro_list_of(r, t, af, e);

	e->next = RO_NIL;
	e->prev = l->tail;
	if (l->tail != RO_NIL)
		ro_ent(t, l->tail)->next = idx;
	else
		l->head = idx;
	l->tail = idx;
	l->n++;
	e->flags |= RO_F_QUEUED;
	t->n_pending++;
	if (e->want && l->n == 1)
		ro_act_append(r, t, af, e->want);
}

static void dequeue(struct rib_out *r, struct ro_table *t, enum bgp_af af, uint32_t idx)
{
	struct ro_ent *e = ro_ent(t, idx);
	struct ro_list *l;

	if (!(e->flags & RO_F_QUEUED))
		return;
	l = ro_list_of(r, t, af, e);
	if (e->prev != RO_NIL)
		ro_ent(t, e->prev)->next = e->next;
	else
		l->head = e->next;
	if (e->next != RO_NIL)
		ro_ent(t, e->next)->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = RO_NIL;
	l->n--;
	e->flags &= (uint8_t)~RO_F_QUEUED;
	t->n_pending--;
	if (e->want && l->n == 0)
		ro_act_remove(r, t, af, e->want);
}

/*
 * After a change to an unqueued entry: queue it when pending, else drop
 * it when the peer neither has nor should have it.
 */
static void settle(struct rib_out *r, struct ro_table *t, enum bgp_af af, uint32_t idx)
{
	struct ro_ent *e = ro_ent(t, idx);

	if (e->want != e->sent || (e->flags & RO_F_FORCE)) {
		/* Wanted before the session's first flush: part of the
		 * initial sync that End-of-RIB closes. */
		if (t->eor_due && !t->sync_started && !(e->flags & RO_F_INITIAL)) {
			e->flags |= RO_F_INITIAL;
			t->initial_left++;
		}
		enqueue(r, t, af, idx);
		return;
	}
	if (e->flags & RO_F_INITIAL) {
		e->flags &= (uint8_t)~RO_F_INITIAL;
		t->initial_left--;
	}
	if (!e->want && !e->sent)
		table_remove(t, idx);
}

static void set_want(struct rib_out *r, struct ro_table *t, struct ro_ent *e, uint32_t id)
{
	if (id)
		ro_attrs_ref(r, id);
	if (e->want)
		ro_attrs_unref(r, e->want);
	t->n_want += (id != 0) - (e->want != 0);
	e->want = id;
	if (!id)
		e->flags &= (uint8_t)~RO_F_FORCE;
}

static void set_sent(struct rib_out *r, struct ro_table *t, struct ro_ent *e, uint32_t id)
{
	if (id)
		ro_attrs_ref(r, id);
	if (e->sent)
		ro_attrs_unref(r, e->sent);
	t->n_sent += (id != 0) - (e->sent != 0);
	e->sent = id;
}

static int change(struct rib_out *r, const struct bgp_prefix *p, uint32_t id)
{
	struct ro_table *t;
	enum bgp_af af;
	uint32_t idx;

	if (!r || prefix_check(p, &af) < 0)
		return -EINVAL;
	t = &r->tab[af];
	idx = table_find(t, p);
	if (idx == RO_NIL) {
		if (!id)
			return 0;
		idx = table_insert(t, p);
		if (idx == RO_NIL)
			return -ENOMEM;
	} else if (ro_ent(t, idx)->want == id) {
		return 0;
	}
	dequeue(r, t, af, idx);
	set_want(r, t, ro_ent(t, idx), id);
	settle(r, t, af, idx);
	return 0;
}

int rib_out_announce(struct rib_out *r, const struct bgp_prefix *p, uint32_t attrs_id)
{
	const struct bgp_out_attrs *a;

	if (!r || !p)
		return -EINVAL;
	if (attrs_id == 0 || attrs_id >= r->n_attrs || r->attrs[attrs_id].refs == 0)
		return -ENOENT;
	a = &r->attrs[attrs_id].a;
	/* Without the family's next hop the UPDATE could never be built. */
	if ((p->family == AF_INET && a->next_hop.family != AF_INET) ||
	    (p->family == AF_INET6 && a->next_hop6.family != AF_INET6))
		return -EINVAL;
	return change(r, p, attrs_id);
}

int rib_out_withdraw(struct rib_out *r, const struct bgp_prefix *p)
{
	return change(r, p, 0);
}

void ro_ent_commit(struct rib_out *r, enum bgp_af af, uint32_t idx)
{
	struct ro_table *t = &r->tab[af];
	struct ro_ent *e = ro_ent(t, idx);

	dequeue(r, t, af, idx);
	set_sent(r, t, e, e->want);
	e->flags &= (uint8_t)~RO_F_FORCE;
	settle(r, t, af, idx);
}

static void queues_reset(struct rib_out *r, struct ro_table *t, enum bgp_af af)
{
	for (uint32_t id = 1; id < r->n_attrs; id++) {
		struct ro_attrs *A = &r->attrs[id];

		A->pend[af].head = A->pend[af].tail = RO_NIL;
		A->pend[af].n = 0;
		A->active[af] = false;
	}
	t->withdraw.head = t->withdraw.tail = RO_NIL;
	t->withdraw.n = 0;
	t->act_head = t->act_tail = RO_NIL;
	t->n_pending = 0;
}

void rib_out_session_down(struct rib_out *r)
{
	if (!r)
		return;
	for (int a = 0; a < BGP_AF_COUNT; a++) {
		enum bgp_af af = (enum bgp_af)a;
		struct ro_table *t = &r->tab[af];

		queues_reset(r, t, af);
		t->initial_left = 0;
		t->eor_due = true;
		t->sync_started = false;
		for (uint32_t i = 0; i < t->n_slots; i++) {
			struct ro_ent *e = ro_ent(t, i);

			if (!(e->flags & RO_F_USED))
				continue;
			e->flags = RO_F_USED;
			e->prev = e->next = RO_NIL;
			set_sent(r, t, e, 0);
			settle(r, t, af, i);
		}
	}
}

void rib_out_refresh(struct rib_out *r, enum bgp_af af)
{
	struct ro_table *t;

	if (!r || (unsigned)af >= BGP_AF_COUNT)
		return;
	t = &r->tab[af];
	for (uint32_t i = 0; i < t->n_slots; i++) {
		struct ro_ent *e = ro_ent(t, i);

		if (!(e->flags & RO_F_USED) || !e->want)
			continue;
		e->flags |= RO_F_FORCE;
		if (!(e->flags & RO_F_QUEUED))
			settle(r, t, af, i);
	}
}

bool rib_out_has_pending(const struct rib_out *r, const bool af_enabled[BGP_AF_COUNT])
{
	if (!r || !af_enabled)
		return false;
	for (int af = 0; af < BGP_AF_COUNT; af++)
		if (af_enabled[af] && (r->tab[af].n_pending || r->tab[af].eor_due))
			return true;
	return false;
}

bool rib_out_synced(const struct rib_out *r, enum bgp_af af)
{
	return r && (unsigned)af < BGP_AF_COUNT && !r->tab[af].eor_due;
}

int rib_out_lookup(const struct rib_out *r, const struct bgp_prefix *p, uint32_t *want,
                   uint32_t *sent)
{
	const struct ro_table *t;
	const struct ro_ent *e;
	enum bgp_af af;
	uint32_t idx;

	if (!r || prefix_check(p, &af) < 0)
		return -EINVAL;
	t = &r->tab[af];
	idx = table_find(t, p);
	if (idx == RO_NIL)
		return -ENOENT;
	e = ro_ent(t, idx);
	if (want)
		*want = e->want;
	if (sent)
		*sent = e->sent;
	return 0;
}

void rib_out_stats(const struct rib_out *r, struct rib_out_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!r)
		return;
	st->mem_bytes = sizeof(*r) + (size_t)r->cap_attrs * sizeof(*r->attrs) +
	                r->aix.cap * sizeof(*r->aix.slots) + r->scratch_cap * sizeof(*r->scratch);
	for (int af = 0; af < BGP_AF_COUNT; af++) {
		const struct ro_table *t = &r->tab[af];

		st->wanted[af] = t->n_want;
		st->sent[af] = t->n_sent;
		st->pending[af] = t->n_pending;
		st->mem_bytes += (size_t)t->cap * t->stride + t->ix.cap * sizeof(*t->ix.slots);
	}
	st->attr_sets = r->aix.n;
}
