/*
 * IPAM's address policy (no IPv4-mapped IPv6), range text, 128-bit helpers,
 * error values.
 */
#include "controller/ipam_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

struct u128 ipam_fam_max(int f)
{
	struct u128 m = {UINT64_MAX, UINT64_MAX};

	if (f == IPAM_F4) {
		m.hi = 0;
		m.lo = UINT32_MAX;
	}
	return m;
}

int ipam_fam_of(uint8_t af)
{
	if (af == AF_INET)
		return IPAM_F4;
	if (af == AF_INET6)
		return IPAM_F6;
	return -1;
}

uint8_t ipam_af_of(int f)
{
	return f == IPAM_F4 ? AF_INET : AF_INET6;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

struct u128 ipam_addr_val(const struct core_addr *a)
{
	struct u128 v = {0, 0};

	if (a->family == AF_INET) {
		v.lo = (uint64_t)a->bytes[0] << 24 | (uint64_t)a->bytes[1] << 16 |
		       (uint64_t)a->bytes[2] << 8 | a->bytes[3];
	} else {
		v.hi = be64(a->bytes);
		v.lo = be64(a->bytes + 8);
	}
	return v;
}

void ipam_val_addr(int f, struct u128 v, struct core_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = ipam_af_of(f);
	if (f == IPAM_F4) {
		out->bytes[0] = (uint8_t)(v.lo >> 24);
		out->bytes[1] = (uint8_t)(v.lo >> 16);
		out->bytes[2] = (uint8_t)(v.lo >> 8);
		out->bytes[3] = (uint8_t)v.lo;
	} else {
		put_be64(out->bytes, v.hi);
		put_be64(out->bytes + 8, v.lo);
	}
}

/* Long division by 10 on the two halves; no __int128 needed. */
void u128_to_dec(struct u128 v, char buf[40])
{
	char tmp[40];
	size_t n = 0;

	do {
		uint64_t rem_hi = v.hi % 10;
		v.hi /= 10;
		/* (rem_hi * 2^64 + lo) / 10, split as 2^64 = 10 * q + 6 */
		uint64_t q = UINT64_MAX / 10; /* floor(2^64 / 10) as well */
		uint64_t lo_q = v.lo / 10, lo_r = v.lo % 10;
		/* rem_hi * 2^64 = rem_hi * (10 * q + 6) */
		uint64_t add_q = rem_hi * q, add_r = rem_hi * 6 + lo_r;
		v.lo = lo_q + add_q + add_r / 10;
		tmp[n++] = (char)('0' + add_r % 10);
	} while (v.hi || v.lo);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
}

void dec_add_u64(char *dec, size_t cap, uint64_t v)
{
	size_t n = strlen(dec);
	int carry = 0;

	for (size_t i = n; i-- > 0 && (v || carry);) {
		int d = dec[i] - '0' + (int)(v % 10) + carry;
		v /= 10;
		carry = d >= 10;
		dec[i] = (char)('0' + d % 10);
	}
	while (v || carry) {
		if (n + 1 >= cap)
			return; /* callers size buffers for the maximum */
		memmove(dec + 1, dec, n + 1);
		int d = (int)(v % 10) + carry;
		v /= 10;
		carry = d >= 10;
		dec[0] = (char)('0' + d % 10);
		n++;
	}
}

const char *ipam_val_str(int f, struct u128 v, char *buf)
{
	struct core_addr a;

	ipam_val_addr(f, v, &a);
	return core_addr_str(&a, buf);
}

int ipam_addr_parse(const char *s, struct core_addr *out)
{
	struct core_addr a;

	if (!out || core_addr_parse(s, &a) < 0)
		return -EINVAL;
	/* RFC 4291 section 2.5.5.2: an IPv4 address in IPv6 clothing. */
	if (core_addr_is_v4mapped(&a))
		return -EINVAL;
	*out = a;
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Copies s[0..n) without surrounding blanks into buf[cap]. */
static int trimmed(const char *s, size_t n, char *buf, size_t cap)
{
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	if (n == 0 || n >= cap)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

static int parse_prefix_len(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t n = strlen(s);

	/* Digits only, no sign, no leading zero: "/024" is more likely a typo. */
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_cidr(const char *addr, const char *len, struct ipam_range *out)
{
	struct core_addr a;
	unsigned plen, bits;

	if (ipam_addr_parse(addr, &a) < 0)
		return -EINVAL;
	bits = core_af_bits(a.family);
	if (parse_prefix_len(len, bits, &plen) < 0)
		return -EINVAL;
	/* Host bits must be zero: "10.0.0.5/24" is ambiguous, refuse it. */
	struct core_addr last = a;
	for (unsigned b = plen; b < bits; b++) {
		uint8_t m = (uint8_t)(0x80u >> (b % 8));
		if (a.bytes[b / 8] & m)
			return -EINVAL;
		last.bytes[b / 8] |= m;
	}
	out->first = a;
	out->last = last;
	return 0;
}

int ipam_range_parse(const char *spec, struct ipam_range *out)
{
	char buf[2 * CORE_ADDR_STRLEN + 16], lhs[CORE_ADDR_STRLEN + 8], rhs[CORE_ADDR_STRLEN + 8];
	const char *sep;
	struct ipam_range r;

	size_t n;

	/* Measure first: trimming a truncated copy could yield another address. */
	if (!spec || !out || (n = strnlen(spec, sizeof(buf))) >= sizeof(buf) ||
	    trimmed(spec, n, buf, sizeof(buf)) < 0)
		return -EINVAL;
	if ((sep = strchr(buf, '/'))) {
		if (trimmed(buf, (size_t)(sep - buf), lhs, sizeof(lhs)) < 0 ||
		    parse_cidr(lhs, sep + 1, &r) < 0)
			return -EINVAL;
	} else if ((sep = strchr(buf, '-'))) {
		if (trimmed(buf, (size_t)(sep - buf), lhs, sizeof(lhs)) < 0 ||
		    trimmed(sep + 1, strlen(sep + 1), rhs, sizeof(rhs)) < 0 ||
		    ipam_addr_parse(lhs, &r.first) < 0 || ipam_addr_parse(rhs, &r.last) < 0)
			return -EINVAL;
		if (r.first.family != r.last.family || core_addr_cmp(&r.first, &r.last) > 0)
			return -EINVAL;
	} else {
		if (ipam_addr_parse(buf, &r.first) < 0)
			return -EINVAL;
		r.last = r.first;
	}
	*out = r;
	return 0;
}

const char *ipam_err_name(enum ipam_err code)
{
	switch (code) {
	case IPAM_OK:
		return "ok";
	case IPAM_ERR_INVALID:
		return "invalid";
	case IPAM_ERR_NOT_IN_POOL:
		return "not-in-pool";
	case IPAM_ERR_IN_USE:
		return "in-use";
	case IPAM_ERR_PORT_CONFLICT:
		return "port-conflict";
	case IPAM_ERR_EXHAUSTED:
		return "exhausted";
	case IPAM_ERR_POOL_DISABLED:
		return "pool-disabled";
	case IPAM_ERR_NO_SUCH_POOL:
		return "no-such-pool";
	case IPAM_ERR_FAMILY:
		return "family-unavailable";
	case IPAM_ERR_NO_POOL:
		return "no-pool";
	case IPAM_ERR_RESERVED:
		return "reserved";
	case IPAM_ERR_POOL_MISMATCH:
		return "pool-mismatch";
	case IPAM_ERR_OVERLAP:
		return "overlap";
	case IPAM_ERR_DEFAULT_CONFLICT:
		return "default-conflict";
	case IPAM_ERR_CONFLICT:
		return "conflict";
	case IPAM_ERR_NOMEM:
		return "no-memory";
	}
	return "unknown";
}

static int err_errno(enum ipam_err code)
{
	switch (code) {
	case IPAM_OK:
		return 0;
	case IPAM_ERR_NOT_IN_POOL:
	case IPAM_ERR_RESERVED:
	case IPAM_ERR_POOL_MISMATCH:
		return -EADDRNOTAVAIL;
	case IPAM_ERR_IN_USE:
	case IPAM_ERR_PORT_CONFLICT:
		return -EADDRINUSE;
	case IPAM_ERR_EXHAUSTED:
		return -ENOSPC;
	case IPAM_ERR_POOL_DISABLED:
		return -EPERM;
	case IPAM_ERR_NO_SUCH_POOL:
	case IPAM_ERR_NO_POOL:
		return -ENOENT;
	case IPAM_ERR_FAMILY:
		return -EAFNOSUPPORT;
	case IPAM_ERR_OVERLAP:
	case IPAM_ERR_DEFAULT_CONFLICT:
	case IPAM_ERR_CONFLICT:
		return -EEXIST;
	case IPAM_ERR_NOMEM:
		return -ENOMEM;
	case IPAM_ERR_INVALID:
		break;
	}
	return -EINVAL;
}

int ipam_set_err(struct ipam_error *err, enum ipam_err code, const char *fmt, ...)
{
	if (err) {
		va_list ap;

		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return err_errno(code);
}
