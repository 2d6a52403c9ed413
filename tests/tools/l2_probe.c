/*
 * l2_probe: how long a client goes unanswered while a layer 2 address moves
 * (the e2e test test_l2.sh and bench/l2_failover.sh). Sends an ICMP echo
 * (IPv4) or ICMPv6 echo (IPv6) to TARGET every --interval ms from the
 * namespace it runs in, and stamps each reply with the kernel's receive time
 * (SO_TIMESTAMPNS, CLOCK_REALTIME, so that it compares with `date +%s%N`).
 *
 * The moment of interest T (a link cut, a SIGTERM) is given as --since NS,
 * or as --since-file FILE holding NS, which may be written while the probe
 * runs (it is read again until it holds a number). since_ms is the time
 * from T to the first reply to a request SENT at or after T: a late reply
 * to an older request (queued behind an unresolved neighbour, say) proves
 * nothing about the new owner. Each request carries its index and send time
 * in its payload, and a reply counts only if both match what was sent.
 *
 * It stops on SIGTERM/SIGINT, after --duration seconds, or (--exit-on-answer)
 * at the first reply counted for since_ms, and prints one line:
 *   target=A sent=N replies=N dups=N send_errors=N late=N since_ms=X|none
 *   max_gap_ms=X|none gap_end_ns=NS first_reply_ns=NS|0 last_reply_ns=NS|0
 * late counts the replies received after T to requests sent before it (not
 * counted for since_ms). max_gap_ms is the longest time between two
 * consecutive replies (by receive time) over the whole run. Exit status 0,
 * or 2 on a usage or socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROBE_MAGIC  "l2probe"
#define PROBE_BURST  64 /* replies read per wake-up at most */
#define NS_PER_MS    1000000LL
#define PROBE_ICMP_H 8 /* echo header: type, code, checksum, id, seq */

/* The only global: set by the signal handler, read by the loop. */
static volatile sig_atomic_t probe_stop;

/* The payload of every request; echoed back verbatim. */
struct probe_payload {
	char magic[8];
	uint64_t index;
	int64_t sent_ns;
};

struct probe_req {
	int64_t sent_ns; /* CLOCK_REALTIME */
	int64_t recv_ns; /* first reply's kernel timestamp, 0: none */
};

struct probe_opts {
	int64_t interval_ns;
	int64_t duration_ns; /* 0: until a signal */
	int64_t since_ns;    /* 0: not known (yet) */
	const char *since_file;
	bool exit_on_answer;
	const char *target;
};

struct probe {
	struct probe_opts o;
	int family;
	int fd;
	uint16_t id;
	struct sockaddr_storage dst;
	socklen_t dst_len;
	struct probe_req *reqs; /* owned, n_sent used of cap */
	size_t n_sent, cap;
	uint64_t replies, dups, send_errors;
};

static void probe_on_signal(int sig)
{
	(void)sig;
	probe_stop = 1;
}

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* RFC 1071 Internet checksum (ICMPv4 only: the kernel sums ICMPv6). */
static uint16_t inet_csum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Reads a decimal nanosecond time from path; 0 if absent or not a number. */
static int64_t read_since_file(const char *path)
{
	char buf[64] = {0};
	FILE *f = fopen(path, "r");
	long long v = 0;

	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%lld", &v) != 1)
		v = 0;
	fclose(f);
	return v > 0 ? v : 0;
}

static int probe_open(struct probe *p)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&p->dst;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&p->dst;
	int one = 1;

	memset(&p->dst, 0, sizeof(p->dst));
	if (inet_pton(AF_INET, p->o.target, &s4->sin_addr) == 1) {
		p->family = s4->sin_family = AF_INET;
		p->dst_len = sizeof(*s4);
		p->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	} else if (inet_pton(AF_INET6, p->o.target, &s6->sin6_addr) == 1) {
		p->family = s6->sin6_family = AF_INET6;
		p->dst_len = sizeof(*s6);
		p->fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	} else {
		return -EINVAL;
	}
	if (p->fd < 0)
		return -errno;
	if (setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
		return -errno;
	if (p->family == AF_INET6) {
		/* Only echo replies reach us, not every NS/NA/RA on the link. */
		struct icmp6_filter flt;

		ICMP6_FILTER_SETBLOCKALL(&flt);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &flt);
		if (setsockopt(p->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &flt, sizeof(flt)) < 0)
			return -errno;
	}
	return 0;
}

static int probe_send(struct probe *p)
{
	uint8_t pkt[PROBE_ICMP_H + sizeof(struct probe_payload)] = {0};
	struct probe_payload pl = {.magic = PROBE_MAGIC};
	uint16_t seq = (uint16_t)p->n_sent;

	if (p->n_sent == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		struct probe_req *r = realloc(p->reqs, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		p->reqs = r;
		p->cap = cap;
	}
	pl.index = p->n_sent;
	pl.sent_ns = clock_ns(CLOCK_REALTIME);
	pkt[0] = p->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	memcpy(pkt + 4, &p->id, 2); /* id and seq: any byte order, only echoed */
	memcpy(pkt + 6, &seq, 2);
	memcpy(pkt + PROBE_ICMP_H, &pl, sizeof(pl));
	if (p->family == AF_INET) {
		uint16_t c = inet_csum(pkt, sizeof(pkt));

		memcpy(pkt + 2, &c, 2);
	}
	p->reqs[p->n_sent++] = (struct probe_req){.sent_ns = pl.sent_ns};
	if (sendto(p->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&p->dst, p->dst_len) < 0)
		p->send_errors++; /* unresolved neighbour, link down: a lost request */
	return 0;
}

/* One received datagram: a reply to one of our requests, or not ours. */
static void probe_input(struct probe *p, const uint8_t *buf, size_t len, int64_t recv_ns)
{
	struct probe_payload pl;
	uint8_t want = p->family == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY;
	struct probe_req *r;

	if (p->family == AF_INET) { /* raw IPv4 sockets see the IP header */
		size_t ihl;

		if (len < sizeof(struct ip))
			return;
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		if (ihl < sizeof(struct ip) || ihl > len)
			return;
		buf += ihl;
		len -= ihl;
	}
	if (len < PROBE_ICMP_H + sizeof(pl) || buf[0] != want || memcmp(buf + 4, &p->id, 2) != 0)
		return;
	memcpy(&pl, buf + PROBE_ICMP_H, sizeof(pl));
	if (memcmp(pl.magic, PROBE_MAGIC, sizeof(pl.magic)) != 0 || pl.index >= p->n_sent)
		return;
	r = &p->reqs[pl.index];
	if (r->sent_ns != pl.sent_ns)
		return; /* another probe's, or mangled */
	if (r->recv_ns) {
		p->dups++;
		return;
	}
	r->recv_ns = recv_ns;
	p->replies++;
}

static void probe_drain(struct probe *p)
{
	for (int i = 0; i < PROBE_BURST; i++) {
		uint8_t buf[1500];
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct timespec))];
		} ctl;
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr m = {.msg_iov = &iov,
		                   .msg_iovlen = 1,
		                   .msg_control = &ctl,
		                   .msg_controllen = sizeof(ctl)};
		int64_t recv_ns = 0;
		ssize_t n = recvmsg(p->fd, &m, MSG_DONTWAIT);

		if (n < 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				recv_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
			}
		}
		if (!recv_ns)
			recv_ns = clock_ns(CLOCK_REALTIME);
		probe_input(p, buf, (size_t)n, recv_ns);
	}
}

/* The first reply to a request sent at or after since, 0 if none; *late
 * (may be NULL): replies received after since to requests sent before. */
static int64_t probe_first_after(const struct probe *p, int64_t since, uint64_t *late)
{
	int64_t first = 0;

	for (size_t i = 0; i < p->n_sent; i++) {
		const struct probe_req *r = &p->reqs[i];

		if (!r->recv_ns)
			continue;
		if (r->sent_ns >= since && (!first || r->recv_ns < first))
			first = r->recv_ns;
		if (late && r->sent_ns < since && r->recv_ns >= since)
			(*late)++;
	}
	return first;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void print_ms(const char *key, int64_t ns, bool valid)
{
	if (valid)
		printf(" %s=%.1f", key, (double)ns / NS_PER_MS);
	else
		printf(" %s=none", key);
}

static int probe_report(const struct probe *p)
{
	int64_t *t = malloc((p->replies ? p->replies : 1) * sizeof(*t));
	int64_t gap = 0, gap_end = 0, first = 0;
	uint64_t late = 0;
	size_t n = 0;

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_sent; i++)
		if (p->reqs[i].recv_ns)
			t[n++] = p->reqs[i].recv_ns;
	qsort(t, n, sizeof(*t), cmp_i64);
	for (size_t i = 1; i < n; i++) {
		if (t[i] - t[i - 1] > gap) {
			gap = t[i] - t[i - 1];
			gap_end = t[i];
		}
	}
	if (p->o.since_ns)
		first = probe_first_after(p, p->o.since_ns, &late);
	printf("target=%s sent=%zu replies=%llu dups=%llu send_errors=%llu late=%llu", p->o.target,
	       p->n_sent, (unsigned long long)p->replies, (unsigned long long)p->dups,
	       (unsigned long long)p->send_errors, (unsigned long long)late);
	print_ms("since_ms", first - p->o.since_ns, first != 0);
	print_ms("max_gap_ms", gap, n > 1);
	printf(" gap_end_ns=%lld first_reply_ns=%lld last_reply_ns=%lld\n", (long long)gap_end,
	       (long long)(n ? t[0] : 0), (long long)(n ? t[n - 1] : 0));
	fflush(stdout);
	free(t);
	return 0;
}

static int probe_run(struct probe *p)
{
	int64_t start = clock_ns(CLOCK_MONOTONIC), next = start;

	while (!probe_stop) {
		int64_t now = clock_ns(CLOCK_MONOTONIC), wait;
		struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
		struct timespec ts;
		int rc;

		if (p->o.duration_ns && now - start >= p->o.duration_ns)
			break;
		if (!p->o.since_ns && p->o.since_file)
			p->o.since_ns = read_since_file(p->o.since_file);
		if (p->o.exit_on_answer && p->o.since_ns &&
		    probe_first_after(p, p->o.since_ns, NULL))
			break;
		if (now >= next) {
			if ((rc = probe_send(p)) < 0)
				return rc;
			next += p->o.interval_ns;
			if (next <= now) /* we were not scheduled for a while: no burst */
				next = now + p->o.interval_ns;
		}
		wait = next - now > 0 ? next - now : 0;
		ts.tv_sec = wait / 1000000000LL;
		ts.tv_nsec = wait % 1000000000LL;
		if (ppoll(&pfd, 1, &ts, NULL) > 0)
			probe_drain(p);
	}
	if (p->o.since_file && !p->o.since_ns)
		p->o.since_ns = read_since_file(p->o.since_file);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tool_l2_probe [--interval MS] [--duration S] [--since NS | --since-file "
	           "FILE]\n"
	           "                     [--exit-on-answer] TARGET\n");
}

static int parse_opts(int argc, char **argv, struct probe_opts *o)
{
	static const struct option longopts[] = {
	    {"interval", required_argument, NULL, 'i'},
	    {"duration", required_argument, NULL, 'd'},
	    {"since", required_argument, NULL, 's'},
	    {"since-file", required_argument, NULL, 'f'},
	    {"exit-on-answer", no_argument, NULL, 'x'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct probe_opts){.interval_ns = 10 * NS_PER_MS};
	while ((c = getopt_long(argc, argv, "i:d:s:f:xh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->interval_ns = (int64_t)(strtod(optarg, NULL) * NS_PER_MS);
			break;
		case 'd':
			o->duration_ns = (int64_t)(strtod(optarg, NULL) * 1e9);
			break;
		case 's':
			o->since_ns = strtoll(optarg, NULL, 10);
			break;
		case 'f':
			o->since_file = optarg;
			break;
		case 'x':
			o->exit_on_answer = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc - 1 || o->interval_ns < 100000 || o->duration_ns < 0 || o->since_ns < 0)
		return -EINVAL;
	o->target = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = probe_on_signal}; /* no SA_RESTART: ppoll returns */
	struct probe p = {.fd = -1, .id = (uint16_t)getpid()};
	int rc;

	if (parse_opts(argc, argv, &p.o) < 0) {
		usage(stderr);
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if ((rc = probe_open(&p)) < 0)
		fprintf(stderr, "l2_probe: %s: %s\n", p.o.target, strerror(-rc));
	else if ((rc = probe_run(&p)) < 0 || (rc = probe_report(&p)) < 0)
		fprintf(stderr, "l2_probe: %s\n", strerror(-rc));
	if (p.fd >= 0)
		close(p.fd);
	free(p.reqs);
	return rc < 0 ? 2 : 0;
}
