//! A byte slice that remembers its offset in the original input, so that
//! every error can name the absolute byte position at fault.

use nom::{Input, Needed};

use crate::error::{Error, ErrorKind, Field, Result};

/// A zero-copy window into the input, with the absolute offset of its first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Span<'a> {
    /// The whole input, starting at offset 0.
    #[inline]
    pub(crate) const fn new(bytes: &'a [u8]) -> Self {
        Span { bytes, offset: 0 }
    }

    /// A window whose first byte sits at `offset` in the original input.
    #[inline]
    pub(crate) const fn at(bytes: &'a [u8], offset: usize) -> Self {
        Span { bytes, offset }
    }

    /// The bytes of the window.
    #[inline]
    pub(crate) const fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The absolute offset of the first byte.
    #[inline]
    pub(crate) const fn offset(&self) -> usize {
        self.offset
    }

    /// The absolute offset one past the last byte.
    #[inline]
    pub(crate) const fn end(&self) -> usize {
        self.offset + self.bytes.len()
    }

    #[inline]
    pub(crate) const fn len(&self) -> usize {
        self.bytes.len()
    }

    #[inline]
    pub(crate) const fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Split into `(first n bytes, rest)`; `None` when fewer than `n` bytes remain.
    #[inline]
    pub(crate) fn split(&self, n: usize) -> Option<(Span<'a>, Span<'a>)> {
        let (a, b) = self.bytes.split_at_checked(n)?;
        Some((
            Span {
                bytes: a,
                offset: self.offset,
            },
            Span {
                bytes: b,
                offset: self.offset + n,
            },
        ))
    }

    /// The window after its first `n` bytes (empty when fewer remain).
    /// The bytes as UTF-8 text; the error names the first bad byte's offset.
    pub(crate) fn utf8(&self) -> Result<&'a str> {
        core::str::from_utf8(self.bytes)
            .map_err(|e| Error::new(ErrorKind::InvalidUtf8, self.offset + e.valid_up_to()))
    }

    #[inline]
    pub(crate) fn skip(&self, n: usize) -> Span<'a> {
        match self.split(n) {
            Some((_, rest)) => rest,
            None => Span {
                bytes: &[],
                offset: self.end(),
            },
        }
    }
}

impl<'a> Input for Span<'a> {
    type Item = u8;
    type Iter = core::iter::Copied<core::slice::Iter<'a, u8>>;
    type IterIndices = core::iter::Enumerate<Self::Iter>;

    #[inline]
    fn input_len(&self) -> usize {
        self.bytes.len()
    }

    #[inline]
    fn take(&self, index: usize) -> Self {
        match self.split(index) {
            Some((head, _)) => head,
            None => *self,
        }
    }

    #[inline]
    fn take_from(&self, index: usize) -> Self {
        self.skip(index)
    }

    #[inline]
    fn take_split(&self, index: usize) -> (Self, Self) {
        match self.split(index) {
            Some((head, tail)) => (tail, head),
            None => (self.skip(index), *self),
        }
    }

    fn position<P>(&self, predicate: P) -> Option<usize>
    where
        P: Fn(Self::Item) -> bool,
    {
        self.bytes.iter().position(|b| predicate(*b))
    }

    #[inline]
    fn iter_elements(&self) -> Self::Iter {
        self.bytes.iter().copied()
    }

    fn iter_indices(&self) -> Self::IterIndices {
        self.iter_elements().enumerate()
    }

    #[inline]
    fn slice_index(&self, count: usize) -> Result<usize, Needed> {
        if self.bytes.len() >= count {
            Ok(count)
        } else {
            Err(Needed::new(count - self.bytes.len()))
        }
    }
}

/// The nom error of every parser over a [`Span`] is this crate's [`Error`].
impl<'a> nom::error::ParseError<Span<'a>> for Error {
    fn from_error_kind(input: Span<'a>, _kind: nom::error::ErrorKind) -> Self {
        // Every nom combinator used here fails only by running out of input.
        Error::new(ErrorKind::Truncated, input.offset())
    }

    fn append(_input: Span<'a>, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

/// nom result over a [`Span`], with this crate's error.
pub(crate) type PResult<'a, T> = nom::IResult<Span<'a>, T, Error>;

/// A parse error of `kind` at `offset`.
pub(crate) fn fail<T>(kind: ErrorKind, offset: usize) -> Result<T> {
    Err(Error::new(kind, offset))
}

/// An error of `kind` about the component `field` at `offset`.
pub(crate) fn fail_of<T>(kind: ErrorKind, field: Field, offset: usize) -> Result<T> {
    Err(Error::of(kind, field, offset))
}

/// [`fail`] as a nom error.
pub(crate) fn nom_fail<'a, T>(kind: ErrorKind, offset: usize) -> PResult<'a, T> {
    Err(nom::Err::Error(Error::new(kind, offset)))
}

/// Turn a nom result into this crate's error.
#[inline]
pub(crate) fn finish<'a, T>(r: PResult<'a, T>) -> Result<(Span<'a>, T)> {
    match r {
        Ok(v) => Ok(v),
        Err(nom::Err::Error(e)) | Err(nom::Err::Failure(e)) => Err(e),
        // Only complete-input parsers are used; keep the arm total anyway.
        Err(nom::Err::Incomplete(_)) => Err(Error::new(ErrorKind::Truncated, 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// `Span` is nom input that behaves like `&[u8]` (nom's own impl) and
    /// keeps absolute offsets: every `Input` method, at every split point.
    #[test]
    fn behaves_like_a_byte_slice_with_offsets() {
        let bytes: Vec<u8> = (0u8..12).map(|b| b.wrapping_mul(37)).collect();
        let s = Span::at(&bytes, 100);
        let b: &[u8] = &bytes;
        assert_eq!((s.offset(), s.end(), s.len()), (100, 112, 12));
        assert_eq!(s.input_len(), b.input_len());
        assert!(Span::at(&[], 7).is_empty() && !s.is_empty());
        for n in 0..=13 {
            assert_eq!(
                s.slice_index(n).ok(),
                b.slice_index(n).ok(),
                "slice_index {n}"
            );
            if n > 12 {
                assert_eq!(s.slice_index(n), Err(Needed::new(n - 12)));
                assert!(s.split(n).is_none());
                continue;
            }
            let (head, tail) = s.split(n).unwrap();
            assert_eq!((head.bytes(), head.offset()), (&b[..n], 100));
            assert_eq!((tail.bytes(), tail.offset()), (&b[n..], 100 + n));
            assert_eq!(s.take(n).bytes(), b.take(n));
            assert_eq!(s.take_from(n).bytes(), b.take_from(n));
            assert_eq!(s.take_from(n).offset(), 100 + n);
            let (rest, taken) = s.take_split(n);
            let (brest, btaken) = b.take_split(n);
            assert_eq!((rest.bytes(), taken.bytes()), (brest, btaken));
            assert_eq!(rest.offset(), 100 + n);
            assert_eq!(s.skip(n).bytes(), &b[n..]);
        }
        for needle in [0u8, 37, 74, 200] {
            assert_eq!(s.position(|x| x == needle), b.position(|x| x == needle));
        }
        assert_eq!(s.position(|x| x == 111), Some(3));
        assert!(s.iter_elements().eq(b.iter_elements()));
        assert!(s.iter_indices().eq(b.iter_indices()));
    }
}
