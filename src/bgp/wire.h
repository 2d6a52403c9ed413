/*
 * Internal to the BGP wire codec (src/bgp/{msg,caps,update,attr,nlri,encode,addr}.c):
 * byte order helpers, the error recorder and the per-message decoders that
 * bgp_msg_decode dispatches to. Not part of the public API; include bgp.h.
 */
#ifndef BERTH_BGP_WIRE_H
#define BERTH_BGP_WIRE_H

#include <sys/socket.h>

#include "bgp/bgp.h"

static inline uint16_t bgp_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t bgp_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void bgp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void bgp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Clears err: action OK, no code, no reason. */
void bgp_err_clear(struct bgp_error *err);

/*
 * Records a finding in err unless a finding at least as severe is already
 * there (RFC 7606 section 2: the most severe approach wins; the first of
 * equal severity is kept for the log). data is copied, truncated to
 * sizeof(err->data). reason must be a string literal.
 */
void bgp_err_raise(struct bgp_error *err, enum bgp_upd_action action, uint8_t code, uint8_t subcode,
                   uint8_t attr_type, const uint8_t *data, size_t data_len, const char *reason);

/* Writes the 19-byte header; buf must have room. */
void bgp_header_put(uint8_t *buf, uint16_t len, uint8_t type);

/*
 * Body decoders: body/len exclude the 19-byte header, which the caller has
 * already checked. Return 0 or -EBADMSG as bgp_msg_decode does.
 */
int bgp_open_decode(const uint8_t *body, size_t len, struct bgp_open *o, struct bgp_error *err);
int bgp_update_decode(const uint8_t *body, size_t len, const struct bgp_session_params *sp,
                      struct bgp_update *u, struct bgp_error *err);

/* What the attribute walk learned that the UPDATE-level checks need. */
struct bgp_attr_walk {
	unsigned n_attrs;     /* attributes seen, duplicates included */
	bool mp_reach_seen;   /* an MP_REACH_NLRI attribute was present at all */
	int mp_reach_af;      /* enum bgp_af, or -1 when unsupported/absent */
	int mp_unreach_af;    /* likewise */
	uint32_t mp_announce; /* prefixes in MP_REACH_NLRI */
	uint32_t mp_withdraw; /* prefixes in MP_UNREACH_NLRI */
};

/*
 * Walks and validates the path attributes (RFC 7606). Returns 0 (err may
 * hold ATTR_DISCARD or TREAT_AS_WITHDRAW) or -EBADMSG (session reset).
 */
int bgp_attrs_decode(const uint8_t *a, size_t len, const struct bgp_session_params *sp,
                     struct bgp_attrs *out, struct bgp_attr_walk *walk, struct bgp_error *err);

/*
 * Counts the prefixes of an NLRI field, validating each (RFC 7606 section
 * 5.3). Returns 0 or -EBADMSG.
 */
int bgp_nlri_count(const uint8_t *nlri, size_t len, uint8_t family, bool addpath, uint32_t *n);

/* Writes one prefix in NLRI encoding (RFC 4271 4.3, RFC 7911 3); w must have
 * bgp_prefix_wire_len() bytes. Returns the bytes written. */
size_t bgp_prefix_put(uint8_t *w, const struct bgp_prefix *p, bool addpath);

#endif
