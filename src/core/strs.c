/*
 * Several strings in one caller-owned block (core/strs.h), so that objects
 * kept by the thousand pay one allocation instead of one per string.
 */
#include "core/strs.h"

#include <string.h>

size_t core_strs_size(const char *const *s, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += s[i] ? strlen(s[i]) + 1 : 0;
	return total;
}

char *core_strs_copy(char *dst, const char *const *s, size_t n, char **out)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = s[i] ? strlen(s[i]) + 1 : 0;

		out[i] = s[i] ? memcpy(dst, s[i], len) : NULL;
		dst += len;
	}
	return dst;
}
