#!/usr/bin/env bash
# eBGP multihop: the peer sits one router away.
#
#   n1 (speaker) 192.0.2.11 -- r (plain router) -- 198.51.100.2 tor (BIRD)
#
# With ebgpMultihop ttl 3 the session comes up and routes carry n1's own
# addresses as next hops; without multihop the speaker must send with TTL 1
# (RFC 4271 eBGP default), which expires at r: the session must stay down;
# with ttl 2, exactly enough for one router, it comes up again.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"

manifest() { # TTL ("" = multihop off)
	local m=$NL_DIR/n1/manifest.yaml
	: >"$m.new"
	mf_bgpconf "$m.new" 65001 17900 routerId=192.0.2.11
	if [ -n "$1" ]; then
		mf_peer "$m.new" tor 198.51.100.2 65000 multihop="$1"
	else
		mf_peer "$m.new" tor 198.51.100.2 65000
	fi
	mf_service "$m.new" web 203.0.113.10 2001:db8:100::10
	cat "$m.new" >"$m"
}

nl_setup
spk_check
nl_host n1 r tor
nl_link n1 r
nl_link r tor
nl_addr n1 to-r 192.0.2.11/24 2001:db8::11/64
nl_addr r to-n1 192.0.2.1/24 2001:db8::1/64
nl_addr r to-tor 198.51.100.1/24 2001:db8:1::1/64
nl_addr tor to-r 198.51.100.2/24 2001:db8:1::2/64
nl_forwarding r
nl_route n1 default via 192.0.2.1
nl_route n1 default via 2001:db8::1
nl_route tor default via 198.51.100.1
nl_route tor default via 2001:db8:1::1

peer_neighbor tor 192.0.2.11 65001 multihop=3
peer_start bird tor 65000 198.51.100.2

manifest 3
spk_start n1 n1 "$NL_DIR/n1/manifest.yaml"
check "multihop ttl 3: session Established across a router" \
	wait_until 30 "multihop session" peer_established tor 192.0.2.11
check "multihop: /32 with next hop 192.0.2.11 (the speaker's address, not the router's)" \
	wait_until 10 "v4 route" peer_has_route tor 192.0.2.11 203.0.113.10/32 192.0.2.11
check "multihop: /128 with next hop 2001:db8::11" \
	wait_until 10 "v6 route" peer_has_route tor 192.0.2.11 2001:db8:100::10/128 2001:db8::11
check "multihop: stays Established (10 s, hold 3 s)" \
	holds_for 10 "multihop session" peer_established tor 192.0.2.11

manifest ""
spk_hup n1
check "multihop off (TTL 1): session goes down" \
	wait_until 15 "session down" eval '! peer_established tor 192.0.2.11'
check "multihop off (TTL 1): session never comes up through the router (10 s)" \
	never_for 10 "session up with TTL 1" peer_established tor 192.0.2.11
check "speaker still running" spk_alive n1

manifest 2
spk_hup n1
check "multihop ttl 2 (just enough): session back" \
	wait_until 40 "ttl 2 session" peer_established tor 192.0.2.11
check "multihop ttl 2: route back" \
	wait_until 10 "route back" peer_has_route tor 192.0.2.11 203.0.113.10/32 192.0.2.11
nl_finish
