/*
 * The Secret holding the layer 2 speakers' shared heartbeat key (issue
 * 12). Speakers sign their UDP heartbeats with HMAC-SHA256 under one key
 * that every speaker must share; they read it from the Secret mounted as a
 * file (`berth speaker --member-key-file`): data.key, 64 lowercase hex
 * digits. So that a fresh install gives every speaker the same random key
 * with nothing for the user to do, every controller replica (leader or
 * not) ensures the Secret exists at start-up:
 *   GET it; when it is missing (404) POST one with a new key from
 *   OpenSSL's RAND_bytes; 409 AlreadyExists means another replica was
 *   first, which is as good; any other failure is logged and the whole
 *   step (from the GET) retried with backoff.
 * An existing Secret is never changed: a user may have put their own key
 * there (one that speakers cannot read is reported, not replaced).
 *
 * member_secret_ref_parse, member_secret_build and member_secret_check are
 * pure; member_secret_new/_start run the step on the client's loop.
 */
#ifndef BERTH_CONTROLLER_MEMBER_SECRET_H
#define BERTH_CONTROLLER_MEMBER_SECRET_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "k8s/client.h"

#define MEMBER_SECRET_NAME "berth-memberlist"
#define MEMBER_SECRET_KEY  "key" /* the entry of data, and the mounted file's name */
#define MEMBER_KEY_BYTES   32    /* HMAC-SHA256 key (RFC 2104 section 3: L bytes) */
#define MEMBER_KEY_HEX     (2 * MEMBER_KEY_BYTES)
#define MEMBER_NS_MAX      64  /* a DNS-1123 label and its NUL */
#define MEMBER_NAME_MAX    254 /* a DNS-1123 subdomain and its NUL */

/* Which Secret: --member-secret. */
struct member_secret_ref {
	bool disabled;              /* "none" */
	char ns[MEMBER_NS_MAX];     /* "" for the controller's own namespace */
	char name[MEMBER_NAME_MAX]; /* MEMBER_SECRET_NAME unless told */
};

/*
 * Parses "NS/NAME", "NAME" (in the controller's namespace) or "none"; s
 * NULL is the default (MEMBER_SECRET_NAME in the controller's namespace).
 * NS must be a DNS-1123 label and NAME a DNS-1123 subdomain, as the API
 * server requires (ValidateNamespaceName, ValidateSecretName). Returns 0
 * or -EINVAL.
 */
int member_secret_ref_parse(const char *s, struct member_secret_ref *out);

/*
 * The Secret to create: v1 Secret ns/name, type Opaque, berth's labels,
 * data.key the base64 (RFC 4648 section 4) of key as 64 lowercase hex
 * digits, with no newline. Returns 0 with *out (caller owns), -EINVAL for
 * a bad ns or name, -ENOMEM.
 */
int member_secret_build(const char *ns, const char *name, const uint8_t key[MEMBER_KEY_BYTES],
                        json_t **out);

/*
 * Checks an existing Secret's data.key as the speakers read the mounted
 * file: exactly 64 hex digits, optionally one trailing newline. Returns 0,
 * -ENOENT (no data.key), -EBADMSG (not base64) or -EINVAL (not such
 * digits).
 */
int member_secret_check(const json_t *secret);

/* ---- the step on the loop ---- */

enum member_secret_outcome {
	MEMBER_SECRET_FOUND = 0, /* it existed (left as it was) */
	MEMBER_SECRET_CREATED,   /* this replica created it */
	MEMBER_SECRET_RACED,     /* 409 AlreadyExists: another replica created it */
};

struct member_secret_opts {
	const char *ns;   /* copied; required */
	const char *name; /* copied; required */
	/* Retry backoff (k8s_backoff, factor 2, 10% jitter); 0: 500 ms up to
	 * 30 s, as client-go's informers back off. */
	uint32_t initial_ms, max_ms;
	/* Optional: the Secret exists. Called once, from the loop; it must
	 * not free m. */
	void (*done)(enum member_secret_outcome out, void *arg);
	void *arg;
};

struct member_secret;

/* c: borrowed, must outlive m. Returns 0 with *out (caller owns), -EINVAL
 * (missing or bad ns or name), -ENOMEM. */
int member_secret_new(struct k8s_client *c, const struct member_secret_opts *o,
                      struct member_secret **out);
/* Starts the GET (one that cannot start is retried like one that
 * failed). Returns 0, or -EALREADY when started before. */
int member_secret_start(struct member_secret *m);
/* True once the Secret is known to exist. */
bool member_secret_done(const struct member_secret *m);
/* GETs started so far (1 + retries). */
unsigned member_secret_attempts(const struct member_secret *m);
/* Cancels whatever is in flight; no callbacks after. m may be NULL. */
void member_secret_free(struct member_secret *m);

#endif
