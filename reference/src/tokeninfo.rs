//! EF.TokenInfo (PKCS #15 v1.1, 6.9).

use crate::ber::{self, Seq, MAX_DEPTH};
use crate::error::{err, RefResult};

/// lastUpdate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefLastUpdate {
    /// GeneralizedTime.
    Time(String),
    /// referencedTime: the [5] contents.
    Referenced(Vec<u8>),
}

/// TokenInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefTokenInfo {
    /// version.
    pub version: u32,
    /// serialNumber.
    pub serial_number: Vec<u8>,
    /// manufacturerID.
    pub manufacturer_id: Option<String>,
    /// label [0].
    pub label: Option<String>,
    /// tokenflags (first 32 bits).
    pub token_flags: u32,
    /// seInfo contents.
    pub se_info: Option<Vec<u8>>,
    /// recordInfo contents.
    pub record_info: Option<Vec<u8>>,
    /// supportedAlgorithms contents.
    pub supported_algorithms: Option<Vec<u8>>,
    /// issuerId [3].
    pub issuer_id: Option<String>,
    /// holderId [4].
    pub holder_id: Option<String>,
    /// lastUpdate [5].
    pub last_update: Option<RefLastUpdate>,
    /// preferredLanguage.
    pub preferred_language: Option<String>,
}

/// X.680 46: YYYYMMDDHH[MM[SS[.f+]]][Z|(+|-)hhmm], as characters.
fn generalized_time(buf: &[u8], t: &ber::Tlv) -> RefResult<String> {
    let b = t.value(buf);
    let at = |i: usize| t.value_start + i;
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i != 10 && i != 12 && i != 14 {
        return if i < b.len() {
            err("InvalidCharacter", at(i), "not a digit")
        } else {
            err("Truncated", t.value_end, "time cut short")
        };
    }
    if i < b.len() && (b[i] == b'.' || b[i] == b',') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return if i < b.len() {
                err("InvalidCharacter", at(i), "fraction without digits")
            } else {
                err("Truncated", t.value_end, "fraction cut short")
            };
        }
    }
    if i < b.len() {
        if b[i] == b'Z' {
            i += 1;
        } else if b[i] == b'+' || b[i] == b'-' {
            i += 1;
            for _ in 0..4 {
                if i >= b.len() {
                    return err("Truncated", t.value_end, "offset cut short");
                }
                if !b[i].is_ascii_digit() {
                    return err("InvalidCharacter", at(i), "offset digit");
                }
                i += 1;
            }
        } else {
            return err("InvalidCharacter", at(i), "bad time character");
        }
    }
    if i < b.len() {
        return err("InvalidCharacter", at(i), "after the time");
    }
    ber::utf8(buf, t)
}

/// Parse EF.TokenInfo (padding after the SEQUENCE allowed).
pub fn parse(buf: &[u8]) -> RefResult<RefTokenInfo> {
    let top = ber::Tlv {
        class: 0,
        constructed: true,
        number: 16,
        start: 0,
        len_at: 0,
        value_start: 0,
        value_end: buf.len(),
    };
    let mut outer = Seq::of(buf, &top);
    let t = outer.required(0x30, "TokenInfo")?;
    let rest = ber::skip_padding(buf, t.value_end, buf.len());
    if rest < buf.len() {
        return err("TrailingData", rest, "after TokenInfo");
    }
    let mut s = Seq::of(buf, &t);
    let v = s.required(0x02, "version")?;
    let version = ber::unsigned(buf, &v, u32::MAX)?;
    let sn = s.required(0x04, "serialNumber")?;
    ber::max_len(&sn, 255)?;
    let manufacturer_id = s
        .optional(0x0C)?
        .map(|x| ber::label(buf, &x, 255))
        .transpose()?;
    let label = s
        .optional(0x80)?
        .map(|x| ber::label(buf, &x, 255))
        .transpose()?;
    let f = s.required(0x03, "tokenflags")?;
    let token_flags = ber::bit_string_flags(buf, &f)?;
    let mut raw = |id: u8| -> RefResult<Option<Vec<u8>>> {
        match s.optional(id)? {
            Some(x) => {
                ber::check_nested(buf, x.value_start, x.value_end, MAX_DEPTH - 2)?;
                Ok(Some(x.value(buf).to_vec()))
            }
            None => Ok(None),
        }
    };
    let se_info = raw(0x30)?;
    let record_info = raw(0xA1)?;
    let supported_algorithms = raw(0xA2)?;
    let issuer_id = s
        .optional(0x83)?
        .map(|x| ber::label(buf, &x, 255))
        .transpose()?;
    let holder_id = s
        .optional(0x84)?
        .map(|x| ber::label(buf, &x, 255))
        .transpose()?;
    let last_update = match s.optional(0xA5)? {
        Some(lu) => {
            // [5] EXPLICIT LastUpdate (a CHOICE): exactly one element inside.
            let mut ls = Seq::of(buf, &lu);
            let at = ls.pos;
            let Some(inner) = ls.take_next()? else {
                return err("MissingField", at, "empty lastUpdate");
            };
            ls.finish()?;
            if inner.is(0x18) {
                if inner.len() > 32 {
                    return err("TooLong", inner.start, "GeneralizedTime above 32 bytes");
                }
                if inner.len() < 10 {
                    return err("TooShort", inner.start, "GeneralizedTime below 10 bytes");
                }
                Some(RefLastUpdate::Time(generalized_time(buf, &inner)?))
            } else {
                ber::check_nested(buf, lu.value_start, lu.value_end, MAX_DEPTH - 2)?;
                Some(RefLastUpdate::Referenced(lu.value(buf).to_vec()))
            }
        }
        None => None,
    };
    let preferred_language = match s.optional(0x13)? {
        Some(p) => {
            ber::max_len(&p, 32)?;
            Some(ber::printable(buf, &p)?)
        }
        None => None,
    };
    s.extensions()?;
    Ok(RefTokenInfo {
        version,
        serial_number: sn.value(buf).to_vec(),
        manufacturer_id,
        label,
        token_flags,
        se_info,
        record_info,
        supported_algorithms,
        issuer_id,
        holder_id,
        last_update,
        preferred_language,
    })
}
