/*
 * The rtnetlink socket: send one request, read its whole reply.
 *
 * Blocking, with a receive timeout: the kernel answers rtnetlink requests
 * synchronously, so a round trip is short, and the timeout only guards
 * against a reply lost to a full receive queue. When a reply could not be
 * read to its end (timeout, overrun, malformed bytes), the socket is
 * replaced: a dump left running in the kernel would make the next dump
 * fail with EBUSY and stale datagrams would wait in the queue.
 */
#include "netlink/nl.h"
#include "netlink/nl_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

/* Dumps come in datagrams of at most 32 KiB: the kernel sizes them after
 * the reader's buffer but caps that at 32 KiB (netlink_recvmsg). */
#define NL_RBUF_LEN        32768
#define NL_RCV_TIMEOUT_SEC 5

static int nl_sock_connect(struct nl_sock *s)
{
	struct mnl_socket *m;
	struct timeval tv = {.tv_sec = NL_RCV_TIMEOUT_SEC};
	int one = 1, rc;

	m = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!m)
		return -errno;
	/* Extended ACKs give the kernel's reason in words ("Unknown device
	 * type"); CAP_ACK keeps our request out of error messages. Kernels
	 * older than 4.12 lack both, which costs only the words. */
	(void)mnl_socket_setsockopt(m, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(m, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(m), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    mnl_socket_bind(m, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		mnl_socket_close(m);
		return rc;
	}
	s->mnl = m;
	s->portid = mnl_socket_get_portid(m);
	return 0;
}

static void nl_sock_reset(struct nl_sock *s)
{
	if (s->mnl)
		mnl_socket_close(s->mnl);
	s->mnl = NULL;
	/* On failure the next request tries again. */
	(void)nl_sock_connect(s);
}

int nl_open(struct nl_sock **out)
{
	struct nl_sock *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->rbuf_len = NL_RBUF_LEN;
	s->rbuf = malloc(s->rbuf_len); /* malloc alignment suits nlmsghdr */
	if (!s->rbuf) {
		rc = -ENOMEM;
		goto out;
	}
	rc = nl_sock_connect(s);
	if (rc < 0)
		goto out;
	*out = s;
	return 0;
out:
	free(s->rbuf);
	free(s);
	return rc;
}

void nl_close(struct nl_sock *s)
{
	if (!s)
		return;
	if (s->mnl)
		mnl_socket_close(s->mnl);
	free(s->rbuf);
	free(s);
}

const char *nl_error(const struct nl_sock *s)
{
	return s->err;
}

void nl_sock_seterr(struct nl_sock *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

uint32_t nl_sock_seq(struct nl_sock *s)
{
	/* 0 is skipped: some tools send it for unsolicited messages. */
	if (++s->seq == 0)
		s->seq = 1;
	return s->seq;
}

/* One datagram from the kernel; other senders (another process may
 * unicast to our portid) are dropped. */
static ssize_t nl_sock_recv(struct nl_sock *s)
{
	for (;;) {
		struct sockaddr_nl sa;
		struct iovec iov = {.iov_base = s->rbuf, .iov_len = s->rbuf_len};
		struct msghdr mh = {
		    .msg_name = &sa,
		    .msg_namelen = sizeof(sa),
		    .msg_iov = &iov,
		    .msg_iovlen = 1,
		};
		ssize_t n = recvmsg(mnl_socket_get_fd(s->mnl), &mh, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -ETIMEDOUT;
			return -errno;
		}
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (mh.msg_namelen != sizeof(sa) || sa.nl_family != AF_NETLINK || sa.nl_pid != 0)
			continue;
		return n;
	}
}

int nl_sock_request(struct nl_sock *s, int len, bool dump, nl_msg_fn fn, void *arg,
                    const char *what)
{
	const struct nlmsghdr *req = (const struct nlmsghdr *)s->req;
	struct nl_reply r;
	bool broken = false;
	int rc;

	s->err[0] = '\0';
	nl_reply_init(&r, 0, 0, dump);
	if (len < 0) {
		rc = len;
		goto out;
	}
	if (!s->mnl) {
		rc = nl_sock_connect(s);
		if (rc < 0)
			goto out;
	}
	nl_reply_init(&r, req->nlmsg_seq, s->portid, dump);
	if (mnl_socket_sendto(s->mnl, s->req, (size_t)len) < 0) {
		rc = -errno;
		goto out;
	}
	do {
		ssize_t n = nl_sock_recv(s);

		if (n < 0) {
			rc = (int)n;
			broken = true;
			goto out;
		}
		rc = nl_reply_decode(&r, s->rbuf, (size_t)n, fn, arg);
	} while (rc == 1);
	if (rc == -EBADMSG || rc == -ENOBUFS)
		broken = true;
out:
	if (rc < 0) {
		if (r.msg[0])
			nl_sock_seterr(s, "%s: %s (kernel: %s)", what, strerror(-rc), r.msg);
		else
			nl_sock_seterr(s, "%s: %s", what, strerror(-rc));
	}
	if (broken)
		nl_sock_reset(s);
	return rc;
}
