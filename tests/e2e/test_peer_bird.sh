#!/usr/bin/env bash
# Interop with BIRD 2 as the router: see tests/lib/peer_suite.sh.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"
. "$lib/peer_suite.sh"
run_peer_suite bird
