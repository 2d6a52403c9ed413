#include "obs/http.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "obs/listen.h"

#define CT_TEXT    "text/plain; charset=utf-8"
#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"

struct obs_http {
	struct ev_loop *loop; /* borrowed */
	struct MHD_Daemon *d; /* owned */
	ev_io io;             /* MHD's epoll descriptor */
	ev_timer timer;       /* MHD_get_timeout */
	struct obs_http_cbs cbs;
	void *arg;
	struct obs_http_opts o;
	uint16_t port;
	char *err; /* borrowed during obs_http_start only: MHD's start-up complaints */
	size_t errlen;
};

/* MHD's messages: during start-up they explain a failure to the caller;
 * later they are about single connections, which a hostile client can
 * provoke at will, so they stay at debug level. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct obs_http *h = cls;
	char line[256];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	if (!h->err)
		log_debug("obs http: %s", line);
	else if (!*h->err)
		snprintf(h->err, h->errlen, "%s", line);
}

static unsigned conns(struct obs_http *h)
{
	const union MHD_DaemonInfo *i =
	    MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return i ? i->num_connections : 0;
}

/*
 * One pass of MHD, then the timer for the next. MHD takes its listening
 * socket out of its epoll set while at the connection limit and puts it
 * back only at the start of a later pass, so a pass that closed
 * connections is followed by another one at once: else clients waiting
 * in the backlog would wait for an unrelated event.
 */
static void run(struct obs_http *h)
{
	MHD_UNSIGNED_LONG_LONG ms = 0;
	unsigned before = conns(h);

	MHD_run(h->d);
	ev_timer_stop(h->loop, &h->timer);
	if (conns(h) >= before) {
		/* MHD_NO: nothing pending and no connection that could time out. */
		if (MHD_get_timeout(h->d, &ms) != MHD_YES)
			return;
		if (ms > 3600 * 1000)
			ms = 3600 * 1000;
	}
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
	if (!strcmp(url, "/metrics") && h->cbs.metrics)
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

/* Varargs: each option's value must have exactly the C type MHD reads. */
static struct MHD_Daemon *start_mhd(struct obs_http *h, unsigned flags, struct obs_listen *l)
{
	return MHD_start_daemon(
	    flags, l->port, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&l->addr, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)h->o.max_conns, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)h->o.timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)h->o.conn_memory, MHD_OPTION_END);
}

struct obs_http *obs_http_start(struct ev_loop *loop, const char *listen,
                                const struct obs_http_cbs *cbs, void *arg,
                                const struct obs_http_opts *opts, char *err, size_t errlen)
{
	struct obs_http *h = NULL;
	struct obs_listen l;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	char why[256] = "out of memory";

	if (!loop || !cbs || obs_listen_parse(listen, &l)) {
		snprintf(why, sizeof(why),
		         "bad listen address \"%.*s\": want ADDR:PORT, [ADDR6]:PORT or :PORT",
		         OBS_LISTEN_MAX, listen ? listen : "");
		goto fail;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		goto fail;
	h->loop = loop;
	h->cbs = *cbs;
	h->arg = arg;
	if (opts)
		h->o = *opts;
	if (!h->o.max_conns)
		h->o.max_conns = 16;
	if (!h->o.timeout_s)
		h->o.timeout_s = 10;
	if (!h->o.max_metrics)
		h->o.max_metrics = 16 << 20;
	if (!h->o.conn_memory)
		h->o.conn_memory = 32 << 10;
	if (l.any && !have_ipv6()) {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&l.addr;

		memset(&l.addr, 0, sizeof(l.addr));
		a4->sin_family = AF_INET;
		a4->sin_port = htons(l.port);
		a4->sin_addr.s_addr = htonl(INADDR_ANY);
	} else if (l.any) {
		flags |= MHD_USE_DUAL_STACK;
	} else if (l.addr.ss_family == AF_INET6) {
		flags |= MHD_USE_IPv6;
	}
	/* MHD's first complaint during start-up says why it failed. */
	why[0] = 0;
	h->err = why;
	h->errlen = sizeof(why);
	h->d = start_mhd(h, flags, &l);
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
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : l.port;
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
	free(h);
	return NULL;
}

void obs_http_stop(struct obs_http *h)
{
	if (!h)
		return;
	ev_io_stop(h->loop, &h->io);
	ev_timer_stop(h->loop, &h->timer);
	MHD_stop_daemon(h->d);
	free(h);
}

uint16_t obs_http_port(const struct obs_http *h)
{
	return h ? h->port : 0;
}
