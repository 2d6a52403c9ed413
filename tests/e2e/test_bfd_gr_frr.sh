#!/usr/bin/env bash
# Graceful restart (RFC 4724) and BFD together (issue 13), with FRR 8.4
# (zebra, bfdd, bgpd; routes into the kernel) as the router:
#
#   node n1 (speaker, AS 65001, GR restart time 60 s)  192.0.2.11, .12
#        |
#   tor      (FRR, AS 65000, bgp graceful-restart)     192.0.2.1, .2
#
# Two BGP sessions from the one speaker, both announcing 203.0.113.10/32
# (one ECMP route at the router, a next hop per session), hold time 30 s,
# BFD 100 ms x 3 both ways:
#   tor-cp  192.0.2.11 - 192.0.2.1  FRR: neighbor X bfd
#                                   check-control-plane-failure
#   tor-x   192.0.2.12 - 192.0.2.2  FRR: plain `neighbor X bfd`
# berth's BFD lives in the speaker process, so it sends C (Control Plane
# Independent) = 0. FRR's bgpd ignores a BFD Down from a neighbor in
# graceful restart (NSF) mode whose C bit is clear when
# check-control-plane-failure is set (RFC 5882 section 4.3.1); otherwise
# BFD Down resets the session, without graceful restart.
# Checks, in order: berth's BFD packets carry C = 0 on the wire (tcpdump)
# and bgpd says so; a hung speaker (SIGSTOP: BFD fails first, TCP stays
# open): tor-x's next hop leaves the kernel route within about the
# detection time, tor-cp's session stays Established and its next hop
# stays; then the hung speaker dies (SIGKILL): tor-cp enters graceful
# restart, its next hop stays, stale; restarted: both sessions, BFD and
# next hops back, nothing stale. A plain crash (SIGKILL): the kernel's FIN
# reaches bgpd before BFD's detection time, so FRR enters graceful restart
# on BOTH sessions and keeps both next hops; the later BFD Down is ignored
# on tor-cp and only relabels tor-x's reset ("BFD down received"). SIGTERM:
# both next hops leave at once (berth withdraws and sends Cease), no
# graceful restart, and FRR's bfdd hears AdminDown, not a failure.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"

PFX=203.0.113.10/32
BFD="bfd=1 bfdrx=100 bfdtx=100 bfdmult=3"

fib_is() { # NEXTHOPS (sorted, space-separated; "" for no route)
	[ "$(fib_nexthops tor "$PFX" | tr '\n' ' ')" = "${1:+$1 }" ]
}

# FRR: bgpd's restart timer for ADDR runs (graceful restart in progress:
# stale routes kept until End-of-RIB or the restart time).
gr_running() {
	_frr_json tor "$1" | python3 -c 'import json,sys
g=json.load(sys.stdin).get(sys.argv[1],{}).get("gracefulRestartInfo",{})
sys.exit(0 if "gracefulRestartTimerMsecs" in g else 1)' "$1"
}

# FRR: the path to $PFX learned from ADDR: "fresh", "stale" or empty.
path_state() {
	vty tor "show bgp ipv4 unicast $PFX json" 2>/dev/null | python3 -c 'import json,sys
for p in json.load(sys.stdin).get("paths",[]):
    if p.get("peer",{}).get("peerId") == sys.argv[1]:
        print("stale" if p.get("stale") else "fresh")' "$1" 2>/dev/null
}

# FRR's bfdd: "local diagnostic; remote diagnostic" of its session to ADDR.
bfd_diags() {
	_frr_bfd_json tor "$1" | python3 -c 'import json,sys
p=json.load(sys.stdin); print(p.get("diagnostic",""), "; ", p.get("remote-diagnostic",""), sep="")' 2>/dev/null
}

# How often bgpd ("debug bgp bfd") ignored a BFD Down from ADDR: C bit
# clear, graceful restart negotiated, check-control-plane-failure set.
ignored() { grep -c "$1 BFD DOWN message ignored" "$NL_DIR/tor/bgpd.log"; }

both_back() {
	peer_established tor 192.0.2.11 && peer_established tor 192.0.2.12 &&
		peer_bfd_up tor 192.0.2.11 && peer_bfd_up tor 192.0.2.12 &&
		fib_is "192.0.2.11 192.0.2.12" &&
		[ "$(path_state 192.0.2.11) $(path_state 192.0.2.12)" = "fresh fresh" ] &&
		! gr_running 192.0.2.11 && ! gr_running 192.0.2.12
}

nl_setup
spk_check
nl_host n1 tor
nl_link n1 tor
nl_addr n1 to-tor 192.0.2.11/24 192.0.2.12/24
nl_addr tor to-n1 192.0.2.1/24 192.0.2.2/24

# shellcheck disable=SC2086
{
	peer_neighbor tor 192.0.2.11 65001 hold=30 local=192.0.2.1 $BFD bfdcpf=1
	peer_neighbor tor 192.0.2.12 65001 hold=30 local=192.0.2.2 $BFD
}
peer_start frr tor 65000 192.0.2.1 fib=1

m=$NL_DIR/n1/manifest.yaml
mf_bgpconf "$m" 65001 17900 routerId=192.0.2.11 gr=60
# shellcheck disable=SC2086
{
	mf_peer "$m" tor-cp 192.0.2.1 65000 hold=30 $BFD
	mf_peer "$m" tor-x 192.0.2.2 65000 hold=30 local=192.0.2.12 $BFD
}
mf_service "$m" web 203.0.113.10
spk_start n1 n1 "$m"

wait_until 30 "both sessions, BFD and next hops" both_back &&
	ok "both sessions Established, BFD Up, $PFX via 192.0.2.11 and 192.0.2.12 in the router's FIB" ||
	die "sessions, BFD or the ECMP route did not come up"
check "the router detects a silent speaker after 300 ms (100 ms x 3): $(peer_bfd_timers tor 192.0.2.11)" \
	test "$(peer_bfd_timers tor 192.0.2.11)" = "100 300"

# ---- C = 0 on the wire, and as bgpd sees it ----
nl_x tor timeout 3 tcpdump -i to-n1 -nn -c 10 -w "$NL_DIR/tor/bfd.pcap" \
	'udp dst port 3784 and src net 192.0.2.8/29' >/dev/null 2>&1
# pcap: 24-byte file header, then per packet a 16-byte record header and
# the Ethernet frame; BFD's byte 1 holds Sta (2 bits) and P F C A D M.
cbits=$(python3 -c 'import struct,sys
d=open(sys.argv[1],"rb").read(); o=24; out=[]
while o + 16 <= len(d):
    n=struct.unpack("<I", d[o+8:o+12])[0]; f=d[o+16:o+16+n]; o+=16+n
    ip=f[14:]; b=ip[(ip[0] & 15) * 4 + 8:]
    if len(b) >= 24 and b[0] >> 5 == 1 and b[1] >> 6 == 3:
        out.append("%d.%d.%d.%d:C=%d" % (*ip[12:16], b[1] >> 3 & 1))
print(" ".join(sorted(set(out))))' "$NL_DIR/tor/bfd.pcap" 2>&1)
check "berth's BFD packets (state Up) carry C = 0 on both sessions: $cbits" \
	test "$cbits" = "192.0.2.11:C=0 192.0.2.12:C=0"
check "... and bgpd was told \"CPI bit no\" for both" eval \
	'grep -q "192.0.2.11/32 (.*CPI bit no): Up" "$NL_DIR/tor/bgpd.log" &&
	 grep -q "192.0.2.12/32 (.*CPI bit no): Up" "$NL_DIR/tor/bgpd.log"'

# ---- a hung speaker: BFD fails first, the TCP connections stay ----
fib_watch tor fib
ign=$(ignored 192.0.2.11)
t0=$EPOCHREALTIME
spk_freeze n1
check "hung speaker (SIGSTOP): the router's BFD goes Down on both sessions" \
	wait_until 3 "BFD Down" eval '[ "$(peer_bfd_state tor 192.0.2.11) $(peer_bfd_state tor 192.0.2.12)" = "Down Down" ]'
check "... tor-x (no check-control-plane-failure): its next hop leaves the kernel route" \
	wait_until 3 "192.0.2.12 gone" fib_is 192.0.2.11
ms=$(fib_lost_ms fib "$PFX" 192.0.2.12 "$t0")
check "... in under 1 s (${ms:-never} ms; detection time 300 ms, hold time 30 s)" \
	eval '[ -n "$ms" ] && ((${ms%.*} < 1000))'
check "... bgpd reset it for BFD, no graceful restart ($(peer_last_error tor 192.0.2.12))" eval \
	'grep -q "BFD" <<<"$(peer_last_error tor 192.0.2.12)" && ! gr_running 192.0.2.12'
check "... tor-cp: bgpd ignored the BFD Down (C bit clear, graceful restart negotiated)" \
	test "$(ignored 192.0.2.11)" = $((ign + 1))
check "... tor-cp stays Established and keeps its next hop (2 s)" \
	holds_for 2 "tor-cp kept" eval 'peer_established tor 192.0.2.11 && fib_is 192.0.2.11'

# ---- ... and then dies: graceful restart ----
spk_kill9 n1
check "hung speaker killed (SIGKILL): tor-cp's session goes down" \
	wait_until 5 "tor-cp down" eval '! peer_established tor 192.0.2.11'
check "... into graceful restart ($(peer_last_error tor 192.0.2.11))" eval \
	'gr_running 192.0.2.11 && grep -q "NSF" <<<"$(peer_last_error tor 192.0.2.11)"'
check "... its route kept, stale, its next hop in the kernel route (2 s)" \
	holds_for 2 "tor-cp's stale route" eval '[ "$(path_state 192.0.2.11)" = stale ] && fib_is 192.0.2.11'
fib_watch_stop fib
spk_restart n1
check "restarted: both sessions and BFD back, both next hops, nothing stale, restart over" \
	wait_until 20 "all back" both_back
check "the router's FIB never lost tor-cp's next hop (192.0.2.11) meanwhile" \
	eval '[ -z "$(fib_lost_ms fib "$PFX" 192.0.2.11 "$t0")" ]'

# ---- a crash: the kernel closes the TCP connections at once ----
fib_watch tor fib2
ign=$(ignored 192.0.2.11)
t0=$EPOCHREALTIME
spk_kill9 n1
check "crash (SIGKILL): both sessions down, both in graceful restart" \
	wait_until 3 "both in GR" eval '! peer_established tor 192.0.2.11 && ! peer_established tor 192.0.2.12 &&
		gr_running 192.0.2.11 && gr_running 192.0.2.12'
check "... then the router's BFD goes Down on both" \
	wait_until 3 "BFD Down" eval '[ "$(peer_bfd_state tor 192.0.2.11) $(peer_bfd_state tor 192.0.2.12)" = "Down Down" ]'
check "... tor-cp: bgpd ignored the BFD Down again" \
	wait_until 2 "ignored" eval '[ "$(ignored 192.0.2.11)" = $((ign + 1)) ]'
# FRR 8.4: the FIN came first (NSF_WAIT set); the BFD Down that follows
# on tor-x only overwrites the reason and stops a session that is no
# longer Established, which leaves the restart timer and stale routes.
check "... tor-x: BFD Down came after the restart began ($(peer_last_error tor 192.0.2.12)), still in graceful restart" \
	eval 'grep -q "BFD" <<<"$(peer_last_error tor 192.0.2.12)" && gr_running 192.0.2.12'
check "... tor-cp's reason unchanged: $(peer_last_error tor 192.0.2.11)" \
	grep -q NSF <<<"$(peer_last_error tor 192.0.2.11)"
check "... both routes kept, stale, both next hops in the kernel route (2 s)" \
	holds_for 2 "both stale" eval '[ "$(path_state 192.0.2.11) $(path_state 192.0.2.12)" = "stale stale" ] &&
		fib_is "192.0.2.11 192.0.2.12"'
spk_restart n1
check "restarted: both sessions and BFD back, both next hops, nothing stale, restart over" \
	wait_until 20 "all back" both_back
fib_watch_stop fib2
check "the router's FIB never lost a next hop through the crash" eval \
	'[ -z "$(fib_lost_ms fib2 "$PFX" 192.0.2.11 "$t0")$(fib_lost_ms fib2 "$PFX" 192.0.2.12 "$t0")" ]'

# ---- SIGTERM: withdrawn at once, BFD AdminDown ----
fib_watch tor fib3
t0=$EPOCHREALTIME
spk_stop n1
rc=$?
check "SIGTERM: speaker exits 0 (got $rc)" test "$rc" -eq 0
check "... the route leaves the router's FIB" wait_until 3 "route gone" fib_is ""
fib_watch_stop fib3
ms=$(fib_lost_ms fib3 "$PFX" 192.0.2.11 "$t0")
check "... at once: ${ms:-never} ms after SIGTERM (restart time 60 s)" \
	eval '[ -n "$ms" ] && ((${ms%.*} < 1000))'
check "... no graceful restart: no stale path, no restart timer" eval \
	'[ -z "$(path_state 192.0.2.11)$(path_state 192.0.2.12)" ] && ! gr_running 192.0.2.11 && ! gr_running 192.0.2.12'
check "... bfdd heard AdminDown on both (\"$(bfd_diags 192.0.2.11)\")" wait_until 3 "AdminDown" eval \
	'[ "$(bfd_diags 192.0.2.11)" = "neighbor signaled session down; administratively down" ] &&
	 [ "$(bfd_diags 192.0.2.12)" = "neighbor signaled session down; administratively down" ]'
check "no sanitizer report in the speaker's log" \
	eval '! grep -Eq "ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:" "$(spk_log n1)"'
nl_finish
