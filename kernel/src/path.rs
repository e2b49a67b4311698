//! File paths: the PKCS#15 `Path` type and the ISO 7816-4 path bound.
//!
//! ```text
//! Path ::= SEQUENCE {
//!     efidOrPath OCTET STRING,
//!     index      INTEGER (0..pkcs15-ub-index) OPTIONAL,
//!     length     [0] INTEGER (0..pkcs15-ub-index) OPTIONAL
//! } -- index and length both present or both absent
//! ```
//!
//! A path is a concatenation of 2-byte file identifiers, 2 to
//! [`MAX_PATH_LEN`] bytes (ISO 7816-4 paths; the bound fixed buffers in
//! card stacks rely on).
//!
//! ```
//! use scboot::path::Path;
//! let p = Path::parse(&[0x30, 0x04, 0x04, 0x02, 0x64, 0x30]).unwrap();
//! assert_eq!(p.path, &[0x64, 0x30]);
//! assert_eq!(p.index_length, None);
//! ```

use nom::Parser;

use crate::ber::{
    self, decoded, end, required, BerWriter, Components, Element, Encode, Tag, Writer,
};
use crate::error::{EncodeError, ErrorKind, Field, Result, Structure};
use crate::span::{finish, Span};

/// The longest path accepted, in bytes (8 file identifiers).
pub const MAX_PATH_LEN: usize = 16;
/// The shortest path accepted, in bytes (one file identifier).
pub const MIN_PATH_LEN: usize = 2;
/// `pkcs15-ub-index`.
pub const MAX_INDEX: u32 = 65535;

/// Part of a file: byte offset and length (PKCS#15 `Path.index`, `Path.length`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndexLength {
    /// Offset of the first byte within the file.
    pub index: u32,
    /// Number of bytes.
    pub length: u32,
}

/// A PKCS#15 `Path`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Path<'a> {
    /// The file identifier(s), e.g. `64 30` or `3F 00 50 15 64 30`.
    pub path: &'a [u8],
    /// The part of the file meant, when not all of it.
    pub index_length: Option<IndexLength>,
}

/// `Path ::= SEQUENCE { efidOrPath OCTET STRING, index INTEGER OPTIONAL,
/// length [0] INTEGER OPTIONAL }`, index and length both or neither; the
/// SEQUENCE `e`.
fn path<'a>(e: &Element<'a>) -> Result<Path<'a>> {
    let mut parts = Components::of(e);
    let p = parts.required(Tag::OCTET_STRING, Field::EfidOrPath)?;
    check_path(&p, Field::Path)?;
    let index = parts.optional(Tag::INTEGER)?;
    let length = parts.optional(Tag::context(0, false))?;
    let index_length = match (index, length) {
        (None, None) => None,
        (Some(i), Some(l)) => Some(IndexLength {
            index: i.unsigned_of(Field::PathIndex, MAX_INDEX)?,
            length: l.unsigned_of(Field::PathLength, MAX_INDEX)?,
        }),
        (Some(x), None) | (None, Some(x)) => {
            return crate::span::fail(ErrorKind::IndexWithoutLength, x.offset())
        }
    };
    parts.end()?;
    Ok(Path {
        path: p.value(),
        index_length,
    })
}

/// The value of a Path SEQUENCE that holds a file's path and nothing
/// else: one short-form OCTET STRING, filling the SEQUENCE, of 2 to 16
/// bytes in whole file identifiers. `None` for any other content, which
/// the parser then reads (and names the error of, if it has one).
#[inline]
pub(crate) fn file_path_only(value: &[u8]) -> Option<&[u8]> {
    match *value {
        [0x04, len, ref path @ ..]
            if usize::from(len) == path.len()
                && (MIN_PATH_LEN..=MAX_PATH_LEN).contains(&path.len())
                && path.len() % 2 == 0 =>
        {
            Some(path)
        }
        _ => None,
    }
}

/// Check the bounds of a path value held by element `e` (field name `field`).
pub(crate) fn check_path(e: &Element<'_>, field: Field) -> Result<()> {
    let len = e.value().len();
    if len > MAX_PATH_LEN {
        return crate::span::fail_of(ErrorKind::TooLong, field, e.offset());
    }
    if len < MIN_PATH_LEN {
        return crate::span::fail_of(ErrorKind::TooShort, field, e.offset());
    }
    if len % 2 != 0 {
        return crate::span::fail(ErrorKind::OddPathLength, e.offset());
    }
    Ok(())
}

/// Check a path held by the caller (for encoders).
pub(crate) fn check_path_value(path: &[u8]) -> core::result::Result<(), EncodeError> {
    if path.len() > MAX_PATH_LEN || path.len() < MIN_PATH_LEN || path.len() % 2 != 0 {
        return Err(EncodeError::InvalidValue(
            "path must be 2..=16 bytes of 2-byte file identifiers",
        ));
    }
    Ok(())
}

impl<'a> Path<'a> {
    /// A whole-file path.
    pub const fn new(path: &'a [u8]) -> Self {
        Path {
            path,
            index_length: None,
        }
    }

    /// Parse a DER/BER `Path` SEQUENCE that spans all of `input`.
    pub fn parse(input: &'a [u8]) -> Result<Path<'a>> {
        let whole = (
            decoded(
                required(Tag::SEQUENCE, Field::PathSequence),
                Path::from_element,
            ),
            end,
        );
        finish(whole.map(|(p, ())| p).parse(Span::new(input)))
            .map(|(_, p)| p)
            .map_err(|e| e.within(Structure::Path, None))
    }

    /// Decode from a SEQUENCE element. The common Path, a file's path
    /// alone, is taken directly ([`file_path_only`]); anything else, errors
    /// included, goes through the parser.
    pub(crate) fn from_element(e: &Element<'a>) -> Result<Path<'a>> {
        match file_path_only(e.value()) {
            Some(path) => Ok(Path {
                path,
                index_length: None,
            }),
            None => path(e),
        }
    }

    fn content_len(&self) -> usize {
        let mut n = ber::element_len(Tag::OCTET_STRING, self.path.len());
        if let Some(il) = self.index_length {
            n += ber::integer_len(i64::from(il.index));
            n += ber::integer_len(i64::from(il.length));
        }
        n
    }
}

impl Encode for Path<'_> {
    fn encoded_len(&self) -> usize {
        ber::element_len(Tag::SEQUENCE, self.content_len())
    }

    fn encode_to(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        check_path_value(self.path)?;
        w.header(Tag::SEQUENCE, self.content_len())?;
        w.element(Tag::OCTET_STRING, self.path)?;
        if let Some(il) = self.index_length {
            if il.index > MAX_INDEX || il.length > MAX_INDEX {
                return Err(EncodeError::InvalidValue("path index/length above 65535"));
            }
            ber::put_integer(w, Tag::INTEGER, i64::from(il.index))?;
            ber::put_integer(w, Tag::context(0, false), i64::from(il.length))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct decode takes exactly the file-only Paths, and agrees with
    /// the parser on every one of them; everything else is left to the
    /// parser.
    #[test]
    fn file_path_only_takes_the_common_path_and_nothing_else() {
        let taken: [&[u8]; 3] = [
            &[0x04, 0x02, 0x3F, 0x00],
            &[0x04, 0x04, 0x3F, 0x00, 0x50, 0x15],
            &[
                0x04, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
            ],
        ];
        for value in taken {
            assert_eq!(file_path_only(value), value.get(2..));
            let mut seq = [0u8; 20];
            seq[0] = 0x30;
            seq[1] = value.len() as u8;
            seq[2..2 + value.len()].copy_from_slice(value);
            let (e, rest) = Element::parse(&seq[..2 + value.len()]).unwrap();
            assert!(rest.is_empty());
            assert_eq!(path(&e), Ok(Path::new(&value[2..])));
        }
        let left: [&[u8]; 9] = [
            &[],
            &[0x04],
            &[0x04, 0x00],
            &[0x04, 0x01, 0x3F],
            &[0x04, 0x03, 0x3F, 0x00, 0x50],
            &[
                0x04, 0x12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
            ],
            &[0x04, 0x02, 0x3F],
            &[0x04, 0x02, 0x3F, 0x00, 0x02, 0x01, 0x00, 0x80, 0x01, 0x10],
            &[0x24, 0x02, 0x3F, 0x00],
        ];
        for value in left {
            assert_eq!(file_path_only(value), None, "{value:02X?}");
        }
    }

    /// A Path with an index and a length still reads through the parser.
    #[test]
    fn a_path_with_index_and_length_is_parsed_in_full() {
        let bytes = [
            0x30, 0x0A, 0x04, 0x02, 0x3F, 0x00, 0x02, 0x01, 0x05, 0x80, 0x01, 0x10,
        ];
        let p = Path::parse(&bytes).unwrap();
        assert_eq!(p.path, &[0x3F, 0x00]);
        assert_eq!(
            p.index_length,
            Some(IndexLength {
                index: 5,
                length: 16
            })
        );
    }
}
