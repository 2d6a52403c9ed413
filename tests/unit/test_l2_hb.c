/*
 * The heartbeat codec of layer 2 mode (l2/hb.h): byte-exact vectors
 * written from the layout in the header (the HMAC of the signed one
 * computed apart, with `openssl dgst -sha256 -mac HMAC` and Python's
 * hmac), round trips of every type and size, every truncation and
 * extension, each field's hostile values, keys that do not match, a
 * flipped bit anywhere, key parsing and the Eip id.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "l2/hb.h"
#include "test_hex.h"

/* A PING from "a" to "b": incarnation 0x0102030405060708, seq 9, nonce
 * 0x1122334455667788, time 0x18c00000000, no unserved ids, unsigned. */
static const char *PING_AB = "42525448 01 01 0000"
                             "0102030405060708 0000000000000009"
                             "1122334455667788 0000018c00000000"
                             "01 61 01 62 0000"
                             "0000000000000000000000000000000000000000000000000000000000000000";
/* The same signed with the key 00 01 02 .. 1f: F_AUTH set, and
 * HMAC-SHA256 over the 46 bytes before it. */
static const char *PING_AB_SIGNED = "42525448 01 01 0002"
                                    "0102030405060708 0000000000000009"
                                    "1122334455667788 0000018c00000000"
                                    "01 61 01 62 0000"
                                    "62b2a9df7cbf73cbf023ef150d95635c"
                                    "03220f4652dc1d1c9ffb80ddc010a796";

static struct l2_hb_key test_key(uint8_t first)
{
	struct l2_hb_key k = {.set = true};

	for (size_t i = 0; i < L2_HB_KEY_LEN; i++)
		k.k[i] = (uint8_t)(first + i);
	return k;
}

static struct l2_hb ping_ab(void)
{
	struct l2_hb m;

	memset(&m, 0, sizeof(m));
	m.type = L2_HB_PING;
	m.incarnation = 0x0102030405060708ull;
	m.seq = 9;
	m.nonce = 0x1122334455667788ull;
	m.time_ms = 0x18c00000000ull;
	strcpy(m.from, "a");
	strcpy(m.to, "b");
	return m;
}

/* The largest message: names of 253 bytes, 64 unserved ids. */
static struct l2_hb biggest(void)
{
	struct l2_hb m = ping_ab();

	m.type = L2_HB_ACK;
	m.flags = L2_HB_F_READY;
	memset(m.from, 'f', L2_HB_NAME_MAX);
	m.from[L2_HB_NAME_MAX] = 0;
	memset(m.to, 't', L2_HB_NAME_MAX);
	m.to[L2_HB_NAME_MAX] = 0;
	m.n_unserved = L2_HB_MAX_UNSERVED;
	for (size_t i = 0; i < L2_HB_MAX_UNSERVED; i++)
		m.unserved[i] = 0x0101010101010101ull * i + 1;
	return m;
}

static void assert_same(const struct l2_hb *a, const struct l2_hb *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->flags, b->flags);
	assert_true(a->incarnation == b->incarnation);
	assert_true(a->seq == b->seq);
	assert_true(a->nonce == b->nonce);
	assert_true(a->time_ms == b->time_ms);
	assert_string_equal(a->from, b->from);
	assert_string_equal(a->to, b->to);
	assert_int_equal(a->n_unserved, b->n_unserved);
	assert_memory_equal(a->unserved, b->unserved, a->n_unserved * sizeof(uint64_t));
}

static void test_vectors(void **state)
{
	uint8_t want[128], out[L2_HB_MAX];
	struct l2_hb m = ping_ab(), d;
	struct l2_hb_key key = test_key(0);
	size_t wn, len;

	(void)state;
	wn = hx(PING_AB, want, sizeof(want));
	assert_int_equal(wn, 78);
	assert_int_equal(l2_hb_encode(&m, NULL, out, sizeof(out), &len), 0);
	assert_int_equal(len, wn);
	assert_memory_equal(out, want, wn);
	/* An unset key is no key. */
	struct l2_hb_key unset = {.set = false};
	assert_int_equal(l2_hb_encode(&m, &unset, out, sizeof(out), &len), 0);
	assert_memory_equal(out, want, wn);
	assert_int_equal(l2_hb_decode(want, wn, NULL, &d), 0);
	assert_same(&d, &m);

	wn = hx(PING_AB_SIGNED, want, sizeof(want));
	/* F_AUTH is the encoder's: set from the key whatever m says. */
	m.flags = 0;
	assert_int_equal(l2_hb_encode(&m, &key, out, sizeof(out), &len), 0);
	assert_int_equal(len, wn);
	assert_memory_equal(out, want, wn);
	m.flags = L2_HB_F_AUTH;
	assert_int_equal(l2_hb_decode(want, wn, &key, &d), 0);
	assert_same(&d, &m);
	/* Without a key a signed message is taken unchecked. */
	assert_int_equal(l2_hb_decode(want, wn, NULL, &d), 0);
	assert_same(&d, &m);
	/* And F_AUTH asked for without a key is not written. */
	assert_int_equal(l2_hb_encode(&m, NULL, out, sizeof(out), &len), 0);
	assert_int_equal(out[7], 0);
}

static void test_round_trips(void **state)
{
	static const uint8_t types[] = {L2_HB_PING, L2_HB_ACK, L2_HB_LEAVE};
	static const uint16_t flags[] = {0, L2_HB_F_READY, 0x8000 | L2_HB_F_READY};
	static const uint16_t counts[] = {0, 1, 2, 63, L2_HB_MAX_UNSERVED};
	struct l2_hb_key key = test_key(7);
	uint8_t buf[L2_HB_MAX];
	size_t len;

	(void)state;
	for (size_t t = 0; t < 3; t++)
		for (size_t f = 0; f < 3; f++)
			for (size_t c = 0; c < 5; c++)
				for (int signed_ = 0; signed_ < 2; signed_++) {
					struct l2_hb m = biggest(), d;
					const struct l2_hb_key *k = signed_ ? &key : NULL;

					m.type = types[t];
					m.flags = flags[f];
					m.n_unserved = counts[c];
					m.incarnation = UINT64_MAX;
					m.seq = 0;
					m.nonce = UINT64_MAX - t;
					m.time_ms = 0;
					strcpy(m.to, "node-2.example");
					assert_int_equal(
					    l2_hb_encode(&m, k, buf, sizeof(buf), &len), 0);
					assert_int_equal(len, 40 + 1 + 253 + 1 + 14 + 2 +
					                          8 * (size_t)counts[c] + 32);
					memset(&d, 0xa5, sizeof(d));
					assert_int_equal(l2_hb_decode(buf, len, k, &d), 0);
					if (signed_)
						m.flags |= L2_HB_F_AUTH;
					assert_same(&d, &m);
				}
	/* The longest message fits L2_HB_MAX exactly as announced. */
	struct l2_hb m = biggest(), d;
	assert_int_equal(l2_hb_encode(&m, &key, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 1094);
	assert_true(len <= L2_HB_MAX);
	assert_int_equal(l2_hb_decode(buf, len, &key, &d), 0);
	/* Short buffers: every cap below the length. */
	for (size_t cap = 0; cap < len; cap++)
		assert_int_equal(l2_hb_encode(&m, &key, buf, cap, &len), -ENOBUFS);
}

static void test_encode_refuses(void **state)
{
	uint8_t buf[L2_HB_MAX];
	struct l2_hb m;
	size_t len;

	(void)state;
	m = ping_ab();
	assert_int_equal(l2_hb_encode(NULL, NULL, buf, sizeof(buf), &len), -EINVAL);
	assert_int_equal(l2_hb_encode(&m, NULL, NULL, sizeof(buf), &len), -EINVAL);
	assert_int_equal(l2_hb_encode(&m, NULL, buf, sizeof(buf), NULL), -EINVAL);
	for (unsigned t = 0; t < 256; t++) {
		m.type = (uint8_t)t;
		assert_int_equal(l2_hb_encode(&m, NULL, buf, sizeof(buf), &len),
		                 t >= 1 && t <= 3 ? 0 : -EINVAL);
	}
	m = ping_ab();
	m.from[0] = 0;
	assert_int_equal(l2_hb_encode(&m, NULL, buf, sizeof(buf), &len), -EINVAL);
	m = ping_ab();
	m.to[0] = 0;
	assert_int_equal(l2_hb_encode(&m, NULL, buf, sizeof(buf), &len), -EINVAL);
	/* A name with no 0 within L2_HB_NAME_MAX + 1 bytes. */
	m = ping_ab();
	memset(m.from, 'x', sizeof(m.from));
	assert_int_equal(l2_hb_encode(&m, NULL, buf, sizeof(buf), &len), -EINVAL);
	m = ping_ab();
	m.n_unserved = L2_HB_MAX_UNSERVED + 1;
	assert_int_equal(l2_hb_encode(&m, NULL, buf, sizeof(buf), &len), -EINVAL);
}

/* Decodes p[0..n) and expects r, with *out untouched on error. */
static void expect(const uint8_t *p, size_t n, const struct l2_hb_key *key, int r)
{
	struct l2_hb d, before;

	memset(&d, 0x5a, sizeof(d));
	before = d;
	assert_int_equal(l2_hb_decode(p, n, key, &d), r);
	if (r)
		assert_memory_equal(&d, &before, sizeof(d));
}

static void test_truncations(void **state)
{
	struct l2_hb_key key = test_key(0);
	uint8_t buf[L2_HB_MAX + 8];
	struct l2_hb m = biggest();
	size_t len;

	(void)state;
	for (int k = 0; k < 2; k++) {
		const struct l2_hb_key *kp = k ? &key : NULL;

		for (size_t c = 0; c <= L2_HB_MAX_UNSERVED; c += 21) {
			m.n_unserved = (uint16_t)c;
			assert_int_equal(l2_hb_encode(&m, kp, buf, sizeof(buf), &len), 0);
			expect(buf, len, kp, 0);
			for (size_t n = 0; n < len; n++)
				expect(buf, n, kp, -EBADMSG);
			/* A byte more, zero or not. */
			for (unsigned v = 0; v < 2; v++) {
				buf[len] = (uint8_t)v;
				expect(buf, len + 1, kp, -EBADMSG);
			}
		}
	}
	/* The shortest message and the shortest minus one. */
	uint8_t small[128];
	size_t sn = hx(PING_AB, small, sizeof(small));
	expect(small, sn, NULL, 0);
	expect(small, sn - 1, NULL, -EBADMSG);
	assert_int_equal(l2_hb_decode(NULL, sn, NULL, &m), -EINVAL);
	assert_int_equal(l2_hb_decode(small, sn, NULL, NULL), -EINVAL);
}

static void test_hostile_fields(void **state)
{
	uint8_t v[128], p[L2_HB_MAX + 64];
	size_t n = hx(PING_AB, v, sizeof(v)), len;

	(void)state;
	/* Magic: each byte. */
	for (size_t i = 0; i < 4; i++) {
		memcpy(p, v, n);
		p[i] ^= 0x20; /* "bRTH" ... */
		expect(p, n, NULL, -EBADMSG);
	}
	/* Version: only 1. */
	for (unsigned ver = 0; ver < 256; ver++) {
		memcpy(p, v, n);
		p[4] = (uint8_t)ver;
		expect(p, n, NULL, ver == 1 ? 0 : -EBADMSG);
	}
	/* Type: only 1, 2, 3. */
	for (unsigned t = 0; t < 256; t++) {
		memcpy(p, v, n);
		p[5] = (uint8_t)t;
		expect(p, n, NULL, t >= 1 && t <= 3 ? 0 : -EBADMSG);
	}
	/* Flags: unknown bits kept; F_AUTH without a key needs no HMAC
	 * check, and F_AUTH clear needs a zero HMAC field. */
	memcpy(p, v, n);
	p[6] = 0xff;
	p[7] = 0xfd;
	struct l2_hb d;
	assert_int_equal(l2_hb_decode(p, n, NULL, &d), 0);
	assert_int_equal(d.flags, 0xfffd);
	memcpy(p, v, n);
	p[n - 1] = 1;
	expect(p, n, NULL, -EBADMSG);
	/* The 64-bit fields take any value: that is the state machine's. */
	memcpy(p, v, n);
	memset(p + 8, 0xff, 32);
	assert_int_equal(l2_hb_decode(p, n, NULL, &d), 0);
	assert_true(d.incarnation == UINT64_MAX && d.seq == UINT64_MAX && d.nonce == UINT64_MAX &&
	            d.time_ms == UINT64_MAX);

	/* Name lengths: 0; longer than what follows; a 0 byte inside. */
	for (size_t at = 40; at <= 42; at += 2) {
		memcpy(p, v, n);
		p[at] = 0;
		expect(p, n, NULL, -EBADMSG);
		for (unsigned l = 2; l < 256; l++) {
			memcpy(p, v, n);
			p[at] = (uint8_t)l;
			expect(p, n, NULL, -EBADMSG);
		}
		memcpy(p, v, n);
		p[at + 1] = 0;
		expect(p, n, NULL, -EBADMSG);
	}
	/* A name of 254 or 255 bytes, in a message otherwise well formed:
	 * rewritten by hand from the 253-byte one. */
	struct l2_hb big = biggest();
	big.n_unserved = 0;
	assert_int_equal(l2_hb_encode(&big, NULL, p, sizeof(p), &len), 0);
	expect(p, len, NULL, 0);
	for (unsigned extra = 1; extra <= 2; extra++) {
		uint8_t q[L2_HB_MAX + 64];

		memcpy(q, p, 40);
		q[40] = (uint8_t)(253 + extra);
		memset(q + 41, 'f', 253 + extra);
		memcpy(q + 41 + 253 + extra, p + 41 + 253, len - 41 - 253);
		expect(q, len + extra, NULL, -EBADMSG);
	}

	/* n_unserved: more than announced, fewer, above the limit. */
	for (unsigned c = 1; c < 70; c++) {
		memcpy(p, v, n);
		p[44] = (uint8_t)(c >> 8);
		p[45] = (uint8_t)c;
		expect(p, n, NULL, -EBADMSG);
	}
	memcpy(p, v, n);
	p[44] = p[45] = 0xff;
	expect(p, n, NULL, -EBADMSG);
	/* 65 ids, all present: still refused (the limit). */
	big = biggest();
	assert_int_equal(l2_hb_encode(&big, NULL, p, sizeof(p), &len), 0);
	{
		uint8_t q[L2_HB_MAX + 64];
		size_t ids = 40 + 254 + 254; /* where n_unserved is */

		memcpy(q, p, ids);
		q[ids] = 0;
		q[ids + 1] = L2_HB_MAX_UNSERVED + 1;
		memcpy(q + ids + 2, p + ids + 2, 8 * L2_HB_MAX_UNSERVED);
		memset(q + ids + 2 + 8 * L2_HB_MAX_UNSERVED, 0, 8 + 32);
		expect(q, len + 8, NULL, -EBADMSG);
	}
	/* Longer than L2_HB_MAX whatever it holds. */
	memset(p, 0, sizeof(p));
	expect(p, L2_HB_MAX + 1, NULL, -EBADMSG);
}

static void test_keys_disagree(void **state)
{
	struct l2_hb_key k1 = test_key(0), k2 = test_key(1), unset = {.set = false};
	struct l2_hb m = ping_ab();
	uint8_t p[L2_HB_MAX];
	size_t len;

	(void)state;
	assert_int_equal(l2_hb_encode(&m, &k1, p, sizeof(p), &len), 0);
	expect(p, len, &k1, 0);
	expect(p, len, &k2, -EACCES);
	/* Keys differing in one bit of the last byte. */
	k2 = k1;
	k2.k[L2_HB_KEY_LEN - 1] ^= 1;
	expect(p, len, &k2, -EACCES);
	/* Unsigned to a receiver with a key: absent HMAC. */
	assert_int_equal(l2_hb_encode(&m, NULL, p, sizeof(p), &len), 0);
	expect(p, len, &k1, -EACCES);
	assert_int_equal(l2_hb_encode(&m, &unset, p, sizeof(p), &len), 0);
	expect(p, len, &k1, -EACCES);
	/* F_AUTH set by hand on an unsigned message: zero HMAC, wrong. */
	p[7] |= L2_HB_F_AUTH;
	expect(p, len, &k1, -EACCES);
	expect(p, len, NULL, 0);
	/* A signed message with F_AUTH cleared by hand. */
	assert_int_equal(l2_hb_encode(&m, &k1, p, sizeof(p), &len), 0);
	p[7] &= (uint8_t)~L2_HB_F_AUTH;
	expect(p, len, &k1, -EACCES);
	expect(p, len, NULL, -EBADMSG); /* unsigned, yet an HMAC field not zero */
}

static void test_bit_flips(void **state)
{
	struct l2_hb_key key = test_key(3);
	struct l2_hb m = biggest();
	uint8_t p[L2_HB_MAX];
	size_t len;

	(void)state;
	m.n_unserved = 3;
	strcpy(m.to, "b");
	assert_int_equal(l2_hb_encode(&m, &key, p, sizeof(p), &len), 0);
	for (size_t i = 0; i < len; i++)
		for (int b = 0; b < 8; b++) {
			struct l2_hb d;
			int r;

			p[i] ^= (uint8_t)(1u << b);
			r = l2_hb_decode(p, len, &key, &d);
			if (r != -EBADMSG && r != -EACCES)
				fail_msg("bit %d of byte %zu flipped: decode gave %d", b, i, r);
			p[i] ^= (uint8_t)(1u << b);
		}
	expect(p, len, &key, 0);
}

static void test_key_parse(void **state)
{
	static const char *HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	static const char *UPPER =
	    "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";
	struct l2_hb_key want = test_key(0), k, before;
	char t[200];

	(void)state;
	assert_int_equal(strlen(HEX), 64);
	memset(&k, 0, sizeof(k));
	assert_int_equal(l2_hb_key_parse(HEX, 64, &k), 0);
	assert_true(k.set);
	assert_memory_equal(k.k, want.k, L2_HB_KEY_LEN);
	assert_int_equal(l2_hb_key_parse(UPPER, 64, &k), 0);
	assert_memory_equal(k.k, want.k, L2_HB_KEY_LEN);
	/* Trailing whitespace, as files end. */
	static const char *tails[] = {"\n", "\r\n", " \t \n\n", "   "};
	for (size_t i = 0; i < 4; i++) {
		snprintf(t, sizeof(t), "%s%s", HEX, tails[i]);
		assert_int_equal(l2_hb_key_parse(t, strlen(t), &k), 0);
		assert_memory_equal(k.k, want.k, L2_HB_KEY_LEN);
	}
	/* Not 0-terminated: only len bytes are read. */
	snprintf(t, sizeof(t), "%szz", HEX);
	assert_int_equal(l2_hb_key_parse(t, 64, &k), 0);

	/* Refused, with *out untouched. */
	memset(&k, 0x77, sizeof(k));
	before = k;
	static const char *bad[] = {
	    "",
	    "00",
	    /* 63 digits */
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",
	    /* 63 digits and a newline */
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\n",
	    /* 65 digits */
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0",
	    /* 66: a longer key */
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00",
	    /* a non-digit */
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
	    "0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    /* leading whitespace */
	    " 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    /* a second line */
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\nx",
	    /* digits separated */
	    "00 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(l2_hb_key_parse(bad[i], strlen(bad[i]), &k), -EINVAL);
		assert_memory_equal(&k, &before, sizeof(k));
	}
	/* A 0 byte after the digits is no whitespace. */
	memcpy(t, HEX, 64);
	t[64] = 0;
	assert_int_equal(l2_hb_key_parse(t, 65, &k), -EINVAL);
	assert_int_equal(l2_hb_key_parse(NULL, 64, &k), -EINVAL);
	assert_int_equal(l2_hb_key_parse(HEX, 64, NULL), -EINVAL);
}

static void test_eip_id(void **state)
{
	(void)state;
	/* Pinned: every node must compute the same id for a name, across
	 * versions (an ACK from an older speaker must mean the same Eip).
	 * Values computed apart, FNV-1a 64 over the name and its 0, then
	 * murmur3's fmix64, in Python. */
	assert_true(l2_hb_eip_id("default/eip-a") == 0x68c7335c4da720efull);
	assert_true(l2_hb_eip_id("pool-1") == 0x426a2e419b72047bull);
	assert_true(l2_hb_eip_id("") == 0xb9034ad37056f5fbull);
	assert_true(l2_hb_eip_id("pool-1") != l2_hb_eip_id("pool-2"));
	/* Never 0 (0 asks about any Eip): over many names. */
	char name[32];
	for (unsigned i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "eip-%u", i);
		assert_true(l2_hb_eip_id(name) != 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),        cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_encode_refuses), cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_hostile_fields), cmocka_unit_test(test_keys_disagree),
	    cmocka_unit_test(test_bit_flips),      cmocka_unit_test(test_key_parse),
	    cmocka_unit_test(test_eip_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
