#!/usr/bin/env bash
# MetalLB's configuration (metallb.io) in cluster mode: berth's controller
# and one speaker (node n1) against the API server stand-in (on r's
# second address), BIRD on r as the router (iBGP, AS 65001, BFD).
# `kubectl apply -k deploy/metallb/` installs the metallb.io CRDs (the
# stand-in serves no RBAC: the Roles fail there, nothing else), then
# MetalLB's objects as a MetalLB user has them, and a Service whose
# status holds an address MetalLB wrote before berth starts.
#
# Checks:
#   - a new Service gets its address from the IPAddressPool;
#   - BIRD has the route with the BGPAdvertisement's communities (one a
#     Community alias) and localPref; the BFD session from the BGPPeer's
#     BFDProfile is Up;
#   - the Service MetalLB served keeps its address (no write of its
#     ingress) and gets metallb.io/ip-allocated-from-pool;
#   - the BGPPeer gets no status written (it is not a BgpPeer);
#   - a field berth does not honour (BFDProfile echoMode) gives exactly
#     one Event on its object, not repeated after the object changes
#     without changing that; an advertisement naming no pool: one Event;
#   - an overlapping IPAddressPool: an Event naming spec.addresses on it,
#     and nothing running changes (routes, addresses);
#   - a pool updated to a bad CIDR (its CRD loosened as MetalLB's own,
#     whose webhook is gone): an InvalidObject Event naming the field, the
#     previous version in force in the controller and the speaker;
#   - the MetalLB kinds listed in --metallb-namespace only;
#   - SIGTERM: both exit 0; no sanitizer report.
# The BGP and layer 2 behaviour of MetalLB's objects as such is
# test_metallb_manifest.sh's.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
root=$(cd "$lib/../.." && pwd)
. "$lib/e2e.sh"
# shellcheck source=../lib/pool_attrs_suite.sh
. "$lib/pool_attrs_suite.sh" # pa_attrs: a route's communities and LOCAL_PREF at BIRD

nl_setup
spk_check

nl_host r n1
nl_link r n1 to-n1 to-r
nl_addr r to-n1 192.0.2.1/24 192.0.2.2/24
nl_addr n1 to-r 192.0.2.11/24

# iBGP (LOCAL_PREF goes to internal peers only, RFC 4271 section 5.1.5),
# with BFD at 100 ms x 3 on BIRD's side too.
peer_neighbor r 192.0.2.11 65001 direct=1 bfd=1 bfdrx=100 bfdtx=100 bfdmult=3
peer_start bird r 65001 192.0.2.1

api_start r 192.0.2.2
k apply -k "$root/deploy/metallb/" >"$NL_DIR/apply-k.out" 2>&1 # Roles: not served here
k wait --for condition=established --timeout=20s crd/ipaddresspools.metallb.io \
	crd/bgppeers.metallb.io crd/bgpadvertisements.metallb.io crd/l2advertisements.metallb.io \
	crd/bfdprofiles.metallb.io crd/communities.metallb.io >/dev/null ||
	die "metallb.io CRDs: $(cat "$NL_DIR/apply-k.out")"
wait_until 20 "metallb.io served" k -n metallb-system get ipaddresspools || die "not served"

MLB=metallb-system
k apply -f - >/dev/null <<YAML || die "objects"
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: pool, namespace: $MLB}
spec:
  addresses: [203.0.113.64/26]
---
apiVersion: metallb.io/v1beta1
kind: Community
metadata: {name: aliases, namespace: $MLB}
spec:
  communities:
  - {name: vpn, value: "65000:200"}
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: adv, namespace: $MLB}
spec:
  ipAddressPools: [pool]
  communities: ["65000:100", vpn]
  localPref: 150
---
apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: {name: fast, namespace: $MLB}
spec:
  receiveInterval: 100
  transmitInterval: 100
  detectMultiplier: 3
  echoMode: true
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: router, namespace: $MLB}
spec:
  myASN: 65001
  peerASN: 65001
  peerAddress: 192.0.2.1
  holdTime: 9s
  keepaliveTime: 3s
  bfdProfile: fast
---
# An object of MetalLB's kinds elsewhere: MetalLB (and berth) read none.
apiVersion: v1
kind: Namespace
metadata: {name: elsewhere}
YAML
k apply -f - >/dev/null <<YAML || die "elsewhere"
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: stray, namespace: elsewhere}
spec:
  addresses: [198.51.100.0/24]
YAML

# A Service MetalLB served: its address in status, written by "another
# controller" before berth starts, with MetalLB's annotation.
svc() { # NAME
	k apply -f - >/dev/null <<YAML || die "Service $1"
apiVersion: v1
kind: Service
metadata: {name: $1, namespace: default}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Cluster
  selector: {app: $1}
  ports: [{port: 80}]
YAML
}
svc old
k annotate service old metallb.io/ip-allocated-from-pool=pool >/dev/null || die "annotate"
k patch service old --subresource=status --type=merge \
	-p '{"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.77"}]}}}' >/dev/null ||
	die "old status"

cmd=$(spk_cmd)
SLOG=$(spk_log n1)
nl_bg n1 "$SLOG" "$cmd" speaker --node n1 --kubeconfig "$KC" --log-level debug \
	--metallb-namespace "$MLB"
echo "$NL_BG_PID" >"$NL_DIR/n1/speaker.pid"
CLOG=$NL_DIR/r/controller.log
nl_bg r "$CLOG" "${BERTH:?}" controller --kubeconfig "$KC" --log-level debug
CPID=$NL_BG_PID

ips() { k get svc "$1" -o jsonpath='{range .status.loadBalancer.ingress[*]}{.ip}{" "}{end}' | sed 's/ $//'; }
ann() { k get svc "$1" -o jsonpath="{.metadata.annotations.metallb\.io/ip-allocated-from-pool}"; }

check "BGP session Established (iBGP, from the BGPPeer)" \
	wait_until 30 "session" peer_established r 192.0.2.11
check "BFD session Up (BFDProfile fast)" wait_until 15 "bfd" peer_bfd_up r 192.0.2.11
check "BFD at 100 ms x 3: BIRD transmits at 100 ms, detects in 300 ms" \
	wait_until 5 "bfd timers" eval '[ "$(peer_bfd_timers r 192.0.2.11)" = "100 300" ]'

check "the MetalLB Service keeps 203.0.113.77" holds_for 3 "kept" eval '[ "$(ips old)" = 203.0.113.77 ]'
check "it gets metallb.io/ip-allocated-from-pool: pool" wait_until 10 "annotation" \
	eval '[ "$(ann old)" = pool ]'

svc new
inpool() { [[ "$(ips new)" =~ ^203\.0\.113\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])$ ]]; }
check "a new Service gets an address of the IPAddressPool" wait_until 15 "new" inpool
NEW=$(ips new)
echo "    new: $NEW"
check "  not the address MetalLB gave" test "$NEW" != 203.0.113.77
check "  and the pool's annotation" wait_until 10 "annotation" eval '[ "$(ann new)" = pool ]'

want="comm=65000:100,65000:200 large=- lp=150"
check "BIRD: the new Service's route, communities (one an alias) and localPref 150" \
	wait_until 15 "attrs" pa_attrs_are r 192.0.2.11 "$NEW/32" "$want"
check "BIRD: the adopted Service's route too, same attributes" \
	wait_until 5 "attrs" pa_attrs_are r 192.0.2.11 "203.0.113.77/32" "$want"
echo "    $(pa_attrs r 192.0.2.11 "$NEW/32")"

check "the BGPPeer has no status written" eval \
	'[ -z "$(k -n $MLB get bgppeers.metallb.io router -o jsonpath="{.status}")" ] &&
	 ! grep -qE "PATCH /apis/(network.kubesphere.io|metallb.io)/[^ ]*/bgppeers/router/status" "$api/apiserver.log"'
check "metallb.io listed in $MLB only" eval \
	'grep -qE "GET /apis/metallb.io/v1beta1/namespaces/$MLB/ipaddresspools" "$api/apiserver.log" &&
	 ! grep -qE "GET /apis/metallb.io/v1beta1/ipaddresspools" "$api/apiserver.log"'
check "the IPAddressPool elsewhere is not read" eval \
	'! grep -q "198.51.100" "$CLOG" && [ -z "$(k get svc -A -o jsonpath="{..ip}" | grep 198.51.100)" ]'

# ---- Events ----
# "KIND/NAME count type reason component message" of the Warning Events
# on KIND/NAME in metallb-system (the speakers' BFDUp on the BGPPeer is
# Normal).
mevents() { # KIND NAME [REASON]
	k -n "$MLB" get events -o jsonpath='{range .items[*]}{.involvedObject.kind}/{.involvedObject.name} {.count} {.type} {.reason} {.source.component} {.message}{"\n"}{end}' |
		grep "^$1/$2 [0-9]* Warning ${3:-}" || true
}
n_mevents() { mevents "$@" | grep -c . || true; }
check "BFDProfile echoMode: one UnsupportedField Event on it" wait_until 10 "event" eval \
	'[ "$(n_mevents BFDProfile fast UnsupportedField)" = 1 ]'
mevents BFDProfile fast | sed 's/^/    /'
check "  naming the field" eval 'mevents BFDProfile fast | grep -q "echoMode"'
check "  and the controller logged it" grep -q "BFDProfile $MLB/fast: .*echoMode" "$CLOG"
k -n "$MLB" label bfdprofile fast berth.test/touched=1 >/dev/null
k -n "$MLB" annotate bgpadvertisement adv berth.test/touched=1 >/dev/null
sleep 3
check "  changes that leave the note as it was: still one Event, count 1" eval \
	'[ "$(mevents BFDProfile fast)" = "$(mevents BFDProfile fast | grep "^BFDProfile/fast 1 Warning UnsupportedField berth-controller ")" ] &&
	 [ "$(n_mevents BFDProfile fast)" = 1 ]'
check "  from the controller: the speaker says nothing of it (one actor)" eval \
	'mevents BFDProfile fast | grep -q " berth-controller " && ! grep -q "echoMode" "$SLOG"'
check "the other objects: no Warning Event (nothing unsupported)" eval \
	'[ "$(n_mevents IPAddressPool pool)$(n_mevents BGPAdvertisement adv)$(n_mevents BGPPeer router)" = 000 ]'

k apply -f - >/dev/null <<YAML || die "ghost"
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: ghost, namespace: $MLB}
spec:
  ipAddressPools: [nope]
YAML
check "an advertisement naming no pool: one NotApplied Event naming the field" \
	wait_until 10 "ghost" eval '[ "$(n_mevents BGPAdvertisement ghost NotApplied)" = 1 ] &&
	 mevents BGPAdvertisement ghost | grep -q "ipAddressPools"'
mevents BGPAdvertisement ghost | sed 's/^/    /'

# ---- an overlapping pool ----
before=$(bird_cli r show route protocol "$(_bird_name 192.0.2.11)" table master4 2>/dev/null | grep -c '^203')
k apply -f - >/dev/null <<YAML || die "overlap"
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: overlap, namespace: $MLB}
spec:
  addresses: [203.0.113.96/28]
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: overlap-adv, namespace: $MLB}
spec:
  ipAddressPools: [overlap]
  communities: ["65000:999"]
YAML
check "an overlapping pool: a Warning Event on it naming spec.addresses" \
	wait_until 10 "overlap" eval 'mevents IPAddressPool overlap | grep -qE "^IPAddressPool/overlap 1 Warning InvalidPool berth-controller spec.addresses"'
mevents IPAddressPool overlap | sed 's/^/    /'
svc third
check "  a new Service still gets an address of pool" wait_until 15 "third" eval \
	'[ -n "$(ips third)" ] && [ "$(ann third)" = pool ]'
check "  nothing running changed: addresses kept, routes with pool's attributes" eval \
	'[ "$(ips old)" = 203.0.113.77 ] && [ "$(ips new)" = "$NEW" ] &&
	 pa_attrs_are r 192.0.2.11 "$NEW/32" "$want" && pa_attrs_are r 192.0.2.11 203.0.113.77/32 "$want"'
check "  and no route with the overlapping pool's community" eval \
	'! bird_cli r show route protocol "$(_bird_name 192.0.2.11)" table master4 all | grep -q "65000, 999"'
check "  the session never went down" eval '[ "$(peer_ups r 192.0.2.11)" = 1 ]'
echo "    routes before $before, now $(bird_cli r show route protocol "$(_bird_name 192.0.2.11)" table master4 2>/dev/null | grep -c '^203')"

# ---- a version MetalLB would refuse ----
# MetalLB's own CRDs leave addresses to its webhook, gone with MetalLB:
# the pool's schema loosened so, a bad CIDR reaches berth. The controller
# says so on the pool (InvalidObject, naming the field); the previous
# version stays in force everywhere.
k patch crd ipaddresspools.metallb.io --type=json -p '[{"op": "replace",
  "path": "/spec/versions/0/schema/openAPIV3Schema",
  "value": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}]' >/dev/null ||
	die "loosen the IPAddressPool CRD"
sleep 1
k -n "$MLB" patch ipaddresspool pool --type=merge -p '{"spec":{"addresses":["203.0.113.64/33"]}}' \
	>/dev/null || die "bad pool"
check "a bad CIDR: an InvalidObject Event on the pool naming spec.addresses[0]" \
	wait_until 10 "bad" eval 'mevents IPAddressPool pool InvalidObject | grep -q "spec.addresses\[0\]"'
mevents IPAddressPool pool InvalidObject | cut -c1-200 | sed 's/^/    /'
check "  the speaker keeps the previous version" wait_until 10 "speaker" \
	grep -q "IPAddressPool/$MLB/pool refused: .*previous version stays in force" "$SLOG"
svc fourth
check "  nothing running changed: addresses, routes, allocation from the pool" eval \
	'wait_until 15 "fourth" eval "[ \"\$(ann fourth)\" = pool ]" &&
	 [ "$(ips old)" = 203.0.113.77 ] && [ "$(ips new)" = "$NEW" ] &&
	 pa_attrs_are r 192.0.2.11 "$NEW/32" "$want" && [ "$(peer_ups r 192.0.2.11)" = 1 ]'

# ---- stop ----
spk_stop n1
rc=$?
check "SIGTERM: the speaker exits 0 (got $rc)" test "$rc" = 0
kill -TERM "$CPID"
wait "$CPID"
rc=$?
check "SIGTERM: the controller exits 0 (got $rc)" test "$rc" = 0
check "no sanitizer report" eval '! grep -qE "AddressSanitizer|LeakSanitizer|runtime error" "$SLOG" "$CLOG"'

api_stop
nl_finish
