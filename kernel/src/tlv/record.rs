//! Reading TLV: records (the common header decoded directly, the others
//! by nom parsers of the header table), the one-pass structure check with
//! the precise walk that names an error, and typed value accessors.

use core::fmt;

use nom::number::complete::{be_u16, be_u24, be_u8};

use super::types::{ObjLnk, TlvType};
use crate::error::{Error, ErrorKind, Field, Result, Structure};
use crate::span::Span;

/// One TLV record, borrowed from the input.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TlvRecord<'a> {
    kind: TlvType,
    id: u16,
    offset: usize,
    header_len: u8,
    value: &'a [u8],
}

impl fmt::Debug for TlvRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlvRecord")
            .field("kind", &self.kind)
            .field("id", &self.id)
            .field("offset", &self.offset)
            .field("len", &self.value.len())
            .finish()
    }
}

#[cold]
#[inline(never)]
fn tlv_fail<T>(kind: ErrorKind, offset: usize) -> Result<T> {
    Err(Error::new(kind, offset).within(Structure::Tlv, None))
}

/// Parse one record: the common header (8-bit identifier, length in the type
/// byte or in one length octet) directly with the `fast-paths` feature,
/// anything else (and every error) through the nom parser.
#[inline]
pub(super) fn record(span: Span<'_>) -> Result<(TlvRecord<'_>, Span<'_>)> {
    let b = span.bytes();
    if let [t, id, ref more @ ..] = *b {
        if cfg!(feature = "fast-paths") && t & 0x20 == 0 {
            let (len, hdr) = match (t >> 3) & 0x03 {
                0 => (usize::from(t & 0x07), 2),
                1 => match more.first() {
                    Some(&l) => (usize::from(l), 3),
                    None => return record_slow(span),
                },
                _ => return record_slow(span),
            };
            if let Some((head, rest)) = span.split(hdr + len) {
                return Ok((
                    TlvRecord {
                        kind: TlvType::from_bits(t),
                        id: u16::from(id),
                        offset: span.offset(),
                        header_len: hdr as u8,
                        value: head.bytes().get(hdr..).unwrap_or(&[]),
                    },
                    rest,
                ));
            }
        }
    }
    record_slow(span)
}

#[cold]
#[inline(never)]
pub(super) fn record_slow(span: Span<'_>) -> Result<(TlvRecord<'_>, Span<'_>)> {
    let offset = span.offset();
    let header = |input| -> crate::span::PResult<'_, (u8, u16, usize)> {
        let (input, t) = be_u8(input)?;
        let (input, id) = if t & 0x20 != 0 {
            be_u16(input)?
        } else {
            let (input, id) = be_u8(input)?;
            (input, u16::from(id))
        };
        let (input, len) = match (t >> 3) & 0x03 {
            0 => (input, usize::from(t & 0x07)),
            1 => {
                let (input, l) = be_u8(input)?;
                (input, usize::from(l))
            }
            2 => {
                let (input, l) = be_u16(input)?;
                (input, usize::from(l))
            }
            _ => {
                let (input, l) = be_u24(input)?;
                (input, l as usize)
            }
        };
        Ok((input, (t, id, len)))
    };
    let (rest, (t, id, len)) = crate::span::finish(header(span))?;
    match rest.split(len) {
        Some((value, rest)) => Ok((
            TlvRecord {
                kind: TlvType::from_bits(t),
                id,
                offset,
                header_len: (value.offset() - offset) as u8,
                value: value.bytes(),
            },
            rest,
        )),
        None => crate::span::fail(ErrorKind::TlvLengthExceedsParent, offset),
    }
}

/// Child-type masks: bit `n` allows the type whose two type bits are `n`
/// (00 Object Instance, 01 Resource Instance, 10 Multiple Resource,
/// 11 Resource). Written as literals: `tlv_type_masks_match_the_types` checks
/// them against the enum.
pub(super) const MASK_ANY: u8 = 0b1111;
pub(super) const MASK_OBJECT_INSTANCE: u8 = 0b0001;
pub(super) const MASK_IN_OBJECT_INSTANCE: u8 = 0b1100;
pub(super) const MASK_IN_MULTIPLE_RESOURCE: u8 = 0b0010;

/// One header inside `b[i..limit]`: the type byte, where the value starts
/// and where it ends, or `None` when the header or the value does not fit.
#[inline(always)]
fn header_at(b: &[u8], i: usize, limit: usize) -> Option<(u8, usize, usize)> {
    let t = *b.get(i)?;
    let len_octets = usize::from(t >> 3 & 3);
    let value_at = i + 2 + usize::from(t >> 5 & 1) + len_octets;
    if value_at > limit {
        return None;
    }
    let len = match len_octets {
        0 => usize::from(t & 7),
        1 => usize::from(*b.get(value_at - 1)?),
        _ => b
            .get(value_at - len_octets..value_at)?
            .iter()
            .fold(0, |acc, &o| acc << 8 | usize::from(o)),
    };
    let value_end = value_at + len;
    (value_end <= limit).then_some((t, value_at, value_end))
}

/// The record at `b[i..limit]` (`i < limit <= b.len()`): its type byte,
/// where its value starts and where it ends, or `None` when the header or
/// the value does not fit. The common headers (8-bit identifier; the
/// length in the type byte or in one octet) take the first arms, and
/// anything else [`header_at`]; positions stay indices into one slice, so
/// a record costs one bound check on its end. (The one-octet length may be
/// read from past `limit` but inside `b`; the value then ends past `limit`
/// and the record is refused.)
#[inline(always)]
fn record_at(b: &[u8], i: usize, limit: usize) -> Option<(u8, usize, usize)> {
    let t = *b.get(i)?;
    let (value_at, len) = match t & 0x38 {
        0 => (i + 2, short_length(t)),
        0x08 => (i + 3, usize::from(*b.get(i + 2)?)),
        _ => return header_at(b, i, limit),
    };
    let value_end = value_at + len;
    (value_end <= limit).then_some((t, value_at, value_end))
}

/// The length a type byte carries itself (bits 2-0).
#[inline(always)]
const fn short_length(t: u8) -> usize {
    (t & 7) as usize
}

/// The children of a Multiple Resource, `b[i..end]`: Resource Instances only.
#[inline(always)]
fn multiple_resource_ok(b: &[u8], mut i: usize, end: usize) -> bool {
    while i < end {
        match record_at(b, i, end) {
            Some((t, _, next)) if MASK_IN_MULTIPLE_RESOURCE & (1 << (t >> 6)) != 0 => i = next,
            _ => return false,
        }
    }
    true
}

/// The children of an Object Instance, `b[i..end]`: Resources and
/// Multiple Resources.
#[inline(always)]
fn object_instance_ok(b: &[u8], mut i: usize, end: usize) -> bool {
    // `b` ends where the instance does: reading a record then needs no
    // check of its own against `end`.
    let Some(b) = b.get(..end) else { return false };
    while i < end {
        let Some((t, value_at, next)) = record_at(b, i, end) else {
            return false;
        };
        // A Resource (type bits 11), the common case, has nothing inside
        // to check: one comparison takes it.
        let kind = t >> 6;
        if kind != 0b11
            && (MASK_IN_OBJECT_INSTANCE & (1 << kind) == 0
                || !multiple_resource_ok(b, value_at, next))
        {
            return false;
        }
        i = next;
    }
    true
}

/// The structure check without building records: header forms, lengths
/// bounded by the parent, nesting rules, in one pass over the bytes. The
/// nesting rules allow at most two open containers, so the check is three
/// fixed loops (top level, Object Instance, Multiple Resource), each over
/// the range its parent bounds: no stack, no recursion.
/// `true`: the run is valid. `false`: it is not, and the precise validator
/// ([`validate_run`]) names the error.
#[inline]
pub(super) fn structure_ok(b: &[u8], top: u8) -> bool {
    let mut i = 0;
    while i < b.len() {
        let Some((t, value_at, next)) = record_at(b, i, b.len()) else {
            return false;
        };
        let kind = t >> 6;
        let children_ok = match kind {
            0 => object_instance_ok(b, value_at, next),
            2 => multiple_resource_ok(b, value_at, next),
            _ => true,
        };
        if top & (1 << kind) == 0 || !children_ok {
            return false;
        }
        i = next;
    }
    true
}

/// Validate a run of records whose parent has type `parent` (`None`: top level,
/// where `top` decides what is allowed). Depth is bounded by the nesting rules.
/// The one-pass check runs first (with the `fast-paths` feature); the
/// record-by-record walk only to name the error.
pub(super) fn validate_run(span: Span<'_>, top: u8) -> Result<()> {
    if cfg!(feature = "fast-paths") && structure_ok(span.bytes(), top) {
        return Ok(());
    }
    validate_run_precise(span, top)
}

#[cold]
#[inline(never)]
pub(super) fn validate_run_precise(span: Span<'_>, top: u8) -> Result<()> {
    let mut rest = span;
    while !rest.is_empty() {
        let (r, next) = record(rest)?;
        if top & (1 << (r.kind as u8)) == 0 {
            return crate::span::fail_of(ErrorKind::TlvNesting, r.kind.field(), r.offset);
        }
        if r.kind.is_container() {
            validate_children(&r)?;
        }
        rest = next;
    }
    Ok(())
}

/// Children of a container; at most two more levels (no recursion).
pub(super) fn validate_children(r: &TlvRecord<'_>) -> Result<()> {
    let mut rest = r.value_span();
    while !rest.is_empty() {
        let (c, next) = record(rest)?;
        if !r.kind.allows(c.kind) {
            return crate::span::fail_of(ErrorKind::TlvNesting, c.kind.field(), c.offset);
        }
        if c.kind == TlvType::MultipleResource {
            let mut inner = c.value_span();
            while !inner.is_empty() {
                let (ri, n) = record(inner)?;
                if ri.kind != TlvType::ResourceInstance {
                    return crate::span::fail_of(ErrorKind::TlvNesting, ri.kind.field(), ri.offset);
                }
                inner = n;
            }
        }
        rest = next;
    }
    Ok(())
}

/// A validated run of TLV records (one level); iterate with [`Tlv::records`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    span: Span<'a>,
}

impl<'a> Tlv<'a> {
    /// Parse and validate TLV data; records of any type may stand at the top level.
    pub fn parse(bytes: &'a [u8]) -> Result<Tlv<'a>> {
        let span = Span::new(bytes);
        validate_run(span, MASK_ANY).map_err(|e| e.within(Structure::Tlv, None))?;
        Ok(Tlv { span })
    }

    /// Validate the TLV of one object in a bootstrap file: Object Instances only.
    pub(crate) fn parse_object_span(span: Span<'a>) -> Result<Tlv<'a>> {
        validate_run(span, MASK_OBJECT_INSTANCE)?;
        Ok(Tlv { span })
    }

    /// TLV this crate validated before (a bootstrap file's object): not
    /// checked again.
    pub(crate) const fn validated(span: Span<'a>) -> Tlv<'a> {
        Tlv { span }
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.span.bytes()
    }

    /// The offset of the first byte in the input the parse started from.
    pub const fn offset(&self) -> usize {
        self.span.offset()
    }

    /// The top-level records.
    pub fn records(&self) -> Records<'a> {
        Records { rest: self.span }
    }
}

/// Iterator over validated records of one level.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    rest: Span<'a>,
}

impl<'a> Iterator for Records<'a> {
    type Item = TlvRecord<'a>;

    #[inline]
    fn next(&mut self) -> Option<TlvRecord<'a>> {
        // Validated before: the header fits and the value lies inside the
        // run. The common headers (8-bit identifier, the length in the type
        // byte or in one octet) are decoded here; the others out of line.
        let (t, id, header_len, len) = match *self.rest.bytes() {
            [] => return None,
            [t, id, l, ..] if t & 0x38 == 0x08 => (t, u16::from(id), 3, usize::from(l)),
            [t, id, ..] if t & 0x38 == 0 => (t, u16::from(id), 2, usize::from(t & 7)),
            _ => return self.next_general(),
        };
        self.take(t, id, header_len, len)
    }
}

impl<'a> Records<'a> {
    /// The record whose header is `(t, id)` and `header_len` bytes long,
    /// with a value of `len` bytes; the run ends should it not fit after all.
    #[inline(always)]
    fn take(&mut self, t: u8, id: u16, header_len: usize, len: usize) -> Option<TlvRecord<'a>> {
        let b = self.rest.bytes();
        let offset = self.rest.offset();
        let end = header_len + len;
        match (b.get(header_len..end), b.get(end..)) {
            (Some(value), Some(rest)) => {
                self.rest = Span::at(rest, offset + end);
                Some(TlvRecord {
                    kind: TlvType::from_bits(t),
                    id,
                    offset,
                    header_len: header_len as u8,
                    value,
                })
            }
            _ => {
                self.rest = Span::at(&[], self.rest.end());
                None
            }
        }
    }

    /// A record with a 16-bit identifier or a 2- or 3-octet length.
    #[inline(never)]
    fn next_general(&mut self) -> Option<TlvRecord<'a>> {
        let Some((t, id, header_len, len)) = general_header(self.rest.bytes()) else {
            self.rest = Span::at(&[], self.rest.end());
            return None;
        };
        self.take(t, id, header_len, len)
    }
}

/// The records of one level of validated TLV as `(type byte, id, header
/// length, value)`, with no offsets kept: the fast paths of the typed
/// instances walk with it. The common headers are decoded inline.
#[derive(Debug, Clone)]
pub(crate) struct RawRecords<'a> {
    rest: &'a [u8],
}

impl<'a> RawRecords<'a> {
    /// Over `bytes`, TLV this crate validated before.
    #[inline(always)]
    pub(crate) const fn new(bytes: &'a [u8]) -> Self {
        RawRecords { rest: bytes }
    }

    /// The bytes not walked yet.
    #[inline(always)]
    pub(crate) const fn remaining(&self) -> usize {
        self.rest.len()
    }

    #[inline(always)]
    #[allow(clippy::should_implement_trait)]
    pub(crate) fn next(&mut self) -> Option<(u8, u16, usize, &'a [u8])> {
        let (t, id, header_len, len) = match *self.rest {
            [] => return None,
            [t, id, l, ..] if t & 0x38 == 0x08 => (t, u16::from(id), 3, usize::from(l)),
            [t, id, ..] if t & 0x38 == 0 => (t, u16::from(id), 2, usize::from(t & 7)),
            _ => general_header(self.rest)?,
        };
        // Validated: the value fits (should it not, the walk ends here).
        let (value, rest) = self.rest.get(header_len..)?.split_at_checked(len)?;
        self.rest = rest;
        Some((t, id, header_len, value))
    }
}

/// A header with a 16-bit identifier or a 2- or 3-octet length: `(type
/// byte, id, header length, value length)`.
#[inline(never)]
fn general_header(b: &[u8]) -> Option<(u8, u16, usize, usize)> {
    let (t, value_at, value_end) = header_at(b, 0, b.len())?;
    let id = match (t & 0x20 != 0, b) {
        (false, [_, id, ..]) => u16::from(*id),
        (true, [_, hi, lo, ..]) => u16::from_be_bytes([*hi, *lo]),
        _ => 0,
    };
    Some((t, id, value_at, value_end - value_at))
}

/// The value decoders: `None` for a value of the wrong length or form.
/// The typed accessors of [`TlvRecord`] and the fast path of the typed
/// instances (`lwm2m`) share them.
pub(crate) mod value {
    use super::ObjLnk;

    /// Integer: 1, 2, 4 or 8 bytes, two's complement, big-endian.
    #[inline(always)]
    pub(crate) fn integer(v: &[u8]) -> Option<i64> {
        Some(match *v {
            [a] => i64::from(a as i8),
            [a, b] => i64::from(i16::from_be_bytes([a, b])),
            [a, b, c, d] => i64::from(i32::from_be_bytes([a, b, c, d])),
            [a, b, c, d, e, f, g, h] => i64::from_be_bytes([a, b, c, d, e, f, g, h]),
            _ => return None,
        })
    }

    /// Boolean: one byte, 0 or 1.
    #[inline(always)]
    pub(crate) fn boolean(v: &[u8]) -> Option<bool> {
        match *v {
            [0] => Some(false),
            [1] => Some(true),
            _ => None,
        }
    }

    /// Objlnk: 4 bytes, object id then instance id.
    #[inline(always)]
    pub(crate) fn objlnk(v: &[u8]) -> Option<ObjLnk> {
        match *v {
            [a, b, c, d] => Some(ObjLnk {
                object_id: u16::from_be_bytes([a, b]),
                instance_id: u16::from_be_bytes([c, d]),
            }),
            _ => None,
        }
    }

    /// String: UTF-8.
    #[inline(always)]
    pub(crate) fn text(v: &[u8]) -> Option<&str> {
        core::str::from_utf8(v).ok()
    }
}

#[cold]
#[inline(never)]
fn value_error<T>(expected: Field, offset: usize) -> Result<T> {
    Err(Error::of(ErrorKind::TlvValueLength, expected, offset).within(Structure::Tlv, None))
}

impl<'a> TlvRecord<'a> {
    /// The record at `offset` whose type byte is `t`, from its parts.
    pub(crate) const fn from_parts(
        t: u8,
        id: u16,
        offset: usize,
        header_len: usize,
        value: &'a [u8],
    ) -> TlvRecord<'a> {
        TlvRecord {
            kind: TlvType::from_bits(t),
            id,
            offset,
            header_len: header_len as u8,
            value,
        }
    }

    /// The identifier type.
    pub const fn kind(&self) -> TlvType {
        self.kind
    }

    /// The identifier (instance or resource id).
    pub const fn id(&self) -> u16 {
        self.id
    }

    /// The offset of the type byte.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// The header length (2 to 6 bytes).
    pub const fn header_len(&self) -> usize {
        self.header_len as usize
    }

    /// The offset of the first value byte.
    pub const fn value_offset(&self) -> usize {
        self.offset + self.header_len as usize
    }

    /// The value bytes (for containers: the encoded children).
    pub const fn value(&self) -> &'a [u8] {
        self.value
    }

    fn value_span(&self) -> Span<'a> {
        Span::at(self.value, self.value_offset())
    }

    /// The children of a container record (none for a leaf).
    pub fn children(&self) -> Records<'a> {
        Records {
            rest: if self.kind.is_container() {
                self.value_span()
            } else {
                Span::at(&[], self.value_offset())
            },
        }
    }

    /// Integer: 1, 2, 4 or 8 bytes, two's complement, big-endian.
    pub fn as_integer(&self) -> Result<i64> {
        match value::integer(self.value) {
            Some(v) => Ok(v),
            None => value_error(Field::Integer, self.value_offset()),
        }
    }

    /// Time: a signed integer of seconds since the Unix epoch (1, 2, 4 or 8 bytes).
    pub fn as_time(&self) -> Result<i64> {
        self.as_integer()
    }

    /// Unsigned integer: 1, 2, 4 or 8 bytes, big-endian.
    pub fn as_unsigned(&self) -> Result<u64> {
        Ok(match *self.value {
            [a] => u64::from(a),
            [a, b] => u64::from(u16::from_be_bytes([a, b])),
            [a, b, c, d] => u64::from(u32::from_be_bytes([a, b, c, d])),
            [a, b, c, d, e, f, g, h] => u64::from_be_bytes([a, b, c, d, e, f, g, h]),
            _ => return value_error(Field::Integer, self.value_offset()),
        })
    }

    /// Float: IEEE-754 binary32 or binary64, big-endian.
    pub fn as_float(&self) -> Result<f64> {
        Ok(match *self.value {
            [a, b, c, d] => f64::from(f32::from_be_bytes([a, b, c, d])),
            [a, b, c, d, e, f, g, h] => f64::from_be_bytes([a, b, c, d, e, f, g, h]),
            _ => return value_error(Field::Float, self.value_offset()),
        })
    }

    /// Boolean: one byte, 0 or 1.
    pub fn as_bool(&self) -> Result<bool> {
        match (value::boolean(self.value), self.value) {
            (Some(b), _) => Ok(b),
            (None, &[_]) => tlv_fail(ErrorKind::InvalidBoolean, self.value_offset()),
            (None, _) => value_error(Field::Boolean, self.value_offset()),
        }
    }

    /// String: UTF-8.
    pub fn as_str(&self) -> Result<&'a str> {
        self.value_span()
            .utf8()
            .map_err(|e| e.within(Structure::Tlv, None))
    }

    /// Opaque: the bytes as they are.
    pub const fn as_opaque(&self) -> &'a [u8] {
        self.value
    }

    /// Objlnk: 4 bytes, object id then instance id.
    pub fn as_objlnk(&self) -> Result<ObjLnk> {
        match value::objlnk(self.value) {
            Some(o) => Ok(o),
            None => value_error(Field::ObjectLink, self.value_offset()),
        }
    }
}
