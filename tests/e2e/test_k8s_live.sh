#!/usr/bin/env bash
# The Kubernetes client library (src/k8s) against the API server stand-in
# (tools/apiserver): informer list/watch, dropped watches, restart,
# compaction and re-list, status writes with 409 retry, Events, leader
# election, resources not served (a group/version off, a CRD missing), the
# controller's layer 2 key Secret. Runs the already built tests/unit/test_k8s_live_*.c binaries
# from $BERTH_BUILD (default build/), which skip without the server.
# Exits 0 on pass.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${BERTH_BUILD:-$(pwd)/build}
dir=$(mktemp -d /tmp/berth-k8s-live.XXXXXX)
cleanup() {
	tools/apiserver/run stop --dir "$dir" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT

tools/apiserver/run --dir "$dir" --port 0 --daemon --bookmark-interval 2 >/dev/null || {
	echo "cannot start the API server stand-in"
	exit 1
}
export BERTH_TEST_APISERVER=$dir/kubeconfig
failed=0
for t in test_k8s_live_informer test_k8s_live_writes test_k8s_live_lease test_k8s_live_served \
	test_k8s_live_member_secret; do
	if [ ! -x "$build/$t" ]; then
		echo "$build/$t: not built"
		failed=1
		continue
	fi
	echo "-- $t"
	"$build/$t" || failed=1
done
exit $failed
