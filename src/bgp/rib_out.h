/*
 * berth Adj-RIB-Out for one peer (RFC 4271 section 3.2), pure.
 *
 * Holds what berth wants the peer to have (prefix -> attribute set) and
 * what it has sent, and turns the difference into as few UPDATE messages
 * as possible: full messages, one attribute set each, withdrawals first.
 * IPv4 uses the classic NLRI/withdrawn fields, IPv6 MP_REACH/MP_UNREACH.
 *
 * Changes are O(1) and only queue work; rib_out_next_update() drains the
 * queues one message at a time, so the peer layer writes while the socket
 * is writable and the table is never scanned on the fast path. Nothing is
 * sent for a change that ends where it started (announce what the peer
 * already has, announce then withdraw before the flush, withdraw what it
 * never got).
 *
 * Typical use by the peer layer:
 *
 *   id = 0; rib_out_attrs_add(r, &attrs, &id);    intern once per set
 *   rib_out_announce(r, &prefix, id);             any number of times
 *   rib_out_attrs_put(r, id);                     when the caller forgets id
 *   ...
 *   session Established:                          af[] = session.af
 *       while ((n = rib_out_next_update(r, buf, sizeof buf, &params, af)) > 0)
 *               write buf[0..n) (stop while the socket is full)
 *   session down: rib_out_session_down(r)
 *   ROUTE-REFRESH received: rib_out_refresh(r, af)
 *
 * End-of-RIB (RFC 4724 section 2, recommended for every session) is
 * produced by rib_out_next_update() itself, once per session and family,
 * right after the last route that was wanted when that family's first
 * rib_out_next_update() of the session ran (later changes may follow it).
 *
 * Memory: 28 bytes per IPv4 route (40 for IPv6) plus 11-21 bytes of
 * index (core/idx.h); no allocation per route.
 */
#ifndef BERTH_BGP_RIB_OUT_H
#define BERTH_BGP_RIB_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bgp/bgp.h"

struct rib_out;

/* NULL on allocation failure. The caller owns the result. */
struct rib_out *rib_out_new(void);
void rib_out_free(struct rib_out *r);

/*
 * Interns an attribute set: equal content gives the same id (ids are
 * non-zero). The set is copied, the borrowed arrays in *a too. Each call
 * takes a reference for the caller, released with rib_out_attrs_put();
 * routes that use the set hold their own. Returns 0, -EINVAL for an
 * invalid set, -EMSGSIZE when its attributes could not leave room for a
 * prefix in a 4096-octet UPDATE, or -ENOMEM.
 */
int rib_out_attrs_add(struct rib_out *r, const struct bgp_out_attrs *a, uint32_t *id);
void rib_out_attrs_put(struct rib_out *r, uint32_t id);

/*
 * Wants p announced with attribute set attrs_id (replacing any previous
 * set). p must be canonical (bits past len zero); path_id stays 0 unless
 * the session sends ADD-PATH for the family (RFC 7911). Returns 0,
 * -EINVAL (bad prefix, or the set lacks the family's next hop), -ENOENT
 * (unknown id) or -ENOMEM.
 */
int rib_out_announce(struct rib_out *r, const struct bgp_prefix *p, uint32_t attrs_id);

/* Wants p withdrawn. 0 (also when p is unknown) or -EINVAL. */
int rib_out_withdraw(struct rib_out *r, const struct bgp_prefix *p);

/*
 * The session went down: the peer has nothing now, every wanted route is
 * pending again and End-of-RIB becomes due again for the next session.
 */
void rib_out_session_down(struct rib_out *r);

/* ROUTE-REFRESH (RFC 2918): every wanted route of af is sent again. */
void rib_out_refresh(struct rib_out *r, enum bgp_af af);

/* Whether rib_out_next_update() would write something. */
bool rib_out_has_pending(const struct rib_out *r, const bool af_enabled[BGP_AF_COUNT]);

/*
 * Writes one UPDATE (or End-of-RIB) for the enabled families into buf and
 * marks its content as sent. Messages stay within min(cap, 4096 or 65535
 * with sp->ext_msg); path ids go out where sp->addpath_tx[af]. Returns the
 * length, 0 when nothing is pending, -EINVAL, -ENOBUFS (cap too small for
 * any message) or -ENOMEM. The first call for a family after
 * rib_out_session_down()/rib_out_new() starts its initial sync.
 */
ssize_t rib_out_next_update(struct rib_out *r, uint8_t *buf, size_t cap,
                            const struct bgp_session_params *sp,
                            const bool af_enabled[BGP_AF_COUNT]);

/* Whether the initial sync of af, End-of-RIB included, went out. */
bool rib_out_synced(const struct rib_out *r, enum bgp_af af);

/*
 * What the table holds for p: 0 with *want (0 = withdrawn) and *sent
 * (0 = the peer does not have it) attribute ids, or -ENOENT.
 */
int rib_out_lookup(const struct rib_out *r, const struct bgp_prefix *p, uint32_t *want,
                   uint32_t *sent);

struct rib_out_stats {
	uint64_t wanted[BGP_AF_COUNT];  /* routes we want the peer to have */
	uint64_t sent[BGP_AF_COUNT];    /* routes the peer has */
	uint64_t pending[BGP_AF_COUNT]; /* routes waiting for an UPDATE */
	uint32_t attr_sets;
	size_t mem_bytes; /* heap held by the tables */
};
void rib_out_stats(const struct rib_out *r, struct rib_out_stats *st);

#endif
