#!/usr/bin/env bash
# BFD interop with BIRD 2 as the router: see tests/lib/bfd_suite.sh. BIRD
# sends multihop BFD with the default TTL (64), so tor-mh has multihopTtl
# 255: berth then accepts any TTL on it.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"
. "$lib/bfd_suite.sh"
BFD_SUITE_MH_TTL=255
run_bfd_suite bird
