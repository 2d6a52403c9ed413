/*
 * Hex literals for codec tests, so a vector reads like the bytes on the
 * wire. Needs cmocka.h included first.
 */
#ifndef BERTH_TEST_HEX_H
#define BERTH_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Parses "40 01 01 00" (spaces, colons optional) into out; fails the test on bad hex. */
static inline size_t hx(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; s && *s; s++) {
		int v = 0;

		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == ':')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
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

#endif
