/*
 * A peer's map from route attributes ids to its Adj-RIB-Out sets
 * (bgp/rib_out_map.h), down to the UPDATE bytes: LOCAL_PREF on iBGP only,
 * communities and large communities, the link bandwidth community with
 * the session's AS (AS_TRANS for a 4-octet one) and the peer's type,
 * the peers list, id 0 as the session's own set, equal sets sharing one
 * UPDATE, and the references a map holds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "bgp/rib_out_map.h"

static const struct bgp_session_params sp = {.as4 = true};
static const bool v4_only[BGP_AF_COUNT] = {true, false};

static struct bgp_prefix host(uint8_t last)
{
	struct bgp_prefix p = {.family = AF_INET, .len = 32, .addr = {203, 0, 113, last}};

	return p;
}

/* The session's set: eBGP prepends local_as, iBGP sends LOCAL_PREF 100
 * (what bgp/peer.c builds). */
static struct bgp_out_attrs base(bool ebgp, uint32_t local_as)
{
	struct bgp_out_attrs a;

	memset(&a, 0, sizeof(a));
	a.origin = BGP_ORIGIN_IGP;
	if (ebgp) {
		a.as_path[0] = local_as;
		a.as_path_len = 1;
	} else {
		a.has_local_pref = true;
		a.local_pref = 100;
	}
	a.next_hop.family = AF_INET;
	a.next_hop.bytes[0] = 192;
	a.next_hop.bytes[2] = 2;
	a.next_hop.bytes[3] = 1;
	return a;
}

struct fixture {
	struct rib_out *rib;
	struct bgp_route_attrs_tab *tab;
	struct rib_out_map map;
	uint8_t buf[4096];
	size_t len;
	struct bgp_msg msg;
};

static void fx_init(struct fixture *f, bool ebgp, uint32_t local_as, bool non_transitive)
{
	struct bgp_out_attrs b = base(ebgp, local_as);
	struct rib_out_map_session s = {.peer = "tor1",
	                                .local_as = local_as,
	                                .ebgp = ebgp,
	                                .link_bw_non_transitive = non_transitive};

	memset(f, 0, sizeof(*f));
	f->rib = rib_out_new();
	f->tab = bgp_route_attrs_tab_new();
	assert_non_null(f->rib);
	assert_non_null(f->tab);
	rib_out_map_init(&f->map, f->rib, f->tab);
	assert_int_equal(rib_out_map_base(&f->map, &b, &s), 0);
}

static void fx_fini(struct fixture *f)
{
	rib_out_map_fini(&f->map);
	rib_out_free(f->rib);
	bgp_route_attrs_tab_free(f->tab);
}

/* Announces p with route attributes id and decodes the UPDATE that
 * carries it (past the End-of-RIB of the first sync). */
static void announce_one(struct fixture *f, const struct bgp_prefix *p, uint32_t id)
{
	struct bgp_error err;
	uint32_t set;
	ssize_t n;

	assert_int_equal(rib_out_map_get(&f->map, id, &set), 0);
	assert_int_not_equal(set, 0);
	assert_int_equal(rib_out_announce(f->rib, p, set), 0);
	do {
		n = rib_out_next_update(f->rib, f->buf, sizeof(f->buf), &sp, v4_only);
		assert_true(n > 0);
		f->len = (size_t)n;
		memset(&err, 0, sizeof(err));
		assert_int_equal(bgp_msg_decode(f->buf, f->len, &sp, &f->msg, &err), 0);
		assert_int_equal(f->msg.type, BGP_MSG_UPDATE);
		assert_int_equal(err.action, BGP_UPD_OK);
	} while (f->msg.u.update.end_of_rib);
	assert_int_equal(f->msg.u.update.n_announce[BGP_AF_IPV4], 1);
}

static const uint32_t comms[] = {65000u << 16 | 100, 0xFFFFFF01u}; /* 65000:100, no-export */
static const uint32_t large[] = {65000, 1, 2};

static struct bgp_route_attrs pool(void)
{
	return (struct bgp_route_attrs){.communities = comms,
	                                .n_communities = 2,
	                                .large_communities = large,
	                                .n_large_communities = 1,
	                                .has_local_pref = true,
	                                .local_pref = 200,
	                                .link_bw = 3 * 125000};
}

/* eBGP: every attribute of the pool but LOCAL_PREF, byte for byte. */
static void test_ebgp_update_bytes(void **state)
{
	static const uint8_t want[] = {
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0x00, 0x55, 0x02,                         /* header: 85 octets, UPDATE */
	    0x00, 0x00,                                           /* no withdrawn routes */
	    0x00, 0x39,                                           /* 57 octets of attributes */
	    0x40, 0x01, 0x01, 0x00,                               /* ORIGIN IGP */
	    0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9, /* AS_PATH 65001 */
	    0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x01,             /* NEXT_HOP 192.0.2.1 */
	    /* COMMUNITIES 65000:100 no-export (RFC 1997) */
	    0xc0, 0x08, 0x08, 0xfd, 0xe8, 0x00, 0x64, 0xff, 0xff, 0xff, 0x01,
	    /* EXTENDED COMMUNITIES: link bandwidth, transitive two-octet AS
	     * 0x00, sub-type 0x04, AS 65001, 375000.0f bytes/s */
	    0xc0, 0x10, 0x08, 0x00, 0x04, 0xfd, 0xe9, 0x48, 0xb7, 0x1b, 0x00,
	    /* LARGE_COMMUNITY 65000:1:2 (RFC 8092) */
	    0xc0, 0x20, 0x0c, 0x00, 0x00, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	    0x02, 0x20, 0xcb, 0x00, 0x71, 0x05, /* NLRI 203.0.113.5/32 */
	};
	struct bgp_route_attrs ra = pool();
	struct fixture f;
	uint32_t id;

	fx_init(&f, true, 65001, false);
	assert_int_equal(bgp_route_attrs_add(f.tab, &ra, &id), 0);
	announce_one(
	    &f, &(struct bgp_prefix){.family = AF_INET, .len = 32, .addr = {203, 0, 113, 5}}, id);
	assert_int_equal(f.len, sizeof(want));
	assert_memory_equal(f.buf, want, sizeof(want));
	assert_false(f.msg.u.update.attrs.present & BGP_PA_LOCAL_PREF);
	fx_fini(&f);
}

/* iBGP: the pool's LOCAL_PREF replaces 100; without one, 100 stays. */
static void test_ibgp_local_pref(void **state)
{
	struct bgp_route_attrs ra = pool();
	struct fixture f;
	uint32_t id, id_nolp;

	fx_init(&f, false, 65001, false);
	assert_int_equal(bgp_route_attrs_add(f.tab, &ra, &id), 0);
	announce_one(
	    &f, &(struct bgp_prefix){.family = AF_INET, .len = 32, .addr = {203, 0, 113, 5}}, id);
	assert_true(f.msg.u.update.attrs.present & BGP_PA_LOCAL_PREF);
	assert_int_equal(f.msg.u.update.attrs.local_pref, 200);
	assert_int_equal(f.msg.u.update.attrs.as_path_len, 0);
	assert_int_equal(f.msg.u.update.attrs.communities_len, 8);
	assert_int_equal(f.msg.u.update.attrs.large_communities_len, 12);
	ra.has_local_pref = false;
	assert_int_equal(bgp_route_attrs_add(f.tab, &ra, &id_nolp), 0);
	announce_one(&f,
	             &(struct bgp_prefix){.family = AF_INET, .len = 32, .addr = {203, 0, 113, 6}},
	             id_nolp);
	assert_int_equal(f.msg.u.update.attrs.local_pref, 100);
	/* id 0: the session's own set, LOCAL_PREF 100 and nothing else */
	announce_one(
	    &f, &(struct bgp_prefix){.family = AF_INET, .len = 32, .addr = {203, 0, 113, 7}}, 0);
	assert_int_equal(f.msg.u.update.attrs.local_pref, 100);
	assert_int_equal(
	    f.msg.u.update.attrs.present &
	        (BGP_PA_COMMUNITIES | BGP_PA_EXT_COMMUNITIES | BGP_PA_LARGE_COMMUNITIES),
	    0);
	fx_fini(&f);
}

/* The community's type is the peer's choice, its AS the session's. */
static void test_link_bw_type_and_as(void **state)
{
	static const uint8_t nt[8] = {0x40, 0x04, 0xfd, 0xe9, 0x48, 0xb7, 0x1b, 0x00};
	static const uint8_t trans4[8] = {0x00, 0x04, 0x5b, 0xa0, 0x48, 0xb7, 0x1b, 0x00};
	static const uint8_t t1[8] = {0x00, 0x04, 0xfd, 0xe9, 0x47, 0xf4, 0x24, 0x00};
	struct bgp_route_attrs ra = {.link_bw = 375000};
	struct rib_out_map_session s = {.peer = "tor1", .local_as = 65001, .ebgp = true};
	struct fixture f;
	uint32_t id, set_t, set_nt;

	fx_init(&f, true, 65001, true);
	assert_int_equal(bgp_route_attrs_add(f.tab, &ra, &id), 0);
	announce_one(
	    &f, &(struct bgp_prefix){.family = AF_INET, .len = 32, .addr = {203, 0, 113, 5}}, id);
	assert_int_equal(f.msg.u.update.attrs.ext_communities_len, 8);
	assert_memory_equal(f.msg.u.update.attrs.ext_communities, nt, 8);
	assert_int_equal(rib_out_map_get(&f.map, id, &set_nt), 0);
	/* Switched to transitive in place: the map starts over, the same id
	 * gets another set */
	rib_out_map_session(&f.map, &s);
	assert_int_equal(rib_out_map_get(&f.map, id, &set_t), 0);
	assert_int_not_equal(set_t, set_nt);
	fx_fini(&f);

	/* A 4-octet local AS: AS_TRANS in the community (RFC 6793) */
	fx_init(&f, true, 4200000001u, false);
	assert_int_equal(bgp_route_attrs_add(f.tab, &ra, &id), 0);
	announce_one(
	    &f, &(struct bgp_prefix){.family = AF_INET, .len = 32, .addr = {203, 0, 113, 5}}, id);
	assert_memory_equal(f.msg.u.update.attrs.ext_communities, trans4, 8);
	fx_fini(&f);

	/* One endpoint at the default: 125000.0f = 0x47f42400 */
	fx_init(&f, false, 65001, false);
	ra.link_bw = 125000;
	assert_int_equal(bgp_route_attrs_add(f.tab, &ra, &id), 0);
	announce_one(
	    &f, &(struct bgp_prefix){.family = AF_INET, .len = 32, .addr = {203, 0, 113, 5}}, id);
	assert_memory_equal(f.msg.u.update.attrs.ext_communities, t1, 8);
	fx_fini(&f);
}

/* A peers list without this peer's name: not for it. */
static void test_peers_filter(void **state)
{
	const char *only_tor2[] = {"tor2"}, *both[] = {"tor2", "tor1"};
	struct bgp_route_attrs a = {.peers = only_tor2, .n_peers = 1};
	struct fixture f;
	uint32_t id2, id12, set;

	fx_init(&f, true, 65001, false);
	assert_int_equal(bgp_route_attrs_add(f.tab, &a, &id2), 0);
	a.peers = both;
	a.n_peers = 2;
	assert_int_equal(bgp_route_attrs_add(f.tab, &a, &id12), 0);
	assert_int_equal(rib_out_map_get(&f.map, id2, &set), 0);
	assert_int_equal(set, 0);
	assert_int_equal(rib_out_map_get(&f.map, id2, &set), 0); /* remembered */
	assert_int_equal(set, 0);
	assert_int_equal(rib_out_map_get(&f.map, id12, &set), 0);
	/* peers alone add nothing on the wire: the session's own set */
	assert_int_equal(set, f.map.base_id);
	/* a dead id maps to nothing and is not remembered */
	bgp_route_attrs_put(f.tab, id12);
	rib_out_map_drop(&f.map, id12);
	assert_int_equal(rib_out_map_get(&f.map, id12, &set), 0);
	assert_int_equal(set, 0);
	fx_fini(&f);
}

/* Ids whose sets come out equal on this session (LOCAL_PREF on eBGP)
 * share one Adj-RIB-Out set, so their routes share an UPDATE. */
static void test_equal_sets_pack(void **state)
{
	struct bgp_route_attrs a = pool(), b = pool();
	struct bgp_prefix p5 = host(5), p6 = host(6);
	struct fixture f;
	struct bgp_error err;
	uint32_t ia, ib, sa, sb;
	ssize_t n;

	b.local_pref = 300;
	fx_init(&f, true, 65001, false);
	assert_int_equal(bgp_route_attrs_add(f.tab, &a, &ia), 0);
	assert_int_equal(bgp_route_attrs_add(f.tab, &b, &ib), 0);
	assert_int_not_equal(ia, ib);
	assert_int_equal(rib_out_map_get(&f.map, ia, &sa), 0);
	assert_int_equal(rib_out_map_get(&f.map, ib, &sb), 0);
	assert_int_equal(sa, sb);
	assert_int_equal(rib_out_announce(f.rib, &p5, sa), 0);
	assert_int_equal(rib_out_announce(f.rib, &p6, sb), 0);
	n = rib_out_next_update(f.rib, f.buf, sizeof(f.buf), &sp, v4_only);
	assert_true(n > 0);
	assert_int_equal(bgp_msg_decode(f.buf, (size_t)n, &sp, &f.msg, &err), 0);
	assert_int_equal(f.msg.u.update.n_announce[BGP_AF_IPV4], 2);
	fx_fini(&f);
}

/* The map's references: dropping a mapping or a new base frees a set no
 * route uses; a set a route uses survives, and the same content interns
 * to it again. */
static void test_references(void **state)
{
	struct bgp_route_attrs a = pool();
	struct bgp_out_attrs b = base(true, 65001);
	struct rib_out_map_session s = {.peer = "tor1", .local_as = 65001, .ebgp = true};
	struct bgp_prefix p5 = host(5);
	struct rib_out_stats st;
	struct fixture f;
	uint32_t id, set, set2;

	fx_init(&f, true, 65001, false);
	assert_int_equal(bgp_route_attrs_add(f.tab, &a, &id), 0);
	rib_out_stats(f.rib, &st);
	assert_int_equal(st.attr_sets, 1); /* the base */
	assert_int_equal(rib_out_map_get(&f.map, id, &set), 0);
	rib_out_stats(f.rib, &st);
	assert_int_equal(st.attr_sets, 2);
	rib_out_map_drop(&f.map, id);
	rib_out_stats(f.rib, &st);
	assert_int_equal(st.attr_sets, 1);
	/* a route keeps its set across a new base of the same content */
	assert_int_equal(rib_out_map_get(&f.map, id, &set), 0);
	assert_int_equal(rib_out_announce(f.rib, &p5, set), 0);
	assert_int_equal(rib_out_map_base(&f.map, &b, &s), 0);
	rib_out_stats(f.rib, &st);
	assert_int_equal(st.attr_sets, 2);
	assert_int_equal(rib_out_map_get(&f.map, id, &set2), 0);
	assert_int_equal(set2, set);
	/* a base with communities is refused: the ids bring those */
	b.communities = (uint32_t *)comms;
	b.n_communities = 1;
	assert_int_equal(rib_out_map_base(&f.map, &b, &s), -EINVAL);
	assert_int_equal(rib_out_map_get(&f.map, 0, &set), 0);
	assert_int_equal(set, 0);
	assert_int_equal(rib_out_map_get(&f.map, id, &set), 0);
	assert_int_equal(set, 0);
	fx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ebgp_update_bytes),   cmocka_unit_test(test_ibgp_local_pref),
	    cmocka_unit_test(test_link_bw_type_and_as), cmocka_unit_test(test_peers_filter),
	    cmocka_unit_test(test_equal_sets_pack),     cmocka_unit_test(test_references),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
