/*
 * Kubernetes API client on a libev loop: libcurl's multi interface driven
 * by curl_multi_socket_action from libev io and timer watchers, so one
 * thread runs any number of requests and watch streams next to BGP.
 *
 * Every call is asynchronous: the completion callback runs later from the
 * loop, never from inside the call that started the request, and never
 * from inside a libcurl callback (so it may start or cancel requests).
 * Callbacks must not free the client.
 *
 * Authentication: a bearer token (static, or a file re-read at most every
 * token_reread_ms and after any 401, since bound service-account tokens
 * rotate; a request refused with 401 is sent once more when the re-read
 * token differs) and/or a client certificate. TLS verifies the server
 * against the configured CA (the system store when none is given).
 *
 * Answers with 429, or 5xx carrying Retry-After, are retried after that
 * delay (at most max_retries times), as client-go's rest client does.
 */
#ifndef BERTH_K8S_CLIENT_H
#define BERTH_K8S_CLIENT_H

#include <ev.h>
#include <jansson.h>
#include <stdint.h>

#include "k8s/api.h"
#include "k8s/config.h"

struct k8s_client;
struct k8s_req;

struct k8s_client_opts {
	uint32_t timeout_ms;         /* whole request, not streams; default 30000 */
	uint32_t connect_timeout_ms; /* default 10000 */
	uint32_t token_reread_ms;    /* default 60000 */
	uint32_t max_retries;        /* on 429/Retry-After; default 3 */
	const char *user_agent;      /* borrowed during _new; default "berth" */
};

/* loop: borrowed, must outlive the client. cfg: copied. opts may be NULL.
 * Returns 0 with *out set, or a negative errno (err says why). */
int k8s_client_new(struct ev_loop *loop, const struct k8s_config *cfg,
                   const struct k8s_client_opts *opts, struct k8s_client **out,
                   struct k8s_err *err);
/* Cancels every request (their callbacks are not called). c may be NULL. */
void k8s_client_free(struct k8s_client *c);

struct ev_loop *k8s_client_loop(const struct k8s_client *c);
/* The configuration's namespace (borrowed). */
const char *k8s_client_namespace(const struct k8s_client *c);
/* Number of requests in flight (tests use it to wait for quiet). */
unsigned k8s_client_pending(const struct k8s_client *c);

/* Randomness for the impure layers built on the client: a 32-bit
 * random number for backoff jitter (not for secrets). Clocks: core/clock.h. */
uint32_t k8s_client_rand(struct k8s_client *c);

/* K8S_PATCH_STRATEGIC: PATCH with a strategic merge patch (built-in kinds
 * only; lists merge by their patchMergeKey). */
enum k8s_method { K8S_GET = 0, K8S_POST, K8S_PUT, K8S_PATCH, K8S_DELETE, K8S_PATCH_STRATEGIC };

/*
 * Completion. rc 0: body is the parsed JSON answer (NULL when empty),
 * borrowed for the call (json_incref to keep it); st NULL. rc < 0: body
 * NULL, st says why (code 0 for transport errors: -ECONNREFUSED,
 * -ETIMEDOUT, -ECONNRESET, -EKEYREJECTED for a server certificate that
 * does not verify, -EPROTO, -EIO). st: borrowed for the call.
 */
typedef void (*k8s_done_fn)(int rc, json_t *body, const struct k8s_status *st, void *arg);

/*
 * Starts a request. path: "/api/v1/..." with any query (k8s_path,
 * k8s_query_add). body: borrowed, serialized now; NULL for none. PATCH
 * sends application/merge-patch+json (RFC 7386). out: optional, the
 * handle for k8s_request_cancel, valid until cb has returned.
 */
int k8s_request(struct k8s_client *c, enum k8s_method m, const char *path, const json_t *body,
                k8s_done_fn cb, void *arg, struct k8s_req **out);

/*
 * A streaming GET (a watch): on_data gets the body's bytes as they come,
 * outside libcurl callbacks; return 0 to go on, or a negative errno to
 * end the stream, which then completes with that rc. done: the end
 * (rc 0: the server closed the stream cleanly). A non-2xx answer goes
 * to done as an error and never to on_data. No overall timeout: the
 * server ends watches (timeoutSeconds); idle connections are probed with
 * TCP keepalives.
 */
typedef int (*k8s_data_fn)(const char *data, size_t len, void *arg);
int k8s_stream(struct k8s_client *c, const char *path, k8s_data_fn on_data, k8s_done_fn done,
               void *arg, struct k8s_req **out);

/* A successful answer's body is dropped as it arrives, and cb gets NULL:
 * for writes whose echo of the whole object is not needed (an Eip's
 * status lists every address it gave: hundreds of KB at 10,000 Services).
 * Error answers still carry their Status. */
void k8s_request_discard_body(struct k8s_req *r);
/* The answer is a list: members (borrowed, must outlive r; k8s/jcut.h)
 * of each item are read as null, not decoded. */
void k8s_request_cut_items(struct k8s_req *r, const char *const *members, size_t n);

/* Stops a request; its callbacks are not called. Allowed from any
 * callback, also the request's own on_data. */
void k8s_request_cancel(struct k8s_req *r);

/* ---- Typed helpers: paths built with k8s_path (-EINVAL for bad names) ---- */

int k8s_get(struct k8s_client *c, const struct k8s_resource *r, const char *ns, const char *name,
            k8s_done_fn cb, void *arg, struct k8s_req **out);
/* obj: borrowed. ns NULL: the object's metadata.namespace. */
int k8s_create(struct k8s_client *c, const struct k8s_resource *r, const char *ns,
               const json_t *obj, k8s_done_fn cb, void *arg, struct k8s_req **out);
/* PUT of obj (with its metadata.resourceVersion for optimistic
 * concurrency) to the object or its subresource sub (NULL or "status"). */
int k8s_replace(struct k8s_client *c, const struct k8s_resource *r, const char *ns,
                const char *name, const char *sub, const json_t *obj, k8s_done_fn cb, void *arg,
                struct k8s_req **out);
/* JSON merge patch (RFC 7386). */
int k8s_patch(struct k8s_client *c, const struct k8s_resource *r, const char *ns, const char *name,
              const char *sub, const json_t *patch, k8s_done_fn cb, void *arg,
              struct k8s_req **out);
int k8s_delete(struct k8s_client *c, const struct k8s_resource *r, const char *ns, const char *name,
               k8s_done_fn cb, void *arg, struct k8s_req **out);

/*
 * Read-modify-write with retry on 409 Conflict (client-go's
 * retry.RetryOnConflict): GET the object, let mutate change it, PUT it
 * back (to sub when set, e.g. "status"); on Conflict wait (10 ms, x5,
 * +10% jitter) and start again from a fresh GET, at most max_attempts
 * times (0: 5).
 *
 * mutate: obj is the fresh object, owned by the update, to change in
 * place; return 0 to write it, 1 when nothing needs writing (done gets
 * rc 0 and the object), or a negative errno to give up with it. done gets
 * the written object on success. The update ends with done, or
 * k8s_update_cancel (no callbacks after it).
 */
typedef int (*k8s_mutate_fn)(json_t *obj, void *arg);
struct k8s_update;

struct k8s_update_opts {
	const struct k8s_resource *res; /* borrowed, must outlive the update */
	const char *ns;                 /* copied */
	const char *name;               /* copied */
	const char *sub;                /* copied; NULL for the object itself */
	uint32_t max_attempts;
	k8s_mutate_fn mutate;
	void *mutate_arg;
	k8s_done_fn done;
	void *done_arg;
};

int k8s_update_retry(struct k8s_client *c, const struct k8s_update_opts *o,
                     struct k8s_update **out);
/* k8s_update_retry on the "status" subresource. */
int k8s_status_update(struct k8s_client *c, const struct k8s_resource *r, const char *ns,
                      const char *name, k8s_mutate_fn mutate, void *marg, k8s_done_fn done,
                      void *darg, struct k8s_update **out);
void k8s_update_cancel(struct k8s_update *u);

#endif
