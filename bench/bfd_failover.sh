#!/usr/bin/env bash
# BFD benchmark, node loss in BGP mode (issue 13; by hand, as root; not
# part of tests/run). The ECMP topology of tests/lib/topo.sh: three nodes
# running `berth speaker --manifests` announce one address to a router
# that installs one route with three next hops into its kernel.
#
# RUNS times per configuration, one node (n1, n2, n3 in turn) goes silent:
# a blackhole root qdisc on its link drops everything it sends, as a dead
# machine's (what it receives still arrives). Measured: from just before
# the qdisc went on (bash's $EPOCHREALTIME before `tc`, which takes 2-6 ms
# to run) to the router's kernel route without that node's next hop, by
# the kernel's own timestamps (`ip -ts monitor route` in the router,
# tests/lib/fib_events.py). Then the qdisc goes and the next run waits for
# the next hop and the BFD session to be back. Printed: p50, p99, max.
#
# Configurations: the router is BIRD 2 or FRR (zebra, bfdd, bgpd); BFD at
# 300 ms x 3 and at 100 ms x 3 on both sides (BGP hold time 90 s), and for
# comparison no BFD at all, BGP hold time 3 s (keepalive 1 s): the fastest
# BGP alone can do, and far below the 90 s that routers default to.
#
# Target (issue 13): p99 under 1 s at 300 ms x 3, under 400 ms at 100 ms x 3.
#
# Seen here (release build, 2 cores shared with other work, load 0.5-1.5;
# BIRD 2.0.12, FRR 8.4.4; 20 runs each, p99 of 20 is the max):
#   router detection           p50     p99     max  (ms)
#   BIRD   BFD 300 ms x 3      765     903     903
#   BIRD   BFD 100 ms x 3      239     303     303
#   BIRD   no BFD, hold 3 s   2409    2860    2860
#   FRR    BFD 300 ms x 3      814     955     955
#   FRR    BFD 100 ms x 3      331     373     373
#   FRR    no BFD, hold 3 s   2555    3047    3047
# Both targets met. The spread is the detection time (3 x the interval)
# less the time since the node's last packet before the cut (up to one
# interval, jittered to 75-100 %); FRR adds 30-70 ms (bgpd, zebra, then the
# kernel) to BIRD's 0-10. The next hop comes back 0.4-2.5 s after the
# qdisc is gone (BFD's slow start at 1 s, then BGP reconnects).
#
# usage: bench/bfd_failover.sh [RUNS]     default 20
#   BERTH=path          berth binary (default build/berth, a release build)
#   ROUTERS="bird frr"  MODES="300x3 100x3 hold3"
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
BERTH=${BERTH:-$root/build/berth}
export BERTH

# pct P VALUES...: the P-th percentile (nearest rank) of VALUES.
pct() {
	local p=$1
	shift
	printf '%s\n' "$@" | sort -g | awk -v p="$p" '{v[NR] = $1}
		END {r = int((p * NR + 99) / 100); if (r < 1) r = 1; print v[r]}'
}

# ---- one configuration, in its own namespaces (a child of this script) ----
one() {
	local router=$1 mode=$2 runs=$3 out=$4 opts i n t0 ms back vals=() limit
	. "$root/tests/lib/e2e.sh"
	nl_setup >/dev/null
	spk_check
	case $mode in
	300x3) opts="hold=90 bfd=1 bfdrx=300 bfdtx=300 bfdmult=3" limit=10 ;;
	100x3) opts="hold=90 bfd=1 bfdrx=100 bfdtx=100 bfdmult=3" limit=10 ;;
	hold3) opts="hold=3" limit=15 ;;
	*) die "unknown mode $mode" ;;
	esac
	# shellcheck disable=SC2034 # read by topo_ecmp
	TOPO_ROUTER=$router
	# shellcheck disable=SC2086
	topo_ecmp 3 0 $opts
	for i in 1 2 3; do
		# shellcheck disable=SC2086
		topo_manifest "$NL_DIR/n$i/manifest.yaml" $opts
		spk_start "n$i" "n$i" "$NL_DIR/n$i/manifest.yaml" -- --log-level info
	done
	all3() { [ "$(fib_nexthop_count r "$TOPO_VIP/32")" = 3 ]; }
	steady() {
		all3 || return 1
		[ "$mode" = hold3 ] && return 0
		peer_bfd_up r 192.0.2.11 && peer_bfd_up r 192.0.2.12 && peer_bfd_up r 192.0.2.13
	}
	wait_until 60 "three next hops, BFD Up" steady || die "$router $mode: no steady state"
	fib_watch r fib
	for ((i = 1; i <= runs; i++)); do
		n=$(((i - 1) % 3 + 1))
		sleep 1
		t0=$EPOCHREALTIME
		nl_blackhole "n$n" to-r
		wait_until "$limit" "n$n's next hop gone" eval \
			"! fib_nexthops r $TOPO_VIP/32 | grep -qx 192.0.2.1$n"
		ms=$(fib_lost_ms fib "$TOPO_VIP/32" "192.0.2.1$n" "$t0") || ms=99999
		t0=$EPOCHREALTIME
		nl_unblackhole "n$n" to-r
		wait_until 60 "steady again" steady || die "$router $mode: n$n did not come back"
		back=$(fib_gained_ms fib "$TOPO_VIP/32" "192.0.2.1$n" "$t0")
		printf '  %-4s %-5s run %2d: n%d silent, next hop gone after %8s ms (back %s ms after)\n' \
			"$router" "$mode" "$i" "$n" "$ms" "${back:-?}" >&2
		vals+=("$ms")
	done
	fib_watch_stop fib
	echo "${vals[*]}" >"$out"
}

if [ "${1:-}" = --one ]; then
	one "$2" "$3" "$4" "$5"
	exit $?
fi

runs=${1:-20}
tmp=$(mktemp -d /tmp/bench-bfd.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
declare -A res
for router in ${ROUTERS:-bird frr}; do
	for mode in ${MODES:-300x3 100x3 hold3}; do
		echo "== $router, $mode: $runs runs" >&2
		bash "$0" --one "$router" "$mode" "$runs" "$tmp/$router-$mode" ||
			echo "   ($router $mode failed)" >&2
		res[$router-$mode]=$(cat "$tmp/$router-$mode" 2>/dev/null)
	done
done

name() {
	case $1 in
	300x3) echo "BFD 300 ms x 3" ;;
	100x3) echo "BFD 100 ms x 3" ;;
	hold3) echo "no BFD, hold 3 s" ;;
	esac
}
target() {
	case $1 in
	300x3) echo 1000 ;;
	100x3) echo 400 ;;
	*) echo "" ;;
	esac
}
echo
echo "node loss in BGP mode, $runs runs each: ms from the node's egress dropped to the"
echo "router's kernel route without its next hop (99999: not within 10 s / 15 s)"
printf '  %-6s %-18s %8s %8s %8s   %s\n' router detection p50 p99 max "target (p99)"
for router in ${ROUTERS:-bird frr}; do
	for mode in ${MODES:-300x3 100x3 hold3}; do
		# shellcheck disable=SC2206
		v=(${res[$router-$mode]:-})
		if ((${#v[@]} == 0)); then
			printf '  %-6s %-18s %8s\n' "$router" "$(name "$mode")" "(failed)"
			continue
		fi
		p99=$(pct 99 "${v[@]}")
		t=$(target "$mode")
		verdict=""
		[ -n "$t" ] && verdict="under $t ms: $(awk -v a="$p99" -v b="$t" 'BEGIN {print (a < b) ? "yes" : "NO"}')"
		[ "$mode" = hold3 ] && verdict="(BGP hold time 3 s, keepalive 1 s, for comparison)"
		printf '  %-6s %-18s %8s %8s %8s   %s\n' "$router" "$(name "$mode")" \
			"$(pct 50 "${v[@]}")" "$p99" "$(pct 100 "${v[@]}")" "$verdict"
	done
done
