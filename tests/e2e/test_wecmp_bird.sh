#!/usr/bin/env bash
# Weighted ECMP's community is harmless to a router that does not weight
# by it (issue 14, item 1): the setup of test_wecmp_frr.sh (three speakers,
# one Local Service with 1, 2 and 3 ready endpoints on n1, n2, n3, a
# Cluster Service beside it) with BIRD 2 as the router, which has no
# weighted ECMP: it installs one route with three equal next hops ("merge
# paths"), and keeps the link bandwidth community in its RIB as an unknown
# extended community (transitive, so it would pass it on).
#
# Checked: BIRD's routes carry (unknown 0x4, 65001, <float32 bits of n x
# 125000>) from each node, the Cluster Service's none; the kernel route
# has three next hops of weight 1, IPv4 and IPv6; 1,200 requests split
# about 400 each (each within 20 %, five standard deviations: equal
# weights need no more; the FRR test sends the issue's 6,000 to check
# 1:2:3); a count change changes only the
# community; the draft's non-transitive form (BgpPeer
# linkBandwidth.nonTransitive) is kept in BIRD's RIB as well (unknown
# 0x4004; BIRD removes non-transitive extended communities when it exports
# to eBGP peers, which this test does not cover), same routes and weights.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"
. "$lib/wecmp.sh"

VIP=$TOPO_VIP
VIP6=$TOPO_VIP6
N=1200

# bird_lb PREFIX: "NEXTHOP EXT" per route of PREFIX in BIRD's RIB, sorted;
# EXT BIRD's BGP.ext_community text without spaces, "-" when absent.
bird_lb() {
	bird_cli r show route "$1" all 2>/dev/null | awk '
		/^\tvia / { if (nh != "") print nh, (ec == "" ? "-" : ec); nh = $2; ec = "" }
		/BGP.ext_community:/ { sub(/^.*BGP.ext_community: */, ""); gsub(/ /, ""); ec = $0 }
		END { if (nh != "") print nh, (ec == "" ? "-" : ec) }' | sort
}

# bird_want PREFIX "C1 C2 C3" [TYPE]: what bird_lb prints when n1, n2, n3
# sent the community of TYPE (BIRD's name: 0x4 transitive, the default,
# 0x4004 non-transitive) for C1, C2, C3 endpoints (125000 bytes/s each);
# "-" for none.
bird_want() {
	local pfx=192.0.2.1 i=0 c t=${3:-0x4}
	[[ "$1" == *:* ]] && pfx=2001:db8::1
	for c in $2; do
		i=$((i + 1))
		if [ "$c" = - ]; then
			echo "$pfx$i -"
		else
			echo "$pfx$i (unknown$t,65001,$(python3 -c 'import struct, sys
print(struct.unpack(">I", struct.pack(">f", float(sys.argv[1])))[0])' $((c * 125000))))"
		fi
	done
}

lb_is() { [ "$(bird_lb "$1")" = "$(bird_want "$@")" ]; }

nl_setup
spk_check
wecmp_start bird 1 2 3 && ok "three sessions Established" || die "not all three sessions came up"

check "BIRD's RIB: $VIP from n1/n2/n3 with the link bandwidth community kept (unknown 0x4)" \
	wait_until 20 "communities v4" lb_is "$VIP/32" "1 2 3"
bird_lb "$VIP/32" | sed 's/^/    /'
check "BIRD's RIB: $VIP6 likewise" wait_until 10 "communities v6" lb_is "$VIP6/128" "1 2 3"
check "BIRD's RIB: the Cluster Service $WECMP_CVIP without any" \
	wait_until 10 "cluster" lb_is "$WECMP_CVIP/32" "- - -"
check "kernel: $VIP over three equal next hops (plain ECMP)" \
	wait_until 10 "ECMP" wecmp_weights_are "$VIP/32" "1 1 1"
nl_x r ip route show exact "$VIP/32" | sed 's/^/    /'
check "kernel: $VIP6 over three equal next hops" \
	wait_until 10 "ECMP v6" wecmp_weights_are "$VIP6/128" "1 1 1"

nl_log "$N IPv4 requests"
check "$N IPv4 requests split equally, each node within 20 % of its share" \
	wecmp_spread_ok $N 4 "1 1 1"
nl_log "$N IPv6 requests"
check "$N IPv6 requests split equally, each node within 20 % of its share" \
	wecmp_spread_ok $N 6 "1 1 1"

ups=$(peer_ups r 192.0.2.11)
wecmp_counts 3 2 1
check "3/2/1: BIRD's RIB has the new values" wait_until 10 "3/2/1" lb_is "$VIP/32" "3 2 1"
check "3/2/1: still three equal next hops" wecmp_weights_are "$VIP/32" "1 1 1"

wecmp_common lbnt=1
wecmp_hup_all
check "nonTransitive: BIRD's RIB has the 0x40 form (unknown 0x4004)" \
	wait_until 10 "non-transitive" lb_is "$VIP/32" "3 2 1" 0x4004
bird_lb "$VIP/32" | sed 's/^/    /'
check "nonTransitive: three equal next hops" wecmp_weights_are "$VIP/32" "1 1 1"
check "nonTransitive: IPv6 likewise" \
	eval 'lb_is "$VIP6/128" "3 2 1" 0x4004 && wecmp_weights_are "$VIP6/128" "1 1 1"'
wecmp_common
wecmp_hup_all
check "transitive again: BIRD keeps it" wait_until 10 "back" lb_is "$VIP/32" "3 2 1"
check "no session was reset (n1 came up $ups time(s))" test "$(peer_ups r 192.0.2.11)" = "$ups"
nl_finish
