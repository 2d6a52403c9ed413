/*
 * Watch stream parser: newline-delimited JSON events, split anywhere
 * over reads (the server flushes one chunk per event, but TLS records,
 * proxies and TCP cut where they like). Pure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/api.h"
#include "k8s/watch.h"

static const char *const wev_names[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};

const char *k8s_wev_name(enum k8s_wev t)
{
	return (unsigned)t < sizeof(wev_names) / sizeof(wev_names[0]) ? wev_names[t] : "?";
}

void k8s_wstream_init(struct k8s_wstream *ws, size_t max_line)
{
	memset(ws, 0, sizeof(*ws));
	ws->max_line = max_line ? max_line : K8S_WSTREAM_MAX_LINE;
	k8s_jcut_init(&ws->jc);
}

void k8s_wstream_fini(struct k8s_wstream *ws)
{
	free(ws->buf);
	k8s_jcut_fini(&ws->jc);
	memset(ws, 0, sizeof(*ws));
}

void k8s_wstream_reset(struct k8s_wstream *ws)
{
	ws->len = 0;
	ws->error = 0;
	ws->why[0] = '\0';
}

static int fail(struct k8s_wstream *ws, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct k8s_wstream *ws, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ws->why, sizeof(ws->why), fmt, ap);
	va_end(ap);
	ws->error = rc;
	ws->len = 0;
	return rc;
}

static int append(struct k8s_wstream *ws, const char *data, size_t n)
{
	if (ws->len + n > ws->cap) {
		size_t cap = ws->cap ? ws->cap : 4096;
		char *p;

		while (cap < ws->len + n)
			cap *= 2;
		if (cap > ws->max_line)
			cap = ws->max_line;
		p = realloc(ws->buf, cap);
		if (!p)
			return fail(ws, -ENOMEM, "out of memory");
		ws->buf = p;
		ws->cap = cap;
	}
	memcpy(ws->buf + ws->len, data, n);
	ws->len += n;
	return 0;
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* "Service default/web" or "" when the object says too little. */
static void describe(const json_t *obj, char *buf, size_t size)
{
	const char *kind = k8s_obj_kind(obj), *ns = k8s_obj_namespace(obj);
	const char *name = k8s_obj_name(obj);

	snprintf(buf, size, "%s%s%s%s%s%s", kind ? " for " : "", kind ? kind : "",
	         name ? (kind ? " " : " for ") : "", ns && name ? ns : "", ns && name ? "/" : "",
	         name ? name : "");
}

static int one_line(struct k8s_wstream *ws, const char *p, size_t n, k8s_wev_fn cb, void *arg)
{
	json_error_t jerr;
	json_t *ev, *obj;
	const char *type;
	char who[160];
	int t = -1, rc;

	if (blank(p, n))
		return 0;
	ev = k8s_jcut_decode(&ws->jc, p, n, K8S_JCUT_EVENT, ws->cut, ws->n_cut, &jerr);
	if (!ev)
		return fail(ws, -EBADMSG, "event is not JSON: %s (column %d)", jerr.text,
		            jerr.column);
	type = json_string_value(json_object_get(ev, "type"));
	obj = json_object_get(ev, "object");
	describe(obj, who, sizeof(who));
	if (!json_is_object(ev) || !type) {
		rc = fail(ws, -EBADMSG, "event without a type%s", who);
		goto out;
	}
	for (size_t i = 0; i < sizeof(wev_names) / sizeof(wev_names[0]); i++)
		if (strcmp(type, wev_names[i]) == 0)
			t = (int)i;
	if (t < 0) {
		rc = fail(ws, -EBADMSG, "unknown event type \"%.32s\"%s", type, who);
		goto out;
	}
	if (!json_is_object(obj)) {
		rc = fail(ws, -EBADMSG, "%s event without an object", type);
		goto out;
	}
	/* A BOOKMARK carries only metadata.resourceVersion; without it the
	 * event means nothing and the stream cannot be trusted. */
	if (t == K8S_WEV_BOOKMARK && !k8s_obj_rv(obj)) {
		rc = fail(ws, -EBADMSG, "BOOKMARK without metadata.resourceVersion%s", who);
		goto out;
	}
	rc = cb((enum k8s_wev)t, obj, arg);
out:
	json_decref(ev);
	return rc;
}

int k8s_wstream_feed(struct k8s_wstream *ws, const char *data, size_t len, k8s_wev_fn cb, void *arg)
{
	int rc;

	if (ws->error)
		return ws->error;
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;

		if (ws->len + take > ws->max_line)
			return fail(ws, -EMSGSIZE, "event longer than %zu bytes", ws->max_line);
		if (!nl)
			return append(ws, data, len);
		if (ws->len == 0) {
			/* The usual case, a whole line in one read: no copy. */
			rc = one_line(ws, data, take, cb, arg);
		} else {
			rc = append(ws, data, take);
			if (rc)
				return rc;
			rc = one_line(ws, ws->buf, ws->len, cb, arg);
			if (!ws->error)
				ws->len = 0;
			/* A long line (an Eip listing 10,000 addresses) is
			 * rare: its buffer is not kept for the next. */
			if (!ws->error && ws->cap > K8S_WSTREAM_KEEP) {
				free(ws->buf);
				ws->buf = NULL;
				ws->cap = 0;
			}
		}
		if (rc)
			return rc;
		data += take + 1;
		len -= take + 1;
	}
	return 0;
}

int k8s_wstream_finish(struct k8s_wstream *ws)
{
	if (ws->error)
		return ws->error;
	if (ws->len && !blank(ws->buf, ws->len))
		return fail(ws, -EBADMSG, "stream ended inside an event (%zu bytes)", ws->len);
	ws->len = 0;
	return 0;
}
