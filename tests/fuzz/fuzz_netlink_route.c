/*
 * libFuzzer target for nl_route_decode, the RTM_GETROUTE reply decoder
 * (layer 2 mode's "can_reach:IP"). The input is a flags byte, then
 * datagrams, each a 2-byte little-endian length and that many bytes (as
 * in fuzz_netlink.c). Each datagram goes two ways:
 *  - as received: through nl_reply_decode until the reply ends, every
 *    data message to nl_route_decode, the first route kept as
 *    nl_route_get does;
 *  - as one message: its nlmsg_len cut to the datagram, in a heap
 *    buffer of exactly nlmsg_len bytes, so ASan sees any read past it.
 * Every answer is checked against a reading of the same bytes written
 * from the netlink rules (RFC 3549, linux/netlink.h, linux/rtnetlink.h), not
 * from decode.c; a difference, a value out of its documented range, or
 * a failed decode that leaves anything in *r aborts.
 *
 * flags: bit 0 dump, bit 1 check portid 4242 (else any), bit 2 seq 7
 * (else 1).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "fuzz.h"
#include "netlink/nl.h"

/* The reference reading: rc, and the route when rc is 0. */
static int ref_decode(const uint8_t *m, size_t len, struct nl_route *out)
{
	const size_t hdr = 16, rtm = 12; /* nlmsghdr; rtmsg, a multiple of 4 */
	uint16_t type;
	size_t alen, off;

	memset(out, 0, sizeof(*out));
	memcpy(&type, m + 4, 2);
	if (type != RTM_NEWROUTE)
		return -ENOMSG;
	if (len < hdr + rtm)
		return -EBADMSG;
	/* rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type */
	alen = m[hdr] == AF_INET ? 4 : m[hdr] == AF_INET6 ? 16 : 0;
	if (!alen)
		return -EAFNOSUPPORT;
	out->family = m[hdr];
	out->table = m[hdr + 4];
	out->type = m[hdr + 7];
	for (off = hdr + rtm; off < len;) {
		uint16_t nla_len, nla_type;
		uint32_t v;
		const uint8_t *d;
		size_t dlen;

		if (len - off < 4)
			goto bad;
		memcpy(&nla_len, m + off, 2);
		memcpy(&nla_type, m + off + 2, 2);
		if (nla_len < 4 || nla_len > len - off)
			goto bad;
		d = m + off + 4;
		dlen = nla_len - 4u;
		/* The two top bits are flags (nested, byte order). */
		switch (nla_type & 0x3fff) {
		case RTA_OIF:
			if (dlen != 4)
				goto bad;
			memcpy(&v, d, 4);
			if (v == 0 || v > 0x7fffffffu)
				goto bad;
			out->oif = (int)v;
			break;
		case RTA_TABLE:
			if (dlen != 4)
				goto bad;
			memcpy(&out->table, d, 4);
			break;
		case RTA_GATEWAY:
			if (dlen != alen)
				goto bad;
			out->has_gateway = true;
			memset(&out->gateway, 0, sizeof(out->gateway));
			out->gateway.family = out->family;
			memcpy(out->gateway.bytes, d, alen);
			break;
		default:
			break;
		}
		/* Attributes are padded to 4 bytes; the last may lack it. */
		off += ((size_t)nla_len + 3) & ~(size_t)3;
	}
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return -EBADMSG;
}

static void check(const struct nlmsghdr *nlh, size_t len, int rc, const struct nl_route *r)
{
	static const struct nl_route zero;
	struct nl_route want;
	int want_rc = ref_decode((const uint8_t *)nlh, len, &want);

	if (rc != want_rc)
		abort();
	if (rc != 0) {
		if (memcmp(r, &zero, sizeof(*r)) != 0)
			abort(); /* *r is zeroed on error */
		return;
	}
	if ((r->family != AF_INET && r->family != AF_INET6) || r->oif < 0)
		abort();
	if (r->has_gateway) {
		size_t alen = core_af_len(r->family);

		if (r->gateway.family != r->family)
			abort();
		for (size_t i = alen; i < sizeof(r->gateway.bytes); i++)
			if (r->gateway.bytes[i])
				abort();
	} else if (memcmp(&r->gateway, &zero.gateway, sizeof(r->gateway)) != 0) {
		abort();
	}
	if (r->family != want.family || r->type != want.type || r->table != want.table ||
	    r->oif != want.oif || r->has_gateway != want.has_gateway ||
	    r->gateway.family != want.gateway.family ||
	    memcmp(r->gateway.bytes, want.gateway.bytes, sizeof(r->gateway.bytes)) != 0)
		abort();
}

struct seen {
	bool found;
};

static int on_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct seen *s = arg;
	struct nl_route r;
	int rc;

	if (nlh->nlmsg_type < NLMSG_MIN_TYPE || nlh->nlmsg_len < NLMSG_HDRLEN)
		abort(); /* control messages and short headers never reach here */
	rc = nl_route_decode(nlh, &r);
	check(nlh, nlh->nlmsg_len, rc, &r);
	/* As nl_route_get: other messages are skipped, the first route
	 * kept, a malformed one fails the request (the callback-error path
	 * of nl_reply_decode). */
	if (rc == -ENOMSG || s->found)
		return 0;
	s->found = rc == 0;
	return rc;
}

/* The datagram as one message, in a buffer of exactly its length. */
static void direct(const uint8_t *dg, size_t n)
{
	struct nlmsghdr *nlh;
	struct nl_route r;
	uint32_t len;
	int rc;

	if (n < NLMSG_HDRLEN)
		return;
	memcpy(&len, dg, sizeof(len));
	if (len < NLMSG_HDRLEN || len > n)
		len = (uint32_t)n;
	if (!(nlh = malloc(len)))
		return;
	memcpy(nlh, dg, len);
	nlh->nlmsg_len = len;
	rc = nl_route_decode(nlh, &r);
	check(nlh, len, rc, &r);
	free(nlh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nl_reply rep;
	struct seen s = {0};
	uint8_t flags;
	int rc = 1;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	nl_reply_init(&rep, (flags & 4) ? 7 : 1, (flags & 2) ? 4242 : 0, flags & 1);
	while (size >= 2) {
		size_t n = (size_t)data[0] | (size_t)data[1] << 8;
		uint8_t *dg;

		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		direct(data, n);
		if (rc == 1) {
			dg = malloc(n ? n : 1);
			if (!dg)
				return 0;
			memcpy(dg, data, n);
			rc = nl_reply_decode(&rep, dg, n, on_msg, &s);
			free(dg);
			if (rc > 1)
				abort();
		}
		data += n;
		size -= n;
	}
	return 0;
}
