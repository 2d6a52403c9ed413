# shellcheck shell=bash
# Per-pool BGP settings (Eip spec.bgp, issue 14) against a real router
# (bird or frr), in manifest mode:
#
#   tor1 (router, AS 65000: eBGP)  192.0.2.1/24 2001:db8::1/64 on bridge br0,
#     |                            whose ports lead to tor2, n1 and n2
#     +-- tor2 (router, AS 65001: iBGP)  192.0.2.2/24  2001:db8::2/64
#     +-- n1   (speaker, AS 65001)       192.0.2.11/24 2001:db8::11/64  Node label rack=r1
#     +-- n2   (speaker, AS 65001)       192.0.2.12/24 2001:db8::12/64  Node label rack=r2
#
# Both speakers run one manifest (BgpPeers tor1 and tor2, both Nodes, the
# pools and Services below); each session is over IPv4 and carries both
# families. Pools (Eip spec.bgp) and their Services (Cluster unless said):
#
#   attrs4 203.0.113.0/26, attrs6 2001:db8:100::/64: communities
#       ["65000:100", "no-export"], largeCommunities ["65000:1:2"],
#       localPref 200; Services a1 (.10, ::10), a2 (.11, ::11), a3 (.12)
#   agg4 198.51.100.0/24 aggregationLength 24, agg6 2001:db8:200::/64
#       aggregationLengthV6 64: g1 (.10, ::10), g2 (.20, ::20), and gl
#       (.30, ::30) Local with its one endpoint on n1
#   tor1only 203.0.113.64/26 peers [tor1]: t1 (203.0.113.70)
#   rack1 203.0.113.128/26 nodeSelector {rack: r1}: r1 (203.0.113.130)
#   plain 203.0.113.192/26, plain6 2001:db8:300::/64, no spec.bgp: p1
#       (203.0.113.200, 2001:db8:300::10)
#
# The routers' own views (birdc "show route ... all", FRR "show bgp ...
# json") give communities, large communities and LOCAL_PREF; a capture on
# each node's link (tests/lib/bgp_pcap.py) gives what was on the wire:
# UPDATE packing, LOCAL_PREF absent on eBGP, aggregate announcements and
# withdrawals, and no new OPEN (no session reset) after the first.
#
# In order: the attributes; packing (the table at session start, then two
# Services added in one reload); peers and nodeSelector; aggregation; an
# edit of the communities; three kinds of bad input, each refused with
# the running configuration kept; the aggregate's Cluster Services
# deleted one by one; SIGTERM.

PA_PCAP=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bgp_pcap.py
PA_HOLD=9 # not 3 s: a busy shared machine must not pass for a reset
PA_SANITIZER_RE='ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: [A-Za-z]*Sanitizer|Sanitizer:DEADLYSIGNAL'

# Manifest state, rewritten by pa_write.
PA_COMM='["65000:100", "no-export"]'
PA_SVCS=""
PA_MANGLE="" # a sed expression applied to the written manifest (bad input)

pa_svc_default() {
	PA_SVCS="a1 Cluster 203.0.113.10 2001:db8:100::10
a2 Cluster 203.0.113.11 2001:db8:100::11
a3 Cluster 203.0.113.12
g1 Cluster 198.51.100.10 2001:db8:200::10
g2 Cluster 198.51.100.20 2001:db8:200::20
gl Local 198.51.100.30 2001:db8:200::30
t1 Cluster 203.0.113.70
r1 Cluster 203.0.113.130
p1 Cluster 203.0.113.200 2001:db8:300::10"
}

pa_svc_drop() { # NAME: PA_SVCS without that Service
	PA_SVCS=$(echo "$PA_SVCS" | awk -v n="$1" '$1 != n')
}

_pa_node() { # FILE NAME RACK ADDR
	cat >>"$1" <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $2
  labels:
    kubernetes.io/hostname: $2
    rack: $3
status:
  addresses:
  - type: InternalIP
    address: $4
EOF
}

_pa_eip() { # FILE NAME ADDRESS [BGP YAML LINES...]
	local f=$1 l
	{
		echo "---"
		echo "apiVersion: network.kubesphere.io/v1alpha2"
		echo "kind: Eip"
		echo "metadata:"
		echo "  name: $2"
		echo "spec:"
		echo "  address: $3"
		echo "  protocol: bgp"
		shift 3
		if (($#)); then
			echo "  bgp:"
			for l in "$@"; do echo "    $l"; done
		fi
	} >>"$f"
}

_pa_service() { # FILE NAME POLICY IP...
	local f=$1 name=$2 etp=$3 ip
	shift 3
	{
		echo "---"
		echo "apiVersion: v1"
		echo "kind: Service"
		echo "metadata:"
		echo "  name: $name"
		echo "  namespace: default"
		echo "spec:"
		echo "  type: LoadBalancer"
		echo "  externalTrafficPolicy: $etp"
		echo "  ports:"
		echo "  - port: 80"
		echo "    protocol: TCP"
		echo "status:"
		echo "  loadBalancer:"
		echo "    ingress:"
		for ip in "$@"; do echo "    - ip: $ip"; done
	} >>"$f"
}

# pa_write FILE: the manifest from PA_COMM, PA_SVCS and PA_MANGLE,
# rewritten in place (same inode) as an editor would.
pa_write() {
	local f=$1 t=$1.new name etp ips
	: >"$t"
	mf_bgpconf "$t" 65001 17900
	mf_peer "$t" tor1 192.0.2.1 65000 hold=$PA_HOLD
	mf_peer "$t" tor2 192.0.2.2 65001 hold=$PA_HOLD
	_pa_node "$t" n1 r1 192.0.2.11
	_pa_node "$t" n2 r2 192.0.2.12
	_pa_eip "$t" attrs4 203.0.113.0/26 "communities: $PA_COMM" \
		'largeCommunities: ["65000:1:2"]' "localPref: 200"
	_pa_eip "$t" attrs6 2001:db8:100::/64 "communities: $PA_COMM" \
		'largeCommunities: ["65000:1:2"]' "localPref: 200"
	_pa_eip "$t" agg4 198.51.100.0/24 "aggregationLength: 24"
	_pa_eip "$t" agg6 2001:db8:200::/64 "aggregationLengthV6: 64"
	_pa_eip "$t" tor1only 203.0.113.64/26 "peers: [tor1]"
	_pa_eip "$t" rack1 203.0.113.128/26 "nodeSelector: {rack: r1}"
	_pa_eip "$t" plain 203.0.113.192/26
	_pa_eip "$t" plain6 2001:db8:300::/64
	while read -r name etp ips; do
		# shellcheck disable=SC2086
		[ -n "$name" ] && _pa_service "$t" "$name" "$etp" $ips
	done <<<"$PA_SVCS"
	# The Local Service's one ready endpoint, on n1.
	cat >>"$t" <<EOF
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: gl-1
  namespace: default
  labels:
    kubernetes.io/service-name: gl
addressType: IPv4
endpoints:
- addresses: [10.0.0.1]
  nodeName: n1
  conditions: {ready: true}
EOF
	[ -n "$PA_MANGLE" ] && sed -i "$PA_MANGLE" "$t"
	cat "$t" >"$f"
	rm -f "$t"
}

# ---- the routers' view ----

# pa_attrs HOST FROM PREFIX: "comm=A:B,... large=A:B:C,... lp=N" for the
# route to PREFIX that HOST learned from FROM (values sorted, well-known
# communities as numbers, "-" for none); nothing when there is none.
pa_attrs() { "_pa_$(_peer_type "$1")_attrs" "$1" "$2" "$3"; }

_pa_bird_attrs() {
	local t=master4
	[[ "$3" == *:* ]] && t=master6
	bird_cli "$1" show route "$3" table "$t" protocol "$(_bird_name "$2")" all 2>/dev/null |
		python3 -c 'import re,sys
out = None
for l in sys.stdin:
    if re.match(r"^[0-9a-f][0-9a-f.:]*/[0-9]+", l) or re.match(r"^\s+unicast", l):
        out = {"comm": [], "large": [], "lp": "-"}
    if out is None:
        continue
    m = re.match(r"\s*BGP\.(community|large_community|local_pref):\s*(.*)", l)
    if not m:
        continue
    k, v = m.groups()
    if k == "local_pref":
        out["lp"] = v.strip()
    elif k == "community":
        out["comm"] += ["%s:%s" % t for t in re.findall(r"\((\d+),\s*(\d+)\)", v)]
    else:
        out["large"] += ["%s:%s:%s" % t for t in re.findall(r"\((\d+),\s*(\d+),\s*(\d+)\)", v)]
if out is not None:
    key = lambda c: [int(x) for x in c.split(":")]
    print("comm=%s large=%s lp=%s" % (",".join(sorted(out["comm"], key=key)) or "-",
          ",".join(sorted(out["large"], key=key)) or "-", out["lp"]))'
}

_pa_frr_attrs() {
	local af=ipv4
	[[ "$3" == *:* ]] && af=ipv6
	vty "$1" "show bgp $af unicast $3 json" 2>/dev/null | python3 -c 'import json,sys
names = {"no-export": "65535:65281", "no-advertise": "65535:65282",
         "no-export-subconfed": "65535:65283", "no-peer": "65535:65284",
         "blackhole": "65535:666", "graceful-shutdown": "65535:0",
         "llgr-stale": "65535:6", "no-llgr": "65535:7",
         "local-AS": "65535:65283", "noExport": "65535:65281"}
d = json.load(sys.stdin)
if d.get("prefix") != sys.argv[2]:
    sys.exit(0)
for p in d.get("paths", []):
    if p.get("peer", {}).get("peerId") != sys.argv[1]:
        continue
    comm = [names.get(c, c) for c in p.get("community", {}).get("string", "").split()]
    large = p.get("largeCommunity", {}).get("string", "").split()
    key = lambda c: [int(x) for x in c.split(":")]
    print("comm=%s large=%s lp=%s" % (",".join(sorted(comm, key=key)) or "-",
          ",".join(sorted(large, key=key)) or "-", p.get("locPrf", "-")))
    break' "$2" "$3"
}

# pa_attrs_are HOST FROM PREFIX EXPECTED: pa_attrs says EXPECTED.
pa_attrs_are() { [ "$(pa_attrs "$1" "$2" "$3")" = "$4" ]; }

# pa_has HOST FROM PREFIX...: every PREFIX learned from FROM.
pa_has() {
	local h=$1 from=$2 p
	shift 2
	for p in "$@"; do peer_has_route "$h" "$from" "$p" || return 1; done
}

# pa_lacks HOST FROM PREFIX...: none of them learned from FROM.
pa_lacks() {
	local h=$1 from=$2 p
	shift 2
	for p in "$@"; do peer_has_route "$h" "$from" "$p" && return 1; done
	return 0
}

# ---- the wire ----

# pa_wire NODE [DST]: the BGP messages NODE sent (to DST), one a line
# (tests/lib/bgp_pcap.py), from the capture on NODE's link.
pa_wire() {
	local n=$1 src=192.0.2.1${1#n}
	python3 "$PA_PCAP" "$NL_DIR/$n/bgp.pcap" "$src" ${2:+"$2"}
}

# pa_updates NODE DST [FROM_LINE]: its UPDATEs to DST with NLRI or
# withdrawals (no End-of-RIB), after line FROM_LINE of pa_wire's output.
pa_updates() {
	pa_wire "$1" "$2" | tail -n +"$((${3:-0} + 1))" | awk '$4 == "UPDATE" && $NF == "eor=0"'
}

pa_wire_lines() { pa_wire "$1" "${2:-}" | wc -l; }

# pa_field LINE KEY: the value of KEY=... in a pa_wire line.
pa_field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# pa_in_one NODE DST FROM_LINE PREFIX...: one UPDATE after FROM_LINE
# carries every PREFIX in its NLRI, and no other UPDATE carries any.
pa_in_one() {
	local n=$1 dst=$2 from=$3 ups
	shift 3
	ups=$(pa_updates "$n" "$dst" "$from")
	echo "$ups" | python3 -c 'import sys
want = set(sys.argv[1:])
hits = []
for l in sys.stdin:
    f = dict(w.split("=", 1) for w in l.split()[4:] if "=" in w)
    got = set(f.get("nlri", "-").split(",")) & want
    if got:
        hits.append(got)
sys.exit(0 if len(hits) == 1 and hits[0] == want else 1)' "$@"
}

# pa_wire_count NODE DST FROM_LINE KEY PREFIX: how many UPDATEs after
# FROM_LINE list PREFIX under KEY (nlri or withdrawn).
pa_wire_count() {
	pa_updates "$1" "$2" "$3" | awk -v k="$4" -v p="$5" '
		{ for (i = 5; i <= NF; i++) if (index($i, k "=") == 1) {
			split(substr($i, length(k) + 2), a, ",")
			for (j in a) if (a[j] == p) n++ } }
		END { print n + 0 }'
}

# pa_no_dup_attrs NODE DST TO_LINE: in the UPDATEs up to line TO_LINE
# (the table sent at session start) no two that announce routes of one
# family carry the same attributes: routes with equal attributes share an
# UPDATE. Prints the offenders.
pa_no_dup_attrs() {
	pa_wire "$1" "$2" | head -n "$3" | awk '$4 == "UPDATE" && $NF == "eor=0"' | python3 -c 'import sys
seen = {}
bad = 0
for l in sys.stdin:
    w = l.split()
    f = dict(x.split("=", 1) for x in w[4:] if "=" in x)
    if f["nlri"] == "-":
        continue
    fam = 6 if ":" in f["nlri"] else 4
    key = (fam, f["attrs"], f["lp"], f["comm"], f["large"], f["ext"])
    if key in seen:
        print("same attributes in two UPDATEs: %s and %s" % (seen[key], f["nlri"]))
        bad = 1
    seen[key] = f["nlri"]
sys.exit(bad)'
}

# ---- the run ----

pa_sessions_up() {
	local r n
	for r in tor1 tor2; do
		for n in 192.0.2.11 192.0.2.12; do peer_established "$r" "$n" || return 1; done
	done
}

pa_ups() { # every session's count of ups at the routers
	local r n out=""
	for r in tor1 tor2; do
		for n in 192.0.2.11 192.0.2.12; do out="$out $(peer_ups "$r" "$n")"; done
	done
	echo "${out# }"
}

# The routes the default manifest gives each router, from each node.
PA_T1_N1="203.0.113.10/32 203.0.113.11/32 203.0.113.12/32 2001:db8:100::10/128
	2001:db8:100::11/128 198.51.100.0/24 198.51.100.30/32 2001:db8:200::/64
	2001:db8:200::30/128 203.0.113.70/32 203.0.113.130/32 203.0.113.200/32
	2001:db8:300::10/128"

pa_converged() {
	# shellcheck disable=SC2086
	pa_has tor1 192.0.2.11 $PA_T1_N1 &&
		pa_has tor2 192.0.2.11 203.0.113.10/32 2001:db8:100::10/128 198.51.100.0/24 \
			2001:db8:200::/64 203.0.113.130/32 203.0.113.200/32 &&
		pa_has tor1 192.0.2.12 203.0.113.10/32 198.51.100.0/24 2001:db8:200::/64 \
			203.0.113.70/32 203.0.113.200/32 &&
		pa_has tor2 192.0.2.12 203.0.113.10/32 198.51.100.0/24 203.0.113.200/32
}

# pa_reload NODE...: SIGHUP to each (the file watcher may have been first).
pa_reload() {
	local n
	for n in "$@"; do spk_hup "$n"; done
}

run_pool_attrs_suite() {
	local type=$1 m n i p r ups ups0 mark mark1 mark2 l want c4 c6 bad
	# shellcheck disable=SC2034 # read by tests/lib/peers.sh
	E2E_PEER_ORIGINATE=0 # the routers send nothing: the speakers' routes only
	nl_setup
	spk_check
	nl_host tor1 tor2 n1 n2
	nl_bridge tor1 br0
	nl_addr tor1 br0 192.0.2.1/24 2001:db8::1/64
	i=0
	for n in tor2 n1 n2; do
		i=$((i + 1))
		nl_link tor1 "$n" "p$i" to-sw
		nl_enslave tor1 br0 "p$i"
	done
	nl_addr tor2 to-sw 192.0.2.2/24 2001:db8::2/64
	nl_addr n1 to-sw 192.0.2.11/24 2001:db8::11/64
	nl_addr n2 to-sw 192.0.2.12/24 2001:db8::12/64

	for n in n1 n2; do
		# -U: each packet written at once, so the file can be read
		# while the capture runs.
		nl_bg "$n" "$NL_DIR/$n/tcpdump.log" tcpdump -i to-sw -nn -U -s 0 \
			-w "$NL_DIR/$n/bgp.pcap" tcp port 179
	done
	for n in 192.0.2.11 192.0.2.12; do
		peer_neighbor tor1 "$n" 65001 hold=$PA_HOLD
		peer_neighbor tor2 "$n" 65001 hold=$PA_HOLD
	done
	peer_start "$type" tor1 65000 192.0.2.1
	peer_start "$type" tor2 65001 192.0.2.2
	wait_until 10 "captures running" eval "[ -s '$NL_DIR/n1/bgp.pcap' ] && [ -s '$NL_DIR/n2/bgp.pcap' ]" ||
		die "tcpdump did not start"

	m=$NL_DIR/manifest.yaml
	pa_svc_default
	pa_write "$m"
	spk_start n1 n1 "$m"
	spk_start n2 n2 "$m"

	wait_until 60 "all four sessions Established" pa_sessions_up &&
		ok "$type: tor1 (eBGP) and tor2 (iBGP) Established with n1 and n2" ||
		die "$type: sessions did not come up"
	wait_until 60 "the routes of the manifest" pa_converged ||
		not_ok "$type: not every expected route arrived"
	# The table sent at session start: everything up to here.
	sleep 2
	ups0=$(pa_ups)
	mark1=$(pa_wire_lines n1 192.0.2.1)
	mark2=$(pa_wire_lines n1 192.0.2.2)

	# ---- communities, large communities, LOCAL_PREF ----
	want="comm=65000:100,65535:65281 large=65000:1:2"
	for p in 203.0.113.10/32 2001:db8:100::10/128; do
		r=$(pa_attrs tor1 192.0.2.11 "$p")
		check "$type: tor1 (eBGP) sees $p with communities 65000:100 no-export and large 65000:1:2 ($r)" \
			test "${r% lp=*}" = "$want"
		r=$(pa_attrs tor2 192.0.2.11 "$p")
		check "$type: tor2 (iBGP) sees $p with the same and LOCAL_PREF 200 ($r)" \
			test "$r" = "$want lp=200"
	done
	r=$(pa_attrs tor2 192.0.2.11 203.0.113.200/32)
	check "$type: tor2 sees the pool without spec.bgp with no communities, LOCAL_PREF 100 ($r)" \
		test "$r" = "comm=- large=- lp=100"
	r=$(pa_attrs tor1 192.0.2.11 2001:db8:300::10/128)
	check "$type: tor1 sees it with no communities ($r)" test "${r% lp=*}" = "comm=- large=-"
	l=$(pa_updates n1 192.0.2.1 | grep -v ' lp=- ')
	check "$type: no UPDATE from n1 to tor1 (eBGP) carries LOCAL_PREF${l:+: $l}" test -z "$l"
	l=$(pa_updates n1 192.0.2.2 | grep -v ' nlri=- ' | grep ' lp=- ')
	check "$type: every UPDATE from n1 to tor2 (iBGP) that announces carries LOCAL_PREF${l:+: $l}" \
		test -z "$l"
	c4=$(pa_updates n1 192.0.2.2 | grep -c 'nlri=[^ ]*203\.0\.113\.10/32.* lp=200 comm=65000:100,65535:65281 large=65000:1:2 ')
	c6=$(pa_updates n1 192.0.2.2 | grep -c 'nlri=[^ ]*2001:db8:100::10/128.* lp=200 comm=65000:100,65535:65281 large=65000:1:2 ')
	check "$type: on the wire to tor2: LOCAL_PREF 200, the communities in order, once per family ($c4, $c6)" \
		test "$c4 $c6" = "1 1"

	# ---- packing ----
	for r in 192.0.2.1 192.0.2.2; do
		l=$(pa_no_dup_attrs n1 "$r" "$([ $r = 192.0.2.1 ] && echo "$mark1" || echo "$mark2")")
		check "$type: table to $r at session start: no two UPDATEs of one family with equal attributes${l:+: $l}" \
			test -z "$l"
		check "$type: ... 203.0.113.10-12/32 (three Services, one pool) in one UPDATE to $r" \
			pa_in_one n1 "$r" 0 203.0.113.10/32 203.0.113.11/32 203.0.113.12/32
	done
	PA_SVCS="$PA_SVCS
a4 Cluster 203.0.113.13 2001:db8:100::13
a5 Cluster 203.0.113.14 2001:db8:100::14"
	pa_write "$m"
	pa_reload n1 n2
	check "$type: two Services added at once reach tor1" \
		wait_until 30 "a4 and a5" pa_has tor1 192.0.2.11 203.0.113.13/32 203.0.113.14/32 \
		2001:db8:100::13/128 2001:db8:100::14/128
	sleep 1
	check "$type: ... their IPv4 routes in one UPDATE" \
		pa_in_one n1 192.0.2.1 "$mark1" 203.0.113.13/32 203.0.113.14/32
	check "$type: ... their IPv6 routes in one UPDATE" \
		pa_in_one n1 192.0.2.1 "$mark1" 2001:db8:100::13/128 2001:db8:100::14/128
	r=$(pa_attrs tor2 192.0.2.11 203.0.113.14/32)
	check "$type: ... with the pool's attributes ($r)" test "$r" = "$want lp=200"

	# ---- peers and nodeSelector ----
	check "$type: peers [tor1]: tor1 has 203.0.113.70/32 from n1 and n2" \
		pa_has tor1 192.0.2.11 203.0.113.70/32
	check "$type: ... from n2 too" pa_has tor1 192.0.2.12 203.0.113.70/32
	check "$type: ... tor2 from neither (and it has the other pools' routes)" eval \
		'pa_lacks tor2 192.0.2.11 203.0.113.70/32 && pa_lacks tor2 192.0.2.12 203.0.113.70/32 &&
		 pa_has tor2 192.0.2.12 203.0.113.10/32 203.0.113.200/32'
	check "$type: ... and it was never sent to tor2" \
		test "$(pa_wire n1 192.0.2.2 | grep -c '203\.0\.113\.70/32')" = 0
	check "$type: nodeSelector {rack: r1}: tor1 and tor2 have 203.0.113.130/32 from n1 (rack r1)" \
		eval 'pa_has tor1 192.0.2.11 203.0.113.130/32 && pa_has tor2 192.0.2.11 203.0.113.130/32'
	check "$type: ... not from n2 (rack r2), which announces the other pools" eval \
		'pa_lacks tor1 192.0.2.12 203.0.113.130/32 && pa_lacks tor2 192.0.2.12 203.0.113.130/32 &&
		 pa_has tor1 192.0.2.12 203.0.113.200/32'
	check "$type: ... n2 never sent it" test "$(pa_wire n2 | grep -c '203\.0\.113\.130/32')" = 0

	# ---- aggregation ----
	check "$type: aggregationLength 24: tor1 has 198.51.100.0/24 from n1 and n2, no /32 of the Cluster Services" \
		eval 'pa_has tor1 192.0.2.11 198.51.100.0/24 && pa_has tor1 192.0.2.12 198.51.100.0/24 &&
		 pa_lacks tor1 192.0.2.11 198.51.100.10/32 198.51.100.20/32 &&
		 pa_lacks tor1 192.0.2.12 198.51.100.10/32 198.51.100.20/32'
	check "$type: aggregationLengthV6 64: 2001:db8:200::/64 likewise, no /128 of the Cluster Services" \
		eval 'pa_has tor1 192.0.2.11 2001:db8:200::/64 && pa_has tor1 192.0.2.12 2001:db8:200::/64 &&
		 pa_lacks tor1 192.0.2.11 2001:db8:200::10/128 2001:db8:200::20/128'
	check "$type: ... the aggregates sent once by n1 (two Services inside)" \
		test "$(pa_wire_count n1 192.0.2.1 0 nlri 198.51.100.0/24) $(pa_wire_count n1 192.0.2.1 0 nlri 2001:db8:200::/64)" = "1 1"
	check "$type: ... a Cluster /32 never on the wire" \
		test "$(pa_wire n1 | grep -cE '198\.51\.100\.(10|20)/32|2001:db8:200::(10|20)/128')" = 0
	check "$type: the Local Service is a host route from n1 (its endpoint's node): 198.51.100.30/32, 2001:db8:200::30/128" \
		pa_has tor1 192.0.2.11 198.51.100.30/32 2001:db8:200::30/128
	check "$type: ... and not from n2 (no endpoint there)" \
		pa_lacks tor1 192.0.2.12 198.51.100.30/32 2001:db8:200::30/128

	# ---- a change of spec.bgp: UPDATEs, no new session ----
	mark1=$(pa_wire_lines n1 192.0.2.1)
	PA_COMM='["65000:200", "no-advertise"]'
	pa_write "$m"
	pa_reload n1 n2
	want="comm=65000:200,65535:65282 large=65000:1:2"
	check "$type: communities edited: tor1 sees 65000:200 no-advertise on 203.0.113.10/32" \
		wait_until 30 "new communities" eval \
		'r=$(pa_attrs tor1 192.0.2.11 203.0.113.10/32); [ "${r% lp=*}" = "$want" ]'
	check "$type: ... and on 2001:db8:100::14/128" wait_until 30 "new communities v6" eval \
		'r=$(pa_attrs tor1 192.0.2.11 2001:db8:100::14/128); [ "${r% lp=*}" = "$want" ]'
	check "$type: ... tor2 too, LOCAL_PREF kept" wait_until 30 "new communities at tor2" \
		pa_attrs_are tor2 192.0.2.11 203.0.113.12/32 "$want lp=200"
	sleep 1
	check "$type: ... in one UPDATE per family to tor1" eval \
		'pa_in_one n1 192.0.2.1 "$mark1" 203.0.113.10/32 203.0.113.11/32 203.0.113.12/32 203.0.113.13/32 203.0.113.14/32 &&
		 pa_in_one n1 192.0.2.1 "$mark1" 2001:db8:100::10/128 2001:db8:100::11/128 2001:db8:100::13/128 2001:db8:100::14/128'
	l=$(pa_updates n1 192.0.2.1 "$mark1" | grep -vE 'nlri=[^ ]*(203\.0\.113\.1[0-4]/32|2001:db8:100::)')
	check "$type: ... and nothing else sent${l:+: $l}" test -z "$l"
	check "$type: ... no session reset (ups $ups0 -> $(pa_ups))" test "$(pa_ups)" = "$ups0"
	check "$type: ... no OPEN after the first on any session" \
		test "$(pa_wire n1 | grep -c ' OPEN') $(pa_wire n2 | grep -c ' OPEN')" = "2 2"

	# ---- bad input: logged with file, object and field; nothing changes ----
	while IFS='|' read -r bad want; do
		PA_MANGLE=$bad
		pa_write "$m"
		mark=$(spk_log_lines n1)
		mark1=$(pa_wire_lines n1)
		pa_reload n1
		check "$type: bad input ($want): n1 logs it naming the file, Eip and field" \
			wait_until 15 "error logged" spk_log_has n1 \
			"reload failed, keeping the running configuration: $m:[0-9]+: Eip $want" "$mark"
		sleep 2
		check "$type: ... n1 keeps running" spk_alive n1
		check "$type: ... nothing sent (n1 wire $mark1 -> $(pa_wire_lines n1) messages)" \
			test "$(pa_wire_lines n1)" = "$mark1"
		check "$type: ... routes and attributes still there" eval \
			'pa_has tor1 192.0.2.11 $PA_T1_N1 &&
			 pa_attrs_are tor2 192.0.2.11 203.0.113.10/32 "comm=65000:200,65535:65282 large=65000:1:2 lp=200"'
	done <<'EOF'
s/"65000:200"/"65000:65536"/|attrs4: spec\.bgp\.communities\[[0-9]\]: "65000:65536"
s/aggregationLength: 24/aggregationLength: 23/|agg4: spec\.bgp\.aggregationLength: 23
s/peers: \[tor1\]/peers: [tor9]/|tor1only: spec\.bgp\.peers\[0\]: no BgpPeer "tor9"
EOF
	PA_MANGLE=""
	pa_write "$m"
	pa_reload n1 n2
	check "$type: the corrected manifest loads again" \
		wait_until 15 "reloaded" spk_log_has n1 "configuration reloaded" "$mark"
	check "$type: no session reset by bad input (ups $ups0 -> $(pa_ups))" test "$(pa_ups)" = "$ups0"

	# ---- aggregation: the aggregate goes with the last Cluster Service ----
	mark1=$(pa_wire_lines n1 192.0.2.1)
	mark=$(spk_log_lines n1)
	pa_svc_drop g1
	pa_write "$m"
	pa_reload n1 n2
	check "$type: one of two Cluster Services in the /24 deleted: n1 reloads" \
		wait_until 15 "g1 gone" spk_log_has n1 "configuration reloaded" "$mark"
	sleep 2
	check "$type: ... tor1 keeps 198.51.100.0/24 and 2001:db8:200::/64 from n1 and n2" \
		pa_has tor1 192.0.2.11 198.51.100.0/24 2001:db8:200::/64
	check "$type: ... from n2 too" pa_has tor1 192.0.2.12 198.51.100.0/24 2001:db8:200::/64
	check "$type: ... not withdrawn nor sent again (nothing on the wire about them)" \
		test "$(pa_updates n1 192.0.2.1 "$mark1" | grep -cE '198\.51\.100\.0/24|2001:db8:200::/64')" = 0
	pa_svc_drop g2
	pa_write "$m"
	pa_reload n1 n2
	check "$type: the last Cluster Service deleted: tor1 loses 198.51.100.0/24 and 2001:db8:200::/64 from n1" \
		wait_until 30 "aggregates withdrawn" pa_lacks tor1 192.0.2.11 198.51.100.0/24 2001:db8:200::/64
	check "$type: ... and from n2, and tor2 from both" wait_until 30 "aggregates withdrawn elsewhere" eval \
		'pa_lacks tor1 192.0.2.12 198.51.100.0/24 2001:db8:200::/64 &&
		 pa_lacks tor2 192.0.2.11 198.51.100.0/24 2001:db8:200::/64 &&
		 pa_lacks tor2 192.0.2.12 198.51.100.0/24 2001:db8:200::/64'
	# The capture may lag behind the router by a moment.
	wait_until 5 "withdrawals captured" eval \
		'[ "$(pa_wire_count n1 192.0.2.1 "$mark1" withdrawn 198.51.100.0/24)" -ge 1 ] &&
		 [ "$(pa_wire_count n1 192.0.2.1 "$mark1" withdrawn 2001:db8:200::/64)" -ge 1 ]'
	r="$(pa_wire_count n1 192.0.2.1 "$mark1" withdrawn 198.51.100.0/24) $(pa_wire_count n1 192.0.2.1 "$mark1" withdrawn 2001:db8:200::/64)"
	check "$type: ... withdrawn once on the wire ($r)" test "$r" = "1 1"
	sleep 2
	check "$type: ... only the Local Service left: its host routes stay, no aggregate" eval \
		'pa_has tor1 192.0.2.11 198.51.100.30/32 2001:db8:200::30/128 &&
		 pa_lacks tor1 192.0.2.11 198.51.100.0/24 2001:db8:200::/64'
	check "$type: ... no aggregate was ever sent for the Local Service (one announcement of each, at the start)" \
		test "$(pa_wire_count n1 192.0.2.1 0 nlri 198.51.100.0/24) $(pa_wire_count n1 192.0.2.1 0 nlri 2001:db8:200::/64)" = "1 1"

	ups=$(pa_ups)
	check "$type: every session came up once and stayed up ($ups)" test "$ups" = "1 1 1 1"
	for n in n1 n2; do
		spk_stop "$n"
		r=$?
		check "$type: SIGTERM: $n exits 0 (got $r)" test "$r" -eq 0
	done
	check "$type: SIGTERM: tor1 has nothing left from n1" \
		wait_until 15 "routes withdrawn" eval '[ -z "$(peer_routes tor1 192.0.2.11 4)$(peer_routes tor1 192.0.2.11 6)" ]'
	# tests/run uses the ASan/UBSan build.
	for n in n1 n2; do
		r=$(grep -m1 -E "$PA_SANITIZER_RE" "$(spk_log "$n")")
		check "$type: no sanitizer report in $n's output${r:+: $r}" test -z "$r"
	done
	nl_finish
}
