# shellcheck shell=bash
# Network-namespace harness for the end-to-end tests and the lab. Source it,
# then call nl_setup once. Everything a run creates carries the run's own
# prefix ($NL_RUN): namespace names "$NL_RUN-<host>", the temp dir $NL_DIR.
# The EXIT/INT/TERM trap kills every process living in one of our namespaces
# (daemonised children included) and every pid we recorded, then deletes the
# namespaces: nothing of the run is left behind, nothing of another run is
# touched. Addresses come from the documentation ranges only (RFC 5737,
# RFC 3849) and traffic stays inside the namespaces.
#
# Results: ok/not_ok print TAP-like lines; nl_finish exits 0 only when no
# check failed. On failure the tail of every log under $NL_DIR is printed.

NL_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NL_RUN=""
NL_DIR=""
NL_FAILS=0
NL_PASSES=0
NL_T0=$(date +%s%N)

# Milliseconds since the run started, for log lines.
nl_ms() { echo $((($(date +%s%N) - NL_T0) / 1000000)); }

nl_log() { printf '[%6d ms] %s\n' "$(nl_ms)" "$*"; }

ok() {
	NL_PASSES=$((NL_PASSES + 1))
	nl_log "ok - $*"
}

NL_NOT_OK=()
not_ok() {
	NL_FAILS=$((NL_FAILS + 1))
	NL_NOT_OK+=("$*")
	nl_log "not ok - $*"
}

# check DESCRIPTION CMD...: runs CMD once, records the result.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# die MESSAGE: a setup step failed; later checks would only add noise.
die() {
	not_ok "$*"
	exit 1
}

nl_setup() {
	[ "$(id -u)" -eq 0 ] || {
		echo "e2e: must run as root (network namespaces)" >&2
		exit 1
	}
	# pid and a random part keep concurrent runs apart; short because
	# interface names are limited to 15 characters.
	NL_RUN=$(printf 'bt%x%03x' $$ $((RANDOM % 4096)))
	NL_DIR=$(mktemp -d "/tmp/berth-e2e.$NL_RUN.XXXXXX")
	: >"$NL_DIR/pids"
	: >"$NL_DIR/hosts"
	trap nl_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	nl_log "run $NL_RUN, logs in $NL_DIR"
}

nl_print_logs() {
	local f
	for f in "$NL_DIR"/*/*.log "$NL_DIR"/*.log; do
		[ -s "$f" ] || continue
		echo "---- tail ${f#"$NL_DIR"/}"
		tail -n "${NL_LOG_LINES:-40}" "$f"
	done
}

nl_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[ -n "$NL_DIR" ] || exit "$rc"
	((NL_FAILS)) && [ "$rc" -eq 0 ] && rc=1
	if [ "$rc" -ne 0 ]; then
		nl_print_logs
		# Again after the logs, which CI output may cut from the top.
		local d
		for d in "${NL_NOT_OK[@]}"; do echo "not ok - $d ($(basename "$0"))"; done
	fi
	nl_teardown
	exit "$rc"
}

# nl_teardown: kill everything of this run, delete its namespaces and
# (unless BERTH_E2E_KEEP is set) its temp dir.
nl_teardown() {
	local ns pid pids i
	while read -r pid; do
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done <"$NL_DIR/pids"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=""
		for ns in $(nl_our_namespaces); do
			pids="$pids $(ip netns pids "$ns" 2>/dev/null)"
		done
		[ -z "${pids// /}" ] && break
		# SIGTERM first so daemons can clean up; SIGKILL what is left.
		if [ "$i" -lt 6 ]; then
			kill -TERM $pids 2>/dev/null
		else
			kill -KILL $pids 2>/dev/null
		fi
		sleep 0.2
	done
	for ns in $(nl_our_namespaces); do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -z "${BERTH_E2E_KEEP:-}" ]; then
		rm -rf "$NL_DIR"
	else
		echo "kept $NL_DIR"
	fi
}

nl_our_namespaces() {
	ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NL_RUN-" || true
}

# nl_finish: end of a test script.
nl_finish() {
	nl_log "$NL_PASSES passed, $NL_FAILS failed"
	((NL_FAILS == 0))
	exit $?
}

nl_ns() { echo "$NL_RUN-$1"; }

# nl_x HOST CMD...: run CMD inside HOST's namespace.
nl_x() {
	local h=$1
	shift
	ip netns exec "$NL_RUN-$h" "$@"
}

# nl_host NAME...: a namespace with loopback up and no IPv6 DAD delay (so
# addresses are usable at once) and a working directory $NL_DIR/NAME.
nl_host() {
	local h
	for h in "$@"; do
		ip netns add "$NL_RUN-$h" || die "ip netns add $h"
		echo "$h" >>"$NL_DIR/hosts"
		mkdir -p "$NL_DIR/$h"
		nl_x "$h" ip link set lo up
		nl_x "$h" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		nl_x "$h" sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1
	done
}

# nl_link A B [A_IFNAME B_IFNAME]: a veth pair, named "to-B" in A and
# "to-A" in B unless given.
nl_link() {
	local a=$1 b=$2 ia=${3:-to-$2} ib=${4:-to-$1}
	local tmp="$NL_RUN$RANDOM"
	ip link add "${tmp}a" type veth peer name "${tmp}b" || die "veth $a-$b"
	ip link set "${tmp}a" netns "$NL_RUN-$a" name "$ia" || die "veth into $a"
	ip link set "${tmp}b" netns "$NL_RUN-$b" name "$ib" || die "veth into $b"
	nl_x "$a" ip link set "$ia" up
	nl_x "$b" ip link set "$ib" up
}

# nl_bridge HOST BR: a bridge in HOST; nl_enslave HOST BR IF adds a port.
nl_bridge() {
	nl_x "$1" ip link add "$2" type bridge || die "bridge $2 in $1"
	# No STP/learning delay: ports forward at once.
	nl_x "$1" ip link set "$2" type bridge forward_delay 0 stp_state 0
	nl_x "$1" ip link set "$2" up
}

nl_enslave() {
	nl_x "$1" ip link set "$3" master "$2" || die "enslave $3 to $2 in $1"
}

# nl_addr HOST IF ADDR/LEN...
nl_addr() {
	local h=$1 dev=$2 a
	shift 2
	for a in "$@"; do
		nl_x "$h" ip addr add "$a" dev "$dev" nodad 2>/dev/null ||
			nl_x "$h" ip addr add "$a" dev "$dev" || die "addr $a on $h/$dev"
	done
}

# nl_dummy HOST IF ADDR/LEN...: the service address lives on a dummy device,
# like kube-proxy's kube-ipvs0; on kernels without the dummy driver, on lo.
nl_dummy() {
	local h=$1 dev=$2
	shift 2
	if nl_x "$h" ip link add "$dev" type dummy 2>/dev/null; then
		nl_x "$h" ip link set "$dev" up
	else
		dev=lo
	fi
	nl_addr "$h" "$dev" "$@"
}

nl_forwarding() {
	nl_x "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# nl_route HOST ARGS...: "ip route add ARGS" (IPv6 when ARGS holds a ':').
nl_route() {
	local h=$1
	shift
	if [[ "$*" == *:* ]]; then
		nl_x "$h" ip -6 route add "$@" || die "route $* in $h"
	else
		nl_x "$h" ip route add "$@" || die "route $* in $h"
	fi
}

# nl_bg HOST LOGFILE CMD...: start CMD in HOST in the background, stdout and
# stderr to LOGFILE; sets NL_BG_PID and records the pid for the cleanup. Not
# in a $(...) subshell, so the caller can `wait` for the exit status.
NL_BG_PID=""
nl_bg() {
	local h=$1 log=$2
	shift 2
	ip netns exec "$NL_RUN-$h" "$@" >>"$log" 2>&1 </dev/null &
	NL_BG_PID=$!
	echo "$NL_BG_PID" >>"$NL_DIR/pids"
}

# wait_until TIMEOUT_S DESC CMD...: poll CMD every 0.2 s until it succeeds;
# on timeout print DESC and return 1.
wait_until() {
	local t=$1 desc=$2
	shift 2
	local end=$(($(date +%s%N) + t * 1000000000))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		if (($(date +%s%N) > end)); then
			nl_log "timeout after ${t}s: $desc"
			return 1
		fi
		sleep 0.2
	done
}

# holds_for SECONDS DESC CMD...: CMD must succeed at every poll for SECONDS.
holds_for() {
	local t=$1 desc=$2
	shift 2
	local end=$(($(date +%s%N) + t * 1000000000))
	while (($(date +%s%N) < end)); do
		if ! "$@" >/dev/null 2>&1; then
			nl_log "stopped holding after $(((t * 1000000000 - (end - $(date +%s%N))) / 1000000)) ms: $desc"
			return 1
		fi
		sleep 0.25
	done
	return 0
}

# never_for SECONDS DESC CMD...: CMD must fail at every poll for SECONDS.
never_for() {
	local t=$1 desc=$2
	shift 2
	local end=$(($(date +%s%N) + t * 1000000000))
	while (($(date +%s%N) < end)); do
		if "$@" >/dev/null 2>&1; then
			nl_log "happened after all: $desc"
			return 1
		fi
		sleep 0.25
	done
	return 0
}

# pid_alive PID: running (a zombie waiting to be reaped does not count).
pid_alive() {
	local st
	st=$(awk '{sub(/.*\) /, ""); print $1}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# fib_nexthops HOST PREFIX: the kernel FIB's next hops for PREFIX in HOST,
# one per line, sorted ("via" addresses; "dev X" for device routes).
fib_nexthops() {
	local fam=-4
	[[ "$2" == *:* ]] && fam=-6
	nl_x "$1" ip "$fam" route show exact "$2" 2>/dev/null |
		grep -o 'via [0-9a-f.:]*' | awk '{print $2}' | sort -u
}

# fib_nexthop_count HOST PREFIX
fib_nexthop_count() { fib_nexthops "$1" "$2" | grep -c .; }

# fib_route_count HOST PREFIX: how many FIB entries (not next hops) match.
fib_route_count() {
	local fam=-4
	[[ "$2" == *:* ]] && fam=-6
	nl_x "$1" ip "$fam" route show exact "$2" 2>/dev/null | grep -c '^[0-9a-f]'
}

# nl_blackhole HOST IF: HOST sends nothing more out of IF (a blackhole
# root qdisc: its egress dropped, as a dead machine's, while what comes in
# is still received); nl_unblackhole HOST IF undoes it. `tc -n`, no
# `ip netns exec`: the cut takes effect a few ms after the call.
nl_blackhole() { tc -n "$NL_RUN-$1" qdisc replace dev "$2" root blackhole; }
nl_unblackhole() { tc -n "$NL_RUN-$1" qdisc del dev "$2" root; }

# fib_watch HOST NAME: the kernel's route changes in HOST, timestamped
# (`ip -ts monitor route`), into $NL_DIR/NAME.mon until fib_watch_stop
# NAME. fib_lost_ms / fib_gained_ms NAME PREFIX NEXTHOP T0: milliseconds
# from T0 (seconds since the epoch: $EPOCHREALTIME) to the first change
# after it where PREFIX's route no longer has / has NEXTHOP; empty and
# false when there was none (tests/lib/fib_events.py).
fib_watch() {
	nl_bg "$1" "$NL_DIR/$2.mon" ip -ts monitor route
	echo "$NL_BG_PID" >"$NL_DIR/$2.monpid"
	sleep 0.2
}

fib_watch_stop() {
	kill "$(cat "$NL_DIR/$1.monpid")" 2>/dev/null
	wait "$(cat "$NL_DIR/$1.monpid")" 2>/dev/null
	return 0
}

fib_lost_ms() { python3 "$NL_LIB_DIR/fib_events.py" "$NL_DIR/$1.mon" "$2" lost "$3" "$4"; }
fib_gained_ms() { python3 "$NL_LIB_DIR/fib_events.py" "$NL_DIR/$1.mon" "$2" gained "$3" "$4"; }
# fib_weight_ms NAME PREFIX NEXTHOP WEIGHT T0: the same, to the first
# change after T0 where NEXTHOP has weight WEIGHT.
fib_weight_ms() { python3 "$NL_LIB_DIR/fib_events.py" "$NL_DIR/$1.mon" "$2" weight "$3=$4" "$5"; }
