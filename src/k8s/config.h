/*
 * Where the API server is and how to authenticate: kubeconfig files
 * (client-go's clientcmd semantics) and the in-cluster service account.
 *
 * k8s_kubeconfig_merge / _decode / _parse are pure (base64: core/b64.h);
 * k8s_kubeconfig_load, k8s_incluster_load, k8s_config_discover (the one
 * order both daemons look in) and k8s_read_file read files and the
 * environment.
 *
 * Ownership: every pointer in struct k8s_config is owned by it and freed
 * by k8s_config_fini, which leaves it zeroed. Loaders zero *out first and
 * leave it zeroed on failure.
 */
#ifndef BERTH_K8S_CONFIG_H
#define BERTH_K8S_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define K8S_ERR_MAX 256

struct k8s_err {
	char msg[K8S_ERR_MAX]; /* one line, no newline */
};

struct k8s_config {
	char *server;     /* "https://host:port[/prefix]", no trailing '/' */
	char *ca_file;    /* PEM file to verify the server with, or NULL */
	char *ca_data;    /* PEM bytes (certificate-authority-data), or NULL */
	size_t ca_len;    /* bytes in ca_data */
	char *token;      /* static bearer token, or NULL */
	char *token_file; /* bearer token file, re-read while running, or NULL;
	                     wins over token, which is then the fallback */
	char *cert_file;  /* client certificate (PEM) file, or NULL */
	char *cert_data;  /* client certificate PEM bytes, or NULL */
	size_t cert_len;
	char *key_file; /* client key (PEM) file, or NULL */
	char *key_data; /* client key PEM bytes, or NULL */
	size_t key_len;
	char *tls_server_name; /* name to verify instead of the URL's host, or NULL */
	bool insecure;         /* skip TLS verification: only when the caller allowed it */
	char *ns;              /* the context's namespace; "default" when unset */
};

void k8s_config_fini(struct k8s_config *c);

/*
 * Folds one kubeconfig document (as cfg_yaml_parse gives it) into acc (an
 * object, initially empty) with clientcmd's merge rules for a KUBECONFIG
 * list: the first file to set current-context wins, and the first file
 * to define a cluster, user or context of a given name wins. Relative
 * file paths in doc are made absolute against dir (the file's directory),
 * as clientcmd resolves them. Returns 0, -EINVAL (err says why), -ENOMEM.
 */
int k8s_kubeconfig_merge(json_t *acc, const json_t *doc, const char *dir, struct k8s_err *err);

/*
 * Resolves the context (context NULL: current-context) of a merged
 * kubeconfig into *out. Refused: exec and auth-provider plugins and basic
 * auth (-ENOTSUP), insecure-skip-tls-verify unless allow_insecure
 * (-EPERM), insecure-skip-tls-verify together with a CA (-EINVAL, as
 * kubectl), no server or a non-http(s) one (-EINVAL), unknown context,
 * cluster or user (-ENOENT).
 */
int k8s_kubeconfig_decode(const json_t *kc, const char *context, bool allow_insecure,
                          struct k8s_config *out, struct k8s_err *err);

/* One kubeconfig file's bytes: cfg_yaml_parse, merge, decode. dir may be
 * NULL (relative paths stay as written). */
int k8s_kubeconfig_parse(const char *buf, size_t len, const char *dir, const char *context,
                         bool allow_insecure, struct k8s_config *out, struct k8s_err *err);

/*
 * Loads paths (a ':'-separated list as KUBECONFIG; NULL: $KUBECONFIG,
 * else ~/.kube/config). Files of a list that do not exist are skipped,
 * as clientcmd does; a single explicit file must exist (-ENOENT).
 */
int k8s_kubeconfig_load(const char *paths, const char *context, bool allow_insecure,
                        struct k8s_config *out, struct k8s_err *err);

/* In-cluster configuration; every NULL field takes its default. */
struct k8s_incluster {
	const char *host;       /* default: $KUBERNETES_SERVICE_HOST */
	const char *port;       /* default: $KUBERNETES_SERVICE_PORT */
	const char *token_file; /* default: K8S_SA_DIR "/token" */
	const char *ca_file;    /* default: K8S_SA_DIR "/ca.crt" */
	const char *ns_file;    /* default: K8S_SA_DIR "/namespace" */
};

#define K8S_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* As client-go's rest.InClusterConfig: -ENOENT when the service variables
 * are unset (not in a cluster) or the token cannot be read. The token
 * file stays the credential (bound tokens rotate; the client re-reads). */
int k8s_incluster_load(const struct k8s_incluster *p, struct k8s_config *out, struct k8s_err *err);

/*
 * Where a daemon finds its API server. Both berth daemons use this one
 * order, controller-runtime's (sigs.k8s.io/controller-runtime/pkg/client/
 * config, GetConfig), the first that applies wins:
 *   1. the --kubeconfig flag (d->kubeconfig), when given;
 *   2. $KUBECONFIG, when set (a ':'-separated list, clientcmd's merge);
 *   3. in-cluster: $KUBERNETES_SERVICE_HOST and _PORT with the service
 *      account's token (d->root K8S_SA_DIR "/token");
 *   4. ~/.kube/config ($HOME, else the user's home directory).
 * A kubeconfig named by 1 or 2 that fails is the answer (no fallback: the
 * operator asked for it). In-cluster is tried when the service variables
 * are set; if it fails, ~/.kube/config is tried, and if that fails too
 * the error names both. context applies to 1, 2 and 4.
 */
enum k8s_config_source {
	K8S_CONFIG_FLAG = 0, /* --kubeconfig */
	K8S_CONFIG_ENV,      /* $KUBECONFIG */
	K8S_CONFIG_INCLUSTER,
	K8S_CONFIG_HOME, /* ~/.kube/config */
};

struct k8s_config_discover {
	const char *kubeconfig; /* borrowed; NULL or "": not given */
	const char *context;    /* borrowed; NULL: current-context */
	const char *root;       /* borrowed; prefix of K8S_SA_DIR (tests); NULL: "" */
};

/* Returns 0 with *out filled and *src (may be NULL) saying which step
 * gave it, or a negative errno with err saying why. */
int k8s_config_discover(const struct k8s_config_discover *d, struct k8s_config *out,
                        enum k8s_config_source *src, struct k8s_err *err);
/* "--kubeconfig", "$KUBECONFIG", "in-cluster", "~/.kube/config" (static). */
const char *k8s_config_source_name(enum k8s_config_source s);

/* Whole file into a NUL-terminated owned buffer (*out, *len); at most max
 * bytes (-EFBIG above). Returns 0 or a negative errno. */
int k8s_read_file(const char *path, size_t max, char **out, size_t *len);

#endif
