/*
 * Community text of a manifest: RFC 1997 communities ("65000:100" or a
 * well-known name) and RFC 8092 large communities ("65000:1:2"). Pure.
 *
 * The syntax is strict so that one value has one spelling: decimal
 * digits only, no sign, no space, no leading zero ("0" itself is fine:
 * "010" reads as octal to some and as ten to others), no number past its
 * field. The CRDs (deploy/crds/eips.yaml) carry the same grammar as a
 * pattern. The wire values live in bgp/bgp.h (BGP_COMM_*); this file is
 * about text, which is config's concern.
 */
#include <errno.h>
#include <string.h>

#include "config/config.h"

static const struct {
	const char *name;
	uint32_t value;
} names[] = {
    /* the spellings of FRR and GoBGP (OpenELB's BGP speaker) */
    {"no-export", BGP_COMM_NO_EXPORT},
    {"no-advertise", BGP_COMM_NO_ADVERTISE},
    {"no-export-subconfed", BGP_COMM_NO_EXPORT_SUBCONFED},
    {"no-peer", BGP_COMM_NO_PEER},
    {"blackhole", BGP_COMM_BLACKHOLE},
    {"graceful-shutdown", BGP_COMM_GRACEFUL_SHUTDOWN},
    {"llgr-stale", BGP_COMM_LLGR_STALE},
    {"no-llgr", BGP_COMM_NO_LLGR},
};

#define N_NAMES (sizeof(names) / sizeof(names[0]))

/* One part of the text: s[0..len), no ':' in it. */
struct part {
	const char *s;
	size_t len;
};

/* Why a number is refused, per element: [element][reason]. */
enum num_err { NUM_OK = 0, NUM_EMPTY, NUM_NOT_DIGIT, NUM_LEADING_ZERO, NUM_RANGE };

static enum num_err parse_num(const struct part *p, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!p->len)
		return NUM_EMPTY;
	for (size_t i = 0; i < p->len; i++)
		if (p->s[i] < '0' || p->s[i] > '9')
			return NUM_NOT_DIGIT;
	if (p->s[0] == '0' && p->len > 1)
		return NUM_LEADING_ZERO;
	/* more than 10 digits is past any uint32_t, and would overflow v */
	if (p->len > 10)
		return NUM_RANGE;
	for (size_t i = 0; i < p->len; i++)
		v = v * 10 + (uint64_t)(p->s[i] - '0');
	if (v > max)
		return NUM_RANGE;
	*out = (uint32_t)v;
	return NUM_OK;
}

/* Splits s[0..len) at ':' into at most max parts; returns how many there
 * were (max + 1 means "more than max"). */
static size_t split(const char *s, size_t len, struct part *parts, size_t max)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ':')
			continue;
		if (n == max)
			return max + 1;
		parts[n].s = s + start;
		parts[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

static bool has_nul(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

/* Why an element is refused, by element and enum num_err; each reads
 * after the quoted text: "65536:1" has an AS number (before ':') above 65535. */
#define WHYS(a, el, max)                                                                           \
	{                                                                                          \
		NULL, "has no " el, "has " a " " el " that is not a decimal number",               \
		    "has a leading zero in the " el, "has " a " " el " above " max                 \
	}

/* RFC 1997 section 2: the AS number in the upper 16 bits, the value in the lower. */
static const char *const comm_why[2][5] = {
    WHYS("an", "AS number (before ':')", "65535"),
    WHYS("a", "value (after ':')", "65535"),
};

int cfg_community_parse(const char *s, size_t len, uint32_t *out, const char **why)
{
	struct part p[2];
	uint32_t v[2] = {0, 0};
	size_t n;

	if (!len) {
		*why = "is empty";
		return -EINVAL;
	}
	if (has_nul(s, len)) {
		*why = "contains a NUL byte";
		return -EINVAL;
	}
	for (size_t i = 0; i < N_NAMES; i++)
		if (strlen(names[i].name) == len && memcmp(names[i].name, s, len) == 0) {
			*out = names[i].value;
			return 0;
		}
	n = split(s, len, p, 2);
	if (n == 1) {
		*why = "is neither AS:VALUE (two numbers 0..65535) nor a well-known name "
		       "(no-export, no-advertise, no-export-subconfed, no-peer, blackhole, "
		       "graceful-shutdown, llgr-stale, no-llgr)";
		return -EINVAL;
	}
	if (n > 2) {
		*why = starts_with(s, len, "large:") || split(s, len, (struct part[3]){0}, 3) == 3
		           ? "has three numbers: a large community, which goes in largeCommunities"
		           : "has more than two numbers";
		return -EINVAL;
	}
	for (int i = 0; i < 2; i++) {
		enum num_err e = parse_num(&p[i], 0xffff, &v[i]);

		if (e != NUM_OK) {
			*why = comm_why[i][e];
			return -EINVAL;
		}
	}
	*out = v[0] << 16 | v[1];
	return 0;
}

/* RFC 8092 section 3: Global Administrator, Local Data Part 1 and 2. */
static const char *const large_why[3][5] = {
    WHYS("a", "global administrator (first number)", "4294967295"),
    WHYS("a", "local data part 1 (second number)", "4294967295"),
    WHYS("a", "local data part 2 (third number)", "4294967295"),
};

int cfg_large_community_parse(const char *s, size_t len, uint32_t out[3], const char **why)
{
	struct part p[3];
	uint32_t v[3] = {0, 0, 0};
	size_t n;

	if (!len) {
		*why = "is empty";
		return -EINVAL;
	}
	if (has_nul(s, len)) {
		*why = "contains a NUL byte";
		return -EINVAL;
	}
	if (starts_with(s, len, "large:")) {
		*why = "starts with \"large:\" (MetalLB's spelling): write GLOBAL:LOCAL1:LOCAL2";
		return -EINVAL;
	}
	n = split(s, len, p, 3);
	if (n != 3) {
		*why = n < 3 ? "is not GLOBAL:LOCAL1:LOCAL2 (three numbers 0..4294967295)"
		             : "has more than three numbers";
		return -EINVAL;
	}
	for (int i = 0; i < 3; i++) {
		enum num_err e = parse_num(&p[i], UINT32_MAX, &v[i]);

		if (e != NUM_OK) {
			*why = large_why[i][e];
			return -EINVAL;
		}
	}
	memcpy(out, v, sizeof(v));
	return 0;
}

const char *cfg_community_name(uint32_t v)
{
	for (size_t i = 0; i < N_NAMES; i++)
		if (names[i].value == v)
			return names[i].name;
	return NULL;
}
