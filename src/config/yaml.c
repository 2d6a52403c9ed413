/*
 * YAML -> jansson, from libyaml's event stream (no recursion, so deep
 * input costs heap frames up to CFG_YAML_MAX_DEPTH, never C stack).
 * See yaml.h for the schema and the limits.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/dec.h"
#include "config/lines.h"
#include "config/scalar.h"
#include "config/yaml.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

struct frame {
	json_t *node; /* object or array (owned reference) */
	bool is_map;
	char *key; /* mapping: key waiting for its value (owned) */
	unsigned key_line;
	bool key_is_merge;
	json_t *merges; /* "<<" sources, an array of objects, or NULL */
	char *anchor;   /* owned */
	size_t start;   /* node count before this container */
	unsigned line;
};

struct anchor {
	char *name;   /* owned */
	json_t *node; /* owned reference */
	size_t size;  /* nodes in the tree, for the expansion bound */
};

struct yst {
	const char *buf;
	size_t len;
	struct cfg_error *err;
	struct cfg_lines *lines;
	struct frame frames[CFG_YAML_MAX_DEPTH];
	size_t depth;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t nodes;
	json_t *root; /* of the current document */
	unsigned doc_line;
	struct cfg_yaml_doc *docs;
	size_t n_docs, cap_docs;
	json_t *keep; /* containers out of every tree that the line table still cites */
};

static int fail(struct yst *st, int rc, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct yst *st, int rc, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_err_vset(st->err, rc, line, NULL, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

static unsigned mark_line(const yaml_mark_t *m)
{
	return (unsigned)m->line + 1;
}

static int count(struct yst *st, size_t n, unsigned line)
{
	if (n > CFG_YAML_MAX_NODES - st->nodes)
		return fail(st, -E2BIG, line, "more than %u nodes after alias expansion",
		            CFG_YAML_MAX_NODES);
	st->nodes += n;
	return 0;
}

static void anchors_clear(struct yst *st)
{
	for (size_t i = 0; i < st->n_anchors; i++) {
		free(st->anchors[i].name);
		json_decref(st->anchors[i].node);
	}
	st->n_anchors = 0;
}

static int anchor_add(struct yst *st, const char *name, json_t *node, size_t size)
{
	struct anchor *a;

	if (st->n_anchors == st->cap_anchors) {
		size_t cap = st->cap_anchors ? st->cap_anchors * 2 : 16;

		a = realloc(st->anchors, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		st->anchors = a;
		st->cap_anchors = cap;
	}
	a = &st->anchors[st->n_anchors];
	a->name = strdup(name);
	if (!a->name)
		return -ENOMEM;
	a->node = json_incref(node);
	a->size = size;
	st->n_anchors++;
	return 0;
}

/* The latest definition wins (YAML 1.2 section 3.2.2.2: anchors may be redefined). */
static const struct anchor *anchor_find(const struct yst *st, const char *name)
{
	for (size_t i = st->n_anchors; i-- > 0;)
		if (strcmp(st->anchors[i].name, name) == 0)
			return &st->anchors[i];
	return NULL;
}

static void frame_fini(struct frame *f)
{
	json_decref(f->node);
	json_decref(f->merges);
	free(f->key);
	free(f->anchor);
	memset(f, 0, sizeof(*f));
}

/* Hands a finished node (reference consumed) to its parent, or makes it the root. */
static int emit(struct yst *st, json_t *v, unsigned line)
{
	struct frame *p;
	int rc;

	if (!st->depth) {
		json_decref(st->root);
		st->root = v;
		return 0;
	}
	p = &st->frames[st->depth - 1];
	if (!p->is_map) {
		size_t idx = json_array_size(p->node);

		if (json_array_append_new(p->node, v) < 0)
			return -ENOMEM;
		return cfg_lines_add_index(st->lines, p->node, idx, line);
	}
	if (p->key_is_merge) {
		/* YAML 1.1 merge key: a mapping or a sequence of mappings */
		bool ok = json_is_object(v);

		if (json_is_array(v)) {
			size_t i;
			json_t *m;

			ok = true;
			json_array_foreach(v, i, m) ok = ok && json_is_object(m);
		}
		if (!ok) {
			json_decref(v);
			return fail(st, -EINVAL, p->key_line,
			            "merge key \"<<\" needs a mapping or a list of mappings");
		}
		if (!p->merges && !(p->merges = json_array())) {
			json_decref(v);
			return -ENOMEM;
		}
		p->key_is_merge = false;
		return json_array_append_new(p->merges, v) < 0 ? -ENOMEM : 0;
	}
	if (json_object_get(p->node, p->key)) {
		json_decref(v);
		return fail(st, -EINVAL, p->key_line, "duplicate key \"%s\"", p->key);
	}
	if (json_object_set_new(p->node, p->key, v) < 0)
		return -ENOMEM;
	rc = cfg_lines_add_key(st->lines, p->node, p->key, p->key_line);
	free(p->key);
	p->key = NULL;
	return rc;
}

/* Keys set explicitly win over merged ones; earlier merge sources win over later ones. */
static int merge_one(struct yst *st, json_t *dst, json_t *src)
{
	const char *k;
	json_t *v;

	json_object_foreach(src, k, v)
	{
		if (json_object_get(dst, k))
			continue;
		if (json_object_set(dst, k, v) < 0)
			return -ENOMEM;
		if (cfg_lines_add_key(st->lines, dst, k, cfg_lines_key(st->lines, src, k)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int apply_merges(struct yst *st, struct frame *f)
{
	size_t i;
	json_t *m;

	json_array_foreach(f->merges, i, m)
	{
		int rc;

		if (json_is_object(m)) {
			rc = merge_one(st, f->node, m);
		} else {
			size_t j;
			json_t *s;

			rc = 0;
			json_array_foreach(m, j, s) if (!rc) rc = merge_one(st, f->node, s);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static bool key_waiting(const struct yst *st)
{
	const struct frame *p = st->depth ? &st->frames[st->depth - 1] : NULL;

	return p && p->is_map && !p->key && !p->key_is_merge;
}

static int on_start(struct yst *st, const yaml_event_t *ev, bool is_map)
{
	const char *tag =
	    (const char *)(is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
	const char *anchor =
	    (const char *)(is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
	unsigned line = mark_line(&ev->start_mark);
	struct frame *f;
	int rc;

	if (key_waiting(st))
		return fail(st, -EINVAL, line, "mapping keys must be scalars");
	if (tag && strcmp(tag, "!") != 0 &&
	    strcmp(tag, is_map ? TAG_PREFIX "map" : TAG_PREFIX "seq") != 0)
		return fail(st, -EINVAL, line, "unsupported tag %s", tag);
	if (st->depth == CFG_YAML_MAX_DEPTH)
		return fail(st, -E2BIG, line, "nested deeper than %u levels", CFG_YAML_MAX_DEPTH);
	f = &st->frames[st->depth];
	memset(f, 0, sizeof(*f));
	f->is_map = is_map;
	f->line = line;
	f->start = st->nodes;
	rc = count(st, 1, line);
	if (rc < 0)
		return rc;
	f->node = is_map ? json_object() : json_array();
	if (!f->node)
		return -ENOMEM;
	st->depth++;
	if (anchor && !(f->anchor = strdup(anchor)))
		return -ENOMEM;
	return cfg_lines_add_self(st->lines, f->node, line);
}

static int on_end(struct yst *st)
{
	struct frame *f = &st->frames[st->depth - 1];
	json_t *node;
	unsigned line = f->line;
	int rc = 0;

	if (f->merges) {
		rc = apply_merges(st, f);
		/* an inline source ("<<: {a: 1}") has line entries: it must outlive them */
		if (!rc && !st->keep && !(st->keep = json_array()))
			rc = -ENOMEM;
		if (!rc && json_array_append(st->keep, f->merges) < 0)
			rc = -ENOMEM;
	}
	if (!rc && f->anchor)
		rc = anchor_add(st, f->anchor, f->node, st->nodes - f->start);
	if (rc < 0)
		return rc;
	node = json_incref(f->node);
	frame_fini(f);
	st->depth--;
	return emit(st, node, line);
}

static int on_scalar(struct yst *st, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	const char *anchor = (const char *)ev->data.scalar.anchor;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	unsigned line = mark_line(&ev->start_mark);
	const char *why = NULL;
	json_t *node;
	int rc;

	rc = count(st, 1, line);
	if (rc < 0)
		return rc;
	if (key_waiting(st)) {
		struct frame *p = &st->frames[st->depth - 1];

		/* any scalar names a key by its text, as Kubernetes' YAML reader does */
		if (memchr(v, '\0', len))
			return fail(st, -EINVAL, line, "NUL character in a key");
		if (anchor)
			return fail(st, -EINVAL, line, "anchors on keys are not supported");
		if (plain && !tag && strcmp(v, "<<") == 0) {
			p->key_is_merge = true;
			p->key_line = line;
			return 0;
		}
		p->key = strdup(v);
		if (!p->key)
			return -ENOMEM;
		p->key_line = line;
		return 0;
	}
	rc = cfg_scalar_resolve(v, len, plain, tag, &node, &why);
	if (rc < 0)
		return rc == -ENOMEM ? rc : fail(st, rc, line, "%s", why);
	if (anchor) {
		rc = anchor_add(st, anchor, node, 1);
		if (rc < 0) {
			json_decref(node);
			return rc;
		}
	}
	return emit(st, node, line);
}

static int on_alias(struct yst *st, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	unsigned line = mark_line(&ev->start_mark);
	const struct anchor *a;
	int rc;

	if (key_waiting(st))
		return fail(st, -EINVAL, line, "aliases as mapping keys are not supported");
	/* an anchor is registered when its node ends, so a node cannot contain itself */
	a = anchor_find(st, name);
	if (!a)
		return fail(st, -EINVAL, line, "unknown alias *%s", name);
	rc = count(st, a->size, line);
	if (rc < 0)
		return rc;
	return emit(st, json_incref(a->node), line);
}

static int doc_end(struct yst *st)
{
	struct cfg_yaml_doc *d;

	if (st->n_docs == st->cap_docs) {
		size_t cap = st->cap_docs ? st->cap_docs * 2 : 8;

		d = realloc(st->docs, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		st->docs = d;
		st->cap_docs = cap;
	}
	d = &st->docs[st->n_docs++];
	d->root = st->root ? st->root : json_null();
	d->line = st->doc_line;
	st->root = NULL;
	anchors_clear(st); /* anchors do not cross documents */
	return 0;
}

/* libyaml reader errors carry a byte offset, not a line. */
static unsigned offset_line(const struct yst *st, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off && i < st->len; i++)
		line += st->buf[i] == '\n';
	return line;
}

static int parser_fail(struct yst *st, const yaml_parser_t *p)
{
	unsigned line;

	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (p->error == YAML_READER_ERROR)
		line = offset_line(st, p->problem_offset);
	else
		line = mark_line(&p->problem_mark);
	if (p->context)
		return fail(st, -EINVAL, line, "%s: %s", p->context,
		            p->problem ? p->problem : "invalid YAML");
	return fail(st, -EINVAL, line, "%s", p->problem ? p->problem : "invalid YAML");
}

static int run(struct yst *st, yaml_parser_t *p)
{
	for (;;) {
		yaml_event_t ev;
		int rc = 0;
		bool done = false;

		if (!yaml_parser_parse(p, &ev))
			return parser_fail(st, p);
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			st->doc_line = mark_line(&ev.start_mark);
			break;
		case YAML_DOCUMENT_END_EVENT:
			rc = doc_end(st);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(st, &ev, true);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(st, &ev, false);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			rc = on_end(st);
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(st, &ev);
			break;
		case YAML_ALIAS_EVENT:
			rc = on_alias(st, &ev);
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (rc < 0) {
			if (rc == -ENOMEM)
				fail(st, rc, 0, "out of memory");
			return rc;
		}
		if (done)
			return 0;
	}
}

void cfg_yaml_fini(struct cfg_yaml *y)
{
	for (size_t i = 0; i < y->n_docs; i++)
		json_decref(y->docs[i].root);
	free(y->docs);
	cfg_lines_free(y->lines);
	json_decref(y->keep);
	memset(y, 0, sizeof(*y));
}

int cfg_yaml_parse(const char *buf, size_t len, struct cfg_yaml *out, struct cfg_error *err)
{
	struct yst *st = NULL;
	yaml_parser_t parser;
	bool parser_ok = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > CFG_YAML_MAX_BYTES)
		return cfg_err_set(err, -E2BIG, 0, NULL, NULL, "larger than %u bytes",
		                   CFG_YAML_MAX_BYTES);
	st = calloc(1, sizeof(*st));
	if (!st) {
		rc = -ENOMEM;
		goto out;
	}
	st->buf = buf;
	st->len = len;
	st->err = err;
	st->lines = cfg_lines_new();
	if (!st->lines || !yaml_parser_initialize(&parser)) {
		rc = -ENOMEM;
		goto out;
	}
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	rc = run(st, &parser);
	if (rc == 0) {
		out->docs = st->docs;
		out->n_docs = st->n_docs;
		out->lines = st->lines;
		out->keep = st->keep;
		st->docs = NULL;
		st->n_docs = 0;
		st->lines = NULL;
		st->keep = NULL;
	}
out:
	if (rc == -ENOMEM)
		cfg_err_set(err, rc, 0, NULL, NULL, "out of memory");
	if (parser_ok)
		yaml_parser_delete(&parser);
	if (st) {
		while (st->depth)
			frame_fini(&st->frames[--st->depth]);
		anchors_clear(st);
		free(st->anchors);
		json_decref(st->root);
		for (size_t i = 0; i < st->n_docs; i++)
			json_decref(st->docs[i].root);
		free(st->docs);
		cfg_lines_free(st->lines);
		json_decref(st->keep);
		free(st);
	}
	return rc;
}
