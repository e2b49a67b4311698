#!/usr/bin/env bash
# Build every fuzz target and run each from its seed corpus for SECONDS
# (default 30). A crash, leak or divergence fails the script. Long runs:
#   scripts/fuzz.sh 3600            # an hour per target
#   scripts/fuzz.sh 600 diff_dodf   # one target
#   scripts/fuzz.sh campaign        # the recorded campaign: fixed execution
#                                   # counts (scripts/fuzz-campaign.sh)
if [ "${1:-}" = campaign ]; then
  shift
  exec bash "$(dirname "$0")/fuzz-campaign.sh" "$@"
fi
source "$(dirname "$0")/fuzz-env.sh"
SECONDS_EACH=${1:-30}
ONLY=${2:-}
cd "$ROOT/fuzz"
"${FUZZ_CARGO[@]}" fuzz build -O >&2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
status=0
printf '%-22s %12s %10s %8s\n' target executions exec/s result
for t in $TARGETS; do
  [ -n "$ONLY" ] && [ "$t" != "$ONLY" ] && continue
  mkdir -p "$WORK/$t"
  cp -r "$ROOT/corpus/$t/." "$WORK/$t/" 2>/dev/null || true
  d=$(dict_for "$t")
  args=(-max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1)
  [ -n "$d" ] && args+=(-dict="$d")
  log="$WORK/$t.log"
  if "${FUZZ_CARGO[@]}" fuzz run -O "$t" "$WORK/$t" -- "${args[@]}" >"$log" 2>&1; then
    res=ok
  else
    res=FAILED
    status=1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  printf '%-22s %12s %10s %8s\n' "$t" "${runs:-?}" "${rate:-?}" "$res"
  if [ "$res" = FAILED ]; then
    grep -E 'panicked|divergence|ERROR|SUMMARY|Test unit written' -A3 "$log" | head -40
  fi
done
exit $status
