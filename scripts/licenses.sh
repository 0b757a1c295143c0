#!/usr/bin/env bash
# Licence check of every dependency (CI): Rust through cargo-deny's `licenses` and `bans` (deny.toml;
# no advisories: that database needs the network), npm through the lockfiles of the root, ui/ and
# tests/e2e/ (scripts/npm-licenses.mjs). Prints one line per ecosystem; the details on failure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_rust
ensure_node
ensure_cargo_deny
cd "$ROOT"

log "licences: Rust (cargo deny check licenses bans)"
# cargo-deny reads `cargo metadata` of every target; fetch what is missing once, then stay offline.
cargo fetch --locked --quiet
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
if cargo deny --workspace --all-features --locked --offline check licenses bans >"$OUT" 2>&1; then
  echo "rust licences: $(tail -1 "$OUT") ($(grep -c '^warning\[duplicate\]' "$OUT" || true) duplicate crate versions, listed by cargo deny)"
else
  grep -v '^warning\[duplicate\]' "$OUT" | grep -E -A12 '^error' || cat "$OUT"
  echo "rust licences: FAILED"
  exit 1
fi

log "licences: npm (package-lock.json files)"
node scripts/npm-licenses.mjs
