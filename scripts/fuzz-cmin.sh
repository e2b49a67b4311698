#!/usr/bin/env bash
# Minimise the seed corpora with libFuzzer's merge (what `cargo fuzz cmin`
# runs). Named seeds (vectors, hostile inputs, regress-*) are always
# kept; fuzzer finds (found-<sha1>) are kept only when they add coverage over
# the named seeds and each other.
source "$(dirname "$0")/fuzz-env.sh"
cd "$ROOT/fuzz"
"${FUZZ_CARGO[@]}" fuzz build -O >&2
for t in $TARGETS; do
  dir="$ROOT/corpus/$t"
  out=$(mktemp -d)
  finds=$(mktemp -d)
  # Finds: found-<sha1>, or a bare <sha1> as libFuzzer names what it saves.
  find "$dir" -maxdepth 1 -type f -regextype posix-extended ! -name 'found-*' ! -regex '.*/[0-9a-f]{40}' -exec cp {} "$out/" \;
  find "$dir" -maxdepth 1 -type f -regextype posix-extended \( -name 'found-*' -o -regex '.*/[0-9a-f]{40}' \) -exec mv {} "$finds/" \;
  before=$(ls "$finds" | wc -l)
  "${FUZZ_CARGO[@]}" fuzz run -O "$t" "$out" "$finds" -- -merge=1 >/dev/null 2>&1
  for f in "$out"/*; do
    b=$(basename "$f")
    if [[ "$b" =~ ^[0-9a-f]{40}$ ]]; then
      mv "$f" "$dir/found-$b"
    fi
  done
  echo "$t: $(ls "$dir" | grep -vc '^found-') named, finds $before -> $(ls "$dir" | grep -c '^found-')"
  rm -rf "$out" "$finds"
done
