/*
 * Layer 2 mode on one node: the speaker's glue between the plan
 * (speaker/l2_plan.h: who answers for each address), the heartbeats
 * (l2/member_io.h: who is alive) and the responders (l2/io.h: ARP and
 * NDP on each interface). Impure: sockets, timers, logs.
 *
 * One apply is two steps around the LB interface's sync, so that an
 * address is on the node before anyone is told to send it traffic:
 *   speaker_l2_plan   the plan; the members and whom to watch follow it;
 *                     the addresses this node owns from now on (for the
 *                     LB interface);
 *   speaker_l2_commit answering switches to them; each address gained is
 *                     announced (gratuitous ARP, unsolicited NA) and
 *                     reported; each one lost is no longer answered.
 * When the heartbeats change who is alive, or this node's start-up hold
 * ends, the changed callback asks the speaker to apply again.
 */
#ifndef BERTH_SPEAKER_L2_H
#define BERTH_SPEAKER_L2_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/prefix_set.h"
#include "config/config.h"
#include "l2/hb.h"
#include "l2/member.h"
#include "speaker/announce.h"

/* The heartbeats' UDP port: not memberlist's 7946, so that MetalLB's
 * speakers and berth's can run side by side during a migration. */
#define SPEAKER_L2_PORT 7947

struct speaker_l2_hooks {
	/* This node started answering for a (a Service's address, strings
	 * borrowed for the call) on interface ifname; takeover: a node ahead
	 * of it in line is gone (a failover), else it is the first in line. */
	void (*owner)(const char *ns, const char *name, const char *uid, const struct core_addr *a,
	              const char *ifname, bool takeover, void *arg);
	/* Eip e (borrowed for the call) cannot be served from this node (why
	 * says which interface is missing), or can again (why NULL). */
	void (*eip_unserved)(const struct cfg_eip *e, const char *why, void *arg);
	void *arg;
};

struct speaker_l2_opts {
	const char *node;             /* borrowed for the call, copied */
	uint16_t port;                /* heartbeats; 0: SPEAKER_L2_PORT */
	const char *listen;           /* borrowed: heartbeat address; NULL: all */
	const struct l2_hb_key *key;  /* borrowed for the call, copied; NULL: no authentication */
	struct l2_member_opts member; /* heartbeat timers; zeros: defaults */
	size_t places;                /* 0: L2_PLAN_PLACES */
	struct speaker_l2_hooks hooks;
	/* Who is alive changed: the speaker must apply again (from the loop,
	 * not from inside this call). */
	void (*changed)(void *arg);
	void *changed_arg;
};

struct speaker_l2_stats {
	uint64_t owned;     /* addresses answered now */
	uint64_t gained;    /* addresses taken since start */
	uint64_t takeovers; /* of those, taken from a node ahead in line (failovers) */
	uint64_t released;
	uint64_t arp_answered, nd_answered, announced, conflicts, malformed;
	uint64_t hb_malformed, hb_bad_auth, hb_replayed, hb_other_refused;
	uint64_t members_down; /* watched members Down now */
	uint64_t watched;      /* watched members */
};

struct speaker_l2;

/* Nothing is opened yet: the heartbeat socket opens at the first plan
 * with a layer2 Eip. NULL when out of memory. */
struct speaker_l2 *speaker_l2_new(struct ev_loop *loop, const struct speaker_l2_opts *o);
void speaker_l2_free(struct speaker_l2 *l);

/* Plans set (borrowed until the next plan) with the node rules ann; the
 * host routes of the addresses this node owns from the commit on are
 * added to owned (caller's). 0, or a negative errno (logged): the last
 * plan stays in force. */
int speaker_l2_plan(struct speaker_l2 *l, const struct cfg_set *set,
                    const struct lb_announce_opts *ann, struct prefix_set *owned);
void speaker_l2_commit(struct speaker_l2 *l);

/* SIGTERM: a LEAVE to every member and no more answers, so the next in
 * line takes over at once. */
void speaker_l2_leave(struct speaker_l2 *l);

void speaker_l2_get_stats(const struct speaker_l2 *l, struct speaker_l2_stats *out);
/* Visits each address answered now and its interface. */
void speaker_l2_foreach_owned(const struct speaker_l2 *l,
                              void (*fn)(const struct core_addr *a, const char *ifname, void *arg),
                              void *arg);

#endif
