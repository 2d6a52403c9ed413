/*
 * NLRI prefix encoding (RFC 4271 section 4.3, RFC 4760 section 5, with the
 * RFC 7911 section 3 path identifier in front when ADD-PATH is in use).
 */
#include <errno.h>
#include <string.h>

#include "bgp/wire.h"

int bgp_nlri_next(const uint8_t *nlri, size_t len, size_t *off, uint8_t family, bool addpath,
                  struct bgp_prefix *p)
{
	unsigned max = core_af_bits(family);
	size_t o = *off, nbytes;
	uint32_t path_id = 0;
	uint8_t plen;

	if (!max)
		return -EAFNOSUPPORT;
	if (o >= len)
		return 0;
	if (addpath) {
		if (len - o < 4)
			return -EBADMSG;
		path_id = bgp_get32(nlri + o);
		o += 4;
	}
	/* RFC 7606 section 5.3: a prefix that is too long or runs past the
	 * field makes the whole field syntactically incorrect. */
	if (o >= len)
		return -EBADMSG;
	plen = nlri[o++];
	if (plen > max)
		return -EBADMSG;
	nbytes = (plen + 7u) / 8u;
	if (len - o < nbytes)
		return -EBADMSG;
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = plen;
	p->path_id = path_id;
	memcpy(p->addr, nlri + o, nbytes);
	/* RFC 4271 section 4.3: trailing bits are irrelevant; keep them zero. */
	if (plen % 8)
		p->addr[nbytes - 1] &= (uint8_t)(0xff00u >> (plen % 8));
	*off = o + nbytes;
	return 1;
}

int bgp_nlri_count(const uint8_t *nlri, size_t len, uint8_t family, bool addpath, uint32_t *n)
{
	struct bgp_prefix p;
	size_t off = 0;
	uint32_t count = 0;
	int rc;

	while ((rc = bgp_nlri_next(nlri, len, &off, family, addpath, &p)) == 1)
		count++;
	if (rc < 0)
		return -EBADMSG;
	*n = count;
	return 0;
}

size_t bgp_prefix_wire_len(const struct bgp_prefix *p, bool addpath)
{
	return (addpath ? 4u : 0u) + 1u + (p->len + 7u) / 8u;
}

size_t bgp_prefix_put(uint8_t *w, const struct bgp_prefix *p, bool addpath)
{
	size_t o = 0, nbytes = (p->len + 7u) / 8u;

	if (addpath) {
		bgp_put32(w, p->path_id);
		o = 4;
	}
	w[o++] = p->len;
	memcpy(w + o, p->addr, nbytes);
	if (p->len % 8)
		w[o + nbytes - 1] &= (uint8_t)(0xff00u >> (p->len % 8));
	return o + nbytes;
}
