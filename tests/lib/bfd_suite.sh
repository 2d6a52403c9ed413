# shellcheck shell=bash
# BFD interop (issue 13) against one router implementation (bird or frr):
#
#   node n1 (speaker, AS 65001)   to-tor 192.0.2.11/24 192.0.2.12/24
#        |                               2001:db8::11/64, lo 198.51.100.11
#   tor      (router, AS 65000)   to-n1  192.0.2.1/24 192.0.2.2/24
#                                        2001:db8::1/64,  lo 198.51.100.1
#
# Four BGP sessions (hold time 30 s, so that only BFD can take them down
# within seconds), each a BgpPeer of the speaker's manifest:
#   tor-v4  192.0.2.1      BFD single hop over IPv4 (RFC 5881), our
#                          timers 300/400 ms x 4, the router's 200/100 x 3
#   tor-v6  2001:db8::1    BFD single hop over IPv6, strict: the router
#                          has no BFD for it at first
#   tor-mh  198.51.100.1   eBGP multihop, BFD multihop (RFC 5883, 4784),
#                          sources 198.51.100.11 / 198.51.100.1
#   tor-nb  192.0.2.2      BFD enabled on our side only, not strict:
#                          from 192.0.2.12
# Checks, in order: sessions and BFD Up (the router's view and the
# speaker's /metrics); the intervals each side negotiated (RFC 5880
# 6.8.2, 6.8.4); bad input from the router's address (garbage, oversized,
# TTL 64, unknown discriminator): dropped and counted by reason, nothing
# changes; strict: tor-v6's BGP stays down while the router runs no
# BFD for it and comes up once it does, tor-nb's BGP comes up without BFD;
# new intervals in the manifest (SIGHUP) renegotiated by a Poll Sequence
# without a BGP reset; the node's egress dropped: the router's BFD takes
# its BGP sessions down in about its detection time, tor-nb stays up, all
# come back when the egress does; the router's egress dropped: the
# speaker's BFD detects it and ends the sessions with NOTIFICATION
# Cease/10 (RFC 9384), which the router reports, and all come back;
# SIGTERM exits 0.

# The router's timers (peers.sh) for its BFD sessions.
BFD_SUITE_R="bfdrx=200 bfdtx=100 bfdmult=3"
# tor-mh's ebgpMultihop.multihopTtl: berth accepts multihop BFD packets
# with a TTL of at least 256 - this (README, "BFD"). FRR's bfdd sends them
# with TTL 255; BIRD 2 with the system's default (64): for BIRD, 255.
BFD_SUITE_MH_TTL=${BFD_SUITE_MH_TTL:-2}

bfd_suite_manifest() { # FILE V4_TIMERS...: tor-v4's bfd options, then the rest
	local f=$1
	shift
	: >"$f.new"
	mf_bgpconf "$f.new" 65001 17900 routerId=192.0.2.11
	mf_peer "$f.new" tor-v4 192.0.2.1 65000 hold=30 bfd=1 "$@"
	mf_peer "$f.new" tor-v6 2001:db8::1 65000 hold=30 bfd=1 bfdstrict=true
	mf_peer "$f.new" tor-mh 198.51.100.1 65000 hold=30 multihop="$BFD_SUITE_MH_TTL" \
		local=198.51.100.11 bfd=1
	mf_peer "$f.new" tor-nb 192.0.2.2 65000 hold=30 local=192.0.2.12 bfd=1
	mf_service "$f.new" web 203.0.113.10 2001:db8:100::10
	cat "$f.new" >"$f"
	rm -f "$f.new"
}

# The router's sessions, by the speaker's address.
BFD_SUITE_BFD=(192.0.2.11 2001:db8::11 198.51.100.11)
bfd_suite_all_up() { # ADDR...: BGP Established at the router
	local a
	for a in "$@"; do peer_established tor "$a" || return 1; done
}
bfd_suite_all_down() {
	local a
	for a in "$@"; do peer_established tor "$a" && return 1; done
	return 0
}
bfd_suite_bfd_up() {
	local a
	for a in "$@"; do peer_bfd_up tor "$a" || return 1; done
}

# bfd_suite_down_ms T0_NS ADDR...: polls (10 ms) until no session of ADDR
# is Established at the router; prints the ms since T0_NS.
bfd_suite_down_ms() {
	local t0=$1 end
	shift
	end=$((t0 + 10000000000))
	while (($(date +%s%N) < end)); do
		bfd_suite_all_down "$@" && {
			echo $((($(date +%s%N) - t0) / 1000000))
			return 0
		}
		sleep 0.01
	done
	return 1
}

bfd_suite_ups() { # the router's session counts, one word per session
	local a out=""
	for a in "${BFD_SUITE_BFD[@]}" 192.0.2.12; do out+="$(peer_ups tor "$a") "; done
	echo "$out"
}

run_bfd_suite() {
	local type=$1 m ups t0 ms err rc
	nl_setup
	spk_check
	nl_host n1 tor
	nl_link n1 tor
	nl_addr n1 to-tor 192.0.2.11/24 192.0.2.12/24 2001:db8::11/64
	nl_addr tor to-n1 192.0.2.1/24 192.0.2.2/24 2001:db8::1/64
	nl_addr n1 lo 198.51.100.11/32
	nl_addr tor lo 198.51.100.1/32
	nl_route n1 198.51.100.1/32 via 192.0.2.1 src 198.51.100.11
	nl_route tor 198.51.100.11/32 via 192.0.2.11 src 198.51.100.1

	# shellcheck disable=SC2086
	{
		peer_neighbor tor 192.0.2.11 65001 hold=30 local=192.0.2.1 bfd=1 $BFD_SUITE_R
		peer_neighbor tor 2001:db8::11 65001 hold=30
		peer_neighbor tor 198.51.100.11 65001 hold=30 multihop=2 local=198.51.100.1 bfd=1 $BFD_SUITE_R
		peer_neighbor tor 192.0.2.12 65001 hold=30 local=192.0.2.2
	}
	peer_start "$type" tor 65000 192.0.2.1

	m=$NL_DIR/n1/manifest.yaml
	bfd_suite_manifest "$m" bfdrx=300 bfdtx=400 bfdmult=4
	spk_start n1 n1 "$m" -- --metrics-address "127.0.0.1:$SPK_METRICS_PORT"

	# ---- up, both ways ----
	wait_until 30 "tor-v4, tor-mh, tor-nb Established" bfd_suite_all_up 192.0.2.11 198.51.100.11 192.0.2.12 &&
		ok "$type: BGP Established over IPv4, multihop and to 192.0.2.2" ||
		die "$type: sessions did not come up"
	check "$type: the router's BFD sessions Up: single hop IPv4, multihop" \
		wait_until 10 "router BFD Up" bfd_suite_bfd_up 192.0.2.11 198.51.100.11
	check "$type: the speaker's BFD sessions Up: tor-v4, tor-mh" \
		wait_until 5 "speaker BFD Up" spk_bfd_up n1 tor-v4 tor-mh
	check "$type: tor-nb's BGP came up though the router runs no BFD for it (not strict)" \
		peer_established tor 192.0.2.12
	check "$type: ... and the speaker's BFD for it is not Up" eval '! spk_bfd_up n1 tor-nb'

	# ---- intervals (ms, "TX DETECT") ----
	# IPv4: the router sends at max(its 100, our receive 300) and
	# declares us down after our 4 x max(its receive 200, our 400).
	check "$type: router's IPv4 timers: transmit 300 ms, detect 1600 ms ($(peer_bfd_timers tor 192.0.2.11))" \
		test "$(peer_bfd_timers tor 192.0.2.11)" = "300 1600"
	check "$type: router's multihop timers: transmit 300 ms, detect 900 ms ($(peer_bfd_timers tor 198.51.100.11))" \
		test "$(peer_bfd_timers tor 198.51.100.11)" = "300 900"
	# Ours: max(our 400, its receive 200); its 3 x max(our 300, its 100).
	check "$type: speaker's IPv4 timers: transmit 400 ms, detect 900 ms ($(spk_bfd_up_tx_ms n1 tor-v4) $(spk_bfd_detect_ms n1 tor-v4))" \
		test "$(spk_bfd_up_tx_ms n1 tor-v4) $(spk_bfd_detect_ms n1 tor-v4)" = "400 900"

	# ---- bad input (tests/lib/bfd_junk.py): dropped, counted, no change ----
	local r before=() after=() reasons=(short version length mult ttl no_session) flaps ups
	# shellcheck disable=SC2034 # read in an eval
	flaps=$(spk_bfd_flaps n1 tor-v4)
	ups=$(bfd_suite_ups)
	for r in "${reasons[@]}"; do before+=("$(spk_bfd_dropped n1 "$r")"); done
	nl_log "sent from the router to 192.0.2.11:3784: $(nl_x tor python3 "$E2E_LIB_DIR/bfd_junk.py" 192.0.2.1 192.0.2.11 5)"
	sleep 0.5
	for r in "${reasons[@]}"; do after+=("$(spk_bfd_dropped n1 "$r")"); done
	# 5 of each; "oversized" (2,000 bytes) counts as length.
	local want=(5 5 10 5 5 5) i bad=""
	for i in "${!reasons[@]}"; do
		((${after[i]:-0} - ${before[i]:-0} >= want[i])) || bad+=" ${reasons[i]}: ${before[i]:-?} -> ${after[i]:-?}"
	done
	check "$type: bad input: garbage, oversized, wrong-TTL and wrong-discriminator packets counted by reason${bad:+ (short of it:$bad)}" \
		test -z "$bad"
	check "$type: ... and nothing changed: BFD Up, no flap, no BGP reset" eval \
		'spk_bfd_up n1 tor-v4 && [ "$(spk_bfd_flaps n1 tor-v4)" = "$flaps" ] && [ "$(bfd_suite_ups)" = "$ups" ]'

	# ---- strict ----
	check "$type: strict: tor-v6's BGP stays down while the router has no BFD for it (5 s)" \
		never_for 5 "tor-v6 up without BFD" peer_established tor 2001:db8::11
	check "$type: strict: the router has no BFD session for 2001:db8::11 meanwhile" \
		test -z "$(peer_bfd_state tor 2001:db8::11)"
	peer_unneighbor tor 2001:db8::11
	# shellcheck disable=SC2086
	peer_neighbor tor 2001:db8::11 65001 hold=30 bfd=1 $BFD_SUITE_R
	peer_reload tor
	check "$type: strict: the router's BFD for it comes Up (IPv6 single hop)" \
		wait_until 15 "v6 BFD Up" peer_bfd_up tor 2001:db8::11
	check "$type: strict: then tor-v6's BGP comes up" \
		wait_until 20 "v6 BGP up" peer_established tor 2001:db8::11
	check "$type: router's IPv6 timers: transmit 300 ms, detect 900 ms ($(peer_bfd_timers tor 2001:db8::11))" \
		test "$(peer_bfd_timers tor 2001:db8::11)" = "300 900"

	# ---- renegotiation ----
	ups=$(bfd_suite_ups)
	bfd_suite_manifest "$m" bfdrx=150 bfdtx=250 bfdmult=5
	spk_hup n1
	# max(100, 150); 5 x max(200, 250).
	check "$type: new intervals renegotiated: router transmits at 150 ms, detects in 1250 ms" \
		wait_until 10 "renegotiated" eval '[ "$(peer_bfd_timers tor 192.0.2.11)" = "150 1250" ]'
	nl_log "router's IPv4 timers now: $(peer_bfd_timers tor 192.0.2.11)"
	# Its 3 x max(our 150, its 100).
	check "$type: speaker's IPv4 detection time renegotiated: 450 ms" \
		wait_until 5 "speaker timers" eval '[ "$(spk_bfd_detect_ms n1 tor-v4)" = 450 ]'
	check "$type: ... BFD still Up everywhere, no flap" eval \
		'bfd_suite_bfd_up "${BFD_SUITE_BFD[@]}" && [ "$(spk_bfd_flaps n1 tor-v4)" = 0 ]' 
	check "$type: ... and still, without any BGP reset, 3 s later" \
		holds_for 3 "BFD Up and no BGP reset" eval \
		'bfd_suite_bfd_up "${BFD_SUITE_BFD[@]}" && [ "$(bfd_suite_ups)" = "$ups" ]'
	nl_log "BGP ups before/after: $ups/ $(bfd_suite_ups)"

	# ---- the node goes silent: the router's BFD notices ----
	t0=$(date +%s%N)
	nl_blackhole n1 to-tor
	ms=$(bfd_suite_down_ms "$t0" "${BFD_SUITE_BFD[@]}")
	check "$type: node silent: the router's BGP sessions with BFD down in ${ms:-?} ms (detect 1250/900 ms; hold 30 s)" \
		eval '[ -n "$ms" ] && ((ms < 3000))'
	err=$(peer_last_error tor 192.0.2.11)
	check "$type: ... the router says BFD ($err)" grep -q BFD <<<"$err"
	check "$type: ... tor-nb (no BFD at the router) still Established" peer_established tor 192.0.2.12
	check "$type: ... the speaker's BFD went down too (the router's Down packets)" \
		wait_until 5 "speaker BFD down" eval '! spk_bfd_up n1 tor-v4'
	t0=$(date +%s%N)
	nl_unblackhole n1 to-tor
	check "$type: node back: BFD Up again" wait_until 15 "BFD back" bfd_suite_bfd_up "${BFD_SUITE_BFD[@]}"
	check "$type: node back: BGP sessions back" \
		wait_until 30 "BGP back" bfd_suite_all_up "${BFD_SUITE_BFD[@]}" 192.0.2.12
	nl_log "back after $((($(date +%s%N) - t0) / 1000000)) ms"

	# ---- the router goes silent: the speaker's BFD notices ----
	ups=$(peer_ups tor 192.0.2.12)
	t0=$(date +%s%N)
	nl_blackhole tor to-n1
	ms=$(bfd_suite_down_ms "$t0" "${BFD_SUITE_BFD[@]}")
	# Ours: 3 x max(150, 100) for IPv4, 3 x max(300, 100) for the others.
	check "$type: router silent: the speaker ended the BGP sessions with BFD in ${ms:-?} ms (detect 450/900 ms)" \
		eval '[ -n "$ms" ] && ((ms < 3000))'
	err=$(peer_last_error tor 192.0.2.11)
	check "$type: ... the router was told: Cease/10 BFD Down or its BFD's Down ($err)" \
		grep -Eiq "bfd|6\.10" <<<"$err"
	check "$type: ... the speaker's BFD says Control Detection Time Expired ($(spk_bfd_down_diag n1 tor-v4))" \
		test "$(spk_bfd_down_diag n1 tor-v4)" = "Control Detection Time Expired"
	nl_unblackhole tor to-n1
	check "$type: router back: BFD Up again" wait_until 15 "BFD back" bfd_suite_bfd_up "${BFD_SUITE_BFD[@]}"
	check "$type: router back: BGP sessions back" \
		wait_until 30 "BGP back" bfd_suite_all_up "${BFD_SUITE_BFD[@]}" 192.0.2.12
	check "$type: tor-nb (no BFD) was never reset ($ups -> $(peer_ups tor 192.0.2.12))" \
		test "$(peer_ups tor 192.0.2.12)" = "$ups"

	spk_stop n1
	rc=$?
	check "$type: SIGTERM: speaker exits 0 (got $rc)" test "$rc" -eq 0
	check "$type: no sanitizer report in the speaker's log" \
		eval '! grep -Eq "ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:" "$(spk_log n1)"'
	nl_finish
}
