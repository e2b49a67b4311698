//! PKCS#15 key directories (PKCS #15 v1.1, 6.4-6.6): PrKDF, PuKDF, SKDF,
//! read plainly by absolute position.
//!
//! ```text
//! PrivateKeyType ::= CHOICE { privateRSAKey (30), privateECKey [0] (A0), ... }
//! PublicKeyType  ::= CHOICE { publicRSAKey (30), publicECKey [0] (A0), ... }
//! SecretKeyType  ::= CHOICE { genericSecretKey (30), rc2key [0], ... otherKey [14] }
//! PKCS15Object ::= SEQUENCE { CommonObjectAttributes, CommonKeyAttributes,
//!                             subClassAttributes [0] OPTIONAL, typeAttributes [1] }
//! CommonKeyAttributes ::= SEQUENCE { iD OCTET STRING, usage BIT STRING,
//!     native BOOLEAN DEFAULT TRUE, accessFlags BIT STRING OPTIONAL,
//!     keyReference INTEGER OPTIONAL, ... }
//! ```
//! For RSA, EC and generic secret keys, typeAttributes holds one SEQUENCE
//! whose first component is the key's ObjectValue (an empty path `30 02 04
//! 00` names a key by its reference alone); an EC private key may carry
//! OpenSC's fieldSize INTEGER next. A secret key's subClassAttributes hold
//! `SEQUENCE { keyLen INTEGER OPTIONAL, ... }`.

use crate::ber::{self, RefPath, Seq, Tlv, MAX_DEPTH};
use crate::dodf::RefValue;
use crate::error::{err, RefResult};

/// Which directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKeyClass {
    /// PrKDF.
    Private,
    /// PuKDF.
    Public,
    /// SKDF.
    Secret,
}

/// One key entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefKey {
    /// 0 RSA, 1 EC, 2 generic secret, 100 + n another alternative [n].
    pub kind: u32,
    /// label.
    pub label: Option<String>,
    /// flags (first 32 named bits).
    pub flags: Option<u32>,
    /// authId.
    pub auth_id: Option<Vec<u8>>,
    /// iD.
    pub id: Vec<u8>,
    /// usage (first 32 named bits).
    pub usage: u32,
    /// native.
    pub native: Option<bool>,
    /// accessFlags.
    pub access: Option<u32>,
    /// keyReference.
    pub key_reference: Option<u32>,
    /// subClassAttributes contents.
    pub sub_class: Option<Vec<u8>>,
    /// The key's value (None for other alternatives).
    pub value: Option<RefValue>,
    /// OpenSC's fieldSize (EC private keys).
    pub field_size: Option<u32>,
    /// keyLen (secret keys).
    pub key_len: Option<u32>,
}

fn kind_of(class: RefKeyClass, t: &Tlv) -> Option<u32> {
    if t.is(0x30) {
        return Some(if class == RefKeyClass::Secret { 2 } else { 0 });
    }
    // Context-specific, constructed, tag numbers 0 to 30.
    if t.class == 2 && t.constructed && t.number <= 30 {
        if t.number == 0 && class != RefKeyClass::Secret {
            return Some(1);
        }
        return Some(100 + t.number);
    }
    None
}

fn key(buf: &[u8], t: &Tlv, class: RefKeyClass, kind: u32) -> RefResult<RefKey> {
    let mut s = Seq::of(buf, t);
    let (label, flags, auth_id) = crate::dodf::common_attributes(buf, &mut s)?;
    // CommonKeyAttributes.
    let k = s.required(0x30, "CommonKeyAttributes")?;
    let mut ks = Seq::of(buf, &k);
    let idt = ks.required(0x04, "iD")?;
    ber::max_len(&idt, 255)?;
    let ut = ks.required(0x03, "usage")?;
    let usage = ber::bit_string_flags(buf, &ut)?;
    let native = match ks.optional(0x01)? {
        Some(b) => {
            if b.is_empty() {
                return err("TooShort", b.start, "BOOLEAN empty");
            }
            if b.len() > 1 {
                return err("TooLong", b.start, "BOOLEAN of more than one octet");
            }
            Some(b.value(buf)[0] != 0)
        }
        None => None,
    };
    let access = match ks.optional(0x03)? {
        Some(a) => Some(ber::bit_string_flags(buf, &a)?),
        None => None,
    };
    let key_reference = match ks.optional(0x02)? {
        Some(r) => Some(ber::unsigned(buf, &r, 0xFFFF)?),
        None => None,
    };
    ks.extensions()?;
    let sub = s.optional(0xA0)?;
    let ta = s.required(0xA1, "typeAttributes")?;
    s.finish()?;
    ber::check_nested(buf, ta.value_start, ta.value_end, MAX_DEPTH - 2)?;
    let mut key_len = None;
    if let Some(x) = &sub {
        ber::check_nested(buf, x.value_start, x.value_end, MAX_DEPTH - 2)?;
        if class == RefKeyClass::Secret {
            let mut xs = Seq::of(buf, x);
            let a = xs.required(0x30, "CommonSecretKeyAttributes")?;
            let mut a_s = Seq::of(buf, &a);
            if let Some(l) = a_s.optional(0x02)? {
                key_len = Some(ber::unsigned(buf, &l, 0xFFFF)?);
            }
            a_s.extensions()?;
            xs.extensions()?;
        }
    }
    let (value, field_size) = if kind < 100 {
        let mut ts = Seq::of(buf, &ta);
        let a = ts.required(0x30, "key attributes")?;
        let mut a_s = Seq::of(buf, &a);
        let at = a_s.pos;
        let value = match a_s.peek()? {
            None => return err("MissingField", at, "no ObjectValue"),
            Some(v) if v.is(0x30) && v.value(buf) == [0x04, 0x00] => {
                a_s.take_next()?;
                RefValue::Path(RefPath {
                    path: Vec::new(),
                    index_length: None,
                })
            }
            Some(_) => crate::dodf::object_value(buf, &mut a_s, false)?,
        };
        let field_size = if class == RefKeyClass::Private && kind == 1 {
            match a_s.optional(0x02)? {
                Some(f) => Some(ber::unsigned(buf, &f, 0xFFFF)?),
                None => None,
            }
        } else {
            None
        };
        a_s.extensions()?;
        // The SEQUENCE's contents first, then nothing after it (in order).
        ts.finish()?;
        (Some(value), field_size)
    } else {
        (None, None)
    };
    Ok(RefKey {
        kind,
        label,
        flags,
        auth_id,
        id: idt.value(buf).to_vec(),
        usage,
        native,
        access,
        key_reference,
        sub_class: sub.map(|x| x.value(buf).to_vec()),
        value,
        field_size,
        key_len,
    })
}

/// Parse a key directory; alternatives that are not keys are skipped.
pub fn parse(buf: &[u8], class: RefKeyClass) -> RefResult<Vec<RefKey>> {
    ber::directory(buf, |t| match kind_of(class, t) {
        Some(k) => key(buf, t, class, k).map(Some),
        None => Ok(None),
    })
}
