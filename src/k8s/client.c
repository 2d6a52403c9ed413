/*
 * The client: libcurl's multi interface on libev (curl_multi_socket_action
 * with CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION), and the bearer
 * token source. One request's life is in request.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "k8s/client_int.h"

uint32_t k8s_client_rand(struct k8s_client *c)
{
	/* xorshift64*: enough to spread retries, not for secrets. */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return (uint32_t)((c->rng * 2685821657736338717ull) >> 32);
}

int k8s_client_errno_from_curl(CURLcode res)
{
	switch (res) {
	case CURLE_OK:
		return 0;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_PEER_FAILED_VERIFICATION:
		return -EKEYREJECTED;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_USE_SSL_FAILED:
		return -EPROTO;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return -ECONNRESET;
	case CURLE_WRITE_ERROR:
		return -ENOBUFS;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* ---- libev <-> libcurl ---- */

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct k8s_sock *s = (struct k8s_sock *)w;
	struct k8s_client *c = s->c;
	int flags =
	    (revents & EV_READ ? CURL_CSELECT_IN : 0) | (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
	int running;

	curl_multi_socket_action(c->multi, s->fd, flags, &running);
	k8s_client_process(c);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct k8s_client *c = w->data;
	int running;

	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	k8s_client_process(c);
}

static int sock_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct k8s_client *c = userp;
	struct k8s_sock *s = socketp, **pp;
	int events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (!s)
			return 0;
		ev_io_stop(c->loop, &s->io);
		for (pp = &c->socks; *pp; pp = &(*pp)->next)
			if (*pp == s) {
				*pp = s->next;
				break;
			}
		curl_multi_assign(c->multi, fd, NULL);
		free(s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		s->c = c;
		s->fd = fd;
		s->next = c->socks;
		c->socks = s;
		ev_io_init(&s->io, io_cb, fd, events);
		curl_multi_assign(c->multi, fd, s);
	} else {
		ev_io_stop(c->loop, &s->io);
		ev_io_set(&s->io, fd, events);
	}
	ev_io_start(c->loop, &s->io);
	return 0;
}

static int curl_timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct k8s_client *c = userp;

	/* libcurl forbids calling socket_action from here: only arm a timer
	 * (0 ms runs it on the next loop iteration). */
	ev_timer_stop(c->loop, &c->timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&c->timer, (double)timeout_ms / 1000.0, 0.);
		ev_timer_start(c->loop, &c->timer);
	}
	return 0;
}

/* ---- token ---- */

static bool token_ok(const char *t)
{
	if (!t[0])
		return false;
	for (; *t; t++)
		if ((unsigned char)*t < 0x21 || (unsigned char)*t == 0x7f)
			return false; /* would break the header line */
	return true;
}

const char *k8s_client_token(struct k8s_client *c, bool force)
{
	uint64_t now = core_now_ms();
	char *text = NULL;
	size_t len;
	int rc;

	if (!c->cfg.token_file)
		return c->cfg.token;
	if (!force && c->token_read_once && now - c->token_read_ms < c->opts.token_reread_ms)
		return c->token ? c->token : c->cfg.token;
	c->token_read_ms = now;
	c->token_read_once = true;
	rc = k8s_read_file(c->cfg.token_file, 64 * 1024, &text, &len);
	if (rc == 0) {
		while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
		               text[len - 1] == ' ' || text[len - 1] == '\t'))
			text[--len] = '\0';
		if (!token_ok(text))
			rc = -EINVAL;
	}
	if (rc) {
		/* Keep the last good token: a rotation writes a new file
		 * atomically, so a failed read is rarely the final word. */
		log_warn("k8s: token file %s: %s; keeping the previous token", c->cfg.token_file,
		         strerror(-rc));
		free(text);
	} else if (!c->token || strcmp(c->token, text) != 0) {
		if (c->token)
			log_info("k8s: token file %s changed, using the new token",
			         c->cfg.token_file);
		free(c->token);
		c->token = text;
	} else {
		free(text);
	}
	return c->token ? c->token : c->cfg.token;
}

/* ---- lifecycle ---- */

static int dup_mem(char **dst, const char *src, size_t len)
{
	if (!src)
		return 0;
	*dst = malloc(len + 1);
	if (!*dst)
		return -ENOMEM;
	memcpy(*dst, src, len);
	(*dst)[len] = '\0';
	return 0;
}

static int copy_config(struct k8s_config *d, const struct k8s_config *s)
{
	int rc = 0;

	memset(d, 0, sizeof(*d));
	d->ca_len = s->ca_len;
	d->cert_len = s->cert_len;
	d->key_len = s->key_len;
	d->insecure = s->insecure;
	rc |= dup_mem(&d->server, s->server, s->server ? strlen(s->server) : 0);
	rc |= dup_mem(&d->ca_file, s->ca_file, s->ca_file ? strlen(s->ca_file) : 0);
	rc |= dup_mem(&d->ca_data, s->ca_data, s->ca_len);
	rc |= dup_mem(&d->token, s->token, s->token ? strlen(s->token) : 0);
	rc |= dup_mem(&d->token_file, s->token_file, s->token_file ? strlen(s->token_file) : 0);
	rc |= dup_mem(&d->cert_file, s->cert_file, s->cert_file ? strlen(s->cert_file) : 0);
	rc |= dup_mem(&d->cert_data, s->cert_data, s->cert_len);
	rc |= dup_mem(&d->key_file, s->key_file, s->key_file ? strlen(s->key_file) : 0);
	rc |= dup_mem(&d->key_data, s->key_data, s->key_len);
	rc |= dup_mem(&d->tls_server_name, s->tls_server_name,
	              s->tls_server_name ? strlen(s->tls_server_name) : 0);
	rc |= dup_mem(&d->ns, s->ns ? s->ns : "default", strlen(s->ns ? s->ns : "default"));
	return rc ? -ENOMEM : 0;
}

/*
 * tls-server-name: verify (and send as SNI) another name than the URL's
 * host. With libcurl that is the URL naming tls_server_name while
 * CURLOPT_CONNECT_TO sends the connection to the real host and port.
 */
static int setup_server(struct k8s_client *c, struct k8s_err *err)
{
	CURLU *u = NULL;
	char *host = NULL, *port = NULL, *url = NULL;
	int rc = -EINVAL;

	if (!c->cfg.tls_server_name) {
		c->base_url = strdup(c->cfg.server);
		return c->base_url ? 0 : -ENOMEM;
	}
	u = curl_url();
	if (!u || curl_url_set(u, CURLUPART_URL, c->cfg.server, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ||
	    curl_url_set(u, CURLUPART_HOST, c->cfg.tls_server_name, 0) ||
	    curl_url_get(u, CURLUPART_URL, &url, 0)) {
		snprintf(err->msg, sizeof(err->msg), "server %s: cannot apply tls-server-name %s",
		         c->cfg.server, c->cfg.tls_server_name);
		goto out;
	}
	/* curl_url_get puts a '/' path on a bare host. */
	if (url[0] && url[strlen(url) - 1] == '/')
		url[strlen(url) - 1] = '\0';
	c->base_url = strdup(url);
	if (asprintf(&c->connect_to, "::%s:%s", host, port) < 0)
		c->connect_to = NULL;
	rc = c->base_url && c->connect_to ? 0 : -ENOMEM;
out:
	curl_free(host);
	curl_free(port);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

int k8s_client_new(struct ev_loop *loop, const struct k8s_config *cfg,
                   const struct k8s_client_opts *opts, struct k8s_client **out, struct k8s_err *err)
{
	struct k8s_client *c;
	int rc = -ENOMEM;

	*out = NULL;
	err->msg[0] = '\0';
	if (!cfg->server) {
		snprintf(err->msg, sizeof(err->msg), "no server configured");
		return -EINVAL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err->msg, sizeof(err->msg), "libcurl initialisation failed");
		return -EIO;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->loop = loop;
	if (opts)
		c->opts = *opts;
	c->opts.user_agent = NULL;
	if (!c->opts.timeout_ms)
		c->opts.timeout_ms = 30000;
	if (!c->opts.connect_timeout_ms)
		c->opts.connect_timeout_ms = 10000;
	if (!c->opts.token_reread_ms)
		c->opts.token_reread_ms = 60000;
	if (!c->opts.max_retries)
		c->opts.max_retries = 3;
	c->user_agent = strdup(opts && opts->user_agent ? opts->user_agent : "berth");
	c->rng = (core_wall_ms() << 20) ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)c;
	if (!c->rng)
		c->rng = 1;
	ev_init(&c->timer, timer_cb);
	c->timer.data = c;
	if (!c->user_agent || copy_config(&c->cfg, cfg))
		goto fail;
	rc = setup_server(c, err);
	if (rc)
		goto fail;
	c->multi = curl_multi_init();
	if (!c->multi) {
		rc = -ENOMEM;
		goto fail;
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	if (c->cfg.token_file && !k8s_client_token(c, true) && !c->cfg.token)
		log_warn("k8s: no usable token in %s yet; requests go without one",
		         c->cfg.token_file);
	if (c->cfg.insecure)
		log_warn("k8s: TLS verification of %s is OFF (insecure-skip-tls-verify)",
		         c->cfg.server);
	*out = c;
	return 0;
fail:
	if (rc == -ENOMEM)
		snprintf(err->msg, sizeof(err->msg), "out of memory");
	k8s_client_free(c);
	return rc;
}

void k8s_client_free(struct k8s_client *c)
{
	if (!c)
		return;
	while (c->reqs)
		k8s_req_free(c->reqs);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	while (c->socks) {
		struct k8s_sock *s = c->socks;

		c->socks = s->next;
		ev_io_stop(c->loop, &s->io);
		free(s);
	}
	ev_timer_stop(c->loop, &c->timer);
	k8s_config_fini(&c->cfg);
	free(c->token);
	free(c->user_agent);
	free(c->base_url);
	free(c->connect_to);
	free(c);
	curl_global_cleanup();
}

struct ev_loop *k8s_client_loop(const struct k8s_client *c)
{
	return c->loop;
}

const char *k8s_client_namespace(const struct k8s_client *c)
{
	return c->cfg.ns;
}

unsigned k8s_client_pending(const struct k8s_client *c)
{
	return c->n_reqs;
}
