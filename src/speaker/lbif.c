#include "speaker/lbif.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"
#include "lb/announce.h"
#include "netlink/nl.h"

/* Fallback when the kernel lacks the dummy driver: ifb is another
 * link that never sends anything on its own. */
#define LBIF_KIND_FALLBACK "ifb"

struct speaker_lbif {
	struct nl_sock *nl;
	char name[NL_IFNAME_LEN];
	int ifindex;
};

static int ensure(struct speaker_lbif *l)
{
	struct nl_link link;
	int rc;

	/* Re-use a link left by an earlier run, whichever of our kinds it has. */
	if (nl_link_get(l->nl, l->name, &link) == 0 && !strcmp(link.kind, LBIF_KIND_FALLBACK))
		return nl_link_ensure(l->nl, l->name, LBIF_KIND_FALLBACK, &l->ifindex);
	rc = nl_link_ensure(l->nl, l->name, NL_KIND_DUMMY, &l->ifindex);
	if (rc != -EOPNOTSUPP)
		return rc;
	log_warn("%s: %s; using a link of kind %s instead", l->name, nl_error(l->nl),
	         LBIF_KIND_FALLBACK);
	return nl_link_ensure(l->nl, l->name, LBIF_KIND_FALLBACK, &l->ifindex);
}

int speaker_lbif_open(const char *name, struct speaker_lbif **out)
{
	struct speaker_lbif *l = calloc(1, sizeof(*l));
	int rc;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	snprintf(l->name, sizeof(l->name), "%s", name);
	rc = nl_open(&l->nl);
	if (rc < 0) {
		log_err("%s: cannot open rtnetlink: %s", name, strerror(-rc));
		goto out;
	}
	rc = ensure(l);
	if (rc < 0) {
		log_err("%s: %s", name, nl_error(l->nl));
		goto out;
	}
	log_info("%s: service addresses go on ifindex %d%s", name, l->ifindex,
	         rc == 1 ? " (created)" : "");
	*out = l;
	rc = 0;
out:
	if (rc < 0)
		speaker_lbif_free(l);
	return rc;
}

void speaker_lbif_free(struct speaker_lbif *l)
{
	if (!l)
		return;
	nl_close(l->nl);
	free(l);
}

/* The wanted prefix_set read in place by the planner (no copy: at 10,000
 * Services a copy is 300 KB at every sync). Its entries are host routes
 * (lb_host_prefix): anything else cannot be found by address and is
 * refused rather than added again at every sync. */
static int want_get(const void *ctx, size_t i, struct bgp_addr *a, uint8_t *prefixlen)
{
	const struct bgp_prefix *p = &((const struct prefix_set *)ctx)->v[i];
	size_t bytes = p->family == AF_INET ? 4 : p->family == AF_INET6 ? 16 : 0;

	if (!bytes || p->len != bytes * 8 || p->path_id)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->family = p->family;
	memcpy(a->bytes, p->addr, bytes);
	*prefixlen = p->len;
	return 0;
}

static long want_find(const void *ctx, const struct bgp_addr *a)
{
	struct bgp_prefix p;

	if (a->family != AF_INET && a->family != AF_INET6)
		return -1;
	lb_host_prefix(a, &p);
	return prefix_set_find(ctx, &p);
}

int speaker_lbif_sync(struct speaker_lbif *l, const struct prefix_set *want,
                      struct speaker_conflict **conf, size_t *n_conf)
{
	const struct nl_want_set set = {
	    .n = want->n, .get = want_get, .find = want_find, .ctx = want};
	struct nl_plan plan;
	int rc;

	*conf = NULL;
	*n_conf = 0;
	nl_plan_init(&plan);
	rc = nl_reconcile(l->nl, l->ifindex, &set, &plan);
	if (rc < 0)
		log_err("%s: %s", l->name, nl_error(l->nl));
	if (plan.n_add || plan.n_del_done)
		log_info("%s: +%zu -%zu addresses", l->name, plan.n_add, plan.n_del_done);
	if (plan.n_conflict) {
		*conf = calloc(plan.n_conflict, sizeof(**conf));
		if (!*conf) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < plan.n_conflict; i++) {
			struct speaker_conflict *c = &(*conf)[i];
			char ifn[IF_NAMESIZE];

			c->addr = plan.conflict[i].addr;
			if (!if_indextoname((unsigned)plan.conflict[i].ifindex, ifn))
				snprintf(ifn, sizeof(ifn), "?");
			snprintf(c->ifname, sizeof(c->ifname), "%s", ifn);
			c->ipvs = !strcmp(ifn, SPEAKER_IPVS_IF);
		}
		*n_conf = plan.n_conflict;
	}
out:
	nl_plan_fini(&plan);
	return rc;
}
