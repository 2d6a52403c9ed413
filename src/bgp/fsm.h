/*
 * berth BGP finite state machine (RFC 4271 section 8), pure.
 *
 * One struct bgp_fsm drives one TCP connection to one configured peer.
 * Events go in, actions come out; time is the now_ms parameter. The FSM
 * never touches sockets, clocks or logs: the peer layer does I/O and feeds
 * the results back as events.
 *
 * How the peer layer runs it:
 *
 *   bgp_fsm_init(&f, &cfg, now);          Idle, deadline now: the first
 *                                         TIMER starts it (unless
 *                                         cfg.admin_down)
 *   for every event E (socket, decoder, config, timer):
 *           bgp_fsm_handle(&f, &E, now, &act);
 *           execute act in the order of the BGP_FSM_ACT_* flags;
 *           re-arm one timer at bgp_fsm_next_deadline(&f).
 *   when the timer fires: bgp_fsm_handle(Timer).
 *
 * Cut received bytes into whole messages with bgp_framer_next(..,
 * bgp_fsm_max_msg_len(&f), ..) (frame.h), decode each with
 * bgp_msg_decode(.., &f.session.params, ..) and feed the result as
 * MSG (success, including RFC 7606 UPDATE actions ATTR_DISCARD and
 * TREAT_AS_WITHDRAW) or MSG_ERROR.
 *
 * Connection collisions (RFC 4271 section 6.8). The peer layer keeps one
 * "main" FSM per configured peer. When a connection from the peer is
 * accepted, bgp_fsm_accept(&main) tells what to do with it:
 *  - REFUSE: close it (Idle refuses connections, RFC 4271 8.2.2);
 *  - HERE:   feed TCP_ACCEPTED to the main FSM;
 *  - SECOND: bgp_fsm_init_incoming(&second, &cfg, now), feed it
 *            TCP_ACCEPTED, and from now on run both FSMs, each on its own
 *            socket. After every event handled by either one, call
 *            bgp_fsm_collision(&main, &second): when it names a loser,
 *            feed that FSM COLLISION_LOST (it sends Cease/7 and closes);
 *            if the loser was the main one, bgp_fsm_adopt(&main, &second).
 *            The second FSM is dropped once it is Idle (it never restarts
 *            by itself). While two run, admin and config events go to both.
 */
#ifndef BERTH_BGP_FSM_H
#define BERTH_BGP_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"

enum bgp_fsm_state {
	BGP_FSM_IDLE = 0,
	BGP_FSM_CONNECT,
	BGP_FSM_ACTIVE,
	BGP_FSM_OPENSENT,
	BGP_FSM_OPENCONFIRM,
	BGP_FSM_ESTABLISHED,
};

/* Defaults filled by bgp_fsm_config_defaults(). */
#define BGP_FSM_HOLD_DEFAULT       90     /* seconds, RFC 4271 section 10 */
#define BGP_FSM_OPEN_HOLD_MS       240000 /* OpenSent hold, RFC 4271 8.2.2 */
#define BGP_FSM_RETRY_START_MS     1000
#define BGP_FSM_RETRY_MAX_MS       30000
#define BGP_FSM_BACKOFF_RESET_MS   60000
#define BGP_FSM_IDLE_HOLD_MS       60000  /* after a prefix limit, RFC 4271 8.1.1 */
#define BGP_FSM_IDLE_HOLD_MAX_MS   900000 /* the doubling stops at 15 min */
#define BGP_FSM_IDLE_HOLD_RESET_MS 900000 /* Established this long: start over */

struct bgp_fsm_config {
	uint32_t local_as;       /* 4-octet; > 65535 needs caps.as4 */
	uint32_t peer_as;        /* expected AS of the peer, non-zero */
	uint32_t router_id;      /* our BGP identifier, host order, non-zero */
	uint32_t peer_id;        /* expected peer BGP identifier, 0 = any */
	uint16_t hold_time;      /* seconds we offer: 0 (no keepalives) or >= 3 */
	uint16_t keepalive_time; /* seconds, 0 = negotiated hold / 3 */
	bool passive;            /* never connect, only accept */
	/* RFC 5882 section 4.3: with BFD "strict", the session is not
	 * started (no connect, connections refused) until BFD_UP. Without
	 * it, BFD only ends sessions (BFD_DOWN). */
	bool bfd_strict;
	bool admin_down; /* stay Idle until MANUAL_START */
	/*
	 * Delay before a new attempt after a failure: retry_start_ms doubled
	 * per consecutive failure, capped at retry_max_ms, times a jitter in
	 * [0.75, 1] (RFC 4271 section 10). retry_max_ms is also how long an
	 * outgoing connect may take (ConnectRetryTime). The doubling starts
	 * over once a session stayed Established for backoff_reset_ms.
	 */
	uint32_t retry_start_ms;
	uint32_t retry_max_ms;
	uint32_t backoff_reset_ms;
	/*
	 * IdleHoldTime (RFC 4271 section 8.1.1, DampPeerOscillations) for the
	 * one failure a reconnect cannot cure: after we end a session with
	 * Cease/1 (RFC 4486, maximum number of prefixes reached) the FSM
	 * stays Idle -- no connect, incoming connections refused -- for
	 * idle_hold_ms, doubled per consecutive overflow up to
	 * idle_hold_max_ms (or idle_hold_ms when that is larger); 0 means no
	 * hold beyond the retry backoff. The count starts over once a session
	 * stayed Established for idle_hold_reset_ms, and on any admin action.
	 */
	uint32_t idle_hold_ms;
	uint32_t idle_hold_max_ms;
	uint32_t idle_hold_reset_ms;
	/* Capabilities we offer. as4_asn is overwritten with local_as. */
	struct bgp_caps caps;
};

enum bgp_fsm_event_type {
	BGP_FSM_EV_MANUAL_START = 1,  /* admin up */
	BGP_FSM_EV_MANUAL_STOP,       /* admin down: Cease/2 */
	BGP_FSM_EV_TCP_CONNECTED,     /* our outgoing connect succeeded */
	BGP_FSM_EV_TCP_ACCEPTED,      /* use this accepted connection */
	BGP_FSM_EV_TCP_FAILED,        /* our outgoing connect failed */
	BGP_FSM_EV_TCP_CLOSED,        /* EOF or error on the connection */
	BGP_FSM_EV_MSG,               /* ev.msg decoded without session error */
	BGP_FSM_EV_MSG_ERROR,         /* ev.err from bgp_framer_next/msg_decode */
	BGP_FSM_EV_TIMER,             /* now >= bgp_fsm_next_deadline() */
	BGP_FSM_EV_PEER_UNCONFIGURED, /* peer removed: Cease/3, stays Idle */
	BGP_FSM_EV_CONFIG_CHANGED,    /* ev.cfg replaces the config: Cease/6 */
	BGP_FSM_EV_COLLISION_LOST,    /* bgp_fsm_collision() chose this one */
	/* The peer went past our prefix limit: send ev.err (Cease/1, see
	 * bgp_cease_max_prefix), close, hold Idle. Established only. */
	BGP_FSM_EV_PREFIX_LIMIT,
	/* The operator changed the prefix limit or the idle hold: ev.cfg's
	 * idle_hold_* apply in place (nothing else of it), the overflow count
	 * starts over and an idle hold in progress ends now. */
	BGP_FSM_EV_LIMITS_CHANGED,
	/* The BFD session to the peer went Up / Down (RFC 5882 section 4.3).
	 * DOWN ends a session or connection in progress with Cease/10
	 * (RFC 9384, "BFD Down") when one is open, and restarts as after any
	 * failure (retry backoff); with cfg.bfd_strict the FSM then stays
	 * Idle until UP. The caller sends DOWN only for a real failure (Up
	 * left for Down, not the peer's AdminDown: RFC 5882 section 3.2). */
	BGP_FSM_EV_BFD_UP,
	BGP_FSM_EV_BFD_DOWN,
	/* The BFD session left Up for an administrative reason: the peer
	 * signalled AdminDown, or the session was replaced (RFC 5882
	 * section 3.2: no failure). Nothing open ends and no NOTIFICATION
	 * goes out; only the record of BFD being Up is cleared, so that
	 * with cfg.bfd_strict the next start waits for BFD_UP again. */
	BGP_FSM_EV_BFD_ADMIN_DOWN,
};

struct bgp_fsm_event {
	enum bgp_fsm_event_type type;
	const struct bgp_msg *msg;        /* MSG: borrowed for the call */
	const struct bgp_error *err;      /* MSG_ERROR, PREFIX_LIMIT: borrowed */
	const struct bgp_fsm_config *cfg; /* CONFIG_CHANGED, LIMITS_CHANGED: copied */
	/*
	 * Any uniformly random value, fresh for every event: the FSM draws
	 * the retry jitter from it so that it needs no random source itself.
	 */
	uint32_t rand;
};

/* Why a connection or session ended; for the caller's log. */
enum bgp_fsm_reason {
	BGP_FSM_R_NONE = 0,
	BGP_FSM_R_ADMIN_STOP, /* MANUAL_STOP or admin_down config */
	BGP_FSM_R_PEER_UNCONFIGURED,
	BGP_FSM_R_CONFIG_CHANGED,
	BGP_FSM_R_TCP_FAILED,      /* outgoing connect failed */
	BGP_FSM_R_CONNECT_TIMEOUT, /* outgoing connect took retry_max_ms */
	BGP_FSM_R_TCP_CLOSED,      /* peer closed or socket error */
	BGP_FSM_R_HOLD_EXPIRED,    /* sent 4/0 */
	BGP_FSM_R_NOTIF_RECEIVED,  /* code/subcode: what the peer sent */
	BGP_FSM_R_PROTOCOL_ERROR,  /* code/subcode: what we sent */
	BGP_FSM_R_COLLISION,       /* lost a collision, sent 6/7 */
	BGP_FSM_R_PREFIX_LIMIT,    /* the peer sent too many prefixes, sent 6/1 */
	BGP_FSM_R_BFD_DOWN,        /* BFD declared the peer down, sent 6/10 */
};

struct bgp_fsm_down {
	enum bgp_fsm_reason reason;
	uint8_t code; /* NOTIFICATION sent or received, else 0 */
	uint8_t subcode;
};

/* What a session negotiated; valid from OpenConfirm on. */
struct bgp_fsm_session {
	struct bgp_session_params params;
	bool af[BGP_AF_COUNT]; /* families exchanged on this session */
	uint16_t hold_time;    /* negotiated seconds, 0 = no hold timer */
	uint16_t keepalive_time;
	uint32_t peer_as; /* 4-octet */
	uint32_t peer_id;
	bool route_refresh; /* both sides RFC 2918 */
	bool gr_local;      /* we offered graceful restart (RFC 4724) */
	bool gr_peer;       /* the peer did; details in peer_open.caps */
	struct bgp_open peer_open;
};

/* Action flags, listed in the order the caller executes them. */
#define BGP_FSM_ACT_SEND_OPEN         (1u << 0) /* act.open */
#define BGP_FSM_ACT_SEND_KEEPALIVE    (1u << 1)
#define BGP_FSM_ACT_SEND_NOTIFICATION (1u << 2) /* act.notif_* */
#define BGP_FSM_ACT_CLOSE             (1u << 3) /* flush, then release the connection */
#define BGP_FSM_ACT_CONNECT           (1u << 4) /* start an outgoing connect */
#define BGP_FSM_ACT_SESSION_UP        (1u << 5) /* act.session */
#define BGP_FSM_ACT_SESSION_DOWN      (1u << 6) /* was Established; act.down */

/* Self-contained: holds copies, no pointers. */
struct bgp_fsm_actions {
	uint32_t flags;
	struct bgp_open open;
	uint8_t notif_code;
	uint8_t notif_subcode;
	uint16_t notif_data_len;
	uint8_t notif_data[64];
	struct bgp_fsm_session session;
	/* Set whenever a connection attempt or session ended, not only with
	 * SESSION_DOWN: log it when reason != NONE. */
	struct bgp_fsm_down down;
	/* PREFIX_LIMIT: how long the FSM now stays Idle, 0 = no idle hold. */
	uint32_t idle_hold_ms;
};

/*
 * Caller storage; plain data (copying it is fine). Read-only for the
 * caller: state, session (from OpenConfirm on) and down (the last reason).
 */
struct bgp_fsm {
	struct bgp_fsm_config cfg;
	enum bgp_fsm_state state;
	bool outgoing;      /* the current connection was initiated by us */
	bool oneshot;       /* second FSM of a collision: never restarts */
	uint32_t failures;  /* consecutive failures, drives the backoff */
	uint32_t overflows; /* consecutive prefix-limit resets: the idle hold */
	bool idle_hold;     /* Idle until retry_at because of a prefix limit */
	bool bfd_up;        /* last BFD_UP / BFD_DOWN (cfg.bfd_strict gates on it) */
	uint64_t retry_at;  /* Idle: restart; Active: connect; Connect: timeout */
	uint64_t hold_at;
	uint64_t keepalive_at;
	uint64_t established_at;
	struct bgp_fsm_session session;
	struct bgp_fsm_down down;
};

/* No deadline. */
#define BGP_FSM_NEVER UINT64_MAX

/* Fills the defaults above; zeroes the rest (caps offered: none). */
void bgp_fsm_config_defaults(struct bgp_fsm_config *cfg);

/* Returns 0 or -EINVAL for a config that cannot work. */
int bgp_fsm_init(struct bgp_fsm *fsm, const struct bgp_fsm_config *cfg, uint64_t now_ms);

/* A second FSM for an accepted connection; see the collision note above. */
int bgp_fsm_init_incoming(struct bgp_fsm *fsm, const struct bgp_fsm_config *cfg, uint64_t now_ms);

/*
 * Handles one event. *out is always reset first. Returns 0, -EINVAL for a
 * malformed event (missing msg/err/cfg, bad cfg), or -EBUSY with no
 * actions for a TCP_ACCEPTED when bgp_fsm_accept() did not say HERE, or a
 * TCP_CONNECTED outside Connect: the caller closes that socket itself.
 * Socket and message events in states without a connection are ignored.
 */
int bgp_fsm_handle(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev, uint64_t now_ms,
                   struct bgp_fsm_actions *out);

/* Earliest time a TIMER event is due, or BGP_FSM_NEVER. */
uint64_t bgp_fsm_next_deadline(const struct bgp_fsm *fsm);

/* Largest message the peer may send now (RFC 8654: only once Established). */
size_t bgp_fsm_max_msg_len(const struct bgp_fsm *fsm);

enum bgp_fsm_accept {
	BGP_FSM_ACCEPT_REFUSE = 0,
	BGP_FSM_ACCEPT_HERE,
	BGP_FSM_ACCEPT_SECOND,
};
enum bgp_fsm_accept bgp_fsm_accept(const struct bgp_fsm *main_fsm);

enum bgp_fsm_collision {
	BGP_FSM_COLLISION_NONE = 0, /* nothing to decide (yet) */
	BGP_FSM_COLLISION_CLOSE_A,
	BGP_FSM_COLLISION_CLOSE_B,
};

/*
 * Decides a collision between two FSMs of the same peer: a is the
 * existing (main) one, b the newer one. Pure function of both states,
 * directions and BGP identifiers; see fsm_collision.c for the rules.
 */
enum bgp_fsm_collision bgp_fsm_collision(const struct bgp_fsm *a, const struct bgp_fsm *b);

/* Makes the collision survivor the main FSM, keeping main's backoff,
 * overflow count and BFD state (bfd_up). */
void bgp_fsm_adopt(struct bgp_fsm *main_fsm, const struct bgp_fsm *survivor);

const char *bgp_fsm_state_name(enum bgp_fsm_state s);
const char *bgp_fsm_reason_name(enum bgp_fsm_reason r);

#endif
