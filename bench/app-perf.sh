#!/usr/bin/env bash
# Measures the release build of the app under Xvfb (not in CI). Results go in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bash scripts/setup.sh
ensure_driver_tools
apt_install python3-gi gir1.2-webkit2-4.1
(cd ui && npm run --silent build)
cargo build --release --locked -p envdesk --bins --example perf_seed
export ENVDESK_APP="$ROOT/target/release/envdesk"
dbus-run-session -- bash -c '
  export XDG_RUNTIME_DIR=$(mktemp -d) XDG_DATA_HOME=$(mktemp -d)
  echo -n envdesk-perf | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  xvfb-run -a -s "-screen 0 1280x800x24" node bench/app-perf.mjs
  xvfb-run -a -s "-screen 0 1280x800x24" /usr/bin/python3 bench/webkit-floor.py
' 2>&1 | grep -vE "dbus-daemon|Gtk-WARNING|SpiRegistry"
