/*
 * berth convert --from metallb FILE...: MetalLB's objects as OpenELB/berth
 * objects on stdout (config/convert.c does the work; this parses flags,
 * loads the files as the speaker does, and prints).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "main.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: berth convert --from metallb [--metallb-namespace NS] FILE...\n"
	        "  Prints the OpenELB/berth objects (BgpConf, BgpPeer, Eip) that do what\n"
	        "  MetalLB's objects in FILE... do, with a comment on every field that has\n"
	        "  no equivalent. FILE... are loaded and checked as the speaker's\n"
	        "  --manifests are.\n"
	        "  --from metallb             the API to convert from (the only one)\n"
	        "  --metallb-namespace NS     MetalLB's namespace (default " CFG_METALLB_NS ")\n");
}

int cmd_convert(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"from", required_argument, NULL, 'f'},
	    {"metallb-namespace", required_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *from = NULL, *ns = NULL;
	struct cfg_error err;
	struct cfg_set set;
	char *text = NULL;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			from = optarg;
			break;
		case 'N':
			ns = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!from || strcmp(from, "metallb") != 0 || optind >= argc) {
		usage(stderr);
		return 2;
	}
	cfg_set_init(&set);
	if (ns && cfg_set_metallb_ns(&set, ns) < 0) {
		fprintf(stderr, "berth convert: --metallb-namespace %s: not a namespace name\n",
		        ns);
		return 2;
	}
	rc = cfg_manifest_load_files((const char *const *)argv + optind, (size_t)(argc - optind),
	                             &set, &err);
	if (rc < 0) {
		fprintf(stderr, "berth convert: %s\n", err.msg);
		cfg_set_fini(&set);
		return 1;
	}
	rc = cfg_convert_metallb(&set, &text);
	cfg_set_fini(&set);
	if (rc < 0) {
		fprintf(stderr, "berth convert: out of memory\n");
		return 1;
	}
	fputs(text, stdout);
	free(text);
	return fflush(stdout) ? 1 : 0;
}
