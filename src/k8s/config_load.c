/*
 * Reading kubeconfig files and the in-cluster service account: the small
 * I/O around the pure kubeconfig decoder, and the one order in which both
 * daemons look for their API server (k8s_config_discover).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/yaml.h"
#include "k8s/config.h"

static int fail(struct k8s_err *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct k8s_err *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

int k8s_read_file(const char *path, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL, *p;
	int fd, rc = 0;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap >= max) {
				rc = -EFBIG;
				goto out;
			}
			cap = cap * 2 > max ? max : cap * 2;
			p = realloc(buf, cap + 1);
			if (!p) {
				rc = -ENOMEM;
				goto out;
			}
			buf = p;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

/* Reads one kubeconfig and merges it into acc. */
static int merge_file(json_t *acc, const char *path, struct k8s_err *err)
{
	char dirbuf[PATH_MAX], *text = NULL, *dir;
	struct cfg_error cerr;
	struct cfg_yaml y = {0};
	size_t len;
	int rc;

	rc = k8s_read_file(path, CFG_YAML_MAX_BYTES, &text, &len);
	if (rc)
		return fail(err, rc, "%s: %s", path, strerror(-rc));
	/* clientcmd resolves relative paths against the absolute directory
	 * of the file as named (symlinks not followed), so later chdir()s do
	 * not change their meaning. */
	if (path[0] == '/' || !getcwd(dirbuf, sizeof(dirbuf)))
		snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	else if (strlen(dirbuf) + strlen(path) + 2 <= sizeof(dirbuf))
		strcat(strcat(dirbuf, "/"), path);
	else
		snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	dir = dirname(dirbuf);
	cfg_error_init(&cerr, path, NULL);
	rc = cfg_yaml_parse(text, len, &y, &cerr);
	if (rc) {
		fail(err, rc, "%s", cerr.msg);
		goto out;
	}
	if (y.n_docs > 1) {
		rc = fail(err, -EINVAL, "%s: one YAML document expected", path);
		goto out;
	}
	rc = k8s_kubeconfig_merge(acc, y.n_docs ? y.docs[0].root : NULL, dir, err);
	if (rc) {
		char why[K8S_ERR_MAX];

		snprintf(why, sizeof(why), "%s", err->msg);
		fail(err, rc, "%s: %s", path, why);
	}
out:
	cfg_yaml_fini(&y);
	free(text);
	return rc;
}

int k8s_kubeconfig_load(const char *paths, const char *context, bool allow_insecure,
                        struct k8s_config *out, struct k8s_err *err)
{
	char *list = NULL, *save = NULL, *tok, *home_path = NULL;
	json_t *acc = json_object();
	bool single, any = false;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	err->msg[0] = '\0';
	if (!acc)
		return fail(err, -ENOMEM, "out of memory");
	if (!paths || !paths[0])
		paths = getenv("KUBECONFIG");
	if (!paths || !paths[0]) {
		const char *home = getenv("HOME");

		if (!home || asprintf(&home_path, "%s/.kube/config", home) < 0) {
			home_path = NULL;
			rc = fail(err, -ENOENT, "no kubeconfig: KUBECONFIG and HOME unset");
			goto out;
		}
		paths = home_path;
	}
	single = !strchr(paths, ':');
	list = strdup(paths);
	if (!list) {
		rc = fail(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (tok = strtok_r(list, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (!single && access(tok, F_OK) != 0)
			continue; /* clientcmd skips missing files of a list */
		rc = merge_file(acc, tok, err);
		if (rc)
			goto out;
		any = true;
	}
	if (!any) {
		rc = fail(err, -ENOENT, "no kubeconfig file found in \"%s\"", paths);
		goto out;
	}
	rc = k8s_kubeconfig_decode(acc, context, allow_insecure, out, err);
out:
	free(list);
	free(home_path);
	json_decref(acc);
	return rc;
}

/* First line of a small file, trimmed. */
static int read_trimmed(const char *path, char **out)
{
	size_t len;
	int rc = k8s_read_file(path, 64 * 1024, out, &len);

	if (rc)
		return rc;
	while (len && ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r' ||
	               (*out)[len - 1] == ' ' || (*out)[len - 1] == '\t'))
		(*out)[--len] = '\0';
	return 0;
}

int k8s_incluster_load(const struct k8s_incluster *p, struct k8s_config *out, struct k8s_err *err)
{
	static const struct k8s_incluster none;
	const char *host, *port, *token_file, *ca_file, *ns_file;
	char *token = NULL, *ns = NULL;
	int rc, n;

	memset(out, 0, sizeof(*out));
	err->msg[0] = '\0';
	if (!p)
		p = &none;
	host = p->host ? p->host : getenv("KUBERNETES_SERVICE_HOST");
	port = p->port ? p->port : getenv("KUBERNETES_SERVICE_PORT");
	token_file = p->token_file ? p->token_file : K8S_SA_DIR "/token";
	ca_file = p->ca_file ? p->ca_file : K8S_SA_DIR "/ca.crt";
	ns_file = p->ns_file ? p->ns_file : K8S_SA_DIR "/namespace";
	if (!host || !host[0] || !port || !port[0])
		return fail(err, -ENOENT,
		            "not in a cluster: KUBERNETES_SERVICE_HOST and _PORT must be set");
	if (strspn(port, "0123456789") != strlen(port) || strlen(port) > 5)
		return fail(err, -EINVAL, "KUBERNETES_SERVICE_PORT: \"%s\" is not a port", port);
	rc = read_trimmed(token_file, &token);
	if (rc)
		return fail(err, rc, "%s: %s", token_file, strerror(-rc));
	free(token); /* read to fail early; the file stays the source */
	/* An IPv6 service host needs brackets in the URL (RFC 3986 3.2.2). */
	n = asprintf(&out->server, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host,
	             port);
	if (n < 0) {
		out->server = NULL;
		rc = -ENOMEM;
		goto out;
	}
	out->token_file = strdup(token_file);
	out->ca_file = strdup(ca_file);
	if (read_trimmed(ns_file, &ns) != 0 || !ns[0]) {
		free(ns);
		ns = strdup("default");
	}
	out->ns = ns;
	if (!out->token_file || !out->ca_file || !out->ns)
		rc = -ENOMEM;
out:
	if (rc) {
		fail(err, rc, "out of memory");
		k8s_config_fini(out);
	}
	return rc;
}

/* ---- discovery: the one order both daemons use (config.h) ---- */

const char *k8s_config_source_name(enum k8s_config_source s)
{
	static const char *const names[] = {
	    [K8S_CONFIG_FLAG] = "--kubeconfig",
	    [K8S_CONFIG_ENV] = "$KUBECONFIG",
	    [K8S_CONFIG_INCLUSTER] = "in-cluster",
	    [K8S_CONFIG_HOME] = "~/.kube/config",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* As client-go's homedir.HomeDir on Linux: $HOME, else the passwd entry. */
static int home_kubeconfig(char *buf, size_t size)
{
	const char *home = getenv("HOME");
	struct passwd pw, *res = NULL;
	char pwbuf[1024];

	if ((!home || !home[0]) && getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 &&
	    res)
		home = res->pw_dir;
	if (!home || !home[0])
		return -ENOENT;
	if ((size_t)snprintf(buf, size, "%s/.kube/config", home) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int discover_incluster(const char *root, struct k8s_config *out, struct k8s_err *err)
{
	char tok[PATH_MAX], ca[PATH_MAX], ns[PATH_MAX];
	struct k8s_incluster ic = {.token_file = tok, .ca_file = ca, .ns_file = ns};

	if (!root)
		root = "";
	if ((size_t)snprintf(tok, sizeof(tok), "%s" K8S_SA_DIR "/token", root) >= sizeof(tok) ||
	    (size_t)snprintf(ca, sizeof(ca), "%s" K8S_SA_DIR "/ca.crt", root) >= sizeof(ca) ||
	    (size_t)snprintf(ns, sizeof(ns), "%s" K8S_SA_DIR "/namespace", root) >= sizeof(ns))
		return fail(err, -ENAMETOOLONG, "service account directory: name too long");
	return k8s_incluster_load(&ic, out, err);
}

int k8s_config_discover(const struct k8s_config_discover *d, struct k8s_config *out,
                        enum k8s_config_source *src, struct k8s_err *err)
{
	const char *env = getenv("KUBECONFIG"), *host = getenv("KUBERNETES_SERVICE_HOST"),
	           *port = getenv("KUBERNETES_SERVICE_PORT");
	enum k8s_config_source dummy;
	char home[PATH_MAX], ic_why[K8S_ERR_MAX] = "";
	int rc;

	memset(out, 0, sizeof(*out));
	err->msg[0] = '\0';
	if (!src)
		src = &dummy;
	if (d->kubeconfig && d->kubeconfig[0]) {
		*src = K8S_CONFIG_FLAG;
		return k8s_kubeconfig_load(d->kubeconfig, d->context, false, out, err);
	}
	if (env && env[0]) {
		*src = K8S_CONFIG_ENV;
		rc = k8s_kubeconfig_load(env, d->context, false, out, err);
		if (rc) {
			char why[K8S_ERR_MAX];

			snprintf(why, sizeof(why), "%s", err->msg);
			fail(err, rc, "$KUBECONFIG: %s", why);
		}
		return rc;
	}
	if (host && host[0] && port && port[0]) {
		*src = K8S_CONFIG_INCLUSTER;
		if ((rc = discover_incluster(d->root, out, err)) == 0)
			return 0;
		/* As controller-runtime: a broken service account still lets
		 * ~/.kube/config be used; the reason is kept for the error. */
		snprintf(ic_why, sizeof(ic_why), "%s", err->msg);
	}
	*src = K8S_CONFIG_HOME;
	rc = home_kubeconfig(home, sizeof(home));
	if (rc == 0)
		rc = k8s_kubeconfig_load(home, d->context, false, out, err);
	else
		fail(err, rc, "no home directory for ~/.kube/config");
	if (rc && ic_why[0]) {
		char why[K8S_ERR_MAX];

		snprintf(why, sizeof(why), "%s", err->msg);
		fail(err, rc, "in-cluster: %.100s; and %.130s", ic_why, why);
	} else if (rc == -ENOENT) {
		char why[K8S_ERR_MAX];

		snprintf(why, sizeof(why), "%s", err->msg);
		fail(err, rc,
		     "no --kubeconfig, no $KUBECONFIG, not in a cluster "
		     "(KUBERNETES_SERVICE_HOST unset), and %.150s",
		     why);
	}
	return rc;
}
