#!/usr/bin/env bash
# Benchmark of issue 17 (not in CI): what `envdesk-cli run` adds before the program starts, from the local
# vault, against `dotenvx run` on the same 1,000 keys encrypted with dotenvx's own keys — side by side in
# one run, release build, the real keychain (GNOME Keyring in a throw-away D-Bus session). Results go in
# docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bash scripts/setup.sh
apt_install dbus-x11 gnome-keyring
cargo build --release --locked -p envdesk-cli --bins --example cli_seed
WORK=$(mktemp -d /tmp/envdesk-cli-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
log "dotenvx (npm @dotenvx/dotenvx) into $WORK"
(cd "$WORK" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund @dotenvx/dotenvx@1 >/dev/null)
export WORK ROOT
dbus-run-session -- bash -c '
  export XDG_RUNTIME_DIR=$(mktemp -d) XDG_DATA_HOME=$(mktemp -d)
  echo -n envdesk-bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  export ENVDESK_DATA_DIR="$WORK/data" ENVDESK_KEYRING_SERVICE="dev.envdesk.bench.$$"
  "$ROOT/target/release/examples/cli_seed" "$ENVDESK_DATA_DIR" "$ENVDESK_KEYRING_SERVICE" "$WORK/.env"
  (cd "$WORK" && ./node_modules/.bin/dotenvx encrypt -f .env >/dev/null)
  grep -q "encrypted:" "$WORK/.env" || { echo "dotenvx did not encrypt .env"; exit 1; }
  python3 "$ROOT/bench/cli-run.py" "$ROOT/target/release/envdesk-cli" "$WORK"
' 2>&1 | grep -v dbus-daemon
