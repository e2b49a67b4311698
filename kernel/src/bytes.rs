//! [`InlineBytes`]: a byte string of bounded length held by value (an AID,
//! a file path, a PIN, a key), so that the kernel keeps what it learned from
//! a card without a heap and without borrowing the buffer it came in.

use core::fmt;

use zeroize::Zeroize;

/// Up to `N` bytes (at most 255), held inline.
///
/// ```
/// use scboot::bytes::InlineBytes;
/// let aid = InlineBytes::<16>::new(&[0xA0, 0x00, 0x00, 0x00, 0x63]).unwrap();
/// assert_eq!(aid.as_bytes(), &[0xA0, 0x00, 0x00, 0x00, 0x63]);
/// assert_eq!(format!("{aid:?}"), "a000000063");
/// assert!(InlineBytes::<2>::new(&[1, 2, 3]).is_none());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct InlineBytes<const N: usize> {
    bytes: [u8; N],
    len: u8,
}

impl<const N: usize> Default for InlineBytes<N> {
    fn default() -> Self {
        InlineBytes {
            bytes: [0; N],
            len: 0,
        }
    }
}

impl<const N: usize> InlineBytes<N> {
    /// A copy of `b`, or `None` when it is longer than `N` (or than 255).
    pub fn new(b: &[u8]) -> Option<Self> {
        let mut out = Self::default();
        out.bytes.get_mut(..b.len())?.copy_from_slice(b);
        out.len = u8::try_from(b.len()).ok()?;
        Some(out)
    }

    /// The `M` bytes of `a`, at compile time when wanted: an `M` above `N`
    /// or 255 does not compile.
    pub(crate) const fn from_array<const M: usize>(a: [u8; M]) -> Self {
        const { assert!(M <= N && M <= 255, "more bytes than the string holds") };
        let mut bytes = [0u8; N];
        let mut i = 0;
        while i < M {
            bytes[i] = a[i];
            i += 1;
        }
        InlineBytes {
            bytes,
            len: M as u8,
        }
    }

    /// `len` zero bytes, to be written in place (`None` above `N` or 255).
    pub(crate) fn zeroed(len: usize) -> Option<Self> {
        (len <= N).then_some(())?;
        Some(InlineBytes {
            bytes: [0; N],
            len: u8::try_from(len).ok()?,
        })
    }

    /// The bytes, to be written in place.
    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8] {
        self.bytes
            .get_mut(..usize::from(self.len))
            .unwrap_or(&mut [])
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// The number of bytes.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there are none.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<const N: usize> Zeroize for InlineBytes<N> {
    fn zeroize(&mut self) {
        self.bytes.zeroize();
        self.len.zeroize();
    }
}

impl<const N: usize> AsRef<[u8]> for InlineBytes<N> {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl<const N: usize> fmt::Debug for InlineBytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// An AID or a file path (at most 16 bytes).
pub type Bytes16 = InlineBytes<16>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_equality() {
        let full = [7u8; 16];
        assert_eq!(Bytes16::new(&full).unwrap().len(), 16);
        assert!(Bytes16::new(&[0; 17]).is_none());
        assert!(
            InlineBytes::<300>::new(&[0; 256]).is_none(),
            "length fits a byte"
        );
        let a = Bytes16::new(&[1, 2]).unwrap();
        assert_eq!(a, Bytes16::new(&[1, 2]).unwrap());
        assert_ne!(
            a,
            Bytes16::new(&[1, 2, 0]).unwrap(),
            "length is part of the value"
        );
        assert!(Bytes16::default().is_empty());
        let mut k = InlineBytes::<32>::new(&[9; 32]).unwrap();
        k.zeroize();
        assert!(k.is_empty() && k.bytes == [0; 32]);
    }
}
