//! EF LwM2M_Bootstrap (OMA LwM2M TS 1.1, Appendix G.3): the bootstrap data file.
//!
//! ```text
//! bootstrap_data ::= number_of_objects(u16) size(u16) object*   -- big-endian
//! object         ::= object_id(u16) version length(u16) tlv[length]
//! version        ::= 00 (implicit 1.0) | MAJOR(01..FF) MINOR(00..FF)
//! ```
//!
//! `size` counts the objects only (not the 4 header bytes). The file may be
//! longer than `4 + size`: the rest is padding (`FF`, or `00`), checked and
//! ignored. The object count must match the objects found within `size`;
//! every object's TLV must be valid and hold Object Instances only. The whole
//! file is at most [`MAX_FILE_LEN`] bytes.
//!
//! ```
//! use scboot::bootstrap::BootstrapFile;
//! let mut file = vec![0x00, 0x01, 0x00, 0x36, 0x00, 0x00, 0x00, 0x00, 0x31, 0x08, 0x00, 0x2E, 0xC8, 0x00, 0x25];
//! file.extend_from_slice(b"coap://leshan.eclipseprojects.io:5783");
//! file.extend_from_slice(&[0xC1, 0x01, 0x01, 0xC1, 0x02, 0x03, 0xFF, 0xFF]);
//! let bf = BootstrapFile::parse(&file)?;
//! let uri = bf
//!     .objects()
//!     .find(|o| o.object_id == 0)
//!     .and_then(|o| o.instances().next())
//!     .and_then(|i| i.children().find(|r| r.id() == 0));
//! assert_eq!(
//!     uri.and_then(|r| r.as_str().ok()),
//!     Some("coap://leshan.eclipseprojects.io:5783")
//! );
//! # Ok::<(), scboot::Error>(())
//! ```

use core::fmt;

use nom::number::complete::{be_u16, be_u8};

use crate::encode::{Encode, Writer};
use crate::error::{EncodeError, ErrorKind, Field, Result, Structure};
use crate::span::Span;
use crate::tlv::{Records, Tlv};

/// The largest bootstrap file (32 KB).
pub const MAX_FILE_LEN: usize = 32 * 1024;

/// The per-object version field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectVersion {
    /// `00`: the implicit version 1.0.
    Implicit,
    /// `MAJOR MINOR`, major 1..=255.
    Explicit {
        /// Major version (1..=255).
        major: u8,
        /// Minor version.
        minor: u8,
    },
}

impl ObjectVersion {
    /// `(major, minor)`; the implicit version is 1.0.
    pub const fn major_minor(self) -> (u8, u8) {
        match self {
            ObjectVersion::Implicit => (1, 0),
            ObjectVersion::Explicit { major, minor } => (major, minor),
        }
    }

    const fn encoded_len(self) -> usize {
        match self {
            ObjectVersion::Implicit => 1,
            ObjectVersion::Explicit { .. } => 2,
        }
    }
}

impl fmt::Display for ObjectVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (major, minor) = self.major_minor();
        write!(f, "{major}.{minor}")
    }
}

/// One object of a validated bootstrap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapObject<'a> {
    /// The object id (0 Security, 1 Server, ...).
    pub object_id: u16,
    /// The object version.
    pub version: ObjectVersion,
    offset: usize,
    tlv: Tlv<'a>,
}

impl<'a> BootstrapObject<'a> {
    /// The offset of the object header in the file.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// The object's TLV (validated: Object Instances only).
    pub const fn tlv(&self) -> Tlv<'a> {
        self.tlv
    }

    /// The Object Instances.
    pub fn instances(&self) -> Records<'a> {
        self.tlv.records()
    }

    /// This object as encoder input.
    pub const fn data(&self) -> ObjectData<'a> {
        ObjectData {
            object_id: self.object_id,
            version: self.version,
            tlv: self.tlv.as_bytes(),
        }
    }
}

/// Parse the object at the start of `span` (inside the `size` region).
/// The object at the start of `span`; its TLV is validated when `validate`
/// (parsing), taken as it is otherwise (iterating a file validated before).
fn next_object(
    span: Span<'_>,
    index: usize,
    validate: bool,
) -> Result<(BootstrapObject<'_>, Span<'_>)> {
    let at = |e: crate::Error| e.within(Structure::BootstrapObject, Some(index));
    let offset = span.offset();
    let header = |input| -> crate::span::PResult<'_, (u16, ObjectVersion, usize, usize)> {
        let (input, object_id) = be_u16(input)?;
        let (input, major) = be_u8(input)?;
        let (input, version) = if major == 0 {
            (input, ObjectVersion::Implicit)
        } else {
            let (input, minor) = be_u8(input)?;
            (input, ObjectVersion::Explicit { major, minor })
        };
        let len_at = input.offset();
        let (input, len) = be_u16(input)?;
        Ok((input, (object_id, version, len_at, usize::from(len))))
    };
    let (rest, (object_id, version, len_at, len)) =
        crate::span::finish(header(span)).map_err(at)?;
    let Some((tlv_span, rest)) = rest.split(len) else {
        return crate::span::fail(ErrorKind::LengthExceedsParent, len_at).map_err(at);
    };
    let tlv = if validate {
        Tlv::parse_object_span(tlv_span).map_err(at)?
    } else {
        Tlv::validated(tlv_span)
    };
    Ok((
        BootstrapObject {
            object_id,
            version,
            offset,
            tlv,
        },
        rest,
    ))
}

/// A validated EF LwM2M_Bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapFile<'a> {
    count: u16,
    /// The header and the objects (no padding).
    bytes: &'a [u8],
    objects: Span<'a>,
}

impl<'a> BootstrapFile<'a> {
    /// Parse and validate a bootstrap file (header, objects, TLV, padding).
    pub fn parse(bytes: &'a [u8]) -> Result<BootstrapFile<'a>> {
        Self::parse_inner(bytes).map_err(|e| e.within(Structure::BootstrapFile, None))
    }

    fn parse_inner(bytes: &'a [u8]) -> Result<BootstrapFile<'a>> {
        let span = Span::new(bytes);
        let header = |input| -> crate::span::PResult<'_, (u16, u16)> {
            let (input, count) = be_u16(input)?;
            let (input, size) = be_u16(input)?;
            Ok((input, (count, size)))
        };
        let (body, (count, size)) = crate::span::finish(header(span))?;
        let Some((objects, padding)) = body.split(usize::from(size)) else {
            return crate::span::fail(ErrorKind::SizeExceedsFile, 2);
        };
        if objects.end() > MAX_FILE_LEN {
            return crate::span::fail_of(ErrorKind::TooLong, Field::BootstrapData, 2);
        }
        let mut rest = objects;
        let mut found: usize = 0;
        while !rest.is_empty() {
            let (_, next) = next_object(rest, found, true)?;
            rest = next;
            found += 1;
        }
        if found != usize::from(count) {
            return crate::span::fail(ErrorKind::ObjectCountMismatch, 0);
        }
        // The padding is checked in one branch-free pass first; the position
        // of a bad byte is looked for only on failure.
        if !padding_ok(padding.bytes()) {
            let bad = |b: u8| b.wrapping_add(1) > 1;
            if let Some(i) = padding.bytes().iter().position(|&b| bad(b)) {
                return crate::span::fail(ErrorKind::InvalidPadding, padding.offset() + i);
            }
        }
        Ok(BootstrapFile {
            count,
            bytes: bytes.get(..objects.end()).unwrap_or(bytes),
            objects,
        })
    }

    /// A file this crate validated before, over the same bytes: not
    /// checked again (the procedure validates as it reads, once).
    pub(crate) fn validated(bytes: &'a [u8], count: u16) -> BootstrapFile<'a> {
        let size = match bytes {
            [_, _, hi, lo, ..] => usize::from(u16::from_be_bytes([*hi, *lo])),
            _ => 0,
        };
        let objects = bytes.get(4..4 + size).unwrap_or(&[]);
        BootstrapFile {
            count,
            bytes: bytes.get(..4 + size).unwrap_or(bytes),
            objects: Span::at(objects, 4),
        }
    }

    /// The file's header and objects, without its padding: what the
    /// digest covers.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The number of objects.
    pub const fn object_count(&self) -> u16 {
        self.count
    }

    /// The `size` field: bytes of objects after the header.
    pub const fn size(&self) -> usize {
        self.objects.len()
    }

    /// The objects in file order.
    pub fn objects(&self) -> BootstrapObjects<'a> {
        BootstrapObjects {
            rest: self.objects,
            index: 0,
        }
    }

    /// The object bytes (header excluded, padding excluded): what a change
    /// monitor digests.
    pub const fn object_bytes(&self) -> &'a [u8] {
        self.objects.bytes()
    }
}

/// Iterator over the objects of a validated [`BootstrapFile`].
#[derive(Debug, Clone)]
pub struct BootstrapObjects<'a> {
    rest: Span<'a>,
    index: usize,
}

impl<'a> Iterator for BootstrapObjects<'a> {
    type Item = BootstrapObject<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        // The file was validated: its objects are not checked again.
        let (o, rest) = next_object(self.rest, self.index, false).ok()?;
        self.rest = rest;
        self.index += 1;
        Some(o)
    }
}

// ------------------------------------------------------------------ encoding

/// One object to encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectData<'a> {
    /// The object id.
    pub object_id: u16,
    /// The version.
    pub version: ObjectVersion,
    /// The object's TLV: Object Instances, at most 65535 bytes.
    pub tlv: &'a [u8],
}

impl Encode for ObjectData<'_> {
    fn encoded_len(&self) -> usize {
        2 + self.version.encoded_len() + 2 + self.tlv.len()
    }

    fn encode_to(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        let len = u16::try_from(self.tlv.len())
            .map_err(|_| EncodeError::InvalidValue("object TLV longer than 65535 bytes"))?;
        if let ObjectVersion::Explicit { major: 0, .. } = self.version {
            return Err(EncodeError::InvalidValue(
                "explicit version needs major >= 1",
            ));
        }
        Tlv::parse_object_span(Span::new(self.tlv))
            .map_err(|_| EncodeError::InvalidValue("object TLV is not valid Object Instances"))?;
        w.put_u16(self.object_id)?;
        match self.version {
            ObjectVersion::Implicit => w.put_u8(0)?,
            ObjectVersion::Explicit { major, minor } => w.put(&[major, minor])?,
        }
        w.put_u16(len)?;
        w.put(self.tlv)
    }
}

/// Whether every byte of `b` is padding, `00` or `FF` (one or the other
/// each). Eight bytes at a time: a byte is `00` or `FF` exactly when its
/// eight bits are equal, so when each of its bits 0-6 equals the bit above
/// it; `w ^ (w >> 1)` compares each bit with the one above, and the mask
/// keeps bits 0-6 of each byte (bit 7 would be compared with the next
/// byte's bit 0). The tail byte by byte: `b + 1` wraps to 0 or 1.
fn padding_ok(b: &[u8]) -> bool {
    const LOW_SEVEN: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let mut words = b.chunks_exact(8);
    let mut unequal = 0u64;
    for w in &mut words {
        if let &[b0, b1, b2, b3, b4, b5, b6, b7] = w {
            let w = u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]);
            unequal |= (w ^ (w >> 1)) & LOW_SEVEN;
        }
    }
    let tail_bad = words
        .remainder()
        .iter()
        .fold(false, |acc, &b| acc | (b.wrapping_add(1) > 1));
    unequal == 0 && !tail_bad
}

/// A whole bootstrap file to encode (no padding; fill the rest of the EF with `FF`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapData<'a> {
    /// The objects in file order.
    pub objects: &'a [ObjectData<'a>],
}

impl BootstrapData<'_> {
    fn size(&self) -> usize {
        self.objects.iter().map(Encode::encoded_len).sum()
    }
}

impl Encode for BootstrapData<'_> {
    fn encoded_len(&self) -> usize {
        4 + self.size()
    }

    fn encode_to(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        let count = u16::try_from(self.objects.len())
            .map_err(|_| EncodeError::InvalidValue("more than 65535 objects"))?;
        if self.encoded_len() > MAX_FILE_LEN {
            return Err(EncodeError::InvalidValue(
                "bootstrap data larger than 32 KB",
            ));
        }
        let size = u16::try_from(self.size())
            .map_err(|_| EncodeError::InvalidValue("bootstrap data larger than 32 KB"))?;
        w.put_u16(count)?;
        w.put_u16(size)?;
        self.objects.iter().try_for_each(|o| o.encode_to(w))
    }
}

#[cfg(test)]
mod tests {
    use super::padding_ok;

    /// Every byte value at every position of paddings up to 20 bytes long,
    /// in a run mixing `00` and `FF`: accepted exactly when each byte is
    /// `00` or `FF`, as byte by byte. Under Miri, the values next to `00`,
    /// `7F`/`80` and `FF` only.
    #[test]
    fn padding_check_agrees_with_the_byte_rule() {
        let edges = [0x00u8, 0x01, 0x7E, 0x7F, 0x80, 0x81, 0xFE, 0xFF];
        let all: std::vec::Vec<u8> = (0..=255).collect();
        let values: &[u8] = if cfg!(miri) { &edges } else { &all };
        let byte_ok = |b: &[u8]| b.iter().all(|&x| x == 0x00 || x == 0xFF);
        let mixed: [u8; 20] =
            core::array::from_fn(|k| if (k * 7 + k / 3) % 3 == 0 { 0x00 } else { 0xFF });
        for len in 0..=20usize {
            assert!(padding_ok(&mixed[..len]));
            for pos in 0..len {
                for &v in values {
                    let mut b = mixed;
                    b[pos] = v;
                    assert_eq!(
                        padding_ok(&b[..len]),
                        byte_ok(&b[..len]),
                        "{:02x?}",
                        &b[..len]
                    );
                }
            }
        }
    }
}
