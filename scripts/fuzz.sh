#!/usr/bin/env bash
# Fuzzing (docs/fuzzing.md): builds every target of fuzz/ with cargo-fuzz on the stable toolchain
# (RUSTC_BOOTSTRAP=1, no sanitizer: the code is safe Rust), seeds fuzz/corpus/ from the repository's
# test data, and runs each target on its corpus. CI runs it as it is: 10 seconds a target.
#
#   scripts/fuzz.sh                      every target, FUZZ_SECONDS (default 10) each
#   scripts/fuzz.sh dotenv_parse merge   only these
#   FUZZ_RUNS=10000000 scripts/fuzz.sh dotenv_parse   a campaign: a number of executions instead of a time
#
# A crash leaves its input in fuzz/artifacts/<target>/ and the command to reproduce it in the log;
# the script runs every target, then fails if any target failed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_rust
ensure_cargo_fuzz
cd "$ROOT"
export RUSTC_BOOTSTRAP=1
# Instrumented builds stay in fuzz/target, whatever CARGO_TARGET_DIR the caller has set: they must
# not mix with the workspace's own artifacts, and the per-target logs are written there.
export CARGO_TARGET_DIR="$ROOT/fuzz/target"
mkdir -p fuzz/target

SECONDS_PER_TARGET="${FUZZ_SECONDS:-10}"
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi

log "fuzz: seed corpora"
bash fuzz/seed-corpus.sh >/dev/null
FEATURES="${FUZZ_FEATURES-server,client}"
log "fuzz: build (${#targets[@]} targets, instrumented, into fuzz/target)"
cargo fuzz build -s none --features "$FEATURES"

if [ -n "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS"); else limit=(-max_total_time="$SECONDS_PER_TARGET"); fi
[ -n "${FUZZ_MAX_LEN:-}" ] && limit+=(-max_len="$FUZZ_MAX_LEN")
passed=0 failed=0 failures=""
for t in "${targets[@]}"; do
  log "fuzz: $t (${limit[*]})"
  dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
  # -timeout: one input taking longer than 10 s is a failure (templates must stay linear);
  # -rss_limit_mb: so must memory. Corpus finds are merged into fuzz/corpus/<t>.
  set +e
  cargo fuzz run -s none --features "$FEATURES" "$t" "fuzz/corpus/$t" -- "${limit[@]}" "${dict[@]}" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"fuzz/target/$t.log" 2>&1
  status=$?
  set -e
  grep -E '^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs|==[0-9]+== ERROR|SUMMARY|thread .* panicked|Failing input|Reproduce with)' \
    "fuzz/target/$t.log" || true
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); failures="$failures $t"
    tail -40 "fuzz/target/$t.log"
  fi
done
echo "fuzz: $passed passed, $failed failed${failures:+ (failed:$failures)}"
[ "$failed" -eq 0 ]
