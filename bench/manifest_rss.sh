#!/usr/bin/env bash
# Peak RSS of a manifest-mode speaker loading one large manifest (run by
# hand; not part of tests/run; no root, no namespaces, no network).
#
# Each manifest holds a BgpConf "default" with listenPort -1 (no listening
# socket) and no BgpPeer, then Services of type LoadBalancer, one document
# each, one status.loadBalancer.ingress address each (198.18.0.0/15, the
# RFC 2544 benchmarking range, as bench/run uses), ~400 bytes apiece:
#   1mb, 4mb, 16mb   Services up to that size (16mb: the most that stays
#                    within CFG_YAML_MAX_BYTES, 16 MiB)
#   over             the 16mb file padded with a comment to the limit + 1
#                    byte (must be refused)
#   10k              exactly 10,000 Services (~3.7 MB)
#   list             the 16mb Services as one List document, written as
#                    `kubectl get svc -o yaml` does ("items" before "kind")
# and hostile ones, which must be refused within a bounded peak:
#   scalar           a BgpConf with a 15 MiB annotation (one scalar)
#   flat             a 16 MB flow sequence "[1,1,1,...]" (8M nodes)
#   bomb             "billion laughs": 9 levels of 10 aliases (10^9 nodes)
# `berth speaker --node n1 --manifests FILE` runs under /usr/bin/time; once
# it logs "speaker started" (loaded) or exits (refused) it gets SIGTERM.
# Printed per manifest: file size, Services, outcome, peak RSS (the
# kernel's maxrss, what /proc's VmHWM shows) and, for a speaker that
# loaded, its RSS after the load (VmRSS), and the load time.
#
# Seen here (RelWithDebInfo, 2 shared cores; peak RSS, MB; an idle speaker
# is ~8 MB, most of it shared libraries):
#   case    size      before (whole file parsed at once)   after (a document at a time)
#   1mb      1.0 MB    33.3                                  10.2
#   4mb      4.2 MB   109.5                                  16.2
#   16mb    16.8 MB   199.8, refused (1048576 nodes)         39.9, loaded (0.9-1.2 s)
#   over    16.8 MB     8.4, refused before reading           8.3, refused before reading
#   10k      3.7 MB   101.7 (64.5 after the load)            15.4 (15.3 after)
#   list    16.8 MB   199.5, refused (1048576 nodes)         37.0, loaded
#   scalar  15.7 MB    54.1, loaded                          24.3, refused (scalar > 1 MiB)
#   flat    16.8 MB   140.2, refused                         20.6, refused (131072 nodes)
#   bomb     413 B      8.4, refused                          8.5, refused
# A reload (SIGHUP) holds the running set and the new one: 16mb peaks at
# 70 MB then, and is back at 39 MB after it (malloc_trim).
#
# usage: bench/manifest_rss.sh [CASE...]
#   default: 1mb 4mb 16mb over 10k list scalar flat bomb
#   BERTH=path   berth binary (default build/berth: a release build)
#   KEEP=dir     write the manifests there and keep them (default: a
#                temporary directory, removed at exit)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
BERTH=${BERTH:-$root/build/berth}
cases=("$@")
((${#cases[@]})) || cases=(1mb 4mb 16mb over 10k list scalar flat bomb)
limit=$((16 * 1024 * 1024))

[[ -x $BERTH ]] || {
	echo "bench/manifest_rss.sh: no $BERTH (build it first)" >&2
	exit 1
}
[[ -x /usr/bin/time ]] || {
	echo "bench/manifest_rss.sh: needs /usr/bin/time (Debian package time)" >&2
	exit 1
}
if [[ -n ${KEEP:-} ]]; then
	dir=$KEEP
	mkdir -p "$dir"
else
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' EXIT
fi

# gen FILE MAX_BYTES MAX_SERVICES [list]: Services until either bound would
# be passed; list: as the items of one List document.
gen() {
	awk -v max="$2" -v nmax="$3" -v list="${4:-}" 'BEGIN {
		conf = "apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpConf\n" \
		       "metadata:\n  name: default\nspec:\n  as: 64512\n  listenPort: -1\n" \
		       "  routerId: 192.0.2.1\n"
		# list: a closing "kind: List" and metadata follow the items
		tail = list ? "kind: List\nmetadata:\n  resourceVersion: \"\"\n" : ""
		head = list ? "---\napiVersion: v1\nitems:\n" : ""
		printf "%s%s", conf, head
		size = length(conf) + length(head) + length(tail)
		for (i = 0; i < nmax; i++) {
			# 198.18.0.0/15: i = 256 * 256 * a + 256 * b + c
			ip = sprintf("198.%d.%d.%d", 18 + int(i / 65536), int(i / 256) % 256, i % 256)
			doc = sprintf("apiVersion: v1\nkind: Service\nmetadata:\n" \
			    "  name: svc-%06d\n  namespace: default\n  labels:\n    app: svc-%06d\n" \
			    "  annotations:\n    protocol.openelb.kubesphere.io/v1alpha1: bgp\n" \
			    "spec:\n  type: LoadBalancer\n  selector:\n    app: svc-%06d\n" \
			    "  ports:\n  - name: http\n    port: 80\n    protocol: TCP\n" \
			    "    targetPort: 8080\nstatus:\n  loadBalancer:\n    ingress:\n" \
			    "    - ip: %s\n", i, i, i, ip)
			if (list) {
				gsub(/\n/, "\n  ", doc)
				doc = "- " substr(doc, 1, length(doc) - 2)
			} else {
				doc = "---\n" doc
			}
			if (size + length(doc) > max)
				break
			printf "%s", doc
			size += length(doc)
		}
		printf "%s", tail
	}' >"$1"
}

# hostile FILE KIND: the hostile manifests.
hostile() {
	case $2 in
	scalar)
		printf 'apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpConf\n'
		printf 'metadata:\n  name: default\n  annotations:\n    big: '
		head -c $((15 * 1024 * 1024)) /dev/zero | tr '\0' x
		printf '\nspec:\n  as: 64512\n  listenPort: -1\n'
		;;
	flat)
		printf '['
		head -c $((8 * 1024 * 1024 - 2)) /dev/zero | sed 's/\x0/1,/g'
		printf '1]\n'
		;;
	bomb)
		printf 'a: &a [x, x, x, x, x, x, x, x, x, x]\n'
		for l in b c d e f g h i; do
			p=$(printf '%s' abcdefgh | cut -c$(($(printf '%d' "'$l") - 97)))
			printf '%s: &%s [%s]\n' "$l" "$l" "$(printf '*%s, ' "$p" "$p" "$p" "$p" "$p" "$p" "$p" "$p" "$p" "$p" | sed 's/, $//')"
		done
		;;
	esac >"$1"
}

# pad FILE BYTES: a trailing comment brings FILE to exactly BYTES.
pad() {
	local have
	have=$(stat -c %s "$1")
	{
		printf '#'
		head -c $(($2 - have - 2)) /dev/zero | tr '\0' x
		printf '\n'
	} >>"$1"
}

make_case() { # CASE -> path of its manifest
	local f=$dir/$1.yaml
	[[ -s $f ]] || case $1 in
	1mb) gen "$f" $((1024 * 1024)) 1000000 ;;
	4mb) gen "$f" $((4 * 1024 * 1024)) 1000000 ;;
	16mb) gen "$f" $limit 1000000 ;;
	over)
		gen "$f" $limit 1000000
		pad "$f" $((limit + 1))
		;;
	10k) gen "$f" 1000000000 10000 ;;
	list) gen "$f" $limit 1000000 list ;;
	scalar | flat | bomb) hostile "$f" "$1" ;;
	*)
		echo "bench/manifest_rss.sh: unknown case $1" >&2
		return 1
		;;
	esac
	echo "$f"
}

ms_now() { echo $(($(date +%s%N) / 1000000)); }

run_case() { # CASE
	local f log tfile tpid pid t0 t1 rss="-" outcome maxrss
	f=$(make_case "$1") || return 1
	log=$dir/$1.log tfile=$dir/$1.time
	t0=$(ms_now)
	/usr/bin/time -f '%M' -o "$tfile" "$BERTH" speaker --node n1 --manifests "$f" \
		--log-level info 2>"$log" &
	tpid=$!
	pid=
	while kill -0 "$tpid" 2>/dev/null; do
		[[ -n $pid ]] || pid=$(ps -o pid= --ppid "$tpid" | tr -d ' ')
		if grep -q 'speaker started' "$log"; then
			t1=$(ms_now)
			[[ -n $pid ]] && rss=$(awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")
			[[ -n $pid ]] && kill -TERM "$pid"
			break
		fi
		sleep 0.05
	done
	wait "$tpid"
	t1=${t1:-$(ms_now)}
	if grep -q 'speaker started' "$log"; then
		outcome=loaded
	else
		outcome="refused: $(grep -m1 'berth speaker:' "$log" | sed 's/^berth speaker: //')"
	fi
	maxrss=$(tail -n1 "$tfile")
	printf '%-5s %10d B %6d Services  peak %6.1f MB  after load %5s MB  %6d ms  %s\n' \
		"$1" "$(stat -c %s "$f")" "$(grep -c '^ *kind: Service' "$f")" \
		"$(echo "$maxrss" | awk '{print $1 / 1024}')" "$rss" $((t1 - t0)) "$outcome"
}

echo "berth: $BERTH"
for c in "${cases[@]}"; do
	run_case "$c"
done
