/*
 * Decodes byte streams recorded from BIRD 2, GoBGP 3 and FRR 8 (see
 * tests/data/bgp/README.md) and checks them against what each daemon was
 * configured to send: its OPEN, the prefixes and attributes of its routes,
 * End-of-RIB for both families, and no RFC 7606 finding at all.
 */
#include <errno.h>

#include "test_bgp_util.h"

struct attr_check {
	const char *prefix;
	uint32_t community;
	uint32_t large[3];
	uint32_t med;        /* 0: must be absent */
	const char *nexthop; /* NULL: not checked */
};

struct capture {
	const char *file;
	uint32_t as;
	bool ext_msg;
	uint8_t addpath[BGP_AF_COUNT];
	const char *announced[8];
	const char *withdrawn[4];
	struct attr_check attr;
	const char *nexthop6; /* expected global next hop of its own IPv6 route */
};

static const struct capture captures[] = {
    {"bird2_rx.bin",
     65002,
     true,
     {3, 3},
     {"198.51.100.0/24", "203.0.113.128/25", "2001:db8:100::/48", "2001:db8:200::1/128"},
     {NULL},
     /* BIRD does not export the locally set bgp_med to an eBGP peer */
     {"203.0.113.128/25", 0xfdea0007, {65002, 1, 1}, 0, "192.0.2.2"},
     "2001:db8::2"},
    {"gobgp3_rx.bin",
     65003,
     false,
     {3, 0},
     {"198.51.100.0/24", "2001:db8:100::/48"},
     {NULL},
     {"198.51.100.0/24", 0xfdeb0007, {65003, 1, 1}, 50, NULL},
     "2001:db8::2"},
    {"frr8_rx.bin",
     65004,
     true,
     {3, 3},
     /* its own routes, then ours reflected back */
     {"198.51.100.0/24", "2001:db8:100::/48", "192.0.2.99/32", "198.18.0.0/15",
      "2001:db8:99::1/128", "2001:db8:9900::/40"},
     {"192.0.2.99/32", "2001:db8:99::1/128"},
     {"198.51.100.0/24", 0xfdec0007, {65004, 1, 1}, 50, NULL},
     NULL},
};

#define MAX_SEEN 32

struct seen {
	char ann[MAX_SEEN][BGP_PREFIX_STRLEN];
	size_t n_ann;
	char wd[MAX_SEEN][BGP_PREFIX_STRLEN];
	size_t n_wd;
	unsigned eor[BGP_AF_COUNT];
	bool attr_checked, nh6_checked;
};

static void check_attrs(const struct capture *c, const struct bgp_attrs *a)
{
	const struct attr_check *x = &c->attr;
	uint8_t want[12];
	bool found = false;

	if (x->med) {
		assert_true(a->present & BGP_PA_MED);
		assert_int_equal(a->med, x->med);
	} else {
		assert_false(a->present & BGP_PA_MED);
	}
	assert_true(a->present & BGP_PA_COMMUNITIES);
	for (size_t i = 0; i + 4 <= a->communities_len; i += 4)
		found |=
		    ((uint32_t)a->communities[i] << 24 | (uint32_t)a->communities[i + 1] << 16 |
		     (uint32_t)a->communities[i + 2] << 8 | a->communities[i + 3]) == x->community;
	assert_true(found);
	assert_true(a->present & BGP_PA_LARGE_COMMUNITIES);
	for (int i = 0; i < 3; i++) {
		want[4 * i] = (uint8_t)(x->large[i] >> 24);
		want[4 * i + 1] = (uint8_t)(x->large[i] >> 16);
		want[4 * i + 2] = (uint8_t)(x->large[i] >> 8);
		want[4 * i + 3] = (uint8_t)x->large[i];
	}
	assert_int_equal(a->large_communities_len, 12);
	assert_memory_equal(a->large_communities, want, 12);
	if (x->nexthop) {
		struct core_addr nh;

		assert_int_equal(core_addr_parse(x->nexthop, &nh), 0);
		assert_memory_equal(a->next_hop.bytes, nh.bytes, 4);
	}
}

static void collect(const struct capture *c, const struct bgp_update *u, uint8_t family,
                    const uint8_t *nlri, size_t len, bool addpath, bool announce, struct seen *s)
{
	struct bgp_prefix p[MAX_SEEN];
	size_t n = collect_nlri(nlri, len, family, addpath, p, MAX_SEEN);

	for (size_t i = 0; i < n; i++) {
		char *dst = announce ? s->ann[s->n_ann] : s->wd[s->n_wd];

		assert_true((announce ? s->n_ann : s->n_wd) < MAX_SEEN);
		bgp_prefix_format(&p[i], dst, BGP_PREFIX_STRLEN);
		announce ? s->n_ann++ : s->n_wd++;
		if (announce && strcmp(dst, c->attr.prefix) == 0) {
			check_attrs(c, &u->attrs);
			s->attr_checked = true;
		}
		if (announce && family == AF_INET6 && c->nexthop6 &&
		    strcmp(dst, "2001:db8:100::/48") == 0) {
			struct core_addr nh;

			assert_int_equal(core_addr_parse(c->nexthop6, &nh), 0);
			assert_memory_equal(u->attrs.mp_reach.nexthop.bytes, nh.bytes, 16);
			s->nh6_checked = true;
		}
	}
}

static bool listed(const char (*list)[BGP_PREFIX_STRLEN], size_t n, const char *want)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], want) == 0)
			return true;
	return false;
}

static void run_capture(void **state)
{
	const struct capture *c = *state;
	struct bgp_session_params sp = {0};
	struct seen s;
	size_t len, off = 0, mlen, n_open = 0;
	uint8_t *buf = load_capture(c->file, &len);

	memset(&s, 0, sizeof(s));
	while (off < len) {
		struct bgp_error err;
		struct bgp_msg m;

		assert_int_equal(
		    bgp_header_check(buf + off, len - off, BGP_MAX_EXT_MSG_LEN, &mlen, &err), 0);
		assert_true(mlen <= len - off);
		assert_int_equal(bgp_msg_decode(buf + off, mlen, &sp, &m, &err), 0);
		assert_int_equal(err.action, BGP_UPD_OK);
		if (m.type == BGP_MSG_OPEN) {
			const struct bgp_caps *cp = &m.u.open.caps;

			n_open++;
			assert_int_equal(m.u.open.my_as, c->as);
			assert_true(cp->as4);
			assert_int_equal(cp->as4_asn, c->as);
			assert_int_equal(m.u.open.bgp_id, 0xc0000202);
			assert_true(cp->mp[BGP_AF_IPV4] && cp->mp[BGP_AF_IPV6]);
			assert_true(cp->route_refresh);
			assert_true(cp->gr);
			assert_int_equal(cp->gr_time, 120);
			assert_int_equal(cp->ext_msg, c->ext_msg);
			assert_int_equal(cp->addpath[BGP_AF_IPV4], c->addpath[BGP_AF_IPV4]);
			assert_int_equal(cp->addpath[BGP_AF_IPV6], c->addpath[BGP_AF_IPV6]);
			/* What an FSM would negotiate with our probe (which offered all). */
			sp.as4 = cp->as4;
			sp.ext_msg = cp->ext_msg;
			for (int af = 0; af < BGP_AF_COUNT; af++)
				sp.addpath_rx[af] = cp->addpath[af] & BGP_ADDPATH_SEND ? 1 : 0;
		} else if (m.type == BGP_MSG_UPDATE) {
			const struct bgp_update *u = &m.u.update;
			const struct bgp_attrs *a = &u->attrs;

			if (u->end_of_rib)
				s.eor[u->end_of_rib_af]++;
			collect(c, u, AF_INET, u->nlri, u->nlri_len, sp.addpath_rx[0], true, &s);
			collect(c, u, AF_INET, u->withdrawn, u->withdrawn_len, sp.addpath_rx[0],
			        false, &s);
			if (a->present & BGP_PA_MP_REACH) {
				assert_int_equal(a->mp_reach.afi, BGP_AFI_IPV6);
				collect(c, u, AF_INET6, a->mp_reach.nlri, a->mp_reach.nlri_len,
				        sp.addpath_rx[1], true, &s);
			}
			if (a->present & BGP_PA_MP_UNREACH)
				collect(c, u, AF_INET6, a->mp_unreach.nlri, a->mp_unreach.nlri_len,
				        sp.addpath_rx[1], false, &s);
		}
		off += mlen;
	}
	free(buf);
	assert_int_equal(n_open, 1);
	assert_true(s.eor[BGP_AF_IPV4] >= 1 && s.eor[BGP_AF_IPV6] >= 1);
	for (size_t i = 0; i < 8 && c->announced[i]; i++)
		if (!listed(s.ann, s.n_ann, c->announced[i]))
			fail_msg("%s: %s not announced", c->file, c->announced[i]);
	for (size_t i = 0; i < 4 && c->withdrawn[i]; i++)
		if (!listed(s.wd, s.n_wd, c->withdrawn[i]))
			fail_msg("%s: %s not withdrawn", c->file, c->withdrawn[i]);
	assert_true(s.attr_checked);
	assert_int_equal(s.nh6_checked, c->nexthop6 != NULL);
}

int main(void)
{
	struct CMUnitTest t[sizeof(captures) / sizeof(captures[0])];

	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++)
		t[i] = (struct CMUnitTest){.name = captures[i].file,
		                           .test_func = run_capture,
		                           .initial_state = (void *)&captures[i]};
	return _cmocka_run_group_tests("bgp_interop_captures", t,
	                               sizeof(captures) / sizeof(captures[0]), NULL, NULL);
}
