#!/usr/bin/env bash
# Line coverage of the kernel (kernel/src) reached by the seed corpora alone,
# over all fuzz targets. Prints the per-file table and the total.
source "$(dirname "$0")/fuzz-env.sh"
rustup component add llvm-tools-preview ${FUZZ_CARGO[1]:+--toolchain nightly} >/dev/null 2>&1 || true
SYSROOT=$("${FUZZ_CARGO[@]/cargo/rustc}" --print sysroot 2>/dev/null || rustc --print sysroot)
BIN=$(ls -d "$SYSROOT"/lib/rustlib/*/bin | head -1)
cd "$ROOT/fuzz"
profs=()
objs=()
for t in $TARGETS; do
  "${FUZZ_CARGO[@]}" fuzz coverage "$t" "$ROOT/corpus/$t" >/dev/null 2>&1
  profs+=("coverage/$t/coverage.profdata")
  objs+=(-object "target/x86_64-unknown-linux-gnu/coverage/x86_64-unknown-linux-gnu/release/$t")
done
"$BIN/llvm-profdata" merge -sparse "${profs[@]}" -o coverage/all.profdata
report=$("$BIN/llvm-cov" report "${objs[@]}" -instr-profile=coverage/all.profdata \
  -ignore-filename-regex='(\.cargo|rustc|reference/|fuzz/)' | sed "s|$ROOT/||")
echo "$report"
# The kernel's own lines (the virtual card and the harnesses do not count):
# a per-file table (target/coverage-kernel.md, for the README) and the
# total, held to COVERAGE_FLOOR (the figure reached, in README.md).
FLOOR=${COVERAGE_FLOOR:-95.0}
mkdir -p "$ROOT/target"
echo "$report" | awk -v floor="$FLOOR" -v md="$ROOT/target/coverage-kernel.md" '
  $1 ~ /kernel\/src\// {
    f = $1; sub(/.*kernel\/src\//, "", f)
    rows[++n] = sprintf("| `%s` | %d | %d | %.1f %% |", f, $8, $8 - $9, $8 ? 100 * ($8 - $9) / $8 : 100)
    lines += $8; missed += $9
  }
  END {
    print "| kernel file | lines | covered | coverage |" > md
    print "| --- | --- | --- | --- |" >> md
    for (i = 1; i <= n; i++) print rows[i] >> md
    total = 100 * (lines - missed) / lines
    printf "| **kernel total** | %d | %d | **%.1f %%** |\n", lines, lines - missed, total >> md
    printf "kernel line coverage: %d of %d lines = %.1f %% (floor %s %%)\n", lines - missed, lines, total, floor
    exit (total + 0.0001 < floor + 0) ? 1 : 0
  }'

