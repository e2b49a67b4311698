#!/usr/bin/env bash
# The whole procedure on an emulated Cortex-M4 (QEMU mps2-an386), in four
# configurations, measured in the same run: flash (vector table + text +
# rodata + data), static RAM (data + bss + uninit; the firmware's 1 KiB file
# workspace is one static and is reported apart), and the peak stack
# (painted by cortex-m-rt before main, scanned after the run). Each
# configuration's figures are checked against benches/mcu-budgets.toml,
# and its flash is broken down by component (scripts/elf-size.py); for
# the full configuration it also prints the stack's peak in each phase.
# The last line is the full configuration's JSON.
#   scripts/mcu.sh
#   UPDATE_BUDGETS=1 scripts/mcu.sh   # rewrite the budgets (measured + 5 %)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if ! command -v qemu-system-arm >/dev/null; then
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  ($sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq qemu-system-arm) >/dev/null
fi
rustup target add thumbv7em-none-eabihf >/dev/null 2>&1 || true

# The transcript the firmware replays must be what the virtual card says today.
# The host's SHA-256 of the bootstrap data, which the firmware's (the
# monitor's digest, computed on the device) must equal.
fresh=$(mktemp)
host_digest=$(cargo run -q -p scboot-card --example mcu-transcript -- "$fresh" | sed -n 's/^digest: //p')
cmp -s "$fresh" embedded/transcript.bin || {
  echo "embedded/transcript.bin is stale: cargo run -p scboot-card --example mcu-transcript"; exit 1; }
rm -f "$fresh"
[ ${#host_digest} = 64 ] || { echo "mcu-transcript printed no digest"; exit 1; }

WORKSPACE=1024
BUDGETS=benches/mcu-budgets.toml
# Run a firmware image under QEMU (Cortex-M4, semihosting); its output,
# or the output and a failure when it exits non-zero. `what` names it.
run_firmware() { # what elf
  local out
  out=$(timeout 60 qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
    -semihosting-config enable=on,target=native -kernel "$2") || {
    echo "$1: the firmware failed under QEMU:" >&2; echo "$out" >&2; return 1; }
  echo "$out"
}
status=0
declare -A RESULT
for conf in aes128 fast full keys; do
  case $conf in
    aes128) feats=(); label="aes128" ;;
    fast) feats=(--features fast-paths); label="aes128,fast-paths" ;;
    full) feats=(--features full); label="aes128,aes192,aes256,s16" ;;
    keys) feats=(--features keys); label="aes128,aes192,aes256,s16,keys" ;;
  esac
  (cd embedded && cargo build -q --release "${feats[@]}" --target-dir "target/$conf")
  elf="embedded/target/$conf/thumbv7em-none-eabihf/release/scboot-mcu"
  out=$(run_firmware "$conf" "$elf")
  grep -q "^check: unchanged$" <<<"$out" || { echo "$conf: no unchanged check"; echo "$out"; exit 1; }
  grep -q "^account: uri=coaps://leshan.eclipseprojects.io:5684 bootstrap=false mode=psk ssid=Some(101)" <<<"$out" \
    || { echo "$conf: the accounts are not the demo card's"; echo "$out"; exit 1; }
  grep -q "^digest=$host_digest$" <<<"$out" \
    || { echo "$conf: the firmware's digest is not the host's ($host_digest)"; echo "$out"; exit 1; }
  [ "$conf" = full ] && echo "$out" | grep -v '^stack_peak'
  # The totals (first line), then where the flash goes (symbols by crate,
  # and by module in scboot), read in one pass over the image.
  sizes=$(python3 scripts/elf-size.py "$elf" --breakdown)
  read -r flash ram <<<"$sizes"
  echo "$conf: flash by component, largest first"
  sed -n '2,15p' <<<"$sizes"
  stack=$(sed -n 's/^stack_peak=//p' <<<"$out")
  ram_kernel=$((ram - WORKSPACE + stack))
  RESULT[$conf]="{\"qemu\": \"ok\", \"flash\": $flash, \"ram_static\": $ram, \"stack_peak\": $stack, \"workspace\": $WORKSPACE, \"ram_without_workspace\": $ram_kernel, \"features\": \"$label\"}"
  if [ "${UPDATE_BUDGETS:-0}" = 1 ]; then
    continue
  fi
  for fig in flash ram_without_workspace; do
    value=$([ $fig = flash ] && echo "$flash" || echo "$ram_kernel")
    budget=$(sed -n "s/^\"$conf\/$fig\" = \([0-9]*\).*/\1/p" "$BUDGETS")
    if [ -z "$budget" ]; then
      echo "$conf/$fig: no budget in $BUDGETS"; status=1
    elif [ "$value" -gt "$budget" ]; then
      echo "$conf/$fig: $value over its budget $budget"; status=1
    fi
  done
done
# Where the stack peaks: the full configuration again, built to report the
# deepest point of each phase (before each command) and to paint the stack
# anew for the next one (feature `phase-peaks`, a measurement build).
(cd embedded && cargo build -q --release --features full,phase-peaks --target-dir target/phases)
echo "full: the stack's peak per phase (the work since the command before; the"
echo "firmware's own frames included), bootstrap run:"
phases=$(run_firmware "full (phase-peaks)" \
  embedded/target/phases/thumbv7em-none-eabihf/release/scboot-mcu)
# The bootstrap run's phases: the lines before its summary.
sed -n '/^bootstrap:/q; s/^phase_peak: /  /p' <<<"$phases"
if [ "${UPDATE_BUDGETS:-0}" = 1 ]; then
  {
    echo "# Cortex-M4 budgets (scripts/mcu.sh, QEMU mps2-an386, opt-level z, LTO):"
    echo "# bytes of flash, and of RAM without the caller's file workspace"
    echo "# (static + peak stack). Written by UPDATE_BUDGETS=1 scripts/mcu.sh as"
    echo "# measured + 5 %; CI fails above them. The goals (issue: flash 32 KiB"
    echo "# full, 24 KiB AES-128 only; 4 KiB of RAM) are in the README. A RAM"
    echo "# goal met is held: no RAM budget is above 4 KiB when the figure is"
    echo "# within it (AES-128 only, and the full configuration)."
    for conf in aes128 fast full keys; do
      j=${RESULT[$conf]}
      f=$(sed 's/.*"flash": \([0-9]*\).*/\1/' <<<"$j")
      r=$(sed 's/.*"ram_without_workspace": \([0-9]*\).*/\1/' <<<"$j")
      rb=$((r * 105 / 100))
      # A goal met is held: a configuration within 4 KiB of RAM stays there
      # (the one with `keys` has no RAM goal).
      if [ "$conf" != keys ] && [ "$r" -le 4096 ] && [ "$rb" -gt 4096 ]; then rb=4096; fi
      echo "\"$conf/flash\" = $((f * 105 / 100))"
      echo "\"$conf/ram_without_workspace\" = $rb"
    done
  } > "$BUDGETS"
  echo "budgets written to $BUDGETS"
fi
for conf in aes128 fast keys full; do
  echo "${RESULT[$conf]}"
done
exit $status
