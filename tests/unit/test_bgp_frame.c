/*
 * The BGP framer (bgp/frame.h) against byte streams split at every byte
 * boundary: recorded BIRD, GoBGP and FRR streams and a stream with an
 * UPDATE larger than 4096 octets (RFC 8654). Whatever the chunking, the
 * framer must hand out exactly the messages a walk over the whole stream
 * finds, never a partial one, and report a bad header exactly where it is.
 */
#include <errno.h>

#include "bgp/frame.h"
#include "test_bgp_util.h"

#define MAX_MSGS 64

/* What the framer handed out, copied: the borrowed pointers die. */
struct framed {
	size_t off[MAX_MSGS], len[MAX_MSGS];
	size_t n;
	int last;        /* -EAGAIN at the end of the stream, or -EBADMSG */
	uint8_t subcode; /* of a header error */
};

/* The reference: walk the whole stream by the headers' length fields. */
static void walk_whole(const uint8_t *s, size_t len, size_t max_len, struct framed *out)
{
	struct bgp_error err;
	size_t off = 0, mlen;

	memset(out, 0, sizeof(*out));
	for (;;) {
		int r = bgp_header_check(s + off, len - off, max_len, &mlen, &err);

		if (r == 0 && len - off < mlen)
			r = -EAGAIN;
		if (r < 0) {
			out->last = r;
			out->subcode = r == -EBADMSG ? err.subcode : 0;
			return;
		}
		assert_true(out->n < MAX_MSGS);
		out->off[out->n] = off;
		out->len[out->n++] = mlen;
		off += mlen;
	}
}

/* Drains f into out; each message must be the stream's bytes at the
 * offset the reference found. */
static void drain(struct bgp_framer *f, const uint8_t *s, size_t max_len, size_t *consumed,
                  struct framed *out)
{
	struct bgp_error err;
	const uint8_t *m;
	size_t mlen;
	int r;

	while ((r = bgp_framer_next(f, max_len, &m, &mlen, &err)) == 0) {
		assert_true(out->n < MAX_MSGS);
		assert_memory_equal(m, s + *consumed, mlen);
		out->off[out->n] = *consumed;
		out->len[out->n++] = mlen;
		*consumed += mlen;
	}
	out->last = r;
	out->subcode = r == -EBADMSG ? err.subcode : 0;
}

/* Feeds the stream in the chunks that cuts[] ends (ascending, the last is
 * len), through room/commit for the first half of each chunk and feed for
 * the rest, so both ways in are exercised. */
static void frame_chunks(const uint8_t *s, size_t len, const size_t *cuts, size_t n_cuts,
                         size_t max_len, struct framed *out)
{
	struct bgp_framer f;
	size_t at = 0, consumed = 0;

	bgp_framer_init(&f);
	memset(out, 0, sizeof(*out));
	out->last = -EAGAIN;
	for (size_t i = 0; i < n_cuts && out->last == -EAGAIN; i++) {
		size_t chunk = cuts[i] - at, half = chunk / 2, room;
		uint8_t *w = bgp_framer_room(&f, &room);

		assert_non_null(w);
		assert_true(room >= 1);
		if (half > room)
			half = room;
		memcpy(w, s + at, half);
		bgp_framer_commit(&f, half);
		assert_int_equal(bgp_framer_feed(&f, s + at + half, chunk - half), 0);
		at = cuts[i];
		drain(&f, s, max_len, &consumed, out);
	}
	bgp_framer_fini(&f);
}

static void assert_same(const struct framed *a, const struct framed *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->off[i], b->off[i]);
		assert_int_equal(a->len[i], b->len[i]);
	}
	assert_int_equal(a->last, b->last);
	assert_int_equal(a->subcode, b->subcode);
}

/* Every split in two, every split in three around each message boundary,
 * and one byte at a time. */
static void check_every_split(const uint8_t *s, size_t len, size_t max_len)
{
	struct framed want, got;

	walk_whole(s, len, max_len, &want);
	for (size_t i = 0; i <= len; i++) {
		size_t cuts[2] = {i, len};

		frame_chunks(s, len, cuts, 2, max_len, &got);
		assert_same(&want, &got);
	}
	for (size_t k = 0; k < want.n; k++) {
		size_t b = want.off[k] + want.len[k];

		for (size_t i = 0; i <= b; i += i < BGP_HEADER_LEN + want.off[k] ? 1 : 7) {
			for (size_t j = b > 3 ? b - 3 : 0; j <= b + 3 && j <= len; j++) {
				size_t cuts[3] = {i < j ? i : j, j, len};

				frame_chunks(s, len, cuts, 3, max_len, &got);
				assert_same(&want, &got);
			}
		}
	}
	size_t *ones = malloc(len * sizeof(*ones));

	assert_non_null(ones);
	for (size_t i = 0; i < len; i++)
		ones[i] = i + 1;
	frame_chunks(s, len, ones, len, max_len, &got);
	assert_same(&want, &got);
	free(ones);
}

static void test_captures(void **state)
{
	static const char *files[] = {"bird2_rx.bin", "gobgp3_rx.bin", "frr8_rx.bin"};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		uint8_t *s = load_capture(files[i], &len);
		struct framed want;

		walk_whole(s, len, BGP_MAX_EXT_MSG_LEN, &want);
		assert_true(want.n >= 3);
		assert_int_equal(want.last, -EAGAIN);
		check_every_split(s, len, BGP_MAX_EXT_MSG_LEN);
		free(s);
	}
}

/* An UPDATE of n IPv6 /128s in MP_REACH_NLRI (RFC 4760), with ORIGIN and
 * an empty AS_PATH: the shape that broke the old read path. */
static size_t big_update(uint8_t *buf, size_t cap, size_t n)
{
	size_t attr_len = 4 + 16 + 1 + n * 17, len;
	uint8_t *p = buf + BGP_HEADER_LEN;

	len = BGP_HEADER_LEN + 2 + 2 + 4 + 3 + 4 + attr_len;
	assert_true(len <= cap);
	memset(buf, 0xff, BGP_MARKER_LEN);
	buf[16] = (uint8_t)(len >> 8);
	buf[17] = (uint8_t)len;
	buf[18] = BGP_MSG_UPDATE;
	*p++ = 0, *p++ = 0; /* no withdrawn routes */
	size_t total = 4 + 3 + 4 + attr_len;
	*p++ = (uint8_t)(total >> 8), *p++ = (uint8_t)total;
	memcpy(p, "\x40\x01\x01\x00", 4), p += 4; /* ORIGIN IGP */
	memcpy(p, "\x40\x02\x00", 3), p += 3;     /* AS_PATH empty (iBGP) */
	*p++ = 0x90, *p++ = 14;                   /* MP_REACH_NLRI, extended length */
	*p++ = (uint8_t)(attr_len >> 8), *p++ = (uint8_t)attr_len;
	memcpy(p, "\x00\x02\x01\x10", 4), p += 4; /* IPv6 unicast, next hop 16 */
	memcpy(p, "\x20\x01\x0d\xb8", 4), p += 4; /* 2001:db8::1 */
	memset(p, 0, 11), p += 11;
	*p++ = 1;
	*p++ = 0; /* reserved */
	for (size_t i = 0; i < n; i++) {
		*p++ = 128;
		memcpy(p, "\x20\x01\x0d\xb8\x00\x01", 6), p += 6;
		memset(p, 0, 8), p += 8;
		*p++ = (uint8_t)(i >> 8), *p++ = (uint8_t)i;
	}
	assert_int_equal((size_t)(p - buf), len);
	return len;
}

static void test_large_update(void **state)
{
	static uint8_t s[16384];
	struct bgp_session_params sp = {.as4 = true, .ext_msg = true};
	struct framed want;
	struct bgp_error err;
	struct bgp_msg msg;
	size_t len = 0;

	len += build_msg(s + len, sizeof(s) - len, BGP_MSG_KEEPALIVE, "");
	len += big_update(s + len, sizeof(s) - len, 360);
	len += build_msg(s + len, sizeof(s) - len, BGP_MSG_KEEPALIVE, "");
	len += big_update(s + len, sizeof(s) - len, 2);
	walk_whole(s, len, BGP_MAX_EXT_MSG_LEN, &want);
	assert_int_equal(want.n, 4);
	assert_true(want.len[1] > BGP_MAX_MSG_LEN);
	/* The message decodes from exactly its own bytes. */
	uint8_t *exact = malloc(want.len[1]);

	assert_non_null(exact);
	memcpy(exact, s + want.off[1], want.len[1]);
	assert_int_equal(bgp_msg_decode(exact, want.len[1], &sp, &msg, &err), 0);
	assert_int_equal(msg.u.update.n_announce[BGP_AF_IPV6], 360);
	assert_int_equal(err.action, BGP_UPD_OK);
	free(exact);
	check_every_split(s, len, BGP_MAX_EXT_MSG_LEN);
	/* Without extended messages the same UPDATE is a length error
	 * (RFC 4271 section 6.1, Bad Message Length), after the first
	 * KEEPALIVE and wherever the stream is cut. */
	walk_whole(s, len, BGP_MAX_MSG_LEN, &want);
	assert_int_equal(want.n, 1);
	assert_int_equal(want.last, -EBADMSG);
	assert_int_equal(want.subcode, BGP_ERR_HDR_LEN);
	check_every_split(s, len, BGP_MAX_MSG_LEN);
}

/* The read size asks for what the pending message lacks. */
static void test_room(void **state)
{
	static uint8_t s[16384];
	struct bgp_framer f;
	struct bgp_error err;
	const uint8_t *m;
	size_t len = big_update(s, sizeof(s), 360), room, mlen;

	bgp_framer_init(&f);
	assert_non_null(bgp_framer_room(&f, &room));
	assert_int_equal(room, 4096);
	assert_int_equal(bgp_framer_feed(&f, s, 100), 0);
	assert_int_equal(bgp_framer_next(&f, BGP_MAX_EXT_MSG_LEN, &m, &mlen, &err), -EAGAIN);
	assert_non_null(bgp_framer_room(&f, &room));
	assert_int_equal(room, len - 100);
	assert_int_equal(bgp_framer_feed(&f, s + 100, len - 100), 0);
	assert_int_equal(bgp_framer_next(&f, BGP_MAX_EXT_MSG_LEN, &m, &mlen, &err), 0);
	assert_int_equal(mlen, len);
	assert_int_equal(bgp_framer_next(&f, BGP_MAX_EXT_MSG_LEN, &m, &mlen, &err), -EAGAIN);
	/* Drained after a burst: the buffer is given back. */
	assert_true(f.in.cap <= 4096);
	bgp_framer_fini(&f);
}

/* Header errors are reported once the header is whole, at the message
 * where they are, with nothing after them handed out. */
static void test_bad_headers(void **state)
{
	static const char *bad[] = {
	    /* marker not all ones: Connection Not Synchronized */
	    "ffffffffffffffffffffffffffff00ff 0013 04",
	    /* length below 19 */
	    "ffffffffffffffffffffffffffffffff 0012 04",
	    /* KEEPALIVE longer than 19 */
	    "ffffffffffffffffffffffffffffffff 0014 04 00",
	    /* unknown type */
	    "ffffffffffffffffffffffffffffffff 0013 09",
	    /* OPEN over 4096 even with extended messages (RFC 8654 section 4) */
	    "ffffffffffffffffffffffffffffffff 1001 01",
	};
	uint8_t s[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct framed want;
		size_t len = build_msg(s, sizeof(s), BGP_MSG_KEEPALIVE, "");

		len += hx(bad[i], s + len, sizeof(s) - len);
		len += build_msg(s + len, sizeof(s) - len, BGP_MSG_KEEPALIVE, "");
		walk_whole(s, len, BGP_MAX_EXT_MSG_LEN, &want);
		assert_int_equal(want.n, 1);
		assert_int_equal(want.last, -EBADMSG);
		check_every_split(s, len, BGP_MAX_EXT_MSG_LEN);
	}
}

/* A stream cut short never hands out its last message. */
static void test_truncated(void **state)
{
	size_t len;
	uint8_t *s = load_capture("bird2_rx.bin", &len);
	struct framed whole, cut;

	walk_whole(s, len, BGP_MAX_EXT_MSG_LEN, &whole);
	walk_whole(s, len - 1, BGP_MAX_EXT_MSG_LEN, &cut);
	assert_int_equal(cut.n, whole.n - 1);
	assert_int_equal(cut.last, -EAGAIN);
	check_every_split(s, len - 1, BGP_MAX_EXT_MSG_LEN);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_captures),  cmocka_unit_test(test_large_update),
	    cmocka_unit_test(test_room),      cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
