//! EF LwM2M_Bootstrap (OMA LwM2M TS 1.1 Appendix G.3).

use crate::error::{err, RefResult};
use crate::tlv::{self, RefTlv};

/// One object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefObject {
    /// object_id.
    pub object_id: u16,
    /// `None` for the implicit `00`; `(major, minor)` otherwise.
    pub version: Option<(u8, u8)>,
    /// The TLV bytes.
    pub tlv: Vec<u8>,
    /// The Object Instances.
    pub instances: Vec<RefTlv>,
}

fn u16_at(buf: &[u8], p: usize, end: usize) -> RefResult<u16> {
    if p + 2 > end {
        return err("Truncated", p, "u16 cut short");
    }
    Ok(u16::from(buf[p]) << 8 | u16::from(buf[p + 1]))
}

/// Parse a bootstrap file: header, objects within `size`, padding.
pub fn parse(buf: &[u8]) -> RefResult<Vec<RefObject>> {
    let count = u16_at(buf, 0, buf.len())?;
    let size = usize::from(u16_at(buf, 2, buf.len())?);
    // `size` counts the objects only; the file may be longer (padding).
    if size > buf.len() - 4 {
        return err("SizeExceedsFile", 2, "size past the file");
    }
    let end = 4 + size;
    if end > 32 * 1024 {
        return err("TooLong", 2, "above 32 KB");
    }
    let mut objects = Vec::new();
    let mut p = 4;
    while p < end {
        let object_id = u16_at(buf, p, end)?;
        if p + 2 >= end {
            return err("Truncated", p + 2, "no version");
        }
        let major = buf[p + 2];
        let (version, q) = if major == 0 {
            (None, p + 3)
        } else {
            if p + 3 >= end {
                return err("Truncated", p + 3, "no minor version");
            }
            (Some((major, buf[p + 3])), p + 4)
        };
        let len = usize::from(u16_at(buf, q, end)?);
        let vs = q + 2;
        if len > end - vs {
            return err("LengthExceedsParent", q, "object length past size");
        }
        let instances = tlv::parse_object(buf, vs, vs + len)?;
        objects.push(RefObject {
            object_id,
            version,
            tlv: buf[vs..vs + len].to_vec(),
            instances,
        });
        p = vs + len;
    }
    if objects.len() != usize::from(count) {
        return err("ObjectCountMismatch", 0, "count disagrees");
    }
    for (i, &b) in buf[end..].iter().enumerate() {
        if b != 0xFF && b != 0x00 {
            return err("InvalidPadding", end + i, "padding byte");
        }
    }
    Ok(objects)
}
