/*
 * berth: load balancer for bare-metal Kubernetes.
 * Subcommands are wired here; this is the only place that exits.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/log.h"
#include "main.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: berth <command> [options]\n"
	           "commands:\n"
	           "  controller  give Services of type LoadBalancer addresses from Eip pools\n"
	           "  speaker     announce service addresses over BGP\n"
	           "  convert     print MetalLB's objects as OpenELB/berth objects\n"
	           "  version     print the version\n"
	           "Run 'berth <command> --help' for the command's options.\n");
}

/* Hash tables place keys with a per-process seed: some keys come from BGP
 * peers (core/hash.h). Without entropy yet (early boot), the pid, the
 * time and where the stack is still differ from run to run. */
static void seed_tables(void)
{
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL) ^ (uintptr_t)&seed;
	core_hash_seed(seed);
}

int main(int argc, char **argv)
{
	seed_tables();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "controller"))
		return cmd_controller(argc - 1, argv + 1);
	if (!strcmp(argv[1], "speaker"))
		return cmd_speaker(argc - 1, argv + 1);
	if (!strcmp(argv[1], "convert"))
		return cmd_convert(argc - 1, argv + 1);
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
