#!/usr/bin/env bash
# lab/run, non-interactively, and what it claims: the controller's
# addresses in `kubectl get svc`, a route with three next hops for the
# Cluster Service and one for the Local Service, requests reaching every
# node, the route following the Local Service's pod; layer 2: one node
# answering the dual-stack layer2 Service (HTTP, the client's neighbour
# entries, its kube-lb0), another answering within 1 s when its link is
# cut, exactly one once it is back; BFD: bfdState Up for every node in the
# BgpPeer's status, a silent node's next hop gone from the router within
# 1 s (hold time 90 s), requests reaching the other two, the next hop back
# with the node, a BFDDown Event; and nothing left behind: after a
# normal run, after Ctrl-C, and after a failure. Needs root and BERTH (a
# berth binary, with tool_l2_probe beside it or in build/); prints "N
# passed, N failed".
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

# ---- layer 2 ----
ext=$(section '^==> Layer 2:' | awk '$1 == "web-l2" {print $4}')
check "layer 2: web-l2 has an IPv4 and an IPv6 address from the layer2 Eips ($ext)" \
	eval '[[ $ext =~ ^192\.0\.2\.20[0-9],2001:db8::20[0-9]$ ]]'
a4=${ext%%,*}
a6=${ext#*,}
# one_node SECTION WHAT: the node named by every WHAT line of SECTION
# (curl: "$ curl URL NODE"; neigh: "... <- NODE's eth0"), if all agree
# and there are two (one per address).
one_node() {
	local s
	s=$(section "$1" | case $2 in
		curl) awk '/^    \$ curl / {print $4}' ;;
		neigh) sed -n "s/.*<- \(n[0-9]\)'s eth0\$/\1/p" ;;
		esac)
	[ "$(wc -l <<<"$s")" = 2 ] && [ "$(sort -u <<<"$s" | wc -l)" = 1 ] && head -n 1 <<<"$s"
}
holders() { section "$1" | sed -n "s/^    kube-lb0 holding ${2//./\\.}: \(n[0-9]\( n[0-9]\)*\).*/\1/p" | tail -n 1; }
o=$(one_node 'Which node answers' curl)
check "layer 2: one node answers both addresses over HTTP (${o:-?})" eval '[[ $o == n[123] ]]'
check "layer 2: the client's neighbour entries name that node's MAC" \
	eval '[[ $o == n[123] ]] && [ "$(one_node "Which node answers" neigh)" = "$o" ]'
owner_lb=$(section 'Which node answers')
check "layer 2: the owner's kube-lb0 holds both addresses, no other node's does" eval \
	'[ "$(holders "Which node answers" "$a4")" = "$o" ] &&
	grep -q " inet $a4/32 " <<<"$owner_lb" && grep -q " inet6 $a6/128 " <<<"$owner_lb"'
check "layer 2: the owner's speaker logs it owns them" \
	grep -q "node $o owns $a6 on eth0" <<<"$owner_lb"
cut=$(section '^==> Cutting')
ms_of() { sed -n "s/^    ${1//./\\.}: *the client's requests went unanswered for \([0-9]*\) ms, then were answered again\$/\1/p" <<<"$cut"; }
m4=$(ms_of "$a4")
m6=$(ms_of "$a6")
check "layer 2: owner's link cut: $a4 answered again after ${m4:-?} ms (under 1000)" \
	eval '[ -n "$m4" ] && ((m4 < 1000))'
check "layer 2: owner's link cut: $a6 answered again after ${m6:-?} ms (under 1000)" \
	eval '[ -n "$m6" ] && ((m6 < 1000))'
n=$(one_node '^==> Cutting' curl)
check "layer 2: then another node answers both (${n:-?}, was ${o:-?})" eval '[[ $n == n[123] && $n != "$o" ]]'
check "layer 2: the client's neighbour entries moved to it" \
	eval '[[ $n == n[123] ]] && [ "$(one_node "^==> Cutting" neigh)" = "$n" ]'
check "layer 2: only its kube-lb0 holds $a4" \
	eval '[[ $n == n[123] ]] && [ "$(holders "^==> Cutting" "$a4")" = "$n" ]'
check "layer 2: its speaker logs the takeover, and its TookOver Event is shown" eval \
	'grep -q "node $n owns $a4 on eth0 (took over" <<<"$cut" &&
	grep -Eq "TookOver +service/web-l2 +node $n answers ARP/NDP for $a4 on eth0" <<<"$cut"'
back=$(section 'link is back')
now=$(awk '/^    and now, for 1 s:/ {on = 1; next} on && /^    [0-9]/' <<<"$back")
exactly_one() { # ADDR: the "and now" census line says one node, never two
	grep -Eq "^    ${1//./\\.}: +answered in ([1-9][0-9]*) of [0-9]+ rounds, by n[123], never by two nodes in one round\$" <<<"$now"
}
check "layer 2: link back: exactly one node answers $a4" exactly_one "$a4"
check "layer 2: link back: exactly one node answers $a6" exactly_one "$a6"
b=$(one_node 'link is back' curl)
check "layer 2: link back: that node (${b:-?}) answers HTTP for both, alone holds $a4" eval \
	'[[ $b == n[123] ]] && [ "$(holders "link is back" "$a4")" = "$b" ] &&
	grep -q "by $b, never" <<<"$now"'
# ---- BFD ----
bfd=$(section '^==> BFD: n3 goes silent')
bfd_line() { grep -E "^        $1: Up, sends every 100 ms, detection time 300 ms, flaps [0-9]+\$" <<<"$2"; }
check "BFD: the BgpPeer's status has bfdState Up for n1, n2 and n3, 100 ms, 300 ms" eval \
	'bfd_line n1 "$bfd" && bfd_line n2 "$bfd" && bfd_line n3 "$bfd"'
check "BFD: BIRD shows the three sessions Up at 100 ms, detection 300 ms" \
	test "$(grep -cE '^ +192\.0\.2\.1[123] +br0 +Up .* 0\.100 +0\.300$' <<<"$bfd")" = 3
ms=$(sed -n "s/^    the router dropped n3's next hop for ${ip_c//./\\.} \([0-9]*\) ms after n3 went silent\$/\1/p" <<<"$bfd")
check "BFD: n3 silent: the router dropped its next hop after ${ms:-?} ms (under 1000; hold time 90 s)" \
	eval '[ -n "$ms" ] && ((ms < 1000))'
check "BFD: ... BIRD says BFD took the session down" grep -q '^    BIRD: .*BFD session down' <<<"$bfd"
check "BFD: ... the route for web-cluster is via n1 and n2" \
	test "$(grep -A3 "route show $ip_c " <<<"$bfd" | hops)" = "192.0.2.11 192.0.2.12 "
check "BFD: ... 100 requests to web-cluster reach n1 and n2 only" \
	eval '[ "$(spread 4 | awk '"'"'$2 > 0 {print $1}'"'"' | tr "\n" " ")" = "n1 n2 " ]'
back=$(section '^==> n3 is back')
ms=$(sed -n "s/^    n3's next hop for ${ip_c//./\\.} was back \([0-9]*\) ms later.*/\1/p" <<<"$back")
check "BFD: n3 back: its next hop too, ${ms:-?} ms later (under 10 s)" \
	eval '[ -n "$ms" ] && ((ms < 10000))'
check "BFD: ... the route for web-cluster is via n1, n2 and n3 again" \
	test "$(grep -A4 "route show $ip_c " <<<"$back" | hops)" = "192.0.2.11 192.0.2.12 192.0.2.13 "
check "BFD: ... n3's bfdState Up again, and a BFDDown Event from n3" eval \
	'bfd_line n3 "$back" && grep -Eq "Warning +BFDDown +bgppeer/router +BFD session from node n3 to 192\.0\.2\.1 went down" <<<"$back"'
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
