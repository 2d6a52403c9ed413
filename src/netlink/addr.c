/*
 * Addresses: add, delete, dump, and reconcile an interface to a wanted set.
 */
#include "netlink/nl.h"
#include "netlink/nl_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Dumps tried before giving up when addresses keep changing under them. */
#define NL_DUMP_TRIES 4

static void nl_addr_what(const char *verb, const struct nl_addr *a, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (nl_family_len(a->addr.family))
		inet_ntop(a->addr.family, a->addr.bytes, ip, sizeof(ip));
	snprintf(out, cap, "%s %s/%u on ifindex %d", verb, ip, a->prefixlen, a->ifindex);
}

static int nl_addr_change(struct nl_sock *s, bool add, const struct nl_addr *a)
{
	char what[96];
	int len, rc;

	nl_addr_what(add ? "add" : "delete", a, what, sizeof(what));
	if (add)
		len = nl_addr_new_encode(s->req, sizeof(s->req), nl_sock_seq(s), a);
	else
		len = nl_addr_del_encode(s->req, sizeof(s->req), nl_sock_seq(s), a);
	rc = nl_sock_request(s, len, false, NULL, NULL, what);
	/* Already so: EEXIST on add (NLM_F_EXCL), EADDRNOTAVAIL on delete
	 * (inet_rtm_deladdr and inet6_addr_del both). */
	if ((add && rc == -EEXIST) || (!add && rc == -EADDRNOTAVAIL)) {
		s->err[0] = '\0';
		return 0;
	}
	return rc < 0 ? rc : 1;
}

static int nl_addr_one(struct nl_sock *s, bool add, int ifindex, const struct bgp_addr *a,
                       uint8_t prefixlen)
{
	struct nl_addr x = {.ifindex = ifindex, .prefixlen = prefixlen};

	if (!a) {
		nl_sock_seterr(s, "%s address: none given", add ? "add" : "delete");
		return -EINVAL;
	}
	x.addr = *a;
	return nl_addr_change(s, add, &x);
}

int nl_addr_add(struct nl_sock *s, int ifindex, const struct bgp_addr *a, uint8_t prefixlen)
{
	return nl_addr_one(s, true, ifindex, a, prefixlen);
}

int nl_addr_del(struct nl_sock *s, int ifindex, const struct bgp_addr *a, uint8_t prefixlen)
{
	return nl_addr_one(s, false, ifindex, a, prefixlen);
}

struct nl_dump_ctx {
	int ifindex;
	nl_addr_fn fn;
	void *arg;
};

static int nl_addr_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nl_dump_ctx *c = arg;
	struct nl_addr a;
	int rc = nl_addr_decode(nlh, &a);

	/* Other families (a dump of AF_UNSPEC may hold more one day) are
	 * not ours; a malformed IPv4/IPv6 entry fails the dump, because a
	 * plan made without it could delete or duplicate an address. */
	if (rc == -ENOMSG || rc == -EAFNOSUPPORT)
		return 0;
	if (rc < 0)
		return rc;
	if (c->ifindex && a.ifindex != c->ifindex)
		return 0;
	return c->fn(&a, c->arg);
}

int nl_addr_dump(struct nl_sock *s, int ifindex, nl_addr_fn fn, void *arg)
{
	struct nl_dump_ctx c = {.ifindex = ifindex, .fn = fn, .arg = arg};
	int len;

	if (!fn || ifindex < 0) {
		nl_sock_seterr(s, "dump addresses: bad arguments");
		return -EINVAL;
	}
	/* Filtered here rather than by the kernel: ifindex filtering of
	 * address dumps needs NETLINK_GET_STRICT_CHK (Linux 4.20+). */
	len = nl_addr_dump_encode(s->req, sizeof(s->req), nl_sock_seq(s));
	return nl_sock_request(s, len, true, nl_addr_dump_cb, &c, "dump addresses");
}

static int nl_plan_feed_cb(const struct nl_addr *a, void *arg)
{
	return nl_plan_feed(arg, a);
}

/* Keeps the first failure of a series of requests, with its text. */
static void nl_keep_first(struct nl_sock *s, int r, int *first, char *first_err)
{
	if (r < 0 && *first == 0) {
		*first = r;
		memcpy(first_err, s->err, NL_ERR_LEN);
	}
}

/* Dels kept per round: emptying an interface of 10,000 addresses (a
 * speaker's SIGTERM) would otherwise hold a list of all of them. */
#define NL_RECONCILE_MAX_DEL 1024

/* One round: dump and plan (again when the dump was interrupted). */
static int plan_round(struct nl_sock *s, int ifindex, const struct nl_want_set *want,
                      struct nl_plan *plan)
{
	int rc = 0;

	/* The dump goes straight into the planner: with 10,000 addresses a
	 * copy of it would be the largest allocation of the sync. */
	for (int i = 0; i < NL_DUMP_TRIES; i++) {
		rc = nl_plan_start(plan, ifindex, want);
		if (rc < 0)
			break;
		rc = nl_addr_dump(s, 0, nl_plan_feed_cb, plan);
		if (rc != -EINTR)
			break;
	}
	if (rc == 0)
		rc = nl_plan_finish(plan);
	if (rc < 0 && plan->err)
		/* The dump's own failures are described by nl_sock already. */
		nl_sock_seterr(s, "plan addresses of ifindex %d: %s", ifindex, strerror(-rc));
	return rc;
}

int nl_reconcile(struct nl_sock *s, int ifindex, const struct nl_want_set *want,
                 struct nl_plan *plan)
{
	char first_err[NL_ERR_LEN] = "";
	struct nl_addr a;
	size_t iter = 0, done = 0;
	int rc = 0, first = 0;

	nl_plan_fini(plan);
	plan->max_del = NL_RECONCILE_MAX_DEL;
	/* Every del before any add: IPv6 refuses an address that is still
	 * there with another prefix length. Rounds of dels until a plan
	 * holds them all, or a round removes nothing (they keep failing). */
	for (;;) {
		size_t removed = 0;

		if ((rc = plan_round(s, ifindex, want, plan)) < 0) {
			nl_plan_fini(plan);
			return rc;
		}
		for (size_t i = 0; i < plan->n_del; i++) {
			int r = nl_addr_change(s, false, &plan->del[i]);

			nl_keep_first(s, r, &first, first_err);
			removed += r >= 0;
		}
		done += removed;
		if (!plan->more_del || !removed)
			break;
	}
	plan->n_del_done = done;
	while ((rc = nl_plan_next_add(plan, &iter, &a)) != 0) {
		if (rc < 0) {
			nl_sock_seterr(s, "plan addresses of ifindex %d: %s", ifindex,
			               strerror(-rc));
			nl_keep_first(s, rc, &first, first_err);
			continue;
		}
		nl_keep_first(s, nl_addr_change(s, true, &a), &first, first_err);
	}
	memcpy(s->err, first_err, sizeof(s->err));
	return first;
}
