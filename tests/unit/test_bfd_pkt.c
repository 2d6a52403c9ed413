/*
 * The BFD Control packet codec (bfd/bfd.h): byte vectors written by hand
 * from the layout of RFC 5880 section 4.1, each stateless rule of section
 * 6.8.6 with the drop reason it gives, round trips over every state, flag
 * and diagnostic, and the names of the enums.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bfd/bfd.h"
#include "test_hex.h"

/* Up, no diagnostic, no flags, Detect Mult 3, Length 24, My Discr
 * 0x11223344, Your Discr 0x55667788, Desired Min TX 300 ms, Required Min
 * RX 300 ms, Required Min Echo RX 0. */
static const char *UP_300 = "20 c0 03 18 11223344 55667788 000493e0 000493e0 00000000";
/* Down, diag 1 (Control Detection Time Expired), P, Detect Mult 5, My
 * Discr 1, Your Discr 0, 1 s, 10 ms, echo 50 ms. */
static const char *DOWN_POLL = "21 60 05 18 00000001 00000000 000f4240 00002710 0000c350";
/* AdminDown, diag 7, F and C, Detect Mult 255, discriminators all ones. */
static const char *ADMIN_FINAL = "27 18 ff 18 ffffffff ffffffff ffffffff ffffffff ffffffff";
/* Init with A and a Simple Password section (RFC 5880 section 4.2):
 * Auth Type 1, Auth Len 6, Key ID 1, "abc"; Length 30. */
static const char *INIT_AUTH = "22 84 03 1e 00000002 00000003 000493e0 000493e0 00000000"
                               "01 06 01 616263";

static struct bfd_pkt up_300(void)
{
	struct bfd_pkt p;

	memset(&p, 0, sizeof(p));
	p.version = 1;
	p.diag = BFD_DIAG_NONE;
	p.state = BFD_STATE_UP;
	p.detect_mult = 3;
	p.length = 24;
	p.my_disc = 0x11223344;
	p.your_disc = 0x55667788;
	p.desired_min_tx_us = 300000;
	p.required_min_rx_us = 300000;
	return p;
}

static void assert_same(const struct bfd_pkt *a, const struct bfd_pkt *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->diag, b->diag);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->detect_mult, b->detect_mult);
	assert_int_equal(a->length, b->length);
	assert_int_equal(a->my_disc, b->my_disc);
	assert_int_equal(a->your_disc, b->your_disc);
	assert_int_equal(a->desired_min_tx_us, b->desired_min_tx_us);
	assert_int_equal(a->required_min_rx_us, b->required_min_rx_us);
	assert_int_equal(a->required_min_echo_rx_us, b->required_min_echo_rx_us);
	assert_int_equal(a->auth_type, b->auth_type);
	assert_int_equal(a->auth_len, b->auth_len);
}

/* Decodes n bytes of buf; the return value, the drop reason in *why. */
static int dec(const uint8_t *buf, size_t n, struct bfd_pkt *p, enum bfd_drop *why)
{
	*why = BFD_DROP_COUNT;
	return bfd_pkt_decode(buf, n, p, why);
}

static void test_vectors(void **state)
{
	uint8_t want[64], out[64];
	struct bfd_pkt p = up_300(), d;
	enum bfd_drop why;
	size_t n;

	(void)state;
	n = hx(UP_300, want, sizeof(want));
	assert_int_equal(n, 24);
	assert_int_equal(bfd_pkt_encode(&p, out, sizeof(out)), 24);
	assert_memory_equal(out, want, 24);
	assert_int_equal(dec(want, n, &d, &why), 0);
	assert_same(&d, &p);

	n = hx(DOWN_POLL, want, sizeof(want));
	memset(&p, 0, sizeof(p));
	p.version = 1;
	p.diag = BFD_DIAG_TIME_EXPIRED;
	p.state = BFD_STATE_DOWN;
	p.flags = BFD_F_POLL;
	p.detect_mult = 5;
	p.length = 24;
	p.my_disc = 1;
	p.desired_min_tx_us = 1000000;
	p.required_min_rx_us = 10000;
	p.required_min_echo_rx_us = 50000;
	assert_int_equal(bfd_pkt_encode(&p, out, sizeof(out)), 24);
	assert_memory_equal(out, want, 24);
	assert_int_equal(dec(want, n, &d, &why), 0);
	assert_same(&d, &p);

	n = hx(ADMIN_FINAL, want, sizeof(want));
	memset(&p, 0, sizeof(p));
	p.version = 1;
	p.diag = BFD_DIAG_ADMIN_DOWN;
	p.state = BFD_STATE_ADMIN_DOWN;
	p.flags = BFD_F_FINAL | BFD_F_CPI;
	p.detect_mult = 255;
	p.length = 24;
	p.my_disc = p.your_disc = UINT32_MAX;
	p.desired_min_tx_us = p.required_min_rx_us = p.required_min_echo_rx_us = UINT32_MAX;
	assert_int_equal(bfd_pkt_encode(&p, out, sizeof(out)), 24);
	assert_memory_equal(out, want, 24);
	assert_int_equal(dec(want, n, &d, &why), 0);
	assert_same(&d, &p);

	/* With authentication: decoded (the session refuses it), Auth Type
	 * and Auth Len read; encoding drops the section and the A bit. */
	n = hx(INIT_AUTH, want, sizeof(want));
	assert_int_equal(n, 30);
	assert_int_equal(dec(want, n, &d, &why), 0);
	assert_int_equal(d.state, BFD_STATE_INIT);
	assert_int_equal(d.flags, BFD_F_AUTH);
	assert_int_equal(d.length, 30);
	assert_int_equal(d.auth_type, 1);
	assert_int_equal(d.auth_len, 6);
	assert_int_equal(d.my_disc, 2);
	assert_int_equal(d.your_disc, 3);
	assert_int_equal(bfd_pkt_encode(&d, out, sizeof(out)), 24);
	assert_int_equal(out[1], 0x80);
	assert_int_equal(out[3], 24);
	assert_memory_equal(out + 4, want + 4, 20);
}

static void test_encode_forces(void **state)
{
	struct bfd_pkt p = up_300();
	uint8_t out[BFD_PKT_MAX];

	(void)state;
	/* Version 1 and Length 24 whatever p says; A never written. */
	p.version = 7;
	p.length = 200;
	p.flags = BFD_F_AUTH | BFD_F_POLL;
	p.auth_type = 1;
	p.auth_len = 6;
	assert_int_equal(bfd_pkt_encode(&p, out, sizeof(out)), 24);
	assert_int_equal(out[0] >> 5, 1);
	assert_int_equal(out[1], 0xc0 | BFD_F_POLL);
	assert_int_equal(out[3], 24);
	/* Every capacity short of 24. */
	for (size_t cap = 0; cap < BFD_PKT_LEN; cap++)
		assert_int_equal(bfd_pkt_encode(&p, out, cap), -ENOSPC);
	assert_int_equal(bfd_pkt_encode(&p, out, BFD_PKT_LEN), 24);
	assert_int_equal(bfd_pkt_encode(NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(bfd_pkt_encode(&p, NULL, sizeof(out)), -EINVAL);
}

static void test_short(void **state)
{
	uint8_t buf[64];
	struct bfd_pkt d;
	enum bfd_drop why;
	size_t n = hx(UP_300, buf, sizeof(buf));

	(void)state;
	for (size_t len = 0; len < n; len++) {
		assert_int_equal(dec(buf, len, &d, &why), -EINVAL);
		assert_int_equal(why, BFD_DROP_SHORT);
	}
	assert_int_equal(dec(NULL, 24, &d, &why), -EINVAL);
	assert_int_equal(bfd_pkt_decode(buf, 23, &d, NULL), -EINVAL);
	assert_int_equal(bfd_pkt_decode(buf, 24, &d, NULL), 0);
}

static void test_version(void **state)
{
	uint8_t buf[64];
	struct bfd_pkt d;
	enum bfd_drop why;

	(void)state;
	for (unsigned v = 0; v < 8; v++) {
		hx(UP_300, buf, sizeof(buf));
		buf[0] = (uint8_t)(v << 5);
		if (v == 1) {
			assert_int_equal(dec(buf, 24, &d, &why), 0);
			continue;
		}
		assert_int_equal(dec(buf, 24, &d, &why), -EINVAL);
		assert_int_equal(why, BFD_DROP_VERSION);
		/* The first rule broken is named: version before mult. */
		buf[2] = 0;
		assert_int_equal(dec(buf, 24, &d, &why), -EINVAL);
		assert_int_equal(why, BFD_DROP_VERSION);
	}
}

static void test_length(void **state)
{
	uint8_t buf[BFD_PKT_MAX + 8];
	struct bfd_pkt d;
	enum bfd_drop why;

	(void)state;
	memset(buf, 0, sizeof(buf));
	hx(UP_300, buf, sizeof(buf));
	/* Length below 24. */
	for (unsigned l = 0; l < 24; l++) {
		buf[3] = (uint8_t)l;
		assert_int_equal(dec(buf, 64, &d, &why), -EINVAL);
		assert_int_equal(why, BFD_DROP_LENGTH);
	}
	/* Length above what was received, and every Length up to it. */
	for (unsigned l = 24; l <= BFD_PKT_MAX; l++) {
		buf[3] = (uint8_t)l;
		for (size_t got = 24; got < l; got += 7) {
			assert_int_equal(dec(buf, got, &d, &why), -EINVAL);
			assert_int_equal(why, BFD_DROP_LENGTH);
		}
		assert_int_equal(dec(buf, l, &d, &why), 0);
		assert_int_equal(d.length, l);
		/* Bytes past Length are ignored. */
		assert_int_equal(dec(buf, sizeof(buf), &d, &why), 0);
	}
	/* Length beyond 24 without A: no authentication section read. */
	buf[3] = 40;
	buf[24] = 9;
	buf[25] = 200;
	assert_int_equal(dec(buf, 40, &d, &why), 0);
	assert_int_equal(d.auth_type, 0);
	assert_int_equal(d.auth_len, 0);
}

static void test_auth_length(void **state)
{
	uint8_t buf[BFD_PKT_MAX + 1];
	struct bfd_pkt d;
	enum bfd_drop why;

	(void)state;
	memset(buf, 0, sizeof(buf));
	hx(INIT_AUTH, buf, sizeof(buf));
	/* With A, a Length of 24 or 25 is refused. */
	for (unsigned l = 24; l < 26; l++) {
		buf[3] = (uint8_t)l;
		assert_int_equal(dec(buf, sizeof(buf), &d, &why), -EINVAL);
		assert_int_equal(why, BFD_DROP_LENGTH);
	}
	/* Auth Len must fit Length: every pair. */
	for (unsigned l = 26; l <= BFD_PKT_MAX; l++) {
		buf[3] = (uint8_t)l;
		for (unsigned al = 0; al < 256; al++) {
			int ok = al >= 2 && al <= l - 24;

			buf[25] = (uint8_t)al;
			assert_int_equal(dec(buf, l, &d, &why), ok ? 0 : -EINVAL);
			if (ok)
				assert_int_equal(d.auth_len, al);
			else
				assert_int_equal(why, BFD_DROP_LENGTH);
		}
	}
	/* A section that fits Length but not the datagram. */
	buf[3] = 30;
	buf[25] = 6;
	assert_int_equal(dec(buf, 29, &d, &why), -EINVAL);
	assert_int_equal(why, BFD_DROP_LENGTH);
	assert_int_equal(dec(buf, 30, &d, &why), 0);
}

static void test_fields(void **state)
{
	uint8_t buf[64];
	struct bfd_pkt d;
	enum bfd_drop why;

	(void)state;
	hx(UP_300, buf, sizeof(buf));
	buf[2] = 0;
	assert_int_equal(dec(buf, 24, &d, &why), -EINVAL);
	assert_int_equal(why, BFD_DROP_MULT);

	hx(UP_300, buf, sizeof(buf));
	buf[1] |= BFD_F_MULTIPOINT;
	assert_int_equal(dec(buf, 24, &d, &why), -EINVAL);
	assert_int_equal(why, BFD_DROP_MULTIPOINT);

	hx(UP_300, buf, sizeof(buf));
	memset(buf + 4, 0, 4);
	assert_int_equal(dec(buf, 24, &d, &why), -EINVAL);
	assert_int_equal(why, BFD_DROP_MY_DISC);

	/* Your Discriminator zero: only Down and AdminDown may. */
	for (unsigned st = 0; st < 4; st++) {
		hx(UP_300, buf, sizeof(buf));
		buf[1] = (uint8_t)(st << 6);
		memset(buf + 8, 0, 4);
		if (st == BFD_STATE_DOWN || st == BFD_STATE_ADMIN_DOWN) {
			assert_int_equal(dec(buf, 24, &d, &why), 0);
			assert_int_equal(d.state, st);
			assert_int_equal(d.your_disc, 0);
		} else {
			assert_int_equal(dec(buf, 24, &d, &why), -EINVAL);
			assert_int_equal(why, BFD_DROP_YOUR_DISC);
		}
	}
	/* Rule order of section 6.8.6: mult, then M, then My, then Your. */
	hx(UP_300, buf, sizeof(buf));
	buf[2] = 0;
	buf[1] |= BFD_F_MULTIPOINT;
	memset(buf + 4, 0, 8);
	assert_int_equal(dec(buf, 24, &d, &why), -EINVAL);
	assert_int_equal(why, BFD_DROP_MULT);
	buf[2] = 1;
	assert_int_equal(dec(buf, 24, &d, &why), -EINVAL);
	assert_int_equal(why, BFD_DROP_MULTIPOINT);
	buf[1] &= (uint8_t)~BFD_F_MULTIPOINT;
	assert_int_equal(dec(buf, 24, &d, &why), -EINVAL);
	assert_int_equal(why, BFD_DROP_MY_DISC);
	buf[7] = 1;
	assert_int_equal(dec(buf, 24, &d, &why), -EINVAL);
	assert_int_equal(why, BFD_DROP_YOUR_DISC);
	/* A refused packet leaves *out alone. */
	memset(&d, 0xa5, sizeof(d));
	struct bfd_pkt before = d;
	assert_int_equal(dec(buf, 24, &d, &why), -EINVAL);
	assert_memory_equal(&d, &before, sizeof(d));
}

static void test_round_trips(void **state)
{
	uint8_t buf[BFD_PKT_LEN];
	struct bfd_pkt p = up_300(), d;
	enum bfd_drop why;

	(void)state;
	for (unsigned st = 0; st < 4; st++)
		for (unsigned diag = 0; diag <= BFD_DIAG_MAX; diag++)
			for (unsigned fl = 0; fl < 64; fl++) {
				if (fl & (BFD_F_AUTH | BFD_F_MULTIPOINT))
					continue;
				p.state = (enum bfd_state)st;
				p.diag = (enum bfd_diag)diag;
				p.flags = (uint8_t)fl;
				p.detect_mult = (uint8_t)(1 + (st * 64 + fl) % 255);
				p.my_disc = 0x01020304u * (diag + 1);
				p.your_disc = 0xfffffff0u + st;
				p.desired_min_tx_us = fl * 0x01000193u;
				p.required_min_rx_us = diag * 0x7654321u;
				p.required_min_echo_rx_us = st * 0x10001u;
				assert_int_equal(bfd_pkt_encode(&p, buf, sizeof(buf)), 24);
				memset(&d, 0x5a, sizeof(d));
				assert_int_equal(dec(buf, sizeof(buf), &d, &why), 0);
				assert_same(&d, &p);
			}
}

/* Every single bit flipped in a valid packet: decodes to the flipped
 * field or is refused for the field the bit belongs to. */
static void test_bit_flips(void **state)
{
	/* The reason a flip in each byte of UP_300 may give. */
	static const enum bfd_drop by_byte[24] = {
	    BFD_DROP_VERSION, BFD_DROP_MULTIPOINT, BFD_DROP_MULT,    BFD_DROP_LENGTH,
	    BFD_DROP_MY_DISC, BFD_DROP_MY_DISC,    BFD_DROP_MY_DISC, BFD_DROP_MY_DISC,
	};
	uint8_t good[64], buf[64];
	struct bfd_pkt d;
	enum bfd_drop why;

	(void)state;
	hx(UP_300, good, sizeof(good));
	for (size_t i = 0; i < 24; i++)
		for (unsigned b = 0; b < 8; b++) {
			int r;

			memcpy(buf, good, sizeof(buf));
			buf[i] ^= (uint8_t)(1u << b);
			r = dec(buf, 24, &d, &why);
			if (r == 0) {
				assert_true(i != 3 && !(i == 0 && b >= 5) &&
				            !(i == 1 && (b == 0 || b == 2)));
				continue;
			}
			/* Byte 1: a state bit flipped keeps a valid state;
			 * only M (and A, whose Length is then short) refuse. */
			if (i == 1 && b == 2)
				assert_int_equal(why, BFD_DROP_LENGTH);
			else
				assert_int_equal(why, by_byte[i]);
		}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(bfd_drop_name(BFD_DROP_SHORT), "short");
	assert_string_equal(bfd_drop_name(BFD_DROP_TTL), "ttl");
	assert_string_equal(bfd_drop_name(BFD_DROP_NO_SESSION), "no_session");
	assert_string_equal(bfd_drop_name(BFD_DROP_AUTH), "auth");
	assert_string_equal(bfd_drop_name(BFD_DROP_COUNT), "unknown");
	/* Every reason named, names distinct. */
	for (int i = 0; i < BFD_DROP_COUNT; i++) {
		assert_non_null(bfd_drop_name((enum bfd_drop)i));
		assert_string_not_equal(bfd_drop_name((enum bfd_drop)i), "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(bfd_drop_name((enum bfd_drop)i),
			                        bfd_drop_name((enum bfd_drop)j));
	}
	assert_string_equal(bfd_state_name(BFD_STATE_ADMIN_DOWN), "AdminDown");
	assert_string_equal(bfd_state_name(BFD_STATE_DOWN), "Down");
	assert_string_equal(bfd_state_name(BFD_STATE_INIT), "Init");
	assert_string_equal(bfd_state_name(BFD_STATE_UP), "Up");
	assert_string_equal(bfd_state_name((enum bfd_state)4), "Unknown");
	assert_string_equal(bfd_diag_name(BFD_DIAG_NONE), "No Diagnostic");
	assert_string_equal(bfd_diag_name(BFD_DIAG_TIME_EXPIRED), "Control Detection Time Expired");
	assert_string_equal(bfd_diag_name(BFD_DIAG_NEIGHBOR_DOWN),
	                    "Neighbor Signaled Session Down");
	assert_string_equal(bfd_diag_name(BFD_DIAG_ADMIN_DOWN), "Administratively Down");
	assert_string_equal(bfd_diag_name(BFD_DIAG_REV_CONCAT_DOWN),
	                    "Reverse Concatenated Path Down");
	for (unsigned d = 9; d <= BFD_DIAG_MAX; d++)
		assert_string_equal(bfd_diag_name((enum bfd_diag)d), "Reserved");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),   cmocka_unit_test(test_encode_forces),
	    cmocka_unit_test(test_short),     cmocka_unit_test(test_version),
	    cmocka_unit_test(test_length),    cmocka_unit_test(test_auth_length),
	    cmocka_unit_test(test_fields),    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_bit_flips), cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
