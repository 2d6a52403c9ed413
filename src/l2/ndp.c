/*
 * IPv6 Neighbor Discovery (RFC 4861) for layer 2 mode: the NS/NA codec,
 * the ICMPv6 checksum and the decision whether to answer. See l2/ndp.h.
 */
#include "l2/ndp.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* RFC 4861 sections 4.3 and 4.4: type, code, checksum, 4 bytes of flags or
 * reserved, the 16-byte target, then options. */
enum {
	OFF_TYPE = 0,
	OFF_CODE = 1,
	OFF_CSUM = 2,
	OFF_FLAGS = 4,
	OFF_TARGET = 8,
	OFF_OPTS = 24,
};

#define IPPROTO_ICMPV6_NUM 58 /* the pseudo-header's Next Header */
#define ND_HOP_LIMIT       255
#define OPT_SLLA           1 /* RFC 4861 section 4.6.1 */
#define OPT_TLLA           2

static bool is_multicast(const struct core_addr *a)
{
	return a->bytes[0] == 0xff; /* RFC 4291 section 2.7 */
}

static bool is_unspecified(const struct core_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->bytes, zero, 16) == 0;
}

/* ff02::1:ff00:0/104, RFC 4291 section 2.7.1. */
static bool is_solicited_node(const struct core_addr *a)
{
	static const uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

	return memcmp(a->bytes, prefix, sizeof(prefix)) == 0;
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

/* The one's complement sum over the pseudo-header of RFC 4443 section 2.3
 * (RFC 8200 section 8.1: source, destination, 32-bit upper-layer length,
 * three zero bytes, Next Header 58) and the message, folded to 16 bits. */
static uint16_t icmp6_sum(const struct l2_ip6 *ip, const uint8_t *p, size_t len)
{
	uint8_t tail[8] = {
	    (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0,
	    IPPROTO_ICMPV6_NUM};
	uint32_t s = 0;

	s = sum16(s, ip->src.bytes, 16);
	s = sum16(s, ip->dst.bytes, 16);
	s = sum16(s, tail, sizeof(tail));
	/* len is at most what one IPv6 packet holds (65535 + jumbograms are
	 * not ND), so folding as we go keeps s from overflowing. */
	for (size_t off = 0; off < len; off += 4096) {
		size_t n = len - off < 4096 ? len - off : 4096;

		s = sum16(s, p + off, n);
		s = (s & 0xffff) + (s >> 16);
	}
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The link-layer option kind each message carries. */
static uint8_t lla_opt(uint8_t type)
{
	return type == L2_ND_NS ? OPT_SLLA : OPT_TLLA;
}

int l2_nd_decode(const uint8_t *p, size_t len, const struct l2_ip6 *ip, bool check_csum,
                 struct l2_nd *out)
{
	struct l2_nd nd = {0};
	size_t off;

	if (!p || !ip || !out)
		return -EINVAL;
	if (ip->src.family != AF_INET6 || ip->dst.family != AF_INET6)
		return -EINVAL;
	/* RFC 4861 sections 7.1.1 and 7.1.2, the checks on the fixed part. */
	if (len < OFF_OPTS || ip->hop_limit != ND_HOP_LIMIT)
		return -EBADMSG;
	if ((p[OFF_TYPE] != L2_ND_NS && p[OFF_TYPE] != L2_ND_NA) || p[OFF_CODE] != 0)
		return -EBADMSG;
	if (check_csum && icmp6_sum(ip, p, len) != 0xffff)
		return -EBADMSG;
	nd.type = p[OFF_TYPE];
	nd.target.family = AF_INET6;
	memcpy(nd.target.bytes, p + OFF_TARGET, 16);
	if (is_multicast(&nd.target))
		return -EBADMSG;
	if (nd.type == L2_ND_NA) {
		nd.flags = p[OFF_FLAGS] & (L2_NA_ROUTER | L2_NA_SOLICITED | L2_NA_OVERRIDE);
		if (is_multicast(&ip->dst) && (nd.flags & L2_NA_SOLICITED))
			return -EBADMSG;
	}
	/* Options (RFC 4861 section 4.6): type, length in units of 8 bytes. */
	for (off = OFF_OPTS; off < len;) {
		size_t olen;

		if (len - off < 2)
			return -EBADMSG;
		olen = (size_t)p[off + 1] * 8;
		if (olen == 0 || olen > len - off)
			return -EBADMSG;
		if (p[off] == lla_opt(nd.type) && !nd.has_lla) {
			if (olen != 8) /* Ethernet, RFC 2464 section 6 */
				return -EBADMSG;
			nd.has_lla = true;
			memcpy(nd.lla.b, p + off + 2, 6);
		}
		off += olen;
	}
	/* RFC 4861 section 7.1.1: DAD (source unspecified) goes to a
	 * solicited-node address and carries no Source Link-Layer option. */
	if (nd.type == L2_ND_NS && is_unspecified(&ip->src) &&
	    (!is_solicited_node(&ip->dst) || nd.has_lla))
		return -EBADMSG;
	*out = nd;
	return 0;
}

int l2_nd_encode(const struct l2_ip6 *ip, const struct l2_nd *nd, uint8_t *buf, size_t cap,
                 size_t *len)
{
	size_t n;
	uint16_t c;

	if (!ip || !nd || !buf || !len)
		return -EINVAL;
	if ((nd->type != L2_ND_NS && nd->type != L2_ND_NA) || nd->target.family != AF_INET6 ||
	    ip->src.family != AF_INET6 || ip->dst.family != AF_INET6)
		return -EINVAL;
	n = OFF_OPTS + (nd->has_lla ? 8 : 0);
	if (cap < n)
		return -ENOBUFS;
	memset(buf, 0, n);
	buf[OFF_TYPE] = nd->type;
	if (nd->type == L2_ND_NA)
		buf[OFF_FLAGS] = nd->flags & (L2_NA_ROUTER | L2_NA_SOLICITED | L2_NA_OVERRIDE);
	memcpy(buf + OFF_TARGET, nd->target.bytes, 16);
	if (nd->has_lla) {
		buf[OFF_OPTS] = lla_opt(nd->type);
		buf[OFF_OPTS + 1] = 1;
		memcpy(buf + OFF_OPTS + 2, nd->lla.b, 6);
	}
	/* RFC 4443 section 2.3: the complement of the sum with the field 0. */
	c = (uint16_t)~icmp6_sum(ip, buf, n);
	buf[OFF_CSUM] = (uint8_t)(c >> 8);
	buf[OFF_CSUM + 1] = (uint8_t)c;
	*len = n;
	return 0;
}

static void all_nodes(struct core_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	a->bytes[0] = 0xff;
	a->bytes[1] = 0x02;
	a->bytes[15] = 0x01;
}

int l2_nd_unsolicited(const struct core_addr *target, const struct core_addr *src,
                      const struct l2_mac *mac, struct l2_ip6 *ip, struct l2_nd *out)
{
	if (!target || !src || target->family != AF_INET6 || src->family != AF_INET6)
		return -EINVAL;
	/* RFC 4861 section 7.2.6: to all-nodes, Solicited clear; Override set
	 * so that caches move to the new owner at once. */
	ip->src = *src;
	all_nodes(&ip->dst);
	ip->hop_limit = ND_HOP_LIMIT;
	memset(out, 0, sizeof(*out));
	out->type = L2_ND_NA;
	out->flags = L2_NA_OVERRIDE;
	out->target = *target;
	out->has_lla = true;
	out->lla = *mac;
	return 0;
}

enum l2_action l2_nd_decide(const struct l2_nd *nd, const struct l2_ip6 *ip,
                            const struct l2_mac *mac, const struct core_addr *src, l2_owns_fn owns,
                            void *ctx, struct l2_ip6 *ans_ip, struct l2_nd *ans)
{
	/* The rules of l2/ndp.h, in their order. */
	if (nd->has_lla && (l2_mac_is_zero(&nd->lla) || l2_mac_is_group(&nd->lla)))
		return L2_IGNORE;
	if (is_multicast(&ip->src))
		return L2_IGNORE; /* RFC 4291 section 2.7: never a source */
	if (nd->has_lla && l2_mac_equal(&nd->lla, mac))
		return L2_IGNORE;
	if (!owns(ctx, &nd->target))
		return L2_IGNORE;
	if (nd->type == L2_ND_NA)
		return L2_CONFLICT; /* RFC 4862 section 5.4.4 */
	if (nd->type != L2_ND_NS)
		return L2_IGNORE;
	/* RFC 4861 section 7.2.4. */
	memset(ans, 0, sizeof(*ans));
	ans->type = L2_ND_NA;
	ans->target = nd->target;
	ans->has_lla = true;
	ans->lla = *mac;
	ans_ip->src = *src;
	ans_ip->hop_limit = ND_HOP_LIMIT;
	if (is_unspecified(&ip->src)) {
		ans->flags = L2_NA_OVERRIDE;
		all_nodes(&ans_ip->dst);
	} else {
		ans->flags = L2_NA_OVERRIDE | L2_NA_SOLICITED;
		ans_ip->dst = ip->src;
	}
	return L2_ANSWER;
}
