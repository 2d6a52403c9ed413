/*
 * Several strings in one caller-owned block: objects kept by the thousand
 * (a speaker's Services, queued Events) pay one allocation and its
 * rounding instead of one per string. Pure.
 */
#ifndef BERTH_CORE_STRS_H
#define BERTH_CORE_STRS_H

#include <stddef.h>

/* Bytes core_strs_copy needs for s[0..n) (NULL ones take none). */
size_t core_strs_size(const char *const *s, size_t n);
/* Copies s[0..n) to dst, one after another with their NULs; out[i]
 * (borrowed from dst) is the copy, NULL where s[i] is. Returns the byte
 * after the last copy. */
char *core_strs_copy(char *dst, const char *const *s, size_t n, char **out);

#endif
