/*
 * The speaker's LB interface (kube-lb0): created at start, then made to
 * hold exactly the announced addresses at each sync, through
 * src/netlink's reconcile (dump, sort, diff, apply).
 */
#include "speaker/lbif.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"
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

/* The union of want[0..n_want) as the planner takes it: addresses,
 * sorted, each once. Entries are host routes (lb_host_prefix): anything
 * else is refused rather than put on the interface with a prefix length
 * nobody asked for. */
int speaker_lbif_want(const struct speaker_lbif *l, const struct prefix_set *const *want,
                      size_t n_want, struct nl_addr **out, size_t *n_out)
{
	struct nl_addr *v;
	size_t n = 0, k = 0;
	int rc = -ENOMEM;

	*out = NULL;
	*n_out = 0;
	for (size_t s = 0; s < n_want; s++)
		n += want[s]->n;
	if (!(v = calloc(n ? n : 1, sizeof(*v))))
		goto fail;
	rc = -EINVAL;
	for (size_t s = 0; s < n_want; s++) {
		for (size_t i = 0; i < want[s]->n; i++) {
			const struct bgp_prefix *p = &want[s]->v[i];
			size_t bytes = core_af_len(p->family);

			if (!bytes || p->len != bytes * 8 || p->path_id)
				goto fail;
			v[k].addr.family = p->family;
			memcpy(v[k].addr.bytes, p->addr, bytes);
			v[k++].prefixlen = p->len;
		}
	}
	nl_addr_sort(v, n);
	for (size_t i = k = 0; i < n; i++)
		if (!k || !core_addr_equal(&v[k - 1].addr, &v[i].addr))
			v[k++] = v[i];
	*out = v;
	*n_out = k;
	return 0;
fail:
	log_err("%s: wanted addresses: %s", l->name, strerror(-rc));
	free(v);
	return rc;
}

int speaker_lbif_sync(struct speaker_lbif *l, const struct nl_addr *addrs, size_t n,
                      struct speaker_conflict **conf, size_t *n_conf)
{
	struct nl_plan plan;
	int rc;

	*conf = NULL;
	*n_conf = 0;
	nl_plan_init(&plan);
	rc = nl_reconcile(l->nl, l->ifindex, addrs, n, &plan);
	if (rc < 0)
		log_err("%s: %s", l->name, nl_error(l->nl));
	if (plan.n_add || plan.n_del)
		log_info("%s: +%zu -%zu addresses", l->name, plan.n_add, plan.n_del);
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
