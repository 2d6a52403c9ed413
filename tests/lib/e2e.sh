# shellcheck shell=bash
# Entry point for tests/e2e/test_*.sh and lab/run: sources the harness.
E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=netns.sh
. "$E2E_LIB_DIR/netns.sh"
# shellcheck source=peers.sh
. "$E2E_LIB_DIR/peers.sh"
# shellcheck source=speaker.sh
. "$E2E_LIB_DIR/speaker.sh"
# shellcheck source=topo.sh
. "$E2E_LIB_DIR/topo.sh"
