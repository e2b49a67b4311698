//! LwM2M TLV (OMA LwM2M TS Core 1.1, 7.4.3), read by position.

use std::collections::BTreeMap;

use crate::error::{err, RefResult};

/// Identifier types (7.4.3 Table: bits 7-6 of the type byte).
pub const OBJECT_INSTANCE: u8 = 0;
/// Resource Instance.
pub const RESOURCE_INSTANCE: u8 = 1;
/// Multiple Resource.
pub const MULTIPLE_RESOURCE: u8 = 2;
/// Resource with value.
pub const RESOURCE: u8 = 3;

/// One record with its children (containers) or value (leaves).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefTlv {
    /// Identifier type 0..=3.
    pub kind: u8,
    /// Identifier.
    pub id: u16,
    /// Offset of the type byte.
    pub offset: usize,
    /// Value bytes (for containers: the encoded children).
    pub value: Vec<u8>,
    /// Offset of the first value byte.
    pub value_offset: usize,
    /// Children (containers only).
    pub children: Vec<RefTlv>,
}

fn is_container(kind: u8) -> bool {
    kind == OBJECT_INSTANCE || kind == MULTIPLE_RESOURCE
}

/// The nesting rules: Object Instance > Resource | Multiple Resource > Resource Instance.
fn allowed(parent: u8, child: u8) -> bool {
    (parent == OBJECT_INSTANCE && (child == RESOURCE || child == MULTIPLE_RESOURCE))
        || (parent == MULTIPLE_RESOURCE && child == RESOURCE_INSTANCE)
}

/// Read one header at `pos` in `[pos, end)`: `(kind, id, value_start, value_len)`.
fn header(buf: &[u8], pos: usize, end: usize) -> RefResult<(u8, u16, usize, usize)> {
    if pos >= end {
        return err("Truncated", pos, "no type byte");
    }
    let t = buf[pos];
    let kind = t >> 6; // bits 7-6
    let id_len = if t & 0x20 != 0 { 2 } else { 1 }; // bit 5
    let len_type = (t >> 3) & 0x03; // bits 4-3
    let mut p = pos + 1;
    if p + id_len > end {
        return err("Truncated", p, "identifier cut short");
    }
    let id = if id_len == 2 {
        u16::from(buf[p]) << 8 | u16::from(buf[p + 1])
    } else {
        u16::from(buf[p])
    };
    p += id_len;
    let length = if len_type == 0 {
        usize::from(t & 0x07) // bits 2-0
    } else {
        let n = usize::from(len_type); // 8, 16 or 24-bit length field
        if p + n > end {
            return err("Truncated", p, "length cut short");
        }
        let mut v = 0usize;
        for k in 0..n {
            v = (v << 8) | usize::from(buf[p + k]);
        }
        p += n;
        v
    };
    let available = end - p;
    if length > available {
        return err(
            "TlvLengthExceedsParent",
            pos,
            format!("length {length}, {available} left"),
        );
    }
    Ok((kind, id, p, length))
}

/// Read the records of `[pos, end)`. `parent`: the container's kind, or
/// `None` at the top level where `top_ok` decides.
fn records(
    buf: &[u8],
    mut pos: usize,
    end: usize,
    parent: Option<u8>,
    top_ok: fn(u8) -> bool,
    depth: usize,
) -> RefResult<Vec<RefTlv>> {
    let mut out = Vec::new();
    while pos < end {
        let (kind, id, vs, len) = header(buf, pos, end)?;
        let ok = match parent {
            None => top_ok(kind),
            Some(p) => allowed(p, kind),
        };
        if !ok {
            return err("TlvNesting", pos, "child not allowed here");
        }
        // The nesting rules end the recursion by depth 3.
        let children = if is_container(kind) && depth < 3 {
            records(buf, vs, vs + len, Some(kind), top_ok, depth + 1)?
        } else {
            Vec::new()
        };
        out.push(RefTlv {
            kind,
            id,
            offset: pos,
            value: buf[vs..vs + len].to_vec(),
            value_offset: vs,
            children,
        });
        pos = vs + len;
    }
    Ok(out)
}

/// Parse TLV data; any type may stand at the top level.
pub fn parse(buf: &[u8]) -> RefResult<Vec<RefTlv>> {
    records(buf, 0, buf.len(), None, |_| true, 0)
}

/// Parse `[pos, end)` of `buf` as an object's TLV: Object Instances at the top.
pub fn parse_object(buf: &[u8], pos: usize, end: usize) -> RefResult<Vec<RefTlv>> {
    records(buf, pos, end, None, |k| k == OBJECT_INSTANCE, 0)
}

/// A decoded resource value of the typed views.
#[derive(Debug, Clone, PartialEq)]
pub enum RefResource {
    /// String.
    Str(String),
    /// Boolean.
    Bool(bool),
    /// Integer or Time.
    Int(i64),
    /// Opaque.
    Opaque(Vec<u8>),
    /// Objlnk (object, instance).
    Link(u16, u16),
    /// A Multiple Resource of integers.
    Ints(Vec<i64>),
}

/// Integer / Time: 1, 2, 4 or 8 bytes, two's complement.
pub fn integer(r: &RefTlv) -> RefResult<i64> {
    let n = r.value.len();
    if ![1, 2, 4, 8].contains(&n) {
        return err("TlvValueLength", r.value_offset, "integer length");
    }
    let mut u: i128 = 0;
    for &b in &r.value {
        u = u * 256 + i128::from(b);
    }
    if r.value[0] >= 0x80 {
        u -= 1i128 << (8 * n);
    }
    Ok(u as i64)
}

/// Unsigned Integer: 1, 2, 4 or 8 bytes.
pub fn unsigned(r: &RefTlv) -> RefResult<u64> {
    if ![1, 2, 4, 8].contains(&r.value.len()) {
        return err("TlvValueLength", r.value_offset, "unsigned length");
    }
    Ok(r.value.iter().fold(0u64, |a, &b| a * 256 + u64::from(b)))
}

/// Float: IEEE 754 binary32 or binary64.
pub fn float(r: &RefTlv) -> RefResult<f64> {
    match r.value.len() {
        4 => Ok(f64::from(f32::from_bits(
            r.value.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b)),
        ))),
        8 => Ok(f64::from_bits(
            r.value.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b)),
        )),
        _ => err("TlvValueLength", r.value_offset, "float length"),
    }
}

/// Boolean: one byte 0 or 1.
pub fn boolean(r: &RefTlv) -> RefResult<bool> {
    if r.value.len() != 1 {
        return err("TlvValueLength", r.value_offset, "boolean length");
    }
    match r.value[0] {
        0 => Ok(false),
        1 => Ok(true),
        _ => err("InvalidBoolean", r.value_offset, "boolean byte"),
    }
}

/// String: UTF-8.
pub fn string(r: &RefTlv) -> RefResult<String> {
    crate::ber::utf8_at(&r.value, r.value_offset)
}

/// Objlnk: 4 bytes.
pub fn objlnk(r: &RefTlv) -> RefResult<(u16, u16)> {
    if r.value.len() != 4 {
        return err("TlvValueLength", r.value_offset, "objlnk length");
    }
    Ok((
        u16::from(r.value[0]) << 8 | u16::from(r.value[1]),
        u16::from(r.value[2]) << 8 | u16::from(r.value[3]),
    ))
}

#[derive(Clone, Copy)]
enum Ty {
    Str,
    Bool,
    Int,
    Opaque,
    Link,
    Ints,
    Ranged(i64, i64),
}

fn security_type(id: u16) -> Option<Ty> {
    // LwM2M 1.1 Security object (0), resources 0..17.
    Some(match id {
        0 | 9 | 14 => Ty::Str,
        1 => Ty::Bool,
        2 => Ty::Ranged(0, 4),
        3 | 4 | 5 | 7 | 8 => Ty::Opaque,
        10 => Ty::Ranged(1, 65534),
        6 | 11 | 12 | 13 | 15 => Ty::Int,
        16 => Ty::Ints,
        17 => Ty::Link,
        _ => return None,
    })
}

fn server_type(id: u16) -> Option<Ty> {
    // LwM2M 1.1 Server object (1); 4, 8, 9 are executable.
    Some(match id {
        0 => Ty::Ranged(1, 65534),
        1 | 2 | 3 | 5 | 11 | 12 | 13 | 14 | 17 | 18 | 19 | 20 => Ty::Int,
        6 | 15 | 16 | 21 | 23 => Ty::Bool,
        7 | 22 => Ty::Str,
        10 => Ty::Link,
        _ => return None,
    })
}

fn typed(rec: &RefTlv, types: fn(u16) -> Option<Ty>) -> RefResult<BTreeMap<u16, RefResource>> {
    if rec.kind != OBJECT_INSTANCE {
        return err("TlvNesting", rec.offset, "not an Object Instance");
    }
    let mut out = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for r in &rec.children {
        if r.id >= 64 {
            continue;
        }
        if !seen.insert(r.id) {
            return err("DuplicateResource", r.offset, "resource twice");
        }
        let Some(ty) = types(r.id) else { continue };
        let multiple = matches!(ty, Ty::Ints);
        if (r.kind == MULTIPLE_RESOURCE) != multiple {
            return err("WrongResourceType", r.offset, "TLV type");
        }
        let v = match ty {
            Ty::Str => RefResource::Str(string(r)?),
            Ty::Bool => RefResource::Bool(boolean(r)?),
            Ty::Int => RefResource::Int(integer(r)?),
            Ty::Opaque => RefResource::Opaque(r.value.clone()),
            Ty::Link => {
                let (o, i) = objlnk(r)?;
                RefResource::Link(o, i)
            }
            Ty::Ints => {
                RefResource::Ints(r.children.iter().map(integer).collect::<RefResult<_>>()?)
            }
            Ty::Ranged(lo, hi) => {
                let v = integer(r)?;
                if v < lo || v > hi {
                    return err("IntegerOutOfRange", r.offset, "out of range");
                }
                RefResource::Int(v)
            }
        };
        out.insert(r.id, v);
    }
    Ok(out)
}

/// The known resources of a Security (0) instance.
pub fn security(rec: &RefTlv) -> RefResult<BTreeMap<u16, RefResource>> {
    typed(rec, security_type)
}

/// The known resources of a Server (1) instance.
pub fn server(rec: &RefTlv) -> RefResult<BTreeMap<u16, RefResource>> {
    typed(rec, server_type)
}
