/*
 * The controller's decision core: decoded Services, Eips and Namespaces in,
 * a queue of writes (Service status, Eip status, Events) out. Pure: no
 * sockets, clocks, globals or logging; the daemon (src/k8s/ informers and
 * writers) is thin glue around it. Not thread-safe.
 *
 * Which Services are berth's (all others are never touched):
 *  - type LoadBalancer with spec.loadBalancerClass == opts.lb_class
 *    (default LB_DEFAULT_CLASS, "berth.io/lb");
 *  - type LoadBalancer without a class, when the annotation
 *    lb.kubesphere.io/v1alpha1 is "openelb" or "porter" (OpenELB's opt-in);
 *    any other value of that annotation opts the Service out;
 *  - type LoadBalancer without a class and without that annotation, while
 *    an enabled default Eip (annotation eip.openelb.kubesphere.io/
 *    is-default-eip: "true") is accepted: OpenELB's mutating webhook put
 *    the opt-in annotation on every such Service; berth claims them
 *    instead of mutating them. Such a Service stays berth's once berth has
 *    served it (it carries LB_ANN_POOL), even if the default Eip goes.
 *
 * Requests (all optional):
 *  - a specific address: annotation eip.openelb.kubesphere.io/v1alpha1
 *    (OpenELB; one address, or "v4,v6" for dual-stack), else
 *    metallb.io/loadBalancerIPs (MetalLB, the same form; the older
 *    metallb.universe.tf spelling when the first is absent), else
 *    spec.loadBalancerIP. OpenELB's annotation wins over
 *    spec.loadBalancerIP, as in OpenELB; MetalLB's and
 *    spec.loadBalancerIP together are refused, as MetalLB does, and so
 *    are OpenELB's and MetalLB's annotations together;
 *  - a specific pool: annotation eip.openelb.kubesphere.io/v1alpha2, or
 *    metallb.io/address-pool (metallb.universe.tf/address-pool when it is
 *    absent); both, naming two pools, are refused. Pools are named by
 *    name alone, so either names an Eip or an IPAddressPool. An Eip has
 *    one family, so a dual-stack Service naming one Eip gets that family
 *    only (PreferDualStack) or fails (RequireDualStack);
 *  - families: spec.ipFamilyPolicy SingleStack (or unset) takes
 *    spec.ipFamilies[0] (opts.default_family when empty); PreferDualStack
 *    and RequireDualStack as in ipam.h;
 *  - sharing: Services with the same sharing key (annotation
 *    LB_ANN_SHARING_KEY, else metallb.io/allow-shared-ip, else
 *    metallb.universe.tf/allow-shared-ip), the same
 *    externalTrafficPolicy and no (protocol, port) in common may share one
 *    address. MetalLB also wants the same pod selector for Local Services;
 *    berth does not decode selectors, so Local shares only with Local and
 *    Cluster only with Cluster.
 *
 * A Service that asks for a specific address it cannot have yet (taken,
 * in no Eip) keeps what it holds and moves to that address as soon as it
 * can be had: the only moves are the ones a Service asks for (ipam.h). A
 * change of sharing parameters that would break an address's sharing is
 * refused (the old parameters stay, recorded in LB_ANN_SHARED so that a
 * restart restores them too).
 *
 * Never renumbered (ipam.h): lb_ctrl_synced() restores every berth
 * Service's status addresses into the allocator before the first
 * allocation; edits and deletes of Eips leave holdings alone; an address
 * outside every Eip stays with its Service (Event AddressOrphaned and the
 * condition below) and is given to nobody else. Restored are the status
 * addresses of Services that carry LB_ANN_POOL (berth wrote them),
 * OpenELB's label LB_LABEL_OPENELB_EIP or MetalLB's annotation
 * LB_ANN_METALLB_FROM (either spelling) (OpenELB or MetalLB did:
 * migration), and
 * otherwise only addresses inside an Eip: an address in no Eip on a
 * Service berth never served is another controller's, and berth's own
 * status write replaces it. When two Services show one address and cannot
 * share it, the first restored keeps it (berth's status first, then
 * Services whose condition does not say AllocationFailed, then by
 * namespace/name) and the other gets a new one (Event AddressConflict).
 *
 * Outputs, pulled with lb_ctrl_next_action():
 *  - LB_ACT_SERVICE_STATUS: the whole status.loadBalancer.ingress (in the
 *    order of spec.ipFamilies), the annotation LB_ANN_POOL (the Eip(s) the
 *    addresses come from, "," separated; it also marks the status as
 *    written by berth), the annotation LB_ANN_SHARED, the annotation
 *    LB_ANN_METALLB_FROM (MetalLB's: the IPAddressPool(s) the addresses
 *    come from, removed when none does) and the condition LB_COND_TYPE;
 *  - LB_ACT_SERVICE_CLEAR: the Service is no longer berth's: remove the
 *    listed addresses from its ingress (only those: another controller may
 *    already have written its own), the annotations and the condition.
 *    Sent only when berth wrote the status (LB_ANN_POOL is present, or
 *    berth wrote it since it started);
 *  - LB_ACT_EVENT: a core/v1 Event on a Service or an Eip;
 *  - LB_ACT_EIP_STATUS: OpenELB's EipStatus (usage, poolSize, used,
 *    firstIP, lastIP, ready, occupied, v4).
 * The Service's protocol annotation (protocol.openelb.kubesphere.io/
 * v1alpha1) is not written: current OpenELB takes the protocol from the
 * Eip the Service's addresses come from, and so does the speaker. A
 * Service whose annotation names another protocol (or a value that is
 * none of "bgp", "layer2", "vip") than the Eip of an address it holds
 * gets a Warning ProtocolMismatch, once per family for each pair of
 * (annotation, Eip protocol): not again on resyncs or other changes, again
 * when either side changes (and once more after a controller restart, as
 * every Event). A Service without the annotation gets none.
 *
 * Conditions (type LB_COND_TYPE), reasons: Allocated (True);
 * AllocationFailed, AddressOrphaned, PoolMismatch, PartiallyAllocated,
 * Pending (False). Event reasons: IPAllocated, IPReleased (Normal);
 * AllocationFailed, AddressOrphaned, PoolMismatch, AddressConflict,
 * AddressDropped, ProtocolMismatch (Warning) on Services; InvalidPool (Warning), PoolAccepted
 * (Normal) on Eips. Messages name the field at fault ("spec.loadBalancerIP:
 * address 192.0.2.1 is in no pool").
 *
 * Failures are retried when anything that may change them happens
 * (addresses freed or taken, Eips, namespace labels, sharing parameters),
 * until nothing changes, so a failure message always describes the
 * current state: the one a restart computes.
 *
 * Idempotent: a status is written only when it differs from what the
 * object shows, so a restart over a cluster berth already serves makes no
 * status write at all, and the daemon's feedback of a written object
 * produces nothing. Coalescing: an object's status is computed when its
 * action is pulled, so many changes before that give one write. Events
 * are emitted on transitions only (a failure repeated unchanged is not
 * re-reported). Everything is deterministic: same inputs, same actions.
 */
#ifndef BERTH_CONTROLLER_CTRL_H
#define BERTH_CONTROLLER_CTRL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define LB_DEFAULT_CLASS "berth.io/lb"
/* Written by berth: which Eip(s) the Service's addresses come from. */
#define LB_ANN_POOL        "lb.berth.io/pool"
#define LB_ANN_SHARING_KEY "lb.berth.io/sharing-key"
/* Written by berth: "<externalTrafficPolicy>:<sharing key>" in effect
 * (it differs from the request when berth refused a change that would
 * break sharing; restores read it). */
#define LB_ANN_SHARED "lb.berth.io/shared"
/* The condition berth keeps in a Service's status.conditions. */
#define LB_COND_TYPE "berth.io/Allocated"

/* Requests berth reads besides those in config.h (OpenELB pkg/constant,
 * MetalLB). */
#define LB_ANN_EIP_IP         "eip.openelb.kubesphere.io/v1alpha1"
#define LB_ANN_METALLB_SHARE  "metallb.io/allow-shared-ip"
#define LB_ANN_METALLB_SHARE0 "metallb.universe.tf/allow-shared-ip"
/* MetalLB's requests (controller/service.go), the metallb.io spelling
 * first, the older metallb.universe.tf one when it is absent. */
#define LB_ANN_METALLB_POOL  "metallb.io/address-pool"
#define LB_ANN_METALLB_POOL0 "metallb.universe.tf/address-pool"
#define LB_ANN_METALLB_IPS   "metallb.io/loadBalancerIPs"
#define LB_ANN_METALLB_IPS0  "metallb.universe.tf/loadBalancerIPs"
/* Written by berth (and MetalLB): the IPAddressPool the addresses come
 * from; the older spelling only read, as a mark of MetalLB's status. */
#define LB_ANN_METALLB_FROM  "metallb.io/ip-allocated-from-pool"
#define LB_ANN_METALLB_FROM0 "metallb.universe.tf/ip-allocated-from-pool"
/* OpenELB writes the Eip's name into this Service label (read, never written). */
#define LB_LABEL_OPENELB_EIP "eip.openelb.kubesphere.io/v1alpha2"

#define LB_REASON_MAX 64
#define LB_MSG_MAX    512

struct lb_ctrl_opts {
	const char *lb_class; /* borrowed for the call; NULL = LB_DEFAULT_CLASS */
	int default_family;   /* AF_INET (also when 0) or AF_INET6: for Services
	                         without spec.ipFamilies (manifests) */
};

/* metav1.Condition without its times (the daemon keeps lastTransitionTime). */
struct lb_cond {
	bool ok; /* status "True" */
	char reason[LB_REASON_MAX];
	char message[LB_MSG_MAX];
};

enum lb_action_type {
	LB_ACT_NONE = 0, /* the queue is empty */
	LB_ACT_SERVICE_STATUS,
	LB_ACT_SERVICE_CLEAR,
	LB_ACT_EVENT,
	LB_ACT_EIP_STATUS,
};

struct lb_svc_status {
	char *ns;   /* owned */
	char *name; /* owned */
	/* SERVICE_STATUS: the ingress list; SERVICE_CLEAR: addresses to remove. */
	struct core_addr ingress[2];
	size_t n_ingress;
	char *pool;          /* owned; SERVICE_STATUS: LB_ANN_POOL's value; CLEAR: NULL */
	char *shared;        /* owned; SERVICE_STATUS: LB_ANN_SHARED's value, NULL =
	                        remove the annotation; CLEAR: NULL */
	char *mlb_pool;      /* owned; SERVICE_STATUS: LB_ANN_METALLB_FROM's value, NULL =
	                        remove the annotation; CLEAR: NULL */
	bool mlb_key;        /* the patch names LB_ANN_METALLB_FROM (mlb_pool, or null to
	                        remove it): false for a Service that never had it */
	struct lb_cond cond; /* SERVICE_STATUS only */
	int64_t generation;  /* SERVICE_STATUS: metadata.generation seen, 0 unknown */
	/*
	 * For a daemon that writes patches without holding the object: the
	 * parts that differ from the object as the engine last saw it, or
	 * that an earlier action may still be changing.
	 */
	bool write_meta;        /* the annotations LB_ANN_POOL, LB_ANN_SHARED and
	                           LB_ANN_METALLB_FROM */
	bool write_status;      /* the status subresource */
	bool keep_time;         /* SERVICE_STATUS: the condition seen has the same status,
	                           so its lastTransitionTime stays */
	bool clear_ingress;     /* SERVICE_CLEAR: the ingress becomes keep[] */
	bool clear_cond;        /* SERVICE_CLEAR: the condition goes */
	struct core_addr *keep; /* owned; SERVICE_CLEAR: the ingress seen without the
	                          addresses to remove (another controller's) */
	size_t n_keep;
};

struct lb_event {
	const char *kind;   /* static: "Service", "Eip" or "IPAddressPool" */
	char *ns;           /* owned; NULL for an Eip */
	char *name;         /* owned */
	char *uid;          /* owned; NULL when unknown */
	const char *type;   /* static: "Normal" or "Warning" */
	const char *reason; /* static, CamelCase */
	char *message;      /* owned */
};

struct lb_eip_status_action {
	char *name;                   /* owned */
	struct cfg_eip_status status; /* owned (used, first_ip, last_ip): the whole status */
	/* For a patch against the object as the engine last saw it: */
	size_t *set; /* owned: indices into status.used.items of the entries it lacks
	                or shows otherwise */
	size_t n_set;
	char **gone; /* owned: keys of its used map that are not wanted */
	size_t n_gone;
};

struct lb_action {
	enum lb_action_type type;
	union {
		struct lb_svc_status svc;        /* SERVICE_STATUS, SERVICE_CLEAR */
		struct lb_event event;           /* EVENT */
		struct lb_eip_status_action eip; /* EIP_STATUS */
	} u;
};

/* Frees what *a owns and zeroes it. */
void lb_action_fini(struct lb_action *a);

struct lb_ctrl;

/*
 * Events waiting to be pulled are bounded: beyond LB_EVENTS_MAX the newest
 * are dropped and counted, as client-go's broadcaster drops beyond 1000.
 * A sync allocating 10,000 Services would otherwise hold 10,000 Events
 * while the daemon writes statuses a few at a time.
 */
#define LB_EVENTS_MAX 1000

struct lb_ctrl_stats {
	uint64_t events_dropped; /* since lb_ctrl_new */
};

/* Returns a new engine (caller owns, lb_ctrl_free) or NULL. opts may be NULL. */
struct lb_ctrl *lb_ctrl_new(const struct lb_ctrl_opts *opts);
void lb_ctrl_free(struct lb_ctrl *c);
void lb_ctrl_stats(const struct lb_ctrl *c, struct lb_ctrl_stats *out);

/*
 * Inputs. Every pointer is borrowed for the call (copied as needed). Before
 * lb_ctrl_synced() they are only recorded; after it each takes effect at
 * once. Return 0, -EINVAL (missing name) or -ENOMEM; problems with the
 * objects' contents are reported as Events and conditions, not as errors.
 */
int lb_ctrl_service_upsert(struct lb_ctrl *c, const struct cfg_service *svc);
/* The same, with the Service's observed LB_COND_TYPE condition (cond NULL:
 * the Service has none). The plain form means "not known": the condition
 * alone then never causes a write. */
int lb_ctrl_service_upsert_cond(struct lb_ctrl *c, const struct cfg_service *svc,
                                const struct lb_cond *cond);
/* What a daemon reads from a Service object besides what cfg_service holds. */
struct lb_svc_seen {
	bool cond_known;            /* false: as lb_ctrl_service_upsert */
	const struct lb_cond *cond; /* borrowed for the call; NULL: none */
	int64_t generation;         /* metadata.generation, 0 when absent */
};
int lb_ctrl_service_upsert_seen(struct lb_ctrl *c, const struct cfg_service *svc,
                                const struct lb_svc_seen *seen);
int lb_ctrl_service_delete(struct lb_ctrl *c, const char *ns, const char *name);
/* An address pool: an Eip, or a MetalLB IPAddressPool (eip->api, decoded
 * by cfg_ip_address_pool_decode). Pools are named by name alone: one of
 * the other API named like a pool the engine has is refused (Event
 * InvalidPool on it). */
int lb_ctrl_eip_upsert(struct lb_ctrl *c, const struct cfg_eip *eip);
/* Deletes the Eip name (lb_ctrl_pool_delete with CFG_API_OPENELB). */
int lb_ctrl_eip_delete(struct lb_ctrl *c, const char *name);
/* Deletes pool name if it came from api (another API's pool of that
 * name stays). */
int lb_ctrl_pool_delete(struct lb_ctrl *c, enum cfg_api api, const char *name);
/* labels may be NULL (none). For Eip spec.namespaceSelector. */
int lb_ctrl_namespace_upsert(struct lb_ctrl *c, const char *name, const struct cfg_map *labels);
int lb_ctrl_namespace_delete(struct lb_ctrl *c, const char *name);

/*
 * BgpPeer names, for the one rule across objects that no schema can check:
 * the names in an Eip's spec.bgp.peers exist. The speakers announce a pool
 * to those of its peers that exist; the acting controller, rather than
 * every speaker, tells the Eip (Warning UnknownPeer) which do not, once
 * per distinct set. Only names matter, so a BgpPeer the speakers cannot
 * decode still counts: it has its own InvalidObject Event.
 */
int lb_ctrl_peer_upsert(struct lb_ctrl *c, const char *name);
int lb_ctrl_peer_delete(struct lb_ctrl *c, const char *name);

/*
 * The initial lists are complete: accept the Eips (those whose status has a
 * firstIP first, so that a restart keeps the previous winner of an
 * overlap; a refused Eip's status is only ready: false),
 * restore every berth Service's status addresses (Services carrying
 * LB_ANN_POOL first, then by namespace/name), then allocate what is
 * missing. Returns 0 or -ENOMEM.
 */
int lb_ctrl_synced(struct lb_ctrl *c);
bool lb_ctrl_is_synced(const struct lb_ctrl *c);

/* Forgets which writes were already sent and re-checks every object (for
 * a periodic resync, or after the daemon gave up on a write). */
int lb_ctrl_resync(struct lb_ctrl *c);

/*
 * The last action for this Service was not written because the object had
 * changed (409 Conflict): forget it, so that the next check writes again
 * whatever is still needed. recheck: queue that check now (the engine has
 * already seen the newer object); otherwise it comes with the next upsert
 * of the Service. Returns 0 (also for an unknown Service) or -ENOMEM.
 */
int lb_ctrl_service_unsent(struct lb_ctrl *c, const char *ns, const char *name, bool recheck);

/* Next action into *out (caller runs lb_action_fini). Returns 0 (out->type
 * LB_ACT_NONE when nothing is left) or -ENOMEM. */
int lb_ctrl_next_action(struct lb_ctrl *c, struct lb_action *out);

/* ---- JSON glue for the daemon (pure; jansson objects as the API has them) ---- */

/* Reads the LB_COND_TYPE condition of a Service object. Returns 1 with *out
 * filled, 0 when the Service has none, -EINVAL if it is malformed. */
int lb_cond_from_json(const json_t *svc, struct lb_cond *out);

/*
 * A SERVICE_STATUS or SERVICE_CLEAR action as patches (the daemon holds no
 * copy of the object): the ingress, the LB_ANN_POOL and LB_ANN_SHARED
 * annotations and berth's condition (lastTransitionTime = now, an RFC 3339
 * string, when its status changes; observedGeneration from the action).
 * Metadata and status are separate subresources: SET writes the object
 * first, so that the marker is there before the addresses; CLEAR the status
 * first. Both set *out to a new object (caller owns), or to NULL when
 * that part needs no write (write_meta / write_status); return 0, -EINVAL
 * or -ENOMEM.
 *
 * Metadata: a JSON merge patch (RFC 7386) of the annotations berth owns
 * (null removes one), for the object itself.
 *
 * Status: a strategic merge patch for the "status" subresource. The ingress
 * has no merge strategy (it is replaced whole; null removes it); conditions
 * merge by type, so only LB_COND_TYPE is touched (removed with "$patch":
 * "delete"). rv is the resourceVersion of the object the action was
 * computed from (NULL: unknown); it is put in as a precondition (409 when
 * the object has changed since) exactly when the result depends on the
 * current object: a condition that keeps its lastTransitionTime (keep_time,
 * normally a->u.svc.keep_time; without rv the time is written anew), or a
 * CLEAR's remaining ingress. now: lastTransitionTime when written.
 */
int lb_action_meta_patch(const struct lb_action *a, json_t **out);
int lb_action_status_patch(const struct lb_action *a, const char *rv, bool keep_time,
                           const char *now, json_t **out);

/*
 * An EIP_STATUS action as a JSON merge patch of the Eip's "status"
 * subresource: every scalar field (null for the zero ones, omitempty in
 * OpenELB's EipStatus) and, of the used map, the entries to set and the
 * keys to remove (null), so that a status of 10,000 addresses is not sent
 * whole for each one that changes. No precondition: berth's leader is the
 * status's only writer, and an entry the engine had not seen yet is set
 * or removed by the next action once it has. Returns 0 with *out (caller
 * owns), -EINVAL or -ENOMEM.
 */
int lb_action_eip_patch(const struct lb_action *a, json_t **out);

/* The Eips as last seen, also before lb_ctrl_synced (for a daemon that
 * keeps no copy of them): fn gets each one's name and observed status,
 * borrowed for the call. */
void lb_ctrl_eips_seen(const struct lb_ctrl *c,
                       void (*fn)(const char *name, const struct cfg_eip_status *st, void *arg),
                       void *arg);
/* Has an enabled Eip marked as the default one, or an IPAddressPool,
 * been seen (by its spec, whether or not it was accepted)? Then Services
 * without a class are berth's. */
bool lb_ctrl_default_eip_seen(const struct lb_ctrl *c);

#endif
