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
"$BIN/llvm-cov" report "${objs[@]}" -instr-profile=coverage/all.profdata \
  -ignore-filename-regex='(\.cargo|rustc|reference/|fuzz/)' | sed "s|$ROOT/||"
