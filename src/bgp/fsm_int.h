/*
 * Internals shared by fsm.c, fsm_open.c and fsm_collision.c. Not for the
 * peer layer: use fsm.h.
 */
#ifndef BERTH_BGP_FSM_INT_H
#define BERTH_BGP_FSM_INT_H

#include "bgp/fsm.h"

/* 0 or -EINVAL: a config the FSM cannot run. */
int fsm_config_check(const struct bgp_fsm_config *cfg);

/* The OPEN we send for cfg (RFC 4271 section 4.2, RFC 6793 section 4.1). */
void fsm_open_build(const struct bgp_fsm_config *cfg, struct bgp_open *o);

/*
 * Checks the peer's OPEN against cfg (RFC 4271 section 6.2) and fills *s
 * with what the session negotiated. Returns 0, or -EPROTO with the
 * NOTIFICATION to send in out->notif_* (flag set).
 */
int fsm_open_accept(const struct bgp_fsm_config *cfg, const struct bgp_open *peer,
                    struct bgp_fsm_session *s, struct bgp_fsm_actions *out);

#endif
