/*
 * Helpers for the BGP codec tests: hex literals and message builders, so a
 * hostile vector reads like the bytes on the wire.
 */
#ifndef BERTH_TEST_BGP_UTIL_H
#define BERTH_TEST_BGP_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "bgp/bgp.h"
#include "test_hex.h"

/* Header + body given in hex; the length field is computed. */
static inline size_t build_msg(uint8_t *buf, size_t cap, uint8_t type, const char *body_hex)
{
	size_t n;

	assert_true(cap >= BGP_HEADER_LEN);
	memset(buf, 0xff, BGP_MARKER_LEN);
	buf[18] = type;
	n = BGP_HEADER_LEN + hx(body_hex, buf + BGP_HEADER_LEN, cap - BGP_HEADER_LEN);
	buf[16] = (uint8_t)(n >> 8);
	buf[17] = (uint8_t)n;
	return n;
}

/* UPDATE from its three fields in hex; the two length fields are computed. */
static inline size_t build_update(uint8_t *buf, size_t cap, const char *withdrawn,
                                  const char *attrs, const char *nlri)
{
	size_t n = BGP_HEADER_LEN, w, a;

	assert_true(cap >= 23);
	memset(buf, 0xff, BGP_MARKER_LEN);
	buf[18] = BGP_MSG_UPDATE;
	w = hx(withdrawn, buf + n + 2, cap - n - 2);
	buf[n] = (uint8_t)(w >> 8);
	buf[n + 1] = (uint8_t)w;
	n += 2 + w;
	assert_true(cap >= n + 2);
	a = hx(attrs, buf + n + 2, cap - n - 2);
	buf[n] = (uint8_t)(a >> 8);
	buf[n + 1] = (uint8_t)a;
	n += 2 + a;
	n += hx(nlri, buf + n, cap - n);
	buf[16] = (uint8_t)(n >> 8);
	buf[17] = (uint8_t)n;
	return n;
}

static inline struct bgp_prefix pfx(const char *s)
{
	struct bgp_prefix p;

	if (bgp_prefix_parse(s, &p) != 0)
		fail_msg("bad prefix literal %s", s);
	return p;
}

/* Every prefix of an NLRI field, asserting it is well-formed. */
static inline size_t collect_nlri(const uint8_t *nlri, size_t len, uint8_t family, bool addpath,
                                  struct bgp_prefix *out, size_t max)
{
	size_t off = 0, n = 0;
	struct bgp_prefix p;
	int rc;

	while ((rc = bgp_nlri_next(nlri, len, &off, family, addpath, &p)) == 1) {
		assert_true(n < max);
		out[n++] = p;
	}
	assert_int_equal(rc, 0);
	return n;
}

static inline void assert_prefixes_equal(const struct bgp_prefix *a, const struct bgp_prefix *b,
                                         size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(a[i].family, b[i].family);
		assert_int_equal(a[i].len, b[i].len);
		assert_int_equal(a[i].path_id, b[i].path_id);
		assert_memory_equal(a[i].addr, b[i].addr, sizeof(a[i].addr));
	}
}

/* Field by field: struct copies need not preserve padding. */
static inline void assert_open_equal(const struct bgp_open *a, const struct bgp_open *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->my_as, b->my_as);
	assert_int_equal(a->hold_time, b->hold_time);
	assert_int_equal(a->bgp_id, b->bgp_id);
	assert_int_equal(a->caps.route_refresh, b->caps.route_refresh);
	assert_int_equal(a->caps.as4, b->caps.as4);
	assert_int_equal(a->caps.as4_asn, b->caps.as4_asn);
	assert_int_equal(a->caps.ext_msg, b->caps.ext_msg);
	assert_int_equal(a->caps.gr, b->caps.gr);
	assert_int_equal(a->caps.gr_restarting, b->caps.gr_restarting);
	assert_int_equal(a->caps.gr_time, b->caps.gr_time);
	for (int af = 0; af < BGP_AF_COUNT; af++) {
		assert_int_equal(a->caps.mp[af], b->caps.mp[af]);
		assert_int_equal(a->caps.gr_af[af].present, b->caps.gr_af[af].present);
		assert_int_equal(a->caps.gr_af[af].forwarding_preserved,
		                 b->caps.gr_af[af].forwarding_preserved);
		assert_int_equal(a->caps.addpath[af], b->caps.addpath[af]);
	}
}

/* A recorded byte stream from tests/data/bgp (BERTH_TESTDATA); owned by the caller. */
static inline uint8_t *load_capture(const char *name, size_t *len)
{
	const char *dir = getenv("BERTH_TESTDATA");
	char path[1024];
	uint8_t *buf;
	FILE *f;
	long n;

	if (!dir)
		dir = "tests/data";
	snprintf(path, sizeof(path), "%s/bgp/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (set BERTH_TESTDATA)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#endif
