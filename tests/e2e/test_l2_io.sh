#!/usr/bin/env bash
# Layer 2 mode's responder (src/l2/io.c) against real kernels, through
# tests/tools/l2_respond.c, in namespaces of this run's own (deleted by
# the harness trap, also on failure or Ctrl-C):
#
#   sw:     bridge br0 (ports p-client, p-n1, p-n2)
#   client: eth0 192.0.2.1/24 2001:db8::1/64; on-link routes to the
#           addresses outside that subnet (198.51.100.7, 2001:db8:1::7)
#   n1:     eth0 192.0.2.11/24 2001:db8::11/64, the responder owning
#           192.0.2.100 198.51.100.7 2001:db8::100 2001:db8:1::7
#   n2:     eth0 192.0.2.12/24 2001:db8::12/64, no responder
#
# Checks: arping and ndisc6 from the client get answers from exactly n1's
# MAC, for addresses inside and outside the interface's subnet, and the
# client's kernel resolves them; addresses not owned (one sharing a
# solicited-node group with an owned one) are not answered; a neighbour
# entry seeded with a wrong MAC moves to n1's after an announcement, 5
# packets per address; a disowned address's repeats stop after the first;
# spoofed claims (ARP reply, NA) count as conflicts and reach the hook;
# malformed packets (truncated ARP, bad hardware length, NS with hop
# limit 64, NS with a zero option length) are counted and not answered,
# while the same packets made valid are; strict ARP (l2_io_strict_arp)
# keeps n1's and n2's kernels from answering for the address on a dummy
# interface (kube-ipvs0's part), never lowers a stricter value and
# reports a loose conf/all; a unicast NS is answered only once the node
# holds the address (l2/io.h); l2_io_resolve for names and can_reach:IP;
# SIGTERM leaves the groups and exits 0 (no sanitizer report).
#
# Crafted packets come from a python3 helper (AF_PACKET for ARP, a raw
# ICMPv6 socket for NDP, whose checksum the kernel fills).
#
# The binary: $BERTH_L2_RESPOND_BIN, else tool_l2_respond next to $BERTH
# (tests/run sets BERTH=build-asan/berth), else build/.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$lib/netns.sh"

bin=${BERTH_L2_RESPOND_BIN:-}
if [ -z "$bin" ]; then
	if [ -n "${BERTH:-}" ]; then
		bin=$(dirname "$BERTH")/tool_l2_respond
	else
		bin=$root/build/tool_l2_respond
	fi
fi
[ -x "$bin" ] || {
	echo "test_l2_io: $bin missing: build first or set BERTH_L2_RESPOND_BIN" >&2
	exit 1
}
for t in arping ndisc6 python3; do
	command -v "$t" >/dev/null || {
		echo "test_l2_io: $t missing" >&2
		exit 1
	}
done

nl_setup
nl_host sw client n1 n2
nl_bridge sw br0
for h in client n1 n2; do
	nl_link "$h" sw eth0 "p-$h"
	nl_enslave sw br0 "p-$h"
done
nl_addr client eth0 192.0.2.1/24 2001:db8::1/64
nl_addr n1 eth0 192.0.2.11/24 2001:db8::11/64
nl_addr n2 eth0 192.0.2.12/24 2001:db8::12/64
nl_route client 198.51.100.7/32 dev eth0
nl_route client 2001:db8:1::7/128 dev eth0

mac_of() { nl_x "$1" cat "/sys/class/net/$2/address"; }
MAC1=$(mac_of n1 eth0)
MAC2=$(mac_of n2 eth0)
BOGUS=02:00:00:00:00:77
nl_log "n1 eth0 $MAC1, n2 eth0 $MAC2"

# ---- the packet helper ----
PKT=$NL_DIR/l2pkt.py
cat >"$PKT" <<'EOF'
# l2pkt.py arp IF OP SPA TPA [sha=MAC] [tha=MAC] [dst=MAC] [cut=N] [hlen=N] [listen=S]
#   one ARP packet (OP 1 request, 2 reply); listen=S: then print the
#   sender MAC of every ARP reply for TPA heard within S seconds.
# l2pkt.py nd IF TYPE TARGET DST [hops=N] [lla=MAC] [flags=N] [badopt=1]
#   one NS (TYPE 135) or NA (136) through a raw ICMPv6 socket.
import socket, struct, sys, time

def mac(s): return bytes(int(x, 16) for x in s.split(':'))
def own_mac(ifn): return open('/sys/class/net/%s/address' % ifn).read().strip()
def opts(args): return dict(a.split('=', 1) for a in args)

def arp(ifn, op, spa, tpa, o):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0806))
    s.bind((ifn, 0x0806))
    sha = mac(o.get('sha', own_mac(ifn)))
    tha = mac(o.get('tha', '00:00:00:00:00:00'))
    hlen = int(o.get('hlen', '6'))
    p = struct.pack('!HHBBH', 1, 0x0800, hlen, 4, int(op)) + sha + \
        socket.inet_aton(spa) + tha + socket.inet_aton(tpa)
    if 'cut' in o:
        p = p[:int(o['cut'])]
    s.sendto(p, (ifn, 0x0806, 0, 0, mac(o.get('dst', 'ff:ff:ff:ff:ff:ff'))))
    end = time.time() + float(o.get('listen', '0'))
    while time.time() < end:
        s.settimeout(max(end - time.time(), 0.01))
        try:
            d, a = s.recvfrom(128)
        except socket.timeout:
            break
        if a[2] == 4 or len(d) < 28:  # PACKET_OUTGOING
            continue
        if struct.unpack('!H', d[6:8])[0] == 2 and d[14:18] == socket.inet_aton(tpa):
            print(':'.join('%02x' % b for b in d[8:14]), flush=True)

def nd(ifn, typ, target, dst, o):
    idx = socket.if_nametoindex(ifn)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifn.encode())
    hops = int(o.get('hops', '255'))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, hops)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, hops)
    typ = int(typ)
    flags = int(o.get('flags', '0'))
    m = struct.pack('!BBHI', typ, 0, 0, flags << 24) + socket.inet_pton(socket.AF_INET6, target)
    lla = mac(o.get('lla', own_mac(ifn)))
    kind = 1 if typ == 135 else 2
    m += struct.pack('!BB', kind, 0 if o.get('badopt') else 1) + lla
    s.sendto(m, (dst, 0, 0, idx))

if sys.argv[1] == 'arp':
    arp(*sys.argv[2:6], opts(sys.argv[6:]))
else:
    nd(*sys.argv[2:6], opts(sys.argv[6:]))
EOF
pkt() {
	local h=$1
	shift
	nl_x "$h" python3 "$PKT" "$@"
}

# ---- the responder and its counters ----
RLOG=$NL_DIR/n1/respond.log
RPID=""
OWNED="192.0.2.100 198.51.100.7 2001:db8::100 2001:db8:1::7"
# shellcheck disable=SC2086 # one argument per address
nl_bg n1 "$RLOG" "$bin" -s eth0 $OWNED
RPID=$NL_BG_PID
ready() { grep -q "^ready eth0 ifindex [0-9]* mac $MAC1\$" "$RLOG"; }
wait_until 10 "responder ready" ready || die "responder did not start (log: $RLOG)"

count_lines() { grep -c "^$1" "$RLOG"; }
more_lines() { [ "$(count_lines "$1")" -gt "$2" ]; }
# snap: asks for the counters (SIGUSR1); sets S[name] for each.
declare -A S
snap() {
	local n line kv
	n=$(count_lines 'stats ')
	kill -USR1 "$RPID"
	wait_until 5 "stats line" more_lines 'stats ' "$n" || return 1
	line=$(grep '^stats ' "$RLOG" | tail -n 1)
	for kv in ${line#stats }; do S[${kv%%=*}]=${kv#*=}; done
}
# delta NAME WANT: the counter moved by exactly WANT since BEFORE[NAME];
# ">=N" for at least N.
declare -A BEFORE
mark() {
	snap || return 1
	local k
	for k in "${!S[@]}"; do BEFORE[$k]=${S[$k]}; done
}
delta_ok() {
	local d=$((S[$1] - BEFORE[$1]))
	case $2 in
	">="*) [ "$d" -ge "${2#>=}" ] ;;
	*) [ "$d" -eq "$2" ] ;;
	esac || {
		nl_log "$1 moved by $d, wanted $2"
		return 1
	}
}
deltas() { # NAME WANT ...: after a fresh snap
	snap || return 1
	local rc=0
	while [ $# -ge 2 ]; do
		delta_ok "$1" "$2" || rc=1
		shift 2
	done
	return $rc
}
sysctl_is() { [ "$(nl_x "$1" cat "/proc/sys/net/ipv4/conf/$2/$3")" = "$4" ]; }
lower() { tr 'A-F' 'a-f'; }

check "responder set strict ARP on n1 eth0 (arp_ignore 1, arp_announce 2)" \
	eval 'sysctl_is n1 eth0 arp_ignore 1 && sysctl_is n1 eth0 arp_announce 2'
# The start-up announcements: 4 addresses, 5 packets each.
sent_all() { snap && [ "${S[announced]}" -ge 20 ]; }
check "start-up announcements: 20 packets (4 addresses x 5)" wait_until 6 "announced" sent_all
sleep 0.3
check "no more than 20 (repeats end), no send error, nothing malformed" \
	eval 'snap && [ "${S[announced]}" -eq 20 ] && [ "${S[send_errors]}" -eq 0 ] && [ "${S[malformed]}" -eq 0 ]'

# ---- ARP ----
# arping_macs ADDR: the MACs arping heard answer for ADDR, one per reply.
# (-c COUNT -w WAIT: stops at COUNT replies; a silent address costs WAIT s)
arping_macs() {
	nl_x client arping -c "${2:-3}" -w "${3:-6}" -I eth0 "$1" 2>/dev/null |
		sed -n 's/.*reply from [0-9.]* \[\([0-9A-Fa-f:]*\)\].*/\1/p' | lower
}
only_n1() { # the MACs on stdin: at least one, all n1's
	local macs
	macs=$(cat)
	if [ -z "$macs" ] || [ "$(sort -u <<<"$macs")" != "$MAC1" ]; then
		nl_log "answers from: $(tr '\n' ' ' <<<"$macs")"
		return 1
	fi
}
mark
check "arping 192.0.2.100: replies from exactly n1's MAC" eval 'arping_macs 192.0.2.100 | only_n1'
check "arping 198.51.100.7 (outside eth0's subnet): replies from exactly n1's MAC" \
	eval 'arping_macs 198.51.100.7 | only_n1'
check "the responder sent them (arp_answered >= 2, n1's kernel does not own the addresses)" \
	deltas arp_answered ">=2"
none() { ! grep -q .; }
check "arping 192.0.2.101 (not owned): no reply" eval 'arping_macs 192.0.2.101 2 2 | none'
neigh_is() { # HOST ADDR MAC
	nl_x "$1" ip neigh show "$2" dev eth0 | grep -qi "lladdr $3"
}
resolves() { # ADDR: the client's kernel resolves it to n1's MAC (ping triggers it)
	local v=""
	[[ $1 == *:* ]] && v=-6
	nl_x client ping $v -c 1 -W 1 "$1" >/dev/null 2>&1
	neigh_is client "$1" "$MAC1"
}
check "client's kernel resolves 198.51.100.7 (on-link /32 route) to n1's MAC" \
	wait_until 6 "neigh 198.51.100.7" resolves 198.51.100.7

# ---- NDP ----
ndisc_macs() { # ADDR: the MACs advertised to ndisc6 for ADDR
	nl_x client ndisc6 -n -m -r "${2:-2}" -w "${3:-1000}" "$1" eth0 2>/dev/null |
		sed -n 's/.*Target link-layer address: *\([0-9A-Fa-f:]*\).*/\1/p' | lower
}
mark
check "ndisc6 2001:db8::100: answered by exactly n1's MAC" eval 'ndisc_macs 2001:db8::100 | only_n1'
check "ndisc6 2001:db8:1::7 (outside eth0's prefix): answered by exactly n1's MAC" \
	eval 'ndisc_macs 2001:db8:1::7 | only_n1'
check "the responder sent them (nd_answered >= 2)" deltas nd_answered ">=2"
mark
check "ndisc6 2001:db8:1::100 (not owned, same solicited-node group): no answer" \
	eval 'ndisc_macs 2001:db8:1::100 1 1000 | none'
check "ndisc6 2001:db8::101 (not owned): no answer" eval 'ndisc_macs 2001:db8::101 1 1000 | none'
check "nothing answered meanwhile" deltas nd_answered 0 arp_answered 0
check "client's kernel resolves 2001:db8:1::7 (on-link /128 route) to n1's MAC" \
	wait_until 6 "neigh 2001:db8:1::7" resolves 2001:db8:1::7

# ---- announcements move neighbour entries ----
WRONG=02:00:00:00:00:99
for a in 192.0.2.100 2001:db8::100; do
	nl_x client ip neigh replace "$a" lladdr "$WRONG" dev eth0 nud stale
done
check "seeded: the client's entries point at $WRONG" \
	eval "neigh_is client 192.0.2.100 $WRONG && neigh_is client 2001:db8::100 $WRONG"
mark
kill -USR2 "$RPID"
moved() { neigh_is client 192.0.2.100 "$MAC1" && neigh_is client 2001:db8::100 "$MAC1"; }
check "after the announcement both entries point at n1's MAC" wait_until 6 "entries moved" moved
all_sent() { snap && [ $((S[announced] - BEFORE[announced])) -ge 20 ]; }
check "the announcement: 20 packets within 2.5 s" wait_until 4 "20 announcements" all_sent
sleep 0.3
check "and no more" deltas announced 20 send_errors 0

# A disowned address gets its first announcement only: owns() is asked
# before each repeat.
n=$(count_lines owning)
kill -HUP "$RPID"
wait_until 5 "owning 0" more_lines owning "$n" || not_ok "SIGHUP not seen"
mark
n=$(count_lines announce)
kill -USR2 "$RPID"
wait_until 5 "announce" more_lines announce "$n" || not_ok "SIGUSR2 not seen"
sleep 2.5
check "disowned: 4 announcements (the first of each), no repeat" deltas announced 4
check "disowned: arping 192.0.2.100 gets no reply" eval 'arping_macs 192.0.2.100 2 2 | none'
n=$(count_lines owning)
kill -HUP "$RPID"
wait_until 5 "owning 1" more_lines owning "$n" || not_ok "SIGHUP not seen"

# ---- conflicts ----
mark
pkt client arp eth0 2 192.0.2.100 192.0.2.1 sha=$BOGUS
pkt client nd eth0 136 2001:db8::100 ff02::1 lla=$BOGUS flags=32
got_conflicts() { snap && [ $((S[conflicts] - BEFORE[conflicts])) -ge 2 ]; }
check "a spoofed ARP reply and NA claiming owned addresses: 2 conflicts" \
	eval 'wait_until 5 conflicts got_conflicts && deltas conflicts 2'
check "the hook saw both, with the other MAC" \
	eval "grep -q '^conflict 192.0.2.100 $BOGUS\$' '$RLOG' && grep -q '^conflict 2001:db8::100 $BOGUS\$' '$RLOG'"
check "the conflicts were logged (rate-limited warning)" grep -q "claims 192.0.2.100" "$RLOG"

# ---- malformed packets ----
SN=ff02::1:ff00:100 # 2001:db8::100's solicited-node group
mark
pkt client arp eth0 1 192.0.2.1 192.0.2.100 cut=20
pkt client arp eth0 1 192.0.2.1 192.0.2.100 hlen=8
pkt client nd eth0 135 2001:db8::100 "$SN" hops=64
pkt client nd eth0 135 2001:db8::100 "$SN" badopt=1
got_malformed() { snap && [ $((S[malformed] - BEFORE[malformed])) -ge 4 ]; }
check "truncated ARP, ARP hlen 8, NS hop limit 64, NS option length 0: 4 malformed" \
	wait_until 5 malformed got_malformed
sleep 0.5
check "none answered" deltas malformed 4 arp_answered 0 nd_answered 0
mark
pkt client arp eth0 1 192.0.2.1 192.0.2.100
pkt client nd eth0 135 2001:db8::100 "$SN"
answered() { snap && [ $((S[arp_answered] - BEFORE[arp_answered])) -ge 1 ] &&
	[ $((S[nd_answered] - BEFORE[nd_answered])) -ge 1 ]; }
check "the same packets made valid are answered" \
	eval 'wait_until 5 answered answered && deltas malformed 0 arp_answered 1 nd_answered 1'

# ---- strict ARP against the kernel's answers ----
# The address also on a dummy interface, as kube-proxy's IPVS mode puts
# it on kube-ipvs0 of every node. Kernels without the dummy driver: an
# ifb link stands in (any link but eth0 does).
vip_dev() {
	if nl_x "$1" ip link add kube-ipvs0 type dummy 2>/dev/null ||
		nl_x "$1" ip link add kube-ipvs0 type ifb 2>/dev/null; then
		nl_x "$1" ip link set kube-ipvs0 up
		nl_addr "$1" kube-ipvs0 192.0.2.100/32
	else
		nl_addr "$1" lo 192.0.2.100/32
	fi
}
vip_dev n2
# arp_macs: the MACs that answer one broadcast request for 192.0.2.100.
arp_macs() { pkt client arp eth0 1 192.0.2.1 192.0.2.100 listen=1.5 | sort; }
two_of() { # MAC...: exactly these answers, one each
	local got
	got=$(arp_macs | tr '\n' ' ')
	[ "$got" = "$(printf '%s\n' "$@" | sort | tr '\n' ' ')" ] || {
		nl_log "answers: $got"
		return 1
	}
}
check "control: n2's kernel (arp_ignore 0) answers for its kube-ipvs0 address, next to n1" \
	two_of "$MAC1" "$MAC2"
check "l2_io_strict_arp on n2 eth0 (tool -S)" nl_x n2 "$bin" -S eth0
check "n2 eth0: arp_ignore 1, arp_announce 2" \
	eval 'sysctl_is n2 eth0 arp_ignore 1 && sysctl_is n2 eth0 arp_announce 2'
check "now only n1 answers, once" two_of "$MAC1"
vip_dev n1
check "n1 with the address on kube-ipvs0 too: still one answer (its kernel is quiet)" \
	two_of "$MAC1"
# Unicast solicitations (a neighbour's reachability probes) reach the raw
# ICMPv6 socket only for addresses the node holds (l2/io.h): not while
# 2001:db8::100 is only owned, once it is also on kube-ipvs0.
nl_x client ip neigh replace 2001:db8::100 lladdr "$MAC1" dev eth0 nud permanent
mark
pkt client nd eth0 135 2001:db8::100 2001:db8::100
sleep 1
check "unicast NS for an owned address the node does not hold: not seen (documented)" \
	deltas nd_answered 0 malformed 0
if nl_x n1 ip link show kube-ipvs0 >/dev/null 2>&1; then
	nl_addr n1 kube-ipvs0 2001:db8::100/128
else
	nl_addr n1 lo 2001:db8::100/128
fi
mark
pkt client nd eth0 135 2001:db8::100 2001:db8::100
nd_one() { snap && [ $((S[nd_answered] - BEFORE[nd_answered])) -ge 1 ]; }
check "with the address also on kube-ipvs0 the unicast NS is answered" \
	eval 'wait_until 5 "unicast NS answered" nd_one && deltas nd_answered 1'
nl_x client ip neigh del 2001:db8::100 dev eth0

nl_x n1 sysctl -qw net.ipv4.conf.eth0.arp_ignore=0
check "control: n1 eth0 arp_ignore 0: n1 answers twice (kernel and responder)" \
	two_of "$MAC1" "$MAC1"
nl_x n1 "$bin" -S eth0
check "strict again: one answer" two_of "$MAC1"

# Never lowered; a loose conf/all is reported, not changed.
nl_x n2 sysctl -qw net.ipv4.conf.lo.arp_ignore=8 net.ipv4.conf.lo.arp_announce=1
check "strict ARP keeps a stricter arp_ignore (8), raises arp_announce 1 to 2" \
	eval 'nl_x n2 "$bin" -S lo && sysctl_is n2 lo arp_ignore 8 && sysctl_is n2 lo arp_announce 2'
nl_x n2 sysctl -qw net.ipv4.conf.all.arp_ignore=3
out=$(nl_x n2 "$bin" -S eth0 2>&1)
rc=$?
check "conf/all arp_ignore 3 overrides: refused, named (exit $rc: $out)" \
	eval '[ $rc -eq 1 ] && grep -q "all/arp_ignore is 3" <<<"$out" && sysctl_is n2 all arp_ignore 3'
nl_x n2 sysctl -qw net.ipv4.conf.all.arp_ignore=0
check "bad interface name refused" eval '! nl_x n2 "$bin" -S ../all 2>/dev/null'

# ---- l2_io_resolve ----
resolve_is() { [ "$(nl_x n1 "$bin" -r "$1" 2>/dev/null)" = "$2" ]; }
resolve_fails() { ! nl_x n1 "$bin" -r "$1" >/dev/null 2>&1; }
nl_route n1 default via 192.0.2.1
nl_route n1 default via 2001:db8::1
check "resolve eth0" resolve_is eth0 eth0
check "resolve nosuch0: fails" resolve_fails nosuch0
check "resolve 'bad:name': fails" resolve_fails bad:name
check "resolve can_reach:192.0.2.1 (on-link): eth0" resolve_is can_reach:192.0.2.1 eth0
check "resolve can_reach:203.0.113.5 (via the gateway): eth0" resolve_is can_reach:203.0.113.5 eth0
check "resolve can_reach:2001:db8::1: eth0" resolve_is can_reach:2001:db8::1 eth0
if nl_x n1 ip link show kube-ipvs0 >/dev/null 2>&1; then
	nl_route n1 203.0.113.0/24 dev kube-ipvs0
	check "resolve can_reach:203.0.113.9 (routed to kube-ipvs0): kube-ipvs0" \
		resolve_is can_reach:203.0.113.9 kube-ipvs0
fi
check "resolve can_reach:192.0.2.11 (n1's own address): fails" resolve_fails can_reach:192.0.2.11
nl_x n1 ip route del default
check "resolve can_reach:198.51.100.200 (no route): fails" resolve_fails can_reach:198.51.100.200
check "resolve can_reach:bogus: fails" resolve_fails can_reach:bogus

# ---- exit ----
n=$(count_lines 'stats ')
kill -USR2 "$RPID" # repeats pending at exit are cancelled by l2_io_free
kill -TERM "$RPID"
wait "$RPID"
rc=$?
check "SIGTERM: exit 0 (got $rc), final stats printed" eval '[ $rc -eq 0 ] && more_lines "stats " $n'
check "no sanitizer report, no leave error" \
	eval '! grep -qE "AddressSanitizer|LeakSanitizer|runtime error|^leave " "$RLOG"'
check "no send error over the run" eval 'line=$(grep "^stats " "$RLOG" | tail -n 1); [[ $line == *" send_errors=0"* ]]'

nl_finish
