/*
 * libFuzzer target for the BGP wire codec.
 *
 * Input: one byte of session parameters, then a byte stream cut by the
 * headers' lengths (bgp_header_check, then bgp_msg_decode on an exact-size
 * heap copy so ASan sees any read past the message); truncated messages
 * are decoded too, to prove they are refused. The framing of a stream in
 * arbitrary chunks is fuzz_bgp_frame's.
 * Parameter bits: 1 as4, 2 ext_msg, 4 ADD-PATH IPv4, 8 ADD-PATH IPv6.
 *
 * Beyond "no crash" it checks invariants and aborts when one breaks:
 * errors are fully described; UPDATE counts match what bgp_nlri_next
 * iterates; decoded prefixes re-encode and decode to the same prefixes;
 * OPEN, NOTIFICATION and ROUTE-REFRESH round-trip through their encoders.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp/bgp.h"
#include "fuzz.h"

#define MAX_PFX 256

static size_t iterate(const uint8_t *nlri, size_t len, uint8_t family, bool addpath,
                      struct bgp_prefix *out, size_t *n_out)
{
	char text[BGP_PREFIX_STRLEN];
	struct bgp_prefix p;
	size_t off = 0, n = 0;
	int rc;

	while ((rc = bgp_nlri_next(nlri, len, &off, family, addpath, &p)) == 1) {
		CHECK(p.len <= core_af_bits(family));
		CHECK(bgp_prefix_format(&p, text, sizeof(text))[0] != '?');
		if (out && *n_out < MAX_PFX)
			out[(*n_out)++] = p;
		n++;
	}
	/* The decoder accepted the message, so every field is well-formed. */
	CHECK(rc == 0 && off == len);
	return n;
}

static bool same_prefix(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	return a->family == b->family && a->len == b->len && a->path_id == b->path_id &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* Announces what was received, from us, and checks it comes back intact. */
static void reencode(enum bgp_af af, const struct bgp_prefix *p, size_t n,
                     const struct bgp_session_params *rx)
{
	static uint8_t buf[BGP_MAX_EXT_MSG_LEN];
	struct bgp_session_params sp = *rx;
	struct bgp_out_attrs oa;
	struct bgp_prefix back[MAX_PFX];
	uint8_t attrs[64];
	struct bgp_update_parts u;
	struct bgp_error err;
	struct bgp_msg m;
	const struct bgp_update *up;
	size_t nb = 0;
	ssize_t alen, len;

	if (!n)
		return;
	memset(&oa, 0, sizeof(oa));
	oa.as_path[0] = 4200000000u;
	oa.as_path_len = 1;
	CHECK(core_addr_parse("192.0.2.1", &oa.next_hop) == 0);
	CHECK(core_addr_parse("2001:db8::1", &oa.next_hop6) == 0);
	CHECK(core_addr_parse("fe80::1", &oa.next_hop6_ll) == 0);
	sp.addpath_tx[af] = rx->addpath_rx[af];
	alen = bgp_attrs_encode(attrs, sizeof(attrs), &oa, af, &sp);
	CHECK(alen > 0);
	u = (struct bgp_update_parts){.af = af,
	                              .announce = p,
	                              .n_announce = n,
	                              .withdraw = p,
	                              .n_withdraw = n,
	                              .attrs = attrs,
	                              .attrs_len = (size_t)alen,
	                              .out = &oa};
	len = bgp_update_encode(buf, sizeof(buf), &u, &sp);
	if (len == -EMSGSIZE)
		return;
	CHECK(len > 0);
	CHECK(bgp_msg_decode(buf, (size_t)len, &sp, &m, &err) == 0);
	CHECK(err.action == BGP_UPD_OK);
	up = &m.u.update;
	CHECK(up->n_announce[af] == n && up->n_withdraw[af] == n);
	if (af == BGP_AF_IPV4)
		iterate(up->nlri, up->nlri_len, AF_INET, sp.addpath_rx[af], back, &nb);
	else
		iterate(up->attrs.mp_reach.nlri, up->attrs.mp_reach.nlri_len, AF_INET6,
		        sp.addpath_rx[af], back, &nb);
	CHECK(nb == n);
	for (size_t i = 0; i < n; i++)
		CHECK(same_prefix(&back[i], &p[i]));
}

static void check_update(const struct bgp_update *u, const struct bgp_error *err,
                         const struct bgp_session_params *sp)
{
	static struct bgp_prefix p4[MAX_PFX], p6[MAX_PFX];
	const struct bgp_attrs *a = &u->attrs;
	size_t ann[2] = {0}, wd[2] = {0}, n4 = 0, n6 = 0;
	bool ap4 = sp->addpath_rx[BGP_AF_IPV4], ap6 = sp->addpath_rx[BGP_AF_IPV6];

	CHECK(err->action <= BGP_UPD_TREAT_AS_WITHDRAW);
	wd[0] += iterate(u->withdrawn, u->withdrawn_len, AF_INET, ap4, NULL, NULL);
	ann[0] += iterate(u->nlri, u->nlri_len, AF_INET, ap4, p4, &n4);
	if (a->present & BGP_PA_MP_REACH) {
		if (a->mp_reach.afi == BGP_AFI_IPV4)
			ann[0] +=
			    iterate(a->mp_reach.nlri, a->mp_reach.nlri_len, AF_INET, ap4, p4, &n4);
		else
			ann[1] +=
			    iterate(a->mp_reach.nlri, a->mp_reach.nlri_len, AF_INET6, ap6, p6, &n6);
	}
	if (a->present & BGP_PA_MP_UNREACH) {
		bool v4 = a->mp_unreach.afi == BGP_AFI_IPV4;

		wd[v4 ? 0 : 1] += iterate(a->mp_unreach.nlri, a->mp_unreach.nlri_len,
		                          v4 ? AF_INET : AF_INET6, v4 ? ap4 : ap6, NULL, NULL);
	}
	for (int af = 0; af < BGP_AF_COUNT; af++) {
		if (err->action == BGP_UPD_TREAT_AS_WITHDRAW) {
			CHECK(u->n_announce[af] == 0);
			CHECK(u->n_withdraw[af] == ann[af] + wd[af]);
		} else {
			CHECK(u->n_announce[af] == ann[af]);
			CHECK(u->n_withdraw[af] == wd[af]);
		}
	}
	if (u->end_of_rib)
		CHECK(!ann[0] && !ann[1] && !wd[0] && !wd[1]);
	reencode(BGP_AF_IPV4, p4, n4, sp);
	reencode(BGP_AF_IPV6, p6, n6, sp);
}

static void check_open(const struct bgp_open *o)
{
	uint8_t buf[BGP_MAX_MSG_LEN];
	struct bgp_open want = *o;
	const struct bgp_open *b;
	struct bgp_error err;
	struct bgp_msg m;
	ssize_t n = bgp_open_encode(buf, sizeof(buf), o);

	CHECK(n >= 29);
	CHECK(bgp_msg_decode(buf, (size_t)n, NULL, &m, &err) == 0);
	CHECK(m.type == BGP_MSG_OPEN);
	b = &m.u.open;
	/* The encoder derives My AS from the AS4 capability (RFC 6793 4.2.1). */
	if (want.caps.as4)
		want.my_as =
		    want.caps.as4_asn > 0xffff ? BGP_AS_TRANS : (uint16_t)want.caps.as4_asn;
	CHECK(b->version == want.version && b->my_as == want.my_as &&
	      b->hold_time == want.hold_time && b->bgp_id == want.bgp_id);
	CHECK(b->caps.route_refresh == want.caps.route_refresh && b->caps.as4 == want.caps.as4 &&
	      b->caps.as4_asn == want.caps.as4_asn && b->caps.ext_msg == want.caps.ext_msg &&
	      b->caps.gr == want.caps.gr && b->caps.gr_restarting == want.caps.gr_restarting &&
	      b->caps.gr_time == want.caps.gr_time);
	for (int af = 0; af < BGP_AF_COUNT; af++) {
		CHECK(b->caps.mp[af] == want.caps.mp[af]);
		CHECK(b->caps.gr_af[af].present == want.caps.gr_af[af].present);
		CHECK(b->caps.gr_af[af].forwarding_preserved ==
		      want.caps.gr_af[af].forwarding_preserved);
		CHECK(b->caps.addpath[af] == want.caps.addpath[af]);
	}
}

static void check_one(const uint8_t *msg, size_t len, const struct bgp_session_params *sp)
{
	uint8_t out[BGP_MAX_MSG_LEN];
	struct bgp_error err;
	struct bgp_msg m;
	int rc = bgp_msg_decode(msg, len, sp, &m, &err);

	CHECK(bgp_err_name(err.code, err.subcode) != NULL);
	CHECK(err.data_len <= sizeof(err.data));
	if (rc < 0) {
		CHECK(rc == -EBADMSG);
		CHECK(err.action == BGP_UPD_SESSION_RESET && err.reason);
		CHECK(err.code >= BGP_ERR_HEADER && err.code <= BGP_ERR_UPDATE);
		return;
	}
	CHECK(rc == 0 && m.len == len);
	CHECK((err.action == BGP_UPD_OK) == (err.reason == NULL));
	switch (m.type) {
	case BGP_MSG_UPDATE:
		check_update(&m.u.update, &err, sp);
		break;
	case BGP_MSG_OPEN:
		CHECK(err.action == BGP_UPD_OK);
		check_open(&m.u.open);
		break;
	case BGP_MSG_NOTIFICATION:
		if (len <= BGP_MAX_MSG_LEN) {
			ssize_t n = bgp_notification_encode(
			    out, sizeof(out), m.u.notification.code, m.u.notification.subcode,
			    m.u.notification.data, m.u.notification.data_len);
			CHECK(n == (ssize_t)len && memcmp(out, msg, len) == 0);
		}
		break;
	case BGP_MSG_ROUTE_REFRESH:
		CHECK(bgp_route_refresh_encode(out, sizeof(out), m.u.route_refresh.afi,
		                               m.u.route_refresh.safi) == 23);
		CHECK(memcmp(out, msg, 21) == 0 && out[22] == msg[22]);
		break;
	case BGP_MSG_KEEPALIVE:
		CHECK(len == 19);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_session_params sp;
	size_t off = 1;

	if (size < 1)
		return 0;
	memset(&sp, 0, sizeof(sp));
	sp.as4 = data[0] & 1;
	sp.ext_msg = data[0] & 2;
	sp.addpath_rx[BGP_AF_IPV4] = sp.addpath_tx[BGP_AF_IPV4] = (data[0] & 4) ? 1 : 0;
	sp.addpath_rx[BGP_AF_IPV6] = sp.addpath_tx[BGP_AF_IPV6] = (data[0] & 8) ? 1 : 0;

	while (off < size) {
		size_t max = sp.ext_msg ? BGP_MAX_EXT_MSG_LEN : BGP_MAX_MSG_LEN, mlen = 0;
		struct bgp_error err;
		uint8_t *copy;
		int rc = bgp_header_check(data + off, size - off, max, &mlen, &err);

		if (rc == -EAGAIN) {
			CHECK(size - off < BGP_HEADER_LEN);
			break;
		}
		if (rc < 0) {
			CHECK(rc == -EBADMSG && err.code == BGP_ERR_HEADER && err.reason);
			break;
		}
		CHECK(mlen >= BGP_HEADER_LEN && mlen <= max);
		if (mlen > size - off) {
			/* A truncated message must be refused, never read past. */
			copy = malloc(size - off);
			CHECK(copy);
			memcpy(copy, data + off, size - off);
			check_one(copy, size - off, &sp);
			free(copy);
			break;
		}
		copy = malloc(mlen);
		CHECK(copy);
		memcpy(copy, data + off, mlen);
		check_one(copy, mlen, &sp);
		free(copy);
		off += mlen;
	}
	return 0;
}
