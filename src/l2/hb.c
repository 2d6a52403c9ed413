/*
 * The heartbeat messages of layer 2 mode: their wire format and their
 * HMAC-SHA256 (RFC 2104) from libcrypto. See l2/hb.h for the layout.
 *
 * Decisions the header leaves open:
 *  - Flag bits other than READY and AUTH are kept, not refused: a later
 *    version may define some, and refusing them would make every upgraded
 *    speaker look Down to the old ones during a rolling upgrade.
 *  - An unsigned message (F_AUTH clear) carries 32 zero bytes where the
 *    HMAC goes; anything else there is malformed. So every message that
 *    decodes has one encoding, the one l2_hb_encode gives back.
 *  - With a key, F_AUTH clear is "HMAC absent": -EACCES, as a wrong one.
 */
#include "l2/hb.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "core/hash.h"

#define MAGIC   "BRTH"
#define VERSION 1

/* Offsets of the fixed header (l2/hb.h). */
enum {
	OFF_MAGIC = 0,
	OFF_VERSION = 4,
	OFF_TYPE = 5,
	OFF_FLAGS = 6,
	OFF_INCARNATION = 8,
	OFF_SEQ = 16,
	OFF_NONCE = 24,
	OFF_TIME = 32,
	FIXED_LEN = 40,
};

/* The shortest message: names of one byte, no unserved ids. */
#define MIN_LEN (FIXED_LEN + 2 + 2 + 2 + L2_HB_MAC_LEN)

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static bool type_valid(unsigned t)
{
	return t == L2_HB_PING || t == L2_HB_ACK || t == L2_HB_LEAVE;
}

/* A name's length, or 0 when empty or longer than L2_HB_NAME_MAX. */
static size_t name_len(const char *s)
{
	size_t n = strnlen(s, L2_HB_NAME_MAX + 1);

	return n > L2_HB_NAME_MAX ? 0 : n;
}

static int mac(const struct l2_hb_key *key, const uint8_t *p, size_t len,
               uint8_t out[L2_HB_MAC_LEN])
{
	unsigned int n = 0;

	if (!HMAC(EVP_sha256(), key->k, L2_HB_KEY_LEN, p, len, out, &n) || n != L2_HB_MAC_LEN)
		return -EIO;
	return 0;
}

int l2_hb_encode(const struct l2_hb *m, const struct l2_hb_key *key, uint8_t *buf, size_t cap,
                 size_t *len)
{
	bool sign = key && key->set;
	size_t fl, tl, need, off;
	uint16_t flags;

	if (!m || !buf || !len)
		return -EINVAL;
	fl = name_len(m->from);
	tl = name_len(m->to);
	if (!type_valid(m->type) || !fl || !tl || m->n_unserved > L2_HB_MAX_UNSERVED)
		return -EINVAL;
	need = FIXED_LEN + 1 + fl + 1 + tl + 2 + 8 * (size_t)m->n_unserved + L2_HB_MAC_LEN;
	if (cap < need)
		return -ENOBUFS;
	flags = (uint16_t)((m->flags & ~L2_HB_F_AUTH) | (sign ? L2_HB_F_AUTH : 0));
	memcpy(buf + OFF_MAGIC, MAGIC, 4);
	buf[OFF_VERSION] = VERSION;
	buf[OFF_TYPE] = m->type;
	put16(buf + OFF_FLAGS, flags);
	put64(buf + OFF_INCARNATION, m->incarnation);
	put64(buf + OFF_SEQ, m->seq);
	put64(buf + OFF_NONCE, m->nonce);
	put64(buf + OFF_TIME, m->time_ms);
	off = FIXED_LEN;
	buf[off++] = (uint8_t)fl;
	memcpy(buf + off, m->from, fl);
	off += fl;
	buf[off++] = (uint8_t)tl;
	memcpy(buf + off, m->to, tl);
	off += tl;
	put16(buf + off, m->n_unserved);
	off += 2;
	for (size_t i = 0; i < m->n_unserved; i++, off += 8)
		put64(buf + off, m->unserved[i]);
	if (sign) {
		if (mac(key, buf, off, buf + off) < 0)
			return -EIO;
	} else {
		memset(buf + off, 0, L2_HB_MAC_LEN);
	}
	*len = off + L2_HB_MAC_LEN;
	return 0;
}

/* A name at p[*off] (length byte, then bytes) within body bytes, into
 * out (L2_HB_NAME_MAX + 1 bytes). */
static int get_name(const uint8_t *p, size_t body, size_t *off, char *out)
{
	size_t n;

	if (*off >= body)
		return -EBADMSG;
	n = p[*off];
	if (n == 0 || n > L2_HB_NAME_MAX || n > body - *off - 1 || memchr(p + *off + 1, 0, n))
		return -EBADMSG;
	memcpy(out, p + *off + 1, n);
	out[n] = 0;
	*off += 1 + n;
	return 0;
}

int l2_hb_decode(const uint8_t *p, size_t len, const struct l2_hb_key *key, struct l2_hb *out)
{
	static const uint8_t zero[L2_HB_MAC_LEN];
	struct l2_hb m;
	size_t body, off = FIXED_LEN;

	if (!p || !out)
		return -EINVAL;
	if (len < MIN_LEN || len > L2_HB_MAX)
		return -EBADMSG;
	memset(&m, 0, sizeof(m));
	body = len - L2_HB_MAC_LEN; /* where the HMAC starts */
	if (memcmp(p + OFF_MAGIC, MAGIC, 4) != 0 || p[OFF_VERSION] != VERSION ||
	    !type_valid(p[OFF_TYPE]))
		return -EBADMSG;
	m.type = p[OFF_TYPE];
	m.flags = get16(p + OFF_FLAGS);
	m.incarnation = get64(p + OFF_INCARNATION);
	m.seq = get64(p + OFF_SEQ);
	m.nonce = get64(p + OFF_NONCE);
	m.time_ms = get64(p + OFF_TIME);
	if (get_name(p, body, &off, m.from) < 0 || get_name(p, body, &off, m.to) < 0)
		return -EBADMSG;
	if (body - off < 2)
		return -EBADMSG;
	m.n_unserved = get16(p + off);
	off += 2;
	/* Exactly the ids announced, then the HMAC: no byte left over. */
	if (m.n_unserved > L2_HB_MAX_UNSERVED || body - off != 8 * (size_t)m.n_unserved)
		return -EBADMSG;
	for (size_t i = 0; i < m.n_unserved; i++, off += 8)
		m.unserved[i] = get64(p + off);
	if (key && key->set) {
		uint8_t want[L2_HB_MAC_LEN];

		if (!(m.flags & L2_HB_F_AUTH))
			return -EACCES;
		/* What cannot be checked is refused, as a wrong HMAC. */
		if (mac(key, p, body, want) < 0)
			return -EACCES;
		if (CRYPTO_memcmp(want, p + body, L2_HB_MAC_LEN) != 0)
			return -EACCES;
	} else if (!(m.flags & L2_HB_F_AUTH) && memcmp(p + body, zero, L2_HB_MAC_LEN) != 0) {
		return -EBADMSG;
	}
	*out = m;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int l2_hb_key_parse(const char *text, size_t len, struct l2_hb_key *out)
{
	struct l2_hb_key k = {.set = true};

	if (!text || !out || len < 2 * L2_HB_KEY_LEN)
		return -EINVAL;
	for (size_t i = 0; i < L2_HB_KEY_LEN; i++) {
		int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		k.k[i] = (uint8_t)(hi << 4 | lo);
	}
	/* What a text editor or `echo` leaves after the digits. */
	for (size_t i = 2 * L2_HB_KEY_LEN; i < len; i++)
		if (!strchr(" \t\r\n", text[i]) || text[i] == 0)
			return -EINVAL;
	*out = k;
	OPENSSL_cleanse(&k, sizeof(k));
	return 0;
}

uint64_t l2_hb_eip_id(const char *eip_name)
{
	uint64_t h = core_hash_fmix64(core_fnv_str(CORE_FNV_INIT, eip_name));

	/* 0 asks about "any Eip" (l2_member_can_own): never an id. */
	return h ? h : 1;
}
