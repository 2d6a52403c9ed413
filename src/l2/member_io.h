/*
 * The heartbeats on the wire: one UDP socket ([::]:port, dual-stack) and
 * a libev timer around the pure state machine l2/member.h, encoding and
 * signing with l2/hb.h. Thin I/O: what to send and what a message means
 * is the state machine's.
 *
 * A flood on the port costs bounded CPU and no memory: each wake-up reads
 * at most a fixed number of datagrams (64), nothing is buffered beyond
 * the socket, and every refusal is a counter (struct l2_member_io_stats)
 * and a rate-limited log line (core/loglimit.h), keyed by source address.
 *
 * The socket is [::]:port with IPV6_V6ONLY off: IPv4 members are sent to
 * as v4-mapped addresses. Where the kernel has no IPv6 it is 0.0.0.0 and
 * IPv6 members cannot be reached (send_errors). Heartbeats go out with
 * traffic class CS6 (network control, RFC 4594), as BFD does.
 *
 * Without a key nothing is authenticated: anyone who can send to the
 * port can make a member look alive (spoofed ACKs need the PING's nonce,
 * which is random, so an off-path sender must also see our PINGs) or
 * gone (a spoofed LEAVE). Saying so in the log is the caller's (once,
 * at start).
 */
#ifndef BERTH_L2_MEMBER_IO_H
#define BERTH_L2_MEMBER_IO_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "l2/hb.h"
#include "l2/member.h"

struct l2_member_io_opts {
	const char *self;             /* borrowed for the call: our node name */
	const char *listen;           /* borrowed: address to bind, NULL: "::" */
	uint16_t port;                /* UDP port; 0: an ephemeral one (tests) */
	const struct l2_hb_key *key;  /* borrowed for the call, copied; NULL: unauthenticated */
	struct l2_member_opts member; /* timers */
	/* Called from the loop on STATE and REJOINED events (not SEND),
	 * from inside the state machine: it may read it (l2_member_state,
	 * _can_own, _self_ready) but must not change it (l2_member_set_*,
	 * l2_member_io_kick, _leave, _free): defer that to the loop (an
	 * ev_idle, a flag). member.rand64 NULL: RAND_bytes. */
	void (*on_event)(const struct l2_member_ev *ev, void *arg);
	void *arg;
};

struct l2_member_io_stats {
	uint64_t datagrams; /* read from the socket */
	uint64_t malformed; /* l2_hb_decode -EBADMSG */
	uint64_t bad_auth;  /* l2_hb_decode -EACCES: wrong key, or none */
	uint64_t send_errors;
	/* Monotonic ms (l2_member_io_now_ms), 0 for never: the last message
	 * accepted, and the last one refused for its HMAC that came from a
	 * member's address. Only refusals and no acceptance means this
	 * node's key differs from the others' (l2/member.h, speaker/l2.c). */
	uint64_t last_valid_ms, last_bad_auth_member_ms;
	struct l2_member_stats fsm; /* the state machine's own */
};

struct l2_member_io;

/* Binds and starts. 0 with *out set, or a negative errno and err. */
int l2_member_io_new(struct ev_loop *loop, const struct l2_member_io_opts *o,
                     struct l2_member_io **out, char *err, size_t errlen);
void l2_member_io_free(struct l2_member_io *io);

/* The bound port (for port 0). */
uint16_t l2_member_io_port(const struct l2_member_io *io);
/* The state machine, for l2_member_set_peers / _set_watch / _can_own /
 * _self_ready (borrowed; times from l2_member_io_now_ms). Changes take
 * effect at once: call l2_member_io_kick after set_watch so new PINGs go
 * out now (and the timer follows the new watch set). */
struct l2_member *l2_member_io_fsm(struct l2_member_io *io);
void l2_member_io_kick(struct l2_member_io *io);
/* Sends LEAVE to every member (SIGTERM); from then on PINGs received
 * are not answered and nothing is PINGed. */
void l2_member_io_leave(struct l2_member_io *io);
void l2_member_io_get_stats(const struct l2_member_io *io, struct l2_member_io_stats *out);

#endif
