//! Writing BER: length octets, headers, integers and named bit strings.

use super::tag::Tag;
use crate::encode::Writer;
use crate::error::EncodeError;

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

/// BER headers and elements, written through a [`Writer`].
pub trait BerWriter {
    /// Append a BER header (tag and definite length).
    fn header(&mut self, tag: Tag, len: usize) -> Result<(), EncodeError>;

    /// Append a whole primitive element.
    fn element(&mut self, tag: Tag, value: &[u8]) -> Result<(), EncodeError>;
}

impl BerWriter for Writer<'_> {
    fn header(&mut self, tag: Tag, len: usize) -> Result<(), EncodeError> {
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

    fn element(&mut self, tag: Tag, value: &[u8]) -> Result<(), EncodeError> {
        self.header(tag, value.len())?;
        self.put(value)
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
pub fn put_integer(w: &mut Writer<'_>, tag: Tag, v: i64) -> Result<(), EncodeError> {
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
pub fn put_named_bits(w: &mut Writer<'_>, tag: Tag, flags: u32) -> Result<(), EncodeError> {
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
