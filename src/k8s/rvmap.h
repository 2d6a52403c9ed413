/*
 * The informer's memory of what it has delivered (k8s/known.h): for each object
 * key ("namespace/name" or "name"), its resourceVersion and a hash of its
 * uid, in a dense array indexed by core_idx, with one allocation per
 * object. Pure.
 *
 * Re-lists mark what they see with a generation; what a complete list did
 * not mark is swept (deleted on the server while the watch was down).
 */
#ifndef BERTH_K8S_RVMAP_H
#define BERTH_K8S_RVMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/idx.h"

struct k8s_rvmap_ent {
	char *kv;      /* owned: key '\0' resourceVersion '\0' */
	uint64_t uid;  /* hash of metadata.uid, 0 when absent */
	uint32_t hash; /* core_idx_hash2(key, NULL) */
	uint32_t gen;  /* last generation that saw the object */
};

struct k8s_rvmap {
	struct k8s_rvmap_ent *v; /* owned, dense */
	size_t n, cap;
	struct core_idx ix; /* key -> position in v */
	uint32_t gen;
};

enum k8s_rv_put {
	K8S_RV_NEW = 0,  /* not known before */
	K8S_RV_SAME,     /* known with this resourceVersion (a repeat) */
	K8S_RV_CHANGED,  /* known with another resourceVersion */
	K8S_RV_REPLACED, /* known with another uid: deleted and created again */
};

void k8s_rvmap_init(struct k8s_rvmap *m);
void k8s_rvmap_fini(struct k8s_rvmap *m);
uint64_t k8s_rvmap_uid_hash(const char *uid); /* 0 for NULL or "" */
/* Records key at rv (NULL counts as "") and marks it seen in the current
 * generation. Returns an enum k8s_rv_put or -ENOMEM (map unchanged). */
int k8s_rvmap_put(struct k8s_rvmap *m, const char *key, const char *rv, uint64_t uid);
/* 1 when key was there and is removed, 0 when absent. */
int k8s_rvmap_del(struct k8s_rvmap *m, const char *key);
/* Borrowed until the next put/del of key; NULL when absent. */
const char *k8s_rvmap_rv(const struct k8s_rvmap *m, const char *key);
size_t k8s_rvmap_size(const struct k8s_rvmap *m);
/* A new generation: a re-list begins. */
void k8s_rvmap_begin(struct k8s_rvmap *m);
/* Removes every key not seen in the current generation, calling cb (key
 * borrowed for the call; cb must not change m) for each first. Returns
 * how many. */
int k8s_rvmap_sweep(struct k8s_rvmap *m, void (*cb)(const char *key, void *arg), void *arg);

#endif
