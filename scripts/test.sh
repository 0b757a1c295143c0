#!/usr/bin/env bash
# Sets up what is missing, then runs every check and test of envdesk (what CI runs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"

log "web UI: type check, unit tests, build, browser tests"
(cd ui && npm run --silent check && npx vitest run && npm run --silent build && node tests/browser/run.mjs)

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
log "cargo test"
cargo test --workspace --locked
