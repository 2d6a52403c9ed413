/*
 * The process-wide log: one sink that cmd/ installs, a level filter, and
 * the rate-limited entry points over core/loglimit.h. See log.h.
 */
#include "core/log.h"

#include <stdio.h>

#include "core/loglimit.h"

static log_sink_fn sink;
static void *sink_arg;
static enum log_level sink_max = LOG_LVL_INFO;

void log_set_sink(log_sink_fn fn, void *arg, enum log_level max)
{
	sink = fn;
	sink_arg = arg;
	sink_max = max;
}

enum log_level log_get_level(void)
{
	return sink_max;
}

static void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	sink(lvl, line, sink_arg);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (!sink || lvl > sink_max)
		return;
	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

static void emit_summary(enum log_level lvl, const char *line, void *arg)
{
	log_msg(lvl, "%s", line);
}

void log_limited(struct core_loglimit *l, const struct core_loglimit_kind *k, const char *a,
                 const char *b, uint64_t now_ms, const char *fmt, ...)
{
	va_list ap;

	/* A level filtered out costs nothing, not even a count. */
	if (!sink || k->lvl > sink_max)
		return;
	if (l && core_loglimit_hit(l, k, a, b, now_ms, emit_summary, NULL) != CORE_LOGLIMIT_SHOW)
		return;
	va_start(ap, fmt);
	log_vmsg(k->lvl, fmt, ap);
	va_end(ap);
}

void log_limited_flush(struct core_loglimit *l, uint64_t now_ms, bool all)
{
	if (l)
		core_loglimit_flush(l, now_ms, all, emit_summary, NULL);
}
