#!/usr/bin/env bash
# TCP-MD5 (RFC 2385) keys follow the configuration, on the speaker's
# listening socket and on its outgoing connections:
#
#   n1 (speaker, AS 65001)  192.0.2.11  2001:db8::11
#    |
#   tor (BIRD,   AS 65000)  192.0.2.1   2001:db8::1
#
# IPv4: BIRD connects to the speaker's listener (speaker passiveMode, port
# 17900). IPv6: the speaker connects to BIRD (BIRD passive). Password A on
# both sides; the speaker's manifest changes to B (file edit, no signal):
# both sessions are reset and BIRD, still on A, gets no session: its SYNs
# are dropped by the speaker's kernel (TcpExtTCPMD5Failure in n1), and the
# speaker's SYNs with B by BIRD's (TCPMD5Failure in tor). BIRD on B: both
# up. The speaker's password removed (SIGHUP): BIRD, still signing with B,
# gets no session: the listener holds no key for it any more, so the
# kernel drops its signed SYNs (TCPMD5Unexpected in n1), and BIRD's drops
# the speaker's unsigned ones (TCPMD5NotFound in tor). BIRD without
# password: both up.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"

# manifest PASSWORD: the speaker's manifest, rewritten in place.
manifest() {
	local f=$NL_DIR/n1/manifest.yaml
	: >"$f.new"
	mf_bgpconf "$f.new" 65001 17900 routerId=192.0.2.11
	mf_peer "$f.new" tor-v4 192.0.2.1 65000 password="$1" passive=1
	mf_peer "$f.new" tor-v6 2001:db8::1 65000 password="$1"
	mf_service "$f.new" web 203.0.113.10 2001:db8:100::10
	cat "$f.new" >"$f"
	rm -f "$f.new"
}

# router PASSWORD: BIRD's two neighbors with that password ("" for none).
router() {
	local pw=()
	[ -n "$1" ] && pw=(password="$1")
	: >"$NL_DIR/tor/neighbors"
	peer_neighbor tor 192.0.2.11 65001 passive=0 port=17900 "${pw[@]}"
	peer_neighbor tor 2001:db8::11 65001 "${pw[@]}"
}

# counter HOST NAME: a TcpExt counter of HOST's network namespace.
counter() {
	nl_x "$1" awk -v n="$2" '$1 == "TcpExt:" {
		if (!names) { for (i = 2; i <= NF; i++) col[$i] = i; names = 1 }
		else print $col[n] + 0 }' /proc/net/netstat
}

both_up() { peer_established tor 192.0.2.11 && peer_established tor 2001:db8::11; }
either_up() { peer_established tor 192.0.2.11 || peer_established tor 2001:db8::11; }
both_down() { ! either_up; }

# grew HOST NAME BEFORE: the counter is above BEFORE.
grew() { (($(counter "$1" "$2") > $3)); }

nl_setup
spk_check
nl_host n1 tor
nl_link n1 tor
nl_addr n1 to-tor 192.0.2.11/24 2001:db8::11/64
nl_addr tor to-n1 192.0.2.1/24 2001:db8::1/64

router key-A
peer_start bird tor 65000 192.0.2.1
manifest key-A
spk_start n1 n1 "$NL_DIR/n1/manifest.yaml"

wait_until 30 "sessions with password A" both_up &&
	ok "password A: BIRD's session to the listener and the speaker's to BIRD Established" ||
	die "sessions did not come up with password A"
check "password A: routes announced" \
	wait_until 10 "routes" peer_has_route tor 192.0.2.11 203.0.113.10/32 192.0.2.11

# The speaker to B, by a file edit (no signal); BIRD stays on A.
fail1=$(counter n1 TCPMD5Failure)
fail2=$(counter tor TCPMD5Failure)
manifest key-B
check "speaker to B: both sessions reset" wait_until 10 "sessions down" both_down
check "speaker to B: BIRD was told Cease / configuration change" \
	grep -qE 'n_192_0_2_11: Received: .*[Cc]onfiguration change' "$NL_DIR/tor/bird.log"
check "speaker to B: the old password A opens no session (6 s)" \
	never_for 6 "a session with A" either_up
check "speaker to B: the speaker's kernel dropped BIRD's SYNs signed with A (TCPMD5Failure $fail1 -> $(counter n1 TCPMD5Failure))" \
	grew n1 TCPMD5Failure "$fail1"
check "speaker to B: BIRD's kernel dropped the speaker's SYNs signed with B (TCPMD5Failure $fail2 -> $(counter tor TCPMD5Failure))" \
	grew tor TCPMD5Failure "$fail2"

router key-B
peer_reload tor
check "BIRD to B: both sessions Established with the new password" \
	wait_until 20 "sessions with B" both_up
check "BIRD to B: routes announced" \
	wait_until 10 "routes" peer_has_route tor 192.0.2.11 203.0.113.10/32 192.0.2.11

# The speaker's password removed, by SIGHUP; BIRD stays on B.
unexp=$(counter n1 TCPMD5Unexpected)
notfound=$(counter tor TCPMD5NotFound)
manifest ""
spk_hup n1
check "no password on the speaker: both sessions reset" wait_until 10 "sessions down" both_down
check "no password on the speaker: BIRD with B opens no session (6 s)" \
	never_for 6 "a session with B" either_up
check "no password on the speaker: its kernel dropped BIRD's signed SYNs, the listener has no key for it (TCPMD5Unexpected $unexp -> $(counter n1 TCPMD5Unexpected))" \
	grew n1 TCPMD5Unexpected "$unexp"
check "no password on the speaker: BIRD's kernel dropped its unsigned SYNs (TCPMD5NotFound $notfound -> $(counter tor TCPMD5NotFound))" \
	grew tor TCPMD5NotFound "$notfound"

router ""
peer_reload tor
check "BIRD without password: both sessions Established" \
	wait_until 20 "sessions without password" both_up
check "speaker logged the listener's key changes" \
	spk_log_has n1 'TCP-MD5 key for 192\.0\.2\.1 removed on the listening socket'
check "speaker still running" spk_alive n1
spk_stop n1
rc=$?
check "SIGTERM: speaker exits 0 (got $rc)" test "$rc" -eq 0
nl_finish
