#!/usr/bin/env bash
# BFD benchmark, CPU cost (issue 13; by hand, as root; not part of
# tests/run): 100 BFD sessions at 100 ms x 3, single hop over IPv4, between
# `berth speaker --manifests` in one namespace and a router in another:
#
#   n1  192.0.2.101-200/24 --- r  192.0.2.1-100/24
#
# The speaker has 100 BgpPeers (neighbor 192.0.2.i, localAddress
# 192.0.2.(100+i), passive: BGP itself stays silent, nobody connects), each
# with spec.bfd 100 ms x 3. The router runs BFD alone, with 100 static
# sessions: BIRD 2's `protocol bfd` with `neighbor` lines, or FRR's bfdd
# (with zebra) with `peer` lines. Once all 100 are Up on both sides, the
# CPU time (utime + stime from /proc/PID/stat) of the speaker and of the
# router's BFD process (bird; bfdd) over SECONDS is printed as a share of
# one core, with packets per second and the ratio between the two. Every
# session must still be Up at the end, with no flap in between.
#
# Seen here (release build, 2 cores shared, load under 1; 30 s; about
# 1,140 packets a second each way: 100 x 10/s, the 75-100 % jitter):
#   against BIRD 2.0.12:   berth speaker 2.9 % of one core (880 ms CPU),
#                          BIRD 4.9 % (1,480 ms): ratio 0.59
#   against FRR 8.4.4:     berth speaker 2.4 % (710 ms), FRR bfdd 46.6 %
#                          (13,970 ms): ratio 0.05 (bfdd's own user time:
#                          some 12,000 system calls a second only)
#   100 of 100 Up at the end on both sides, no flap.
#
# usage: bench/bfd_cpu.sh [SECONDS]     default 30
#   BERTH=path          berth binary (default build/berth, a release build)
#   ROUTERS="bird frr"  SESSIONS=100  INTERVAL=100 (ms)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
BERTH=${BERTH:-$root/build/berth}
export BERTH
secs=${1:-30}
n=${SESSIONS:-100}
ival=${INTERVAL:-100}

. "$root/tests/lib/e2e.sh"

ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# Sessions Up at the speaker (berth_bfd_session_state 3).
spk_ups() { spk_metrics n1 | awk '/^berth_bfd_session_state\{/ && $NF == 3 {c++} END {print c + 0}'; }
spk_flaps() { spk_metrics n1 | awk '/^berth_bfd_session_flaps_total\{/ {s += $NF} END {print s + 0}'; }
spk_sent() { spk_metric n1 berth_bfd_packets_sent_total ""; }

router_ups() {
	case $1 in
	bird) bird_cli r show bfd sessions | awk '$3 == "Up" {c++} END {print c + 0}' ;;
	frr) vty r "show bfd peers brief" | awk '$0 ~ / up / {c++} END {print c + 0}' ;;
	esac
}

start_router() {
	local type=$1 d=$NL_DIR/r i
	echo "$type" >"$d/peer.type"
	case $type in
	bird)
		{
			echo "log \"$d/bird.log\" all;"
			echo "router id 192.0.2.1;"
			echo "protocol device { scan time 10; }"
			echo "protocol bfd {"
			echo "  interface \"*\" { min rx interval $ival ms; min tx interval $ival ms; multiplier 3; };"
			for ((i = 1; i <= n; i++)); do echo "  neighbor 192.0.2.$((100 + i)) local 192.0.2.$i;"; done
			echo "}"
		} >"$d/bird.conf"
		nl_bg r "$d/bird.out" bird -f -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid"
		wait_until 10 "bird" bird_cli r show status || die "bird did not start"
		RPID=$(cat "$d/bird.pid")
		;;
	frr)
		echo "username root nopassword" >"$d/vtysh.conf"
		echo "log file $d/zebra.log informational" >"$d/zebra.conf"
		{
			echo "log file $d/bfdd.log informational"
			echo "bfd"
			for ((i = 1; i <= n; i++)); do
				echo " peer 192.0.2.$((100 + i)) local-address 192.0.2.$i"
				echo "  receive-interval $ival"
				echo "  transmit-interval $ival"
				echo "  detect-multiplier 3"
				echo " exit"
			done
			echo "exit"
		} >"$d/bfdd.conf"
		nl_bg r "$d/zebra.out" /usr/lib/frr/zebra -u root -g frrvty -z "$d/zserv.api" \
			--vty_socket "$d" -i "$d/zebra.pid" -f "$d/zebra.conf" -P 0
		wait_until 10 "zebra" vty r show zebra || die "zebra did not start"
		nl_bg r "$d/bfdd.out" /usr/lib/frr/bfdd -u root -g frrvty -z "$d/zserv.api" \
			--bfdctl "$d/bfdd.sock" --vty_socket "$d" -i "$d/bfdd.pid" -f "$d/bfdd.conf" -P 0
		RPID=$NL_BG_PID
		wait_until 10 "bfdd" vty r show bfd peers brief || die "bfdd did not start"
		;;
	esac
}

one() {
	local type=$1 m i a b sa sb ra rb s0 s1 fl0 fl1 t0 t1 rname
	nl_setup >/dev/null
	spk_check
	nl_host n1 r
	nl_link n1 r
	for ((i = 1; i <= n; i++)); do echo "addr add 192.0.2.$((100 + i))/24 dev to-r"; done >"$NL_DIR/n1.ip"
	for ((i = 1; i <= n; i++)); do echo "addr add 192.0.2.$i/24 dev to-n1"; done >"$NL_DIR/r.ip"
	nl_x n1 ip -batch "$NL_DIR/n1.ip" || die "addresses on n1"
	nl_x r ip -batch "$NL_DIR/r.ip" || die "addresses on r"
	start_router "$type"
	m=$NL_DIR/n1/manifest.yaml
	: >"$m"
	mf_bgpconf "$m" 65001 179 routerId=192.0.2.101
	for ((i = 1; i <= n; i++)); do
		mf_peer "$m" "r$i" "192.0.2.$i" 65000 passive=1 local="192.0.2.$((100 + i))" families=4 \
			bfd=1 bfdrx="$ival" bfdtx="$ival" bfdmult=3
	done
	spk_start n1 n1 "$m" -- --metrics-address "127.0.0.1:$SPK_METRICS_PORT" --log-level info
	wait_until 60 "all $n Up at the speaker" eval '[ "$(spk_ups)" = "$n" ]' ||
		die "$type: only $(spk_ups) of $n sessions Up at the speaker"
	wait_until 30 "all $n Up at the router" eval '[ "$(router_ups "$type")" = "$n" ]' ||
		die "$type: only $(router_ups "$type") of $n sessions Up at the router"
	sleep 2 # past the Poll Sequences to the fast intervals
	fl0=$(spk_flaps)
	s0=$(spk_sent)
	a=$(ticks "$(spk_pid n1)")
	ra=$(ticks "$RPID")
	t0=$(date +%s%N)
	sleep "$secs"
	b=$(ticks "$(spk_pid n1)")
	rb=$(ticks "$RPID")
	t1=$(date +%s%N)
	s1=$(spk_sent)
	fl1=$(spk_flaps)
	sa=$(spk_ups)
	sb=$(router_ups "$type")
	rname=BIRD
	[ "$type" = frr ] && rname="FRR bfdd"
	awk -v n="$n" -v iv="$ival" -v hz="$hz" -v dt="$(((t1 - t0) / 1000000))" \
		-v s=$((b - a)) -v r=$((rb - ra)) -v pk=$((s1 - s0)) -v rn="$rname" \
		-v up="$sa/$sb" -v fl=$((fl1 - fl0)) 'BEGIN {
		sp = s / hz / (dt / 1000) * 100; rp = r / hz / (dt / 1000) * 100
		printf "%d sessions at %d ms x 3 against %s, over %.1f s:\n", n, iv, rn, dt / 1000
		printf "  berth speaker  %6.2f%% of one core (%d ms CPU), %.0f packets/s sent\n", sp, s * 1000 / hz, pk / (dt / 1000)
		printf "  %-13s  %6.2f%% of one core (%d ms CPU)\n", rn, rp, r * 1000 / hz
		if (r > 0) printf "  ratio berth / %s: %.2f\n", rn, s / r
		else printf "  ratio: %s used under one clock tick\n", rn
		printf "  sessions Up at the end (speaker/router): %s; flaps meanwhile: %d\n", up, fl
	}'
}

if [ "${1:-}" = --one ]; then
	secs=$3
	one "$2"
	exit $?
fi
for type in ${ROUTERS:-bird frr}; do
	bash "$0" --one "$type" "$secs" || echo "($type: failed)"
done
