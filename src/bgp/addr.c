/*
 * Prefix text (addresses are core/addr.h's), AFI/SAFI mapping and error names.
 * Pure: inet_pton/inet_ntop only, no locale, no allocation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bgp/wire.h"

int bgp_af_from_afi(uint16_t afi, uint8_t safi, enum bgp_af *af)
{
	if (safi != BGP_SAFI_UNICAST)
		return -EAFNOSUPPORT;
	if (afi == BGP_AFI_IPV4)
		*af = BGP_AF_IPV4;
	else if (afi == BGP_AFI_IPV6)
		*af = BGP_AF_IPV6;
	else
		return -EAFNOSUPPORT;
	return 0;
}

uint16_t bgp_af_to_afi(enum bgp_af af)
{
	return af == BGP_AF_IPV6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
}

/* Strict decimal 0..max, digits only: "/024" is fine, "/+24", "/ 24", "/" are not. */
static int parse_len(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int bgp_prefix_parse(const char *s, struct bgp_prefix *p)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash;
	struct core_addr a;
	unsigned max, len;
	size_t n;
	int rc;

	if (!s || !p)
		return -EINVAL;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	rc = core_addr_parse(addr, &a);
	if (rc < 0)
		return rc;
	max = core_af_bits(a.family);
	len = max; /* no "/len": a host route */
	if (slash && parse_len(slash + 1, max, &len) < 0)
		return -EINVAL;
	/*
	 * Bits set past the length are a configuration mistake ("10.0.0.1/8");
	 * refusing it is better than silently announcing something else.
	 */
	for (unsigned bit = len; bit < max; bit++)
		if (a.bytes[bit / 8] & (0x80u >> (bit % 8)))
			return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->family = a.family;
	p->len = (uint8_t)len;
	memcpy(p->addr, a.bytes, sizeof(p->addr));
	return 0;
}

const char *bgp_prefix_format(const struct bgp_prefix *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (!buf || len == 0)
		return "";
	if (!p || !core_af_bits(p->family) || !inet_ntop(p->family, p->addr, addr, sizeof(addr))) {
		snprintf(buf, len, "?");
		return buf;
	}
	n = snprintf(buf, len, "%s/%u", addr, p->len);
	if (n < 0 || (size_t)n >= len)
		snprintf(buf, len, "?");
	return buf;
}

/* RFC 4271 section 4.5 and the IANA "BGP Error (Notification) Codes" registry. */
static const char *const hdr_names[] = {
    "Message Header Error / Unspecific",
    "Message Header Error / Connection Not Synchronized",
    "Message Header Error / Bad Message Length",
    "Message Header Error / Bad Message Type",
};
static const char *const open_names[] = {
    "OPEN Message Error / Unspecific",
    "OPEN Message Error / Unsupported Version Number",
    "OPEN Message Error / Bad Peer AS",
    "OPEN Message Error / Bad BGP Identifier",
    "OPEN Message Error / Unsupported Optional Parameter",
    "OPEN Message Error / Authentication Failure (deprecated)",
    "OPEN Message Error / Unacceptable Hold Time",
    "OPEN Message Error / Unsupported Capability",
    NULL,
    NULL,
    NULL,
    "OPEN Message Error / Role Mismatch",
};
static const char *const upd_names[] = {
    "UPDATE Message Error / Unspecific",
    "UPDATE Message Error / Malformed Attribute List",
    "UPDATE Message Error / Unrecognized Well-known Attribute",
    "UPDATE Message Error / Missing Well-known Attribute",
    "UPDATE Message Error / Attribute Flags Error",
    "UPDATE Message Error / Attribute Length Error",
    "UPDATE Message Error / Invalid ORIGIN Attribute",
    "UPDATE Message Error / AS Routing Loop (deprecated)",
    "UPDATE Message Error / Invalid NEXT_HOP Attribute",
    "UPDATE Message Error / Optional Attribute Error",
    "UPDATE Message Error / Invalid Network Field",
    "UPDATE Message Error / Malformed AS_PATH",
};
/* RFC 6608 */
static const char *const fsm_names[] = {
    "Finite State Machine Error / Unspecific",
    "Finite State Machine Error / Unexpected Message in OpenSent",
    "Finite State Machine Error / Unexpected Message in OpenConfirm",
    "Finite State Machine Error / Unexpected Message in Established",
};
/* RFC 4486, RFC 8538, RFC 9384 */
static const char *const cease_names[] = {
    "Cease / Unspecific",
    "Cease / Maximum Number of Prefixes Reached",
    "Cease / Administrative Shutdown",
    "Cease / Peer De-configured",
    "Cease / Administrative Reset",
    "Cease / Connection Rejected",
    "Cease / Other Configuration Change",
    "Cease / Connection Collision Resolution",
    "Cease / Out of Resources",
    "Cease / Hard Reset",
    "Cease / BFD Down",
};
/* RFC 7313 */
static const char *const rr_names[] = {
    "ROUTE-REFRESH Message Error / Unspecific",
    "ROUTE-REFRESH Message Error / Invalid Message Length",
};

#define PICK(tbl, sub, other)                                                                      \
	((sub) < sizeof(tbl) / sizeof((tbl)[0]) && (tbl)[sub] ? (tbl)[sub] : (other))

const char *bgp_err_name(uint8_t code, uint8_t subcode)
{
	switch (code) {
	case BGP_ERR_HEADER:
		return PICK(hdr_names, subcode, "Message Header Error / unknown subcode");
	case BGP_ERR_OPEN:
		return PICK(open_names, subcode, "OPEN Message Error / unknown subcode");
	case BGP_ERR_UPDATE:
		return PICK(upd_names, subcode, "UPDATE Message Error / unknown subcode");
	case BGP_ERR_HOLD:
		return subcode ? "Hold Timer Expired / unknown subcode" : "Hold Timer Expired";
	case BGP_ERR_FSM:
		return PICK(fsm_names, subcode, "Finite State Machine Error / unknown subcode");
	case BGP_ERR_CEASE:
		return PICK(cease_names, subcode, "Cease / unknown subcode");
	case BGP_ERR_ROUTE_REFRESH:
		return PICK(rr_names, subcode, "ROUTE-REFRESH Message Error / unknown subcode");
	default:
		return "unknown error code";
	}
}
