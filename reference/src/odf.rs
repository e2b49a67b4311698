//! EF.ODF (PKCS #15 v1.1, 6.3): PKCS15Objects CHOICE values.

use crate::ber::{self, RefPath, Seq, MAX_DEPTH};
use crate::error::{err, RefResult};

/// Where a class's objects are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefLocation {
    /// `path Path`.
    Path(RefPath),
    /// `objects [0] SEQUENCE OF`: the contents.
    Direct(Vec<u8>),
}

/// One ODF entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefOdfEntry {
    /// The context tag number 0..=8 (7 = dataObjects).
    pub class: u32,
    /// Where.
    pub location: RefLocation,
}

/// Parse an ODF.
pub fn parse(buf: &[u8]) -> RefResult<Vec<RefOdfEntry>> {
    ber::directory(buf, |t| {
        // The nine alternatives are [0]..[8], EXPLICIT because they tag a
        // CHOICE (PathOrObjects) under IMPLICIT TAGS (X.680 31.2.7). Others
        // are future extensions of PKCS15Objects: well-formed, skipped.
        if !(t.class == 2 && t.constructed && t.number <= 8) {
            return Ok(None);
        }
        let mut s = Seq::of(buf, t);
        let Some(inner) = s.take_next()? else {
            return err("MissingField", t.value_start, "empty PathOrObjects");
        };
        let location = if inner.is(0x30) {
            RefLocation::Path(ber::path(buf, &inner)?)
        } else if inner.is(0xA0) {
            ber::check_nested(buf, inner.value_start, inner.value_end, MAX_DEPTH - 2)?;
            RefLocation::Direct(inner.value(buf).to_vec())
        } else {
            return err(
                "UnsupportedChoice",
                inner.start,
                "PathOrObjects alternative",
            );
        };
        s.finish()?;
        Ok(Some(RefOdfEntry {
            class: t.number,
            location,
        }))
    })
}
