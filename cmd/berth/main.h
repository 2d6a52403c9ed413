#ifndef BERTH_CMD_MAIN_H
#define BERTH_CMD_MAIN_H

#define BERTH_VERSION "0.1.0"

int cmd_speaker(int argc, char **argv);
int cmd_controller(int argc, char **argv);
/* Installs the stderr log sink; level is error|warn|info|debug. */
int cmd_log_setup(const char *level);

#endif
