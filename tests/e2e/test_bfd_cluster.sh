#!/usr/bin/env bash
# The speaker's BFD in cluster mode: what it writes back to the API and
# to /metrics. One node n1 runs `berth speaker --node n1 --kubeconfig K`
# against the API server stand-in (tools/apiserver, on r's second
# address); its BgpPeer has spec.bfd (100 ms x 3) towards r, where
# tests/tools/bfd_peer.c is the BFD end (no BGP speaker on r: BGP stays
# Connect/Active, which the BFD side does not need; BGP with BFD against
# real routers is the interop tests' part).
#
# Checks: status.nodesPeerStatus.n1.bfdState Up with the negotiated
# transmit interval and detection time; berth_bfd_* on /metrics; the peer
# silenced (SIGSTOP): a Warning BFDDown Event naming the node, the
# address and "Control Detection Time Expired", bfdState Down with that
# diagnostic and one flap, the metrics follow; back (SIGCONT): a Normal
# BFDUp Event; the peer's AdminDown: a Normal BFDAdminDown Event, no
# BFDDown; spec.bfd.enabled false: bfdState gone from the status, the
# session's series gone from /metrics, the peer sees our AdminDown;
# enabled again: Up again; SIGTERM: exit 0, the peer sees AdminDown
# (diag 7); no sanitizer report.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
root=$(cd "$lib/../.." && pwd)
. "$lib/e2e.sh"

bin=${BERTH_BFD_PEER_BIN:-$(dirname "${BERTH:-$root/build/berth}")/tool_bfd_peer}
[ -x "$bin" ] || {
	echo "test_bfd_cluster: $bin missing: build first or set BERTH_BFD_PEER_BIN" >&2
	exit 1
}

nl_setup
spk_check

nl_host r n1
nl_link r n1 to-n1 to-r
nl_addr r to-n1 192.0.2.1/24 192.0.2.2/24
nl_addr n1 to-r 192.0.2.11/24

api_start r 192.0.2.2

peer_yaml() { # ENABLED
	cat <<YAML
apiVersion: network.kubesphere.io/v1alpha2
kind: BgpPeer
metadata: {name: router}
spec:
  conf: {peerAs: 65000, neighborAddress: 192.0.2.1}
  timers: {config: {holdTime: "9", keepaliveInterval: "3", connectRetry: "2"}}
  bfd: {enabled: $1, receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3}
YAML
}
k apply -f - >/dev/null <<YAML || die "objects"
apiVersion: network.kubesphere.io/v1alpha2
kind: BgpConf
metadata: {name: default}
spec: {as: 65001, listenPort: 17900}
---
apiVersion: v1
kind: Node
metadata: {name: n1}
YAML
peer_yaml true | k apply -f - >/dev/null || die "BgpPeer"

TLOG=$NL_DIR/r/bfd.log
nl_bg r "$TLOG" "$bin" -t 100 -r 100 -m 3 192.0.2.11
TPID=$NL_BG_PID
SLOG=$(spk_log n1)
cmd=$(spk_cmd)
nl_bg n1 "$SLOG" "$cmd" speaker --node n1 --kubeconfig "$KC" --log-level debug \
	--metrics-address 192.0.2.11:9444 --health-address 127.0.0.1:9445
echo "$NL_BG_PID" >"$NL_DIR/n1/speaker.pid"

bfd() { k get bgppeer router -o jsonpath="{.status.nodesPeerStatus.n1.bfdState.$1}"; }
bfd_is() { [ "$(bfd "$1")" = "$2" ]; }
metrics() { nl_x n1 curl -s --max-time 2 http://192.0.2.11:9444/metrics; }
has_metric() { metrics | grep -qF "$1"; }
events() { # REASON: "type reason message" of the BgpPeer's Events
	k get events -A -o jsonpath='{range .items[*]}{.involvedObject.kind}/{.involvedObject.name} {.type} {.reason} {.source.host} {.message}{"\n"}{end}' |
		grep "^BgpPeer/router [A-Za-z]* $1 " || true
}
n_events() { events "$1" | grep -c . || true; }

check "status: bfdState Up" wait_until 20 "bfdState Up" bfd_is state Up
# The peer's state and the detection time settle after ours (it leaves
# its 1 s slow rate when it is Up): the status follows without a change
# of our state.
bfd_settled() { [ "$(bfd remoteState)/$(bfd transmitInterval)/$(bfd detectTime)/$(bfd flaps)" = Up/100/300/0 ]; }
check "status: the peer Up, transmit 100 ms, detection 300 ms, no flap" \
	wait_until 5 "settled" bfd_settled
k get bgppeer router -o jsonpath='{.status.nodesPeerStatus.n1.bfdState}' | sed 's/^/    /'
echo
check "/metrics: berth_bfd_session_state 3 (Up) for the peer and address" wait_until 5 "metric" \
	has_metric 'berth_bfd_session_state{peer="router",address="192.0.2.1"} 3'
m=$(metrics)
check "/metrics: detection time 0.3 s, no flap, packets both ways, no drop" eval \
	'grep -qF "berth_bfd_detect_time_seconds{peer=\"router\"} 0.3" <<<"$m" &&
	 grep -qF "berth_bfd_session_flaps_total{peer=\"router\"} 0" <<<"$m" &&
	 grep -qE "^berth_bfd_packets_received_total [1-9]" <<<"$m" &&
	 grep -qE "^berth_bfd_packets_sent_total [1-9]" <<<"$m" &&
	 ! grep -E "^berth_bfd_packets_dropped_total" <<<"$m" | grep -qv " 0$"'
check "an Event BFDUp (Normal) from n1" wait_until 10 "BFDUp" eval '[ "$(n_events BFDUp)" -ge 1 ]'

# ---- the peer goes silent ----
kill -STOP "$TPID"
check "silent peer: a Warning BFDDown Event naming n1, the address and the diagnostic" \
	wait_until 10 "BFDDown" eval \
	'events BFDDown | grep -q "^BgpPeer/router Warning BFDDown n1 .*node n1 to 192.0.2.1.*Control Detection Time Expired"'
events BFDDown | sed 's/^/    /'
check "status: bfdState Down, Control Detection Time Expired, one flap" wait_until 5 "status" eval \
	'[ "$(bfd state)/$(bfd diagnostic)/$(bfd flaps)" = "Down/Control Detection Time Expired/1" ]'
check "/metrics: state 1 (Down), one flap" eval \
	'm=$(metrics); grep -qF "berth_bfd_session_state{peer=\"router\",address=\"192.0.2.1\"} 1" <<<"$m" &&
	 grep -qF "berth_bfd_session_flaps_total{peer=\"router\"} 1" <<<"$m"'
check "n1 logged the failure" grep -q "BgpPeer router: BFD to 192.0.2.1 Up -> Down (Control Detection Time Expired)" "$SLOG"
ups=$(n_events BFDUp)
kill -CONT "$TPID"
check "back: another BFDUp Event" wait_until 10 "BFDUp" eval '[ "$(n_events BFDUp)" -gt "$ups" ]'
check "status: Up again" wait_until 5 "Up" bfd_is state Up

# ---- the peer's AdminDown ----
downs=$(n_events BFDDown)
kill -USR2 "$TPID"
check "the peer's AdminDown: a Normal BFDAdminDown Event" wait_until 10 "BFDAdminDown" eval \
	'events BFDAdminDown | grep -q "^BgpPeer/router Normal BFDAdminDown n1 .*administratively down"'
check "status: remoteState AdminDown" wait_until 5 "AdminDown" bfd_is remoteState AdminDown
kill -USR2 "$TPID"
check "the peer back: Up" wait_until 10 "Up" bfd_is state Up
check "and no BFDDown Event for the AdminDown" eval '[ "$(n_events BFDDown)" -eq "$downs" ]'

# ---- BFD off and on again ----
n=$(grep -c '^state 192.0.2.11 Up Down diag=3 remote=AdminDown' "$TLOG")
peer_yaml false | k apply -f - >/dev/null || die "BgpPeer bfd off"
sent_admin() { [ "$(grep -c '^state 192.0.2.11 Up Down diag=3 remote=AdminDown' "$TLOG")" -gt "$n" ]; }
check "bfd off: the peer sees n1's AdminDown" wait_until 10 "AdminDown" sent_admin
check "bfd off: bfdState gone from the status" wait_until 10 "no bfdState" eval \
	'[ -z "$(k get bgppeer router -o jsonpath="{.status.nodesPeerStatus.n1.bfdState}")" ] &&
	 [ -n "$(k get bgppeer router -o jsonpath="{.status.nodesPeerStatus.n1.peerState}")" ]'
check "bfd off: no session series on /metrics, n1 logged the sockets closed" eval \
	'! metrics | grep -q "^berth_bfd_session_state" && grep -q "BFD: no BgpPeer uses BFD any more: sockets closed" "$SLOG"'
peer_yaml true | k apply -f - >/dev/null || die "BgpPeer bfd on"
check "bfd on again: Up" wait_until 15 "Up" bfd_is state Up

# ---- SIGTERM ----
n=$(grep -c '^state 192.0.2.11 Up Down diag=3 remote=AdminDown' "$TLOG")
spk_stop n1
rc=$?
check "SIGTERM: n1 exits 0 (got $rc)" test "$rc" = 0
check "the peer sees n1's AdminDown (not a timeout)" wait_until 3 "AdminDown" sent_admin
check "no sanitizer report" eval '! grep -qE "AddressSanitizer|LeakSanitizer|runtime error" "$SLOG"'

api_stop
nl_finish
