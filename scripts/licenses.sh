#!/usr/bin/env bash
# Licence check of every dependency (CI): Rust crates of every platform and feature through
# scripts/rust-licenses.mjs (licences, banned crates, `*` versions; it reads `cargo metadata`), npm
# through the lockfiles of the root, ui/ and tests/e2e/ (scripts/npm-licenses.mjs). Prints one line per
# ecosystem; the details on failure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_rust
ensure_node
cd "$ROOT"

log "licences: Rust (scripts/rust-licenses.mjs)"
# `cargo metadata` of every target needs every platform's crates; fetch what is missing once, then
# stay offline.
cargo fetch --locked --quiet
node scripts/rust-licenses.mjs

log "licences: npm (package-lock.json files)"
node scripts/npm-licenses.mjs
