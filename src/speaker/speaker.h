/*
 * The BGP speaker of one node: configuration objects in, BGP sessions and
 * announcements out. Owns the peers (bgp/peer.h), the listening sockets
 * and the set of routes this node announces (lb/announce.h).
 *
 * A reload computes the new wanted state and applies only the difference:
 * peers are added, removed or reconfigured one by one, and a route change
 * becomes an UPDATE without touching any session.
 */
#ifndef BERTH_SPEAKER_H
#define BERTH_SPEAKER_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "config/config.h"

struct speaker_opts {
	const char *node;             /* borrowed: this node's name */
	const char *const *manifests; /* borrowed: files to load */
	size_t n_manifests;
	struct bgp_addr router_id;          /* family 0: BgpConf, Node or interface */
	struct bgp_addr nexthop4, nexthop6; /* family 0: automatic */
	uint32_t max_received;              /* received prefixes per peer; 0 = no limit */
	/* Benchmarks: n host routes from synthetic_start upwards, announced
	 * beside the configured ones. */
	struct bgp_addr synthetic_start;
	uint32_t n_synthetic;
};

struct speaker;

/* Loads the manifests and starts. NULL with *err filled on failure. */
struct speaker *speaker_new(struct ev_loop *loop, const struct speaker_opts *o,
                            struct cfg_error *err);
void speaker_free(struct speaker *s);

/* Re-reads the manifests; on error the running state is kept. */
int speaker_reload(struct speaker *s, struct cfg_error *err);

/* Applies an already decoded set (takes it over: *set is emptied). */
int speaker_apply(struct speaker *s, struct cfg_set *set);

/* Withdraws everything and closes every session; poll speaker_stopped(). */
void speaker_shutdown(struct speaker *s);
bool speaker_stopped(const struct speaker *s);

#endif
