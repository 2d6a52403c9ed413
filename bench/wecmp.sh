#!/usr/bin/env bash
# Weighted ECMP benchmark (issue 14, item 1; by hand, as root; not part of
# tests/run). The ECMP topology of tests/lib/topo.sh with FRR as the router
# (bgpd and zebra, multipath into the kernel, hashing on ports): three
# nodes running `berth speaker --manifests` announce one
# externalTrafficPolicy Local Service, with 1, 2 and 3 ready endpoints on
# n1, n2, n3 (EndpointSlices in the manifests; tests/lib/wecmp.sh).
#
# 1. Spread: N requests (one connection and source port each) from the
#    client, with the link bandwidth community (the default) and without it
#    (Eip spec.bgp.linkBandwidth: false), IPv4 and IPv6. Printed: each
#    node's share beside its ideal share (its share of the endpoints), and
#    the kernel's next-hop weights.
# 2. Reaction: CHANGES times, n1's endpoint count goes 1 -> 4 or back
#    (its slices file replaced, then SIGHUP: manifest mode's reload), and
#    the time is taken from just before that to the router's kernel route
#    with n1's new weight (44 of 100 for 4 of 9 endpoints, 16 for 1 of 6),
#    by the kernel's own timestamps (`ip -ts monitor route` in the router,
#    tests/lib/fib_events.py), and to the speaker's UPDATE on the wire
#    (a capture in the router, tcpdump -w, decoded by
#    tests/lib/bgp_pcap.py: berth's share of it). p50 and max.
#
# Target (issue 14): a count change is re-announced like any other change,
# well under 200 ms (the endpoint-move target).
#
# Seen here (release build, 2 cores shared with other work; FRR 8.4.4,
# kernel 6.18; 6,000 requests, 20 changes):
#   share of requests   endpoints  ideal   with the community   without
#   IPv4  n1            1          16.7 %  16.3 % (weight 16)   33.0 % (1)
#         n2            2          33.3 %  33.8 % (weight 33)   33.3 % (1)
#         n3            3          50.0 %  49.8 % (weight 50)   33.6 % (1)
#   IPv6  n1            1          16.7 %  16.3 %               31.9 %
#         n2            2          33.3 %  33.7 %               35.2 %
#         n3            3          50.0 %  50.0 %               32.8 %
#   Without the community n1's one endpoint gets twice its share, n3's
#   three two thirds of theirs.
#   count change -> the speaker's UPDATE on the wire   p50  7.3 ms, max 15.0
#   count change -> the new weight in the kernel       p50 69.3 ms, max 80.3
#   (FRR's part is 55-65 ms: bgpd, zebra, a new kernel nexthop group.)
#
# usage: bench/wecmp.sh [CHANGES]     default 20
#   BERTH=path   berth binary (default build/berth, a release build)
#   N=6000       requests per spread
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
BERTH=${BERTH:-$root/build/berth}
export BERTH
changes=${1:-20}
N=${N:-6000}

. "$root/tests/lib/e2e.sh"
. "$root/tests/lib/wecmp.sh"

# pct P VALUES...: the P-th percentile (nearest rank) of VALUES.
pct() {
	local p=$1
	shift
	printf '%s\n' "$@" | sort -g | awk -v p="$p" '{v[NR] = $1}
		END {r = int((p * NR + 99) / 100); if (r < 1) r = 1; print v[r]}'
}

# spread AF: "C1 C2 C3 | W1 W2 W3" requests and kernel weights.
spread() {
	local pfx=$TOPO_VIP/32
	[ "$1" = 6 ] && pfx=$TOPO_VIP6/128
	echo "$(wecmp_spread "$N" "$1") | $(wecmp_weights "$pfx")"
}

nl_setup >/dev/null
spk_check
WECMP_LOG_LEVEL=info
wecmp_start frr 1 2 3 || die "sessions did not come up"
wait_until 30 "weights 16 33 50" wecmp_weights_are "$TOPO_VIP/32" "16 33 50" ||
	die "no weighted route: $(wecmp_weights "$TOPO_VIP/32")"
wait_until 10 "weights v6" wecmp_weights_are "$TOPO_VIP6/128" "16 33 50" || die "no weighted v6 route"

declare -A res
for af in 4 6; do
	echo "== spread with the community, IPv$af: $N requests" >&2
	res[with$af]=$(spread $af)
done
wecmp_common eip=false
wecmp_hup_all
wait_until 10 "equal weights" wecmp_weights_are "$TOPO_VIP/32" "1 1 1" || die "no plain ECMP"
wait_until 10 "equal weights v6" wecmp_weights_are "$TOPO_VIP6/128" "1 1 1" || die "no plain ECMP v6"
for af in 4 6; do
	echo "== spread without the community, IPv$af: $N requests" >&2
	res[without$af]=$(spread $af)
done
wecmp_common
wecmp_hup_all
wait_until 10 "weights back" wecmp_weights_are "$TOPO_VIP/32" "16 33 50" || die "weights not back"

# ---- reaction time ----
fib_watch r fib
wire=$NL_DIR/r/wire.pcap
wecmp_wire_start "$wire" 'tcp port 179 and src host 192.0.2.11' || die "tcpdump did not start"
kern=() onwire=()
f=$NL_DIR/n1/slices.yaml
for ((i = 1; i <= changes; i++)); do
	if ((i % 2)); then c=4 w=44 want="44 22 33"; else c=1 w=16 want="16 33 50"; fi
	: >"$f.new"
	mf_slice "$f.new" web 4 n1=$c n2=2 n3=3
	mf_slice "$f.new" web 6 n1=$c n2=2 n3=3
	sleep 0.5
	t0=$EPOCHREALTIME
	mv "$f.new" "$f"
	kill -HUP "$(spk_pid n1)"
	wait_until 10 "n1 at weight $w" wecmp_weights_are "$TOPO_VIP/32" "$want" ||
		echo "   run $i: weights $(wecmp_weights "$TOPO_VIP/32"), not $want" >&2
	ms=$(fib_weight_ms fib "$TOPO_VIP/32" 192.0.2.11 "$w" "$t0") || ms=99999
	sleep 0.3
	hex=$(python3 -c 'import struct, sys; print(struct.pack(">f", float(sys.argv[1])).hex())' $((c * 125000)))
	wms=$(wecmp_wire_updates "$wire" | awk -v t0="$t0" -v p="$TOPO_VIP/32" -v h="0004fde9$hex" '
		$1 >= t0 && $3 == p && $4 == h { printf "%.1f\n", ($1 - t0) * 1000; exit }')
	printf '  run %2d: n1 %d endpoint(s): UPDATE after %6s ms, kernel weight %d after %8s ms\n' \
		"$i" "$c" "${wms:-?}" "$w" "$ms" >&2
	kern+=("$ms")
	[ -n "$wms" ] && onwire+=("$wms")
done
fib_watch_stop fib
wecmp_wire_stop

# ---- the report ----
ideal=(16.7 33.3 50.0)
echo
echo "spread of $N requests over three nodes with 1/2/3 endpoints, FRR $(/usr/lib/frr/bgpd --version | awk 'NR == 1 {print $3}')"
for af in 4 6; do
	printf '  IPv%s  %-9s %7s   %-22s %-22s\n' "$af" endpoints ideal "with the community" "without"
	read -r -a a <<<"${res[with$af]}"
	read -r -a b <<<"${res[without$af]}"
	for i in 0 1 2; do
		printf '    n%d  %-9d %6s%%   %5.1f%% (%4d, w %3s)   %5.1f%% (%4d, w %3s)\n' $((i + 1)) $((i + 1)) \
			"${ideal[i]}" "$(awk -v c="${a[i]}" -v n="$N" 'BEGIN {print 100 * c / n}')" "${a[i]}" "${a[i + 4]}" \
			"$(awk -v c="${b[i]}" -v n="$N" 'BEGIN {print 100 * c / n}')" "${b[i]}" "${b[i + 4]}"
	done
done
echo "  (w: the kernel's next-hop weight FRR installed)"
echo
echo "endpoint count change on n1 (slices file + SIGHUP), $changes changes, ms"
if ((${#onwire[@]})); then
	printf '  to the speaker'"'"'s UPDATE on the wire       p50 %7s   max %7s\n' \
		"$(pct 50 "${onwire[@]}")" "$(pct 100 "${onwire[@]}")"
fi
printf '  to the new weight in FRR'"'"'s kernel route   p50 %7s   max %7s   (99999: not seen)\n' \
	"$(pct 50 "${kern[@]}")" "$(pct 100 "${kern[@]}")"
exit 0
