#include <stdio.h>

#include "main.h"

/* Replaced by the controller daemon (issue 3). */
int cmd_controller(int argc, char **argv)
{
	fprintf(stderr, "berth controller: not implemented yet\n");
	return 1;
}
