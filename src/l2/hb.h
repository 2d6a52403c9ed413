/*
 * The heartbeat messages that layer 2 speakers exchange to watch each
 * other (l2/member.h): their wire format and its HMAC. Pure: structs in,
 * bytes out and back; no sockets, clocks or globals. The HMAC is
 * HMAC-SHA256 (RFC 2104) from OpenSSL's libcrypto.
 *
 * One UDP datagram per message, all integers in network byte order:
 *   0  "BRTH"            magic
 *   4  version           1
 *   5  type              L2_HB_PING, L2_HB_ACK or L2_HB_LEAVE
 *   6  flags             L2_HB_F_* (16 bits)
 *   8  incarnation       64 bits: the sender's start, ms since the epoch
 *  16  seq               64 bits: the sender's counter in that incarnation
 *  24  nonce             64 bits: PING: random; ACK: the PING's; LEAVE: 0
 *  32  time_ms           64 bits: the sender's wall clock, ms since the epoch
 *  40  from: 1 length byte (1..L2_HB_NAME_MAX) and the sender's node name
 *      to:   same, the node the message is for
 *      n_unserved (16 bits), then that many 64-bit l2_hb_eip_id values
 *      HMAC-SHA256 of every byte before it, 32 bytes (zero without a key)
 * "to" binds a message to its receiver: a PING or ACK captured on the way
 * to one node is refused by every other.
 */
#ifndef BERTH_L2_HB_H
#define BERTH_L2_HB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define L2_HB_NAME_MAX     253  /* a DNS subdomain, as Node names are */
#define L2_HB_MAX_UNSERVED 64   /* Eips one node reports it cannot serve */
#define L2_HB_KEY_LEN      32   /* bytes; the key file holds 64 hex digits */
#define L2_HB_MAC_LEN      32   /* HMAC-SHA256 */
#define L2_HB_MAX          1100 /* the longest datagram */

enum l2_hb_type {
	L2_HB_PING = 1,  /* are you alive? answered by an ACK */
	L2_HB_ACK = 2,   /* yes: echoes the PING's nonce */
	L2_HB_LEAVE = 3, /* the sender is going (SIGTERM): take over now */
};

enum {
	L2_HB_F_READY = 1, /* the sender serves its addresses (its start-up hold is over) */
	L2_HB_F_AUTH = 2,  /* the HMAC is set (the sender holds a key) */
	/* PING: the sender answers for addresses that the receiver is ahead
	 * of it in line for (it took them over while the receiver was gone
	 * or not ready). The receiver answers for none until that stops, so
	 * that an address never has two nodes answering during a handover:
	 * the holder lets go when it sees the receiver READY, then the
	 * receiver takes over (l2/member.h). */
	L2_HB_F_HOLDING = 4,
};

struct l2_hb {
	uint8_t type;   /* enum l2_hb_type */
	uint16_t flags; /* L2_HB_F_*; F_AUTH is the encoder's, set from the key */
	uint64_t incarnation;
	uint64_t seq;
	uint64_t nonce;
	uint64_t time_ms;
	char from[L2_HB_NAME_MAX + 1]; /* 0-terminated */
	char to[L2_HB_NAME_MAX + 1];
	uint16_t n_unserved;
	uint64_t unserved[L2_HB_MAX_UNSERVED];
};

/* The shared key; set false: no key, messages unauthenticated. */
struct l2_hb_key {
	bool set;
	uint8_t k[L2_HB_KEY_LEN];
};

/* Writes m into buf (caller's, cap bytes), signed with key when key->set
 * (key may be NULL: unsigned); the length to *len. 0; -EINVAL for a NULL,
 * a bad type, an empty or too long name, n_unserved > L2_HB_MAX_UNSERVED;
 * -ENOBUFS when cap is short (L2_HB_MAX always fits); -EIO when libcrypto
 * fails to compute the HMAC. Flag bits other than F_AUTH are written as
 * given. */
int l2_hb_encode(const struct l2_hb *m, const struct l2_hb_key *key, uint8_t *buf, size_t cap,
                 size_t *len);

/* Reads p (len bytes, caller's) into *out. 0; -EINVAL for NULLs;
 * -EBADMSG for anything malformed (magic, version, type, lengths, bytes
 * left over, a name with a 0 byte); -EACCES when key->set and the HMAC is
 * absent or wrong (compared in constant time). With no key (key NULL or
 * unset) a signed message is accepted unchecked; an unsigned one must
 * carry 32 zero bytes in place of the HMAC (-EBADMSG otherwise), so that
 * a message that decodes has one encoding. Unknown flag bits are kept
 * (a later version's). *out is untouched on error. */
int l2_hb_decode(const uint8_t *p, size_t len, const struct l2_hb_key *key, struct l2_hb *out);

/* The key from text (len bytes, not necessarily 0-terminated): exactly 64
 * hex digits, upper or lower case, optionally followed by whitespace
 * (a file's trailing newline). 0, or -EINVAL; out->set on success. */
int l2_hb_key_parse(const char *text, size_t len, struct l2_hb_key *out);

/* The id under which a node reports an Eip it cannot serve: a stable
 * 64-bit hash of the Eip's name (unseeded, the same on every node). */
uint64_t l2_hb_eip_id(const char *eip_name);

#endif
