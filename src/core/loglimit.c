/*
 * Rate limiting of repeated log messages: a fixed table of keys with a
 * counting window each, and per-kind "others" counts for the keys that
 * found no room. See loglimit.h.
 */
#include "core/loglimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/idx.h"

#define LINE_MAX_LEN 512

/* One key followed; kind NULL: a free slot. */
struct ent {
	const struct core_loglimit_kind *kind;
	uint64_t hash;                 /* of a and b, untruncated */
	uint64_t start;                /* the window began (ms) */
	uint64_t last;                 /* latest occurrence (ms) */
	uint64_t n;                    /* occurrences in the window not shown */
	char text[CORE_LOGLIMIT_TEXT]; /* a, NUL, b, NUL: truncated */
};

/* Occurrences of keys that found no room; kind NULL: unused. */
struct tally {
	const struct core_loglimit_kind *kind;
	uint64_t start;
	uint64_t n;
};

struct core_loglimit {
	uint64_t window_ms;
	size_t cap;
	struct tally others[CORE_LOGLIMIT_KINDS];
	struct tally lost; /* others of kinds beyond CORE_LOGLIMIT_KINDS */
	struct ent ents[];
};

static const struct core_loglimit_kind lost_kind = {
    .lvl = LOG_LVL_WARN,
    .others = "{n} more log lines not shown in the last {s} (too many kinds of "
              "repeated messages at once)",
};

struct core_loglimit *core_loglimit_new(size_t slots, uint64_t window_ms)
{
	struct core_loglimit *l;

	if (!slots)
		return NULL;
	l = calloc(1, sizeof(*l) + slots * sizeof(l->ents[0]));
	if (!l)
		return NULL;
	l->window_ms = window_ms;
	l->cap = slots;
	l->lost.kind = &lost_kind;
	return l;
}

void core_loglimit_free(struct core_loglimit *l)
{
	free(l);
}

/* A window that began at start is over at now. A clock that went back
 * ends it too: better a line too many than a key muted for good. */
static bool over(const struct core_loglimit *l, uint64_t start, uint64_t now)
{
	return now < start || now - start >= l->window_ms;
}

/* ---- summary text ---- */

struct out {
	char *p;
	size_t left; /* room, the final NUL included */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (n >= o->left)
		n = o->left - 1;
	memcpy(o->p, s, n);
	o->p += n;
	o->left -= n;
	*o->p = 0;
}

/* 8470 -> "8,470": counts in a flood run into the thousands. */
static void put_count(struct out *o, uint64_t n)
{
	char d[32], g[40];
	int len = snprintf(d, sizeof(d), "%llu", (unsigned long long)n);
	size_t k = 0;

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			g[k++] = ',';
		g[k++] = d[i];
	}
	put(o, g, k);
}

/* Whole seconds, rounded, at least 1: "in the last 0 s" reads wrong. */
static void put_span(struct out *o, uint64_t ms)
{
	char s[32];
	uint64_t sec = (ms + 500) / 1000;

	snprintf(s, sizeof(s), "%llu s", (unsigned long long)(sec ? sec : 1));
	put(o, s, strlen(s));
}

static void expand(char *line, size_t len, const char *t, uint64_t n, const char *a, const char *b,
                   uint64_t span_ms)
{
	struct out o = {line, len};

	*line = 0;
	while (*t) {
		const char *brace = strchr(t, '{');
		size_t lit = brace ? (size_t)(brace - t) : strlen(t);

		put(&o, t, lit);
		t += lit;
		if (!*t)
			break;
		if (t[1] && t[2] == '}') {
			const char *s = NULL;

			switch (t[1]) {
			case 'n':
				put_count(&o, n);
				t += 3;
				continue;
			case 's':
				put_span(&o, span_ms);
				t += 3;
				continue;
			case 'a':
				s = a;
				break;
			case 'b':
				s = b;
				break;
			}
			if (s) {
				put(&o, s, strlen(s));
				t += 3;
				continue;
			}
		}
		put(&o, t, 1); /* not a placeholder: as it is */
		t++;
	}
}

static void emit_ent(const struct ent *e, uint64_t now, core_loglimit_emit_fn emit, void *arg)
{
	char line[LINE_MAX_LEN];
	const char *a = e->text, *b = a + strlen(a) + 1;

	expand(line, sizeof(line), e->kind->summary, e->n, a, b,
	       now >= e->start ? now - e->start : 0);
	emit(e->kind->lvl, line, arg);
}

static void emit_tally(struct tally *t, uint64_t now, core_loglimit_emit_fn emit, void *arg)
{
	char line[LINE_MAX_LEN];

	expand(line, sizeof(line), t->kind->others, t->n, "", "",
	       now >= t->start ? now - t->start : 0);
	emit(t->kind->lvl, line, arg);
}

/* ---- the table ---- */

static uint64_t key_hash(const char *a, const char *b)
{
	return core_fnv_str(core_fnv_str(CORE_FNV_INIT, a ? a : ""), b ? b : "");
}

/* Kind and hash: 64 bits make a collision (two keys sharing one count)
 * unlikely enough for log lines. */
static struct ent *find(struct core_loglimit *l, const struct core_loglimit_kind *k, uint64_t h)
{
	for (size_t i = 0; i < l->cap; i++)
		if (l->ents[i].kind == k && l->ents[i].hash == h)
			return &l->ents[i];
	return NULL;
}

/* A free slot, else the least recently seen key if it has been quiet
 * for a window (its summary out first), else NULL. */
static struct ent *slot_for(struct core_loglimit *l, uint64_t now, core_loglimit_emit_fn emit,
                            void *arg)
{
	struct ent *lru = NULL;

	for (size_t i = 0; i < l->cap; i++) {
		struct ent *e = &l->ents[i];

		if (!e->kind)
			return e;
		if (!lru || e->last < lru->last)
			lru = e;
	}
	if (!over(l, lru->last, now))
		return NULL;
	if (lru->n)
		emit_ent(lru, now, emit, arg);
	return lru;
}

static void fill(struct ent *e, const struct core_loglimit_kind *k, uint64_t h, const char *a,
                 const char *b, uint64_t now)
{
	size_t la = strlen(a ? a : ""), lb = strlen(b ? b : "");

	/* a gets what it needs but room for b's NUL; b what is left. */
	if (la > sizeof(e->text) - 2)
		la = sizeof(e->text) - 2;
	if (lb > sizeof(e->text) - la - 2)
		lb = sizeof(e->text) - la - 2;
	memcpy(e->text, a ? a : "", la);
	e->text[la] = 0;
	memcpy(e->text + la + 1, b ? b : "", lb);
	e->text[la + 1 + lb] = 0;
	e->kind = k;
	e->hash = h;
	e->start = e->last = now;
	e->n = 0;
}

/* The kind's others count, else the shared one. */
static struct tally *tally_for(struct core_loglimit *l, const struct core_loglimit_kind *k)
{
	struct tally *free_one = NULL;

	for (size_t i = 0; i < CORE_LOGLIMIT_KINDS; i++) {
		if (l->others[i].kind == k)
			return &l->others[i];
		if (!l->others[i].kind && !free_one)
			free_one = &l->others[i];
	}
	if (!free_one)
		return &l->lost;
	free_one->kind = k;
	free_one->n = 0;
	return free_one;
}

static void tally_add(struct core_loglimit *l, const struct core_loglimit_kind *k, uint64_t now,
                      core_loglimit_emit_fn emit, void *arg)
{
	struct tally *t = tally_for(l, k);

	if (t->n && over(l, t->start, now)) {
		emit_tally(t, now, emit, arg);
		t->n = 0;
	}
	if (!t->n)
		t->start = now;
	t->n++;
}

enum core_loglimit_verdict core_loglimit_hit(struct core_loglimit *l,
                                             const struct core_loglimit_kind *k, const char *a,
                                             const char *b, uint64_t now_ms,
                                             core_loglimit_emit_fn emit, void *arg)
{
	uint64_t h = key_hash(a, b);
	struct ent *e = find(l, k, h);

	if (e) {
		bool ended = over(l, e->start, now_ms);

		e->last = now_ms;
		if (!ended) {
			e->n++;
			return CORE_LOGLIMIT_COUNTED;
		}
		if (!e->n) {
			/* Nothing since the line shown: this one starts afresh. */
			e->start = now_ms;
			return CORE_LOGLIMIT_SHOW;
		}
		/* Still busy: the summary, and this one opens the next count. */
		emit_ent(e, now_ms, emit, arg);
		e->start = now_ms;
		e->n = 1;
		return CORE_LOGLIMIT_COUNTED;
	}
	e = slot_for(l, now_ms, emit, arg);
	if (!e) {
		tally_add(l, k, now_ms, emit, arg);
		return CORE_LOGLIMIT_COUNTED;
	}
	fill(e, k, h, a, b, now_ms);
	return CORE_LOGLIMIT_SHOW;
}

void core_loglimit_flush(struct core_loglimit *l, uint64_t now_ms, bool all,
                         core_loglimit_emit_fn emit, void *arg)
{
	for (size_t i = 0; i < l->cap; i++) {
		struct ent *e = &l->ents[i];

		if (!e->kind || !(all || over(l, e->start, now_ms)))
			continue;
		if (e->n)
			emit_ent(e, now_ms, emit, arg);
		/* A key that was busy keeps its slot for one more window, so
		 * that a flood going on is counted, not shown again. */
		if (e->n && !all) {
			e->start = now_ms;
			e->n = 0;
		} else {
			e->kind = NULL;
		}
	}
	for (size_t i = 0; i <= CORE_LOGLIMIT_KINDS; i++) {
		struct tally *t = i < CORE_LOGLIMIT_KINDS ? &l->others[i] : &l->lost;

		if (!t->n || !(all || over(l, t->start, now_ms)))
			continue;
		emit_tally(t, now_ms, emit, arg);
		t->n = 0;
		if (t != &l->lost)
			t->kind = NULL;
	}
}
