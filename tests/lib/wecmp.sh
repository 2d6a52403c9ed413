# shellcheck shell=bash
# Weighted ECMP (issue 14, item 1) on the ECMP topology of topo.sh, shared
# by tests/e2e/test_wecmp_{frr,bird}.sh and bench/wecmp.sh: three speakers
# announce one externalTrafficPolicy Local Service "web" ($TOPO_VIP,
# $TOPO_VIP6) and one Cluster Service "api" ($WECMP_CVIP, $WECMP_CVIP6);
# each node reads the manifest every node reads and its own EndpointSlices
# file, so that one node can be given other slices than the rest.
#
#   wecmp_start ROUTER C1 C2 C3   wecmp_topo ROUTER, wecmp_speakers C1 C2 C3
#   wecmp_topo ROUTER             the topology, router bird or frr
#   wecmp_speakers C1 C2 C3       manifests with C1/C2/C3 ready endpoints of
#                                 web on n1/n2/n3, speakers started; true
#                                 when the three sessions came up
#   wecmp_common [KEY=VALUE...]   rewrites the common manifest: keys go to
#                                 mf_bgpconf (lbpe=N), mf_peer (lbnt=1);
#                                 eip=true|false: an Eip per family with
#                                 spec.bgp.linkBandwidth so
#   wecmp_slices NODE C1 C2 C3    NODE's slices file (IPv4 and IPv6 slices
#                                 of the same pods, as for a dual-stack
#                                 Service); a NODE=COUNT argument of "-"
#                                 empties it (no endpoint data at all)
#   wecmp_counts C1 C2 C3         every node's slices, then SIGHUP to all
#   wecmp_hup_all                 SIGHUP to the three speakers
#   wecmp_weights PREFIX          the router's kernel weights of n1 n2 n3
#                                 ("16 33 50"; 0: not a next hop)
#   wecmp_spread N AF             N requests from the client (AF 4 or 6):
#                                 "C1 C2 C3" of them reached n1 n2 n3
#   wecmp_spread_ok N AF "W1 W2 W3"  N requests split W1:W2:W3, each node
#                                 within 20 % of its share (prints them)
#   wecmp_wire_start FILE [FILTER]  tcpdump -w FILE on the router's br0
#                                 (FILTER: BGP from 192.0.2.0/24), waits
#                                 for the file; sets WECMP_WIRE_PID
#   wecmp_wire_stop               ends that capture
#   wecmp_wire_updates FILE       "TIME SENDER PREFIX EXT" per prefix
#                                 announced in the capture, in the order
#                                 sent (bgp_pcap.py); EXT the extended
#                                 communities' hex, comma-separated, or "-"
#   wecmp_wire FILE               "SENDER PREFIX EXT" per prefix the
#                                 speakers last announced (withdrawals
#                                 do not count), sorted
#   wecmp_wire_want TYPE "C1 C2 C3"  what wecmp_wire prints for web with
#                                 the link bandwidth community of TYPE
#                                 (0004 or 4004) for C1 C2 C3 endpoints at
#                                 125000 bytes/s each, api without any

WECMP_CVIP=203.0.113.11
WECMP_CVIP6=2001:db8:100::11
WECMP_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# shellcheck disable=SC2120 # the tests pass arguments
wecmp_common() {
	local f=$NL_DIR/common.yaml eip
	eip=$(_mf_opt eip "" "$@")
	: >"$f.new"
	mf_bgpconf "$f.new" 65001 17900 "$@"
	mf_peer "$f.new" router 192.0.2.1 65000 hold=3 "$@"
	mf_service "$f.new" web etp=Local "$TOPO_VIP" "$TOPO_VIP6"
	mf_service "$f.new" api "$WECMP_CVIP" "$WECMP_CVIP6"
	if [ -n "$eip" ]; then
		mf_eip "$f.new" pool4 203.0.113.0/24 linkBandwidth="$eip"
		mf_eip "$f.new" pool6 2001:db8:100::/64 linkBandwidth="$eip"
	fi
	mv "$f.new" "$f"
}

wecmp_slices() {
	local f=$NL_DIR/$1/slices.yaml
	: >"$f.new"
	if [ "$2" != - ]; then
		mf_slice "$f.new" web 4 n1="$2" n2="$3" n3="$4"
		mf_slice "$f.new" web 6 n1="$2" n2="$3" n3="$4"
	fi
	mv "$f.new" "$f"
}

wecmp_hup_all() {
	local i
	for i in 1 2 3; do spk_hup "n$i"; done
}

wecmp_counts() {
	local i
	for i in 1 2 3; do wecmp_slices "n$i" "$@"; done
	wecmp_hup_all
}

wecmp_start() {
	wecmp_topo "$1"
	shift
	wecmp_speakers "$@"
}

wecmp_topo() {
	# shellcheck disable=SC2034 # read by topo_ecmp
	TOPO_ROUTER=$1
	topo_ecmp 3 0
}

wecmp_speakers() {
	local i
	wecmp_common
	for i in 1 2 3; do
		wecmp_slices "n$i" "$@"
		spk_start "n$i" "n$i" "$NL_DIR/common.yaml" "$NL_DIR/n$i/slices.yaml" \
			-- --log-level "${WECMP_LOG_LEVEL:-debug}"
	done
	wait_until 60 "three sessions" topo_all_up 3
}

wecmp_weights() {
	local pfx=192.0.2.1 i out=""
	[[ "$1" == *:* ]] && pfx=2001:db8::1
	for i in 1 2 3; do
		out+="$(topo_weights r "$1" | awk -v n="$pfx$i" '$1 == n {w = $2} END {print w + 0}') "
	done
	echo "${out% }"
}

wecmp_weights_are() { [ "$(wecmp_weights "$1")" = "$2" ]; }

wecmp_spread() {
	local s i out=""
	s=$(topo_spread "$1" "$2")
	for i in 1 2 3; do
		out+="$(echo "$s" | awk -v n="n$i" '$2 == n {c = $1} END {print c + 0}') "
	done
	echo "${out% }"
}

wecmp_spread_ok() {
	local got
	got=$(wecmp_spread "$1" "$2")
	awk -v g="$got" -v w="$3" -v n="$1" 'BEGIN {
		split(g, x, " "); split(w, y, " "); s = y[1] + y[2] + y[3]; bad = 0
		for (i = 1; i <= 3; i++) {
			ideal = n * y[i] / s; d = x[i] - ideal; if (d < 0) d = -d
			printf "    n%d: %d of %d (ideal %d, off %.1f %%)\n", i, x[i], n, ideal, 100 * d / ideal
			if (d > 0.2 * ideal) bad = 1
		}
		exit bad }'
}

wecmp_wire_start() {
	# --immediate-mode: each packet handed to tcpdump when it arrives, not
	# when libpcap's buffer block is retired (up to a second later), and
	# -U: written to the file at once, so the file can be read while the
	# capture runs (bench/wecmp.sh times UPDATEs that way); -s 0: whole
	# packets, UPDATEs are not cut short.
	nl_bg r "$NL_DIR/r/tcpdump.log" tcpdump -i br0 -nn --immediate-mode -U -s 0 -w "$1" \
		"${2:-tcp port 179 and src net 192.0.2.0/24}"
	WECMP_WIRE_PID=$NL_BG_PID
	# tcpdump writes the pcap file header once it is capturing.
	wait_until 10 "capture $1 running" test -s "$1"
}

wecmp_wire_stop() {
	kill "$WECMP_WIRE_PID" 2>/dev/null
	wait "$WECMP_WIRE_PID" 2>/dev/null
	return 0
}

wecmp_wire_updates() {
	python3 "$WECMP_LIB_DIR/bgp_pcap.py" "$1" | awk '$4 == "UPDATE" {
		nlri = "-"; ext = "-"
		for (i = 5; i <= NF; i++) {
			eq = index($i, "="); k = substr($i, 1, eq - 1); v = substr($i, eq + 1)
			if (k == "nlri") nlri = v; else if (k == "ext") ext = v
		}
		if (nlri == "-") next
		n = split(nlri, p, ",")
		for (j = 1; j <= n; j++) print $1, $2, p[j], ext }'
}

wecmp_wire() {
	wecmp_wire_updates "$1" | awk '$2 ~ /^192\.0\.2\.1[123]$/ {
		k = $2 " " $3; if (!(k in v)) o[++n] = k; v[k] = $4 }
		END { for (i = 1; i <= n; i++) print o[i], v[o[i]] }' | sort
}

wecmp_wire_want() {
	local i=0 c hex
	for c in $2; do
		i=$((i + 1))
		hex=$1fde9$(python3 -c 'import struct, sys; print(struct.pack(">f", float(sys.argv[1])).hex())' \
			"$((c * 125000))")
		echo "192.0.2.1$i $TOPO_VIP/32 $hex"
		echo "192.0.2.1$i $TOPO_VIP6/128 $hex"
		echo "192.0.2.1$i $WECMP_CVIP/32 -"
		echo "192.0.2.1$i $WECMP_CVIP6/128 -"
	done | sort
}
