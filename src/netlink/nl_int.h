/*
 * Internals of the netlink module shared by its pure and I/O files.
 */
#ifndef BERTH_NL_INT_H
#define BERTH_NL_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "netlink/nl.h"

/* 0 when a->family is IPv4/IPv6 and prefixlen fits it, else -EINVAL. */
int nl_addr_check(const struct core_addr *a, uint8_t prefixlen);
/* Appends a to the growable array *v (*n used, *cap allocated): 0 or
 * -ENOMEM. */
int nl_addr_push(struct nl_addr **v, size_t *n, size_t *cap, const struct nl_addr *a);
/* 0 when the kernel would take name as an interface name (dev_valid_name),
 * else -EINVAL. */
int nl_name_check(const char *name);

/* ---- sock.c, for link.c and addr.c ---- */

#define NL_REQ_LEN 512

struct mnl_socket;

struct nl_sock {
	struct mnl_socket *mnl; /* owned */
	uint32_t portid;
	uint32_t seq;
	uint32_t req[NL_REQ_LEN / 4]; /* request being sent; uint32_t for alignment */
	void *rbuf;                   /* owned: receive buffer, rbuf_len bytes */
	size_t rbuf_len;
	char err[NL_ERR_LEN];
	/* Test seam: called for each address nl_reconcile's dump reads, so
	 * that test_netlink_live can change the node's addresses halfway
	 * through that dump. NULL in the daemons. */
	nl_addr_fn dump_spy;
	void *dump_spy_arg;
};

uint32_t nl_sock_seq(struct nl_sock *s);
/* Sends the request in s->req (len bytes, encoded with the last
 * nl_sock_seq()) and consumes its whole reply, calling fn per data
 * message. Returns what nl_reply_decode ended with; on failure s->err
 * holds the kernel's text or "what: strerror". */
int nl_sock_request(struct nl_sock *s, int len, bool dump, nl_msg_fn fn, void *arg,
                    const char *what);
__attribute__((format(printf, 2, 3))) void nl_sock_seterr(struct nl_sock *s, const char *fmt, ...);

#endif
