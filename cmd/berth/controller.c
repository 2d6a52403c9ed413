/*
 * berth controller: gives Services of type LoadBalancer addresses from
 * the Eip pools. Flags and process wiring only; the work is in
 * src/controller (glue: controller*.c; decisions: ctrl*.c).
 */
#include <errno.h>
#include <ev.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller/controller.h"
#include "controller/ctrl.h"
#include "controller/member_secret.h"
#include "core/log.h"
#include "k8s/config.h"
#include "main.h"

/* Loopback unless told: the manifests pass what the pod needs. */
#define DEFAULT_METRICS "127.0.0.1:9443"

static void controller_usage(FILE *f)
{
	fprintf(f,
	        "usage: berth controller [options]\n"
	        "  --kubeconfig PATH        kubeconfig file (default: $KUBECONFIG, else the\n"
	        "                           in-cluster service account, else ~/.kube/config)\n"
	        "  --context NAME           kubeconfig context (default: current-context)\n"
	        "  --lb-class NAME          spec.loadBalancerClass served (default %s)\n"
	        "  --leader-elect           only the holder of a Lease acts (several replicas)\n"
	        "  --metallb-namespace NS   MetalLB's namespace, where its metallb.io objects\n"
	        "                           are read (default metallb-system)\n"
	        "  --lease-namespace NS     the Lease's namespace (default: $POD_NAMESPACE, else\n"
	        "                           the kubeconfig's namespace)\n"
	        "  --lease-name NAME        default %s\n"
	        "  --identity ID            this replica in the Lease (default: $POD_NAME, else\n"
	        "                           hostname-pid)\n"
	        "  --lease-duration S       seconds (default 15); --renew-deadline S (10),\n"
	        "                           --retry-period S (2)\n"
	        "  --metrics-address ADDR   /metrics /healthz /readyz, e.g. :9443 (default\n"
	        "                           %s); 'none' to disable\n"
	        "  --health-address ADDR    only /healthz /readyz, for the kubelet, e.g. :9442\n"
	        "                           (default: none)\n"
	        "  --max-inflight N         objects written at once (default 16)\n"
	        "  --member-secret NS/NAME  the Secret with the layer 2 speakers' heartbeat key,\n"
	        "                           created with a random key when missing; NAME\n"
	        "                           alone: in the lease namespace (default:\n"
	        "                           %s there); 'none' to disable\n"
	        "  --log-level LEVEL        error, warn, info (default) or debug\n"
	        "SIGTERM or SIGINT releases the Lease and exits.\n",
	        LB_DEFAULT_CLASS, CONTROLLER_LEASE_NAME, DEFAULT_METRICS, MEMBER_SECRET_NAME);
}

static int parse_seconds(const char *flag, const char *s, uint32_t *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !*s || v <= 0 || v > 3600) {
		fprintf(stderr, "berth controller: %s: '%s' is not a number of seconds\n", flag, s);
		return -EINVAL;
	}
	*ms = (uint32_t)(v * 1000);
	return 0;
}

static void on_stopped(void *arg)
{
	ev_break(arg, EVBREAK_ALL);
}

static void on_term(struct ev_loop *loop, int signum, void *arg)
{
	struct controller *c = arg;

	log_info("signal %d: stopping", signum);
	controller_shutdown(c, on_stopped, loop);
}

int cmd_controller(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kubeconfig", required_argument, NULL, 'k'},
	    {"context", required_argument, NULL, 'c'},
	    {"lb-class", required_argument, NULL, 'L'},
	    {"leader-elect", no_argument, NULL, 'e'},
	    {"lease-namespace", required_argument, NULL, 'N'},
	    {"metallb-namespace", required_argument, NULL, 'B'},
	    {"lease-name", required_argument, NULL, 'n'},
	    {"identity", required_argument, NULL, 'i'},
	    {"lease-duration", required_argument, NULL, 'D'},
	    {"renew-deadline", required_argument, NULL, 'R'},
	    {"retry-period", required_argument, NULL, 'P'},
	    {"metrics-address", required_argument, NULL, 'm'},
	    {"health-address", required_argument, NULL, 'H'},
	    {"max-inflight", required_argument, NULL, 'x'},
	    {"member-secret", required_argument, NULL, 'M'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct controller_opts o = {.metrics_address = DEFAULT_METRICS, .version = BERTH_VERSION};
	const char *kubeconfig = NULL, *context = NULL, *level = "info";
	struct ev_loop *loop = EV_DEFAULT;
	struct k8s_config cfg = {0};
	struct controller *c = NULL;
	char identity[300], err[512];
	struct cmd_stop sig;
	int ch, rc = 1;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			kubeconfig = optarg;
			break;
		case 'c':
			context = optarg;
			break;
		case 'L':
			o.lb_class = optarg;
			break;
		case 'e':
			o.leader_elect = true;
			break;
		case 'N':
			o.lease_ns = optarg;
			break;
		case 'B':
			if (!*optarg) {
				fprintf(stderr, "berth controller: --metallb-namespace: empty\n");
				return 2;
			}
			o.metallb_ns = optarg;
			break;
		case 'n':
			o.lease_name = optarg;
			break;
		case 'i':
			o.identity = optarg;
			break;
		case 'D':
		case 'R':
		case 'P':
			if (parse_seconds(ch == 'D'   ? "--lease-duration"
			                  : ch == 'R' ? "--renew-deadline"
			                              : "--retry-period",
			                  optarg,
			                  ch == 'D'   ? &o.lease_duration_ms
			                  : ch == 'R' ? &o.renew_deadline_ms
			                              : &o.retry_period_ms) < 0)
				return 2;
			break;
		case 'm':
			o.metrics_address = optarg;
			break;
		case 'H':
			o.health_address = optarg;
			break;
		case 'x': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !*optarg || v == 0 || v > 1024) {
				fprintf(stderr, "berth controller: --max-inflight: 1..1024\n");
				return 2;
			}
			o.max_inflight = (unsigned)v;
			break;
		}
		case 'M': {
			struct member_secret_ref ref;

			if (member_secret_ref_parse(optarg, &ref)) {
				fprintf(stderr,
				        "berth controller: --member-secret: '%s' is not "
				        "NAMESPACE/NAME, NAME or none\n",
				        optarg);
				return 2;
			}
			o.member_secret = optarg;
			break;
		}
		case 'l':
			level = optarg;
			break;
		case 'h':
			controller_usage(stdout);
			return 0;
		default:
			controller_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "berth controller: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (cmd_log_setup(level) < 0)
		return 2;
	if (!o.lease_ns && getenv("POD_NAMESPACE") && getenv("POD_NAMESPACE")[0])
		o.lease_ns = getenv("POD_NAMESPACE");
	if (!o.identity && getenv("POD_NAME") && getenv("POD_NAME")[0])
		o.identity = getenv("POD_NAME");
	if (!o.identity) {
		char host[256] = "";

		gethostname(host, sizeof(host) - 1);
		snprintf(identity, sizeof(identity), "%s-%d", host[0] ? host : "berth",
		         (int)getpid());
		o.identity = identity;
	}
	signal(SIGPIPE, SIG_IGN);
	{
		struct k8s_config_discover d = {.kubeconfig = kubeconfig, .context = context};
		enum k8s_config_source src;
		struct k8s_err kerr;

		if (k8s_config_discover(&d, &cfg, &src, &kerr) < 0) {
			fprintf(stderr, "berth controller: Kubernetes API: %s\n", kerr.msg);
			return 1;
		}
		log_info("controller: API server %s (from %s)", cfg.server,
		         k8s_config_source_name(src));
	}
	if (controller_new(loop, &cfg, &o, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "berth controller: %s\n", err);
		goto out;
	}
	if ((rc = controller_start(c)) < 0) {
		fprintf(stderr, "berth controller: start: %s\n", strerror(-rc));
		rc = 1;
		goto out;
	}
	log_info("controller %s started (identity %s, class %s, server %s)", BERTH_VERSION,
	         o.identity, o.lb_class ? o.lb_class : LB_DEFAULT_CLASS, cfg.server);
	cmd_stop_start(loop, &sig, on_term, c);
	ev_run(loop, 0);
	cmd_stop_fini(loop, &sig);
	log_info("controller stopped");
	rc = 0;
out:
	controller_free(c);
	k8s_config_fini(&cfg);
	return rc;
}
