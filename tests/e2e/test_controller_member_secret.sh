#!/usr/bin/env bash
# The layer 2 key's Secret from the berth controller binary against the API
# server stand-in: two replicas with leader election both ensure it (the
# standby too) and exactly one creates it, with 64 random lowercase hex
# digits; a restart keeps it; a user's own Secret is never changed (an
# unreadable one is warned about); --member-secret NAME and none; a
# namespace that appears later; a bad flag. Exits 0 when every check passes.
. "$(dirname "$0")/../controller/lib.sh"

api_start
le=(--leader-elect --lease-namespace default --lease-duration 4 --renew-deadline 3 --retry-period 0.5)
key() { # NS [NAME]: the decoded data.key
	k get secret -n "$1" "${2:-berth-memberlist}" -o jsonpath='{.data.key}' | base64 -d
}
posts() { # NS: the controllers' creates of Secrets there that succeeded (kubectl's carry a query)
	grep -c "POST /api/v1/namespaces/$1/secrets 201 " "$work/api/apiserver.log"
}
logged() { grep -q -- "$2" "$work/$1.log"; } # NAME pattern

ctl_start c1 "${le[@]}" --identity c1
ctl_start c2 "${le[@]}" --identity c2
both_ready() { ready c1 && ready c2; }
check "both replicas ready" wait_for 15 both_ready
check "Secret default/berth-memberlist created" wait_for 15 key default
first=$(key default)
check "  64 lowercase hex digits, no newline" \
	bash -c "[ \"\$(printf %s '$first' | grep -cE '^[0-9a-f]{64}\$')\" = 1 ] && [ \${#1} = 64 ]" _ "$first"
check "  type Opaque, berth's labels" test \
	"$(k get secret -n default berth-memberlist -o jsonpath='{.type} {.metadata.labels.app\.kubernetes\.io/name}')" \
	"=" "Opaque berth"
check "  created exactly once" test "$(posts default)" = 1
check "  both replicas (leader and standby) saw to it" bash -c '
	grep -q "layer 2 key Secret default/berth-memberlist" "$1/c1.log" &&
	grep -q "layer 2 key Secret default/berth-memberlist" "$1/c2.log" &&
	[ "$(cat "$1"/c[12].log | grep -c "berth-memberlist created with a new random key")" = 1 ]' \
	_ "$work"

ctl_stop c1
ctl_start c1 "${le[@]}" --identity c1
check "a restarted replica finds it" wait_for 15 logged c1 "Secret default/berth-memberlist exists"
check "  the key is unchanged, nothing created" \
	test "$(key default)/$(posts default)" = "$first/1"

# A user's own key, in another namespace and name (NAME alone: the lease
# namespace), is left as it is; so is one the speakers cannot read.
k create namespace own >/dev/null
own=$(openssl rand -hex 32)
k -n own create secret generic mykey --from-literal=key="$own" >/dev/null
k -n own create secret generic broken --from-literal=key=short >/dev/null
ctl_start c3 --lease-namespace own --member-secret mykey
check "user's Secret found (NAME alone: in the lease namespace)" \
	wait_for 15 logged c3 "Secret own/mykey exists"
check "  and unchanged" test "$(key own mykey)/$(posts own)" = "$own/0"
ctl_start c4 --member-secret own/broken
check "an unreadable key is warned about" \
	wait_for 15 logged c4 "Secret own/broken: its data.key is not 64 hex digits"
check "  and kept" test "$(key own broken)" = short

# none: the controller asks for no Secret at all.
k create namespace quiet >/dev/null
ctl_start c5 --lease-namespace quiet --member-secret none
check "--member-secret none: ready" wait_for 15 ready c5
check "  says so, and asks for no Secret" bash -c '
	grep -q "no layer 2 key Secret (--member-secret none)" "$1/c5.log" &&
	! grep -q "/namespaces/quiet/secrets" "$1/api/apiserver.log"' _ "$work"

# Its namespace appears later: retried until then.
ctl_start c6 --member-secret late/berth-memberlist
check "missing namespace: logged and retried" \
	wait_for 15 logged c6 'creating layer 2 key Secret late/berth-memberlist: namespaces "late" not found; again in'
k create namespace late >/dev/null
check "  created once the namespace exists" wait_for 30 key late

check "bad --member-secret: exit 2" bash -c \
	'"$1" controller --member-secret "Bad/x" >/dev/null 2>&1; [ $? = 2 ]' _ "$BERTH"
for n in c1 c2 c3 c4 c5 c6; do ctl_stop "$n"; done
summary
