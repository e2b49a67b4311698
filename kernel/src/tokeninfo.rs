//! EF.TokenInfo (FID `5032`), PKCS#15 v1.1.
//!
//! ```text
//! TokenInfo ::= SEQUENCE {
//!     version             INTEGER {v1(0)} (v1,...),
//!     serialNumber        OCTET STRING,
//!     manufacturerID      Label OPTIONAL,
//!     label               [0] Label OPTIONAL,
//!     tokenflags          TokenFlags,
//!     seInfo              SEQUENCE OF SecurityEnvironmentInfo OPTIONAL,
//!     recordInfo          [1] RecordInfo OPTIONAL,
//!     supportedAlgorithms [2] SEQUENCE OF AlgorithmInfo OPTIONAL,
//!     ...,
//!     issuerId            [3] Label OPTIONAL,
//!     holderId            [4] Label OPTIONAL,
//!     lastUpdate          [5] LastUpdate OPTIONAL,   -- EXPLICIT: tags a CHOICE
//!     preferredLanguage   PrintableString OPTIONAL }
//! TokenFlags ::= BIT STRING { readonly(0), loginRequired(1), prnGeneration(2), eidCompliant(3) }
//! LastUpdate ::= CHOICE { generalizedTime GeneralizedTime, referencedTime ReferencedValue, ... }
//! ```
//!
//! ```
//! use scboot::tokeninfo::TokenInfo;
//! let bytes = [0x30, 0x0A, 0x02, 0x01, 0x00, 0x04, 0x02, 0x12, 0x34, 0x03, 0x01, 0x00];
//! let ti = TokenInfo::parse(&bytes)?;
//! assert_eq!(ti.serial_number, &[0x12, 0x34]);
//! # Ok::<(), scboot::Error>(())
//! ```

use crate::ber::BerWriter;
use nom::Parser;

use crate::ber::{
    self, contents, decoded, end, extensions, optional_with, present, required, Element, Encode,
    Tag, Writer, MAX_DEPTH,
};
use crate::error::{EncodeError, Field, Result, Structure};
use crate::span::{finish, PResult, Span};

/// The longest label-like field (`pkcs15-ub-label`).
pub const MAX_LABEL_LEN: usize = 255;
/// The longest serial number accepted (as `pkcs15-ub-identifier`).
pub const MAX_SERIAL_LEN: usize = 255;
/// The longest GeneralizedTime accepted.
pub const MAX_TIME_LEN: usize = 32;
/// The shortest GeneralizedTime (`YYYYMMDDHH`).
pub const MIN_TIME_LEN: usize = 10;
/// The longest preferredLanguage accepted.
pub const MAX_LANGUAGE_LEN: usize = 32;

const TAG_LABEL: Tag = Tag::context(0, false);
const TAG_RECORD_INFO: Tag = Tag::context(1, true);
const TAG_ALGORITHMS: Tag = Tag::context(2, true);
const TAG_ISSUER: Tag = Tag::context(3, false);
const TAG_HOLDER: Tag = Tag::context(4, false);
const TAG_LAST_UPDATE: Tag = Tag::context(5, true);

/// `TokenFlags` (first 32 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TokenFlags(pub u32);

impl TokenFlags {
    /// `readonly(0)`.
    pub const fn readonly(self) -> bool {
        self.0 & 1 != 0
    }
    /// `loginRequired(1)`.
    pub const fn login_required(self) -> bool {
        self.0 & 2 != 0
    }
    /// `prnGeneration(2)`.
    pub const fn prn_generation(self) -> bool {
        self.0 & 4 != 0
    }
    /// `eidCompliant(3)`.
    pub const fn eid_compliant(self) -> bool {
        self.0 & 8 != 0
    }
}

/// `LastUpdate`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LastUpdate<'a> {
    /// A GeneralizedTime, e.g. `20240101120000Z`.
    Time(&'a str),
    /// `referencedTime`: one whole encoded ReferencedValue element.
    Referenced(&'a [u8]),
}

/// EF.TokenInfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenInfo<'a> {
    /// `version` (0 = v1).
    pub version: u32,
    /// `serialNumber`.
    pub serial_number: &'a [u8],
    /// `manufacturerID`.
    pub manufacturer_id: Option<&'a str>,
    /// `label [0]`.
    pub label: Option<&'a str>,
    /// `tokenflags`.
    pub token_flags: TokenFlags,
    /// Content of `seInfo` (SEQUENCE OF SecurityEnvironmentInfo), well-formed BER.
    pub se_info: Option<&'a [u8]>,
    /// Content of `recordInfo [1]`, well-formed BER.
    pub record_info: Option<&'a [u8]>,
    /// Content of `supportedAlgorithms [2]`, well-formed BER.
    pub supported_algorithms: Option<&'a [u8]>,
    /// `issuerId [3]`.
    pub issuer_id: Option<&'a str>,
    /// `holderId [4]`.
    pub holder_id: Option<&'a str>,
    /// `lastUpdate [5]`.
    pub last_update: Option<LastUpdate<'a>>,
    /// `preferredLanguage` (RFC 1766 tag).
    pub preferred_language: Option<&'a str>,
}

/// A component kept as its (validated) value bytes.
fn raw<'a>(e: &Element<'a>) -> Result<&'a [u8]> {
    ber::validate_span(e.span(), MAX_DEPTH - 2).map(|()| e.value())
}

/// A `Label` (UTF8String, at most 255 bytes) named `field`.
fn a_label<'a>(field: Field) -> impl Fn(&Element<'a>) -> Result<&'a str> {
    move |e| e.bounded_utf8_of(field, MAX_LABEL_LEN)
}

/// `LastUpdate ::= CHOICE { generalizedTime GeneralizedTime,
/// referencedTime ReferencedValue, ... }` inside its EXPLICIT `[5]`.
fn last_update<'a>(e: &Element<'a>) -> Result<LastUpdate<'a>> {
    let inner = contents(e, (present(Field::LastUpdate), end).map(|(i, ())| i))?;
    if inner.tag() == Tag::GENERALIZED_TIME {
        inner.check_max_of(Field::GeneralizedTime, MAX_TIME_LEN)?;
        inner.check_min_of(Field::GeneralizedTime, MIN_TIME_LEN)?;
        Ok(LastUpdate::Time(ber::decode_generalized_time(
            inner.span(),
        )?))
    } else {
        ber::validate_span(e.span(), MAX_DEPTH - 2)?;
        Ok(LastUpdate::Referenced(e.value()))
    }
}

/// `preferredLanguage PrintableString` (a language code).
fn preferred_language<'a>(p: &Element<'a>) -> Result<&'a str> {
    p.check_max_of(Field::PreferredLanguage, MAX_LANGUAGE_LEN)?;
    ber::decode_printable(p.span(), Field::PreferredLanguage)
}

/// The components of the TokenInfo SEQUENCE, in the order of its ASN.1.
fn token_info<'a>(i: Span<'a>) -> PResult<'a, TokenInfo<'a>> {
    // v1 (0) is one octet: taken as it is; anything else decoded in full.
    let version = |e: &Element<'_>| match (e.tag().is_constructed(), e.value()) {
        (false, &[v @ 0..=0x7F]) => Ok(u32::from(v)),
        _ => e.unsigned_of(Field::Version, u32::MAX),
    };
    let serial = |e: &Element<'a>| {
        e.check_max_of(Field::SerialNumber, MAX_SERIAL_LEN)
            .map(|()| e.value())
    };
    let flags = |e: &Element<'_>| Ok(TokenFlags(e.bit_string()?.flags(32)));
    let (i, version) = decoded(required(Tag::INTEGER, Field::Version), version).parse(i)?;
    let (i, serial_number) =
        decoded(required(Tag::OCTET_STRING, Field::SerialNumber), serial).parse(i)?;
    let (i, manufacturer_id) =
        optional_with(Tag::UTF8_STRING, a_label(Field::ManufacturerId)).parse(i)?;
    let (i, label) = optional_with(TAG_LABEL, a_label(Field::Label)).parse(i)?;
    let (i, token_flags) = decoded(required(Tag::BIT_STRING, Field::TokenFlags), flags).parse(i)?;
    let (i, se_info) = optional_with(Tag::SEQUENCE, raw).parse(i)?;
    let (i, record_info) = optional_with(TAG_RECORD_INFO, raw).parse(i)?;
    let (i, supported_algorithms) = optional_with(TAG_ALGORITHMS, raw).parse(i)?;
    let (i, issuer_id) = optional_with(TAG_ISSUER, a_label(Field::IssuerId)).parse(i)?;
    let (i, holder_id) = optional_with(TAG_HOLDER, a_label(Field::HolderId)).parse(i)?;
    let (i, last_update) = optional_with(TAG_LAST_UPDATE, last_update).parse(i)?;
    let (i, preferred_language) =
        optional_with(Tag::PRINTABLE_STRING, preferred_language).parse(i)?;
    let (i, ()) = extensions(i)?;
    Ok((
        i,
        TokenInfo {
            version,
            serial_number,
            manufacturer_id,
            label,
            token_flags,
            se_info,
            record_info,
            supported_algorithms,
            issuer_id,
            holder_id,
            last_update,
            preferred_language,
        },
    ))
}

impl<'a> TokenInfo<'a> {
    /// A minimal v1 TokenInfo.
    pub const fn new(serial_number: &'a [u8], token_flags: TokenFlags) -> Self {
        TokenInfo {
            version: 0,
            serial_number,
            manufacturer_id: None,
            label: None,
            token_flags,
            se_info: None,
            record_info: None,
            supported_algorithms: None,
            issuer_id: None,
            holder_id: None,
            last_update: None,
            preferred_language: None,
        }
    }

    /// Parse EF.TokenInfo; `00`/`FF` padding may follow the SEQUENCE.
    pub fn parse(bytes: &'a [u8]) -> Result<TokenInfo<'a>> {
        Self::parse_span(Span::new(bytes)).map_err(|e| e.within(Structure::TokenInfo, None))
    }

    fn parse_span(span: Span<'a>) -> Result<TokenInfo<'a>> {
        let (rest, outer) = finish(required(Tag::SEQUENCE, Field::TokenInfo).parse(span))?;
        let rest = ber::skip_padding(rest);
        if !rest.is_empty() {
            return crate::span::fail(crate::ErrorKind::TrailingData, rest.offset());
        }
        contents(&outer, token_info)
    }

    fn last_update_inner_len(&self) -> usize {
        match self.last_update {
            Some(LastUpdate::Time(t)) => ber::element_len(Tag::GENERALIZED_TIME, t.len()),
            Some(LastUpdate::Referenced(r)) => r.len(),
            None => 0,
        }
    }

    fn content_len(&self) -> usize {
        let lbl = |t: Tag, s: Option<&str>| s.map_or(0, |s| ber::element_len(t, s.len()));
        let raw = |t: Tag, s: Option<&[u8]>| s.map_or(0, |s| ber::element_len(t, s.len()));
        ber::integer_len(i64::from(self.version))
            + ber::element_len(Tag::OCTET_STRING, self.serial_number.len())
            + lbl(Tag::UTF8_STRING, self.manufacturer_id)
            + lbl(TAG_LABEL, self.label)
            + ber::element_len(
                Tag::BIT_STRING,
                ber::named_bits_content_len(self.token_flags.0),
            )
            + raw(Tag::SEQUENCE, self.se_info)
            + raw(TAG_RECORD_INFO, self.record_info)
            + raw(TAG_ALGORITHMS, self.supported_algorithms)
            + lbl(TAG_ISSUER, self.issuer_id)
            + lbl(TAG_HOLDER, self.holder_id)
            + self.last_update.map_or(0, |_| {
                ber::element_len(TAG_LAST_UPDATE, self.last_update_inner_len())
            })
            + lbl(Tag::PRINTABLE_STRING, self.preferred_language)
    }
}

impl Encode for TokenInfo<'_> {
    fn encoded_len(&self) -> usize {
        ber::element_len(Tag::SEQUENCE, self.content_len())
    }

    fn encode_to(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        let too_long = |s: Option<&str>| s.is_some_and(|s| s.len() > MAX_LABEL_LEN);
        if too_long(self.manufacturer_id)
            || too_long(self.label)
            || too_long(self.issuer_id)
            || too_long(self.holder_id)
            || self.serial_number.len() > MAX_SERIAL_LEN
        {
            return Err(EncodeError::InvalidValue(
                "TokenInfo field longer than 255 bytes",
            ));
        }
        w.header(Tag::SEQUENCE, self.content_len())?;
        ber::put_integer(w, Tag::INTEGER, i64::from(self.version))?;
        w.element(Tag::OCTET_STRING, self.serial_number)?;
        if let Some(m) = self.manufacturer_id {
            w.element(Tag::UTF8_STRING, m.as_bytes())?;
        }
        if let Some(l) = self.label {
            w.element(TAG_LABEL, l.as_bytes())?;
        }
        ber::put_named_bits(w, Tag::BIT_STRING, self.token_flags.0)?;
        if let Some(s) = self.se_info {
            w.element(Tag::SEQUENCE, s)?;
        }
        if let Some(s) = self.record_info {
            w.element(TAG_RECORD_INFO, s)?;
        }
        if let Some(s) = self.supported_algorithms {
            w.element(TAG_ALGORITHMS, s)?;
        }
        if let Some(s) = self.issuer_id {
            w.element(TAG_ISSUER, s.as_bytes())?;
        }
        if let Some(s) = self.holder_id {
            w.element(TAG_HOLDER, s.as_bytes())?;
        }
        if let Some(lu) = self.last_update {
            w.header(TAG_LAST_UPDATE, self.last_update_inner_len())?;
            match lu {
                LastUpdate::Time(t) => w.element(Tag::GENERALIZED_TIME, t.as_bytes())?,
                LastUpdate::Referenced(r) => w.put(r)?,
            }
        }
        if let Some(p) = self.preferred_language {
            w.element(Tag::PRINTABLE_STRING, p.as_bytes())?;
        }
        Ok(())
    }
}
