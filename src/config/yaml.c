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
	bool is_items; /* the sequence under a document's top-level "items" */
	char *key;     /* mapping: key waiting for its value (owned) */
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

/* What the last cfg_yaml_stream_next handed out. */
enum out { OUT_NONE, OUT_DOC, OUT_ITEM };

/* The last bytes read, to give a reader error (which libyaml reports as a
 * byte offset) its line: libyaml asks for at most 16 kB at a time and
 * decodes all of it before asking again, so the offset lies in them. */
#define WIN_BYTES (32u * 1024)

struct cfg_yaml_stream {
	struct cfg_error *err;
	yaml_parser_t parser;
	bool parser_ok;
	/* input */
	struct cfg_yaml_input in;
	size_t pos;        /* in memory: bytes handed to libyaml */
	size_t total;      /* bytes handed to libyaml */
	int read_rc;       /* why the input failed (err filled), or 0 */
	unsigned win_line; /* line of win[0] */
	size_t win_off;    /* offset of win[0] */
	size_t win_len;
	unsigned char win[WIN_BYTES];
	/* what cfg_yaml_parse wants: lines and keep for all documents at once */
	bool collect;
	int rc;   /* sticky failure */
	bool end; /* stream end seen */
	enum out out;
	/* the document being read */
	struct cfg_lines *lines;      /* of the document */
	struct cfg_lines *item_lines; /* of the List item being read */
	struct cfg_lines *cur;        /* where new entries go: one of the two */
	struct frame frames[CFG_YAML_MAX_DEPTH];
	size_t depth;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t nodes;   /* held by the document's tree */
	size_t aliased; /* repeated by aliases, in the whole stream */
	json_t *root;
	unsigned doc_line;
	json_t *keep; /* containers out of every tree that the line table still cites */
	/* the List item handed out (OUT_ITEM) */
	json_t *item;
	unsigned item_line;
	size_t item_start;   /* node count before it */
	size_t item_anchors; /* anchors before it */
	size_t item_keep;    /* size of keep before it */
};

static int fail(struct cfg_yaml_stream *st, int rc, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct cfg_yaml_stream *st, int rc, unsigned line, const char *fmt, ...)
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

/* n more nodes in the document's tree; alias: they are an alias's. */
static int count(struct cfg_yaml_stream *st, size_t n, unsigned line, bool alias)
{
	if (alias && n > CFG_YAML_MAX_ALIASED - st->aliased)
		return fail(st, -E2BIG, line, "aliases repeat more than %u nodes",
		            CFG_YAML_MAX_ALIASED);
	if (n > CFG_YAML_MAX_NODES - st->nodes)
		return fail(st, -E2BIG, line, "more than %u nodes in one document%s",
		            CFG_YAML_MAX_NODES, alias ? " after alias expansion" : "");
	st->nodes += n;
	if (alias)
		st->aliased += n;
	return 0;
}

static void anchors_clear(struct cfg_yaml_stream *st)
{
	for (size_t i = 0; i < st->n_anchors; i++) {
		free(st->anchors[i].name);
		json_decref(st->anchors[i].node);
	}
	st->n_anchors = 0;
}

static int anchor_add(struct cfg_yaml_stream *st, const char *name, json_t *node, size_t size)
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
static const struct anchor *anchor_find(const struct cfg_yaml_stream *st, const char *name)
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

static size_t keep_size(const struct cfg_yaml_stream *st)
{
	return json_array_size(st->keep);
}

/* In the sequence of a document's top-level "items". */
static bool in_items(const struct cfg_yaml_stream *st)
{
	return st->in.items && st->depth == 2 && st->frames[1].is_items;
}

/* A mapping (or an alias of one) that ends there: a List item. */
static bool is_list_item(const struct cfg_yaml_stream *st, const json_t *v)
{
	return in_items(st) && json_is_object(v);
}

/* What a List item that starts here may give back when it is dropped. */
static void item_begin(struct cfg_yaml_stream *st)
{
	st->item_start = st->nodes;
	st->item_anchors = st->n_anchors;
	st->item_keep = keep_size(st);
}

/* Hands a finished node (reference consumed) to its parent, or makes it the root. */
static int emit(struct cfg_yaml_stream *st, json_t *v, unsigned line)
{
	struct frame *p;
	int rc;

	if (!st->depth) {
		json_decref(st->root);
		st->root = v;
		return 0;
	}
	if (is_list_item(st, v)) {
		/* handed out by cfg_yaml_stream_next; kept or dropped after */
		st->item = v;
		st->item_line = line;
		st->out = OUT_ITEM;
		return 0;
	}
	p = &st->frames[st->depth - 1];
	if (!p->is_map) {
		size_t idx = json_array_size(p->node);

		if (json_array_append_new(p->node, v) < 0)
			return -ENOMEM;
		return cfg_lines_add_index(st->cur, p->node, idx, line);
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
	rc = cfg_lines_add_key(st->cur, p->node, p->key, p->key_line);
	free(p->key);
	p->key = NULL;
	return rc;
}

/* Where src[k] was written: a merge source may be outside the List item
 * being read (an anchor earlier in the document). */
static unsigned src_line(const struct cfg_yaml_stream *st, const json_t *src, const char *k)
{
	unsigned line = cfg_lines_key(st->cur, src, k);

	return line || st->cur == st->lines ? line : cfg_lines_key(st->lines, src, k);
}

/* Keys set explicitly win over merged ones; earlier merge sources win over later ones. */
static int merge_one(struct cfg_yaml_stream *st, json_t *dst, json_t *src)
{
	const char *k;
	json_t *v;

	json_object_foreach(src, k, v)
	{
		if (json_object_get(dst, k))
			continue;
		if (json_object_set(dst, k, v) < 0)
			return -ENOMEM;
		if (cfg_lines_add_key(st->cur, dst, k, src_line(st, src, k)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int apply_merges(struct cfg_yaml_stream *st, struct frame *f)
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

static bool key_waiting(const struct cfg_yaml_stream *st)
{
	const struct frame *p = st->depth ? &st->frames[st->depth - 1] : NULL;

	return p && p->is_map && !p->key && !p->key_is_merge;
}

static int on_start(struct cfg_yaml_stream *st, const yaml_event_t *ev, bool is_map)
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
	/* a List's items: "items:" right in the document's top-level mapping */
	f->is_items = st->in.items && !is_map && st->depth == 1 && st->frames[0].is_map &&
	              st->frames[0].key && strcmp(st->frames[0].key, "items") == 0;
	if (is_map && in_items(st)) {
		/* a List item: its lines go to a table of its own, dropped with it */
		item_begin(st);
		st->cur = st->item_lines;
	}
	rc = count(st, 1, line, false);
	if (rc < 0)
		return rc;
	f->node = is_map ? json_object() : json_array();
	if (!f->node)
		return -ENOMEM;
	st->depth++;
	if (anchor && !(f->anchor = strdup(anchor)))
		return -ENOMEM;
	return cfg_lines_add_self(st->cur, f->node, line);
}

static int on_end(struct cfg_yaml_stream *st)
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

static int on_scalar(struct cfg_yaml_stream *st, const yaml_event_t *ev)
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

	if (len > CFG_YAML_MAX_SCALAR)
		return fail(st, -E2BIG, line, "a scalar of %zu bytes, more than %u", len,
		            CFG_YAML_MAX_SCALAR);
	rc = count(st, 1, line, false);
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

static int on_alias(struct cfg_yaml_stream *st, const yaml_event_t *ev)
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
	if (in_items(st))
		item_begin(st); /* an alias of a mapping is an item too */
	rc = count(st, a->size, line, true);
	if (rc < 0)
		return rc;
	return emit(st, json_incref(a->node), line);
}

static int doc_start(struct cfg_yaml_stream *st, const yaml_event_t *ev)
{
	st->doc_line = mark_line(&ev->start_mark);
	st->nodes = 0;
	return 0;
}

static int doc_end(struct cfg_yaml_stream *st)
{
	if (!st->root)
		st->root = json_null();
	anchors_clear(st); /* anchors do not cross documents */
	st->out = OUT_DOC;
	return 0;
}

/* The caller is done with the document handed out. */
static void doc_release(struct cfg_yaml_stream *st)
{
	json_decref(st->root);
	st->root = NULL;
	if (st->collect)
		return; /* cfg_yaml_parse keeps every document's lines */
	cfg_lines_clear(st->lines);
	json_decref(st->keep);
	st->keep = NULL;
}

/* The caller is done with the List item handed out: it joins its document's
 * items (keep), or goes. */
static int item_release(struct cfg_yaml_stream *st, bool keep)
{
	json_t *items = st->frames[1].node;
	json_t *item = st->item;
	int rc = 0;

	st->item = NULL;
	st->cur = st->lines;
	if (keep) {
		size_t idx = json_array_size(items);

		if (json_array_append_new(items, item) < 0)
			rc = -ENOMEM;
		else if ((rc = cfg_lines_add_index(st->lines, items, idx, st->item_line)) == 0)
			rc = cfg_lines_merge(st->lines, st->item_lines);
	} else {
		json_decref(item);
		/* its nodes are gone, unless an anchor or a merge source holds some */
		if (st->n_anchors == st->item_anchors && keep_size(st) == st->item_keep)
			st->nodes = st->item_start;
	}
	cfg_lines_clear(st->item_lines);
	return rc;
}

/* libyaml reader errors carry a byte offset, not a line. */
static unsigned offset_line(const struct cfg_yaml_stream *st, size_t off)
{
	unsigned line = st->win_line;

	for (size_t i = 0; off > st->win_off && i < off - st->win_off && i < st->win_len; i++)
		line += st->win[i] == '\n';
	return line;
}

static int parser_fail(struct cfg_yaml_stream *st, const yaml_parser_t *p)
{
	unsigned line;

	if (st->read_rc)
		return st->read_rc; /* err says why already */
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

/* Keeps the last WIN_BYTES bytes handed to libyaml, and the line of the first. */
static void window_add(struct cfg_yaml_stream *st, const unsigned char *b, size_t n)
{
	if (n > WIN_BYTES) {
		window_add(st, b, n - WIN_BYTES);
		b += n - WIN_BYTES;
		n = WIN_BYTES;
	}
	if (st->win_len + n > WIN_BYTES) {
		size_t drop = st->win_len + n - WIN_BYTES;

		for (size_t i = 0; i < drop; i++)
			st->win_line += st->win[i] == '\n';
		memmove(st->win, st->win + drop, st->win_len - drop);
		st->win_len -= drop;
		st->win_off += drop;
	}
	memcpy(st->win + st->win_len, b, n);
	st->win_len += n;
}

/* libyaml's read handler: returns 1 on success, 0 on failure (st->read_rc). */
static int on_read(void *data, unsigned char *buf, size_t size, size_t *got)
{
	struct cfg_yaml_stream *st = data;
	int rc = 0;

	*got = 0;
	if (!st->in.read) {
		*got = st->in.len - st->pos < size ? st->in.len - st->pos : size;
		if (*got)
			memcpy(buf, st->in.buf + st->pos, *got);
		st->pos += *got;
	} else {
		rc = st->in.read(st->in.arg, buf, size, got, st->err);
		if (rc == 0 && *got > size)
			rc = fail(st, -EIO, 0, "read more than asked for");
	}
	if (rc == 0 && *got > CFG_YAML_MAX_BYTES - st->total)
		rc = fail(st, -E2BIG, 0, "larger than the limit of %u bytes", CFG_YAML_MAX_BYTES);
	if (rc < 0) {
		st->read_rc = rc;
		return 0;
	}
	st->total += *got;
	window_add(st, buf, *got);
	return 1;
}

/* Reads events until something can be handed out, or the stream ends. */
static int run(struct cfg_yaml_stream *st)
{
	while (st->out == OUT_NONE && !st->end) {
		yaml_event_t ev;
		int rc = 0;

		if (!yaml_parser_parse(&st->parser, &ev))
			return parser_fail(st, &st->parser);
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			rc = doc_start(st, &ev);
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
			st->end = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int cfg_yaml_stream_next(struct cfg_yaml_stream *st, bool keep, struct cfg_yaml_unit *u)
{
	int rc = st->rc;

	memset(u, 0, sizeof(*u));
	if (rc < 0)
		return rc;
	if (st->out == OUT_DOC)
		doc_release(st);
	else if (st->out == OUT_ITEM)
		rc = item_release(st, keep);
	st->out = OUT_NONE;
	if (rc == 0)
		rc = run(st);
	if (rc < 0) {
		if (rc == -ENOMEM)
			fail(st, rc, 0, "out of memory");
		st->rc = rc;
		return rc;
	}
	if (st->out == OUT_DOC) {
		u->root = st->root;
		u->line = st->doc_line;
		u->lines = st->lines;
	} else if (st->out == OUT_ITEM) {
		u->root = st->item;
		u->line = st->item_line;
		u->list = st->frames[0].node;
		u->lines = st->cur; /* an alias item's lines are the document's */
	}
	return st->out != OUT_NONE;
}

int cfg_yaml_stream_new(const struct cfg_yaml_input *in, struct cfg_error *err,
                        struct cfg_yaml_stream **out)
{
	struct cfg_yaml_stream *st;

	*out = NULL;
	if (!in->read && in->len > CFG_YAML_MAX_BYTES)
		return cfg_err_set(err, -E2BIG, 0, NULL, NULL, "larger than the limit of %u bytes",
		                   CFG_YAML_MAX_BYTES);
	st = calloc(1, sizeof(*st));
	if (!st)
		goto nomem;
	st->err = err;
	st->in = *in;
	st->win_line = 1;
	st->lines = cfg_lines_new();
	st->item_lines = cfg_lines_new();
	st->cur = st->lines;
	if (!st->lines || !st->item_lines || !yaml_parser_initialize(&st->parser))
		goto nomem;
	st->parser_ok = true;
	yaml_parser_set_input(&st->parser, on_read, st);
	*out = st;
	return 0;
nomem:
	cfg_yaml_stream_free(st);
	return cfg_err_set(err, -ENOMEM, 0, NULL, NULL, "out of memory");
}

void cfg_yaml_stream_free(struct cfg_yaml_stream *st)
{
	if (!st)
		return;
	if (st->parser_ok)
		yaml_parser_delete(&st->parser);
	while (st->depth)
		frame_fini(&st->frames[--st->depth]);
	anchors_clear(st);
	free(st->anchors);
	json_decref(st->root);
	json_decref(st->item);
	cfg_lines_free(st->lines);
	cfg_lines_free(st->item_lines);
	json_decref(st->keep);
	free(st);
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
	const struct cfg_yaml_input in = {.buf = buf, .len = len};
	struct cfg_yaml_stream *s;
	struct cfg_yaml_unit u;
	struct cfg_yaml y = {0};
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = cfg_yaml_stream_new(&in, err, &s);
	if (rc < 0)
		return rc;
	s->collect = true;
	while ((rc = cfg_yaml_stream_next(s, false, &u)) > 0) {
		if (y.n_docs == cap) {
			size_t c = cap ? cap * 2 : 8;
			struct cfg_yaml_doc *d = realloc(y.docs, c * sizeof(*d));

			if (!d) {
				rc = cfg_err_set(err, -ENOMEM, 0, NULL, NULL, "out of memory");
				break;
			}
			y.docs = d;
			cap = c;
		}
		y.docs[y.n_docs].root = json_incref((json_t *)u.root);
		y.docs[y.n_docs++].line = u.line;
	}
	if (rc == 0) {
		y.lines = s->lines;
		y.keep = s->keep;
		s->lines = NULL;
		s->keep = NULL;
		*out = y;
	} else {
		cfg_yaml_fini(&y);
	}
	cfg_yaml_stream_free(s);
	return rc < 0 ? rc : 0;
}
