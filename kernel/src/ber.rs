//! BER-TLV core (ITU-T X.690 clause 8.1) and the primitive types PKCS#15 uses.
//!
//! * Tags: low form and high form up to three subsequent octets (numbers
//!   below 2^21); a high form that could have been shorter is rejected.
//! * Lengths: definite short form and long form with 1 to 4 length octets.
//!   The indefinite form `80` and the reserved `FF` are rejected with their
//!   own errors. A value must fit inside its parent.
//! * Nesting: structured parsers have a fixed depth; the generic walker
//!   ([`validate`]) is iterative with a fixed stack of [`MAX_DEPTH`] levels.
//!
//! Every parsed value borrows from the input.
//!
//! ```
//! use scboot::ber::{Element, Tag};
//! let (e, rest) = Element::parse(&[0x04, 0x02, 0x3F, 0x00, 0xFF]).unwrap();
//! assert_eq!(e.tag(), Tag::OCTET_STRING);
//! assert_eq!(e.value(), &[0x3F, 0x00]);
//! assert_eq!(rest, &[0xFF]);
//! ```

use core::fmt;

use nom::bytes::complete::take;
use nom::number::complete::be_u8;

use crate::error::{EncodeError, Error, ErrorKind, Result};
use crate::span::Span;

/// nom result over a [`Span`].
pub(crate) type PResult<'a, T> = nom::IResult<Span<'a>, T, Error>;

/// The deepest nesting the generic walker follows.
pub const MAX_DEPTH: u8 = 16;

/// High tag numbers are bounded to this many subsequent octets (numbers < 2^21).
pub const MAX_TAG_SUBSEQUENT_OCTETS: usize = 3;

pub(crate) fn fail<T>(kind: ErrorKind, offset: usize) -> Result<T> {
    Err(Error::new(kind, offset))
}

fn nom_fail<'a, T>(kind: ErrorKind, offset: usize) -> PResult<'a, T> {
    Err(nom::Err::Error(Error::new(kind, offset)))
}

/// Turn a nom result into this crate's error.
#[inline]
pub(crate) fn finish<'a, T>(r: PResult<'a, T>) -> Result<(Span<'a>, T)> {
    match r {
        Ok(v) => Ok(v),
        Err(nom::Err::Error(e)) | Err(nom::Err::Failure(e)) => Err(e),
        // Only complete-input parsers are used; keep the arm total anyway.
        Err(nom::Err::Incomplete(_)) => Err(Error::new(ErrorKind::Truncated, 0)),
    }
}

/// Tag class (X.690 8.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagClass {
    /// Universal (`00`).
    Universal,
    /// Application (`01`).
    Application,
    /// Context-specific (`10`).
    ContextSpecific,
    /// Private (`11`).
    Private,
}

/// A BER tag: class, primitive/constructed, number.
///
/// Packed in one word (class and constructed bits of the first identifier
/// octet above the number), so comparing two tags is one comparison.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(u64);

impl Tag {
    /// BOOLEAN.
    pub const BOOLEAN: Tag = Tag::universal(1, false);
    /// INTEGER.
    pub const INTEGER: Tag = Tag::universal(2, false);
    /// BIT STRING.
    pub const BIT_STRING: Tag = Tag::universal(3, false);
    /// OCTET STRING.
    pub const OCTET_STRING: Tag = Tag::universal(4, false);
    /// NULL.
    pub const NULL: Tag = Tag::universal(5, false);
    /// OBJECT IDENTIFIER.
    pub const OID: Tag = Tag::universal(6, false);
    /// UTF8String.
    pub const UTF8_STRING: Tag = Tag::universal(12, false);
    /// PrintableString.
    pub const PRINTABLE_STRING: Tag = Tag::universal(19, false);
    /// IA5String.
    pub const IA5_STRING: Tag = Tag::universal(22, false);
    /// GeneralizedTime.
    pub const GENERALIZED_TIME: Tag = Tag::universal(24, false);
    /// SEQUENCE (always constructed).
    pub const SEQUENCE: Tag = Tag::universal(16, true);

    /// The tag of a one-octet identifier (low tag number, bits 5..1 not all ones).
    #[inline]
    pub(crate) const fn low(b: u8) -> Tag {
        Tag(((b & 0xE0) as u64) << 32 | (b & 0x1F) as u64)
    }

    /// A tag from its parts.
    pub const fn new(class: TagClass, constructed: bool, number: u32) -> Tag {
        let c: u64 = match class {
            TagClass::Universal => 0x00,
            TagClass::Application => 0x40,
            TagClass::ContextSpecific => 0x80,
            TagClass::Private => 0xC0,
        };
        let c = if constructed { c | 0x20 } else { c };
        Tag(c << 32 | number as u64)
    }

    const fn universal(number: u32, constructed: bool) -> Tag {
        Tag::new(TagClass::Universal, constructed, number)
    }

    /// A context-specific tag `[number]`.
    pub const fn context(number: u32, constructed: bool) -> Tag {
        Tag::new(TagClass::ContextSpecific, constructed, number)
    }

    /// An application tag `[APPLICATION number]`.
    pub const fn application(number: u32, constructed: bool) -> Tag {
        Tag::new(TagClass::Application, constructed, number)
    }

    /// The tag class.
    pub const fn class(&self) -> TagClass {
        match self.class_bits() >> 6 {
            0 => TagClass::Universal,
            1 => TagClass::Application,
            2 => TagClass::ContextSpecific,
            _ => TagClass::Private,
        }
    }

    /// Whether the encoding is constructed.
    pub const fn is_constructed(&self) -> bool {
        self.class_bits() & 0x20 != 0
    }

    /// The tag number.
    pub const fn number(&self) -> u32 {
        self.0 as u32
    }

    /// Class and constructed bits, as in the first identifier octet.
    const fn class_bits(&self) -> u8 {
        (self.0 >> 32) as u8
    }

    /// The identifier octets of this tag and how many of the 4 are used.
    pub const fn to_bytes(&self) -> ([u8; 4], usize) {
        let first = self.class_bits();
        let n = self.number();
        if n < 31 {
            ([first | n as u8, 0, 0, 0], 1)
        } else if n < (1 << 7) {
            ([first | 0x1F, n as u8, 0, 0], 2)
        } else if n < (1 << 14) {
            (
                [first | 0x1F, 0x80 | (n >> 7) as u8, (n & 0x7F) as u8, 0],
                3,
            )
        } else {
            (
                [
                    first | 0x1F,
                    0x80 | ((n >> 14) & 0x7F) as u8,
                    0x80 | ((n >> 7) & 0x7F) as u8,
                    (n & 0x7F) as u8,
                ],
                4,
            )
        }
    }

    /// The number of identifier octets.
    pub const fn encoded_len(&self) -> usize {
        self.to_bytes().1
    }

    /// The first identifier octet (for low-number tags, the whole tag).
    #[inline]
    pub const fn first_byte(&self) -> u8 {
        self.to_bytes().0[0]
    }

    /// Whether this tag can be represented by the tag machinery here
    /// (number below 2^21).
    pub const fn is_encodable(&self) -> bool {
        self.number() < (1 << 21)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (b, n) = self.to_bytes();
        for byte in b.iter().take(n) {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}

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
                Err(_) => nom_fail(
                    ErrorKind::LengthExceedsParent {
                        length: usize::MAX,
                        available: input.len(),
                    },
                    at,
                ),
            }
        }
        _ => nom_fail(ErrorKind::LengthTooLong { octets: b & 0x7F }, at),
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
        None => nom_fail(
            ErrorKind::LengthExceedsParent {
                length: len,
                available: input.len(),
            },
            len_at,
        ),
    }
}

/// Parse one element from a span; `(element, rest)`. The common encoding
/// (one identifier octet, short-form length, value present) is decoded
/// directly; anything else, errors included, goes through the nom parser.
#[inline]
pub(crate) fn next_element(input: Span<'_>) -> Result<(Element<'_>, Span<'_>)> {
    if let [t, l, ..] = *input.bytes() {
        if t & 0x1F != 0x1F && l < 0x80 {
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
    next_element_slow(input)
}

#[cold]
#[inline(never)]
fn next_element_slow(input: Span<'_>) -> Result<(Element<'_>, Span<'_>)> {
    let (rest, e) = finish(element(input))?;
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
        Elements {
            rest: self.span(),
            failed: false,
        }
    }

    fn expect_primitive(&self, expected: &'static str) -> Result<()> {
        if self.tag.is_constructed() {
            return fail(
                ErrorKind::UnexpectedTag {
                    expected,
                    found: self.tag,
                },
                self.offset,
            );
        }
        Ok(())
    }

    /// The value as an INTEGER (X.690 8.3) that fits in `i64`.
    pub fn integer(&self) -> Result<i64> {
        self.expect_primitive("a primitive INTEGER")?;
        decode_integer(self.span())
    }

    /// The value as a non-negative INTEGER no larger than `max`.
    pub fn unsigned(&self, field: &'static str, max: u32) -> Result<u32> {
        let v = self.integer()?;
        match u32::try_from(v) {
            Ok(u) if u <= max => Ok(u),
            _ => fail(
                ErrorKind::IntegerOutOfRange { field, value: v },
                self.offset,
            ),
        }
    }

    /// The value as a BIT STRING (X.690 8.6).
    pub fn bit_string(&self) -> Result<BitString<'a>> {
        self.expect_primitive("a primitive BIT STRING")?;
        decode_bit_string(self.span())
    }

    /// The value as a UTF8String.
    pub fn utf8(&self) -> Result<&'a str> {
        self.expect_primitive("a primitive string")?;
        decode_utf8(self.span())
    }

    /// The value as a UTF8String of at most `max` bytes (a PKCS#15 `Label`).
    pub fn bounded_utf8(&self, field: &'static str, max: usize) -> Result<&'a str> {
        self.check_max(field, max)?;
        self.utf8()
    }

    /// Fail with [`ErrorKind::TooShort`] when the value has fewer than `min` bytes.
    pub fn check_min(&self, field: &'static str, min: usize) -> Result<()> {
        if self.value.len() < min {
            return fail(
                ErrorKind::TooShort {
                    field,
                    len: self.value.len(),
                    min,
                },
                self.offset,
            );
        }
        Ok(())
    }

    /// Fail with [`ErrorKind::TooLong`] when the value exceeds `max` bytes.
    pub fn check_max(&self, field: &'static str, max: usize) -> Result<()> {
        if self.value.len() > max {
            return fail(
                ErrorKind::TooLong {
                    field,
                    len: self.value.len(),
                    max,
                },
                self.offset,
            );
        }
        Ok(())
    }

    /// The value as an OBJECT IDENTIFIER (X.690 8.19).
    pub fn oid(&self) -> Result<Oid<'a>> {
        self.expect_primitive("a primitive OBJECT IDENTIFIER")?;
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

/// Check that `input` is a concatenation of well-formed elements, descending
/// into constructed ones down to `max_depth` levels (at most [`MAX_DEPTH`]).
/// Iterative: no recursion, whatever the input.
pub fn validate(input: &[u8], max_depth: u8) -> Result<()> {
    validate_span(Span::new(input), max_depth)
}

pub(crate) fn validate_span(input: Span<'_>, max_depth: u8) -> Result<()> {
    if input.is_empty() {
        return Ok(());
    }
    let max_depth = max_depth.clamp(1, MAX_DEPTH);
    walk(input, 0, max_depth)
}

/// Pre-order walk; the recursion is bounded by `max_depth` (at most [`MAX_DEPTH`]).
fn walk(mut cur: Span<'_>, depth: u8, max_depth: u8) -> Result<()> {
    while !cur.is_empty() {
        let (e, rest) = next_element(cur)?;
        if e.tag().is_constructed() {
            if depth + 1 >= max_depth {
                return fail(ErrorKind::DepthExceeded { max: max_depth }, e.offset());
            }
            walk(e.span(), depth + 1, max_depth)?;
        }
        cur = rest;
    }
    Ok(())
}

// ---------------------------------------------------------------- primitives

pub(crate) fn decode_integer(v: Span<'_>) -> Result<i64> {
    let bytes = v.bytes();
    let (first, second) = match bytes {
        [] => return fail(ErrorKind::EmptyInteger, v.offset()),
        [a] => (*a, None),
        [a, b, ..] => (*a, Some(*b)),
    };
    if let Some(b) = second {
        // 8.3.2: the first nine bits shall not be all ones or all zeros.
        if (first == 0x00 && b & 0x80 == 0) || (first == 0xFF && b & 0x80 != 0) {
            return fail(ErrorKind::NonMinimalInteger, v.offset());
        }
    }
    if bytes.len() > 8 {
        return fail(ErrorKind::IntegerTooLarge, v.offset());
    }
    // Two's complement, sign-extended from the first octet (8.3.3).
    let init: i64 = if first & 0x80 != 0 { -1 } else { 0 };
    Ok(bytes.iter().fold(init, |acc, &b| (acc << 8) | i64::from(b)))
}

/// A BIT STRING (X.690 8.6): named bits numbered from the first octet's MSB.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BitString<'a> {
    unused: u8,
    bits: &'a [u8],
}

impl<'a> BitString<'a> {
    /// Bit `n` (0 = MSB of the first octet); bits past the end are 0.
    pub fn bit(&self, n: usize) -> bool {
        if n >= self.len() {
            return false;
        }
        match self.bits.get(n / 8) {
            Some(b) => b & (0x80 >> (n % 8)) != 0,
            None => false,
        }
    }

    /// The number of bits.
    pub fn len(&self) -> usize {
        (self.bits.len() * 8).saturating_sub(usize::from(self.unused))
    }

    /// Whether the string has no bits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first `n <= 32` bits as an integer, bit 0 in the least significant position.
    pub fn flags(&self, n: usize) -> u32 {
        let n = n.min(32).min(self.len());
        if n == 0 {
            return 0;
        }
        // The first four octets, first bit in the most significant position;
        // keep the first n bits; reversing puts bit 0 in the least significant.
        let mut w = 0u32;
        for (k, &b) in self.bits.iter().take(4).enumerate() {
            w |= u32::from(b) << (24 - 8 * k);
        }
        (w & (u32::MAX << (32 - n))).reverse_bits()
    }
}

pub(crate) fn decode_bit_string(v: Span<'_>) -> Result<BitString<'_>> {
    match v.bytes() {
        [] => fail(ErrorKind::EmptyBitString, v.offset()),
        [unused, rest @ ..] => {
            if *unused > 7 || (rest.is_empty() && *unused != 0) {
                return fail(ErrorKind::InvalidUnusedBits(*unused), v.offset());
            }
            Ok(BitString {
                unused: *unused,
                bits: rest,
            })
        }
    }
}

pub(crate) fn decode_utf8(v: Span<'_>) -> Result<&str> {
    core::str::from_utf8(v.bytes())
        .map_err(|e| Error::new(ErrorKind::InvalidUtf8, v.offset() + e.valid_up_to()))
}

fn is_printable(b: u8) -> bool {
    // X.680 41.4, Table 10: PrintableString characters.
    b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b)
}

fn check_chars<'a>(v: Span<'a>, field: &'static str, ok: fn(u8) -> bool) -> Result<&'a str> {
    for (i, &b) in v.bytes().iter().enumerate() {
        if !ok(b) {
            return fail(
                ErrorKind::InvalidCharacter { field, byte: b },
                v.offset() + i,
            );
        }
    }
    // Both character sets are ASCII subsets, so this cannot fail.
    decode_utf8(v)
}

pub(crate) fn decode_printable<'a>(v: Span<'a>, field: &'static str) -> Result<&'a str> {
    check_chars(v, field, is_printable)
}

pub(crate) fn decode_ia5<'a>(v: Span<'a>, field: &'static str) -> Result<&'a str> {
    check_chars(v, field, |b| b.is_ascii())
}

/// GeneralizedTime (X.680 46): `YYYYMMDDHH[MM[SS[.f+]]][Z|+hhmm|-hhmm]`,
/// checked for shape (digits and separators). Length bounds are the caller's.
pub(crate) fn decode_generalized_time(v: Span<'_>) -> Result<&str> {
    const FIELD: &str = "GeneralizedTime";
    let b = v.bytes();
    let bad = |i: usize, byte: u8| {
        fail::<&str>(
            ErrorKind::InvalidCharacter { field: FIELD, byte },
            v.offset() + i,
        )
    };
    let mut i = 0;
    // Date and hour: 10 digits; then optional minutes and seconds.
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if !matches!(i, 10 | 12 | 14) {
        return match b.get(i) {
            Some(&byte) => bad(i, byte),
            None => fail(ErrorKind::Truncated, v.end()),
        };
    }
    if let Some(&sep) = b.get(i) {
        if sep == b'.' || sep == b',' {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return match b.get(i) {
                    Some(&byte) => bad(i, byte),
                    None => fail(ErrorKind::Truncated, v.end()),
                };
            }
        }
    }
    match b.get(i) {
        None => {}
        Some(b'Z') => i += 1,
        Some(b'+') | Some(b'-') => {
            i += 1;
            for _ in 0..4 {
                match b.get(i) {
                    Some(d) if d.is_ascii_digit() => i += 1,
                    Some(&byte) => return bad(i, byte),
                    None => return fail(ErrorKind::Truncated, v.end()),
                }
            }
        }
        Some(&byte) => return bad(i, byte),
    }
    if let Some(&byte) = b.get(i) {
        return bad(i, byte);
    }
    decode_utf8(v)
}

/// An OBJECT IDENTIFIER, kept as its validated content octets.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Oid<'a> {
    content: &'a [u8],
}

impl<'a> Oid<'a> {
    /// 2.23.43.9.1, the LwM2M bootstrap data object (DER content `67 2B 09 01`).
    pub const LWM2M_BOOTSTRAP: Oid<'static> = Oid {
        content: &[0x67, 0x2B, 0x09, 0x01],
    };

    /// Validate OID content octets (without tag and length).
    pub fn from_content(content: &'a [u8]) -> Result<Oid<'a>> {
        Oid::validate(Span::new(content))
    }

    pub(crate) fn validate(v: Span<'a>) -> Result<Oid<'a>> {
        let bytes = v.bytes();
        if bytes.is_empty() {
            return fail(ErrorKind::EmptyOid, v.offset());
        }
        // Every subidentifier in one octet (the usual case): nothing to check.
        if bytes.iter().all(|&b| b < 0x80) {
            return Ok(Oid { content: bytes });
        }
        let mut arc_start = true;
        let mut acc: u64 = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if arc_start && b == 0x80 {
                // 8.19.2: subidentifiers use the fewest octets possible.
                return fail(ErrorKind::NonMinimalOidArc, v.offset() + i);
            }
            acc = (acc << 7) | u64::from(b & 0x7F);
            if acc > u64::from(u32::MAX) {
                return fail(ErrorKind::OidArcOverflow, v.offset() + i);
            }
            arc_start = b & 0x80 == 0;
            if arc_start {
                acc = 0;
            }
        }
        if !arc_start {
            return fail(ErrorKind::TruncatedOid, v.end());
        }
        Ok(Oid { content: bytes })
    }

    /// The content octets.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.content
    }

    /// The arcs (the first subidentifier split into two arcs, X.690 8.19.4).
    pub fn arcs(&self) -> OidArcs<'a> {
        OidArcs {
            rest: self.content,
            pending: None,
            first: true,
        }
    }
}

impl fmt::Display for Oid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arc) in self.arcs().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{arc}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Oid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}

/// Iterator over the arcs of an [`Oid`].
#[derive(Clone, Debug)]
pub struct OidArcs<'a> {
    rest: &'a [u8],
    pending: Option<u32>,
    first: bool,
}

impl Iterator for OidArcs<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if let Some(p) = self.pending.take() {
            return Some(p);
        }
        let mut acc: u32 = 0;
        loop {
            let (&b, rest) = self.rest.split_first()?;
            self.rest = rest;
            acc = (acc << 7) | u32::from(b & 0x7F);
            if b & 0x80 == 0 {
                break;
            }
        }
        if self.first {
            self.first = false;
            let (x, y) = match acc {
                0..=39 => (0, acc),
                40..=79 => (1, acc - 40),
                _ => (2, acc - 80),
            };
            self.pending = Some(y);
            return Some(x);
        }
        Some(acc)
    }
}

/// Encode dotted arcs (`[2, 23, 43, 9, 1]`) as OID content octets into `out`;
/// returns the number of bytes written.
pub fn encode_oid_arcs(arcs: &[u32], out: &mut [u8]) -> core::result::Result<usize, EncodeError> {
    let (a0, a1, rest) = match arcs {
        [a0, a1, rest @ ..] => (*a0, *a1, rest),
        _ => return Err(EncodeError::InvalidValue("an OID needs at least two arcs")),
    };
    if a0 > 2 || (a0 < 2 && a1 > 39) {
        return Err(EncodeError::InvalidValue("OID first arcs out of range"));
    }
    let first = u64::from(a0) * 40 + u64::from(a1);
    if first > u64::from(u32::MAX) {
        return Err(EncodeError::InvalidValue(
            "OID first subidentifier exceeds 32 bits",
        ));
    }
    let mut w = Writer::new(out);
    // `first` fits in u32 (checked above).
    write_base128(&mut w, first as u32)?;
    for &arc in rest {
        write_base128(&mut w, arc)?;
    }
    Ok(w.position())
}

fn write_base128(w: &mut Writer<'_>, v: u32) -> core::result::Result<(), EncodeError> {
    let mut tmp = [0u8; 5];
    let mut n = 0;
    let mut x = v;
    loop {
        if let Some(slot) = tmp.get_mut(4 - n) {
            *slot = (x & 0x7F) as u8 | if n == 0 { 0 } else { 0x80 };
        }
        n += 1;
        x >>= 7;
        if x == 0 {
            break;
        }
    }
    w.put(tmp.get(5 - n..).unwrap_or(&[]))
}

// ------------------------------------------------------------------ encoding

/// The number of length octets for a value of `len` bytes (definite form).
pub const fn length_len(len: usize) -> usize {
    if len < 0x80 {
        1
    } else if len <= 0xFF {
        2
    } else if len <= 0xFFFF {
        3
    } else if len <= 0xFF_FFFF {
        4
    } else {
        5
    }
}

/// Total encoded size of an element with `tag` and a value of `len` bytes.
pub const fn element_len(tag: Tag, len: usize) -> usize {
    tag.encoded_len() + length_len(len) + len
}

/// A cursor over a caller's output buffer.
#[derive(Debug)]
pub struct Writer<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> Writer<'b> {
    /// Write into `buf` from its start.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    /// Bytes written so far.
    pub const fn position(&self) -> usize {
        self.pos
    }

    /// Append bytes.
    pub fn put(&mut self, bytes: &[u8]) -> core::result::Result<(), EncodeError> {
        let available = self.buf.len();
        let end = self.pos.saturating_add(bytes.len());
        match self.buf.get_mut(self.pos..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.pos = end;
                Ok(())
            }
            None => Err(EncodeError::BufferTooSmall {
                needed: end,
                available,
            }),
        }
    }

    /// Append one byte.
    pub fn put_u8(&mut self, b: u8) -> core::result::Result<(), EncodeError> {
        self.put(&[b])
    }

    /// Append a big-endian u16.
    pub fn put_u16(&mut self, v: u16) -> core::result::Result<(), EncodeError> {
        self.put(&v.to_be_bytes())
    }

    /// Append a BER header (tag and definite length).
    pub fn header(&mut self, tag: Tag, len: usize) -> core::result::Result<(), EncodeError> {
        if !tag.is_encodable() {
            return Err(EncodeError::InvalidValue("tag number too large"));
        }
        let (t, n) = tag.to_bytes();
        self.put(t.get(..n).unwrap_or(&[]))?;
        if len < 0x80 {
            return self.put_u8(len as u8);
        }
        let nbytes = length_len(len) - 1;
        if nbytes > 4 {
            return Err(EncodeError::InvalidValue("value longer than 2^32-1 bytes"));
        }
        self.put_u8(0x80 | nbytes as u8)?;
        let be = (len as u64).to_be_bytes();
        self.put(be.get(8 - nbytes..).unwrap_or(&[]))
    }

    /// Append a whole primitive element.
    pub fn element(&mut self, tag: Tag, value: &[u8]) -> core::result::Result<(), EncodeError> {
        self.header(tag, value.len())?;
        self.put(value)
    }
}

/// Something that encodes into a caller's buffer with an exact size.
pub trait Encode {
    /// The exact number of bytes [`Encode::encode`] writes.
    fn encoded_len(&self) -> usize;

    /// Write the encoding through `w`.
    fn encode_to(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError>;

    /// Write the encoding at the start of `buf`; returns the bytes written,
    /// always equal to [`Encode::encoded_len`].
    fn encode(&self, buf: &mut [u8]) -> core::result::Result<usize, EncodeError> {
        let needed = self.encoded_len();
        if buf.len() < needed {
            return Err(EncodeError::BufferTooSmall {
                needed,
                available: buf.len(),
            });
        }
        let mut w = Writer::new(buf);
        self.encode_to(&mut w)?;
        Ok(w.position())
    }
}

/// Minimal two's-complement content octets of an INTEGER (X.690 8.3):
/// returns a buffer and the index where the content starts.
#[allow(clippy::indexing_slicing)] // start < 7 throughout, so both indexes are < 8
pub const fn integer_content(v: i64) -> ([u8; 8], usize) {
    let b = v.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let cur = b[start];
        let next_msb = b[start + 1] & 0x80;
        if (cur == 0x00 && next_msb == 0) || (cur == 0xFF && next_msb != 0) {
            start += 1;
        } else {
            break;
        }
    }
    (b, start)
}

/// Encoded size of an INTEGER element.
pub const fn integer_len(v: i64) -> usize {
    let (_, start) = integer_content(v);
    element_len(Tag::INTEGER, 8 - start)
}

/// Append an INTEGER element.
pub fn put_integer(w: &mut Writer<'_>, tag: Tag, v: i64) -> core::result::Result<(), EncodeError> {
    let (b, start) = integer_content(v);
    w.element(tag, b.get(start..).unwrap_or(&[]))
}

/// Content length of a DER named-bit BIT STRING holding `flags` (bit i = named bit i).
pub const fn named_bits_content_len(flags: u32) -> usize {
    if flags == 0 {
        1
    } else {
        let highest = 31 - flags.leading_zeros() as usize;
        1 + highest / 8 + 1
    }
}

/// Append a DER named-bit BIT STRING (trailing zero bits removed, X.690 11.2.2).
pub fn put_named_bits(
    w: &mut Writer<'_>,
    tag: Tag,
    flags: u32,
) -> core::result::Result<(), EncodeError> {
    let len = named_bits_content_len(flags);
    w.header(tag, len)?;
    if flags == 0 {
        return w.put_u8(0);
    }
    let nbits = 32 - flags.leading_zeros() as usize;
    let nbytes = len - 1;
    let unused = nbytes * 8 - nbits;
    w.put_u8(unused as u8)?;
    for byte in 0..nbytes {
        let mut o = 0u8;
        for bit in 0..8 {
            let n = byte * 8 + bit;
            if n < 32 && flags & (1 << n) != 0 {
                o |= 0x80 >> bit;
            }
        }
        w.put_u8(o)?;
    }
    Ok(())
}

// ------------------------------------------------------------ sequence reader

/// Reads the components of a SEQUENCE (or any run of elements) in order.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a> {
    rest: Span<'a>,
}

impl<'a> Reader<'a> {
    #[inline]
    pub(crate) fn new(span: Span<'a>) -> Self {
        Reader { rest: span }
    }

    /// The offset of the next unread byte.
    #[inline]
    pub(crate) fn offset(&self) -> usize {
        self.rest.offset()
    }

    /// The next element, if any.
    #[inline]
    pub(crate) fn next(&mut self) -> Result<Option<Element<'a>>> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (e, rest) = next_element(self.rest)?;
        self.rest = rest;
        Ok(Some(e))
    }

    /// The next element if it has `tag` (a low-number tag: its one
    /// identifier octet decides, so a non-matching element is left as is).
    #[inline]
    pub(crate) fn optional(&mut self, tag: Tag) -> Result<Option<Element<'a>>> {
        match self.rest.bytes().first() {
            Some(&b) if b == tag.first_byte() => self.next(),
            _ => Ok(None),
        }
    }

    /// The next element, which must have `tag`.
    #[inline]
    pub(crate) fn required(&mut self, tag: Tag, what: &'static str) -> Result<Element<'a>> {
        if self.rest.is_empty() {
            return fail(ErrorKind::MissingField(what), self.rest.end());
        }
        let (e, rest) = next_element(self.rest)?;
        if e.tag() != tag {
            return fail(
                ErrorKind::UnexpectedTag {
                    expected: what,
                    found: e.tag(),
                },
                e.offset(),
            );
        }
        self.rest = rest;
        Ok(e)
    }

    /// Nothing may follow.
    #[inline]
    pub(crate) fn finish(self) -> Result<()> {
        if self.rest.is_empty() {
            return Ok(());
        }
        let (e, _) = next_element(self.rest)?;
        fail(ErrorKind::TrailingData, e.offset())
    }

    /// Whatever follows are extension components (`...`): they must be
    /// well-formed and are otherwise ignored.
    #[inline]
    pub(crate) fn skip_extensions(self) -> Result<()> {
        validate_span(self.rest, MAX_DEPTH)
    }
}

/// Encodes values one after the other, as the entries of a directory file
/// (EF.DIR, ODF, DODF) or the objects of a bootstrap file are laid out.
#[derive(Debug, Clone, Copy)]
pub struct Concat<'s, T>(pub &'s [T]);

impl<T: Encode> Encode for Concat<'_, T> {
    fn encoded_len(&self) -> usize {
        self.0.iter().map(Encode::encoded_len).sum()
    }

    fn encode_to(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        self.0.iter().try_for_each(|v| v.encode_to(w))
    }
}

/// Skip directory-file padding (`00` and `FF` bytes).
pub(crate) fn skip_padding(span: Span<'_>) -> Span<'_> {
    let n = span
        .bytes()
        .iter()
        .take_while(|&&b| b == 0x00 || b == 0xFF)
        .count();
    span.skip(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `flags` (word arithmetic) against `bit` (one bit at a time), for every
    /// unused-bit count, lengths 0..=6 octets and every n up to 40.
    #[test]
    fn flags_agree_with_bit_by_bit() {
        let octets = [0xA5u8, 0x3C, 0xFF, 0x01, 0x80, 0x7E];
        for len in 0..=octets.len() {
            for unused in 0..8u8 {
                if len == 0 && unused != 0 {
                    continue;
                }
                let mut v = [0u8; 7];
                v[0] = unused;
                v[1..=len].copy_from_slice(&octets[..len]);
                let b = decode_bit_string(Span::new(&v[..=len])).unwrap();
                for n in 0..40 {
                    let slow = (0..n.min(32)).fold(0u32, |acc, i| acc | (u32::from(b.bit(i)) << i));
                    assert_eq!(b.flags(n), slow, "len {len} unused {unused} n {n}");
                }
            }
        }
    }

    /// The packed tag gives back its parts.
    #[test]
    fn tag_parts_round_trip() {
        for class in [
            TagClass::Universal,
            TagClass::Application,
            TagClass::ContextSpecific,
            TagClass::Private,
        ] {
            for constructed in [false, true] {
                for number in [0u32, 1, 30, 31, 127, 128, 16_383, (1 << 21) - 1, u32::MAX] {
                    let t = Tag::new(class, constructed, number);
                    assert_eq!(
                        (t.class(), t.is_constructed(), t.number()),
                        (class, constructed, number)
                    );
                    if number < 31 {
                        assert_eq!(Tag::low(t.first_byte()), t);
                    }
                }
            }
        }
    }
}
