#!/usr/bin/env bash
# Service addresses on the dummy interface, against the real kernel, in a
# namespace of this run's own (deleted by the harness trap, also on
# failure or Ctrl-C). The netlink code runs as steps of the cmocka binary
# test_netlink_live (BERTH_NETNS_LIVE=1); every result is checked again
# with `ip -n NS`, and a client namespace pings the addresses through a
# veth to prove that the node accepts their traffic.
#
#   n1:  kube-lb0 (berth's), to-client 198.51.100.7/24 2001:db8:1::7/64
#   client: to-n1 198.51.100.9/24 2001:db8:1::9/64, routes to the service
#           ranges via n1
#
# Checks: IPv4 and IPv6 addresses appear and disappear; IPv6 without DAD
# and without a prefix route; a wanted address already on another
# interface is reported as a conflict, not added, and never removed from
# that interface; stale addresses on kube-lb0 go, link-local ones stay; a
# second identical run changes nothing; a downed kube-lb0 comes back up
# with the same ifindex; a non-dummy link of the name is refused; delete.
#
# The binary: $BERTH_NETLINK_LIVE_BIN, else test_netlink_live next to
# $BERTH (tests/run sets BERTH=build-asan/berth), else build/.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$lib/netns.sh"

bin=${BERTH_NETLINK_LIVE_BIN:-}
if [ -z "$bin" ]; then
	if [ -n "${BERTH:-}" ]; then
		bin=$(dirname "$BERTH")/test_netlink_live
	else
		bin=$root/build/test_netlink_live
	fi
fi
[ -x "$bin" ] || {
	echo "test_netlink: $bin missing: build first or set BERTH_NETLINK_LIVE_BIN" >&2
	exit 1
}

nl_setup
nl_host n1 client
nl_link n1 client
nl_addr n1 to-client 198.51.100.7/24 2001:db8:1::7/64
nl_addr client to-n1 198.51.100.9/24 2001:db8:1::9/64
nl_route client 192.0.2.0/24 via 198.51.100.7
nl_route client 203.0.113.0/24 via 198.51.100.7
nl_route client 2001:db8::/64 via 2001:db8:1::7
ns=$(nl_ns n1)

# Kernels built without the dummy driver (some CI VMs): another kind of
# link stands in, so that the address handling is still tested.
kind=dummy
if ip -n "$ns" link add btprobe0 type dummy 2>/dev/null; then
	ip -n "$ns" link del btprobe0
else
	kind=ifb
	nl_log "NOTE: no dummy link driver in this kernel; links of kind $kind stand in"
fi

# live [VAR=VALUE...]: one run of the live binary in n1, log in live.log.
live() {
	{
		echo "== $*"
		ip netns exec "$ns" env BERTH_NETNS_LIVE=1 BERTH_NETLINK_KIND="$kind" "$@" "$bin"
	} >>"$NL_DIR/live.log" 2>&1
}

# addrs IF: "ADDR/LEN" per line, sorted, as `ip` sees them.
addrs() { ip -n "$ns" -o addr show dev "$1" 2>/dev/null | awk '{print $4}' | sort; }
has() { addrs "$1" | grep -qxF "$2"; }
lacks() { ! has "$@"; }
has_all() {
	local dev=$1 a
	shift
	for a in "$@"; do has "$dev" "$a" || return 1; done
}
lacks_all() {
	local dev=$1 a
	shift
	for a in "$@"; do lacks "$dev" "$a" || return 1; done
}
v6_line() { ip -n "$ns" -o -6 addr show dev kube-lb0 | grep -F " $1 "; }
v6_nodad() { v6_line "$1" | grep -q nodad && ! v6_line "$1" | grep -q tentative; }
no_main_route() { [ -z "$(ip -n "$ns" -6 route show "$1" table main)" ]; }
local_route() { ip -n "$ns" route show table local | grep -q "^local $1 dev kube-lb0"; }
link_up() { ip -n "$ns" -o link show "$1" | grep -q '[<,]UP[,>]'; }
link_kind() { ip -n "$ns" -d -o link show "$1" | grep -qw "$2"; }
ifindex() { ip -n "$ns" -o link show "$1" 2>/dev/null | cut -d: -f1; }
reaches() { nl_x client ping -c 1 -W 2 "$1" >/dev/null 2>&1; }
fails() { ! nl_x client ping -c 1 -W 1 "$1" >/dev/null 2>&1; }

check "self-checking live tests (links, add/del, dump, reconcile)" live

# 1. A fresh node: kube-lb0 is created; two wanted addresses are the
#    node's own (on to-client) and must come back as conflicts.
want1="192.0.2.1/32 203.0.113.5/32 2001:db8::1/128 2001:db8::2/128 198.51.100.7/32 2001:db8:1::7/128"
check "apply 1: created, 4 adds, conflicts 198.51.100.7 and 2001:db8:1::7" \
	live BERTH_NETLINK_PHASE=apply BERTH_NETLINK_WANT="$want1" \
	BERTH_NETLINK_EXPECT_CONFLICTS="198.51.100.7 2001:db8:1::7" BERTH_NETLINK_EXPECT_CHANGES=4
lb_kind_up() { link_kind kube-lb0 "$kind" && link_up kube-lb0; }
check "kube-lb0 is of kind $kind and up" lb_kind_up
check "ip addr: 192.0.2.1/32 203.0.113.5/32 2001:db8::1/128 2001:db8::2/128 on kube-lb0" \
	has_all kube-lb0 192.0.2.1/32 203.0.113.5/32 2001:db8::1/128 2001:db8::2/128
check "ip addr: conflicting addresses not on kube-lb0" \
	lacks_all kube-lb0 198.51.100.7/32 2001:db8:1::7/128
check "ip addr: to-client keeps 198.51.100.7/24 and 2001:db8:1::7/64" \
	has_all to-client 198.51.100.7/24 2001:db8:1::7/64
check "IPv6 service address without DAD (not tentative)" v6_nodad 2001:db8::1/128
check "IPv6 /128 without a main-table prefix route" no_main_route 2001:db8::1/128
check "IPv4 local route on kube-lb0" local_route 192.0.2.1
check "client reaches 192.0.2.1 through n1" reaches 192.0.2.1
check "client reaches 2001:db8::2 through n1" reaches 2001:db8::2

# 2. Restart after changes: a leftover on kube-lb0, the link down.
idx=$(ifindex kube-lb0)
ip -n "$ns" addr add 192.0.2.99/32 dev kube-lb0
ip -n "$ns" link set kube-lb0 down
want2="192.0.2.1/32 2001:db8::2/128"
check "apply 2: 3 dels (203.0.113.5, 2001:db8::1, leftover 192.0.2.99), no conflict" \
	live BERTH_NETLINK_PHASE=apply BERTH_NETLINK_WANT="$want2" BERTH_NETLINK_EXPECT_CONFLICTS= \
	BERTH_NETLINK_EXPECT_CHANGES=3
check "ip addr: 192.0.2.1/32 and 2001:db8::2/128 kept" has_all kube-lb0 192.0.2.1/32 2001:db8::2/128
check "ip addr: 203.0.113.5, 2001:db8::1 and 192.0.2.99 gone" \
	lacks_all kube-lb0 203.0.113.5/32 2001:db8::1/128 192.0.2.99/32
same_index_up() { link_up kube-lb0 && [ "$(ifindex kube-lb0)" = "$idx" ]; }
check "kube-lb0 up again, same ifindex $idx" same_index_up
check "to-client untouched" has_all to-client 198.51.100.7/24 2001:db8:1::7/64
check "client still reaches 192.0.2.1" reaches 192.0.2.1
check "client no longer reaches 203.0.113.5" fails 203.0.113.5

# 3. Idempotence: the same wanted set again changes nothing, the
#    kernel's IPv6 link-local address included (not berth's to remove).
has_ll() { ip -n "$ns" -o -6 addr show dev kube-lb0 scope link | grep -q 'inet6 fe80:'; }
check "kube-lb0 has its IPv6 link-local address" wait_until 5 "link-local" has_ll
before=$(addrs kube-lb0)
check "apply 3 (same set): no change" \
	live BERTH_NETLINK_PHASE=apply BERTH_NETLINK_WANT="$want2" BERTH_NETLINK_EXPECT_CONFLICTS= \
	BERTH_NETLINK_EXPECT_CHANGES=0
unchanged() { [ "$(addrs kube-lb0)" = "$before" ]; }
check "ip addr unchanged" unchanged

# 4. A link of the name that is not ours is never used nor deleted.
if ip -n "$ns" link add kube-lb1 type bridge 2>/dev/null; then
	ip -n "$ns" addr add 203.0.113.77/32 dev kube-lb1
	check "refused: kube-lb1 is a bridge" \
		live BERTH_NETLINK_PHASE=refuse BERTH_NETLINK_IF=kube-lb1
	check "kube-lb1 still there, address kept" has kube-lb1 203.0.113.77/32
else
	nl_log "no bridge driver: refusal checked by the self-checking run only (lo)"
fi
check "refused: to-client (veth) is not of kind $kind" \
	live BERTH_NETLINK_PHASE=refuse BERTH_NETLINK_IF=to-client
check "to-client still there" has to-client 198.51.100.7/24

# 5. Clean removal.
check "delete kube-lb0" live BERTH_NETLINK_PHASE=delete BERTH_NETLINK_EXPECT_DELETED=1
lb_gone() { ! ip -n "$ns" link show kube-lb0 >/dev/null 2>&1; }
check "kube-lb0 gone" lb_gone
check "client no longer reaches 192.0.2.1" fails 192.0.2.1
check "delete again: nothing to do" live BERTH_NETLINK_PHASE=delete BERTH_NETLINK_EXPECT_DELETED=0
check "to-client keeps its addresses" has_all to-client 198.51.100.7/24 2001:db8:1::7/64

nl_finish
