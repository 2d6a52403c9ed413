#!/usr/bin/env bash
# berth controller never renumbers: restarts, shrinking and deleting the
# Eip leave every Service its address; an address outside every Eip is
# reported and given to nobody else. Exits 0 when every check passes.
. "$(dirname "$0")/../controller/lib.sh"

api_start
eip pool 192.0.2.0/28 default
ctl_start c1
check "controller ready" wait_for 15 ready c1
for i in 1 2 3 4 5 6; do svc "s$i"; done
six() { [ "$(all_ips | wc -l)" = 6 ]; }
check "six Services allocated" wait_for 15 six
snap=$(all_ips | sort)
same() { [ "$(all_ips | grep -v ' default/n[0-9]$' | sort)" = "$snap" ]; }
puts() { grep -cE '(PUT|PATCH) /(api/v1/namespaces/[^/]+/services|apis/network)' "$work/api/apiserver.log"; }

check "SIGTERM: exit 0" ctl_stop c1
w0=$(puts)
ctl_start c1
check "restart: ready" wait_for 15 ready c1
sleep 1
check "restart: no write at all" test "$(puts)" = "$w0"
check "restart: every Service keeps its address" same

# Shrink the Eip so that .0 and .1 fall outside it.
eip pool 192.0.2.2-192.0.2.9 default
orphans=$(all_ips | awk '$1 == "192.0.2.0" || $1 == "192.0.2.1" { sub("default/", "", $2); print $2 }')
orphaned() {
	local s
	for s in $orphans; do has_event "$s" default AddressOrphaned || return 1; done
}
check "shrunk Eip: orphaned addresses reported" wait_for 10 orphaned
orphan_conds() {
	local s
	for s in $orphans; do
		[ "$(cond "$s" default)" = "False AddressOrphaned" ] || {
			echo "$s: condition '$(cond "$s" default)'"
			return 1
		}
	done
}
check "  condition says so" orphan_conds
check "  every Service keeps its address" same
svc n1
fresh() { local ip; ip=$(ips "$1") && [ -n "$ip" ] && ! grep -q "^$ip " <<<"$snap"; }
check "  a new Service gets a free address" wait_for 10 fresh n1
check "  usage counts the pool's holders only" wait_eq 10 5 eip_status pool usage

k delete eip pool >/dev/null
sleep 1
check "deleted Eip: every Service keeps its address" same
check "SIGTERM: exit 0" ctl_stop c1
ctl_start c1
check "restart without the Eip: ready" wait_for 15 ready c1
sleep 1
check "  every Service keeps its address" same

eip pool 192.0.2.0/28 default
svc n2
check "re-created Eip: a new Service gets none of the held addresses" wait_for 10 fresh n2
check "  and not n1's" bash -c "[ \"$(ips n1)\" != \"\$(kubectl get svc n2 -o jsonpath='{.status.loadBalancer.ingress[0].ip}')\" ]"
svc n3 default lbip=192.0.2.0
check "  an orphan's address asked for explicitly: refused" wait_for 10 has_event n3 default AllocationFailed
check "  no ingress for it" test -z "$(ips n3)"
check "  every Service still has its address" same
check "no address held twice" test -z "$(all_ips | awk '{print $1}' | sort | uniq -d)"
check "SIGTERM: exit 0" ctl_stop c1
summary
