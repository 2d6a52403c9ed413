# shellcheck shell=bash
# The interop suite run against one peer implementation (bird, frr, gobgp):
#
#   node n1 (speaker, AS 65001)  192.0.2.11/24 2001:db8::11/64
#        |
#   tor      (peer,   AS 65000)  192.0.2.1/24  2001:db8::1/64
#
# Two sessions: over IPv4 (with TCP-MD5) and over IPv6, both carrying IPv4
# and IPv6 unicast, so each family also rides the other family's session.
# Checks: sessions up and stable past three hold times (hold 3 s); /32 and
# /128 announced with the right next hops; more added by SIGHUP and some
# removed by a manifest change without a signal, neither resetting a
# session; a wrong MD5 key keeps that session down while the speaker runs
# on and the other session stays untouched; the right key brings it back;
# SIGTERM withdraws everything and exits 0.

SUITE_PW="berth-md5-key"

suite_manifest() { # FILE PASSWORD IP...
	local f=$1 pw=$2
	shift 2
	: >"$f.new"
	mf_bgpconf "$f.new" 65001 17900 routerId=192.0.2.11
	mf_peer "$f.new" tor-v4 192.0.2.1 65000 password="$pw" hold=3
	mf_peer "$f.new" tor-v6 2001:db8::1 65000 hold=3
	mf_service "$f.new" web "$@"
	# Rewrite in place (same inode), as an editor or `cat >` would.
	cat "$f.new" >"$f"
	rm -f "$f.new"
}

suite_routes_ok() { # HOST PREFIX... : on both sessions with the right next hop
	local h=$1 p nh s
	shift
	for p in "$@"; do
		nh=192.0.2.11
		[[ "$p" == *:* ]] && nh=2001:db8::11
		for s in 192.0.2.11 2001:db8::11; do
			peer_has_route "$h" "$s" "$p" "$nh" || return 1
		done
	done
}

suite_routes_gone() { # HOST PREFIX...
	local h=$1 p s
	shift
	for p in "$@"; do
		for s in 192.0.2.11 2001:db8::11; do
			peer_has_route "$h" "$s" "$p" && return 1
		done
	done
	return 0
}

suite_both_up() {
	peer_established tor 192.0.2.11 && peer_established tor 2001:db8::11
}

run_peer_suite() {
	local type=$1 m ups4 ups6 rc mark
	nl_setup
	spk_check
	nl_host n1 tor
	nl_link n1 tor
	nl_addr n1 to-tor 192.0.2.11/24 2001:db8::11/64
	nl_addr tor to-n1 192.0.2.1/24 2001:db8::1/64

	peer_neighbor tor 192.0.2.11 65001 password="$SUITE_PW"
	peer_neighbor tor 2001:db8::11 65001
	peer_start "$type" tor 65000 192.0.2.1

	m=$NL_DIR/n1/manifest.yaml
	suite_manifest "$m" "$SUITE_PW" 203.0.113.10 2001:db8:100::10
	spk_start n1 n1 "$m"

	wait_until 30 "both sessions Established" suite_both_up &&
		ok "$type: IPv4 (TCP-MD5) and IPv6 sessions Established" ||
		die "$type: sessions did not come up"
	ups4=$(peer_ups tor 192.0.2.11)
	ups6=$(peer_ups tor 2001:db8::11)

	check "$type: /32 and /128 on both sessions, next hops 192.0.2.11 and 2001:db8::11" \
		wait_until 15 "initial routes" suite_routes_ok tor 203.0.113.10/32 2001:db8:100::10/128
	check "$type: sessions stay Established past three hold times (10 s, hold 3 s)" \
		holds_for 10 "both sessions up" suite_both_up

	suite_manifest "$m" "$SUITE_PW" 203.0.113.10 2001:db8:100::10 203.0.113.11 2001:db8:100::11
	spk_hup n1
	check "$type: SIGHUP adds 203.0.113.11/32 and 2001:db8:100::11/128" \
		wait_until 15 "added routes" suite_routes_ok tor 203.0.113.11/32 2001:db8:100::11/128
	check "$type: earlier routes still there" suite_routes_ok tor 203.0.113.10/32 2001:db8:100::10/128

	suite_manifest "$m" "$SUITE_PW" 203.0.113.11 2001:db8:100::11
	check "$type: manifest change without a signal withdraws 203.0.113.10/32 and 2001:db8:100::10/128" \
		wait_until 15 "withdrawn routes" suite_routes_gone tor 203.0.113.10/32 2001:db8:100::10/128
	check "$type: remaining routes still there" suite_routes_ok tor 203.0.113.11/32 2001:db8:100::11/128
	check "$type: no session reset by adding or withdrawing (ups $ups4/$ups6 -> $(peer_ups tor 192.0.2.11)/$(peer_ups tor 2001:db8::11))" \
		test "$(peer_ups tor 192.0.2.11) $(peer_ups tor 2001:db8::11)" = "$ups4 $ups6"

	suite_manifest "$m" wrong-key 203.0.113.11 2001:db8:100::11
	spk_hup n1
	check "$type: wrong TCP-MD5 key takes the IPv4 session down" \
		wait_until 15 "IPv4 session down" eval '! peer_established tor 192.0.2.11'
	mark=$(spk_log_lines n1)
	check "$type: ... and it never comes up with the wrong key (8 s)" \
		never_for 8 "session up with a wrong key" peer_established tor 192.0.2.11
	check "$type: speaker keeps running with the wrong key" spk_alive n1
	# The speaker cannot tell a key mismatch from a silent peer (the
	# peer's kernel drops the SYNs): it must log failing connects.
	check "$type: speaker logs failing connects to 192.0.2.1" \
		spk_log_has n1 '192\.0\.2\.1([^0-9]|$).*([Ff]ail|[Ee]rr|[Tt]ime|[Rr]efused|[Uu]nreach|[Rr]etry|[Cc]onnect)|([Ff]ail|[Ee]rr|[Tt]ime|[Rr]efused|[Uu]nreach|[Rr]etry|[Cc]onnect).*192\.0\.2\.1([^0-9]|$)' "$mark"
	check "$type: IPv6 session untouched by the other peer's change" \
		test "$(peer_ups tor 2001:db8::11)" = "$ups6"
	check "$type: routes over the IPv6 session still there" \
		peer_has_route tor 2001:db8::11 203.0.113.11/32 192.0.2.11

	suite_manifest "$m" "$SUITE_PW" 203.0.113.11 2001:db8:100::11
	spk_hup n1
	check "$type: right TCP-MD5 key brings the IPv4 session back" \
		wait_until 40 "IPv4 session back" peer_established tor 192.0.2.11
	check "$type: routes back on the IPv4 session" \
		wait_until 10 "routes back" peer_has_route tor 192.0.2.11 2001:db8:100::11/128 2001:db8::11

	spk_stop n1
	rc=$?
	check "$type: SIGTERM: speaker exits 0 (got $rc)" test "$rc" -eq 0
	check "$type: SIGTERM: routes withdrawn" \
		wait_until 10 "routes withdrawn after SIGTERM" suite_routes_gone tor 203.0.113.11/32 2001:db8:100::11/128
	nl_finish
}
