/*
 * Listen address strings through obs_listen_parse. An accepted string
 * must describe itself: formatting the result back ("ADDR:PORT",
 * "[ADDR6]:PORT" or ":PORT") and parsing that again gives the same
 * address; a refused one must leave the output untouched.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/listen.h"
#include "fuzz.h"

static void same(const struct obs_listen *a, const struct obs_listen *b)
{
	if (a->any != b->any || a->port != b->port || a->addrlen != b->addrlen ||
	    memcmp(&a->addr, &b->addr, a->addrlen))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obs_listen l, back, untouched;
	char *s, host[INET6_ADDRSTRLEN], again[OBS_LISTEN_MAX + 8];
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)&l.addr;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&l.addr;

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	memset(&l, 0x5a, sizeof(l));
	memcpy(&untouched, &l, sizeof(l));
	if (obs_listen_parse(s, &l)) {
		if (memcmp(&l, &untouched, sizeof(l)))
			abort();
		free(s);
		return 0;
	}
	if (strlen(s) > OBS_LISTEN_MAX)
		abort();
	if (l.addr.ss_family == AF_INET) {
		if (l.any || ntohs(a4->sin_port) != l.port || l.addrlen != sizeof(*a4))
			abort();
		inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
		snprintf(again, sizeof(again), "%s:%u", host, l.port);
	} else if (l.addr.ss_family == AF_INET6) {
		if (ntohs(a6->sin6_port) != l.port || l.addrlen != sizeof(*a6))
			abort();
		inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
		if (l.any)
			snprintf(again, sizeof(again), ":%u", l.port);
		else
			snprintf(again, sizeof(again), "[%s]:%u", host, l.port);
	} else {
		abort();
	}
	if (obs_listen_parse(again, &back))
		abort();
	same(&l, &back);
	free(s);
	return 0;
}
