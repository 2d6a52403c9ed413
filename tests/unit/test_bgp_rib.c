/*
 * Adj-RIB-Out packing: full messages, grouping by attribute set, IPv6 in
 * MP_REACH/MP_UNREACH, ADD-PATH path ids, extended messages. Every
 * message is decoded by the real codec as the peer would.
 */
#include "test_bgp_rib_util.h"

static const struct bgp_session_params SP_AS4 = {.as4 = true};

/* A full message holds exactly as many /32s as fit. */
static void test_packing_full_messages(void **state)
{
	struct rib_out *r = rib_out_new();
	struct peer *pe = peer_new(&SP_AS4);
	uint8_t buf[BGP_MAX_MSG_LEN];
	uint32_t id = add_attrs(r, 1);
	const uint32_t n = 2000;
	uint32_t total = 0, msgs = 0;
	size_t per_msg = 0;
	ssize_t len;

	(void)state;
	for (uint32_t i = 0; i < n; i++) {
		struct bgp_prefix p = pfx(BGP_AF_IPV4, i, 0);

		assert_int_equal(rib_out_announce(r, &p, id), 0);
	}
	while ((len = rib_out_next_update(r, buf, sizeof(buf), &SP_AS4, AF_V4)) > 0) {
		struct msg_info mi = peer_recv(pe, buf, (size_t)len);

		if (mi.eor)
			break;
		msgs++;
		total += mi.n_ann;
		if (msgs == 1) {
			/* 23 fixed + attributes + 5 octets per /32. */
			per_msg = (BGP_MAX_MSG_LEN - 23 - mi.attr_len) / 5;
			assert_int_equal(mi.n_ann, per_msg);
		}
		if (total < n) {
			assert_int_equal(mi.n_ann, per_msg);
			assert_true(mi.len + 5 > BGP_MAX_MSG_LEN);
		}
	}
	assert_int_equal(total, n);
	assert_int_equal(msgs, (n + per_msg - 1) / per_msg);
	assert_int_equal(pe->n_routes[BGP_AF_IPV4], n);
	assert_int_equal(pe->eor[BGP_AF_IPV4], 1);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(pe->rib[BGP_AF_IPV4][0][i], 1);
	assert_int_equal(rib_out_next_update(r, buf, sizeof(buf), &SP_AS4, AF_V4), 0);
	free(pe);
	rib_out_free(r);
}

/* The caller's buffer bounds the message too; too small is an error. */
static void test_small_buffer(void **state)
{
	struct rib_out *r = rib_out_new();
	struct peer *pe = peer_new(&SP_AS4);
	uint8_t buf[64];
	uint32_t id = add_attrs(r, 1);

	(void)state;
	for (uint32_t i = 0; i < 20; i++) {
		struct bgp_prefix p = pfx(BGP_AF_IPV4, i, 0);

		assert_int_equal(rib_out_announce(r, &p, id), 0);
	}
	/* Not even one prefix fits next to the attributes in 40 octets. */
	assert_int_equal(rib_out_next_update(r, buf, 40, &SP_AS4, AF_V4), -ENOBUFS);
	assert_true(rib_out_has_pending(r, AF_V4));
	assert_true(drain(r, pe, &SP_AS4, AF_V4, sizeof(buf)) > 5);
	assert_int_equal(pe->n_routes[BGP_AF_IPV4], 20);
	free(pe);
	rib_out_free(r);
}

static void test_extended_messages(void **state)
{
	struct bgp_session_params sp = {.as4 = true, .ext_msg = true};
	struct rib_out *r = rib_out_new();
	struct peer *pe = peer_new(&sp);
	static uint8_t buf[BGP_MAX_EXT_MSG_LEN];
	uint32_t id = add_attrs(r, 7);
	ssize_t len;
	struct msg_info mi;

	(void)state;
	for (uint32_t i = 0; i < 30000; i++) {
		struct bgp_prefix p = pfx(BGP_AF_IPV4, i, 0);

		assert_int_equal(rib_out_announce(r, &p, id), 0);
	}
	len = rib_out_next_update(r, buf, sizeof(buf), &sp, AF_V4);
	assert_true(len > BGP_MAX_EXT_MSG_LEN - 5);
	mi = peer_recv(pe, buf, (size_t)len);
	assert_int_equal(mi.n_ann, (BGP_MAX_EXT_MSG_LEN - 23 - mi.attr_len) / 5);
	/* Without the capability the same table goes in 4096-octet pieces. */
	rib_out_session_down(r);
	sp.ext_msg = false;
	free(pe);
	pe = peer_new(&sp);
	assert_true(drain(r, pe, &sp, AF_V4, sizeof(buf)) > 30000 / 820);
	assert_int_equal(pe->n_routes[BGP_AF_IPV4], 30000);
	free(pe);
	rib_out_free(r);
}

/* One attribute set per UPDATE; interleaved announcements still group. */
static void test_grouping_by_attributes(void **state)
{
	struct rib_out *r = rib_out_new();
	struct peer *pe = peer_new(&SP_AS4);
	uint8_t buf[BGP_MAX_MSG_LEN];
	uint32_t id[3];
	uint32_t msgs_by_tag[4] = {0};
	ssize_t len;

	(void)state;
	for (int k = 0; k < 3; k++)
		id[k] = add_attrs(r, (uint8_t)(k + 1));
	for (uint32_t i = 0; i < 300; i++) {
		struct bgp_prefix p = pfx(BGP_AF_IPV4, i, 0);

		assert_int_equal(rib_out_announce(r, &p, id[i % 3]), 0);
	}
	while ((len = rib_out_next_update(r, buf, sizeof(buf), &SP_AS4, AF_V4)) > 0) {
		struct msg_info mi = peer_recv(pe, buf, (size_t)len);

		if (mi.eor)
			continue;
		assert_int_equal(mi.n_ann, 100);
		msgs_by_tag[mi.tag]++;
	}
	assert_int_equal(msgs_by_tag[1], 1);
	assert_int_equal(msgs_by_tag[2], 1);
	assert_int_equal(msgs_by_tag[3], 1);
	for (uint32_t i = 0; i < 300; i++)
		assert_int_equal(pe->rib[BGP_AF_IPV4][0][i], i % 3 + 1);
	free(pe);
	rib_out_free(r);
}

/* IPv4 withdrawals and announcements share a message when they fit. */
static void test_withdraw_and_announce_together(void **state)
{
	struct rib_out *r = rib_out_new();
	struct peer *pe = peer_new(&SP_AS4);
	uint8_t buf[BGP_MAX_MSG_LEN];
	uint32_t id = add_attrs(r, 1);
	struct msg_info mi;
	ssize_t len;

	(void)state;
	for (uint32_t i = 0; i < 10; i++) {
		struct bgp_prefix p = pfx(BGP_AF_IPV4, i, 0);

		assert_int_equal(rib_out_announce(r, &p, id), 0);
	}
	drain(r, pe, &SP_AS4, AF_V4, sizeof(buf));
	for (uint32_t i = 0; i < 10; i++) {
		struct bgp_prefix p = pfx(BGP_AF_IPV4, i, 0), q = pfx(BGP_AF_IPV4, 100 + i, 0);

		assert_int_equal(rib_out_withdraw(r, &p), 0);
		assert_int_equal(rib_out_announce(r, &q, id), 0);
	}
	len = rib_out_next_update(r, buf, sizeof(buf), &SP_AS4, AF_V4);
	assert_true(len > 0);
	mi = peer_recv(pe, buf, (size_t)len);
	assert_int_equal(mi.n_wd, 10);
	assert_int_equal(mi.n_ann, 10);
	assert_int_equal(rib_out_next_update(r, buf, sizeof(buf), &SP_AS4, AF_V4), 0);
	assert_int_equal(pe->n_routes[BGP_AF_IPV4], 10);
	assert_int_equal(pe->rib[BGP_AF_IPV4][0][105], 1);
	assert_int_equal(pe->rib[BGP_AF_IPV4][0][5], 0);
	free(pe);
	rib_out_free(r);
}

static void test_ipv6(void **state)
{
	struct rib_out *r = rib_out_new();
	struct peer *pe = peer_new(&SP_AS4);
	uint8_t buf[BGP_MAX_MSG_LEN];
	struct bgp_out_attrs a = attrs_tag(9);
	uint32_t id = add_attrs(r, 8), id_ll;
	struct msg_info mi;
	ssize_t len;

	(void)state;
	/* A second set with a link-local next hop: a 32-octet next hop. */
	a.next_hop6_ll.family = AF_INET6;
	a.next_hop6_ll.bytes[0] = 0xfe;
	a.next_hop6_ll.bytes[1] = 0x80;
	a.next_hop6_ll.bytes[15] = 1;
	assert_int_equal(rib_out_attrs_add(r, &a, &id_ll), 0);
	for (uint32_t i = 0; i < 500; i++) {
		struct bgp_prefix p = pfx(BGP_AF_IPV6, i, 0);

		assert_int_equal(rib_out_announce(r, &p, i < 250 ? id : id_ll), 0);
	}
	/* IPv6 prefixes wait while IPv6 is not enabled: only the IPv4 EoR. */
	assert_int_equal(drain(r, pe, &SP_AS4, AF_V4, sizeof(buf)), 1);
	assert_int_equal(pe->eor[BGP_AF_IPV4], 1);
	assert_int_equal(pe->n_routes[BGP_AF_IPV6], 0);
	assert_true(rib_out_has_pending(r, AF_V6));

	drain(r, pe, &SP_AS4, AF_V6, sizeof(buf));
	assert_int_equal(pe->n_routes[BGP_AF_IPV6], 500);
	assert_int_equal(pe->eor[BGP_AF_IPV6], 1);
	assert_int_equal(pe->rib[BGP_AF_IPV6][0][10], 8);
	assert_int_equal(pe->rib[BGP_AF_IPV6][0][300], 9);

	/* Withdrawals go in MP_UNREACH_NLRI, full messages of 17 octets each. */
	for (uint32_t i = 0; i < 500; i++) {
		struct bgp_prefix p = pfx(BGP_AF_IPV6, i, 0);

		assert_int_equal(rib_out_withdraw(r, &p), 0);
	}
	len = rib_out_next_update(r, buf, sizeof(buf), &SP_AS4, AF_V6);
	mi = peer_recv(pe, buf, (size_t)len);
	assert_int_equal(mi.af, BGP_AF_IPV6);
	assert_int_equal(mi.n_ann, 0);
	assert_int_equal(mi.n_wd, (BGP_MAX_MSG_LEN - 23 - 7) / 17);
	drain(r, pe, &SP_AS4, AF_V6, sizeof(buf));
	assert_int_equal(pe->n_routes[BGP_AF_IPV6], 0);
	assert_int_equal(pe->wd_noop, 0);
	free(pe);
	rib_out_free(r);
}

/* RFC 7911: one prefix, several paths, each its own route. */
static void test_addpath(void **state)
{
	struct bgp_session_params sp = {.as4 = true, .addpath_tx = {1, 1}};
	struct rib_out *r = rib_out_new();
	struct peer *pe = peer_new(&sp);
	uint8_t buf[BGP_MAX_MSG_LEN];
	uint32_t a = add_attrs(r, 1), b = add_attrs(r, 2);
	struct bgp_prefix p1 = pfx(BGP_AF_IPV4, 5, 1), p2 = pfx(BGP_AF_IPV4, 5, 2);
	struct bgp_prefix q1 = pfx(BGP_AF_IPV6, 5, 1), q3 = pfx(BGP_AF_IPV6, 5, 3);
	uint32_t want, sent;

	(void)state;
	assert_int_equal(rib_out_announce(r, &p1, a), 0);
	assert_int_equal(rib_out_announce(r, &p2, b), 0);
	assert_int_equal(rib_out_announce(r, &q1, a), 0);
	assert_int_equal(rib_out_announce(r, &q3, b), 0);
	drain(r, pe, &sp, AF_BOTH, sizeof(buf));
	assert_int_equal(pe->rib[BGP_AF_IPV4][1][5], 1);
	assert_int_equal(pe->rib[BGP_AF_IPV4][2][5], 2);
	assert_int_equal(pe->rib[BGP_AF_IPV6][1][5], 1);
	assert_int_equal(pe->rib[BGP_AF_IPV6][3][5], 2);
	assert_int_equal(pe->n_routes[BGP_AF_IPV4], 2);

	/* Withdrawing path 1 leaves path 2. */
	assert_int_equal(rib_out_withdraw(r, &p1), 0);
	drain(r, pe, &sp, AF_BOTH, sizeof(buf));
	assert_int_equal(pe->rib[BGP_AF_IPV4][1][5], 0);
	assert_int_equal(pe->rib[BGP_AF_IPV4][2][5], 2);
	assert_int_equal(rib_out_lookup(r, &p1, &want, &sent), -ENOENT);
	assert_int_equal(rib_out_lookup(r, &p2, &want, &sent), 0);
	assert_int_equal(want, b);
	assert_int_equal(sent, b);
	free(pe);
	rib_out_free(r);
}

/* Without 4-octet AS the AS_PATH uses 2-octet numbers: 4 octets, not 6. */
static void test_as_width_follows_session(void **state)
{
	struct bgp_session_params sp2 = {0};
	struct rib_out *r = rib_out_new();
	uint8_t buf[BGP_MAX_MSG_LEN];
	uint32_t id = add_attrs(r, 1);
	struct bgp_prefix p = pfx(BGP_AF_IPV4, 1, 0);
	struct peer *pe;
	struct msg_info mi;
	ssize_t len;

	(void)state;
	assert_int_equal(rib_out_announce(r, &p, id), 0);
	pe = peer_new(&sp2);
	len = rib_out_next_update(r, buf, sizeof(buf), &sp2, AF_V4);
	mi = peer_recv(pe, buf, (size_t)len);
	assert_int_equal(mi.as_path_len, 4);
	free(pe);

	rib_out_session_down(r);
	pe = peer_new(&SP_AS4);
	len = rib_out_next_update(r, buf, sizeof(buf), &SP_AS4, AF_V4);
	mi = peer_recv(pe, buf, (size_t)len);
	assert_int_equal(mi.as_path_len, 6);
	free(pe);
	rib_out_free(r);
}

/* Communities survive interning (the caller's arrays are copied). */
static void test_communities_copied(void **state)
{
	struct rib_out *r = rib_out_new();
	struct bgp_out_attrs a = attrs_tag(1);
	uint32_t comm[3] = {0xfde90001u, 0xfde90002u, 0xfde90003u};
	uint32_t large[3] = {65001, 1, 2};
	uint8_t buf[BGP_MAX_MSG_LEN];
	struct bgp_prefix p = pfx(BGP_AF_IPV4, 1, 0);
	struct bgp_msg m;
	struct bgp_error e;
	uint32_t id, id2;
	ssize_t len;

	(void)state;
	a.communities = comm;
	a.n_communities = 3;
	a.large_communities = large;
	a.n_large_communities = 1;
	a.has_med = true;
	a.med = 77;
	assert_int_equal(rib_out_attrs_add(r, &a, &id), 0);
	/* Same content in another array: same set. */
	{
		uint32_t comm2[3];

		memcpy(comm2, comm, sizeof(comm));
		a.communities = comm2;
		assert_int_equal(rib_out_attrs_add(r, &a, &id2), 0);
		assert_int_equal(id2, id);
	}
	memset(comm, 0, sizeof(comm));
	assert_int_equal(rib_out_announce(r, &p, id), 0);
	len = rib_out_next_update(r, buf, sizeof(buf), &SP_AS4, AF_V4);
	assert_int_equal(bgp_msg_decode(buf, (size_t)len, &SP_AS4, &m, &e), 0);
	assert_int_equal(m.u.update.attrs.communities_len, 12);
	assert_int_equal(m.u.update.attrs.communities[3], 0x01);
	assert_int_equal(m.u.update.attrs.communities[11], 0x03);
	assert_int_equal(m.u.update.attrs.large_communities_len, 12);
	assert_int_equal(m.u.update.attrs.med, 77);
	rib_out_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_packing_full_messages),
	    cmocka_unit_test(test_small_buffer),
	    cmocka_unit_test(test_extended_messages),
	    cmocka_unit_test(test_grouping_by_attributes),
	    cmocka_unit_test(test_withdraw_and_announce_together),
	    cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_addpath),
	    cmocka_unit_test(test_as_width_follows_session),
	    cmocka_unit_test(test_communities_copied),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
