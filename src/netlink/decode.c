/*
 * rtnetlink reply decoders (pure). Validate-then-read: every length is
 * checked against what is left of the buffer before the bytes behind it
 * are touched, and lengths are computed in size_t so that a hostile
 * nlmsg_len or nla_len cannot wrap. Unlike libmnl's iterators, which stop
 * quietly at the first bad length, a bad length here is -EBADMSG: a dump
 * cut short would make the planner delete addresses it did not see.
 */
#include "netlink/nl.h"
#include "netlink/nl_int.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* Largest errno the kernel uses (MAX_ERRNO). */
#define NL_MAX_ERRNO 4095

static size_t nl_align(size_t n)
{
	return (n + NLMSG_ALIGNTO - 1) & ~(size_t)(NLMSG_ALIGNTO - 1);
}

typedef int (*nl_attr_fn)(uint16_t type, const void *data, size_t dlen, void *arg);

/* Calls fn for each attribute in [p, p+len); -EBADMSG when an attribute
 * header or length does not fit. The last attribute may lack padding. */
static int nl_attrs_walk(const void *p, size_t len, nl_attr_fn fn, void *arg)
{
	size_t off = 0;

	while (off < len) {
		const struct nlattr *a;
		size_t alen, step;
		int rc;

		if (len - off < sizeof(*a))
			return -EBADMSG;
		a = (const struct nlattr *)((const char *)p + off);
		alen = a->nla_len;
		if (alen < sizeof(*a) || alen > len - off)
			return -EBADMSG;
		rc = fn((uint16_t)(a->nla_type & NLA_TYPE_MASK), (const char *)a + NLA_HDRLEN,
		        alen - NLA_HDRLEN, arg);
		if (rc < 0)
			return rc;
		step = nl_align(alen);
		off += step < len - off ? step : len - off;
	}
	return 0;
}

/* A NUL-terminated string attribute into out[cap]; -EBADMSG when it has
 * no NUL or does not fit. */
static int nl_attr_str(const void *data, size_t dlen, char *out, size_t cap)
{
	const char *nul = memchr(data, '\0', dlen);
	size_t n;

	if (!nul)
		return -EBADMSG;
	n = (size_t)(nul - (const char *)data);
	if (n >= cap)
		return -EBADMSG;
	memcpy(out, data, n);
	out[n] = '\0';
	return 0;
}

/* Kernel errno as a negative errno. Subsystems differ in the sign they
 * send; anything outside 1..MAX_ERRNO is not an errno at all. */
static int nl_errno(int32_t e)
{
	if (e == 0)
		return 0;
	if (e < 0) {
		if (e < -NL_MAX_ERRNO)
			return -EPROTO;
		return e;
	}
	if (e > NL_MAX_ERRNO)
		return -EPROTO;
	return -e;
}

static int nl_ext_ack_attr(uint16_t type, const void *data, size_t dlen, void *arg)
{
	struct nl_reply *r = arg;
	size_t n;

	if (type != NLMSGERR_ATTR_MSG)
		return 0;
	/* Kernel text, headed for logs: cut at the NUL (or the end) and
	 * keep it printable so that it cannot forge log lines. */
	n = strnlen(data, dlen);
	if (n >= sizeof(r->msg))
		n = sizeof(r->msg) - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = ((const unsigned char *)data)[i];

		r->msg[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	r->msg[n] = '\0';
	return 0;
}

/* NLMSG_ERROR: 0 for an ACK, else the negative errno. With NLM_F_ACK_TLVS
 * the extended ACK follows the request (all of it, or only its header
 * when NLM_F_CAPPED). */
static int nl_error_decode(struct nl_reply *r, const struct nlmsghdr *nlh)
{
	const char *pl = (const char *)nlh + NLMSG_HDRLEN;
	size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	struct nlmsgerr e;
	size_t toff;
	int rc;

	if (plen < sizeof(e))
		return -EBADMSG;
	memcpy(&e, pl, sizeof(e));
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		toff = sizeof(e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e.msg.nlmsg_len < NLMSG_HDRLEN)
				return -EBADMSG;
			toff = sizeof(e.error) + nl_align(e.msg.nlmsg_len);
		}
		if (toff > plen)
			return -EBADMSG;
		rc = nl_attrs_walk(pl + toff, plen - toff, nl_ext_ack_attr, r);
		if (rc < 0)
			return rc;
	}
	return nl_errno(e.error);
}

/* NLMSG_DONE: an int, the dump's error (absent from very old kernels),
 * then with NLM_F_ACK_TLVS an extended ACK. */
static int nl_done_decode(struct nl_reply *r, const struct nlmsghdr *nlh)
{
	const char *pl = (const char *)nlh + NLMSG_HDRLEN;
	size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	int32_t e;
	int rc;

	if (plen == 0)
		return 0;
	if (plen < sizeof(e))
		return -EBADMSG;
	memcpy(&e, pl, sizeof(e));
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		rc = nl_attrs_walk(pl + sizeof(e), plen - sizeof(e), nl_ext_ack_attr, r);
		if (rc < 0)
			return rc;
	}
	return nl_errno(e);
}

void nl_reply_init(struct nl_reply *r, uint32_t seq, uint32_t portid, bool dump)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->portid = portid;
	r->dump = dump;
}

/* The reply is complete: the kernel's error first, then the callback's,
 * then an inconsistent dump. */
static int nl_reply_end(const struct nl_reply *r, int err)
{
	if (err < 0)
		return err;
	if (r->fn_err < 0)
		return r->fn_err;
	if (r->intr)
		return -EINTR;
	return 0;
}

int nl_reply_decode(struct nl_reply *r, const void *buf, size_t len, nl_msg_fn fn, void *arg)
{
	size_t off = 0;

	if ((uintptr_t)buf % NLMSG_ALIGNTO)
		return -EINVAL;
	while (off < len) {
		const struct nlmsghdr *nlh;
		size_t mlen, step;

		if (len - off < sizeof(*nlh))
			return -EBADMSG;
		nlh = (const struct nlmsghdr *)((const char *)buf + off);
		mlen = nlh->nlmsg_len;
		if (mlen < sizeof(*nlh) || mlen > len - off)
			return -EBADMSG;
		step = nl_align(mlen);
		off += step < len - off ? step : len - off;

		/* Left over from an abandoned request: not ours to read. */
		if (nlh->nlmsg_seq != r->seq || (r->portid && nlh->nlmsg_pid != r->portid))
			continue;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			r->intr = true;
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			continue;
		case NLMSG_OVERRUN:
			return -ENOBUFS;
		case NLMSG_ERROR:
			return nl_reply_end(r, nl_error_decode(r, nlh));
		case NLMSG_DONE:
			return nl_reply_end(r, nl_done_decode(r, nlh));
		default:
			break;
		}
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue; /* reserved control messages */
		if (fn && r->fn_err == 0) {
			int rc = fn(nlh, arg);

			if (rc < 0)
				r->fn_err = rc;
		}
	}
	return 1;
}

static int nl_linkinfo_attr(uint16_t type, const void *data, size_t dlen, void *arg)
{
	struct nl_link *l = arg;

	if (type == IFLA_INFO_KIND)
		return nl_attr_str(data, dlen, l->kind, sizeof(l->kind));
	return 0;
}

static int nl_link_attr(uint16_t type, const void *data, size_t dlen, void *arg)
{
	struct nl_link *l = arg;

	if (type == IFLA_IFNAME)
		return nl_attr_str(data, dlen, l->name, sizeof(l->name));
	if (type == IFLA_LINKINFO)
		return nl_attrs_walk(data, dlen, nl_linkinfo_attr, l);
	return 0;
}

int nl_link_decode(const struct nlmsghdr *nlh, struct nl_link *l)
{
	struct ifinfomsg ifi;
	size_t plen, hlen = nl_align(sizeof(ifi));
	int rc;

	memset(l, 0, sizeof(*l));
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return -ENOMSG;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + hlen)
		return -EBADMSG;
	plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	memcpy(&ifi, (const char *)nlh + NLMSG_HDRLEN, sizeof(ifi));
	if (ifi.ifi_index <= 0)
		return -EBADMSG;
	l->ifindex = ifi.ifi_index;
	l->flags = ifi.ifi_flags;
	rc = nl_attrs_walk((const char *)nlh + NLMSG_HDRLEN + hlen, plen - hlen, nl_link_attr, l);
	if (rc < 0)
		memset(l, 0, sizeof(*l));
	return rc;
}

struct nl_addr_dec {
	struct nl_addr *a;
	size_t alen;
	bool have_local, have_address;
	uint8_t local[16], address[16];
};

static int nl_addr_attr(uint16_t type, const void *data, size_t dlen, void *arg)
{
	struct nl_addr_dec *d = arg;

	switch (type) {
	case IFA_LOCAL:
	case IFA_ADDRESS:
		if (dlen != d->alen)
			return -EBADMSG;
		memcpy(type == IFA_LOCAL ? d->local : d->address, data, dlen);
		if (type == IFA_LOCAL)
			d->have_local = true;
		else
			d->have_address = true;
		return 0;
	case IFA_FLAGS:
		if (dlen != sizeof(uint32_t))
			return -EBADMSG;
		memcpy(&d->a->flags, data, sizeof(uint32_t));
		return 0;
	default:
		return 0;
	}
}

int nl_addr_decode(const struct nlmsghdr *nlh, struct nl_addr *a)
{
	struct nl_addr_dec d = {.a = a};
	struct ifaddrmsg ifa;
	size_t plen, hlen = nl_align(sizeof(ifa));
	int rc;

	memset(a, 0, sizeof(*a));
	if (nlh->nlmsg_type != RTM_NEWADDR)
		return -ENOMSG;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + hlen)
		return -EBADMSG;
	plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	memcpy(&ifa, (const char *)nlh + NLMSG_HDRLEN, sizeof(ifa));
	d.alen = core_af_len(ifa.ifa_family);
	if (d.alen == 0)
		return -EAFNOSUPPORT;
	if (ifa.ifa_prefixlen > d.alen * 8 || ifa.ifa_index == 0 || ifa.ifa_index > INT32_MAX)
		return -EBADMSG;
	a->ifindex = (int)ifa.ifa_index;
	a->prefixlen = ifa.ifa_prefixlen;
	a->scope = ifa.ifa_scope;
	a->flags = ifa.ifa_flags; /* IFA_FLAGS, when present, replaces it */
	a->addr.family = ifa.ifa_family;
	rc = nl_attrs_walk((const char *)nlh + NLMSG_HDRLEN + hlen, plen - hlen, nl_addr_attr, &d);
	if (rc == 0 && !d.have_local && !d.have_address)
		rc = -EBADMSG;
	if (rc < 0) {
		memset(a, 0, sizeof(*a));
		return rc;
	}
	memcpy(a->addr.bytes, d.have_local ? d.local : d.address, d.alen);
	return 0;
}

struct nl_route_dec {
	struct nl_route *r;
	size_t alen;
};

static int nl_route_attr(uint16_t type, const void *data, size_t dlen, void *arg)
{
	struct nl_route_dec *d = arg;
	uint32_t v;

	switch (type) {
	case RTA_OIF:
		if (dlen != sizeof(v))
			return -EBADMSG;
		memcpy(&v, data, sizeof(v));
		if (v == 0 || v > INT32_MAX)
			return -EBADMSG;
		d->r->oif = (int)v;
		return 0;
	case RTA_TABLE:
		if (dlen != sizeof(v))
			return -EBADMSG;
		memcpy(&d->r->table, data, sizeof(v));
		return 0;
	case RTA_GATEWAY:
		if (dlen != d->alen)
			return -EBADMSG;
		d->r->has_gateway = true;
		d->r->gateway.family = d->r->family;
		memcpy(d->r->gateway.bytes, data, dlen);
		return 0;
	default:
		return 0;
	}
}

int nl_route_decode(const struct nlmsghdr *nlh, struct nl_route *r)
{
	struct nl_route_dec d = {.r = r};
	struct rtmsg rtm;
	size_t plen, hlen = nl_align(sizeof(rtm));
	int rc;

	memset(r, 0, sizeof(*r));
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return -ENOMSG;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + hlen)
		return -EBADMSG;
	plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	memcpy(&rtm, (const char *)nlh + NLMSG_HDRLEN, sizeof(rtm));
	d.alen = core_af_len(rtm.rtm_family);
	if (d.alen == 0)
		return -EAFNOSUPPORT;
	r->family = rtm.rtm_family;
	r->type = rtm.rtm_type;
	r->table = rtm.rtm_table; /* RTA_TABLE, when present, replaces it (ids > 255) */
	rc = nl_attrs_walk((const char *)nlh + NLMSG_HDRLEN + hlen, plen - hlen, nl_route_attr, &d);
	if (rc < 0)
		memset(r, 0, sizeof(*r));
	return rc;
}
