/*
 * Kubernetes API pieces that need no I/O: Status errors, resource paths,
 * query strings, object accessors, RFC 3339 times, retry backoff.
 *
 * Pure: no sockets, clocks, globals or logging. Time is a parameter in
 * milliseconds; randomness (backoff jitter) is a parameter too.
 */
#ifndef BERTH_K8S_API_H
#define BERTH_K8S_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Status errors ---- */

#define K8S_REASON_MAX 64
#define K8S_MSG_MAX    512

/*
 * A failed request, from a metav1.Status body when the server sent one
 * (k8s.io/apimachinery/pkg/apis/meta/v1/types.go, Status), else from the
 * HTTP code or the transport error.
 */
struct k8s_status {
	int code;                    /* HTTP status; 0 for transport errors */
	char reason[K8S_REASON_MAX]; /* StatusReason ("Conflict", "Expired"...), "" if none */
	char message[K8S_MSG_MAX];   /* human-readable, "" if none */
	uint32_t retry_after_s;      /* details.retryAfterSeconds or Retry-After, 0 if none */
};

/*
 * Negative errno for an HTTP code and StatusReason:
 *   400 BadRequest, 422 Invalid  -EINVAL     409 AlreadyExists   -EEXIST
 *   401 Unauthorized             -EACCES     409 Conflict/other  -ESTALE
 *   403 Forbidden                -EPERM      410 Gone/Expired    -ENODATA
 *   404 NotFound                 -ENOENT     413                 -E2BIG
 *   405 MethodNotAllowed         -EOPNOTSUPP 415                 -EPROTONOSUPPORT
 *   429, 503                     -EAGAIN     504                 -ETIMEDOUT
 *   other 4xx                    -EPROTO     other 5xx           -EIO
 * 2xx gives 0. reason may be NULL.
 */
int k8s_status_errno(int code, const char *reason);

/* Fills st from a Status object (a response body or a watch ERROR event's
 * object); http_code is used when the object has no "code". Returns the
 * errno for it (k8s_status_errno), -EPROTO when code is not an error. */
int k8s_status_from_json(const json_t *obj, int http_code, struct k8s_status *st);

/* Same from a response body of any content: a Status if it parses as one,
 * else the body's first line as the message and the code's usual reason. */
int k8s_status_decode(int http_code, const char *body, size_t len, struct k8s_status *st);

/* True when st is a 410 (watch or list from a compacted resourceVersion). */
bool k8s_status_is_gone(const struct k8s_status *st);

/* ---- Resources and paths ---- */

struct k8s_resource {
	const char *group;    /* "" for the core group (/api/v1) */
	const char *version;  /* "v1" */
	const char *resource; /* plural, lower case: "services" */
	const char *kind;     /* "Service": put on list items, which come without it */
	bool namespaced;
};

extern const struct k8s_resource k8s_res_namespaces, k8s_res_services, k8s_res_nodes,
    k8s_res_events, k8s_res_secrets, k8s_res_endpointslices, k8s_res_leases, k8s_res_eips,
    k8s_res_bgpconfs, k8s_res_bgppeers;

/* MetalLB's configuration (metallb.io), namespaced (docs/metallb.md):
 * IPAddressPool, BGPAdvertisement, L2Advertisement, BFDProfile and
 * Community v1beta1, BGPPeer v1beta2 (the version MetalLB stores). */
extern const struct k8s_resource k8s_res_mlb_pools, k8s_res_mlb_peers, k8s_res_mlb_bgp_advs,
    k8s_res_mlb_l2_advs, k8s_res_mlb_bfds, k8s_res_mlb_communities;

#define K8S_PATH_MAX 1024

/* True when s may be a path segment: non-empty, at most 253 bytes, not
 * "." or "..", and only [A-Za-z0-9.-_:] (object names are DNS subdomains
 * or labels; ':' appears in RBAC names). */
bool k8s_name_valid(const char *s);

/*
 * Writes the path of a collection (name NULL), an object, or an object's
 * subresource (sub, e.g. "status"):
 *   /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUB]]
 *   /apis/GROUP/VERSION[/namespaces/NS]/RESOURCE[/NAME[/SUB]]
 * ns NULL for a namespaced resource means all namespaces (collections
 * only); ns is ignored for cluster-scoped ones. Returns 0, -EINVAL (bad
 * segment, missing namespace) or -ENAMETOOLONG.
 */
int k8s_path(char *buf, size_t size, const struct k8s_resource *r, const char *ns, const char *name,
             const char *sub);

/* Appends "?key=value" (or "&..." when buf has a '?') with value
 * percent-encoded (RFC 3986 section 2.1, unreserved characters kept).
 * Returns 0 or -ENAMETOOLONG (buf then unchanged). */
int k8s_query_add(char *buf, size_t size, const char *key, const char *value);

/* "v1" or "group/version" into buf. */
int k8s_api_version(const struct k8s_resource *r, char *buf, size_t size);

/* ---- Object accessors: borrowed strings, NULL when absent or not strings ---- */

const char *k8s_obj_name(const json_t *obj);
const char *k8s_obj_namespace(const json_t *obj);
const char *k8s_obj_rv(const json_t *obj); /* metadata.resourceVersion */
const char *k8s_obj_uid(const json_t *obj);
const char *k8s_obj_kind(const json_t *obj);

/* ---- Times ---- */

#define K8S_TIME_MAX 40

/*
 * RFC 3339 section 5.6 date-time ("2024-05-01T10:00:00Z",
 * "...:00.123456+02:00") to milliseconds since the Unix epoch; fractions
 * beyond milliseconds are truncated. Returns 0 or -EINVAL; years before
 * 1970 are refused.
 */
int k8s_time_parse(const char *s, uint64_t *ms);

/* Formats ms as metav1.Time ("2006-01-02T15:04:05Z") or, with micro, as
 * metav1.MicroTime ("2006-01-02T15:04:05.000000Z"). buf: K8S_TIME_MAX. */
int k8s_time_format(uint64_t ms, bool micro, char *buf, size_t size);

/* ---- Backoff ---- */

/* Exponential backoff with jitter, as client-go's wait.Backoff: each delay
 * is the current step plus up to jitter_pct percent of it; the step
 * multiplies by factor up to max_ms. */
struct k8s_backoff {
	uint32_t initial_ms;
	uint32_t max_ms;
	uint32_t factor;
	uint32_t jitter_pct;
	uint32_t cur_ms;
};

void k8s_backoff_init(struct k8s_backoff *b, uint32_t initial_ms, uint32_t max_ms, uint32_t factor,
                      uint32_t jitter_pct);
/* The next delay; rnd is any uniformly random 32-bit value. */
uint32_t k8s_backoff_next(struct k8s_backoff *b, uint32_t rnd);
void k8s_backoff_reset(struct k8s_backoff *b);

#endif
