#!/usr/bin/env bash
# Mutation testing of the kernel with cargo-mutants (.cargo/mutants.toml).
#   scripts/mutants.sh                 every kernel mutant (~2000; ~4 h on 2 cores)
#   scripts/mutants.sh scp03           the SCP03 engine only (kernel/src/scp03/)
#   scripts/mutants.sh scp03 1/8       one round-robin shard of it
#   scripts/mutants.sh all 3/8         a shard of the whole kernel (a sample)
#   scripts/mutants.sh all 1/96        CI's bounded run
# Judges: the kernel's tests, the virtual card's procedure tests and the
# reference model's differential tests (.cargo/mutants.toml).
# CARGO_MUTANTS_JOBS=2 runs two mutants at a time.
# Results: mutants.out/{caught,missed,timeout,unviable}.txt; the script
# prints the caught share of viable mutants and lists the survivors, and
# fails when the share is under MUTANTS_MIN percent (default 90).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants
args=(--package scboot --no-shuffle --gitignore true)
case "${1:-all}" in
  all) ;;
  scp03) args+=(-f 'kernel/src/scp03/*.rs') ;;
  *) args+=(-f "$1") ;;
esac
if [ -n "${2:-}" ]; then args+=(--shard "$2" --sharding round-robin); fi
status=0
cargo mutants "${args[@]}" || status=$?
# cargo-mutants exits 2 when some mutants were missed, 3 on timeouts.
caught=$(wc -l < mutants.out/caught.txt)
missed=$(wc -l < mutants.out/missed.txt)
timeout=$(wc -l < mutants.out/timeout.txt)
total=$((caught + missed + timeout))
echo "mutants: $caught caught, $timeout timed out (counted as caught), $missed missed of $total viable"
if [ "$total" -gt 0 ]; then
  awk -v c=$((caught + timeout)) -v t="$total" 'BEGIN { printf "caught share: %.1f%% (goal >= 90%%)\n", 100 * c / t }'
fi
if [ "$missed" -gt 0 ]; then echo "survivors:"; cat mutants.out/missed.txt; fi
case $status in 0|2|3) ;; *) exit $status ;; esac
if [ "$total" -gt 0 ] && [ $((100 * (caught + timeout))) -lt $((${MUTANTS_MIN:-90} * total)) ]; then
  echo "caught share under ${MUTANTS_MIN:-90}%"; exit 1
fi
