#!/usr/bin/env bash
# Sets up what is missing and starts envdesk on the local vault.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"

if [ ! -f "$ROOT/src-tauri/main.rs" ]; then
  log "The desktop app is not built yet: only its core library exists (see README, Status)."
  log "Once it lands, this same command builds the UI and starts the app on the local vault."
  exit 1
fi
