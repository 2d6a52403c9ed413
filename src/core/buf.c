/*
 * The growable byte queue of core/buf.h, for socket I/O: append at the
 * tail, consume from the head.
 */
#include "core/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void buf_fini(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

uint8_t *buf_reserve(struct buf *b, size_t n)
{
	size_t len = buf_len(b), ncap;
	uint8_t *p;

	if (b->cap - b->tail >= n)
		return b->data + b->tail;
	/* Compact first: the consumer usually drains most of the buffer. */
	if (b->head && b->cap - len >= n) {
		memmove(b->data, b->data + b->head, len);
		b->head = 0;
		b->tail = len;
		return b->data + b->tail;
	}
	if (len + n > b->max)
		return NULL;
	ncap = b->cap ? b->cap : 4096;
	while (ncap < len + n)
		ncap *= 2;
	if (ncap > b->max)
		ncap = b->max;
	p = malloc(ncap);
	if (!p)
		return NULL;
	if (len)
		memcpy(p, b->data + b->head, len);
	free(b->data);
	b->data = p;
	b->cap = ncap;
	b->head = 0;
	b->tail = len;
	return b->data + b->tail;
}

void buf_commit(struct buf *b, size_t n)
{
	b->tail += n;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	uint8_t *w = buf_reserve(b, n);

	if (!w)
		return -ENOBUFS;
	memcpy(w, p, n);
	buf_commit(b, n);
	return 0;
}

void buf_consume(struct buf *b, size_t n)
{
	b->head += n;
	if (b->head == b->tail)
		b->head = b->tail = 0;
}

void buf_reset(struct buf *b)
{
	b->head = b->tail = 0;
}

void buf_trim(struct buf *b, size_t keep)
{
	if (buf_len(b) || b->cap <= keep)
		return;
	free(b->data);
	b->data = NULL;
	b->head = b->tail = b->cap = 0;
}
