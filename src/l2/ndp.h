/*
 * IPv6 Neighbor Discovery (RFC 4861) for layer 2 mode: decode a received
 * Neighbor Solicitation or Advertisement, encode an advertisement (the
 * answer to a solicitation, or an unsolicited one after a takeover, RFC
 * 4861 section 7.2.6), and decide whether a received message is to be
 * answered. Pure: bytes in, structs out; no sockets, no globals.
 *
 * The bytes are the ICMPv6 message, starting at the ICMPv6 header (type),
 * as a raw IPPROTO_ICMPV6 socket delivers it. The IPv6 header fields the
 * checks need (source, destination, hop limit) come beside it in struct
 * l2_ip6, from recvmsg's ancillary data (IPV6_PKTINFO, IPV6_HOPLIMIT) or
 * from the IPv6 header of an AF_PACKET frame.
 *
 * The ICMPv6 checksum (RFC 4443 section 2.3) covers an IPv6 pseudo-header.
 * The encoder always fills it from the given addresses (the kernel
 * overwrites it on a raw ICMPv6 socket; with AF_PACKET it is needed); the
 * decoder verifies it when asked to (a raw ICMPv6 socket has verified it
 * already; an AF_PACKET frame has not).
 */
#ifndef BERTH_L2_NDP_H
#define BERTH_L2_NDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2/l2.h"

enum {
	L2_ND_NS = 135, /* Neighbor Solicitation, RFC 4861 section 4.3 */
	L2_ND_NA = 136, /* Neighbor Advertisement, RFC 4861 section 4.4 */
};

/* Neighbor Advertisement flags (RFC 4861 section 4.4), as in the first
 * byte after the checksum. */
enum {
	L2_NA_ROUTER = 0x80,
	L2_NA_SOLICITED = 0x40,
	L2_NA_OVERRIDE = 0x20,
};

/* An NS or NA with an Ethernet link-layer address option: 24 bytes of
 * message and 8 of option (RFC 4861 sections 4.3, 4.4, 4.6.1). */
#define L2_ND_LEN 32

/* The IPv6 header fields around an ND message; both addresses AF_INET6. */
struct l2_ip6 {
	struct core_addr src;
	struct core_addr dst;
	uint8_t hop_limit;
};

/* One NS or NA. */
struct l2_nd {
	uint8_t type;            /* L2_ND_NS or L2_ND_NA */
	uint8_t flags;           /* NA: L2_NA_*; NS: 0 */
	struct core_addr target; /* AF_INET6 */
	bool has_lla;            /* NS: Source, NA: Target Link-Layer Address option */
	struct l2_mac lla;
};

/*
 * Decodes p (len bytes, caller's, read only within len), received with
 * the IPv6 fields *ip, into *out. 0; -EINVAL for NULLs or addresses not
 * AF_INET6; -EBADMSG (with *out untouched) for anything but a valid NS or
 * NA, with the checks of RFC 4861 section 7.1.1 (NS) and 7.1.2 (NA):
 *  - hop limit 255, ICMPv6 code 0, length >= 24;
 *  - the checksum, when check_csum;
 *  - the target not multicast;
 *  - every option's length > 0, and no option past the end;
 *  - NS from the unspecified address (DAD): the destination is a
 *    solicited-node multicast address, and no Source Link-Layer option;
 *  - NA to a multicast destination: the Solicited flag clear.
 * The first link-layer address option of the right kind (1 in an NS, 2 in
 * an NA) is read; it must be 8 bytes (length 1, RFC 2464 section 6) or
 * the message is refused. Other options are skipped (RFC 4861 section 4.6).
 */
int l2_nd_decode(const uint8_t *p, size_t len, const struct l2_ip6 *ip, bool check_csum,
                 struct l2_nd *out);

/* Writes nd into buf (caller's, cap bytes), 24 bytes and, when has_lla,
 * the 8-byte link-layer option (Source in an NS, Target in an NA), with
 * the checksum over ip's source and destination; the length to *len.
 * 0; -EINVAL for NULLs, another type or addresses not AF_INET6; -ENOBUFS
 * when cap is short (L2_ND_LEN always fits). */
int l2_nd_encode(const struct l2_ip6 *ip, const struct l2_nd *nd, uint8_t *buf, size_t cap,
                 size_t *len);

/* The unsolicited NA of RFC 4861 section 7.2.6 after taking target over:
 * to all-nodes ff02::1 from src, Solicited clear, Override set, with the
 * Target Link-Layer option mac. 0, or -EINVAL unless target and src are
 * AF_INET6. */
int l2_nd_unsolicited(const struct core_addr *target, const struct core_addr *src,
                      const struct l2_mac *mac, struct l2_ip6 *ip, struct l2_nd *out);

/*
 * What to do with a decoded message nd, received with *ip on an interface
 * whose MAC is mac; owns tells the addresses this node answers for. When
 * it returns L2_ANSWER, *ans_ip and *ans (caller's) hold the NA to send
 * from src (an address of the interface; the caller's choice); else they
 * are untouched. In order:
 *  1. a link-layer option that is zero or a group address: L2_IGNORE.
 *     So is a multicast source (RFC 4291 section 2.7: never a source;
 *     answering it would multiply the answer).
 *  2. a link-layer option equal to mac: our own, looped back: L2_IGNORE.
 *  3. an NA for a target we own: L2_CONFLICT (another node advertises it;
 *     RFC 4862 section 5.4.4). Never answered.
 *  4. an NS for a target we own: L2_ANSWER with an NA (RFC 4861 section
 *     7.2.4): Override set, Router clear, the Target Link-Layer option;
 *     to the solicitation's source with Solicited set, or, when that is
 *     unspecified (DAD, RFC 4862 section 5.4.3: someone wants our
 *     address), to all-nodes ff02::1 with Solicited clear. Hop limit 255.
 *  5. anything else: L2_IGNORE.
 */
enum l2_action l2_nd_decide(const struct l2_nd *nd, const struct l2_ip6 *ip,
                            const struct l2_mac *mac, const struct core_addr *src, l2_owns_fn owns,
                            void *ctx, struct l2_ip6 *ans_ip, struct l2_nd *ans);

#endif
