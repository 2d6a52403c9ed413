/*
 * Reconcile planner (pure): the wanted addresses and the node's addresses,
 * both sorted by address, are merged in one pass; each address is decided
 * with all its entries in view (wanted or not, on our interface, on
 * others). O(n_want + n_have) after the sort.
 */
#include "netlink/nl.h"
#include "netlink/nl_int.h"

#include "core/sort.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

void nl_plan_init(struct nl_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void nl_plan_fini(struct nl_plan *p)
{
	free(p->add);
	free(p->del);
	free(p->conflict);
	nl_plan_init(p);
}

int nl_addr_push(struct nl_addr **v, size_t *n, size_t *cap, const struct nl_addr *a)
{
	if (*n == *cap) {
		/* By halves: a dump of 10,000 addresses takes 10,390 entries,
		 * not 16,384. */
		size_t ncap = *cap ? *cap + *cap / 2 : 16;
		struct nl_addr *nv = reallocarray(*v, ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *a;
	return 0;
}

static int order_cmp(const void *x, const void *y)
{
	const struct nl_addr *a = x, *b = y;
	int c = core_addr_cmp(&a->addr, &b->addr);

	if (c)
		return c;
	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	return (int)a->prefixlen - (int)b->prefixlen;
}

void nl_addr_sort(struct nl_addr *v, size_t n)
{
	core_sort(v, n, sizeof(*v), order_cmp);
}

/* Sorted by address; for want also: valid, and one prefix length per
 * address (with two, either could be meant). */
static int check_input(const struct nl_addr *v, size_t n, bool want)
{
	for (size_t i = 0; i < n; i++) {
		int c = i ? core_addr_cmp(&v[i - 1].addr, &v[i].addr) : -1;

		if (c > 0)
			return -EINVAL;
		if (want && (nl_addr_check(&v[i].addr, v[i].prefixlen) < 0 ||
		             (c == 0 && v[i - 1].prefixlen != v[i].prefixlen)))
			return -EINVAL;
	}
	return 0;
}

/* One address: w its wanted entry (NULL when not wanted), h[0..nh) its
 * entries on the node, on any interface. */
static int plan_addr(struct nl_plan *p, int ifindex, const struct nl_addr *w,
                     const struct nl_addr *h, size_t nh)
{
	bool elsewhere = false, kept = false;
	int rc = 0;

	for (size_t k = 0; k < nh; k++)
		elsewhere |= h[k].ifindex != ifindex;
	for (size_t k = 0; k < nh && rc == 0; k++) {
		const struct nl_addr *a = &h[k];
		bool ours = a->ifindex == ifindex;

		if (core_af_len(a->addr.family) == 0)
			continue;
		if (!ours && w)
			rc = nl_addr_push(&p->conflict, &p->n_conflict, &p->cap_conflict, a);
		/* Non-global addresses of ours are the kernel's (IPv6
		 * link-local) or someone else's: berth only ever adds global
		 * ones. */
		if (!ours || a->scope != RT_SCOPE_UNIVERSE)
			continue;
		if (w && !elsewhere && a->prefixlen == w->prefixlen)
			kept = true;
		else
			rc = nl_addr_push(&p->del, &p->n_del, &p->cap_del, a);
	}
	if (rc == 0 && w && !elsewhere && !kept) {
		struct nl_addr add = {
		    .ifindex = ifindex, .prefixlen = w->prefixlen, .scope = RT_SCOPE_UNIVERSE};

		add.addr.family = w->addr.family;
		memcpy(add.addr.bytes, w->addr.bytes, core_af_len(w->addr.family));
		rc = nl_addr_push(&p->add, &p->n_add, &p->cap_add, &add);
	}
	return rc;
}

int nl_plan_compute(struct nl_plan *p, int ifindex, const struct nl_addr *want, size_t n_want,
                    const struct nl_addr *have, size_t n_have)
{
	size_t i = 0, j = 0;
	int rc = 0;

	nl_plan_fini(p);
	if (ifindex <= 0 || (n_want && !want) || (n_have && !have))
		return -EINVAL;
	if (check_input(want, n_want, true) < 0 || check_input(have, n_have, false) < 0)
		return -EINVAL;
	while (rc == 0 && (i < n_want || j < n_have)) {
		/* The lower address at the heads of the two lists, with all
		 * its entries in both (one prefix length in want). */
		bool in_want =
		    i < n_want && (j == n_have || core_addr_cmp(&want[i].addr, &have[j].addr) <= 0);
		const struct core_addr *key = in_want ? &want[i].addr : &have[j].addr;
		const struct nl_addr *w = NULL;
		size_t j0 = j;

		while (i < n_want && !core_addr_cmp(&want[i].addr, key))
			w = &want[i++];
		while (j < n_have && !core_addr_cmp(&have[j].addr, key))
			j++;
		rc = plan_addr(p, ifindex, w, have + j0, j - j0);
	}
	if (rc < 0)
		nl_plan_fini(p);
	return rc;
}
