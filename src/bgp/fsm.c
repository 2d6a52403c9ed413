/*
 * BGP FSM transitions, RFC 4271 section 8.2.2. Pure: the state, the
 * timers (absolute ms deadlines) and the backoff counter live in the
 * caller's struct bgp_fsm; time and randomness come in with each event.
 *
 * Simplifications against the RFC's full event list: no DelayOpen, no
 * collision detection inside one FSM (see fsm_collision.c), automatic
 * restart with backoff instead of AutomaticStart events, and
 * DampPeerOscillations reduced to the doubling backoff plus a doubling
 * IdleHoldTimer after a prefix-limit Cease (see prefix_limit below).
 */
#include "bgp/fsm_int.h"

#include <errno.h>
#include <string.h>

/* RFC 6608 section 3: FSM error subcodes. */
enum {
	FSM_ERR_OPENSENT = 1,
	FSM_ERR_OPENCONFIRM = 2,
	FSM_ERR_ESTABLISHED = 3,
};

void bgp_fsm_config_defaults(struct bgp_fsm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->hold_time = BGP_FSM_HOLD_DEFAULT;
	cfg->retry_start_ms = BGP_FSM_RETRY_START_MS;
	cfg->retry_max_ms = BGP_FSM_RETRY_MAX_MS;
	cfg->backoff_reset_ms = BGP_FSM_BACKOFF_RESET_MS;
	cfg->idle_hold_ms = BGP_FSM_IDLE_HOLD_MS;
	cfg->idle_hold_max_ms = BGP_FSM_IDLE_HOLD_MAX_MS;
	cfg->idle_hold_reset_ms = BGP_FSM_IDLE_HOLD_RESET_MS;
}

static void timers_off(struct bgp_fsm *f)
{
	f->retry_at = BGP_FSM_NEVER;
	f->hold_at = BGP_FSM_NEVER;
	f->keepalive_at = BGP_FSM_NEVER;
}

int bgp_fsm_init(struct bgp_fsm *fsm, const struct bgp_fsm_config *cfg, uint64_t now_ms)
{
	int rc = fsm_config_check(cfg);

	if (rc < 0 || !fsm)
		return -EINVAL;
	memset(fsm, 0, sizeof(*fsm));
	fsm->cfg = *cfg;
	fsm->state = BGP_FSM_IDLE;
	timers_off(fsm);
	/* Start on the first TIMER event so that init itself has no actions. */
	if (!cfg->admin_down)
		fsm->retry_at = now_ms;
	return 0;
}

int bgp_fsm_init_incoming(struct bgp_fsm *fsm, const struct bgp_fsm_config *cfg, uint64_t now_ms)
{
	int rc = bgp_fsm_init(fsm, cfg, now_ms);

	if (rc < 0)
		return rc;
	fsm->state = BGP_FSM_ACTIVE;
	fsm->oneshot = true;
	fsm->retry_at = BGP_FSM_NEVER;
	return 0;
}

/*
 * Delay before the next attempt: doubling per consecutive failure up to
 * the cap, then jittered into [0.75, 1] of that (RFC 4271 section 10).
 */
static uint64_t backoff(struct bgp_fsm *f, uint32_t rand)
{
	uint64_t d = f->cfg.retry_start_ms;

	for (uint32_t i = 0; i < f->failures && d < f->cfg.retry_max_ms; i++)
		d <<= 1;
	if (d > f->cfg.retry_max_ms)
		d = f->cfg.retry_max_ms;
	if (f->failures < UINT32_MAX)
		f->failures++;
	return d - (((d / 4) * (uint64_t)(UINT32_MAX - rand)) >> 32);
}

static void notify(struct bgp_fsm_actions *out, uint8_t code, uint8_t subcode, const uint8_t *data,
                   size_t len)
{
	out->flags |= BGP_FSM_ACT_SEND_NOTIFICATION;
	out->notif_code = code;
	out->notif_subcode = subcode;
	if (len > sizeof(out->notif_data))
		len = sizeof(out->notif_data);
	if (len && data)
		memcpy(out->notif_data, data, len);
	out->notif_data_len = data ? (uint16_t)len : 0;
}

static void set_down(struct bgp_fsm *f, struct bgp_fsm_actions *out, enum bgp_fsm_reason r,
                     uint8_t code, uint8_t subcode)
{
	out->down.reason = r;
	out->down.code = code;
	out->down.subcode = subcode;
	f->down = out->down;
}

static void do_connect(struct bgp_fsm *f, uint64_t now, struct bgp_fsm_actions *out)
{
	f->state = BGP_FSM_CONNECT;
	/* The connect itself may take at most ConnectRetryTime. */
	f->retry_at = now + f->cfg.retry_max_ms;
	out->flags |= BGP_FSM_ACT_CONNECT;
}

static void start(struct bgp_fsm *f, uint64_t now, struct bgp_fsm_actions *out)
{
	timers_off(f);
	f->idle_hold = false;
	if (f->cfg.bfd_strict && !f->bfd_up) {
		/* RFC 5882 section 4.3: wait in Idle (refusing connections)
		 * until BFD_UP, which calls start again. */
		f->state = BGP_FSM_IDLE;
		return;
	}
	if (f->cfg.passive) {
		/* RFC 4271 8.1.1: passive peers only listen, in Active. */
		f->state = BGP_FSM_ACTIVE;
		return;
	}
	do_connect(f, now, out);
}

/*
 * The connection (or attempt) ended by failure. RFC 4271 8.2.2 sends
 * Connect and OpenSent back to Active on a TCP failure (still accepting
 * the peer's connection) and every other failure to Idle; from there we
 * restart on our own after the backoff delay.
 */
static void conn_end(struct bgp_fsm *f, uint64_t now, uint32_t rand, struct bgp_fsm_actions *out,
                     enum bgp_fsm_reason r, uint8_t code, uint8_t subcode, bool to_active)
{
	uint64_t delay;

	if (f->state == BGP_FSM_ESTABLISHED) {
		out->flags |= BGP_FSM_ACT_SESSION_DOWN;
		if (now - f->established_at >= f->cfg.backoff_reset_ms)
			f->failures = 0;
		if (now - f->established_at >= f->cfg.idle_hold_reset_ms)
			f->overflows = 0;
	}
	out->flags |= BGP_FSM_ACT_CLOSE;
	set_down(f, out, r, code, subcode);
	timers_off(f);
	if (f->oneshot) {
		f->state = BGP_FSM_IDLE;
		return;
	}
	delay = backoff(f, rand);
	if (to_active) {
		f->state = BGP_FSM_ACTIVE;
		if (!f->cfg.passive)
			f->retry_at = now + delay;
	} else {
		f->state = BGP_FSM_IDLE;
		f->retry_at = now + delay;
	}
}

static void protocol_error(struct bgp_fsm *f, uint64_t now, uint32_t rand,
                           struct bgp_fsm_actions *out, uint8_t code, uint8_t subcode,
                           const uint8_t *data, size_t len)
{
	notify(out, code, subcode, data, len);
	conn_end(f, now, rand, out, BGP_FSM_R_PROTOCOL_ERROR, code, subcode, false);
}

static void fsm_error(struct bgp_fsm *f, uint64_t now, uint32_t rand, struct bgp_fsm_actions *out)
{
	uint8_t sub = f->state == BGP_FSM_OPENSENT      ? FSM_ERR_OPENSENT
	              : f->state == BGP_FSM_OPENCONFIRM ? FSM_ERR_OPENCONFIRM
	                                                : FSM_ERR_ESTABLISHED;

	protocol_error(f, now, rand, out, BGP_ERR_FSM, sub, NULL, 0);
}

/*
 * Administrative end (stop, deconfigure, config change, collision): Cease
 * with the RFC 4486 subcode once an OPEN went out, then Idle with no
 * restart timer.
 */
static void shut(struct bgp_fsm *f, struct bgp_fsm_actions *out, enum bgp_fsm_reason r,
                 uint8_t cease_subcode)
{
	bool notified = f->state >= BGP_FSM_OPENSENT;

	if (notified)
		notify(out, BGP_ERR_CEASE, cease_subcode, NULL, 0);
	if (f->state != BGP_FSM_IDLE && f->state != BGP_FSM_ACTIVE)
		out->flags |= BGP_FSM_ACT_CLOSE;
	if (f->state == BGP_FSM_ESTABLISHED)
		out->flags |= BGP_FSM_ACT_SESSION_DOWN;
	if (f->state != BGP_FSM_IDLE)
		set_down(f, out, r, notified ? BGP_ERR_CEASE : 0, notified ? cease_subcode : 0);
	f->state = BGP_FSM_IDLE;
	f->idle_hold = false;
	timers_off(f);
}

/* idle_hold_ms doubled per earlier consecutive overflow, capped. */
static uint64_t idle_hold_delay(struct bgp_fsm *f)
{
	uint64_t d = f->cfg.idle_hold_ms, cap = f->cfg.idle_hold_max_ms;

	if (cap < d)
		cap = d;
	for (uint32_t i = 0; i < f->overflows && d < cap; i++)
		d <<= 1;
	if (d > cap)
		d = cap;
	if (f->overflows < UINT32_MAX)
		f->overflows++;
	return d;
}

/*
 * RFC 4486 section 4 / RFC 4271 8.1.1: the peer sent more prefixes than
 * we keep. Reconnecting at once would only make it send its whole table
 * again, so the FSM stays Idle for the idle hold (FRR's maximum-prefix
 * restart; doubling on repeats as BIRD's error wait time does); Idle
 * refuses the peer's connections meanwhile (bgp_fsm_accept).
 */
static int prefix_limit(struct bgp_fsm *f, const struct bgp_error *e, uint64_t now, uint32_t rand,
                        struct bgp_fsm_actions *out)
{
	uint64_t hold;

	if (!e)
		return -EINVAL;
	/* Received routes are counted only while Established. */
	if (f->state != BGP_FSM_ESTABLISHED)
		return 0;
	notify(out, e->code, e->subcode, e->data,
	       e->data_len < sizeof(e->data) ? e->data_len : sizeof(e->data));
	conn_end(f, now, rand, out, BGP_FSM_R_PREFIX_LIMIT, e->code, e->subcode, false);
	if (f->oneshot || !f->cfg.idle_hold_ms)
		return 0;
	hold = idle_hold_delay(f);
	f->retry_at = now + hold;
	f->idle_hold = true;
	out->idle_hold_ms = (uint32_t)hold;
	return 0;
}

/* The operator acted on the limit: forgive, and end a hold at once. */
static int limits_changed(struct bgp_fsm *f, const struct bgp_fsm_config *cfg, uint64_t now,
                          struct bgp_fsm_actions *out)
{
	if (!cfg)
		return -EINVAL;
	f->cfg.idle_hold_ms = cfg->idle_hold_ms;
	f->cfg.idle_hold_max_ms = cfg->idle_hold_max_ms;
	f->cfg.idle_hold_reset_ms = cfg->idle_hold_reset_ms;
	f->overflows = 0;
	if (f->state == BGP_FSM_IDLE && f->idle_hold && !f->oneshot && !f->cfg.admin_down) {
		f->failures = 0;
		start(f, now, out);
	}
	return 0;
}

/*
 * RFC 5882 section 4.3 / RFC 9384: BFD saw the path to the peer fail; the
 * session ends now rather than when the hold timer runs out, with Cease
 * subcode 10, and restarts as after any failure. Up only matters to a
 * strict FSM waiting in Idle for it.
 */
static void bfd_changed(struct bgp_fsm *f, bool up, uint64_t now, uint32_t rand,
                        struct bgp_fsm_actions *out)
{
	f->bfd_up = up;
	if (up) {
		if (f->cfg.bfd_strict && f->state == BGP_FSM_IDLE && f->retry_at == BGP_FSM_NEVER &&
		    !f->idle_hold && !f->oneshot && !f->cfg.admin_down)
			start(f, now, out);
		return;
	}
	if (f->state >= BGP_FSM_OPENSENT) {
		notify(out, BGP_ERR_CEASE, BGP_ERR_CEASE_BFD_DOWN, NULL, 0);
		conn_end(f, now, rand, out, BGP_FSM_R_BFD_DOWN, BGP_ERR_CEASE,
		         BGP_ERR_CEASE_BFD_DOWN, false);
	} else if (f->cfg.bfd_strict && f->state != BGP_FSM_IDLE) {
		conn_end(f, now, rand, out, BGP_FSM_R_BFD_DOWN, 0, 0, false);
	}
}

static void open_sent(struct bgp_fsm *f, uint64_t now, bool outgoing, struct bgp_fsm_actions *out)
{
	f->outgoing = outgoing;
	fsm_open_build(&f->cfg, &out->open);
	out->flags |= BGP_FSM_ACT_SEND_OPEN;
	f->state = BGP_FSM_OPENSENT;
	timers_off(f);
	/* RFC 4271 8.2.2: a large hold time until the peer's OPEN arrives. */
	f->hold_at = now + BGP_FSM_OPEN_HOLD_MS;
}

static void hold_restart(struct bgp_fsm *f, uint64_t now)
{
	f->hold_at =
	    f->session.hold_time ? now + (uint64_t)f->session.hold_time * 1000 : BGP_FSM_NEVER;
}

static void keepalive_restart(struct bgp_fsm *f, uint64_t now)
{
	f->keepalive_at = f->session.keepalive_time
	                      ? now + (uint64_t)f->session.keepalive_time * 1000
	                      : BGP_FSM_NEVER;
}

static void on_open(struct bgp_fsm *f, const struct bgp_open *o, uint64_t now, uint32_t rand,
                    struct bgp_fsm_actions *out)
{
	if (fsm_open_accept(&f->cfg, o, &f->session, out) < 0) {
		conn_end(f, now, rand, out, BGP_FSM_R_PROTOCOL_ERROR, out->notif_code,
		         out->notif_subcode, false);
		return;
	}
	/* RFC 4271 8.2.2: acknowledge the OPEN, go to OpenConfirm. */
	out->flags |= BGP_FSM_ACT_SEND_KEEPALIVE;
	f->state = BGP_FSM_OPENCONFIRM;
	hold_restart(f, now);
	keepalive_restart(f, now);
}

static int ev_msg(struct bgp_fsm *f, const struct bgp_msg *m, uint64_t now, uint32_t rand,
                  struct bgp_fsm_actions *out)
{
	if (!m)
		return -EINVAL;
	if (f->state < BGP_FSM_OPENSENT)
		return 0;
	if (m->type == BGP_MSG_NOTIFICATION) {
		conn_end(f, now, rand, out, BGP_FSM_R_NOTIF_RECEIVED, m->u.notification.code,
		         m->u.notification.subcode, false);
		return 0;
	}
	switch (f->state) {
	case BGP_FSM_OPENSENT:
		if (m->type == BGP_MSG_OPEN)
			on_open(f, &m->u.open, now, rand, out);
		else
			fsm_error(f, now, rand, out);
		break;
	case BGP_FSM_OPENCONFIRM:
		if (m->type != BGP_MSG_KEEPALIVE) {
			fsm_error(f, now, rand, out);
			break;
		}
		f->state = BGP_FSM_ESTABLISHED;
		f->established_at = now;
		hold_restart(f, now);
		out->flags |= BGP_FSM_ACT_SESSION_UP;
		out->session = f->session;
		break;
	case BGP_FSM_ESTABLISHED:
		/* RFC 4271 4.4: KEEPALIVE and UPDATE restart the hold timer;
		 * so does a ROUTE-REFRESH, which proves the peer alive too. */
		if (m->type == BGP_MSG_KEEPALIVE || m->type == BGP_MSG_UPDATE ||
		    m->type == BGP_MSG_ROUTE_REFRESH)
			hold_restart(f, now);
		else
			fsm_error(f, now, rand, out);
		break;
	default:
		break;
	}
	return 0;
}

static int ev_msg_error(struct bgp_fsm *f, const struct bgp_error *e, uint64_t now, uint32_t rand,
                        struct bgp_fsm_actions *out)
{
	if (!e)
		return -EINVAL;
	if (f->state < BGP_FSM_OPENSENT)
		return 0;
	/*
	 * RFC 7606 section 2: attribute discard and treat-as-withdraw keep
	 * the session up; the UPDATE still counts as a sign of life.
	 */
	if (e->action == BGP_UPD_ATTR_DISCARD || e->action == BGP_UPD_TREAT_AS_WITHDRAW) {
		if (f->state == BGP_FSM_ESTABLISHED)
			hold_restart(f, now);
		else
			fsm_error(f, now, rand, out);
		return 0;
	}
	protocol_error(f, now, rand, out, e->code, e->subcode, e->data,
	               e->data_len < sizeof(e->data) ? e->data_len : sizeof(e->data));
	return 0;
}

static void ev_timer(struct bgp_fsm *f, uint64_t now, uint32_t rand, struct bgp_fsm_actions *out)
{
	switch (f->state) {
	case BGP_FSM_IDLE:
		if (f->retry_at > now)
			return;
		f->retry_at = BGP_FSM_NEVER;
		if (!f->oneshot && !f->cfg.admin_down)
			start(f, now, out);
		return;
	case BGP_FSM_CONNECT:
		if (f->retry_at > now)
			return;
		/* RFC 4271 8.2.2 Connect, ConnectRetryTimer_Expires: retry. */
		if (f->failures < UINT32_MAX)
			f->failures++;
		out->flags |= BGP_FSM_ACT_CLOSE;
		set_down(f, out, BGP_FSM_R_CONNECT_TIMEOUT, 0, 0);
		do_connect(f, now, out);
		return;
	case BGP_FSM_ACTIVE:
		if (f->retry_at <= now)
			do_connect(f, now, out);
		return;
	default:
		break;
	}
	if (f->hold_at <= now) {
		/* RFC 4271 6.5: Hold Timer Expired, no data. */
		notify(out, BGP_ERR_HOLD, 0, NULL, 0);
		conn_end(f, now, rand, out, BGP_FSM_R_HOLD_EXPIRED, BGP_ERR_HOLD, 0, false);
		return;
	}
	if (f->keepalive_at <= now) {
		out->flags |= BGP_FSM_ACT_SEND_KEEPALIVE;
		keepalive_restart(f, now);
	}
}

static int ev_config(struct bgp_fsm *f, const struct bgp_fsm_config *cfg, uint64_t now,
                     struct bgp_fsm_actions *out)
{
	bool was_down = f->cfg.admin_down;

	if (fsm_config_check(cfg) < 0)
		return -EINVAL;
	if (cfg->admin_down) {
		if (!was_down)
			shut(f, out, BGP_FSM_R_ADMIN_STOP, BGP_ERR_CEASE_ADMIN_SHUTDOWN);
		f->cfg = *cfg;
		f->failures = 0;
		f->overflows = 0;
		return 0;
	}
	/*
	 * Waiting out a backoff or an idle hold: the new config applies on
	 * the restart (new AS numbers or timers do not make the peer send
	 * fewer prefixes; LIMITS_CHANGED and admin actions end a hold).
	 */
	if (f->state == BGP_FSM_IDLE && !was_down) {
		f->cfg = *cfg;
		return 0;
	}
	if (f->state != BGP_FSM_IDLE)
		shut(f, out, BGP_FSM_R_CONFIG_CHANGED, BGP_ERR_CEASE_CONFIG_CHANGE);
	f->cfg = *cfg;
	f->failures = 0;
	if (!f->oneshot)
		start(f, now, out);
	return 0;
}

int bgp_fsm_handle(struct bgp_fsm *fsm, const struct bgp_fsm_event *ev, uint64_t now_ms,
                   struct bgp_fsm_actions *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!fsm || !ev)
		return -EINVAL;

	switch (ev->type) {
	case BGP_FSM_EV_MANUAL_START:
		/* An operator's start (admin up) also ends an idle hold. */
		fsm->cfg.admin_down = false;
		if (fsm->state == BGP_FSM_IDLE && !fsm->oneshot) {
			fsm->failures = 0;
			fsm->overflows = 0;
			start(fsm, now_ms, out);
		}
		return 0;
	case BGP_FSM_EV_MANUAL_STOP:
		/* RFC 4271 8.2.2: ManualStop zeroes the ConnectRetryCounter. */
		fsm->cfg.admin_down = true;
		fsm->failures = 0;
		fsm->overflows = 0;
		shut(fsm, out, BGP_FSM_R_ADMIN_STOP, BGP_ERR_CEASE_ADMIN_SHUTDOWN);
		return 0;
	case BGP_FSM_EV_PEER_UNCONFIGURED:
		fsm->cfg.admin_down = true;
		shut(fsm, out, BGP_FSM_R_PEER_UNCONFIGURED, BGP_ERR_CEASE_PEER_DECONF);
		return 0;
	case BGP_FSM_EV_CONFIG_CHANGED:
		return ev_config(fsm, ev->cfg, now_ms, out);
	case BGP_FSM_EV_COLLISION_LOST:
		/* RFC 4271 6.8 / RFC 4486: Cease, Connection Collision Resolution. */
		shut(fsm, out, BGP_FSM_R_COLLISION, BGP_ERR_CEASE_COLLISION);
		return 0;
	case BGP_FSM_EV_TCP_CONNECTED:
		if (fsm->state != BGP_FSM_CONNECT)
			return -EBUSY;
		open_sent(fsm, now_ms, true, out);
		return 0;
	case BGP_FSM_EV_TCP_ACCEPTED:
		if (bgp_fsm_accept(fsm) != BGP_FSM_ACCEPT_HERE)
			return -EBUSY;
		open_sent(fsm, now_ms, false, out);
		return 0;
	case BGP_FSM_EV_TCP_FAILED:
	case BGP_FSM_EV_TCP_CLOSED:
		if (fsm->state == BGP_FSM_IDLE || fsm->state == BGP_FSM_ACTIVE)
			return 0;
		conn_end(fsm, now_ms, ev->rand, out,
		         fsm->state == BGP_FSM_CONNECT ? BGP_FSM_R_TCP_FAILED
		                                       : BGP_FSM_R_TCP_CLOSED,
		         0, 0, fsm->state <= BGP_FSM_OPENSENT);
		return 0;
	case BGP_FSM_EV_MSG:
		return ev_msg(fsm, ev->msg, now_ms, ev->rand, out);
	case BGP_FSM_EV_MSG_ERROR:
		return ev_msg_error(fsm, ev->err, now_ms, ev->rand, out);
	case BGP_FSM_EV_TIMER:
		ev_timer(fsm, now_ms, ev->rand, out);
		return 0;
	case BGP_FSM_EV_PREFIX_LIMIT:
		return prefix_limit(fsm, ev->err, now_ms, ev->rand, out);
	case BGP_FSM_EV_LIMITS_CHANGED:
		return limits_changed(fsm, ev->cfg, now_ms, out);
	case BGP_FSM_EV_BFD_UP:
	case BGP_FSM_EV_BFD_DOWN:
		bfd_changed(fsm, ev->type == BGP_FSM_EV_BFD_UP, now_ms, ev->rand, out);
		return 0;
	case BGP_FSM_EV_BFD_ADMIN_DOWN:
		/* RFC 5882 section 3.2: not a failure, no action; a strict
		 * FSM's next start waits for BFD to come Up again. */
		fsm->bfd_up = false;
		return 0;
	}
	return -EINVAL;
}

uint64_t bgp_fsm_next_deadline(const struct bgp_fsm *fsm)
{
	uint64_t t = fsm->retry_at;

	if (fsm->hold_at < t)
		t = fsm->hold_at;
	if (fsm->keepalive_at < t)
		t = fsm->keepalive_at;
	return t;
}

size_t bgp_fsm_max_msg_len(const struct bgp_fsm *fsm)
{
	/* RFC 8654 section 3: only once both sides advertised it. */
	if (fsm->state == BGP_FSM_ESTABLISHED && fsm->session.params.ext_msg)
		return BGP_MAX_EXT_MSG_LEN;
	return BGP_MAX_MSG_LEN;
}

const char *bgp_fsm_state_name(enum bgp_fsm_state s)
{
	static const char *const names[] = {"Idle",     "Connect",     "Active",
	                                    "OpenSent", "OpenConfirm", "Established"};

	if ((unsigned)s < sizeof(names) / sizeof(names[0]))
		return names[s];
	return "?";
}

const char *bgp_fsm_reason_name(enum bgp_fsm_reason r)
{
	static const char *const names[] = {
	    "none",
	    "administratively stopped",
	    "peer unconfigured",
	    "configuration changed",
	    "connect failed",
	    "connect timed out",
	    "connection closed",
	    "hold timer expired",
	    "notification received",
	    "protocol error",
	    "connection collision",
	    "maximum number of prefixes reached",
	    "BFD down",
	};

	if ((unsigned)r < sizeof(names) / sizeof(names[0]))
		return names[r];
	return "?";
}
