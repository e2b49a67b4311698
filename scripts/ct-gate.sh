#!/usr/bin/env bash
# Constant-time gate (ct/): the SCP03 engine's release build under valgrind
# memcheck with static keys and plaintexts marked secret, at every security
# level, S8/S16, AES-128/192/256. Zero errors required. `cargo test` in ct/
# runs the gate (AES-NI, as autodetected) and both negative controls (a
# leaky comparison; the kernel with its declassification off), which must
# be flagged. Then the gate again on the software AES (`--cfg
# aes_force_soft`): on x86-64 (the `aes` crate's 64-bit fixslice), and on
# i686, where the crate compiles the 32-bit fixslice a Cortex-M4 runs, both
# as the C API's static library has it and compact (`--cfg aes_compact`) as
# the firmware in embedded/ has it. Each i686 build must also flag both
# negative controls, so that its client requests are shown to work.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT/ct"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
if ! command -v valgrind >/dev/null; then
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq valgrind >/dev/null
fi
# i686: the Rust target, a 32-bit C toolchain to link with, and the i386
# C library's symbols, without which valgrind cannot start a 32-bit process.
rustup target add i686-unknown-linux-gnu >/dev/null 2>&1
if ! dpkg -s gcc-multilib >/dev/null 2>&1 || ! dpkg -s libc6-dbg:i386 >/dev/null 2>&1; then
  $SUDO dpkg --add-architecture i386
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq gcc-multilib libc6-dbg:i386 >/dev/null
fi

cargo test --release --locked
RUSTFLAGS="--cfg scboot_ct_audit --cfg aes_force_soft" CARGO_TARGET_DIR=target/soft-aes \
  cargo build --release --locked --bin ct-gate
if objdump -d target/soft-aes/release/ct-gate | grep -q aesenc; then
  echo "soft-AES build still contains AES-NI code" >&2; exit 1
fi
valgrind --error-exitcode=1 -q target/soft-aes/release/ct-gate

for variant in fixslice32 fixslice32-compact; do
  flags="--cfg scboot_ct_audit --cfg aes_force_soft"
  [ "$variant" = fixslice32-compact ] && flags="$flags --cfg aes_compact"
  RUSTFLAGS="$flags" CARGO_TARGET_DIR="target/$variant" \
    cargo build -q --release --locked --bin ct-gate --target i686-unknown-linux-gnu
  gate="target/$variant/i686-unknown-linux-gnu/release/ct-gate"
  if objdump -d "$gate" | grep -q aesenc; then
    echo "$variant: the build still contains AES-NI code" >&2; exit 1
  fi
  echo "$variant (i686):"
  valgrind --error-exitcode=1 -q "$gate"
  for control in leaky-control undeclassified-control; do
    out=$(valgrind -q "$gate" "$control" 2>/dev/null | grep -o 'memcheck errors [0-9]*' | grep -o '[0-9]*$')
    if [ "${out:-0}" -eq 0 ]; then
      echo "$variant: the $control was not flagged: the gate would pass vacuously" >&2; exit 1
    fi
    echo "$variant: $control flagged ($out memcheck errors), as it must be"
  done
done
echo "ct-gate: clean with AES-NI, the 64-bit software AES, and the 32-bit one (plain and compact)"
