#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build, the way Rust projects there do it:
# `cargo fuzz build -O`, then every target into $OUT with its seed corpus
# zip, dictionary and options. Coverage and sanitizer builds are the
# builder's business: its cargo wrapper rewrites this build for them.
# Runs in base-builder-rust, and locally through scripts/check-oss-fuzz.sh
# with SRC and OUT in temporary folders.
cd "$SRC/scboot/fuzz"
cargo fuzz build -O
BUILD_DIR=target/x86_64-unknown-linux-gnu/release
for target in $(cargo fuzz list); do
  cp "$BUILD_DIR/$target" "$OUT/$target"
  if [ -d "$SRC/scboot/corpus/$target" ]; then
    (cd "$SRC/scboot/corpus/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
  fi
  case "$target" in
    *_bootstrap|*_tlv) dict=tlv ;;
    scp03_*|hostile_card) dict= ;;
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
