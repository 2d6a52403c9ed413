/*
 * Connection collisions, RFC 4271 section 6.8, decided between two FSMs
 * of the same peer (one per TCP connection). Pure.
 *
 * Rules, in order:
 *  1. One side Established: the other connection is closed (6.8, last
 *     paragraph) -- unless graceful restart was negotiated on the
 *     Established session and the new connection's OPEN carries the GR
 *     capability: the peer restarted, so the old session goes
 *     (RFC 4724 section 4.2). While that new OPEN is awaited: no decision.
 *  2. Otherwise both must have sent an OPEN (OpenSent or OpenConfirm) and
 *     the peer's BGP identifier must be known, from an OPEN received on
 *     either connection or from cfg.peer_id ("means outside the protocol").
 *  3. The side with the higher BGP identifier keeps the connection it
 *     initiated; equal identifiers (eBGP only, RFC 6286 section 2.3): the
 *     side with the larger AS does.
 *  4. Two connections in the same direction: the newer one (b) goes.
 */
#include "bgp/fsm_int.h"

#include <stddef.h>

enum bgp_fsm_accept bgp_fsm_accept(const struct bgp_fsm *main_fsm)
{
	switch (main_fsm->state) {
	case BGP_FSM_IDLE:
		/* RFC 4271 8.2.2: Idle refuses all incoming connections. */
		return BGP_FSM_ACCEPT_REFUSE;
	case BGP_FSM_ACTIVE:
		return BGP_FSM_ACCEPT_HERE;
	default:
		return BGP_FSM_ACCEPT_SECOND;
	}
}

static enum bgp_fsm_collision close_fsm(const struct bgp_fsm *loser, const struct bgp_fsm *a)
{
	return loser == a ? BGP_FSM_COLLISION_CLOSE_A : BGP_FSM_COLLISION_CLOSE_B;
}

static enum bgp_fsm_collision vs_established(const struct bgp_fsm *up, const struct bgp_fsm *other,
                                             const struct bgp_fsm *a)
{
	if (!up->session.gr_peer)
		return close_fsm(other, a);
	if (other->state == BGP_FSM_OPENSENT)
		return BGP_FSM_COLLISION_NONE;
	if (other->state == BGP_FSM_OPENCONFIRM && other->session.gr_peer)
		return close_fsm(up, a);
	return close_fsm(other, a);
}

enum bgp_fsm_collision bgp_fsm_collision(const struct bgp_fsm *a, const struct bgp_fsm *b)
{
	const struct bgp_fsm *ours;
	uint32_t local_id, peer_id;
	bool keep_ours;

	if (!a || !b || a == b)
		return BGP_FSM_COLLISION_NONE;
	if (a->state == BGP_FSM_ESTABLISHED && b->state == BGP_FSM_ESTABLISHED)
		return BGP_FSM_COLLISION_CLOSE_B;
	if (a->state == BGP_FSM_ESTABLISHED)
		return vs_established(a, b, a);
	if (b->state == BGP_FSM_ESTABLISHED)
		return vs_established(b, a, a);

	if (a->state < BGP_FSM_OPENSENT || b->state < BGP_FSM_OPENSENT)
		return BGP_FSM_COLLISION_NONE;
	if (a->state == BGP_FSM_OPENCONFIRM)
		peer_id = a->session.peer_id;
	else if (b->state == BGP_FSM_OPENCONFIRM)
		peer_id = b->session.peer_id;
	else
		peer_id = a->cfg.peer_id;
	if (peer_id == 0)
		return BGP_FSM_COLLISION_NONE;
	if (a->outgoing == b->outgoing)
		return BGP_FSM_COLLISION_CLOSE_B;

	local_id = a->cfg.router_id;
	if (local_id != peer_id)
		keep_ours = local_id > peer_id;
	else
		keep_ours = a->cfg.local_as > a->cfg.peer_as;
	ours = a->outgoing ? a : b;
	return close_fsm(keep_ours ? (ours == a ? b : a) : ours, a);
}

void bgp_fsm_adopt(struct bgp_fsm *main_fsm, const struct bgp_fsm *survivor)
{
	struct bgp_fsm_config cfg = main_fsm->cfg;
	uint32_t failures = main_fsm->failures, overflows = main_fsm->overflows;
	bool bfd_up = main_fsm->bfd_up;

	if (main_fsm == survivor)
		return;
	*main_fsm = *survivor;
	/* BFD's state is the peer's, fed to main since it started: a
	 * second FSM (bgp_fsm_init_incoming) only saw events since then. */
	main_fsm->bfd_up = bfd_up;
	/* The admin state lives in main's config: the loser's Cease set none. */
	main_fsm->cfg = cfg;
	main_fsm->failures = failures;
	main_fsm->overflows = overflows;
	main_fsm->oneshot = false;
}
