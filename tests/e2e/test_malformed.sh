#!/usr/bin/env bash
# A hostile peer (tests/lib/fakepeer.py) sends one malformed message per
# session; the speaker must answer each with the right NOTIFICATION (or,
# for errors RFC 7606 turns into treat-as-withdraw, keep the session up),
# and its OTHER session, to BIRD, must not notice anything.
#
#   tor: BIRD 192.0.2.1 (AS 65000) --- 192.0.2.11 n1 (speaker, AS 65001)
#   evil: fake 198.51.100.2 (AS 65002) --- 198.51.100.11 n1
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"

cases="bad_marker short_length bad_type withdrawn_overrun nlri_prefix_33 nexthop_len_3 origin_value_7"

nl_setup
spk_check
nl_host n1 tor evil
nl_link n1 tor
nl_link n1 evil
nl_addr n1 to-tor 192.0.2.11/24 2001:db8::11/64
nl_addr tor to-n1 192.0.2.1/24 2001:db8::1/64
nl_addr n1 to-evil 198.51.100.11/24
nl_addr evil to-n1 198.51.100.2/24

peer_neighbor tor 192.0.2.11 65001
peer_start bird tor 65000 192.0.2.1

res=$NL_DIR/evil/fakepeer.json
nl_bg evil "$NL_DIR/evil/fakepeer.log" python3 "$lib/fakepeer.py" --listen 198.51.100.2 \
	--asn 65002 --id 198.51.100.2 --nexthop 198.51.100.2 --cases "${cases// /,}" --out "$res"
fake=$NL_BG_PID

m=$NL_DIR/n1/manifest.yaml
mf_bgpconf "$m" 65001 17900 routerId=192.0.2.11
mf_peer "$m" tor 192.0.2.1 65000
mf_peer "$m" fake 198.51.100.2 65002 families=4
mf_service "$m" web 203.0.113.10
spk_start n1 n1 "$m"

wait_until 30 "BIRD session" peer_established tor 192.0.2.11 &&
	ok "session to BIRD Established" || die "session to BIRD did not come up"
ups=$(peer_ups tor 192.0.2.11)

n=$(wc -w <<<"$cases")
# Stop waiting early when the speaker died: no more sessions would come.
wait_until $((n * 25)) "fake peer finished $n cases" eval '! pid_alive '"$fake"' || spk_dead n1' ||
	not_ok "fake peer did not finish all cases (speaker did not reconnect?)"

for c in $cases; do
	line=$(grep "\"case\": \"$c\"" "$res" 2>/dev/null | head -1)
	if [ -z "$line" ]; then
		not_ok "$c: no session reached this case"
		continue
	fi
	read -r expect got data err < <(python3 -c 'import json,sys
d=json.loads(sys.argv[1]); print(d.get("expect","-"), d.get("got","-"), d.get("data") or "-", d.get("error","-").replace(" ","_"))' "$line")
	if [ "$err" != - ]; then
		not_ok "$c: $err"
	elif [ "$got" = "$expect" ]; then
		ok "$c: answered $got$([ "$expect" = none ] && echo ' (no NOTIFICATION, session stayed up)')"
	else
		not_ok "$c: expected $expect, got $got (data $data)"
	fi
done

check "speaker still running" spk_alive n1
check "session to BIRD stayed Established, never reset (ups $ups -> $(peer_ups tor 192.0.2.11))" \
	eval 'peer_established tor 192.0.2.11 && [ "$(peer_ups tor 192.0.2.11)" = "$ups" ]'
check "route still at BIRD" peer_has_route tor 192.0.2.11 203.0.113.10/32 192.0.2.11
nl_finish
