/*
 * The community parsers (cfg_community_parse, cfg_large_community_parse)
 * on arbitrary bytes. The manifest fuzzer reaches them too, through Eip
 * spec.bgp, but only with what survives YAML; here every byte string goes
 * in, and what they accept is held to two properties:
 *   - exactly what the grammar accepts: the POSIX form of the CRD's
 *     pattern (deploy/crds/eips.yaml; test_deploy_crds keeps the two
 *     equal on its vectors, this keeps the parser equal on any text);
 *   - one spelling per value: the accepted text is the value printed back
 *     (decimal, or the well-known name), so no two texts mean one value
 *     unless one is a name.
 */
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "fuzz.h"

#define U16                                                                                        \
	"(0|[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
#define U32                                                                                        \
	"(0|[1-9][0-9]{0,8}|[1-3][0-9]{9}|4[01][0-9]{8}|42[0-8][0-9]{7}|429[0-3][0-9]{6}|4294[0-"  \
	"8][0-9]{5}|42949[0-5][0-9]{4}|429496[0-6][0-9]{3}|4294967[01][0-9]{2}|42949672[0-8][0-9]" \
	"|"                                                                                        \
	"429496729[0-5])"
#define NAMES                                                                                      \
	"no-export|no-advertise|no-export-subconfed|no-peer|blackhole|graceful-shutdown|llgr-"     \
	"stale|"                                                                                   \
	"no-llgr"

static regex_t comm_re, large_re;
static bool compiled;

static bool matches(const regex_t *re, const char *s, size_t len)
{
	/* a NUL inside: no text the grammar has */
	return strlen(s) == len && regexec(re, s, 0, NULL, 0) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[256], back[64];
	const char *why = NULL;
	uint32_t v = 0, l[3] = {0, 0, 0};
	bool ok, lok;

	if (!compiled) {
		CHECK(regcomp(&comm_re, "^(" NAMES "|" U16 ":" U16 ")$",
		              REG_EXTENDED | REG_NOSUB) == 0);
		CHECK(regcomp(&large_re, "^" U32 ":" U32 ":" U32 "$", REG_EXTENDED | REG_NOSUB) ==
		      0);
		compiled = true;
	}
	/* the parsers take any length; the regex needs a C string */
	ok = cfg_community_parse((const char *)data, size, &v, &why) == 0;
	CHECK(ok || (why && *why));
	why = NULL;
	lok = cfg_large_community_parse((const char *)data, size, l, &why) == 0;
	CHECK(lok || (why && *why));
	CHECK(!(ok && lok));
	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	CHECK(ok == matches(&comm_re, text, size));
	CHECK(lok == matches(&large_re, text, size));
	if (ok) {
		const char *name = cfg_community_name(v);

		snprintf(back, sizeof(back), "%u:%u", v >> 16, v & 0xffff);
		CHECK(strcmp(text, back) == 0 || (name && strcmp(text, name) == 0));
	}
	if (lok) {
		snprintf(back, sizeof(back), "%u:%u:%u", l[0], l[1], l[2]);
		CHECK(strcmp(text, back) == 0);
	}
	return 0;
}
