#!/usr/bin/env bash
# Fuzz every parser of what people give socval, one target after another,
# FUZZ_SECONDS each (default 600: ten minutes). Run from anywhere:
#
#   bench/fuzz/run.sh                  # every target
#   FUZZ_SECONDS=180 bench/fuzz/run.sh money dates
#
# Prints, per target: seconds run, executions, and what was found. Exits 1
# if any target found a crash, a hang (over 10 s on one input) or a
# regression file that fails again. Needs cargo-fuzz (`cargo install
# cargo-fuzz`); the stable toolchain does, with RUSTC_BOOTSTRAP=1 and no
# sanitizer (-s none): libFuzzer's coverage and Rust's panics and overflow
# checks find the bugs. New inputs go to fuzz/target/corpus/<target>; with
# FUZZ_MERGE=1 the run minimises them into the committed fuzz/corpus/<target>
# (FUZZ_CORPUS_KB per target, default 32).
set -uo pipefail
cd "$(dirname "$0")/../../fuzz"
SECONDS_EACH=${FUZZ_SECONDS:-600}
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in fuzz_targets/*.rs; do targets+=("$(basename "$f" .rs)"); done
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mkdir -p target
# The lower priority keeps the machine's other builds and tests first.
RUSTC_BOOTSTRAP=1 nice -n 10 cargo fuzz build -s none >/dev/null 2>target/build.log \
  || { cat target/build.log; exit 2; }
triple=$(rustc -vV | sed -n 's/^host: //p')
bin=target/$triple/release
echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(rustc --version), $SECONDS_EACH s per target"
printf '%-15s %8s %12s  %s\n' target seconds executions result
# Minimises what was found into the committed corpus: the fewest inputs that
# cover every edge reached (not every counter value, which keeps thousands),
# then the smallest of them up to FUZZ_CORPUS_KB (default 32) per target, so
# that the repository's corpora stay small. The rest stays in target/corpus.
keep_corpus() {
  local t=$1 out=target/merged/$1 budget=$(( ${FUZZ_CORPUS_KB:-32} * 1024 )) used=0 f size
  rm -rf "$out"; mkdir -p "$out"
  "$bin/$t" -set_cover_merge=1 -use_counters=0 -use_cmp=0 "$out" "corpus/$t" "target/corpus/$t" \
    >"target/$t.merge.log" 2>&1 || return
  rm -rf "corpus/$t"; mkdir -p "corpus/$t"
  for f in $(ls -Sr "$out"); do
    size=$(stat -c %s "$out/$f")
    [ $((used + size)) -gt "$budget" ] && break
    cp "$out/$f" "corpus/$t/"
    used=$((used + size))
  done
}

failed=0
for t in "${targets[@]}"; do
  work=target/corpus/$t
  artifacts=target/artifacts/$t
  mkdir -p "$work" "$artifacts" "corpus/$t"
  rm -f "$artifacts"/*
  log=target/$t.log
  # Fixed crashes first: each must pass again.
  if compgen -G "regressions/$t/*" >/dev/null; then
    if ! "$bin/$t" regressions/"$t"/* >"$log" 2>&1; then
      printf '%-15s %8s %12s  %s\n' "$t" 0 0 "REGRESSION (see fuzz/$log)"
      failed=1
      continue
    fi
  fi
  start=$(date +%s)
  nice -n 10 "$bin/$t" "$work" "corpus/$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
  code=$?
  took=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  found=$(ls "$artifacts" 2>/dev/null | head -1)
  if [ $code -ne 0 ] || [ -n "$found" ]; then
    result="FOUND: fuzz/$artifacts/$found (log fuzz/$log)"
    failed=1
  else
    result="nothing found"
    if [ "${FUZZ_MERGE:-0}" = 1 ]; then
      keep_corpus "$t"
    fi
  fi
  printf '%-15s %8s %12s  %s\n' "$t" "$took" "${execs:-?}" "$result"
done
exit $failed
