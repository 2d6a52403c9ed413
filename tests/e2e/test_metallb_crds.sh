#!/usr/bin/env bash
# deploy/metallb/ (MetalLB's metallb.io CRDs, written for berth) with real
# kubectl against the API server stand-in (tools/apiserver):
# `kubectl apply -k deploy/metallb/`; every example of MetalLB's
# documentation (tests/fixtures/metallb/docs/) applies, is stored exactly
# as written (plus MetalLB's defaults, nothing pruned) and applies again
# unchanged; hostile objects that MetalLB's CRDs or webhook refuse are
# refused with the field named (enums, ranges, Go durations, types, CEL
# rules, label selectors); accepted edges stay accepted; unknown fields
# are pruned; BGPPeer v1beta1 is served, deprecated and stored as
# v1beta2; enableGracefulRestart is immutable; the README's conversion
# patch for MetalLB's own BGPPeer CRD is accepted. Runs with kubectl 1.32
# (/usr/bin/kubectl, when installed) and Debian's 1.20. The stand-in
# serves no RBAC kinds: apply -k may fail on those only (their content is
# checked offline by test_deploy_manifests.sh). Exits 0 when every check
# passes.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
fixtures="$root/tests/fixtures/metallb/docs"
# shellcheck source=../lib/kubectl.sh
. "$root/tests/lib/kubectl.sh"
kube_init metallb-crds

# rejected FIELD PATH BODY [WANT]: POST answers 422 Invalid with a cause
# naming FIELD (and, with WANT, a cause message containing WANT).
rejected() {
	local field=$1 path=$2 body=$3 want=${4:-} out
	out=$(api POST "$path" "$body") || return 1
	$py - "$field" "$want" "$out" <<'EOF'
import json, sys
field, want, out = sys.argv[1], sys.argv[2], sys.argv[3]
code, _, body = out.partition(" ")
st = json.loads(body)
causes = (st.get("details") or {}).get("causes") or []
ok = code == "422" and st.get("reason") == "Invalid" and any(
    c.get("field") == field and want in c.get("message", "") for c in causes)
if not ok:
    print(f"want 422 naming {field} {want!r}, got {code}: {st.get('message')}")
sys.exit(0 if ok else 1)
EOF
}

accepted() { # PATH BODY: POST answers 201
	local out
	out=$(api POST "$1" "$2") || return 1
	[ "${out%% *}" = 201 ] && return 0
	echo "want 201, got: $out"
	return 1
}

NS=metallb-system
B1=/apis/metallb.io/v1beta1/namespaces/$NS
B2=/apis/metallb.io/v1beta2/namespaces/$NS
obj() { # apiVersion kind name spec-json
	printf '{"apiVersion":"metallb.io/%s","kind":"%s","metadata":{"name":"%s","namespace":"%s"},"spec":%s}' \
		"$1" "$2" "$3" "$NS" "$4"
}
P='"myASN":64500,"peerASN":64501,"peerAddress":"192.0.2.1"'

# same_as_fixture FIXTURE STORED-JSON: every object of the fixture is stored
# with every field as written; the only fields added are MetalLB's defaults.
same_as_fixture() {
	$py - "$1" "$2" <<'EOF'
import sys

sys.path.insert(0, "tests/lib")
from kube_objs import objs

DEFAULTS = {"metallb.io/v1beta1 IPAddressPool": {"autoAssign": True, "avoidBuggyIPs": False},
            "metallb.io/v1beta2 BGPPeer": {"peerPort": 179, "disableMP": False,
                                           "dualStackAddressFamily": False},
            "metallb.io/v1beta1 BGPAdvertisement": {"aggregationLength": 32,
                                                    "aggregationLengthV6": 128}}
errs = []

def sub(want, got, path, strict):
    """want's fields all in got with equal values; with strict, got has no others."""
    if isinstance(want, dict) and isinstance(got, dict):
        for k, v in want.items():
            if k not in got:
                errs.append(f"{path}.{k}: missing (pruned?)")
            else:
                sub(v, got[k], f"{path}.{k}", strict)
        if strict:
            for k in got.keys() - want.keys():
                errs.append(f"{path}.{k}: added")
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            errs.append(f"{path}: {want} != {got}")
        for i, (a, b) in enumerate(zip(want, got)):
            sub(a, b, f"{path}[{i}]", strict)
    elif want != got:
        errs.append(f"{path}: {want!r} != {got!r}")

stored = {(o["kind"], o["metadata"]["name"]): o for o in objs(sys.argv[2])}
for w in objs(sys.argv[1]):
    w["metadata"].get("annotations", {}).pop("berth.test/render", None)
    key = (w["kind"], w["metadata"]["name"])
    g = stored.get(key)
    if g is None:
        errs.append(f"{key}: not stored")
        continue
    metallb = w["apiVersion"].startswith("metallb.io/")
    # defaults apply inside a spec that is there (an absent spec stays absent)
    spec = w.get("spec") or {}
    if metallb and "spec" in w:
        spec = dict(DEFAULTS.get(f'{w["apiVersion"]} {w["kind"]}', {}), **spec)
    if metallb or g.get("spec") is not None:
        sub(spec, g.get("spec") or {}, f"{key}.spec", metallb)
    for part in ("labels", "annotations"):
        want = {k: v for k, v in (w["metadata"].get(part) or {}).items()}
        got = {k: v for k, v in (g["metadata"].get(part) or {}).items()
               if k != "kubectl.kubernetes.io/last-applied-configuration"}
        if want != got:
            errs.append(f"{key}.metadata.{part}: {want} != {got}")
for e in errs:
    print(e)
sys.exit(1 if errs else 0)
EOF
}

scenario() { # label kubectl-binary
	local kc=$2 K
	kube_scenario "$1" "$kc"
	kube_start || return

	# apply -k: the namespace and the six CRDs; the Roles and RoleBindings
	# only fail because the stand-in serves no RBAC.
	"${K[@]}" apply -k deploy/metallb/ >"$dir/apply-k.out" 2>&1
	check "apply -k deploy/metallb/ creates metallb-system and six CRDs" bash -c '
		grep -q "^namespace/metallb-system created" "$1" &&
		[ "$(grep -c "^customresourcedefinition.apiextensions.k8s.io/[a-z0-9]*\.metallb\.io created" "$1")" = 6 ]' \
		_ "$dir/apply-k.out"
	check "apply -k fails only on the RBAC kinds the stand-in does not serve" bash -c '
		bad=0
		while read -r line; do
			case $line in
			*" created" | *" configured" | *" unchanged" | "ensure CRDs are installed first") ;;
			*"no matches for kind \"Role\""* | *"no matches for kind \"RoleBinding\""*) ;;
			*) echo "unexpected: $line"; bad=1 ;;
			esac
		done <"$1"
		exit $bad' _ "$dir/apply-k.out"
	check "CRDs established" "${K[@]}" wait --for condition=established --timeout=20s \
		crd/ipaddresspools.metallb.io crd/bgppeers.metallb.io crd/bgpadvertisements.metallb.io \
		crd/l2advertisements.metallb.io crd/bfdprofiles.metallb.io crd/communities.metallb.io
	check "discovery: the six kinds, BGPPeer preferring v1beta2" bash -c '
		out=$("$@" api-resources --api-group=metallb.io --no-headers) || exit 1
		for k in "ipaddresspools +metallb.io/v1beta1 +true +IPAddressPool" \
			"bgppeers +metallb.io/v1beta2 +true +BGPPeer" \
			"bgpadvertisements +metallb.io/v1beta1 +true +BGPAdvertisement" \
			"l2advertisements +metallb.io/v1beta1 +true +L2Advertisement" \
			"bfdprofiles +metallb.io/v1beta1 +true +BFDProfile" \
			"communities +metallb.io/v1beta1 +true +Community"; do
			grep -Eq "^$k\$" <<<"$out" || { echo "missing: $k"; echo "$out"; exit 1; }
		done' _ "${K[@]}"
	check "BGPPeer v1beta1 served as well" has '"metallb.io/v1beta1"' api GET /apis/metallb.io
	check "again: nothing changes" bash -c '! "$@" apply -k deploy/metallb/ 2>/dev/null | grep -v unchanged' \
		_ "${K[@]}"

	# Every documentation example: applied, stored as written, unchanged
	# by a second apply, deleted.
	local f base n=0
	for f in "$fixtures"/*.yaml; do
		base=$(basename "$f" .yaml)
		n=$((n + 1))
		KUBECONFIG=/dev/null "$kc" annotate --local -f "$f" -o json berth.test/render=1 \
			>"$dir/want.json" 2>"$dir/want.err" || {
			failed=$((failed + 1))
			echo "FAIL [$label] $base: kubectl cannot read the fixture: $(cat "$dir/want.err")"
			continue
		}
		check "doc example $base applies" has ' (created|configured)' "${K[@]}" apply -f "$f"
		"${K[@]}" get -f "$f" -o json >"$dir/got.json" 2>/dev/null
		check "doc example $base stored as written" same_as_fixture "$dir/want.json" "$dir/got.json"
		# (kubectl says "configured" for a manifest with status or
		# creationTimestamp: null, as MetalLB's generator writes them; what
		# counts is that the objects do not change)
		check "doc example $base: apply again changes no object" env F="$f" bash -c '
			rvs() { "$@" get -f "$F" -o json 2>/dev/null | grep "\"resourceVersion\"" | sort; }
			before=$(rvs "$@") && "$@" apply -f "$F" >/dev/null 2>&1 && after=$(rvs "$@") &&
			[ -n "$before" ] && [ "$before" = "$after" ] || { echo "$before -> $after"; exit 1; }' \
			_ "${K[@]}"
		"${K[@]}" delete -f "$f" >/dev/null 2>&1
	done
	check "every fixture was tried ($n)" test "$n" -ge 60

	# The v1beta1 BGPPeer of MetalLB's v0.12 documentation: the deprecation
	# warning, stored as v1beta2, read back through both versions.
	check "v1beta1: kubectl shows the deprecation warning" \
		has 'Warning: metallb.io/v1beta1 BGPPeer is deprecated; use metallb.io/v1beta2 BGPPeer' \
		"${K[@]}" apply -f "$fixtures/v0.12-configuration-bgppeer-v1beta1.yaml"
	check "v1beta1 object read as v1beta2 (the preferred version)" \
		has '^metallb.io/v1beta2 64500 64501 10.0.0.1 1 180s test false$' "${K[@]}" -n $NS \
		get bgppeer peer-sample1 -o 'jsonpath={.apiVersion} {.spec.myASN} {.spec.peerASN} {.spec.peerAddress} {.spec.peerPort} {.spec.holdTime} {.spec.password} {.spec.disableMP}{"\n"}'
	check "v1beta1 view: v1beta2-only fields pruned from the answer" bash -c '
		out=$("$@" get bgppeers.v1beta1.metallb.io -n metallb-system peer-sample1 \
			-o "jsonpath={.apiVersion} {.spec}" 2>/dev/null) &&
		grep -q "^metallb.io/v1beta1 .*\"peerPort\":1" <<<"$out" &&
		! grep -Eq "disableMP|dualStackAddressFamily" <<<"$out" || { echo "$out"; exit 1; }' _ "${K[@]}"
	check "printer columns of BGPPeer" has '^NAME +ADDRESS +ASN +BFD PROFILE +MULTI HOPS +AGE$' \
		"${K[@]}" -n $NS get bgppeers
	check "printer column values" has '^peer-sample1 +10\.0\.0\.1 +64501 +' "${K[@]}" -n $NS get bgppeers
	"${K[@]}" apply -f "$fixtures/advanced-ipaddresspool-03-ipaddresspool.yaml" >/dev/null 2>&1
	check "printer columns of IPAddressPool" \
		has '^ippool-ns-service-alloc-sample +true +true +\["192\.168\.20\.0/24"\]' \
		"${K[@]}" -n $NS get ipaddresspools
	"${K[@]}" apply -f "$fixtures/configuration-09-bfdprofile.yaml" >/dev/null 2>&1
	check "printer columns of BFDProfile" has '^NAME +PASSIVE MODE +TRANSMIT INTERVAL +RECEIVE INTERVAL +MULTIPLIER +AGE$' \
		"${K[@]}" -n $NS get bfdprofiles
	check "printer column values of BFDProfile" has '^testbfdprofile +270 +380 +[0-9]+s$' \
		"${K[@]}" -n $NS get bfdprofiles

	# Hostile objects, refused naming the field (422 causes from the API).
	local name field path body want
	while IFS='|' read -r name field path body want; do
		[ -z "$name" ] && continue
		check "refused: $name" rejected "$field" "$path" "$body" "$want"
	done <<EOF
pool without addresses|spec.addresses|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{}')|Required value
pool without spec|spec|$B1/ipaddresspools|{"apiVersion":"metallb.io/v1beta1","kind":"IPAddressPool","metadata":{"name":"p"}}|Required value
pool with no address|spec.addresses|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":[]}')|at least 1 items
pool CIDR /33|spec.addresses[0]|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.0/33"]}')|anyOf
pool address foo|spec.addresses[0]|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["foo"]}')|anyOf
pool bare address|spec.addresses[1]|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.0/28","192.0.2.1"]}')|anyOf
pool range end 300|spec.addresses[0]|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.1-192.0.2.300"]}')|anyOf
pool netmask form|spec.addresses[0]|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.0/255.255.255.0"]}')|anyOf
pool address twice|spec.addresses[1]|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.0/28","192.0.2.0/28"]}')|Duplicate value
pool address a number|spec.addresses[0]|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":[19202]}')|must be of type string
pool autoAssign yes|spec.autoAssign|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.0/28"],"autoAssign":"yes"}')|must be of type boolean
pool avoidBuggyIPs 1|spec.avoidBuggyIPs|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.0/28"],"avoidBuggyIPs":1}')|must be of type boolean
pool priority high|spec.serviceAllocation.priority|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.0/28"],"serviceAllocation":{"priority":"high"}}')|must be of type integer
pool namespace twice|spec.serviceAllocation.namespaces[1]|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.0/28"],"serviceAllocation":{"namespaces":["a","a"]}}')|Duplicate value
pool selector operator Has|spec.serviceAllocation.namespaceSelectors[0].matchExpressions[0].operator|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.0/28"],"serviceAllocation":{"namespaceSelectors":[{"matchExpressions":[{"key":"a","operator":"Has"}]}]}}')|Unsupported value
pool selector In without values|spec.serviceAllocation.serviceSelectors[0].matchExpressions[0]|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.0/28"],"serviceAllocation":{"serviceSelectors":[{"matchExpressions":[{"key":"app","operator":"In","values":[]}]}]}}')|oneOf
pool selector Exists with values|spec.serviceAllocation.serviceSelectors[0].matchExpressions[0]|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.0/28"],"serviceAllocation":{"serviceSelectors":[{"matchExpressions":[{"key":"app","operator":"Exists","values":["x"]}]}]}}')|oneOf
pool selector label value with a space|spec.serviceAllocation.serviceSelectors[0].matchLabels.app|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.0/28"],"serviceAllocation":{"serviceSelectors":[{"matchLabels":{"app":"a b"}}]}}')|should match
pool selector key -a|spec.serviceAllocation.serviceSelectors[0].matchExpressions[0].key|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool p '{"addresses":["192.0.2.0/28"],"serviceAllocation":{"serviceSelectors":[{"matchExpressions":[{"key":"-a","operator":"Exists"}]}]}}')|should match
peer myASN 0|spec.myASN|$B2/bgppeers|$(obj v1beta2 BGPPeer x '{"myASN":0,"peerASN":1,"peerAddress":"192.0.2.1"}')|greater than or equal to 1
peer myASN 2^32|spec.myASN|$B2/bgppeers|$(obj v1beta2 BGPPeer x '{"myASN":4294967296,"peerASN":1,"peerAddress":"192.0.2.1"}')|less than or equal to 4294967295
peer myASN as string|spec.myASN|$B2/bgppeers|$(obj v1beta2 BGPPeer x '{"myASN":"64500","peerASN":1,"peerAddress":"192.0.2.1"}')|must be of type integer
peer without myASN|spec.myASN|$B2/bgppeers|$(obj v1beta2 BGPPeer x '{"peerASN":1,"peerAddress":"192.0.2.1"}')|Required value
peer peerASN -1|spec.peerASN|$B2/bgppeers|$(obj v1beta2 BGPPeer x '{"myASN":1,"peerASN":-1,"peerAddress":"192.0.2.1"}')|greater than or equal to 0
peer localASN 0|spec.localASN|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"localASN\":0}")|greater than or equal to 1
peer dynamicASN both|spec.dynamicASN|$B2/bgppeers|$(obj v1beta2 BGPPeer x '{"myASN":1,"dynamicASN":"both","peerAddress":"192.0.2.1"}')|supported values: "internal", "external"
peer without peerASN or dynamicASN|spec|$B2/bgppeers|$(obj v1beta2 BGPPeer x '{"myASN":1,"peerAddress":"192.0.2.1"}')|one of peerASN and dynamicASN is required
peer peerASN 0 counts as absent|spec|$B2/bgppeers|$(obj v1beta2 BGPPeer x '{"myASN":1,"peerASN":0,"peerAddress":"192.0.2.1"}')|one of peerASN and dynamicASN is required
peer peerASN and dynamicASN|spec|$B2/bgppeers|$(obj v1beta2 BGPPeer x '{"myASN":1,"peerASN":2,"dynamicASN":"external","peerAddress":"192.0.2.1"}')|mutually exclusive
peer without address or interface|spec|$B2/bgppeers|$(obj v1beta2 BGPPeer x '{"myASN":1,"peerASN":2}')|one of peerAddress and interface is required
peer address and interface|spec|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"interface\":\"eth0\"}")|peerAddress and interface are mutually exclusive
peer address 10.0.0.300|spec.peerAddress|$B2/bgppeers|$(obj v1beta2 BGPPeer x '{"myASN":1,"peerASN":2,"peerAddress":"10.0.0.300"}')|anyOf
peer sourceAddress x|spec.sourceAddress|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"sourceAddress\":\"x\"}")|anyOf
peer routerID 1.2.3|spec.routerID|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"routerID\":\"1.2.3\"}")|anyOf
peer port 0|spec.peerPort|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"peerPort\":0}")|greater than or equal to 1
peer port 16385|spec.peerPort|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"peerPort\":16385}")|less than or equal to 16384
peer holdTime 90 without unit|spec.holdTime|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"holdTime\":\"90\"}")|should match
peer holdTime 1d|spec.holdTime|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"holdTime\":\"1d\"}")|should match
peer holdTime a number|spec.holdTime|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"holdTime\":90}")|must be of type string
peer holdTime 2s|spec.holdTime|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"holdTime\":\"2s\"}")|must be 0 or at least 3s
peer holdTime 2.9s|spec.holdTime|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"holdTime\":\"2.9s\"}")|must be 0 or at least 3s
peer holdTime negative|spec.holdTime|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"holdTime\":\"-90s\"}")|should match
peer keepalive above hold|spec|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"holdTime\":\"9s\",\"keepaliveTime\":\"10s\"}")|keepaliveTime must not be longer than holdTime
peer keepalive 500ms alone|spec|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"keepaliveTime\":\"500ms\"}")|3 x keepaliveTime
peer connectTime 0s|spec.connectTime|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"connectTime\":\"0s\"}")|between 1 seconds to 65535
peer connectTime 65536s|spec.connectTime|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"connectTime\":\"65536s\"}")|between 1 seconds to 65535
peer connectTime 1500ms|spec.connectTime|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"connectTime\":\"1500ms\"}")|whole number of seconds
peer ebgpMultiHop on iBGP|spec|$B2/bgppeers|$(obj v1beta2 BGPPeer x '{"myASN":1,"peerASN":1,"peerAddress":"192.0.2.1","ebgpMultiHop":true}')|ebgpMultiHop is for eBGP peers
peer password and passwordSecret|spec|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"password\":\"s\",\"passwordSecret\":{\"name\":\"bgp\"}}")|password and passwordSecret are mutually exclusive
peer password of 81 bytes|spec.password|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"password\":\"$(printf 'x%.0s' $(seq 81))\"}")|at most 80 chars
peer passwordSecret a string|spec.passwordSecret|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"passwordSecret\":\"bgp\"}")|must be of type object
peer gracefulRestart as string|spec.enableGracefulRestart|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"enableGracefulRestart\":\"true\"}")|must be of type boolean
peer disableMP no|spec.disableMP|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"disableMP\":\"no\"}")|must be of type boolean
peer node selector operator|spec.nodeSelectors[0].matchExpressions[0].operator|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"nodeSelectors\":[{\"matchExpressions\":[{\"key\":\"rack\",\"operator\":\"Has\"}]}]}")|Unsupported value
peer node selectors not a list|spec.nodeSelectors|$B2/bgppeers|$(obj v1beta2 BGPPeer x "{$P,\"nodeSelectors\":{\"matchLabels\":{\"a\":\"b\"}}}")|must be of type array
v1beta1 peer without peerASN|spec.peerASN|$B1/bgppeers|$(obj v1beta1 BGPPeer x '{"myASN":1,"peerAddress":"192.0.2.1"}')|Required value
v1beta1 peer without peerAddress|spec.peerAddress|$B1/bgppeers|$(obj v1beta1 BGPPeer x '{"myASN":1,"peerASN":2}')|Required value
v1beta1 peer empty peerAddress|spec.peerAddress|$B1/bgppeers|$(obj v1beta1 BGPPeer x '{"myASN":1,"peerASN":2,"peerAddress":""}')|anyOf
v1beta1 peer peerASN 0|spec.peerASN|$B1/bgppeers|$(obj v1beta1 BGPPeer x '{"myASN":1,"peerASN":0,"peerAddress":"192.0.2.1"}')|greater than or equal to 1
v1beta1 peer port 16385|spec.peerPort|$B1/bgppeers|$(obj v1beta1 BGPPeer x "{$P,\"peerPort\":16385}")|less than or equal to 16384
v1beta1 peer expression without values|spec.nodeSelectors[0].matchExpressions[0].values|$B1/bgppeers|$(obj v1beta1 BGPPeer x "{$P,\"nodeSelectors\":[{\"matchExpressions\":[{\"key\":\"rack\",\"operator\":\"In\"}]}]}")|Required value
v1beta1 peer holdTime 2s|spec.holdTime|$B1/bgppeers|$(obj v1beta1 BGPPeer x "{$P,\"holdTime\":\"2s\"}")|must be 0 or at least 3s
v1beta1 peer keepalive above hold|spec|$B1/bgppeers|$(obj v1beta1 BGPPeer x "{$P,\"holdTime\":\"9s\",\"keepaliveTime\":\"10s\"}")|keepaliveTime must not be longer than holdTime
adv aggregationLength 0|spec.aggregationLength|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"aggregationLength":0}')|greater than or equal to 1
adv aggregationLength 33|spec.aggregationLength|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"aggregationLength":33}')|less than or equal to 32
adv aggregationLengthV6 129|spec.aggregationLengthV6|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"aggregationLengthV6":129}')|less than or equal to 128
adv aggregationLengthV6 -1|spec.aggregationLengthV6|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"aggregationLengthV6":-1}')|greater than or equal to 0
adv localPref -1|spec.localPref|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"localPref":-1}')|greater than or equal to 0
adv localPref 2^32|spec.localPref|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"localPref":4294967296}')|less than or equal to 4294967295
adv localPref as string|spec.localPref|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"localPref":"100"}')|must be of type integer
adv community 65536:1|spec.communities[1]|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"communities":["65535:65282","65536:1"]}')|should match
adv community 1:|spec.communities[0]|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"communities":["1:"]}')|should match
adv community no-export:1|spec.communities[0]|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"communities":["no-export:1"]}')|should match
adv large community without large:|spec.communities[0]|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"communities":["1:2:3:4"]}')|should match
adv large community 2^32|spec.communities[0]|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"communities":["large:1:2:4294967296"]}')|should match
adv community twice|spec.communities[1]|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"communities":["1:2","1:2"]}')|Duplicate value
adv community empty|spec.communities[0]|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"communities":[""]}')|at least 1 chars
adv pool named twice|spec.ipAddressPools[1]|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"ipAddressPools":["p","p"]}')|Duplicate value
adv peer named twice|spec.peers[1]|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"peers":["r","r"]}')|Duplicate value
adv serviceSelectors with aggregation 24|spec|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"aggregationLength":24,"serviceSelectors":[{"matchLabels":{"a":"b"}}]}')|serviceSelectors and aggregationLength are mutually exclusive
adv pool selector operator|spec.ipAddressPoolSelectors[0].matchExpressions[0].operator|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement a '{"ipAddressPoolSelectors":[{"matchExpressions":[{"key":"a","operator":"in","values":["b"]}]}]}')|Unsupported value
l2 interfaces a string|spec.interfaces|$B1/l2advertisements|$(obj v1beta1 L2Advertisement l '{"interfaces":"eth0"}')|must be of type array
l2 pool named twice|spec.ipAddressPools[1]|$B1/l2advertisements|$(obj v1beta1 L2Advertisement l '{"ipAddressPools":["p","p"]}')|Duplicate value
l2 preference weight 0|spec.preferredNodeSelectors[0].weight|$B1/l2advertisements|$(obj v1beta1 L2Advertisement l '{"preferredNodeSelectors":[{"weight":0,"preference":{}}]}')|greater than or equal to 1
l2 preference weight 101|spec.preferredNodeSelectors[0].weight|$B1/l2advertisements|$(obj v1beta1 L2Advertisement l '{"preferredNodeSelectors":[{"weight":101,"preference":{}}]}')|less than or equal to 100
l2 preference without selector|spec.preferredNodeSelectors[0].preference|$B1/l2advertisements|$(obj v1beta1 L2Advertisement l '{"preferredNodeSelectors":[{"weight":5}]}')|Required value
l2 node selector value bad|spec.nodeSelectors[0].matchExpressions[0].values[0]|$B1/l2advertisements|$(obj v1beta1 L2Advertisement l '{"nodeSelectors":[{"matchExpressions":[{"key":"a","operator":"In","values":["-x"]}]}]}')|should match
bfd receiveInterval 9|spec.receiveInterval|$B1/bfdprofiles|$(obj v1beta1 BFDProfile b '{"receiveInterval":9}')|greater than or equal to 10
bfd receiveInterval 60001|spec.receiveInterval|$B1/bfdprofiles|$(obj v1beta1 BFDProfile b '{"receiveInterval":60001}')|less than or equal to 60000
bfd transmitInterval 5|spec.transmitInterval|$B1/bfdprofiles|$(obj v1beta1 BFDProfile b '{"transmitInterval":5}')|greater than or equal to 10
bfd detectMultiplier 1|spec.detectMultiplier|$B1/bfdprofiles|$(obj v1beta1 BFDProfile b '{"detectMultiplier":1}')|greater than or equal to 2
bfd detectMultiplier 256|spec.detectMultiplier|$B1/bfdprofiles|$(obj v1beta1 BFDProfile b '{"detectMultiplier":256}')|less than or equal to 255
bfd echoInterval 70000|spec.echoInterval|$B1/bfdprofiles|$(obj v1beta1 BFDProfile b '{"echoInterval":70000}')|less than or equal to 60000
bfd minimumTtl 0|spec.minimumTtl|$B1/bfdprofiles|$(obj v1beta1 BFDProfile b '{"minimumTtl":0}')|greater than or equal to 1
bfd minimumTtl 255|spec.minimumTtl|$B1/bfdprofiles|$(obj v1beta1 BFDProfile b '{"minimumTtl":255}')|less than or equal to 254
bfd interval 300.5|spec.receiveInterval|$B1/bfdprofiles|$(obj v1beta1 BFDProfile b '{"receiveInterval":300.5}')|must be of type integer
bfd echoMode on|spec.echoMode|$B1/bfdprofiles|$(obj v1beta1 BFDProfile b '{"echoMode":"on"}')|must be of type boolean
community value 65536:1|spec.communities[0].value|$B1/communities|$(obj v1beta1 Community c '{"communities":[{"name":"a","value":"65536:1"}]}')|should match
community value no-export|spec.communities[0].value|$B1/communities|$(obj v1beta1 Community c '{"communities":[{"name":"a","value":"no-export"}]}')|should match
community without name|spec.communities[0].name|$B1/communities|$(obj v1beta1 Community c '{"communities":[{"value":"1:2"}]}')|Required value
community without value|spec.communities[0].value|$B1/communities|$(obj v1beta1 Community c '{"communities":[{"name":"a"}]}')|Required value
community name twice|spec.communities[1]|$B1/communities|$(obj v1beta1 Community c '{"communities":[{"name":"a","value":"1:2"},{"name":"a","value":"3:4"}]}')|Duplicate value
EOF

	# kubectl shows the field and the message (CEL and OpenAPI alike).
	check "kubectl: holdTime 2s names the field" \
		fails_with 'spec\.holdTime: Invalid value: "2s": must be 0 or at least 3s' \
		"${K[@]}" apply -f - <<<"$(obj v1beta2 BGPPeer bad-hold "{$P,\"holdTime\":\"2s\"}")"
	check "kubectl: bad enum names the field" \
		fails_with 'spec\.dynamicASN: Unsupported value: "both"' \
		"${K[@]}" apply -f - <<<"$(obj v1beta2 BGPPeer bad-dyn '{"myASN":1,"dynamicASN":"both","peerAddress":"192.0.2.1"}')"
	check "kubectl: nothing created" fails_with 'NotFound|not found' "${K[@]}" -n $NS get bgppeer bad-hold

	# Accepted edges: what MetalLB accepts stays accepted.
	local b
	while IFS='|' read -r name path b; do
		[ -z "$name" ] && continue
		check "accepted: $name" accepted "$path" "$b"
	done <<EOF
peer dynamicASN with peerASN 0|$B2/bgppeers|$(obj v1beta2 BGPPeer e1 '{"myASN":64500,"peerASN":0,"dynamicASN":"internal","peerAddress":"2001:db8::1"}')
peer unnumbered, empty peerAddress|$B2/bgppeers|$(obj v1beta2 BGPPeer e2 '{"myASN":64500,"dynamicASN":"external","peerAddress":"","interface":"eth1"}')
peer timers 0s and sub-second hold|$B2/bgppeers|$(obj v1beta2 BGPPeer e3 "{$P,\"holdTime\":\"0s\",\"keepaliveTime\":\"0s\",\"connectTime\":\"1s\"}")
peer timers 500ms hold (rounds to 0)|$B2/bgppeers|$(obj v1beta2 BGPPeer e4 "{$P,\"holdTime\":\"500ms\",\"keepaliveTime\":\"100ms\"}")
peer timers 1m30s, +30s, 65535s|$B2/bgppeers|$(obj v1beta2 BGPPeer e5 "{$P,\"holdTime\":\"1m30s\",\"keepaliveTime\":\"+30s\",\"connectTime\":\"65535s\"}")
peer keepalive 1s alone (hold 3s)|$B2/bgppeers|$(obj v1beta2 BGPPeer e6 "{$P,\"keepaliveTime\":\"1s\"}")
peer keepalive 333ms alone (hold 0)|$B2/bgppeers|$(obj v1beta2 BGPPeer e7 "{$P,\"keepaliveTime\":\"333ms\"}")
peer AS edges, port edges|$B2/bgppeers|$(obj v1beta2 BGPPeer e8 '{"myASN":4294967295,"peerASN":1,"localASN":4294967295,"peerAddress":"192.0.2.2","peerPort":16384,"routerID":"192.0.2.9","sourceAddress":"2001:db8::2"}')
peer passwordSecret empty (the generator's output)|$B2/bgppeers|$(obj v1beta2 BGPPeer e9 "{$P,\"passwordSecret\":{},\"password\":\"$(printf 'x%.0s' $(seq 80))\"}")
peer every field|$B2/bgppeers|$(obj v1beta2 BGPPeer e10 '{"myASN":64500,"peerASN":64501,"peerAddress":"192.0.2.3","sourceAddress":"192.0.2.4","peerPort":179,"holdTime":"90s","keepaliveTime":"30s","connectTime":"10s","routerID":"192.0.2.5","nodeSelectors":[{"matchLabels":{"rack":"r1"},"matchExpressions":[{"key":"kubernetes.io/hostname","operator":"NotIn","values":["n1"]},{"key":"gpu","operator":"DoesNotExist"}]}],"passwordSecret":{"name":"bgp","namespace":"metallb-system"},"bfdProfile":"fast","enableGracefulRestart":true,"ebgpMultiHop":true,"vrf":"red","disableMP":true,"dualStackAddressFamily":true}')
v1beta1 peer port 0|$B1/bgppeers|$(obj v1beta1 BGPPeer e11 "{$P,\"peerPort\":0}")
pool ranges, IPv6, spaces, leading zeros of ParseCIDRSloppy|$B1/ipaddresspools|$(obj v1beta1 IPAddressPool e1 '{"addresses":["192.0.2.10-192.0.2.20","2001:db8::1-2001:db8::ff"," 198.51.100.1 - 198.51.100.9 ","2001:db8:1::/64","203.0.113.7/32","203.0.113.016/28"],"serviceAllocation":{"priority":-5,"namespaces":["a"],"namespaceSelectors":[{}]}}')
adv lengths at the edges, communities|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement e1 '{"aggregationLength":1,"aggregationLengthV6":0,"localPref":4294967295,"communities":["0:0","65535:65535","0065535:065535","large:4294967295:0:1","NO_ADVERTISE","a:b:c","x:y:z:w:v"]}')
adv serviceSelectors with host lengths|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement e2 '{"aggregationLength":32,"aggregationLengthV6":128,"serviceSelectors":[{"matchLabels":{"environment":"production"}}]}')
adv empty spec|$B1/bgpadvertisements|$(obj v1beta1 BGPAdvertisement e3 '{}')
l2 preferences at the edges|$B1/l2advertisements|$(obj v1beta1 L2Advertisement e1 '{"interfaces":["eth0","eth0"],"preferredNodeSelectors":[{"weight":1,"preference":{}},{"weight":100,"preference":{"matchLabels":{"zone":"primary"}}}]}')
bfd at the edges|$B1/bfdprofiles|$(obj v1beta1 BFDProfile e1 '{"receiveInterval":10,"transmitInterval":60000,"detectMultiplier":2,"echoInterval":10,"echoMode":true,"passiveMode":false,"minimumTtl":254}')
bfd at the other edges|$B1/bfdprofiles|$(obj v1beta1 BFDProfile e2 '{"receiveInterval":60000,"transmitInterval":10,"detectMultiplier":255,"echoInterval":60000,"minimumTtl":1}')
community values|$B1/communities|$(obj v1beta1 Community e1 '{"communities":[{"name":"vpn-only","value":"1234:1"},{"name":"big","value":"large:4294967295:1:0"},{"name":"z","value":"00:065535"}]}')
EOF
	check "v1beta1: a v1beta2-only field is unknown there, and pruned" has '^201 ' api POST "$B1/bgppeers" \
		"$(obj v1beta1 BGPPeer e12 "{$P,\"vrf\":\"red\"}")"
	check "  not stored" lacks 'red' "${K[@]}" -n $NS get bgppeer e12 -o json
	check "accepted peer keeps every field" has '^red true true true fast 10s$' "${K[@]}" -n $NS \
		get bgppeer e10 -o 'jsonpath={.spec.vrf} {.spec.disableMP} {.spec.dualStackAddressFamily} {.spec.enableGracefulRestart} {.spec.bfdProfile} {.spec.connectTime}{"\n"}'

	# enableGracefulRestart cannot change once set (a transition rule).
	check "enableGracefulRestart cannot be changed" \
		fails_with 'spec\.enableGracefulRestart: Invalid value: false: EnableGracefulRestart cannot be changed after creation' \
		"${K[@]}" -n $NS patch bgppeer e10 --type=merge -p '{"spec":{"enableGracefulRestart":false}}'
	check "other fields of that peer still change" has 'patched' \
		"${K[@]}" -n $NS patch bgppeer e10 --type=merge -p '{"spec":{"holdTime":"60s"}}'
	check "enableGracefulRestart may be set where it was absent" has 'patched' \
		"${K[@]}" -n $NS patch bgppeer e3 --type=merge -p '{"spec":{"enableGracefulRestart":true}}'

	# Unknown fields: pruned as MetalLB's CRDs prune them, or refused when
	# strict.
	check "apply --validate=false with unknown fields creates it" has 'created' \
		"${K[@]}" apply --validate=false -f - \
		<<<"$(obj v1beta1 IPAddressPool pruned '{"addresses":["192.0.2.64/28"],"bogus":1,"serviceAllocation":{"priority":1,"extra":{"a":1}}}')"
	check "unknown fields were pruned" lacks 'bogus|extra' "${K[@]}" -n $NS get ipaddresspool pruned \
		-o 'jsonpath={.spec}'
	check "  and MetalLB's defaults were set" has '"autoAssign":true' "${K[@]}" -n $NS \
		get ipaddresspool pruned -o 'jsonpath={.spec}'
	check "known fields were kept" has '^\["192\.0\.2\.64/28"\] 1$' "${K[@]}" -n $NS get ipaddresspool pruned \
		-o 'jsonpath={.spec.addresses} {.spec.serviceAllocation.priority}{"\n"}'
	check "strict field validation names the unknown field" has '^400 .*unknown field \\"spec\.bogus\\"' \
		api POST "$B1/ipaddresspools?fieldValidation=Strict" \
		"$(obj v1beta1 IPAddressPool strict '{"addresses":["192.0.2.80/28"],"bogus":1}')"
	check "status through /status, spec untouched" has '^200 ' api PATCH "$B1/ipaddresspools/pruned/status" \
		'{"status":{"assignedIPv4":3,"availableIPv4":13,"junk":1}}' application/merge-patch+json
	check "status kept, unknown status field pruned" has '^3 13 $' "${K[@]}" -n $NS get ipaddresspool pruned \
		-o 'jsonpath={.status.assignedIPv4} {.status.availableIPv4} {.status.junk}{"\n"}'

	# MetalLB's own BGPPeer CRD converts through MetalLB's webhook, which is
	# gone once MetalLB is: deploy/metallb/README.md patches it to None. The
	# API server refuses None while the webhook block stays, and takes the
	# README's patch.
	check "a CRD converting through a webhook (as MetalLB's)" has 'patched' \
		"${K[@]}" patch crd bgppeers.metallb.io --type=merge -p \
		'{"spec":{"conversion":{"strategy":"Webhook","webhook":{"conversionReviewVersions":["v1"],"clientConfig":{"service":{"name":"metallb-webhook-service","namespace":"metallb-system","path":"/convert"}}}}}}'
	check "strategy None alone is refused while the webhook block stays" \
		fails_with 'spec\.conversion\.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook' \
		"${K[@]}" patch crd bgppeers.metallb.io --type=merge -p '{"spec":{"conversion":{"strategy":"None"}}}'
	check "the README's patch switches it to None" has 'patched' \
		"${K[@]}" patch crd bgppeers.metallb.io --type=merge -p \
		"$(sed -n "s/^kubectl patch crd bgppeers.metallb.io --type=merge -p '\(.*\)'\$/\1/p" deploy/metallb/README.md)"
	check "conversion is None" has '^None$' "${K[@]}" get crd bgppeers.metallb.io -o 'jsonpath={.spec.conversion.strategy}{"\n"}'

	"$run" stop --dir "$dir" >/dev/null
}

kube_scenarios metallb-crds
