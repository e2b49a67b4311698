//! Unit tests of the key directories.

use super::*;
use crate::ber::Encode;
use crate::dodf::ObjectFlags;
use crate::error::{EncodeError, Error, ErrorKind, Field};
use crate::path::Path;
use std::vec;
use std::vec::Vec;

/// The PrKDF entry of the crate docs: EC, label "sig", private, authId 01,
/// ID 01, usage sign, access sensitive|alwaysSensitive|neverExtractable|local,
/// key reference 1, an empty path, OpenSC's fieldSize 256.
const PRKDF_EC: [u8; 44] = [
    0xA0, 0x2A, 0x30, 0x0C, 0x0C, 0x03, b's', b'i', b'g', 0x03, 0x02, 0x07, 0x80, 0x04, 0x01, 0x01,
    0x30, 0x0E, 0x04, 0x01, 0x01, 0x03, 0x02, 0x05, 0x20, 0x03, 0x02, 0x03, 0xB8, 0x02, 0x01, 0x01,
    0xA1, 0x0A, 0x30, 0x08, 0x30, 0x02, 0x04, 0x00, 0x02, 0x02, 0x01, 0x00,
];

/// A PuKDF entry: EC, label "sig", ID 01, usage verify, value a path to EF 5100.
const PUKDF_EC: [u8; 28] = [
    0xA0, 0x1A, 0x30, 0x05, 0x0C, 0x03, b's', b'i', b'g', 0x30, 0x07, 0x04, 0x01, 0x01, 0x03, 0x02,
    0x01, 0x02, 0xA1, 0x08, 0x30, 0x06, 0x30, 0x04, 0x04, 0x02, 0x51, 0x00,
];

fn encode(k: &KeyObject<'_>) -> Vec<u8> {
    let mut out = vec![0u8; k.encoded_len()];
    assert_eq!(k.encode(&mut out).unwrap(), out.len());
    out
}

#[test]
fn opensc_shaped_ec_private_key() {
    let d = KeyDirectory::parse(&PRKDF_EC, KeyClass::Private).unwrap();
    assert_eq!(d.len(), 1);
    let k = d.entries().next().unwrap();
    assert_eq!(k.key_type, KeyType::Ec);
    assert_eq!(k.common.label, Some("sig"));
    assert_eq!(k.common.flags, Some(ObjectFlags::PRIVATE));
    assert_eq!(k.common.auth_id, Some(&[0x01][..]));
    assert!(k.needs_pin());
    assert_eq!(k.key.id, &[0x01]);
    assert_eq!(k.key.usage, KeyUsage::SIGN);
    assert_eq!(k.key.access, Some(KeyAccess(0b11101)));
    assert_eq!(k.key.key_reference, Some(1));
    assert_eq!(k.path().map(|p| p.path), Some(&[][..]));
    assert_eq!(k.field_size, Some(256));
    // Re-encoded byte for byte.
    assert_eq!(encode(&k), PRKDF_EC);
}

/// A key named by a path with index and length: the path is decoded, not
/// taken for the reference-only form (`30 02 04 00`), and round-trips.
#[test]
fn a_path_with_index_and_length_is_decoded() {
    let mut b = vec![0xA0, 0x20];
    b.extend_from_slice(&PUKDF_EC[2..18]);
    b.extend_from_slice(&[
        0xA1, 0x0E, 0x30, 0x0C, 0x30, 0x0A, 0x04, 0x02, 0x51, 0x00, 0x02, 0x01, 0x10, 0x80, 0x01,
        0x41,
    ]);
    let d = KeyDirectory::parse(&b, KeyClass::Public).unwrap();
    let k = d.find_label("sig").unwrap();
    let p = k.path().unwrap();
    assert_eq!(p.path, &[0x51, 0x00]);
    assert_eq!(
        p.index_length,
        Some(crate::path::IndexLength {
            index: 0x10,
            length: 0x41
        })
    );
    assert_eq!(encode(&k), b);
}

#[test]
fn ec_public_key_by_path() {
    let d = KeyDirectory::parse(&PUKDF_EC, KeyClass::Public).unwrap();
    assert!(!d.is_empty());
    let k = d.find_label("sig").unwrap();
    assert_eq!(k.key_type, KeyType::Ec);
    assert_eq!(k.key.usage, KeyUsage::VERIFY);
    assert_eq!(k.path().unwrap().path, &[0x51, 0x00]);
    assert!(!k.needs_pin());
    assert_eq!(d.find_id(&[0x01]), Some(k));
    assert_eq!(d.find_label("other"), None);
    assert_eq!(encode(&k), PUKDF_EC);
}

#[test]
fn every_type_round_trips() {
    let path = [0x3F, 0x00, 0x50, 0x15, 0x44, 0x01];
    let common = CommonObjectAttributes {
        label: Some("operator-mac"),
        flags: Some(ObjectFlags::PRIVATE),
        auth_id: Some(&[0x01]),
        ..CommonObjectAttributes::default()
    };
    let mut secret = KeyObject::new(
        KeyClass::Secret,
        KeyType::GenericSecret,
        common,
        CommonKeyAttributes {
            key_reference: Some(0x81),
            native: Some(true),
            access: Some(KeyAccess::SENSITIVE),
            ..CommonKeyAttributes::new(&[0x02], KeyUsage::SIGN.union(KeyUsage::VERIFY))
        },
        ObjectValue::Path(Path::new(&path)),
    );
    secret.key_len = Some(128);
    let bytes = encode(&secret);
    let back = KeyDirectory::parse(&bytes, KeyClass::Secret).unwrap();
    let k = back.entries().next().unwrap();
    assert_eq!(k.key_len, Some(128));
    assert_eq!(
        (k.common, k.key, k.value),
        (secret.common, secret.key, secret.value)
    );
    // A public key given directly (an uncompressed point in an OCTET STRING).
    let point = [0x04, 0x04, 1, 2, 3, 4];
    let public = KeyObject::new(
        KeyClass::Public,
        KeyType::Ec,
        CommonObjectAttributes::default(),
        CommonKeyAttributes::new(&[0x01], KeyUsage::VERIFY),
        ObjectValue::Direct(&point),
    );
    let bytes = encode(&public);
    let k = KeyDirectory::parse(&bytes, KeyClass::Public)
        .unwrap()
        .entries()
        .next()
        .unwrap();
    assert_eq!(k.value, Some(ObjectValue::Direct(&point)));
    // An RSA key and a DES key: their attributes kept as bytes.
    let mut rsa = PRKDF_EC;
    rsa[0] = 0x30;
    let d = KeyDirectory::parse(&rsa, KeyClass::Private).unwrap();
    assert_eq!(d.entries().next().unwrap().key_type, KeyType::Rsa);
    let mut des = PRKDF_EC;
    des[0] = 0xA2;
    let d = KeyDirectory::parse(&des, KeyClass::Secret).unwrap();
    let k = d.entries().next().unwrap();
    assert_eq!((k.key_type, k.value), (KeyType::Other(2), None));
    assert_eq!(encode(&k), des);
}

#[test]
fn padding_ends_the_directory_and_unknown_alternatives_are_skipped() {
    let mut bytes = PRKDF_EC.to_vec();
    bytes.extend([0x9F, 0x30, 0x00]); // a primitive high-tag element: skipped
    bytes.extend(PRKDF_EC);
    bytes.extend([0xFF; 8]);
    let d = KeyDirectory::parse(&bytes, KeyClass::Private).unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d.entries().count(), 2);
}

fn err(bytes: &[u8], class: KeyClass) -> Error {
    KeyDirectory::parse(bytes, class).unwrap_err()
}

#[test]
fn hostile_entries_say_where_and_why() {
    // No usage after the ID.
    let mut b = PUKDF_EC.to_vec();
    b[10] = 0x03; // CommonKeyAttributes: 30 03 04 01 01, then the rest moves inside
    let e = err(&b, KeyClass::Public);
    assert_eq!(e.structure(), Structure::KeyEntry);
    assert_eq!(e.index(), Some(0));
    assert_eq!(e.offset(), 14);
    assert_eq!(
        (e.kind(), e.field()),
        (ErrorKind::MissingField, Some(Field::KeyUsage))
    );

    // A key reference beyond 65535 (01 00 00).
    let b = [
        0xA0, 0x1A, 0x30, 0x00, 0x30, 0x0C, 0x04, 0x01, 0x01, 0x03, 0x02, 0x05, 0x20, 0x02, 0x03,
        0x01, 0x00, 0x00, 0xA1, 0x08, 0x30, 0x06, 0x30, 0x04, 0x04, 0x02, 0x44, 0x01,
    ];
    let e = err(&b, KeyClass::Private);
    assert_eq!(
        (e.kind(), e.field()),
        (ErrorKind::IntegerOutOfRange, Some(Field::KeyReference))
    );
    assert_eq!(e.offset(), 13);

    // A BOOLEAN of two octets.
    let b = [
        0xA0, 0x19, 0x30, 0x00, 0x30, 0x0B, 0x04, 0x01, 0x01, 0x03, 0x02, 0x05, 0x20, 0x01, 0x02,
        0x00, 0x00, 0xA1, 0x08, 0x30, 0x06, 0x30, 0x04, 0x04, 0x02, 0x44, 0x01,
    ];
    let e = err(&b, KeyClass::Private);
    assert_eq!(
        (e.kind(), e.field()),
        (ErrorKind::TooLong, Some(Field::Native)),
        "{e}"
    );
    assert_eq!(e.offset(), 13);

    // An entry cut short.
    let e = err(&PRKDF_EC[..30], KeyClass::Private);
    assert!(matches!(e.kind(), ErrorKind::LengthExceedsParent), "{e}");
    assert_eq!(e.offset(), 1);

    // Type attributes that are not a SEQUENCE.
    let mut b = PUKDF_EC;
    b[20] = 0x31;
    let e = err(&b, KeyClass::Public);
    assert!(matches!(e.kind(), ErrorKind::UnexpectedTag), "{e}");
    assert_eq!(e.offset(), 20);
}

#[test]
fn encoder_refuses_what_does_not_fit() {
    let k = KeyObject::new(
        KeyClass::Secret,
        KeyType::Ec, // no EC alternative in the SKDF
        CommonObjectAttributes::default(),
        CommonKeyAttributes::new(&[1], KeyUsage::SIGN),
        ObjectValue::Path(Path::new(&[0x44, 0x01])),
    );
    let mut out = [0u8; 64];
    assert!(matches!(
        k.encode(&mut out),
        Err(EncodeError::InvalidValue(_))
    ));
    let mut k = k;
    k.class = KeyClass::Private;
    k.field_size = Some(70000);
    assert!(matches!(
        k.encode(&mut out),
        Err(EncodeError::InvalidValue(_))
    ));
}
