/*
 * berth BGP wire codec: types and the pure encode/decode API.
 *
 * Pure: bytes in, structs out (and back). No sockets, clocks, globals or
 * logging. Decoders validate every length before reading (validate-then-read,
 * as libmnl does) and never read outside [buf, buf+len).
 *
 * Ownership: decoded structs may point into the caller's buffer ("view"
 * pointers, marked below); they stay valid only while that buffer does.
 * Encoders write into caller-owned buffers and return the bytes written or
 * a negative errno (-ENOBUFS when the buffer is too small).
 */
#ifndef BERTH_BGP_H
#define BERTH_BGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/addr.h"

/* RFC 4271 section 4.1 */
#define BGP_HEADER_LEN  19
#define BGP_MARKER_LEN  16
#define BGP_MAX_MSG_LEN 4096
/* RFC 8654: extended messages, for every type but OPEN and KEEPALIVE */
#define BGP_MAX_EXT_MSG_LEN 65535
#define BGP_VERSION         4
/* RFC 6793 section 9: AS_TRANS stands in for a 4-octet AS in 2-octet fields */
#define BGP_AS_TRANS 23456

enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5, /* RFC 2918 */
};

/* RFC 4760 / IANA address family numbers and SAFIs */
enum { BGP_AFI_IPV4 = 1, BGP_AFI_IPV6 = 2 };
enum { BGP_SAFI_UNICAST = 1 };

/* Index used for per-family arrays: 0 = IPv4 unicast, 1 = IPv6 unicast. */
enum bgp_af { BGP_AF_IPV4 = 0, BGP_AF_IPV6 = 1, BGP_AF_COUNT = 2 };

/* RFC 4271 section 4.5 error codes */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_ROUTE_REFRESH = 7, /* RFC 7313 */
};

/* Subcodes, RFC 4271 section 6.1-6.3; Cease subcodes RFC 4486 */
enum {
	BGP_ERR_SUBCODE_UNSPECIFIC = 0,

	BGP_ERR_HDR_SYNC = 1,
	BGP_ERR_HDR_LEN = 2,
	BGP_ERR_HDR_TYPE = 3,

	/* RFC 4271 section 6.2: a recognized but malformed optional parameter
	 * (here: any malformed capability or parameter length) */
	BGP_ERR_OPEN_UNSPECIFIC = 0,
	BGP_ERR_OPEN_VERSION = 1,
	BGP_ERR_OPEN_PEER_AS = 2,
	BGP_ERR_OPEN_BGP_ID = 3,
	BGP_ERR_OPEN_OPT_PARAM = 4,
	BGP_ERR_OPEN_HOLD_TIME = 6,
	BGP_ERR_OPEN_CAPABILITY = 7, /* RFC 5492 */

	BGP_ERR_UPD_ATTR_LIST = 1,
	BGP_ERR_UPD_UNRECOGNIZED_WK = 2,
	BGP_ERR_UPD_MISSING_WK = 3,
	BGP_ERR_UPD_ATTR_FLAGS = 4,
	BGP_ERR_UPD_ATTR_LEN = 5,
	BGP_ERR_UPD_ORIGIN = 6,
	BGP_ERR_UPD_NEXT_HOP = 8,
	BGP_ERR_UPD_OPT_ATTR = 9,
	BGP_ERR_UPD_NETWORK = 10,
	BGP_ERR_UPD_AS_PATH = 11,

	BGP_ERR_CEASE_MAX_PREFIX = 1,
	BGP_ERR_CEASE_ADMIN_SHUTDOWN = 2,
	BGP_ERR_CEASE_PEER_DECONF = 3,
	BGP_ERR_CEASE_ADMIN_RESET = 4,
	BGP_ERR_CEASE_CONN_REJECTED = 5,
	BGP_ERR_CEASE_CONFIG_CHANGE = 6,
	BGP_ERR_CEASE_COLLISION = 7,
	BGP_ERR_CEASE_OUT_OF_RESOURCES = 8,
	BGP_ERR_CEASE_HARD_RESET = 9, /* RFC 8538 */
	BGP_ERR_CEASE_BFD_DOWN = 10,  /* RFC 9384 */
};

/* Path attribute type codes */
enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGREGATE = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,        /* RFC 1997 */
	BGP_ATTR_ORIGINATOR_ID = 9,      /* RFC 4456 */
	BGP_ATTR_CLUSTER_LIST = 10,      /* RFC 4456 */
	BGP_ATTR_MP_REACH_NLRI = 14,     /* RFC 4760 */
	BGP_ATTR_MP_UNREACH_NLRI = 15,   /* RFC 4760 */
	BGP_ATTR_EXT_COMMUNITIES = 16,   /* RFC 4360 */
	BGP_ATTR_AS4_PATH = 17,          /* RFC 6793 */
	BGP_ATTR_AS4_AGGREGATOR = 18,    /* RFC 6793 */
	BGP_ATTR_LARGE_COMMUNITIES = 32, /* RFC 8092 */
};

/*
 * Well-known communities (RFC 1997 section 3 and the IANA "BGP Well-known
 * Communities" registry): the values of the names a configuration may use.
 */
#define BGP_COMM_GRACEFUL_SHUTDOWN   0xFFFF0000u /* RFC 8326 section 5 */
#define BGP_COMM_LLGR_STALE          0xFFFF0006u /* RFC 9494 section 4.6 */
#define BGP_COMM_NO_LLGR             0xFFFF0007u /* RFC 9494 section 4.7 */
#define BGP_COMM_BLACKHOLE           0xFFFF029Au /* RFC 7999 section 5 */
#define BGP_COMM_NO_EXPORT           0xFFFFFF01u /* RFC 1997 */
#define BGP_COMM_NO_ADVERTISE        0xFFFFFF02u /* RFC 1997 */
#define BGP_COMM_NO_EXPORT_SUBCONFED 0xFFFFFF03u /* RFC 1997 */
#define BGP_COMM_NO_PEER             0xFFFFFF04u /* RFC 3765 section 2 */

/* Attribute flags, RFC 4271 section 4.3 */
#define BGP_ATTR_FLAG_OPTIONAL   0x80
#define BGP_ATTR_FLAG_TRANSITIVE 0x40
#define BGP_ATTR_FLAG_PARTIAL    0x20
#define BGP_ATTR_FLAG_EXTLEN     0x10

enum bgp_origin { BGP_ORIGIN_IGP = 0, BGP_ORIGIN_EGP = 1, BGP_ORIGIN_INCOMPLETE = 2 };

/* A unicast prefix, with the RFC 7911 path identifier (0 without ADD-PATH). */
struct bgp_prefix {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t len;    /* 0..32 or 0..128 */
	uint32_t path_id;
	uint8_t addr[16]; /* bits past len are zero */
};

/* ---- Capabilities (RFC 5492), as offered in or learned from an OPEN ---- */

/* Graceful restart per family (RFC 4724 section 3). */
struct bgp_gr_af {
	bool present;
	bool forwarding_preserved;
};

/* ADD-PATH per family (RFC 7911 section 4): bit values of the Send/Receive field */
#define BGP_ADDPATH_RECEIVE 1
#define BGP_ADDPATH_SEND    2

struct bgp_caps {
	bool mp[BGP_AF_COUNT]; /* multiprotocol unicast, RFC 4760 */
	bool route_refresh;    /* RFC 2918 (code 2) */
	bool as4;              /* RFC 6793 */
	uint32_t as4_asn;      /* valid when as4 */
	bool ext_msg;          /* RFC 8654 */
	bool gr;               /* RFC 4724 */
	bool gr_restarting;    /* R bit */
	uint16_t gr_time;      /* seconds, 12 bits */
	struct bgp_gr_af gr_af[BGP_AF_COUNT];
	uint8_t addpath[BGP_AF_COUNT]; /* BGP_ADDPATH_* bits */
};

struct bgp_open {
	uint8_t version;
	uint16_t my_as; /* the 2-octet field; AS_TRANS when the AS needs 4 octets */
	uint16_t hold_time;
	uint32_t bgp_id; /* host byte order */
	struct bgp_caps caps;
};

struct bgp_notification {
	uint8_t code;
	uint8_t subcode;
	const uint8_t *data; /* view into the message buffer */
	size_t data_len;
};

struct bgp_route_refresh {
	uint16_t afi;
	uint8_t safi;
};

/*
 * Decoded path attributes of an UPDATE. Only what berth needs to validate
 * or report is decoded; variable parts are views into the message buffer.
 */
#define BGP_PA_ORIGIN            (1u << 0)
#define BGP_PA_AS_PATH           (1u << 1)
#define BGP_PA_NEXT_HOP          (1u << 2)
#define BGP_PA_MED               (1u << 3)
#define BGP_PA_LOCAL_PREF        (1u << 4)
#define BGP_PA_COMMUNITIES       (1u << 5)
#define BGP_PA_EXT_COMMUNITIES   (1u << 6)
#define BGP_PA_LARGE_COMMUNITIES (1u << 7)
#define BGP_PA_MP_REACH          (1u << 8)
#define BGP_PA_MP_UNREACH        (1u << 9)
#define BGP_PA_AS4_PATH          (1u << 10)
#define BGP_PA_ATOMIC_AGGREGATE  (1u << 11)
#define BGP_PA_AGGREGATOR        (1u << 12)

struct bgp_mp_nlri {
	uint16_t afi;
	uint8_t safi;
	struct core_addr nexthop;    /* MP_REACH only */
	struct core_addr nexthop_ll; /* IPv6 link-local, family 0 if absent */
	const uint8_t *nlri;         /* view: encoded prefixes */
	size_t nlri_len;
};

struct bgp_attrs {
	uint32_t present; /* BGP_PA_* */
	uint8_t origin;
	const uint8_t *as_path; /* view: raw segments */
	size_t as_path_len;
	const uint8_t *as4_path; /* view: raw segments, 4-octet ASNs (RFC 6793) */
	size_t as4_path_len;
	struct core_addr next_hop; /* NEXT_HOP attribute, AF_INET */
	uint32_t med;
	uint32_t local_pref;
	const uint8_t *communities; /* view */
	size_t communities_len;
	const uint8_t *ext_communities; /* view */
	size_t ext_communities_len;
	const uint8_t *large_communities; /* view */
	size_t large_communities_len;
	struct bgp_mp_nlri mp_reach;
	struct bgp_mp_nlri mp_unreach;
};

/*
 * RFC 7606 section 2: what to do with a malformed UPDATE. Ordered by
 * severity; a decoder keeps the most severe one it met.
 */
enum bgp_upd_action {
	BGP_UPD_OK = 0,
	BGP_UPD_ATTR_DISCARD = 1,      /* drop the attribute, keep the routes */
	BGP_UPD_TREAT_AS_WITHDRAW = 2, /* the UPDATE's NLRI become withdrawals */
	BGP_UPD_AFI_SAFI_DISABLE = 3,  /* unused by berth, kept for ordering */
	BGP_UPD_SESSION_RESET = 4,     /* send NOTIFICATION, close */
};

/*
 * A decoded UPDATE. With err->action == BGP_UPD_TREAT_AS_WITHDRAW the
 * announced prefixes are already counted in n_withdraw (n_announce is 0);
 * the nlri/mp_reach views still show the raw fields. Counts are per family
 * over classic fields and MP_REACH/MP_UNREACH together. end_of_rib: an IPv4
 * empty UPDATE (23 octets), or an UPDATE whose only attribute is an empty
 * MP_UNREACH_NLRI for IPv4 or IPv6 unicast.
 */
struct bgp_update {
	const uint8_t *withdrawn; /* view: IPv4 withdrawn routes */
	size_t withdrawn_len;
	const uint8_t *nlri; /* view: IPv4 NLRI */
	size_t nlri_len;
	struct bgp_attrs attrs;
	/* prefix counts, derived while validating */
	uint32_t n_announce[BGP_AF_COUNT];
	uint32_t n_withdraw[BGP_AF_COUNT];
	bool end_of_rib;       /* RFC 4724 section 2 marker */
	uint8_t end_of_rib_af; /* enum bgp_af, when end_of_rib */
};

/* Why a decode failed or what RFC 7606 asks for; filled by every decoder. */
struct bgp_error {
	enum bgp_upd_action action; /* for UPDATE; others are always reset */
	uint8_t code;               /* NOTIFICATION code to send on reset */
	uint8_t subcode;
	uint8_t attr_type; /* offending attribute, 0 if none */
	uint16_t data_len;
	uint8_t data[64];   /* NOTIFICATION data (truncated copy) */
	const char *reason; /* static string for the log */
};

struct bgp_msg {
	enum bgp_msg_type type;
	uint16_t len; /* whole message, header included */
	union {
		struct bgp_open open;
		struct bgp_update update;
		struct bgp_notification notification;
		struct bgp_route_refresh route_refresh;
	} u;
};

/* What was negotiated on a session; decoders and encoders need it. */
struct bgp_session_params {
	bool as4;                         /* both sides 4-octet AS */
	bool ext_msg;                     /* both sides RFC 8654 */
	uint8_t addpath_rx[BGP_AF_COUNT]; /* we receive path ids for this family */
	uint8_t addpath_tx[BGP_AF_COUNT]; /* we send path ids for this family */
};

/*
 * Framing. Looks at the first bytes of a stream: returns 0 and sets *msg_len
 * when a whole header is present and valid, -EAGAIN when more bytes are
 * needed, -EBADMSG with err filled (header error) otherwise.
 */
int bgp_header_check(const uint8_t *buf, size_t len, size_t max_len, size_t *msg_len,
                     struct bgp_error *err);

/*
 * Decodes one whole message (header included). Returns 0 on success
 * (for UPDATE, err->action may still be ATTR_DISCARD or TREAT_AS_WITHDRAW),
 * or -EBADMSG with err filled: send a NOTIFICATION with err->code/subcode
 * and err->data. The header is checked again with the session's maximum
 * (sp->ext_msg); len must be at least the header's length (bytes past it
 * are ignored). sp may be NULL: no 4-octet AS, no ADD-PATH, no ext msg.
 * On success err->action is BGP_UPD_OK and err->reason NULL unless an
 * UPDATE had findings.
 */
int bgp_msg_decode(const uint8_t *buf, size_t len, const struct bgp_session_params *sp,
                   struct bgp_msg *out, struct bgp_error *err);

/* Iterate the prefixes in an encoded NLRI field. Returns 1 with *p filled,
 * 0 at the end, -EBADMSG when malformed. *off starts at 0. family is
 * AF_INET or AF_INET6 (-EAFNOSUPPORT otherwise); trailing bits past the
 * prefix length are cleared in *p. */
int bgp_nlri_next(const uint8_t *nlri, size_t len, size_t *off, uint8_t family, bool addpath,
                  struct bgp_prefix *p);

/* Size of one prefix in NLRI encoding. */
size_t bgp_prefix_wire_len(const struct bgp_prefix *p, bool addpath);

/* ---- Encoders: return bytes written or a negative errno ---- */

/*
 * OPEN with every capability set in o->caps, one per optional parameter.
 * o->version is ignored (always 4). With caps.as4 the 2-octet My AS is
 * derived from caps.as4_asn (AS_TRANS when it needs 4 octets) and o->my_as
 * is ignored. -EINVAL for hold time 1/2, BGP id 0, AS 0, gr_time > 4095 or
 * an ADD-PATH value > 3.
 */
ssize_t bgp_open_encode(uint8_t *buf, size_t cap, const struct bgp_open *o);
ssize_t bgp_keepalive_encode(uint8_t *buf, size_t cap);
/* -EMSGSIZE when 21 + data_len exceeds 4096. */
ssize_t bgp_notification_encode(uint8_t *buf, size_t cap, uint8_t code, uint8_t subcode,
                                const uint8_t *data, size_t data_len);
ssize_t bgp_route_refresh_encode(uint8_t *buf, size_t cap, uint16_t afi, uint8_t safi);
/*
 * The NOTIFICATION for a peer past our limit for family af (RFC 4486
 * section 4): Cease / Maximum Number of Prefixes Reached, data AFI (2
 * octets), SAFI (1 octet), upper bound max (4 octets). Fills *err, the
 * form the FSM's PREFIX_LIMIT event takes.
 */
void bgp_cease_max_prefix(struct bgp_error *err, enum bgp_af af, uint32_t max);

/*
 * Attributes that berth originates for its routes. Encoded once per
 * distinct set and reused for every UPDATE that carries them.
 */
struct bgp_out_attrs {
	uint8_t origin;
	uint32_t as_path[8]; /* one AS_SEQUENCE; empty for iBGP */
	uint8_t as_path_len;
	struct core_addr next_hop;     /* for IPv4 NLRI: the NEXT_HOP attribute */
	struct core_addr next_hop6;    /* for IPv6 NLRI: MP_REACH next hop */
	struct core_addr next_hop6_ll; /* optional link-local, family 0 if absent */
	bool has_med;
	uint32_t med;
	bool has_local_pref;
	uint32_t local_pref;
	uint32_t *communities; /* borrowed; RFC 1997 values */
	size_t n_communities;
	uint32_t *large_communities; /* borrowed; triples, 3 per community */
	size_t n_large_communities;
	uint64_t *ext_communities; /* borrowed; RFC 4360 8-octet values */
	size_t n_ext_communities;
};

/*
 * Encodes the path attributes common to every UPDATE of one family,
 * i.e. everything except MP_REACH_NLRI (which carries the NLRI and is
 * built by bgp_update_encode). For AF_INET includes NEXT_HOP. When the
 * session is not 4-octet AS, AS_PATH uses 2-octet ASNs with AS_TRANS and an
 * AS4_PATH follows (RFC 6793 section 4.2.2) when some AS needs 4 octets.
 * Attributes in ascending type order; the extended-length flag only on
 * attributes longer than 255. sp may be NULL (2-octet AS). -EINVAL for an
 * invalid origin, AS 0 in the path, or a missing IPv4 next hop for AF_IPV4.
 */
ssize_t bgp_attrs_encode(uint8_t *buf, size_t cap, const struct bgp_out_attrs *a, enum bgp_af af,
                         const struct bgp_session_params *sp);

/*
 * One UPDATE message. For IPv4 the withdrawn/announced prefixes use the
 * classic fields; for IPv6 they go into MP_UNREACH_NLRI / MP_REACH_NLRI
 * (RFC 4760) with next hop from *out. attrs may be NULL when announcing
 * nothing (a pure withdrawal). Path ids are written when
 * sp->addpath_tx[af]. MP_REACH_NLRI/MP_UNREACH_NLRI come first
 * (RFC 7606 section 5.1) and always use the 2-octet attribute length.
 * Returns bytes written; -EMSGSIZE if the message would exceed the
 * session's maximum (4096, or 65535 with sp->ext_msg), else -ENOBUFS if it
 * does not fit in cap; -EINVAL for nothing to announce or withdraw (use
 * bgp_eor_encode), announcements without attrs, a prefix of the wrong
 * family, or an IPv6 announcement without out->next_hop6.
 */
struct bgp_update_parts {
	enum bgp_af af;
	const struct bgp_prefix *withdraw; /* borrowed */
	size_t n_withdraw;
	const struct bgp_prefix *announce; /* borrowed */
	size_t n_announce;
	const uint8_t *attrs; /* borrowed: output of bgp_attrs_encode */
	size_t attrs_len;
	const struct bgp_out_attrs *out; /* borrowed: next hops for MP_REACH */
};
ssize_t bgp_update_encode(uint8_t *buf, size_t cap, const struct bgp_update_parts *u,
                          const struct bgp_session_params *sp);

/* End-of-RIB marker for a family (RFC 4724 section 2): 23 octets for IPv4,
 * 29 for IPv6 (one empty MP_UNREACH_NLRI with a 1-octet length). */
ssize_t bgp_eor_encode(uint8_t *buf, size_t cap, enum bgp_af af);

/*
 * Bytes an UPDATE needs beyond its prefixes and attrs: the fixed part.
 * Exactly: bgp_update_encode's length ==
 *   bgp_update_overhead(af, out, n_announce > 0, n_withdraw > 0)
 *   + (n_announce > 0 ? attrs_len : 0)
 *   + sum of bgp_prefix_wire_len(p, sp->addpath_tx[af]) over both lists.
 * IPv4: 19 header + 2 withdrawn length + 2 attribute length = 23.
 * IPv6: 23, plus with announce the MP_REACH_NLRI fixed part: 4 attribute
 * header + 2 AFI + 1 SAFI + 1 next hop length + 16 (32 when
 * out->next_hop6_ll is set) + 1 reserved; plus with withdraw the
 * MP_UNREACH_NLRI fixed part: 4 attribute header + 2 AFI + 1 SAFI.
 */
size_t bgp_update_overhead(enum bgp_af af, const struct bgp_out_attrs *out, bool announce,
                           bool withdraw);

/*
 * The link bandwidth extended community (draft-ietf-idr-link-bandwidth
 * section 2): Two-Octet AS Specific (RFC 4360 section 3.1), sub-type
 * 0x04; the 2-octet Global Administrator is the sender's AS (AS_TRANS,
 * RFC 6793 section 9, when it needs 4 octets) and the 4-octet Local
 * Administrator an IEEE 754 single precision float of bytes per second,
 * in network byte order. The draft defines the non-transitive type
 * (0x40); FRR sends the transitive one (0x00) by default and BIRD drops
 * the non-transitive form on eBGP, so both are offered.
 */
#define BGP_EXT_TYPE_AS2_TRANSITIVE     0x00
#define BGP_EXT_TYPE_AS2_NON_TRANSITIVE 0x40
#define BGP_EXT_SUBTYPE_LINK_BW         0x04
/*
 * The largest bandwidth sent, 2^32 - 256 bytes/s (about 34 Gbit/s): the
 * largest float below 2^32. FRR converts the float to a uint32_t
 * (ieee_float_uint32_to_uint32), which 2^32 or more would overflow.
 */
#define BGP_LINK_BW_MAX 4294967040u

/*
 * The 8-octet value for struct bgp_out_attrs.ext_communities (which
 * bgp_attrs_encode writes most significant octet first): type, sub-type,
 * AS, float. bytes_per_s is rounded to the nearest float and clamped to
 * BGP_LINK_BW_MAX. 0 encodes 0.0, which the draft leaves meaningless:
 * a route without endpoints is withdrawn, not weighted 0.
 */
uint64_t bgp_link_bw_encode(uint32_t local_as, uint64_t bytes_per_s, bool non_transitive);

struct bgp_link_bw {
	uint16_t as;         /* Global Administrator */
	float bytes_per_s;   /* Local Administrator as a float */
	bool non_transitive; /* type 0x40 */
};

/* Reads one 8-octet extended community: 0 when it is a link bandwidth
 * community (either type), -ENOENT when it is another one, -EINVAL when
 * its bandwidth is no finite non-negative number (NaN, infinity, < 0). */
int bgp_link_bw_decode(uint64_t ext, struct bgp_link_bw *out);

/* Helpers */

/* 0, or -EAFNOSUPPORT for anything but IPv4/IPv6 unicast. */
int bgp_af_from_afi(uint16_t afi, uint8_t safi, enum bgp_af *af);
/* The reverse: BGP_AFI_IPV4 or BGP_AFI_IPV6 (the SAFI is unicast). */
uint16_t bgp_af_to_afi(enum bgp_af af);
/*
 * "192.0.2.1/32", "2001:db8::/32"; without "/len" a host route. -EINVAL for
 * bad syntax, a length past 32/128, or bits set past the length
 * ("10.0.0.1/8": a config error beats silently announcing 10.0.0.0/8).
 * path_id is 0.
 */
int bgp_prefix_parse(const char *s, struct bgp_prefix *p);
/* Room for "ffff:...:ffff/128" plus NUL. */
#define BGP_PREFIX_STRLEN 50
/* "addr/len" into buf (caller-owned) and returns buf; "?" when p is invalid
 * or buf too small. Never NULL. */
const char *bgp_prefix_format(const struct bgp_prefix *p, char *buf, size_t len);
/* "UPDATE Message Error / Malformed AS_PATH": a static string, never NULL. */
const char *bgp_err_name(uint8_t code, uint8_t subcode);

#endif
