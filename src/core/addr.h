/*
 * The one IP address type, shared by every module: BGP next hops and peers,
 * Service and Eip addresses in config, IPAM, the controller, the netlink
 * planner. Pure: text and sockaddr conversions, comparison, lengths; no
 * allocation, no locale.
 *
 * An address is its family and up to 16 bytes in network byte order, so
 * that byte order is numeric order and memcmp compares. Only the family's
 * bytes (core_af_len) carry meaning: every function here reads only those
 * and zeroes the rest of what it writes, so that a struct copy is a copy.
 *
 * Text (core_addr_parse) is what inet_pton(3) accepts, nothing more: an IPv4
 * dotted quad (four decimal parts, no leading zeros, no shorthand) or IPv6
 * text (RFC 4291 section 2.2). Decisions:
 *  - IPv4-mapped IPv6 ("::ffff:192.0.2.1", RFC 4291 section 2.5.5.2) is the
 *    IPv6 address it spells (AF_INET6); modules that must not let one host
 *    sit in two families refuse it with core_addr_is_v4mapped (ipam does).
 *  - Zone identifiers ("fe80::1%eth0", RFC 4007 section 11) are refused: an
 *    address here names the same thing on every node that reads it (a
 *    manifest, a Service's status), and a zone names one node's interface.
 *    Link-local next hops travel without one, as on the wire (RFC 2545).
 *  - No blanks, no "/len", nothing after the address, at most
 *    CORE_ADDR_STRLEN - 1 bytes: inet_pton's longest valid form is 45.
 *
 * Output (core_addr_format) is inet_ntop's: RFC 5952 for IPv6.
 */
#ifndef BERTH_CORE_ADDR_H
#define BERTH_CORE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* The longest text form with its NUL (INET6_ADDRSTRLEN). */
#define CORE_ADDR_STRLEN 46

/* An IPv4 or IPv6 address; family 0 is "none" (all bytes zero). */
struct core_addr {
	uint8_t family;    /* AF_INET, AF_INET6, or 0 */
	uint8_t bytes[16]; /* network byte order; IPv4 uses the first 4, the rest is zero */
};

/* Bytes of an address of this family: 4, 16, or 0 for any other family. */
static inline size_t core_af_len(int family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

/* Bits of an address of this family, the longest prefix length: 32, 128,
 * or 0 for any other family. */
static inline unsigned core_af_bits(int family)
{
	return (unsigned)core_af_len(family) * 8;
}

/* Parses one address (see above). 0, or -EINVAL with *a untouched. */
int core_addr_parse(const char *s, struct core_addr *a);

/* Text of a into buf (caller's, len bytes; CORE_ADDR_STRLEN always fits).
 * 0; -EINVAL for NULLs, len 0 or a family other than AF_INET/AF_INET6;
 * -ENOSPC when buf is too small. */
int core_addr_format(const struct core_addr *a, char *buf, size_t len);

/* The same for messages: returns buf, holding "?" when a is not an
 * address. Never NULL. */
const char *core_addr_str(const struct core_addr *a, char buf[CORE_ADDR_STRLEN]);

/* Orders by family (0, then AF_INET, then AF_INET6: IPv4 first), then
 * numerically over the family's bytes. <0, 0 or >0 as memcmp. */
int core_addr_cmp(const struct core_addr *a, const struct core_addr *b);

/* Same family and the same family's bytes. */
bool core_addr_equal(const struct core_addr *a, const struct core_addr *b);

/* An IPv6 address in ::ffff:0:0/96 (an IPv4 address in IPv6 form). */
bool core_addr_is_v4mapped(const struct core_addr *a);

/* To a sockaddr_in or sockaddr_in6 with the port; returns its length, or 0
 * (*ss zeroed) for a family other than AF_INET/AF_INET6. */
socklen_t core_addr_to_sockaddr(const struct core_addr *a, uint16_t port,
                                struct sockaddr_storage *ss);

/* From a sockaddr_in or sockaddr_in6 (port to *port unless NULL). A
 * v4-mapped IPv6 socket address (a dual-stack socket's IPv4 peer) gives
 * the IPv4 address. 0, or -EAFNOSUPPORT for other families. */
int core_addr_from_sockaddr(const struct sockaddr_storage *ss, struct core_addr *a, uint16_t *port);

#endif
