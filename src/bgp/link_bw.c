/*
 * The link bandwidth extended community (draft-ietf-idr-link-bandwidth
 * section 2), the weight a router gives each path of weighted ECMP: the
 * 8-octet value as struct bgp_out_attrs carries it, and back. Pure.
 */
#include <errno.h>
#include <float.h>
#include <string.h>

#include "bgp/bgp.h"

/* The Local Administrator is an IEEE 754 binary32 (draft section 2): the
 * float's bits are the wire's. */
_Static_assert(sizeof(float) == 4 && FLT_RADIX == 2 && FLT_MANT_DIG == 24 && FLT_MAX_EXP == 128 &&
                   FLT_MIN_EXP == -125,
               "float must be IEEE 754 binary32");

#define F32_EXP_MASK  0x7F800000u
#define F32_SIGN_MASK 0x80000000u

uint64_t bgp_link_bw_encode(uint32_t local_as, uint64_t bytes_per_s, bool non_transitive)
{
	uint8_t type =
	    non_transitive ? BGP_EXT_TYPE_AS2_NON_TRANSITIVE : BGP_EXT_TYPE_AS2_TRANSITIVE;
	/* RFC 6793 section 9: a 4-octet AS goes into 2-octet fields as AS_TRANS */
	uint16_t as = local_as > 0xffff ? BGP_AS_TRANS : (uint16_t)local_as;
	float f;
	uint32_t bits;

	if (bytes_per_s > BGP_LINK_BW_MAX)
		bytes_per_s = BGP_LINK_BW_MAX;
	/* exact up to 2^24, then the nearest float (relative error < 2^-24):
	 * the ratios between nodes, which is all a router uses, survive */
	f = (float)bytes_per_s;
	memcpy(&bits, &f, sizeof(bits));
	return (uint64_t)type << 56 | (uint64_t)BGP_EXT_SUBTYPE_LINK_BW << 48 | (uint64_t)as << 32 |
	       bits;
}

int bgp_link_bw_decode(uint64_t ext, struct bgp_link_bw *out)
{
	uint8_t type = (uint8_t)(ext >> 56), sub = (uint8_t)(ext >> 48);
	uint32_t bits = (uint32_t)ext;

	if ((type != BGP_EXT_TYPE_AS2_TRANSITIVE && type != BGP_EXT_TYPE_AS2_NON_TRANSITIVE) ||
	    sub != BGP_EXT_SUBTYPE_LINK_BW)
		return -ENOENT;
	/* exponent all ones: infinity or NaN; sign set: negative (or -0.0) */
	if ((bits & F32_EXP_MASK) == F32_EXP_MASK ||
	    ((bits & F32_SIGN_MASK) && bits != F32_SIGN_MASK))
		return -EINVAL;
	out->as = (uint16_t)(ext >> 32);
	memcpy(&out->bytes_per_s, &bits, sizeof(bits));
	if (bits == F32_SIGN_MASK)
		out->bytes_per_s = 0.0f;
	out->non_transitive = type == BGP_EXT_TYPE_AS2_NON_TRANSITIVE;
	return 0;
}
