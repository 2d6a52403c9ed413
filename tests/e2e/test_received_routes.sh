#!/usr/bin/env bash
# Routes sent TO the speaker, many of them: BIRD 2, FRR and GoBGP each send
# 10,000 IPv4 and 10,000 IPv6 prefixes (tests/lib/routegen.py) over one
# session carrying both families, then withdraw and re-announce all of them
# three times. One router at a time, each with a speaker of its own:
#
#   spk-T (speaker, AS 65001)  192.0.2.11/24 2001:db8::11/64
#     |
#   T     (router,  AS 65000)  192.0.2.1/24  2001:db8::1/64    T: bird, frr, gobgp
#
# Per router, after the first table, after each withdraw and announce and
# after a withdraw and announce back to back,
# the speaker's berth_bgp_prefixes_received{family} (/metrics) and what the
# router says it sent must both be 10,000 + 10,000, or 0 + 0. Then: the
# session came up once on both sides and never went down, no UPDATE was
# malformed, the speaker's peak RSS (VmHWM) stays bounded, it exits 0 on
# SIGTERM and its output holds no sanitizer report (tests/run uses the
# ASan/UBSan build). The speaker's limit is per family and exactly what
# is sent (--max-received 10000: at the boundary) and it sends nothing, so
# every count is exact.
#
# E2E_BULK4 / E2E_BULK6 / E2E_ROUNDS / E2E_ROUTERS change the load.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"

N4=${E2E_BULK4:-10000}
N6=${E2E_BULK6:-10000}
ROUNDS=${E2E_ROUNDS:-3}
ROUTERS=${E2E_ROUTERS:-bird frr gobgp}
# Not the suite's 3 s: a router or a sanitized speaker starved of CPU on a
# shared machine must not pass for a reset; a NOTIFICATION still ends it.
HOLD=9
ROUND_S=30 # one withdraw or announce of everything (a second or two)
# Peak RSS: 20,000 received prefixes cost the release build ~9 MB, and not
# a kB more by round 3 than by round 1. Sanitizer builds shadow memory and
# keep what is freed in quarantine (~30 MB, growing every round): only the
# bound, a looser one.
RSS_MAX_MB=64
RSS_GROWTH_KB=1024 # from the end of round 1 to the end; "" = not checked
SANITIZER_RE='ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: [A-Za-z]*Sanitizer|Sanitizer:DEADLYSIGNAL'

# shellcheck disable=SC2034 # read by tests/lib/peers.sh
E2E_PEER_ORIGINATE=0 # the bulk routes and nothing else
# shellcheck disable=SC2034
E2E_GOBGP_LOG=info # not a debug line per route sent

# ---- readers ----

# spk_received HOST AF: berth_bgp_prefixes_received{family="ipvAF"}.
spk_received() {
	nl_x "$1" curl -sf --max-time 2 http://127.0.0.1:9444/metrics 2>/dev/null |
		awk -v f="family=\"ipv$2\"" '$1 ~ /^berth_bgp_prefixes_received\{/ && index($1, f) { print $2; n++ }
			END { if (!n) print "none" }'
}

spk_metric() { # HOST NAME: the value of a family with one series
	nl_x "$1" curl -sf --max-time 2 http://127.0.0.1:9444/metrics 2>/dev/null |
		awk -v m="$2" 'index($1, m "{") == 1 || $1 == m { print $2 }'
}

spk_count() { grep -cE "$2" "$(spk_log "$1")"; }

vmhwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

counts() { # T: "speaker v4/v6, router sent v4/v6"
	echo "speaker $(spk_received "spk-$1" 4)/$(spk_received "spk-$1" 6)," \
		"$1 sent $(peer_sent "$1" 192.0.2.11 4)/$(peer_sent "$1" 192.0.2.11 6)"
}

# converge T V4 V6: polls until the speaker holds V4 + V6 prefixes from T
# and T says it sent that many. 0 when it did, 1 after ROUND_S seconds,
# 2 at once when the speaker died. Sets WAITED_MS.
WAITED_MS=0
converge() {
	local t=$1 v4=$2 v6=$3 t0 end
	t0=$(nl_ms)
	end=$((t0 + ROUND_S * 1000))
	while :; do
		spk_alive "spk-$t" || return 2
		# The speaker first: one HTTP request; the router's CLI only
		# when the speaker is there.
		if [ "$(spk_received "spk-$t" 4)" = "$v4" ] && [ "$(spk_received "spk-$t" 6)" = "$v6" ] &&
			[ "$(peer_sent "$t" 192.0.2.11 4)" = "$v4" ] &&
			[ "$(peer_sent "$t" 192.0.2.11 6)" = "$v6" ]; then
			WAITED_MS=$(($(nl_ms) - t0))
			return 0
		fi
		(($(nl_ms) > end)) && return 1
		sleep 0.25
	done
}

# step T WHAT V4 V6 DESC: WHAT (announce or withdraw, both back to back,
# or "" for the table sent at session start) then converge; one check
# line. Returns non-zero when the rest would only add noise.
ROUND_MS=()
HWM=()
step() {
	local t=$1 what=$2 v4=$3 v6=$4 desc=$5 t0 rc w
	t0=$(nl_ms)
	for w in $what; do
		if ! "peer_bulk_$w" "$t"; then
			not_ok "$t: $desc: the router did not take the command"
			return 1
		fi
	done
	converge "$t" "$v4" "$v6"
	rc=$?
	case $rc in
	0)
		WAITED_MS=$(($(nl_ms) - t0))
		ROUND_MS+=("$WAITED_MS")
		HWM+=("$(vmhwm_kb "$(spk_pid "spk-$t")")")
		ok "$t: $desc: speaker and router agree on $v4 + $v6 prefixes ($WAITED_MS ms)"
		;;
	1) not_ok "$t: $desc: not $v4 + $v6 after ${ROUND_S}s ($(counts "$t"))" ;;
	*) not_ok "$t: $desc: the speaker died ($(counts "$t"))" ;;
	esac
	return $rc
}

# ---- one router ----

run_router() {
	local t=$1 s=spk-$1 m r hwm ups est down rc
	nl_host "$s" "$t"
	nl_link "$s" "$t"
	nl_addr "$s" "to-$t" 192.0.2.11/24 2001:db8::11/64
	nl_addr "$t" "to-$s" 192.0.2.1/24 2001:db8::1/64

	peer_neighbor "$t" 192.0.2.11 65001 hold=$HOLD
	peer_bulk "$t" "$N4" "$N6"
	peer_start "$t" "$t" 65000 192.0.2.1

	m=$NL_DIR/$s/manifest.yaml
	mf_bgpconf "$m" 65001 17900 routerId=192.0.2.11
	mf_peer "$m" router 192.0.2.1 65000 hold=$HOLD
	spk_start "$s" "$s" "$m" -- --metrics-address 127.0.0.1:9444 --max-received $((N4 > N6 ? N4 : N6))

	ROUND_MS=()
	HWM=()
	if step "$t" "" "$N4" "$N6" "table at session start"; then
		for ((r = 1; r <= ROUNDS; r++)); do
			step "$t" withdraw 0 0 "round $r: withdraw all" || break
			step "$t" announce "$N4" "$N6" "round $r: announce all" || break
		done
		# Withdrawals and announcements of the same prefixes in one
		# stream, maybe in one UPDATE (RFC 4271 9: withdrawn first).
		((r > ROUNDS)) && step "$t" "withdraw announce" "$N4" "$N6" "withdraw and announce at once"
	fi
	nl_log "$t: ms per withdraw/announce: ${ROUND_MS[*]:-none}"
	nl_log "$t: VmHWM kB after each: ${HWM[*]:-none}"

	# Both sides' view of the session over the whole run.
	ups=$(peer_ups "$t" 192.0.2.11)
	est=$(spk_count "$s" 'session established')
	down=$(spk_count "$s" 'session down|connection to .* ended')
	nl_log "$t: sessions established: $t ${ups:-?}, speaker $est; speaker session ends $down"
	check "$t: $t established the session once (${ups:-?} times)" test "${ups:-0}" = 1
	r=$(peer_state "$t" 192.0.2.11)
	check "$t: $t's session is still Established (${r:-?})" test "$r" = Established
	check "$t: the speaker established it once ($est times) and never lost it ($down)" \
		test "$est $down" = "1 0"
	check "$t: no NOTIFICATION either way" \
		test "$(spk_count "$s" 'NOTIFICATION|malformed message')" = 0
	if spk_alive "$s"; then
		r=$(spk_metric "$s" berth_bgp_malformed_updates_total)
		check "$t: no malformed UPDATE (berth_bgp_malformed_updates_total ${r:-none})" \
			test "${r:-x}" = 0
		hwm=$(vmhwm_kb "$(spk_pid "$s")")
		nl_log "$t: speaker VmHWM $((hwm / 1024)).$((hwm % 1024 * 10 / 1024)) MB"
		check "$t: speaker VmHWM ${hwm} kB under $RSS_MAX_MB MB" test "$hwm" -lt $((RSS_MAX_MB * 1024))
		# HWM[2]: after round 1's announce.
		if [ -n "$RSS_GROWTH_KB" ] && ((${#HWM[@]} > 2)); then
			check "$t: speaker VmHWM grew $((hwm - HWM[2])) kB after round 1 (at most $RSS_GROWTH_KB)" \
				test $((hwm - HWM[2])) -le "$RSS_GROWTH_KB"
		fi
		spk_stop "$s"
		rc=$?
		check "$t: SIGTERM: speaker exits 0 (got $rc)" test "$rc" -eq 0
	else
		not_ok "$t: the speaker died during the run"
	fi
	# The report's head: the log tails printed on failure may cut it.
	r=$(grep -m1 -E "$SANITIZER_RE" "$(spk_log "$s")")
	if [ -n "$r" ]; then
		grep -m1 -A30 -E "$SANITIZER_RE" "$(spk_log "$s")"
		not_ok "$t: sanitizer report in the speaker's output: $r"
	else
		ok "$t: no sanitizer report in the speaker's output"
	fi
	# The next router gets the CPU.
	# shellcheck disable=SC2046
	kill $(ip netns pids "$(nl_ns "$t")") 2>/dev/null
}

nl_setup
spk_check
if ldd "$(spk_cmd)" 2>/dev/null | grep -q libasan; then
	RSS_MAX_MB=128
	RSS_GROWTH_KB=""
fi
for t in $ROUTERS; do
	run_router "$t"
done
nl_finish
