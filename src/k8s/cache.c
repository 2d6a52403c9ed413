/*
 * The informer's cache: last known state of each object, keyed by
 * namespace/name, and the changes that events and re-lists make. Pure.
 *
 * A resourceVersion is opaque (API concepts, "Resource versions"): it is
 * only compared for equality, never ordered.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "k8s/api.h"
#include "k8s/watch.h"

int k8s_cache_init(struct k8s_cache *c)
{
	c->objs = json_object();
	return c->objs ? 0 : -ENOMEM;
}

void k8s_cache_fini(struct k8s_cache *c)
{
	json_decref(c->objs);
	c->objs = NULL;
}

int k8s_cache_key_of(const char *ns, const char *name, char *buf, size_t size)
{
	int n;

	if (!name || !name[0])
		return -EINVAL;
	if (ns && ns[0])
		n = snprintf(buf, size, "%s/%s", ns, name);
	else
		n = snprintf(buf, size, "%s", name);
	return n < 0 || (size_t)n >= size ? -EINVAL : 0;
}

int k8s_cache_key(const json_t *obj, char *buf, size_t size)
{
	return k8s_cache_key_of(k8s_obj_namespace(obj), k8s_obj_name(obj), buf, size);
}

const json_t *k8s_cache_get(const struct k8s_cache *c, const char *ns, const char *name)
{
	char key[K8S_KEY_MAX];

	if (k8s_cache_key_of(ns, name, key, sizeof(key)))
		return NULL;
	return json_object_get(c->objs, key);
}

size_t k8s_cache_size(const struct k8s_cache *c)
{
	return json_object_size(c->objs);
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Another object under the same name: both uids known and different. */
static bool replaced(const json_t *old, const json_t *cur)
{
	const char *a = k8s_obj_uid(old), *b = k8s_obj_uid(cur);

	return a && b && strcmp(a, b) != 0;
}

int k8s_cache_apply(struct k8s_cache *c, enum k8s_wev type, json_t *obj, k8s_change_fn cb,
                    void *arg)
{
	char key[K8S_KEY_MAX];
	json_t *old;
	int rc;

	if (type != K8S_WEV_ADDED && type != K8S_WEV_MODIFIED && type != K8S_WEV_DELETED)
		return -EINVAL;
	rc = k8s_cache_key(obj, key, sizeof(key));
	if (rc)
		return rc;
	old = json_incref(json_object_get(c->objs, key)); /* kept alive for cb */
	if (type == K8S_WEV_DELETED) {
		if (old) {
			json_object_del(c->objs, key);
			cb(K8S_CHANGE_DELETE, old, obj, arg);
		}
		goto out;
	}
	if (old && !replaced(old, obj) && str_eq(k8s_obj_rv(old), k8s_obj_rv(obj)))
		goto out; /* a repeat, e.g. ADDED again after a resumed watch */
	if (json_object_set(c->objs, key, obj)) {
		rc = -ENOMEM;
		goto out;
	}
	if (!old) {
		cb(K8S_CHANGE_ADD, NULL, obj, arg);
	} else if (replaced(old, obj)) {
		cb(K8S_CHANGE_DELETE, old, NULL, arg);
		cb(K8S_CHANGE_ADD, NULL, obj, arg);
	} else {
		cb(K8S_CHANGE_UPDATE, old, obj, arg);
	}
out:
	json_decref(old);
	return rc;
}

int k8s_cache_replace(struct k8s_cache *c, json_t *items, k8s_change_fn cb, void *arg)
{
	json_t *fresh = json_object(), *old_objs = c->objs, *obj, *old;
	char key[K8S_KEY_MAX];
	const char *k;
	size_t i;
	int skipped = 0;

	if (!fresh)
		return -ENOMEM;
	json_array_foreach(items, i, obj)
	{
		if (!json_is_object(obj) || k8s_cache_key(obj, key, sizeof(key))) {
			skipped++;
			continue;
		}
		if (json_object_set(fresh, key, obj)) {
			json_decref(fresh);
			return -ENOMEM;
		}
	}
	/* The new content is in place before anyone is told, so callbacks
	 * that read the cache see the listed state. */
	c->objs = fresh;
	json_object_foreach(old_objs, k, old)
	{
		if (!json_object_get(fresh, k))
			cb(K8S_CHANGE_DELETE, old, NULL, arg);
	}
	json_array_foreach(items, i, obj)
	{
		if (!json_is_object(obj) || k8s_cache_key(obj, key, sizeof(key)))
			continue;
		if (json_object_get(fresh, key) != obj)
			continue; /* listed twice: the last one counts */
		old = json_object_get(old_objs, key);
		if (!old) {
			cb(K8S_CHANGE_ADD, NULL, obj, arg);
		} else if (replaced(old, obj)) {
			cb(K8S_CHANGE_DELETE, old, NULL, arg);
			cb(K8S_CHANGE_ADD, NULL, obj, arg);
		} else if (!str_eq(k8s_obj_rv(old), k8s_obj_rv(obj))) {
			cb(K8S_CHANGE_UPDATE, old, obj, arg);
		}
	}
	json_decref(old_objs);
	return skipped;
}
