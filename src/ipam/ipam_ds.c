/*
 * Data structures for the allocator: a sorted interval set of used
 * addresses (so "lowest free" is a binary search, whatever the pool size)
 * and an open-addressing hash map with linear probing and backward-shift
 * deletion (no tombstones, so lookups stay short under churn).
 *
 * Both separate "make room" (may fail) from "mutate" (cannot fail), so that
 * the allocator can reserve everything first and then commit atomically.
 */
#include "ipam/ipam_int.h"
#include "core/idx.h"

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

/* ---- Hash map ---- */

/* FNV-1a, 64 bit: keys are short and not attacker-chosen in bulk. */
static uint32_t hash_bytes(const void *key, size_t len)
{
	uint64_t h = core_fnv(CORE_FNV_INIT, key, len);

	return (uint32_t)(h ^ (h >> 32));
}

void ipam_map_fini(struct ipam_map *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static size_t find_slot(const struct ipam_map *m, uint32_t h, const void *key, size_t klen)
{
	size_t mask = m->cap - 1, i = h & mask;

	while (m->slots[i].key) {
		const struct ipam_map_slot *s = &m->slots[i];

		if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0)
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

int ipam_map_reserve(struct ipam_map *m, size_t extra)
{
	size_t cap = m->cap ? m->cap : 16;
	struct ipam_map_slot *slots, *old = m->slots;
	size_t old_cap = m->cap;

	/* Load factor at most 3/4: linear probing still averages under
	 * three probes for a hit, and at 10,000 Services a table takes
	 * 384 KiB instead of the 1 MiB that 1/2 and 32-byte slots took. */
	while ((m->len + extra) * 4 > cap * 3)
		cap *= 2;
	if (cap == m->cap)
		return 0;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	m->slots = slots;
	m->cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i].key)
			slots[find_slot(m, old[i].hash, old[i].key, old[i].klen)] = old[i];
	}
	free(old);
	return 0;
}

void *ipam_map_get(const struct ipam_map *m, const void *key, size_t klen)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = find_slot(m, hash_bytes(key, klen), key, klen);
	return m->slots[i].key ? m->slots[i].val : NULL;
}

void ipam_map_put(struct ipam_map *m, const void *key, size_t klen, void *val)
{
	uint32_t h = hash_bytes(key, klen);
	size_t i = find_slot(m, h, key, klen);

	m->slots[i] = (struct ipam_map_slot){key, val, h, (uint32_t)klen};
	m->len++;
}

void ipam_map_rekey(struct ipam_map *m, const void *key, size_t klen, const void *newkey,
                    void *newval)
{
	size_t i = find_slot(m, hash_bytes(key, klen), key, klen);

	m->slots[i].key = newkey;
	m->slots[i].val = newval;
}

void *ipam_map_del(struct ipam_map *m, const void *key, size_t klen)
{
	size_t mask, i, j;
	void *val;

	if (!m->cap)
		return NULL;
	mask = m->cap - 1;
	i = find_slot(m, hash_bytes(key, klen), key, klen);
	if (!m->slots[i].key)
		return NULL;
	val = m->slots[i].val;
	/* Backward shift: pull later entries of the probe run into the hole
	 * unless their home slot lies cyclically in (hole, j]. */
	j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (!m->slots[j].key)
			break;
		size_t home = m->slots[j].hash & mask;
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (stays)
			continue;
		m->slots[i] = m->slots[j];
		i = j;
	}
	m->slots[i].key = NULL;
	m->len--;
	return val;
}
