#!/usr/bin/env bash
# Weighted ECMP with FRR (issue 14, item 1): three speakers announce one
# externalTrafficPolicy Local Service to an FRR router (bgpd and zebra,
# multipath into the kernel, hashing on ports), the nodes holding 1, 2 and
# 3 of its ready endpoints (EndpointSlices in the manifests, an IPv4 and
# an IPv6 slice of the same pods, as for a dual-stack Service). Each node's
# route carries the link bandwidth extended community
# (draft-ietf-idr-link-bandwidth): n x linkBandwidthPerEndpoint bytes/s.
#
# Checked:
#   - FRR's RIB holds LB:65001:125000/250000/375000 for n1/n2/n3 (IPv4 and
#     IPv6; each pod counted once, not once per family);
#   - FRR's kernel route has three next hops weighted 1:2:3 (FRR installs
#     100 x bw / total, truncated: 16/33/50), IPv4 and IPv6;
#   - 6,000 requests from a client (one source port each) split about
#     1,000/2,000/3,000, each within 20 % of its share (IPv4 and IPv6);
#   - a Cluster Service's route carries no extended community at all;
#   - moving endpoints (SIGHUP with new slices) changes the weights (2/2/2:
#     equal; 3/2/1: reversed; 0/2/4: n1 withdraws, 1:2), without a new
#     session;
#   - a node announcing without the community (its manifests have no
#     EndpointSlices: Local is announced as Cluster is, without a count)
#     makes FRR fall back to equal weights over all three (its default;
#     `bgp bestpath bandwidth skip-missing` drops that next hop,
#     `default-weight-for-missing` gives it weight 1 beside 33/66);
#   - Eip spec.bgp.linkBandwidth: false: no community, equal weights;
#   - BgpPeer linkBandwidth.nonTransitive: the 0x40 type on the wire, which
#     FRR (8.4 here) weights by as well;
#   - BgpConf linkBandwidthPerEndpoint scales the values, not the weights.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"
. "$lib/wecmp.sh"

VIP=$TOPO_VIP
VIP6=$TOPO_VIP6
CVIP=$WECMP_CVIP
CVIP6=$WECMP_CVIP6
N=6000

# frr_lb PREFIX: "NEXTHOP COMMUNITY" per path in FRR's RIB, sorted; "-"
# when the path has no extended community.
frr_lb() {
	local af=ipv4
	[[ "$1" == *:* ]] && af=ipv6
	vty r "show bgp $af unicast $1 json" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
for p in d.get("paths", []):
    ec = p.get("extendedCommunity", {}).get("string", "-")
    print(p["nexthops"][0]["ip"], ec.split(" ")[0])' 2>/dev/null | sort
}

# lb_is PREFIX "C1 C2 C3": the paths via n1, n2, n3 carry LB:65001:C1 ...
# ("-": none).
lb_is() {
	local want="" c i=0 pfx=192.0.2.1
	[[ "$1" == *:* ]] && pfx=2001:db8::1
	for c in $2; do
		i=$((i + 1))
		[ "$c" = - ] || c=LB:65001:$c
		want+="$pfx$i $c"$'\n'
	done
	[ "$(frr_lb "$1")"$'\n' = "$want" ]
}

bw() { echo $(($1 * ${UNIT:-125000})) $(($2 * ${UNIT:-125000})) $(($3 * ${UNIT:-125000})); }

nl_setup
spk_check
wecmp_topo frr
# The first UPDATEs on the wire: a capture, decoded by tests/lib/bgp_pcap.py.
wire=$NL_DIR/r/wire.pcap
wecmp_wire_start "$wire" || die "tcpdump did not start"
wecmp_speakers 1 2 3 && ok "three sessions Established" || die "not all three sessions came up"
vty r "show running-config" | grep -E 'multipath|maximum-paths' | sed 's/^/    /'
nl_x r sysctl net.ipv4.fib_multipath_hash_policy net.ipv6.fib_multipath_hash_policy | sed 's/^/    /'

# ---- 1/2/3 ----
check "FRR's RIB: $VIP from n1/n2/n3 with LB:65001:125000/250000/375000" \
	wait_until 20 "link bandwidth v4" lb_is "$VIP/32" "$(bw 1 2 3)"
frr_lb "$VIP/32" | sed 's/^/    /'
check "FRR's RIB: $VIP6 likewise (each pod counted once, not once per family)" \
	wait_until 10 "link bandwidth v6" lb_is "$VIP6/128" "$(bw 1 2 3)"
frr_lb "$VIP6/128" | sed 's/^/    /'
wecmp_wire_stop
wecmp_wire "$wire" | sed 's/^/    /'
check "on the wire: web with the transitive community (00 04, AS 65001, float32 n x 125000), api without" \
	test "$(wecmp_wire "$wire")" = "$(wecmp_wire_want 0004 "1 2 3")"
check "FRR's RIB: the Cluster Service $CVIP carries no extended community" \
	wait_until 10 "cluster v4" lb_is "$CVIP/32" "- - -"
check "FRR's RIB: nor $CVIP6" wait_until 10 "cluster v6" lb_is "$CVIP6/128" "- - -"
check "kernel: $CVIP over three equal next hops" wecmp_weights_are "$CVIP/32" "1 1 1"

check "kernel: $VIP has three next hops" wait_until 10 "three next hops" \
	eval '[ "$(fib_nexthop_count r $VIP/32)" = 3 ]'
nl_x r ip route show exact "$VIP/32" | sed 's/^/    /'
w=$(wecmp_weights "$VIP/32")
check "kernel: $VIP weighted 1:2:3 (FRR installs $w)" topo_shares_near "$w" "1 2 3" 0.02
check "kernel: FRR's weights are 100 x bw / total, truncated" test "$w" = "16 33 50"
nl_x r ip -6 route show exact "$VIP6/128" | sed 's/^/    /'
w6=$(wecmp_weights "$VIP6/128")
check "kernel: $VIP6 weighted 1:2:3 too ($w6)" topo_shares_near "$w6" "1 2 3" 0.02

nl_log "$N IPv4 requests"
check "$N IPv4 requests split 1:2:3, each node within 20 % of its share" wecmp_spread_ok $N 4 "1 2 3"
nl_log "$N IPv6 requests"
check "$N IPv6 requests split 1:2:3, each node within 20 % of its share" wecmp_spread_ok $N 6 "1 2 3"

# ---- endpoints move ----
ups=$(peer_ups r 192.0.2.11)
wecmp_counts 2 2 2
check "one endpoint n3 -> n1 (2/2/2): LB:65001:250000 on every path" \
	wait_until 10 "2/2/2" lb_is "$VIP/32" "$(bw 2 2 2)"
check "2/2/2: equal weights in the kernel" wait_until 10 "equal" wecmp_weights_are "$VIP/32" "33 33 33"
wecmp_counts 3 2 1
check "3/2/1: FRR's RIB follows" wait_until 10 "3/2/1" lb_is "$VIP/32" "$(bw 3 2 1)"
check "3/2/1: kernel weights reversed (50 33 16)" wait_until 10 "reversed" wecmp_weights_are "$VIP/32" "50 33 16"
check "3/2/1: IPv6 kernel weights reversed too" wait_until 10 "reversed v6" wecmp_weights_are "$VIP6/128" "50 33 16"
wecmp_counts 0 2 4
check "0/2/4: n1 withdraws (no ready endpoint), n2:n3 weighted 1:2 (33 66)" \
	wait_until 10 "0/2/4" wecmp_weights_are "$VIP/32" "0 33 66"
wecmp_counts 3 2 1
check "3/2/1 again: n1 back with weight 50" wait_until 10 "n1 back" wecmp_weights_are "$VIP/32" "50 33 16"
check "count changes went out as UPDATEs: no new session (n1 came up $ups time(s))" \
	test "$(peer_ups r 192.0.2.11)" = "$ups"

# ---- a node without a count ----
# n3's manifests lose their EndpointSlices: the speaker then has no
# endpoint data, announces the Local Service as it would a Cluster one
# (as before issue 14) and can give no weight. FRR weights only when every
# multipath carries the community.
wecmp_slices n3 -
spk_hup n3
check "n3 without EndpointSlices: its path has no community in FRR's RIB" \
	wait_until 10 "n3 bare" lb_is "$VIP/32" "375000 250000 -"
check "FRR falls back to plain ECMP over all three next hops" \
	wait_until 10 "ECMP fallback" wecmp_weights_are "$VIP/32" "1 1 1"
nl_x r ip route show exact "$VIP/32" | sed 's/^/    /'
# One vtysh with a -c per command (vty joins its arguments into one).
frr_set() {
	nl_x r vtysh --config_dir "$NL_DIR/r" --vty_socket "$NL_DIR/r" -c "configure terminal" \
		-c "router bgp 65000" -c "$1" >/dev/null
}
frr_set "bgp bestpath bandwidth skip-missing"
check "FRR 'bgp bestpath bandwidth skip-missing': n3 left out, n1:n2 weighted 3:2" \
	wait_until 10 "skip-missing" wecmp_weights_are "$VIP/32" "60 40 0"
frr_set "bgp bestpath bandwidth default-weight-for-missing"
check "FRR 'default-weight-for-missing': n3 at weight 1 beside 60:40" \
	wait_until 10 "default weight" wecmp_weights_are "$VIP/32" "60 40 1"
frr_set "no bgp bestpath bandwidth"
check "FRR default again: plain ECMP" wait_until 10 "ECMP again" wecmp_weights_are "$VIP/32" "1 1 1"
wecmp_slices n3 3 2 1
spk_hup n3
check "n3 counts again: weights back (50 33 16)" \
	wait_until 10 "back" wecmp_weights_are "$VIP/32" "50 33 16"

# ---- Eip spec.bgp.linkBandwidth: false ----
wecmp_common eip=false
wecmp_hup_all
check "linkBandwidth: false: no community on any path" \
	wait_until 10 "no LB" lb_is "$VIP/32" "- - -"
check "linkBandwidth: false: equal weights" wait_until 10 "equal" wecmp_weights_are "$VIP/32" "1 1 1"
wecmp_common eip=true
wecmp_hup_all
check "linkBandwidth: true: the weights are back" \
	wait_until 10 "LB back" wecmp_weights_are "$VIP/32" "50 33 16"

# ---- BgpPeer linkBandwidth.nonTransitive ----
cap=$NL_DIR/r/wire-nt.pcap
wecmp_wire_start "$cap" || die "tcpdump did not start"
wecmp_common lbnt=1
wecmp_hup_all
check "nonTransitive: FRR still sees LB:65001:375000/250000/125000" \
	wait_until 10 "non-transitive" lb_is "$VIP/32" "$(bw 3 2 1)"
sleep 1
wecmp_wire_stop
wecmp_wire "$cap" | sed 's/^/    /'
check "nonTransitive: the same values with type 40 04 on the wire (the api routes not resent)" \
	test "$(wecmp_wire "$cap")" = "$(wecmp_wire_want 4004 "3 2 1" | grep -vF -e " $CVIP/" -e " $CVIP6/")"
check "nonTransitive: FRR 8.4 weights by it too" wecmp_weights_are "$VIP/32" "50 33 16"
wecmp_common
wecmp_hup_all

# ---- BgpConf linkBandwidthPerEndpoint ----
wecmp_common lbpe=1250000
wecmp_hup_all
UNIT=1250000
check "linkBandwidthPerEndpoint 1250000 (10 Mbit/s): LB:65001:3750000/2500000/1250000" \
	wait_until 10 "unit" lb_is "$VIP/32" "$(bw 3 2 1)"
check "the same weights (50 33 16)" wecmp_weights_are "$VIP/32" "50 33 16"
check "no session was reset by any of it (n1 came up $ups time(s))" \
	test "$(peer_ups r 192.0.2.11)" = "$ups"
nl_finish
