/*
 * cfg_error formatting and small shared utilities.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/dec.h"

void cfg_error_init(struct cfg_error *err, const char *file, const struct cfg_lines *lines)
{
	memset(err, 0, sizeof(*err));
	err->file = file;
	err->lines = lines;
}

int cfg_err_vset(struct cfg_error *err, int rc, unsigned line, const char *obj, const char *path,
                 const char *fmt, va_list ap)
{
	size_t off = 0, cap = sizeof(err->msg);
	int n;

	if (!err)
		return rc;
	err->line = line;
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	err->msg[0] = '\0';

/* snprintf returns what it would have written: clamp so off stays in bounds */
#define ADVANCE(n_)                                                                                \
	do {                                                                                       \
		if ((n_) > 0)                                                                      \
			off += (size_t)(n_) < cap - off ? (size_t)(n_) : cap - off - 1;            \
	} while (0)

	if (err->file && line)
		n = snprintf(err->msg, cap, "%s:%u: ", err->file, line);
	else if (err->file)
		n = snprintf(err->msg, cap, "%s: ", err->file);
	else if (line)
		n = snprintf(err->msg, cap, "line %u: ", line);
	else
		n = 0;
	ADVANCE(n);
	if (obj && *obj) {
		n = snprintf(err->msg + off, cap - off, "%s: ", obj);
		ADVANCE(n);
	}
	if (path && *path) {
		n = snprintf(err->msg + off, cap - off, "%s: ", path);
		ADVANCE(n);
	}
	vsnprintf(err->msg + off, cap - off, fmt, ap);
#undef ADVANCE
	return rc;
}

int cfg_err_set(struct cfg_error *err, int rc, unsigned line, const char *obj, const char *path,
                const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = cfg_err_vset(err, rc, line, obj, path, fmt, ap);
	va_end(ap);
	return rc;
}

const char *cfg_obj_label(char *buf, size_t len, const char *kind, const char *ns, const char *name)
{
	if (!kind || !*kind)
		snprintf(buf, len, "%s", "");
	else if (name && ns && *ns)
		snprintf(buf, len, "%s %s/%s", kind, ns, name);
	else if (name)
		snprintf(buf, len, "%s %s", kind, name);
	else
		snprintf(buf, len, "%s", kind);
	return buf;
}

int cfg_addr_parse(const char *s, struct core_addr *a)
{
	int rc = core_addr_parse(s, a);

	if (rc < 0)
		memset(a, 0, sizeof(*a));
	return rc;
}

bool cfg_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

int cfg_note_add(char **note, const char *fmt, ...)
{
	size_t ol = *note ? strlen(*note) : 0, room;
	char buf[CFG_NOTE_MAX];
	va_list ap;
	char *n;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		return 0;
	/* a note is one line: past CFG_NOTE_MAX it is cut, with "..." */
	if (ol + 2 >= CFG_NOTE_MAX)
		return 0;
	room = CFG_NOTE_MAX - ol - 2;
	if ((size_t)len >= room) {
		len = (int)room - 1;
		if (len >= 3)
			memcpy(buf + len - 3, "...", 3);
		buf[len] = '\0';
	}
	if (!(n = realloc(*note, ol + (ol ? 2 : 0) + (size_t)len + 1)))
		return -ENOMEM;
	if (ol)
		memcpy(n + ol, "; ", 2), ol += 2;
	memcpy(n + ol, buf, (size_t)len + 1);
	*note = n;
	return 0;
}
