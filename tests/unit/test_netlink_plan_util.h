/*
 * For the planner tests (test_netlink_plan*.c; include after cmocka.h):
 * addresses of the documentation ranges and a planner run over arrays.
 */
#ifndef BERTH_TEST_NETLINK_PLAN_UTIL_H
#define BERTH_TEST_NETLINK_PLAN_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "netlink/nl.h"
#include "test_netlink_want.h"

#define OURS  5
#define OTHER 2

static inline struct nl_addr a4(uint8_t c, uint8_t d, uint8_t plen, int ifindex, uint8_t scope)
{
	struct nl_addr a = {.ifindex = ifindex, .prefixlen = plen, .scope = scope};

	a.addr.family = AF_INET;
	a.addr.bytes[0] = 192;
	a.addr.bytes[1] = 0;
	a.addr.bytes[2] = c;
	a.addr.bytes[3] = d;
	return a;
}

static inline struct nl_addr a6(uint16_t last, uint8_t plen, int ifindex, uint8_t scope)
{
	struct nl_addr a = {.ifindex = ifindex, .prefixlen = plen, .scope = scope};
	static const uint8_t doc[4] = {0x20, 0x01, 0x0d, 0xb8};

	a.addr.family = AF_INET6;
	memcpy(a.addr.bytes, doc, sizeof(doc));
	a.addr.bytes[14] = (uint8_t)(last >> 8);
	a.addr.bytes[15] = (uint8_t)last;
	return a;
}

static inline bool same(const struct nl_addr *x, const struct nl_addr *y)
{
	size_t n = x->addr.family == AF_INET ? 4 : 16;

	return x->addr.family == y->addr.family && x->prefixlen == y->prefixlen &&
	       x->ifindex == y->ifindex && !memcmp(x->addr.bytes, y->addr.bytes, n);
}

static inline bool in(const struct nl_addr *v, size_t n, const struct nl_addr *x)
{
	for (size_t i = 0; i < n; i++)
		if (same(&v[i], x))
			return true;
	return false;
}

#define ADD_CAP 64

/* The plan of want against have, fed in order; its adds go to add[]
 * (ADD_CAP entries), checked against n_add. w must live as long as p. */
static inline int plan(struct nl_plan *p, struct want_arr *w, const struct nl_addr *want, size_t nw,
                       const struct nl_addr *have, size_t nh, struct nl_addr *add)
{
	int rc;

	want_arr_init(w, want, nw);
	rc = plan_run(p, OURS, &w->set, have, nh);
	if (rc == 0)
		assert_int_equal(plan_adds(p, add, ADD_CAP), p->n_add);
	return rc;
}

#endif
