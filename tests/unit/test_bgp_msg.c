/*
 * Framing (RFC 4271 section 4.1/6.1, RFC 8654), KEEPALIVE, NOTIFICATION,
 * ROUTE-REFRESH (RFC 2918), and the text helpers.
 */
#include <errno.h>

#include "test_bgp_util.h"

#define MARKER "ffffffffffffffffffffffffffffffff "

struct hvec {
	const char *name;
	const char *msg; /* whole message, hex */
	size_t max_len;
	int rc;
	uint8_t subcode; /* Message Header Error subcode when rc == -EBADMSG */
	const char *data;
	size_t msg_len; /* when rc == 0 */
};

static const struct hvec hvecs[] = {
    {"keepalive", MARKER "0013 04", 4096, 0, 0, NULL, 19},
    {"empty_input_needs_more", "", 4096, -EAGAIN, 0, NULL, 0},
    {"18_octets_need_more", MARKER "00", 4096, -EAGAIN, 0, NULL, 0},
    {"header_only_of_longer_message", MARKER "0100 02", 4096, 0, 0, NULL, 256},
    {"marker_not_all_ones", "ffffffffffffffffffffffffffffff7f 0013 04", 4096, -EBADMSG,
     BGP_ERR_HDR_SYNC, "", 0},
    {"length_18", MARKER "0012 04", 4096, -EBADMSG, BGP_ERR_HDR_LEN, "00 12", 0},
    {"length_4097", MARKER "1001 02", 4096, -EBADMSG, BGP_ERR_HDR_LEN, "10 01", 0},
    {"length_4097_update_with_ext_msg", MARKER "1001 02", 65535, 0, 0, NULL, 4097},
    {"length_65535_update_with_ext_msg", MARKER "ffff 02", 65535, 0, 0, NULL, 65535},
    {"length_4097_open_with_ext_msg_rfc8654", MARKER "1001 01", 65535, -EBADMSG, BGP_ERR_HDR_LEN,
     "10 01", 0},
    {"length_4097_notification_with_ext_msg", MARKER "1001 03", 65535, 0, 0, NULL, 4097},
    {"keepalive_length_20", MARKER "0014 04", 4096, -EBADMSG, BGP_ERR_HDR_LEN, "00 14", 0},
    {"open_length_28", MARKER "001c 01", 4096, -EBADMSG, BGP_ERR_HDR_LEN, "00 1c", 0},
    {"update_length_22", MARKER "0016 02", 4096, -EBADMSG, BGP_ERR_HDR_LEN, "00 16", 0},
    {"notification_length_20", MARKER "0014 03", 4096, -EBADMSG, BGP_ERR_HDR_LEN, "00 14", 0},
    {"route_refresh_length_24", MARKER "0018 05", 4096, -EBADMSG, BGP_ERR_HDR_LEN, "00 18", 0},
    {"route_refresh_length_22", MARKER "0016 05", 4096, -EBADMSG, BGP_ERR_HDR_LEN, "00 16", 0},
    {"type_0", MARKER "0013 00", 4096, -EBADMSG, BGP_ERR_HDR_TYPE, "00", 0},
    {"type_6", MARKER "0013 06", 4096, -EBADMSG, BGP_ERR_HDR_TYPE, "06", 0},
    {"type_255", MARKER "0013 ff", 4096, -EBADMSG, BGP_ERR_HDR_TYPE, "ff", 0},
};

static void run_hvec(void **state)
{
	const struct hvec *v = *state;
	uint8_t buf[64], data[64];
	struct bgp_error err;
	size_t n = hx(v->msg, buf, sizeof(buf)), mlen = 0;
	int rc = bgp_header_check(buf, n, v->max_len, &mlen, &err);

	assert_int_equal(rc, v->rc);
	if (rc == 0)
		assert_int_equal(mlen, v->msg_len);
	if (rc != -EBADMSG)
		return;
	assert_int_equal(err.action, BGP_UPD_SESSION_RESET);
	assert_int_equal(err.code, BGP_ERR_HEADER);
	assert_int_equal(err.subcode, v->subcode);
	assert_non_null(err.reason);
	n = hx(v->data, data, sizeof(data));
	assert_int_equal(err.data_len, n);
	assert_memory_equal(err.data, data, n);
}

static void test_decode_truncated_buffer(void **state)
{
	uint8_t buf[64];
	size_t n = hx(MARKER "0017 05 0001 00 01", buf, sizeof(buf));
	struct bgp_error err;
	struct bgp_msg m;

	assert_int_equal(bgp_msg_decode(buf, n - 1, NULL, &m, &err), -EBADMSG);
	assert_int_equal(err.code, BGP_ERR_HEADER);
	assert_int_equal(err.subcode, BGP_ERR_HDR_LEN);
	assert_int_equal(bgp_msg_decode(buf, 10, NULL, &m, &err), -EBADMSG);
	assert_int_equal(err.subcode, BGP_ERR_HDR_LEN);
	/* Bytes past the message are not part of it. */
	assert_int_equal(bgp_msg_decode(buf, n, NULL, &m, &err), 0);
	buf[n] = 0xaa;
	assert_int_equal(bgp_msg_decode(buf, n + 1, NULL, &m, &err), 0);
	assert_int_equal(m.len, 23);
}

static void test_keepalive(void **state)
{
	uint8_t buf[32], want[32];
	size_t wn = hx(MARKER "0013 04", want, sizeof(want));
	struct bgp_error err;
	struct bgp_msg m;

	assert_int_equal(bgp_keepalive_encode(buf, 18), -ENOBUFS);
	assert_int_equal(bgp_keepalive_encode(buf, sizeof(buf)), 19);
	assert_memory_equal(buf, want, wn);
	assert_int_equal(bgp_msg_decode(buf, 19, NULL, &m, &err), 0);
	assert_int_equal(m.type, BGP_MSG_KEEPALIVE);
	assert_int_equal(m.len, 19);
	assert_int_equal(err.action, BGP_UPD_OK);
}

static void test_notification(void **state)
{
	static uint8_t big[5000], payload[5000];
	uint8_t buf[64], want[64];
	const uint8_t data[] = {0x00, 0x12};
	size_t wn = hx(MARKER "0017 03 01 02 0012", want, sizeof(want));
	struct bgp_error err;
	struct bgp_msg m;

	assert_int_equal(bgp_notification_encode(buf, sizeof(buf), 1, 2, data, 2), 23);
	assert_memory_equal(buf, want, wn);
	assert_int_equal(bgp_msg_decode(buf, 23, NULL, &m, &err), 0);
	assert_int_equal(m.type, BGP_MSG_NOTIFICATION);
	assert_int_equal(m.u.notification.code, 1);
	assert_int_equal(m.u.notification.subcode, 2);
	assert_int_equal(m.u.notification.data_len, 2);
	assert_ptr_equal(m.u.notification.data, buf + 21);

	assert_int_equal(bgp_notification_encode(buf, sizeof(buf), 6, 2, NULL, 0), 21);
	assert_int_equal(bgp_msg_decode(buf, 21, NULL, &m, &err), 0);
	assert_int_equal(m.u.notification.data_len, 0);
	assert_null(m.u.notification.data);

	assert_int_equal(bgp_notification_encode(buf, 22, 1, 2, data, 2), -ENOBUFS);
	assert_int_equal(bgp_notification_encode(big, sizeof(big), 3, 1, payload, 4076), -EMSGSIZE);
	assert_int_equal(bgp_notification_encode(big, sizeof(big), 3, 1, payload, 4075), 4096);
	assert_int_equal(bgp_notification_encode(buf, sizeof(buf), 3, 1, NULL, 3), -EINVAL);
}

static void test_route_refresh(void **state)
{
	uint8_t buf[32], want[32];
	size_t wn = hx(MARKER "0017 05 0002 00 01", want, sizeof(want));
	struct bgp_error err;
	struct bgp_msg m;

	assert_int_equal(bgp_route_refresh_encode(buf, 22, 2, 1), -ENOBUFS);
	assert_int_equal(bgp_route_refresh_encode(buf, sizeof(buf), 2, 1), 23);
	assert_memory_equal(buf, want, wn);
	/* RFC 7313 subtype in the reserved octet is ignored. */
	buf[21] = 1;
	assert_int_equal(bgp_msg_decode(buf, 23, NULL, &m, &err), 0);
	assert_int_equal(m.type, BGP_MSG_ROUTE_REFRESH);
	assert_int_equal(m.u.route_refresh.afi, 2);
	assert_int_equal(m.u.route_refresh.safi, 1);
}

static void test_prefix_parse(void **state)
{
	static const char *const bad[] = {
	    "",
	    "/24",
	    "10.0.0.1/8",
	    "10.0.0.0/33",
	    "10.0.0.0/",
	    "10.0.0.0/+8",
	    "10.0.0.0/ 8",
	    "10.0.0.0/8/8",
	    "10.0.0.0 /8",
	    "abc",
	    "2001:db8::/129",
	    "2001:db8::1/64",
	    "1.2.3.4.5",
	    "10.0.0.0/-1",
	    "10.0.0.0/08x",
	};
	struct bgp_prefix p;

	assert_int_equal(bgp_prefix_parse("192.0.2.0/24", &p), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 24);
	assert_int_equal(p.path_id, 0);
	assert_memory_equal(p.addr, "\xc0\x00\x02\x00", 4);
	assert_int_equal(bgp_prefix_parse("192.0.2.7", &p), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(bgp_prefix_parse("0.0.0.0/0", &p), 0);
	assert_int_equal(p.len, 0);
	assert_int_equal(bgp_prefix_parse("2001:db8::/32", &p), 0);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.len, 32);
	assert_int_equal(bgp_prefix_parse("2001:db8::1", &p), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(p.addr[15], 1);
	assert_int_equal(bgp_prefix_parse("::/0", &p), 0);
	assert_int_equal(bgp_prefix_parse("10.0.0.0/008", &p), 0);
	assert_int_equal(p.len, 8);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bgp_prefix_parse(bad[i], &p) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(bgp_prefix_parse(NULL, &p), -EINVAL);
}

static void test_addr_parse(void **state)
{
	struct core_addr a;

	assert_int_equal(core_addr_parse("198.51.100.1", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.bytes, "\xc6\x33\x64\x01\x00", 5);
	assert_int_equal(core_addr_parse("fe80::1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.bytes[0], 0xfe);
	assert_int_equal(core_addr_parse("198.51.100.1/32", &a), -EINVAL);
	assert_int_equal(core_addr_parse("", &a), -EINVAL);
	assert_int_equal(core_addr_parse("host.example", &a), -EINVAL);
}

static void test_prefix_format(void **state)
{
	char buf[BGP_PREFIX_STRLEN], small[8];
	struct bgp_prefix p = pfx("2001:db8:ffff:ffff:ffff:ffff:ffff:ff00/120");

	assert_string_equal(bgp_prefix_format(&p, buf, sizeof(buf)),
	                    "2001:db8:ffff:ffff:ffff:ffff:ffff:ff00/120");
	p = pfx("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_string_equal(bgp_prefix_format(&p, buf, sizeof(buf)),
	                    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	p = pfx("198.51.100.0/24");
	assert_string_equal(bgp_prefix_format(&p, buf, sizeof(buf)), "198.51.100.0/24");
	assert_string_equal(bgp_prefix_format(&p, small, sizeof(small)), "?");
	assert_string_equal(bgp_prefix_format(&p, small, 0), "");
	p.family = 0;
	assert_string_equal(bgp_prefix_format(&p, buf, sizeof(buf)), "?");
}

static void test_err_name(void **state)
{
	assert_string_equal(bgp_err_name(BGP_ERR_UPDATE, BGP_ERR_UPD_AS_PATH),
	                    "UPDATE Message Error / Malformed AS_PATH");
	assert_string_equal(bgp_err_name(BGP_ERR_OPEN, BGP_ERR_OPEN_UNSPECIFIC),
	                    "OPEN Message Error / Unspecific");
	assert_string_equal(bgp_err_name(BGP_ERR_HEADER, BGP_ERR_HDR_LEN),
	                    "Message Header Error / Bad Message Length");
	assert_string_equal(bgp_err_name(BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_SHUTDOWN),
	                    "Cease / Administrative Shutdown");
	assert_string_equal(bgp_err_name(BGP_ERR_HOLD, 0), "Hold Timer Expired");
	assert_string_equal(bgp_err_name(BGP_ERR_OPEN, 9), "OPEN Message Error / unknown subcode");
	assert_string_equal(bgp_err_name(BGP_ERR_UPDATE, 200),
	                    "UPDATE Message Error / unknown subcode");
	assert_string_equal(bgp_err_name(0, 0), "unknown error code");
	assert_string_equal(bgp_err_name(8, 1), "unknown error code");
}

static void test_af_from_afi(void **state)
{
	enum bgp_af af;

	assert_int_equal(bgp_af_from_afi(1, 1, &af), 0);
	assert_int_equal(af, BGP_AF_IPV4);
	assert_int_equal(bgp_af_from_afi(2, 1, &af), 0);
	assert_int_equal(af, BGP_AF_IPV6);
	assert_int_equal(bgp_af_from_afi(1, 2, &af), -EAFNOSUPPORT);
	assert_int_equal(bgp_af_from_afi(25, 65, &af), -EAFNOSUPPORT);
}

static void test_nlri_next(void **state)
{
	uint8_t nlri[64];
	size_t n = hx("00 01 ff 19 c6 33 64 ff 00 00 00 09 08 0a", nlri, sizeof(nlri)), off = 0;
	struct bgp_prefix p;

	assert_int_equal(bgp_nlri_next(nlri, n, &off, AF_INET, false, &p), 1);
	assert_int_equal(p.len, 0);
	assert_int_equal(bgp_nlri_next(nlri, n, &off, AF_INET, false, &p), 1);
	assert_int_equal(p.len, 1);
	assert_int_equal(p.addr[0], 0x80); /* trailing bits cleared */
	assert_int_equal(bgp_nlri_next(nlri, n, &off, AF_INET, false, &p), 1);
	assert_int_equal(p.len, 25);
	assert_memory_equal(p.addr, "\xc6\x33\x64\x80", 4);
	assert_int_equal(bgp_prefix_wire_len(&p, false), 5);
	assert_int_equal(bgp_prefix_wire_len(&p, true), 9);
	/* "00 00 00 09 08 0a" is a path id and 10.0.0.0/8 only with ADD-PATH. */
	assert_int_equal(bgp_nlri_next(nlri, n, &off, AF_INET, true, &p), 1);
	assert_int_equal(p.path_id, 9);
	assert_int_equal(p.len, 8);
	assert_int_equal(bgp_nlri_next(nlri, n, &off, AF_INET, true, &p), 0);
	assert_int_equal(off, n);
	off = 0;
	assert_int_equal(bgp_nlri_next(nlri, n, &off, AF_UNIX, false, &p), -EAFNOSUPPORT);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_decode_truncated_buffer),
	    cmocka_unit_test(test_keepalive),
	    cmocka_unit_test(test_notification),
	    cmocka_unit_test(test_route_refresh),
	    cmocka_unit_test(test_prefix_parse),
	    cmocka_unit_test(test_addr_parse),
	    cmocka_unit_test(test_prefix_format),
	    cmocka_unit_test(test_err_name),
	    cmocka_unit_test(test_af_from_afi),
	    cmocka_unit_test(test_nlri_next),
	};
	size_t nv = sizeof(hvecs) / sizeof(hvecs[0]);
	struct CMUnitTest *t = calloc(nv, sizeof(*t));
	int failed;

	assert_non_null(t);
	for (size_t i = 0; i < nv; i++) {
		t[i].name = hvecs[i].name;
		t[i].test_func = run_hvec;
		t[i].initial_state = (void *)&hvecs[i];
	}
	failed = _cmocka_run_group_tests("bgp_header_vectors", t, nv, NULL, NULL);
	failed += cmocka_run_group_tests_name("bgp_msg", fixed, NULL, NULL);
	free(t);
	return failed;
}
