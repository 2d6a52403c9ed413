/*
 * BGP transport sockets: non-blocking TCP with the options a BGP session
 * needs (RFC 4271 section 8: TCP port 179). Thin wrappers over the socket
 * API; no event loop, no logging. Return a file descriptor (>= 0) or a
 * negative errno; the caller owns the descriptor.
 */
#ifndef BERTH_BGP_SOCK_H
#define BERTH_BGP_SOCK_H

#include <stdint.h>
#include <sys/socket.h>

#include "bgp/bgp.h"

#define BGP_PORT 179

struct bgp_sock_opts {
	const char *md5_key;           /* borrowed; NULL or "" for none (RFC 2385) */
	int ttl;                       /* outgoing TTL / hop limit; 0 = kernel default */
	const struct core_addr *local; /* borrowed; NULL = kernel chooses */
	uint16_t local_port;           /* 0 = ephemeral */
	int mss;                       /* TCP maximum segment size, 0 = kernel default */
};

/* Starts a non-blocking connect; completion is signalled by writability
 * and checked with bgp_sock_connect_result(). */
int bgp_sock_connect(const struct core_addr *remote, uint16_t port, const struct bgp_sock_opts *o);
/* 0 when the pending connect succeeded, else the negative errno. */
int bgp_sock_connect_result(int fd);

/* A non-blocking listening socket; IPv6 sockets are v6-only so that an
 * IPv4 listener can sit beside them. */
int bgp_sock_listen(const struct core_addr *bind_addr, uint16_t port);

/* Installs (key non-empty) or removes (key NULL/"") the RFC 2385 key for
 * one remote address on a socket; on a listening socket the key must be
 * there before the peer's SYN arrives. */
int bgp_sock_set_md5(int fd, const struct core_addr *remote, const char *key);

/* Accepts one connection: returns the fd and fills the remote address. */
int bgp_sock_accept(int lfd, struct core_addr *remote, uint16_t *remote_port);

int bgp_sock_set_ttl(int fd, int family, int ttl);

/* The local and remote addresses of a connected socket. */
int bgp_sock_local(int fd, struct core_addr *a, uint16_t *port);
int bgp_sock_remote(int fd, struct core_addr *a, uint16_t *port);

#endif
