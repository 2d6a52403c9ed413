/*
 * libFuzzer target for the BGP framer (bgp/frame.h): an arbitrary byte
 * stream, cut into arbitrary chunks, must yield exactly the messages (and
 * the same final header error, if any) that a walk over the whole stream
 * yields, as TCP may hand a peer's bytes over in any pieces.
 *
 * Input: one byte of parameters (bit 1: extended messages, bit 2: 4-octet
 * AS), eight bytes seeding the chunk sizes, then the stream. Every message
 * handed out is also decoded from an exact-size heap copy, so ASan sees any
 * read past it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/frame.h"
#include "fuzz.h"

#define MAX_MSGS 4096

struct walk {
	size_t end[MAX_MSGS]; /* offset one past each message */
	size_t n;
	int last;
	uint8_t code, subcode;
};

static void walk_whole(const uint8_t *s, size_t len, size_t max_len, struct walk *w)
{
	struct bgp_error err;
	size_t off = 0, mlen;

	w->n = 0;
	for (;;) {
		int r = bgp_header_check(s + off, len - off, max_len, &mlen, &err);

		if (r == 0 && len - off < mlen)
			r = -EAGAIN;
		if (r < 0 || w->n == MAX_MSGS) {
			w->last = r;
			w->code = r == -EBADMSG ? err.code : 0;
			w->subcode = r == -EBADMSG ? err.subcode : 0;
			return;
		}
		off += mlen;
		w->end[w->n++] = off;
	}
}

static uint64_t next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Mostly small pieces, now and then a large one. */
static size_t chunk_size(uint64_t *x)
{
	uint64_t r = next_rand(x);

	return (r & 3) ? 1 + (r >> 8) % 32 : 1 + (r >> 8) % 70000;
}

static void decode_copy(const uint8_t *m, size_t len, const struct bgp_session_params *sp)
{
	uint8_t *copy = malloc(len);
	struct bgp_error err;
	struct bgp_msg msg;

	CHECK(copy);
	memcpy(copy, m, len);
	(void)bgp_msg_decode(copy, len, sp, &msg, &err);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct walk want;
	struct bgp_session_params sp = {0};
	struct bgp_framer f;
	struct bgp_error err;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	size_t max_len, at = 0, n = 0;
	int last = -EAGAIN;

	if (size < 9)
		return 0;
	sp.ext_msg = data[0] & 1;
	sp.as4 = data[0] & 2;
	max_len = sp.ext_msg ? BGP_MAX_EXT_MSG_LEN : BGP_MAX_MSG_LEN;
	for (int i = 1; i < 9; i++)
		seed = seed * 31 + data[i];
	seed |= 1;
	data += 9, size -= 9;
	walk_whole(data, size, max_len, &want);

	bgp_framer_init(&f);
	while (at < size && last == -EAGAIN && n < want.n + 1) {
		size_t chunk = chunk_size(&seed), room;
		uint8_t *w = bgp_framer_room(&f, &room);
		const uint8_t *m;
		size_t mlen;

		CHECK(w);
		if (chunk > size - at)
			chunk = size - at;
		if (chunk <= room) {
			memcpy(w, data + at, chunk);
			bgp_framer_commit(&f, chunk);
		} else if (bgp_framer_feed(&f, data + at, chunk) < 0) {
			/* More than the framer holds: only when no whole message
			 * could be cut from it, which the header check forbids. */
			abort();
		}
		at += chunk;
		while ((last = bgp_framer_next(&f, max_len, &m, &mlen, &err)) == 0) {
			if (n == MAX_MSGS)
				break;
			/* The same message, at the same place, complete. */
			CHECK(n < want.n);
			CHECK(want.end[n] <= at);
			CHECK(mlen == want.end[n] - (n ? want.end[n - 1] : 0));
			CHECK(memcmp(m, data + want.end[n] - mlen, mlen) == 0);
			decode_copy(m, mlen, &sp);
			n++;
		}
		if (n == MAX_MSGS)
			break;
	}
	bgp_framer_fini(&f);
	if (n == MAX_MSGS)
		return 0;
	CHECK(n == want.n);
	CHECK(last == want.last);
	if (last == -EBADMSG)
		CHECK(err.code == want.code && err.subcode == want.subcode);
	return 0;
}
