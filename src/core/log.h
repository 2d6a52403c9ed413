/*
 * Logging for the impure layers (peer I/O, config loading, daemons).
 * Pure modules (codecs, FSM, allocator) never log: they return errors.
 *
 * The library formats one line per event and hands it to a sink that
 * cmd/ installs; without a sink nothing is printed.
 */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* line: borrowed, valid during the call, no trailing newline. */
typedef void (*log_sink_fn)(enum log_level lvl, const char *line, void *arg);

void log_set_sink(log_sink_fn fn, void *arg, enum log_level max);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A message that may repeat in a flood, through the rate limiter l
 * (core/loglimit.h, borrowed): logged at once when it is the first of its
 * key (k, a, b), else counted for a summary line; at k->lvl. l NULL:
 * always logged. now_ms: the monotonic clock the owner of l uses for
 * every call on it. Not formatted when not logged.
 */
struct core_loglimit;
struct core_loglimit_kind;
void log_limited(struct core_loglimit *l, const struct core_loglimit_kind *k, const char *a,
                 const char *b, uint64_t now_ms, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The summaries due from l (all: every pending count, at exit); the
 * owner calls it each second from a timer. l may be NULL. */
void log_limited_flush(struct core_loglimit *l, uint64_t now_ms, bool all);

#define log_err(...)   log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
