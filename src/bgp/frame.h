/*
 * BGP message framing: splits the bytes a TCP connection delivers, in
 * whatever pieces the kernel hands them over, into whole messages
 * (RFC 4271 section 4.1: a 19-octet header whose length field covers the
 * whole message). A message is handed out only once every one of its
 * octets has arrived; the decoder never sees a partial message.
 *
 * Pure: bytes in, messages out; no sockets. The peer I/O reads straight
 * into bgp_framer_room() to avoid a copy; tests and fuzz targets use
 * bgp_framer_feed().
 */
#ifndef BERTH_BGP_FRAME_H
#define BERTH_BGP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "core/buf.h"

struct bgp_framer {
	struct buf in; /* received bytes not yet consumed; owned */
	size_t taken;  /* length of the message last handed out */
};

/* Room for four of the largest messages (RFC 8654): a read never has to
 * wait for the decoder to catch up. */
#define BGP_FRAMER_MAX (4 * BGP_MAX_EXT_MSG_LEN)

void bgp_framer_init(struct bgp_framer *f);
void bgp_framer_fini(struct bgp_framer *f);
/* Drops every buffered byte (the connection was closed). */
void bgp_framer_reset(struct bgp_framer *f);

/*
 * Where the next read goes: *n is what the pending message still lacks,
 * or a page when no message is pending (most of what a speaker reads is
 * KEEPALIVEs). Returns NULL when no memory could be had. The pointer is
 * valid until the next call on f; commit what was written.
 */
uint8_t *bgp_framer_room(struct bgp_framer *f, size_t *n);
void bgp_framer_commit(struct bgp_framer *f, size_t n);
/* Copies n bytes in. Returns 0 or -ENOBUFS past BGP_FRAMER_MAX. */
int bgp_framer_feed(struct bgp_framer *f, const void *p, size_t n);

/*
 * The next whole message. Returns 0 with msg and len set (header included,
 * header checked against max_len: 4096, or 65535 with RFC 8654; *msg is
 * borrowed from f and valid until the next call on f), -EAGAIN when more
 * bytes are needed, -EBADMSG with err filled when the header is bad (send
 * its NOTIFICATION and close: the stream cannot be resynchronised). Each
 * call consumes the message the previous call handed out.
 */
int bgp_framer_next(struct bgp_framer *f, size_t max_len, const uint8_t **msg, size_t *len,
                    struct bgp_error *err);

#endif
