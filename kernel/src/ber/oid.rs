//! OBJECT IDENTIFIER (X.690 8.19): validated content octets, arcs, encoding.

use core::fmt;

use crate::encode::Writer;
use crate::error::{EncodeError, ErrorKind, Result};
use crate::span::{fail, Span};

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
