/*
 * libFuzzer target for the netlink reply decoders: kernel replies are
 * bytes too. The input is a flags byte, then datagrams, each a 2-byte
 * little-endian length and that many bytes, fed to nl_reply_decode until
 * the reply ends. Every data message goes through nl_link_decode and
 * nl_addr_decode; the addresses found are planned against each other
 * (nl_plan_compute), as the flags arrange them. Each datagram sits in its
 * own exact-size heap buffer, so ASan sees any read past it. A decoded
 * value out of its documented range, or a plan that breaks the planner's
 * promises (checked against a brute-force reading of the same input),
 * aborts.
 *
 * flags: bit 0 dump, bit 1 check portid 4242 (else any), bit 2 seq 7
 * (else 1); bit 3 want stays in the order seen, bit 4 have does (else
 * each is sorted: the planner must refuse what is not sorted by address);
 * bit 5 the last wanted entry is bad (prefix length 129+, or family 0);
 * bit 6 a plan of the first half of have comes first (planning again
 * forgets it); bit 7 every address is wanted (else every other one).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "netlink/nl.h"
#include "fuzz.h"

#define MAX_ADDRS 64

struct seen {
	struct nl_addr a[MAX_ADDRS];
	size_t n;
	unsigned calls;
};

static void check_str(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

static int on_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct seen *s = arg;
	struct nl_link l;
	struct nl_addr a;
	int rc;

	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		abort(); /* control messages never reach the callback */
	rc = nl_link_decode(nlh, &l);
	if (rc == 0) {
		if (l.ifindex <= 0)
			abort();
		check_str(l.name, sizeof(l.name));
		check_str(l.kind, sizeof(l.kind));
	} else if (rc != -ENOMSG && rc != -EBADMSG) {
		abort();
	}
	rc = nl_addr_decode(nlh, &a);
	if (rc == 0) {
		size_t bits = core_af_bits(a.addr.family);

		if (bits == 0 || a.prefixlen > bits || a.ifindex <= 0)
			abort();
		if (s->n < MAX_ADDRS)
			s->a[s->n++] = a;
	} else if (rc != -ENOMSG && rc != -EBADMSG && rc != -EAFNOSUPPORT) {
		abort();
	}
	/* Exercise the callback-error path now and then. */
	return ++s->calls % 13 == 0 ? -ECANCELED : 0;
}

static size_t fz_len(const struct nl_addr *a)
{
	return core_af_len(a->addr.family);
}

static bool fz_same_addr(const struct nl_addr *x, const struct nl_addr *y)
{
	return x->addr.family == y->addr.family && !memcmp(x->addr.bytes, y->addr.bytes, fz_len(x));
}

static bool fz_sorted(const struct nl_addr *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		int c = (int)v[i - 1].addr.family - (int)v[i].addr.family;

		if (!c)
			c = memcmp(v[i - 1].addr.bytes, v[i].addr.bytes, fz_len(&v[i]));
		if (c > 0)
			return false;
	}
	return true;
}

/* What nl_plan_compute must answer, read by brute force. */
static int fz_expected(const struct nl_addr *want, size_t nw, const struct nl_addr *have, size_t nh)
{
	if (!fz_sorted(want, nw) || !fz_sorted(have, nh))
		return -EINVAL;
	for (size_t i = 0; i < nw; i++) {
		size_t len = fz_len(&want[i]);

		if (len == 0 || want[i].prefixlen > len * 8)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (fz_same_addr(&want[i], &want[j]) &&
			    want[i].prefixlen != want[j].prefixlen)
				return -EINVAL;
	}
	return 0;
}

/* Every field equal (not memcmp: padding). */
static bool fz_in(const struct nl_addr *v, size_t n, const struct nl_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].ifindex == a->ifindex && v[i].prefixlen == a->prefixlen &&
		    v[i].scope == a->scope && v[i].flags == a->flags && fz_same_addr(&v[i], a))
			return true;
	return false;
}

/* A successful plan against the brute-force reading of want and have. */
static void fz_check(const struct nl_plan *p, int ifindex, const struct nl_addr *want, size_t nw,
                     const struct nl_addr *have, size_t nh)
{
	size_t n_conflict = 0, n_del = 0, n_add = 0;

	for (size_t i = 0; i < p->n_conflict; i++)
		if (p->conflict[i].ifindex == ifindex || !fz_in(have, nh, &p->conflict[i]))
			abort();
	for (size_t i = 0; i < p->n_del; i++)
		if (p->del[i].ifindex != ifindex || p->del[i].scope != 0 ||
		    !fz_in(have, nh, &p->del[i]))
			abort();
	for (size_t j = 0; j < nh; j++) {
		const struct nl_addr *h = &have[j];
		const struct nl_addr *w = NULL;
		bool elsewhere = false;

		for (size_t i = 0; i < nw && !w; i++)
			w = fz_same_addr(&want[i], h) ? &want[i] : NULL;
		for (size_t k = 0; k < nh; k++)
			elsewhere |= have[k].ifindex != ifindex && fz_same_addr(&have[k], h);
		bool conflict = h->ifindex != ifindex && w;
		bool del = h->ifindex == ifindex && h->scope == 0 &&
		           !(w && !elsewhere && w->prefixlen == h->prefixlen);

		/* Listed as a conflict: exactly the wanted ones elsewhere.
		 * Deleted: exactly our global ones not wanted as they are. */
		if (conflict != fz_in(p->conflict, p->n_conflict, h) ||
		    del != fz_in(p->del, p->n_del, h))
			abort();
		n_conflict += conflict;
		n_del += del;
	}
	if (n_conflict != p->n_conflict || n_del != p->n_del)
		abort();
	for (size_t i = 0; i < p->n_add; i++) {
		const struct nl_addr *a = &p->add[i];
		size_t len = fz_len(a);

		if (a->ifindex != ifindex || a->scope != 0 || len == 0 || a->prefixlen > len * 8)
			abort();
		for (size_t k = len; k < sizeof(a->addr.bytes); k++)
			if (a->addr.bytes[k])
				abort(); /* canonical */
	}
	/* Added: exactly the wanted ones nowhere else and not there. */
	for (size_t i = 0; i < nw; i++) {
		bool skip = false, added = false, first = true;

		for (size_t k = 0; k < nh; k++)
			skip |= fz_same_addr(&have[k], &want[i]) &&
			        (have[k].ifindex != ifindex ||
			         (have[k].scope == 0 && have[k].prefixlen == want[i].prefixlen));
		for (size_t k = 0; k < p->n_add; k++)
			added |= fz_same_addr(&p->add[k], &want[i]) &&
			         p->add[k].prefixlen == want[i].prefixlen;
		if (skip == added)
			abort();
		for (size_t k = 0; k < i; k++)
			first &= !fz_same_addr(&want[k], &want[i]);
		n_add += first && added; /* a duplicate entry is added once */
	}
	if (n_add != p->n_add)
		abort();
}

static void plan(const struct seen *s, uint8_t flags)
{
	struct nl_addr want[MAX_ADDRS], have[MAX_ADDRS];
	struct nl_plan p;
	size_t nw = 0, nh = s->n;
	int ifindex, rc, expect;

	if (s->n == 0)
		return;
	ifindex = s->a[0].ifindex;
	/* want: every other address seen (or all); have: all of them */
	for (size_t i = 0; i < s->n; i += (flags & 0x80) ? 1 : 2)
		want[nw++] = s->a[i];
	memcpy(have, s->a, nh * sizeof(*have));
	if (flags & 0x20) {
		struct nl_addr *b = &want[nw - 1];

		if (b->addr.family == AF_INET6)
			b->prefixlen = (uint8_t)(129 + b->prefixlen % 127);
		else
			b->addr.family = 0;
	}
	if (!(flags & 0x08))
		nl_addr_sort(want, nw);
	if (!(flags & 0x10))
		nl_addr_sort(have, nh);
	nl_plan_init(&p);
	if ((flags & 0x40) && nl_plan_compute(&p, ifindex, want, nw, have, nh / 2) == 0)
		fz_check(&p, ifindex, want, nw, have, nh / 2);
	expect = fz_expected(want, nw, have, nh);
	rc = nl_plan_compute(&p, ifindex, want, nw, have, nh);
	if (rc != expect && rc != -ENOMEM)
		abort();
	if (rc == 0 && (flags & 0x20))
		abort(); /* a bad entry always fails the plan */
	if (rc != 0) {
		if (p.n_del || p.n_conflict || p.n_add || p.add || p.del || p.conflict)
			abort(); /* a failed plan is empty */
	} else {
		fz_check(&p, ifindex, want, nw, have, nh);
	}
	nl_plan_fini(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nl_reply r;
	struct seen s = {0};
	uint8_t flags;
	int rc = 1;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	nl_reply_init(&r, (flags & 4) ? 7 : 1, (flags & 2) ? 4242 : 0, flags & 1);
	while (rc == 1 && size >= 2) {
		size_t n = (size_t)data[0] | (size_t)data[1] << 8;
		uint8_t *dg;

		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		dg = malloc(n ? n : 1);
		if (!dg)
			return 0;
		memcpy(dg, data, n);
		rc = nl_reply_decode(&r, dg, n, on_msg, &s);
		free(dg);
		data += n;
		size -= n;
		if (rc > 1 || !memchr(r.msg, '\0', sizeof(r.msg)))
			abort();
		for (const char *c = r.msg; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				abort(); /* extended-ACK text must be log-safe */
	}
	plan(&s, flags);
	return 0;
}
