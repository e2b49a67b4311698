#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: every fuzz target, with its seed corpus
# zip, dictionary and options, into $OUT. Runs in base-builder-rust, and
# locally through scripts/check-oss-fuzz.sh with SRC and OUT in temporary folders.
cd "$SRC/scboot/fuzz"
if [ "${SANITIZER:-address}" = "coverage" ]; then
  # Coverage builds do not go through cargo-fuzz.
  cargo build --release --bins
  BUILD_DIR=target/release
else
  cargo fuzz build -O
  BUILD_DIR=target/x86_64-unknown-linux-gnu/release
fi
for target in $(cat targets.txt); do
  cp "$BUILD_DIR/$target" "$OUT/$target"
  if [ -d "$SRC/scboot/corpus/$target" ]; then
    (cd "$SRC/scboot/corpus/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
  fi
  case "$target" in
    *_bootstrap|*_tlv) dict=tlv ;;
    scp03_*) dict= ;;
    *) dict=pkcs15 ;;
  esac
  {
    echo "[libfuzzer]"
    echo "max_len = 4096"
    if [ -n "$dict" ]; then
      cp "$SRC/scboot/corpus/dict/$dict.dict" "$OUT/$target.dict"
      echo "dict = $target.dict"
    fi
  } > "$OUT/$target.options"
done
