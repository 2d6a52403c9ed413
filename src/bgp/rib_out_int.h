/*
 * Internals of the Adj-RIB-Out shared by rib_out.c (route table),
 * rib_out_attrs.c (attribute sets) and rib_out_update.c (UPDATE builder).
 *
 * Routes live in one slab per family (fixed stride, index-linked), found
 * through a core_idx on (address, length, path id). A route is queued
 * iff it is pending (want != sent, or forced by a refresh); the queue is
 * the withdraw list of its family when want == 0, else the pending list of
 * its wanted attribute set. Attribute sets with pending routes sit on a
 * per-family "active" list so that the builder finds work in O(1).
 */
#ifndef BERTH_BGP_RIB_OUT_INT_H
#define BERTH_BGP_RIB_OUT_INT_H

#include "bgp/rib_out.h"
#include "core/idx.h"

#define RO_NIL UINT32_MAX

/* Entry flags */
#define RO_F_USED    0x01
#define RO_F_QUEUED  0x02
#define RO_F_FORCE   0x04 /* send again although want == sent (refresh) */
#define RO_F_INITIAL 0x08 /* counted in initial_left until sent or dropped */

struct ro_ent {
	uint32_t prev, next; /* queue links; next: the free list when unused */
	uint32_t want;       /* attribute set the peer should have, 0 = none */
	uint32_t sent;       /* attribute set the peer has, 0 = none */
	uint32_t path_id;
	uint8_t len;
	uint8_t flags;
	uint8_t key[]; /* 4 or 16 address octets */
};

struct ro_list {
	uint32_t head, tail;
	uint32_t n;
};

struct ro_table {
	uint8_t *slab; /* owned; n_slots entries of stride octets */
	uint32_t stride;
	uint32_t keylen;
	uint32_t n_slots; /* high-water mark */
	uint32_t cap;
	uint32_t free_head;
	struct core_idx ix; /* route -> slab index; ix.n: used entries */
	struct ro_list withdraw;
	uint32_t act_head, act_tail; /* attribute sets with pending routes */
	uint64_t n_want, n_sent;
	uint32_t n_pending;
	uint32_t initial_left;
	bool eor_due;
	bool sync_started;
};

struct ro_attrs {
	struct bgp_out_attrs a; /* deep copy; its arrays are owned */
	uint32_t hash;
	uint32_t refs;      /* 0 = free slot */
	uint32_t free_next; /* free list, when unused */
	struct ro_list pend[BGP_AF_COUNT];
	uint32_t act_prev[BGP_AF_COUNT], act_next[BGP_AF_COUNT];
	bool active[BGP_AF_COUNT];
	uint8_t *enc[BGP_AF_COUNT]; /* owned: bgp_attrs_encode() output */
	uint16_t enc_len[BGP_AF_COUNT];
	uint8_t enc_mode[BGP_AF_COUNT]; /* 0 none, 1 2-octet AS, 2 4-octet AS */
};

struct rib_out {
	struct ro_table tab[BGP_AF_COUNT];
	struct ro_attrs *attrs; /* owned; index = id, slot 0 unused */
	uint32_t n_attrs;       /* slots in use incl. 0 */
	uint32_t cap_attrs;
	uint32_t attrs_free;
	struct core_idx aix;        /* interned content -> id */
	struct bgp_prefix *scratch; /* owned; prefixes of the message in build */
	size_t scratch_cap;
	unsigned af_next; /* round robin between families */
};

static inline struct ro_ent *ro_ent(const struct ro_table *t, uint32_t idx)
{
	return (struct ro_ent *)(t->slab + (size_t)idx * t->stride);
}

/* rib_out_attrs.c */
void ro_attrs_ref(struct rib_out *r, uint32_t id);
void ro_attrs_unref(struct rib_out *r, uint32_t id);
void ro_attrs_free_all(struct rib_out *r);
/* Encoded attributes of set id for af under sp, cached per AS width. */
int ro_attrs_encoded(struct rib_out *r, uint32_t id, enum bgp_af af,
                     const struct bgp_session_params *sp, const uint8_t **p, size_t *len);

/* rib_out.c */
struct ro_list *ro_list_of(struct rib_out *r, struct ro_table *t, enum bgp_af af,
                           const struct ro_ent *e);
/* The peer now has what e wanted: dequeue, update sent, maybe free. */
void ro_ent_commit(struct rib_out *r, enum bgp_af af, uint32_t idx);
void ro_act_remove(struct rib_out *r, struct ro_table *t, enum bgp_af af, uint32_t id);
void ro_act_append(struct rib_out *r, struct ro_table *t, enum bgp_af af, uint32_t id);

#endif
