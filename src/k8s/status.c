/*
 * metav1.Status -> errno and a printable reason. Pure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "k8s/api.h"

int k8s_status_errno(int code, const char *reason)
{
	if (code >= 200 && code < 300)
		return 0;
	switch (code) {
	case 400:
	case 422:
		return -EINVAL;
	case 401:
		return -EACCES;
	case 403:
		return -EPERM;
	case 404:
		return -ENOENT;
	case 405:
		return -EOPNOTSUPP;
	case 409:
		/* One code, two meanings: the name is taken, or the write was
		 * based on a stale resourceVersion (optimistic concurrency). */
		if (reason && strcmp(reason, "AlreadyExists") == 0)
			return -EEXIST;
		return -ESTALE;
	case 410:
		return -ENODATA;
	case 413:
		return -E2BIG;
	case 415:
		return -EPROTONOSUPPORT;
	case 429:
	case 503:
		return -EAGAIN;
	case 504:
		return -ETIMEDOUT;
	default:
		break;
	}
	if (code >= 400 && code < 500)
		return -EPROTO;
	return -EIO;
}

/* The reason kube-apiserver gives each code when the body says nothing
 * (apimachinery/pkg/api/errors, NewGenericServerResponse). */
static const char *reason_for(int code)
{
	switch (code) {
	case 400:
		return "BadRequest";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "NotFound";
	case 405:
		return "MethodNotAllowed";
	case 406:
		return "NotAcceptable";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 413:
		return "RequestEntityTooLarge";
	case 415:
		return "UnsupportedMediaType";
	case 422:
		return "Invalid";
	case 429:
		return "TooManyRequests";
	case 500:
		return "InternalError";
	case 503:
		return "ServiceUnavailable";
	case 504:
		return "Timeout";
	default:
		return "";
	}
}

static void copy_str(char *dst, size_t size, const char *src, size_t len)
{
	size_t n = len < size - 1 ? len : size - 1;

	/* Control characters would corrupt one-line logs. */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	dst[n] = '\0';
}

int k8s_status_from_json(const json_t *obj, int http_code, struct k8s_status *st)
{
	const json_t *code, *reason, *msg, *details, *retry;
	int rc;

	memset(st, 0, sizeof(*st));
	st->code = http_code;
	code = json_object_get(obj, "code");
	if (json_is_integer(code) && json_integer_value(code) >= 100 &&
	    json_integer_value(code) <= 599)
		st->code = (int)json_integer_value(code);
	reason = json_object_get(obj, "reason");
	if (json_is_string(reason))
		copy_str(st->reason, sizeof(st->reason), json_string_value(reason),
		         json_string_length(reason));
	else
		snprintf(st->reason, sizeof(st->reason), "%s", reason_for(st->code));
	msg = json_object_get(obj, "message");
	if (json_is_string(msg))
		copy_str(st->message, sizeof(st->message), json_string_value(msg),
		         json_string_length(msg));
	details = json_object_get(obj, "details");
	retry = json_object_get(details, "retryAfterSeconds");
	if (json_is_integer(retry) && json_integer_value(retry) > 0 &&
	    json_integer_value(retry) < 86400)
		st->retry_after_s = (uint32_t)json_integer_value(retry);
	rc = k8s_status_errno(st->code, st->reason);
	return rc ? rc : -EPROTO;
}

int k8s_status_decode(int http_code, const char *body, size_t len, struct k8s_status *st)
{
	json_t *obj = NULL;
	const json_t *kind;
	size_t n = 0;
	int rc;

	if (body && len)
		obj = json_loadb(body, len, 0, NULL);
	kind = json_object_get(obj, "kind");
	if (json_is_object(obj) && json_is_string(kind) &&
	    strcmp(json_string_value(kind), "Status") == 0) {
		rc = k8s_status_from_json(obj, http_code, st);
		json_decref(obj);
		return rc;
	}
	json_decref(obj);
	memset(st, 0, sizeof(*st));
	st->code = http_code;
	snprintf(st->reason, sizeof(st->reason), "%s", reason_for(http_code));
	while (body && n < len && body[n] != '\n' && body[n] != '\0')
		n++;
	if (n)
		copy_str(st->message, sizeof(st->message), body, n);
	rc = k8s_status_errno(http_code, st->reason);
	return rc ? rc : -EPROTO;
}

bool k8s_status_is_gone(const struct k8s_status *st)
{
	return st->code == 410;
}
