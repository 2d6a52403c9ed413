/*
 * What a BFD state change does to BGP (speaker/bfd.h,
 * speaker_bfd_bgp_action): every (from, to, remote) against RFC 5882:
 * reaching Up starts a strict FSM (section 4.3), Up -> Down is a failure
 * unless the peer said AdminDown, AdminDown (the peer's or ours) is no
 * failure (section 3.2), and nothing else touches BGP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "speaker/bfd.h"

static enum speaker_bfd_bgp want(enum bfd_state from, enum bfd_state to, enum bfd_state remote)
{
	static const enum speaker_bfd_bgp up_to[4] = {
	    [BFD_STATE_ADMIN_DOWN] = SPEAKER_BFD_BGP_ADMIN_DOWN, /* ours */
	    [BFD_STATE_DOWN] = SPEAKER_BFD_BGP_DOWN,
	    [BFD_STATE_INIT] = SPEAKER_BFD_BGP_ADMIN_DOWN, /* not a transition of RFC 5880 */
	    [BFD_STATE_UP] = SPEAKER_BFD_BGP_NONE,
	};

	if (from != BFD_STATE_UP)
		return to == BFD_STATE_UP ? SPEAKER_BFD_BGP_UP : SPEAKER_BFD_BGP_NONE;
	if (to == BFD_STATE_DOWN && remote == BFD_STATE_ADMIN_DOWN)
		return SPEAKER_BFD_BGP_ADMIN_DOWN;
	return up_to[to];
}

static void test_every_change(void **state)
{
	(void)state;
	for (int f = 0; f < 4; f++)
		for (int t = 0; t < 4; t++)
			for (int r = 0; r < 4; r++)
				assert_int_equal(
				    speaker_bfd_bgp_action((enum bfd_state)f, (enum bfd_state)t,
				                           (enum bfd_state)r),
				    want((enum bfd_state)f, (enum bfd_state)t, (enum bfd_state)r));
}

/* The cases that matter, spelt out. */
static void test_rfc5882(void **state)
{
	(void)state;
	/* Detection Time expired (the remote state is forgotten: Down), or
	 * the peer says Down (it lost us): a failure. */
	assert_int_equal(speaker_bfd_bgp_action(BFD_STATE_UP, BFD_STATE_DOWN, BFD_STATE_DOWN),
	                 SPEAKER_BFD_BGP_DOWN);
	/* The peer in Init after we went Down: a failure too. */
	assert_int_equal(speaker_bfd_bgp_action(BFD_STATE_UP, BFD_STATE_DOWN, BFD_STATE_INIT),
	                 SPEAKER_BFD_BGP_DOWN);
	/* The peer says AdminDown: not a failure. */
	assert_int_equal(speaker_bfd_bgp_action(BFD_STATE_UP, BFD_STATE_DOWN, BFD_STATE_ADMIN_DOWN),
	                 SPEAKER_BFD_BGP_ADMIN_DOWN);
	/* Our own AdminDown (shutdown): not a failure. */
	assert_int_equal(speaker_bfd_bgp_action(BFD_STATE_UP, BFD_STATE_ADMIN_DOWN, BFD_STATE_UP),
	                 SPEAKER_BFD_BGP_ADMIN_DOWN);
	/* Up from Init or Down. */
	assert_int_equal(speaker_bfd_bgp_action(BFD_STATE_INIT, BFD_STATE_UP, BFD_STATE_UP),
	                 SPEAKER_BFD_BGP_UP);
	assert_int_equal(speaker_bfd_bgp_action(BFD_STATE_DOWN, BFD_STATE_UP, BFD_STATE_INIT),
	                 SPEAKER_BFD_BGP_UP);
	/* The handshake and a Down session's comings and goings: nothing. */
	assert_int_equal(speaker_bfd_bgp_action(BFD_STATE_DOWN, BFD_STATE_INIT, BFD_STATE_DOWN),
	                 SPEAKER_BFD_BGP_NONE);
	assert_int_equal(speaker_bfd_bgp_action(BFD_STATE_INIT, BFD_STATE_DOWN, BFD_STATE_DOWN),
	                 SPEAKER_BFD_BGP_NONE);
	assert_int_equal(
	    speaker_bfd_bgp_action(BFD_STATE_ADMIN_DOWN, BFD_STATE_DOWN, BFD_STATE_DOWN),
	    SPEAKER_BFD_BGP_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_change),
	    cmocka_unit_test(test_rfc5882),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
