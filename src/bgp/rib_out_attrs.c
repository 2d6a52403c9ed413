/*
 * Adj-RIB-Out attribute sets: interned (equal content -> same id),
 * refcounted by the caller and by every route that wants or has them, and
 * encoded once per family and AS width. Pure.
 */
#include "bgp/rib_out_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/*
 * Upper bound of the encoded size, so that a set that cannot leave room
 * for prefixes in a 4096-octet UPDATE is refused up front instead of
 * wedging the queue later.
 */
#define RO_ATTRS_MAX 3072

static size_t attrs_size_bound(const struct bgp_out_attrs *a)
{
	/* Fixed attributes with 4-octet headers, AS_PATH twice (AS4_PATH). */
	return 64 + 2 * (4 + 2 + 4 * (size_t)a->as_path_len) + 4 + 4 * a->n_communities + 4 +
	       12 * a->n_large_communities + 4 + 8 * a->n_ext_communities;
}

/* Optional address of one family, with the unused octets zeroed. */
static int addr_norm(struct core_addr *dst, const struct core_addr *src, uint8_t family)
{
	memset(dst, 0, sizeof(*dst));
	if (src->family == 0)
		return 0;
	if (src->family != family)
		return -EINVAL;
	dst->family = family;
	memcpy(dst->bytes, src->bytes, core_af_len(family));
	return 0;
}

/*
 * RFC 4271 section 6.3: a NEXT_HOP must be a valid host address, or the
 * peer treats the routes as withdrawn (RFC 7606 section 7.3). Refuse the
 * obvious non-unicast ones here rather than send them.
 */
static bool nh_ok(const struct core_addr *a, bool link_local)
{
	static const uint8_t zero[16], loop6[16] = {[15] = 1};
	const uint8_t *b = a->bytes;

	if (a->family == 0)
		return true;
	if (a->family == AF_INET)
		return b[0] != 0 && b[0] != 127 && b[0] < 224;
	if (link_local)
		return b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
	return b[0] != 0xff && memcmp(b, zero, 16) != 0 && memcmp(b, loop6, 16) != 0;
}

/* A canonical copy with the arrays still borrowed from src. */
static int attrs_norm(struct bgp_out_attrs *n, const struct bgp_out_attrs *a)
{
	memset(n, 0, sizeof(*n));
	if (a->origin > BGP_ORIGIN_INCOMPLETE ||
	    a->as_path_len > sizeof(a->as_path) / sizeof(a->as_path[0]))
		return -EINVAL;
	if ((a->n_communities && !a->communities) ||
	    (a->n_large_communities && !a->large_communities) ||
	    (a->n_ext_communities && !a->ext_communities))
		return -EINVAL;
	/* RFC 7607 section 2: AS 0 must not appear in an AS_PATH. */
	for (size_t i = 0; i < a->as_path_len; i++)
		if (a->as_path[i] == 0)
			return -EINVAL;
	if (a->next_hop.family == 0 && a->next_hop6.family == 0)
		return -EINVAL;
	if (addr_norm(&n->next_hop, &a->next_hop, AF_INET) < 0 ||
	    addr_norm(&n->next_hop6, &a->next_hop6, AF_INET6) < 0 ||
	    addr_norm(&n->next_hop6_ll, &a->next_hop6_ll, AF_INET6) < 0)
		return -EINVAL;
	if ((n->next_hop6_ll.family && !n->next_hop6.family) || !nh_ok(&n->next_hop, false) ||
	    !nh_ok(&n->next_hop6, false) || !nh_ok(&n->next_hop6_ll, true))
		return -EINVAL;
	if (attrs_size_bound(a) > RO_ATTRS_MAX)
		return -EMSGSIZE;
	n->origin = a->origin;
	n->as_path_len = a->as_path_len;
	memcpy(n->as_path, a->as_path, a->as_path_len * sizeof(a->as_path[0]));
	n->has_med = a->has_med;
	n->med = a->has_med ? a->med : 0;
	n->has_local_pref = a->has_local_pref;
	n->local_pref = a->has_local_pref ? a->local_pref : 0;
	n->communities = a->n_communities ? a->communities : NULL;
	n->n_communities = a->n_communities;
	n->large_communities = a->n_large_communities ? a->large_communities : NULL;
	n->n_large_communities = a->n_large_communities;
	n->ext_communities = a->n_ext_communities ? a->ext_communities : NULL;
	n->n_ext_communities = a->n_ext_communities;
	return 0;
}

static uint32_t attrs_hash(const struct bgp_out_attrs *n)
{
	uint64_t h = core_fnv(CORE_FNV_INIT, &n->origin, 1);

	h = core_fnv(h, n->as_path, n->as_path_len * sizeof(n->as_path[0]));
	h = core_fnv(h, &n->as_path_len, 1);
	h = core_fnv(h, &n->next_hop, sizeof(n->next_hop));
	h = core_fnv(h, &n->next_hop6, sizeof(n->next_hop6));
	h = core_fnv(h, &n->next_hop6_ll, sizeof(n->next_hop6_ll));
	h = core_fnv(h, &n->med, sizeof(n->med));
	h = core_fnv(h, &n->local_pref, sizeof(n->local_pref));
	h = core_fnv(h, &n->has_med, 1);
	h = core_fnv(h, &n->has_local_pref, 1);
	h = core_fnv(h, n->communities, n->n_communities * 4);
	h = core_fnv(h, &n->n_communities, sizeof(n->n_communities));
	h = core_fnv(h, n->large_communities, n->n_large_communities * 12);
	h = core_fnv(h, &n->n_large_communities, sizeof(n->n_large_communities));
	h = core_fnv(h, n->ext_communities, n->n_ext_communities * 8);
	return core_hash_mix(core_fnv(h, &n->n_ext_communities, sizeof(n->n_ext_communities)));
}

static bool arr_eq(const void *x, const void *y, size_t n)
{
	return n == 0 || memcmp(x, y, n) == 0;
}

static bool attrs_equal(const struct bgp_out_attrs *x, const struct bgp_out_attrs *y)
{
	return x->origin == y->origin && x->as_path_len == y->as_path_len &&
	       arr_eq(x->as_path, y->as_path, x->as_path_len * sizeof(x->as_path[0])) &&
	       memcmp(&x->next_hop, &y->next_hop, sizeof(x->next_hop)) == 0 &&
	       memcmp(&x->next_hop6, &y->next_hop6, sizeof(x->next_hop6)) == 0 &&
	       memcmp(&x->next_hop6_ll, &y->next_hop6_ll, sizeof(x->next_hop6_ll)) == 0 &&
	       x->has_med == y->has_med && x->med == y->med &&
	       x->has_local_pref == y->has_local_pref && x->local_pref == y->local_pref &&
	       x->n_communities == y->n_communities &&
	       arr_eq(x->communities, y->communities, x->n_communities * 4) &&
	       x->n_large_communities == y->n_large_communities &&
	       arr_eq(x->large_communities, y->large_communities, x->n_large_communities * 12) &&
	       x->n_ext_communities == y->n_ext_communities &&
	       arr_eq(x->ext_communities, y->ext_communities, x->n_ext_communities * 8);
}

static void *dup_arr(const void *src, size_t len, int *rc)
{
	void *p;

	if (!len)
		return NULL;
	p = malloc(len);
	if (!p) {
		*rc = -ENOMEM;
		return NULL;
	}
	memcpy(p, src, len);
	return p;
}

static void slot_release(struct ro_attrs *A)
{
	free(A->a.communities);
	free(A->a.large_communities);
	free(A->a.ext_communities);
	for (int af = 0; af < BGP_AF_COUNT; af++)
		free(A->enc[af]);
}

static int slot_alloc(struct rib_out *r, uint32_t *id)
{
	if (r->attrs_free != RO_NIL) {
		*id = r->attrs_free;
		r->attrs_free = r->attrs[*id].free_next;
		return 0;
	}
	if (r->n_attrs == 0)
		r->n_attrs = 1; /* id 0 means "none" */
	if (r->n_attrs >= r->cap_attrs) {
		uint32_t ncap = r->cap_attrs ? r->cap_attrs * 2 : 16;
		struct ro_attrs *a;

		if (ncap <= r->cap_attrs || ncap == RO_NIL)
			return -ENOMEM;
		a = realloc(r->attrs, (size_t)ncap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		r->attrs = a;
		r->cap_attrs = ncap;
	}
	*id = r->n_attrs++;
	return 0;
}

struct lookup {
	const struct rib_out *r;
	const struct bgp_out_attrs *a;
};

static int attrs_eq(const void *ctx, uint32_t id)
{
	const struct lookup *l = ctx;

	return attrs_equal(&l->r->attrs[id].a, l->a);
}

/* Back on the free list, its arrays freed. */
static void slot_free(struct rib_out *r, uint32_t id)
{
	struct ro_attrs *A = &r->attrs[id];

	slot_release(A);
	memset(A, 0, sizeof(*A));
	A->free_next = r->attrs_free;
	r->attrs_free = id;
}

int rib_out_attrs_add(struct rib_out *r, const struct bgp_out_attrs *a, uint32_t *id)
{
	struct bgp_out_attrs n;
	struct lookup l = {r, &n};
	struct ro_attrs *A;
	uint32_t h, slot;
	int64_t at;
	int rc;

	if (!r || !a || !id)
		return -EINVAL;
	rc = attrs_norm(&n, a);
	if (rc < 0)
		return rc;
	h = attrs_hash(&n);
	if ((at = core_idx_find(&r->aix, h, attrs_eq, &l)) >= 0) {
		r->attrs[at].refs++;
		*id = (uint32_t)at;
		return 0;
	}
	rc = slot_alloc(r, &slot);
	if (rc < 0)
		return rc;
	A = &r->attrs[slot];
	memset(A, 0, sizeof(*A));
	A->a = n;
	A->a.communities = dup_arr(n.communities, n.n_communities * 4, &rc);
	A->a.large_communities = dup_arr(n.large_communities, n.n_large_communities * 12, &rc);
	A->a.ext_communities = dup_arr(n.ext_communities, n.n_ext_communities * 8, &rc);
	if (rc < 0 || (rc = core_idx_insert(&r->aix, h, slot)) < 0) {
		slot_free(r, slot);
		return rc;
	}
	for (int af = 0; af < BGP_AF_COUNT; af++) {
		A->pend[af].head = A->pend[af].tail = RO_NIL;
		A->act_prev[af] = A->act_next[af] = RO_NIL;
	}
	A->hash = h;
	A->refs = 1;
	*id = slot;
	return 0;
}

void ro_attrs_ref(struct rib_out *r, uint32_t id)
{
	r->attrs[id].refs++;
}

void ro_attrs_unref(struct rib_out *r, uint32_t id)
{
	struct ro_attrs *A = &r->attrs[id];

	if (--A->refs)
		return;
	/* Unreferenced means no route wants it: its queues are empty. */
	core_idx_remove(&r->aix, A->hash, id);
	slot_free(r, id);
}

void rib_out_attrs_put(struct rib_out *r, uint32_t id)
{
	if (!r || id == 0 || id >= r->n_attrs || r->attrs[id].refs == 0)
		return;
	ro_attrs_unref(r, id);
}

void ro_attrs_free_all(struct rib_out *r)
{
	for (uint32_t id = 1; id < r->n_attrs; id++)
		if (r->attrs[id].refs)
			slot_release(&r->attrs[id]);
	free(r->attrs);
	core_idx_fini(&r->aix);
}

int ro_attrs_encoded(struct rib_out *r, uint32_t id, enum bgp_af af,
                     const struct bgp_session_params *sp, const uint8_t **p, size_t *len)
{
	struct ro_attrs *A = &r->attrs[id];
	/* bgp_attrs_encode depends on the session only through sp->as4. */
	uint8_t mode = sp->as4 ? 2 : 1;

	if (A->enc_mode[af] != mode) {
		uint8_t tmp[BGP_MAX_MSG_LEN];
		ssize_t n = bgp_attrs_encode(tmp, sizeof(tmp), &A->a, af, sp);
		uint8_t *e;

		if (n < 0)
			return (int)n;
		e = realloc(A->enc[af], n ? (size_t)n : 1);
		if (!e)
			return -ENOMEM;
		memcpy(e, tmp, (size_t)n);
		A->enc[af] = e;
		A->enc_len[af] = (uint16_t)n;
		A->enc_mode[af] = mode;
	}
	*p = A->enc[af];
	*len = A->enc_len[af];
	return 0;
}
