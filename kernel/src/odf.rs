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

use nom::Parser;

use crate::ber::BerWriter;
use crate::ber::{self, contents, end, present, Element, Encode, Tag, TagClass, Writer, MAX_DEPTH};
use crate::error::{EncodeError, ErrorKind, Field, Result, Structure};
use crate::path::Path;
use crate::span::{PResult, Span};

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

/// `PathOrObjects ::= CHOICE { path Path, objects [0] SEQUENCE OF ..., ... }`,
/// the value of an ODF entry's class tag (EXPLICIT: it tags a CHOICE).
fn path_or_objects(input: Span<'_>) -> PResult<'_, OdfLocation<'_>> {
    let (rest, inner) = present(Field::PathOrObjects).parse(input)?;
    let location = match inner.tag() {
        Tag::SEQUENCE => OdfLocation::Path(Path::from_element(&inner).map_err(nom::Err::Error)?),
        TAG_OBJECTS => {
            ber::validate_span(inner.span(), MAX_DEPTH - 2).map_err(nom::Err::Error)?;
            OdfLocation::Direct(inner.value())
        }
        _ => {
            return Err(nom::Err::Error(crate::Error::of(
                ErrorKind::UnsupportedChoice,
                Field::PathOrObjects,
                inner.offset(),
            )))
        }
    };
    let (rest, ()) = end(rest)?;
    Ok((rest, location))
}

impl<'a> OdfEntry<'a> {
    fn from_element(e: &Element<'a>, class: ObjectClass) -> Result<OdfEntry<'a>> {
        let location = contents(e, path_or_objects)?;
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
