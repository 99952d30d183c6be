#!/usr/bin/env bash
# Runs every fuzz target for a short, bounded time (called by .ci/run).
#
#   scripts/fuzz-ci.sh [SECONDS_PER_TARGET]    (default 20; env FUZZ_SECONDS too)
#
# Each target starts from its committed seed corpus (fuzz/seeds/<target>/,
# small hand-made samples) and the files of fixtures/, sorted into seed
# directories by fuzz/fixture-seeds.sh in the scratch directory (fixtures/
# is their one source; no copy is committed); new inputs go to a scratch
# corpus so the seeds stay as committed. A crash, a leak of the
# contract the target checks, a run over 30 s on one input (a hang) or over
# 2 GiB of memory fails the script, and libFuzzer saves the input under
# fuzz/artifacts/<target>/ with the command to reproduce it.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-${FUZZ_SECONDS:-20}}

# cargo fuzz needs nightly-only flags (-Zsanitizer=address). A machine has
# one toolchain and no other can be fetched, so the toolchain at hand is told
# to accept them with RUSTC_BOOTSTRAP=1 (its sanitizer runtimes ship with
# rust-std); `cargo +nightly fuzz` works the same where nightly exists.
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz-ci: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

cd fuzz
targets=$(cargo fuzz list)
# One build for all targets (optimised, with debug assertions and ASan).
cargo fuzz build -O

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
./fixture-seeds.sh "$scratch/fixture-seeds"
failed=()
for target in $targets; do
  mkdir -p "$scratch/$target"
  seeds="seeds/$target"
  [[ -d "$seeds" ]] || { echo "fuzz-ci: no seed corpus for $target ($seeds)" >&2; exit 1; }
  # The first directory receives new inputs; the others are only read.
  corpora=("$scratch/$target" "$seeds")
  if [[ -d "$scratch/fixture-seeds/$target" ]]; then
    corpora+=("$scratch/fixture-seeds/$target")
  fi
  # Inputs that once failed this target (fixed since) must pass again.
  if [[ -d "regressions/$target" ]]; then
    echo "fuzz-ci: $target regressions"
    if ! cargo fuzz run -O "$target" regressions/"$target"/* -- -runs=1 \
      2>"$scratch/$target.regressions.log"; then
      failed+=("$target (regression)")
      tail -n 60 "$scratch/$target.regressions.log" >&2
      continue
    fi
  fi
  echo "fuzz-ci: $target for ${seconds}s"
  if ! cargo fuzz run -O "$target" "${corpora[@]}" -- \
    -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len=1048576 \
    -print_final_stats=1 2>"$scratch/$target.log"; then
    failed+=("$target")
    tail -n 60 "$scratch/$target.log" >&2
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$scratch/$target.log" |
    sed "s/^/fuzz-ci: $target /" || true
done

if ((${#failed[@]})); then
  echo "fuzz-ci: FAILED: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz-ci: all targets ran ${seconds}s without a failure"
