#!/usr/bin/env bash
# Layer 2 benchmark (issue 12; by hand, as root; not part of tests/run), on
# the topology of tests/lib/l2net.sh: three nodes running `berth speaker
# --manifests` with a shared heartbeat key, a client, an observer.
#
# 1. Failover: RUNS times, the owner of a dual-stack Service has its link
#    cut (its switch ports down: silent both ways); measured from the cut
#    (taken once `ip link set down` has returned) to the first echo reply
#    the client gets to a request sent after it (tool_l2_probe, a request
#    every 10 ms, IPv4 and IPv6 side by side: one cut gives one time of
#    each); then the link comes back and the addresses settle before the
#    next run. Printed: p50, p99 and max per family, in ms.
# 2. Heartbeat traffic: UDP datagrams per second in and out of each node
#    (the namespaces' /proc/net/snmp; only heartbeats use UDP there) over
#    5 s of steady state.
# 3. Scale: SERVICES layer 2 Services (IPv4 from 203.0.113.0/24, the rest
#    IPv6 from 2001:db8::1:0/112), all three speakers started at once;
#    the time from their start until every address has been answered (the
#    observer asks for all of them every 200 ms, l2_macs.py --until-all),
#    then each speaker's VmHWM.
#
# Seen here (release build, 2 shared cores with other tests running, load
# 2-3; heartbeats every 100 ms, Down after 3 missed):
#   failover, 20 runs   IPv4 p50 241 ms, p99 292 ms, max 292 ms
#                       IPv6 p50 242 ms, p99 295 ms, max 295 ms
#   (between 200 and 300 ms: the detection time, 3 intervals, less the
#   time since the last ACK before the cut; the announcement is immediate)
#   heartbeats          60-80 datagrams/s per node (in + out), 3 nodes
#   1,000 Services      all answered 1.0-1.2 s after the speakers started
#                       (0.5 s of it the start-up hold; the census asks every
#                       200 ms); none answered by two MACs at once;
#                       VmHWM 12.1-12.2 MB per speaker
#
# usage: bench/l2_failover.sh [RUNS]     default 20
#   BERTH=path       berth binary (default build/berth, a release build)
#   SERVICES=N       default 1000
#   BENCH_PHASES="failover traffic scale"
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
BERTH=${BERTH:-$root/build/berth}
export BERTH
runs=${1:-20}
services=${SERVICES:-1000}
phases=${BENCH_PHASES:-failover traffic scale}

. "$root/tests/lib/e2e.sh"
. "$root/tests/lib/l2net.sh"
nl_setup
spk_check
l2_topo 3
key=$NL_DIR/member.key
openssl rand -hex 32 >"$key"
L2_SPK_ARGS=(--member-key-file "$key" --log-level info)

nodes() {
	local f=$1 k
	for k in 1 2 3; do mf_l2_node "$f" "n$k" "192.0.2.1$k" "2001:db8::1$k"; done
	mf_l2_eip "$f" pool4 192.0.2.200-192.0.2.220 eth0
	mf_l2_eip "$f" pool6 2001:db8::200/124 eth0
}

# pct P VALUES...: the P-th percentile (nearest rank) of VALUES.
pct() {
	local p=$1
	shift
	printf '%s\n' "$@" | sort -g | awk -v p="$p" '{v[NR] = $1}
		END {r = int((p * NR + 99) / 100); if (r < 1) r = 1; print v[r]}'
}

stop_all() {
	local k
	for k in 1 2 3; do spk_alive "n$k" 2>/dev/null && spk_stop "n$k" >/dev/null; done
	return 0
}

failover() {
	local mf=$NL_DIR/failover.yaml k i o r4 r6 t4=() t6=() DS4=192.0.2.210 DS6=2001:db8::20a
	nodes "$mf"
	mf_l2_service "$mf" ds Cluster pool4 $DS4 $DS6
	L2_MF=("$mf")
	for k in 1 2 3; do l2_start "n$k"; done
	wait_until 20 "answered" l2_one_each 0.3 $DS4 $DS6 || die "the Service is not answered"
	for ((i = 1; i <= runs; i++)); do
		o=$(l2_owner $DS4 0.3)
		[[ $o == n? ]] || die "run $i: owner of $DS4: $o"
		l2_probe_start f4 $DS4 --exit-on-answer --duration 10
		l2_probe_start f6 $DS6 --exit-on-answer --duration 10
		sleep 0.5
		l2_cut "$o"
		l2_mark f4
		cp "$NL_DIR/f4.t" "$NL_DIR/f6.t"
		r4=$(l2_field "$(l2_probe_wait f4 10)" since_ms)
		r6=$(l2_field "$(l2_probe_wait f6 10)" since_ms)
		printf 'run %2d: cut %s  IPv4 %8s ms  IPv6 %8s ms\n' "$i" "$o" "$r4" "$r6"
		[ "$r4" != none ] && t4+=("$r4") || t4+=(99999)
		[ "$r6" != none ] && t6+=("$r6") || t6+=(99999)
		l2_restore "$o"
		wait_until 10 "settled" l2_one_each 0.3 $DS4 $DS6 || nl_log "run $i: not settled"
		sleep 0.5
	done
	echo "failover, $runs runs (ms; 99999: no answer within 10 s):"
	printf '  IPv4  p50 %8s  p99 %8s  max %8s\n' "$(pct 50 "${t4[@]}")" "$(pct 99 "${t4[@]}")" "$(pct 100 "${t4[@]}")"
	printf '  IPv6  p50 %8s  p99 %8s  max %8s\n' "$(pct 50 "${t6[@]}")" "$(pct 99 "${t6[@]}")" "$(pct 100 "${t6[@]}")"
	stop_all
}

udp_count() { # NODE: InDatagrams + OutDatagrams so far
	nl_x "$1" awk '/^Udp:/ {n++; if (n == 2) print $2 + $5}' /proc/net/snmp
}

traffic() {
	local mf=$NL_DIR/traffic.yaml k a=() b=()
	nodes "$mf"
	mf_l2_service "$mf" ds Cluster pool4 192.0.2.210 2001:db8::20a
	for k in 1 2 3 4 5 6; do mf_l2_service "$mf" "c$k" Cluster pool4 "192.0.2.20$k"; done
	L2_MF=("$mf")
	for k in 1 2 3; do l2_start "n$k"; done
	sleep 3
	for k in 1 2 3; do a[k]=$(udp_count "n$k"); done
	sleep 5
	for k in 1 2 3; do b[k]=$(udp_count "n$k"); done
	echo "heartbeat traffic, 3 nodes, 7 Services (UDP datagrams in + out per second):"
	for k in 1 2 3; do awk -v k="$k" -v d=$((b[k] - a[k])) 'BEGIN {printf "  n%d  %6.1f/s\n", k, d / 5}'; done
	stop_all
}

scale() {
	local mf=$NL_DIR/scale.yaml k i n4 n p addr addrs=() t0 last many hwm
	nodes "$mf"
	mf_l2_eip "$mf" pool-big4 203.0.113.0/24 eth0
	mf_l2_eip "$mf" pool-big6 2001:db8::1:0/112 eth0
	n4=$((services < 250 ? services : 250))
	for ((i = 1; i <= n4; i++)); do addrs+=("203.0.113.$i"); done
	for ((i = n4; i < services; i++)); do addrs+=("$(printf '2001:db8::1:%x' "$i")"); done
	for ((i = 0; i < services; i++)); do
		addr=${addrs[i]}
		if [[ $addr == *:* ]]; then p=pool-big6; else p=pool-big4; fi
		mf_l2_service "$mf" "s$i" Cluster "$p" "$addr"
	done
	# 203.0.113.0/24 is on the segment too, for the observer.
	nl_x obs ip route add 203.0.113.0/24 dev eth0
	L2_MF=("$mf")
	_l2_bg scale "$NL_DIR/scale.macs" obs python3 "$L2_ROOT/tests/tools/l2_macs.py" -I eth0 \
		-d 120 -i 200 --until-all "${addrs[@]}"
	sleep 0.5
	t0=$(date +%s%N)
	for k in 1 2 3; do l2_start "n$k"; done
	_l2_reap scale "" 130
	last=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^first_ns=/) {sub("first_ns=", "", $i); print $i}}' \
		"$NL_DIR/scale.macs" | sort -n | tail -n 1)
	n=$(grep -vc 'first_ns=0$' "$NL_DIR/scale.macs")
	many=$(grep -c 'max_simul=[2-9]' "$NL_DIR/scale.macs")
	echo "scale: $services Services ($n4 IPv4, $((services - n4)) IPv6), 3 nodes:"
	if [ "$n" = "$services" ]; then
		printf '  all answered %d ms after the speakers started\n' $(((last - t0) / 1000000))
	else
		echo "  only $n of $services answered within 120 s"
	fi
	echo "  addresses answered by two MACs at once: $many"
	for k in 1 2 3; do
		hwm=$(awk '/^VmHWM/ {print $2, $3}' "/proc/$(spk_pid "n$k")/status")
		echo "  n$k VmHWM $hwm"
	done
	stop_all
}

for ph in $phases; do "$ph"; done
