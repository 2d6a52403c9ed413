#!/usr/bin/env bash
# Per-pool BGP settings (Eip spec.bgp) with FRR bgpd as the routers: see
# tests/lib/pool_attrs_suite.sh.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"
. "$lib/pool_attrs_suite.sh"
run_pool_attrs_suite frr
