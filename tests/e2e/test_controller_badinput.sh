#!/usr/bin/env bash
# berth controller and bad input: a malformed Eip is refused by the CRD
# (never reaches the controller); objects that reach it but do not decode
# are reported (Warning Event, log) and skipped while everything else
# keeps working. Exits 0 when every check passes.
. "$(dirname "$0")/../controller/lib.sh"

api_start
eip pool 192.0.2.0/28 default
ctl_start c1
check "controller ready" wait_for 15 ready c1

bad_eip() { # NAME ADDRESS-LINE...: kubectl must refuse it
	! k apply -f - <<EOF
apiVersion: network.kubesphere.io/v1alpha2
kind: Eip
metadata: {name: $1}
spec: $2
EOF
}
check "Eip with an unknown protocol: refused by the CRD" bad_eip bad1 '{address: 192.0.2.64/28, protocol: carrier-pigeon}'
check "Eip without an address: refused by the CRD" bad_eip bad2 '{protocol: bgp}'
check "  neither exists" test -z "$(k get eip -o name | grep bad)"

# Scoped IPv6 addresses pass the API server's check (Go's and Python's
# parsers accept a zone) but are no Service address.
svc z default lbip=fe80::1%eth0
check "unparsable loadBalancerIP: Warning Event" wait_for 10 has_event z default InvalidObject
check "  logged with kind, namespace and name" grep -q "Service default/z skipped" "$work/c1.log"
check "  no ingress" test -z "$(ips z)"
svc y default ip=not-an-address
check "garbage eip annotation: Warning Event" wait_for 10 sh -c "kubectl get events --field-selector involvedObject.name=y -o jsonpath='{.items[*].type}' | grep -qw Warning"
check "  no ingress" test -z "$(ips y)"
svc ok1
check "others keep working" wait_for 10 has_any_ip ok1

# An Eip the CRD schema lets through but the decoder refuses (a reversed
# range): reported on the Eip, the rest keeps working.
if k apply -f - >/dev/null 2>&1 <<EOF
apiVersion: network.kubesphere.io/v1alpha2
kind: Eip
metadata: {name: reversed}
spec: {address: 198.51.100.20-198.51.100.10}
EOF
then
	eip_warned() { k get events -A --field-selector involvedObject.name=reversed -o jsonpath='{.items[*].type}' | grep -qw Warning; }
	check "Eip that does not decode: Warning Event" wait_for 10 eip_warned
fi
# Issue 14's fields. The CRD refuses what one object's schema can say,
# naming the field; the decoder what needs the pool (an aggregate longer
# than the pool); the controller what needs another object (a BgpPeer
# name), once, on the Eip.
refused_with() { # FIELD SPEC: kubectl refuses the Eip, naming FIELD
	local out
	out=$(k apply -f - 2>&1 <<EOF
apiVersion: network.kubesphere.io/v1alpha2
kind: Eip
metadata: {name: bgpbad}
spec: $2
EOF
	) && return 1
	grep -qF -- "$1" <<<"$out" || { echo "    $out"; return 1; }
}
check "malformed community: refused by the CRD, naming the field" \
	refused_with spec.bgp.communities '{address: 198.51.100.64/28, bgp: {communities: ["65000:70000"]}}'
check "malformed large community: refused by the CRD" \
	refused_with spec.bgp.largeCommunities '{address: 198.51.100.64/28, bgp: {largeCommunities: ["1:2"]}}'
check "aggregationLength 33: refused by the CRD" \
	refused_with spec.bgp.aggregationLength '{address: 198.51.100.64/28, bgp: {aggregationLength: 33}}'
check "localPref out of range: refused by the CRD" \
	refused_with spec.bgp.localPref '{address: 198.51.100.64/28, bgp: {localPref: 4294967296}}'
check "  none exists" test -z "$(k get eip -o name | grep bgpbad)"
k apply -f - >/dev/null <<EOF
apiVersion: network.kubesphere.io/v1alpha2
kind: Eip
metadata: {name: shortagg}
spec: {address: 198.51.100.64/28, bgp: {aggregationLength: 24}}
EOF
short_warned() {
	k get events -A --field-selector involvedObject.name=shortagg,reason=InvalidObject \
		-o jsonpath='{.items[*].message}' | grep -qF "spec.bgp.aggregationLength"
}
check "aggregationLength shorter than the pool: Warning naming the field" wait_for 10 short_warned
k apply -f - >/dev/null <<EOF
apiVersion: network.kubesphere.io/v1alpha2
kind: BgpPeer
metadata: {name: tor1}
spec: {conf: {peerAs: 65001, neighborAddress: 192.0.2.254}}
---
apiVersion: network.kubesphere.io/v1alpha2
kind: Eip
metadata: {name: peered}
spec: {address: 198.51.100.128/28, bgp: {peers: [tor1, tor9]}}
EOF
unknown() { # COUNT: UnknownPeer Events on Eip peered naming tor9 (their count field summed)
	[ "$(k get events -A --field-selector involvedObject.name=peered,reason=UnknownPeer \
		-o jsonpath='{range .items[*]}{.count}{" "}{.message}{"\n"}{end}' |
		awk '/spec.bgp.peers\[1\]: no BgpPeer "tor9"/ && !/tor1"/ {n += ($1 ? $1 : 1)} END {print n + 0}')" = "$1" ]
}
check "Eip naming a BgpPeer that does not exist: one UnknownPeer Warning" wait_for 10 unknown 1
k annotate eip peered touched=1 >/dev/null
sleep 2
check "  told once, not at every update" unknown 1
check "  the pool is accepted all the same" wait_for 10 sh -c \
	"kubectl get eip peered -o jsonpath='{.status.ready}' | grep -qx true"
svc ok2
check "  others keep working" wait_for 10 has_any_ip ok2
check "  no address held twice" test -z "$(all_ips | awk '{print $1}' | sort | uniq -d)"
check "  metrics count the skipped objects" test "$(metric c1 'berth_controller_decode_errors_total{kind="Service"}')" -ge 1
check "the informers never stopped" ready c1
check "SIGTERM: exit 0" ctl_stop c1
summary
