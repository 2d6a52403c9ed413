#ifndef BERTH_CMD_MAIN_H
#define BERTH_CMD_MAIN_H

#define BERTH_VERSION "0.1.0"

int cmd_speaker(int argc, char **argv);

#endif
