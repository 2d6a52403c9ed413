/*
 * core v1 Secret (k8s.io/api/core/v1/types.go): the speaker reads
 * BgpPeer passwords from one (spec.conf.authPasswordSecretRef). Decoded
 * leniently like the other core kinds (type, immutable and the rest are
 * not read), but data and stringData are checked as the API server
 * checks them (pkg/apis/core/validation ValidateSecret), so that a
 * manifest holds only what `kubectl apply` would have stored:
 *
 * - data values are base64 as Go's encoding/json reads []byte
 *   (core/b64.h); anything else is refused, naming the byte;
 * - stringData is merged into data, a key in both taking stringData's
 *   value (the API server does so on write and stores only data, so it
 *   never comes from the API);
 * - keys as IsConfigMapKey: [-._a-zA-Z0-9]+, at most 253, not "." nor
 *   starting with "..";
 * - at most CFG_SECRET_MAX_BYTES of values in all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/dec.h"
#include "core/b64.h"

static int nomem(struct cfg_dec *d)
{
	return cfg_err_set(d->err, -ENOMEM, 0, NULL, NULL, "out of memory");
}

bool cfg_dns1123_subdomain(const char *s)
{
	size_t n = strlen(s);
	bool start = true;

	if (!n || n > CFG_K8S_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (c == '.') {
			/* a label ends: it had one character at least, and not '-' last */
			if (start || s[i - 1] == '-')
				return false;
			start = true;
			continue;
		}
		if (!alnum && c != '-')
			return false;
		if (start && !alnum)
			return false;
		start = false;
	}
	return !start && s[n - 1] != '-';
}

bool cfg_secret_key_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > CFG_K8S_NAME_MAX || strcmp(s, ".") == 0 || strncmp(s, "..", 2) == 0)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_'))
			return false;
	return true;
}

/* A key that is no valid key, printable in a message: at most 64 bytes,
 * anything but printable ASCII (and '"', '\') as \xNN. */
static const char *shown(const char *k, char *buf, size_t size)
{
	size_t o = 0, i;

	for (i = 0; k[i] && i < 64 && o + 8 < size; i++) {
		unsigned char c = (unsigned char)k[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
	}
	snprintf(buf + o, size - o, "%s", k[i] ? "..." : "");
	return buf;
}

/* The item of key k in s, or a new one at the end (s->data has room). */
static struct cfg_secret_item *item_for(struct cfg_secret *s, const char *k, bool *fresh)
{
	for (size_t i = 0; i < s->n_data; i++)
		if (!strcmp(s->data[i].key, k)) {
			*fresh = false;
			return &s->data[i];
		}
	*fresh = true;
	return &s->data[s->n_data];
}

/* One map, data (base64 values) or stringData (plain ones), into s. */
static int dec_values(struct cfg_dec *d, const json_t *obj, const char *field, bool b64,
                      struct cfg_secret *s)
{
	const json_t *m = NULL;
	const char *k;
	json_t *v;
	int rc = cfg_dec_object(d, obj, field, &m);

	if (rc <= 0)
		return rc;
	json_object_foreach((json_t *)m, k, v)
	{
		struct cfg_secret_item *it;
		char *value = NULL, kb[300];
		size_t len = 0, at = 0;
		bool fresh;

		if (!cfg_secret_key_valid(k))
			return cfg_dec_fail_at(d, obj, field,
			                       "key \"%s\": must be a Secret data key: letters, "
			                       "digits, '-', '_' and '.', not \".\" nor starting "
			                       "with \"..\", at most %d",
			                       shown(k, kb, sizeof(kb)), CFG_K8S_NAME_MAX);
		if (json_is_null(v))
			continue; /* absent, as everywhere */
		if (!json_is_string(v)) {
			size_t mark = cfg_dec_push(d, field);

			rc = cfg_dec_fail_at(d, m, k, "must be a string%s", b64 ? " (base64)" : "");
			cfg_dec_pop(d, mark);
			return rc;
		}
		if (b64) {
			rc = core_b64_decode(json_string_value(v), json_string_length(v), &value,
			                     &len, &at);
			if (rc == -EINVAL) {
				size_t mark = cfg_dec_push(d, field);

				rc = cfg_dec_fail_at(
				    d, m, k,
				    "not base64 (RFC 4648 standard alphabet, padded): "
				    "byte %zu",
				    at);
				cfg_dec_pop(d, mark);
				return rc;
			}
		} else {
			len = json_string_length(v);
			rc = (value = malloc(len + 1)) ? 0 : -ENOMEM;
			if (value) {
				memcpy(value, json_string_value(v), len);
				value[len] = '\0';
			}
		}
		if (rc < 0)
			return nomem(d);
		it = item_for(s, k, &fresh);
		if (fresh && !(it->key = strdup(k))) {
			free(value);
			return nomem(d);
		}
		if (!fresh) {
			explicit_bzero(it->value, it->len);
			free(it->value);
		} else {
			s->n_data++;
		}
		it->value = value;
		it->len = len;
	}
	return 0;
}

int cfg_secret_decode(const json_t *obj, struct cfg_secret *out, struct cfg_error *err)
{
	const json_t *data, *sd;
	struct cfg_dec d;
	size_t n, total = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	cfg_dec_init(&d, err, "Secret", false);
	if ((rc = cfg_dec_type(&d, obj, "v1")) < 0 ||
	    (rc = cfg_dec_meta(&d, obj, true, &out->meta)) < 0)
		goto out;
	data = cfg_dec_get(obj, "data");
	sd = cfg_dec_get(obj, "stringData");
	n = json_object_size(data) + json_object_size(sd);
	if (n && !(out->data = calloc(n, sizeof(*out->data)))) {
		rc = nomem(&d);
		goto out;
	}
	if ((rc = dec_values(&d, obj, "data", true, out)) < 0 ||
	    (rc = dec_values(&d, obj, "stringData", false, out)) < 0)
		goto out;
	for (size_t i = 0; i < out->n_data; i++)
		total += out->data[i].len;
	if (total > CFG_SECRET_MAX_BYTES)
		rc = cfg_dec_fail_at(&d, obj, "data",
		                     "%zu bytes of data, more than a Secret may hold (%d)", total,
		                     CFG_SECRET_MAX_BYTES);
out:
	if (rc < 0)
		cfg_secret_fini(out);
	return rc < 0 ? rc : 0;
}

void cfg_secret_fini(struct cfg_secret *s)
{
	cfg_meta_fini(&s->meta);
	for (size_t i = 0; i < s->n_data; i++) {
		free(s->data[i].key);
		/* a password should not outlive its Secret in freed memory */
		explicit_bzero(s->data[i].value, s->data[i].len);
		free(s->data[i].value);
	}
	free(s->data);
	memset(s, 0, sizeof(*s));
}

const struct cfg_secret_item *cfg_secret_get(const struct cfg_secret *s, const char *key)
{
	for (size_t i = 0; s && i < s->n_data; i++)
		if (!strcmp(s->data[i].key, key))
			return &s->data[i];
	return NULL;
}
