//! BER-TLV core (ITU-T X.690 clause 8.1) and the primitive types PKCS#15 uses.
//!
//! * Tags: low form and high form up to three subsequent octets (numbers
//!   below 2^21); a high form that could have been shorter is rejected.
//! * Lengths: definite short form and long form with 1 to 4 length octets.
//!   The indefinite form `80` and the reserved `FF` are rejected with their
//!   own errors. A value must fit inside its parent.
//! * Nesting: structured parsers have a fixed depth; the generic walker
//!   ([`validate`]) is iterative with a fixed stack of [`MAX_DEPTH`] levels.
//!
//! Every parsed value borrows from the input.
//!
//! ```
//! use scboot::ber::{Element, Tag};
//! let (e, rest) = Element::parse(&[0x04, 0x02, 0x3F, 0x00, 0xFF]).unwrap();
//! assert_eq!(e.tag(), Tag::OCTET_STRING);
//! assert_eq!(e.value(), &[0x3F, 0x00]);
//! assert_eq!(rest, &[0xFF]);
//! ```

//!
//! The module follows the layers of X.690: [`Tag`] (identifier octets),
//! the element (identifier and length octets, then the value), the readers
//! of runs of elements and of a SEQUENCE's components, the primitive types,
//! OBJECT IDENTIFIER, and the writer.

mod element;
mod oid;
mod primitives;
mod reader;
mod tag;
mod writer;

#[cfg(test)]
mod tests;

pub use crate::encode::{Concat, Encode, Writer};
pub(crate) use element::next_element;
pub use element::{Element, Elements};
pub use oid::{encode_oid_arcs, Oid, OidArcs};
pub use primitives::BitString;
pub(crate) use primitives::{decode_generalized_time, decode_ia5, decode_printable};
pub(crate) use reader::{
    contents, decoded, end, extensions, optional_with, present, required, skip_padding,
    validate_span, Components,
};
pub use reader::{validate, MAX_DEPTH};
pub use tag::{Tag, TagClass, MAX_TAG_SUBSEQUENT_OCTETS};
pub use writer::{
    element_len, integer_content, integer_len, length_len, named_bits_content_len, put_integer,
    put_named_bits, BerWriter,
};
