# shellcheck shell=bash
# BGP peers for the e2e tests: BIRD 2, FRR bgpd and GoBGP, each started in a
# namespace from ONE neutral description, and read back the same way:
#
#   peer_neighbor HOST ADDR ASN [key=value...]   declare a neighbor of HOST
#       keys: password=S passive=0|1 (default 1) port=N (connect to N)
#             multihop=TTL hold=S (default 3) gr=0|1 (default 1)
#             local=A (the session's source address)
#             direct=1 (BIRD only): an iBGP neighbor on the link, single
#             hop (BIRD's iBGP is multihop otherwise, its BFD too)
#             bfd=1: BFD for this session (RFC 5880; BIRD and FRR only),
#             with bfdrx=MS (required min receive, default 300) bfdtx=MS
#             (desired min transmit, default 300) bfdmult=N (default 3);
#             single hop (3784), multihop (4784) with multihop=TTL;
#             bfdcpf=1 (FRR only): `neighbor X bfd
#             check-control-plane-failure`: during graceful restart, a
#             BFD Down from a neighbor whose C bit is clear is ignored
#             (RFC 5882 section 4.3.1)
#   peer_start TYPE HOST ASN ROUTER_ID [fib=1]    TYPE is bird, frr or gobgp;
#       fib=1 (BIRD and FRR) installs the best routes, merging equal ones
#       into one ECMP route, into HOST's kernel FIB.
#       FRR runs bgpd alone (-Z -n) unless a neighbor has bfd=1 or fib=1:
#       then zebra, bfdd and bgpd, with sockets in $NL_DIR/HOST.
#       BIRD also includes $NL_DIR/HOST/bird.extra.conf when that exists
#       (more protocols, e.g. static routes to flood a speaker with).
#   peer_state HOST ADDR          prints the session state ("Established" ...)
#   peer_established HOST ADDR    true when Established
#   peer_ups HOST ADDR            how many times that session came up
#   peer_routes HOST ADDR AF      "prefix next-hop..." lines, one per route
#                                 learned from ADDR; AF is 4 or 6
#   peer_has_route HOST ADDR PREFIX [NEXTHOP]
#   peer_reload HOST              re-reads the neighbor list (after more
#                                 peer_neighbor calls or peer_unneighbor)
#
# Every peer also originates 203.0.113.128/25 and 2001:db8:ffff::/48, so the
# speaker under test receives (and must cope with) UPDATEs as well
# (E2E_PEER_ORIGINATE=0 turns that off, to tell problems apart or to count
# exactly what a peer sends; E2E_GOBGP_LOG sets gobgpd's log level, debug
# by default). Bulk routes, many of them, quickly:
#
#   peer_bulk HOST N4 N6          (before peer_start) HOST also originates
#                                 N4 IPv4 and N6 IPv6 prefixes (routegen.py),
#                                 to every neighbor, from its start on
#   peer_bulk_withdraw HOST       withdraws all of them; GoBGP: every route
#                                 of its global RIB
#   peer_bulk_announce HOST       announces them again
#   peer_sent HOST ADDR AF        prefixes of family AF (4 or 6) the router
#                                 says it sent to ADDR
#
# BFD (BIRD and FRR), read back the same way:
#
#   peer_bfd_state HOST ADDR      "Up", "Down", "Init", "AdminDown" or empty
#                                 (no session)
#   peer_bfd_up HOST ADDR         true when Up
#   peer_bfd_timers HOST ADDR     "TX DETECT": the interval HOST transmits
#                                 at and its detection time, in ms, as
#                                 negotiated (RFC 5880 section 6.8.2, 6.8.4)
#   peer_last_error HOST ADDR     why HOST's BGP session to ADDR last went
#                                 down, in the router's own words


peer_neighbor() {
	local h=$1 addr=$2 asn=$3
	shift 3
	echo "$addr $asn $*" >>"$NL_DIR/$h/neighbors"
}

PEER_ROUTEGEN=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/routegen.py

peer_bulk() {
	echo "$2 $3" >"$NL_DIR/$1/bulk"
}

peer_bulk_withdraw() { "_$(_peer_type "$1")_bulk" "$1" withdraw; }
peer_bulk_announce() { "_$(_peer_type "$1")_bulk" "$1" announce; }
peer_sent() { "_$(_peer_type "$1")_sent" "$1" "$2" "$3"; }

peer_unneighbor() {
	local h=$1 addr=$2
	awk -v a="$addr" '$1 != a' "$NL_DIR/$h/neighbors" >"$NL_DIR/$h/neighbors.new"
	mv "$NL_DIR/$h/neighbors.new" "$NL_DIR/$h/neighbors"
}

# opt LINE KEY DEFAULT: value of key=value in a neighbors line.
_peer_opt() {
	local w
	for w in $1; do
		[ "${w%%=*}" = "$2" ] && {
			echo "${w#*=}"
			return
		}
	done
	echo "$3"
}

# BIRD protocol name for a neighbor address.
_bird_name() { echo "n_$1" | tr '.:' '__'; }

_peer_type() { cat "$NL_DIR/$1/peer.type"; }

peer_start() {
	local type=$1 h=$2 asn=$3 rid=$4 opts="${*:5}"
	local d=$NL_DIR/$h
	echo "$type" >"$d/peer.type"
	echo "$asn $rid $opts" >"$d/peer.args"
	[ -f "$d/neighbors" ] || : >"$d/neighbors"
	case $type in
	bird)
		grep -q ' bfdcpf=1' "$d/neighbors" && die "bird: no bfdcpf (check-control-plane-failure)"
		_bird_start "$h"
		;;
	frr) _frr_start "$h" ;;
	gobgp)
		grep -q ' bfd=1' "$d/neighbors" && die "gobgp: no BFD in the harness"
		_gobgp_start "$h"
		;;
	*) die "unknown peer type $type" ;;
	esac
}

# _peer_bfd LINE: the neighbors line asks for BFD.
_peer_bfd() { [ "$(_peer_opt "$1" bfd 0)" = 1 ]; }

peer_reload() {
	local h=$1
	case $(_peer_type "$h") in
	bird)
		_bird_conf "$h"
		bird_cli "$h" configure >/dev/null
		;;
	frr) _frr_sync "$h" ;;
	gobgp)
		_gobgp_conf "$h"
		kill -HUP "$(cat "$NL_DIR/$h/gobgpd.pid")"
		;;
	esac
}

# ---- BIRD 2 ----

bird_cli() {
	local h=$1
	shift
	nl_x "$h" birdc -s "$NL_DIR/$h/bird.ctl" "$@"
}

_bird_conf() {
	local h=$1 d=$NL_DIR/$1 asn rid fib line addr pasn name gw pw la
	read -r asn rid fib <"$d/peer.args"
	{
		echo "log \"$d/bird.log\" all;"
		echo "debug protocols { states };"
		echo "router id $rid;"
		echo "timeformat protocol iso long;"
		echo "timeformat route iso long;"
		echo "protocol device { scan time 1; }"
		echo "protocol direct { ipv4; ipv6; }"
		if [ "${E2E_PEER_ORIGINATE:-1}" = 1 ]; then
			echo "protocol static st4 { ipv4; route 203.0.113.128/25 blackhole; }"
			echo "protocol static st6 { ipv6; route 2001:db8:ffff::/48 blackhole; }"
		fi
		# Bulk routes: two static protocols, switched off and on by
		# peer_bulk_withdraw/announce (one birdc command each).
		if [ -f "$d/bulk" ]; then echo "include \"$d/bulk.conf\";"; fi
		if [ -f "$d/bird.extra.conf" ]; then echo "include \"$d/bird.extra.conf\";"; fi
		# BFD: timers per session, in the BGP protocol's bfd block.
		if grep -q ' bfd=1' "$d/neighbors"; then
			echo "protocol bfd { debug { states }; }"
		fi
		if [ "$(_peer_opt "$fib" fib 0)" = 1 ]; then
			# merge paths: equal best routes become one multipath
			# route in the kernel (ECMP).
			echo "protocol kernel k4 { ipv4 { export where source = RTS_BGP; import none; }; merge paths on; }"
			echo "protocol kernel k6 { ipv6 { export where source = RTS_BGP; import none; }; merge paths on; }"
		fi
		while read -r addr pasn line; do
			[ -n "$addr" ] || continue
			name=$(_bird_name "$addr")
			echo "protocol bgp $name {"
			echo "  local as $asn;"
			echo "  neighbor $addr port $(_peer_opt "$line" port 179) as $pasn;"
			# direct=1: an iBGP neighbor on the link (BIRD takes iBGP
			# for multihop otherwise, its BFD too)
			if [ "$(_peer_opt "$line" direct 0)" = 1 ]; then echo "  direct;"; fi
			la=$(_peer_opt "$line" local "")
			[ -n "$la" ] && echo "  local $la;"
			if [ "$(_peer_opt "$line" passive 1)" = 1 ]; then echo "  passive on;"; fi
			echo "  hold time $(_peer_opt "$line" hold 3);"
			echo "  keepalive time 1;"
			echo "  connect retry time 2;"
			# Short waits after an error: the tests restart speakers
			# on purpose and must not wait BIRD's 60 s default.
			echo "  error wait time 1, 2;"
			if [ "$(_peer_opt "$line" gr 1)" = 1 ]; then echo "  graceful restart on;"; fi
			pw=$(_peer_opt "$line" password "")
			[ -n "$pw" ] && echo "  password \"$pw\";"
			if _peer_bfd "$line"; then
				echo "  bfd { min rx interval $(_peer_opt "$line" bfdrx 300) ms;" \
					"min tx interval $(_peer_opt "$line" bfdtx 300) ms;" \
					"multiplier $(_peer_opt "$line" bfdmult 3); };"
			fi
			gw=""
			if [ "$(_peer_opt "$line" multihop 0)" != 0 ]; then
				echo "  multihop $(_peer_opt "$line" multihop 0);"
				gw="gateway recursive;"
			fi
			echo "  ipv4 { import all; export where source = RTS_STATIC; $gw };"
			echo "  ipv6 { import all; export where source = RTS_STATIC; $gw };"
			echo "}"
		done <"$d/neighbors"
	} >"$d/bird.conf"
}

_bird_start() {
	local h=$1 d=$NL_DIR/$1
	# shellcheck disable=SC2046
	if [ -f "$d/bulk" ]; then
		python3 "$PEER_ROUTEGEN" bird $(cat "$d/bulk") >"$d/bulk.conf" || die "routegen.py bird"
	fi
	_bird_conf "$h"
	nl_bg "$h" "$d/bird.out" bird -f -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid"
	wait_until 10 "bird in $h" bird_cli "$h" show status || die "bird did not start in $h"
}

_bird_state() {
	bird_cli "$1" show protocols "$(_bird_name "$2")" 2>/dev/null |
		awk -v n="$(_bird_name "$2")" '$1 == n {print $NF}'
}

_bird_ups() {
	grep -c "$(_bird_name "$2"): State changed to up" "$NL_DIR/$1/bird.log"
}

_bird_bulk() {
	local p cmd=enable
	[ "$2" = withdraw ] && cmd=disable
	for p in bulk4 bulk6; do
		bird_cli "$1" "$cmd" "$p" >/dev/null || return 1
	done
}

# "show protocols all": each channel has a "Routes: I imported, E exported,
# P preferred" line.
_bird_sent() {
	bird_cli "$1" show protocols all "$(_bird_name "$2")" 2>/dev/null |
		awk -v c="ipv$3" '$1 == "Channel" { in_c = $2 == c }
			in_c && $1 == "Routes:" { for (i = 2; i < NF; i++) if ($(i + 1) ~ /^exported/) print $i }'
}

# BIRD's "show route ... all" lists a route's first line (prefix first,
# or indented when the prefix repeats) then attribute lines.
_bird_routes() {
	local t=master$3
	bird_cli "$1" show route protocol "$(_bird_name "$2")" table "$t" all 2>/dev/null |
		awk '
			/^[0-9a-f][0-9a-f.:]*\/[0-9]+/ { if (p != "") print p, nh; p = $1; nh = ""; next }
			/BGP.next_hop:/ { for (i = 2; i <= NF; i++) nh = nh (nh == "" ? "" : " ") $i }
			END { if (p != "") print p, nh }'
}

# "show bfd sessions": address, interface, state, since (a date and a
# time with "iso long"), the interval BIRD transmits at and its detection
# time, in seconds.
_bird_bfd_line() {
	bird_cli "$1" show bfd sessions 2>/dev/null | awk -v a="$2" '$1 == a {print; exit}'
}

_bird_bfd_state() { _bird_bfd_line "$1" "$2" | awk '{print $3}'; }

_bird_bfd_timers() {
	_bird_bfd_line "$1" "$2" | awk 'NF >= 5 {printf "%d %d\n", $(NF - 1) * 1000 + 0.5, $NF * 1000 + 0.5}'
}

_bird_last_error() {
	bird_cli "$1" show protocols all "$(_bird_name "$2")" 2>/dev/null |
		sed -n 's/^ *Last error: *//p'
}

# ---- FRR ----

vty() {
	local h=$1
	shift
	nl_x "$h" vtysh --config_dir "$NL_DIR/$h" --vty_socket "$NL_DIR/$h" -c "$*"
}

_frr_neighbor_lines() {
	local addr=$1 pasn=$2 line=$3 pw la
	echo " neighbor $addr remote-as $pasn"
	la=$(_peer_opt "$line" local "")
	[ -n "$la" ] && echo " neighbor $addr update-source $la"
	if [ "$(_peer_opt "$line" passive 1)" = 1 ]; then echo " neighbor $addr passive"; fi
	echo " neighbor $addr timers 1 $(_peer_opt "$line" hold 3)"
	echo " neighbor $addr timers connect 2"
	echo " neighbor $addr port $(_peer_opt "$line" port 179)"
	pw=$(_peer_opt "$line" password "")
	[ -n "$pw" ] && echo " neighbor $addr password $pw"
	if [ "$(_peer_opt "$line" multihop 0)" != 0 ]; then
		echo " neighbor $addr ebgp-multihop $(_peer_opt "$line" multihop 0)"
	fi
	# bgpd registers the session with bfdd (through zebra); its timers
	# are bfdd's profile of the same name (_frr_bfd_lines).
	if _peer_bfd "$line"; then
		echo " neighbor $addr bfd"
		echo " neighbor $addr bfd profile $(_frr_profile "$addr")"
		if [ "$(_peer_opt "$line" bfdcpf 0)" = 1 ]; then
			echo " neighbor $addr bfd check-control-plane-failure"
		fi
	fi
}

_peer_no_bfd_timers() { sed -E 's/ bfd(rx|tx|mult)=[^ ]*//g'; }

_frr_profile() { echo "p_$1" | tr '.:' '__'; }

# bfdd's configuration: a profile per BFD neighbor (RFC 5880 timers).
_frr_bfd_lines() {
	local d=$NL_DIR/$1 addr pasn line
	echo "bfd"
	while read -r addr pasn line; do
		if [ -z "$addr" ] || ! _peer_bfd "$line"; then continue; fi
		echo " profile $(_frr_profile "$addr")"
		echo "  receive-interval $(_peer_opt "$line" bfdrx 300)"
		echo "  transmit-interval $(_peer_opt "$line" bfdtx 300)"
		echo "  detect-multiplier $(_peer_opt "$line" bfdmult 3)"
		echo " exit"
	done <"$d/neighbors"
	echo "exit"
}

# FRR with zebra and bfdd (BFD or a kernel FIB), or bgpd alone.
_frr_full() {
	local d=$NL_DIR/$1 fib
	read -r _ _ fib <"$d/peer.args"
	[ "$(_peer_opt "$fib" fib 0)" = 1 ] || grep -q ' bfd=1' "$d/neighbors"
}

_frr_conf() {
	local h=$1 d=$NL_DIR/$1 asn rid fib addr pasn line af
	read -r asn rid fib <"$d/peer.args"
	{
		echo "hostname $h"
		echo "log file $d/bgpd.log debugging"
		echo "debug bgp neighbor-events"
		# BFD state changes as bgpd sees them, with the neighbor's C
		# bit ("CPI bit"), and what it does with them.
		grep -q ' bfd=1' "$d/neighbors" && echo "debug bgp bfd"
		echo "router bgp $asn"
		echo " bgp router-id $rid"
		echo " no bgp ebgp-requires-policy"
		echo " no bgp default ipv4-unicast"
		echo " no bgp network import-check"
		echo " bgp graceful-restart"
		# Equal paths from several speakers: one ECMP route (fib=1).
		[ "$(_peer_opt "$fib" fib 0)" = 1 ] && echo " bgp bestpath as-path multipath-relax"
		while read -r addr pasn line; do
			[ -n "$addr" ] && _frr_neighbor_lines "$addr" "$pasn" "$line"
		done <"$d/neighbors"
		for af in ipv4 ipv6; do
			echo " address-family $af unicast"
			if [ "${E2E_PEER_ORIGINATE:-1}" != 1 ]; then
				:
			elif [ $af = ipv4 ]; then
				echo "  network 203.0.113.128/25"
			else
				echo "  network 2001:db8:ffff::/48"
			fi
			[ "$(_peer_opt "$fib" fib 0)" = 1 ] && echo "  maximum-paths 16"
			while read -r addr pasn line; do
				[ -n "$addr" ] && echo "  neighbor $addr activate"
			done <"$d/neighbors"
			echo " exit-address-family"
		done
		# Bulk routes: "network" lines (import-check is off), loaded
		# with the config at start, then by vtysh -f.
		if [ -f "$d/bulk" ]; then cat "$d/bulk.frr"; fi
	} >"$d/frr.conf"
	_frr_full "$h" || return 0
	{
		echo "hostname $h"
		echo "log file $d/bfdd.log debugging"
		echo "debug bfd peer"
		echo "debug bfd zebra"
		_frr_bfd_lines "$h"
	} >"$d/bfdd.conf"
	{
		echo "hostname $h"
		echo "log file $d/zebra.log informational"
	} >"$d/zebra.conf"
}

_frr_start() {
	local h=$1 d=$NL_DIR/$1 bgpd_args=(-Z -n) fib
	# shellcheck disable=SC2046
	if [ -f "$d/bulk" ]; then
		python3 "$PEER_ROUTEGEN" frr $(cat "$d/bulk") >"$d/bulk.frr" || die "routegen.py frr"
	fi
	_frr_conf "$h"
	# vtysh asks PAM for a password unless its config says otherwise.
	echo "username root nopassword" >"$d/vtysh.conf"
	if _frr_full "$h"; then
		# zebra (the kernel, and the relay between bgpd and bfdd:
		# ZEBRA_BFD_DEST_REGISTER), bfdd, then bgpd, each with its
		# sockets in $d: several FRRs run side by side. -u/-g root:
		# Debian's frr user may not exist.
		nl_bg "$h" "$d/zebra.out" /usr/lib/frr/zebra -u root -g frrvty -z "$d/zserv.api" \
			--vty_socket "$d" -i "$d/zebra.pid" -f "$d/zebra.conf" -P 0
		wait_until 10 "zebra in $h" vty "$h" show zebra || die "zebra did not start in $h"
		nl_bg "$h" "$d/bfdd.out" /usr/lib/frr/bfdd -u root -g frrvty -z "$d/zserv.api" \
			--bfdctl "$d/bfdd.sock" --vty_socket "$d" -i "$d/bfdd.pid" -f "$d/bfdd.conf" -P 0
		wait_until 10 "bfdd in $h" vty "$h" show bfd peers || die "bfdd did not start in $h"
		bgpd_args=(-z "$d/zserv.api")
		read -r _ _ fib <"$d/peer.args"
		[ "$(_peer_opt "$fib" fib 0)" = 1 ] || bgpd_args+=(-n)
	fi
	# -S: no user/capability switching (Debian's frr user and frrvty
	# group may not exist); -Z -n: no zebra, no kernel routes: the tests
	# read bgpd's own RIB.
	nl_bg "$h" "$d/bgpd.out" /usr/lib/frr/bgpd -S "${bgpd_args[@]}" --vty_socket "$d" \
		-i "$d/bgpd.pid" -f "$d/frr.conf" -P 0
	wait_until 10 "bgpd in $h" vty "$h" show bgp summary || die "bgpd did not start in $h"
	cp "$d/neighbors" "$d/neighbors.applied"
}

# Apply neighbor additions/removals through vtysh (bgpd does not re-read
# its config file).
_frr_sync() {
	local h=$1 d=$NL_DIR/$1 asn rid fib addr pasn line cmds=()
	read -r asn rid fib <"$d/peer.args"
	while read -r addr pasn line; do
		grep -q "^$addr " "$d/neighbors" || cmds+=(-c "no neighbor $addr")
	done <"$d/neighbors.applied"
	while read -r addr pasn line; do
		[ -n "$addr" ] || continue
		grep -qxF "$addr $pasn $line" "$d/neighbors.applied" && continue
		# Only BFD timers changed: the profile below, no new session.
		[ "$(grep "^$addr " "$d/neighbors.applied" | _peer_no_bfd_timers)" = \
			"$(echo "$addr $pasn $line" | _peer_no_bfd_timers)" ] && continue
		grep -q "^$addr " "$d/neighbors.applied" && cmds+=(-c "no neighbor $addr")
		while read -r l; do cmds+=(-c "$l"); done < <(_frr_neighbor_lines "$addr" "$pasn" "$line")
		cmds+=(-c "address-family ipv4 unicast" -c "neighbor $addr activate" -c "exit-address-family")
		cmds+=(-c "address-family ipv6 unicast" -c "neighbor $addr activate" -c "exit-address-family")
	done <"$d/neighbors"
	# BFD profiles first, so that bgpd's sessions find their timers; a
	# changed profile renegotiates in place (Poll Sequence).
	if _frr_full "$h"; then
		local bcmds=()
		while read -r l; do bcmds+=(-c "$l"); done < <(_frr_bfd_lines "$h")
		nl_x "$h" vtysh --config_dir "$d" --vty_socket "$d" -c "configure terminal" \
			"${bcmds[@]}" >/dev/null
	fi
	((${#cmds[@]})) && nl_x "$h" vtysh --config_dir "$d" --vty_socket "$d" \
		-c "configure terminal" -c "router bgp $asn" "${cmds[@]}" >/dev/null
	cp "$d/neighbors" "$d/neighbors.applied"
	_frr_conf "$h"
}

_frr_bulk() {
	local h=$1 d=$NL_DIR/$1 asn no=""
	read -r asn _ <"$d/peer.args"
	[ "$2" = withdraw ] && no=no
	if [ ! -f "$d/bulk.$2" ]; then
		{
			echo "router bgp $asn"
			# shellcheck disable=SC2046
			python3 "$PEER_ROUTEGEN" frr $(cat "$d/bulk") $no
		} >"$d/bulk.$2"
	fi
	nl_x "$h" vtysh --config_dir "$d" --vty_socket "$d" -f "$d/bulk.$2" >/dev/null
}

_frr_sent() {
	_frr_json "$1" "$2" | python3 -c 'import json,sys
d=json.load(sys.stdin).get(sys.argv[1],{}).get("addressFamilyInfo",{})
print(d.get(sys.argv[2],{}).get("sentPrefixCounter",0))' "$2" "ipv$3Unicast" 2>/dev/null
}

_frr_json() { vty "$1" "show bgp neighbors $2 json" 2>/dev/null; }

_frr_state() {
	_frr_json "$1" "$2" | python3 -c 'import json,sys
d=json.load(sys.stdin); print(d.get(sys.argv[1],{}).get("bgpState",""))' "$2" 2>/dev/null
}

_frr_ups() {
	_frr_json "$1" "$2" | python3 -c 'import json,sys
d=json.load(sys.stdin); print(d.get(sys.argv[1],{}).get("connectionsEstablished",0))' "$2" 2>/dev/null
}

_frr_routes() {
	vty "$1" "show bgp ipv$3 unicast neighbors $2 routes json" 2>/dev/null | python3 -c 'import json,sys
d=json.load(sys.stdin)
for p, paths in sorted(d.get("routes", {}).items()):
    for r in paths:
        print(p, " ".join(n["ip"] for n in r.get("nexthops", [])))' 2>/dev/null
}

# "show bfd peers json": bfdd's sessions, configured timers and the
# remote's; the negotiated ones as RFC 5880 section 6.8.2 and 6.8.4 have
# them.
_frr_bfd_json() {
	vty "$1" "show bfd peers json" 2>/dev/null | python3 -c 'import json,sys
for p in json.load(sys.stdin):
    if p.get("peer") == sys.argv[1]:
        print(json.dumps(p)); break' "$2" 2>/dev/null
}

_frr_bfd_state() {
	_frr_bfd_json "$1" "$2" | python3 -c 'import json,sys
s=json.load(sys.stdin).get("status","")
print({"up":"Up","down":"Down","init":"Init","shutdown":"AdminDown"}.get(s,s))' 2>/dev/null
}

_frr_bfd_timers() {
	_frr_bfd_json "$1" "$2" | python3 -c 'import json,sys
p=json.load(sys.stdin)
tx=max(p["transmit-interval"], p["remote-receive-interval"])
det=p["remote-detect-multiplier"] * max(p["receive-interval"], p["remote-transmit-interval"])
print(tx, det)' 2>/dev/null
}

# bgpd's reason for the last reset, and the NOTIFICATION's when one was
# sent or received ("BGP Notification send; Cease/BFD Down").
_frr_last_error() {
	_frr_json "$1" "$2" | python3 -c 'import json,sys
d=json.load(sys.stdin).get(sys.argv[1],{})
print("; ".join(x for x in (d.get("lastResetDueTo",""), d.get("lastNotificationReason","")) if x))' "$2" 2>/dev/null
}

# ---- GoBGP ----

GOBGP_API_PORT=50051

gobgp_cli() {
	local h=$1
	shift
	nl_x "$h" gobgp -u 127.0.0.1 -p "$GOBGP_API_PORT" "$@"
}

_gobgp_conf() {
	local h=$1 d=$NL_DIR/$1 asn rid fib addr pasn line pw af
	read -r asn rid fib <"$d/peer.args"
	{
		echo "[global.config]"
		echo "  as = $asn"
		echo "  router-id = \"$rid\""
		echo "  port = 179"
		while read -r addr pasn line; do
			[ -n "$addr" ] || continue
			echo "[[neighbors]]"
			echo "  [neighbors.config]"
			echo "    neighbor-address = \"$addr\""
			echo "    peer-as = $pasn"
			pw=$(_peer_opt "$line" password "")
			[ -n "$pw" ] && echo "    auth-password = \"$pw\""
			echo "  [neighbors.timers.config]"
			echo "    hold-time = $(_peer_opt "$line" hold 3)"
			echo "    keepalive-interval = 1"
			echo "    connect-retry = 2"
			echo "    idle-hold-time-after-reset = 1"
			echo "  [neighbors.transport.config]"
			if [ "$(_peer_opt "$line" passive 1)" = 1 ]; then
				echo "    passive-mode = true"
			else
				echo "    passive-mode = false"
			fi
			echo "    remote-port = $(_peer_opt "$line" port 179)"
			if [ "$(_peer_opt "$line" multihop 0)" != 0 ]; then
				echo "  [neighbors.ebgp-multihop.config]"
				echo "    enabled = true"
				echo "    multihop-ttl = $(_peer_opt "$line" multihop 0)"
			fi
			if [ "$(_peer_opt "$line" gr 1)" = 1 ]; then
				echo "  [neighbors.graceful-restart.config]"
				echo "    enabled = true"
				echo "    helper-only = true"
			fi
			for af in ipv4 ipv6; do
				echo "  [[neighbors.afi-safis]]"
				echo "    [neighbors.afi-safis.config]"
				echo "      afi-safi-name = \"$af-unicast\""
				if [ "$(_peer_opt "$line" gr 1)" = 1 ]; then
					echo "    [neighbors.afi-safis.mp-graceful-restart.config]"
					echo "      enabled = true"
				fi
			done
		done <"$d/neighbors"
	} >"$d/gobgpd.toml"
}

_gobgp_start() {
	local h=$1 d=$NL_DIR/$1
	_gobgp_conf "$h"
	nl_bg "$h" "$d/gobgpd.log" gobgpd -f "$d/gobgpd.toml" -t toml \
		--api-hosts "127.0.0.1:$GOBGP_API_PORT" --pprof-disable -p -l "${E2E_GOBGP_LOG:-debug}"
	echo "$NL_BG_PID" >"$d/gobgpd.pid"
	wait_until 10 "gobgpd in $h" gobgp_cli "$h" global || die "gobgpd did not start in $h"
	if [ "${E2E_PEER_ORIGINATE:-1}" = 1 ]; then
		gobgp_cli "$h" global rib add -a ipv4 203.0.113.128/25 >/dev/null
		gobgp_cli "$h" global rib add -a ipv6 2001:db8:ffff::/48 >/dev/null
	fi
	if [ -f "$d/bulk" ]; then
		_gobgp_bulk "$h" announce || die "gobgpd in $h: bulk routes not loaded"
	fi
}

# HOST AF: paths of the global RIB that no neighbor sent (all paths less
# those accepted from neighbors): the ones this router originates.
_gobgp_local_paths() {
	local all acc
	all=$(gobgp_cli "$1" global rib summary -a "ipv$2" 2>/dev/null |
		awk -F'[ ,]+' '$1 == "Destination:" { print $4 }')
	acc=$(gobgp_cli "$1" neighbor -j 2>/dev/null | python3 -c 'import json,sys
print(sum(a.get("state",{}).get("accepted",0) for n in json.load(sys.stdin) or []
          for a in n.get("afi_safis") or [] if a.get("config",{}).get("family",{}) ==
          {"afi": int(sys.argv[1]), "safi": 1}))' "$(($2 == 4 ? 1 : 2))") || return 1
	echo $((${all:-0} - acc))
}

_gobgp_rib_has() { [ "$(_gobgp_local_paths "$1" 4) $(_gobgp_local_paths "$1" 6)" = "$2 $3" ]; }

# The fastest way into GoBGP's RIB: an MRT table through `mrt inject`.
# Its neighbors' next hops: their own addresses (eBGP: next hop self).
_gobgp_bulk() {
	local h=$1 d=$NL_DIR/$1 n4 n6 af base4=0 base6=0
	read -r n4 n6 <"$d/bulk"
	if [ "$2" = withdraw ]; then
		for af in ipv4 ipv6; do
			gobgp_cli "$h" global rib del all -a $af >/dev/null || return 1
		done
		wait_until 30 "gobgpd in $h: RIB empty" _gobgp_rib_has "$h" 0 0
		return
	fi
	[ -f "$d/bulk.mrt" ] ||
		python3 "$PEER_ROUTEGEN" mrt "$n4" "$n6" 192.0.2.1 2001:db8::1 "$d/bulk.mrt" || return 1
	if [ "${E2E_PEER_ORIGINATE:-1}" = 1 ]; then base4=1 base6=1; fi
	gobgp_cli "$h" mrt inject global "$d/bulk.mrt" >/dev/null || return 1
	wait_until 30 "gobgpd in $h: $n4 + $n6 routes" _gobgp_rib_has "$h" $((n4 + base4)) $((n6 + base6))
}

_gobgp_sent() {
	_gobgp_json "$1" "$2" | python3 -c 'import json,sys
n=json.load(sys.stdin)
for a in n.get("afi_safis", []):
    f=a.get("config",{}).get("family",{})
    if f.get("afi") == int(sys.argv[1]) and f.get("safi") == 1:
        print(a.get("state",{}).get("advertised",0))' "$([ "$3" = 4 ] && echo 1 || echo 2)" 2>/dev/null
}

_gobgp_json() { gobgp_cli "$1" neighbor "$2" -j 2>/dev/null; }

_gobgp_state() {
	_gobgp_json "$1" "$2" | python3 -c 'import json,sys
s=json.load(sys.stdin)["state"].get("session_state",0)
print({1:"Idle",2:"Connect",3:"Active",4:"OpenSent",5:"OpenConfirm",6:"Established"}.get(s,s))' 2>/dev/null
}

# Each session starts with one OPEN received: their count is the number of
# sessions that got at least that far.
_gobgp_ups() {
	_gobgp_json "$1" "$2" | python3 -c 'import json,sys
m=json.load(sys.stdin)["state"].get("messages",{}).get("received",{})
print(m.get("open",0))' 2>/dev/null
}

_gobgp_routes() {
	gobgp_cli "$1" neighbor "$2" adj-in -a "ipv$3" -j 2>/dev/null | python3 -c 'import json,sys
d=json.load(sys.stdin) or {}
for p, paths in sorted(d.items()):
    for r in paths:
        nh=[a.get("nexthop") for a in r.get("attrs",[]) if a.get("type") in (3,14)]
        print(p, " ".join(n for n in nh if n))' 2>/dev/null
}

# ---- the neutral readers ----

peer_state() { "_$(_peer_type "$1")_state" "$1" "$2"; }

peer_established() { [ "$(peer_state "$1" "$2")" = Established ]; }

peer_ups() { "_$(_peer_type "$1")_ups" "$1" "$2"; }

peer_routes() { "_$(_peer_type "$1")_routes" "$1" "$2" "$3"; }

# peer_has_route HOST ADDR PREFIX [NEXTHOP]: PREFIX learned from ADDR (with
# NEXTHOP among its next hops when given).
peer_has_route() {
	local af=4 nh=${4:-}
	[[ "$3" == *:* ]] && af=6
	peer_routes "$1" "$2" "$af" | awk -v p="$3" -v nh="$nh" '
		$1 == p { if (nh == "") f = 1; for (i = 2; i <= NF; i++) if ($i == nh) f = 1 }
		END { exit !f }'
}

peer_lacks_route() { ! peer_has_route "$1" "$2" "$3"; }

peer_bfd_state() { "_$(_peer_type "$1")_bfd_state" "$1" "$2"; }

peer_bfd_up() { [ "$(peer_bfd_state "$1" "$2")" = Up ]; }

peer_bfd_timers() { "_$(_peer_type "$1")_bfd_timers" "$1" "$2"; }

peer_last_error() { "_$(_peer_type "$1")_last_error" "$1" "$2"; }
