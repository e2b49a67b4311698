//! EF.DIR: ISO/IEC 7816-4 application templates (8.2.1.1, Table 8 tags).

use crate::ber::{self, Seq, MAX_DEPTH};
use crate::error::{err, RefResult};

/// An application template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefTemplate {
    /// `4F` application identifier.
    pub aid: Vec<u8>,
    /// `50` application label.
    pub label: Option<String>,
    /// `51` path.
    pub path: Option<Vec<u8>>,
    /// `73` discretionary data objects.
    pub discretionary: Option<Vec<u8>>,
}

fn template(buf: &[u8], t: &ber::Tlv) -> RefResult<RefTemplate> {
    let mut aid = None;
    let mut label = None;
    let mut path = None;
    let mut ddo = None;
    let mut s = Seq::of(buf, t);
    while let Some(c) = s.take_next()? {
        if c.is(0x4F) {
            // ISO 7816-4 8.2.1.2: an AID is a RID (5 bytes) and up to 11 PIX bytes.
            if c.len() < 5 {
                return err("TooShort", c.start, "AID below 5 bytes");
            }
            if c.len() > 16 {
                return err("TooLong", c.start, "AID above 16 bytes");
            }
            if aid.is_some() {
                return err("DuplicateField", c.start, "AID twice");
            }
            aid = Some(c.value(buf).to_vec());
        } else if c.is(0x50) {
            let l = ber::label(buf, &c, 255)?;
            if label.is_some() {
                return err("DuplicateField", c.start, "label twice");
            }
            label = Some(l);
        } else if c.is(0x51) {
            ber::check_path(&c)?;
            if path.is_some() {
                return err("DuplicateField", c.start, "path twice");
            }
            path = Some(c.value(buf).to_vec());
        } else if c.is(0x73) {
            ber::check_nested(buf, c.value_start, c.value_end, MAX_DEPTH - 2)?;
            if ddo.is_some() {
                return err("DuplicateField", c.start, "discretionary data twice");
            }
            ddo = Some(c.value(buf).to_vec());
        } else if c.constructed {
            ber::check_nested(buf, c.value_start, c.value_end, MAX_DEPTH - 2)?;
        }
    }
    match aid {
        Some(aid) => Ok(RefTemplate {
            aid,
            label,
            path,
            discretionary: ddo,
        }),
        None => err("MissingField", t.start, "no AID"),
    }
}

/// The template after padding at `pos`, and where the next search starts.
fn next(buf: &[u8], pos: usize) -> RefResult<Option<(RefTemplate, usize)>> {
    let pos = ber::skip_padding(buf, pos, buf.len());
    if pos >= buf.len() {
        return Ok(None);
    }
    let t = ber::read(buf, pos, buf.len())?;
    if !t.is(0x61) {
        return err("UnexpectedTag", t.start, "not an application template");
    }
    Ok(Some((template(buf, &t)?, t.value_end)))
}

/// A transparent EF.DIR, or records end to end.
pub fn parse(buf: &[u8]) -> RefResult<Vec<RefTemplate>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some((t, next_pos)) = next(buf, pos)? {
        out.push(t);
        pos = next_pos;
    }
    Ok(out)
}

/// One linear-fixed record: a template then padding only.
pub fn parse_record(buf: &[u8]) -> RefResult<Option<RefTemplate>> {
    match next(buf, 0)? {
        None => Ok(None),
        Some((t, after)) => {
            let rest = ber::skip_padding(buf, after, buf.len());
            if rest < buf.len() {
                return err("TrailingData", rest, "data after the template");
            }
            Ok(Some(t))
        }
    }
}
