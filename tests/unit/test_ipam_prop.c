/*
 * IPAM property test: a long random run (fixed seed) of Service creates,
 * re-ensures and deletes, with and without specific addresses, pools and
 * sharing keys; pool edits (grow, shrink, delete, disable, overlapping adds)
 * and controller restarts (the allocator is thrown away and rebuilt from the
 * Service -> address map with ipam_restore).
 *
 * After every step: every live Service holds exactly the addresses it was
 * first given (never renumbered), no address is held by two Services that
 * may not share it (judged by the test's own copy of the requests), and the
 * allocator's internal structures agree with the model. A twin allocator
 * that is never restarted must give the same answers (determinism: restarts
 * converge).
 */
#include "test_ipam_util.h"

#include "controller/ipam_int.h"

#define N_SVC  60
#define N_POOL 5
#define STEPS  200000

static const char *v4_specs[] = {"10.0.0.0/28",        "10.0.0.16/28",        "10.0.0.8-10.0.0.23",
                                 "10.0.0.32/27",       "10.0.0.30-10.0.0.33", "10.0.0.40",
                                 "10.0.0.250-10.0.1.5"};
static const char *v6_specs[] = {"2001:db8::/124", "2001:db8::10/124", "2001:db8::8-2001:db8::17",
                                 "2001:db8::20/123"};
static const char *nss[] = {"ns0", "ns1", "ns2"};
static const struct ipam_port port_set[] = {
    {80, IPAM_PROTO_TCP}, {443, IPAM_PROTO_TCP}, {53, IPAM_PROTO_UDP}, {80, IPAM_PROTO_UDP}};

struct mpool {
	bool live;
	char name[8];
	const char *specs[2];
	struct ipam_range r[2];
	struct ipam_pool_cfg cfg;
	const char *ns[1];
};

struct msvc {
	bool live;
	char key[16];
	struct ipam_request req;
	struct core_addr spec[2];
	struct ipam_port ports[2];
	bool has[2];
	struct core_addr addr[2];
};

static struct mpool pools[N_POOL];
static struct msvc svcs[N_SVC];
static uint64_t rng = 0x9e3779b97f4a7c15ull;
/* How much of the space the run covered, printed at the end. */
static unsigned n_fail[IPAM_ERR_NOMEM + 1], n_new, n_shared, n_orphaned, n_partial, n_moved;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

static bool ns_match(const char *pool, void *arg)
{
	const char *ns = arg;

	return ((pool[1] + ns[2]) & 1) == 0;
}

static int fam(const struct core_addr *a)
{
	return a->family == AF_INET ? 0 : 1;
}

static bool in_range(const struct ipam_range *r, const struct core_addr *a)
{
	return r->first.family == a->family && core_addr_cmp(&r->first, a) <= 0 &&
	       core_addr_cmp(a, &r->last) <= 0;
}

static struct mpool *model_pool_of(const struct core_addr *a)
{
	for (int i = 0; i < N_POOL; i++) {
		for (size_t k = 0; pools[i].live && k < pools[i].cfg.n_addresses; k++) {
			if (in_range(&pools[i].r[k], a))
				return &pools[i];
		}
	}
	return NULL;
}

static bool ports_disjoint(const struct msvc *a, const struct msvc *b)
{
	for (size_t i = 0; i < a->req.n_ports; i++) {
		for (size_t j = 0; j < b->req.n_ports; j++) {
			if (a->ports[i].port == b->ports[j].port &&
			    a->ports[i].proto == b->ports[j].proto)
				return false;
		}
	}
	return true;
}

static bool may_share(const struct msvc *a, const struct msvc *b)
{
	const char *ca = a->req.compat_key ? a->req.compat_key : "";
	const char *cb = b->req.compat_key ? b->req.compat_key : "";

	return a->req.sharing_key && b->req.sharing_key &&
	       strcmp(a->req.sharing_key, b->req.sharing_key) == 0 && strcmp(ca, cb) == 0 &&
	       ports_disjoint(a, b);
}

static void random_addr(int f, struct core_addr *out)
{
	char buf[48];

	if (f == 0)
		snprintf(buf, sizeof(buf), "10.0.%u.%u", rnd(8) == 0, rnd(72));
	else
		snprintf(buf, sizeof(buf), "2001:db8::%x", rnd(0x48));
	*out = A(buf);
}

static void random_request(struct msvc *s)
{
	struct ipam_request *r = &s->req;
	static const char *keys[] = {"k0", "k1"};
	static const char *pnames[] = {"p0", "p1", "p2", "p3", "p4", "px"};
	uint32_t p = rnd(20);
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	r->service = s->key;
	r->policy = p < 10   ? IPAM_SINGLE_V4
	            : p < 13 ? IPAM_SINGLE_V6
	            : p < 16 ? IPAM_DUAL_REQUIRE
	                     : IPAM_DUAL_PREFER;
	if (rnd(5) == 0) {
		for (int f = 0; f < 2; f++) {
			bool want =
			    f == 0 ? r->policy != IPAM_SINGLE_V6 : r->policy != IPAM_SINGLE_V4;

			if (want && rnd(3))
				random_addr(f, &s->spec[n++]);
		}
	}
	r->addrs = n ? s->spec : NULL;
	r->n_addrs = n;
	if (rnd(5) == 0)
		r->pool = pnames[rnd(6)];
	if (rnd(5) < 2) {
		r->sharing_key = keys[rnd(2)];
		r->n_ports = 1 + rnd(2);
		s->ports[0] = port_set[rnd(4)];
		s->ports[1] = port_set[rnd(4)];
		r->ports = s->ports;
		if (rnd(10) == 0)
			r->compat_key = "c";
	}
	r->ns_match = ns_match;
	r->ns_match_arg = (void *)nss[s->key[2] - '0'];
}

static void random_pool(struct mpool *p)
{
	struct ipam_pool_cfg *c = &p->cfg;
	uint32_t kind = rnd(4);
	size_t n = 0;

	memset(c, 0, sizeof(*c));
	if (kind != 1)
		p->specs[n++] = v4_specs[rnd(sizeof(v4_specs) / sizeof(v4_specs[0]))];
	if (kind != 0)
		p->specs[n++] = v6_specs[rnd(sizeof(v6_specs) / sizeof(v6_specs[0]))];
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ipam_range_parse(p->specs[i], &p->r[i]), 0);
	c->name = p->name;
	c->addresses = p->specs;
	c->n_addresses = n;
	c->priority = (int32_t)rnd(3);
	c->disabled = rnd(6) == 0;
	c->is_default = rnd(3) == 0;
	c->avoid_buggy_ips = rnd(4) == 0;
	c->ns_selector = rnd(3) == 0;
	if (rnd(2)) {
		p->ns[0] = nss[rnd(3)];
		c->namespaces = p->ns;
		c->n_namespaces = 1;
	}
}

/* White-box and model checks, after every step. */
static void check(const struct ipam *ipam)
{
	size_t pairs = 0, live = 0, model_pairs = 0;

	for (int i = 0; i < N_SVC; i++) {
		const struct msvc *m = &svcs[i];
		const struct ipam_svc *s = ipam_svc_find(ipam, m->key);

		if (!m->live) {
			assert_null(s);
			continue;
		}
		live++;
		assert_non_null(s);
		assert_true(m->has[0] || m->has[1]);
		/* The allocator judges sharing by the parameters the model has. */
		const char *sk = m->req.sharing_key, *ck = m->req.compat_key;
		assert_true(sk ? s->skey && strcmp(sk, s->skey) == 0 : !s->skey);
		assert_true(ck ? s->ckey && strcmp(ck, s->ckey) == 0 : !s->ckey);
		for (int f = 0; f < 2; f++) {
			const struct ipam_hold *h = s->hold[f];

			assert_int_equal(h != NULL, m->has[f]);
			if (!h)
				continue;
			model_pairs++;
			assert_true(u128_eq(h->val, ipam_addr_val(&m->addr[f])));
			/* Every co-holder is one the model allows. */
			bool self = false;
			for (size_t k = 0; k < h->n_holders; k++) {
				const struct ipam_svc *o = h->holders[k];
				int j = atoi(o->key + 4);

				if (o == s) {
					self = true;
					continue;
				}
				assert_true(svcs[j].live);
				assert_true(may_share(m, &svcs[j]));
			}
			assert_true(self);
		}
	}
	assert_int_equal(ipam->svcs.n, live);
	for (size_t i = 0; i < ipam->holds.n; i++) {
		const struct ipam_hold *h = ipam->holds.v[i].val;

		assert_true(h->n_holders > 0);
		assert_true(ipam_iset_has(&ipam->used[h->fam], h->val));
		pairs += h->n_holders;
	}
	assert_int_equal(pairs, model_pairs);
	assert_int_equal(ipam_iset_count(&ipam->used[0], (struct u128){0, 0}, ipam_fam_max(0)) +
	                     ipam_iset_count(&ipam->used[1], (struct u128){0, 0}, ipam_fam_max(1)),
	                 ipam->holds.n);
}

static int count_cb(const struct core_addr *a, const char *svc, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

/* Black-box checks through the public API, now and then. */
static void check_public(const struct ipam *ipam)
{
	size_t orphan_pairs = 0, walked = 0;

	for (int i = 0; i < N_POOL; i++) {
		struct ipam_pool_stats st;
		uint64_t used = 0, holders = 0;

		if (!pools[i].live) {
			assert_int_equal(ipam_pool_stats(ipam, pools[i].name, &st), -ENOENT);
			continue;
		}
		/* Distinct model addresses inside the pool, and holder pairs. */
		for (int j = 0; j < N_SVC; j++) {
			for (int f = 0; svcs[j].live && f < 2; f++) {
				bool first = true;

				if (!svcs[j].has[f] || model_pool_of(&svcs[j].addr[f]) != &pools[i])
					continue;
				holders++;
				for (int k = 0; k < j && first; k++)
					first = !(
					    svcs[k].live && svcs[k].has[f] &&
					    core_addr_cmp(&svcs[k].addr[f], &svcs[j].addr[f]) == 0);
				used += first;
			}
		}
		assert_int_equal(ipam_pool_stats(ipam, pools[i].name, &st), 0);
		assert_int_equal(st.used, used);
		assert_int_equal(st.holders, holders);
		assert_int_equal(st.ready, !pools[i].cfg.disabled);
	}
	for (int j = 0; j < N_SVC; j++) {
		for (int f = 0; svcs[j].live && f < 2; f++)
			orphan_pairs += svcs[j].has[f] && !model_pool_of(&svcs[j].addr[f]);
	}
	assert_int_equal(ipam_orphans_walk(ipam, count_cb, &walked), 0);
	assert_int_equal(walked, orphan_pairs);

	for (int i = 0; i < N_SVC; i++) {
		struct ipam_result res;

		if (!svcs[i].live) {
			assert_int_equal(ipam_service_get(ipam, svcs[i].key, &res), -ENOENT);
			continue;
		}
		assert_int_equal(ipam_service_get(ipam, svcs[i].key, &res), 0);
		for (size_t k = 0; k < res.n; k++) {
			struct mpool *p = model_pool_of(&res.a[k].addr);

			assert_int_equal(res.a[k].orphaned, p == NULL);
			n_orphaned += res.a[k].orphaned;
			if (p)
				assert_string_equal(res.a[k].pool, p->name);
		}
	}
}

/* The copy's request must point at the copy's own arrays. */
static void fix_ptrs(struct msvc *m)
{
	m->req.service = m->key;
	m->req.addrs = m->req.n_addrs ? m->spec : NULL;
	m->req.ports = m->req.n_ports ? m->ports : NULL;
}

static bool wants(enum ipam_policy p, int f)
{
	return f == 0 ? p != IPAM_SINGLE_V6 : p != IPAM_SINGLE_V4;
}

static const struct core_addr *spec_for(const struct msvc *m, int f)
{
	for (size_t i = 0; i < m->req.n_addrs; i++) {
		if (fam(&m->spec[i]) == f)
			return &m->spec[i];
	}
	return NULL;
}

/* Changes one thing in a live Service's request, as a user editing it. */
static void mutate_request(struct msvc *t)
{
	static const char *keys[] = {NULL, "k0", "k1"};
	static const char *pnames[] = {"p0", "p1", "p2", "p3", "p4", "px"};
	struct ipam_request *r = &t->req;

	switch (rnd(4)) {
	case 0:
		r->sharing_key = keys[rnd(3)];
		r->n_ports = rnd(3);
		t->ports[0] = port_set[rnd(4)];
		t->ports[1] = port_set[rnd(4)];
		r->compat_key = rnd(10) == 0 ? "c" : NULL;
		break;
	case 1:
		r->pool = rnd(2) ? NULL : pnames[rnd(6)];
		break;
	case 2:
		r->policy = (enum ipam_policy)rnd(4);
		break;
	default: /* an explicit move to a given address */
		r->n_addrs = 1;
		random_addr((int)rnd(2), &t->spec[0]);
		break;
	}
	fix_ptrs(t);
}

static void ensure(struct ipam *ipam, struct ipam *twin, struct msvc *m, bool mutate)
{
	struct ipam_result res, res2;
	struct ipam_error e, e2;
	struct msvc t = *m;
	size_t released = 0;
	int ret, ret2;

	fix_ptrs(&t);
	if (!m->live)
		random_request(&t);
	else if (mutate)
		mutate_request(&t);
	ret = ipam_allocate(ipam, &t.req, &res, &e);
	ret2 = ipam_allocate(twin, &t.req, &res2, &e2);
	assert_int_equal(ret, ret2);
	if (ret < 0) {
		assert_int_equal(e.code, e2.code);
		n_fail[e.code]++;
		/* Re-ensuring with an unchanged request never fails; a refused
		 * change leaves everything as it was (check() verifies). */
		if (m->live && !mutate)
			fail_msg("re-ensure %s failed: %s", m->key, e.msg);
		return;
	}
	assert_int_equal(res.n, res2.n);
	n_partial += res.partial;
	for (int f = 0; f < 2; f++) {
		const struct core_addr *sp = spec_for(&t, f);

		/* Dropped because unwanted, or moved because another address was
		 * named: the only ways an address may go. */
		if (t.has[f] &&
		    (!wants(t.req.policy, f) || (sp && core_addr_cmp(sp, &t.addr[f]) != 0))) {
			t.has[f] = false;
			released++;
		}
	}
	assert_int_equal(res.released, released);
	n_moved += released;
	for (size_t k = 0; k < res.n; k++) {
		const struct core_addr *a = &res.a[k].addr, *sp;
		int f = fam(a);

		assert_int_equal(core_addr_cmp(a, &res2.a[k].addr), 0);
		if (t.has[f]) {
			assert_false(res.a[k].is_new);
			assert_int_equal(core_addr_cmp(a, &t.addr[f]), 0);
			continue;
		}
		/* A new address comes from an enabled pool that may give it. */
		struct mpool *p = model_pool_of(a);
		assert_true(res.a[k].is_new);
		assert_non_null(p);
		assert_false(p->cfg.disabled);
		if (p->cfg.avoid_buggy_ips && f == 0)
			assert_true(a->bytes[3] != 0 && a->bytes[3] != 255);
		if (t.req.pool)
			assert_string_equal(p->name, t.req.pool);
		if ((sp = spec_for(&t, f)))
			assert_int_equal(core_addr_cmp(a, sp), 0);
		else if (!t.req.pool)
			assert_true(
			    p->cfg.is_default ||
			    (p->cfg.n_namespaces && strcmp(p->ns[0], t.req.ns_match_arg) == 0) ||
			    (p->cfg.ns_selector && ns_match(p->name, t.req.ns_match_arg)));
		t.has[f] = true;
		t.addr[f] = *a;
		n_new++;
		n_shared += res.a[k].shared;
	}
	/* Nothing kept may be missing now. */
	assert_int_equal(res.n, (size_t)t.has[0] + t.has[1]);
	t.live = true;
	*m = t;
	fix_ptrs(m);
}

static void release(struct ipam *ipam, struct ipam *twin, struct msvc *m)
{
	int want = m->live ? 0 : -ENOENT;

	assert_int_equal(ipam_release(ipam, m->key), want);
	assert_int_equal(ipam_release(twin, m->key), want);
	m->live = false;
	m->has[0] = m->has[1] = false;
}

static void pool_edit(struct ipam *ipam, struct ipam *twin, struct mpool *p)
{
	struct ipam_error e, e2;
	struct mpool np = *p;
	int ret, ret2;

	if (p->live && rnd(5) == 0) {
		assert_int_equal(ipam_pool_delete(ipam, p->name), 0);
		assert_int_equal(ipam_pool_delete(twin, p->name), 0);
		p->live = false;
		return;
	}
	random_pool(&np);
	ret = ipam_pool_set(ipam, &np.cfg, &e);
	ret2 = ipam_pool_set(twin, &np.cfg, &e2);
	assert_int_equal(ret, ret2);
	if (ret < 0) {
		assert_true(e.code == IPAM_ERR_OVERLAP || e.code == IPAM_ERR_DEFAULT_CONFLICT);
		assert_contains(e.msg, p->name);
		return;
	}
	np.live = true;
	*p = np;
	/* The copy moved: re-point the cfg at its own arrays. */
	p->cfg.name = p->name;
	p->cfg.addresses = p->specs;
	if (p->cfg.n_namespaces)
		p->cfg.namespaces = p->ns;
}

static struct ipam *restart(struct ipam *old)
{
	struct ipam *ipam = ipam_new();
	int order[N_SVC];

	ipam_free(old);
	for (int k = 0; k < N_POOL; k++) {
		int i = (k + (int)rnd(N_POOL)) % N_POOL; /* some shuffled order */

		if (pools[i].live && !ipam_pool_count(ipam))
			pool_ok(ipam, &pools[i].cfg);
		else if (pools[i].live && ipam_pool_validate(ipam, &pools[i].cfg, NULL) == 0)
			pool_ok(ipam, &pools[i].cfg);
	}
	for (int i = 0; i < N_POOL; i++) {
		if (pools[i].live)
			pool_ok(ipam, &pools[i].cfg); /* idempotent; catches a missing one */
	}
	for (int i = 0; i < N_SVC; i++)
		order[i] = i;
	for (int i = N_SVC - 1; i > 0; i--) {
		int j = (int)rnd((uint32_t)i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (int k = 0; k < N_SVC; k++) {
		struct msvc *m = &svcs[order[k]];
		struct core_addr held_addrs[2];
		struct ipam_result res;
		struct ipam_error e;
		size_t n = 0;

		if (!m->live)
			continue;
		for (int f = 0; f < 2; f++) {
			if (m->has[f])
				held_addrs[n++] = m->addr[f];
		}
		if (ipam_restore(ipam, &m->req, held_addrs, n, &res, &e) != 0)
			fail_msg("restore %s: %s", m->key, e.msg);
		assert_int_equal(res.n, n);
	}
	return ipam;
}

static void test_random_walk(void **state)
{
	struct ipam *ipam = ipam_new(), *twin = ipam_new();
	unsigned ops[5] = {0};

	for (int i = 0; i < N_SVC; i++)
		snprintf(svcs[i].key, sizeof(svcs[i].key), "ns%d/%02d", i % 3, i);
	for (int i = 0; i < N_POOL; i++)
		snprintf(pools[i].name, sizeof(pools[i].name), "p%d", i);
	for (int step = 0; step < STEPS; step++) {
		uint32_t op = rnd(1000);

		if (op < 450) {
			ensure(ipam, twin, &svcs[rnd(N_SVC)], op < 60);
			ops[0]++;
		} else if (op < 800) {
			release(ipam, twin, &svcs[rnd(N_SVC)]);
			ops[1]++;
		} else if (op < 990) {
			pool_edit(ipam, twin, &pools[rnd(N_POOL)]);
			ops[2]++;
		} else {
			ipam = restart(ipam);
			ops[3]++;
		}
		check(ipam);
		if (step % 16 == 0) /* its answers are compared at every step anyway */
			check(twin);
		if (step % 997 == 0)
			check_public(ipam);
	}
	for (int i = 0; i < N_SVC; i++)
		ops[4] += svcs[i].live;
	print_message("ensure %u, release %u, pool edits %u, restarts %u, live at end %u\n", ops[0],
	              ops[1], ops[2], ops[3], ops[4]);
	print_message("new addresses %u (joined a shared one %u), partial %u, orphans seen %u, "
	              "released by a request change %u\n",
	              n_new, n_shared, n_partial, n_orphaned, n_moved);
	for (int c = 1; c <= IPAM_ERR_NOMEM; c++) {
		if (n_fail[c])
			print_message("  failed %-18s %u\n", ipam_err_name(c), n_fail[c]);
	}
	/* The run must have gone through the interesting cases. */
	assert_true(n_shared > 100 && n_orphaned > 10 && n_partial > 100 && n_moved > 100);
	assert_true(n_fail[IPAM_ERR_IN_USE] && n_fail[IPAM_ERR_EXHAUSTED] &&
	            n_fail[IPAM_ERR_NOT_IN_POOL]);
	ipam_free(ipam);
	ipam_free(twin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
