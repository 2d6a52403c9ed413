/*
 * The heartbeats on the wire (see l2/member_io.h): one non-blocking UDP
 * socket, an ev_io that reads at most RX_BURST datagrams a wake-up, an
 * ev_timer kept at l2_member_next, and a second one that flushes the
 * rate-limited log lines each second.
 */
#include "l2/member_io.h"

#include <errno.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/loglimit.h"

/* Datagrams read per wake-up: a flood on the port costs the loop at most
 * this much work between two turns of everything else. */
#define RX_BURST 64

/* Refusals are logged through core/loglimit.h: the first per source
 * address and reason at once, then one summary per window; 16 keys
 * followed at once, the rest of a flood from many addresses shares one
 * line per window. */
#define LOG_WINDOW_MS 10000
#define LOG_SLOTS     16
#define LOG_FLUSH_S   1.0

/* Traffic class CS6, network control (RFC 4594 section 3.2), as BFD
 * packets are sent: heartbeats should not queue behind bulk traffic. */
#define TOS_CS6 0xc0

/* A key that an operator must fix: it repeats until fixed. */
static const struct core_loglimit_kind ll_warn = {
    .lvl = LOG_LVL_WARN,
    .summary = "refused {n} more heartbeats from {a} in the last {s}: {b}",
    .others = "refused {n} heartbeats from other addresses in the last {s}",
};
/* What anyone who can send us a datagram can cause. */
static const struct core_loglimit_kind ll_info = {
    .lvl = LOG_LVL_INFO,
    .summary = "refused {n} more heartbeats from {a} in the last {s}: {b}",
    .others = "refused {n} heartbeats from other addresses in the last {s}",
};
static const struct core_loglimit_kind ll_send = {
    .lvl = LOG_LVL_WARN,
    .summary = "{n} more heartbeats to {a} failed in the last {s}: {b}",
    .others = "{n} heartbeats to other addresses failed in the last {s}",
};

struct l2_member_io {
	struct ev_loop *loop;
	int fd;
	int family; /* of fd: AF_INET6, or AF_INET where IPv6 is off */
	uint16_t port;
	struct l2_hb_key key;
	struct l2_member *fsm;
	ev_io rx;
	ev_timer tick;  /* at l2_member_next */
	ev_timer flush; /* log summaries */
	struct core_loglimit *ll;
	bool rand_failed; /* logged once */
	void (*on_event)(const struct l2_member_ev *ev, void *arg);
	void *arg;
	struct l2_member_io_stats st;
};

static void set_err(char *err, size_t errlen, const char *what, int e)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", what, strerror(e));
}

/* The nonce source of the state machine (l2_member_opts.rand64). */
static uint64_t rand64(void *arg)
{
	struct l2_member_io *io = arg;
	uint64_t v = 0;

	if (RAND_bytes((unsigned char *)&v, sizeof(v)) == 1)
		return v;
	/* libcrypto's generator refuses only when it cannot seed itself:
	 * ask the kernel directly, and say so once. */
	if (!io->rand_failed) {
		io->rand_failed = true;
		log_err("heartbeats: RAND_bytes failed; PING nonces from getrandom()");
	}
	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v ^= core_now_ms() * 0x9e3779b97f4a7c15ull;
	return v;
}

/* a:port as the socket wants it: an IPv4 address on an IPv6 socket
 * v4-mapped (RFC 4291 section 2.5.5.2). Its length, or 0. */
static socklen_t sockaddr_for(const struct l2_member_io *io, const struct core_addr *a,
                              uint16_t port, struct sockaddr_storage *ss)
{
	if (io->family == AF_INET6 && a->family == AF_INET) {
		struct core_addr m = {.family = AF_INET6};

		m.bytes[10] = m.bytes[11] = 0xff;
		memcpy(m.bytes + 12, a->bytes, 4);
		return core_addr_to_sockaddr(&m, port, ss);
	}
	if (io->family == AF_INET && a->family != AF_INET) {
		memset(ss, 0, sizeof(*ss));
		return 0;
	}
	return core_addr_to_sockaddr(a, port, ss);
}

static void send_msg(struct l2_member_io *io, const struct l2_member_ev *ev)
{
	struct sockaddr_storage ss;
	char as[CORE_ADDR_STRLEN];
	uint8_t buf[L2_HB_MAX];
	socklen_t sl;
	size_t len;
	int r = l2_hb_encode(ev->msg, &io->key, buf, sizeof(buf), &len);

	if (r == 0) {
		sl = sockaddr_for(io, &ev->addr, ev->port, &ss);
		r = !sl                                                           ? -EAFNOSUPPORT
		    : sendto(io->fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0 ? -errno
		                                                                  : 0;
	}
	if (r == 0)
		return;
	io->st.send_errors++;
	core_addr_str(&ev->addr, as);
	log_limited(io->ll, &ll_send, as, strerror(-r), core_now_ms(),
	            "heartbeat to %s (%s) failed: %s", ev->peer, as, strerror(-r));
}

/* The state machine's callback: SENDs go out here, the rest to the
 * caller. */
static void on_fsm(const struct l2_member_ev *ev, void *arg)
{
	struct l2_member_io *io = arg;

	if (ev->kind == L2_MEMBER_SEND)
		send_msg(io, ev);
	else if (io->on_event)
		io->on_event(ev, io->arg);
}

static void reschedule(struct l2_member_io *io)
{
	uint64_t next = l2_member_next(io->fsm), now = core_now_ms();

	ev_timer_stop(io->loop, &io->tick);
	if (next == UINT64_MAX)
		return;
	ev_timer_set(&io->tick, next > now ? (double)(next - now) / 1000.0 : 0.0, 0.0);
	ev_timer_start(io->loop, &io->tick);
}

static void do_tick(struct l2_member_io *io)
{
	l2_member_tick(io->fsm, core_now_ms(), core_wall_ms(), on_fsm, io);
	reschedule(io);
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	do_tick(w->data);
}

static void on_flush(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct l2_member_io *io = w->data;

	(void)revents;
	log_limited_flush(io->ll, core_now_ms(), false);
}

/* Which counter of the state machine a refusal went to, as words. */
static const char *why_refused(const struct l2_member_stats *a, const struct l2_member_stats *b,
                               const struct core_loglimit_kind **kind)
{
	static const struct {
		size_t off;
		const char *why;
		bool warn;
	} reasons[] = {
	    {offsetof(struct l2_member_stats, not_for_us), "addressed to another node", false},
	    {offsetof(struct l2_member_stats, unknown_sender), "not from a member", false},
	    {offsetof(struct l2_member_stats, skewed),
	     "its clock is more than the allowed skew away from ours", true},
	    {offsetof(struct l2_member_stats, replayed), "replayed or reordered", false},
	    {offsetof(struct l2_member_stats, bad_nonce), "an ACK to no recent PING of ours",
	     false},
	};

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		uint64_t x, y;

		memcpy(&x, (const char *)a + reasons[i].off, sizeof(x));
		memcpy(&y, (const char *)b + reasons[i].off, sizeof(y));
		if (x != y) {
			*kind = reasons[i].warn ? &ll_warn : &ll_info;
			return reasons[i].why;
		}
	}
	*kind = &ll_info;
	return "refused";
}

/* One datagram of n bytes (n may exceed the buffer: truncated) from ss. */
static void on_datagram(struct l2_member_io *io, const uint8_t *p, size_t n,
                        const struct sockaddr_storage *ss, uint64_t now, uint64_t wall)
{
	const struct core_loglimit_kind *kind = &ll_info;
	struct l2_member_stats before, after;
	struct core_addr from;
	char as[CORE_ADDR_STRLEN] = "?";
	const char *why;
	struct l2_hb m;
	int r;

	io->st.datagrams++;
	r = n > L2_HB_MAX ? -EBADMSG : l2_hb_decode(p, n, &io->key, &m);
	if (r == 0) {
		l2_member_stats(io->fsm, &before);
		r = l2_member_input(io->fsm, &m, now, wall, on_fsm, io);
		if (r == 0) {
			io->st.last_valid_ms = now;
			return;
		}
		l2_member_stats(io->fsm, &after);
		why = why_refused(&before, &after, &kind);
	} else if (r == -EACCES) {
		io->st.bad_auth++;
		/* Whether it came from a member is looked up at most every
		 * 100 ms: a flood of them costs no scan each. */
		if (now >= io->st.last_bad_auth_member_ms + 100 &&
		    core_addr_from_sockaddr(ss, &from, NULL) == 0 &&
		    l2_member_is_peer_addr(io->fsm, &from))
			io->st.last_bad_auth_member_ms = now;
		why = io->key.set ? "HMAC missing or wrong (another --member-key-file?)"
		                  : "HMAC cannot be checked";
		kind = &ll_warn;
	} else {
		io->st.malformed++;
		why = "malformed";
	}
	if (core_addr_from_sockaddr(ss, &from, NULL) == 0)
		core_addr_str(&from, as);
	log_limited(io->ll, kind, as, why, now, "refused a heartbeat from %s: %s", as, why);
}

static void on_rx(struct ev_loop *loop, ev_io *w, int revents)
{
	struct l2_member_io *io = w->data;
	uint64_t now = core_now_ms(), wall = core_wall_ms();
	uint8_t buf[L2_HB_MAX + 1];

	(void)revents;
	for (int i = 0; i < RX_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		/* MSG_TRUNC: the datagram's real length, to refuse one
		 * longer than any message rather than decode its head. */
		ssize_t n =
		    recvfrom(io->fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&ss, &sl);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break; /* EAGAIN: drained; anything else: next wake-up */
		}
		on_datagram(io, buf, (size_t)n, &ss, now, wall);
	}
	reschedule(io);
}

/* The socket: IPv6 dual-stack unless IPv6 is off in the kernel. */
static int open_socket(struct l2_member_io *io, const struct l2_member_io_opts *o, char *err,
                       size_t errlen)
{
	static const int off = 0, tos = TOS_CS6;
	struct core_addr la = {.family = AF_INET6}; /* "::" */
	struct sockaddr_storage ss;
	socklen_t sl;

	if (o->listen && core_addr_parse(o->listen, &la) < 0) {
		if (err && errlen)
			snprintf(err, errlen, "heartbeats: bad listen address \"%s\"", o->listen);
		return -EINVAL;
	}
	io->family = AF_INET6;
	io->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (io->fd < 0 && errno == EAFNOSUPPORT && (!o->listen || la.family == AF_INET)) {
		io->family = AF_INET;
		if (!o->listen)
			la = (struct core_addr){.family = AF_INET}; /* 0.0.0.0 */
		io->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (io->fd < 0) {
		int e = errno;

		set_err(err, errlen, "heartbeats: socket", e);
		return -e;
	}
	if (io->family == AF_INET6) {
		/* IPv4 members reach us, and we them, through v4-mapped
		 * addresses on the one socket. */
		if (setsockopt(io->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) {
			int e = errno;

			set_err(err, errlen, "heartbeats: IPV6_V6ONLY", e);
			return -e;
		}
		(void)setsockopt(io->fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	}
	(void)setsockopt(io->fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	sl = sockaddr_for(io, &la, o->port, &ss);
	if (bind(io->fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;
		char msg[96];

		snprintf(msg, sizeof(msg), "heartbeats: bind to %s port %u",
		         o->listen ? o->listen : "::", o->port);
		set_err(err, errlen, msg, e);
		return -e;
	}
	sl = sizeof(ss);
	if (getsockname(io->fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    core_addr_from_sockaddr(&ss, &la, &io->port) < 0) {
		int e = errno ? errno : EINVAL;

		set_err(err, errlen, "heartbeats: getsockname", e);
		return -e;
	}
	return 0;
}

int l2_member_io_new(struct ev_loop *loop, const struct l2_member_io_opts *o,
                     struct l2_member_io **out, char *err, size_t errlen)
{
	struct l2_member_opts mo;
	struct l2_member_io *io;
	int r;

	if (!loop || !o || !out || !o->self) {
		set_err(err, errlen, "heartbeats", EINVAL);
		return -EINVAL;
	}
	io = calloc(1, sizeof(*io));
	if (!io) {
		set_err(err, errlen, "heartbeats", ENOMEM);
		return -ENOMEM;
	}
	io->loop = loop;
	io->fd = -1;
	io->on_event = o->on_event;
	io->arg = o->arg;
	if (o->key)
		io->key = *o->key;
	mo = o->member;
	if (!mo.rand64) {
		mo.rand64 = rand64;
		mo.rand_arg = io;
	}
	/* Our incarnation: our start on the wall clock (l2/member.h). */
	io->fsm = l2_member_new(o->self, core_wall_ms(), core_now_ms(), &mo);
	if (!io->fsm) {
		if (err && errlen)
			snprintf(err, errlen, "heartbeats: bad node name \"%.64s\" or no memory",
			         o->self);
		r = -EINVAL;
		goto fail;
	}
	/* Out of memory, the lines are just not limited. */
	io->ll = core_loglimit_new(LOG_SLOTS, LOG_WINDOW_MS);
	if ((r = open_socket(io, o, err, errlen)) < 0)
		goto fail;
	ev_io_init(&io->rx, on_rx, io->fd, EV_READ);
	io->rx.data = io;
	ev_io_start(loop, &io->rx);
	ev_timer_init(&io->tick, on_tick, 0.0, 0.0);
	io->tick.data = io;
	ev_timer_init(&io->flush, on_flush, LOG_FLUSH_S, LOG_FLUSH_S);
	io->flush.data = io;
	ev_timer_start(loop, &io->flush);
	reschedule(io);
	*out = io;
	return 0;
fail:
	l2_member_io_free(io);
	return r;
}

void l2_member_io_free(struct l2_member_io *io)
{
	if (!io)
		return;
	if (io->fd >= 0) {
		ev_io_stop(io->loop, &io->rx);
		close(io->fd);
	}
	ev_timer_stop(io->loop, &io->tick);
	ev_timer_stop(io->loop, &io->flush);
	log_limited_flush(io->ll, core_now_ms(), true);
	core_loglimit_free(io->ll);
	l2_member_free(io->fsm);
	OPENSSL_cleanse(&io->key, sizeof(io->key));
	free(io);
}

uint16_t l2_member_io_port(const struct l2_member_io *io)
{
	return io->port;
}

struct l2_member *l2_member_io_fsm(struct l2_member_io *io)
{
	return io->fsm;
}

void l2_member_io_kick(struct l2_member_io *io)
{
	do_tick(io);
}

void l2_member_io_leave(struct l2_member_io *io)
{
	l2_member_leave(io->fsm, core_wall_ms(), on_fsm, io);
	reschedule(io);
}

void l2_member_io_get_stats(const struct l2_member_io *io, struct l2_member_io_stats *out)
{
	*out = io->st;
	l2_member_stats(io->fsm, &out->fsm);
}
