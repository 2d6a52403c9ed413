/*
 * For the planner tests (test_netlink_plan*.c; include after cmocka.h):
 * addresses of the documentation ranges and a planner run over arrays in
 * any order.
 */
#ifndef BERTH_TEST_NETLINK_PLAN_UTIL_H
#define BERTH_TEST_NETLINK_PLAN_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netlink/nl.h"

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
	size_t n = core_af_len(x->addr.family);

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

/* Sorts v by address only, entries of one address kept in the order
 * given: the planner must decide the same whatever that order is (a dump
 * lists interfaces in any order). */
struct pos_addr {
	struct nl_addr a;
	size_t pos;
};

static inline int pos_addr_cmp(const void *x, const void *y)
{
	const struct pos_addr *a = x, *b = y;
	size_t n = core_af_len(a->a.addr.family);
	int c = (int)a->a.addr.family - (int)b->a.addr.family;

	if (!c)
		c = memcmp(a->a.addr.bytes, b->a.addr.bytes, n);
	return c ? c : a->pos < b->pos ? -1 : a->pos > b->pos;
}

static inline void sort_by_addr(struct nl_addr *v, size_t n)
{
	struct pos_addr *t = malloc((n ? n : 1) * sizeof(*t));

	assert_non_null(t);
	for (size_t i = 0; i < n; i++) {
		t[i].a = v[i];
		t[i].pos = i;
	}
	qsort(t, n, sizeof(*t), pos_addr_cmp);
	for (size_t i = 0; i < n; i++)
		v[i] = t[i].a;
	free(t);
}

/* A copy of v[0..n) (free()), sorted by sort_by_addr. */
static inline struct nl_addr *sorted_copy(const struct nl_addr *v, size_t n)
{
	struct nl_addr *c = malloc((n ? n : 1) * sizeof(*c));

	assert_non_null(c);
	if (n)
		memcpy(c, v, n * sizeof(*c));
	sort_by_addr(c, n);
	return c;
}

/* The plan of want against have, both in any order: the planner gets
 * copies sorted by address, have's entries of one address in the order
 * given. */
static inline int plan(struct nl_plan *p, const struct nl_addr *want, size_t nw,
                       const struct nl_addr *have, size_t nh)
{
	struct nl_addr *w = sorted_copy(want, nw), *h = sorted_copy(have, nh);
	int rc = nl_plan_compute(p, OURS, w, nw, h, nh);

	free(w);
	free(h);
	return rc;
}

#endif
