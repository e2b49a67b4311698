#!/usr/bin/env bash
# The kernel's tests under Miri (undefined behaviour, out-of-bounds, leaks in
# the test harness's counting allocator...). Property tests shrink their case
# counts under cfg(miri); PROPTEST_CASES covers those on the default config.
#   scripts/miri.sh            unit tests + the parser, hostile-input and
#                              no-allocation integration tests (CI, ~6 min)
#   scripts/miri.sh --all      every kernel test (the SCP03 session and
#                              vector suites add AES-heavy work, the
#                              round-trip properties 3 min: ~30 min more)
#   scripts/miri.sh --lib      unit tests only
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
rustup component add --toolchain nightly miri rust-src >/dev/null
cargo +nightly miri setup >/dev/null
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}"
export PROPTEST_CASES="${PROPTEST_CASES:-4}"
case "${1:-}" in
  --lib) cargo +nightly miri test -p scboot --lib ;;
  --all) cargo +nightly miri test -p scboot --lib --tests ;;
  *) cargo +nightly miri test -p scboot --lib --test malformed --test examples \
       --test hostile --test no_alloc ;;
esac
# The C API's Rust side: every misuse through the raw-pointer layer (the
# tests named miri_*; the others drive the virtual card, too slow here).
cargo +nightly miri test -p scboot-ffi --lib miri_
