/*
 * Pieces shared by several kinds: ObjectMeta, apiVersion/kind, label
 * selectors (decode and match), GracefulRestart.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/dec.h"
#include "core/strs.h"

/* k8s.io/apimachinery/pkg/apis/meta/v1 ObjectMeta json names. */
static const char *const meta_known[] = {
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
    "clusterName",
    NULL,
};

int cfg_dec_meta(struct cfg_dec *d, const json_t *root, bool namespaced, struct cfg_meta *m)
{
	const json_t *md = NULL;
	const char *name = NULL, *ns = NULL, *uid = NULL;
	size_t mark;
	int rc = cfg_dec_object(d, root, "metadata", &md);

	if (rc < 0)
		return rc;
	if (!rc)
		return cfg_dec_fail_at(d, root, "metadata", "required");
	mark = cfg_dec_push(d, "metadata");
	rc = cfg_dec_cstr(d, md, "name", &name);
	if (rc < 0)
		goto out;
	if (!rc || !*name) {
		rc = cfg_dec_fail_at(d, md, "name", "required");
		goto out;
	}
	rc = cfg_dec_cstr(d, md, "namespace", &ns);
	if (rc < 0)
		goto out;
	/* cluster-scoped kinds: the API server ignores a namespace, so do we */
	if (!namespaced || !ns || !*ns)
		ns = namespaced ? "default" : NULL;
	d->name = name;
	d->ns = ns;
	if ((rc = cfg_dec_cstr(d, md, "uid", &uid)) < 0)
		goto out;
	if ((rc = cfg_meta_set_id(m, name, ns, uid)) < 0)
		goto nomem;
	if (d->err && d->err->file) {
		unsigned line = cfg_lines_self(d->err->lines, root);
		char buf[512];

		if (line)
			snprintf(buf, sizeof(buf), "%s:%u", d->err->file, line);
		else
			snprintf(buf, sizeof(buf), "%s", d->err->file);
		if (!(m->source = strdup(buf)))
			goto nomem;
	}
	if ((rc = cfg_dec_known(d, md, meta_known)) < 0 ||
	    (rc = cfg_dec_map(d, md, "labels", &m->labels)) < 0 ||
	    (rc = cfg_dec_map(d, md, "annotations", &m->annotations)) < 0 ||
	    (rc = cfg_dec_string(d, md, "resourceVersion", &m->resource_version)) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	rc = cfg_err_set(d->err, -ENOMEM, 0, NULL, NULL, "out of memory");
out:
	cfg_dec_pop(d, mark);
	return rc;
}

int cfg_dec_type(struct cfg_dec *d, const json_t *root, const char *api_version)
{
	const char *s = NULL;
	int rc;

	if (!json_is_object(root))
		return cfg_dec_fail_here(d, root, "must be a mapping");
	rc = cfg_dec_cstr(d, root, "kind", &s);
	if (rc < 0)
		return rc;
	if (rc && strcmp(s, d->kind) != 0)
		return cfg_dec_fail_at(d, root, "kind", "must be %s", d->kind);
	rc = cfg_dec_cstr(d, root, "apiVersion", &s);
	if (rc < 0)
		return rc;
	if (rc && strcmp(s, api_version) != 0)
		return cfg_dec_fail_at(d, root, "apiVersion", "must be %s", api_version);
	return 0;
}

int cfg_meta_set_id(struct cfg_meta *m, const char *name, const char *ns, const char *uid)
{
	const char *s[3] = {name, ns, uid};
	char *out[3], *blk;

	if (!name)
		return -EINVAL;
	if (!(blk = malloc(core_strs_size(s, 3))))
		return -ENOMEM;
	core_strs_copy(blk, s, 3, out);
	free(m->name); /* the old block, ns and uid with it */
	m->name = out[0];
	m->ns = out[1];
	m->uid = out[2];
	return 0;
}

void cfg_meta_fini(struct cfg_meta *m)
{
	free(m->name); /* ns and uid with it */
	cfg_map_fini(&m->labels);
	cfg_map_fini(&m->annotations);
	free(m->resource_version);
	free(m->source);
	memset(m, 0, sizeof(*m));
}

const char *cfg_meta_annotation(const struct cfg_meta *m, const char *key)
{
	return m ? cfg_map_get(&m->annotations, key) : NULL;
}

const char *cfg_meta_label(const struct cfg_meta *m, const char *key)
{
	return m ? cfg_map_get(&m->labels, key) : NULL;
}

/* ---- LabelSelector ---- */

static const char *const sel_known[] = {"matchLabels", "matchExpressions", NULL};
static const char *const req_known[] = {"key", "operator", "values", NULL};
static const char *const sel_ops[] = {"In", "NotIn", "Exists", "DoesNotExist", NULL};

static int cfg_dec_req(struct cfg_dec *d, const json_t *item, struct cfg_sel_req *r)
{
	const char *key = NULL;
	unsigned op = 0;
	int rc;

	if ((rc = cfg_dec_known(d, item, req_known)) < 0 ||
	    (rc = cfg_dec_cstr(d, item, "key", &key)) < 0)
		return rc;
	if (!rc || !*key)
		return cfg_dec_fail_at(d, item, "key", "required");
	rc = cfg_dec_enum(d, item, "operator", sel_ops, &op);
	if (rc < 0)
		return rc;
	if (!rc)
		return cfg_dec_fail_at(d, item, "operator", "required");
	r->op = (enum cfg_sel_op)op;
	r->key = strdup(key);
	if (!r->key)
		return cfg_err_set(d->err, -ENOMEM, 0, NULL, NULL, "out of memory");
	rc = cfg_dec_strings(d, item, "values", &r->values, &r->n_values);
	if (rc < 0)
		return rc;
	/* metav1.LabelSelectorAsSelector refuses these combinations */
	if ((r->op == CFG_SEL_IN || r->op == CFG_SEL_NOT_IN) && !r->n_values)
		return cfg_dec_fail_at(d, item, "values", "must not be empty for %s", sel_ops[op]);
	if ((r->op == CFG_SEL_EXISTS || r->op == CFG_SEL_DOES_NOT_EXIST) && r->n_values)
		return cfg_dec_fail_at(d, item, "values", "must be empty for %s", sel_ops[op]);
	return 0;
}

/* One LabelSelector mapping, its path pushed already. */
static int dec_req_item(struct cfg_dec *d, const json_t *item, size_t i, void *ctx)
{
	struct cfg_selector *out = ctx;

	out->n_exprs = i + 1;
	return cfg_dec_req(d, item, &out->exprs[i]);
}

static int cfg_dec_selector_body(struct cfg_dec *d, const json_t *sel, struct cfg_selector *out)
{
	int rc;

	out->present = true;
	if ((rc = cfg_dec_known(d, sel, sel_known)) < 0 ||
	    (rc = cfg_dec_map(d, sel, "matchLabels", &out->match_labels)) < 0 ||
	    (rc = cfg_dec_mappings(d, sel, "matchExpressions", (void **)&out->exprs,
	                           sizeof(*out->exprs), dec_req_item, out)) < 0)
		return rc;
	return 1;
}

int cfg_dec_selector(struct cfg_dec *d, const json_t *obj, const char *key,
                     struct cfg_selector *out)
{
	const json_t *sel = NULL;
	size_t mark;
	int rc = cfg_dec_object(d, obj, key, &sel);

	if (rc <= 0)
		return rc;
	mark = cfg_dec_push(d, key);
	rc = cfg_dec_selector_body(d, sel, out);
	cfg_dec_pop(d, mark);
	return rc;
}

void cfg_selector_fini(struct cfg_selector *s)
{
	cfg_map_fini(&s->match_labels);
	for (size_t i = 0; i < s->n_exprs; i++) {
		free(s->exprs[i].key);
		cfg_strings_free(s->exprs[i].values, s->exprs[i].n_values);
	}
	free(s->exprs);
	memset(s, 0, sizeof(*s));
}

static bool in_values(const struct cfg_sel_req *r, const char *v)
{
	for (size_t i = 0; i < r->n_values; i++)
		if (strcmp(r->values[i], v) == 0)
			return true;
	return false;
}

bool cfg_selector_matches(const struct cfg_selector *sel, const struct cfg_map *labels)
{
	if (!sel || !sel->present)
		return true;
	for (size_t i = 0; i < sel->match_labels.n; i++) {
		const char *v = cfg_map_get(labels, sel->match_labels.items[i].key);

		if (!v || strcmp(v, sel->match_labels.items[i].value) != 0)
			return false;
	}
	for (size_t i = 0; i < sel->n_exprs; i++) {
		const struct cfg_sel_req *r = &sel->exprs[i];
		const char *v = cfg_map_get(labels, r->key);
		bool ok;

		switch (r->op) {
		case CFG_SEL_IN:
			ok = v && in_values(r, v);
			break;
		case CFG_SEL_NOT_IN:
			ok = !v || !in_values(r, v);
			break;
		case CFG_SEL_EXISTS:
			ok = v != NULL;
			break;
		case CFG_SEL_DOES_NOT_EXIST:
		default:
			ok = v == NULL;
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* ---- GracefulRestart (api/v1alpha2/bgpconf_types.go) ---- */

static const char *const gr_known[] = {
    "enabled",
    "restartTime",
    "helperOnly",
    "deferralTime",
    "notificationEnabled",
    "longlivedEnabled",
    "staleRoutesTime",
    "peerRestartTime",
    "peerRestarting",
    "localRestarting",
    "mode",
    NULL,
};

int cfg_dec_graceful_restart(struct cfg_dec *d, const json_t *obj, const char *key,
                             struct cfg_graceful_restart *out)
{
	const json_t *g = NULL;
	uint64_t u;
	size_t mark;
	int rc = cfg_dec_object(d, obj, key, &g);

	if (rc <= 0)
		return rc;
	out->present = true;
	mark = cfg_dec_push(d, key);
	if ((rc = cfg_dec_known(d, g, gr_known)) < 0 ||
	    (rc = cfg_dec_bool(d, g, "enabled", &out->enabled)) < 0)
		goto out;
	/* RFC 4724 section 3: the Restart Time field has 12 bits */
	if ((rc = cfg_dec_uint(d, g, "restartTime", 0, 4095, &u)) < 0)
		goto out;
	if (rc)
		out->restart_time = (uint32_t)u;
	if ((rc = cfg_dec_bool(d, g, "helperOnly", &out->helper_only)) < 0)
		goto out;
	if ((rc = cfg_dec_uint(d, g, "deferralTime", 0, 65535, &u)) < 0)
		goto out;
	if (rc)
		out->deferral_time = (uint32_t)u;
	if ((rc = cfg_dec_bool(d, g, "notificationEnabled", &out->notification_enabled)) < 0 ||
	    (rc = cfg_dec_bool(d, g, "longlivedEnabled", &out->longlived_enabled)) < 0)
		goto out;
	if ((rc = cfg_dec_uint(d, g, "staleRoutesTime", 0, UINT32_MAX, &u)) < 0)
		goto out;
	if (rc)
		out->stale_routes_time = (uint32_t)u;
	if ((rc = cfg_dec_uint(d, g, "peerRestartTime", 0, UINT32_MAX, &u)) < 0)
		goto out;
	if (rc)
		out->peer_restart_time = (uint32_t)u;
	if ((rc = cfg_dec_bool(d, g, "peerRestarting", &out->peer_restarting)) < 0 ||
	    (rc = cfg_dec_bool(d, g, "localRestarting", &out->local_restarting)) < 0 ||
	    (rc = cfg_dec_string(d, g, "mode", &out->mode)) < 0)
		goto out;
	rc = 1;
out:
	cfg_dec_pop(d, mark);
	return rc;
}

/* ---- Lists of selectors (any may match) ---- */

bool cfg_selectors_match(const struct cfg_selector *v, size_t n, const struct cfg_map *labels)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (cfg_selector_matches(&v[i], labels))
			return true;
	return false;
}

void cfg_selectors_free(struct cfg_selector *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cfg_selector_fini(&v[i]);
	free(v);
}

/* Where cfg_dec_selectors puts what it decodes. */
struct selectors {
	struct cfg_selector **v;
	size_t *n;
};

static int dec_selector_item(struct cfg_dec *d, const json_t *item, size_t i, void *ctx)
{
	struct selectors *s = ctx;

	*s->n = i + 1;
	return cfg_dec_selector_body(d, item, &(*s->v)[i]);
}

int cfg_dec_selectors(struct cfg_dec *d, const json_t *obj, const char *key,
                      struct cfg_selector **out, size_t *n)
{
	struct selectors s = {out, n};
	int rc = cfg_dec_mappings(d, obj, key, (void **)out, sizeof(**out), dec_selector_item, &s);

	if (rc < 0) {
		cfg_selectors_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int cfg_dec_map_selector(struct cfg_dec *d, const json_t *obj, const char *key,
                         struct cfg_selector **out, size_t *n)
{
	struct cfg_map m = {0};
	int rc = cfg_dec_map(d, obj, key, &m);

	if (rc <= 0 || !m.n) {
		cfg_map_fini(&m);
		return rc;
	}
	if (!(*out = calloc(1, sizeof(**out)))) {
		cfg_map_fini(&m);
		return cfg_err_set(d->err, -ENOMEM, 0, NULL, NULL, "out of memory");
	}
	(*out)->present = true;
	(*out)->match_labels = m;
	*n = 1;
	return 1;
}

bool cfg_map_equal(const struct cfg_map *a, const struct cfg_map *b)
{
	if (a->n != b->n)
		return false;
	/* a set of labels: order does not matter, keys are unique */
	for (size_t i = 0; i < a->n; i++) {
		const char *v = cfg_map_get(b, a->items[i].key);

		if (!v || strcmp(v, a->items[i].value) != 0)
			return false;
	}
	return true;
}

static bool req_equal(const struct cfg_sel_req *a, const struct cfg_sel_req *b)
{
	if (strcmp(a->key, b->key) != 0 || a->op != b->op || a->n_values != b->n_values)
		return false;
	for (size_t i = 0; i < a->n_values; i++)
		if (strcmp(a->values[i], b->values[i]) != 0)
			return false;
	return true;
}

bool cfg_selectors_equal(const struct cfg_selector *a, size_t na, const struct cfg_selector *b,
                         size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if (a[i].present != b[i].present ||
		    !cfg_map_equal(&a[i].match_labels, &b[i].match_labels) ||
		    a[i].n_exprs != b[i].n_exprs)
			return false;
		for (size_t k = 0; k < a[i].n_exprs; k++)
			if (!req_equal(&a[i].exprs[k], &b[i].exprs[k]))
				return false;
	}
	return true;
}

static char *dup_or(const char *s, int *err)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*err = -ENOMEM;
	return d;
}

int cfg_strings_copy(char *const *src, size_t n, char ***out)
{
	int err = 0;

	*out = NULL;
	if (!n)
		return 0;
	if (!(*out = calloc(n, sizeof(**out))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		(*out)[i] = dup_or(src[i], &err);
	if (err) {
		cfg_strings_free(*out, n);
		*out = NULL;
	}
	return err;
}

static int map_copy(struct cfg_map *dst, const struct cfg_map *src)
{
	int err = 0;

	memset(dst, 0, sizeof(*dst));
	if (!src->n)
		return 0;
	if (!(dst->items = calloc(src->n, sizeof(*dst->items))))
		return -ENOMEM;
	for (size_t i = 0; i < src->n; i++, dst->n++) {
		dst->items[i].key = dup_or(src->items[i].key, &err);
		dst->items[i].value = dup_or(src->items[i].value, &err);
	}
	if (err)
		cfg_map_fini(dst);
	return err;
}

int cfg_selectors_copy(const struct cfg_selector *src, size_t n, struct cfg_selector **out)
{
	int err = 0;

	*out = NULL;
	if (!n)
		return 0;
	if (!(*out = calloc(n, sizeof(**out))))
		return -ENOMEM;
	for (size_t i = 0; !err && i < n; i++) {
		struct cfg_selector *d = &(*out)[i];

		d->present = src[i].present;
		if ((err = map_copy(&d->match_labels, &src[i].match_labels)) < 0)
			break;
		if (src[i].n_exprs && !(d->exprs = calloc(src[i].n_exprs, sizeof(*d->exprs)))) {
			err = -ENOMEM;
			break;
		}
		for (size_t k = 0; !err && k < src[i].n_exprs; k++, d->n_exprs++) {
			d->exprs[k].op = src[i].exprs[k].op;
			d->exprs[k].key = dup_or(src[i].exprs[k].key, &err);
			if (!err)
				err =
				    cfg_strings_copy(src[i].exprs[k].values,
				                     src[i].exprs[k].n_values, &d->exprs[k].values);
			if (!err)
				d->exprs[k].n_values = src[i].exprs[k].n_values;
		}
	}
	if (err) {
		cfg_selectors_free(*out, n);
		*out = NULL;
	}
	return err;
}
