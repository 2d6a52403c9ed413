#!/usr/bin/env bash
# berth controller against the API server stand-in: which Services berth
# serves and what it writes (status, the lb.berth.io/pool annotation,
# the condition, Events, Eip status). Exits 0 when every check passes.
. "$(dirname "$0")/../controller/lib.sh"

api_start
eip pool4 192.0.2.0/28 default
eip pool6 2001:db8::/125 default
eip pool-b 198.51.100.10-198.51.100.12
ctl_start c1
check "controller ready" wait_for 15 ready c1

in_pool4() { [[ $(ips "$1" "${2:-default}") =~ ^192\.0\.2\.([0-9]|1[0-5])$ ]]; }

# -- who is berth's
svc a
check "no annotation, default Eip: address" wait_for 10 in_pool4 a
check "  pool annotation written" test "$(annotation a default lb.berth.io/pool)" = pool4
check "  condition True Allocated" test "$(cond a default)" = "True Allocated"
check "  Event IPAllocated" wait_for 10 has_event a default IPAllocated
svc b default lb=openelb
check "opt-in annotation: address" wait_for 10 in_pool4 b
svc c default class=berth.io/lb
check "berth's loadBalancerClass: address" wait_for 10 in_pool4 c
svc d default class=other.io/lb
svc d2 default lb=someone-else
svc g default pool=pool-b
check "specific pool (v1alpha2 annotation)" wait_for 10 has_ips g default 198.51.100.10
check "another class is left alone" test -z "$(ips d)$(annotation d default lb.berth.io/pool)$(events d)"
check "opted out (lb annotation) is left alone" test -z "$(ips d2)$(annotation d2 default lb.berth.io/pool)"

# -- specific addresses
svc e default lbip=192.0.2.5
check "spec.loadBalancerIP" wait_for 10 has_ips e default 192.0.2.5
svc f default ip=192.0.2.6
check "eip v1alpha1 annotation" wait_for 10 has_ips f default 192.0.2.6
svc h default lbip=203.0.113.9
check "address outside every pool: Warning Event" wait_for 10 has_event h default AllocationFailed
check "  condition False, no ingress" test "$(cond h default | cut -d' ' -f1)/$(ips h)" = "False/"
svc i default lbip=192.0.2.5
check "address taken: Warning Event" wait_for 10 has_event i default AllocationFailed
check "  no ingress, the holder keeps it" test "$(ips i)/$(ips e)" = "/192.0.2.5"

# -- dual-stack
svc j default policy=RequireDualStack families=IPv4,IPv6
dual() { [[ $(ips j) =~ ^192\.0\.2\.[0-9]+\ 2001:db8::[0-7]?$ ]]; }
check "RequireDualStack: a v4 and a v6 address" wait_for 10 dual

# -- sharing
svc s1 default share=k port=80
svc s2 default share=k port=443
shared() { [ -n "$(ips s1)" ] && [ "$(ips s1)" = "$(ips s2)" ]; }
check "sharing key, different ports: one address" wait_for 10 shared

# -- Eip status
usage() { eip_status pool4 usage; }
used4() { all_ips | awk '{print $1}' | sort -u | grep -c '^192\.0\.2\.'; }
usage_ok() { [ "$(usage)" = "$(used4)" ]; }
check "Eip status usage = addresses held" wait_for 10 usage_ok
check "Eip status poolSize/firstIP/lastIP/ready" test \
	"$(eip_status pool4 poolSize) $(eip_status pool4 firstIP) $(eip_status pool4 lastIP) $(eip_status pool4 ready)" = \
	'16 "192.0.2.0" "192.0.2.15" true'
check "Eip status used names the holder" test "$(k get eip pool4 -o json | jq -r '.status.used["192.0.2.5"]')" = default/e

# -- release
before=$(usage) freed=$(ips a)
k delete svc a >/dev/null
check "deleted Service: usage drops" wait_eq 10 $((before - 1)) usage
k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata: {name: c, namespace: default}
spec:
  type: ClusterIP
  selector: {app: c}
  ports: [{name: p, port: 80, protocol: TCP}]
EOF
check "type changed to ClusterIP: ingress removed" wait_eq 10 "" ips c
check "  usage drops again" wait_eq 10 $((before - 2)) usage
check "  pool annotation removed" test -z "$(annotation c default lb.berth.io/pool)"
svc n1 default lbip="$freed"
check "a freed address is given again" wait_for 10 has_ips n1 default "$freed"
# s1 and s2 share theirs on purpose.
check "no address held twice" test -z "$(all_ips | grep -v ' default/s2$' | awk '{print $1}' | sort | uniq -d)"

# -- overlapping Eip
eip overlap 192.0.2.8/29
# A refused Eip's status is empty (ready absent, no firstIP: controller/ctrl_eip.c).
eip_event() { k get events -A --field-selector involvedObject.name=overlap -o name | grep -q .; }
check "overlapping Eip reported with an Event" wait_for 10 eip_event
check "  not ready" test "$(eip_status overlap ready)" != true
svc n2
check "  the first Eip keeps working" wait_for 10 in_pool4 n2

check "SIGTERM: exit 0" ctl_stop c1
check "no internal error in the stand-in" bash -c "! grep -q 'internal error' $work/api/apiserver.log"
summary
