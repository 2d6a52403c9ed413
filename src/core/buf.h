/*
 * A growable byte queue for socket I/O: append at the tail, consume from
 * the head. Caller storage (buf_init/buf_fini); the data is owned by it.
 */
#ifndef BERTH_BUF_H
#define BERTH_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data; /* owned */
	size_t head;   /* first unread byte */
	size_t tail;   /* one past the last byte */
	size_t cap;
	size_t max; /* hard limit on cap; appends beyond fail with -ENOBUFS */
};

void buf_init(struct buf *b, size_t max);
void buf_fini(struct buf *b);
static inline size_t buf_len(const struct buf *b)
{
	return b->tail - b->head;
}
static inline const uint8_t *buf_head(const struct buf *b)
{
	return b->data + b->head;
}
/* Makes room for n more bytes at the tail; returns the write pointer or NULL. */
uint8_t *buf_reserve(struct buf *b, size_t n);
void buf_commit(struct buf *b, size_t n);
int buf_append(struct buf *b, const void *p, size_t n);
void buf_consume(struct buf *b, size_t n);
void buf_reset(struct buf *b);
/* Frees the storage of an empty buffer of more than keep bytes: what a
 * burst needed is not kept for the rest of a quiet connection's life. */
void buf_trim(struct buf *b, size_t keep);

#endif
