/*
 * jcut: which member values are found (event object, list items, nothing
 * deeper or elsewhere), that jansson then reads them as null and the rest
 * unchanged, and hostile texts: strings with brackets and escaped quotes,
 * escaped keys, truncations, garbage, wrong shapes, many items.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "k8s/jcut.h"

static const char *const members[] = {"status", "metadata.managedFields"};

/* Scans t, checks the count, decodes with the ranges; the caller frees. */
static json_t *cut(const char *t, enum k8s_jcut_shape shape, int want)
{
	struct k8s_jcut c;
	json_error_t err;
	json_t *o;

	k8s_jcut_init(&c);
	assert_int_equal(k8s_jcut_scan(&c, t, strlen(t), shape, members, 2), want);
	o = k8s_jcut_load(&c, t, strlen(t), 0, &err);
	k8s_jcut_fini(&c);
	return o;
}

static const char *str_at(const json_t *o, const char *path)
{
	return json_string_value(json_object_get(o, path));
}

static void test_event(void **state)
{
	const char *t =
	    "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Eip\",\"metadata\":{\"name\":"
	    "\"a\",\"status\":\"kept\"},\"spec\":{\"status\":\"kept too\"},"
	    "\"status\":{\"used\":{\"192.0.2.1\":\"ns/a\"},\"note\":\"}\\\"{[\"}}}";
	json_t *o = cut(t, K8S_JCUT_EVENT, 1), *obj = json_object_get(o, "object");

	assert_non_null(o);
	assert_true(json_is_null(json_object_get(obj, "status")));
	assert_string_equal(str_at(json_object_get(obj, "metadata"), "status"), "kept");
	assert_string_equal(str_at(json_object_get(obj, "spec"), "status"), "kept too");
	assert_string_equal(str_at(o, "type"), "MODIFIED");
	json_decref(o);
	/* the event's own status (there is none in Kubernetes) is no item's */
	o = cut("{\"status\":{\"a\":1},\"object\":{}}", K8S_JCUT_EVENT, 0);
	assert_non_null(json_object_get(json_object_get(o, "status"), "a"));
	json_decref(o);
	/* whitespace anywhere, scalar and empty values */
	o = cut(" \n{ \"object\" :\t{ \"status\" : 7 , \"x\" : [ ] } }\r\n", K8S_JCUT_EVENT, 1);
	assert_true(json_is_null(json_object_get(json_object_get(o, "object"), "status")));
	assert_true(json_is_array(json_object_get(json_object_get(o, "object"), "x")));
	json_decref(o);
}

/* "parent.name": only in the target's member parent, nowhere else. */
static void test_nested(void **state)
{
	const char *t = "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\","
	                "\"managedFields\":[{\"manager\":\"m\",\"fieldsV1\":{\"f:status\":{}}}]},"
	                "\"spec\":{\"managedFields\":1,\"metadata\":{\"managedFields\":2}},"
	                "\"managedFields\":3}}";
	json_t *o = cut(t, K8S_JCUT_EVENT, 1), *obj = json_object_get(o, "object");

	assert_true(
	    json_is_null(json_object_get(json_object_get(obj, "metadata"), "managedFields")));
	assert_string_equal(str_at(json_object_get(obj, "metadata"), "name"), "a");
	assert_int_equal(json_integer_value(json_object_get(obj, "managedFields")), 3);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(obj, "spec"), "managedFields")), 1);
	json_decref(o);
	/* metadata that is no object is skipped */
	o = cut("{\"object\":{\"metadata\":[1],\"status\":{}}}", K8S_JCUT_EVENT, 1);
	assert_non_null(o);
	json_decref(o);
}

static void test_list(void **state)
{
	const char *t = "{\"kind\":\"EipList\",\"metadata\":{\"resourceVersion\":\"9\"},\"items\":["
	                "{\"metadata\":{\"name\":\"a\"},\"status\":{\"x\":[1,{\"y\":\"]\"}]}},"
	                "{\"metadata\":{\"name\":\"b\"},\"spec\":{\"status\":1}},"
	                "{\"status\":\"s\",\"metadata\":{\"name\":\"c\"}}]}";
	json_t *o = cut(t, K8S_JCUT_LIST, 2), *items = json_object_get(o, "items");

	assert_non_null(o);
	assert_int_equal(json_array_size(items), 3);
	assert_true(json_is_null(json_object_get(json_array_get(items, 0), "status")));
	assert_null(json_object_get(json_array_get(items, 1), "status"));
	assert_int_equal(json_integer_value(json_object_get(
	                     json_object_get(json_array_get(items, 1), "spec"), "status")),
	                 1);
	assert_true(json_is_null(json_object_get(json_array_get(items, 2), "status")));
	assert_string_equal(str_at(json_object_get(json_array_get(items, 2), "metadata"), "name"),
	                    "c");
	json_decref(o);
	/* empty and null lists, items that are no objects */
	json_decref(cut("{\"items\":[]}", K8S_JCUT_LIST, 0));
	json_decref(cut("{\"items\":null}", K8S_JCUT_LIST, 0));
	o = cut("{\"items\":[1,\"x\",[{\"status\":1}],{\"status\":2}]}", K8S_JCUT_LIST, 1);
	assert_int_equal(
	    json_integer_value(json_object_get(
	        json_array_get(json_array_get(json_object_get(o, "items"), 2), 0), "status")),
	    1); /* deeper than an item: kept */
	json_decref(o);
}

static void test_many(void **state)
{
	size_t n = 1000, cap = n * 64 + 64, len = 0;
	char *t = malloc(cap);
	json_t *o, *item;
	size_t i;

	assert_non_null(t);
	len += (size_t)snprintf(t + len, cap - len, "{\"items\":[");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(t + len, cap - len,
		                        "%s{\"n\":%zu,\"status\":{\"u\":{\"a\":\"%zu\"}}}",
		                        i ? "," : "", i, i);
	snprintf(t + len, cap - len, "]}");
	o = cut(t, K8S_JCUT_LIST, (int)n);
	assert_int_equal(json_array_size(json_object_get(o, "items")), n);
	json_array_foreach(json_object_get(o, "items"), i, item)
	{
		assert_true(json_is_null(json_object_get(item, "status")));
		assert_int_equal(json_integer_value(json_object_get(item, "n")), i);
	}
	json_decref(o);
	free(t);
}

/* Texts it cannot follow give no ranges; decoding then is jansson's. */
static void test_hostile(void **state)
{
	static const char *const bad[] = {
	    "",
	    "   ",
	    "[]",
	    "{",
	    "{\"object\":{\"status\":{\"a\":1}}",   /* top not closed */
	    "{\"object\":{\"status\":{\"a\":1}}}x", /* garbage after */
	    "{\"object\":{\"status\"{}}}",          /* no colon */
	    "{\"object\":{\"status\":}}",           /* no value */
	    "{\"object\":{\"status\":\"abc}}}",     /* string never ends */
	    "{\"object\":{\"status\":{}\"x\":1}}",  /* no comma */
	    "{\"object\":{,\"status\":{}}}",
	    "{\"object\":{\"status\":{}},}",
	    "{object:{\"status\":{}}}",
	    "{\"object\":{\"status\":{\"a\":\"\\\"}}}", /* escaped quote, then open */
	};
	struct k8s_jcut c;
	json_error_t err;

	k8s_jcut_init(&c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *o;

		assert_int_equal(
		    k8s_jcut_scan(&c, bad[i], strlen(bad[i]), K8S_JCUT_EVENT, members, 2), 0);
		assert_int_equal(
		    k8s_jcut_scan(&c, bad[i], strlen(bad[i]), K8S_JCUT_LIST, members, 2), 0);
		o = k8s_jcut_load(&c, bad[i], strlen(bad[i]), 0, &err);
		if (strcmp(bad[i], "[]"))
			assert_null(o);
		json_decref(o);
	}
	/* a key spelled with an escape might be "status": decoded whole */
	json_t *o = cut("{\"object\":{\"st\\u0061tus\":{\"a\":1}}}", K8S_JCUT_EVENT, 0);
	assert_non_null(
	    json_object_get(json_object_get(json_object_get(o, "object"), "status"), "a"));
	json_decref(o);
	o = cut("{\"obj\\u0065ct\":{\"status\":{\"a\":1}}}", K8S_JCUT_EVENT, 0);
	assert_non_null(
	    json_object_get(json_object_get(json_object_get(o, "object"), "status"), "a"));
	json_decref(o);
	/* a truncated line is refused as before, cut or not */
	const char *t = "{\"type\":\"ADDED\",\"object\":{\"status\":{\"a\":1},\"spec\":{";
	assert_int_equal(k8s_jcut_scan(&c, t, strlen(t), K8S_JCUT_EVENT, members, 2), 0);
	assert_null(k8s_jcut_load(&c, t, strlen(t), 0, &err));
	k8s_jcut_fini(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_event),   cmocka_unit_test(test_nested),
	    cmocka_unit_test(test_list),    cmocka_unit_test(test_many),
	    cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
