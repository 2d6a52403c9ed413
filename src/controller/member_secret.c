/*
 * The layer 2 heartbeat key's Secret (member_secret.h): which Secret, the
 * object created, the check of an existing one (pure), and the get-or-
 * create step with retries on the client's loop (impure).
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/member_secret.h"
#include "core/log.h"
#include "k8s/api.h"

/* Base64 of a 64-digit key and its newline, padded (RFC 4648 section 4). */
#define B64_MAX (4 * ((MEMBER_KEY_HEX + 1 + 2) / 3))

#define DEFAULT_INITIAL_MS 500
#define DEFAULT_MAX_MS     30000

/* ---- names (k8s.io/apimachinery/pkg/util/validation) ---- */

/* One part of an RFC 1123 name: [a-z0-9]([-a-z0-9]*[a-z0-9])? */
static bool dns_part_ok(const char *s, size_t n)
{
	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* IsDNS1123Label: what namespace names must be. */
static bool dns_label_ok(const char *s, size_t n)
{
	return n <= 63 && dns_part_ok(s, n);
}

/* IsDNS1123Subdomain: parts joined by dots, 253 bytes at most. */
static bool dns_subdomain_ok(const char *s, size_t n)
{
	size_t start = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!dns_part_ok(s + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}

int member_secret_ref_parse(const char *s, struct member_secret_ref *out)
{
	const char *slash;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!s)
		s = MEMBER_SECRET_NAME;
	if (strcmp(s, "none") == 0) {
		out->disabled = true;
		return 0;
	}
	slash = strchr(s, '/');
	if (slash) {
		n = (size_t)(slash - s);
		if (!dns_label_ok(s, n))
			return -EINVAL;
		memcpy(out->ns, s, n);
		s = slash + 1;
	}
	n = strlen(s);
	if (!dns_subdomain_ok(s, n))
		return -EINVAL;
	memcpy(out->name, s, n + 1);
	return 0;
}

/* ---- the object ---- */

int member_secret_build(const char *ns, const char *name, const uint8_t key[MEMBER_KEY_BYTES],
                        json_t **out)
{
	static const char digits[] = "0123456789abcdef";
	char hex[MEMBER_KEY_HEX + 1];
	unsigned char b64[B64_MAX + 1];

	*out = NULL;
	if (!ns || !name || !dns_label_ok(ns, strlen(ns)) || !dns_subdomain_ok(name, strlen(name)))
		return -EINVAL;
	for (size_t i = 0; i < MEMBER_KEY_BYTES; i++) {
		hex[2 * i] = digits[key[i] >> 4];
		hex[2 * i + 1] = digits[key[i] & 0xf];
	}
	hex[MEMBER_KEY_HEX] = '\0';
	/* Secret data is []byte, base64 in JSON; EVP_EncodeBlock writes
	 * standard padded base64 without newlines, NUL-terminated. */
	EVP_EncodeBlock(b64, (const unsigned char *)hex, MEMBER_KEY_HEX);
	*out = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s, s:s}}, s:s, s:{s:s}}", "apiVersion",
	                 "v1", "kind", "Secret", "metadata", "name", name, "namespace", ns,
	                 "labels", "app.kubernetes.io/name", "berth", "app.kubernetes.io/component",
	                 "memberlist", "app.kubernetes.io/managed-by", "berth-controller", "type",
	                 "Opaque", "data", MEMBER_SECRET_KEY, (const char *)b64);
	OPENSSL_cleanse(hex, sizeof(hex));
	OPENSSL_cleanse(b64, sizeof(b64));
	return *out ? 0 : -ENOMEM;
}

/* ---- an existing one ---- */

static int b64_decode(const char *in, size_t len, unsigned char *out, int *n)
{
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	int a = 0, b = 0, rc = -EBADMSG;

	if (!ctx)
		return -ENOMEM;
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, out, &a, (const unsigned char *)in, (int)len) >= 0 &&
	    EVP_DecodeFinal(ctx, out + a, &b) >= 0) {
		*n = a + b;
		rc = 0;
	}
	EVP_ENCODE_CTX_free(ctx);
	return rc;
}

int member_secret_check(const json_t *secret)
{
	const char *v =
	    json_string_value(json_object_get(json_object_get(secret, "data"), MEMBER_SECRET_KEY));
	unsigned char buf[B64_MAX];
	size_t len;
	int n = 0, rc;

	if (!v)
		return -ENOENT;
	len = strlen(v);
	/* Longer than 64 digits and a newline can be, base64 or not. */
	if (len > B64_MAX)
		return -EINVAL;
	if ((rc = b64_decode(v, len, buf, &n)))
		return rc;
	if (n == MEMBER_KEY_HEX + 1 && buf[MEMBER_KEY_HEX] == '\n')
		n--;
	rc = n == MEMBER_KEY_HEX ? 0 : -EINVAL;
	for (int i = 0; i < n && !rc; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f') ||
		      (buf[i] >= 'A' && buf[i] <= 'F')))
			rc = -EINVAL;
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

/* ---- get or create, on the loop ---- */

struct member_secret {
	struct k8s_client *c; /* borrowed */
	char ns[MEMBER_NS_MAX];
	char name[MEMBER_NAME_MAX];
	struct k8s_backoff bo;
	ev_timer retry;
	struct k8s_req *req; /* the GET or POST in flight, or NULL */
	unsigned attempts;
	bool done;
	void (*done_cb)(enum member_secret_outcome out, void *arg);
	void *arg;
};

static const char *const outcome_text[] = {
    [MEMBER_SECRET_FOUND] = "exists",
    [MEMBER_SECRET_CREATED] = "created with a new random key",
    [MEMBER_SECRET_RACED] = "created by another replica meanwhile",
};

/* What member_secret_check's answers mean. */
static const struct {
	int rc;
	const char *text;
} check_text[] = {
    {-ENOENT, "it has no data.key"},
    {-EBADMSG, "its data.key is not base64"},
    {-EINVAL, "its data.key is not 64 hex digits"},
};

static const char *check_why(int rc)
{
	for (size_t i = 0; i < sizeof(check_text) / sizeof(check_text[0]); i++)
		if (check_text[i].rc == rc)
			return check_text[i].text;
	return strerror(-rc);
}

static void finish(struct member_secret *m, enum member_secret_outcome out)
{
	m->done = true;
	log_info("controller: layer 2 key Secret %s/%s %s", m->ns, m->name, outcome_text[out]);
	if (m->done_cb)
		m->done_cb(out, m->arg);
}

/* Logs why, and starts again from the GET after the next backoff delay. */
static void failed(struct member_secret *m, const char *what, int rc, const struct k8s_status *st)
{
	uint32_t delay = k8s_backoff_next(&m->bo, k8s_client_rand(m->c));
	const char *why = st && st->message[0] ? st->message : strerror(-rc);
	char hint[160] = "";

	if (rc == -EPERM || rc == -EACCES)
		snprintf(hint, sizeof(hint),
		         " (RBAC: the controller needs get and create on secrets in namespace %s)",
		         m->ns);
	log_warn("controller: %s layer 2 key Secret %s/%s: %s%s; again in %.1f s", what, m->ns,
	         m->name, why, hint, delay / 1000.0);
	ev_timer_set(&m->retry, delay / 1000.0, 0.);
	ev_timer_start(k8s_client_loop(m->c), &m->retry);
}

static void on_create(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct member_secret *m = arg;

	m->req = NULL;
	if (rc == 0)
		finish(m, MEMBER_SECRET_CREATED);
	else if (rc == -EEXIST)
		finish(m, MEMBER_SECRET_RACED);
	else
		failed(m, "creating", rc, st);
}

static void create(struct member_secret *m)
{
	uint8_t key[MEMBER_KEY_BYTES];
	json_t *obj = NULL;
	int rc;

	if (RAND_bytes(key, sizeof(key)) != 1) {
		struct k8s_status st = {.message = "RAND_bytes: no random key"};

		failed(m, "creating", -EIO, &st);
		return;
	}
	rc = member_secret_build(m->ns, m->name, key, &obj);
	OPENSSL_cleanse(key, sizeof(key));
	if (!rc)
		rc = k8s_create(m->c, &k8s_res_secrets, m->ns, obj, on_create, m, &m->req);
	json_decref(obj);
	if (rc)
		failed(m, "creating", rc, NULL);
}

static void on_get(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct member_secret *m = arg;
	int bad;

	m->req = NULL;
	if (rc == -ENOENT) {
		create(m);
		return;
	}
	if (rc) {
		failed(m, "reading", rc, st);
		return;
	}
	/* Someone's own key stays, even one the speakers cannot read: say so
	 * loudly, since their heartbeats will not start. */
	if ((bad = member_secret_check(body)))
		log_warn(
		    "controller: layer 2 key Secret %s/%s: %s: the speakers cannot read it; fix "
		    "it (data.key: 64 hex digits) or delete it and restart a controller to get "
		    "a new one",
		    m->ns, m->name, check_why(bad));
	finish(m, MEMBER_SECRET_FOUND);
}

static void attempt(struct member_secret *m)
{
	int rc;

	m->attempts++;
	rc = k8s_get(m->c, &k8s_res_secrets, m->ns, m->name, on_get, m, &m->req);
	if (rc)
		failed(m, "reading", rc, NULL);
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	attempt(w->data);
}

int member_secret_new(struct k8s_client *c, const struct member_secret_opts *o,
                      struct member_secret **out)
{
	struct member_secret *m;

	*out = NULL;
	if (!o->ns || !o->name || !dns_label_ok(o->ns, strlen(o->ns)) ||
	    !dns_subdomain_ok(o->name, strlen(o->name)))
		return -EINVAL;
	if (!(m = calloc(1, sizeof(*m))))
		return -ENOMEM;
	m->c = c;
	snprintf(m->ns, sizeof(m->ns), "%s", o->ns);
	snprintf(m->name, sizeof(m->name), "%s", o->name);
	k8s_backoff_init(&m->bo, o->initial_ms ? o->initial_ms : DEFAULT_INITIAL_MS,
	                 o->max_ms ? o->max_ms : DEFAULT_MAX_MS, 2, 10);
	ev_init(&m->retry, retry_cb);
	m->retry.data = m;
	m->done_cb = o->done;
	m->arg = o->arg;
	*out = m;
	return 0;
}

int member_secret_start(struct member_secret *m)
{
	if (m->attempts)
		return -EALREADY;
	attempt(m); /* a GET that cannot even start is retried like one that failed */
	return 0;
}

bool member_secret_done(const struct member_secret *m)
{
	return m->done;
}

unsigned member_secret_attempts(const struct member_secret *m)
{
	return m->attempts;
}

void member_secret_free(struct member_secret *m)
{
	if (!m)
		return;
	k8s_request_cancel(m->req);
	ev_timer_stop(k8s_client_loop(m->c), &m->retry);
	free(m);
}
