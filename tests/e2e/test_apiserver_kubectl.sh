#!/usr/bin/env bash
# Proves the API server stand-in (tools/apiserver) with real clients: the
# same kubectl scenario runs with kubectl 1.32 (/usr/bin/kubectl, when the
# machine has it) and with Debian's kubernetes-client 1.20, fetched with
# apt-get download and unpacked (it conflicts with the 1.32 package).
# Exits 0 when every check passes.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
manifests="$root/tests/apiserver/manifests"
# shellcheck source=../lib/kubectl.sh
. "$root/tests/lib/kubectl.sh"
kube_init kubectl

scenario() { # label kubectl-binary
	local K
	kube_scenario "$1" "$2"
	kube_start || return
	echo "   against $(cat "$dir/started")"

	check "version reaches the server" has 'Server Version.*v1\.32' "${K[@]}" version
	check "api-resources lists services and leases" \
		has 'leases +coordination.k8s.io/v1 +true +Lease' "${K[@]}" api-resources
	check "create namespace" has 'namespace/lb-test created' "${K[@]}" create namespace lb-test
	check "namespace is Active" has 'lb-test +Active' "${K[@]}" get ns lb-test
	check "create namespace twice is AlreadyExists" \
		fails_with 'AlreadyExists|already exists' "${K[@]}" create namespace lb-test
	check "bad token is Unauthorized" \
		fails_with 'Unauthorized|provide credentials' "${K[@]}" --token wrong get ns

	check "apply CRDs" has 'eips.network.kubesphere.io created' "${K[@]}" apply -f "$manifests/crds.yaml"
	check "CRDs established" "${K[@]}" wait --for condition=established --timeout=10s \
		crd/eips.network.kubesphere.io crd/bgpconfs.network.kubesphere.io crd/bgppeers.network.kubesphere.io
	check "apply objects" has 'eip.network.kubesphere.io/eip-pool created' \
		"${K[@]}" apply -f "$manifests/objects.yaml"
	check "apply again changes nothing" bash -c \
		"! \"\$@\" apply -f '$manifests/objects.yaml' | grep -v unchanged" _ "${K[@]}"
	sed 's#192.168.100.0/28#192.168.200.0/28#' "$manifests/objects.yaml" >"$dir/modified.yaml"
	check "apply a modified file" has 'eip.network.kubesphere.io/eip-pool configured' \
		"${K[@]}" apply -f "$dir/modified.yaml"
	check "the change is stored" has '^192\.168\.200\.0/28$' \
		"${K[@]}" get eip eip-pool -o 'jsonpath={.spec.address}'
	check "schema default applied" has '"listenPort": 17900' "${K[@]}" get bgpconf default -o json
	check "get -o yaml" has '^  address: 192\.168\.200\.0/28$' "${K[@]}" get eip eip-pool -o yaml
	check "printer columns" has '^NAME +CIDR +USAGE +TOTAL +AGE' "${K[@]}" get eips
	check "printer column values" has '^eip-pool +192\.168\.200\.0/28 ' "${K[@]}" get eips
	check "wide printer columns" has '^NAME +PEER +ASN +STATE' "${K[@]}" get bgppeers -o wide
	check "label selector matches" has '^bgppeer.network.kubesphere.io/router-a$' \
		"${K[@]}" get bgppeers -l rack=r1 -o name
	check "label selector excludes" has 'No resources found' "${K[@]}" get bgppeers -l 'rack notin (r1)'
	check "invalid custom resource is rejected" fails_with 'Unsupported value: "ospf"' \
		"${K[@]}" patch eip eip-pool --type=merge -p '{"spec":{"protocol":"ospf"}}'

	# Watch: a change made while `get -w` runs shows up in its output.
	timeout 6 "${K[@]}" get eips -w >"$dir/watch.out" 2>&1 &
	local wpid=$!
	sleep 2
	"${K[@]}" patch eip eip-pool --type=merge -p '{"spec":{"address":"10.9.9.0/28"}}' >/dev/null
	wait $wpid
	check "get -w sees the change" has '^eip-pool +10\.9\.9\.0/28' cat "$dir/watch.out"

	# Services and the status subresource.
	check "service applied in namespace" has 'service/web created' \
		"${K[@]}" -n lb-test apply -f "$manifests/service.yaml"
	check "service apply again changes nothing" has 'service/web unchanged' \
		"${K[@]}" -n lb-test apply -f "$manifests/service.yaml"
	sed 's/port: 80$/port: 8080/' "$manifests/service.yaml" >"$dir/service2.yaml"
	check "service apply modified" has 'service/web configured' \
		"${K[@]}" -n lb-test apply -f "$dir/service2.yaml"
	check "service port changed" has '^web +LoadBalancer .* 8080:3[0-9]{4}/TCP' \
		"${K[@]}" -n lb-test get svc web
	check "service apply back" has 'service/web configured' \
		"${K[@]}" -n lb-test apply -f "$manifests/service.yaml"
	check "LoadBalancer pending" has '^web +LoadBalancer +10\.[0-9.]+ +<pending> +80:3[0-9]{4}/TCP' \
		"${K[@]}" -n lb-test get svc web
	check "main endpoint ignores status" bash -c '"$@" -n lb-test patch svc web --type=merge \
		-p "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"192.0.2.7\"}]}}}" >/dev/null &&
		! "$@" -n lb-test get svc web -o jsonpath="{.status}" | grep -q 192.0.2.7' _ "${K[@]}"
	if "${K[@]}" patch --help 2>/dev/null | grep -q -- '--subresource'; then
		check "patch --subresource=status" has 'service/web patched' "${K[@]}" -n lb-test \
			patch svc web --subresource=status --type=merge \
			-p '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.7"}]}}}'
		check "external IP shown" has '^web +LoadBalancer +[0-9.]+ +192\.0\.2\.7 ' \
			"${K[@]}" -n lb-test get svc web
	fi
	# Secrets: `create secret` (a typed client: protobuf body), apply of
	# data (base64) and stringData, Go's base64 errors, the columns.
	local key=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	check "create secret generic" has 'secret/member created' "${K[@]}" -n lb-test \
		create secret generic member --from-literal=key=$key
	check "create secret twice is AlreadyExists" fails_with 'AlreadyExists|already exists' \
		"${K[@]}" -n lb-test create secret generic member --from-literal=key=other
	check "secret data round-trips (base64)" bash -c \
		'[ "$("$@" -n lb-test get secret member -o jsonpath={.data.key} | base64 -d)" = '"$key"' ]' \
		_ "${K[@]}"
	check "secret columns" has '^member +Opaque +1 +[0-9]+s$' "${K[@]}" -n lb-test get secret member
	check "apply a secret with stringData" has 'secret/sd created' "${K[@]}" -n lb-test apply -f - \
		<<<'{"apiVersion":"v1","kind":"Secret","metadata":{"name":"sd"},"data":{"a":"MQ=="},"stringData":{"b":"two"}}'
	# (kubectl's last-applied annotation keeps stringData, as with a real server)
	check "stringData merged into data, not stored" has '^MQ== dHdv /$' \
		"${K[@]}" -n lb-test get secret sd -o 'jsonpath={.data.a} {.data.b} {.stringData}/'
	check "invalid base64 is refused as Go decodes it" \
		fails_with 'cannot be handled as a Secret: illegal base64 data at input byte 4' \
		"${K[@]}" -n lb-test apply -f - \
		<<<'{"apiVersion":"v1","kind":"Secret","metadata":{"name":"bad"},"data":{"k":"aGk=x"}}'
	check "invalid data key is 422" fails_with 'data\[a/b\]: Invalid value' \
		"${K[@]}" -n lb-test apply -f - \
		<<<'{"apiVersion":"v1","kind":"Secret","metadata":{"name":"bad"},"data":{"a/b":"MQ=="}}'
	check "missing secret is NotFound" fails_with 'secrets "nope" not found' \
		"${K[@]}" -n lb-test get secret nope
	check "delete secret" has 'secret "sd" deleted' "${K[@]}" -n lb-test delete secret sd
	# eip-pool's spec.address is kubectl-patch's since the watch above:
	# server-side apply names the conflict, and with force takes the field.
	check "server-side apply names the conflict" \
		fails_with 'conflict with "kubectl-patch".*\.spec\.address' \
		"${K[@]}" apply --server-side -f "$manifests/objects.yaml"
	check "server-side apply --force-conflicts" \
		has 'eip\.network\.kubesphere\.io/eip-pool serverside-applied' \
		"${K[@]}" apply --server-side --force-conflicts -f "$manifests/objects.yaml"
	check "get missing object is NotFound" fails_with 'NotFound|not found' \
		"${K[@]}" get --raw /api/v1/namespaces/default/services/nope
	check "delete" has 'bgppeer.network.kubesphere.io "router-a" deleted' \
		"${K[@]}" delete bgppeer router-a
	check "deleted is gone" fails_with 'NotFound|not found' "${K[@]}" get bgppeer router-a
	check "delete namespace" has 'namespace "lb-test" deleted' "${K[@]}" delete namespace lb-test
	check "namespace contents gone" has 'No resources found' "${K[@]}" get svc -n lb-test
	check "delete CRDs" has 'deleted' "${K[@]}" delete -f "$manifests/crds.yaml"
	check "custom resources gone with their CRD" fails_with "doesn't have a resource type|NotFound|not found" \
		"${K[@]}" get eips --cache-dir "$dir/cache2"
	"$run" stop --dir "$dir"
}

kube_scenarios apiserver-kubectl
