/*
 * RFC 3339 timestamps (metav1.Time, metav1.MicroTime) and exponential
 * backoff. Pure: the clock and the random numbers are parameters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "k8s/api.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days
 * inverse; valid for years >= 1970 here). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = z / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* n decimal digits at s into *v. */
static bool digits(const char *s, int n, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int k8s_time_parse(const char *s, uint64_t *ms)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, mo, d, h, mi, sec, frac = 0, oh, om;
	int64_t t, off = 0;
	const char *p;

	*ms = 0;
	/* RFC 3339 section 5.6: full-date "T" full-time; 't' and ' ' are
	 * not accepted, as Go's time.RFC3339 does not accept them. */
	if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
		return -EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)) ||
	    h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	if (sec == 60) /* a leap second: Go's parser refuses it too */
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		int n = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, n++) {
			if (n < 3)
				frac = frac * 10 + (unsigned)(*p - '0');
		}
		if (n == 0 || n > 9)
			return -EINVAL;
		for (; n < 3; n++)
			frac *= 10;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -EINVAL;
		off = ((int64_t)oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	t = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + mi * 60 + sec - off;
	if (t < 0)
		return -EINVAL;
	*ms = (uint64_t)t * 1000 + frac;
	return 0;
}

int k8s_time_format(uint64_t ms, bool micro, char *buf, size_t size)
{
	int64_t secs = (int64_t)(ms / 1000), y;
	unsigned mo, d, rem = (unsigned)(secs % 86400);
	int n;

	if (ms / 1000 / 86400 / 366 > 8000) /* keeps the year at 4 digits */
		return -ERANGE;
	civil_from_days(secs / 86400, &y, &mo, &d);
	if (micro)
		n = snprintf(buf, size, "%04lld-%02u-%02uT%02u:%02u:%02u.%06uZ", (long long)y, mo,
		             d, rem / 3600, rem / 60 % 60, rem % 60, (unsigned)(ms % 1000) * 1000);
	else
		n = snprintf(buf, size, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, mo, d,
		             rem / 3600, rem / 60 % 60, rem % 60);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

void k8s_backoff_init(struct k8s_backoff *b, uint32_t initial_ms, uint32_t max_ms, uint32_t factor,
                      uint32_t jitter_pct)
{
	b->initial_ms = initial_ms ? initial_ms : 1;
	b->max_ms = max_ms < b->initial_ms ? b->initial_ms : max_ms;
	b->factor = factor ? factor : 1;
	b->jitter_pct = jitter_pct;
	b->cur_ms = b->initial_ms;
}

uint32_t k8s_backoff_next(struct k8s_backoff *b, uint32_t rnd)
{
	uint64_t d = b->cur_ms, extra = (uint64_t)b->cur_ms * b->jitter_pct / 100;
	uint64_t next = (uint64_t)b->cur_ms * b->factor;

	/* Jitter spreads clients that failed together (one apiserver
	 * restart) so they do not come back in lockstep. */
	d += (extra * rnd) >> 32;
	b->cur_ms = next > b->max_ms ? b->max_ms : (uint32_t)next;
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

void k8s_backoff_reset(struct k8s_backoff *b)
{
	b->cur_ms = b->initial_ms;
}
