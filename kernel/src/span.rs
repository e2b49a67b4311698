//! A byte slice that remembers its offset in the original input, so that
//! every error can name the absolute byte position at fault.

use nom::{Input, Needed};

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
