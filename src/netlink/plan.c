/*
 * Reconcile planner (pure), incremental: the wanted set is read in place
 * through its get/find, the node's addresses are fed one at a time, and
 * the only memory is one state byte per wanted entry plus the dels and
 * conflicts found. O(n_want + n_have) calls of get/find.
 */
#include "netlink/nl.h"
#include "netlink/nl_int.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

/* What becomes of one wanted entry (the state byte). */
enum {
	WANT_ADD = 0,  /* not seen on the interface (yet): to add */
	WANT_KEPT,     /* on the interface with its prefix length */
	WANT_CONFLICT, /* on another interface: never added, removed from ours */
	WANT_DUP,      /* a second entry of an address (find names another) */
};

void nl_plan_init(struct nl_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->err = -EINVAL; /* not started */
}

void nl_plan_fini(struct nl_plan *p)
{
	free(p->del);
	free(p->conflict);
	free(p->state);
	nl_plan_init(p);
}

/* Empties the plan and makes the error sticky: what was found so far must
 * not be applied, and nl_plan_next_add yields nothing. */
static int plan_fail(struct nl_plan *p, int err)
{
	p->n_del = p->n_conflict = p->n_add = 0;
	p->more_del = false;
	p->want.n = 0;
	p->err = err;
	return err;
}

/* Entry i, checked and canonical (unused bytes zero). */
static int want_get(const struct nl_plan *p, size_t i, struct bgp_addr *a, uint8_t *prefixlen)
{
	struct bgp_addr raw = {0};
	uint8_t len = 0;
	int rc = p->want.get(p->want.ctx, i, &raw, &len);

	if (rc < 0)
		return rc;
	if (nl_addr_check(&raw, len) < 0)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->family = raw.family;
	memcpy(a->bytes, raw.bytes, nl_family_len(raw.family));
	*prefixlen = len;
	return 0;
}

/* The entry of address a (canonical): 1 with *i and its prefix length, 0
 * when a is not wanted, -EINVAL when find names an entry that does not
 * hold a (a broken set must not decide what is deleted). */
static int want_find(const struct nl_plan *p, const struct bgp_addr *a, size_t *i,
                     uint8_t *prefixlen)
{
	struct bgp_addr got;
	long f;
	int rc;

	if (p->want.n == 0)
		return 0;
	f = p->want.find(p->want.ctx, a);
	if (f == -1)
		return 0;
	if (f < 0 || (unsigned long)f >= p->want.n)
		return -EINVAL;
	rc = want_get(p, (size_t)f, &got, prefixlen);
	if (rc < 0)
		return rc;
	if (nl_addr_cmp(&got, a) != 0)
		return -EINVAL;
	*i = (size_t)f;
	return 1;
}

static int push(struct nl_addr **v, size_t *n, size_t *cap, const struct nl_addr *a)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct nl_addr *nv = reallocarray(*v, ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *a;
	return 0;
}

/* A del, unless max_del are kept already: then it waits for a round of
 * its own (more_del). */
static int push_del(struct nl_plan *p, const struct nl_addr *a)
{
	if (p->max_del && p->n_del >= p->max_del) {
		p->more_del = true;
		return 0;
	}
	return push(&p->del, &p->n_del, &p->cap_del, a);
}

int nl_plan_start(struct nl_plan *p, int ifindex, const struct nl_want_set *want)
{
	p->n_del = p->n_conflict = p->n_add = 0;
	p->more_del = false;
	p->err = 0;
	p->ifindex = ifindex;
	free(p->state);
	p->state = NULL;
	memset(&p->want, 0, sizeof(p->want));
	if (ifindex <= 0 || !want || (want->n && (!want->get || !want->find)) ||
	    want->n > (size_t)LONG_MAX)
		return plan_fail(p, -EINVAL);
	if (!(p->state = calloc(want->n ? want->n : 1, 1)))
		return plan_fail(p, -ENOMEM);
	p->want = *want;
	/* Every entry is checked before anything is fed, so that a bad set
	 * fails the plan before the interface changes. */
	for (size_t i = 0; i < want->n; i++) {
		struct bgp_addr a;
		uint8_t len, flen;
		size_t f = 0;
		int rc = want_get(p, i, &a, &len);

		if (rc < 0)
			return plan_fail(p, rc);
		rc = want_find(p, &a, &f, &flen);
		if (rc <= 0)
			return plan_fail(p, rc < 0 ? rc : -EINVAL);
		/* One address, two entries: harmless when they agree, but
		 * with two prefix lengths either could be meant. */
		if (f != i) {
			if (flen != len)
				return plan_fail(p, -EINVAL);
			p->state[i] = WANT_DUP;
		}
	}
	return 0;
}

int nl_plan_feed(struct nl_plan *p, const struct nl_addr *have)
{
	struct bgp_addr key = {0};
	size_t flen, i = 0;
	uint8_t wlen = 0;
	bool ours;
	int rc;

	if (p->err)
		return p->err;
	if (!have)
		return plan_fail(p, -EINVAL);
	flen = nl_family_len(have->addr.family);
	ours = have->ifindex == p->ifindex;
	/* Non-global addresses of ours are the kernel's (IPv6 link-local)
	 * or someone else's: berth only ever adds global ones. */
	if (flen == 0 || (ours && have->scope != RT_SCOPE_UNIVERSE))
		return 0;
	key.family = have->addr.family;
	memcpy(key.bytes, have->addr.bytes, flen);
	rc = want_find(p, &key, &i, &wlen);
	if (rc < 0 || (rc == 1 && p->state[i] == WANT_DUP))
		return plan_fail(p, rc < 0 ? rc : -EINVAL);
	if (!ours) {
		if (rc == 0)
			return 0;
		rc = push(&p->conflict, &p->n_conflict, &p->cap_conflict, have);
		/* Seen on our interface before this entry: it goes now. Kept
		 * means the same prefix length, and global scope. */
		if (rc == 0 && p->state[i] == WANT_KEPT) {
			struct nl_addr d = {.ifindex = p->ifindex,
			                    .prefixlen = wlen,
			                    .scope = RT_SCOPE_UNIVERSE,
			                    .addr = key};

			rc = push_del(p, &d);
		}
		p->state[i] = WANT_CONFLICT;
		return rc < 0 ? plan_fail(p, rc) : 0;
	}
	if (rc == 1 && p->state[i] != WANT_CONFLICT && wlen == have->prefixlen) {
		p->state[i] = WANT_KEPT;
		return 0;
	}
	rc = push_del(p, have);
	return rc < 0 ? plan_fail(p, rc) : 0;
}

int nl_plan_finish(struct nl_plan *p)
{
	size_t n = 0;

	if (p->err)
		return plan_fail(p, p->err);
	for (size_t i = 0; i < p->want.n; i++)
		n += p->state[i] == WANT_ADD;
	p->n_add = n;
	return 0;
}

int nl_plan_next_add(const struct nl_plan *p, size_t *iter, struct nl_addr *out)
{
	for (size_t i = *iter; i < p->want.n; i++) {
		int rc;

		if (p->state[i] != WANT_ADD)
			continue;
		*iter = i + 1;
		memset(out, 0, sizeof(*out));
		rc = want_get(p, i, &out->addr, &out->prefixlen);
		if (rc < 0)
			return rc;
		out->ifindex = p->ifindex;
		out->scope = RT_SCOPE_UNIVERSE;
		return 1;
	}
	*iter = p->want.n;
	return 0;
}
