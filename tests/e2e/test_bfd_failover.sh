#!/usr/bin/env bash
# Issue 13's failure test: three nodes announce one address to a BIRD
# router that merges them into one ECMP route (tests/lib/topo.sh), BGP hold
# time 90 s, BFD 100 ms x 3 on both sides. One node goes silent (its egress
# dropped, as a dead machine's): the router's kernel route must lose that
# next hop in under 1 s and keep the other two; the client's flows then
# reach only those. The node comes back: the next hop returns. The times
# are the kernel's own (ip -ts monitor route), from just before the
# blackhole qdisc went on. TOPO_ROUTER=frr runs the same with FRR.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"

VIP=$TOPO_VIP
BFD="hold=90 bfd=1 bfdrx=100 bfdtx=100 bfdmult=3"

fib_is() { # PREFIX NEXTHOPS (sorted, space-separated)
	[ "$(fib_nexthops r "$1" | tr '\n' ' ')" = "$2 " ]
}

nl_setup
spk_check
# shellcheck disable=SC2086
topo_ecmp 3 0 $BFD
for i in 1 2 3; do
	# shellcheck disable=SC2086
	topo_manifest "$NL_DIR/n$i/manifest.yaml" $BFD
	spk_start "n$i" "n$i" "$NL_DIR/n$i/manifest.yaml"
done

wait_until 30 "three sessions" topo_all_up 3 && ok "three sessions Established (hold time 90 s)" ||
	die "not all three sessions came up"
check "the router's BFD sessions to the three nodes are Up" \
	wait_until 10 "BFD Up" eval 'peer_bfd_up r 192.0.2.11 && peer_bfd_up r 192.0.2.12 && peer_bfd_up r 192.0.2.13'
check "the router detects a silent node after 300 ms (100 ms x 3): $(peer_bfd_timers r 192.0.2.11)" \
	test "$(peer_bfd_timers r 192.0.2.11)" = "100 300"
check "FIB: $VIP via n1, n2 and n3" \
	wait_until 15 "ECMP route" fib_is "$VIP/32" "192.0.2.11 192.0.2.12 192.0.2.13"

fib_watch r fib
t0=$EPOCHREALTIME
nl_blackhole n1 to-r
wait_until 5 "n1's next hop gone" fib_is "$VIP/32" "192.0.2.12 192.0.2.13"
ms=$(fib_lost_ms fib "$VIP/32" 192.0.2.11 "$t0")
nl_log "n1 silent: the router's route lost 192.0.2.11 after ${ms:-(never)} ms"
check "n1 silent: the router's kernel route lost n1's next hop in under 1 s (${ms:-never} ms)" \
	eval '[ -n "$ms" ] && ((${ms%.*} < 1000))'
check "... and kept n2's and n3's (3 s)" \
	holds_for 3 "two next hops" fib_is "$VIP/32" "192.0.2.12 192.0.2.13"
check "... the router says BFD took n1's session down ($(peer_last_error r 192.0.2.11))" \
	grep -q BFD <<<"$(peer_last_error r 192.0.2.11)"
spread=$(topo_spread 30)
check "... the client's flows reach n2 and n3 only: $(tr "\n" " " <<<"$spread")" \
	test "$(echo "$spread" | awk '{print $2}' | tr '\n' ' ')" = "n2 n3 "

t0=$EPOCHREALTIME
nl_unblackhole n1 to-r
check "n1 back: its next hop returns" \
	wait_until 30 "n1's next hop back" fib_is "$VIP/32" "192.0.2.11 192.0.2.12 192.0.2.13"
ms=$(fib_gained_ms fib "$VIP/32" 192.0.2.11 "$t0")
nl_log "n1 back: 192.0.2.11 back in the route after ${ms:-?} ms (BFD Up, BGP reconnect, UPDATE)"
fib_watch_stop fib
check "n1 back: BFD Up again" wait_until 10 "n1 BFD Up" peer_bfd_up r 192.0.2.11
check "no sanitizer report in the speakers' logs" \
	eval '! grep -Eq "ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:" "$(spk_log n1)" "$(spk_log n2)" "$(spk_log n3)"'
nl_finish
