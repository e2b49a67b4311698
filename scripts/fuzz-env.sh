# Sourced by the fuzz scripts: cargo-fuzz present, and a toolchain that can build it.
set -euo pipefail
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked >&2
fi
if rustup toolchain list | grep -q '^nightly'; then
  FUZZ_CARGO=(cargo +nightly)
else
  # Stable with RUSTC_BOOTSTRAP gives the same ASan build.
  export RUSTC_BOOTSTRAP=1
  FUZZ_CARGO=(cargo)
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGETS=$(cat "$ROOT/fuzz/targets.txt")
dict_for() {
  case "$1" in
    *_bootstrap|*_tlv) echo "$ROOT/corpus/dict/tlv.dict" ;;
    scp03_*|hostile_card) echo "" ;;
    whole_card) echo "$ROOT/corpus/dict/pkcs15.dict" ;;
    *) echo "$ROOT/corpus/dict/pkcs15.dict" ;;
  esac
}
