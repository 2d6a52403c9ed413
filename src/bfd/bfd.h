/*
 * BFD Control packet codec (RFC 5880 section 4.1), pure: bytes in,
 * struct out and back. Only the checks that need no session state
 * (RFC 5880 section 6.8.6, the rules before session selection) are made
 * here; the rest belong to the session (bfd/session.h) and the demultiplexer
 * (bfd/io.h).
 */
#ifndef BERTH_BFD_H
#define BERTH_BFD_H

#include <stddef.h>
#include <stdint.h>

#define BFD_VERSION      1
#define BFD_PKT_LEN      24    /* mandatory section, no authentication */
#define BFD_PKT_MAX      255   /* the Length field is one octet */
#define BFD_PORT_SINGLE  3784  /* RFC 5881 section 4 */
#define BFD_PORT_MULTI   4784  /* RFC 5883 section 5 */
#define BFD_SRC_PORT_MIN 49152 /* RFC 5881 section 4 */
#define BFD_SRC_PORT_MAX 65535
#define BFD_TTL          255 /* RFC 5881 section 5 (GTSM) */

/* bfd.SessionState values, as on the wire (RFC 5880 section 4.1). */
enum bfd_state {
	BFD_STATE_ADMIN_DOWN = 0,
	BFD_STATE_DOWN = 1,
	BFD_STATE_INIT = 2,
	BFD_STATE_UP = 3,
};

/* Diagnostic codes (RFC 5880 section 4.1). */
enum bfd_diag {
	BFD_DIAG_NONE = 0,
	BFD_DIAG_TIME_EXPIRED = 1,    /* Control Detection Time Expired */
	BFD_DIAG_ECHO_FAILED = 2,     /* Echo Function Failed */
	BFD_DIAG_NEIGHBOR_DOWN = 3,   /* Neighbor Signaled Session Down */
	BFD_DIAG_FWD_RESET = 4,       /* Forwarding Plane Reset */
	BFD_DIAG_PATH_DOWN = 5,       /* Path Down */
	BFD_DIAG_CONCAT_DOWN = 6,     /* Concatenated Path Down */
	BFD_DIAG_ADMIN_DOWN = 7,      /* Administratively Down */
	BFD_DIAG_REV_CONCAT_DOWN = 8, /* Reverse Concatenated Path Down */
	BFD_DIAG_MAX = 31,            /* 5 bits; 9-31 reserved */
};

/* Flag bits of octet 1 after the state (RFC 5880 section 4.1). */
#define BFD_F_POLL       0x20 /* P */
#define BFD_F_FINAL      0x10 /* F */
#define BFD_F_CPI        0x08 /* C: Control Plane Independent */
#define BFD_F_AUTH       0x04 /* A */
#define BFD_F_DEMAND     0x02 /* D */
#define BFD_F_MULTIPOINT 0x01 /* M */

/* A decoded Control packet; intervals in microseconds as on the wire. */
struct bfd_pkt {
	uint8_t version;
	enum bfd_diag diag;
	enum bfd_state state;
	uint8_t flags; /* BFD_F_* */
	uint8_t detect_mult;
	uint8_t length; /* Length field: the whole packet, auth included */
	uint32_t my_disc;
	uint32_t your_disc;
	uint32_t desired_min_tx_us;
	uint32_t required_min_rx_us;
	uint32_t required_min_echo_rx_us;
	uint8_t auth_type; /* Auth Type when BFD_F_AUTH, else 0 */
	uint8_t auth_len;  /* Auth Len when BFD_F_AUTH, else 0 */
};

/* Why a packet was refused; counted per reason (BFD_DROP_*). */
enum bfd_drop {
	BFD_DROP_SHORT = 0,  /* fewer than 24 bytes (fewer than Length: LENGTH) */
	BFD_DROP_VERSION,    /* version != 1 */
	BFD_DROP_LENGTH,     /* Length < 24 (26 with A), > bytes received, or the
	                        auth section does not fit it */
	BFD_DROP_MULT,       /* Detect Mult zero */
	BFD_DROP_MULTIPOINT, /* M set */
	BFD_DROP_MY_DISC,    /* My Discriminator zero */
	BFD_DROP_YOUR_DISC,  /* Your Discriminator zero while State is not
	                        Down or AdminDown */
	/* The following are decided outside the codec. */
	BFD_DROP_TTL,        /* TTL / Hop Limit below what the session accepts */
	BFD_DROP_NO_SESSION, /* no session for Your Discriminator or address */
	BFD_DROP_AUTH,       /* A set and no authentication configured, or A
	                        clear while configured (RFC 5880 6.8.6) */
	BFD_DROP_COUNT,
};

/* Short lower-case name for metrics labels ("ttl", "no_session"...). */
const char *bfd_drop_name(enum bfd_drop d);
/* "AdminDown", "Down", "Init", "Up". */
const char *bfd_state_name(enum bfd_state s);
/* RFC 5880's names ("Control Detection Time Expired"...); reserved codes
 * give "Reserved". */
const char *bfd_diag_name(enum bfd_diag d);

/*
 * Decodes one datagram of len bytes. Returns 0, or -EINVAL with *why
 * (may be NULL) naming the first rule of RFC 5880 section 6.8.6 it
 * breaks. Bytes past Length are ignored (the RFC only requires Length
 * not to exceed the payload).
 */
int bfd_pkt_decode(const uint8_t *buf, size_t len, struct bfd_pkt *out, enum bfd_drop *why);

/*
 * Encodes p (version forced to 1, no authentication: A cleared, Length
 * 24) into buf of cap bytes. Returns the length (24) or -ENOSPC.
 */
int bfd_pkt_encode(const struct bfd_pkt *p, uint8_t *buf, size_t cap);

#endif
