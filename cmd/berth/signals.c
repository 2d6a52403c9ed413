/*
 * Stopping a daemon on SIGTERM or SIGINT, the same way for both: the
 * first signal begins a clean stop (the speaker withdraws its routes, the
 * controller releases its Lease), a second one ends the loop at once for
 * an operator who will not wait.
 */
#include <signal.h>

#include "main.h"

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct cmd_stop *s = w->data;

	if (s->stopping) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	s->stopping = true;
	s->stop(loop, w->signum, s->arg);
}

void cmd_stop_start(struct ev_loop *loop, struct cmd_stop *s,
                    void (*stop)(struct ev_loop *loop, int signum, void *arg), void *arg)
{
	s->stop = stop;
	s->arg = arg;
	s->stopping = false;
	ev_signal_init(&s->term, on_signal, SIGTERM);
	ev_signal_init(&s->intr, on_signal, SIGINT);
	s->term.data = s->intr.data = s;
	ev_signal_start(loop, &s->term);
	ev_signal_start(loop, &s->intr);
}

void cmd_stop_fini(struct ev_loop *loop, struct cmd_stop *s)
{
	ev_signal_stop(loop, &s->term);
	ev_signal_stop(loop, &s->intr);
}
