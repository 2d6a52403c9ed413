/*
 * BGP transport sockets (bgp/sock.h): non-blocking TCP with the options a
 * BGP session needs, thin wrappers over the socket API.
 */
#include "bgp/sock.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

int bgp_sock_set_ttl(int fd, int family, int ttl)
{
	int r;

	if (ttl <= 0)
		return 0;
	if (family == AF_INET)
		r = setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	else
		r = setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
	return r < 0 ? -errno : 0;
}

int bgp_sock_set_md5(int fd, const struct core_addr *remote, const char *key)
{
	struct tcp_md5sig sig;
	size_t klen = key ? strlen(key) : 0;

	if (klen > TCP_MD5SIG_MAXKEYLEN)
		return -EINVAL;
	memset(&sig, 0, sizeof(sig));
	core_addr_to_sockaddr(remote, 0, (struct sockaddr_storage *)&sig.tcpm_addr);
	sig.tcpm_keylen = (uint16_t)klen;
	if (klen)
		memcpy(sig.tcpm_key, key, klen);
	if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig)) < 0) {
		/* Removing a key that was never set is not an error. */
		if (!klen && errno == ENOENT)
			return 0;
		return -errno;
	}
	return 0;
}

static int sock_new(int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	int one = 1;

	if (fd < 0)
		return -errno;
	/* BGP messages are small and latency matters more than batching:
	 * the send path already packs many prefixes per UPDATE. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int bgp_sock_connect(const struct core_addr *remote, uint16_t port, const struct bgp_sock_opts *o)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, r;

	fd = sock_new(remote->family);
	if (fd < 0)
		return fd;
	if (o->md5_key && *o->md5_key) {
		r = bgp_sock_set_md5(fd, remote, o->md5_key);
		if (r < 0)
			goto fail;
	}
	r = bgp_sock_set_ttl(fd, remote->family, o->ttl);
	if (r < 0)
		goto fail;
	if (o->mss > 0 && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &o->mss, sizeof(o->mss)) < 0) {
		r = -errno;
		goto fail;
	}
	if (o->local || o->local_port) {
		struct core_addr any = {.family = remote->family};
		int one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		sl = core_addr_to_sockaddr(o->local ? o->local : &any, o->local_port, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
			r = -errno;
			goto fail;
		}
	}
	sl = core_addr_to_sockaddr(remote, port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		r = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return r;
}

int bgp_sock_connect_result(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

int bgp_sock_listen(const struct core_addr *bind_addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, r, one = 1;

	fd = sock_new(bind_addr->family);
	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind_addr->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	sl = core_addr_to_sockaddr(bind_addr, port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 64) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int bgp_sock_accept(int lfd, struct core_addr *remote, uint16_t *remote_port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, one = 1;

	fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (core_addr_from_sockaddr(&ss, remote, remote_port) < 0) {
		close(fd);
		return -EAFNOSUPPORT;
	}
	return fd;
}

static int sock_name(int fd, bool local, struct core_addr *a, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int r = local ? getsockname(fd, (struct sockaddr *)&ss, &sl)
	              : getpeername(fd, (struct sockaddr *)&ss, &sl);

	if (r < 0)
		return -errno;
	return core_addr_from_sockaddr(&ss, a, port);
}

int bgp_sock_local(int fd, struct core_addr *a, uint16_t *port)
{
	return sock_name(fd, true, a, port);
}

int bgp_sock_remote(int fd, struct core_addr *a, uint16_t *port)
{
	return sock_name(fd, false, a, port);
}
