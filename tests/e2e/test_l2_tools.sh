#!/usr/bin/env bash
# The instruments of the layer 2 tests, checked without berth: addresses
# are put on a node by hand and the nodes' kernels answer ARP and NDP for
# them, so that what test_l2.sh and bench/l2_failover.sh measure is known
# to be measured right (tests/lib/l2net.sh, tests/tools/l2_probe.c,
# tests/tools/l2_macs.py).
#   - one node holds the addresses: l2_macs, arping and ndisc6 each see
#     its MAC alone;
#   - two nodes hold them (split brain made by hand): all three see both
#     MACs, and l2_macs sees two answers to one request (max_simul 2);
#   - a move by hand (cut n1's link, 300 ms later the addresses on n2 and
#     gratuitous ARP / unsolicited NA): the probe reports 300 ms to 1 s,
#     l2_macs sees the announcement and n2 alone answering;
#   - a responder that answers each echo 300 ms late: a probe marked while
#     the late replies to older requests arrive still reports >= 300 ms;
#   - a cut link silences the node both ways.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"
. "$lib/l2net.sh"

V4=192.0.2.201
V6=2001:db8::201
nl_setup
l2_topo 3

# Addresses by hand: IPv4 on kube-lb0 (the kernel answers ARP on eth0 for
# any of its addresses, arp_ignore 0); IPv6 on eth0 (it answers NS only for
# the receiving interface's). kube-lb0 is a dummy, or ifb where the kernel
# has no dummy driver (as the speaker does).
lb() {
	nl_x "$1" ip link add kube-lb0 type dummy 2>/dev/null ||
		nl_x "$1" ip link add kube-lb0 type ifb || die "kube-lb0 in $1"
	nl_x "$1" ip link set kube-lb0 up
}
hold() { # NODE: takes V4 and V6
	nl_x "$1" ip addr add $V4/32 dev kube-lb0
	nl_x "$1" ip addr add $V6/128 dev eth0 nodad
}
drop() {
	nl_x "$1" ip addr del $V4/32 dev kube-lb0
	nl_x "$1" ip addr del $V6/128 dev eth0
}
for n in n1 n2 n3; do lb $n; done

# arping_macs ADDR / ndisc_macs ADDR: distinct MACs in the tools' output.
arping_macs() {
	nl_x obs arping -b -c 2 -w 1 -I eth0 "$1" 2>/dev/null |
		grep -o '\[[0-9a-f:]*\]' | tr -d '[]' | sort -u | tr '\n' ' '
}
ndisc_macs() {
	nl_x obs ndisc6 -m -n -r 3 -w 200 "$1" eth0 2>/dev/null |
		awk '/Target link-layer address/ {print tolower($4)}' | sort -u | tr '\n' ' '
}
M1=$(l2_mac n1)
M2=$(l2_mac n2)
pair=$(printf '%s\n' "$M1" "$M2" | sort | tr '\n' ' ')

# ---- one holder ----
hold n1
check "l2_macs: n1 alone answers $V4 and $V6" l2_one_each 0.5 $V4 $V6
owners=$(l2_owners 0.3 $V4 $V6 | awk '{print $2}' | tr '\n' ' ')
check "l2_owner names n1 for both (got: $owners)" test "$owners" = "n1 n1 "
check "arping: n1's MAC alone" test "$(arping_macs $V4)" = "$M1 "
check "ndisc6: n1's MAC alone" test "$(ndisc_macs $V6)" = "$M1 "
check "l2_macs: nobody answers 192.0.2.202" \
	test "$(l2_owner 192.0.2.202)" = none

# ---- split brain made by hand ----
hold n2
line4=$(l2_macs 0.5 $V4)
line6=$(l2_macs 0.5 $V6)
nl_log "  $line4"
nl_log "  $line6"
check "l2_macs: two MACs answer one request for $V4" test "$(l2_field "$line4" max_simul)" = 2
check "l2_macs: two MACs answer one request for $V6" test "$(l2_field "$line6" max_simul)" = 2
check "l2_one_each fails on split brain" eval '! l2_one_each 0.3 $V4 $V6'
check "l2_owner says many" test "$(l2_owner $V4)" = "many:n1,n2"
check "arping: both MACs" test "$(arping_macs $V4)" = "$pair"
check "ndisc6: both MACs" test "$(ndisc_macs $V6)" = "$pair"
drop n2
check "n2 dropped them: n1 alone again" l2_one_each 0.3 $V4 $V6

# ---- a move by hand, measured ----
l2_probe_start p4 $V4 --exit-on-answer --duration 5
l2_probe_start p6 $V6 --exit-on-answer --duration 5
sleep 1
l2_census_start move 2 $V4 $V6
sleep 0.2
# The mark follows the cut: once `ip link set down` returns n1 is silent;
# a mark taken before it would let n1 answer after the mark.
l2_cut n1
l2_mark p4
cp "$NL_DIR/p4.t" "$NL_DIR/p6.t"
sleep 0.3
hold n2
nl_x n2 python3 "$L2_ROOT/tests/tools/l2_macs.py" --announce -I eth0 $V4 $V6
r4=$(l2_probe_wait p4 5)
r6=$(l2_probe_wait p6 5)
nl_log "  $r4"
nl_log "  $r6"
in_range() { # VALUE LO HI (ms; "none" is out)
	[ "$1" != none ] && awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN {exit !(v >= lo && v < hi)}'
}
check "probe IPv4: 300 ms <= since_ms < 1000 ms after a 300 ms move" \
	in_range "$(l2_field "$r4" since_ms)" 300 1000
check "probe IPv6: 300 ms <= since_ms < 1000 ms after a 300 ms move" \
	in_range "$(l2_field "$r6" since_ms)" 300 1000
check "probe IPv4: longest gap >= 300 ms" in_range "$(l2_field "$r4" max_gap_ms)" 300 1000
l2_census_end move >/dev/null
nl_log "  $(tr '\n' ';' <"$NL_DIR/move.macs")"
check "l2_macs saw n2 announce $V4 (gratuitous ARP)" \
	grep -q "^$V4 .*announced=$M2" "$NL_DIR/move.macs"
check "l2_macs saw n2 announce $V6 (unsolicited NA)" \
	grep -q "^$V6 .*announced=$M2" "$NL_DIR/move.macs"
check "after the move n2 alone answers" l2_one_each 0.3 $V4 $V6
client_mac() { nl_x client ip neigh show "$1" | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }
check "the client's neighbour entries name n2" eval \
	'[ "$(client_mac $V4) $(client_mac $V6)" = "$M2 $M2" ]'

# ---- a cut link is silent both ways ----
silent() {
	! nl_x client ping -c 1 -W 1 192.0.2.11 >/dev/null 2>&1 &&
		! nl_x n1 ping -c 1 -W 1 192.0.2.12 >/dev/null 2>&1
}
check "cut n1 neither reaches nor is reached" silent
l2_restore n1
check "restored n1 reachable again" wait_until 5 "n1 back" \
	nl_x client ping -c 1 -W 1 192.0.2.11
drop n2

# ---- late replies to old requests do not count ----
# n3 answers every echo for V4 300 ms late (its kernel's echo replies off);
# requests sent before the mark are answered after it and must not count.
hold n3
nl_x n3 python3 "$L2_ROOT/tests/tools/l2_macs.py" --announce -I eth0 $V4
nl_x n3 sysctl -qw net.ipv4.icmp_echo_ignore_all=1
cat >"$NL_DIR/late.py" <<'PY'
import socket, sys, time, heapq
vip = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.bind((vip, 0))
s.settimeout(0.005)
due = []
def csum(b):
    t = sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b) - 1, 2))
    if len(b) % 2:
        t += b[-1] << 8
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return (~t) & 0xFFFF
while True:
    try:
        pkt, (src, _) = s.recvfrom(2048)
        icmp = pkt[(pkt[0] & 15) * 4:]
        if icmp[0] == 8 and socket.inet_aton(vip) == pkt[16:20]:
            rep = bytearray(b"\0" + icmp[1:])
            rep[2:4] = b"\0\0"
            rep[2:4] = csum(bytes(rep)).to_bytes(2, "big")
            heapq.heappush(due, (time.monotonic() + 0.3, src, bytes(rep)))
    except socket.timeout:
        pass
    while due and due[0][0] <= time.monotonic():
        _, dst, rep = heapq.heappop(due)
        s.sendto(rep, (dst, 0))
PY
nl_bg n3 "$NL_DIR/n3/late.log" python3 "$NL_DIR/late.py" $V4
l2_probe_start late $V4 --exit-on-answer --duration 5
sleep 1
l2_mark late
r=$(l2_probe_wait late 5)
nl_log "  $r"
check "late replies: since_ms >= 300 (not the replies to older requests)" \
	in_range "$(l2_field "$r" since_ms)" 295 1000
check "late replies: some replies to older requests came after the mark ($(l2_field "$r" late))" \
	eval '(($(l2_field "$r" late) > 0))'

nl_finish
