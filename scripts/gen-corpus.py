#!/usr/bin/env python3
"""Write the named seed corpora (corpus/<target>/) and dictionaries (corpus/dict/).

Every seed is named for what it is. Sources: the format examples and the
hostile-input classes of ARCHITECTURE.md and kernel/tests/malformed.rs, and
corpus/vectors/ (provenance in corpus/vectors/SOURCES.md). Run from the repository
root; then scripts/fuzz-cmin.sh drops the seeds that add no coverage.
"""
import os, random

def h(s):
    return bytes.fromhex("".join(s.split()))

LWM2M = b"coap://leshan.eclipseprojects.io:5783"
BOOT = h("00 01 00 36 00 00 00 00 31 08 00 2E C8 00 25") + LWM2M + h("C1 01 01 C1 02 03 FF FF")
BOOT2 = h("00 02 00 4E 00 00 00 00 31 08 00 2E C8 00 25") + LWM2M + h(
    "C1 01 01 C1 02 03 00 01 01 01 00 12 08 00 0F C1 00 65 C4 01 00015180 C1 07 55 C1 06 01 FF FF")

def tlv(tag, body):
    """One BER element with a short-form length: tag, length, body (hex)."""
    b = h(body)
    assert len(b) < 128
    return "%02X %02X " % (tag, len(b)) + b.hex()

def pukdf_direct(element):
    """A PuKDF holding one EC key whose value is `element` itself (direct [0])."""
    attrs = tlv(0xA1, tlv(0x30, tlv(0xA0, element)))
    return "01 " + tlv(0xA0, "30 00 30 07 04 01 01 03 02 01 02 " + attrs)

SEEDS = {
  # Key directories: the first byte picks the class (00 PrKDF, 01 PuKDF,
  # 02 SKDF), the rest is the directory. The EC entries are shaped as
  # OpenSC writes them (PKCS #15 v1.1 6.4-6.6; OpenSC's fieldSize).
  "keys": {
    "prkdf-ec-opensc-shape": "00 A0 2A 30 0C 0C 03 736967 03 02 07 80 04 01 01 30 0E 04 01 01 03 02 05 20 03 02 03 B8 02 01 01 A1 0A 30 08 30 02 04 00 02 02 01 00",
    "pukdf-ec-path": "01 A0 1A 30 05 0C 03 736967 30 07 04 01 01 03 02 01 02 A1 08 30 06 30 04 04 02 5100",
    "pukdf-ec-direct-point": "01 A0 1E 30 00 30 07 04 01 01 03 02 01 02 A1 11 30 0F A0 0D 04 0B 04 0102030405 0102030405",
    "skdf-aes-keylen": "02 30 31 30 12 0C 0C 6F70657261746F722D6D6163 03 02 07 80 30 07 04 01 02 03 02 05 20 A0 06 30 04 02 02 0080 A1 0A 30 08 30 06 04 04 3F00 4402",
    "skdf-des-other": "02 A2 10 30 00 30 06 04 01 03 03 01 00 A1 04 30 02 04 00",
    "prkdf-rsa-and-padding": "00 30 19 30 00 30 07 04 01 01 03 02 05 20 A1 0C 30 0A 30 04 04 02 4401 02 02 0800 FFFF",
    # A point held in the directory, in each form the point reader takes
    # or names: in a BIT STRING, compressed, a BIT STRING with unused bits.
    "pukdf-ec-direct-bit-string-point": pukdf_direct("03 42 00 04" + " 07" * 64),
    "hostile-pukdf-ec-compressed-point": pukdf_direct("04 21 02" + " 07" * 32),
    "hostile-pukdf-ec-bit-string-unused-bits": pukdf_direct("03 02 01 00"),
    "hostile-keyref-too-large": "00 A0 1A 30 00 30 0C 04 01 01 03 02 05 20 02 03 010000 A1 08 30 06 30 04 04 02 4401",
    "hostile-boolean-two-octets": "00 A0 19 30 00 30 0B 04 01 01 03 02 05 20 01 02 0000 A1 08 30 06 30 04 04 02 4401",
  },
  "dir": {
    "design-pkcs15-template": "61 14 4F 0C A000000063504B43532D3135 51 04 3F00 5015",
    "two-templates-padding": "61 14 4F 0C A000000063504B43532D3135 51 04 3F00 5015 FFFF 61 0B 4F 05 A000000063 50 02 4142 0000",
    "record-with-ff-padding": "61 14 4F 0C A000000063504B43532D3135 51 04 3F00 5015" + " FF" * 12,
    "template-with-ddo-and-unknown-tags": "61 18 4F 05 A000000063 73 04 80 02 0102 52 01 00 53 02 0102 70 02 80 00",
    "hostile-indefinite-length": "61 80 00 00",
    "hostile-length-of-length-at-end": "61 82 01",
    "hostile-5-length-octets": "61 85 00 00 00 00 01 4F",
    "hostile-reserved-length-ff": "61 FF",
    "hostile-high-tag-at-end": "7F 81",
    "hostile-high-tag-5-octets": "7F 81 81 81 01 00",
    "hostile-aid-17-bytes": "61 13 4F 11" + " A0" * 17,
    "hostile-path-18-bytes": "61 1B 4F 05 A000000063 51 12" + " 3F" * 18,
    "hostile-odd-path": "61 0C 4F 05 A000000063 51 03 3F0050",
    "hostile-duplicate-aid": "61 0E 4F 05 A000000063 4F 05 A000000063",
    "hostile-label-not-utf8": "61 0A 4F 05 A000000063 50 01 FF",
    "hostile-value-past-end": "61 05 4F 01",
    "hostile-deep-unknown": "61 " + "%02X" % 38 + " 4F 05 A000000063 " + "".join("70 %02X " % (29 - 2 * k) for k in range(15)) + "80 00",
  },
  "odf": {
    "design-dodf-at-6430": "A7 06 30 04 04 02 64 30",
    "all-nine-classes": " ".join("%02X 06 30 04 04 02 44 %02X" % (0xA0 + c, c) for c in range(9)),
    "path-index-length-and-direct": "A8 0E 30 0C 04 04 3F00 4401 02 01 00 80 01 10 A0 04 A0 02 05 00",
    "unknown-class-skipped": "A9 02 05 00 A7 06 30 04 04 02 64 30 0000",
    "hostile-empty-class": "A7 00",
    "hostile-protected-choice": "A7 02 A1 00",
    "hostile-index-without-length": "A7 09 30 07 04 02 6430 02 01 00",
    "hostile-negative-index": "A7 0C 30 0A 04 02 6430 02 01 FF 80 01 05",
    "hostile-empty-integer": "A7 0B 30 09 04 02 6430 02 00 80 01 05",
    "hostile-9-byte-integer": "A7 14 30 12 04 02 6430 02 09 00FFFFFFFFFFFFFFFF 80 01 05",
    "hostile-negative-overflow": "A7 14 30 12 04 02 6430 02 09 FF7FFFFFFFFFFFFFFF 80 01 05",
    "hostile-path-20-bytes": "A7 18 30 16 04 14" + " 50" * 20,
    "hostile-empty-path": "A7 04 30 02 04 00",
  },
  "dodf": {
    "nrf-real-card-double-encoded-oid": "A1 27 30 00 30 11 0C 0F 4C774D324D20426F6F747374726170 A1 10 30 0E 06 06 06 04 67 2B 09 01 30 04 04 02 64 32",
    "registered-oid": "A1 14 30 00 30 00 A1 0E 30 0C 06 04 67 2B 09 01 30 04 04 02 64 33",
    "opaque-application-oid-index-length": "30 1A 30 00 30 06 06 04 67 2B 09 01 A1 0E 30 0C 04 04 3F00 6431 02 01 00 80 01 10",
    "opaque-all-common-fields-direct": "30 1F 30 0D 0C 02 4142 03 02 06 C0 04 01 01 30 00 30 00 A0 02 05 00 A1 08 A0 06 04 04 01020304",
    "external-url": "A0 0F 30 03 02 01 03 30 00 A1 06 13 04 68747470",
    "private-with-auth-id": "A1 1B 30 06 03 02 07 80 04 00 30 00 A1 0F 30 0D 06 04 67 2B 09 01 30 05 04 03 01 02 03".replace("30 05 04 03 01 02 03", "30 04 04 02 64 32").replace("A1 0F", "A1 0E").replace("30 0D", "30 0C").replace("A1 1B", "A1 1A"),
    "unknown-entry-then-oiddo": "A2 03 02 01 05 A1 14 30 00 30 00 A1 0E 30 0C 06 04 67 2B 09 01 30 04 04 02 64 33 FFFF",
    "hostile-empty-bit-string": "30 0C 30 02 03 00 30 00 A1 06 30 04 04 02 6432",
    "hostile-unused-bits-8": "30 0E 30 04 03 02 08 80 30 00 A1 06 30 04 04 02 6432",
    "hostile-empty-oid": "A1 10 30 00 30 00 A1 0A 30 08 06 00 30 04 04 02 6432",
    "hostile-oid-arc-80": "A1 13 30 00 30 00 A1 0D 30 0B 06 03 2B 80 01 30 04 04 02 6432",
    "hostile-oid-truncated": "A1 12 30 00 30 00 A1 0C 30 0A 06 02 2B 86 30 04 04 02 6432",
    "hostile-oid-arc-overflow": "A1 16 30 00 30 00 A1 10 30 0E 06 06 2B 90 80 80 80 00 30 04 04 02 6432",
    "hostile-label-256": "30 82 01 12 30 82 01 04 0C 82 01 00" + " 61" * 256 + " 30 00 A1 06 30 04 04 02 6432",
    "hostile-user-consent-0": "30 0F 30 03 02 01 00 30 00 A1 06 30 04 04 02 6432",
    "hostile-missing-type-attributes": "A1 04 30 00 30 00",
    "hostile-indefinite": "A1 80 30 00 00 00",
    "hostile-url-bad-char": "30 09 30 00 30 00 A1 03 13 01 40",
  },
  "tokeninfo": {
    "minimal": "30 0A 02 01 00 04 02 1234 03 01 00",
    "all-fields": "30 2F 02 01 00 04 04 01020304 0C 03 616263 80 02 4C4D 03 02 06 40 30 00 A5 11 18 0F 32303234303130313132303030305A 13 02 656E",
    "all-optional-sequences": "30 25 02 01 00 04 01 01 03 01 00 30 02 80 00 A1 02 80 00 A2 02 80 00 83 01 41 84 01 42 A5 04 30 02 04 00 13 02 656E FF FF",
    "hostile-negative-version": "30 08 02 01 FF 04 00 03 01 00",
    "hostile-serial-256": "30 82 01 0A 02 01 00 04 82 01 00" + " 11" * 256 + " 03 01 00",
    "hostile-last-update-33": "30 2D 02 01 00 04 00 03 01 00 A5 23 18 21" + " 32" * 33,
    "hostile-last-update-bad-char": "30 1B 02 01 00 04 00 03 01 00 A5 11 18 0F 3230323430313031313230303030 58",
    "hostile-trailing": "30 08 02 01 00 04 00 03 01 00 12",
    "hostile-empty-flags": "30 07 02 01 00 04 00 03 00",
  },
  "bootstrap": {
    "nrf-real-card": BOOT.hex(),
    "security-and-server-1-1": BOOT2.hex(),
    "empty": "00 00 00 00",
    "hostile-size-past-end": "00 01 00 10 00 00",
    "hostile-count-mismatch": "00 02 00 05 00 00 00 00 00",
    "hostile-object-length-past-size": "00 01 00 05 00 00 00 00 05",
    "hostile-resource-at-top": "00 01 00 08 00 00 00 00 03 C1 00 01",
    "hostile-bad-padding": "00 01 00 05 00 01 00 00 00 FF 12",
    "hostile-tlv-past-object": "00 01 00 07 00 00 00 00 02 01 00",
    # A declared size whose data ends past the file's 32 KB limit.
    "hostile-data-past-32k": (h("00 00 80 00") + bytes(32 * 1024)).hex(),
  },
  "tlv": {
    "security-instance": "08 00 0B C3 00 636F61 C1 01 01 C1 02 03",
    "multiple-resource": "08 00 0B C3 00 616263 C1 01 01 C1 02 03 88 10 06 41 00 01 41 01 02",
    "six-byte-header": "F8 0100 000003 010203",
    "16-bit-length": "D0 05 0100" + " 41" * 256,
    "all-value-types": "08 00 32 C1 00 7F C2 01 7FFF C4 02 7FFFFFFF C8 03 08 7FFFFFFFFFFFFFFF C4 04 3F800000 C8 05 08 3FF0000000000000 C1 06 01 C4 07 FFFFFFFF",
    "hostile-type-only": "C8",
    "hostile-6-byte-header-cut": "F8 00 01 00 00",
    "hostile-value-missing": "C1 00",
    "hostile-child-longer-than-parent": "08 00 02 C2 01 05 06",
    "hostile-oi-in-oi": "08 00 02 00 00",
    "hostile-ri-in-oi": "08 00 03 41 00 07",
    "hostile-24-bit-length": "D8 00 FF FF FF",
    "value-hostile-zero-length-integer": "C0 00",
    "value-hostile-3-byte-float": "C3 00 010203",
    "typed-hostile-duplicate-resource": "08 00 06 C1 02 03 C1 02 03",
    "typed-hostile-security-mode-7": "08 00 03 C1 02 07",
  },
}

DICTS = {
  "pkcs15": ['"\\x61"', '"\\x4F"', '"\\x50"', '"\\x51"', '"\\x73"', '"\\xA0\\x00\\x00\\x00\\x63PKCS-15"',
             '"\\x30"', '"\\x04"', '"\\x02"', '"\\x03"', '"\\x06"', '"\\x0C"', '"\\x13"', '"\\x16"', '"\\x18"',
             '"\\x80"', '"\\x81"', '"\\x82"', '"\\x83"', '"\\x84"', '"\\xA0"', '"\\xA1"', '"\\xA2"', '"\\xA3"',
             '"\\xA5"', '"\\xA7"', '"\\xA8"', '"\\x1F"', '"\\x7F"', '"\\xFF"', '"\\x06\\x04\\x67\\x2B\\x09\\x01"',
             '"\\x06\\x06\\x06\\x04\\x67\\x2B\\x09\\x01"', '"\\x3F\\x00"', '"\\x50\\x15"', '"\\x64\\x32"'],
  "tlv": ['"\\x08"', '"\\x28"', '"\\x10"', '"\\x18"', '"\\x38"', '"\\x41"', '"\\x48"', '"\\x88"', '"\\x90"',
          '"\\xC0"', '"\\xC1"', '"\\xC2"', '"\\xC4"', '"\\xC8"', '"\\xD0"', '"\\xD8"', '"\\xE8"', '"\\xF8"',
          '"\\x00\\x01"', '"\\x00\\x00\\x00"', '"\\xFF\\xFF"', '"coap://"'],
}
DICT_OF = {"keys": "pkcs15", "dir": "pkcs15", "odf": "pkcs15", "dodf": "pkcs15", "tokeninfo": "pkcs15", "bootstrap": "tlv", "tlv": "tlv"}

def main():
    os.makedirs("corpus/dict", exist_ok=True)
    for name, entries in DICTS.items():
        with open(f"corpus/dict/{name}.dict", "w") as f:
            f.write(f"# libFuzzer dictionary: {name} tags, type bytes and OIDs\n")
            for i, e in enumerate(entries):
                f.write(f"kw{i}={e}\n")
    for fmt, seeds in SEEDS.items():
        for kind in ("parse", "diff"):
            d = f"corpus/{kind}_{fmt}"
            os.makedirs(d, exist_ok=True)
            for name, hx in seeds.items():
                with open(f"{d}/{name}.bin", "wb") as f:
                    f.write(h(hx))
    # arbitrary-driven targets: deterministic byte strings of a few shapes.
    rnd = random.Random(20261123)
    for t in ["roundtrip_dir", "roundtrip_odf", "roundtrip_dodf", "roundtrip_tokeninfo",
              "roundtrip_bootstrap", "roundtrip_tlv", "roundtrip_keys", "scp03_lockstep"]:
        d = f"corpus/{t}"
        os.makedirs(d, exist_ok=True)
        for n in (16, 64, 256, 1024):
            with open(f"{d}/seed-random-{n}-bytes.bin", "wb") as f:
                f.write(bytes(rnd.randrange(256) for _ in range(n)))

def hostile_card_seeds():
    """hostile_card: configuration bytes, then an action script (see
    fuzz/src/hostile.rs): honest cards at every policy and level, and one
    seed per kind of lie or fault at a few positions."""
    d = "corpus/hostile_card"
    os.makedirs(d, exist_ok=True)
    def put(name, b):
        with open(f"{d}/{name}.bin", "wb") as f:
            f.write(bytes(b))
    for level in range(6):
        for policy in range(3):
            put(f"honest-policy{policy}-level{level}", [policy | level << 2, 0])
    put("honest-basic-channel-read-everything", [0x14 | 0x20 | 0x40, 0])
    put("honest-get-response-strict-le", [0x14, 3])
    put("private-with-pin", [0x14 | 0x80, 4])
    put("private-without-pin", [0x14, 4])
    for at in (0, 3, 5, 8, 11):
        skip = [at - 1] if at else []
        put(f"raw-6a82-at-{at}", [0x14, 0] + skip + [0x41, 0x6A, 0x82])
        put(f"raw-61ff-at-{at}", [0x14, 1] + skip + [0x41, 0x61, 0xFF])
        put(f"raw-6c10-at-{at}", [0x14, 2] + skip + [0x41, 0x6C, 0x10])
        put(f"flip-at-{at}", [0x14, 0] + skip + [0x42, 0x00, 0x01])
        put(f"truncate-at-{at}", [0x14, 0] + skip + [0x43, 0x01])
        for kind in range(5):
            put(f"fault{kind}-at-{at}", [0x14, 0] + skip + [0x46, kind])
        # A lie under the card's channel: an empty file, a short TLV.
        put(f"lie-empty-at-{at}", [0x14, 0] + skip + [0x44, 0x00, 0x90, 0x00])
        put(f"lie-tlv-at-{at}", [0x14, 0] + skip + [0x44, 0x04, 0x00, 0x01, 0x00, 0x08, 0x90, 0x00])
    # Through a modem's AT+CSIM (configuration bit 3): honest, and the
    # modem's own errors as raw reply text.
    put("at-csim-honest", [0x14, 8])
    for name, at, text in [("sim-not-inserted-at-3", 3, b"+CME ERROR: 10\r\n"),
                           ("sim-busy-at-0", 0, b"\r\n+CME ERROR: 14\r\n"),
                           ("error-at-5", 5, b"\r\nERROR\r\n")]:
        put(f"at-csim-{name}", [0x14, 8] + ([at - 1] if at else []) + [0x40, len(text)] + list(text))
    # The bootstrap-mode capabilities (configuration bits 4-7).
    for bits in (0x10, 0x30, 0x70, 0xF0, 0xB0):
        put(f"sequencer-caps-{bits:02x}", [0x14, bits])
    # The check run (after the first run's exchanges) absent, or told 6A82.
    put("check-absent", [0x14, 0, 12, 0x46, 3])
    put("check-6a82-select-dir", [0x14, 0, 12, 0x41, 0x6A, 0x82])

if __name__ == "__main__":
    hostile_card_seeds()
    main()
