# shellcheck shell=bash
# Harness for tests/e2e/test_controller_*.sh: an API server stand-in
# (tools/apiserver) in a temp dir, berth controllers started from $BERTH
# (default build/berth), kubectl, checks that count passes and failures.
# Everything started is killed on exit, also on failure.
set -uo pipefail
CTL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BERTH=${BERTH:-$CTL_ROOT/build/berth}
CTL_RUN="$CTL_ROOT/tools/apiserver/run"
work=$(mktemp -d /tmp/berth-ctl.XXXXXX)
passed=0 failed=0
declare -A CTL_PID=()
export KUBECONFIG=$work/api/kubeconfig

ctl_cleanup() {
	local p
	for p in "${CTL_PID[@]}"; do kill -9 "$p" 2>/dev/null; done
	"$CTL_RUN" stop --dir "$work/api" >/dev/null 2>&1
	if ((failed)) || [ -n "${BERTH_KEEP:-}" ]; then
		echo "logs kept in $work"
	else
		rm -rf "$work"
	fi
}
trap ctl_cleanup EXIT

k() { kubectl --request-timeout=20s "$@"; }

api_start() { # extra stand-in flags...
	mkdir -p "$work/api"
	if [ ! -x "$BERTH" ]; then
		echo "$BERTH: not built"
		exit 1
	fi
	"$CTL_RUN" --dir "$work/api" --port 0 --daemon --bookmark-interval 2 "$@" >/dev/null || {
		echo "cannot start the API server stand-in"
		exit 1
	}
	k apply -f "$CTL_ROOT/deploy/crds/" >/dev/null || exit 1
}

admin() { # OP key=value...: a test control, retried while the stand-in restarts
	local try
	for try in $(seq 40); do
		"$CTL_RUN" admin --dir "$work/api" "$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "admin $*: failed"
	return 1
}

ctl_start() { # name berth-controller-flags...
	local name=$1
	shift
	"$BERTH" controller --metrics-address 127.0.0.1:0 --log-level debug "$@" \
		>>"$work/$name.log" 2>&1 &
	CTL_PID[$name]=$!
}

ctl_stop() { # name: SIGTERM; returns the exit status
	local pid=${CTL_PID[$1]} rc
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	unset "CTL_PID[$1]"
	return $rc
}

ctl_kill() { # name: SIGKILL (a crash: no Lease release)
	local pid=${CTL_PID[$1]}
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "CTL_PID[$1]"
}

ctl_port() { # name
	grep -o 'readyz on [^ ]* (port [0-9]*' "$work/$1.log" | tail -1 | grep -o '[0-9]*$'
}

metric() { # name series: the value, e.g. metric c1 'berth_is_leader'
	curl -s "http://127.0.0.1:$(ctl_port "$1")/metrics" | awk -v m="$2" '$1 == m { print $2 }'
}

ready() { # name: /readyz answers 200
	curl -sf "http://127.0.0.1:$(ctl_port "$1")/readyz" >/dev/null
}

wait_for() { # seconds command...: retries every 0.2 s until it succeeds
	local end=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		((SECONDS >= end)) && return 1
		sleep 0.2
	done
}

check() { # name command...: one check, passes when the command succeeds
	local name=$1
	shift
	if "$@" >"$work/out" 2>&1; then
		passed=$((passed + 1))
		echo "ok   $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name"
		sed 's/^/    /' "$work/out" | head -20
	fi
}

summary() {
	check "no sanitizer report in the controllers' logs" \
		bash -c "! grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' $work/*.log"
	echo "$passed passed, $failed failed"
	((failed == 0))
}

# ---- objects ----

# svc NAME [NS] [key=value...]: applies a LoadBalancer Service on port 80.
# keys: port, class, lbip, pool (v1alpha2 annotation), ip (v1alpha1 eip
# annotation), lb (lb.kubesphere.io/v1alpha1), share (sharing key),
# policy (ipFamilyPolicy), families ("IPv4,IPv6"), type.
svc() {
	local name=$1 ns=${2:-default} kv key val
	local port=80 type=LoadBalancer ann="" spec=""
	shift 2 2>/dev/null || shift
	for kv in "$@"; do
		key=${kv%%=*} val=${kv#*=}
		case $key in
		port) port=$val ;;
		type) type=$val ;;
		class) spec+="  loadBalancerClass: $val"$'\n' ;;
		lbip) spec+="  loadBalancerIP: \"$val\""$'\n' ;;
		policy) spec+="  ipFamilyPolicy: $val"$'\n' ;;
		families) spec+="  ipFamilies: [${val}]"$'\n' ;;
		pool) ann+="    eip.openelb.kubesphere.io/v1alpha2: \"$val\""$'\n' ;;
		ip) ann+="    eip.openelb.kubesphere.io/v1alpha1: \"$val\""$'\n' ;;
		lb) ann+="    lb.kubesphere.io/v1alpha1: \"$val\""$'\n' ;;
		share) ann+="    lb.berth.io/sharing-key: \"$val\""$'\n' ;;
		*) echo "svc: unknown key $key" >&2 ;;
		esac
	done
	k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata:
  name: "$name"
  namespace: "$ns"
  annotations:
    berth.test/x: "1"
$ann
spec:
  type: $type
  selector: {app: $name}
  ports:
  - {name: p, port: $port, protocol: TCP}
$spec
EOF
}

eip() { # NAME ADDRESS [default] [extra spec lines...]
	local name=$1 addr=$2 dflt=${3:-}
	local ann="{}"
	[ "$dflt" = default ] && ann='{eip.openelb.kubesphere.io/is-default-eip: "true"}'
	k apply -f - >/dev/null <<EOF
apiVersion: network.kubesphere.io/v1alpha2
kind: Eip
metadata:
  name: "$name"
  annotations: $ann
spec:
  address: $addr
EOF
}

ips() { # NAME [NS]: the ingress addresses, space separated
	k get svc -n "${2:-default}" "$1" \
		-o jsonpath='{range .status.loadBalancer.ingress[*]}{.ip}{" "}{end}' | sed 's/ $//'
}

has_any_ip() { [ -n "$(ips "$@")" ]; } # NAME [NS]

has_ips() { # NAME NS expected
	[ "$(ips "$1" "$2")" = "$3" ] || {
		echo "$2/$1: ingress '$(ips "$1" "$2")', want '$3'"
		return 1
	}
}

events() { # NAME [NS]: the reasons of Events about a Service
	k get events -n "${2:-default}" --field-selector "involvedObject.name=$1" \
		-o jsonpath='{range .items[*]}{.reason}{" "}{end}'
}

has_event() { # NAME NS reason
	events "$1" "$2" | grep -qw "$3" || {
		echo "$2/$1: events '$(events "$1" "$2")', want $3"
		return 1
	}
}

annotation() { # NAME NS key
	k get svc -n "$2" "$1" -o json | jq -r --arg k "$3" '.metadata.annotations[$k] // ""'
}

cond() { # NAME NS: "status reason" of berth's condition
	k get svc -n "$2" "$1" -o json |
		jq -r '(.status.conditions // [])[] | select(.type == "berth.io/Allocated") |
			"\(.status) \(.reason)"'
}

eip_status() { # NAME field
	k get eip "$1" -o json | jq -c --arg f "$2" '.status[$f]'
}

# Every address held by a berth Service, one per line, "ip ns/name".
all_ips() {
	k get svc -A -o json | jq -r '.items[] | select(.metadata.annotations["lb.berth.io/pool"])
		| (.metadata.namespace + "/" + .metadata.name) as $n
		| (.status.loadBalancer.ingress // [])[] | "\(.ip) \($n)"'
}

# Writes counted in the stand-in's request log (PUT/POST/PATCH to
# services, their status, eips/status).
api_writes() {
	grep -cE '(PUT|PATCH|POST) /(api/v1/namespaces/[^/]+/services|apis/network.kubesphere.io/v1alpha2/eips)' \
		"$work/api/apiserver.log"
}

# wait_eq SECONDS EXPECTED command...: until the command prints EXPECTED
# (re-run every 0.2 s); on timeout says what it printed last.
wait_eq() {
	local end=$((SECONDS + $1)) want=$2 got
	shift 2
	while got=$("$@" 2>&1); [ "$got" != "$want" ]; do
		if ((SECONDS >= end)); then
			echo "$*: '$got', want '$want'"
			return 1
		fi
		sleep 0.2
	done
}
