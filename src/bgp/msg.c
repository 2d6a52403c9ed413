/*
 * Message framing (RFC 4271 section 4.1 / 6.1), dispatch to the body
 * decoders, and the small fixed-format messages: KEEPALIVE, NOTIFICATION
 * (RFC 4271 4.5) and ROUTE-REFRESH (RFC 2918 section 3).
 */
#include <errno.h>
#include <string.h>

#include "bgp/wire.h"

void bgp_err_clear(struct bgp_error *err)
{
	memset(err, 0, sizeof(*err));
	err->action = BGP_UPD_OK;
}

void bgp_err_raise(struct bgp_error *err, enum bgp_upd_action action, uint8_t code, uint8_t subcode,
                   uint8_t attr_type, const uint8_t *data, size_t data_len, const char *reason)
{
	if (err->reason && action <= err->action)
		return;
	err->action = action;
	err->code = code;
	err->subcode = subcode;
	err->attr_type = attr_type;
	if (!data)
		data_len = 0;
	if (data_len > sizeof(err->data))
		data_len = sizeof(err->data);
	if (data_len)
		memcpy(err->data, data, data_len);
	err->data_len = (uint16_t)data_len;
	err->reason = reason;
}

void bgp_header_put(uint8_t *buf, uint16_t len, uint8_t type)
{
	memset(buf, 0xff, BGP_MARKER_LEN);
	bgp_put16(buf + BGP_MARKER_LEN, len);
	buf[BGP_MARKER_LEN + 2] = type;
}

/* RFC 4271 section 6.1: Bad Message Length carries the erroneous Length field. */
static int hdr_len_error(struct bgp_error *err, const uint8_t *lenfield, const char *reason)
{
	bgp_err_raise(err, BGP_UPD_SESSION_RESET, BGP_ERR_HEADER, BGP_ERR_HDR_LEN, 0, lenfield, 2,
	              reason);
	return -EBADMSG;
}

int bgp_header_check(const uint8_t *buf, size_t len, size_t max_len, size_t *msg_len,
                     struct bgp_error *err)
{
	size_t mlen, type_max;
	uint8_t type;

	bgp_err_clear(err);
	if (len < BGP_HEADER_LEN)
		return -EAGAIN;
	for (size_t i = 0; i < BGP_MARKER_LEN; i++) {
		if (buf[i] != 0xff) {
			bgp_err_raise(err, BGP_UPD_SESSION_RESET, BGP_ERR_HEADER, BGP_ERR_HDR_SYNC,
			              0, NULL, 0, "marker is not all ones");
			return -EBADMSG;
		}
	}
	if (max_len < BGP_MAX_MSG_LEN)
		max_len = BGP_MAX_MSG_LEN;
	if (max_len > BGP_MAX_EXT_MSG_LEN)
		max_len = BGP_MAX_EXT_MSG_LEN;
	mlen = bgp_get16(buf + BGP_MARKER_LEN);
	type = buf[BGP_MARKER_LEN + 2];
	if (mlen < BGP_HEADER_LEN || mlen > max_len)
		return hdr_len_error(err, buf + BGP_MARKER_LEN, "length outside 19..maximum");
	/* RFC 8654 section 4: OPEN and KEEPALIVE never exceed 4096. */
	type_max = (type == BGP_MSG_OPEN || type == BGP_MSG_KEEPALIVE) ? BGP_MAX_MSG_LEN : max_len;
	switch (type) {
	case BGP_MSG_OPEN:
		if (mlen < 29 || mlen > type_max)
			return hdr_len_error(err, buf + BGP_MARKER_LEN,
			                     "OPEN length outside 29..4096");
		break;
	case BGP_MSG_UPDATE:
		if (mlen < 23)
			return hdr_len_error(err, buf + BGP_MARKER_LEN, "UPDATE shorter than 23");
		break;
	case BGP_MSG_NOTIFICATION:
		if (mlen < 21)
			return hdr_len_error(err, buf + BGP_MARKER_LEN,
			                     "NOTIFICATION shorter than 21");
		break;
	case BGP_MSG_KEEPALIVE:
		if (mlen != BGP_HEADER_LEN)
			return hdr_len_error(err, buf + BGP_MARKER_LEN, "KEEPALIVE is not 19");
		break;
	case BGP_MSG_ROUTE_REFRESH:
		/* RFC 2918 section 3: AFI, reserved, SAFI: exactly 4 octets. */
		if (mlen != 23)
			return hdr_len_error(err, buf + BGP_MARKER_LEN, "ROUTE-REFRESH is not 23");
		break;
	default:
		bgp_err_raise(err, BGP_UPD_SESSION_RESET, BGP_ERR_HEADER, BGP_ERR_HDR_TYPE, 0,
		              buf + BGP_MARKER_LEN + 2, 1, "unknown message type");
		return -EBADMSG;
	}
	*msg_len = mlen;
	return 0;
}

int bgp_msg_decode(const uint8_t *buf, size_t len, const struct bgp_session_params *sp,
                   struct bgp_msg *out, struct bgp_error *err)
{
	static const struct bgp_session_params none;
	const uint8_t *body = buf + BGP_HEADER_LEN;
	size_t mlen, blen;
	int rc;

	if (!sp)
		sp = &none;
	memset(out, 0, sizeof(*out));
	rc = bgp_header_check(buf, len, sp->ext_msg ? BGP_MAX_EXT_MSG_LEN : BGP_MAX_MSG_LEN, &mlen,
	                      err);
	if (rc == -EAGAIN) {
		bgp_err_raise(err, BGP_UPD_SESSION_RESET, BGP_ERR_HEADER, BGP_ERR_HDR_LEN, 0, NULL,
		              0, "message shorter than a header");
		return -EBADMSG;
	}
	if (rc < 0)
		return rc;
	if (len < mlen)
		return hdr_len_error(err, buf + BGP_MARKER_LEN, "message shorter than its length");
	out->type = buf[BGP_MARKER_LEN + 2];
	out->len = (uint16_t)mlen;
	blen = mlen - BGP_HEADER_LEN;
	switch (out->type) {
	case BGP_MSG_OPEN:
		return bgp_open_decode(body, blen, &out->u.open, err);
	case BGP_MSG_UPDATE:
		return bgp_update_decode(body, blen, sp, &out->u.update, err);
	case BGP_MSG_NOTIFICATION:
		out->u.notification.code = body[0];
		out->u.notification.subcode = body[1];
		out->u.notification.data = blen > 2 ? body + 2 : NULL;
		out->u.notification.data_len = blen - 2;
		return 0;
	case BGP_MSG_KEEPALIVE:
		return 0;
	case BGP_MSG_ROUTE_REFRESH:
		/* The reserved octet (RFC 7313 message subtype) is ignored. */
		out->u.route_refresh.afi = bgp_get16(body);
		out->u.route_refresh.safi = body[3];
		return 0;
	}
	return -EBADMSG; /* unreachable: bgp_header_check vetted the type */
}

ssize_t bgp_keepalive_encode(uint8_t *buf, size_t cap)
{
	if (cap < BGP_HEADER_LEN)
		return -ENOBUFS;
	bgp_header_put(buf, BGP_HEADER_LEN, BGP_MSG_KEEPALIVE);
	return BGP_HEADER_LEN;
}

ssize_t bgp_notification_encode(uint8_t *buf, size_t cap, uint8_t code, uint8_t subcode,
                                const uint8_t *data, size_t data_len)
{
	size_t len = BGP_HEADER_LEN + 2 + data_len;

	if (data_len && !data)
		return -EINVAL;
	if (len > BGP_MAX_MSG_LEN)
		return -EMSGSIZE;
	if (cap < len)
		return -ENOBUFS;
	bgp_header_put(buf, (uint16_t)len, BGP_MSG_NOTIFICATION);
	buf[BGP_HEADER_LEN] = code;
	buf[BGP_HEADER_LEN + 1] = subcode;
	if (data_len)
		memcpy(buf + BGP_HEADER_LEN + 2, data, data_len);
	return (ssize_t)len;
}

void bgp_cease_max_prefix(struct bgp_error *err, enum bgp_af af, uint32_t max)
{
	bgp_err_clear(err);
	err->action = BGP_UPD_SESSION_RESET;
	err->code = BGP_ERR_CEASE;
	err->subcode = BGP_ERR_CEASE_MAX_PREFIX;
	err->data_len = 7;
	bgp_put16(err->data, bgp_af_to_afi(af));
	err->data[2] = BGP_SAFI_UNICAST;
	bgp_put32(err->data + 3, max);
	err->reason = "maximum number of prefixes reached";
}

ssize_t bgp_route_refresh_encode(uint8_t *buf, size_t cap, uint16_t afi, uint8_t safi)
{
	if (cap < 23)
		return -ENOBUFS;
	bgp_header_put(buf, 23, BGP_MSG_ROUTE_REFRESH);
	bgp_put16(buf + BGP_HEADER_LEN, afi);
	buf[BGP_HEADER_LEN + 2] = 0;
	buf[BGP_HEADER_LEN + 3] = safi;
	return 23;
}
