/*
 * The speaker's listening socket on loopback through password changes
 * (RFC 2385): after each apply the kernel takes a connection signed with
 * the configured key only, none signed with a key that was replaced or
 * removed, and an unsigned one once no key is configured. A connection the
 * kernel completed with the old key while it waited in the accept queue
 * is closed at the change instead of being handed to the peer.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "bgp/sock.h"
#include "config/config.h"
#include "core/log.h"
#include "speaker/speaker.h"

static int n_flushed; /* log lines about a queued connection closed */

static void sink(enum log_level lvl, const char *line, void *arg)
{
	(void)lvl;
	(void)arg;
	if (strstr(line, "closed a BGP connection from 127.0.0.1 accepted before its TCP-MD5"))
		n_flushed++;
}

static uint16_t free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* BgpConf listening on 127.0.0.1:port and a passive BgpPeer 127.0.0.1
 * with password pw ("" for none). */
static void apply(struct speaker *sp, uint16_t port, const char *pw)
{
	char m[1024];
	struct cfg_set set;
	struct cfg_error err;

	snprintf(m, sizeof(m),
	         "apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpConf\n"
	         "metadata: {name: default}\n"
	         "spec: {as: 65001, routerId: 192.0.2.11, listenPort: %u, "
	         "listenAddresses: [127.0.0.1]}\n"
	         "---\napiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\n"
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

/* A connection to 127.0.0.1:port signed with key ("" unsigned): its fd
 * once the kernel completed the handshake, -1 when it did not within 1 s
 * (the listener's kernel dropped the SYNs). */
static int dial(uint16_t port, const char *key)
{
	struct core_addr lo;
	struct bgp_sock_opts o = {.md5_key = key};
	struct pollfd pfd;
	int fd;

	assert_int_equal(core_addr_parse("127.0.0.1", &lo), 0);
	fd = bgp_sock_connect(&lo, port, &o);
	assert_true(fd >= 0);
	pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
	if (poll(&pfd, 1, 1000) == 1 && bgp_sock_connect_result(fd) == 0)
		return fd;
	close(fd);
	return -1;
}

/* fd was closed by the other end within 1 s: end of file or a reset. */
static bool closed_by_speaker(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char b[64];
	ssize_t n;

	if (poll(&pfd, 1, 1000) != 1)
		return false;
	n = recv(fd, b, sizeof(b), 0);
	return n == 0 || (n < 0 && errno == ECONNRESET);
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
	queued = dial(port, "key-A");
	assert_true(queued >= 0);
	assert_int_equal(dial(port, ""), -1);

	apply(sp, port, "key-B");
	assert_int_equal(n_flushed, 1);
	assert_true(closed_by_speaker(queued));
	close(queued);
	assert_int_equal(dial(port, "key-A"), -1);
	queued = dial(port, "key-B");
	assert_true(queued >= 0);

	apply(sp, port, "");
	assert_int_equal(n_flushed, 2);
	assert_true(closed_by_speaker(queued));
	close(queued);
	assert_int_equal(dial(port, "key-B"), -1);
	fd = dial(port, "");
	assert_true(fd >= 0);
	close(fd);

	/* The same configuration again: nothing changes, nothing is closed. */
	queued = dial(port, "");
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
