/*
 * Connection collisions (RFC 4271 section 6.8): the pure decision
 * function case by case, then two simulated speakers that connect to
 * each other at the same time, talking through the real codec and
 * following the caller protocol documented in fsm.h. Both must keep the
 * same single connection: the one the higher BGP identifier initiated.
 */
#include "test_bgp_fsm_util.h"

/* An FSM in state s whose connection went the given way. */
static void make(struct bgp_fsm *f, enum bgp_fsm_state s, bool outgoing)
{
	struct bgp_fsm_config cfg = cfg_base();

	if (outgoing) {
		fsm_reach(f, &cfg, s, 0);
		return;
	}
	assert_int_equal(bgp_fsm_init_incoming(f, &cfg, 0), 0);
	if (s >= BGP_FSM_OPENSENT) {
		struct bgp_fsm_actions a;
		struct bgp_msg m = open_msg();

		assert_int_equal(fsm_ev(f, BGP_FSM_EV_TCP_ACCEPTED, 0, &a), 0);
		if (s >= BGP_FSM_OPENCONFIRM)
			assert_int_equal(fsm_msg(f, &m, 0, &a), 0);
		if (s >= BGP_FSM_ESTABLISHED) {
			m = simple_msg(BGP_MSG_KEEPALIVE);
			assert_int_equal(fsm_msg(f, &m, 0, &a), 0);
		}
	}
	assert_int_equal(f->state, s);
}

static void test_accept_decision(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm f;

	(void)state;
	fsm_reach(&f, &cfg, BGP_FSM_IDLE, 0);
	assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_REFUSE);
	fsm_reach(&f, &cfg, BGP_FSM_ACTIVE, 0);
	assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_HERE);
	for (enum bgp_fsm_state s = BGP_FSM_CONNECT; s <= BGP_FSM_ESTABLISHED; s++) {
		if (s == BGP_FSM_ACTIVE)
			continue;
		fsm_reach(&f, &cfg, s, 0);
		assert_int_equal(bgp_fsm_accept(&f), BGP_FSM_ACCEPT_SECOND);
	}
}

static void test_higher_id_keeps_its_connection(void **state)
{
	struct bgp_fsm out, in;

	(void)state;
	/* We are 10.0.0.1 < peer 10.0.0.2: the peer's connection (ours
	 * incoming) survives, whichever FSM is a. */
	make(&out, BGP_FSM_OPENCONFIRM, true);
	make(&in, BGP_FSM_OPENCONFIRM, false);
	assert_int_equal(bgp_fsm_collision(&out, &in), BGP_FSM_COLLISION_CLOSE_A);
	assert_int_equal(bgp_fsm_collision(&in, &out), BGP_FSM_COLLISION_CLOSE_B);

	/* Raise our id above the peer's: now ours wins. */
	out.cfg.router_id = 0x0a0000ffu;
	in.cfg.router_id = 0x0a0000ffu;
	assert_int_equal(bgp_fsm_collision(&out, &in), BGP_FSM_COLLISION_CLOSE_B);
	assert_int_equal(bgp_fsm_collision(&in, &out), BGP_FSM_COLLISION_CLOSE_A);

	/* One side still OpenSent: the other's OPEN told us the peer id. */
	make(&out, BGP_FSM_OPENSENT, true);
	make(&in, BGP_FSM_OPENCONFIRM, false);
	assert_int_equal(bgp_fsm_collision(&out, &in), BGP_FSM_COLLISION_CLOSE_A);
}

static void test_equal_ids_compare_as(void **state)
{
	struct bgp_fsm out, in;

	(void)state;
	make(&out, BGP_FSM_OPENCONFIRM, true);
	make(&in, BGP_FSM_OPENCONFIRM, false);
	out.session.peer_id = in.session.peer_id = LOCAL_ID;
	/* RFC 6286 2.3: AS 65001 < 65002, the peer keeps its connection. */
	assert_int_equal(bgp_fsm_collision(&out, &in), BGP_FSM_COLLISION_CLOSE_A);
	out.cfg.local_as = in.cfg.local_as = 65100;
	assert_int_equal(bgp_fsm_collision(&out, &in), BGP_FSM_COLLISION_CLOSE_B);
}

static void test_undecided_cases(void **state)
{
	struct bgp_fsm a, b;

	(void)state;
	/* Peer id unknown on both: wait for an OPEN. */
	make(&a, BGP_FSM_OPENSENT, true);
	make(&b, BGP_FSM_OPENSENT, false);
	assert_int_equal(bgp_fsm_collision(&a, &b), BGP_FSM_COLLISION_NONE);
	/* ... unless configured: "means outside the protocol" (6.8). */
	a.cfg.peer_id = PEER_ID;
	assert_int_equal(bgp_fsm_collision(&a, &b), BGP_FSM_COLLISION_CLOSE_A);

	/* No BGP connection yet on one side. */
	make(&a, BGP_FSM_CONNECT, true);
	make(&b, BGP_FSM_OPENCONFIRM, false);
	assert_int_equal(bgp_fsm_collision(&a, &b), BGP_FSM_COLLISION_NONE);
	assert_int_equal(bgp_fsm_collision(&a, &a), BGP_FSM_COLLISION_NONE);
	assert_int_equal(bgp_fsm_collision(NULL, &a), BGP_FSM_COLLISION_NONE);

	/* Two connections in the same direction: the newer goes. */
	make(&a, BGP_FSM_OPENCONFIRM, false);
	make(&b, BGP_FSM_OPENCONFIRM, false);
	assert_int_equal(bgp_fsm_collision(&a, &b), BGP_FSM_COLLISION_CLOSE_B);
}

static void test_established_wins(void **state)
{
	struct bgp_fsm up, other;

	(void)state;
	for (enum bgp_fsm_state s = BGP_FSM_IDLE; s < BGP_FSM_ESTABLISHED; s++) {
		make(&up, BGP_FSM_ESTABLISHED, true);
		if (s == BGP_FSM_IDLE || s == BGP_FSM_CONNECT)
			make(&other, s, true);
		else
			make(&other, s, false);
		assert_int_equal(bgp_fsm_collision(&up, &other), BGP_FSM_COLLISION_CLOSE_B);
		assert_int_equal(bgp_fsm_collision(&other, &up), BGP_FSM_COLLISION_CLOSE_A);
	}
	make(&up, BGP_FSM_ESTABLISHED, true);
	make(&other, BGP_FSM_ESTABLISHED, false);
	assert_int_equal(bgp_fsm_collision(&up, &other), BGP_FSM_COLLISION_CLOSE_B);
}

/* RFC 4724 4.2: a GR peer reconnecting means it restarted. */
static void test_graceful_restart_new_session_wins(void **state)
{
	struct bgp_fsm up, other;

	(void)state;
	make(&up, BGP_FSM_ESTABLISHED, true);
	up.session.gr_peer = true;
	make(&other, BGP_FSM_OPENSENT, false);
	assert_int_equal(bgp_fsm_collision(&up, &other), BGP_FSM_COLLISION_NONE);
	make(&other, BGP_FSM_OPENCONFIRM, false);
	other.session.gr_peer = true;
	assert_int_equal(bgp_fsm_collision(&up, &other), BGP_FSM_COLLISION_CLOSE_A);
	other.session.gr_peer = false;
	assert_int_equal(bgp_fsm_collision(&up, &other), BGP_FSM_COLLISION_CLOSE_B);
}

static void test_incoming_fsm_is_oneshot_and_adopt(void **state)
{
	struct bgp_fsm_config cfg = cfg_base();
	struct bgp_fsm main_fsm, in;
	struct bgp_fsm_actions a;

	(void)state;
	make(&in, BGP_FSM_OPENSENT, false);
	assert_int_equal(fsm_ev(&in, BGP_FSM_EV_TCP_CLOSED, 10, &a), 0);
	assert_int_equal(in.state, BGP_FSM_IDLE);
	assert_int_equal(bgp_fsm_next_deadline(&in), BGP_FSM_NEVER);
	assert_int_equal(fsm_ev(&in, BGP_FSM_EV_MANUAL_START, 20, &a), 0);
	assert_int_equal(in.state, BGP_FSM_IDLE);

	fsm_reach(&main_fsm, &cfg, BGP_FSM_CONNECT, 0);
	main_fsm.failures = 3;
	make(&in, BGP_FSM_ESTABLISHED, false);
	assert_int_equal(bgp_fsm_collision(&main_fsm, &in), BGP_FSM_COLLISION_CLOSE_A);
	assert_int_equal(fsm_ev(&main_fsm, BGP_FSM_EV_COLLISION_LOST, 30, &a), 0);
	assert_int_equal(a.flags, BGP_FSM_ACT_CLOSE); /* abort the connect */
	bgp_fsm_adopt(&main_fsm, &in);
	assert_int_equal(main_fsm.state, BGP_FSM_ESTABLISHED);
	assert_false(main_fsm.oneshot);
	assert_int_equal(main_fsm.failures, 3);
	/* The adopted FSM restarts by itself after a failure. */
	assert_int_equal(fsm_ev(&main_fsm, BGP_FSM_EV_TCP_CLOSED, 40, &a), 0);
	assert_true(bgp_fsm_next_deadline(&main_fsm) != BGP_FSM_NEVER);
}

/* ---- two speakers connecting to each other at once ---- */

#define QMAX 64

struct speaker {
	struct bgp_fsm fsm[2]; /* [0] main, [1] second */
	int conn[2];           /* connection each one uses, -1 none */
	bool has_second;
	int side;
};

struct item {
	int conn, to_side;
	bool closed; /* a TCP close instead of bytes */
	uint8_t buf[BGP_MAX_MSG_LEN];
	size_t len;
};

struct net {
	struct speaker sp[2];
	struct item q[QMAX];
	size_t head, tail;
	uint64_t now;
	bool conn_closed[2];
};

static struct item *push(struct net *n, int conn, int to_side)
{
	struct item *it;

	assert_true(n->tail < QMAX);
	it = &n->q[n->tail++];
	memset(it, 0, sizeof(*it));
	it->conn = conn;
	it->to_side = to_side;
	return it;
}

static void run_actions(struct net *n, int side, int conn, const struct bgp_fsm_actions *a)
{
	struct item *it;

	if (a->flags & BGP_FSM_ACT_SEND_OPEN) {
		it = push(n, conn, !side);
		it->len = (size_t)bgp_open_encode(it->buf, sizeof(it->buf), &a->open);
		assert_true(it->len > 0 && it->len < sizeof(it->buf));
	}
	if (a->flags & BGP_FSM_ACT_SEND_KEEPALIVE) {
		it = push(n, conn, !side);
		it->len = (size_t)bgp_keepalive_encode(it->buf, sizeof(it->buf));
	}
	if (a->flags & BGP_FSM_ACT_SEND_NOTIFICATION) {
		it = push(n, conn, !side);
		it->len = (size_t)bgp_notification_encode(it->buf, sizeof(it->buf), a->notif_code,
		                                          a->notif_subcode, a->notif_data,
		                                          a->notif_data_len);
	}
	if ((a->flags & BGP_FSM_ACT_CLOSE) && !n->conn_closed[conn]) {
		n->conn_closed[conn] = true;
		push(n, conn, !side)->closed = true;
	}
	assert_false(a->flags & BGP_FSM_ACT_CONNECT);
}

/* The caller protocol of fsm.h, after every event on a speaker. */
static void resolve(struct net *n, struct speaker *s)
{
	struct bgp_fsm_actions a;
	enum bgp_fsm_collision c;

	if (!s->has_second)
		return;
	c = bgp_fsm_collision(&s->fsm[0], &s->fsm[1]);
	if (c == BGP_FSM_COLLISION_CLOSE_B) {
		assert_int_equal(fsm_ev(&s->fsm[1], BGP_FSM_EV_COLLISION_LOST, n->now, &a), 0);
		run_actions(n, s->side, s->conn[1], &a);
		s->has_second = false;
	} else if (c == BGP_FSM_COLLISION_CLOSE_A) {
		assert_int_equal(fsm_ev(&s->fsm[0], BGP_FSM_EV_COLLISION_LOST, n->now, &a), 0);
		run_actions(n, s->side, s->conn[0], &a);
		bgp_fsm_adopt(&s->fsm[0], &s->fsm[1]);
		s->conn[0] = s->conn[1];
		s->has_second = false;
	} else if (s->fsm[1].state == BGP_FSM_IDLE) {
		s->has_second = false;
	}
}

static void deliver(struct net *n, const struct item *it)
{
	struct speaker *s = &n->sp[it->to_side];
	struct bgp_fsm_actions a;
	struct bgp_fsm *f = NULL;
	struct bgp_msg m;
	struct bgp_error e;

	for (int i = 0; i < 1 + s->has_second; i++)
		if (s->conn[i] == it->conn)
			f = &s->fsm[i];
	if (!f || f->state < BGP_FSM_OPENSENT)
		return; /* that end is gone */
	if (it->closed) {
		assert_int_equal(fsm_ev(f, BGP_FSM_EV_TCP_CLOSED, n->now, &a), 0);
	} else if (bgp_msg_decode(it->buf, it->len, &f->session.params, &m, &e) == 0) {
		assert_int_equal(fsm_msg(f, &m, n->now, &a), 0);
	} else {
		assert_int_equal(fsm_err(f, &e, n->now, &a), 0);
	}
	run_actions(n, it->to_side, it->conn, &a);
	resolve(n, s);
}

static void simultaneous_open(uint32_t id0, uint32_t id1, int winner_conn)
{
	struct net n;
	struct bgp_fsm_actions a;

	memset(&n, 0, sizeof(n));
	for (int side = 0; side < 2; side++) {
		struct bgp_fsm_config c = cfg_base();
		struct speaker *s = &n.sp[side];

		c.local_as = side ? PEER_AS : LOCAL_AS;
		c.peer_as = side ? LOCAL_AS : PEER_AS;
		c.router_id = side ? id1 : id0;
		s->side = side;
		s->conn[0] = s->conn[1] = -1;
		assert_int_equal(bgp_fsm_init(&s->fsm[0], &c, 0), 0);
		/* Both connect at once: conn <side> is initiated by <side>. */
		assert_int_equal(fsm_ev(&s->fsm[0], BGP_FSM_EV_TIMER, 0, &a), 0);
		assert_int_equal(a.flags, BGP_FSM_ACT_CONNECT);
		s->conn[0] = side;
	}
	for (int side = 0; side < 2; side++) {
		struct speaker *s = &n.sp[side], *peer = &n.sp[!side];

		/* Our connect completes ... */
		assert_int_equal(fsm_ev(&s->fsm[0], BGP_FSM_EV_TCP_CONNECTED, 0, &a), 0);
		run_actions(&n, side, side, &a);
		/* ... and the peer accepts it while its own is in progress. */
		assert_int_equal(bgp_fsm_accept(&peer->fsm[0]), BGP_FSM_ACCEPT_SECOND);
		assert_int_equal(bgp_fsm_init_incoming(&peer->fsm[1], &peer->fsm[0].cfg, 0), 0);
		assert_int_equal(fsm_ev(&peer->fsm[1], BGP_FSM_EV_TCP_ACCEPTED, 0, &a), 0);
		peer->has_second = true;
		peer->conn[1] = side;
		run_actions(&n, !side, side, &a);
	}
	while (n.head < n.tail) {
		n.now += 10;
		deliver(&n, &n.q[n.head++]);
	}
	for (int side = 0; side < 2; side++) {
		assert_false(n.sp[side].has_second);
		assert_int_equal(n.sp[side].fsm[0].state, BGP_FSM_ESTABLISHED);
		assert_int_equal(n.sp[side].conn[0], winner_conn);
	}
	assert_false(n.conn_closed[winner_conn]);
	assert_true(n.conn_closed[!winner_conn]);
}

static void test_simultaneous_open(void **state)
{
	(void)state;
	/* Connection <i> is initiated by speaker i; the higher id's survives. */
	simultaneous_open(0x0a000001u, 0x0a000002u, 1);
	simultaneous_open(0x0a000002u, 0x0a000001u, 0);
	/* Compared as unsigned 32-bit numbers. */
	simultaneous_open(0xc0000001u, 0x0a000001u, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accept_decision),
	    cmocka_unit_test(test_higher_id_keeps_its_connection),
	    cmocka_unit_test(test_equal_ids_compare_as),
	    cmocka_unit_test(test_undecided_cases),
	    cmocka_unit_test(test_established_wins),
	    cmocka_unit_test(test_graceful_restart_new_session_wins),
	    cmocka_unit_test(test_incoming_fsm_is_oneshot_and_adopt),
	    cmocka_unit_test(test_simultaneous_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
