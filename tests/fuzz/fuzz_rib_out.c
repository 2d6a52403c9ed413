/*
 * libFuzzer target: random operations on an Adj-RIB-Out over a small
 * prefix universe; every UPDATE is decoded by the real codec into a
 * simulated peer, which must match the wanted table after a full drain.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp/rib_out.h"
#include "fuzz.h"

#define U 32

static struct bgp_prefix mk(int af, unsigned n, unsigned pid)
{
	struct bgp_prefix p;

	memset(&p, 0, sizeof(p));
	p.family = af ? AF_INET6 : AF_INET;
	p.path_id = pid;
	/* Mixed lengths, /16../32 and /32../128, distinct and canonical. */
	if (!af) {
		p.len = (uint8_t)(16 + n % 17);
		p.addr[0] = 10;
		p.addr[1] = (uint8_t)n;
	} else {
		p.len = (uint8_t)(32 + (n % 7) * 16);
		p.addr[0] = 0x20;
		p.addr[1] = 0x01;
		p.addr[3] = (uint8_t)n;
	}
	return p;
}

static int slot_of(const struct bgp_prefix *p, int af)
{
	for (unsigned n = 0; n < U; n++)
		for (unsigned pid = 0; pid < 2; pid++) {
			struct bgp_prefix q = mk(af, n, pid);

			if (q.len == p->len && q.path_id == p->path_id &&
			    !memcmp(q.addr, p->addr, 16))
				return (int)(n * 2 + pid);
		}
	return -1;
}

static uint8_t peer[2][U * 2], want[2][U * 2];

static void apply(const uint8_t *nlri, size_t len, int af, bool ap, uint8_t tag)
{
	size_t off = 0;
	struct bgp_prefix p;
	int rc;

	while ((rc = bgp_nlri_next(nlri, len, &off, af ? AF_INET6 : AF_INET, ap, &p)) == 1) {
		int s = slot_of(&p, af);

		CHECK(s >= 0);
		if (!tag)
			CHECK(peer[af][s] != 0); /* never withdraw what the peer lacks */
		peer[af][s] = tag;
	}
	CHECK(rc == 0);
}

static void recv_msg(const uint8_t *b, size_t n, const struct bgp_session_params *rx)
{
	struct bgp_msg m;
	struct bgp_error e;
	const struct bgp_update *u = &m.u.update;

	CHECK(bgp_msg_decode(b, n, rx, &m, &e) == 0 && e.action == BGP_UPD_OK);
	if (u->end_of_rib)
		return;
	apply(u->withdrawn, u->withdrawn_len, 0, rx->addpath_rx[0], 0);
	apply(u->nlri, u->nlri_len, 0, rx->addpath_rx[0], u->attrs.next_hop.bytes[3]);
	if (u->attrs.present & BGP_PA_MP_UNREACH)
		apply(u->attrs.mp_unreach.nlri, u->attrs.mp_unreach.nlri_len, 1, rx->addpath_rx[1],
		      0);
	if (u->attrs.present & BGP_PA_MP_REACH)
		apply(u->attrs.mp_reach.nlri, u->attrs.mp_reach.nlri_len, 1, rx->addpath_rx[1],
		      u->attrs.mp_reach.nexthop.bytes[15]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[BGP_MAX_EXT_MSG_LEN];
	struct bgp_session_params sp = {0}, rx = {0};
	const bool af[2] = {true, true};
	struct rib_out *r = rib_out_new();
	uint32_t ids[4] = {0};
	size_t cap = 4096;
	ssize_t n;

	CHECK(r);
	memset(peer, 0, sizeof(peer));
	memset(want, 0, sizeof(want));
	if (size) {
		sp.as4 = data[0] & 1;
		sp.ext_msg = data[0] & 2;
		sp.addpath_tx[0] = (data[0] >> 2) & 1;
		sp.addpath_tx[1] = (data[0] >> 3) & 1;
		cap = 60 + (size_t)(data[0] >> 4) * 4000;
	}
	rx = sp;
	rx.addpath_rx[0] = sp.addpath_tx[0];
	rx.addpath_rx[1] = sp.addpath_tx[1];
	for (int k = 1; k < 4; k++) {
		struct bgp_out_attrs a;

		memset(&a, 0, sizeof(a));
		for (int j = 0; j < k; j++)
			a.as_path[j] = 70000 + (uint32_t)(k * 10 + j);
		a.as_path_len = (uint8_t)k;
		a.next_hop.family = AF_INET;
		a.next_hop.bytes[0] = 192;
		a.next_hop.bytes[3] = (uint8_t)k;
		a.next_hop6.family = AF_INET6;
		a.next_hop6.bytes[0] = 0x20;
		a.next_hop6.bytes[15] = (uint8_t)k;
		if (k == 3) {
			a.next_hop6_ll = a.next_hop6;
			a.next_hop6_ll.bytes[0] = 0xfe;
			a.next_hop6_ll.bytes[1] = 0x80;
		}
		CHECK(rib_out_attrs_add(r, &a, &ids[k]) == 0);
	}
	for (size_t i = 1; i + 1 < size; i += 2) {
		uint8_t op = data[i], arg = data[i + 1];
		int f = arg & 1;
		unsigned num = (arg >> 1) % U, pid = sp.addpath_tx[f] ? (arg >> 6) & 1 : 0;
		struct bgp_prefix p = mk(f, num, pid);
		int s = (int)(num * 2 + pid);

		switch (op % 8) {
		case 0:
		case 1:
		case 2:
			CHECK(rib_out_announce(r, &p, ids[1 + op % 3]) == 0);
			want[f][s] = (uint8_t)(1 + op % 3);
			break;
		case 3:
		case 4:
			CHECK(rib_out_withdraw(r, &p) == 0);
			want[f][s] = 0;
			break;
		case 5:
			n = rib_out_next_update(r, buf, cap, &sp, af);
			CHECK(n >= 0 || n == -ENOBUFS);
			if (n > 0)
				recv_msg(buf, (size_t)n, &rx);
			break;
		case 6:
			rib_out_refresh(r, (enum bgp_af)f);
			break;
		default:
			rib_out_session_down(r);
			memset(peer, 0, sizeof(peer));
			break;
		}
	}
	while ((n = rib_out_next_update(r, buf, cap, &sp, af)) > 0)
		recv_msg(buf, (size_t)n, &rx);
	if (n == 0)
		CHECK(!memcmp(peer, want, sizeof(peer)));
	else
		CHECK(n == -ENOBUFS && cap < 200);
	rib_out_free(r);
	return 0;
}
