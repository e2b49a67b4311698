//! LwM2M TLV (OMA LwM2M TS Core 1.1, 7.4.3).
//!
//! Type byte: bits 7-6 identifier type (`00` Object Instance, `01` Resource
//! Instance, `10` Multiple Resource, `11` Resource with value); bit 5 the
//! identifier length (0: 8 bits, 1: 16 bits); bits 4-3 the length type
//! (`00`: length in bits 2-0; `01`/`10`/`11`: an 8/16/24-bit length field
//! follows the identifier, bits 2-0 are then ignored). A header is 2 to 6
//! bytes.
//!
//! Nesting: Object Instance → Resource / Multiple Resource → Resource
//! Instance. The rules bound the depth at 3, so validation is three nested
//! loops, never recursion. Children must fit in their parent.
//!
//! ```
//! use scboot::tlv::{Tlv, TlvType};
//! // Object Instance 0 { Resource 1 = 01, Resource 2 = 03 }
//! let bytes = [0x08, 0x00, 0x06, 0xC1, 0x01, 0x01, 0xC1, 0x02, 0x03];
//! let tlv = Tlv::parse(&bytes).unwrap();
//! let inst = tlv.records().next().unwrap();
//! assert_eq!(inst.kind(), TlvType::ObjectInstance);
//! let ids: Vec<(u16, i64)> = inst.children().map(|r| (r.id(), r.as_integer().unwrap())).collect();
//! assert_eq!(ids, [(1, 1), (2, 3)]);
//! ```

mod encode;
mod record;
mod types;

#[cfg(test)]
mod tests;

pub use encode::{TlvContent, TlvItem, ValueBytes};
pub(crate) use record::{value, RawRecords};
pub use record::{Records, Tlv, TlvRecord};
pub use types::{ObjLnk, TlvType, MAX_VALUE_LEN};
