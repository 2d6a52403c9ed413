/*
 * berth speaker: announces service addresses of this node over BGP.
 * Flags and process wiring only; the work is in src/speaker (the daemon's
 * metrics and probes in speaker_obs.c, as the controller's in
 * src/controller/controller_obs.c).
 */
#include <errno.h>
#include <ev.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"
#include "k8s/config.h"
#include "main.h"
#include "speaker/cluster.h"
#include "speaker/speaker.h"
#include "speaker/speaker_obs.h"

#define MAX_MANIFESTS 64

static void speaker_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: berth speaker --node NAME [--kubeconfig PATH] [options]\n"
	    "       berth speaker --node NAME --manifests FILE [FILE...] [options]\n"
	    "  --node NAME              this node's name (matches BgpPeer nodeSelector\n"
	    "                           through the Node object of that name, if any)\n"
	    "  --kubeconfig PATH        cluster mode with this kubeconfig; without it and\n"
	    "                           without --manifests: $KUBECONFIG, else the in-cluster\n"
	    "                           service account, else ~/.kube/config\n"
	    "  --manifests FILE...      manifest mode: YAML/JSON files with BgpConf, BgpPeer,\n"
	    "                           Eip, Service, Node, EndpointSlice, Secret\n"
	    "  --namespace NS           the speaker's namespace: BgpPeer authPasswordSecretRef\n"
	    "                           names a Secret there, and no other namespace's Secrets\n"
	    "                           are read (default: $POD_NAMESPACE, else the kubeconfig\n"
	    "                           context's or service account's namespace; with\n"
	    "                           --manifests: default)\n"
	    "  --metallb-namespace NS   MetalLB's namespace: its metallb.io objects and the\n"
	    "                           Secrets of its BGPPeers are read there (default\n"
	    "                           metallb-system)\n"
	    "  --lb-interface NAME      put announced addresses on NAME (default kube-lb0 in\n"
	    "                           cluster mode, none with --manifests); none: do not\n"
	    "  --metrics-address ADDR   serve /metrics /healthz /readyz on ADDR, e.g.\n"
	    "                           [$(POD_IP)]:9444 (default: none)\n"
	    "  --health-address ADDR    serve only /healthz /readyz, for the kubelet, on ADDR,\n"
	    "                           e.g. 127.0.0.1:9445 (default: none)\n"
	    "  --router-id A.B.C.D      BGP identifier (default: BgpConf spec.routerId,\n"
	    "                           the Node's InternalIP, or the first IPv4 address)\n"
	    "  --nexthop4 ADDR          next hop for IPv4 routes on IPv6 sessions\n"
	    "  --nexthop6 ADDR          next hop for IPv6 routes on IPv4 sessions\n"
	    "                           (default: an address of the session's interface)\n"
	    "  --max-received N         prefixes of each family a peer may send us (default\n"
	    "                           10000, 0 = any; BgpPeer afiSafis[].prefixLimits wins)\n"
	    "  --member-port PORT       layer 2: UDP port of the heartbeats between the speakers\n"
	    "                           (default 7947), at each Node's InternalIP\n"
	    "  --member-address ADDR    layer 2: bind the heartbeats to ADDR (default: all)\n"
	    "  --member-key-file FILE   layer 2: FILE holds the heartbeats' shared key, 64 hex\n"
	    "                           digits (deploy/: a Secret); without it they are not\n"
	    "                           authenticated\n"
	    "  --synthetic-prefixes ADDR:N  also announce N host routes from ADDR (benchmarks;\n"
	    "                           on the LB interface too, like any announced address)\n"
	    "  --log-level LEVEL        error, warn, info (default) or debug\n"
	    "SIGHUP or a change of a manifest re-reads them; SIGTERM withdraws and exits.\n");
}

struct ctx {
	struct speaker *sp;
	struct speaker_cluster *cluster; /* NULL in manifest mode */
	struct speaker_obs *obs;
	ev_timer reload_timer;
	ev_timer stop_timer;
	ev_stat stats[MAX_MANIFESTS];
	size_t n_stats;
	struct cmd_stop sig;
};

static void do_reload(struct ctx *c)
{
	struct cfg_error err;

	cfg_error_init(&err, NULL, NULL);
	if (speaker_reload(c->sp, &err) < 0)
		log_err("reload failed, keeping the running configuration: %s", err.msg);
	else
		log_info("configuration reloaded");
	/* The set a reload replaced (or the one it refused) was thousands of
	 * small blocks among the ones that stay: free pages inside the heap
	 * go back only when asked (45,000 Services: 62 MB RSS after a reload
	 * without this, 40 with). */
	malloc_trim(0);
}

static void on_reload_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	do_reload(w->data);
}

/* Editors write files in several steps: wait for them to settle. */
static void schedule_reload(struct ev_loop *loop, struct ctx *c)
{
	ev_timer_stop(loop, &c->reload_timer);
	ev_timer_set(&c->reload_timer, 0.2, 0.0);
	ev_timer_start(loop, &c->reload_timer);
}

static void on_hup(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct ctx *c = w->data;

	if (c->cluster) {
		log_info("SIGHUP: cluster mode follows the API server, nothing to re-read");
		return;
	}
	log_info("SIGHUP: reloading");
	do_reload(w->data);
}

static void on_stat(struct ev_loop *loop, ev_stat *w, int revents)
{
	schedule_reload(loop, w->data);
}

static void on_stop_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctx *c = w->data;

	if (speaker_stopped(c->sp))
		ev_break(loop, EVBREAK_ALL);
}

static void on_term(struct ev_loop *loop, int signum, void *arg)
{
	struct ctx *c = arg;

	log_info("signal %d: withdrawing routes and closing sessions", signum);
	speaker_obs_stopping(c->obs);
	for (size_t i = 0; i < c->n_stats; i++)
		ev_stat_stop(loop, &c->stats[i]);
	if (c->cluster)
		speaker_cluster_stop(c->cluster);
	speaker_shutdown(c->sp);
	ev_timer_init(&c->stop_timer, on_stop_timer, 0.0, 0.05);
	c->stop_timer.data = c;
	ev_timer_start(loop, &c->stop_timer);
}

static int parse_synthetic(const char *arg, struct speaker_opts *o)
{
	char buf[128];
	char *colon, *end;
	unsigned long n;

	snprintf(buf, sizeof(buf), "%s", arg);
	colon = strrchr(buf, ':');
	if (!colon)
		return -EINVAL;
	*colon = 0;
	errno = 0;
	n = strtoul(colon + 1, &end, 10);
	if (errno || *end || n == 0 || n > 16000000)
		return -EINVAL;
	if (core_addr_parse(buf, &o->synthetic_start) < 0)
		return -EINVAL;
	o->n_synthetic = (uint32_t)n;
	return 0;
}

/* The heartbeats' key from path: 64 hex digits. 0, or -1 with the reason
 * printed, naming the flag and the file. */
static int load_member_key(const char *path, struct l2_hb_key *key)
{
	char buf[256];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "berth speaker: --member-key-file %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n == sizeof(buf) || l2_hb_key_parse(buf, n, key) < 0) {
		fprintf(stderr,
		        "berth speaker: --member-key-file %s: expected 64 hex digits (32 bytes, "
		        "e.g. from 'openssl rand -hex 32')\n",
		        path);
		return -1;
	}
	return 0;
}

int cmd_speaker(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"node", required_argument, NULL, 'n'},
	    {"manifests", required_argument, NULL, 'm'},
	    {"router-id", required_argument, NULL, 'r'},
	    {"nexthop4", required_argument, NULL, '4'},
	    {"nexthop6", required_argument, NULL, '6'},
	    {"max-received", required_argument, NULL, 'x'},
	    {"synthetic-prefixes", required_argument, NULL, 's'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"kubeconfig", required_argument, NULL, 'k'},
	    {"lb-interface", required_argument, NULL, 'i'},
	    {"namespace", required_argument, NULL, 'N'},
	    {"metallb-namespace", required_argument, NULL, 'B'},
	    {"metrics-address", required_argument, NULL, 'M'},
	    {"health-address", required_argument, NULL, 'H'},
	    {"member-port", required_argument, NULL, 'P'},
	    {"member-address", required_argument, NULL, 'A'},
	    {"member-key-file", required_argument, NULL, 'K'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *manifests[MAX_MANIFESTS];
	struct speaker_opts o = {.max_received = 10000};
	struct l2_hb_key member_key = {0};

	/* glibc raises its mmap threshold to the size of any mmapped block
	 * freed (up to 32 MB): the transient arrays of a change (hundreds of
	 * kB at 10,000 Services) then come from the heap and their pages stay
	 * there. Fixed thresholds keep them mmapped, given back when freed. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 128 * 1024);
	const char *level = "info", *kubeconfig = NULL, *lb_if = NULL, *metrics = NULL,
	           *health = NULL;
	struct speaker_cluster_opts co = {0};
	struct k8s_config cfg = {0};
	char why[256];
	int rc = 1;
	struct ev_loop *loop = EV_DEFAULT;
	struct cfg_error err;
	struct ctx c = {0};
	ev_signal sig_hup;
	int ch;

	while ((ch = getopt_long(argc, argv, "n:m:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o.node = optarg;
			break;
		case 'm':
			/* --manifests takes every following non-option word. */
			optind--;
			while (optind < argc && argv[optind][0] != '-') {
				if (o.n_manifests == MAX_MANIFESTS) {
					fprintf(stderr, "berth speaker: at most %d manifests\n",
					        MAX_MANIFESTS);
					return 2;
				}
				manifests[o.n_manifests++] = argv[optind++];
			}
			break;
		case 'r':
			if (core_addr_parse(optarg, &o.router_id) < 0 ||
			    o.router_id.family != AF_INET) {
				fprintf(stderr,
				        "berth speaker: --router-id: '%s' is not an IPv4 "
				        "address\n",
				        optarg);
				return 2;
			}
			break;
		case '4':
		case '6':
			if (core_addr_parse(optarg, ch == '4' ? &o.nexthop4 : &o.nexthop6) < 0 ||
			    (ch == '4' ? o.nexthop4.family != AF_INET
			               : o.nexthop6.family != AF_INET6)) {
				fprintf(stderr,
				        "berth speaker: --nexthop%c: '%s' is not an IPv%c "
				        "address\n",
				        ch, optarg, ch);
				return 2;
			}
			break;
		case 'x': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !*optarg || v > UINT32_MAX) {
				fprintf(stderr,
				        "berth speaker: --max-received: '%s' is not a "
				        "number\n",
				        optarg);
				return 2;
			}
			o.max_received = (uint32_t)v;
			break;
		}
		case 's':
			if (parse_synthetic(optarg, &o) < 0) {
				fprintf(stderr,
				        "berth speaker: --synthetic-prefixes: expected "
				        "ADDR:COUNT, got '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 'l':
			level = optarg;
			break;
		case 'k':
			kubeconfig = optarg;
			break;
		case 'i':
			lb_if = optarg;
			break;
		case 'N':
			if (!*optarg) {
				fprintf(stderr, "berth speaker: --namespace: empty\n");
				return 2;
			}
			o.ns = optarg;
			break;
		case 'B':
			if (!*optarg) {
				fprintf(stderr, "berth speaker: --metallb-namespace: empty\n");
				return 2;
			}
			o.metallb_ns = optarg;
			break;
		case 'M':
			metrics = optarg;
			break;
		case 'H':
			health = optarg;
			break;
		case 'P': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !*optarg || v == 0 || v > 65535) {
				fprintf(stderr,
				        "berth speaker: --member-port: '%s' is not a port "
				        "(1-65535)\n",
				        optarg);
				return 2;
			}
			o.l2.port = (uint16_t)v;
			break;
		}
		case 'A': {
			struct core_addr a;

			if (core_addr_parse(optarg, &a) < 0) {
				fprintf(stderr,
				        "berth speaker: --member-address: '%s' is not an IP "
				        "address\n",
				        optarg);
				return 2;
			}
			o.l2.listen = optarg;
			break;
		}
		case 'K':
			if (load_member_key(optarg, &member_key) < 0)
				return 2;
			o.l2.key = &member_key;
			break;
		case 'h':
			speaker_usage(stdout);
			return 0;
		default:
			speaker_usage(stderr);
			return 2;
		}
	}
	if (!o.node) {
		fprintf(stderr, "berth speaker: --node is required\n");
		speaker_usage(stderr);
		return 2;
	}
	if (kubeconfig && o.n_manifests) {
		fprintf(stderr, "berth speaker: --kubeconfig and --manifests exclude each other\n");
		return 2;
	}
	o.cluster = !o.n_manifests;
	/* As the controller finds its lease namespace: the flag, the pod's
	 * namespace (deploy/ passes it by the downward API), then (cluster
	 * mode, below) the kubeconfig's or service account's. */
	if (!o.ns && getenv("POD_NAMESPACE") && getenv("POD_NAMESPACE")[0])
		o.ns = getenv("POD_NAMESPACE");
	/* Manifest mode keeps its old behaviour (and its tests, which put the
	 * service address on the node themselves) unless asked. */
	if (!lb_if)
		lb_if = o.cluster ? "kube-lb0" : "none";
	o.lb_interface = strcmp(lb_if, "none") ? lb_if : NULL;
	o.manifests = manifests;
	if (cmd_log_setup(level) < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);

	if (speaker_obs_new(loop,
	                    &(struct speaker_obs_opts){.metrics_address = metrics,
	                                               .health_address = health,
	                                               .version = BERTH_VERSION},
	                    &c.obs, why, sizeof(why)) < 0) {
		fprintf(stderr, "berth speaker: %s\n", why);
		goto out;
	}
	if (o.cluster) {
		struct k8s_config_discover d = {.kubeconfig = kubeconfig};
		enum k8s_config_source src;
		struct k8s_err kerr;

		if (k8s_config_discover(&d, &cfg, &src, &kerr) < 0) {
			fprintf(stderr, "berth speaker: Kubernetes API: %s\n", kerr.msg);
			goto out;
		}
		log_info("speaker: API server %s (from %s)", cfg.server,
		         k8s_config_source_name(src));
		if (!o.ns)
			o.ns = cfg.ns;
		co.node = o.node;
		co.ns = o.ns;
		co.metallb_ns = o.metallb_ns;
		co.cfg = &cfg;
		co.metrics = speaker_obs_registry(c.obs);
		co.served = speaker_obs_served(c.obs);
		if (speaker_cluster_new(loop, &co, &c.cluster, why, sizeof(why)) < 0) {
			fprintf(stderr, "berth speaker: Kubernetes API: %s\n", why);
			goto out;
		}
		speaker_cluster_hooks(c.cluster, &o.hooks);
		speaker_cluster_l2_hooks(c.cluster, &o.l2.hooks);
		o.ready_on = speaker_cluster_ready_on;
		o.ready_count = speaker_cluster_ready_count;
		o.ready_arg = c.cluster;
	}
	cfg_error_init(&err, NULL, NULL);
	c.sp = speaker_new(loop, &o, &err);
	if (!c.sp) {
		fprintf(stderr, "berth speaker: %s\n", err.msg[0] ? err.msg : strerror(ENOMEM));
		goto out;
	}
	if (c.cluster && speaker_cluster_start(c.cluster, c.sp) < 0)
		goto out;
	if (speaker_obs_start(c.obs, c.sp, c.cluster, why, sizeof(why)) < 0) {
		fprintf(stderr, "berth speaker: %s\n", why);
		goto out;
	}
	if (o.cluster)
		log_info("speaker started on node %s from the Kubernetes API (namespace %s)",
		         o.node, o.ns ? o.ns : "default");
	else
		log_info("speaker started on node %s with %zu manifest(s)", o.node, o.n_manifests);

	ev_timer_init(&c.reload_timer, on_reload_timer, 0.2, 0.0);
	c.reload_timer.data = &c;
	for (size_t i = 0; i < o.n_manifests; i++) {
		ev_stat_init(&c.stats[i], on_stat, manifests[i], 0.5);
		c.stats[i].data = &c;
		ev_stat_start(loop, &c.stats[i]);
	}
	c.n_stats = o.n_manifests;
	ev_signal_init(&sig_hup, on_hup, SIGHUP);
	sig_hup.data = &c;
	ev_signal_start(loop, &sig_hup);
	cmd_stop_start(loop, &c.sig, on_term, &c);

	ev_run(loop, 0);
	cmd_stop_fini(loop, &c.sig);
	ev_signal_stop(loop, &sig_hup);
	log_info("speaker stopped");
	rc = 0;
out:
	/* The registry last: the speaker's hooks write to it until freed. */
	speaker_free(c.sp);
	speaker_cluster_free(c.cluster);
	speaker_obs_free(c.obs);
	k8s_config_fini(&cfg);
	return rc;
}
