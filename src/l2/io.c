/*
 * The layer 2 responder of one interface: the sockets, the libev
 * watchers and the announcement timers around the pure codecs l2/arp.h
 * and l2/ndp.h. See l2/io.h.
 *
 * Bounded work per wake-up: each socket is read at most RX_BUDGET times
 * before the loop runs other watchers (libev calls again while data is
 * queued), nothing is buffered beyond the sockets, and each packet costs
 * one decode, at most one owns() per address it names and at most one
 * send. Whatever a stranger on the link can cause (malformed packets,
 * conflicting claims, failed sends) is a counter and a rate-limited log
 * line (core/loglimit.h), never one line per packet.
 */
#include "l2/io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h> /* RTN_* */
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/loglimit.h"
#include "l2/arp.h"
#include "l2/ndp.h"
#include "netlink/nl.h"

#define RX_BUDGET  64   /* packets read per wake-up, per socket */
#define ARP_RX_LEN 256  /* ARP is 28 bytes, padded to 46 on Ethernet */
#define ND_RX_LEN  9216 /* a jumbo frame; a longer message is malformed */
#define ND_HOPS    255  /* RFC 4861 sections 7.1.1, 7.1.2: both ways */
#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78 /* linux/in6.h, Linux 4.15 */
#endif
#define LOG_SLOTS   64
#define LOG_WINDOW  10000 /* ms */
#define LOG_FLUSH_S 1.0

/* When the announcements of one address go out, in seconds after the
 * first (RFC 5227 section 2.3 asks for two, 2 s apart; the repeats in
 * between reach caches that dropped the first, and the one at 2 s passes
 * Linux's neighbour locktime (1 s) for a cache that just changed). */
static const double announce_at[] = {0, 0.1, 0.5, 1.0, 2.0};
#define N_ANNOUNCE (sizeof(announce_at) / sizeof(announce_at[0]))

static const struct core_loglimit_kind ll_conflict = {
    .lvl = LOG_LVL_WARN,
    .summary = "{n} more packets from {b} claimed {a}, an address this node owns, in the "
               "last {s}",
    .others = "{n} more packets claimed addresses this node owns in the last {s}",
};
static const struct core_loglimit_kind ll_malformed = {
    .lvl = LOG_LVL_INFO,
    .summary = "{a}: refused {n} more malformed ARP/NDP packets from {b} in the last {s}",
    .others = "refused {n} more malformed ARP/NDP packets from other senders in the last {s}",
};
static const struct core_loglimit_kind ll_io = {
    .lvl = LOG_LVL_WARN,
    .summary = "{a}: {n} more send or receive errors ({b}) in the last {s}",
    .others = "{n} more layer 2 send or receive errors in the last {s}",
};

/* One solicited-node group joined on the interface, and how many owned
 * addresses want it. */
struct l2_group {
	uint8_t addr[16];
	unsigned refs;
};

/* The pending repeats of one address's announcement. */
struct l2_announce {
	struct l2_announce *next;
	struct l2_io *io;   /* the owner */
	struct core_addr a; /* what is announced */
	size_t step;        /* the next index in announce_at */
	ev_tstamp t0;       /* ev_now() of the first */
	ev_timer timer;
};

struct l2_io {
	struct ev_loop *loop; /* borrowed */
	char ifname[IFNAMSIZ];
	int ifindex;
	struct l2_mac mac;
	l2_owns_fn owns;
	void *ctx; /* borrowed: owns's */
	struct l2_io_hooks hooks;
	int arp_fd, nd_fd; /* nd_fd -1: no IPv6 in this kernel */
	ev_io arp_w, nd_w;
	struct l2_io_stats st;
	struct l2_group *groups; /* owned, n_groups used of cap_groups */
	size_t n_groups, cap_groups;
	struct l2_announce *ann;   /* owned list */
	struct core_loglimit *lim; /* owned; NULL: lines not limited */
	ev_timer lim_timer;        /* its flush */
	uint8_t buf[ND_RX_LEN];    /* receive buffer of both sockets */
};

static const struct l2_mac broadcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

static void mac_str(const struct l2_mac *m, char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2], m->b[3],
	         m->b[4], m->b[5]);
}

static void v6_from(struct core_addr *a, const struct in6_addr *in)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	memcpy(a->bytes, in, 16);
}

static bool v6_unspecified(const struct core_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->bytes, zero, 16) == 0;
}

static void io_error(struct l2_io *io, const char *what, int err)
{
	log_limited(io->lim, &ll_io, io->ifname, what, core_now_ms(), "%s: %s: %s", io->ifname,
	            what, strerror(err));
}

static void malformed(struct l2_io *io, const char *proto, const char *from)
{
	io->st.malformed++;
	log_limited(io->lim, &ll_malformed, io->ifname, from, core_now_ms(),
	            "%s: refused a malformed %s packet from %s", io->ifname, proto, from);
}

static void conflict(struct l2_io *io, const char *proto, const struct core_addr *a,
                     const struct l2_mac *other)
{
	char as[CORE_ADDR_STRLEN], ms[18];

	io->st.conflicts++;
	core_addr_str(a, as);
	mac_str(other, ms);
	log_limited(io->lim, &ll_conflict, as, ms, core_now_ms(),
	            "%s: %s claims %s (%s), an address this node owns", io->ifname, ms, as, proto);
	if (io->hooks.conflict)
		io->hooks.conflict(io->ifname, a, other, io->hooks.arg);
}

/* ---- ARP ---- */

/* a to the Ethernet address dst. 0 or a negative errno (counted). */
static int arp_send(struct l2_io *io, const struct l2_arp *a, const struct l2_mac *dst)
{
	uint8_t pkt[L2_ARP_LEN];
	struct sockaddr_ll to = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_ARP),
	    .sll_ifindex = io->ifindex,
	    .sll_halen = ETH_ALEN,
	};
	int rc = l2_arp_encode(a, pkt, sizeof(pkt));

	if (rc < 0)
		return rc;
	memcpy(to.sll_addr, dst->b, ETH_ALEN);
	if (sendto(io->arp_fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		rc = -errno;
		io->st.send_errors++;
		io_error(io, "sending ARP", -rc);
		return rc;
	}
	return 0;
}

static void arp_handle(struct l2_io *io, const uint8_t *p, size_t len,
                       const struct sockaddr_ll *from)
{
	struct l2_arp a, reply;

	if (l2_arp_decode(p, len, &a) < 0) {
		struct l2_mac src = {{0}};
		char ms[18];

		if (from->sll_halen == ETH_ALEN)
			memcpy(src.b, from->sll_addr, ETH_ALEN);
		mac_str(&src, ms);
		malformed(io, "ARP", ms);
		return;
	}
	switch (l2_arp_decide(&a, &io->mac, io->owns, io->ctx, &reply)) {
	case L2_ANSWER:
		/* RFC 826: the reply goes to the requester's hardware
		 * address, which l2_arp_reply put in its target field. */
		if (arp_send(io, &reply, &reply.tha) == 0)
			io->st.arp_answered++;
		break;
	case L2_CONFLICT:
		conflict(io, a.op == L2_ARP_REPLY ? "ARP reply" : "ARP request", &a.spa, &a.sha);
		break;
	case L2_IGNORE:
		break;
	}
}

static void on_arp(struct ev_loop *loop, ev_io *w, int revents)
{
	struct l2_io *io = w->data;

	for (int i = 0; i < RX_BUDGET; i++) {
		struct sockaddr_ll from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(io->arp_fd, io->buf, ARP_RX_LEN, MSG_TRUNC,
		                     (struct sockaddr *)&from, &flen);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				io_error(io, "receiving ARP", errno);
			return;
		}
		/* What this host sends (the kernel's own requests) passes
		 * the socket too; only received packets are questions. */
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		/* MSG_TRUNC gives the full length: past ARP_RX_LEN it is
		 * padding or junk after the 28 bytes the decoder reads. */
		arp_handle(io, io->buf, (size_t)n < ARP_RX_LEN ? (size_t)n : ARP_RX_LEN, &from);
	}
}

/* ---- NDP ---- */

static int nd_sendmsg(struct l2_io *io, const uint8_t *pkt, size_t len, const struct l2_ip6 *ip)
{
	struct sockaddr_in6 to = {
	    .sin6_family = AF_INET6,
	    .sin6_scope_id = (uint32_t)io->ifindex, /* for link-local destinations */
	};
	struct iovec iov = {.iov_base = (void *)pkt, .iov_len = len};
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct msghdr mh = {
	    .msg_name = &to,
	    .msg_namelen = sizeof(to),
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = cbuf.b,
	    .msg_controllen = sizeof(cbuf.b),
	};
	struct cmsghdr *c;
	struct in6_pktinfo pi = {.ipi6_ifindex = (unsigned)io->ifindex};
	int hops = ND_HOPS;

	memset(&cbuf, 0, sizeof(cbuf));
	memcpy(&to.sin6_addr, ip->dst.bytes, 16);
	memcpy(&pi.ipi6_addr, ip->src.bytes, 16); /* :: lets the kernel choose */
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	/* 255 is also the socket's default both ways; per packet it cannot
	 * be lost to a changed option. */
	c = CMSG_NXTHDR(&mh, c);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_HOPLIMIT;
	c->cmsg_len = CMSG_LEN(sizeof(hops));
	memcpy(CMSG_DATA(c), &hops, sizeof(hops));
	if (sendmsg(io->nd_fd, &mh, 0) < 0)
		return -errno;
	return 0;
}

/* nd with the IPv6 fields ip. The kernel fills the checksum (a raw
 * ICMPv6 socket always does, RFC 3542 section 3.1). 0 or a negative
 * errno (counted). */
static int nd_send(struct l2_io *io, struct l2_ip6 *ip, const struct l2_nd *nd)
{
	uint8_t pkt[L2_ND_LEN];
	size_t len;
	int rc = l2_nd_encode(ip, nd, pkt, sizeof(pkt), &len);

	if (rc < 0)
		return rc;
	rc = nd_sendmsg(io, pkt, len, ip);
	if ((rc == -EINVAL || rc == -EADDRNOTAVAIL) && !v6_unspecified(&ip->src)) {
		/* The target as source needs IPV6_FREEBIND (Linux 4.15)
		 * unless the node holds the address: else the kernel picks
		 * one of the interface's (the link-local one towards
		 * link-local and link-scope multicast destinations). */
		memset(ip->src.bytes, 0, 16);
		rc = nd_sendmsg(io, pkt, len, ip);
	}
	if (rc < 0) {
		io->st.send_errors++;
		io_error(io, "sending a neighbor advertisement", -rc);
	}
	return rc;
}

static void nd_handle(struct l2_io *io, const uint8_t *p, size_t len, const struct l2_ip6 *ip)
{
	struct l2_nd nd, ans;
	struct l2_ip6 ans_ip;

	if (l2_nd_decode(p, len, ip, false, &nd) < 0) {
		char from[CORE_ADDR_STRLEN];

		malformed(io, "NDP", core_addr_str(&ip->src, from));
		return;
	}
	/* The answer comes from the target itself, as Linux answers for its
	 * own addresses (ndisc_send_na) and as some resolvers insist
	 * (ndisc6 1.0.5 drops advertisements from any other source). */
	switch (l2_nd_decide(&nd, ip, &io->mac, &nd.target, io->owns, io->ctx, &ans_ip, &ans)) {
	case L2_ANSWER:
		if (nd_send(io, &ans_ip, &ans) == 0)
			io->st.nd_answered++;
		break;
	case L2_CONFLICT: {
		/* An NA need not carry the option (a solicited one): the
		 * other MAC is then unknown, given as zero. */
		struct l2_mac other = {{0}};

		if (nd.has_lla)
			other = nd.lla;
		conflict(io, "neighbor advertisement", &nd.target, &other);
		break;
	}
	case L2_IGNORE:
		break;
	}
}

/* One message from the ICMPv6 socket with its IPv6 fields. 1 when read,
 * 0 when the queue is empty, -1 when the message is to be skipped. */
static int nd_recv(struct l2_io *io, size_t *len, struct l2_ip6 *ip)
{
	struct sockaddr_in6 from;
	struct iovec iov = {.iov_base = io->buf, .iov_len = sizeof(io->buf)};
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + 64];
	} cbuf;
	struct msghdr mh = {
	    .msg_name = &from,
	    .msg_namelen = sizeof(from),
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = cbuf.b,
	    .msg_controllen = sizeof(cbuf.b),
	};
	bool have_pi = false, have_hops = false;
	ssize_t n;

	n = recvmsg(io->nd_fd, &mh, 0);
	if (n < 0) {
		if (errno == EINTR)
			return -1;
		/* EAGAIN also after a message that failed its checksum
		 * (the kernel drops it in recvmsg): libev calls again
		 * while more are queued. */
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			io_error(io, "receiving NDP", errno);
		return 0;
	}
	memset(ip, 0, sizeof(*ip));
	v6_from(&ip->src, &from.sin6_addr);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			if ((int)pi.ipi6_ifindex != io->ifindex)
				return -1; /* bound to the device: cannot happen */
			v6_from(&ip->dst, &pi.ipi6_addr);
			have_pi = true;
		} else if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int hops;

			memcpy(&hops, CMSG_DATA(c), sizeof(hops));
			ip->hop_limit = hops >= 0 && hops <= 255 ? (uint8_t)hops : 0;
			have_hops = true;
		}
	}
	/* Without the hop limit or the destination the RFC 4861 checks
	 * cannot be made, nor can a message past the buffer be read. */
	if (!have_pi || !have_hops || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		char str[CORE_ADDR_STRLEN];

		malformed(io, "NDP", core_addr_str(&ip->src, str));
		return -1;
	}
	*len = (size_t)n;
	return 1;
}

static void on_nd(struct ev_loop *loop, ev_io *w, int revents)
{
	struct l2_io *io = w->data;

	for (int i = 0; i < RX_BUDGET; i++) {
		struct l2_ip6 ip;
		size_t len;
		int rc = nd_recv(io, &len, &ip);

		if (rc == 0)
			return;
		if (rc > 0)
			nd_handle(io, io->buf, len, &ip);
	}
}

/* ff02::1:ffXX:XXXX, the low 24 bits of a: RFC 4291 section 2.7.1. */
static void solicited_node(const struct core_addr *a, uint8_t g[16])
{
	static const uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

	memcpy(g, prefix, sizeof(prefix));
	memcpy(g + 13, a->bytes + 13, 3);
}

static struct l2_group *group_find(struct l2_io *io, const uint8_t g[16])
{
	for (size_t i = 0; i < io->n_groups; i++)
		if (memcmp(io->groups[i].addr, g, 16) == 0)
			return &io->groups[i];
	return NULL;
}

static int group_op(struct l2_io *io, const uint8_t g[16], int op)
{
	struct ipv6_mreq mr = {.ipv6mr_interface = (unsigned)io->ifindex};

	memcpy(&mr.ipv6mr_multiaddr, g, 16);
	if (setsockopt(io->nd_fd, IPPROTO_IPV6, op, &mr, sizeof(mr)) < 0)
		return -errno;
	return 0;
}

int l2_io_join(struct l2_io *io, const struct core_addr *a)
{
	struct l2_group *grp;
	uint8_t g[16];
	int rc;

	if (!io || !a)
		return -EINVAL;
	if (a->family == AF_INET)
		return 0;
	if (a->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (io->nd_fd < 0)
		return -EAFNOSUPPORT;
	solicited_node(a, g);
	grp = group_find(io, g);
	if (grp) {
		grp->refs++;
		return 0;
	}
	if (io->n_groups == io->cap_groups) {
		size_t cap = io->cap_groups ? io->cap_groups * 2 : 8;
		struct l2_group *v = realloc(io->groups, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		io->groups = v;
		io->cap_groups = cap;
	}
	/* ENOBUFS here: the socket's option memory (net.core.optmem_max)
	 * holds no more groups. */
	rc = group_op(io, g, IPV6_JOIN_GROUP);
	if (rc < 0)
		return rc;
	grp = &io->groups[io->n_groups++];
	memcpy(grp->addr, g, 16);
	grp->refs = 1;
	return 0;
}

int l2_io_leave(struct l2_io *io, const struct core_addr *a)
{
	struct l2_group *grp;
	uint8_t g[16];
	int rc = 0;

	if (!io || !a)
		return -EINVAL;
	if (a->family == AF_INET)
		return 0;
	if (a->family != AF_INET6 || io->nd_fd < 0)
		return -EAFNOSUPPORT;
	solicited_node(a, g);
	grp = group_find(io, g);
	if (!grp)
		return -ENOENT;
	if (--grp->refs > 0)
		return 0;
	rc = group_op(io, g, IPV6_LEAVE_GROUP);
	*grp = io->groups[--io->n_groups];
	return rc;
}

/* ---- announcements ---- */

/* One gratuitous ARP or unsolicited NA for a. 0 or a negative errno. */
static int announce_send(struct l2_io *io, const struct core_addr *a)
{
	int rc;

	if (a->family == AF_INET) {
		struct l2_arp garp;

		rc = l2_arp_announce(a, &io->mac, &garp);
		if (rc == 0)
			rc = arp_send(io, &garp, &broadcast);
	} else {
		struct l2_ip6 ip;
		struct l2_nd nd;

		/* From a itself: see nd_handle. */
		rc = l2_nd_unsolicited(a, a, &io->mac, &ip, &nd);
		if (rc == 0)
			rc = nd_send(io, &ip, &nd);
	}
	if (rc == 0)
		io->st.announced++;
	return rc;
}

static void announce_drop(struct l2_io *io, struct l2_announce *an)
{
	struct l2_announce **pp = &io->ann;

	while (*pp != an)
		pp = &(*pp)->next;
	*pp = an->next;
	ev_timer_stop(io->loop, &an->timer);
	free(an);
}

/* Arms the timer for the next repeat, or ends the announcement. */
static void announce_next(struct l2_io *io, struct l2_announce *an)
{
	ev_tstamp in;

	if (an->step >= N_ANNOUNCE) {
		announce_drop(io, an);
		return;
	}
	/* Counted from the first, so a late wake-up does not delay the rest. */
	in = an->t0 + announce_at[an->step] - ev_now(io->loop);
	ev_timer_set(&an->timer, in > 0 ? in : 0, 0);
	ev_timer_start(io->loop, &an->timer);
}

static void on_announce(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct l2_announce *an = w->data;
	struct l2_io *io = an->io;

	/* Given away meanwhile: the new owner announces, we must not. */
	if (!io->owns(io->ctx, &an->a)) {
		announce_drop(io, an);
		return;
	}
	(void)announce_send(io, &an->a);
	an->step++;
	announce_next(io, an);
}

int l2_io_announce(struct l2_io *io, const struct core_addr *a)
{
	struct l2_announce *an;
	int rc;

	if (!io || !a)
		return -EINVAL;
	if (a->family != AF_INET && a->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (a->family == AF_INET6 && io->nd_fd < 0)
		return -EAFNOSUPPORT;
	for (an = io->ann; an; an = an->next)
		if (core_addr_equal(&an->a, a))
			break;
	if (an) {
		ev_timer_stop(io->loop, &an->timer);
	} else {
		an = calloc(1, sizeof(*an));
		if (!an)
			return -ENOMEM;
		an->io = io;
		an->a = *a;
		ev_init(&an->timer, on_announce);
		an->timer.data = an;
		an->next = io->ann;
		io->ann = an;
	}
	ev_now_update(io->loop);
	an->t0 = ev_now(io->loop);
	rc = announce_send(io, a);
	an->step = 1;
	announce_next(io, an);
	return rc;
}

/* ---- lifecycle ---- */

static void on_lim_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct l2_io *io = w->data;

	log_limited_flush(io->lim, core_now_ms(), false);
}

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int mac_read(struct l2_io *io, char *err, size_t errlen)
{
	struct ifreq ifr = {0};

	memcpy(ifr.ifr_name, io->ifname, sizeof(io->ifname));
	if (ioctl(io->arp_fd, SIOCGIFHWADDR, &ifr) < 0)
		return fail(err, errlen, -errno, "%s: reading the MAC address: %s", io->ifname,
		            strerror(errno));
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return fail(
		    err, errlen, -EOPNOTSUPP,
		    "%s: not an Ethernet interface (hardware type %u): layer 2 mode answers "
		    "ARP and NDP on Ethernet only",
		    io->ifname, ifr.ifr_hwaddr.sa_family);
	memcpy(io->mac.b, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	return 0;
}

static int arp_open(struct l2_io *io, char *err, size_t errlen)
{
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_ARP),
	    .sll_ifindex = io->ifindex,
	};

	/* Protocol 0 until bound: opened with ETH_P_ARP, the socket would
	 * queue ARP from every interface until bind. */
	io->arp_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (io->arp_fd < 0)
		return fail(err, errlen, -errno, "%s: ARP socket: %s%s", io->ifname,
		            strerror(errno), errno == EPERM ? " (needs CAP_NET_RAW)" : "");
	if (bind(io->arp_fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return fail(err, errlen, -errno, "%s: binding the ARP socket: %s", io->ifname,
		            strerror(errno));
	return 0;
}

static int nd_open(struct l2_io *io, char *err, size_t errlen)
{
	struct icmp6_filter f;
	int one = 1, zero = 0, hops = ND_HOPS, ifindex = io->ifindex;
	struct {
		int opt;
		const void *val;
		socklen_t len;
		const char *name;
	} const opts[] = {
	    /* Only solicitations and advertisements reach us. */
	    {ICMP6_FILTER, &f, sizeof(f), "ICMP6_FILTER"},
	    /* The destination and hop limit l2_nd_decode checks. */
	    {IPV6_RECVPKTINFO, &one, sizeof(one), "IPV6_RECVPKTINFO"},
	    {IPV6_RECVHOPLIMIT, &one, sizeof(one), "IPV6_RECVHOPLIMIT"},
	    /* RFC 4861 section 7.2.4 and 7.2.6: hop limit 255 both ways. */
	    {IPV6_UNICAST_HOPS, &hops, sizeof(hops), "IPV6_UNICAST_HOPS"},
	    {IPV6_MULTICAST_HOPS, &hops, sizeof(hops), "IPV6_MULTICAST_HOPS"},
	    {IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex), "IPV6_MULTICAST_IF"},
	    /* Our own advertisements to ff02::1 are not questions. */
	    {IPV6_MULTICAST_LOOP, &zero, sizeof(zero), "IPV6_MULTICAST_LOOP"},
	};

	io->nd_fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (io->nd_fd < 0 && errno == EAFNOSUPPORT) {
		/* A kernel booted with ipv6.disable=1: IPv4 only. */
		log_warn("%s: no IPv6 in this kernel: answering ARP only", io->ifname);
		return 0;
	}
	if (io->nd_fd < 0)
		return fail(err, errlen, -errno, "%s: ICMPv6 socket: %s%s", io->ifname,
		            strerror(errno), errno == EPERM ? " (needs CAP_NET_RAW)" : "");
	if (setsockopt(io->nd_fd, SOL_SOCKET, SO_BINDTODEVICE, io->ifname,
	               (socklen_t)strlen(io->ifname) + 1) < 0)
		return fail(err, errlen, -errno, "%s: SO_BINDTODEVICE: %s", io->ifname,
		            strerror(errno));
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ND_NEIGHBOR_SOLICIT, &f);
	ICMP6_FILTER_SETPASS(ND_NEIGHBOR_ADVERT, &f);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		int level = opts[i].opt == ICMP6_FILTER ? IPPROTO_ICMPV6 : IPPROTO_IPV6;

		if (setsockopt(io->nd_fd, level, opts[i].opt, opts[i].val, opts[i].len) < 0)
			return fail(err, errlen, -errno, "%s: %s: %s", io->ifname, opts[i].name,
			            strerror(errno));
	}
	/* Advertisements come from their target (nd_handle), an address
	 * the node need not hold. Kernels before 4.15 lack the option: the
	 * kernel then picks the source (nd_send). */
	if (setsockopt(io->nd_fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one)) < 0)
		log_warn("%s: IPV6_FREEBIND: %s: advertisements for addresses the node does not "
		         "hold will come from one it does",
		         io->ifname, strerror(errno));
	return 0;
}

int l2_io_open(struct ev_loop *loop, const char *ifname, l2_owns_fn owns, void *ctx,
               const struct l2_io_hooks *hooks, struct l2_io **out, char *err, size_t errlen)
{
	struct l2_io *io;
	int rc;

	if (out)
		*out = NULL;
	if (!loop || !ifname || !owns || !out)
		return fail(err, errlen, -EINVAL, "l2_io_open: missing argument");
	if (!ifname[0] || strlen(ifname) >= IFNAMSIZ)
		return fail(err, errlen, -EINVAL, "\"%.40s\" is not an interface name", ifname);
	io = calloc(1, sizeof(*io));
	if (!io)
		return fail(err, errlen, -ENOMEM, "%s: out of memory", ifname);
	io->loop = loop;
	io->arp_fd = io->nd_fd = -1;
	snprintf(io->ifname, sizeof(io->ifname), "%s", ifname);
	io->owns = owns;
	io->ctx = ctx;
	if (hooks)
		io->hooks = *hooks;
	io->ifindex = (int)if_nametoindex(ifname);
	if (io->ifindex <= 0) {
		rc = fail(err, errlen, -ENODEV, "%s: no such interface", ifname);
		goto out;
	}
	rc = arp_open(io, err, errlen);
	if (rc == 0)
		rc = mac_read(io, err, errlen);
	if (rc == 0)
		rc = nd_open(io, err, errlen);
	if (rc < 0)
		goto out;
	io->lim = core_loglimit_new(LOG_SLOTS, LOG_WINDOW); /* NULL: lines not limited */
	ev_timer_init(&io->lim_timer, on_lim_timer, LOG_FLUSH_S, LOG_FLUSH_S);
	io->lim_timer.data = io;
	ev_timer_start(loop, &io->lim_timer);
	ev_io_init(&io->arp_w, on_arp, io->arp_fd, EV_READ);
	io->arp_w.data = io;
	ev_io_start(loop, &io->arp_w);
	if (io->nd_fd >= 0) {
		ev_io_init(&io->nd_w, on_nd, io->nd_fd, EV_READ);
		io->nd_w.data = io;
		ev_io_start(loop, &io->nd_w);
	}
	*out = io;
	return 0;
out:
	l2_io_free(io);
	return rc;
}

void l2_io_free(struct l2_io *io)
{
	if (!io)
		return;
	while (io->ann)
		announce_drop(io, io->ann);
	if (io->arp_fd >= 0) {
		ev_io_stop(io->loop, &io->arp_w);
		close(io->arp_fd);
	}
	/* Closing the socket leaves its groups. */
	if (io->nd_fd >= 0) {
		ev_io_stop(io->loop, &io->nd_w);
		close(io->nd_fd);
	}
	free(io->groups);
	ev_timer_stop(io->loop, &io->lim_timer);
	/* What the last window counted is not lost. */
	log_limited_flush(io->lim, core_now_ms(), true);
	core_loglimit_free(io->lim);
	free(io);
}

const char *l2_io_ifname(const struct l2_io *io)
{
	return io->ifname;
}

int l2_io_ifindex(const struct l2_io *io)
{
	return io->ifindex;
}

const struct l2_mac *l2_io_mac(const struct l2_io *io)
{
	return &io->mac;
}

bool l2_io_carrier(const struct l2_io *io)
{
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", io->ifname);
	/* Any socket will do for the ioctl: the ARP one is always open. */
	if (ioctl(io->arp_fd, SIOCGIFFLAGS, &ifr) < 0)
		return false;
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

void l2_io_get_stats(const struct l2_io *io, struct l2_io_stats *out)
{
	*out = io->st;
}

/* ---- interface spec ---- */

#define CAN_REACH "can_reach:"

/* What the kernel takes as an interface name (dev_valid_name): 1..15
 * bytes, not "." or "..", no '/', ':' or blank. */
static bool ifname_valid(const char *s)
{
	size_t n = strnlen(s, IFNAMSIZ);

	if (n == 0 || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))
			return false;
	return true;
}

static int resolve_route(const char *text, char ifname[IFNAMSIZ], char *err, size_t errlen)
{
	struct core_addr a;
	struct nl_route r;
	struct nl_sock *s;
	char name[IFNAMSIZ];
	int rc;

	if (core_addr_parse(text, &a) < 0)
		return fail(err, errlen, -EINVAL, CAN_REACH "%.60s: not an IP address", text);
	rc = nl_open(&s);
	if (rc < 0)
		return fail(err, errlen, rc, CAN_REACH "%s: netlink socket: %s", text,
		            strerror(-rc));
	rc = nl_route_get(s, &a, &r);
	if (rc < 0) {
		/* ENETUNREACH, or an unreachable / prohibit / blackhole
		 * route's own errno: no interface reaches it. */
		fail(err, errlen, -ENODEV, CAN_REACH "%s: no route (%s)", text, nl_error(s));
		nl_close(s);
		return -ENODEV;
	}
	nl_close(s);
	if (r.type == RTN_LOCAL)
		return fail(err, errlen, -ENODEV,
		            CAN_REACH "%s: an address of this node, not of a neighbour", text);
	if (r.type != RTN_UNICAST || r.oif <= 0)
		return fail(err, errlen, -ENODEV,
		            CAN_REACH "%s: the route to it (type %u) leaves by no interface", text,
		            r.type);
	if (!if_indextoname((unsigned)r.oif, name))
		return fail(err, errlen, -ENODEV, CAN_REACH "%s: interface %d vanished", text,
		            r.oif);
	memcpy(ifname, name, IFNAMSIZ);
	return 0;
}

int l2_io_resolve(const char *spec, char ifname[16], char *err, size_t errlen)
{
	_Static_assert(IFNAMSIZ == 16, "IFNAMSIZ is 16");

	if (!spec || !ifname)
		return fail(err, errlen, -EINVAL, "no interface spec");
	if (!strncmp(spec, CAN_REACH, strlen(CAN_REACH)))
		return resolve_route(spec + strlen(CAN_REACH), ifname, err, errlen);
	if (!ifname_valid(spec))
		return fail(err, errlen, -EINVAL,
		            "\"%.40s\": neither an interface name nor " CAN_REACH "IP", spec);
	if (if_nametoindex(spec) == 0)
		return fail(err, errlen, -ENODEV, "%s: no such interface", spec);
	snprintf(ifname, IFNAMSIZ, "%s", spec);
	return 0;
}

/* ---- strict ARP ---- */

static int sysctl_path(char *path, size_t len, const char *ifname, const char *key)
{
	int n = snprintf(path, len, "/proc/sys/net/ipv4/conf/%s/%s", ifname, key);

	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

static int sysctl_read(const char *path, int *v)
{
	char buf[32];
	char *end;
	ssize_t n;
	long l;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	l = strtol(buf, &end, 10);
	if (end == buf || l < INT32_MIN || l > INT32_MAX)
		return -EINVAL;
	*v = (int)l;
	return 0;
}

static int sysctl_write(const char *path, int v)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d\n", v), rc = 0;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

/*
 * Which values of each setting keep the kernel from answering ARP (and
 * soliciting) with another interface's address: the kernel reads
 * max(conf/all, conf/IFNAME) and treats values it does not know as 0.
 * arp_ignore: 1 and 2 (2 also wants the sender in the target's subnet)
 * and 8 (never answer); 3 answers for any global address, 4-7 are 0.
 * arp_announce: only 2.
 */
struct strict_key {
	const char *key;
	int want;            /* what is written when the value is loose */
	unsigned strict_set; /* bit v: value v is strict enough */
};

static const struct strict_key strict_keys[] = {
    {"arp_ignore", 1, 1u << 1 | 1u << 2 | 1u << 8},
    {"arp_announce", 2, 1u << 2},
};

static bool strict_enough(const struct strict_key *k, int v)
{
	return v >= 0 && v < 32 && (k->strict_set & (1u << v));
}

static int strict_one(const char *ifname, const struct strict_key *k, char *err, size_t errlen)
{
	char path[128], all[128];
	int v, va, rc;

	if (sysctl_path(path, sizeof(path), ifname, k->key) < 0 ||
	    sysctl_path(all, sizeof(all), "all", k->key) < 0)
		return fail(err, errlen, -EINVAL, "%s: bad interface name", ifname);
	rc = sysctl_read(path, &v);
	if (rc < 0)
		return fail(err, errlen, rc, "%s: %s", path, strerror(-rc));
	/* Already as strict, or stricter: never lowered. */
	if (!strict_enough(k, v)) {
		rc = sysctl_write(path, k->want);
		if (rc < 0)
			return fail(err, errlen, rc, "%s: writing %d: %s", path, k->want,
			            strerror(-rc));
		v = k->want;
	}
	/* conf/all wins when it is higher; it is every interface's, so it
	 * is reported, not changed. */
	rc = sysctl_read(all, &va);
	if (rc < 0)
		return fail(err, errlen, rc, "%s: %s", all, strerror(-rc));
	if (va > v && !strict_enough(k, va))
		return fail(err, errlen, -EEXIST,
		            "%s is %d and overrides %s (%d): the kernel still answers for "
		            "addresses of other interfaces",
		            all, va, path, v);
	return 0;
}

int l2_io_strict_arp(const char *ifname, char *err, size_t errlen)
{
	int rc;

	if (!ifname || !ifname_valid(ifname))
		return fail(err, errlen, -EINVAL, "\"%.40s\" is not an interface name",
		            ifname ? ifname : "(null)");
	for (size_t i = 0; i < sizeof(strict_keys) / sizeof(strict_keys[0]); i++) {
		rc = strict_one(ifname, &strict_keys[i], err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}
