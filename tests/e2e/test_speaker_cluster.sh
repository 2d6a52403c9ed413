#!/usr/bin/env bash
# berth speaker in cluster mode: three node namespaces run
# `berth speaker --node nX --kubeconfig K` against the API server stand-in
# (tools/apiserver, bound to the router's bridge address) and a BIRD
# router. Objects go in with kubectl.
#   - a Cluster Service: all three nodes announce (three FIB next hops);
#   - a Local Service: only the node with the ready endpoint; the
#     EndpointSlice moves to another node and the route follows;
#   - announced addresses appear on kube-lb0 in each node;
#   - a cordoned node withdraws (its session stays up);
#   - an address already on another interface of a node: that node
#     does not announce it, an Event says so;
#   - BgpPeer status.nodesPeerStatus, Events, /metrics and /readyz (n1 as
#     deploy/ runs it: metrics on its node address, probes on loopback);
#   - a node cut off from the API server while a Service is deleted and
#     another re-created: its re-list withdraws the one, keeps the other;
#   - SIGTERM withdraws and removes the addresses.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
root=$(cd "$lib/../.." && pwd)
. "$lib/e2e.sh"

VIP_C=203.0.113.10 # Cluster
VIP_L=203.0.113.20 # Local
N=3

nl_setup
spk_check
NS="$NL_RUN-apps" # this test's own namespace

# ---- topology: router r (BIRD AS 65000, API server) + n1..n3 ----
nl_host r
nl_bridge r br0
nl_addr r br0 192.0.2.1/24
# The API server has an address of its own, so that a node can be cut off
# from it alone (the section on missed changes) with its session kept.
nl_addr r br0 192.0.2.2/24
nl_forwarding r
for ((i = 1; i <= N; i++)); do
	nl_host "n$i"
	nl_link r "n$i" "p$i" to-r
	nl_enslave r br0 "p$i"
	nl_addr "n$i" to-r "192.0.2.1$i/24"
	nl_route "n$i" default via 192.0.2.1
	peer_neighbor r "192.0.2.1$i" 65001
done
peer_start bird r 65000 192.0.2.1 fib=1

api_start r 192.0.2.2

k apply -f - >/dev/null <<YAML || die "objects"
apiVersion: v1
kind: Namespace
metadata: {name: $NS}
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
  timers: {config: {holdTime: "3", keepaliveInterval: "1"}}
---
apiVersion: network.kubesphere.io/v1alpha2
kind: Eip
metadata: {name: pool}
spec: {address: 203.0.113.0/24}
YAML
for ((i = 1; i <= N; i++)); do
	k apply -f - >/dev/null <<YAML || die "Node n$i"
apiVersion: v1
kind: Node
metadata: {name: n$i}
YAML
done

# Services get their address in status, as the controller would write it.
svc() { # NAME POLICY IP
	k apply -f - >/dev/null <<YAML || die "Service $1"
apiVersion: v1
kind: Service
metadata: {name: $1, namespace: $NS}
spec:
  type: LoadBalancer
  externalTrafficPolicy: $2
  selector: {app: $1}
  ports: [{port: 80}]
YAML
	k -n "$NS" patch service "$1" --subresource=status --type=merge \
		-p "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"$3\"}]}}}" >/dev/null ||
		die "Service $1 status"
}
slice() { # NODE: the Local Service's one ready endpoint lives on NODE
	k apply -f - >/dev/null <<YAML || die "EndpointSlice"
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: local-abcde
  namespace: $NS
  labels: {kubernetes.io/service-name: local}
addressType: IPv4
ports: [{port: 80, protocol: TCP}]
endpoints:
- addresses: [10.244.0.5]
  nodeName: $1
  conditions: {ready: true}
YAML
}
svc cluster Cluster $VIP_C
svc local Local $VIP_L
slice n1

for ((i = 1; i <= N; i++)); do
	extra=()
	# n1 as deploy/speaker.yaml runs it: metrics on the node's address
	# ("[$(POD_IP)]:9444"), the probes alone on loopback.
	[ $i = 1 ] && extra=(--metrics-address "[192.0.2.11]:9444" --health-address 127.0.0.1:9445)
	cmd=$(spk_cmd)
	argv=($cmd speaker --node "n$i" --kubeconfig "$KC" --log-level debug "${extra[@]}")
	printf '%q ' "${argv[@]}" >"$NL_DIR/n$i/speaker.cmd"
	nl_bg "n$i" "$(spk_log "n$i")" "${argv[@]}"
	echo "$NL_BG_PID" >"$NL_DIR/n$i/speaker.pid"
done

wait_until 30 "three sessions" topo_all_up $N && ok "three sessions Established" ||
	die "not all three sessions came up"

hops() { fib_nexthops r "$1/32" | tr '\n' ' '; }
hops_are() { [ "$(hops "$1")" = "$2" ]; }

check "Cluster Service: three next hops" \
	wait_until 15 "cluster ECMP" hops_are $VIP_C "192.0.2.11 192.0.2.12 192.0.2.13 "
check "Local Service: only n1 (the ready endpoint)" \
	wait_until 10 "local on n1" hops_are $VIP_L "192.0.2.11 "
nl_x r ip route show exact $VIP_C/32 | sed 's/^/    /'

on_if() { nl_x "$1" ip -o addr show dev kube-lb0 | grep -q " $2/32 "; }
check "kube-lb0 on n1 holds both addresses" eval "on_if n1 $VIP_C && on_if n1 $VIP_L"
check "kube-lb0 on n2 holds the Cluster address only" \
	eval "on_if n2 $VIP_C && ! on_if n2 $VIP_L"
nl_x n1 ip -d -o link show kube-lb0 | grep -o 'kube-lb0.*' | cut -c1-60 | sed 's/^/    /'

# ---- the endpoint moves ----
slice n2
check "Local Service follows its endpoint to n2" \
	wait_until 10 "local on n2" hops_are $VIP_L "192.0.2.12 "
check "n1 dropped the Local address from kube-lb0" \
	wait_until 5 "addr gone" eval "! on_if n1 $VIP_L"

# ---- status, events, metrics ----
peer_status() { k get bgppeer router -o jsonpath="{.status.nodesPeerStatus.$1.peerState.sessionState}"; }
check "BgpPeer status: n1..n3 ESTABLISHED" wait_until 10 "status" eval \
	'[ "$(peer_status n1)$(peer_status n2)$(peer_status n3)" = ESTABLISHEDESTABLISHEDESTABLISHED ]'
k get bgppeer router -o jsonpath='{.status.nodesPeerStatus.n2}' | cut -c1-200 | sed 's/^/    /'
echo
# The router id comes from the node's own address, never from kube-lb0's
# service addresses (which every node shares), so no session was reset.
check "BgpPeer status: n2's routerId is its own address, no flop" eval \
	'[ "$(k get bgppeer router -o jsonpath="{.status.nodesPeerStatus.n2.peerState.routerId}/{.status.nodesPeerStatus.n2.peerState.flops}")" = 192.0.2.12/0 ]'
events() { k -n "$NS" get events -o jsonpath='{range .items[*]}{.reason} {.involvedObject.name} {.source.host}{"\n"}{end}'; }
check "Events: n1 and n2 announce the Cluster Service" wait_until 10 "events" eval \
	'events | grep -q "^Announcing cluster n1" && events | grep -q "^Announcing cluster n2"'
check "Events: n1 withdrew the Local Service" wait_until 10 "events" eval \
	'events | grep -q "^Withdrawn local n1"'
check "/readyz answers 200 on n1's health address" \
	nl_x n1 curl -sf -o /dev/null http://127.0.0.1:9445/readyz
check "/healthz answers 200 on n1's health address" \
	nl_x n1 curl -sf -o /dev/null http://127.0.0.1:9445/healthz
check "no /metrics on the health address" eval \
	'[ "$(nl_x n1 curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:9445/metrics)" = 404 ]'
check "/readyz answers 200 on n1's metrics address too" \
	nl_x n1 curl -sf -o /dev/null http://192.0.2.11:9444/readyz
check "metrics bound to the node's address only" eval \
	'! nl_x n1 curl -s -o /dev/null --max-time 2 http://127.0.0.1:9444/metrics'
metrics=$(nl_x n1 curl -s http://192.0.2.11:9444/metrics)
check "/metrics: the HTTP servers' counters" \
	grep -q '^berth_http_connections_refused_total{server="probes",reason="per_ip"} 0' <<<"$metrics"
check "/metrics: session up" grep -q '^berth_bgp_sessions_up{peer="router"} 1' <<<"$metrics"
check "/metrics: n1 announces one prefix after the move" \
	grep -q '^berth_bgp_prefixes_announced{peer="router",family="ipv4"} 1' <<<"$metrics"

# ---- cordon ----
k cordon n3 >/dev/null || k patch node n3 -p '{"spec":{"unschedulable":true}}' >/dev/null
check "cordoned n3 withdraws: two next hops" \
	wait_until 10 "cordon" hops_are $VIP_C "192.0.2.11 192.0.2.12 "
check "n3's session stays up" peer_established r 192.0.2.13
check "n3 emptied kube-lb0" wait_until 5 "n3 addr" eval "! on_if n3 $VIP_C"
k uncordon n3 >/dev/null || k patch node n3 -p '{"spec":{"unschedulable":false}}' >/dev/null
check "uncordoned n3 announces again" \
	wait_until 10 "uncordon" hops_are $VIP_C "192.0.2.11 192.0.2.12 192.0.2.13 "

# ---- an address already on another interface of a node ----
# Someone else's address on n1's lo: n1 neither takes it onto kube-lb0
# nor announces it (the others do), says so in an Event, and never
# touches lo. Gone from lo, the next change brings it back to n1.
VIP_X=203.0.113.30
nl_x n1 ip addr add $VIP_X/32 dev lo
svc conflict Cluster $VIP_X
check "conflict: n2 and n3 announce it, n1 does not" \
	wait_until 10 "conflict hops" hops_are $VIP_X "192.0.2.12 192.0.2.13 "
check "conflict: still on n1's lo, not on its kube-lb0" eval \
	"nl_x n1 ip -o addr show dev lo | grep -q ' $VIP_X/32 ' && ! on_if n1 $VIP_X"
check "conflict: an AddressConflict Event from n1" wait_until 10 "events" eval \
	"events | grep -q '^AddressConflict conflict n1\$'"
check "conflict: the other Services stay on n1" eval "on_if n1 $VIP_C"
nl_x n1 ip addr del $VIP_X/32 dev lo
k -n "$NS" annotate service conflict berth.test/touch=1 >/dev/null
check "conflict gone: n1 announces it too" \
	wait_until 10 "conflict gone" hops_are $VIP_X "192.0.2.11 192.0.2.12 192.0.2.13 "
check "conflict gone: on n1's kube-lb0" wait_until 5 "n1 addr" on_if n1 $VIP_X

# ---- changes missed while the watch was down ----
# n1 alone is cut off from the API server (its BGP session stays up) while
# the conflict Service is deleted and the cluster Service deleted and
# created again under its name (a new uid); then the history is compacted,
# so n1's watches resume with 410 Expired and re-list. The re-list must
# withdraw what was deleted and keep announcing what was re-created.
api_admin() { nl_x r "$root/tools/apiserver/run" admin --dir "$api" "$@" >/dev/null; }
uid_of() { k -n "$NS" get service "$1" -o jsonpath='{.metadata.uid}'; }
uid0=$(uid_of cluster)
nl_x n1 ip route add prohibit 192.0.2.2/32
api_admin drop-watches abrupt=1
k -n "$NS" delete service conflict cluster >/dev/null || die "delete"
svc cluster Cluster $VIP_C
check "the re-created cluster Service has a new uid" eval '[ "$(uid_of cluster)" != "$uid0" ]'
api_admin compact
check "cut off, n1 missed the delete: it alone still announces it" \
	wait_until 10 "missed" hops_are $VIP_X "192.0.2.11 "
check "cut off, n1 keeps announcing the cluster Service" \
	eval 'hops $VIP_C | grep -q "192.0.2.11 "'
nl_x n1 ip route del prohibit 192.0.2.2/32
check "back, n1 re-lists and withdraws the deleted Service" \
	wait_until 45 "swept" eval "[ -z \"\$(hops $VIP_X)\" ]"
check "n1 logged what it swept" \
	wait_until 5 "log" grep -q "the re-list of Services removed 1 " "$(spk_log n1)"
check "the re-created cluster Service: three next hops" \
	wait_until 10 "recreated" hops_are $VIP_C "192.0.2.11 192.0.2.12 192.0.2.13 "
check "n1's kube-lb0: the deleted address gone, the re-created one kept" \
	eval "! on_if n1 $VIP_X && on_if n1 $VIP_C"

# ---- SIGTERM ----
spk_stop n2
rc=$?
check "SIGTERM: n2 exits 0" test "$rc" = 0
check "n2's routes are withdrawn" \
	wait_until 10 "withdraw" hops_are $VIP_C "192.0.2.11 192.0.2.13 "
check "the Local Service has no next hop left (its endpoint is on n2)" \
	wait_until 5 "local gone" eval "[ -z \"\$(hops $VIP_L)\" ]"
check "n2 removed its addresses from kube-lb0" eval "! on_if n2 $VIP_C"

api_stop
nl_finish
