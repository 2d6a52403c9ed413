/*
 * libFuzzer target for the ARP codec of layer 2 mode (l2/arp.h): arbitrary
 * bytes are decoded from an exact-size heap copy (ASan sees any read past
 * them); a packet that decodes is re-encoded and must give back its first
 * 28 bytes, and the decision on it (owning 192.0.2.100 and 192.0.2.101 as
 * 02:00:00:00:00:64) must produce a reply that decodes to what was built.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "l2/arp.h"
#include "fuzz.h"

static bool owns(void *ctx, const struct core_addr *a)
{
	(void)ctx;
	return a->family == AF_INET && a->bytes[0] == 192 && a->bytes[1] == 0 && a->bytes[2] == 2 &&
	       (a->bytes[3] == 100 || a->bytes[3] == 101);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct l2_mac ours = {{2, 0, 0, 0, 0, 0x64}};
	uint8_t *copy = malloc(size ? size : 1), out[L2_ARP_LEN];
	struct l2_arp a, reply, back;
	enum l2_action act;
	int r;

	CHECK(copy);
	memcpy(copy, data, size);
	r = l2_arp_decode(copy, size, &a);
	CHECK(r == 0 || r == -EBADMSG);
	if (r == 0) {
		CHECK(size >= L2_ARP_LEN);
		CHECK(l2_arp_encode(&a, out, sizeof(out)) == 0);
		CHECK(memcmp(out, copy, L2_ARP_LEN) == 0);
		act = l2_arp_decide(&a, &ours, owns, NULL, &reply);
		if (act == L2_ANSWER) {
			CHECK(a.op == L2_ARP_REQUEST && owns(NULL, &a.tpa));
			CHECK(!owns(NULL, &a.spa));
			CHECK(l2_arp_encode(&reply, out, sizeof(out)) == 0);
			CHECK(l2_arp_decode(out, sizeof(out), &back) == 0);
			CHECK(back.op == L2_ARP_REPLY && l2_mac_equal(&back.sha, &ours));
			CHECK(core_addr_equal(&back.spa, &a.tpa) &&
			      core_addr_equal(&back.tpa, &a.spa));
			CHECK(l2_mac_equal(&back.tha, &a.sha) && !l2_mac_is_group(&back.tha));
		} else if (act == L2_CONFLICT) {
			CHECK(owns(NULL, &a.spa) && !l2_mac_equal(&a.sha, &ours));
		}
	}
	free(copy);
	return 0;
}
