/*
 * The informer's contract (see known.h): the record of what was delivered
 * and the events each sighting makes.
 */
#include <errno.h>
#include <string.h>

#include "k8s/known.h"

void k8s_known_init(struct k8s_known *k, const struct k8s_resource *res,
                    const struct k8s_handlers *h, struct k8s_cache *cache)
{
	memset(k, 0, sizeof(*k));
	k->res = res;
	k->h = *h;
	k->cache = cache;
	k8s_rvmap_init(&k->map);
}

void k8s_known_fini(struct k8s_known *k)
{
	k8s_rvmap_fini(&k->map);
}

/* A stand-in for an object whose last state is not at hand: what
 * identifies it, enough for the caller to find its own record. */
static json_t *stub_of(const struct k8s_known *k, const char *key)
{
	const char *slash = k->res->namespaced ? strchr(key, '/') : NULL;
	json_t *meta = json_object(), *obj = json_object();
	char av[128];

	if (!meta || !obj || json_object_set_new(obj, "metadata", meta)) {
		json_decref(meta);
		json_decref(obj);
		return NULL;
	}
	if (slash) {
		json_object_set_new(meta, "namespace", json_stringn(key, (size_t)(slash - key)));
		json_object_set_new(meta, "name", json_string(slash + 1));
	} else {
		json_object_set_new(meta, "name", json_string(key));
	}
	if (k->res->kind)
		json_object_set_new(obj, "kind", json_string(k->res->kind));
	if (k8s_api_version(k->res, av, sizeof(av)) == 0)
		json_object_set_new(obj, "apiVersion", json_string(av));
	return obj;
}

/* The object under key is gone; obj is its final state, or NULL. The
 * cache still holds the last state during the callback. */
static void deleted(struct k8s_known *k, const char *key, const json_t *obj)
{
	json_t *stub = obj || !k->h.on_delete ? NULL : stub_of(k, key);

	if (k->h.on_delete && (obj || stub))
		k->h.on_delete(obj ? obj : stub, k->h.arg);
	json_decref(stub);
	if (k->cache)
		json_object_del(k->cache->objs, key);
}

/* After the callback: the cache takes the new state (a reference: the
 * informer never changes an object it has handed over). */
static int cached(struct k8s_known *k, const char *key, const json_t *obj)
{
	return k->cache && json_object_set(k->cache->objs, key, (json_t *)obj) ? -ENOMEM : 0;
}

int k8s_known_seen(struct k8s_known *k, const json_t *obj)
{
	char key[K8S_KEY_MAX];
	int rc = k8s_cache_key(obj, key, sizeof(key));

	if (rc)
		return rc;
	rc = k8s_rvmap_put(&k->map, key, k8s_obj_rv(obj), k8s_rvmap_uid_hash(k8s_obj_uid(obj)));
	if (rc < 0)
		return rc;
	if (rc == K8S_RV_SAME)
		return 0;          /* a repeat */
	if (rc == K8S_RV_REPLACED) /* deleted and created again: the old one goes first */
		deleted(k, key, NULL);
	if (rc == K8S_RV_CHANGED && k->h.on_update)
		k->h.on_update(obj, k->h.arg);
	else if (rc != K8S_RV_CHANGED && k->h.on_add)
		k->h.on_add(obj, k->h.arg);
	return cached(k, key, obj);
}

int k8s_known_gone(struct k8s_known *k, const json_t *obj)
{
	char key[K8S_KEY_MAX];
	int rc = k8s_cache_key(obj, key, sizeof(key));

	if (rc)
		return rc;
	if (k8s_rvmap_del(&k->map, key))
		deleted(k, key, obj);
	return 0;
}

void k8s_known_relist_begin(struct k8s_known *k)
{
	k8s_rvmap_begin(&k->map);
	if (k->h.on_relist)
		k->h.on_relist(false, k->h.arg);
}

static void swept(const char *key, void *arg)
{
	deleted(arg, key, NULL);
}

size_t k8s_known_relist_end(struct k8s_known *k)
{
	int n = k8s_rvmap_sweep(&k->map, swept, k);

	if (k->h.on_relist)
		k->h.on_relist(true, k->h.arg);
	return (size_t)n;
}

size_t k8s_known_size(const struct k8s_known *k)
{
	return k8s_rvmap_size(&k->map);
}

const char *k8s_known_rv(const struct k8s_known *k, const char *ns, const char *name)
{
	char key[K8S_KEY_MAX];

	if (k8s_cache_key_of(k->res->namespaced ? ns : NULL, name, key, sizeof(key)))
		return NULL;
	return k8s_rvmap_rv(&k->map, key);
}
