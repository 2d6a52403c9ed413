/*
 * Who is alive among the speakers of layer 2 mode: the pure state machine
 * of the heartbeats (messages in l2/hb.h). Times are parameters, messages
 * to send and state changes come out through a callback; no sockets,
 * clocks, globals or logging.
 *
 * Pull, not push: a speaker PINGs only the members it watches (the nodes
 * ahead of it in the order of succession of some address, l2/owner.h),
 * every interval_ms, and a member ACKs each PING with the PING's nonce.
 * A watched member is Down after detect_mult intervals without a valid
 * ACK, or at once on its LEAVE. So traffic grows with the addresses'
 * next-in-line relations, not with the square of the nodes, and no two
 * speakers need to agree on who watches whom.
 *
 * What is refused (and counted, struct l2_member_stats): a message not
 * "to" us; from a name that is not a member; an ACK whose nonce is none
 * of our last L2_MEMBER_NONCES PINGs to that member; a message whose
 * (incarnation, seq) is not above the last one accepted from its sender
 * (replay); one whose time_ms is more than max_skew_ms away from our wall
 * clock (an old capture replayed to a speaker that restarted since).
 * Signature checks are the caller's (l2_hb_decode), before this.
 *
 * Detection: a watched member is Down once detect_mult * interval_ms
 * have passed since the later of its watch start and its last valid ACK
 * (checked before the PING due at that moment). With zero latency that
 * is detect_mult - 1 exchanges lost in a row, as with BFD (RFC 5880
 * section 6.8.4). A member Down is still PINGed: its next valid ACK
 * makes it Up again.
 *
 * REJOINED: a message accepted when none was for the detection time
 * before it. Our start counts as a message heard: a speaker whose link
 * comes up only after it started (and that took over addresses while
 * alone, announcing into a dead link) re-announces too. A member that
 * nobody talks to for that long (a lone node, until a second one starts)
 * gets a REJOINED it does not strictly need: one more announcement.
 */
#ifndef BERTH_L2_MEMBER_H
#define BERTH_L2_MEMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "l2/hb.h"

#define L2_MEMBER_NONCES 4 /* ACKs accepted for the last this many PINGs */

struct l2_member_opts {
	uint32_t interval_ms; /* PING period; 0: 100 */
	uint32_t detect_mult; /* missed intervals before Down; 0: 3 */
	/* After start, not READY for this long; 0: interval * (detect_mult + 2). */
	uint32_t ready_hold_ms;
	uint32_t max_skew_ms; /* 0: 30000 */
	/* The nonces of our PINGs: 64 unpredictable bits a call (an ACK
	 * proves the PING was seen only if its nonce cannot be guessed).
	 * Required, the module being pure: l2_member_new refuses NULL.
	 * l2/member_io.h supplies RAND_bytes when the caller leaves it NULL.
	 * rand_arg is the caller's, passed through. */
	uint64_t (*rand64)(void *rand_arg);
	void *rand_arg;
};

/* One member as the configuration knows it (a Node and its InternalIP). */
struct l2_member_peer {
	const char *name;      /* borrowed for the call, copied */
	struct core_addr addr; /* where its heartbeats go */
	uint16_t port;
};

enum l2_peer_state {
	L2_PEER_PENDING = 0, /* watched, no ACK yet: counted alive until detection time passes */
	L2_PEER_UP,
	L2_PEER_DOWN,
};

enum l2_member_ev_kind {
	L2_MEMBER_SEND,     /* send msg to addr:port */
	L2_MEMBER_STATE,    /* peer went from old to now (or, Up, its READY flag or its
	                       unserved ids changed: l2_member_can_own may answer otherwise) */
	L2_MEMBER_REJOINED, /* heard from a member again after hearing from none for the
	                       detection time: our link was down; announce what we own again */
	L2_MEMBER_HELD,     /* l2_member_held changed (peer: the member whose PINGs
	                       started or stopped saying HOLDING) */
};

struct l2_member_ev {
	enum l2_member_ev_kind kind;
	const char *peer;        /* borrowed for the call; NULL for REJOINED */
	struct core_addr addr;   /* SEND */
	uint16_t port;           /* SEND */
	const struct l2_hb *msg; /* SEND; borrowed for the call, the caller encodes and signs it */
	enum l2_peer_state old, now; /* STATE */
};

/* Called from inside l2_member_tick, _input and _leave: it may read the
 * state machine (l2_member_state, _can_own ...) but not change it. */
typedef void (*l2_member_emit_fn)(const struct l2_member_ev *ev, void *arg);

struct l2_member_stats {
	uint64_t pings_sent, acks_sent, received; /* received: accepted */
	uint64_t not_for_us, unknown_sender, bad_nonce, replayed, skewed;
	uint64_t downs, ups;
};

struct l2_member;

/* self: our node name (copied); incarnation: our start, ms since the
 * epoch; now_ms: monotonic. NULL on allocation failure, a bad name, or o
 * NULL or without rand64.
 * The incarnation must grow across restarts: a wall clock stepped back
 * by more than the time a restart takes makes the new incarnation look
 * older, and members that remember the old one refuse it as replayed
 * until they forget it (the member leaves their list, or they restart). */
struct l2_member *l2_member_new(const char *self, uint64_t incarnation, uint64_t now_ms,
                                const struct l2_member_opts *o);
void l2_member_free(struct l2_member *m);

/* Replaces the member list (peers[0..n), borrowed for the call; self in
 * it is skipped, and so are a name that cannot be sent (empty, longer
 * than L2_HB_NAME_MAX) and a name's later repeats). Members that stay
 * keep their state; a member whose address changed keeps it too. A new
 * member is not watched until named by the next l2_member_set_watch.
 * 0; -EINVAL for NULLs; -ENOMEM (the old list kept). */
int l2_member_set_peers(struct l2_member *m, const struct l2_member_peer *peers, size_t n);

/* Replaces the set of watched members (names borrowed for the call; not
 * members or self: ignored). A member newly watched starts PENDING at
 * now_ms and is PINGed at the next tick; one no longer watched is
 * forgotten (not PINGed, ACKs to its old PINGs refused, state PENDING
 * if watched again). No STATE events: the caller made the change. Its
 * replay state stays as long as it is a member. 0 or -EINVAL. */
int l2_member_set_watch(struct l2_member *m, const char *const *names, size_t n, uint64_t now_ms);

/* What our ACKs report: the ids of the Eips we cannot serve (copied, at
 * most L2_HB_MAX_UNSERVED; more: -E2BIG, the first ones kept). */
int l2_member_set_unserved(struct l2_member *m, const uint64_t *ids, size_t n);

/* Timers: PINGs due, detections due. Call at l2_member_next(m) or later. */
void l2_member_tick(struct l2_member *m, uint64_t now_ms, uint64_t wall_ms, l2_member_emit_fn emit,
                    void *arg);
/* The next time (monotonic ms) l2_member_tick has something to do;
 * UINT64_MAX: nothing (no member watched, or left). */
uint64_t l2_member_next(const struct l2_member *m);

/* A decoded (and, with a key, verified) message. 0 accepted; -EPERM
 * refused (counted); -EINVAL for NULLs. */
int l2_member_input(struct l2_member *m, const struct l2_hb *msg, uint64_t now_ms, uint64_t wall_ms,
                    l2_member_emit_fn emit, void *arg);

/* We are going: a LEAVE to every member, and no more ACKs, PINGs or
 * detections (l2_member_next then says never). */
void l2_member_leave(struct l2_member *m, uint64_t wall_ms, l2_member_emit_fn emit, void *arg);

/* Our start-up hold is over (our messages carry READY). */
bool l2_member_self_ready(const struct l2_member *m, uint64_t now_ms);
/* When it is (or was) over, monotonic ms. */
uint64_t l2_member_ready_at(const struct l2_member *m);
/* The hold starts again from now_ms: our link came back after a cut, and
 * the nodes that answered in our absence must see us first (they let go
 * when our ACKs say READY again, l2/hb.h HOLDING). */
void l2_member_hold(struct l2_member *m, uint64_t now_ms);

/* The members (names borrowed for the call; others ignored) for which we
 * hold addresses they are ahead of us in line for: our PINGs to them say
 * HOLDING (l2/hb.h) until the next call leaves them out. 0 or -EINVAL. */
int l2_member_set_holding(struct l2_member *m, const char *const *names, size_t n);

/* Some member's PINGs say it holds addresses we are ahead of it for: the
 * last PING from it within the detection time said HOLDING. While so, we
 * answer for nothing (a holder that died stops counting after detection
 * time). */
bool l2_member_held(const struct l2_member *m);

/* Whether a is the address of a member. O(members). */
bool l2_member_is_peer_addr(const struct l2_member *m, const struct core_addr *a);

/* A watched member's state; PENDING for one not watched or unknown. */
enum l2_peer_state l2_member_state(const struct l2_member *m, const char *name);
/* Whether a member may own addresses now: watched and not Down, and
 * READY in its last ACK (PENDING counts as ready: no news yet), and
 * eip_id not in the ids it reported unserved (eip_id 0: any). */
bool l2_member_can_own(const struct l2_member *m, const char *name, uint64_t eip_id);

/* A member's last ACK listed eip_id among the Eips it cannot serve. */
bool l2_member_unserved(const struct l2_member *m, const char *name, uint64_t eip_id);

void l2_member_stats(const struct l2_member *m, struct l2_member_stats *out);

#endif
