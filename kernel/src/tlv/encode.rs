//! Writing TLV: items with exact sizes, and value bytes for each data type.

use super::record::{record, validate_children, TlvRecord};
use super::types::{ObjLnk, TlvType, MAX_VALUE_LEN};
use crate::encode::{Encode, Writer};
use crate::error::EncodeError;
use crate::span::Span;

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
                    if !self.kind.allows(c.kind()) {
                        return Err(EncodeError::InvalidValue(
                            "TLV child type not allowed in parent",
                        ));
                    }
                    if c.kind().is_container() {
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

impl<'a> TlvRecord<'a> {
    /// This record as an encoder input, with its value (or encoded children) verbatim.
    pub const fn to_item(&self) -> TlvItem<'a> {
        TlvItem {
            kind: self.kind(),
            id: self.id(),
            content: TlvContent::Value(self.value()),
        }
    }
}
