/*
 * The daemons' HTTP endpoint on libmicrohttpd (obs/http.h says what it
 * serves and which limits protect it). MHD parses and answers; this file
 * owns the listening socket, so that accepting obeys the limits, never
 * spins when the process is out of descriptors, and leaves the loop's
 * other watchers their turn.
 */
#include "obs/http.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "obs/families.h"
#include "obs/listen.h"

#define CT_TEXT    "text/plain; charset=utf-8"
#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"

/* Connections taken per wake-up of the listener: a flood of connects
 * must leave the loop's other watchers (BGP keepalives) their turn. */
#define ACCEPT_BATCH 32
/* Seconds without accepting after accept() failed for want of
 * descriptors or memory: the queue stays readable, so retrying at once
 * would spin; the kubelet's connection waits in the queue meanwhile. */
#define ACCEPT_PAUSE 0.1

/* Defaults by kind of server, [probes_only]. The metrics server serves
 * Prometheus (keep-alive, one connection per scraper) and anyone else who
 * can reach it; the probes server only the kubelet, whose probes of one
 * pod take two connections at most and send their request at once. */
static const struct obs_http_opts defaults[2] = {
    [false] = {.max_conns = 64,
               .per_ip = 4,
               .timeout_s = 5,
               .max_metrics = 16 << 20,
               .conn_memory = 32 << 10},
    [true] = {.probes_only = true,
              .max_conns = 16,
              .per_ip = 4,
              .timeout_s = 2,
              .max_metrics = 0,
              .conn_memory = 32 << 10},
};

/* accept(2) errors that concern one connection only (Linux passes a
 * pending network error of the new connection to accept): take the next. */
static const int accept_next[] = {EINTR,        ECONNABORTED, EPROTO,     ENOPROTOOPT,
                                  ENETDOWN,     EHOSTDOWN,    ENONET,     EPERM,
                                  EHOSTUNREACH, EOPNOTSUPP,   ENETUNREACH};

struct obs_http {
	struct ev_loop *loop; /* borrowed */
	struct MHD_Daemon *d; /* owned */
	int lfd;              /* owned: the listening socket */
	ev_io io;             /* MHD's epoll descriptor */
	ev_timer timer;       /* MHD_get_timeout */
	ev_io acc;            /* lfd readable: connections to accept */
	ev_timer pause;       /* ACCEPT_PAUSE after an accept error */
	struct obs_http_cbs cbs;
	void *arg;
	struct obs_http_opts o;
	struct obs_http_stats st;
	uint16_t port;
	char *err; /* borrowed during obs_http_start only: MHD's start-up complaints */
	size_t errlen;
};

/* MHD's messages: during start-up they explain a failure to the caller;
 * later they are about single connections, which a hostile client can
 * provoke at will (one per refused connection), so they stay at debug
 * level and are not even formatted otherwise. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct obs_http *h = cls;
	char line[256];
	size_t n;

	if (!h->err && log_get_level() < LOG_LVL_DEBUG)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	if (!h->err)
		log_debug("obs http: %s", line);
	else if (!*h->err)
		snprintf(h->err, h->errlen, "%s", line);
}

static unsigned conns(const struct obs_http *h)
{
	const union MHD_DaemonInfo *i =
	    MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return i ? i->num_connections : 0;
}

/* One pass of MHD, then the timer for the next; accepting resumes once
 * connections have ended below the limit. */
static void run(struct obs_http *h)
{
	MHD_UNSIGNED_LONG_LONG ms = 0;

	MHD_run(h->d);
	if (!ev_is_active(&h->acc) && !ev_is_active(&h->pause) && conns(h) < h->o.max_conns)
		ev_io_start(h->loop, &h->acc);
	ev_timer_stop(h->loop, &h->timer);
	/* MHD_NO: nothing pending and no connection that could time out. */
	if (MHD_get_timeout(h->d, &ms) != MHD_YES)
		return;
	if (ms > 3600 * 1000)
		ms = 3600 * 1000;
	ev_timer_set(&h->timer, (double)ms / 1000., 0.);
	ev_timer_start(h->loop, &h->timer);
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	run(w->data);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	run(w->data);
}

static bool in(int v, const int *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == v)
			return true;
	return false;
}

static void on_pause_end(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct obs_http *h = w->data;

	if (conns(h) < h->o.max_conns)
		ev_io_start(loop, &h->acc);
}

/*
 * Takes up to ACCEPT_BATCH connections and hands them to MHD, which
 * closes at once those past per_ip (MHD_add_connection owns the socket
 * whatever it returns). At max_conns the listener is left alone until a
 * connection ends (run() starts it again): the connections behind wait
 * in the kernel's queue rather than being refused.
 */
static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct obs_http *h = w->data;
	bool added = false;

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);
		int fd;

		if (conns(h) >= h->o.max_conns) {
			ev_io_stop(loop, &h->acc);
			h->st.at_limit++;
			break;
		}
		fd = accept4(h->lfd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && in(errno, accept_next, sizeof(accept_next) / sizeof(accept_next[0])))
			continue;
		if (fd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (fd < 0) {
			/* EMFILE, ENFILE, ENOBUFS, ENOMEM: counted, not logged
			 * one by one (the daemons report the counter). */
			log_debug("obs http: port %u: accept: %s; pausing %.0f ms",
			          (unsigned)h->port, strerror(errno), ACCEPT_PAUSE * 1000);
			h->st.accept_errors++;
			ev_io_stop(loop, &h->acc);
			ev_timer_set(&h->pause, ACCEPT_PAUSE, 0.);
			ev_timer_start(loop, &h->pause);
			break;
		}
		if (MHD_add_connection(h->d, fd, (struct sockaddr *)&sa, len) == MHD_YES) {
			h->st.accepted++;
			added = true;
		} else {
			h->st.refused++;
		}
	}
	if (added)
		run(h);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, struct MHD_Response *r,
                             const char *ctype)
{
	enum MHD_Result ret;

	if (!r)
		return MHD_NO; /* out of memory: MHD closes the connection */
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) != MHD_YES ||
	    (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
	     MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") != MHD_YES)) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_static(struct MHD_Connection *c, unsigned status, const char *body)
{
	return reply(
	    c, status,
	    MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT),
	    CT_TEXT);
}

static enum MHD_Result serve_metrics(struct obs_http *h, struct MHD_Connection *c)
{
	struct MHD_Response *r;
	struct buf b;
	int rc;

	buf_init(&b, h->o.max_metrics);
	rc = h->cbs.metrics(&b, h->arg);
	if (rc) {
		log_warn("obs http: rendering metrics failed: %s", strerror(-rc));
		buf_fini(&b);
		return reply_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "metrics unavailable\n");
	}
	if (!buf_len(&b)) {
		buf_fini(&b);
		return reply(c, MHD_HTTP_OK,
		             MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT),
		             CT_METRICS);
	}
	/* MHD takes the block over and frees it; the text must start at
	 * the block's start for that. */
	if (b.head)
		memmove(b.data, b.data + b.head, buf_len(&b));
	r = MHD_create_response_from_buffer_with_free_callback(buf_len(&b), b.data, free);
	if (!r)
		buf_fini(&b);
	return reply(c, MHD_HTTP_OK, r, CT_METRICS);
}

static enum MHD_Result serve_ready(struct obs_http *h, struct MHD_Connection *c)
{
	char reason[256] = "", body[300];
	int n;

	if (!h->cbs.ready || h->cbs.ready(reason, sizeof(reason), h->arg))
		return reply_static(c, MHD_HTTP_OK, "ok");
	reason[sizeof(reason) - 1] = 0;
	n = snprintf(body, sizeof(body), "not ready: %s\n", *reason ? reason : "unknown");
	if (n < 0)
		return MHD_NO;
	return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE,
	             MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY),
	             CT_TEXT);
}

/* Every request is answered on its first call, when the headers are in:
 * none of the endpoints takes a body, and a body sent anyway is not read
 * (MHD then closes the connection after the answer). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
	struct obs_http *h = cls;

	/* RFC 9110 section 15.5.6: a 405 lists the allowed methods. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_static(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	if (!strcmp(url, "/metrics") && h->cbs.metrics && !h->o.probes_only)
		return serve_metrics(h, c);
	if (!strcmp(url, "/healthz"))
		return reply_static(c, MHD_HTTP_OK, "ok");
	if (!strcmp(url, "/readyz"))
		return serve_ready(h, c);
	return reply_static(c, MHD_HTTP_NOT_FOUND, "not found\n");
}

/* ":port" wants IPv6 and IPv4 on one socket, unless the host has no IPv6. */
static bool have_ipv6(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return errno != EAFNOSUPPORT;
	close(fd);
	return true;
}

/* The listening socket, non-blocking; -1 with the reason in why. The
 * accept queue is the kernel's largest (SOMAXCONN): connections past
 * per_ip leave it as fast as they come, and a full queue would drop the
 * kubelet's SYN (retried only after a second). */
static int open_listener(struct obs_listen *l, char *why, size_t whylen)
{
	int fd, one = 1, v6only = !l->any;
	const char *step = "socket";

	if (l->any && !have_ipv6()) {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&l->addr;

		memset(&l->addr, 0, sizeof(l->addr));
		a4->sin_family = AF_INET;
		a4->sin_port = htons(l->port);
		a4->sin_addr.s_addr = htonl(INADDR_ANY);
		l->addrlen = sizeof(*a4);
	}
	fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* A restarted daemon binds again while old connections linger. */
	step = "setsockopt";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (l->addr.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0))
		goto fail;
	step = "bind";
	if (bind(fd, (struct sockaddr *)&l->addr, l->addrlen) < 0)
		goto fail;
	step = "listen";
	if (listen(fd, SOMAXCONN) < 0)
		goto fail;
	return fd;
fail:
	snprintf(why, whylen, "%s: %s", step, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return 0;
	if (sa.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
	return ntohs(((struct sockaddr_in *)&sa)->sin_port);
}

/* Varargs: each option's value must have exactly the C type MHD reads. */
static struct MHD_Daemon *start_mhd(struct obs_http *h)
{
	return MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_request,
	    h, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)h->o.max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)h->o.per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)h->o.timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)h->o.conn_memory, MHD_OPTION_END);
}

/* Fields left zero take the defaults of the kind of server. */
static void apply_defaults(struct obs_http_opts *o)
{
	const struct obs_http_opts *d = &defaults[o->probes_only];

	if (!o->max_conns)
		o->max_conns = d->max_conns;
	if (!o->per_ip)
		o->per_ip = d->per_ip;
	if (!o->timeout_s)
		o->timeout_s = d->timeout_s;
	if (!o->max_metrics)
		o->max_metrics = d->max_metrics;
	if (!o->conn_memory)
		o->conn_memory = d->conn_memory;
}

struct obs_http *obs_http_start(struct ev_loop *loop, const char *listen,
                                const struct obs_http_cbs *cbs, void *arg,
                                const struct obs_http_opts *opts, char *err, size_t errlen)
{
	struct obs_http *h = NULL;
	struct obs_listen l;
	const union MHD_DaemonInfo *info;
	char why[256] = "out of memory";

	if (!loop || !cbs || obs_listen_parse(listen, &l)) {
		snprintf(why, sizeof(why),
		         "bad listen address \"%.*s\": want ADDR:PORT, [ADDR]:PORT or :PORT",
		         OBS_LISTEN_MAX, listen ? listen : "");
		goto fail;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		goto fail;
	h->loop = loop;
	h->lfd = -1;
	h->cbs = *cbs;
	h->arg = arg;
	if (opts)
		h->o = *opts;
	apply_defaults(&h->o);
	h->lfd = open_listener(&l, why, sizeof(why));
	if (h->lfd < 0)
		goto fail;
	h->port = bound_port(h->lfd);
	/* MHD's first complaint during start-up says why it failed. */
	why[0] = 0;
	h->err = why;
	h->errlen = sizeof(why);
	h->d = start_mhd(h);
	h->err = NULL;
	if (!h->d) {
		if (!why[0])
			snprintf(why, sizeof(why), "libmicrohttpd did not start");
		goto fail;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || info->epoll_fd < 0) {
		snprintf(why, sizeof(why), "libmicrohttpd has no epoll descriptor");
		goto fail;
	}
	ev_io_init(&h->io, on_io, info->epoll_fd, EV_READ);
	h->io.data = h;
	ev_timer_init(&h->timer, on_timer, 0., 0.);
	h->timer.data = h;
	ev_io_init(&h->acc, on_accept, h->lfd, EV_READ);
	h->acc.data = h;
	ev_timer_init(&h->pause, on_pause_end, ACCEPT_PAUSE, 0.);
	h->pause.data = h;
	ev_io_start(loop, &h->io);
	run(h);
	if (err && errlen)
		*err = 0;
	return h;
fail:
	if (err && errlen)
		snprintf(err, errlen, "%s", why);
	if (h && h->d)
		MHD_stop_daemon(h->d);
	if (h && h->lfd >= 0)
		close(h->lfd);
	free(h);
	return NULL;
}

void obs_http_stop(struct obs_http *h)
{
	if (!h)
		return;
	ev_io_stop(h->loop, &h->io);
	ev_timer_stop(h->loop, &h->timer);
	ev_io_stop(h->loop, &h->acc);
	ev_timer_stop(h->loop, &h->pause);
	MHD_stop_daemon(h->d);
	close(h->lfd);
	free(h);
}

uint16_t obs_http_port(const struct obs_http *h)
{
	return h ? h->port : 0;
}

void obs_http_get_stats(const struct obs_http *h, struct obs_http_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!h)
		return;
	*out = h->st;
	out->conns = conns(h);
}

void obs_http_report(struct obs_registry *r, const struct obs_http *metrics,
                     const struct obs_http *probes)
{
	const struct {
		const char *name;
		const struct obs_http *h;
	} servers[] = {{"metrics", metrics}, {"probes", probes}};
	struct obs_http_stats st;

	/* The counters are totals: the family is rebuilt from them. */
	obs_family_reset(r, OBS_HTTP_REFUSED);
	obs_family_reset(r, OBS_HTTP_CONNECTIONS);
	for (size_t i = 0; i < sizeof(servers) / sizeof(servers[0]); i++) {
		if (!servers[i].h)
			continue;
		obs_http_get_stats(servers[i].h, &st);
		obs_counter_add(r, OBS_HTTP_REFUSED, OBS_LV(servers[i].name, "per_ip"),
		                (double)st.refused);
		obs_counter_add(r, OBS_HTTP_REFUSED, OBS_LV(servers[i].name, "accept_error"),
		                (double)st.accept_errors);
		obs_gauge_set(r, OBS_HTTP_CONNECTIONS, OBS_LV(servers[i].name), (double)st.conns);
	}
}

/* One server on addr unless it is NULL or "none". */
static int pair_one(struct ev_loop *loop, const char *who, const char *flag, const char *addr,
                    const struct obs_http_cbs *cbs, void *arg, const struct obs_http_opts *o,
                    struct obs_http **out, char *err, size_t errlen)
{
	char why[256];

	if (!addr || !strcmp(addr, "none"))
		return 0;
	*out = obs_http_start(loop, addr, cbs, arg, o, why, sizeof(why));
	if (!*out) {
		snprintf(err, errlen, "%s %s: %s", flag, addr, why);
		return -EINVAL;
	}
	log_info("%s: %s on %s (port %u)", who,
	         o && o->probes_only ? "probes (/healthz, /readyz)"
	                             : "metrics, /healthz and /readyz",
	         addr, (unsigned)obs_http_port(*out));
	return 0;
}

int obs_http_pair_start(struct obs_http_pair *p, struct ev_loop *loop, const char *who,
                        const char *metrics_addr, const char *health_addr,
                        const struct obs_http_cbs *cbs, void *arg, char *err, size_t errlen)
{
	/* The liveness probe gets a server of its own, which no scraper or
	 * other client of the metrics port competes with. */
	const struct obs_http_cbs probe_cbs = {.ready = cbs->ready};
	static const struct obs_http_opts probe_opts = {.probes_only = true};
	int rc;

	rc = pair_one(loop, who, "--metrics-address", metrics_addr, cbs, arg, NULL, &p->metrics,
	              err, errlen);
	if (!rc)
		rc = pair_one(loop, who, "--health-address", health_addr, &probe_cbs, arg,
		              &probe_opts, &p->probes, err, errlen);
	return rc;
}

void obs_http_pair_stop(struct obs_http_pair *p)
{
	obs_http_stop(p->probes);
	obs_http_stop(p->metrics);
	p->probes = p->metrics = NULL;
}
