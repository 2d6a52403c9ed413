#!/usr/bin/env bash
# Layer 2 mode (issue 12): three nodes and a client on one Ethernet segment
# (tests/lib/l2net.sh), `berth speaker --manifests` in each node with
# OpenELB layer2 Eips on eth0 (IPv4 and IPv6), heartbeats on the node
# addresses signed with a shared key. Who answers is asked from a
# namespace of its own (l2_macs.py, arping, ndisc6); failover is timed from
# the client (tool_l2_probe: from the event to the first answered echo
# sent after it).
#   - every address: exactly one MAC answers, in every round (v4: ARP,
#     arping; v6: NS, ndisc6); owners spread over the nodes; a dual-stack
#     Service has one owner; the owner's kube-lb0 holds the address, no
#     other node's does; /metrics and the log say who owns what;
#   - the owner's link cut: both addresses of the dual-stack Service answer
#     from another node within 1 s, announced (gratuitous ARP, unsolicited
#     NA); back on the link, one MAC per address again, no gap over 1 s;
#   - SIGKILL and restart of each speaker in turn: never two MACs answering
#     one request, one MAC per address after each;
#   - SIGTERM of an owner: another answers within 300 ms (LEAVE);
#   - externalTrafficPolicy Local: owned by the node of the ready endpoint,
#     follows it (EndpointSlice edited, SIGHUP), nobody without one;
#   - a speaker with the wrong key: counted as bad_auth by the others,
#     owns nothing, the others serve everything;
#   - a captured heartbeat sent again: refused as replayed; with a byte
#     changed: bad_auth; garbage: malformed (/metrics); nothing moves;
#   - an Eip on eth1, an interface n3 lacks: n1 and n2 serve all of it.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
root=$(cd "$lib/../.." && pwd)
: "${BERTH:=$root/build/berth}"
. "$lib/e2e.sh"
. "$lib/l2net.sh"

nl_setup
spk_check
l2_topo 3
l2_seg2 n1 n2 # n3 has no eth1

# ---- manifests ----
mf=$NL_DIR/l2.yaml
slice=$NL_DIR/slice.yaml
for k in 1 2 3; do mf_l2_node "$mf" "n$k" "192.0.2.1$k" "2001:db8::1$k"; done
mf_l2_eip "$mf" pool4 192.0.2.200-192.0.2.220 eth0
mf_l2_eip "$mf" pool6 2001:db8::200/124 eth0
mf_l2_eip "$mf" pool-eth1 198.51.100.200-198.51.100.220 eth1
V4=()
for i in 1 2 3 4 5 6; do
	mf_l2_service "$mf" "c$i" Cluster pool4 "192.0.2.20$i"
	V4+=("192.0.2.20$i")
done
mf_l2_service "$mf" v6a Cluster pool6 2001:db8::201
mf_l2_service "$mf" v6b Cluster pool6 2001:db8::202
DS4=192.0.2.210
DS6=2001:db8::20a
mf_l2_service "$mf" ds Cluster pool4 $DS4 $DS6
LOC=192.0.2.220
mf_l2_service "$mf" loc Local pool4 $LOC
mf_l2_slice "$slice" loc n2
E1=()
for i in 1 2 3 4 5 6; do
	mf_l2_service "$mf" "e$i" Cluster pool-eth1 "198.51.100.20$i"
	E1+=("198.51.100.20$i")
done
ALL=("${V4[@]}" 2001:db8::201 2001:db8::202 "$DS4" "$DS6") # Cluster, on eth0
key=$NL_DIR/member.key
key2=$NL_DIR/other.key
openssl rand -hex 32 >"$key"
openssl rand -hex 32 >"$key2"
L2_MF=("$mf" "$slice")
L2_SPK_ARGS=(--member-key-file "$key")

for k in 1 2 3; do l2_start "n$k"; done
sleep 1
# Nothing below means anything without these two: stop here.
spk_alive n1 && spk_alive n2 && spk_alive n3 || die "a speaker exited: $(tail -n 3 "$(spk_log n1)")"
ok "all three speakers run"
wait_until 20 "one MAC each" l2_one_each 0.3 "${ALL[@]}" || die "not every address answered by one MAC"
ok "every address answered by one MAC"

# ---- one owner each ----
check "one MAC per address in every round for 1 s" l2_one_each 1 "${ALL[@]}" $LOC
declare -A OWN
owners_now() {
	local a o
	OWN=()
	while read -r a o; do OWN[$a]=$o; done < <(l2_owners 0.5 "${ALL[@]}" $LOC)
}
owners_now
for a in "${ALL[@]}"; do nl_log "  $a: ${OWN[$a]}"; done
spread=$(for a in "${ALL[@]}"; do echo "${OWN[$a]}"; done | sort -u | grep -c '^n')
check "owners spread over the nodes ($spread of 3 own some)" test "$spread" -ge 2
check "dual-stack Service: one owner for $DS4 and $DS6 (${OWN[$DS4]}, ${OWN[$DS6]})" \
	test "${OWN[$DS4]}" = "${OWN[$DS6]}"

check "arping (IPv4) and ndisc6 (IPv6): one MAC per address" l2_one_by_tools "${ALL[@]}"

# lb_matches A...: the owner's kube-lb0 holds each address, no other's does.
lb_matches() {
	local a k bad=0
	for a in "$@"; do
		for k in 1 2 3; do
			if [ "n$k" = "${OWN[$a]}" ]; then
				l2_has_lb "n$k" "$a" || {
					nl_log "  $a not on owner n$k's kube-lb0"
					bad=1
				}
			elif l2_has_lb "n$k" "$a"; then
				nl_log "  $a on n$k's kube-lb0, owner ${OWN[$a]}"
				bad=1
			fi
		done
	done
	return $bad
}
check "ip addr: the owner's kube-lb0 holds each address, the others' do not" \
	wait_until 5 "kube-lb0" lb_matches "${ALL[@]}"

# /metrics: berth_l2_owned{...address...} 1 on the owner alone.
owned_metric() { l2_metrics "$1" | grep '^berth_l2_owned{' | grep -F "\"$2\"" | grep -q ' 1$'; }
metrics_match() {
	local a k bad=0
	for a in "$@"; do
		for k in 1 2 3; do
			if owned_metric "n$k" "$a"; then
				[ "n$k" = "${OWN[$a]}" ] || bad=1
			else
				[ "n$k" != "${OWN[$a]}" ] || bad=1
			fi
		done
	done
	return $bad
}
check "/metrics: berth_l2_owned is 1 on the owner alone" metrics_match "${ALL[@]}"
o=${OWN[$DS4]}
check "the owner's log says it owns $DS4" spk_log_has "$o" "$DS4.*(own|took)|(own|took).*$DS4"

# ---- the owner's link is cut ----
O=$o
l2_probe_start cut4 $DS4 --exit-on-answer --duration 6
l2_probe_start cut6 $DS6 --exit-on-answer --duration 6
l2_census_start cut 3 $DS4 $DS6
sleep 0.5
# Marked once the cut is done (`ip link set down` returned): from then on
# the old owner is silent, so any answer is the new owner's.
l2_cut "$O"
l2_mark cut4
cp "$NL_DIR/cut4.t" "$NL_DIR/cut6.t"
r4=$(l2_probe_wait cut4 6)
r6=$(l2_probe_wait cut6 6)
nl_log "  $r4"
nl_log "  $r6"
l2_census_end cut >/dev/null
below() { [ "$1" != none ] && [ -n "$1" ] && awk -v v="$1" -v hi="$2" 'BEGIN {exit !(v < hi)}'; }
check "the probe had answers before the cut" eval '(($(l2_field "$r4" replies) >= 20))'
check "cut $O: $DS4 answered again within 1 s ($(l2_field "$r4" since_ms) ms)" \
	below "$(l2_field "$r4" since_ms)" 1000
check "cut $O: $DS6 answered again within 1 s ($(l2_field "$r6" since_ms) ms)" \
	below "$(l2_field "$r6" since_ms)" 1000
N=$(l2_owner $DS4 0.5)
check "a new owner answers $DS4 ($N, was $O)" eval '[[ $N == n? && $N != "$O" ]]'
check "the new owner answers $DS6 too" test "$(l2_owner $DS6 0.5)" = "$N"
check "the new owner announced both (gratuitous ARP, unsolicited NA)" eval \
	'[ "$(grep -c "announced=.*$(l2_mac "$N")" "$NL_DIR/cut.macs")" = 2 ]'
nl_log "  $(tr '\n' ';' <"$NL_DIR/cut.macs")"
check "every address answered by one MAC while $O is away" l2_one_each 0.5 "${ALL[@]}"
check "/metrics: $N counted a failover" eval \
	'l2_metrics "$N" | grep -E "^berth_l2_failovers[a-z_]*(\{[^}]*\})? [1-9]" >/dev/null'

# ---- back on the link ----
l2_probe_start back4 $DS4 --duration 4
l2_census_start back 3.5 "${ALL[@]}"
sleep 0.3
l2_restore "$O"
l2_census_end back >/dev/null
r=$(l2_probe_stop back4)
nl_log "  $r"
simul=$(awk '{print $5}' "$NL_DIR/back.macs" | sort -u | tr '\n' ' ')
check "$O back: no two MACs ever answered one request ($simul)" \
	eval '! grep -q "max_simul=[2-9]" "$NL_DIR/back.macs"'
check "$O back: no gap over 1 s ($(l2_field "$r" max_gap_ms) ms)" below "$(l2_field "$r" max_gap_ms)" 1000
check "$O back: one MAC per address after settling" wait_until 5 "settled" l2_one_each 0.5 "${ALL[@]}"
owners_now
check "$O back: kube-lb0 of each node matches the owners" wait_until 5 "kube-lb0" lb_matches "${ALL[@]}"

# ---- SIGKILL and restart of each speaker ----
l2_census_start kill 60 "${ALL[@]}"
for k in 1 2 3; do
	l2_kill9 "n$k"
	sleep 1
	l2_restart "n$k"
	check "SIGKILL n$k, restart: one MAC per address after settling" \
		wait_until 8 "settled after n$k" l2_one_each 0.5 "${ALL[@]}"
done
l2_census_end kill stop >/dev/null # it prints what it saw until then
grep -v 'max_simul=1 ' "$NL_DIR/kill.macs" | sed 's/^/    /'
check "SIGKILLs and restarts: never two MACs answering one request" \
	eval '[ -s "$NL_DIR/kill.macs" ] && ! grep -q "max_simul=[2-9]" "$NL_DIR/kill.macs"'
check "after the restarts: one MAC per address for 1 s" l2_one_each 1 "${ALL[@]}"
owners_now
check "after the restarts: kube-lb0 matches the owners" wait_until 5 "kube-lb0" lb_matches "${ALL[@]}"

# ---- SIGTERM hands over at once ----
# The probe runs through the handover: the old owner may answer for a
# while after SIGTERM (that is no outage); the longest gap is what counts.
o=${OWN[${V4[0]}]}
l2_probe_start term ${V4[0]} --duration 3
sleep 0.5
l2_mark term
spk_stop "$o"
rc=$?
sleep 1
r=$(l2_probe_stop term)
nl_log "  $r"
check "SIGTERM: $o exits 0" test "$rc" = 0
check "SIGTERM $o: answered after it" eval '[ "$(l2_field "$r" since_ms)" != none ]'
check "SIGTERM $o: no gap over 300 ms ($(l2_field "$r" max_gap_ms) ms)" \
	below "$(l2_field "$r" max_gap_ms)" 300
o2=$(l2_owner ${V4[0]} 0.3)
check "SIGTERM $o: ${V4[0]} now answered by another ($o2)" eval '[[ $o2 == n? && $o2 != "$o" ]]'
check "SIGTERM $o: its kube-lb0 is empty" eval '[ -z "$(l2_lb_addrs "$o" | grep -v "^fe80")" ]'
l2_restart "$o"
check "$o restarted: one MAC per address" wait_until 8 "settled" l2_one_each 0.5 "${ALL[@]}"

# ---- externalTrafficPolicy Local ----
check "Local: owned by n2, the node of the ready endpoint" \
	test "$(l2_owner $LOC 0.5)" = n2
check "Local: on n2's kube-lb0 only" eval \
	'l2_has_lb n2 $LOC && ! l2_has_lb n1 $LOC && ! l2_has_lb n3 $LOC'
: >"$slice"
mf_l2_slice "$slice" loc n3
l2_hup_all
owner_is() { [ "$(l2_owner "$1" 0.3)" = "$2" ]; }
check "Local: follows the endpoint to n3 (SIGHUP)" wait_until 5 "to n3" owner_is $LOC n3
check "Local: n2 dropped it from kube-lb0" wait_until 5 "n2 lb" eval '! l2_has_lb n2 $LOC'
: >"$slice"
mf_l2_slice "$slice" loc n1 ready=false
l2_hup_all
check "Local: no ready endpoint, nobody answers" wait_until 5 "none" owner_is $LOC none
: >"$slice"
mf_l2_slice "$slice" loc n1
l2_hup_all
check "Local: ready on n1, n1 answers" wait_until 5 "n1" owner_is $LOC n1

# ---- a speaker with the wrong key ----
spk_stop n3 >/dev/null
bad_auth() { l2_metrics "$1" | grep -E '^berth_l2_heartbeats_refused[a-z_]*\{[^}]*bad_auth' | awk '{s += $2} END {print s + 0}'; }
b1=$(bad_auth n1)
b2=$(bad_auth n2)
spk_start n3 n3 "${L2_MF[@]}" -- --lb-interface kube-lb0 --member-port "$L2_PORT" \
	--metrics-address 127.0.0.1:9444 --member-key-file "$key2"
sleep 1.5
check "wrong key: n1 and n2 count n3's heartbeats as bad_auth" wait_until 5 "bad_auth" eval \
	'(($(bad_auth n1) > b1 && $(bad_auth n2) > b2))'
not_n3() {
	local line bad=0
	while read -r line; do
		[[ $line == *$(l2_mac n3)* ]] && bad=1
		[ "$(_l2_owner_of_line "$line")" = none ] && bad=1
		[ "$(l2_field "$line" max_simul)" = 1 ] || bad=1
		((bad)) && nl_log "  $line"
	done < <(l2_macs 1.5 "${ALL[@]}")
	return $bad
}
check "wrong key: n3 answers nothing, n1 and n2 serve every address" not_n3
check "wrong key: n3's kube-lb0 holds none of them" eval \
	'[ -z "$(l2_lb_addrs n3 | grep -v "^fe80")" ]'
spk_stop n3 >/dev/null
l2_start n3
check "right key again: one MAC per address" wait_until 8 "settled" l2_one_each 0.5 "${ALL[@]}"

# ---- heartbeats replayed, forged, garbage ----
# A heartbeat of n1 to n2 captured on the switch, sent again to n2 from the
# observer (a host without the key): refused as replayed; with one byte
# changed: refused as bad_auth; garbage: malformed. Owners do not move.
refused() { # NODE REASON
	l2_metrics "$1" | grep -F "berth_l2_heartbeats_refused_total{reason=\"$2\"}" | awk '{print $2 + 0}'
}
cap=$NL_DIR/hb.pcap
nl_x sw timeout 5 tcpdump -i n2 -c 1 -w "$cap" 'udp and src host 192.0.2.11 and dst port 7947' \
	>/dev/null 2>&1
cat >"$NL_DIR/replay.py" <<'PY'
import socket, struct, sys
pcap, mode, dst, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
data = open(pcap, "rb").read()
frame = data[24 + 16:]  # the first record, after the file and record headers
ip = frame[14:]
payload = ip[(ip[0] & 15) * 4 + 8:]
if mode == "forge":  # one byte of the sequence number
    payload = payload[:20] + bytes([payload[20] ^ 1]) + payload[21:]
elif mode == "garbage":
    payload = b"BRTH" + bytes(range(40))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(n):
    s.sendto(payload, (dst, 7947))
PY
declare -A before
for r in replayed bad_auth malformed; do before[$r]=$(refused n2 $r); done
for m in replay forge garbage; do
	nl_x obs python3 "$NL_DIR/replay.py" "$cap" $m 192.0.2.12 5 || not_ok "replay.py $m"
done
grew() { # REASON: n2's counter grew by 5 or more
	(($(refused n2 "$1") >= ${before[$1]:-0} + 5))
}
check "a captured heartbeat sent again: counted as replayed by n2" wait_until 3 "replayed" grew replayed
check "the same with one byte changed: counted as bad_auth" wait_until 3 "bad_auth" grew bad_auth
check "garbage on the heartbeat port: counted as malformed" wait_until 3 "malformed" grew malformed
check "after the replays: one MAC per address" l2_one_each 0.5 "${ALL[@]}"

# ---- an Eip on an interface n3 lacks ----
check "eth1 Eip: every address answered by one MAC" l2_one_each 0.5 "${E1[@]}"
seg2_owners=$(l2_owners 0.3 "${E1[@]}" | awk '{print $2}' | sort -u | tr '\n' ' ')
check "eth1 Eip: owned by n1 and n2 only ($seg2_owners)" eval '[[ "$seg2_owners" != *n3* ]]'
check "eth1 Eip: none of it on n3's kube-lb0" eval \
	'! l2_lb_addrs n3 | grep -q "^198\.51\.100\."'
check "n3 says eth1 is missing" spk_log_has n3 "eth1.*(no such|missing|not found)"

# The speakers stopped along the way (ASan builds report at exit).
check "no sanitizer report in the speakers' logs" eval \
	'! grep -l -E "AddressSanitizer|LeakSanitizer|runtime error:" "$NL_DIR"/n?/speaker.log'

nl_finish
