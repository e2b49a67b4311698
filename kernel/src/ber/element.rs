//! One BER element (X.690 8.1): the identifier and length octets read by
//! nom parsers over a [`Span`], the value borrowed; typed readers of the
//! value.

use core::fmt;

use nom::bytes::complete::take;
use nom::number::complete::be_u8;

use super::oid::Oid;
use super::primitives::{decode_bit_string, decode_integer, decode_utf8, BitString};
use super::tag::{Tag, TagClass, MAX_TAG_SUBSEQUENT_OCTETS};
use crate::error::{Error, ErrorKind, Field, Result};
use crate::span::{fail_of, finish, nom_fail, PResult, Span};

/// One BER element: tag, header and value, borrowed from the input.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Element<'a> {
    tag: Tag,
    offset: usize,
    header_len: usize,
    value: &'a [u8],
}

impl fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Element")
            .field("tag", &self.tag)
            .field("offset", &self.offset)
            .field("len", &self.value.len())
            .finish()
    }
}

#[inline]
fn tag(input: Span<'_>) -> PResult<'_, Tag> {
    let start = input.offset();
    let (mut input, b) = be_u8(input)?;
    let class = match b >> 6 {
        0 => TagClass::Universal,
        1 => TagClass::Application,
        2 => TagClass::ContextSpecific,
        _ => TagClass::Private,
    };
    let constructed = b & 0x20 != 0;
    if b & 0x1F != 0x1F {
        return Ok((input, Tag::new(class, constructed, u32::from(b & 0x1F))));
    }
    // High-tag-number form (X.690 8.1.2.4): base-128, bit 8 = "more".
    let mut number: u32 = 0;
    for i in 0..MAX_TAG_SUBSEQUENT_OCTETS {
        let (rest, s) = be_u8(input)?;
        input = rest;
        if i == 0 && s == 0x80 {
            // 8.1.2.4.2 c: the first subsequent octet shall not be 80.
            return nom_fail(ErrorKind::NonMinimalTag, start);
        }
        number = (number << 7) | u32::from(s & 0x7F);
        if s & 0x80 == 0 {
            if number < 31 {
                // Numbers 0..30 use the low form (8.1.2.3).
                return nom_fail(ErrorKind::NonMinimalTag, start);
            }
            return Ok((input, Tag::new(class, constructed, number)));
        }
    }
    nom_fail(ErrorKind::TagNumberTooLarge, start)
}

#[inline]
fn length(input: Span<'_>) -> PResult<'_, usize> {
    let at = input.offset();
    let (input, b) = be_u8(input)?;
    match b {
        0x00..=0x7F => Ok((input, usize::from(b))),
        0x80 => nom_fail(ErrorKind::IndefiniteLength, at),
        0xFF => nom_fail(ErrorKind::ReservedLength, at),
        0x81..=0x84 => {
            let (input, octets) = take(usize::from(b & 0x7F))(input)?;
            let len = octets
                .bytes()
                .iter()
                .fold(0u64, |acc, &o| (acc << 8) | u64::from(o));
            match usize::try_from(len) {
                Ok(len) => Ok((input, len)),
                Err(_) => nom_fail(ErrorKind::LengthExceedsParent, at),
            }
        }
        _ => nom_fail(ErrorKind::LengthTooLong, at),
    }
}

/// nom parser for one element; the value must fit in the input.
#[inline]
pub(crate) fn element(input: Span<'_>) -> PResult<'_, Element<'_>> {
    let offset = input.offset();
    let (input, t) = tag(input)?;
    let len_at = input.offset();
    let (input, len) = length(input)?;
    match input.split(len) {
        Some((value, rest)) => Ok((
            rest,
            Element {
                tag: t,
                offset,
                header_len: value.offset() - offset,
                value: value.bytes(),
            },
        )),
        None => nom_fail(ErrorKind::LengthExceedsParent, len_at),
    }
}

/// Parse one element from a span; `(element, rest)`. The common encoding
/// (one identifier octet, short-form length, value present) is decoded
/// directly with the `fast-paths` feature; anything else, errors
/// included, goes through the nom parser.
#[inline]
pub(crate) fn next_element(input: Span<'_>) -> Result<(Element<'_>, Span<'_>)> {
    if let [t, l, ..] = *input.bytes() {
        if cfg!(feature = "fast-paths") && t & 0x1F != 0x1F && l < 0x80 {
            let len = usize::from(l);
            if let Some((head, rest)) = input.split(2 + len) {
                let e = Element {
                    tag: Tag::low(t),
                    offset: input.offset(),
                    header_len: 2,
                    value: head.bytes().get(2..).unwrap_or(&[]),
                };
                return Ok((e, rest));
            }
        }
    }
    next_element_slow(input.bytes(), input.offset())
}

/// [`next_element`]'s general path. The span comes as its two parts, in
/// registers: passed whole, it would have to be kept in memory by every
/// caller's fast path.
#[cold]
#[inline(never)]
pub(super) fn next_element_slow(bytes: &[u8], offset: usize) -> Result<(Element<'_>, Span<'_>)> {
    let (rest, e) = finish(element(Span::at(bytes, offset)))?;
    Ok((e, rest))
}

impl<'a> Element<'a> {
    /// Parse one element at the start of `input`; returns it and the bytes after it.
    /// Offsets count from the start of `input`.
    pub fn parse(input: &'a [u8]) -> Result<(Element<'a>, &'a [u8])> {
        let (e, rest) = next_element(Span::new(input))?;
        Ok((e, rest.bytes()))
    }

    /// The tag.
    pub const fn tag(&self) -> Tag {
        self.tag
    }

    /// The offset of the first tag octet.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// The length of tag and length octets.
    pub const fn header_len(&self) -> usize {
        self.header_len
    }

    /// The offset of the first value octet.
    pub const fn value_offset(&self) -> usize {
        self.offset + self.header_len
    }

    /// The value octets.
    pub const fn value(&self) -> &'a [u8] {
        self.value
    }

    /// Header plus value length.
    pub const fn encoded_len(&self) -> usize {
        self.header_len + self.value.len()
    }

    pub(crate) const fn span(&self) -> Span<'a> {
        Span::at(self.value, self.offset + self.header_len)
    }

    /// The elements inside a constructed element (lazy, one level).
    pub fn children(&self) -> Elements<'a> {
        Elements::over(self.span())
    }

    fn expect_primitive(&self, expected: Field) -> Result<()> {
        if self.tag.is_constructed() {
            return fail_of(ErrorKind::UnexpectedTag, expected, self.offset);
        }
        Ok(())
    }

    /// The value as an INTEGER (X.690 8.3) that fits in `i64`.
    #[inline]
    pub fn integer(&self) -> Result<i64> {
        self.expect_primitive(Field::PrimitiveInteger)?;
        decode_integer(self.span())
    }

    /// The value as a non-negative INTEGER no larger than `max`.
    #[inline]
    pub fn unsigned(&self, max: u32) -> Result<u32> {
        self.unsigned_in(None, max)
    }

    /// [`Element::unsigned`] for the component `field`.
    #[inline]
    pub(crate) fn unsigned_of(&self, field: Field, max: u32) -> Result<u32> {
        self.unsigned_in(Some(field), max)
    }

    #[inline]
    fn unsigned_in(&self, field: Option<Field>, max: u32) -> Result<u32> {
        let v = self.integer()?;
        match u32::try_from(v) {
            Ok(u) if u <= max => Ok(u),
            _ => Err(Error::with(
                ErrorKind::IntegerOutOfRange,
                field,
                self.offset,
            )),
        }
    }

    /// The value as a BIT STRING (X.690 8.6).
    pub fn bit_string(&self) -> Result<BitString<'a>> {
        self.expect_primitive(Field::PrimitiveBitString)?;
        decode_bit_string(self.span())
    }

    /// The value as a UTF8String.
    #[inline]
    pub fn utf8(&self) -> Result<&'a str> {
        self.expect_primitive(Field::PrimitiveString)?;
        decode_utf8(self.span())
    }

    /// The value as a UTF8String of at most `max` bytes (a PKCS#15 `Label`).
    #[inline]
    pub fn bounded_utf8(&self, max: usize) -> Result<&'a str> {
        self.check_max(max)?;
        self.utf8()
    }

    /// [`Element::bounded_utf8`] for the component `field`.
    #[inline]
    pub(crate) fn bounded_utf8_of(&self, field: Field, max: usize) -> Result<&'a str> {
        self.check_max_of(field, max)?;
        self.utf8()
    }

    /// Fail with [`ErrorKind::TooShort`] when the value has fewer than `min` bytes.
    pub fn check_min(&self, min: usize) -> Result<()> {
        self.check_min_in(None, min)
    }

    /// [`Element::check_min`] for the component `field`.
    pub(crate) fn check_min_of(&self, field: Field, min: usize) -> Result<()> {
        self.check_min_in(Some(field), min)
    }

    fn check_min_in(&self, field: Option<Field>, min: usize) -> Result<()> {
        if self.value.len() < min {
            return Err(Error::with(ErrorKind::TooShort, field, self.offset));
        }
        Ok(())
    }

    /// Fail with [`ErrorKind::TooLong`] when the value exceeds `max` bytes.
    pub fn check_max(&self, max: usize) -> Result<()> {
        self.check_max_in(None, max)
    }

    /// [`Element::check_max`] for the component `field`.
    pub(crate) fn check_max_of(&self, field: Field, max: usize) -> Result<()> {
        self.check_max_in(Some(field), max)
    }

    fn check_max_in(&self, field: Option<Field>, max: usize) -> Result<()> {
        if self.value.len() > max {
            return Err(Error::with(ErrorKind::TooLong, field, self.offset));
        }
        Ok(())
    }

    /// The value as an OBJECT IDENTIFIER (X.690 8.19).
    #[inline]
    pub fn oid(&self) -> Result<Oid<'a>> {
        self.expect_primitive(Field::PrimitiveOid)?;
        Oid::validate(self.span())
    }
}

/// A lazy iterator over consecutive elements; it stops after the first error.
#[derive(Clone, Debug)]
pub struct Elements<'a> {
    rest: Span<'a>,
    failed: bool,
}

impl<'a> Elements<'a> {
    /// Iterate over the elements that make up `input` (offsets from its start).
    pub fn new(input: &'a [u8]) -> Self {
        Elements {
            rest: Span::new(input),
            failed: false,
        }
    }

    /// Iterate over the elements of `span` (offsets as the span says).
    pub(crate) const fn over(span: Span<'a>) -> Self {
        Elements {
            rest: span,
            failed: false,
        }
    }
}

impl<'a> Iterator for Elements<'a> {
    type Item = Result<Element<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        match next_element(self.rest) {
            Ok((e, rest)) => {
                self.rest = rest;
                Some(Ok(e))
            }
            Err(err) => {
                self.failed = true;
                Some(Err(err))
            }
        }
    }
}
