#!/usr/bin/env bash
# Bearer token rotation (src/k8s) against the API server stand-in: the
# client reads its token from a file (kubeconfig tokenFile); the test
# rewrites the file and restarts the server accepting only the new token
# (same port, certificates and objects). Runs build/test_k8s_live_token
# ($BERTH_BUILD to choose the build). Exits 0 on pass.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${BERTH_BUILD:-$root/build}
dir=$(mktemp -d /tmp/berth-k8s-token.XXXXXX)
cleanup() {
	tools/apiserver/run stop --dir "$dir" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT

old=old-$RANDOM$RANDOM
new=new-$RANDOM$RANDOM
tools/apiserver/run --dir "$dir" --port 0 --daemon --token "$old" \
	--state "$dir/state.json" >/dev/null || exit 1
port=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['port'])" \
	"$dir/server.json")
url=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['url'])" \
	"$dir/server.json")
echo "$old" >"$dir/client-token"
# Relative paths: resolved against the kubeconfig's directory.
cat >"$dir/kubeconfig-tokenfile" <<KC
apiVersion: v1
kind: Config
clusters:
- name: berth
  cluster:
    server: $url
    certificate-authority: ca.crt
users:
- name: rotating
  user:
    tokenFile: client-token
contexts:
- name: rotating
  context: {cluster: berth, user: rotating}
current-context: rotating
KC
cat >"$dir/rotate.sh" <<SH
#!/usr/bin/env bash
set -e
"$root/tools/apiserver/run" stop --dir "$dir" >/dev/null
echo "$new" >"$dir/client-token.tmp"
mv "$dir/client-token.tmp" "$dir/client-token"
"$root/tools/apiserver/run" --dir "$dir" --port "$port" --daemon --token "$new" \\
	--tls-cert "$dir/server.crt" --tls-key "$dir/server.key" --ca "$dir/ca.crt" \\
	--state "$dir/state.json" >/dev/null
SH
chmod +x "$dir/rotate.sh"

export BERTH_TEST_APISERVER=$dir/kubeconfig
export BERTH_TEST_APISERVER_TOKENFILE_KC=$dir/kubeconfig-tokenfile
export BERTH_TEST_APISERVER_ROTATE=$dir/rotate.sh
if [ ! -x "$build/test_k8s_live_token" ]; then
	echo "$build/test_k8s_live_token: not built"
	exit 1
fi
"$build/test_k8s_live_token"
