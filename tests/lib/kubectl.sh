# shellcheck shell=bash
# What the kubectl tests against the API server stand-in (tools/apiserver)
# share: their scratch dir and stand-ins (cleaned up on exit), the pass and
# fail counts, check and its predicates, raw API access, Debian's kubectl
# 1.20, and the run of one scenario per kubectl. A test sources this after
# cd-ing to the repo and setting $root, calls kube_init, defines
# scenario LABEL KUBECTL (which begins with kube_scenario) and ends with
# kube_scenarios. Not for the netns tests: check here is not
# netns.sh's.

# kube_init NAME: $run, $py, $work (/tmp/berth-NAME.XXXXXX), the counts;
# stand-ins started with kube_start are stopped and $work removed on exit.
kube_init() {
	run="$root/tools/apiserver/run"
	py=/usr/bin/python3
	work=$(mktemp -d "/tmp/berth-$1.XXXXXX")
	passed=0 failed=0 servers=()
	label="" dir=""
	trap kube_cleanup EXIT
}

kube_cleanup() {
	for d in "${servers[@]}"; do "$run" stop --dir "$d" >/dev/null 2>&1; done
	rm -rf "$work"
}

# kube_scenario LABEL KUBECTL: $label, $dir ($work/LABEL, made), K (the
# kubectl with its kubeconfig and cache in $dir; a scenario declares it
# local) and the scenario's header.
kube_scenario() {
	label=$1
	dir="$work/$1"
	mkdir -p "$dir"
	K=("$2" --kubeconfig "$dir/kubeconfig" --cache-dir "$dir/cache")
	echo "== kubectl $("$2" version --client 2>/dev/null | grep -Eo 'v1\.[0-9]+' | head -1) ($label)"
}

# kube_start: a stand-in serving from $dir; a failure to start is counted.
kube_start() {
	"$run" --dir "$dir" --port 0 --daemon >"$dir/started" || {
		failed=$((failed + 1))
		echo "FAIL [$label] server did not start"
		return 1
	}
	servers+=("$dir")
}

check() { # name command... : passes when the command succeeds
	local name=$1
	shift
	if "$@" >"$work/out" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL [$label] $name"
		sed 's/^/    /' "$work/out" | head -20
	fi
}

has() { # pattern command... : the command succeeds and its output matches
	local pat=$1 out
	shift
	if ! out=$("$@" 2>&1); then
		echo "command failed: $*"
		echo "$out"
		return 1
	fi
	grep -Eq -- "$pat" <<<"$out" && return 0
	echo "expected /$pat/ in output of: $*"
	echo "$out"
	return 1
}

lacks() { # pattern command... : the command succeeds and its output does not match
	local pat=$1 out
	shift
	out=$("$@" 2>&1) || {
		echo "command failed: $*"
		echo "$out"
		return 1
	}
	grep -Eq -- "$pat" <<<"$out" || return 0
	echo "unexpected /$pat/ in output of: $*"
	echo "$out"
	return 1
}

fails_with() { # pattern command... : the command fails and says pattern
	local pat=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "expected failure from: $*"
		echo "$out"
		return 1
	fi
	grep -Eq -- "$pat" <<<"$out" && return 0
	echo "expected /$pat/ in: $out"
	return 1
}

# api METHOD PATH [BODY [CONTENT-TYPE]]: prints "HTTP-CODE BODY" from the
# stand-in in $dir (raw API access, to see status codes and Status causes
# that kubectl hides).
api() {
	local method=$1 path=$2 body=${3:-} ctype=${4:-application/json}
	local url token
	url=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$dir/server.json")
	token=$(cat "$dir/token")
	local args=(-sS --cacert "$dir/ca.crt" -H "Authorization: Bearer $token" -X "$method"
		-o "$work/api.body" -w '%{http_code}')
	[ -n "$body" ] && args+=(-H "Content-Type: $ctype" --data-binary "$body")
	local code
	code=$(curl "${args[@]}" "$url$path") || return 1
	echo "$code $(cat "$work/api.body")"
}

# Debian's kubectl 1.20 (package kubernetes-client), unpacked once into a
# cache next to the builds: it conflicts on install with the kubectl the
# image may already have, so the tests run it from the cache beside that one.
kubectl120() {
	local cache="${BERTH_CACHE:-$root/build-cache}/kubectl-1.20"
	if [ ! -x "$cache/usr/bin/kubectl" ]; then
		local dl="$work/deb"
		mkdir -p "$dl" "$cache"
		if ! (cd "$dl" && apt-get download -qq kubernetes-client >/dev/null 2>&1); then
			apt-get update -qq >/dev/null 2>&1
			(cd "$dl" && apt-get download -qq kubernetes-client >/dev/null 2>&1) || return 1
		fi
		dpkg -x "$dl"/kubernetes-client_*.deb "$cache" || return 1
	fi
	echo "$cache/usr/bin/kubectl"
}

# kube_scenarios NAME: scenario with kubectl 1.32 (/usr/bin/kubectl, when
# installed) and with Debian's 1.20, then the counts; true when none failed.
kube_scenarios() {
	local k120
	if [ -x /usr/bin/kubectl ]; then
		scenario kubectl-current /usr/bin/kubectl
	else
		echo "SKIP kubectl 1.32: /usr/bin/kubectl is not installed on this machine"
	fi
	if k120=$(kubectl120); then
		scenario kubectl-1.20 "$k120"
	else
		failed=$((failed + 1))
		echo "FAIL could not fetch Debian's kubernetes-client (kubectl 1.20)"
	fi
	echo "$1: $passed passed, $failed failed"
	((failed == 0))
}
