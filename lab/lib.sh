# shellcheck shell=bash
# The cluster lab's building blocks, shared by lab/run, tests/e2e/test_lab.sh
# (through lab/run) and bench/e2e. Source tests/lib/e2e.sh first and call
# nl_setup: everything here lives in that run's namespaces and $NL_DIR, so
# the harness's cleanup removes it.
#
#   client 198.51.100.2
#     |
#   router 198.51.100.1 / br0 192.0.2.1   BIRD AS 65000 (ECMP into the
#     |                                   kernel), the API server stand-in
#     |                                   on 192.0.2.1:6443, berth controller
#   +-+------------+------------+
#   n1 192.0.2.11  n2 192.0.2.12  n3 192.0.2.13   berth speaker (AS 65001)
#                                                 and a web server each
#
#   lab_net N                  the namespaces, links and BIRD
#   lab_api                    the stand-in (or $LAB_APISERVER); sets LAB_KC,
#                              k() runs kubectl
#   lab_cluster_objects POOL   CRDs, Eip POOL, BgpConf, BgpPeer, Nodes
#   lab_service NAME POLICY    a LoadBalancer Service (Cluster or Local)
#   lab_slice SVC NODE...      its EndpointSlice: one ready pod per NODE
#   lab_controller NAME        berth controller --leader-elect in the router
#   lab_speakers N             berth speaker --kubeconfig on n1..nN
#   lab_httpd N                a web server on 0.0.0.0:80 per node
#   lab_hops ADDR              the router's FIB next hops for ADDR/32
#   lab_ip SVC                 the Service's EXTERNAL-IP (empty: none yet)
#   lab_spread URL COUNT       COUNT requests from the client: "count node"
#   lab_wait_hops_ms T0 ADDR WANT MS   milliseconds until the route follows

LAB_N=3
LAB_API_ADDR=192.0.2.1
LAB_API_PORT=6443

lab_net() {
	local n=$1 i
	LAB_N=$n
	nl_host router client
	nl_bridge router br0
	nl_addr router br0 192.0.2.1/24
	nl_forwarding router
	# Hash on ports too (L4), or one client's flows all take one path.
	nl_x router sysctl -qw net.ipv4.fib_multipath_hash_policy=1
	nl_link router client
	nl_addr router to-client 198.51.100.1/24
	nl_addr client to-router 198.51.100.2/24
	nl_route client default via 198.51.100.1
	for ((i = 1; i <= n; i++)); do
		nl_host "n$i"
		nl_link router "n$i" "p$i" to-r
		nl_enslave router br0 "p$i"
		nl_addr "n$i" to-r "192.0.2.1$i/24"
		nl_route "n$i" default via 192.0.2.1
		peer_neighbor router "192.0.2.1$i" 65001
	done
	peer_start bird router 65000 192.0.2.1 fib=1
}

# kubectl inside the router's namespace (where the API server listens),
# with its cache in the run's directory so nothing is left in ~/.kube.
k() {
	nl_x router kubectl --kubeconfig "$LAB_KC" --cache-dir "$NL_DIR/kube-cache" \
		--request-timeout=20s "$@"
}

lab_api() {
	LAB_API_DIR=$NL_DIR/api
	LAB_KC=$LAB_API_DIR/kubeconfig
	nl_x router "${LAB_APISERVER:-$E2E_LIB_DIR/../../tools/apiserver/run}" --dir "$LAB_API_DIR" \
		--bind "$LAB_API_ADDR" --port "$LAB_API_PORT" --daemon --bookmark-interval 5 \
		>"$NL_DIR/api.out" 2>&1 || die "API server stand-in: $(tail -n 5 "$NL_DIR/api.out")"
	wait_until 20 "API server" k get ns || die "the API server stand-in does not answer"
}

# lab_cluster_objects POOL: what an administrator applies once.
lab_cluster_objects() {
	local pool=$1 i
	k apply -f "$E2E_LIB_DIR/../../deploy/crds/" >/dev/null || die "kubectl apply CRDs"
	wait_until 20 "CRDs served" k get eips || die "CRDs not served"
	k apply -f - >/dev/null <<YAML || die "kubectl apply Eip, BgpConf, BgpPeer"
apiVersion: network.kubesphere.io/v1alpha2
kind: Eip
metadata:
  name: lab-pool
  annotations: {eip.openelb.kubesphere.io/is-default-eip: "true"}
spec: {address: $pool, protocol: bgp}
---
apiVersion: network.kubesphere.io/v1alpha2
kind: BgpConf
metadata: {name: default}
spec: {as: 65001, listenPort: 17900}
---
apiVersion: network.kubesphere.io/v1alpha2
kind: BgpPeer
metadata: {name: router}
spec:
  conf: {peerAs: 65000, neighborAddress: 192.0.2.1}
  timers: {config: {holdTime: "3", keepaliveInterval: "1", connectRetry: "2"}}
YAML
	for ((i = 1; i <= LAB_N; i++)); do
		k apply -f - >/dev/null <<YAML || die "kubectl apply Node n$i"
apiVersion: v1
kind: Node
metadata:
  name: n$i
  labels: {kubernetes.io/hostname: n$i}
YAML
		# No kubelet posts the Node's status: write its address the way
		# one would (the speaker takes its router id from it).
		k patch node "n$i" --subresource=status --type=merge -p \
			"{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"192.0.2.1$i\"}]}}" \
			>/dev/null || die "Node n$i status"
	done
}

lab_service() { # NAME POLICY
	k apply -f - >/dev/null <<YAML || die "kubectl apply Service $1"
apiVersion: v1
kind: Service
metadata:
  name: $1
  namespace: default
  annotations: {protocol.openelb.kubesphere.io/v1alpha1: bgp}
spec:
  type: LoadBalancer
  externalTrafficPolicy: $2
  selector: {app: $1}
  ports: [{name: http, port: 80, protocol: TCP}]
YAML
}

# lab_slice SVC NODE...: what the EndpointSlice controller would write for
# one ready pod of SVC on each NODE (pod addresses are made up).
lab_slice() {
	local svc=$1 node eps=""
	shift
	for node in "$@"; do
		eps+="- addresses: [10.244.${node#n}.10]
  nodeName: $node
  conditions: {ready: true}
"
	done
	k apply -f - >/dev/null <<YAML || die "kubectl apply EndpointSlice $svc"
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $svc-lab
  namespace: default
  labels: {kubernetes.io/service-name: $svc}
addressType: IPv4
ports: [{name: http, port: 80, protocol: TCP}]
endpoints:
$eps
YAML
}

# lab_controller NAME PORT: one replica; the Lease decides which one acts.
lab_controller() {
	nl_bg router "$NL_DIR/router/controller-$1.log" "$BERTH" controller \
		--kubeconfig "$LAB_KC" --leader-elect --lease-namespace default \
		--identity "$1" --metrics-address "127.0.0.1:$2" --log-level debug
	echo "$NL_BG_PID" >"$NL_DIR/router/controller-$1.pid"
}

lab_leader() {
	k -n default get lease berth-controller -o jsonpath='{.spec.holderIdentity}' 2>/dev/null
}

lab_speakers() {
	local i
	for ((i = 1; i <= $1; i++)); do
		nl_bg "n$i" "$NL_DIR/n$i/speaker.log" "$BERTH" speaker --node "n$i" \
			--kubeconfig "$LAB_KC" --metrics-address 127.0.0.1:9444 --log-level debug
		echo "$NL_BG_PID" >"$NL_DIR/n$i/speaker.pid"
	done
}

# The speaker puts a Service's address on kube-lb0 only on nodes that
# announce it; a server on 0.0.0.0:80 then answers for every such address.
lab_httpd() {
	local i
	for ((i = 1; i <= $1; i++)); do
		nl_bg "n$i" "$NL_DIR/n$i/httpd.log" socat TCP4-LISTEN:80,reuseaddr,fork \
			EXEC:"$E2E_LIB_DIR/httpd.sh n$i"
	done
}

lab_sessions_up() {
	local i
	for ((i = 1; i <= LAB_N; i++)); do peer_established router "192.0.2.1$i" || return 1; done
}

lab_hops() {
	ip -n "$NL_RUN-router" route show exact "$1/32" 2>/dev/null |
		grep -o 'via [0-9.]*' | awk '{print $2}' | sort | tr '\n' ' '
}

lab_hops_are() { [ "$(lab_hops "$1")" = "$2" ]; }

lab_ip() {
	k -n default get svc "$1" -o jsonpath='{.status.loadBalancer.ingress[0].ip}' 2>/dev/null
}

lab_has_ip() { [ -n "$(lab_ip "$1")" ]; }

lab_spread() {
	local url=$1 n=$2 urls=() i
	for ((i = 0; i < n; i++)); do urls+=("$url"); done
	nl_x client curl -s --http1.0 -m 2 "${urls[@]}" | sort | uniq -c | sort -k2
}

# lab_wait_hops_ms T0_NS ADDR WANT TIMEOUT_MS: polls the router's FIB every
# few ms; prints the milliseconds from T0_NS (date +%s%N) until the next
# hops were WANT, fails on timeout.
lab_wait_hops_ms() {
	local t0=$1 addr=$2 want=$3 now end
	end=$((t0 + $4 * 1000000))
	while :; do
		now=$(date +%s%N)
		if [ "$(lab_hops "$addr")" = "$want" ]; then
			echo $(((now - t0) / 1000000))
			return 0
		fi
		((now > end)) && return 1
		sleep 0.005
	done
}
