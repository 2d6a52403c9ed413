/*
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's
 * leaderelection semantics:
 *  - a candidate takes the Lease when nobody holds it, when it already
 *    holds it, or when the holder has not renewed it for
 *    leaseDurationSeconds, measured from when THIS candidate last saw
 *    the record change (its own monotonic clock, so clock skew between
 *    nodes does not matter; renewTime is informative);
 *  - every write carries metadata.resourceVersion, so of two candidates
 *    writing at once one gets 409 Conflict (optimistic concurrency);
 *  - the leader renews every retry period and stops leading when it has
 *    not renewed for renew_deadline (< lease duration, so it stops before
 *    anyone else may start);
 *  - on a clean shutdown the leader releases: holderIdentity "",
 *    leaseDurationSeconds 1, so others take over at once.
 * Stricter than client-go: a leader that finds another valid holder in
 * the Lease stops leading at once instead of at its renew deadline.
 *
 * k8s_lease_* are pure (time in, decisions out); k8s_elector_* drive them
 * on the client's loop.
 */
#ifndef BERTH_K8S_LEASE_H
#define BERTH_K8S_LEASE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "k8s/client.h"

#define K8S_HOLDER_MAX 256

/* LeaseSpec (k8s.io/api/coordination/v1). Times: wall clock, ms since the
 * epoch, 0 when absent. */
struct k8s_lease_rec {
	char holder[K8S_HOLDER_MAX]; /* holderIdentity, "" for nobody */
	int32_t duration_s;          /* leaseDurationSeconds */
	uint64_t acquire_ms;         /* acquireTime */
	uint64_t renew_ms;           /* renewTime */
	int32_t transitions;         /* leaseTransitions */
};

/* The spec of a Lease object; a missing spec is the empty record.
 * Returns 0 or -EINVAL (wrong types, bad times, holder too long). */
int k8s_lease_rec_decode(const json_t *lease, struct k8s_lease_rec *out);
/* Sets lease.spec from rec (MicroTime timestamps). Returns 0 or -ENOMEM. */
int k8s_lease_rec_encode(const struct k8s_lease_rec *rec, json_t *lease);
bool k8s_lease_rec_equal(const struct k8s_lease_rec *a, const struct k8s_lease_rec *b);

struct k8s_lease_fsm {
	const char *identity;       /* borrowed */
	uint32_t lease_ms;          /* leaseDurationSeconds written, in ms */
	uint32_t renew_deadline_ms; /* leader gives up after this without renewing */
	bool leading;
	bool have_observed;
	struct k8s_lease_rec observed; /* last record seen or written */
	uint64_t observed_at;          /* mono ms when it last changed */
	uint64_t last_renew;           /* mono ms of our last successful write */
};

enum k8s_lease_act {
	K8S_LEASE_WAIT = 0, /* someone else holds a valid lease */
	K8S_LEASE_CREATE,   /* no Lease: create it with *out */
	K8S_LEASE_UPDATE,   /* write *out (with the read resourceVersion) */
	K8S_LEASE_LOST,     /* as WAIT, and we were leading: stop now */
};

/* identity: borrowed, must outlive f. lease_ms rounds up to seconds. */
void k8s_lease_init(struct k8s_lease_fsm *f, const char *identity, uint32_t lease_ms,
                    uint32_t renew_deadline_ms);

/*
 * One tryAcquireOrRenew step: cur is the Lease's record (NULL: the Lease
 * does not exist), now the monotonic clock and wall the wall clock (for
 * the timestamps written), both in ms. Fills *out for CREATE and UPDATE.
 */
enum k8s_lease_act k8s_lease_decide(struct k8s_lease_fsm *f, uint64_t now, uint64_t wall,
                                    const struct k8s_lease_rec *cur, struct k8s_lease_rec *out);

/* The write of *rec succeeded at now. True when it made us the leader. */
bool k8s_lease_written(struct k8s_lease_fsm *f, uint64_t now, const struct k8s_lease_rec *rec);

/* An attempt failed (read or write error, conflict). True when this
 * leader has now gone renew_deadline without renewing: stop leading. */
bool k8s_lease_failed(struct k8s_lease_fsm *f, uint64_t now);

/* The releasing record; false (and nothing to write) when not leading.
 * Leadership ends here whatever the write gives. */
bool k8s_lease_release(struct k8s_lease_fsm *f, uint64_t wall, struct k8s_lease_rec *out);

/* ---- elector ---- */

struct k8s_elector;

struct k8s_elector_opts {
	const char *ns;                /* copied: the Lease's namespace */
	const char *name;              /* copied: the Lease's name */
	const char *identity;          /* copied: unique per candidate (pod name) */
	uint32_t lease_duration_ms;    /* default 15000 (client-go's usual) */
	uint32_t renew_deadline_ms;    /* default 10000 */
	uint32_t retry_period_ms;      /* default 2000 */
	void (*on_started)(void *arg); /* became the leader */
	void (*on_stopped)(void *arg); /* no longer the leader */
	void *arg;
};

/* c: borrowed, must outlive the elector. Refuses renew_deadline >=
 * lease_duration or retry_period >= renew_deadline (-EINVAL). */
int k8s_elector_new(struct k8s_client *c, const struct k8s_elector_opts *o,
                    struct k8s_elector **out);
int k8s_elector_start(struct k8s_elector *e);
bool k8s_elector_leading(const struct k8s_elector *e);
/* Clean shutdown: stops trying; when leading, writes the release record,
 * calls on_stopped, then done(rc) (rc of the write; 0 when there was
 * nothing to release). done runs from the loop. */
int k8s_elector_release(struct k8s_elector *e, void (*done)(int rc, void *arg), void *arg);
/* Stops without releasing (others take over after the lease expires);
 * no callbacks. e may be NULL. */
void k8s_elector_free(struct k8s_elector *e);

#endif
