#!/usr/bin/env bash
# Three speakers announce one address to a BIRD router (tests/lib/topo.sh):
# the router's kernel FIB must hold ONE route with THREE next hops, and a
# client's flows must reach all three nodes. Then graceful restart
# (RFC 4724): one speaker is SIGKILLed; the router keeps its route and
# forwarding through the restart, the restarted speaker takes over with no
# gap (no failed request, never fewer than three next hops). Finally
# SIGTERM on a GR-enabled speaker must still withdraw at once (its
# NOTIFICATION ends the session: no stale routes kept).
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"

VIP=$TOPO_VIP
VIP6=$TOPO_VIP6
GR_TIME=60

fib_is() { # PREFIX COUNT: one FIB route with COUNT next hops
	[ "$(fib_route_count r "$1")" = 1 ] && [ "$(fib_nexthop_count r "$1")" = "$2" ]
}

fib6_paths() { # next hops of the IPv6 route (global or link-local)
	nl_x r ip -6 route show exact "$VIP6/128" | grep -c 'via'
}

nl_setup
spk_check
topo_ecmp 3
for i in 1 2 3; do
	topo_manifest "$NL_DIR/n$i/manifest.yaml" gr=$GR_TIME
	spk_start "n$i" "n$i" "$NL_DIR/n$i/manifest.yaml"
done

wait_until 30 "three sessions" topo_all_up 3 && ok "three sessions Established" ||
	die "not all three sessions came up"

check "FIB: one route for $VIP with three next hops" \
	wait_until 15 "ECMP route" fib_is "$VIP/32" 3
nl_x r ip route show exact "$VIP/32" | sed 's/^/    /'
check "FIB next hops are the three nodes" \
	test "$(fib_nexthops r "$VIP/32" | tr '\n' ' ')" = "192.0.2.11 192.0.2.12 192.0.2.13 "
check "FIB: one route for $VIP6 with three next hops" \
	wait_until 10 "ECMP route v6" eval '[ "$(fib6_paths)" = 3 ]'

spread=$(topo_spread 60)
echo "$spread" | sed 's/^/    /'
check "60 IPv4 flows reach all three nodes" test "$(echo "$spread" | grep -c ' n[123]$')" = 3
spread=$(topo_spread 60 6)
echo "$spread" | sed 's/^/    /'
check "60 IPv6 flows reach all three nodes" test "$(echo "$spread" | grep -c ' n[123]$')" = 3

# ---- graceful restart ----
load=$NL_DIR/c/load.log
nl_bg c "$load" bash -c "while :; do curl -s --http1.0 -m 1 http://$VIP/ || echo FAIL; sleep 0.05; done"
loadpid=$NL_BG_PID
fiblog=$NL_DIR/r/fib.log
nl_bg r "$fiblog" bash -c "while :; do ip route show exact $VIP/32 | grep -c via; sleep 0.1; done"
fibpid=$NL_BG_PID
sleep 1

spk_kill9 n1
check "n1 session down at the router after SIGKILL" \
	wait_until 10 "n1 down" eval '! peer_established r 192.0.2.11'
gr_active() { bird_cli r show protocols all n_192_0_2_11 | grep -q 'Neighbor graceful restart active'; }
check "BIRD runs graceful restart for n1 (it offered the capability)" wait_until 5 "GR active" gr_active
# Well past what a hold timer (3 s) would allow without graceful restart.
check "router keeps n1's route in the FIB while n1 restarts (8 s)" \
	holds_for 8 "three next hops" fib_is "$VIP/32" 3
spk_restart n1
check "restarted n1 Established again" wait_until 30 "n1 back" peer_established r 192.0.2.11
# After End-of-RIB BIRD drops whatever stayed stale: three next hops must
# remain, now fresh.
check "three next hops after the restart and End-of-RIB" holds_for 5 "three next hops" fib_is "$VIP/32" 3
check "graceful restart completed (End-of-RIB received)" wait_until 10 "GR done" eval '! gr_active'
kill "$loadpid" "$fibpid" 2>/dev/null
wait "$loadpid" "$fibpid" 2>/dev/null

total=$(grep -c . "$load")
fails=$(grep -c FAIL "$load")
check "no failed request during the restart ($fails of $total failed)" test "$fails" -eq 0 -a "$total" -gt 50
check "client reached n1 again after its restart" grep -q '^n1$' <(tail -n 40 "$load")
under=$(grep -vc '^3$' "$fiblog")
check "FIB never had fewer than three next hops ($under of $(grep -c . "$fiblog") samples)" test "$under" -eq 0

# ---- SIGTERM with graceful restart on: withdraw at once ----
spk_stop n3
rc=$?
check "SIGTERM: n3 exits 0 (got $rc)" test "$rc" -eq 0
check "SIGTERM: n3's next hop leaves the FIB within 5 s (restart time is ${GR_TIME}s)" \
	wait_until 5 "two next hops" fib_is "$VIP/32" 2
spread=$(topo_spread 30)
check "flows now reach only n1 and n2" test "$(echo "$spread" | awk '{print $2}' | tr '\n' ' ')" = "n1 n2 "
nl_finish
