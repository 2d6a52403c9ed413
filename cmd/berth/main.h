#ifndef BERTH_CMD_MAIN_H
#define BERTH_CMD_MAIN_H

#include <ev.h>
#include <stdbool.h>

#define BERTH_VERSION "0.1.0"

int cmd_speaker(int argc, char **argv);
int cmd_controller(int argc, char **argv);
/* berth convert: MetalLB objects as OpenELB/berth objects (convert.c). */
int cmd_convert(int argc, char **argv);
/* Installs the stderr log sink; level is error|warn|info|debug. */
int cmd_log_setup(const char *level);

/*
 * SIGTERM and SIGINT (signals.c): the first calls stop(loop, signum, arg),
 * which begins a clean stop and ends the loop when it is done; a second
 * ends the loop at once. s: caller storage, until cmd_stop_fini.
 */
struct cmd_stop {
	ev_signal term, intr;
	void (*stop)(struct ev_loop *loop, int signum, void *arg);
	void *arg;     /* borrowed */
	bool stopping; /* the first signal came */
};
void cmd_stop_start(struct ev_loop *loop, struct cmd_stop *s,
                    void (*stop)(struct ev_loop *loop, int signum, void *arg), void *arg);
void cmd_stop_fini(struct ev_loop *loop, struct cmd_stop *s);

#endif
