#!/usr/bin/env bash
# BFD interop with FRR (zebra, bfdd and bgpd) as the router: see
# tests/lib/bfd_suite.sh.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"
. "$lib/bfd_suite.sh"
run_bfd_suite frr
