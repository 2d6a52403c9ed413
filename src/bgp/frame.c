/*
 * BGP message framing over a byte stream: hands out a message only once
 * all of its octets are buffered. See frame.h.
 */
#include "bgp/frame.h"

#include <errno.h>
#include <string.h>

#define FRAMER_READ 4096 /* asked of one read when no message is pending */
#define FRAMER_KEEP 4096 /* what an idle connection keeps of its buffer */

void bgp_framer_init(struct bgp_framer *f)
{
	memset(f, 0, sizeof(*f));
	buf_init(&f->in, BGP_FRAMER_MAX);
}

void bgp_framer_fini(struct bgp_framer *f)
{
	buf_fini(&f->in);
	f->taken = 0;
}

void bgp_framer_reset(struct bgp_framer *f)
{
	buf_reset(&f->in);
	f->taken = 0;
}

/* Drops the message handed out last: it was borrowed until now. */
static void framer_release(struct bgp_framer *f)
{
	buf_consume(&f->in, f->taken);
	f->taken = 0;
}

uint8_t *bgp_framer_room(struct bgp_framer *f, size_t *n)
{
	size_t have, want = FRAMER_READ;
	const uint8_t *h;

	framer_release(f);
	have = buf_len(&f->in);
	h = buf_head(&f->in);
	if (have >= BGP_HEADER_LEN) {
		/* RFC 4271 section 4.1: the length follows the 16-octet marker. */
		size_t len = (size_t)h[BGP_MARKER_LEN] << 8 | h[BGP_MARKER_LEN + 1];

		if (len > have && len - have > want)
			want = len - have;
	}
	*n = want;
	return buf_reserve(&f->in, want);
}

void bgp_framer_commit(struct bgp_framer *f, size_t n)
{
	buf_commit(&f->in, n);
}

int bgp_framer_feed(struct bgp_framer *f, const void *p, size_t n)
{
	framer_release(f);
	return buf_append(&f->in, p, n);
}

int bgp_framer_next(struct bgp_framer *f, size_t max_len, const uint8_t **msg, size_t *len,
                    struct bgp_error *err)
{
	size_t have, mlen;
	int r;

	framer_release(f);
	have = buf_len(&f->in);
	r = bgp_header_check(buf_head(&f->in), have, max_len, &mlen, err);
	if (r == 0 && have < mlen)
		r = -EAGAIN; /* the header is in, the rest of the message is not */
	if (r == -EAGAIN && have == 0)
		buf_trim(&f->in, FRAMER_KEEP);
	if (r < 0)
		return r;
	*msg = buf_head(&f->in);
	*len = mlen;
	f->taken = mlen;
	return 0;
}
