/*
 * The allocator's interval set of used addresses, sorted, so that "lowest
 * free" is a binary search whatever the pool size. Like core_map, it
 * separates "make room" (may fail) from "mutate" (cannot fail), so that
 * the allocator can reserve everything first and then commit atomically.
 */
#include "controller/ipam_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- Interval set ---- */

void ipam_iset_fini(struct ipam_iset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int ipam_iset_reserve(struct ipam_iset *s, size_t extra)
{
	size_t cap;
	struct ipam_ival *v;

	if (s->n + extra <= s->cap)
		return 0;
	cap = s->cap ? s->cap : 16;
	while (cap < s->n + extra)
		cap *= 2;
	v = realloc(s->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

size_t ipam_iset_lower(const struct ipam_iset *s, struct u128 x)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u128_cmp(s->v[mid].last, x) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool ipam_iset_has(const struct ipam_iset *s, struct u128 x)
{
	size_t i = ipam_iset_lower(s, x);

	return i < s->n && u128_cmp(s->v[i].first, x) <= 0;
}

void ipam_iset_add(struct ipam_iset *s, struct u128 x)
{
	size_t i = ipam_iset_lower(s, x);
	/* Adjacent to the end of the previous interval / the start of the next? */
	bool join_prev = i > 0 && u128_eq(u128_inc(s->v[i - 1].last), x);
	bool join_next = i < s->n && !u128_is_max(x) && u128_eq(u128_inc(x), s->v[i].first);

	if (join_prev && join_next) {
		s->v[i - 1].last = s->v[i].last;
		memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
		s->n--;
	} else if (join_prev) {
		s->v[i - 1].last = x;
	} else if (join_next) {
		s->v[i].first = x;
	} else {
		memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(s->v[0]));
		s->v[i].first = x;
		s->v[i].last = x;
		s->n++;
	}
}

void ipam_iset_del(struct ipam_iset *s, struct u128 x)
{
	size_t i = ipam_iset_lower(s, x);
	struct ipam_ival *iv = &s->v[i];
	bool at_first = u128_eq(iv->first, x), at_last = u128_eq(iv->last, x);

	if (at_first && at_last) {
		memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
		s->n--;
	} else if (at_first) {
		iv->first = u128_inc(x);
	} else if (at_last) {
		iv->last = u128_sub(x, (struct u128){0, 1});
	} else {
		memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(s->v[0]));
		s->v[i].last = u128_sub(x, (struct u128){0, 1});
		s->v[i + 1].first = u128_inc(x);
		s->n++;
	}
}

bool ipam_iset_next_free(const struct ipam_iset *s, struct u128 from, struct u128 to,
                         struct u128 *out)
{
	size_t i;

	if (u128_cmp(from, to) > 0)
		return false;
	i = ipam_iset_lower(s, from);
	if (i == s->n || u128_cmp(s->v[i].first, from) > 0) {
		*out = from;
		return true;
	}
	/* Intervals never touch, so the address after this one is free. */
	if (u128_cmp(s->v[i].last, to) >= 0)
		return false;
	*out = u128_inc(s->v[i].last);
	return true;
}

uint64_t ipam_iset_count(const struct ipam_iset *s, struct u128 from, struct u128 to)
{
	uint64_t n = 0;

	for (size_t i = ipam_iset_lower(s, from); i < s->n; i++) {
		struct u128 a = s->v[i].first, b = s->v[i].last, d;

		if (u128_cmp(a, to) > 0)
			break;
		if (u128_cmp(a, from) < 0)
			a = from;
		if (u128_cmp(b, to) > 0)
			b = to;
		d = u128_sub(b, a);
		/* Held addresses are objects in memory: far below 2^64. */
		n += d.lo + 1;
	}
	return n;
}
