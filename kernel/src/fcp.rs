//! File control parameters (ISO/IEC 7816-4 7.4.3, Table 12): the template
//! `62` a card returns to SELECT, parsed for the reader and encoded for the
//! virtual card, in one place.
//!
//! ```
//! use scboot::ber::Encode;
//! use scboot::fcp::FileControl;
//! let fcp = FileControl::transparent([0x64, 0x32], 512);
//! let mut buf = [0u8; 32];
//! let n = fcp.encode(&mut buf)?;
//! assert_eq!(&buf[..n], &[0x62, 0x0F, 0x82, 0x02, 0x01, 0x21, 0x83, 0x02, 0x64, 0x32,
//!                         0x80, 0x02, 0x02, 0x00, 0x8A, 0x01, 0x05]);
//! let back = FileControl::parse(&buf[..n]).unwrap();
//! assert_eq!((back.data_size(), back.records()), (Some(512), None));
//! # Ok::<(), scboot::EncodeError>(())
//! ```

use crate::ber::BerWriter;
use crate::ber::{Element, Encode, Tag, Writer};
use crate::error::{EncodeError, Error, ErrorKind, Field, Result, Structure};

/// The file descriptor (tag `82`): descriptor byte, data coding byte, and
/// for record files the record length and (optionally) the record count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileDescriptor {
    /// The file descriptor byte: `38` a DF; low bits `001` transparent,
    /// `010`..`110` record structures (linear fixed `02`, variable `04`, cyclic `06`).
    pub byte: u8,
    /// The data coding byte (`21` on the cards LwM2M meets).
    pub coding: Option<u8>,
    /// The record length (the largest, for variable records).
    pub record_len: Option<u16>,
    /// The number of records, when the card says it.
    pub record_count: Option<u16>,
}

impl FileDescriptor {
    /// Whether this describes a DF (b6..b4 = `111`).
    pub const fn is_df(&self) -> bool {
        self.byte & 0x38 == 0x38
    }

    /// For a record EF: the record length and count (0: not given, read
    /// until `6A83`).
    pub fn records(&self) -> Option<(usize, u16)> {
        let structure = self.byte & 0x07;
        if !(2..=6).contains(&structure) || self.is_df() {
            return None;
        }
        match self.record_len {
            Some(len) if len > 0 => Some((usize::from(len), self.record_count.unwrap_or(0))),
            _ => None,
        }
    }
}

/// The parameters of a selected file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileControl<'a> {
    /// `82`: the file descriptor.
    pub descriptor: Option<FileDescriptor>,
    /// `83`: the file identifier.
    pub fid: Option<[u8; 2]>,
    /// `84`: the DF name (an application's AID).
    pub df_name: Option<&'a [u8]>,
    /// `80`: the number of data bytes.
    pub size: Option<usize>,
    /// `81`: the total number of bytes the file takes.
    pub total_size: Option<usize>,
    /// `8A`: the life cycle status byte (`05`: operational, activated).
    pub life_cycle: Option<u8>,
}

/// A big-endian number from up to the first four bytes.
fn number(v: &[u8]) -> usize {
    v.iter()
        .take(4)
        .fold(0usize, |acc, &x| (acc << 8) | usize::from(x))
}

impl<'a> FileControl<'a> {
    /// The FCP template tag, `62`.
    pub const TAG: Tag = Tag::application(2, true);

    /// Parse an FCP template (`62 L ...`); unknown parameters are skipped.
    pub fn parse(data: &'a [u8]) -> Result<FileControl<'a>> {
        Self::parse_inner(data).map_err(|e| e.within(Structure::Fcp, None))
    }

    fn parse_inner(data: &'a [u8]) -> Result<FileControl<'a>> {
        let (fcp, _) = Element::parse(data)?;
        if fcp.tag() != Self::TAG {
            return Err(Error::of(ErrorKind::UnexpectedTag, Field::FcpTemplate, 0));
        }
        let mut out = FileControl::default();
        for c in fcp.children() {
            let c = c?;
            let v = c.value();
            match c.tag().first_byte() {
                0x80 => out.size = Some(number(v)),
                0x81 => out.total_size = Some(number(v)),
                0x82 => {
                    let Some(&byte) = v.first() else {
                        return Err(Error::of(
                            ErrorKind::TooShort,
                            Field::FileDescriptor,
                            c.value_offset(),
                        ));
                    };
                    out.descriptor = Some(FileDescriptor {
                        byte,
                        coding: v.get(1).copied(),
                        record_len: v.get(2..4).map(|r| u16::from_be_bytes([r[0], r[1]])),
                        record_count: match v.get(4..) {
                            Some([n]) => Some(u16::from(*n)),
                            Some([a, b]) => Some(u16::from_be_bytes([*a, *b])),
                            _ => None,
                        },
                    });
                }
                0x83 => {
                    if let [a, b] = v {
                        out.fid = Some([*a, *b]);
                    }
                }
                0x84 => out.df_name = Some(v),
                0x8A => out.life_cycle = v.first().copied(),
                _ => {}
            }
        }
        Ok(out)
    }

    /// The number of data bytes: `80`, else `81`.
    pub const fn data_size(&self) -> Option<usize> {
        match self.size {
            Some(s) => Some(s),
            None => self.total_size,
        }
    }

    /// For a record EF: record length and count (0: not given).
    pub fn records(&self) -> Option<(usize, u16)> {
        self.descriptor.and_then(|d| d.records())
    }

    /// A DF (an application when `name` is its AID).
    pub const fn df(fid: [u8; 2], name: Option<&'a [u8]>) -> FileControl<'a> {
        FileControl {
            descriptor: Some(FileDescriptor {
                byte: 0x38,
                coding: None,
                record_len: None,
                record_count: None,
            }),
            fid: Some(fid),
            df_name: name,
            size: None,
            total_size: None,
            life_cycle: Some(0x05),
        }
    }

    /// A transparent EF of `size` bytes.
    pub const fn transparent(fid: [u8; 2], size: usize) -> FileControl<'a> {
        FileControl {
            descriptor: Some(FileDescriptor {
                byte: 0x01,
                coding: Some(0x21),
                record_len: None,
                record_count: None,
            }),
            fid: Some(fid),
            df_name: None,
            size: Some(size),
            total_size: None,
            life_cycle: Some(0x05),
        }
    }

    /// A record EF (`structure`: `02` linear fixed, `04` linear variable)
    /// of `count` records (left out when `None`) of `record_len` bytes.
    pub const fn records_of(
        fid: [u8; 2],
        structure: u8,
        record_len: u16,
        count: Option<u8>,
        size: usize,
    ) -> FileControl<'a> {
        FileControl {
            descriptor: Some(FileDescriptor {
                byte: structure,
                coding: Some(0x21),
                record_len: Some(record_len),
                record_count: match count {
                    Some(c) => Some(c as u16),
                    None => None,
                },
            }),
            fid: Some(fid),
            df_name: None,
            size: Some(size),
            total_size: None,
            life_cycle: Some(0x05),
        }
    }

    /// The descriptor's value bytes (at most 6) and their number.
    fn descriptor_value(d: &FileDescriptor) -> ([u8; 6], usize) {
        let mut v = [0u8; 6];
        v[0] = d.byte;
        let mut n = 1;
        if let Some(c) = d.coding {
            v[1] = c;
            n = 2;
            if let Some(l) = d.record_len {
                v[2..4].copy_from_slice(&l.to_be_bytes());
                n = 4;
                match d.record_count {
                    Some(c) if c <= 0xFF => {
                        v[4] = c as u8;
                        n = 5;
                    }
                    Some(c) => {
                        v[4..6].copy_from_slice(&c.to_be_bytes());
                        n = 6;
                    }
                    None => {}
                }
            }
        }
        (v, n)
    }

    /// A size as the fewest bytes, at least two (as cards write them).
    fn size_value(s: usize) -> ([u8; 4], usize) {
        let b = (s as u32).to_be_bytes();
        let skip = (s as u32).leading_zeros() as usize / 8;
        (b, 4 - skip.min(2))
    }

    fn content_len(&self) -> usize {
        let mut n = 0;
        if let Some(d) = &self.descriptor {
            n += 2 + Self::descriptor_value(d).1;
        }
        if self.fid.is_some() {
            n += 4;
        }
        if let Some(name) = self.df_name {
            n += crate::ber::element_len(Tag::context(4, false), name.len());
        }
        for s in [self.size, self.total_size].into_iter().flatten() {
            n += 2 + Self::size_value(s).1;
        }
        if self.life_cycle.is_some() {
            n += 3;
        }
        n
    }
}

impl Encode for FileControl<'_> {
    fn encoded_len(&self) -> usize {
        crate::ber::element_len(Self::TAG, self.content_len())
    }

    fn encode_to(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        w.header(Self::TAG, self.content_len())?;
        if let Some(d) = &self.descriptor {
            let (v, n) = Self::descriptor_value(d);
            w.element(Tag::context(2, false), v.get(..n).unwrap_or(&[]))?;
        }
        if let Some(fid) = self.fid {
            w.element(Tag::context(3, false), &fid)?;
        }
        if let Some(name) = self.df_name {
            w.element(Tag::context(4, false), name)?;
        }
        for (tag, size) in [(0, self.size), (1, self.total_size)] {
            if let Some(s) = size {
                let (b, n) = Self::size_value(s);
                w.element(Tag::context(tag, false), b.get(4 - n..).unwrap_or(&[]))?;
            }
        }
        if let Some(l) = self.life_cycle {
            w.element(Tag::context(10, false), &[l])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    fn parse(b: &[u8]) -> Option<FileControl<'_>> {
        FileControl::parse(b).ok()
    }

    #[test]
    fn sizes_and_record_structures() {
        // 80: data size 0x0123; 82: transparent.
        let f = parse(&[0x62, 0x07, 0x80, 0x02, 0x01, 0x23, 0x82, 0x01, 0x01]).unwrap();
        assert_eq!((f.data_size(), f.records()), (Some(0x0123), None));
        // 81 (total size) stands in for a missing 80; 80 wins when both are there.
        let f = parse(&[0x62, 0x04, 0x81, 0x02, 0x02, 0x00]).unwrap();
        assert_eq!(f.data_size(), Some(0x200));
        let f = parse(&[0x62, 0x08, 0x81, 0x02, 0x02, 0x00, 0x80, 0x02, 0x00, 0x10]).unwrap();
        assert_eq!(f.data_size(), Some(0x10));
        // Linear fixed (02), record length 0x0020, 5 records (one count byte).
        let f = parse(&[0x62, 0x07, 0x82, 0x05, 0x02, 0x21, 0x00, 0x20, 0x05]).unwrap();
        assert_eq!(f.records(), Some((0x20, 5)));
        // Two count bytes: 0x0102 records.
        let f = parse(&[0x62, 0x08, 0x82, 0x06, 0x05, 0x21, 0x00, 0x30, 0x01, 0x02]).unwrap();
        assert_eq!(f.records(), Some((0x30, 0x0102)));
        // No count: 0 records; record length 0: not a record file.
        let f = parse(&[0x62, 0x06, 0x82, 0x04, 0x06, 0x21, 0x00, 0x08]).unwrap();
        assert_eq!(f.records(), Some((8, 0)));
        let f = parse(&[0x62, 0x06, 0x82, 0x04, 0x02, 0x21, 0x00, 0x00]).unwrap();
        assert_eq!(f.records(), None);
        // Structures 1 (transparent), 7 and the DF bits 111xxx are not records.
        for d in [0x01, 0x07, 0x38 | 0x02] {
            let b = [0x62, 0x06, 0x82, 0x04, d, 0x21, 0x00, 0x08];
            assert_eq!(parse(&b).unwrap().records(), None, "descriptor {d:02X}");
        }
        // Sizes of more than four bytes use the first four.
        let f = parse(&[0x62, 0x07, 0x80, 0x05, 0x00, 0x00, 0x01, 0x00, 0xFF]).unwrap();
        assert_eq!(f.data_size(), Some(0x100));
    }

    #[test]
    fn malformed_templates() {
        let e = FileControl::parse(&[0x6F, 0x00]).unwrap_err();
        assert_eq!(
            (e.kind(), e.field(), e.offset()),
            (ErrorKind::UnexpectedTag, Some(Field::FcpTemplate), 0)
        );
        assert_eq!(
            FileControl::parse(&[]).unwrap_err().kind(),
            ErrorKind::Truncated
        );
        let e = FileControl::parse(&[0x62, 0x02, 0x82, 0x00]).unwrap_err();
        assert_eq!((e.offset(), e.structure()), (4, Structure::Fcp));
        assert!(matches!(e.kind(), ErrorKind::TooShort));
        assert!(matches!(
            FileControl::parse(&[0x62, 0x03, 0x80, 0x05, 0x00])
                .unwrap_err()
                .kind(),
            ErrorKind::LengthExceedsParent
        ));
    }

    /// What the virtual card writes reads back as the same parameters.
    #[test]
    fn encode_round_trips() {
        let aid = [0xA0, 0x00, 0x00, 0x00, 0x63];
        for f in [
            FileControl::df([0x50, 0x15], Some(&aid)),
            FileControl::df([0x3F, 0x00], None),
            FileControl::transparent([0x64, 0x32], 0),
            FileControl::transparent([0x64, 0x32], 0x7FFF),
            FileControl::transparent([0x64, 0x32], 0x12_3456),
            FileControl::records_of([0x2F, 0x00], 0x02, 0x24, Some(3), 0x6C),
            FileControl::records_of([0x2F, 0x00], 0x04, 0x24, None, 0x6C),
        ] {
            let mut buf = vec![0u8; f.encoded_len()];
            assert_eq!(f.encode(&mut buf), Ok(buf.len()));
            assert_eq!(FileControl::parse(&buf).unwrap(), f, "{buf:02x?}");
        }
        let mut buf = [0u8; 64];
        let n = FileControl::records_of([0x2F, 0x00], 0x02, 0x24, Some(3), 0x6C)
            .encode(&mut buf)
            .unwrap();
        assert_eq!(
            &buf[..n],
            &[
                0x62, 0x12, 0x82, 0x05, 0x02, 0x21, 0x00, 0x24, 0x03, 0x83, 0x02, 0x2F, 0x00, 0x80,
                0x02, 0x00, 0x6C, 0x8A, 0x01, 0x05
            ]
        );
    }
}
