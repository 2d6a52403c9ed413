#!/usr/bin/env bash
# BgpPeer passwords from Secrets (spec.conf.authPasswordSecretRef), in
# cluster mode: `berth speaker --node n1 --kubeconfig K --namespace
# berth-system` against the API server stand-in, two BIRD routers:
#
#   r1 (BIRD AS 65000, TCP-MD5)  192.0.2.1     API server 192.0.2.2
#    |
#   n1 (speaker AS 65001)        192.0.2.11  198.51.100.11
#    |
#   r2 (BIRD AS 65010, no password)            198.51.100.1
#
# BgpPeer md5 (to r1) names Secret berth-system/bgp-auth key "tor";
# BgpPeer plain (to r2) has no password. Checks:
#   - the Secret's password brings the MD5 session up (no Event at start:
#     the Secrets are listed before the first apply), routes announced;
#   - `kubectl apply` of the Secret with a new value: the session is reset
#     and stays down while the router still signs with the old one, a
#     Normal SecretLoaded Event says the key changed; the router on the
#     new password: Established again;
#   - the BgpPeer names a Secret that does not exist, a key the Secret
#     lacks, a value longer than 80 bytes: a Warning Event on the BgpPeer
#     each (SecretMissing, SecretKeyMissing, SecretInvalid) naming the
#     Secret and key, told once however often the speaker applies (other
#     objects change meanwhile), the session down and held down
#     (status adminState DOWN), no key in any log;
#   - a Secret of that name in another namespace is not read (SecretMissing
#     naming berth-system); the Secret created in berth-system later: the
#     session comes up (Normal SecretLoaded);
#   - BgpPeer plain stays Established throughout: one session, never reset;
#   - SIGTERM: exit 0, no sanitizer report;
#   - every request of the speaker for Secrets (the stand-in's request
#     log) was a list or watch of berth-system's, none elsewhere.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"

NS=berth-system
VIP=203.0.113.10

nl_setup
spk_check

nl_host r1 r2 n1
nl_link n1 r1 to-r1 to-n1
nl_link n1 r2 to-r2 to-n1
nl_addr r1 to-n1 192.0.2.1/24 192.0.2.2/24
nl_addr n1 to-r1 192.0.2.11/24
nl_addr r2 to-n1 198.51.100.1/24
nl_addr n1 to-r2 198.51.100.11/24

# router1 PASSWORD: r1's neighbor n1 signs with PASSWORD. BIRD is passive:
# the speaker connects, with the key it has.
router1() {
	: >"$NL_DIR/r1/neighbors"
	peer_neighbor r1 192.0.2.11 65001 password="$1" hold=9
}
router1 key-A
peer_neighbor r2 198.51.100.11 65001 hold=9
peer_start bird r1 65000 192.0.2.1
peer_start bird r2 65010 198.51.100.1

api_start r1 192.0.2.2

# md5_peer NAME KEY: BgpPeer md5 with authPasswordSecretRef {NAME, KEY}.
md5_peer() {
	k apply -f - >/dev/null <<YAML
apiVersion: network.kubesphere.io/v1alpha2
kind: BgpPeer
metadata: {name: md5}
spec:
  conf:
    peerAs: 65000
    neighborAddress: 192.0.2.1
    authPasswordSecretRef: {name: $1, key: $2}
  timers: {config: {holdTime: "9", keepaliveInterval: "3", connectRetry: "2"}}
YAML
}
# secret NAMESPACE NAME KEY=VALUE: the Secret as kubectl makes it, applied
# (created, or changed in place).
secret() {
	k -n "$1" create secret generic "$2" --from-literal="$3" --dry-run=client -o yaml |
		k apply -f - >/dev/null
}

k apply -f - >/dev/null <<YAML || die "objects"
apiVersion: v1
kind: Namespace
metadata: {name: $NS}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: network.kubesphere.io/v1alpha2
kind: BgpConf
metadata: {name: default}
spec: {as: 65001, listenPort: 17900, routerId: 192.0.2.11}
---
apiVersion: network.kubesphere.io/v1alpha2
kind: BgpPeer
metadata: {name: plain}
spec:
  conf: {peerAs: 65010, neighborAddress: 198.51.100.1}
  timers: {config: {holdTime: "9", keepaliveInterval: "3", connectRetry: "2"}}
---
apiVersion: network.kubesphere.io/v1alpha2
kind: Eip
metadata: {name: pool}
spec: {address: 203.0.113.0/24}
---
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: LoadBalancer
  ports: [{port: 80}]
YAML
k patch service web --subresource=status --type=merge \
	-p "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"$VIP\"}]}}}" >/dev/null ||
	die "Service status"
secret $NS bgp-auth tor=key-A || die "Secret"
md5_peer bgp-auth tor || die "BgpPeer md5"

SLOG=$(spk_log n1)
cmd=$(spk_cmd)
nl_bg n1 "$SLOG" "$cmd" speaker --node n1 --kubeconfig "$KC" --namespace "$NS" \
	--log-level debug --lb-interface none
echo "$NL_BG_PID" >"$NL_DIR/n1/speaker.pid"

md5_up() { peer_established r1 192.0.2.11; }
plain_up() { peer_established r2 198.51.100.11; }
# events REASON: "type reason message" of BgpPeer md5's Events, one line
# per Event object (count: how many times it was posted).
events() {
	k get events -A -o jsonpath='{range .items[*]}{.involvedObject.kind}/{.involvedObject.name} {.type} {.reason} {.count} {.message}{"\n"}{end}' |
		grep "^BgpPeer/md5 [A-Za-z]* $1 " || true
}
# told REASON: how many times BgpPeer md5 got that Event (counts summed).
told() { events "$1" | awk '{n += $4} END {print n + 0}'; }
told_is() { [ "$(told "$1")" = "$2" ]; }
admin_state() { k get bgppeer md5 -o jsonpath='{.status.nodesPeerStatus.n1.peerState.adminState}'; }
# apply_others: changes of other objects, each one more apply of the
# whole configuration by the speaker.
apply_others() {
	local i
	for i in 1 2 3; do
		k label node n1 "berth.test/poke=$i" --overwrite >/dev/null
		sleep 0.5
	done
}

check "the Secret's password brings the MD5 session up" \
	wait_until 60 "MD5 session with key-A" md5_up
check "the session without password is up" wait_until 60 "plain session" plain_up
check "routes announced over both" wait_until 30 "routes" eval \
	"peer_has_route r1 192.0.2.11 $VIP/32 192.0.2.11 && peer_has_route r2 198.51.100.11 $VIP/32 198.51.100.11"
check "no Secret Event at start (the Secrets are listed before the first apply)" eval \
	'[ -z "$(events "Secret[A-Za-z]*")" ]'
check "the speaker logged where the key came from" \
	spk_log_has n1 'BgpPeer md5: TCP-MD5 key from Secret berth-system/bgp-auth key "tor"$'
plain_ups=$(peer_ups r2 198.51.100.11)
md5_ups=$(peer_ups r1 192.0.2.11)

# ---- the Secret changes: re-keyed, the session resets ----
secret $NS bgp-auth tor=key-B || die "Secret key-B"
check "a new value: the MD5 session is reset" wait_until 30 "md5 down" eval '! md5_up'
check "a Normal SecretLoaded Event: a new key, the session restarts" \
	wait_until 20 "SecretLoaded" eval \
	'events SecretLoaded | grep -q "^BgpPeer/md5 Normal SecretLoaded 1 node n1: TCP-MD5 key from Secret berth-system/bgp-auth key \"tor\": a new key, the session restarts with it"'
check "the router still on the old password: no session (6 s)" never_for 6 "md5 up" md5_up
router1 key-B
peer_reload r1
check "the router on the new password: Established again" \
	wait_until 60 "MD5 session with key-B" md5_up
check "... a new session (BIRD counted $md5_ups before)" eval \
	'[ "$(peer_ups r1 192.0.2.11)" -gt "$md5_ups" ]'
check "... and routes again" wait_until 30 "route" peer_has_route r1 192.0.2.11 "$VIP/32" 192.0.2.11

# ---- a Secret that does not exist ----
md5_peer nope tor || die "BgpPeer md5 -> nope"
check "missing Secret: a Warning SecretMissing Event on the BgpPeer naming it" \
	wait_until 20 "SecretMissing" eval \
	'events SecretMissing | grep -q "^BgpPeer/md5 Warning SecretMissing 1 node n1: Secret berth-system/nope not found (BgpPeer Secrets are read from namespace berth-system only): the session is held down"'
check "missing Secret: the session goes down" wait_until 30 "md5 down" eval '! md5_up'
check "missing Secret: status adminState DOWN" wait_until 10 "adminState" eval '[ "$(admin_state)" = DOWN ]'
apply_others
check "missing Secret: held down (6 s)" never_for 6 "md5 up" md5_up
check "missing Secret: told once, whatever else changed" told_is SecretMissing 1
check "missing Secret: the speaker logged it" \
	spk_log_has n1 'BgpPeer md5: Secret berth-system/nope not found .*: the session is held down'

# ---- a key the Secret lacks ----
md5_peer bgp-auth nokey || die "BgpPeer md5 -> nokey"
check "missing key: a Warning SecretKeyMissing Event naming Secret and key" \
	wait_until 20 "SecretKeyMissing" eval \
	'events SecretKeyMissing | grep -q "^BgpPeer/md5 Warning SecretKeyMissing 1 node n1: Secret berth-system/bgp-auth has no key \"nokey\": the session is held down"'
apply_others
check "missing key: held down, told once" eval '! md5_up && told_is SecretKeyMissing 1'

# ---- a value no TCP-MD5 key can be ----
long=$(printf 'k%.0s' {1..81})
secret $NS too-long "tor=$long" || die "Secret too-long"
md5_peer too-long tor || die "BgpPeer md5 -> too-long"
check "81 bytes: a Warning SecretInvalid Event" wait_until 20 "SecretInvalid" eval \
	'events SecretInvalid | grep -q "^BgpPeer/md5 Warning SecretInvalid 1 node n1: Secret berth-system/too-long key \"tor\" holds 81 bytes: a TCP-MD5 key has 1 to 80: the session is held down"'
apply_others
check "81 bytes: held down, told once" eval '! md5_up && told_is SecretInvalid 1'

# ---- another namespace's Secret is not read ----
secret other elsewhere tor=key-B || die "Secret other/elsewhere"
md5_peer elsewhere tor || die "BgpPeer md5 -> elsewhere"
check "a Secret of another namespace: SecretMissing, naming berth-system" \
	wait_until 20 "SecretMissing elsewhere" eval \
	'events SecretMissing | grep -q "node n1: Secret berth-system/elsewhere not found"'
check "... and no session (6 s)" never_for 6 "md5 up" md5_up

# ---- the Secret appears later, in berth-system ----
secret $NS elsewhere tor=key-B || die "Secret berth-system/elsewhere"
check "the Secret appears: the session comes up" wait_until 60 "md5 up" md5_up
check "... a Normal SecretLoaded Event: loaded, the session starts" \
	wait_until 20 "SecretLoaded" eval \
	'events SecretLoaded | grep -q "node n1: TCP-MD5 key from Secret berth-system/elsewhere key \"tor\": loaded, the session starts"'
check "status adminState UP again" wait_until 10 "adminState" eval '[ "$(admin_state)" = UP ]'
k get events -A -o jsonpath='{range .items[*]}{.involvedObject.kind}/{.involvedObject.name} {.type} {.reason} {.count} {.message}{"\n"}{end}' |
	grep '^BgpPeer/md5' | cut -c1-150 | sed 's/^/    /'

# ---- the other peer never noticed ----
check "BgpPeer plain Established throughout: still its first session ($plain_ups)" eval \
	'plain_up && [ "$(peer_ups r2 198.51.100.11)" = "$plain_ups" ] && [ "$plain_ups" = 1 ]'
check "no Event about BgpPeer plain's password" eval \
	'! k get events -A -o jsonpath="{range .items[*]}{.involvedObject.name} {.reason}{\"\\n\"}{end}" | grep -q "^plain Secret"'
# the values, and their base64 (a2V5LUE= a2V5LUI=)
check "no password in the speaker's log, in clear or base64" eval \
	'! grep -qE "key-A|key-B|kkkkkkkkkk|a2V5LU|a2tra2tr" "$SLOG"'

spk_stop n1
rc=$?
check "SIGTERM: exit 0 (got $rc)" test "$rc" = 0
check "no sanitizer report" eval '! grep -qE "AddressSanitizer|LeakSanitizer|runtime error" "$SLOG"'

# The stand-in logs a request when it is answered: a watch when it ends,
# which the speaker's exit did; all of it is written once it stopped.
api_stop
# MetalLB's namespace is read too (a BGPPeer's passwordSecret lives
# there; docs/metallb.md), never another.
check "every Secret request of the speaker was in berth-system (a list, a watch) or metallb-system" eval '
	awk "\$2 == \"192.0.2.11\" && \$4 ~ /secrets/ {print \$3, \$4}" "$api/apiserver.log" >"$NL_DIR/secret-requests" &&
	grep -q "^GET /api/v1/namespaces/berth-system/secrets?limit=" "$NL_DIR/secret-requests" &&
	grep -q "^GET /api/v1/namespaces/berth-system/secrets?watch=1" "$NL_DIR/secret-requests" &&
	! grep -vE "^GET /api/v1/namespaces/(berth|metallb)-system/secrets\?" "$NL_DIR/secret-requests"'
sed 's/^/    /' "$NL_DIR/secret-requests"
nl_finish
