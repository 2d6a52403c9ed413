/*
 * BgpPeer passwords from Secrets (spec.conf.authPasswordSecretRef).
 *
 * speaker_peer_key alone: the value of the key of a Secret in the
 * speaker's namespace, byte for byte; a Secret elsewhere, a missing one,
 * a missing key, an empty value, one over 80 bytes or with a NUL hold
 * the session down (admin down, no key), never a session without it.
 *
 * Then the speaker over loopback, as test_speaker_md5 drives it: a
 * passive BgpPeer with a Secret reference and one without password. The
 * listening socket holds the Secret's key only while it is loaded; a
 * changed value replaces it (a connection queued under the old one is
 * closed); each change of where the key stands is told once (the
 * peer_key hook: an Event in cluster mode), not at every apply; the
 * other peer is never touched. Manifest mode reads Secrets of its
 * namespace from the manifests, on reload.
 */
#include <stdlib.h>

#include <ev.h>

#include "config/config.h"
#include "core/log.h"
#include "speaker/peer_cfg.h"
#include "speaker/speaker.h"

#include "test_speaker_lo_util.h"

#define NS "berth-system"

#define PEER_REF(ref)                                                                              \
	"apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\nmetadata: {name: tor}\n"       \
	"spec:\n  conf: {peerAs: 65000, neighborAddress: 192.0.2.1" ref "}\n"

/* A Secret of namespace ns with data (a YAML flow mapping). */
static void secret(char *buf, size_t size, const char *ns, const char *name, const char *data)
{
	snprintf(buf, size,
	         "---\napiVersion: v1\nkind: Secret\nmetadata: {name: %s, namespace: %s}\n%s\n",
	         name, ns, data);
}

static void load(struct cfg_set *set, const char *text)
{
	struct cfg_error err;

	cfg_set_init(set);
	cfg_error_init(&err, NULL, NULL);
	if (cfg_manifest_load_buf("t.yaml", text, strlen(text), set, &err) < 0)
		fail_msg("load: %s", err.msg);
}

struct key_case {
	const char *secrets; /* Secrets beside the BgpPeer */
	enum speaker_key want;
	const char *key; /* the key when OK */
	size_t key_len;
	const char *why;
};

static void test_resolve(void **state)
{
	char long_ok[CFG_MD5_KEY_MAX + 1], long_bad[CFG_MD5_KEY_MAX + 2], text[4096], s1[1024];
	const struct key_case cases[] = {
	    {NS "|bgp|data: {pw: czNjcmV0}", SPEAKER_KEY_OK, "s3cret", 6,
	     "TCP-MD5 key from Secret berth-system/bgp key \"pw\""},
	    /* a trailing newline is part of the value, as in a mounted file */
	    {NS "|bgp|stringData: {pw: \"s3cret\\n\"}", SPEAKER_KEY_OK, "s3cret\n", 7, NULL},
	    {NS "|bgp|stringData: {pw: \"\\u00e9\\t~\"}", SPEAKER_KEY_OK, "\xc3\xa9\t~", 4, NULL},
	    {NS "|bgp|stringData: {pw: LONG_OK}", SPEAKER_KEY_OK, long_ok, CFG_MD5_KEY_MAX, NULL},
	    {NS "|bgp|stringData: {pw: LONG_BAD}", SPEAKER_KEY_INVALID, NULL, 0,
	     "Secret berth-system/bgp key \"pw\" holds 81 bytes: a TCP-MD5 key has 1 to 80"},
	    {NS "|bgp|data: {pw: \"\"}", SPEAKER_KEY_INVALID, NULL, 0,
	     "Secret berth-system/bgp key \"pw\" is empty: a TCP-MD5 key has 1 to 80 bytes"},
	    {NS "|bgp|data: {pw: YQBi}", SPEAKER_KEY_INVALID, NULL, 0,
	     "Secret berth-system/bgp key \"pw\" holds a NUL byte, which no TCP-MD5 key may (the "
	     "kernel takes it as text)"},
	    {NS "|bgp|data: {password: czNjcmV0}", SPEAKER_KEY_NO_KEY, NULL, 0,
	     "Secret berth-system/bgp has no key \"pw\""},
	    {NS "|other|data: {pw: czNjcmV0}", SPEAKER_KEY_NO_SECRET, NULL, 0,
	     "Secret berth-system/bgp not found (BgpPeer Secrets are read from namespace "
	     "berth-system only)"},
	    /* the same name in another namespace is not read */
	    {"default|bgp|data: {pw: czNjcmV0}", SPEAKER_KEY_NO_SECRET, NULL, 0, NULL},
	    {"kube-system|bgp|data: {pw: czNjcmV0}", SPEAKER_KEY_NO_SECRET, NULL, 0, NULL},
	};

	memset(long_ok, 'k', CFG_MD5_KEY_MAX);
	long_ok[CFG_MD5_KEY_MAX] = 0;
	memset(long_bad, 'k', CFG_MD5_KEY_MAX + 1);
	long_bad[CFG_MD5_KEY_MAX + 1] = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct key_case *c = &cases[i];
		char ns[64], name[64], data[512], why[320];
		const char *p;
		struct bgp_peer_cfg pc;
		struct cfg_set set;
		enum speaker_key k;

		assert_int_equal(sscanf(c->secrets, "%63[^|]|%63[^|]|%511[^\n]", ns, name, data),
		                 3);
		if ((p = strstr(data, "LONG_"))) {
			char tail[512];

			snprintf(tail, sizeof(tail), "%s", p + (p[5] == 'O' ? 7 : 8));
			snprintf(data + (p - data), sizeof(data) - (size_t)(p - data), "%s%s",
			         p[5] == 'O' ? long_ok : long_bad, tail);
		}
		secret(s1, sizeof(s1), ns, name, data);
		snprintf(text, sizeof(text), "%s%s",
		         PEER_REF(", authPasswordSecretRef: {name: bgp, key: pw}"), s1);
		load(&set, text);
		memset(&pc, 0, sizeof(pc));
		snprintf(pc.md5_key, sizeof(pc.md5_key), "%s", "stale");
		k = speaker_peer_key(&set, NS, &set.peers[0], &pc, why, sizeof(why));
		if (k != c->want)
			fail_msg("case %zu: state %d, want %d (%s)", i, k, c->want, why);
		if (c->why && strcmp(why, c->why))
			fail_msg("case %zu:\n  got:  %s\n  want: %s", i, why, c->why);
		assert_null(strstr(why, "s3cret")); /* never the value */
		if (k == SPEAKER_KEY_OK) {
			assert_int_equal(strlen(pc.md5_key), c->key_len);
			assert_memory_equal(pc.md5_key, c->key, c->key_len);
			assert_false(pc.fsm.admin_down);
			assert_string_equal(speaker_key_reason(k), "SecretLoaded");
		} else {
			/* no key, and no session without it */
			assert_string_equal(pc.md5_key, "");
			assert_true(pc.fsm.admin_down);
		}
		cfg_set_fini(&set);
	}
	/* no reference: the inline password stays, nothing is held */
	{
		struct bgp_peer_cfg pc;
		struct cfg_set set;
		char why[64];

		load(&set, PEER_REF(", authPassword: inline"));
		memset(&pc, 0, sizeof(pc));
		snprintf(pc.md5_key, sizeof(pc.md5_key), "%s", "inline");
		assert_int_equal(speaker_peer_key(&set, NS, &set.peers[0], &pc, why, sizeof(why)),
		                 SPEAKER_KEY_NONE);
		assert_string_equal(pc.md5_key, "inline");
		assert_false(pc.fsm.admin_down);
		cfg_set_fini(&set);
	}
	assert_string_equal(speaker_key_reason(SPEAKER_KEY_NO_SECRET), "SecretMissing");
	assert_string_equal(speaker_key_reason(SPEAKER_KEY_NO_KEY), "SecretKeyMissing");
	assert_string_equal(speaker_key_reason(SPEAKER_KEY_INVALID), "SecretInvalid");
	assert_string_equal(speaker_key_reason((enum speaker_key)99), "");
}

/* ---- the speaker over loopback ---- */

struct told {
	char peer[64];
	int k;
	char msg[512];
};

static struct told told[32];
static size_t n_told;

static void hook_key(const char *peer, int k, const char *msg, void *arg)
{
	(void)arg;
	assert_true(n_told < sizeof(told) / sizeof(told[0]));
	snprintf(told[n_told].peer, sizeof(told[n_told].peer), "%s", peer);
	told[n_told].k = k;
	snprintf(told[n_told].msg, sizeof(told[n_told].msg), "%s", msg);
	n_told++;
}

/* BgpConf on 127.0.0.1:port; BgpPeer "lo" (127.0.0.1, passive) with a
 * reference to Secret bgp key pw; BgpPeer "other" (127.0.0.2, passive),
 * no password; then secrets (YAML documents, may be ""). */
static void manifest(char *buf, size_t size, uint16_t port, const char *secrets)
{
	snprintf(buf, size,
	         LO_BGP_CONF "---\napiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\n"
	                     "metadata: {name: lo}\n"
	                     "spec:\n  conf: {peerAs: 65000, neighborAddress: 127.0.0.1,"
	                     " authPasswordSecretRef: {name: bgp, key: pw}}\n"
	                     "  transport: {passiveMode: true}\n"
	                     "---\napiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\n"
	                     "metadata: {name: other}\n"
	                     "spec:\n  conf: {peerAs: 65000, neighborAddress: 127.0.0.2}\n"
	                     "  transport: {passiveMode: true}\n%s",
	         port, secrets);
}

static void apply(struct speaker *sp, uint16_t port, const char *secrets)
{
	char m[4096];
	struct cfg_set set;

	manifest(m, sizeof(m), port, secrets);
	load(&set, m);
	assert_int_equal(speaker_apply(sp, &set), 0);
	cfg_set_fini(&set);
}

struct peers {
	const struct bgp_peer *lo, *other;
};

static void find(const char *peer, const struct bgp_peer *p, void *arg)
{
	struct peers *ps = arg;

	if (!strcmp(peer, "lo"))
		ps->lo = p;
	if (!strcmp(peer, "other"))
		ps->other = p;
}

static struct peers peers_of(const struct speaker *sp)
{
	struct peers ps = {0};

	speaker_foreach_peer(sp, find, &ps);
	assert_non_null(ps.lo);
	assert_non_null(ps.other);
	return ps;
}

/* The last thing told is about lo, in state k, and says what. */
static void last_told(size_t n, int k, const char *what)
{
	assert_int_equal(n_told, n);
	assert_string_equal(told[n - 1].peer, "lo");
	assert_int_equal(told[n - 1].k, k);
	if (!strstr(told[n - 1].msg, what))
		fail_msg("told \"%s\", want \"%s\" in it", told[n - 1].msg, what);
}

static void test_speaker(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct speaker_opts o = {.node = "n1", .cluster = true, .ns = NS};
	char sa[512], sb[512], s_other_ns[512], s_nokey[512], s_long[512];
	const struct bgp_peer *other;
	struct cfg_error err;
	struct speaker *sp;
	uint16_t port = free_port();
	int queued, fd;

	(void)state;
	o.hooks.peer_key = hook_key;
	secret(sa, sizeof(sa), NS, "bgp", "stringData: {pw: key-A}");
	secret(sb, sizeof(sb), NS, "bgp", "stringData: {pw: key-B}");
	secret(s_other_ns, sizeof(s_other_ns), "default", "bgp", "stringData: {pw: key-B}");
	secret(s_nokey, sizeof(s_nokey), NS, "bgp", "stringData: {password: key-B}");
	secret(
	    s_long, sizeof(s_long), NS, "bgp",
	    "stringData: {pw: "
	    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk}");
	cfg_error_init(&err, NULL, NULL);
	sp = speaker_new(loop, &o, &err);
	assert_non_null(sp);

	/* no Secret yet: held down, no key on the listener */
	apply(sp, port, "");
	last_told(1, SPEAKER_KEY_NO_SECRET, "Secret berth-system/bgp not found");
	assert_non_null(strstr(told[0].msg, "the session is held down"));
	assert_true(bgp_peer_config(peers_of(sp).lo)->fsm.admin_down);
	assert_string_equal(bgp_peer_config(peers_of(sp).lo)->md5_key, "");
	other = peers_of(sp).other;
	assert_int_equal(dial(port, "127.0.0.1", "key-A"), -1);
	/* every apply (any object's change) does not tell it again */
	apply(sp, port, "");
	apply(sp, port, "");
	assert_int_equal(n_told, 1);

	/* the Secret comes: loaded, told once */
	apply(sp, port, sa);
	last_told(2, SPEAKER_KEY_OK, "key \"pw\": loaded, the session starts");
	assert_false(bgp_peer_config(peers_of(sp).lo)->fsm.admin_down);
	assert_string_equal(bgp_peer_config(peers_of(sp).lo)->md5_key, "key-A");
	queued = dial(port, "127.0.0.1", "key-A");
	assert_true(queued >= 0);
	assert_int_equal(dial(port, "127.0.0.1", ""), -1);
	apply(sp, port, sa);
	assert_int_equal(n_told, 2);

	/* a new value: re-keyed, told; the connection made with A is closed */
	apply(sp, port, sb);
	last_told(3, SPEAKER_KEY_OK, "a new key, the session restarts with it");
	assert_string_equal(bgp_peer_config(peers_of(sp).lo)->md5_key, "key-B");
	assert_true(closed_by_speaker(queued));
	close(queued);
	assert_int_equal(dial(port, "127.0.0.1", "key-A"), -1);
	fd = dial(port, "127.0.0.1", "key-B");
	assert_true(fd >= 0);
	close(fd);

	/* the same name in another namespace: not read */
	apply(sp, port, s_other_ns);
	last_told(4, SPEAKER_KEY_NO_SECRET, "read from namespace berth-system only");
	assert_true(bgp_peer_config(peers_of(sp).lo)->fsm.admin_down);
	assert_int_equal(dial(port, "127.0.0.1", "key-B"), -1);
	/* the key missing, then too long: each a change, each told */
	apply(sp, port, s_nokey);
	last_told(5, SPEAKER_KEY_NO_KEY, "has no key \"pw\"");
	apply(sp, port, s_nokey);
	apply(sp, port, s_long);
	last_told(6, SPEAKER_KEY_INVALID, "holds 81 bytes");
	assert_true(bgp_peer_config(peers_of(sp).lo)->fsm.admin_down);
	/* back with B */
	apply(sp, port, sb);
	last_told(7, SPEAKER_KEY_OK, "loaded, the session starts");
	fd = dial(port, "127.0.0.1", "key-B");
	assert_true(fd >= 0);
	close(fd);

	/* the other peer: never told about, never replaced, never keyed */
	for (size_t i = 0; i < n_told; i++)
		assert_string_equal(told[i].peer, "lo");
	assert_ptr_equal(peers_of(sp).other, other);
	assert_false(bgp_peer_config(other)->fsm.admin_down);
	fd = dial(port, "127.0.0.2", "");
	assert_true(fd >= 0);
	close(fd);

	speaker_free(sp);
	ev_loop_destroy(loop);
}

/* Manifest mode: the Secrets of the manifests, of the speaker's
 * namespace only, read again on reload. */
static void test_manifest_mode(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	char path[] = "/tmp/berth-secret-XXXXXX", m[4096], s[512];
	const char *paths[1] = {path};
	struct speaker_opts o = {.node = "n1", .ns = NS, .manifests = paths, .n_manifests = 1};
	uint16_t port = free_port();
	struct cfg_error err;
	struct speaker *sp;
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	o.hooks.peer_key = hook_key;
	n_told = 0;
	secret(s, sizeof(s), NS, "bgp", "data: {pw: a2V5LUE=}"); /* key-A */
	manifest(m, sizeof(m), port, s);
	assert_non_null(f = fopen(path, "w"));
	fputs(m, f);
	fclose(f);
	cfg_error_init(&err, NULL, NULL);
	sp = speaker_new(loop, &o, &err);
	if (!sp)
		fail_msg("%s", err.msg);
	assert_string_equal(bgp_peer_config(peers_of(sp).lo)->md5_key, "key-A");
	assert_int_equal(n_told, 0); /* a first load is no news */

	/* the manifest's Secret moves to another namespace */
	secret(s, sizeof(s), "default", "bgp", "data: {pw: a2V5LUE=}");
	manifest(m, sizeof(m), port, s);
	assert_non_null(f = fopen(path, "w"));
	fputs(m, f);
	fclose(f);
	assert_int_equal(speaker_reload(sp, &err), 0);
	last_told(1, SPEAKER_KEY_NO_SECRET, "Secret berth-system/bgp not found");
	assert_true(bgp_peer_config(peers_of(sp).lo)->fsm.admin_down);

	/* a bad Secret refuses the reload: the running state stays */
	secret(s, sizeof(s), NS, "bgp", "data: {pw: \"a2V5LUE\"}");
	manifest(m, sizeof(m), port, s);
	assert_non_null(f = fopen(path, "w"));
	fputs(m, f);
	fclose(f);
	assert_int_equal(speaker_reload(sp, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "Secret berth-system/bgp: data.pw: not base64"));
	assert_int_equal(n_told, 1);
	assert_true(bgp_peer_config(peers_of(sp).lo)->fsm.admin_down);

	speaker_free(sp);
	unlink(path);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_speaker),
	    cmocka_unit_test(test_manifest_mode),
	};

	log_set_sink(NULL, NULL, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
