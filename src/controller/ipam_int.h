/*
 * IPAM internals shared by the src/controller/ipam*.[ch] files. Not a public API.
 *
 * Addresses are 128-bit unsigned integers plus a family index (0 = IPv4,
 * 1 = IPv6); an IPv4 address is its 32-bit value. Arithmetic is done by hand
 * on two uint64_t halves so that nothing depends on a compiler's __int128.
 */
#ifndef BERTH_CONTROLLER_IPAM_INT_H
#define BERTH_CONTROLLER_IPAM_INT_H

#include "controller/ipam.h"
#include "core/map.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { IPAM_F4 = 0, IPAM_F6 = 1, IPAM_NFAM = 2 };

struct u128 {
	uint64_t hi, lo;
};

static inline int u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static inline bool u128_eq(struct u128 a, struct u128 b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

/* Wraps at 2^128; callers check for the maximum first. */
static inline struct u128 u128_inc(struct u128 a)
{
	a.lo++;
	if (a.lo == 0)
		a.hi++;
	return a;
}

static inline struct u128 u128_sub(struct u128 a, struct u128 b)
{
	struct u128 r = {a.hi - b.hi, a.lo - b.lo};

	if (a.lo < b.lo)
		r.hi--;
	return r;
}

static inline bool u128_is_max(struct u128 a)
{
	return a.hi == UINT64_MAX && a.lo == UINT64_MAX;
}

/* The highest address of family f: 2^32-1 or 2^128-1. */
struct u128 ipam_fam_max(int f);
int ipam_fam_of(uint8_t af); /* AF_INET -> IPAM_F4, AF_INET6 -> IPAM_F6, else -1 */
uint8_t ipam_af_of(int f);
struct u128 ipam_addr_val(const struct core_addr *a);
void ipam_val_addr(int f, struct u128 v, struct core_addr *out);
/* Writes the decimal form of v (at most 39 digits + NUL) into buf[40]. */
void u128_to_dec(struct u128 v, char buf[40]);
/* dec += v, both decimal; dec must have room for one more digit. */
void dec_add_u64(char *dec, size_t cap, uint64_t v);
/* Text of address (f, v) for messages, into buf[CORE_ADDR_STRLEN]. */
const char *ipam_val_str(int f, struct u128 v, char *buf);

/* MetalLB's avoidBuggyIPs: IPv4 .0 and .255 confuse some client firmware. */
static inline bool ipam_buggy(int f, struct u128 v)
{
	return f == IPAM_F4 && ((v.lo & 0xff) == 0 || (v.lo & 0xff) == 0xff);
}

/* ---- Sorted set of disjoint, non-adjacent inclusive intervals ---- */

struct ipam_ival {
	struct u128 first, last;
};

struct ipam_iset {
	struct ipam_ival *v; /* owned */
	size_t n, cap;
};

void ipam_iset_fini(struct ipam_iset *s);
/* Makes room so that the next `extra` add/del calls cannot fail. */
int ipam_iset_reserve(struct ipam_iset *s, size_t extra);
bool ipam_iset_has(const struct ipam_iset *s, struct u128 x);
/* x must not be in the set; needs one reserved slot. */
void ipam_iset_add(struct ipam_iset *s, struct u128 x);
/* x must be in the set; needs one reserved slot (a split). */
void ipam_iset_del(struct ipam_iset *s, struct u128 x);
/* Lowest y in [from, to] not in the set. */
bool ipam_iset_next_free(const struct ipam_iset *s, struct u128 from, struct u128 to,
                         struct u128 *out);
/* Index of the first interval whose last >= x (n if none). */
size_t ipam_iset_lower(const struct ipam_iset *s, struct u128 x);
/* Number of members in [from, to]. */
uint64_t ipam_iset_count(const struct ipam_iset *s, struct u128 from, struct u128 to);

/* ---- Allocator objects ---- */

struct ipam_span {
	int fam;
	struct u128 first, last;
};

struct ipam_pool {
	char *name;              /* owned */
	struct ipam_span *spans; /* owned, sorted by (fam, first), disjoint */
	size_t n_spans;
	char **namespaces; /* owned */
	size_t n_namespaces;
	int32_t priority;
	bool disabled, is_default, avoid_buggy, ns_selector;
	bool fam[IPAM_NFAM];
};

struct ipam_svc;

/* One held address and the Services holding it. */
struct ipam_hold {
	uint8_t key[17]; /* family index + 16 value bytes: the map key */
	int fam;
	struct u128 val;
	char *skey;                /* owned copy of the holders' sharing key, or NULL */
	struct ipam_svc **holders; /* owned array, sorted by Service key */
	size_t n_holders, cap_holders;
	/* Holdings with the same sharing key, for finding shareable ones. */
	struct ipam_hold *grp_prev, *grp_next;
};

struct ipam_svc {
	char *key;               /* owned */
	char *skey, *ckey;       /* owned or NULL: sharing and compat key */
	struct ipam_port *ports; /* owned, sorted, unique */
	size_t n_ports;
	struct ipam_hold *hold[IPAM_NFAM];
};

struct ipam {
	struct ipam_pool **pools; /* owned, sorted by (priority, name) */
	size_t n_pools, cap_pools;
	struct core_map svcs;   /* key -> struct ipam_svc, owned */
	struct core_map holds;  /* 17-byte key -> struct ipam_hold, owned */
	struct core_map groups; /* sharing key -> first struct ipam_hold of the group */
	struct ipam_iset used[IPAM_NFAM];
};

void ipam_pool_destroy(struct ipam_pool *p);
struct ipam_pool *ipam_pool_find(const struct ipam *ipam, const char *name);
/* The pool with a span containing (f, v), or NULL. */
struct ipam_pool *ipam_pool_containing(const struct ipam *ipam, int f, struct u128 v);
bool ipam_pool_has(const struct ipam_pool *p, int f, struct u128 v);
/* Lowest free allocatable address of family f in p. */
bool ipam_pool_lowest_free(const struct ipam *ipam, const struct ipam_pool *p, int f,
                           struct u128 *out);

void ipam_hold_keyfill(struct ipam_hold *h);
struct ipam_hold *ipam_hold_find(const struct ipam *ipam, int f, struct u128 v);

/* Fills one result entry for a holding. */
void ipam_held_fill(const struct ipam *ipam, const struct ipam_hold *h, struct ipam_held *out);

/* ---- Requests, plans, commits (ipam.c) ---- */

/* A validated request. */
struct ipam_norm {
	const struct ipam_request *req;
	const char *key;
	char ns[IPAM_NAME_MAX + 1];
	const char *pool;        /* borrowed, NULL if automatic */
	const char *skey, *ckey; /* borrowed, NULL if unset or empty */
	struct ipam_port *ports; /* owned, sorted, unique */
	size_t n_ports;
	bool want[IPAM_NFAM];
	bool has_spec[IPAM_NFAM];
	struct u128 spec[IPAM_NFAM];
};

int ipam_norm_init(struct ipam_norm *n, const struct ipam_request *req, struct ipam_error *err);
/* Adds specific addresses (allocate: req->addrs; restore: the held ones). */
int ipam_norm_addrs(struct ipam_norm *n, const struct core_addr *addrs, size_t n_addrs,
                    struct ipam_error *err);
void ipam_norm_fini(struct ipam_norm *n);

enum ipam_act { IPAM_ACT_NONE = 0, IPAM_ACT_KEEP, IPAM_ACT_DROP, IPAM_ACT_NEW };

struct ipam_plan {
	enum ipam_act act[IPAM_NFAM];
	struct u128 val[IPAM_NFAM];        /* IPAM_ACT_NEW */
	struct ipam_hold *join[IPAM_NFAM]; /* IPAM_ACT_NEW: holding to join, NULL = fresh */
	bool mismatch[IPAM_NFAM];          /* IPAM_ACT_KEEP outside the requested pool */
};

/* NULL-safe string equality. */
bool ipam_str_eq(const char *a, const char *b);
/* Can the Service (self, NULL if new) with the request's sharing parameters
 * hold h alongside its other holders? Fills err naming the culprit. */
int ipam_share_check(const struct ipam_hold *h, const struct ipam_svc *self,
                     const struct ipam_norm *n, struct ipam_error *err);
/* Applies a plan; either fully (0) or not at all (-ENOMEM). */
int ipam_commit(struct ipam *ipam, const struct ipam_norm *n, const struct ipam_plan *pl,
                struct ipam_error *err);
void ipam_result_fill(const struct ipam *ipam, const struct ipam_svc *svc,
                      const struct ipam_plan *pl, struct ipam_result *out);
struct ipam_svc *ipam_svc_find(const struct ipam *ipam, const char *key);

int ipam_set_err(struct ipam_error *err, enum ipam_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
