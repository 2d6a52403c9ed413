# Debian's kubectl 1.20 (package kubernetes-client), unpacked once into a
# cache next to the builds: it conflicts on install with the kubectl the
# image may already have, so the tests run it from the cache beside that one.
# Needs $root (the repo) and $work (a scratch dir) from the caller.
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
