#!/usr/bin/env bash
# MetalLB's objects in manifest mode (issue 15), against BIRD 2 and on a
# bridge, beside the OpenELB/berth objects `berth convert --from metallb`
# writes for them:
#
#   sw: bridge br0 (tests/lib/l2net.sh), on it
#     client 192.0.2.1, obs 192.0.2.2   (layer 2: obs asks who answers)
#     tor    192.0.2.3                  BIRD, AS 65001 (iBGP), BFD
#     n1     192.0.2.11   berth speaker: MetalLB's objects
#     n2     192.0.2.12   berth speaker: MetalLB's objects
#     n3     192.0.2.13   berth speaker: the BGP objects converted
#
# MetalLB's objects (bgp.metallb.yaml, l2.metallb.yaml below): a Community
# with an alias, a BFDProfile, a BGPPeer naming it (myASN, peerASN,
# peerAddress, timers), an IPAddressPool with a BGPAdvertisement (the
# alias, a plain and a large community, localPref), an IPAddressPool with
# an L2Advertisement; and two fields berth does not honour: a second
# BGPPeer with a vrf, the L2Advertisement's second interface.
#
# Checks, in order:
#   (a) BIRD has the Service's route from n1 (MetalLB) and n3 (converted)
#       with the same prefixes and exactly the communities and LOCAL_PREF
#       the BGPAdvertisement says; BFD Up with the BFDProfile's intervals,
#       on both, from both sides; the layer 2 pool is not announced;
#   (b) one node of n1, n2 answers ARP for the layer 2 Service's address
#       (l2_macs.py, arping), its kube-lb0 holds it; the pool written as
#       the converted layer2 Eip instead (SIGHUP): the same node answers;
#   (d) one warning per object for the vrf and the interfaces, at every
#       load, none for the other objects; the vrf peer is not peered;
#   (c) MetalLB objects MetalLB would refuse (a bad CIDR, overlapping
#       pools, an advertisement naming no pool) in a reloaded manifest:
#       the log names file, line, object and field; nothing changes:
#       routes, attributes, BFD and sessions stay;
#   SIGTERM exits 0; no sanitizer report.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
root=$(cd "$lib/../.." && pwd)
: "${BERTH:=$root/build/berth}"
. "$lib/e2e.sh"
. "$lib/l2net.sh"
. "$lib/pool_attrs_suite.sh" # pa_attrs, pa_has, pa_lacks
# shellcheck disable=SC2034 # read by tests/lib/peers.sh
E2E_PEER_ORIGINATE=0 # BIRD sends nothing: the speakers' routes only

HOLD=9 # not 3 s: a busy shared machine must not pass for a reset
SVC4=203.0.113.10
L2A=192.0.2.201
WANT="comm=1234:1,65000:100 large=65000:1:2 lp=200"
SANITIZER_RE='ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: [A-Za-z]*Sanitizer'

# ---- MetalLB's objects, as MetalLB's users write them ----

# ml_bgp FILE [MANGLE]: the BGP objects; MANGLE: "cidr", "overlap" or
# "nopool", an object MetalLB refuses. Rewritten in place (same inode).
ml_bgp() {
	local f=$1 t=$1.new cidr=203.0.113.0/26 pools="[bgp-pool]"
	[ "${2:-}" = cidr ] && cidr=203.0.113.0/33
	[ "${2:-}" = nopool ] && pools="[bgp-pool, gone-pool]"
	cat >"$t" <<EOF
apiVersion: metallb.io/v1beta1
kind: Community
metadata:
  name: aliases
  namespace: metallb-system
spec:
  communities:
  - name: vpn-only
    value: 1234:1
---
apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata:
  name: fast
  namespace: metallb-system
spec:
  receiveInterval: 300
  transmitInterval: 400
  detectMultiplier: 4
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata:
  name: tor
  namespace: metallb-system
spec:
  myASN: 65001
  peerASN: 65001
  peerAddress: 192.0.2.3
  holdTime: ${HOLD}s
  keepaliveTime: 3s
  connectTime: 2s
  bfdProfile: fast
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata:
  name: tor-red
  namespace: metallb-system
spec:
  myASN: 65001
  peerASN: 65001
  peerAddress: 192.0.2.4
  vrf: red
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: bgp-pool
  namespace: metallb-system
spec:
  addresses:
  - $cidr
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata:
  name: bgp-adv
  namespace: metallb-system
spec:
  ipAddressPools: $pools
  localPref: 200
  communities: [vpn-only, "65000:100", "large:65000:1:2"]
EOF
	[ "${2:-}" = overlap ] && cat >>"$t" <<EOF
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: other-pool
  namespace: metallb-system
spec:
  addresses:
  - 203.0.113.32-203.0.113.40
EOF
	cat "$t" >"$f"
	rm -f "$t"
}

ml_l2() {
	cat >"$1" <<EOF
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: l2-pool
  namespace: metallb-system
spec:
  addresses:
  - 192.0.2.200-192.0.2.210
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: l2-adv
  namespace: metallb-system
spec:
  ipAddressPools: [l2-pool]
  interfaces: [eth0, eth1]
EOF
}

# svc FILE NAME POOL IP: a Service MetalLB's controller gave IP from POOL.
svc() {
	cat >>"$1" <<EOF
---
apiVersion: v1
kind: Service
metadata:
  name: $2
  namespace: default
  annotations:
    metallb.io/ip-allocated-from-pool: $3
spec:
  type: LoadBalancer
  externalTrafficPolicy: Cluster
  selector: {app: $2}
  ports:
  - port: 80
    protocol: TCP
status:
  loadBalancer:
    ingress:
    - ip: $4
EOF
}

# note_count NODE OBJECT FROM_LINE: warnings about OBJECT ("Kind ns/name")
# in NODE's log after FROM_LINE; notes are the lines "Kind ns/name: ..."
# that are not a refused load's message.
note_count() {
	tail -n +"$(($3 + 1))" "$(spk_log "$1")" | grep -v 'reload failed' | grep -cF "$2: "
}
note_all() { # every note line about a metallb-system object
	tail -n +"$(($2 + 1))" "$(spk_log "$1")" | grep -v 'reload failed' |
		grep -cE '(IPAddressPool|BGPPeer|BGPAdvertisement|L2Advertisement|BFDProfile|Community) metallb-system/[a-z0-9-]+: '
}
loads() { # NODE FROM_LINE: configurations loaded (start) or reloaded
	tail -n +"$(($2 + 1))" "$(spk_log "$1")" | grep -cE 'configuration (re)?loaded'
}

# ---- topology ----
nl_setup
spk_check
l2_topo 3
nl_host tor
_l2_port tor tr 02:00:00:00:00:03 192.0.2.3/24 2001:db8::3/64
for k in 1 2 3; do
	peer_neighbor tor "192.0.2.1$k" 65001 hold=$HOLD direct=1 bfd=1 bfdrx=200 bfdtx=100 bfdmult=3
done
peer_start bird tor 65001 192.0.2.3

# ---- manifests ----
bgp=$NL_DIR/bgp.metallb.yaml
l2=$NL_DIR/l2.metallb.yaml
conv=$NL_DIR/bgp.converted.yaml
conv_l2=$NL_DIR/l2.converted.yaml
nodes=$NL_DIR/nodes.yaml
node3=$NL_DIR/node3.yaml
svcs=$NL_DIR/services.yaml
ml_bgp "$bgp"
ml_l2 "$l2"
"$BERTH" convert --from metallb "$bgp" >"$conv" 2>"$NL_DIR/convert.err" ||
	die "berth convert --from metallb $bgp: $(cat "$NL_DIR/convert.err")"
"$BERTH" convert --from metallb "$l2" >"$conv_l2" 2>>"$NL_DIR/convert.err" ||
	die "berth convert --from metallb $l2: $(cat "$NL_DIR/convert.err")"
check "convert: the BGP objects become a BgpConf, one BgpPeer, one Eip, no MetalLB kind" eval \
	'[ "$(grep -c "^kind: BgpConf$" "$conv") $(grep -c "^kind: BgpPeer$" "$conv") $(grep -c "^kind: Eip$" "$conv")" = "1 1 1" ] &&
	 ! grep -q "metallb.io/v1" "$conv"'
check "convert: the vrf peer is a comment saying it is not converted" \
	grep -q '^# BGPPeer tor-red not converted: spec.vrf' "$conv"
check "convert: the layer 2 pool is a layer2 Eip on eth0 (the first interface)" eval \
	'grep -q "protocol: layer2" "$conv_l2" && grep -q "interface: \"eth0\"" "$conv_l2"'
mf_l2_node "$nodes" n1 192.0.2.11 2001:db8::11
mf_l2_node "$nodes" n2 192.0.2.12 2001:db8::12
mf_l2_node "$node3" n3 192.0.2.13 2001:db8::13
: >"$svcs"
svc "$svcs" web bgp-pool $SVC4
svc "$svcs" l2web l2-pool $L2A

for k in 1 2; do
	spk_start "n$k" "n$k" "$bgp" "$l2" "$nodes" "$svcs" -- --lb-interface kube-lb0 \
		--member-port "$L2_PORT" --metrics-address "127.0.0.1:$SPK_METRICS_PORT"
done
# n3: the converted BGP objects; the layer 2 Service's address is in no
# pool of its manifest, so it leaves it alone.
spk_start n3 n3 "$conv" "$node3" "$svcs" -- --lb-interface kube-lb0 \
	--member-port "$L2_PORT" --metrics-address "127.0.0.1:$SPK_METRICS_PORT"
sleep 1
spk_alive n1 && spk_alive n2 && spk_alive n3 ||
	die "a speaker exited: $(tail -n 3 "$(spk_log n1)") / $(tail -n 3 "$(spk_log n3)")"

sessions_up() {
	local k
	for k in 1 2 3; do peer_established tor "192.0.2.1$k" || return 1; done
}
wait_until 60 "three sessions Established" sessions_up &&
	ok "BIRD: iBGP sessions Established with n1, n2 (MetalLB) and n3 (converted)" ||
	die "sessions did not come up: n1 $(peer_state tor 192.0.2.11), n3 $(peer_state tor 192.0.2.13)"

# ---- (a) routes and attributes ----
check "BIRD has $SVC4/32 from n1 (MetalLB) and n3 (converted)" \
	wait_until 30 "routes" eval 'pa_has tor 192.0.2.11 $SVC4/32 && pa_has tor 192.0.2.13 $SVC4/32'
r1=$(pa_attrs tor 192.0.2.11 $SVC4/32)
r3=$(pa_attrs tor 192.0.2.13 $SVC4/32)
check "MetalLB: communities 1234:1 (alias vpn-only) 65000:100, large 65000:1:2, LOCAL_PREF 200 ($r1)" \
	test "$r1" = "$WANT"
check "converted: the same attributes ($r3)" test "$r3" = "$r1"
p1=$(peer_routes tor 192.0.2.11 4 | awk '{print $1}' | sort | tr '\n' ' ')
p3=$(peer_routes tor 192.0.2.13 4 | awk '{print $1}' | sort | tr '\n' ' ')
check "the same IPv4 routes from both ($p1/ $p3)" test "$p1" = "$p3"
check "... and only the BGP pool's Service: the layer 2 pool is not announced ($p1)" \
	test "$p1" = "$SVC4/32 "
check "n2 (MetalLB) gives the same attributes" \
	wait_until 10 "n2's route" pa_attrs_are tor 192.0.2.12 $SVC4/32 "$WANT"

# ---- (a) BFD with the BFDProfile's intervals ----
bfd_up_all() {
	local k
	for k in 1 2 3; do peer_bfd_up tor "192.0.2.1$k" || return 1; done
	spk_bfd_up n1 tor && spk_bfd_up n3 tor
}
check "BFD Up at BIRD for n1, n2, n3 and at the speakers n1 and n3 (peer tor)" \
	wait_until 20 "BFD Up" bfd_up_all
# The router transmits at max(its 100, the profile's receive 300) and
# detects in the profile's 4 x max(its receive 200, the profile's
# transmit 400) (RFC 5880 6.8.2, 6.8.4).
t1=$(peer_bfd_timers tor 192.0.2.11)
t3=$(peer_bfd_timers tor 192.0.2.13)
check "BIRD's timers toward n1 (BFDProfile fast): transmit 300 ms, detect 1600 ms ($t1)" test "$t1" = "300 1600"
check "... toward n3 (converted spec.bfd): the same ($t3)" test "$t3" = "$t1"
# The speaker: max(400, its 200); 3 x max(300, its 100).
s1="$(spk_bfd_up_tx_ms n1 tor) $(spk_bfd_detect_ms n1 tor)"
s3="$(spk_bfd_up_tx_ms n3 tor) $(spk_bfd_detect_ms n3 tor)"
check "speaker n1's timers: transmit 400 ms, detect 900 ms ($s1)" test "$s1" = "400 900"
check "speaker n3's: the same ($s3)" test "$s3" = "$s1"

# ---- (b) layer 2 ----
check "one node answers ARP for $L2A (l2_macs.py from obs)" \
	wait_until 20 "one MAC" l2_one_each 0.3 $L2A
O=none
wait_until 10 "an owner" eval 'O=$(l2_owner $L2A 0.5); [[ $O == n1 || $O == n2 ]]'
check "... n1 or n2 ($O)" eval '[[ $O == n1 || $O == n2 ]]'
owner_is() { [ "$(l2_owner $L2A 0.3)" = "$1" ]; }
check "... arping: one MAC" wait_until 10 "arping: one MAC" l2_one_by_tools $L2A
check "... the owner's kube-lb0 holds it, no other node's does" eval \
	'l2_has_lb "$O" $L2A && ! l2_has_lb "$([ "$O" = n1 ] && echo n2 || echo n1)" $L2A && ! l2_has_lb n3 $L2A'

# ---- (d) unsupported fields: one warning per object, at every load ----
c_red=$(note_count n1 "BGPPeer metallb-system/tor-red" 0)
c_l2=$(note_count n1 "L2Advertisement metallb-system/l2-adv" 0)
c_all=$(note_all n1 0)
nl_log "n1's notes: $(grep -v 'reload failed' "$(spk_log n1)" | grep -E ' metallb-system/[a-z0-9-]+: ' | head -n 4)"
check "n1's log at start: one line for BGPPeer tor-red ($c_red), one for L2Advertisement l2-adv ($c_l2), none else ($c_all in all)" \
	test "$c_red $c_l2 $c_all" = "1 1 2"
check "... the vrf line names the field" spk_log_has n1 'BGPPeer metallb-system/tor-red: spec\.vrf'
check "... the interfaces line names the field" \
	spk_log_has n1 'L2Advertisement metallb-system/l2-adv: spec\.interfaces'
check "the vrf peer is not peered: n1 never tries 192.0.2.4" \
	eval '! spk_log_has n1 "192\.0\.2\.4[^0-9]"'
check "... /metrics has peer tor, no peer tor-red" eval \
	'spk_metrics n1 >"$NL_DIR/n1.metrics" && grep -q "peer=\"tor\"" "$NL_DIR/n1.metrics" &&
	 ! grep -q "peer=\"tor-red\"" "$NL_DIR/n1.metrics"'

# ---- (b) the layer 2 pool as the converted Eip: the same answer ----
mark=$(spk_log_lines n1)
cat "$conv_l2" >"$l2"
spk_hup n1
spk_hup n2
check "the converted layer2 Eip replaces the MetalLB pool: n1 reloads" \
	wait_until 15 "reloaded" spk_log_has n1 "configuration reloaded" "$mark"
sleep 1
check "... one node answers ARP for $L2A" wait_until 10 "one MAC" l2_one_each 0.3 $L2A
check "... the same node, $O" wait_until 10 "owner $O" owner_is "$O"
n=$(loads n1 "$mark")
c_red=$(note_count n1 "BGPPeer metallb-system/tor-red" "$mark")
c_l2=$(note_count n1 "L2Advertisement metallb-system/l2-adv" "$mark")
check "... each load logged tor-red's line once ($c_red lines, $n loads), l2-adv's none (gone: $c_l2)" \
	eval '((n >= 1)) && [ "$c_red $c_l2" = "$n 0" ]'
ml_l2 "$l2"
mark=$(spk_log_lines n1)
spk_hup n1
spk_hup n2
check "MetalLB's layer 2 objects back: n1 reloads" \
	wait_until 15 "reloaded" spk_log_has n1 "configuration reloaded" "$mark"
check "... $L2A still answered by $O" wait_until 10 "owner $O" owner_is "$O"

# ---- (c) objects MetalLB would refuse: reported, nothing changes ----
ups=$(peer_ups tor 192.0.2.11)
# shellcheck disable=SC2034 # read in an eval
flaps=$(spk_bfd_flaps n1 tor)
while IFS='|' read -r how want; do
	mark=$(spk_log_lines n1)
	ml_bgp "$bgp" "$how"
	spk_hup n1
	check "bad input ($how): n1 logs file, line, object and field" \
		wait_until 15 "error logged" spk_log_has n1 \
		"reload failed, keeping the running configuration: $bgp:[0-9]+: $want" "$mark"
	sleep 1
	check "... n1 keeps running, no warning repeated (a refused load notes nothing)" \
		eval 'spk_alive n1 && [ "$(note_all n1 "$mark")" = 0 ]'
	check "... the route and its attributes stay at BIRD" \
		pa_attrs_are tor 192.0.2.11 $SVC4/32 "$WANT"
	check "... BFD Up, no flap, no session reset" eval \
		'spk_bfd_up n1 tor && peer_bfd_up tor 192.0.2.11 && [ "$(spk_bfd_flaps n1 tor)" = "$flaps" ] &&
		 [ "$(peer_ups tor 192.0.2.11)" = "$ups" ]'
	check "... $L2A still answered by $O" wait_until 10 "owner $O" owner_is "$O"
done <<'EOF'
cidr|IPAddressPool metallb-system/bgp-pool: spec\.addresses\[0\]: "203\.0\.113\.0/33"
overlap|IPAddressPool metallb-system/other-pool: spec\.addresses\[0\]: overlaps IPAddressPool metallb-system/bgp-pool
nopool|BGPAdvertisement metallb-system/bgp-adv: spec\.ipAddressPools\[1\]: no IPAddressPool "gone-pool"
EOF
mark=$(spk_log_lines n1)
ml_bgp "$bgp"
spk_hup n1
check "the corrected manifest loads again" \
	wait_until 15 "reloaded" spk_log_has n1 "configuration reloaded" "$mark"
check "... no session reset by bad input ($ups -> $(peer_ups tor 192.0.2.11))" \
	test "$(peer_ups tor 192.0.2.11)" = "$ups"

# ---- the end ----
for k in 1 2 3; do
	spk_stop "n$k"
	rc=$?
	check "SIGTERM: n$k exits 0 (got $rc)" test "$rc" -eq 0
done
check "BIRD has nothing left from n1" \
	wait_until 15 "withdrawn" eval '[ -z "$(peer_routes tor 192.0.2.11 4)" ]'
for k in 1 2 3; do
	r=$(grep -m1 -E "$SANITIZER_RE" "$(spk_log "n$k")")
	check "no sanitizer report in n$k's output${r:+: $r}" test -z "$r"
done
nl_finish
