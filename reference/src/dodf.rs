//! DODF (PKCS #15 v1.1, 6.7 and Annex A): DataType entries.
//!
//! ```text
//! DataType ::= CHOICE { opaqueDO DataObject {Opaque}, externalIDO [0] ..., oidDO [1] ..., ... }
//! PKCS15Object ::= SEQUENCE { commonObjectAttributes, classAttributes,
//!                             subClassAttributes [0] OPTIONAL, typeAttributes [1] }
//! ```
//! `[0]`/`[1]` inside PKCS15Object tag parameters: EXPLICIT (X.680 31.2.7).

use crate::ber::{self, RefPath, Seq, MAX_DEPTH};
use crate::error::{err, RefResult};

/// ObjectValue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefValue {
    /// indirect / path.
    Path(RefPath),
    /// indirect / url.
    Url(String),
    /// indirect / urlWithDigest [3]: contents.
    UrlWithDigest(Vec<u8>),
    /// direct [0]: contents (one whole element).
    Direct(Vec<u8>),
}

/// One DODF entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefDataObject {
    /// 0 opaqueDO, 1 externalIDO, 2 oidDO.
    pub kind: u8,
    /// The oidDO id contents.
    pub id: Option<Vec<u8>>,
    /// label.
    pub label: Option<String>,
    /// flags (first 32 named bits).
    pub flags: Option<u32>,
    /// authId.
    pub auth_id: Option<Vec<u8>>,
    /// userConsent.
    pub user_consent: Option<u8>,
    /// accessControlRules contents.
    pub access_control_rules: Option<Vec<u8>>,
    /// applicationName.
    pub application_name: Option<String>,
    /// applicationOID contents.
    pub application_oid: Option<Vec<u8>>,
    /// subClassAttributes contents.
    pub sub_class: Option<Vec<u8>>,
    /// The value.
    pub value: RefValue,
}

/// 2.23.43.9.1.
pub const LWM2M_OID: &[u8] = &[0x67, 0x2B, 0x09, 0x01];

/// The bootstrap finder: `(entry index, rule)`, rule 1 registered oidDO,
/// 2 oidDO with the OID wrapped twice, 3 opaqueDO with applicationOID.
pub fn find_bootstrap(entries: &[RefDataObject]) -> Option<(usize, u8)> {
    for (i, e) in entries.iter().enumerate() {
        if e.kind == 2 && e.id.as_deref() == Some(LWM2M_OID) {
            return Some((i, 1));
        }
        if e.kind == 2 && e.id.as_deref() == Some(&[0x06, 0x04, 0x67, 0x2B, 0x09, 0x01][..]) {
            return Some((i, 2));
        }
        if e.kind == 0 && e.application_oid.as_deref() == Some(LWM2M_OID) {
            return Some((i, 3));
        }
    }
    None
}

/// ObjectValue, the next component of `s`.
pub fn object_value(buf: &[u8], s: &mut Seq<'_>, opaque: bool) -> RefResult<RefValue> {
    let at = s.pos;
    let Some(v) = s.take_next()? else {
        return err("MissingField", at, "no ObjectValue");
    };
    if v.is(0x30) {
        Ok(RefValue::Path(ber::path(buf, &v)?))
    } else if v.is(0x13) || v.is(0x16) {
        ber::max_len(&v, 1024)?;
        let u = if v.is(0x13) {
            ber::printable(buf, &v)?
        } else {
            ber::ia5(buf, &v)?
        };
        Ok(RefValue::Url(u))
    } else if v.is(0xA3) {
        ber::check_nested(buf, v.value_start, v.value_end, MAX_DEPTH - 5)?;
        Ok(RefValue::UrlWithDigest(v.value(buf).to_vec()))
    } else if v.is(0xA0) {
        let mut d = Seq::of(buf, &v);
        let inner = if opaque {
            d.required(0x04, "direct OCTET STRING")?
        } else {
            match d.take_next()? {
                Some(i) => i,
                None => return err("MissingField", v.value_start, "empty direct value"),
            }
        };
        if inner.constructed {
            ber::check_nested(buf, inner.value_start, inner.value_end, MAX_DEPTH - 5)?;
        }
        d.finish()?;
        Ok(RefValue::Direct(v.value(buf).to_vec()))
    } else {
        err("UnsupportedChoice", v.start, "ObjectValue alternative")
    }
}

/// Label, flags, authId.
pub type LabelFlagsAuth = (Option<String>, Option<u32>, Option<Vec<u8>>);

/// The label, flags and authId of `CommonObjectAttributes`, the next
/// component of `s` (what the key directories need).
pub fn common_attributes(buf: &[u8], s: &mut Seq<'_>) -> RefResult<LabelFlagsAuth> {
    let (label, flags, auth_id, _, _) = common_object_attributes(buf, s)?;
    Ok((label, flags, auth_id))
}

/// Label, flags, authId, userConsent, accessControlRules.
type Common = (
    Option<String>,
    Option<u32>,
    Option<Vec<u8>>,
    Option<u8>,
    Option<Vec<u8>>,
);

fn common_object_attributes(buf: &[u8], s: &mut Seq<'_>) -> RefResult<Common> {
    // CommonObjectAttributes ::= SEQUENCE { label, flags, authId, ..., userConsent, accessControlRules }
    let c = s.required(0x30, "CommonObjectAttributes")?;
    let mut cs = Seq::of(buf, &c);
    let label = match cs.optional(0x0C)? {
        Some(l) => Some(ber::label(buf, &l, 255)?),
        None => None,
    };
    let flags = match cs.optional(0x03)? {
        Some(f) => Some(ber::bit_string_flags(buf, &f)?),
        None => None,
    };
    let auth_id = match cs.optional(0x04)? {
        Some(a) => {
            ber::max_len(&a, 255)?;
            Some(a.value(buf).to_vec())
        }
        None => None,
    };
    let user_consent = match cs.optional(0x02)? {
        Some(u) => {
            // userConsent INTEGER (1..pkcs15-ub-userConsent = 15)
            let v = ber::unsigned(buf, &u, 15)?;
            if v == 0 {
                return err("IntegerOutOfRange", u.start, "userConsent 0");
            }
            Some(v as u8)
        }
        None => None,
    };
    let access_control_rules = match cs.optional(0x30)? {
        Some(a) => {
            ber::check_nested(buf, a.value_start, a.value_end, MAX_DEPTH - 4)?;
            Some(a.value(buf).to_vec())
        }
        None => None,
    };
    cs.extensions()?;
    Ok((label, flags, auth_id, user_consent, access_control_rules))
}

fn object(buf: &[u8], t: &ber::Tlv, kind: u8) -> RefResult<RefDataObject> {
    let mut s = Seq::of(buf, t);
    let (label, flags, auth_id, user_consent, access_control_rules) =
        common_object_attributes(buf, &mut s)?;
    // CommonDataObjectAttributes ::= SEQUENCE { applicationName, applicationOID, ... }
    let d = s.required(0x30, "CommonDataObjectAttributes")?;
    let mut ds = Seq::of(buf, &d);
    let application_name = match ds.optional(0x0C)? {
        Some(l) => Some(ber::label(buf, &l, 255)?),
        None => None,
    };
    let application_oid = match ds.optional(0x06)? {
        Some(o) => Some(ber::oid(buf, &o)?),
        None => None,
    };
    ds.extensions()?;
    let sub_class = match s.optional(0xA0)? {
        Some(x) => {
            ber::check_nested(buf, x.value_start, x.value_end, MAX_DEPTH - 3)?;
            Some(x.value(buf).to_vec())
        }
        None => None,
    };
    let ta = s.required(0xA1, "typeAttributes")?;
    s.finish()?;
    let mut ts = Seq::of(buf, &ta);
    let (id, value) = if kind == 2 {
        // OidDO ::= SEQUENCE { id OBJECT IDENTIFIER, value ObjectValue {...} }
        let o = ts.required(0x30, "OidDO")?;
        let mut os = Seq::of(buf, &o);
        let idt = os.required(0x06, "id")?;
        let id = ber::oid(buf, &idt)?;
        let v = object_value(buf, &mut os, false)?;
        os.finish()?;
        (Some(id), v)
    } else {
        (None, object_value(buf, &mut ts, kind == 0)?)
    };
    ts.finish()?;
    Ok(RefDataObject {
        kind,
        id,
        label,
        flags,
        auth_id,
        user_consent,
        access_control_rules,
        application_name,
        application_oid,
        sub_class,
        value,
    })
}

/// Parse a DODF; unknown DataType alternatives are skipped.
pub fn parse(buf: &[u8]) -> RefResult<Vec<RefDataObject>> {
    ber::directory(buf, |t| {
        let kind = if t.is(0x30) {
            0
        } else if t.is(0xA0) {
            1
        } else if t.is(0xA1) {
            2
        } else {
            return Ok(None);
        };
        object(buf, t, kind).map(Some)
    })
}
