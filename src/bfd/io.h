/*
 * BFD over UDP (RFC 5881 single hop, RFC 5883 multihop) on a libev loop,
 * around the pure codec (bfd/bfd.h) and state machine (bfd/session.h).
 *
 * One struct bfd_io per process holds the receiving sockets (3784 and
 * 4784, IPv4 and IPv6) and the session table; each session sends from a
 * socket of its own, bound to a source port in 49152-65535 unique on the
 * system (RFC 5881 section 4), TTL / Hop Limit 255. Received packets are
 * demultiplexed by Your Discriminator, or when that is zero by (remote
 * address, multihop); single-hop packets must arrive with TTL 255 (GTSM,
 * RFC 5881 section 5), multihop ones with at least cfg.min_ttl.
 */
#ifndef BERTH_BFD_IO_H
#define BERTH_BFD_IO_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "bfd/bfd.h"
#include "bfd/session.h"
#include "core/addr.h"

struct bfd_io;
struct bfd_sess;

struct bfd_io_stats {
	uint64_t rx, tx; /* packets */
	uint64_t dropped[BFD_DROP_COUNT];
	uint64_t send_errors;
};

/*
 * Opens the receiving sockets. port_single / port_multi: 0 means the
 * RFC ports (tests in their own namespaces use those too). A family
 * whose socket cannot be opened (no IPv6 in the kernel) is skipped with
 * nothing received for it; returns NULL with *err = -errno only when no
 * socket opens at all.
 */
struct bfd_io *bfd_io_new(struct ev_loop *loop, uint16_t port_single, uint16_t port_multi,
                          int *err);
/* Frees the sessions still open too (each sends AdminDown first). */
void bfd_io_free(struct bfd_io *io);
void bfd_io_get_stats(const struct bfd_io *io, struct bfd_io_stats *st);

struct bfd_sess_cfg {
	char name[160];          /* for logs: "BgpPeer ns/name" */
	struct core_addr remote; /* the peer */
	struct core_addr local;  /* source address; family 0: the kernel's choice */
	bool multihop;           /* RFC 5883: port 4784 */
	uint8_t min_ttl;         /* multihop: lowest TTL accepted (255 - hops + 1) */
	struct bfd_session_cfg timers;
};

/* state: old and new bfd.SessionState, with the diagnostic and the
 * peer's state (RFC 5882 section 3.2: a peer's AdminDown is not a
 * failure). Called from the loop. */
typedef void (*bfd_sess_fn)(struct bfd_sess *bs, enum bfd_state from, enum bfd_state to,
                            enum bfd_diag diag, enum bfd_state remote, void *arg);

/* NULL with *err = -errno (-EEXIST: a session for the same remote and
 * hop mode exists; -EADDRINUSE: no free source port). */
struct bfd_sess *bfd_sess_new(struct bfd_io *io, const struct bfd_sess_cfg *cfg, bfd_sess_fn fn,
                              void *arg, int *err);
/* Sends AdminDown (diag 7) three times, then closes. */
void bfd_sess_free(struct bfd_sess *bs);

/* Timers only (a Poll Sequence while Up); the caller recreates the
 * session for a new address or hop mode. */
int bfd_sess_reconfigure(struct bfd_sess *bs, const struct bfd_sess_cfg *cfg);
/* AdminDown on or off (graceful stop). */
void bfd_sess_admin(struct bfd_sess *bs, bool down);

const struct bfd_sess_cfg *bfd_sess_config(const struct bfd_sess *bs);
/* The state machine as it is now (read-only). */
const struct bfd_session *bfd_sess_session(const struct bfd_sess *bs);

#endif
