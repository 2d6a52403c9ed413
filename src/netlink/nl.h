/*
 * berth netlink: the service addresses this node announces live on a dummy
 * interface (default "kube-lb0"), so that the node accepts their traffic
 * whatever kube-proxy's mode is, and `ip addr` shows them.
 *
 * Two layers, both over rtnetlink with libmnl:
 *
 *  - pure (encode.c, decode.c, plan.c): requests are encoded into
 *    caller-owned buffers; replies are decoded from caller-owned buffers,
 *    validate-then-read, never outside [buf, buf+len); the nl_plan_*
 *    planner turns (wanted addresses, addresses present on the node, fed
 *    one at a time) into adds, dels and conflicts. No sockets, clocks,
 *    globals or logging.
 *
 *  - I/O (sock.c, link.c, addr.c): one blocking NETLINK_ROUTE socket with
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

#include "bgp/bgp.h"

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
	uint8_t scope;        /* RT_SCOPE_*; RT_SCOPE_UNIVERSE (0) is "global" */
	uint32_t flags;       /* IFA_F_* (IFA_FLAGS when present) */
	struct bgp_addr addr; /* the local address; unused bytes zero */
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

/* ---- Pure: reconcile planner ---- */

/*
 * The wanted addresses, as an indexed set the caller owns: the planner
 * reads it in place instead of copying it (with 10,000 Services every copy
 * is a few hundred KB at each sync).
 *
 * get: entry i (0 <= i < n): its address (family AF_INET/AF_INET6, bytes
 *   past the family's length ignored) and prefix length; 0 or a negative
 *   errno. find: the index of the entry holding address a (canonical:
 *   unused bytes zero), or -1.
 *
 * One address is meant to be in the set once (a set cannot hold it
 * twice). The planner checks at nl_plan_start that find(get(i)) names an
 * entry of that address for every i: a second entry with the same prefix
 * length is then ignored, one with another prefix length refuses the
 * plan (-EINVAL). The set must not change from nl_plan_start until the
 * last nl_plan_next_add.
 */
struct nl_want_set {
	size_t n;
	int (*get)(const void *ctx, size_t i, struct bgp_addr *a, uint8_t *prefixlen);
	long (*find)(const void *ctx, const struct bgp_addr *a);
	const void *ctx; /* borrowed */
};

struct nl_plan {
	/* Filled by nl_plan_feed, in the order addresses were fed. */
	struct nl_addr *del; /* owned: to remove from the interface, as fed
	                      * (an address first kept, then found on another
	                      * interface, is rebuilt from the wanted entry:
	                      * flags 0) */
	size_t n_del;
	struct nl_addr *conflict; /* owned: wanted addresses found on ANOTHER
	                           * interface, as fed */
	size_t n_conflict;
	size_t n_add; /* set by nl_plan_finish; the adds come from nl_plan_next_add */
	/* At most max_del dels are kept (0: no limit; the caller's, kept by
	 * nl_plan_start); more_del says others were found and left for
	 * another round. */
	size_t max_del;
	bool more_del;
	size_t n_del_done; /* nl_reconcile: dels carried out over all rounds */

	/* Private to plan.c. */
	struct nl_want_set want; /* ctx borrowed */
	uint8_t *state;          /* owned: one byte per wanted entry */
	size_t cap_del, cap_conflict;
	int ifindex;
	int err; /* sticky: the first error of start or feed */
};

void nl_plan_init(struct nl_plan *p);
void nl_plan_fini(struct nl_plan *p);

/*
 * What to change so that interface ifindex holds exactly the wanted
 * addresses, planned while the node's addresses (a dump of all interfaces)
 * are fed one at a time, in any order:
 *
 * - Only global-scope addresses of ifindex are berth's: link- and
 *   host-scope ones (the kernel's IPv6 link-local) are left alone.
 * - A wanted address present on another interface is a conflict: it is
 *   not added, is removed from ifindex if there (also when it was seen
 *   there before the other interface's entry), and the other interface
 *   is never touched.
 * - The same address with another prefix length is deleted and added
 *   again; apply every del before any add (IPv6 refuses a second prefix
 *   length for one address).
 *
 * Memory: one byte per wanted entry, plus the dels and conflicts found;
 * the adds are never materialized.
 *
 * nl_plan_start empties p and reads the whole set once to check it (call
 * it again to start over, e.g. after an interrupted dump): 0, -EINVAL
 * (bad family or prefix length from get, an address wanted with two
 * prefix lengths, find inconsistent with get, ifindex <= 0, no get or
 * find) or -ENOMEM. nl_plan_feed: 0, -EINVAL (find inconsistent) or
 * -ENOMEM. nl_plan_finish counts the adds: 0 or the first error of start
 * or feed (a failed plan must not be applied; it is emptied).
 */
int nl_plan_start(struct nl_plan *p, int ifindex, const struct nl_want_set *want);
int nl_plan_feed(struct nl_plan *p, const struct nl_addr *have);
int nl_plan_finish(struct nl_plan *p);

/* The adds of a finished plan, one per call: *iter starts at 0. 1 with
 * *out set (ifindex, prefixlen, scope global, address), 0 after the last,
 * or the error of the set's get (it changed since nl_plan_start). */
int nl_plan_next_add(const struct nl_plan *p, size_t *iter, struct nl_addr *out);

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
int nl_addr_add(struct nl_sock *s, int ifindex, const struct bgp_addr *a, uint8_t prefixlen);
/* 1 when removed, 0 when the interface did not have it. */
int nl_addr_del(struct nl_sock *s, int ifindex, const struct bgp_addr *a, uint8_t prefixlen);

/* Called once per IPv4/IPv6 address; a borrowed, valid during the call.
 * 0 to go on, a negative errno to stop the dump with that error. */
typedef int (*nl_addr_fn)(const struct nl_addr *a, void *arg);
/* Every address of interface ifindex, or of all interfaces when 0.
 * -EINTR when the kernel reports the dump inconsistent (addresses changed
 * meanwhile): forget what fn saw and call again. */
int nl_addr_dump(struct nl_sock *s, int ifindex, nl_addr_fn fn, void *arg);

/*
 * Makes ifindex hold exactly the wanted addresses: dumps all addresses
 * straight into the planner (planning again when the dump is interrupted),
 * removes, then adds. Dels go in rounds of at most 1,024 (dump, plan,
 * remove, again while more were found), so emptying an interface of
 * thousands costs a few dumps, not a list of them all. Every step is tried
 * even when one fails; the first error is returned and described by
 * nl_error(). plan (caller storage, finalized first) receives the last
 * round's plan, conflicts included, for the caller to report (its adds
 * through nl_plan_next_add, while want lives; n_del_done counts the dels
 * of every round); it stays empty when the dump or the planning failed.
 */
int nl_reconcile(struct nl_sock *s, int ifindex, const struct nl_want_set *want,
                 struct nl_plan *plan);

#endif
