/*
 * Helpers for the layer 2 codec tests (l2/arp.h, l2/ndp.h): hex literals,
 * addresses, and an "owned addresses" set for the decide functions.
 */
#ifndef BERTH_TEST_L2_UTIL_H
#define BERTH_TEST_L2_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/addr.h"
#include "l2/l2.h"

/* Parses "00 01 08 00" (spaces optional) into out; fails the test on bad hex. */
static inline size_t hx(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v = 0;

		if (*s == ' ' || *s == '\n' || *s == ':')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			fail_msg("bad hex character '%c'", *s);
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_int_equal(hi, -1);
	return n;
}

static inline struct core_addr ip(const char *s)
{
	struct core_addr a;

	assert_int_equal(core_addr_parse(s, &a), 0);
	return a;
}

static inline struct l2_mac mac(const char *s)
{
	struct l2_mac m;

	assert_int_equal(hx(s, m.b, sizeof(m.b)), 6);
	return m;
}

/* The owned set: up to 4 addresses. */
struct owned {
	struct core_addr a[4];
	size_t n;
};

static inline bool owns(void *ctx, const struct core_addr *a)
{
	const struct owned *o = ctx;

	for (size_t i = 0; i < o->n; i++)
		if (core_addr_equal(&o->a[i], a))
			return true;
	return false;
}

#endif
