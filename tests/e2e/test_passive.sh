#!/usr/bin/env bash
# Incoming sessions: with transport.passiveMode the speaker never connects;
# the router (BIRD, active) connects to BgpConf.spec.listenPort (17900 here,
# not 179) and the session must come up and carry the routes. A second
# router with the wrong AS (BGP OPEN error: Bad Peer AS) must be refused
# without disturbing the first. A client that is nobody's BgpPeer
# connecting thousands of times leaves the log readable: the first refusal
# at once, then one line with the count per 10 s (core/loglimit.h), and
# the session does not notice.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"

nl_setup
spk_check
nl_host n1 tor
nl_link n1 tor
nl_addr n1 to-tor 192.0.2.11/24 2001:db8::11/64
nl_addr tor to-n1 192.0.2.1/24 2001:db8::1/64

peer_neighbor tor 192.0.2.11 65001 passive=0 port=17900
peer_neighbor tor 2001:db8::11 65009 passive=0 port=17900
peer_start bird tor 65000 192.0.2.1

m=$NL_DIR/n1/manifest.yaml
mf_bgpconf "$m" 65001 17900 routerId=192.0.2.11
mf_peer "$m" tor 192.0.2.1 65000 passive=1
mf_peer "$m" tor6 2001:db8::1 65000 passive=1
mf_service "$m" web 203.0.113.10 2001:db8:100::10
spk_start n1 n1 "$m"

check "passive: BIRD's incoming session to port 17900 Established" \
	wait_until 30 "incoming session" peer_established tor 192.0.2.11
check "passive: routes announced over the incoming session" \
	wait_until 10 "routes" peer_has_route tor 192.0.2.11 203.0.113.10/32 192.0.2.11

# The flood runs beside the stability check: from 192.0.2.9, on tor.
nl_addr tor to-n1 192.0.2.9/24
mark=$(spk_log_lines n1)
flood=$NL_DIR/tor/connflood.out
nl_bg tor "$flood" python3 "$lib/connflood.py" --source 192.0.2.9 --addr 192.0.2.11 \
	--port 17900 --seconds 4 --count 2000 --parallel 128
flood_pid=$NL_BG_PID
check "passive: session stable (8 s), also under a connection flood" \
	holds_for 8 "incoming session" peer_established tor 192.0.2.11
wait "$flood_pid"
n=$(tail -n 1 "$flood")
refusals() { tail -n +"$((mark + 1))" "$(spk_log n1)" | grep 'refused .*192\.0\.2\.9/32'; }
check "flood: $n connections from 192.0.2.9, not a BgpPeer (at least 500)" \
	test "${n:-0}" -ge 500
check "flood: refusals summarised with their count when the 10 s window ends" \
	wait_until 8 "summary" eval 'refusals | grep -q "refused [0-9,]* more BGP connections"'
lines=$(refusals | wc -l)
counted=$(($(refusals | sed -nE 's/.*refused ([0-9,]+) more BGP.*/\1/p' | tr -d , | paste -sd+ -) + 1))
check "flood: $n connections, $lines log lines (at most 3)" test "$lines" -le 3
# Not exact: the flooder closes the connections still opening when it
# stops, and a full backlog may lose some the client saw complete.
check "flood: the lines count $counted refusals (between $((n / 2)) and $((n + 128)))" \
	test "$counted" -ge $((n / 2)) -a "$counted" -le $((n + 128))
check "wrong AS (65009 instead of 65000) never Established" \
	never_for 1 "wrong-AS session" peer_established tor 2001:db8::11
check "BIRD got an OPEN error for the wrong AS" \
	grep -qE 'n_2001_db8__11: (Received|Error): Bad peer AS' "$NL_DIR/tor/bird.log"
check "speaker still running" spk_alive n1
nl_finish
