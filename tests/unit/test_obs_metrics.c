#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "obs/families.h"
#include "obs/metrics.h"

static const char *const l_peer[] = {"peer"};
static const char *const l_ab[] = {"a", "b"};

/* Renders r into a fresh NUL-terminated string the caller frees. */
static char *render(const struct obs_registry *r)
{
	struct buf b;
	char *s;

	buf_init(&b, 1 << 20);
	assert_int_equal(obs_render(r, &b), 0);
	s = malloc(buf_len(&b) + 1);
	assert_non_null(s);
	if (buf_len(&b))
		memcpy(s, buf_head(&b), buf_len(&b));
	s[buf_len(&b)] = 0;
	buf_fini(&b);
	return s;
}

static void assert_render(const struct obs_registry *r, const char *want)
{
	char *got = render(r);

	assert_string_equal(got, want);
	free(got);
}

static struct obs_registry *new_reg(size_t max)
{
	struct obs_registry *r = obs_registry_new(max);

	assert_non_null(r);
	return r;
}

static void reg(struct obs_registry *r, const char *name, const char *help, enum obs_type t,
                const char *const *labels, size_t n)
{
	struct obs_desc d = {.name = name, .help = help, .type = t, .labels = labels, .nlabels = n};

	assert_int_equal(obs_register(r, &d), 0);
}

static void test_value_format(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
	    {0, "0"},
	    {-0.0, "0"},
	    {1, "1"},
	    {-3, "-3"},
	    {1e6, "1000000"},
	    {123456789012345.0, "123456789012345"},
	    {9007199254740993.0, "9007199254740992"}, /* rounds to the double */
	    {1e18, "1000000000000000000"},
	    {1e19, "1e+19"}, /* beyond 2^63: shortest form */
	    {0.5, "0.5"},
	    {0.1, "0.1"},
	    {-2.25, "-2.25"},
	    {1.0 / 3, "0.3333333333333333"},
	    {0.0001, "0.0001"},
	    {0.00001, "1e-05"},
	    {1.5e300, "1.5e+300"},
	    {5e-324, "5e-324"},
	};
	char buf[OBS_VALUE_LEN];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = obs_format_value(buf, cases[i].v);

		assert_string_equal(buf, cases[i].want);
		assert_int_equal(n, strlen(cases[i].want));
	}
	obs_format_value(buf, INFINITY);
	assert_string_equal(buf, "+Inf");
	obs_format_value(buf, -INFINITY);
	assert_string_equal(buf, "-Inf");
	obs_format_value(buf, NAN);
	assert_string_equal(buf, "NaN");
	/* Every finite value reads back exactly. */
	for (i = 0; i < 10000; i++) {
		double v = ((double)rand() / RAND_MAX - 0.5), scale = 1;
		int e;

		/* Scales from 1e-20 to 1e19, no libm needed. */
		for (e = 0; e < (int)(i % 40); e++)
			scale *= 10;
		v *= scale / 1e20;

		obs_format_value(buf, v);
		assert_true(strtod(buf, NULL) == v);
		assert_null(strchr(buf, ','));
	}
}

static void test_exact_output(void **state)
{
	struct obs_registry *r = new_reg(0);

	reg(r, "b_gauge", "A gauge.", OBS_GAUGE, l_peer, 1);
	reg(r, "a_total", "A counter.", OBS_COUNTER, l_ab, 2);
	reg(r, "c_plain", "", OBS_GAUGE, NULL, 0);
	reg(r, "d_unused", "Never set.", OBS_COUNTER, NULL, 0);

	assert_render(r, ""); /* families without series are left out */
	assert_int_equal(obs_gauge_set(r, "b_gauge", OBS_LV("z"), 2.5), 0);
	assert_int_equal(obs_gauge_set(r, "b_gauge", OBS_LV("y"), -1), 0);
	assert_int_equal(obs_counter_add(r, "a_total", OBS_LV("x", "2"), 1), 0);
	assert_int_equal(obs_counter_add(r, "a_total", OBS_LV("x", "10"), 3), 0);
	assert_int_equal(obs_counter_add(r, "a_total", OBS_LV("w", "9"), 0), 0);
	assert_int_equal(obs_counter_add(r, "a_total", OBS_LV("x", "2"), 41), 0);
	assert_int_equal(obs_gauge_set(r, "c_plain", NULL, NAN), 0);
	assert_render(r, "# HELP a_total A counter.\n"
	                 "# TYPE a_total counter\n"
	                 "a_total{a=\"w\",b=\"9\"} 0\n"
	                 "a_total{a=\"x\",b=\"10\"} 3\n"
	                 "a_total{a=\"x\",b=\"2\"} 42\n"
	                 "# HELP b_gauge A gauge.\n"
	                 "# TYPE b_gauge gauge\n"
	                 "b_gauge{peer=\"y\"} -1\n"
	                 "b_gauge{peer=\"z\"} 2.5\n"
	                 "# TYPE c_plain gauge\n"
	                 "c_plain NaN\n");
	obs_registry_free(r);
}

static void test_escaping(void **state)
{
	struct obs_registry *r = new_reg(0);

	reg(r, "esc", "Back\\slash, \"quotes\" and\nnewline.", OBS_GAUGE, l_peer, 1);
	assert_int_equal(obs_gauge_set(r, "esc", OBS_LV("a\\b\"c\nd"), 1), 0);
	assert_int_equal(obs_gauge_set(r, "esc", OBS_LV("\xc3\xa9t\xc3\xa9 {=,}"), 2), 0);
	assert_int_equal(obs_gauge_set(r, "esc", OBS_LV(""), 3), 0);
	assert_render(r, "# HELP esc Back\\\\slash, \"quotes\" and\\nnewline.\n"
	                 "# TYPE esc gauge\n"
	                 "esc{peer=\"\"} 3\n"
	                 "esc{peer=\"a\\\\b\\\"c\\nd\"} 1\n"
	                 "esc{peer=\"\xc3\xa9t\xc3\xa9 {=,}\"} 2\n");
	obs_registry_free(r);
}

static void test_histogram(void **state)
{
	static const double b[] = {0.1, 1, 10};
	static const char *const l_op[] = {"op"};
	struct obs_desc d = {.name = "lat_seconds",
	                     .help = "Latency.",
	                     .type = OBS_HISTOGRAM,
	                     .labels = l_op,
	                     .nlabels = 1,
	                     .buckets = b,
	                     .nbuckets = 3};
	struct obs_registry *r = new_reg(0);
	double sum;

	assert_int_equal(obs_register(r, &d), 0);
	assert_int_equal(obs_histogram_observe(r, "lat_seconds", OBS_LV("get"), 0.1), 0);
	assert_int_equal(obs_histogram_observe(r, "lat_seconds", OBS_LV("get"), 0.05), 0);
	assert_int_equal(obs_histogram_observe(r, "lat_seconds", OBS_LV("get"), 5), 0);
	assert_int_equal(obs_histogram_observe(r, "lat_seconds", OBS_LV("get"), 100), 0);
	assert_int_equal(obs_histogram_observe(r, "lat_seconds", OBS_LV("get"), INFINITY), 0);
	assert_int_equal(obs_histogram_observe(r, "lat_seconds", OBS_LV("get"), NAN), -EINVAL);
	assert_int_equal(obs_histogram_observe(r, "lat_seconds", OBS_LV("put"), 1), 0);
	assert_int_equal(obs_value(r, "lat_seconds", OBS_LV("put"), &sum), 0);
	assert_true(sum == 1);
	assert_render(r, "# HELP lat_seconds Latency.\n"
	                 "# TYPE lat_seconds histogram\n"
	                 "lat_seconds_bucket{op=\"get\",le=\"0.1\"} 2\n"
	                 "lat_seconds_bucket{op=\"get\",le=\"1\"} 2\n"
	                 "lat_seconds_bucket{op=\"get\",le=\"10\"} 3\n"
	                 "lat_seconds_bucket{op=\"get\",le=\"+Inf\"} 5\n"
	                 "lat_seconds_sum{op=\"get\"} +Inf\n"
	                 "lat_seconds_count{op=\"get\"} 5\n"
	                 "lat_seconds_bucket{op=\"put\",le=\"0.1\"} 0\n"
	                 "lat_seconds_bucket{op=\"put\",le=\"1\"} 1\n"
	                 "lat_seconds_bucket{op=\"put\",le=\"10\"} 1\n"
	                 "lat_seconds_bucket{op=\"put\",le=\"+Inf\"} 1\n"
	                 "lat_seconds_sum{op=\"put\"} 1\n"
	                 "lat_seconds_count{op=\"put\"} 1\n");
	/* Wrong type for the family. */
	assert_int_equal(obs_counter_add(r, "lat_seconds", OBS_LV("get"), 1), -EINVAL);
	obs_registry_free(r);
}

static void test_histogram_unlabelled(void **state)
{
	static const double b[] = {0.5};
	struct obs_desc d = {
	    .name = "h", .help = "H.", .type = OBS_HISTOGRAM, .buckets = b, .nbuckets = 1};
	struct obs_registry *r = new_reg(0);

	assert_int_equal(obs_register(r, &d), 0);
	assert_int_equal(obs_histogram_observe(r, "h", NULL, 0.25), 0);
	assert_render(r, "# HELP h H.\n"
	                 "# TYPE h histogram\n"
	                 "h_bucket{le=\"0.5\"} 1\n"
	                 "h_bucket{le=\"+Inf\"} 1\n"
	                 "h_sum 0.25\n"
	                 "h_count 1\n");
	obs_registry_free(r);
}

static void test_register_validation(void **state)
{
	static const char *const bad_label[] = {"0x"};
	static const char *const reserved[] = {"__name"};
	static const char *const dup[] = {"a", "a"};
	static const char *const le[] = {"le"};
	static const double unsorted[] = {1, 1};
	static const double inf[] = {1, INFINITY};
	static const double ok_b[] = {1};
	static const char *const bad_names[] = {"", "1abc", "a-b", "a b", "é"};
	struct obs_registry *r = new_reg(0);
	struct obs_desc d = {.name = "ok", .help = "x", .type = OBS_GAUGE};
	size_t i;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		d.name = bad_names[i];
		assert_int_equal(obs_register(r, &d), -EINVAL);
	}
	d.name = NULL;
	assert_int_equal(obs_register(r, &d), -EINVAL);
	d.name = "ns:sub_ok";
	assert_int_equal(obs_register(r, &d), 0);
	assert_int_equal(obs_register(r, &d), -EEXIST);
	d.name = "x";
	d.help = "\xff";
	assert_int_equal(obs_register(r, &d), -EINVAL);
	d.help = NULL;
	assert_int_equal(obs_register(r, &d), -EINVAL);
	d.help = "x";
	d.labels = bad_label;
	d.nlabels = 1;
	assert_int_equal(obs_register(r, &d), -EINVAL);
	d.labels = reserved;
	assert_int_equal(obs_register(r, &d), -EINVAL);
	d.labels = dup;
	d.nlabels = 2;
	assert_int_equal(obs_register(r, &d), -EINVAL);
	d.labels = NULL;
	assert_int_equal(obs_register(r, &d), -EINVAL);
	d.nlabels = OBS_MAX_LABELS + 1;
	d.labels = dup;
	assert_int_equal(obs_register(r, &d), -EINVAL);
	/* Buckets only for histograms, and then sorted, finite, non-empty. */
	d.labels = NULL;
	d.nlabels = 0;
	d.buckets = ok_b;
	d.nbuckets = 1;
	assert_int_equal(obs_register(r, &d), -EINVAL);
	d.type = OBS_HISTOGRAM;
	d.buckets = unsorted;
	d.nbuckets = 2;
	assert_int_equal(obs_register(r, &d), -EINVAL);
	d.buckets = inf;
	assert_int_equal(obs_register(r, &d), -EINVAL);
	d.nbuckets = 0;
	assert_int_equal(obs_register(r, &d), -EINVAL);
	d.buckets = ok_b;
	d.nbuckets = 1;
	d.labels = le;
	d.nlabels = 1;
	assert_int_equal(obs_register(r, &d), -EINVAL);
	d.labels = NULL;
	d.nlabels = 0;
	d.type = (enum obs_type)7;
	assert_int_equal(obs_register(r, &d), -EINVAL);
	d.type = OBS_HISTOGRAM;
	assert_int_equal(obs_register(r, &d), 0);
	obs_registry_free(r);
}

static void test_update_validation(void **state)
{
	struct obs_registry *r = new_reg(0);
	char big[OBS_MAX_LABEL_VALUE + 2], want[OBS_MAX_LABEL_VALUE + 128];
	double v;

	reg(r, "c_total", "C.", OBS_COUNTER, l_peer, 1);
	reg(r, "g", "G.", OBS_GAUGE, NULL, 0);
	assert_int_equal(obs_counter_add(r, "nope", OBS_LV("a"), 1), -ENOENT);
	assert_int_equal(obs_counter_add(r, NULL, OBS_LV("a"), 1), -EINVAL);
	assert_int_equal(obs_counter_add(r, "c_total", OBS_LV("a"), -1), -EINVAL);
	assert_int_equal(obs_counter_add(r, "c_total", OBS_LV("a"), NAN), -EINVAL);
	assert_int_equal(obs_counter_add(r, "c_total", OBS_LV("a"), INFINITY), -EINVAL);
	assert_int_equal(obs_counter_add(r, "c_total", NULL, 1), -EINVAL);
	assert_int_equal(obs_counter_add(r, "c_total", OBS_LV(NULL), 1), -EINVAL);
	assert_int_equal(obs_counter_add(r, "c_total", OBS_LV("\xc0\x80"), 1), -EINVAL);
	assert_int_equal(obs_gauge_set(r, "c_total", OBS_LV("a"), 1), -EINVAL);
	assert_int_equal(obs_gauge_set(r, "g", NULL, 1), 0);
	assert_int_equal(obs_gauge_add(r, "g", NULL, -3.5), 0);
	assert_int_equal(obs_value(r, "g", NULL, &v), 0);
	assert_true(v == -2.5);
	/* Label values up to the limit are fine, one byte more is not. */
	memset(big, 'x', sizeof(big));
	big[OBS_MAX_LABEL_VALUE] = 0;
	assert_int_equal(obs_counter_add(r, "c_total", OBS_LV(big), 1), 0);
	big[OBS_MAX_LABEL_VALUE] = 'x';
	big[OBS_MAX_LABEL_VALUE + 1] = 0;
	assert_int_equal(obs_counter_add(r, "c_total", OBS_LV(big), 1), -EINVAL);
	assert_int_equal(obs_series_count(r, "c_total"), 1);
	assert_int_equal(obs_value(r, "c_total", OBS_LV("a"), &v), -ENOENT);
	/* Nothing failed above changed anything. */
	big[OBS_MAX_LABEL_VALUE] = 0;
	snprintf(want, sizeof(want),
	         "# HELP c_total C.\n# TYPE c_total counter\nc_total{peer=\"%s\"} 1\n"
	         "# HELP g G.\n# TYPE g gauge\ng -2.5\n",
	         big);
	assert_render(r, want);
	obs_registry_free(r);
}

static void test_utf8(void **state)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
	    {"plain", true},
	    {"\xc3\xa9", true},              /* é */
	    {"\xe2\x82\xac", true},          /* € */
	    {"\xf0\x9f\x98\x80", true},      /* U+1F600 */
	    {"\xf4\x8f\xbf\xbf", true},      /* U+10FFFF */
	    {"\xc3", false},                 /* truncated */
	    {"\xe2\x82", false},             /* truncated */
	    {"\x80", false},                 /* lone continuation */
	    {"\xc0\xaf", false},             /* overlong '/' */
	    {"\xe0\x80\xaf", false},         /* overlong */
	    {"\xf0\x80\x80\xaf", false},     /* overlong */
	    {"\xed\xa0\x80", false},         /* surrogate D800 */
	    {"\xf4\x90\x80\x80", false},     /* > U+10FFFF */
	    {"\xf8\x88\x80\x80\x80", false}, /* 5-byte form */
	    {"\xfe", false},
	    {"a\xc3(", false},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(obs_utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].ok);
}

static void test_cardinality_limit(void **state)
{
	struct obs_registry *r = new_reg(3);
	char name[16];
	double v;
	int i;

	reg(r, "g", "G.", OBS_GAUGE, l_peer, 1);
	reg(r, "h_total", "H.", OBS_COUNTER, l_peer, 1);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		assert_int_equal(obs_gauge_set(r, "g", OBS_LV(name), i), 0);
	}
	assert_int_equal(obs_gauge_set(r, "g", OBS_LV("p9"), 1), -ENOSPC);
	assert_int_equal(obs_gauge_set(r, "g", OBS_LV("p8"), 1), -ENOSPC);
	/* Existing series still update; other families have their own budget. */
	assert_int_equal(obs_gauge_set(r, "g", OBS_LV("p1"), 7), 0);
	assert_int_equal(obs_counter_add(r, "h_total", OBS_LV("a"), 1), 0);
	assert_int_equal(obs_series_count(r, "g"), 3);
	assert_int_equal(obs_value(r, OBS_DROPPED_SERIES, OBS_LV("g"), &v), 0);
	assert_true(v == 2);
	assert_render(r, "# HELP berth_metrics_dropped_series_total Series refused because their "
	                 "family reached its series limit.\n"
	                 "# TYPE berth_metrics_dropped_series_total counter\n"
	                 "berth_metrics_dropped_series_total{family=\"g\"} 2\n"
	                 "# HELP g G.\n# TYPE g gauge\n"
	                 "g{peer=\"p0\"} 0\n"
	                 "g{peer=\"p1\"} 7\n"
	                 "g{peer=\"p2\"} 2\n"
	                 "# HELP h_total H.\n# TYPE h_total counter\n"
	                 "h_total{peer=\"a\"} 1\n");
	/* Deleting frees room. */
	assert_int_equal(obs_series_del(r, "g", OBS_LV("p0")), 1);
	assert_int_equal(obs_series_del(r, "g", OBS_LV("p0")), 0);
	assert_int_equal(obs_series_del(r, "nope", OBS_LV("p0")), -ENOENT);
	assert_int_equal(obs_gauge_set(r, "g", OBS_LV("p9"), 1), 0);
	assert_int_equal(obs_family_reset(r, "g"), 0);
	assert_int_equal(obs_family_reset(r, "nope"), -ENOENT);
	assert_int_equal(obs_series_count(r, "g"), 0);
	obs_registry_free(r);
}

/* Many series inserted in random order come out sorted; deletions keep
 * the order. Checked against the rendered text. */
static void test_order_random(void **state)
{
	enum { N = 500 };
	struct obs_registry *r = new_reg(N);
	char name[16], *text, *p, prev[32] = "";
	int i, lines = 0;

	reg(r, "g", "G.", OBS_GAUGE, l_peer, 1);
	srand(7);
	for (i = 0; i < 4 * N; i++) {
		snprintf(name, sizeof(name), "%d", rand() % N);
		if (rand() % 4)
			assert_int_equal(obs_gauge_set(r, "g", OBS_LV(name), 1), 0);
		else
			assert_true(obs_series_del(r, "g", OBS_LV(name)) >= 0);
	}
	text = render(r);
	for (p = strstr(text, "g{peer=\""); p; p = strstr(p, "g{peer=\"")) {
		char cur[32];
		size_t n;

		p += 8;
		n = strcspn(p, "\"");
		assert_true(n < sizeof(cur));
		memcpy(cur, p, n);
		cur[n] = 0;
		assert_true(strcmp(prev, cur) < 0);
		strcpy(prev, cur);
		lines++;
	}
	assert_int_equal(lines, obs_series_count(r, "g"));
	free(text);
	obs_registry_free(r);
}

static void test_render_limit(void **state)
{
	struct obs_registry *r = new_reg(0);
	struct buf b;

	reg(r, "g", "G.", OBS_GAUGE, l_peer, 1);
	assert_int_equal(obs_gauge_set(r, "g", OBS_LV("a-rather-long-peer-name"), 1), 0);
	buf_init(&b, 16);
	assert_int_equal(obs_render(r, &b), -ENOBUFS);
	buf_fini(&b);
	obs_registry_free(r);
}

static void test_berth_families(void **state)
{
	struct obs_registry *r = new_reg(0);
	char *text;
	double v;

	assert_int_equal(obs_register_berth(r, "1.2.3"), 0);
	assert_int_equal(obs_register_berth(r, "1.2.3"), -EEXIST);
	assert_int_equal(obs_bgp_session_state_set(r, "192.0.2.1", "OpenSent"), 0);
	assert_int_equal(obs_bgp_session_state_set(r, "192.0.2.1", "Established"), 0);
	assert_int_equal(obs_bgp_session_state_set(r, "192.0.2.1", "Bogus"), -EINVAL);
	assert_int_equal(obs_bgp_session_state_set(r, "192.0.2.2", "Idle"), 0);
	assert_int_equal(
	    obs_gauge_set(r, OBS_BGP_PREFIXES_ANNOUNCED, OBS_LV("192.0.2.1", "ipv4"), 3), 0);
	assert_int_equal(
	    obs_gauge_set(r, OBS_BGP_PREFIXES_RECEIVED, OBS_LV("192.0.2.1", "ipv6"), 7), 0);
	assert_int_equal(obs_counter_add(r, OBS_BGP_UPDATES_SENT, OBS_LV("192.0.2.1"), 5), 0);
	assert_int_equal(obs_counter_add(r, OBS_ALLOCATIONS, OBS_LV("allocated"), 1), 0);
	assert_int_equal(obs_histogram_observe(r, OBS_ALLOCATION_DURATION, NULL, 0.0002), 0);
	assert_int_equal(obs_gauge_set(r, OBS_IS_LEADER, NULL, 1), 0);
	assert_int_equal(obs_value(r, OBS_BGP_SESSIONS_UP, OBS_LV("192.0.2.1"), &v), 0);
	assert_true(v == 1);
	assert_int_equal(obs_value(r, OBS_BGP_SESSIONS_UP, OBS_LV("192.0.2.2"), &v), 0);
	assert_true(v == 0);
	assert_int_equal(obs_series_count(r, OBS_BGP_SESSION_STATE), 12);
	text = render(r);
	assert_non_null(strstr(text, "berth_build_info{version=\"1.2.3\"} 1\n"));
	assert_non_null(strstr(text,
	                       "berth_bgp_session_state{peer=\"192.0.2.1\",state="
	                       "\"Established\"} 1\n"
	                       "berth_bgp_session_state{peer=\"192.0.2.1\",state=\"Idle\"} 0\n"));
	assert_non_null(strstr(text,
	                       "berth_allocation_duration_seconds_bucket{le=\"0.0001\"} 0\n"
	                       "berth_allocation_duration_seconds_bucket{le=\"0.0005\"} 1\n"));
	assert_non_null(strstr(text, "# TYPE berth_bgp_updates_sent_total counter\n"));
	assert_non_null(strstr(text, "berth_bgp_prefixes_received{peer=\"192.0.2.1\",family="
	                             "\"ipv6\"} 7\n"));
	assert_non_null(strstr(text, "berth_is_leader 1\n"));
	free(text);
	/* A removed peer disappears from every BGP family, others stay. */
	obs_bgp_peer_forget(r, "192.0.2.1");
	assert_int_equal(obs_series_count(r, OBS_BGP_SESSION_STATE), 6);
	assert_int_equal(obs_series_count(r, OBS_BGP_SESSIONS_UP), 1);
	assert_int_equal(obs_series_count(r, OBS_BGP_PREFIXES_ANNOUNCED), 0);
	assert_int_equal(obs_series_count(r, OBS_BGP_PREFIXES_RECEIVED), 0);
	assert_int_equal(obs_series_count(r, OBS_BGP_UPDATES_SENT), 0);
	assert_int_equal(obs_series_del_where(r, OBS_BGP_SESSIONS_UP, "nolabel", "x"), -ENOENT);
	text = render(r);
	assert_null(strstr(text, "192.0.2.1"));
	assert_non_null(strstr(text, "192.0.2.2"));
	free(text);
	obs_registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_value_format),
	    cmocka_unit_test(test_exact_output),
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_histogram),
	    cmocka_unit_test(test_histogram_unlabelled),
	    cmocka_unit_test(test_register_validation),
	    cmocka_unit_test(test_update_validation),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_cardinality_limit),
	    cmocka_unit_test(test_order_random),
	    cmocka_unit_test(test_render_limit),
	    cmocka_unit_test(test_berth_families),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
