/*
 * Internals shared by client.c (libcurl multi + libev glue, credentials)
 * and request.c (one request's life). Not for other modules.
 */
#ifndef BERTH_K8S_CLIENT_INT_H
#define BERTH_K8S_CLIENT_INT_H

#include <curl/curl.h>
#include <stdbool.h>

#include "core/buf.h"
#include "k8s/client.h"

/* Bodies above these are refused (-ENOBUFS): a list of every Service in
 * a big cluster stays far below; a runaway answer does not eat memory. */
#define K8S_BODY_MAX   (256u * 1024 * 1024)
#define K8S_STREAM_MAX (64u * 1024 * 1024)
/* A stream's bytes waiting for on_data: past HIGH the transfer pauses
 * until they are handed on (libcurl reads up to ~1.6 MB per socket action
 * otherwise, and a burst of 10,000 watch events held 4 MB here); a buffer
 * grown past KEEP is given back once drained. */
#define K8S_STREAM_HIGH (64u * 1024)
#define K8S_STREAM_KEEP (16u * 1024)

struct k8s_sock {
	ev_io io;
	curl_socket_t fd;
	struct k8s_client *c;
	struct k8s_sock *next; /* c->socks */
};

struct k8s_client {
	struct ev_loop *loop;   /* borrowed */
	CURLM *multi;           /* owned */
	ev_timer timer;         /* libcurl's timeout */
	struct k8s_sock *socks; /* owned list */
	struct k8s_req *reqs;   /* owned list of live requests */
	unsigned n_reqs;
	struct k8s_client_opts opts;
	char *user_agent;       /* owned */
	char *base_url;         /* owned: server, host replaced by tls_server_name if set */
	char *connect_to;       /* owned "::host:port" or NULL (tls_server_name) */
	struct k8s_config cfg;  /* owned copy */
	char *token;            /* owned: current token from token_file, or NULL */
	uint64_t token_read_ms; /* when token_file was last read (mono) */
	bool token_read_once;
	uint64_t rng; /* xorshift state */
};

struct k8s_req {
	struct k8s_client *c;
	struct k8s_req *prev, *next;   /* c->reqs */
	CURL *easy;                    /* owned */
	struct curl_slist *headers;    /* owned */
	struct curl_slist *connect_to; /* owned: CURLOPT_CONNECT_TO list, or NULL */
	enum k8s_method method;
	char *body; /* owned request body (JSON), or NULL */
	size_t body_len;
	bool streaming;
	bool paused;            /* on_write paused the transfer (K8S_STREAM_HIGH) */
	bool discard;           /* k8s_request_discard_body */
	const char *const *cut; /* borrowed: k8s_request_cut_items */
	size_t n_cut;
	k8s_done_fn done;
	k8s_data_fn on_data;
	void *arg;
	struct buf resp; /* answer body (or the error body of a stream) */
	struct buf pend; /* stream bytes not yet given to on_data */
	long http_code;  /* 0 until the first body byte */
	bool in_multi, in_cb, cancelled;
	bool retried_401;
	unsigned retries;
	ev_timer retry;   /* waiting for Retry-After */
	char *token_used; /* owned copy of the bearer token sent */
	char errbuf[CURL_ERROR_SIZE];
};

/* client.c */
const char *k8s_client_token(struct k8s_client *c, bool force);
int k8s_client_errno_from_curl(CURLcode res);

/* request.c */
void k8s_client_process(struct k8s_client *c);
void k8s_req_free(struct k8s_req *r);

#endif
