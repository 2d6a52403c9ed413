/*
 * Decisions per Service: restore, allocate, release, and the Events that
 * tell the user about each transition.
 */
#include "controller/ctrl_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define EV_SVC(c, s, warn, reason, ...)                                                            \
	lb_queue_event(c, "Service", (s)->ns, (s)->name, (s)->uid, warn, reason, __VA_ARGS__)

bool lb_svc_wanted(const struct lb_ctrl *c, const struct lb_svc *s)
{
	switch (s->claim) {
	case LB_CLAIM_YES:
		return true;
	case LB_CLAIM_DEFAULT:
		/* Once served, kept: losing the default Eip must not renumber. */
		return c->has_default || s->obs_marker || s->owned;
	default:
		return false;
	}
}

/* ipam messages start with "service ns/name: ", which an Event on that
 * Service does not need. */
static const char *strip_key(const struct lb_svc *s, const char *msg)
{
	size_t k = strlen(s->key);

	if (strncmp(msg, "service ", 8) == 0 && strncmp(msg + 8, s->key, k) == 0 &&
	    strncmp(msg + 8 + k, ": ", 2) == 0)
		return msg + 10 + k;
	return msg;
}

/* The field of the Service that an allocator error is about, or NULL. */
static const char *err_field(const struct lb_svc *s, enum ipam_err code)
{
	static const char pool_field[] = "annotation " CFG_ANN_EIP;

	switch (code) {
	case IPAM_ERR_NOT_IN_POOL:
	case IPAM_ERR_RESERVED:
	case IPAM_ERR_POOL_MISMATCH:
		return s->req.addr_field;
	case IPAM_ERR_IN_USE:
		return s->req.n_addrs ? s->req.addr_field : s->req.skey_field;
	case IPAM_ERR_PORT_CONFLICT:
		return s->req.skey_field;
	case IPAM_ERR_NO_SUCH_POOL:
		return pool_field;
	case IPAM_ERR_POOL_DISABLED:
		return s->req.pool ? pool_field : s->req.addr_field;
	case IPAM_ERR_FAMILY:
		return s->req.pool ? pool_field : "spec.ipFamilies";
	default:
		return NULL;
	}
}

static void clear_fail(struct lb_svc *s)
{
	s->fail_code = IPAM_OK;
	free(s->fail_msg);
	free(s->fail_event);
	s->fail_msg = s->fail_event = NULL;
}

/* Records a failure; an Event only when it differs from the last one. */
static int set_fail(struct lb_ctrl *c, struct lb_svc *s, enum ipam_err code, const char *field,
                    const char *msg)
{
	char buf[LB_MSG_MAX];
	int ret;

	if (field)
		snprintf(buf, sizeof(buf), "%s: %s", field, msg);
	else
		snprintf(buf, sizeof(buf), "%s", msg);
	free(s->fail_msg);
	s->fail_code = code;
	if (!(s->fail_msg = strdup(buf)))
		return -ENOMEM;
	if (!s->fail_event || strcmp(s->fail_event, buf) != 0) {
		free(s->fail_event);
		if (!(s->fail_event = strdup(buf)))
			return -ENOMEM;
		if ((ret = EV_SVC(c, s, true, "AllocationFailed", "%s", buf)) < 0)
			return ret;
	}
	return lb_queue_svc(c, s);
}

static const char *fam_name(uint8_t family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

int lb_svc_restore(struct lb_ctrl *c, struct lb_svc *s)
{
	struct core_addr addrs[2];
	struct ipam_request r;
	struct ipam_result res;
	struct ipam_error e = {IPAM_OK, ""};
	struct lb_nsarg na;
	char a[CORE_ADDR_STRLEN], b[CORE_ADDR_STRLEN];
	size_t n = 0;
	int seen = 0, ret;

	for (size_t i = 0; i < s->n_obs; i++) {
		int bit = lb_fam_bit(s->obs[i].family);

		/* An address neither berth nor OpenELB wrote, and in no Eip,
		 * is another controller's: not berth's to keep. */
		if (!s->obs_marker && !s->obs_openelb && !s->obs_metallb &&
		    !lb_in_eips(c, &s->obs[i]))
			continue;
		if (seen & bit) {
			const struct core_addr *kept =
			    addrs[0].family == s->obs[i].family ? &addrs[0] : &addrs[1];

			ret = EV_SVC(c, s, true, "AddressDropped",
			             "status.loadBalancer.ingress: %s is a second %s address; the "
			             "Service keeps %s",
			             core_addr_str(&s->obs[i], a), fam_name(s->obs[i].family),
			             core_addr_str(kept, b));
			if (ret < 0)
				return ret;
			continue;
		}
		seen |= bit;
		addrs[n++] = s->obs[i];
	}
	if (!n)
		return 0;
	memset(&res, 0, sizeof(res));
	lb_req_ipam(c, s, &r, &na);
	ret = lb_share_restore(c, s, &r, addrs, n, &res, &e);
	if (ret < 0) {
		switch (e.code) {
		case IPAM_ERR_NOMEM:
			return -ENOMEM;
		case IPAM_ERR_IN_USE:
		case IPAM_ERR_PORT_CONFLICT:
			/* The first restored keeps it: status written by berth, then by name. */
			ret = EV_SVC(c, s, true, "AddressConflict",
			             "status.loadBalancer.ingress: %s; the Service gets another "
			             "address",
			             strip_key(s, e.msg));
			if (ret < 0)
				return ret;
			break;
		case IPAM_ERR_CONFLICT:
			break; /* already known to hold another: the allocator is right */
		default:
			if ((ret = set_fail(c, s, e.code, "status.loadBalancer.ingress",
			                    strip_key(s, e.msg))) < 0)
				return ret;
			break;
		}
	}
	return lb_queue_pools_of(c, &res);
}

static const struct ipam_held *held_of(const struct ipam_result *r, uint8_t family)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->a[i].addr.family == family)
			return &r->a[i];
	}
	return NULL;
}

static int alloc_events(struct lb_ctrl *c, struct lb_svc *s, const struct ipam_result *before,
                        const struct ipam_result *after)
{
	char a[CORE_ADDR_STRLEN], b[CORE_ADDR_STRLEN];
	int ret;

	for (size_t i = 0; i < before->n; i++) {
		const struct ipam_held *o = &before->a[i];
		const struct ipam_held *n = held_of(after, o->addr.family);

		if (n && core_addr_cmp(&n->addr, &o->addr) == 0)
			continue;
		if (n)
			ret =
			    EV_SVC(c, s, false, "IPReleased", "released %s: moved to %s as %s asks",
			           core_addr_str(&o->addr, a), core_addr_str(&n->addr, b),
			           s->req.addr_field ? s->req.addr_field : "the request");
		else
			ret = EV_SVC(c, s, false, "IPReleased",
			             "released %s: %s is no longer requested (spec.ipFamilyPolicy, "
			             "spec.ipFamilies)",
			             core_addr_str(&o->addr, a), fam_name(o->addr.family));
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < after->n; i++) {
		const struct ipam_held *n = &after->a[i];

		if (!n->is_new)
			continue;
		if (n->shared)
			ret = EV_SVC(c, s, false, "IPAllocated",
			             "allocated %s from Eip %s, shared under sharing key \"%s\"",
			             core_addr_str(&n->addr, a), n->pool,
			             s->req.skey ? s->req.skey : "");
		else
			ret = EV_SVC(c, s, false, "IPAllocated", "allocated %s from Eip %s",
			             core_addr_str(&n->addr, a), n->pool);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int lb_svc_allocate(struct lb_ctrl *c, struct lb_svc *s)
{
	struct ipam_result before, after;
	struct ipam_request r;
	struct ipam_error e = {IPAM_OK, ""};
	struct lb_nsarg na;
	int ret;

	if (s->req.invalid) {
		/* Nothing changes until the Service is fixed: no retries either. */
		s->pending = false;
		return set_fail(c, s, IPAM_ERR_INVALID, NULL, s->req.invalid);
	}
	if (ipam_service_get(c->ipam, s->key, &before) < 0)
		memset(&before, 0, sizeof(before));
	lb_req_ipam(c, s, &r, &na);
	ret = ipam_allocate(c->ipam, &r, &after, &e);
	if (ret < 0) {
		if (e.code == IPAM_ERR_NOMEM)
			return -ENOMEM;
		/* A malformed request stays malformed; anything else may be
		 * helped by a release, a pool or a namespace label. */
		s->pending = e.code != IPAM_ERR_INVALID;
		if ((ret = set_fail(c, s, e.code, err_field(s, e.code), strip_key(s, e.msg))) < 0 ||
		    (ret = lb_share_settle(c, s)) < 0)
			return ret;
		/* What it holds (restored, or kept while it waits) is served
		 * all the same. */
		return lb_svc_report_proto(c, s);
	}
	/* New sharing parameters change who else may share. */
	if (!lb_eff_equal(s, &r))
		c->retry = true;
	if (lb_eff_record(s, &r) < 0)
		return -ENOMEM;
	clear_fail(s);
	free(s->partial_msg);
	s->partial_msg = NULL;
	if (after.partial && !(s->partial_msg = strdup(strip_key(s, e.msg))))
		return -ENOMEM;
	s->pending = after.partial;
	if ((ret = alloc_events(c, s, &before, &after)) < 0 ||
	    (ret = lb_queue_pools_of(c, &before)) < 0 || (ret = lb_queue_pools_of(c, &after)) < 0)
		return ret;
	/* Any change to the holdings may change what a pending Service gets
	 * or why it fails: the failure messages in their conditions must be
	 * those of the final state, the one a restart computes. */
	for (size_t i = 0; i < after.n; i++)
		c->retry |= after.a[i].is_new;
	if (after.released)
		c->retry = true;
	return lb_svc_report(c, s);
}

/* Addresses a Service shows that berth may have written: the first of
 * each family. */
static void clear_from_obs(struct lb_svc *s)
{
	int seen = 0;

	s->n_clear = 0;
	for (size_t i = 0; i < s->n_obs && s->n_clear < 2; i++) {
		int bit = lb_fam_bit(s->obs[i].family);

		if (!(seen & bit))
			s->clear[s->n_clear++] = s->obs[i];
		seen |= bit;
	}
}

int lb_svc_release(struct lb_ctrl *c, struct lb_svc *s, const char *why, bool events)
{
	struct ipam_result res;
	char a[CORE_ADDR_STRLEN];
	int ret;

	s->n_clear = 0;
	if (ipam_service_get(c->ipam, s->key, &res) == 0) {
		if ((ret = ipam_release(c->ipam, s->key)) < 0)
			return ret;
		for (size_t i = 0; i < res.n; i++) {
			s->clear[s->n_clear++] = res.a[i].addr;
			if (events && (ret = EV_SVC(c, s, false, "IPReleased", "released %s: %s",
			                            core_addr_str(&res.a[i].addr, a), why)) < 0)
				return ret;
		}
		if ((ret = lb_queue_pools_of(c, &res)) < 0)
			return ret;
		c->retry = true;
	}
	s->owned = false;
	s->pending = false;
	lb_eff_clear(s);
	clear_fail(s);
	free(s->partial_msg);
	s->partial_msg = NULL;
	s->orphan_rep = s->mismatch_rep = 0;
	memset(s->proto_rep, 0, sizeof(s->proto_rep));
	return lb_queue_svc(c, s);
}

/* How an address of each Eip protocol is served, for ProtocolMismatch. */
static const char *const proto_served[] = {
    [CFG_EIP_BGP] = "it is served by bgp",
    [CFG_EIP_LAYER2] = "it is served by layer2",
    [CFG_EIP_VIP] = "it is served by vip (berth's speakers serve bgp and layer2 Eips only)",
};

_Static_assert(LB_PANN_OTHER > CFG_EIP_VIP + 1 && (LB_PANN_OTHER << 2 | CFG_EIP_VIP) <= UINT8_MAX,
               "LB_PANN_* and proto_rep's packing");

/*
 * The Eip's spec.protocol decides how its addresses are served (OpenELB
 * 0.6; the speaker follows it): a Service whose protocol annotation says
 * otherwise is told so with a Warning, once for each (annotation, Eip
 * protocol) per family, and again when either changes. Nothing is
 * reported when that disagreement ends, nor for an orphaned address (in
 * no Eip: AddressOrphaned says it).
 */
static int report_proto(struct lb_ctrl *c, struct lb_svc *s, const struct ipam_result *res)
{
	static const char field[] = "annotation " CFG_ANN_PROTOCOL;
	uint8_t now[2] = {0, 0};
	char a[CORE_ADDR_STRLEN];
	int ret;

	for (size_t i = 0; s->proto_ann != LB_PANN_NONE && i < res->n; i++) {
		const struct ipam_held *h = &res->a[i];
		const struct lb_eip *e;
		size_t f = h->addr.family == AF_INET6;

		/* OpenELB's annotation against OpenELB's Eips: an IPAddressPool
		 * is announced by its advertisements, whatever it says */
		if (h->orphaned || !(e = core_map_get(&c->eips, h->pool, strlen(h->pool))) ||
		    e->api != CFG_API_OPENELB || s->proto_ann == 1 + (unsigned)e->protocol)
			continue;
		now[f] = (uint8_t)(s->proto_ann << 2 | e->protocol);
		if (now[f] == s->proto_rep[f])
			continue;
		if (s->proto_ann == LB_PANN_OTHER)
			ret = EV_SVC(
			    c, s, true, "ProtocolMismatch",
			    "%s names none of \"bgp\", \"layer2\", \"vip\" and %s comes from "
			    "Eip %s (protocol %s): %s",
			    field, core_addr_str(&h->addr, a), e->name, lb_proto_name(e->protocol),
			    proto_served[e->protocol]);
		else
			ret = EV_SVC(c, s, true, "ProtocolMismatch",
			             "%s says \"%s\" but %s comes from Eip %s (protocol %s): %s",
			             field, lb_proto_name(s->proto_ann - 1),
			             core_addr_str(&h->addr, a), e->name,
			             lb_proto_name(e->protocol), proto_served[e->protocol]);
		if (ret < 0)
			return ret;
	}
	memcpy(s->proto_rep, now, sizeof(now));
	return 0;
}

int lb_svc_report(struct lb_ctrl *c, struct lb_svc *s)
{
	struct ipam_result res;
	char a[CORE_ADDR_STRLEN];
	uint8_t orphan = 0, mismatch = 0;
	int ret;

	if (ipam_service_get(c->ipam, s->key, &res) < 0)
		res.n = 0;
	for (size_t i = 0; i < res.n; i++) {
		const struct ipam_held *h = &res.a[i];
		uint8_t bit = (uint8_t)lb_fam_bit(h->addr.family);

		if (h->orphaned) {
			orphan |= bit;
			if (!(s->orphan_rep & bit) &&
			    (ret = EV_SVC(c, s, true, "AddressOrphaned",
			                  "%s is outside every Eip: the Service keeps it and no "
			                  "other Service gets it",
			                  core_addr_str(&h->addr, a))) < 0)
				return ret;
		} else if (s->req.pool && strcmp(h->pool, s->req.pool) != 0) {
			mismatch |= bit;
			if (!(s->mismatch_rep & bit) &&
			    (ret = EV_SVC(
			         c, s, true, "PoolMismatch",
			         "%s is in Eip %s, not in Eip %s that annotation " CFG_ANN_EIP
			         " asks for: berth never renumbers a Service, recreate it "
			         "to move it",
			         core_addr_str(&h->addr, a), h->pool, s->req.pool)) < 0)
				return ret;
		}
	}
	s->orphan_rep = orphan;
	s->mismatch_rep = mismatch;
	if ((ret = report_proto(c, s, &res)) < 0)
		return ret;
	return lb_queue_svc(c, s);
}

int lb_svc_report_proto(struct lb_ctrl *c, struct lb_svc *s)
{
	struct ipam_result res;

	if (ipam_service_get(c->ipam, s->key, &res) < 0)
		res.n = 0;
	return report_proto(c, s, &res);
}

int lb_svc_reconcile(struct lb_ctrl *c, struct lb_svc *s, bool req_changed)
{
	int ret;

	if (!lb_svc_wanted(c, s)) {
		if (s->owned)
			return lb_svc_release(c, s, "the Service is no longer a berth LoadBalancer",
			                      true);
		if (s->obs_marker && !s->wrote)
			clear_from_obs(s); /* written by berth before a restart */
		return lb_queue_svc(c, s);
	}
	if (!s->owned) {
		s->owned = true;
		s->n_clear = 0;
		/* Restore before allocate, here too: it may come with addresses. */
		if ((ret = lb_svc_restore(c, s)) < 0)
			return ret;
		req_changed = true;
	}
	/* A changed request of a holder changes what its co-holders may
	 * keep (lb_share_settle): let pending ones look again. */
	if (req_changed && s->owned)
		c->retry = true;
	if (req_changed || s->pending) {
		if ((ret = lb_svc_allocate(c, s)) < 0)
			return ret;
	}
	return lb_queue_svc(c, s);
}

/* Runs fn on every Service that sel selects, in key order. */
static int for_each_svc(struct lb_ctrl *c,
                        bool (*sel)(const struct lb_ctrl *, const struct lb_svc *),
                        int (*fn)(struct lb_ctrl *, struct lb_svc *))
{
	void **v;
	size_t n;
	int ret;

	if ((ret = lb_sorted(&c->svcs, &v, &n)) < 0)
		return ret;
	for (size_t i = 0; i < n && ret == 0; i++) {
		if (sel(c, v[i]))
			ret = fn(c, v[i]);
	}
	free(v);
	return ret;
}

static bool sel_pending(const struct lb_ctrl *c, const struct lb_svc *s)
{
	return s->owned && s->pending;
}

static bool any_pending(const struct lb_ctrl *c)
{
	for (size_t i = 0; i < c->svcs.n; i++) {
		const struct lb_svc *s = c->svcs.v[i].val;

		if (s->owned && s->pending)
			return true;
	}
	return false;
}

int lb_retry_pending(struct lb_ctrl *c)
{
	/* Until nothing changes: a pass that changes the holdings gave some
	 * pending Service what it wanted, so this ends; the bound is a guard. */
	for (int pass = 0; c->retry && pass < 64; pass++) {
		int ret;

		c->retry = false;
		if (!any_pending(c))
			return 0;
		if ((ret = for_each_svc(c, sel_pending, lb_svc_allocate)) < 0)
			return ret;
	}
	return 0;
}

static bool sel_owned(const struct lb_ctrl *c, const struct lb_svc *s)
{
	return s->owned;
}

int lb_report_all(struct lb_ctrl *c)
{
	return for_each_svc(c, sel_owned, lb_svc_report);
}

static bool sel_default(const struct lb_ctrl *c, const struct lb_svc *s)
{
	return s->claim == LB_CLAIM_DEFAULT;
}

static int reconcile_same(struct lb_ctrl *c, struct lb_svc *s)
{
	return lb_svc_reconcile(c, s, false);
}

int lb_reclaim_default(struct lb_ctrl *c)
{
	return for_each_svc(c, sel_default, reconcile_same);
}
