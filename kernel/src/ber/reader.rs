//! Reading runs of elements: the iterator, the bounded iterative walker that
//! validates nesting, and the reader of a SEQUENCE's components.

use super::element::{next_element, Element};
use super::tag::Tag;
use nom::{Mode, OutputMode, Parser};

use crate::error::{Error, ErrorKind, Field, Result};
use crate::span::{fail, fail_of, finish, nom_fail, PResult, Span};

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
                return fail(ErrorKind::DepthExceeded, e.offset());
            }
            walk(e.span(), depth + 1, max_depth)?;
        }
        cur = rest;
    }
    Ok(())
}

// ------------------------------------------------------------ nom parsers
//
// The grammar of every BER format is written with these nom parsers over
// [`Span`] and nom's combinators (tuples, `map`): a format module reads
// like its ASN.1. Each is a small value implementing `nom::Parser` with an
// always-inlined `process`, so that a tuple of them compiles to the straight
// sequence of reads a hand-written reader would do; each keeps its fast
// path inside (one identifier octet decides an optional component, so a
// missing one costs a byte comparison and builds no error).

/// Hand a plain result to nom in the output mode it asks for.
#[inline(always)]
fn emit<'a, OM: OutputMode, O>(r: Result<(Span<'a>, O)>) -> NomResult<'a, OM, O> {
    match r {
        Ok((rest, o)) => Ok((rest, OM::Output::bind(|| o))),
        Err(e) => Err(nom::Err::Error(OM::Error::bind(|| e))),
    }
}

/// The output mode of a parser whose result is used at once (what
/// `Parser::parse` asks for), named so that calls go straight to `process`.
type Plain = nom::OutputM<nom::Emit, nom::Emit, nom::Complete>;

/// nom's result type of a parser over [`Span`] in output mode `OM`.
type NomResult<'a, OM, O> = nom::PResult<OM, Span<'a>, O, Error>;

/// Any one element (the common encoding, one identifier octet and a
/// short-form length, is decoded directly; anything else by the full
/// parser of the identifier and length octets).
#[inline]
pub(crate) fn any(input: Span<'_>) -> PResult<'_, Element<'_>> {
    match next_element(input) {
        Ok((e, rest)) => Ok((rest, e)),
        Err(e) => Err(nom::Err::Error(e)),
    }
}

/// A component that must be there, with `tag` ([`required`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Required {
    tag: Tag,
    what: Field,
}

/// A component that must be there, with `tag`; `what` names it in errors
/// (missing: at the end of the enclosing value; another tag: where it is).
pub(crate) const fn required(tag: Tag, what: Field) -> Required {
    Required { tag, what }
}

impl<'a> Parser<Span<'a>> for Required {
    type Output = Element<'a>;
    type Error = Error;

    #[inline(always)]
    fn process<OM: OutputMode>(&mut self, input: Span<'a>) -> NomResult<'a, OM, Element<'a>> {
        emit::<OM, _>(required_element(self.tag, self.what, input))
    }
}

/// [`Required`]'s read: inline with the `fast-paths` feature, where it is
/// the straight-line read of a component; without it, one copy that every
/// component shares (smaller code on a device).
#[cfg_attr(feature = "fast-paths", inline(always))]
#[cfg_attr(not(feature = "fast-paths"), inline(never))]
fn required_element(tag: Tag, what: Field, input: Span<'_>) -> Result<(Span<'_>, Element<'_>)> {
    if input.is_empty() {
        fail_of(ErrorKind::MissingField, what, input.end())
    } else {
        next_element(input).and_then(|(e, rest)| {
            if e.tag() == tag {
                Ok((rest, e))
            } else {
                fail_of(ErrorKind::UnexpectedTag, what, e.offset())
            }
        })
    }
}

/// A component that must be there, whatever its tag ([`present`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Present {
    what: Field,
}

/// A component that must be there, whatever its tag (a CHOICE).
pub(crate) const fn present(what: Field) -> Present {
    Present { what }
}

impl<'a> Parser<Span<'a>> for Present {
    type Output = Element<'a>;
    type Error = Error;

    #[inline(always)]
    fn process<OM: OutputMode>(&mut self, input: Span<'a>) -> NomResult<'a, OM, Element<'a>> {
        emit::<OM, _>(present_element(self.what, input))
    }
}

/// [`Present`]'s read, shared out of line without the `fast-paths`
/// feature, as [`required_element`].
#[cfg_attr(feature = "fast-paths", inline(always))]
#[cfg_attr(not(feature = "fast-paths"), inline(never))]
fn present_element(what: Field, input: Span<'_>) -> Result<(Span<'_>, Element<'_>)> {
    if input.is_empty() {
        fail_of(ErrorKind::MissingField, what, input.offset())
    } else {
        next_element(input).map(|(e, rest)| (rest, e))
    }
}

/// The next element if it has `tag`: one identifier octet decides (a
/// low-number tag), so another element is left unread. Shared out of line
/// without the `fast-paths` feature, as [`required_element`].
#[cfg_attr(feature = "fast-paths", inline(always))]
#[cfg_attr(not(feature = "fast-paths"), inline(never))]
fn take_if<'a>(tag: Tag, input: Span<'a>) -> Result<(Span<'a>, Option<Element<'a>>)> {
    match input.bytes().first() {
        Some(&b) if b == tag.first_byte() => next_element(input).map(|(e, rest)| (rest, Some(e))),
        _ => Ok((input, None)),
    }
}

/// An OPTIONAL component with `tag`, decoded by a function ([`optional_with`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct OptionalWith<F> {
    tag: Tag,
    f: F,
}

/// An OPTIONAL component with `tag`, decoded by `f` (nom's `opt` and
/// `map_res` together, without building an error for an absent one).
pub(crate) const fn optional_with<'a, O, F>(tag: Tag, f: F) -> OptionalWith<F>
where
    F: Fn(&Element<'a>) -> Result<O>,
{
    OptionalWith { tag, f }
}

impl<'a, O, F: Fn(&Element<'a>) -> Result<O>> Parser<Span<'a>> for OptionalWith<F> {
    type Output = Option<O>;
    type Error = Error;

    #[inline(always)]
    fn process<OM: OutputMode>(&mut self, input: Span<'a>) -> NomResult<'a, OM, Option<O>> {
        emit::<OM, _>(take_if(self.tag, input).and_then(|(rest, e)| match e {
            Some(e) => (self.f)(&e).map(|o| (rest, Some(o))),
            None => Ok((rest, None)),
        }))
    }
}

/// A component decoded by a function ([`decoded`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Decoded<P, F> {
    p: P,
    f: F,
}

/// A component read by `p`, decoded by `f` (the decoder's error is the parser's).
pub(crate) const fn decoded<'a, O, P, F>(p: P, f: F) -> Decoded<P, F>
where
    P: Parser<Span<'a>, Output = Element<'a>, Error = Error>,
    F: Fn(&Element<'a>) -> Result<O>,
{
    Decoded { p, f }
}

impl<'a, O, P, F> Parser<Span<'a>> for Decoded<P, F>
where
    P: Parser<Span<'a>, Output = Element<'a>, Error = Error>,
    F: Fn(&Element<'a>) -> Result<O>,
{
    type Output = O;
    type Error = Error;

    #[inline(always)]
    fn process<OM: OutputMode>(&mut self, input: Span<'a>) -> NomResult<'a, OM, O> {
        let r = match self.p.process::<Plain>(input) {
            Ok((rest, e)) => (self.f)(&e).map(|o| (rest, o)),
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e),
            Err(nom::Err::Incomplete(_)) => fail(ErrorKind::Truncated, input.end()),
        };
        emit::<OM, _>(r)
    }
}

/// The end of a SEQUENCE without extensions: nothing may follow.
#[inline]
pub(crate) fn end(input: Span<'_>) -> PResult<'_, ()> {
    if input.is_empty() {
        return Ok((input, ()));
    }
    let (_, e) = any(input)?;
    nom_fail(ErrorKind::TrailingData, e.offset())
}

/// The extension marker (`...`): whatever follows must be well-formed and
/// is otherwise ignored.
#[inline(always)]
pub(crate) fn extensions(input: Span<'_>) -> PResult<'_, ()> {
    if input.is_empty() {
        // The common case: no extension follows.
        return Ok((input, ()));
    }
    match validate_span(input, MAX_DEPTH) {
        Ok(()) => Ok((input.skip(input.len()), ())),
        Err(e) => Err(nom::Err::Error(e)),
    }
}

/// Parse the value of `e` with `p` (which ends with [`end`] or
/// [`extensions`]).
#[inline(always)]
pub(crate) fn contents<'a, O>(
    e: &Element<'a>,
    mut p: impl Parser<Span<'a>, Output = O, Error = Error>,
) -> Result<O> {
    finish(p.process::<Plain>(e.span())).map(|(_, o)| o)
}

/// The components of a constructed value, read one after the other by
/// the readers behind this module's nom parsers (`required_element`,
/// `present_element`, `take_if`, [`end`], [`extensions`]), so the reads
/// and their errors are those of [`required`], [`present`],
/// [`optional_with`], [`end`] and [`extensions`]. Each read returns the
/// element (or `None` for an absent OPTIONAL one), and the caller decodes
/// it where its result lives: a grammar written on it builds and moves no
/// tuple of results, which keeps the code small where the readers are
/// shared out of line (a device build). Going through nom's `Parser`
/// interface instead was measured: 436 B more on a Cortex-M4.
pub(crate) struct Components<'a> {
    rest: Span<'a>,
}

impl<'a> Components<'a> {
    /// The components in the value of `e`.
    #[inline(always)]
    pub(crate) const fn of(e: &Element<'a>) -> Self {
        Components { rest: e.span() }
    }

    /// A component that must be there, with `tag`.
    #[inline(always)]
    pub(crate) fn required(&mut self, tag: Tag, what: Field) -> Result<Element<'a>> {
        let (rest, e) = required_element(tag, what, self.rest)?;
        self.rest = rest;
        Ok(e)
    }

    /// A component that must be there, whatever its tag (a CHOICE).
    #[inline(always)]
    pub(crate) fn present(&mut self, what: Field) -> Result<Element<'a>> {
        let (rest, e) = present_element(what, self.rest)?;
        self.rest = rest;
        Ok(e)
    }

    /// An OPTIONAL component with `tag`.
    #[inline(always)]
    pub(crate) fn optional(&mut self, tag: Tag) -> Result<Option<Element<'a>>> {
        let (rest, e) = take_if(tag, self.rest)?;
        self.rest = rest;
        Ok(e)
    }

    /// The end of a value without extensions: nothing may follow.
    #[inline(always)]
    pub(crate) fn end(self) -> Result<()> {
        finish(end(self.rest)).map(|_| ())
    }

    /// The extension marker: whatever follows must be well-formed.
    #[inline(always)]
    pub(crate) fn extensions(self) -> Result<()> {
        finish(extensions(self.rest)).map(|_| ())
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
