/* core_loglimit: repeated log messages counted and summarised. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/log.h"
#include "core/loglimit.h"

#define W 10000 /* the window, ms */

static const struct core_loglimit_kind refused = {
    .lvl = LOG_LVL_INFO,
    .summary = "refused {n} more BGP connections from {a} in the last {s}: no BgpPeer with "
               "that address",
    .others = "refused {n} BGP connections from other addresses in the last {s}",
};

static const struct core_loglimit_kind malformed = {
    .lvl = LOG_LVL_WARN,
    .summary = "{a}: {n} more malformed messages in the last {s}: {b}",
    .others = "{n} malformed messages from other peers in the last {s}",
};

/* What the limiter emitted: the lines, in order. */
struct lines {
	char v[64][512];
	enum log_level lvl[64];
	size_t n;
};

static void collect(enum log_level lvl, const char *line, void *arg)
{
	struct lines *ls = arg;

	assert_true(ls->n < 64);
	snprintf(ls->v[ls->n], sizeof(ls->v[0]), "%s", line);
	ls->lvl[ls->n++] = lvl;
}

static enum core_loglimit_verdict hit(struct core_loglimit *l, const struct core_loglimit_kind *k,
                                      const char *a, const char *b, uint64_t now, struct lines *ls)
{
	return core_loglimit_hit(l, k, a, b, now, collect, ls);
}

static void test_first_at_once(void **state)
{
	struct core_loglimit *l = core_loglimit_new(8, W);
	struct lines ls = {.n = 0};

	(void)state;
	assert_non_null(l);
	assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, 1000, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, 1001, &ls), CORE_LOGLIMIT_COUNTED);
	/* Another key, or the same strings of another kind: shown at once. */
	assert_int_equal(hit(l, &refused, "192.0.2.10/32", NULL, 1002, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &malformed, "192.0.2.9/32", NULL, 1003, &ls), CORE_LOGLIMIT_SHOW);
	/* The second string is part of the key. */
	assert_int_equal(hit(l, &malformed, "BgpPeer tor", "bad marker", 1004, &ls),
	                 CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &malformed, "BgpPeer tor", "bad length", 1005, &ls),
	                 CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &malformed, "BgpPeer tor", "bad marker", 1006, &ls),
	                 CORE_LOGLIMIT_COUNTED);
	/* ("ab", "c") and ("a", "bc") differ. */
	assert_int_equal(hit(l, &malformed, "ab", "c", 1007, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &malformed, "a", "bc", 1008, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(ls.n, 0); /* nothing to summarise yet */
	core_loglimit_free(l);
}

static void test_count_and_summary(void **state)
{
	struct core_loglimit *l = core_loglimit_new(8, W);
	struct lines ls = {.n = 0};
	size_t shown = 0;

	(void)state;
	/* 8,470 connections in 10 s, the first at 5000. */
	for (uint64_t i = 0; i < 8470; i++)
		shown += hit(l, &refused, "192.0.2.9/32", NULL, 5000 + i * W / 8470, &ls) ==
		         CORE_LOGLIMIT_SHOW;
	assert_int_equal(shown, 1);
	core_loglimit_flush(l, 5000 + W - 1, false, collect, &ls);
	assert_int_equal(ls.n, 0); /* the window is not over */
	core_loglimit_flush(l, 5000 + W, false, collect, &ls);
	assert_int_equal(ls.n, 1);
	assert_int_equal(ls.lvl[0], LOG_LVL_INFO);
	assert_string_equal(ls.v[0], "refused 8,469 more BGP connections from 192.0.2.9/32 in the "
	                             "last 10 s: no BgpPeer with that address");
	/* Once only. */
	core_loglimit_flush(l, 5000 + W + 500, false, collect, &ls);
	assert_int_equal(ls.n, 1);
	/* The flood goes on: counted in the next window, not shown again. */
	assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, 5000 + W + 600, &ls),
	                 CORE_LOGLIMIT_COUNTED);
	assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, 5000 + W + 700, &ls),
	                 CORE_LOGLIMIT_COUNTED);
	core_loglimit_flush(l, 5000 + 2 * W, false, collect, &ls);
	assert_int_equal(ls.n, 2);
	assert_string_equal(ls.v[1], "refused 2 more BGP connections from 192.0.2.9/32 in the "
	                             "last 10 s: no BgpPeer with that address");
	/* Quiet for a window: nothing to say, and the key is forgotten... */
	core_loglimit_flush(l, 5000 + 3 * W, false, collect, &ls);
	assert_int_equal(ls.n, 2);
	/* ...so that it is shown at once when it comes back. */
	assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, 5000 + 3 * W + 100, &ls),
	                 CORE_LOGLIMIT_SHOW);
	core_loglimit_free(l);
}

/* Without a flush, the next occurrence after the window brings the
 * summary; a single occurrence per window is shown each time. */
static void test_summary_on_next(void **state)
{
	struct core_loglimit *l = core_loglimit_new(8, W);
	struct lines ls = {.n = 0};

	(void)state;
	assert_int_equal(hit(l, &malformed, "BgpPeer tor", "bad marker", 0, &ls),
	                 CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &malformed, "BgpPeer tor", "bad marker", 100, &ls),
	                 CORE_LOGLIMIT_COUNTED);
	assert_int_equal(hit(l, &malformed, "BgpPeer tor", "bad marker", 200, &ls),
	                 CORE_LOGLIMIT_COUNTED);
	assert_int_equal(hit(l, &malformed, "BgpPeer tor", "bad marker", 12000, &ls),
	                 CORE_LOGLIMIT_COUNTED);
	assert_int_equal(ls.n, 1);
	assert_int_equal(ls.lvl[0], LOG_LVL_WARN);
	assert_string_equal(ls.v[0],
	                    "BgpPeer tor: 2 more malformed messages in the last 12 s: bad marker");
	/* The one at 12000 opened the next count: summarised at exit. */
	core_loglimit_flush(l, 12500, true, collect, &ls);
	assert_int_equal(ls.n, 2);
	assert_string_equal(ls.v[1],
	                    "BgpPeer tor: 1 more malformed messages in the last 1 s: bad marker");
	/* A rare message is shown every time: nothing left to count. */
	assert_int_equal(hit(l, &refused, "198.51.100.1/32", NULL, 20000, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &refused, "198.51.100.1/32", NULL, 40000, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &refused, "198.51.100.1/32", NULL, 60000, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(ls.n, 2);
	core_loglimit_free(l);
}

/*
 * A flood from 1,000 addresses, round and round, into a table of 4: the
 * first 4 are followed, the rest go to "others"; the lines stay bounded.
 */
static void test_many_keys(void **state)
{
	struct core_loglimit *l = core_loglimit_new(4, W);
	struct lines ls = {.n = 0};
	size_t shown = 0, total = 0;
	char a[32];

	(void)state;
	for (int round = 0; round < 5; round++)
		for (int i = 0; i < 1000; i++, total++) {
			snprintf(a, sizeof(a), "2001:db8::%x/128", i);
			shown +=
			    hit(l, &refused, a, NULL, (uint64_t)total, &ls) == CORE_LOGLIMIT_SHOW;
		}
	assert_int_equal(shown, 4);
	assert_int_equal(ls.n, 0);
	/* One line per followed key, one for the others (counted since 4). */
	core_loglimit_flush(l, W + 3, false, collect, &ls);
	assert_int_equal(ls.n, 4);
	core_loglimit_flush(l, W + 4, false, collect, &ls);
	assert_int_equal(ls.n, 5);
	assert_string_equal(ls.v[0], "refused 4 more BGP connections from 2001:db8::0/128 in the "
	                             "last 10 s: no BgpPeer with that address");
	assert_string_equal(ls.v[4], "refused 4,980 BGP connections from other addresses in the "
	                             "last 10 s");
	/* The others' count starts over; a new key still finds no room while
	 * the followed ones are busy. */
	core_loglimit_flush(l, 2 * W, false, collect, &ls);
	assert_int_equal(ls.n, 5);
	for (int i = 0; i < 4; i++) {
		snprintf(a, sizeof(a), "2001:db8::%x/128", i);
		assert_int_equal(hit(l, &refused, a, NULL, 2 * W + 1, &ls), CORE_LOGLIMIT_COUNTED);
	}
	assert_int_equal(hit(l, &refused, "192.0.2.1/32", NULL, 2 * W + 2, &ls),
	                 CORE_LOGLIMIT_COUNTED);
	/* The flood stopped: after a quiet window the table is free again. */
	core_loglimit_flush(l, 3 * W + 2, false, collect, &ls);
	assert_int_equal(ls.n, 10);
	assert_string_equal(ls.v[9], "refused 1 BGP connections from other addresses in the last "
	                             "10 s");
	core_loglimit_flush(l, 4 * W + 2, false, collect, &ls);
	assert_int_equal(ls.n, 10);
	assert_int_equal(hit(l, &refused, "192.0.2.1/32", NULL, 4 * W + 3, &ls),
	                 CORE_LOGLIMIT_SHOW);
	core_loglimit_free(l);
}

/* Full table, no flush: the least recently seen key gives way once it
 * has been quiet for a window, its count summarised first. */
static void test_lru(void **state)
{
	struct core_loglimit *l = core_loglimit_new(2, W);
	struct lines ls = {.n = 0};

	(void)state;
	assert_int_equal(hit(l, &refused, "192.0.2.1/32", NULL, 0, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &refused, "192.0.2.1/32", NULL, 1000, &ls), CORE_LOGLIMIT_COUNTED);
	assert_int_equal(hit(l, &refused, "192.0.2.2/32", NULL, 5000, &ls), CORE_LOGLIMIT_SHOW);
	/* 192.0.2.1 (last seen at 1000) is not quiet yet at 10999. */
	assert_int_equal(hit(l, &refused, "192.0.2.3/32", NULL, 10999, &ls), CORE_LOGLIMIT_COUNTED);
	assert_int_equal(ls.n, 0);
	/* At 11000 it is: summarised, and its slot goes to 192.0.2.4. */
	assert_int_equal(hit(l, &refused, "192.0.2.4/32", NULL, 11000, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(ls.n, 1);
	assert_string_equal(ls.v[0], "refused 1 more BGP connections from 192.0.2.1/32 in the last "
	                             "11 s: no BgpPeer with that address");
	/* 192.0.2.2 (shown at 5000) kept its slot: counted. */
	assert_int_equal(hit(l, &refused, "192.0.2.2/32", NULL, 11001, &ls), CORE_LOGLIMIT_COUNTED);
	/* 192.0.2.3 went to the others, counted since 10999; 192.0.2.4 had
	 * nothing more to say. */
	core_loglimit_flush(l, 21001, false, collect, &ls);
	assert_int_equal(ls.n, 3);
	assert_string_equal(ls.v[1], "refused 1 more BGP connections from 192.0.2.2/32 in the last "
	                             "16 s: no BgpPeer with that address");
	assert_string_equal(ls.v[2], "refused 1 BGP connections from other addresses in the last "
	                             "10 s");
	core_loglimit_free(l);
}

/* Time in jumps: an hour of silence, a clock that goes back. */
static void test_time_jumps(void **state)
{
	struct core_loglimit *l = core_loglimit_new(4, W);
	struct lines ls = {.n = 0};
	uint64_t t = 1000;

	(void)state;
	assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, t, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, t + 1, &ls), CORE_LOGLIMIT_COUNTED);
	t += 3600 * 1000;
	/* The summary says how long it covers, then a new count begins. */
	assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, t, &ls), CORE_LOGLIMIT_COUNTED);
	assert_int_equal(ls.n, 1);
	assert_string_equal(ls.v[0], "refused 1 more BGP connections from 192.0.2.9/32 in the last "
	                             "3600 s: no BgpPeer with that address");
	/* A big jump straight to the flush: due at once. */
	core_loglimit_flush(l, t + 24 * 3600 * 1000ull, false, collect, &ls);
	assert_int_equal(ls.n, 2);
	/* Backwards: the window ends rather than mute the key for good. */
	assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, 5, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, 6, &ls), CORE_LOGLIMIT_COUNTED);
	/* Summaries within the window's first second say 1 s, not 0 s. */
	core_loglimit_flush(l, 7, true, collect, &ls);
	assert_int_equal(ls.n, 3);
	assert_string_equal(ls.v[2], "refused 1 more BGP connections from 192.0.2.9/32 in the last "
	                             "1 s: no BgpPeer with that address");
	/* The end of the clock. */
	assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, UINT64_MAX - 1, &ls),
	                 CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, UINT64_MAX, &ls),
	                 CORE_LOGLIMIT_COUNTED);
	core_loglimit_free(l);
}

/* A window of 0 limits nothing. */
static void test_no_window(void **state)
{
	struct core_loglimit *l = core_loglimit_new(1, 0);
	struct lines ls = {.n = 0};

	(void)state;
	for (uint64_t t = 0; t < 5; t++)
		assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, 100, &ls),
		                 CORE_LOGLIMIT_SHOW);
	assert_int_equal(ls.n, 0);
	assert_null(core_loglimit_new(0, W));
	core_loglimit_free(NULL);
	core_loglimit_free(l);
}

/* Ten kinds flooding a full table: eight have their own others line,
 * the rest share one. */
static void test_many_kinds(void **state)
{
	static struct core_loglimit_kind kinds[10];
	struct core_loglimit *l = core_loglimit_new(1, W);
	struct lines ls = {.n = 0};

	(void)state;
	for (int i = 0; i < 10; i++)
		kinds[i] = (struct core_loglimit_kind){LOG_LVL_INFO, "{n} x", "{n} of others"};
	assert_int_equal(hit(l, &refused, "192.0.2.9/32", NULL, 0, &ls), CORE_LOGLIMIT_SHOW);
	for (int i = 0; i < 10; i++)
		for (int k = 0; k <= i; k++)
			assert_int_equal(hit(l, &kinds[i], "a", NULL, 1, &ls),
			                 CORE_LOGLIMIT_COUNTED);
	core_loglimit_flush(l, W + 1, false, collect, &ls);
	assert_int_equal(ls.n, 9);
	for (int i = 0; i < 8; i++) {
		char want[32];

		snprintf(want, sizeof(want), "%d of others", i + 1);
		assert_string_equal(ls.v[i], want);
	}
	assert_int_equal(ls.lvl[8], LOG_LVL_WARN);
	assert_string_equal(ls.v[8], "19 more log lines not shown in the last 10 s (too many kinds "
	                             "of repeated messages at once)");
	core_loglimit_free(l);
}

/* Templates: placeholders, text that only looks like one, long keys. */
static void test_text(void **state)
{
	static const struct core_loglimit_kind odd = {LOG_LVL_INFO, "{n}{a}{b}{s} {x} {} {a {",
	                                              "{a}{b}{n}{"};
	static const struct core_loglimit_kind thrice = {LOG_LVL_INFO, "{a}{a}{a}", "-"};
	struct core_loglimit *l = core_loglimit_new(1, W), *l2 = core_loglimit_new(2, W);
	struct lines ls = {.n = 0};
	char big[600], want[512];

	(void)state;
	assert_int_equal(hit(l, &odd, "A", "B", 0, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &odd, "A", "B", 1234567, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &odd, "A", "B", 1234568, &ls), CORE_LOGLIMIT_COUNTED);
	core_loglimit_flush(l, 1234567 + 1000000, true, collect, &ls);
	assert_int_equal(ls.n, 1);
	assert_string_equal(ls.v[0], "1AB1000 s {x} {} {a {");
	/* Others: a and b are empty. */
	assert_int_equal(hit(l, &odd, "A", "B", 3000000, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l, &odd, "C", "D", 3000001, &ls), CORE_LOGLIMIT_COUNTED);
	core_loglimit_flush(l, 3000002, true, collect, &ls);
	assert_int_equal(ls.n, 2);
	assert_string_equal(ls.v[1], "1{");
	/* A key longer than its slot keeps its identity (the hash of the
	 * whole) and is shown truncated. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(hit(l2, &malformed, big, "b", 0, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l2, &malformed, big, "b", 1, &ls), CORE_LOGLIMIT_COUNTED);
	big[300] = 'y';
	assert_int_equal(hit(l2, &malformed, big, "b", 2, &ls), CORE_LOGLIMIT_SHOW);
	big[300] = 'x';
	core_loglimit_flush(l2, 3, true, collect, &ls);
	assert_int_equal(ls.n, 3);
	snprintf(want, sizeof(want),
	         "%.*s: 1 more malformed messages in the last 1 s: ", CORE_LOGLIMIT_TEXT - 2, big);
	assert_string_equal(ls.v[2], want);
	/* A line longer than the summary buffer is cut, never overrun. */
	assert_int_equal(hit(l2, &thrice, big, NULL, 10, &ls), CORE_LOGLIMIT_SHOW);
	assert_int_equal(hit(l2, &thrice, big, NULL, 11, &ls), CORE_LOGLIMIT_COUNTED);
	core_loglimit_flush(l2, 12, true, collect, &ls);
	assert_int_equal(ls.n, 4);
	/* Three keys of 190 bytes: 570, cut to the 511 of a summary. */
	assert_int_equal(strlen(ls.v[3]), 511);
	core_loglimit_free(l);
	core_loglimit_free(l2);
}

/* Every line starts with its count ({n} first in every template). */
struct sum {
	uint64_t counted, lines;
};

static void add_up(enum log_level lvl, const char *line, void *arg)
{
	struct sum *sm = arg;
	uint64_t n = 0;

	for (; (*line >= '0' && *line <= '9') || *line == ','; line++)
		if (*line != ',')
			n = n * 10 + (uint64_t)(*line - '0');
	sm->counted += n;
	sm->lines++;
}

/*
 * Random floods (keys from pools of 1 to 10,000, ten kinds with most
 * hits on one, time in jumps up to three windows, flushes now and then):
 * every occurrence is either shown or counted in exactly one summary
 * line, none twice, none lost. And the summaries stay bounded, whatever
 * the number of keys.
 */
static void test_conservation(void **state)
{
	static const size_t slots[] = {1, 2, 4, 16};
	static const uint64_t windows[] = {0, 10, 1000};
	static const unsigned pools[] = {1, 5, 100, 10000};
	static struct core_loglimit_kind kinds[10];
	unsigned seed = 1;

	(void)state;
	for (int i = 0; i < 10; i++)
		kinds[i] =
		    (struct core_loglimit_kind){LOG_LVL_INFO, "{n} for {a} {b}", "{n} others"};
	for (size_t si = 0; si < 4; si++)
		for (size_t wi = 0; wi < 3; wi++)
			for (size_t pi = 0; pi < 4; pi++) {
				struct core_loglimit *l = core_loglimit_new(slots[si], windows[wi]);
				struct sum sm = {0, 0};
				uint64_t now = 0, shown = 0, hits = 20000, start = 0, wlines = 0;
				char a[16];

				for (uint64_t h = 0; h < hits; h++) {
					unsigned r = (unsigned)rand_r(&seed);
					uint64_t before = sm.lines;

					if (r % 997 == 0)
						now +=
						    (uint64_t)rand_r(&seed) % (3 * windows[wi] + 1);
					else if (r % 8 == 0)
						now++;
					snprintf(a, sizeof(a), "%u",
					         (unsigned)rand_r(&seed) % pools[pi]);
					shown += core_loglimit_hit(
					             l, &kinds[r % 10 < 8 ? 0 : r % 10], a, NULL,
					             now, add_up, &sm) == CORE_LOGLIMIT_SHOW;
					if (r % 101 == 0)
						core_loglimit_flush(l, now, false, add_up, &sm);
					/* Summaries in any span shorter than a window:
					 * at most one per slot, per kind's others and
					 * the shared one (windows of 1000 only: 10 is
					 * shorter than most steps of the clock). */
					if (windows[wi] == 1000 && now - start >= windows[wi]) {
						assert_true(wlines <=
						            slots[si] + CORE_LOGLIMIT_KINDS + 1);
						start = now;
						wlines = 0;
					}
					wlines += sm.lines - before;
				}
				core_loglimit_flush(l, now, true, add_up, &sm);
				assert_int_equal(shown + sm.counted, hits);
				core_loglimit_free(l);
			}
}

/* ---- through the log ---- */

static struct lines sunk;

static void sink(enum log_level lvl, const char *line, void *arg)
{
	collect(lvl, line, &sunk);
}

static void test_log_limited(void **state)
{
	struct core_loglimit *l = core_loglimit_new(4, W);

	(void)state;
	sunk.n = 0;
	log_set_sink(sink, NULL, LOG_LVL_INFO);
	for (int i = 0; i < 3; i++)
		log_limited(l, &refused, "192.0.2.9/32", NULL, 100 + (uint64_t)i,
		            "refused a BGP connection from %s: no BgpPeer with that address",
		            "192.0.2.9/32");
	assert_int_equal(sunk.n, 1);
	assert_string_equal(
	    sunk.v[0], "refused a BGP connection from 192.0.2.9/32: no BgpPeer with that address");
	log_limited_flush(l, 100 + W, false);
	assert_int_equal(sunk.n, 2);
	assert_int_equal(sunk.lvl[1], LOG_LVL_INFO);
	assert_string_equal(sunk.v[1],
	                    "refused 2 more BGP connections from 192.0.2.9/32 in the last "
	                    "10 s: no BgpPeer with that address");
	/* Without a limiter: every line. */
	for (int i = 0; i < 3; i++)
		log_limited(NULL, &malformed, "BgpPeer tor", "bad marker", 0,
		            "%s: malformed message: %s", "BgpPeer tor", "bad marker");
	log_limited_flush(NULL, 0, true);
	assert_int_equal(sunk.n, 5);
	assert_string_equal(sunk.v[4], "BgpPeer tor: malformed message: bad marker");
	/* A level filtered out is not even counted. */
	log_set_sink(sink, NULL, LOG_LVL_ERROR);
	log_limited(l, &malformed, "BgpPeer tor", "bad marker", 200, "x");
	log_set_sink(sink, NULL, LOG_LVL_INFO);
	log_limited(l, &malformed, "BgpPeer tor", "bad marker", 201, "shown");
	assert_int_equal(sunk.n, 6);
	assert_string_equal(sunk.v[5], "shown");
	log_set_sink(NULL, NULL, LOG_LVL_ERROR);
	core_loglimit_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_at_once),
	    cmocka_unit_test(test_count_and_summary),
	    cmocka_unit_test(test_summary_on_next),
	    cmocka_unit_test(test_many_keys),
	    cmocka_unit_test(test_lru),
	    cmocka_unit_test(test_time_jumps),
	    cmocka_unit_test(test_no_window),
	    cmocka_unit_test(test_many_kinds),
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_conservation),
	    cmocka_unit_test(test_log_limited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
