/*
 * OPEN decoding and encoding: RFC 4271 section 4.2/6.2, capabilities
 * (RFC 5492, 4760, 2918, 4724, 6793, 7911, 8654), RFC 9072 extended
 * optional parameters, RFC 7607 AS 0. Hostile vectors assert the exact
 * NOTIFICATION subcode and data.
 */
#include <errno.h>

#include "test_bgp_util.h"

/* Version 4, AS 65001, hold 90, BGP id 192.0.2.1 */
#define FIXED   "04 fd e9 00 5a c0 00 02 01 "
#define CAP_MP4 "02 06 01 04 00 01 00 01 "
#define CAP_MP6 "02 06 01 04 00 02 00 01 "
#define CAP_RR  "02 02 02 00 "
#define CAP_AS4 "02 06 41 04 00 00 fd e9 "
#define CAP_EXT "02 02 06 00 "
/* R bit, 120 s; IPv4 with forwarding state, IPv6 without */
#define CAP_GR "02 0c 40 0a 80 78 00 01 01 80 00 02 01 00 "
/* IPv4 send+receive, IPv6 receive */
#define CAP_ADDPATH "02 0a 45 08 00 01 01 03 00 02 01 01 "
#define CAP_FQDN    "02 07 49 05 03 6e 6f 64 00 " /* unknown to berth: skipped */

struct ovec {
	const char *name;
	const char *fixed;  /* NULL: FIXED */
	int optlen;         /* -1: computed from params */
	const char *params; /* after Opt Parm Len */
	int rc;
	uint8_t subcode; /* OPEN Message Error subcode when rc < 0 */
	const char *data;
};

static const struct ovec ovecs[] = {
    {"valid_without_parameters", NULL, -1, "", 0, 0, NULL},
    {"valid_all_capabilities", NULL, -1,
     CAP_MP4 CAP_MP6 CAP_RR CAP_AS4 CAP_EXT CAP_GR CAP_ADDPATH CAP_FQDN, 0, 0, NULL},
    {"valid_capabilities_in_one_parameter", NULL, -1,
     "02 0e 01 04 00 02 00 01 02 00 41 04 00 00 fd e9", 0, 0, NULL},
    {"valid_empty_capabilities_parameter", NULL, -1, "02 00", 0, 0, NULL},
    {"valid_hold_time_0", "04 fd e9 00 00 c0 00 02 01", -1, "", 0, 0, NULL},
    {"valid_hold_time_3", "04 fd e9 00 03 c0 00 02 01", -1, "", 0, 0, NULL},
    {"valid_mp_unknown_afi_ignored", NULL, -1, "02 06 01 04 00 19 00 41", 0, 0, NULL},
    {"valid_addpath_value_4_ignored", NULL, -1, "02 06 45 04 00 01 01 04", 0, 0, NULL},
    {"valid_rfc9072_extended_parameters", NULL, 255,
     "ff 00 0e 02 00 06 01 04 00 01 00 01 02 00 02 02 00", 0, 0, NULL},
    {"version_3", "03 fd e9 00 5a c0 00 02 01", -1, "", -EBADMSG, BGP_ERR_OPEN_VERSION, "00 04"},
    {"my_as_0_rfc7607", "04 00 00 00 5a c0 00 02 01", -1, "", -EBADMSG, BGP_ERR_OPEN_PEER_AS,
     "00 00"},
    {"as4_capability_as_0_rfc7607", NULL, -1, "02 06 41 04 00 00 00 00", -EBADMSG,
     BGP_ERR_OPEN_PEER_AS, ""},
    {"hold_time_1", "04 fd e9 00 01 c0 00 02 01", -1, "", -EBADMSG, BGP_ERR_OPEN_HOLD_TIME, ""},
    {"hold_time_2", "04 fd e9 00 02 c0 00 02 01", -1, "", -EBADMSG, BGP_ERR_OPEN_HOLD_TIME, ""},
    {"bgp_identifier_0", "04 fd e9 00 5a 00 00 00 00", -1, "", -EBADMSG, BGP_ERR_OPEN_BGP_ID, ""},
    /* FRR read past a capability whose length overran its container. */
    {"cve_2022_37032_capability_length_overruns_parameter", NULL, -1, "02 04 41 08 00 00", -EBADMSG,
     BGP_ERR_OPEN_UNSPECIFIC, "41 08 00 00"},
    {"capability_header_truncated", NULL, -1, "02 01 41", -EBADMSG, BGP_ERR_OPEN_UNSPECIFIC, "41"},
    {"parameter_length_overruns_open", NULL, -1, "02 10 41 04 00 00 fd e9", -EBADMSG,
     BGP_ERR_OPEN_UNSPECIFIC, NULL},
    {"parameter_header_truncated", NULL, -1, "02", -EBADMSG, BGP_ERR_OPEN_UNSPECIFIC, NULL},
    {"opt_parm_len_larger_than_message", NULL, 20, CAP_AS4, -EBADMSG, BGP_ERR_OPEN_UNSPECIFIC,
     NULL},
    {"opt_parm_len_smaller_than_message", NULL, 4, CAP_AS4, -EBADMSG, BGP_ERR_OPEN_UNSPECIFIC,
     NULL},
    {"authentication_parameter_type_1", NULL, -1, "01 02 00 00", -EBADMSG, BGP_ERR_OPEN_OPT_PARAM,
     "01"},
    {"mp_capability_length_3", NULL, -1, "02 05 01 03 00 01 00", -EBADMSG, BGP_ERR_OPEN_UNSPECIFIC,
     "01 03 00 01 00"},
    {"route_refresh_capability_length_1", NULL, -1, "02 03 02 01 00", -EBADMSG,
     BGP_ERR_OPEN_UNSPECIFIC, NULL},
    {"ext_msg_capability_length_1", NULL, -1, "02 03 06 01 00", -EBADMSG, BGP_ERR_OPEN_UNSPECIFIC,
     NULL},
    {"gr_capability_length_0", NULL, -1, "02 02 40 00", -EBADMSG, BGP_ERR_OPEN_UNSPECIFIC, NULL},
    {"gr_capability_length_3", NULL, -1, "02 05 40 03 00 78 00", -EBADMSG, BGP_ERR_OPEN_UNSPECIFIC,
     NULL},
    {"as4_capability_length_2", NULL, -1, "02 04 41 02 fd e9", -EBADMSG, BGP_ERR_OPEN_UNSPECIFIC,
     NULL},
    {"addpath_capability_length_5", NULL, -1, "02 07 45 05 00 01 01 03 00", -EBADMSG,
     BGP_ERR_OPEN_UNSPECIFIC, NULL},
    {"rfc9072_extended_length_truncated", NULL, 255, "ff 00", -EBADMSG, BGP_ERR_OPEN_UNSPECIFIC,
     NULL},
    {"rfc9072_extended_length_mismatch", NULL, 255, "ff 00 20 02 00 02 02 00", -EBADMSG,
     BGP_ERR_OPEN_UNSPECIFIC, NULL},
    {"rfc9072_parameter_overruns", NULL, 255, "ff 00 05 02 00 09 01 04", -EBADMSG,
     BGP_ERR_OPEN_UNSPECIFIC, NULL},
};

static size_t build_open(uint8_t *buf, size_t cap, const struct ovec *v)
{
	uint8_t body[1024];
	size_t n = hx(v->fixed ? v->fixed : FIXED, body, sizeof(body));
	size_t p = hx(v->params, body + n + 1, sizeof(body) - n - 1);
	char hexbody[2 * sizeof(body) + 1];

	body[n] = (uint8_t)(v->optlen >= 0 ? v->optlen : (int)p);
	for (size_t i = 0; i < n + 1 + p; i++)
		snprintf(hexbody + 2 * i, 3, "%02x", body[i]);
	return build_msg(buf, cap, BGP_MSG_OPEN, hexbody);
}

static void run_ovec(void **state)
{
	const struct ovec *v = *state;
	uint8_t buf[1100], data[64];
	struct bgp_error err;
	struct bgp_msg m;
	size_t n = build_open(buf, sizeof(buf), v);
	int rc = bgp_msg_decode(buf, n, NULL, &m, &err);

	assert_int_equal(rc, v->rc);
	if (rc == 0) {
		assert_int_equal(m.type, BGP_MSG_OPEN);
		assert_int_equal(err.code, 0);
		return;
	}
	assert_int_equal(err.action, BGP_UPD_SESSION_RESET);
	assert_int_equal(err.code, BGP_ERR_OPEN);
	assert_int_equal(err.subcode, v->subcode);
	assert_non_null(err.reason);
	if (v->data) {
		size_t dn = hx(v->data, data, sizeof(data));

		assert_int_equal(err.data_len, dn);
		assert_memory_equal(err.data, data, dn);
	}
}

static int decode_open(const char *fixed, const char *params, struct bgp_open *o)
{
	struct ovec v = {"", fixed, -1, params, 0, 0, NULL};
	uint8_t buf[1100];
	struct bgp_error err;
	struct bgp_msg m;
	size_t n = build_open(buf, sizeof(buf), &v);
	int rc = bgp_msg_decode(buf, n, NULL, &m, &err);

	*o = m.u.open;
	return rc;
}

static void test_decode_all_capabilities(void **state)
{
	struct bgp_open o;

	assert_int_equal(
	    decode_open(NULL, CAP_MP4 CAP_MP6 CAP_RR CAP_AS4 CAP_EXT CAP_GR CAP_ADDPATH CAP_FQDN,
	                &o),
	    0);
	assert_int_equal(o.version, 4);
	assert_int_equal(o.my_as, 65001);
	assert_int_equal(o.hold_time, 90);
	assert_int_equal(o.bgp_id, 0xc0000201);
	assert_true(o.caps.mp[BGP_AF_IPV4]);
	assert_true(o.caps.mp[BGP_AF_IPV6]);
	assert_true(o.caps.route_refresh);
	assert_true(o.caps.as4);
	assert_int_equal(o.caps.as4_asn, 65001);
	assert_true(o.caps.ext_msg);
	assert_true(o.caps.gr);
	assert_true(o.caps.gr_restarting);
	assert_int_equal(o.caps.gr_time, 120);
	assert_true(o.caps.gr_af[BGP_AF_IPV4].present);
	assert_true(o.caps.gr_af[BGP_AF_IPV4].forwarding_preserved);
	assert_true(o.caps.gr_af[BGP_AF_IPV6].present);
	assert_false(o.caps.gr_af[BGP_AF_IPV6].forwarding_preserved);
	assert_int_equal(o.caps.addpath[BGP_AF_IPV4], BGP_ADDPATH_RECEIVE | BGP_ADDPATH_SEND);
	assert_int_equal(o.caps.addpath[BGP_AF_IPV6], BGP_ADDPATH_RECEIVE);
}

static void test_decode_no_capabilities(void **state)
{
	struct bgp_open o, zero;

	assert_int_equal(decode_open(NULL, "", &o), 0);
	memset(&zero, 0, sizeof(zero));
	zero.version = 4;
	zero.my_as = 65001;
	zero.hold_time = 90;
	zero.bgp_id = 0xc0000201;
	assert_open_equal(&o, &zero);
}

static void test_decode_rfc9072(void **state)
{
	struct bgp_open o;
	uint8_t buf[1100];
	struct bgp_error err;
	struct bgp_msg m;
	const struct ovec *v = &ovecs[8];
	size_t n;

	assert_string_equal(v->name, "valid_rfc9072_extended_parameters");
	n = build_open(buf, sizeof(buf), v);
	assert_int_equal(bgp_msg_decode(buf, n, NULL, &m, &err), 0);
	o = m.u.open;
	assert_true(o.caps.mp[BGP_AF_IPV4]);
	assert_true(o.caps.route_refresh);
	assert_false(o.caps.mp[BGP_AF_IPV6]);
}

static void test_decode_ignores_unknown(void **state)
{
	struct bgp_open o;

	assert_int_equal(decode_open(NULL, "02 06 01 04 00 19 00 41 02 06 45 04 00 01 01 04", &o),
	                 0);
	assert_false(o.caps.mp[BGP_AF_IPV4]);
	assert_false(o.caps.mp[BGP_AF_IPV6]);
	assert_int_equal(o.caps.addpath[BGP_AF_IPV4], 0);
}

static struct bgp_open full_open(void)
{
	struct bgp_open o;

	memset(&o, 0, sizeof(o));
	o.version = 4;
	o.my_as = BGP_AS_TRANS;
	o.hold_time = 9;
	o.bgp_id = 0xc0000202;
	o.caps.mp[BGP_AF_IPV4] = o.caps.mp[BGP_AF_IPV6] = true;
	o.caps.route_refresh = true;
	o.caps.as4 = true;
	o.caps.as4_asn = 4200000000u;
	o.caps.ext_msg = true;
	o.caps.gr = true;
	o.caps.gr_restarting = true;
	o.caps.gr_time = 4095;
	o.caps.gr_af[BGP_AF_IPV6].present = true;
	o.caps.gr_af[BGP_AF_IPV6].forwarding_preserved = true;
	o.caps.addpath[BGP_AF_IPV4] = BGP_ADDPATH_SEND;
	o.caps.addpath[BGP_AF_IPV6] = BGP_ADDPATH_RECEIVE | BGP_ADDPATH_SEND;
	return o;
}

static void test_encode_round_trip(void **state)
{
	struct bgp_open o = full_open();
	uint8_t buf[4096];
	struct bgp_error err;
	struct bgp_msg m;
	ssize_t n = bgp_open_encode(buf, sizeof(buf), &o);

	assert_true(n > 29);
	assert_int_equal(bgp_msg_decode(buf, (size_t)n, NULL, &m, &err), 0);
	assert_int_equal(m.type, BGP_MSG_OPEN);
	assert_int_equal(m.len, n);
	assert_open_equal(&m.u.open, &o);
}

/* RFC 6793 section 4.2.1: My AS carries AS_TRANS for a 4-octet AS. */
static void test_encode_as_trans(void **state)
{
	struct bgp_open o = full_open();
	uint8_t buf[4096];

	o.my_as = 1; /* ignored with caps.as4 */
	assert_true(bgp_open_encode(buf, sizeof(buf), &o) > 0);
	assert_int_equal(buf[20] << 8 | buf[21], BGP_AS_TRANS);
	o.caps.as4_asn = 65001;
	assert_true(bgp_open_encode(buf, sizeof(buf), &o) > 0);
	assert_int_equal(buf[20] << 8 | buf[21], 65001);
	o.caps.as4 = false;
	o.my_as = 64512;
	assert_true(bgp_open_encode(buf, sizeof(buf), &o) > 0);
	assert_int_equal(buf[20] << 8 | buf[21], 64512);
}

static void test_encode_exact_bytes(void **state)
{
	struct bgp_open o;
	uint8_t buf[128], want[128];
	size_t wn = hx("ffffffffffffffffffffffffffffffff 002d 01"
	               "04 fde9 005a c0000201 10"
	               "02 06 01 04 0001 00 01"
	               "02 06 41 04 0000fde9",
	               want, sizeof(want));
	ssize_t n;

	memset(&o, 0, sizeof(o));
	o.hold_time = 90;
	o.bgp_id = 0xc0000201;
	o.caps.mp[BGP_AF_IPV4] = true;
	o.caps.as4 = true;
	o.caps.as4_asn = 65001;
	n = bgp_open_encode(buf, sizeof(buf), &o);
	assert_int_equal(n, wn);
	assert_memory_equal(buf, want, wn);
}

static void test_encode_errors(void **state)
{
	struct bgp_open o = full_open(), bad;
	uint8_t buf[4096];
	ssize_t n = bgp_open_encode(buf, sizeof(buf), &o);

	assert_true(n > 0);
	for (size_t cap = 0; cap < (size_t)n; cap++)
		assert_int_equal(bgp_open_encode(buf, cap, &o), -ENOBUFS);
	bad = o;
	bad.hold_time = 2;
	assert_int_equal(bgp_open_encode(buf, sizeof(buf), &bad), -EINVAL);
	bad = o;
	bad.bgp_id = 0;
	assert_int_equal(bgp_open_encode(buf, sizeof(buf), &bad), -EINVAL);
	bad = o;
	bad.caps.gr_time = 4096;
	assert_int_equal(bgp_open_encode(buf, sizeof(buf), &bad), -EINVAL);
	bad = o;
	bad.caps.addpath[BGP_AF_IPV4] = 4;
	assert_int_equal(bgp_open_encode(buf, sizeof(buf), &bad), -EINVAL);
	bad = o;
	bad.caps.as4 = false;
	bad.my_as = 0;
	assert_int_equal(bgp_open_encode(buf, sizeof(buf), &bad), -EINVAL);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_decode_all_capabilities),
	    cmocka_unit_test(test_decode_no_capabilities),
	    cmocka_unit_test(test_decode_rfc9072),
	    cmocka_unit_test(test_decode_ignores_unknown),
	    cmocka_unit_test(test_encode_round_trip),
	    cmocka_unit_test(test_encode_as_trans),
	    cmocka_unit_test(test_encode_exact_bytes),
	    cmocka_unit_test(test_encode_errors),
	};
	size_t nv = sizeof(ovecs) / sizeof(ovecs[0]);
	struct CMUnitTest *t = calloc(nv, sizeof(*t));
	int failed;

	assert_non_null(t);
	for (size_t i = 0; i < nv; i++) {
		t[i].name = ovecs[i].name;
		t[i].test_func = run_ovec;
		t[i].initial_state = (void *)&ovecs[i];
	}
	failed = _cmocka_run_group_tests("bgp_open_vectors", t, nv, NULL, NULL);
	failed += cmocka_run_group_tests_name("bgp_open", fixed, NULL, NULL);
	free(t);
	return failed;
}
