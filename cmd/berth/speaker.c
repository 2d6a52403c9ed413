#include <stdio.h>

#include "main.h"

int cmd_speaker(int argc, char **argv)
{
	fprintf(stderr, "berth speaker: not built yet\n");
	return 1;
}
