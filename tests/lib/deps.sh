#!/usr/bin/env bash
# Installs the Debian packages that building, testing and the lab need.
# Idempotent: skips apt when everything is already there.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev clang-format
      libjansson-dev libyaml-dev libmnl-dev libev-dev libmicrohttpd-dev libcurl4-openssl-dev libcmocka-dev libssl-dev
      iproute2 iputils-ping iputils-arping ndisc6 tcpdump curl socat procps python3 openssl bird2 frr gobgpd)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# kubectl: Debian's kubernetes-client, unless one is already installed
# (its package conflicts with other kubectl packages on the same path).
command -v kubectl >/dev/null || missing+=(kubernetes-client)
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian packages start daemons when an init system runs; tests start
# their own, each inside a network namespace. Only the daemons in this
# script's own namespace (the host's) are stopped, so tests can run side by side.
host_ns=$(readlink /proc/self/ns/net)
for d in bird bgpd zebra bfdd gobgpd; do
	for pid in $(pgrep -x "$d" 2>/dev/null); do
		[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$host_ns" ] && kill "$pid" 2>/dev/null
	done
done
true
