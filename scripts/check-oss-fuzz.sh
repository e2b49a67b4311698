#!/usr/bin/env bash
# Run oss-fuzz/build.sh as OSS-Fuzz would (SRC and OUT in temporary folders)
# and check that every target landed with its seed corpus, dictionary and
# options; ClusterFuzzLite's build.sh runs the same script.
source "$(dirname "$0")/fuzz-env.sh"
command -v zip >/dev/null || { echo "zip is needed (apt-get install zip)" >&2; exit 1; }
grep -q 'oss-fuzz/build.sh' "$ROOT/.clusterfuzzlite/build.sh"
SRC=$(mktemp -d)
OUT=$(mktemp -d)
scratch=()
trap 'rm -rf "$SRC" "$OUT" "${scratch[@]}"' EXIT
ln -s "$ROOT" "$SRC/scboot"
# base-builder-rust puts cargo-fuzz on PATH and the nightly first; do the same.
if [ "${FUZZ_CARGO[1]:-}" = "+nightly" ]; then
  export RUSTUP_TOOLCHAIN=nightly
fi
SRC="$SRC" OUT="$OUT" bash "$ROOT/.clusterfuzzlite/build.sh"
missing=0
for t in $TARGETS; do
  for f in "$t" "${t}_seed_corpus.zip" "$t.options"; do
    [ -s "$OUT/$f" ] || { echo "missing $OUT/$f"; missing=1; }
  done
  if grep -q '^dict' "$OUT/$t.options"; then
    [ -s "$OUT/$t.dict" ] || { echo "missing $OUT/$t.dict"; missing=1; }
  fi
  n=$(unzip -l "$OUT/${t}_seed_corpus.zip" | tail -1 | awk '{print $2}')
  [ "${n:-0}" -gt 0 ] || { echo "empty corpus zip for $t"; missing=1; }
  # The binary runs its corpus.
  d=$(mktemp -d)
  scratch+=("$d")
  (cd "$d" && unzip -q "$OUT/${t}_seed_corpus.zip")
  "$OUT/$t" -runs=0 "$d" >/dev/null 2>&1 || { echo "$t fails on its corpus"; missing=1; }
done
[ $missing = 0 ] && echo "oss-fuzz build OK: $(echo $TARGETS | wc -w) targets"
exit $missing
