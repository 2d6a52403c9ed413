/*
 * The one IP address type (core/addr.h): text through inet_pton/inet_ntop,
 * comparison over the family's bytes, sockaddr conversions. Pure.
 */
#include "core/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* core_addr_cmp orders families by value and promises IPv4 first. */
_Static_assert(AF_INET < AF_INET6, "IPv4 sorts before IPv6");

int core_addr_parse(const char *s, struct core_addr *a)
{
	struct core_addr tmp;
	size_t n;

	if (!s || !a)
		return -EINVAL;
	n = strnlen(s, CORE_ADDR_STRLEN);
	if (n == 0 || n >= CORE_ADDR_STRLEN)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	/* inet_pton refuses "%zone" itself; no IPv4 text holds a ':'. */
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, tmp.bytes) != 1)
			return -EINVAL;
		tmp.family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, tmp.bytes) != 1)
			return -EINVAL;
		tmp.family = AF_INET;
	}
	*a = tmp;
	return 0;
}

int core_addr_format(const struct core_addr *a, char *buf, size_t len)
{
	if (!a || !buf || len == 0 || !core_af_len(a->family))
		return -EINVAL;
	/* socklen_t is narrower than size_t; CORE_ADDR_STRLEN is what counts. */
	if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)(len > 1024 ? 1024 : len)))
		return -ENOSPC;
	return 0;
}

const char *core_addr_str(const struct core_addr *a, char buf[CORE_ADDR_STRLEN])
{
	if (core_addr_format(a, buf, CORE_ADDR_STRLEN) < 0)
		snprintf(buf, CORE_ADDR_STRLEN, "?");
	return buf;
}

int core_addr_cmp(const struct core_addr *a, const struct core_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, core_af_len(a->family));
}

bool core_addr_equal(const struct core_addr *a, const struct core_addr *b)
{
	return core_addr_cmp(a, b) == 0;
}

bool core_addr_is_v4mapped(const struct core_addr *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return a->family == AF_INET6 && !memcmp(a->bytes, mapped, sizeof(mapped));
}

socklen_t core_addr_to_sockaddr(const struct core_addr *a, uint16_t port,
                                struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		return sizeof(*sin);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->bytes, 16);
		return sizeof(*sin6);
	}
	return 0;
}

int core_addr_from_sockaddr(const struct sockaddr_storage *ss, struct core_addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		a->family = AF_INET;
		memcpy(a->bytes, &sin->sin_addr, 4);
		if (port)
			*port = ntohs(sin->sin_port);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		/* A v4-mapped peer is an IPv4 peer. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			a->family = AF_INET;
			memcpy(a->bytes, sin6->sin6_addr.s6_addr + 12, 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->bytes, &sin6->sin6_addr, 16);
		}
		if (port)
			*port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}
