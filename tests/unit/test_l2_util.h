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
#include "test_hex.h"

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
