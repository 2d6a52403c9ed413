/*
 * Helpers for the IPAM tests: address literals, pool and request builders.
 */
#ifndef BERTH_TEST_IPAM_UTIL_H
#define BERTH_TEST_IPAM_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "controller/ipam.h"

/* Parses an address literal; fails the test if it does not parse. */
static inline struct core_addr A(const char *s) {
	struct core_addr a;

	assert_int_equal(ipam_addr_parse(s, &a), 0);
	return a;
}

/* Formats into a rotating static buffer (tests only). */
static inline const char *
S(const struct core_addr *a)
{
	static char buf[8][CORE_ADDR_STRLEN];
	static int i;
	char *b = buf[i++ % 8];

	assert_int_equal(core_addr_format(a, b, CORE_ADDR_STRLEN), 0);
	return b;
}

/* A pool with one spec, bound to nothing. */
static inline struct ipam_pool_cfg P(const char *name, const char **spec) {
	struct ipam_pool_cfg c = {.name = name, .addresses = spec, .n_addresses = 1};

	return c;
}

/* Adds a pool; fails the test (printing the error) if refused. */
static inline void
pool_ok(struct ipam *ipam, const struct ipam_pool_cfg *c)
{
	struct ipam_error e;
	int ret = ipam_pool_set(ipam, c, &e);

	if (ret != 0)
		fail_msg("pool %s refused: %s", c->name, e.msg);
}

/* A single-stack v4 request with no constraints. */
static inline struct ipam_request R(const char *svc) {
	struct ipam_request r = {.service = svc, .policy = IPAM_SINGLE_V4};

	return r;
}

/* Allocates; fails the test on error; returns the first address as text. */
#define alloc_ok(ipam, r, res) alloc_ok_at(ipam, r, res, __LINE__)
static inline const char *
alloc_ok_at(struct ipam *ipam, const struct ipam_request *r, struct ipam_result *res, int line)
{
	struct ipam_error e;
	struct ipam_result tmp;

	if (!res)
		res = &tmp;
	if (ipam_allocate(ipam, r, res, &e) != 0)
		fail_msg("line %d: allocate %s failed: %s (%s)", line, r->service, e.msg,
		         ipam_err_name(e.code));
	assert_true(res->n >= 1);
	return S(&res->a[0].addr);
}

/* Allocates expecting failure with code; returns the message. */
#define alloc_fail(ipam, r, code) alloc_fail_at(ipam, r, code, __LINE__)
static inline const char *alloc_fail_at(struct ipam *ipam, const struct ipam_request *r,
                                        enum ipam_err code, int line)
{
	static struct ipam_error e;
	struct ipam_result res;
	int ret = ipam_allocate(ipam, r, &res, &e);

	if (ret == 0)
		fail_msg("line %d: allocate %s unexpectedly gave %s", line, r->service,
		         S(&res.a[0].addr));
	assert_true(ret < 0);
	if (e.code != code)
		fail_msg("line %d: allocate %s: wanted %s, got %s: %s", line, r->service,
		         ipam_err_name(code), ipam_err_name(e.code), e.msg);
	return e.msg;
}

/* The address the Service holds for the given family, as text, or "". */
static inline const char *held(const struct ipam *ipam, const char *svc, int af)
{
	struct ipam_result res;

	if (ipam_service_get(ipam, svc, &res) != 0)
		return "";
	for (size_t i = 0; i < res.n; i++) {
		if (res.a[i].addr.family == af)
			return S(&res.a[i].addr);
	}
	return "";
}

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		if (!strstr((hay), (needle)))                                                      \
			fail_msg("\"%s\" does not contain \"%s\"", (hay), (needle));               \
	} while (0)

#endif
