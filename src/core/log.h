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

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* line: borrowed, valid during the call, no trailing newline. */
typedef void (*log_sink_fn)(enum log_level lvl, const char *line, void *arg);

void log_set_sink(log_sink_fn fn, void *arg, enum log_level max);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)   log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
