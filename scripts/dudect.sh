#!/usr/bin/env bash
# dudect timing report for the SCP03 engine (ct/src/bin/dudect.rs):
#   scripts/dudect.sh [SAMPLES]     (default 1000000 per operation)
# Prints max |t| per operation (|t| > 4.5 suggests a leak). Operations named
# verdict_* compare an accepted with a rejected input: the verdict is public
# by protocol (a rejected response is not decrypted and ends the session),
# so the work after it differs by design and they are shown for
# information. Every other operation compares inputs with the same public
# outcome (two wrong MACs, two keys, two wrong paddings, two right ones) and
# must stay under 4.5. control_* is a deliberately leaky comparison that must
# be flagged (>= 4.5), or the run had too little power to see a leak.
# Timing on a shared machine is noisy: a report, not a CI gate.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SAMPLES=${1:-1000000}
cd "$ROOT/ct"
cargo build --release --locked --bin dudect >&2
OUT=$(mktemp)
SCBOOT_DUDECT_SAMPLES=$SAMPLES ./target/release/dudect | tee "$OUT" >&2
printf '\n%-38s %10s %10s  %s\n' operation samples "max |t|" verdict
status=0
while read -r name n t; do
  abs=${t#[-+]}
  case $name in
    control_*) if awk -v a="$abs" 'BEGIN{exit !(a >= 4.5)}'; then verdict="negative control, flagged: ok"; else verdict="negative control NOT flagged"; status=1; fi ;;
    verdict_*) verdict="information: public verdict, different work by design" ;;
    *) if awk -v a="$abs" 'BEGIN{exit !(a < 4.5)}'; then verdict="< 4.5: ok"; else verdict=">= 4.5: LEAK?"; status=1; fi ;;
  esac
  printf '%-38s %10s %10.2f  %s\n' "$name" "$SAMPLES" "$abs" "$verdict"
done < <(sed -n 's/^bench \([a-z0-9_]*\) *\.\.\. : n == \([^,]*\), max t = \([^,]*\),.*/\1 \2 \3/p' "$OUT")
rm -f "$OUT"
exit $status
