/*
 * Reconcile planner (pure): wanted addresses and the node's addresses in,
 * adds, dels and conflicts out. Sorting the wanted set keeps it
 * O((n_want + n_have) log n_want) for nodes with thousands of services.
 */
#include "netlink/nl.h"
#include "netlink/nl_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

struct nl_want {
	struct bgp_addr addr; /* canonical: unused bytes zero */
	uint8_t prefixlen;
	bool kept;     /* already on the interface with this prefix length */
	bool conflict; /* on another interface */
};

/* What becomes of one address of the node. */
enum { PLAN_NONE = 0, PLAN_CONFLICT, PLAN_DEL };

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

static int nl_want_cmp(const void *a, const void *b)
{
	const struct nl_want *x = a, *y = b;
	int c = nl_addr_cmp(&x->addr, &y->addr);

	if (c)
		return c;
	return (int)x->prefixlen - (int)y->prefixlen;
}

/* bsearch key: an address alone (each address is in the set once). */
static int nl_want_find_cmp(const void *key, const void *elt)
{
	return nl_addr_cmp(key, &((const struct nl_want *)elt)->addr);
}

/* Sorted, duplicate-free copy of want; -EINVAL for a bad entry or one
 * address with two prefix lengths. */
static int nl_want_build(const struct nl_addr *want, size_t n, struct nl_want **out, size_t *n_out)
{
	struct nl_want *w = calloc(n ? n : 1, sizeof(*w));
	size_t k = 0;

	if (!w)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (nl_addr_check(&want[i].addr, want[i].prefixlen) < 0) {
			free(w);
			return -EINVAL;
		}
		w[i].addr.family = want[i].addr.family;
		memcpy(w[i].addr.bytes, want[i].addr.bytes, nl_family_len(want[i].addr.family));
		w[i].prefixlen = want[i].prefixlen;
	}
	if (n > 1)
		qsort(w, n, sizeof(*w), nl_want_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && nl_addr_cmp(&w[k - 1].addr, &w[i].addr) == 0) {
			if (w[k - 1].prefixlen != w[i].prefixlen) {
				free(w);
				return -EINVAL;
			}
			continue;
		}
		w[k++] = w[i];
	}
	*out = w;
	*n_out = k;
	return 0;
}

static struct nl_want *nl_want_find(struct nl_want *w, size_t n, const struct bgp_addr *a)
{
	struct bgp_addr key = {.family = a->family};

	if (nl_family_len(a->family) == 0 || n == 0)
		return NULL;
	memcpy(key.bytes, a->bytes, nl_family_len(a->family));
	return bsearch(&key, w, n, sizeof(*w), nl_want_find_cmp);
}

int nl_plan_compute(struct nl_plan *p, int ifindex, const struct nl_addr *want, size_t n_want,
                    const struct nl_addr *have, size_t n_have)
{
	struct nl_want *w = NULL;
	uint8_t *cls = NULL; /* per address of the node: PLAN_* */
	size_t nw = 0, n_conf = 0, n_del = 0, n_add = 0;
	int rc;

	nl_plan_fini(p);
	if (ifindex <= 0 || (n_want && !want) || (n_have && !have))
		return -EINVAL;
	rc = nl_want_build(want, n_want, &w, &nw);
	if (rc < 0)
		return rc;
	/* Each address of the node is classified once, then arrays of the
	 * exact size are filled: with thousands of addresses on the node,
	 * arrays sized for the worst case cost a megabyte at every sync. */
	if (!(cls = calloc(n_have ? n_have : 1, 1))) {
		rc = -ENOMEM;
		goto out;
	}
	/* Conflicts first: they decide what may stay on our interface. */
	for (size_t i = 0; i < n_have; i++) {
		struct nl_want *f;

		if (have[i].ifindex == ifindex || !(f = nl_want_find(w, nw, &have[i].addr)))
			continue;
		f->conflict = true;
		cls[i] = PLAN_CONFLICT;
		n_conf++;
	}
	for (size_t i = 0; i < n_have; i++) {
		struct nl_want *f;

		/* Non-global addresses are the kernel's (IPv6 link-local)
		 * or someone else's: berth only ever adds global ones. */
		if (have[i].ifindex != ifindex || have[i].scope != RT_SCOPE_UNIVERSE ||
		    nl_family_len(have[i].addr.family) == 0)
			continue;
		f = nl_want_find(w, nw, &have[i].addr);
		if (f && !f->conflict && f->prefixlen == have[i].prefixlen) {
			f->kept = true;
			continue;
		}
		cls[i] = PLAN_DEL;
		n_del++;
	}
	for (size_t i = 0; i < nw; i++)
		n_add += !w[i].kept && !w[i].conflict;
	p->add = calloc(n_add ? n_add : 1, sizeof(*p->add));
	p->del = calloc(n_del ? n_del : 1, sizeof(*p->del));
	p->conflict = calloc(n_conf ? n_conf : 1, sizeof(*p->conflict));
	if (!p->add || !p->del || !p->conflict) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_have; i++) {
		if (cls[i] == PLAN_CONFLICT)
			p->conflict[p->n_conflict++] = have[i];
		else if (cls[i] == PLAN_DEL)
			p->del[p->n_del++] = have[i];
	}
	for (size_t i = 0; i < nw; i++) {
		struct nl_addr *a;

		if (w[i].kept || w[i].conflict)
			continue;
		a = &p->add[p->n_add++];
		a->ifindex = ifindex;
		a->prefixlen = w[i].prefixlen;
		a->scope = RT_SCOPE_UNIVERSE;
		a->addr = w[i].addr;
	}
	rc = 0;
out:
	free(w);
	free(cls);
	if (rc < 0)
		nl_plan_fini(p);
	return rc;
}
