/*
 * Adj-RIB-Out UPDATE builder: drains the pending queues one message at a
 * time. A message takes as many withdrawals of a family as fit and, when
 * they all did, as many announcements of one attribute set as still fit
 * (RFC 4271 section 4.3 allows both in one UPDATE; for IPv6 they are
 * MP_UNREACH_NLRI and MP_REACH_NLRI, RFC 4760 sections 3 and 4). Sizes
 * come from bgp_update_overhead(), which is exact, so a message is full
 * when the next prefix would not fit. Pure.
 */
#include "bgp/rib_out_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int scratch_reserve(struct rib_out *r, size_t n)
{
	struct bgp_prefix *p;
	size_t nc;

	if (n <= r->scratch_cap)
		return 0;
	nc = r->scratch_cap ? r->scratch_cap * 2 : 1024;
	while (nc < n)
		nc *= 2;
	p = realloc(r->scratch, nc * sizeof(*p));
	if (!p)
		return -ENOMEM;
	r->scratch = p;
	r->scratch_cap = nc;
	return 0;
}

static void fill_prefix(struct bgp_prefix *p, const struct ro_table *t, const struct ro_ent *e,
                        uint8_t family)
{
	p->family = family;
	p->len = e->len;
	p->path_id = e->path_id;
	memcpy(p->addr, e->key, t->keylen);
	if (t->keylen < sizeof(p->addr))
		memset(p->addr + t->keylen, 0, sizeof(p->addr) - t->keylen);
}

/*
 * Appends queue entries from idx on to scratch[*n..] while the message
 * stays within limit. Returns the first entry left out (RO_NIL: all in).
 */
static int gather(struct rib_out *r, const struct ro_table *t, uint32_t idx, uint8_t family,
                  bool addpath, size_t base, size_t limit, size_t *used, size_t *n, uint32_t *left)
{
	while (idx != RO_NIL) {
		const struct ro_ent *e = ro_ent(t, idx);
		struct bgp_prefix *p;
		size_t pl;

		if (scratch_reserve(r, *n + 1) < 0)
			return -ENOMEM;
		p = &r->scratch[*n];
		fill_prefix(p, t, e, family);
		pl = bgp_prefix_wire_len(p, addpath);
		if (base + *used + pl > limit)
			break;
		*used += pl;
		(*n)++;
		idx = e->next;
	}
	*left = idx;
	return 0;
}

static ssize_t build(struct rib_out *r, enum bgp_af af, uint8_t *buf, size_t limit,
                     const struct bgp_session_params *sp)
{
	struct ro_table *t = &r->tab[af];
	uint8_t family = af == BGP_AF_IPV4 ? AF_INET : AF_INET6;
	bool ap = sp->addpath_tx[af];
	struct bgp_update_parts u = {.af = af};
	size_t used = 0, n_w = 0, n_a = 0, enc_len = 0, base;
	const uint8_t *enc = NULL;
	uint32_t left, id = RO_NIL;
	ssize_t n;
	int rc;

	base = bgp_update_overhead(af, NULL, false, true);
	rc = gather(r, t, t->withdraw.head, family, ap, base, limit, &used, &n_w, &left);
	if (rc < 0)
		return rc;
	if (left == RO_NIL && t->act_head != RO_NIL) {
		size_t n_total = n_w;

		id = t->act_head;
		rc = ro_attrs_encoded(r, id, af, sp, &enc, &enc_len);
		if (rc < 0)
			return rc;
		base = bgp_update_overhead(af, &r->attrs[id].a, true, n_w > 0) + enc_len;
		rc = gather(r, t, r->attrs[id].pend[af].head, family, ap, base, limit, &used,
		            &n_total, &left);
		if (rc < 0)
			return rc;
		n_a = n_total - n_w;
	}
	if (n_w + n_a == 0)
		return -ENOBUFS;

	u.withdraw = r->scratch;
	u.n_withdraw = n_w;
	u.announce = r->scratch + n_w;
	u.n_announce = n_a;
	if (n_a) {
		u.attrs = enc;
		u.attrs_len = enc_len;
		u.out = &r->attrs[id].a;
	}
	n = bgp_update_encode(buf, limit, &u, sp);
	if (n < 0)
		return n;

	/* The message is written: what it carries is now the peer's. */
	for (size_t i = 0; i < n_w; i++)
		ro_ent_commit(r, af, t->withdraw.head);
	for (size_t i = 0; i < n_a; i++)
		ro_ent_commit(r, af, r->attrs[id].pend[af].head);
	/* Round robin between attribute sets with work left. */
	if (n_a && r->attrs[id].active[af] && t->act_tail != id) {
		ro_act_remove(r, t, af, id);
		ro_act_append(r, t, af, id);
	}
	return n;
}

ssize_t rib_out_next_update(struct rib_out *r, uint8_t *buf, size_t cap,
                            const struct bgp_session_params *sp,
                            const bool af_enabled[BGP_AF_COUNT])
{
	size_t limit;

	if (!r || !buf || !sp || !af_enabled)
		return -EINVAL;
	/* RFC 8654 section 3: larger UPDATEs only once both sides agreed. */
	limit = sp->ext_msg ? BGP_MAX_EXT_MSG_LEN : BGP_MAX_MSG_LEN;
	if (cap < limit)
		limit = cap;
	for (int af = 0; af < BGP_AF_COUNT; af++)
		if (af_enabled[af])
			r->tab[af].sync_started = true;

	for (unsigned k = 0; k < BGP_AF_COUNT; k++) {
		enum bgp_af af = (enum bgp_af)((r->af_next + k) % BGP_AF_COUNT);
		struct ro_table *t = &r->tab[af];
		ssize_t n;

		if (!af_enabled[af])
			continue;
		if (t->eor_due && t->initial_left == 0) {
			/* RFC 4724 section 2: initial update done for af. */
			n = bgp_eor_encode(buf, limit, af);
			if (n < 0)
				return n;
			t->eor_due = false;
		} else if (t->n_pending) {
			n = build(r, af, buf, limit, sp);
			if (n < 0)
				return n;
		} else {
			continue;
		}
		r->af_next = (af + 1) % BGP_AF_COUNT;
		return n;
	}
	return 0;
}
