/*
 * kubeconfig and in-cluster configuration: contexts, credentials, path
 * resolution, merge rules of a KUBECONFIG list, refusals, hostile input,
 * and the order in which the daemons look for their API server.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "k8s/config.h"

static const char kc_main[] =
    "apiVersion: v1\n"
    "kind: Config\n"
    "clusters:\n"
    "- name: prod\n"
    "  cluster:\n"
    "    server: https://10.0.0.1:6443/\n"
    "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n"
    "- name: lab\n"
    "  cluster:\n"
    "    server: https://lab.example:443\n"
    "    certificate-authority: certs/ca.pem\n"
    "    tls-server-name: kubernetes.default.svc\n"
    "- name: bad\n"
    "  cluster:\n"
    "    server: https://x\n"
    "    insecure-skip-tls-verify: true\n"
    "users:\n"
    "- name: admin\n"
    "  user:\n"
    "    token: abc.def\n"
    "- name: robot\n"
    "  user:\n"
    "    tokenFile: /var/run/token\n"
    "    client-certificate: tls.crt\n"
    "    client-key: /abs/tls.key\n"
    "- name: certdata\n"
    "  user:\n"
    "    client-certificate-data: Y2VydA==\n"
    "    client-key-data: a2V5\n"
    "contexts:\n"
    "- name: prod-admin\n"
    "  context: {cluster: prod, user: admin, namespace: berth-system}\n"
    "- name: lab-robot\n"
    "  context: {cluster: lab, user: robot}\n"
    "- name: lab-certs\n"
    "  context: {cluster: lab, user: certdata}\n"
    "- name: insecure\n"
    "  context: {cluster: bad, user: admin}\n"
    "- name: anonymous\n"
    "  context: {cluster: prod}\n"
    "- name: ghost-user\n"
    "  context: {cluster: prod, user: nobody}\n"
    "- name: ghost-cluster\n"
    "  context: {cluster: nowhere, user: admin}\n"
    "current-context: prod-admin\n";

static int parse(const char *text, const char *ctx, bool insecure, struct k8s_config *c,
                 struct k8s_err *err)
{
	return k8s_kubeconfig_parse(text, strlen(text), "/etc/kube", ctx, insecure, c, err);
}

static void test_current_context(void **state)
{
	struct k8s_config c;
	struct k8s_err err;

	assert_int_equal(parse(kc_main, NULL, false, &c, &err), 0);
	assert_string_equal(c.server, "https://10.0.0.1:6443"); /* trailing '/' dropped */
	assert_string_equal(c.ca_data, "-----BEGIN CERTIFICATE-----\n");
	assert_int_equal(c.ca_len, 28);
	assert_null(c.ca_file);
	assert_string_equal(c.token, "abc.def");
	assert_null(c.token_file);
	assert_string_equal(c.ns, "berth-system");
	assert_false(c.insecure);
	k8s_config_fini(&c);
	assert_null(c.server);
}

static void test_named_context(void **state)
{
	struct k8s_config c;
	struct k8s_err err;

	assert_int_equal(parse(kc_main, "lab-robot", false, &c, &err), 0);
	assert_string_equal(c.server, "https://lab.example:443");
	/* relative to the kubeconfig's directory, as clientcmd does */
	assert_string_equal(c.ca_file, "/etc/kube/certs/ca.pem");
	assert_string_equal(c.cert_file, "/etc/kube/tls.crt");
	assert_string_equal(c.key_file, "/abs/tls.key");
	assert_string_equal(c.token_file, "/var/run/token");
	assert_string_equal(c.tls_server_name, "kubernetes.default.svc");
	assert_string_equal(c.ns, "default");
	k8s_config_fini(&c);

	assert_int_equal(parse(kc_main, "lab-certs", false, &c, &err), 0);
	assert_string_equal(c.cert_data, "cert");
	assert_int_equal(c.cert_len, 4);
	assert_string_equal(c.key_data, "key");
	k8s_config_fini(&c);

	assert_int_equal(parse(kc_main, "anonymous", false, &c, &err), 0);
	assert_null(c.token);
	assert_null(c.cert_file);
	k8s_config_fini(&c);
}

static void test_insecure(void **state)
{
	struct k8s_config c;
	struct k8s_err err;

	assert_int_equal(parse(kc_main, "insecure", false, &c, &err), -EPERM);
	assert_non_null(strstr(err.msg, "insecure-skip-tls-verify is refused"));
	assert_null(c.server);
	assert_int_equal(parse(kc_main, "insecure", true, &c, &err), 0);
	assert_true(c.insecure);
	k8s_config_fini(&c);
	assert_int_equal(parse("clusters:\n- name: c\n  cluster:\n    server: https://x\n"
	                       "    insecure-skip-tls-verify: true\n"
	                       "    certificate-authority: /ca\n"
	                       "contexts:\n- name: x\n  context: {cluster: c}\n"
	                       "current-context: x\n",
	                       NULL, true, &c, &err),
	                 -EINVAL);
	assert_non_null(strstr(err.msg, "exclude each other"));
}

struct bad_case {
	const char *text;
	const char *ctx;
	int rc;
	const char *msg;
};

static void test_errors(void **state)
{
	static const char tail[] = "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
	                           "current-context: x\n";
	static const char cl[] = "clusters:\n- name: c\n  cluster: {server: \"https://h\"}\n";
	char buf[1024];
	const struct bad_case cases[] = {
	    {kc_main, "nope", -ENOENT, "context \"nope\" not found"},
	    {kc_main, "ghost-user", -ENOENT, "user \"nobody\" not found"},
	    {kc_main, "ghost-cluster", -ENOENT, "cluster \"nowhere\" not found"},
	    {"apiVersion: v1\n", NULL, -EINVAL, "no current-context"},
	    {"", NULL, -EINVAL, "no current-context"},
	    {"- a\n- b\n", NULL, -EINVAL, "must be a mapping"},
	    {"clusters: {}\n", NULL, -EINVAL, "clusters: must be a list"},
	    {"clusters:\n- cluster: {}\n", NULL, -EINVAL, "needs a name"},
	    {"users:\n- name: u\n  user: 5\n", NULL, -EINVAL, "must be a mapping"},
	    {"current-context: [1]\n", NULL, -EINVAL, "current-context: must be a string"},
	    {"clusters:\n- name: c\n  cluster: {certificate-authority: 5}\n", NULL, -EINVAL,
	     "certificate-authority: must be a string"},
	    {"a: 1\n---\nb: 2\n", NULL, -EINVAL, "one YAML document"},
	    {"a: [\n", NULL, -EINVAL, NULL},
	};
	const struct bad_case with_tail[] = {
	    {"clusters:\n- name: c\n  cluster: {}\n", NULL, -EINVAL, "server: must be set"},
	    {"clusters:\n- name: c\n  cluster: {server: \"ftp://h\"}\n", NULL, -EINVAL,
	     "http(s) URL"},
	    {"clusters:\n- name: c\n  cluster: {server: \"https://h\", "
	     "certificate-authority-data: \"!!!\"}\n",
	     NULL, -EINVAL, "not base64"},
	    {"users:\n- name: u\n  user: {exec: {command: aws}}\n", NULL, -ENOTSUP, "exec"},
	    {"users:\n- name: u\n  user: {auth-provider: {name: gcp}}\n", NULL, -ENOTSUP, "exec"},
	    {"users:\n- name: u\n  user: {username: a, password: b}\n", NULL, -ENOTSUP, "basic"},
	    {"users:\n- name: u\n  user: {client-certificate: /c}\n", NULL, -EINVAL, "its key"},
	    {"users:\n- name: u\n  user: {client-key-data: a2V5}\n", NULL, -EINVAL, "its key"},
	    {"users:\n- name: u\n  user: {token: 5}\n", NULL, -EINVAL, "must be strings"},
	    {"users:\n- name: u\n  user: {client-certificate-data: \"Y2V\", client-key: /k}\n",
	     NULL, -EINVAL, "not base64"},
	};
	struct k8s_config c;
	struct k8s_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(cases[i].text, cases[i].ctx, false, &c, &err);
		if (rc != cases[i].rc || (cases[i].msg && !strstr(err.msg, cases[i].msg)))
			fail_msg("case %zu: rc %d msg \"%s\"", i, rc, err.msg);
		assert_null(c.server);
	}
	for (size_t i = 0; i < sizeof(with_tail) / sizeof(with_tail[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s%s",
		         strncmp(with_tail[i].text, "users", 5) == 0 ? cl : "", with_tail[i].text,
		         strncmp(with_tail[i].text, "users", 5) == 0
		             ? tail
		             : "users:\n- name: u\n  user: {}\n"
		               "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
		               "current-context: x\n");
		int rc = parse(buf, NULL, false, &c, &err);
		if (rc != with_tail[i].rc || !strstr(err.msg, with_tail[i].msg))
			fail_msg("tail case %zu: rc %d msg \"%s\"", i, rc, err.msg);
		assert_null(c.server);
	}
}

static void test_merge(void **state)
{
	json_t *acc = json_object(), *da, *db, *dc;
	struct k8s_config c;
	struct k8s_err err;

	da = json_pack("{s:[{s:s, s:{s:s}}], s:[{s:s, s:{s:s}}]}", "clusters", "name", "c",
	               "cluster", "server", "https://first", "users", "name", "u", "user",
	               "tokenFile", "tok");
	db = json_loads(
	    "{\"clusters\":[{\"name\":\"c\",\"cluster\":{\"server\":\"https://second\"}},"
	    "{\"name\":\"d\",\"cluster\":{\"server\":\"https://d\"}}],"
	    "\"contexts\":[{\"name\":\"x\",\"context\":{\"cluster\":\"c\",\"user\":\"u\"}},"
	    "{\"name\":\"y\",\"context\":{\"cluster\":\"d\"}}],"
	    "\"current-context\":\"x\"}",
	    0, NULL);
	dc = json_pack("{s:s}", "current-context", "y");
	/* a later file's current-context loses; so do its duplicate names */
	assert_int_equal(k8s_kubeconfig_merge(acc, da, "/home/a/.kube", &err), 0);
	assert_int_equal(k8s_kubeconfig_merge(acc, NULL, "/x", &err), 0);
	assert_int_equal(k8s_kubeconfig_merge(acc, db, "/b", &err), 0);
	assert_int_equal(k8s_kubeconfig_merge(acc, dc, "/c", &err), 0);
	assert_int_equal(k8s_kubeconfig_decode(acc, NULL, false, &c, &err), 0);
	assert_string_equal(c.server, "https://first");
	assert_string_equal(c.token_file, "/home/a/.kube/tok");
	k8s_config_fini(&c);
	assert_int_equal(k8s_kubeconfig_decode(acc, "y", false, &c, &err), 0);
	assert_string_equal(c.server, "https://d");
	k8s_config_fini(&c);
	json_decref(acc);
	json_decref(da);
	json_decref(db);
	json_decref(dc);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_files(void **state)
{
	char dir[] = "/tmp/k8s_kc_XXXXXX", p1[128], p2[128], list[300];
	struct k8s_config c;
	struct k8s_err err;

	assert_non_null(mkdtemp(dir));
	snprintf(p1, sizeof(p1), "%s/one", dir);
	snprintf(p2, sizeof(p2), "%s/two", dir);
	write_file(p1, "users:\n- name: u\n  user: {tokenFile: rel/token}\n");
	write_file(p2, kc_main);
	/* a missing file in a list is skipped */
	snprintf(list, sizeof(list), "%s/missing:%s:%s", dir, p1, p2);
	assert_int_equal(k8s_kubeconfig_load(list, "lab-robot", false, &c, &err), 0);
	assert_string_equal(c.server, "https://lab.example:443");
	k8s_config_fini(&c);
	/* a single named file must exist */
	snprintf(list, sizeof(list), "%s/missing", dir);
	assert_int_equal(k8s_kubeconfig_load(list, NULL, false, &c, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "missing"));
	/* a relative name: relative paths inside resolve against its
	 * absolute directory */
	{
		char cwd[256], want[200];

		assert_non_null(getcwd(cwd, sizeof(cwd)));
		assert_int_equal(chdir(dir), 0);
		assert_int_equal(k8s_kubeconfig_load("two", "lab-robot", false, &c, &err), 0);
		assert_int_equal(chdir(cwd), 0);
		snprintf(want, sizeof(want), "%s/certs/ca.pem", dir);
		assert_string_equal(c.ca_file, want);
		k8s_config_fini(&c);
	}
	/* KUBECONFIG when no path is given */
	setenv("KUBECONFIG", p2, 1);
	assert_int_equal(k8s_kubeconfig_load(NULL, NULL, false, &c, &err), 0);
	assert_string_equal(c.token, "abc.def");
	k8s_config_fini(&c);
	unsetenv("KUBECONFIG");
	unlink(p1);
	unlink(p2);
	rmdir(dir);
}

static void test_incluster(void **state)
{
	char dir[] = "/tmp/k8s_ic_XXXXXX", tok[128], ca[128], ns[128];
	struct k8s_incluster ic = {0};
	struct k8s_config c;
	struct k8s_err err;

	assert_non_null(mkdtemp(dir));
	snprintf(tok, sizeof(tok), "%s/token", dir);
	snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
	snprintf(ns, sizeof(ns), "%s/namespace", dir);
	ic.token_file = tok;
	ic.ca_file = ca;
	ic.ns_file = ns;
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	assert_int_equal(k8s_incluster_load(&ic, &c, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "not in a cluster"));
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	assert_int_equal(k8s_incluster_load(&ic, &c, &err), -ENOENT); /* no token yet */
	write_file(tok, "eyJhbGciOi.x.y\n");
	assert_int_equal(k8s_incluster_load(&ic, &c, &err), 0);
	assert_string_equal(c.server, "https://10.96.0.1:443");
	assert_string_equal(c.token_file, tok);
	assert_null(c.token); /* the file stays the source: it rotates */
	assert_string_equal(c.ca_file, ca);
	assert_string_equal(c.ns, "default");
	k8s_config_fini(&c);
	write_file(ns, "berth-system\n");
	ic.host = "fd00::1";
	ic.port = "6443";
	assert_int_equal(k8s_incluster_load(&ic, &c, &err), 0);
	assert_string_equal(c.server, "https://[fd00::1]:6443");
	assert_string_equal(c.ns, "berth-system");
	k8s_config_fini(&c);
	ic.port = "44x";
	assert_int_equal(k8s_incluster_load(&ic, &c, &err), -EINVAL);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	unlink(tok);
	unlink(ns);
	rmdir(dir);
}

/* A one-cluster kubeconfig whose server names where it came from. */
static void write_kc(const char *path, const char *server)
{
	char text[512];

	snprintf(text, sizeof(text),
	         "clusters:\n- name: c\n  cluster: {server: \"%s\"}\n"
	         "users:\n- name: u\n  user: {token: t}\n"
	         "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
	         "- name: other\n  context: {cluster: c, user: u, namespace: other}\n"
	         "current-context: x\n",
	         server);
	write_file(path, text);
}

static void mkdir_p(const char *path)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		mkdir(buf, 0700);
		*p = '/';
	}
	mkdir(buf, 0700);
}

/* One discovery, its source and server; "" when it fails (err kept). */
static int discover(const char *flag, const char *root, const char *context,
                    enum k8s_config_source *src, char *server, size_t size, struct k8s_err *err)
{
	struct k8s_config_discover d = {.kubeconfig = flag, .context = context, .root = root};
	struct k8s_config c;
	int rc = k8s_config_discover(&d, &c, src, err);

	snprintf(server, size, "%s", rc ? "" : c.server);
	if (!rc && context)
		snprintf(server + strlen(server), size - strlen(server), " ns=%s", c.ns);
	k8s_config_fini(&c);
	return rc;
}

/* controller-runtime's order: --kubeconfig, $KUBECONFIG, in-cluster,
 * ~/.kube/config; each step taken away in turn shows the next. */
static void test_discover_order(void **state)
{
	char dir[] = "/tmp/k8s_disc_XXXXXX", flag[128], env[128], home[128], kube[160], sa[256],
	     tok[300], server[256], missing[160];
	enum k8s_config_source src;
	struct k8s_err err;

	assert_non_null(mkdtemp(dir));
	snprintf(flag, sizeof(flag), "%s/flag.kc", dir);
	snprintf(env, sizeof(env), "%s/env.kc", dir);
	snprintf(home, sizeof(home), "%s/home", dir);
	snprintf(kube, sizeof(kube), "%s/.kube", home);
	snprintf(sa, sizeof(sa), "%s%s", dir, K8S_SA_DIR);
	snprintf(tok, sizeof(tok), "%s/token", sa);
	snprintf(missing, sizeof(missing), "%s/missing.kc", dir);
	mkdir_p(kube);
	mkdir_p(sa);
	write_kc(flag, "https://flag.example");
	write_kc(env, "https://env.example");
	write_file(tok, "eyJhbGciOi.x.y\n");
	{
		char p[200];

		snprintf(p, sizeof(p), "%s/config", kube);
		write_kc(p, "https://home.example");
	}
	setenv("KUBECONFIG", env, 1);
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	setenv("HOME", home, 1);

	/* 1. the flag, over everything else */
	assert_int_equal(discover(flag, dir, NULL, &src, server, sizeof(server), &err), 0);
	assert_int_equal(src, K8S_CONFIG_FLAG);
	assert_string_equal(server, "https://flag.example");
	assert_string_equal(k8s_config_source_name(src), "--kubeconfig");
	/* with its context */
	assert_int_equal(discover(flag, dir, "other", &src, server, sizeof(server), &err), 0);
	assert_string_equal(server, "https://flag.example ns=other");
	/* a flag naming a missing file fails: no fallback to what it overrides */
	assert_int_equal(discover(missing, dir, NULL, &src, server, sizeof(server), &err), -ENOENT);
	assert_int_equal(src, K8S_CONFIG_FLAG);
	assert_non_null(strstr(err.msg, "missing.kc"));

	/* 2. $KUBECONFIG, over in-cluster */
	assert_int_equal(discover(NULL, dir, NULL, &src, server, sizeof(server), &err), 0);
	assert_int_equal(src, K8S_CONFIG_ENV);
	assert_string_equal(server, "https://env.example");
	assert_int_equal(discover("", dir, "other", &src, server, sizeof(server), &err), 0);
	assert_string_equal(server, "https://env.example ns=other");
	/* a list, with a missing file skipped as clientcmd does */
	{
		char list[300];

		snprintf(list, sizeof(list), "%s:%s", missing, env);
		setenv("KUBECONFIG", list, 1);
		assert_int_equal(discover(NULL, dir, NULL, &src, server, sizeof(server), &err), 0);
		assert_string_equal(server, "https://env.example");
	}
	setenv("KUBECONFIG", missing, 1);
	assert_int_equal(discover(NULL, dir, NULL, &src, server, sizeof(server), &err), -ENOENT);
	assert_int_equal(src, K8S_CONFIG_ENV);
	assert_non_null(strstr(err.msg, "$KUBECONFIG"));

	/* 3. in-cluster, over ~/.kube/config; the service account's files
	 * under the root */
	setenv("KUBECONFIG", "", 1); /* empty counts as unset */
	{
		struct k8s_config_discover d = {.root = dir};
		struct k8s_config c;

		assert_int_equal(k8s_config_discover(&d, &c, &src, &err), 0);
		assert_int_equal(src, K8S_CONFIG_INCLUSTER);
		assert_string_equal(c.server, "https://10.96.0.1:443");
		assert_string_equal(c.token_file, tok);
		assert_string_equal(c.ns, "default");
		k8s_config_fini(&c);
	}
	unsetenv("KUBECONFIG");

	/* 4. ~/.kube/config: outside a cluster ... */
	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_int_equal(discover(NULL, dir, NULL, &src, server, sizeof(server), &err), 0);
	assert_int_equal(src, K8S_CONFIG_HOME);
	assert_string_equal(server, "https://home.example");
	assert_int_equal(discover(NULL, dir, "other", &src, server, sizeof(server), &err), 0);
	assert_string_equal(server, "https://home.example ns=other");
	/* ... and in one whose service account is unreadable */
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	unlink(tok);
	assert_int_equal(discover(NULL, dir, NULL, &src, server, sizeof(server), &err), 0);
	assert_int_equal(src, K8S_CONFIG_HOME);
	assert_string_equal(server, "https://home.example");

	/* nothing left: the error names each place looked in */
	{
		char p[200];

		snprintf(p, sizeof(p), "%s/config", kube);
		unlink(p);
	}
	assert_int_equal(discover(NULL, dir, NULL, &src, server, sizeof(server), &err), -ENOENT);
	assert_non_null(strstr(err.msg, "in-cluster"));
	assert_non_null(strstr(err.msg, "token"));
	assert_non_null(strstr(err.msg, ".kube/config"));
	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_int_equal(discover(NULL, dir, NULL, &src, server, sizeof(server), &err), -ENOENT);
	assert_non_null(strstr(err.msg, "not in a cluster"));
	assert_non_null(strstr(err.msg, ".kube/config"));

	unsetenv("KUBERNETES_SERVICE_PORT");
	unlink(flag);
	unlink(env);
	rmdir(kube);
	rmdir(home);
	/* the service account directory and its parents under dir */
	while (strlen(sa) > strlen(dir)) {
		rmdir(sa);
		*strrchr(sa, '/') = 0;
	}
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_current_context), cmocka_unit_test(test_named_context),
	    cmocka_unit_test(test_insecure),        cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_merge),           cmocka_unit_test(test_load_files),
	    cmocka_unit_test(test_incluster),       cmocka_unit_test(test_discover_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
