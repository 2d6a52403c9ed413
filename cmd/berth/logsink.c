/* The process's log sink: one line per event on stderr, with a timestamp. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "main.h"

static const char *lvl_name[] = {"error", "warn", "info", "debug"};

static void sink(enum log_level lvl, const char *line, void *arg)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s %s\n", when, ts.tv_nsec / 1000000, lvl_name[lvl], line);
	fflush(stderr);
}

int cmd_log_setup(const char *level)
{
	if (!level || !*level)
		level = "info";
	for (int i = 0; i <= LOG_LVL_DEBUG; i++) {
		if (!strcmp(level, lvl_name[i])) {
			log_set_sink(sink, NULL, (enum log_level)i);
			return 0;
		}
	}
	fprintf(stderr, "berth: --log-level: unknown level '%s' (error, warn, info, debug)\n",
	        level);
	return -1;
}
