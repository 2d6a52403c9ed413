#!/usr/bin/env bash
# berth controller while the API server misbehaves: restarts, dropped
# watches (clean and abrupt), compaction (410 Gone), injected 409s and
# 500s, all while Services are being created. Every Service must end with
# exactly one address, none held twice, none renumbered. Exits 0 when
# every check passes.
. "$(dirname "$0")/../controller/lib.sh"

api_start
eip pool 10.20.0.0/24 default
ctl_start c1
check "controller ready" wait_for 15 ready c1

batch() { # FROM TO: creates Services sFROM..sTO in one kubectl call, retrying
	local i docs="" try
	for ((i = $1; i <= $2; i++)); do
		docs+="apiVersion: v1
kind: Service
metadata: {name: s$i, namespace: default}
spec: {type: LoadBalancer, selector: {app: s$i}, ports: [{name: p, port: 80, protocol: TCP}]}
---
"
	done
	for try in 1 2 3 4 5 6 7 8 9 10; do
		k apply -f - >/dev/null 2>&1 <<<"$docs" && return 0
		sleep 0.5
	done
	echo "batch $1..$2 not created"
	return 1
}

addressed() { # FROM TO: Services sFROM..sTO all have an address
	local n
	n=$(k get svc -n default -o json | jq --argjson a "$1" --argjson b "$2" '[.items[]
		| select(.metadata.name | test("^s[0-9]+$"))
		| select((.metadata.name[1:] | tonumber) as $i | $i >= $a and $i <= $b)
		| select((.status.loadBalancer.ingress // []) | length == 1)] | length')
	[ "$n" = $(($2 - $1 + 1)) ]
}

check "batch 1" batch 1 10
admin drop-watches abrupt=1
check "batch 2 (watches cut mid-stream)" batch 11 20
admin compact
admin drop-watches
check "batch 3 (compacted: 410 on resume)" batch 21 30
admin restart downtime_ms=1500
check "batch 4 (API server restarting)" batch 31 40
# Each injected fault replaces the last one, so let the controller catch up
# after the restart (its watches back off for seconds) before a fault is set,
# and write everything that fault is meant to hit before the next one.
check "batches 1-4 addressed after the restart" wait_for 30 addressed 1 40
admin fail code=409 count=6 verbs=update,patch resource=services
check "batch 5 (409 Conflict on writes)" batch 41 50
check "batch 5 addressed through the 409s" wait_for 30 addressed 41 50
# A 500 without Retry-After is not resent (client-go's rule): each one is
# a write given up, re-checked at the next resync. 30 cover batch 6's
# writes and some of the retries.
admin fail code=500 count=30 verbs=update,patch resource=services
check "batch 6 (500 on writes)" batch 51 60
admin compact
admin restart downtime_ms=500
check "batch 7 (another restart)" batch 61 70

one_each() { # every Service s1..s70 has exactly one address
	local n
	n=$(k get svc -n default -o json | jq '[.items[] | select(.metadata.name | test("^s[0-9]+$"))
		| select((.status.loadBalancer.ingress // []) | length == 1)] | length')
	[ "$n" = 70 ] || {
		echo "$n of 70 Services have exactly one address"
		return 1
	}
}
check "every Service has exactly one address" wait_for 40 one_each
check "no address held twice" test -z "$(all_ips | awk '{print $1}' | sort | uniq -d)"
check "Eip usage = 70" wait_eq 15 70 eip_status pool usage
snap=$(all_ips | sort)

admin restart downtime_ms=800
admin compact
sleep 3
admin drop-watches abrupt=1
sleep 2
check "after more restarts: nobody renumbered" test "$(all_ips | sort)" = "$snap"
relists=$(curl -s "http://127.0.0.1:$(ctl_port c1)/metrics" |
	awk '$1 ~ /^berth_k8s_relists_total/ { s += $2 } END { print s + 0 }')
restarts=$(curl -s "http://127.0.0.1:$(ctl_port c1)/metrics" |
	awk '$1 ~ /^berth_k8s_watch_restarts_total/ { s += $2 } END { print s + 0 }')
echo "     relists $relists, watch restarts $restarts"
check "the informers re-listed (410) and restarted watches" test "$relists" -gt 0 -a "$restarts" -gt 0
sum_metric() { curl -s "http://127.0.0.1:$(ctl_port c1)/metrics" | awk -v m="$1" 'index($1, m) == 1 { s += $2 } END { print s + 0 }'; }
check "500s: writes given up, then re-checked (resync)" test "$(sum_metric berth_controller_write_failures_total)" -gt 0 -a "$(sum_metric berth_controller_resyncs_total)" -gt 0
check "409s: the Service decided again from a newer view" grep -qE "conflict, re-checking" "$work/c1.log"
check "still ready" ready c1
check "SIGTERM: exit 0" ctl_stop c1
summary
