#!/usr/bin/env bash
# The long fuzzing campaign, as recorded in README.md: every target for a
# fixed number of executions (not seconds, so that runs compare), two
# targets at a time, from the seed corpora; then the finds are merged into
# the corpora (scripts/fuzz-cmin.sh keeps those that add coverage).
#
#   scripts/fuzz-campaign.sh            # 10^7 per parser and differential
#                                       # target, 10^6 per round-trip,
#                                       # lockstep, whole-card and
#                                       # hostile-card target (hours)
#   SCALE=1000 scripts/fuzz-campaign.sh # the same divided by 1000 (minutes)
#   JOBS=1 scripts/fuzz-campaign.sh     # one target at a time
#   scripts/fuzz-campaign.sh hostile_card diff_dir   # these targets only,
#                                       # in the order given
#
# Writes target/fuzz-campaign.md (one row per target: executions, exec/s,
# corpus before and after, result) and appends each row, as its target
# ends, to target/fuzz-campaign-rows.txt. A crash, leak or divergence fails it.
source "$(dirname "$0")/fuzz-env.sh"
SCALE=${SCALE:-1}
ONLY=" $* "
JOBS=${JOBS:-2}
cd "$ROOT/fuzz"
# Without AddressSanitizer (-s none): the fuzzed code is safe Rust (the
# kernel forbids unsafe; the model, the card and the harnesses have none),
# so ASan finds nothing there and costs a factor of 10 to 20 in executions.
# Panics, failed assertions and divergences abort as they do under ASan.
# CI's smoke run (scripts/fuzz.sh) and OSS-Fuzz keep ASan.
"${FUZZ_CARGO[@]}" fuzz build -O -s none >&2
# The binaries just built run directly: nothing rebuilds them mid-campaign.
BIN="$ROOT/fuzz/target/x86_64-unknown-linux-gnu/release"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
OUT="$ROOT/target/fuzz-campaign.md"
mkdir -p "$ROOT/target"

runs_for() {
  case "$1" in
    parse_*|diff_*) echo $((10000000 / SCALE)) ;;
    *) echo $((1000000 / SCALE)) ;;
  esac
}

one() {
  local t=$1 runs
  runs=$(runs_for "$t")
  mkdir -p "$WORK/$t"
  cp -r "$ROOT/corpus/$t/." "$WORK/$t/" 2>/dev/null || true
  local before
  before=$(ls "$WORK/$t" | wc -l)
  local d args start
  d=$(dict_for "$t")
  # Inputs up to 4 KiB (OSS-Fuzz's options); LwM2M TLV up to 1 KiB, where
  # the slow reference model's cost grows with the input.
  local max_len=4096
  case "$t" in *_tlv) max_len=1024 ;; esac
  args=(-runs="$runs" -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1)
  [ -n "$d" ] && args+=(-dict="$d")
  start=$SECONDS
  if (cd "$WORK" && "$BIN/$t" "$WORK/$t" "${args[@]}") >"$WORK/$t.log" 2>&1; then
    res=ok
  else
    res=FAILED
  fi
  local execs rate after
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$WORK/$t.log" | grep -oE '[0-9]+$' | tail -1)
  rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$WORK/$t.log" | grep -oE '[0-9]+$' | tail -1)
  after=$(ls "$WORK/$t" | wc -l)
  echo "| $t | ${execs:-?} | ${rate:-?} | $((SECONDS - start)) | $before | $after | $res |" > "$WORK/$t.row"
  # Each finished target is also kept at once, with its date and commit, so
  # that a campaign cut short still records what it ran.
  echo "$(date -u +%FT%TZ) $(git -C "$ROOT" rev-parse --short HEAD) $(cat "$WORK/$t.row")" >> "$ROOT/target/fuzz-campaign-rows.txt"
  if [ "$res" = FAILED ]; then
    grep -E 'panicked|divergence|ERROR|SUMMARY|Test unit written' -A3 "$WORK/$t.log" | head -40 >&2
  fi
  # New units (libFuzzer names them by SHA-1) go into the corpus as finds.
  for f in "$WORK/$t"/*; do
    b=$(basename "$f")
    if [[ "$b" =~ ^[0-9a-f]{40}$ ]] && [ ! -e "$ROOT/corpus/$t/found-$b" ]; then
      cp "$f" "$ROOT/corpus/$t/$b"
    fi
  done
}

targets=()
for t in $TARGETS; do
  [ "$ONLY" != "  " ] && [[ "$ONLY" != *" $t "* ]] && continue
  targets+=("$t")
done
if [ "$ONLY" != "  " ]; then
  # The order given on the command line.
  ordered=$(for t in $ONLY; do [[ " ${targets[*]} " == *" $t "* ]] && echo "$t"; done)
else
  # Slowest first, so that the two lanes end together.
  ordered=$(for t in "${targets[@]}"; do
    case $t in
      hostile_card|whole_card|*_tlv) echo "0 $t" ;;
      *) echo "1 $t" ;;
    esac
  done | sort | cut -d' ' -f2)
fi
running=0
for t in $ordered; do
  one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

{
  echo "Campaign of $(date -u +%Y-%m-%d), commit $(git -C "$ROOT" rev-parse --short HEAD), $(nproc) cores, ${JOBS} targets at a time:"
  echo
  echo "| target | executions | exec/s | seconds | corpus before | corpus after | result |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  for t in $TARGETS; do
    [ -f "$WORK/$t.row" ] && cat "$WORK/$t.row"
  done
} > "$OUT"
cat "$OUT"
! grep -q FAILED "$OUT"
