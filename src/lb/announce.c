#include "lb/announce.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

void lb_host_prefix(const struct bgp_addr *a, struct bgp_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = a->family;
	p->len = a->family == AF_INET ? 32 : 128;
	memcpy(p->addr, a->bytes, a->family == AF_INET ? 4 : 16);
}

static bool bgp_protocol(const struct cfg_service *svc)
{
	const char *proto = cfg_meta_annotation(&svc->meta, CFG_ANN_PROTOCOL);

	/* OpenELB: no annotation, or "bgp", means BGP. */
	return !proto || !strcmp(proto, "bgp");
}

int lb_announce_compute(const struct cfg_set *set, const char *node, struct prefix_set *out)
{
	struct cfg_lb_iter it = {0};
	const struct cfg_service *svc;
	const struct bgp_addr *addr;

	prefix_set_clear(out);
	while (cfg_set_next_lb_addr(set, &it, &svc, &addr)) {
		struct bgp_prefix p;

		if (!bgp_protocol(svc))
			continue;
		lb_host_prefix(addr, &p);
		if (prefix_set_add(out, &p) < 0)
			return -ENOMEM;
	}
	return 0;
}
