/*
 * Rate limiting of repeated log messages, so that a flood (a client
 * connecting hundreds of times a second, a peer sending garbage in a
 * loop) leaves a readable log. Pure: time is a parameter, the table has
 * a size fixed at creation, and lines leave through the caller's
 * callback; core/log.h's log_limited() wires it to the log.
 *
 * A message has a key: its kind plus one or two strings (a source
 * address; a peer name and a reason). The first occurrence of a key is
 * shown at once, so that an operator sees a problem when it starts.
 * Later ones within the window (counted from that first one) are
 * counted; once the window is over one line per key says how many there
 * were ("refused 8,470 more BGP connections from 192.0.2.9/32 in the
 * last 10 s"): on the key's next occurrence, or from a periodic flush so
 * that the summary is not lost when the flood stops. A key that stays
 * busy gets one summary per window; one quiet for a window is forgotten.
 *
 * Memory is bounded. A full table gives up its least recently seen key
 * only once that key has been quiet for a window (its summary, if one
 * is owed, goes out first). While every key in it is busy a new key is
 * not shown but counted in its kind's "others" line: a flood from many
 * source addresses costs at most (slots + kinds + 1) lines per window,
 * not one per message.
 */
#ifndef BERTH_CORE_LOGLIMIT_H
#define BERTH_CORE_LOGLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"

/* Bytes of a key kept for the summary: both strings, truncated. */
#define CORE_LOGLIMIT_TEXT 192
/* Kinds whose "others" are counted separately in one window; more than
 * that share one generic line. */
#define CORE_LOGLIMIT_KINDS 8

/*
 * What a kind of message says when summarised. Templates take {n} (the
 * count, "8,470"), {a} and {b} (the key's strings) and {s} (the time the
 * count covers, "10 s"). Callers keep them in static storage: a kind is
 * known by its address.
 */
struct core_loglimit_kind {
	enum log_level lvl;  /* of the first line and the summaries */
	const char *summary; /* one key: {n} {a} {b} {s} */
	const char *others;  /* keys the table had no room for: {n} {s} */
};

enum core_loglimit_verdict {
	CORE_LOGLIMIT_SHOW = 0, /* the caller logs this occurrence now */
	CORE_LOGLIMIT_COUNTED,  /* counted for a summary: not logged */
};

/* A summary line, borrowed for the call. */
typedef void (*core_loglimit_emit_fn)(enum log_level lvl, const char *line, void *arg);

struct core_loglimit;

/* slots: keys followed at once (at least 1); window_ms: the counting
 * window (0 shows everything). NULL on error. */
struct core_loglimit *core_loglimit_new(size_t slots, uint64_t window_ms);
void core_loglimit_free(struct core_loglimit *l);

/*
 * One occurrence of (k, a, b) at now_ms (a monotonic clock, the same for
 * every call on l); a and b are borrowed, b may be NULL. Summaries that
 * fall due on the way go out through emit first.
 */
enum core_loglimit_verdict core_loglimit_hit(struct core_loglimit *l,
                                             const struct core_loglimit_kind *k, const char *a,
                                             const char *b, uint64_t now_ms,
                                             core_loglimit_emit_fn emit, void *arg);

/*
 * Emits the summaries whose window is over and forgets keys quiet for a
 * window; all: every count still pending, whatever its window (at exit).
 * Call it periodically (each second) so that summaries come in time.
 */
void core_loglimit_flush(struct core_loglimit *l, uint64_t now_ms, bool all,
                         core_loglimit_emit_fn emit, void *arg);

#endif
