/*
 * Layer 2 mode's shared types: a MAC address, the question "do we own this
 * IP address?" that the ARP (l2/arp.h) and NDP (l2/ndp.h) responders ask,
 * and what they decide to do with a received packet. Pure, header only.
 */
#ifndef BERTH_L2_L2_H
#define BERTH_L2_L2_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/addr.h"

/* An Ethernet (EUI-48) address, in wire order. */
struct l2_mac {
	uint8_t b[6];
};

static inline bool l2_mac_equal(const struct l2_mac *a, const struct l2_mac *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

/* A group (multicast or broadcast) address: the I/G bit, IEEE 802 */
static inline bool l2_mac_is_group(const struct l2_mac *m)
{
	return (m->b[0] & 1) != 0;
}

static inline bool l2_mac_is_zero(const struct l2_mac *m)
{
	static const struct l2_mac zero;

	return l2_mac_equal(m, &zero);
}

/* Whether this node currently answers for a (AF_INET or AF_INET6). ctx is
 * the caller's, passed through untouched. Must not fail, must be pure for
 * the duration of one decision. */
typedef bool (*l2_owns_fn)(void *ctx, const struct core_addr *a);

/* What to do with one received ARP or NDP packet. */
enum l2_action {
	L2_IGNORE = 0, /* not for us, or not to be answered */
	L2_ANSWER,     /* send the answer the decide function built */
	L2_CONFLICT,   /* another MAC claims an address we own: report it */
};

#endif
