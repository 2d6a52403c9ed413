/*
 * Watch stream parser: events split at every byte, many per read, and
 * hostile streams (garbage, wrong shapes, oversized lines, truncation).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "k8s/api.h"
#include "k8s/watch.h"

struct seen {
	int n;
	enum k8s_wev types[16];
	char names[16][64];
	int stop_at; /* return 1 from this event on (0: never) */
};

static int collect(enum k8s_wev type, json_t *obj, void *arg)
{
	struct seen *s = arg;
	const char *name = k8s_obj_name(obj);
	const char *rv = k8s_obj_rv(obj);

	if (s->n < 16) {
		s->types[s->n] = type;
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s@%s", name ? name : "-",
		         rv ? rv : "-");
	}
	s->n++;
	return s->stop_at && s->n >= s->stop_at ? 1 : 0;
}

static const char stream[] =
    "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\","
    "\"namespace\":\"default\",\"resourceVersion\":\"10\"}}}\n"
    "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\","
    "\"resourceVersion\":\"11\"},\"spec\":{\"x\":\"caf\xc3\xa9\\n\"}}}\r\n"
    "\n"
    "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Service\",\"metadata\":"
    "{\"resourceVersion\":\"12\"}}}\n"
    "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":"
    "\"13\"}}}\n"
    "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410}}\n";

static void check_all(const struct seen *s)
{
	assert_int_equal(s->n, 5);
	assert_int_equal(s->types[0], K8S_WEV_ADDED);
	assert_string_equal(s->names[0], "a@10");
	assert_int_equal(s->types[1], K8S_WEV_MODIFIED);
	assert_string_equal(s->names[1], "a@11");
	assert_int_equal(s->types[2], K8S_WEV_BOOKMARK);
	assert_string_equal(s->names[2], "-@12");
	assert_int_equal(s->types[3], K8S_WEV_DELETED);
	assert_int_equal(s->types[4], K8S_WEV_ERROR);
}

static void test_whole(void **state)
{
	struct k8s_wstream ws;
	struct seen s = {0};

	k8s_wstream_init(&ws, 0);
	assert_int_equal(k8s_wstream_feed(&ws, stream, strlen(stream), collect, &s), 0);
	assert_int_equal(k8s_wstream_finish(&ws), 0);
	check_all(&s);
	k8s_wstream_fini(&ws);
}

/* Two cuts at every pair of positions, so events and newlines are split
 * in every possible way, including inside UTF-8 sequences. */
static void test_every_split(void **state)
{
	size_t len = strlen(stream);

	for (size_t i = 0; i <= len; i += 3) {
		for (size_t j = i; j <= len; j += 5) {
			struct k8s_wstream ws;
			struct seen s = {0};

			k8s_wstream_init(&ws, 0);
			assert_int_equal(k8s_wstream_feed(&ws, stream, i, collect, &s), 0);
			assert_int_equal(k8s_wstream_feed(&ws, stream + i, j - i, collect, &s), 0);
			assert_int_equal(k8s_wstream_feed(&ws, stream + j, len - j, collect, &s),
			                 0);
			assert_int_equal(k8s_wstream_finish(&ws), 0);
			check_all(&s);
			k8s_wstream_fini(&ws);
		}
	}
}

static void test_byte_by_byte(void **state)
{
	struct k8s_wstream ws;
	struct seen s = {0};

	k8s_wstream_init(&ws, 0);
	for (size_t i = 0; i < strlen(stream); i++)
		assert_int_equal(k8s_wstream_feed(&ws, stream + i, 1, collect, &s), 0);
	assert_int_equal(k8s_wstream_finish(&ws), 0);
	check_all(&s);
	k8s_wstream_fini(&ws);
}

/* Feeds text; expects rc and, when why_part is set, that text in why. */
static void expect_bad(const char *text, size_t len, int rc, const char *why_part)
{
	struct k8s_wstream ws;
	struct seen s = {0};

	k8s_wstream_init(&ws, 200);
	assert_int_equal(k8s_wstream_feed(&ws, text, len, collect, &s), rc);
	if (why_part && !strstr(ws.why, why_part))
		fail_msg("why \"%s\" lacks \"%s\"", ws.why, why_part);
	/* sticky: the stream is not trusted again until reset */
	assert_int_equal(k8s_wstream_feed(&ws, "\n", 1, collect, &s), rc);
	assert_int_equal(k8s_wstream_finish(&ws), rc);
	k8s_wstream_reset(&ws);
	assert_int_equal(
	    k8s_wstream_feed(&ws, "{\"type\":\"ADDED\",\"object\":{}}\n", 29, collect, &s), 0);
	assert_int_equal(s.types[s.n - 1], K8S_WEV_ADDED);
	k8s_wstream_fini(&ws);
}

#define BAD(text, rc, why) expect_bad(text, sizeof(text) - 1, rc, why)

static void test_garbage(void **state)
{
	BAD("not json\n", -EBADMSG, "not JSON");
	BAD("<html>502 Bad Gateway</html>\n", -EBADMSG, "not JSON");
	BAD("[1,2]\n", -EBADMSG, "without a type");
	BAD("\"ADDED\"\n", -EBADMSG, "not JSON");
	BAD("{\"type\":7,\"object\":{}}\n", -EBADMSG, "without a type");
	BAD("{\"object\":{\"kind\":\"Service\",\"metadata\":{\"name\":\"web\","
	    "\"namespace\":\"ns1\"}}}\n",
	    -EBADMSG, "for Service ns1/web");
	BAD("{\"type\":\"SYNC\",\"object\":{\"kind\":\"Eip\",\"metadata\":{\"name\":\"p\"}}}\n",
	    -EBADMSG, "unknown event type \"SYNC\" for Eip p");
	BAD("{\"type\":\"ADDED\",\"object\":\"x\"}\n", -EBADMSG, "without an object");
	BAD("{\"type\":\"ADDED\",\"object\":null}\n", -EBADMSG, "without an object");
	BAD("{\"type\":\"ADDED\"}\n", -EBADMSG, "without an object");
	BAD("{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{}}}\n", -EBADMSG, "BOOKMARK without");
	BAD("{\"type\":\"ADDED\",\"object\":{}}{\"type\":\"ADDED\",\"object\":{}}\n", -EBADMSG,
	    "not JSON");
	BAD("{\"type\":\"ADDED\",\"object\":{\"a\":\"\\u0000\"}}\n", -EBADMSG, "not JSON");
	BAD("{\"type\":\"ADDED\",\"object\":{\"a\":\"\xff\xfe\"}}\n", -EBADMSG, "not JSON");
	BAD("{\"type\":\"ADDED\",\x00\"object\":{}}\n", -EBADMSG, "not JSON");
	BAD("{\"type\":\"ADDED\",\"object\":{\"n\":123456789012345678901234567890}}\n", -EBADMSG,
	    "not JSON");
}

static void test_oversized(void **state)
{
	char big[512];

	/* max_line is 200 in expect_bad: a longer line, with or without its
	 * newline yet, is refused before it is buffered */
	memset(big, 'x', sizeof(big));
	expect_bad(big, sizeof(big), -EMSGSIZE, "longer than 200");
	big[300] = '\n';
	expect_bad(big, sizeof(big), -EMSGSIZE, "longer than 200");
}

static void test_truncated(void **state)
{
	struct k8s_wstream ws;
	struct seen s = {0};
	const char *t = "{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"MOD";

	k8s_wstream_init(&ws, 0);
	assert_int_equal(k8s_wstream_feed(&ws, t, strlen(t), collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(k8s_wstream_finish(&ws), -EBADMSG);
	assert_non_null(strstr(ws.why, "inside an event"));
	k8s_wstream_fini(&ws);
	/* trailing blanks are no event */
	k8s_wstream_init(&ws, 0);
	assert_int_equal(k8s_wstream_feed(&ws, " \r", 2, collect, &s), 0);
	assert_int_equal(k8s_wstream_finish(&ws), 0);
	k8s_wstream_fini(&ws);
}

static void test_stop(void **state)
{
	struct k8s_wstream ws;
	struct seen s = {.stop_at = 2};

	k8s_wstream_init(&ws, 0);
	assert_int_equal(k8s_wstream_feed(&ws, stream, strlen(stream), collect, &s), 1);
	assert_int_equal(s.n, 2);
	k8s_wstream_fini(&ws);
}

static void test_deep(void **state)
{
	/* deeper than jansson's parser limit: refused, not a crash */
	size_t depth = 5000, n = 0;
	char *t = malloc(depth * 2 + 64);
	struct k8s_wstream ws;
	struct seen s = {0};

	n += (size_t)sprintf(t, "{\"type\":\"ADDED\",\"object\":{\"a\":");
	for (size_t i = 0; i < depth; i++)
		t[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		t[n++] = ']';
	n += (size_t)sprintf(t + n, "}}\n");
	k8s_wstream_init(&ws, 0);
	assert_int_equal(k8s_wstream_feed(&ws, t, n, collect, &s), -EBADMSG);
	assert_int_equal(s.n, 0);
	k8s_wstream_fini(&ws);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_whole),        cmocka_unit_test(test_every_split),
	    cmocka_unit_test(test_byte_by_byte), cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_oversized),    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_stop),         cmocka_unit_test(test_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
