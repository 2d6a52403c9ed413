/*
 * lb_ctrl internals shared by the src/controller/ctrl*.c files. Not a public API.
 */
#ifndef BERTH_CONTROLLER_CTRL_INT_H
#define BERTH_CONTROLLER_CTRL_INT_H

#include "controller/ctrl.h"
#include "controller/ipam.h"
#include "core/map.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- The engine's maps: core_map, keyed by strings in the values ---- */

/* Values of m into a new array sorted by key (caller frees); *n its
 * length. */
int lb_sorted(const struct core_map *m, void ***out, size_t *n);

/* ---- Services ---- */

enum lb_claim {
	LB_CLAIM_NO = 0,  /* another class, opted out, or not a LoadBalancer */
	LB_CLAIM_YES,     /* our class, or OpenELB's opt-in annotation */
	LB_CLAIM_DEFAULT, /* no class, no annotation: ours while a default Eip exists */
};

/* OpenELB's protocol annotation (CFG_ANN_PROTOCOL) as the engine keeps it
 * for every Service: absent, 1 + the enum cfg_eip_protocol it names, or
 * a value that names none ("" too). A few bits, never the string. */
#define LB_PANN_NONE  0
#define LB_PANN_OTHER 4

/* What a Service asks for. */
struct lb_req {
	enum ipam_policy policy;
	int primary; /* AF_INET or AF_INET6: first in the ingress list */
	struct core_addr addrs[2];
	uint8_t n_addrs;         /* at most 2 */
	const char *addr_field;  /* static: where the addresses came from */
	char *pool;              /* owned or NULL */
	char *skey;              /* owned or NULL */
	const char *skey_field;  /* static */
	const char *ckey;        /* static */
	struct ipam_port *ports; /* owned */
	size_t n_ports;
	char *invalid; /* owned: why the request cannot be honoured, or NULL */
};

/* What berth last sent for an object (to send nothing twice). */
struct lb_sent {
	enum lb_action_type type; /* SERVICE_STATUS or SERVICE_CLEAR */
	struct core_addr addrs[2];
	size_t n;
	char *pool;     /* owned */
	char *shared;   /* owned */
	char *mlb_pool; /* owned: LB_ANN_METALLB_FROM's value sent, NULL: removed */
	char *cond;     /* owned, lb_cond_pack */
};

/* Kept for every Service in the cluster, so kept small: no fixed-size
 * message buffers, one allocation for the three names. */
struct lb_svc {
	char *key;        /* owned: "namespace/name", the map key; ns and name follow
	                     it in the same allocation */
	const char *ns;   /* inside key's allocation */
	const char *name; /* inside key's allocation */
	char *uid;        /* owned, may be NULL */
	struct lb_req req;
	/* Observed status. */
	struct core_addr *obs; /* owned: status.loadBalancer.ingress IPs */
	size_t n_obs;
	char *obs_shared;     /* owned: LB_ANN_SHARED's value, or NULL */
	char *obs_mlb_pool;   /* owned: LB_ANN_METALLB_FROM's value, or NULL */
	char *obs_marker_val; /* owned: LB_ANN_POOL's value, or NULL */
	char *obs_cond;       /* owned, lb_cond_pack; NULL: the Service has none */
	int64_t generation;   /* metadata.generation, 0 when unknown */
	/* Engine state. */
	char *fail_msg;    /* owned: the last allocation failure, NULL if none */
	char *partial_msg; /* owned: why PreferDualStack got one family */
	char *fail_event;  /* owned: message of the last AllocationFailed event */
	/* The sharing parameters the allocator holds for it (it keeps them
	 * when a request is refused). */
	char *eff_skey;              /* owned or NULL */
	const char *eff_ckey;        /* static */
	struct ipam_port *eff_ports; /* owned */
	size_t eff_n_ports;
	struct lb_sent *sent;      /* owned: what berth last sent, until the object
	                              changes; NULL: nothing (most Services, most of
	                              the time) */
	struct core_addr clear[2]; /* what it held when it stopped being ours */
	uint8_t n_clear;
	uint8_t orphan_rep, mismatch_rep; /* per family (bit 0 v4), reported */
	uint8_t proto_ann;                /* LB_PANN_*: its protocol annotation */
	uint8_t proto_rep[2];             /* per family (0 v4, 1 v6): the ProtocolMismatch
	                                     reported, as proto_ann << 2 | the Eip's
	                                     protocol; 0 none */
	enum lb_claim claim;
	enum ipam_err fail_code;
	/* Small members last, together: thousands of these are kept. */
	bool obs_marker;  /* LB_ANN_POOL present: berth wrote the status */
	bool obs_openelb; /* OpenELB's label present: OpenELB wrote it */
	bool obs_metallb; /* MetalLB's LB_ANN_METALLB_FROM (either spelling): MetalLB did */
	bool cond_known;
	bool owned;   /* berth serves it: restored, allocated or tried */
	bool pending; /* owned and not everything it wants is held */
	bool wrote;   /* berth sent it a status since the last clear */
	bool eff_set;
	bool queued;
};

/* ---- Eips ---- */

struct lb_eip {
	char *name;               /* owned, the map key: pools are named by name alone */
	char *ns;                 /* owned: an IPAddressPool's namespace, NULL for an Eip */
	char *uid;                /* owned or NULL */
	enum cfg_api api;         /* OPENELB: an Eip; METALLB: an IPAddressPool */
	char *address;            /* owned: the ranges as written, ", " between them */
	char **ranges;            /* owned: "first-last" for the allocator, one per range */
	struct ipam_range *spans; /* owned: the same ranges */
	size_t n_ranges;
	bool disable, is_default;
	bool avoid_buggy_ips;
	/* Automatic allocation (config.h struct cfg_eip): auto_assign false or
	 * svc_selectors: only for Services that name the pool or an address */
	bool auto_assign, all_namespaces, svc_selectors;
	enum cfg_eip_protocol protocol; /* spec.protocol: how its addresses are served */
	int32_t priority;
	char **namespaces; /* owned */
	size_t n_namespaces;
	struct cfg_selector *ns_selectors; /* owned copy: namespaces any of these match */
	size_t n_ns_selectors;
	struct cfg_eip_status obs;     /* owned copy of the observed status */
	bool accepted;                 /* the allocator holds a version of it */
	bool app_default, app_disable; /* flags of the version it holds */
	char *refused;                 /* owned: why the current spec was refused */
	char **bgp_peers;              /* owned copy of spec.bgp.peers */
	size_t n_bgp_peers;
	char *unknown_peers; /* owned: the UnknownPeer message last told, NULL: none */
	bool queued;
	/* What was last sent, as a hash: the status is as big as the number of
	 * addresses held, and only ever compared (a collision would skip one
	 * write until the next change, at odds of 2^-64). */
	bool has_sent;
	uint64_t sent_hash;
};

/* ---- Action queue ---- */

/* Small, since thousands of checks wait in the ring after a sync. */
struct lb_qitem {
	enum lb_action_type type; /* EVENT, or SERVICE_STATUS / EIP_STATUS = "check" */
	union {
		char *key;           /* owned, checks: Service key or Eip name */
		struct lb_event *ev; /* owned, EVENT */
	} u;
};

struct lb_ctrl {
	char *lb_class;
	int default_family;
	bool synced;
	struct ipam *ipam;
	struct core_map svcs;  /* key -> struct lb_svc, owned */
	struct core_map eips;  /* name -> struct lb_eip, owned */
	struct core_map nss;   /* name -> struct lb_ns, owned */
	struct core_map peers; /* BgpPeer name -> its owned copy, the key */
	/* Classless Services are berth's: an accepted, enabled default Eip
	 * exists (OpenELB's webhook), or an accepted IPAddressPool (MetalLB
	 * serves every Service without a class). */
	bool has_default;
	bool retry;         /* something that may help pending Services happened */
	struct lb_qitem *q; /* owned ring of cap items */
	size_t q_head, q_len, q_cap;
	size_t q_events;         /* events in the ring, at most LB_EVENTS_MAX */
	uint64_t events_dropped; /* events not queued since the ring held the most */
	int oom;                 /* -ENOMEM seen while queueing: reported once */
};

struct lb_ns {
	char *name;            /* owned, the map key */
	struct cfg_map labels; /* owned */
};

/* ctrl.c */
void lb_svc_destroy(struct lb_svc *s);
/* A condition as one string: 'T' or 'F', the reason, NUL, the message.
 * NULL on ENOMEM. */
char *lb_cond_pack(const struct lb_cond *c);
/* p: lb_cond_pack's result or NULL (none). */
bool lb_cond_packed_eq(const char *p, const struct lb_cond *c);
bool lb_cond_packed_ok(const char *p);
const char *lb_cond_packed_reason(const char *p);
/* Forgets (frees) s->sent. */
void lb_svc_unsend(struct lb_svc *s);
/* A fresh s->sent of this type (the old one freed), NULL on ENOMEM. */
struct lb_sent *lb_svc_send(struct lb_svc *s, enum lb_action_type type);
char *lb_strdup(const char *s, int *err);
int lb_map_copy(struct cfg_map *dst, const struct cfg_map *src);
bool lb_cfg_map_equal(const struct cfg_map *a, const struct cfg_map *b);

/* ctrl_req.c: Service inputs -> claim and request */
enum lb_claim lb_svc_claim(const struct lb_ctrl *c, const struct cfg_service *svc);
int lb_req_build(const struct lb_ctrl *c, const struct cfg_service *svc, struct lb_req *out);
void lb_req_fini(struct lb_req *r);
/* LB_PANN_* of svc's protocol annotation. */
uint8_t lb_proto_ann(const struct cfg_service *svc);
/* spec.protocol's name of p, as OpenELB spells it ("bgp", "layer2", "vip"). */
const char *lb_proto_name(enum cfg_eip_protocol p);
bool lb_req_equal(const struct lb_req *a, const struct lb_req *b);
/* The argument of lb_ns_match: whose namespace asks. */
struct lb_nsarg {
	struct lb_ctrl *c;
	const char *ns;
};

/* Fills an allocator request for s (pointers borrowed from s and nsarg). */
void lb_req_ipam(struct lb_ctrl *c, const struct lb_svc *s, struct ipam_request *r,
                 struct lb_nsarg *nsarg);

/* ctrl_svc.c: decisions per Service */
bool lb_svc_wanted(const struct lb_ctrl *c, const struct lb_svc *s);
int lb_svc_restore(struct lb_ctrl *c, struct lb_svc *s);
int lb_svc_allocate(struct lb_ctrl *c, struct lb_svc *s);
int lb_svc_reconcile(struct lb_ctrl *c, struct lb_svc *s, bool req_changed);
int lb_svc_release(struct lb_ctrl *c, struct lb_svc *s, const char *why, bool events);

/* ctrl_share.c: the sharing parameters the allocator holds */
void lb_eff_clear(struct lb_svc *s);
int lb_eff_record(struct lb_svc *s, const struct ipam_request *r);
bool lb_eff_equal(const struct lb_svc *s, const struct ipam_request *r);
/* ipam_restore with the parameters in effect before the restart. */
int lb_share_restore(struct lb_ctrl *c, struct lb_svc *s, const struct ipam_request *r,
                     const struct core_addr *addrs, size_t n, struct ipam_result *res,
                     struct ipam_error *err);
/* After a refused allocation of a Service that holds addresses. */
int lb_share_settle(struct lb_ctrl *c, struct lb_svc *s);
/* LB_ANN_SHARED's value for s (caller frees), NULL when it has none; sets
 * *err on ENOMEM. */
char *lb_shared_value(const struct lb_svc *s, int *err);
/* Reports orphaned / mismatched holdings that are new (after pool edits). */
int lb_svc_report(struct lb_ctrl *c, struct lb_svc *s);
/* Its part about the protocol annotation only (ProtocolMismatch). */
int lb_svc_report_proto(struct lb_ctrl *c, struct lb_svc *s);
int lb_retry_pending(struct lb_ctrl *c);
int lb_report_all(struct lb_ctrl *c);
int lb_reclaim_default(struct lb_ctrl *c);

/* ctrl_eip.c */
void lb_eip_destroy(struct lb_eip *e);
int lb_eip_set(struct lb_eip *e, const struct cfg_eip *in);
bool lb_eip_spec_equal(const struct lb_eip *a, const struct lb_eip *b);
/* Hands e to the allocator; reports a refusal. */
int lb_eip_apply(struct lb_ctrl *c, struct lb_eip *e);
int lb_eip_retry_refused(struct lb_ctrl *c);
/* Warning UnknownPeer on e when its spec.bgp.peers names a BgpPeer that
 * c has not seen, once per distinct message; nothing once all exist. */
int lb_eip_check_peers(struct lb_ctrl *c, struct lb_eip *e);
void lb_update_default(struct lb_ctrl *c);
int lb_eip_status(struct lb_ctrl *c, const struct lb_eip *e, struct cfg_eip_status *out);
bool lb_eip_status_equal(const struct cfg_eip_status *a, const struct cfg_eip_status *b);
uint64_t lb_eip_status_hash(const struct cfg_eip_status *s);
/* Which entries of want's used map have seen (the object as last seen)
 * lack or show otherwise (indices into want->used.items), and which of
 * seen's keys want lacks (copies). All out arrays caller-owned. */
int lb_used_diff(const struct cfg_map *want, const struct cfg_map *seen, size_t **set,
                 size_t *n_set, char ***gone, size_t *n_gone);
void lb_eip_status_fini(struct cfg_eip_status *s);
int lb_eip_status_copy(struct cfg_eip_status *dst, const struct cfg_eip_status *src);
bool lb_ns_match(const char *pool, void *arg);
/* Is a inside a range of an accepted Eip (or IPAddressPool)? */
bool lb_in_eips(const struct lb_ctrl *c, const struct core_addr *a);
/* The accepted pool whose ranges hold a, or NULL. */
const struct lb_eip *lb_eip_containing(const struct lb_ctrl *c, const struct core_addr *a);
/* "Eip" or "IPAddressPool" (static). */
const char *lb_eip_kind(const struct lb_eip *e);

/* ctrl_queue.c */
int lb_queue_event(struct lb_ctrl *c, const char *kind, const char *ns, const char *name,
                   const char *uid, bool warning, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
int lb_queue_svc(struct lb_ctrl *c, struct lb_svc *s);
int lb_queue_eip(struct lb_ctrl *c, struct lb_eip *e);
/* Marks the Eips holding the given addresses for a status check. */
int lb_queue_pools_of(struct lb_ctrl *c, const struct ipam_result *r);
void lb_queue_fini(struct lb_ctrl *c);

/* ctrl_req.c: 1 for AF_INET, 2 for AF_INET6 (a bit per family) */
int lb_fam_bit(uint8_t family);

#endif
