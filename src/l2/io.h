/*
 * The layer 2 responder of one interface: answers ARP requests and IPv6
 * neighbour solicitations for the addresses this node owns, and sends the
 * announcements (gratuitous ARP, RFC 5227 section 3; unsolicited NA, RFC
 * 4861 section 7.2.6) when it takes one over. Thin I/O on libev around
 * the pure codecs l2/arp.h and l2/ndp.h:
 *  - ARP: an AF_PACKET socket (SOCK_DGRAM, ETH_P_ARP) bound to the
 *    interface; replies and announcements go out on it;
 *  - NDP: a raw ICMPv6 socket bound to the interface, filtered to
 *    neighbour solicitations and advertisements, hop limit 255 both ways;
 *    it joins the solicited-node multicast group (RFC 4291 section 2.7.1)
 *    of each IPv6 address the node owns (l2_io_join), so the NIC and any
 *    MLD-snooping switch deliver the solicitations.
 * Which addresses are owned is asked of the caller at each packet
 * (owns), so ownership changes need no call here except join / leave.
 *
 * What the raw ICMPv6 socket sees: the kernel hands it only packets it
 * delivers locally. Multicast solicitations (to a joined group; every
 * resolution starts with one) and advertisements to ff02::1 always get
 * there; a unicast solicitation (neighbour unreachability detection,
 * RFC 4861 section 7.3) only when the owned address is also an address
 * of the node, as berth's kube-lb0 makes it (netlink/nl.h). Without it
 * a neighbour's unicast probes go unanswered and it falls back to
 * multicast once its entry fails.
 *
 * Advertisements (answers and announcements) come from their target
 * address, as Linux sends them for its own addresses (ndisc_send_na) and
 * as some resolvers insist (ndisc6 1.0.5 drops any other); the socket
 * has IPV6_FREEBIND for that, the node need not hold the address. On a
 * kernel without it (before 4.15) the kernel picks the source: the
 * interface's link-local address towards link-local destinations.
 *
 * The solicited answer goes to the solicitation's source through the
 * kernel's IPv6 output, so the kernel resolves that neighbour first (its
 * own NS) and routes it as any packet: a source outside the interface's
 * prefixes and not link-local is answered only if a route to it leaves
 * by this interface. (Solicitations come from link-local sources as a
 * rule, RFC 6724 rule 2 for the multicast destination.)
 *
 * The interface's name, index and MAC are read at open: after a MAC
 * change or the interface's re-creation, free and open again.
 */
#ifndef BERTH_L2_IO_H
#define BERTH_L2_IO_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "l2/l2.h"

struct l2_io_stats {
	uint64_t arp_answered, nd_answered; /* replies sent */
	uint64_t announced;                 /* announcement packets sent */
	uint64_t conflicts;                 /* L2_CONFLICT decisions */
	uint64_t malformed;                 /* refused by the decoders */
	uint64_t send_errors;
};

struct l2_io_hooks {
	/* May be NULL: another MAC claims address a that we own (all
	 * borrowed for the call). other is all-zero when unknown (an NA
	 * without the Target Link-Layer option). Called for every such
	 * packet, from the loop: a stranger can send them at line rate, so
	 * any defence (announcing again) is the callee's to rate-limit. It
	 * may call l2_io_announce, join and leave, not l2_io_free. */
	void (*conflict)(const char *ifname, const struct core_addr *a, const struct l2_mac *other,
	                 void *arg);
	void *arg;
};

struct l2_io;

/* Opens the sockets on interface ifname (borrowed for the call). owns and
 * ctx (borrowed, must outlive the io) decide what is answered; hooks
 * (may be NULL) is copied. 0 with *out set (owned by the caller, freed
 * with l2_io_free); else a negative errno and err (errlen bytes) says
 * why, naming the interface (-ENODEV: no such interface; -EOPNOTSUPP:
 * not Ethernet; -EPERM: no CAP_NET_RAW). A kernel without IPv6 gives an
 * ARP-only io (a warning is logged; IPv6 calls are -EAFNOSUPPORT). */
int l2_io_open(struct ev_loop *loop, const char *ifname, l2_owns_fn owns, void *ctx,
               const struct l2_io_hooks *hooks, struct l2_io **out, char *err, size_t errlen);
void l2_io_free(struct l2_io *io);

/* The interface's name, index and MAC (read at open; owned by io). */
const char *l2_io_ifname(const struct l2_io *io);
int l2_io_ifindex(const struct l2_io *io);
const struct l2_mac *l2_io_mac(const struct l2_io *io);
/* The interface is up and has a carrier (IFF_RUNNING: a cable, or a
 * veth whose peer is up). Without one this node answers nothing there:
 * a node whose cable was pulled must not keep its addresses, or it would
 * answer for them beside their new owner when the cable comes back. */
bool l2_io_carrier(const struct l2_io *io);

/* IPv6: joins / leaves the solicited-node group of a (reference
 * counted: two owned addresses may share one group; call leave once per
 * successful join). IPv4: no-op. 0 or a negative errno: -ENOENT (leave
 * without join), -EAFNOSUPPORT, -ENOBUFS (the socket's option memory,
 * net.core.optmem_max, holds no more groups). */
int l2_io_join(struct l2_io *io, const struct core_addr *a);
int l2_io_leave(struct l2_io *io, const struct core_addr *a);

/* Announces a: one gratuitous ARP request (IPv4) or unsolicited NA with
 * Override set to ff02::1 (IPv6) now, repeated at 100 ms, 500 ms, 1 s and
 * 2 s after, as long as owns(a) still holds then (the first is sent
 * without asking). Calling it again for an address whose repeats are
 * pending restarts them; l2_io_free cancels them. 0, or the first
 * send's negative errno (the repeats are scheduled all the same: an
 * interface that was down may be up by then). */
int l2_io_announce(struct l2_io *io, const struct core_addr *a);

void l2_io_get_stats(const struct l2_io *io, struct l2_io_stats *out);

/*
 * The interface an Eip's spec.interface names on this node: a name
 * (checked to exist) or "can_reach:IP", the interface of this node's
 * route to IP (RTM_GETROUTE, as `ip route get IP`; through a gateway or
 * not). The name to ifname (caller's, 16 bytes). 0; -ENODEV (no such
 * interface; no route, or an unreachable, prohibit or blackhole one; IP
 * is an address of this node); -EINVAL (malformed spec); err (errlen
 * bytes) says why.
 */
int l2_io_resolve(const char *spec, char ifname[16], char *err, size_t errlen);

/*
 * Only the owner must answer ARP for an address, yet Linux answers ARP on
 * every interface for any address of the node (arp_ignore 0), and
 * kube-proxy in IPVS mode puts every LoadBalancer address on kube-ipvs0
 * of every node. Sets net.ipv4.conf.IFNAME.arp_ignore = 1 (answer only
 * for addresses of the receiving interface) and arp_announce = 2 (never
 * use such an address as the source of our own requests), as MetalLB's
 * strictARP and PureLB ask for. IPv6 needs nothing: Linux answers
 * solicitations only for the receiving interface's addresses.
 *
 * Only ever raised: an arp_ignore of 2 (also wants the sender in the
 * target's subnet) or 8 (never answer) is kept; 0, 3 (answers for any
 * global address) and the values the kernel treats as 0 become 1;
 * arp_announce becomes 2 unless it is. The kernel reads the higher of
 * conf/all and conf/IFNAME; conf/all is every interface's and is left
 * alone: when it overrides with a loose value, -EEXIST. 0 or a negative
 * errno (err says which file).
 */
int l2_io_strict_arp(const char *ifname, char *err, size_t errlen);

#endif
