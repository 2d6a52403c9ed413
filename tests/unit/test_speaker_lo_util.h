/*
 * What the tests that drive the speaker's listening socket over loopback
 * with TCP-MD5 (RFC 2385) share: a free port, a BgpConf listening on it,
 * a connection signed with a key (or not), and whether the speaker closed
 * one.
 */
#ifndef BERTH_TEST_SPEAKER_LO_UTIL_H
#define BERTH_TEST_SPEAKER_LO_UTIL_H

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "bgp/sock.h"
#include "core/addr.h"

/* A BgpConf listening on 127.0.0.1 at the port of one %u. */
#define LO_BGP_CONF                                                                                \
	"apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpConf\n"                              \
	"metadata: {name: default}\n"                                                              \
	"spec: {as: 65001, routerId: 192.0.2.11, listenPort: %u, "                                 \
	"listenAddresses: [127.0.0.1]}\n"

/* A loopback TCP port nobody listens on (at the time of asking). */
static inline uint16_t free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* A connection to 127.0.0.1:port from src, signed with key ("" unsigned):
 * its fd (the caller's) once the kernel completed the handshake, -1 when it
 * did not within 1 s (the listener's kernel dropped the SYNs). */
static inline int dial(uint16_t port, const char *src, const char *key)
{
	struct core_addr lo, from;
	struct bgp_sock_opts o = {.md5_key = key, .local = &from};
	struct pollfd pfd;
	int fd;

	assert_int_equal(core_addr_parse("127.0.0.1", &lo), 0);
	assert_int_equal(core_addr_parse(src, &from), 0);
	fd = bgp_sock_connect(&lo, port, &o);
	assert_true(fd >= 0);
	pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
	if (poll(&pfd, 1, 1000) == 1 && bgp_sock_connect_result(fd) == 0)
		return fd;
	close(fd);
	return -1;
}

/* fd was closed by the other end within 1 s: end of file or a reset. */
static inline bool closed_by_speaker(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char b[64];
	ssize_t n;

	if (poll(&pfd, 1, 1000) != 1)
		return false;
	n = recv(fd, b, sizeof(b), 0);
	return n == 0 || (n < 0 && errno == ECONNRESET);
}

#endif
