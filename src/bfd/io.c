/*
 * BFD over UDP on a libev loop (bfd/io.h): the receiving sockets, the
 * session table and each session's send socket and timer, around the
 * pure codec (bfd/bfd.h) and state machine (bfd/session.h).
 *
 * Receiving (RFC 5880 section 6.8.6, RFC 5881 sections 4-5, RFC 5883
 * section 5). Four sockets: 3784 (single hop) and 4784 (multihop), each
 * for IPv4 and IPv6 (IPV6_V6ONLY, so that both bind the port). Each
 * datagram comes with its TTL / Hop Limit and its destination address
 * and interface (IP_PKTINFO / IPV6_PKTINFO). In this order:
 *  1. longer than 255 bytes (the Length field is one octet): LENGTH;
 *  2. single hop and a TTL other than 255: TTL (GTSM, RFC 5881 section
 *     5; before decoding, as RFC 5082 checks before any other work);
 *  3. the codec's checks (bfd_pkt_decode);
 *  4. session selection: a non-zero Your Discriminator names the
 *     session (hash table); a zero one, in a Down or AdminDown packet,
 *     is matched by (source address, hop mode). Either way the source
 *     must be the session's remote, the port its hop mode, and the
 *     destination its configured local address if it has one: else
 *     NO_SESSION;
 *  5. multihop and a TTL below the session's min_ttl: TTL;
 *  6. the A bit: AUTH (no authentication is configured, section 6.8.6);
 *  7. the session's own checks (bfd_session_rx; act.why when it drops).
 * A drop is a counter per enum bfd_drop and a rate-limited log line
 * (core/loglimit.h): never a state change. Each socket is read at most
 * RX_BUDGET times per wake-up; libev calls again while data is queued.
 *
 * Sending. Each session has a UDP socket of its own, bound to a source
 * port in 49152-65535 that no other session of this process uses and
 * the kernel gave no one else (bind without SO_REUSEADDR fails with
 * EADDRINUSE then: the next port is tried), to cfg.local when set, and
 * connected to the remote's 3784 or 4784. TTL / Hop Limit 255 on every
 * packet, single hop or multihop (RFC 5881 section 5; RFC 5883 leaves
 * it open and 255 lets the peer check a minimum), and DSCP CS6 (network
 * control, as BIRD and FRR mark BFD) so that queues favour it.
 *
 * Time. One ev_timer per session, armed at bfd_session_next_deadline()
 * in CLOCK_MONOTONIC microseconds (core_now_us); libev may wake a little
 * early (its clock is the one of the loop iteration), and the timer is
 * then only armed again. Transmit jitter (RFC 5880 section 6.8.7) comes
 * from a xorshift generator seeded from RAND_bytes; discriminators
 * (section 6.8.1: unique and non-zero; random so that a blind attacker
 * cannot guess them) from RAND_bytes itself.
 *
 * Callbacks may free the session they report on (bfd_sess_free): it is
 * closed at once and its memory released when the callback returns.
 */
#include "bfd/io.h"

#include <errno.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/loglimit.h"
#include "core/map.h"

#define RX_BUDGET        64                /* datagrams per socket per wake-up */
#define RX_BUF           (BFD_PKT_MAX + 1) /* one more byte: a longer datagram shows */
#define N_PORTS          (BFD_SRC_PORT_MAX - BFD_SRC_PORT_MIN + 1)
#define ADMIN_DOWN_SENDS 3
#define TOS_CS6          0xc0 /* DSCP 48, network control (RFC 4594) */
#define DISC_TRIES       32
#define LOG_SLOTS        64
#define LOG_WINDOW_MS    10000
#define LOG_FLUSH_S      1.0

static const struct core_loglimit_kind ll_drop = {
    .lvl = LOG_LVL_INFO,
    .summary = "BFD: dropped {n} more packets from {a} ({b}) in the last {s}",
    .others = "BFD: dropped {n} more packets from other addresses in the last {s}",
};
static const struct core_loglimit_kind ll_io = {
    .lvl = LOG_LVL_WARN,
    .summary = "{a}: {n} more BFD send or receive errors ({b}) in the last {s}",
    .others = "{n} more BFD send or receive errors in the last {s}",
};

/* Why a drop happened, for the first log line of its kind. */
static const char *const drop_text[BFD_DROP_COUNT] = {
    [BFD_DROP_SHORT] = "shorter than a BFD Control packet or than its Length",
    [BFD_DROP_VERSION] = "not BFD version 1",
    [BFD_DROP_LENGTH] = "Length field out of range or datagram over 255 bytes",
    [BFD_DROP_MULT] = "Detect Mult zero",
    [BFD_DROP_MULTIPOINT] = "Multipoint bit set",
    [BFD_DROP_MY_DISC] = "My Discriminator zero",
    [BFD_DROP_YOUR_DISC] = "Your Discriminator zero outside Down and AdminDown",
    [BFD_DROP_TTL] = "TTL / Hop Limit below what the session accepts (RFC 5881 section 5)",
    [BFD_DROP_NO_SESSION] = "no session for its discriminator, address and port",
    [BFD_DROP_AUTH] = "authentication present, none configured",
};

enum { RX_V4_SINGLE = 0, RX_V4_MULTI, RX_V6_SINGLE, RX_V6_MULTI, N_RX };

/* One receiving socket. */
struct bfd_rx {
	struct bfd_io *io;
	int fd; /* -1: not open */
	int family;
	bool multihop;
	uint16_t port;
	ev_io w;
};

/* A session's key in by_addr: the remote and the hop mode (18 bytes,
 * no padding: every member is bytes). */
struct addr_key {
	uint8_t family;
	uint8_t bytes[16];
	uint8_t multihop;
};

struct bfd_sess {
	struct bfd_io *io; /* the owner */
	struct bfd_sess_cfg cfg;
	struct bfd_session s;
	bfd_sess_fn fn;
	void *arg;
	int fd;
	uint16_t port;        /* source port */
	uint32_t disc;        /* key in io->by_disc (s.local_disc) */
	struct addr_key akey; /* key in io->by_addr */
	ev_timer timer;
	unsigned busy; /* inside fn */
	bool dead;     /* freed from fn: released when it returns */
};

struct bfd_io {
	struct ev_loop *loop; /* borrowed */
	struct bfd_rx rx[N_RX];
	struct core_map by_disc; /* &bs->disc -> bs */
	struct core_map by_addr; /* &bs->akey -> bs */
	struct bfd_io_stats st;
	uint64_t rng;                     /* xorshift64* state, never 0 */
	uint8_t ports[(N_PORTS + 7) / 8]; /* source ports our sessions hold */
	struct core_loglimit *lim;        /* owned; NULL: lines not limited */
	ev_timer lim_timer;               /* its flush */
	uint8_t buf[RX_BUF];
};

/* ---- helpers ---- */

static int rand_fill(void *p, size_t n)
{
	if (RAND_bytes(p, (int)n) == 1)
		return 0;
	if (getrandom(p, n, 0) == (ssize_t)n)
		return 0;
	return -EIO;
}

/* xorshift64* (Vigna): jitter needs a uniform value, not a secret. */
static uint32_t rand_next(struct bfd_io *io)
{
	uint64_t x = io->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	io->rng = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
}

static bool port_used(const struct bfd_io *io, uint16_t port)
{
	unsigned i = port - BFD_SRC_PORT_MIN;

	return io->ports[i / 8] & (1u << (i % 8));
}

static void port_mark(struct bfd_io *io, uint16_t port, bool used)
{
	unsigned i = port - BFD_SRC_PORT_MIN;

	if (used)
		io->ports[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		io->ports[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

static void akey_set(struct addr_key *k, const struct core_addr *a, bool multihop)
{
	memset(k, 0, sizeof(*k));
	k->family = a->family;
	memcpy(k->bytes, a->bytes, sizeof(k->bytes));
	k->multihop = multihop;
}

static void io_error(struct bfd_io *io, const char *who, const char *what, int err)
{
	log_limited(io->lim, &ll_io, who, what, core_now_ms(), "%s: BFD %s: %s", who, what,
	            strerror(err));
}

/* A refused datagram from src: counted, logged through the limiter. */
static void drop(struct bfd_io *io, enum bfd_drop why, const struct core_addr *src, int ttl)
{
	char as[CORE_ADDR_STRLEN];

	if ((unsigned)why >= BFD_DROP_COUNT)
		why = BFD_DROP_NO_SESSION;
	io->st.dropped[why]++;
	core_addr_str(src, as);
	if (why == BFD_DROP_TTL)
		log_limited(io->lim, &ll_drop, as, bfd_drop_name(why), core_now_ms(),
		            "BFD: dropped a packet from %s: TTL %d: %s", as, ttl, drop_text[why]);
	else
		log_limited(io->lim, &ll_drop, as, bfd_drop_name(why), core_now_ms(),
		            "BFD: dropped a packet from %s: %s", as, drop_text[why]);
}

/* ---- sending ---- */

static void sess_send(struct bfd_sess *bs)
{
	struct bfd_io *io = bs->io;
	struct bfd_pkt p;
	uint8_t buf[BFD_PKT_LEN];
	int n;

	bfd_session_build(&bs->s, &p);
	n = bfd_pkt_encode(&p, buf, sizeof(buf));
	if (n < 0)
		return;
	for (int tries = 0; tries < 2; tries++) {
		if (send(bs->fd, buf, (size_t)n, 0) == n) {
			io->st.tx++;
			return;
		}
		/* An ICMP port unreachable for an earlier packet (the peer
		 * runs no BFD yet) fails this send without sending it: the
		 * error is consumed, once more. */
		if (errno != ECONNREFUSED && errno != EINTR)
			break;
	}
	io->st.send_errors++;
	io_error(io, bs->cfg.name, "send", errno);
}

static void sess_free_now(struct bfd_sess *bs)
{
	free(bs);
}

/* Arms the timer at the session's next deadline. */
static void sess_arm(struct bfd_sess *bs)
{
	struct ev_loop *loop = bs->io->loop;
	uint64_t dl = bfd_session_next_deadline(&bs->s), now;

	ev_timer_stop(loop, &bs->timer);
	if (dl == BFD_NEVER)
		return;
	now = core_now_us();
	ev_timer_set(&bs->timer, dl > now ? (double)(dl - now) / 1e6 : 0.0, 0.0);
	ev_timer_start(loop, &bs->timer);
}

/*
 * Carries out act: the packet, the callback, the timer. Returns false
 * when the callback freed bs (released here: do not touch it after).
 */
static bool sess_act(struct bfd_sess *bs, const struct bfd_actions *act)
{
	if (act->send)
		sess_send(bs);
	if (act->changed && bs->fn) {
		bs->busy++;
		bs->fn(bs, act->from, act->to, act->diag, act->remote, bs->arg);
		bs->busy--;
		if (bs->dead) {
			if (!bs->busy)
				sess_free_now(bs);
			return false;
		}
	}
	sess_arm(bs);
	return true;
}

static void on_sess_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bfd_sess *bs = w->data;
	struct bfd_actions act;
	uint64_t now = core_now_us();

	(void)loop;
	(void)revents;
	if (now < bfd_session_next_deadline(&bs->s)) {
		sess_arm(bs); /* woken early: libev's clock is the iteration's */
		return;
	}
	memset(&act, 0, sizeof(act));
	bfd_session_timer(&bs->s, now, rand_next(bs->io), &act);
	sess_act(bs, &act);
}

/* ---- receiving ---- */

static struct bfd_sess *find_disc(const struct bfd_io *io, uint32_t disc)
{
	return core_map_get(&io->by_disc, &disc, sizeof(disc));
}

static struct bfd_sess *find_addr(const struct bfd_io *io, const struct core_addr *a, bool multihop)
{
	struct addr_key k;

	akey_set(&k, a, multihop);
	return core_map_get(&io->by_addr, &k, sizeof(k));
}

/* Steps 4-7 of the header comment for a decoded packet. */
static void rx_packet(struct bfd_io *io, const struct bfd_rx *r, const struct bfd_pkt *p,
                      const struct core_addr *src, const struct core_addr *dst, int ttl)
{
	struct bfd_sess *bs;
	struct bfd_actions act;

	bs = p->your_disc ? find_disc(io, p->your_disc) : find_addr(io, src, r->multihop);
	if (!bs || bs->cfg.multihop != r->multihop || !core_addr_equal(src, &bs->cfg.remote) ||
	    (bs->cfg.local.family && !core_addr_equal(dst, &bs->cfg.local))) {
		drop(io, BFD_DROP_NO_SESSION, src, ttl);
		return;
	}
	if (r->multihop && ttl < (bs->cfg.min_ttl ? bs->cfg.min_ttl : 1)) {
		drop(io, BFD_DROP_TTL, src, ttl);
		return;
	}
	if (p->flags & BFD_F_AUTH) {
		drop(io, BFD_DROP_AUTH, src, ttl);
		return;
	}
	memset(&act, 0, sizeof(act));
	bfd_session_rx(&bs->s, p, core_now_us(), &act);
	if (act.discarded)
		drop(io, act.why, src, ttl);
	sess_act(bs, &act);
}

/* One datagram of n bytes (its real length: MSG_TRUNC) in io->buf. */
static void rx_datagram(struct bfd_io *io, const struct bfd_rx *r, size_t n,
                        const struct core_addr *src, const struct core_addr *dst, int ttl)
{
	struct bfd_pkt p;
	enum bfd_drop why = BFD_DROP_SHORT;

	io->st.rx++;
	if (n > BFD_PKT_MAX) {
		drop(io, BFD_DROP_LENGTH, src, ttl);
		return;
	}
	if (!r->multihop && ttl != BFD_TTL) {
		drop(io, BFD_DROP_TTL, src, ttl);
		return;
	}
	if (bfd_pkt_decode(io->buf, n, &p, &why) < 0) {
		drop(io, why, src, ttl);
		return;
	}
	rx_packet(io, r, &p, src, dst, ttl);
}

/* The TTL / Hop Limit and destination from the control messages; ttl -1
 * and dst family 0 when absent. */
static void rx_cmsgs(struct msghdr *mh, int *ttl, struct core_addr *dst)
{
	*ttl = -1;
	memset(dst, 0, sizeof(*dst));
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		int v;

		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			*ttl = v;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT &&
		           c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			*ttl = v;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		           c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			dst->family = AF_INET;
			memcpy(dst->bytes, &pi.ipi_addr, 4);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
		           c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			dst->family = AF_INET6;
			memcpy(dst->bytes, &pi.ipi6_addr, 16);
		}
	}
}

static void on_rx(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bfd_rx *r = w->data;
	struct bfd_io *io = r->io;

	(void)loop;
	(void)revents;
	for (int i = 0; i < RX_BUDGET; i++) {
		struct sockaddr_storage from;
		struct iovec iov = {.iov_base = io->buf, .iov_len = sizeof(io->buf)};
		union {
			struct cmsghdr h;
			uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) +
			          64];
		} cbuf;
		struct msghdr mh = {
		    .msg_name = &from,
		    .msg_namelen = sizeof(from),
		    .msg_iov = &iov,
		    .msg_iovlen = 1,
		    .msg_control = cbuf.b,
		    .msg_controllen = sizeof(cbuf.b),
		};
		struct core_addr src, dst;
		ssize_t n;
		int ttl;

		n = recvmsg(r->fd, &mh, MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				io_error(io, r->family == AF_INET ? "IPv4" : "IPv6", "receive",
				         errno);
			return;
		}
		if (core_addr_from_sockaddr(&from, &src, NULL) < 0)
			continue;
		rx_cmsgs(&mh, &ttl, &dst);
		rx_datagram(io, r, (size_t)n, &src, &dst, ttl);
	}
}

/* ---- lifecycle ---- */

static int rx_open(struct bfd_io *io, struct bfd_rx *r, int family, bool multihop, uint16_t port)
{
	struct sockaddr_storage ss;
	struct core_addr any = {.family = (uint8_t)family};
	socklen_t len = core_addr_to_sockaddr(&any, port, &ss);
	int one = 1, fd, rc = 0;

	r->io = io;
	r->family = family;
	r->multihop = multihop;
	r->port = port;
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
			rc = -errno;
	} else {
		if (setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
			rc = -errno;
	}
	if (rc == 0 && bind(fd, (struct sockaddr *)&ss, len) < 0)
		rc = -errno;
	if (rc < 0) {
		close(fd);
		return rc;
	}
	r->fd = fd;
	ev_io_init(&r->w, on_rx, fd, EV_READ);
	r->w.data = r;
	ev_io_start(io->loop, &r->w);
	return 0;
}

static void on_lim_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bfd_io *io = w->data;

	(void)loop;
	(void)revents;
	log_limited_flush(io->lim, core_now_ms(), false);
}

struct bfd_io *bfd_io_new(struct ev_loop *loop, uint16_t port_single, uint16_t port_multi, int *err)
{
	static const struct {
		int family;
		bool multihop;
	} socks[N_RX] = {
	    [RX_V4_SINGLE] = {AF_INET, false},
	    [RX_V4_MULTI] = {AF_INET, true},
	    [RX_V6_SINGLE] = {AF_INET6, false},
	    [RX_V6_MULTI] = {AF_INET6, true},
	};
	struct bfd_io *io;
	int first_err = 0, opened = 0;

	if (!port_single)
		port_single = BFD_PORT_SINGLE;
	if (!port_multi)
		port_multi = BFD_PORT_MULTI;
	io = calloc(1, sizeof(*io));
	if (!io) {
		if (err)
			*err = -ENOMEM;
		return NULL;
	}
	io->loop = loop;
	core_map_init(&io->by_disc);
	core_map_init(&io->by_addr);
	if (rand_fill(&io->rng, sizeof(io->rng)) < 0 || !io->rng)
		io->rng = core_now_us() | 1;
	for (int i = 0; i < N_RX; i++) {
		uint16_t port = socks[i].multihop ? port_multi : port_single;
		int rc;

		io->rx[i].fd = -1;
		rc = rx_open(io, &io->rx[i], socks[i].family, socks[i].multihop, port);
		if (rc == 0) {
			opened++;
			continue;
		}
		if (!first_err)
			first_err = rc;
		log_warn("BFD: cannot receive on %s port %u: %s%s",
		         socks[i].family == AF_INET ? "IPv4" : "IPv6", port, strerror(-rc),
		         rc == -EADDRINUSE ? " (another BFD daemon on this node?)" : "");
	}
	if (!opened) {
		if (err)
			*err = first_err ? first_err : -EIO;
		bfd_io_free(io);
		return NULL;
	}
	io->lim = core_loglimit_new(LOG_SLOTS, LOG_WINDOW_MS); /* NULL: lines not limited */
	ev_timer_init(&io->lim_timer, on_lim_timer, LOG_FLUSH_S, LOG_FLUSH_S);
	io->lim_timer.data = io;
	ev_timer_start(loop, &io->lim_timer);
	if (err)
		*err = 0;
	return io;
}

/* Out of both tables, timer stopped, AdminDown sent three times (RFC
 * 5880 section 6.8.16: the peer learns it is no failure), socket closed. */
static void sess_close(struct bfd_sess *bs)
{
	struct bfd_io *io = bs->io;
	struct bfd_actions act;

	core_map_del(&io->by_disc, &bs->disc, sizeof(bs->disc));
	core_map_del(&io->by_addr, &bs->akey, sizeof(bs->akey));
	ev_timer_stop(io->loop, &bs->timer);
	if (bs->fd >= 0) {
		memset(&act, 0, sizeof(act));
		if (bs->s.state != BFD_STATE_ADMIN_DOWN)
			bfd_session_admin(&bs->s, true, core_now_us(), &act);
		for (int i = 0; i < ADMIN_DOWN_SENDS; i++)
			sess_send(bs);
		close(bs->fd);
		bs->fd = -1;
		port_mark(io, bs->port, false);
	}
}

void bfd_io_free(struct bfd_io *io)
{
	if (!io)
		return;
	while (io->by_disc.n)
		bfd_sess_free(io->by_disc.v[io->by_disc.n - 1].val);
	for (int i = 0; i < N_RX; i++) {
		if (io->rx[i].fd < 0)
			continue;
		ev_io_stop(io->loop, &io->rx[i].w);
		close(io->rx[i].fd);
	}
	core_map_fini(&io->by_disc);
	core_map_fini(&io->by_addr);
	ev_timer_stop(io->loop, &io->lim_timer);
	log_limited_flush(io->lim, core_now_ms(), true);
	core_loglimit_free(io->lim);
	free(io);
}

void bfd_io_get_stats(const struct bfd_io *io, struct bfd_io_stats *st)
{
	*st = io->st;
}

/* Binds fd to a source port of 49152-65535 that none of our sessions
 * holds and the kernel gives (EADDRINUSE: someone else's), starting at a
 * random one. Returns the port or a negative errno. */
static int bind_port(struct bfd_io *io, int fd, const struct core_addr *local, int family)
{
	struct core_addr any = {.family = (uint8_t)family};
	unsigned start = rand_next(io) % N_PORTS;

	for (unsigned i = 0; i < N_PORTS; i++) {
		uint16_t port = (uint16_t)(BFD_SRC_PORT_MIN + (start + i) % N_PORTS);
		struct sockaddr_storage ss;
		socklen_t len;

		if (port_used(io, port))
			continue;
		len = core_addr_to_sockaddr(local->family ? local : &any, port, &ss);
		if (bind(fd, (struct sockaddr *)&ss, len) == 0)
			return port;
		if (errno != EADDRINUSE)
			return -errno;
	}
	return -EADDRINUSE;
}

static int sess_socket(struct bfd_sess *bs)
{
	const struct bfd_sess_cfg *c = &bs->cfg;
	int family = c->remote.family, one = 1, ttl = BFD_TTL, tos = TOS_CS6, fd, rc;
	struct sockaddr_storage ss;
	socklen_t len;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6) {
		rc = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (rc == 0)
			rc = setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
		/* Best effort: a kernel that refuses the class still sends. */
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	} else {
		rc = setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		(void)setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	}
	if (rc < 0) {
		rc = -errno;
		goto fail;
	}
	rc = bind_port(bs->io, fd, &c->local, family);
	if (rc < 0)
		goto fail;
	bs->port = (uint16_t)rc;
	len =
	    core_addr_to_sockaddr(&c->remote, c->multihop ? BFD_PORT_MULTI : BFD_PORT_SINGLE, &ss);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		rc = -errno;
		goto fail;
	}
	bs->fd = fd;
	port_mark(bs->io, bs->port, true);
	return 0;
fail:
	close(fd);
	return rc;
}

/* A random non-zero discriminator no session of io has (RFC 5880
 * section 6.8.1). */
static int new_disc(struct bfd_io *io, uint32_t *out)
{
	for (int i = 0; i < DISC_TRIES; i++) {
		uint32_t d;

		if (rand_fill(&d, sizeof(d)) < 0)
			return -EIO;
		if (d && !find_disc(io, d)) {
			*out = d;
			return 0;
		}
	}
	return -EAGAIN;
}

static bool family_ok(int f)
{
	return f == AF_INET || f == AF_INET6;
}

struct bfd_sess *bfd_sess_new(struct bfd_io *io, const struct bfd_sess_cfg *cfg, bfd_sess_fn fn,
                              void *arg, int *err)
{
	struct bfd_sess *bs = NULL;
	int rc;

	if (!io || !cfg || !family_ok(cfg->remote.family) ||
	    (cfg->local.family && cfg->local.family != cfg->remote.family)) {
		rc = -EINVAL;
		goto fail;
	}
	if (find_addr(io, &cfg->remote, cfg->multihop)) {
		rc = -EEXIST;
		goto fail;
	}
	if (!(bs = calloc(1, sizeof(*bs)))) {
		rc = -ENOMEM;
		goto fail;
	}
	bs->io = io;
	bs->cfg = *cfg;
	bs->cfg.name[sizeof(bs->cfg.name) - 1] = 0;
	bs->fn = fn;
	bs->arg = arg;
	bs->fd = -1;
	akey_set(&bs->akey, &cfg->remote, cfg->multihop);
	if ((rc = new_disc(io, &bs->disc)) < 0)
		goto fail;
	if ((rc = bfd_session_init(&bs->s, &cfg->timers, bs->disc, core_now_us())) < 0)
		goto fail;
	if ((rc = core_map_reserve(&io->by_disc, 1)) < 0 ||
	    (rc = core_map_reserve(&io->by_addr, 1)) < 0)
		goto fail;
	if ((rc = sess_socket(bs)) < 0)
		goto fail;
	core_map_put(&io->by_disc, &bs->disc, sizeof(bs->disc), bs);
	core_map_put(&io->by_addr, &bs->akey, sizeof(bs->akey), bs);
	ev_timer_init(&bs->timer, on_sess_timer, 0.0, 0.0);
	bs->timer.data = bs;
	sess_arm(bs);
	if (err)
		*err = 0;
	return bs;
fail:
	free(bs);
	if (err)
		*err = rc;
	return NULL;
}

void bfd_sess_free(struct bfd_sess *bs)
{
	if (!bs || bs->dead)
		return;
	sess_close(bs);
	if (bs->busy) {
		bs->dead = true; /* sess_act releases it */
		return;
	}
	sess_free_now(bs);
}

int bfd_sess_reconfigure(struct bfd_sess *bs, const struct bfd_sess_cfg *cfg)
{
	struct bfd_actions act;
	bool was_down;
	int rc;

	if (!bs || !cfg || bs->dead)
		return -EINVAL;
	/* The address and hop mode are the session's identity. */
	if (!core_addr_equal(&cfg->remote, &bs->cfg.remote) ||
	    !core_addr_equal(&cfg->local, &bs->cfg.local) || cfg->multihop != bs->cfg.multihop)
		return -EINVAL;
	was_down = bs->cfg.timers.admin_down;
	memset(&act, 0, sizeof(act));
	rc = bfd_session_reconfigure(&bs->s, &cfg->timers, core_now_us(), &act);
	if (rc < 0)
		return rc;
	bs->cfg = *cfg;
	bs->cfg.name[sizeof(bs->cfg.name) - 1] = 0;
	if (!sess_act(bs, &act))
		return 0;
	/* A change of admin_down applies as bfd_sess_admin (unless the
	 * state machine's reconfigure did it already). */
	if (cfg->timers.admin_down != was_down &&
	    cfg->timers.admin_down != (bs->s.state == BFD_STATE_ADMIN_DOWN))
		bfd_sess_admin(bs, cfg->timers.admin_down);
	return 0;
}

void bfd_sess_admin(struct bfd_sess *bs, bool down)
{
	struct bfd_actions act;

	if (!bs || bs->dead)
		return;
	memset(&act, 0, sizeof(act));
	bfd_session_admin(&bs->s, down, core_now_us(), &act);
	sess_act(bs, &act);
}

const struct bfd_sess_cfg *bfd_sess_config(const struct bfd_sess *bs)
{
	return &bs->cfg;
}

const struct bfd_session *bfd_sess_session(const struct bfd_sess *bs)
{
	return &bs->s;
}
