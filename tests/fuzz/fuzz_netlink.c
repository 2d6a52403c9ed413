/*
 * libFuzzer target for the netlink reply decoders: kernel replies are
 * bytes too. The input is a flags byte, then datagrams, each a 2-byte
 * little-endian length and that many bytes, fed to nl_reply_decode until
 * the reply ends. Every data message goes through nl_link_decode and
 * nl_addr_decode; the addresses found are planned against each other
 * (nl_plan_start/feed/finish/next_add), through a wanted set that the
 * flags may make hostile. Each datagram sits in its own exact-size heap
 * buffer, so ASan sees any read past it. A decoded value out of its
 * documented range, or a plan that breaks the planner's promises,
 * aborts.
 *
 * flags: bit 0 dump, bit 1 check portid 4242 (else any), bit 2 seq 7
 * (else 1); bits 3-4 the set's find: 0 honest, 1 an index derived from
 * the address (any, also out of range), 2 always 0, 3 honest but -1 for
 * IPv6; bit 5 get reports a bad entry (prefix length 129+, or family 0)
 * for the entry of the last seen address; bit 6 the feed starts over
 * halfway (an interrupted dump); bit 7 every address is wanted.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		size_t bits = a.addr.family == AF_INET ? 32 : a.addr.family == AF_INET6 ? 128 : 0;

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

/* The wanted set: addresses seen, read in place. */
struct fz_set {
	const struct nl_addr *v;
	size_t n;
	unsigned find_mode;
	size_t bad; /* get lies for this index (n: none) */
};

static int fz_get(const void *ctx, size_t i, struct bgp_addr *a, uint8_t *prefixlen)
{
	const struct fz_set *f = ctx;

	if (i >= f->n)
		abort(); /* the planner asked outside the set */
	*a = f->v[i].addr;
	*prefixlen = f->v[i].prefixlen;
	if (i == f->bad) {
		if (a->family == AF_INET6)
			*prefixlen = (uint8_t)(129 + *prefixlen % 127);
		else
			a->family = 0;
	}
	return 0;
}

static long fz_find(const void *ctx, const struct bgp_addr *a)
{
	const struct fz_set *f = ctx;
	size_t len = a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
	unsigned h = a->family;

	if (len == 0)
		abort(); /* the planner looks up only IPv4/IPv6 */
	for (size_t i = len; i < sizeof(a->bytes); i++)
		if (a->bytes[i])
			abort(); /* ... canonical */
	switch (f->find_mode) {
	case 1:
		for (size_t i = 0; i < len; i++)
			h = h * 31 + a->bytes[i];
		return (long)(h % (f->n + 3)) - 2;
	case 2:
		return 0;
	case 3:
		if (a->family == AF_INET6)
			return -1;
		/* fall through */
	default:
		for (size_t i = 0; i < f->n; i++)
			if (f->v[i].addr.family == a->family &&
			    !memcmp(f->v[i].addr.bytes, a->bytes, len))
				return (long)i;
		return -1;
	}
}

static void plan(const struct seen *s, uint8_t flags)
{
	struct nl_addr want[MAX_ADDRS], a;
	struct fz_set f = {.v = want, .find_mode = (flags >> 3) & 3};
	struct nl_want_set set = {.get = fz_get, .find = fz_find, .ctx = &f};
	struct nl_plan p;
	size_t nw = 0, iter = 0, n_add = 0, from = 0; /* fed since the last start */
	int ifindex, rc;

	if (s->n == 0)
		return;
	ifindex = s->a[0].ifindex;
	/* want: every other address seen (or all); have: all of them */
	for (size_t i = 0; i < s->n; i += (flags & 0x80) ? 1 : 2)
		want[nw++] = s->a[i];
	f.n = set.n = nw;
	f.bad = (flags & 0x20) ? nw - 1 : nw;
	nl_plan_init(&p);
	rc = nl_plan_start(&p, ifindex, &set);
	for (size_t i = 0; rc == 0 && i < s->n; i++) {
		rc = nl_plan_feed(&p, &s->a[i]);
		if (rc == 0 && (flags & 0x40) && i == s->n / 2) {
			rc = nl_plan_start(&p, ifindex, &set);
			from = i + 1;
			if (rc == 0 && (p.n_del || p.n_conflict))
				abort(); /* starting over forgets */
		}
	}
	if (rc == 0)
		rc = nl_plan_finish(&p);
	if (rc != 0 && rc != -EINVAL)
		abort();
	if (rc == 0 && (flags & 0x20))
		abort(); /* a bad entry always fails the plan */
	if (rc != 0) {
		if (p.n_del || p.n_conflict || p.n_add || nl_plan_next_add(&p, &iter, &a) != 0)
			abort(); /* a failed plan is empty */
		if (nl_plan_feed(&p, &s->a[0]) != rc || nl_plan_finish(&p) != rc)
			abort(); /* and stays failed */
		nl_plan_fini(&p);
		return;
	}
	if (p.n_del > s->n || p.n_conflict > s->n || p.n_add > nw)
		abort();
	for (size_t i = 0; i < p.n_del; i++)
		if (p.del[i].ifindex != ifindex || p.del[i].scope != 0)
			abort();
	for (size_t i = 0; i < p.n_conflict; i++)
		if (p.conflict[i].ifindex == ifindex)
			abort();
	while ((rc = nl_plan_next_add(&p, &iter, &a)) == 1) {
		size_t len = a.addr.family == AF_INET ? 4 : a.addr.family == AF_INET6 ? 16 : 0;

		if (a.ifindex != ifindex || a.scope != 0 || len == 0 || a.prefixlen > len * 8)
			abort();
		/* With an honest set: never an address in conflict, nor one
		 * that is there already. */
		for (size_t i = from; f.find_mode == 0 && i < s->n; i++) {
			const struct nl_addr *h = &s->a[i];

			if (h->addr.family != a.addr.family ||
			    memcmp(h->addr.bytes, a.addr.bytes, len))
				continue;
			if (h->ifindex != ifindex || (h->scope == 0 && h->prefixlen == a.prefixlen))
				abort();
		}
		n_add++;
	}
	if (rc != 0 || n_add != p.n_add)
		abort();
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
