//! Reading runs of elements: the iterator, the bounded iterative walker that
//! validates nesting, and the reader of a SEQUENCE's components.

use super::element::{next_element, Element};
use super::tag::Tag;
use crate::error::{ErrorKind, Result};
use crate::span::{fail, Span};

/// The deepest nesting the generic walker follows.
pub const MAX_DEPTH: u8 = 16;

/// Check that `input` is a concatenation of well-formed elements, descending
/// into constructed ones down to `max_depth` levels (at most [`MAX_DEPTH`]).
/// Iterative: no recursion, whatever the input.
pub fn validate(input: &[u8], max_depth: u8) -> Result<()> {
    validate_span(Span::new(input), max_depth)
}

pub(crate) fn validate_span(input: Span<'_>, max_depth: u8) -> Result<()> {
    if input.is_empty() {
        return Ok(());
    }
    let max_depth = max_depth.clamp(1, MAX_DEPTH);
    walk(input, 0, max_depth)
}

/// Pre-order walk; the recursion is bounded by `max_depth` (at most [`MAX_DEPTH`]).
fn walk(mut cur: Span<'_>, depth: u8, max_depth: u8) -> Result<()> {
    while !cur.is_empty() {
        let (e, rest) = next_element(cur)?;
        if e.tag().is_constructed() {
            if depth + 1 >= max_depth {
                return fail(ErrorKind::DepthExceeded { max: max_depth }, e.offset());
            }
            walk(e.span(), depth + 1, max_depth)?;
        }
        cur = rest;
    }
    Ok(())
}

// ------------------------------------------------------------ sequence reader

/// Reads the components of a SEQUENCE (or any run of elements) in order.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a> {
    rest: Span<'a>,
}

impl<'a> Reader<'a> {
    #[inline]
    pub(crate) fn new(span: Span<'a>) -> Self {
        Reader { rest: span }
    }

    /// The offset of the next unread byte.
    #[inline]
    pub(crate) fn offset(&self) -> usize {
        self.rest.offset()
    }

    /// The next element, if any.
    #[inline]
    pub(crate) fn next(&mut self) -> Result<Option<Element<'a>>> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (e, rest) = next_element(self.rest)?;
        self.rest = rest;
        Ok(Some(e))
    }

    /// The next element if it has `tag` (a low-number tag: its one
    /// identifier octet decides, so a non-matching element is left as is).
    #[inline]
    pub(crate) fn optional(&mut self, tag: Tag) -> Result<Option<Element<'a>>> {
        match self.rest.bytes().first() {
            Some(&b) if b == tag.first_byte() => self.next(),
            _ => Ok(None),
        }
    }

    /// The next element, which must have `tag`.
    #[inline]
    pub(crate) fn required(&mut self, tag: Tag, what: &'static str) -> Result<Element<'a>> {
        if self.rest.is_empty() {
            return fail(ErrorKind::MissingField(what), self.rest.end());
        }
        let (e, rest) = next_element(self.rest)?;
        if e.tag() != tag {
            return fail(
                ErrorKind::UnexpectedTag {
                    expected: what,
                    found: e.tag().identifier(),
                },
                e.offset(),
            );
        }
        self.rest = rest;
        Ok(e)
    }

    /// Nothing may follow.
    #[inline]
    pub(crate) fn finish(self) -> Result<()> {
        if self.rest.is_empty() {
            return Ok(());
        }
        let (e, _) = next_element(self.rest)?;
        fail(ErrorKind::TrailingData, e.offset())
    }

    /// Whatever follows are extension components (`...`): they must be
    /// well-formed and are otherwise ignored.
    #[inline]
    pub(crate) fn skip_extensions(self) -> Result<()> {
        validate_span(self.rest, MAX_DEPTH)
    }
}

/// Skip directory-file padding (`00` and `FF` bytes).
pub(crate) fn skip_padding(span: Span<'_>) -> Span<'_> {
    let n = span
        .bytes()
        .iter()
        .take_while(|&&b| b == 0x00 || b == 0xFF)
        .count();
    span.skip(n)
}
