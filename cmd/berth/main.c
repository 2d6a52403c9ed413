/*
 * berth: load balancer for bare-metal Kubernetes.
 * Subcommands are wired here; this is the only place that exits.
 */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "main.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: berth <command> [options]\n"
	           "commands:\n"
	           "  controller  give Services of type LoadBalancer addresses from Eip pools\n"
	           "  speaker     announce service addresses over BGP\n"
	           "  version     print the version\n"
	           "Run 'berth <command> --help' for the command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "controller"))
		return cmd_controller(argc - 1, argv + 1);
	if (!strcmp(argv[1], "speaker"))
		return cmd_speaker(argc - 1, argv + 1);
	if (!strcmp(argv[1], "version")) {
		printf("berth %s\n", BERTH_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "berth: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
