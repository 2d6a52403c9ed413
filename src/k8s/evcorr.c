/*
 * Event correlation (see event.h): aggregation, deduplication and spam
 * filtering with three bounded LRU tables. Pure: the clock is a
 * parameter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "k8s/api.h"
#include "k8s/event.h"

#define COMBINED "(combined from similar events): "
/* Chains of one entry on average when a table is full. */
#define NBUCKET K8S_EVC_CACHE

/* One record of a table: a few dozen bytes besides its key, where a
 * jansson object with its members cost some 700 (3 x 1024 of them were
 * the largest part of a speaker's heap after announcing 10,000 Services). */
struct ent {
	struct ent *hnext;       /* hash chain */
	struct ent *prev, *next; /* use order, most recent first */
	/* 64 bits of the key stand for it: keys run to a hundred bytes and
	 * more (source, object, reason, message), 300 KB over the three
	 * tables. Two keys alike in 64 bits would share a count, for odds
	 * of some 1e-13 between 3,072 of them; nothing else depends on it. */
	uint64_t key;
	union {
		struct {
			uint64_t last;
			/* Distinct messages, owned; no more than
			 * K8S_EVC_SIMILAR_MAX are kept, as once that many
			 * were seen the event is combined whatever comes. */
			char **msgs;
			uint32_t n_msgs;
		} agg;
		struct {
			uint64_t first;
			uint32_t count;
			char *name; /* owned */
		} log;
		struct {
			uint64_t last;
			double tokens;
		} spam;
	} u;
};

struct lru {
	struct ent *bucket[NBUCKET];
	struct ent *head, *tail; /* owned, through next */
	size_t n;
};

struct k8s_evcorr {
	struct lru agg;  /* similar events */
	struct lru log;  /* seen events */
	struct lru spam; /* token buckets */
	uint32_t seq;    /* makes names unique within one millisecond */
};

/* Frees what the record owns; its key and links stay. */
static void ent_clear(struct ent *e, const struct k8s_evcorr *ec, const struct lru *l)
{
	if (l == &ec->agg) {
		for (uint32_t i = 0; i < e->u.agg.n_msgs; i++)
			free(e->u.agg.msgs[i]);
		free(e->u.agg.msgs);
	} else if (l == &ec->log) {
		free(e->u.log.name);
	}
	memset(&e->u, 0, sizeof(e->u));
}

static void unlink_use(struct lru *l, struct ent *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
}

static void link_front(struct lru *l, struct ent *e)
{
	e->next = l->head;
	if (l->head)
		l->head->prev = e;
	else
		l->tail = e;
	l->head = e;
}

static uint64_t key_hash(const char *key)
{
	return core_fnv_str(CORE_FNV_INIT, key);
}

static size_t bucket_of(uint64_t k)
{
	return (size_t)((k ^ (k >> 32)) % NBUCKET);
}

static struct ent *find(const struct lru *l, uint64_t k)
{
	for (struct ent *e = l->bucket[bucket_of(k)]; e; e = e->hnext)
		if (e->key == k)
			return e;
	return NULL;
}

static void drop(struct k8s_evcorr *ec, struct lru *l, struct ent *e)
{
	struct ent **pp = &l->bucket[bucket_of(e->key)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	unlink_use(l, e);
	ent_clear(e, ec, l);
	free(e);
	l->n--;
}

static void lru_fini(struct k8s_evcorr *ec, struct lru *l)
{
	while (l->head)
		drop(ec, l, l->head);
}

/* The record under key, now the most recently used; NULL if none. */
static struct ent *lru_get(struct lru *l, const char *key)
{
	struct ent *e = find(l, key_hash(key));

	if (e) {
		unlink_use(l, e);
		link_front(l, e);
	}
	return e;
}

/* A fresh (zeroed) record under key, replacing any, evicting the least
 * recently used one when the table is full. Borrowed from the table. */
static struct ent *lru_put(struct k8s_evcorr *ec, struct lru *l, const char *key)
{
	uint64_t k = key_hash(key);
	struct ent *e = find(l, k);

	if (e) {
		ent_clear(e, ec, l);
		unlink_use(l, e);
		link_front(l, e);
		return e;
	}
	if (!(e = calloc(1, sizeof(*e))))
		return NULL;
	if (l->n >= K8S_EVC_CACHE)
		drop(ec, l, l->tail);
	e->key = k;
	e->hnext = l->bucket[bucket_of(k)];
	l->bucket[bucket_of(k)] = e;
	link_front(l, e);
	l->n++;
	return e;
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
	const char *dot = strrchr(old, '.');
	char obj[K8S_EVENT_NAME_MAX];
	if (!dot || (size_t)(dot - old) >= sizeof(obj))
		return -EINVAL;
	memcpy(obj, old, (size_t)(dot - old));
	obj[dot - old] = 0;
	make_name(ec, obj, now, name);
	for (struct ent *e = ec->log.head; e; e = e->next) {
		char *n;

		if (!e->u.log.name || strcmp(e->u.log.name, old))
			continue;
		if (!(n = strdup(name)))
			return -ENOMEM;
		free(e->u.log.name);
		e->u.log.name = n;
		return 0;
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
	*out = ec;
	return 0;
}

void k8s_evcorr_free(struct k8s_evcorr *ec)
{
	if (!ec)
		return;
	lru_fini(ec, &ec->agg);
	lru_fini(ec, &ec->log);
	lru_fini(ec, &ec->spam);
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
	struct ent *b = lru_get(&ec->spam, key);
	double tokens;
	uint64_t last;

	if (!b) {
		b = lru_put(ec, &ec->spam, key);
		if (!b)
			return true;
		tokens = K8S_EVC_SPAM_BURST;
		last = now;
	} else {
		tokens = b->u.spam.tokens;
		last = b->u.spam.last;
		if (now > last)
			tokens += (double)(now - last) / K8S_EVC_SPAM_REFILL_MS;
		if (tokens > K8S_EVC_SPAM_BURST)
			tokens = K8S_EVC_SPAM_BURST;
		if (now > last)
			last = now;
	}
	b->u.spam.last = last;
	if (tokens < 1.0) {
		b->u.spam.tokens = tokens;
		return false;
	}
	b->u.spam.tokens = tokens - 1.0;
	return true;
}

/* Aggregation: returns whether the event joins its similar ones. */
static int aggregate(struct k8s_evcorr *ec, const char *agg_key, const char *msg, uint64_t now,
                     bool *combined)
{
	struct ent *rec = lru_get(&ec->agg, agg_key);
	uint32_t i;

	*combined = false;
	if (!rec || now - rec->u.agg.last > K8S_EVC_SIMILAR_WINDOW_MS) {
		rec = lru_put(ec, &ec->agg, agg_key);
		if (!rec)
			return -ENOMEM;
	}
	for (i = 0; i < rec->u.agg.n_msgs && strcmp(rec->u.agg.msgs[i], msg); i++)
		;
	if (i == rec->u.agg.n_msgs && i < K8S_EVC_SIMILAR_MAX) {
		char **v = realloc(rec->u.agg.msgs, (i + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rec->u.agg.msgs = v;
		if (!(v[i] = strdup(msg)))
			return -ENOMEM;
		rec->u.agg.n_msgs++;
	}
	rec->u.agg.last = now;
	*combined = rec->u.agg.n_msgs >= K8S_EVC_SIMILAR_MAX;
	return 0;
}

int k8s_evcorr_observe(struct k8s_evcorr *ec, const struct k8s_event_in *ev, uint64_t now,
                       struct k8s_evc_out *out)
{
	char *src_key = NULL, *agg_key = NULL, *key = NULL;
	const struct k8s_objref *o = &ev->obj;
	struct ent *rec;
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
	rec = lru_get(&ec->log, key);
	if (rec) {
		out->act = K8S_EVC_PATCH;
		out->count = rec->u.log.count + 1;
		out->first_ms = rec->u.log.first;
		copy_utf8(out->name, sizeof(out->name), nz(rec->u.log.name));
	} else {
		make_name(ec, o->name, now, out->name);
		out->act = K8S_EVC_CREATE;
		out->count = 1;
		out->first_ms = now;
		rec = lru_put(ec, &ec->log, key);
		if (!rec || !(rec->u.log.name = strdup(out->name)))
			goto out;
		rec->u.log.first = now;
	}
	rec->u.log.count = out->count;
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
