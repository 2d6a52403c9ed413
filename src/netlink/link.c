/*
 * Links: find, create (up) and delete the dummy interface.
 */
#include "netlink/nl.h"
#include "netlink/nl_int.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

/* Retries of get-or-create when another process creates or deletes the
 * same name between our requests. */
#define NL_ENSURE_TRIES 3

struct nl_link_found {
	struct nl_link *l;
	bool found;
};

static int nl_link_get_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nl_link_found *f = arg;
	int rc = nl_link_decode(nlh, f->l);

	if (rc == -ENOMSG)
		return 0;
	if (rc == 0)
		f->found = true;
	return rc;
}

int nl_link_get(struct nl_sock *s, const char *name, struct nl_link *l)
{
	struct nl_link_found f = {.l = l};
	char what[64];
	int len, rc;

	memset(l, 0, sizeof(*l));
	snprintf(what, sizeof(what), "get link %.15s", name ? name : "(null)");
	len = nl_link_get_encode(s->req, sizeof(s->req), nl_sock_seq(s), name);
	rc = nl_sock_request(s, len, false, nl_link_get_cb, &f, what);
	if (rc < 0)
		return rc;
	if (!f.found) {
		nl_sock_seterr(s, "%s: the kernel answered without the link", what);
		return -EBADMSG;
	}
	return 0;
}

/* "exists as a bridge" / "exists without a link kind (a NIC?)" */
static void nl_link_refuse(struct nl_sock *s, const struct nl_link *l, const char *kind,
                           const char *doing)
{
	if (l->kind[0])
		nl_sock_seterr(
		    s, "link %s (ifindex %d) is of kind \"%s\", not \"%s\": refusing to %s it",
		    l->name, l->ifindex, l->kind, kind, doing);
	else
		nl_sock_seterr(s,
		               "link %s (ifindex %d) has no link kind (a physical NIC or lo), "
		               "not \"%s\": refusing to %s it",
		               l->name, l->ifindex, kind, doing);
}

static int nl_link_up(struct nl_sock *s, const struct nl_link *l)
{
	char what[64];
	int len;

	snprintf(what, sizeof(what), "set link %s up", l->name);
	len = nl_link_up_encode(s->req, sizeof(s->req), nl_sock_seq(s), l->ifindex);
	return nl_sock_request(s, len, false, NULL, NULL, what);
}

int nl_link_ensure(struct nl_sock *s, const char *name, const char *kind, int *ifindex)
{
	struct nl_link l;
	char what[96];
	int created = 0, len, rc;

	if (nl_name_check(name) < 0 || !kind || !kind[0] || strlen(kind) >= NL_KIND_LEN) {
		nl_sock_seterr(s, "bad link name or kind");
		return -EINVAL;
	}
	for (int i = 0; i < NL_ENSURE_TRIES; i++) {
		rc = nl_link_get(s, name, &l);
		if (rc == 0) {
			if (strcmp(l.kind, kind) != 0) {
				nl_link_refuse(s, &l, kind, "use");
				return -EEXIST;
			}
			if (!(l.flags & IFF_UP)) {
				rc = nl_link_up(s, &l);
				if (rc < 0)
					return rc;
			}
			*ifindex = l.ifindex;
			return created;
		}
		if (rc != -ENODEV)
			return rc;
		snprintf(what, sizeof(what), "create link %s of kind %s", name, kind);
		len = nl_link_new_encode(s->req, sizeof(s->req), nl_sock_seq(s), name, kind);
		rc = nl_sock_request(s, len, false, NULL, NULL, what);
		if (rc == -EOPNOTSUPP) {
			char prev[NL_ERR_LEN];

			memcpy(prev, s->err, sizeof(prev));
			nl_sock_seterr(s, "%s; the kernel has no \"%s\" link driver", prev, kind);
			return rc;
		}
		/* EEXIST: someone created it since we looked; look again. */
		if (rc < 0 && rc != -EEXIST)
			return rc;
		if (rc == 0)
			created = 1;
	}
	nl_sock_seterr(s, "link %s keeps appearing and vanishing", name);
	return -EAGAIN;
}

int nl_link_ensure_dummy(struct nl_sock *s, const char *name, int *ifindex)
{
	return nl_link_ensure(s, name, NL_KIND_DUMMY, ifindex);
}

int nl_link_delete(struct nl_sock *s, const char *name, const char *kind)
{
	struct nl_link l;
	char what[64];
	int len, rc;

	if (!kind || !kind[0]) {
		nl_sock_seterr(s, "delete link: no kind given");
		return -EINVAL;
	}
	rc = nl_link_get(s, name, &l);
	if (rc == -ENODEV) {
		s->err[0] = '\0';
		return 0;
	}
	if (rc < 0)
		return rc;
	if (strcmp(l.kind, kind) != 0) {
		nl_link_refuse(s, &l, kind, "delete");
		return -EEXIST;
	}
	snprintf(what, sizeof(what), "delete link %s (ifindex %d)", l.name, l.ifindex);
	len = nl_link_del_encode(s->req, sizeof(s->req), nl_sock_seq(s), l.ifindex);
	rc = nl_sock_request(s, len, false, NULL, NULL, what);
	if (rc == -ENODEV) {
		s->err[0] = '\0';
		return 0;
	}
	return rc < 0 ? rc : 1;
}
