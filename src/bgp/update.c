/*
 * UPDATE message decoding (RFC 4271 section 4.3, RFC 4760, RFC 7606):
 * locate the three fields, validate the attributes and both NLRI fields,
 * count prefixes per family and recognise End-of-RIB (RFC 4724 section 2).
 */
#include <errno.h>
#include <string.h>

#include "bgp/wire.h"

static int update_reset(struct bgp_error *err, uint8_t subcode, const char *reason)
{
	bgp_err_raise(err, BGP_UPD_SESSION_RESET, BGP_ERR_UPDATE, subcode, 0, NULL, 0, reason);
	return -EBADMSG;
}

/* RFC 7606 section 3(d); RFC 4760 section 3 keeps ORIGIN and AS_PATH
 * mandatory with MP_REACH_NLRI, NEXT_HOP only goes with classic NLRI. */
static void check_mandatory(const struct bgp_update *u, const struct bgp_attr_walk *w,
                            struct bgp_error *err)
{
	static const uint8_t origin = BGP_ATTR_ORIGIN, as_path = BGP_ATTR_AS_PATH,
	                     next_hop = BGP_ATTR_NEXT_HOP;
	uint32_t have = u->attrs.present;
	const uint8_t *missing = NULL;

	if (u->nlri_len == 0 && !w->mp_reach_seen)
		return;
	if (!(have & BGP_PA_ORIGIN))
		missing = &origin;
	else if (!(have & BGP_PA_AS_PATH))
		missing = &as_path;
	else if (u->nlri_len && !(have & BGP_PA_NEXT_HOP))
		missing = &next_hop;
	if (missing)
		bgp_err_raise(err, BGP_UPD_TREAT_AS_WITHDRAW, BGP_ERR_UPDATE,
		              BGP_ERR_UPD_MISSING_WK, *missing, missing, 1,
		              "well-known mandatory attribute missing");
}

int bgp_update_decode(const uint8_t *b, size_t len, const struct bgp_session_params *sp,
                      struct bgp_update *u, struct bgp_error *err)
{
	struct bgp_attr_walk w;
	size_t wlen, alen;
	uint32_t n;
	int rc;

	memset(u, 0, sizeof(*u));
	if (len < 4)
		return update_reset(err, BGP_ERR_UPD_ATTR_LIST, "UPDATE truncated");
	/* RFC 4271 section 6.3: lengths exceeding the message are Malformed Attribute List. */
	wlen = bgp_get16(b);
	if (wlen > len - 4)
		return update_reset(err, BGP_ERR_UPD_ATTR_LIST,
		                    "withdrawn routes length overruns the message");
	alen = bgp_get16(b + 2 + wlen);
	if (alen > len - 4 - wlen)
		return update_reset(err, BGP_ERR_UPD_ATTR_LIST,
		                    "total path attribute length overruns the message");
	u->withdrawn = wlen ? b + 2 : NULL;
	u->withdrawn_len = wlen;
	u->nlri_len = len - 4 - wlen - alen;
	u->nlri = u->nlri_len ? b + 4 + wlen + alen : NULL;

	rc = bgp_attrs_decode(b + 4 + wlen, alen, sp, &u->attrs, &w, err);
	if (rc < 0)
		return rc;

	/* RFC 7606 section 5.3 */
	if (bgp_nlri_count(u->withdrawn, wlen, AF_INET, sp->addpath_rx[BGP_AF_IPV4], &n) < 0)
		return update_reset(err, BGP_ERR_UPD_NETWORK, "withdrawn routes malformed");
	u->n_withdraw[BGP_AF_IPV4] = n;
	if (bgp_nlri_count(u->nlri, u->nlri_len, AF_INET, sp->addpath_rx[BGP_AF_IPV4], &n) < 0)
		return update_reset(err, BGP_ERR_UPD_NETWORK, "NLRI malformed");
	u->n_announce[BGP_AF_IPV4] = n;
	if (w.mp_reach_af >= 0)
		u->n_announce[w.mp_reach_af] += w.mp_announce;
	if (w.mp_unreach_af >= 0)
		u->n_withdraw[w.mp_unreach_af] += w.mp_withdraw;

	check_mandatory(u, &w, err);

	/* RFC 7606 section 2: the UPDATE's announcements count as withdrawals. */
	if (err->action == BGP_UPD_TREAT_AS_WITHDRAW) {
		for (int af = 0; af < BGP_AF_COUNT; af++) {
			u->n_withdraw[af] += u->n_announce[af];
			u->n_announce[af] = 0;
		}
	}

	/* RFC 4724 section 2 */
	if (wlen == 0 && alen == 0 && u->nlri_len == 0) {
		u->end_of_rib = true;
		u->end_of_rib_af = BGP_AF_IPV4;
	} else if (wlen == 0 && u->nlri_len == 0 && w.n_attrs == 1 && w.mp_unreach_af >= 0 &&
	           u->attrs.mp_unreach.nlri_len == 0 && err->action == BGP_UPD_OK) {
		u->end_of_rib = true;
		u->end_of_rib_af = (uint8_t)w.mp_unreach_af;
	}
	return 0;
}
