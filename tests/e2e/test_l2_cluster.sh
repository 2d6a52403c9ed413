#!/usr/bin/env bash
# Layer 2 mode in cluster mode (issue 12), end to end: the API server
# stand-in (tools/apiserver, on the switch's bridge), berth's CRDs, the
# berth controller (allocates the addresses, creates the heartbeat key's
# Secret) and `berth speaker --kubeconfig` in three node namespaces on
# one Ethernet segment (tests/lib/l2net.sh), heartbeats on a port of
# their own, signed with the key read back from that Secret. Nodes,
# layer2 Eips (eth0, IPv4 and IPv6, and one on eth9, which no node has),
# Services and an EndpointSlice go in with kubectl. Who answers is asked
# from the observer namespace (l2_macs.py, arping, ndisc6); the failover
# is timed from the client (tool_l2_probe).
#   - kubectl get svc: the controller gave every Service its EXTERNAL-IP,
#     from the Eip it names (the dual-stack one: the Eips bound to its namespace);
#   - every address: exactly one MAC answers, in every round; both
#     addresses of the dual-stack Service one owner; the owner's kube-lb0
#     holds it, no other node's does; berth_l2_owned says so; the
#     Service's Events (get events, describe) say `Answering` from the
#     owner and from no other node; no heartbeat refused for its key;
#   - the owner's link cut: both dual-stack addresses answered again
#     within 1 s, by one other node, whose Events say `TookOver`, counted
#     in berth_l2_failovers_total;
#   - back on the link (every Cluster address probed and asked for across
#     the return): never two MACs answering one request, no client without
#     answers for over 1 s, no address announced by a node that does not
#     own it, every address with its owner from before the cut again;
#   - externalTrafficPolicy Local: owned by n2, the node of the ready
#     endpoint; the EndpointSlice moved to n3 (kubectl apply): n3 answers,
#     n2 dropped it, n3's `Answering` Event;
#   - an Eip on eth9: an `InterfaceMissing` Warning Event on the Eip from
#     each node; its Service gets an address that nobody answers or holds;
#   - a Service annotated protocol bgp whose address is in the layer2 Eip:
#     served in layer 2 (the Eip decides), announced by BGP from nowhere.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
root=$(cd "$lib/../.." && pwd)
: "${BERTH:=$root/build/berth}"
. "$lib/e2e.sh"
. "$lib/l2net.sh"

L2_PORT=17947 # not the default: the flag is what reaches the speakers
API=192.0.2.3 # the stand-in, on the switch's bridge
NS=l2demo     # the Services' namespace

nl_setup
spk_check
l2_topo 3

# ---- the API server stand-in, CRDs, Eips, Nodes ----
# On the bridge itself: a node whose cables are pulled (l2_cut) loses the
# API server too, as a node cut off from its switch would.
nl_addr sw br0 $API/24
api_start sw "$API"

# pool4 and pool6 are bound to the Services' namespace: a Service naming
# no Eip gets its addresses there, one per family.
eip() { # NAME ADDRESS INTERFACE [NAMESPACE]
	local bind=""
	[ -n "${4:-}" ] && bind=", namespaces: [$4]"
	k apply -f - >/dev/null <<YAML || die "Eip $1"
apiVersion: network.kubesphere.io/v1alpha2
kind: Eip
metadata: {name: $1}
spec: {address: $2, protocol: layer2, interface: $3$bind}
YAML
}
eip pool4 192.0.2.200-192.0.2.219 eth0 $NS
eip pool6 2001:db8::200/124 eth0 $NS
eip pool-eth9 192.0.2.240/29 eth9
k apply -f - >/dev/null <<YAML || die "namespace"
apiVersion: v1
kind: Namespace
metadata: {name: $NS}
YAML
# A Node's status is dropped on create (as by the real server): patched
# in through the status subresource, as a kubelet writes it.
for n in 1 2 3; do
	k apply -f - >/dev/null <<YAML || die "Node n$n"
apiVersion: v1
kind: Node
metadata:
  name: n$n
  labels: {kubernetes.io/hostname: n$n}
YAML
	k patch node "n$n" --subresource=status --type=merge -p "{\"status\":{
		\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],
		\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"192.0.2.1$n\"},
		{\"type\":\"InternalIP\",\"address\":\"2001:db8::1$n\"},
		{\"type\":\"Hostname\",\"address\":\"n$n\"}]}}" >/dev/null || die "Node n$n status"
done
check "kubectl get nodes: n1..n3 Ready" eval \
	'[ "$(k get nodes --no-headers | awk "{print \$1, \$2}" | tr "\n" " ")" = "n1 Ready n2 Ready n3 Ready " ]'

# ---- the controller; the heartbeat key from its Secret ----
nl_bg sw "$NL_DIR/controller.log" "$BERTH" controller --kubeconfig "$KC" \
	--metrics-address 127.0.0.1:9443 --member-secret default/berth-memberlist --log-level debug
secret_key() { k -n default get secret berth-memberlist -o jsonpath='{.data.key}' | base64 -d; }
key=$NL_DIR/member.key
if wait_until 20 "Secret" eval '[ -n "$(secret_key)" ]'; then
	secret_key >"$key"
	check "the controller created the key Secret: 64 hex digits" grep -qxE '[0-9a-f]{64}' "$key"
else
	not_ok "the controller created no key Secret (a random key file instead)"
	openssl rand -hex 32 >"$key"
fi

# ---- the speakers ----
spk_cluster_start() { # HOST: berth speaker in cluster mode (spk_* helpers work on it)
	local h=$1 argv
	argv=("$BERTH" speaker --node "$h" --kubeconfig "$KC" --lb-interface kube-lb0
		--member-port "$L2_PORT" --member-key-file "$key"
		--metrics-address 127.0.0.1:9444 --log-level debug)
	printf '%q ' "${argv[@]}" >"$NL_DIR/$h/speaker.cmd"
	echo "== $(date +%T.%N | cut -c1-12) start: ${argv[*]}" >>"$(spk_log "$h")"
	nl_bg "$h" "$(spk_log "$h")" "${argv[@]}"
	echo "$NL_BG_PID" >"$NL_DIR/$h/speaker.pid"
}
readyz() { nl_x "$1" curl -sf --max-time 2 -o /dev/null http://127.0.0.1:9444/readyz; }
for n in n1 n2 n3; do spk_cluster_start $n; done
all_ready() { readyz n1 && readyz n2 && readyz n3; }
wait_until 20 "speakers ready" all_ready ||
	die "not every speaker is ready: $(tail -n 3 "$(spk_log n1)")"
ok "three speakers ready (informers synced, configuration applied)"
# Their start-up hold (a few heartbeat intervals) passes before any
# Service exists: the first owner of each address is the first in line.
sleep 1

# ---- Services and an EndpointSlice, with kubectl ----
svc() { # NAME POLICY FAMILIES EIP|- [PROTOCOL]
	local fams=$3 pol=SingleStack ann='berth.test/eip: "bound"'
	[[ $fams == *,* ]] && pol=RequireDualStack
	[ "$4" != - ] && ann="eip.openelb.kubesphere.io/v1alpha2: $4"
	k apply -f - >/dev/null <<YAML || die "Service $1"
apiVersion: v1
kind: Service
metadata:
  name: $1
  namespace: $NS
  annotations:
    lb.kubesphere.io/v1alpha1: openelb
    protocol.openelb.kubesphere.io/v1alpha1: ${5:-layer2}
    $ann
spec:
  type: LoadBalancer
  externalTrafficPolicy: $2
  ipFamilyPolicy: $pol
  ipFamilies: [$fams]
  selector: {app: $1}
  ports: [{port: 80, protocol: TCP}]
YAML
}
slice() { # NODE: the Local Service's one ready endpoint lives on NODE
	k apply -f - >/dev/null <<YAML || die "EndpointSlice"
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: loc-abcde
  namespace: $NS
  labels: {kubernetes.io/service-name: loc}
addressType: IPv4
ports: [{port: 80, protocol: TCP}]
endpoints:
- addresses: [10.244.0.5]
  nodeName: $1
  conditions: {ready: true}
YAML
}
slice n2
svc web Cluster IPv4 pool4
svc loc Local IPv4 pool4
svc ds Cluster IPv4,IPv6 - # from the Eips bound to $NS, one per family
svc bgp Cluster IPv4 pool4 bgp
svc far Cluster IPv4 pool-eth9

# kubectl's own columns (the server's Table), as a user reads them.
ext_ip() { k -n "$NS" get svc "$1" --no-headers | awk '{print $4}'; }
assigned() { [[ "$(ext_ip "$1")" =~ ^[0-9a-f.:,]+$ ]]; }
for s in web loc ds bgp far; do
	wait_until 15 "$s address" assigned $s
	check "kubectl get svc $s: EXTERNAL-IP $(ext_ip $s)" assigned $s
done
ips() { k -n "$NS" get svc "$1" -o jsonpath='{range .status.loadBalancer.ingress[*]}{.ip}{" "}{end}'; }
read -r WEB _ < <(ips web)
read -r LOC _ < <(ips loc)
read -r DS4 DS6 _ < <(ips ds)
read -r BGP _ < <(ips bgp)
read -r FAR _ < <(ips far)
in4() { [[ $1 =~ ^192\.0\.2\.2(0[0-9]|1[0-9])$ ]]; } # pool4
check "web, loc, bgp: from pool4 ($WEB $LOC $BGP)" eval 'in4 "$WEB" && in4 "$LOC" && in4 "$BGP"'
check "ds: one address of each family, IPv4 first ($DS4 $DS6)" eval \
	'in4 "$DS4" && [[ $DS6 =~ ^2001:db8::20[0-9a-f]$ ]]'
check "far: from pool-eth9 ($FAR)" eval '[[ $FAR =~ ^192\.0\.2\.24[0-7]$ ]]'
for a in WEB LOC DS4 DS6 BGP FAR; do
	[ -n "${!a}" ] || die "not every Service has its addresses ($a)"
done
ALL=("$WEB" "$DS4" "$DS6" "$BGP") # Cluster Services on eth0

# ---- one owner each ----
wait_until 20 "one MAC each" l2_one_each 0.3 "${ALL[@]}" "$LOC" ||
	die "not every address answered by one MAC"
ok "every address answered by one MAC"
check "one MAC per address in every round for 1 s" l2_one_each 1 "${ALL[@]}" "$LOC"
declare -A OWN
owners_now() {
	local a o
	OWN=()
	while read -r a o; do OWN[$a]=$o; done < <(l2_owners 0.5 "${ALL[@]}" "$LOC")
}
owners_now
for a in "${ALL[@]}" "$LOC"; do nl_log "  $a: ${OWN[$a]}"; done
check "dual-stack: one owner for $DS4 and $DS6 (${OWN[$DS4]}, ${OWN[$DS6]})" \
	test "${OWN[$DS4]}" = "${OWN[$DS6]}"

check "arping (IPv4) and ndisc6 (IPv6): one MAC per address" l2_one_by_tools "${ALL[@]}" "$LOC"

# lb_matches A...: the owner's kube-lb0 holds each address, no other's does.
lb_matches() {
	local a n bad=0
	for a in "$@"; do
		for n in n1 n2 n3; do
			if [ "$n" = "${OWN[$a]}" ]; then
				l2_has_lb $n "$a" || {
					nl_log "  $a not on owner $n's kube-lb0"
					bad=1
				}
			elif l2_has_lb $n "$a"; then
				nl_log "  $a on $n's kube-lb0, owner ${OWN[$a]}"
				bad=1
			fi
		done
	done
	return $bad
}
check "ip addr: the owner's kube-lb0 holds each address, the others' do not" \
	wait_until 5 "kube-lb0" lb_matches "${ALL[@]}" "$LOC"
owned_metric() { l2_metrics "$1" | grep '^berth_l2_owned{' | grep -F "\"$2\"" | grep -q ' 1$'; }
metrics_match() {
	local a n bad=0
	for a in "$@"; do
		for n in n1 n2 n3; do
			if owned_metric $n "$a"; then [ $n = "${OWN[$a]}" ] || bad=1; else [ $n != "${OWN[$a]}" ] || bad=1; fi
		done
	done
	return $bad
}
check "/metrics: berth_l2_owned is 1 on the owner alone" metrics_match "${ALL[@]}" "$LOC"
bad_auth() {
	l2_metrics "$1" | grep -E '^berth_l2_heartbeats_refused_total\{[^}]*bad_auth' | awk '{s += $2} END {print s + 0}'
}
check "one key from the Secret: no heartbeat refused as bad_auth" eval \
	'[ "$(bad_auth n1)$(bad_auth n2)$(bad_auth n3)" = 000 ]'

# ---- Events ----
svc_events() { # SERVICE: "TYPE REASON HOST MESSAGE", one Event a line
	k -n "$NS" get events --field-selector "involvedObject.kind=Service,involvedObject.name=$1" \
		-o jsonpath='{range .items[*]}{.type} {.reason} {.source.host} {.message}{"\n"}{end}'
}
has_event() { # SERVICE REASON NODE ADDR
	svc_events "$1" | grep -qF "Normal $2 $3 node $3 answers ARP/NDP for $4 on eth0"
}
# l2_events_from SERVICE: the nodes that posted Answering or TookOver.
l2_events_from() { svc_events "$1" | awk '$2 == "Answering" || $2 == "TookOver" {print $3}' | sort -u | tr '\n' ' '; }
for s in web:$WEB ds:$DS4 ds:$DS6 bgp:$BGP loc:$LOC; do
	a=${s#*:}
	s=${s%%:*}
	check "Event on $s: Answering from ${OWN[$a]} for $a" \
		wait_until 10 "event $s $a" has_event "$s" Answering "${OWN[$a]}" "$a"
done
for s in web:$WEB ds:$DS4 bgp:$BGP loc:$LOC; do
	a=${s#*:}
	s=${s%%:*}
	check "Events on $s: from its owner alone ($(l2_events_from "$s"))" \
		test "$(l2_events_from "$s")" = "${OWN[$a]} "
done
check "kubectl describe svc web: the Answering Event" eval \
	"k -n $NS describe svc web | grep -E 'Answering .*node ${OWN[$WEB]} answers ARP/NDP for $WEB on eth0' >/dev/null"

# ---- the Eip decides, not the Service's protocol annotation ----
check "protocol bgp, address in the layer2 Eip: answered in layer 2 (${OWN[$BGP]})" \
	eval '[[ "${OWN[$BGP]}" == n? ]]'
check "  and announced by BGP from no node (no Announcing Event)" eval \
	'! svc_events bgp | grep -q " Announcing "'

# ---- the owner's link is cut ----
O=${OWN[$DS4]}
l2_probe_start cut4 "$DS4" --exit-on-answer --duration 6
l2_probe_start cut6 "$DS6" --exit-on-answer --duration 6
sleep 0.5
# Marked once the cut is done: from then on the old owner is silent, so
# any answer is the new owner's.
l2_cut "$O"
l2_mark cut4
cp "$NL_DIR/cut4.t" "$NL_DIR/cut6.t"
r4=$(l2_probe_wait cut4 7)
r6=$(l2_probe_wait cut6 7)
nl_log "  $r4"
nl_log "  $r6"
below() { [ "$1" != none ] && [ -n "$1" ] && awk -v v="$1" -v hi="$2" 'BEGIN {exit !(v < hi)}'; }
# worst_gap LINE END_NS: a probe's longest time without an answer, the
# time from its last answer to its end (END_NS) included; none: no answer.
worst_gap() {
	awk -v g="$(l2_field "$1" max_gap_ms)" -v last="$(l2_field "$1" last_reply_ns)" -v end="$2" \
		'BEGIN { if (g == "none" || last == 0) { print "none"; exit }
		t = (end - last) / 1e6; if (g > t) t = g; printf "%.1f\n", t }'
}
check "the probe had answers before the cut" eval '(($(l2_field "$r4" replies) >= 5))'
check "cut $O: $DS4 answered again within 1 s ($(l2_field "$r4" since_ms) ms)" \
	below "$(l2_field "$r4" since_ms)" 1000
check "cut $O: $DS6 answered again within 1 s ($(l2_field "$r6" since_ms) ms)" \
	below "$(l2_field "$r6" since_ms)" 1000
N=$(l2_owner "$DS4" 0.5)
check "a new owner answers $DS4 ($N, was $O)" eval '[[ $N == n? && $N != "$O" ]]'
check "the new owner answers $DS6 too" test "$(l2_owner "$DS6" 0.5)" = "$N"
check "every Cluster address answered by one MAC while $O is away" l2_one_each 0.5 "${ALL[@]}"
check "Event on ds: TookOver from $N for $DS4" \
	wait_until 10 "TookOver 4" has_event ds TookOver "$N" "$DS4"
check "Event on ds: TookOver from $N for $DS6" \
	wait_until 10 "TookOver 6" has_event ds TookOver "$N" "$DS6"
svc_events ds | sed 's/^/    /'
check "$N's kube-lb0 holds both" eval 'l2_has_lb "$N" "$DS4" && l2_has_lb "$N" "$DS6"'
check "/metrics: $N counted a failover" eval \
	'l2_metrics "$N" | grep -E "^berth_l2_failovers_total [1-9]" >/dev/null'

# ---- back on the link ----
# Every Cluster address probed from the client and asked for from obs
# across the return: the addresses $O is first in line for come back to
# it, the others stay where they are, and no client loses any of them.
declare -A OWN_AWAY OWN_BEFORE
for a in "${ALL[@]}" "$LOC"; do OWN_BEFORE[$a]=${OWN[$a]}; done
for a in "${ALL[@]}"; do OWN_AWAY[$a]=$(l2_owner "$a" 0.3); done
i=0
t0=$(date +%s%N)
for a in "${ALL[@]}"; do
	l2_probe_start "back$i" "$a" --duration 5
	i=$((i + 1))
done
nl_x obs python3 "$L2_ROOT/tests/tools/l2_macs.py" -I eth0 -d 4 -i 20 "${ALL[@]}" \
	>"$NL_DIR/back.macs" 2>&1 &
macs_pid=$!
sleep 0.5
l2_restore "$O"
wait $macs_pid
sed 's/^/    /' "$NL_DIR/back.macs"
i=0
for a in "${ALL[@]}"; do
	r=$(l2_probe_wait "back$i" 7)
	nl_log "  $r"
	g=$(worst_gap "$r" $((t0 + 5000000000)))
	check "$O back: $a (${OWN_AWAY[$a]} while $O was away) no gap over 1 s ($g ms)" below "$g" 1000
	i=$((i + 1))
done
check "$O back: no two MACs ever answered one request" \
	eval '[ -s "$NL_DIR/back.macs" ] && ! grep -q "max_simul=[2-9]" "$NL_DIR/back.macs"'
check "$O back: one MAC per address after settling" \
	wait_until 10 "settled" l2_one_each 0.5 "${ALL[@]}" "$LOC"
owners_now
same_owners() {
	local a bad=0
	for a in "${ALL[@]}" "$LOC"; do
		[ "${OWN[$a]}" = "${OWN_BEFORE[$a]}" ] || {
			nl_log "  $a: ${OWN[$a]}, before the cut ${OWN_BEFORE[$a]}"
			bad=1
		}
	done
	return $bad
}
check "$O back: every address has its owner from before the cut" same_owners
# announced_by_owner: across the return, only an address's owner
# announced it (gratuitous ARP, unsolicited NA): an announcement from
# another node moves clients to a node that does not answer for it.
announced_by_owner() {
	local line a m bad=0
	while read -r line; do
		a=${line%% *}
		for m in $(l2_field "$line" announced | tr ',' ' '); do
			[ "$m" = - ] || [ "$(l2_node_of_mac "$m")" = "${OWN[$a]}" ] || {
				nl_log "  $a announced by $(l2_node_of_mac "$m"), owner ${OWN[$a]}"
				bad=1
			}
		done
	done <"$NL_DIR/back.macs"
	return $bad
}
check "$O back: no node announced an address it does not own" announced_by_owner
check "$O back: each node's kube-lb0 matches the owners" \
	wait_until 5 "kube-lb0" lb_matches "${ALL[@]}" "$LOC"

# ---- externalTrafficPolicy Local ----
check "Local: owned by n2, the node of the ready endpoint (${OWN[$LOC]})" test "${OWN[$LOC]}" = n2
slice n3
owner_is() { [ "$(l2_owner "$1" 0.3)" = "$2" ]; }
check "Local: follows the EndpointSlice to n3 (kubectl apply)" wait_until 8 "to n3" owner_is "$LOC" n3
check "Local: n2 dropped it from kube-lb0, n3 holds it" \
	wait_until 5 "n2 lb" eval '! l2_has_lb n2 "$LOC" && l2_has_lb n3 "$LOC"'
check "Event on loc: Answering from n3 for $LOC" \
	wait_until 10 "event loc n3" has_event loc Answering n3 "$LOC"

# ---- an Eip on an interface no node has ----
eip_events() {
	k -n default get events --field-selector "involvedObject.kind=Eip,involvedObject.name=pool-eth9" \
		-o jsonpath='{range .items[*]}{.type} {.reason} {.source.host}{"\n"}{end}'
}
missing_from_all() {
	[ "$(eip_events | awk '$1 == "Warning" && $2 == "InterfaceMissing" {print $3}' | sort -u | tr '\n' ' ')" = "n1 n2 n3 " ]
}
check "Eip pool-eth9: an InterfaceMissing Warning Event from n1, n2 and n3" \
	wait_until 10 "InterfaceMissing" missing_from_all
eip_events | sed 's/^/    /'
far=$(l2_macs 1 "$FAR")
nl_log "  $far"
check "pool-eth9: nobody answers $FAR" test "$(l2_field "$far" macs)" = -
check "pool-eth9: $FAR on no node's kube-lb0" eval \
	'! l2_has_lb n1 "$FAR" && ! l2_has_lb n2 "$FAR" && ! l2_has_lb n3 "$FAR"'
check "pool-eth9: no Answering Event on far" eval '[ -z "$(l2_events_from far)" ]'

nl_log "run took $(($(nl_ms) / 1000)) s"
api_stop
nl_finish
