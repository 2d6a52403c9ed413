/*
 * Parses the metrics endpoint's listen addresses (obs/listen.h):
 * "host:port", "[v6]:port" or ":port", numeric addresses only.
 */
#include "obs/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

/* Decimal, 1 to 5 digits, at most 65535; nothing else. */
static int parse_port(const char *s, uint16_t *out)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (i == 5 || s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (i == 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int obs_listen_parse(const char *s, struct obs_listen *out)
{
	char host[INET6_ADDRSTRLEN];
	struct obs_listen l;
	const char *colon, *hs;
	size_t len, hlen;

	if (!s || !out)
		return -EINVAL;
	len = strnlen(s, OBS_LISTEN_MAX + 1);
	if (len > OBS_LISTEN_MAX)
		return -EINVAL;
	memset(&l, 0, sizeof(l));
	if (s[0] == '[') {
		/* RFC 3986 section 3.2.2: an IPv6 literal in brackets. */
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		hs = s + 1;
		hlen = (size_t)(end - hs);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hs = s;
		hlen = (size_t)(colon - s);
		/* A bare IPv6 address ("::1:9443") is ambiguous: refuse it. */
		if (memchr(s, ':', hlen))
			return -EINVAL;
	}
	if (hlen >= sizeof(host) || parse_port(colon + 1, &l.port))
		return -EINVAL;
	memcpy(host, hs, hlen);
	host[hlen] = 0;
	/* In brackets an IPv4 address is taken too (as Go's SplitHostPort
	 * does): "[$(POD_IP)]:9444" then works for a pod of either family,
	 * and the downward API cannot add brackets of its own. */
	if (hlen == 0 || (s[0] == '[' && strchr(host, ':'))) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&l.addr;

		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(l.port);
		if (hlen == 0 && s[0] != '[')
			l.any = true;
		else if (hlen == 0 || inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return -EINVAL;
		l.addrlen = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&l.addr;

		a4->sin_family = AF_INET;
		a4->sin_port = htons(l.port);
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return -EINVAL;
		l.addrlen = sizeof(*a4);
	}
	*out = l;
	return 0;
}
