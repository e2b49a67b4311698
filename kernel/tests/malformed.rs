//! Hostile inputs (the classes that broke other ASN.1, PKCS#15 and LwM2M TLV
//! decoders: zero-length primitives, lengths and tags at the end of the
//! buffer, oversized fields, children longer than their parent, nesting),
//! each with the exact error kind and
//! byte offset expected. Offsets were worked out by hand from the layouts in
//! the comments.

mod common;
use common::hex;

use scboot::bootstrap::BootstrapFile;
use scboot::dir::{ApplicationTemplate, EfDir};
use scboot::dodf::Dodf;
use scboot::lwm2m::{SecurityInstance, ServerInstance};
use scboot::odf::Odf;
use scboot::tlv::Tlv;
use scboot::tokeninfo::TokenInfo;
use scboot::{Error, ErrorKind as K, Field as F, Structure};

/// What a case expects: the kind, and the component the error names
/// (`None` for a kind given alone).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Want(K, Option<F>);

impl From<K> for Want {
    fn from(k: K) -> Want {
        Want(k, None)
    }
}

/// `K::TooLong.of(F::Path)`: a kind about a component.
trait Of {
    fn of(self, f: F) -> Want;
}

impl Of for K {
    fn of(self, f: F) -> Want {
        Want(self, Some(f))
    }
}

#[derive(Clone, Copy, Debug)]
enum P {
    Dir,
    DirRecord,
    Odf,
    Dodf,
    TokenInfo,
    Bootstrap,
    Tlv,
    TlvInteger,
    TlvFloat,
    TlvBool,
    TlvObjlnk,
    TlvStr,
    Security,
    Server,
}

fn run(p: P, b: &[u8]) -> Result<(), Error> {
    let first = |b| Tlv::parse(b).map(|t| t.records().next().unwrap());
    match p {
        P::Dir => EfDir::parse(b).map(drop),
        P::DirRecord => ApplicationTemplate::parse_record(b).map(drop),
        P::Odf => Odf::parse(b).map(drop),
        P::Dodf => Dodf::parse(b).map(drop),
        P::TokenInfo => TokenInfo::parse(b).map(drop),
        P::Bootstrap => BootstrapFile::parse(b).map(drop),
        P::Tlv => Tlv::parse(b).map(drop),
        P::TlvInteger => first(b)?.as_integer().map(drop),
        P::TlvFloat => first(b)?.as_float().map(drop),
        P::TlvBool => first(b)?.as_bool().map(drop),
        P::TlvObjlnk => first(b)?.as_objlnk().map(drop),
        P::TlvStr => first(b)?.as_str().map(drop),
        P::Security => SecurityInstance::from_record(&first(b)?).map(drop),
        P::Server => ServerInstance::from_record(&first(b)?).map(drop),
    }
}

fn check(name: &str, p: P, bytes: &[u8], kind: impl Into<Want>, offset: usize) -> Error {
    let kind = kind.into();
    let e = match run(p, bytes) {
        Ok(()) => panic!("{name}: accepted, expected {kind:?} at {offset}"),
        Err(e) => e,
    };
    assert_eq!(
        (Want(e.kind(), e.field()), e.offset()),
        (kind, offset),
        "{name}: {e}"
    );
    // The message names the structure and the offset.
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("at offset {offset}")),
        "{name}: {msg}"
    );
    e
}

#[test]
fn ber_framing() {
    // Length octet missing after the tag.
    check("tag only", P::Dir, &hex("61"), K::Truncated, 1);
    // Value longer than the input.
    check(
        "value past end",
        P::Dir,
        &hex("61 05 4F 01"),
        K::LengthExceedsParent,
        1,
    );
    check(
        "indefinite",
        P::Dir,
        &hex("61 80 00 00"),
        K::IndefiniteLength,
        1,
    );
    check(
        "5 length octets",
        P::Dir,
        &hex("61 85 00 00 00 00 01 4F"),
        K::LengthTooLong,
        1,
    );
    check("reserved FF", P::Dir, &hex("61 FF"), K::ReservedLength, 1);
    // Long-form length cut short at the end of the buffer.
    check(
        "length-of-length at end",
        P::Dir,
        &hex("61 82 01"),
        K::Truncated,
        2,
    );
    check("long length at end", P::Dir, &hex("61 84"), K::Truncated, 2);
    // High tag numbers at the end of the buffer.
    check(
        "high tag, no subsequent",
        P::Dir,
        &hex("7F"),
        K::Truncated,
        1,
    );
    check(
        "high tag, continuation at end",
        P::Dir,
        &hex("7F 81"),
        K::Truncated,
        2,
    );
    check(
        "high tag padding 80",
        P::Dir,
        &hex("7F 80 01 00"),
        K::NonMinimalTag,
        0,
    );
    check(
        "high form for number 30",
        P::Dir,
        &hex("7F 1E 00"),
        K::NonMinimalTag,
        0,
    );
    check(
        "high tag > 3 octets",
        P::Dir,
        &hex("7F 81 81 81 01 00"),
        K::TagNumberTooLarge,
        0,
    );
}

#[test]
fn ef_dir() {
    let e = check(
        "not a template",
        P::Dir,
        &hex("04 00"),
        K::UnexpectedTag.of(F::ApplicationTemplate),
        0,
    );
    assert_eq!(
        (e.structure(), e.index()),
        (Structure::DirTemplate, Some(0))
    );
    check(
        "no AID",
        P::Dir,
        &hex("61 00"),
        K::MissingField.of(F::Aid),
        0,
    );
    check(
        "AID 4 bytes",
        P::Dir,
        &hex("61 06 4F 04 A0000000"),
        K::TooShort.of(F::Aid),
        2,
    );
    let mut aid17 = hex("61 13 4F 11");
    aid17.extend([0xA0; 17]);
    check("AID 17 bytes", P::Dir, &aid17, K::TooLong.of(F::Aid), 2);
    // 61 1B | 4F 05 A000000063 | 51 12 <18 bytes>: the path element is at 9.
    let mut path18 = hex("61 1B 4F 05 A000000063 51 12");
    path18.extend([0x3F; 18]);
    check("path 18 bytes", P::Dir, &path18, K::TooLong.of(F::Path), 9);
    check(
        "odd path",
        P::Dir,
        &hex("61 0C 4F 05 A000000063 51 03 3F0050"),
        K::OddPathLength,
        9,
    );
    check(
        "empty path",
        P::Dir,
        &hex("61 09 4F 05 A000000063 51 00"),
        K::TooShort.of(F::Path),
        9,
    );
    check(
        "duplicate AID",
        P::Dir,
        &hex("61 0E 4F 05 A000000063 4F 05 A000000063"),
        K::DuplicateField.of(F::Aid),
        9,
    );
    check(
        "label not UTF-8",
        P::Dir,
        &hex("61 0A 4F 05 A000000063 50 01 FF"),
        K::InvalidUtf8,
        11,
    );
    // Second template broken: index 1, offset of the bad element.
    let e = check(
        "second template bad",
        P::Dir,
        &hex("61 07 4F 05 A000000063 FFFF 61 02 4F 00"),
        K::TooShort.of(F::Aid),
        13,
    );
    assert_eq!(
        (e.structure(), e.index()),
        (Structure::DirTemplate, Some(1))
    );
    let e = check(
        "record trailing data",
        P::DirRecord,
        &hex("61 07 4F 05 A000000063 12 34"),
        K::TrailingData,
        9,
    );
    assert_eq!(e.structure(), Structure::EfDir);
}

#[test]
fn odf() {
    check(
        "empty class",
        P::Odf,
        &hex("A7 00"),
        K::MissingField.of(F::PathOrObjects),
        2,
    );
    check(
        "octet string as PathOrObjects",
        P::Odf,
        &hex("A7 02 04 00"),
        K::UnsupportedChoice.of(F::PathOrObjects),
        2,
    );
    check(
        "protected objects [1]",
        P::Odf,
        &hex("A7 02 A1 00"),
        K::UnsupportedChoice.of(F::PathOrObjects),
        2,
    );
    check(
        "path without efidOrPath",
        P::Odf,
        &hex("A7 04 30 02 02 00"),
        K::UnexpectedTag.of(F::EfidOrPath),
        4,
    );
    check(
        "index without length",
        P::Odf,
        &hex("A7 09 30 07 04 02 6430 02 01 00"),
        K::IndexWithoutLength,
        8,
    );
    check(
        "length without index",
        P::Odf,
        &hex("A7 09 30 07 04 02 6430 80 01 05"),
        K::IndexWithoutLength,
        8,
    );
    check(
        "negative index",
        P::Odf,
        &hex("A7 0C 30 0A 04 02 6430 02 01 FF 80 01 05"),
        K::IntegerOutOfRange.of(F::PathIndex),
        8,
    );
    check(
        "index 65536",
        P::Odf,
        &hex("A7 0E 30 0C 04 02 6430 02 03 010000 80 01 05"),
        K::IntegerOutOfRange.of(F::PathIndex),
        8,
    );
    check(
        "empty INTEGER",
        P::Odf,
        &hex("A7 0B 30 09 04 02 6430 02 00 80 01 05"),
        K::EmptyInteger,
        10,
    );
    check(
        "non-minimal INTEGER",
        P::Odf,
        &hex("A7 0D 30 0B 04 02 6430 02 02 0005 80 01 05"),
        K::NonMinimalInteger,
        10,
    );
    check(
        "9-byte INTEGER",
        P::Odf,
        &hex("A7 14 30 12 04 02 6430 02 09 00FFFFFFFFFFFFFFFF 80 01 05"),
        K::IntegerTooLarge,
        10,
    );
    check(
        "9-byte negative INTEGER",
        P::Odf,
        &hex("A7 14 30 12 04 02 6430 02 09 FF7FFFFFFFFFFFFFFF 80 01 05"),
        K::IntegerTooLarge,
        10,
    );
    check(
        "non-minimal negative INTEGER",
        P::Odf,
        &hex("A7 0D 30 0B 04 02 6430 02 02 FF80 80 01 05"),
        K::NonMinimalInteger,
        10,
    );
    check(
        "trailing in Path",
        P::Odf,
        &hex("A7 08 30 06 04 02 6430 05 00"),
        K::TrailingData,
        8,
    );
    check(
        "trailing in class",
        P::Odf,
        &hex("A7 08 30 04 04 02 6430 05 00"),
        K::TrailingData,
        8,
    );
    check(
        "empty path",
        P::Odf,
        &hex("A7 04 30 02 04 00"),
        K::TooShort.of(F::Path),
        4,
    );
    let mut p20 = hex("A7 18 30 16 04 14");
    p20.extend([0x50; 20]);
    check("path 20 bytes", P::Odf, &p20, K::TooLong.of(F::Path), 4);
    // Entry 1 broken, after an unknown (skipped) entry and padding.
    let e = check(
        "second entry",
        P::Odf,
        &hex("A7 06 30 04 04 02 6430 30 00 FF A4 02 30 00"),
        K::MissingField.of(F::EfidOrPath),
        15,
    );
    assert_eq!((e.structure(), e.index()), (Structure::OdfEntry, Some(1)));
}

/// An opaqueDO entry `30 L <common> 30 00 A1 06 30 04 04 02 64 32` with the given common attributes.
fn opaque_with_common(common: &[u8]) -> Vec<u8> {
    let mut content = common.to_vec();
    content.extend(hex("30 00 A1 06 30 04 04 02 6432"));
    let mut v = vec![0x30];
    if content.len() < 0x80 {
        v.push(content.len() as u8);
    } else {
        v.extend([0x82, (content.len() >> 8) as u8, content.len() as u8]);
    }
    v.extend(content);
    v
}

#[test]
fn dodf() {
    check(
        "no common attributes",
        P::Dodf,
        &hex("A1 00"),
        K::MissingField.of(F::CommonObjectAttributes),
        2,
    );
    check(
        "no class attributes",
        P::Dodf,
        &hex("A1 02 30 00"),
        K::MissingField.of(F::CommonDataObjectAttributes),
        4,
    );
    check(
        "no type attributes",
        P::Dodf,
        &hex("A1 04 30 00 30 00"),
        K::MissingField.of(F::TypeAttributes),
        6,
    );
    check(
        "empty BIT STRING flags",
        P::Dodf,
        &opaque_with_common(&hex("30 02 03 00")),
        K::EmptyBitString,
        6,
    );
    check(
        "unused bits 8",
        P::Dodf,
        &opaque_with_common(&hex("30 04 03 02 08 80")),
        K::InvalidUnusedBits,
        6,
    );
    check(
        "unused bits with no bits",
        P::Dodf,
        &opaque_with_common(&hex("30 03 03 01 01")),
        K::InvalidUnusedBits,
        6,
    );
    // 30 82 01 12 | 30 82 01 04 | 0C 82 01 00 <256>: the label element is at 8.
    let mut label = hex("30 82 01 04 0C 82 01 00");
    label.extend([b'a'; 256]);
    check(
        "label 256 bytes",
        P::Dodf,
        &opaque_with_common(&label),
        K::TooLong.of(F::Label),
        8,
    );
    let mut auth = hex("30 82 01 04 04 82 01 00");
    auth.extend([0x01; 256]);
    check(
        "authId 256 bytes",
        P::Dodf,
        &opaque_with_common(&auth),
        K::TooLong.of(F::AuthId),
        8,
    );
    check(
        "label not UTF-8",
        P::Dodf,
        &opaque_with_common(&hex("30 04 0C 02 C3 28")),
        K::InvalidUtf8,
        6,
    );
    check(
        "userConsent 0",
        P::Dodf,
        &opaque_with_common(&hex("30 03 02 01 00")),
        K::IntegerOutOfRange.of(F::UserConsent),
        4,
    );
    check(
        "userConsent 16",
        P::Dodf,
        &opaque_with_common(&hex("30 03 02 01 10")),
        K::IntegerOutOfRange.of(F::UserConsent),
        4,
    );
    // oidDO layouts: A1 L | 30 00 | 30 00 | A1 M | 30 N | 06 .. | 30 04 04 02 64 32; OID value at 12.
    check(
        "empty OID",
        P::Dodf,
        &hex("A1 10 30 00 30 00 A1 0A 30 08 06 00 30 04 04 02 6432"),
        K::EmptyOid,
        12,
    );
    check(
        "OID arc 80",
        P::Dodf,
        &hex("A1 13 30 00 30 00 A1 0D 30 0B 06 03 2B 80 01 30 04 04 02 6432"),
        K::NonMinimalOidArc,
        13,
    );
    check(
        "OID cut in an arc",
        P::Dodf,
        &hex("A1 12 30 00 30 00 A1 0C 30 0A 06 02 2B 86 30 04 04 02 6432"),
        K::TruncatedOid,
        14,
    );
    check(
        "OID arc overflow",
        P::Dodf,
        &hex("A1 16 30 00 30 00 A1 10 30 0E 06 06 2B 90 80 80 80 00 30 04 04 02 6432"),
        K::OidArcOverflow,
        17,
    );
    check(
        "OidDO without id",
        P::Dodf,
        &hex("A1 0E 30 00 30 00 A1 08 30 06 30 04 04 02 6432"),
        K::UnexpectedTag.of(F::OidDoId),
        10,
    );
    check(
        "ObjectValue unsupported",
        P::Dodf,
        &hex("30 0A 30 00 30 00 A1 04 A2 02 05 00"),
        K::UnsupportedChoice.of(F::ObjectValue),
        8,
    );
    check(
        "ObjectValue missing",
        P::Dodf,
        &hex("30 06 30 00 30 00 A1 00"),
        K::MissingField.of(F::ObjectValue),
        8,
    );
    check(
        "trailing in typeAttributes",
        P::Dodf,
        &hex("30 0E 30 00 30 00 A1 08 30 04 04 02 6432 05 00"),
        K::TrailingData,
        14,
    );
    check(
        "trailing in PKCS15Object",
        P::Dodf,
        &hex("30 0E 30 00 30 00 A1 06 30 04 04 02 6432 05 00"),
        K::TrailingData,
        14,
    );
    check(
        "direct opaque not OCTET STRING",
        P::Dodf,
        &hex("30 0A 30 00 30 00 A1 04 A0 02 05 00"),
        K::UnexpectedTag.of(F::DirectValue),
        10,
    );
    check(
        "URL with @",
        P::Dodf,
        &hex("30 09 30 00 30 00 A1 03 13 01 40"),
        K::InvalidCharacter.of(F::Url),
        10,
    );
    check(
        "indefinite entry",
        P::Dodf,
        &hex("A1 80 30 00 00 00"),
        K::IndefiniteLength,
        1,
    );
    // Entry 0 is the real card's; entry 1 (at 41) has a 3-byte path at 51.
    let mut two = hex("A1 27 30 00 30 11 0C 0F 4C774D324D20426F6F747374726170 A1 10 30 0E 06 06 0604672B0901 30 04 04 02 6432");
    two.extend(hex("30 0D 30 00 30 00 A1 07 30 05 04 03 3F0064"));
    let e = check("second entry odd path", P::Dodf, &two, K::OddPathLength, 51);
    assert_eq!((e.structure(), e.index()), (Structure::DodfEntry, Some(1)));
    assert_eq!(
        e.to_string(),
        "DODF entry 1 at offset 51: path is not a whole number of 2-byte file identifiers"
    );
    // An unknown entry nested 15 deep: the walker stops at its bound.
    // A5 | A0 x 15 (each 2-byte header) | innermost A0 00; the 15th A0 (k = 14) is at 2 + 2*14 = 30.
    let mut deep = Vec::new();
    for k in (0..16).rev() {
        let inner = std::mem::take(&mut deep);
        deep = vec![0xA0, inner.len() as u8];
        deep.extend(inner);
        let _ = k;
    }
    let mut unknown = vec![0xA5, deep.len() as u8];
    unknown.extend(deep);
    check(
        "unknown entry too deep",
        P::Dodf,
        &unknown,
        K::DepthExceeded,
        30,
    );
}

#[test]
fn tokeninfo() {
    check(
        "empty",
        P::TokenInfo,
        &hex("30 00"),
        K::MissingField.of(F::Version),
        2,
    );
    check(
        "not a SEQUENCE",
        P::TokenInfo,
        &hex("31 00"),
        K::UnexpectedTag.of(F::TokenInfo),
        0,
    );
    check(
        "negative version",
        P::TokenInfo,
        &hex("30 08 02 01 FF 04 00 03 01 00"),
        K::IntegerOutOfRange.of(F::Version),
        2,
    );
    check(
        "no tokenflags",
        P::TokenInfo,
        &hex("30 05 02 01 00 04 00"),
        K::MissingField.of(F::TokenFlags),
        7,
    );
    let mut serial = hex("30 82 01 0A 02 01 00 04 82 01 00");
    serial.extend([0x11; 256]);
    serial.extend(hex("03 01 00"));
    check(
        "serial 256 bytes",
        P::TokenInfo,
        &serial,
        K::TooLong.of(F::SerialNumber),
        7,
    );
    check(
        "empty tokenflags",
        P::TokenInfo,
        &hex("30 07 02 01 00 04 00 03 00"),
        K::EmptyBitString,
        9,
    );
    let mut lu = hex("30 2D 02 01 00 04 00 03 01 00 A5 23 18 21");
    lu.extend([b'2'; 33]);
    check(
        "lastUpdate 33 bytes",
        P::TokenInfo,
        &lu,
        K::TooLong.of(F::GeneralizedTime),
        12,
    );
    let mut lu = hex("30 1B 02 01 00 04 00 03 01 00 A5 11 18 0F");
    lu.extend(b"20240101120000X");
    check(
        "lastUpdate bad char",
        P::TokenInfo,
        &lu,
        K::InvalidCharacter.of(F::GeneralizedTime),
        28,
    );
    check(
        "trailing garbage",
        P::TokenInfo,
        &hex("30 08 02 01 00 04 00 03 01 00 12"),
        K::TrailingData,
        10,
    );
    check(
        "preferredLanguage with @",
        P::TokenInfo,
        &hex("30 0B 02 01 00 04 00 03 01 00 13 01 40"),
        K::InvalidCharacter.of(F::PreferredLanguage),
        12,
    );
}

#[test]
fn bootstrap_file() {
    check(
        "short header",
        P::Bootstrap,
        &hex("00 01 00"),
        K::Truncated,
        2,
    );
    check(
        "size past end",
        P::Bootstrap,
        &hex("00 01 00 10 00 00"),
        K::SizeExceedsFile,
        2,
    );
    check(
        "count mismatch",
        P::Bootstrap,
        &hex("00 02 00 05 00 00 00 00 00"),
        K::ObjectCountMismatch,
        0,
    );
    let e = check(
        "object length past size",
        P::Bootstrap,
        &hex("00 01 00 05 00 00 00 00 05"),
        K::LengthExceedsParent,
        7,
    );
    assert_eq!(
        (e.structure(), e.index()),
        (Structure::BootstrapObject, Some(0))
    );
    check(
        "object header cut by size",
        P::Bootstrap,
        &hex("00 01 00 03 00 00 01 FF"),
        K::Truncated,
        7,
    );
    let e = check(
        "resource at object top level",
        P::Bootstrap,
        &hex("00 01 00 08 00 00 00 00 03 C1 00 01"),
        K::TlvNesting.of(F::Resource),
        9,
    );
    assert_eq!(
        (e.structure(), e.index()),
        (Structure::BootstrapObject, Some(0))
    );
    check(
        "bad padding",
        P::Bootstrap,
        &hex("00 01 00 05 00 01 00 00 00 FF 12"),
        K::InvalidPadding,
        10,
    );
    // Two bad padding bytes: the first one is named (an even count of bad
    // bytes must not cancel out in the branch-free pre-check).
    check(
        "two bad padding bytes",
        P::Bootstrap,
        &hex("00 01 00 05 00 01 00 00 00 FF 12 34 00"),
        K::InvalidPadding,
        10,
    );
    // size 0x7FFD: objects would end at 4 + 32765 = 32769 > 32768.
    let mut big = hex("00 01 7F FD");
    big.resize(4 + 0x7FFD, 0);
    check(
        "larger than 32 KB",
        P::Bootstrap,
        &big,
        K::TooLong.of(F::BootstrapData),
        2,
    );
    // A TLV value running past its object: object TLV = 01 00 (Object Instance 0, length 1 in the type byte, no value).
    check(
        "TLV past its object",
        P::Bootstrap,
        &hex("00 01 00 07 00 00 00 00 02 01 00"),
        K::TlvLengthExceedsParent,
        9,
    );
}

#[test]
fn tlv() {
    check("type only", P::Tlv, &hex("C8"), K::Truncated, 1);
    check("no 8-bit length", P::Tlv, &hex("C8 00"), K::Truncated, 2);
    check("16-bit id cut", P::Tlv, &hex("E8 00"), K::Truncated, 1);
    check(
        "6-byte header cut",
        P::Tlv,
        &hex("F8 00 01 00 00"),
        K::Truncated,
        3,
    );
    check(
        "value missing",
        P::Tlv,
        &hex("C1 00"),
        K::TlvLengthExceedsParent,
        0,
    );
    check(
        "child longer than parent",
        P::Tlv,
        &hex("08 00 02 C2 01 05 06"),
        K::TlvLengthExceedsParent,
        3,
    );
    check(
        "object instance in object instance",
        P::Tlv,
        &hex("08 00 02 00 00"),
        K::TlvNesting.of(F::ObjectInstance),
        3,
    );
    check(
        "resource instance in object instance",
        P::Tlv,
        &hex("08 00 03 41 00 07"),
        K::TlvNesting.of(F::ResourceInstance),
        3,
    );
    check(
        "resource in multiple resource",
        P::Tlv,
        &hex("88 05 03 C1 00 01"),
        K::TlvNesting.of(F::Resource),
        3,
    );
    check(
        "resource in multiple resource in object instance",
        P::Tlv,
        &hex("08 00 05 88 05 02 C0 00"),
        K::TlvNesting.of(F::Resource),
        6,
    );
    check(
        "24-bit length past end",
        P::Tlv,
        &hex("D8 00 FF FF FF"),
        K::TlvLengthExceedsParent,
        0,
    );
    check(
        "zero-length integer",
        P::TlvInteger,
        &hex("C0 00"),
        K::TlvValueLength.of(F::Integer),
        2,
    );
    check(
        "3-byte integer",
        P::TlvInteger,
        &hex("C3 00 010203"),
        K::TlvValueLength.of(F::Integer),
        2,
    );
    check(
        "zero-length float",
        P::TlvFloat,
        &hex("C0 00"),
        K::TlvValueLength.of(F::Float),
        2,
    );
    check(
        "3-byte float",
        P::TlvFloat,
        &hex("C3 00 010203"),
        K::TlvValueLength.of(F::Float),
        2,
    );
    check(
        "boolean 2",
        P::TlvBool,
        &hex("C1 00 02"),
        K::InvalidBoolean,
        2,
    );
    check(
        "2-byte boolean",
        P::TlvBool,
        &hex("C2 00 0001"),
        K::TlvValueLength.of(F::Boolean),
        2,
    );
    check(
        "3-byte objlnk",
        P::TlvObjlnk,
        &hex("C3 00 000102"),
        K::TlvValueLength.of(F::ObjectLink),
        2,
    );
    check(
        "string not UTF-8",
        P::TlvStr,
        &hex("C2 00 C3 28"),
        K::InvalidUtf8,
        2,
    );
    check(
        "string not UTF-8 after ASCII",
        P::TlvStr,
        &hex("C3 00 41 C3 28"),
        K::InvalidUtf8,
        3,
    );
}

#[test]
fn typed_views() {
    let e = check(
        "duplicate resource",
        P::Security,
        &hex("08 00 06 C1 02 03 C1 02 03"),
        K::DuplicateResource,
        6,
    );
    assert_eq!(
        (e.structure(), e.index()),
        (Structure::SecurityInstance, Some(0))
    );
    check(
        "security mode 7",
        P::Security,
        &hex("08 00 03 C1 02 07"),
        K::IntegerOutOfRange.of(F::SecurityMode),
        3,
    );
    check(
        "short server id 0",
        P::Security,
        &hex("08 00 03 C1 0A 00"),
        K::IntegerOutOfRange.of(F::ShortServerId),
        3,
    );
    check(
        "URI as multiple resource",
        P::Security,
        &hex("08 00 02 80 00"),
        K::WrongResourceType,
        3,
    );
    check(
        "not an object instance",
        P::Security,
        &hex("C1 00 01"),
        K::TlvNesting.of(F::Resource),
        0,
    );
    let e = check(
        "lifetime 3 bytes",
        P::Server,
        &hex("08 00 05 C3 01 00003C"),
        K::TlvValueLength.of(F::Integer),
        5,
    );
    assert_eq!(
        (e.structure(), e.index()),
        (Structure::ServerInstance, Some(0))
    );
    check(
        "short server id 65535",
        P::Server,
        &hex("08 01 04 C2 00 FFFF"),
        K::IntegerOutOfRange.of(F::ShortServerId),
        3,
    );
    check(
        "binding not UTF-8",
        P::Server,
        &hex("08 00 04 C2 07 C3 28"),
        K::InvalidUtf8,
        5,
    );
}

/// The count this suite promises (issue: at least 60 malformed inputs).
#[test]
fn suite_size() {
    let src = include_str!("malformed.rs");
    let n = src.matches("\n    check(").count() + src.matches("let e = check(").count();
    assert!(n >= 60, "only {n} malformed cases");
}

#[test]
fn oid_content_edges() {
    use scboot::ber::Oid;
    let err = |c: &[u8]| {
        let e = Oid::from_content(c).unwrap_err();
        (e.kind(), e.offset())
    };
    // Two high octets in a row cancel under XOR: the one-octet fast path
    // must still send this to the full check, which finds the cut arc.
    assert_eq!(err(&[0x86, 0x86]), (K::TruncatedOid, 2));
    assert_eq!(err(&[0x2B, 0x81, 0x81]), (K::TruncatedOid, 3));
    // An arc of exactly 2^32 - 1 is fine; one more overflows at its last octet.
    let max = [0x2B, 0x8F, 0xFF, 0xFF, 0xFF, 0x7F];
    let arcs: Vec<u32> = Oid::from_content(&max).unwrap().arcs().collect();
    assert_eq!(arcs, [1, 3, u32::MAX]);
    assert_eq!(
        err(&[0x2B, 0x90, 0x80, 0x80, 0x80, 0x00]),
        (K::OidArcOverflow, 5)
    );
    assert_eq!(err(&[]), (K::EmptyOid, 0));
    assert_eq!(err(&[0x2B, 0x80, 0x01]), (K::NonMinimalOidArc, 1));
}

/// The typed value readers take primitive encodings only (DER 10.2): a
/// constructed element with the same number is refused at its tag.
#[test]
fn value_readers_refuse_constructed_encodings() {
    use scboot::ber::Element;
    // [0] constructed holding one byte, at offset 0; header 2 bytes.
    let c = [0xA0, 0x03, 0x02, 0x01, 0x05];
    let (e, rest) = Element::parse(&c).unwrap();
    assert!(rest.is_empty());
    assert_eq!(
        (e.header_len(), e.value_offset(), e.encoded_len()),
        (2, 2, 5)
    );
    let want = |expected| (K::UnexpectedTag, Some(expected), 0);
    let got = |r: scboot::Error| (r.kind(), r.field(), r.offset());
    assert_eq!(got(e.integer().unwrap_err()), want(F::PrimitiveInteger));
    assert_eq!(
        got(e.bit_string().unwrap_err()),
        want(F::PrimitiveBitString)
    );
    assert_eq!(got(e.utf8().unwrap_err()), want(F::PrimitiveString));
    assert_eq!(got(e.oid().unwrap_err()), want(F::PrimitiveOid));
    // The same value primitive reads fine.
    let (p, _) = Element::parse(&[0x80, 0x01, 0x05]).unwrap();
    assert_eq!(p.integer(), Ok(5));
    // Long-form lengths count in the header.
    let mut long = vec![0x04, 0x82, 0x01, 0x00];
    long.resize(4 + 256, 0x11);
    let (e, _) = Element::parse(&long).unwrap();
    assert_eq!(
        (e.header_len(), e.value().len(), e.encoded_len()),
        (4, 256, 260)
    );
    let mut hi = vec![0x9F, 0x81, 0x00, 0x81, 0x80];
    hi.resize(5 + 128, 0);
    let (e, _) = Element::parse(&hi).unwrap();
    assert_eq!((e.header_len(), e.value_offset()), (5, 5));
}

/// Discretionary data and unknown constructed elements of an EF.DIR
/// template are walked to depth 14 (MAX_DEPTH - 2, the template and the
/// file take the other two): 13 nested levels parse, 14 do not.
#[test]
fn ef_dir_nested_data_depth_bound() {
    let aid = hex("4F 0C A000000063504B43532D3135");
    for outer in [0x73u8, 0xA5] {
        for (levels, ok) in [(13, true), (14, false)] {
            let inner = common::nested_a0(levels);
            let mut t = aid.clone();
            t.extend([outer, inner.len() as u8]);
            t.extend(&inner);
            let mut file = vec![0x61, t.len() as u8];
            file.extend(t);
            if ok {
                let dir = EfDir::parse(&file).unwrap();
                assert_eq!(dir.len(), 1, "{outer:02X} {levels}");
            } else {
                // The 14th A0 (k = 13) is at 2 + 14 + 2 + 2 * 13 = 44.
                check("EF.DIR data too deep", P::Dir, &file, K::DepthExceeded, 44);
            }
        }
    }
}

/// An ODF entry's objects given directly (`[0]`) are walked to depth 14
/// (MAX_DEPTH - 2, the entry's class tag and the `[0]` take the other
/// two): 13 nested levels parse, 14 do not.
#[test]
fn odf_direct_objects_depth_bound() {
    for (levels, ok) in [(13, true), (14, false)] {
        let inner = common::nested_a0(levels);
        let mut objects = vec![0xA0, inner.len() as u8];
        objects.extend(&inner);
        let mut file = vec![0xA7, objects.len() as u8];
        file.extend(&objects);
        if ok {
            let odf = Odf::parse(&file).unwrap();
            let e = odf.entries().next().unwrap();
            assert!(
                matches!(e.location, scboot::odf::OdfLocation::Direct(d) if d == inner.as_slice())
            );
        } else {
            // The 14th A0 (k = 13) is at 4 + 2 * 13 = 30.
            check(
                "ODF direct objects too deep",
                P::Odf,
                &file,
                K::DepthExceeded,
                30,
            );
        }
    }
}

#[test]
fn oid_high_octet_alone() {
    use scboot::ber::Oid;
    let err = |c: &[u8]| {
        let e = Oid::from_content(c).unwrap_err();
        (e.kind(), e.offset())
    };
    // 0x80 is the smallest octet with the continuation bit: never the
    // one-octet fast path.
    assert_eq!(err(&[0x80]), (K::NonMinimalOidArc, 0));
    assert_eq!(err(&[0x2B, 0x80, 0x7F]), (K::NonMinimalOidArc, 1));
    assert_eq!(err(&[0x2B, 0x81]), (K::TruncatedOid, 2));
    assert!(Oid::from_content(&[0x2B, 0x7F]).is_ok());
}
