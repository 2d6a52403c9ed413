/*
 * The daemons' HTTP endpoint: /metrics (Prometheus text format 0.0.4),
 * /healthz and /readyz, served by libmicrohttpd driven from the caller's
 * libev loop; no thread of its own. MHD runs in its "external epoll"
 * mode: an ev_io watches MHD's epoll descriptor and an ev_timer follows
 * MHD_get_timeout(), and both call MHD_run().
 *
 *   GET|HEAD /metrics  200, text from cbs->metrics (500 if it fails)
 *   GET|HEAD /healthz  200 "ok": answered from the loop, so an answer
 *                      means the loop runs
 *   GET|HEAD /readyz   200 "ok" when cbs->ready says so, else 503 with
 *                      the reason
 *   other paths        404; other methods 405 with Allow: GET, HEAD
 *
 * A slow or idle client cannot hold the daemon: connections are capped,
 * idle ones closed after timeout_s, and request headers bounded by
 * MHD's per-connection memory limit.
 */
#ifndef BERTH_OBS_HTTP_H
#define BERTH_OBS_HTTP_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/*
 * Callbacks run from MHD_run inside the loop; they must not call
 * obs_http_stop.
 * metrics: append the exposition text to out (refresh gauges first,
 *   then obs_render); 0 or a negative errno (the client gets 500). NULL:
 *   /metrics answers 404.
 * ready: true when ready; otherwise write a one-line reason (NUL-
 *   terminated, at most len bytes) to reason. NULL: always ready.
 */
struct obs_http_cbs {
	int (*metrics)(struct buf *out, void *arg);
	bool (*ready)(char *reason, size_t len, void *arg);
};

struct obs_http_opts {
	unsigned max_conns; /* default 16 */
	unsigned timeout_s; /* idle time before a connection is closed; default 10 */
	size_t max_metrics; /* largest /metrics body, bytes; default 16 MiB */
	size_t conn_memory; /* per connection, bounds request headers; default 32 KiB */
};

struct obs_http;

/*
 * Starts serving on listen (see obs/listen.h). loop: borrowed, must
 * outlive the server. cbs: copied. arg: passed to the callbacks. opts
 * may be NULL. Returns NULL on failure with the reason in err (always
 * NUL-terminated when errlen > 0).
 */
struct obs_http *obs_http_start(struct ev_loop *loop, const char *listen,
                                const struct obs_http_cbs *cbs, void *arg,
                                const struct obs_http_opts *opts, char *err, size_t errlen);
/* Closes the listener and every connection. h may be NULL. */
void obs_http_stop(struct obs_http *h);
/* The port actually bound (useful with port 0). */
uint16_t obs_http_port(const struct obs_http *h);

#endif
