/*
 * jcut against jansson itself: for any bytes, decoding with the found
 * ranges read as null must give exactly what decoding them whole gives
 * with those members set to null (the event's object's, each list item's),
 * and fail when that fails, unless the fault lies inside a cut value.
 * Both shapes, members "status" and "metadata.managedFields".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/jcut.h"
#include "fuzz.h"

static const char *const members[] = {"status", "metadata.managedFields"};

/* What the cut decode must equal: whole, then the members nulled. */
static void null_status(json_t *obj)
{
	json_t *md = json_object_get(obj, "metadata");

	if (json_is_object(obj) && json_object_get(obj, "status"))
		json_object_set_new(obj, "status", json_null());
	if (json_is_object(md) && json_object_get(md, "managedFields"))
		json_object_set_new(md, "managedFields", json_null());
}

static void expect(const char *p, size_t n, enum k8s_jcut_shape shape)
{
	struct k8s_jcut c;
	json_error_t e1, e2;
	json_t *whole, *cut;
	int found;

	k8s_jcut_init(&c);
	found = k8s_jcut_scan(&c, p, n, shape, members, 2);
	if (found < 0 || (size_t)found != c.n)
		abort(); /* no -ENOMEM at these sizes outside a failing malloc */
	for (size_t i = 0; i < c.n; i++)
		if (c.v[i][0] >= c.v[i][1] || c.v[i][1] > n || (i && c.v[i][0] < c.v[i - 1][1]))
			abort();
	whole = json_loadb(p, n, 0, &e1);
	cut = k8s_jcut_load(&c, p, n, 0, &e2);
	/* Bytes read as null are not checked: a text may fail whole and
	 * decode cut, but then for a fault inside a cut value. Never the
	 * other way round. */
	if (whole && !cut)
		abort();
	if (!whole && cut) {
		bool inside = false;

		for (size_t i = 0; i < c.n; i++)
			inside |=
			    (size_t)e1.position >= c.v[i][0] && (size_t)e1.position <= c.v[i][1];
		if (!inside)
			abort();
		json_decref(cut);
		k8s_jcut_fini(&c);
		return;
	}
	if (whole && found) {
		size_t i;
		json_t *item;

		if (shape == K8S_JCUT_EVENT)
			null_status(json_object_get(whole, "object"));
		else
			json_array_foreach(json_object_get(whole, "items"), i, item)
			    null_status(item);
	}
	if (whole && !json_equal(whole, cut))
		abort();
	json_decref(whole);
	json_decref(cut);
	k8s_jcut_fini(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	expect((const char *)data, size, K8S_JCUT_EVENT);
	expect((const char *)data, size, K8S_JCUT_LIST);
	return 0;
}
