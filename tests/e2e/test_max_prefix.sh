#!/usr/bin/env bash
# Prefix limits and the idle hold after them (RFC 4486 section 4, RFC 4271
# 8.1.1): BIRD floods the speaker past its limit; the speaker must send
# Cease/1 naming the family that overflowed and the limit, then stay down
# (no connect, the peer's connections refused) for the BgpPeer's
# idleHoldTimeAfterReset, twice as long after a repeat; a change of that
# field ends a hold at once and starts the doubling over.
#
#   tor: BIRD 192.0.2.1 (AS 65000, passive) --- 192.0.2.11 n1 (speaker, AS 65001)
#
# Limits: IPv6 5 (afiSafis[].prefixLimits.maxPrefixes), IPv4 20
# (--max-received). BIRD sends 9 IPv6 routes (fewer than 20: only the
# BgpPeer's own limit can trip), later 25 IPv4 routes.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"

nl_setup
spk_check
nl_host n1 tor
nl_link n1 tor
nl_addr n1 to-tor 192.0.2.11/24 2001:db8::11/64
nl_addr tor to-n1 192.0.2.1/24 2001:db8::1/64

# flood FAMILY N: BIRD's extra static routes, N host routes of FAMILY.
flood() {
	local i
	{
		echo "protocol static flood$1 {"
		echo "  ipv$1;"
		for i in $(seq 1 "$2"); do
			if [ "$1" = 4 ]; then echo "  route 198.51.100.$i/32 blackhole;"; else echo "  route 2001:db8:f00::$i/128 blackhole;"; fi
		done
		echo "}"
	} >"$NL_DIR/tor/bird.extra.conf"
}

flood 6 8 # and BIRD's own 2001:db8:ffff::/48: 9
peer_neighbor tor 192.0.2.11 65001
peer_start bird tor 65000 192.0.2.1

m=$NL_DIR/n1/manifest.yaml
mf_bgpconf "$m" 65001 17900 routerId=192.0.2.11
mf_peer "$m" tor 192.0.2.1 65000 idlehold=3 maxpfx6=5
mf_service "$m" web 203.0.113.10
spk_start n1 n1 "$m" -- --max-received 20

log=$(spk_log n1)
# Millisecond timestamps of the speaker's log lines matching REGEX.
stamps() {
	grep -E "$1" "$log" | while read -r ts _; do date -d "$ts" +%s%3N; done
}
count() { grep -cE "$1" "$log"; }
seen() { [ "$(count "$1")" -ge "$2" ]; } # seen REGEX N: at least N lines
# The session-down line, not the NOTIFICATION's: repeats of that one are
# rate-limited (core/loglimit.h), state changes are not.
CEASE='session down: maximum number of prefixes reached'
UP='session established'
nth() { stamps "$1" | sed -n "$2p"; }

# gap_ok DESC FROM TO MIN_MS MAX_MS. The log's clock and the loop's timer
# clock differ by a few ms either way: MIN_MS allows 50 ms less.
gap_ok() {
	local d=$(($3 - $2))
	if ((d >= $4 - 50 && d < $5)); then ok "$1: ${d} ms"; else not_ok "$1: ${d} ms, want $4..$5"; fi
}

wait_until 40 "two overflows and a third session" seen "$UP" 3 ||
	die "the speaker did not come back after two overflows ($(count "$CEASE") Cease/1 sent)"
check "first Cease/1 named IPv6 and the limit 5 (BIRD: 00 02 01 00000005)" \
	grep -qE 'Received: Maximum number of prefixes reached: 00020100000005$' "$NL_DIR/tor/bird.log"
check "the speaker logged the family" grep -q 'peer sent more than 5 IPv6 prefixes' "$log"
check "idle hold logged as 3 s" grep -q 'staying idle for 3.000 s' "$log"
check "then as 6 s" grep -q 'staying idle for 6.000 s' "$log"
gap_ok "first overflow: down for the idle hold (3 s)" "$(nth "$CEASE" 1)" "$(nth "$UP" 2)" 3000 4500
gap_ok "second overflow: down twice as long (6 s)" "$(nth "$CEASE" 2)" "$(nth "$UP" 3)" 6000 7500

# Third overflow: 12 s. The peer's own connection is refused meanwhile.
wait_until 10 "third Cease/1" seen "$CEASE" 3 || die "no third overflow"
check "idle hold doubled again (12 s)" grep -q 'staying idle for 12.000 s' "$log"
probe='import socket, sys
s = socket.create_connection(("192.0.2.11", 17900), timeout=3)
s.settimeout(3)
sys.exit(0 if s.recv(100) == b"" else 1)'
check "during the hold the peer's connection is closed without an OPEN" nl_x tor python3 -c "$probe"
check "and the speaker says why" grep -q 'refused a connection: idle hold after the prefix limit' "$log"

# The operator acts: BIRD now floods IPv4, the idle hold becomes 4 s. The
# hold in progress ends now and the doubling starts over.
flood 4 24
peer_reload tor
sed -i 's/idleHoldTimeAfterReset: "3"/idleHoldTimeAfterReset: "4"/' "$m"
spk_hup n1
wait_until 10 "a fourth session soon after the change" seen "$UP" 4 ||
	not_ok "the hold did not end on the change of idleHoldTimeAfterReset"
check "change logged" grep -q 'prefix limit or idle hold changed' "$log"
gap_ok "hold ended early by the change (12 s hold)" "$(nth "$CEASE" 3)" "$(nth "$UP" 4)" 0 11000
wait_until 10 "fourth Cease/1" seen "$CEASE" 4 || die "no IPv4 overflow"
# BIRD logs the NOTIFICATION a moment after the speaker logged sending it.
if wait_until 5 "BIRD logs the IPv4 Cease/1" grep -qE \
	'Received: Maximum number of prefixes reached: 00010100000014$' "$NL_DIR/tor/bird.log"; then
	ok "IPv4 overflow: Cease/1 named IPv4 and the limit 20 (00 01 01 00000014)"
else
	not_ok "IPv4 overflow: Cease/1 named IPv4 and the limit 20 (00 01 01 00000014)"
fi
wait_until 10 "fifth session" seen "$UP" 5 || die "no fifth session"
gap_ok "count started over: the new hold (4 s), not 24 s" "$(nth "$CEASE" 4)" "$(nth "$UP" 5)" 4000 5500
check "speaker still running" spk_alive n1
check "SIGTERM: exit 0" spk_stop n1
nl_finish
