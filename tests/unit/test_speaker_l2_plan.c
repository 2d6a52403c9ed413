/*
 * The layer 2 plan (speaker/l2_plan.h): which node answers ARP and
 * neighbour discovery for each address of a layer2 Eip, and whom each
 * speaker watches.
 *
 * First cases built from manifests: only layer2 addresses, sorted, one
 * entry each; a dual-stack Service and Services sharing addresses (a
 * chain too) have one owner; node eligibility (cordoned, Ready=False,
 * the exclude label, externalTrafficPolicy Local and its endpoints); a
 * set without Nodes; can_own and the depth of the order of succession;
 * the watch set. Then properties over random clusters under seeded
 * PRNGs (a failure prints the case's seed; BERTH_L2_PLAN_SEED=<seed>
 * replays that case alone): one eligible owner per address, the same
 * plan on every node, removing a node moves only its addresses, a node
 * that cannot own hands over to the next place within `places` and no
 * further, and owners spread.
 *
 * Expected owners come from l2/owner.h (l2_owner_rank) over eligible
 * nodes the test works out itself, with the keys l2_plan.h states, so a
 * wrong key, filter, group or depth shows as another owner. Each case
 * also asserts that the broken rule it guards against would have given
 * another answer here (its power), so no check passes by luck.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "l2/owner.h"
#include "speaker/l2_plan.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- manifests ---- */

/* A growing text buffer for generated manifests. */
struct ybuf {
	char *s;
	size_t n, cap;
};

static void __attribute__((format(printf, 2, 3))) yadd(struct ybuf *b, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (!b->s) {
		b->cap = 4096;
		b->s = malloc(b->cap);
		assert_non_null(b->s);
	}
	for (;;) {
		size_t room = b->cap - b->n;

		va_start(ap, fmt);
		w = vsnprintf(b->s + b->n, room, fmt, ap);
		va_end(ap);
		assert_true(w >= 0);
		if ((size_t)w < room)
			break;
		b->cap = b->cap * 2 + (size_t)w + 256;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
	b->n += (size_t)w;
}

static void yeip(struct ybuf *b, const char *name, const char *range, bool layer2)
{
	yadd(b,
	     "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata: {name: %s}\n"
	     "spec: {address: '%s'%s}\n---\n",
	     name, range, layer2 ? ", protocol: layer2, interface: eth0" : ", protocol: bgp");
}

/* extra: a YAML fragment after metadata (spec, status), or "". */
static void ynode(struct ybuf *b, const char *name, const char *extra)
{
	yadd(b, "apiVersion: v1\nkind: Node\nmetadata: {name: %s}\n%s\n---\n", name, extra);
}

/* ips: space-separated status.loadBalancer.ingress addresses. ns NULL:
 * no metadata.namespace. */
static void ysvc(struct ybuf *b, const char *ns, const char *name, const char *type,
                 const char *etp, const char *ips)
{
	const char *p = ips;

	if (ns)
		yadd(b, "apiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: %s}\n",
		     name, ns);
	else
		yadd(b, "apiVersion: v1\nkind: Service\nmetadata: {name: %s}\n", name);
	yadd(b, "spec: {type: %s, externalTrafficPolicy: %s}\nstatus: {loadBalancer: {ingress: [",
	     type, etp);
	while (*p) {
		size_t len = strcspn(p, " ");

		yadd(b, "%s{ip: '%.*s'}", p == ips ? "" : ", ", (int)len, p);
		p += len;
		p += strspn(p, " ");
	}
	yadd(b, "]}}\n---\n");
}

/* nodes: space-separated node names of endpoints, "!name" for one that
 * is not ready. */
static void yslice(struct ybuf *b, const char *ns, const char *name, const char *svc,
                   const char *nodes)
{
	const char *p = nodes;
	int k = 0;

	yadd(b,
	     "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: %s, "
	     "namespace: %s, labels: {kubernetes.io/service-name: %s}}\naddressType: IPv4\n"
	     "endpoints: [",
	     name, ns, svc);
	while (*p) {
		size_t len = strcspn(p, " ");
		bool unready = *p == '!';

		yadd(b, "%s{addresses: [10.0.0.%d], nodeName: %.*s, conditions: {ready: %s}}",
		     k ? ", " : "", k + 1, (int)(len - unready), p + unready,
		     unready ? "false" : "true");
		k++;
		p += len;
		p += strspn(p, " ");
	}
	yadd(b, "]\n---\n");
}

static void load(struct cfg_set *set, const char *yaml)
{
	struct cfg_error err;

	cfg_set_init(set);
	cfg_error_init(&err, "t.yaml", NULL);
	if (cfg_manifest_load_buf("t.yaml", yaml, strlen(yaml), set, &err) < 0)
		fail_msg("load: %s", err.msg);
}

static void yload(struct cfg_set *set, struct ybuf *b)
{
	load(set, b->s);
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static struct core_addr ip(const char *s)
{
	struct core_addr a;

	if (core_addr_parse(s, &a) < 0)
		fail_msg("bad address %s", s);
	return a;
}

/* ---- plans ---- */

static const struct lb_announce_opts cluster = {.endpoints_known = true};

/* can_own: false for the listed nodes, on every Eip or on one Eip only. */
struct deny {
	const char *nodes[8];
	size_t n;
	const struct cfg_eip *eip; /* NULL: every Eip */
	unsigned calls;
};

static bool can_own(const char *node, const struct cfg_eip *e, void *arg)
{
	struct deny *d = arg;

	assert_non_null(node);
	assert_non_null(e);
	assert_int_equal(e->protocol, CFG_EIP_LAYER2);
	if (!d)
		return true;
	d->calls++;
	if (d->eip && d->eip != e)
		return true;
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->nodes[i], node))
			return false;
	return true;
}

/* Entries strictly sorted (so one per address), watch sorted and distinct. */
static void check_shape(const struct l2_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		assert_non_null(p->v[i].svc);
		assert_non_null(p->v[i].eip);
		assert_int_equal(p->v[i].eip->protocol, CFG_EIP_LAYER2);
		if (i)
			assert_true(core_addr_cmp(&p->v[i - 1].addr, &p->v[i].addr) < 0);
		assert_ptr_equal(l2_plan_find(p, &p->v[i].addr), &p->v[i]);
	}
	for (size_t i = 1; i < p->n_watch; i++)
		assert_true(strcmp(p->watch[i - 1], p->watch[i]) < 0);
}

static void build(const struct cfg_set *set, const char *node, const struct lb_announce_opts *ann,
                  size_t places, struct deny *d, struct l2_plan *p)
{
	struct l2_plan_opts o = {
	    .node = node, .places = places, .ann = ann, .can_own = can_own, .arg = d};

	assert_int_equal(l2_plan_build(set, &o, p), 0);
	check_shape(p);
}

static const struct l2_plan_addr *entry(const struct l2_plan *p, const char *a)
{
	struct core_addr x = ip(a);
	const struct l2_plan_addr *e = l2_plan_find(p, &x);

	if (!e)
		fail_msg("%s is not in the plan", a);
	return e;
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

#define assert_owner(got, want)                                                                    \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		if (!same(g_, w_))                                                                 \
			fail_msg("owner %s, expected %s", g_ ? g_ : "(none)", w_ ? w_ : "(none)"); \
	} while (0)

static const char *owner_of(const struct l2_plan *p, const char *a)
{
	return entry(p, a)->owner;
}

/* The first k places of the order of succession for key among nodes[0..n),
 * as names into out; how many. The oracle: l2/owner.h itself. */
static size_t rank(const char *key, const char *const *nodes, size_t n, size_t k, const char **out)
{
	struct l2_owner_place pl[64];
	int m;

	assert_true(k <= ARRAY_LEN(pl));
	if (!n || !k)
		return 0;
	m = l2_owner_rank(key, nodes, n, pl, k);
	assert_true(m > 0);
	for (int i = 0; i < m; i++)
		out[i] = nodes[pl[i].idx];
	return (size_t)m;
}

static const char *pick(const char *key, const char *const *nodes, size_t n)
{
	const char *o = NULL;

	rank(key, nodes, n, 1, &o);
	return o;
}

static const char *const eight[] = {"n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"};

static void eight_nodes(struct ybuf *b)
{
	for (size_t i = 0; i < ARRAY_LEN(eight); i++)
		ynode(b, eight[i], "");
}

/* ---- cases ---- */

static void test_only_layer2_addresses(void **state)
{
	static const struct {
		const char *addr, *svc, *eip, *key;
	} in[] = {
	    {"203.0.113.1", "g", "l2-v4", "default/g"}, /* no namespace: "default" */
	    {"203.0.113.5", "a", "l2-v4", "ns/a"},
	    {"203.0.113.9", "m", "l2-v4", "ns/m"},  /* listed twice: one entry */
	    {"203.0.113.20", "j", "l2-v4", "ns/j"}, /* its other address is bgp's */
	    {"203.0.113.31", "h", "l2-v4", "ns/h"}, /* the last of the /27 */
	    {"2001:db8::9", "f", "l2-v6", "ns/f"},
	    {"2001:db8::ff", "k", "l2-v6", "ns/k"},
	};
	static const char *const out[] = {"203.0.113.40", "203.0.113.6",   "203.0.113.7",
	                                  "198.51.100.1", "2001:db8::100", "203.0.113.32",
	                                  "203.0.113.33"};
	/* Local without endpoint knowledge counts as Cluster: every node */
	struct lb_announce_opts ann = {.endpoints_known = false};
	struct ybuf b = {0};
	struct cfg_set set, none;
	struct l2_plan p;
	struct core_addr x;
	size_t differ = 0;

	eight_nodes(&b);
	yeip(&b, "l2-v4", "203.0.113.0/27", true);
	yeip(&b, "bgp-v4", "203.0.113.32/27", false);
	yeip(&b, "l2-v6", "2001:db8::/120", true);
	ysvc(&b, "ns", "a", "LoadBalancer", "Cluster", "203.0.113.5");
	ysvc(&b, "ns", "b", "LoadBalancer", "Cluster", "203.0.113.40");
	ysvc(&b, "ns", "c", "NodePort", "Cluster", "203.0.113.6");
	ysvc(&b, "ns", "d", "ClusterIP", "Cluster", "203.0.113.7");
	ysvc(&b, "ns", "e", "LoadBalancer", "Cluster", "198.51.100.1");
	ysvc(&b, "ns", "f", "LoadBalancer", "Cluster", "2001:db8::9");
	ysvc(&b, NULL, "g", "LoadBalancer", "Cluster", "203.0.113.1");
	ysvc(&b, "ns", "h", "LoadBalancer", "Cluster", "203.0.113.31");
	ysvc(&b, "ns", "i", "LoadBalancer", "Cluster", "203.0.113.32");
	ysvc(&b, "ns", "j", "LoadBalancer", "Cluster", "203.0.113.33 203.0.113.20");
	ysvc(&b, "ns", "k", "LoadBalancer", "Local", "2001:db8::ff 2001:db8::100");
	ysvc(&b, "ns", "m", "LoadBalancer", "Cluster", "203.0.113.9 203.0.113.9");
	yload(&set, &b);
	/* the Services that are not LoadBalancers do carry an address */
	assert_int_equal(cfg_set_service(&set, "ns", "c")->n_ingress, 1);
	assert_int_equal(cfg_set_service(&set, "ns", "d")->n_ingress, 1);

	l2_plan_init(&p);
	build(&set, "n1", &ann, 0, NULL, &p);
	assert_int_equal(p.n, ARRAY_LEN(in));
	for (size_t i = 0; i < ARRAY_LEN(in); i++) {
		const struct l2_plan_addr *e = &p.v[i];

		x = ip(in[i].addr);
		assert_true(core_addr_equal(&e->addr, &x));
		assert_string_equal(e->svc->meta.name, in[i].svc);
		assert_string_equal(e->eip->meta.name, in[i].eip);
		assert_ptr_equal(l2_plan_eip(&set, &x), e->eip);
		/* A Service alone: its key "ns/name", over all eight nodes */
		assert_owner(e->owner, pick(in[i].key, eight, ARRAY_LEN(eight)));
	}
	for (size_t i = 0; i < ARRAY_LEN(out); i++) {
		x = ip(out[i]);
		assert_null(l2_plan_find(&p, &x));
	}
	x = ip("203.0.113.40");
	assert_null(l2_plan_eip(&set, &x)); /* a bgp Eip's */
	x = ip("198.51.100.1");
	assert_null(l2_plan_eip(&set, &x)); /* no Eip's */
	x = ip("2001:db8::");
	assert_string_equal(l2_plan_eip(&set, &x)->meta.name, "l2-v6");

	/* Power: an address key would have moved some of them. */
	for (size_t i = 0; i < ARRAY_LEN(in); i++)
		differ += !same(pick(in[i].key, eight, 8), pick(in[i].addr, eight, 8));
	assert_true(differ > 0);
	assert_false(same(pick("default/g", eight, 8), pick("ns/g", eight, 8)));

	/* No layer2 address at all: an empty plan (the one in p is
	 * emptied first). */
	b = (struct ybuf){0};
	eight_nodes(&b);
	yeip(&b, "bgp-v4", "203.0.113.32/27", false);
	ysvc(&b, "ns", "b", "LoadBalancer", "Cluster", "203.0.113.40");
	yload(&none, &b);
	build(&set, "n2", &ann, 0, NULL, &p);
	assert_int_equal(p.n, ARRAY_LEN(in));
	assert_true(p.n_watch > 0);
	build(&none, "n2", &cluster, 0, NULL, &p);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.n_watch, 0);
	l2_plan_fini(&p);
	assert_null(p.v);
	assert_null(p.watch);
	cfg_set_fini(&none);
	cfg_set_fini(&set);
}

static void test_dual_stack_one_owner(void **state)
{
	struct ybuf b = {0};
	struct cfg_set set;
	struct l2_plan p;
	size_t differ = 0;
	char name[16], v4[32], v6[32], ips[80];

	eight_nodes(&b);
	yeip(&b, "l2-v4", "203.0.113.0/24", true);
	yeip(&b, "l2-v6", "2001:db8::/112", true);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		snprintf(ips, sizeof(ips), "203.0.113.%d 2001:db8::%x", 10 + i, 0xa0 + i);
		ysvc(&b, "ns", name, "LoadBalancer", "Cluster", ips);
	}
	yload(&set, &b);
	l2_plan_init(&p);
	build(&set, "n1", &cluster, 0, NULL, &p);
	assert_int_equal(p.n, 40);
	for (int i = 0; i < 20; i++) {
		const struct l2_plan_addr *a, *c;
		char key[32];

		snprintf(v4, sizeof(v4), "203.0.113.%d", 10 + i);
		snprintf(v6, sizeof(v6), "2001:db8::%x", 0xa0 + i);
		snprintf(key, sizeof(key), "ns/d%d", i);
		a = entry(&p, v4);
		c = entry(&p, v6);
		assert_non_null(a->owner);
		assert_owner(c->owner, a->owner);
		assert_owner(a->owner, pick(key, eight, 8));
		assert_ptr_equal(a->svc, c->svc);
		assert_string_equal(a->eip->meta.name, "l2-v4");
		assert_string_equal(c->eip->meta.name, "l2-v6");
		differ += !same(pick(v4, eight, 8), pick(v6, eight, 8));
	}
	/* Power: owners by address would have split some of them. */
	assert_true(differ > 0);
	l2_plan_fini(&p);
	cfg_set_fini(&set);
}

static void test_sharing_groups(void **state)
{
	struct ybuf b = {0};
	struct cfg_set set;
	struct l2_plan p;
	size_t power = 0;
	char n[16], ips[96], a[8][32];

	eight_nodes(&b);
	yeip(&b, "l2-v4", "203.0.113.0/24", true);
	yeip(&b, "l2-v6", "2001:db8::/112", true);
	for (int g = 0; g < 6; g++) {
		int x = 40 * g;

		/* chain A-B-C: A and B share x+21, B and C x+22; C is dual-stack
		 * and holds the group's smallest address, x+3 */
		snprintf(n, sizeof(n), "a%d", g);
		snprintf(ips, sizeof(ips), "203.0.113.%d 203.0.113.%d", x + 20, x + 21);
		ysvc(&b, "ns", n, "LoadBalancer", "Cluster", ips);
		snprintf(n, sizeof(n), "b%d", g);
		snprintf(ips, sizeof(ips), "203.0.113.%d 203.0.113.%d", x + 21, x + 22);
		ysvc(&b, "ns", n, "LoadBalancer", "Cluster", ips);
		snprintf(n, sizeof(n), "c%d", g);
		snprintf(ips, sizeof(ips), "203.0.113.%d 203.0.113.%d 2001:db8::%d", x + 22, x + 3,
		         g + 1);
		ysvc(&b, "ns", n, "LoadBalancer", "Cluster", ips);
		/* D and E share one address; F is alone */
		snprintf(n, sizeof(n), "d%d", g);
		snprintf(ips, sizeof(ips), "203.0.113.%d", x + 30);
		ysvc(&b, "ns", n, "LoadBalancer", "Cluster", ips);
		snprintf(n, sizeof(n), "e%d", g);
		ysvc(&b, "other", n, "LoadBalancer", "Cluster", ips);
		snprintf(n, sizeof(n), "f%d", g);
		snprintf(ips, sizeof(ips), "203.0.113.%d", x + 35);
		ysvc(&b, "ns", n, "LoadBalancer", "Cluster", ips);
	}
	yload(&set, &b);
	l2_plan_init(&p);
	build(&set, "n1", &cluster, 0, NULL, &p);
	assert_int_equal(p.n, 6 * 7);
	for (int g = 0; g < 6; g++) {
		int x = 40 * g;
		const char *o;
		char key[32];

		snprintf(a[0], 32, "203.0.113.%d", x + 3);
		snprintf(a[1], 32, "203.0.113.%d", x + 20);
		snprintf(a[2], 32, "203.0.113.%d", x + 21);
		snprintf(a[3], 32, "203.0.113.%d", x + 22);
		snprintf(a[4], 32, "2001:db8::%d", g + 1);
		/* the group's key: its smallest address */
		o = pick(a[0], eight, 8);
		assert_non_null(o);
		for (int k = 0; k < 5; k++)
			assert_owner(owner_of(&p, a[k]), o);
		/* the entry names the first Service with the address */
		snprintf(n, sizeof(n), "a%d", g);
		assert_string_equal(entry(&p, a[2])->svc->meta.name, n);
		snprintf(n, sizeof(n), "b%d", g);
		assert_string_equal(entry(&p, a[3])->svc->meta.name, n);
		snprintf(n, sizeof(n), "c%d", g);
		assert_string_equal(entry(&p, a[0])->svc->meta.name, n);
		/* Power: by Service (any of the three), or by first address */
		for (int s = 0; s < 3; s++) {
			snprintf(key, sizeof(key), "ns/%c%d", "abc"[s], g);
			power += !same(pick(key, eight, 8), o);
		}
		power += !same(pick(a[1], eight, 8), o);

		snprintf(a[5], 32, "203.0.113.%d", x + 30);
		assert_owner(owner_of(&p, a[5]), pick(a[5], eight, 8));
		snprintf(n, sizeof(n), "d%d", g);
		assert_string_equal(entry(&p, a[5])->svc->meta.name, n);
		snprintf(key, sizeof(key), "ns/d%d", g);
		power += !same(pick(key, eight, 8), pick(a[5], eight, 8));
		snprintf(key, sizeof(key), "other/e%d", g);
		power += !same(pick(key, eight, 8), pick(a[5], eight, 8));

		snprintf(a[6], 32, "203.0.113.%d", x + 35);
		snprintf(key, sizeof(key), "ns/f%d", g);
		assert_owner(owner_of(&p, a[6]), pick(key, eight, 8));
		power += !same(pick(key, eight, 8), pick(a[6], eight, 8));
	}
	assert_true(power >= 6);
	l2_plan_fini(&p);
	cfg_set_fini(&set);
}

/* Under Local, a group's eligible nodes have an endpoint of every Local
 * Service in it. */
static void test_sharing_local(void **state)
{
	static const char *const n56[] = {"n5", "n6"};
	struct ybuf b = {0};
	struct lb_announce_opts unknown = {.endpoints_known = false};
	struct cfg_set set;
	struct l2_plan p;

	eight_nodes(&b);
	yeip(&b, "l2-v4", "203.0.113.0/24", true);
	/* G and H share .100: only n3 has endpoints of both */
	ysvc(&b, "ns", "g", "LoadBalancer", "Local", "203.0.113.100");
	ysvc(&b, "ns", "h", "LoadBalancer", "Local", "203.0.113.101 203.0.113.100");
	yslice(&b, "ns", "g-1", "g", "n2 n3");
	yslice(&b, "ns", "h-1", "h", "n4");
	yslice(&b, "ns", "h-2", "h", "n3 !n2");
	/* K (Cluster) and L (Local) share .110: L's endpoints decide */
	ysvc(&b, "ns", "k", "LoadBalancer", "Cluster", "203.0.113.111 203.0.113.110");
	ysvc(&b, "ns", "l", "LoadBalancer", "Local", "203.0.113.110");
	yslice(&b, "ns", "l-1", "l", "n5 n6");
	/* M and N share .120; M's endpoints and N's have no node in common */
	ysvc(&b, "ns", "m", "LoadBalancer", "Local", "203.0.113.120");
	ysvc(&b, "ns", "n", "LoadBalancer", "Local", "203.0.113.120 203.0.113.121");
	yslice(&b, "ns", "m-1", "m", "n1 n2");
	yslice(&b, "ns", "n-1", "n", "n3 n4");
	yload(&set, &b);
	l2_plan_init(&p);
	build(&set, "n1", &cluster, 0, NULL, &p);
	assert_int_equal(p.n, 6);
	assert_owner(owner_of(&p, "203.0.113.100"), "n3");
	assert_owner(owner_of(&p, "203.0.113.101"), "n3");
	assert_owner(owner_of(&p, "203.0.113.110"), pick("203.0.113.110", n56, 2));
	assert_owner(owner_of(&p, "203.0.113.111"), pick("203.0.113.110", n56, 2));
	assert_null(owner_of(&p, "203.0.113.120"));
	assert_null(owner_of(&p, "203.0.113.121"));
	/* without endpoint knowledge every node is eligible */
	build(&set, "n1", &unknown, 0, NULL, &p);
	assert_owner(owner_of(&p, "203.0.113.100"), pick("203.0.113.100", eight, 8));
	assert_owner(owner_of(&p, "203.0.113.101"), pick("203.0.113.100", eight, 8));
	assert_owner(owner_of(&p, "203.0.113.120"), pick("203.0.113.120", eight, 8));
	assert_owner(owner_of(&p, "203.0.113.110"), pick("203.0.113.110", eight, 8));
	l2_plan_fini(&p);
	cfg_set_fini(&set);
}

static void test_node_state(void **state)
{
	static const char *const banned[] = {"cordoned", "notready", "excluded"};
	static const char *const ok[] = {"unknown", "ready", "n1", "n2"};
	static const char *const all[] = {"cordoned", "notready", "excluded", "unknown",
	                                  "ready",    "n1",       "n2"};
	size_t hit[ARRAY_LEN(banned)] = {0};
	struct ybuf b = {0};
	struct cfg_set set;
	struct l2_plan p;
	char name[16], ips[32], key[32];

	ynode(&b, "cordoned", "spec: {unschedulable: true}");
	ynode(&b, "notready", "status: {conditions: [{type: Ready, status: 'False'}]}");
	yadd(&b, "apiVersion: v1\nkind: Node\nmetadata:\n  name: excluded\n  labels: "
	         "{node.kubernetes.io/exclude-from-external-load-balancers: ''}\n---\n");
	ynode(&b, "unknown", "status: {conditions: [{type: Ready, status: Unknown}]}");
	ynode(&b, "ready", "status: {conditions: [{type: Ready, status: 'True'}]}");
	ynode(&b, "n1", "");
	ynode(&b, "n2", "");
	yeip(&b, "l2-v4", "203.0.113.0/24", true);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		snprintf(ips, sizeof(ips), "203.0.113.%d", i + 1);
		ysvc(&b, "ns", name, "LoadBalancer", "Cluster", ips);
	}
	yload(&set, &b);
	l2_plan_init(&p);
	build(&set, "n1", &cluster, 0, NULL, &p);
	assert_int_equal(p.n, 40);
	for (int i = 0; i < 40; i++) {
		const char *o;

		snprintf(ips, sizeof(ips), "203.0.113.%d", i + 1);
		snprintf(key, sizeof(key), "ns/s%d", i);
		assert_owner(owner_of(&p, ips), pick(key, ok, ARRAY_LEN(ok)));
		o = pick(key, all, ARRAY_LEN(all));
		for (size_t k = 0; k < ARRAY_LEN(banned); k++)
			hit[k] += !strcmp(o, banned[k]);
	}
	/* Power: each banned node would have owned some address. */
	for (size_t k = 0; k < ARRAY_LEN(banned); k++)
		assert_true(hit[k] > 0);
	l2_plan_fini(&p);
	cfg_set_fini(&set);

	/* No node takes traffic: every address stays, with no owner. */
	b = (struct ybuf){0};
	ynode(&b, "cordoned", "spec: {unschedulable: true}");
	ynode(&b, "notready", "status: {conditions: [{type: Ready, status: 'False'}]}");
	yeip(&b, "l2-v4", "203.0.113.0/24", true);
	ysvc(&b, "ns", "s", "LoadBalancer", "Cluster", "203.0.113.1");
	ysvc(&b, "ns", "t", "LoadBalancer", "Cluster", "203.0.113.2");
	yload(&set, &b);
	build(&set, "cordoned", &cluster, 0, NULL, &p);
	assert_int_equal(p.n, 2);
	assert_null(p.v[0].owner);
	assert_null(p.v[1].owner);
	assert_false(p.v[0].watched);
	assert_int_equal(p.n_watch, 0);
	l2_plan_fini(&p);
	cfg_set_fini(&set);
}

static void local_set(struct cfg_set *set, const char *l1_nodes)
{
	struct ybuf b = {0};

	for (size_t i = 0; i < 6; i++)
		ynode(&b, eight[i], "");
	ynode(&b, "c1", "spec: {unschedulable: true}");
	yeip(&b, "l2-v4", "203.0.113.0/24", true);
	ysvc(&b, "ns", "l1", "LoadBalancer", "Local", "203.0.113.1");
	yslice(&b, "ns", "l1-a", "l1", l1_nodes);
	ysvc(&b, "ns", "l2", "LoadBalancer", "Local", "203.0.113.2");
	yslice(&b, "ns", "l2-a", "l2", "!n4 n5");
	ysvc(&b, "ns", "l3", "LoadBalancer", "Local", "203.0.113.3");
	yslice(&b, "ns", "l3-a", "l3", "c1");
	ysvc(&b, "ns", "l4", "LoadBalancer", "Local", "203.0.113.4"); /* no slice */
	ysvc(&b, "ns", "l5", "LoadBalancer", "Local", "203.0.113.5");
	yslice(&b, "ns", "l5-a", "l5", "n1 n3");
	yslice(&b, "ns", "l5-b", "l5", "n6");
	ysvc(&b, "ns", "l6", "LoadBalancer", "Local", "203.0.113.6");
	yslice(&b, "other", "l6-a", "l6", "n1"); /* same name, other namespace */
	ysvc(&b, "ns", "c", "LoadBalancer", "Cluster", "203.0.113.7");
	yload(set, &b);
}

static bool ready_on_n6(const char *ns, const char *name, const char *node, void *arg)
{
	(void)arg;
	assert_string_equal(ns, "ns");
	return !strcmp(name, "l1") && !strcmp(node, "n6");
}

static void test_local_endpoints(void **state)
{
	static const char *const n136[] = {"n1", "n3", "n6"};
	struct lb_announce_opts unknown = {.endpoints_known = false};
	struct lb_announce_opts cb = {.endpoints_known = true, .ready_on = ready_on_n6};
	struct cfg_set set;
	struct l2_plan p;

	l2_plan_init(&p);
	local_set(&set, "n2");
	build(&set, "n1", &cluster, 0, NULL, &p);
	assert_int_equal(p.n, 7);
	assert_owner(owner_of(&p, "203.0.113.1"), "n2");
	assert_owner(owner_of(&p, "203.0.113.2"), "n5"); /* n4's endpoint is not ready */
	assert_null(owner_of(&p, "203.0.113.3"));        /* on a cordoned node only */
	assert_null(owner_of(&p, "203.0.113.4"));
	assert_owner(owner_of(&p, "203.0.113.5"), pick("ns/l5", n136, 3));
	assert_null(owner_of(&p, "203.0.113.6"));
	assert_owner(owner_of(&p, "203.0.113.7"), pick("ns/c", eight, 6));
	/* the endpoint's node, alone eligible, is first in line for it */
	build(&set, "n2", &cluster, 0, NULL, &p);
	assert_true(entry(&p, "203.0.113.1")->watched);
	assert_int_equal(entry(&p, "203.0.113.1")->self_place, 0);
	cfg_set_fini(&set);

	/* the endpoint moves: the owner follows */
	local_set(&set, "n3");
	build(&set, "n1", &cluster, 0, NULL, &p);
	assert_owner(owner_of(&p, "203.0.113.1"), "n3");
	cfg_set_fini(&set);
	local_set(&set, "!n3 n4");
	build(&set, "n1", &cluster, 0, NULL, &p);
	assert_owner(owner_of(&p, "203.0.113.1"), "n4");

	/* endpoints unknown: Local is Cluster */
	build(&set, "n1", &unknown, 0, NULL, &p);
	for (int i = 1; i <= 6; i++) {
		char a[32], key[16];

		snprintf(a, sizeof(a), "203.0.113.%d", i);
		snprintf(key, sizeof(key), "ns/l%d", i);
		assert_owner(owner_of(&p, a), pick(key, eight, 6));
	}
	/* the caller's index (ready_on) is asked instead of the slices */
	build(&set, "n1", &cb, 0, NULL, &p);
	assert_owner(owner_of(&p, "203.0.113.1"), "n6");
	assert_null(owner_of(&p, "203.0.113.2"));
	assert_owner(owner_of(&p, "203.0.113.7"), pick("ns/c", eight, 6));
	l2_plan_fini(&p);
	cfg_set_fini(&set);
}

static void test_no_nodes(void **state)
{
	struct lb_announce_opts manifest = {.endpoints_known = true,
	                                    .missing_node_announces = true};
	struct lb_announce_opts strict = {.endpoints_known = true};
	struct deny me = {.nodes = {"me"}, .n = 1};
	struct ybuf b = {0};
	struct cfg_set set;
	struct l2_plan p;

	yeip(&b, "l2-v4", "203.0.113.0/24", true);
	ysvc(&b, "ns", "c", "LoadBalancer", "Cluster", "203.0.113.1");
	ysvc(&b, "ns", "here", "LoadBalancer", "Local", "203.0.113.2");
	yslice(&b, "ns", "here-a", "here", "me");
	ysvc(&b, "ns", "there", "LoadBalancer", "Local", "203.0.113.3");
	yslice(&b, "ns", "there-a", "there", "other");
	yload(&set, &b);
	assert_int_equal(set.n_nodes, 0);
	l2_plan_init(&p);
	build(&set, "me", &manifest, 0, NULL, &p);
	assert_int_equal(p.n, 3);
	assert_owner(owner_of(&p, "203.0.113.1"), "me");
	assert_owner(owner_of(&p, "203.0.113.2"), "me");
	assert_null(owner_of(&p, "203.0.113.3"));
	assert_true(entry(&p, "203.0.113.1")->watched);
	assert_false(entry(&p, "203.0.113.3")->watched);
	assert_int_equal(p.n_watch, 0);
	/* another node's plan over the same set names that node */
	build(&set, "you", &manifest, 0, NULL, &p);
	assert_owner(owner_of(&p, "203.0.113.1"), "you");
	assert_null(owner_of(&p, "203.0.113.2"));
	/* cluster mode: a node unknown to the API server owns nothing */
	build(&set, "me", &strict, 0, NULL, &p);
	assert_null(owner_of(&p, "203.0.113.1"));
	assert_null(owner_of(&p, "203.0.113.2"));
	/* and one that cannot own (no interface yet) neither */
	build(&set, "me", &manifest, 0, &me, &p);
	assert_null(owner_of(&p, "203.0.113.1"));
	assert_true(me.calls > 0);
	l2_plan_fini(&p);
	cfg_set_fini(&set);
}

/* 40 single-stack v4 Services s0..s39 and 10 dual-stack d0..d9 over n1..n8. */
static void succession_set(struct cfg_set *set)
{
	struct ybuf b = {0};
	char name[16], ips[64];

	eight_nodes(&b);
	yeip(&b, "l2-v4", "203.0.113.0/24", true);
	yeip(&b, "l2-v6", "2001:db8::/112", true);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		snprintf(ips, sizeof(ips), "203.0.113.%d", i + 1);
		ysvc(&b, "ns", name, "LoadBalancer", "Cluster", ips);
	}
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		snprintf(ips, sizeof(ips), "203.0.113.%d 2001:db8::%x", i + 101, i + 1);
		ysvc(&b, "ns", name, "LoadBalancer", "Cluster", ips);
	}
	yload(set, &b);
}

/* The key of an address of succession_set, and its order over n1..n8. */
static void succession_rank(const struct core_addr *a, const char **r)
{
	char key[16];
	int last = a->bytes[a->family == AF_INET ? 3 : 15];

	if (a->family == AF_INET6)
		snprintf(key, sizeof(key), "ns/d%d", last - 1);
	else if (last > 100)
		snprintf(key, sizeof(key), "ns/d%d", last - 101);
	else
		snprintf(key, sizeof(key), "ns/s%d", last - 1);
	assert_int_equal(rank(key, eight, 8, 8, r), 8);
}

static bool denied(const struct deny *d, const char *node)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->nodes[i], node))
			return true;
	return false;
}

static void test_can_own_succession(void **state)
{
	static const size_t depths[] = {0, 1, 2, 3, 5, 8};
	struct cfg_set set;
	struct l2_plan p;
	struct core_addr s0 = ip("203.0.113.1");
	const char *r0[8];
	size_t beyond = 0;

	succession_set(&set);
	l2_plan_init(&p);
	succession_rank(&s0, r0); /* s0's order */
	/* Deny sets: s0's first place, its first two, its first three, and
	 * three fixed nodes; every depth. */
	struct deny sets[] = {
	    {.nodes = {r0[0]}, .n = 1},
	    {.nodes = {r0[0], r0[1]}, .n = 2},
	    {.nodes = {r0[0], r0[1], r0[2]}, .n = 3},
	    {.nodes = {"n1", "n2", "n3"}, .n = 3},
	};
	for (size_t s = 0; s < ARRAY_LEN(sets); s++) {
		for (size_t k = 0; k < ARRAY_LEN(depths); k++) {
			size_t depth = depths[k] ? depths[k] : L2_PLAN_PLACES;

			sets[s].calls = 0;
			build(&set, "n1", &cluster, depths[k], &sets[s], &p);
			assert_int_equal(p.n, 60);
			assert_true(sets[s].calls > 0);
			for (size_t i = 0; i < p.n; i++) {
				const char *r[8], *want = NULL;

				succession_rank(&p.v[i].addr, r);
				for (size_t j = 0; j < depth && !want; j++)
					if (!denied(&sets[s], r[j]))
						want = r[j];
				assert_owner(p.v[i].owner, want);
				/* Power: an owner further down exists */
				if (!want && depth < 8)
					beyond++;
			}
		}
	}
	assert_true(beyond > 0);
	build(&set, "n1", &cluster, 0, &sets[2], &p);
	assert_null(owner_of(&p, "203.0.113.1")); /* s0: its first 3 are gone */
	build(&set, "n1", &cluster, 4, &sets[2], &p);
	assert_owner(owner_of(&p, "203.0.113.1"), r0[3]);
	build(&set, "n1", &cluster, 1, &sets[0], &p);
	assert_null(owner_of(&p, "203.0.113.1"));
	build(&set, "n1", &cluster, 2, &sets[0], &p);
	assert_owner(owner_of(&p, "203.0.113.1"), r0[1]);
	l2_plan_fini(&p);
	cfg_set_fini(&set);
}

/* A node that cannot own one Eip of a dual-stack Service owns neither of
 * its addresses; its single-stack addresses of the other Eip stay. */
static void test_can_own_one_eip(void **state)
{
	struct cfg_set set;
	struct l2_plan p;

	succession_set(&set);
	l2_plan_init(&p);
	for (int e = 0; e < 2; e++) {
		const struct cfg_eip *eip = cfg_set_eip(&set, e ? "l2-v4" : "l2-v6");
		size_t checked = 0;

		for (int d = 0; d < 10; d++) {
			const char *r[8];
			char v4[32], v6[32];
			struct core_addr a;
			struct deny x = {.n = 1, .eip = eip};

			snprintf(v4, sizeof(v4), "203.0.113.%d", d + 101);
			snprintf(v6, sizeof(v6), "2001:db8::%x", d + 1);
			a = ip(v4);
			succession_rank(&a, r);
			x.nodes[0] = r[0];
			build(&set, "n1", &cluster, 0, &x, &p);
			assert_owner(owner_of(&p, v4), r[1]);
			assert_owner(owner_of(&p, v6), r[1]);
			/* single-stack (v4) addresses of r[0]: kept when only the
			 * v6 Eip is denied, else moved */
			for (int s = 0; s < 40; s++) {
				const char *rs[8];

				a = ip("203.0.113.1");
				a.bytes[3] = (uint8_t)(s + 1);
				succession_rank(&a, rs);
				if (strcmp(rs[0], r[0]))
					continue;
				assert_non_null(l2_plan_find(&p, &a));
				assert_owner(l2_plan_find(&p, &a)->owner, e ? rs[1] : rs[0]);
				checked++;
			}
		}
		assert_true(checked > 0); /* power: such addresses exist */
	}
	l2_plan_fini(&p);
	cfg_set_fini(&set);
}

/* ---- the watch set ---- */

/* unserved: the first nodes of a Service's order lack the interface
 * (and so cannot own): they take no place, the next ones watch and own. */
static bool unserved_first_two(const char *node, const struct cfg_eip *e, void *arg)
{
	const char **r = arg;

	(void)e;
	return !strcmp(node, r[0]) || !strcmp(node, r[1]);
}

static bool can_own_unserved(const char *node, const struct cfg_eip *e, void *arg)
{
	return !unserved_first_two(node, e, arg);
}

static void test_unserved_window(void **state)
{
	struct cfg_set set;
	struct l2_plan p;
	struct core_addr s0 = ip("203.0.113.1");
	const char *r[8];
	const struct l2_plan_addr *a;

	(void)state;
	succession_set(&set);
	succession_rank(&s0, r);
	/* Without the callback (as before): three places, the two first can
	 * not own, the third does; the fourth is beyond and watches none. */
	for (int with = 0; with < 2; with++) {
		for (size_t k = 0; k < 8; k++) {
			struct l2_plan_opts o = {.node = r[k],
			                         .ann = &cluster,
			                         .can_own = can_own_unserved,
			                         .unserved = with ? unserved_first_two : NULL,
			                         .arg = r};

			l2_plan_init(&p);
			assert_int_equal(l2_plan_build(&set, &o, &p), 0);
			a = l2_plan_find(&p, &s0);
			assert_non_null(a);
			assert_string_equal(a->owner, r[2]);
			/* With it, the window is 5 places: r[0], r[1] take none. */
			assert_int_equal(a->watched, k < (with ? 5u : 3u));
			if (a->watched) {
				assert_int_equal(a->self_place, k);
				for (size_t j = 0; j < k; j++)
					assert_string_equal(a->ahead[j], r[j]);
			}
			l2_plan_fini(&p);
		}
	}
	cfg_set_fini(&set);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts and dedupes v[0..n); the new n. */
static size_t uniq(const char **v, size_t n)
{
	size_t k = 0;

	qsort(v, n, sizeof(*v), str_cmp);
	for (size_t i = 0; i < n; i++)
		if (!k || strcmp(v[k - 1], v[i]))
			v[k++] = v[i];
	return k;
}

static void assert_watch(const struct l2_plan *p, const char **want, size_t n_want,
                         const char *node)
{
	if (p->n_watch != n_want)
		fail_msg("%s watches %zu nodes, expected %zu", node, p->n_watch, n_want);
	for (size_t i = 0; i < n_want; i++)
		if (strcmp(p->watch[i], want[i]))
			fail_msg("%s watches %s, expected %s", node, p->watch[i], want[i]);
}

static void test_watch(void **state)
{
	static const size_t depths[] = {0, 1, 2, 3, 4};
	static const char *const l_elig[] = {"n2", "n5", "n7"};
	static const char *const nodes[] = {"n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "c1"};
	struct ybuf b = {0};
	struct cfg_set set;
	struct l2_plan p, q;
	struct deny d = {.nodes = {"n1", "n2", "n3"}, .n = 3};
	char name[16], ips[64], keys[32][16];
	size_t dup_seen = 0, watchers = 0, unwatched = 0, places_seen[4] = {0};

	eight_nodes(&b);
	ynode(&b, "c1", "spec: {unschedulable: true}");
	yeip(&b, "l2-v4", "203.0.113.0/24", true);
	yeip(&b, "l2-v6", "2001:db8::/112", true);
	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		snprintf(ips, sizeof(ips), "203.0.113.%d", i + 1);
		if (i == 0)
			strcat(ips, " 2001:db8::1");
		ysvc(&b, "ns", name, "LoadBalancer", "Cluster", ips);
		snprintf(keys[i], sizeof(keys[i]), "ns/s%d", i);
	}
	ysvc(&b, "ns", "l", "LoadBalancer", "Local", "203.0.113.50");
	yslice(&b, "ns", "l-a", "l", "n2 n5 n7 c1");
	yload(&set, &b);
	l2_plan_init(&p);
	for (size_t k = 0; k < ARRAY_LEN(depths); k++) {
		size_t depth = depths[k] ? depths[k] : L2_PLAN_PLACES;

		for (size_t n = 0; n < ARRAY_LEN(nodes); n++) {
			const char *want[31 * 4], *r[8];
			size_t n_want = 0, raw;

			build(&set, nodes[n], &cluster, depths[k], NULL, &p);
			assert_int_equal(p.n, 32);
			for (int g = 0; g <= 30; g++) {
				size_t m = g < 30 ? rank(keys[g], eight, 8, depth, r)
				                  : rank("ns/l", l_elig, 3, depth, r);
				struct core_addr a = ip("203.0.113.50");
				const struct l2_plan_addr *e;
				bool in = false;
				size_t place = 0;

				for (size_t i = 0; i < m && !in; i++) {
					in = !strcmp(r[i], nodes[n]);
					if (!in)
						continue;
					place = i;
					for (size_t j = 0; j < i; j++)
						want[n_want++] = r[j];
				}
				if (g < 30)
					a.bytes[3] = (uint8_t)(g + 1);
				e = l2_plan_find(&p, &a);
				assert_int_equal(e->watched, in);
				if (in)
					assert_int_equal(e->self_place, place);
				places_seen[place] += in;
				if (g == 0) {
					e = entry(&p, "2001:db8::1");
					assert_int_equal(e->watched, in);
					if (in)
						assert_int_equal(e->self_place, place);
				}
				unwatched += !in;
			}
			raw = n_want;
			n_want = uniq(want, n_want);
			dup_seen += raw > n_want;
			watchers += n_want > 0;
			assert_watch(&p, want, n_want, nodes[n]);
			for (size_t i = 0; i < p.n_watch; i++)
				assert_string_not_equal(p.watch[i], nodes[n]);
			if (depth == 1 || !strcmp(nodes[n], "c1"))
				assert_int_equal(p.n_watch, 0);
			/* whether the nodes ahead can own changes nothing */
			l2_plan_init(&q);
			build(&set, nodes[n], &cluster, depths[k], &d, &q);
			assert_watch(&q, want, n_want, nodes[n]);
			for (size_t i = 0; i < p.n; i++)
				assert_int_equal(q.v[i].watched, p.v[i].watched);
			l2_plan_fini(&q);
		}
	}
	/* Power: the dedupe, non-empty watch sets, and nodes left out. */
	assert_true(dup_seen > 0);
	assert_true(watchers > 0);
	assert_true(unwatched > 0);
	for (size_t i = 0; i < ARRAY_LEN(places_seen); i++)
		assert_true(places_seen[i] > 0);
	l2_plan_fini(&p);
	cfg_set_fini(&set);
}

static void test_spread(void **state)
{
	struct ybuf b = {0};
	struct cfg_set set;
	struct l2_plan p;
	char name[16], ips[32];
	size_t count[20] = {0}, max = 0, min = SIZE_MAX;

	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "worker-%d", i);
		ynode(&b, name, "");
	}
	yeip(&b, "l2-v6", "2001:db8::/112", true);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "svc-%d", i);
		snprintf(ips, sizeof(ips), "2001:db8::%x", 0x1000 + i);
		ysvc(&b, "apps", name, "LoadBalancer", "Cluster", ips);
	}
	yload(&set, &b);
	l2_plan_init(&p);
	build(&set, "worker-0", &cluster, 0, NULL, &p);
	assert_int_equal(p.n, 1000);
	for (size_t i = 0; i < p.n; i++) {
		int w;

		assert_non_null(p.v[i].owner);
		assert_int_equal(sscanf(p.v[i].owner, "worker-%d", &w), 1);
		assert_true(w >= 0 && w < 20);
		count[w]++;
	}
	for (int i = 0; i < 20; i++) {
		max = count[i] > max ? count[i] : max;
		min = count[i] < min ? count[i] : min;
	}
	/* mean 50 */
	if (max > 100 || min < 25)
		fail_msg("owners spread from %zu to %zu addresses per node", min, max);
	l2_plan_fini(&p);
	cfg_set_fini(&set);
}

/* ---- properties over random clusters ---- */

#define P_NODES  50
#define P_SVCS   200
#define P_CASES  300
#define P_RANK   6
#define P_MAXENT (P_SVCS * 2)

static uint64_t p_seed; /* the current case's, printed on failure */

#define PCHECK(c, ...)                                                                             \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			print_error("l2_plan property failed: BERTH_L2_PLAN_SEED=%llu\n",          \
			            (unsigned long long)p_seed);                                   \
			fail_msg(__VA_ARGS__);                                                     \
		}                                                                                  \
	} while (0)

static uint64_t rnd_state;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64* */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (uint32_t)(((rnd_state * 0x2545f4914f6cdd1dull) >> 32) % n);
}

/* The model's Eips: the ones a layer2 address may lie in. */
enum { E_L2A, E_BGP, E_L2B, E_L2V6, E_NONE };
static const char *const eip_names[] = {"l2-a", "bgp", "l2-b", "l2-6"};

struct pnode {
	char name[32];
	bool cordoned, notready, excluded, unknown;
};

struct psvc {
	int ns;
	bool lb, local;
	size_t n_addr;
	struct core_addr addr[3];
};

struct pcase {
	size_t n_nodes, n_svcs, places;
	struct pnode nodes[P_NODES];
	struct psvc svcs[P_SVCS];
	bool ready[P_SVCS][P_NODES];   /* a ready endpoint there */
	bool unready[P_SVCS][P_NODES]; /* an endpoint there, not ready */
	/* what the plan should say, worked out by the test */
	size_t n_ent;
	struct pent {
		struct core_addr addr;
		size_t svc;   /* first Service with it */
		int eip;      /* E_* */
		size_t group; /* index into groups */
	} ent[P_MAXENT];
	size_t n_groups;
	struct pgroup {
		char key[CORE_ADDR_STRLEN + 16];
		bool eips[E_NONE];
		const char *elig[P_NODES];
		size_t n_elig;
		const char *rank[P_RANK];
		size_t n_rank;
	} groups[P_MAXENT];
};

static int model_eip(const struct core_addr *a)
{
	if (a->family == AF_INET6)
		return a->bytes[14] == 0 ? E_L2V6 : E_NONE; /* 2001:db8::/120 */
	if (a->bytes[0] == 198)
		return E_L2B;
	return a->bytes[3] < 128 ? E_L2A : E_BGP;
}

static struct core_addr rnd_addr(bool v6)
{
	struct core_addr a;

	if (v6) {
		a = ip("2001:db8::");
		a.bytes[14] = (uint8_t)rnd(2); /* half of them outside every Eip */
		a.bytes[15] = (uint8_t)rnd(256);
	} else {
		a = ip(rnd(3) ? "203.0.113.0" : "198.51.100.0");
		a.bytes[3] = (uint8_t)rnd(256);
	}
	return a;
}

static void p_generate(struct pcase *c, uint64_t seed)
{
	static const size_t places[] = {0, 1, 2, 3, 4};
	bool big = seed % 16 == 0;

	rnd_state = seed * 0x9e3779b97f4a7c15ull + 1;
	memset(c, 0, sizeof(*c));
	c->n_nodes = big ? P_NODES : 3 + rnd(P_NODES - 2);
	/* most cases small, some of every size up to P_SVCS */
	c->n_svcs = big ? P_SVCS : 1 + rnd(1 + rnd(P_SVCS));
	c->places = places[rnd(ARRAY_LEN(places))];
	for (size_t i = 0; i < c->n_nodes; i++) {
		struct pnode *n = &c->nodes[i];
		uint32_t r = rnd(100);

		snprintf(n->name, sizeof(n->name), "node-%zu", i);
		n->cordoned = r < 6;
		n->notready = r >= 6 && r < 12;
		n->excluded = r >= 12 && r < 16;
		n->unknown = rnd(4) == 0;
	}
	for (size_t i = 0; i < c->n_svcs; i++) {
		struct psvc *s = &c->svcs[i];
		uint32_t r = rnd(100);

		s->ns = (int)rnd(3);
		s->lb = rnd(10) != 0;
		s->local = rnd(10) < 3;
		s->n_addr = r < 25 ? 2 : 1;
		s->addr[0] = rnd_addr(r < 10);
		if (s->n_addr == 2)
			s->addr[1] = rnd_addr(!(r < 10));
		/* sharing: an address of an earlier Service, same family */
		if (i && rnd(100) < 15) {
			const struct psvc *o = &c->svcs[rnd((uint32_t)i)];
			size_t k = rnd((uint32_t)o->n_addr), at = s->n_addr;

			for (size_t j = 0; j < s->n_addr; j++)
				if (s->addr[j].family == o->addr[k].family)
					at = j;
			if (at == s->n_addr)
				s->n_addr++;
			s->addr[at] = o->addr[k];
		}
		if (s->local) {
			uint32_t pr = rnd(3) ? rnd(60) : 0;

			for (size_t n = 0; n < c->n_nodes; n++) {
				c->ready[i][n] = rnd(100) < pr;
				c->unready[i][n] = !c->ready[i][n] && rnd(10) == 0;
			}
		}
	}
}

static void kv_set(struct cfg_map *m, const char *k, const char *v)
{
	m->items = calloc(1, sizeof(*m->items));
	assert_non_null(m->items);
	m->items[0].key = strdup(k);
	m->items[0].value = strdup(v);
	assert_non_null(m->items[0].key);
	assert_non_null(m->items[0].value);
	m->n = 1;
}

static const char *const p_eips_yaml =
    "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata: {name: l2-a}\n"
    "spec: {address: 203.0.113.0/25, protocol: layer2, interface: eth0}\n---\n"
    "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata: {name: bgp}\n"
    "spec: {address: 203.0.113.128/25}\n---\n"
    "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata: {name: l2-b}\n"
    "spec: {address: 198.51.100.0/24, protocol: layer2, interface: eth1}\n---\n"
    "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata: {name: l2-6}\n"
    "spec: {address: '2001:db8::/120', protocol: layer2, interface: eth0}\n";

/* The model as a configuration set: Eips from a manifest, the rest built
 * directly (a manifest per case would be slow). */
static void p_set(const struct pcase *c, struct cfg_set *set)
{
	load(set, p_eips_yaml);
	set->nodes = calloc(c->n_nodes, sizeof(*set->nodes));
	assert_non_null(set->nodes);
	set->n_nodes = c->n_nodes;
	for (size_t i = 0; i < c->n_nodes; i++) {
		const struct pnode *m = &c->nodes[i];
		struct cfg_node *n = &set->nodes[i];

		assert_int_equal(cfg_meta_set_id(&n->meta, m->name, NULL, NULL), 0);
		n->unschedulable = m->cordoned;
		n->ready = m->notready  ? CFG_COND_FALSE
		           : m->unknown ? CFG_COND_UNKNOWN
		                        : CFG_COND_TRUE;
		if (m->excluded)
			kv_set(&n->meta.labels, LB_LABEL_EXCLUDE_LB, "");
	}
	set->slices = calloc(c->n_svcs, sizeof(*set->slices));
	assert_non_null(set->slices);
	for (size_t i = 0; i < c->n_svcs; i++) {
		const struct psvc *m = &c->svcs[i];
		struct cfg_service s = {0};
		struct cfg_endpoint_slice *sl;
		char name[32], ns[16];

		snprintf(name, sizeof(name), "s%zu", i);
		snprintf(ns, sizeof(ns), "ns%d", m->ns);
		assert_int_equal(cfg_meta_set_id(&s.meta, name, ns, NULL), 0);
		s.type = m->lb ? CFG_SVC_LOAD_BALANCER : CFG_SVC_NODE_PORT;
		s.external_traffic_policy = m->local ? CFG_ETP_LOCAL : CFG_ETP_CLUSTER;
		s.ingress = calloc(m->n_addr, sizeof(*s.ingress));
		assert_non_null(s.ingress);
		memcpy(s.ingress, m->addr, m->n_addr * sizeof(*s.ingress));
		s.n_ingress = m->n_addr;
		assert_int_equal(cfg_set_service_put(set, &s), 0);
		cfg_service_fini(&s);
		assert_int_equal(set->n_services, i + 1);

		if (!m->local)
			continue;
		sl = &set->slices[set->n_slices++];
		snprintf(name, sizeof(name), "s%zu-x", i);
		assert_int_equal(cfg_meta_set_id(&sl->meta, name, ns, NULL), 0);
		snprintf(name, sizeof(name), "s%zu", i);
		kv_set(&sl->meta.labels, CFG_LABEL_SERVICE_NAME, name);
		sl->service = sl->meta.labels.items[0].value;
		sl->endpoints = calloc(c->n_nodes, sizeof(*sl->endpoints));
		assert_non_null(sl->endpoints);
		for (size_t n = 0; n < c->n_nodes; n++) {
			struct cfg_endpoint *e;

			if (!c->ready[i][n] && !c->unready[i][n])
				continue;
			e = &sl->endpoints[sl->n_endpoints++];
			e->ready = e->serving = c->ready[i][n];
			e->node_name = strdup(c->nodes[n].name);
			assert_non_null(e->node_name);
		}
	}
}

/* The caller's endpoint index (lb_announce_opts.ready_on) over the model. */
static bool p_ready_on(const char *ns, const char *name, const char *node, void *arg)
{
	const struct pcase *c = arg;
	size_t s = strtoul(name + 1, NULL, 10), n = strtoul(node + 5, NULL, 10);

	assert_true(s < c->n_svcs && n < c->n_nodes);
	assert_int_equal(ns[2] - '0', c->svcs[s].ns);
	return c->ready[s][n];
}

static size_t uf(size_t *parent, size_t x)
{
	while (parent[x] != x)
		x = parent[x];
	return x;
}

static int pent_cmp(const void *a, const void *b)
{
	const struct pent *x = a, *y = b;
	int r = core_addr_cmp(&x->addr, &y->addr);

	return r ? r : (x->svc > y->svc) - (x->svc < y->svc);
}

static bool p_node_ok(const struct pnode *n)
{
	return !n->cordoned && !n->notready && !n->excluded;
}

/* What the plan should be: the layer2 addresses, their groups (linked by
 * shared addresses), each group's key, eligible nodes and order. */
static void p_expect(struct pcase *c)
{
	size_t parent[P_SVCS], root_group[P_SVCS], n = 0;
	struct pent all[P_MAXENT];

	for (size_t i = 0; i < c->n_svcs; i++) {
		parent[i] = i;
		root_group[i] = SIZE_MAX;
		for (size_t k = 0; c->svcs[i].lb && k < c->svcs[i].n_addr; k++) {
			int e = model_eip(&c->svcs[i].addr[k]);

			if (e == E_BGP || e == E_NONE)
				continue;
			all[n++] = (struct pent){.addr = c->svcs[i].addr[k], .svc = i, .eip = e};
		}
	}
	qsort(all, n, sizeof(*all), pent_cmp);
	for (size_t i = 1; i < n; i++)
		if (core_addr_equal(&all[i].addr, &all[i - 1].addr))
			parent[uf(parent, all[i].svc)] = uf(parent, all[i - 1].svc);
	/* distinct addresses, in order; groups numbered by first address, so
	 * a group's first entry holds its smallest address */
	c->n_ent = c->n_groups = 0;
	for (size_t i = 0; i < n; i++) {
		size_t r = uf(parent, all[i].svc);
		struct pgroup *g;

		if (i && core_addr_equal(&all[i].addr, &all[i - 1].addr))
			continue;
		if (root_group[r] == SIZE_MAX) {
			root_group[r] = c->n_groups++;
			g = &c->groups[root_group[r]];
			memset(g, 0, sizeof(*g));
			assert_int_equal(core_addr_format(&all[i].addr, g->key, sizeof(g->key)), 0);
		}
		all[i].group = root_group[r];
		c->groups[all[i].group].eips[all[i].eip] = true;
		c->ent[c->n_ent++] = all[i];
	}
	for (size_t gi = 0; gi < c->n_groups; gi++) {
		struct pgroup *g = &c->groups[gi];
		size_t first = SIZE_MAX;
		bool shared = false;

		for (size_t s = 0; s < c->n_svcs; s++) {
			if (root_group[uf(parent, s)] != gi)
				continue;
			shared = first != SIZE_MAX;
			first = shared ? first : s;
			if (shared)
				break;
		}
		if (!shared)
			snprintf(g->key, sizeof(g->key), "ns%d/s%zu", c->svcs[first].ns, first);
		for (size_t nd = 0; nd < c->n_nodes; nd++) {
			bool ok = p_node_ok(&c->nodes[nd]);

			for (size_t s = 0; ok && s < c->n_svcs; s++)
				if (c->svcs[s].local && root_group[uf(parent, s)] == gi)
					ok = c->ready[s][nd];
			if (ok)
				g->elig[g->n_elig++] = c->nodes[nd].name;
		}
		g->n_rank = rank(g->key, g->elig, g->n_elig, P_RANK, g->rank);
	}
}

static size_t p_depth(const struct pcase *c)
{
	return c->places ? c->places : L2_PLAN_PLACES;
}

static bool p_in_group(const struct pgroup *g, const char *node)
{
	for (size_t i = 0; i < g->n_elig; i++)
		if (!strcmp(g->elig[i], node))
			return true;
	return false;
}

static void p_build(const struct pcase *c, const struct cfg_set *set, const char *node,
                    struct deny *d, bool slices, struct l2_plan *p)
{
	struct lb_announce_opts ann = {.endpoints_known = true,
	                               .ready_on = slices ? NULL : p_ready_on,
	                               .ready_arg = (void *)c};

	build(set, node, &ann, c->places, d, p);
	PCHECK(p->n == c->n_ent, "%zu entries, expected %zu", p->n, c->n_ent);
}

/* One owner per address, the expected one, eligible; the entry's Service
 * and Eip; one owner per group. */
static void p_check_base(const struct pcase *c, const struct cfg_set *set, const struct l2_plan *p)
{
	const char *gown[P_MAXENT];
	bool seen[P_MAXENT] = {false};
	char buf[CORE_ADDR_STRLEN];

	for (size_t i = 0; i < p->n; i++) {
		const struct l2_plan_addr *e = &p->v[i];
		const struct pent *x = &c->ent[i];
		const struct pgroup *g = &c->groups[x->group];
		const char *want = g->n_rank ? g->rank[0] : NULL;

		PCHECK(core_addr_equal(&e->addr, &x->addr), "entry %zu is %s", i,
		       core_addr_str(&e->addr, buf));
		PCHECK(e->svc == &set->services[x->svc], "%s: Service %s, expected s%zu",
		       core_addr_str(&x->addr, buf), e->svc->meta.name, x->svc);
		PCHECK(e->eip == cfg_set_eip(set, eip_names[x->eip]), "%s: Eip %s",
		       core_addr_str(&x->addr, buf), e->eip->meta.name);
		PCHECK(same(e->owner, want), "%s (key %s): owner %s, expected %s",
		       core_addr_str(&x->addr, buf), g->key, e->owner ? e->owner : "-",
		       want ? want : "-");
		PCHECK(!e->owner || p_in_group(g, e->owner), "%s: owner %s is not eligible",
		       core_addr_str(&x->addr, buf), e->owner);
		PCHECK(e->owner || !g->n_elig, "%s: no owner among %zu eligible",
		       core_addr_str(&x->addr, buf), g->n_elig);
		if (seen[x->group])
			PCHECK(same(gown[x->group], e->owner), "%s: group %s has two owners",
			       core_addr_str(&x->addr, buf), g->key);
		seen[x->group] = true;
		gown[x->group] = e->owner;
	}
}

/* node's watch set and watched flags by the rule: at place i of a group's
 * first places, it watches places 0..i-1. */
static void p_check_watch(const struct pcase *c, const struct l2_plan *p, const char *node)
{
	const char *want[P_MAXENT * P_RANK];
	bool in[P_MAXENT];
	size_t place[P_MAXENT], n = 0, depth = p_depth(c);

	for (size_t gi = 0; gi < c->n_groups; gi++) {
		const struct pgroup *g = &c->groups[gi];

		in[gi] = false;
		for (size_t i = 0; i < depth && i < g->n_rank && !in[gi]; i++) {
			in[gi] = !strcmp(g->rank[i], node);
			place[gi] = i;
			for (size_t j = 0; in[gi] && j < i; j++)
				want[n++] = g->rank[j];
		}
	}
	n = uniq(want, n);
	PCHECK(p->n_watch == n, "%s watches %zu nodes, expected %zu", node, p->n_watch, n);
	for (size_t i = 0; i < n; i++)
		PCHECK(!strcmp(p->watch[i], want[i]), "%s watches %s, expected %s", node,
		       p->watch[i], want[i]);
	for (size_t i = 0; i < p->n; i++) {
		size_t gi = c->ent[i].group;

		PCHECK(p->v[i].watched == in[gi], "%s: watched %d", c->groups[gi].key,
		       p->v[i].watched);
		PCHECK(!in[gi] || p->v[i].self_place == place[gi], "%s: %s at place %zu, not %zu",
		       c->groups[gi].key, node, p->v[i].self_place, place[gi]);
	}
}

/* set without the nodes named in d (a view: the same objects). */
static void p_without(const struct cfg_set *set, const struct deny *d, struct cfg_set *view)
{
	*view = *set;
	view->nodes = calloc(set->n_nodes, sizeof(*view->nodes));
	assert_non_null(view->nodes);
	view->n_nodes = 0;
	for (size_t i = 0; i < set->n_nodes; i++)
		if (!denied(d, set->nodes[i].meta.name))
			view->nodes[view->n_nodes++] = set->nodes[i];
	assert_int_equal(view->n_nodes, set->n_nodes - d->n);
}

/* Whether d keeps node from owning group g. */
static bool p_dead_for(const struct deny *d, const struct cfg_set *set, const struct pgroup *g,
                       const char *node)
{
	if (!denied(d, node))
		return false;
	if (!d->eip)
		return true;
	for (int e = 0; e < E_NONE; e++)
		if (g->eips[e] && cfg_set_eip(set, eip_names[e]) == d->eip)
			return true;
	return false;
}

static unsigned p_moved, p_nulled, p_kept, p_partial, p_beyond;

static void p_case(struct pcase *c, uint64_t seed)
{
	struct cfg_set set, view;
	struct l2_plan base, p, rm;
	struct deny d = {0};
	char buf[CORE_ADDR_STRLEN];
	size_t depth, n_dead;

	p_seed = seed;
	p_generate(c, seed);
	p_expect(c);
	p_set(c, &set);
	depth = p_depth(c);
	l2_plan_init(&base);
	l2_plan_init(&p);
	l2_plan_init(&rm);

	/* the plan, seen from node-0 */
	p_build(c, &set, c->nodes[0].name, NULL, false, &base);
	p_check_base(c, &set, &base);
	/* the set's EndpointSlices say what the index says */
	if (seed % 8 == 0) {
		p_build(c, &set, c->nodes[0].name, NULL, true, &p);
		for (size_t i = 0; i < p.n; i++)
			PCHECK(same(p.v[i].owner, base.v[i].owner), "slices: %s owner differs",
			       core_addr_str(&p.v[i].addr, buf));
	}

	/* every node (and one the set does not know) computes the same
	 * owners, and its own watch set */
	for (size_t n = 0; n <= c->n_nodes; n++) {
		const char *me = n < c->n_nodes ? c->nodes[n].name : "ghost";

		p_build(c, &set, me, NULL, false, &p);
		for (size_t i = 0; i < p.n; i++)
			PCHECK(same(p.v[i].owner, base.v[i].owner), "%s: %s has another owner", me,
			       core_addr_str(&p.v[i].addr, buf));
		p_check_watch(c, &p, me);
	}

	/* removing one node moves only its addresses, to the next in line */
	d.n = 1;
	d.nodes[0] = c->nodes[rnd((uint32_t)c->n_nodes)].name;
	p_without(&set, &d, &view);
	p_build(c, &view, c->nodes[0].name, NULL, false, &rm);
	for (size_t i = 0; i < rm.n; i++) {
		const struct pgroup *g = &c->groups[c->ent[i].group];
		const char *was = base.v[i].owner;

		if (!same(was, d.nodes[0])) {
			PCHECK(same(rm.v[i].owner, was), "removing %s moved %s", d.nodes[0],
			       core_addr_str(&rm.v[i].addr, buf));
			continue;
		}
		PCHECK(same(rm.v[i].owner, g->n_rank > 1 ? g->rank[1] : NULL),
		       "removing %s: %s went to %s", d.nodes[0], core_addr_str(&rm.v[i].addr, buf),
		       rm.v[i].owner ? rm.v[i].owner : "-");
		p_moved++;
	}
	free(view.nodes);

	/* 1 to 3 nodes that cannot own (dead, or without one Eip's
	 * interface): the owner is the first of the first `places` that can,
	 * else none; a group none of them can own elsewhere keeps its owner */
	n_dead = 1 + rnd(c->n_nodes - 1 < 3 ? (uint32_t)c->n_nodes - 1 : 3);
	d.n = 0;
	while (d.n < n_dead) {
		const char *x = c->nodes[rnd((uint32_t)c->n_nodes)].name;

		if (!denied(&d, x))
			d.nodes[d.n++] = x;
	}
	d.eip = rnd(4) == 0 ? cfg_set_eip(&set, eip_names[rnd(2) ? E_L2V6 : E_L2A]) : NULL;
	p_partial += d.eip != NULL;
	p_build(c, &set, c->nodes[0].name, &d, false, &p);
	p_check_watch(c, &p, c->nodes[0].name); /* can_own changes no watch */
	if (!d.eip) {
		p_without(&set, &d, &view);
		p_build(c, &view, c->nodes[0].name, NULL, false, &rm);
		free(view.nodes);
	}
	for (size_t i = 0; i < p.n; i++) {
		const struct pgroup *g = &c->groups[c->ent[i].group];
		const char *want = NULL, *was = base.v[i].owner;

		for (size_t j = 0; j < depth && j < g->n_rank && !want; j++)
			if (!p_dead_for(&d, &set, g, g->rank[j]))
				want = g->rank[j];
		PCHECK(same(p.v[i].owner, want), "%zu cannot own: %s (key %s) owned by %s", d.n,
		       core_addr_str(&p.v[i].addr, buf), g->key, p.v[i].owner ? p.v[i].owner : "-");
		if (!was || !p_dead_for(&d, &set, g, was)) {
			PCHECK(same(p.v[i].owner, was), "%s lost its owner %s",
			       core_addr_str(&p.v[i].addr, buf), was ? was : "-");
			p_kept++;
		} else {
			p_nulled += !p.v[i].owner;
		}
		if (d.eip)
			continue;
		/* the plan without them (Nodes removed): the same while fewer
		 * than `places` are gone; else the same or none */
		p_beyond += !p.v[i].owner && rm.v[i].owner;
		if (d.n < depth || p.v[i].owner)
			PCHECK(same(p.v[i].owner, rm.v[i].owner),
			       "%s: owner %s with %zu dead, %s without them",
			       core_addr_str(&p.v[i].addr, buf), p.v[i].owner ? p.v[i].owner : "-",
			       d.n, rm.v[i].owner ? rm.v[i].owner : "-");
	}

	l2_plan_fini(&base);
	l2_plan_fini(&p);
	l2_plan_fini(&rm);
	cfg_set_fini(&set);
}

static void test_properties(void **state)
{
	struct pcase *c = calloc(1, sizeof(*c));
	const char *env = getenv("BERTH_L2_PLAN_SEED");

	assert_non_null(c);
	if (env && *env) {
		p_case(c, strtoull(env, NULL, 0));
	} else {
		for (uint64_t s = 1; s <= P_CASES; s++)
			p_case(c, s);
		/* Power: the runs moved, lost and kept owners, and tried
		 * nodes without one Eip. */
		assert_true(p_moved > 50);
		assert_true(p_nulled > 10);
		assert_true(p_kept > 1000);
		assert_true(p_partial > 20);
		assert_true(p_beyond > 5);
		print_message("l2_plan properties: %u moved, %u kept, %u left without owner (%u "
		              "beyond places), %u with one Eip denied\n",
		              p_moved, p_kept, p_nulled, p_beyond, p_partial);
	}
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_only_layer2_addresses),
	    cmocka_unit_test(test_dual_stack_one_owner),
	    cmocka_unit_test(test_sharing_groups),
	    cmocka_unit_test(test_sharing_local),
	    cmocka_unit_test(test_node_state),
	    cmocka_unit_test(test_local_endpoints),
	    cmocka_unit_test(test_no_nodes),
	    cmocka_unit_test(test_can_own_succession),
	    cmocka_unit_test(test_can_own_one_eip),
	    cmocka_unit_test(test_watch),
	    cmocka_unit_test(test_unserved_window),
	    cmocka_unit_test(test_spread),
	    cmocka_unit_test(test_properties),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
