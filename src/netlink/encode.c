/*
 * rtnetlink request encoders (pure). libmnl writes the headers and
 * attributes; every attribute goes through the _check variants so that a
 * short buffer gives -ENOBUFS instead of an overrun.
 */
#include "netlink/nl.h"
#include "netlink/nl_int.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

_Static_assert(NL_IFNAME_LEN == IFNAMSIZ, "NL_IFNAME_LEN must be IFNAMSIZ");

int nl_addr_check(const struct core_addr *a, uint8_t prefixlen)
{
	size_t alen = core_af_len(a->family);

	if (alen == 0 || prefixlen > alen * 8)
		return -EINVAL;
	return 0;
}

int nl_name_check(const char *name)
{
	size_t n;

	if (!name)
		return -EINVAL;
	n = strnlen(name, IFNAMSIZ);
	/* The kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no
	 * '/', ':' or whitespace (names become sysfs and procfs paths). */
	if (n == 0 || n >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/' || c == ':' || c == ' ' || (c >= '\t' && c <= '\r'))
			return -EINVAL;
	}
	return 0;
}

/* Header plus the fixed family struct, zeroed; NULL when len is too small
 * for both (mnl_nlmsg_put_header itself does not check). */
static struct nlmsghdr *nl_put(void *buf, size_t len, uint16_t type, uint16_t flags, uint32_t seq,
                               size_t fixed)
{
	struct nlmsghdr *nlh;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(fixed))
		return NULL;
	/* libmnl leaves attribute padding as it finds it: start from zeros
	 * so that requests are byte-for-byte reproducible. */
	memset(buf, 0, len);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	mnl_nlmsg_put_extra_header(nlh, fixed);
	return nlh;
}

static int nl_link_hdr(void *buf, size_t len, uint32_t seq, uint16_t type, uint16_t flags,
                       struct nlmsghdr **nlh, struct ifinfomsg **ifi)
{
	*nlh = nl_put(buf, len, type, flags, seq, sizeof(**ifi));
	if (!*nlh)
		return -ENOBUFS;
	*ifi = mnl_nlmsg_get_payload(*nlh);
	(*ifi)->ifi_family = AF_UNSPEC;
	return 0;
}

int nl_link_get_encode(void *buf, size_t len, uint32_t seq, const char *name)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int rc;

	if (nl_name_check(name) < 0)
		return -EINVAL;
	rc = nl_link_hdr(buf, len, seq, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, &nlh, &ifi);
	if (rc < 0)
		return rc;
	if (!mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, name))
		return -ENOBUFS;
	return (int)nlh->nlmsg_len;
}

int nl_link_new_encode(void *buf, size_t len, uint32_t seq, const char *name, const char *kind)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *info;
	int rc;

	if (nl_name_check(name) < 0 || !kind || !kind[0] || strlen(kind) >= NL_KIND_LEN)
		return -EINVAL;
	rc = nl_link_hdr(buf, len, seq, RTM_NEWLINK,
	                 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &nlh, &ifi);
	if (rc < 0)
		return rc;
	/* Up in the same request: rtnl_newlink applies ifi_flags under
	 * ifi_change once the device is registered. */
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (!mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, name))
		return -ENOBUFS;
	info = mnl_attr_nest_start_check(nlh, len, IFLA_LINKINFO);
	if (!info)
		return -ENOBUFS;
	if (!mnl_attr_put_strz_check(nlh, len, IFLA_INFO_KIND, kind))
		return -ENOBUFS;
	mnl_attr_nest_end(nlh, info);
	return (int)nlh->nlmsg_len;
}

int nl_link_up_encode(void *buf, size_t len, uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int rc;

	if (ifindex <= 0)
		return -EINVAL;
	rc = nl_link_hdr(buf, len, seq, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, &nlh, &ifi);
	if (rc < 0)
		return rc;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return (int)nlh->nlmsg_len;
}

int nl_link_del_encode(void *buf, size_t len, uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int rc;

	if (ifindex <= 0)
		return -EINVAL;
	/* By index, not by name: the index is the link whose kind the
	 * caller checked, a name may have been reused meanwhile. */
	rc = nl_link_hdr(buf, len, seq, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, &nlh, &ifi);
	if (rc < 0)
		return rc;
	ifi->ifi_index = ifindex;
	return (int)nlh->nlmsg_len;
}

static int nl_addr_encode(void *buf, size_t len, uint32_t seq, uint16_t type, uint16_t flags,
                          const struct nl_addr *a)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	size_t alen = core_af_len(a->addr.family);
	uint32_t aflags = IFA_F_NOPREFIXROUTE;

	if (a->ifindex <= 0 || nl_addr_check(&a->addr, a->prefixlen) < 0)
		return -EINVAL;
	nlh = nl_put(buf, len, type, flags, seq, sizeof(*ifa));
	if (!nlh)
		return -ENOBUFS;
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = a->addr.family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)a->ifindex;
	if (a->addr.family == AF_INET6)
		aflags |= IFA_F_NODAD;
	/* IPv4: IFA_LOCAL is the address, IFA_ADDRESS the peer (the same
	 * without one); with both, RTM_DELADDR also matches the prefix
	 * length, so a /32 delete never removes a /24 of the same address.
	 * IPv6 keys on IFA_ADDRESS and always matches the prefix length. */
	if (a->addr.family == AF_INET &&
	    !mnl_attr_put_check(nlh, len, IFA_LOCAL, alen, a->addr.bytes))
		return -ENOBUFS;
	if (!mnl_attr_put_check(nlh, len, IFA_ADDRESS, alen, a->addr.bytes))
		return -ENOBUFS;
	if (type == RTM_NEWADDR) {
		/* ifa_flags is 8 bits: IFA_FLAGS carries the rest and wins
		 * when present; the low bits also go in ifa_flags for
		 * kernels older than IFA_FLAGS (3.14). */
		ifa->ifa_flags = (uint8_t)(aflags & 0xff);
		if (!mnl_attr_put_check(nlh, len, IFA_FLAGS, sizeof(aflags), &aflags))
			return -ENOBUFS;
	}
	return (int)nlh->nlmsg_len;
}

int nl_addr_new_encode(void *buf, size_t len, uint32_t seq, const struct nl_addr *a)
{
	/* NLM_F_EXCL: an address already there is EEXIST, not a silent
	 * replace of its flags and lifetimes. */
	return nl_addr_encode(buf, len, seq, RTM_NEWADDR,
	                      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, a);
}

int nl_addr_del_encode(void *buf, size_t len, uint32_t seq, const struct nl_addr *a)
{
	return nl_addr_encode(buf, len, seq, RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, a);
}

int nl_addr_dump_encode(void *buf, size_t len, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	nlh = nl_put(buf, len, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq, sizeof(*ifa));
	if (!nlh)
		return -ENOBUFS;
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = AF_UNSPEC; /* both families in one dump */
	return (int)nlh->nlmsg_len;
}

int nl_route_get_encode(void *buf, size_t len, uint32_t seq, const struct core_addr *dst)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	size_t alen;

	if (!dst || (alen = core_af_len(dst->family)) == 0)
		return -EINVAL;
	nlh = nl_put(buf, len, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_ACK, seq, sizeof(*rtm));
	if (!nlh)
		return -ENOBUFS;
	/* As `ip route get` asks: a host destination, everything else left
	 * to the lookup (no input interface: the route for our own
	 * traffic). The reply is one RTM_NEWROUTE, then the ACK. */
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = dst->family;
	rtm->rtm_dst_len = (uint8_t)(alen * 8);
	if (!mnl_attr_put_check(nlh, len, RTA_DST, alen, dst->bytes))
		return -ENOBUFS;
	return (int)nlh->nlmsg_len;
}
