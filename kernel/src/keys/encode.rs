//! Encoding key directory entries (the virtual card writes its PrKDF,
//! PuKDF and SKDF with these; the round-trip fuzz target checks them
//! against the parser).

use super::{
    CommonKeyAttributes, KeyObject, KeyType, MAX_KEY_NUMBER, TAG_SUBCLASS, TAG_TYPE_ATTRS,
};
use crate::ber::{self, BerWriter, Encode, Tag, Writer};
use crate::dodf::{
    check_common, common_len, put_common, put_value, value_len, ObjectValue, MAX_IDENTIFIER_LEN,
};
use crate::error::EncodeError;

/// An empty path (`30 02 04 00`): the key named by its reference alone.
const EMPTY_PATH: [u8; 4] = [0x30, 0x02, 0x04, 0x00];

fn is_empty_path(v: &ObjectValue<'_>) -> bool {
    matches!(v, ObjectValue::Path(p) if p.path.is_empty() && p.index_length.is_none())
}

fn key_value_len(v: &ObjectValue<'_>) -> usize {
    if is_empty_path(v) {
        EMPTY_PATH.len()
    } else {
        value_len(v)
    }
}

fn key_attrs_len(k: &CommonKeyAttributes<'_>) -> usize {
    ber::element_len(Tag::OCTET_STRING, k.id.len())
        + ber::element_len(Tag::BIT_STRING, ber::named_bits_content_len(k.usage.0))
        + k.native.map_or(0, |_| ber::element_len(Tag::BOOLEAN, 1))
        + k.access.map_or(0, |a| {
            ber::element_len(Tag::BIT_STRING, ber::named_bits_content_len(a.0))
        })
        + k.key_reference
            .map_or(0, |r| ber::integer_len(i64::from(r)))
}

impl KeyObject<'_> {
    fn sub_class_len(&self) -> Option<usize> {
        match (self.sub_class, self.key_len) {
            (Some(s), _) => Some(s.len()),
            (None, Some(k)) => Some(ber::element_len(
                Tag::SEQUENCE,
                ber::integer_len(i64::from(k)),
            )),
            (None, None) => None,
        }
    }

    fn type_inner_len(&self) -> usize {
        match self.value {
            Some(v) => ber::element_len(
                Tag::SEQUENCE,
                key_value_len(&v)
                    + self
                        .field_size
                        .map_or(0, |f| ber::integer_len(i64::from(f))),
            ),
            None => self.type_attributes.len(),
        }
    }

    fn content_len(&self) -> usize {
        ber::element_len(Tag::SEQUENCE, common_len(&self.common))
            + ber::element_len(Tag::SEQUENCE, key_attrs_len(&self.key))
            + self
                .sub_class_len()
                .map_or(0, |n| ber::element_len(TAG_SUBCLASS, n))
            + ber::element_len(TAG_TYPE_ATTRS, self.type_inner_len())
    }
}

impl Encode for KeyObject<'_> {
    fn encoded_len(&self) -> usize {
        ber::element_len(self.key_type.tag(), self.content_len())
    }

    fn encode_to(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        check_common(&self.common)?;
        let k = &self.key;
        if k.id.len() > MAX_IDENTIFIER_LEN {
            return Err(EncodeError::InvalidValue("iD longer than 255 bytes"));
        }
        if [k.key_reference, self.field_size, self.key_len]
            .iter()
            .any(|v| v.is_some_and(|v| v > MAX_KEY_NUMBER))
        {
            return Err(EncodeError::InvalidValue("key number above 65535"));
        }
        if KeyType::from_tag(self.class, self.key_type.tag()) != Some(self.key_type)
            || (self.value.is_none() && !matches!(self.key_type, KeyType::Other(_)))
            || (self.field_size.is_some() && self.value.is_none())
        {
            return Err(EncodeError::InvalidValue(
                "key type not in this directory, or without its value",
            ));
        }
        w.header(self.key_type.tag(), self.content_len())?;
        put_common(w, &self.common)?;
        w.header(Tag::SEQUENCE, key_attrs_len(k))?;
        w.element(Tag::OCTET_STRING, k.id)?;
        ber::put_named_bits(w, Tag::BIT_STRING, k.usage.0)?;
        if let Some(n) = k.native {
            w.element(Tag::BOOLEAN, &[if n { 0xFF } else { 0x00 }])?;
        }
        if let Some(a) = k.access {
            ber::put_named_bits(w, Tag::BIT_STRING, a.0)?;
        }
        if let Some(r) = k.key_reference {
            ber::put_integer(w, Tag::INTEGER, i64::from(r))?;
        }
        if let Some(n) = self.sub_class_len() {
            w.header(TAG_SUBCLASS, n)?;
            match (self.sub_class, self.key_len) {
                (Some(s), _) => w.put(s)?,
                (None, Some(len)) => {
                    w.header(Tag::SEQUENCE, ber::integer_len(i64::from(len)))?;
                    ber::put_integer(w, Tag::INTEGER, i64::from(len))?;
                }
                (None, None) => {}
            }
        }
        w.header(TAG_TYPE_ATTRS, self.type_inner_len())?;
        match self.value {
            Some(v) => {
                w.header(
                    Tag::SEQUENCE,
                    key_value_len(&v)
                        + self
                            .field_size
                            .map_or(0, |f| ber::integer_len(i64::from(f))),
                )?;
                if is_empty_path(&v) {
                    w.put(&EMPTY_PATH)?;
                } else {
                    put_value(w, &v)?;
                }
                if let Some(f) = self.field_size {
                    ber::put_integer(w, Tag::INTEGER, i64::from(f))?;
                }
                Ok(())
            }
            None => w.put(self.type_attributes),
        }
    }
}
