/*
 * What the layer 2 heartbeats cost at scale (issue 12), from the pure
 * pieces: the order of succession (l2/owner.h) says who watches whom, and
 * one membership state machine (l2/member.h) per node, driven with
 * simulated time over a network with no delay and no loss, counts the
 * datagrams each node sends and receives. Run by hand:
 *
 *   build/bench_l2_hb_sim [simulated seconds, default 5]
 *
 * For N nodes (3, 100, 1000, all eligible) and S layer 2 Services (1000,
 * and 10 N), the node at rank i < K = 3 of a Service's order of
 * succession watches ranks 0 .. i-1 (the owner and those between it and
 * the owner): the next in line notices the owner going, the third one
 * notices both. A node's watch set is the union over the Services. The
 * machines run at interval 100 ms, detect_mult 3, nodes starting spread
 * over one interval; datagrams are counted after one second. Each node
 * is given as members only the nodes it watches and those watching it
 * (a speaker knows every node, but the others exchange nothing with it:
 * the same traffic for far less memory at N = 1000).
 *
 * Printed beside it: a full mesh, every node watching every other one,
 * driven the same way up to N = 100 and from the formula 4 (N - 1) /
 * interval above (a PING and an ACK each way per pair and interval).
 * Then the node with the most watchers stops (no LEAVE), and the slowest
 * of its watchers to see it Down says how long a takeover takes.
 *
 * Seen here (5 s simulated; datagrams a second per node, sent + received):
 *      N      S  relations  watch (max)   mean    max   full mesh
 *      3   1000          6    2.0   (2)     80     80      80 (driven)
 *    100   1000       2562   25.6  (43)   1025   1460    3960 (driven)
 *   1000   1000       2996    3.0  (13)    120    440   39960 (formula)
 *   1000  10000      29553   29.6  (55)   1182   1880   39960 (formula)
 * (S = 10 N gives the same rows as S = 1000 for N = 100, and S = 30 the
 * same as 1000 for N = 3: every node watches both others.) The counts
 * equal 4 relations / N / interval: one PING and one ACK per relation and
 * interval, nothing else. A stopped owner is seen Down by all of its
 * watchers within 300 ms (the detection time; no network delay here).
 * The N = 1000 runs are driven too (about 1 s of CPU for S = 10,000);
 * only the N = 1000 mesh is the formula (a million relations, 600 MB of
 * state machines).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "l2/hb.h"
#include "l2/member.h"
#include "l2/owner.h"

#define K        3
#define INTERVAL 100
#define MULT     3
#define WARMUP   1000 /* ms not counted */

struct node {
	char name[16];
	struct l2_member *m;
	uint64_t rnd;
	uint64_t next; /* l2_member_next, cached: never later than the true one */
	bool alive;
	uint64_t sent, recv, bytes; /* in the counting window */
	size_t n_watch, n_watchers;
};

/* A message in flight. */
struct msg {
	size_t to;
	struct l2_hb m;
};

struct sim {
	size_t n;
	struct node *nodes;
	uint8_t *rel; /* rel[i * n + j]: i watches j */
	struct msg *q;
	size_t qh, qt, qcap; /* FIFO */
	uint64_t now;
	bool counting;
	/* The stopped node and when its watchers saw it Down. */
	size_t victim;
	uint64_t stopped_at, slowest, seen_down;
	int err;
};

struct ctx {
	struct sim *s;
	size_t i;
};

static uint64_t rand64(void *arg)
{
	uint64_t *x = arg;

	/* xorshift64*: nonces need only differ here, nobody attacks a
	 * simulation. */
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 2685821657736338717ull;
}

static size_t index_of(const char *name)
{
	return (size_t)strtoul(name + 5, NULL, 10); /* "node-0042" */
}

static void emit(const struct l2_member_ev *ev, void *arg)
{
	const struct ctx *c = arg;
	struct sim *s = c->s;

	if (ev->kind == L2_MEMBER_STATE && ev->now == L2_PEER_DOWN) {
		if (s->stopped_at && index_of(ev->peer) == s->victim) {
			uint64_t took = s->now - s->stopped_at;

			s->seen_down++;
			if (took > s->slowest)
				s->slowest = took;
		} else {
			s->err = -EPROTO; /* nobody else may go Down */
		}
	}
	if (ev->kind != L2_MEMBER_SEND)
		return;
	if (s->qt - s->qh == s->qcap) {
		/* Grow the ring: unwrap into a new array twice the size. */
		size_t cap = s->qcap ? 2 * s->qcap : 1024;
		struct msg *q = malloc(cap * sizeof(*q));

		if (!q) {
			s->err = -ENOMEM;
			return;
		}
		for (size_t k = s->qh; k < s->qt; k++)
			q[k - s->qh] = s->q[k % s->qcap];
		free(s->q);
		s->q = q;
		s->qt -= s->qh;
		s->qh = 0;
		s->qcap = cap;
	}
	struct msg *m = &s->q[s->qt++ % s->qcap];
	m->to = index_of(ev->msg->to);
	m->m = *ev->msg;
	if (s->counting) {
		uint8_t buf[L2_HB_MAX];
		size_t len = 0;

		/* The length on the wire (the HMAC's 32 bytes are there
		 * signed or not). */
		if (l2_hb_encode(ev->msg, NULL, buf, sizeof(buf), &len) < 0)
			s->err = -EINVAL;
		s->nodes[c->i].sent++;
		s->nodes[c->i].bytes += len;
	}
}

static void drain(struct sim *s, struct ctx *ctx)
{
	while (s->qh != s->qt) {
		struct msg *m = &s->q[s->qh++ % s->qcap];
		struct node *to = &s->nodes[m->to];

		if (!to->alive)
			continue;
		if (s->counting)
			to->recv++;
		if (l2_member_input(to->m, &m->m, s->now, s->now + 1700000000000ull, emit,
		                    &ctx[m->to]) < 0)
			s->err = -EPROTO; /* nothing is refused on a clean network */
	}
}

/* Runs every live node's timers up to until. */
static void run(struct sim *s, struct ctx *ctx, uint64_t until)
{
	for (;;) {
		uint64_t t = UINT64_MAX;

		for (size_t i = 0; i < s->n; i++)
			if (s->nodes[i].alive && s->nodes[i].next < t)
				t = s->nodes[i].next;
		if (t > until)
			break;
		s->now = t;
		for (size_t i = 0; i < s->n; i++) {
			struct node *nd = &s->nodes[i];

			if (!nd->alive || nd->next > t)
				continue;
			l2_member_tick(nd->m, t, t + 1700000000000ull, emit, &ctx[i]);
			drain(s, ctx);
			nd->next = l2_member_next(nd->m);
		}
	}
	s->now = until;
}

struct result {
	double mean, max;  /* datagrams a second per node, sent + received */
	double bytes_mean; /* bytes a second per node, sent */
	size_t relations;
	double watch_mean;
	size_t watch_max;
	uint64_t slowest; /* ms from the stop to the last watcher's Down */
	uint64_t watchers_of_victim, seen_down;
	int err;
};

/* Watch relations of N nodes over S Services (mesh: all pairs). */
static int relations(struct sim *s, char (*names)[16], size_t S, bool mesh)
{
	const char **nodes = malloc(s->n * sizeof(*nodes));
	struct l2_owner_place pl[K];
	char key[64];

	if (!nodes)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		nodes[i] = names[i];
	for (size_t i = 0; mesh && i < s->n; i++)
		for (size_t j = 0; j < s->n; j++)
			s->rel[i * s->n + j] = i != j;
	for (size_t v = 0; !mesh && v < S; v++) {
		char name[32];
		int k;

		snprintf(name, sizeof(name), "svc-%zu", v);
		l2_owner_key_svc(key, sizeof(key), "default", name);
		k = l2_owner_rank(key, nodes, s->n, pl, K);
		for (int r = 1; r < k; r++)
			for (int a = 0; a < r; a++)
				s->rel[pl[r].idx * s->n + pl[a].idx] = 1;
	}
	free(nodes);
	return 0;
}

static int simulate(size_t n, size_t S, bool mesh, uint64_t secs, struct result *out)
{
	struct l2_member_opts o = {.interval_ms = INTERVAL, .detect_mult = MULT, .rand64 = rand64};
	char(*names)[16] = calloc(n, sizeof(*names));
	struct sim s = {.n = n};
	struct ctx *ctx = calloc(n, sizeof(*ctx));
	struct l2_member_peer *peers = calloc(n, sizeof(*peers));
	const char **watch = calloc(n, sizeof(*watch));
	uint64_t end = WARMUP + secs * 1000;
	int r = -ENOMEM;

	memset(out, 0, sizeof(*out));
	s.nodes = calloc(n, sizeof(*s.nodes));
	s.rel = calloc(n * n, 1);
	if (!names || !ctx || !peers || !watch || !s.nodes || !s.rel)
		goto out;
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "node-%04u", (unsigned)(i % 10000));
		memcpy(s.nodes[i].name, names[i], sizeof(names[i]));
		ctx[i] = (struct ctx){.s = &s, .i = i};
	}
	if ((r = relations(&s, names, S, mesh)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct node *nd = &s.nodes[i];
		size_t np = 0, nw = 0;
		/* Start times spread over one interval, as real nodes'. */
		uint64_t start = i * INTERVAL / n;

		nd->rnd = 0x9e3779b97f4a7c15ull * (i + 1);
		o.rand_arg = &nd->rnd;
		r = -ENOMEM;
		if (!(nd->m = l2_member_new(nd->name, 1, 0, &o)))
			goto out;
		for (size_t j = 0; j < n; j++) {
			if (!s.rel[i * n + j] && !s.rel[j * n + i])
				continue;
			/* 198.18.0.0/15, RFC 2544's benchmarking range. */
			peers[np] = (struct l2_member_peer){
			    .name = names[j],
			    .addr = {.family = AF_INET,
			             .bytes = {198, 18, (uint8_t)(j >> 8), (uint8_t)j}},
			    .port = 7946};
			np++;
			if (s.rel[i * n + j])
				watch[nw++] = names[j];
		}
		nd->n_watch = nw;
		if ((r = l2_member_set_peers(nd->m, peers, np)) < 0 ||
		    (r = l2_member_set_watch(nd->m, watch, nw, start)) < 0)
			goto out;
		nd->next = l2_member_next(nd->m);
		nd->alive = true;
		out->relations += nw;
		if (nw > out->watch_max)
			out->watch_max = nw;
	}
	for (size_t i = 0; i < n; i++) {
		s.nodes[i].n_watchers = 0;
		for (size_t j = 0; j < n; j++)
			s.nodes[i].n_watchers += s.rel[j * n + i];
	}
	out->watch_mean = (double)out->relations / (double)n;

	run(&s, ctx, WARMUP);
	s.counting = true;
	run(&s, ctx, end);
	s.counting = false;
	for (size_t i = 0; i < n; i++) {
		double pps =
		    (double)(s.nodes[i].sent + s.nodes[i].recv) * 1000.0 / (double)(end - WARMUP);

		out->mean += pps / (double)n;
		if (pps > out->max)
			out->max = pps;
		out->bytes_mean +=
		    (double)s.nodes[i].bytes * 1000.0 / (double)(end - WARMUP) / (double)n;
	}

	/* The node with the most watchers stops. */
	for (size_t i = 1; i < n; i++)
		if (s.nodes[i].n_watchers > s.nodes[s.victim].n_watchers)
			s.victim = i;
	s.nodes[s.victim].alive = false;
	s.stopped_at = s.now;
	run(&s, ctx, s.now + 2000);
	out->slowest = s.slowest;
	out->seen_down = s.seen_down;
	out->watchers_of_victim = s.nodes[s.victim].n_watchers;
	r = s.err;
out:
	out->err = r;
	for (size_t i = 0; s.nodes && i < n; i++)
		l2_member_free(s.nodes[i].m);
	free(s.nodes);
	free(s.rel);
	free(s.q);
	free(names);
	free(ctx);
	free(peers);
	free(watch);
	return r;
}

/* The formula for a full mesh: every pair, a PING and an ACK each way
 * per interval, each counted at both ends. */
static double mesh_formula(size_t n)
{
	return 4.0 * (double)(n - 1) * 1000.0 / INTERVAL;
}

int main(int argc, char **argv)
{
	static const size_t ns[] = {3, 100, 1000};
	uint64_t secs = argc > 1 ? strtoull(argv[1], NULL, 10) : 5;

	if (secs == 0 || secs > 600) {
		fprintf(stderr, "usage: %s [simulated seconds, 1..600]\n", argv[0]);
		return 2;
	}
	printf("layer 2 heartbeats: interval %d ms, detect_mult %d, K = %d, %llu s simulated "
	       "after %d ms warm-up; datagrams/s per node, sent + received\n\n",
	       INTERVAL, MULT, K, (unsigned long long)secs, WARMUP);
	printf("%5s %6s | %9s %5s %4s | %7s %7s %7s %8s | %-15s | %9s %9s %-7s\n", "N", "S",
	       "relations", "watch", "max", "mean/s", "formula", "max/s", "sent B/s", "takeover",
	       "mesh mean", "mesh max", "mesh by");
	for (size_t a = 0; a < sizeof(ns) / sizeof(ns[0]); a++) {
		size_t n = ns[a], ss[2] = {1000, 10 * n};
		struct result mesh = {0};
		const char *mesh_by = "formula";

		if (n <= 100) {
			if (simulate(n, 0, true, secs, &mesh) < 0) {
				fprintf(stderr, "mesh N=%zu: error %d\n", n, mesh.err);
				return 1;
			}
			mesh_by = "driven";
		} else {
			mesh.mean = mesh.max = mesh_formula(n);
		}
		for (size_t b = 0; b < 2; b++) {
			struct timespec t0, t1;
			struct result r;
			double formula, took;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			if (simulate(n, ss[b], false, secs, &r) < 0) {
				fprintf(stderr, "N=%zu S=%zu: error %d\n", n, ss[b], r.err);
				return 1;
			}
			clock_gettime(CLOCK_MONOTONIC, &t1);
			took = (double)(t1.tv_sec - t0.tv_sec) +
			       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			/* Each relation: a PING and an ACK per interval,
			 * each counted at both ends. */
			formula = 4.0 * (double)r.relations / (double)n * 1000.0 / INTERVAL;
			printf("%5zu %6zu | %9zu %5.1f %4zu | %7.1f %7.1f %7.1f %8.0f | %4llu ms "
			       "%3llu/%-3llu "
			       "| %9.1f %9.1f %-7s (%.1f s)\n",
			       n, ss[b], r.relations, r.watch_mean, r.watch_max, r.mean, formula,
			       r.max, r.bytes_mean, (unsigned long long)r.slowest,
			       (unsigned long long)r.seen_down,
			       (unsigned long long)r.watchers_of_victim, mesh.mean, mesh.max,
			       mesh_by, took);
		}
	}
	printf("\nrelations: distinct (watcher, watched) pairs; watch: members a node watches "
	       "(mean, max);\nmean/s, max/s: counted from the driven state machines; formula: 4 x "
	       "relations / N / interval;\ntakeover: from the stop of the node with the most "
	       "watchers to the last of them seeing it Down,\n  and how many of its watchers did; "
	       "mesh: every node watching every other one, driven up to N = 100;\n(s): wall time "
	       "of the driven run.\n");
	return 0;
}
