#!/usr/bin/env bash
# BFD's UDP I/O (src/bfd/io.c) against real kernels and BIRD 2, through
# tests/tools/bfd_peer.c, in namespaces of this run's own (deleted by the
# harness trap, also on failure or Ctrl-C):
#
#   sw:   bridge br0 (ports p-a, p-b, p-bird)
#   a:    eth0 192.0.2.1/24 2001:db8::1/64; to-r 203.0.113.1/25
#   b:    eth0 192.0.2.2/24 2001:db8::2/64; to-r 203.0.113.130/25
#   r:    router between a (to-a 203.0.113.126/25) and b (to-b
#         203.0.113.129/25): the multihop path
#   bird: eth0 192.0.2.3/24, BIRD 2 `protocol bfd` with a static neighbor
#
# Tool A runs sessions to b (IPv4 and IPv6 single hop, IPv4 multihop
# through r accepting TTL >= 254) and to BIRD; tool B the other ends.
# Checks: every session comes Up (BIRD's too, by its own account); the
# send sockets use source ports 49152-65535 towards 3784 / 4784; packets
# that would take a session down sent with TTL 254 (single hop, IPv4 and
# IPv6) or arriving with 253 (multihop) are dropped as ttl and nothing
# changes, while the same packet with TTL 255 does take the session down
# (the check can fail); garbage, oversized, wrong-discriminator,
# wrong-source, authenticated and otherwise invalid packets on 3784 and
# 4784 are counted per reason, exactly, and nothing changes; b's switch
# port cut: a's single-hop sessions go Down with diag 1 (Control
# Detection Time Expired) within the detection time plus 200 ms while the
# multihop one stays Up, and all come back; B's AdminDown takes a's
# sessions Down with the peer's state AdminDown, and back; slower timers
# on A (a Poll Sequence) change B's detection time without a flap; B's
# SIGTERM sends AdminDown (not a timeout); no sanitizer report, no send
# error.
#
# Crafted packets come from a python3 helper (a plain UDP socket with
# IP_TTL / IPV6_UNICAST_HOPS set).
#
# The binary: $BERTH_BFD_PEER_BIN, else tool_bfd_peer next to $BERTH
# (tests/run sets BERTH=build-asan/berth), else build/.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$lib/netns.sh"

bin=${BERTH_BFD_PEER_BIN:-}
if [ -z "$bin" ]; then
	if [ -n "${BERTH:-}" ]; then
		bin=$(dirname "$BERTH")/tool_bfd_peer
	else
		bin=$root/build/tool_bfd_peer
	fi
fi
[ -x "$bin" ] || {
	echo "test_bfd_io: $bin missing: build first or set BERTH_BFD_PEER_BIN" >&2
	exit 1
}
for t in bird birdc python3 ss; do
	command -v "$t" >/dev/null || {
		echo "test_bfd_io: $t missing" >&2
		exit 1
	}
done

nl_setup
nl_host sw a b r bird
nl_bridge sw br0
for h in a b bird; do
	nl_link "$h" sw eth0 "p-$h"
	nl_enslave sw br0 "p-$h"
done
nl_addr a eth0 192.0.2.1/24 2001:db8::1/64
nl_addr b eth0 192.0.2.2/24 2001:db8::2/64
nl_addr bird eth0 192.0.2.3/24
nl_link a r to-r to-a
nl_link b r to-r to-b
nl_addr a to-r 203.0.113.1/25
nl_addr r to-a 203.0.113.126/25
nl_addr r to-b 203.0.113.129/25
nl_addr b to-r 203.0.113.130/25
nl_forwarding r
nl_route a 203.0.113.128/25 via 203.0.113.126
nl_route b 203.0.113.0/25 via 203.0.113.129

# ---- BIRD ----
BD=$NL_DIR/bird
cat >"$BD/bird.conf" <<EOF
router id 192.0.2.3;
log "$BD/bird.log" all;
protocol device {}
protocol bfd bfd1 {
	interface "eth0" {
		min rx interval 100 ms; min tx interval 100 ms; idle tx interval 1000 ms;
		multiplier 3;
	};
	neighbor 192.0.2.1 dev "eth0";
}
EOF
nl_bg bird "$BD/bird.out" bird -f -c "$BD/bird.conf" -s "$BD/bird.ctl" -P "$BD/bird.pid"
birdc_() { nl_x bird birdc -s "$BD/bird.ctl" "$@"; }
wait_until 10 "bird started" birdc_ show status || die "bird did not start"

# ---- the tools ----
ALOG=$NL_DIR/a/bfd.log
BLOG=$NL_DIR/b/bfd.log
MH=multihop=254 # 255 less one router
nl_bg a "$ALOG" "$bin" -t 100 -r 100 -m 3 -T 200 -R 200 \
	192.0.2.2 2001:db8::2 "203.0.113.130,$MH,local=203.0.113.1" 192.0.2.3
APID=$NL_BG_PID
nl_bg b "$BLOG" "$bin" -t 100 -r 100 -m 3 \
	192.0.2.1 2001:db8::1 "203.0.113.1,$MH,local=203.0.113.130"
BPID=$NL_BG_PID
wait_until 5 "tools ready" eval 'grep -q "^ready 4" "$ALOG" && grep -q "^ready 3" "$BLOG"' ||
	die "the tools did not start"

count_lines() { grep -c "^$2" "$1"; }
more_lines() { [ "$(count_lines "$1" "$2")" -gt "$3" ]; }
# snap LOG PID: the counters (SIGUSR1): S[name] for the stats line and
# X[REMOTE.field] for each session line after it.
declare -A S X
snap() {
	local log=$1 pid=$2 n line kv r
	n=$(count_lines "$log" 'stats ')
	kill -USR1 "$pid"
	wait_until 5 "stats line" more_lines "$log" 'stats ' "$n" || return 1
	sleep 0.05 # the session lines follow the stats line
	S=()
	X=()
	line=$(grep '^stats ' "$log" | tail -n 1)
	for kv in ${line#stats }; do S[${kv%%=*}]=${kv#*=}; done
	while read -r line; do
		r=$(awk '{print $2}' <<<"$line")
		for kv in $(cut -d' ' -f3- <<<"$line"); do X[$r.${kv%%=*}]=${kv#*=}; done
	done < <(awk '/^stats /{buf=""; next} /^session /{buf=buf $0 "\n"} END{printf "%s", buf}' "$log")
}
snapa() { snap "$ALOG" "$APID"; }
snapb() { snap "$BLOG" "$BPID"; }
declare -A BEFORE XB
mark() {
	snapa || return 1
	local k
	BEFORE=()
	XB=()
	for k in "${!S[@]}"; do BEFORE[$k]=${S[$k]}; done
	for k in "${!X[@]}"; do XB[$k]=${X[$k]}; done
}
# deltas NAME WANT ...: A's counters moved by exactly WANT since mark.
deltas() {
	snapa || return 1
	local rc=0 d
	while [ $# -ge 2 ]; do
		d=$((S[$1] - BEFORE[$1]))
		if [ "$d" -ne "$2" ]; then
			nl_log "$1 moved by $d, wanted $2"
			rc=1
		fi
		shift 2
	done
	return $rc
}
# all_up SNAPFN REMOTE...: every session named is Up.
all_up() {
	local fn=$1 r
	shift
	$fn || return 1
	for r in "$@"; do [ "${X[$r.state]:-}" = Up ] || return 1; done
}
A_PEERS="192.0.2.2 2001:db8::2 203.0.113.130 192.0.2.3"
B_PEERS="192.0.2.1 2001:db8::1 203.0.113.1"
# shellcheck disable=SC2086 # one argument per peer
check "a's four sessions come Up (b IPv4, IPv6, multihop, BIRD)" \
	wait_until 8 "a Up" all_up snapa $A_PEERS
# shellcheck disable=SC2086
check "b's three sessions come Up" wait_until 5 "b Up" all_up snapb $B_PEERS
bird_up() { birdc_ show bfd sessions | grep -E '^192\.0\.2\.1 +eth0 +Up'; }
check "BIRD sees its session to a Up" wait_until 5 "bird Up" bird_up
# unchanged: no session of a changed state since mark (same ups and downs).
unchanged() {
	local r rc=0
	for r in $A_PEERS; do
		if [ "${X[$r.state]}" != Up ] || [ "${X[$r.ups]}" != "${XB[$r.ups]}" ] ||
			[ "${X[$r.downs]}" != "${XB[$r.downs]}" ]; then
			nl_log "$r: state ${X[$r.state]} ups ${XB[$r.ups]}->${X[$r.ups]} downs ${XB[$r.downs]}->${X[$r.downs]}"
			rc=1
		fi
	done
	return $rc
}

# Source ports 49152-65535 towards 3784 (single hop) and 4784 (multihop).
ports_ok() {
	local out bad
	out=$(nl_x a ss -Hun state established)
	nl_log "a's BFD sockets: $(tr '\n' ';' <<<"$out" | tr -s ' ')"
	[ "$(grep -cE ':3784 *$' <<<"$out")" -eq 3 ] || return 1
	[ "$(grep -cE '203\.0\.113\.130:4784 *$' <<<"$out")" -eq 1 ] || return 1
	bad=$(awk '{n=split($3, p, ":"); if (p[n] < 49152 || p[n] > 65535) print}' <<<"$out")
	[ -z "$bad" ]
}
check "a's send sockets: source ports 49152-65535, to 3784 (3) and 4784 (1)" ports_ok

# ---- crafted packets ----
PKT=$NL_DIR/bfdpkt.py
cat >"$PKT" <<'EOF'
# bfdpkt.py DST PORT [ttl=N] [state=S] [diag=N] [flags=N] [mult=N] [my=D] [your=D]
#           [len=N] [version=N] [auth=1] [raw=N] [size=N] [src=ADDR]
# One BFD Control packet (RFC 5880 section 4.1) over UDP, or raw=N random
# bytes; size=N pads the datagram to N bytes; auth=1 appends a Simple
# Password section (A set, Length 29).
import os, socket, struct, sys

dst, port = sys.argv[1], int(sys.argv[2])
o = dict(a.split('=', 1) for a in sys.argv[3:])
fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
ttl = int(o.get('ttl', '255'))
if fam == socket.AF_INET:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
else:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
if 'src' in o:
    s.bind((o['src'], 0))
if 'raw' in o:
    p = os.urandom(int(o['raw']))
else:
    flags = int(o.get('flags', '0'))
    auth = b''
    if o.get('auth'):
        flags |= 0x04
        auth = struct.pack('!BBB', 1, 5, 1) + b'ab'
    length = int(o.get('len', str(24 + len(auth))))
    p = struct.pack('!BBBBIIIII',
                    int(o.get('version', '1')) << 5 | int(o.get('diag', '0')),
                    int(o.get('state', '1')) << 6 | flags,
                    int(o.get('mult', '3')), length,
                    int(o.get('my', '1')), int(o.get('your', '0')),
                    1000000, 1000000, 0) + auth
p += b'\0' * max(0, int(o.get('size', '0')) - len(p))
s.sendto(p, (dst, port))
EOF
pkt() { # HOST DST PORT ARGS...
	local h=$1
	shift
	nl_x "$h" python3 "$PKT" "$@"
}

mark
AD4=${X[192.0.2.2.local_disc]}
BD4=${X[192.0.2.2.remote_disc]}
AD6=${X[2001:db8::2.local_disc]}
BD6=${X[2001:db8::2.remote_disc]}
ADM=${X[203.0.113.130.local_disc]}
BDM=${X[203.0.113.130.remote_disc]}
nl_log "a's discriminators: v4 $AD4/$BD4 v6 $AD6/$BD6 multihop $ADM/$BDM"
# Down (state 1, diag 3) from b to each of a's sessions: accepted, it
# would take them down.
pkt b 192.0.2.1 3784 ttl=254 state=1 diag=3 "my=$BD4" "your=$AD4"
pkt b 2001:db8::1 3784 ttl=254 state=1 diag=3 "my=$BD6" "your=$AD6"
# Through r: arrives with 253, one below the session's minimum.
pkt b 203.0.113.1 4784 ttl=254 state=1 diag=3 "my=$BDM" "your=$ADM" src=203.0.113.130
sleep 0.5
check "TTL 254 single hop (IPv4, IPv6) and 253 multihop: 3 drops as ttl, nothing else" \
	deltas drop_ttl 3 drop_no_session 0 drop_short 0 drop_auth 0
check "and no session changed state" unchanged

# ---- garbage and invalid packets ----
mark
pkt b 192.0.2.1 3784 raw=10                                       # short
pkt b 2001:db8::1 3784 raw=3                                      # short
pkt b 192.0.2.1 4784 raw=23 src=192.0.2.2                         # short, multihop port
pkt b 192.0.2.1 3784 version=0 "my=$BD4" "your=$AD4"              # version
pkt b 192.0.2.1 3784 size=300 "my=$BD4" "your=$AD4"               # over 255 bytes
pkt b 192.0.2.1 3784 len=40 "my=$BD4" "your=$AD4"                 # Length past the datagram
pkt b 192.0.2.1 3784 mult=0 "my=$BD4" "your=$AD4"                 # Detect Mult 0
pkt b 192.0.2.1 3784 flags=1 "my=$BD4" "your=$AD4"                # Multipoint
pkt b 192.0.2.1 3784 my=0 "your=$AD4"                             # My Discriminator 0
pkt b 192.0.2.1 3784 state=3 "my=$BD4" your=0                     # Your Disc 0 while Up
pkt b 192.0.2.1 3784 state=1 "my=$BD4" "your=$((AD4 ^ 1))"       # unknown discriminator
pkt bird 192.0.2.1 3784 state=1 diag=3 "my=$BD4" "your=$AD4"      # a's b session, from bird
pkt b 192.0.2.1 3784 state=1 diag=3 "my=$BD6" "your=$AD6"         # the IPv6 session's, over IPv4
pkt b 192.0.2.1 4784 state=1 diag=3 "my=$BD4" "your=$AD4" src=192.0.2.2 # single hop's, multihop port
pkt b 192.0.2.1 3784 state=1 diag=3 "my=$BD4" "your=$AD4" auth=1  # authenticated
sleep 0.5
check "invalid packets counted exactly: short 3, version 1, length 2, mult 1, multipoint 1, my_disc 1, your_disc 1, no_session 4, auth 1" \
	deltas drop_short 3 drop_version 1 drop_length 2 drop_mult 1 drop_multipoint 1 \
	drop_my_disc 1 drop_your_disc 1 drop_no_session 4 drop_auth 1 drop_ttl 0
check "and no session changed state" unchanged

# The control: the TTL 254 packet again with 255 is taken, and does
# take the IPv4 session down (then it comes back).
n=$(count_lines "$ALOG" 'state 192.0.2.2 Up Down')
pkt b 192.0.2.1 3784 ttl=255 state=1 diag=3 "my=$BD4" "your=$AD4"
down_by_pkt() { more_lines "$ALOG" 'state 192.0.2.2 Up Down diag=3 remote=Down' "$n"; }
check "control: the same packet with TTL 255 takes a's IPv4 session Down" \
	wait_until 2 "Down by packet" down_by_pkt
check "which comes back Up" wait_until 6 "back Up" all_up snapa 192.0.2.2

# ---- a cut ----
mark
t0=$(date +%s%N)
nl_x sw ip link set p-b down
n4=$(count_lines "$ALOG" 'state 192.0.2.2 Up Down diag=1')
n6=$(count_lines "$ALOG" 'state 2001:db8::2 Up Down diag=1')
expired() {
	more_lines "$ALOG" 'state 192.0.2.2 Up Down diag=1' "$n4" &&
		more_lines "$ALOG" 'state 2001:db8::2 Up Down diag=1' "$n6"
}
check "b's port cut: a's single-hop sessions Down, diag 1 (Detection Time Expired)" \
	wait_until 3 "expired" expired
# Detection 300 ms (100 ms x 3); the timer starts at the last packet
# before the cut: at most 300 ms after it, plus scheduling.
late_ms() {
	local ns
	ns=$(grep "^state $1 Up Down diag=1" "$ALOG" | tail -n 1 | sed 's/.* ns=//')
	echo $(((ns - t0) / 1000000))
}
d4=$(late_ms 192.0.2.2)
d6=$(late_ms 2001:db8::2)
nl_log "detected after $d4 ms (IPv4), $d6 ms (IPv6) from the cut"
check "within 500 ms of the cut (detection 300 ms)" eval '[ "$d4" -le 500 ] && [ "$d6" -le 500 ]'
check "the multihop session (through r) stays Up" \
	holds_for 1 "multihop Up" all_up snapa 203.0.113.130 192.0.2.3
nl_x sw ip link set p-b up
# shellcheck disable=SC2086
check "port back: all of a's sessions Up again" wait_until 8 "a Up" all_up snapa $A_PEERS

# ---- the peer's AdminDown ----
n=$(grep -c '^state .* Up Down diag=3 remote=AdminDown' "$ALOG")
kill -USR2 "$BPID"
admin3() { [ "$(grep -c '^state .* Up Down diag=3 remote=AdminDown' "$ALOG")" -ge $((n + 3)) ]; }
check "B AdminDown: a's three sessions to b Down, the peer AdminDown (diag 3)" \
	wait_until 3 "AdminDown seen" admin3
kill -USR2 "$BPID"
# shellcheck disable=SC2086
check "B back: a's sessions Up again" wait_until 8 "a Up" all_up snapa $A_PEERS

# ---- a Poll Sequence ----
mark
kill -HUP "$APID"
wait_until 3 "timers line" grep -q '^timers 200 200' "$ALOG"
det600() { snapb && [ "${X[192.0.2.1.detect_ms]}" = 600 ] && [ "${X[2001:db8::1.detect_ms]}" = 600 ]; }
check "A to 200 ms: B's detection time for a becomes 600 ms (3 x 200)" wait_until 3 "600" det600
sleep 0.5
check "without a flap" eval 'snapa && unchanged'

# ---- exit ----
n=$(grep -c '^state .* Up Down diag=3 remote=AdminDown' "$ALOG")
kill -TERM "$BPID"
wait "$BPID"
rc=$?
check "B SIGTERM: exit 0 (got $rc)" eval '[ $rc -eq 0 ]'
check "a sees B's AdminDown on all three sessions (not a timeout)" wait_until 2 "AdminDown" admin3
n=$(count_lines "$ALOG" 'stats ')
kill -TERM "$APID"
wait "$APID"
rc=$?
check "A SIGTERM: exit 0 (got $rc), final stats printed" eval '[ $rc -eq 0 ] && more_lines "$ALOG" "stats " $n'
check "no sanitizer report" eval '! grep -qE "AddressSanitizer|LeakSanitizer|runtime error" "$ALOG" "$BLOG"'
check "no send error over the run (A)" eval 'line=$(grep "^stats " "$ALOG" | tail -n 1); [[ $line == *" send_errors=0 "* ]]'

nl_finish
