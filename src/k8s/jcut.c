/*
 * Members left out of a JSON text as it is decoded (see jcut.h).
 *
 * JSON as RFC 8259 writes it: section 2 (whitespace), 4 (objects),
 * 5 (arrays), 7 (strings: a backslash escapes the next character, so a
 * quote after one does not end the string).
 */
#include "k8s/jcut.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Steps from the top to the objects whose member is cut; ANY is every
 * element of an array. */
#define ANY       NULL
#define MAX_STEPS 2

struct scan {
	const char *p;
	size_t n;
	const char *steps[MAX_STEPS];
	size_t n_steps;
	const char *const *members; /* "a" or "a.b", relative to the target */
	size_t n_members;
	struct k8s_jcut *c;
};

static size_t skip_ws(const struct scan *s, size_t i)
{
	while (i < s->n &&
	       (s->p[i] == ' ' || s->p[i] == '\t' || s->p[i] == '\n' || s->p[i] == '\r'))
		i++;
	return i;
}

/* p[i] is the opening quote. Returns the index after the closing one, or
 * 0 (never a valid end) when the string does not end. */
static size_t skip_string(const struct scan *s, size_t i)
{
	for (i++; i < s->n; i++) {
		if (s->p[i] == '\\')
			i++;
		else if (s->p[i] == '"')
			return i + 1;
	}
	return 0;
}

/* Any value at i (after whitespace): its end, or 0. Brackets are only
 * counted, not matched by kind: jansson checks the text afterwards. */
static size_t skip_value(const struct scan *s, size_t i)
{
	size_t depth = 0;

	i = skip_ws(s, i);
	if (i >= s->n)
		return 0;
	if (s->p[i] == '"')
		return skip_string(s, i);
	if (s->p[i] != '{' && s->p[i] != '[') {
		size_t start = i;

		while (i < s->n && !strchr(",:}] \t\r\n{[\"", s->p[i]))
			i++;
		return i > start ? i : 0;
	}
	while (i < s->n) {
		char ch = s->p[i];

		if (ch == '"') {
			if (!(i = skip_string(s, i)))
				return 0;
			continue;
		}
		if (ch == '{' || ch == '[')
			depth++;
		else if ((ch == '}' || ch == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return 0;
}

static int add(struct k8s_jcut *c, size_t start, size_t end)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		size_t(*v)[2] = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n][0] = start;
	c->v[c->n][1] = end;
	c->n++;
	return 0;
}

static int walk(struct scan *s, size_t i, size_t step, size_t *end);

static bool key_is(const struct scan *s, size_t k, size_t ke, const char *w, size_t wl)
{
	return ke - k - 2 == wl && !memcmp(s->p + k + 1, w, wl);
}

/* What to do with the value of the key at [k, ke) of an object that is
 * the target (parent NULL) or its member parent (a "parent.name"). */
enum act { SKIP, CUT, INTO };

static enum act member_act(const struct scan *s, size_t k, size_t ke, const char *parent)
{
	for (size_t m = 0; m < s->n_members; m++) {
		const char *w = s->members[m], *dot = strchr(w, '.');

		if (parent) {
			size_t pl = strlen(parent);

			if (dot && (size_t)(dot - w) == pl && !memcmp(w, parent, pl) &&
			    key_is(s, k, ke, dot + 1, strlen(dot + 1)))
				return CUT;
		} else if (!dot && key_is(s, k, ke, w, strlen(w))) {
			return CUT;
		} else if (dot && key_is(s, k, ke, w, (size_t)(dot - w))) {
			return INTO;
		}
	}
	return SKIP;
}

/* The members of the object at i; *end after its '}'. Before the target
 * (step < n_steps) the key of the next step is followed; in the target,
 * member_act decides (parent: the target's member this object is). */
static int walk_object(struct scan *s, size_t i, size_t step, const char *parent, size_t *end)
{
	bool first = true;
	int rc;

	i = skip_ws(s, i + 1);
	if (i < s->n && s->p[i] == '}') {
		*end = i + 1;
		return 0;
	}
	for (;;) {
		size_t k, ke, v, ve;
		enum act a;

		if (!first && (i >= s->n || s->p[i++] != ','))
			return -EBADMSG;
		first = false;
		k = skip_ws(s, i);
		if (k >= s->n || s->p[k] != '"' || !(ke = skip_string(s, k)))
			return -EBADMSG;
		/* A key with escapes may spell a wanted one: give up. */
		if (memchr(s->p + k + 1, '\\', ke - k - 2))
			return -EBADMSG;
		v = skip_ws(s, ke);
		if (v >= s->n || s->p[v] != ':')
			return -EBADMSG;
		v = skip_ws(s, v + 1);
		if (step < s->n_steps)
			a = key_is(s, k, ke, s->steps[step], strlen(s->steps[step])) ? INTO : SKIP;
		else
			a = member_act(s, k, ke, parent);
		if (a == SKIP) {
			ve = skip_value(s, v);
		} else if (a == CUT) {
			if ((ve = skip_value(s, v)) && (rc = add(s->c, v, ve)) < 0)
				return rc;
		} else if (step < s->n_steps) {
			if ((rc = walk(s, v, step + 1, &ve)) < 0)
				return rc;
		} else if (v < s->n && s->p[v] == '{') {
			/* "metadata" of "metadata.managedFields": its key,
			 * borrowed from the text, ends at the member's dot. */
			char key[64];

			if (ke - k - 2 >= sizeof(key))
				return -EBADMSG;
			memcpy(key, s->p + k + 1, ke - k - 2);
			key[ke - k - 2] = '\0';
			if ((rc = walk_object(s, v, step, key, &ve)) < 0)
				return rc;
		} else {
			ve = skip_value(s, v);
		}
		if (!ve)
			return -EBADMSG;
		i = skip_ws(s, ve);
		if (i < s->n && s->p[i] == '}') {
			*end = i + 1;
			return 0;
		}
	}
}

/* The elements of the array at i; *end after its ']'. */
static int walk_array(struct scan *s, size_t i, size_t step, size_t *end)
{
	bool first = true;
	int rc;

	i = skip_ws(s, i + 1);
	if (i < s->n && s->p[i] == ']') {
		*end = i + 1;
		return 0;
	}
	for (;;) {
		size_t e;

		if (!first && (i >= s->n || s->p[i++] != ','))
			return -EBADMSG;
		first = false;
		if ((rc = walk(s, i, step + 1, &e)) < 0)
			return rc;
		i = skip_ws(s, e);
		if (i < s->n && s->p[i] == ']') {
			*end = i + 1;
			return 0;
		}
	}
}

/* The value at i reached by steps[0..step): followed if it has the shape
 * the next step needs, else skipped. */
static int walk(struct scan *s, size_t i, size_t step, size_t *end)
{
	bool any = step < s->n_steps && s->steps[step] == ANY;

	i = skip_ws(s, i);
	if (i < s->n && s->p[i] == '[' && any)
		return walk_array(s, i, step, end);
	if (i < s->n && s->p[i] == '{' && !any)
		return walk_object(s, i, step, NULL, end);
	*end = skip_value(s, i);
	return *end ? 0 : -EBADMSG;
}

void k8s_jcut_init(struct k8s_jcut *c)
{
	memset(c, 0, sizeof(*c));
}

void k8s_jcut_fini(struct k8s_jcut *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

int k8s_jcut_scan(struct k8s_jcut *c, const char *p, size_t n, enum k8s_jcut_shape shape,
                  const char *const *members, size_t n_members)
{
	struct scan s = {.p = p, .n = n, .members = members, .n_members = n_members, .c = c};
	size_t end;
	int rc;

	c->n = 0;
	if (shape == K8S_JCUT_EVENT) {
		s.steps[0] = "object";
		s.n_steps = 1;
	} else {
		s.steps[0] = "items";
		s.steps[1] = ANY;
		s.n_steps = 2;
	}
	/* The top must be an object: a step is a key. */
	end = skip_ws(&s, 0);
	if (end >= n || p[end] != '{')
		return 0;
	rc = walk_object(&s, end, 0, NULL, &end);
	if (rc == -ENOMEM) {
		c->n = 0;
		return rc;
	}
	if (rc < 0 || skip_ws(&s, end) != n)
		c->n = 0;
	return (int)c->n;
}

struct reader {
	const struct k8s_jcut *c;
	const char *p;
	size_t n, pos, next; /* next: the range after pos */
};

/* jansson's json_load_callback: the text, with "null" for each range. */
static size_t read_cb(void *buf, size_t len, void *arg)
{
	struct reader *r = arg;
	size_t stop, take;

	if (r->next < r->c->n && r->pos == r->c->v[r->next][0]) {
		if (len < 4)
			return (size_t)-1; /* jansson asks for more than 4 */
		memcpy(buf, "null", 4);
		r->pos = r->c->v[r->next++][1];
		return 4;
	}
	stop = r->next < r->c->n ? r->c->v[r->next][0] : r->n;
	take = stop - r->pos < len ? stop - r->pos : len;
	memcpy(buf, r->p + r->pos, take);
	r->pos += take;
	return take;
}

json_t *k8s_jcut_load(const struct k8s_jcut *c, const char *p, size_t n, size_t flags,
                      json_error_t *err)
{
	struct reader r = {c, p, n, 0, 0};

	if (!c->n)
		return json_loadb(p, n, flags, err);
	return json_load_callback(read_cb, &r, flags, err);
}

json_t *k8s_jcut_decode(struct k8s_jcut *c, const char *p, size_t n, enum k8s_jcut_shape shape,
                        const char *const *members, size_t n_members, json_error_t *err)
{
	if (!n_members || k8s_jcut_scan(c, p, n, shape, members, n_members) < 0)
		c->n = 0;
	return k8s_jcut_load(c, p, n, 0, err);
}
