/*
 * Adj-RIB-Out state: no-op suppression, withdraw/re-announce, route
 * refresh, session down/up with End-of-RIB, attribute set lifetimes,
 * invalid input, and a randomized run against a reference model.
 */
#include "test_bgp_rib_util.h"

static const struct bgp_session_params SP = {.as4 = true};
static uint8_t buf[BGP_MAX_MSG_LEN];

static void announce(struct rib_out *r, enum bgp_af af, uint32_t n, uint32_t id)
{
	struct bgp_prefix p = pfx(af, n, 0);

	assert_int_equal(rib_out_announce(r, &p, id), 0);
}

static void withdraw(struct rib_out *r, enum bgp_af af, uint32_t n)
{
	struct bgp_prefix p = pfx(af, n, 0);

	assert_int_equal(rib_out_withdraw(r, &p), 0);
}

static void test_noop_suppression(void **state)
{
	struct rib_out *r = rib_out_new();
	struct peer *pe = peer_new(&SP);
	uint32_t a = add_attrs(r, 1), b = add_attrs(r, 2);

	(void)state;
	announce(r, BGP_AF_IPV4, 1, a);
	/* The route and an End-of-RIB per family. */
	assert_int_equal(drain(r, pe, &SP, AF_BOTH, sizeof(buf)), 3);

	/* Announce what the peer already has. */
	announce(r, BGP_AF_IPV4, 1, a);
	assert_false(rib_out_has_pending(r, AF_BOTH));
	/* Announce then withdraw before the flush. */
	announce(r, BGP_AF_IPV4, 2, a);
	assert_true(rib_out_has_pending(r, AF_V4));
	withdraw(r, BGP_AF_IPV4, 2);
	assert_false(rib_out_has_pending(r, AF_V4));
	/* Withdraw what was never sent. */
	withdraw(r, BGP_AF_IPV4, 3);
	/* Change the set and change it back. */
	announce(r, BGP_AF_IPV4, 1, b);
	announce(r, BGP_AF_IPV4, 1, a);
	/* Withdraw and announce again as it was. */
	withdraw(r, BGP_AF_IPV4, 1);
	announce(r, BGP_AF_IPV4, 1, a);
	/* Equal content interned again is the same set. */
	assert_int_equal(add_attrs(r, 1), a);
	announce(r, BGP_AF_IPV4, 1, a);
	assert_false(rib_out_has_pending(r, AF_BOTH));
	assert_int_equal(rib_out_next_update(r, buf, sizeof(buf), &SP, AF_BOTH), 0);
	assert_int_equal(drain(r, pe, &SP, AF_BOTH, sizeof(buf)), 0);
	assert_int_equal(pe->ann_noop + pe->wd_noop, 0);
	free(pe);
	rib_out_free(r);
}

static void test_withdraw_and_reannounce(void **state)
{
	struct rib_out *r = rib_out_new();
	struct peer *pe = peer_new(&SP);
	uint32_t a = add_attrs(r, 1), b = add_attrs(r, 2), want, sent;
	struct bgp_prefix p = pfx(BGP_AF_IPV4, 7, 0);
	struct rib_out_stats st;

	(void)state;
	announce(r, BGP_AF_IPV4, 7, a);
	drain(r, pe, &SP, AF_V4, sizeof(buf));
	assert_int_equal(rib_out_lookup(r, &p, &want, &sent), 0);
	assert_int_equal(want, a);
	assert_int_equal(sent, a);

	/* New attributes: one UPDATE with the new next hop. */
	announce(r, BGP_AF_IPV4, 7, b);
	assert_int_equal(rib_out_lookup(r, &p, &want, &sent), 0);
	assert_int_equal(want, b);
	assert_int_equal(sent, a);
	assert_int_equal(drain(r, pe, &SP, AF_V4, sizeof(buf)), 1);
	assert_int_equal(pe->rib[BGP_AF_IPV4][0][7], 2);

	/* Withdraw: one UPDATE, then the route is forgotten. */
	withdraw(r, BGP_AF_IPV4, 7);
	rib_out_stats(r, &st);
	assert_int_equal(st.wanted[BGP_AF_IPV4], 0);
	assert_int_equal(st.sent[BGP_AF_IPV4], 1);
	assert_int_equal(st.pending[BGP_AF_IPV4], 1);
	assert_int_equal(drain(r, pe, &SP, AF_V4, sizeof(buf)), 1);
	assert_int_equal(pe->rib[BGP_AF_IPV4][0][7], 0);
	assert_int_equal(rib_out_lookup(r, &p, &want, &sent), -ENOENT);
	rib_out_stats(r, &st);
	assert_int_equal(st.sent[BGP_AF_IPV4], 0);
	assert_int_equal(st.pending[BGP_AF_IPV4], 0);
	free(pe);
	rib_out_free(r);
}

static void test_refresh(void **state)
{
	struct rib_out *r = rib_out_new();
	struct peer *pe = peer_new(&SP);
	uint32_t a = add_attrs(r, 1);

	(void)state;
	for (uint32_t i = 0; i < 10; i++) {
		announce(r, BGP_AF_IPV4, i, a);
		announce(r, BGP_AF_IPV6, i, a);
	}
	drain(r, pe, &SP, AF_BOTH, sizeof(buf));
	withdraw(r, BGP_AF_IPV4, 0); /* a withdrawal stays a withdrawal */
	rib_out_refresh(r, BGP_AF_IPV4);
	pe->ann = pe->wd = 0;
	pe->ann_noop = 0;
	drain(r, pe, &SP, AF_BOTH, sizeof(buf));
	assert_int_equal(pe->ann, 9);
	assert_int_equal(pe->ann_noop, 9); /* the peer had them: a resend */
	assert_int_equal(pe->wd, 1);
	assert_int_equal(pe->eor[BGP_AF_IPV4], 1); /* no new End-of-RIB */
	assert_int_equal(pe->n_routes[BGP_AF_IPV6], 10);
	rib_out_refresh(r, BGP_AF_IPV6);
	pe->ann = 0;
	drain(r, pe, &SP, AF_BOTH, sizeof(buf));
	assert_int_equal(pe->ann, 10);
	free(pe);
	rib_out_free(r);
}

static void test_session_down_up(void **state)
{
	struct rib_out *r = rib_out_new();
	struct peer *pe = peer_new(&SP);
	uint32_t a = add_attrs(r, 1), b = add_attrs(r, 2);

	(void)state;
	assert_false(rib_out_synced(r, BGP_AF_IPV4));
	for (uint32_t i = 0; i < 100; i++)
		announce(r, BGP_AF_IPV4, i, a);
	drain(r, pe, &SP, AF_V4, sizeof(buf));
	assert_true(rib_out_synced(r, BGP_AF_IPV4));
	assert_false(rib_out_synced(r, BGP_AF_IPV6));

	/* Pending changes at the time the session drops. */
	for (uint32_t i = 0; i < 10; i++)
		withdraw(r, BGP_AF_IPV4, i);
	announce(r, BGP_AF_IPV4, 50, b);
	rib_out_session_down(r);
	assert_false(rib_out_synced(r, BGP_AF_IPV4));
	announce(r, BGP_AF_IPV4, 200, b); /* while down */

	/* The new session gets the table as it is now, and nothing else. */
	free(pe);
	pe = peer_new(&SP);
	drain(r, pe, &SP, AF_V4, sizeof(buf));
	assert_int_equal(pe->n_routes[BGP_AF_IPV4], 91);
	assert_int_equal(pe->wd, 0);
	assert_int_equal(pe->rib[BGP_AF_IPV4][0][50], 2);
	assert_int_equal(pe->rib[BGP_AF_IPV4][0][200], 2);
	assert_int_equal(pe->rib[BGP_AF_IPV4][0][99], 1);
	assert_int_equal(pe->eor[BGP_AF_IPV4], 1);
	assert_true(rib_out_synced(r, BGP_AF_IPV4));
	free(pe);
	rib_out_free(r);
}

/* End-of-RIB right after the routes wanted when the sync started. */
static void test_eor_after_initial_routes(void **state)
{
	struct rib_out *r = rib_out_new();
	struct peer *pe = peer_new(&SP);
	uint32_t a = add_attrs(r, 1), b = add_attrs(r, 2);
	uint32_t initial_seen = 0;
	bool eor_seen = false;
	ssize_t len;

	(void)state;
	for (uint32_t i = 0; i < 2000; i++)
		announce(r, BGP_AF_IPV4, i, a);
	len = rib_out_next_update(r, buf, sizeof(buf), &SP, AF_V4);
	initial_seen += peer_recv(pe, buf, (size_t)len).n_ann;
	/* Churn after the sync started does not delay End-of-RIB. */
	for (uint32_t i = 5000; i < 5500; i++)
		announce(r, BGP_AF_IPV4, i, b);
	while ((len = rib_out_next_update(r, buf, sizeof(buf), &SP, AF_V4)) > 0) {
		struct msg_info mi = peer_recv(pe, buf, (size_t)len);

		if (mi.eor) {
			assert_false(eor_seen);
			assert_int_equal(initial_seen, 2000);
			eor_seen = true;
		} else if (mi.tag == 1) {
			assert_false(eor_seen);
			initial_seen += mi.n_ann;
		}
	}
	assert_true(eor_seen);
	assert_int_equal(pe->n_routes[BGP_AF_IPV4], 2500);

	/* An empty table: End-of-RIB at once, for each enabled family. */
	rib_out_free(r);
	r = rib_out_new();
	free(pe);
	pe = peer_new(&SP);
	assert_true(rib_out_has_pending(r, AF_BOTH));
	assert_int_equal(drain(r, pe, &SP, AF_BOTH, sizeof(buf)), 2);
	assert_int_equal(pe->eor[BGP_AF_IPV4], 1);
	assert_int_equal(pe->eor[BGP_AF_IPV6], 1);
	free(pe);
	rib_out_free(r);
}

static void test_attribute_set_lifetime(void **state)
{
	struct rib_out *r = rib_out_new();
	struct peer *pe = peer_new(&SP);
	struct rib_out_stats st;
	uint32_t a = add_attrs(r, 1), b;

	(void)state;
	announce(r, BGP_AF_IPV4, 1, a);
	rib_out_attrs_put(r, a); /* the route keeps it alive */
	rib_out_stats(r, &st);
	assert_int_equal(st.attr_sets, 1);
	drain(r, pe, &SP, AF_V4, sizeof(buf));
	/* Re-pointed to b: a lives on while the peer still has it. */
	b = add_attrs(r, 2);
	announce(r, BGP_AF_IPV4, 1, b);
	rib_out_stats(r, &st);
	assert_int_equal(st.attr_sets, 2);
	drain(r, pe, &SP, AF_V4, sizeof(buf));
	rib_out_stats(r, &st);
	assert_int_equal(st.attr_sets, 1);
	/* a's id is free now; announcing with it fails. */
	{
		struct bgp_prefix p = pfx(BGP_AF_IPV4, 2, 0);

		assert_int_equal(rib_out_announce(r, &p, a), -ENOENT);
	}
	withdraw(r, BGP_AF_IPV4, 1);
	rib_out_attrs_put(r, b);
	rib_out_stats(r, &st);
	assert_int_equal(st.attr_sets, 1); /* the peer has it until the flush */
	drain(r, pe, &SP, AF_V4, sizeof(buf));
	rib_out_stats(r, &st);
	assert_int_equal(st.attr_sets, 0);
	rib_out_attrs_put(r, b); /* stale put: ignored */
	rib_out_attrs_put(r, 12345);
	free(pe);
	rib_out_free(r);
}

static void test_invalid_input(void **state)
{
	struct rib_out *r = rib_out_new();
	struct bgp_out_attrs at = attrs_tag(1);
	struct bgp_prefix p = pfx(BGP_AF_IPV4, 1, 0);
	uint32_t id = add_attrs(r, 1), id4, big[1000] = {0};

	(void)state;
	p.len = 24; /* host bits set past /24 */
	assert_int_equal(rib_out_announce(r, &p, id), -EINVAL);
	assert_int_equal(rib_out_withdraw(r, &p), -EINVAL);
	p.len = 33;
	assert_int_equal(rib_out_announce(r, &p, id), -EINVAL);
	p = pfx(BGP_AF_IPV4, 1, 0);
	p.family = 99;
	assert_int_equal(rib_out_announce(r, &p, id), -EINVAL);
	p = pfx(BGP_AF_IPV4, 1, 0);
	assert_int_equal(rib_out_announce(r, &p, 0), -ENOENT);
	assert_int_equal(rib_out_announce(r, &p, 999), -ENOENT);
	assert_int_equal(rib_out_announce(r, NULL, id), -EINVAL);

	/* A set without an IPv6 next hop cannot carry IPv6 prefixes. */
	at.next_hop6.family = 0;
	assert_int_equal(rib_out_attrs_add(r, &at, &id4), 0);
	p = pfx(BGP_AF_IPV6, 1, 0);
	assert_int_equal(rib_out_announce(r, &p, id4), -EINVAL);
	p = pfx(BGP_AF_IPV4, 1, 0);
	assert_int_equal(rib_out_announce(r, &p, id4), 0);

	at = attrs_tag(1);
	at.as_path[0] = 0; /* RFC 7607 */
	assert_int_equal(rib_out_attrs_add(r, &at, &id4), -EINVAL);
	at = attrs_tag(1);
	at.next_hop.family = AF_INET6;
	assert_int_equal(rib_out_attrs_add(r, &at, &id4), -EINVAL);
	/* RFC 4271 6.3: next hops that are not host addresses. */
	at = attrs_tag(1);
	at.next_hop.bytes[0] = 127;
	assert_int_equal(rib_out_attrs_add(r, &at, &id4), -EINVAL);
	at = attrs_tag(1);
	at.next_hop.bytes[0] = 224;
	assert_int_equal(rib_out_attrs_add(r, &at, &id4), -EINVAL);
	at = attrs_tag(1);
	memset(at.next_hop6.bytes, 0, 16);
	assert_int_equal(rib_out_attrs_add(r, &at, &id4), -EINVAL);
	at = attrs_tag(1);
	at.next_hop6.bytes[0] = 0xff;
	assert_int_equal(rib_out_attrs_add(r, &at, &id4), -EINVAL);
	at = attrs_tag(1);
	at.next_hop6_ll = at.next_hop6; /* not fe80::/10 */
	assert_int_equal(rib_out_attrs_add(r, &at, &id4), -EINVAL);
	at = attrs_tag(1);
	at.as_path_len = 9;
	assert_int_equal(rib_out_attrs_add(r, &at, &id4), -EINVAL);
	at = attrs_tag(1);
	at.n_communities = 3; /* NULL array */
	assert_int_equal(rib_out_attrs_add(r, &at, &id4), -EINVAL);
	at.communities = big;
	at.n_communities = 1000;
	assert_int_equal(rib_out_attrs_add(r, &at, &id4), -EMSGSIZE);
	at = attrs_tag(1);
	at.next_hop.family = 0;
	at.next_hop6.family = 0;
	assert_int_equal(rib_out_attrs_add(r, &at, &id4), -EINVAL);
	assert_int_equal(rib_out_next_update(r, buf, sizeof(buf), NULL, AF_V4), -EINVAL);
	assert_int_equal(rib_out_next_update(NULL, buf, sizeof(buf), &SP, AF_V4), -EINVAL);
	rib_out_free(r);
	rib_out_free(NULL);
}

/* ---- randomized run against a reference model ---- */

#define U 48 /* prefixes per family */

static uint32_t rng(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void check_peer_matches(const struct peer *pe, uint8_t model[BGP_AF_COUNT][U],
                               const bool af[BGP_AF_COUNT])
{
	for (int f = 0; f < BGP_AF_COUNT; f++)
		for (uint32_t i = 0; f < BGP_AF_COUNT && af[f] && i < U; i++)
			assert_int_equal(pe->rib[f][0][i], model[f][i]);
}

static void test_random_against_model(void **state)
{
	uint32_t seed = 0x9e3779b9u;

	(void)state;
	for (int round = 0; round < 40; round++) {
		struct rib_out *r = rib_out_new();
		struct peer *pe = peer_new(&SP);
		uint8_t model[BGP_AF_COUNT][U] = {{0}};
		uint32_t id[4];
		struct rib_out_stats st;

		for (int k = 1; k < 4; k++)
			id[k] = add_attrs(r, (uint8_t)k);
		for (int step = 0; step < 400; step++) {
			uint32_t x = rng(&seed);
			enum bgp_af f = (enum bgp_af)(x & 1);
			uint32_t n = (x >> 1) % U, op = (x >> 8) % 100;

			if (op < 45) {
				uint8_t tag = (uint8_t)(1 + (x >> 16) % 3);

				announce(r, f, n, id[tag]);
				model[f][n] = tag;
			} else if (op < 80) {
				withdraw(r, f, n);
				model[f][n] = 0;
			} else if (op < 92) {
				/* A partial flush: one message. */
				ssize_t len = rib_out_next_update(r, buf, 200, &SP, AF_BOTH);

				assert_true(len >= 0);
				if (len > 0)
					peer_recv(pe, buf, (size_t)len);
			} else if (op < 96) {
				rib_out_refresh(r, f);
			} else {
				rib_out_session_down(r);
				free(pe);
				pe = peer_new(&SP);
			}
		}
		drain(r, pe, &SP, AF_BOTH, 200);
		check_peer_matches(pe, model, AF_BOTH);
		assert_int_equal(pe->wd_noop, 0);
		rib_out_stats(r, &st);
		for (int f = 0; f < BGP_AF_COUNT; f++) {
			uint64_t n = 0;

			for (uint32_t i = 0; i < U; i++)
				n += model[f][i] != 0;
			assert_int_equal(st.wanted[f], n);
			assert_int_equal(st.sent[f], n);
			assert_int_equal(st.pending[f], 0);
			assert_int_equal(pe->n_routes[f], n);
		}
		free(pe);
		rib_out_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_noop_suppression),
	    cmocka_unit_test(test_withdraw_and_reannounce),
	    cmocka_unit_test(test_refresh),
	    cmocka_unit_test(test_session_down_up),
	    cmocka_unit_test(test_eor_after_initial_routes),
	    cmocka_unit_test(test_attribute_set_lifetime),
	    cmocka_unit_test(test_invalid_input),
	    cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
