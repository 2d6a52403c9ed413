#!/usr/bin/env bash
# Both daemons against an API server that lacks what they need: the
# stand-in with discovery.k8s.io/v1 turned off (--runtime-config, what a
# Kubernetes before 1.21 shows) and none of berth's CRDs installed. Each
# daemon logs one error per resource, naming its group/version/resource
# and what to do (the supported Kubernetes versions; the CRD and
# `kubectl apply -k deploy/`), keeps retrying with backoff without
# repeating it, and /readyz answers 503 with the reason. Installing the
# CRDs, then serving discovery.k8s.io/v1, makes both ready without a
# restart. MetalLB's metallb.io kinds, optional, are not served either:
# one info line per kind, no error, no effect on /readyz. The daemons
# find the stand-in through $KUBECONFIG. Exits 0
# when every check passes.
. "$(dirname "$0")/../controller/lib.sh"

mkdir -p "$work/api"
"$CTL_RUN" --dir "$work/api" --port 0 --daemon --runtime-config discovery.k8s.io/v1=false \
	>/dev/null || {
	echo "cannot start the API server stand-in"
	exit 1
}
ctl_start c1 --health-address 127.0.0.1:0
# No BgpConf: the speaker opens no BGP port; no interface is touched.
"$BERTH" speaker --node n1 --lb-interface none --health-address 127.0.0.1:0 \
	--log-level debug >>"$work/s1.log" 2>&1 &
CTL_PID[s1]=$!

probes() { # name: the port of its probes server
	grep -o 'probes (/healthz, /readyz) on [^ ]* (port [0-9]*' "$work/$1.log" | tail -1 |
		grep -o '[0-9]*$'
}
readyz() { curl -s "http://127.0.0.1:$(probes "$1")/readyz"; }
code() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(probes "$1")/readyz"; }
says() { # name text...: /readyz answers 503 with each text
	local name=$1 body
	shift
	[ "$(code "$name")" = 503 ] || return 1
	body=$(readyz "$name")
	for t in "$@"; do grep -qF -- "$t" <<<"$body" || return 1; done
}
errors() { # name resource: its error lines
	grep -cF "error k8s: the API server does not serve $2" "$work/$1.log"
}
retries() { # name kind: failed lists of that kind so far (debug lines)
	grep -c "k8s: list $2: the server could not find the requested resource" "$work/$1.log"
}
at_least() { [ "$("${@:2}")" -ge "$1" ]; }
is_ready() { [ "$(code "$1")" = 200 ]; }

check "speaker: /readyz 503, a resource not served" \
	wait_for 15 says s1 "not ready: the API server does not serve"
# Two of its CRDs are missing (eips, bgppeers): /readyz names the first
# the controller found missing, which may be either.
check "controller: /readyz 503, a CRD not installed, kubectl apply -k deploy/" \
	wait_for 15 says c1 ".network.kubesphere.io is not installed" "kubectl apply -k deploy/"
check "speaker: retrying the EndpointSlice list with backoff (4 tries)" \
	wait_for 15 at_least 4 retries s1 EndpointSlice
check "controller: retrying the Eip list with backoff (4 tries)" \
	wait_for 15 at_least 4 retries c1 Eip
check "speaker: one error for discovery.k8s.io/v1, naming the supported versions" eval \
	'[ "$(errors s1 "discovery.k8s.io/v1 endpointslices (Kubernetes 1.21 and later do): berth supports Kubernetes 1.21 or newer")" = 1 ]'
for r in bgpconfs bgppeers eips; do
	check "speaker: one error for the $r CRD" eval \
		"[ \"\$(errors s1 'network.kubesphere.io/v1alpha2 $r: the CustomResourceDefinition $r.network.kubesphere.io is not installed (\`kubectl apply -k deploy/\` installs it)')\" = 1 ]"
done
check "controller: one error each, for the eips and bgppeers CRDs" eval \
	'[ "$(grep -c "^[^ ]* error " "$work/c1.log")" = 2 ] && [ "$(errors c1 "network.kubesphere.io/v1alpha2 eips")" = 1 ] &&
	 [ "$(errors c1 "network.kubesphere.io/v1alpha2 bgppeers")" = 1 ]'
check "no bare 404 warnings at each retry" \
	bash -c "! grep -h ' warn .*could not find the requested resource' $work/s1.log $work/c1.log"

k apply -f "$CTL_ROOT/deploy/crds/" >/dev/null
check "CRDs installed: the controller gets ready" wait_for 40 is_ready c1
check "... and the speaker names only discovery.k8s.io/v1 endpointslices" \
	wait_for 40 eval 'says s1 "discovery.k8s.io/v1 endpointslices" && ! readyz s1 | grep -q more'
check "both log that the CRDs are served now" eval \
	'[ "$(grep -c "network.kubesphere.io/v1alpha2 .* is served now" "$work/s1.log")" = 3 ] &&
	 grep -q "network.kubesphere.io/v1alpha2 eips is served now" "$work/c1.log"'
# MetalLB's kinds are optional (docs/metallb.md): no CRD is no error and
# no reason to be unready, said once per kind in an info line.
mlb_lines() { # name: info lines about metallb.io not being served
	grep -cE "^[^ ]* info k8s: metallb.io/v1beta[12] [a-z0-9]+ is not served \(NotFound\): none read" "$work/$1.log"
}
check "metallb.io not served: one info line per kind each, no error or warning about it" eval \
	'[ "$(mlb_lines c1)" = 6 ] && [ "$(mlb_lines s1)" = 6 ] &&
	 ! grep -hE " (error|warn) .*metallb" "$work/s1.log" "$work/c1.log"'
check "... and /readyz never names it" eval '! readyz c1 | grep -q metallb && ! readyz s1 | grep -q metallb'
admin runtime-config discovery.k8s.io/v1=true
check "discovery.k8s.io/v1 served: the speaker gets ready" wait_for 40 is_ready s1
check "... and logs it" grep -q "discovery.k8s.io/v1 endpointslices is served now" "$work/s1.log"
check "SIGTERM: both exit 0" eval 'ctl_stop s1 && ctl_stop c1'
summary
