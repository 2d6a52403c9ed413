/*
 * The optional cache on top of the informer's contract: the last state of
 * each object, keyed by namespace/name (see known.h). Pure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "k8s/known.h"

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
