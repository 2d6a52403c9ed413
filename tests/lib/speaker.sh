# shellcheck shell=bash
# The speaker under test: `$BERTH speaker` (tests/run sets BERTH), or, with
# BERTH_STANDIN=gobgpd, a gobgpd-based stand-in with the same command line
# (tests/lib/standin_gobgpd.py) used to validate the harness itself.
#
#   spk_check                          berth speaker runs at all (else die)
#   spk_start HOST NODE MANIFEST... [-- EXTRA_ARGS...]
#   spk_restart HOST                   same command again (after a kill)
#   spk_pid HOST, spk_alive HOST, spk_hup HOST, spk_kill9 HOST
#   spk_freeze HOST                    SIGSTOP: a hung speaker (its sockets
#                                      stay open; spk_kill9 still ends it)
#   spk_stop HOST                      SIGTERM; returns the exit status
#                                      (124 when it did not exit in 15 s)
#   spk_log HOST                       path of the speaker's log
#   spk_metrics HOST                   its /metrics (start it with
#                                      -- --metrics-address 127.0.0.1:$SPK_METRICS_PORT)
#   spk_metric HOST NAME LABELS        one sample's value: NAME{LABELS}
#                                      ('peer="tor"'), empty when absent
# BFD, from /metrics (PEER: the BgpPeer's name):
#   spk_bfd_state HOST PEER            AdminDown, Down, Init, Up or empty
#   spk_bfd_up HOST PEER...            every PEER's session Up
#   spk_bfd_detect_ms HOST PEER        detection time in force, ms
#   spk_bfd_flaps HOST PEER            times it left Up
#   spk_bfd_dropped HOST REASON        datagrams dropped for REASON
# and from the log: spk_bfd_up_tx_ms HOST PEER (the transmit interval the
# last "-> Up" line gave), spk_bfd_down_diag HOST PEER (the diagnostic of
# the last "Up -> Down").
#
# Manifests (OpenELB network.kubesphere.io/v1alpha2 + core v1 Service):
#   mf_bgpconf FILE AS PORT [routerId=A] [gr=RESTART_TIME]
#           [lbpe=BYTES_PER_S] (spec.linkBandwidthPerEndpoint, berth)
#   mf_peer FILE NAME ADDR PEER_AS [password=S] [hold=S] [multihop=TTL]
#           [passive=1] [port=N] [node=NAME] [families=4,6]
#           [idlehold=S] (timers.config.idleHoldTimeAfterReset)
#           [maxpfx6=N] (prefixLimits.maxPrefixes of the IPv6 family)
#           [local=A] (transport.localAddress: the session's source)
#           [bfd=1|0] spec.bfd (berth) with enabled: true|false, and
#           only what is given of [bfdrx=MS] (receiveInterval)
#           [bfdtx=MS] (transmitInterval) [bfdmult=N] (detectMultiplier)
#           [bfdstrict=true|false] (strict)
#           [lbnt=1] spec.linkBandwidth.nonTransitive: true (berth)
#   mf_service FILE NAME [etp=Local] IP...
#                                    a LoadBalancer Service whose
#                                    status.loadBalancer.ingress lists IP...
#                                    (etp: spec.externalTrafficPolicy)
#   mf_slice FILE SVC 4|6 NODE=COUNT...
#                                    an EndpointSlice of SVC (addressType
#                                    IPv4 or IPv6) with COUNT ready
#                                    endpoints on each NODE; a NODE=COUNT
#                                    with COUNT "0r" is one endpoint there
#                                    that is not ready
#   mf_eip FILE NAME CIDR [KEY=VALUE...]   an Eip (protocol bgp); the keys
#                                    go to spec.bgp (linkBandwidth=false)
# Each appends one YAML document to FILE.

SPK_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

spk_cmd() {
	if [ "${BERTH_STANDIN:-}" = gobgpd ]; then
		echo python3 "$SPK_LIB_DIR/standin_gobgpd.py"
	else
		echo "${BERTH:?BERTH must name the berth binary}"
	fi
}

spk_check() {
	local cmd
	cmd=$(spk_cmd)
	# shellcheck disable=SC2086
	$cmd speaker --help >"$NL_DIR/speaker-help.log" 2>&1 ||
		die "'$cmd speaker --help' fails: $(head -c 300 "$NL_DIR/speaker-help.log")"
}

spk_log() { echo "$NL_DIR/$1/speaker.log"; }

spk_start() {
	local h=$1 node=$2 m=() extra=()
	shift 2
	while (($#)) && [ "$1" != -- ]; do
		m+=("$1")
		shift
	done
	(($#)) && shift
	extra=("$@")
	local cmd
	cmd=$(spk_cmd)
	# shellcheck disable=SC2206
	local argv=($cmd speaker --node "$node" --manifests "${m[@]}" --log-level debug "${extra[@]}")
	printf '%q ' "${argv[@]}" >"$NL_DIR/$h/speaker.cmd"
	echo "== $(date +%T.%N | cut -c1-12) start: ${argv[*]}" >>"$(spk_log "$h")"
	nl_bg "$h" "$(spk_log "$h")" "${argv[@]}"
	echo "$NL_BG_PID" >"$NL_DIR/$h/speaker.pid"
}

spk_restart() {
	local h=$1 argv
	eval "argv=($(cat "$NL_DIR/$h/speaker.cmd"))"
	echo "== $(date +%T.%N | cut -c1-12) restart" >>"$(spk_log "$h")"
	nl_bg "$h" "$(spk_log "$h")" "${argv[@]}"
	echo "$NL_BG_PID" >"$NL_DIR/$h/speaker.pid"
}

spk_pid() { cat "$NL_DIR/$1/speaker.pid"; }

spk_alive() { pid_alive "$(spk_pid "$1")"; }

spk_dead() { ! spk_alive "$1"; }

spk_hup() {
	echo "== $(date +%T.%N | cut -c1-12) SIGHUP" >>"$(spk_log "$1")"
	kill -HUP "$(spk_pid "$1")"
}

spk_freeze() {
	echo "== $(date +%T.%N | cut -c1-12) SIGSTOP" >>"$(spk_log "$1")"
	kill -STOP "$(spk_pid "$1")"
}

spk_kill9() {
	local h=$1 f
	echo "== $(date +%T.%N | cut -c1-12) SIGKILL" >>"$(spk_log "$h")"
	kill -KILL "$(spk_pid "$h")"
	# Reap it here, quietly (bash would report "Killed" later).
	wait "$(spk_pid "$h")" 2>/dev/null
	# The stand-in's gobgpd dies with it, as berth's sockets would.
	for f in "$NL_DIR/$h"/.standin-*/gobgpd.pid; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	wait_until 5 "speaker in $h killed" spk_dead "$h"
}

spk_stop() {
	local h=$1 pid rc
	pid=$(spk_pid "$h")
	echo "== $(date +%T.%N | cut -c1-12) SIGTERM" >>"$(spk_log "$h")"
	kill -TERM "$pid" 2>/dev/null
	if ! wait_until 15 "speaker in $h exits after SIGTERM" spk_dead "$h"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	echo "== exit status $rc" >>"$(spk_log "$h")"
	return $rc
}

# spk_log_has HOST REGEX [FROM_LINE]: the speaker's log has a line
# matching REGEX (after line FROM_LINE, see spk_log_lines).
spk_log_has() { tail -n +"$((${3:-0} + 1))" "$(spk_log "$1")" | grep -Eq "$2"; }

spk_log_lines() { wc -l <"$(spk_log "$1")"; }

# ---- metrics ----

SPK_METRICS_PORT=9444

spk_metrics() { nl_x "$1" curl -s --max-time 2 "http://127.0.0.1:$SPK_METRICS_PORT/metrics"; }

spk_metric() {
	spk_metrics "$1" | awk -v n="$2" -v l="$3" '
		index($0, n "{") == 1 && index($0, l) { print $NF; exit }
		l == "" && $1 == n { print $NF; exit }'
}

# RFC 5880 section 4.1's numbers, as berth_bfd_session_state has them.
spk_bfd_state() {
	local v
	v=$(spk_metric "$1" berth_bfd_session_state "peer=\"$2\"")
	case $v in
	0) echo AdminDown ;; 1) echo Down ;; 2) echo Init ;; 3) echo Up ;; *) echo "$v" ;;
	esac
}

spk_bfd_up() {
	local h=$1 p
	shift
	for p in "$@"; do [ "$(spk_bfd_state "$h" "$p")" = Up ] || return 1; done
}

spk_bfd_detect_ms() {
	spk_metric "$1" berth_bfd_detect_time_seconds "peer=\"$2\"" | awk 'NF {printf "%d\n", $1 * 1000 + 0.5}'
}

spk_bfd_flaps() { spk_metric "$1" berth_bfd_session_flaps_total "peer=\"$2\""; }

spk_bfd_dropped() { spk_metric "$1" berth_bfd_packets_dropped_total "reason=\"$2\""; }

spk_bfd_up_tx_ms() {
	grep -F "$2: BFD to " "$(spk_log "$1")" | grep -- '-> Up (transmit every' | tail -n 1 |
		sed -n 's/.*transmit every \([0-9]*\) ms.*/\1/p'
}

spk_bfd_down_diag() {
	grep -F "$2: BFD to " "$(spk_log "$1")" | grep -- 'Up -> Down (' | tail -n 1 |
		sed -n 's/.*Up -> Down (\([^)]*\)).*/\1/p'
}

# ---- manifests ----

_mf_opt() { # KEY DEFAULT ARGS...
	local k=$1 def=$2 a
	shift 2
	for a in "$@"; do
		[ "${a%%=*}" = "$k" ] && {
			echo "${a#*=}"
			return
		}
	done
	echo "$def"
}

mf_bgpconf() {
	local f=$1 as=$2 port=$3 rid gr lbpe
	shift 3
	rid=$(_mf_opt routerId "" "$@")
	gr=$(_mf_opt gr "" "$@")
	lbpe=$(_mf_opt lbpe "" "$@")
	{
		echo "---"
		echo "apiVersion: network.kubesphere.io/v1alpha2"
		echo "kind: BgpConf"
		echo "metadata:"
		echo "  name: default"
		echo "spec:"
		echo "  as: $as"
		echo "  listenPort: $port"
		[ -n "$rid" ] && echo "  routerId: $rid"
		if [ -n "$gr" ]; then
			echo "  gracefulRestart:"
			echo "    enabled: true"
			echo "    restartTime: $gr"
		fi
		[ -n "$lbpe" ] && echo "  linkBandwidthPerEndpoint: $lbpe"
	} >>"$f"
}

mf_peer() {
	local f=$1 name=$2 addr=$3 pas=$4 pw hold mh passive port node fams fam idlehold maxpfx6
	local la bfd k v lbnt
	shift 4
	pw=$(_mf_opt password "" "$@")
	hold=$(_mf_opt hold 3 "$@")
	mh=$(_mf_opt multihop "" "$@")
	passive=$(_mf_opt passive 0 "$@")
	port=$(_mf_opt port 179 "$@")
	node=$(_mf_opt node "" "$@")
	fams=$(_mf_opt families 4,6 "$@")
	idlehold=$(_mf_opt idlehold "" "$@")
	maxpfx6=$(_mf_opt maxpfx6 "" "$@")
	la=$(_mf_opt local "" "$@")
	bfd=$(_mf_opt bfd "" "$@")
	lbnt=$(_mf_opt lbnt "" "$@")
	{
		echo "---"
		echo "apiVersion: network.kubesphere.io/v1alpha2"
		echo "kind: BgpPeer"
		echo "metadata:"
		echo "  name: $name"
		echo "spec:"
		echo "  conf:"
		echo "    peerAs: $pas"
		echo "    neighborAddress: $addr"
		[ -n "$pw" ] && echo "    authPassword: $pw"
		if [ -n "$mh" ]; then
			echo "  ebgpMultihop:"
			echo "    enabled: true"
			echo "    multihopTtl: $mh"
		fi
		# OpenELB's TimersConfig fields are strings (decimal seconds).
		echo "  timers:"
		echo "    config:"
		echo "      holdTime: \"$hold\""
		echo "      keepaliveInterval: \"$((hold / 3 > 0 ? hold / 3 : 1))\""
		echo "      connectRetry: \"2\""
		[ -n "$idlehold" ] && echo "      idleHoldTimeAfterReset: \"$idlehold\""
		echo "  transport:"
		if [ "$passive" = 1 ]; then
			echo "    passiveMode: true"
		else
			echo "    passiveMode: false"
		fi
		echo "    remotePort: $port"
		[ -n "$la" ] && echo "    localAddress: $la"
		echo "  afiSafis:"
		for fam in ${fams//,/ }; do
			echo "  - config:"
			echo "      family:"
			if [ "$fam" = 4 ]; then echo "        afi: AFI_IP"; else echo "        afi: AFI_IP6"; fi
			echo "        safi: SAFI_UNICAST"
			echo "      enabled: true"
			if [ "$fam" = 6 ] && [ -n "$maxpfx6" ]; then
				echo "    prefixLimits:"
				echo "      maxPrefixes: $maxpfx6"
			fi
		done
		if [ -n "$node" ]; then
			echo "  nodeSelector:"
			echo "    matchLabels:"
			echo "      kubernetes.io/hostname: $node"
		fi
		if [ -n "$bfd" ]; then
			echo "  bfd:"
			if [ "$bfd" = 1 ]; then echo "    enabled: true"; else echo "    enabled: false"; fi
			for k in bfdrx:receiveInterval bfdtx:transmitInterval bfdmult:detectMultiplier \
				bfdstrict:strict; do
				v=$(_mf_opt "${k%%:*}" "" "$@")
				[ -n "$v" ] && echo "    ${k#*:}: $v"
			done
		fi
		if [ "$lbnt" = 1 ]; then
			echo "  linkBandwidth:"
			echo "    nonTransitive: true"
		fi
	} >>"$f"
}

mf_service() {
	local f=$1 name=$2 ip etp="" ips=()
	shift 2
	for ip in "$@"; do
		case $ip in
		etp=*) etp=${ip#etp=} ;;
		*) ips+=("$ip") ;;
		esac
	done
	set -- "${ips[@]}"
	{
		echo "---"
		echo "apiVersion: v1"
		echo "kind: Service"
		echo "metadata:"
		echo "  name: $name"
		echo "  namespace: default"
		echo "  annotations:"
		echo "    lb.kubesphere.io/v1alpha1: openelb"
		echo "    protocol.openelb.kubesphere.io/v1alpha1: bgp"
		echo "spec:"
		echo "  type: LoadBalancer"
		[ -n "$etp" ] && echo "  externalTrafficPolicy: $etp"
		echo "  ports:"
		echo "  - port: 80"
		echo "    protocol: TCP"
		echo "status:"
		echo "  loadBalancer:"
		if (($#)); then
			echo "    ingress:"
			for ip in "$@"; do echo "    - ip: $ip"; done
		else
			echo "    {}"
		fi
	} >>"$f"
}

mf_slice() {
	local f=$1 svc=$2 fam=$3 nc node c k a=0
	shift 3
	{
		echo "---"
		echo "apiVersion: discovery.k8s.io/v1"
		echo "kind: EndpointSlice"
		echo "metadata:"
		echo "  name: $svc-v$fam"
		echo "  namespace: default"
		echo "  labels:"
		echo "    kubernetes.io/service-name: $svc"
		echo "addressType: IPv$fam"
		echo "ports:"
		echo "- port: 80"
		echo "  protocol: TCP"
		echo "endpoints:"
		for nc in "$@"; do
			node=${nc%%=*} c=${nc#*=}
			if [ "$c" = 0r ]; then
				a=$((a + 1))
				_mf_endpoint "$fam" "$a" "$node" false
				continue
			fi
			for ((k = 0; k < c; k++)); do
				a=$((a + 1))
				_mf_endpoint "$fam" "$a" "$node" true
			done
		done
		(($# == 0)) && echo "  []"
	} >>"$f"
}

# Pod addresses from the documentation ranges; nothing routes to them.
_mf_endpoint() {
	local ip="198.51.100.$((100 + $2))"
	[ "$1" = 6 ] && ip="2001:db8:200::$2"
	echo "- addresses: [\"$ip\"]"
	echo "  nodeName: $3"
	echo "  conditions:"
	echo "    ready: $4"
}

mf_eip() {
	local f=$1 name=$2 cidr=$3 kv
	shift 3
	{
		echo "---"
		echo "apiVersion: network.kubesphere.io/v1alpha2"
		echo "kind: Eip"
		echo "metadata:"
		echo "  name: $name"
		echo "spec:"
		echo "  address: $cidr"
		echo "  protocol: bgp"
		if (($#)); then
			echo "  bgp:"
			for kv in "$@"; do echo "    ${kv%%=*}: ${kv#*=}"; done
		fi
	} >>"$f"
}

# api_start NS ADDR: the API server stand-in in namespace NS on ADDR:6443
# (state in $api = $NL_DIR/api), berth's CRDs applied; api_stop ends it.
# Sets KC (its kubeconfig); k runs kubectl against it, from NS. kubectl gets a discovery cache of
# this run's own: another run's stand-in may have had the same address and
# port, and its cached discovery would hide this one's resources.
api_start() {
	local ns=$1 addr=$2
	API_NS=$ns
	api=$NL_DIR/api
	nl_x "$ns" "$E2E_LIB_DIR/../../tools/apiserver/run" --dir "$api" --bind "$addr" \
		--port 6443 --daemon --bookmark-interval 5 >"$NL_DIR/api.out" 2>&1 ||
		die "API server: $(cat "$NL_DIR/api.out")"
	KC=$api/kubeconfig
	wait_until 20 "API server" k get ns || die "API server does not answer"
	k apply -f "$E2E_LIB_DIR/../../deploy/crds/" >/dev/null || die "CRDs"
	wait_until 20 "CRDs served" k get bgppeers || die "CRDs not served"
}
k() { nl_x "$API_NS" kubectl --kubeconfig "$KC" --cache-dir "$NL_DIR/kcache" --request-timeout=20s "$@"; }
api_stop() { nl_x "$API_NS" "$E2E_LIB_DIR/../../tools/apiserver/run" stop --dir "$api" >/dev/null 2>&1; }
