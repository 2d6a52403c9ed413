#!/usr/bin/env bash
# The API server stand-in's own tests (tests/apiserver/test_*.py): pure
# modules, and direct HTTP tests against a running server. Exits 0 on pass.
set -uo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 tests/apiserver/run_tests.py
