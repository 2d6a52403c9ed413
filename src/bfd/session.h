/*
 * One BFD session's state machine (RFC 5880 sections 6.2, 6.8), pure:
 * received packets, timer ticks and administrative changes in; packets to
 * send and state changes out. Time is the now_us parameter (monotonic
 * microseconds); randomness (transmit jitter, section 6.8.7) comes in
 * with each timer event. Asynchronous mode only: no Demand mode of our
 * own, no Echo function, no authentication (a packet with A set is
 * refused, section 6.8.6).
 *
 * How the I/O layer runs it:
 *
 *   bfd_session_init(&s, &cfg, my_disc, now);
 *   packet for s decoded:  bfd_session_rx(&s, &pkt, now, &act)
 *   now >= bfd_session_next_deadline(&s):
 *                          bfd_session_timer(&s, now, rand, &act)
 *   operator:              bfd_session_admin / bfd_session_reconfigure
 *   after each call: if act.send, build with bfd_session_build(&s, &pkt)
 *   and send it; if act.changed, report act.from -> act.to (act.diag);
 *   re-arm one timer at bfd_session_next_deadline(&s).
 */
#ifndef BERTH_BFD_SESSION_H
#define BERTH_BFD_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "bfd/bfd.h"

/* What the CRD allows (deploy/crds/bgppeers.yaml): 10 ms .. 60 s,
 * multiplier 2..255. Values a peer advertises are clamped into the
 * interval range before use, so that an absurd peer can neither make us
 * transmit at line rate nor stretch detection past minutes. */
#define BFD_INTERVAL_MIN_US 10000u
#define BFD_INTERVAL_MAX_US 60000000u
#define BFD_MULT_MIN        2
#define BFD_MULT_MAX        255
/* RFC 5880 section 6.8.3: at least one second while not Up. */
#define BFD_SLOW_TX_US 1000000u

struct bfd_session_cfg {
	uint32_t desired_min_tx_us;  /* our Desired Min TX Interval */
	uint32_t required_min_rx_us; /* our Required Min RX Interval */
	uint8_t detect_mult;         /* our Detect Mult */
	bool admin_down;             /* start (and stay) AdminDown */
};

/* Result of one call. Self-contained. */
struct bfd_actions {
	bool send;    /* send bfd_session_build()'s packet now */
	bool changed; /* bfd.SessionState changed from `from` to `to` */
	enum bfd_state from, to;
	enum bfd_diag diag;    /* bfd.LocalDiag after the change */
	enum bfd_state remote; /* bfd.RemoteSessionState after the call */
	bool discarded;        /* rx: the packet was dropped (why below) */
	enum bfd_drop why;
};

/* Caller storage, plain data. Read-only for the caller. Intervals in us. */
struct bfd_session {
	struct bfd_session_cfg cfg;  /* what the operator wants */
	enum bfd_state state;        /* bfd.SessionState */
	enum bfd_state remote_state; /* bfd.RemoteSessionState */
	uint32_t local_disc;         /* bfd.LocalDiscr, non-zero */
	uint32_t remote_disc;        /* bfd.RemoteDiscr, 0 until learnt */
	enum bfd_diag local_diag;    /* bfd.LocalDiag */
	enum bfd_diag remote_diag;   /* last Diag received */
	uint32_t desired_min_tx_us;  /* bfd.DesiredMinTxInterval: >= 1 s when not Up */
	uint32_t required_min_rx_us; /* bfd.RequiredMinRxInterval */
	uint32_t remote_min_rx_us;   /* bfd.RemoteMinRxInterval, clamped (0 kept:
	                                the peer wants no packets) */
	uint32_t remote_min_tx_us;   /* the peer's Desired Min TX, clamped */
	uint8_t remote_mult;         /* the peer's Detect Mult */
	bool remote_demand;          /* bfd.RemoteDemandMode */
	/* Poll Sequence (section 6.5): poll is set while our P bit is out;
	 * the values in force until the Final arrives. */
	bool poll;
	uint32_t tx_in_force_us; /* interval used while an increase polls */
	uint32_t rx_in_force_us; /* detection uses it while a decrease polls */
	bool final_due;          /* answer a received P with F */
	uint64_t next_tx_us;     /* periodic transmission */
	uint64_t last_tx_us;     /* last periodic packet, 0: none yet */
	uint64_t detect_at_us;   /* 0: detection timer not running */
	uint32_t ups;            /* times Up was reached */
	uint32_t downs;          /* times Up was left */
	uint64_t changed_at_us;  /* last state change */
};

/* No deadline. */
#define BFD_NEVER UINT64_MAX

/* Down (AdminDown if cfg->admin_down), slow transmission; the first
 * packet goes out at now_us. Returns 0, or -EINVAL when cfg is out of the
 * ranges above or my_disc is 0. */
int bfd_session_init(struct bfd_session *s, const struct bfd_session_cfg *cfg, uint32_t my_disc,
                     uint64_t now_us);

/* A packet the demultiplexer chose for s (RFC 5880 section 6.8.6 after
 * session selection). */
void bfd_session_rx(struct bfd_session *s, const struct bfd_pkt *p, uint64_t now_us,
                    struct bfd_actions *act);

/* Periodic transmission and detection time; rand: fresh uniform value. */
void bfd_session_timer(struct bfd_session *s, uint64_t now_us, uint32_t rand,
                       struct bfd_actions *act);

/* AdminDown on (diag 7, section 6.8.16) or off (back to Down). */
void bfd_session_admin(struct bfd_session *s, bool down, uint64_t now_us, struct bfd_actions *act);

/* New intervals or multiplier; while Up, starts a Poll Sequence
 * (section 6.8.3). -EINVAL (nothing changed) when out of range. */
int bfd_session_reconfigure(struct bfd_session *s, const struct bfd_session_cfg *cfg,
                            uint64_t now_us, struct bfd_actions *act);

/* The packet to send now (section 6.8.7); clears final_due. */
void bfd_session_build(struct bfd_session *s, struct bfd_pkt *out);

uint64_t bfd_session_next_deadline(const struct bfd_session *s);

/* The negotiated transmit interval and detection time now, in us (0 when
 * nothing is received yet: no detection time). */
uint32_t bfd_session_tx_interval(const struct bfd_session *s);
uint64_t bfd_session_detect_time(const struct bfd_session *s);

#endif
