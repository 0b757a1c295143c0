#!/usr/bin/env bash
# Sets up what is missing, builds the UI and the app, and starts envdesk on the local vault.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
log "building the web UI"
(cd ui && npm run --silent build)
log "building envdesk (the first build takes a few minutes)"
cargo build --release --locked -p envdesk
log "starting envdesk"
exec target/release/envdesk "$@"
