/*
 * Netlink against the running kernel. Changes links and addresses, so it
 * runs only inside a throwaway network namespace: skipped unless
 * BERTH_NETNS_LIVE=1 (tests/e2e/test_netlink.sh sets it in its own
 * namespace). Documentation addresses only.
 *
 * Without BERTH_NETLINK_PHASE: self-checking tests on links of their own
 * (btlive*), which they delete again. With it, one step driven by
 * tests/e2e/test_netlink.sh, which checks the result with `ip`:
 *   apply   ensure BERTH_NETLINK_IF (default kube-lb0) and reconcile it to
 *           BERTH_NETLINK_WANT ("ADDR/LEN ..."); the conflicts must be
 *           exactly BERTH_NETLINK_EXPECT_CONFLICTS ("ADDR ..."), and the
 *           number of adds plus dels BERTH_NETLINK_EXPECT_CHANGES if set;
 *   refuse  ensuring and deleting BERTH_NETLINK_IF must fail with EEXIST;
 *   delete  delete BERTH_NETLINK_IF; BERTH_NETLINK_EXPECT_DELETED=1|0.
 * BERTH_NETLINK_KIND names the link kind (default dummy), for kernels
 * built without the dummy driver.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "netlink/nl.h"
#include "netlink/nl_int.h" /* the dump spy */

static const char *kind(void)
{
	const char *k = getenv("BERTH_NETLINK_KIND");

	return k && *k ? k : NL_KIND_DUMMY;
}

static const char *ifname(void)
{
	const char *n = getenv("BERTH_NETLINK_IF");

	return n && *n ? n : NL_IFNAME_DEFAULT;
}

static struct nl_addr parse(const char *s, int ifindex)
{
	struct nl_addr a = {.ifindex = ifindex};
	char buf[64];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, a.addr.bytes) == 1) {
		a.addr.family = AF_INET;
		a.prefixlen = 32;
	} else if (inet_pton(AF_INET6, buf, a.addr.bytes) == 1) {
		a.addr.family = AF_INET6;
		a.prefixlen = 128;
	} else {
		fail_msg("bad address %s", s);
	}
	if (slash)
		a.prefixlen = (uint8_t)atoi(slash + 1);
	return a;
}

static const char *fmt(const struct nl_addr *a, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(a->addr.family, a->addr.bytes, ip, sizeof(ip));
	snprintf(buf, cap, "%s/%u", ip, a->prefixlen);
	return buf;
}

struct list {
	struct nl_addr v[64];
	size_t n;
};

static int collect(const struct nl_addr *a, void *arg)
{
	struct list *l = arg;

	if (l->n < 64)
		l->v[l->n++] = *a;
	return 0;
}

static void dump(struct nl_sock *s, int ifindex, struct list *l)
{
	int rc;

	for (int i = 0; i < 4; i++) {
		l->n = 0;
		rc = nl_addr_dump(s, ifindex, collect, l);
		if (rc != -EINTR)
			break;
	}
	if (rc != 0)
		fail_msg("dump: %d %s", rc, nl_error(s));
}

/* The global address a on ifindex, or NULL. */
static const struct nl_addr *find(const struct list *l, const struct nl_addr *a)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct nl_addr *x = &l->v[i];
		size_t n = core_af_len(x->addr.family);

		if (x->ifindex == a->ifindex && x->addr.family == a->addr.family &&
		    x->prefixlen == a->prefixlen && !memcmp(x->addr.bytes, a->addr.bytes, n))
			return x;
	}
	return NULL;
}

/* nl_reconcile with want[0..n) in any order: a sorted copy goes in. */
static int reconcile(struct nl_sock *s, int ifindex, const struct nl_addr *want, size_t n,
                     struct nl_plan *p)
{
	struct nl_addr *v = malloc((n ? n : 1) * sizeof(*v));
	int rc;

	assert_non_null(v);
	if (n)
		memcpy(v, want, n * sizeof(*v));
	nl_addr_sort(v, n);
	rc = nl_reconcile(s, ifindex, v, n, p);
	free(v);
	return rc;
}

static size_t n_global(const struct list *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].scope == RT_SCOPE_UNIVERSE;
	return n;
}

static int setup(void **state)
{
	struct nl_sock *s;

	if (!getenv("BERTH_NETNS_LIVE") || strcmp(getenv("BERTH_NETNS_LIVE"), "1") != 0) {
		*state = NULL;
		return 0;
	}
	if (nl_open(&s) < 0)
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	nl_close(*state);
	return 0;
}

#define LIVE_OR_SKIP(state)                                                                        \
	do {                                                                                       \
		if (!*(state))                                                                     \
			skip();                                                                    \
	} while (0)

/* Links a failed earlier run may have left behind in this namespace. */
static int clean(void **state)
{
	static const char *const mine[] = {"btlive0", "btlive1", "btlive2", "btlive3", "btother"};
	struct nl_sock *s = *state;
	struct nl_link l;

	for (size_t i = 0; s && i < sizeof(mine) / sizeof(mine[0]); i++)
		if (nl_link_get(s, mine[i], &l) == 0)
			(void)nl_link_delete(s, mine[i], l.kind[0] ? l.kind : "-");
	return 0;
}

static int ensure(struct nl_sock *s, const char *name, const char *k, int *ifindex)
{
	int rc = nl_link_ensure(s, name, k, ifindex);

	if (rc < 0)
		print_message("ensure %s (%s): %d %s\n", name, k, rc, nl_error(s));
	return rc;
}

static void test_link_ensure(void **state)
{
	struct nl_sock *s = *state;
	struct nl_link l;
	int ifindex = 0, again = 0;

	LIVE_OR_SKIP(state);
	assert_int_equal(nl_link_get(s, "btlive0", &l), -ENODEV);
	assert_int_equal(ensure(s, "btlive0", kind(), &ifindex), 1);
	assert_true(ifindex > 0);
	assert_int_equal(ensure(s, "btlive0", kind(), &again), 0);
	assert_int_equal(again, ifindex);
	assert_int_equal(nl_link_get(s, "btlive0", &l), 0);
	assert_int_equal(l.ifindex, ifindex);
	assert_string_equal(l.name, "btlive0");
	assert_string_equal(l.kind, kind());
	assert_true(l.flags & IFF_UP);
	assert_int_equal(nl_link_delete(s, "btlive0", kind()), 1);
	assert_int_equal(nl_link_delete(s, "btlive0", kind()), 0);
	assert_int_equal(nl_link_get(s, "btlive0", &l), -ENODEV);
	assert_int_equal(nl_link_ensure(s, "bad/name", kind(), &ifindex), -EINVAL);
}

static void test_link_refuse(void **state)
{
	struct nl_sock *s = *state;
	struct nl_link l;
	int ifindex = 0, rc;

	LIVE_OR_SKIP(state);
	/* lo: a link without kind must never be taken. */
	assert_int_equal(nl_link_ensure(s, "lo", kind(), &ifindex), -EEXIST);
	assert_non_null(strstr(nl_error(s), "no link kind"));
	assert_int_equal(nl_link_delete(s, "lo", kind()), -EEXIST);

	rc = ensure(s, "btlive1", "bridge", &ifindex);
	if (rc == -EOPNOTSUPP)
		skip(); /* no bridge driver either */
	assert_int_equal(rc, 1);
	assert_int_equal(nl_link_ensure(s, "btlive1", kind(), &ifindex), -EEXIST);
	assert_non_null(strstr(nl_error(s), "\"bridge\""));
	assert_int_equal(nl_link_delete(s, "btlive1", kind()), -EEXIST);
	assert_int_equal(nl_link_get(s, "btlive1", &l), 0);
	assert_int_equal(nl_link_delete(s, "btlive1", "bridge"), 1);
}

static void test_addr_add_del(void **state)
{
	struct nl_sock *s = *state;
	struct nl_addr a4, a6;
	const struct nl_addr *f;
	struct list l;
	int ifindex = 0;

	LIVE_OR_SKIP(state);
	assert_true(ensure(s, "btlive2", kind(), &ifindex) >= 0);
	a4 = parse("192.0.2.10/32", ifindex);
	a6 = parse("2001:db8::10/128", ifindex);
	assert_int_equal(nl_addr_add(s, ifindex, &a4.addr, 32), 1);
	assert_int_equal(nl_addr_add(s, ifindex, &a4.addr, 32), 0);
	assert_int_equal(nl_addr_add(s, ifindex, &a6.addr, 128), 1);
	assert_int_equal(nl_addr_add(s, ifindex, &a6.addr, 128), 0);
	dump(s, ifindex, &l);
	assert_int_equal(n_global(&l), 2);
	f = find(&l, &a4);
	assert_non_null(f);
	assert_int_equal(f->scope, RT_SCOPE_UNIVERSE);
	assert_true(f->flags & IFA_F_NOPREFIXROUTE);
	f = find(&l, &a6);
	assert_non_null(f);
	assert_int_equal(f->flags & (IFA_F_NODAD | IFA_F_NOPREFIXROUTE | IFA_F_TENTATIVE),
	                 IFA_F_NODAD | IFA_F_NOPREFIXROUTE);

	assert_int_equal(nl_addr_del(s, ifindex, &a4.addr, 32), 1);
	assert_int_equal(nl_addr_del(s, ifindex, &a4.addr, 32), 0);
	assert_int_equal(nl_addr_del(s, ifindex, &a6.addr, 64), 0); /* other length: absent */
	assert_int_equal(nl_addr_del(s, ifindex, &a6.addr, 128), 1);
	dump(s, ifindex, &l);
	assert_int_equal(n_global(&l), 0);

	assert_int_equal(nl_addr_add(s, 999999, &a4.addr, 32), -ENODEV);
	assert_non_null(strstr(nl_error(s), "192.0.2.10/32"));
	a4.addr.family = 0;
	assert_int_equal(nl_addr_add(s, ifindex, &a4.addr, 32), -EINVAL);
	assert_int_equal(nl_link_delete(s, "btlive2", kind()), 1);
}

static void test_reconcile(void **state)
{
	struct nl_sock *s = *state;
	struct nl_plan p;
	struct nl_addr want[4], other_addr, stale4, stale6;
	struct list l;
	int ours = 0, other = 0;
	size_t link_scope;

	LIVE_OR_SKIP(state);
	nl_plan_init(&p);
	assert_true(ensure(s, "btlive3", kind(), &ours) >= 0);
	assert_true(ensure(s, "btother", kind(), &other) >= 0);
	other_addr = parse("203.0.113.200/32", other);
	stale4 = parse("192.0.2.99/32", ours);
	stale6 = parse("2001:db8::99/128", ours);
	assert_int_equal(nl_addr_add(s, other, &other_addr.addr, 32), 1);
	assert_int_equal(nl_addr_add(s, ours, &stale4.addr, 32), 1);
	assert_int_equal(nl_addr_add(s, ours, &stale6.addr, 128), 1);
	dump(s, ours, &l);
	link_scope = l.n - n_global(&l);

	want[0] = parse("192.0.2.1/32", 0);
	want[1] = parse("2001:db8::1/128", 0);
	want[2] = parse("203.0.113.200/32", 0); /* the other interface has it */
	want[3] = parse("192.0.2.99/24", 0);    /* there as /32: replaced */
	assert_int_equal(reconcile(s, ours, want, 4, &p), 0);
	assert_int_equal(p.n_conflict, 1);
	assert_int_equal(p.conflict[0].ifindex, other);
	assert_int_equal(p.n_del, 2);
	assert_int_equal(p.n_add, 3);

	dump(s, ours, &l);
	assert_int_equal(n_global(&l), 3);
	for (int i = 0; i < 4; i++) {
		struct nl_addr x = want[i];

		x.ifindex = ours;
		if (i == 2)
			assert_null(find(&l, &x));
		else
			assert_non_null(find(&l, &x));
	}
	assert_int_equal(l.n - n_global(&l), link_scope); /* link-local untouched */
	dump(s, other, &l);
	assert_non_null(find(&l, &other_addr));

	/* Idempotent: nothing to do the second time. */
	assert_int_equal(reconcile(s, ours, want, 4, &p), 0);
	assert_int_equal(p.n_add + p.n_del, 0);
	assert_int_equal(p.n_conflict, 1);

	/* Nothing wanted: our global addresses go, the other's stays. */
	assert_int_equal(reconcile(s, ours, NULL, 0, &p), 0);
	assert_int_equal(p.n_del, 3);
	dump(s, ours, &l);
	assert_int_equal(n_global(&l), 0);
	dump(s, other, &l);
	assert_non_null(find(&l, &other_addr));

	/* One address with two lengths: refused before anything changes. */
	want[0] = parse("192.0.2.1/32", 0);
	want[1] = parse("192.0.2.1/31", 0);
	assert_int_equal(reconcile(s, ours, want, 2, &p), -EINVAL);
	assert_non_null(strstr(nl_error(s), "plan addresses"));
	assert_int_equal(p.n_add + p.n_del + p.n_conflict, 0);
	dump(s, ours, &l);
	assert_int_equal(n_global(&l), 0);

	nl_plan_fini(&p);
	assert_int_equal(nl_link_delete(s, "btlive3", kind()), 1);
	assert_int_equal(nl_link_delete(s, "btother", kind()), 1);
}

/* ---- many addresses, with the node's addresses changing meanwhile ---- */

#define MANY 3000

static int count_global(const struct nl_addr *a, void *arg)
{
	*(size_t *)arg += a->scope == RT_SCOPE_UNIVERSE;
	return 0;
}

static size_t n_global_of(struct nl_sock *s, int ifindex)
{
	size_t n = 0;
	int rc = -EINTR;

	for (int i = 0; i < 8 && rc == -EINTR; i++) {
		n = 0;
		rc = nl_addr_dump(s, ifindex, count_global, &n);
	}
	assert_int_equal(rc, 0);
	return n;
}

/* A change on another socket while a dump is being read: the dump's later
 * parts carry NLM_F_DUMP_INTR. One IPv4 and one IPv6 address, whichever
 * family the dump is in. */
struct mid_change {
	struct nl_sock *side;
	struct nl_addr a4, a6; /* added on a4.ifindex when fired */
	size_t calls, fire_at;
	int fired;
};

static void mid_change_step(struct mid_change *m)
{
	if (++m->calls != m->fire_at)
		return;
	m->fired++;
	assert_int_equal(nl_addr_add(m->side, m->a4.ifindex, &m->a4.addr, m->a4.prefixlen), 1);
	assert_int_equal(nl_addr_add(m->side, m->a6.ifindex, &m->a6.addr, m->a6.prefixlen), 1);
}

static int change_in_dump(const struct nl_addr *a, void *arg)
{
	mid_change_step(arg);
	return 0;
}

static void test_reconcile_many(void **state)
{
	struct nl_sock *s = *state;
	struct nl_addr *want, conflict;
	struct mid_change m;
	struct nl_plan p;
	int ours = 0, other = 0, rc;

	LIVE_OR_SKIP(state);
	want = calloc(MANY, sizeof(*want));
	assert_non_null(want);
	assert_true(ensure(s, "btlive3", kind(), &ours) >= 0);
	assert_true(ensure(s, "btother", kind(), &other) >= 0);
	/* 198.18.0.0/15 (RFC 2544), one in three from 2001:db8:3::/64. */
	for (size_t i = 0; i < MANY; i++) {
		char t[64];

		if (i % 3 == 2)
			snprintf(t, sizeof(t), "2001:db8:3::%zx/128", i);
		else
			snprintf(t, sizeof(t), "198.18.%zu.%zu/32", i >> 8, i & 255);
		want[i] = parse(t, 0);
	}
	conflict = want[5];
	conflict.ifindex = other;
	assert_int_equal(nl_addr_add(s, other, &conflict.addr, conflict.prefixlen), 1);
	nl_plan_init(&p);
	assert_int_equal(reconcile(s, ours, want, MANY, &p), 0);
	assert_int_equal(p.n_add, MANY - 1);
	assert_int_equal(p.n_del, 0);
	assert_int_equal(p.n_conflict, 1);
	assert_int_equal(p.conflict[0].ifindex, other);
	assert_int_equal(n_global_of(s, ours), MANY - 1);
	assert_int_equal(reconcile(s, ours, want, MANY, &p), 0);
	assert_int_equal(p.n_add + p.n_del, 0);

	/* A change while a dump this long is read interrupts it... */
	memset(&m, 0, sizeof(m));
	assert_int_equal(nl_open(&m.side), 0);
	m.a4 = parse("203.0.113.201/32", other);
	m.a6 = parse("2001:db8:4::1/128", other);
	m.fire_at = 1;
	assert_int_equal(nl_addr_dump(s, 0, change_in_dump, &m), -EINTR);
	assert_int_equal(m.fired, 1);

	/* ... and nl_reconcile dumps again. Half of the addresses go, and
	 * want[7], which the change puts on the other interface too (halfway
	 * through nl_reconcile's first dump), is a conflict. */
	m.a4 = want[7];
	m.a4.ifindex = other;
	m.a6 = parse("2001:db8:4::2/128", other);
	m.calls = 0;
	m.fire_at = 1; /* the first address of the first dump */
	s->dump_spy = change_in_dump;
	s->dump_spy_arg = &m;
	rc = reconcile(s, ours, want, MANY / 2, &p);
	s->dump_spy = NULL;
	if (rc < 0)
		print_message("reconcile: %d %s\n", rc, nl_error(s));
	assert_int_equal(rc, 0);
	assert_int_equal(m.fired, 2);
	assert_true(m.calls > 2 * (MANY - 1)); /* dumped twice */
	/* Every del in one plan. */
	assert_int_equal(p.n_del, MANY - MANY / 2 + 1);
	assert_int_equal(p.n_add, 0);
	assert_int_equal(p.n_conflict, 2);
	for (size_t i = 0; i < p.n_conflict; i++)
		assert_int_equal(p.conflict[i].ifindex, other);
	assert_int_equal(n_global_of(s, ours), MANY / 2 - 2);
	assert_int_equal(reconcile(s, ours, want, MANY / 2, &p), 0);
	assert_int_equal(p.n_add + p.n_del, 0);
	assert_int_equal(p.n_conflict, 2);
	/* Emptied; the other interface keeps its own. */
	assert_int_equal(reconcile(s, ours, NULL, 0, &p), 0);
	assert_int_equal(p.n_del, MANY / 2 - 2);
	assert_int_equal(n_global_of(s, ours), 0);
	assert_true(n_global_of(s, other) > 0);

	nl_close(m.side);
	nl_plan_fini(&p);
	free(want);
	assert_int_equal(nl_link_delete(s, "btlive3", kind()), 1);
	assert_int_equal(nl_link_delete(s, "btother", kind()), 1);
}

/* ---- steps for tests/e2e/test_netlink.sh ---- */

static bool listed(const char *list, const struct nl_addr *a)
{
	char ip[INET6_ADDRSTRLEN], buf[1024];
	char *save = NULL;

	inet_ntop(a->addr.family, a->addr.bytes, ip, sizeof(ip));
	snprintf(buf, sizeof(buf), "%s", list ? list : "");
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (!strcmp(t, ip))
			return true;
	return false;
}

static void test_phase(void **state)
{
	struct nl_sock *s = *state;
	const char *phase = getenv("BERTH_NETLINK_PHASE");
	const char *expect;
	int ifindex = 0, rc;
	char b[64];

	LIVE_OR_SKIP(state);
	if (!strcmp(phase, "refuse")) {
		assert_int_equal(nl_link_ensure(s, ifname(), kind(), &ifindex), -EEXIST);
		print_message("refused: %s\n", nl_error(s));
		assert_int_equal(nl_link_delete(s, ifname(), kind()), -EEXIST);
		print_message("refused: %s\n", nl_error(s));
	} else if (!strcmp(phase, "delete")) {
		expect = getenv("BERTH_NETLINK_EXPECT_DELETED");
		rc = nl_link_delete(s, ifname(), kind());
		print_message("delete %s: %d %s\n", ifname(), rc, nl_error(s));
		assert_int_equal(rc, expect && !strcmp(expect, "0") ? 0 : 1);
	} else if (!strcmp(phase, "apply")) {
		struct nl_addr want[32];
		size_t n = 0;
		char buf[1024], *save = NULL;
		struct nl_plan p;
		const char *conf = getenv("BERTH_NETLINK_EXPECT_CONFLICTS");

		snprintf(buf, sizeof(buf), "%s",
		         getenv("BERTH_NETLINK_WANT") ? getenv("BERTH_NETLINK_WANT") : "");
		for (char *t = strtok_r(buf, " ", &save); t && n < 32;
		     t = strtok_r(NULL, " ", &save))
			want[n++] = parse(t, 0);
		rc = ensure(s, ifname(), kind(), &ifindex);
		assert_true(rc >= 0);
		print_message("%s %s: ifindex %d\n", rc ? "created" : "found", ifname(), ifindex);
		nl_plan_init(&p);
		rc = reconcile(s, ifindex, want, n, &p);
		if (rc < 0)
			print_message("reconcile: %d %s\n", rc, nl_error(s));
		assert_int_equal(rc, 0);
		for (size_t i = 0; i < p.n_del; i++)
			print_message("del %s\n", fmt(&p.del[i], b, sizeof(b)));
		for (size_t i = 0; i < p.n_add; i++)
			print_message("add %s\n", fmt(&p.add[i], b, sizeof(b)));
		for (size_t i = 0; i < p.n_conflict; i++) {
			print_message("conflict %s on ifindex %d\n",
			              fmt(&p.conflict[i], b, sizeof(b)), p.conflict[i].ifindex);
			assert_true(listed(conf, &p.conflict[i]));
		}
		for (size_t i = 0; i < n; i++) {
			bool found = false;

			for (size_t j = 0; j < p.n_conflict; j++)
				found |= !memcmp(&p.conflict[j].addr, &want[i].addr,
				                 sizeof(want[i].addr));
			assert_int_equal(found, listed(conf, &want[i]));
		}
		expect = getenv("BERTH_NETLINK_EXPECT_CHANGES");
		if (expect && *expect)
			assert_int_equal(p.n_add + p.n_del, (size_t)atoi(expect));
		nl_plan_fini(&p);
	} else {
		fail_msg("unknown BERTH_NETLINK_PHASE %s", phase);
	}
}

int main(void)
{
	const struct CMUnitTest self[] = {
	    cmocka_unit_test_setup_teardown(test_link_ensure, clean, clean),
	    cmocka_unit_test_setup_teardown(test_link_refuse, clean, clean),
	    cmocka_unit_test_setup_teardown(test_addr_add_del, clean, clean),
	    cmocka_unit_test_setup_teardown(test_reconcile, clean, clean),
	    cmocka_unit_test_setup_teardown(test_reconcile_many, clean, clean),
	};
	const struct CMUnitTest phase[] = {
	    cmocka_unit_test(test_phase),
	};

	if (getenv("BERTH_NETLINK_PHASE"))
		return cmocka_run_group_tests(phase, setup, teardown);
	return cmocka_run_group_tests(self, setup, teardown);
}
