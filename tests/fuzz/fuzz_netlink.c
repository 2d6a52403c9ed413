/*
 * libFuzzer target for the netlink reply decoders: kernel replies are
 * bytes too. The input is a flags byte, then datagrams, each a 2-byte
 * little-endian length and that many bytes, fed to nl_reply_decode until
 * the reply ends. Every data message goes through nl_link_decode and
 * nl_addr_decode; the addresses found are planned against each other.
 * Each datagram sits in its own exact-size heap buffer, so ASan sees any
 * read past it. A decoded value out of its documented range aborts.
 *
 * flags: bit 0 dump, bit 1 check portid 4242 (else any), bit 2 seq 7
 * (else 1).
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

static void plan(const struct seen *s)
{
	struct nl_plan p;
	int ifindex;

	if (s->n == 0)
		return;
	ifindex = s->a[0].ifindex;
	nl_plan_init(&p);
	/* want: every other address seen; have: all of them */
	{
		struct nl_addr want[MAX_ADDRS];
		size_t nw = 0;

		for (size_t i = 0; i < s->n; i += 2)
			want[nw++] = s->a[i];
		if (nl_plan_compute(&p, ifindex, want, nw, s->a, s->n) == 0) {
			if (p.n_del > s->n || p.n_conflict > s->n || p.n_add > nw)
				abort();
			for (size_t i = 0; i < p.n_del; i++)
				if (p.del[i].ifindex != ifindex)
					abort();
			for (size_t i = 0; i < p.n_conflict; i++)
				if (p.conflict[i].ifindex == ifindex)
					abort();
			for (size_t i = 0; i < p.n_add; i++)
				if (p.add[i].ifindex != ifindex)
					abort();
		}
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
	plan(&s);
	return 0;
}
