#!/usr/bin/env bash
# lab/run, non-interactively, and what it claims: the controller's
# addresses in `kubectl get svc`, a route with three next hops for the
# Cluster Service and one for the Local Service, requests reaching every
# node, the route following the Local Service's pod, and nothing left
# behind: after a normal run, after Ctrl-C, and after a failure. Needs
# root and BERTH (a berth binary); prints "N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib/netns.sh" # ok, not_ok, check, nl_finish (no nl_setup)
: "${BERTH:?BERTH must name the berth binary}"
export BERTH BERTH_LAB_SKIP_DEPS=1
work=$(mktemp -d /tmp/berth-test-lab.XXXXXX)
trap 'rm -rf "$work"' EXIT
out=$work/out

# section TITLE_REGEX: the output lines after the "==> TITLE" line, up to
# the next "==>".
section() { awk -v t="$1" '/^==> / { on = ($0 ~ t); next } on' "$out"; }
run_of() { sed -n 's/.*namespaces \(bt[0-9a-f]*\)-\*.*/\1/p' "$1" | head -1; }
leftovers() { # RUN: namespaces, temp dirs and processes of that run
	ip netns list | grep "^$1-"
	ls -d /tmp/berth-e2e."$1".* 2>/dev/null
	pgrep -af "berth-e2e\.$1\." | grep -v pgrep
	true
}
nothing_left() { [ -n "$1" ] && [ -z "$(leftovers "$1")" ]; }

# ---- a normal run ----
touch "$work/before"
t0=$SECONDS
"$root/lab/run" >"$out" 2>&1 </dev/null
rc=$?
took=$((SECONDS - t0))
check "lab/run exits 0" test "$rc" = 0
check "it takes under 60 s ($took s)" test "$took" -lt 60
run=$(run_of "$out")

svc_line() { section 'kubectl get svc' | awk -v s="$1" '$1 == s'; }
ip_c=$(svc_line web-cluster | awk '{print $4}')
ip_l=$(svc_line web-local | awk '{print $4}')
in_pool() { [[ $1 =~ ^203\.0\.113\.([1-2][0-9]|30)$ ]]; }
check "kubectl get svc: web-cluster has an EXTERNAL-IP from the pool ($ip_c)" in_pool "$ip_c"
check "kubectl get svc: web-local has another one ($ip_l)" \
	eval 'in_pool "$ip_l" && [ "$ip_l" != "$ip_c" ]'
check "the Lease names one of the two controllers" \
	grep -Eq 'held by ctl-[ab]; the other replica waits' "$out"

hops() { grep -o 'via [0-9.]*' | awk '{print $2}' | sort | tr '\n' ' '; }
first_route() { # SVC: the first block only
	awk -v s="# $1\$" '/\$ ip -n/ { n += ($0 ~ s); on = ($0 ~ s) && n == 1; next }
		/^    [^ ]/ { on = 0 } on' "$out"
}
check "route for web-cluster: 3 next hops, n1 n2 n3" \
	test "$(first_route web-cluster | hops)" = "192.0.2.11 192.0.2.12 192.0.2.13 "
check "route for web-cluster is the Service's address" \
	grep -q "^ *$ip_c proto bird" <(first_route web-cluster)
check "route for web-local: 1 next hop, n1 (its pod's node)" \
	test "$(first_route web-local | hops)" = "192.0.2.11 "

spread() { # NTH: the NTH "web-cluster|web-local (http" block's "node count" lines
	awk -v want="$1" '/^    web-(cluster|local) \(http/ { n++; on = (n == want); next }
		/^        n[0-9] / { if (on) print $1, $2; next } { on = 0 }' "$out"
}
every_node() { # lines "node count": all three nodes, counts add up to 100
	local s
	s=$(spread 1)
	[ "$(awk '$2 > 0 {print $1}' <<<"$s" | tr '\n' ' ')" = "n1 n2 n3 " ] &&
		[ "$(awk '{t += $2} END {print t}' <<<"$s")" = 100 ]
}
check "100 requests to web-cluster reach n1, n2 and n3" every_node
check "100 requests to web-local all reach n1" test "$(spread 2)" = "n1 100"

moved=$(section 'pod moves')
check "after the move the route is via n2 only" \
	test "$(grep -E "^ +$ip_l " <<<"$moved" | hops)" = "192.0.2.12 "
check "after the move 100 requests reach n2" test "$(spread 3)" = "n2 100"
ms=$(sed -n 's/.*route was via n2 \([0-9]*\) ms after.*/\1/p' <<<"$moved")
check "the move was timed (${ms:-?} ms, under 5 s)" eval '[ -n "$ms" ] && [ "$ms" -lt 5000 ]'
check "the lab says it removed everything" \
	grep -q 'namespaces left: 0, processes left: 0, temp dir left: no' "$out"
check "nothing of run ${run:-?} is left (namespaces, temp dir, processes)" nothing_left "$run"
kcache=${HOME:-/root}/.kube/cache/discovery/192.0.2.1_6443
check "kubectl's cache stayed in the run (~/.kube/cache untouched)" \
	test -z "$(find "$kcache" -newer "$work/before" 2>/dev/null)"
if ((NL_FAILS)); then
	echo "---- lab output"
	cat "$out"
fi

# ---- Ctrl-C while the speakers start ----
# Job control, so the lab runs in its own process group and does not start
# with SIGINT ignored (as background jobs of scripts do); the signal then
# goes to the whole group, as a terminal's Ctrl-C does.
# env --default-signal: when the tests themselves run as a background job
# (CI runners, `cmd &`), SIGINT arrives ignored, and a shell cannot trap
# or reset a signal ignored at its start; a terminal's Ctrl-C reaches a
# lab whose SIGINT is at its default.
set -m
env --default-signal=INT "$root/lab/run" >"$work/int" 2>&1 </dev/null &
pid=$!
set +m
end=$((SECONDS + 40))
# At once: the whole lab takes about 3 s now, and a Ctrl-C a second
# later landed after its own teardown had begun (traps cleared), which
# is not what this checks.
until grep -q 'Starting berth controller' "$work/int" 2>/dev/null || ((SECONDS > end)); do sleep 0.05; done
kill -INT -- "-$pid"
wait "$pid"
rc=$?
run=$(run_of "$work/int")
check "Ctrl-C: lab/run stops with status 130 ($rc)" test "$rc" = 130
check "Ctrl-C: nothing of run ${run:-?} is left" nothing_left "$run"

# ---- a failure: a berth whose controller dies at once ----
cat >"$work/berth" <<EOF
#!/bin/sh
[ "\$1" = controller ] && [ "\${2:-}" != --help ] && { echo "controller broken on purpose"; exit 1; }
exec "$BERTH" "\$@"
EOF
chmod +x "$work/berth"
BERTH=$work/berth "$root/lab/run" >"$work/fail" 2>&1 </dev/null
rc=$?
run=$(run_of "$work/fail")
check "failure: lab/run exits non-zero ($rc)" test "$rc" != 0
check "failure: it says what failed" grep -q 'not ok - no controller took the Lease' "$work/fail"
check "failure: it shows the daemons' logs" grep -q 'controller broken on purpose' "$work/fail"
check "failure: nothing of run ${run:-?} is left" nothing_left "$run"

nl_finish
