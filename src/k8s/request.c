/*
 * One request's life: easy handle set-up (method, body, bearer token,
 * TLS), the answer collected or streamed, completion outside libcurl's
 * callbacks, and the resends (401 after a token rotation, 429 and
 * Retry-After).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "k8s/client_int.h"
#include "k8s/jcut.h"

static const char *const method_names[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "PATCH"};

/* Appends line to *h; on failure frees the whole list and returns false. */
static bool add_header(struct curl_slist **h, const char *line)
{
	struct curl_slist *t = curl_slist_append(*h, line);

	if (!t) {
		curl_slist_free_all(*h);
		*h = NULL;
		return false;
	}
	*h = t;
	return true;
}

static int set_headers(struct k8s_req *r)
{
	const char *token = k8s_client_token(r->c, false);
	struct curl_slist *h = NULL;
	char *line = NULL;
	bool ok;

	free(r->token_used);
	r->token_used = token ? strdup(token) : NULL;
	if (token && !r->token_used)
		return -ENOMEM;
	/* "Expect:" drops the 100-continue round trip before large bodies. */
	ok = add_header(&h, "Accept: application/json") && add_header(&h, "Expect:");
	if (ok && r->body)
		ok = add_header(&h, r->method == K8S_PATCH
		                        ? "Content-Type: application/merge-patch+json"
		                    : r->method == K8S_PATCH_STRATEGIC
		                        ? "Content-Type: application/strategic-merge-patch+json"
		                        : "Content-Type: application/json");
	if (ok && token) {
		if (asprintf(&line, "Authorization: Bearer %s", token) < 0)
			line = NULL;
		ok = line && add_header(&h, line);
		if (line) {
			explicit_bzero(line, strlen(line)); /* it held a credential */
			free(line);
		}
	}
	if (!ok) {
		curl_slist_free_all(h);
		return -ENOMEM;
	}
	curl_slist_free_all(r->headers);
	r->headers = h;
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, h);
	return 0;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct k8s_req *r = ud;
	size_t n = size * nmemb;

	if (!r->http_code)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->http_code);
	if (r->streaming && r->http_code >= 200 && r->http_code < 300) {
		/* Handed to on_data by k8s_client_process, after libcurl
		 * returns: user code must not run inside libcurl callbacks.
		 * libcurl keeps a paused chunk and gives it again on resume. */
		/* Before the append that would pass HIGH, not after: the
		 * buffer then never doubles past it (a 256 kB buffer and its
		 * 128 kB predecessor were the top of a speaker's heap). */
		if (buf_len(&r->pend) && buf_len(&r->pend) + n > K8S_STREAM_HIGH) {
			r->paused = true;
			return CURL_WRITEFUNC_PAUSE;
		}
		if (buf_append(&r->pend, p, n))
			return 0;
		return n;
	}
	if (r->discard && r->http_code >= 200 && r->http_code < 300)
		return n;
	return buf_append(&r->resp, p, n) ? 0 : n;
}

void k8s_request_discard_body(struct k8s_req *r)
{
	r->discard = true;
}

void k8s_request_cut_items(struct k8s_req *r, const char *const *members, size_t n)
{
	r->cut = members;
	r->n_cut = n;
}

/* The answer, with k8s_request_cut_items's members read as null. */
static json_t *decode_body(const struct k8s_req *r, json_error_t *jerr)
{
	struct k8s_jcut jc;
	json_t *body;

	k8s_jcut_init(&jc);
	body = k8s_jcut_decode(&jc, (const char *)buf_head(&r->resp), buf_len(&r->resp),
	                       K8S_JCUT_LIST, r->cut, r->n_cut, jerr);
	k8s_jcut_fini(&jc);
	return body;
}

static int setup_easy(struct k8s_req *r, const char *path)
{
	struct k8s_client *c = r->c;
	const struct k8s_config *cfg = &c->cfg;
	char *url = NULL;
	CURL *e;
	int rc = -ENOMEM;

	r->easy = e = curl_easy_init();
	if (!e || asprintf(&url, "%s%s", c->base_url, path) < 0) {
		url = NULL;
		goto out;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* libcurl 7.88 gives every transfer a 64 kB upload buffer; the
	 * bodies sent here are a few kB (the minimum is 16 kB). Its receive
	 * buffer, 16 kB, lives as long as the transfer: a watch holds it for
	 * minutes, mostly idle, one per informer; 4 kB hold a watch event
	 * or two, and a list page is read in more, smaller pieces. */
	curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 4096L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->opts.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 10L);
	if (!r->streaming)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->opts.timeout_ms);
	if (c->connect_to) {
		struct curl_slist *ct = curl_slist_append(NULL, c->connect_to);

		if (!ct)
			goto out;
		r->connect_to = ct; /* libcurl borrows it */
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, ct);
	}
	if (cfg->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (cfg->ca_data) {
		struct curl_blob b = {cfg->ca_data, cfg->ca_len, CURL_BLOB_NOCOPY};
		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
	} else if (cfg->ca_file) {
		curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file);
	}
	if (cfg->cert_data) {
		struct curl_blob b = {cfg->cert_data, cfg->cert_len, CURL_BLOB_NOCOPY};
		curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &b);
	} else if (cfg->cert_file) {
		curl_easy_setopt(e, CURLOPT_SSLCERT, cfg->cert_file);
	}
	if (cfg->key_data) {
		struct curl_blob b = {cfg->key_data, cfg->key_len, CURL_BLOB_NOCOPY};
		curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &b);
	} else if (cfg->key_file) {
		curl_easy_setopt(e, CURLOPT_SSLKEY, cfg->key_file);
	}
	switch (r->method) {
	case K8S_GET:
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
		break;
	case K8S_DELETE:
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
		break;
	default:
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method_names[r->method]);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
		break;
	}
	rc = set_headers(r);
out:
	free(url);
	return rc;
}

static int req_submit(struct k8s_req *r)
{
	r->http_code = 0;
	buf_reset(&r->resp);
	buf_reset(&r->pend);
	r->paused = false;
	r->errbuf[0] = '\0';
	if (curl_multi_add_handle(r->c->multi, r->easy) != CURLM_OK)
		return -EIO;
	r->in_multi = true;
	return 0;
}

static int req_new(struct k8s_client *c, enum k8s_method m, const char *path, const json_t *body,
                   bool streaming, k8s_data_fn on_data, k8s_done_fn done, void *arg,
                   struct k8s_req **out)
{
	struct k8s_req *r;
	int rc = -ENOMEM;

	if (out)
		*out = NULL;
	if ((unsigned)m > K8S_PATCH_STRATEGIC || !path || path[0] != '/' || !done)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->c = c;
	r->method = m;
	r->streaming = streaming;
	r->on_data = on_data;
	r->done = done;
	r->arg = arg;
	buf_init(&r->resp, K8S_BODY_MAX);
	buf_init(&r->pend, K8S_STREAM_MAX);
	ev_init(&r->retry, NULL);
	r->next = c->reqs;
	if (c->reqs)
		c->reqs->prev = r;
	c->reqs = r;
	c->n_reqs++;
	if (body) {
		r->body = json_dumps(body, JSON_COMPACT);
		if (!r->body)
			goto fail;
		r->body_len = strlen(r->body);
	}
	rc = setup_easy(r, path);
	if (!rc)
		rc = req_submit(r);
	if (rc)
		goto fail;
	if (out)
		*out = r;
	return 0;
fail:
	k8s_req_free(r);
	return rc;
}

void k8s_req_free(struct k8s_req *r)
{
	struct k8s_client *c = r->c;

	if (r->in_multi)
		curl_multi_remove_handle(c->multi, r->easy);
	ev_timer_stop(c->loop, &r->retry);
	if (r->easy)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	curl_slist_free_all(r->connect_to);
	if (r->prev)
		r->prev->next = r->next;
	else
		c->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	c->n_reqs--;
	buf_fini(&r->resp);
	buf_fini(&r->pend);
	free(r->body);
	if (r->token_used)
		explicit_bzero(r->token_used, strlen(r->token_used));
	free(r->token_used);
	free(r);
}

int k8s_request(struct k8s_client *c, enum k8s_method m, const char *path, const json_t *body,
                k8s_done_fn cb, void *arg, struct k8s_req **out)
{
	return req_new(c, m, path, body, false, NULL, cb, arg, out);
}

int k8s_stream(struct k8s_client *c, const char *path, k8s_data_fn on_data, k8s_done_fn done,
               void *arg, struct k8s_req **out)
{
	if (!on_data)
		return -EINVAL;
	return req_new(c, K8S_GET, path, NULL, true, on_data, done, arg, out);
}

void k8s_request_cancel(struct k8s_req *r)
{
	if (!r)
		return;
	if (r->in_cb) {
		r->cancelled = true; /* freed when its callback returns */
		return;
	}
	k8s_req_free(r);
}

/* Calls done and frees r. */
static void complete(struct k8s_req *r, int rc, json_t *body, const struct k8s_status *st)
{
	if (r->in_multi) {
		curl_multi_remove_handle(r->c->multi, r->easy);
		r->in_multi = false;
	}
	r->in_cb = true;
	r->done(rc, body, rc ? st : NULL, r->arg);
	k8s_req_free(r);
}

/* Gives pending stream bytes to on_data. Returns false when r is gone. */
static bool dispatch(struct k8s_req *r)
{
	struct k8s_status st = {0};
	int rc;

	if (!buf_len(&r->pend))
		return true;
	r->in_cb = true;
	rc = r->on_data((const char *)buf_head(&r->pend), buf_len(&r->pend), r->arg);
	r->in_cb = false;
	buf_reset(&r->pend);
	buf_trim(&r->pend, K8S_STREAM_KEEP);
	if (r->cancelled) {
		k8s_req_free(r);
		return false;
	}
	if (rc < 0) {
		snprintf(st.message, sizeof(st.message), "stream ended by its consumer: %s",
		         strerror(-rc));
		complete(r, rc, NULL, &st);
		return false;
	}
	if (r->paused) {
		/* May call on_write at once with the kept chunk (it only
		 * appends); k8s_client_process then dispatches again. */
		r->paused = false;
		curl_easy_pause(r->easy, CURLPAUSE_CONT);
	}
	return true;
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct k8s_req *r = w->data;
	struct k8s_status st = {0};
	int rc = set_headers(r);

	if (!rc)
		rc = req_submit(r);
	if (rc) {
		snprintf(st.message, sizeof(st.message), "cannot resend: %s", strerror(-rc));
		complete(r, rc, NULL, &st);
	}
}

/* Whether to send again: 401 once after the token changed; 429 and
 * Retry-After answers up to max_retries (client-go's checkWait). */
static bool resend(struct k8s_req *r, long code)
{
	struct k8s_client *c = r->c;
	curl_off_t after = -1;
	const char *tok;

	if (code == 401 && c->cfg.token_file && !r->retried_401) {
		tok = k8s_client_token(c, true);
		r->retried_401 = true;
		if (!tok || (r->token_used && strcmp(tok, r->token_used) == 0))
			return false;
		log_info("k8s: 401 with an old token; sending again with the new one");
		after = 0;
	} else if (code == 429 || code >= 500) {
		struct curl_header *h;

		/* CURLINFO_RETRY_AFTER reads 0, not -1, when the header is
		 * absent: only a present header is a request to retry. */
		if (curl_easy_header(r->easy, "Retry-After", 0, CURLH_HEADER, -1, &h) == CURLHE_OK)
			curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &after);
		if (code == 429 && after < 0)
			after = 1;
		if (after < 0 || r->retries >= c->opts.max_retries)
			return false;
		if (after > 60)
			after = 60;
		r->retries++;
	} else {
		return false;
	}
	curl_multi_remove_handle(c->multi, r->easy);
	r->in_multi = false;
	ev_timer_init(&r->retry, retry_cb, (double)after, 0.);
	r->retry.data = r;
	ev_timer_start(c->loop, &r->retry);
	return true;
}

static void finish(struct k8s_req *r, CURLcode res)
{
	struct k8s_status st = {0};
	json_t *body = NULL;
	long code = 0;
	int rc;

	if (r->streaming && !dispatch(r))
		return;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	if (res != CURLE_OK) {
		rc = k8s_client_errno_from_curl(res);
		snprintf(st.message, sizeof(st.message), "%s",
		         r->errbuf[0] ? r->errbuf : curl_easy_strerror(res));
		complete(r, rc, NULL, &st);
		return;
	}
	if (code < 200 || code >= 300) {
		if (resend(r, code))
			return;
		rc = k8s_status_decode((int)code, (const char *)buf_head(&r->resp),
		                       buf_len(&r->resp), &st);
		complete(r, rc, NULL, &st);
		return;
	}
	if (!r->streaming && buf_len(&r->resp)) {
		json_error_t jerr;

		body = decode_body(r, &jerr);
		if (!body) {
			st.code = (int)code;
			snprintf(st.message, sizeof(st.message), "answer is not JSON: %s",
			         jerr.text);
			complete(r, -EBADMSG, NULL, &st);
			return;
		}
	}
	complete(r, 0, body, NULL);
	json_decref(body);
}

void k8s_client_process(struct k8s_client *c)
{
	struct k8s_req *r;
	CURLMsg *msg;
	int left;
	bool again = true;

	/* Stream bytes first, then completions; every user callback can
	 * start or cancel any request, so rescan from the list head. */
	while (again) {
		again = false;
		for (r = c->reqs; r; r = r->next) {
			if (r->streaming && buf_len(&r->pend) && !r->in_cb) {
				dispatch(r);
				again = true;
				break;
			}
		}
	}
	while ((msg = curl_multi_info_read(c->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		/* msg dies with curl_multi_remove_handle: read it first. */
		CURLcode res = msg->data.result;

		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &r);
		curl_multi_remove_handle(c->multi, r->easy);
		r->in_multi = false;
		finish(r, res);
	}
}
