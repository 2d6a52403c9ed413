/*
 * berth netlink: the service addresses this node announces live on a dummy
 * interface (default "kube-lb0"), so that the node accepts their traffic
 * whatever kube-proxy's mode is, and `ip addr` shows them.
 *
 * Two layers, both over rtnetlink with libmnl:
 *
 *  - pure (encode.c, decode.c, plan.c): requests are encoded into
 *    caller-owned buffers; replies are decoded from caller-owned buffers,
 *    validate-then-read, never outside [buf, buf+len); the planner
 *    (nl_plan_compute) turns (wanted addresses, addresses present on the
 *    node), both sorted, into adds, dels and conflicts. No sockets, clocks,
 *    globals or logging.
 *
 *  - I/O (sock.c, link.c, addr.c, route.c): one blocking NETLINK_ROUTE socket with
 *    a receive timeout. Every request asks for an ACK, so each failure
 *    comes back with the kernel's errno (and its extended-ACK text, see
 *    nl_error()). Replies of an abandoned request are recognised by their
 *    sequence number and skipped.
 *
 * Buffers handed to decoders must be 4-byte aligned (NLMSG_ALIGNTO), as
 * malloc'd and receive buffers are; nl_reply_decode refuses others with
 * -EINVAL.
 *
 * Address policy (one place: nl_addr_new_encode): scope global, so that
 * the address behaves like any other address of the node;
 * IFA_F_NOPREFIXROUTE for both families, so that a prefix shorter than a
 * host route never sends a subnet into the dummy interface and IPv6 /128s
 * do not add a main-table route next to their local route; IPv6 also gets
 * IFA_F_NODAD, so the address is usable at once (RFC 4862 section 5.4 would
 * hold it "tentative" for about a second, and a dummy has no neighbours).
 */
#ifndef BERTH_NL_H
#define BERTH_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

struct nlmsghdr;

#define NL_IFNAME_DEFAULT "kube-lb0"
#define NL_KIND_DUMMY     "dummy"
#define NL_IFNAME_LEN     16 /* IFNAMSIZ, NUL included */
#define NL_KIND_LEN       32 /* longest IFLA_INFO_KIND we keep, NUL included */
#define NL_ERR_LEN        256

/* A link as RTM_NEWLINK reports it. */
struct nl_link {
	int ifindex;
	unsigned int flags;       /* IFF_* */
	char name[NL_IFNAME_LEN]; /* "" when the message had no IFLA_IFNAME */
	char kind[NL_KIND_LEN];   /* IFLA_INFO_KIND; "" for links without one (lo, NICs) */
};

/* An interface address, as RTM_NEWADDR reports it or as berth wants it. */
struct nl_addr {
	int ifindex;
	uint8_t prefixlen;
	uint8_t scope;         /* RT_SCOPE_*; RT_SCOPE_UNIVERSE (0) is "global" */
	uint32_t flags;        /* IFA_F_* (IFA_FLAGS when present) */
	struct core_addr addr; /* the local address; unused bytes zero */
};

/* ---- Pure: request encoders ----
 *
 * buf: caller-owned, 4-byte aligned, len bytes. Each returns the message
 * length, -ENOBUFS when buf is too small or -EINVAL for a bad argument
 * (interface name empty, too long or not a valid kernel name; family
 * other than AF_INET/AF_INET6; prefix length over 32/128; ifindex <= 0).
 * Requests carry NLM_F_REQUEST and NLM_F_ACK, or NLM_F_DUMP for the dump;
 * nlmsg_pid stays 0 (the kernel fills it in).
 */
int nl_link_get_encode(void *buf, size_t len, uint32_t seq, const char *name);
/* Creates a link of kind "kind", administratively up. NLM_F_EXCL: the
 * kernel answers EEXIST rather than modify a link of that name. */
int nl_link_new_encode(void *buf, size_t len, uint32_t seq, const char *name, const char *kind);
int nl_link_up_encode(void *buf, size_t len, uint32_t seq, int ifindex);
int nl_link_del_encode(void *buf, size_t len, uint32_t seq, int ifindex);
/* a->ifindex, a->addr and a->prefixlen are used; scope and flags come from
 * the policy above (new) or do not matter to the kernel (del). */
int nl_addr_new_encode(void *buf, size_t len, uint32_t seq, const struct nl_addr *a);
int nl_addr_del_encode(void *buf, size_t len, uint32_t seq, const struct nl_addr *a);
/* Every address of every family and interface. */
int nl_addr_dump_encode(void *buf, size_t len, uint32_t seq);

/* The route this node would use to reach dst (RTM_GETROUTE, as `ip route
 * get` asks): dst_len 32 or 128 and RTA_DST. -EINVAL unless dst is
 * IPv4 or IPv6. */
int nl_route_get_encode(void *buf, size_t len, uint32_t seq, const struct core_addr *dst);

/* ---- Pure: reply decoders ---- */

/* Called for each data message (type >= NLMSG_MIN_TYPE) of the reply; nlh
 * is borrowed from the buffer being decoded and its nlmsg_len has been
 * checked against it. Return 0 to go on, a negative errno to fail the
 * request (the rest of the reply is still consumed, without calls). */
typedef int (*nl_msg_fn)(const struct nlmsghdr *nlh, void *arg);

/* State of one request's reply, across the datagrams that carry it. */
struct nl_reply {
	uint32_t seq;
	uint32_t portid;      /* 0: accept any nlmsg_pid */
	bool dump;            /* the reply ends with NLMSG_DONE, not with an ACK */
	bool intr;            /* some message carried NLM_F_DUMP_INTR */
	int fn_err;           /* first error returned by the callback */
	char msg[NL_ERR_LEN]; /* the kernel's extended-ACK text, "" when none;
	                       * non-printable bytes replaced by '?' */
};

void nl_reply_init(struct nl_reply *r, uint32_t seq, uint32_t portid, bool dump);

/* Feeds one received datagram. Messages of other requests (another
 * sequence number or portid) are skipped. Returns 1 when the reply goes
 * on in a later datagram, 0 when it is complete, or a negative errno: the
 * kernel's (NLMSG_ERROR, or a failed dump's NLMSG_DONE), -EINTR when the
 * dump was inconsistent (NLM_F_DUMP_INTR: the caller drops what it got
 * and dumps again), -EBADMSG for malformed bytes, -ENOBUFS for
 * NLMSG_OVERRUN, or the callback's error. Call again only after 1. */
int nl_reply_decode(struct nl_reply *r, const void *buf, size_t len, nl_msg_fn fn, void *arg);

/* 0, -ENOMSG (not RTM_NEWLINK) or -EBADMSG. Unknown attributes are
 * ignored; a name or kind that does not fit is malformed. */
int nl_link_decode(const struct nlmsghdr *nlh, struct nl_link *l);
/* 0, -ENOMSG (not RTM_NEWADDR), -EAFNOSUPPORT (neither IPv4 nor IPv6) or
 * -EBADMSG. The address is IFA_LOCAL when present (the local end of a
 * point-to-point address), else IFA_ADDRESS. */
int nl_addr_decode(const struct nlmsghdr *nlh, struct nl_addr *a);

/* A route as RTM_NEWROUTE reports it (the answer to nl_route_get_encode:
 * one path, the one the lookup chose, also for a multipath route). */
struct nl_route {
	uint8_t family;           /* AF_INET or AF_INET6 */
	uint8_t type;             /* RTN_UNICAST, RTN_LOCAL (an address of this node), ... */
	uint32_t table;           /* RTA_TABLE when present, else rtm_table */
	int oif;                  /* RTA_OIF; 0 when the message had none */
	bool has_gateway;         /* RTA_GATEWAY present: reached through a router */
	struct core_addr gateway; /* RTA_GATEWAY, same family */
};

/* 0, -ENOMSG (not RTM_NEWROUTE), -EAFNOSUPPORT (neither IPv4 nor IPv6)
 * or -EBADMSG (short header, bad attribute lengths, an RTA_OIF outside
 * 1..INT32_MAX). Unknown attributes are ignored; *r is zeroed on error. */
int nl_route_decode(const struct nlmsghdr *nlh, struct nl_route *r);

/* ---- Pure: reconcile planner ---- */

/* Sorts v by address (family, then the family's bytes), then ifindex,
 * then prefix length: the order nl_plan_compute wants. In place, with no
 * allocation (core/sort.h). */
void nl_addr_sort(struct nl_addr *v, size_t n);

struct nl_plan {
	struct nl_addr *add; /* owned: to add on the interface (ifindex set,
	                      * scope global, canonical address) */
	size_t n_add;
	struct nl_addr *del; /* owned: to remove from it, as listed */
	size_t n_del;
	struct nl_addr *conflict; /* owned: wanted addresses found on ANOTHER
	                           * interface, as listed there */
	size_t n_conflict;
	size_t cap_add, cap_del, cap_conflict; /* private to plan.c */
};

void nl_plan_init(struct nl_plan *p);
void nl_plan_fini(struct nl_plan *p);

/*
 * What to change so that interface ifindex holds exactly the wanted
 * addresses. want: the addresses (addr, prefixlen; other fields ignored),
 * duplicates allowed. have: every address of the node (a dump of all
 * interfaces). Both sorted by address (nl_addr_sort); one pass merges
 * them.
 *
 * - Only global-scope addresses of ifindex are berth's: link- and
 *   host-scope ones (the kernel's IPv6 link-local) are left alone.
 * - A wanted address present on another interface is a conflict: it is
 *   not added, is removed from ifindex if there, and the other interface
 *   is never touched.
 * - The same address with another prefix length is deleted and added
 *   again; apply every del before any add (IPv6 refuses a second prefix
 *   length for one address).
 *
 * p is finalized first. 0, -EINVAL (want or have not sorted by address,
 * bad family or prefix length in want, one address wanted with two prefix
 * lengths, ifindex <= 0) or -ENOMEM; p is empty after a failure.
 */
int nl_plan_compute(struct nl_plan *p, int ifindex, const struct nl_addr *want, size_t n_want,
                    const struct nl_addr *have, size_t n_have);

/* ---- I/O ---- */

struct nl_sock;

/* A NETLINK_ROUTE socket in the caller's network namespace. 0 or -errno. */
int nl_open(struct nl_sock **out);
void nl_close(struct nl_sock *s);
/* Why the last failed call on s failed ("" when it did not); owned by s,
 * valid until the next call on s. */
const char *nl_error(const struct nl_sock *s);

/* 0 with *l filled, -ENODEV when there is no such link. */
int nl_link_get(struct nl_sock *s, const char *name, struct nl_link *l);
/*
 * A link "name" of kind "kind", up: created when absent, set up when down.
 * Idempotent. 1 when created, 0 when it was there; -EEXIST when a link of
 * that name exists with another kind (never taken over: it may be a NIC);
 * -EOPNOTSUPP when the kernel lacks the driver. *ifindex is set on success.
 */
int nl_link_ensure(struct nl_sock *s, const char *name, const char *kind, int *ifindex);
int nl_link_ensure_dummy(struct nl_sock *s, const char *name, int *ifindex);
/* Deletes link "name" if it has kind "kind". 1 when deleted, 0 when absent,
 * -EEXIST when it has another kind (left alone). */
int nl_link_delete(struct nl_sock *s, const char *name, const char *kind);

/* 1 when added, 0 when the interface already had it (for IPv6 maybe with
 * another prefix length: nl_reconcile repairs that). */
int nl_addr_add(struct nl_sock *s, int ifindex, const struct core_addr *a, uint8_t prefixlen);
/* 1 when removed, 0 when the interface did not have it. */
int nl_addr_del(struct nl_sock *s, int ifindex, const struct core_addr *a, uint8_t prefixlen);

/* Called once per IPv4/IPv6 address; a borrowed, valid during the call.
 * 0 to go on, a negative errno to stop the dump with that error. */
typedef int (*nl_addr_fn)(const struct nl_addr *a, void *arg);
/* Every address of interface ifindex, or of all interfaces when 0.
 * -EINTR when the kernel reports the dump inconsistent (addresses changed
 * meanwhile): forget what fn saw and call again. */
int nl_addr_dump(struct nl_sock *s, int ifindex, nl_addr_fn fn, void *arg);

/* The route to dst, as the kernel's lookup chooses it for traffic this
 * node sends (main and policy tables, no input interface). 0 with *r
 * filled; the kernel's error otherwise (-ENETUNREACH: no route; an
 * "unreachable" or "prohibit" route gives its own errno), described by
 * nl_error(). */
int nl_route_get(struct nl_sock *s, const struct core_addr *dst, struct nl_route *r);

/*
 * Makes ifindex hold exactly the wanted addresses (sorted by address, see
 * nl_plan_compute): dumps every address of the node (again when the dump
 * is interrupted), plans, removes, then adds. Every change is tried even
 * when one fails; the first error is returned and described by nl_error().
 * plan (caller storage, finalized first) receives the plan, conflicts
 * included, for the caller to report; it stays empty when the dump or the
 * planning failed.
 */
int nl_reconcile(struct nl_sock *s, int ifindex, const struct nl_addr *want, size_t n_want,
                 struct nl_plan *plan);

#endif
