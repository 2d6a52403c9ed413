/*
 * Netlink reply decoders: ACKs, errors, extended ACKs, dumps over several
 * datagrams, interrupted dumps, replies of other requests, and hostile
 * bytes (truncated headers, attribute overruns, bad lengths, every cut of
 * a valid dump).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "netlink/nl.h"

static uint32_t wbuf[1024]; /* aligned scratch for requests and replies */

static struct core_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct core_addr x = {.family = AF_INET, .bytes = {a, b, c, d}};

	return x;
}

static struct core_addr v6_doc(uint8_t last)
{
	struct core_addr x = {.family = AF_INET6, .bytes = {0x20, 0x01, 0x0d, 0xb8}};

	x.bytes[15] = last;
	return x;
}

/* ---- reply side: a datagram builder on libmnl ---- */

struct dg {
	size_t len;
};

static struct nlmsghdr *msg_put(struct dg *d, uint16_t type, uint16_t flags, uint32_t seq,
                                uint32_t pid)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header((char *)wbuf + d->len);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	return nlh;
}

static void msg_end(struct dg *d, const struct nlmsghdr *nlh)
{
	d->len += MNL_ALIGN(nlh->nlmsg_len);
}

static void put_error(struct dg *d, uint32_t seq, int32_t err)
{
	struct nlmsghdr *nlh = msg_put(d, NLMSG_ERROR, 0, seq, 100);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = err;
	e->msg.nlmsg_len = 16;
	e->msg.nlmsg_seq = seq;
	msg_end(d, nlh);
}

static struct nlmsghdr *put_addr(struct dg *d, uint32_t seq, uint16_t flags,
                                 const struct core_addr *a, uint8_t plen, uint32_t ifindex,
                                 uint8_t scope)
{
	struct nlmsghdr *nlh = msg_put(d, RTM_NEWADDR, flags, seq, 100);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t alen = core_af_len(a->family);

	ifa->ifa_family = a->family;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = scope;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_ADDRESS, alen, a->bytes);
	if (a->family == AF_INET) {
		mnl_attr_put(nlh, IFA_LOCAL, alen, a->bytes);
		mnl_attr_put_strz(nlh, IFA_LABEL, "kube-lb0");
	}
	return nlh;
}

static void put_done(struct dg *d, uint32_t seq, uint16_t flags, int32_t err)
{
	struct nlmsghdr *nlh = msg_put(d, NLMSG_DONE, NLM_F_MULTI | flags, seq, 100);

	*(int32_t *)mnl_nlmsg_put_extra_header(nlh, sizeof(int32_t)) = err;
	msg_end(d, nlh);
}

struct seen {
	int calls;
	struct nl_addr a[8];
	int fail_at; /* 1-based call that fails with -ECANCELED; 0 never */
};

static int on_addr(const struct nlmsghdr *nlh, void *arg)
{
	struct seen *s = arg;
	int rc;

	s->calls++;
	if (s->fail_at && s->calls == s->fail_at)
		return -ECANCELED;
	rc = nl_addr_decode(nlh, &s->a[(s->calls - 1) % 8]);
	return rc;
}

static int decode(uint32_t seq, bool dump, struct dg *d, struct seen *s, struct nl_reply *r)
{
	nl_reply_init(r, seq, 100, dump);
	return nl_reply_decode(r, wbuf, d->len, on_addr, s);
}

static void test_ack_and_errors(void **state)
{
	static const struct {
		int32_t wire;
		int want;
	} cases[] = {
	    {0, 0},           {-EEXIST, -EEXIST}, {EEXIST, -EEXIST},    {-4095, -4095},
	    {-4096, -EPROTO}, {4096, -EPROTO},    {INT32_MIN, -EPROTO}, {INT32_MAX, -EPROTO}};
	struct nl_reply r;
	struct seen s = {0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dg d = {0};

		put_error(&d, 5, cases[i].wire);
		assert_int_equal(decode(5, false, &d, &s, &r), cases[i].want);
		assert_string_equal(r.msg, "");
	}
	assert_int_equal(s.calls, 0);
}

static void test_error_payload_short(void **state)
{
	struct dg d = {0};
	struct nl_reply r;
	struct seen s = {0};
	struct nlmsghdr *nlh = msg_put(&d, NLMSG_ERROR, 0, 5, 100);

	mnl_nlmsg_put_extra_header(nlh, 12); /* an nlmsgerr needs 20 */
	msg_end(&d, nlh);
	assert_int_equal(decode(5, false, &d, &s, &r), -EBADMSG);
}

/* Extended ACK text, capped and uncapped, sanitised and truncated. */
static void test_ext_ack(void **state)
{
	struct nl_reply r;
	struct seen s = {0};
	char longmsg[600];
	struct dg d = {0};
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	nlh = msg_put(&d, NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 5, 100);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EOPNOTSUPP;
	e->msg.nlmsg_len = 64; /* capped: the length is the original's */
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 32);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "Unknown device type");
	mnl_attr_put_u32(nlh, 200, 1); /* unknown TLV */
	msg_end(&d, nlh);
	assert_int_equal(decode(5, false, &d, &s, &r), -EOPNOTSUPP);
	assert_string_equal(r.msg, "Unknown device type");

	/* Uncapped: the whole 24-byte request sits between nlmsgerr's
	 * error field and the TLVs. */
	d.len = 0;
	nlh = msg_put(&d, NLMSG_ERROR, NLM_F_ACK_TLVS, 5, 100);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(int32_t) + 24);
	e->error = -EINVAL;
	e->msg.nlmsg_len = 24;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "bad\nline\x1b[0m");
	msg_end(&d, nlh);
	assert_int_equal(decode(5, false, &d, &s, &r), -EINVAL);
	assert_string_equal(r.msg, "bad?line?[0m");

	/* Uncapped, but the claimed request runs past the message. */
	e->msg.nlmsg_len = 200;
	assert_int_equal(decode(5, false, &d, &s, &r), -EBADMSG);
	e->msg.nlmsg_len = 3;
	assert_int_equal(decode(5, false, &d, &s, &r), -EBADMSG);

	/* A TLV whose length overruns the message. */
	d.len = 0;
	nlh = msg_put(&d, NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 5, 100);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EPERM;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "abc");
	((struct nlattr *)((char *)nlh + 36))->nla_len = 40;
	msg_end(&d, nlh);
	assert_int_equal(decode(5, false, &d, &s, &r), -EBADMSG);

	/* Long text is cut to the buffer; no NUL in the TLV is fine. */
	d.len = 0;
	memset(longmsg, 'x', sizeof(longmsg));
	nlh = msg_put(&d, NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 5, 100);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -ENOSPC;
	mnl_attr_put(nlh, NLMSGERR_ATTR_MSG, sizeof(longmsg), longmsg);
	msg_end(&d, nlh);
	assert_int_equal(decode(5, false, &d, &s, &r), -ENOSPC);
	assert_int_equal(strlen(r.msg), NL_ERR_LEN - 1);
}

static void test_truncated_headers(void **state)
{
	struct nl_reply r;
	struct seen s = {0};
	struct dg d = {0};
	struct nlmsghdr *nlh;

	put_error(&d, 5, 0);
	for (size_t cut = 1; cut < d.len; cut++) {
		nl_reply_init(&r, 5, 100, false);
		assert_int_equal(nl_reply_decode(&r, wbuf, cut, on_addr, &s), -EBADMSG);
	}
	/* nlmsg_len below the header, above the datagram */
	nlh = (struct nlmsghdr *)wbuf;
	nlh->nlmsg_len = 15;
	assert_int_equal(decode(5, false, &d, &s, &r), -EBADMSG);
	nlh->nlmsg_len = 0;
	assert_int_equal(decode(5, false, &d, &s, &r), -EBADMSG);
	nlh->nlmsg_len = (uint32_t)d.len + 4;
	assert_int_equal(decode(5, false, &d, &s, &r), -EBADMSG);
	nlh->nlmsg_len = UINT32_MAX;
	assert_int_equal(decode(5, false, &d, &s, &r), -EBADMSG);
	/* Empty datagram: nothing yet. Misaligned buffer: refused. */
	nl_reply_init(&r, 5, 100, false);
	assert_int_equal(nl_reply_decode(&r, wbuf, 0, on_addr, &s), 1);
	assert_int_equal(nl_reply_decode(&r, (char *)wbuf + 1, 16, on_addr, &s), -EINVAL);
	assert_int_equal(s.calls, 0);
}

static void test_dump_two_datagrams(void **state)
{
	struct core_addr a = v4(192, 0, 2, 1), b = v6_doc(2);
	struct nl_reply r;
	struct seen s = {0};
	struct dg d = {0};
	struct nlmsghdr *nlh;

	msg_end(&d, put_addr(&d, 5, NLM_F_MULTI, &a, 32, 7, RT_SCOPE_UNIVERSE));
	nlh = put_addr(&d, 5, NLM_F_MULTI, &b, 128, 8, RT_SCOPE_UNIVERSE);
	mnl_attr_put_u32(nlh, IFA_FLAGS, 0x202);
	msg_end(&d, nlh);
	assert_int_equal(decode(5, true, &d, &s, &r), 1);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.a[0].ifindex, 7);
	assert_memory_equal(&s.a[0].addr, &a, sizeof(a));
	assert_int_equal(s.a[1].prefixlen, 128);
	assert_int_equal(s.a[1].flags, 0x202);
	assert_memory_equal(&s.a[1].addr, &b, sizeof(b));

	d.len = 0;
	put_done(&d, 5, 0, 0);
	assert_int_equal(nl_reply_decode(&r, wbuf, d.len, on_addr, &s), 0);
	assert_int_equal(s.calls, 2);
}

static void test_dump_intr_and_done_errors(void **state)
{
	struct core_addr a = v4(192, 0, 2, 1);
	struct nl_reply r;
	struct seen s = {0};
	struct dg d = {0};
	struct nlmsghdr *nlh;

	msg_end(&d, put_addr(&d, 5, NLM_F_MULTI | NLM_F_DUMP_INTR, &a, 32, 7, 0));
	msg_end(&d, put_addr(&d, 5, NLM_F_MULTI, &a, 32, 8, 0));
	put_done(&d, 5, 0, 0);
	assert_int_equal(decode(5, true, &d, &s, &r), -EINTR);
	assert_int_equal(s.calls, 2); /* the whole dump was read */

	/* The flag on NLMSG_DONE alone counts too. */
	d.len = 0;
	put_done(&d, 5, NLM_F_DUMP_INTR, 0);
	assert_int_equal(decode(5, true, &d, &s, &r), -EINTR);

	d.len = 0;
	put_done(&d, 5, 0, -ENOBUFS);
	assert_int_equal(decode(5, true, &d, &s, &r), -ENOBUFS);

	/* DONE without payload (old kernels): fine; 2 bytes: malformed. */
	d.len = 0;
	msg_end(&d, msg_put(&d, NLMSG_DONE, NLM_F_MULTI, 5, 100));
	assert_int_equal(decode(5, true, &d, &s, &r), 0);
	d.len = 0;
	nlh = msg_put(&d, NLMSG_DONE, NLM_F_MULTI, 5, 100);
	nlh->nlmsg_len += 2;
	msg_end(&d, nlh);
	assert_int_equal(decode(5, true, &d, &s, &r), -EBADMSG);

	/* DONE with an extended ACK after the error. */
	d.len = 0;
	nlh = msg_put(&d, NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS, 5, 100);
	*(int32_t *)mnl_nlmsg_put_extra_header(nlh, sizeof(int32_t)) = -EMSGSIZE;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "dump too big");
	msg_end(&d, nlh);
	assert_int_equal(decode(5, true, &d, &s, &r), -EMSGSIZE);
	assert_string_equal(r.msg, "dump too big");
}

static void test_stale_and_foreign_skipped(void **state)
{
	struct core_addr a = v4(192, 0, 2, 1);
	struct nl_reply r;
	struct seen s = {0};
	struct dg d = {0};
	struct nlmsghdr *nlh;

	msg_end(&d, put_addr(&d, 4, NLM_F_MULTI, &a, 32, 7, 0)); /* older request */
	put_error(&d, 4, -EEXIST);
	put_done(&d, 4, 0, 0);
	nlh = put_addr(&d, 5, NLM_F_MULTI, &a, 32, 7, 0);
	nlh->nlmsg_pid = 999; /* another portid */
	msg_end(&d, nlh);
	msg_end(&d, msg_put(&d, NLMSG_NOOP, 0, 5, 100));
	msg_end(&d, msg_put(&d, 9, 0, 5, 100)); /* reserved control type */
	assert_int_equal(decode(5, true, &d, &s, &r), 1);
	assert_int_equal(s.calls, 0);

	/* portid 0 in the state: any pid is ours */
	nl_reply_init(&r, 5, 0, true);
	assert_int_equal(nl_reply_decode(&r, wbuf, d.len, on_addr, &s), 1);
	assert_int_equal(s.calls, 1);

	d.len = 0;
	msg_end(&d, msg_put(&d, NLMSG_OVERRUN, 0, 5, 100));
	assert_int_equal(decode(5, true, &d, &s, &r), -ENOBUFS);
}

static void test_callback_error_drains(void **state)
{
	struct core_addr a = v4(192, 0, 2, 1);
	struct nl_reply r;
	struct seen s = {.fail_at = 1};
	struct dg d = {0};

	msg_end(&d, put_addr(&d, 5, NLM_F_MULTI, &a, 32, 7, 0));
	msg_end(&d, put_addr(&d, 5, NLM_F_MULTI, &a, 32, 8, 0));
	assert_int_equal(decode(5, true, &d, &s, &r), 1);
	assert_int_equal(s.calls, 1); /* not called after its error */
	d.len = 0;
	put_done(&d, 5, 0, 0);
	assert_int_equal(nl_reply_decode(&r, wbuf, d.len, on_addr, &s), -ECANCELED);

	/* The kernel's error wins over the callback's. */
	s = (struct seen){.fail_at = 1};
	d.len = 0;
	msg_end(&d, put_addr(&d, 5, 0, &a, 32, 7, 0));
	put_error(&d, 5, -EPERM);
	assert_int_equal(decode(5, false, &d, &s, &r), -EPERM);

	/* Non-dump: data, then the ACK, in one datagram. */
	s = (struct seen){0};
	d.len = 0;
	msg_end(&d, put_addr(&d, 5, 0, &a, 32, 7, 0));
	put_error(&d, 5, 0);
	assert_int_equal(decode(5, false, &d, &s, &r), 0);
	assert_int_equal(s.calls, 1);
}

/* Every prefix of a valid dump datagram: incomplete (1) at a message
 * boundary, -EBADMSG anywhere else; never a read past the cut (ASan). */
static void test_dump_every_cut(void **state)
{
	struct core_addr a = v4(203, 0, 113, 5), b = v6_doc(9);
	size_t bounds[8], nb = 0;
	struct nl_reply r;
	struct seen s;
	struct dg d = {0};

	msg_end(&d, put_addr(&d, 5, NLM_F_MULTI, &a, 32, 7, 0));
	bounds[nb++] = d.len;
	msg_end(&d, put_addr(&d, 5, NLM_F_MULTI, &b, 128, 7, 0));
	bounds[nb++] = d.len;
	put_done(&d, 5, 0, 0);
	for (size_t cut = 1; cut < d.len; cut++) {
		bool boundary = false;
		int rc;

		for (size_t i = 0; i < nb; i++)
			boundary |= bounds[i] == cut;
		uint8_t *copy = malloc(cut); /* exact size: ASan sees any overread */

		assert_non_null(copy);
		memcpy(copy, wbuf, cut);
		s = (struct seen){0};
		nl_reply_init(&r, 5, 100, true);
		rc = nl_reply_decode(&r, copy, cut, on_addr, &s);
		free(copy);
		assert_int_equal(rc, boundary ? 1 : -EBADMSG);
	}
}

static void test_addr_decode(void **state)
{
	struct core_addr a = v4(192, 0, 2, 1), peer = v4(192, 0, 2, 254), b = v6_doc(1);
	struct dg d = {0};
	struct nl_addr out;
	struct nlmsghdr *nlh;
	struct ifa_cacheinfo ci = {0};
	struct ifaddrmsg *ifa;

	nlh = put_addr(&d, 5, 0, &a, 32, 7, RT_SCOPE_UNIVERSE);
	mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	mnl_attr_put_u32(nlh, IFA_FLAGS, 0x280);
	mnl_attr_put_u32(nlh, 99, 0xdeadbeef); /* unknown */
	assert_int_equal(nl_addr_decode(nlh, &out), 0);
	assert_int_equal(out.ifindex, 7);
	assert_int_equal(out.prefixlen, 32);
	assert_int_equal(out.scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(out.flags, 0x280);
	assert_memory_equal(&out.addr, &a, sizeof(a));

	/* Point-to-point: IFA_LOCAL is ours, IFA_ADDRESS the peer. */
	d.len = 0;
	nlh = msg_put(&d, RTM_NEWADDR, 0, 5, 100);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_index = 3;
	ifa->ifa_flags = IFA_F_PERMANENT;
	ifa->ifa_scope = RT_SCOPE_HOST;
	mnl_attr_put(nlh, IFA_ADDRESS, 4, peer.bytes);
	mnl_attr_put(nlh, IFA_LOCAL, 4, a.bytes);
	assert_int_equal(nl_addr_decode(nlh, &out), 0);
	assert_memory_equal(&out.addr, &a, sizeof(a));
	assert_int_equal(out.flags, IFA_F_PERMANENT);
	assert_int_equal(out.scope, RT_SCOPE_HOST);

	d.len = 0;
	nlh = put_addr(&d, 5, 0, &b, 64, 2, RT_SCOPE_LINK);
	assert_int_equal(nl_addr_decode(nlh, &out), 0);
	assert_memory_equal(&out.addr, &b, sizeof(b));
	assert_int_equal(out.prefixlen, 64);
	assert_int_equal(out.scope, RT_SCOPE_LINK);
}

static void test_addr_decode_hostile(void **state)
{
	struct core_addr a = v4(192, 0, 2, 1), b = v6_doc(1);
	struct dg d = {0};
	struct nl_addr out;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	uint16_t two = 2;

	nlh = put_addr(&d, 5, 0, &a, 32, 7, 0);
	ifa = mnl_nlmsg_get_payload(nlh);
	nlh->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(nl_addr_decode(nlh, &out), -ENOMSG);
	nlh->nlmsg_type = RTM_NEWADDR;
	ifa->ifa_family = AF_PACKET;
	assert_int_equal(nl_addr_decode(nlh, &out), -EAFNOSUPPORT);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 33;
	assert_int_equal(nl_addr_decode(nlh, &out), -EBADMSG);
	ifa->ifa_prefixlen = 32;
	ifa->ifa_index = 0;
	assert_int_equal(nl_addr_decode(nlh, &out), -EBADMSG);
	ifa->ifa_index = 0x80000000u;
	assert_int_equal(nl_addr_decode(nlh, &out), -EBADMSG);
	ifa->ifa_index = 7;
	/* IPv4 message with 16-byte addresses */
	ifa->ifa_family = AF_INET6;
	assert_int_equal(nl_addr_decode(nlh, &out), -EBADMSG);
	ifa->ifa_family = AF_INET;
	assert_int_equal(nl_addr_decode(nlh, &out), 0);

	/* Attribute length below its header, then past the message. */
	((struct nlattr *)((char *)nlh + 24))->nla_len = 3;
	assert_int_equal(nl_addr_decode(nlh, &out), -EBADMSG);
	((struct nlattr *)((char *)nlh + 24))->nla_len = 200;
	assert_int_equal(nl_addr_decode(nlh, &out), -EBADMSG);
	/* Trailing bytes too short for an attribute header. */
	((struct nlattr *)((char *)nlh + 24))->nla_len = 8;
	nlh->nlmsg_len += 2;
	assert_int_equal(nl_addr_decode(nlh, &out), -EBADMSG);
	/* Header cut inside the ifaddrmsg. */
	nlh->nlmsg_len = 16 + 6;
	assert_int_equal(nl_addr_decode(nlh, &out), -EBADMSG);
	nlh->nlmsg_len = 10;
	assert_int_equal(nl_addr_decode(nlh, &out), -EBADMSG);

	/* No address at all; IFA_FLAGS of the wrong size; short v6. */
	d.len = 0;
	nlh = msg_put(&d, RTM_NEWADDR, 0, 5, 100);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_index = 1;
	mnl_attr_put_strz(nlh, IFA_LABEL, "lo");
	assert_int_equal(nl_addr_decode(nlh, &out), -EBADMSG);
	mnl_attr_put(nlh, IFA_FLAGS, sizeof(two), &two);
	mnl_attr_put(nlh, IFA_ADDRESS, 16, b.bytes);
	assert_int_equal(nl_addr_decode(nlh, &out), -EBADMSG);
	d.len = 0;
	nlh = msg_put(&d, RTM_NEWADDR, 0, 5, 100);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_index = 1;
	mnl_attr_put(nlh, IFA_ADDRESS, 4, b.bytes);
	assert_int_equal(nl_addr_decode(nlh, &out), -EBADMSG);
	assert_int_equal(out.ifindex, 0); /* nothing half-filled */
}

static struct nlmsghdr *put_link(struct dg *d, int ifindex, const char *name, const char *kind)
{
	struct nlmsghdr *nlh = msg_put(d, RTM_NEWLINK, 0, 5, 100);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_index = ifindex;
	ifi->ifi_flags = 0x1003; /* UP|BROADCAST|LOWER_UP-ish */
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (kind) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
		mnl_attr_put_u32(nlh, IFLA_INFO_DATA, 0);
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_attr_put_u32(nlh, 250, 0); /* unknown */
	return nlh;
}

static void test_link_decode(void **state)
{
	struct dg d = {0};
	struct nl_link l;
	struct nlmsghdr *nlh;
	struct nlattr *name;
	char buf[40];

	nlh = put_link(&d, 12, "kube-lb0", "dummy");
	assert_int_equal(nl_link_decode(nlh, &l), 0);
	assert_int_equal(l.ifindex, 12);
	assert_int_equal(l.flags, 0x1003);
	assert_string_equal(l.name, "kube-lb0");
	assert_string_equal(l.kind, "dummy");

	d.len = 0;
	nlh = put_link(&d, 1, "lo", NULL);
	assert_int_equal(nl_link_decode(nlh, &l), 0);
	assert_string_equal(l.kind, "");

	/* 16 characters: no room for the NUL in IFNAMSIZ. */
	d.len = 0;
	nlh = put_link(&d, 1, "0123456789abcdef", NULL);
	assert_int_equal(nl_link_decode(nlh, &l), -EBADMSG);
	assert_string_equal(l.name, "");

	/* A name without NUL. */
	d.len = 0;
	nlh = put_link(&d, 1, NULL, NULL);
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth0");
	assert_int_equal(nl_link_decode(nlh, &l), -EBADMSG);

	/* Kind longer than we keep. */
	memset(buf, 'k', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	d.len = 0;
	nlh = put_link(&d, 1, "x", buf);
	assert_int_equal(nl_link_decode(nlh, &l), -EBADMSG);

	/* Nested attribute overrunning its nest. */
	d.len = 0;
	nlh = put_link(&d, 3, "x", "dummy");
	name = (struct nlattr *)((char *)nlh + 16 + 16 + 8 + 8); /* after MTU and name */
	assert_int_equal(name->nla_type & NLA_TYPE_MASK, IFLA_LINKINFO);
	((struct nlattr *)(name + 1))->nla_len = 60;
	assert_int_equal(nl_link_decode(nlh, &l), -EBADMSG);

	d.len = 0;
	nlh = put_link(&d, 0, "x", NULL);
	assert_int_equal(nl_link_decode(nlh, &l), -EBADMSG);
	nlh->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(nl_link_decode(nlh, &l), -ENOMSG);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_len = 16 + 15;
	assert_int_equal(nl_link_decode(nlh, &l), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ack_and_errors),
	    cmocka_unit_test(test_error_payload_short),
	    cmocka_unit_test(test_ext_ack),
	    cmocka_unit_test(test_truncated_headers),
	    cmocka_unit_test(test_dump_two_datagrams),
	    cmocka_unit_test(test_dump_intr_and_done_errors),
	    cmocka_unit_test(test_stale_and_foreign_skipped),
	    cmocka_unit_test(test_callback_error_drains),
	    cmocka_unit_test(test_dump_every_cut),
	    cmocka_unit_test(test_addr_decode),
	    cmocka_unit_test(test_addr_decode_hostile),
	    cmocka_unit_test(test_link_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
