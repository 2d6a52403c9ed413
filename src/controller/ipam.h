/*
 * berth IPAM: the pure address allocator behind LoadBalancer Services.
 *
 * Pure: pools and requests in, addresses and error values out. No sockets,
 * clocks, globals or logging; the Kubernetes controller owns all I/O.
 *
 * The one hard rule: a Service is NEVER renumbered. Everything below follows
 * from it.
 *  - After a restart the controller rebuilds the allocator with ipam_restore()
 *    from the addresses Services already carry in their status, for every
 *    Service, before the first ipam_allocate(). A restored address outside
 *    every pool stays with its Service, is reported "orphaned" and is given to
 *    nobody else. Restore is also accepted later (a Service may show up already
 *    carrying an address, e.g. written by the previous leader); claims are
 *    always conflict-checked.
 *  - ipam_allocate() is idempotent "ensure": an address a Service already holds
 *    for a family is kept, even if its pool was since disabled, shrunk,
 *    deleted, marked avoid_buggy_ips, or the request now names another pool
 *    (that is reported as pool_mismatch, the controller raises an Event). The
 *    only move is an explicit one: the request names a specific address that
 *    differs from the held one; the move is atomic (the old address is kept
 *    if the new one cannot be had).
 *  - A request change that cannot be honoured without a move (new sharing
 *    key, ports now colliding with a co-holder) is rejected and the Service
 *    keeps its address and its previous sharing parameters.
 *  - Pool edits and deletes never touch holdings. Releasing frees an address
 *    only when no other Service shares it.
 *
 * Pools (OpenELB Eip / MetalLB IPAddressPool):
 *  - One or more address specs: a single address, a CIDR (host bits must be
 *    zero: "10.0.0.5/24" is rejected as ambiguous) or "first-last"; IPv4 or
 *    IPv6, both may be mixed in one pool (dual-stack from one named pool).
 *  - Every address of a CIDR is allocatable, network and broadcast included:
 *    LB addresses are host routes (/32, /128) announced by BGP or answered by
 *    ARP/NDP, the pool is not an on-link subnet. This is what OpenELB (Eip
 *    GetSize counts 2^(32-len) from the network address) and MetalLB do by
 *    default. avoid_buggy_ips (MetalLB's option) excludes IPv4 x.y.z.0 and
 *    x.y.z.255 from automatic and specific allocation and from the pool size;
 *    restored holders of such addresses keep them. IPv6 has no broadcast and
 *    no such exclusion.
 *  - Overlapping pools are invalid: the pool being added or edited is refused
 *    with an error naming both pools, the existing pools keep working. An
 *    edit that is refused leaves the previous version of the pool in force
 *    (last known good configuration, as MetalLB does with a bad config).
 *  - At most one default pool per address family (OpenELB allows one default
 *    Eip; a v4 and a v6 default are two families).
 *  - priority: lower number = preferred, as OpenELB's ipam sorts
 *    (Spec.Priority ascending). Ties broken by pool name (byte order), so the
 *    choice is deterministic and restarts converge.
 *
 * Pool choice for a request that names neither pool nor address:
 *   the enabled pools bound to the Service's namespace (listed in namespaces,
 *   or ns_selector with the request's ns_match() saying yes), by priority then
 *   name; then the default pool of the family. OpenELB stops at the best bound
 *   Eip even when it is full; berth falls through to the next candidate, then
 *   to the default pool. Pools neither bound nor default serve only requests
 *   that name them or one of their addresses (OpenELB semantics: namespace
 *   binding steers automatic allocation, it is not access control).
 *
 * Address choice: the lowest free address of the first candidate pool with
 * one, never an address held by another Service. With a sharing key, an
 * address already held under the same key, compatible and with no port
 * collision (MetalLB allow-shared-ip) is preferred over any free address, in
 * the same pool order: Services that set a sharing key want to share.
 * Sharing rule: same non-empty sharing key, same compat key (the controller
 * puts e.g. a pod-selector hash there for externalTrafficPolicy=Local, as
 * MetalLB requires), no (protocol, port) in common.
 *
 * Family policy (Kubernetes ipFamilyPolicy): SINGLE_V4/SINGLE_V6 want one
 * family, DUAL_REQUIRE wants both or nothing (atomic), DUAL_PREFER takes both
 * when it can and one when the other family has no usable pool (none bound,
 * requested one missing or disabled, none of that family) or no free address
 * (result.partial, the reason in the error struct; a later call fills the
 * gap without touching the first address). A specific address is never
 * optional. Addresses of a family the request no longer wants are released.
 *
 * Not thread-safe: the controller calls it from one thread (or locks).
 *
 * Sizes: IPv6 pools may hold 2^64 and more addresses; nothing is per
 * address. Used addresses live in a hash map and a sorted interval set per
 * family; pools are ranges. Pool size is reported both as uint64_t
 * (saturating) and as an exact decimal string.
 *
 * Errors are values: functions return 0 or a negative errno and, when the
 * caller passes a struct ipam_error, a precise code and a message naming the
 * Service and the pool or address.
 */
#ifndef BERTH_CONTROLLER_IPAM_H
#define BERTH_CONTROLLER_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

/* Kubernetes object names are at most 253 bytes (DNS subdomain). */
#define IPAM_NAME_MAX 253
/* Service keys, sharing and compat keys, namespaces: bounded to bound memory. */
#define IPAM_STR_MAX   1024
#define IPAM_MAX_SPECS 64
#define IPAM_MAX_NS    4096
#define IPAM_MAX_PORTS 4096
#define IPAM_MSG_MAX   512

/* An inclusive address range of one family. */
struct ipam_range {
	struct core_addr first;
	struct core_addr last;
};

enum ipam_err {
	IPAM_OK = 0,
	IPAM_ERR_INVALID,          /* malformed pool or request */
	IPAM_ERR_NOT_IN_POOL,      /* requested address is in no pool */
	IPAM_ERR_IN_USE,           /* held by another Service, no sharing possible */
	IPAM_ERR_PORT_CONFLICT,    /* same sharing key but a port collides */
	IPAM_ERR_EXHAUSTED,        /* no free address in the candidate pools */
	IPAM_ERR_POOL_DISABLED,    /* the pool exists but is disabled */
	IPAM_ERR_NO_SUCH_POOL,     /* the requested pool does not exist */
	IPAM_ERR_FAMILY,           /* no pool of the wanted family is available */
	IPAM_ERR_NO_POOL,          /* no pool bound to the namespace, no default */
	IPAM_ERR_RESERVED,         /* excluded by avoid_buggy_ips */
	IPAM_ERR_POOL_MISMATCH,    /* requested address is not in requested pool */
	IPAM_ERR_OVERLAP,          /* pool overlaps another pool */
	IPAM_ERR_DEFAULT_CONFLICT, /* a second default pool for a family */
	IPAM_ERR_CONFLICT,         /* restore: Service already holds another address */
	IPAM_ERR_NOMEM,
};

struct ipam_error {
	enum ipam_err code;
	char msg[IPAM_MSG_MAX];
};

/* Static string, never NULL. */
const char *ipam_err_name(enum ipam_err code);

/* ---- Address helpers (pure, no allocator needed) ---- */

/* core_addr_parse, and IPv4-mapped IPv6 (::ffff:0:0/96) is refused: it
 * would let one address sit in both families. *out untouched on failure. */
int ipam_addr_parse(const char *s, struct core_addr *out);
/* Parses "addr", "addr/len" or "first-last" (spaces allowed around '-' and
 * at the ends). Returns -EINVAL for anything else. */
int ipam_range_parse(const char *spec, struct ipam_range *out);

/* ---- The allocator ---- */

struct ipam; /* opaque */

/* Returns a new empty allocator (caller owns, ipam_free) or NULL. */
struct ipam *ipam_new(void);
void ipam_free(struct ipam *ipam);

/* Every pointer is borrowed for the duration of the call and copied. */
struct ipam_pool_cfg {
	const char *name;             /* 1..IPAM_NAME_MAX bytes */
	const char *const *addresses; /* address specs, see ipam_range_parse */
	size_t n_addresses;           /* 1..IPAM_MAX_SPECS */
	int32_t priority;             /* lower = preferred */
	bool disabled;
	bool is_default;
	bool avoid_buggy_ips;
	const char *const *namespaces; /* namespaces bound to the pool */
	size_t n_namespaces;
	bool ns_selector; /* pool has a namespaceSelector: ask ns_match() */
};

/* Adds the pool or replaces the one of the same name. Refused (and the old
 * version kept) on overlap, default conflict or a malformed spec. */
int ipam_pool_set(struct ipam *ipam, const struct ipam_pool_cfg *cfg, struct ipam_error *err);
/* Same checks as ipam_pool_set without applying (admission webhooks). */
int ipam_pool_validate(const struct ipam *ipam, const struct ipam_pool_cfg *cfg,
                       struct ipam_error *err);
/* Holdings in the pool stay with their Services (they become orphaned unless
 * another pool covers them). -ENOENT if there is no such pool. */
int ipam_pool_delete(struct ipam *ipam, const char *name);

size_t ipam_pool_count(const struct ipam *ipam);
/* i-th pool in preference order (priority, name); borrowed, valid until the
 * next pool change. NULL when out of range. */
const char *ipam_pool_name(const struct ipam *ipam, size_t i);

struct ipam_pool_stats {
	uint64_t size;          /* allocatable addresses, saturating at UINT64_MAX */
	char size_dec[48];      /* the same, exact, in decimal (up to 2^128 + 2^32) */
	uint64_t used;          /* held addresses inside the pool (Eip usage) */
	uint64_t holders;       /* (address, Service) pairs: > used when shared */
	struct core_addr first; /* lowest address (IPv4 before IPv6) */
	struct core_addr last;  /* highest address */
	bool v4, v6;            /* families present */
	bool ready;             /* accepted and enabled */
	bool occupied;          /* no free allocatable address left */
};

int ipam_pool_stats(const struct ipam *ipam, const char *name, struct ipam_pool_stats *out);

/* Called per (address, Service); both borrowed for the call. A non-zero
 * return stops the walk and is returned. Order: by address, then Service. */
typedef int (*ipam_walk_fn)(const struct core_addr *addr, const char *service, void *arg);

/* Held addresses inside the pool (the Eip status "used" map). */
int ipam_pool_walk(const struct ipam *ipam, const char *name, ipam_walk_fn fn, void *arg);
/* Held addresses that are in no pool. */
int ipam_orphans_walk(const struct ipam *ipam, ipam_walk_fn fn, void *arg);

enum ipam_policy {
	IPAM_SINGLE_V4 = 0,
	IPAM_SINGLE_V6,
	IPAM_DUAL_REQUIRE,
	IPAM_DUAL_PREFER,
};

enum ipam_proto { IPAM_PROTO_TCP = 1, IPAM_PROTO_UDP = 2, IPAM_PROTO_SCTP = 3 };

struct ipam_port {
	uint16_t port; /* 1..65535 */
	uint8_t proto; /* enum ipam_proto */
};

/* "Does the namespace of this request match pool's namespaceSelector?" The
 * controller evaluates the label selector; pool is borrowed for the call. */
typedef bool (*ipam_ns_match_fn)(const char *pool, void *arg);

/* Every pointer is borrowed for the duration of the call. */
struct ipam_request {
	const char *service;           /* "namespace/name" */
	const char *ns;                /* NULL: the part of service before '/' */
	enum ipam_policy policy;       /* ignored by ipam_restore, as are pool, ns_match */
	const struct core_addr *addrs; /* specific addresses, <= 1 per family */
	size_t n_addrs;                /* 0..2 */
	const char *pool;              /* specific pool, NULL = automatic */
	const char *sharing_key;       /* NULL or "" = exclusive */
	const char *compat_key;        /* must be equal to share; NULL == "" */
	const struct ipam_port *ports;
	size_t n_ports;
	ipam_ns_match_fn ns_match; /* NULL: selector pools never match */
	void *ns_match_arg;
};

struct ipam_held {
	struct core_addr addr;
	char pool[IPAM_NAME_MAX + 1]; /* containing pool, "" if orphaned */
	bool orphaned;                /* in no pool */
	bool shared;                  /* another Service holds it too */
	bool pool_mismatch;           /* kept, but not in the requested pool */
	bool is_new;                  /* claimed by this call */
};

struct ipam_result {
	size_t n;              /* 0..2 */
	struct ipam_held a[2]; /* IPv4 first */
	bool partial;          /* DUAL_PREFER got one family; err says why */
	size_t released;       /* addresses this call gave up (family dropped or moved) */
};

/* Ensures the Service holds addresses as the request asks (see the top of
 * this file). out and err may be NULL. On failure nothing changes. */
int ipam_allocate(struct ipam *ipam, const struct ipam_request *req, struct ipam_result *out,
                  struct ipam_error *err);

/* Claims addresses a Service already holds, regardless of pools, disabled
 * flags and namespaces; only another Service's incompatible holding refuses
 * a claim (IPAM_ERR_IN_USE / PORT_CONFLICT), as does an address that differs
 * from the one this Service is already known to hold for the family
 * (IPAM_ERR_CONFLICT). Not atomic on purpose: every claimable address is
 * claimed even if another is refused, so that no address a Service holds is
 * left free for someone else. out lists what the Service holds afterwards. */
int ipam_restore(struct ipam *ipam, const struct ipam_request *req, const struct core_addr *addrs,
                 size_t n_addrs, struct ipam_result *out, struct ipam_error *err);

/* Gives up every address of the Service. -ENOENT if it holds nothing. */
int ipam_release(struct ipam *ipam, const char *service);

/* What the Service holds now. -ENOENT if nothing. */
int ipam_service_get(const struct ipam *ipam, const char *service, struct ipam_result *out);

size_t ipam_service_count(const struct ipam *ipam);

#endif
