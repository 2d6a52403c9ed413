/*
 * libFuzzer target for the BFD Control packet codec (bfd/bfd.h).
 *
 * The whole input is one datagram, decoded from an exact-size heap copy
 * (ASan sees any read past it). The result must match a reference
 * reading of RFC 5880 section 6.8.6 written apart from the codec, byte
 * by byte, naming the same first rule broken. A packet that decodes
 * re-encodes to the same first 24 bytes except A (cleared) and Length
 * (24), and that decodes to the same fields except the authentication
 * ones. Every truncation below its Length is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bfd/bfd.h"
#include "fuzz.h"

/* RFC 5880 section 6.8.6, read straight from the bytes: the first rule
 * broken, or BFD_DROP_COUNT when none is. */
static enum bfd_drop reference(const uint8_t *b, size_t n)
{
	unsigned length, auth, state;

	if (n < 24)
		return BFD_DROP_SHORT;
	if ((b[0] >> 5) != 1)
		return BFD_DROP_VERSION;
	length = b[3];
	auth = b[1] & 0x04;
	if (length < (auth ? 26u : 24u) || length > n)
		return BFD_DROP_LENGTH;
	/* Auth Len at offset 25 counts Auth Type and itself. */
	if (auth && (b[25] < 2 || 24u + b[25] > length))
		return BFD_DROP_LENGTH;
	if (b[2] == 0)
		return BFD_DROP_MULT;
	if (b[1] & 0x01)
		return BFD_DROP_MULTIPOINT;
	if ((b[4] | b[5] | b[6] | b[7]) == 0)
		return BFD_DROP_MY_DISC;
	state = b[1] >> 6;
	if ((b[8] | b[9] | b[10] | b[11]) == 0 && state >= 2)
		return BFD_DROP_YOUR_DISC;
	return BFD_DROP_COUNT;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The fields of an accepted packet against its bytes. */
static void fields(const uint8_t *b, const struct bfd_pkt *p)
{
	CHECK(p->version == 1);
	CHECK((unsigned)p->diag == (b[0] & 0x1fu));
	CHECK((unsigned)p->state == (unsigned)(b[1] >> 6));
	CHECK(p->flags == (b[1] & 0x3f));
	CHECK(p->detect_mult == b[2] && p->length == b[3]);
	CHECK(p->my_disc == be32(b + 4) && p->your_disc == be32(b + 8));
	CHECK(p->desired_min_tx_us == be32(b + 12));
	CHECK(p->required_min_rx_us == be32(b + 16));
	CHECK(p->required_min_echo_rx_us == be32(b + 20));
	if (p->flags & BFD_F_AUTH)
		CHECK(p->auth_type == b[24] && p->auth_len == b[25]);
	else
		CHECK(p->auth_type == 0 && p->auth_len == 0);
}

static void round_trip(const uint8_t *b, const struct bfd_pkt *p)
{
	uint8_t out[BFD_PKT_LEN];
	struct bfd_pkt q;
	enum bfd_drop why = BFD_DROP_COUNT;

	CHECK(bfd_pkt_encode(p, out, sizeof(out)) == BFD_PKT_LEN);
	CHECK(out[0] == b[0] && out[1] == (b[1] & ~BFD_F_AUTH) && out[2] == b[2]);
	CHECK(out[3] == BFD_PKT_LEN);
	CHECK(memcmp(out + 4, b + 4, 20) == 0);
	CHECK(bfd_pkt_decode(out, sizeof(out), &q, &why) == 0);
	CHECK(q.version == p->version && q.diag == p->diag && q.state == p->state);
	CHECK(q.flags == (p->flags & ~BFD_F_AUTH));
	CHECK(q.detect_mult == p->detect_mult && q.length == BFD_PKT_LEN);
	CHECK(q.my_disc == p->my_disc && q.your_disc == p->your_disc);
	CHECK(q.desired_min_tx_us == p->desired_min_tx_us);
	CHECK(q.required_min_rx_us == p->required_min_rx_us);
	CHECK(q.required_min_echo_rx_us == p->required_min_echo_rx_us);
	CHECK(q.auth_type == 0 && q.auth_len == 0);
	CHECK(bfd_pkt_encode(p, out, BFD_PKT_LEN - 1) == -ENOSPC);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	enum bfd_drop why = BFD_DROP_COUNT, want;
	struct bfd_pkt p, untouched;
	int r;

	CHECK(copy);
	memcpy(copy, data, size);
	memset(&p, 0x5a, sizeof(p));
	untouched = p;
	r = bfd_pkt_decode(copy, size, &p, &why);
	want = reference(copy, size);
	CHECK(bfd_drop_name(why) != NULL);
	if (want != BFD_DROP_COUNT) {
		CHECK(r == -EINVAL && why == want);
		CHECK(memcmp(&p, &untouched, sizeof(p)) == 0);
		free(copy);
		return 0;
	}
	CHECK(r == 0);
	fields(copy, &p);
	CHECK(bfd_state_name(p.state) != NULL && bfd_diag_name(p.diag) != NULL);
	round_trip(copy, &p);
	/* Bytes past Length do not matter; fewer than Length refuse. */
	CHECK(bfd_pkt_decode(copy, p.length, &untouched, NULL) == 0);
	for (size_t n = 0; n < p.length; n++) {
		CHECK(bfd_pkt_decode(copy, n, &untouched, &why) == -EINVAL);
		CHECK(why == (n < BFD_PKT_LEN ? BFD_DROP_SHORT : BFD_DROP_LENGTH));
	}
	free(copy);
	return 0;
}
