#!/usr/bin/env bash
# Installs what envdesk needs to build and test on Debian/Ubuntu; does nothing that is already done.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

apt_install build-essential pkg-config python3
ensure_rust
