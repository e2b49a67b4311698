//! EF.ODF (FID `5031`): the object directory of PKCS#15 v1.1.
//!
//! ```text
//! PKCS15Objects ::= CHOICE {
//!     privateKeys [0] ..., publicKeys [1] ..., trustedPublicKeys [2] ...,
//!     secretKeys [3] ..., certificates [4] ..., trustedCertificates [5] ...,
//!     usefulCertificates [6] ..., dataObjects [7] ..., authObjects [8] ...,
//!     ... }
//! PathOrObjects ::= CHOICE { path Path, objects [0] SEQUENCE OF ..., ... }
//! ```
//!
//! The class tags are EXPLICIT (they tag a CHOICE, X.680 31.2.7), so an
//! entry is `A7 { 30 { 04 path } }` or `A7 { A0 { objects } }`. Entries with
//! other tags (future extensions) are skipped; `00`/`FF` padding ends the file.
//!
//! ```
//! use scboot::odf::{Odf, ObjectClass};
//! let odf = Odf::parse(&[0xA7, 0x06, 0x30, 0x04, 0x04, 0x02, 0x64, 0x30]).unwrap();
//! let dodf = odf.data_object_paths().next().unwrap();
//! assert_eq!(dodf.path, &[0x64, 0x30]);
//! assert_eq!(odf.entries().next().unwrap().class, ObjectClass::DataObjects);
//! ```

use crate::ber::BerWriter;
use crate::ber::{self, Components, Element, Encode, Tag, TagClass, Writer, MAX_DEPTH};
use crate::error::{EncodeError, ErrorKind, Field, Result, Structure};
use crate::path::Path;
use crate::span::Span;

/// The nine classes of PKCS15Objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectClass {
    /// `[0]` privateKeys.
    PrivateKeys,
    /// `[1]` publicKeys.
    PublicKeys,
    /// `[2]` trustedPublicKeys.
    TrustedPublicKeys,
    /// `[3]` secretKeys.
    SecretKeys,
    /// `[4]` certificates.
    Certificates,
    /// `[5]` trustedCertificates.
    TrustedCertificates,
    /// `[6]` usefulCertificates.
    UsefulCertificates,
    /// `[7]` dataObjects.
    DataObjects,
    /// `[8]` authObjects.
    AuthObjects,
}

impl ObjectClass {
    /// All classes in tag order.
    pub const ALL: [ObjectClass; 9] = [
        ObjectClass::PrivateKeys,
        ObjectClass::PublicKeys,
        ObjectClass::TrustedPublicKeys,
        ObjectClass::SecretKeys,
        ObjectClass::Certificates,
        ObjectClass::TrustedCertificates,
        ObjectClass::UsefulCertificates,
        ObjectClass::DataObjects,
        ObjectClass::AuthObjects,
    ];

    /// The context tag number.
    pub const fn tag_number(self) -> u32 {
        self as u32
    }

    /// The class for a context tag number.
    pub fn from_tag_number(n: u32) -> Option<ObjectClass> {
        ObjectClass::ALL.get(usize::try_from(n).ok()?).copied()
    }

    /// The ASN.1 component name (`dataObjects`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            ObjectClass::PrivateKeys => "privateKeys",
            ObjectClass::PublicKeys => "publicKeys",
            ObjectClass::TrustedPublicKeys => "trustedPublicKeys",
            ObjectClass::SecretKeys => "secretKeys",
            ObjectClass::Certificates => "certificates",
            ObjectClass::TrustedCertificates => "trustedCertificates",
            ObjectClass::UsefulCertificates => "usefulCertificates",
            ObjectClass::DataObjects => "dataObjects",
            ObjectClass::AuthObjects => "authObjects",
        }
    }
}

/// Where the objects of a class are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OdfLocation<'a> {
    /// In the directory file at this path (the usual form).
    Path(Path<'a>),
    /// Directly in the ODF: the content of `objects [0]`, i.e. the
    /// object encodings one after the other (well-formed BER).
    Direct(&'a [u8]),
}

/// One ODF entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OdfEntry<'a> {
    /// The object class.
    pub class: ObjectClass,
    /// Where its objects are.
    pub location: OdfLocation<'a>,
}

const TAG_OBJECTS: Tag = Tag::context(0, true);

/// The identifier octets of the known classes' tags (`A0` to `A8`), and
/// of dataObjects (`A7`), as the direct read compares them.
const FIRST_CLASS: u8 = Tag::context(ObjectClass::PrivateKeys.tag_number(), true).first_byte();
const LAST_CLASS: u8 = Tag::context(ObjectClass::AuthObjects.tag_number(), true).first_byte();
const DATA_OBJECTS: u8 = Tag::context(ObjectClass::DataObjects.tag_number(), true).first_byte();

/// `PathOrObjects ::= CHOICE { path Path, objects [0] SEQUENCE OF ..., ... }`,
/// the value of an ODF entry's class tag `e` (EXPLICIT: it tags a CHOICE).
fn path_or_objects<'a>(e: &Element<'a>) -> Result<OdfLocation<'a>> {
    let mut parts = Components::of(e);
    let inner = parts.present(Field::PathOrObjects)?;
    let location = match inner.tag() {
        Tag::SEQUENCE => OdfLocation::Path(Path::from_element(&inner)?),
        TAG_OBJECTS => {
            ber::validate_span(inner.span(), MAX_DEPTH - 2)?;
            OdfLocation::Direct(inner.value())
        }
        _ => {
            return Err(crate::Error::of(
                ErrorKind::UnsupportedChoice,
                Field::PathOrObjects,
                inner.offset(),
            ))
        }
    };
    parts.end()?;
    Ok(location)
}

impl<'a> OdfEntry<'a> {
    fn from_element(e: &Element<'a>, class: ObjectClass) -> Result<OdfEntry<'a>> {
        let location = path_or_objects(e)?;
        Ok(OdfEntry { class, location })
    }

    fn inner_len(&self) -> usize {
        match self.location {
            OdfLocation::Path(p) => p.encoded_len(),
            OdfLocation::Direct(d) => ber::element_len(TAG_OBJECTS, d.len()),
        }
    }
}

impl Encode for OdfEntry<'_> {
    fn encoded_len(&self) -> usize {
        ber::element_len(
            Tag::context(self.class.tag_number(), true),
            self.inner_len(),
        )
    }

    fn encode_to(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        w.header(
            Tag::context(self.class.tag_number(), true),
            self.inner_len(),
        )?;
        match self.location {
            OdfLocation::Path(p) => p.encode_to(w),
            OdfLocation::Direct(d) => w.element(TAG_OBJECTS, d),
        }
    }
}

/// Skip padding and unknown entries, then parse entry number `index`.
fn next_entry(mut span: Span<'_>, index: usize) -> Result<Option<(OdfEntry<'_>, Span<'_>)>> {
    loop {
        span = ber::skip_padding(span);
        if span.is_empty() {
            return Ok(None);
        }
        let at = |e: crate::Error| e.within(Structure::OdfEntry, Some(index));
        let (e, rest) = ber::next_element(span).map_err(at)?;
        let t = e.tag();
        let class = if t.class() == TagClass::ContextSpecific && t.is_constructed() {
            ObjectClass::from_tag_number(t.number())
        } else {
            None
        };
        match class {
            Some(class) => {
                let entry = OdfEntry::from_element(&e, class).map_err(at)?;
                return Ok(Some((entry, rest)));
            }
            None => {
                // A future extension of PKCS15Objects: check and skip.
                if t.is_constructed() {
                    ber::validate_span(e.span(), MAX_DEPTH - 1).map_err(at)?;
                }
                span = rest;
            }
        }
    }
}

/// A validated ODF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Odf<'a> {
    bytes: &'a [u8],
    count: usize,
    /// The first dataObjects path, found while validating, and where the
    /// entries after it start (there may be more DODFs).
    first_dodf: Option<(Path<'a>, Span<'a>)>,
    dodf_count: usize,
}

impl<'a> Odf<'a> {
    /// Parse and validate an ODF.
    pub fn parse(bytes: &'a [u8]) -> Result<Odf<'a>> {
        if cfg!(feature = "fast-paths") {
            if let Some(odf) = Odf::parse_paths_only(bytes) {
                return Ok(odf);
            }
        }
        Odf::parse_precise(bytes)
    }

    /// The ODF of the field, read directly: every entry a known class
    /// holding a file's path alone, all lengths in short form
    /// (`A7 06 30 04 04 02 64 30`), with `00`/`FF` padding anywhere
    /// between entries. `None` for anything else, which
    /// [`Odf::parse_precise`] then reads (and names the error of, if it
    /// has one); where both succeed they build the same `Odf`
    /// (`fast_and_precise_agree`).
    #[inline]
    fn parse_paths_only(bytes: &'a [u8]) -> Option<Odf<'a>> {
        let mut count = 0;
        let mut first_dodf = None;
        let mut dodf_count = 0;
        let mut at = 0;
        while let Some(rest) = bytes.get(at..) {
            let [class, len, ref tail @ ..] = *rest else {
                // One byte left: padding, or an entry cut short.
                return match *rest {
                    [] | [0x00 | 0xFF] => Some(Odf {
                        bytes,
                        count,
                        first_dodf,
                        dodf_count,
                    }),
                    _ => None,
                };
            };
            if class == 0x00 || class == 0xFF {
                at += 1;
                continue;
            }
            // [class] { SEQUENCE { OCTET STRING path } }: a known class
            // whose value is the SEQUENCE, whose value is the path alone
            // (`path::file_path_only`, as the precise parse takes it). A
            // path is at most 16 bytes, so a length that fills its parent
            // is in short form.
            let entry = tail.get(..usize::from(len))?;
            let [0x30, seq_len, ref seq @ ..] = *entry else {
                return None;
            };
            if !(FIRST_CLASS..=LAST_CLASS).contains(&class) || usize::from(seq_len) != seq.len() {
                return None;
            }
            let path = crate::path::file_path_only(seq)?;
            at += 2 + entry.len();
            count += 1;
            if class == DATA_OBJECTS {
                if first_dodf.is_none() {
                    let rest = Span::at(bytes.get(at..)?, at);
                    first_dodf = Some((Path::new(path), rest));
                }
                dodf_count += 1;
            }
        }
        None
    }

    /// The parse that reads every form BER allows and names every error
    /// (out of line beside the direct read; without it, the parse).
    #[cfg_attr(feature = "fast-paths", inline(never))]
    fn parse_precise(bytes: &'a [u8]) -> Result<Odf<'a>> {
        let mut span = Span::new(bytes);
        let mut count = 0;
        let mut first_dodf = None;
        let mut dodf_count = 0;
        while let Some((e, rest)) =
            next_entry(span, count).map_err(|e| e.within(Structure::Odf, None))?
        {
            if let (ObjectClass::DataObjects, OdfLocation::Path(p)) = (e.class, e.location) {
                if first_dodf.is_none() {
                    first_dodf = Some((p, rest));
                }
                dodf_count += 1;
            }
            span = rest;
            count += 1;
        }
        Ok(Odf {
            bytes,
            count,
            first_dodf,
            dodf_count,
        })
    }

    /// The number of (known) entries.
    pub const fn len(&self) -> usize {
        self.count
    }

    /// Whether there is no known entry.
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The entries in file order.
    pub fn entries(&self) -> OdfEntries<'a> {
        OdfEntries {
            rest: Span::new(self.bytes),
        }
    }

    /// The paths of the DODFs, in file order (the order to search them in).
    pub fn data_object_paths(&self) -> DataObjectPaths<'a> {
        match self.first_dodf {
            Some((first, rest)) => DataObjectPaths {
                first: Some(first),
                rest: OdfEntries { rest },
                remaining: self.dodf_count - 1,
            },
            None => DataObjectPaths {
                first: None,
                rest: OdfEntries {
                    rest: Span::new(&[]),
                },
                remaining: 0,
            },
        }
    }
}

/// Iterator over the DODF paths of a validated [`Odf`]
/// ([`Odf::data_object_paths`]).
#[derive(Debug, Clone)]
pub struct DataObjectPaths<'a> {
    first: Option<Path<'a>>,
    rest: OdfEntries<'a>,
    /// DODF paths after `first` still to come: the search stops after the
    /// last one instead of walking the entries behind it.
    remaining: usize,
}

impl<'a> Iterator for DataObjectPaths<'a> {
    type Item = Path<'a>;

    fn next(&mut self) -> Option<Path<'a>> {
        if let Some(p) = self.first.take() {
            return Some(p);
        }
        if self.remaining == 0 {
            return None;
        }
        let p = self.rest.find_map(|e| match (e.class, e.location) {
            (ObjectClass::DataObjects, OdfLocation::Path(p)) => Some(p),
            _ => None,
        })?;
        self.remaining -= 1;
        Some(p)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.remaining + usize::from(self.first.is_some());
        (n, Some(n))
    }
}

impl ExactSizeIterator for DataObjectPaths<'_> {}

/// Iterator over the entries of a validated [`Odf`].
#[derive(Debug, Clone)]
pub struct OdfEntries<'a> {
    rest: Span<'a>,
}

impl<'a> Iterator for OdfEntries<'a> {
    type Item = OdfEntry<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        // The bytes were validated by `Odf::parse`: this cannot fail, and
        // the entry index (which only names an entry in an error) is moot.
        let (e, rest) = next_entry(self.rest, 0).ok()??;
        self.rest = rest;
        Some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::format;
    use std::vec::Vec;

    /// A piece of an ODF: an entry in the fast path's shape, or one of the
    /// forms it leaves to the precise parse, or padding.
    fn piece() -> impl Strategy<Value = (bool, Vec<u8>)> {
        let path = prop::collection::vec(any::<u8>(), 0..20);
        (0u8..13, 0xA0u8..0xAB, path, any::<u8>()).prop_map(|(form, class, p, x)| {
            let n = p.len() as u8;
            let mut v = Vec::new();
            let shaped = match form {
                // A path alone, short form (of any length: bad ones too).
                0..=5 => {
                    v.extend([class, n + 4, 0x30, n + 2, 0x04, n]);
                    v.extend(&p);
                    (0xA0..=0xA8).contains(&class) && (2..=16).contains(&n) && n % 2 == 0
                }
                // The path's length in long form.
                6 => {
                    v.extend([class, n + 5, 0x30, n + 3, 0x04, 0x81, n]);
                    v.extend(&p);
                    false
                }
                // With index and length.
                7 => {
                    v.extend([class, n + 10, 0x30, n + 8, 0x04, n]);
                    v.extend(&p);
                    v.extend([0x02, 0x01, x & 0x7F, 0x80, 0x01, 0x10]);
                    false
                }
                // Objects held directly.
                8 => {
                    v.extend([class, 0x04, 0xA0, 0x02, 0x05, 0x00]);
                    false
                }
                // Padding.
                9 => {
                    v.push(if x & 1 == 0 { 0x00 } else { 0xFF });
                    true
                }
                // Lengths that disagree.
                10 => {
                    v.extend([class, n + 4 + (x & 3), 0x30, n + 2, 0x04, n]);
                    v.extend(&p);
                    x & 3 == 0
                        && (0xA0..=0xA8).contains(&class)
                        && (2..=16).contains(&n)
                        && n % 2 == 0
                }
                // The SEQUENCE's length short of the entry's.
                11 => {
                    v.extend([
                        class,
                        n + 4,
                        0x30,
                        (n + 2).saturating_sub(1 + (x & 1)),
                        0x04,
                        n,
                    ]);
                    v.extend(&p);
                    false
                }
                // Any byte.
                _ => {
                    v.push(x);
                    x == 0x00 || x == 0xFF
                }
            };
            (shaped, v)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// The direct read and the precise parse agree: where the direct
        /// read takes an ODF, the precise parse builds the same `Odf`;
        /// an ODF of the direct read's shape alone is always taken by it.
        #[test]
        #[cfg_attr(miri, ignore = "safe code only; natively it runs 4000 cases")]
        fn fast_and_precise_agree(
            pieces in prop::collection::vec(piece(), 0..8),
            cut in any::<prop::sample::Index>(),
        ) {
            let shaped = pieces.iter().all(|(s, _)| *s);
            let bytes: Vec<u8> = pieces.into_iter().flat_map(|(_, v)| v).collect();
            let precise = Odf::parse_precise(&bytes);
            match Odf::parse_paths_only(&bytes) {
                Some(fast) => prop_assert_eq!(Ok(fast), precise),
                None => prop_assert!(!shaped, "refused an ODF of its shape: {:02X?}", bytes),
            }
            // Cut short anywhere: never taken where the precise parse fails.
            let short = &bytes[..cut.index(bytes.len() + 1)];
            if let Some(fast) = Odf::parse_paths_only(short) {
                prop_assert_eq!(Ok(fast), Odf::parse_precise(short));
            }
        }
    }

    /// The DODF paths after the first are found from where the direct read
    /// left them, as from the precise parse.
    #[test]
    fn dodf_paths_after_the_direct_read() {
        let bytes = [
            0xA0, 0x06, 0x30, 0x04, 0x04, 0x02, 0x44, 0x01, //
            0xA7, 0x06, 0x30, 0x04, 0x04, 0x02, 0x64, 0x30, //
            0x00, //
            0xA7, 0x08, 0x30, 0x06, 0x04, 0x04, 0x3F, 0x00, 0x64, 0x31, //
            0xFF, 0xFF,
        ];
        let fast = Odf::parse_paths_only(&bytes).unwrap();
        assert_eq!(Ok(fast), Odf::parse_precise(&bytes));
        let paths: Vec<&[u8]> = fast.data_object_paths().map(|p| p.path).collect();
        assert_eq!(paths, [&[0x64, 0x30][..], &[0x3F, 0x00, 0x64, 0x31]]);
        assert_eq!(fast.len(), 3);
    }
}
