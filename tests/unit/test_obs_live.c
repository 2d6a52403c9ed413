/*
 * The metrics endpoint over real loopback sockets: libcurl's multi
 * interface and the server's libev loop take turns on this one thread,
 * so the test also shows the server needs no thread of its own.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "obs/families.h"
#include "obs/http.h"
#include "obs/metrics.h"

struct resp {
	CURLcode cc;
	long status;
	char body[1 << 16];
	size_t len;
	size_t total; /* bytes received, also beyond body */
	char ctype[128];
	char allow[64];
	curl_off_t clen;
};

struct fixture {
	struct ev_loop *loop;
	struct obs_registry *reg;
	struct obs_http *http;
	int metrics_calls;
	int metrics_rc;
	size_t pad_bytes; /* extra output to make /metrics large */
	bool ready;
	char url[64];
};

static int metrics_cb(struct buf *out, void *arg)
{
	static const char pad[] = "# padding padding padding padding padding padding padding pad\n";
	struct fixture *f = arg;
	size_t i;
	int rc;

	f->metrics_calls++;
	if (f->metrics_rc)
		return f->metrics_rc;
	/* Scrape-time refresh, as the daemons do. */
	rc = obs_gauge_set(f->reg, OBS_POOL_USED, OBS_LV("default"), f->metrics_calls);
	if (!rc)
		rc = obs_render(f->reg, out);
	for (i = 0; i < f->pad_bytes && !rc; i += sizeof(pad) - 1)
		rc = buf_append(out, pad, sizeof(pad) - 1);
	return rc;
}

static bool ready_cb(char *reason, size_t len, void *arg)
{
	struct fixture *f = arg;

	if (!f->ready)
		snprintf(reason, len, "informers not synced");
	return f->ready;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;
	size_t len = size * n, room = sizeof(r->body) - 1 - r->len;

	memcpy(r->body + r->len, p, len < room ? len : room);
	r->len += len < room ? len : room;
	r->body[r->len] = 0;
	r->total += len;
	return len;
}

static void header_value(const char *line, size_t len, const char *name, char *dst, size_t cap)
{
	size_t nl = strlen(name), v;

	if (len <= nl || strncasecmp(line, name, nl))
		return;
	for (v = nl; v < len && line[v] == ' '; v++)
		;
	while (len > v && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	snprintf(dst, cap, "%.*s", (int)(len - v), line + v);
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;

	header_value(p, size * n, "Content-Type:", r->ctype, sizeof(r->ctype));
	header_value(p, size * n, "Allow:", r->allow, sizeof(r->allow));
	return size * n;
}

/* One request; the loop runs while curl waits. */
static void fetch_url(struct ev_loop *loop, const char *method, const char *url,
                      struct curl_slist *hdrs, long timeout_ms, struct resp *r)
{
	CURLM *m = curl_multi_init();
	CURL *e = curl_easy_init();
	CURLMsg *msg;
	int running = 1, left;

	memset(r, 0, sizeof(*r));
	r->cc = CURLE_FAILED_INIT;
	assert_non_null(m);
	assert_non_null(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	if (hdrs)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (!strcmp(method, "POST"))
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "a=1");
	else if (strcmp(method, "GET"))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_multi_add_handle(m, e);
	while (running) {
		curl_multi_perform(m, &running);
		ev_run(loop, EVRUN_NOWAIT);
		if (running)
			curl_multi_poll(m, NULL, 0, 2, NULL);
		ev_run(loop, EVRUN_NOWAIT);
	}
	while ((msg = curl_multi_info_read(m, &left)))
		if (msg->msg == CURLMSG_DONE)
			r->cc = msg->data.result;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &r->clen);
	curl_multi_remove_handle(m, e);
	curl_easy_cleanup(e);
	curl_multi_cleanup(m);
}

static void fetch(struct fixture *f, const char *method, const char *path, struct resp *r)
{
	char url[128];

	snprintf(url, sizeof(url), "%s%s", f->url, path);
	fetch_url(f->loop, method, url, NULL, 5000, r);
	assert_int_equal(r->cc, CURLE_OK);
}

static void on_break(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ONE);
}

/* Runs the loop for about sec seconds. */
static void pump(struct ev_loop *loop, double sec)
{
	ev_timer t;

	ev_timer_init(&t, on_break, sec, 0.);
	ev_timer_start(loop, &t);
	ev_run(loop, 0);
	ev_timer_stop(loop, &t);
}

static struct obs_http *start(struct fixture *f, const char *listen, const struct obs_http_opts *o)
{
	struct obs_http_cbs cbs = {.metrics = metrics_cb, .ready = ready_cb};
	char err[256];
	struct obs_http *h = obs_http_start(f->loop, listen, &cbs, f, o, err, sizeof(err));

	if (!h)
		fail_msg("obs_http_start(%s): %s", listen, err);
	assert_int_not_equal(obs_http_port(h), 0);
	return h;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->loop = ev_loop_new(EVFLAG_AUTO);
	f->reg = obs_registry_new(0);
	assert_non_null(f->loop);
	assert_non_null(f->reg);
	assert_int_equal(obs_register_berth(f->reg, "0.0.0-test"), 0);
	assert_int_equal(obs_counter_add(f->reg, OBS_ALLOCATIONS, OBS_LV("allocated"), 3), 0);
	f->http = start(f, "127.0.0.1:0", NULL);
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u", obs_http_port(f->http));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	obs_http_stop(f->http);
	obs_registry_free(f->reg);
	ev_loop_destroy(f->loop);
	free(f);
	return 0;
}

static char *render(struct obs_registry *reg)
{
	struct buf b;
	char *s;

	buf_init(&b, 1 << 20);
	assert_int_equal(obs_render(reg, &b), 0);
	s = calloc(1, buf_len(&b) + 1);
	assert_non_null(s);
	memcpy(s, buf_head(&b), buf_len(&b));
	buf_fini(&b);
	return s;
}

static void test_metrics(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r)), *h = malloc(sizeof(*h));
	char *want;

	assert_non_null(r);
	assert_non_null(h);
	fetch(f, "GET", "/metrics", r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->ctype, "text/plain; version=0.0.4; charset=utf-8");
	assert_int_equal(f->metrics_calls, 1);
	/* Served text is the registry as the callback left it. */
	want = render(f->reg);
	assert_string_equal(r->body, want);
	free(want);
	assert_non_null(strstr(r->body, "berth_pool_used{pool=\"default\"} 1\n"));
	assert_non_null(strstr(r->body, "berth_allocations_total{result=\"allocated\"} 3\n"));
	assert_non_null(strstr(r->body, "berth_build_info{version=\"0.0.0-test\"} 1\n"));

	/* Rendered per request: the refreshed gauge moves. */
	fetch(f, "GET", "/metrics?x=1", r);
	assert_int_equal(r->status, 200);
	assert_non_null(strstr(r->body, "berth_pool_used{pool=\"default\"} 2\n"));

	/* HEAD: same headers and length, no body. */
	fetch(f, "HEAD", "/metrics", h);
	assert_int_equal(h->status, 200);
	assert_int_equal(h->total, 0);
	assert_int_equal(h->clen, (curl_off_t)r->len);
	assert_string_equal(h->ctype, r->ctype);
	assert_int_equal(f->metrics_calls, 3);
	free(r);
	free(h);
}

static void test_metrics_errors(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	struct obs_http_cbs cbs = {.metrics = NULL};
	struct obs_http *h2;
	char url[64], err[128];

	assert_non_null(r);
	f->metrics_rc = -EIO;
	fetch(f, "GET", "/metrics", r);
	assert_int_equal(r->status, 500);
	f->metrics_rc = 0;
	/* Bigger than the limit: 500, not a truncated text. */
	obs_http_stop(f->http);
	f->http = start(f, "127.0.0.1:0", &(struct obs_http_opts){.max_metrics = 4096});
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u", obs_http_port(f->http));
	f->pad_bytes = 8192;
	fetch(f, "GET", "/metrics", r);
	assert_int_equal(r->status, 500);
	f->pad_bytes = 0;
	fetch(f, "GET", "/metrics", r);
	assert_int_equal(r->status, 200);
	/* Without a metrics callback there is no /metrics. */
	h2 = obs_http_start(f->loop, "127.0.0.1:0", &cbs, f, NULL, err, sizeof(err));
	assert_non_null(h2);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", obs_http_port(h2));
	fetch_url(f->loop, "GET", url, NULL, 5000, r);
	assert_int_equal(r->status, 404);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/readyz", obs_http_port(h2));
	fetch_url(f->loop, "GET", url, NULL, 5000, r);
	assert_int_equal(r->status, 200); /* no ready callback: ready */
	obs_http_stop(h2);
	free(r);
}

/* A body of several megabytes goes out through many MHD_run calls. */
static void test_metrics_large(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));

	assert_non_null(r);
	f->pad_bytes = 4 << 20;
	fetch(f, "GET", "/metrics", r);
	assert_int_equal(r->status, 200);
	assert_true(r->total > (size_t)(4 << 20));
	assert_int_equal(r->clen, (curl_off_t)r->total);
	f->pad_bytes = 0;
	free(r);
}

static void test_health_ready(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));

	assert_non_null(r);
	fetch(f, "GET", "/healthz", r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "ok");
	assert_string_equal(r->ctype, "text/plain; charset=utf-8");
	fetch(f, "HEAD", "/healthz", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->total, 0);

	f->ready = false;
	fetch(f, "GET", "/readyz", r);
	assert_int_equal(r->status, 503);
	assert_string_equal(r->body, "not ready: informers not synced\n");
	fetch(f, "HEAD", "/readyz", r);
	assert_int_equal(r->status, 503);
	f->ready = true;
	fetch(f, "GET", "/readyz", r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "ok");
	assert_int_equal(f->metrics_calls, 0);
	free(r);
}

static void test_not_found_and_methods(void **state)
{
	static const char *const paths[] = {"/",          "/metrics/", "/metricsx",
	                                    "/healthz/x", "/READYZ",   "/nope"};
	static const char *const methods[] = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	size_t i;

	assert_non_null(r);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		fetch(f, "GET", paths[i], r);
		assert_int_equal(r->status, 404);
	}
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		fetch(f, methods[i], "/metrics", r);
		assert_int_equal(r->status, 405);
		assert_string_equal(r->allow, "GET, HEAD");
	}
	assert_int_equal(f->metrics_calls, 0);
	/* The server still answers after all that. */
	fetch(f, "GET", "/healthz", r);
	assert_int_equal(r->status, 200);
	free(r);
}

static void test_start_errors(void **state)
{
	static const char *const bad[] = {"", "nonsense", "localhost:80", "127.0.0.1:70000",
	                                  "::1:80"};
	struct fixture *f = *state;
	struct obs_http_cbs cbs = {0};
	char listen[64], err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(err, "unchanged");
		assert_null(obs_http_start(f->loop, bad[i], &cbs, NULL, NULL, err, sizeof(err)));
		assert_non_null(strstr(err, "bad listen address"));
	}
	assert_null(obs_http_start(f->loop, NULL, &cbs, NULL, NULL, err, sizeof(err)));
	assert_null(obs_http_start(f->loop, "127.0.0.1:0", NULL, NULL, NULL, err, sizeof(err)));
	/* Port taken: the reason reaches the caller. */
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", obs_http_port(f->http));
	err[0] = 0;
	assert_null(obs_http_start(f->loop, listen, &cbs, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "bind"));
	/* A tiny err buffer is still NUL-terminated. */
	assert_null(obs_http_start(f->loop, "x", &cbs, NULL, NULL, err, 4));
	assert_int_equal(strlen(err), 3);
}

static bool have_ipv6_loopback(void)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static void test_ipv6_and_any(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	struct obs_http *h;
	char url[64];

	assert_non_null(r);
	/* ":0" serves IPv4 (and IPv6 when the host has it). */
	h = start(f, ":0", NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/healthz", obs_http_port(h));
	fetch_url(f->loop, "GET", url, NULL, 5000, r);
	assert_int_equal(r->cc, CURLE_OK);
	assert_int_equal(r->status, 200);
	if (have_ipv6_loopback()) {
		snprintf(url, sizeof(url), "http://[::1]:%u/healthz", obs_http_port(h));
		fetch_url(f->loop, "GET", url, NULL, 5000, r);
		assert_int_equal(r->status, 200);
	}
	obs_http_stop(h);
	if (!have_ipv6_loopback()) {
		free(r);
		skip();
	}
	h = start(f, "[::1]:0", NULL);
	snprintf(url, sizeof(url), "http://[::1]:%u/readyz", obs_http_port(h));
	f->ready = true;
	fetch_url(f->loop, "GET", url, NULL, 5000, r);
	assert_int_equal(r->cc, CURLE_OK);
	assert_int_equal(r->status, 200);
	/* Bound to ::1 only: IPv4 loopback is refused. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/readyz", obs_http_port(h));
	fetch_url(f->loop, "GET", url, NULL, 2000, r);
	assert_int_equal(r->cc, CURLE_COULDNT_CONNECT);
	obs_http_stop(h);
	free(r);
}

static int raw_connect(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* true once the peer closed (EOF or reset); reads and drops any data. */
static bool raw_closed(int fd)
{
	char tmp[4096];
	ssize_t n;

	for (;;) {
		n = recv(fd, tmp, sizeof(tmp), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n == 0)
			return true;
		return errno != EAGAIN && errno != EWOULDBLOCK;
	}
}

/* A client that sends half a request and stalls is cut off after the
 * timeout; the loop keeps serving others meanwhile. */
static void test_slow_client(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	const char *part = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
	ev_tstamp t0;
	int fd;

	assert_non_null(r);
	obs_http_stop(f->http);
	f->http = start(f, "127.0.0.1:0", &(struct obs_http_opts){.timeout_s = 1, .max_conns = 4});
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u", obs_http_port(f->http));
	fd = raw_connect(obs_http_port(f->http));
	assert_int_equal(send(fd, part, strlen(part), 0), (ssize_t)strlen(part));
	pump(f->loop, 0.3);
	assert_false(raw_closed(fd));
	fetch(f, "GET", "/healthz", r); /* served meanwhile */
	assert_int_equal(r->status, 200);
	ev_now_update(f->loop);
	t0 = ev_now(f->loop);
	while (!raw_closed(fd) && ev_now(f->loop) - t0 < 5)
		pump(f->loop, 0.1);
	assert_true(raw_closed(fd));
	close(fd);
	free(r);
}

/* With max_conns connections held open, more are not served; once they
 * go away, the server answers again. */
static void test_connection_limit(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	char url[96];
	int fd[2];
	size_t i;

	assert_non_null(r);
	obs_http_stop(f->http);
	f->http = start(f, "127.0.0.1:0", &(struct obs_http_opts){.timeout_s = 30, .max_conns = 2});
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u", obs_http_port(f->http));
	for (i = 0; i < 2; i++)
		fd[i] = raw_connect(obs_http_port(f->http));
	pump(f->loop, 0.2);
	snprintf(url, sizeof(url), "%s/healthz", f->url);
	fetch_url(f->loop, "GET", url, NULL, 700, r);
	/* Waits in the backlog: MHD does not accept past the limit. */
	assert_int_equal(r->cc, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(r->status, 0);
	for (i = 0; i < 2; i++)
		close(fd[i]);
	pump(f->loop, 0.2);
	fetch_url(f->loop, "GET", url, NULL, 5000, r);
	assert_int_equal(r->cc, CURLE_OK);
	assert_int_equal(r->status, 200);
	free(r);
}

/* Request headers beyond the per-connection memory are refused, not
 * buffered without end. */
static void test_huge_headers(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	struct curl_slist *hdrs = NULL;
	char *big = malloc(70000), url[96];

	assert_non_null(r);
	assert_non_null(big);
	strcpy(big, "X-Big: ");
	memset(big + 7, 'a', 69990);
	big[69997] = 0;
	hdrs = curl_slist_append(hdrs, big);
	snprintf(url, sizeof(url), "%s/healthz", f->url);
	fetch_url(f->loop, "GET", url, hdrs, 5000, r);
	assert_int_equal(r->cc, CURLE_OK);
	assert_int_equal(r->status, 431); /* RFC 6585 section 5 */
	curl_slist_free_all(hdrs);
	free(big);
	fetch(f, "GET", "/healthz", r);
	assert_int_equal(r->status, 200);
	free(r);
}

/* ---- abuse: many slow or idle clients, and the fd limit ---- */

#define ATTACK_N 1000

/* One address's worth of hostile clients, run from the test's own loop:
 * ATTACK_N connections to port, each reopened (on the next tick) when the
 * server closes it. slow: each sends half a request, then one header byte
 * per tick (a slowloris, resetting the server's idle timer); else they
 * send nothing. */
struct attack {
	struct ev_loop *loop;
	ev_timer tick;
	uint16_t port;
	const char *src;
	bool slow;
	int fd[ATTACK_N];
	unsigned opened, closed_by_server;
};

static void attack_open(struct attack *a, size_t i)
{
	struct sockaddr_in src = {.sin_family = AF_INET}, dst = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	a->fd[i] = -1;
	if (fd < 0)
		return; /* out of descriptors: tried again on the next tick */
	inet_pton(AF_INET, a->src, &src.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
	dst.sin_port = htons(a->port);
	/* Thousands of connections per test from one source address: let
	 * connect() pick the port by the whole 4-tuple, or bind() runs out
	 * of ephemeral ports on a machine that just ran the other tests. */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &(int){1}, sizeof(int));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
	    (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno != EINPROGRESS)) {
		close(fd);
		return;
	}
	a->fd[i] = fd;
	a->opened++;
	if (a->slow)
		send(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n", 31, MSG_NOSIGNAL);
}

static void attack_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct attack *a = w->data;

	for (size_t i = 0; i < ATTACK_N; i++) {
		if (a->fd[i] >= 0 && raw_closed(a->fd[i])) {
			close(a->fd[i]);
			a->fd[i] = -1;
			a->closed_by_server++;
		} else if (a->fd[i] >= 0 && a->slow) {
			send(a->fd[i], "X", 1, MSG_NOSIGNAL);
		}
		if (a->fd[i] < 0)
			attack_open(a, i);
	}
}

static void attack_start(struct attack *a, struct ev_loop *loop, uint16_t port, const char *src,
                         bool slow)
{
	memset(a, 0, sizeof(*a));
	a->loop = loop;
	a->port = port;
	a->src = src;
	a->slow = slow;
	for (size_t i = 0; i < ATTACK_N; i++)
		attack_open(a, i);
	assert_int_equal(a->opened, ATTACK_N);
	ev_timer_init(&a->tick, attack_tick, 0.1, 0.1);
	a->tick.data = a;
	ev_timer_start(loop, &a->tick);
}

static void attack_stop(struct attack *a)
{
	ev_timer_stop(a->loop, &a->tick);
	for (size_t i = 0; i < ATTACK_N; i++)
		if (a->fd[i] >= 0)
			close(a->fd[i]);
}

/* The test holds ATTACK_N sockets itself, next to the server's. */
static void raise_nofile(void)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur >= 4 * ATTACK_N)
		return;
	if (rl.rlim_max < 2 * ATTACK_N)
		fail_msg("RLIMIT_NOFILE hard limit %lu: need %d", (unsigned long)rl.rlim_max,
		         2 * ATTACK_N);
	rl.rlim_cur = rl.rlim_max < 4 * ATTACK_N ? rl.rlim_max : 4 * ATTACK_N;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* GET /healthz and /readyz on port, as the kubelet does, every 50 ms for
 * sec seconds while the loop (and the attack on it) runs: every answer is
 * a 200 within a second. Returns the slowest, in seconds. */
static double probe_for(struct fixture *f, uint16_t port, double sec)
{
	static const char *const paths[] = {"/healthz", "/readyz"};
	struct resp *r = malloc(sizeof(*r));
	double worst = 0, t0, dt;
	ev_tstamp end;
	char url[96];

	assert_non_null(r);
	f->ready = true;
	ev_now_update(f->loop);
	end = ev_now(f->loop) + sec;
	do {
		for (size_t i = 0; i < 2; i++) {
			snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, paths[i]);
			t0 = ev_time();
			fetch_url(f->loop, "GET", url, NULL, 5000, r);
			dt = ev_time() - t0;
			if (r->cc != CURLE_OK || r->status != 200 || dt >= 1.0)
				fail_msg("%s: curl %d, status %ld after %.3f s", url, r->cc,
				         r->status, dt);
			worst = dt > worst ? dt : worst;
		}
		pump(f->loop, 0.05);
	} while (ev_now(f->loop) < end);
	free(r);
	return worst;
}

static void restart(struct fixture *f, const struct obs_http_opts *o)
{
	obs_http_stop(f->http);
	f->http = start(f, "127.0.0.1:0", o);
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u", obs_http_port(f->http));
}

/* One address with ATTACK_N connections to the port the probes use: the
 * per-address limit closes all but per_ip of them at once, so the
 * kubelet (another address) is served at once, during and right after. */
static void attack_same_port(struct fixture *f, bool slow)
{
	struct obs_http_stats st;
	struct attack *a = malloc(sizeof(*a));
	double during, after;

	assert_non_null(a);
	raise_nofile();
	restart(f, NULL);
	attack_start(a, f->loop, obs_http_port(f->http), "127.0.0.2", slow);
	during = probe_for(f, obs_http_port(f->http), 2.0);
	obs_http_get_stats(f->http, &st);
	/* The attacker kept trying; one address never held more than per_ip. */
	assert_true(a->closed_by_server >= ATTACK_N - 4);
	assert_true(st.refused >= ATTACK_N - 4);
	assert_true(st.conns <= 4 + 2);
	attack_stop(a);
	after = probe_for(f, obs_http_port(f->http), 0.5);
	print_message("%s attack, %u connections opened: slowest probe %.1f ms during, %.1f ms "
	              "after\n",
	              slow ? "slowloris" : "idle", a->opened, during * 1000, after * 1000);
	free(a);
}

static void test_abuse_idle(void **state)
{
	attack_same_port(*state, false);
}

static void test_abuse_slowloris(void **state)
{
	attack_same_port(*state, true);
}

/* The deployed layout: a probes-only server beside the metrics one. The
 * attacker shares the kubelet's address (127.0.0.1, as any process on a
 * host-network node can) and fills the metrics port: the probes port
 * does not notice. */
static void test_abuse_probes_server(void **state)
{
	struct fixture *f = *state;
	struct obs_http_cbs cbs = {.metrics = metrics_cb, .ready = ready_cb};
	struct obs_http *probes;
	struct attack *a = malloc(sizeof(*a));
	struct resp *r = malloc(sizeof(*r));
	char url[96], err[256];
	double during, after;

	assert_non_null(a);
	assert_non_null(r);
	raise_nofile();
	probes = obs_http_start(f->loop, "127.0.0.1:0", &cbs, f,
	                        &(struct obs_http_opts){.probes_only = true}, err, sizeof(err));
	assert_non_null(probes);
	/* Probes only: no /metrics there, whatever the callbacks. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", obs_http_port(probes));
	fetch_url(f->loop, "GET", url, NULL, 5000, r);
	assert_int_equal(r->status, 404);
	attack_start(a, f->loop, obs_http_port(f->http), "127.0.0.1", true);
	during = probe_for(f, obs_http_port(probes), 2.0);
	attack_stop(a);
	after = probe_for(f, obs_http_port(probes), 0.5);
	print_message("probes server beside a slowloris on the metrics port: slowest probe %.1f ms "
	              "during, %.1f ms after\n",
	              during * 1000, after * 1000);
	obs_http_stop(probes);
	free(a);
	free(r);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/*
 * The process out of descriptors while connections wait: accept fails
 * with EMFILE. The server must not spin on its still-readable listener
 * (a second of loop uses little CPU and few accept attempts), must not
 * crash, and must serve again as soon as descriptors are free.
 */
static void test_fd_limit(void **state)
{
	struct fixture *f = *state;
	struct obs_http_stats st;
	struct rlimit old, rl;
	struct attack *a = malloc(sizeof(*a));
	double cpu;
	size_t i;
	int fd;

	assert_non_null(a);
	restart(f, NULL);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	/* Room for about 64 more descriptors, then fill them all with
	 * connections that the server cannot accept. */
	fd = dup(0);
	assert_true(fd >= 0);
	close(fd);
	rl = old;
	rl.rlim_cur = (rlim_t)fd + 64;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	memset(a, 0, sizeof(*a));
	a->loop = f->loop;
	a->port = obs_http_port(f->http);
	a->src = "127.0.0.4";
	for (i = 0; i < ATTACK_N; i++)
		attack_open(a, i);
	print_message("at the fd limit: %u connections opened\n", a->opened);
	assert_true(a->opened > 10 && a->opened <= 64); /* fd .. fd + 63 */
	ev_now_update(f->loop);
	cpu = cpu_seconds();
	pump(f->loop, 1.0);
	cpu = cpu_seconds() - cpu;
	obs_http_get_stats(f->http, &st);
	print_message("at the fd limit: %.0f ms CPU in 1 s, %llu accept errors, %llu accepted\n",
	              cpu * 1000, (unsigned long long)st.accept_errors,
	              (unsigned long long)st.accepted);
	/* It accepted what it could, then paused instead of spinning. */
	assert_true(st.accept_errors >= 1);
	assert_true(st.accept_errors <= 15);
	assert_true(cpu < 0.3);
	/* Descriptors back: the queued connections are taken (all but
	 * per_ip closed at once), and the kubelet is served again. */
	for (i = 0; i < ATTACK_N; i++)
		if (a->fd[i] >= 0 && i % 2)
			close(a->fd[i]), a->fd[i] = -1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	probe_for(f, obs_http_port(f->http), 0.3);
	for (i = 0; i < ATTACK_N; i++)
		if (a->fd[i] >= 0)
			close(a->fd[i]);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_metrics_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_metrics_large, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_health_ready, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_found_and_methods, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ipv6_and_any, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slow_client, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connection_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_huge_headers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_abuse_idle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_abuse_slowloris, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_abuse_probes_server, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fd_limit, setup, teardown),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
