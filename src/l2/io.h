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
	/* May be NULL: another MAC claims address a that we own. */
	void (*conflict)(const char *ifname, const struct core_addr *a, const struct l2_mac *other,
	                 void *arg);
	void *arg;
};

struct l2_io;

/* Opens the sockets on interface ifname (borrowed for the call). owns and
 * ctx (borrowed, must outlive the io) decide what is answered. 0 with
 * *out set; else a negative errno and err (errlen bytes) says why, naming
 * the interface (-ENODEV: no such interface). */
int l2_io_open(struct ev_loop *loop, const char *ifname, l2_owns_fn owns, void *ctx,
               const struct l2_io_hooks *hooks, struct l2_io **out, char *err, size_t errlen);
void l2_io_free(struct l2_io *io);

/* The interface's name, index and MAC (read at open). */
const char *l2_io_ifname(const struct l2_io *io);
int l2_io_ifindex(const struct l2_io *io);
const struct l2_mac *l2_io_mac(const struct l2_io *io);

/* IPv6: joins / leaves the solicited-node group of a (reference
 * counted: two owned addresses may share one group). IPv4: no-op. 0 or
 * a negative errno. */
int l2_io_join(struct l2_io *io, const struct core_addr *a);
int l2_io_leave(struct l2_io *io, const struct core_addr *a);

/* Announces a: one gratuitous ARP request (IPv4) or unsolicited NA with
 * Override set to ff02::1 (IPv6) now, repeated at 100 ms, 500 ms, 1 s and
 * 2 s after, as long as owns(a) still holds then. Calling it again for
 * an address whose repeats are pending restarts them. 0 or a negative
 * errno. */
int l2_io_announce(struct l2_io *io, const struct core_addr *a);

void l2_io_get_stats(const struct l2_io *io, struct l2_io_stats *out);

/*
 * The interface an Eip's spec.interface names on this node: a name
 * (checked to exist) or "can_reach:IP", the interface of this node's
 * route to IP (RTM_GETROUTE). The name to ifname (caller's, 16 bytes).
 * 0; -ENODEV (no such interface, or no route); -EINVAL (malformed spec);
 * err (errlen bytes) says why.
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
 * solicitations only for the receiving interface's addresses. 0 or a
 * negative errno (err says which file).
 */
int l2_io_strict_arp(const char *ifname, char *err, size_t errlen);

#endif
