//! EF.DIR (FID `2F00`): ISO/IEC 7816-4 application templates.
//!
//! ```text
//! 61 L { 4F AID | 50 label | 51 path | 73 discretionary data | others }
//! ```
//!
//! EF.DIR is linear-fixed (one template per record, padded with `FF`) or
//! transparent (templates one after the other). [`EfDir::parse`] takes the
//! transparent content or records laid end to end; [`ApplicationTemplate::parse_record`]
//! takes one record. `00`/`FF` padding between templates is skipped.
//! Other tags inside a template (`52`, `53`, ...) are checked for
//! well-formedness and skipped.
//!
//! ```
//! use scboot::dir::{EfDir, PKCS15_AID};
//! let bytes = [
//!     0x61, 0x14, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D,
//!     0x31, 0x35, 0x51, 0x04, 0x3F, 0x00, 0x50, 0x15, 0xFF, 0xFF,
//! ];
//! let dir = EfDir::parse(&bytes).unwrap();
//! let app = dir.pkcs15().unwrap();
//! assert_eq!(app.aid, PKCS15_AID);
//! assert_eq!(app.path, Some(&[0x3F, 0x00, 0x50, 0x15][..]));
//! ```

use crate::ber::BerWriter;
use crate::ber::{self, Encode, Tag, Writer, MAX_DEPTH};
use crate::error::{EncodeError, ErrorKind, Field, Result, Structure};
use crate::path::{check_path, check_path_value};
use crate::span::Span;

/// The PKCS#15 application identifier `A0 00 00 00 63 50 4B 43 53 2D 31 35`.
pub const PKCS15_AID: &[u8] = &[
    0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35,
];
/// The shortest AID (a registered RID alone).
pub const MIN_AID_LEN: usize = 5;
/// The longest AID (RID and an 11-byte PIX).
pub const MAX_AID_LEN: usize = 16;
/// The longest application label accepted.
pub const MAX_LABEL_LEN: usize = 255;

/// `61`: application template.
pub const TAG_TEMPLATE: Tag = Tag::application(1, true);
/// `4F`: application identifier.
pub const TAG_AID: Tag = Tag::application(15, false);
/// `50`: application label.
pub const TAG_LABEL: Tag = Tag::application(16, false);
/// `51`: path.
pub const TAG_PATH: Tag = Tag::application(17, false);
/// `73`: discretionary data objects.
pub const TAG_DDO: Tag = Tag::application(19, true);

/// One application template of EF.DIR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApplicationTemplate<'a> {
    /// Application identifier (`4F`), 5 to 16 bytes.
    pub aid: &'a [u8],
    /// Application label (`50`), UTF-8.
    pub label: Option<&'a str>,
    /// Path of the application DF (`51`).
    pub path: Option<&'a [u8]>,
    /// Content of the discretionary data objects (`73`), well-formed BER.
    pub discretionary: Option<&'a [u8]>,
}

fn set_once<T>(slot: &mut Option<T>, v: T, what: Field, offset: usize) -> Result<()> {
    if slot.is_some() {
        return crate::span::fail_of(ErrorKind::DuplicateField, what, offset);
    }
    *slot = Some(v);
    Ok(())
}

impl<'a> ApplicationTemplate<'a> {
    /// A template with an AID only.
    pub const fn new(aid: &'a [u8]) -> Self {
        ApplicationTemplate {
            aid,
            label: None,
            path: None,
            discretionary: None,
        }
    }

    /// Parse one linear-fixed record: a template followed by padding.
    /// An empty or all-padding record (an unused record) gives `Ok(None)`.
    pub fn parse_record(record: &'a [u8]) -> Result<Option<ApplicationTemplate<'a>>> {
        let span = Span::new(record);
        let Some((t, rest)) = next_template(span, 0)? else {
            return Ok(None);
        };
        let rest = ber::skip_padding(rest);
        if !rest.is_empty() {
            return crate::span::fail(ErrorKind::TrailingData, rest.offset())
                .map_err(|e: crate::Error| e.within(Structure::EfDir, None));
        }
        Ok(Some(t))
    }

    /// The template whose value is `content`, its header at `offset`.
    fn from_content(content: Span<'a>, offset: usize) -> Result<ApplicationTemplate<'a>> {
        let (mut aid, mut label, mut path, mut ddo) = (None, None, None, None);
        // The template's data objects, in any order (ISO 7816-4 8.2.1.1).
        let mut rest = content;
        while !rest.is_empty() {
            let (c, next) = ber::next_element(rest)?;
            rest = next;
            match c.tag() {
                TAG_AID => {
                    c.check_min_of(Field::Aid, MIN_AID_LEN)?;
                    c.check_max_of(Field::Aid, MAX_AID_LEN)?;
                    set_once(&mut aid, c.value(), Field::Aid, c.offset())?;
                }
                TAG_LABEL => {
                    let l = c.bounded_utf8_of(Field::Label, MAX_LABEL_LEN)?;
                    set_once(&mut label, l, Field::Label, c.offset())?;
                }
                TAG_PATH => {
                    check_path(&c, Field::Path)?;
                    set_once(&mut path, c.value(), Field::Path, c.offset())?;
                }
                TAG_DDO => {
                    ber::validate_span(c.span(), MAX_DEPTH - 2)?;
                    set_once(&mut ddo, c.value(), Field::DiscretionaryData, c.offset())?;
                }
                t if t.is_constructed() => ber::validate_span(c.span(), MAX_DEPTH - 2)?,
                _ => {}
            }
        }
        let Some(aid) = aid else {
            return crate::span::fail_of(ErrorKind::MissingField, Field::Aid, offset);
        };
        Ok(ApplicationTemplate {
            aid,
            label,
            path,
            discretionary: ddo,
        })
    }

    /// Whether this is the PKCS#15 application.
    pub fn is_pkcs15(&self) -> bool {
        self.aid == PKCS15_AID
    }

    fn content_len(&self) -> usize {
        ber::element_len(TAG_AID, self.aid.len())
            + self
                .label
                .map_or(0, |l| ber::element_len(TAG_LABEL, l.len()))
            + self.path.map_or(0, |p| ber::element_len(TAG_PATH, p.len()))
            + self
                .discretionary
                .map_or(0, |d| ber::element_len(TAG_DDO, d.len()))
    }
}

impl Encode for ApplicationTemplate<'_> {
    fn encoded_len(&self) -> usize {
        ber::element_len(TAG_TEMPLATE, self.content_len())
    }

    fn encode_to(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        if !(MIN_AID_LEN..=MAX_AID_LEN).contains(&self.aid.len()) {
            return Err(EncodeError::InvalidValue("AID must be 5..=16 bytes"));
        }
        if self.label.is_some_and(|l| l.len() > MAX_LABEL_LEN) {
            return Err(EncodeError::InvalidValue("label longer than 255 bytes"));
        }
        if let Some(p) = self.path {
            check_path_value(p)?;
        }
        w.header(TAG_TEMPLATE, self.content_len())?;
        w.element(TAG_AID, self.aid)?;
        if let Some(l) = self.label {
            w.element(TAG_LABEL, l.as_bytes())?;
        }
        if let Some(p) = self.path {
            w.element(TAG_PATH, p)?;
        }
        if let Some(d) = self.discretionary {
            w.element(TAG_DDO, d)?;
        }
        Ok(())
    }
}

/// Skip padding, then parse template number `index`; `None` at the end.
#[inline(always)]
fn next_template(
    span: Span<'_>,
    index: usize,
) -> Result<Option<(ApplicationTemplate<'_>, Span<'_>)>> {
    let span = ber::skip_padding(span);
    if span.is_empty() {
        return Ok(None);
    }
    let at = |e: crate::Error| e.within(Structure::DirTemplate, Some(index));
    let (e, rest) = ber::next_element(span).map_err(at)?;
    if e.tag() != TAG_TEMPLATE {
        return crate::span::fail_of(
            ErrorKind::UnexpectedTag,
            Field::ApplicationTemplate,
            e.offset(),
        )
        .map_err(at);
    }
    let t = ApplicationTemplate::from_content(e.span(), e.offset()).map_err(at)?;
    Ok(Some((t, rest)))
}

/// A validated EF.DIR: iterate with [`EfDir::templates`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EfDir<'a> {
    bytes: &'a [u8],
    count: usize,
    /// The first PKCS#15 template, found while validating.
    pkcs15: Option<ApplicationTemplate<'a>>,
}

impl<'a> EfDir<'a> {
    /// Parse and validate a transparent EF.DIR, or linear-fixed records laid end to end.
    pub fn parse(bytes: &'a [u8]) -> Result<EfDir<'a>> {
        let mut span = Span::new(bytes);
        let mut count = 0;
        let mut pkcs15 = None;
        while let Some((t, rest)) =
            next_template(span, count).map_err(|e| e.within(Structure::EfDir, None))?
        {
            if pkcs15.is_none() && t.aid == PKCS15_AID {
                pkcs15 = Some(t);
            }
            span = rest;
            count += 1;
        }
        Ok(EfDir {
            bytes,
            count,
            pkcs15,
        })
    }

    /// The number of templates.
    pub const fn len(&self) -> usize {
        self.count
    }

    /// Whether there is no template.
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The templates in file order.
    pub fn templates(&self) -> Templates<'a> {
        Templates {
            rest: Span::new(self.bytes),
            index: 0,
        }
    }

    /// The first template with this AID.
    pub fn find(&self, aid: &[u8]) -> Option<ApplicationTemplate<'a>> {
        self.templates().find(|t| t.aid == aid)
    }

    /// The first PKCS#15 application template.
    pub fn pkcs15(&self) -> Option<ApplicationTemplate<'a>> {
        // Found while validating.
        self.pkcs15
    }
}

/// Iterator over the templates of a validated [`EfDir`].
#[derive(Debug, Clone)]
pub struct Templates<'a> {
    rest: Span<'a>,
    index: usize,
}

impl<'a> Iterator for Templates<'a> {
    type Item = ApplicationTemplate<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        // Validated by EfDir::parse: an error here cannot happen; stop if it does.
        let (t, rest) = next_template(self.rest, self.index).ok()??;
        self.rest = rest;
        self.index += 1;
        Some(t)
    }
}
