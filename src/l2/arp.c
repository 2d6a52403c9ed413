/*
 * ARP over Ethernet (RFC 826) for layer 2 mode: the codec and the decision
 * whether to answer. See l2/arp.h.
 */
#include "l2/arp.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* RFC 826 packet layout, Ethernet/IPv4 (offsets in bytes). */
enum {
	OFF_HTYPE = 0,
	OFF_PTYPE = 2,
	OFF_HLEN = 4,
	OFF_PLEN = 5,
	OFF_OP = 6,
	OFF_SHA = 8,
	OFF_SPA = 14,
	OFF_THA = 18,
	OFF_TPA = 24,
};

#define HTYPE_ETHERNET 1      /* ares_hrd$Ethernet */
#define PTYPE_IPV4     0x0800 /* ETHERTYPE_IP */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void get_ip4(const uint8_t *p, struct core_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->bytes, p, 4);
}

int l2_arp_decode(const uint8_t *p, size_t len, struct l2_arp *out)
{
	uint16_t op;

	if (!p || !out)
		return -EINVAL;
	/* Validate the whole fixed header before reading any field out. */
	if (len < L2_ARP_LEN)
		return -EBADMSG;
	op = get16(p + OFF_OP);
	if (get16(p + OFF_HTYPE) != HTYPE_ETHERNET || get16(p + OFF_PTYPE) != PTYPE_IPV4 ||
	    p[OFF_HLEN] != 6 || p[OFF_PLEN] != 4 || (op != L2_ARP_REQUEST && op != L2_ARP_REPLY))
		return -EBADMSG;
	out->op = op;
	memcpy(out->sha.b, p + OFF_SHA, 6);
	get_ip4(p + OFF_SPA, &out->spa);
	memcpy(out->tha.b, p + OFF_THA, 6);
	get_ip4(p + OFF_TPA, &out->tpa);
	return 0;
}

int l2_arp_encode(const struct l2_arp *a, uint8_t *buf, size_t cap)
{
	if (!a || !buf)
		return -EINVAL;
	if ((a->op != L2_ARP_REQUEST && a->op != L2_ARP_REPLY) || a->spa.family != AF_INET ||
	    a->tpa.family != AF_INET)
		return -EINVAL;
	if (cap < L2_ARP_LEN)
		return -ENOBUFS;
	put16(buf + OFF_HTYPE, HTYPE_ETHERNET);
	put16(buf + OFF_PTYPE, PTYPE_IPV4);
	buf[OFF_HLEN] = 6;
	buf[OFF_PLEN] = 4;
	put16(buf + OFF_OP, a->op);
	memcpy(buf + OFF_SHA, a->sha.b, 6);
	memcpy(buf + OFF_SPA, a->spa.bytes, 4);
	memcpy(buf + OFF_THA, a->tha.b, 6);
	memcpy(buf + OFF_TPA, a->tpa.bytes, 4);
	return 0;
}

void l2_arp_reply(const struct l2_arp *req, const struct l2_mac *mac, struct l2_arp *out)
{
	struct l2_arp r = {
	    .op = L2_ARP_REPLY,
	    .sha = *mac,
	    .spa = req->tpa,
	    .tha = req->sha,
	    .tpa = req->spa,
	};

	*out = r;
}

int l2_arp_announce(const struct core_addr *addr, const struct l2_mac *mac, struct l2_arp *out)
{
	if (!addr || addr->family != AF_INET)
		return -EINVAL;
	/* RFC 5227 section 3: "an ARP Request ... having both the sender and
	 * target IP addresses set to the IP address being announced"; RFC 5227
	 * section 2.1.1 sets the target hardware address to zero. */
	memset(out, 0, sizeof(*out));
	out->op = L2_ARP_REQUEST;
	out->sha = *mac;
	out->spa = *addr;
	out->tpa = *addr;
	return 0;
}

enum l2_action l2_arp_decide(const struct l2_arp *a, const struct l2_mac *mac, l2_owns_fn owns,
                             void *ctx, struct l2_arp *reply)
{
	static const uint8_t any[4];
	bool probe = memcmp(a->spa.bytes, any, 4) == 0;

	/* The rules of l2/arp.h, in their order. */
	if (l2_mac_is_zero(&a->sha) || l2_mac_is_group(&a->sha))
		return L2_IGNORE;
	if (l2_mac_equal(&a->sha, mac))
		return L2_IGNORE;
	if (!probe && owns(ctx, &a->spa))
		return L2_CONFLICT; /* RFC 5227 section 2.4 */
	if (a->op != L2_ARP_REQUEST)
		return L2_IGNORE;
	if (core_addr_equal(&a->spa, &a->tpa))
		return L2_IGNORE; /* RFC 5227 section 3: an announcement */
	if (!owns(ctx, &a->tpa))
		return L2_IGNORE;
	l2_arp_reply(a, mac, reply);
	return L2_ANSWER;
}
