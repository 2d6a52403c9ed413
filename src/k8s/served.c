/*
 * The tracker of resources the API server does not serve (served.h):
 * one entry per resource, the explanation built from the group (a
 * built-in one: the Kubernetes version that serves it; berth's own: the
 * CRD to install), and the informers' logging wrapper.
 */
#include "k8s/served.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "k8s/client.h"

/* Built-in group/versions berth uses and the release that serves them
 * (the GA release: berth does not fall back to beta versions). */
static const struct {
	const char *group, *version, *since;
} builtin[] = {
    {"discovery.k8s.io", "v1", "1.21"},
    {"coordination.k8s.io", "v1", "1.14"},
    {"", "v1", "1.0"},
};

void k8s_served_init(struct k8s_served *s)
{
	memset(s, 0, sizeof(*s));
	s->repeat_ms = K8S_SERVED_REPEAT_MS;
}

static struct k8s_served_ent *find(struct k8s_served *s, const struct k8s_resource *res)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ent[i].res == res)
			return &s->ent[i];
	return NULL;
}

static struct k8s_served_ent *entry(struct k8s_served *s, const struct k8s_resource *res)
{
	struct k8s_served_ent *e = find(s, res);

	if (e)
		return e;
	if (s->n == K8S_SERVED_MAX)
		return NULL;
	s->ent[s->n] = (struct k8s_served_ent){.res = res};
	return &s->ent[s->n++];
}

enum k8s_served_verdict k8s_served_note(struct k8s_served *s, const struct k8s_resource *res,
                                        int code, uint64_t now_ms)
{
	struct k8s_served_ent *e;

	if (code != 404 && (code < 200 || code > 299))
		return K8S_SERVED_QUIET;
	if (!(e = entry(s, res)))
		return K8S_SERVED_QUIET;
	if (code != 404) {
		bool was = e->missing;

		e->missing = false;
		return was ? K8S_SERVED_BACK : K8S_SERVED_QUIET;
	}
	if (e->missing && now_ms - e->logged_ms < s->repeat_ms)
		return K8S_SERVED_QUIET;
	e->missing = true;
	e->logged_ms = now_ms;
	return K8S_SERVED_MISSING;
}

/* Kubernetes' own groups are "" (core), "*.k8s.io" or a bare name (apps,
 * batch, policy); any other is a CustomResourceDefinition's. */
static bool is_builtin(const char *group)
{
	size_t n = strlen(group);

	return !strchr(group, '.') || (n >= 7 && !strcmp(group + n - 7, ".k8s.io"));
}

void k8s_served_explain(const struct k8s_resource *res, char *buf, size_t len)
{
	char gv[128];
	const char *since = NULL;

	k8s_api_version(res, gv, sizeof(gv));
	if (!is_builtin(res->group)) {
		snprintf(buf, len,
		         "the API server does not serve %s %s: the CustomResourceDefinition "
		         "%s.%s is not installed (`kubectl apply -k deploy/` installs it)",
		         gv, res->resource, res->resource, res->group);
		return;
	}
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (!strcmp(builtin[i].group, res->group) &&
		    !strcmp(builtin[i].version, res->version))
			since = builtin[i].since;
	if (since)
		snprintf(buf, len,
		         "the API server does not serve %s %s (Kubernetes %s and later do): berth "
		         "supports " K8S_SUPPORTED_VERSIONS,
		         gv, res->resource, since);
	else
		snprintf(
		    buf, len,
		    "the API server does not serve %s %s: berth supports " K8S_SUPPORTED_VERSIONS,
		    gv, res->resource);
}

bool k8s_served_ok(const struct k8s_served *s, char *why, size_t len)
{
	const struct k8s_served_ent *first = NULL;
	size_t more = 0, n;

	for (size_t i = 0; i < s->n; i++) {
		if (s->ent[i].missing && !first)
			first = &s->ent[i];
		else if (s->ent[i].missing)
			more++;
	}
	if (!first)
		return true;
	k8s_served_explain(first->res, why, len);
	n = strlen(why);
	if (more && n + 1 < len)
		snprintf(why + n, len - n, "; and %zu more resource%s not served", more,
		         more > 1 ? "s" : "");
	return false;
}

/* ---- the informers' wrapper: clock and log ---- */

bool k8s_served_report(struct k8s_served *s, const struct k8s_resource *res, int code)
{
	char why[K8S_MSG_MAX], gv[128];
	struct k8s_served_ent *e;

	if (!s)
		return false;
	switch (k8s_served_note(s, res, code, core_now_ms())) {
	case K8S_SERVED_MISSING:
		k8s_served_explain(res, why, sizeof(why));
		log_err("k8s: %s; retrying with backoff (this message again in %u min if it "
		        "lasts)",
		        why, (unsigned)(s->repeat_ms / 60000));
		break;
	case K8S_SERVED_BACK:
		k8s_api_version(res, gv, sizeof(gv));
		log_info("k8s: %s %s is served now", gv, res->resource);
		break;
	case K8S_SERVED_QUIET:
		break;
	}
	e = find(s, res);
	return e && e->missing;
}
