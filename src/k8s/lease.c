/*
 * Lease records and the leader election decisions (client-go
 * tools/leaderelection, tryAcquireOrRenew). Pure: both clocks are
 * parameters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "k8s/api.h"
#include "k8s/lease.h"

static int get_time(const json_t *spec, const char *key, uint64_t *ms)
{
	const json_t *v = json_object_get(spec, key);

	*ms = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || k8s_time_parse(json_string_value(v), ms))
		return -EINVAL;
	return 0;
}

static int get_i32(const json_t *spec, const char *key, int32_t *out)
{
	const json_t *v = json_object_get(spec, key);

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX)
		return -EINVAL;
	*out = (int32_t)json_integer_value(v);
	return 0;
}

int k8s_lease_rec_decode(const json_t *lease, struct k8s_lease_rec *out)
{
	const json_t *spec = json_object_get(lease, "spec"), *h;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(lease) || (spec && !json_is_object(spec) && !json_is_null(spec)))
		return -EINVAL;
	h = json_object_get(spec, "holderIdentity");
	if (h && !json_is_null(h)) {
		if (!json_is_string(h) || json_string_length(h) >= sizeof(out->holder) ||
		    strlen(json_string_value(h)) != json_string_length(h))
			goto bad;
		memcpy(out->holder, json_string_value(h), json_string_length(h) + 1);
	}
	if (get_i32(spec, "leaseDurationSeconds", &out->duration_s) ||
	    get_i32(spec, "leaseTransitions", &out->transitions) ||
	    get_time(spec, "acquireTime", &out->acquire_ms) ||
	    get_time(spec, "renewTime", &out->renew_ms))
		goto bad;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

static int set_time(json_t *spec, const char *key, uint64_t ms)
{
	char buf[K8S_TIME_MAX];

	if (!ms) {
		json_object_del(spec, key);
		return 0;
	}
	if (k8s_time_format(ms, true, buf, sizeof(buf)))
		return -EINVAL;
	return json_object_set_new(spec, key, json_string(buf)) ? -ENOMEM : 0;
}

int k8s_lease_rec_encode(const struct k8s_lease_rec *rec, json_t *lease)
{
	json_t *spec = json_object_get(lease, "spec");
	int rc;

	if (!json_is_object(spec)) {
		spec = json_object();
		if (!spec || json_object_set_new(lease, "spec", spec))
			return -ENOMEM;
	}
	if (json_object_set_new(spec, "holderIdentity", json_string(rec->holder)) ||
	    json_object_set_new(spec, "leaseDurationSeconds", json_integer(rec->duration_s)) ||
	    json_object_set_new(spec, "leaseTransitions", json_integer(rec->transitions)))
		return -ENOMEM;
	rc = set_time(spec, "acquireTime", rec->acquire_ms);
	if (!rc)
		rc = set_time(spec, "renewTime", rec->renew_ms);
	return rc;
}

bool k8s_lease_rec_equal(const struct k8s_lease_rec *a, const struct k8s_lease_rec *b)
{
	return strcmp(a->holder, b->holder) == 0 && a->duration_s == b->duration_s &&
	       a->acquire_ms == b->acquire_ms && a->renew_ms == b->renew_ms &&
	       a->transitions == b->transitions;
}

void k8s_lease_init(struct k8s_lease_fsm *f, const char *identity, uint32_t lease_ms,
                    uint32_t renew_deadline_ms)
{
	memset(f, 0, sizeof(*f));
	f->identity = identity;
	f->lease_ms = lease_ms;
	f->renew_deadline_ms = renew_deadline_ms;
}

enum k8s_lease_act k8s_lease_decide(struct k8s_lease_fsm *f, uint64_t now, uint64_t wall,
                                    const struct k8s_lease_rec *cur, struct k8s_lease_rec *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->holder, sizeof(out->holder), "%s", f->identity);
	out->duration_s = (int32_t)((f->lease_ms + 999) / 1000);
	out->acquire_ms = wall;
	out->renew_ms = wall;
	if (!cur)
		return K8S_LEASE_CREATE;
	/* Expiry is judged by when we saw the record change, never by the
	 * renewTime another node's clock wrote. */
	if (!f->have_observed || !k8s_lease_rec_equal(&f->observed, cur)) {
		f->observed = *cur;
		f->observed_at = now;
		f->have_observed = true;
	}
	if (cur->holder[0] && strcmp(cur->holder, f->identity) != 0 &&
	    f->observed_at + (uint64_t)cur->duration_s * 1000 > now) {
		if (f->leading) {
			f->leading = false;
			return K8S_LEASE_LOST;
		}
		return K8S_LEASE_WAIT;
	}
	if (strcmp(cur->holder, f->identity) == 0) {
		out->acquire_ms = cur->acquire_ms;
		out->transitions = cur->transitions;
	} else {
		out->transitions = cur->transitions + 1;
	}
	return K8S_LEASE_UPDATE;
}

bool k8s_lease_written(struct k8s_lease_fsm *f, uint64_t now, const struct k8s_lease_rec *rec)
{
	f->observed = *rec;
	f->observed_at = now;
	f->have_observed = true;
	f->last_renew = now;
	if (f->leading)
		return false;
	f->leading = true;
	return true;
}

bool k8s_lease_failed(struct k8s_lease_fsm *f, uint64_t now)
{
	if (!f->leading || now - f->last_renew < f->renew_deadline_ms)
		return false;
	f->leading = false;
	return true;
}

bool k8s_lease_release(struct k8s_lease_fsm *f, uint64_t wall, struct k8s_lease_rec *out)
{
	memset(out, 0, sizeof(*out));
	if (!f->leading)
		return false;
	f->leading = false;
	/* client-go's release(): nobody holds it, and a 1 s duration so
	 * candidates that still saw us need not wait the full lease. */
	out->duration_s = 1;
	out->acquire_ms = wall;
	out->renew_ms = wall;
	out->transitions = f->observed.transitions;
	return true;
}
