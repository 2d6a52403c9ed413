/*
 * UPDATE decoding against RFC 4271 / 4760 / 6793 / 7606 / 7911 / 8092:
 * one named vector per case, each asserting the exact RFC 7606 action,
 * NOTIFICATION code/subcode, offending attribute and prefix counts.
 * Vectors modelled on known bugs in other speakers say so in their name.
 */
#include <errno.h>

#include "test_bgp_util.h"

/* Building blocks, as on the wire. */
#define ORIGIN_IGP "40 01 01 00 "
#define AS_PATH2   "40 02 04 02 01 fd e9 "       /* AS_SEQUENCE {65001}, 2-octet */
#define AS_PATH4   "40 02 06 02 01 00 00 fd e9 " /* AS_SEQUENCE {65001}, 4-octet */
#define NH_V4      "40 03 04 c0 00 02 01 "       /* 192.0.2.1 */
#define BASE2      ORIGIN_IGP AS_PATH2 NH_V4
#define BASE4      ORIGIN_IGP AS_PATH4 NH_V4
#define NLRI_V4    "18 c6 33 64 "                                     /* 198.51.100.0/24 */
#define NH6        "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 " /* 2001:db8::1 */
#define NH6_LL     "fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 "
#define P6         "20 20 01 0d b8 " /* 2001:db8::/32 */
/* MP_REACH_NLRI IPv6 unicast, next hop 2001:db8::1, one prefix */
#define MP_REACH6   "80 0e 1a 00 02 01 10 " NH6 "00 " P6
#define MP_UNREACH6 "80 0f 08 00 02 01 " P6
#define BASE6       ORIGIN_IGP AS_PATH2 MP_REACH6

enum { SP_AS4 = 1, SP_AP4 = 2, SP_AP6 = 4 };

struct vec {
	const char *name;
	unsigned sp;
	const char *wd, *attrs, *nlri;
	const char *body; /* raw UPDATE body instead of the three fields */
	int rc;
	enum bgp_upd_action action;
	uint8_t subcode; /* code is UPDATE Message Error whenever action != OK */
	uint8_t attr_type;
	const char *data; /* expected NOTIFICATION data, NULL: not checked */
	/* announce v4, v6, withdraw v4, v6; not checked on session reset */
	uint32_t cnt[4];
	int eor; /* 0 none, 1 IPv4, 2 IPv6 */
};

#define OK_                0, BGP_UPD_OK, 0, 0
#define DISCARD(sub, type) 0, BGP_UPD_ATTR_DISCARD, sub, type
#define TAW(sub, type)     0, BGP_UPD_TREAT_AS_WITHDRAW, sub, type
#define RESET(sub, type)   -EBADMSG, BGP_UPD_SESSION_RESET, sub, type

static const struct vec vecs[] = {
    /* ---- well-formed ---- */
    {"valid_ipv4_announce", 0, "", BASE2, NLRI_V4, NULL, OK_, NULL, {1, 0, 0, 0}, 0},
    {"valid_ipv4_4octet_as", SP_AS4, "", BASE4, NLRI_V4, NULL, OK_, NULL, {1, 0, 0, 0}, 0},
    {"valid_every_attribute",
     0,
     "",
     BASE2 "80 04 04 00 00 00 64 40 05 04 00 00 00 64 40 06 00 c0 07 06 fd e9 c0 00 02 01 "
           "c0 08 04 fd e9 00 01 80 09 04 c0 00 02 01 80 0a 04 c0 00 02 02 "
           "c0 10 08 00 02 fd e9 00 00 00 01 c0 20 0c 00 00 fd e9 00 00 00 01 00 00 00 02",
     NLRI_V4 "20 c6 33 64 07",
     NULL,
     OK_,
     NULL,
     {2, 0, 0, 0},
     0},
    {"withdraw_only_without_attributes",
     0,
     NLRI_V4 "20 c6 33 64 07",
     "",
     "",
     NULL,
     OK_,
     NULL,
     {0, 0, 2, 0},
     0},
    {"default_route_zero_length_prefix_is_valid",
     0,
     "",
     BASE2,
     "00",
     NULL,
     OK_,
     NULL,
     {1, 0, 0, 0},
     0},
    {"attributes_without_nlri_need_no_mandatory",
     0,
     "",
     ORIGIN_IGP,
     "",
     NULL,
     OK_,
     NULL,
     {0, 0, 0, 0},
     0},
    {"valid_ipv6_mp_reach", 0, "", BASE6, "", NULL, OK_, NULL, {0, 1, 0, 0}, 0},
    {"valid_ipv6_mp_reach_link_local_nh32",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 2a 00 02 01 20 " NH6 NH6_LL "00 " P6,
     "",
     NULL,
     OK_,
     NULL,
     {0, 1, 0, 0},
     0},
    {"valid_ipv4_in_mp_reach",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 0d 00 01 01 04 c0 00 02 01 00 " NLRI_V4,
     "",
     NULL,
     OK_,
     NULL,
     {1, 0, 0, 0},
     0},
    {"valid_mp_reach_with_empty_nlri",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 15 00 02 01 10 " NH6 "00",
     "",
     NULL,
     OK_,
     NULL,
     {0},
     0},
    {"valid_ipv6_withdraw_only", 0, "", MP_UNREACH6, "", NULL, OK_, NULL, {0, 0, 0, 1}, 0},
    {"valid_both_families_withdraw", 0, NLRI_V4, MP_UNREACH6, "", NULL, OK_, NULL, {0, 0, 1, 1}, 0},
    {"unknown_optional_transitive_is_ignored",
     0,
     "",
     BASE2 "c0 63 02 ab cd",
     NLRI_V4,
     NULL,
     OK_,
     NULL,
     {1, 0, 0, 0},
     0},
    /* FRR/OpenBGPD reset sessions on a corrupt optional attribute they parse
     * (Tunnel Encapsulation, type 23); berth does not parse it, so it stays up. */
    {"cve_2023_38802_corrupt_tunnel_encap_is_ignored",
     0,
     "",
     BASE2 "c0 17 08 00 01 00 ff 01 00 00 ff",
     NLRI_V4,
     NULL,
     OK_,
     NULL,
     {1, 0, 0, 0},
     0},
    {"as_path_empty_is_valid_ibgp",
     0,
     "",
     ORIGIN_IGP "40 02 00 " NH_V4,
     NLRI_V4,
     NULL,
     OK_,
     NULL,
     {1, 0, 0, 0},
     0},
    {"as_path_set_and_confed_segments_valid",
     0,
     "",
     ORIGIN_IGP "40 02 0e 02 01 fd e9 01 02 00 01 00 02 03 01 00 03 " NH_V4,
     NLRI_V4,
     NULL,
     OK_,
     NULL,
     {1, 0, 0, 0},
     0},
    {"aggregator_8_on_4octet_session",
     SP_AS4,
     "",
     BASE4 "c0 07 08 00 00 fd e9 c0 00 02 01",
     NLRI_V4,
     NULL,
     OK_,
     NULL,
     {1, 0, 0, 0},
     0},
    {"addpath_ipv4_nlri_and_withdrawn",
     SP_AP4,
     "00 00 00 07 " NLRI_V4,
     BASE2,
     "00 00 00 01 " NLRI_V4 "00 00 00 02 " NLRI_V4,
     NULL,
     OK_,
     NULL,
     {2, 0, 1, 0},
     0},
    {"addpath_ipv6_mp_reach",
     SP_AP6,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 1e 00 02 01 10 " NH6 "00 00 00 00 05 " P6,
     "",
     NULL,
     OK_,
     NULL,
     {0, 1, 0, 0},
     0},
    {"as4_path_before_as_path_on_2octet_session",
     0,
     "",
     ORIGIN_IGP "c0 11 06 02 01 fa 56 ea 00 40 02 04 02 01 5b a0 " NH_V4,
     NLRI_V4,
     NULL,
     OK_,
     NULL,
     {1, 0, 0, 0},
     0},

    /* ---- End-of-RIB, RFC 4724 section 2 ---- */
    {"eor_ipv4_empty_update", 0, "", "", "", NULL, OK_, NULL, {0}, 1},
    {"eor_ipv6_empty_mp_unreach", 0, "", "80 0f 03 00 02 01", "", NULL, OK_, NULL, {0}, 2},
    {"eor_ipv6_empty_mp_unreach_extlen",
     0,
     "",
     "90 0f 00 03 00 02 01",
     "",
     NULL,
     OK_,
     NULL,
     {0},
     2},
    {"eor_ipv4_via_mp_unreach", 0, "", "80 0f 03 00 01 01", "", NULL, OK_, NULL, {0}, 1},
    {"not_eor_mp_unreach_with_origin",
     0,
     "",
     ORIGIN_IGP "80 0f 03 00 02 01",
     "",
     NULL,
     OK_,
     NULL,
     {0},
     0},
    {"not_eor_mp_unreach_with_prefix", 0, "", MP_UNREACH6, "", NULL, OK_, NULL, {0, 0, 0, 1}, 0},

    /* ---- NEXT_HOP, RFC 7606 section 7.3 ---- */
    {"next_hop_shorter_than_4",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "40 03 03 c0 00 02",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 3),
     "40 03 03 c0 00 02",
     {0, 0, 1, 0},
     0},
    {"next_hop_zero_length",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "40 03 00",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 3),
     "40 03 00",
     {0, 0, 1, 0},
     0},
    {"next_hop_5_octets",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "40 03 05 c0 00 02 01 01",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 3),
     NULL,
     {0, 0, 1, 0},
     0},
    {"next_hop_0_0_0_0",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "40 03 04 00 00 00 00",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_NEXT_HOP, 3),
     NULL,
     {0, 0, 1, 0},
     0},
    {"next_hop_multicast",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "40 03 04 e0 00 00 05",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_NEXT_HOP, 3),
     NULL,
     {0, 0, 1, 0},
     0},

    /* ---- ORIGIN, AS_PATH, MED, LOCAL_PREF: RFC 7606 sections 7.1-7.5 ---- */
    {"origin_length_2",
     0,
     "",
     "40 01 02 00 00 " AS_PATH2 NH_V4,
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 1),
     NULL,
     {0, 0, 1, 0},
     0},
    {"origin_length_0",
     0,
     "",
     "40 01 00 " AS_PATH2 NH_V4,
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 1),
     NULL,
     {0, 0, 1, 0},
     0},
    {"origin_value_3",
     0,
     "",
     "40 01 01 03 " AS_PATH2 NH_V4,
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ORIGIN, 1),
     "40 01 01 03",
     {0, 0, 1, 0},
     0},
    {"as_path_segment_overruns_attribute",
     0,
     "",
     ORIGIN_IGP "40 02 04 02 02 fd e9 " NH_V4,
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_AS_PATH, 2),
     NULL,
     {0, 0, 1, 0},
     0},
    {"as_path_zero_length_segment",
     0,
     "",
     ORIGIN_IGP "40 02 02 02 00 " NH_V4,
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_AS_PATH, 2),
     NULL,
     {0, 0, 1, 0},
     0},
    {"as_path_lone_trailing_octet",
     0,
     "",
     ORIGIN_IGP "40 02 05 02 01 fd e9 02 " NH_V4,
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_AS_PATH, 2),
     NULL,
     {0, 0, 1, 0},
     0},
    {"as_path_segment_type_5",
     0,
     "",
     ORIGIN_IGP "40 02 04 05 01 fd e9 " NH_V4,
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_AS_PATH, 2),
     NULL,
     {0, 0, 1, 0},
     0},
    {"as_path_4octet_on_2octet_session",
     0,
     "",
     BASE4,
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_AS_PATH, 2),
     NULL,
     {0, 0, 1, 0},
     0},
    {"as_path_2octet_on_4octet_session",
     SP_AS4,
     "",
     BASE2,
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_AS_PATH, 2),
     NULL,
     {0, 0, 1, 0},
     0},
    {"med_length_2",
     0,
     "",
     BASE2 "80 04 02 00 01",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 4),
     NULL,
     {0, 0, 1, 0},
     0},
    {"local_pref_length_3",
     0,
     "",
     BASE2 "40 05 03 00 00 64",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 5),
     NULL,
     {0, 0, 1, 0},
     0},

    /* ---- attribute discard cases, RFC 7606 sections 7.6, 7.7 ---- */
    {"atomic_aggregate_length_1",
     0,
     "",
     BASE2 "40 06 01 00",
     NLRI_V4,
     NULL,
     DISCARD(BGP_ERR_UPD_ATTR_LEN, 6),
     NULL,
     {1, 0, 0, 0},
     0},
    {"aggregator_length_7",
     0,
     "",
     BASE2 "c0 07 07 fd e9 c0 00 02 01 00",
     NLRI_V4,
     NULL,
     DISCARD(BGP_ERR_UPD_ATTR_LEN, 7),
     NULL,
     {1, 0, 0, 0},
     0},
    {"aggregator_6_on_4octet_session",
     SP_AS4,
     "",
     BASE4 "c0 07 06 fd e9 c0 00 02 01",
     NLRI_V4,
     NULL,
     DISCARD(BGP_ERR_UPD_ATTR_LEN, 7),
     NULL,
     {1, 0, 0, 0},
     0},

    /* ---- communities: RFC 7606 7.8, 7.14; RFC 8092 section 6 ---- */
    {"communities_length_5",
     0,
     "",
     BASE2 "c0 08 05 fd e9 00 01 00",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 8),
     NULL,
     {0, 0, 1, 0},
     0},
    {"communities_length_0",
     0,
     "",
     BASE2 "c0 08 00",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 8),
     NULL,
     {0, 0, 1, 0},
     0},
    {"large_communities_length_8",
     0,
     "",
     BASE2 "c0 20 08 00 00 fd e9 00 00 00 01",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 32),
     NULL,
     {0, 0, 1, 0},
     0},
    {"ext_communities_length_12",
     0,
     "",
     BASE2 "c0 10 0c 00 02 fd e9 00 00 00 01 00 00 00 00",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 16),
     NULL,
     {0, 0, 1, 0},
     0},
    {"originator_id_length_3",
     0,
     "",
     BASE2 "80 09 03 c0 00 02",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 9),
     NULL,
     {0, 0, 1, 0},
     0},
    {"cluster_list_length_6",
     0,
     "",
     BASE2 "80 0a 06 c0 00 02 01 00 00",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 10),
     NULL,
     {0, 0, 1, 0},
     0},

    /* ---- flags, RFC 7606 section 3(c) ---- */
    {"origin_flagged_optional",
     0,
     "",
     "c0 01 01 00 " AS_PATH2 NH_V4,
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_FLAGS, 1),
     "c0 01 01 00",
     {0, 0, 1, 0},
     0},
    {"med_flagged_transitive",
     0,
     "",
     BASE2 "c0 04 04 00 00 00 64",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_FLAGS, 4),
     NULL,
     {0, 0, 1, 0},
     0},
    {"communities_flagged_well_known",
     0,
     "",
     BASE2 "40 08 04 fd e9 00 01",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_FLAGS, 8),
     NULL,
     {0, 0, 1, 0},
     0},
    {"mp_reach_flagged_transitive_still_located",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "c0 0e 1a 00 02 01 10 " NH6 "00 " P6,
     "",
     NULL,
     TAW(BGP_ERR_UPD_ATTR_FLAGS, 14),
     NULL,
     {0, 0, 0, 1},
     0},

    /* ---- missing well-known, RFC 7606 section 3(d) ---- */
    {"nlri_without_any_attribute",
     0,
     "",
     "",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_MISSING_WK, 1),
     "01",
     {0, 0, 1, 0},
     0},
    {"missing_as_path",
     0,
     "",
     ORIGIN_IGP NH_V4,
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_MISSING_WK, 2),
     "02",
     {0, 0, 1, 0},
     0},
    {"missing_next_hop",
     0,
     "",
     ORIGIN_IGP AS_PATH2,
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_MISSING_WK, 3),
     "03",
     {0, 0, 1, 0},
     0},
    {"mp_reach_without_origin",
     0,
     "",
     AS_PATH2 MP_REACH6,
     "",
     NULL,
     TAW(BGP_ERR_UPD_MISSING_WK, 1),
     "01",
     {0, 0, 0, 1},
     0},
    {"mp_reach_needs_no_next_hop_attribute", 0, "", BASE6, "", NULL, OK_, NULL, {0, 1, 0, 0}, 0},

    /* ---- duplicates, RFC 7606 section 3(g) ---- */
    {"duplicate_origin_discarded",
     0,
     "",
     BASE2 "40 01 01 02",
     NLRI_V4,
     NULL,
     DISCARD(BGP_ERR_UPD_ATTR_LIST, 1),
     NULL,
     {1, 0, 0, 0},
     0},
    {"duplicate_malformed_next_hop_discarded_unchecked",
     0,
     "",
     BASE2 "40 03 03 01 02 03",
     NLRI_V4,
     NULL,
     DISCARD(BGP_ERR_UPD_ATTR_LIST, 3),
     NULL,
     {1, 0, 0, 0},
     0},
    {"duplicate_mp_reach_resets",
     0,
     "",
     BASE6 MP_REACH6,
     "",
     NULL,
     RESET(BGP_ERR_UPD_ATTR_LIST, 14),
     "",
     {0},
     0},
    {"duplicate_mp_unreach_resets",
     0,
     "",
     MP_UNREACH6 MP_UNREACH6,
     "",
     NULL,
     RESET(BGP_ERR_UPD_ATTR_LIST, 15),
     "",
     {0},
     0},

    /* ---- unrecognized well-known, RFC 4271 section 6.3 ---- */
    {"unknown_well_known_type_99",
     0,
     "",
     BASE2 "40 63 01 00",
     NLRI_V4,
     NULL,
     RESET(BGP_ERR_UPD_UNRECOGNIZED_WK, 99),
     "40 63 01 00",
     {0},
     0},

    /* ---- attribute list framing, RFC 7606 section 4 ---- */
    {"attr_length_overruns_attribute_field",
     0,
     "",
     BASE2 "c0 08 08 00 00 ff ff",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 8),
     NULL,
     {0, 0, 1, 0},
     0},
    {"attr_header_truncated_2_octets",
     0,
     "",
     BASE2 "c0 08",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 8),
     NULL,
     {0, 0, 1, 0},
     0},
    {"attr_header_truncated_1_octet",
     0,
     "",
     BASE2 "c0",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 0),
     NULL,
     {0, 0, 1, 0},
     0},
    {"extended_length_flag_with_1_octet_length",
     0,
     "",
     AS_PATH2 NH_V4 "50 01 01 00",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 1),
     NULL,
     {0, 0, 1, 0},
     0},
    {"extended_length_flag_with_3_octets_left",
     0,
     "",
     AS_PATH2 NH_V4 "50 01 01",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 1),
     NULL,
     {0, 0, 1, 0},
     0},
    {"mp_reach_overruns_attribute_field",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 30 00 02 01 10",
     "",
     NULL,
     RESET(BGP_ERR_UPD_ATTR_LEN, 14),
     NULL,
     {0},
     0},
    {"mp_unreach_header_truncated",
     0,
     "",
     ORIGIN_IGP "80 0f",
     "",
     NULL,
     RESET(BGP_ERR_UPD_ATTR_LEN, 15),
     NULL,
     {0},
     0},
    {"withdrawn_length_overruns_message",
     0,
     NULL,
     NULL,
     NULL,
     "00 10 18 c6 33 64 00 00",
     RESET(BGP_ERR_UPD_ATTR_LIST, 0),
     "",
     {0},
     0},
    {"total_attribute_length_overruns_message",
     0,
     NULL,
     NULL,
     NULL,
     "00 00 00 20 40 01 01 00",
     RESET(BGP_ERR_UPD_ATTR_LIST, 0),
     "",
     {0},
     0},

    /* ---- MP_REACH / MP_UNREACH, RFC 4760, RFC 7606 section 7.11 ---- */
    {"mp_reach_nexthop_length_0",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 0a 00 02 01 00 00 " P6,
     "",
     NULL,
     RESET(BGP_ERR_UPD_OPT_ATTR, 14),
     "80 0e 0a 00 02 01 00 00 " P6,
     {0},
     0},
    {"mp_reach_nexthop_length_5",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 0f 00 02 01 05 01 02 03 04 05 00 " P6,
     "",
     NULL,
     RESET(BGP_ERR_UPD_OPT_ATTR, 14),
     NULL,
     {0},
     0},
    {"mp_reach_nexthop_length_255",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 0a 00 02 01 ff 00 " P6,
     "",
     NULL,
     RESET(BGP_ERR_UPD_OPT_ATTR, 14),
     NULL,
     {0},
     0},
    /* RFC 8950 encoding, as GoBGP sends it over IPv6 sessions. */
    {"mp_reach_ipv4_nexthop_length_16_rfc8950",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 19 00 01 01 10 " NH6 "00 " NLRI_V4,
     "",
     NULL,
     OK_,
     NULL,
     {1, 0, 0, 0},
     0},
    {"mp_reach_ipv4_nexthop_length_8",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 11 00 01 01 08 c0 00 02 01 c0 00 02 02 00 " NLRI_V4,
     "",
     NULL,
     RESET(BGP_ERR_UPD_OPT_ATTR, 14),
     NULL,
     {0},
     0},
    {"mp_reach_shorter_than_5",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 04 00 02 01 10",
     "",
     NULL,
     RESET(BGP_ERR_UPD_OPT_ATTR, 14),
     NULL,
     {0},
     0},
    {"mp_reach_ipv6_truncated_prefix",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 1a 00 02 01 10 " NH6 "00 40 20 01 0d b8",
     "",
     NULL,
     RESET(BGP_ERR_UPD_OPT_ATTR, 14),
     NULL,
     {0},
     0},
    {"mp_reach_ipv6_prefix_length_129",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 1a 00 02 01 10 " NH6 "00 81 20 01 0d b8",
     "",
     NULL,
     RESET(BGP_ERR_UPD_OPT_ATTR, 14),
     NULL,
     {0},
     0},
    {"mp_reach_nexthop_unspecified",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 1a 00 02 01 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
                         "00 00 " P6,
     "",
     NULL,
     TAW(BGP_ERR_UPD_NEXT_HOP, 14),
     NULL,
     {0, 0, 0, 1},
     0},
    {"mp_reach_unsupported_afi_discarded",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "80 0e 09 00 19 41 04 c0 00 02 01 00",
     "",
     NULL,
     DISCARD(BGP_ERR_UPD_OPT_ATTR, 14),
     NULL,
     {0},
     0},
    {"mp_unreach_shorter_than_3",
     0,
     "",
     "80 0f 02 00 02",
     "",
     NULL,
     RESET(BGP_ERR_UPD_OPT_ATTR, 15),
     NULL,
     {0},
     0},
    {"mp_unreach_ipv6_truncated_prefix",
     0,
     "",
     "80 0f 05 00 02 01 40 20",
     "",
     NULL,
     RESET(BGP_ERR_UPD_OPT_ATTR, 15),
     NULL,
     {0},
     0},

    /* ---- NLRI fields, RFC 7606 section 5.3 ---- */
    {"nlri_prefix_length_33",
     0,
     "",
     BASE2,
     "21 c6 33 64 00 00",
     NULL,
     RESET(BGP_ERR_UPD_NETWORK, 0),
     "",
     {0},
     0},
    {"nlri_prefix_truncated",
     0,
     "",
     BASE2,
     "18 c6 33",
     NULL,
     RESET(BGP_ERR_UPD_NETWORK, 0),
     "",
     {0},
     0},
    {"withdrawn_prefix_length_33",
     0,
     "21 c6 33 64 00 00",
     "",
     "",
     NULL,
     RESET(BGP_ERR_UPD_NETWORK, 0),
     "",
     {0},
     0},
    {"addpath_path_id_truncated",
     SP_AP4,
     "",
     BASE2,
     "00 00 00",
     NULL,
     RESET(BGP_ERR_UPD_NETWORK, 0),
     NULL,
     {0},
     0},
    {"addpath_path_id_without_prefix",
     SP_AP4,
     "",
     BASE2,
     "00 00 00 01",
     NULL,
     RESET(BGP_ERR_UPD_NETWORK, 0),
     NULL,
     {0},
     0},
    {"addpath_nlri_on_session_without_addpath",
     0,
     "",
     BASE2,
     "00 00 00 01 " NLRI_V4,
     NULL,
     RESET(BGP_ERR_UPD_NETWORK, 0),
     NULL,
     {0},
     0},

    /* ---- AS4_PATH, RFC 6793 sections 4.2.3 and 6 ---- */
    {"as4_path_from_4octet_speaker_discarded",
     SP_AS4,
     "",
     BASE4 "c0 11 06 02 01 fa 56 ea 00",
     NLRI_V4,
     NULL,
     DISCARD(BGP_ERR_UPD_OPT_ATTR, 17),
     NULL,
     {1, 0, 0, 0},
     0},
    {"as4_path_truncated_segment_discarded",
     0,
     "",
     BASE2 "c0 11 05 02 01 fa 56 ea",
     NLRI_V4,
     NULL,
     DISCARD(BGP_ERR_UPD_OPT_ATTR, 17),
     NULL,
     {1, 0, 0, 0},
     0},
    {"as4_path_confed_segment_discarded",
     0,
     "",
     BASE2 "c0 11 06 03 01 00 00 fd e9",
     NLRI_V4,
     NULL,
     DISCARD(BGP_ERR_UPD_OPT_ATTR, 17),
     NULL,
     {1, 0, 0, 0},
     0},
    {"as4_path_longer_than_as_path_discarded",
     0,
     "",
     "c0 11 0a 02 02 fa 56 ea 00 00 00 fd e9 " BASE2,
     NLRI_V4,
     NULL,
     DISCARD(BGP_ERR_UPD_OPT_ATTR, 17),
     NULL,
     {1, 0, 0, 0},
     0},
    {"as4_path_flagged_well_known_discarded",
     0,
     "",
     BASE2 "40 11 06 02 01 fa 56 ea 00",
     NLRI_V4,
     NULL,
     DISCARD(BGP_ERR_UPD_ATTR_FLAGS, 17),
     NULL,
     {1, 0, 0, 0},
     0},
    {"as4_aggregator_length_6_discarded",
     0,
     "",
     BASE2 "c0 12 06 00 00 fd e9 c0 00",
     NLRI_V4,
     NULL,
     DISCARD(BGP_ERR_UPD_ATTR_LEN, 18),
     NULL,
     {1, 0, 0, 0},
     0},

    /* ---- the most severe finding wins, RFC 7606 section 2 ---- */
    {"discard_then_withdraw_keeps_withdraw",
     0,
     "",
     "c0 11 05 02 01 fa 56 ea " ORIGIN_IGP AS_PATH2 "40 03 03 c0 00 02",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 3),
     NULL,
     {0, 0, 1, 0},
     0},
    {"two_withdraw_findings_keep_first",
     0,
     "",
     "40 01 02 00 00 " AS_PATH2 NH_V4 "80 04 01 00",
     NLRI_V4,
     NULL,
     TAW(BGP_ERR_UPD_ATTR_LEN, 1),
     NULL,
     {0, 0, 1, 0},
     0},
    {"withdraw_then_bad_nlri_resets",
     0,
     "",
     ORIGIN_IGP AS_PATH2 "40 03 03 c0 00 02",
     "21 c6 33 64 00 00",
     NULL,
     RESET(BGP_ERR_UPD_NETWORK, 0),
     NULL,
     {0},
     0},
    {"withdraw_then_bad_mp_reach_resets",
     0,
     "",
     "40 01 01 09 " AS_PATH2 "80 0e 0a 00 02 01 00 00 " P6,
     "",
     NULL,
     RESET(BGP_ERR_UPD_OPT_ATTR, 14),
     NULL,
     {0},
     0},
};

static struct bgp_session_params sp_of(unsigned f)
{
	struct bgp_session_params sp = {0};

	sp.as4 = f & SP_AS4;
	sp.addpath_rx[BGP_AF_IPV4] = (f & SP_AP4) ? 1 : 0;
	sp.addpath_rx[BGP_AF_IPV6] = (f & SP_AP6) ? 1 : 0;
	return sp;
}

static void run_vec(void **state)
{
	const struct vec *v = *state;
	struct bgp_session_params sp = sp_of(v->sp);
	uint8_t buf[4096], data[64];
	struct bgp_error err;
	struct bgp_msg m;
	size_t n;
	int rc;

	if (v->body)
		n = build_msg(buf, sizeof(buf), BGP_MSG_UPDATE, v->body);
	else
		n = build_update(buf, sizeof(buf), v->wd, v->attrs, v->nlri);
	rc = bgp_msg_decode(buf, n, &sp, &m, &err);
	assert_int_equal(rc, v->rc);
	assert_int_equal(err.action, v->action);
	if (v->action == BGP_UPD_OK) {
		assert_int_equal(err.code, 0);
		assert_null(err.reason);
	} else {
		assert_int_equal(err.code, BGP_ERR_UPDATE);
		assert_int_equal(err.subcode, v->subcode);
		assert_int_equal(err.attr_type, v->attr_type);
		assert_non_null(err.reason);
	}
	if (v->data) {
		size_t dn = hx(v->data, data, sizeof(data));

		assert_int_equal(err.data_len, dn);
		assert_memory_equal(err.data, data, dn);
	}
	if (rc < 0)
		return;
	assert_int_equal(m.type, BGP_MSG_UPDATE);
	assert_int_equal(m.u.update.n_announce[BGP_AF_IPV4], v->cnt[0]);
	assert_int_equal(m.u.update.n_announce[BGP_AF_IPV6], v->cnt[1]);
	assert_int_equal(m.u.update.n_withdraw[BGP_AF_IPV4], v->cnt[2]);
	assert_int_equal(m.u.update.n_withdraw[BGP_AF_IPV6], v->cnt[3]);
	assert_int_equal(m.u.update.end_of_rib, v->eor != 0);
	if (v->eor)
		assert_int_equal(m.u.update.end_of_rib_af, v->eor == 1 ? BGP_AF_IPV4 : BGP_AF_IPV6);
}

/* Field-level checks that a table row cannot express. */

static void decode_ok(const char *wd, const char *attrs, const char *nlri, unsigned spf,
                      struct bgp_msg *m, uint8_t *buf, struct bgp_error *err)
{
	struct bgp_session_params sp = sp_of(spf);
	size_t n = build_update(buf, 4096, wd, attrs, nlri);

	assert_int_equal(bgp_msg_decode(buf, n, &sp, m, err), 0);
}

static void test_fields_every_attribute(void **state)
{
	static uint8_t buf[4096];
	struct bgp_error err;
	struct bgp_msg m;
	const struct bgp_attrs *a = &m.u.update.attrs;
	struct bgp_prefix p[4];

	decode_ok("",
	          "40 01 01 02 " AS_PATH2 NH_V4 "80 04 04 00 00 01 00 40 05 04 00 00 00 c8 "
	          "c0 08 08 fd e9 00 01 ff ff ff 01 c0 20 0c 00 00 fd e9 00 00 00 01 00 00 00 02",
	          NLRI_V4 "20 c6 33 64 07", 0, &m, buf, &err);
	assert_int_equal(a->present, BGP_PA_ORIGIN | BGP_PA_AS_PATH | BGP_PA_NEXT_HOP | BGP_PA_MED |
	                                 BGP_PA_LOCAL_PREF | BGP_PA_COMMUNITIES |
	                                 BGP_PA_LARGE_COMMUNITIES);
	assert_int_equal(a->origin, BGP_ORIGIN_INCOMPLETE);
	assert_int_equal(a->as_path_len, 4);
	assert_memory_equal(a->as_path, "\x02\x01\xfd\xe9", 4);
	assert_int_equal(a->next_hop.family, AF_INET);
	assert_memory_equal(a->next_hop.bytes, "\xc0\x00\x02\x01", 4);
	assert_int_equal(a->med, 256);
	assert_int_equal(a->local_pref, 200);
	assert_int_equal(a->communities_len, 8);
	assert_memory_equal(a->communities, "\xfd\xe9\x00\x01\xff\xff\xff\x01", 8);
	assert_int_equal(a->large_communities_len, 12);
	/* The views point into the caller's buffer. */
	assert_true(a->as_path > buf && a->as_path < buf + sizeof(buf));
	assert_int_equal(collect_nlri(m.u.update.nlri, m.u.update.nlri_len, AF_INET, false, p, 4),
	                 2);
	assert_int_equal(p[0].len, 24);
	assert_memory_equal(p[0].addr, "\xc6\x33\x64\x00", 4);
	assert_int_equal(p[1].len, 32);
	assert_memory_equal(p[1].addr, "\xc6\x33\x64\x07", 4);
}

static void test_fields_mp_reach_link_local(void **state)
{
	static uint8_t buf[4096];
	struct bgp_error err;
	struct bgp_msg m;
	const struct bgp_mp_nlri *mp = &m.u.update.attrs.mp_reach;
	struct bgp_prefix p[2];

	decode_ok("", ORIGIN_IGP AS_PATH2 "80 0e 2a 00 02 01 20 " NH6 NH6_LL "00 " P6, "", 0, &m,
	          buf, &err);
	assert_true(m.u.update.attrs.present & BGP_PA_MP_REACH);
	assert_int_equal(mp->afi, BGP_AFI_IPV6);
	assert_int_equal(mp->safi, BGP_SAFI_UNICAST);
	assert_int_equal(mp->nexthop.family, AF_INET6);
	assert_int_equal(mp->nexthop.bytes[15], 1);
	assert_int_equal(mp->nexthop_ll.family, AF_INET6);
	assert_int_equal(mp->nexthop_ll.bytes[0], 0xfe);
	assert_int_equal(collect_nlri(mp->nlri, mp->nlri_len, AF_INET6, false, p, 2), 1);
	assert_int_equal(p[0].len, 32);
	assert_memory_equal(p[0].addr, "\x20\x01\x0d\xb8", 4);
}

static void test_fields_duplicate_keeps_first(void **state)
{
	static uint8_t buf[4096];
	struct bgp_error err;
	struct bgp_msg m;

	decode_ok("", BASE2 "40 01 01 02", NLRI_V4, 0, &m, buf, &err);
	assert_int_equal(m.u.update.attrs.origin, BGP_ORIGIN_IGP);
}

static void test_fields_as4_path_either_order(void **state)
{
	static uint8_t buf[4096];
	struct bgp_error err;
	struct bgp_msg m;
	const char *as4 = "c0 11 06 02 01 fa 56 ea 00 ";
	const char *as2 = "40 02 04 02 01 5b a0 ";
	char attrs[256];

	for (int order = 0; order < 2; order++) {
		snprintf(attrs, sizeof(attrs), "%s%s%s%s", ORIGIN_IGP, order ? as2 : as4,
		         order ? as4 : as2, NH_V4);
		decode_ok("", attrs, NLRI_V4, 0, &m, buf, &err);
		assert_int_equal(err.action, BGP_UPD_OK);
		assert_int_equal(m.u.update.attrs.as_path_len, 4);
		assert_memory_equal(m.u.update.attrs.as_path, "\x02\x01\x5b\xa0", 4);
		assert_int_equal(m.u.update.attrs.as4_path_len, 6);
		assert_memory_equal(m.u.update.attrs.as4_path, "\x02\x01\xfa\x56\xea\x00", 6);
	}
}

/* With extended messages an UPDATE may exceed 4096 (RFC 8654). */
static void test_extended_message_update(void **state)
{
	static uint8_t buf[8192];
	static char nlri[3 * 4 * 1500 + 1];
	struct bgp_session_params sp = {.ext_msg = true};
	struct bgp_error err;
	struct bgp_msg m;
	size_t n;

	for (int i = 0; i < 1500; i++)
		snprintf(nlri + 12 * i, 13, "18c6%02x%02x    ", i >> 8, i & 0xff);
	n = build_update(buf, sizeof(buf), "", BASE2, nlri);
	assert_true(n > 4096);
	assert_int_equal(bgp_msg_decode(buf, n, &sp, &m, &err), 0);
	assert_int_equal(m.u.update.n_announce[BGP_AF_IPV4], 1500);
	sp.ext_msg = false;
	assert_int_equal(bgp_msg_decode(buf, n, &sp, &m, &err), -EBADMSG);
	assert_int_equal(err.code, BGP_ERR_HEADER);
	assert_int_equal(err.subcode, BGP_ERR_HDR_LEN);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_fields_every_attribute),
	    cmocka_unit_test(test_fields_mp_reach_link_local),
	    cmocka_unit_test(test_fields_duplicate_keeps_first),
	    cmocka_unit_test(test_fields_as4_path_either_order),
	    cmocka_unit_test(test_extended_message_update),
	};
	size_t nv = sizeof(vecs) / sizeof(vecs[0]);
	struct CMUnitTest *t = calloc(nv, sizeof(*t));
	int failed;

	assert_non_null(t);
	for (size_t i = 0; i < nv; i++) {
		t[i].name = vecs[i].name;
		t[i].test_func = run_vec;
		t[i].initial_state = (void *)&vecs[i];
	}
	failed = _cmocka_run_group_tests("bgp_update_vectors", t, nv, NULL, NULL);
	failed += cmocka_run_group_tests_name("bgp_update_fields", fixed, NULL, NULL);
	free(t);
	return failed;
}
