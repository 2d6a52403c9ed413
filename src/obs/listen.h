/*
 * Listen addresses for the metrics endpoint: "127.0.0.1:9443",
 * "[::1]:9443", or ":9443" for every address (IPv6 and IPv4 where the
 * host has IPv6, else IPv4). Brackets may hold an IPv4 address too
 * ("[192.0.2.1]:9443"), so that "[$(POD_IP)]:PORT" in a manifest fits
 * either family. Numeric addresses only: no host names (a
 * listen address must not depend on DNS) and no IPv6 zone ids. Port 0
 * asks the kernel for a free port. Pure.
 */
#ifndef BERTH_OBS_LISTEN_H
#define BERTH_OBS_LISTEN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define OBS_LISTEN_MAX 64 /* longest accepted input, in bytes */

struct obs_listen {
	bool any; /* ":port"; addr then holds the IPv6 wildcard */
	uint16_t port;
	struct sockaddr_storage addr; /* AF_INET or AF_INET6, port set */
	socklen_t addrlen;
};

/* s: NUL-terminated. 0, or -EINVAL with out untouched. */
int obs_listen_parse(const char *s, struct obs_listen *out);

#endif
