/*
 * kubeconfig (clientcmd/api/v1 Config) -> struct k8s_config. Pure.
 *
 * Merged form (acc): {"clusters":{NAME:cluster}, "users":{NAME:user},
 * "contexts":{NAME:context}, "current-context":NAME}, built by
 * k8s_kubeconfig_merge from one or more files.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/yaml.h"
#include "core/b64.h"
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

void k8s_config_fini(struct k8s_config *c)
{
	free(c->server);
	free(c->ca_file);
	free(c->ca_data);
	free(c->token);
	free(c->token_file);
	free(c->cert_file);
	free(c->cert_data);
	free(c->key_file);
	free(c->key_data);
	free(c->tls_server_name);
	free(c->ns);
	memset(c, 0, sizeof(*c));
}

/* Fields holding file names, made absolute against the file's directory
 * (clientcmd ResolvePaths). */
static const char *const path_fields[] = {"certificate-authority", "client-certificate",
                                          "client-key", "tokenFile"};

static int resolve_paths(json_t *o, const char *dir, struct k8s_err *err)
{
	for (size_t i = 0; i < sizeof(path_fields) / sizeof(path_fields[0]); i++) {
		const json_t *v = json_object_get(o, path_fields[i]);
		char *abs;
		int rc;

		if (!v || json_is_null(v))
			continue;
		if (!json_is_string(v))
			return fail(err, -EINVAL, "%s: must be a string", path_fields[i]);
		if (!dir || !json_string_value(v)[0] || json_string_value(v)[0] == '/')
			continue;
		if (asprintf(&abs, "%s/%s", dir, json_string_value(v)) < 0)
			return -ENOMEM;
		rc = json_object_set_new(o, path_fields[i], json_string(abs));
		free(abs);
		if (rc)
			return -ENOMEM;
	}
	return 0;
}

/* Adds doc[list][*] (named entries holding doc[list][*][field]) to acc[list]. */
static int merge_list(json_t *acc, const json_t *doc, const char *list, const char *field,
                      const char *dir, struct k8s_err *err)
{
	const json_t *arr = json_object_get(doc, list), *e;
	json_t *map = json_object_get(acc, list);
	size_t i;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return fail(err, -EINVAL, "%s: must be a list", list);
	if (!map) {
		map = json_object();
		if (!map || json_object_set_new(acc, list, map))
			return -ENOMEM;
	}
	json_array_foreach(arr, i, e)
	{
		const char *name = json_string_value(json_object_get(e, "name"));
		const json_t *body = json_object_get(e, field);
		json_t *copy;
		int rc;

		if (!json_is_object(e) || !name || !name[0])
			return fail(err, -EINVAL, "%s[%zu]: needs a name", list, i);
		if (body && !json_is_null(body) && !json_is_object(body))
			return fail(err, -EINVAL, "%s[%zu] %s: %s must be a mapping", list, i, name,
			            field);
		if (json_object_get(map, name))
			continue; /* an earlier file defined it: first wins */
		copy = json_is_object(body) ? json_deep_copy(body) : json_object();
		if (!copy)
			return -ENOMEM;
		rc = resolve_paths(copy, dir, err);
		if (rc == -EINVAL) {
			char why[K8S_ERR_MAX];

			snprintf(why, sizeof(why), "%s", err->msg);
			fail(err, rc, "%s %s: %s", list, name, why);
		}
		if (!rc && json_object_set_new(map, name, copy))
			return -ENOMEM;
		if (rc) {
			json_decref(copy);
			return rc;
		}
	}
	return 0;
}

int k8s_kubeconfig_merge(json_t *acc, const json_t *doc, const char *dir, struct k8s_err *err)
{
	const json_t *cur;
	int rc;

	err->msg[0] = '\0';
	if (!doc || json_is_null(doc))
		return 0; /* an empty file */
	if (!json_is_object(doc))
		return fail(err, -EINVAL, "kubeconfig must be a mapping");
	rc = merge_list(acc, doc, "clusters", "cluster", dir, err);
	if (!rc)
		rc = merge_list(acc, doc, "users", "user", dir, err);
	if (!rc)
		rc = merge_list(acc, doc, "contexts", "context", dir, err);
	if (rc)
		return rc;
	cur = json_object_get(doc, "current-context");
	if (cur && !json_is_null(cur) && !json_is_string(cur))
		return fail(err, -EINVAL, "current-context: must be a string");
	if (json_is_string(cur) && json_string_value(cur)[0] &&
	    !json_object_get(acc, "current-context"))
		if (json_object_set(acc, "current-context", (json_t *)cur))
			return -ENOMEM;
	return 0;
}

/* obj[key] as a string: 1 and *s when set and non-empty, 0 when absent,
 * -EINVAL for another type. */
static int get_str(const json_t *obj, const char *key, const char **s)
{
	const json_t *v = json_object_get(obj, key);

	*s = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -EINVAL;
	*s = json_string_value(v);
	return (*s)[0] ? 1 : 0;
}

static int dup_str(char **dst, const char *s)
{
	if (!s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

/* The -data fields hold base64 of PEM. */
static int dup_b64(char **dst, size_t *len, const char *s)
{
	if (!s)
		return 0;
	return core_b64_decode(s, strlen(s), dst, len, NULL);
}

static int decode_cluster(const json_t *cl, const char *name, bool allow_insecure,
                          struct k8s_config *out, struct k8s_err *err)
{
	const char *server, *ca, *ca_data, *sni;
	const json_t *insecure = json_object_get(cl, "insecure-skip-tls-verify");
	size_t n;
	int rc;

	if (get_str(cl, "server", &server) <= 0)
		return fail(err, -EINVAL, "cluster %s: server: must be set", name);
	if (strncmp(server, "https://", 8) != 0 && strncmp(server, "http://", 7) != 0)
		return fail(err, -EINVAL, "cluster %s: server: must be an http(s) URL", name);
	if (get_str(cl, "certificate-authority", &ca) < 0 ||
	    get_str(cl, "certificate-authority-data", &ca_data) < 0 ||
	    get_str(cl, "tls-server-name", &sni) < 0)
		return fail(err, -EINVAL, "cluster %s: TLS fields must be strings", name);
	if (insecure && !json_is_boolean(insecure) && !json_is_null(insecure))
		return fail(err, -EINVAL, "cluster %s: insecure-skip-tls-verify: must be a boolean",
		            name);
	if (json_is_true(insecure)) {
		/* clientcmd validation refuses the combination too. */
		if (ca || ca_data)
			return fail(
			    err, -EINVAL,
			    "cluster %s: a certificate authority and insecure-skip-tls-verify "
			    "exclude each other",
			    name);
		if (!allow_insecure)
			return fail(
			    err, -EPERM,
			    "cluster %s: insecure-skip-tls-verify is refused (not allowed by "
			    "the caller)",
			    name);
		out->insecure = true;
	}
	rc = dup_str(&out->server, server);
	if (rc)
		return rc;
	n = strlen(out->server);
	while (n > 0 && out->server[n - 1] == '/')
		out->server[--n] = '\0';
	rc = dup_str(&out->ca_file, ca);
	if (!rc)
		rc = dup_str(&out->tls_server_name, sni);
	if (!rc)
		rc = dup_b64(&out->ca_data, &out->ca_len, ca_data);
	if (rc == -EINVAL)
		return fail(err, rc, "cluster %s: certificate-authority-data: not base64", name);
	return rc;
}

static int decode_user(const json_t *u, const char *name, struct k8s_config *out,
                       struct k8s_err *err)
{
	const char *token, *token_file, *cert, *cert_data, *key, *key_data, *s;
	int rc;

	if (json_object_get(u, "exec") || json_object_get(u, "auth-provider"))
		return fail(err, -ENOTSUP,
		            "user %s: exec and auth-provider plugins are not supported", name);
	if (get_str(u, "username", &s) != 0 || get_str(u, "password", &s) != 0)
		return fail(err, -ENOTSUP, "user %s: basic authentication is not supported", name);
	if (get_str(u, "token", &token) < 0 || get_str(u, "tokenFile", &token_file) < 0 ||
	    get_str(u, "client-certificate", &cert) < 0 ||
	    get_str(u, "client-certificate-data", &cert_data) < 0 ||
	    get_str(u, "client-key", &key) < 0 || get_str(u, "client-key-data", &key_data) < 0)
		return fail(err, -EINVAL, "user %s: credential fields must be strings", name);
	if (!(cert || cert_data) != !(key || key_data))
		return fail(err, -EINVAL, "user %s: a client certificate needs its key and back",
		            name);
	rc = dup_str(&out->token, token);
	if (!rc)
		rc = dup_str(&out->token_file, token_file);
	if (!rc)
		rc = dup_str(&out->cert_file, cert);
	if (!rc)
		rc = dup_str(&out->key_file, key);
	if (!rc)
		rc = dup_b64(&out->cert_data, &out->cert_len, cert_data);
	if (!rc)
		rc = dup_b64(&out->key_data, &out->key_len, key_data);
	if (rc == -EINVAL)
		return fail(err, rc, "user %s: client certificate or key data: not base64", name);
	return rc;
}

int k8s_kubeconfig_decode(const json_t *kc, const char *context, bool allow_insecure,
                          struct k8s_config *out, struct k8s_err *err)
{
	const char *cluster_name, *user_name, *ns;
	const json_t *ctx, *cl, *u = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	err->msg[0] = '\0';
	if (!context || !context[0])
		context = json_string_value(json_object_get(kc, "current-context"));
	if (!context || !context[0])
		return fail(err, -EINVAL, "no current-context and no context given");
	ctx = json_object_get(json_object_get(kc, "contexts"), context);
	if (!ctx)
		return fail(err, -ENOENT, "context \"%s\" not found", context);
	if (get_str(ctx, "cluster", &cluster_name) <= 0 || get_str(ctx, "user", &user_name) < 0 ||
	    get_str(ctx, "namespace", &ns) < 0)
		return fail(err, -EINVAL, "context %s: needs a cluster (user, namespace: strings)",
		            context);
	cl = json_object_get(json_object_get(kc, "clusters"), cluster_name);
	if (!cl)
		return fail(err, -ENOENT, "context %s: cluster \"%s\" not found", context,
		            cluster_name);
	if (user_name) {
		u = json_object_get(json_object_get(kc, "users"), user_name);
		if (!u)
			return fail(err, -ENOENT, "context %s: user \"%s\" not found", context,
			            user_name);
	}
	rc = decode_cluster(cl, cluster_name, allow_insecure, out, err);
	if (!rc && u)
		rc = decode_user(u, user_name, out, err);
	if (!rc)
		rc = dup_str(&out->ns, ns ? ns : "default");
	if (rc == -ENOMEM)
		fail(err, rc, "out of memory");
	if (rc)
		k8s_config_fini(out);
	return rc;
}

int k8s_kubeconfig_parse(const char *buf, size_t len, const char *dir, const char *context,
                         bool allow_insecure, struct k8s_config *out, struct k8s_err *err)
{
	struct cfg_error cerr;
	struct cfg_yaml y;
	json_t *acc = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	cfg_error_init(&cerr, "kubeconfig", NULL);
	rc = cfg_yaml_parse(buf, len, &y, &cerr);
	if (rc)
		return fail(err, rc, "%s", cerr.msg);
	if (y.n_docs > 1) {
		rc = fail(err, -EINVAL, "kubeconfig: one YAML document expected");
		goto out;
	}
	acc = json_object();
	if (!acc) {
		rc = fail(err, -ENOMEM, "out of memory");
		goto out;
	}
	rc = k8s_kubeconfig_merge(acc, y.n_docs ? y.docs[0].root : NULL, dir, err);
	if (!rc)
		rc = k8s_kubeconfig_decode(acc, context, allow_insecure, out, err);
out:
	json_decref(acc);
	cfg_yaml_fini(&y);
	return rc;
}
