/*
 * BFD Control packet codec (RFC 5880 section 4.1) and the names of its
 * enums. Pure: see bfd/bfd.h.
 *
 * Layout of the mandatory section, network byte order:
 *   0  Vers (3 bits) | Diag (5 bits)
 *   1  Sta (2 bits) | P F C A D M
 *   2  Detect Mult
 *   3  Length
 *   4  My Discriminator
 *   8  Your Discriminator
 *  12  Desired Min TX Interval
 *  16  Required Min RX Interval
 *  20  Required Min Echo RX Interval
 *  24  optional authentication section: Auth Type, Auth Len, ...
 *
 * Decisions the header leaves open:
 *  - A datagram shorter than its Length field is BFD_DROP_LENGTH (the
 *    rule "Length > payload" of section 6.8.6); BFD_DROP_SHORT is kept for
 *    fewer than 24 bytes, where no field can be read at all.
 *  - With A set, an Auth Len below 2 is refused as BFD_DROP_LENGTH too:
 *    the authentication section cannot be shorter than its own Auth Type
 *    and Auth Len octets (section 4.1).
 */
#include "bfd/bfd.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

enum {
	OFF_VERS_DIAG = 0,
	OFF_STA_FLAGS = 1,
	OFF_MULT = 2,
	OFF_LENGTH = 3,
	OFF_MY_DISC = 4,
	OFF_YOUR_DISC = 8,
	OFF_MIN_TX = 12,
	OFF_MIN_RX = 16,
	OFF_MIN_ECHO_RX = 20,
	OFF_AUTH_TYPE = 24,
	OFF_AUTH_LEN = 25,
	AUTH_MIN = 26, /* Length with A set: the auth section's own header */
};

#define FLAGS_MASK 0x3f

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *const drop_names[BFD_DROP_COUNT] = {
    [BFD_DROP_SHORT] = "short",           [BFD_DROP_VERSION] = "version",
    [BFD_DROP_LENGTH] = "length",         [BFD_DROP_MULT] = "mult",
    [BFD_DROP_MULTIPOINT] = "multipoint", [BFD_DROP_MY_DISC] = "my_disc",
    [BFD_DROP_YOUR_DISC] = "your_disc",   [BFD_DROP_TTL] = "ttl",
    [BFD_DROP_NO_SESSION] = "no_session", [BFD_DROP_AUTH] = "auth",
};

static const char *const state_names[] = {
    [BFD_STATE_ADMIN_DOWN] = "AdminDown",
    [BFD_STATE_DOWN] = "Down",
    [BFD_STATE_INIT] = "Init",
    [BFD_STATE_UP] = "Up",
};

/* RFC 5880 section 4.1, Diagnostic. */
static const char *const diag_names[] = {
    [BFD_DIAG_NONE] = "No Diagnostic",
    [BFD_DIAG_TIME_EXPIRED] = "Control Detection Time Expired",
    [BFD_DIAG_ECHO_FAILED] = "Echo Function Failed",
    [BFD_DIAG_NEIGHBOR_DOWN] = "Neighbor Signaled Session Down",
    [BFD_DIAG_FWD_RESET] = "Forwarding Plane Reset",
    [BFD_DIAG_PATH_DOWN] = "Path Down",
    [BFD_DIAG_CONCAT_DOWN] = "Concatenated Path Down",
    [BFD_DIAG_ADMIN_DOWN] = "Administratively Down",
    [BFD_DIAG_REV_CONCAT_DOWN] = "Reverse Concatenated Path Down",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *bfd_drop_name(enum bfd_drop d)
{
	return (unsigned)d < NELEM(drop_names) ? drop_names[d] : "unknown";
}

const char *bfd_state_name(enum bfd_state s)
{
	return (unsigned)s < NELEM(state_names) ? state_names[s] : "Unknown";
}

const char *bfd_diag_name(enum bfd_diag d)
{
	return (unsigned)d < NELEM(diag_names) ? diag_names[d] : "Reserved";
}

/* The fields of the mandatory section; buf holds at least BFD_PKT_LEN. */
static void read_fields(const uint8_t *buf, struct bfd_pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->version = buf[OFF_VERS_DIAG] >> 5;
	p->diag = (enum bfd_diag)(buf[OFF_VERS_DIAG] & 0x1f);
	p->state = (enum bfd_state)(buf[OFF_STA_FLAGS] >> 6);
	p->flags = buf[OFF_STA_FLAGS] & FLAGS_MASK;
	p->detect_mult = buf[OFF_MULT];
	p->length = buf[OFF_LENGTH];
	p->my_disc = get32(buf + OFF_MY_DISC);
	p->your_disc = get32(buf + OFF_YOUR_DISC);
	p->desired_min_tx_us = get32(buf + OFF_MIN_TX);
	p->required_min_rx_us = get32(buf + OFF_MIN_RX);
	p->required_min_echo_rx_us = get32(buf + OFF_MIN_ECHO_RX);
}

/* RFC 5880 section 6.8.6 on the Length field: at least 24 (26 with A),
 * within the payload, and with A the authentication section (Auth Len,
 * offset 25) inside it. */
static bool length_bad(const uint8_t *buf, size_t len, const struct bfd_pkt *p)
{
	bool auth = p->flags & BFD_F_AUTH;

	if (p->length < (auth ? AUTH_MIN : BFD_PKT_LEN) || p->length > len)
		return true;
	return auth && (buf[OFF_AUTH_LEN] < 2 || buf[OFF_AUTH_LEN] > p->length - BFD_PKT_LEN);
}

int bfd_pkt_decode(const uint8_t *buf, size_t len, struct bfd_pkt *out, enum bfd_drop *why)
{
	struct bfd_pkt p;
	enum bfd_drop unused;

	if (!why)
		why = &unused;
	if (!buf || !out || len < BFD_PKT_LEN) {
		*why = BFD_DROP_SHORT;
		return -EINVAL;
	}
	read_fields(buf, &p);
	/* RFC 5880 section 6.8.6, the rules before session selection, in
	 * its order; the first one broken names the drop. */
	const struct {
		bool bad;
		enum bfd_drop why;
	} rules[] = {
	    {p.version != BFD_VERSION, BFD_DROP_VERSION},
	    {length_bad(buf, len, &p), BFD_DROP_LENGTH},
	    {p.detect_mult == 0, BFD_DROP_MULT},
	    {p.flags & BFD_F_MULTIPOINT, BFD_DROP_MULTIPOINT},
	    {p.my_disc == 0, BFD_DROP_MY_DISC},
	    {p.your_disc == 0 && p.state != BFD_STATE_DOWN && p.state != BFD_STATE_ADMIN_DOWN,
	     BFD_DROP_YOUR_DISC},
	};
	for (size_t i = 0; i < NELEM(rules); i++) {
		if (rules[i].bad) {
			*why = rules[i].why;
			return -EINVAL;
		}
	}
	if (p.flags & BFD_F_AUTH) {
		p.auth_type = buf[OFF_AUTH_TYPE];
		p.auth_len = buf[OFF_AUTH_LEN];
	}
	*out = p;
	return 0;
}

int bfd_pkt_encode(const struct bfd_pkt *p, uint8_t *buf, size_t cap)
{
	if (!p || !buf)
		return -EINVAL;
	if (cap < BFD_PKT_LEN)
		return -ENOSPC;
	buf[OFF_VERS_DIAG] = (uint8_t)(BFD_VERSION << 5 | (p->diag & 0x1f));
	buf[OFF_STA_FLAGS] = (uint8_t)((p->state & 3) << 6 | (p->flags & FLAGS_MASK & ~BFD_F_AUTH));
	buf[OFF_MULT] = p->detect_mult;
	buf[OFF_LENGTH] = BFD_PKT_LEN;
	put32(buf + OFF_MY_DISC, p->my_disc);
	put32(buf + OFF_YOUR_DISC, p->your_disc);
	put32(buf + OFF_MIN_TX, p->desired_min_tx_us);
	put32(buf + OFF_MIN_RX, p->required_min_rx_us);
	put32(buf + OFF_MIN_ECHO_RX, p->required_min_echo_rx_us);
	return BFD_PKT_LEN;
}
