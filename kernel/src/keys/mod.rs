//! PKCS#15 key directories: PrKDF (private keys), PuKDF (public keys) and
//! SKDF (secret keys), as far as a device needs them to find a card key by
//! its label and use it (OMA DM-SC-GEN-9: the card verifies and signs).
//!
//! ```text
//! PrivateKeyType ::= CHOICE { privateRSAKey PrivateKeyObject {...},   -- 30
//!                             privateECKey [0] PrivateKeyObject {...}, ... }   -- A0
//! PublicKeyType  ::= CHOICE { publicRSAKey ..., publicECKey [0] ..., ... }
//! SecretKeyType  ::= CHOICE { genericSecretKey SecretKeyObject {...}, -- 30
//!                             rc2key [0] ..., ..., otherKey [14] ... }
//! PKCS15Object ::= SEQUENCE { commonObjectAttributes, classAttributes
//!     (CommonKeyAttributes), subClassAttributes [0] OPTIONAL,
//!     typeAttributes [1] }
//! CommonKeyAttributes ::= SEQUENCE { iD Identifier, usage KeyUsageFlags,
//!     native BOOLEAN DEFAULT TRUE, accessFlags KeyAccessFlags OPTIONAL,
//!     keyReference Reference OPTIONAL, ... }
//! PrivateECKeyAttributes ::= SEQUENCE { value ObjectValue, ... }
//! PublicECKeyAttributes  ::= SEQUENCE { value ObjectValue, ... }
//! GenericSecretKeyAttributes ::= SEQUENCE { value ObjectValue, ... }
//! ```
//!
//! OpenSC writes an INTEGER `fieldSize` (bits) after an EC private key's
//! value and needs it to sign; it is read here when present. The subclass
//! attributes of a secret key carry `keyLen` (bits). Other alternatives
//! (RSA, DH, DES, ...) are validated and reported by [`KeyType`], their
//! type attributes kept as bytes.
//!
//! ```
//! use scboot::keys::{KeyClass, KeyDirectory, KeyType, KeyUsage};
//! // An EC private key "sig" with ID 01, usage sign, key reference 1, in a
//! // PrKDF as OpenSC writes one (fieldSize 256).
//! let prkdf = [
//!     0xA0, 0x2A, 0x30, 0x0C, 0x0C, 0x03, b's', b'i', b'g', 0x03, 0x02, 0x07, 0x80, 0x04,
//!     0x01, 0x01, 0x30, 0x0E, 0x04, 0x01, 0x01, 0x03, 0x02, 0x05, 0x20, 0x03, 0x02, 0x03,
//!     0xB8, 0x02, 0x01, 0x01, 0xA1, 0x0A, 0x30, 0x08, 0x30, 0x02, 0x04, 0x00, 0x02, 0x02,
//!     0x01, 0x00,
//! ];
//! let dir = KeyDirectory::parse(&prkdf, KeyClass::Private)?;
//! let key = dir.find_label("sig").expect("the key");
//! assert_eq!(key.key_type, KeyType::Ec);
//! assert_eq!(key.key.id, &[0x01]);
//! assert!(key.key.usage.contains(KeyUsage::SIGN));
//! assert_eq!(key.key.key_reference, Some(1));
//! assert_eq!(key.field_size, Some(256));
//! assert!(key.common.flags.is_some_and(|f| f.private()));
//! # Ok::<(), scboot::Error>(())
//! ```

use crate::ber::{self, Components, Element, Tag, MAX_DEPTH};
use crate::dodf::{
    common_object_attributes_of, object_value_of, CommonObjectAttributes, ObjectValue,
    MAX_IDENTIFIER_LEN,
};
use crate::error::{Field, Result, Structure};
use crate::odf::ObjectClass;
use crate::span::Span;

const TAG_SUBCLASS: Tag = Tag::context(0, true);
const TAG_TYPE_ATTRS: Tag = Tag::context(1, true);
const TAG_EC: Tag = Tag::context(0, true);

/// The largest key reference, field size or key length accepted.
pub const MAX_KEY_NUMBER: u32 = 0xFFFF;

/// Which directory: private, public or secret keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyClass {
    /// PrKDF (ODF `[0]` privateKeys).
    Private,
    /// PuKDF (ODF `[1]` publicKeys).
    Public,
    /// SKDF (ODF `[3]` secretKeys).
    Secret,
}

impl KeyClass {
    /// The ODF class that names this directory.
    pub const fn odf_class(self) -> ObjectClass {
        match self {
            KeyClass::Private => ObjectClass::PrivateKeys,
            KeyClass::Public => ObjectClass::PublicKeys,
            KeyClass::Secret => ObjectClass::SecretKeys,
        }
    }

    /// The directory's name.
    pub const fn name(self) -> &'static str {
        match self {
            KeyClass::Private => "PrKDF",
            KeyClass::Public => "PuKDF",
            KeyClass::Secret => "SKDF",
        }
    }
}

/// The key type: which alternative of the directory's CHOICE.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// RSA (untagged `30` in PrKDF and PuKDF).
    Rsa,
    /// Elliptic curve (`[0]`, `A0`, in PrKDF and PuKDF).
    Ec,
    /// A generic secret key (untagged `30` in the SKDF): an AES key here.
    GenericSecret,
    /// Another alternative, by its context tag number (DH, DSA, DES, ...).
    Other(u32),
}

impl KeyType {
    fn from_tag(class: KeyClass, tag: Tag) -> Option<KeyType> {
        let n = tag.number();
        match (class, tag.class(), tag.is_constructed()) {
            (_, ber::TagClass::Universal, true) if tag == Tag::SEQUENCE => Some(match class {
                KeyClass::Secret => KeyType::GenericSecret,
                _ => KeyType::Rsa,
            }),
            (KeyClass::Private | KeyClass::Public, ber::TagClass::ContextSpecific, true)
                if n == 0 =>
            {
                Some(KeyType::Ec)
            }
            (_, ber::TagClass::ContextSpecific, true) if n <= 30 => Some(KeyType::Other(n)),
            _ => None,
        }
    }

    fn tag(self) -> Tag {
        match self {
            KeyType::Rsa | KeyType::GenericSecret => Tag::SEQUENCE,
            KeyType::Ec => TAG_EC,
            KeyType::Other(n) => Tag::context(n, true),
        }
    }
}

/// `KeyUsageFlags` (bit 0 = encrypt ... bit 9 = nonRepudiation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeyUsage(pub u32);

impl KeyUsage {
    /// `encrypt(0)`.
    pub const ENCRYPT: KeyUsage = KeyUsage(1 << 0);
    /// `decrypt(1)`.
    pub const DECRYPT: KeyUsage = KeyUsage(1 << 1);
    /// `sign(2)`.
    pub const SIGN: KeyUsage = KeyUsage(1 << 2);
    /// `signRecover(3)`.
    pub const SIGN_RECOVER: KeyUsage = KeyUsage(1 << 3);
    /// `wrap(4)`.
    pub const WRAP: KeyUsage = KeyUsage(1 << 4);
    /// `unwrap(5)`.
    pub const UNWRAP: KeyUsage = KeyUsage(1 << 5);
    /// `verify(6)`.
    pub const VERIFY: KeyUsage = KeyUsage(1 << 6);
    /// `verifyRecover(7)`.
    pub const VERIFY_RECOVER: KeyUsage = KeyUsage(1 << 7);
    /// `derive(8)`.
    pub const DERIVE: KeyUsage = KeyUsage(1 << 8);
    /// `nonRepudiation(9)`.
    pub const NON_REPUDIATION: KeyUsage = KeyUsage(1 << 9);

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: KeyUsage) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets of bits.
    #[must_use]
    pub const fn union(self, other: KeyUsage) -> KeyUsage {
        KeyUsage(self.0 | other.0)
    }
}

/// `KeyAccessFlags` (bit 0 = sensitive ... bit 4 = local).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeyAccess(pub u32);

impl KeyAccess {
    /// `sensitive(0)`.
    pub const SENSITIVE: KeyAccess = KeyAccess(1 << 0);
    /// `extractable(1)`.
    pub const EXTRACTABLE: KeyAccess = KeyAccess(1 << 1);
    /// `alwaysSensitive(2)`.
    pub const ALWAYS_SENSITIVE: KeyAccess = KeyAccess(1 << 2);
    /// `neverExtractable(3)`.
    pub const NEVER_EXTRACTABLE: KeyAccess = KeyAccess(1 << 3);
    /// `local(4)`.
    pub const LOCAL: KeyAccess = KeyAccess(1 << 4);
}

/// `CommonKeyAttributes`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CommonKeyAttributes<'a> {
    /// `iD`: links the private, public and certificate objects of one key.
    pub id: &'a [u8],
    /// `usage`.
    pub usage: KeyUsage,
    /// `native` (DEFAULT TRUE: `None` when absent).
    pub native: Option<bool>,
    /// `accessFlags`.
    pub access: Option<KeyAccess>,
    /// `keyReference`: the key's number on the card (for MANAGE SECURITY ENVIRONMENT).
    pub key_reference: Option<u32>,
}

impl<'a> CommonKeyAttributes<'a> {
    /// Attributes with this ID and usage, nothing else.
    pub const fn new(id: &'a [u8], usage: KeyUsage) -> Self {
        CommonKeyAttributes {
            id,
            usage,
            native: None,
            access: None,
            key_reference: None,
        }
    }
}

/// One entry of a key directory.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyObject<'a> {
    /// Which directory it is from.
    pub class: KeyClass,
    /// Which alternative of the directory's CHOICE.
    pub key_type: KeyType,
    /// Label, flags (private), authId (the PIN that guards it).
    pub common: CommonObjectAttributes<'a>,
    /// ID, usage, access flags, key reference.
    pub key: CommonKeyAttributes<'a>,
    /// `subClassAttributes [0]`, as bytes (validated BER).
    pub sub_class: Option<&'a [u8]>,
    /// The key's value: a path on the card (to the key file; for a public
    /// key, an EF holding it) or a direct value. `None` for an alternative
    /// this parser does not read (see [`KeyObject::type_attributes`]).
    pub value: Option<ObjectValue<'a>>,
    /// EC private keys: OpenSC's `fieldSize` (bits), when present.
    pub field_size: Option<u32>,
    /// Secret keys: `keyLen` (bits) from the subclass attributes, when present.
    pub key_len: Option<u32>,
    /// The content of `typeAttributes [1]`, as bytes (validated BER).
    pub type_attributes: &'a [u8],
}

impl<'a> KeyObject<'a> {
    /// A key object with these attributes and value, no subclass, no extras.
    pub const fn new(
        class: KeyClass,
        key_type: KeyType,
        common: CommonObjectAttributes<'a>,
        key: CommonKeyAttributes<'a>,
        value: ObjectValue<'a>,
    ) -> Self {
        KeyObject {
            class,
            key_type,
            common,
            key,
            sub_class: None,
            value: Some(value),
            field_size: None,
            key_len: None,
            type_attributes: &[],
        }
    }

    /// The path of the key's file on the card, when its value is a path.
    pub fn path(&self) -> Option<crate::path::Path<'a>> {
        match self.value {
            Some(ObjectValue::Path(p)) => Some(p),
            _ => None,
        }
    }

    /// Whether using or reading the key needs a PIN (private flag or authId).
    pub fn needs_pin(&self) -> bool {
        self.common.flags.is_some_and(|f| f.private()) || self.common.auth_id.is_some()
    }

    fn from_element(e: &Element<'a>, class: KeyClass, key_type: KeyType) -> Result<Self> {
        let mut parts = Components::of(e);
        let c = parts.required(Tag::SEQUENCE, Field::CommonObjectAttributes)?;
        let common = common_object_attributes_of(&c)?;
        let k = parts.required(Tag::SEQUENCE, Field::CommonKeyAttributes)?;
        let key = common_key_attributes(&k)?;
        let sub_class = parts.optional(TAG_SUBCLASS)?;
        let t = parts.required(TAG_TYPE_ATTRS, Field::TypeAttributes)?;
        parts.end()?;
        ber::validate_span(t.span(), MAX_DEPTH - 2)?;
        let key_len = match sub_class {
            Some(s) => {
                ber::validate_span(s.span(), MAX_DEPTH - 2)?;
                if class == KeyClass::Secret {
                    secret_key_len(&s)?
                } else {
                    None
                }
            }
            None => None,
        };
        let (value, field_size) = match key_type {
            KeyType::Ec | KeyType::Rsa | KeyType::GenericSecret => {
                let mut parts = Components::of(&t);
                let a = parts.required(Tag::SEQUENCE, Field::KeyAttributes)?;
                let ec_private = class == KeyClass::Private && key_type == KeyType::Ec;
                let (v, f) = key_value_attributes(&a, ec_private)?;
                parts.end()?;
                (Some(v), f)
            }
            KeyType::Other(_) => (None, None),
        };
        Ok(KeyObject {
            class,
            key_type,
            common,
            key,
            sub_class: sub_class.map(|s| s.value()),
            value,
            field_size,
            key_len,
            type_attributes: t.value(),
        })
    }
}

/// `CommonKeyAttributes ::= SEQUENCE { iD, usage, native DEFAULT TRUE,
/// accessFlags OPTIONAL, keyReference OPTIONAL, ... }`, the value of `e`.
fn common_key_attributes<'a>(e: &Element<'a>) -> Result<CommonKeyAttributes<'a>> {
    let mut parts = Components::of(e);
    let i = parts.required(Tag::OCTET_STRING, Field::KeyId)?;
    i.check_max_of(Field::KeyId, MAX_IDENTIFIER_LEN)?;
    let u = parts.required(Tag::BIT_STRING, Field::KeyUsage)?;
    let mut key = CommonKeyAttributes::new(i.value(), KeyUsage(u.bit_string()?.flags(32)));
    if let Some(b) = parts.optional(Tag::BOOLEAN)? {
        key.native = Some(boolean(&b)?);
    }
    if let Some(a) = parts.optional(Tag::BIT_STRING)? {
        key.access = Some(KeyAccess(a.bit_string()?.flags(32)));
    }
    if let Some(r) = parts.optional(Tag::INTEGER)? {
        key.key_reference = Some(r.unsigned_of(Field::KeyReference, MAX_KEY_NUMBER)?);
    }
    parts.extensions()?;
    Ok(key)
}

/// `BOOLEAN`: one octet, `00` false, anything else true (BER).
fn boolean(b: &Element<'_>) -> Result<bool> {
    b.check_min_of(Field::Native, 1)?;
    b.check_max_of(Field::Native, 1)?;
    Ok(b.value().first().is_some_and(|v| *v != 0))
}

/// `value ObjectValue` first, then (EC private keys, OpenSC) `fieldSize
/// INTEGER OPTIONAL`, then anything: the key attributes SEQUENCE `a`.
fn key_value_attributes<'a>(
    a: &Element<'a>,
    ec_private: bool,
) -> Result<(ObjectValue<'a>, Option<u32>)> {
    let mut parts = Components::of(a);
    let v = parts.present(Field::ObjectValue)?;
    // A key on the card is often named by its key reference alone, with
    // an empty path (`30 02 04 00`, as OpenSC writes it).
    let value = if v.tag() == Tag::SEQUENCE && v.value() == [0x04, 0x00] {
        ObjectValue::Path(crate::path::Path::new(&v.value()[2..]))
    } else {
        object_value_of(&v, false)?
    };
    let field_size = match ec_private {
        true => parts
            .optional(Tag::INTEGER)?
            .map(|f| f.unsigned_of(Field::FieldSize, MAX_KEY_NUMBER))
            .transpose()?,
        false => None,
    };
    parts.extensions()?;
    Ok((value, field_size))
}

/// `[0] { CommonSecretKeyAttributes ::= SEQUENCE { keyLen INTEGER OPTIONAL, ... } }`
fn secret_key_len(s: &Element<'_>) -> Result<Option<u32>> {
    let mut outer = Components::of(s);
    let a = outer.required(Tag::SEQUENCE, Field::CommonSecretKeyAttributes)?;
    let mut parts = Components::of(&a);
    let key_len = parts
        .optional(Tag::INTEGER)?
        .map(|k| k.unsigned_of(Field::KeyLen, MAX_KEY_NUMBER))
        .transpose()?;
    parts.extensions()?;
    outer.extensions()?;
    Ok(key_len)
}

mod encode;

// ------------------------------------------------------------------ the file

fn next_entry(
    mut span: Span<'_>,
    class: KeyClass,
    index: usize,
) -> Result<Option<(KeyObject<'_>, Span<'_>)>> {
    loop {
        span = ber::skip_padding(span);
        if span.is_empty() {
            return Ok(None);
        }
        let at = |e: crate::Error| e.within(Structure::KeyEntry, Some(index));
        let (e, rest) = ber::next_element(span).map_err(at)?;
        if let Some(t) = KeyType::from_tag(class, e.tag()) {
            let o = KeyObject::from_element(&e, class, t).map_err(at)?;
            return Ok(Some((o, rest)));
        }
        // Not a key type alternative (a future extension): check and skip.
        if e.tag().is_constructed() {
            ber::validate_span(e.span(), MAX_DEPTH - 1).map_err(at)?;
        }
        span = rest;
    }
}

/// A validated key directory (PrKDF, PuKDF or SKDF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyDirectory<'a> {
    bytes: &'a [u8],
    class: KeyClass,
    count: usize,
}

impl<'a> KeyDirectory<'a> {
    /// Validate every entry of a key directory of `class`. Trailing `00` or
    /// `FF` padding ends it.
    pub fn parse(bytes: &'a [u8], class: KeyClass) -> Result<KeyDirectory<'a>> {
        let mut span = Span::new(bytes);
        let mut count = 0;
        while let Some((_, rest)) = next_entry(span, class, count)? {
            span = rest;
            count += 1;
        }
        Ok(KeyDirectory {
            bytes,
            class,
            count,
        })
    }

    /// Which directory.
    pub const fn class(&self) -> KeyClass {
        self.class
    }

    /// The number of key entries.
    pub const fn len(&self) -> usize {
        self.count
    }

    /// Whether it has no key entry.
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The entries, in order.
    pub fn entries(&self) -> KeyEntries<'a> {
        KeyEntries {
            span: Span::new(self.bytes),
            class: self.class,
        }
    }

    /// The first entry with this label.
    pub fn find_label(&self, label: &str) -> Option<KeyObject<'a>> {
        self.entries().find(|k| k.common.label == Some(label))
    }

    /// The first entry with this ID.
    pub fn find_id(&self, id: &[u8]) -> Option<KeyObject<'a>> {
        self.entries().find(|k| k.key.id == id)
    }
}

/// The entries of a validated key directory.
#[derive(Debug, Clone)]
pub struct KeyEntries<'a> {
    span: Span<'a>,
    class: KeyClass,
}

impl<'a> Iterator for KeyEntries<'a> {
    type Item = KeyObject<'a>;

    fn next(&mut self) -> Option<KeyObject<'a>> {
        // Validated by KeyDirectory::parse: no error can come back here,
        // so no entry index is kept to name one (0 stands in).
        let (o, rest) = next_entry(self.span, self.class, 0).ok()??;
        self.span = rest;
        Some(o)
    }
}

// ------------------------------------------------------------ public keys

/// `id-ecPublicKey` (1.2.840.10045.2.1), content octets.
const ID_EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// `prime256v1` / `secp256r1` (1.2.840.10045.3.1.7), content octets.
const PRIME256V1: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];

/// The SEC1 uncompressed point (`04 ‖ X ‖ Y`, 65 bytes) of a P-256 public
/// key as cards hold it: a SubjectPublicKeyInfo (id-ecPublicKey,
/// prime256v1; what OpenSC stores, since it keeps the curve), an OCTET
/// STRING or BIT STRING holding the point, or the bare point.
///
/// ```
/// let mut spki = vec![0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02,
///     0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00];
/// let point = [[0x04].as_slice(), &[7; 64]].concat();
/// spki.extend_from_slice(&point);
/// assert_eq!(scboot::keys::ec_point(&spki)?, &point[..]);
/// assert_eq!(scboot::keys::ec_point(&point)?, &point[..]);
/// # Ok::<(), scboot::Error>(())
/// ```
pub fn ec_point(bytes: &[u8]) -> Result<&[u8]> {
    fn bad<T>(what: Field, at: usize) -> Result<T> {
        crate::span::fail_of(crate::error::ErrorKind::UnsupportedKey, what, at)
    }
    let point = |p: &[u8], at: usize| -> Result<()> {
        match p {
            [0x04, rest @ ..] if rest.len() == 64 => Ok(()),
            [0x02 | 0x03, ..] => bad(Field::CompressedPoint, at),
            _ => bad(Field::EcPoint, at),
        }
    };
    if bytes.len() == 65 && bytes[0] == 0x04 {
        return Ok(bytes);
    }
    let (e, rest) = ber::Element::parse(bytes)?;
    if !rest.is_empty() {
        return crate::span::fail(crate::error::ErrorKind::TrailingData, e.encoded_len());
    }
    let v = e.value();
    let at = e.value_offset();
    match e.tag() {
        Tag::OCTET_STRING => point(v, at).map(|()| v),
        Tag::BIT_STRING => match v {
            [0x00, p @ ..] => point(p, at + 1).map(|()| p),
            _ => bad(Field::UnusedBitsInKey, at),
        },
        Tag::SEQUENCE => {
            let mut parts = Components::of(&e);
            let alg = parts.required(Tag::SEQUENCE, Field::AlgorithmIdentifier)?;
            let key = parts.required(Tag::BIT_STRING, Field::SubjectPublicKey)?;
            parts.end()?;
            let mut parts = Components::of(&alg);
            let kind = parts.required(Tag::OID, Field::AlgorithmOid)?;
            let curve = parts.required(Tag::OID, Field::NamedCurve)?;
            parts.end()?;
            if kind.value() != ID_EC_PUBLIC_KEY {
                return bad(Field::KeyAlgorithm, kind.offset());
            }
            if curve.value() != PRIME256V1 {
                return bad(Field::OtherCurve, curve.offset());
            }
            match key.value() {
                [0x00, p @ ..] => point(p, key.value_offset() + 1).map(|()| p),
                _ => bad(Field::UnusedBitsInKey, key.value_offset()),
            }
        }
        _ => bad(Field::KeyEncoding, 0),
    }
}

#[cfg(test)]
mod tests;
