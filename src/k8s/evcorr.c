/*
 * Event correlation (see event.h): aggregation, deduplication and spam
 * filtering with three bounded LRU tables. Pure: the clock is a
 * parameter; jansson objects serve as the hash maps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/api.h"
#include "k8s/event.h"

#define COMBINED "(combined from similar events): "

struct lru {
	json_t *map; /* owned: key -> record object with "u" (last use) */
};

struct k8s_evcorr {
	struct lru agg;  /* similar events: {"msgs":{MSG:true}, "last":ms} */
	struct lru log;  /* seen events: {"count", "name", "first"} */
	struct lru spam; /* token buckets: {"tokens", "last"} */
	uint64_t tick;   /* use counter for the LRU order */
	uint32_t seq;    /* makes names unique within one millisecond */
};

static json_t *lru_get(struct k8s_evcorr *ec, struct lru *l, const char *key)
{
	json_t *rec = json_object_get(l->map, key);

	if (rec)
		json_object_set_new_nocheck(rec, "u", json_integer((json_int_t)++ec->tick));
	return rec;
}

/* A fresh record under key (replacing any), evicting the least recently
 * used one when the table is full. Borrowed from the table. */
static json_t *lru_put(struct k8s_evcorr *ec, struct lru *l, const char *key)
{
	json_t *rec = json_object(), *v;
	const char *k, *oldest = NULL;
	json_int_t min = 0;

	if (!rec)
		return NULL;
	if (!json_object_get(l->map, key) && json_object_size(l->map) >= K8S_EVC_CACHE) {
		json_object_foreach(l->map, k, v)
		{
			json_int_t u = json_integer_value(json_object_get(v, "u"));
			if (!oldest || u < min) {
				oldest = k;
				min = u;
			}
		}
		json_object_del(l->map, oldest);
	}
	json_object_set_new_nocheck(rec, "u", json_integer((json_int_t)++ec->tick));
	if (json_object_set_new_nocheck(l->map, key, rec))
		return NULL;
	return rec;
}

/* client-go names Events "<object>.<hex UnixNano>"; the object part is
 * cut so the name stays a 253-byte DNS subdomain. */
static void make_name(struct k8s_evcorr *ec, const char *obj, uint64_t now,
                      char name[K8S_EVENT_NAME_MAX])
{
	uint64_t ns = now * 1000000 + (ec->seq++ % 1000000);

	snprintf(name, K8S_EVENT_NAME_MAX, "%.236s.%llx", obj, (unsigned long long)ns);
}

int k8s_evcorr_rename(struct k8s_evcorr *ec, const char *old, uint64_t now,
                      char name[K8S_EVENT_NAME_MAX])
{
	const char *key, *dot = strrchr(old, '.');
	char obj[K8S_EVENT_NAME_MAX];
	json_t *rec;

	if (!dot || (size_t)(dot - old) >= sizeof(obj))
		return -EINVAL;
	memcpy(obj, old, (size_t)(dot - old));
	obj[dot - old] = 0;
	make_name(ec, obj, now, name);
	json_object_foreach(ec->log.map, key, rec)
	{
		const char *n = json_string_value(json_object_get(rec, "name"));

		if (n && !strcmp(n, old))
			return json_object_set_new_nocheck(rec, "name", json_string(name)) ? -ENOMEM
			                                                                   : 0;
	}
	return 0;
}

void k8s_evcorr_seed(struct k8s_evcorr *ec, uint32_t seed)
{
	ec->seq = seed;
}

int k8s_evcorr_new(struct k8s_evcorr **out)
{
	struct k8s_evcorr *ec = calloc(1, sizeof(*ec));

	*out = NULL;
	if (!ec)
		return -ENOMEM;
	ec->agg.map = json_object();
	ec->log.map = json_object();
	ec->spam.map = json_object();
	if (!ec->agg.map || !ec->log.map || !ec->spam.map) {
		k8s_evcorr_free(ec);
		return -ENOMEM;
	}
	*out = ec;
	return 0;
}

void k8s_evcorr_free(struct k8s_evcorr *ec)
{
	if (!ec)
		return;
	json_decref(ec->agg.map);
	json_decref(ec->log.map);
	json_decref(ec->spam.map);
	free(ec);
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* Copies at most size-1 bytes, never cutting a UTF-8 sequence. */
static void copy_utf8(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Token bucket: true when the event may go. */
static bool spam_ok(struct k8s_evcorr *ec, const char *key, uint64_t now)
{
	json_t *b = lru_get(ec, &ec->spam, key);
	double tokens;
	uint64_t last;

	if (!b) {
		b = lru_put(ec, &ec->spam, key);
		if (!b)
			return true;
		tokens = K8S_EVC_SPAM_BURST;
		last = now;
	} else {
		tokens = json_real_value(json_object_get(b, "tokens"));
		last = (uint64_t)json_integer_value(json_object_get(b, "last"));
		if (now > last)
			tokens += (double)(now - last) / K8S_EVC_SPAM_REFILL_MS;
		if (tokens > K8S_EVC_SPAM_BURST)
			tokens = K8S_EVC_SPAM_BURST;
		if (now > last)
			last = now;
	}
	json_object_set_new_nocheck(b, "last", json_integer((json_int_t)last));
	if (tokens < 1.0) {
		json_object_set_new_nocheck(b, "tokens", json_real(tokens));
		return false;
	}
	json_object_set_new_nocheck(b, "tokens", json_real(tokens - 1.0));
	return true;
}

/* Aggregation: returns whether the event joins its similar ones. */
static int aggregate(struct k8s_evcorr *ec, const char *agg_key, const char *msg, uint64_t now,
                     bool *combined)
{
	json_t *rec = lru_get(ec, &ec->agg, agg_key), *msgs;
	uint64_t last = rec ? (uint64_t)json_integer_value(json_object_get(rec, "last")) : 0;

	*combined = false;
	if (!rec || now - last > K8S_EVC_SIMILAR_WINDOW_MS) {
		rec = lru_put(ec, &ec->agg, agg_key);
		if (!rec || json_object_set_new_nocheck(rec, "msgs", json_object()))
			return -ENOMEM;
	}
	msgs = json_object_get(rec, "msgs");
	if (json_object_set_new_nocheck(msgs, msg, json_true()))
		return -ENOMEM;
	json_object_set_new_nocheck(rec, "last", json_integer((json_int_t)now));
	*combined = json_object_size(msgs) >= K8S_EVC_SIMILAR_MAX;
	return 0;
}

int k8s_evcorr_observe(struct k8s_evcorr *ec, const struct k8s_event_in *ev, uint64_t now,
                       struct k8s_evc_out *out)
{
	char *src_key = NULL, *agg_key = NULL, *key = NULL;
	const struct k8s_objref *o = &ev->obj;
	json_t *rec;
	bool combined;
	int rc = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!o->kind || !o->name || !o->name[0] || !ev->type || !ev->reason || !ev->component)
		return -EINVAL;
	copy_utf8(out->message, sizeof(out->message), nz(ev->message));
	/* client-go's getSpamKey (source + object) and the aggregate key
	 * (that plus type and reason); '\x1f' cannot occur in names. */
	if (asprintf(&src_key, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", ev->component,
	             nz(ev->host), o->kind, nz(o->ns), o->name, nz(o->uid), nz(o->api_version)) < 0)
		src_key = NULL;
	if (!src_key || asprintf(&agg_key, "%s\x1f%s\x1f%s", src_key, ev->type, ev->reason) < 0) {
		agg_key = NULL;
		goto out;
	}
	rc = aggregate(ec, agg_key, out->message, now, &combined);
	if (rc)
		goto out;
	if (combined) {
		char msg[sizeof(COMBINED) + K8S_EVENT_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s%s", COMBINED, out->message);
		copy_utf8(out->message, sizeof(out->message), msg);
		key = strdup(agg_key);
	} else if (asprintf(&key, "%s\x1f%s", agg_key, out->message) < 0) {
		key = NULL;
	}
	rc = -ENOMEM;
	if (!key)
		goto out;
	rec = lru_get(ec, &ec->log, key);
	if (rec) {
		out->act = K8S_EVC_PATCH;
		out->count = (uint32_t)json_integer_value(json_object_get(rec, "count")) + 1;
		out->first_ms = (uint64_t)json_integer_value(json_object_get(rec, "first"));
		copy_utf8(out->name, sizeof(out->name),
		          json_string_value(json_object_get(rec, "name")));
	} else {
		make_name(ec, o->name, now, out->name);
		out->act = K8S_EVC_CREATE;
		out->count = 1;
		out->first_ms = now;
		rec = lru_put(ec, &ec->log, key);
		if (!rec || json_object_set_new_nocheck(rec, "name", json_string(out->name)) ||
		    json_object_set_new_nocheck(rec, "first", json_integer((json_int_t)now)))
			goto out;
	}
	json_object_set_new_nocheck(rec, "count", json_integer(out->count));
	if (!spam_ok(ec, src_key, now))
		out->act = K8S_EVC_DROP;
	rc = 0;
out:
	free(src_key);
	free(agg_key);
	free(key);
	return rc;
}

int k8s_objref_from(const json_t *obj, struct k8s_objref *ref)
{
	memset(ref, 0, sizeof(*ref));
	ref->kind = k8s_obj_kind(obj);
	ref->api_version = json_string_value(json_object_get(obj, "apiVersion"));
	ref->ns = k8s_obj_namespace(obj);
	ref->name = k8s_obj_name(obj);
	ref->uid = k8s_obj_uid(obj);
	return ref->kind && ref->name ? 0 : -EINVAL;
}
