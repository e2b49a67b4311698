#!/usr/bin/env bash
# Constant-time gate (ct/): the SCP03 engine's release build under valgrind
# memcheck with static keys and plaintexts marked secret, at every security
# level, S8/S16, AES-128/192/256. Zero errors required. `cargo test` in ct/
# runs the gate (AES-NI, as autodetected) and both negative controls (a
# leaky comparison; the kernel with its declassification off), which must
# be flagged. Then the gate again on the software AES that microcontrollers
# run (`--cfg aes_force_soft`).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT/ct"
if ! command -v valgrind >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq valgrind >/dev/null
fi
cargo test --release --locked
RUSTFLAGS="--cfg scboot_ct_audit --cfg aes_force_soft" CARGO_TARGET_DIR=target/soft-aes \
  cargo build --release --locked --bin ct-gate
if objdump -d target/soft-aes/release/ct-gate | grep -q aesenc; then
  echo "soft-AES build still contains AES-NI code" >&2; exit 1
fi
valgrind --error-exitcode=1 -q target/soft-aes/release/ct-gate
echo "ct-gate: clean with AES-NI and with the software AES"
