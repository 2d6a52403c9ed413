# shellcheck shell=bash
# The ECMP topology shared by tests/e2e/test_ecmp_gr.sh and lab/run:
#
#   client c 198.51.100.2/24 2001:db8:1::2/64
#       |
#   router r 198.51.100.1 / br0 192.0.2.1/24 2001:db8::1/64, BIRD AS 65000,
#       |    ECMP: "merge paths" into the kernel, L4 multipath hashing
#   +---+-------------+-------------+
#   n1 192.0.2.11   n2 192.0.2.12   n3 192.0.2.13   (AS 65001, speakers)
#
# Every node holds the service address VIP (203.0.113.10/32) and VIP6
# (2001:db8:100::10/128) on a dummy device and answers HTTP on port 80 with
# its own name.

TOPO_VIP=203.0.113.10
TOPO_VIP6=2001:db8:100::10

# topo_ecmp NODES [GR_ON_ROUTER=1] [KEY=VALUE...]: the keys go to every
# node's peer_neighbor line (hold=90 bfd=1 ...); the router is BIRD, or
# FRR (zebra, bfdd, bgpd) with TOPO_ROUTER=frr.
TOPO_ROUTER=${TOPO_ROUTER:-bird}
topo_ecmp() {
	local n=$1 gr=${2:-1} i
	shift $(($# < 2 ? $# : 2))
	nl_host r c
	nl_bridge r br0
	nl_addr r br0 192.0.2.1/24 2001:db8::1/64
	nl_forwarding r
	# Hash on ports too (L4), or one client's flows all take one path.
	nl_x r sysctl -qw net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1
	nl_link r c
	nl_addr r to-c 198.51.100.1/24 2001:db8:1::1/64
	nl_addr c to-r 198.51.100.2/24 2001:db8:1::2/64
	nl_route c default via 198.51.100.1
	nl_route c default via 2001:db8:1::1
	for ((i = 1; i <= n; i++)); do
		nl_host "n$i"
		nl_link r "n$i" "p$i" to-r
		nl_enslave r br0 "p$i"
		nl_addr "n$i" to-r "192.0.2.1$i/24" "2001:db8::1$i/64"
		nl_route "n$i" default via 192.0.2.1
		nl_route "n$i" default via 2001:db8::1
		nl_dummy "n$i" svc0 "$TOPO_VIP/32" "$TOPO_VIP6/128"
		nl_bg "n$i" "$NL_DIR/n$i/httpd.log" socat "TCP4-LISTEN:80,bind=$TOPO_VIP,reuseaddr,fork" \
			EXEC:"$E2E_LIB_DIR/httpd.sh n$i"
		nl_bg "n$i" "$NL_DIR/n$i/httpd6.log" socat "TCP6-LISTEN:80,bind=[$TOPO_VIP6],reuseaddr,fork" \
			EXEC:"$E2E_LIB_DIR/httpd.sh n$i"
		peer_neighbor r "192.0.2.1$i" 65001 gr="$gr" "$@"
	done
	peer_start "$TOPO_ROUTER" r 65000 192.0.2.1 fib=1
}

# topo_manifest FILE [gr=SECONDS] [KEY=VALUE...]: the manifest every node
# runs; the keys also go to mf_peer (hold=90 bfd=1 bfdrx=100 ..., hold 3
# unless given).
topo_manifest() {
	local f=$1
	shift
	: >"$f"
	# No routerId: each speaker takes its node's first IPv4 address.
	mf_bgpconf "$f" 65001 17900 "$@"
	mf_peer "$f" router 192.0.2.1 65000 "$@" hold=3
	mf_service "$f" web "$TOPO_VIP" "$TOPO_VIP6"
}

# topo_spread N [6]: N HTTP requests from the client, one connection (and
# source port) each; prints "count node" lines.
topo_spread() {
	local n=$1 url="http://$TOPO_VIP/" urls=() i
	[ "${2:-}" = 6 ] && url="http://[$TOPO_VIP6]/"
	for ((i = 0; i < n; i++)); do urls+=("$url"); done
	nl_x c curl -s -g --http1.0 -m 2 "${urls[@]}" | sort | uniq -c | sort -k2
}

# topo_weights HOST PREFIX: "NEXTHOP WEIGHT" lines of PREFIX's kernel
# route in HOST, sorted by next hop (weight 1 for a route of one next hop,
# which ip prints without one).
topo_weights() {
	local fam=-4
	[[ "$2" == *:* ]] && fam=-6
	nl_x "$1" ip "$fam" route show exact "$2" 2>/dev/null | awk '
		{ for (i = 1; i < NF; i++) if ($i == "via") { nh = $(i + 1); w[nh] = 1 }
		  for (i = 1; i < NF; i++) if ($i == "weight" && nh != "") w[nh] = $(i + 1) }
		END { for (n in w) print n, w[n] }' | sort
}

# topo_shares_near "A B C" "X Y Z" TOL: each A/(A+B+C) within TOL (a
# fraction) of X/(X+Y+Z); prints the shares.
topo_shares_near() {
	awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN {
		n = split(a, x, " "); split(b, y, " "); sx = sy = 0
		for (i = 1; i <= n; i++) { sx += x[i]; sy += y[i] }
		if (sx == 0 || sy == 0) exit 1
		bad = 0
		for (i = 1; i <= n; i++) {
			d = x[i] / sx - y[i] / sy; if (d < 0) d = -d
			printf "%s%.3f (ideal %.3f)", (i > 1 ? ", " : ""), x[i] / sx, y[i] / sy
			if (d > t) bad = 1
		}
		print ""; exit bad }'
}

# topo_all_up N: every node's session Established at the router.
topo_all_up() {
	local i
	for ((i = 1; i <= $1; i++)); do peer_established r "192.0.2.1$i" || return 1; done
}
