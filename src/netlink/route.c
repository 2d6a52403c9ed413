/*
 * Routes: which interface this node would send traffic for an address
 * out of (RTM_GETROUTE, as `ip route get` asks), for layer 2 mode's
 * "can_reach:IP" interface spec.
 */
#include "netlink/nl.h"
#include "netlink/nl_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct nl_route_found {
	struct nl_route *r;
	bool found;
};

static int nl_route_get_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nl_route_found *f = arg;
	int rc;

	if (f->found)
		return 0; /* one answer is asked for; a second is not read */
	rc = nl_route_decode(nlh, f->r);
	if (rc == -ENOMSG)
		return 0;
	if (rc == 0)
		f->found = true;
	return rc;
}

int nl_route_get(struct nl_sock *s, const struct core_addr *dst, struct nl_route *r)
{
	struct nl_route_found f = {.r = r};
	char what[80], str[CORE_ADDR_STRLEN];
	int len, rc;

	memset(r, 0, sizeof(*r));
	snprintf(what, sizeof(what), "get route to %s", dst ? core_addr_str(dst, str) : "(null)");
	len = nl_route_get_encode(s->req, sizeof(s->req), nl_sock_seq(s), dst);
	rc = nl_sock_request(s, len, false, nl_route_get_cb, &f, what);
	if (rc < 0)
		return rc;
	if (!f.found) {
		nl_sock_seterr(s, "%s: the kernel answered without a route", what);
		return -EBADMSG;
	}
	return 0;
}
