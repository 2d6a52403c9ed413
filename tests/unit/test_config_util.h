/*
 * Memory probes for the manifest tests: the bytes jansson holds (its trees),
 * counted through json_set_alloc_funcs, and the process's peak RSS.
 */
#ifndef TEST_CONFIG_UTIL_H
#define TEST_CONFIG_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifndef TEST_ASAN
#define TEST_ASAN 0
#endif

/* Bytes of jansson's live allocations, their peak since tjson_reset, and
 * what was live then. */
static size_t tjson_live, tjson_peak, tjson_base;

/* a header in front of each block, 16 bytes so the block stays aligned */
#define TJSON_HDR 16

static void *tjson_malloc(size_t n)
{
	char *p = malloc(n + TJSON_HDR);

	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	tjson_live += n;
	if (tjson_live > tjson_peak)
		tjson_peak = tjson_live;
	return p + TJSON_HDR;
}

static void tjson_free(void *q)
{
	char *p = q;
	size_t n;

	if (!p)
		return;
	p -= TJSON_HDR;
	memcpy(&n, p, sizeof(n));
	tjson_live -= n;
	free(p);
}

/* Call first thing in main, before jansson allocates anything. */
static inline void tjson_count(void)
{
	json_set_alloc_funcs(tjson_malloc, tjson_free);
}

static inline void tjson_reset(void)
{
	tjson_peak = tjson_base = tjson_live;
}

/* The most jansson held since tjson_reset, beyond what it held then. */
static inline size_t tjson_grew(void)
{
	return tjson_peak - tjson_base;
}

/* kB of a /proc/self/status field (VmRSS, VmHWM), or -1. */
static inline long tproc_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	size_t n = strlen(field);
	char line[256];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

/* Resets the peak RSS to the current RSS (proc(5), clear_refs "5").
 * False where it cannot be measured: no /proc, or ASan, whose quarantine
 * and shadow memory are not the program's. */
static inline bool tproc_hwm_reset(void)
{
	FILE *f;
	bool ok;

	if (TEST_ASAN)
		return false;
	f = fopen("/proc/self/clear_refs", "w");
	if (!f)
		return false;
	ok = fputs("5", f) >= 0;
	ok = fclose(f) == 0 && ok;
	return ok && tproc_kb("VmHWM") > 0;
}

/* A cfg_yaml_input reader over text: pieces of 1 to 13 bytes for the first
 * 1,000 reads, then 4093 as a file might give them, so that every token
 * and document boundary is split somewhere and large inputs stay fast. */
struct cfg_error;
struct pieces {
	const char *text;
	size_t len, pos, n;
};

static inline int read_pieces(void *arg, unsigned char *buf, size_t size, size_t *got,
                              struct cfg_error *err)
{
	struct pieces *p = arg;
	size_t want = p->n < 1000 ? 1 + p->n % 13 : 4093;

	(void)err;
	p->n++;
	if (want > size)
		want = size;
	if (want > p->len - p->pos)
		want = p->len - p->pos;
	memcpy(buf, p->text + p->pos, want);
	p->pos += want;
	*got = want;
	return 0;
}

#endif
