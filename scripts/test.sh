#!/usr/bin/env bash
# Sets up what is missing, then runs every check and test of envdesk (what CI runs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
LOG=$(mktemp)
PGDIR=$(mktemp -d /tmp/envdesk-pg.XXXXXX)
trap 'bash "$ROOT/scripts/pg.sh" stop "$PGDIR"; rm -rf "$LOG" "$PGDIR"' EXIT

log "web UI: type check, unit tests, build, browser tests"
(cd ui && npm run --silent check && npx vitest run && npm run --silent build && node tests/browser/run.mjs) 2>&1 | tee -a "$LOG"

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
log "cargo test"
cargo test "${TEST_BUILD[@]}" 2>&1 | tee -a "$LOG"

log "PostgreSQL (scripts/pg.sh), started once for the server suite's second pass"
PG_URL=$(bash "$ROOT/scripts/pg.sh" start "$PGDIR" | tail -n 1)
log "cargo test: the server suite again, on PostgreSQL (with the replica tests)"
ENVDESK_TEST_POSTGRES=$PG_URL cargo test "${TEST_BUILD[@]}" --test server 2>&1 | tee -a "$LOG"

log "licences of every Rust and npm dependency"
bash "$ROOT/scripts/licenses.sh" 2>&1 | tee -a "$LOG"

log "fuzz: every target briefly on its corpus"
bash "$ROOT/scripts/fuzz.sh" 2>&1 | tee -a "$LOG"

log "end-to-end: the real window"
bash "$ROOT/scripts/e2e.sh" 2>&1 | grep -vE 'dbus-daemon|Gtk-WARNING|SpiRegistry|^$' | tee -a "$LOG"

log "package: build, install and start the .deb (from the debug build: one build of the workspace)"
bash "$ROOT/scripts/package.sh" --debug 2>&1 | grep -vE 'dbus-daemon|Gtk-WARNING|SpiRegistry|^$' | tee -a "$LOG"

# One closing line for everything that ran.
passed=$(sed 's/\x1b\[[0-9;]*m//g' "$LOG" | awk '
  /^test result:/ { p += $4; f += $6 }
  /^browser: [0-9]+ passed/ { p += $2; f += $4 }
  /^e2e: [0-9]+ passed/ { p += $2; f += $4 }
  /^package: [0-9]+ passed/ { p += $2; f += $4 }
  /^fuzz: [0-9]+ passed/ { p += $2; f += $4 }
  /^ +Tests +[0-9]+ passed/ { p += $2 }
  END { print p + 0, f + 0 }')
echo "all: ${passed% *} passed, ${passed#* } failed"
