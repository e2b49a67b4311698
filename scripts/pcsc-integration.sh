#!/usr/bin/env bash
# End to end through a real PC/SC stack on loopback: pcscd with the vpcd
# driver, the virtual card served by `scboot card serve`, `scboot bootstrap
# --reader` through PC/SC, and OpenSC reading the same card. For every DODF
# form: both succeed, and (opaqueDO, which OpenSC reads) the bytes agree.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
need=()
for p in pcscd vsmartcard-vpcd libpcsclite-dev opensc; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
cargo build -q -p scboot-cli --features pcsc
SCBOOT="$ROOT/target/debug/scboot"
WORK=$(mktemp -d)
export OPENSC_CONF="$WORK/opensc.conf"
cat > "$OPENSC_CONF" <<'CONF'
app default {
    enable_default_driver = true;
    card_drivers = default;
}
CONF

cleanup() {
  [ -n "${SERVE:-}" ] && kill "$SERVE" 2>/dev/null || true
  [ -n "${PCSCD:-}" ] && $SUDO kill "$PCSCD" 2>/dev/null || true
}
trap cleanup EXIT
if ! pgrep -x pcscd >/dev/null; then
  $SUDO mkdir -p /run/pcscd
  $SUDO pcscd -f >"$WORK/pcscd.log" 2>&1 &
  PCSCD=$!
fi
# Reader lists go through a variable, not a pipe into `grep -q`: grep quits at
# the first match and, under pipefail, the writer's SIGPIPE would fail the test.
readers() { opensc-tool -l 2>/dev/null || true; }
for _ in $(seq 50); do
  [[ "$(readers)" == *"Virtual PCD"* ]] && break
  sleep 0.2
done
[[ "$(readers)" == *"Virtual PCD"* ]] || { echo "pcscd has no vpcd reader"; cat "$WORK/pcscd.log" || true; exit 1; }

status=0
for form in opaque oid oid-double; do
  echo "== DODF form: $form"
  # The demo card in each DODF form.
  sed "s/^dodf_form = .*/dodf_form = \"$form\"/" "$ROOT/examples/cards/demo.toml" > "$WORK/$form.toml"
  "$SCBOOT" card build "$WORK/$form.toml" -o "$WORK/$form.json" >/dev/null
  "$SCBOOT" card serve "$WORK/$form.json" >"$WORK/serve-$form.log" 2>&1 &
  SERVE=$!
  for _ in $(seq 50); do
    grep -q "Yes.*Virtual PCD" <<<"$(readers)" && break
    sleep 0.2
  done
  "$SCBOOT" bootstrap --reader "Virtual PCD" --json >"$WORK/scboot-$form.json"
  ours=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["provenance"]["sha256"], d["accounts"][0]["uri"], d["accounts"][0]["short_server_id"], d["provenance"]["scp03_level"], d["provenance"]["apdus"])' "$WORK/scboot-$form.json")
  echo "scboot via PC/SC: sha256 level apdus = $ours"
  pkcs15-tool --dump >"$WORK/dump-$form.txt" 2>&1
  grep -q "PKCS#15 Card \[scboot virtual UICC\]" "$WORK/dump-$form.txt" || { echo "OpenSC --dump failed:"; cat "$WORK/dump-$form.txt"; status=1; }
  if [ "$form" = opaque ]; then
    grep -q "applicationOID:  2.23.43.9.1" "$WORK/dump-$form.txt" || { echo "OpenSC did not list the opaqueDO"; status=1; }
    pkcs15-tool --read-data-object 2.23.43.9.1 -o "$WORK/opensc-$form.bin" >/dev/null
    theirs=$(python3 -c 'import hashlib,sys; b=open(sys.argv[1],"rb").read(); n=4+int.from_bytes(b[2:4],"big"); print(hashlib.sha256(b[:n]).hexdigest())' "$WORK/opensc-$form.bin")
    echo "OpenSC read-data-object: sha256 = $theirs"
    [ "$theirs" = "${ours%% *}" ] || { echo "MISMATCH between scboot and OpenSC"; status=1; }
    "$SCBOOT" inspect --format bootstrap --json "$WORK/opensc-$form.bin" >"$WORK/opensc-$form.json"
    grep -q '"text": "coaps://leshan.eclipseprojects.io:5684"' "$WORK/opensc-$form.json" \
      || { echo "OpenSC's bytes do not decode to the configured URI"; status=1; }
  fi
  kill "$SERVE" 2>/dev/null || true
  wait "$SERVE" 2>/dev/null || true
  SERVE=""
  sleep 0.5
done

# The card's keys (DM-SC-GEN-9) through PC/SC: OpenSC lists and reads them
# from the key directories the virtual card wrote; scboot signs and
# verifies; the public key both read is the same.
echo "== keys"
"$SCBOOT" card build examples/cards/signing.toml -o "$WORK/signing.json" >/dev/null
"$SCBOOT" card serve "$WORK/signing.json" >"$WORK/serve-signing.log" 2>&1 &
SERVE=$!
for _ in $(seq 50); do
  grep -q "Yes.*Virtual PCD" <<<"$(readers)" && break
  sleep 0.2
done
K=(--reader "Virtual PCD" --keys examples/cards/signing.toml)
pkcs15-tool --list-keys >"$WORK/keys.txt" 2>&1 || true
pkcs15-tool --list-public-keys >"$WORK/pubkeys.txt" 2>&1 || true
for label in bootstrap-signing pin-signing; do
  grep -q "$label" "$WORK/keys.txt" || { echo "OpenSC did not list private key $label:"; cat "$WORK/keys.txt"; status=1; }
  grep -q "$label" "$WORK/pubkeys.txt" || { echo "OpenSC did not list public key $label:"; cat "$WORK/pubkeys.txt"; status=1; }
done
grep -q "ECDSA\|EC " "$WORK/keys.txt" && echo "OpenSC lists the EC private keys (PrKDF)"
pkcs15-tool --read-public-key 01 -o "$WORK/pub.pem" >/dev/null 2>&1 || true
ours=$("$SCBOOT" public-key --label bootstrap-signing "${K[@]}")
if [ -s "$WORK/pub.pem" ]; then
  theirs=$(python3 -c 'import base64,sys; t=open(sys.argv[1]).read(); b=base64.b64decode("".join(l for l in t.splitlines() if not l.startswith("-----"))); print(b[-65:].hex())' "$WORK/pub.pem")
  echo "public key: scboot $ours"
  echo "public key: OpenSC $theirs"
  [ "$ours" = "$theirs" ] || { echo "MISMATCH between scboot's and OpenSC's public key"; status=1; }
else
  echo "OpenSC --read-public-key 01 gave nothing"; status=1
fi
echo "signed package" >"$WORK/package.bin"
sig=$("$SCBOOT" sign --label bootstrap-signing "$WORK/package.bin" "${K[@]}")
"$SCBOOT" verify --label bootstrap-signing --signature "$sig" "$WORK/package.bin" "${K[@]}" \
  || { echo "scboot's signature through PC/SC does not verify"; status=1; }
mac=$("$SCBOOT" sign --label operator-mac "$WORK/package.bin" "${K[@]}")
"$SCBOOT" verify --label operator-mac --signature "$mac" "$WORK/package.bin" "${K[@]}" \
  || { echo "the card's checksum through PC/SC does not verify"; status=1; }
# OpenSC's own signature: its default driver registers no EC algorithm, so
# pkcs15-crypt refuses EC signing on a card it has no driver for; say so.
python3 -c 'import hashlib,sys; sys.stdout.buffer.write(hashlib.sha256(open(sys.argv[1],"rb").read()).digest())' "$WORK/package.bin" >"$WORK/hash.bin"
if pkcs15-crypt --sign --key 01 --sha-256 -f rs -i "$WORK/hash.bin" -o "$WORK/opensc.sig" >"$WORK/crypt.txt" 2>&1; then
  osig=$(python3 -c 'import sys; print(open(sys.argv[1],"rb").read().hex())' "$WORK/opensc.sig")
  "$SCBOOT" verify --label bootstrap-signing --signature "$osig" "$WORK/package.bin" "${K[@]}" \
    && echo "OpenSC's signature verifies with scboot" || { echo "OpenSC's signature does not verify"; status=1; }
else
  echo "OpenSC pkcs15-crypt --sign: $(tail -1 "$WORK/crypt.txt") (its default driver has no EC algorithm)"
fi
kill "$SERVE" 2>/dev/null || true
wait "$SERVE" 2>/dev/null || true
SERVE=""
sleep 0.5

# The C API: ffi/examples/bootstrap.c, built as its README section says,
# through pcscd and vpcd; its accounts must be scboot's.
echo "== C API"
cargo build -q --release -p scboot-ffi
cc -std=c99 -Wall -Werror -Iffi/include ffi/examples/bootstrap.c target/release/libscboot_ffi.a \
  -lpcsclite -lpthread -ldl -lm -o "$WORK/bootstrap-c"
"$SCBOOT" card build examples/cards/demo.toml -o "$WORK/demo-c.json" >/dev/null
"$SCBOOT" card serve "$WORK/demo-c.json" >"$WORK/serve-c.log" 2>&1 &
SERVE=$!
for _ in $(seq 50); do
  grep -q "Yes.*Virtual PCD" <<<"$(readers)" && break
  sleep 0.2
done
"$WORK/bootstrap-c" --reader "Virtual PCD" --keys examples/keys/demo.toml >"$WORK/c.txt" \
  || { echo "the C example failed"; cat "$WORK/c.txt"; status=1; }
cat "$WORK/c.txt"
"$SCBOOT" bootstrap --reader "Virtual PCD" --json >"$WORK/rust.json"
python3 - "$WORK/rust.json" "$WORK/c.txt" <<'PY' || status=1
import json, sys
modes = {"psk": 0, "rpk": 1, "certificate": 2, "nosec": 3, "certificate-est": 4}
want = [f"instance={a['instance']} uri={a['uri']} bootstrap_server={int(a['bootstrap_server'])} security_mode={modes.get(a['security_mode'], -1)}"
        for a in json.load(open(sys.argv[1]))["accounts"]]
got = [" ".join(l.split()[:4]) for l in open(sys.argv[2]) if l.startswith("instance=")]
print("C accounts equal scboot's" if got == want else f"MISMATCH:\n C     {got}\n scboot {want}")
sys.exit(0 if got == want else 1)
PY
kill "$SERVE" 2>/dev/null || true
wait "$SERVE" 2>/dev/null || true
SERVE=""
sleep 0.5

# The real-card workflow, on the demo card: readers, a dump, an APDU log,
# and every failure a reader can bring, each a clear message and exit 1.
expect_fail() { # expect_fail "message part" command...
  local want=$1; shift
  local err code=0
  err=$("$@" 2>&1 >/dev/null) || code=$?
  if [ "$code" = 1 ] && [[ "$err" == *"$want"* ]]; then
    echo "ok: $want"
  else
    echo "FAILED: expected exit 1 and \"$want\", got exit $code: $err"; status=1
  fi
}
echo "== workflow"
"$SCBOOT" card build examples/cards/demo.toml -o "$WORK/demo.json" >/dev/null
"$SCBOOT" card serve "$WORK/demo.json" >"$WORK/serve-demo.log" 2>&1 &
SERVE=$!
for _ in $(seq 50); do grep -q "Yes.*Virtual PCD" <<<"$(readers)" && break; sleep 0.2; done
readers_out=$("$SCBOOT" readers)
echo "$readers_out"
[[ "$readers_out" == *"Virtual PCD"*"card present, ATR 3b8f8001804f0ca0000003060300030000000068"* ]] \
  || { echo "scboot readers does not show the card and its ATR"; status=1; }
"$SCBOOT" card dump --reader "Virtual PCD" -o "$WORK/dump" | tee "$WORK/dump.txt"
for f in "$WORK"/dump/*.bin; do
  "$SCBOOT" inspect --json "$f" >/dev/null || { echo "inspect cannot read the dumped $f"; status=1; }
done
[ "$(ls "$WORK"/dump/*.bin | wc -l)" = 5 ] || { echo "the dump has not 5 files"; status=1; }
"$SCBOOT" bootstrap --reader "Virtual PCD" -v >/dev/null 2>"$WORK/apdu.log"
grep -q "(as sent)" "$WORK/apdu.log" && grep -q "close the channel" "$WORK/apdu.log" \
  || { echo "no APDU log"; cat "$WORK/apdu.log"; status=1; }
expect_fail 'no PC/SC reader matches "No Such Reader"' "$SCBOOT" bootstrap --reader "No Such Reader"
cargo build -q -p scboot-cli --features pcsc --example pcsc-hold
HOLD_BIN="$ROOT/target/debug/examples/pcsc-hold"
"$HOLD_BIN" "Virtual PCD" 4 >"$WORK/hold.log" 2>&1 &
HOLD=$!
for _ in $(seq 50); do grep -q holding "$WORK/hold.log" && break; sleep 0.1; done
expect_fail "is busy" "$SCBOOT" bootstrap --reader "Virtual PCD"
wait "$HOLD" 2>/dev/null || true
kill "$SERVE" 2>/dev/null || true; wait "$SERVE" 2>/dev/null || true
for _ in $(seq 50); do grep -qE "No +Virtual PCD 00 00" <<<"$(readers)" && break; sleep 0.2; done
expect_fail "no card in reader" "$SCBOOT" bootstrap --reader "Virtual PCD"
# Pulled out at the 8th APDU, inside the SCP03 session.
"$SCBOOT" card serve "$WORK/demo.json" --remove-after 8 >"$WORK/serve-remove.log" 2>&1 &
SERVE=$!
for _ in $(seq 50); do grep -q "Yes.*Virtual PCD" <<<"$(readers)" && break; sleep 0.2; done
expect_fail "removed" "$SCBOOT" bootstrap --reader "Virtual PCD"
kill "$SERVE" 2>/dev/null || true; wait "$SERVE" 2>/dev/null || true
SERVE=""

[ $status = 0 ] && echo "PC/SC integration OK"
exit $status
