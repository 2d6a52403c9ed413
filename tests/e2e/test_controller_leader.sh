#!/usr/bin/env bash
# Two berth controllers with --leader-elect: only the leader writes; when
# it dies the other takes over and completes the pending work; a leader
# stopped with SIGTERM releases the Lease so the standby takes over at
# once. One of them also serves /healthz and /readyz alone on
# --health-address. Exits 0 when every check passes.
. "$(dirname "$0")/../controller/lib.sh"

api_start
eip pool 192.0.2.0/27 default
le=(--leader-elect --lease-namespace default --lease-duration 4 --renew-deadline 3 --retry-period 0.5)
# c1 also serves the probes alone, as deploy/controller.yaml runs it.
ctl_start c1 "${le[@]}" --identity c1 --health-address 127.0.0.1:0
ctl_start c2 "${le[@]}" --identity c2
both_ready() { ready c1 && ready c2; }
check "both ready (the standby too)" wait_for 15 both_ready
probes=$(grep -o 'probes (/healthz, /readyz) on [^ ]* (port [0-9]*' "$work/c1.log" | grep -o '[0-9]*$')
code() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$probes$1"; }
check "c1's probes server: /readyz and /healthz 200, no /metrics" eval \
	'[ -n "$probes" ] && [ "$(code /readyz)/$(code /healthz)/$(code /metrics)" = 200/200/404 ]'
holder() { k get lease -n default berth-controller -o jsonpath='{.spec.holderIdentity}'; }
has_holder() { [ -n "$(holder)" ]; }
check "one holds the Lease" wait_for 15 has_holder
leader=$(holder)
standby=c1
[ "$leader" = c1 ] && standby=c2
echo "     leader $leader, standby $standby"
check "berth_is_leader: 1 on the leader, 0 on the standby" \
	test "$(metric "$leader" berth_is_leader)/$(metric "$standby" berth_is_leader)" = 1/0

for i in 1 2 3 4 5; do svc "a$i"; done
count() { [ "$(all_ips | wc -l)" = "$1" ]; }
check "five Services allocated" wait_for 15 count 5
puts() { grep -cE '(PUT|PATCH) /(api/v1/namespaces/[^/]+/services|apis/network)' "$work/api/apiserver.log"; }
sum_writes() {
	curl -s "http://127.0.0.1:$(ctl_port "$1")/metrics" |
		awk '$1 ~ /^berth_controller_writes_total/ { s += $2 } END { print s + 0 }'
}
sleep 1
check "the standby wrote nothing" test "$(sum_writes "$standby")" = 0
check "  nor logged a write" bash -c "! grep -q ' written' $work/$standby.log"
check "every write in the stand-in's log is the leader's" test "$(puts)" = "$(sum_writes "$leader")"
snap=$(all_ips | sort)

# Crash: no release. The standby waits out the lease, then acts.
ctl_kill "$leader"
for i in 6 7 8; do svc "a$i"; done
t0=$SECONDS
check "leader killed: the standby takes over" wait_eq 20 1 metric "$standby" berth_is_leader
check "  and completes the pending work" wait_for 15 count 8
echo "     took over and finished in $((SECONDS - t0)) s"
check "  nobody renumbered" bash -c "[ \"\$(comm -23 <(echo '$snap') <(kubectl get svc -A -o json | jq -r '.items[] | select(.metadata.annotations[\"lb.berth.io/pool\"]) | (.metadata.namespace + \"/\" + .metadata.name) as \$n | (.status.loadBalancer.ingress // [])[] | \"\(.ip) \(\$n)\"' | sort))\" = '' ]"
check "no address held twice" test -z "$(all_ips | awk '{print $1}' | sort | uniq -d)"

# A clean stop releases the Lease: the new standby takes over at once,
# well before the 4 s lease would expire.
ctl_start "$leader" "${le[@]}" --identity "$leader"
check "restarted replica ready as standby" wait_for 15 ready "$leader"
check "  not leading" test "$(metric "$leader" berth_is_leader)" = 0
t0=$(date +%s.%N)
check "SIGTERM on the leader: exit 0" ctl_stop "$standby"
check "  the other leads within 2.5 s" wait_eq 3 1 metric "$leader" berth_is_leader
echo "     handover in $(echo "$(date +%s.%N) - $t0" | bc) s"
check "  Lease holder is it" test "$(holder)" = "$leader"
svc a9
check "  and it serves" wait_for 10 count 9
check "SIGTERM: exit 0" ctl_stop "$leader"
check "  Lease released (holder empty)" test -z "$(holder)"
summary
