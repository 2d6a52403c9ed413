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
 * Slow, idle or many clients cannot take the endpoint away from others:
 * the server accepts connections itself and hands them to MHD
 * (MHD_add_connection) under three limits: connections in all, from one
 * address, and idle seconds; request headers are bounded by MHD's
 * per-connection memory. A connection past the per-address limit is
 * closed at once, so one address holding a thousand connections uses
 * per_ip descriptors and never fills the kernel's accept queue in front
 * of other clients. At the total limit accepting stops (the others wait
 * in the accept queue, not refused) until a connection ends. When the
 * process is out of descriptors (EMFILE, ENFILE) or memory, accepting
 * pauses for 100 ms instead of spinning, and resumes by itself.
 *
 * Per-address limits do not stop an attacker with many addresses (an
 * IPv6 /64 is 2^64 of them): that is what probes_only is for. A daemon
 * runs a second, probes-only server (/healthz, /readyz; no /metrics)
 * on an address only the kubelet reaches (the speaker: 127.0.0.1 on the
 * host network; the controller: its pod port that a NetworkPolicy keeps
 * to the node), so scrapers and attackers on the metrics port never
 * compete with the liveness probe. See README.md "Metrics and probes".
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

/* Zero fields take the defaults of the kind of server (metrics or
 * probes_only), from the table in http.c. */
struct obs_http_opts {
	bool probes_only;   /* /healthz and /readyz only: /metrics answers 404 */
	unsigned max_conns; /* connections at once; default 64, probes 16 */
	unsigned per_ip;    /* from one address; default 4 (the kubelet uses 2) */
	unsigned timeout_s; /* idle seconds before a connection is closed; 5, probes 2 */
	size_t max_metrics; /* largest /metrics body, bytes; default 16 MiB */
	size_t conn_memory; /* per connection, bounds request headers; default 32 KiB */
};

/* Counters since start, for tests and for the daemons' metrics. */
struct obs_http_stats {
	uint64_t accepted;      /* handed to MHD */
	uint64_t refused;       /* closed at once: over per_ip (or MHD out of memory) */
	uint64_t accept_errors; /* accept() failed: no descriptors or memory (paused 100 ms) */
	uint64_t at_limit;      /* times accepting stopped at max_conns */
	unsigned conns;         /* connections open now */
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
/* h may be NULL (all zero). */
void obs_http_get_stats(const struct obs_http *h, struct obs_http_stats *out);
/*
 * A daemon's two servers (README.md "Metrics and probes"), started and
 * stopped the same way by both daemons: metrics (/metrics, /healthz,
 * /readyz; cbs) on metrics_addr and the probes-only server (cbs->ready)
 * on health_addr. An address that is NULL or "none" starts no server.
 * Logs where each listens, prefixed by who ("speaker"). Returns 0, or a
 * negative errno with err naming the flag (--metrics-address or
 * --health-address); what started stays until obs_http_pair_stop.
 */
struct obs_http_pair {
	struct obs_http *metrics; /* owned, or NULL */
	struct obs_http *probes;  /* owned, or NULL */
};
int obs_http_pair_start(struct obs_http_pair *p, struct ev_loop *loop, const char *who,
                        const char *metrics_addr, const char *health_addr,
                        const struct obs_http_cbs *cbs, void *arg, char *err, size_t errlen);
/* Stops both (NULL fields allowed) and zeroes p. */
void obs_http_pair_stop(struct obs_http_pair *p);

/* Sets berth_http_connections_refused_total and berth_http_connections
 * (obs/families.h) from both servers' counters; either may be NULL (not
 * running: no series). For the daemons' metrics callbacks. */
struct obs_registry;
void obs_http_report(struct obs_registry *r, const struct obs_http *metrics,
                     const struct obs_http *probes);

#endif
