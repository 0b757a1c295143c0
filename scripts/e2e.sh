#!/usr/bin/env bash
# Builds the app with the test-dialogs hook and drives the real window: tauri-driver + WebKitWebDriver
# under Xvfb, inside a D-Bus session with GNOME Keyring unlocked (a real Secret Service).
#   bash scripts/e2e.sh [SCENARIO]     the end-to-end scenarios (all, or those whose name contains SCENARIO)
#   bash scripts/e2e.sh --screenshots  the README's screenshots (docs/screenshots/), from the same window
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_driver_tools
script=tests/e2e/run.mjs
if [ "${1:-}" = "--screenshots" ]; then script=tests/e2e/screenshots.mjs; shift; fi
[ -f ui/dist/index.html ] || (cd ui && npm run --silent build)
log "building envdesk with the test-dialogs hook"
cargo test "${TEST_BUILD[@]}" --no-run
export ENVDESK_E2E_SHOTS="$ROOT/target/e2e-shots"
log "end-to-end scenarios (screenshots: $ENVDESK_E2E_SHOTS)"
export ENVDESK_TEST_BUILD="${TEST_BUILD[*]}"
dbus-run-session -- bash -c '
  export XDG_RUNTIME_DIR=$(mktemp -d)
  # A throw-away keyring (never the user'"'"'s), created unlocked with a known password.
  export XDG_DATA_HOME=$(mktemp -d)
  echo -n envdesk-e2e | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  script=$1; shift
  read -r -a test_build <<<"$ENVDESK_TEST_BUILD"
  # envdesk-cli with the real keychain (its ignored tests: run, statuses, signals, nothing on disk).
  cli_status=0
  if [ "$script" = tests/e2e/run.mjs ] && [ -z "${1:-}" ]; then
    cargo test "${test_build[@]}" --test cli -- --ignored 2>&1 || cli_status=1
  fi
  xvfb-run -a -s "-screen 0 1280x800x24" node "$script" "$@" || exit 1
  exit $cli_status
' e2e "$script" "$@"
