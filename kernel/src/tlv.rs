//! LwM2M TLV (OMA LwM2M TS Core 1.1, 7.4.3).
//!
//! Type byte: bits 7-6 identifier type (`00` Object Instance, `01` Resource
//! Instance, `10` Multiple Resource, `11` Resource with value); bit 5 the
//! identifier length (0: 8 bits, 1: 16 bits); bits 4-3 the length type
//! (`00`: length in bits 2-0; `01`/`10`/`11`: an 8/16/24-bit length field
//! follows the identifier, bits 2-0 are then ignored). A header is 2 to 6
//! bytes.
//!
//! Nesting: Object Instance → Resource / Multiple Resource → Resource
//! Instance. The rules bound the depth at 3, so validation is three nested
//! loops, never recursion. Children must fit in their parent.
//!
//! ```
//! use scboot::tlv::{Tlv, TlvType};
//! // Object Instance 0 { Resource 1 = 01, Resource 2 = 03 }
//! let bytes = [0x08, 0x00, 0x06, 0xC1, 0x01, 0x01, 0xC1, 0x02, 0x03];
//! let tlv = Tlv::parse(&bytes).unwrap();
//! let inst = tlv.records().next().unwrap();
//! assert_eq!(inst.kind(), TlvType::ObjectInstance);
//! let ids: Vec<(u16, i64)> = inst.children().map(|r| (r.id(), r.as_integer().unwrap())).collect();
//! assert_eq!(ids, [(1, 1), (2, 3)]);
//! ```

use core::fmt;

use nom::number::complete::{be_u16, be_u24, be_u8};

use crate::encode::{Encode, Writer};
use crate::error::{EncodeError, Error, ErrorKind, Result, Structure};
use crate::span::Span;

/// The longest value a TLV header can describe (24-bit length).
pub const MAX_VALUE_LEN: usize = 0xFF_FFFF;

/// The identifier type of a TLV record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlvType {
    /// `00`: Object Instance (contains resources).
    ObjectInstance,
    /// `01`: Resource Instance (one value of a multiple resource).
    ResourceInstance,
    /// `10`: Multiple Resource (contains resource instances).
    MultipleResource,
    /// `11`: Resource with value.
    Resource,
}

impl TlvType {
    const fn from_bits(b: u8) -> TlvType {
        match b >> 6 {
            0 => TlvType::ObjectInstance,
            1 => TlvType::ResourceInstance,
            2 => TlvType::MultipleResource,
            _ => TlvType::Resource,
        }
    }

    const fn bits(self) -> u8 {
        (self as u8) << 6
    }

    /// Whether records of this type contain other records.
    pub const fn is_container(self) -> bool {
        matches!(self, TlvType::ObjectInstance | TlvType::MultipleResource)
    }

    /// Whether `child` may appear directly inside `self`.
    pub const fn allows(self, child: TlvType) -> bool {
        matches!(
            (self, child),
            (
                TlvType::ObjectInstance,
                TlvType::Resource | TlvType::MultipleResource
            ) | (TlvType::MultipleResource, TlvType::ResourceInstance)
        )
    }

    /// `object_instance`, `resource_instance`, `multiple_resource`, `resource`.
    pub const fn snake_name(self) -> &'static str {
        match self {
            TlvType::ObjectInstance => "object_instance",
            TlvType::ResourceInstance => "resource_instance",
            TlvType::MultipleResource => "multiple_resource",
            TlvType::Resource => "resource",
        }
    }
}

impl TlvType {
    /// `Object Instance`, `Resource Instance`, `Multiple Resource`, `Resource`:
    /// how errors name the type.
    pub const fn name(self) -> &'static str {
        match self {
            TlvType::ObjectInstance => "Object Instance",
            TlvType::ResourceInstance => "Resource Instance",
            TlvType::MultipleResource => "Multiple Resource",
            TlvType::Resource => "Resource",
        }
    }
}

impl fmt::Display for TlvType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An object link value (`Objlnk`): object id and instance id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjLnk {
    /// The object id.
    pub object_id: u16,
    /// The object instance id.
    pub instance_id: u16,
}

impl ObjLnk {
    /// `FFFF:FFFF`, the null link.
    pub const NULL: ObjLnk = ObjLnk {
        object_id: 0xFFFF,
        instance_id: 0xFFFF,
    };

    /// Whether this is the null link.
    pub const fn is_null(&self) -> bool {
        self.object_id == 0xFFFF && self.instance_id == 0xFFFF
    }
}

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

fn tlv_fail<T>(kind: ErrorKind, offset: usize) -> Result<T> {
    Err(Error::new(kind, offset).within(Structure::Tlv, None))
}

/// Parse one record: the common header (8-bit identifier, length in the type
/// byte or in one length octet) directly, anything else (and every error)
/// through the nom parser.
#[inline]
fn record(span: Span<'_>) -> Result<(TlvRecord<'_>, Span<'_>)> {
    let b = span.bytes();
    if let [t, id, ref more @ ..] = *b {
        if t & 0x20 == 0 {
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
fn record_slow(span: Span<'_>) -> Result<(TlvRecord<'_>, Span<'_>)> {
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
        None => crate::span::fail(
            ErrorKind::TlvLengthExceedsParent {
                length: len,
                available: rest.len(),
            },
            offset,
        ),
    }
}

/// Child-type masks: bit `n` allows the type whose two type bits are `n`
/// (00 Object Instance, 01 Resource Instance, 10 Multiple Resource,
/// 11 Resource). Written as literals: `tlv_type_masks_match_the_types` checks
/// them against the enum.
const MASK_ANY: u8 = 0b1111;
const MASK_OBJECT_INSTANCE: u8 = 0b0001;
const MASK_IN_OBJECT_INSTANCE: u8 = 0b1100;
const MASK_IN_MULTIPLE_RESOURCE: u8 = 0b0010;

/// The structure check without building records: header forms, lengths
/// bounded by the parent, nesting rules, in one pass over the bytes with a
/// fixed stack (the nesting rules allow at most two open containers).
/// `true`: the run is valid. `false`: it is not, and the precise validator
/// ([`validate_run`]) names the error.
#[inline]
fn structure_ok(b: &[u8], top: u8) -> bool {
    let mut end = [b.len(), 0, 0];
    let mut allowed = [top, 0, 0];
    let mut depth = 0usize;
    let mut i = 0usize;
    loop {
        // Close the containers that end here.
        while Some(&i) == end.get(depth) {
            if depth == 0 {
                return true;
            }
            depth -= 1;
        }
        let (Some(&t), Some(&limit), Some(&mask)) = (b.get(i), end.get(depth), allowed.get(depth))
        else {
            return false;
        };
        let kind = t >> 6;
        if mask & (1 << kind) == 0 {
            return false;
        }
        let id_len = 1 + usize::from(t >> 5 & 1);
        let len_octets = usize::from(t >> 3 & 3);
        let value_at = i + 1 + id_len + len_octets;
        if value_at > limit {
            return false;
        }
        let len = match b.get(i + 1 + id_len..value_at) {
            Some([]) => usize::from(t & 7),
            Some(octets) => octets.iter().fold(0, |acc, &o| acc << 8 | usize::from(o)),
            None => return false,
        };
        let value_end = value_at + len;
        if value_end > limit {
            return false;
        }
        let child_mask = match kind {
            0 => MASK_IN_OBJECT_INSTANCE,
            2 => MASK_IN_MULTIPLE_RESOURCE,
            _ => 0,
        };
        if child_mask == 0 {
            i = value_end;
        } else {
            depth += 1;
            match (end.get_mut(depth), allowed.get_mut(depth)) {
                (Some(e), Some(a)) => {
                    *e = value_end;
                    *a = child_mask;
                }
                // Deeper than the rules allow: cannot happen (a container's
                // children are never containers of the same kind twice).
                _ => return false,
            }
            i = value_at;
        }
    }
}

/// Validate a run of records whose parent has type `parent` (`None`: top level,
/// where `top` decides what is allowed). Depth is bounded by the nesting rules.
/// The one-pass check runs first; the record-by-record walk only to name
/// the error.
fn validate_run(span: Span<'_>, top: u8) -> Result<()> {
    if structure_ok(span.bytes(), top) {
        return Ok(());
    }
    validate_run_precise(span, top)
}

#[cold]
#[inline(never)]
fn validate_run_precise(span: Span<'_>, top: u8) -> Result<()> {
    let mut rest = span;
    while !rest.is_empty() {
        let (r, next) = record(rest)?;
        if top & (1 << (r.kind as u8)) == 0 {
            return crate::span::fail(
                ErrorKind::TlvNesting {
                    parent: None,
                    child: r.kind.name(),
                },
                r.offset,
            );
        }
        if r.kind.is_container() {
            validate_children(&r)?;
        }
        rest = next;
    }
    Ok(())
}

/// Children of a container; at most two more levels (no recursion).
fn validate_children(r: &TlvRecord<'_>) -> Result<()> {
    let mut rest = r.value_span();
    while !rest.is_empty() {
        let (c, next) = record(rest)?;
        if !r.kind.allows(c.kind) {
            return crate::span::fail(
                ErrorKind::TlvNesting {
                    parent: Some(r.kind.name()),
                    child: c.kind.name(),
                },
                c.offset,
            );
        }
        if c.kind == TlvType::MultipleResource {
            let mut inner = c.value_span();
            while !inner.is_empty() {
                let (ri, n) = record(inner)?;
                if ri.kind != TlvType::ResourceInstance {
                    return crate::span::fail(
                        ErrorKind::TlvNesting {
                            parent: Some(TlvType::MultipleResource.name()),
                            child: ri.kind.name(),
                        },
                        ri.offset,
                    );
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
        if self.rest.is_empty() {
            return None;
        }
        // Validated before: an error cannot happen; end the iteration if it does.
        match record(self.rest) {
            Ok((r, rest)) => {
                self.rest = rest;
                Some(r)
            }
            Err(_) => {
                self.rest = self.rest.skip(self.rest.len());
                None
            }
        }
    }
}

fn value_error<T>(expected: &'static str, found: usize, offset: usize) -> Result<T> {
    tlv_fail(ErrorKind::TlvValueLength { expected, found }, offset)
}

impl<'a> TlvRecord<'a> {
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
        Ok(match *self.value {
            [a] => i64::from(a as i8),
            [a, b] => i64::from(i16::from_be_bytes([a, b])),
            [a, b, c, d] => i64::from(i32::from_be_bytes([a, b, c, d])),
            [a, b, c, d, e, f, g, h] => i64::from_be_bytes([a, b, c, d, e, f, g, h]),
            _ => return value_error("1, 2, 4 or 8", self.value.len(), self.value_offset()),
        })
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
            _ => return value_error("1, 2, 4 or 8", self.value.len(), self.value_offset()),
        })
    }

    /// Float: IEEE-754 binary32 or binary64, big-endian.
    pub fn as_float(&self) -> Result<f64> {
        Ok(match *self.value {
            [a, b, c, d] => f64::from(f32::from_be_bytes([a, b, c, d])),
            [a, b, c, d, e, f, g, h] => f64::from_be_bytes([a, b, c, d, e, f, g, h]),
            _ => return value_error("4 or 8", self.value.len(), self.value_offset()),
        })
    }

    /// Boolean: one byte, 0 or 1.
    pub fn as_bool(&self) -> Result<bool> {
        match *self.value {
            [0] => Ok(false),
            [1] => Ok(true),
            [b] => tlv_fail(ErrorKind::InvalidBoolean(b), self.value_offset()),
            _ => value_error("1", self.value.len(), self.value_offset()),
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
        match *self.value {
            [a, b, c, d] => Ok(ObjLnk {
                object_id: u16::from_be_bytes([a, b]),
                instance_id: u16::from_be_bytes([c, d]),
            }),
            _ => value_error("4", self.value.len(), self.value_offset()),
        }
    }

    /// This record as an encoder input, with its value (or encoded children) verbatim.
    pub const fn to_item(&self) -> TlvItem<'a> {
        TlvItem {
            kind: self.kind,
            id: self.id,
            content: TlvContent::Value(self.value),
        }
    }
}

// ------------------------------------------------------------------ encoding

/// What an encoded record holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TlvContent<'a> {
    /// Value bytes; for a container, its children already encoded (checked when encoding).
    Value(&'a [u8]),
    /// Child records of a container.
    Children(&'a [TlvItem<'a>]),
}

/// A TLV record to encode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TlvItem<'a> {
    /// The identifier type.
    pub kind: TlvType,
    /// The identifier.
    pub id: u16,
    /// The value or the children.
    pub content: TlvContent<'a>,
}

const fn header_len_for(id: u16, len: usize) -> usize {
    let id_len = if id > 0xFF { 2 } else { 1 };
    let len_len = if len < 8 {
        0
    } else if len <= 0xFF {
        1
    } else if len <= 0xFFFF {
        2
    } else {
        3
    };
    1 + id_len + len_len
}

impl<'a> TlvItem<'a> {
    /// A Resource with a value.
    pub const fn resource(id: u16, value: &'a [u8]) -> Self {
        TlvItem {
            kind: TlvType::Resource,
            id,
            content: TlvContent::Value(value),
        }
    }

    /// A Resource Instance with a value.
    pub const fn resource_instance(id: u16, value: &'a [u8]) -> Self {
        TlvItem {
            kind: TlvType::ResourceInstance,
            id,
            content: TlvContent::Value(value),
        }
    }

    /// An Object Instance holding `children` (Resources, Multiple Resources).
    pub const fn object_instance(id: u16, children: &'a [TlvItem<'a>]) -> Self {
        TlvItem {
            kind: TlvType::ObjectInstance,
            id,
            content: TlvContent::Children(children),
        }
    }

    /// A Multiple Resource holding Resource Instances.
    pub const fn multiple_resource(id: u16, children: &'a [TlvItem<'a>]) -> Self {
        TlvItem {
            kind: TlvType::MultipleResource,
            id,
            content: TlvContent::Children(children),
        }
    }

    /// Value length; children are counted only where the nesting rules allow
    /// them, so the recursion depth is at most 3.
    fn value_len(&self) -> usize {
        match self.content {
            TlvContent::Value(v) => v.len(),
            TlvContent::Children(cs) => cs
                .iter()
                .filter(|c| self.kind.allows(c.kind))
                .map(TlvItem::encoded_len)
                .sum(),
        }
    }

    fn check(&self) -> core::result::Result<(), EncodeError> {
        match self.content {
            TlvContent::Children(cs) => {
                if !self.kind.is_container() {
                    return Err(EncodeError::InvalidValue("only containers have children"));
                }
                if cs.iter().any(|c| !self.kind.allows(c.kind)) {
                    return Err(EncodeError::InvalidValue(
                        "TLV child type not allowed in parent",
                    ));
                }
            }
            TlvContent::Value(v) if self.kind.is_container() => {
                let span = Span::new(v);
                let mut rest = span;
                while !rest.is_empty() {
                    let (c, next) = record(rest).map_err(|_| {
                        EncodeError::InvalidValue("container value is not valid TLV")
                    })?;
                    if !self.kind.allows(c.kind) {
                        return Err(EncodeError::InvalidValue(
                            "TLV child type not allowed in parent",
                        ));
                    }
                    if c.kind.is_container() {
                        validate_children(&c).map_err(|_| {
                            EncodeError::InvalidValue("container value is not valid TLV")
                        })?;
                    }
                    rest = next;
                }
            }
            TlvContent::Value(_) => {}
        }
        if self.value_len() > MAX_VALUE_LEN {
            return Err(EncodeError::InvalidValue(
                "TLV value longer than 2^24-1 bytes",
            ));
        }
        Ok(())
    }
}

impl Encode for TlvItem<'_> {
    fn encoded_len(&self) -> usize {
        let len = self.value_len();
        header_len_for(self.id, len) + len
    }

    fn encode_to(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        self.check()?;
        let len = self.value_len();
        let mut t = self.kind.bits();
        if self.id > 0xFF {
            t |= 0x20;
        }
        let len_type: u8 = if len < 8 {
            t |= len as u8;
            0
        } else if len <= 0xFF {
            1
        } else if len <= 0xFFFF {
            2
        } else {
            3
        };
        w.put_u8(t | (len_type << 3))?;
        if self.id > 0xFF {
            w.put_u16(self.id)?;
        } else {
            w.put_u8(self.id as u8)?;
        }
        let lb = (len as u32).to_be_bytes();
        match len_type {
            1 => w.put(&lb[3..])?,
            2 => w.put(&lb[2..])?,
            3 => w.put(&lb[1..])?,
            _ => {}
        }
        match self.content {
            TlvContent::Value(v) => w.put(v),
            TlvContent::Children(cs) => cs.iter().try_for_each(|c| c.encode_to(w)),
        }
    }
}

/// A value encoded for a TLV record (at most 8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueBytes {
    buf: [u8; 8],
    len: u8,
}

impl ValueBytes {
    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..usize::from(self.len)).unwrap_or(&[])
    }

    fn tail(src: &[u8]) -> ValueBytes {
        let mut buf = [0u8; 8];
        let n = src.len().min(8);
        if let (Some(dst), Some(s)) = (buf.get_mut(..n), src.get(..n)) {
            dst.copy_from_slice(s);
        }
        ValueBytes { buf, len: n as u8 }
    }

    /// An Integer or Time in the fewest of 1, 2, 4 or 8 bytes.
    pub fn integer(v: i64) -> ValueBytes {
        let b = v.to_be_bytes();
        if let Ok(x) = i8::try_from(v) {
            ValueBytes::tail(&x.to_be_bytes())
        } else if let Ok(x) = i16::try_from(v) {
            ValueBytes::tail(&x.to_be_bytes())
        } else if let Ok(x) = i32::try_from(v) {
            ValueBytes::tail(&x.to_be_bytes())
        } else {
            ValueBytes::tail(&b)
        }
    }

    /// An Unsigned Integer in the fewest of 1, 2, 4 or 8 bytes.
    pub fn unsigned(v: u64) -> ValueBytes {
        if let Ok(x) = u8::try_from(v) {
            ValueBytes::tail(&[x])
        } else if let Ok(x) = u16::try_from(v) {
            ValueBytes::tail(&x.to_be_bytes())
        } else if let Ok(x) = u32::try_from(v) {
            ValueBytes::tail(&x.to_be_bytes())
        } else {
            ValueBytes::tail(&v.to_be_bytes())
        }
    }

    /// A Float: 4 bytes when binary32 holds it exactly, else 8.
    pub fn float(v: f64) -> ValueBytes {
        let f = v as f32;
        if f64::from(f).to_bits() == v.to_bits() {
            ValueBytes::tail(&f.to_be_bytes())
        } else {
            ValueBytes::tail(&v.to_be_bytes())
        }
    }

    /// A Boolean.
    pub fn boolean(v: bool) -> ValueBytes {
        ValueBytes::tail(&[u8::from(v)])
    }

    /// An Objlnk.
    pub fn objlnk(v: ObjLnk) -> ValueBytes {
        let o = v.object_id.to_be_bytes();
        let i = v.instance_id.to_be_bytes();
        ValueBytes::tail(&[o[0], o[1], i[0], i[1]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    #[test]
    fn tlv_type_masks_match_the_types() {
        let all = [
            TlvType::ObjectInstance,
            TlvType::ResourceInstance,
            TlvType::MultipleResource,
            TlvType::Resource,
        ];
        let mask = |f: &dyn Fn(TlvType) -> bool| {
            all.iter()
                .filter(|t| f(**t))
                .fold(0u8, |m, t| m | 1 << (t.bits() >> 6))
        };
        assert_eq!(MASK_ANY, mask(&|_| true));
        assert_eq!(
            MASK_OBJECT_INSTANCE,
            mask(&|t| t == TlvType::ObjectInstance)
        );
        assert_eq!(
            MASK_IN_OBJECT_INSTANCE,
            mask(&|t| TlvType::ObjectInstance.allows(t))
        );
        assert_eq!(
            MASK_IN_MULTIPLE_RESOURCE,
            mask(&|t| TlvType::MultipleResource.allows(t))
        );
        for t in all {
            assert_eq!(TlvType::from_bits(t.bits()), t);
        }
    }

    /// TLV-shaped bytes from a stream of decisions: every header form, any
    /// type at any depth (so nesting errors occur), short values.
    fn build(decisions: &mut impl Iterator<Item = u8>, depth: u8, out: &mut Vec<u8>) {
        let count = decisions.next().unwrap_or(0) % 4;
        for _ in 0..count {
            let d = decisions.next().unwrap_or(0);
            let kind = d >> 6;
            let wide_id = d & 0x20 != 0;
            let mut body = Vec::new();
            if (kind == 0 || kind == 2) && depth < 3 {
                build(decisions, depth + 1, &mut body);
            } else {
                let n = usize::from(decisions.next().unwrap_or(0) % 12);
                body.extend(core::iter::repeat_n(0xA5, n));
            }
            // Length form: the smallest that fits, or a wider one.
            let form = if body.len() < 8 && d & 0x18 == 0 {
                0
            } else {
                (usize::from(d >> 3 & 3)).max(1)
            };
            out.push(
                kind << 6
                    | u8::from(wide_id) << 5
                    | (form as u8) << 3
                    | if form == 0 { body.len() as u8 } else { 0 },
            );
            out.push(d);
            if wide_id {
                out.push(0x01);
            }
            let len = body.len().to_be_bytes();
            out.extend_from_slice(&len[len.len() - form..]);
            out.extend_from_slice(&body);
        }
    }

    /// The generator is not vacuous: both outcomes occur often, for both tops.
    #[test]
    fn structure_check_sees_valid_and_invalid_inputs() {
        let mut x: u32 = 0x1234_5678;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as u8
        };
        let mut counts = [[0u32; 2]; 2];
        let cases: u32 = if cfg!(miri) { 200 } else { 3000 };
        for _ in 0..cases {
            let decisions: Vec<u8> = (0..40).map(|_| next()).collect();
            let mut b = Vec::new();
            build(&mut decisions.into_iter(), 0, &mut b);
            for (k, top) in [MASK_ANY, MASK_OBJECT_INSTANCE].into_iter().enumerate() {
                let fast = structure_ok(&b, top);
                assert_eq!(fast, validate_run_precise(Span::new(&b), top).is_ok());
                counts[k][usize::from(fast)] += 1;
            }
        }
        for c in counts {
            assert!(c[0] > cases / 10 && c[1] > cases / 10, "{counts:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 16 } else { 4000 }))]
        /// The one-pass check accepts exactly what the record walk accepts,
        /// for valid, mis-nested, corrupted and truncated inputs.
        #[test]
        fn structure_check_agrees_with_record_walk(
            decisions in proptest::collection::vec(any::<u8>(), 0..48),
            corrupt in proptest::option::of((any::<prop::sample::Index>(), any::<u8>())),
            cut in proptest::option::of(any::<prop::sample::Index>()),
        ) {
            let mut b = Vec::new();
            build(&mut decisions.into_iter(), 0, &mut b);
            if let (Some((at, v)), false) = (corrupt, b.is_empty()) {
                let i = at.index(b.len());
                b[i] = v;
            }
            if let (Some(at), false) = (cut, b.is_empty()) {
                let n = at.index(b.len());
                b.truncate(n);
            }
            for top in [MASK_ANY, MASK_OBJECT_INSTANCE] {
                prop_assert_eq!(
                    structure_ok(&b, top),
                    validate_run_precise(Span::new(&b), top).is_ok(),
                    "top {:04b} bytes {:02x?}", top, b
                );
            }
        }
    }
}
