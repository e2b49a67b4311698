//! DODF: the PKCS#15 data object directory, and the finder for the LwM2M
//! bootstrap data object.
//!
//! ```text
//! DataType ::= CHOICE {
//!     opaqueDO    DataObject {Opaque},           -- 30
//!     externalIDO [0] DataObject {ExternalIDO},  -- A0
//!     oidDO       [1] DataObject {OidDO},        -- A1
//!     ... }
//! PKCS15Object ::= SEQUENCE {
//!     commonObjectAttributes CommonObjectAttributes,      -- 30
//!     classAttributes        CommonDataObjectAttributes,  -- 30
//!     subClassAttributes     [0] SubClassAttributes OPTIONAL,
//!     typeAttributes         [1] TypeAttributes }
//! OidDO ::= SEQUENCE { id OBJECT IDENTIFIER, value ObjectValue {...} }
//! ObjectValue ::= CHOICE { indirect ReferencedValue, direct [0] Type, ... }
//! ReferencedValue ::= CHOICE { path Path, url URL }
//! ```
//!
//! `[0]` and `[1]` inside PKCS15Object tag parameters, so they are EXPLICIT
//! although the module says IMPLICIT TAGS (X.680 31.2.7): an oidDO is
//! `A1 { 30 {..} 30 {..} A1 { 30 { 06 OID, <ObjectValue> } } }`.
//!
//! ```
//! use scboot::dodf::{BootstrapRule, Dodf, ObjectValue};
//! // A real card's DODF (nRF Connect SDK test trace).
//! let bytes = [
//!     0xA1, 0x27, 0x30, 0x00, 0x30, 0x11, 0x0C, 0x0F, b'L', b'w', b'M', b'2', b'M', b' ',
//!     b'B', b'o', b'o', b't', b's', b't', b'r', b'a', b'p', 0xA1, 0x10, 0x30, 0x0E, 0x06,
//!     0x06, 0x06, 0x04, 0x67, 0x2B, 0x09, 0x01, 0x30, 0x04, 0x04, 0x02, 0x64, 0x32,
//! ];
//! let dodf = Dodf::parse(&bytes)?;
//! let found = dodf.find_lwm2m_bootstrap();
//! assert_eq!(found.map(|f| f.rule), Some(BootstrapRule::DoubleEncodedOid));
//! assert!(matches!(
//!     found.map(|f| f.object.value),
//!     Some(ObjectValue::Path(p)) if p.path == [0x64, 0x32]
//! ));
//! # Ok::<(), scboot::Error>(())
//! ```

use crate::ber::BerWriter;

use crate::ber::{self, Components, Element, Encode, Oid, Tag, Writer, MAX_DEPTH};
use crate::error::{EncodeError, ErrorKind, Field, Result, Structure};
use crate::path::Path;
use crate::span::Span;

/// `pkcs15-ub-label`: the longest label.
pub const MAX_LABEL_LEN: usize = 255;
/// `pkcs15-ub-identifier`: the longest authId.
pub const MAX_IDENTIFIER_LEN: usize = 255;
/// `pkcs15-ub-userConsent`.
pub const MAX_USER_CONSENT: u32 = 15;
/// The longest URL accepted.
pub const MAX_URL_LEN: usize = 1024;

/// The id content of rule 2: the OID wrapped once more, as printed in the
/// example of LwM2M 1.0.2-1.2 G.3.3 and found on live SIM cards.
pub const DOUBLE_ENCODED_LWM2M_OID: &[u8] = &[0x06, 0x04, 0x67, 0x2B, 0x09, 0x01];

const TAG_EXTERNAL: Tag = Tag::context(0, true);
const TAG_OIDDO: Tag = Tag::context(1, true);
const TAG_SUBCLASS: Tag = Tag::context(0, true);
const TAG_TYPE_ATTRS: Tag = Tag::context(1, true);
const TAG_DIRECT: Tag = Tag::context(0, true);
const TAG_URL_WITH_DIGEST: Tag = Tag::context(3, true);

/// `CommonObjectFlags ::= BIT STRING { private(0), modifiable(1) }` (first 32 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ObjectFlags(pub u32);

impl ObjectFlags {
    /// `private(0)`: reading the object needs authentication (a PIN).
    pub const PRIVATE: ObjectFlags = ObjectFlags(1);
    /// `modifiable(1)`.
    pub const MODIFIABLE: ObjectFlags = ObjectFlags(2);

    /// Whether `private` is set.
    pub const fn private(self) -> bool {
        self.0 & 1 != 0
    }

    /// Whether `modifiable` is set.
    pub const fn modifiable(self) -> bool {
        self.0 & 2 != 0
    }
}

/// `CommonObjectAttributes` (PKCS#15 v1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CommonObjectAttributes<'a> {
    /// `label` (UTF8String, at most 255 bytes).
    pub label: Option<&'a str>,
    /// `flags`.
    pub flags: Option<ObjectFlags>,
    /// `authId`: the authentication object that protects a private object.
    pub auth_id: Option<&'a [u8]>,
    /// `userConsent` (1..=15).
    pub user_consent: Option<u8>,
    /// Content of `accessControlRules` (SEQUENCE OF AccessControlRule), well-formed BER.
    pub access_control_rules: Option<&'a [u8]>,
}

/// `CommonDataObjectAttributes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CommonDataObjectAttributes<'a> {
    /// `applicationName`.
    pub application_name: Option<&'a str>,
    /// `applicationOID`.
    pub application_oid: Option<Oid<'a>>,
}

/// Which `DataType` alternative an entry is.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataObjectKind<'a> {
    /// `opaqueDO` (`30`).
    Opaque,
    /// `externalIDO` (`A0`).
    External,
    /// `oidDO` (`A1`) with its `id`.
    Oid(Oid<'a>),
}

impl DataObjectKind<'_> {
    /// `opaque`, `external` or `oid`.
    pub const fn name(&self) -> &'static str {
        match self {
            DataObjectKind::Opaque => "opaque",
            DataObjectKind::External => "external",
            DataObjectKind::Oid(_) => "oid",
        }
    }

    const fn tag(&self) -> Tag {
        match self {
            DataObjectKind::Opaque => Tag::SEQUENCE,
            DataObjectKind::External => TAG_EXTERNAL,
            DataObjectKind::Oid(_) => TAG_OIDDO,
        }
    }
}

/// `ObjectValue`: where the data is.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectValue<'a> {
    /// `indirect` / `path`: in a file (the usual form).
    Path(Path<'a>),
    /// `indirect` / `url` (PrintableString or IA5String).
    Url(&'a str),
    /// `indirect` / `urlWithDigest [3]`: its content, well-formed BER.
    UrlWithDigest(&'a [u8]),
    /// `direct [0]`: the content of the tag, i.e. one whole encoded
    /// element (for an opaqueDO an OCTET STRING).
    Direct(&'a [u8]),
}

impl ObjectValue<'_> {
    /// The path, for the indirect-path form.
    pub const fn path(&self) -> Option<Path<'_>> {
        match self {
            ObjectValue::Path(p) => Some(*p),
            _ => None,
        }
    }
}

/// One DODF entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataObject<'a> {
    /// The `DataType` alternative (with the oidDO's id).
    pub kind: DataObjectKind<'a>,
    /// `commonObjectAttributes`.
    pub common: CommonObjectAttributes<'a>,
    /// `classAttributes`.
    pub data: CommonDataObjectAttributes<'a>,
    /// Content of `subClassAttributes [0]`, well-formed BER.
    pub sub_class: Option<&'a [u8]>,
    /// The value (in `typeAttributes`).
    pub value: ObjectValue<'a>,
}

/// Which of the three rules of [`Dodf::find_lwm2m_bootstrap`] matched.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BootstrapRule {
    /// oidDO whose id is 2.23.43.9.1.
    RegisteredOid,
    /// oidDO whose id content is `06 04 67 2B 09 01` (the OID wrapped twice).
    DoubleEncodedOid,
    /// opaqueDO whose applicationOID is 2.23.43.9.1.
    OpaqueApplicationOid,
}

impl BootstrapRule {
    /// `registered_oid`, `double_encoded_oid` or `opaque_application_oid`.
    pub const fn name(self) -> &'static str {
        match self {
            BootstrapRule::RegisteredOid => "registered_oid",
            BootstrapRule::DoubleEncodedOid => "double_encoded_oid",
            BootstrapRule::OpaqueApplicationOid => "opaque_application_oid",
        }
    }
}

/// The LwM2M bootstrap entry found in a DODF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapMatch<'a> {
    /// Its index among the DODF's entries.
    pub entry: usize,
    /// The rule that matched.
    pub rule: BootstrapRule,
    /// The entry.
    pub object: DataObject<'a>,
}

impl<'a> DataObject<'a> {
    /// Which bootstrap rule this entry satisfies, if any.
    pub fn bootstrap_rule(&self) -> Option<BootstrapRule> {
        match self.kind {
            DataObjectKind::Oid(id) if id == Oid::LWM2M_BOOTSTRAP => {
                Some(BootstrapRule::RegisteredOid)
            }
            DataObjectKind::Oid(id) if id.as_bytes() == DOUBLE_ENCODED_LWM2M_OID => {
                Some(BootstrapRule::DoubleEncodedOid)
            }
            DataObjectKind::Opaque if self.data.application_oid == Some(Oid::LWM2M_BOOTSTRAP) => {
                Some(BootstrapRule::OpaqueApplicationOid)
            }
            _ => None,
        }
    }

    /// `PKCS15Object ::= SEQUENCE { commonObjectAttributes,
    /// classAttributes, subClassAttributes [0] OPTIONAL, typeAttributes
    /// [1] }` (the `[0]` and `[1]` are EXPLICIT: they tag a parameter,
    /// X.680 31.2.7), the type attributes read by the entry's DataType
    /// (`kind_tag`). Each component is decoded where it lives in the entry.
    fn from_element(e: &Element<'a>, kind_tag: Tag) -> Result<DataObject<'a>> {
        let mut parts = Components::of(e);
        let c = parts.required(Tag::SEQUENCE, Field::CommonObjectAttributes)?;
        let common = common_object_attributes_of(&c)?;
        let d = parts.required(Tag::SEQUENCE, Field::CommonDataObjectAttributes)?;
        let data = common_data_object_attributes_of(&d)?;
        let sub_class = match parts.optional(TAG_SUBCLASS)? {
            Some(s) => {
                ber::validate_span(s.span(), MAX_DEPTH - 3)?;
                Some(s.value())
            }
            None => None,
        };
        let t = parts.required(TAG_TYPE_ATTRS, Field::TypeAttributes)?;
        parts.end()?;
        let (kind, value) = if kind_tag == TAG_OIDDO {
            oid_do(&t)?
        } else {
            other_type_attributes(&t, kind_tag)?
        };
        Ok(DataObject {
            kind,
            common,
            data,
            sub_class,
            value,
        })
    }

    fn type_inner_len(&self) -> usize {
        let v = value_len(&self.value);
        match self.kind {
            DataObjectKind::Oid(id) => ber::element_len(
                Tag::SEQUENCE,
                ber::element_len(Tag::OID, id.as_bytes().len()) + v,
            ),
            _ => v,
        }
    }

    fn content_len(&self) -> usize {
        ber::element_len(Tag::SEQUENCE, common_len(&self.common))
            + ber::element_len(Tag::SEQUENCE, data_len(&self.data))
            + self
                .sub_class
                .map_or(0, |s| ber::element_len(TAG_SUBCLASS, s.len()))
            + ber::element_len(TAG_TYPE_ATTRS, self.type_inner_len())
    }
}

/// The type attributes of an externalIDO or an opaqueDO (`kind_tag`),
/// out of line: the oidDO, the bootstrap entry's kind, is read inline.
#[inline(never)]
fn other_type_attributes<'a>(
    t: &Element<'a>,
    kind_tag: Tag,
) -> Result<(DataObjectKind<'a>, ObjectValue<'a>)> {
    let opaque = kind_tag != TAG_EXTERNAL;
    let mut parts = Components::of(t);
    let v = object_value_of(&parts.present(Field::ObjectValue)?, opaque)?;
    parts.end()?;
    let kind = if opaque {
        DataObjectKind::Opaque
    } else {
        DataObjectKind::External
    };
    Ok((kind, v))
}

/// `userConsent INTEGER (1..pkcs15-ub-userConsent)`.
fn user_consent(u: &Element<'_>) -> Result<u8> {
    match u.unsigned_of(Field::UserConsent, MAX_USER_CONSENT)? {
        0 => crate::span::fail_of(ErrorKind::IntegerOutOfRange, Field::UserConsent, u.offset()),
        v => Ok(v as u8),
    }
}

/// `CommonObjectAttributes ::= SEQUENCE { label Label OPTIONAL, flags
/// CommonObjectFlags OPTIONAL, authId Identifier OPTIONAL, userConsent
/// INTEGER OPTIONAL, accessControlRules SEQUENCE OF ... OPTIONAL, ... }`,
/// the value of `e`.
pub(crate) fn common_object_attributes_of<'a>(
    e: &Element<'a>,
) -> Result<CommonObjectAttributes<'a>> {
    let mut parts = Components::of(e);
    let mut c = CommonObjectAttributes::default();
    if let Some(l) = parts.optional(Tag::UTF8_STRING)? {
        c.label = Some(l.bounded_utf8_of(Field::Label, MAX_LABEL_LEN)?);
    }
    if let Some(f) = parts.optional(Tag::BIT_STRING)? {
        c.flags = Some(ObjectFlags(f.bit_string()?.flags(32)));
    }
    if let Some(a) = parts.optional(Tag::OCTET_STRING)? {
        a.check_max_of(Field::AuthId, MAX_IDENTIFIER_LEN)?;
        c.auth_id = Some(a.value());
    }
    if let Some(u) = parts.optional(Tag::INTEGER)? {
        c.user_consent = Some(user_consent(&u)?);
    }
    if let Some(r) = parts.optional(Tag::SEQUENCE)? {
        ber::validate_span(r.span(), MAX_DEPTH - 4)?;
        c.access_control_rules = Some(r.value());
    }
    parts.extensions()?;
    Ok(c)
}

/// `CommonDataObjectAttributes ::= SEQUENCE { applicationName Label
/// OPTIONAL, applicationOID OBJECT IDENTIFIER OPTIONAL, ... }`, the value
/// of `e`.
fn common_data_object_attributes_of<'a>(e: &Element<'a>) -> Result<CommonDataObjectAttributes<'a>> {
    let mut parts = Components::of(e);
    let mut d = CommonDataObjectAttributes::default();
    if let Some(l) = parts.optional(Tag::UTF8_STRING)? {
        d.application_name = Some(l.bounded_utf8_of(Field::ApplicationName, MAX_LABEL_LEN)?);
    }
    if let Some(o) = parts.optional(Tag::OID)? {
        d.application_oid = Some(o.oid()?);
    }
    parts.extensions()?;
    Ok(d)
}

/// The type attributes of an oidDO: `[1] { OidDO }`, where `OidDO ::=
/// SEQUENCE { id OBJECT IDENTIFIER, value ObjectValue }`.
fn oid_do<'a>(t: &Element<'a>) -> Result<(DataObjectKind<'a>, ObjectValue<'a>)> {
    let mut outer = Components::of(t);
    let s = outer.required(Tag::SEQUENCE, Field::OidDo)?;
    let mut parts = Components::of(&s);
    let id = parts.required(Tag::OID, Field::OidDoId)?.oid()?;
    let v = object_value_of(&parts.present(Field::ObjectValue)?, false)?;
    parts.end()?;
    outer.end()?;
    Ok((DataObjectKind::Oid(id), v))
}

/// `ObjectValue ::= CHOICE { indirect ReferencedValue (a Path or a URL),
/// direct [0] ..., indirect-protected [1] ..., direct-protected [2] ... }`,
/// the element `v`; the direct value of an opaqueDO is an OCTET STRING.
pub(crate) fn object_value_of<'a>(v: &Element<'a>, opaque: bool) -> Result<ObjectValue<'a>> {
    if v.tag() == Tag::SEQUENCE {
        return Ok(ObjectValue::Path(Path::from_element(v)?));
    }
    object_value_not_path(v, opaque)
}

/// The [`ObjectValue`] alternatives other than a path, in a frame of their
/// own: the path, the one that the DODF walk meets, needs less stack.
#[inline(never)]
fn object_value_not_path<'a>(v: &Element<'a>, opaque: bool) -> Result<ObjectValue<'a>> {
    match v.tag() {
        Tag::PRINTABLE_STRING | Tag::IA5_STRING => {
            v.check_max_of(Field::Url, MAX_URL_LEN)?;
            let s = if v.tag() == Tag::PRINTABLE_STRING {
                ber::decode_printable(v.span(), Field::Url)?
            } else {
                ber::decode_ia5(v.span(), Field::Url)?
            };
            Ok(ObjectValue::Url(s))
        }
        TAG_URL_WITH_DIGEST => {
            ber::validate_span(v.span(), MAX_DEPTH - 5)?;
            Ok(ObjectValue::UrlWithDigest(v.value()))
        }
        TAG_DIRECT => {
            let checked = |inner: &Element<'_>| {
                if inner.tag().is_constructed() {
                    ber::validate_span(inner.span(), MAX_DEPTH - 5)?;
                }
                Ok(())
            };
            let mut parts = Components::of(v);
            let inner = if opaque {
                parts.required(Tag::OCTET_STRING, Field::DirectValue)?
            } else {
                parts.present(Field::DirectValue)?
            };
            checked(&inner)?;
            parts.end()?;
            Ok(ObjectValue::Direct(v.value()))
        }
        _ => crate::span::fail_of(ErrorKind::UnsupportedChoice, Field::ObjectValue, v.offset()),
    }
}

// ------------------------------------------------------------------ encoding

pub(crate) fn common_len(c: &CommonObjectAttributes<'_>) -> usize {
    c.label
        .map_or(0, |l| ber::element_len(Tag::UTF8_STRING, l.len()))
        + c.flags.map_or(0, |f| {
            ber::element_len(Tag::BIT_STRING, ber::named_bits_content_len(f.0))
        })
        + c.auth_id
            .map_or(0, |a| ber::element_len(Tag::OCTET_STRING, a.len()))
        + c.user_consent.map_or(0, |u| ber::integer_len(i64::from(u)))
        + c.access_control_rules
            .map_or(0, |a| ber::element_len(Tag::SEQUENCE, a.len()))
}

fn data_len(d: &CommonDataObjectAttributes<'_>) -> usize {
    d.application_name
        .map_or(0, |l| ber::element_len(Tag::UTF8_STRING, l.len()))
        + d.application_oid
            .map_or(0, |o| ber::element_len(Tag::OID, o.as_bytes().len()))
}

fn url_tag(s: &str) -> Tag {
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
    {
        Tag::PRINTABLE_STRING
    } else {
        Tag::IA5_STRING
    }
}

pub(crate) fn value_len(v: &ObjectValue<'_>) -> usize {
    match v {
        ObjectValue::Path(p) => p.encoded_len(),
        ObjectValue::Url(u) => ber::element_len(url_tag(u), u.len()),
        ObjectValue::UrlWithDigest(d) => ber::element_len(TAG_URL_WITH_DIGEST, d.len()),
        ObjectValue::Direct(d) => ber::element_len(TAG_DIRECT, d.len()),
    }
}

pub(crate) fn put_value(
    w: &mut Writer<'_>,
    v: &ObjectValue<'_>,
) -> core::result::Result<(), EncodeError> {
    match v {
        ObjectValue::Path(p) => p.encode_to(w),
        ObjectValue::Url(u) => {
            if !u.is_ascii() || u.len() > MAX_URL_LEN {
                return Err(EncodeError::InvalidValue(
                    "url must be ASCII, at most 1024 bytes",
                ));
            }
            w.element(url_tag(u), u.as_bytes())
        }
        ObjectValue::UrlWithDigest(d) => w.element(TAG_URL_WITH_DIGEST, d),
        ObjectValue::Direct(d) => w.element(TAG_DIRECT, d),
    }
}

/// The limits PKCS #15 puts on the common object attributes.
pub(crate) fn check_common(
    c: &CommonObjectAttributes<'_>,
) -> core::result::Result<(), EncodeError> {
    if c.label.is_some_and(|l| l.len() > MAX_LABEL_LEN) {
        return Err(EncodeError::InvalidValue("label longer than 255 bytes"));
    }
    if c.auth_id.is_some_and(|a| a.len() > MAX_IDENTIFIER_LEN) {
        return Err(EncodeError::InvalidValue("authId longer than 255 bytes"));
    }
    if c.user_consent
        .is_some_and(|u| u == 0 || u32::from(u) > MAX_USER_CONSENT)
    {
        return Err(EncodeError::InvalidValue("userConsent must be 1..=15"));
    }
    Ok(())
}

/// `CommonObjectAttributes` as a SEQUENCE.
pub(crate) fn put_common(
    w: &mut Writer<'_>,
    c: &CommonObjectAttributes<'_>,
) -> core::result::Result<(), EncodeError> {
    w.header(Tag::SEQUENCE, common_len(c))?;
    if let Some(l) = c.label {
        w.element(Tag::UTF8_STRING, l.as_bytes())?;
    }
    if let Some(f) = c.flags {
        ber::put_named_bits(w, Tag::BIT_STRING, f.0)?;
    }
    if let Some(a) = c.auth_id {
        w.element(Tag::OCTET_STRING, a)?;
    }
    if let Some(u) = c.user_consent {
        ber::put_integer(w, Tag::INTEGER, i64::from(u))?;
    }
    if let Some(a) = c.access_control_rules {
        w.element(Tag::SEQUENCE, a)?;
    }
    Ok(())
}

impl Encode for DataObject<'_> {
    fn encoded_len(&self) -> usize {
        ber::element_len(self.kind.tag(), self.content_len())
    }

    fn encode_to(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        let c = &self.common;
        if self
            .data
            .application_name
            .is_some_and(|l| l.len() > MAX_LABEL_LEN)
        {
            return Err(EncodeError::InvalidValue("label longer than 255 bytes"));
        }
        check_common(c)?;
        w.header(self.kind.tag(), self.content_len())?;
        put_common(w, c)?;
        w.header(Tag::SEQUENCE, data_len(&self.data))?;
        if let Some(l) = self.data.application_name {
            w.element(Tag::UTF8_STRING, l.as_bytes())?;
        }
        if let Some(o) = self.data.application_oid {
            w.element(Tag::OID, o.as_bytes())?;
        }
        if let Some(s) = self.sub_class {
            w.element(TAG_SUBCLASS, s)?;
        }
        w.header(TAG_TYPE_ATTRS, self.type_inner_len())?;
        if let DataObjectKind::Oid(id) = self.kind {
            w.header(
                Tag::SEQUENCE,
                ber::element_len(Tag::OID, id.as_bytes().len()) + value_len(&self.value),
            )?;
            w.element(Tag::OID, id.as_bytes())?;
        }
        put_value(w, &self.value)
    }
}

// ------------------------------------------------------------------- the file

fn next_entry(mut span: Span<'_>, index: usize) -> Result<Option<(DataObject<'_>, Span<'_>)>> {
    loop {
        span = ber::skip_padding(span);
        if span.is_empty() {
            return Ok(None);
        }
        let at = |e: crate::Error| e.within(Structure::DodfEntry, Some(index));
        let (e, rest) = ber::next_element(span).map_err(at)?;
        let t = e.tag();
        if t == Tag::SEQUENCE || t == TAG_EXTERNAL || t == TAG_OIDDO {
            let o = DataObject::from_element(&e, t).map_err(at)?;
            return Ok(Some((o, rest)));
        }
        // Unknown DataType alternative (a future extension): check and skip.
        if t.is_constructed() {
            ber::validate_span(e.span(), MAX_DEPTH - 1).map_err(at)?;
        }
        span = rest;
    }
}

/// A validated DODF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dodf<'a> {
    bytes: &'a [u8],
    count: usize,
    /// The first bootstrap entry, found while validating.
    bootstrap: Option<BootstrapMatch<'a>>,
}

impl<'a> Dodf<'a> {
    /// Parse and validate a DODF. Entries with unknown tags are skipped;
    /// a malformed known entry fails the parse.
    pub fn parse(bytes: &'a [u8]) -> Result<Dodf<'a>> {
        let mut span = Span::new(bytes);
        let mut count = 0;
        let mut bootstrap = None;
        while let Some((o, rest)) =
            next_entry(span, count).map_err(|e| e.within(Structure::Dodf, None))?
        {
            if bootstrap.is_none() {
                if let Some(rule) = o.bootstrap_rule() {
                    bootstrap = Some(BootstrapMatch {
                        entry: count,
                        rule,
                        object: o,
                    });
                }
            }
            span = rest;
            count += 1;
        }
        Ok(Dodf {
            bytes,
            count,
            bootstrap,
        })
    }

    /// The number of known entries.
    pub const fn len(&self) -> usize {
        self.count
    }

    /// Whether there is no known entry.
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The known entries in file order.
    pub fn entries(&self) -> DodfEntries<'a> {
        DodfEntries {
            rest: Span::new(self.bytes),
            index: 0,
        }
    }

    /// The first entry, in file order, that holds the LwM2M bootstrap data
    /// by one of the three rules ([`BootstrapRule`]).
    pub fn find_lwm2m_bootstrap(&self) -> Option<BootstrapMatch<'a>> {
        // Found while validating.
        self.bootstrap
    }
}

/// Iterator over the entries of a validated [`Dodf`].
#[derive(Debug, Clone)]
pub struct DodfEntries<'a> {
    rest: Span<'a>,
    index: usize,
}

impl<'a> Iterator for DodfEntries<'a> {
    type Item = DataObject<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let (o, rest) = next_entry(self.rest, self.index).ok()??;
        self.rest = rest;
        self.index += 1;
        Some(o)
    }
}
