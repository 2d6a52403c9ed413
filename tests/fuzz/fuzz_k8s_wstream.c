/*
 * Watch stream bytes, cut into reads wherever the input says, through
 * the stream parser into the informer's contract (k8s/known.h) with the
 * cache layer, then a re-list of every object seen. Checks the parser's
 * contract (an error is sticky and explained; events only before it) and
 * the informer's (no add of the known, no update or delete of the
 * unknown; the record, the cache and a mirror of the events agree);
 * ASan/UBSan catch the rest.
 * ERROR objects go through the Status decoder, objects through the
 * Lease decoder (RFC 3339 times) too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/api.h"
#include "k8s/lease.h"
#include "k8s/known.h"
#include "k8s/watch.h"
#include "fuzz.h"

struct st {
	struct k8s_cache cache;
	struct k8s_known known;
	json_t *mirror; /* key -> true, from the callbacks alone */
	json_t *seen;   /* every object, for the final re-list */
	size_t events;
};

static void mirror(struct st *s, const json_t *o, bool known_before, bool known_after)
{
	char key[K8S_KEY_MAX];

	if (k8s_cache_key(o, key, sizeof(key)) ||
	    (json_object_get(s->mirror, key) != NULL) != known_before)
		abort();
	if (known_after)
		json_object_set_new(s->mirror, key, json_true());
	else
		json_object_del(s->mirror, key);
}

static void on_add(const json_t *o, void *arg)
{
	mirror(arg, o, false, true);
}

static void on_update(const json_t *o, void *arg)
{
	mirror(arg, o, true, true);
}

static void on_delete(const json_t *o, void *arg)
{
	mirror(arg, o, true, false);
}

static int on_event(enum k8s_wev type, json_t *obj, void *arg)
{
	struct st *s = arg;
	struct k8s_status status;
	struct k8s_lease_rec rec;

	s->events++;
	if (!json_is_object(obj))
		abort();
	if (type == K8S_WEV_ERROR) {
		if (k8s_status_from_json(obj, 0, &status) >= 0)
			abort();
		return 0;
	}
	if (type == K8S_WEV_BOOKMARK && !k8s_obj_rv(obj))
		abort();
	k8s_lease_rec_decode(obj, &rec);
	if (type == K8S_WEV_DELETED) {
		k8s_known_gone(&s->known, obj);
	} else if (type != K8S_WEV_BOOKMARK) {
		k8s_known_seen(&s->known, obj);
		json_array_append(s->seen, obj);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct k8s_handlers h = {NULL, on_add, on_update, on_delete, NULL};
	struct k8s_wstream ws;
	struct st s = {0};
	const json_t *obj;
	size_t cut, pos = 0, i;
	int rc = 0;

	if (size < 1)
		return 0;
	/* First byte: the read size pattern (1..256 bytes per read). */
	cut = (size_t)data[0] + 1;
	data++;
	size--;
	k8s_wstream_init(&ws, 4096);
	/* Odd first bytes: as informers read, status and managedFields left
	 * undecoded (k8s/jcut.h). */
	if (cut % 2 == 0) {
		static const char *const members[] = {"metadata.managedFields", "status"};

		ws.cut = members;
		ws.n_cut = 2;
	}
	h.arg = &s;
	k8s_cache_init(&s.cache);
	k8s_known_init(&s.known, &k8s_res_services, &h, &s.cache);
	s.mirror = json_object();
	s.seen = json_array();
	while (pos < size && rc == 0) {
		size_t n = size - pos < cut ? size - pos : cut;

		rc = k8s_wstream_feed(&ws, (const char *)data + pos, n, on_event, &s);
		pos += n;
	}
	if (rc == 0)
		rc = k8s_wstream_finish(&ws);
	if (rc && (!ws.error || !ws.why[0]))
		abort();
	if (rc) {
		size_t before = s.events;
		/* sticky: nothing more comes out */
		if (k8s_wstream_feed(&ws, "{\"type\":\"ADDED\",\"object\":{}}\n", 29, on_event,
		                     &s) != rc ||
		    s.events != before)
			abort();
	}
	k8s_known_relist_begin(&s.known);
	json_array_foreach(s.seen, i, obj)
	{
		k8s_known_seen(&s.known, obj);
	}
	k8s_known_relist_end(&s.known);
	if (k8s_known_size(&s.known) > json_array_size(s.seen) ||
	    k8s_known_size(&s.known) != k8s_cache_size(&s.cache) ||
	    k8s_known_size(&s.known) != json_object_size(s.mirror))
		abort();
	json_decref(s.seen);
	json_decref(s.mirror);
	k8s_known_fini(&s.known);
	k8s_cache_fini(&s.cache);
	k8s_wstream_fini(&ws);
	return 0;
}
