# shellcheck shell=bash
# The cluster lab's building blocks, shared by lab/run, tests/e2e/test_lab.sh
# (through lab/run) and bench/e2e. Source tests/lib/e2e.sh first and call
# nl_setup: everything here lives in that run's namespaces and $NL_DIR, so
# the harness's cleanup removes it.
#
#   client 198.51.100.2          (lab_l2_net: also on br0, eth0 192.0.2.2)
#     |
#   router 198.51.100.1 / br0 192.0.2.1   BIRD AS 65000 (ECMP into the
#     |                                   kernel), the API server stand-in
#     |                                   on 192.0.2.1:6443, berth controller
#   +-+------------+------------+
#   n1 192.0.2.11  n2 192.0.2.12  n3 192.0.2.13   berth speaker (AS 65001)
#   (eth0 each, on br0)                           and a web server each
#
#   lab_net N                  the namespaces, links and BIRD
#   LAB_BFD="RX TX MULT"       (before lab_net and lab_cluster_objects) BFD
#                              on the BgpPeer and in BIRD, these timers (ms),
#                              and BGP hold time 90 s; empty: no BFD, hold 3 s
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
# Layer 2 (issue 12):
#   lab_l2_net                 the client on br0 too (eth0 192.0.2.2,
#                              2001:db8::2), IPv6 on the nodes' eth0
#   lab_member_key             the heartbeat key from the controller's Secret
#                              into a file per node, which lab_speakers
#                              then passes (--member-key-file)
#   lab_l2_objects NS V4 V6    namespace NS, layer2 Eips lab-l2-v4 (V4) and
#                              lab-l2-v6 (V6) on eth0 bound to NS, and
#                              Service NS/web-l2 (RequireDualStack)
#   lab_ips NS SVC             all the Service's ingress addresses
#   lab_node_of_mac MAC        n1..nN whose eth0 has MAC, else "?"
#   lab_neigh ADDR             the client's neighbour entry for ADDR
#   lab_neigh_node ADDR        the node whose MAC that entry holds
#   lab_macs SECONDS ADDR...   who answers ARP/NS from the client
#                              (tests/tools/l2_macs.py), a line per ADDR
#   lab_l2_cut / lab_l2_restore NODE   its port on br0 down / up
#   lab_tool NAME              tests/tools/NAME's binary (tool_NAME)
#   lab_field LINE KEY         KEY's value in a tool's "key=value ..." line

LAB_N=3
LAB_BFD=${LAB_BFD:-}
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
		nl_link router "n$i" "p$i" eth0
		nl_enslave router br0 "p$i"
		nl_addr "n$i" eth0 "192.0.2.1$i/24"
		nl_route "n$i" default via 192.0.2.1
		# shellcheck disable=SC2046 # key=value words
		peer_neighbor router "192.0.2.1$i" 65001 $(lab_bfd_neighbor)
	done
	peer_start bird router 65000 192.0.2.1 fib=1
}

# The router's neighbor options and the BgpPeer's spec lines for LAB_BFD.
lab_bfd_neighbor() {
	local rx tx mult
	[ -n "$LAB_BFD" ] || return 0
	read -r rx tx mult <<<"$LAB_BFD"
	echo "hold=90 bfd=1 bfdrx=$rx bfdtx=$tx bfdmult=$mult"
}

lab_bfd_spec() {
	local rx tx mult
	if [ -z "$LAB_BFD" ]; then
		echo '  timers: {config: {holdTime: "3", keepaliveInterval: "1", connectRetry: "2"}}'
		return 0
	fi
	read -r rx tx mult <<<"$LAB_BFD"
	echo '  timers: {config: {holdTime: "90", keepaliveInterval: "30", connectRetry: "2"}}'
	echo "  bfd: {enabled: true, receiveInterval: $rx, transmitInterval: $tx, detectMultiplier: $mult}"
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
$(lab_bfd_spec)
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

# With lab_member_key's file, the layer 2 heartbeats are signed with the
# key (as deploy/speaker.yaml runs it).
lab_speakers() {
	local i l2
	for ((i = 1; i <= $1; i++)); do
		l2=()
		[ -f "$NL_DIR/n$i/member.key" ] &&
			l2=(--member-port 7947 --member-key-file "$NL_DIR/n$i/member.key")
		nl_bg "n$i" "$NL_DIR/n$i/speaker.log" "$BERTH" speaker --node "n$i" \
			--kubeconfig "$LAB_KC" --metrics-address 127.0.0.1:9444 --log-level debug "${l2[@]}"
		echo "$NL_BG_PID" >"$NL_DIR/n$i/speaker.pid"
	done
}

# The speaker puts a Service's address on kube-lb0 only on nodes that
# announce it; a server on port 80 of every address (IPv4 and IPv6) then
# answers for every such address.
lab_httpd() {
	local i
	for ((i = 1; i <= $1; i++)); do
		nl_bg "n$i" "$NL_DIR/n$i/httpd.log" socat TCP6-LISTEN:80,ipv6only=0,reuseaddr,fork \
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

lab_ips() {
	k -n "$1" get svc "$2" -o jsonpath='{.status.loadBalancer.ingress[*].ip}' 2>/dev/null
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

# ---- layer 2 (issue 12) ----

# The client joins the nodes' LAN (br0) with a second interface, so that it
# resolves layer 2 addresses itself (ARP, NDP) and sees which node answers;
# its requests to the BGP Services still go through the router. IPv6 on
# the LAN for the IPv6 layer 2 address: the owner answers the client's
# echoes from it.
lab_l2_net() {
	local i
	nl_link router client pc eth0
	nl_enslave router br0 pc
	nl_addr client eth0 192.0.2.2/24 2001:db8::2/64
	for ((i = 1; i <= LAB_N; i++)); do nl_addr "n$i" eth0 "2001:db8::1$i/64"; done
}

# The controller creates Secret default/berth-memberlist (its lease
# namespace) with a random key; deploy/speaker.yaml mounts it into every
# speaker as a file. The lab writes that file per node from the Secret.
lab_member_key() {
	local key i
	wait_until 20 "Secret berth-memberlist" eval \
		'[ -n "$(k -n default get secret berth-memberlist -o jsonpath="{.data.key}" 2>/dev/null)" ]' ||
		die "the controller did not create Secret berth-memberlist"
	key=$(k -n default get secret berth-memberlist -o jsonpath='{.data.key}' | base64 -d) ||
		die "Secret berth-memberlist: data.key is not base64"
	[[ $key =~ ^[0-9a-f]{64}$ ]] || die "Secret berth-memberlist: data.key is not 64 hex digits"
	for ((i = 1; i <= LAB_N; i++)); do
		(umask 077 && echo "$key" >"$NL_DIR/n$i/member.key")
	done
}

# lab_l2_objects NS V4 V6: the Eips serve only namespace NS, so the BGP
# Services keep the default Eip and web-l2 takes one address of each.
lab_l2_objects() {
	local ns=$1 v4=$2 v6=$3
	k apply -f - >/dev/null <<YAML || die "kubectl apply the layer 2 objects"
apiVersion: v1
kind: Namespace
metadata: {name: $ns}
---
apiVersion: network.kubesphere.io/v1alpha2
kind: Eip
metadata: {name: lab-l2-v4}
spec: {address: $v4, protocol: layer2, interface: eth0, namespaces: [$ns]}
---
apiVersion: network.kubesphere.io/v1alpha2
kind: Eip
metadata: {name: lab-l2-v6}
spec: {address: $v6, protocol: layer2, interface: eth0, namespaces: [$ns]}
---
apiVersion: v1
kind: Service
metadata:
  name: web-l2
  namespace: $ns
  annotations: {protocol.openelb.kubesphere.io/v1alpha1: layer2}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Cluster
  ipFamilyPolicy: RequireDualStack
  ipFamilies: [IPv4, IPv6]
  selector: {app: web-l2}
  ports: [{name: http, port: 80, protocol: TCP}]
YAML
}

lab_mac() { nl_x "$1" cat /sys/class/net/eth0/address; }

lab_node_of_mac() {
	local i
	for ((i = 1; i <= LAB_N; i++)); do
		[ "$(lab_mac "n$i")" = "$1" ] && {
			echo "n$i"
			return 0
		}
	done
	echo "?"
}

lab_neigh() { nl_x client ip neigh show "$1" dev eth0; }

lab_neigh_node() {
	local mac
	mac=$(lab_neigh "$1" | grep -o 'lladdr [0-9a-f:]*' | awk '{print $2}')
	if [ -n "$mac" ]; then lab_node_of_mac "$mac"; else echo "?"; fi
}

lab_macs() {
	local d=$1
	shift
	nl_x client python3 "$E2E_LIB_DIR/../tools/l2_macs.py" -I eth0 -d "$d" -i 50 "$@"
}

lab_l2_cut() { nl_x router ip link set "p${1#n}" down; }
lab_l2_restore() { nl_x router ip link set "p${1#n}" up; }

# The tools are built next to berth (tests/run: build-asan), or in build/.
lab_tool() {
	local d
	for d in "$(dirname "$BERTH")" "$E2E_LIB_DIR/../../build"; do
		[ -x "$d/tool_$1" ] && {
			echo "$d/tool_$1"
			return 0
		}
	done
	return 1
}

# lab_field LINE KEY: the value of KEY=value in a tool's output line.
lab_field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }
