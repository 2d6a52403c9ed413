/*
 * Informer: list + watch state machine on the client (see informer.h);
 * what the server shows becomes the contract's events in k8s/known.c.
 *
 *   LIST (pages) --ok--> WATCH --clean end / error--> (backoff) WATCH
 *      ^                   |
 *      +------ 410 --------+
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "k8s/informer.h"
#include "core/clock.h"
#include "k8s/watch.h"

enum next_step { STEP_LIST = 0, STEP_WATCH };

/* Never decoded (k8s/jcut.h): server-side apply bookkeeping, as large as
 * the fields it records (an Eip's lists every address in its status). */
#define ALWAYS_CUT "metadata.managedFields"
#define MAX_CUT    8

struct k8s_informer {
	struct k8s_client *c;       /* borrowed */
	struct k8s_informer_opts o; /* ns, selectors: owned copies */
	char base[K8S_PATH_MAX];    /* collection path */
	char *rv;                   /* owned: last resourceVersion seen */
	struct k8s_known known;     /* what the caller was told */
	const char *cut[MAX_CUT];   /* ALWAYS_CUT and the caller's unread (borrowed) */
	size_t n_cut;
	struct k8s_wstream ws;
	struct k8s_req *req; /* the list or watch in flight */
	char *cont;          /* owned: continue token of the next page */
	ev_timer wait;       /* backoff before the next step */
	enum next_step next;
	struct k8s_backoff bo;
	uint64_t watch_start;  /* mono ms */
	unsigned watch_events; /* events of the current watch */
	bool gone;             /* the current watch hit 410 */
	bool synced, started;
	bool absent; /* optional, and the last list was a 404 or 403 */
	struct k8s_informer_stats st;
};

static void step(struct k8s_informer *inf);

static const char *kind_of(const struct k8s_informer *inf)
{
	return inf->o.res->kind ? inf->o.res->kind : inf->o.res->resource;
}

static void set_rv(struct k8s_informer *inf, const char *rv)
{
	char *d;

	if (!rv || !rv[0] || (inf->rv && strcmp(inf->rv, rv) == 0))
		return;
	d = strdup(rv);
	if (!d)
		return; /* keep the older one: resuming from it is still correct */
	free(inf->rv);
	inf->rv = d;
}

static void later(struct k8s_informer *inf, enum next_step next, bool backoff)
{
	double delay = 0;

	inf->next = next;
	if (backoff)
		delay = k8s_backoff_next(&inf->bo, k8s_client_rand(inf->c)) / 1000.0;
	ev_timer_stop(k8s_client_loop(inf->c), &inf->wait);
	ev_timer_set(&inf->wait, delay, 0.);
	ev_timer_start(k8s_client_loop(inf->c), &inf->wait);
}

static void wait_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	step(w->data);
}

/* List items come without kind and apiVersion; put them back so every
 * object the caller sees looks the same. The members cut (managedFields,
 * the caller's unread) were read as null: they go. Then the caller's
 * transform. */
static void complete_type(struct k8s_informer *inf, json_t *obj)
{
	char av[128], parent[64];

	if (!json_is_object(obj))
		return;
	for (size_t i = 0; i < inf->n_cut; i++) {
		const char *dot = strchr(inf->cut[i], '.');

		if (!dot) {
			json_object_del(obj, inf->cut[i]);
		} else if ((size_t)(dot - inf->cut[i]) < sizeof(parent)) {
			snprintf(parent, sizeof(parent), "%.*s", (int)(dot - inf->cut[i]),
			         inf->cut[i]);
			json_object_del(json_object_get(obj, parent), dot + 1);
		}
	}
	if (!json_object_get(obj, "kind") && inf->o.res->kind)
		json_object_set_new(obj, "kind", json_string(inf->o.res->kind));
	if (!json_object_get(obj, "apiVersion") && k8s_api_version(inf->o.res, av, sizeof(av)) == 0)
		json_object_set_new(obj, "apiVersion", json_string(av));
	if (inf->o.transform)
		inf->o.transform(obj, inf->o.arg);
}

/* 0 when obj may be delivered; else logs why and counts it. */
static int vet(struct k8s_informer *inf, const json_t *obj)
{
	const char *name = k8s_obj_name(obj), *ns = k8s_obj_namespace(obj);
	char why[256] = "";

	if (!name || !name[0]) {
		snprintf(why, sizeof(why), "no metadata.name");
	} else if (inf->o.check && inf->o.check(obj, why, sizeof(why), inf->o.arg) != 0) {
		if (!why[0])
			snprintf(why, sizeof(why), "refused");
	} else {
		return 0;
	}
	inf->st.skipped++;
	log_warn("k8s: %s %s%s%s skipped: %s", kind_of(inf), ns ? ns : "", ns ? "/" : "",
	         name ? name : "(unnamed)", why);
	return -EINVAL;
}

/* ---- list ---- */

static void on_list(int rc, json_t *body, const struct k8s_status *st, void *arg);

static int add_selectors(struct k8s_informer *inf, char *path, size_t size)
{
	int rc = 0;

	if (inf->o.label_selector)
		rc = k8s_query_add(path, size, "labelSelector", inf->o.label_selector);
	if (!rc && inf->o.field_selector)
		rc = k8s_query_add(path, size, "fieldSelector", inf->o.field_selector);
	return rc;
}

static int list_page(struct k8s_informer *inf)
{
	char path[K8S_PATH_MAX * 2], num[16];
	int rc;

	snprintf(path, sizeof(path), "%s", inf->base);
	snprintf(num, sizeof(num), "%u", inf->o.page_size);
	rc = k8s_query_add(path, sizeof(path), "limit", num);
	if (!rc && inf->cont)
		rc = k8s_query_add(path, sizeof(path), "continue", inf->cont);
	if (!rc)
		rc = add_selectors(inf, path, sizeof(path));
	if (!rc)
		rc = k8s_request(inf->c, K8S_GET, path, NULL, on_list, inf, &inf->req);
	if (!rc)
		k8s_request_cut_items(inf->req, inf->cut, inf->n_cut);
	return rc;
}

static void list_fail(struct k8s_informer *inf, int rc, const char *why)
{
	inf->st.errors++;
	/* A 404 is explained by the tracker, not repeated at each retry. */
	log_msg(rc == -ENOENT && inf->o.served ? LOG_LVL_DEBUG : LOG_LVL_WARN,
	        "k8s: list %s: %s (%s); retrying", kind_of(inf), why, strerror(-rc));
	free(inf->cont);
	inf->cont = NULL;
	later(inf, STEP_LIST, true);
}

/* The last page is in: what the list did not show is gone. */
static void list_done(struct k8s_informer *inf, const char *rv)
{
	bool first = !inf->synced;
	size_t n;

	set_rv(inf, rv);
	inf->st.lists++;
	if (inf->absent)
		log_info("k8s: %s is served now: reading it", kind_of(inf));
	inf->absent = false;
	if (!inf->o.optional)
		k8s_served_report(inf->o.served, inf->o.res, 200);
	k8s_backoff_reset(&inf->bo);
	inf->synced = true;
	n = k8s_known_relist_end(&inf->known);
	if (n && !first)
		log_info("k8s: the re-list of %ss removed %zu (deleted while the watch was down)",
		         kind_of(inf), n);
	log_debug("k8s: listed %zu %s at resourceVersion %s", k8s_informer_size(inf), kind_of(inf),
	          inf->rv ? inf->rv : "?");
	later(inf, STEP_WATCH, false);
}

/* An object as the server shows it now, the check deciding. */
static int deliver(struct k8s_informer *inf, const json_t *obj)
{
	if (vet(inf, obj) == 0)
		return k8s_known_seen(&inf->known, obj);
	/* Refused: if it was delivered before, the caller stops seeing it. */
	return k8s_obj_name(obj) ? k8s_known_gone(&inf->known, obj) : 0;
}

static bool is_absent(const struct k8s_informer *inf, int code)
{
	return inf->o.optional && (code == 404 || code == 403);
}

/* An optional resource not served or not allowed: an empty list, said
 * once, looked for again slowly. */
static void list_absent(struct k8s_informer *inf, const struct k8s_status *st)
{
	double delay = (inf->o.absent_retry_ms ? inf->o.absent_retry_ms : 60000) / 1000.0;
	char gv[128] = "?";
	bool tell;

	if (!inf->absent) {
		k8s_api_version(inf->o.res, gv, sizeof(gv));
		log_info("k8s: %s %s %s (%s): none read; looking again every %.0f s", gv,
		         inf->o.res->resource,
		         st->code == 404 ? "is not served" : "may not be listed", st->reason,
		         delay);
	}
	inf->st.absent++;
	free(inf->cont);
	inf->cont = NULL;
	free(inf->rv);
	inf->rv = NULL;
	/* The caller hears of it once (its first list, or the deletes of
	 * what it had), not at every look. */
	tell = !inf->absent || !inf->synced;
	inf->absent = true; /* k8s_informer_absent in the callbacks */
	inf->synced = true;
	if (tell) {
		k8s_known_relist_begin(&inf->known);
		k8s_known_relist_end(&inf->known);
	}
	k8s_backoff_reset(&inf->bo);
	inf->next = STEP_LIST;
	ev_timer_stop(k8s_client_loop(inf->c), &inf->wait);
	ev_timer_set(&inf->wait, delay, 0.);
	ev_timer_start(k8s_client_loop(inf->c), &inf->wait);
}

static void on_list(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct k8s_informer *inf = arg;
	const json_t *meta, *items, *obj;
	const char *cont, *rv;
	size_t i;

	inf->req = NULL;
	if (rc) {
		if (inf->cont && st->code == 410) {
			/* The continue token outlived the snapshot it pages
			 * through: start the list again from scratch. */
			log_info("k8s: list %s: continue token expired, listing again",
			         kind_of(inf));
			free(inf->cont);
			inf->cont = NULL;
			later(inf, STEP_LIST, false);
			return;
		}
		if (is_absent(inf, st->code)) {
			list_absent(inf, st);
			return;
		}
		k8s_served_report(inf->o.served, inf->o.res, st->code);
		list_fail(inf, rc, st->message[0] ? st->message : st->reason);
		return;
	}
	meta = json_object_get(body, "metadata");
	items = json_object_get(body, "items");
	rv = json_string_value(json_object_get(meta, "resourceVersion"));
	cont = json_string_value(json_object_get(meta, "continue"));
	if (!json_is_object(body) || (items && !json_is_array(items) && !json_is_null(items)) ||
	    !rv) {
		list_fail(inf, -EBADMSG, "answer is not a list");
		return;
	}
	if (!inf->cont) /* the first page */
		k8s_known_relist_begin(&inf->known);
	json_array_foreach(items, i, obj)
	{
		complete_type(inf, (json_t *)obj);
		if (deliver(inf, obj) == -ENOMEM) {
			list_fail(inf, -ENOMEM, "out of memory");
			return;
		}
	}
	free(inf->cont);
	inf->cont = NULL;
	if (cont && cont[0]) {
		inf->cont = strdup(cont);
		if (!inf->cont || (rc = list_page(inf)) != 0)
			list_fail(inf, inf->cont ? rc : -ENOMEM, "next page");
		return;
	}
	list_done(inf, rv);
}

/* ---- watch ---- */

static int on_event(enum k8s_wev type, json_t *obj, void *arg)
{
	struct k8s_informer *inf = arg;
	const char *rv = k8s_obj_rv(obj);
	struct k8s_status st;
	int rc = 0;

	if (type == K8S_WEV_ERROR) {
		rc = k8s_status_from_json(obj, 0, &st);
		if (k8s_status_is_gone(&st)) {
			log_info("k8s: watch %s: %s; listing again", kind_of(inf), st.message);
			inf->gone = true;
			return -ENODATA;
		}
		log_warn("k8s: watch %s: ERROR event %d %s: %s", kind_of(inf), st.code, st.reason,
		         st.message);
		return rc;
	}
	inf->watch_events++;
	if (type == K8S_WEV_BOOKMARK) {
		inf->st.bookmarks++;
		set_rv(inf, rv);
		return 0;
	}
	complete_type(inf, obj);
	if (type != K8S_WEV_DELETED)
		rc = deliver(inf, obj);
	else if (k8s_obj_name(obj)) /* the key is all a deletion needs */
		rc = k8s_known_gone(&inf->known, obj);
	else
		vet(inf, obj);
	if (rc == -ENOMEM)
		return rc;
	set_rv(inf, rv);
	return 0;
}

static int on_data(const char *data, size_t len, void *arg)
{
	struct k8s_informer *inf = arg;
	int rc = k8s_wstream_feed(&inf->ws, data, len, on_event, inf);

	if (rc == -EBADMSG || rc == -EMSGSIZE)
		log_warn("k8s: watch %s: bad stream: %s; reconnecting", kind_of(inf), inf->ws.why);
	return rc;
}

static void on_watch_done(int rc, json_t *body, const struct k8s_status *st, void *arg)
{
	struct k8s_informer *inf = arg;
	bool quick = core_now_ms() - inf->watch_start < 1000 && inf->watch_events == 0;

	inf->req = NULL;
	if (rc == 0 && k8s_wstream_finish(&inf->ws) != 0) {
		log_warn("k8s: watch %s: %s", kind_of(inf), inf->ws.why);
		rc = -EBADMSG;
	}
	if (inf->gone || (rc && st->code == 410)) {
		inf->st.gone++;
		if (!inf->gone)
			log_info("k8s: watch %s from %s: gone (%s); listing again", kind_of(inf),
			         inf->rv ? inf->rv : "?", st->message);
		later(inf, STEP_LIST, quick);
		return;
	}
	if (rc == 0) {
		if (!inf->o.optional)
			k8s_served_report(inf->o.served, inf->o.res, 200);
		/* The server ended the watch (timeoutSeconds, shutdown):
		 * resume at once unless it keeps ending them empty. */
		if (!quick)
			k8s_backoff_reset(&inf->bo);
		later(inf, STEP_WATCH, quick);
		return;
	}
	if (is_absent(inf, st->code)) {
		/* The CRD or the Role went: the list says so (list_absent). */
		later(inf, STEP_LIST, false);
		return;
	}
	inf->st.errors++;
	if (rc != -EBADMSG && rc != -EMSGSIZE)
		log_msg(k8s_served_report(inf->o.served, inf->o.res, st->code) ? LOG_LVL_DEBUG
		                                                               : LOG_LVL_WARN,
		        "k8s: watch %s: %s (%s); resuming from %s", kind_of(inf),
		        st->message[0] ? st->message : st->reason, strerror(-rc),
		        inf->rv ? inf->rv : "?");
	if (inf->watch_events)
		k8s_backoff_reset(&inf->bo);
	/* A 404: the resource is no longer served (its CRD deleted); list
	 * again, as client-go's reflector does, until it is served again. */
	later(inf, inf->rv && st->code != 404 ? STEP_WATCH : STEP_LIST, true);
}

static int watch_start(struct k8s_informer *inf)
{
	char path[K8S_PATH_MAX * 2], num[16];
	uint32_t t = inf->o.watch_timeout_s;
	int rc;

	if (!t) /* client-go: minWatchTimeout (5 min) times 1..2 */
		t = 300 + k8s_client_rand(inf->c) % 300;
	snprintf(num, sizeof(num), "%u", t);
	snprintf(path, sizeof(path), "%s", inf->base);
	rc = k8s_query_add(path, sizeof(path), "watch", "1");
	if (!rc)
		rc = k8s_query_add(path, sizeof(path), "allowWatchBookmarks", "true");
	if (!rc)
		rc = k8s_query_add(path, sizeof(path), "resourceVersion", inf->rv);
	if (!rc)
		rc = k8s_query_add(path, sizeof(path), "timeoutSeconds", num);
	if (!rc)
		rc = add_selectors(inf, path, sizeof(path));
	if (rc)
		return rc;
	k8s_wstream_reset(&inf->ws);
	inf->ws.cut = inf->cut;
	inf->ws.n_cut = inf->n_cut;
	inf->watch_start = core_now_ms();
	inf->watch_events = 0;
	inf->gone = false;
	rc = k8s_stream(inf->c, path, on_data, on_watch_done, inf, &inf->req);
	if (!rc)
		inf->st.watches++;
	return rc;
}

static void step(struct k8s_informer *inf)
{
	int rc;

	if (inf->next == STEP_WATCH && inf->rv) {
		rc = watch_start(inf);
	} else {
		free(inf->cont);
		inf->cont = NULL;
		rc = list_page(inf);
	}
	if (rc) {
		inf->st.errors++;
		log_err("k8s: %s: cannot start a request: %s", kind_of(inf), strerror(-rc));
		later(inf, inf->next, true);
	}
}

/* ---- lifecycle ---- */

static char *dup_opt(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*oom = true;
	return d;
}

int k8s_informer_new(struct k8s_client *c, const struct k8s_informer_opts *o,
                     struct k8s_informer **out)
{
	struct k8s_handlers h = {o->on_relist, o->on_add, o->on_update, o->on_delete, o->arg};
	struct k8s_informer *inf;
	bool oom = false;
	int rc = 0;

	*out = NULL;
	if (!o->res)
		return -EINVAL;
	inf = calloc(1, sizeof(*inf));
	if (!inf)
		return -ENOMEM;
	inf->c = c;
	inf->o = *o;
	inf->o.ns = dup_opt(o->ns, &oom);
	inf->o.label_selector = dup_opt(o->label_selector, &oom);
	inf->o.field_selector = dup_opt(o->field_selector, &oom);
	if (!inf->o.page_size)
		inf->o.page_size = 100;
	inf->cut[inf->n_cut++] = ALWAYS_CUT;
	for (size_t i = 0; o->unread && o->unread[i]; i++) {
		if (inf->n_cut == MAX_CUT)
			rc = -E2BIG;
		else
			inf->cut[inf->n_cut++] = o->unread[i];
	}
	k8s_known_init(&inf->known, o->res, &h, o->cache);
	k8s_backoff_init(&inf->bo, o->backoff_initial_ms ? o->backoff_initial_ms : 800,
	                 o->backoff_max_ms ? o->backoff_max_ms : 30000, 2, 100);
	k8s_wstream_init(&inf->ws, 0);
	ev_init(&inf->wait, wait_cb);
	inf->wait.data = inf;
	if (!rc && oom)
		rc = -ENOMEM;
	if (!rc)
		rc = k8s_path(inf->base, sizeof(inf->base), o->res, o->ns, NULL, NULL);
	if (rc) {
		k8s_informer_free(inf);
		return rc;
	}
	*out = inf;
	return 0;
}

int k8s_informer_start(struct k8s_informer *inf)
{
	if (inf->started)
		return -EALREADY;
	inf->started = true;
	later(inf, STEP_LIST, false);
	return 0;
}

void k8s_informer_free(struct k8s_informer *inf)
{
	if (!inf)
		return;
	k8s_request_cancel(inf->req);
	ev_timer_stop(k8s_client_loop(inf->c), &inf->wait);
	k8s_known_fini(&inf->known);
	k8s_wstream_fini(&inf->ws);
	free(inf->cont);
	free(inf->rv);
	free((char *)inf->o.ns);
	free((char *)inf->o.label_selector);
	free((char *)inf->o.field_selector);
	free(inf);
}

bool k8s_informer_synced(const struct k8s_informer *inf)
{
	return inf->synced;
}

bool k8s_informer_absent(const struct k8s_informer *inf)
{
	return inf->absent;
}

const char *k8s_informer_rv(const struct k8s_informer *inf)
{
	return inf->rv;
}

size_t k8s_informer_size(const struct k8s_informer *inf)
{
	return k8s_known_size(&inf->known);
}

const char *k8s_informer_rv_of(const struct k8s_informer *inf, const char *ns, const char *name)
{
	return k8s_known_rv(&inf->known, ns, name);
}

void k8s_informer_stats(const struct k8s_informer *inf, struct k8s_informer_stats *out)
{
	*out = inf->st;
}
