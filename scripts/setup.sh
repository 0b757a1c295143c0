#!/usr/bin/env bash
# Installs what envdesk needs to build, run and test on Debian/Ubuntu; skips what is already there.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# Tauri's build and runtime libraries, a display server and a keychain for tests, Chromium for the
# UI's browser tests; dbus-daemon also for tests/app/notify.rs (a private bus).
apt_install build-essential pkg-config file python3 curl ca-certificates \
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libssl-dev libxdo-dev \
  libdbus-1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev \
  xvfb xauth dbus-x11 dbus-daemon gnome-keyring keyutils chromium imagemagick
ensure_rust
ensure_node

cd "$ROOT"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  log "npm ci (Tauri CLI)"
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules ]; then
  log "npm ci (web UI)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
