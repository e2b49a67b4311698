//! Encoding into a caller's buffer: the [`Writer`] cursor and the [`Encode`]
//! trait that every format's encoder implements (BER-TLV for the PKCS#15
//! files, LwM2M TLV, the bootstrap file). Neutral: it knows no format.

use crate::error::EncodeError;

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
