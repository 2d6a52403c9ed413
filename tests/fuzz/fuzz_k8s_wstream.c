/*
 * Watch stream bytes, cut into reads wherever the input says, through
 * the stream parser into the informer cache, then a re-list of every
 * object seen. Checks the parser's contract (an error is sticky and
 * explained; events only before it) and the cache's (every change
 * consistent with the previous state); ASan/UBSan catch the rest.
 * ERROR objects go through the Status decoder, objects through the
 * Lease decoder (RFC 3339 times) too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/api.h"
#include "k8s/lease.h"
#include "k8s/watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct st {
	struct k8s_cache cache;
	json_t *seen; /* every object, for the final re-list */
	size_t events;
};

static void on_change(enum k8s_change ch, const json_t *old, const json_t *cur, void *arg)
{
	if ((ch == K8S_CHANGE_ADD && (old || !cur)) ||
	    (ch == K8S_CHANGE_UPDATE && (!old || !cur)) || (ch == K8S_CHANGE_DELETE && !old))
		abort();
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
	if (type != K8S_WEV_BOOKMARK) {
		k8s_cache_apply(&s->cache, type, obj, on_change, s);
		json_array_append(s->seen, obj);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct k8s_wstream ws;
	struct st s = {0};
	size_t cut, pos = 0;
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
	k8s_cache_init(&s.cache);
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
	if (k8s_cache_replace(&s.cache, s.seen, on_change, &s) < 0)
		abort();
	if (k8s_cache_size(&s.cache) > json_array_size(s.seen))
		abort();
	json_decref(s.seen);
	k8s_cache_fini(&s.cache);
	k8s_wstream_fini(&ws);
	return 0;
}
