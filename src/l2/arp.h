/*
 * ARP over Ethernet (RFC 826) for layer 2 mode: decode a received packet,
 * encode a reply and a gratuitous announcement (RFC 5227 section 3), and
 * decide whether a received packet is to be answered. Pure: bytes in,
 * structs out; no sockets, no globals.
 *
 * The bytes are the ARP packet itself, starting at the ARP header (hardware
 * type), as an AF_PACKET socket bound to ETH_P_ARP delivers them with
 * SOCK_DGRAM: no Ethernet header. Ethernet's minimum frame pads ARP's 28
 * bytes to 46; the padding is accepted and ignored. The Ethernet
 * destination of what is sent is the caller's: a reply goes to the
 * requester's hardware address (l2_arp.tha of the reply), an announcement
 * to ff:ff:ff:ff:ff:ff.
 */
#ifndef BERTH_L2_ARP_H
#define BERTH_L2_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "l2/l2.h"

/* The length of an Ethernet/IPv4 ARP packet (RFC 826: 8 + 2*6 + 2*4). */
#define L2_ARP_LEN 28

enum {
	L2_ARP_REQUEST = 1, /* ares_op$REQUEST, RFC 826 */
	L2_ARP_REPLY = 2,   /* ares_op$REPLY */
};

/* One ARP packet; spa and tpa are AF_INET. */
struct l2_arp {
	uint16_t op;          /* L2_ARP_REQUEST or L2_ARP_REPLY */
	struct l2_mac sha;    /* sender hardware address */
	struct core_addr spa; /* sender protocol address */
	struct l2_mac tha;    /* target hardware address */
	struct core_addr tpa; /* target protocol address */
};

/* Decodes p (len bytes, caller's, read only within len) into *out.
 * 0; -EINVAL for NULLs; -EBADMSG unless hardware type 1 (Ethernet),
 * protocol type 0x0800, hardware length 6, protocol length 4, op 1 or 2
 * and len >= L2_ARP_LEN (*out is then untouched). */
int l2_arp_decode(const uint8_t *p, size_t len, struct l2_arp *out);

/* Writes a as L2_ARP_LEN bytes into buf (caller's, cap bytes). 0;
 * -EINVAL for NULLs, an op other than 1 or 2 or addresses not AF_INET;
 * -ENOBUFS when cap < L2_ARP_LEN. */
int l2_arp_encode(const struct l2_arp *a, uint8_t *buf, size_t cap);

/* The reply to req, a request for an address we own (RFC 826, "swap
 * hardware and protocol fields"): sender = mac and req's target address,
 * target = req's sender. A probe's reply (sender address 0.0.0.0) thus has
 * target address 0.0.0.0, as Linux sends it. */
void l2_arp_reply(const struct l2_arp *req, const struct l2_mac *mac, struct l2_arp *out);

/* A gratuitous ARP announcement of addr (AF_INET) from mac, RFC 5227
 * section 3: a request whose sender and target address are both addr and
 * whose target hardware address is zero. 0, or -EINVAL when addr is not
 * AF_INET. */
int l2_arp_announce(const struct core_addr *addr, const struct l2_mac *mac, struct l2_arp *out);

/*
 * What to do with a decoded packet a, received on an interface whose MAC
 * is mac; owns tells the addresses this node answers for. When it returns
 * L2_ANSWER, *reply (caller's) holds the reply to send; else *reply is
 * untouched. In this order (the first rule that matches decides):
 *  1. a sender hardware address that is zero or a group address is not a
 *     host's: L2_IGNORE (answering would reflect to a broadcast).
 *  2. sha == mac: our own packet, looped back: L2_IGNORE.
 *  3. the sender address is one we own, from another MAC, whatever the op
 *     (a request, a reply, a gratuitous ARP): L2_CONFLICT (RFC 5227
 *     section 2.4, ongoing conflict detection). The caller decides whether
 *     to defend (announce again) or yield; it is never answered.
 *  4. a reply: L2_IGNORE (we send no requests, and a reply is not asked).
 *  5. a request whose sender and target address are equal is a gratuitous
 *     ARP (an announcement, RFC 5227 section 3) of an address not ours:
 *     L2_IGNORE.
 *  6. a request whose target address we own: L2_ANSWER. This includes an
 *     ARP probe (sender address 0.0.0.0, RFC 5227 section 2.1.1): the
 *     reply tells the prober the address is in use, which it must hear.
 *  7. anything else: L2_IGNORE.
 */
enum l2_action l2_arp_decide(const struct l2_arp *a, const struct l2_mac *mac, l2_owns_fn owns,
                             void *ctx, struct l2_arp *reply);

#endif
