/*
 * For the netlink tests: an nl_want_set over an array of nl_addr (address
 * and prefix length; other fields ignored), found by a linear search (the
 * first entry of the address), and a planner run over arrays. The speaker
 * uses a prefix_set instead (src/speaker/lbif.c).
 */
#ifndef BERTH_TEST_NETLINK_WANT_H
#define BERTH_TEST_NETLINK_WANT_H

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "netlink/nl.h"

struct want_arr {
	const struct nl_addr *v; /* borrowed */
	size_t n;
	struct nl_want_set set; /* reads this want_arr */
};

static inline size_t want_arr_bytes(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static inline int want_arr_get(const void *ctx, size_t i, struct bgp_addr *a, uint8_t *prefixlen)
{
	const struct want_arr *w = ctx;

	*a = w->v[i].addr;
	*prefixlen = w->v[i].prefixlen;
	return 0;
}

static inline long want_arr_find(const void *ctx, const struct bgp_addr *a)
{
	const struct want_arr *w = ctx;
	size_t n = want_arr_bytes(a->family);

	for (size_t i = 0; n && i < w->n; i++)
		if (w->v[i].addr.family == a->family && !memcmp(w->v[i].addr.bytes, a->bytes, n))
			return (long)i;
	return -1;
}

static inline void want_arr_init(struct want_arr *w, const struct nl_addr *v, size_t n)
{
	w->v = v;
	w->n = n;
	w->set.n = n;
	w->set.get = want_arr_get;
	w->set.find = want_arr_find;
	w->set.ctx = w;
}

/* start, feed have[0..nh) in order, finish: the first error or 0. */
static inline int plan_run(struct nl_plan *p, int ifindex, const struct nl_want_set *set,
                           const struct nl_addr *have, size_t nh)
{
	int rc = nl_plan_start(p, ifindex, set);

	for (size_t i = 0; rc == 0 && i < nh; i++)
		rc = nl_plan_feed(p, &have[i]);
	return rc < 0 ? rc : nl_plan_finish(p);
}

/* The adds of p into out (cap entries); their number, which must be
 * p->n_add, or -1 when there are more than cap or one fails. */
static inline long plan_adds(const struct nl_plan *p, struct nl_addr *out, size_t cap)
{
	size_t iter = 0, n = 0;
	struct nl_addr a;
	int rc;

	while ((rc = nl_plan_next_add(p, &iter, &a)) == 1) {
		if (n == cap)
			return -1;
		out[n++] = a;
	}
	return rc < 0 ? -1 : (long)n;
}

#endif
