/*
 * Base64 the way Go's base64.StdEncoding reads it (core/b64.h). Pure.
 */
#include "core/b64.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* The value of an RFC 4648 Table 1 character, or -1. */
static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int core_b64_decode(const char *in, size_t len, char **out, size_t *out_len, size_t *bad_at)
{
	uint32_t acc = 0;
	size_t n = 0, bits = 0, pad = 0, at = len;
	char *o = malloc(len / 4 * 3 + 4);

	*out = NULL;
	*out_len = 0;
	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		int v;

		if (c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			/* a quantum of 4 ends with at most 2 of them, after 2 or 3
			 * characters: "a=", "a===" and "abcd=" cannot be */
			if (bits == 0 || bits == 6 || pad == (bits == 4 ? 2u : 1u)) {
				at = i;
				goto bad;
			}
			pad++;
			continue;
		}
		if (pad || (v = b64_value(c)) < 0) { /* data after padding, or no base64 */
			at = i;
			goto bad;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (char)(acc >> bits & 0xff);
		}
	}
	/* RFC 4648 section 3.2: padded to a multiple of 4 characters */
	if ((bits == 4 && pad != 2) || (bits == 2 && pad != 1) || bits == 6)
		goto bad;
	o[n] = '\0';
	*out = o;
	*out_len = n;
	return 0;
bad:
	if (bad_at)
		*bad_at = at;
	free(o);
	return -EINVAL;
}
