/*
 * The speaker's listening socket on loopback through password changes
 * (RFC 2385): after each apply the kernel takes a connection signed with
 * the configured key only, none signed with a key that was replaced or
 * removed, and an unsigned one once no key is configured. A connection the
 * kernel completed with the old key while it waited in the accept queue
 * is closed at the change instead of being handed to the peer.
 */
#include <ev.h>

#include "config/config.h"
#include "core/log.h"
#include "speaker/speaker.h"

#include "test_speaker_lo_util.h"

static int n_flushed; /* log lines about a queued connection closed */

static void sink(enum log_level lvl, const char *line, void *arg)
{
	(void)lvl;
	(void)arg;
	if (strstr(line, "closed a BGP connection from 127.0.0.1 accepted before its TCP-MD5"))
		n_flushed++;
}

/* BgpConf listening on 127.0.0.1:port and a passive BgpPeer 127.0.0.1
 * with password pw ("" for none). */
static void apply(struct speaker *sp, uint16_t port, const char *pw)
{
	char m[1024];
	struct cfg_set set;
	struct cfg_error err;

	snprintf(m, sizeof(m),
	         LO_BGP_CONF "---\napiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\n"
	                     "metadata: {name: lo}\n"
	                     "spec:\n  conf: {peerAs: 65000, neighborAddress: 127.0.0.1%s%s}\n"
	                     "  transport: {passiveMode: true}\n",
	         port, *pw ? ", authPassword: " : "", pw);
	cfg_set_init(&set);
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_manifest_load_buf("md5", m, strlen(m), &set, &err), 0);
	assert_int_equal(speaker_apply(sp, &set), 0);
	cfg_set_fini(&set);
}

static void test_listener_keys(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct speaker_opts o = {.node = "n1", .cluster = true};
	struct cfg_error err;
	struct speaker *sp;
	uint16_t port = free_port();
	int queued, fd;

	(void)state;
	log_set_sink(sink, NULL, LOG_LVL_INFO);
	cfg_error_init(&err, NULL, NULL);
	sp = speaker_new(loop, &o, &err);
	assert_non_null(sp);

	apply(sp, port, "key-A");
	/* The loop does not run: the connection waits in the accept queue,
	 * the kernel having checked it against key A. */
	queued = dial(port, "127.0.0.1", "key-A");
	assert_true(queued >= 0);
	assert_int_equal(dial(port, "127.0.0.1", ""), -1);

	apply(sp, port, "key-B");
	assert_int_equal(n_flushed, 1);
	assert_true(closed_by_speaker(queued));
	close(queued);
	assert_int_equal(dial(port, "127.0.0.1", "key-A"), -1);
	queued = dial(port, "127.0.0.1", "key-B");
	assert_true(queued >= 0);

	apply(sp, port, "");
	assert_int_equal(n_flushed, 2);
	assert_true(closed_by_speaker(queued));
	close(queued);
	assert_int_equal(dial(port, "127.0.0.1", "key-B"), -1);
	fd = dial(port, "127.0.0.1", "");
	assert_true(fd >= 0);
	close(fd);

	/* The same configuration again: nothing changes, nothing is closed. */
	queued = dial(port, "127.0.0.1", "");
	assert_true(queued >= 0);
	apply(sp, port, "");
	assert_int_equal(n_flushed, 2);
	close(queued);

	log_set_sink(NULL, NULL, LOG_LVL_ERROR);
	speaker_free(sp);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_listener_keys)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
