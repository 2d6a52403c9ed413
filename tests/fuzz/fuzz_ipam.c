/*
 * libFuzzer target for the IPAM: the text parsers (core/addr's address and
 * IPAM's policy over it, CIDR, range: they read Eip specs and Service
 * annotations) and the allocator driven by
 * a byte-coded sequence of pool edits, allocations, restores and releases.
 * After every operation the allocator's invariants are checked; a violation
 * aborts.
 *
 * Input: a sequence of records, each an opcode byte and its arguments.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "controller/ipam_int.h"
#include "fuzz.h"

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t byte(struct in *in)
{
	uint8_t b = 0;

	if (in->n) {
		b = *in->p++;
		in->n--;
	}
	return b;
}

/* A length-prefixed string, NUL-terminated into buf. */
static void str(struct in *in, char *buf, size_t cap)
{
	size_t len = byte(in) % cap, k = 0;

	while (k < len && in->n)
		buf[k++] = (char)byte(in);
	buf[k] = '\0';
}

static void check_text(const char *s)
{
	struct core_addr a, b, c;
	struct ipam_range r;
	char out[CORE_ADDR_STRLEN];
	bool core_ok = core_addr_parse(s, &c) == 0;

	/* core/addr: a round trip gives the same struct (unused bytes zero);
	 * IPAM takes exactly what core takes but IPv4-mapped IPv6. */
	if (core_ok && (core_addr_format(&c, out, sizeof(out)) != 0 ||
	                core_addr_parse(out, &b) != 0 || memcmp(&b, &c, sizeof(b)) != 0))
		abort();
	if ((ipam_addr_parse(s, &a) == 0) != (core_ok && !core_addr_is_v4mapped(&c)))
		abort();
	if (ipam_addr_parse(s, &a) == 0) {
		/* Round trip: format then parse gives the same address. */
		if (core_addr_format(&a, out, sizeof(out)) != 0 || ipam_addr_parse(out, &b) != 0 ||
		    core_addr_cmp(&a, &b) != 0)
			abort();
	}
	if (ipam_range_parse(s, &r) == 0) {
		if (r.first.family != r.last.family || core_addr_cmp(&r.first, &r.last) > 0)
			abort();
	}
}

static bool port_clash(const struct ipam_svc *a, const struct ipam_svc *b)
{
	for (size_t i = 0; i < a->n_ports; i++) {
		for (size_t j = 0; j < b->n_ports; j++) {
			if (a->ports[i].port == b->ports[j].port &&
			    a->ports[i].proto == b->ports[j].proto)
				return true;
		}
	}
	return false;
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void check(const struct ipam *ipam)
{
	size_t pairs = 0, svc_pairs = 0;

	for (size_t i = 0; i < ipam->holds.n; i++) {
		const struct ipam_hold *h = ipam->holds.v[i].val;

		if (!h->n_holders || !ipam_iset_has(&ipam->used[h->fam], h->val))
			abort();
		for (size_t k = 0; k < h->n_holders; k++) {
			const struct ipam_svc *s = h->holders[k];

			if (s->hold[h->fam] != h)
				abort();
			for (size_t j = k + 1; j < h->n_holders; j++) {
				const struct ipam_svc *o = h->holders[j];

				if (!s->skey || !same(s->skey, o->skey) ||
				    !same(s->ckey, o->ckey) || port_clash(s, o) ||
				    strcmp(s->key, o->key) >= 0)
					abort();
			}
		}
		pairs += h->n_holders;
	}
	for (size_t i = 0; i < ipam->svcs.n; i++) {
		const struct ipam_svc *s = ipam->svcs.v[i].val;

		if (!s->hold[0] && !s->hold[1])
			abort();
		svc_pairs += (s->hold[0] != NULL) + (s->hold[1] != NULL);
	}
	if (pairs != svc_pairs)
		abort();
	if (ipam_iset_count(&ipam->used[0], (struct u128){0, 0}, ipam_fam_max(0)) +
	        ipam_iset_count(&ipam->used[1], (struct u128){0, 0}, ipam_fam_max(1)) !=
	    ipam->holds.n)
		abort();
}

static bool match(const char *pool, void *arg)
{
	return (pool[0] & 1) == (*(const uint8_t *)arg & 1);
}

static int nop(const struct core_addr *a, const char *svc, void *arg)
{
	return 0;
}

static const char *names[] = {"p0", "p1", "p2", "p3"};
static const char *svcs[] = {"a/0", "a/1", "a/2", "a/3", "b/4", "b/5", "b/6", "b/7"};
static const char *keys[] = {NULL, "k", "", "j"};

static void request(struct in *in, struct ipam_request *r, struct core_addr *addr,
                    struct ipam_port *ports, uint8_t *arg)
{
	uint8_t f = byte(in);

	memset(r, 0, sizeof(*r));
	r->service = svcs[byte(in) % 8];
	r->policy = (enum ipam_policy)(byte(in) % 5); /* 4 is invalid */
	if (f & 1) {
		addr->family = (f & 2) ? AF_INET6 : AF_INET;
		memset(addr->bytes, 0, sizeof(addr->bytes));
		addr->bytes[0] = 10;
		if (addr->family == AF_INET6) {
			addr->bytes[0] = 0x20;
			addr->bytes[1] = 0x01;
		}
		addr->bytes[3] = byte(in);
		addr->bytes[15] = byte(in);
		r->addrs = addr;
		r->n_addrs = 1;
	}
	if (f & 4)
		r->pool = names[byte(in) % 4];
	r->sharing_key = keys[(f >> 3) & 3];
	r->compat_key = (f & 0x20) ? "c" : NULL;
	r->n_ports = byte(in) % 3;
	for (size_t i = 0; i < r->n_ports; i++) {
		ports[i].port = (uint16_t)(byte(in) % 4);
		ports[i].proto = (uint8_t)(1 + byte(in) % 3);
	}
	r->ports = ports;
	*arg = f;
	r->ns_match = (f & 0x40) ? match : NULL;
	r->ns_match_arg = arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	struct ipam *ipam = ipam_new();
	char spec[2][96];
	const char *specs[2] = {spec[0], spec[1]};
	const char *nss[] = {"a", "b"};

	if (!ipam)
		return 0;
	while (in.n) {
		struct ipam_pool_cfg c;
		struct ipam_request r;
		struct core_addr addr;
		struct ipam_port ports[2];
		struct ipam_result res;
		struct ipam_error e;
		struct ipam_pool_stats st;
		uint8_t arg, fl;

		switch (byte(&in) % 8) {
		case 0: /* set a pool from fuzzer text */
			memset(&c, 0, sizeof(c));
			c.name = names[byte(&in) % 4];
			fl = byte(&in);
			str(&in, spec[0], sizeof(spec[0]));
			str(&in, spec[1], sizeof(spec[1]));
			c.addresses = specs;
			c.n_addresses = 1 + (fl & 1);
			c.disabled = fl & 2;
			c.is_default = fl & 4;
			c.avoid_buggy_ips = fl & 8;
			c.ns_selector = fl & 16;
			c.namespaces = nss;
			c.n_namespaces = (fl >> 5) % 3;
			c.priority = (int8_t)byte(&in);
			ipam_pool_set(ipam, &c, &e);
			break;
		case 1:
			ipam_pool_delete(ipam, names[byte(&in) % 4]);
			break;
		case 2:
		case 3:
			request(&in, &r, &addr, ports, &arg);
			ipam_allocate(ipam, &r, &res, &e);
			break;
		case 4:
			ipam_release(ipam, svcs[byte(&in) % 8]);
			break;
		case 5:
			request(&in, &r, &addr, ports, &arg);
			ipam_restore(ipam, &r, r.addrs, r.n_addrs, &res, &e);
			break;
		case 6:
			str(&in, spec[0], sizeof(spec[0]));
			check_text(spec[0]);
			break;
		default:
			if (ipam_pool_stats(ipam, names[byte(&in) % 4], &st) == 0 &&
			    (st.size_dec[0] < '0' || st.size_dec[0] > '9'))
				abort();
			ipam_pool_walk(ipam, names[byte(&in) % 4], nop, NULL);
			ipam_orphans_walk(ipam, nop, NULL);
			break;
		}
		check(ipam);
	}
	ipam_free(ipam);
	return 0;
}
