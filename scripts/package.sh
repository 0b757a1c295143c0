#!/usr/bin/env bash
# Builds the .deb, installs it, starts the installed binary under Xvfb and checks that its window comes
# up, then uninstalls it.
#
#   bash scripts/package.sh           the release .deb (what ships: target/release/bundle/deb/)
#   bash scripts/package.sh --debug   the same package from the debug build (what CI checks: it reuses
#                                     the test build instead of compiling every crate again in release,
#                                     about ten minutes on a fresh 2-core machine)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
apt_install xvfb xauth xdotool dbus-x11 gnome-keyring imagemagick
profile=release
flags=()
if [ "${1:-}" = "--debug" ]; then profile=debug flags=(--debug); fi
# envdesk-cli (a binary of its own, docs/cli.md) goes into the same package, on the PATH.
# The app's library embeds ui/dist (tauri::generate_context!): build it first when missing.
[ -f ui/dist/index.html ] || (cd ui && npm run --silent build)
# In debug, envdesk-cli as the test build made it (its integration tests use the binary): nothing is
# compiled again in CI, where the tests ran first.
log "cargo build envdesk-cli ($profile build)"
if [ "$profile" = release ]; then cargo build --locked --release -p envdesk-cli; else cargo test "${TEST_BUILD[@]}" --no-run; fi
log "npx tauri build ${flags[*]} --bundles deb ($profile build)"
npx tauri build "${flags[@]}" --bundles deb \
  --config "{\"bundle\":{\"linux\":{\"deb\":{\"files\":{\"/usr/bin/envdesk-cli\":\"target/$profile/envdesk-cli\"}}}}}"
DEB=$(ls -t target/$profile/bundle/deb/*.deb | head -n 1)
log "installing $DEB"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$DEB" >/dev/null
command -v envdesk >/dev/null || { echo "package: 0 passed, 1 failed (no envdesk on PATH)"; exit 1; }
envdesk-cli --version >/dev/null || { echo "package: 0 passed, 1 failed (no envdesk-cli on PATH)"; exit 1; }
mkdir -p target/e2e-shots
status=0
dbus-run-session -- bash -c '
  export XDG_RUNTIME_DIR=$(mktemp -d) XDG_DATA_HOME=$(mktemp -d)
  echo -n envdesk-pkg | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  xvfb-run -a -s "-screen 0 1280x800x24" bash scripts/check-window.sh envdesk target/e2e-shots/installed-deb.png
' || status=1
log "uninstalling"
as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq envdesk >/dev/null
if [ $status -eq 0 ]; then echo "package: 1 passed, 0 failed"; else echo "package: 0 passed, 1 failed (the installed app showed no window)"; exit 1; fi
