#include "core/log.h"

#include <stdio.h>

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

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!sink || lvl > sink_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sink(lvl, line, sink_arg);
}
