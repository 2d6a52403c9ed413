# shellcheck shell=bash
# The layer 2 topology of the e2e tests and benchmarks (issue 12): one
# Ethernet segment, a bridge in a "switch" namespace of its own, and on it
#   client  eth0 192.0.2.1/24 2001:db8::1/64   runs the probe (tool_l2_probe)
#   obs     eth0 192.0.2.2/24 2001:db8::2/64   asks who answers (l2_macs.py,
#           arping, ndisc6); apart from the client, so that its ARP and NS
#           traffic never refreshes the client's neighbour cache and helps a
#           failover being measured
#   nK      eth0 192.0.2.1K/24 2001:db8::1K/64 node K, MAC 02:00:00:00:01:0K
# Optionally (l2_seg2 NODE...) a second segment for an Eip on another
# interface: a bridge br1, eth1 in obs (198.51.100.2/24) and in the nodes
# named (198.51.100.1K/24).
#
# Source after tests/lib/e2e.sh, call nl_setup, then l2_topo N. The netns.sh
# trap kills every process in the run's namespaces (the speakers too) and
# deletes them, also on failure. Node MACs are fixed so that logs read
# easily and l2_node_of_mac works.
#
#   l2_topo N                    switch, client, obs, n1..nN
#   l2_seg2 NODE...              the second segment (eth1)
#   l2_mac NODE [IF]             a node's MAC (of eth0)
#   l2_node_of_mac MAC           n1..nN, or "?" for a MAC of none
#   l2_cut NODE / l2_restore NODE   pull / plug the node's cables: its
#                                ports on the switch go down, so it neither
#                                sends nor receives anything (eth1 too)
#   l2_start NODE [ARGS...]      berth speaker in NODE on the manifests
#                                $L2_MF (an array), with --lb-interface
#                                kube-lb0, --member-port $L2_PORT, metrics on
#                                127.0.0.1:9444 of the node, $L2_SPK_ARGS
#   l2_kill9 / l2_stop / l2_restart / l2_hup NODE (spk_* of speaker.sh)
#   l2_hup_all                   SIGHUP to every running speaker
#   l2_metrics NODE              the node's /metrics
#   l2_lb_addrs NODE             addresses on the node's kube-lb0
#   l2_macs SECONDS ADDR...      l2_macs.py in obs: one line per address
#   l2_owner ADDR [SECONDS]      the node whose MAC alone answered, else
#                                "none" or "many:nX,nY"
#   l2_census_start NAME SECONDS ADDR...  l2_macs.py in obs, in the
#                                background, output in $NL_DIR/NAME.macs
#   l2_census_end NAME [stop]    waits for it (after SIGTERM with "stop":
#                                it prints what it saw so far), prints it
#   l2_probe_start NAME ADDR [ARGS]   tool_l2_probe in the client, in the
#                                background, since-file $NL_DIR/NAME.t
#   l2_mark NAME                 writes now (ns) to NAME's since-file
#   l2_probe_stop NAME           SIGTERM, waits, prints the probe's line
#   l2_probe_wait NAME SECONDS   waits for its own end (--exit-on-answer,
#                                --duration), prints its line
# Background tools run as direct children (`ip netns exec` execs them, no
# shell function in between), so that a signal reaches the tool itself;
# they are waited for by polling, which works from $(...) subshells too.
#   l2_field LINE KEY            a key=value field of a tool's line
#   l2_one_by_tools ADDR...      arping / ndisc6 from the observer: one MAC each
# Manifests (append one YAML document to FILE):
#   mf_l2_node FILE NAME V4 V6 [ready=True]
#   mf_l2_eip FILE NAME ADDRESS INTERFACE
#   mf_l2_service FILE NAME POLICY EIP IP...      (POLICY Cluster or Local)
#   mf_l2_slice FILE SERVICE NODE [ready=true]    one endpoint on NODE

L2_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
L2_ROOT=$(cd "$L2_LIB_DIR/../.." && pwd)
L2_N=0
L2_PORT=${L2_PORT:-7947}
L2_MF=()
L2_SPK_ARGS=()

# The tools are built next to the berth under test (tests/run: build-asan).
l2_tool() {
	local d
	for d in ${BERTH:+"$(dirname "$BERTH")"} "$L2_ROOT/build"; do
		[ -x "$d/tool_$1" ] && {
			echo "$d/tool_$1"
			return 0
		}
	done
	die "tool_$1 not built (cmake --build build)"
}

l2_topo() {
	local n=$1 k
	L2_N=$n
	L2_PROBE=$(l2_tool l2_probe)
	nl_host sw client obs
	nl_bridge sw br0
	# Let the bridge forward at once and never hold a frame back.
	nl_x sw ip link set br0 type bridge mcast_snooping 0
	_l2_port client c 02:00:00:00:00:01 192.0.2.1/24 2001:db8::1/64
	_l2_port obs o 02:00:00:00:00:02 192.0.2.2/24 2001:db8::2/64
	for ((k = 1; k <= n; k++)); do
		nl_host "n$k"
		_l2_port "n$k" "n$k" "02:00:00:00:01:0$k" "192.0.2.1$k/24" "2001:db8::1$k/64"
	done
}

# _l2_port HOST SWPORT MAC ADDR...: HOST's eth0 on br0.
_l2_port() {
	local h=$1 p=$2 mac=$3
	shift 3
	nl_link sw "$h" "$p" eth0
	nl_enslave sw br0 "$p"
	nl_x "$h" ip link set eth0 address "$mac"
	nl_addr "$h" eth0 "$@"
	echo "$p" >>"$NL_DIR/$h/ports"
}

l2_seg2() {
	local h k
	nl_bridge sw br1
	nl_x sw ip link set br1 type bridge mcast_snooping 0
	nl_link sw obs o1 eth1
	nl_enslave sw br1 o1
	nl_addr obs eth1 198.51.100.2/24
	for h in "$@"; do
		k=${h#n}
		nl_link sw "$h" "${h}e1" eth1
		nl_enslave sw br1 "${h}e1"
		nl_x "$h" ip link set eth1 address "02:00:00:00:02:0$k"
		nl_addr "$h" eth1 "198.51.100.1$k/24"
		echo "${h}e1" >>"$NL_DIR/$h/ports"
	done
}

l2_mac() { nl_x "$1" cat "/sys/class/net/${2:-eth0}/address"; }

l2_node_of_mac() {
	local k
	for ((k = 1; k <= L2_N; k++)); do
		case $1 in "02:00:00:00:01:0$k" | "02:00:00:00:02:0$k")
			echo "n$k"
			return
			;;
		esac
	done
	echo "?"
}

l2_cut() {
	local p
	while read -r p; do nl_x sw ip link set "$p" down; done <"$NL_DIR/$1/ports"
	echo "== $(date +%T.%N | cut -c1-12) link cut" >>"$(spk_log "$1")"
}

l2_restore() {
	local p
	while read -r p; do nl_x sw ip link set "$p" up; done <"$NL_DIR/$1/ports"
	echo "== $(date +%T.%N | cut -c1-12) link restored" >>"$(spk_log "$1")"
}

l2_start() {
	local h=$1
	shift
	spk_start "$h" "$h" "${L2_MF[@]}" -- --lb-interface kube-lb0 --member-port "$L2_PORT" \
		--metrics-address 127.0.0.1:9444 "${L2_SPK_ARGS[@]}" "$@"
}

l2_kill9() { spk_kill9 "$1"; }
l2_stop() { spk_stop "$1"; }
l2_restart() { spk_restart "$1"; }
l2_hup() { spk_hup "$1"; }

l2_hup_all() {
	local k
	for ((k = 1; k <= L2_N; k++)); do
		[ -f "$NL_DIR/n$k/speaker.pid" ] && spk_alive "n$k" && spk_hup "n$k"
	done
	return 0
}

l2_metrics() { nl_x "$1" curl -s --max-time 2 http://127.0.0.1:9444/metrics; }

l2_lb_addrs() {
	nl_x "$1" ip -o addr show dev kube-lb0 2>/dev/null | awk '{print $4}' | sed 's,/[0-9]*$,,'
}

# l2_has_lb NODE ADDR: ADDR is on NODE's kube-lb0.
l2_has_lb() { l2_lb_addrs "$1" | grep -qxF "$2"; }

l2_macs() {
	local d=$1
	shift
	local a if=eth0
	# The second segment's addresses are asked on eth1.
	for a in "$@"; do [[ $a == 198.51.100.* ]] && if=eth1; done
	nl_x obs python3 "$L2_ROOT/tests/tools/l2_macs.py" -I "$if" -d "$d" -i 50 "$@"
}

l2_field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }

# _l2_owner_of_line LINE: owner from one l2_macs line.
_l2_owner_of_line() {
	local macs m out=()
	macs=$(l2_field "$1" macs)
	[ "$macs" = - ] && {
		echo none
		return
	}
	for m in ${macs//,/ }; do out+=("$(l2_node_of_mac "$m")"); done
	if ((${#out[@]} == 1)); then echo "${out[0]}"; else
		local IFS=,
		echo "many:${out[*]}"
	fi
}

l2_owner() { _l2_owner_of_line "$(l2_macs "${2:-0.3}" "$1")"; }

# l2_owners SECONDS ADDR...: "ADDR OWNER" per line, from one l2_macs run.
l2_owners() {
	local d=$1 line
	shift
	while read -r line; do
		echo "${line%% *} $(_l2_owner_of_line "$line")"
	done < <(l2_macs "$d" "$@")
}

# l2_one_each SECONDS ADDR...: every ADDR answered by exactly one node in
# every round of the window (at least one answer, never two MACs at once,
# and a single MAC over the window).
l2_one_each() {
	local d=$1 line bad=0
	shift
	while read -r line; do
		if [ "$(l2_field "$line" max_simul)" != 1 ] ||
			[[ "$(_l2_owner_of_line "$line")" == none || "$(_l2_owner_of_line "$line")" == many* ]]; then
			nl_log "  not one MAC: $line"
			bad=1
		fi
	done < <(l2_macs "$d" "$@")
	return $bad
}

# _l2_bg NAME OUT HOST CMD...: CMD in HOST, in the background, pid in
# $NL_DIR/NAME.pid (and the cleanup's list).
_l2_bg() {
	local name=$1 outfile=$2 h=$3
	shift 3
	ip netns exec "$NL_RUN-$h" "$@" >"$outfile" 2>&1 </dev/null &
	echo $! >"$NL_DIR/$name.pid"
	echo $! >>"$NL_DIR/pids"
}

# _l2_reap NAME [SIGNAL] [SECONDS]: signals it (if asked), waits until it
# is gone (SECONDS, default 10; then SIGKILL).
_l2_reap() {
	local pid
	pid=$(cat "$NL_DIR/$1.pid")
	[ -n "${2:-}" ] && kill "-$2" "$pid" 2>/dev/null
	wait_until "${3:-10}" "$1 ends" eval "! pid_alive $pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null # reaps it when we are its parent; else a no-op
	return 0
}

l2_census_start() {
	local name=$1 d=$2
	shift 2
	_l2_bg "$name" "$NL_DIR/$name.macs" obs python3 "$L2_ROOT/tests/tools/l2_macs.py" \
		-I eth0 -d "$d" -i 50 "$@"
}

l2_census_end() {
	if [ "${2:-}" = stop ]; then _l2_reap "$1" TERM; else _l2_reap "$1" "" 130; fi
	cat "$NL_DIR/$1.macs"
}

l2_probe_start() {
	local name=$1 addr=$2
	shift 2
	rm -f "$NL_DIR/$name.t"
	_l2_bg "$name" "$NL_DIR/$name.probe" client "$L2_PROBE" --since-file "$NL_DIR/$name.t" \
		"$@" "$addr"
}

l2_mark() { date +%s%N >"$NL_DIR/$1.t"; }

l2_probe_stop() {
	_l2_reap "$1" TERM
	cat "$NL_DIR/$1.probe"
}

l2_probe_wait() {
	_l2_reap "$1" "" "$2"
	cat "$NL_DIR/$1.probe"
}

# ---- manifests ----

mf_l2_node() {
	local f=$1 name=$2 v4=$3 v6=$4 ready
	ready=$(_mf_opt ready True "${@:5}")
	cat >>"$f" <<YAML
---
apiVersion: v1
kind: Node
metadata:
  name: $name
  labels:
    kubernetes.io/hostname: $name
status:
  conditions:
  - type: Ready
    status: "$ready"
  addresses:
  - type: InternalIP
    address: $v4
  - type: InternalIP
    address: $v6
  - type: Hostname
    address: $name
YAML
}

mf_l2_eip() {
	cat >>"$1" <<YAML
---
apiVersion: network.kubesphere.io/v1alpha2
kind: Eip
metadata:
  name: $2
spec:
  address: $3
  protocol: layer2
  interface: $4
YAML
}

mf_l2_service() {
	local f=$1 name=$2 policy=$3 eip=$4 ip fams=()
	shift 4
	for ip in "$@"; do
		if [[ $ip == *:* ]]; then fams+=(IPv6); else fams+=(IPv4); fi
	done
	{
		cat <<YAML
---
apiVersion: v1
kind: Service
metadata:
  name: $name
  namespace: default
  annotations:
    lb.kubesphere.io/v1alpha1: openelb
    protocol.openelb.kubesphere.io/v1alpha1: layer2
    eip.openelb.kubesphere.io/v1alpha2: $eip
spec:
  type: LoadBalancer
  externalTrafficPolicy: $policy
YAML
		if (($# > 1)); then
			echo "  ipFamilyPolicy: RequireDualStack"
		else
			echo "  ipFamilyPolicy: SingleStack"
		fi
		echo "  ipFamilies: [$(
			IFS=,
			echo "${fams[*]}"
		)]"
		echo "  selector: {app: $name}"
		echo "  ports:"
		echo "  - port: 80"
		echo "    protocol: TCP"
		echo "status:"
		echo "  loadBalancer:"
		echo "    ingress:"
		for ip in "$@"; do echo "    - ip: $ip"; done
	} >>"$f"
}

mf_l2_slice() {
	local f=$1 svc=$2 node=$3 ready
	ready=$(_mf_opt ready true "${@:4}")
	cat >>"$f" <<YAML
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $svc-abcde
  namespace: default
  labels:
    kubernetes.io/service-name: $svc
addressType: IPv4
ports:
- port: 80
  protocol: TCP
endpoints:
- addresses: [10.244.0.5]
  nodeName: $node
  conditions:
    ready: $ready
YAML
}

# The same question asked with the system's tools, from the observer: how
# many MACs answer arping (IPv4) or ndisc6 (IPv6) for an address; every
# address given answered by exactly one (0 or 1 status).
l2_arping_macs() {
	nl_x obs arping -b -c 2 -w 1 -I eth0 "$1" 2>/dev/null | grep -o '\[[0-9a-f:]*\]' | sort -u | wc -l
}
l2_ndisc_macs() {
	nl_x obs ndisc6 -m -n -r 3 -w 200 "$1" eth0 2>/dev/null |
		awk '/Target link-layer address/ {print tolower($4)}' | sort -u | wc -l
}
l2_one_by_tools() {
	local a pids=() bad=0 f
	for a in "$@"; do
		if [[ $a == *:* ]]; then l2_ndisc_macs "$a" >"$NL_DIR/tool.$a"; else l2_arping_macs "$a" >"$NL_DIR/tool.$a"; fi &
		pids+=($!)
	done
	wait "${pids[@]}"
	for a in "$@"; do
		f=$(cat "$NL_DIR/tool.$a")
		[ "$f" = 1 ] || {
			nl_log "  $a: $f MACs"
			bad=1
		}
	done
	return $bad
}
