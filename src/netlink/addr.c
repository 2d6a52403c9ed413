/*
 * Addresses: add, delete, dump, and reconcile an interface to a wanted set.
 */
#include "netlink/nl.h"
#include "netlink/nl_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Dumps tried before giving up when addresses keep changing under them. */
#define NL_DUMP_TRIES 4

static void nl_addr_what(const char *verb, const struct nl_addr *a, char *out, size_t cap)
{
	char ip[CORE_ADDR_STRLEN];

	snprintf(out, cap, "%s %s/%u on ifindex %d", verb, core_addr_str(&a->addr, ip),
	         a->prefixlen, a->ifindex);
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

static int nl_addr_one(struct nl_sock *s, bool add, int ifindex, const struct core_addr *a,
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

int nl_addr_add(struct nl_sock *s, int ifindex, const struct core_addr *a, uint8_t prefixlen)
{
	return nl_addr_one(s, true, ifindex, a, prefixlen);
}

int nl_addr_del(struct nl_sock *s, int ifindex, const struct core_addr *a, uint8_t prefixlen)
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

/* The node's addresses, as nl_reconcile collects them. */
struct nl_addr_vec {
	struct nl_sock *s;
	struct nl_addr *v; /* owned */
	size_t n, cap;
};

static int nl_addr_vec_push(const struct nl_addr *a, void *arg)
{
	struct nl_addr_vec *h = arg;

	if (h->s->dump_spy)
		(void)h->s->dump_spy(a, h->s->dump_spy_arg);
	return nl_addr_push(&h->v, &h->n, &h->cap, a);
}

/* Keeps the first failure of a series of requests, with its text. */
static void nl_keep_first(struct nl_sock *s, int r, int *first, char *first_err)
{
	if (r < 0 && *first == 0) {
		*first = r;
		memcpy(first_err, s->err, NL_ERR_LEN);
	}
}

/* Dump and plan: all interfaces, for the conflicts. */
static int nl_reconcile_plan(struct nl_sock *s, int ifindex, const struct nl_addr *want,
                             size_t n_want, struct nl_plan *plan)
{
	struct nl_addr_vec have = {.s = s};
	int rc = -EINTR;

	for (int i = 0; i < NL_DUMP_TRIES && rc == -EINTR; i++) {
		have.n = 0;
		rc = nl_addr_dump(s, 0, nl_addr_vec_push, &have);
	}
	if (rc == 0) {
		nl_addr_sort(have.v, have.n);
		rc = nl_plan_compute(plan, ifindex, want, n_want, have.v, have.n);
		if (rc < 0)
			nl_sock_seterr(s, "plan addresses of ifindex %d: %s", ifindex,
			               strerror(-rc));
	}
	free(have.v);
	return rc;
}

int nl_reconcile(struct nl_sock *s, int ifindex, const struct nl_addr *want, size_t n_want,
                 struct nl_plan *plan)
{
	char first_err[NL_ERR_LEN] = "";
	int rc, first = 0;

	nl_plan_fini(plan);
	rc = nl_reconcile_plan(s, ifindex, want, n_want, plan);
	if (rc < 0)
		return rc;
	/* Every del before any add: IPv6 refuses an address that is still
	 * there with another prefix length. */
	for (size_t i = 0; i < plan->n_del; i++)
		nl_keep_first(s, nl_addr_change(s, false, &plan->del[i]), &first, first_err);
	for (size_t i = 0; i < plan->n_add; i++)
		nl_keep_first(s, nl_addr_change(s, true, &plan->add[i]), &first, first_err);
	memcpy(s->err, first_err, sizeof(s->err));
	return first;
}
